//! Replicas over PostgreSQL: the store contract on both stores, a write through one replica
//! served and announced by another, identical answers, and a `kill -9` of a writer.
//!
//! Needs a PostgreSQL server: `EVENTGRAPH_TEST_POSTGRES=postgres://USER@HOST:PORT/DATABASE`
//! (`.ci/run` starts a throw-away cluster with `scripts/pg_throwaway.sh` and sets it). Each
//! test works in a database of its own, dropped at the end. Missing, the tests fail under
//! `CI=true` and say they did not run otherwise.

use crate::subscriptions::{connect, next_payload, runtime};
use crate::support::{Server, ServerOptions, TOKEN, TempDir};
use eventgraph::ingest::Article;
use eventgraph::model::{ArticleId, Language};
use eventgraph::store::{ArticleStore, Deletion, LogEntry, StoreLocation};
use futures_util::SinkExt;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// The test server's URL, or `None` (outside CI) when none is configured.
fn postgres_url() -> Option<String> {
    match std::env::var("EVENTGRAPH_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL is required under CI=true: set EVENTGRAPH_TEST_POSTGRES (scripts/pg_throwaway.sh starts a throw-away cluster)"
            );
            eprintln!("NOT RUN: EVENTGRAPH_TEST_POSTGRES is not set; the replica test did not run");
            None
        }
    }
}

/// A database of its own on the test server, dropped when the value goes.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn new(label: &str) -> Option<Database> {
        let admin = postgres_url()?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("eg_{label}_{}_{nanos}", std::process::id());
        let url = crate::support::postgres_database(&admin, &name);
        Some(Database { admin, name, url })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn article(n: usize) -> Article {
    Article {
        id: ArticleId(format!("article-{n}")),
        source: format!("source-{n}.txt"),
        title: format!("Title {n}"),
        body: format!("Body {n}: Kassym-Jomart Tokayev met the delegation."),
        published_on: chrono::NaiveDate::from_ymd_opt(2025, 3, 1 + (n % 28) as u32),
        language: Some(Language::En),
        url: Some(format!("https://example.org/{n}")),
        outlet: Some("Example".into()),
    }
}

fn log_of(store: &mut dyn ArticleStore) -> Vec<LogEntry> {
    let mut entries = Vec::new();
    let unreadable = store
        .read_log(0, None, &mut |entry| entries.push(entry))
        .expect("read");
    assert!(unreadable.is_empty());
    entries
}

