//! The GraphQL API (async-graphql): schema roots, view types over graph records, Relay
//! connections, errors with `extensions.code`, and the query limits.
//!
//! Only this module knows async-graphql. Views are thin wrappers holding a record index;
//! resolvers load the current graph snapshot (never blocking) for the few microseconds they need.

mod roots;
mod rows;
mod types;

pub use roots::{MutationRoot, QueryRoot, SubscriptionRoot};

use crate::service::Service;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{
    ErrorExtensions, Executor, Request, Response, Schema, ServerError, ValidationMode,
};
use futures_util::stream::{BoxStream, StreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The schema type.
pub type EventGraphSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Default page size of every list.
pub const DEFAULT_PAGE: usize = 20;
/// Largest page size a client may ask for.
pub const MAX_PAGE: usize = 100;
/// Maximum query depth.
pub const MAX_DEPTH: usize = 12;
/// Maximum query complexity; a list field costs its page size times its children.
pub const MAX_COMPLEXITY: usize = 50_000;
/// Maximum depth of an introspection-only operation: the standard introspection query
/// (graphql-js `getIntrospectionQuery`, sent by GraphiQL) nests `ofType` eight levels deep.
pub const MAX_INTROSPECTION_DEPTH: usize = 16;
/// Maximum number of aliased fields in one operation.
pub const MAX_ALIASES: usize = 30;
/// Maximum number of fields written out in one document (the standard introspection query
/// has about 100).
pub const MAX_FIELDS: usize = 1_000;
/// Largest serialised response, in bytes; a larger one is replaced by a LIMIT_EXCEEDED error.
pub const MAX_RESPONSE_BYTES: usize = 16 << 20;
/// Complexity charged per item of a list that has no page size (an event's articles or
/// links): a typical length.
pub const UNPAGED_LIST_COST: usize = 10;

/// Most live subscriptions on one WebSocket connection.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 100;

/// The live subscriptions of one WebSocket connection (connection data): a subscription
/// takes a slot while its stream lives.
#[derive(Debug, Default, Clone)]
pub struct SubscriptionSlots(Arc<std::sync::atomic::AtomicUsize>);

/// A taken subscription slot, given back when the subscription's stream is dropped.
#[derive(Debug)]
pub struct SubscriptionSlot(Arc<std::sync::atomic::AtomicUsize>);

impl SubscriptionSlots {
    /// Takes a slot, or refuses when the connection already has
    /// [`MAX_SUBSCRIPTIONS_PER_CONNECTION`].
    pub fn take(&self) -> Result<SubscriptionSlot, async_graphql::Error> {
        use std::sync::atomic::Ordering;
        let taken = self.0.fetch_add(1, Ordering::AcqRel);
        if taken >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            self.0.fetch_sub(1, Ordering::AcqRel);
            return Err(error(
                codes::LIMIT_EXCEEDED,
                format!(
                    "this connection already has {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions; complete some first"
                ),
            ));
        }
        Ok(SubscriptionSlot(self.0.clone()))
    }
}

impl Drop for SubscriptionSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Who is calling, as the HTTP layer saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAccess {
    /// A valid bearer token was given.
    Granted,
    /// No or a wrong token.
    Denied,
    /// The server has no write token configured: writes over HTTP are off.
    Disabled,
}

/// Error codes used in `extensions.code`.
pub mod codes {
    /// Malformed or invalid input.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// An id that names nothing.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// A write without a valid token.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// Writes are not enabled on this server.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// A page size, depth, complexity or alias limit.
    pub const LIMIT_EXCEEDED: &str = "LIMIT_EXCEEDED";
    /// Something failed inside; details are in the server log.
    pub const INTERNAL: &str = "INTERNAL";
    /// The query text does not parse.
    pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
    /// The query does not fit the schema.
    pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
    /// The HTTP request is not a GraphQL request: malformed JSON, a batch, a wrong media type.
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
}

/// A GraphQL error with a code.
pub fn error(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, ext| ext.set("code", code))
}

/// Gives every error of a response an `extensions.code`: our resolvers set one; errors that
/// async-graphql raises itself (parse, validation, depth and complexity limits) get one here.
pub fn annotate_errors(response: &mut async_graphql::Response) {
    for e in &mut response.errors {
        if e.extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some())
        {
            continue;
        }
        let message = e.message.to_lowercase();
        let code = if message.contains("nested too deep")
            || message.contains("too complex")
            || message.contains("recursive depth")
        {
            codes::LIMIT_EXCEEDED
        } else if message.contains("-->") {
            codes::GRAPHQL_PARSE_FAILED
        } else if message.contains("invalid value")
            || message.contains("failed to parse")
            || message.contains("expected input type")
            || message.contains("variable")
        {
            codes::BAD_USER_INPUT
        } else if e.path.is_empty() {
            codes::GRAPHQL_VALIDATION_FAILED
        } else {
            codes::INTERNAL
        };
        e.extensions
            .get_or_insert_with(Default::default)
            .set("code", code);
    }
}

