//! Exports over HTTP and the CLI, each read back by a reader of its format: GraphML by an XML
//! parser (roxmltree) with the GraphML structure checked, CSV by a CSV parser, the JSON
//! formats against the shapes TimelineJS 3, vis-timeline, Cytoscape.js and JSON-LD require.

use crate::api::seeded;
use crate::support::{TempDir, cli, http_with_head, seeds_dir};
use serde_json::Value;
use std::collections::HashSet;

/// GETs an export; returns (status, lower-cased head, body).
fn get(path: &str) -> (u16, String, String) {
    http_with_head(
        &seeded().addr,
        "GET",
        path,
        &[("origin", "https://example.org")],
        "",
    )
    .expect("http")
}

/// The seed graph's events as the API lists them (id, date), for comparison.
fn api_events(filter: &str) -> Vec<(String, Option<String>)> {
    let query = format!("{{ events(first: 100{filter}) {{ nodes {{ id date }} }} }}");
    let r = seeded().graphql(&query, serde_json::json!({}));
    r["data"]["events"]["nodes"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["date"].as_str().map(str::to_string),
            )
        })
        .collect()
}

fn json_export(file: &str) -> Value {
    let (status, head, body) = get(&format!("/export/{file}"));
    assert_eq!(status, 200, "{file}: {body}");
    assert!(
        head.contains("access-control-allow-origin"),
        "{file} answers with CORS headers: {head}"
    );
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{file} is not JSON ({e}): {body}"))
}

