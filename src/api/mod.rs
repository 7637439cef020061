//! The GraphQL API (async-graphql): schema roots, view types over graph records, Relay
//! connections, errors with `extensions.code`, and the query limits.
//!
//! Only this module knows async-graphql. Views are thin wrappers holding a record index;
//! resolvers load the current graph snapshot (never blocking) for the few microseconds they need.

mod connection;
mod direct;
mod headline;
mod roots;
mod rows;
mod scope;
mod types;

pub use roots::{MutationRoot, QueryRoot, SubscriptionRoot};
pub use scope::{EXPENSIVE_COMPLEXITY, ExpensiveGate};

use crate::service::Service;
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{
    ErrorExtensions, Executor, Request, Response, Schema, ServerError, ValidationMode,
};
use futures_util::stream::{BoxStream, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// Most entities one list argument (`events(entities:)`) may name.
pub const MAX_ENTITY_LIST: usize = 20;

/// The complexity charged for an `events` filter that no index answers — a title search,
/// three or more entities — on top of its page: such a filter reads every
/// event in its scope, so it counts as an expensive query (it waits for a permit of the
/// expensive-query gate) and one request holds at most a few.
pub(crate) fn scan_cost(
    search: &Option<String>,
    entities: &Option<Vec<async_graphql::ID>>,
) -> usize {
    let listed = entities.as_ref().map_or(0, Vec::len);
    // Each entity named costs a little; a list is capped at MAX_ENTITY_LIST anyway.
    let per_entity = listed * 10;
    if search.is_some() || listed >= 3 {
        scope::EXPENSIVE_COMPLEXITY + per_entity
    } else {
        per_entity
    }
}

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
    /// The transport carries no writes (a WebSocket connection): mutations go by POST.
    NotOnThisTransport,
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
    /// The server is at its connection limit: retry shortly (HTTP 503 with `Retry-After`).
    pub const OVERLOADED: &str = "OVERLOADED";
}

/// A GraphQL error with a code.
pub fn error(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message.into()).extend_with(|_, ext| ext.set("code", code))
}

/// Gives every error of a response an `extensions.code`: our resolvers and the parse step
/// (in [`Api`]) set one where the error is made; errors that async-graphql's validation and
/// variable coercion raise (rules, depth and complexity limits) are told apart here by their
/// message, the only thing the library gives.
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
///
/// Execution: a query reads one graph snapshot, stops at its deadline, and waits for a
/// permit when it is expensive (see [`scope`]).
#[derive(Clone)]
pub struct Api {
    service: Arc<Service>,
    strict: EventGraphSchema,
    fast: EventGraphSchema,
    introspection: EventGraphSchema,
    documents: Arc<Mutex<HashMap<String, Arc<ExecutableDocument>>>>,
    /// Requests that passed full validation, with the complexity it computed.
    validated: Arc<Mutex<HashMap<String, usize>>>,
    gate: ExpensiveGate,
    time_limit: Option<Duration>,
    yield_after: Duration,
}

/// What [`Api::answer`] gives.
pub enum Answer {
    /// The response body, written by the direct path (a success).
    Written(Vec<u8>),
    /// The executor's response.
    Executed(Response),
}

/// What [`Api::prepare`] learned about a request's document.
struct Prepared {
    request: Request,
    introspection: bool,
    /// Every operation is a query: the request may read one snapshot throughout.
    read_only: bool,
}

const PARSE_CACHE_ENTRIES: usize = 1024;
const VALIDATED_ENTRIES: usize = 4096;
const CACHE_MAX_QUERY: usize = 8192;
/// Largest variables (as JSON) a cache key may hold: caches are bounded in bytes as well as
/// in entries (at most 4,096 × (8 KiB + 4 KiB) for validated requests).
pub(crate) const CACHE_MAX_VARIABLES: usize = 4096;

impl Api {
    /// The API over a service, without a time limit, gating expensive queries by this
    /// machine's cores.
    pub fn new(service: Arc<Service>) -> Api {
        Api::with_gate(service, ExpensiveGate::for_this_machine())
    }

