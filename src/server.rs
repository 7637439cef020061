//! The HTTP edge (axum): GraphQL over POST and GET at `/graphql`, GraphiQL for browsers,
//! subscriptions over WebSocket at `/graphql/ws`, `/healthz` and Prometheus `/metrics`.
//!
//! `serve` takes an already bound listener and a shutdown future, so `main` passes ctrl-c
//! and tests pass a `127.0.0.1:0` listener: one code path, no port races.

use crate::api::{Answer, Api, WriteAccess, codes};
use crate::service::Service;
use async_graphql::Executor;
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLWebSocket};
use axum::extract::{FromRequest, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Bearer token for writes; `None` disables writes over HTTP.
    pub write_token: Option<String>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Origins allowed by CORS; `["*"]` allows any.
    pub cors_origins: Vec<String>,
    /// Serve repeated identical queries from a cache until the next write.
    pub response_cache: bool,
    /// Connections served at once; over it, a few more are answered `/healthz` or 503
    /// ([`OVERFLOW_CONNECTIONS`]) and the rest closed at once.
    pub max_connections: usize,
    /// How long a new connection may stay silent (no byte of a request) before it is closed.
    pub first_byte_timeout: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            write_token: None,
            body_limit: 2 << 20,
            timeout: Duration::from_secs(30),
            cors_origins: vec!["*".to_string()],
            response_cache: true,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            first_byte_timeout: HEADER_READ_TIMEOUT,
        }
    }
}

#[derive(Clone)]
struct AppState {
    api: Api,
    service: Arc<Service>,
    write_token: Option<Arc<str>>,
    metrics: Option<PrometheusHandle>,
    cache: Option<Arc<ResponseCache>>,
}

/// Whole responses of read-only queries by (query, variables, operation), tagged with the
/// graph generation they were computed at: a timeline widget polling the same query is
/// answered without executing it until the next write changes the graph.
#[derive(Default)]
struct ResponseCache {
    entries: std::sync::Mutex<CacheEntries>,
}

/// Cached responses and their total size in bytes (keys and bodies).
#[derive(Default)]
struct CacheEntries {
    map: std::collections::HashMap<String, (u64, axum::body::Bytes)>,
    bytes: usize,
}

const RESPONSE_CACHE_ENTRIES: usize = 4096;
/// The response cache never holds more than this many bytes of keys and bodies.
const RESPONSE_CACHE_BYTES: usize = 64 << 20;
/// A response larger than this is not cached.
const RESPONSE_CACHE_MAX_BODY: usize = 1 << 20;

impl ResponseCache {
    fn key(request: &async_graphql::Request) -> Option<String> {
        // Only plain reads: anything that mentions a mutation or subscription is executed.
        let q = &request.query;
        if q.len() > 16_384 || q.contains("mutation") || q.contains("subscription") {
            return None;
        }
        let variables = serde_json::to_string(&request.variables).ok()?;
        if variables.len() > crate::api::CACHE_MAX_VARIABLES {
            return None;
        }
        Some(format!(
            "{}\u{0}{}\u{0}{}",
            request.operation_name.as_deref().unwrap_or(""),
            variables,
            q
        ))
    }

    fn get(&self, key: &str, generation: u64) -> Option<axum::body::Bytes> {
        let entries = self.entries.lock().ok()?;
        entries
            .map
            .get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, body)| body.clone())
    }

    fn put(&self, key: String, generation: u64, body: axum::body::Bytes) {
        if body.len() > RESPONSE_CACHE_MAX_BODY {
            return;
        }
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let size = key.len() + body.len();
        if entries.map.len() >= RESPONSE_CACHE_ENTRIES
            || entries.bytes + size > RESPONSE_CACHE_BYTES
        {
            // Stale entries go first; if that is not enough, everything does.
            entries.map.retain(|_, (g, _)| *g == generation);
            entries.bytes = entries
                .map
                .iter()
                .map(|(k, (_, b))| k.len() + b.len())
                .sum();
            if entries.map.len() >= RESPONSE_CACHE_ENTRIES
                || entries.bytes + size > RESPONSE_CACHE_BYTES
            {
                entries.map.clear();
                entries.bytes = 0;
            }
        }
        if let Some((_, old)) = entries.map.insert(key.clone(), (generation, body)) {
            entries.bytes -= key.len() + old.len();
        }
        entries.bytes += size;
    }
}

fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .clone()
}

