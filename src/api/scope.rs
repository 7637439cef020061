//! What one request carries through its resolvers: the graph snapshot it reads, its
//! deadline, and (for an expensive query) its place among the few expensive queries the
//! server runs at a time.
//!
//! - **One snapshot per request.** A query operation loads the published graph once, before
//!   execution; every resolver of that request reads the same snapshot ([`graph`]), so a
//!   response never mixes a list from one write generation with a count from the next.
//!   Mutations and subscriptions read the current graph per field (a mutation must see
//!   its own write; a subscription lives across many writes).
//! - **A deadline the resolvers honour.** async-graphql resolves a whole response in one
//!   poll when every resolver is ready at once, so an HTTP timeout around it could not
//!   interrupt it. List and root resolvers call [`checkpoint`]: past the deadline it fails
//!   the field with `LIMIT_EXCEEDED`; after [`YIELD_AFTER`] of work it yields to the
//!   scheduler, so the HTTP timeout and other requests get their turn.
//! - **Few expensive queries at a time.** A query whose complexity is at least
//!   [`EXPENSIVE_COMPLEXITY`] waits for one of [`ExpensiveGate`]'s permits before it runs;
//!   cheap queries and `/healthz` never wait for it.

use super::{codes, error};
use crate::graph::Graph;
use crate::model::ArticleId;
use crate::service::Service;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ContextBase, Result, ServerError, ValidationResult};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Complexity from which a query counts as expensive (a tenth of the complexity limit; a
/// page of 20 events with their places and people costs about 500).
pub const EXPENSIVE_COMPLEXITY: usize = super::MAX_COMPLEXITY / 10;

/// Work after which a request's resolvers start yielding to the scheduler at checkpoints
/// (the default of `Api::with_yield_after`).
pub const YIELD_AFTER: Duration = Duration::from_millis(5);

/// The graph snapshot a query operation reads (request data): loaded by its first
/// resolver, so a query waiting for an expensive-query permit holds no snapshot (a held
/// snapshot keeps the writer from reusing that copy).
#[derive(Default)]
pub(crate) struct RequestGraph(OnceLock<Arc<Graph>>);

/// Article bodies a query has read (request data): the evidence spans of an event read
/// their article's body once per request, not once per evidence.
#[derive(Default)]
pub(crate) struct RequestBodies(Mutex<HashMap<ArticleId, Option<Arc<str>>>>);

/// The body of article `id`, read once per request where the request keeps
/// [`RequestBodies`].
///
/// # Errors
/// When the store cannot be read.
pub(crate) fn article_body<T>(
    ctx: &ContextBase<'_, T>,
    id: &ArticleId,
) -> std::result::Result<Option<Arc<str>>, crate::service::ServiceError> {
    let read = || {
        service(ctx)
            .article_text(id)
            .map(|body| body.map(Arc::from))
    };
    let Some(RequestBodies(cache)) = ctx.data_opt::<RequestBodies>() else {
        return read();
    };
    let cached = cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(id)
        .cloned();
    if let Some(body) = cached {
        return Ok(body);
    }
    let body = read()?;
    cache
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(id.clone(), body.clone());
    Ok(body)
}

/// When a request must stop (request data).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    started: Instant,
    /// `None`: no time limit, checkpoints only yield.
    limit: Option<Duration>,
    yield_after: Duration,
}

impl Deadline {
    /// A request starting now, stopped after `limit`, yielding after `yield_after`.
    pub(crate) fn starting_now(limit: Option<Duration>, yield_after: Duration) -> Deadline {
        Deadline {
            started: Instant::now(),
            limit,
            yield_after,
        }
    }
}

/// The service behind the schema (schema data).
pub(crate) fn service<'a, T>(ctx: &ContextBase<'a, T>) -> &'a Arc<Service> {
    // The schema is always built with the service (see build_schema).
    ctx.data_unchecked::<Arc<Service>>()
}

/// The graph a resolver reads: the request's snapshot, or the current graph.
pub(crate) enum GraphRead<'a> {
    /// The snapshot taken when the request started.
    Request(&'a Graph),
    /// The graph published now (mutations, subscriptions, direct schema use).
    Current(arc_swap::Guard<Arc<Graph>>),
}

impl Deref for GraphRead<'_> {
    type Target = Graph;
    fn deref(&self) -> &Graph {
        match self {
            GraphRead::Request(graph) => graph,
            GraphRead::Current(guard) => guard,
        }
    }
}

/// The graph this request reads.
pub(crate) fn graph<'a, T>(ctx: &ContextBase<'a, T>) -> GraphRead<'a> {
    match ctx.data_opt::<RequestGraph>() {
        Some(RequestGraph(slot)) => {
            GraphRead::Request(slot.get_or_init(|| Arc::clone(&service(ctx).read())))
        }
        None => GraphRead::Current(service(ctx).read()),
    }
}

