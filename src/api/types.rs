//! GraphQL view types: enums and scalars mirroring `model`, and thin views over graph
//! records (`ArticleView`, `EventView`, `EntityView`) with their navigation fields.

use super::connection::{OffsetCursor, PageInfo, check_date_range, check_event_cursor};
use super::rows::{PlainFields, Rows, Selected, plain_object};
use super::scope::{checkpoint, graph, service};
use super::{DEFAULT_PAGE, MAX_PAGE, codes, error};
use crate::graph::{
    ArticleIx, EdgeKind, EntityIx, EventFilter, EventIx, Graph, NodeRef, SortOrder,
};
use crate::model;
use async_graphql::{
    Context, Enum, ID, InputType, InputValueError, InputValueResult, Interface, Object, Result,
    Scalar, ScalarType, SimpleObject, Value,
};
use chrono::NaiveDate;

/// Calendar date, ISO 8601: YYYY-MM-DD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// Calendar date, ISO 8601: YYYY-MM-DD.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                // Exactly YYYY-MM-DD: chrono alone would also take " 2025-01-01" or
                // "+2025-01-01".
                let strict = s.len() == 10
                    && s.bytes().enumerate().all(|(i, b)| match i {
                        4 | 7 => b == b'-',
                        _ => b.is_ascii_digit(),
                    });
                let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .ok()
                    .filter(|_| strict)
                    .ok_or_else(|| {
                        InputValueError::custom(format!("{s:?} is not a YYYY-MM-DD calendar date"))
                    })?;
                let year = chrono::Datelike::year(&date);
                let latest = chrono::Datelike::year(&chrono::Utc::now().date_naive()) + 10;
                if !(crate::ingest::EARLIEST_YEAR..=latest).contains(&year) {
                    return Err(InputValueError::custom(format!(
                        "{s:?} is outside the dates this graph can hold: before {}-01-01, or in the future past {latest}-12-31",
                        crate::ingest::EARLIEST_YEAR
                    )));
                }
                Ok(Date(date))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $api:ident, $model:path, [$($variant:ident),+]) => {
        $(#[$doc])*
        #[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
        pub enum $api {
            $(#[allow(missing_docs)] $variant),+
        }
        impl From<$model> for $api {
            fn from(value: $model) -> Self {
                use $model as M;
                match value { $(M::$variant => $api::$variant),+ }
            }
        }
        impl From<$api> for $model {
            fn from(value: $api) -> Self {
                use $model as M;
                match value { $($api::$variant => M::$variant),+ }
            }
        }
    };
}

mirror_enum!(
    /// Article language.
    Language, model::Language, [Kk, Ru, En]);
mirror_enum!(
    /// What kind of event.
    EventKind, model::EventKind, [Interview, Statement, Meeting, Summit, Visit, Address, Speech, PhoneCall, Agreement, Other]);
mirror_enum!(
    /// What kind of entity.
    EntityKind, model::EntityKind, [Person, Country, Organization, Summit, Place]);
mirror_enum!(
    /// How much of an event's date is known. A MONTH date is given as its first day.
    DatePrecision, model::DatePrecision, [Day, Month, Year, Unknown]);
mirror_enum!(
    /// Whether the event had taken place at the time of the article that reports it.
    EventStatus, model::EventStatus, [Happened, Planned]);
mirror_enum!(
    /// Timeline bucket width.
    Granularity, crate::graph::Granularity, [Day, Week, Month, Year]);

/// List order by date.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum Order {
    /// Latest first; undated events last.
    #[default]
    NewestFirst,
    /// Earliest first; undated events last.
    OldestFirst,
}

impl From<Order> for SortOrder {
    fn from(o: Order) -> Self {
        match o {
            Order::NewestFirst => SortOrder::NewestFirst,
            Order::OldestFirst => SortOrder::OldestFirst,
        }
    }
}

/// How several entities in a filter combine.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, Default)]
pub enum EntityMatch {
    /// Events linked to every entity.
    #[default]
    All,
    /// Events linked to at least one.
    Any,
}

/// The type of a link between two nodes.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LinkKind {
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
    /// Event → an event it refers to.
    RefersTo,
    /// Person → the country or organisation they lead or led.
    LeaderOf,
    /// Person → the country or organisation where they hold or held another office.
    HoldsOffice,
    /// Event → a news outlet or press service that reported it.
    ReportedBy,
}

