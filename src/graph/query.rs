//! Read-side algorithms over the graph: filtered and paginated event lists, timeline
//! buckets, co-occurrence, neighbourhoods and shortest paths through shared events.
//!
//! Every list has a documented order: events by date (newest first by default), then by
//! index, so cursors are stable while the graph grows.

use super::date_index::DateIndex;
use super::{
    DateKey, EdgeKind, EntityIx, EventClass, EventIx, Graph, NodeRef, date_key, is_undated,
    language_bit,
};
use crate::model::{DatePrecision, EntityKind, EventKind, EventStatus, Language};
use chrono::{Datelike, Duration, NaiveDate};
use itertools::Itertools;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::ops::Bound;

/// Newest or oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// Latest date first (unknown dates last).
    #[default]
    NewestFirst,
    /// Earliest date first (unknown dates last).
    OldestFirst,
}

/// Events a scan reads between two looks at the clock.
const SCAN_CLOCK_EVERY: u32 = 1_024;

/// When a scan of events must give up: a request's time limit, looked at every
/// [`SCAN_CLOCK_EVERY`] events the scan reads. Not part of what a filter selects (two
/// filters with different deadlines are equal); a scan that ran past it matches nothing more,
/// and the caller refuses the partial answer ([`ScanDeadline::passed`]).
#[derive(Debug, Default)]
pub struct ScanDeadline {
    at: Option<std::time::Instant>,
    read: std::sync::atomic::AtomicU32,
    passed: std::sync::atomic::AtomicBool,
}

impl ScanDeadline {
    /// A scan that must stop at `at`.
    pub fn at(at: std::time::Instant) -> ScanDeadline {
        ScanDeadline {
            at: Some(at),
            ..ScanDeadline::default()
        }
    }

    /// False once the deadline has passed (looked at every [`SCAN_CLOCK_EVERY`] calls).
    fn in_time(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let Some(at) = self.at else {
            return true;
        };
        if self.passed.load(Relaxed) {
            return false;
        }
        if self
            .read
            .fetch_add(1, Relaxed)
            .is_multiple_of(SCAN_CLOCK_EVERY)
            && std::time::Instant::now() >= at
        {
            self.passed.store(true, Relaxed);
            return false;
        }
        true
    }

    /// True when a scan stopped at the deadline: its result is partial.
    pub fn passed(&self) -> bool {
        self.passed.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Clone for ScanDeadline {
    fn clone(&self) -> ScanDeadline {
        ScanDeadline {
            at: self.at,
            ..ScanDeadline::default()
        }
    }
}

impl PartialEq for ScanDeadline {
    fn eq(&self, _: &ScanDeadline) -> bool {
        true
    }
}

/// Filters for event lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFilter {
    /// Earliest start date.
    pub from: Option<NaiveDate>,
    /// Latest start date.
    pub to: Option<NaiveDate>,
    /// Kind.
    pub kind: Option<EventKind>,
    /// Any of these kinds (empty: no constraint). A single kind belongs in `kind`, which an
    /// index answers.
    pub kinds: Vec<EventKind>,
    /// Only events with a date (`true`) or only undated ones (`false`).
    pub dated: Option<bool>,
    /// Only events dated at least this precisely (DAY, or MONTH for months and days, …).
    pub min_precision: Option<DatePrecision>,
    /// Status.
    pub status: Option<EventStatus>,
    /// At least one source in this language.
    pub language: Option<Language>,
    /// Linked to every one of these entities (`all`) …
    pub all_entities: Vec<EntityIx>,
    /// … and to at least one of these (`any`).
    pub any_entities: Vec<EntityIx>,
    /// Case-insensitive substring of the title.
    pub title_contains: Option<String>,
    /// When a scan must give up (a request's time limit).
    pub deadline: ScanDeadline,
}

/// The kind filters for "any of `kinds`": one kind goes to [`EventFilter::kind`], which an
/// index answers; several (sorted, without repeats) to [`EventFilter::kinds`].
pub fn kind_choice(mut kinds: Vec<EventKind>) -> (Option<EventKind>, Vec<EventKind>) {
    kinds.sort_unstable();
    kinds.dedup();
    match kinds.as_slice() {
        [one] => (Some(*one), Vec::new()),
        _ => (None, kinds),
    }
}

/// One timeline bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineBucket {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// Events in it.
    pub events: Vec<EventIx>,
}

/// Event counts for a chart: per kind, per month, per year and per country.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventCounts {
    /// Events matching.
    pub total: usize,
    /// Of them, without a date.
    pub undated: usize,
    /// Per kind, most first.
    pub by_kind: Vec<(EventKind, usize)>,
    /// Per calendar month (events known to the month or the day), in time order.
    pub by_month: Vec<((i32, u32), usize)>,
    /// Per year (every dated event), in time order.
    pub by_year: Vec<(i32, usize)>,
    /// Per linked country, most first.
    pub by_country: Vec<(EntityIx, usize)>,
}

/// Bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// Days.
    Day,
    /// ISO weeks (Monday first).
    Week,
    /// Calendar months.
    Month,
    /// Calendar years.
    Year,
}

/// Nodes and edges around a node.
#[derive(Debug, Clone, Default)]
pub struct Neighborhood {
    /// Nodes, the centre first.
    pub nodes: Vec<NodeRef>,
    /// Edges (from, to, kind) among them.
    pub edges: Vec<(NodeRef, NodeRef, EdgeKind)>,
}