fn past_time_limit(limit: Duration) -> async_graphql::Error {
    error(
        codes::LIMIT_EXCEEDED,
        format!(
            "the request ran past the server's time limit ({:.1} s); ask for smaller pages, fewer nested lists or a narrower range",
            limit.as_secs_f64()
        ),
    )
}

/// The deadline a scan of events inside one field must respect: the request's time limit.
pub(crate) fn scan_deadline<T>(ctx: &ContextBase<'_, T>) -> crate::graph::ScanDeadline {
    match ctx.data_opt::<Deadline>() {
        Some(Deadline {
            started,
            limit: Some(limit),
            ..
        }) => crate::graph::ScanDeadline::at(*started + *limit),
        _ => crate::graph::ScanDeadline::default(),
    }
}

/// Refuses a field whose scan stopped at the request's deadline (its answer would be partial).
pub(crate) fn refuse_if_stopped<T>(
    ctx: &ContextBase<'_, T>,
    scan: &crate::graph::ScanDeadline,
) -> Result<()> {
    match ctx.data_opt::<Deadline>().and_then(|d| d.limit) {
        Some(limit) if scan.passed() => Err(past_time_limit(limit)),
        _ => Ok(()),
    }
}

/// A point where a long request may stop or give way: fails past the request's deadline,
/// and yields to the scheduler once the request has run longer than its yield threshold.
pub(crate) async fn checkpoint<T>(ctx: &ContextBase<'_, T>) -> Result<()> {
    let Some(deadline) = ctx.data_opt::<Deadline>().copied() else {
        return Ok(());
    };
    let elapsed = deadline.started.elapsed();
    if let Some(limit) = deadline.limit
        && elapsed >= limit
    {
        return Err(past_time_limit(limit));
    }
    if elapsed >= deadline.yield_after {
        tokio::task::yield_now().await;
    }
    Ok(())
}

/// The permits for expensive queries.
#[derive(Debug, Clone)]
pub struct ExpensiveGate(Arc<Semaphore>);

impl ExpensiveGate {
    /// A gate letting `permits` expensive queries run at once.
    pub fn new(permits: usize) -> ExpensiveGate {
        ExpensiveGate(Arc::new(Semaphore::new(permits.max(1))))
    }

    /// The default for this machine: half its cores, at least one.
    pub fn for_this_machine() -> ExpensiveGate {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ExpensiveGate::new(cores / 2)
    }

    /// Waits for a permit when `complexity` makes the query expensive; `None` for a cheap one.
    pub(crate) async fn admit(&self, complexity: usize) -> Option<OwnedSemaphorePermit> {
        if complexity < EXPENSIVE_COMPLEXITY {
            return None;
        }
        metrics::counter!("eventgraph_expensive_queries_total").increment(1);
        if let Ok(permit) = self.0.clone().try_acquire_owned() {
            return Some(permit);
        }
        metrics::counter!("eventgraph_expensive_queries_queued_total").increment(1);
        // The semaphore is never closed, so acquiring only fails if it were.
        self.0.clone().acquire_owned().await.ok()
    }

    /// Permits free now (for tests and metrics).
    pub fn available(&self) -> usize {
        self.0.available_permits()
    }
}

/// What the validation of one request found, filled in by [`GateExtension`] (request data).
#[derive(Debug, Default, Clone)]
pub(crate) struct Admission(Arc<Mutex<AdmissionState>>);

#[derive(Debug, Default)]
struct AdmissionState {
    complexity: Option<usize>,
    permit: Option<OwnedSemaphorePermit>,
}

impl Admission {
    /// The complexity validation computed, once it has run.
    pub(crate) fn complexity(&self) -> Option<usize> {
        self.0.lock().ok().and_then(|state| state.complexity)
    }
}

/// A schema extension for the strictly validated path: after validation it records the
/// query's complexity and, for an expensive query, waits for a permit that the request
/// holds until it ends. (Queries seen before take their permit in `Api::execute`, from the
/// complexity recorded here, and run on a schema without extensions.)
pub(crate) struct GateExtension(pub ExpensiveGate);

impl ExtensionFactory for GateExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Gate(self.0.clone()))
    }
}

struct Gate(ExpensiveGate);

#[async_trait::async_trait]
impl Extension for Gate {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(admission) = ctx.data_opt::<Admission>() {
            let permit = self.0.admit(result.complexity).await;
            if let Ok(mut state) = admission.0.lock() {
                state.complexity = Some(result.complexity);
                state.permit = permit;
            }
        }
        Ok(result)
    }
}