impl From<EdgeKind> for LinkKind {
    fn from(k: EdgeKind) -> Self {
        match k {
            EdgeKind::Reports => LinkKind::Reports,
            EdgeKind::Mentions => LinkKind::Mentions,
            EdgeKind::Names => LinkKind::Names,
            EdgeKind::Participant => LinkKind::Participant,
            EdgeKind::Involves => LinkKind::Involves,
            EdgeKind::HeldIn => LinkKind::HeldIn,
            EdgeKind::PartOf => LinkKind::PartOf,
            EdgeKind::Organization => LinkKind::Organization,
            EdgeKind::RefersTo => LinkKind::RefersTo,
            EdgeKind::LeaderOf => LinkKind::LeaderOf,
            EdgeKind::HoldsOffice => LinkKind::HoldsOffice,
            EdgeKind::ReportedBy => LinkKind::ReportedBy,
        }
    }
}

/// Defines a view's GraphQL object from one list of its *plain* fields (GraphQL name, Rust
/// name, type, and how to read the value from a graph record) followed by its other
/// resolvers. Both the `#[Object]` resolvers and the one-pass list path of `rows.rs`
/// ([`PlainFields`]) are generated from that list, so adding a plain field is one edit and
/// the two paths cannot disagree.
macro_rules! view_object {
    (
        $view:ident as $type_name:literal;
        $pound:tt $object:tt
        plain {
            $( $(#[doc = $doc:literal])* $gql:literal $field:ident : $ty:ty = $read:expr; )*
        }
        // Fields whose resolver (written below) takes optional arguments: asked for
        // without arguments, they are plain too (the resolver must agree with `$read2`).
        plain_without_arguments {
            $( $gql2:literal : $ty2:ty = $read2:expr; )*
        }
        $($rest:tt)*
    ) => {
        impl PlainFields for $view {
            const TYPE_NAME: &'static str = $type_name;

            fn plain_field(&self, graph: &Graph, name: &str) -> Option<Value> {
                match name {
                    $( $gql => {
                        let read: fn(&$view, &Graph) -> $ty = $read;
                        Some(<$ty as InputType>::to_value(&read(self, graph)))
                    } )*
                    $( $gql2 => {
                        let read: fn(&$view, &Graph) -> $ty2 = $read2;
                        Some(<$ty2 as InputType>::to_value(&read(self, graph)))
                    } )*
                    _ => None,
                }
            }
        }

        // The attribute comes from the invocation, so complexity expressions written there
        // see the names the attribute defines.
        $pound $object
        impl $view {
            $(
                $(#[doc = $doc])*
                #[graphql(name = $gql)]
                async fn $field(&self, ctx: &Context<'_>) -> $ty {
                    let read: fn(&$view, &Graph) -> $ty = $read;
                    read(self, &graph(ctx))
                }
            )*
            $($rest)*
        }
    };
}

/// An article's URL and outlet, read from the store (the graph does not hold them).
fn article_origin(ctx: &Context<'_>, article: ArticleIx) -> Result<crate::store::ArticleOrigin> {
    let id = graph(ctx).article(article).id.clone();
    service(ctx)
        .article_origin(&id)
        .map(Option::unwrap_or_default)
        .map_err(|e| {
            tracing::error!(error = %e, "reading an article's origin failed");
            error(
                codes::INTERNAL,
                "reading the article's URL and outlet failed; see the server log",
            )
        })
}

/// Validates a page size.
pub(crate) fn page_size(first: Option<i32>) -> Result<usize> {
    match first {
        None => Ok(DEFAULT_PAGE),
        Some(n) if n < 0 => Err(error(
            codes::BAD_USER_INPUT,
            format!("first must not be negative (got {n})"),
        )),
        Some(n) if n as usize > MAX_PAGE => Err(error(
            codes::LIMIT_EXCEEDED,
            format!(
                "first={n} is over the maximum page size of {MAX_PAGE}; page with `after` instead"
            ),
        )),
        Some(n) => Ok(n as usize),
    }
}

/// Public id of a node: `Article:<id>`, `Event:<id>`, `Entity:<key>`.
pub(crate) fn node_id(graph: &Graph, node: NodeRef) -> ID {
    ID(graph.public_id(node))
}

/// Resolves a public id.
pub(crate) fn resolve_id(graph: &Graph, id: &str) -> Option<NodeRef> {
    let (kind, rest) = id.split_once(':')?;
    match kind {
        "Article" => graph.article_by_id(rest).map(NodeRef::Article),
        "Event" => graph.event_by_id(rest).map(NodeRef::Event),
        "Entity" => graph.entity_by_key(rest).map(NodeRef::Entity),
        _ => None,
    }
}

/// Resolves an entity id, or a NOT_FOUND error.
pub(crate) fn entity_arg(graph: &Graph, id: &ID) -> Result<EntityIx> {
    match resolve_id(graph, id) {
        Some(NodeRef::Entity(ix)) => Ok(ix),
        _ => Err(error(
            codes::NOT_FOUND,
            format!("no entity with id {:?}", id.as_str()),
        )),
    }
}

pub(crate) fn node_view(node: NodeRef) -> Node {
    match node {
        NodeRef::Article(ix) => Node::Article(ArticleView(ix)),
        NodeRef::Event(ix) => Node::Event(EventView(ix)),
        NodeRef::Entity(ix) => Node::Entity(EntityView(ix)),
    }
}

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    /// An article.
    Article(ArticleView),
    /// An event.
    Event(EventView),
    /// An entity.
    Entity(EntityView),
}

/// Why a link exists: the article and the words that support it.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Evidence {
    /// The article the link was extracted from (null for knowledge-base facts).
    pub article: Option<ArticleView>,
    /// The supporting text: a name as written, or the sentence.
    pub text: String,
}

/// Where a text sits in an article's body (`Article.text`), in Unicode characters (code
/// points, not UTF-8 bytes or UTF-16 units): `start` inclusive, `end` exclusive.
#[derive(SimpleObject, Debug, PartialEq, Eq)]
pub struct TextSpan {
    /// First character.
    pub start: i32,
    /// One past the last character.
    pub end: i32,
}

/// The first place `text` occurs in `body`, in characters; a clipped evidence text (ending in
/// "…") is looked up without its ellipsis. `None` when the body does not contain it (the
/// text came from the title, or the knowledge base).
pub(crate) fn text_span(body: &str, text: &str) -> Option<TextSpan> {
    let needle = text.trim_end_matches('…').trim_end();
    if needle.is_empty() {
        return None;
    }
    let at = body.find(needle)?;
    let start = body[..at].chars().count();
    let end = start + needle.chars().count();
    Some(TextSpan {
        start: start as i32,
        end: end as i32,
    })
}

#[async_graphql::ComplexObject]
impl Evidence {
    /// Where the text sits in the article's body (`Article.text`), in Unicode characters;
    /// its first occurrence for a name written several times; null when the body does not
    /// contain it (a title, a knowledge-base fact).
    #[graphql(complexity = 20)]
    async fn span(&self, ctx: &Context<'_>) -> Result<Option<TextSpan>> {
        let Some(article) = self.article else {
            return Ok(None);
        };
        let id = graph(ctx).article(article.0).id.clone();
        match super::scope::article_body(ctx, &id) {
            Ok(Some(body)) => Ok(text_span(&body, &self.text)),
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::error!(error = %e, "reading an article body failed");
                Err(error(
                    codes::INTERNAL,
                    "reading the article text failed; see the server log",
                ))
            }
        }
    }
}

