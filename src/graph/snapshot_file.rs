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
//!
//! A damaged file never takes the process down: the file ends with a CRC-32 of everything
//! before it, checked before the graph is decoded, and decoding is bounded by the file's
//! size (a damaged length prefix cannot ask for more memory than the file holds). The stamp
//! also names the log's last entry (its article id), so a snapshot copied from another
//! store with the same identity and counts is not taken for this one's.

use super::Graph;
use bincode::Options;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Layout version of the file itself.
const FILE_FORMAT: u32 = 7;

/// Bytes of the trailer: the CRC-32 (little-endian) of everything before it.
const TRAILER_BYTES: u64 = 4;

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
    /// What the log's entry at `last_seq` holds (its article id; empty for an empty log):
    /// two copies of one store that each took a different article since have the same
    /// identity and counts, but not the same last entry.
    pub tail: String,
}

impl Stamp {
    /// The stamp of the store `store` with `articles` rows up to `last_seq`, whose entry
    /// at `last_seq` is `tail`, built by this program.
    pub fn current(
        extractor: &str,
        store: &str,
        articles: u64,
        last_seq: i64,
        tail: &str,
    ) -> Stamp {
        Stamp {
            format: FILE_FORMAT,
            layout: env!("EVENTGRAPH_GRAPH_LAYOUT_HASH").to_string(),
            extractor: extractor.to_string(),
            store: store.to_string(),
            articles,
            last_seq,
            tail: tail.to_string(),
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
    /// The file is damaged: its checksum does not match, it is too short to hold one, or
    /// its contents decode to nothing this program wrote.
    #[error("graph snapshot {path} is damaged: {reason}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// bincode's settings for the file: fixed-size integers as `bincode::serialize` writes
/// them, and no read past `limit` bytes (a length prefix larger than what is left of the
/// file is an error, not an allocation).
fn codec(limit: u64) -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .with_limit(limit)
}

/// A writer that keeps the CRC-32 of what passes through it.
struct Checksummed<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Checksummed<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.crc.update(&bytes[..written]);
        Ok(written)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
    let mut out = Checksummed {
        inner: BufWriter::with_capacity(1 << 20, file),
        crc: crc32fast::Hasher::new(),
    };
    bincode::serialize_into(&mut out, stamp).map_err(encoding)?;
    bincode::serialize_into(&mut out, graph).map_err(encoding)?;
    let crc = out.crc.finalize();
    let mut out = out.inner;
    out.write_all(&crc.to_le_bytes()).map_err(io)?;
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
    let io = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let damaged = |reason: String| SnapshotError::Damaged {
        path: path.to_path_buf(),
        reason,
    };
    let length = file.metadata().map_err(io)?.len();
    let Some(content) = length.checked_sub(TRAILER_BYTES) else {
        return Err(damaged(format!("{length} bytes is too short")));
    };
    let mut input = BufReader::with_capacity(1 << 20, file);
    let stamp: Stamp = match codec(content).deserialize_from(&mut input) {
        Ok(stamp) => stamp,
        // Another file layout (or a damaged stamp): not ours to read.
        Err(_) => return Ok(None),
    };
    let same_layout = stamp.format == expected.format
        && stamp.layout == expected.layout
        && stamp.store == expected.store;
    // Behind: the caller checks that the store's entry at `stamp.last_seq` is `stamp.tail`.
    let behind = same_layout && stamp.last_seq < expected.last_seq;
    let same_tail = stamp.last_seq == expected.last_seq && stamp.tail == expected.tail;
    let outdated = same_layout
        && stamp.extractor != expected.extractor
        && (stamp.last_seq < expected.last_seq || same_tail);
    let current = &stamp == expected;
    if !current && !behind && !outdated {
        tracing::info!(
            found = ?stamp,
            expected = ?expected,
            "graph snapshot is stale; rebuilding from the store"
        );
        return Ok(None);
    }
    // The whole file is checked before the graph is decoded.
    let graph_start = input.stream_position().map_err(io)?;
    input.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut checked = Checksummed {
        inner: std::io::sink(),
        crc: crc32fast::Hasher::new(),
    };
    std::io::copy(&mut input.by_ref().take(content), &mut checked).map_err(io)?;
    let mut trailer = [0u8; TRAILER_BYTES as usize];
    input.read_exact(&mut trailer).map_err(io)?;
    if checked.crc.finalize() != u32::from_le_bytes(trailer) {
        return Err(damaged("its checksum does not match its contents".into()));
    }
    input.seek(SeekFrom::Start(graph_start)).map_err(io)?;
    let graph = decode(&mut input, content.saturating_sub(graph_start)).map_err(|e| match e {
        Decoded::Encoding(source) => SnapshotError::Encoding {
            path: path.to_path_buf(),
            source,
        },
        Decoded::Panicked => damaged("its contents do not decode to a graph".into()),
    })?;
    Ok(Some(if outdated {
        Loaded::Outdated(graph, stamp)
    } else if behind {
        Loaded::Behind(graph, stamp)
    } else {
        Loaded::Current(graph)
    }))
}

/// Why [`decode`] gave no graph.
#[derive(Debug)]
enum Decoded {
    Encoding(bincode::Error),
    /// A decoder (the graph's own `Deserialize` code) panicked on values no save writes.
    Panicked,
}

/// Decodes the graph (what follows the stamp) from `input`, reading at most `limit` bytes;
/// a panic in a decoder is caught and reported, never passed on.
fn decode(input: &mut impl Read, limit: u64) -> Result<Graph, Decoded> {
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        codec(limit).deserialize_from::<_, Graph>(input)
    }));
    match decoded {
        Ok(Ok(mut graph)) => {
            graph.rebuild_text_ids();
            Ok(graph)
        }
        Ok(Err(e)) => Err(Decoded::Encoding(e)),
        Err(_) => Err(Decoded::Panicked),
    }
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
        let stamp = Stamp::current("x", "store", 3, 3, "a3");
        save(&graph, &stamp, &path).expect("saved");
        let Some(Loaded::Current(loaded)) = load(&path, &stamp).expect("readable") else {
            panic!("the same stamp loads as current");
        };
        assert_eq!(loaded.fingerprint(), graph.fingerprint());
        // The interner is rebuilt after loading.
        assert_eq!(loaded.text_ids.len(), graph.text_ids.len());
        assert_eq!(loaded.text_ids.len(), loaded.texts.len());
        // A store that only grew since: the snapshot is behind, to be caught up.
        match load(&path, &Stamp::current("x", "store", 4, 4, "a4")).expect("readable") {
            Some(Loaded::Behind(behind, old)) => {
                assert_eq!(old, stamp);
                assert_eq!(behind.fingerprint(), graph.fingerprint());
            }
            other => panic!("expected a snapshot behind the store, got {other:?}"),
        }
        // Facts of another extractor version, at the same or an earlier state: served while
        // they are re-extracted.
        for newer in [
            Stamp::current("y", "store", 3, 3, "a3"),
            Stamp::current("y", "store", 4, 4, "a4"),
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
            Stamp::current("x", "store", 2, 3, "a3"),
            // Another layout is never decoded, whatever else agrees.
            another_layout,
            // The store is behind the snapshot (restored from a backup).
            Stamp::current("x", "store", 2, 2, "a2"),
            // Another store with the same counts (a replica pointed at another database).
            Stamp::current("x", "another store", 3, 3, "a3"),
            Stamp::current("x", "another store", 4, 4, "a4"),
            // The same store, counts and last number, another last entry: a copy of this
            // store that took another article.
            Stamp::current("x", "store", 3, 3, "another article"),
            Stamp::current("y", "store", 3, 3, "another article"),
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

    #[test]
    fn a_damaged_file_is_refused_with_a_reason_never_decoded() {
        let dir = std::env::temp_dir().join(format!("eventgraph-damaged-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join("graph.snapshot");
        let stamp = Stamp::current("x", "store", 3, 3, "a3");
        save(&small_graph(), &stamp, &path).expect("saved");
        let good = std::fs::read(&path).expect("read");
        // One flipped byte anywhere after the stamp: the checksum refuses the file.
        for offset in [200, good.len() / 2, good.len() - 5, good.len() - 1] {
            let mut bytes = good.clone();
            bytes[offset] ^= 0x55;
            std::fs::write(&path, &bytes).expect("written");
            match load(&path, &stamp) {
                Err(SnapshotError::Damaged { reason, .. }) => {
                    assert!(reason.contains("checksum"), "{reason}")
                }
                other => panic!("byte {offset} flipped: expected a refusal, got {other:?}"),
            }
        }
        // A flipped byte inside the stamp (a string's length prefix) is a stamp this program
        // did not write: not ours to read, and never an allocation of the claimed length.
        let mut bytes = good.clone();
        bytes[8] ^= 0x40;
        std::fs::write(&path, &bytes).expect("written");
        assert!(matches!(load(&path, &stamp), Ok(None) | Err(_)));
        for short in [0, 3] {
            std::fs::write(&path, &good[..short]).expect("written");
            assert!(
                matches!(load(&path, &stamp), Err(SnapshotError::Damaged { .. })),
                "{short} bytes"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Damaged contents past the checksum (as if a damaged file's checksum had been
    /// recomputed) still end in a clean error: the decoder reads no more than the file holds.
    #[test]
    fn the_decoder_is_bounded_by_the_file_size() {
        let stamp = Stamp::current("x", "store", 3, 3, "a3");
        let dir = std::env::temp_dir().join(format!("eventgraph-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join("graph.snapshot");
        save(&small_graph(), &stamp, &path).expect("saved");
        let good = std::fs::read(&path).expect("read");
        let stamp_bytes =
            usize::try_from(bincode::serialized_size(&stamp).expect("sized")).expect("small");
        let content = &good[stamp_bytes..good.len() - TRAILER_BYTES as usize];
        let mut rng = crate::fuzz::Rng(0x5eed);
        for round in 0..2_000 {
            let mut bytes = content.to_vec();
            match round % 3 {
                // A length prefix of the graph set to a huge value.
                0 => {
                    let at = rng.below(bytes.len().saturating_sub(8));
                    bytes[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
                }
                1 => {
                    let at = rng.below(bytes.len());
                    bytes[at] ^= 1 << rng.below(8);
                }
                _ => bytes.truncate(rng.below(bytes.len())),
            }
            let limit = bytes.len() as u64;
            // Either a graph (a flip in a value no check covers) or an error; no panic, no
            // allocation beyond the file.
            let decoded = decode(&mut bytes.as_slice(), limit);
            assert!(
                !matches!(decoded, Err(Decoded::Panicked)),
                "round {round}: a decoder panicked"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
