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
    for file in ["eventgraph.db", "eventgraph.db-wal"] {
        let from = data.path().join(file);
        if from.exists() {
            std::fs::copy(&from, copy.path().join(file)).expect("copy the store");
        }
    }
    let caught_up = graph_summary(data.path());
    let rebuilt = graph_summary(copy.path());
    assert_eq!(caught_up, rebuilt);
    assert_eq!(caught_up.1, files.len() as i64);
}
