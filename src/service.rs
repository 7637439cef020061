//! The one place that runs the pipeline in order — validate → extract → store → graph →
//! notify — for every entry point (CLI, GraphQL, start-up replay).
//!
//! Concurrency: extraction runs outside any lock; the store is behind a mutex; the graph is
//! kept as two copies ([`Snapshots`]): readers load the published one without a lock while
//! the writer changes the other and then swaps them, so readers never wait for a write.

use crate::extract::{ArticleText, Extraction, Extractor};
use crate::graph::snapshot_file::{self, Loaded, Stamp};
use crate::graph::{ArticleHeader, Change, Graph, Outcome, Snapshots};
use crate::ingest::{Article, IngestError, Limits, RawArticle, validate};
use crate::model::ArticleId;
use crate::store::{
    ArticleStore, ChangeWatch, Deletion, LogEntry, StoreError, StoreLocation, StoredArticle,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use thiserror::Error;
use tokio::sync::broadcast;

impl From<&Article> for ArticleHeader {
    fn from(article: &Article) -> ArticleHeader {
        ArticleHeader {
            id: article.id.clone(),
            source: article.source.clone(),
            title: article.title.clone(),
            published_on: article.published_on,
        }
    }
}

/// Failures of a write.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The article was refused.
    #[error(transparent)]
    Invalid(#[from] IngestError),
    /// The store failed; nothing was acknowledged.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store failed for a whole batch; nothing of it was acknowledged.
    #[error("store write failed: {0}")]
    StoreFailed(String),
    /// The article to delete does not exist.
    #[error("no article with id {0}")]
    NotFound(String),
    /// The graph snapshot could not be written.
    #[error(transparent)]
    Snapshot(#[from] crate::graph::snapshot_file::SnapshotError),
}

/// What [`Service::replay`] did.
#[derive(Default)]
struct Replayed {
    /// Facts re-extracted because their cache was missing or of another version.
    refreshed: Vec<(ArticleId, String)>,
    /// Articles applied with facts of another extractor version.
    outdated: usize,
    /// The last sequence number read.
    last_seq: i64,
    /// Time spent decoding facts.
    decoding: Duration,
    /// Time spent applying them.
    applying: Duration,
}

/// The graph snapshot's file name in the data folder.
pub const SNAPSHOT_FILE: &str = "graph.snapshot";

/// A change to the graph, for subscribers.
#[derive(Debug, Clone, PartialEq)]
pub enum GraphUpdate {
    /// A new event (public id tail).
    EventAdded(String),
    /// An event gained a source, an entity or a date.
    EventUpdated(String),
    /// An article was accepted (content id).
    ArticleIngested(String),
}

/// The result of ingesting one article.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// Content id.
    pub id: ArticleId,
    /// It was already there: nothing changed.
    pub duplicate: bool,
}

/// Bump to force a refresh of every cached fact (source and data changes already do).
const EXTRACTOR_CODE_VERSION: &str = "x1";

/// Version tag of cached facts: the extractor code version and a fingerprint, made by
/// `build.rs`, of every source and data file extraction output depends on (the extractor
/// and text modules, `kb/`, the dependency lock), so cached facts are refreshed whenever
/// any of them changes.
pub fn extractor_version() -> String {
    format!(
        "{EXTRACTOR_CODE_VERSION}-{}",
        env!("EVENTGRAPH_EXTRACTOR_HASH")
    )
}

/// Articles per store transaction and per graph write.
pub const BATCH: usize = 2000;

/// One validated, extracted article ready to store.
pub struct Prepared {
    /// The article.
    pub article: Article,
    /// Its facts.
    pub facts: Extraction,
    /// The facts as JSON for the store's cache.
    pub facts_json: String,
}

/// Maps `f` over `items` on every core (scoped threads, one contiguous chunk each); the
/// results keep the input order, one per item. An item whose `f` panics gets `Err` with the
/// panic message; its neighbours are not touched.
fn parallel_map<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<Result<R, String>> {
    let count = items.len();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count.max(1));
    let chunk = count.div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk).collect());
    }
    let f = &f;
    let run_one = move |item: T| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item))).map_err(|payload| {
            payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string())
        })
    };
    let results: Vec<Result<R, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| {
                let size = part.len();
                (
                    size,
                    scope.spawn(move || part.into_iter().map(run_one).collect::<Vec<_>>()),
                )
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|(size, h)| {
                // Items run under catch_unwind, so a thread fails only if unwinding itself
                // failed; its items then each get an error rather than vanish.
                h.join().unwrap_or_else(|_| {
                    (0..size)
                        .map(|_| Err("worker thread failed".to_string()))
                        .collect()
                })
            })
            .collect()
    });
    assert_eq!(results.len(), count, "one result per input, in order");
    results
}

/// Validates and extracts, in parallel on every core; results keep the input order.
pub fn prepare_all(
    extractor: &Extractor,
    raws: Vec<RawArticle>,
    limits: Limits,
    today: chrono::NaiveDate,
) -> Vec<Result<Prepared, IngestError>> {
    parallel_map(raws, |raw| prepare_one(extractor, raw, limits, today))
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|message| {
                metrics::counter!("eventgraph_extraction_failures_total").increment(1);
                tracing::error!(%message, "extraction panicked; the article is refused");
                Err(IngestError::ExtractionFailed(message))
            })
        })
        .collect()
}

fn prepare_one(
    extractor: &Extractor,
    raw: RawArticle,
    limits: Limits,
    today: chrono::NaiveDate,
) -> Result<Prepared, IngestError> {
    let article = validate(raw, limits, today)?;
    let facts = extract_article(extractor, &article);
    let facts_json = serde_json::to_string(&facts).unwrap_or_default();
    Ok(Prepared {
        article,
        facts,
        facts_json,
    })
}

/// Runs extraction on a validated article.
pub fn extract_article(extractor: &Extractor, article: &Article) -> Extraction {
    extractor.extract(article_text(article))
}