fn bucket_of(date: NaiveDate, granularity: Granularity) -> (NaiveDate, NaiveDate) {
    let month_end = |y: i32, m: u32| {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        NaiveDate::from_ymd_opt(ny, nm, 1)
            .and_then(|d| d.pred_opt())
            .unwrap_or(date)
    };
    match granularity {
        Granularity::Day => (date, date),
        Granularity::Week => {
            let start = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
            (start, start + Duration::days(6))
        }
        Granularity::Month => (
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date),
            month_end(date.year(), date.month()),
        ),
        Granularity::Year => (
            NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap_or(date),
            NaiveDate::from_ymd_opt(date.year(), 12, 31).unwrap_or(date),
        ),
    }
}

fn coarser(precision: DatePrecision, granularity: Granularity) -> Option<Granularity> {
    match (precision, granularity) {
        (DatePrecision::Year, g) if g != Granularity::Year => Some(Granularity::Year),
        (DatePrecision::Month, Granularity::Day | Granularity::Week) => Some(Granularity::Month),
        _ => None,
    }
}

/// A stable position in an event list: an event and its date key. Its text form (`e<key>.<event>`,
/// from `Display`) is the public cursor; it is written only when a client asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventCursor {
    key: DateKey,
    event: EventIx,
}

impl std::fmt::Display for EventCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "e{}.{}", self.key, self.event)
    }
}

/// Whether `cursor` has the shape of an event cursor ([`EventCursor`]).
pub fn is_event_cursor(cursor: &str) -> bool {
    parse_cursor(cursor).is_some()
}

fn parse_cursor(cursor: &str) -> Option<(DateKey, EventIx)> {
    let (key, ix) = cursor.strip_prefix('e')?.split_once('.')?;
    Some((key.parse().ok()?, ix.parse().ok()?))
}

type DateIndexKey = (DateKey, EventIx);

/// The later of two lower bounds.
trait LaterBound {
    fn max_with(self, other: Self) -> Self;
}

impl LaterBound for Bound<DateIndexKey> {
    fn max_with(self, other: Self) -> Self {
        let key = |b: &Bound<DateIndexKey>| match b {
            Bound::Included(k) => (Some(*k), 0),
            Bound::Excluded(k) => (Some(*k), 1),
            Bound::Unbounded => (None, 0),
        };
        if key(&self) >= key(&other) {
            self
        } else {
            other
        }
    }
}

/// Where a filtered event list is read from: the date indexes whose union holds every event
/// the filter can match (they never share an event), the range of date keys to read in
/// them, and whether every item there matches (then counts need no walk).
struct Sources<'a> {
    indexes: Vec<&'a DateIndex<DateIndexKey>>,
    /// Least date key, inclusive.
    lo: DateKey,
    /// Greatest date key, inclusive.
    hi: DateKey,
    exact: bool,
}

impl<'a> Sources<'a> {
    /// The items with keys in `lo..=hi` and past `after` (a cursor) in each index.
    fn ranges(
        &self,
        lo: DateKey,
        hi: DateKey,
        after: Option<(DateIndexKey, SortOrder)>,
    ) -> Vec<impl DoubleEndedIterator<Item = &'a DateIndexKey> + use<'a>> {
        let upper = (hi, EventIx::MAX);
        let (mut lo, mut hi) = (Bound::Included((lo, 0)), Bound::Included(upper));
        match after {
            Some((cursor, SortOrder::NewestFirst)) if cursor <= upper => {
                hi = Bound::Excluded(cursor);
            }
            Some((cursor, SortOrder::OldestFirst)) => lo = Bound::Excluded(cursor).max_with(lo),
            _ => {}
        }
        self.indexes
            .iter()
            .map(|index| index.range(lo.as_ref(), hi.as_ref()))
            .collect()
    }

    /// The items with keys in `lo..=hi` past `after`, in `order`, merged across indexes.
    fn ordered(
        &self,
        lo: DateKey,
        hi: DateKey,
        order: SortOrder,
        after: Option<DateIndexKey>,
    ) -> Box<dyn Iterator<Item = &'a DateIndexKey> + 'a> {
        let ranges = self.ranges(lo, hi, after.map(|c| (c, order)));
        match order {
            SortOrder::OldestFirst => Box::new(ranges.into_iter().kmerge()),
            SortOrder::NewestFirst => Box::new(
                ranges
                    .into_iter()
                    .map(Iterator::rev)
                    .kmerge_by(|a, b| a > b),
            ),
        }
    }

    /// How many items have keys in `lo..=hi`.
    fn count(&self, lo: DateKey, hi: DateKey) -> usize {
        if lo > hi {
            return 0;
        }
        self.indexes
            .iter()
            .map(|index| {
                index.count(
                    Bound::Included(&(lo, 0)),
                    Bound::Included(&(hi, EventIx::MAX)),
                )
            })
            .sum()
    }
}

