//! The in-memory event graph: a petgraph `StableDiGraph` of articles, events and entities,
//! with side tables for their records and the indexes queries need (id → node, per entity
//! its events ordered by date, all events ordered by date).
//!
//! The graph is derived data, rebuilt from the store at start. `NodeIndex` never leaves this
//! module: the outside world sees public ids (`Article:…`, `Event:…`, `Entity:…`).

mod chunked;
mod date_index;
mod query;
mod resolve;
mod same_event;
pub mod snapshot_file;
mod snapshots;

pub use query::{
    EventCounts, EventCursor, EventFilter, Granularity, Neighborhood, ScanDeadline, SortOrder,
    TimelineBucket, is_event_cursor, kind_choice,
};
pub use resolve::ApplyReport;
pub use snapshots::{Change, Outcome, Snapshots};

use crate::model::{
    ArticleId, DatePrecision, DateSpan, EntityKind, EventKind, EventStatus, Language, MonthDay,
};
use chrono::NaiveDate;
use chunked::ChunkedVec;
use date_index::{DateIndex, KeyedIndexes};
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use smallvec::SmallVec;
use std::collections::HashMap;
use std::sync::Arc;

/// Index of an article record.
pub type ArticleIx = u32;
/// Index of an event record.
pub type EventIx = u32;
/// Index of an entity record.
pub type EntityIx = u32;

/// What a graph node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum NodeRef {
    /// An article.
    Article(ArticleIx),
    /// An event.
    Event(EventIx),
    /// An entity.
    Entity(EntityIx),
}

/// Edge types.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum EdgeKind {
    /// Article → the event it reports.
    Reports,
    /// Article → an event it mentions.
    Mentions,
    /// Article → an entity it names.
    Names,
    /// Event → person.
    Participant,
    /// Event → country.
    Involves,
    /// Event → place.
    HeldIn,
    /// Event → summit format.
    PartOf,
    /// Event → organisation.
    Organization,
    /// Event → an event it refers to (past or planned).
    RefersTo,
    /// Person → country (or organisation) they lead (or led): heads of state, government
    /// or organisation (`kb/lexicon/leader_roles.txt`).
    LeaderOf,
    /// Person → country (or organisation) where they hold (or held) another office; the
    /// evidence names the role.
    HoldsOffice,
    /// Event → the news outlet or press service that reported it (a source, not a party).
    ReportedBy,
}

impl EdgeKind {
    /// Upper-case name for the API.
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Reports => "REPORTS",
            EdgeKind::Mentions => "MENTIONS",
            EdgeKind::Names => "NAMES",
            EdgeKind::Participant => "PARTICIPANT",
            EdgeKind::Involves => "INVOLVES",
            EdgeKind::HeldIn => "HELD_IN",
            EdgeKind::PartOf => "PART_OF",
            EdgeKind::Organization => "ORGANIZATION",
            EdgeKind::RefersTo => "REFERS_TO",
            EdgeKind::LeaderOf => "LEADER_OF",
            EdgeKind::HoldsOffice => "HOLDS_OFFICE",
            EdgeKind::ReportedBy => "REPORTED_BY",
        }
    }

    /// The event → entity edge for an entity kind.
    pub fn for_entity(kind: EntityKind) -> EdgeKind {
        match kind {
            EntityKind::Person => EdgeKind::Participant,
            EntityKind::Country => EdgeKind::Involves,
            EntityKind::Place => EdgeKind::HeldIn,
            EntityKind::Summit => EdgeKind::PartOf,
            EntityKind::Organization => EdgeKind::Organization,
        }
    }
}

/// Why an edge exists: the article and the words that support it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// Article the link comes from.
    pub article: ArticleIx,
    /// The supporting text (a surface form or a sentence) as an id into the graph's text
    /// table ([`Graph::text`]): each distinct text is stored once.
    pub text: TextId,
}

/// Id of an evidence text in the graph's text table.
pub type TextId = u32;

/// Edge weight: its kind and where its evidence is ([`Graph::evidence_of`]). The evidence
/// lives in a chunked side table, so the graph's two copies share it; the edge itself stays
/// eight bytes.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct EdgeData {
    /// Kind.
    pub kind: EdgeKind,
    /// Slot in the evidence table.
    evidence: u32,
}

/// The evidence of one edge, one per supporting article (most edges have one or two: kept
/// inline, 24 bytes).
type EvidenceList = SmallVec<[Evidence; 2]>;

