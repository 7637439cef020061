//! Query, mutation and subscription roots, and the Relay connection types.

use super::connection::{OffsetCursor, check_date_range, check_event_cursor, parse_offset};
use super::scope::{checkpoint, graph, service};
use super::types::{
    ArticleConnection, ArticleView, Date, EntityConnection, EntityKind, EntityMatch, EntityView,
    EventConnection, EventKind, EventStatus, EventView, Granularity, Language, Node, Order,
    entity_arg, event_connection, node_id, node_view, page_size, resolve_id,
};
use super::{WriteAccess, codes, error};
use crate::graph::{EventFilter, Graph, NodeRef};
use crate::ingest::{IngestError, RawArticle};
use crate::model;
use crate::service::{GraphUpdate, ServiceError};
use async_graphql::{
    Context, ErrorExtensions, ID, InputObject, Object, Result, SimpleObject, Subscription,
};
use chrono::NaiveDate;
use futures_util::Stream;
use futures_util::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

/// Most buckets one `timeline` answers.
const MAX_TIMELINE_BUCKETS: usize = 1_000;

/// A timeline bucket.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct TimelineBucket {
    /// First day.
    pub start: Date,
    /// Last day.
    pub end: Date,
    /// Events in it.
    pub count: i32,
    /// Bucket width: the requested granularity, or coarser for events known only to the
    /// month or year (never placed on a made-up day).
    pub precision: super::types::DatePrecision,
    #[graphql(skip)]
    events: Vec<crate::graph::EventIx>,
}

/// One item for a front-end timeline widget.
#[derive(SimpleObject, Clone)]
pub struct TimelineItem {
    /// The event's id.
    pub id: ID,
    /// Start date.
    pub start: Date,
    /// Last day covered (the end of the month or year for coarser precisions).
    pub end: Date,
    /// Date precision.
    pub precision: super::types::DatePrecision,
    /// Group: the event kind or an entity name, as requested.
    pub group: String,
    /// A short label.
    pub label: String,
    /// The event.
    pub event: EventView,
}

/// An edge of the timeline items' connection.
#[derive(SimpleObject)]
pub struct TimelineItemEdge {
    /// Opaque, stable cursor.
    pub cursor: String,
    /// The item.
    pub node: TimelineItem,
}

/// A page of timeline items, Relay style, oldest first. Undated events cannot be drawn on
/// a timeline: they are left out, and counted in `undatedCount`.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct TimelineItemConnection {
    /// Items with cursors.
    pub edges: Vec<TimelineItemEdge>,
    /// Pagination state.
    pub page_info: super::connection::PageInfo,
    /// Dated events matching the filters (every page together).
    pub total_count: i32,
    /// Events matching the filters that were left out because they have no date.
    pub undated_count: i32,
}

#[async_graphql::ComplexObject]
impl TimelineItemConnection {
    /// Items.
    async fn nodes(&self) -> Vec<&TimelineItem> {
        self.edges.iter().map(|e| &e.node).collect()
    }
}

/// How timeline items are grouped.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum TimelineGroup {
    /// By event kind.
    #[default]
    Kind,
    /// By the first participant (or country) of the event.
    Entity,
}

/// A shortest path: entities and events alternating, from first to last.
#[derive(SimpleObject)]
pub struct Path {
    /// Number of links.
    pub length: i32,
    /// The nodes in order.
    pub nodes: Vec<Node>,
}

/// A link of a neighbourhood.
#[derive(SimpleObject)]
pub struct GraphEdge {
    /// Source node id.
    pub from: ID,
    /// Target node id.
    pub to: ID,
    /// Link type.
    pub kind: super::types::LinkKind,
}

/// Nodes and links around a node, for graph widgets.
#[derive(SimpleObject)]
pub struct Neighborhood {
    /// Nodes, the centre first.
    pub nodes: Vec<Node>,
    /// Links among them.
    pub edges: Vec<GraphEdge>,
}

/// Counts for the whole graph.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct GraphStats {
    /// Articles.
    pub articles: i32,
    /// Events.
    pub events: i32,
    /// Entities.
    pub entities: i32,
    /// Links.
    pub edges: i32,
}