/// What extraction reads of an ingested article.
pub fn article_text(article: &Article) -> ArticleText<'_> {
    ArticleText {
        title: &article.title,
        body: &article.body,
        published_on: article.published_on,
        language: article.language,
    }
}

/// Where article bodies live: the graph holds none.
#[derive(Debug)]
enum Bodies {
    /// A service without a store keeps them in memory.
    Memory(std::sync::RwLock<HashMap<ArticleId, MemoryArticle>>),
    /// Read from the store on demand, through a connection of their own (SQLite's WAL mode
    /// lets it read while the writer's connection writes).
    Store(Mutex<Box<dyn ArticleStore>>),
}

/// What a store-less service keeps of an article besides the graph.
#[derive(Debug)]
struct MemoryArticle {
    body: Arc<str>,
    origin: crate::store::ArticleOrigin,
}

/// The running pipeline: extractor, optional durable store, graph, update channel.
pub struct Service {
    extractor: Arc<Extractor>,
    store: Option<Mutex<Box<dyn ArticleStore>>>,
    /// Where the graph snapshot file goes (the data folder), for a service with a store.
    snapshot_path: Option<PathBuf>,
    /// The store's identity, part of the snapshot's stamp.
    store_identity: String,
    /// Where the store is, without credentials (for `/healthz`, which must not wait for the
    /// store's lock).
    store_description: Option<String>,
    bodies: Bodies,
    graph: Snapshots,
    updates: broadcast::Sender<GraphUpdate>,
    limits: Limits,
    version: String,
    /// Bumped after every write to the graph; read caches compare it.
    generation: std::sync::atomic::AtomicU64,
    /// The write generation the snapshot file holds (`u64::MAX`: none is current).
    snapshot_generation: std::sync::atomic::AtomicU64,
    /// The last log entry applied to the graph: entries are applied in sequence order.
    applied_seq: std::sync::atomic::AtomicI64,
    /// The log's last sequence number when this service last looked.
    log_seq: std::sync::atomic::AtomicI64,
    /// Articles in the graph with facts from another extractor version, not yet refreshed.
    outdated: std::sync::atomic::AtomicUsize,
    /// Held by a write from its duplicate check to its graph publish.
    writer: Mutex<()>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Today in UTC, the bound for publication dates.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

impl Service {
    /// A service over a fresh in-memory graph with no store (for `query --articles`).
    pub fn in_memory(extractor: Arc<Extractor>, limits: Limits) -> Service {
        Service {
            extractor,
            store: None,
            snapshot_path: None,
            store_identity: String::new(),
            store_description: None,
            bodies: Bodies::Memory(Default::default()),
            graph: Snapshots::new(Graph::new()),
            updates: broadcast::channel(1024).0,
            limits,
            version: extractor_version(),
            generation: std::sync::atomic::AtomicU64::new(0),
            snapshot_generation: std::sync::atomic::AtomicU64::new(u64::MAX),
            applied_seq: std::sync::atomic::AtomicI64::new(0),
            log_seq: std::sync::atomic::AtomicI64::new(0),
            outdated: std::sync::atomic::AtomicUsize::new(0),
            writer: Mutex::new(()),
        }
    }

    /// Opens the SQLite store in `data_dir` and rebuilds the graph from it, re-extracting
    /// articles whose cached facts come from another extractor version (and refreshing the
    /// cache).
    ///
    /// # Errors
    /// When the store cannot be opened or read.
    pub fn open(
        extractor: Arc<Extractor>,
        data_dir: &Path,
        limits: Limits,
    ) -> Result<Service, ServiceError> {
        let location = StoreLocation::Sqlite(data_dir.to_path_buf());
        Service::open_with(extractor, &location, data_dir, limits, false)
    }

    /// Like [`Service::open`], for a server, on the store at `location` (the snapshot file
    /// goes to `data_dir`): articles whose cached facts come from another extractor version
    /// are served with those facts at once (when they still decode) and counted in
    /// [`Service::outdated`]; [`Service::refresh_outdated`] re-extracts them later.
    ///
    /// # Errors
    /// When the store cannot be opened or read.
    pub fn open_serving(
        extractor: Arc<Extractor>,
        location: &StoreLocation,
        data_dir: &Path,
        limits: Limits,
    ) -> Result<Service, ServiceError> {
        Service::open_with(extractor, location, data_dir, limits, true)
    }

    fn open_with(
        extractor: Arc<Extractor>,
        location: &StoreLocation,
        data_dir: &Path,
        limits: Limits,
        keep_outdated: bool,
    ) -> Result<Service, ServiceError> {
        let mut opened = crate::store::open(location)?;
        let store = opened.as_mut();
        let service = Service {
            store: None,
            ..Service::in_memory(extractor, limits)
        };
        let (articles, last_seq) = store.generation()?;
        service.applied_seq.store(last_seq, Ordering::Release);
        service.log_seq.store(last_seq, Ordering::Release);
        let identity = store.identity()?;
        let tail = log_entry_at(store, last_seq)?;
        let stamp = Stamp::current(&service.version, &identity, articles, last_seq, &tail);
        let snapshot = data_dir.join(SNAPSHOT_FILE);
        if !matches!(location, StoreLocation::Sqlite(_)) {
            // The snapshot of a shared store is this process's own cache.
            std::fs::create_dir_all(data_dir).map_err(|source| StoreError::CreateDir {
                path: data_dir.to_path_buf(),
                source,
            })?;
        }
        let started = Instant::now();
        let graph = match snapshot_file::load(&snapshot, &stamp) {
            Ok(Some(Loaded::Current(graph))) => {
                tracing::info!(
                    articles = graph.stats().articles,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "graph loaded from its snapshot"
                );
                service.snapshot_generation.store(0, Ordering::Release);
                graph
            }
            // Rows appended since the snapshot (a bulk `eventgraph ingest`), or a snapshot of
            // facts from another extractor version (an upgrade: a server serves it at once and
            // re-extracts in the background, `refresh_outdated`): load it and apply only the
            // rows after it, when nothing was deleted in between.
            Ok(Some(Loaded::Behind(graph, old) | Loaded::Outdated(graph, old)))
                if (keep_outdated || old.extractor == stamp.extractor)
                    && old.articles + store.count_after(old.last_seq)? as u64 == articles
                    && log_entry_at(store, old.last_seq)? == old.tail =>
            {
                service.catch_up_snapshot(store, graph, &old, keep_outdated, &stamp, &snapshot)?
            }
            found => {
                if let Err(e) = found {
                    tracing::warn!(error = %e, "graph snapshot unreadable; rebuilding from the store");
                }
                service.rebuild(store, keep_outdated, &stamp, &snapshot)?
            }
        };
        Ok(Service {
            bodies: Bodies::Store(Mutex::new(opened.reader()?)),
            store_description: Some(opened.describe()),
            store: Some(Mutex::new(opened)),
            snapshot_path: Some(snapshot),
            store_identity: identity,
            graph: Snapshots::new(graph),
            ..service
        })
    }