/// What the graph is given of an article besides its facts: identity and header. (The
/// body stays in the store; the graph never sees ingestion's types.)
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleHeader {
    /// Content id.
    pub id: ArticleId,
    /// Source key.
    pub source: String,
    /// Title.
    pub title: String,
    /// Publication date, if known.
    pub published_on: Option<NaiveDate>,
}

/// An article in the graph.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ArticleRec {
    /// Content id.
    pub id: ArticleId,
    /// Source key.
    pub source: String,
    /// Title.
    pub title: String,
    /// Publication date.
    pub published_on: Option<NaiveDate>,
    /// Language.
    pub language: Language,
    /// The reported event.
    pub main_event: EventIx,
    /// Mentioned events.
    pub mentioned_events: Vec<EventIx>,
    /// Named entities.
    pub entities: Vec<EntityIx>,
    /// Node.
    pub node: NodeIndex,
    /// Removed by `deleteArticle`.
    pub deleted: bool,
}

/// An event in the graph.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EventRec {
    /// Public id tail (`<article id>-<n>`).
    pub id: String,
    /// Kind.
    pub kind: EventKind,
    /// Status.
    pub status: EventStatus,
    /// Date.
    pub date: DateSpan,
    /// Day and month known without a year.
    pub month_day: Option<MonthDay>,
    /// Title.
    pub title: String,
    /// Articles that report it (main event).
    pub reported_by: Vec<ArticleIx>,
    /// Articles that mention it.
    pub mentioned_by: Vec<ArticleIx>,
    /// Linked entities and the edge kind.
    pub entities: Vec<EntityIx>,
    /// Why later reports joined it (one note per joining article).
    pub merges: Vec<MergeNote>,
    /// Node.
    pub node: NodeIndex,
    /// No source left.
    pub deleted: bool,
}

/// Why an article's event was merged into an existing event.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MergeNote {
    /// The article whose report joined.
    pub article: ArticleIx,
    /// The same-event score.
    pub score: f32,
    /// The best other candidate's score.
    pub runner_up: Option<f32>,
    /// The evidence, one line each.
    pub evidence: Vec<String>,
}

impl EventRec {
    /// Every article that reports or mentions the event, reports first.
    pub fn articles(&self) -> impl Iterator<Item = ArticleIx> + '_ {
        self.reported_by
            .iter()
            .chain(self.mentioned_by.iter())
            .copied()
    }
}

/// An entity in the graph.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EntityRec {
    /// Key (`country/kz`).
    pub key: String,
    /// Kind.
    pub kind: EntityKind,
    /// Canonical English name.
    pub name: String,
    /// Every name: canonical, aliases, and surface forms seen, in first-seen order.
    pub names: Vec<String>,
    /// Prior share of events naming it (knowledge base), for same-event rarity weights.
    pub prior: f32,
    /// A news outlet or press service.
    pub source: bool,
    /// A region: events concern it rather than take place in it.
    pub region: bool,
    /// Display names in Kazakh and Russian from the knowledge base.
    pub local_names: crate::kb::LocalNames,
    /// Node.
    pub node: NodeIndex,
}

/// Sort key of an event by date: days since CE; undated events get negative keys, so they
/// sort first (oldest) and group by their known day and month, if any.
pub type DateKey = i32;

/// The sort key of a date span (see [`DateKey`]).
pub fn date_key(date: &DateSpan) -> DateKey {
    use chrono::Datelike;
    date.start.map_or(i32::MIN, |d| d.num_days_from_ce())
}

/// The key of an undated event whose day and month are known.
pub fn month_day_key(month_day: MonthDay) -> DateKey {
    i32::MIN + 1 + (month_day.month * 32 + month_day.day) as i32
}

/// The key of an event record.
pub fn event_key(date: &DateSpan, month_day: Option<MonthDay>) -> DateKey {
    match (date.start, month_day) {
        (None, Some(md)) => month_day_key(md),
        _ => date_key(date),
    }
}

/// What an event's index entries are grouped by besides the date: its kind, status, date
/// precision and the languages of its sources. Every entity keeps one date index per class
/// it has events of, so a filter on any of these, or on several kinds, or on any
/// combination, reads a union of whole indexes: counted by binary search in each, paged by
/// merging them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventClass {
    /// Kind.
    pub kind: EventKind,
    /// Status.
    pub status: EventStatus,
    /// Date precision.
    pub precision: DatePrecision,
    /// The languages of its sources, one bit each ([`language_bit`]).
    pub languages: u8,
}