/// The complexity charged for `eventsByKind`: it reads every event once.
const EVENTS_BY_KIND_COST: usize = 2_000;

#[async_graphql::ComplexObject]
impl GraphStats {
    /// Events per kind (one pass over all events: charged as an expensive field).
    #[graphql(complexity = "EVENTS_BY_KIND_COST + child_complexity")]
    async fn events_by_kind(&self, ctx: &Context<'_>) -> Result<Vec<KindCount>> {
        checkpoint(ctx).await?;
        let graph = graph(ctx);
        let counts = graph.events_per_kind();
        Ok(model::EventKind::ALL
            .into_iter()
            .map(|kind| KindCount {
                kind: kind.into(),
                count: counts
                    .iter()
                    .find(|(k, _)| *k == kind)
                    .map_or(0, |(_, n)| *n as i32),
            })
            .collect())
    }
}

/// Event counts for a chart (see `Query.eventCounts`).
#[derive(SimpleObject)]
pub struct EventCountsView {
    /// Events matching.
    pub total: i32,
    /// Of them, without a date (in no month or year below).
    pub undated: i32,
    /// Per kind, most first.
    pub by_kind: Vec<KindCount>,
    /// Per month (`YYYY-MM`), oldest first: events known to the month or the day (a
    /// YEAR-precision event is counted in its year only).
    pub by_month: Vec<PeriodCount>,
    /// Per year (`YYYY`), oldest first: every dated event.
    pub by_year: Vec<PeriodCount>,
    /// Per linked country, most first.
    pub by_country: Vec<EntityCount>,
}

/// A count for a period.
#[derive(SimpleObject)]
pub struct PeriodCount {
    /// `YYYY-MM` or `YYYY`.
    pub period: String,
    /// Events in it.
    pub count: i32,
}

/// A count for an entity.
#[derive(SimpleObject)]
pub struct EntityCount {
    /// The entity.
    pub entity: EntityView,
    /// Events linked to it.
    pub count: i32,
}

/// A count per event kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// Kind.
    pub kind: EventKind,
    /// Number of events.
    pub count: i32,
}

/// The query root.
pub struct QueryRoot;

fn resolve_entities(graph: &Graph, ids: &[ID]) -> Result<Vec<crate::graph::EntityIx>> {
    if ids.len() > super::MAX_ENTITY_LIST {
        return Err(error(
            codes::LIMIT_EXCEEDED,
            format!(
                "entities lists {} ids; at most {}",
                ids.len(),
                super::MAX_ENTITY_LIST
            ),
        ));
    }
    ids.iter().map(|id| entity_arg(graph, id)).collect()
}

