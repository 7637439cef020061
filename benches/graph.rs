//! In-process benchmarks (criterion) of the read path and of extraction, over a graph built
//! from a JSON Lines corpus (`EVENTGRAPH_BENCH_CORPUS`, default: the 100k synthetic corpus
//! written by `benches/bulk_ingest.sh`; falls back to `seeds/`).
//!
//!     cargo bench --bench graph
//!     EVENTGRAPH_BENCH_CORPUS=/tmp/eventgraph-bench/c1000000/articles.jsonl cargo bench --bench graph

use async_graphql::Executor;
use criterion::{Criterion, criterion_group, criterion_main};
use eventgraph::api::Api;
use eventgraph::extract::Extractor;
use eventgraph::ingest::{self, Limits, RawArticle};
use eventgraph::service::{Service, extract_article};
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

fn corpus() -> Vec<RawArticle> {
    let path = std::env::var("EVENTGRAPH_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/tmp/eventgraph-bench/c100000/articles.jsonl"));
    let path = if path.exists() {
        path
    } else {
        PathBuf::from("seeds")
    };
    let mut raws = Vec::new();
    for file in ingest::list_files(&path).unwrap_or_default() {
        ingest::read_file(&file, usize::MAX, &mut |(_, r)| {
            if let Ok(raw) = r {
                raws.push(raw);
            }
        });
    }
    eprintln!(
        "bench corpus: {} articles from {}",
        raws.len(),
        path.display()
    );
    raws
}

fn benches(c: &mut Criterion) {
    let extractor = Arc::new(Extractor::new());
    let raws = corpus();
    let sample = raws.first().cloned().unwrap_or_default();
    let service = Arc::new(Service::in_memory(extractor.clone(), Limits::default()));
    for chunk in raws.chunks(10_000) {
        service.ingest_many(chunk.to_vec());
    }
    let api = Api::new(service.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let run = |query: &str| {
        let response = runtime.block_on(api.execute(query.into()));
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response
    };
    let people = run("{ entities(kind: PERSON, first: 2) { nodes { id } } }")
        .data
        .into_json()
        .unwrap_or_default();
    let heavy = people["entities"]["nodes"][0]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let other = people["entities"]["nodes"][1]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();

    let mut group = c.benchmark_group("graphql");
    let timeline = format!(
        "{{ node(id: \"{heavy}\") {{ ... on Entity {{ events(first: 20) {{ totalCount nodes {{ id title date kind }} }} }} }} }}"
    );
    group.bench_function("entity timeline page", |b| {
        b.iter(|| black_box(run(&timeline)))
    });
    // The same page once it has run (and passed validation): the direct path.
    assert!(api.execute_direct(&timeline.as_str().into()).is_some());
    group.bench_function("entity timeline page, direct", |b| {
        b.iter(|| black_box(api.execute_direct(&timeline.as_str().into())))
    });
    let related = format!(
        "{{ node(id: \"{heavy}\") {{ ... on Entity {{ related(first: 20) {{ weight entity {{ id name }} }} }} }} }}"
    );
    group.bench_function("related", |b| b.iter(|| black_box(run(&related))));
    let hood = format!(
        "{{ neighborhood(id: \"{heavy}\", depth: 2, first: 10) {{ nodes {{ id }} edges {{ from to kind }} }} }}"
    );
    group.bench_function("neighborhood depth 2", |b| b.iter(|| black_box(run(&hood))));
    let path =
        format!("{{ path(from: \"{heavy}\", to: \"{other}\") {{ length nodes {{ id }} }} }}");
    group.bench_function("path", |b| b.iter(|| black_box(run(&path))));
    group.bench_function("typename", |b| b.iter(|| black_box(run("{ __typename }"))));
    group.finish();

    let article = ingest::validate(sample, Limits::default(), chrono::NaiveDate::MAX);
    if let Ok(article) = article {
        c.bench_function("extract one article", |b| {
            b.iter(|| black_box(extract_article(&extractor, &article)))
        });
    }
}

criterion_group!(graph, benches);
criterion_main!(graph);