/// A link from a node, with its evidence.
#[derive(SimpleObject)]
pub struct Link {
    /// Link type.
    pub kind: LinkKind,
    /// True when the link goes out of the node asked about.
    pub outgoing: bool,
    /// The node at the other end.
    pub node: Node,
    /// Why the link exists.
    pub evidence: Vec<Evidence>,
}

pub(crate) fn links_of(graph: &Graph, node: NodeRef) -> Vec<Link> {
    graph
        .edges_of(node)
        .into_iter()
        .filter(|(_, _, other, _)| match other {
            NodeRef::Article(a) => !graph.article(*a).deleted,
            NodeRef::Event(e) => !graph.event(*e).deleted,
            NodeRef::Entity(_) => true,
        })
        .map(|(kind, outgoing, other, data)| Link {
            kind: kind.into(),
            outgoing,
            node: node_view(other),
            evidence: graph
                .evidence_of(data)
                .iter()
                .filter(|ev| {
                    ev.article == ArticleIx::MAX
                        || graph
                            .article_by_id(&graph.article(ev.article).id.0)
                            .is_some()
                })
                .map(|ev| Evidence {
                    article: (ev.article != ArticleIx::MAX).then_some(ArticleView(ev.article)),
                    text: graph.text(ev.text).to_string(),
                })
                .collect(),
        })
        .collect()
}