#[Object(name = "Query")]
impl QueryRoot {
    /// Any node by its global id (`Article:…`, `Event:…`, `Entity:…`).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        checkpoint(ctx).await?;
        Ok(resolve_id(&graph(ctx), &id).map(node_view))
    }

    /// Articles in ingestion order.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ArticleConnection> {
        checkpoint(ctx).await?;
        let n = page_size(first)?;
        let start = parse_offset('a', after.as_deref())?;
        let graph = graph(ctx);
        let total = graph.article_count();
        let items: Vec<(OffsetCursor, ArticleView)> = graph
            .articles()
            .enumerate()
            .skip(start)
            .take(n)
            .map(|(offset, a)| (OffsetCursor::new('a', offset), ArticleView(a)))
            .collect();
        let has_next = start + items.len() < total;
        Ok(ArticleConnection::from_page(
            items,
            total,
            has_next,
            start > 0,
        ))
    }

    /// Events, newest first, filtered by date range, kind (`kind`, or any of `kinds`),
    /// status, having a date (`dated`), date precision (`minPrecision`: DAY, MONTH or
    /// YEAR at least), source language, linked entities (`entity`, or several with
    /// `entities` and `match`) and title text. Undated events come last in either order.
    #[graphql(
        complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1 + super::scan_cost(&search, &entities)"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
        kind: Option<EventKind>,
        kinds: Option<Vec<EventKind>>,
        entity: Option<ID>,
        entities: Option<Vec<ID>>,
        r#match: Option<EntityMatch>,
        status: Option<EventStatus>,
        dated: Option<bool>,
        min_precision: Option<super::types::DatePrecision>,
        language: Option<Language>,
        search: Option<String>,
        order: Option<Order>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EventConnection> {
        checkpoint(ctx).await?;
        let (kind, kinds) = super::types::kind_filter(kind, kinds)?;
        let filter = {
            let graph = graph(ctx);
            let mut listed = resolve_entities(&graph, entities.as_deref().unwrap_or_default())?;
            let mut all = Vec::new();
            if let Some(id) = &entity {
                all.push(entity_arg(&graph, id)?);
            }
            let mut any = Vec::new();
            match r#match.unwrap_or_default() {
                EntityMatch::All => all.append(&mut listed),
                EntityMatch::Any => any.append(&mut listed),
            }
            EventFilter {
                from: from.map(|d| d.0),
                to: to.map(|d| d.0),
                kind,
                kinds,
                dated,
                min_precision: min_precision.map(Into::into),
                status: status.map(Into::into),
                language: language.map(Into::into),
                all_entities: all,
                any_entities: any,
                title_contains: search.map(|s| crate::text::fold(&s)),
                deadline: crate::graph::ScanDeadline::default(),
            }
        };
        event_connection(ctx, &filter, order.unwrap_or_default(), first, after)
    }

    /// Entities; search matches any name or alias, in any language and inflection,
    /// case-insensitively. Most-connected first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn entities(
        &self,
        ctx: &Context<'_>,
        kind: Option<EntityKind>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EntityConnection> {
        checkpoint(ctx).await?;
        let n = page_size(first)?;
        let start = parse_offset('n', after.as_deref())?;
        let graph = graph(ctx);
        let all = graph.search_entities(kind.map(Into::into), search.as_deref());
        let items: Vec<(OffsetCursor, EntityView)> = all
            .iter()
            .enumerate()
            .skip(start)
            .take(n)
            .map(|(offset, &e)| (OffsetCursor::new('n', offset), EntityView(e)))
            .collect();
        let has_next = start + items.len() < all.len();
        Ok(EntityConnection::from_page(
            items,
            all.len(),
            has_next,
            start > 0,
        ))
    }

    /// Event counts per period, for timeline widgets; entity narrows to one entity's events.
    /// At most 1,000 buckets (narrow the range or coarsen the granularity beyond that).
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        entity: Option<ID>,
        from: Option<Date>,
        to: Option<Date>,
        #[graphql(default_with = "Some(Granularity::Month)")] granularity: Option<Granularity>,
    ) -> Result<Vec<TimelineBucket>> {
        checkpoint(ctx).await?;
        let granularity = granularity.unwrap_or(Granularity::Month);
        check_date_range(from.map(|d| d.0), to.map(|d| d.0))?;
        let graph = graph(ctx);
        let entity = entity.map(|id| entity_arg(&graph, &id)).transpose()?;
        let buckets = graph.timeline(
            entity,
            from.map(|d| d.0),
            to.map(|d| d.0),
            granularity.into(),
        );
        if buckets.len() > MAX_TIMELINE_BUCKETS {
            return Err(error(
                codes::LIMIT_EXCEEDED,
                format!(
                    "the timeline has {} buckets, the limit is {MAX_TIMELINE_BUCKETS}: narrow from/to or use a coarser granularity",
                    buckets.len()
                ),
            ));
        }
        Ok(buckets
            .into_iter()
            .map(|b| {
                let days = (b.end - b.start).num_days();
                let precision = match days {
                    0 => model::DatePrecision::Day,
                    1..=7 => model::DatePrecision::Day,
                    8..=31 => model::DatePrecision::Month,
                    _ => model::DatePrecision::Year,
                };
                TimelineBucket {
                    start: Date(b.start),
                    end: Date(b.end),
                    count: b.events.len() as i32,
                    precision: precision.into(),
                    events: b.events,
                }
            })
            .collect())
    }

    /// Counts for a newsroom chart in one query: the events linked to `entity` (and to
    /// `with` as well, for a pair), optionally in a date range and of some kinds, counted per
    /// kind, month, year and country.
    #[graphql(complexity = 2000)]
    #[allow(clippy::too_many_arguments)]
    async fn event_counts(
        &self,
        ctx: &Context<'_>,
        entity: Option<ID>,
        with: Option<ID>,
        from: Option<Date>,
        to: Option<Date>,
        kinds: Option<Vec<EventKind>>,
    ) -> Result<EventCountsView> {
        checkpoint(ctx).await?;
        check_date_range(from.map(|d| d.0), to.map(|d| d.0))?;
        let (kind, kinds) = super::types::kind_filter(None, kinds)?;
        let graph = graph(ctx);
        let mut all = Vec::new();
        for id in entity.iter().chain(with.iter()) {
            all.push(entity_arg(&graph, id)?);
        }
        let filter = EventFilter {
            from: from.map(|d| d.0),
            to: to.map(|d| d.0),
            kind,
            kinds,
            all_entities: all,
            ..EventFilter::default()
        };
        let counts = graph.event_counts(&filter);
        let count = |n: usize| n as i32;
        Ok(EventCountsView {
            total: count(counts.total),
            undated: count(counts.undated),
            by_kind: counts
                .by_kind
                .into_iter()
                .map(|(kind, n)| KindCount {
                    kind: kind.into(),
                    count: count(n),
                })
                .collect(),
            by_month: counts
                .by_month
                .into_iter()
                .map(|((y, m), n)| PeriodCount {
                    period: format!("{y:04}-{m:02}"),
                    count: count(n),
                })
                .collect(),
            by_year: counts
                .by_year
                .into_iter()
                .map(|(y, n)| PeriodCount {
                    period: format!("{y:04}"),
                    count: count(n),
                })
                .collect(),
            by_country: counts
                .by_country
                .into_iter()
                .map(|(e, n)| EntityCount {
                    entity: EntityView(e),
                    count: count(n),
                })
                .collect(),
        })
    }

    /// Widget-ready events: start, end, precision, group and a short label, oldest first;
    /// a connection whose `undatedCount` says how many undated events were left out.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[allow(clippy::too_many_arguments)]
    async fn timeline_items(
        &self,
        ctx: &Context<'_>,
        entity: Option<ID>,
        from: Option<Date>,
        to: Option<Date>,
        group_by: Option<TimelineGroup>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TimelineItemConnection> {
        checkpoint(ctx).await?;
        let n = page_size(first)?;
        check_date_range(from.map(|d| d.0), to.map(|d| d.0))?;
        check_event_cursor(after.as_deref())?;
        let graph = graph(ctx);
        let entity = entity.map(|id| entity_arg(&graph, &id)).transpose()?;
        // A date bound, even the earliest possible one, leaves undated events out of the
        // page itself (a widget item needs a date), so a page is never short.
        let earliest = NaiveDate::from_ymd_opt(crate::ingest::EARLIEST_YEAR, 1, 1);
        let filter = EventFilter {
            from: from.map(|d| d.0).or(earliest),
            to: to.map(|d| d.0),
            all_entities: entity.into_iter().collect(),
            ..EventFilter::default()
        };
        let (page, total, has_next) = graph.events_page(
            &filter,
            crate::graph::SortOrder::OldestFirst,
            n,
            after.as_deref(),
        );
        // Every matching event, dated or not, minus the dated ones.
        let every = EventFilter {
            from: None,
            ..filter.clone()
        };
        let undated = match from {
            // An explicit date range leaves undated events out by definition.
            Some(_) => 0,
            None if to.is_some() => 0,
            None => graph
                .events_page(&every, crate::graph::SortOrder::OldestFirst, 0, None)
                .1
                .saturating_sub(total),
        };
        let edges: Vec<TimelineItemEdge> = page
            .into_iter()
            .filter_map(|(cursor, e)| {
                let event = graph.event(e);
                let start = event.date.start?;
                let group = match group_by.unwrap_or_default() {
                    TimelineGroup::Kind => event.kind.name().to_string(),
                    TimelineGroup::Entity => event
                        .entities
                        .iter()
                        .find(|&&x| Some(x) != entity)
                        .map(|&x| graph.entity(x).name.clone())
                        .unwrap_or_default(),
                };
                let node = TimelineItem {
                    id: node_id(&graph, NodeRef::Event(e)),
                    start: Date(start),
                    end: Date(match event.date.precision {
                        model::DatePrecision::Day => event.date.end.unwrap_or(start),
                        _ => event.date.last_day().unwrap_or(start),
                    }),
                    precision: event.date.precision.into(),
                    group,
                    label: graph.event_label(e),
                    event: EventView(e),
                };
                Some(TimelineItemEdge {
                    cursor: cursor.to_string(),
                    node,
                })
            })
            .collect();
        Ok(TimelineItemConnection {
            page_info: super::connection::PageInfo {
                has_next_page: has_next,
                has_previous_page: after.is_some(),
                start_cursor: edges.first().map(|e| e.cursor.clone()),
                end_cursor: edges.last().map(|e| e.cursor.clone()),
            },
            edges,
            total_count: total as i32,
            undated_count: undated as i32,
        })
    }

    /// Shortest path between two nodes through shared events; null when none within maxLength.
    /// `avoid` lists up to 20 entities the path must not pass through (hubs such as
    /// Kazakhstan); they may still be its ends.
    async fn path(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        #[graphql(default = 6)] max_length: Option<i32>,
        avoid: Option<Vec<ID>>,
    ) -> Result<Option<Path>> {
        checkpoint(ctx).await?;
        let max_length = max_length.unwrap_or(6);
        if !(1..=12).contains(&max_length) {
            return Err(error(
                codes::LIMIT_EXCEEDED,
                format!("maxLength must be between 1 and 12 (got {max_length})"),
            ));
        }
        let graph = graph(ctx);
        let a = resolve_id(&graph, &from).ok_or_else(|| {
            error(
                codes::NOT_FOUND,
                format!("no node with id {:?}", from.as_str()),
            )
        })?;
        let b = resolve_id(&graph, &to).ok_or_else(|| {
            error(
                codes::NOT_FOUND,
                format!("no node with id {:?}", to.as_str()),
            )
        })?;
        let avoid = avoid.unwrap_or_default();
        if avoid.len() > 20 {
            return Err(error(
                codes::LIMIT_EXCEEDED,
                format!("avoid lists {} entities; at most 20", avoid.len()),
            ));
        }
        let avoid: Vec<crate::graph::EntityIx> = avoid
            .iter()
            .map(|id| match resolve_id(&graph, id) {
                Some(NodeRef::Entity(e)) => Ok(e),
                _ => Err(error(
                    codes::BAD_USER_INPUT,
                    format!("avoid: {:?} is not an entity id", id.as_str()),
                )),
            })
            .collect::<Result<_>>()?;
        Ok(graph
            .path(a, b, max_length as usize, &avoid)
            .map(|nodes| Path {
                length: nodes.len() as i32 - 1,
                nodes: nodes.into_iter().map(node_view).collect(),
            }))
    }

    /// Nodes and links within `depth` (1–3) hops of a node; each node expands at most
    /// `first` neighbours (newest events first).
    async fn neighborhood(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default = 1)] depth: i32,
        first: Option<i32>,
    ) -> Result<Neighborhood> {
        checkpoint(ctx).await?;
        if !(1..=3).contains(&depth) {
            return Err(error(
                codes::LIMIT_EXCEEDED,
                format!("depth must be between 1 and 3 (got {depth})"),
            ));
        }
        let n = page_size(first)?;
        let graph = graph(ctx);
        let centre = resolve_id(&graph, &id).ok_or_else(|| {
            error(
                codes::NOT_FOUND,
                format!("no node with id {:?}", id.as_str()),
            )
        })?;
        let hood = graph.neighborhood(centre, depth as usize, n, 500);
        Ok(Neighborhood {
            edges: hood
                .edges
                .iter()
                .map(|&(a, b, k)| GraphEdge {
                    from: node_id(&graph, a),
                    to: node_id(&graph, b),
                    kind: k.into(),
                })
                .collect(),
            nodes: hood.nodes.into_iter().map(node_view).collect(),
        })
    }

    /// Counts for the whole graph.
    async fn stats(&self, ctx: &Context<'_>) -> Result<GraphStats> {
        checkpoint(ctx).await?;
        let graph = graph(ctx);
        let s = graph.stats();
        Ok(GraphStats {
            articles: s.articles as i32,
            events: s.events as i32,
            entities: s.entities as i32,
            edges: s.edges as i32,
        })
    }
}

