//! Putting one article's facts into the graph: entities resolved to graph entities, the
//! main event and mentioned events merged into existing events when they are the same event,
//! evidence attached to every link.
//!
//! Same-event rule (precision first): same kind, compatible dates (one day of slack, or the
//! same day and month when a year is missing), at least one shared person or summit, half of
//! the smaller entity set shared, and no disagreement on the place.

use super::{
    ArticleIx, ArticleRec, DateKey, EdgeKind, EntityIx, EntityRec, EventIx, EventRec, Evidence,
    Graph, NodeRef, event_key, month_day_key,
};
use crate::extract::{EventFacts, Extraction, entities::named_keys};
use crate::ingest::Article;
use crate::kb::KnowledgeBase;
use crate::model::{DatePrecision, EntityKind, EventKind, EventStatus, MonthDay};
use crate::text::fold;
use chrono::Datelike;
use std::collections::{BTreeSet, HashMap};

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

/// Days of slack between two DAY-precision dates of the same event (a report published the
/// day after).
const DATE_SLACK_DAYS: i64 = 1;
/// Share of the smaller entity set two reports of one event must have in common.
const MIN_OVERLAP: f64 = 0.5;

fn precision_rank(p: DatePrecision) -> u8 {
    match p {
        DatePrecision::Day => 3,
        DatePrecision::Month => 2,
        DatePrecision::Year => 1,
        DatePrecision::Unknown => 0,
    }
}

