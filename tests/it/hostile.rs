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
        r#"{ timelineItems(from: "2025-01-01", to: "2020-01-01") { totalCount } }"#,
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

/// POSTs a raw body with the given headers; returns (status, parsed JSON body).
fn post_raw(server: &Server, headers: &[(&str, &str)], body: &str) -> (u16, serde_json::Value) {
    let (status, text) = http(&server.addr, "POST", "/graphql", headers, body).expect("http");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("status {status}: the refusal is not JSON: {text}"));
    (status, json)
}

#[test]
fn transport_refusals_are_json_with_a_code() {
    let data = TempDir::new("hostile-transport");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    let json = [("content-type", "application/json")];
    type Headers<'a> = &'a [(&'a str, &'a str)];
    let cases: Vec<(Headers, &str, u16)> = vec![
        (&json, "{\"query\": ", 400),
        (&json, "[{\"query\": \"{ __typename }\"}]", 400),
        (
            &[("content-type", "text/plain")],
            "{\"query\": \"{ __typename }\"}",
            415,
        ),
        (&[], "{\"query\": \"{ __typename }\"}", 415),
    ];
    for (headers, body, want) in cases {
        let (status, r) = post_raw(&server, headers, body);
        assert_eq!(status, want, "{body}: {r}");
        assert_eq!(error_codes(&r), ["BAD_REQUEST"], "{body}: {r}");
    }
    // A missing variable is the caller's mistake, not an internal error.
    let r = server.graphql("query($id: ID!) { node(id: $id) { id } }", json!({}));
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    // The token must match exactly (HTTP itself strips whitespace around a header value).
    let r = server.graphql_with(
        "mutation { deleteArticle(id: \"x\") { removedEvents } }",
        json!({}),
        &[("authorization", "Bearer x-wrong-token")],
    );
    assert_eq!(error_codes(&r), ["UNAUTHENTICATED"], "{r}");
    // A mutation sent with GET is refused with 405 and the method that can carry it, even
    // with the write token; a query with GET is answered.
    let (status, head, body) = crate::support::http_with_head(
        &server.addr,
        "GET",
        "/graphql?query=mutation%7BdeleteArticle(id:%22x%22)%7BremovedEvents%7D%7D",
        &[("authorization", &format!("Bearer {TOKEN}"))],
        "",
    )
    .expect("GET");
    assert_eq!(status, 405, "{body}");
    assert!(head.contains("allow: post"), "{head}");
    assert!(body.contains("POST"), "{body}");
    let (status, body) = http(
        &server.addr,
        "GET",
        "/graphql?query=%7B__typename%7D",
        &[],
        "",
    )
    .expect("GET");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn the_graphql_response_media_type_answers_request_errors_with_400() {
    let data = TempDir::new("hostile-media");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    let spec = [
        ("content-type", "application/json"),
        ("accept", "application/graphql-response+json"),
    ];
    let (status, r) = post_raw(&server, &spec, "{\"query\": \"{ nope \"}");
    assert_eq!(status, 400, "{r}");
    assert!(
        r.get("data").is_none(),
        "no data entry on a request error: {r}"
    );
    let (status, r) = post_raw(&server, &spec, "{\"query\": \"{ __typename }\"}");
    assert_eq!(
        (status, &r["data"]["__typename"]),
        (200, &json!("Query")),
        "{r}"
    );
    // Existing clients (application/json) keep 200 with the errors in the body.
    let (status, _) = post_raw(
        &server,
        &[("content-type", "application/json")],
        "{\"query\": \"{ nope \"}",
    );
    assert_eq!(status, 200);
}

#[test]
fn an_empty_store_file_is_refused_not_started_over() {
    let data = TempDir::new("hostile-empty-store");
    std::fs::write(data.path().join("eventgraph.db"), b"").expect("write");
    let (ok, _, stderr) = crate::support::cli(&[
        "query",
        "--data",
        data.path().to_str().unwrap_or(""),
        "{ stats { articles } }",
    ]);
    assert!(!ok, "an empty store file must be refused");
    assert!(stderr.contains("empty (0 bytes)"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn a_folder_ingest_skips_special_files() {
    let dir = TempDir::new("hostile-fifo");
    let articles = dir.path().join("in");
    std::fs::create_dir_all(&articles).expect("mkdir");
    std::fs::write(
        articles.join("a.txt"),
        " date 2025-01-10 Тоқаев сөз сөйледі\nМемлекет басшысы форумда сөз сөйледі.",
    )
    .expect("write");
    let fifo = articles.join("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let store = dir.path().join("store");
    let (ok, stdout, stderr) = crate::support::cli(&[
        "ingest",
        "--data",
        store.to_str().unwrap_or(""),
        articles.to_str().unwrap_or(""),
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("1 accepted"), "{stdout}");
}

#[test]
fn repeated_and_heavy_queries_are_charged() {
    let data = TempDir::new("hostile-cost");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: Some(&crate::support::seeds_dir()),
        token: None,
        extra: vec![],
    });
    // The same cheap field written out a thousand times.
    let repeated = format!("{{ {} }}", "stats { articles } ".repeat(1000));
    let r = server.graphql(&repeated, json!({}));
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r}");
    // Fewer repeats are answered, and quickly (a generous bound; the tight figure is a bench).
    let started = std::time::Instant::now();
    let r = server.graphql(
        &format!("{{ {} }}", "stats { articles } ".repeat(300)),
        json!({}),
    );
    assert!(r["errors"].is_null(), "{r}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Whole article texts and every link of every event of a day-by-day timeline.
    let heavy = "{ a: timeline(granularity: DAY) { events(first: 100) { articles { text links { evidence { text } } } } } b: timeline(granularity: WEEK) { events(first: 100) { articles { text links { evidence { text } } } } } }";
    let r = server.graphql(heavy, json!({}));
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r}");
    // A title search reads every event: thirty of them in one request are refused before
    // any runs, though each asks for one item.
    let scans: String = (0..30)
        .map(|i| format!("s{i}: events(search: \"zz{i}\", first: 1) {{ totalCount }} "))
        .collect();
    let r = server.graphql(&format!("{{ {scans} }}"), json!({}));
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r}");
    assert!(r.to_string().contains("complex"), "{r}");
    // One search is answered.
    let r = server.graphql(
        "{ events(search: \"zz\", first: 1) { totalCount } }",
        json!({}),
    );
    assert!(r["errors"].is_null(), "{r}");
    // An entity list is capped (its length also counts towards the cost).
    let ids: Vec<String> = (0..21).map(|_| "Entity:country/kz".to_string()).collect();
    let r = server.graphql(
        "query($e: [ID!]) { events(entities: $e, match: ANY, first: 1) { totalCount } }",
        json!({ "e": ids }),
    );
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r}");
    assert!(r.to_string().contains("at most 20"), "{r}");
    let many: Vec<String> = (0..6_000)
        .map(|_| "Entity:country/kz".to_string())
        .collect();
    let r = server.graphql(
        "query($e: [ID!]) { events(entities: $e, match: ANY, first: 1) { totalCount } }",
        json!({ "e": many }),
    );
    assert_eq!(error_codes(&r), ["LIMIT_EXCEEDED"], "{r}");
    let (status, _) = http(&server.addr, "GET", "/healthz", &[], "").expect("healthz");
    assert_eq!(status, 200);
}

#[test]
fn an_article_listing_thousands_of_people_costs_bounded_work() {
    let data = TempDir::new("hostile-many-people");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    });
    let syllables = [
        "ба", "жа", "ну", "ке", "мо", "ри", "са", "ту", "лы", "де", "ко", "пе",
    ];
    let mut names = Vec::new();
    for a in syllables {
        for b in syllables {
            for c in syllables {
                let surname = format!("{a}{b}{c}ов");
                let mut letters = surname.chars();
                let first = letters.next().map(|f| f.to_uppercase().collect::<String>());
                names.push(format!(
                    "Асхат {}{}",
                    first.unwrap_or_default(),
                    letters.as_str()
                ));
            }
        }
    }
    assert!(names.len() > 1500);
    let text = format!(
        "Тоқаев кездесті\nМемлекет басшысы {} мырзалармен кездесті.",
        names.join(", ")
    );
    let started = std::time::Instant::now();
    let r = server.graphql_authed(
        "mutation($input: ArticleInput!) { ingestArticle(input: $input) { article { entities { name } mainEvent { entities { name } } } } }",
        json!({ "input": { "source": "list", "text": text } }),
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let article = &r["data"]["ingestArticle"]["article"];
    let named = article["entities"].as_array().map_or(0, Vec::len);
    let linked = article["mainEvent"]["entities"]
        .as_array()
        .map_or(0, Vec::len);
    assert!((1..=300).contains(&named), "{named} entities");
    assert!((1..=64).contains(&linked), "{linked} event entities");
}