#[async_graphql::ComplexObject]
impl TimelineBucket {
    /// The bucket's top events (most sources first).
    #[graphql(complexity = "first.unwrap_or(3).max(0) as usize * child_complexity + 1")]
    async fn events(&self, #[graphql(default = 3)] first: Option<i32>) -> Result<Vec<EventView>> {
        let n = page_size(Some(first.unwrap_or(3)))?;
        Ok(self.events.iter().take(n).map(|&e| EventView(e)).collect())
    }
}

/// An article to ingest; the same rules as files: title and date may come from a ` date` first line.
#[derive(InputObject)]
pub struct ArticleInput {
    /// The article's key, e.g. a file name or URL; ingesting the same text again is a duplicate.
    pub source: String,
    /// The text.
    pub text: String,
    /// Title (else the first line).
    pub title: Option<String>,
    /// Publication date (else the ` date` line, else unknown).
    pub published_on: Option<Date>,
    /// Language (else detected).
    pub language: Option<Language>,
    /// Where the article is published: an absolute http(s) URL.
    pub url: Option<String>,
    /// The news outlet that published it.
    pub outlet: Option<String>,
}

impl From<ArticleInput> for RawArticle {
    fn from(input: ArticleInput) -> Self {
        RawArticle {
            source: input.source,
            bytes: input.text.into_bytes(),
            title: input.title,
            published_on: input.published_on.map(|d| d.0),
            language: input.language.map(Into::into),
            url: input.url,
            outlet: input.outlet,
        }
    }
}

