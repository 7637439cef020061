//! Acknowledged articles survive a restart and a `kill -9` in the middle of ingestion.

use crate::support::{Server, ServerOptions, TOKEN, TempDir};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

const INGEST: &str =
    "mutation($input: ArticleInput!) { ingestArticle(input: $input) { article { id } } }";

fn article_text(i: usize) -> String {
    format!(
        " date 2025-02-{:02} Тоқаев кездесу өткізді {i}\nМемлекет басшысы Қасым-Жомарт Тоқаев Астанада елшімен кездесті. Нөмір {i}.",
        1 + i % 27
    )
}

fn stored_ids(server: &Server) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let r = server.graphql(
            "query($after: String) { articles(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { id } } }",
            json!({ "after": after }),
        );
        let page = &r["data"]["articles"];
        for node in page["nodes"].as_array().into_iter().flatten() {
            ids.insert(node["id"].as_str().unwrap_or("").to_string());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            return ids;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
}

#[test]
fn restart_keeps_every_article() {
    let data = TempDir::new("restart");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    for i in 0..10 {
        let r = server.graphql_authed(
            INGEST,
            json!({ "input": { "source": format!("s{i}"), "text": article_text(i) } }),
        );
        assert!(r["errors"].is_null(), "{r}");
    }
    let before = stored_ids(&server);
    let events_before = server.graphql("{ stats { events entities } }", json!({}));
    server.kill();
    let again = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    assert_eq!(stored_ids(&again), before);
    assert_eq!(
        again.graphql("{ stats { events entities } }", json!({})),
        events_before,
        "the rebuilt graph is the same"
    );
}

#[test]
fn kill_9_mid_ingest_loses_no_acknowledged_article() {
    let data = TempDir::new("kill9");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let addr = server.addr.clone();
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let acknowledged = acknowledged.clone();
            let addr = addr.clone();
            std::thread::spawn(move || {
                for i in 0..10_000 {
                    let n = w * 100_000 + i;
                    let body = json!({ "query": INGEST, "variables": { "input": { "source": format!("k{n}"), "text": article_text(n) } } }).to_string();
                    let auth = format!("Bearer {TOKEN}");
                    let Ok((200, response)) = crate::support::http(
                        &addr,
                        "POST",
                        "/graphql",
                        &[("content-type", "application/json"), ("authorization", auth.as_str())],
                        &body,
                    ) else {
                        return;
                    };
                    let value: serde_json::Value = serde_json::from_str(&response).unwrap_or_default();
                    match value["data"]["ingestArticle"]["article"]["id"].as_str() {
                        Some(id) => acknowledged.lock().map(|mut a| a.push(id.to_string())).unwrap_or(()),
                        None => return,
                    }
                }
            })
        })
        .collect();
    // Let the writers get going, then kill the server without warning.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acknowledged.lock().map(|a| a.len()).unwrap_or(0) < 40
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    server.kill();
    for w in writers {
        let _ = w.join();
    }
    let acked: Vec<String> = acknowledged.lock().map(|a| a.clone()).unwrap_or_default();
    assert!(
        acked.len() >= 40,
        "only {} writes were acknowledged",
        acked.len()
    );
    let again = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    let stored = stored_ids(&again);
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged articles lost after kill -9: {lost:?}",
        lost.len()
    );
    // The store still takes writes.
    let r = again.graphql_authed(
        INGEST,
        json!({ "input": { "source": "after", "text": article_text(999_999) } }),
    );
    assert!(r["errors"].is_null(), "{r}");
}