#[test]
fn graphml_export_is_valid_graphml_with_every_event() {
    let (status, head, body) = get("/export/graph.graphml");
    assert_eq!(status, 200, "{body}");
    assert!(
        head.contains("content-type: application/graphml+xml"),
        "{head}"
    );
    let doc = roxmltree::Document::parse(&body).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "graphml");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://graphml.graphdrawing.org/xmlns")
    );
    let keys: HashSet<&str> = root
        .children()
        .filter(|n| n.has_tag_name("key"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    let graph = root
        .children()
        .find(|n| n.has_tag_name("graph"))
        .expect("a graph element");
    assert_eq!(graph.attribute("edgedefault"), Some("directed"));
    let nodes: HashSet<&str> = graph
        .children()
        .filter(|n| n.has_tag_name("node"))
        .map(|n| n.attribute("id").expect("node id"))
        .collect();
    let events: Vec<String> = api_events("").into_iter().map(|(id, _)| id).collect();
    for id in &events {
        assert!(
            nodes.contains(id.as_str()),
            "event {id} missing from GraphML"
        );
    }
    assert!(nodes.contains("Entity:person/kassym-jomart-tokayev"));
    let mut edges = 0;
    for edge in graph.children().filter(|n| n.has_tag_name("edge")) {
        edges += 1;
        for end in ["source", "target"] {
            let id = edge.attribute(end).expect("edge end");
            assert!(nodes.contains(id), "edge {end} {id} is not a node");
        }
    }
    assert!(
        edges >= events.len(),
        "{edges} edges for {} events",
        events.len()
    );
    for data in graph.descendants().filter(|n| n.has_tag_name("data")) {
        let key = data.attribute("key").expect("data key");
        assert!(keys.contains(key), "data key {key} is not declared");
    }
}

#[test]
fn csv_exports_parse_with_one_row_per_event_and_per_link() {
    let (status, head, body) = get("/export/events.csv");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: text/csv"), "{head}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().expect("header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (id, date) = (column("id"), column("date"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    let mut expected = api_events("");
    let mut got: Vec<(String, Option<String>)> = rows
        .iter()
        .map(|r| {
            let d = &r[date];
            (r[id].to_string(), (!d.is_empty()).then(|| d.to_string()))
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "events.csv holds exactly the API's events");

    let (status, _, body) = get("/export/links.csv");
    assert_eq!(status, 200, "{body}");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().expect("header").clone();
    let evidence = header
        .iter()
        .position(|h| h == "evidence")
        .expect("evidence");
    let link = header.iter().position(|h| h == "link").expect("link");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert!(rows.len() > got.len(), "{} links", rows.len());
    assert!(
        rows.iter()
            .filter(|r| &r[link] == "PARTICIPANT")
            .all(|r| !r[evidence].is_empty()),
        "every participant link carries its evidence"
    );
}

#[test]
fn timeline_exports_have_the_shapes_their_widgets_read() {
    let dated = api_events("")
        .into_iter()
        .filter(|(_, d)| d.is_some())
        .count();
    let tl = json_export("timelinejs.json");
    let events = tl["events"].as_array().expect("TimelineJS events");
    assert_eq!(events.len(), dated, "every dated event, no undated one");
    for e in events {
        let year = e["start_date"]["year"].as_str().expect("start_date.year");
        assert!(year.parse::<i32>().is_ok(), "{e}");
        assert!(
            e["text"]["headline"]
                .as_str()
                .is_some_and(|h| !h.is_empty())
        );
    }
    assert!(tl["title"]["text"]["headline"].is_string());

    let vis = json_export("vis-timeline.json");
    let groups: HashSet<&str> = vis["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["id"].as_str().expect("group id"))
        .collect();
    let items = vis["items"].as_array().expect("items");
    assert_eq!(items.len(), dated);
    for item in items {
        assert!(groups.contains(item["group"].as_str().expect("group")));
        let start = item["start"].as_str().expect("start");
        if let Some(end) = item["end"].as_str() {
            assert!(end > start, "a range ends after it starts: {item}");
            assert_eq!(item["type"], "range");
        }
    }
}

#[test]
fn graph_json_exports_reference_only_nodes_they_hold() {
    let cy = json_export("graph.cyjs");
    let nodes: HashSet<&str> = cy["elements"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["data"]["id"].as_str().expect("node id"))
        .collect();
    let edges = cy["elements"]["edges"].as_array().expect("edges");
    assert!(!edges.is_empty());
    for e in edges {
        for end in ["source", "target"] {
            let id = e["data"][end].as_str().expect("edge end");
            assert!(nodes.contains(id), "edge {end} {id} is not a node");
        }
    }

    let ld = json_export("graph.jsonld");
    assert_eq!(ld["@context"]["@vocab"], "https://schema.org/");
    let graph = ld["@graph"].as_array().expect("@graph");
    let ids: HashSet<&str> = graph
        .iter()
        .map(|n| n["@id"].as_str().expect("@id"))
        .collect();
    assert_eq!(ids.len(), graph.len(), "every @id is unique");
    let types: HashSet<&str> = graph.iter().filter_map(|n| n["@type"].as_str()).collect();
    for t in ["Event", "Person", "Country"] {
        assert!(types.contains(t), "no {t} node: {types:?}");
    }
    for node in graph.iter().filter(|n| n["@type"] == "Event") {
        assert!(node["name"].is_string());
        for property in ["attendee", "location", "about", "superEvent"] {
            for reference in node[property].as_array().into_iter().flatten() {
                let id = reference["@id"].as_str().expect("reference");
                assert!(ids.contains(id), "{property} → {id} is not in the graph");
            }
        }
    }
}

#[test]
fn export_filters_narrow_and_bad_filters_are_refused_with_a_reason() {
    let tokayev = "Entity:person/kassym-jomart-tokayev";
    let expected: HashSet<String> = api_events(&format!(", entity: \"{tokayev}\""))
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let all = api_events("").len();
    assert!(expected.len() < all, "the filter must narrow the seeds");
    let (status, head, body) = get(&format!("/export/events.csv?entity={tokayev}"));
    assert_eq!(status, 200, "{body}");
    assert!(
        head.contains(&format!("x-total-count: {}", expected.len())),
        "{head}"
    );
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let got: HashSet<String> = reader
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect();
    assert_eq!(got, expected);

    // Several kinds: the union of the single-kind exports.
    let count = |query: &str| {
        let (status, _, body) = get(&format!("/export/events.csv?{query}"));
        assert_eq!(status, 200, "{query}: {body}");
        csv::Reader::from_reader(body.as_bytes()).records().count()
    };
    let (interviews, summits) = (count("kinds=INTERVIEW"), count("kinds=SUMMIT"));
    assert!(interviews > 0 && summits > 0);
    assert_eq!(count("kinds=INTERVIEW,SUMMIT"), interviews + summits);
    let (status, head, _) = get("/export/events.csv?limit=1");
    assert_eq!(status, 200);
    assert!(head.contains("x-eventgraph-truncated: true"), "{head}");

    for (query, reason) in [
        ("from=yesterday", "from: expected a date"),
        ("kinds=PARTY", "unknown kind"),
        ("entity=Entity:person/nobody", "no entity"),
        ("language=de", "language"),
        ("from=2025-02-01&to=2025-01-01", "after"),
        ("limit=0", "limit"),
        ("colour=red", "unknown field"),
    ] {
        let (status, _, body) = get(&format!("/export/events.csv?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.contains(reason), "{query}: {body}");
    }
    let (status, _, body) = get("/export/graph.gexf");
    assert_eq!(status, 404);
    assert!(
        body.contains("graph.graphml"),
        "the refusal lists the formats: {body}"
    );
}

#[test]
fn the_cli_writes_the_same_export_as_http() {
    let dir = TempDir::new("export-cli");
    let out = dir.path().join("events.csv");
    let seeds = seeds_dir();
    let (ok, _, stderr) = cli(&[
        "export",
        "--format",
        "events-csv",
        "--articles",
        seeds.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let written = std::fs::read_to_string(&out).expect("the CLI wrote its file");
    let (_, _, over_http) = get("/export/events.csv");
    assert_eq!(written, over_http);
    let (ok, _, stderr) = cli(&["export", "--format", "gexf", "--articles", "seeds"]);
    assert!(!ok);
    assert!(stderr.contains("known: timelinejs"), "{stderr}");
}