/// The result of `ingestArticle`.
#[derive(SimpleObject)]
pub struct IngestArticlePayload {
    /// The article (the stored one for a duplicate).
    pub article: ArticleView,
    /// True when this exact article was already in the graph: nothing changed.
    pub duplicate: bool,
}

/// One item of `ingestArticles`: the article or why it was refused.
#[derive(SimpleObject)]
pub struct IngestResult {
    /// The input's source key.
    pub source: String,
    /// The article when accepted (or a duplicate).
    pub article: Option<ArticleView>,
    /// True for a duplicate.
    pub duplicate: bool,
    /// Why the article was refused.
    pub error: Option<String>,
    /// Error code (BAD_USER_INPUT, INTERNAL).
    pub code: Option<String>,
}

/// The result of `deleteArticle`.
#[derive(SimpleObject)]
pub struct DeleteArticlePayload {
    /// The id deleted.
    pub id: ID,
    /// Events that disappeared because no source was left.
    pub removed_events: Vec<ID>,
}

/// Maximum articles in one `ingestArticles` call.
pub const MAX_BATCH: usize = 1000;

fn require_write(ctx: &Context<'_>) -> Result<()> {
    match ctx
        .data_opt::<WriteAccess>()
        .copied()
        .unwrap_or(WriteAccess::Disabled)
    {
        WriteAccess::Granted => Ok(()),
        WriteAccess::Denied => Err(error(
            codes::UNAUTHENTICATED,
            "writes need the header `Authorization: Bearer <token>` with the server's write token",
        )),
        WriteAccess::NotOnThisTransport => Err(error(
            codes::FORBIDDEN,
            "mutations are not accepted on this transport: send them with POST /graphql and `Authorization: Bearer <token>`",
        )),
        WriteAccess::Disabled => Err(error(
            codes::FORBIDDEN,
            "writes over HTTP are disabled: start the server with --write-token <token> (or EVENTGRAPH_WRITE_TOKEN) and send `Authorization: Bearer <token>`",
        )),
    }
}

