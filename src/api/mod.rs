//! The GraphQL API (async-graphql): schema roots, view types over graph records, Relay
//! connections, errors with `extensions.code`, and the query limits.
//!
//! Only this module knows async-graphql. Views are thin wrappers holding a record index;
//! resolvers take the graph's read lock for the few microseconds they need.

mod roots;
mod types;

pub use roots::{MutationRoot, QueryRoot, SubscriptionRoot};

use crate::service::Service;
use async_graphql::{ErrorExtensions, Schema};
use std::sync::Arc;

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
/// Maximum number of aliased fields in one operation.
pub const MAX_ALIASES: usize = 30;

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
        } else if message.contains("invalid value") || message.contains("failed to parse") {
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

/// Builds the schema over a service.
pub fn build_schema(service: Arc<Service>) -> EventGraphSchema {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .data(service)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .extension(limits::ParseCache::default())
        .extension(limits::AliasLimit)
        .finish()
}

/// The SDL, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(QueryRoot, MutationRoot, SubscriptionRoot)
        .finish()
        .sdl()
}

mod limits {
    //! Refuses operations with too many aliases, before execution.
    use super::{MAX_ALIASES, codes, error};
    use async_graphql::extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery,
    };
    use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
    use async_graphql::{ServerResult, Variables};
    use std::sync::Arc;

    pub struct AliasLimit;

    /// Parsed documents by query text: widgets and programs send the same few queries over
    /// and over (with different variables), and parsing is a large share of a small query's
    /// cost. Only documents that passed the alias limit are cached; the cache is bounded.
    #[derive(Default)]
    pub struct ParseCache {
        documents: Arc<std::sync::Mutex<std::collections::HashMap<String, ExecutableDocument>>>,
    }

    const PARSE_CACHE_ENTRIES: usize = 1024;
    const PARSE_CACHE_MAX_QUERY: usize = 8192;

    impl ExtensionFactory for ParseCache {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(ParseCacheExtension {
                documents: self.documents.clone(),
            })
        }
    }

    struct ParseCacheExtension {
        documents: Arc<std::sync::Mutex<std::collections::HashMap<String, ExecutableDocument>>>,
    }

    #[async_trait::async_trait]
    impl Extension for ParseCacheExtension {
        async fn parse_query(
            &self,
            ctx: &ExtensionContext<'_>,
            query: &str,
            variables: &Variables,
            next: NextParseQuery<'_>,
        ) -> ServerResult<ExecutableDocument> {
            let cached = self
                .documents
                .lock()
                .ok()
                .and_then(|d| d.get(query).cloned());
            if let Some(document) = cached {
                return Ok(document);
            }
            let document = next.run(ctx, query, variables).await?;
            if query.len() <= PARSE_CACHE_MAX_QUERY
                && let Ok(mut documents) = self.documents.lock()
            {
                if documents.len() >= PARSE_CACHE_ENTRIES {
                    documents.clear();
                }
                documents.insert(query.to_string(), document.clone());
            }
            Ok(document)
        }
    }

    impl ExtensionFactory for AliasLimit {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(AliasLimitExtension)
        }
    }

    struct AliasLimitExtension;

    fn count(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + count(&f.node.selection_set.node)
                }
                Selection::InlineFragment(fr) => count(&fr.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }

    #[async_trait::async_trait]
    impl Extension for AliasLimitExtension {
        async fn parse_query(
            &self,
            ctx: &ExtensionContext<'_>,
            query: &str,
            variables: &Variables,
            next: NextParseQuery<'_>,
        ) -> ServerResult<ExecutableDocument> {
            let document = next.run(ctx, query, variables).await?;
            let mut aliases: usize = document
                .fragments
                .values()
                .map(|f| count(&f.node.selection_set.node))
                .sum();
            for (_, op) in document.operations.iter() {
                aliases += count(&op.node.selection_set.node);
            }
            if aliases > MAX_ALIASES {
                let e = error(
                    codes::LIMIT_EXCEEDED,
                    format!("query uses {aliases} aliases, the limit is {MAX_ALIASES}"),
                );
                return Err(e.into_server_error(async_graphql::Pos::default()));
            }
            Ok(document)
        }
    }
}
