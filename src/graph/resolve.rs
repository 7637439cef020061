//! Putting one article's facts into the graph: entities resolved to graph entities, the
//! main event and mentioned events merged into existing events when they are the same event,
//! evidence attached to every link.
//!
//! Whether two reports are one event is decided in `same_event` (a scored decision).

use super::date_index::{DateIndex, KeyedIndexes};
use super::{
    ArticleHeader, ArticleIx, ArticleRec, DateKey, EdgeData, EdgeKind, EntityIx, EntityRec,
    EventClass, EventIx, EventRec, Evidence, Graph, MergeNote, NodeRef, event_key, language_bit,
};
use crate::extract::{EventFacts, Extraction, entities::named_keys};
use crate::kb::KnowledgeBase;
use crate::model::{DatePrecision, EntityKind, EventKind, EventStatus};
use crate::text::fold;
use chrono::Datelike;
use petgraph::stable_graph::{EdgeIndex, NodeIndex};
use std::collections::HashMap;

/// What applying one article changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyReport {
    /// The article's record.
    pub article: ArticleIx,
    /// Events created.
    pub new_events: Vec<EventIx>,
    /// Existing events that gained a source, an entity or a date.
    pub updated_events: Vec<EventIx>,
}

/// How specific a kind is about the occasion: a merged event takes its reports' most
/// specific kind (a phone call over a conversation, a signing over talks, a visit over a
/// meeting, anything over a statement).
fn kind_specificity(kind: EventKind) -> u8 {
    match kind {
        EventKind::PhoneCall | EventKind::Interview | EventKind::Address => 9,
        EventKind::Agreement => 8,
        EventKind::Summit => 7,
        EventKind::Speech => 6,
        EventKind::Visit => 5,
        EventKind::Meeting => 4,
        EventKind::Statement => 2,
        EventKind::Other => 1,
    }
}

/// Most entities an event gathers over all its reports.
const MAX_MERGED_EVENT_ENTITIES: usize = 2 * crate::extract::MAX_EVENT_ENTITIES;

/// How far apart (days) two events of one article may lie for one to date the other.
const NEIGHBOUR_DAYS: i64 = 45;

/// Where an event sits in the date, kind and status indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IndexPlace {
    key: DateKey,
    class: EventClass,
}

impl Graph {
    /// Adds an article and its extracted facts. The caller checks for duplicates first.
    pub fn apply(
        &mut self,
        kb: &KnowledgeBase,
        article: &ArticleHeader,
        facts: &Extraction,
    ) -> ApplyReport {
        let _article_span = tracing::debug_span!("apply", source = %article.source).entered();
        let article_ix = self.articles.len() as ArticleIx;
        let node = self.graph.add_node(NodeRef::Article(article_ix));
        self.articles.push(ArticleRec {
            id: article.id.clone(),
            source: article.source.clone(),
            title: article.title.clone(),
            published_on: article.published_on,
            language: facts.language,
            main_event: 0,
            mentioned_events: Vec::new(),
            entities: Vec::new(),
            node,
            deleted: false,
        });
        self.article_by_id.insert(article.id.clone(), article_ix);
        self.live_articles += 1;
        let mut report = ApplyReport {
            article: article_ix,
            ..ApplyReport::default()
        };

        // Entities, with every surface form as a name.
        for mention in &facts.mentions {
            let entity = self.entity_for(kb, &mention.key, mention.kind, &mention.name);
            if !mention.by_role && !mention.adjective {
                self.add_name(entity, &mention.surface);
            }
        }
        let named = named_keys(&facts.mentions);
        let mut article_entities = Vec::new();
        for mention in &facts.mentions {
            if !named.contains(mention.key.as_str()) {
                continue;
            }
            let Some(entity) = self.entity_by_key(&mention.key) else {
                continue;
            };
            if !article_entities.contains(&entity) {
                article_entities.push(entity);
            }
            let evidence = Evidence {
                article: article_ix,
                text: self.intern(&mention.surface),
            };
            let target = self.entities[entity as usize].node;
            self.add_edge(node, target, EdgeKind::Names, Some(evidence));
        }
        // Role phrases of named people are surface forms of them too.
        for mention in facts
            .mentions
            .iter()
            .filter(|m| m.by_role && named.contains(m.key.as_str()))
        {
            if let Some(entity) = self.entity_by_key(&mention.key) {
                self.add_name(entity, &mention.surface);
            }
        }
        self.articles[article_ix as usize].entities = article_entities;

        let main = self.place_event(kb, article_ix, &facts.main_event, 0, None, &mut report);
        self.articles[article_ix as usize].main_event = main;
        let mut mentioned = Vec::new();
        for (n, event) in facts.mentioned_events.iter().enumerate() {
            let ix = self.place_event(kb, article_ix, event, n + 1, Some(main), &mut report);
            if ix != main && !mentioned.contains(&ix) {
                mentioned.push(ix);
                let (from, to) = (
                    self.events[main as usize].node,
                    self.events[ix as usize].node,
                );
                let evidence = Evidence {
                    article: article_ix,
                    text: self.intern(&event.evidence),
                };
                self.add_edge(from, to, EdgeKind::RefersTo, Some(evidence));
            }
        }
        // A day and month without a year learns the year from a dated event told in the same
        // article (the summit a meeting was "ahead of"), in either order of arrival.
        let touched: Vec<EventIx> = std::iter::once(main)
            .chain(mentioned.iter().copied())
            .collect();
        self.articles[article_ix as usize].mentioned_events = mentioned;
        for event in touched {
            self.date_from_neighbours(event, &mut report);
        }
        report
            .updated_events
            .retain(|e| !report.new_events.contains(e));
        report.updated_events.sort_unstable();
        report.updated_events.dedup();
        report
    }