fn write_access(headers: &HeaderMap, token: Option<&str>) -> WriteAccess {
    let Some(token) = token else {
        return WriteAccess::Disabled;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    // Compare in constant time so the token cannot be guessed byte by byte.
    match given {
        Some(given)
            if given.len() == token.len()
                && given
                    .bytes()
                    .zip(token.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0 =>
        {
            WriteAccess::Granted
        }
        _ => WriteAccess::Denied,
    }
}

/// The media type of the GraphQL-over-HTTP specification's responses.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// A transport-level refusal as a GraphQL error body with a code.
fn refusal(status: StatusCode, message: impl Into<String>) -> Response {
    coded_refusal(status, codes::BAD_REQUEST, message)
}

/// A refusal as a GraphQL error body with `code`.
fn coded_refusal(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "errors": [{ "message": message.into(), "extensions": { "code": code } }] });
    (status, Json(body)).into_response()
}

/// Whether the client accepts `application/graphql-response+json` (the specification's
/// media type: request errors then answer 400); otherwise `application/json`, always 200.
fn wants_graphql_response(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains(GRAPHQL_RESPONSE_JSON))
}

/// Serialises a response in the media type the client asked for. With
/// `application/graphql-response+json`, a request error (nothing executed: parse, validation,
/// variable coercion) is a 400.
fn respond(response: &async_graphql::Response, spec_media_type: bool) -> Response {
    let body = match serde_json::to_vec(response) {
        Ok(body) => body,
        Err(e) => {
            return refusal(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("response could not be serialised: {e}"),
            );
        }
    };
    if body.len() > crate::api::MAX_RESPONSE_BYTES {
        let body = serde_json::json!({ "data": null, "errors": [{
            "message": format!(
                "the response would be {} bytes, over the {}-byte limit: ask for fewer items or fields",
                body.len(),
                crate::api::MAX_RESPONSE_BYTES
            ),
            "extensions": { "code": codes::LIMIT_EXCEEDED } }] });
        return (StatusCode::OK, Json(body)).into_response();
    }
    let request_error = !response.errors.is_empty() && response.data == async_graphql::Value::Null;
    // The specification: a request error (nothing executed) has no `data` entry at all.
    let body = if spec_media_type && request_error {
        match serde_json::to_value(response) {
            Ok(serde_json::Value::Object(mut map)) => {
                map.remove("data");
                serde_json::to_vec(&map).unwrap_or(body)
            }
            _ => body,
        }
    } else {
        body
    };
    let (content_type, status) = if spec_media_type {
        let status = if request_error {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        (GRAPHQL_RESPONSE_JSON, status)
    } else {
        ("application/json", StatusCode::OK)
    };
    (status, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// Parses a POST body: JSON (`Content-Type: application/json`), one operation.
#[allow(clippy::result_large_err)]
fn parse_post(headers: &HeaderMap, body: &[u8]) -> Result<async_graphql::Request, Response> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        let given = if media.is_empty() { "none" } else { media };
        return Err(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("POST /graphql needs Content-Type: application/json (got {given})"),
        ));
    }
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        return Err(refusal(
            StatusCode::BAD_REQUEST,
            "batched requests are not supported: send one operation per request",
        ));
    }
    serde_json::from_slice::<async_graphql::Request>(body).map_err(|e| {
        refusal(
            StatusCode::BAD_REQUEST,
            format!("the body is not a GraphQL request ({{\"query\": …, \"variables\"?: …}}): {e}"),
        )
    })
}

async fn graphql_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let request = match parse_post(&headers, &body) {
        Ok(request) => request,
        Err(refused) => return refused,
    };
    let access = write_access(&headers, state.write_token.as_deref());
    let spec_media_type = wants_graphql_response(&headers);
    let started = Instant::now();
    let cached = state.cache.as_ref().and_then(|cache| {
        let key = ResponseCache::key(&request)?;
        let generation = state.service.generation();
        Some((cache, key, generation))
    });
    if !spec_media_type
        && let Some((cache, key, generation)) = &cached
        && let Some(body) = cache.get(key, *generation)
    {
        record("graphql", started, true);
        return ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    }
    // A successful JSON body, kept in the response cache when there is one.
    let send = |body: axum::body::Bytes| {
        if let Some((cache, key, generation)) = cached {
            cache.put(key, generation, body.clone());
        }
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let response = match state.api.answer(request.data(access)).await {
        Answer::Written(body) => {
            record("graphql", started, true);
            metrics::counter!("eventgraph_direct_responses_total").increment(1);
            let body = axum::body::Bytes::from(body);
            if spec_media_type {
                return ([(header::CONTENT_TYPE, GRAPHQL_RESPONSE_JSON)], body).into_response();
            }
            return send(body);
        }
        Answer::Executed(response) => response,
    };
    let ok = response.errors.is_empty();
    record("graphql", started, ok);
    if ok && !spec_media_type {
        match serde_json::to_vec(&response) {
            Ok(body) if body.len() <= crate::api::MAX_RESPONSE_BYTES => {
                return send(body.into());
            }
            _ => {}
        }
    }
    respond(&response, spec_media_type)
}

