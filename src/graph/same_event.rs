//! Same-event resolution as a scored decision: is the event an article tells the same as
//! one already in the graph?
//!
//! Evidence for a candidate event:
//! - **shared entities**, each weighted by its rarity, `−ln(share)`, where `share` blends the
//!   graph's own count of events naming the entity with a knowledge-base prior
//!   (`kb/priors.tsv`: Kazakhstan and its president are common, a foreign minister or a
//!   named summit is rare), so a 38-article graph and a 1M-article graph decide alike;
//!   news outlets and press services count for nothing (they report, they do not take part);
//! - **kind**: the same kind, or one occasion told differently (a visit, the talks and the
//!   signing during it; a summit and a speech at it; an interview and a statement quoted
//!   from it), or a weak relation (a statement or "other" about an occasion, a visit to a
//!   summit) that only counts when both dates are known and agree;
//! - **date**: the same day (one day of slack), a coarser date containing the other, the same
//!   day and month of an undated report, or unknown (allowed, but the decision then needs a
//!   margin over the runner-up); conflicting definite dates rule the candidate out;
//! - **conflicts**: both name a place of the event and none is shared; both name people of
//!   their own that the other does not (a penalty, not a veto: as a veto it split reports
//!   of one meeting that name an extra minister, cluster F1 0.67 → 0.62 on the dev set);
//!   both name summits and none is shared (a veto: one edition of one format is one event).
//!
//! The best candidate is merged when its score clears [`THRESHOLD_DATED`] (dates agree) or
//! [`THRESHOLD_UNDATED`] with a lead of [`MARGIN`] over the runner-up (a date is unknown);
//! never on a tie. Thresholds were chosen on the development set (see ARCHITECTURE.md).

use super::{DateKey, EntityIx, EventIx, EventRec, Graph, month_day_key};
use crate::extract::EventFacts;
use crate::extract::ablation::Rule;
use crate::model::{DatePrecision, EntityKind, EventKind, KindRelation, kind_relation};
use chrono::Datelike;
use std::ops::Bound;

/// Days of slack between two DAY-precision dates of the same event (a report published the
/// day after).
const DATE_SLACK_DAYS: i64 = 1;
/// Weight of the knowledge-base prior, in events: the graph's own counts dominate once the
/// graph holds many more events than this.
const PRIOR_PSEUDO_EVENTS: f64 = 50.0;
/// Shared-entity evidence a candidate needs at all (≈ one rare person, or a foreign head of
/// state and their country).
const MIN_ENTITY_EVIDENCE: f64 = 4.0;
/// Score a candidate with an agreeing date needs.
pub const THRESHOLD_DATED: f64 = 6.0;
/// Score a candidate needs when one of the dates is unknown.
pub const THRESHOLD_UNDATED: f64 = 6.0;
/// Lead over the runner-up a candidate needs when one of the dates is unknown.
pub const MARGIN: f64 = 2.0;
/// Candidates read per anchor entity when a date is unknown (most recent first), and the
/// largest event count of an anchor scanned that way: a very common entity is never the
/// decisive one, a rarer shared entity is.
const UNDATED_SCAN: usize = 256;
const UNDATED_ANCHOR_MAX_EVENTS: usize = 5_000;

const SAME_KIND: f64 = 1.0;
const WEAK_KIND: f64 = -1.5;
const SAME_DAY: f64 = 2.0;
const SAME_MONTH_DAY: f64 = 1.5;
const CONTAINED_DATE: f64 = 0.5;
const PLACE_CONFLICT: f64 = -4.0;
const COUNTERPART_CONFLICT: f64 = -1.5;
/// A person this rare (weight) on one side only counts as a counterpart of their own.
const COUNTERPART_WEIGHT: f64 = 2.5;

/// How two event dates relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateRelation {
    SameDay,
    SameMonthDay,
    Contained,
    Unknown,
    Conflict,
}

