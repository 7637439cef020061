//! Hostile input (issue: no panic, no lost or shifted article): an article that used to make
//! extraction panic stays its own error, read queries with reversed ranges or foreign cursors
//! get a coded refusal, and the server keeps answering.

use crate::support::{Server, ServerOptions, TOKEN, TempDir, error_codes, http};
use serde_json::json;

const INGEST_MANY: &str = "mutation($inputs: [ArticleInput!]!) { ingestArticles(inputs: $inputs) { source duplicate error code article { id source } } }";

fn good(n: usize) -> serde_json::Value {
    json!({
        "source": format!("good{n}"),
        "text": format!(" date 2025-03-{:02} Тоқаев кездесу өткізді {n}\nМемлекет басшысы Астанада кездесу өткізді, нөмірі {n}.", n + 1),
    })
}

#[test]
fn an_article_without_words_is_its_own_error_and_shifts_no_neighbour() {
    let data = TempDir::new("hostile-batch");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    let bad_texts = ["Тоқаев кездесті\n🎉", "Title\n!!!", "Title\n\u{200b}"];
    let mut inputs = vec![good(0), good(1)];
    inputs.extend(
        bad_texts
            .iter()
            .enumerate()
            .map(|(i, t)| json!({ "source": format!("bad{i}"), "text": t })),
    );
    inputs.extend([good(2), good(3)]);
    let r = server.graphql_authed(INGEST_MANY, json!({ "inputs": inputs }));
    let results = r["data"]["ingestArticles"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), inputs.len(), "one result per input: {r}");
    for (input, result) in inputs.iter().zip(&results) {
        let source = input["source"].as_str().unwrap_or_default();
        assert_eq!(result["source"], source, "{r}");
        if source.starts_with("good") {
            assert_eq!(
                result["article"]["source"], source,
                "answered with its own article: {r}"
            );
            assert!(result["error"].is_null(), "{r}");
        } else {
            assert_eq!(result["code"], "BAD_USER_INPUT", "{r}");
            assert!(
                result["error"].as_str().unwrap_or("").contains("no words"),
                "{r}"
            );
        }
    }
    let stored = server.graphql(
        "{ articles(first: 50) { totalCount nodes { source } } }",
        json!({}),
    );
    assert_eq!(stored["data"]["articles"]["totalCount"], 4, "{stored}");
}

#[test]
fn reversed_ranges_and_foreign_cursors_are_refused_not_panics() {
    let data = TempDir::new("hostile-ranges");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: Some(&crate::support::seeds_dir()),
        token: None,
        extra: vec![],
    });
    let refused = [
        r#"{ events(from: "2025-01-01", to: "2020-01-01") { totalCount } }"#,
        r#"{ timeline(from: "2025-01-01", to: "2020-01-01") { count } }"#,
        r#"{ timelineItems(from: "2025-01-01", to: "2020-01-01") { id } }"#,
        r#"{ node(id: "Entity:country/kz") { ... on Entity { events(from: "2025-01-01", to: "2020-01-01") { totalCount } } } }"#,
        r#"{ events(after: "not-a-cursor") { totalCount } }"#,
        r#"{ events(from: "-262143-01-01") { totalCount } }"#,
        r#"{ events(from: "1200-01-01") { totalCount } }"#,
    ];
    for query in refused {
        let r = server.graphql(query, json!({}));
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{query}: {r}");
    }
    // Cursors outside the filtered range are answered (an empty page where nothing lies past
    // them), in both orders.
    let outside = [
        (
            r#"{ events(from: "2025-01-01", after: "e0.0") { totalCount nodes { id } } }"#,
            true,
        ),
        (r#"{ events(after: "e-5.0") { nodes { id } } }"#, false),
        (
            r#"{ events(to: "2020-01-01", order: OLDEST_FIRST, after: "e999999.0") { nodes { id } } }"#,
            true,
        ),
        (
            r#"{ events(from: "2025-01-01", order: NEWEST_FIRST, after: "e1.0") { nodes { id } } }"#,
            true,
        ),
    ];
    for (query, empty) in outside {
        let r = server.graphql(query, json!({}));
        assert!(r["errors"].is_null(), "{query}: {r}");
        assert!(r["data"]["events"]["nodes"].is_array(), "{query}: {r}");
        if empty {
            assert_eq!(r["data"]["events"]["nodes"], json!([]), "{query}: {r}");
        }
    }
    let (status, _) = http(&server.addr, "GET", "/healthz", &[], "").expect("healthz");
    assert_eq!(status, 200, "the server still answers");
}