    /// Brings a snapshot of an earlier state up to the store by applying the rows appended
    /// after it, then saves the result; the outcome is the graph a rebuild would give, since
    /// rows are applied in sequence order either way. A snapshot of another extractor
    /// version's facts counts all its articles as outdated, so that
    /// [`Service::refresh_outdated`] re-extracts them and publishes the rebuilt graph (and it
    /// is not saved again meanwhile).
    fn catch_up_snapshot(
        &self,
        store: &mut dyn ArticleStore,
        mut graph: Graph,
        old: &Stamp,
        keep_outdated: bool,
        stamp: &Stamp,
        snapshot: &Path,
    ) -> Result<Graph, ServiceError> {
        let started = Instant::now();
        let mut replayed = self.replay(store, old.last_seq, &mut graph, keep_outdated)?;
        let older_facts = old.extractor != stamp.extractor;
        if older_facts {
            replayed.outdated += usize::try_from(old.articles).unwrap_or(usize::MAX);
        }
        tracing::info!(
            appended = stamp.articles.saturating_sub(old.articles),
            older_facts,
            snapshot_extractor = %old.extractor,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "graph loaded from its snapshot and caught up with the rows appended since"
        );
        self.settle(store, replayed, stamp, snapshot, &graph)?;
        Ok(graph)
    }

    /// Rebuilds the graph from every stored article (refreshing cached facts of another
    /// extractor version, or keeping them with `keep_outdated`), and saves it as the
    /// snapshot when it holds no outdated facts.
    fn rebuild(
        &self,
        store: &mut dyn ArticleStore,
        keep_outdated: bool,
        stamp: &Stamp,
        snapshot: &Path,
    ) -> Result<Graph, ServiceError> {
        let mut graph = Graph::new();
        let started = Instant::now();
        let replayed = self.replay(store, 0, &mut graph, keep_outdated)?;
        let total = started.elapsed();
        tracing::info!(
            total_ms = total.as_millis() as u64,
            reading_ms = total
                .saturating_sub(replayed.decoding + replayed.applying)
                .as_millis() as u64,
            decoding_ms = replayed.decoding.as_millis() as u64,
            applying_ms = replayed.applying.as_millis() as u64,
            "graph rebuilt from the store"
        );
        self.settle(store, replayed, stamp, snapshot, &graph)?;
        Ok(graph)
    }

    /// After a replay: writes re-extracted facts back to the store, records how many
    /// articles still carry facts of another extractor version, and saves the snapshot when
    /// none do.
    fn settle(
        &self,
        store: &mut dyn ArticleStore,
        replayed: Replayed,
        stamp: &Stamp,
        snapshot: &Path,
        graph: &Graph,
    ) -> Result<(), ServiceError> {
        let (stale, outdated) = (replayed.refreshed, replayed.outdated);
        if !stale.is_empty() {
            tracing::info!(
                articles = stale.len(),
                "refreshed cached facts for a new extractor version"
            );
            store.update_facts(&stale, &self.version)?;
            store.checkpoint()?;
        }
        self.outdated.store(outdated, Ordering::Release);
        metrics::gauge!("eventgraph_outdated_articles").set(outdated as f64);
        if outdated > 0 {
            tracing::info!(
                articles = outdated,
                "serving facts cached by another extractor version until they are re-extracted"
            );
        }
        if stamp.articles > 0 && outdated == 0 {
            // The next start loads this instead of replaying every article.
            let saving = Instant::now();
            match snapshot_file::save(graph, stamp, snapshot) {
                Ok(()) => {
                    self.snapshot_generation.store(0, Ordering::Release);
                    tracing::info!(
                        elapsed_ms = saving.elapsed().as_millis() as u64,
                        "graph snapshot saved"
                    );
                }
                Err(e) => tracing::warn!(error = %e, "graph snapshot not saved"),
            }
        }
        Ok(())
    }