/// The schema behind its guards: the one entry point for every transport (HTTP POST/GET,
/// WebSocket, the CLI `query` command).
///
/// Before execution it parses the query (through a bounded cache of parsed documents:
/// widgets and programs send the same few queries over and over) and refuses operations
/// with too many aliases; after execution it gives every error an `extensions.code`.
/// Doing this here rather than in schema extensions keeps async-graphql on its fast path,
/// where a field's resolver is called without an extension chain around it.
///
/// Validation: a request is checked by every GraphQL validation rule the first time; once
/// the same document with the same variables and operation has run without an error, it is
/// run again with async-graphql's fast validation, which still enforces the depth and
/// complexity limits. The full rules depend only on the schema, the document and the
/// variables, so skipping them for an identical request cannot change its outcome.
#[derive(Clone)]
pub struct Api {
    strict: EventGraphSchema,
    fast: EventGraphSchema,
    introspection: EventGraphSchema,
    documents: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
    validated: Arc<Mutex<HashSet<String>>>,
}

const PARSE_CACHE_ENTRIES: usize = 1024;
const VALIDATED_ENTRIES: usize = 4096;
const CACHE_MAX_QUERY: usize = 8192;
/// Largest variables (as JSON) a cache key may hold: caches are bounded in bytes as well as
/// in entries (at most 4,096 × (8 KiB + 4 KiB) for validated requests).
pub(crate) const CACHE_MAX_VARIABLES: usize = 4096;

impl Api {
    /// The API over a service.
    pub fn new(service: Arc<Service>) -> Api {
        let schema = |mode: ValidationMode, depth: usize| {
            Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
                .data(service.clone())
                .limit_depth(depth)
                .limit_complexity(MAX_COMPLEXITY)
                .validation_mode(mode)
                .finish()
        };
        Api {
            strict: schema(ValidationMode::Strict, MAX_DEPTH),
            fast: schema(ValidationMode::Fast, MAX_DEPTH),
            introspection: schema(ValidationMode::Strict, MAX_INTROSPECTION_DEPTH),
            documents: Arc::default(),
            validated: Arc::default(),
        }
    }

    /// Parses (or finds in the cache) the request's document and checks the alias limit;
    /// also tells whether the document is an introspection query.
    fn prepare(&self, mut request: Request) -> Result<(Request, bool), ServerError> {
        let cached = self
            .documents
            .lock()
            .ok()
            .and_then(|documents| documents.get(&request.query).cloned());
        let document = match cached {
            Some(document) => document,
            None => {
                let document = async_graphql::parser::parse_query(&request.query)?;
                check_aliases(&document)?;
                if request.query.len() <= CACHE_MAX_QUERY
                    && let Ok(mut documents) = self.documents.lock()
                {
                    if documents.len() >= PARSE_CACHE_ENTRIES {
                        documents.clear();
                    }
                    documents.insert(request.query.clone(), document.clone());
                }
                document
            }
        };
        let introspection = is_introspection(&document);
        request.set_parsed_query(document);
        Ok((request, introspection))
    }

    /// The key under which a request counts as validated: operation, variables and query.
    fn validation_key(request: &Request) -> Option<String> {
        if request.query.len() > CACHE_MAX_QUERY {
            return None;
        }
        let variables = serde_json::to_string(&request.variables).ok()?;
        // Large variables (an article text) are validated every time rather than kept.
        if variables.len() > CACHE_MAX_VARIABLES {
            return None;
        }
        Some(format!(
            "{}\u{0}{variables}\u{0}{}",
            request.operation_name.as_deref().unwrap_or(""),
            request.query
        ))
    }

    fn was_validated(&self, key: &str) -> bool {
        self.validated
            .lock()
            .is_ok_and(|validated| validated.contains(key))
    }

    fn remember_validated(&self, key: String) {
        if let Ok(mut validated) = self.validated.lock() {
            if validated.len() >= VALIDATED_ENTRIES {
                validated.clear();
            }
            validated.insert(key);
        }
    }
}