fn date_relation(event: &EventRec, facts: &EventFacts) -> DateRelation {
    let md_matches = |md: crate::model::MonthDay, day: chrono::NaiveDate| {
        md.month == day.month() && md.day == day.day()
    };
    match (event.date.start, facts.date.start) {
        (Some(_), Some(_)) => {
            if !event.date.compatible(&facts.date, DATE_SLACK_DAYS) {
                DateRelation::Conflict
            } else if event.date.precision == DatePrecision::Day
                && facts.date.precision == DatePrecision::Day
            {
                DateRelation::SameDay
            } else {
                DateRelation::Contained
            }
        }
        (Some(day), None) => match facts.month_day {
            Some(md) if event.date.precision == DatePrecision::Day && md_matches(md, day) => {
                DateRelation::SameMonthDay
            }
            Some(_) => DateRelation::Conflict,
            None => DateRelation::Unknown,
        },
        (None, Some(day)) => match event.month_day {
            Some(md) if facts.date.precision == DatePrecision::Day && md_matches(md, day) => {
                DateRelation::SameMonthDay
            }
            Some(_) => DateRelation::Conflict,
            None => DateRelation::Unknown,
        },
        (None, None) => match (event.month_day, facts.month_day) {
            (Some(a), Some(b)) if a == b => DateRelation::SameMonthDay,
            (Some(_), Some(_)) => DateRelation::Conflict,
            _ => DateRelation::Unknown,
        },
    }
}

/// Why a report joined an event: the score, the runner-up's, and the evidence in words.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeDecision {
    /// The event joined.
    pub event: EventIx,
    /// Its score.
    pub score: f64,
    /// The best other candidate's score, if any.
    pub runner_up: Option<f64>,
    /// The evidence, one line each ("shared Olaf Scholz (3.9)", "same day", …).
    pub evidence: Vec<String>,
}

struct Scored {
    score: f64,
    dated: bool,
    evidence: Vec<String>,
}

impl Graph {
    /// The rarity weight of an entity: `−ln` of the share of events naming it, blending the
    /// graph's count with the knowledge-base prior.
    pub(crate) fn entity_weight(&self, entity: EntityIx) -> f64 {
        let record = &self.entities[entity as usize];
        let prior = f64::from(record.prior);
        let count = self.entity_events[entity as usize].len() as f64;
        let share =
            (count + PRIOR_PSEUDO_EVENTS * prior) / (self.live_events as f64 + PRIOR_PSEUDO_EVENTS);
        -share.clamp(1e-4, 0.95).ln()
    }

    /// The event `facts` describe, if one in the graph clears the bar (module docs).
    pub(crate) fn find_same_event(
        &self,
        facts: &EventFacts,
        entities: &[EntityIx],
        reported: bool,
    ) -> Option<MergeDecision> {
        let entities: Vec<EntityIx> = entities
            .iter()
            .copied()
            .filter(|&e| !self.entities[e as usize].source)
            .collect();
        let candidates = self.same_event_candidates(facts, &entities);
        let mut scored: Vec<(EventIx, Scored)> = candidates
            .into_iter()
            .filter_map(|c| Some((c, self.score_candidate(c, facts, &entities, reported)?)))
            .collect();
        scored.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        if tracing::enabled!(target: "eventgraph::same_event", tracing::Level::DEBUG) {
            self.log_candidates(facts, reported, &scored);
        }
        let mut ranked = scored.into_iter();
        let (best, top) = ranked.next()?;
        let runner_up = ranked.next().map(|(_, s)| s.score);
        let clears = if top.dated {
            top.score >= THRESHOLD_DATED && runner_up.is_none_or(|r| r < top.score)
        } else {
            top.score >= THRESHOLD_UNDATED && runner_up.is_none_or(|r| top.score - r >= MARGIN)
        };
        clears.then_some(MergeDecision {
            event: best,
            score: top.score,
            runner_up,
            evidence: top.evidence,
        })
    }