    /// Applies the log entries after sequence number `after` to `graph`, in order: articles
    /// in batches decoded in parallel, deletions between them; unreadable rows are logged,
    /// counted and left out.
    fn replay(
        &self,
        store: &mut dyn ArticleStore,
        after: i64,
        graph: &mut Graph,
        keep_outdated: bool,
    ) -> Result<Replayed, ServiceError> {
        let mut replayed = Replayed {
            last_seq: after,
            ..Replayed::default()
        };
        let mut pending: Vec<StoredArticle> = Vec::with_capacity(BATCH);
        let apply =
            |pending: &mut Vec<StoredArticle>, replayed: &mut Replayed, graph: &mut Graph| {
                let t0 = Instant::now();
                let decoded = self.decode_all_with(std::mem::take(pending), keep_outdated);
                let t1 = Instant::now();
                for (article, facts, refreshed, old) in decoded {
                    if let Some(json) = refreshed {
                        replayed.refreshed.push((article.id.clone(), json));
                    }
                    replayed.outdated += usize::from(old);
                    graph.apply(&self.extractor.kb, &ArticleHeader::from(&article), &facts);
                }
                replayed.decoding += t1 - t0;
                replayed.applying += t1.elapsed();
            };
        let unreadable = store.read_log(after, None, &mut |entry| {
            replayed.last_seq = replayed.last_seq.max(entry.seq());
            match entry {
                LogEntry::Added(stored) => {
                    pending.push(stored);
                    if pending.len() == BATCH {
                        apply(&mut pending, &mut replayed, graph);
                    }
                }
                LogEntry::Deleted { id, .. } => {
                    // In log order: what came before the deletion first.
                    apply(&mut pending, &mut replayed, graph);
                    if let Some(ix) = graph.article_by_id(&id.0) {
                        graph.remove_article(ix);
                    }
                }
            }
        })?;
        apply(&mut pending, &mut replayed, graph);
        for row in &unreadable {
            metrics::counter!("eventgraph_articles_quarantined_total").increment(1);
            tracing::error!(
                row = row.seq,
                reason = %row.reason,
                "a stored article cannot be read; left out (`eventgraph check --repair` removes it)"
            );
        }
        Ok(replayed)
    }

    /// Saves the current graph as the store's snapshot, so the next start loads it (called
    /// at a clean shutdown). False when there was nothing to write: no store, the file
    /// already holds this graph, or the graph still has facts of a previous extractor.
    ///
    /// # Errors
    /// When the store cannot be read or the file cannot be written.
    pub fn save_snapshot(&self) -> Result<bool, ServiceError> {
        let Some(store) = &self.store else {
            return Ok(false);
        };
        if self.outdated() > 0 {
            // Built (in part) from facts of another extractor version: a snapshot of it
            // would outlive the refresh. The next start rebuilds instead.
            return Ok(false);
        }
        // No write between reading the store's generation and the graph.
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let generation = self.generation();
        if self
            .snapshot_generation
            .load(std::sync::atomic::Ordering::Acquire)
            == generation
        {
            // The file already holds this graph.
            return Ok(false);
        }
        let (articles, last_seq, tail) = {
            let mut store = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let (articles, last_seq) = store.generation()?;
            (articles, last_seq, log_entry_at(store.as_mut(), last_seq)?)
        };
        let Some(path) = &self.snapshot_path else {
            return Ok(false);
        };
        let stamp = Stamp::current(
            &self.version,
            &self.store_identity,
            articles,
            last_seq,
            &tail,
        );
        snapshot_file::save(&self.read(), &stamp, path)?;
        self.snapshot_generation
            .store(generation, std::sync::atomic::Ordering::Release);
        Ok(true)
    }

    /// The body of an article: from the store, or from memory for a service without one.
    /// `None` for an id that names no stored article.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn article_text(&self, id: &ArticleId) -> Result<Option<String>, ServiceError> {
        self.stored(
            id,
            |article| article.body.to_string(),
            |store| store.body(id),
        )
    }