impl Executor for Api {
    async fn execute(&self, request: Request) -> Response {
        let key = Api::validation_key(&request);
        let mut response = match self.prepare(request) {
            Ok((request, true)) => self.introspection.execute(request).await,
            Ok((request, false)) => match &key {
                Some(key) if self.was_validated(key) => self.fast.execute(request).await,
                _ => {
                    let response = self.strict.execute(request).await;
                    if let Some(key) = key
                        && response.errors.is_empty()
                    {
                        self.remember_validated(key);
                    }
                    response
                }
            },
            Err(refusal) => Response::from_errors(vec![refusal]),
        };
        annotate_errors(&mut response);
        response
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, Response> {
        let stream = match self.prepare(request) {
            Ok((request, _)) => self
                .strict
                .execute_stream_with_session_data(request, session_data.unwrap_or_default()),
            Err(refusal) => {
                futures_util::stream::once(async move { Response::from_errors(vec![refusal]) })
                    .boxed()
            }
        };
        stream
            .map(|mut response| {
                annotate_errors(&mut response);
                response
            })
            .boxed()
    }
}

/// True when every operation of the document asks only for `__schema`, `__type` or
/// `__typename` at its root: the schema query GraphiQL and client generators send.
fn is_introspection(document: &ExecutableDocument) -> bool {
    document.operations.iter().all(|(_, op)| {
        op.node
            .selection_set
            .node
            .items
            .iter()
            .all(|item| match &item.node {
                Selection::Field(f) => f.node.name.node.starts_with("__"),
                _ => false,
            })
    })
}

/// (aliased fields, all fields) written in a selection set, fragments counted where defined.
fn count_fields(set: &SelectionSet) -> (usize, usize) {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) => {
                let (aliases, fields) = count_fields(&f.node.selection_set.node);
                (usize::from(f.node.alias.is_some()) + aliases, 1 + fields)
            }
            Selection::InlineFragment(fr) => count_fields(&fr.node.selection_set.node),
            Selection::FragmentSpread(_) => (0, 0),
        })
        .fold((0, 0), |(a, f), (x, y)| (a + x, f + y))
}

/// Refuses a document with more than [`MAX_ALIASES`] aliased fields or more than
/// [`MAX_FIELDS`] fields written out (a field repeated a thousand times is charged a thousand
/// times, even where GraphQL would merge the repeats).
fn check_aliases(document: &ExecutableDocument) -> Result<(), ServerError> {
    let (mut aliases, mut fields) = document
        .fragments
        .values()
        .map(|f| count_fields(&f.node.selection_set.node))
        .fold((0, 0), |(a, f), (x, y)| (a + x, f + y));
    for (_, op) in document.operations.iter() {
        let (a, f) = count_fields(&op.node.selection_set.node);
        aliases += a;
        fields += f;
    }
    let refuse = |message: String| {
        Err(error(codes::LIMIT_EXCEEDED, message).into_server_error(async_graphql::Pos::default()))
    };
    if aliases > MAX_ALIASES {
        return refuse(format!(
            "query uses {aliases} aliases, the limit is {MAX_ALIASES}"
        ));
    }
    if fields > MAX_FIELDS {
        return refuse(format!(
            "query writes out {fields} fields, the limit is {MAX_FIELDS}"
        ));
    }
    Ok(())
}

/// The SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .finish()
        .sdl()
}

#[cfg(test)]
mod subscription_tests {
    use super::*;
    use crate::extract::Extractor;
    use crate::ingest::Limits;

    #[tokio::test]
    async fn a_connection_over_its_subscription_slots_is_refused() {
        let service = Arc::new(Service::in_memory(
            Arc::new(Extractor::new()),
            Limits::default(),
        ));
        let api = Api::new(service);
        let slots = SubscriptionSlots::default();
        let held: Vec<SubscriptionSlot> = (0..MAX_SUBSCRIPTIONS_PER_CONNECTION)
            .filter_map(|_| slots.take().ok())
            .collect();
        assert_eq!(held.len(), MAX_SUBSCRIPTIONS_PER_CONNECTION);
        let mut data = async_graphql::Data::default();
        data.insert(slots.clone());
        let mut stream = api.execute_stream(
            Request::new("subscription { articleIngested { source } }"),
            Some(Arc::new(data)),
        );
        let first = stream.next().await.expect("a response");
        assert_eq!(first.errors.len(), 1, "{first:?}");
        drop(held);
        assert!(
            slots.take().is_ok(),
            "slots come back when subscriptions end"
        );
    }
}
