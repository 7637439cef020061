//! Two copies of the graph, so that reads never wait for a write (the "left-right" scheme).
//!
//! Readers load the *published* copy through an [`ArcSwap`]: no lock, no waiting, and a
//! reader keeps a consistent graph for as long as it holds the guard. The single writer
//! (behind a mutex) applies a change to the *spare* copy, publishes it with one atomic
//! swap, and keeps the change. Before its next change it waits until no reader holds the
//! copy it just replaced, replays the kept change there, and that copy becomes the spare.
//!
//! Both copies see the same changes in the same order, and applying a change is
//! deterministic, so record indexes agree between them: an index read from one snapshot is
//! valid in every later one (records are flagged deleted, never removed).
//!
//! The spare copy is made at the first write after start, so a server that only reads
//! holds one copy in memory.

use super::{ApplyReport, ArticleHeader, ArticleIx, EventIx, Graph};
use crate::extract::Extraction;
use crate::kb::KnowledgeBase;
use arc_swap::{ArcSwap, Guard};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A change to the graph.
#[derive(Debug)]
pub enum Change {
    /// Add articles with their extracted facts, in order.
    Add(Vec<(ArticleHeader, Extraction)>),
    /// Remove an article.
    Remove(ArticleIx),
}

/// What a change did, as the first application of it reported.
#[derive(Debug)]
pub enum Outcome {
    /// One report per added article.
    Added(Vec<ApplyReport>),
    /// Events removed (no source left) and events that lost a source.
    Removed {
        /// Events left with no source, now deleted.
        removed: Vec<EventIx>,
        /// Events that lost a source but remain.
        updated: Vec<EventIx>,
    },
}

#[derive(Default)]
struct Writer {
    /// The copy readers no longer load; `None` until the first write.
    spare: Option<Arc<Graph>>,
    /// The last change, applied to the published copy but not yet to the spare.
    behind: Option<Change>,
}

/// The published graph and the writer's spare copy.
pub struct Snapshots {
    published: ArcSwap<Graph>,
    writer: Mutex<Writer>,
}

impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshots").finish_non_exhaustive()
    }
}

fn apply(graph: &mut Graph, kb: &KnowledgeBase, change: &Change) -> Outcome {
    match change {
        Change::Add(items) => Outcome::Added(
            items
                .iter()
                .map(|(article, facts)| graph.apply(kb, article, facts))
                .collect(),
        ),
        Change::Remove(article) => {
            let (removed, updated) = graph.remove_article(*article);
            Outcome::Removed { removed, updated }
        }
    }
}

/// Waits until nobody but the writer holds `copy`, and returns it for writing.
fn exclusive(copy: &mut Arc<Graph>) -> &mut Graph {
    let started = Instant::now();
    let mut warned = false;
    while Arc::get_mut(copy).is_none() {
        if !warned && started.elapsed() > Duration::from_secs(1) {
            tracing::warn!("a write is waiting for a long read of the previous graph snapshot");
            warned = true;
        }
        std::thread::sleep(Duration::from_micros(50));
    }
    // The loop above ended because the copy is unique; it stays so: only the writer, which
    // holds the writer lock, can hand it out again (by publishing it).
    Arc::make_mut(copy)
}

impl Snapshots {
    /// Publishes `graph` as the first snapshot.
    pub fn new(graph: Graph) -> Snapshots {
        Snapshots {
            published: ArcSwap::from_pointee(graph),
            writer: Mutex::new(Writer::default()),
        }
    }

    /// Publishes `graph` in place of the current one (a graph rebuilt in the background).
    /// The spare copy is dropped; the next write makes a new one from `graph`. Readers of
    /// the old snapshot keep it until they finish.
    pub fn replace(&self, graph: Graph) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        writer.spare = None;
        writer.behind = None;
        self.published.store(Arc::new(graph));
    }

    /// The current snapshot. Never blocks.
    pub fn load(&self) -> Guard<Arc<Graph>> {
        self.published.load()
    }

    /// Applies `change` and publishes the result; `read` sees the new graph and what the
    /// change did before readers do. Writers queue on a mutex; readers never wait.
    pub fn commit<R>(
        &self,
        kb: &KnowledgeBase,
        change: Change,
        read: impl FnOnce(&Graph, &Outcome) -> R,
    ) -> R {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut copy = match writer.spare.take() {
            Some(spare) => spare,
            None => Arc::new(Graph::clone(&self.published.load())),
        };
        let graph = exclusive(&mut copy);
        if let Some(behind) = writer.behind.take() {
            apply(graph, kb, &behind);
        }
        let outcome = apply(graph, kb, &change);
        let result = read(graph, &outcome);
        let previous = self.published.swap(copy);
        writer.spare = Some(previous);
        writer.behind = Some(change);
        result
    }

    /// Brings the spare copy up to date and returns both copies (for tests).
    #[cfg(test)]
    pub(crate) fn both_copies(&self, kb: &KnowledgeBase) -> (Arc<Graph>, Option<Arc<Graph>>) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let (Some(mut spare), Some(behind)) = (writer.spare.take(), writer.behind.take()) {
            apply(exclusive(&mut spare), kb, &behind);
            writer.spare = Some(spare);
        }
        (self.published.load_full(), writer.spare.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::extract::Extractor;
    use crate::ingest::{Limits, RawArticle};
    use crate::service::Service;
    use std::sync::Arc;

    fn seeds() -> Vec<RawArticle> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|x| x == "txt"));
        files.sort();
        files
            .iter()
            .map(|p| RawArticle {
                source: p.display().to_string(),
                bytes: std::fs::read(p).unwrap_or_default(),
                ..RawArticle::default()
            })
            .collect()
    }

    fn service() -> Service {
        Service::in_memory(Arc::new(Extractor::new()), Limits::default())
    }

    #[test]
    fn both_copies_agree_after_adds_and_a_delete() {
        let raws = seeds();
        assert!(raws.len() >= 5, "seeds missing");
        let service = service();
        service.ingest_many(raws[..2].to_vec());
        service.ingest_many(raws[2..4].to_vec());
        let first = service.read().articles().next();
        let id = first.map(|a| service.read().article(a).id.0.clone());
        let removed = service.delete(&id.unwrap_or_default());
        assert!(removed.is_ok(), "{removed:?}");
        service.ingest_many(raws[4..].to_vec());
        let (published, spare) = service.snapshots().both_copies(&service.extractor().kb);
        let spare = spare.expect("a spare copy exists after writes");
        assert_eq!(published.article_count(), raws.len() - 1);
        assert_eq!(published.fingerprint(), spare.fingerprint());
    }

    #[test]
    fn a_reader_keeps_its_snapshot_while_writes_go_on() {
        let raws = seeds();
        let service = Arc::new(service());
        service.ingest_many(raws[..1].to_vec());
        let held = service.read();
        service.ingest_many(raws[1..2].to_vec());
        // The held snapshot does not change; a new read sees the write.
        assert_eq!(held.article_count(), 1);
        assert_eq!(service.read().article_count(), 2);
        // The next write needs the held copy back: it waits for the reader, not the reverse.
        let writer = {
            let service = service.clone();
            let raws = raws[2..3].to_vec();
            std::thread::spawn(move || service.ingest_many(raws))
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(service.read().article_count(), 2, "a reader never waits");
        drop(held);
        assert!(writer.join().is_ok());
        assert_eq!(service.read().article_count(), 3);
    }
}