async fn graphql_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let has_query = request.uri().query().is_some_and(|q| q.contains("query="));
    if wants_html && !has_query {
        return Html(crate::playground::page("/graphql", "/graphql/ws")).into_response();
    }
    match GraphQLRequest::<async_graphql_axum::rejection::GraphQLRejection>::from_request(
        request, &state,
    )
    .await
    {
        Ok(req) => {
            let started = Instant::now();
            // GET may not write (GraphQL over HTTP: 405, and POST is the method that can).
            if state.api.selects_mutation(&req.0) {
                let mut refused = refusal(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "a mutation cannot be sent with GET: send it with POST /graphql",
                );
                refused
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("POST"));
                return refused;
            }
            let response = state
                .api
                .execute(req.into_inner().data(WriteAccess::Disabled))
                .await;
            record("graphql", started, response.errors.is_empty());
            respond(&response, wants_graphql_response(&headers))
        }
        Err(rejection) => refusal(
            StatusCode::BAD_REQUEST,
            format!(
                "not a GraphQL GET request (?query=…&variables=…): {}",
                rejection.0
            ),
        ),
    }
}

async fn graphql_ws(
    State(state): State<AppState>,
    protocol: GraphQLProtocol,
    upgrade: WebSocketUpgrade,
) -> Response {
    let api = state.api.clone();
    upgrade
        .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            // Each connection counts its own live subscriptions (see api::SubscriptionSlots).
            let mut data = async_graphql::Data::default();
            data.insert(crate::api::SubscriptionSlots::default());
            data.insert(WriteAccess::NotOnThisTransport);
            GraphQLWebSocket::new(stream, api, protocol)
                .with_data(data)
                .serve()
        })
}

/// The web app's page (`GET /`).
async fn app_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        crate::web::PAGE,
    )
        .into_response()
}

/// An embedded file with its caching rule, or a 404 that names what was missing.
fn embedded_file(
    found: Option<(&'static str, &'static [u8])>,
    cache_control: &'static str,
    missing: &'static str,
) -> Response {
    match found {
        Some((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, cache_control),
            ],
            bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, missing).into_response(),
    }
}

/// A file of the web app (its script, style, or a vendored library). Revalidated on each
/// load, so a new binary's app is never mixed with a cached old script.
async fn app_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    embedded_file(crate::web::asset(&file), "no-cache", "no such app file")
}

/// A vendored playground file (JavaScript or CSS), cached by browsers for a day.
async fn playground_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    embedded_file(
        crate::playground::asset(&file),
        "public, max-age=86400",
        "no such playground file",
    )
}

