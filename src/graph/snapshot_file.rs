//! The graph saved to a file, so that a start on a large store loads it instead of
//! replaying every article (replaying 1M articles takes over a minute; loading, seconds).
//!
//! A snapshot is only a cache of what the store already determines. It is stamped with
//! what it was built from — the store's identity, article count and last sequence number,
//! the graph layout (a build-time fingerprint of the graph code, the shared vocabulary and
//! the dependency lock: another layout is never decoded) and the extractor version of the
//! facts in it. A snapshot of the store's current state loads as it is; one of an earlier
//! state is caught up with the rows appended since; one whose facts came from another
//! extractor version loads as `Outdated`, served while the facts are re-extracted. The file
//! is written to a temporary name and renamed, so a crash while saving leaves the old file
//! or none.

use super::Graph;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Layout version of the file itself.
const FILE_FORMAT: u32 = 6;

/// What a snapshot was built from; a snapshot loads only where all of it is the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Layout of the file.
    pub format: u32,
    /// The graph layout: a fingerprint of the code that encodes the graph and turns facts
    /// into it (`build.rs`).
    pub layout: String,
    /// The extractor version (code and data files).
    pub extractor: String,
    /// The store's identity (made when the store was created): a snapshot of another store
    /// with the same counts is not this one's.
    pub store: String,
    /// Articles in the store.
    pub articles: u64,
    /// The store's last sequence number: it grows with every insert.
    pub last_seq: i64,
}

impl Stamp {
    /// The stamp of the store `store` with `articles` rows up to `last_seq`, built by this
    /// program.
    pub fn current(extractor: &str, store: &str, articles: u64, last_seq: i64) -> Stamp {
        Stamp {
            format: FILE_FORMAT,
            layout: env!("EVENTGRAPH_GRAPH_LAYOUT_HASH").to_string(),
            extractor: extractor.to_string(),
            store: store.to_string(),
            articles,
            last_seq,
        }
    }
}

/// Saving or loading a snapshot failed.
#[derive(Debug, Error)]
pub enum SnapshotError {
    /// The file could not be read or written.
    #[error("graph snapshot {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file's contents could not be encoded or decoded.
    #[error("graph snapshot {path}: {source}")]
    Encoding {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: bincode::Error,
    },
}

