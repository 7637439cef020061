//! The command line (clap): `serve` (the default), `ingest`, `query`, `schema`,
//! `bench-extract`. Two-stage configuration: flags are parsed and validated first, then the
//! real objects (store, service, listener) are built from them.

use crate::api::{Api, sdl};
use crate::extract::Extractor;
use crate::ingest::{self, IngestError, Limits, RawArticle};
use crate::server::{ServerConfig, serve};
use crate::service::{BATCH, Service, ServiceError, prepare_all, today};
use crate::store::{LogEntry, StoreLocation};
use anyhow::{Context, Result, bail};
use async_graphql::Executor;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// eventgraph: news articles (kk / ru / en) → an event-timeline knowledge graph over GraphQL.
#[derive(Debug, Parser)]
#[command(name = "eventgraph", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve GraphQL over HTTP (the default).
    Serve(ServeArgs),
    /// Ingest files, directories (*.txt, *.jsonl, recursively) or `-` for standard input.
    Ingest(IngestArgs),
    /// Run one GraphQL query and print the JSON response.
    Query(QueryArgs),
    /// Export events (and the entities they link) in a standard format.
    Export(ExportArgs),
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Check that every stored article can be read back; `--repair` deletes the rows that
    /// cannot (and only those).
    Check {
        /// Delete unreadable rows.
        #[arg(long)]
        repair: bool,
        /// Also build the graph and print its approximate memory by part.
        #[arg(long)]
        memory: bool,
    },
    /// Copy the SQLite store of `--data` (or `--from`) into the store named by `--store`
    /// (PostgreSQL), in log order with the cached facts.
    Migrate {
        /// The store to copy from (default: `sqlite:` + the `--data` folder).
        #[arg(long)]
        from: Option<String>,
    },
    /// List the named extraction and same-event rules that `EVENTGRAPH_ABLATE=rule,…` can
    /// switch off to measure them (`scripts/ablate.sh`).
    Rules,
    /// Print, as JSON lines, each article's candidates for its main event with the features
    /// the main-event model weighs (what `scripts/fit_main_event.py` fits on).
    MainEventCandidates {
        /// Files or directories of articles.
        paths: Vec<PathBuf>,
    },
    /// Measure extraction speed on a JSON Lines corpus (one core, no store).
    BenchExtract {
        /// A JSON Lines file as written by gen_corpus.py --jsonl.
        file: PathBuf,
    },
}

#[derive(Debug, Args, Clone)]
struct StoreArgs {
    /// Folder of the on-disk store (the short form of `--store sqlite:FOLDER`); with a
    /// PostgreSQL store it holds this process's graph snapshot only.
    #[arg(long, env = "EVENTGRAPH_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    /// The article log: `sqlite:FOLDER` or `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`
    /// (several replicas share one). Wins over `--data`.
    /// (Parsed after clap, whose errors would echo a password.)
    #[arg(long, env = "EVENTGRAPH_STORE", global = true, hide_env_values = true)]
    store: Option<String>,
    /// Largest accepted article, in bytes.
    #[arg(long, env = "EVENTGRAPH_MAX_ARTICLE_BYTES", default_value_t = ingest::DEFAULT_MAX_BYTES, global = true)]
    max_article_bytes: usize,
}