    /// The graph entity for a key, created from the knowledge base (or the mention) on
    /// first use, with LEADER_OF edges for the offices of a person.
    fn entity_for(
        &mut self,
        kb: &KnowledgeBase,
        key: &str,
        kind: EntityKind,
        name: &str,
    ) -> EntityIx {
        if let Some(&ix) = self.entity_by_key.get(key) {
            return ix;
        }
        let ix = self.entities.len() as EntityIx;
        let node = self.graph.add_node(NodeRef::Entity(ix));
        let (name, aliases, source, region, local_names) =
            match kb.get(key).filter(|_| !key.contains('#')) {
                Some(e) => (
                    e.name.clone(),
                    e.aliases.clone(),
                    e.source,
                    e.region,
                    e.local_names.clone(),
                ),
                None => (
                    name.to_string(),
                    Vec::new(),
                    false,
                    false,
                    Default::default(),
                ),
            };
        self.entities.push(EntityRec {
            key: key.to_string(),
            kind,
            name: name.clone(),
            names: Vec::new(),
            prior: kb.prior_share(key, kind) as f32,
            source,
            region,
            local_names,
            node,
        });
        self.entity_events.push(DateIndex::new());
        self.entity_class_events.push(KeyedIndexes::default());
        self.cooccurrence.push(HashMap::new());
        self.entity_by_key.insert(key.to_string(), ix);
        self.add_name(ix, &name);
        for alias in aliases {
            self.add_name(ix, &alias);
        }
        if let Some(kb_entity) = kb.get(key) {
            let offices: Vec<(String, EdgeKind, String)> = kb_entity
                .offices
                .iter()
                .map(|o| {
                    let target = if o.of.chars().all(|c| c.is_ascii_uppercase()) {
                        format!("country/{}", o.of.to_lowercase())
                    } else {
                        format!("org/{}", o.of)
                    };
                    let span = format!(
                        "{} of {} {}–{}",
                        o.role,
                        o.of,
                        o.from.map(|d| d.to_string()).unwrap_or_default(),
                        o.to.map(|d| d.to_string()).unwrap_or_default()
                    );
                    let kind = if kb.leader_roles.contains(&o.role) {
                        EdgeKind::LeaderOf
                    } else {
                        EdgeKind::HoldsOffice
                    };
                    (target, kind, span)
                })
                .collect();
            for (target_key, edge_kind, span) in offices {
                let Some(target) = kb.get(&target_key) else {
                    continue;
                };
                let (t_kind, t_name) = (target.kind, target.name.clone());
                let target_ix = self.entity_for(kb, &target_key, t_kind, &t_name);
                let (from, to) = (node, self.entities[target_ix as usize].node);
                let text = self.intern(&format!("knowledge base: {span}"));
                self.add_edge(
                    from,
                    to,
                    edge_kind,
                    Some(Evidence {
                        article: ArticleIx::MAX,
                        text,
                    }),
                );
            }
        }
        ix
    }

