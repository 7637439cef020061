//! The GraphQL surface over real HTTP: contract queries, navigation, filters, timeline,
//! exploration, writes with and without a token, and every limit refused with a code.

use crate::support::{Server, ServerOptions, TOKEN, TempDir, error_codes, http, seeds_dir};
use serde_json::{Value, json};
use std::sync::OnceLock;

/// One seeded server shared by the read-only tests of this module.
pub(crate) fn seeded() -> &'static Server {
    static SERVER: OnceLock<(Server, TempDir)> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let data = TempDir::new("api");
            let seeds = seeds_dir();
            let server = Server::start(ServerOptions {
                data: data.path(),
                seeds: Some(&seeds),
                token: Some(TOKEN),
                extra: vec![],
            });
            (server, data)
        })
        .0
}

fn data(response: &Value) -> &Value {
    assert!(
        response["errors"].is_null(),
        "unexpected errors: {response}"
    );
    &response["data"]
}

#[test]
fn contract_events_query() {
    let r = seeded().graphql(
        "{ events(first: 10) { totalCount nodes { title date kind datePrecision status articles { source language } } } }",
        json!({}),
    );
    let events = &data(&r)["events"];
    assert!(events["totalCount"].as_i64().unwrap_or(0) >= 5, "{events}");
    let nodes = events["nodes"].as_array().cloned().unwrap_or_default();
    assert!(
        nodes
            .iter()
            .any(|e| e["kind"] == "INTERVIEW" && e["articles"].as_array().map(Vec::len) == Some(2))
    );
    // Newest first; undated events last.
    let dates: Vec<&str> = nodes.iter().filter_map(|e| e["date"].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
}

#[test]
fn contract_articles_entities_node_and_pagination() {
    let server = seeded();
    let r = server.graphql("{ articles(first: 2) { totalCount pageInfo { hasNextPage endCursor } nodes { id source } } }", json!({}));
    let page = &data(&r)["articles"];
    assert_eq!(page["totalCount"], 5);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let after = page["pageInfo"]["endCursor"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let r2 = server.graphql(
        "query($after: String) { articles(first: 10, after: $after) { pageInfo { hasNextPage hasPreviousPage } nodes { id } } }",
        json!({ "after": after }),
    );
    let next = &data(&r2)["articles"];
    assert_eq!(next["nodes"].as_array().map(Vec::len), Some(3));
    assert_eq!(next["pageInfo"]["hasNextPage"], false);
    assert_eq!(next["pageInfo"]["hasPreviousPage"], true);

    let id = page["nodes"][0]["id"].as_str().unwrap_or("").to_string();
    let r3 = server.graphql(
        "query($id: ID!) { node(id: $id) { id ... on Article { source mainEvent { id } } } }",
        json!({ "id": id }),
    );
    assert_eq!(data(&r3)["node"]["id"], id.as_str());
}

#[test]
fn entity_search_across_languages_and_inflections() {
    let server = seeded();
    let mut ids = Vec::new();
    for search in ["Ресей", "России", "Russia"] {
        let r = server.graphql(
            "query($s: String) { entities(kind: COUNTRY, search: $s, first: 5) { totalCount nodes { id name } } }",
            json!({ "s": search }),
        );
        let first = data(&r)["entities"]["nodes"][0].clone();
        assert_eq!(first["name"], "Russia", "search {search}");
        ids.push(first["id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn navigation_timeline_related_path_neighborhood() {
    let server = seeded();
    let tokayev = "Entity:person/kassym-jomart-tokayev";
    let r = server.graphql(
        "query($id: ID!) { node(id: $id) { ... on Entity { name leaderOf { name }
            events(first: 3, order: OLDEST_FIRST) { totalCount nodes { date } }
            related(first: 5) { weight entity { name kind } } } } }",
        json!({ "id": tokayev }),
    );
    let entity = &data(&r)["node"];
    assert_eq!(entity["name"], "Kassym-Jomart Tokayev");
    assert!(
        entity["leaderOf"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["name"] == "Kazakhstan")
    );
    assert!(entity["events"]["totalCount"].as_i64().unwrap_or(0) >= 4);
    assert!(entity["related"][0]["weight"].as_i64().unwrap_or(0) >= 1);

    let t = server.graphql(
        "query($id: ID) { timeline(entity: $id, granularity: YEAR) { start end count events(first: 1) { id } } }",
        json!({ "id": tokayev }),
    );
    let buckets = data(&t)["timeline"].as_array().cloned().unwrap_or_default();
    assert!(
        buckets
            .iter()
            .any(|b| b["start"] == "2025-01-01" && b["end"] == "2025-12-31"),
        "{buckets:?}"
    );

    let p = server.graphql(
        "query($a: ID!, $b: ID!) { path(from: $a, to: $b) { length nodes { id } } }",
        json!({ "a": tokayev, "b": "Entity:person/vladimir-putin" }),
    );
    assert_eq!(data(&p)["path"]["length"], 2, "{p}");

    let n = server.graphql(
        "query($id: ID!) { neighborhood(id: $id, depth: 2, first: 5) { nodes { id } edges { from to kind } } }",
        json!({ "id": tokayev }),
    );
    assert!(
        data(&n)["neighborhood"]["edges"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0)
            >= 5
    );
}

#[test]
fn evidence_explains_links() {
    let r = seeded().graphql(
        "{ articles(first: 1) { nodes { links { kind node { id } evidence { text article { source } } } } } }",
        json!({}),
    );
    let links = data(&r)["articles"]["nodes"][0]["links"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        links.iter().any(|l| l["kind"] == "REPORTS"
            && !l["evidence"][0]["text"].as_str().unwrap_or("").is_empty())
    );
    assert!(links.iter().any(|l| l["kind"] == "NAMES"));
}

#[test]
fn limits_are_refused_with_codes() {
    let server = seeded();
    let big = server.graphql("{ events(first: 1000) { totalCount } }", json!({}));
    assert_eq!(error_codes(&big), ["LIMIT_EXCEEDED"], "{big}");
    assert!(
        big["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("100")
    );

    let deep = server.graphql(
        "{ events { nodes { articles { mainEvent { articles { mainEvent { articles { mainEvent { articles { mainEvent { articles { mainEvent { id } } } } } } } } } } } } }",
        json!({}),
    );
    // Unpaged lists are charged ten items each, so this deep query is also too complex;
    // either limit refuses it.
    let message = deep["errors"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("nested too deep") || message.contains("too complex"),
        "{deep}"
    );
    assert_eq!(error_codes(&deep), ["LIMIT_EXCEEDED"], "{deep}");

    let complex = server.graphql(
        "{ events(first: 100) { nodes { entities { events(first: 100) { nodes { entities { events(first: 100) { totalCount } } } } } } } }",
        json!({}),
    );
    assert!(
        complex["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("too complex"),
        "{complex}"
    );
    assert_eq!(error_codes(&complex), ["LIMIT_EXCEEDED"], "{complex}");

    let aliases: String = (0..40)
        .map(|i| format!("a{i}: stats {{ articles }} "))
        .collect();
    let many = server.graphql(&format!("{{ {aliases} }}"), json!({}));
    assert_eq!(error_codes(&many), ["LIMIT_EXCEEDED"], "{many}");

    let malformed = server.graphql("{ events(first: ", json!({}));
    assert!(malformed["errors"][0]["message"].is_string(), "{malformed}");
    assert_eq!(
        error_codes(&malformed),
        ["GRAPHQL_PARSE_FAILED"],
        "{malformed}"
    );
    let unknown_field = server.graphql("{ nonsense }", json!({}));
    assert_eq!(
        error_codes(&unknown_field),
        ["GRAPHQL_VALIDATION_FAILED"],
        "{unknown_field}"
    );

    // A body over the limit is refused from its Content-Length, before it is read.
    let (status, body) = http(
        &server.addr,
        "POST",
        "/graphql",
        &[
            ("content-type", "application/json"),
            ("x-declared-length", "3145728"),
        ],
        "{}",
    )
    .unwrap_or((0, String::new()));
    assert_eq!(status, 413);
    assert!(body.contains("LIMIT_EXCEEDED"), "{body}");

    let missing = server.graphql("{ node(id: \"Entity:nope\") { id } path(from: \"Entity:nope\", to: \"Entity:x\") { length } }", json!({}));
    assert_eq!(error_codes(&missing), ["NOT_FOUND"], "{missing}");
}

#[test]
fn http_extras_health_metrics_playground_get() {
    let server = seeded();
    let (status, body) = http(&server.addr, "GET", "/healthz", &[], "").unwrap_or_default();
    assert_eq!(status, 200);
    assert!(body.contains("\"status\":\"ok\""));
    let _ = server.graphql("{ stats { articles } }", json!({}));
    // An export is an expensive read: it takes a permit of the expensive-query gate.
    let (status, _) = http(&server.addr, "GET", "/export/events.csv", &[], "").unwrap_or_default();
    assert_eq!(status, 200);
    let (status, metrics) = http(&server.addr, "GET", "/metrics", &[], "").unwrap_or_default();
    assert_eq!(status, 200);
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("eventgraph_expensive_queries_total") && !l.ends_with(" 0")),
        "the export went through the expensive-query gate:\n{metrics}"
    );
    for name in [
        "eventgraph_requests_total",
        "eventgraph_request_seconds",
        "eventgraph_articles",
        "eventgraph_events",
        "eventgraph_entities",
    ] {
        assert!(metrics.contains(name), "metrics lack {name}");
    }
    let (status, page) = http(
        &server.addr,
        "GET",
        "/graphql",
        &[("accept", "text/html")],
        "",
    )
    .unwrap_or_default();
    assert_eq!(status, 200);
    assert!(page.contains("GraphiQL") && page.contains("events(first: 5)"));
    // The playground works offline: every script and stylesheet comes from this server.
    let assets: Vec<&str> = page
        .split(['"', '\''])
        .filter(|s| s.starts_with("/playground/"))
        .collect();
    assert_eq!(assets.len(), 4, "{page}");
    assert!(
        !page.contains("https://") && !page.contains("http://"),
        "{page}"
    );
    for path in assets {
        let (status, body) = http(&server.addr, "GET", path, &[], "").unwrap_or_default();
        assert_eq!(status, 200, "{path}");
        assert!(body.len() > 10_000, "{path}: {} bytes", body.len());
    }
    let (status, _) = http(&server.addr, "GET", "/playground/nope.js", &[], "").unwrap_or_default();
    assert_eq!(status, 404);
    let (status, body) = http(
        &server.addr,
        "GET",
        "/graphql?query=%7B%20stats%20%7B%20articles%20%7D%20%7D",
        &[],
        "",
    )
    .unwrap_or_default();
    assert_eq!(status, 200);
    assert!(body.contains("\"articles\":5"), "{body}");
}

const INGEST: &str = "mutation($input: ArticleInput!) { ingestArticle(input: $input) { duplicate article { id title publishedOn mainEvent { kind } } } }";

#[test]
fn writes_need_the_token() {
    let data_dir = TempDir::new("writes");
    let input = json!({ "input": { "source": "w1", "text": " date 2025-05-05 Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Ташкентте Шавкат Мирзиёевпен кездесті." } });

    let open = Server::start(ServerOptions {
        data: data_dir.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    let refused = open.graphql(INGEST, input.clone());
    assert_eq!(error_codes(&refused), ["FORBIDDEN"]);
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("--write-token")
    );
    open.kill();

    let locked = Server::start(ServerOptions {
        data: data_dir.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    assert_eq!(
        error_codes(&locked.graphql(INGEST, input.clone())),
        ["UNAUTHENTICATED"]
    );
    assert_eq!(
        error_codes(&locked.graphql_with(
            INGEST,
            input.clone(),
            &[("authorization", "Bearer wrong")]
        )),
        ["UNAUTHENTICATED"]
    );
    let count_query = "{ articles { totalCount } }";
    let before_ingest =
        locked.graphql(count_query, json!({}))["data"]["articles"]["totalCount"].as_i64();
    let ok = locked.graphql_authed(INGEST, input.clone());
    assert_eq!(ok["data"]["ingestArticle"]["duplicate"], false, "{ok}");
    assert_eq!(
        ok["data"]["ingestArticle"]["article"]["mainEvent"]["kind"],
        "MEETING"
    );
    let again = locked.graphql_authed(INGEST, input);
    assert_eq!(again["data"]["ingestArticle"]["duplicate"], true);
    // The same read after a write sees the write (the response cache is invalidated).
    let after_ingest =
        locked.graphql(count_query, json!({}))["data"]["articles"]["totalCount"].as_i64();
    assert_eq!(after_ingest, before_ingest.map(|n| n + 1));

    // Batch: each result separately.
    let batch = locked.graphql_authed(
        "mutation($inputs: [ArticleInput!]!) { ingestArticles(inputs: $inputs) { source duplicate error code article { id } } }",
        json!({ "inputs": [
            { "source": "b1", "text": "Президент провел переговоры\nКасым-Жомарт Токаев провел переговоры с Садыром Жапаровым в Бишкеке.", "publishedOn": "2025-06-01" },
            { "source": "b2", "text": "   " },
        ] }),
    );
    let results = batch["data"]["ingestArticles"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 2, "{batch}");
    assert!(results[0]["article"]["id"].is_string());
    assert_eq!(results[1]["code"], "BAD_USER_INPUT");

    // Delete: the event with no source left disappears, entities stay.
    let id = results[0]["article"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let before = locked.graphql(
        "{ stats { events } entities(search: \"Japarov\") { totalCount } }",
        json!({}),
    );
    let deleted = locked.graphql_authed(
        "mutation($id: ID!) { deleteArticle(id: $id) { removedEvents } }",
        json!({ "id": id }),
    );
    assert_eq!(
        deleted["data"]["deleteArticle"]["removedEvents"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{deleted}"
    );
    let after = locked.graphql(
        "{ stats { events } entities(search: \"Japarov\") { totalCount } }",
        json!({}),
    );
    assert_eq!(
        after["data"]["stats"]["events"].as_i64().unwrap_or(0),
        before["data"]["stats"]["events"].as_i64().unwrap_or(0) - 1
    );
    assert_eq!(
        after["data"]["entities"]["totalCount"],
        before["data"]["entities"]["totalCount"]
    );
    let gone = locked.graphql_authed(
        "mutation($id: ID!) { deleteArticle(id: $id) { removedEvents } }",
        json!({ "id": id }),
    );
    assert_eq!(error_codes(&gone), ["NOT_FOUND"]);
}

#[test]
fn filters_on_events() {
    let server = seeded();
    let r = server.graphql(
        "{ a: events(kind: INTERVIEW) { totalCount } b: events(language: RU) { totalCount nodes { languages } }
           c: events(from: \"2025-10-01\", to: \"2025-10-31\") { nodes { date } }
           d: events(status: PLANNED) { totalCount }
           e: events(entities: [\"Entity:country/ru\", \"Entity:country/uz\"], match: ANY) { totalCount }
           f: events(entities: [\"Entity:country/ru\", \"Entity:country/uz\"], match: ALL) { totalCount }
           g: events(search: \"Тоқаев\") { totalCount } }",
        json!({}),
    );
    let d = data(&r);
    assert_eq!(d["a"]["totalCount"], 1);
    assert!(d["b"]["nodes"].as_array().into_iter().flatten().all(|e| {
        e["languages"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|l| l == "RU")
    }));
    assert!(
        d["c"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["date"].as_str().unwrap_or("").starts_with("2025-10"))
    );
    assert!(d["d"]["totalCount"].as_i64().unwrap_or(0) >= 1);
    assert!(
        d["e"]["totalCount"].as_i64().unwrap_or(0) >= d["f"]["totalCount"].as_i64().unwrap_or(0)
    );
    assert!(d["g"]["totalCount"].as_i64().unwrap_or(0) >= 1);
}

/// Every query in the README's cookbook runs as written, without errors.
#[test]
fn readme_cookbook_queries_run() {
    let readme = include_str!("../../README.md");
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find("```graphql\n") {
        let after = &rest[start + 11..];
        let end = after.find("```").unwrap_or(after.len());
        blocks.push(after[..end].to_string());
        rest = &after[end..];
    }
    assert!(
        blocks.len() >= 8,
        "cookbook has {} graphql blocks",
        blocks.len()
    );
    let server = seeded();
    for block in blocks
        .iter()
        .filter(|b| !b.trim_start().starts_with("subscription"))
    {
        let r = server.graphql(block, json!({}));
        assert!(
            r["errors"].is_null(),
            "README query failed:\n{block}\n→ {r}"
        );
    }
}

/// A seeded server that executes every request (no response cache), so repeated requests
/// reach the executor.
fn uncached() -> &'static Server {
    static SERVER: OnceLock<(Server, TempDir)> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let data = TempDir::new("api-uncached");
            let seeds = seeds_dir();
            let server = Server::start(ServerOptions {
                data: data.path(),
                seeds: Some(&seeds),
                token: None,
                extra: vec!["--no-response-cache"],
            });
            (server, data)
        })
        .0
}

/// Lists whose selection is plain fields are built in one pass (api::rows); any other
/// selection goes through async-graphql's own resolution. An inline fragment forces the
/// general path: both must give the same JSON.
#[test]
fn plain_rows_equal_general_resolution() {
    let server = uncached();
    let pairs = [
        (
            "{ events(first: 20, order: OLDEST_FIRST) { nodes { __typename id title kind date endDate datePrecision status label } } }",
            "{ events(first: 20, order: OLDEST_FIRST) { nodes { ... on Event { __typename id title kind date endDate datePrecision status label } } } }",
        ),
        (
            "{ events(first: 20) { nodes { participants { __typename id kind name names eventCount } places { n: name } } } }",
            "{ events(first: 20) { nodes { participants { ... on Entity { __typename id kind name names eventCount } } places { ... on Entity { n: name } } } } }",
        ),
        (
            "{ articles(first: 20) { nodes { __typename id source title language publishedOn } } }",
            "{ articles(first: 20) { nodes { ... on Article { __typename id source title language publishedOn } } } }",
        ),
        (
            "{ entities(first: 50) { nodes { id name kind eventCount } } }",
            "{ entities(first: 50) { nodes { ... on Entity { id name kind eventCount } } } }",
        ),
        // A plain object inside a row (`entity { … }`).
        (
            "{ entities(first: 5) { nodes { related(first: 20) { weight entity { __typename id name e: eventCount } } } } }",
            "{ entities(first: 5) { nodes { related(first: 20) { ... on RelatedEntity { weight entity { __typename id name e: eventCount } } } } } }",
        ),
    ];
    for (plain, general) in pairs {
        let a = server.graphql(plain, json!({}));
        let b = server.graphql(general, json!({}));
        let rows = data(&a).to_string();
        assert!(rows.len() > 200, "too little data to compare: {rows}");
        assert_eq!(data(&a), data(&b), "{plain}");
    }
}

/// An identical request runs the full validation rules once; new variables are validated
/// again, so a bad value or an over-complex page is still refused.
#[test]
fn repeated_requests_keep_validation_and_limits() {
    let server = uncached();
    let query = "query($n: Int, $m: Int) { entities(first: $n) { nodes { name events(first: $m) { nodes { title } } } } }";
    let small = json!({ "n": 2, "m": 2 });
    let first = server.graphql(query, small.clone());
    for _ in 0..3 {
        assert_eq!(server.graphql(query, small.clone()), first);
    }
    let bad = server.graphql(query, json!({ "n": "two", "m": 2 }));
    assert!(bad["data"].is_null(), "{bad}");
    let codes = error_codes(&bad);
    assert!(
        !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
        "{bad}"
    );
    let heavy = json!({ "n": 100, "m": 100 });
    for _ in 0..2 {
        let r = server.graphql(
            "query($n: Int, $m: Int) { entities(first: $n) { nodes { name events(first: $m) { nodes { title kind date label } } } } }",
            heavy.clone(),
        );
        assert_eq!(error_codes(&r), vec!["LIMIT_EXCEEDED"], "{r}");
    }
}

/// The schema query GraphiQL sends on load (graphql-js 16 `getIntrospectionQuery` with
/// descriptions, deprecations and input-value deprecation). It nests deeper than the limit
/// for ordinary queries and must still be answered, or the playground has no docs.
const STANDARD_INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;

#[test]
fn playground_introspection_is_answered_but_deep_queries_are_not() {
    let server = seeded();
    let r = server.graphql(STANDARD_INTROSPECTION, json!({}));
    let types = data(&r)["__schema"]["types"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(types.iter().any(|t| t["name"] == "Event"), "{r}");
    // The ordinary depth limit still holds for data queries.
    let deep = "{ events { nodes { participants { events { nodes { participants { events { nodes { participants { events { nodes { id } } } } } } } } } } } }";
    let r = server.graphql(deep, json!({}));
    assert_eq!(error_codes(&r), vec!["LIMIT_EXCEEDED"], "{r}");
}

#[test]
fn articles_keep_their_url_and_outlet_across_restarts_and_jsonl() {
    let data_dir = TempDir::new("origin");
    let inbox = TempDir::new("origin-inbox");
    std::fs::write(
        inbox.path().join("feed.jsonl"),
        json!({
            "source": "feed-1",
            "text": " date 2025-04-04 Токаев провёл переговоры с Мирзиёевым\nКасым-Жомарт Токаев провёл переговоры с Шавкатом Мирзиёевым в Ташкенте.",
            "url": "https://example.org/news/1",
            "outlet": "Example  News",
        })
        .to_string()
            + "\n",
    )
    .expect("write feed");
    let (ok, _, stderr) = crate::support::cli(&[
        "ingest",
        "--data",
        data_dir.path().to_str().unwrap(),
        inbox.path().to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let server = Server::start(ServerOptions {
        data: data_dir.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    let mutation = "mutation($input: ArticleInput!) { ingestArticle(input: $input) { article { url outlet } } }";
    let given = server.graphql_authed(
        mutation,
        json!({ "input": {
            "source": "m1",
            "text": " date 2025-05-05 Tokayev meets Erdogan\nKassym-Jomart Tokayev met Recep Tayyip Erdogan in Ankara.",
            "url": "https://example.com/a?b=1",
            "outlet": "Example Times",
        } }),
    );
    assert_eq!(
        given["data"]["ingestArticle"]["article"],
        json!({ "url": "https://example.com/a?b=1", "outlet": "Example Times" }),
        "{given}"
    );
    for bad in [
        "javascript:alert(1)",
        "example.com/no-scheme",
        "https://with space.org",
    ] {
        let refused = server.graphql_authed(
            mutation,
            json!({ "input": { "source": "m2", "text": "Tokayev met Erdogan.\nKassym-Jomart Tokayev met Recep Tayyip Erdogan.", "url": bad } }),
        );
        assert_eq!(
            error_codes(&refused),
            ["BAD_USER_INPUT"],
            "{bad}: {refused}"
        );
    }
    server.kill();
    let restarted = Server::start(ServerOptions {
        data: data_dir.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    let r = restarted.graphql("{ articles { nodes { source url outlet } } }", json!({}));
    let mut nodes = r["data"]["articles"]["nodes"]
        .as_array()
        .expect("articles")
        .clone();
    nodes.sort_by_key(|n| n["source"].as_str().unwrap_or("").to_string());
    assert_eq!(
        json!(nodes),
        json!([
            { "source": "feed-1", "url": "https://example.org/news/1", "outlet": "Example News" },
            { "source": "m1", "url": "https://example.com/a?b=1", "outlet": "Example Times" },
        ])
    );
    // Exports credit and link the sources.
    let (status, csv) = crate::support::http(&restarted.addr, "GET", "/export/events.csv", &[], "")
        .expect("export");
    assert_eq!(status, 200);
    assert!(
        csv.contains("https://example.org/news/1") && csv.contains("Example News"),
        "{csv}"
    );
    // Seed-format files have neither.
    let seeds = seeded().graphql("{ articles(first: 5) { nodes { url outlet } } }", json!({}));
    let nodes = data(&seeds)["articles"]["nodes"]
        .as_array()
        .expect("seed articles");
    assert!(!nodes.is_empty());
    assert!(
        nodes
            .iter()
            .all(|n| n["url"].is_null() && n["outlet"].is_null()),
        "{seeds}"
    );
}

#[test]
fn several_kinds_dated_and_precision_filters() {
    let count = |args: &str| {
        let r = seeded().graphql(&format!("{{ events({args}) {{ totalCount }} }}"), json!({}));
        data(&r)["events"]["totalCount"].as_i64().expect("count")
    };
    let (summits, interviews) = (count("kind: SUMMIT"), count("kind: INTERVIEW"));
    assert!(summits > 0 && interviews > 0);
    assert_eq!(count("kinds: [SUMMIT, INTERVIEW]"), summits + interviews);
    assert_eq!(count("kinds: [SUMMIT]"), summits);
    let all = count("first: 1");
    assert_eq!(count("dated: true") + count("dated: false"), all);
    assert!(count("dated: false") > 0, "the seeds have undated events");
    assert!(count("minPrecision: DAY") <= count("minPrecision: YEAR"));
    assert_eq!(count("minPrecision: UNKNOWN"), all);
    let tokayev = r#"entity: "Entity:person/kassym-jomart-tokayev""#;
    let on_entity = seeded().graphql(
        r#"{ node(id: "Entity:person/kassym-jomart-tokayev") { ... on Entity {
            events(kinds: [SUMMIT, INTERVIEW], dated: true) { totalCount } } } }"#,
        json!({}),
    );
    assert_eq!(
        data(&on_entity)["node"]["events"]["totalCount"].as_i64(),
        Some(count(&format!(
            "{tokayev}, kinds: [SUMMIT, INTERVIEW], dated: true"
        )))
    );
    for bad in ["kind: SUMMIT, kinds: [VISIT]", "kinds: []"] {
        let r = seeded().graphql(&format!("{{ events({bad}) {{ totalCount }} }}"), json!({}));
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{bad}: {r}");
    }
}

#[test]
fn event_counts_for_an_entity_and_a_pair_agree_with_the_lists() {
    let tokayev = "Entity:person/kassym-jomart-tokayev";
    let r = seeded().graphql(
        r#"query($e: ID!) {
            all: events(entity: $e) { totalCount }
            withPutin: events(entities: [$e, "Entity:person/vladimir-putin"], match: ALL) { totalCount }
            withRussia: events(entities: [$e, "Entity:country/ru"], match: ALL) { totalCount }
            counts: eventCounts(entity: $e) { total undated byKind { kind count } byMonth { period count }
                                              byYear { period count } byCountry { entity { id } count } }
            pair: eventCounts(entity: $e, with: "Entity:person/vladimir-putin") { total }
        }"#,
        json!({ "e": tokayev }),
    );
    let d = data(&r);
    let counts = &d["counts"];
    let total = counts["total"].as_i64().expect("total");
    assert_eq!(Some(total), d["all"]["totalCount"].as_i64());
    let sum = |list: &Value| -> i64 {
        list.as_array()
            .expect("list")
            .iter()
            .map(|x| x["count"].as_i64().unwrap_or(0))
            .sum()
    };
    assert_eq!(sum(&counts["byKind"]), total);
    assert_eq!(
        sum(&counts["byYear"]) + counts["undated"].as_i64().unwrap_or(0),
        total
    );
    assert!(sum(&counts["byMonth"]) <= sum(&counts["byYear"]));
    let russia = counts["byCountry"]
        .as_array()
        .expect("byCountry")
        .iter()
        .find(|c| c["entity"]["id"] == "Entity:country/ru")
        .expect("Russia among the countries");
    assert_eq!(russia["count"], d["withRussia"]["totalCount"]);
    assert_eq!(d["pair"]["total"], d["withPutin"]["totalCount"]);
    assert!(d["pair"]["total"].as_i64() > Some(0));
}

#[test]
fn headlines_are_built_in_three_languages_from_the_facts() {
    let r = seeded().graphql(
        r#"{ events(first: 100) { nodes { kind title participants { name } en: headline kk: headline(language: KK)
                                          ru: headline(language: RU) enExplicit: headline(language: EN) } } }"#,
        json!({}),
    );
    let nodes = data(&r)["events"]["nodes"]
        .as_array()
        .expect("events")
        .clone();
    assert!(!nodes.is_empty());
    for n in &nodes {
        for language in ["en", "kk", "ru"] {
            let h = n[language].as_str().expect("headline");
            assert!(!h.is_empty() && !h.contains('…'), "{language}: {h:?}");
            assert!(h.chars().count() < 160, "{language}: {h:?}");
        }
        assert_eq!(n["en"], n["enExplicit"]);
    }
    let summit = nodes
        .iter()
        .find(|n| {
            n["kind"] == "SUMMIT"
                && n["participants"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|x| x["name"] == "Vladimir Putin"))
        })
        .expect("the seed summit with Putin");
    assert!(
        summit["en"]
            .as_str()
            .unwrap_or("")
            .starts_with("Summit: Tokayev, Putin"),
        "{summit}"
    );
    assert!(
        summit["ru"]
            .as_str()
            .unwrap_or("")
            .starts_with("Саммит: Токаев, Путин"),
        "{summit}"
    );
    assert!(
        summit["kk"]
            .as_str()
            .unwrap_or("")
            .starts_with("Саммит: Тоқаев, Путин"),
        "{summit}"
    );
    assert!(
        summit["ru"].as_str().unwrap_or("").contains("09.10.2025"),
        "{summit}"
    );
}

#[test]
fn evidence_spans_point_at_the_evidence_in_the_body() {
    let r = seeded().graphql(
        "{ articles(first: 5) { nodes { text links { evidence { text span { start end } } } } } }",
        json!({}),
    );
    let mut checked = 0;
    for article in data(&r)["articles"]["nodes"].as_array().expect("articles") {
        let body: Vec<char> = article["text"].as_str().expect("text").chars().collect();
        for link in article["links"].as_array().expect("links") {
            for ev in link["evidence"].as_array().expect("evidence") {
                let Some(span) = ev["span"].as_object() else {
                    continue;
                };
                let (start, end) = (
                    span["start"].as_u64().expect("start") as usize,
                    span["end"].as_u64().expect("end") as usize,
                );
                let found: String = body[start..end].iter().collect();
                let text = ev["text"]
                    .as_str()
                    .expect("text")
                    .trim_end_matches('…')
                    .trim_end();
                assert_eq!(found, text);
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked} spans checked");
}
