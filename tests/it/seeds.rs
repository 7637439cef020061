//! The seed expectations of the extraction issue, through `eventgraph query --articles`.

use crate::support::{cli, seeds_dir};
use serde_json::Value;

fn query_seeds(query: &str) -> Value {
    let dir = seeds_dir();
    let (ok, out, err) = cli(&[
        "query",
        "--articles",
        dir.to_str().unwrap_or("seeds"),
        query,
    ]);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|_| panic!("not JSON: {out}"))
}

fn article<'a>(nodes: &'a Value, prefix: &str) -> &'a Value {
    nodes
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|n| n["source"].as_str().is_some_and(|s| s.starts_with(prefix)))
        })
        .unwrap_or_else(|| panic!("no article {prefix}"))
}

#[test]
fn all_five_seeds_load_and_004_has_no_date() {
    let r = query_seeds(
        "{ articles(first: 100) { totalCount nodes { source title language publishedOn mainEvent { kind date } } } }",
    );
    let nodes = &r["data"]["articles"]["nodes"];
    assert_eq!(r["data"]["articles"]["totalCount"], 5);
    assert_eq!(article(nodes, "004")["publishedOn"], Value::Null);
    assert_eq!(article(nodes, "002")["publishedOn"], "2025-09-24");
    assert_eq!(article(nodes, "000")["language"], "KK");
    assert_eq!(article(nodes, "001")["language"], "RU");
}

#[test]
fn the_interview_told_in_two_languages_is_one_event() {
    let r = query_seeds(
        "{ articles(first: 100) { nodes { source mainEvent { id kind date articles { source } } } } }",
    );
    let nodes = &r["data"]["articles"]["nodes"];
    let (kk, ru) = (
        &article(nodes, "000")["mainEvent"],
        &article(nodes, "001")["mainEvent"],
    );
    assert_eq!(kk["id"], ru["id"], "000 and 001 report the same interview");
    assert_eq!(kk["kind"], "INTERVIEW");
    assert_eq!(kk["date"], "2026-01-05");
    assert_eq!(kk["articles"].as_array().map(Vec::len), Some(2));
}

#[test]
fn main_event_kinds_of_the_seeds() {
    let r = query_seeds("{ articles(first: 100) { nodes { source mainEvent { kind } } } }");
    let nodes = &r["data"]["articles"]["nodes"];
    assert_eq!(article(nodes, "002")["mainEvent"]["kind"], "STATEMENT");
    assert_eq!(article(nodes, "003")["mainEvent"]["kind"], "SUMMIT");
    assert_eq!(article(nodes, "004")["mainEvent"]["kind"], "ADDRESS");
}

#[test]
fn mentioned_events_carry_their_status() {
    let r = query_seeds(
        "{ articles(first: 100) { nodes { source mentionedEvents { kind status date datePrecision } } } }",
    );
    let nodes = &r["data"]["articles"]["nodes"];
    let mentioned = |prefix: &str| {
        article(nodes, prefix)["mentionedEvents"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let has = |events: &[Value], kind: &str, status: &str| {
        events
            .iter()
            .any(|e| e["kind"] == kind && e["status"] == status)
    };
    // 002: the 23 September meeting with Zelensky happened.
    let m002 = mentioned("002");
    assert!(
        m002.iter().any(|e| e["kind"] == "MEETING"
            && e["status"] == "HAPPENED"
            && e["date"] == "2025-09-23"),
        "{m002:?}"
    );
    // 003: the first Central Asia – Russia summit, three years before (2022, YEAR precision).
    let m003 = mentioned("003");
    assert!(
        m003.iter().any(|e| e["kind"] == "SUMMIT"
            && e["date"] == "2022-01-01"
            && e["datePrecision"] == "YEAR"),
        "{m003:?}"
    );
    // 004: past visits (China, Turkey, Kyrgyzstan) and planned ones (Russia, Uzbekistan).
    let m004 = mentioned("004");
    assert!(has(&m004, "VISIT", "HAPPENED"), "{m004:?}");
    assert!(has(&m004, "VISIT", "PLANNED"), "{m004:?}");
}

#[test]
fn every_gold_entity_of_the_seeds_is_found() {
    let gold: Value =
        serde_json::from_str(include_str!("../gold_seeds.json")).unwrap_or(Value::Null);
    let r =
        query_seeds("{ articles(first: 100) { nodes { source entities { kind name names } } } }");
    let nodes = &r["data"]["articles"]["nodes"];
    let fold = |s: &str| {
        s.to_lowercase()
            .replace(['-', '–', '—'], " ")
            .replace('ё', "е")
    };
    let mut missing = Vec::new();
    for (file, annotation) in gold["articles"].as_object().into_iter().flatten() {
        let found = article(nodes, &file[..3])["entities"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for entity in annotation["entities"].as_array().into_iter().flatten() {
            if entity["optional"] == true {
                continue;
            }
            let mut gold_names: Vec<String> = vec![fold(entity["name"].as_str().unwrap_or(""))];
            for key in ["surface", "aliases"] {
                gold_names.extend(
                    entity[key]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(fold),
                );
            }
            let kinds: Vec<&str> = std::iter::once(entity["kind"].as_str().unwrap_or(""))
                .chain(
                    entity["alt_kinds"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str),
                )
                .collect();
            let hit = found.iter().any(|f| {
                kinds.contains(&f["kind"].as_str().unwrap_or(""))
                    && f["names"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .any(|n| gold_names.contains(&fold(n)))
            });
            if !hit {
                missing.push(format!("{file}: {} {}", entity["kind"], entity["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "missing gold entities: {missing:#?}");
}
