//! Standard export formats of the event graph, for tools that do not speak GraphQL:
//! TimelineJS 3 and vis-timeline (timeline widgets), GraphML (Gephi, yEd, networkx),
//! Cytoscape JSON, CSV (events; links with their evidence) and JSON-LD (schema.org).
//!
//! Pure: a graph snapshot and a [`Selection`] in, bytes out. The HTTP routes
//! (`GET /export/<file>`) and the CLI (`eventgraph export`) both call [`export`].
//!
//! A selection is the events that `events(…)` would list for the same filters, oldest
//! first, at most [`Selection::limit`] of them; graph formats add the entities those events
//! link to and the links among them. Time-based formats (TimelineJS, vis-timeline) leave
//! undated events out: their readers require a start date.

use crate::graph::{
    EdgeKind, EntityIx, EventFilter, EventIx, Graph, NodeRef, SortOrder, kind_choice,
};
use crate::model::{ArticleId, DatePrecision, EntityKind, EventKind, EventStatus};
use crate::store::ArticleOrigin;
use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::fmt::Write as _;

/// Default number of events in one export.
pub const DEFAULT_LIMIT: usize = 10_000;
/// Most events one export may hold (ask for a narrower range beyond it).
pub const MAX_LIMIT: usize = 200_000;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// TimelineJS 3 JSON (`events` with `start_date` objects).
    TimelineJs,
    /// vis-timeline `{ items, groups }`.
    VisTimeline,
    /// GraphML (XML).
    GraphMl,
    /// Cytoscape.js / Cytoscape desktop JSON (`elements.nodes`, `elements.edges`).
    Cytoscape,
    /// One row per event.
    EventsCsv,
    /// One row per event → entity link, with its evidence sentence.
    LinksCsv,
    /// JSON-LD with schema.org types.
    JsonLd,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 7] = [
        ExportFormat::TimelineJs,
        ExportFormat::VisTimeline,
        ExportFormat::GraphMl,
        ExportFormat::Cytoscape,
        ExportFormat::EventsCsv,
        ExportFormat::LinksCsv,
        ExportFormat::JsonLd,
    ];

    /// The CLI name (`--format`).
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::TimelineJs => "timelinejs",
            ExportFormat::VisTimeline => "vis-timeline",
            ExportFormat::GraphMl => "graphml",
            ExportFormat::Cytoscape => "cytoscape",
            ExportFormat::EventsCsv => "events-csv",
            ExportFormat::LinksCsv => "links-csv",
            ExportFormat::JsonLd => "jsonld",
        }
    }

    /// The file name it is served under (`/export/<file>`).
    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::TimelineJs => "timelinejs.json",
            ExportFormat::VisTimeline => "vis-timeline.json",
            ExportFormat::GraphMl => "graph.graphml",
            ExportFormat::Cytoscape => "graph.cyjs",
            ExportFormat::EventsCsv => "events.csv",
            ExportFormat::LinksCsv => "links.csv",
            ExportFormat::JsonLd => "graph.jsonld",
        }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::TimelineJs | ExportFormat::VisTimeline | ExportFormat::Cytoscape => {
                "application/json"
            }
            ExportFormat::GraphMl => "application/graphml+xml; charset=utf-8",
            ExportFormat::EventsCsv | ExportFormat::LinksCsv => "text/csv; charset=utf-8",
            ExportFormat::JsonLd => "application/ld+json",
        }
    }

    /// The format of a CLI name or a file name.
    pub fn parse(name: &str) -> Option<ExportFormat> {
        ExportFormat::ALL
            .into_iter()
            .find(|f| f.name() == name || f.file_name() == name)
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = String;

    /// A CLI name or a file name; an unknown one is refused with the list of both.
    fn from_str(name: &str) -> Result<Self, String> {
        ExportFormat::parse(name).ok_or_else(|| {
            let known: Vec<String> = ExportFormat::ALL
                .iter()
                .map(|f| format!("{} ({})", f.name(), f.file_name()))
                .collect();
            format!("unknown format {name:?}; known: {}", known.join(", "))
        })
    }
}

/// Which events to export.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The filters of `events(…)`: date range, entity, status, language.
    pub filter: EventFilter,
    /// Any of these kinds (empty: every kind).
    pub kinds: Vec<EventKind>,
    /// At most this many events (see [`MAX_LIMIT`]).
    pub limit: usize,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            filter: EventFilter::default(),
            kinds: Vec::new(),
            limit: DEFAULT_LIMIT,
        }
    }
}