    /// Where an article was published, for exports: unknown (and logged) when the store
    /// cannot be read.
    pub fn origin_or_unknown(&self, id: &ArticleId) -> crate::store::ArticleOrigin {
        match self.article_origin(id) {
            Ok(origin) => origin.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "reading an article's URL and outlet failed");
                crate::store::ArticleOrigin::default()
            }
        }
    }

    /// Where an article was published (URL, outlet), from the store or memory; `None` for
    /// an id that names no stored article.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn article_origin(
        &self,
        id: &ArticleId,
    ) -> Result<Option<crate::store::ArticleOrigin>, ServiceError> {
        self.stored(
            id,
            |article| article.origin.clone(),
            |store| store.origin(id),
        )
    }

    /// Reads what the graph does not hold of an article: from memory for a service without
    /// a store, else through the store's read-only connection.
    fn stored<T>(
        &self,
        id: &ArticleId,
        from_memory: impl FnOnce(&MemoryArticle) -> T,
        from_store: impl FnOnce(&mut dyn ArticleStore) -> Result<Option<T>, StoreError>,
    ) -> Result<Option<T>, ServiceError> {
        match &self.bodies {
            Bodies::Memory(bodies) => Ok(bodies
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(id)
                .map(from_memory)),
            Bodies::Store(reader) => Ok(from_store(
                reader
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .as_mut(),
            )?),
        }
    }

    /// Decodes cached facts (or re-extracts) for stored articles, in parallel.
    fn decode_all(&self, items: Vec<StoredArticle>) -> Vec<(Article, Extraction, Option<String>)> {
        self.decode_all_with(items, false)
            .into_iter()
            .map(|(article, facts, refreshed, _)| (article, facts, refreshed))
            .collect()
    }

    /// [`Service::decode_all`]; with `keep_outdated`, facts cached by another extractor
    /// version are used as they are (and flagged `true`) when they still decode, so a start
    /// after an upgrade serves at once and re-extracts later.
    fn decode_all_with(
        &self,
        items: Vec<StoredArticle>,
        keep_outdated: bool,
    ) -> Vec<(Article, Extraction, Option<String>, bool)> {
        let (extractor, version) = (&self.extractor, &self.version);
        let ids: Vec<ArticleId> = items.iter().map(|s| s.article.id.clone()).collect();
        let results = parallel_map(items, |stored| {
            let cached = stored
                .facts
                .as_ref()
                .filter(|(_, v)| keep_outdated || v == version)
                .and_then(|(json, v)| {
                    serde_json::from_str::<Extraction>(json)
                        .ok()
                        .map(|facts| (facts, v != version))
                });
            match cached {
                Some((facts, outdated)) => (stored.article, facts, None, outdated),
                None => {
                    let facts = extract_article(extractor, &stored.article);
                    let json = serde_json::to_string(&facts).unwrap_or_default();
                    (stored.article, facts, Some(json), false)
                }
            }
        });
        results
            .into_iter()
            .zip(ids)
            .filter_map(|(r, id)| match r {
                Ok(item) => Some(item),
                Err(message) => {
                    // Quarantined: kept in the store, left out of the graph, never a crash
                    // loop at start-up.
                    metrics::counter!("eventgraph_articles_quarantined_total").increment(1);
                    tracing::error!(article = %id.0, %message, "a stored article failed to extract; quarantined");
                    None
                }
            })
            .collect()
    }

    /// The extractor.
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// Ingestion limits.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The current graph snapshot. Never waits: a write in progress works on another copy.
    pub fn read(&self) -> arc_swap::Guard<Arc<Graph>> {
        self.graph.load()
    }

    /// The two graph copies (for tests of the snapshot scheme).
    #[cfg(test)]
    pub(crate) fn snapshots(&self) -> &Snapshots {
        &self.graph
    }

    /// The graph's write generation: it changes after every write, so a cached read result
    /// tagged with an older generation is stale.
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn bump_generation(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// Subscribes to graph updates.
    pub fn subscribe(&self) -> broadcast::Receiver<GraphUpdate> {
        self.updates.subscribe()
    }

    /// Ingests one article.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] with the reason, or a store failure; nothing changes then.
    pub fn ingest(&self, raw: RawArticle) -> Result<Ingested, ServiceError> {
        self.ingest_many(vec![raw])
            .pop()
            .unwrap_or(Err(ServiceError::Invalid(IngestError::Empty)))
    }

    /// Ingests a batch: validation and extraction in parallel, one store transaction per
    /// [`BATCH`], then the graph. Each article gets its own result, in input order.
    pub fn ingest_many(&self, raws: Vec<RawArticle>) -> Vec<Result<Ingested, ServiceError>> {
        let prepared = prepare_all(&self.extractor, raws, self.limits, today());
        // One writer at a time from the duplicate check to the graph publish: a concurrent
        // ingest of the same article then sees it stored *and* in the graph.
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut results: Vec<Option<Result<Ingested, ServiceError>>> =
            Vec::with_capacity(prepared.len());
        let mut accepted: Vec<(usize, Prepared)> = Vec::new();
        {
            let graph = self.read();
            let mut seen_in_batch = std::collections::HashSet::new();
            for (index, item) in prepared.into_iter().enumerate() {
                match item {
                    Err(e) => results.push(Some(Err(e.into()))),
                    Ok(p) => {
                        if graph.article_by_id(&p.article.id.0).is_some()
                            || !seen_in_batch.insert(p.article.id.clone())
                        {
                            results.push(Some(Ok(Ingested {
                                id: p.article.id.clone(),
                                duplicate: true,
                            })));
                        } else {
                            results.push(None);
                            accepted.push((index, p));
                        }
                    }
                }
            }
        }
        let mut accepted = accepted.into_iter().peekable();
        while accepted.peek().is_some() {
            let chunk: Vec<(usize, Prepared)> = accepted.by_ref().take(BATCH).collect();
            let stored = match &self.store {
                None => Ok(vec![Some(0); chunk.len()]),
                Some(store) => {
                    let rows: Vec<crate::store::NewRow<'_>> = chunk
                        .iter()
                        .map(|(_, p)| {
                            (
                                &p.article,
                                Some((p.facts_json.as_str(), self.version.as_str())),
                            )
                        })
                        .collect();
                    let mut store = store
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    store.insert_batch(&rows)
                }
            };
            match stored {
                Err(e) => {
                    let message = e.to_string();
                    tracing::error!(error = %message, "store write failed");
                    for (index, _) in chunk {
                        results[index] = Some(Err(ServiceError::StoreFailed(message.clone())));
                    }
                }
                Ok(inserted) => {
                    // Entries other writers committed before this batch come first, so
                    // the graph follows the log's order.
                    if let Some(first) = inserted.iter().flatten().min()
                        && let Err(e) = self.apply_log(Some(*first))
                    {
                        tracing::error!(error = %e, "reading other writers' entries failed");
                    }
                    if let Some(last) = inserted.iter().flatten().max() {
                        self.applied_seq.fetch_max(*last, Ordering::AcqRel);
                        self.log_seq.fetch_max(*last, Ordering::AcqRel);
                    }
                    let mut added = Vec::new();
                    for ((index, mut p), seq) in chunk.into_iter().zip(inserted) {
                        let new = seq.is_some();
                        results[index] = Some(Ok(Ingested {
                            id: p.article.id.clone(),
                            duplicate: !new,
                        }));
                        if new {
                            if let Bodies::Memory(bodies) = &self.bodies {
                                bodies
                                    .write()
                                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                                    .insert(
                                        p.article.id.clone(),
                                        MemoryArticle {
                                            body: Arc::from(std::mem::take(&mut p.article.body)),
                                            origin: crate::store::ArticleOrigin {
                                                url: p.article.url.take(),
                                                outlet: p.article.outlet.take(),
                                            },
                                        },
                                    );
                            }
                            added.push((ArticleHeader::from(&p.article), p.facts));
                        }
                    }
                    self.publish_added(added);
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(ServiceError::Invalid(IngestError::Empty))))
            .collect()
    }

    /// Applies stored articles to the graph, publishes it, and tells subscribers. The caller
    /// holds the writer lock.
    fn publish_added(&self, added: Vec<(ArticleHeader, Extraction)>) {
        let notes = if added.is_empty() {
            Vec::new()
        } else {
            let change = Change::Add(added);
            self.graph
                .commit(&self.extractor.kb, change, |graph, outcome| {
                    let mut notes = Vec::new();
                    let Outcome::Added(reports) = outcome else {
                        return notes;
                    };
                    for report in reports {
                        let article = graph.article(report.article);
                        notes.push(GraphUpdate::ArticleIngested(article.id.0.clone()));
                        notes.extend(
                            report
                                .new_events
                                .iter()
                                .map(|&e| GraphUpdate::EventAdded(graph.event(e).id.clone())),
                        );
                        notes.extend(
                            report
                                .updated_events
                                .iter()
                                .map(|&e| GraphUpdate::EventUpdated(graph.event(e).id.clone())),
                        );
                    }
                    notes
                })
        };
        self.bump_generation();
        metrics::counter!("eventgraph_articles_ingested_total").increment(
            notes
                .iter()
                .filter(|n| matches!(n, GraphUpdate::ArticleIngested(_)))
                .count() as u64,
        );
        for note in notes {
            // No subscriber is not an error.
            let _ = self.updates.send(note);
        }
    }

    /// Articles served with facts of another extractor version (see [`Service::open_serving`]).
    pub fn outdated(&self) -> usize {
        self.outdated.load(Ordering::Acquire)
    }

    /// Re-extracts the articles whose cached facts come from another extractor version, in
    /// batches, while the server keeps serving; then rebuilds the graph from the refreshed
    /// facts beside the live one and publishes it (with any article stored meanwhile).
    /// Progress goes to the log and to `eventgraph_outdated_articles` in `/metrics`.
    ///
    /// # Errors
    /// When the store cannot be read or written; the old facts keep being served.
    pub fn refresh_outdated(&self) -> Result<usize, ServiceError> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let mut reader = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .reader()?;
        let total = self.outdated();
        let started = Instant::now();
        // 1. Re-extract, a batch at a time, and store the new facts.
        let mut refreshed = 0usize;
        let mut pending: Vec<StoredArticle> = Vec::with_capacity(BATCH);
        let mut failure: Option<ServiceError> = None;
        let mut flush = |pending: &mut Vec<StoredArticle>| {
            let items = std::mem::take(pending);
            let fresh: Vec<(ArticleId, String)> = self
                .decode_all(items)
                .into_iter()
                .filter_map(|(article, _, json)| json.map(|json| (article.id, json)))
                .collect();
            refreshed += fresh.len();
            let mut store = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Err(e) = store.update_facts(&fresh, &self.version) {
                failure.get_or_insert(e.into());
            }
            metrics::gauge!("eventgraph_outdated_articles")
                .set(total.saturating_sub(refreshed) as f64);
            tracing::info!(
                refreshed,
                of = total,
                "re-extracting for the new extractor version"
            );
        };
        reader.read_log(0, None, &mut |entry| {
            if let LogEntry::Added(row) = entry
                && row.facts.as_ref().is_none_or(|(_, v)| *v != self.version)
            {
                pending.push(row);
                if pending.len() == BATCH {
                    flush(&mut pending);
                }
            }
        })?;
        flush(&mut pending);
        if let Some(e) = failure {
            return Err(e);
        }
        // Every article's facts were rewritten: fold SQLite's write-ahead log back into the
        // database (it had grown to the size of the rewrite, 0.8 GB for 100k articles).
        store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .checkpoint()?;
        // 2. Rebuild beside the live graph from the refreshed facts.
        let mut graph = Graph::new();
        let rebuilt = self.replay(reader.as_mut(), 0, &mut graph, false)?;
        // 3. Under the writer lock: the articles stored meanwhile, then publish.
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let last_seq = self
            .replay(reader.as_mut(), rebuilt.last_seq, &mut graph, false)?
            .last_seq;
        self.graph.replace(graph);
        self.applied_seq.fetch_max(last_seq, Ordering::AcqRel);
        self.outdated.store(0, Ordering::Release);
        self.snapshot_generation.store(u64::MAX, Ordering::Release);
        self.bump_generation();
        metrics::gauge!("eventgraph_outdated_articles").set(0.0);
        tracing::info!(
            refreshed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "re-extraction done; the graph from the new facts is live"
        );
        Ok(refreshed)
    }

    /// Applies what other processes (`eventgraph ingest`, other replicas) committed to the
    /// log since this service last looked, and tells subscribers; returns how many articles
    /// were new to the graph. Cheap when nothing changed: one read of the log's last
    /// sequence number, compared with the last applied one (every write, this service's own
    /// included, moves the log's end, and entries are applied in order, so nothing new
    /// means nothing past the last applied entry).
    /// (A SQLite store does not log deletions: those by other processes are seen at the
    /// next start.)
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn catch_up(&self) -> Result<usize, ServiceError> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        // The once-a-second check takes no writer lock: writes never wait for it.
        let head = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .last_seq()?;
        // The log's end, for the lag `/healthz` and `/metrics` report.
        self.log_seq.fetch_max(head, Ordering::AcqRel);
        if head <= self.applied_seq.load(Ordering::Acquire) {
            self.publish_progress();
            return Ok(0);
        }
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let applied = self.apply_log(None)?;
        if applied > 0 {
            tracing::info!(articles = applied, "applied articles other writers stored");
        }
        Ok(applied)
    }

    /// Applies the log entries after the last applied one and before `before` (all of them
    /// when `None`), in order, and tells subscribers; returns how many articles were new to
    /// the graph. The caller holds the writer lock.
    fn apply_log(&self, before: Option<i64>) -> Result<usize, ServiceError> {
        let Some(store) = &self.store else {
            return Ok(0);
        };
        let after = self.applied_seq.load(Ordering::Acquire);
        if before.is_some_and(|before| before <= after + 1) {
            // Nothing can lie between the last applied entry and `before`.
            return Ok(0);
        }
        let mut entries = Vec::new();
        store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .read_log(after, before, &mut |entry| entries.push(entry))?;
        let mut applied = 0;
        let mut pending: Vec<StoredArticle> = Vec::new();
        let mut flush = |pending: &mut Vec<StoredArticle>| {
            let mut rows = std::mem::take(pending).into_iter().peekable();
            while rows.peek().is_some() {
                let decoded: Vec<(ArticleHeader, Extraction)> = self
                    .decode_all(rows.by_ref().take(BATCH).collect())
                    .into_iter()
                    .map(|(article, facts, _)| (ArticleHeader::from(&article), facts))
                    .collect();
                applied += decoded.len();
                self.publish_added(decoded);
            }
        };
        for entry in entries {
            let seq = entry.seq();
            match entry {
                // Already in the graph: this service's own write, applied when it committed.
                LogEntry::Added(row) if self.read().article_by_id(&row.article.id.0).is_some() => {}
                LogEntry::Added(row) => pending.push(row),
                LogEntry::Deleted { id, .. } => {
                    flush(&mut pending);
                    self.remove_from_graph(&id.0);
                }
            }
            self.applied_seq.fetch_max(seq, Ordering::AcqRel);
        }
        flush(&mut pending);
        self.publish_progress();
        Ok(applied)
    }

    /// The replica's place in the log: the last applied entry and the log's last entry when
    /// this service last looked (equal when it is caught up).
    pub fn log_position(&self) -> LogPosition {
        LogPosition {
            applied: self.applied_seq.load(Ordering::Acquire),
            head: self
                .log_seq
                .load(Ordering::Acquire)
                .max(self.applied_seq.load(Ordering::Acquire)),
        }
    }

    fn publish_progress(&self) {
        let position = self.log_position();
        metrics::gauge!("eventgraph_log_applied_seq").set(position.applied as f64);
        metrics::gauge!("eventgraph_log_lag_entries").set(position.lag() as f64);
    }

    /// Where the store is (for `/healthz`): no credentials; `None` for a store-less service.
    pub fn store_description(&self) -> Option<&str> {
        self.store_description.as_deref()
    }

    /// A watch on the store's log for [`Service::catch_up`] (PostgreSQL: `LISTEN`); `None`
    /// for a store-less service.
    ///
    /// # Errors
    /// When the store cannot be reached.
    pub fn watch_store(&self) -> Result<Option<Box<dyn ChangeWatch>>, ServiceError> {
        let Some(store) = &self.store else {
            return Ok(None);
        };
        Ok(Some(
            store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .watcher()?,
        ))
    }

    /// Deletes an article from the store and the graph.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an unknown id, or a store failure.
    pub fn delete(&self, id: &str) -> Result<Vec<String>, ServiceError> {
        let _writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // An article another writer stored a moment ago is deletable here too: the log is
        // applied up to now before the id is looked up.
        self.apply_log(None)?;
        if self.read().article_by_id(id).is_none() {
            return Err(ServiceError::NotFound(id.to_string()));
        }
        if let Some(store) = &self.store {
            let deletion = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .delete(&ArticleId(id.to_string()))?;
            match deletion {
                Deletion::Logged(seq) => {
                    // The graph follows the log: entries before the deletion first.
                    self.apply_log(Some(seq))?;
                    self.applied_seq.fetch_max(seq, Ordering::AcqRel);
                    self.log_seq.fetch_max(seq, Ordering::AcqRel);
                }
                // The log was applied up to now just above; another writer may also have
                // deleted it first: the graph drops it now all the same.
                Deletion::Unlogged | Deletion::NotStored => {}
            }
        }
        if let Bodies::Memory(bodies) = &self.bodies {
            bodies
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&ArticleId(id.to_string()));
        }
        Ok(self.remove_from_graph(id))
    }

    /// Removes an article from the graph (when there) and tells subscribers of the events
    /// it changed; returns the ids of the events that went with it. The caller holds the
    /// writer lock.
    fn remove_from_graph(&self, id: &str) -> Vec<String> {
        let Some(ix) = self.read().article_by_id(id) else {
            return Vec::new();
        };
        let (removed_ids, updated_ids) =
            self.graph
                .commit(&self.extractor.kb, Change::Remove(ix), |graph, outcome| {
                    let ids = |events: &[crate::graph::EventIx]| -> Vec<String> {
                        events.iter().map(|&e| graph.event(e).id.clone()).collect()
                    };
                    match outcome {
                        Outcome::Removed { removed, updated } => (ids(removed), ids(updated)),
                        Outcome::Added(_) => (Vec::new(), Vec::new()),
                    }
                });
        for id in updated_ids {
            let _ = self.updates.send(GraphUpdate::EventUpdated(id));
        }
        self.bump_generation();
        removed_ids
    }
}