/// A news article.
#[derive(Clone, Copy)]
pub struct ArticleView(pub ArticleIx);

impl ArticleView {
    fn published_on_in(&self, graph: &Graph) -> Option<Date> {
        graph.article(self.0).published_on.map(Date)
    }
}

view_object! {
    ArticleView as "Article";
    #[Object(name = "Article")]
    plain {
        "id" id: ID = |this, graph| node_id(graph, NodeRef::Article(this.0));
        /// What ingestion was given as the article's key: the file name for files.
        "source" source: String = |this, graph| graph.article(this.0).source.clone();
        "title" title: String = |this, graph| graph.article(this.0).title.clone();
        "language" language: Language = |this, graph| graph.article(this.0).language.into();
        /// Null when the article carries no date: never invented.
        "publishedOn" published_on: Option<Date> = |this, graph| this.published_on_in(graph);
    }
    plain_without_arguments {}
    /// The article body (read from the store: the graph does not hold bodies).
    #[graphql(complexity = 50)]
    async fn text(&self, ctx: &Context<'_>) -> Result<String> {
        let id = graph(ctx).article(self.0).id.clone();
        match service(ctx).article_text(&id) {
            Ok(Some(text)) => Ok(text),
            Ok(None) => Err(error(
                codes::NOT_FOUND,
                format!("article {:?} was deleted", id.0),
            )),
            Err(e) => {
                tracing::error!(error = %e, "reading an article body failed");
                Err(error(
                    codes::INTERNAL,
                    "reading the article text failed; see the server log",
                ))
            }
        }
    }
    /// Where the article is published, when the input gave it (`.txt` files have none).
    #[graphql(complexity = 5)]
    async fn url(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(article_origin(ctx, self.0)?.url)
    }
    /// The news outlet that published it, when the input gave it.
    #[graphql(complexity = 5)]
    async fn outlet(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(article_origin(ctx, self.0)?.outlet)
    }
    /// The event the article reports.
    async fn main_event(&self, ctx: &Context<'_>) -> EventView {
        EventView(graph(ctx).article(self.0).main_event)
    }
    /// Other events the text mentions, past or planned.
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn mentioned_events(&self, ctx: &Context<'_>) -> Result<Vec<EventView>> {
        checkpoint(ctx).await?;
        Ok(graph(ctx)
            .article(self.0)
            .mentioned_events
            .iter()
            .map(|&e| EventView(e))
            .collect())
    }
    /// Every entity the article names, resolved to graph entities.
    async fn entities(
        &self,
        ctx: &Context<'_>,
        kind: Option<EntityKind>,
    ) -> Result<Vec<EntityView>> {
        checkpoint(ctx).await?;
        let graph = graph(ctx);
        Ok(graph
            .article(self.0)
            .entities
            .iter()
            .filter(|&&e| kind.is_none_or(|k| graph.entity(e).kind == k.into()))
            .map(|&e| EntityView(e))
            .collect())
    }
    /// Every link of the article (events reported and mentioned, entities named) with the
    /// words that support it: why each edge exists.
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn links(&self, ctx: &Context<'_>) -> Result<Vec<Link>> {
        checkpoint(ctx).await?;
        Ok(links_of(&graph(ctx), NodeRef::Article(self.0)))
    }
}

/// An event: dated, typed, linked to entities and reported by articles.
#[derive(Clone, Copy)]
pub struct EventView(pub EventIx);