    fn add_name(&mut self, entity: EntityIx, name: &str) {
        let name = name.trim();
        if name.is_empty() {
            return;
        }
        let record = &mut self.entities[entity as usize];
        if record.names.iter().any(|n| n == name) {
            return;
        }
        record.names.push(name.to_string());
        let folded = fold(name);
        let list = self.name_index.entry(folded).or_default();
        if !list.contains(&entity) {
            list.push(entity);
        }
    }

    /// Finds the existing event these facts describe, or creates one; links the article.
    fn place_event(
        &mut self,
        kb: &KnowledgeBase,
        article: ArticleIx,
        facts: &EventFacts,
        n: usize,
        main: Option<EventIx>,
        report: &mut ApplyReport,
    ) -> EventIx {
        let reported = main.is_none();
        let linked: Vec<(EntityIx, String)> = facts
            .entities
            .iter()
            .filter_map(|e| {
                let kind = kb.get(&e.key).map(|k| k.kind);
                let ix = self
                    .entity_by_key(&e.key)
                    .or_else(|| kind.map(|k| self.entity_for(kb, &e.key, k, &e.key)))?;
                Some((ix, e.evidence.clone()))
            })
            .collect();
        let entity_set: Vec<EntityIx> = linked.iter().map(|(ix, _)| *ix).collect();
        let decision = self
            .find_same_event(facts, &entity_set, reported)
            // The article's own main event only absorbs a mention of the same occasion; a
            // summit the visit leads to is an event of its own, and so are a visit and the talks
            // or signing within it (the visit holds them, it is not one of them).
            .filter(|d| {
                let main_kind = self.events[d.event as usize].kind;
                Some(d.event) != main
                    || (matches!(
                        crate::model::kind_relation(main_kind, facts.kind),
                        crate::model::KindRelation::Same | crate::model::KindRelation::Occasion
                    ) && ((facts.kind == EventKind::Visit) == (main_kind == EventKind::Visit)))
            });
        let event = match decision {
            // The article's own main event mentioned again: nothing to add.
            Some(decision) if Some(decision.event) == main => return decision.event,
            Some(decision) => {
                let existing = decision.event;
                self.refine_event(existing, facts, reported);
                self.events[existing as usize].merges.push(MergeNote {
                    article,
                    score: decision.score as f32,
                    runner_up: decision.runner_up.map(|r| r as f32),
                    evidence: decision.evidence,
                });
                report.updated_events.push(existing);
                existing
            }
            None => {
                let ix = self.events.len() as EventIx;
                let node = self.graph.add_node(NodeRef::Event(ix));
                let id = format!("{}-{n}", self.articles[article as usize].id);
                self.events.push(EventRec {
                    id: id.clone(),
                    kind: facts.kind,
                    status: facts.status,
                    date: facts.date,
                    month_day: facts.month_day,
                    title: facts.title.clone(),
                    // The source is in place before the event is indexed: its language is
                    // part of the event's class.
                    reported_by: if reported { vec![article] } else { Vec::new() },
                    mentioned_by: if reported { Vec::new() } else { vec![article] },
                    entities: Vec::new(),
                    merges: Vec::new(),
                    node,
                    deleted: false,
                });
                self.event_by_id.insert(id, ix);
                self.index_event(ix, self.index_place(ix), true);
                self.live_events += 1;
                report.new_events.push(ix);
                ix
            }
        };
        let record = &self.events[event as usize];
        let list = if reported {
            &record.reported_by
        } else {
            &record.mentioned_by
        };
        if !list.contains(&article) {
            let old = self.index_place(event);
            let record = &mut self.events[event as usize];
            if reported {
                record.reported_by.push(article);
            } else {
                record.mentioned_by.push(article);
            }
            if self.index_place(event) != old {
                self.reindex_event(event, old);
            }
        }
        let (article_node, event_node) = (
            self.articles[article as usize].node,
            self.events[event as usize].node,
        );
        let kind = if reported {
            EdgeKind::Reports
        } else {
            EdgeKind::Mentions
        };
        let text = self.intern(&facts.evidence);
        self.add_edge(
            article_node,
            event_node,
            kind,
            Some(Evidence { article, text }),
        );
        for (entity, evidence) in linked {
            let text = self.intern(&evidence);
            self.link_event_entity(event, entity, Evidence { article, text });
        }
        event
    }