/// Writes `graph` with its stamp to `path` (through a temporary file and a rename).
///
/// # Errors
/// When the file cannot be written.
pub fn save(graph: &Graph, stamp: &Stamp, path: &Path) -> Result<(), SnapshotError> {
    let temporary = path.with_extension("snapshot-partial");
    let io = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let encoding = |source| SnapshotError::Encoding {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(&temporary).map_err(io)?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    bincode::serialize_into(&mut out, stamp).map_err(encoding)?;
    bincode::serialize_into(&mut out, graph).map_err(encoding)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(io)?;
    Ok(())
}

/// What a snapshot file holds, against the store's current stamp.
#[derive(Debug)]
pub enum Loaded {
    /// The graph of exactly the store's current state.
    Current(Graph),
    /// The graph of an earlier state of the same store, by the same program and extractor:
    /// it may be caught up by applying the rows after `stamp.last_seq`, when nothing was
    /// deleted since (the caller checks: `stamp.articles` plus the rows after it must equal
    /// the store's count).
    Behind(Graph, Stamp),
    /// The graph of this or an earlier state of the same store, with the same layout, whose
    /// facts came from another extractor version: it can be served (caught up like
    /// `Behind`) while the store's facts are re-extracted and the graph rebuilt from them.
    Outdated(Graph, Stamp),
}

/// Loads the snapshot at `path` when it fits `expected`: the same state ([`Loaded::Current`])
/// or an earlier one of the same program and extractor ([`Loaded::Behind`]). `None` when
/// the file is missing, of another layout, program or extractor, or ahead of the store.
///
/// # Errors
/// When the file exists but cannot be read or decoded.
pub fn load(path: &Path, expected: &Stamp) -> Result<Option<Loaded>, SnapshotError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SnapshotError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let encoding = |source| SnapshotError::Encoding {
        path: path.to_path_buf(),
        source,
    };
    let mut input = BufReader::with_capacity(1 << 20, file);
    let stamp: Stamp = match bincode::deserialize_from(&mut input) {
        Ok(stamp) => stamp,
        // Another layout: not ours to read.
        Err(_) => return Ok(None),
    };
    let same_layout = stamp.format == expected.format
        && stamp.layout == expected.layout
        && stamp.store == expected.store;
    let behind = same_layout && stamp.last_seq < expected.last_seq;
    let outdated =
        same_layout && stamp.extractor != expected.extractor && stamp.last_seq <= expected.last_seq;
    let current = &stamp == expected;
    if !current && !behind && !outdated {
        tracing::info!(
            found = ?stamp,
            expected = ?expected,
            "graph snapshot is stale; rebuilding from the store"
        );
        return Ok(None);
    }
    let mut graph: Graph = bincode::deserialize_from(&mut input).map_err(encoding)?;
    graph.rebuild_text_ids();
    Ok(Some(if outdated {
        Loaded::Outdated(graph, stamp)
    } else if behind {
        Loaded::Behind(graph, stamp)
    } else {
        Loaded::Current(graph)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Extractor;
    use crate::ingest::{Limits, RawArticle, validate};

    fn small_graph() -> Graph {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        for (n, text) in [
            " date 2025-06-10 Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Ташкентте Шавкат Мирзиёевпен кездесті.",
            " date 2025-06-10 Токаев встретился с Мирзиёевым\nПрезидент Казахстана Касым-Жомарт Токаев встретился в Ташкенте с Шавкатом Мирзиёевым.",
            " date 2025-07-01 Tokayev holds talks with Xi\nPresident Kassym-Jomart Tokayev held talks with Xi Jinping in Astana.",
        ]
        .into_iter()
        .enumerate()
        {
            let raw = RawArticle {
                source: format!("a{n}"),
                bytes: text.as_bytes().to_vec(),
                ..RawArticle::default()
            };
            if let Ok(article) = validate(raw, Limits::default(), today) {
                let facts = crate::service::extract_article(&extractor, &article);
                graph.apply(&extractor.kb, &crate::graph::ArticleHeader::from(&article), &facts);
            }
        }
        graph
    }

    #[test]
    fn a_saved_graph_loads_the_same_and_a_stale_stamp_is_refused() {
        let dir = std::env::temp_dir().join(format!("eventgraph-snapshot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join("graph.snapshot");
        let graph = small_graph();
        assert!(graph.stats().articles == 3);
        let stamp = Stamp::current("x", "store", 3, 3);
        save(&graph, &stamp, &path).expect("saved");
        let Some(Loaded::Current(loaded)) = load(&path, &stamp).expect("readable") else {
            panic!("the same stamp loads as current");
        };
        assert_eq!(loaded.fingerprint(), graph.fingerprint());
        // The interner is rebuilt after loading.
        assert_eq!(loaded.text_ids.len(), graph.text_ids.len());
        assert_eq!(loaded.text_ids.len(), loaded.texts.len());
        // A store that only grew since: the snapshot is behind, to be caught up.
        match load(&path, &Stamp::current("x", "store", 4, 4)).expect("readable") {
            Some(Loaded::Behind(behind, old)) => {
                assert_eq!(old, stamp);
                assert_eq!(behind.fingerprint(), graph.fingerprint());
            }
            other => panic!("expected a snapshot behind the store, got {other:?}"),
        }
        // Facts of another extractor version, at the same or an earlier state: served while
        // they are re-extracted.
        for newer in [
            Stamp::current("y", "store", 3, 3),
            Stamp::current("y", "store", 4, 4),
        ] {
            match load(&path, &newer).expect("readable") {
                Some(Loaded::Outdated(outdated, old)) => {
                    assert_eq!(old, stamp);
                    assert_eq!(outdated.fingerprint(), graph.fingerprint());
                }
                other => panic!("expected an outdated snapshot for {newer:?}, got {other:?}"),
            }
        }
        let another_layout = Stamp {
            layout: "another layout".to_string(),
            ..stamp.clone()
        };
        for stale in [
            // Same last row, another count: a deletion, not an append.
            Stamp::current("x", "store", 2, 3),
            // Another layout is never decoded, whatever else agrees.
            another_layout,
            // The store is behind the snapshot (restored from a backup).
            Stamp::current("x", "store", 2, 2),
            // Another store with the same counts (a replica pointed at another database).
            Stamp::current("x", "another store", 3, 3),
            Stamp::current("x", "another store", 4, 4),
        ] {
            assert!(
                load(&path, &stale).expect("readable").is_none(),
                "{stale:?}"
            );
        }
        assert!(
            load(&dir.join("missing"), &stamp)
                .expect("no file is not an error")
                .is_none()
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