/// The filters of an export as text: an HTTP query string's parameters, or the CLI's flags
/// of the same names.
#[derive(Debug, Clone, Default, serde::Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Only events linked to this entity: its global id (`Entity:person/tokayev`) or key
    /// (`person/tokayev`).
    #[arg(long)]
    pub entity: Option<String>,
    /// Earliest date, YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<String>,
    /// Latest date, YYYY-MM-DD.
    #[arg(long)]
    pub to: Option<String>,
    /// Event kinds, comma-separated (VISIT,SUMMIT).
    #[arg(long)]
    pub kinds: Option<String>,
    /// A source language: kk, ru or en.
    #[arg(long)]
    pub language: Option<String>,
    /// HAPPENED or PLANNED.
    #[arg(long)]
    pub status: Option<String>,
    /// At most this many events (default 10,000, at most 200,000).
    #[arg(long)]
    pub limit: Option<usize>,
}

/// A filter value an export cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidParam(pub String);

impl Selection {
    /// The selection `params` describe, checked against `graph` (the entity must exist).
    ///
    /// # Errors
    /// An unknown entity, kind, language or status, a malformed date, `from` after `to`,
    /// or a limit outside 1..=[`MAX_LIMIT`], each with a message saying which.
    pub fn from_params(graph: &Graph, params: &ExportParams) -> Result<Selection, InvalidParam> {
        let date = |name: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| {
                    NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                        InvalidParam(format!("{name}: expected a date as YYYY-MM-DD, got {v:?}"))
                    })
                })
                .transpose()
        };
        let (from, to) = (date("from", &params.from)?, date("to", &params.to)?);
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            return Err(InvalidParam(format!("from ({from}) is after to ({to})")));
        }
        let mut filter = EventFilter {
            from,
            to,
            ..EventFilter::default()
        };
        if let Some(entity) = params.entity.as_deref() {
            let key = entity.strip_prefix("Entity:").unwrap_or(entity);
            let ix = graph
                .entity_by_key(key)
                .ok_or_else(|| InvalidParam(format!("entity: no entity with id {entity:?}")))?;
            filter.all_entities = vec![ix];
        }
        if let Some(language) = params.language.as_deref() {
            filter.language =
                Some(crate::model::Language::from_code(language).ok_or_else(|| {
                    InvalidParam(format!("language: expected kk, ru or en, got {language:?}"))
                })?);
        }
        if let Some(status) = params.status.as_deref() {
            filter.status = Some(match status.to_ascii_uppercase().as_str() {
                "HAPPENED" => EventStatus::Happened,
                "PLANNED" => EventStatus::Planned,
                _ => {
                    return Err(InvalidParam(format!(
                        "status: expected HAPPENED or PLANNED, got {status:?}"
                    )));
                }
            });
        }
        let kinds = match params.kinds.as_deref() {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(|k| {
                    EventKind::from_name(&k.to_ascii_uppercase()).ok_or_else(|| {
                        let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
                        InvalidParam(format!(
                            "kinds: unknown kind {k:?} (known: {})",
                            known.join(", ")
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(InvalidParam(format!(
                "limit: expected 1 to {MAX_LIMIT}, got {limit}"
            )));
        }
        Ok(Selection {
            filter,
            kinds,
            limit,
        })
    }
}

/// An export's bytes and what it holds.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The file.
    pub bytes: Vec<u8>,
    /// Events selected (before a time-based format leaves undated ones out).
    pub events: usize,
    /// Events matching the filters (more than `events` when the limit cut the list).
    pub matching: usize,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// CSV writing failed.
    #[error("CSV export failed: {0}")]
    Csv(#[from] csv::Error),
    /// JSON writing failed.
    #[error("JSON export failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// The selected events, oldest first (undated last), and how many match in all.
fn select(graph: &Graph, selection: &Selection) -> (Vec<EventIx>, usize) {
    let (kind, kinds) = kind_choice(selection.kinds.clone());
    let filter = EventFilter {
        kind,
        kinds,
        ..selection.filter.clone()
    };
    let limit = selection.limit.min(MAX_LIMIT);
    let (page, matching, _) = graph.events_page(&filter, SortOrder::OldestFirst, limit, None);
    (page.into_iter().map(|(_, e)| e).collect(), matching)
}

/// Looks up where an article was published (the graph does not hold URLs and outlets).
pub type OriginLookup<'a> = &'a dyn Fn(&ArticleId) -> ArticleOrigin;

/// Exports the selected events in `format`; `origin` gives source articles' URLs and
/// outlets.
///
/// # Errors
/// When writing CSV or JSON fails (it does not for in-memory output; kept for honesty).
pub fn export(
    graph: &Graph,
    format: ExportFormat,
    selection: &Selection,
    origin: OriginLookup<'_>,
) -> Result<Exported, ExportError> {
    let (events, matching) = select(graph, selection);
    let bytes = match format {
        ExportFormat::TimelineJs => serde_json::to_vec_pretty(&timelinejs(graph, &events, origin))?,
        ExportFormat::VisTimeline => serde_json::to_vec_pretty(&vis_timeline(graph, &events))?,
        ExportFormat::GraphMl => graphml(graph, &events).into_bytes(),
        ExportFormat::Cytoscape => serde_json::to_vec_pretty(&cytoscape(graph, &events))?,
        ExportFormat::EventsCsv => events_csv(graph, &events, origin)?,
        ExportFormat::LinksCsv => links_csv(graph, &events)?,
        ExportFormat::JsonLd => serde_json::to_vec_pretty(&json_ld(graph, &events, origin))?,
    };
    Ok(Exported {
        bytes,
        events: events.len(),
        matching,
    })
}

fn event_id(graph: &Graph, event: EventIx) -> String {
    graph.public_id(NodeRef::Event(event))
}

fn entity_id(graph: &Graph, entity: EntityIx) -> String {
    graph.public_id(NodeRef::Entity(entity))
}

/// The entities an event links to, with the link kind (participants, countries, places,
/// organisations, summit formats; the outlets that reported it as REPORTED_BY).
fn event_links(graph: &Graph, event: EventIx) -> Vec<(EdgeKind, EntityIx)> {
    let mut links: Vec<(EdgeKind, EntityIx)> = graph
        .edges_of(NodeRef::Event(event))
        .into_iter()
        .filter_map(|(kind, outgoing, other, _)| match other {
            NodeRef::Entity(entity) if outgoing => Some((kind, entity)),
            _ => None,
        })
        .collect();
    links.sort_unstable();
    links.dedup();
    links
}

/// Names of the linked entities of one kind, joined for a CSV cell.
fn names_of(graph: &Graph, event: EventIx, kind: EntityKind) -> String {
    let names: Vec<&str> = graph
        .event(event)
        .entities
        .iter()
        .filter(|&&e| graph.entity(e).kind == kind && !graph.entity(e).source)
        .map(|&e| graph.entity(e).name.as_str())
        .collect();
    names.join("; ")
}

/// Last day of an event (its range end, or the end of its month or year).
fn last_day(graph: &Graph, event: EventIx) -> Option<NaiveDate> {
    let date = &graph.event(event).date;
    match date.precision {
        DatePrecision::Day => date.end,
        DatePrecision::Unknown => None,
        _ => date.last_day(),
    }
}

/// Live source articles of an event: (source key, language, title, content id).
fn sources(graph: &Graph, event: EventIx) -> Vec<(&str, &'static str, &str, &ArticleId)> {
    graph
        .event(event)
        .articles()
        .map(|a| graph.article(a))
        .filter(|a| !a.deleted)
        .map(|a| {
            (
                a.source.as_str(),
                a.language.code(),
                a.title.as_str(),
                &a.id,
            )
        })
        .collect()
}

/// Escapes text for HTML and XML.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A TimelineJS date object at the event's precision.
fn timelinejs_date(date: NaiveDate, precision: DatePrecision) -> Value {
    match precision {
        DatePrecision::Year => json!({ "year": date.year().to_string() }),
        DatePrecision::Month => json!({
            "year": date.year().to_string(),
            "month": date.month().to_string(),
        }),
        _ => json!({
            "year": date.year().to_string(),
            "month": date.month().to_string(),
            "day": date.day().to_string(),
        }),
    }
}

fn timelinejs(graph: &Graph, events: &[EventIx], origin: OriginLookup<'_>) -> Value {
    let items: Vec<Value> = events
        .iter()
        .filter_map(|&e| {
            let record = graph.event(e);
            let start = record.date.start?;
            let mut text = String::new();
            let people = names_of(graph, e, EntityKind::Person);
            if !people.is_empty() {
                let _ = write!(text, "<p>{}</p>", escape_markup(&people));
            }
            let list: Vec<String> = sources(graph, e)
                .into_iter()
                .map(|(source, language, title, id)| {
                    let known = origin(id);
                    let credit = known.outlet.as_deref().unwrap_or(source);
                    let title = match &known.url {
                        Some(url) => format!(
                            "<a href=\"{}\">{}</a>",
                            escape_markup(url),
                            escape_markup(title)
                        ),
                        None => escape_markup(title),
                    };
                    format!("{title} ({language}, {})", escape_markup(credit))
                })
                .collect();
            if !list.is_empty() {
                let _ = write!(text, "<p>Sources: {}</p>", list.join("; "));
            }
            let mut item = json!({
                "unique_id": event_id(graph, e).replace([':', '/'], "-"),
                "start_date": timelinejs_date(start, record.date.precision),
                "text": { "headline": escape_markup(&record.title), "text": text },
                "group": record.kind.name(),
            });
            if let (DatePrecision::Day, Some(end)) = (record.date.precision, record.date.end) {
                item["end_date"] = timelinejs_date(end, DatePrecision::Day);
            }
            Some(item)
        })
        .collect();
    json!({
        "title": { "text": {
            "headline": "eventgraph",
            "text": format!("{} events", items.len()),
        } },
        "events": items,
    })
}

fn vis_timeline(graph: &Graph, events: &[EventIx]) -> Value {
    let mut kinds: Vec<EventKind> = Vec::new();
    let items: Vec<Value> = events
        .iter()
        .filter_map(|&e| {
            let record = graph.event(e);
            let start = record.date.start?;
            if !kinds.contains(&record.kind) {
                kinds.push(record.kind);
            }
            let mut item = json!({
                "id": event_id(graph, e),
                "content": escape_markup(&graph.event_label(e)),
                "title": escape_markup(&record.title),
                "start": start.to_string(),
                "group": record.kind.name(),
                "className": record.status.name().to_lowercase(),
                "precision": record.date.precision.name(),
            });
            // vis-timeline ranges end exclusive: the day after the last one.
            match last_day(graph, e).and_then(|d| d.succ_opt()) {
                Some(end) => {
                    item["end"] = json!(end.to_string());
                    item["type"] = json!("range");
                }
                None => item["type"] = json!("point"),
            }
            Some(item)
        })
        .collect();
    kinds.sort_unstable_by_key(|k| k.name());
    let groups: Vec<Value> = kinds
        .into_iter()
        .map(|k| json!({ "id": k.name(), "content": k.name().replace('_', " ") }))
        .collect();
    json!({ "items": items, "groups": groups })
}

/// The selected events, the entities they link to, and the links (event → entity, and
/// event → event among the selected ones).
struct Subgraph {
    events: Vec<EventIx>,
    entities: Vec<EntityIx>,
    links: Vec<(NodeRef, NodeRef, EdgeKind)>,
}

fn subgraph(graph: &Graph, events: &[EventIx]) -> Subgraph {
    let selected: HashSet<EventIx> = events.iter().copied().collect();
    let mut entities = Vec::new();
    let mut seen = HashSet::new();
    let mut links = Vec::new();
    for &e in events {
        // One pass over the event's edges: its entities, and the selected events it refers to.
        let mut own = HashSet::new();
        for (kind, outgoing, other, _) in graph.edges_of(NodeRef::Event(e)) {
            let wanted = match other {
                NodeRef::Entity(_) => outgoing,
                NodeRef::Event(target) => outgoing && selected.contains(&target),
                NodeRef::Article(_) => false,
            };
            if !wanted || !own.insert((kind, other)) {
                continue;
            }
            if let NodeRef::Entity(entity) = other
                && seen.insert(entity)
            {
                entities.push(entity);
            }
            links.push((NodeRef::Event(e), other, kind));
        }
    }
    Subgraph {
        events: events.to_vec(),
        entities,
        links,
    }
}

/// Node attributes shared by GraphML and Cytoscape JSON: (name, value) pairs.
fn node_attributes(graph: &Graph, node: NodeRef) -> Vec<(&'static str, String)> {
    match node {
        NodeRef::Event(e) => {
            let record = graph.event(e);
            let sources: Vec<&str> = sources(graph, e).into_iter().map(|s| s.0).collect();
            vec![
                ("label", graph.event_label(e)),
                ("type", "EVENT".to_string()),
                ("kind", record.kind.name().to_string()),
                ("title", record.title.clone()),
                (
                    "date",
                    record.date.start.map(|d| d.to_string()).unwrap_or_default(),
                ),
                ("precision", record.date.precision.name().into()),
                ("status", record.status.name().to_string()),
                ("sources", sources.join("; ")),
            ]
        }
        NodeRef::Entity(e) => {
            let record = graph.entity(e);
            vec![
                ("label", record.name.clone()),
                ("type", "ENTITY".to_string()),
                ("kind", record.kind.name().to_string()),
                ("title", record.name.clone()),
                ("date", String::new()),
                ("precision", String::new()),
                ("status", String::new()),
                ("sources", String::new()),
            ]
        }
        NodeRef::Article(a) => vec![("label", graph.article(a).title.clone())],
    }
}

/// The GraphML attribute keys of nodes, in [`node_attributes`] order.
const NODE_KEYS: [&str; 8] = [
    "label",
    "type",
    "kind",
    "title",
    "date",
    "precision",
    "status",
    "sources",
];

fn graphml(graph: &Graph, events: &[EventIx]) -> String {
    let sub = subgraph(graph, events);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    );
    for key in NODE_KEYS {
        let _ = writeln!(
            out,
            "  <key id=\"{key}\" for=\"node\" attr.name=\"{key}\" attr.type=\"string\"/>"
        );
    }
    out.push_str("  <key id=\"link\" for=\"edge\" attr.name=\"link\" attr.type=\"string\"/>\n");
    out.push_str("  <graph id=\"eventgraph\" edgedefault=\"directed\">\n");
    let nodes = sub
        .events
        .iter()
        .map(|&e| NodeRef::Event(e))
        .chain(sub.entities.iter().map(|&e| NodeRef::Entity(e)));
    for node in nodes {
        let _ = writeln!(
            out,
            "    <node id=\"{}\">",
            escape_markup(&graph.public_id(node))
        );
        for (key, value) in node_attributes(graph, node) {
            if !value.is_empty() {
                let _ = writeln!(
                    out,
                    "      <data key=\"{key}\">{}</data>",
                    escape_markup(&value)
                );
            }
        }
        out.push_str("    </node>\n");
    }
    for (i, (from, to, kind)) in sub.links.iter().enumerate() {
        let _ = writeln!(
            out,
            "    <edge id=\"l{i}\" source=\"{}\" target=\"{}\"><data key=\"link\">{}</data></edge>",
            escape_markup(&graph.public_id(*from)),
            escape_markup(&graph.public_id(*to)),
            kind.name()
        );
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn cytoscape(graph: &Graph, events: &[EventIx]) -> Value {
    let sub = subgraph(graph, events);
    let nodes: Vec<Value> = sub
        .events
        .iter()
        .map(|&e| NodeRef::Event(e))
        .chain(sub.entities.iter().map(|&e| NodeRef::Entity(e)))
        .map(|node| {
            let mut data = serde_json::Map::new();
            data.insert("id".into(), json!(graph.public_id(node)));
            for (key, value) in node_attributes(graph, node) {
                if !value.is_empty() {
                    data.insert(key.into(), json!(value));
                }
            }
            data.insert(
                "name".into(),
                data.get("label").cloned().unwrap_or(Value::Null),
            );
            json!({ "data": data })
        })
        .collect();
    let edges: Vec<Value> = sub
        .links
        .iter()
        .enumerate()
        .map(|(i, (from, to, kind))| {
            json!({ "data": {
                "id": format!("l{i}"),
                "source": graph.public_id(*from),
                "target": graph.public_id(*to),
                "interaction": kind.name(),
            } })
        })
        .collect();
    json!({
        "format_version": "1.0",
        "generated_by": "eventgraph",
        "target_cytoscapejs_version": "~3",
        "data": { "name": "eventgraph" },
        "elements": { "nodes": nodes, "edges": edges },
    })
}

fn events_csv(
    graph: &Graph,
    events: &[EventIx],
    origin: OriginLookup<'_>,
) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "id",
        "kind",
        "status",
        "date",
        "end_date",
        "precision",
        "title",
        "label",
        "participants",
        "countries",
        "places",
        "organizations",
        "summits",
        "languages",
        "sources",
        "source_urls",
        "outlets",
    ])?;
    for &e in events {
        let record = graph.event(e);
        let sources = sources(graph, e);
        let mut languages: Vec<&str> = sources.iter().map(|s| s.1).collect();
        languages.sort_unstable();
        languages.dedup();
        let origins: Vec<ArticleOrigin> = sources.iter().map(|s| origin(s.3)).collect();
        let urls: Vec<&str> = origins.iter().filter_map(|o| o.url.as_deref()).collect();
        let mut outlets: Vec<&str> = origins.iter().filter_map(|o| o.outlet.as_deref()).collect();
        outlets.sort_unstable();
        outlets.dedup();
        let sources: Vec<&str> = sources.iter().map(|s| s.0).collect();
        write_cells(
            &mut writer,
            [
                event_id(graph, e),
                record.kind.name().to_string(),
                record.status.name().to_string(),
                record.date.start.map(|d| d.to_string()).unwrap_or_default(),
                last_day(graph, e)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                record.date.precision.name().to_string(),
                record.title.clone(),
                graph.event_label(e),
                names_of(graph, e, EntityKind::Person),
                names_of(graph, e, EntityKind::Country),
                names_of(graph, e, EntityKind::Place),
                names_of(graph, e, EntityKind::Organization),
                names_of(graph, e, EntityKind::Summit),
                languages.join("; "),
                sources.join("; "),
                urls.join("; "),
                outlets.join("; "),
            ],
        )?;
    }
    writer
        .into_inner()
        .map_err(|e| ExportError::Csv(csv::Error::from(std::io::Error::other(e.to_string()))))
}

/// A cell a spreadsheet will not run: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'` (OWASP's advice on CSV injection), and control
/// characters other than tab and line breaks become U+FFFD.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_control = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let risky_start = cell
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if !risky_start && !cell.chars().any(unsafe_control) {
        return std::borrow::Cow::Borrowed(cell);
    }
    let prefix = if risky_start { "'" } else { "" };
    let cleaned = cell
        .chars()
        .map(|c| if unsafe_control(c) { '\u{fffd}' } else { c });
    std::borrow::Cow::Owned(prefix.chars().chain(cleaned).collect())
}

/// Writes one data row, every cell through [`spreadsheet_safe`].
fn write_cells<W: std::io::Write, S: AsRef<str>>(
    writer: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> Result<(), csv::Error> {
    for cell in cells {
        writer.write_field(spreadsheet_safe(cell.as_ref()).as_bytes())?;
    }
    // An empty record ends the row of the fields written above.
    writer.write_record(None::<&[u8]>)
}

fn links_csv(graph: &Graph, events: &[EventIx]) -> Result<Vec<u8>, ExportError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record([
        "event_id",
        "event_date",
        "event_title",
        "link",
        "entity_id",
        "entity_kind",
        "entity_name",
        "evidence",
        "article",
    ])?;
    for &e in events {
        let record = graph.event(e);
        for (kind, entity) in event_links(graph, e) {
            let evidence = graph
                .evidence_between(NodeRef::Event(e), NodeRef::Entity(entity))
                .into_iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, ev)| {
                    (
                        graph.text(ev.text),
                        graph.article(ev.article).source.as_str(),
                    )
                });
            let (text, article) = evidence.unwrap_or(("", ""));
            write_cells(
                &mut writer,
                [
                    event_id(graph, e).as_str(),
                    &record.date.start.map(|d| d.to_string()).unwrap_or_default(),
                    &record.title,
                    kind.name(),
                    &entity_id(graph, entity),
                    graph.entity(entity).kind.name(),
                    &graph.entity(entity).name,
                    text,
                    article,
                ],
            )?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| ExportError::Csv(csv::Error::from(std::io::Error::other(e.to_string()))))
}

/// A JSON-LD node id: a URN built from the public id.
fn urn(id: &str) -> String {
    format!("urn:eventgraph:{id}")
}

fn json_ld(graph: &Graph, events: &[EventIx], origin: OriginLookup<'_>) -> Value {
    let sub = subgraph(graph, events);
    let mut nodes: Vec<Value> = Vec::new();
    let mut entity_links: std::collections::HashMap<EventIx, Vec<(EdgeKind, EntityIx)>> =
        std::collections::HashMap::new();
    for &(from, to, kind) in &sub.links {
        if let (NodeRef::Event(event), NodeRef::Entity(entity)) = (from, to) {
            entity_links.entry(event).or_default().push((kind, entity));
        }
    }
    for &e in &sub.events {
        let record = graph.event(e);
        let mut node = json!({
            "@id": urn(&event_id(graph, e)),
            "@type": "Event",
            "name": record.title,
            "keywords": record.kind.name(),
        });
        if let Some(start) = record.date.start {
            node["startDate"] = json!(match record.date.precision {
                DatePrecision::Year => start.year().to_string(),
                DatePrecision::Month => start.format("%Y-%m").to_string(),
                _ => start.to_string(),
            });
        }
        if let (DatePrecision::Day, Some(end)) = (record.date.precision, record.date.end) {
            node["endDate"] = json!(end.to_string());
        }
        if record.status == EventStatus::Planned {
            node["eventStatus"] = json!("https://schema.org/EventScheduled");
        }
        let mut property = |name: &str, entity: EntityIx| {
            let list = node
                .as_object_mut()
                .map(|o| o.entry(name).or_insert_with(|| json!([])));
            if let Some(Value::Array(list)) = list {
                list.push(json!({ "@id": urn(&entity_id(graph, entity)) }));
            }
        };
        for &(kind, entity) in entity_links.get(&e).into_iter().flatten() {
            match kind {
                EdgeKind::Participant | EdgeKind::Organization => property("attendee", entity),
                EdgeKind::HeldIn => property("location", entity),
                EdgeKind::PartOf => property("superEvent", entity),
                EdgeKind::Involves => property("about", entity),
                _ => {}
            }
        }
        let articles: Vec<Value> = graph
            .event(e)
            .articles()
            .map(|a| graph.article(a))
            .filter(|a| !a.deleted)
            .map(|a| {
                let mut article = json!({
                    "@type": "NewsArticle",
                    "headline": a.title,
                    "inLanguage": a.language.code(),
                    "identifier": a.source,
                });
                if let Some(day) = a.published_on {
                    article["datePublished"] = json!(day.to_string());
                }
                let known = origin(&a.id);
                if let Some(url) = known.url {
                    article["url"] = json!(url);
                }
                if let Some(outlet) = known.outlet {
                    article["publisher"] = json!({ "@type": "Organization", "name": outlet });
                }
                article
            })
            .collect();
        node["subjectOf"] = json!(articles);
        nodes.push(node);
    }
    for &entity in &sub.entities {
        let record = graph.entity(entity);
        let kind = match record.kind {
            EntityKind::Person => "Person",
            EntityKind::Country => "Country",
            EntityKind::Organization => "Organization",
            EntityKind::Summit => "EventSeries",
            EntityKind::Place => "Place",
        };
        let aliases: Vec<&String> = record.names.iter().filter(|n| **n != record.name).collect();
        nodes.push(json!({
            "@id": urn(&entity_id(graph, entity)),
            "@type": kind,
            "name": record.name,
            "alternateName": aliases,
        }));
    }
    json!({
        "@context": { "@vocab": "https://schema.org/" },
        "@graph": nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_parses_from_its_cli_name_and_its_file_name() {
        for format in ExportFormat::ALL {
            assert_eq!(ExportFormat::parse(format.name()), Some(format));
            assert_eq!(ExportFormat::parse(format.file_name()), Some(format));
        }
        assert_eq!(ExportFormat::parse("graph.gexf"), None);
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_defused() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        for risky in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet_safe(risky).starts_with('\''), "{risky:?}");
        }
        assert_eq!(
            spreadsheet_safe("a\u{1b}[31mb\u{0}"),
            "a\u{fffd}[31mb\u{fffd}"
        );
        assert_eq!(
            spreadsheet_safe("Tokayev met Putin — talks"),
            "Tokayev met Putin — talks"
        );
        assert_eq!(spreadsheet_safe("2025-05-03"), "2025-05-03");
        let mut writer = csv::Writer::from_writer(Vec::new());
        write_cells(&mut writer, ["=1+1", "plain"]).expect("written");
        let written = String::from_utf8(writer.into_inner().expect("flushed")).expect("utf-8");
        assert_eq!(written, "'=1+1,plain\n");
    }

    #[test]
    fn markup_is_escaped_and_characters_xml_forbids_are_dropped() {
        assert_eq!(
            escape_markup("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;"
        );
    }
}