/// The store contract, run on each store the same way.
fn exercise(location: &StoreLocation, logs_deletions: bool) {
    let mut store = eventgraph::store::open(location).expect("open");
    assert!(!store.describe().contains("secret"));
    let (a0, a1, a2) = (article(0), article(1), article(2));
    let first = store
        .insert_batch(&[(&a0, Some(("{}", "v1"))), (&a1, None)])
        .expect("insert");
    let (s0, s1) = (first[0].expect("new"), first[1].expect("new"));
    assert!(s0 < s1, "sequence numbers follow the batch order");
    // A duplicate content id is not stored twice; a new one follows the log.
    let second = store
        .insert_batch(&[(&a1, None), (&a2, None)])
        .expect("insert");
    assert_eq!(second[0], None, "duplicate");
    let s2 = second[1].expect("new");
    assert!(s2 > s1);
    assert_eq!(store.generation().expect("generation"), (3, s2));
    assert_eq!(store.last_seq().expect("last"), s2);
    assert_eq!(store.count_after(s0).expect("count"), 2);
    // Reads see the log in order, through a second connection too.
    let mut reader = store.reader().expect("reader");
    // One identity per store, the same through every connection.
    let identity = store.identity().expect("identity");
    assert!(identity.len() >= 16, "{identity}");
    assert_eq!(reader.identity().expect("identity"), identity);
    assert_eq!(store.identity().expect("identity"), identity, "made once");
    let seqs: Vec<i64> = log_of(reader.as_mut()).iter().map(LogEntry::seq).collect();
    assert_eq!(seqs, vec![s0, s1, s2]);
    let mut between = Vec::new();
    reader
        .read_log(s0, Some(s2), &mut |e| between.push(e.seq()))
        .expect("read");
    assert_eq!(between, vec![s1], "bounds are exclusive");
    match &log_of(reader.as_mut())[0] {
        LogEntry::Added(stored) => {
            assert_eq!(stored.article.body, a0.body);
            assert_eq!(stored.article.published_on, a0.published_on);
            assert_eq!(stored.article.language, Some(Language::En));
            assert_eq!(stored.facts, Some(("{}".to_string(), "v1".to_string())));
        }
        other => panic!("expected an article, got {other:?}"),
    }
    assert_eq!(reader.body(&a2.id).expect("body"), Some(a2.body.clone()));
    let origin = reader.origin(&a2.id).expect("origin").expect("stored");
    assert_eq!(origin.url.as_deref(), Some("https://example.org/2"));
    assert_eq!(reader.body(&ArticleId("nope".into())).expect("body"), None);
    // Facts are replaced in place.
    store
        .update_facts(&[(a1.id.clone(), "{\"x\":1}".into())], "v2")
        .expect("update");
    let refreshed = log_of(reader.as_mut()).into_iter().find_map(|e| match e {
        LogEntry::Added(s) if s.article.id == a1.id => s.facts,
        _ => None,
    });
    assert_eq!(refreshed, Some(("{\"x\":1}".into(), "v2".into())));
    // Deletion.
    let deletion = store.delete(&a0.id).expect("delete");
    assert_eq!(store.delete(&a0.id).expect("delete"), Deletion::NotStored);
    let entries = log_of(reader.as_mut());
    if logs_deletions {
        let Deletion::Logged(at) = deletion else {
            panic!("a shared store logs deletions, got {deletion:?}");
        };
        assert!(at > s2);
        assert!(
            matches!(entries.last(), Some(LogEntry::Deleted { seq, id }) if *seq == at && id == &a0.id)
        );
        assert_eq!(store.last_seq().expect("last"), at);
    } else {
        assert_eq!(deletion, Deletion::Unlogged);
        assert_eq!(entries.len(), 2);
    }
    assert_eq!(store.generation().expect("generation").0, 2);
}

#[test]
fn the_store_contract_holds_on_sqlite_and_on_postgres() {
    let data = TempDir::new("store-contract");
    exercise(&StoreLocation::Sqlite(data.path().to_path_buf()), false);
    let Some(database) = Database::new("contract") else {
        return;
    };
    exercise(&database.url.parse().expect("url"), true);
    // Opening again (a second replica) finds the schema and format in place.
    let mut again = eventgraph::store::open(&database.url.parse().expect("url")).expect("open");
    assert_eq!(again.generation().expect("generation").0, 2);
    // Two stores are told apart by their identities.
    let mut sqlite =
        eventgraph::store::open(&StoreLocation::Sqlite(data.path().to_path_buf())).expect("open");
    assert_ne!(
        sqlite.identity().expect("identity"),
        again.identity().expect("identity")
    );
}

fn replica<'a>(data: &'a TempDir, url: &'a str) -> Server {
    Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec!["--store", url],
    })
}

/// Queries whose answers must be the same on every replica (ids included).
const SAME_EVERYWHERE: &[&str] = &[
    "{ events(first: 100) { totalCount nodes { id kind date status title participants { id } articles { id } } } }",
    "{ entities(first: 100) { totalCount nodes { id kind name } } }",
    "{ articles(first: 100) { totalCount nodes { id title source } } }",
    "{ timelineItems(first: 100) { totalCount nodes { id } } }",
];

fn answers(server: &Server) -> Vec<Value> {
    SAME_EVERYWHERE
        .iter()
        .map(|query| {
            let answer = server.graphql(query, json!({}));
            assert!(answer.get("errors").is_none(), "{query}: {answer}");
            answer
        })
        .collect()
}