fn service_error(e: ServiceError) -> async_graphql::Error {
    match e {
        ServiceError::Invalid(IngestError::Empty) => {
            error(codes::BAD_USER_INPUT, "article text is empty")
        }
        ServiceError::Invalid(e) => error(codes::BAD_USER_INPUT, e.to_string()),
        ServiceError::NotFound(id) => error(codes::NOT_FOUND, format!("no article with id {id:?}")),
        e => {
            tracing::error!(error = %e, "write failed");
            error(
                codes::INTERNAL,
                "the write failed inside the server; see its log",
            )
        }
    }
}

/// The mutation root. Writes need `Authorization: Bearer <token>`.
pub struct MutationRoot;

#[Object(name = "Mutation")]
impl MutationRoot {
    /// Ingests one article. Bad input is a BAD_USER_INPUT error and changes nothing.
    async fn ingest_article(
        &self,
        ctx: &Context<'_>,
        input: ArticleInput,
    ) -> Result<IngestArticlePayload> {
        require_write(ctx)?;
        let svc = service(ctx).clone();
        let raw: RawArticle = input.into();
        let done = tokio::task::spawn_blocking(move || svc.ingest(raw))
            .await
            .map_err(|_| error(codes::INTERNAL, "ingestion task failed"))?
            .map_err(service_error)?;
        let graph = graph(ctx);
        let article = graph.article_by_id(&done.id.0).ok_or_else(|| {
            error(
                codes::INTERNAL,
                "the article was stored but is not in the graph",
            )
        })?;
        Ok(IngestArticlePayload {
            article: ArticleView(article),
            duplicate: done.duplicate,
        })
    }