    /// Logs (at debug level, target `eventgraph::same_event`) the best candidates of a
    /// decision with their scores and evidence: what `EVENTGRAPH_LOG=eventgraph::same_event=debug`
    /// shows when a merge was or was not made.
    fn log_candidates(&self, facts: &EventFacts, reported: bool, scored: &[(EventIx, Scored)]) {
        for (rank, (event, candidate)) in scored.iter().take(3).enumerate() {
            let record = &self.events[*event as usize];
            let told_by = record
                .reported_by
                .iter()
                .chain(&record.mentioned_by)
                .map(|&a| self.articles[a as usize].source.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            tracing::debug!(
                target: "eventgraph::same_event",
                kind = ?facts.kind,
                date = ?facts.date.start,
                reported,
                rank,
                candidate = %record.id,
                candidate_kind = ?record.kind,
                told_by,
                score = candidate.score,
                dated = candidate.dated,
                evidence = ?candidate.evidence,
            );
        }
    }

    fn score_candidate(
        &self,
        candidate: EventIx,
        facts: &EventFacts,
        entities: &[EntityIx],
        reported: bool,
    ) -> Option<Scored> {
        let c = &self.events[candidate as usize];
        if c.deleted {
            return None;
        }
        let date = date_relation(c, facts);
        let kind = kind_relation(c.kind, facts.kind);
        let dated = matches!(
            date,
            DateRelation::SameDay | DateRelation::SameMonthDay | DateRelation::Contained
        );
        match (kind, date) {
            (_, DateRelation::Conflict) | (KindRelation::Unrelated, _) => return None,
            (KindRelation::Weak, _) if !dated => return None,
            // A mention names its event by a trigger of its own: a visit mentioned next to a
            // summit, or a summit next to a visit, is another event, not the same one told
            // loosely (as a report's headline may).
            (KindRelation::Weak, _) if !reported => return None,
            // Without a date, only an event some article reports is firm enough to join; an
            // event mentioned in passing is not, unless it was announced (planned) and this
            // is the report that it happened.
            _ if !dated
                && c.reported_by.is_empty()
                && !(reported && c.status == crate::model::EventStatus::Planned) =>
            {
                return None;
            }
            _ => {}
        }
        let mut evidence = Vec::new();
        let mut shared_weight = 0.0;
        let mut anchored = false;
        for &e in entities.iter().filter(|e| c.entities.contains(e)) {
            let weight = self.entity_weight(e);
            shared_weight += weight;
            let record = &self.entities[e as usize];
            anchored |= record.kind != EntityKind::Country;
            evidence.push(format!("shared {} ({weight:.1})", record.name));
        }
        if !anchored || shared_weight < MIN_ENTITY_EVIDENCE {
            return None;
        }
        let mut score = shared_weight;
        let (kind_score, kind_note) = match kind {
            KindRelation::Same => (SAME_KIND, "same kind"),
            KindRelation::Occasion => (0.0, "one occasion told as another kind"),
            _ => (WEAK_KIND, "kinds only loosely related"),
        };
        score += kind_score;
        evidence.push(format!("{kind_note} ({kind_score:+.1})"));
        let (date_score, date_note) = match date {
            DateRelation::SameDay => (SAME_DAY, "same day"),
            DateRelation::SameMonthDay => (SAME_MONTH_DAY, "same day and month"),
            DateRelation::Contained => (CONTAINED_DATE, "one date contains the other"),
            _ => (0.0, "a date is unknown"),
        };
        score += date_score;
        evidence.push(format!("{date_note} ({date_score:+.1})"));
        let of_kind = |set: &[EntityIx], kind: EntityKind| -> Vec<EntityIx> {
            set.iter()
                .copied()
                .filter(|&e| self.entities[e as usize].kind == kind)
                .collect()
        };
        // Where the event was held: places, not regions.
        let held_in = |set: &[EntityIx]| -> Vec<EntityIx> {
            of_kind(set, EntityKind::Place)
                .into_iter()
                .filter(|&p| !self.entities[p as usize].region)
                .collect()
        };
        // A summit is one edition of one format: two reports naming different summits (and
        // none in common) tell two occasions, however many leaders they share.
        let (new_summits, old_summits) = (
            of_kind(entities, EntityKind::Summit),
            of_kind(&c.entities, EntityKind::Summit),
        );
        if Rule::SummitConflict.on()
            && !new_summits.is_empty()
            && !old_summits.is_empty()
            && !new_summits.iter().any(|s| old_summits.contains(s))
        {
            return None;
        }
        let (new_places, old_places) = (held_in(entities), held_in(&c.entities));
        if Rule::PlaceConflict.on()
            && !new_places.is_empty()
            && !old_places.is_empty()
            && !new_places.iter().any(|p| old_places.contains(p))
        {
            score += PLACE_CONFLICT;
            evidence.push(format!("no shared place ({PLACE_CONFLICT:+.1})"));
        }
        let own_counterpart = |mine: &[EntityIx], theirs: &[EntityIx]| {
            mine.iter()
                .any(|p| !theirs.contains(p) && self.entity_weight(*p) >= COUNTERPART_WEIGHT)
        };
        let (new_people, old_people) = (
            of_kind(entities, EntityKind::Person),
            of_kind(&c.entities, EntityKind::Person),
        );
        // Who met whom defines a meeting, a call or a visit; a summit gathers many leaders and
        // each report names a few.
        let many_sided = facts.kind == EventKind::Summit || c.kind == EventKind::Summit;
        if Rule::CounterpartConflict.on()
            && !many_sided
            && own_counterpart(&new_people, &old_people)
            && own_counterpart(&old_people, &new_people)
        {
            score += COUNTERPART_CONFLICT;
            evidence.push(format!(
                "each names people the other does not ({COUNTERPART_CONFLICT:+.1})"
            ));
        }
        Some(Scored {
            score,
            dated,
            evidence,
        })
    }

    /// Events that could be the same: those of the facts' entities (all but countries and
    /// news sources) whose dates could agree.
    fn same_event_candidates(&self, facts: &EventFacts, entities: &[EntityIx]) -> Vec<EventIx> {
        let mut anchors: Vec<EntityIx> = entities
            .iter()
            .copied()
            .filter(|&e| self.entities[e as usize].kind != EntityKind::Country)
            .collect();
        anchors.sort_by_key(|&e| (self.entity_events[e as usize].len(), e));
        let mut candidates: Vec<EventIx> = Vec::new();
        for &anchor in &anchors {
            let set = &self.entity_events[anchor as usize];
            let exact = |key: DateKey| {
                set.range(
                    Bound::Included(&(key, 0)),
                    Bound::Included(&(key, EventIx::MAX)),
                )
                .map(|&(_, e)| e)
            };
            let undated_ok = set.len() <= UNDATED_ANCHOR_MAX_EVENTS;
            // Undated events of the anchor (unknown day), most recent first.
            let undated = || {
                exact(DateKey::MIN)
                    .rev()
                    .take(if undated_ok { UNDATED_SCAN } else { 0 })
            };
            match (
                facts.date.start,
                facts.date.last_day(),
                facts.date.precision,
            ) {
                (Some(start), Some(end), DatePrecision::Day) => {
                    let lo = start.num_days_from_ce() - 2;
                    let hi = end.num_days_from_ce() + 2;
                    candidates.extend(
                        set.range(
                            Bound::Included(&(lo, 0)),
                            Bound::Included(&(hi, EventIx::MAX)),
                        )
                        .map(|&(_, e)| e),
                    );
                    // Coarser events that contain the day (a visit planned "in November").
                    let month = chrono::NaiveDate::from_ymd_opt(start.year(), start.month(), 1);
                    let year = chrono::NaiveDate::from_ymd_opt(start.year(), 1, 1);
                    for coarse in [month, year].into_iter().flatten() {
                        candidates.extend(exact(coarse.num_days_from_ce()));
                    }
                    candidates.extend(exact(month_day_key(crate::model::MonthDay {
                        month: start.month(),
                        day: start.day(),
                    })));
                    candidates.extend(undated());
                }
                (Some(start), _, _) => {
                    candidates.extend(exact(start.num_days_from_ce()));
                    candidates.extend(undated());
                }
                (None, _, _) => {
                    if let Some(md) = facts.month_day {
                        candidates.extend(exact(month_day_key(md)));
                        // Dated events on that day and month, in the years the anchor spans.
                        let years = set
                            .iter()
                            .find(|&&(k, _)| k >= 0)
                            .zip(set.iter().next_back())
                            .and_then(|(&(first, _), &(last, _))| {
                                Some((
                                    chrono::NaiveDate::from_num_days_from_ce_opt(first)?.year(),
                                    chrono::NaiveDate::from_num_days_from_ce_opt(last)?.year(),
                                ))
                            });
                        if let Some((from, to)) = years {
                            for year in from..=to.min(from + 60) {
                                if let Some(day) =
                                    chrono::NaiveDate::from_ymd_opt(year, md.month, md.day)
                                {
                                    candidates.extend(exact(day.num_days_from_ce()));
                                }
                            }
                        }
                    }
                    if undated_ok {
                        candidates.extend(set.iter().rev().take(UNDATED_SCAN).map(|&(_, e)| e));
                        candidates.extend(undated());
                    }
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_one_occasion_relate_and_others_do_not() {
        use EventKind::*;
        assert_eq!(kind_relation(Visit, Meeting), KindRelation::Occasion);
        assert_eq!(kind_relation(Agreement, Meeting), KindRelation::Occasion);
        assert_eq!(kind_relation(Summit, Speech), KindRelation::Occasion);
        assert_eq!(kind_relation(Interview, Statement), KindRelation::Occasion);
        assert_eq!(kind_relation(Statement, Agreement), KindRelation::Weak);
        assert_eq!(kind_relation(Visit, Summit), KindRelation::Weak);
        // A bilateral meeting on the sidelines of a summit is its own event.
        assert_eq!(kind_relation(Summit, Meeting), KindRelation::Unrelated);
        assert_eq!(kind_relation(Interview, Visit), KindRelation::Unrelated);
        assert_eq!(kind_relation(PhoneCall, Visit), KindRelation::Unrelated);
        for a in EventKind::ALL {
            for b in EventKind::ALL {
                assert_eq!(kind_relation(a, b), kind_relation(b, a), "{a:?} {b:?}");
            }
        }
    }
}