impl EventView {
    /// Live events linked by REFERS_TO: those this event refers to (`outgoing`), or those
    /// referring to it.
    fn references(&self, graph: &Graph, outgoing: bool) -> Vec<EventView> {
        graph
            .edges_of(NodeRef::Event(self.0))
            .into_iter()
            .filter_map(|(kind, out, other, _)| match (kind, other) {
                (EdgeKind::RefersTo, NodeRef::Event(e))
                    if out == outgoing && !graph.event(e).deleted =>
                {
                    Some(EventView(e))
                }
                _ => None,
            })
            .collect()
    }

    fn entities_of(&self, graph: &Graph, kind: Option<model::EntityKind>) -> Rows<EntityView> {
        self.entities_where(graph, |e| kind.is_none_or(|k| e.kind == k))
    }

    /// The event's entities whose record passes `keep`, in link order.
    fn entities_where(
        &self,
        graph: &Graph,
        keep: impl Fn(&crate::graph::EntityRec) -> bool,
    ) -> Rows<EntityView> {
        graph
            .event(self.0)
            .entities
            .iter()
            .filter(|&&e| keep(graph.entity(e)))
            .map(|&e| EntityView(e))
            .collect()
    }
}

impl EventView {
    fn date_in(&self, graph: &Graph) -> Option<Date> {
        graph.event(self.0).date.start.map(Date)
    }
    fn end_date_in(&self, graph: &Graph) -> Option<Date> {
        let date = graph.event(self.0).date;
        match date.precision {
            model::DatePrecision::Day => date.end.map(Date),
            _ => date.last_day().map(Date),
        }
    }
}