/// A language's bit in [`EventClass::languages`].
pub fn language_bit(language: Language) -> u8 {
    match language {
        Language::Kk => 1,
        Language::Ru => 2,
        Language::En => 4,
    }
}

/// True for the keys of undated events.
pub fn is_undated(key: DateKey) -> bool {
    key < 0
}

/// The event graph.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Graph {
    graph: StableDiGraph<NodeRef, EdgeData>,
    /// Record tables in shared chunks: the graph's two copies share unchanged records.
    articles: ChunkedVec<ArticleRec>,
    events: ChunkedVec<EventRec>,
    entities: Vec<EntityRec>,
    article_by_id: HashMap<ArticleId, ArticleIx>,
    event_by_id: HashMap<String, EventIx>,
    entity_by_key: HashMap<String, EntityIx>,
    name_index: HashMap<String, Vec<EntityIx>>,
    /// All live events by (date key, index).
    events_by_date: DateIndex<(DateKey, EventIx)>,
    /// Per entity, its live events by (date key, index).
    entity_events: Vec<DateIndex<(DateKey, EventIx)>>,
    /// Live events per class (kind, status, precision) by (date key, index).
    events_by_class: KeyedIndexes<EventClass, (DateKey, EventIx)>,
    /// Per entity, its live events per class by (date key, index).
    entity_class_events: Vec<KeyedIndexes<EventClass, (DateKey, EventIx)>>,
    /// Per entity, how many live events it shares with each other entity (kept current on
    /// every link and deletion, so `related` and `path` never scan events).
    cooccurrence: Vec<HashMap<EntityIx, u32>>,
    live_articles: usize,
    live_events: usize,
    /// Per edge, its evidence (slot in [`EdgeData`]).
    edge_evidence: ChunkedVec<EvidenceList>,
    /// Every evidence text, once, by id (see [`Graph::intern`]).
    texts: ChunkedVec<Arc<str>>,
    /// Text → id, for interning; a snapshot load rebuilds it from `texts`.
    #[serde(skip)]
    text_ids: HashMap<Arc<str>, TextId>,
}