/// `GET /export/<file>?entity=…&from=…&to=…&kinds=…&language=…&status=…&limit=…`: the
/// selected events in a standard format (see [`crate::export`]). `X-Total-Count` gives the
/// events matching the filters; `X-Eventgraph-Truncated: true` says the limit cut the list.
async fn export_route(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
    params: Result<
        axum::extract::Query<crate::export::ExportParams>,
        axum::extract::rejection::QueryRejection,
    >,
) -> Response {
    let started = Instant::now();
    let format: crate::export::ExportFormat = match file.parse() {
        Ok(format) => format,
        Err(why) => return refusal(StatusCode::NOT_FOUND, why),
    };
    let params = match params {
        Ok(axum::extract::Query(params)) => params,
        Err(rejection) => {
            return refusal(
                StatusCode::BAD_REQUEST,
                format!("export parameters: {}", rejection.body_text()),
            );
        }
    };
    // An export reads many events and holds its body: it waits for a permit of the gate
    // expensive queries take (half the cores), so concurrent exports cannot take the memory
    // of the machine; one that waits past the request timeout gets 408.
    let _permit = state
        .api
        .gate()
        .admit(crate::api::EXPENSIVE_COMPLEXITY)
        .await;
    let graph = Arc::clone(&*state.service.read());
    let service = state.service.clone();
    let job = tokio::task::spawn_blocking(move || {
        let selection = crate::export::Selection::from_params(&graph, &params)
            .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
        crate::export::export(&graph, format, &selection, &|id| {
            service.origin_or_unknown(id)
        })
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
    });
    let outcome = match job.await {
        Ok(outcome) => outcome,
        Err(e) => Err((StatusCode::INTERNAL_SERVER_ERROR, e.to_string())),
    };
    record("export", started, outcome.is_ok());
    match outcome {
        Ok(exported) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}\"", format.file_name()),
                ),
                (
                    header::HeaderName::from_static("x-total-count"),
                    exported.matching.to_string(),
                ),
                (
                    header::HeaderName::from_static("x-eventgraph-truncated"),
                    (exported.events < exported.matching).to_string(),
                ),
            ],
            exported.bytes,
        )
            .into_response(),
        Err((status, message)) => refusal(status, message),
    }
}

async fn healthz(State(state): State<AppState>) -> Json<serde_json::Value> {
    let stats = state.service.read().stats();
    let position = state.service.log_position();
    Json(serde_json::json!({
        "status": "ok",
        "articles": stats.articles,
        "events": stats.events,
        "entities": stats.entities,
        "store": state.service.store_description(),
        "log": {
            "applied_seq": position.applied,
            "head_seq": position.head,
            "lag_entries": position.lag(),
        },
    }))
}

async fn metrics_route(State(state): State<AppState>) -> Response {
    let Some(handle) = &state.metrics else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        )
            .into_response();
    };
    let stats = state.service.read().stats();
    metrics::gauge!("eventgraph_articles").set(stats.articles as f64);
    metrics::gauge!("eventgraph_events").set(stats.events as f64);
    metrics::gauge!("eventgraph_entities").set(stats.entities as f64);
    metrics::gauge!("eventgraph_edges").set(stats.edges as f64);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

fn record(route: &'static str, started: Instant, ok: bool) {
    metrics::counter!("eventgraph_requests_total", "route" => route, "outcome" => if ok { "ok" } else { "error" }).increment(1);
    metrics::histogram!("eventgraph_request_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
}

fn cors(origins: &[String]) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        // Export responses say how many events matched; widgets on other sites read that.
        .expose_headers([
            header::HeaderName::from_static("x-total-count"),
            header::HeaderName::from_static("x-eventgraph-truncated"),
        ]);
    if origins.iter().any(|o| o == "*") {
        layer.allow_origin(AllowOrigin::any())
    } else {
        let list: Vec<HeaderValue> = origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        layer.allow_origin(list)
    }
}

/// HTTP-level refusals (body too large, timeout) as GraphQL error bodies with a code, so a
/// client reads every refusal the same way; the status code stays.
async fn http_refusals_as_graphql(response: Response) -> Response {
    let message = match response.status() {
        StatusCode::PAYLOAD_TOO_LARGE => "request body is over the server's limit",
        StatusCode::REQUEST_TIMEOUT => "the request took longer than the server's timeout",
        _ => return response,
    };
    let body = serde_json::json!({ "errors": [{ "message": message, "extensions": { "code": codes::LIMIT_EXCEEDED } }] });
    (response.status(), Json(body)).into_response()
}

/// Builds the router over a service.
pub fn router(service: Arc<Service>, config: &ServerConfig) -> Router {
    let state = AppState {
        api: Api::new(service.clone()).with_time_limit(config.timeout),
        service,
        write_token: config.write_token.clone().map(Arc::from),
        metrics: metrics_handle(),
        cache: config
            .response_cache
            .then(|| Arc::new(ResponseCache::default())),
    };
    Router::new()
        .route("/", get(app_page))
        .route("/app/{file}", get(app_asset))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(graphql_ws))
        .route("/playground/{file}", get(playground_asset))
        .route("/export/{file}", get(export_route))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_route))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(config.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.timeout,
        ))
        // Outside the limits, so it sees their refusals.
        .layer(axum::middleware::map_response(http_refusals_as_graphql))
        .layer(cors(&config.cors_origins))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// How long a client may take to send a request's headers before its connection is closed.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a graceful shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Connections served at once by default (`--max-connections`): under the usual limit of