impl Graph {
    /// The indexes to read for `filter` (see [`Sources`]): for each entity it names (or for
    /// all events), its date index, or with a kind, status, precision or language filter the
    /// union of its indexes of the matching classes; the entity whose union is smallest
    /// wins. A date range or `dated` narrows the keys (undated events have negative keys).
    fn event_sources(&self, filter: &EventFilter) -> Sources<'_> {
        let by_class = filter.kind.is_some()
            || !filter.kinds.is_empty()
            || filter.status.is_some()
            || filter.min_precision.is_some()
            || filter.language.is_some();
        let wanted = |class: &EventClass| {
            filter.kind.is_none_or(|k| k == class.kind)
                && (filter.kinds.is_empty() || filter.kinds.contains(&class.kind))
                && filter.status.is_none_or(|s| s == class.status)
                && filter
                    .min_precision
                    .is_none_or(|p| class.precision.rank() >= p.rank())
                && filter
                    .language
                    .is_none_or(|l| class.languages & language_bit(l) != 0)
        };
        let scope = |entity: Option<EntityIx>| -> Vec<&DateIndex<DateIndexKey>> {
            let (all, classes) = match entity {
                Some(e) => (
                    &self.entity_events[e as usize],
                    &self.entity_class_events[e as usize],
                ),
                None => (&self.events_by_date, &self.events_by_class),
            };
            if by_class {
                classes
                    .iter()
                    .filter(|(class, _)| wanted(class))
                    .map(|(_, index)| index)
                    .collect()
            } else {
                vec![all]
            }
        };
        let scopes: Vec<Option<EntityIx>> = if filter.all_entities.is_empty() {
            vec![None]
        } else {
            filter.all_entities.iter().map(|&e| Some(e)).collect()
        };
        let indexes = scopes
            .into_iter()
            .map(scope)
            .min_by_key(|indexes| indexes.iter().map(|index| index.len()).sum::<usize>())
            .unwrap_or_default();
        let mut lo = filter.from.map_or(DateKey::MIN, |d| d.num_days_from_ce());
        let mut hi = filter.to.map_or(DateKey::MAX, |d| d.num_days_from_ce());
        // Dated keys are positive: a date range or `dated: true` leaves undated events out.
        if filter.from.is_some() || filter.to.is_some() || filter.dated == Some(true) {
            lo = lo.max(0);
        }
        if filter.dated == Some(false) {
            hi = hi.min(-1);
        }
        let exact = filter.title_contains.is_none()
            && filter.any_entities.is_empty()
            && filter.all_entities.len() <= 1;
        Sources {
            indexes,
            lo,
            hi,
            exact,
        }
    }

    fn event_matches(&self, event: EventIx, filter: &EventFilter) -> bool {
        if !filter.deadline.in_time() {
            return false;
        }
        let e = &self.events[event as usize];
        if e.deleted {
            return false;
        }
        if filter.kind.is_some_and(|k| k != e.kind) || filter.status.is_some_and(|s| s != e.status)
        {
            return false;
        }
        if !filter.kinds.is_empty() && !filter.kinds.contains(&e.kind) {
            return false;
        }
        if filter
            .dated
            .is_some_and(|dated| dated != e.date.start.is_some())
        {
            return false;
        }
        if let Some(min) = filter.min_precision
            && e.date.precision.rank() < min.rank()
        {
            return false;
        }
        if let Some(lang) = filter.language
            && !e
                .articles()
                .any(|a| self.articles[a as usize].language == lang)
        {
            return false;
        }
        if !filter.all_entities.iter().all(|x| e.entities.contains(x)) {
            return false;
        }
        if !filter.any_entities.is_empty()
            && !filter.any_entities.iter().any(|x| e.entities.contains(x))
        {
            return false;
        }
        if let Some(needle) = &filter.title_contains
            && !crate::text::fold(&e.title).contains(needle.as_str())
        {
            return false;
        }
        true
    }

    /// Every event `filter` matches, in no particular order.
    fn matching<'a>(&'a self, filter: &'a EventFilter) -> impl Iterator<Item = EventIx> + 'a {
        let sources = self.event_sources(filter);
        let ranges = sources.ranges(sources.lo, sources.hi, None);
        ranges
            .into_iter()
            .flatten()
            .filter(move |&&(_, e)| self.event_matches(e, filter))
            .map(|&(_, e)| e)
    }

    /// The number of events `filter` matches when it names exactly two entities and nothing
    /// else: their co-occurrence count, kept current on every link and deletion.
    fn shared_count(&self, filter: &EventFilter) -> Option<usize> {
        let [a, b] = filter.all_entities[..] else {
            return None;
        };
        let only_entities = EventFilter {
            all_entities: filter.all_entities.clone(),
            ..EventFilter::default()
        };
        if a == b || *filter != only_entities {
            return None;
        }
        Some(
            self.cooccurrence[a as usize]
                .get(&b)
                .map_or(0, |&n| n as usize),
        )
    }

    /// A page of events: (events with cursors, total count, has next page).
    ///
    /// `after` is a cursor from an earlier page; an unknown cursor starts from the top.
    pub fn events_page(
        &self,
        filter: &EventFilter,
        order: SortOrder,
        first: usize,
        after: Option<&str>,
    ) -> (Vec<(EventCursor, EventIx)>, usize, bool) {
        let sources = self.event_sources(filter);
        let (lo, hi) = (sources.lo, sources.hi);
        let total = if sources.exact {
            sources.count(lo, hi)
        } else if let Some(shared) = self.shared_count(filter) {
            shared
        } else {
            self.matching(filter).count()
        };
        let cursor = after.and_then(parse_cursor);
        let items: Box<dyn Iterator<Item = &DateIndexKey>> = match order {
            SortOrder::NewestFirst => sources.ordered(lo, hi, order, cursor),
            // Dated events by date, then the undated ones (their keys are negative, so the
            // indexes hold them first): a timeline starts at its first real date.
            SortOrder::OldestFirst => {
                let (dated, undated) = ((lo.max(0), hi), (lo, hi.min(-1)));
                match cursor {
                    Some(c) if is_undated(c.0) => {
                        sources.ordered(undated.0, undated.1, order, Some(c))
                    }
                    _ => Box::new(
                        sources
                            .ordered(dated.0, dated.1, order, cursor)
                            .chain(sources.ordered(undated.0, undated.1, order, None)),
                    ),
                }
            }
        };
        let mut page = Vec::with_capacity(first.min(128));
        let mut has_next = false;
        for &(key, event) in items.filter(|&&(_, e)| self.event_matches(e, filter)) {
            if page.len() == first {
                has_next = true;
                break;
            }
            page.push((EventCursor { key, event }, event));
        }
        (page, total, has_next)
    }

    /// Timeline buckets of the events of `entity` (or all events) between `from` and `to`.
    /// An event coarser than the granularity gets a bucket of its own precision.
    pub fn timeline(
        &self,
        entity: Option<EntityIx>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        granularity: Granularity,
    ) -> Vec<TimelineBucket> {
        let base = match entity {
            Some(e) => &self.entity_events[e as usize],
            None => &self.events_by_date,
        };
        let lo = from.map_or(0, |d| d.num_days_from_ce());
        let hi = to.map_or(i32::MAX, |d| d.num_days_from_ce());
        let mut buckets: BTreeMap<(NaiveDate, NaiveDate), Vec<EventIx>> = BTreeMap::new();
        let range = base.range(
            Bound::Included(&(lo, 0)),
            Bound::Included(&(hi, EventIx::MAX)),
        );
        for &(_, event) in range {
            let e = &self.events[event as usize];
            let Some(start) = e.date.start else { continue };
            let width = coarser(e.date.precision, granularity).unwrap_or(granularity);
            buckets
                .entry(bucket_of(start, width))
                .or_default()
                .push(event);
        }
        buckets
            .into_iter()
            .map(|((start, end), mut events)| {
                // Most-reported first, then newest.
                events.sort_by_key(|&e| {
                    let r = &self.events[e as usize];
                    (
                        std::cmp::Reverse(r.reported_by.len() + r.mentioned_by.len()),
                        std::cmp::Reverse(date_key(&r.date)),
                        e,
                    )
                });
                TimelineBucket { start, end, events }
            })
            .collect()
    }

    /// Counts of the events `filter` matches, per kind, month, year and country (one pass
    /// over the smallest index that holds them).
    pub fn event_counts(&self, filter: &EventFilter) -> EventCounts {
        let mut kinds: HashMap<EventKind, usize> = HashMap::new();
        let mut months: BTreeMap<(i32, u32), usize> = BTreeMap::new();
        let mut years: BTreeMap<i32, usize> = BTreeMap::new();
        let mut countries: HashMap<EntityIx, usize> = HashMap::new();
        let mut counts = EventCounts::default();
        for e in self.matching(filter) {
            let record = &self.events[e as usize];
            counts.total += 1;
            *kinds.entry(record.kind).or_default() += 1;
            match record.date.start {
                None => counts.undated += 1,
                Some(day) => {
                    *years.entry(day.year()).or_default() += 1;
                    if matches!(
                        record.date.precision,
                        DatePrecision::Day | DatePrecision::Month
                    ) {
                        *months.entry((day.year(), day.month())).or_default() += 1;
                    }
                }
            }
            for &entity in &record.entities {
                let r = &self.entities[entity as usize];
                if r.kind == EntityKind::Country {
                    *countries.entry(entity).or_default() += 1;
                }
            }
        }
        let mut by_kind: Vec<(EventKind, usize)> = kinds.into_iter().collect();
        by_kind.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut by_country: Vec<(EntityIx, usize)> = countries.into_iter().collect();
        by_country.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.by_kind = by_kind;
        counts.by_country = by_country;
        counts.by_month = months.into_iter().collect();
        counts.by_year = years.into_iter().collect();
        counts
    }

    /// Entities sharing events with `entity`, with the number of shared events, heaviest first.
    pub fn related(&self, entity: EntityIx, kind: Option<EntityKind>) -> Vec<(EntityIx, usize)> {
        self.related_top(entity, kind, usize::MAX)
    }

    /// The `limit` entities sharing the most events with `entity` (ties by index), in that
    /// order: the top is selected in linear time and only it is sorted, so a page of a hub's
    /// co-occurrences costs little more than reading them.
    pub fn related_top(
        &self,
        entity: EntityIx,
        kind: Option<EntityKind>,
        limit: usize,
    ) -> Vec<(EntityIx, usize)> {
        let order =
            |a: &(EntityIx, usize), b: &(EntityIx, usize)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        let mut out: Vec<(EntityIx, usize)> = self.cooccurrence[entity as usize]
            .iter()
            .filter(|&(&other, _)| kind.is_none_or(|k| self.entities[other as usize].kind == k))
            .map(|(&other, &n)| (other, n as usize))
            .collect();
        if limit < out.len() {
            if limit == 0 {
                return Vec::new();
            }
            out.select_nth_unstable_by(limit - 1, order);
            out.truncate(limit);
        }
        out.sort_unstable_by(order);
        out
    }

    /// The newest live event linked to both entities.
    fn shared_event(&self, a: EntityIx, b: EntityIx) -> Option<EventIx> {
        let (small, large) = {
            let (sa, sb) = (
                &self.entity_events[a as usize],
                &self.entity_events[b as usize],
            );
            if sa.len() <= sb.len() {
                (sa, sb)
            } else {
                (sb, sa)
            }
        };
        small
            .iter()
            .rev()
            .find(|item| large.contains(item))
            .map(|&(_, e)| e)
    }

    fn semantic_neighbors(&self, node: NodeRef, limit: usize) -> Vec<NodeRef> {
        match node {
            NodeRef::Entity(e) => self.entity_events[e as usize]
                .iter()
                .rev()
                .take(limit)
                .map(|&(_, ev)| NodeRef::Event(ev))
                .collect(),
            NodeRef::Event(ev) => self.events[ev as usize]
                .entities
                .iter()
                .take(limit)
                .map(|&e| NodeRef::Entity(e))
                .collect(),
            NodeRef::Article(a) => {
                let rec = &self.articles[a as usize];
                std::iter::once(rec.main_event)
                    .chain(rec.mentioned_events.iter().copied())
                    .take(limit)
                    .map(NodeRef::Event)
                    .collect()
            }
        }
    }

    /// Nodes within `depth` hops (entity ↔ event ↔ entity, article → events), each node
    /// expanding at most `per_node` neighbours (newest events first), `max_nodes` in all.
    pub fn neighborhood(
        &self,
        centre: NodeRef,
        depth: usize,
        per_node: usize,
        max_nodes: usize,
    ) -> Neighborhood {
        let mut seen: HashSet<NodeRef> = HashSet::from([centre]);
        let mut out = Neighborhood {
            nodes: vec![centre],
            edges: Vec::new(),
        };
        let mut frontier = vec![centre];
        for _ in 0..depth {
            let mut next = Vec::new();
            for node in frontier {
                for neighbor in self.semantic_neighbors(node, per_node) {
                    let (from, to) = match node {
                        NodeRef::Entity(_) => (neighbor, node),
                        _ => (node, neighbor),
                    };
                    let kind = match (from, to) {
                        (NodeRef::Article(_), _) => EdgeKind::Reports,
                        (NodeRef::Event(_), NodeRef::Entity(e)) => {
                            EdgeKind::for_entity(self.entities[e as usize].kind)
                        }
                        _ => EdgeKind::RefersTo,
                    };
                    if seen.insert(neighbor) {
                        if out.nodes.len() >= max_nodes {
                            continue;
                        }
                        out.nodes.push(neighbor);
                        next.push(neighbor);
                    }
                    if seen.contains(&neighbor) && out.nodes.contains(&neighbor) {
                        out.edges.push((from, to, kind));
                    }
                }
            }
            frontier = next;
        }
        out.edges
            .sort_by_key(|&(a, b, k)| (format!("{a:?}"), format!("{b:?}"), k));
        out.edges.dedup();
        out
    }

    /// Shortest path between two nodes through shared events, at most `max_length` links;
    /// `None` when there is none. Breadth-first search over the entity co-occurrence graph
    /// (a few hundred nodes even for a million articles), then one shared event per hop.
    pub fn path(
        &self,
        from: NodeRef,
        to: NodeRef,
        max_length: usize,
        avoid: &[EntityIx],
    ) -> Option<Vec<NodeRef>> {
        if from == to {
            return Some(vec![from]);
        }
        // Events and articles are reached through their entities.
        let entry = |node: NodeRef| -> Vec<EntityIx> {
            match node {
                NodeRef::Entity(e) => vec![e],
                NodeRef::Event(ev) => self.events[ev as usize].entities.clone(),
                NodeRef::Article(a) => self.events[self.articles[a as usize].main_event as usize]
                    .entities
                    .clone(),
            }
        };
        let hops_to_entity = |node: NodeRef| match node {
            NodeRef::Entity(_) => 0,
            NodeRef::Event(_) => 1,
            NodeRef::Article(_) => 2,
        };
        let (starts, goals) = (entry(from), entry(to));
        let fixed = hops_to_entity(from) + hops_to_entity(to);
        if fixed > max_length {
            return None;
        }
        let goal_set: HashSet<EntityIx> = goals.iter().copied().collect();
        let mut parent: HashMap<EntityIx, EntityIx> = starts.iter().map(|&s| (s, s)).collect();
        let mut frontier: VecDeque<(EntityIx, usize)> = starts.iter().map(|&s| (s, 0)).collect();
        let mut meet = starts.iter().copied().find(|s| goal_set.contains(s));
        while meet.is_none() {
            let Some((entity, hops)) = frontier.pop_front() else {
                break;
            };
            // Each entity hop costs two links (entity → event → entity).
            if fixed + 2 * (hops + 1) > max_length {
                continue;
            }
            let mut neighbours: Vec<EntityIx> =
                self.cooccurrence[entity as usize].keys().copied().collect();
            neighbours.sort_unstable();
            for next in neighbours {
                // Avoided entities (hubs such as Kazakhstan) are never stepped through; they
                // may still be an end.
                if parent.contains_key(&next)
                    || (avoid.contains(&next) && !goal_set.contains(&next))
                {
                    continue;
                }
                parent.insert(next, entity);
                if goal_set.contains(&next) {
                    meet = Some(next);
                    break;
                }
                frontier.push_back((next, hops + 1));
            }
        }
        let meet = meet?;
        let mut chain = vec![meet];
        while let Some(&p) = parent.get(chain.last()?) {
            if p == *chain.last()? {
                break;
            }
            chain.push(p);
        }
        chain.reverse();
        let mut nodes = Vec::new();
        match from {
            NodeRef::Article(a) => {
                nodes.extend([from, NodeRef::Event(self.articles[a as usize].main_event)])
            }
            NodeRef::Event(_) => nodes.push(from),
            NodeRef::Entity(_) => {}
        }
        for (i, &entity) in chain.iter().enumerate() {
            if i > 0 {
                nodes.push(NodeRef::Event(self.shared_event(chain[i - 1], entity)?));
            }
            nodes.push(NodeRef::Entity(entity));
        }
        match to {
            NodeRef::Article(a) => {
                nodes.extend([NodeRef::Event(self.articles[a as usize].main_event), to])
            }
            NodeRef::Event(_) => nodes.push(to),
            NodeRef::Entity(_) => {}
        }
        Some(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Extractor;
    use crate::ingest::{Limits, RawArticle, validate};

    #[test]
    fn a_scan_past_its_deadline_stops_and_says_so() {
        let graph = varied_graph();
        let search = |deadline: ScanDeadline| {
            let filter = EventFilter {
                title_contains: Some("t".to_string()),
                deadline,
                ..EventFilter::default()
            };
            let (page, total, _) = graph.events_page(&filter, SortOrder::NewestFirst, 5, None);
            (page.len(), total, filter.deadline.passed())
        };
        let (found, total, passed) = search(ScanDeadline::default());
        assert!(found > 0 && total > 0 && !passed, "{found} {total}");
        let ahead = std::time::Instant::now() + std::time::Duration::from_secs(3_600);
        assert_eq!(search(ScanDeadline::at(ahead)), (found, total, false));
        let past = std::time::Instant::now()
            .checked_sub(std::time::Duration::from_secs(1))
            .unwrap_or_else(std::time::Instant::now);
        let (found, total, passed) = search(ScanDeadline::at(past));
        assert!(passed, "the scan noticed its deadline");
        assert_eq!(
            (found, total),
            (0, 0),
            "a stopped scan matches nothing more"
        );
    }

    /// A graph of varied articles: three languages, several kinds, dates over two years,
    /// undated ones, merges and a deletion (so events change kind, date and sources).
    fn varied_graph() -> Graph {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let leads = [
            "Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Ташкентте Шавкат Мирзиёевпен кездесті.",
            "Токаев провёл телефонный разговор с Путиным\nПрезидент Казахстана Касым-Жомарт Токаев провёл телефонный разговор с Владимиром Путиным.",
            "Tokayev arrives in Beijing on a state visit\nPresident Kassym-Jomart Tokayev arrived in Beijing on a state visit to China.",
            "Тоқаев ШЫҰ саммитіне қатысты\nҚасым-Жомарт Тоқаев Астанада өткен ШЫҰ саммитіне қатысты.",
            "Токаев дал интервью газете\nКасым-Жомарт Токаев дал интервью газете «Известия».",
            "Kazakhstan and Turkey sign agreements\nKazakhstan and Turkey signed five agreements in Ankara.",
            "Токаев посетит Францию с официальным визитом\nКасым-Жомарт Токаев посетит Францию в ноябре с официальным визитом, сообщили в Акорде.",
        ];
        for n in 0..90usize {
            let lead = leads[n % leads.len()];
            let text = if n % 7 == 3 {
                lead.to_string()
            } else {
                format!(
                    " date {}-{:02}-{:02} {lead}",
                    2024 + n % 2,
                    n % 12 + 1,
                    n % 27 + 1
                )
            };
            let raw = RawArticle {
                source: format!("a{n}"),
                bytes: text.into_bytes(),
                ..RawArticle::default()
            };
            if let Ok(article) = validate(raw, Limits::default(), today)
                && graph.article_by_id(&article.id.0).is_none()
            {
                let facts = crate::service::extract_article(&extractor, &article);
                graph.apply(
                    &extractor.kb,
                    &crate::graph::ArticleHeader::from(&article),
                    &facts,
                );
            }
        }
        // One phone call told in three languages (on n = 1's date), so that an event has
        // sources in several languages.
        for (source, text) in [
            (
                "call-en",
                " date 2025-02-02 Tokayev holds a phone call with Putin\nPresident Kassym-Jomart Tokayev held a phone conversation with Vladimir Putin.",
            ),
            (
                "call-kk",
                " date 2025-02-02 Тоқаев Путинмен телефон арқылы сөйлесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Владимир Путинмен телефон арқылы сөйлесті.",
            ),
        ] {
            let raw = RawArticle {
                source: source.to_string(),
                bytes: text.as_bytes().to_vec(),
                ..RawArticle::default()
            };
            if let Ok(article) = validate(raw, Limits::default(), today) {
                let facts = crate::service::extract_article(&extractor, &article);
                graph.apply(
                    &extractor.kb,
                    &crate::graph::ArticleHeader::from(&article),
                    &facts,
                );
            }
        }
        graph.remove_article(4);
        graph
    }

    /// The languages of an event's sources, as bits.
    fn languages(graph: &Graph, e: EventIx) -> u8 {
        graph.events[e as usize].articles().fold(0, |b, a| {
            b | language_bit(graph.articles[a as usize].language)
        })
    }

    /// Every live event that passes the filter, newest first: the definition the indexes
    /// must agree with.
    fn brute_force(graph: &Graph, filter: &EventFilter) -> Vec<EventIx> {
        let dated = filter.from.is_some() || filter.to.is_some();
        let lo = filter.from.map_or(i32::MIN, |d| d.num_days_from_ce());
        let hi = filter.to.map_or(i32::MAX, |d| d.num_days_from_ce());
        let mut keys: Vec<(DateKey, EventIx)> = (0..graph.events.len() as EventIx)
            .filter(|&e| graph.event_matches(e, filter))
            .map(|e| {
                let r = &graph.events[e as usize];
                (super::super::event_key(&r.date, r.month_day), e)
            })
            .filter(|&(k, _)| (lo..=hi).contains(&k) && !(dated && is_undated(k)))
            .collect();
        keys.sort_unstable();
        keys.into_iter().rev().map(|(_, e)| e).collect()
    }

    #[test]
    fn oldest_first_lists_dated_events_then_undated_ones_across_pages() {
        let graph = varied_graph();
        let everything = EventFilter::default();
        let newest = brute_force(&graph, &everything);
        let key = |e: EventIx| {
            let r = &graph.events[e as usize];
            super::super::event_key(&r.date, r.month_day)
        };
        let (mut dated, mut undated): (Vec<EventIx>, Vec<EventIx>) =
            newest.iter().rev().partition(|&&e| !is_undated(key(e)));
        assert!(!dated.is_empty() && !undated.is_empty(), "both kinds exist");
        dated.append(&mut undated);
        let expected = dated;
        // Page through with cursors, two at a time, across the dated/undated boundary.
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let (page, total, has_next) =
                graph.events_page(&everything, SortOrder::OldestFirst, 2, after.as_deref());
            assert_eq!(total, expected.len());
            seen.extend(page.iter().map(|(_, e)| *e));
            after = page.last().map(|(c, _)| c.to_string());
            if !has_next {
                break;
            }
        }
        assert_eq!(seen, expected);
    }

    /// Pages through `filter` with cursors, `size` at a time; returns every event and the
    /// totals each page reported.
    fn paged(
        graph: &Graph,
        filter: &EventFilter,
        order: SortOrder,
        size: usize,
    ) -> (Vec<EventIx>, Vec<usize>) {
        let (mut seen, mut totals) = (Vec::new(), Vec::new());
        let mut after: Option<String> = None;
        loop {
            let (page, total, has_next) = graph.events_page(filter, order, size, after.as_deref());
            seen.extend(page.iter().map(|(_, e)| *e));
            totals.push(total);
            after = page.last().map(|(c, _)| c.to_string());
            if !has_next || seen.len() > 10_000 {
                return (seen, totals);
            }
        }
    }

    /// Checks every combination of entity, kinds, date range, status, `dated`, precision and
    /// language against [`brute_force`], paging with cursors in both orders; returns how
    /// many combinations matched something.
    fn check_every_combination(graph: &Graph) -> usize {
        let key = |e: &EventIx| {
            let r = &graph.events[*e as usize];
            super::super::event_key(&r.date, r.month_day)
        };
        let mut kinds_present: Vec<EventKind> = graph.events.iter().map(|e| e.kind).collect();
        kinds_present.sort_unstable();
        kinds_present.dedup();
        assert!(kinds_present.len() >= 3, "{kinds_present:?}");
        let entities: Vec<Option<EntityIx>> = std::iter::once(None)
            .chain(
                (0..graph.entities.len() as EntityIx)
                    .filter(|&e| graph.entity_events[e as usize].len() >= 5)
                    .take(3)
                    .map(Some),
            )
            .collect();
        assert!(entities.len() >= 3, "{entities:?}");
        let kind_sets = [
            (None, Vec::new()),
            (Some(kinds_present[0]), Vec::new()),
            (None, kinds_present[..2].to_vec()),
            (None, kinds_present.clone()),
        ];
        let dates = [
            (None, None),
            (NaiveDate::from_ymd_opt(2024, 6, 1), None),
            (
                NaiveDate::from_ymd_opt(2024, 3, 1),
                NaiveDate::from_ymd_opt(2025, 3, 31),
            ),
        ];
        let mut nonempty = 0;
        for entity in &entities {
            for (kind, kinds) in &kind_sets {
                for &(from, to) in &dates {
                    for (status, language) in [
                        (None, None),
                        (Some(EventStatus::Happened), None),
                        (None, Some(Language::En)),
                        (Some(EventStatus::Happened), Some(Language::Ru)),
                    ] {
                        for dated in [None, Some(true), Some(false)] {
                            for min_precision in
                                [None, Some(DatePrecision::Month), Some(DatePrecision::Day)]
                            {
                                let filter = EventFilter {
                                    from,
                                    to,
                                    kind: *kind,
                                    kinds: kinds.clone(),
                                    status,
                                    dated,
                                    min_precision,
                                    language,
                                    all_entities: entity.iter().copied().collect(),
                                    ..EventFilter::default()
                                };
                                let newest = brute_force(graph, &filter);
                                let (mut oldest, mut undated): (Vec<EventIx>, Vec<EventIx>) =
                                    newest.iter().rev().partition(|e| !is_undated(key(e)));
                                oldest.append(&mut undated);
                                for (order, expected) in [
                                    (SortOrder::NewestFirst, &newest),
                                    (SortOrder::OldestFirst, &oldest),
                                ] {
                                    let (seen, totals) = paged(graph, &filter, order, 3);
                                    assert_eq!(&seen, expected, "{filter:?} {order:?}");
                                    assert!(
                                        totals.iter().all(|&t| t == expected.len()),
                                        "{filter:?} {totals:?} vs {}",
                                        expected.len()
                                    );
                                }
                                nonempty += usize::from(!newest.is_empty());
                            }
                        }
                    }
                }
            }
        }
        nonempty
    }

    #[test]
    fn every_combination_of_class_and_date_filters_agrees_with_a_scan_in_both_orders() {
        let mut graph = varied_graph();
        let multilingual = (0..graph.events.len() as EventIx)
            .find(|&e| !graph.events[e as usize].deleted && languages(&graph, e).count_ones() >= 2)
            .unwrap_or_else(|| panic!("the varied graph has an event told in two languages"));
        assert!(check_every_combination(&graph) >= 300);
        // Deleting the English source takes the event out of the English class.
        let english = graph.events[multilingual as usize]
            .articles()
            .find(|&a| graph.articles[a as usize].language == Language::En)
            .unwrap_or_else(|| panic!("an English source"));
        graph.remove_article(english);
        assert_eq!(
            languages(&graph, multilingual) & language_bit(Language::En),
            0
        );
        assert!(check_every_combination(&graph) >= 300);
        // Every kind together is every event.
        let mut kinds: Vec<EventKind> = graph.events.iter().map(|e| e.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let all = EventFilter {
            kinds,
            ..EventFilter::default()
        };
        assert_eq!(
            graph.events_page(&all, SortOrder::NewestFirst, 0, None).1,
            graph
                .events_page(&EventFilter::default(), SortOrder::NewestFirst, 0, None)
                .1
        );
    }

    #[test]
    fn indexed_counts_and_pages_agree_with_a_scan_of_every_event() {
        let graph = varied_graph();
        assert!(graph.stats().events > 20, "{:?}", graph.stats());
        let mut entities: Vec<Option<EntityIx>> = vec![None];
        entities.extend((0..graph.entities.len() as EntityIx).map(Some));
        let dates = [
            (None, None),
            (NaiveDate::from_ymd_opt(2024, 3, 1), None),
            (None, NaiveDate::from_ymd_opt(2024, 12, 31)),
            (
                NaiveDate::from_ymd_opt(2024, 6, 1),
                NaiveDate::from_ymd_opt(2025, 6, 30),
            ),
        ];
        let mut kinds: Vec<Option<EventKind>> = vec![None];
        kinds.extend(EventKind::ALL.map(Some));
        let mut checked_nonempty = 0;
        for &entity in &entities {
            for &kind in &kinds {
                for &(from, to) in &dates {
                    for status in [
                        None,
                        Some(EventStatus::Happened),
                        Some(EventStatus::Planned),
                    ] {
                        let filter = EventFilter {
                            from,
                            to,
                            kind,
                            status,
                            all_entities: entity.into_iter().collect(),
                            ..EventFilter::default()
                        };
                        let expected = brute_force(&graph, &filter);
                        let (page, total, has_next) =
                            graph.events_page(&filter, SortOrder::NewestFirst, 5, None);
                        assert_eq!(total, expected.len(), "{filter:?}");
                        let ids: Vec<EventIx> = page.iter().map(|(_, e)| *e).collect();
                        assert_eq!(ids, expected[..expected.len().min(5)], "{filter:?}");
                        assert_eq!(has_next, expected.len() > 5, "{filter:?}");
                        checked_nonempty += usize::from(!expected.is_empty());
                    }
                }
            }
        }
        assert!(checked_nonempty > 50, "{checked_nonempty}");
        // Two entities and nothing else: counted from the co-occurrence index.
        let mut shared_nonempty = 0;
        for a in 0..graph.entities.len() as EntityIx {
            for b in 0..graph.entities.len() as EntityIx {
                let filter = EventFilter {
                    all_entities: vec![a, b],
                    ..EventFilter::default()
                };
                let expected = brute_force(&graph, &filter);
                let (page, total, _) = graph.events_page(&filter, SortOrder::NewestFirst, 5, None);
                assert_eq!(total, expected.len(), "{filter:?}");
                let ids: Vec<EventIx> = page.iter().map(|(_, e)| *e).collect();
                assert_eq!(ids, expected[..expected.len().min(5)], "{filter:?}");
                shared_nonempty += usize::from(a != b && !expected.is_empty());
            }
        }
        assert!(shared_nonempty > 10, "{shared_nonempty}");
        let planned = EventFilter {
            status: Some(EventStatus::Planned),
            ..EventFilter::default()
        };
        assert!(
            !brute_force(&graph, &planned).is_empty(),
            "the graph has planned events to filter"
        );
    }
}