/// A replica's place in the log (see [`Service::log_position`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPosition {
    /// The last entry applied to the graph.
    pub applied: i64,
    /// The log's last entry when last looked at.
    pub head: i64,
}

impl LogPosition {
    /// Entries in the log not yet applied (sequence numbers may have gaps, so this is an
    /// upper bound).
    pub fn lag(&self) -> i64 {
        (self.head - self.applied).max(0)
    }
}

/// What the log's entry at `seq` holds, for a snapshot's stamp: the stored article's id, or
/// `-` and the id for a logged deletion; empty when no entry has that number (an empty log,
/// or a row deleted since).
fn log_entry_at(store: &mut dyn ArticleStore, seq: i64) -> Result<String, StoreError> {
    if seq <= 0 {
        return Ok(String::new());
    }
    let mut found = String::new();
    store.read_log(seq - 1, Some(seq + 1), &mut |entry| {
        found = match entry {
            crate::store::LogEntry::Added(stored) => stored.article.id.0,
            crate::store::LogEntry::Deleted { id, .. } => format!("-{}", id.0),
        };
    })?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(n: usize) -> RawArticle {
        RawArticle {
            source: format!("a{n}"),
            bytes: format!(
                " date 2025-05-{:02} Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Ташкентте Шавкат Мирзиёевпен кездесті, {n}-кездесу.",
                n % 28 + 1
            )
            .into_bytes(),
            ..RawArticle::default()
        }
    }

    fn open(dir: &Path) -> Service {
        Service::open(Arc::new(Extractor::new()), dir, Limits::default()).expect("store opens")
    }

    /// A server's service on `dir`: facts of another extractor version are served at once.
    fn open_serving(dir: &Path) -> Service {
        Service::open_serving(
            Arc::new(Extractor::new()),
            &StoreLocation::Sqlite(dir.to_path_buf()),
            dir,
            Limits::default(),
        )
        .expect("opens")
    }

    #[test]
    fn a_restart_loads_the_same_graph_and_a_stale_snapshot_is_ignored() {
        let dir = std::env::temp_dir().join(format!("eventgraph-restart-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let first = open(&dir);
        for n in 0..6 {
            assert!(first.ingest(article(n)).is_ok());
        }
        first.save_snapshot().expect("snapshot saved");
        let before = first.read().fingerprint();
        drop(first);
        assert!(dir.join(SNAPSHOT_FILE).exists());

        // The same store: the snapshot loads and answers exactly as before.
        let second = open(&dir);
        assert_eq!(second.read().fingerprint(), before);
        // A write the snapshot does not know of (the server stops without saving).
        assert!(second.ingest(article(6)).is_ok());
        let with_write = second.read().fingerprint();
        drop(second);

        // The store changed after the snapshot: it is ignored and the graph rebuilt.
        let third = open(&dir);
        assert_eq!(third.read().stats().articles, 7);
        assert_eq!(third.read().fingerprint(), with_write);
        drop(third);
        // A deletion changes the store too.
        let fourth = open(&dir);
        let id = fourth.read().article(0).id.0.clone();
        assert!(fourth.delete(&id).is_ok());
        drop(fourth);
        assert_eq!(open(&dir).read().stats().articles, 6);
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Rewrites every cached fact of the store in `dir` through `edit`, stamped `version`,
    /// as another extractor version would have written them; returns the open store.
    fn rewrite_cached_facts(
        dir: &Path,
        version: &str,
        edit: impl Fn(String) -> String,
    ) -> crate::store::SqliteStore {
        let mut store = crate::store::SqliteStore::open(dir).expect("store");
        let mut rows = Vec::new();
        store
            .read_log(0, None, &mut |entry| {
                if let LogEntry::Added(row) = entry
                    && let Some((json, _)) = row.facts
                {
                    rows.push((row.article.id, edit(json)));
                }
            })
            .expect("read");
        assert!(!rows.is_empty());
        store.update_facts(&rows, version).expect("write");
        store
    }

    #[test]
    fn after_an_extractor_upgrade_the_old_snapshot_serves_at_once() {
        let dir =
            std::env::temp_dir().join(format!("eventgraph-upgrade-snap-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let first = open(&dir);
        for n in 0..5 {
            assert!(first.ingest(article(n)).is_ok());
        }
        assert!(first.save_snapshot().expect("saved"));
        let before = first.read().fingerprint();
        drop(first);
        // As if another extractor version had written every cached fact and the snapshot:
        // facts that a rebuild would turn into another graph (other titles), and the
        // snapshot stamped with that version.
        {
            let mut store = rewrite_cached_facts(&dir, "older-extractor", |json| {
                let mut facts: Extraction = serde_json::from_str(&json).expect("facts");
                facts.main_event.title = "told by the older extractor".to_string();
                serde_json::to_string(&facts).expect("json")
            });
            let (articles, last_seq) = store.generation().expect("generation");
            let identity = store.identity().expect("identity");
            let path = dir.join(SNAPSHOT_FILE);
            let tail = log_entry_at(&mut store, last_seq).expect("tail");
            let probe = Stamp::current("probe", &identity, articles, last_seq, &tail);
            let Some(Loaded::Outdated(graph, stamp)) =
                snapshot_file::load(&path, &probe).expect("readable")
            else {
                panic!("the snapshot loads for another extractor");
            };
            let older = Stamp {
                extractor: "older-extractor".to_string(),
                ..stamp
            };
            snapshot_file::save(&graph, &older, &path).expect("saved");
        }
        let serving = open_serving(&dir);
        assert_eq!(serving.outdated(), 5, "served from the old snapshot");
        assert_eq!(
            serving.read().fingerprint(),
            before,
            "the snapshot's graph, not one rebuilt from the cached facts"
        );
        assert!(serving.ingest(article(5)).is_ok());
        assert_eq!(serving.refresh_outdated().expect("refreshed"), 5);
        assert_eq!(serving.outdated(), 0);
        assert_eq!(serving.read().stats().articles, 6, "the write is kept");
        let refreshed = serving.read().fingerprint();
        drop(serving);
        assert_eq!(
            open(&dir).read().fingerprint(),
            refreshed,
            "the graph of the re-extracted facts, as a rebuild makes it"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn after_an_extractor_upgrade_old_facts_serve_at_once_and_are_refreshed_later() {
        let dir = std::env::temp_dir().join(format!("eventgraph-upgrade-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let first = open(&dir);
        for n in 0..5 {
            assert!(first.ingest(article(n)).is_ok());
        }
        let before = first.read().fingerprint();
        drop(first);
        // As if another extractor version had written every cached fact.
        drop(rewrite_cached_facts(&dir, "older-extractor", |json| json));
        std::fs::remove_file(dir.join(SNAPSHOT_FILE)).ok();

        let serving = open_serving(&dir);
        assert_eq!(serving.outdated(), 5, "served from the old facts");
        assert!(
            !serving.save_snapshot().expect("no error"),
            "a graph of old facts is never saved as the snapshot"
        );
        assert_eq!(serving.read().fingerprint(), before);
        // A write while the old facts are served.
        assert!(serving.ingest(article(5)).is_ok());
        assert_eq!(serving.refresh_outdated().expect("refreshed"), 5);
        assert_eq!(serving.outdated(), 0);
        assert_eq!(serving.read().stats().articles, 6, "the write is kept");
        let after = serving.read().fingerprint();
        drop(serving);
        let mut reader = crate::store::SqliteStore::open(&dir).expect("store");
        let mut versions = Vec::new();
        reader
            .read_log(0, None, &mut |entry| {
                if let LogEntry::Added(row) = entry {
                    versions.push(row.facts.map(|(_, v)| v));
                }
            })
            .expect("read");
        assert!(
            versions
                .iter()
                .all(|v| v.as_deref() == Some(extractor_version().as_str())),
            "{versions:?}"
        );
        drop(reader);
        assert_eq!(
            open(&dir).read().fingerprint(),
            after,
            "the same graph a rebuild makes"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