    fn link_event_entity(&mut self, event: EventIx, entity: EntityIx, evidence: Evidence) {
        let linked = &self.events[event as usize].entities;
        // An event merged from many reports stays bounded: co-occurrence work per link is
        // linear in the event's entities.
        if !linked.contains(&entity) && linked.len() >= MAX_MERGED_EVENT_ENTITIES {
            return;
        }
        let record = &self.entities[entity as usize];
        let kind = if record.source {
            EdgeKind::ReportedBy
        } else if record.region {
            EdgeKind::Involves
        } else {
            EdgeKind::for_entity(record.kind)
        };
        let (from, to) = (
            self.events[event as usize].node,
            self.entities[entity as usize].node,
        );
        self.add_edge(from, to, kind, Some(evidence));
        let record = &mut self.events[event as usize];
        if !record.entities.contains(&entity) {
            for &other in &record.entities {
                *self.cooccurrence[entity as usize].entry(other).or_default() += 1;
                *self.cooccurrence[other as usize].entry(entity).or_default() += 1;
            }
            record.entities.push(entity);
            self.index_entity_event(entity, event, self.index_place(event), true);
        }
    }

    /// Gives an undated day-and-month event of any article that tells `event` the year that
    /// puts it within [`NEIGHBOUR_DAYS`] of `event`'s day, when exactly one year does.
    fn date_from_neighbours(&mut self, event: EventIx, report: &mut ApplyReport) {
        let record = &self.events[event as usize];
        let (Some(day), DatePrecision::Day) = (record.date.start, record.date.precision) else {
            return;
        };
        let articles: Vec<ArticleIx> = record.articles().collect();
        for article in articles {
            let a = &self.articles[article as usize];
            let others: Vec<EventIx> = std::iter::once(a.main_event)
                .chain(a.mentioned_events.iter().copied())
                .filter(|&x| x != event)
                .collect();
            for other in others {
                let o = &self.events[other as usize];
                let (None, Some(md)) = (o.date.start, o.month_day) else {
                    continue;
                };
                let years: Vec<chrono::NaiveDate> = (day.year() - 1..=day.year() + 1)
                    .filter_map(|y| chrono::NaiveDate::from_ymd_opt(y, md.month, md.day))
                    .filter(|d| (*d - day).num_days().abs() <= NEIGHBOUR_DAYS)
                    .collect();
                let [date] = years.as_slice() else {
                    continue;
                };
                let old = self.index_place(other);
                let o = &mut self.events[other as usize];
                o.date = crate::model::DateSpan::day(*date);
                o.month_day = None;
                self.reindex_event(other, old);
                report.updated_events.push(other);
            }
        }
    }

    /// A finer date or a confirmed happening from a new report.
    fn refine_event(&mut self, event: EventIx, facts: &EventFacts, reported: bool) {
        let record = &self.events[event as usize];
        let old = self.index_place(event);
        let finer = facts.date.precision.rank() > record.date.precision.rank();
        if reported
            && record.status == EventStatus::Planned
            && facts.status == EventStatus::Happened
        {
            self.events[event as usize].status = EventStatus::Happened;
        }
        // The kind: a report's kind replaces one known only from mentions; among reports, the
        // more specific kind wins (a conversation named a phone call, talks named a visit).
        let record = &mut self.events[event as usize];
        if reported
            && (record.reported_by.is_empty()
                || kind_specificity(facts.kind) > kind_specificity(record.kind))
        {
            record.kind = facts.kind;
        }
        if finer {
            record.date = facts.date;
            record.month_day = None;
        } else if facts.date.start.is_none()
            && record.date.start.is_none()
            && record.month_day.is_none()
            && facts.month_day.is_some()
        {
            record.month_day = facts.month_day;
        }
        if self.index_place(event) != old {
            self.reindex_event(event, old);
        }
    }

