//! Build-time fingerprints of the code and data that cached results depend on, passed to
//! the crate as environment variables:
//!
//! - `EVENTGRAPH_EXTRACTOR_HASH`: everything extraction output depends on (the extractor's
//!   and text modules' sources, the knowledge base, the dependency lock). Cached facts of
//!   another hash are re-extracted.
//! - `EVENTGRAPH_GRAPH_LAYOUT_HASH`: everything a graph snapshot's encoding and the way facts
//!   become a graph depend on (the graph module, the shared vocabulary, the service that
//!   applies facts, the dependency lock). A snapshot of another layout is never decoded; a
//!   snapshot of the same layout but older facts is served while they are re-extracted.
//!
//! Every file under a listed folder counts, so a new data file needs no registration.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const EXTRACTOR_INPUTS: &[&str] = &[
    "src/extract",
    "src/text",
    "src/kb.rs",
    "src/model.rs",
    "src/ingest.rs",
    "kb",
    "Cargo.lock",
];
const GRAPH_LAYOUT_INPUTS: &[&str] = &["src/graph", "src/model.rs", "src/service.rs", "Cargo.lock"];
/// Files under the layout inputs that only read a built graph (no type it encodes, no step
/// that builds it): a change to them, a faster filter say, keeps snapshots loadable instead of
/// costing a full rebuild at the next start. Keep encoded types and graph-building code out
/// of these files.
const GRAPH_READ_ONLY: &[&str] = &["src/graph/query.rs"];

fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for entry in entries {
            files_under(&entry, out);
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

/// The first 12 hex digits of SHA-256 over every input file's path and bytes, in path order,
/// leaving out the files in `except`.
fn fingerprint(inputs: &[&str], except: &[&str]) -> String {
    let mut files = Vec::new();
    for input in inputs {
        println!("cargo:rerun-if-changed={input}");
        files_under(Path::new(input), &mut files);
    }
    files.retain(|file| !except.iter().any(|e| file == Path::new(e)));
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file).unwrap_or_default());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn main() {
    println!(
        "cargo:rustc-env=EVENTGRAPH_EXTRACTOR_HASH={}",
        fingerprint(EXTRACTOR_INPUTS, &[])
    );
    println!(
        "cargo:rustc-env=EVENTGRAPH_GRAPH_LAYOUT_HASH={}",
        fingerprint(GRAPH_LAYOUT_INPUTS, GRAPH_READ_ONLY)
    );
}