    /// Ingests a batch (at most 1000); each article's result is reported separately.
    async fn ingest_articles(
        &self,
        ctx: &Context<'_>,
        inputs: Vec<ArticleInput>,
    ) -> Result<Vec<IngestResult>> {
        require_write(ctx)?;
        if inputs.len() > MAX_BATCH {
            return Err(error(
                codes::LIMIT_EXCEEDED,
                format!(
                    "{} articles in one batch, the limit is {MAX_BATCH}",
                    inputs.len()
                ),
            ));
        }
        let sources: Vec<String> = inputs.iter().map(|i| i.source.clone()).collect();
        let raws: Vec<RawArticle> = inputs.into_iter().map(Into::into).collect();
        let svc = service(ctx).clone();
        let results = tokio::task::spawn_blocking(move || svc.ingest_many(raws))
            .await
            .map_err(|_| error(codes::INTERNAL, "ingestion task failed"))?;
        let graph = graph(ctx);
        Ok(sources
            .into_iter()
            .zip(results)
            .map(|(source, r)| match r {
                Ok(done) => IngestResult {
                    source,
                    article: graph.article_by_id(&done.id.0).map(ArticleView),
                    duplicate: done.duplicate,
                    error: None,
                    code: None,
                },
                Err(e) => {
                    let code = if matches!(e, ServiceError::Invalid(_)) {
                        codes::BAD_USER_INPUT
                    } else {
                        codes::INTERNAL
                    };
                    IngestResult {
                        source,
                        article: None,
                        duplicate: false,
                        error: Some(e.to_string()),
                        code: Some(code.to_string()),
                    }
                }
            })
            .collect())
    }

    /// Deletes an article; an event left with no source disappears, entities stay.
    async fn delete_article(&self, ctx: &Context<'_>, id: ID) -> Result<DeleteArticlePayload> {
        require_write(ctx)?;
        let key = id
            .as_str()
            .strip_prefix("Article:")
            .unwrap_or(id.as_str())
            .to_string();
        let svc = service(ctx).clone();
        let removed = tokio::task::spawn_blocking(move || svc.delete(&key))
            .await
            .map_err(|_| error(codes::INTERNAL, "delete task failed"))?
            .map_err(service_error)?;
        Ok(DeleteArticlePayload {
            id,
            removed_events: removed
                .into_iter()
                .map(|e| ID(format!("Event:{e}")))
                .collect(),
        })
    }
}