/// Counts for the whole graph.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GraphStats {
    /// Live articles.
    pub articles: usize,
    /// Live events.
    pub events: usize,
    /// Entities.
    pub entities: usize,
    /// Edges.
    pub edges: usize,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Everything in the graph as text, with maps in sorted order: two graphs built by the
    /// same changes in the same order have the same fingerprint.
    #[cfg(test)]
    pub(crate) fn fingerprint(&self) -> String {
        use petgraph::visit::{EdgeRef, IntoEdgeReferences};
        fn sorted<K: std::fmt::Debug + Ord, V: std::fmt::Debug>(
            map: &HashMap<K, V>,
        ) -> Vec<(&K, &V)> {
            let mut items: Vec<(&K, &V)> = map.iter().collect();
            items.sort_by(|a, b| a.0.cmp(b.0));
            items
        }
        let edges: Vec<String> = self
            .graph
            .edge_references()
            .map(|e| {
                format!(
                    "{:?}->{:?} {:?} {:?}",
                    e.source(),
                    e.target(),
                    e.weight().kind,
                    self.evidence_of(e.weight())
                )
            })
            .collect();
        let cooccurrence: Vec<Vec<(&EntityIx, &u32)>> =
            self.cooccurrence.iter().map(sorted).collect();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{} {}",
            self.articles,
            self.events,
            self.entities,
            edges,
            sorted(&self.article_by_id),
            sorted(&self.event_by_id),
            sorted(&self.entity_by_key),
            sorted(&self.name_index),
            self.events_by_date.iter().collect::<Vec<_>>(),
            self.entity_events
                .iter()
                .map(|set| set.iter().collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            self.events_by_class.entries(),
            self.entity_class_events
                .iter()
                .map(KeyedIndexes::entries)
                .collect::<Vec<_>>(),
            cooccurrence,
            self.live_articles,
            self.live_events
        )
    }

    /// Counts.
    pub fn stats(&self) -> GraphStats {
        GraphStats {
            articles: self.live_articles,
            events: self.live_events,
            entities: self.entities.len(),
            edges: self.graph.edge_count(),
        }
    }

    /// Live events per kind, in one pass over the events.
    pub fn events_per_kind(&self) -> Vec<(EventKind, usize)> {
        let mut counts: Vec<(EventKind, usize)> =
            EventKind::ALL.into_iter().map(|k| (k, 0)).collect();
        for e in self.events.iter().filter(|e| !e.deleted) {
            if let Some(slot) = counts.iter_mut().find(|(k, _)| *k == e.kind) {
                slot.1 += 1;
            }
        }
        counts
    }

    /// Article record.
    pub fn article(&self, ix: ArticleIx) -> &ArticleRec {
        &self.articles[ix as usize]
    }

    /// Event record.
    pub fn event(&self, ix: EventIx) -> &EventRec {
        &self.events[ix as usize]
    }

    /// Entity record.
    pub fn entity(&self, ix: EntityIx) -> &EntityRec {
        &self.entities[ix as usize]
    }

    /// Looks an article up by content id.
    pub fn article_by_id(&self, id: &str) -> Option<ArticleIx> {
        self.article_by_id
            .get(&ArticleId(id.to_string()))
            .copied()
            .filter(|&ix| !self.articles[ix as usize].deleted)
    }

    /// Looks an event up by id.
    pub fn event_by_id(&self, id: &str) -> Option<EventIx> {
        self.event_by_id
            .get(id)
            .copied()
            .filter(|&ix| !self.events[ix as usize].deleted)
    }

    /// Looks an entity up by key.
    pub fn entity_by_key(&self, key: &str) -> Option<EntityIx> {
        self.entity_by_key.get(key).copied()
    }

    /// Live articles in ingestion order.
    pub fn articles(&self) -> impl DoubleEndedIterator<Item = ArticleIx> + '_ {
        (0..self.articles.len() as ArticleIx).filter(|&i| !self.articles[i as usize].deleted)
    }

    /// Number of live articles.
    pub fn article_count(&self) -> usize {
        self.live_articles
    }

    /// All entities.
    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// Entities whose name or alias contains `needle` (folded), or all when `None`.
    pub fn search_entities(&self, kind: Option<EntityKind>, needle: Option<&str>) -> Vec<EntityIx> {
        let mut out: Vec<EntityIx> = match needle.map(crate::text::fold) {
            Some(needle) if !needle.trim().is_empty() => {
                let needle = needle.trim().to_string();
                let mut found: Vec<EntityIx> = self
                    .name_index
                    .iter()
                    .filter(|(name, _)| {
                        name.contains(&needle) || self.inflected_match(name, &needle)
                    })
                    .flat_map(|(_, ixs)| ixs.iter().copied())
                    .collect();
                found.sort_unstable();
                found.dedup();
                found
            }
            _ => (0..self.entities.len() as EntityIx).collect(),
        };
        if let Some(kind) = kind {
            out.retain(|&ix| self.entities[ix as usize].kind == kind);
        }
        // Most-connected first, then by name: what a search box should show.
        out.sort_by(|&a, &b| {
            let (ea, eb) = (
                &self.entity_events[a as usize],
                &self.entity_events[b as usize],
            );
            eb.len().cmp(&ea.len()).then_with(|| {
                self.entities[a as usize]
                    .name
                    .cmp(&self.entities[b as usize].name)
            })
        });
        out
    }

    /// A search word that is an inflected form of a known name ("России" finds "Россия").
    fn inflected_match(&self, name: &str, needle: &str) -> bool {
        if needle.chars().count() < 4 || name.contains(' ') {
            return false;
        }
        let common = name
            .chars()
            .zip(needle.chars())
            .take_while(|(a, b)| a == b)
            .count();
        let shorter = name.chars().count().min(needle.chars().count());
        common >= 4 && common + 2 >= shorter
    }

    /// Public id of a node, as the API and exports give it: `Article:<id>`, `Event:<id>`,
    /// `Entity:<key>`.
    pub fn public_id(&self, node: NodeRef) -> String {
        // Concatenated rather than `format!`ted: a timeline page makes one per row.
        let (prefix, local): (&str, &str) = match node {
            NodeRef::Article(ix) => ("Article:", &self.article(ix).id.0),
            NodeRef::Event(ix) => ("Event:", &self.event(ix).id),
            NodeRef::Entity(ix) => ("Entity:", &self.entity(ix).key),
        };
        let mut id = String::with_capacity(prefix.len() + local.len());
        id.push_str(prefix);
        id.push_str(local);
        id
    }

    /// An entity's name in `language`: the knowledge base's Kazakh or Russian display name
    /// when it has one, else the canonical English name.
    pub fn entity_name_in(&self, entity: EntityIx, language: crate::model::Language) -> &str {
        use crate::model::Language;
        let record = self.entity(entity);
        let local = match language {
            Language::En => None,
            Language::Kk => record.local_names.kk.as_deref(),
            Language::Ru => record.local_names.ru.as_deref(),
        };
        local.unwrap_or(&record.name)
    }

    /// A short label: kind and the surnames of up to two participants
    /// (`Meeting: Tokayev, Putin`).
    pub fn event_label(&self, event: EventIx) -> String {
        let e = self.event(event);
        let kind = e.kind.name().replace('_', " ");
        let mut label = format!("{}{}", &kind[..1], kind[1..].to_lowercase());
        let people: Vec<&str> = e
            .entities
            .iter()
            .filter(|&&x| self.entity(x).kind == EntityKind::Person)
            .take(2)
            .map(|&x| self.entity(x).name.rsplit(' ').next().unwrap_or(""))
            .collect();
        if !people.is_empty() {
            label.push_str(": ");
            label.push_str(&people.join(", "));
        }
        label
    }

    /// Live events linked to an entity, newest first.
    pub fn entity_event_count(&self, entity: EntityIx) -> usize {
        self.entity_events[entity as usize].len()
    }

    /// Edges of a node with their other end, in both directions.
    pub fn edges_of(&self, node: NodeRef) -> Vec<(EdgeKind, bool, NodeRef, &EdgeData)> {
        let Some(index) = self.node_index(node) else {
            return Vec::new();
        };
        use petgraph::Direction::{Incoming, Outgoing};
        use petgraph::visit::EdgeRef;
        let mut out = Vec::new();
        for (direction, outgoing) in [(Outgoing, true), (Incoming, false)] {
            for edge in self.graph.edges_directed(index, direction) {
                let other = if outgoing {
                    edge.target()
                } else {
                    edge.source()
                };
                if let Some(&other_ref) = self.graph.node_weight(other) {
                    out.push((edge.weight().kind, outgoing, other_ref, edge.weight()));
                }
            }
        }
        out
    }

    /// The evidence of the edge between two nodes, if any.
    pub fn evidence_between(&self, from: NodeRef, to: NodeRef) -> Vec<(EdgeKind, &Evidence)> {
        let (Some(a), Some(b)) = (self.node_index(from), self.node_index(to)) else {
            return Vec::new();
        };
        self.graph
            .edges_connecting(a, b)
            .flat_map(|e| {
                let kind = e.weight().kind;
                self.evidence_of(e.weight())
                    .iter()
                    .map(move |ev| (kind, ev))
            })
            .collect()
    }

    /// The evidence of an edge.
    pub fn evidence_of(&self, edge: &EdgeData) -> &[Evidence] {
        self.edge_evidence
            .get(edge.evidence as usize)
            .map_or(&[], |list| list.as_slice())
    }

    /// The evidence list of an edge, for changing it.
    fn evidence_mut(&mut self, edge: EdgeData) -> &mut EvidenceList {
        &mut self.edge_evidence[edge.evidence as usize]
    }

    /// The id of an evidence text, added to the table if new. Texts of deleted articles
    /// stay (deletions are rare; a rebuild drops them).
    fn intern(&mut self, text: &str) -> TextId {
        if let Some(&id) = self.text_ids.get(text) {
            return id;
        }
        let id = self.texts.len() as TextId;
        let shared: Arc<str> = Arc::from(text);
        self.texts.push(shared.clone());
        self.text_ids.insert(shared, id);
        id
    }

    /// An evidence text by id.
    pub fn text(&self, id: TextId) -> &str {
        self.texts.get(id as usize).map_or("", |text| text)
    }

    /// Rebuilds the text → id map after a snapshot load.
    pub(crate) fn rebuild_text_ids(&mut self) {
        self.text_ids = self
            .texts
            .iter()
            .enumerate()
            .map(|(id, text)| (text.clone(), id as TextId))
            .collect();
    }

    fn node_index(&self, node: NodeRef) -> Option<NodeIndex> {
        Some(match node {
            NodeRef::Article(ix) => self.articles.get(ix as usize)?.node,
            NodeRef::Event(ix) => self.events.get(ix as usize)?.node,
            NodeRef::Entity(ix) => self.entities.get(ix as usize)?.node,
        })
    }

    fn add_edge(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        evidence: Option<Evidence>,
    ) -> EdgeIndex {
        let existing = self
            .graph
            .edges_connecting(from, to)
            .find(|e| e.weight().kind == kind)
            .map(|e| {
                use petgraph::visit::EdgeRef;
                e.id()
            });
        let index = existing.unwrap_or_else(|| {
            let slot = self.edge_evidence.len() as u32;
            self.edge_evidence.push(SmallVec::new());
            self.graph.add_edge(
                from,
                to,
                EdgeData {
                    kind,
                    evidence: slot,
                },
            )
        });
        if let (Some(ev), Some(&data)) = (evidence, self.graph.edge_weight(index)) {
            let list = self.evidence_mut(data);
            if !list.contains(&ev) {
                list.push(ev);
            }
        }
        index
    }
}