#[test]
fn a_client_that_never_finishes_its_headers_is_dropped() {
    use std::io::{Read, Write};
    let data = TempDir::new("hostile-slow-headers");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec![],
    });
    let mut stream = std::net::TcpStream::connect(&server.addr).expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .expect("write");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .expect("timeout");
    let started = std::time::Instant::now();
    let mut buffer = Vec::new();
    let _ = stream.read_to_end(&mut buffer);
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(30),
        "the connection stayed open {waited:?}"
    );
    // Meanwhile and afterwards, complete requests are answered.
    let (status, _) = http(&server.addr, "GET", "/healthz", &[], "").expect("healthz");
    assert_eq!(status, 200);
}

#[test]
fn silent_connections_are_capped_and_closed_and_healthz_is_still_answered() {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let data = TempDir::new("hostile-silent-connections");
    let server = Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: None,
        extra: vec!["--max-connections", "4", "--idle-timeout", "2"],
    });
    // Four connections that never send a byte take every served slot.
    let silent: Vec<std::net::TcpStream> = (0..4)
        .map(|_| std::net::TcpStream::connect(&server.addr).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // Over the cap, /healthz is still answered, and a query is refused with a reason.
    let (status, _) = http(&server.addr, "GET", "/healthz", &[], "").expect("healthz");
    assert_eq!(status, 200, "healthz over the connection cap");
    let (status, head, body) = crate::support::http_with_head(
        &server.addr,
        "GET",
        "/graphql?query=%7B__typename%7D",
        &[],
        "",
    )
    .expect("a query over the cap");
    assert_eq!(status, 503, "{head}\n{body}");
    assert!(head.contains("retry-after: 1"), "{head}");
    assert!(body.contains("connection limit"), "{body}");
    // The silent connections are closed once their idle time is up, not held.
    let started = Instant::now();
    for mut stream in silent {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut buffer = Vec::new();
        let read = stream.read_to_end(&mut buffer);
        assert!(
            matches!(read, Ok(0)) || read.is_err(),
            "a silent connection got {read:?}"
        );
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "silent connections stayed open {:?}",
        started.elapsed()
    );
    // Their slots are free again.
    let (status, body) = http(
        &server.addr,
        "GET",
        "/graphql?query=%7B__typename%7D",
        &[],
        "",
    )
    .expect("a query after the silent ones left");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_damaged_row_is_named_left_out_and_repairable() {
    let dir = TempDir::new("hostile-damaged-row");
    let store = dir.path().join("store");
    let store_arg = store.to_str().unwrap_or("");
    for (n, text) in [
        " date 2025-01-10 Тоқаев сөз сөйледі\nМемлекет басшысы форумда сөз сөйледі.",
        " date 2025-01-11 Токаев встретился с Путиным\nКасым-Жомарт Токаев встретился с Владимиром Путиным.",
        " date 2025-01-12 Tokayev met Mirziyoyev\nKassym-Jomart Tokayev met Shavkat Mirziyoyev in Tashkent.",
    ]
    .iter()
    .enumerate()
    {
        let file = dir.path().join(format!("a{n}.txt"));
        std::fs::write(&file, text).expect("write");
        let (ok, out, err) =
            crate::support::cli(&["ingest", "--data", store_arg, file.to_str().unwrap_or("")]);
        assert!(ok, "{out}{err}");
    }
    {
        let db = rusqlite::Connection::open(store.join("eventgraph.db")).expect("open db");
        db.execute(
            "UPDATE articles SET title = CAST(X'C328FF' AS TEXT) WHERE seq = 2",
            [],
        )
        .expect("damage a row");
    }
    let count = "{ articles { totalCount } }";
    let (ok, out, err) = crate::support::cli(&["query", "--data", store_arg, count]);
    assert!(ok, "the store still opens: {err}");
    assert!(
        out.contains("\"totalCount\": 2") || out.contains("\"totalCount\":2"),
        "{out}"
    );
    assert!(
        err.contains("row=2") || err.contains("row 2"),
        "the damaged row is named: {err}"
    );
    let (ok, out, _) = crate::support::cli(&["check", "--data", store_arg]);
    assert!(!ok && out.contains("unreadable row 2"), "{out}");
    let (ok, out, err) = crate::support::cli(&["check", "--data", store_arg, "--repair"]);
    assert!(ok && out.contains("deleted 1"), "{out}{err}");
    let (ok, out, _) = crate::support::cli(&["check", "--data", store_arg]);
    assert!(
        ok && out.contains("2 articles readable, 0 unreadable"),
        "{out}"
    );
}

#[test]
fn concurrent_identical_ingests_are_one_article_and_never_an_internal_error() {
    let data = TempDir::new("hostile-concurrent");
    let server = std::sync::Arc::new(Server::start(ServerOptions {
        data: data.path(),
        seeds: None,
        token: Some(TOKEN),
        extra: vec![],
    }));
    let query = "mutation($input: ArticleInput!) { ingestArticle(input: $input) { duplicate article { id } } }";
    let input = json!({ "input": { "source": "same", "text": " date 2025-02-02 Тоқаев Мирзиёевпен кездесті\nҚасым-Жомарт Тоқаев Шавкат Мирзиёевпен Ташкентте кездесті." } });
    let handles: Vec<_> = (0..120)
        .map(|_| {
            let (server, input) = (server.clone(), input.clone());
            std::thread::spawn(move || server.graphql_authed(query, input))
        })
        .collect();
    let results: Vec<serde_json::Value> = handles
        .into_iter()
        .map(|h| h.join().expect("client thread"))
        .collect();
    for r in &results {
        assert!(r["errors"].is_null(), "{r}");
    }
    let fresh = results
        .iter()
        .filter(|r| r["data"]["ingestArticle"]["duplicate"] == false)
        .count();
    assert_eq!(fresh, 1, "exactly one request stored it");
}