/// Narrows event subscriptions.
#[derive(InputObject, Default)]
pub struct EventSubscriptionFilter {
    /// Only events of this kind.
    pub kind: Option<EventKind>,
    /// Only events linked to this entity.
    pub entity: Option<ID>,
}

/// The subscription root (graphql-transport-ws at /graphql/ws).
pub struct SubscriptionRoot;

/// A subscriber that fell behind: one `next` payload with an error saying how many updates it
/// missed (the stream goes on; re-query to catch up).
fn lagged(missed: u64) -> async_graphql::Error {
    error(
        codes::LIMIT_EXCEEDED,
        format!(
            "this subscription fell behind and missed {missed} updates; query again to catch up"
        ),
    )
    .extend_with(|_, ext| ext.set("missed", missed))
}

/// A subscription slot of the caller's connection (none outside WebSocket connections).
fn subscription_slot(ctx: &Context<'_>) -> Result<Option<super::SubscriptionSlot>> {
    ctx.data_opt::<super::SubscriptionSlots>()
        .map(super::SubscriptionSlots::take)
        .transpose()
}

fn event_stream(
    ctx: &Context<'_>,
    filter: Option<EventSubscriptionFilter>,
    updated: bool,
) -> Result<impl Stream<Item = Result<EventView>> + use<>> {
    let svc = service(ctx).clone();
    let filter = filter.unwrap_or_default();
    let slot = subscription_slot(ctx)?;
    Ok(
        BroadcastStream::new(svc.subscribe()).filter_map(move |update| {
            // The slot lives as long as the stream.
            let _slot = &slot;
            let svc = svc.clone();
            let kind = filter.kind;
            let entity = filter.entity.clone();
            async move {
                let update = match update {
                    Ok(update) => update,
                    Err(BroadcastStreamRecvError::Lagged(missed)) => {
                        return Some(Err(lagged(missed)));
                    }
                };
                let id = match (update, updated) {
                    (GraphUpdate::EventAdded(id), false)
                    | (GraphUpdate::EventUpdated(id), true) => id,
                    _ => return None,
                };
                let graph = svc.read();
                let ix = graph.event_by_id(&id)?;
                let event = graph.event(ix);
                if kind.is_some_and(|k| model::EventKind::from(k) != event.kind) {
                    return None;
                }
                if let Some(entity) = entity {
                    let wanted = match resolve_id(&graph, &entity) {
                        Some(NodeRef::Entity(e)) => e,
                        _ => return None,
                    };
                    if !event.entities.contains(&wanted) {
                        return None;
                    }
                }
                Some(Ok(EventView(ix)))
            }
        }),
    )
}

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// A new event entered the graph (from any entry point).
    async fn event_added(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventSubscriptionFilter>,
    ) -> Result<impl Stream<Item = Result<EventView>> + use<>> {
        event_stream(ctx, filter, false)
    }

    /// An event gained a source, an entity or a date.
    async fn event_updated(
        &self,
        ctx: &Context<'_>,
        filter: Option<EventSubscriptionFilter>,
    ) -> Result<impl Stream<Item = Result<EventView>> + use<>> {
        event_stream(ctx, filter, true)
    }

    /// An article was accepted.
    async fn article_ingested(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<ArticleView>> + use<>> {
        let svc = service(ctx).clone();
        let slot = subscription_slot(ctx)?;
        Ok(
            BroadcastStream::new(svc.subscribe()).filter_map(move |update| {
                let _slot = &slot;
                let svc = svc.clone();
                async move {
                    match update {
                        Err(BroadcastStreamRecvError::Lagged(missed)) => Some(Err(lagged(missed))),
                        Ok(GraphUpdate::ArticleIngested(id)) => {
                            svc.read().article_by_id(&id).map(|a| Ok(ArticleView(a)))
                        }
                        Ok(_) => None,
                    }
                }
            }),
        )
    }
}