    /// Where an event sits in the indexes: its date key and class (so a change of date, kind,
    /// status or source languages moves it: [`Graph::reindex_event`]).
    fn index_place(&self, event: EventIx) -> IndexPlace {
        let record = &self.events[event as usize];
        IndexPlace {
            key: event_key(&record.date, record.month_day),
            class: EventClass {
                kind: record.kind,
                status: record.status,
                precision: record.date.precision,
                languages: record.articles().fold(0, |bits, a| {
                    bits | language_bit(self.articles[a as usize].language)
                }),
            },
        }
    }

    /// Adds (`insert`) or removes an event at `place` in the all-events indexes.
    fn index_event(&mut self, event: EventIx, place: IndexPlace, insert: bool) {
        let item = (place.key, event);
        if insert {
            self.events_by_date.insert(item);
            self.events_by_class.insert(place.class, item);
        } else {
            self.events_by_date.remove(&item);
            self.events_by_class.remove(place.class, &item);
        }
    }

    /// Adds (`insert`) or removes an event at `place` in one entity's indexes.
    fn index_entity_event(
        &mut self,
        entity: EntityIx,
        event: EventIx,
        place: IndexPlace,
        insert: bool,
    ) {
        let (item, e) = ((place.key, event), entity as usize);
        if insert {
            self.entity_events[e].insert(item);
            self.entity_class_events[e].insert(place.class, item);
        } else {
            self.entity_events[e].remove(&item);
            self.entity_class_events[e].remove(place.class, &item);
        }
    }