    /// The API over a service with its own gate for expensive queries.
    pub fn with_gate(service: Arc<Service>, gate: ExpensiveGate) -> Api {
        let schema = |mode: ValidationMode, depth: usize, gated: bool| {
            let builder = Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
                .data(service.clone())
                .limit_depth(depth)
                .limit_complexity(MAX_COMPLEXITY)
                .validation_mode(mode);
            if gated {
                builder
                    .extension(scope::GateExtension(gate.clone()))
                    .finish()
            } else {
                builder.finish()
            }
        };
        Api {
            service: service.clone(),
            strict: schema(ValidationMode::Strict, MAX_DEPTH, true),
            fast: schema(ValidationMode::Fast, MAX_DEPTH, false),
            introspection: schema(ValidationMode::Strict, MAX_INTROSPECTION_DEPTH, false),
            documents: Arc::default(),
            validated: Arc::default(),
            gate,
            time_limit: None,
            yield_after: scope::YIELD_AFTER,
        }
    }

    /// Stops each request's resolvers once it has run for `limit` (fields not yet resolved
    /// fail with `LIMIT_EXCEEDED`).
    pub fn with_time_limit(mut self, limit: Duration) -> Api {
        self.time_limit = Some(limit);
        self
    }

    /// Lets a request's checkpoints yield to the scheduler once it has run for `after`
    /// (default [`scope::YIELD_AFTER`]; zero yields at every checkpoint).
    pub fn with_yield_after(mut self, after: Duration) -> Api {
        self.yield_after = after;
        self
    }

    /// Parses (or finds in the cache) the request's document and checks the alias limit;
    /// also tells whether the document is an introspection query and whether it only reads.
    fn prepare(&self, mut request: Request) -> Result<Prepared, ServerError> {
        let document = Arc::try_unwrap(self.document(&request.query)?)
            .unwrap_or_else(|shared| ExecutableDocument::clone(&shared));
        let introspection = is_introspection(&document);
        let read_only = document
            .operations
            .iter()
            .all(|(_, op)| op.node.ty == OperationType::Query);
        request.set_parsed_query(document);
        Ok(Prepared {
            request,
            introspection,
            read_only,
        })
    }

    /// The parsed document of `query`: from the cache, or parsed, checked for the alias
    /// limit and cached.
    fn document(&self, query: &str) -> Result<Arc<ExecutableDocument>, ServerError> {
        if let Some(document) = self.cached_document(query) {
            return Ok(document);
        }
        // A parse error is coded here, where it is made.
        let document = async_graphql::parser::parse_query(query).map_err(|e| {
            let mut refusal = ServerError::from(e);
            refusal
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", codes::GRAPHQL_PARSE_FAILED);
            refusal
        })?;
        check_aliases(&document)?;
        let document = Arc::new(document);
        if query.len() <= CACHE_MAX_QUERY
            && let Ok(mut documents) = self.documents.lock()
        {
            if documents.len() >= PARSE_CACHE_ENTRIES {
                documents.clear();
            }
            documents.insert(query.to_string(), Arc::clone(&document));
        }
        Ok(document)
    }

    /// Whether the operation `request` would run is a mutation (through the parse cache, so
    /// the execution that follows does not parse again). A document that does not parse is
    /// not: the executor then says why.
    pub fn selects_mutation(&self, request: &Request) -> bool {
        let Ok(document) = self.document(&request.query) else {
            return false;
        };
        let is_mutation = |ty: OperationType| ty == OperationType::Mutation;
        match &document.operations {
            DocumentOperations::Single(operation) => is_mutation(operation.node.ty),
            DocumentOperations::Multiple(operations) => {
                request.operation_name.as_deref().is_some_and(|name| {
                    operations
                        .iter()
                        .any(|(n, op)| n.as_str() == name && is_mutation(op.node.ty))
                })
            }
        }
    }

    /// The parsed document of `query`, if it is in the cache.
    fn cached_document(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        self.documents
            .lock()
            .ok()
            .and_then(|documents| documents.get(query).cloned())
    }