impl Graph {
    /// Adds an article and its extracted facts. The caller checks for duplicates first.
    pub fn apply(
        &mut self,
        kb: &KnowledgeBase,
        article: &Article,
        facts: &Extraction,
    ) -> ApplyReport {
        let article_ix = self.articles.len() as ArticleIx;
        let node = self.graph.add_node(NodeRef::Article(article_ix));
        self.articles.push(ArticleRec {
            id: article.id.clone(),
            source: article.source.clone(),
            title: article.title.clone(),
            body: article.body.clone(),
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
                text: mention.surface.clone(),
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
                    text: event.evidence.clone(),
                };
                self.add_edge(from, to, EdgeKind::RefersTo, Some(evidence));
            }
        }
        self.articles[article_ix as usize].mentioned_events = mentioned;
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
        let (name, aliases) = match kb.get(key).filter(|_| !key.contains('#')) {
            Some(e) => (e.name.clone(), e.aliases.clone()),
            None => (name.to_string(), Vec::new()),
        };
        self.entities.push(EntityRec {
            key: key.to_string(),
            kind,
            name: name.clone(),
            names: Vec::new(),
            node,
        });
        self.entity_events.push(BTreeSet::new());
        self.cooccurrence.push(HashMap::new());
        self.entity_by_key.insert(key.to_string(), ix);
        self.add_name(ix, &name);
        for alias in aliases {
            self.add_name(ix, &alias);
        }
        if let Some(kb_entity) = kb.get(key) {
            let offices: Vec<(String, String, String)> = kb_entity
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
                    (target, o.of.clone(), span)
                })
                .collect();
            for (target_key, _, span) in offices {
                let Some(target) = kb.get(&target_key) else {
                    continue;
                };
                let (t_kind, t_name) = (target.kind, target.name.clone());
                let target_ix = self.entity_for(kb, &target_key, t_kind, &t_name);
                let (from, to) = (node, self.entities[target_ix as usize].node);
                self.add_edge(
                    from,
                    to,
                    EdgeKind::LeaderOf,
                    Some(Evidence {
                        article: ArticleIx::MAX,
                        text: format!("knowledge base: {span}"),
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
        let event = match self.find_same_event(facts, &entity_set) {
            // The article's own main event mentioned again: nothing to add.
            Some(existing) if Some(existing) == main => return existing,
            Some(existing) => {
                self.refine_event(existing, facts, reported);
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
                    reported_by: Vec::new(),
                    mentioned_by: Vec::new(),
                    entities: Vec::new(),
                    node,
                    deleted: false,
                });
                self.event_by_id.insert(id, ix);
                self.events_by_date
                    .insert((event_key(&facts.date, facts.month_day), ix));
                self.live_events += 1;
                report.new_events.push(ix);
                ix
            }
        };
        let record = &mut self.events[event as usize];
        let list = if reported {
            &mut record.reported_by
        } else {
            &mut record.mentioned_by
        };
        if !list.contains(&article) {
            list.push(article);
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
        self.add_edge(
            article_node,
            event_node,
            kind,
            Some(Evidence {
                article,
                text: facts.evidence.clone(),
            }),
        );
        for (entity, evidence) in linked {
            self.link_event_entity(
                event,
                entity,
                Evidence {
                    article,
                    text: evidence,
                },
            );
        }
        event
    }

    fn link_event_entity(&mut self, event: EventIx, entity: EntityIx, evidence: Evidence) {
        let kind = EdgeKind::for_entity(self.entities[entity as usize].kind);
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
            let key = event_key(&record.date, record.month_day);
            self.entity_events[entity as usize].insert((key, event));
        }
    }

    /// A finer date or a confirmed happening from a new report.
    fn refine_event(&mut self, event: EventIx, facts: &EventFacts, reported: bool) {
        let record = &self.events[event as usize];
        let old_key = event_key(&record.date, record.month_day);
        let finer = precision_rank(facts.date.precision) > precision_rank(record.date.precision);
        if reported
            && record.status == EventStatus::Planned
            && facts.status == EventStatus::Happened
        {
            self.events[event as usize].status = EventStatus::Happened;
        }
        if !finer {
            return;
        }
        self.events[event as usize].date = facts.date;
        let new_key = event_key(&facts.date, None);
        if new_key != old_key {
            self.rekey_event(event, old_key, new_key);
        }
    }

    fn rekey_event(&mut self, event: EventIx, old_key: DateKey, new_key: DateKey) {
        self.events_by_date.remove(&(old_key, event));
        self.events_by_date.insert((new_key, event));
        for &entity in &self.events[event as usize].entities {
            let set = &mut self.entity_events[entity as usize];
            set.remove(&(old_key, event));
            set.insert((new_key, event));
        }
    }

    fn find_same_event(&self, facts: &EventFacts, entities: &[EntityIx]) -> Option<EventIx> {
        if facts.date.start.is_none() && facts.month_day.is_none() {
            return None;
        }
        let kind_of = |e: EntityIx| self.entities[e as usize].kind;
        let anchors: Vec<EntityIx> = entities
            .iter()
            .copied()
            .filter(|&e| matches!(kind_of(e), EntityKind::Person | EntityKind::Summit))
            .collect();
        if anchors.is_empty() {
            return None;
        }
        let mut rarest = anchors.clone();
        rarest.sort_by_key(|&e| self.entity_events[e as usize].len());
        rarest.truncate(3);

        let mut candidates: Vec<EventIx> = Vec::new();
        for &anchor in &rarest {
            let set = &self.entity_events[anchor as usize];
            let exact = |key: DateKey| set.range((key, 0)..=(key, EventIx::MAX)).map(|&(_, e)| e);
            match (
                facts.date.start,
                facts.date.last_day(),
                facts.date.precision,
            ) {
                (Some(start), Some(end), DatePrecision::Day) => {
                    let lo = start.num_days_from_ce() - 2;
                    let hi = end.num_days_from_ce() + 2;
                    candidates.extend(set.range((lo, 0)..=(hi, EventIx::MAX)).map(|&(_, e)| e));
                    // Coarser events that contain the day (a visit planned "in November").
                    let month = chrono::NaiveDate::from_ymd_opt(start.year(), start.month(), 1);
                    let year = chrono::NaiveDate::from_ymd_opt(start.year(), 1, 1);
                    for coarse in [month, year].into_iter().flatten() {
                        candidates.extend(exact(coarse.num_days_from_ce()));
                    }
                    // Undated reports of the same day and month.
                    candidates.extend(exact(month_day_key(MonthDay {
                        month: start.month(),
                        day: start.day(),
                    })));
                }
                // A month or a year: only events known to the same period.
                (Some(start), _, _) => candidates.extend(exact(start.num_days_from_ce())),
                (None, _, _) => {
                    if let Some(md) = facts.month_day {
                        candidates.extend(exact(month_day_key(md)));
                        candidates.extend(
                            set.iter()
                                .filter(|&&(k, _)| k >= 0)
                                .map(|&(_, e)| e)
                                .filter(|&e| {
                                    let date = &self.events[e as usize].date;
                                    date.precision == DatePrecision::Day
                                        && date.start.is_some_and(|d| {
                                            d.month() == md.month && d.day() == md.day
                                        })
                                }),
                        );
                    }
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let places = |set: &[EntityIx]| -> Vec<EntityIx> {
            set.iter()
                .copied()
                .filter(|&e| kind_of(e) == EntityKind::Place)
                .collect()
        };
        let new_places = places(entities);
        let mut best: Option<(f64, usize, EventIx)> = None;
        for candidate in candidates {
            let c = &self.events[candidate as usize];
            if c.deleted || !self.dates_agree(c, facts) {
                continue;
            }
            // Talks, a visit and the signing on that day are often one occasion told
            // differently: other kinds merge only with two shared people.
            if c.kind != facts.kind {
                let occasion = |k: EventKind| {
                    matches!(
                        k,
                        EventKind::Meeting | EventKind::Visit | EventKind::Agreement
                    )
                };
                let shared_people = entities
                    .iter()
                    .filter(|&&e| kind_of(e) == EntityKind::Person && c.entities.contains(&e))
                    .count();
                if !(occasion(c.kind) && occasion(facts.kind) && shared_people >= 2) {
                    continue;
                }
            }
            if !anchors.iter().any(|a| c.entities.contains(a)) {
                continue;
            }
            let shared = entities.iter().filter(|e| c.entities.contains(e)).count();
            let cand_places = places(&c.entities);
            if !new_places.is_empty()
                && !cand_places.is_empty()
                && !new_places.iter().any(|p| cand_places.contains(p))
            {
                continue;
            }
            let smaller = entities.len().min(c.entities.len()).max(1);
            let overlap = shared as f64 / smaller as f64;
            if overlap < MIN_OVERLAP {
                continue;
            }
            let sources = c.reported_by.len();
            if best.is_none_or(|(o, s, _)| (overlap, sources) > (o, s)) {
                best = Some((overlap, sources, candidate));
            }
        }
        best.map(|(_, _, e)| e)
    }

    fn dates_agree(&self, event: &EventRec, facts: &EventFacts) -> bool {
        match (event.date.start, facts.date.start) {
            (Some(_), Some(_)) => event.date.compatible(&facts.date, DATE_SLACK_DAYS),
            (Some(day), None) => facts.month_day.is_some_and(|md| {
                event.date.precision == DatePrecision::Day
                    && md.month == day.month()
                    && md.day == day.day()
            }),
            (None, Some(day)) => event.month_day.is_some_and(|md| {
                facts.date.precision == DatePrecision::Day
                    && md.month == day.month()
                    && md.day == day.day()
            }),
            (None, None) => event.month_day.is_some() && event.month_day == facts.month_day,
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
        self.graph.remove_node(node);
        self.articles[article as usize].deleted = true;
        self.article_by_id
            .remove(&self.articles[article as usize].id.clone());
        self.live_articles -= 1;
        let (mut removed, mut updated) = (Vec::new(), Vec::new());
        for event in events {
            let rec = &mut self.events[event as usize];
            rec.reported_by.retain(|&a| a != article);
            rec.mentioned_by.retain(|&a| a != article);
            if rec.reported_by.is_empty() && rec.mentioned_by.is_empty() && !rec.deleted {
                rec.deleted = true;
                let key = event_key(&rec.date, rec.month_day);
                let node = rec.node;
                let entities = rec.entities.clone();
                self.events_by_date.remove(&(key, event));
                for &entity in &entities {
                    self.entity_events[entity as usize].remove(&(key, event));
                    for &other in entities.iter().filter(|&&o| o != entity) {
                        if let Some(count) = self.cooccurrence[entity as usize].get_mut(&other) {
                            *count = count.saturating_sub(1);
                            if *count == 0 {
                                self.cooccurrence[entity as usize].remove(&other);
                            }
                        }
                    }
                }
                self.graph.remove_node(node);
                self.live_events -= 1;
                removed.push(event);
            } else if !rec.deleted {
                updated.push(event);
            }
        }
        (removed, updated)
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
        graph.apply(&extractor.kb, &article, &facts).article
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
        let path = graph.path(tokayev, erdogan, 6).expect("a path");
        assert_eq!(path.len(), 5, "{path:?}");
        assert!(matches!(path[1], NodeRef::Event(_)) && matches!(path[3], NodeRef::Event(_)));
        assert!(graph.path(tokayev, erdogan, 3).is_none());
    }
}