fn ingest_text(n: usize) -> String {
    let day = 1 + n % 27;
    format!(
        " date 2025-04-{day:02} Tokayev met envoy {n}\nAstana, {day} April 2025. President Kassym-Jomart Tokayev met the Ambassador of Japan in Akorda; meeting number {n} discussed trade, transit and energy."
    )
}

fn post_ingest(addr: &str, n: usize) -> std::io::Result<Value> {
    let body = json!({
        "query": "mutation($i: ArticleInput!) { ingestArticle(input: $i) { article { id } duplicate } }",
        "variables": { "i": { "source": format!("replica-{n}.txt"), "text": ingest_text(n) } }
    })
    .to_string();
    let auth = format!("Bearer {TOKEN}");
    let (_, body) = crate::support::http(
        addr,
        "POST",
        "/graphql",
        &[
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
        ],
        &body,
    )?;
    serde_json::from_str(&body).map_err(std::io::Error::other)
}

fn has_article(server: &Server, id: &str) -> bool {
    let found = server.graphql(
        "query($id: ID!) { node(id: $id) { id } }",
        json!({ "id": id }),
    );
    found["data"]["node"]["id"] == id
}

#[test]
fn a_write_through_one_replica_is_served_and_announced_by_another() {
    let Some(database) = Database::new("replicas") else {
        return;
    };
    let (data_a, data_b) = (TempDir::new("replica-a"), TempDir::new("replica-b"));
    let a = replica(&data_a, &database.url);
    let b = replica(&data_b, &database.url);
    runtime().block_on(async {
        let mut ws = connect(&b.addr).await;
        ws.send(Message::text(
            json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { eventAdded { id } }" } })
                .to_string(),
        ))
        .await
        .expect("subscribe");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let addr = a.addr.clone();
        let written = Instant::now();
        let answer = tokio::task::spawn_blocking(move || post_ingest(&addr, 1))
            .await
            .expect("post")
            .expect("http");
        let id = answer["data"]["ingestArticle"]["article"]["id"]
            .as_str()
            .expect("an id")
            .to_string();
        let added = next_payload(&mut ws).await;
        let lag = written.elapsed();
        assert!(
            lag < Duration::from_secs(2),
            "B announced A's write after {lag:?}"
        );
        let event = added["data"]["eventAdded"]["id"].as_str().expect("event id");
        assert!(event.starts_with("Event:"), "{added}");
        assert!(has_article(&b, &id), "B serves the article written through A");
    });
    // Writes through both replicas, and a deletion through B.
    for n in 2..8 {
        let through = if n % 2 == 0 { &a } else { &b };
        post_ingest(&through.addr, n).expect("post");
    }
    let doomed = post_ingest(&a.addr, 8).expect("post")["data"]["ingestArticle"]["article"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let deleted = b.graphql_authed(
        "mutation($id: ID!) { deleteArticle(id: $id) { removedEvents } }",
        json!({ "id": doomed }),
    );
    assert!(deleted.get("errors").is_none(), "{deleted}");
    wait_for(
        || !has_article(&a, &doomed),
        "A drops the article deleted through B",
    );
    wait_for(|| answers(&a) == answers(&b), "the replicas answer alike");
    let events = &answers(&a)[0]["data"]["events"]["totalCount"];
    assert!(events.as_u64().unwrap_or(0) >= 7, "{events}");
    let health: Value = serde_json::from_str(
        &crate::support::http(&b.addr, "GET", "/healthz", &[], "")
            .expect("healthz")
            .1,
    )
    .expect("json");
    assert_eq!(health["log"]["lag_entries"], 0, "{health}");
    assert!(
        health["log"]["applied_seq"].as_i64().unwrap_or(0) > 0,
        "{health}"
    );
    assert!(
        !health["store"].as_str().unwrap_or("").is_empty(),
        "{health}"
    );
}

fn wait_for(mut condition: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out: {what}");
}

#[test]
fn killing_a_writer_loses_no_acknowledged_article_and_the_other_keeps_serving() {
    let Some(database) = Database::new("kill") else {
        return;
    };
    let (data_a, data_b) = (TempDir::new("kill-a"), TempDir::new("kill-b"));
    let a = replica(&data_a, &database.url);
    let b = replica(&data_b, &database.url);
    let acked_a = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let acked_b = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writer = |addr: String,
                  from: usize,
                  to: usize,
                  acknowledged: &std::sync::Arc<std::sync::Mutex<Vec<String>>>| {
        let acknowledged = acknowledged.clone();
        std::thread::spawn(move || {
            for n in from..to {
                // After A is killed its writes fail: they were never acknowledged.
                let Ok(answer) = post_ingest(&addr, n) else {
                    break;
                };
                if let Some(id) = answer["data"]["ingestArticle"]["article"]["id"].as_str() {
                    acknowledged.lock().expect("lock").push(id.to_string());
                }
            }
        })
    };
    let through_a = writer(a.addr.clone(), 100, 400, &acked_a);
    let through_b = writer(b.addr.clone(), 1000, 1060, &acked_b);
    // B is read throughout.
    let reads_failed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (addr, failed, stop) = (b.addr.clone(), reads_failed.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut reads = 0;
            while !stop.load(std::sync::atomic::Ordering::Acquire) {
                let ok = crate::support::http(
                    &addr,
                    "POST",
                    "/graphql",
                    &[("content-type", "application/json")],
                    r#"{"query":"{ events(first: 5) { totalCount } }"}"#,
                )
                .is_ok_and(|(status, body)| status == 200 && body.contains("totalCount"));
                if !ok {
                    failed.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
                }
                reads += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            reads
        })
    };
    wait_for(
        || acked_a.lock().expect("lock").len() >= 20,
        "writes through A acknowledged before the kill",
    );
    a.kill(); // SIGKILL, mid-write
    through_a.join().expect("writer A");
    through_b.join().expect("writer B");
    stop.store(true, std::sync::atomic::Ordering::Release);
    let reads = reader.join().expect("reader");
    assert!(reads > 10, "B was read {reads} times");
    assert_eq!(
        reads_failed.load(std::sync::atomic::Ordering::Acquire),
        0,
        "B kept serving while A died"
    );
    let a = replica(&data_a, &database.url);
    let mut acknowledged = acked_a.lock().expect("lock").clone();
    assert!(
        acknowledged.len() >= 20 && acknowledged.len() < 300,
        "A was killed mid-way"
    );
    acknowledged.extend(acked_b.lock().expect("lock").iter().cloned());
    // Propagation takes milliseconds: allow it, then every acknowledged article is there.
    for (replica, name) in [(&b, "B"), (&a, "the restarted A")] {
        let deadline = Instant::now() + Duration::from_secs(10);
        let missing = loop {
            let missing: Vec<&String> = acknowledged
                .iter()
                .filter(|id| !has_article(replica, id))
                .collect();
            if missing.is_empty() || Instant::now() > deadline {
                break missing;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(missing.is_empty(), "{name} lacks acknowledged {missing:?}");
    }
    wait_for(
        || answers(&a) == answers(&b),
        "the restarted replica answers like the other",
    );
}

#[test]
fn a_store_password_never_reaches_errors_or_logs() {
    let data = TempDir::new("password");
    let data = data.path().to_str().expect("utf-8");
    for store in [
        // Nothing listens on port 1: the connection is refused.
        "postgres://reader:sekrit-pw@127.0.0.1:1/news",
        "postgresql://127.0.0.1:1/news?user=reader&password=sekrit-pw",
        "mysql://reader:sekrit-pw@127.0.0.1/news",
    ] {
        let (ok, out, err) = crate::support::cli(&["check", "--data", data, "--store", store]);
        assert!(!ok, "{store}: {out}");
        assert!(!err.contains("sekrit") && !out.contains("sekrit"), "{err}");
        assert!(
            err.contains("PostgreSQL") || err.contains("expected sqlite:FOLDER"),
            "says why: {err}"
        );
    }
}