/// Approximate heap bytes of a graph, by part (see [`Graph::memory_by_part`]).
pub type MemoryReport = Vec<(&'static str, usize)>;

impl Graph {
    /// Approximate bytes held by each part of the graph: record tables with their strings,
    /// edges with their evidence, and the indexes. Walks everything (O(size)): for
    /// `eventgraph check` and the memory bench, not for a hot path.
    pub fn memory_by_part(&self) -> MemoryReport {
        use std::mem::size_of;
        fn vec_bytes<T>(v: &Vec<T>) -> usize {
            v.capacity() * size_of::<T>()
        }
        fn spilled_bytes<T>(v: &SmallVec<[T; 2]>) -> usize {
            if v.spilled() {
                v.capacity() * size_of::<T>()
            } else {
                0
            }
        }
        // A hash map entry plus a control byte, at the map's capacity.
        fn map_bytes<K, V>(m: &HashMap<K, V>) -> usize {
            m.capacity() * (size_of::<(K, V)>() + 1)
        }
        let article_strings: usize = self
            .articles
            .iter()
            .map(|a| {
                a.id.0.capacity()
                    + a.source.capacity()
                    + a.title.capacity()
                    + vec_bytes(&a.mentioned_events)
                    + vec_bytes(&a.entities)
            })
            .sum();
        let event_strings: usize = self
            .events
            .iter()
            .map(|e| {
                e.id.capacity()
                    + e.title.capacity()
                    + vec_bytes(&e.reported_by)
                    + vec_bytes(&e.mentioned_by)
                    + vec_bytes(&e.entities)
                    + vec_bytes(&e.merges)
                    + e.merges
                        .iter()
                        .flat_map(|m| &m.evidence)
                        .map(|s| s.capacity() + size_of::<String>())
                        .sum::<usize>()
            })
            .sum();
        let entity_strings: usize = self
            .entities
            .iter()
            .map(|e| {
                e.key.capacity()
                    + e.name.capacity()
                    + vec_bytes(&e.names)
                    + e.names.iter().map(String::capacity).sum::<usize>()
            })
            .sum();
        let (mut evidence_lists, mut evidence_text) = (0, 0);
        evidence_lists += self.edge_evidence.heap_bytes();
        for list in self.edge_evidence.iter() {
            evidence_lists += spilled_bytes(list);
        }
        for text in self.texts.iter() {
            // The text, an Arc's two counters, its table slot and the interner's entry.
            evidence_text += text.len() + 16 + 2 * size_of::<Arc<str>>() + 5;
        }
        let topology = self.graph.node_count() * (size_of::<NodeRef>() + 8)
            + self.graph.edge_count() * (size_of::<EdgeData>() + 16);
        let id_maps = map_bytes(&self.article_by_id)
            + map_bytes(&self.event_by_id)
            + self.event_by_id.keys().map(String::capacity).sum::<usize>()
            + self
                .article_by_id
                .keys()
                .map(|k| k.0.capacity())
                .sum::<usize>()
            + map_bytes(&self.entity_by_key)
            + map_bytes(&self.name_index)
            + self
                .name_index
                .iter()
                .map(|(k, v)| k.capacity() + vec_bytes(v))
                .sum::<usize>();
        let date_indexes = self.events_by_date.heap_bytes()
            + self.events_by_class.heap_bytes()
            + self
                .entity_events
                .iter()
                .map(DateIndex::heap_bytes)
                .sum::<usize>()
            + self
                .entity_class_events
                .iter()
                .map(KeyedIndexes::heap_bytes)
                .sum::<usize>();
        let cooccurrence: usize = self.cooccurrence.iter().map(map_bytes).sum();
        vec![
            (
                "article records",
                self.articles.heap_bytes() + article_strings,
            ),
            ("event records", self.events.heap_bytes() + event_strings),
            ("entity records", vec_bytes(&self.entities) + entity_strings),
            ("graph topology (nodes, edges)", topology),
            ("evidence lists", evidence_lists),
            ("evidence text", evidence_text),
            ("id and name maps", id_maps),
            ("date indexes", date_indexes),
            ("co-occurrence counts", cooccurrence),
        ]
    }
}