/// open files, with room for the store, the snapshot and the log.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4_096;
/// Connections over the cap still read, each for one request: `/healthz` is answered (a
/// load balancer sees the process alive), anything else gets 503 with `Retry-After`.
pub const OVERFLOW_CONNECTIONS: usize = 64;
/// How long an overflow connection may stay silent.
const OVERFLOW_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(1);

/// The answer to a request on a connection over the cap: `/healthz` passes, anything else
/// is 503 with a reason and `Retry-After: 1`.
async fn over_capacity(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let refused = coded_refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::OVERLOADED,
        "the server is at its connection limit; retry in a moment",
    );
    (
        [(header::RETRY_AFTER, "1"), (header::CONNECTION, "close")],
        refused,
    )
        .into_response()
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish (up to 30 s).
///
/// The accept loop is hyper's own (HTTP/1 and HTTP/2, WebSocket upgrades) with a timer.
/// Connections are bounded so the process never runs out of file descriptors: up to
/// `max_connections` are served; [`OVERFLOW_CONNECTIONS`] more get one request each
/// (`/healthz`, or 503); any further one is closed at once. A connection that sends nothing
/// within `first_byte_timeout` of being accepted is closed, and one that never finishes its
/// headers is dropped after [`HEADER_READ_TIMEOUT`].
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    config: &ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    use tokio::sync::Semaphore;

    let app = router(service, config);
    let overflow_app = app.clone().layer(axum::middleware::from_fn(over_capacity));
    let builder_with = |keep_alive: bool| {
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .keep_alive(keep_alive)
            .header_read_timeout(HEADER_READ_TIMEOUT);
        Arc::new(builder)
    };
    let (builder, overflow_builder) = (builder_with(true), builder_with(false));
    let served = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let overflow = Arc::new(Semaphore::new(OVERFLOW_CONNECTIONS));
    let first_byte_timeout = config.first_byte_timeout;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused_since_log = 0u64;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (permit, app, builder, silence) = match served.clone().try_acquire_owned() {
                    Ok(permit) => (permit, app.clone(), builder.clone(), first_byte_timeout),
                    // An overflow slot is held for a moment only, so silent connections
                    // cannot keep /healthz out.
                    Err(_) => match overflow.clone().try_acquire_owned() {
                        Ok(permit) => (
                            permit,
                            overflow_app.clone(),
                            overflow_builder.clone(),
                            first_byte_timeout.min(OVERFLOW_FIRST_BYTE_TIMEOUT),
                        ),
                        Err(_) => {
                            // Closed at once: the descriptor is free again.
                            refused_since_log += 1;
                            if refused_since_log.is_power_of_two() {
                                tracing::warn!(
                                    refused = refused_since_log,
                                    max = config.max_connections,
                                    "connection limit reached: connections closed unread"
                                );
                            }
                            continue;
                        }
                    },
                };
                let _ = stream.set_nodelay(true);
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    let _permit = permit;
                    // A connection that says nothing is not kept waiting for.
                    let mut first = [0u8; 1];
                    match tokio::time::timeout(silence, stream.peek(&mut first)).await {
                        Ok(Ok(n)) if n > 0 => {}
                        _ => return,
                    }
                    let connection = builder
                        .serve_connection_with_upgrades(
                            TokioIo::new(stream),
                            TowerToHyperService::new(app),
                        )
                        .into_owned();
                    let _ = watcher.watch(connection).await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still running after the shutdown grace period");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_cache_is_bounded_in_bytes() {
        let cache = ResponseCache::default();
        let body = axum::body::Bytes::from(vec![b'x'; RESPONSE_CACHE_MAX_BODY]);
        for i in 0..200 {
            cache.put(format!("query {i}"), 1, body.clone());
            let bytes = cache.entries.lock().map_or(0, |e| e.bytes);
            assert!(
                bytes <= RESPONSE_CACHE_BYTES,
                "{bytes} bytes after {i} entries"
            );
        }
        assert!(
            cache.get("query 199", 1).is_some(),
            "the newest entry is kept"
        );
        // Too large to keep at all.
        let huge = axum::body::Bytes::from(vec![b'x'; RESPONSE_CACHE_MAX_BODY + 1]);
        cache.put("huge".into(), 1, huge);
        assert!(cache.get("huge", 1).is_none());
    }
}