    /// Answers a request: through [`direct`] when it can, else through the executor; the
    /// request's validation key is computed once for both.
    pub async fn answer(&self, request: Request) -> Answer {
        let key = Api::validation_key(&request);
        if let Some(body) = key.as_deref().and_then(|key| self.direct(key, &request)) {
            return Answer::Written(body);
        }
        Answer::Executed(self.execute_with_key(request, key).await)
    }

    /// The response body of a request that passed full validation before (same document,
    /// variables and operation) and is cheap, answered by [`direct`] without the executor,
    /// or `None` (then [`Executor::execute`] answers it).
    pub fn execute_direct(&self, request: &Request) -> Option<Vec<u8>> {
        self.direct(&Api::validation_key(request)?, request)
    }

    /// [`Api::execute_direct`] for a request whose validation key is `key`.
    fn direct(&self, key: &str, request: &Request) -> Option<Vec<u8>> {
        if self.validated_complexity(key)? >= EXPENSIVE_COMPLEXITY {
            return None;
        }
        let document = self.cached_document(&request.query)?;
        let graph = self.service.read();
        let body = direct::respond(
            &graph,
            &document,
            request.operation_name.as_deref(),
            &request.variables,
        )?;
        (body.len() <= MAX_RESPONSE_BYTES).then_some(body)
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

    /// The complexity of a request that passed full validation before.
    fn validated_complexity(&self, key: &str) -> Option<usize> {
        self.validated
            .lock()
            .ok()
            .and_then(|validated| validated.get(key).copied())
    }

    fn remember_validated(&self, key: String, complexity: usize) {
        if let Ok(mut validated) = self.validated.lock() {
            if validated.len() >= VALIDATED_ENTRIES {
                validated.clear();
            }
            validated.insert(key, complexity);
        }
    }

    /// Adds the request's scope: its deadline, and for a read-only request the slot for
    /// the one snapshot it reads.
    fn scoped(&self, mut request: Request, read_only: bool) -> Request {
        request = request.data(scope::Deadline::starting_now(
            self.time_limit,
            self.yield_after,
        ));
        if read_only {
            request = request
                .data(scope::RequestGraph::default())
                .data(scope::RequestBodies::default());
        }
        request
    }

    /// The gate for expensive queries.
    pub fn gate(&self) -> &ExpensiveGate {
        &self.gate
    }
}

impl Executor for Api {
    async fn execute(&self, request: Request) -> Response {
        let key = Api::validation_key(&request);
        self.execute_with_key(request, key).await
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<async_graphql::Data>>,
    ) -> BoxStream<'static, Response> {
        let stream = match self.prepare(request) {
            Ok(Prepared { request, .. }) => self
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

impl Api {
    /// Executes a request whose validation key ([`Api::validation_key`]) is `key`.
    async fn execute_with_key(&self, request: Request, key: Option<String>) -> Response {
        let mut response = match self.prepare(request) {
            Ok(Prepared {
                request,
                introspection: true,
                ..
            }) => self.introspection.execute(request).await,
            Ok(Prepared {
                request, read_only, ..
            }) => {
                let request = self.scoped(request, read_only);
                match key
                    .as_deref()
                    .and_then(|key| self.validated_complexity(key))
                {
                    Some(complexity) => {
                        let _permit = self.gate.admit(complexity).await;
                        self.fast.execute(request).await
                    }
                    None => {
                        let admission = scope::Admission::default();
                        let response = self.strict.execute(request.data(admission.clone())).await;
                        if let Some(key) = key
                            && response.errors.is_empty()
                        {
                            self.remember_validated(key, admission.complexity().unwrap_or(0));
                        }
                        response
                    }
                }
            }
            Err(refusal) => Response::from_errors(vec![refusal]),
        };
        annotate_errors(&mut response);
        response
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

/// Drives a request's future to its end on a current-thread runtime (tests only): a
/// request yields at its checkpoints once it has run [`scope::YIELD_AFTER`], which a slow
/// machine reaches, so a test never assumes the first poll finishes it.
#[cfg(test)]
pub(crate) fn run_to_end<F: std::future::Future>(future: F) -> F::Output {
    match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(error) => panic!("a test runtime: {error}"),
    }
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

#[cfg(test)]
mod scope_tests {
    use super::*;
    use crate::extract::Extractor;
    use crate::ingest::{Limits, RawArticle};
    use std::future::Future;
    use std::task::{Context, Poll, Waker};

    fn service_with(articles: usize) -> Arc<Service> {
        let service = Arc::new(Service::in_memory(
            Arc::new(Extractor::new()),
            Limits::default(),
        ));
        for n in 0..articles {
            write(&service, n);
        }
        service
    }

    /// An article about Kazakhstan (a visit in another year each time, so a new event).
    fn write(service: &Service, n: usize) {
        let raw = RawArticle {
            source: format!("a{n}"),
            bytes: format!(
                " date {}-04-10 Тоқаев Қытайға сапармен барды\nҚазақстан Президенті Қасым-Жомарт Тоқаев Бейжіңде келіссөздер жүргізді.",
                1900 + n
            )
            .into_bytes(),
            ..RawArticle::default()
        };
        assert!(service.ingest(raw).is_ok(), "article {n} ingested");
    }

    fn codes_of(response: &Response) -> Vec<String> {
        response
            .errors
            .iter()
            .filter_map(|e| e.extensions.as_ref()?.get("code").map(|c| c.to_string()))
            .collect()
    }

    #[test]
    fn every_field_of_a_query_reads_the_snapshot_its_request_started_with() {
        let service = service_with(3);
        let ask = |query: &str| {
            let api = Api::new(service.clone());
            let r = run_to_end(api.execute(Request::new(query)));
            r.data.into_json().expect("json")
        };
        let kazakhstan = ask(r#"{ entities(search: "Қазақстан", first: 1) { nodes { id } } }"#)
            ["entities"]["nodes"][0]["id"]
            .as_str()
            .expect("Kazakhstan is an entity")
            .to_string();
        let count = format!(r#"{{ events(entity: "{kazakhstan}", first: 0) {{ totalCount }} }}"#);
        let before = ask(&count)["events"]["totalCount"].clone();
        // Yield at every checkpoint, so the request can be paused between its fields.
        let api = Api::new(service.clone()).with_yield_after(Duration::ZERO);
        let query = format!(
            r#"{{ top: events(entity: "{kazakhstan}", first: 0) {{ totalCount }}
                 nested: node(id: "{kazakhstan}") {{ ... on Entity {{ events(first: 0) {{ totalCount }} }} }} }}"#
        );
        let mut execution = std::pin::pin!(api.execute(Request::new(query)));
        let mut cx = Context::from_waker(Waker::noop());
        let mut polls = 0;
        let response = loop {
            match execution.as_mut().poll(&mut cx) {
                Poll::Ready(response) => break response,
                Poll::Pending => {
                    polls += 1;
                    assert!(polls < 100, "the request finishes");
                    // Between the root fields and the nested one, an article arrives. (One
                    // write: a second would wait for this request to give back its
                    // snapshot, as writers wait for long reads.)
                    if polls == 2 {
                        write(&service, 100);
                    }
                }
            }
        };
        assert!(polls >= 2, "the request yielded between its fields");
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        let data = response.data.into_json().expect("json");
        assert_eq!(
            data["top"]["totalCount"], data["nested"]["events"]["totalCount"],
            "one snapshot: {data}"
        );
        assert_eq!(data["top"]["totalCount"], before, "{data}");
        let after = ask(&count)["events"]["totalCount"].clone();
        assert_ne!(before, after, "the write added an event to the entity");
    }

    #[test]
    fn a_request_past_its_time_limit_stops_with_a_coded_error() {
        let api = Api::new(service_with(2)).with_time_limit(Duration::ZERO);
        let response = run_to_end(api.execute(Request::new(
            "{ events { nodes { id } } stats { articles } }",
        )));
        let codes = codes_of(&response);
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c.contains("LIMIT_EXCEEDED")),
            "{:?}",
            response.errors
        );
        assert!(
            response.errors[0].message.contains("time limit"),
            "{}",
            response.errors[0].message
        );
    }

    #[tokio::test]
    async fn an_expensive_query_waits_for_a_permit_and_a_cheap_one_does_not() {
        let gate = ExpensiveGate::new(1);
        let api = Api::with_gate(service_with(2), gate.clone());
        let expensive = "{ events(first: 50) { nodes { title articles { title text } } } }";
        let cheap = "{ events(first: 5) { nodes { id title } } }";
        // The first round is fully validated, the second takes the fast path.
        for round in 0..2 {
            // The permit is taken by "another" expensive query.
            let held = gate.admit(EXPENSIVE_COMPLEXITY).await.expect("a permit");
            let cheap_answer =
                tokio::time::timeout(Duration::from_secs(10), api.execute(Request::new(cheap)))
                    .await
                    .expect("a cheap query never waits for the gate");
            assert!(cheap_answer.errors.is_empty(), "{:?}", cheap_answer.errors);
            let mut waiting = Box::pin(api.execute(Request::new(expensive)));
            assert!(
                futures_util::poll!(&mut waiting).is_pending(),
                "round {round}: the expensive query waits while the permit is taken"
            );
            drop(held);
            let answer = tokio::time::timeout(Duration::from_secs(10), waiting)
                .await
                .expect("it runs once the permit is free");
            assert!(answer.errors.is_empty(), "{:?}", answer.errors);
            assert_eq!(
                gate.available(),
                1,
                "round {round}: the permit is given back"
            );
        }
    }
}

#[cfg(test)]
mod timeline_item_tests {
    use super::*;
    use crate::extract::Extractor;
    use crate::ingest::{Limits, RawArticle};

    #[test]
    fn timeline_items_pages_skip_undated_events_before_counting() {
        let service = Arc::new(Service::in_memory(
            Arc::new(Extractor::new()),
            Limits::default(),
        ));
        let texts = [
            "Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Шавкат Мирзиёевпен кездесті.",
            "Токаев провёл телефонный разговор с Путиным\nКасым-Жомарт Токаев провёл телефонный разговор с Владимиром Путиным.",
            " date 2025-03-04 Tokayev holds talks with Xi\nPresident Kassym-Jomart Tokayev held talks with Xi Jinping in Astana.",
            " date 2025-05-06 Tokayev meets Erdogan\nPresident Kassym-Jomart Tokayev met Recep Tayyip Erdogan in Ankara.",
            " date 2025-07-08 Tokayev visits Japan\nPresident Kassym-Jomart Tokayev arrived in Tokyo on an official visit.",
        ];
        for (n, text) in texts.iter().enumerate() {
            let raw = RawArticle {
                source: format!("a{n}"),
                bytes: text.as_bytes().to_vec(),
                ..RawArticle::default()
            };
            assert!(service.ingest(raw).is_ok());
        }
        let api = Api::new(service);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let run = |query: String| {
            let r = runtime.block_on(api.execute(Request::new(query)));
            assert!(r.errors.is_empty(), "{:?}", r.errors);
            r.data.into_json().expect("json")["timelineItems"].clone()
        };
        let ask = |first: usize| {
            run(format!(
                "{{ timelineItems(first: {first}) {{ nodes {{ start }} totalCount undatedCount }} }}"
            ))
        };
        // Undated events (the first two articles) sort first in oldest-first order; they
        // must not eat the page; they are counted apart.
        let len = |page: &serde_json::Value| page["nodes"].as_array().map_or(0, Vec::len);
        assert_eq!(len(&ask(2)), 2);
        assert_eq!(len(&ask(3)), 3);
        let all = ask(10);
        assert_eq!(len(&all), 3);
        assert_eq!(all["totalCount"], 3);
        assert_eq!(all["undatedCount"], 2);
        // Cursors page through the dated items.
        let first = run(
            "{ timelineItems(first: 2) { edges { cursor } pageInfo { hasNextPage endCursor } } }"
                .into(),
        );
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        let after = first["pageInfo"]["endCursor"].as_str().expect("cursor");
        let rest = run(format!(
            "{{ timelineItems(first: 2, after: {after:?}) {{ nodes {{ start }} pageInfo {{ hasNextPage }} }} }}"
        ));
        assert_eq!(
            rest["nodes"],
            serde_json::json!([{ "start": "2025-07-08" }])
        );
        assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    }
}