    /// One shared event fewer between `a` and `b`, as `a` counts it.
    fn lower_cooccurrence(&mut self, a: EntityIx, b: EntityIx) {
        let counts = &mut self.cooccurrence[a as usize];
        if let Some(count) = counts.get_mut(&b) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&b);
            }
        }
    }

    /// Moves an event in every index from its old place to its current one.
    fn reindex_event(&mut self, event: EventIx, old: IndexPlace) {
        let place = self.index_place(event);
        self.index_event(event, old, false);
        self.index_event(event, place, true);
        for entity in self.events[event as usize].entities.clone() {
            self.index_entity_event(entity, event, old, false);
            self.index_entity_event(entity, event, place, true);
        }
    }

    /// Removes an article: its node and links go; an event left with no source disappears;
    /// entities stay. Returns the events removed and the events that lost a source.
    pub fn remove_article(&mut self, article: ArticleIx) -> (Vec<EventIx>, Vec<EventIx>) {
        let record = &self.articles[article as usize];
        if record.deleted {
            return (Vec::new(), Vec::new());
        }
        let node = record.node;
        let mut events = vec![record.main_event];
        events.extend(record.mentioned_events.iter().copied());
        self.remove_node_and_evidence(node);
        self.articles[article as usize].deleted = true;
        self.article_by_id
            .remove(&self.articles[article as usize].id.clone());
        self.live_articles -= 1;
        let (mut removed, mut updated) = (Vec::new(), Vec::new());
        for event in events {
            // Where the event is indexed now: the article's language may leave its class.
            let place = self.index_place(event);
            let rec = &mut self.events[event as usize];
            rec.reported_by.retain(|&a| a != article);
            rec.mentioned_by.retain(|&a| a != article);
            if rec.reported_by.is_empty() && rec.mentioned_by.is_empty() && !rec.deleted {
                rec.deleted = true;
                let (node, entities) = (rec.node, rec.entities.clone());
                self.index_event(event, place, false);
                for &entity in &entities {
                    self.index_entity_event(entity, event, place, false);
                    for &other in entities.iter().filter(|&&o| o != entity) {
                        self.lower_cooccurrence(entity, other);
                    }
                }
                self.remove_node_and_evidence(node);
                self.live_events -= 1;
                removed.push(event);
            } else if !rec.deleted {
                if self.index_place(event) != place {
                    self.reindex_event(event, place);
                }
                self.drop_links_supported_only_by(event, article);
                updated.push(event);
            }
        }
        (removed, updated)
    }

    /// After `article` is deleted: the links of a surviving `event` that only `article`
    /// supported go (an entity only its text named, a reference only it made), with the
    /// entity's index entries and co-occurrence counts; its merge note goes too. (A date or
    /// kind it refined stays until the graph is rebuilt.)
    fn drop_links_supported_only_by(&mut self, event: EventIx, article: ArticleIx) {
        use petgraph::visit::EdgeRef;
        let node = self.events[event as usize].node;
        let edges: Vec<(EdgeIndex, NodeIndex)> = self
            .graph
            .edges_directed(node, petgraph::Direction::Outgoing)
            .map(|e| (e.id(), e.target()))
            .collect();
        for (edge, target) in edges {
            let Some(&data) = self.graph.edge_weight(edge) else {
                continue;
            };
            let list = self.evidence_mut(data);
            let before = list.len();
            list.retain(|ev| ev.article != article);
            if before == 0 || !list.is_empty() {
                continue;
            }
            self.graph.remove_edge(edge);
            if let Some(&NodeRef::Entity(entity)) = self.graph.node_weight(target) {
                self.unlink_entity(event, entity);
            }
        }
        self.events[event as usize]
            .merges
            .retain(|note| note.article != article);
    }

    /// Removes a node with its edges, and empties those edges' evidence slots.
    fn remove_node_and_evidence(&mut self, node: NodeIndex) {
        use petgraph::Direction::{Incoming, Outgoing};
        let slots: Vec<EdgeData> = [Outgoing, Incoming]
            .into_iter()
            .flat_map(|direction| self.graph.edges_directed(node, direction))
            .map(|edge| *edge.weight())
            .collect();
        for data in slots {
            *self.evidence_mut(data) = smallvec::SmallVec::new();
        }
        self.graph.remove_node(node);
    }

    /// Removes `entity` from a live event: its list, the entity's indexes, co-occurrences.
    fn unlink_entity(&mut self, event: EventIx, entity: EntityIx) {
        self.events[event as usize]
            .entities
            .retain(|&e| e != entity);
        self.index_entity_event(entity, event, self.index_place(event), false);
        for other in self.events[event as usize].entities.clone() {
            self.lower_cooccurrence(entity, other);
            self.lower_cooccurrence(other, entity);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::extract::Extractor;
    use crate::graph::{Graph, NodeRef};
    use crate::ingest::{Limits, RawArticle, validate};
    use crate::model::{EventKind, EventStatus};
    use chrono::NaiveDate;

    fn add(graph: &mut Graph, extractor: &Extractor, text: &str) -> u32 {
        let raw = RawArticle {
            source: format!("{}.txt", text.len()),
            bytes: text.as_bytes().to_vec(),
            ..RawArticle::default()
        };
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let article = validate(raw, Limits::default(), today).expect("valid test article");
        let facts = crate::service::extract_article(extractor, &article);
        graph
            .apply(
                &extractor.kb,
                &crate::graph::ArticleHeader::from(&article),
                &facts,
            )
            .article
    }

    #[test]
    fn one_meeting_told_in_two_languages_is_one_event() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let kk = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Тоқаев Мирзиёевпен кездесті\nМемлекет басшысы Қасым-Жомарт Тоқаев Ташкентте Шавкат Мирзиёевпен кездесті.",
        );
        let ru = add(
            &mut graph,
            &extractor,
            " date 2025-06-11 Токаев встретился с Мирзиёевым\nКасым-Жомарт Токаев встретился в Ташкенте с Шавкатом Мирзиёевым.",
        );
        let (a, b) = (graph.article(kk).main_event, graph.article(ru).main_event);
        assert_eq!(a, b);
        assert_eq!(graph.event(a).kind, EventKind::Meeting);
        assert_eq!(graph.event(a).reported_by.len(), 2);
    }

    #[test]
    fn talks_and_the_signing_of_one_day_are_one_occasion() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let visit = add(
            &mut graph,
            &extractor,
            " date 2025-11-12 Tokayev on state visit to Uzbekistan\nTASHKENT – Kazakh President Kassym-Jomart Tokayev held talks with Shavkat Mirziyoyev in Tashkent during his state visit.",
        );
        let signing = add(
            &mut graph,
            &extractor,
            " date 2025-11-12 Тоқаев пен Мирзиёев мәлімдемеге қол қойды\nҚасым-Жомарт Тоқаев пен Шавкат Мирзиёев Ташкентте бірлескен мәлімдемеге қол қойды.",
        );
        assert_eq!(
            graph.article(visit).main_event,
            graph.article(signing).main_event
        );
        let other_leader = add(
            &mut graph,
            &extractor,
            " date 2025-11-12 Тоқаев Жапаровпен келісімге қол қойды\nҚасым-Жомарт Тоқаев Ташкентте Садыр Жапаровпен келісімге қол қойды.",
        );
        assert_ne!(
            graph.article(visit).main_event,
            graph.article(other_leader).main_event
        );
    }

    #[test]
    fn a_visit_and_the_talks_within_it_stay_two_events_of_one_report() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let visit = add(
            &mut graph,
            &extractor,
            " date 2025-11-14 Токаев прибыл с государственным визитом в Ташкент\nКасым-Жомарт Токаев прибыл в Ташкент, его встретил Шавкат Мирзиёев. Программа визита включает переговоры глав государств в формате тет-а-тет.",
        );
        let article = graph.article(visit);
        assert_eq!(graph.event(article.main_event).kind, EventKind::Visit);
        let talks: Vec<super::super::EventIx> = article
            .mentioned_events
            .iter()
            .copied()
            .filter(|&e| graph.event(e).kind == EventKind::Meeting)
            .collect();
        assert_eq!(talks.len(), 1, "the planned talks are not the visit itself");
        assert_ne!(talks[0], article.main_event);
        assert_eq!(graph.event(talks[0]).status, EventStatus::Planned);
    }

    #[test]
    fn meetings_of_the_same_leaders_on_different_days_stay_apart() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let first = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Тоқаев Мирзиёевпен кездесті\nҚасым-Жомарт Тоқаев Шавкат Мирзиёевпен кездесті.",
        );
        let second = add(
            &mut graph,
            &extractor,
            " date 2025-06-20 Тоқаев Мирзиёевпен кездесті\nҚасым-Жомарт Тоқаев Шавкат Мирзиёевпен тағы кездесті.",
        );
        assert_ne!(
            graph.article(first).main_event,
            graph.article(second).main_event
        );
        let different_place = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Тоқаев Мирзиёевпен кездесті\nҚасым-Жомарт Тоқаев Самарқандта Шавкат Мирзиёевпен кездесті.",
        );
        let tashkent = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Тоқаев Мирзиёевпен кездесті\nҚасым-Жомарт Тоқаев Ташкентте Шавкат Мирзиёевпен кездесті.",
        );
        assert_ne!(
            graph.article(different_place).main_event,
            graph.article(tashkent).main_event
        );
    }

    #[test]
    fn an_undated_report_joins_the_one_matching_event_and_never_a_tie() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let call = add(
            &mut graph,
            &extractor,
            " date 2024-05-28 Токаев и Шольц провели телефонный разговор\nКасым-Жомарт Токаев провел телефонный разговор с федеральным канцлером Германии Олафом Шольцем.",
        );
        let undated = add(
            &mut graph,
            &extractor,
            "Тоқаев Шольцпен телефон арқылы сөйлесті\nҚасым-Жомарт Тоқаев Германия канцлері Олаф Шольцпен телефон арқылы сөйлесті.",
        );
        let event = graph.article(call).main_event;
        assert_eq!(graph.article(undated).main_event, event);
        assert_eq!(graph.event(event).merges.len(), 1, "the merge says why");
        // A second call of the same two leaders: a third, undated report could be either.
        add(
            &mut graph,
            &extractor,
            " date 2024-11-02 Токаев и Шольц провели телефонный разговор\nКасым-Жомарт Токаев провел телефонный разговор с федеральным канцлером Германии Олафом Шольцем.",
        );
        let ambiguous = add(
            &mut graph,
            &extractor,
            "Tokayev and Scholz spoke by phone\nKassym-Jomart Tokayev held a phone call with German Chancellor Olaf Scholz.",
        );
        let joined = graph.article(ambiguous).main_event;
        assert_eq!(
            graph.event(joined).reported_by.len(),
            1,
            "no merge on a tie"
        );
    }

    #[test]
    fn a_planned_visit_later_reported_is_one_event() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let announce = add(
            &mut graph,
            &extractor,
            " date 2025-03-01 Ақорда хабарлады\nҚасым-Жомарт Тоқаев 10 наурызда Мәскеуге мемлекеттік сапармен барады.",
        );
        let planned = graph.article(announce).main_event;
        assert_eq!(graph.event(planned).status, EventStatus::Planned);
        assert_eq!(
            graph.event(planned).date.start,
            NaiveDate::from_ymd_opt(2025, 3, 10)
        );
        let report = add(
            &mut graph,
            &extractor,
            " date 2025-03-10 Тоқаев Мәскеуге барды\nҚасым-Жомарт Тоқаев Мәскеуге мемлекеттік сапармен барды.",
        );
        assert_eq!(graph.article(report).main_event, planned);
        assert_eq!(graph.event(planned).status, EventStatus::Happened);
    }

    #[test]
    fn deleting_the_only_source_removes_the_event_and_keeps_entities() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let a = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Tokayev met Putin\nKassym-Jomart Tokayev met Vladimir Putin in Astana.",
        );
        let entities = graph.stats().entities;
        let event = graph.article(a).main_event;
        let putin = graph.entity_by_key("person/vladimir-putin").expect("putin");
        assert_eq!(
            graph.related(putin, None).len(),
            graph.event(event).entities.len() - 1
        );
        let (removed, _) = graph.remove_article(a);
        assert_eq!(removed, [event]);
        assert_eq!(graph.stats().events, 0);
        assert_eq!(graph.stats().entities, entities);
        assert!(graph.related(putin, None).is_empty());
    }

    #[test]
    fn deleting_one_source_removes_the_links_only_it_supported() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        let a = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Tokayev met Putin\nKassym-Jomart Tokayev met Vladimir Putin in Astana.",
        );
        let b = add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Токаев встретился с Путиным\nКасым-Жомарт Токаев встретился в Астане с Владимиром Путиным. На встрече присутствовал Алихан Смаилов.",
        );
        let event = graph.article(a).main_event;
        assert_eq!(graph.article(b).main_event, event, "one event, two sources");
        let smailov = graph
            .entity_by_key("person/alikhan-smailov")
            .expect("named only by the second article");
        let putin = graph.entity_by_key("person/vladimir-putin").expect("putin");
        assert!(graph.event(event).entities.contains(&smailov));
        assert_eq!(graph.entity_event_count(smailov), 1);
        let (removed, updated) = graph.remove_article(b);
        assert!(removed.is_empty());
        assert_eq!(updated, [event]);
        assert!(!graph.event(event).entities.contains(&smailov));
        assert!(
            graph.event(event).entities.contains(&putin),
            "still named by the first"
        );
        assert_eq!(graph.entity_event_count(smailov), 0);
        assert!(graph.related(smailov, None).is_empty());
        assert!(
            graph
                .evidence_between(NodeRef::Event(event), NodeRef::Entity(putin))
                .iter()
                .all(|(_, ev)| ev.article == a)
        );
        assert!(graph.event(event).merges.is_empty());
    }

    #[test]
    fn paths_go_through_shared_events() {
        let extractor = Extractor::new();
        let mut graph = Graph::new();
        add(
            &mut graph,
            &extractor,
            " date 2025-06-10 Tokayev met Putin\nKassym-Jomart Tokayev met Vladimir Putin in Astana.",
        );
        add(
            &mut graph,
            &extractor,
            " date 2025-07-10 Putin met Erdogan\nVladimir Putin met Recep Tayyip Erdogan in Ankara.",
        );
        let key = |k: &str| NodeRef::Entity(graph.entity_by_key(k).unwrap_or(u32::MAX));
        let tokayev = key("person/kassym-jomart-tokayev");
        let erdogan = key("person/recep-tayyip-erdogan");
        let path = graph.path(tokayev, erdogan, 6, &[]).expect("a path");
        assert_eq!(path.len(), 5, "{path:?}");
        assert!(matches!(path[1], NodeRef::Event(_)) && matches!(path[3], NodeRef::Event(_)));
        assert!(graph.path(tokayev, erdogan, 3, &[]).is_none());
        // The only way goes through Putin: avoiding him leaves none (Russia and Türkiye
        // may still link them through the countries).
        let putin = graph
            .entity_by_key("person/vladimir-putin")
            .unwrap_or(u32::MAX);
        let around = graph.path(tokayev, erdogan, 6, &[putin]);
        assert!(
            around
                .as_ref()
                .is_none_or(|p| !p.contains(&NodeRef::Entity(putin))),
            "{around:?}"
        );
    }
}