view_object! {
    EventView as "Event";
    #[Object(name = "Event")]
    plain {
        "id" id: ID = |this, graph| node_id(graph, NodeRef::Event(this.0));
        "kind" kind: EventKind = |this, graph| graph.event(this.0).kind.into();
        "title" title: String = |this, graph| graph.event(this.0).title.clone();
        /// Start date; null when unknown.
        "date" date: Option<Date> = |this, graph| this.date_in(graph);
        /// Last day of a multi-day event at DAY precision; the end of the month or year for
        /// coarser precisions.
        "endDate" end_date: Option<Date> = |this, graph| this.end_date_in(graph);
        "datePrecision" date_precision: DatePrecision =
            |this, graph| graph.event(this.0).date.precision.into();
        "status" status: EventStatus = |this, graph| graph.event(this.0).status.into();
        /// A short label for timeline widgets.
        "label" label: String = |this, graph| graph.event_label(this.0);
    }
    plain_without_arguments {
        "headline": String = |this, graph| super::headline::headline(graph, this.0, model::Language::En);
    }
    /// A short, whole-word headline built from the event's facts and the knowledge base's
    /// names in `language` (English by default): kind, up to two participants, where, when,
    /// and whether it is planned — `Визит: Токаев — Россия · ноябрь 2025`. Names are never
    /// inflected; the source's own title stays in `title`.
    async fn headline(&self, ctx: &Context<'_>, language: Option<Language>) -> String {
        let language = language.map_or(model::Language::En, Into::into);
        super::headline::headline(&graph(ctx), self.0, language)
    }
    /// Every article that reports or mentions this event, in any language.
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn articles(&self, ctx: &Context<'_>) -> Result<Vec<ArticleView>> {
        checkpoint(ctx).await?;
        Ok(graph(ctx)
            .event(self.0)
            .articles()
            .map(ArticleView)
            .collect())
    }
    /// Articles that report this event as their main event.
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn reported_by(&self, ctx: &Context<'_>) -> Result<Vec<ArticleView>> {
        checkpoint(ctx).await?;
        Ok(graph(ctx)
            .event(self.0)
            .reported_by
            .iter()
            .map(|&a| ArticleView(a))
            .collect())
    }
    /// Articles that mention it in passing.
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn mentioned_by(&self, ctx: &Context<'_>) -> Result<Vec<ArticleView>> {
        checkpoint(ctx).await?;
        Ok(graph(ctx)
            .event(self.0)
            .mentioned_by
            .iter()
            .map(|&a| ArticleView(a))
            .collect())
    }
    /// Languages of its sources.
    async fn languages(&self, ctx: &Context<'_>) -> Vec<Language> {
        let graph = graph(ctx);
        let mut langs: Vec<model::Language> = graph
            .event(self.0)
            .articles()
            .map(|a| graph.article(a).language)
            .collect();
        langs.sort();
        langs.dedup();
        langs.into_iter().map(Into::into).collect()
    }
    async fn entities(
        &self,
        ctx: &Context<'_>,
        kind: Option<EntityKind>,
    ) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_of(&graph(ctx), kind.map(Into::into)))
    }
    /// People taking part.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_of(&graph(ctx), Some(model::EntityKind::Person)))
    }
    /// Countries involved.
    async fn countries(&self, ctx: &Context<'_>) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_of(&graph(ctx), Some(model::EntityKind::Country)))
    }
    /// Where it took place (regions it concerns, such as Central Asia, are not places it
    /// was held in; they are among its `entities`).
    async fn places(&self, ctx: &Context<'_>) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_where(&graph(ctx), |e| {
            e.kind == model::EntityKind::Place && !e.region
        }))
    }
    /// Organisations involved (news outlets and press services are under `sources`).
    async fn organizations(&self, ctx: &Context<'_>) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_where(&graph(ctx), |e| {
            e.kind == model::EntityKind::Organization && !e.source
        }))
    }
    /// News outlets and press services that reported the event (sources, not parties).
    async fn sources(&self, ctx: &Context<'_>) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_where(&graph(ctx), |e| e.source))
    }
    /// Summit formats it belongs to.
    async fn summits(&self, ctx: &Context<'_>) -> Result<Rows<EntityView>> {
        checkpoint(ctx).await?;
        Ok(self.entities_of(&graph(ctx), Some(model::EntityKind::Summit)))
    }
    /// Events this one's articles refer to (past or planned).
    async fn refers_to(&self, ctx: &Context<'_>) -> Result<Vec<EventView>> {
        checkpoint(ctx).await?;
        Ok(self.references(&graph(ctx), true))
    }
    /// Events whose articles refer to this one.
    async fn referred_by(&self, ctx: &Context<'_>) -> Result<Vec<EventView>> {
        checkpoint(ctx).await?;
        Ok(self.references(&graph(ctx), false))
    }
    /// Every link of the event with its evidence.
    #[graphql(complexity = "super::UNPAGED_LIST_COST * child_complexity + 1")]
    async fn links(&self, ctx: &Context<'_>) -> Result<Vec<Link>> {
        checkpoint(ctx).await?;
        Ok(links_of(&graph(ctx), NodeRef::Event(self.0)))
    }
    /// Why later reports were merged into this event: one entry per joining article, with
    /// the same-event score, the runner-up's, and the evidence. Empty for an event told once.
    async fn merged_because(&self, ctx: &Context<'_>) -> Result<Vec<MergeReason>> {
        checkpoint(ctx).await?;
        let graph = graph(ctx);
        Ok(graph
            .event(self.0)
            .merges
            .iter()
            .filter(|m| !graph.article(m.article).deleted)
            .map(|m| MergeReason {
                article: ArticleView(m.article),
                score: f64::from(m.score),
                runner_up: m.runner_up.map(f64::from),
                evidence: m.evidence.clone(),
            })
            .collect())
    }
}

/// Why an article's report was merged into an event (see ARCHITECTURE.md, same-event rule).
#[derive(async_graphql::SimpleObject)]
pub struct MergeReason {
    /// The article whose report joined the event.
    pub article: ArticleView,
    /// The same-event score of the event for that report.
    pub score: f64,
    /// The score of the best other candidate event, if there was one.
    pub runner_up: Option<f64>,
    /// The evidence in words: shared entities with their rarity weights, kind and date
    /// agreement, conflicts.
    pub evidence: Vec<String>,
}

/// A person, country, organisation, summit format or place.
#[derive(Clone, Copy)]
pub struct EntityView(pub EntityIx);

/// An entity and how many events it shares with another.
#[derive(SimpleObject)]
pub struct RelatedEntity {
    /// The other entity.
    pub entity: EntityView,
    /// Number of shared events.
    pub weight: i32,
}

impl PlainFields for RelatedEntity {
    const TYPE_NAME: &'static str = "RelatedEntity";

    fn plain_field(&self, _graph: &Graph, name: &str) -> Option<Value> {
        match name {
            "weight" => Some(Value::from(self.weight)),
            _ => None,
        }
    }