#[derive(Debug, Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "EVENTGRAPH_ADDR", default_value = "127.0.0.1:8080")]
    addr: String,
    /// Articles ingested at start (idempotent); a missing default folder is not an error.
    #[arg(long, env = "EVENTGRAPH_SEEDS")]
    seeds: Option<PathBuf>,
    /// Bearer token that enables writes over HTTP.
    #[arg(long, env = "EVENTGRAPH_WRITE_TOKEN")]
    write_token: Option<String>,
    /// Allowed CORS origins, comma-separated (`*` for any).
    #[arg(long, env = "EVENTGRAPH_CORS_ORIGINS", default_value = "*")]
    cors_origins: String,
    /// Per-request timeout in seconds.
    #[arg(long, env = "EVENTGRAPH_REQUEST_TIMEOUT", default_value_t = 30)]
    request_timeout: u64,
    /// Connections served at once; a few more get `/healthz` or 503, the rest are closed.
    #[arg(long, env = "EVENTGRAPH_MAX_CONNECTIONS", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a new connection may stay silent before it is closed.
    #[arg(long, env = "EVENTGRAPH_IDLE_TIMEOUT", default_value_t = 10)]
    idle_timeout: u64,
    /// Execute every query, never answering from the response cache.
    #[arg(long, env = "EVENTGRAPH_NO_RESPONSE_CACHE")]
    no_response_cache: bool,
    /// Exit when standard input closes (test harnesses: the server dies with its parent).
    #[arg(long, hide = true)]
    exit_when_stdin_closes: bool,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct IngestArgs {
    /// Files or folders; `-` reads one article (or JSON Lines with --jsonl) from stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Treat standard input as JSON Lines.
    #[arg(long)]
    jsonl: bool,
    /// Source key for an article read from standard input.
    #[arg(long, default_value = "stdin")]
    source: String,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct QueryArgs {
    /// The GraphQL query.
    query: String,
    /// Variables as a JSON object.
    #[arg(long)]
    variables: Option<String>,
    /// Build a fresh in-memory graph from this folder only (the store is not touched).
    #[arg(long)]
    articles: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// timelinejs, vis-timeline, graphml, cytoscape, events-csv, links-csv or jsonld.
    #[arg(long)]
    format: crate::export::ExportFormat,
    #[command(flatten)]
    filters: crate::export::ExportParams,
    /// Write here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Build a fresh in-memory graph from this folder only (the store is not touched).
    #[arg(long)]
    articles: Option<PathBuf>,
    #[command(flatten)]
    store: StoreArgs,
}

/// Runs the command line.
///
/// # Errors
/// Any set-up failure, with context.
pub fn main() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EVENTGRAPH_LOG")
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match cli.command {
        None => run_serve(cli.serve),
        Some(Command::Serve(args)) => run_serve(args),
        Some(Command::Ingest(args)) => run_ingest(args),
        Some(Command::Query(args)) => run_query(args),
        Some(Command::Export(args)) => run_export(args),
        Some(Command::Schema) => {
            print!("{}", sdl());
            Ok(())
        }
        Some(Command::Rules) => {
            for rule in crate::extract::ablation::Rule::ALL {
                println!("{}", rule.name());
            }
            Ok(())
        }
        Some(Command::MainEventCandidates { paths }) => print_main_event_candidates(&paths),
        Some(Command::BenchExtract { file }) => bench_extract(&file),
        Some(Command::Migrate { from }) => run_migrate(&cli.serve.store, from),
        Some(Command::Check { repair, memory }) => {
            run_check(&cli.serve.store, repair)?;
            if memory {
                print_memory(&cli.serve.store)?;
            }
            Ok(())
        }
    }
}

impl StoreArgs {
    /// The store: `--store` when given, else the SQLite store in `--data`.
    fn location(&self) -> Result<StoreLocation> {
        match &self.store {
            Some(given) => Ok(given.parse()?),
            None => Ok(StoreLocation::Sqlite(self.data.clone())),
        }
    }
}

fn limits(store: &StoreArgs) -> Limits {
    Limits {
        max_bytes: store.max_article_bytes,
    }
}

/// Reads every input under `paths` into raw articles, reporting unreadable ones.
fn read_all(paths: &[PathBuf], max_bytes: usize, each: &mut dyn FnMut(ingest::Input)) {
    for path in paths {
        match ingest::list_files(path) {
            Ok(files) => {
                for file in files {
                    ingest::read_file(&file, max_bytes, each);
                }
            }
            Err(e) => each((path.display().to_string(), Err(e))),
        }
    }
}