/// The sorted ids of every event and the number of articles, from the CLI on `data`.
fn graph_summary(data: &std::path::Path) -> (Vec<String>, i64) {
    let (ok, out, err) = crate::support::cli(&[
        "query",
        "--data",
        data.to_str().unwrap(),
        "{ events(first: 100) { totalCount nodes { id } } articles { totalCount } }",
    ]);
    assert!(ok, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let mut ids: Vec<String> = r["data"]["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["id"].as_str().unwrap_or("").to_string())
        .collect();
    ids.sort();
    (
        ids,
        r["data"]["articles"]["totalCount"].as_i64().unwrap_or(-1),
    )
}

#[test]
fn a_snapshot_behind_a_bulk_ingest_is_caught_up_not_rebuilt() {
    let data = TempDir::new("catch-up");
    let inbox = TempDir::new("catch-up-inbox");
    let seeds = crate::support::seeds_dir();
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&seeds)
        .expect("seeds")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let (first, later) = files.split_at(2);
    let ingest = |batch: &[std::path::PathBuf]| {
        for file in batch {
            std::fs::copy(file, inbox.path().join(file.file_name().expect("name"))).expect("copy");
        }
        let (ok, _, err) = crate::support::cli(&[
            "ingest",
            "--data",
            data.path().to_str().unwrap(),
            inbox.path().to_str().unwrap(),
        ]);
        assert!(ok, "{err}");
    };
    ingest(first);
    // The first start rebuilds and saves the snapshot.
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    assert!(server.logged("graph snapshot saved"));
    server.kill();
    ingest(later);
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    assert!(
        server.logged("caught up with the rows appended since"),
        "{:?}",
        server.log.lock().map(|l| l.clone()).unwrap_or_default()
    );
    assert!(!server.logged("graph rebuilt from the store"));
    server.kill();
    // The same graph as a rebuild from scratch (a copy of the store without the snapshot).
    let copy = TempDir::new("catch-up-copy");
    copy_store(data.path(), copy.path());
    let caught_up = graph_summary(data.path());
    let rebuilt = graph_summary(copy.path());
    assert_eq!(caught_up, rebuilt);
    assert_eq!(caught_up.1, files.len() as i64);
}

/// Copies a SQLite store's files (not its snapshot) from one data folder to another.
fn copy_store(from: &std::path::Path, to: &std::path::Path) {
    for file in ["eventgraph.db", "eventgraph.db-wal"] {
        let source = from.join(file);
        if source.exists() {
            std::fs::copy(&source, to.join(file)).expect("copy the store");
        }
    }
}

fn ingest_text(data: &std::path::Path, name: &str, text: &str) {
    let inbox = TempDir::new("foreign-inbox");
    std::fs::write(inbox.path().join(name), text).expect("article");
    let (ok, _, err) = crate::support::cli(&[
        "ingest",
        "--data",
        data.to_str().unwrap(),
        inbox.path().to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
}

#[test]
fn a_snapshot_copied_from_another_store_is_not_served() {
    let a = TempDir::new("foreign-a");
    let b = TempDir::new("foreign-b");
    ingest_text(a.path(), "common.txt", &article_text(1));
    // B starts as a copy of A: the same identity and the same rows.
    copy_store(a.path(), b.path());
    // Each takes a different article: the same count and last sequence number.
    ingest_text(a.path(), "only-a.txt", &article_text(2));
    ingest_text(b.path(), "only-b.txt", &article_text(3));
    // A's graph is saved as its snapshot, then copied into B.
    let from_a = graph_summary(a.path());
    let (served_by_b, rebuilt_b) = served_with_snapshot_of(a.path(), b.path());
    assert_ne!(from_a, rebuilt_b, "the two stores hold different articles");
    assert_eq!(served_by_b, rebuilt_b, "B serves its own articles, not A's");
    // The same when B has grown since (A's snapshot would otherwise look like B's past).
    ingest_text(b.path(), "later-b.txt", &article_text(4));
    let (served_by_b, rebuilt_b) = served_with_snapshot_of(a.path(), b.path());
    assert_eq!(served_by_b, rebuilt_b);
}

/// Copies `from`'s snapshot into `to`, then gives what `to` serves and what a copy of its
/// store without any snapshot rebuilds.
fn served_with_snapshot_of(
    from: &std::path::Path,
    to: &std::path::Path,
) -> ((Vec<String>, i64), (Vec<String>, i64)) {
    std::fs::copy(from.join("graph.snapshot"), to.join("graph.snapshot"))
        .expect("the snapshot saved and copied");
    let served = graph_summary(to);
    let fresh = TempDir::new("foreign-fresh");
    copy_store(to, fresh.path());
    (served, graph_summary(fresh.path()))
}

#[test]
fn a_damaged_snapshot_is_rebuilt_not_decoded() {
    let data = TempDir::new("damaged-snapshot");
    ingest_text(data.path(), "one.txt", &article_text(1));
    ingest_text(data.path(), "two.txt", &article_text(2));
    let expected = graph_summary(data.path());
    let path = data.path().join("graph.snapshot");
    let good = std::fs::read(&path).expect("snapshot saved");
    // A flipped byte in a length prefix near the start, random bytes, and a flip deep in
    // the graph: each start rebuilds the same graph (no crash, no runaway allocation).
    let mut flipped = good.clone();
    flipped[8] ^= 0xff;
    let mut deep = good.clone();
    let middle = deep.len() / 2;
    deep[middle] ^= 0x10;
    let noise: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for damaged in [flipped, deep, noise] {
        std::fs::write(&path, &damaged).expect("written");
        assert_eq!(graph_summary(data.path()), expected);
    }
}