    fn plain_object(&self, graph: &Graph, name: &str, fields: &[Selected<'_>]) -> Option<Value> {
        match name {
            "entity" => plain_object(&self.entity, graph, fields),
            _ => None,
        }
    }
}

view_object! {
    EntityView as "Entity";
    #[Object(name = "Entity")]
    plain {
        "id" id: ID = |this, graph| node_id(graph, NodeRef::Entity(this.0));
        "kind" kind: EntityKind = |this, graph| graph.entity(this.0).kind.into();
        /// Every known name and alias, in every language, the canonical one included.
        "names" names: Vec<String> = |this, graph| graph.entity(this.0).names.clone();
        /// Number of events linked to the entity.
        "eventCount" event_count: i32 = |this, graph| graph.entity_event_count(this.0) as i32;
    }
    plain_without_arguments {
        "name": String = |this, graph| graph.entity(this.0).name.clone();
    }
    /// Display name: the canonical English one by default; in Kazakh or Russian, the
    /// knowledge base's name in that language when it has one (else the English one).
    async fn name(&self, ctx: &Context<'_>, language: Option<Language>) -> String {
        let graph = graph(ctx);
        match language {
            None => graph.entity(self.0).name.clone(),
            Some(language) => graph.entity_name_in(self.0, language.into()).to_string(),
        }
    }
    /// Events linked to this entity, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
        to: Option<Date>,
        kind: Option<EventKind>,
        kinds: Option<Vec<EventKind>>,
        status: Option<EventStatus>,
        dated: Option<bool>,
        min_precision: Option<DatePrecision>,
        order: Option<Order>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EventConnection> {
        checkpoint(ctx).await?;
        let args = EntityEventsArgs {
            from,
            to,
            kind,
            kinds,
            status,
            dated,
            min_precision,
            order,
            first,
            after,
        };
        args.page(&graph(ctx), self.0)
    }
    /// Entities sharing events with this one; weight = number of shared events.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn related(
        &self,
        ctx: &Context<'_>,
        kind: Option<EntityKind>,
        first: Option<i32>,
    ) -> Result<Rows<RelatedEntity>> {
        checkpoint(ctx).await?;
        related_rows(&graph(ctx), self.0, kind, first)
    }
    /// Countries or organisations this person leads or led (from the knowledge base).
    async fn leader_of(&self, ctx: &Context<'_>) -> Result<Vec<EntityView>> {
        checkpoint(ctx).await?;
        let graph = graph(ctx);
        Ok(graph
            .edges_of(NodeRef::Entity(self.0))
            .into_iter()
            .filter_map(|(kind, out, other, _)| match (kind, out, other) {
                (EdgeKind::LeaderOf, true, NodeRef::Entity(e)) => Some(EntityView(e)),
                _ => None,
            })
            .collect())
    }
    /// People who lead or led this country or organisation.
    async fn leaders(&self, ctx: &Context<'_>) -> Result<Vec<EntityView>> {
        checkpoint(ctx).await?;
        let graph = graph(ctx);
        Ok(graph
            .edges_of(NodeRef::Entity(self.0))
            .into_iter()
            .filter_map(|(kind, out, other, _)| match (kind, out, other) {
                (EdgeKind::LeaderOf, false, NodeRef::Entity(e)) => Some(EntityView(e)),
                _ => None,
            })
            .collect())
    }
    /// For a summit format: its editions (events), oldest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn editions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EventConnection> {
        checkpoint(ctx).await?;
        let filter = EventFilter {
            all_entities: vec![self.0],
            ..EventFilter::default()
        };
        event_connection(ctx, &filter, Order::OldestFirst, first, after)
    }
}

super::connection::connection!(
    ArticleConnection,
    ArticleEdge,
    ArticleView,
    OffsetCursor,
    "ArticleConnection",
    "ArticleEdge"
);
super::connection::connection!(
    EventConnection,
    EventEdge,
    EventView,
    crate::graph::EventCursor,
    "EventConnection",
    "EventEdge"
);
super::connection::connection!(
    EntityConnection,
    EntityEdge,
    EntityView,
    OffsetCursor,
    "EntityConnection",
    "EntityEdge"
);