fn run_serve(args: ServeArgs) -> Result<()> {
    let started = Instant::now();
    if args.exit_when_stdin_closes {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            // Every acknowledged write is already committed: exiting loses nothing.
            std::process::exit(0);
        });
    }
    let extractor = Arc::new(Extractor::new());
    let service = Arc::new({
        let location = args.store.location()?;
        Service::open_serving(extractor, &location, &args.store.data, limits(&args.store))
            .with_context(|| format!("opening the store {location}"))?
    });
    tracing::info!(
        articles = service.read().stats().articles,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "graph ready (loaded from its snapshot or rebuilt from the store)"
    );
    if service.outdated() > 0 {
        // An extractor upgrade: serve the old facts now, re-extract in the background.
        let refresher = service.clone();
        std::thread::spawn(move || {
            if let Err(e) = refresher.refresh_outdated() {
                tracing::error!(error = %e, "re-extraction stopped; the old facts stay served");
            }
        });
    }
    let seeds = args
        .seeds
        .clone()
        .unwrap_or_else(|| PathBuf::from("./seeds"));
    if seeds.exists() {
        let mut raws = Vec::new();
        let mut refused = 0;
        read_all(
            std::slice::from_ref(&seeds),
            Limits::default().max_bytes,
            &mut |(at, r)| match r {
                Ok(raw) => raws.push(raw),
                Err(e) => {
                    refused += 1;
                    tracing::warn!(input = %at, error = %e, "seed refused");
                }
            },
        );
        let results = service.ingest_many(raws);
        let new = results
            .iter()
            .filter(|r| matches!(r, Ok(i) if !i.duplicate))
            .count();
        for e in results.iter().filter_map(|r| r.as_ref().err()) {
            tracing::warn!(error = %e, "seed refused");
        }
        tracing::info!(folder = %seeds.display(), new, already = results.len() - new, refused, "seeds loaded");
    } else if args.seeds.is_some() {
        bail!("seed folder {} does not exist", seeds.display());
    }
    let config = ServerConfig {
        write_token: args.write_token.filter(|t| !t.is_empty()),
        cors_origins: args
            .cors_origins
            .split(',')
            .map(|s| s.trim().to_string())
            .collect(),
        timeout: Duration::from_secs(args.request_timeout),
        response_cache: !args.no_response_cache,
        max_connections: args.max_connections,
        first_byte_timeout: Duration::from_secs(args.idle_timeout.max(1)),
        ..ServerConfig::default()
    };
    if config.write_token.is_none() {
        tracing::info!(
            "writes over HTTP are disabled: set --write-token or EVENTGRAPH_WRITE_TOKEN to enable them"
        );
    }
    // At least four workers, twice the cores: CPU-heavy queries on every core still leave
    // a worker free for /healthz, metrics and cheap reads.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads((2 * cores).max(4))
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("binding {}", args.addr))?;
        let local = listener.local_addr().context("reading the bound address")?;
        spawn_store_watch(service.clone());
        tracing::info!(
            addr = %local,
            ready_ms = started.elapsed().as_millis() as u64,
            "serving GraphQL at http://{local}/graphql"
        );
        // Ctrl-C or SIGTERM (a service manager's stop): stop accepting, finish in-flight
        // requests (a write commits before it is acknowledged), then close the store.
        let shutdown = async {
            #[cfg(unix)]
            {
                let mut term =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
                let terminated = async {
                    match term.as_mut() {
                        Some(term) => {
                            term.recv().await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminated => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down: finishing in-flight requests");
        };
        serve(listener, service.clone(), &config, shutdown)
            .await
            .context("serving HTTP")?;
        let saving = Instant::now();
        match service.save_snapshot() {
            Ok(false) => {}
            Ok(true) => tracing::info!(
                elapsed_ms = saving.elapsed().as_millis() as u64,
                "graph snapshot saved; the next start loads it"
            ),
            Err(e) => tracing::warn!(error = %e, "graph snapshot not saved"),
        }
        Ok(())
    })
}

/// How often a server looks for log entries other processes stored, at the latest
/// (PostgreSQL's notifications wake it at once; this poll catches any that were missed).
const STORE_WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Applies what other processes (`eventgraph ingest` on the same folder, other replicas on
/// the same PostgreSQL) commit to the log, so it appears and fires subscriptions without a
/// restart. A thread of its own: it blocks on the store's watch.
fn spawn_store_watch(service: Arc<Service>) {
    let spawned = std::thread::Builder::new()
        .name("store-watch".into())
        .spawn(move || {
            let mut watch = None;
            loop {
                if watch.is_none() {
                    match service.watch_store() {
                        Ok(Some(opened)) => watch = Some(opened),
                        Ok(None) => return,
                        Err(e) => {
                            tracing::warn!(error = %e, "watching the store failed; polling");
                            std::thread::sleep(STORE_WATCH_INTERVAL);
                        }
                    }
                }
                if let Some(w) = watch.as_mut()
                    && let Err(e) = w.wait(STORE_WATCH_INTERVAL)
                {
                    tracing::warn!(error = %e, "the store watch was lost; reconnecting");
                    watch = None;
                    std::thread::sleep(STORE_WATCH_INTERVAL);
                }
                if let Err(e) = service.catch_up() {
                    tracing::warn!(error = %e, "reading other writers' entries failed");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the store watch could not start");
    }
}

#[derive(Default)]
struct Summary {
    accepted: usize,
    duplicate: usize,
    rejected: Vec<(String, String)>,
}

fn run_ingest(args: IngestArgs) -> Result<()> {
    let started = Instant::now();
    let limits = limits(&args.store);
    let max_bytes = limits.max_bytes;
    let extractor = Extractor::new();
    let location = args.store.location()?;
    let mut store =
        crate::store::open(&location).with_context(|| format!("opening the store {location}"))?;
    let version = crate::service::extractor_version();
    let mut summary = Summary::default();
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template("{spinner} {pos} articles ({per_sec}) {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut pending: Vec<(String, RawArticle)> = Vec::with_capacity(BATCH);
    let mut flush = |pending: &mut Vec<(String, RawArticle)>,
                     summary: &mut Summary|
     -> Result<()> {
        if pending.is_empty() {
            return Ok(());
        }
        let (labels, raws): (Vec<String>, Vec<RawArticle>) =
            std::mem::take(pending).into_iter().unzip();
        let prepared = prepare_all(&extractor, raws, limits, today());
        let mut rows = Vec::new();
        for (label, item) in labels.into_iter().zip(prepared) {
            match item {
                Ok(p) => rows.push(p),
                Err(e) => summary.rejected.push((label, e.to_string())),
            }
        }
        let batch: Vec<_> = rows
            .iter()
            .map(|p| (&p.article, Some((p.facts_json.as_str(), version.as_str()))))
            .collect();
        let inserted = store.insert_batch(&batch).context("writing to the store")?;
        for seq in inserted {
            if seq.is_some() {
                summary.accepted += 1;
            } else {
                summary.duplicate += 1;
            }
        }
        progress
            .set_position((summary.accepted + summary.duplicate + summary.rejected.len()) as u64);
        Ok(())
    };
    let mut failure: Option<anyhow::Error> = None;
    let mut each = |(label, item): ingest::Input| {
        if failure.is_some() {
            return;
        }
        match item {
            Ok(raw) => pending.push((label, raw)),
            Err(e) => summary.rejected.push((label, e.to_string())),
        }
        if pending.len() >= BATCH
            && let Err(e) = flush(&mut pending, &mut summary)
        {
            failure = Some(e);
        }
    };
    for path in &args.paths {
        if path == Path::new("-") {
            let stdin = std::io::stdin();
            if args.jsonl {
                ingest::read_json_lines("stdin", stdin.lock(), max_bytes, &mut each);
            } else {
                // One byte over the limit is enough to refuse it; the rest is never held.
                let mut bytes = Vec::new();
                match stdin
                    .lock()
                    .take(
                        u64::try_from(max_bytes)
                            .unwrap_or(u64::MAX)
                            .saturating_add(1),
                    )
                    .read_to_end(&mut bytes)
                {
                    Ok(_) => each((
                        "stdin".into(),
                        Ok(RawArticle {
                            source: args.source.clone(),
                            bytes,
                            ..RawArticle::default()
                        }),
                    )),
                    Err(e) => each((
                        "stdin".into(),
                        Err(IngestError::Io {
                            path: "stdin".into(),
                            message: e.to_string(),
                        }),
                    )),
                }
            }
        } else {
            read_all(std::slice::from_ref(path), max_bytes, &mut each);
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    flush(&mut pending, &mut summary)?;
    store.checkpoint().context("checkpointing the store")?;
    progress.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();
    let total = summary.accepted + summary.duplicate + summary.rejected.len();
    for (label, reason) in summary.rejected.iter().take(50) {
        eprintln!("rejected {label}: {reason}");
    }
    if summary.rejected.len() > 50 {
        eprintln!("… and {} more rejected", summary.rejected.len() - 50);
    }
    println!(
        "ingested {total} inputs in {elapsed:.1}s ({:.0}/s): {} accepted, {} duplicate, {} rejected; store {}",
        total as f64 / elapsed.max(1e-9),
        summary.accepted,
        summary.duplicate,
        summary.rejected.len(),
        store.describe()
    );
    if total > 0 && summary.rejected.len() == total {
        bail!("every input was rejected");
    }
    Ok(())
}

/// The service a one-shot command reads: a fresh in-memory graph of `articles`, or the store.
fn one_shot_service(articles: Option<&Path>, store: &StoreArgs) -> Result<Service> {
    let extractor = Arc::new(Extractor::new());
    let limits = limits(store);
    let service = match articles {
        Some(dir) => {
            let service = Service::in_memory(extractor, limits);
            let mut raws = Vec::new();
            read_all(
                &[dir.to_path_buf()],
                limits.max_bytes,
                &mut |(at, r)| match r {
                    Ok(raw) => raws.push(raw),
                    Err(e) => eprintln!("skipped {at}: {e}"),
                },
            );
            if !dir.exists() {
                bail!("article folder {} does not exist", dir.display());
            }
            for r in service.ingest_many(raws) {
                if let Err(e) = r
                    && !matches!(e, ServiceError::Invalid(IngestError::Empty))
                {
                    eprintln!("skipped an article: {e}");
                }
            }
            service
        }
        None => {
            let location = store.location()?;
            Service::open_serving(extractor, &location, &store.data, limits)
                .with_context(|| format!("opening the store {location}"))?
        }
    };
    Ok(service)
}

fn run_export(args: ExportArgs) -> Result<()> {
    let service = one_shot_service(args.articles.as_deref(), &args.store)?;
    let graph = service.read();
    let selection = crate::export::Selection::from_params(&graph, &args.filters)?;
    let exported = crate::export::export(&graph, args.format, &selection, &|id| {
        service.origin_or_unknown(id)
    })?;
    match &args.out {
        Some(path) => std::fs::write(path, &exported.bytes)
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::Write::write_all(&mut std::io::stdout().lock(), &exported.bytes)
            .context("writing to standard output")?,
    }
    if exported.events < exported.matching {
        eprintln!(
            "exported {} of {} matching events (raise --limit or narrow the filters)",
            exported.events, exported.matching
        );
    }
    Ok(())
}

fn run_query(args: QueryArgs) -> Result<()> {
    let service = one_shot_service(args.articles.as_deref(), &args.store)?;
    let api = Api::new(Arc::new(service));
    let mut request = async_graphql::Request::new(args.query);
    if let Some(vars) = args.variables {
        let value: serde_json::Value =
            serde_json::from_str(&vars).context("--variables must be a JSON object")?;
        request = request.variables(async_graphql::Variables::from_json(value));
    }
    // Multi-threaded: a PostgreSQL store's client blocks through `block_in_place`.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let response = runtime.block_on(api.execute(request));
    println!(
        "{}",
        serde_json::to_string_pretty(&response).context("encoding the response")?
    );
    Ok(())
}

fn run_check(store_args: &StoreArgs, repair: bool) -> Result<()> {
    let location = store_args.location()?;
    let mut store =
        crate::store::open(&location).with_context(|| format!("opening the store {location}"))?;
    let mut readable = 0usize;
    let unreadable = store
        .read_log(0, None, &mut |entry| {
            readable += usize::from(matches!(entry, LogEntry::Added(_)));
        })
        .context("reading the store")?;
    for row in &unreadable {
        println!("unreadable row {}: {}", row.seq, row.reason);
    }
    println!(
        "{readable} articles readable, {} unreadable",
        unreadable.len()
    );
    if unreadable.is_empty() {
        return Ok(());
    }
    if !repair {
        anyhow::bail!(
            "{} unreadable rows; run `eventgraph check --repair` to delete them (and only them)",
            unreadable.len()
        );
    }
    let seqs: Vec<i64> = unreadable.iter().map(|r| r.seq).collect();
    let deleted = store
        .delete_rows(&seqs)
        .context("deleting unreadable rows")?;
    println!("deleted {deleted} unreadable rows");
    Ok(())
}

/// Copies every article of one store into another, in log order, with cached facts; an
/// article already in the target is left as it is (so a copy can be resumed).
fn run_migrate(store_args: &StoreArgs, from: Option<String>) -> Result<()> {
    let source = match from {
        Some(given) => given.parse()?,
        None => StoreLocation::Sqlite(store_args.data.clone()),
    };
    if store_args.store.is_none() {
        bail!("`migrate` needs the target store: --store postgres://… (or EVENTGRAPH_STORE)");
    }
    let target = store_args.location()?;
    if source == target {
        bail!("the source and target stores are the same ({source})");
    }
    let started = Instant::now();
    let mut reader =
        crate::store::open(&source).with_context(|| format!("opening the source {source}"))?;
    let mut writer =
        crate::store::open(&target).with_context(|| format!("opening the target {target}"))?;
    let progress = ProgressBar::new_spinner();
    progress.set_style(
        ProgressStyle::with_template("{spinner} {pos} articles copied ({per_sec}) {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let (mut copied, mut present) = (0usize, 0usize);
    let mut failure: Option<anyhow::Error> = None;
    let mut pending: Vec<crate::store::StoredArticle> = Vec::with_capacity(BATCH);
    let mut flush = |pending: &mut Vec<crate::store::StoredArticle>| -> Result<()> {
        let rows: Vec<crate::store::NewRow<'_>> = pending
            .iter()
            .map(|row| {
                (
                    &row.article,
                    row.facts
                        .as_ref()
                        .map(|(json, v)| (json.as_str(), v.as_str())),
                )
            })
            .collect();
        for seq in writer
            .insert_batch(&rows)
            .context("writing to the target")?
        {
            if seq.is_some() {
                copied += 1;
            } else {
                present += 1;
            }
        }
        progress.set_position((copied + present) as u64);
        pending.clear();
        Ok(())
    };
    let unreadable = reader
        .read_log(0, None, &mut |entry| {
            if failure.is_some() {
                return;
            }
            if let LogEntry::Added(row) = entry {
                pending.push(row);
                if pending.len() == BATCH
                    && let Err(e) = flush(&mut pending)
                {
                    failure = Some(e);
                }
            }
        })
        .context("reading the source")?;
    if let Some(e) = failure {
        return Err(e);
    }
    flush(&mut pending)?;
    progress.finish_and_clear();
    println!(
        "copied {copied} articles from {source} to {target} in {:.1}s ({present} already there, {} unreadable left out)",
        started.elapsed().as_secs_f64(),
        unreadable.len()
    );
    Ok(())
}

/// Builds the graph from the store and prints its approximate memory by part.
fn print_memory(store_args: &StoreArgs) -> Result<()> {
    let location = store_args.location()?;
    let service = Service::open_serving(
        Arc::new(Extractor::new()),
        &location,
        &store_args.data,
        limits(store_args),
    )
    .with_context(|| format!("opening the store {location}"))?;
    let graph = service.read();
    let parts = graph.memory_by_part();
    let total: usize = parts.iter().map(|(_, bytes)| bytes).sum();
    let mb = |bytes: usize| bytes as f64 / (1 << 20) as f64;
    for (part, bytes) in &parts {
        println!("{part:32} {:9.1} MB", mb(*bytes));
    }
    println!("{:32} {:9.1} MB", "total (approximate)", mb(total));
    Ok(())
}

fn print_main_event_candidates(paths: &[PathBuf]) -> Result<()> {
    use crate::extract::main_event::{FEATURES, feature_name};
    let extractor = Extractor::new();
    let names: Vec<String> = (0..FEATURES).map(feature_name).collect();
    let mut out = std::io::stdout().lock();
    for path in paths {
        for file in ingest::list_files(path)? {
            ingest::read_file(&file, usize::MAX, &mut |(_, r)| {
                let Ok(raw) = r else { return };
                let source = raw.source.clone();
                let Ok(article) = ingest::validate(raw, Limits::default(), chrono::NaiveDate::MAX)
                else {
                    return;
                };
                let candidates: Vec<serde_json::Value> = extractor
                    .main_event_candidates(crate::service::article_text(&article))
                    .iter()
                    .map(|c| {
                        let features: serde_json::Map<String, serde_json::Value> = names
                            .iter()
                            .zip(c.features)
                            .filter(|(_, v)| *v != 0.0)
                            .map(|(n, v)| (n.clone(), v.into()))
                            .collect();
                        serde_json::json!({ "kind": c.kind.name(), "features": features })
                    })
                    .collect();
                let line = serde_json::json!({ "source": source, "candidates": candidates });
                let _ = writeln!(out, "{line}");
            });
        }
    }
    Ok(())
}

fn bench_extract(file: &Path) -> Result<()> {
    let extractor = Extractor::new();
    let mut articles = Vec::new();
    let mut bytes = 0usize;
    ingest::read_file(file, usize::MAX, &mut |(_, r)| {
        if let Ok(raw) = r
            && let Ok(a) = ingest::validate(raw, Limits::default(), chrono::NaiveDate::MAX)
        {
            bytes += a.title.len() + a.body.len();
            articles.push(a);
        }
    });
    if articles.is_empty() {
        bail!("no articles in {}", file.display());
    }
    let started = Instant::now();
    let mut events = 0usize;
    for article in &articles {
        let facts = crate::service::extract_article(&extractor, article);
        events += 1 + facts.mentioned_events.len();
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "extracted {} articles ({:.1} MB) in {secs:.2}s on one core: {:.0} articles/s, {:.1} MB/s, {events} events",
        articles.len(),
        bytes as f64 / 1e6,
        articles.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