/// The kind filters of an event list: `kind` (one) or `kinds` (any of several), not both.
/// A single listed kind becomes `kind`, which an index answers.
pub(crate) fn kind_filter(
    kind: Option<EventKind>,
    kinds: Option<Vec<EventKind>>,
) -> Result<(Option<model::EventKind>, Vec<model::EventKind>)> {
    match (kind, kinds) {
        (Some(_), Some(_)) => Err(error(
            codes::BAD_USER_INPUT,
            "give either kind or kinds, not both",
        )),
        (kind, None) => Ok((kind.map(Into::into), Vec::new())),
        (None, Some(kinds)) if kinds.is_empty() => Err(error(
            codes::BAD_USER_INPUT,
            "kinds is empty: leave it out to list every kind",
        )),
        (None, Some(kinds)) => Ok(crate::graph::kind_choice(
            kinds.into_iter().map(Into::into).collect(),
        )),
    }
}

/// The entities that share most events with `entity` (`Entity.related`).
pub(crate) fn related_rows(
    graph: &Graph,
    entity: EntityIx,
    kind: Option<EntityKind>,
    first: Option<i32>,
) -> Result<Rows<RelatedEntity>> {
    let n = page_size(first)?;
    Ok(graph
        .related_top(entity, kind.map(Into::into), n)
        .into_iter()
        .map(|(e, w)| RelatedEntity {
            entity: EntityView(e),
            weight: w as i32,
        })
        .collect())
}

/// The arguments of `Entity.events`, taken apart by the resolver and by the direct path
/// ([`super::direct`]), which both answer through [`EntityEventsArgs::page`].
#[derive(Default)]
pub(crate) struct EntityEventsArgs {
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub kind: Option<EventKind>,
    pub kinds: Option<Vec<EventKind>>,
    pub status: Option<EventStatus>,
    pub dated: Option<bool>,
    pub min_precision: Option<DatePrecision>,
    pub order: Option<Order>,
    pub first: Option<i32>,
    pub after: Option<String>,
}

impl EntityEventsArgs {
    /// The page of `entity`'s events these arguments ask for.
    pub(crate) fn page(self, graph: &Graph, entity: EntityIx) -> Result<EventConnection> {
        let (kind, kinds) = kind_filter(self.kind, self.kinds)?;
        let filter = EventFilter {
            from: self.from.map(|d| d.0),
            to: self.to.map(|d| d.0),
            kind,
            kinds,
            dated: self.dated,
            min_precision: self.min_precision.map(Into::into),
            status: self.status.map(Into::into),
            all_entities: vec![entity],
            ..EventFilter::default()
        };
        event_page(
            graph,
            &filter,
            self.order.unwrap_or_default(),
            self.first,
            self.after,
        )
    }
}

pub(crate) fn event_connection(
    ctx: &Context<'_>,
    filter: &EventFilter,
    order: Order,
    first: Option<i32>,
    after: Option<String>,
) -> Result<EventConnection> {
    let filter = EventFilter {
        deadline: super::scope::scan_deadline(ctx),
        ..filter.clone()
    };
    let page = event_page(&graph(ctx), &filter, order, first, after)?;
    super::scope::refuse_if_stopped(ctx, &filter.deadline)?;
    Ok(page)
}

/// A page of the events `filter` matches.
pub(crate) fn event_page(
    graph: &Graph,
    filter: &EventFilter,
    order: Order,
    first: Option<i32>,
    after: Option<String>,
) -> Result<EventConnection> {
    let n = page_size(first)?;
    check_date_range(filter.from, filter.to)?;
    check_event_cursor(after.as_deref())?;
    let (page, total, has_next) = graph.events_page(filter, order.into(), n, after.as_deref());
    let items = page.into_iter().map(|(c, e)| (c, EventView(e))).collect();
    Ok(EventConnection::from_page(
        items,
        total,
        has_next,
        after.is_some(),
    ))
}

#[cfg(test)]
mod date_scalar_tests {
    use super::*;

    #[test]
    fn a_date_is_exactly_yyyy_mm_dd() {
        let parse = |s: &str| <Date as ScalarType>::parse(Value::String(s.to_string()));
        assert!(parse("2025-01-01").is_ok());
        for bad in [
            " 2025-01-01",
            "+2025-01-01",
            "2025-1-01",
            "2025-01-01 ",
            "2025-02-30",
            "20250101",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
