//! Extraction: one article's text in, its graph facts out (language, entity mentions, the
//! main event and the events it mentions, with dates and evidence).
//!
//! The single boundary is [`Extractor::extract`]. It is synchronous, does no I/O and never
//! fails: odd text gives fewer facts, never an error. Resolution against the existing graph
//! (same-event merging) happens later, in `graph::resolve`.

pub mod ablation;
pub mod dates;
pub mod entities;
pub mod events;
pub mod main_event;

use crate::kb::KnowledgeBase;
use crate::model::{
    DatePrecision, DateSpan, EntityKind, EventKind, EventStatus, KindRelation, Language, MonthDay,
    kind_relation,
};
use crate::text::phrases::PhraseSet;
use crate::text::{Token, detect_language, fold, tokenize};
use ablation::Rule;
use chrono::NaiveDate;
use dates::{DateLexicon, DateMention, find_dates};
use entities::{EntityMention, find_entities};
use events::{
    Cue, Layout, Trigger, arrival_triggers, find_triggers, headline_is_quote, main_candidates,
    main_trigger, status_of,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What extraction needs to know about an article.
#[derive(Debug, Clone, Copy)]
pub struct ArticleText<'a> {
    /// Title (first line of the seed format, or given explicitly).
    pub title: &'a str,
    /// Body without the title line.
    pub body: &'a str,
    /// Publication date, when the article carries one.
    pub published_on: Option<NaiveDate>,
    /// Language given at ingest; detected when `None`.
    pub language: Option<Language>,
}

/// An entity linked to an event, with the evidence for the link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventEntity {
    /// Entity key.
    pub key: String,
    /// The text that links it (a surface form in the event's sentences).
    pub evidence: String,
}

/// One event as the article tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventFacts {
    /// Kind.
    pub kind: EventKind,
    /// Happened or planned, as of the article.
    pub status: EventStatus,
    /// Date with precision.
    pub date: DateSpan,
    /// Day and month when the text gives no year.
    pub month_day: Option<MonthDay>,
    /// Short human title.
    pub title: String,
    /// Linked entities.
    pub entities: Vec<EventEntity>,
    /// The sentence the event comes from.
    pub evidence: String,
}

/// Everything extraction found in one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// Detected (or given) language.
    pub language: Language,
    /// The article's date: its publication date, or an estimate from the text.
    pub article_date: DateSpan,
    /// Entity mentions in text order.
    pub mentions: Vec<EntityMention>,
    /// The event the article reports.
    pub main_event: EventFacts,
    /// Other events it mentions.
    pub mentioned_events: Vec<EventFacts>,
}

/// A candidate trigger for an article's main event, as the main-event model sees it.
#[derive(Debug, Clone)]
pub struct MainCandidate {
    /// The kind the trigger signals.
    pub kind: EventKind,
    /// Its features ([`main_event::feature_name`] names them).
    pub features: [f64; main_event::FEATURES],
}

/// The extraction pipeline with its loaded knowledge base and lexicons; build once, share.
#[derive(Debug)]
pub struct Extractor {
    /// Knowledge base.
    pub kb: KnowledgeBase,
    /// Date tables.
    pub dates: DateLexicon,
    /// Event triggers.
    pub triggers: PhraseSet<(EventKind, u32)>,
    /// Status cues.
    pub cues: PhraseSet<Cue>,
    /// The fitted main-event choice.
    pub main_model: main_event::MainEventModel,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor::new()
    }
}

/// Most distinct entities one article contributes (a news article names a few dozen; a list
/// of thousands of names is not news and must not cost the graph quadratic work).
pub const MAX_ENTITIES_PER_ARTICLE: usize = 300;
/// Most people outside the knowledge base one article introduces.
pub const MAX_NEW_PEOPLE_PER_ARTICLE: usize = 100;
/// Most entities linked to one event from one article.
pub const MAX_EVENT_ENTITIES: usize = 64;
/// Most mentioned events one article contributes.
pub const MAX_MENTIONED_EVENTS: usize = 50;
/// Most words (tokens) of an article that extraction reads, from its start: about 250 KB of
/// text, a hundred times a long news article. The rest is stored and served, not read for
/// facts, so no pass costs more on a 1 MB text than on this much.
pub const MAX_TOKENS_PER_ARTICLE: usize = 40_000;
/// Most event triggers, date expressions and entity mentions one article is read for (the
/// first ones in text order). A long news article has a few hundred of each; the caps bound
/// the passes that compare one list with another on a 1 MB text of repeated sentences.
pub const MAX_TRIGGERS_PER_ARTICLE: usize = 600;
/// See [`MAX_TRIGGERS_PER_ARTICLE`].
pub const MAX_DATES_PER_ARTICLE: usize = 600;
/// See [`MAX_TRIGGERS_PER_ARTICLE`].
pub const MAX_MENTIONS_PER_ARTICLE: usize = 3_000;

/// Keeps the mentions of the first [`MAX_ENTITIES_PER_ARTICLE`] distinct entities (at most
/// [`MAX_NEW_PEOPLE_PER_ARTICLE`] of them new people), in text order.
fn cap_entities(mentions: Vec<EntityMention>) -> Vec<EntityMention> {
    let mut kept: HashSet<String> = HashSet::new();
    let mut new_people = 0;
    mentions
        .into_iter()
        .filter(|m| {
            if kept.contains(&m.key) {
                return true;
            }
            if kept.len() >= MAX_ENTITIES_PER_ARTICLE {
                return false;
            }
            if m.new_entity && m.kind == EntityKind::Person {
                if new_people >= MAX_NEW_PEOPLE_PER_ARTICLE {
                    return false;
                }
                new_people += 1;
            }
            kept.insert(m.key.clone());
            true
        })
        .collect()
}

/// Lines that credit a photo or a source rather than report anything.
fn is_credit_line(line: &str) -> bool {
    let folded = fold(line.trim());
    [
        "фото:",
        "photo:",
        "сурет:",
        "фото -",
        "photo by",
        "источник:",
    ]
    .iter()
    .any(|p| folded.starts_with(p))
}

const TITLE_CHARS: usize = 160;
const EVIDENCE_CHARS: usize = 300;
/// Body sentences counted as the lead.
const LEAD_SENTENCES: usize = 3;
/// Sentences (from the title) whose plainly narrated people join the main event.
const BODY_SENTENCES: usize = 8;
/// Body sentences searched for a dateline.
const DATELINE_SENTENCES: usize = 6;

/// `text` cut to at most `max_chars` characters, at a word boundary, with "…" when cut. A
/// word longer than the whole budget is cut inside (nothing else fits).
fn clip(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => {
            let head = &text[..cut];
            // The last whole word: back to the last space, unless the text has none.
            let at_word = head
                .rfind(char::is_whitespace)
                .map_or(head, |space| &head[..space]);
            let kept = at_word.trim_end_matches(|c: char| {
                c.is_whitespace()
                    || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '«' | '"' | '(')
            });
            format!("{}…", if kept.is_empty() { head } else { kept })
        }
        None => text.to_string(),
    }
}

impl Extractor {
    /// Loads the knowledge base and lexicons embedded in the binary.
    pub fn new() -> Extractor {
        let kb = KnowledgeBase::load();
        let triggers = PhraseSet::new(
            kb.triggers
                .iter()
                .filter_map(|p| {
                    Some((p.words.clone(), (EventKind::from_name(&p.label)?, p.weight)))
                })
                .collect(),
        );
        let cues = PhraseSet::new(
            kb.cues
                .iter()
                .filter_map(|p| {
                    let cue = match p.label.as_str() {
                        "PLANNED" => Cue::Planned,
                        "PLANNED_NEXT" => Cue::PlannedNext,
                        "PAST" => Cue::Past,
                        "BACKGROUND" => Cue::Background,
                        "HYPOTHETICAL" => Cue::Hypothetical,
                        "DURING" => Cue::During,
                        "ATTRIBUTION" => Cue::Attribution,
                        "SCHEDULE" => Cue::Schedule,
                        "GENERIC" => Cue::Generic,
                        _ => return None,
                    };
                    Some((p.words.clone(), cue))
                })
                .collect(),
        );
        Extractor {
            kb,
            dates: DateLexicon::load(),
            triggers,
            cues,
            main_model: main_event::MainEventModel::load(),
        }
    }

    /// Extracts the facts of one article. Never fails.
    pub fn extract(&self, article: ArticleText<'_>) -> Extraction {
        self.extract_traced(article, None)
    }

    /// The candidates for the article's main event with their model features (what
    /// `scripts/fit_main_event.py` fits the weights on).
    pub fn main_event_candidates(&self, article: ArticleText<'_>) -> Vec<MainCandidate> {
        let mut candidates = Vec::new();
        self.extract_traced(article, Some(&mut candidates));
        candidates
    }

    fn extract_traced(
        &self,
        article: ArticleText<'_>,
        candidate_sink: Option<&mut Vec<MainCandidate>>,
    ) -> Extraction {
        let document = format!("{}\n{}", article.title.trim(), article.body);
        let language = article
            .language
            .unwrap_or_else(|| detect_language(&document));
        let mut tokens = tokenize(&document);
        tokens.truncate(MAX_TOKENS_PER_ARTICLE);
        // Credit lines ("Фото: пресс-служба Акорды") name entities but report no event.
        let credit_lines: HashSet<usize> = document
            .lines()
            .enumerate()
            .filter(|(_, l)| is_credit_line(l))
            .map(|(i, _)| i)
            .collect();
        let credit_sentences: HashSet<usize> = tokens
            .iter()
            .filter(|t| credit_lines.contains(&t.line))
            .map(|t| t.sentence)
            .collect();

        // The first body sentence; with no body words, one past the last sentence.
        let title_end = tokens.iter().find(|t| t.line > 0).map_or_else(
            || tokens.last().map_or(0, |t| t.sentence.saturating_add(1)),
            |t| t.sentence,
        );
        // A first line of several sentences (a page with no headline, only its first
        // paragraph) is headed by its first sentence; the rest of it is lead.
        let headline_end = tokens
            .first()
            .map_or(title_end, |t| t.sentence.saturating_add(1))
            .min(title_end);
        let layout = Layout {
            title_end: headline_end,
            lead_end: title_end.saturating_add(LEAD_SENTENCES),
        };

        let anchor = article.published_on;
        let dates_from = |anchor: Option<NaiveDate>| {
            let mut found = find_dates(&self.dates, &self.kb.morph, &tokens, &document, anchor);
            found.truncate(MAX_DATES_PER_ARTICLE);
            found
        };
        let dates_found = dates_from(anchor);
        let (article_date, article_month_day) = match anchor {
            Some(day) => (DateSpan::day(day), None),
            None => estimate_article_date(&document, &tokens, &dates_found, layout),
        };
        let mut mentions = cap_entities(find_entities(
            &self.kb,
            &tokens,
            &document,
            article_date.start,
        ));
        mentions.truncate(MAX_MENTIONS_PER_ARTICLE);
        // A day and month without a year ("Astana. July 4."), in an article about a known
        // summit in its host city: the summit's edition gives the year.
        let (article_date, article_month_day) = match (article_date.start, article_month_day) {
            (None, Some(md)) => match year_from_summit_edition(&self.kb, &mentions, md) {
                Some(day) => (DateSpan::day(day), None),
                None => (article_date, article_month_day),
            },
            _ => (article_date, article_month_day),
        };
        // An undated article whose own day the text gives: relative and partial dates are
        // resolved against that day.
        let dates_found = match (anchor, article_date.start) {
            (None, Some(_)) if article_date.precision == DatePrecision::Day => {
                dates_from(article_date.start)
            }
            _ => dates_found,
        };
        let anchor = anchor.or(match article_date.precision {
            DatePrecision::Day => article_date.start,
            _ => None,
        });
        let scan = find_triggers(&self.triggers, &self.cues, &self.kb.morph, &tokens);
        let (mut triggers, background, hypothetical) =
            (scan.triggers, scan.background, scan.hypothetical);
        triggers.truncate(MAX_TRIGGERS_PER_ARTICLE);
        if language == Language::Kk && Rule::ArrivalVisits.on() {
            self.add_arrival_visits(&tokens, &mentions, &mut triggers);
        }
        // A trigger word inside a summit format's name («Консультативной встрече глав
        // государств», "Astana International Forum") names that summit.
        // Summit names are sorted by their first token, so each trigger looks at the names
        // that start at or before it (linear in the article, not triggers × mentions).
        let mut summit_spans: Vec<(usize, usize)> = mentions
            .iter()
            .filter(|m| m.kind == EntityKind::Summit)
            .map(|m| (m.first_token, m.first_token + m.n_tokens))
            .collect();
        summit_spans.sort_unstable();
        // The furthest end among the names starting at or before each position.
        let reach: Vec<usize> = summit_spans
            .iter()
            .scan(0, |furthest, &(_, end)| {
                *furthest = (*furthest).max(end);
                Some(*furthest)
            })
            .collect();
        for trigger in &mut triggers {
            let starting_before =
                summit_spans.partition_point(|&(start, _)| start <= trigger.first);
            let inside_summit = starting_before > 0
                && reach
                    .get(starting_before - 1)
                    .is_some_and(|&end| trigger.first < end);
            if inside_summit && Rule::TriggerInSummitName.on() {
                trigger.kind = EventKind::Summit;
            }
        }
        triggers.retain(|t| !credit_sentences.contains(&t.sentence));

        let candidates = main_candidates(&triggers, &tokens, &background, layout);
        let context = main_event::Context {
            layout,
            attribution: &scan.attribution,
        };
        let weighed: Vec<(&Trigger, [f64; main_event::FEATURES])> = candidates
            .iter()
            .map(|t| (*t, main_event::features(t, &candidates, &context)))
            .collect();
        if let Some(sink) = candidate_sink {
            sink.extend(weighed.iter().map(|(t, features)| MainCandidate {
                kind: t.kind,
                features: *features,
            }));
        }
        let main = main_trigger(&self.main_model, &weighed);
        // A headline about a planned event, attributed in the lead («Бұл туралы 1 тамызда
        // Ақорда хабарлама таратты», «Об этом сообщили в Кремле»): the article reports the
        // announcement; the planned event is what it announces.
        let main = match main {
            Some(m) if m.planned && Rule::AttributedAnnouncement.on() => triggers
                .iter()
                .find(|t| {
                    t.kind == EventKind::Statement
                        && !t.planned
                        && t.sentence < layout.lead_end
                        && scan.attribution.contains(&t.sentence)
                })
                .or(main),
            other => other,
        };
        // Sentences that announce a planned event of their own and report nothing done.
        let happened_sentences: HashSet<usize> = triggers
            .iter()
            .filter(|t| !t.planned && !matches!(t.kind, EventKind::Statement | EventKind::Other))
            .map(|t| t.sentence)
            .collect();
        let planned_sentences: HashSet<usize> = triggers
            .iter()
            .filter(|t| {
                t.planned
                    && main.is_none_or(|m| m.sentence != t.sentence)
                    && !happened_sentences.contains(&t.sentence)
            })
            .map(|t| t.sentence)
            .collect();
        let trigger_sentences: HashSet<usize> = triggers
            .iter()
            .filter(|t| {
                !matches!(t.kind, EventKind::Statement | EventKind::Other)
                    && main.is_none_or(|m| m.sentence != t.sentence)
            })
            .map(|t| t.sentence)
            .collect();
        let headline_quote = Rule::HeadlineQuote.on() && headline_is_quote(article.title);
        let main_kind = match main {
            Some(t) if !(headline_quote && t.sentence >= title_end && t.weight + 1 < 5) => t.kind,
            _ if headline_quote => EventKind::Statement,
            Some(t) => t.kind,
            None => EventKind::Other,
        };
        let sentence_text = |sentence: usize| sentence_span(&tokens, &document, sentence);

        // Main event: title + lead entities; date from its own sentence when it names a day.
        let main_sentences: HashSet<usize> = (0..layout.lead_end).collect();
        let mut main_date = article_date;
        let mut main_month_day = article_month_day;
        // A headline rarely carries the date; the first body sentence does ("… met … in
        // Tokyo on December 18").
        let lead_date = |trigger: &Trigger| {
            nearest_date(&dates_found, &tokens, trigger, &triggers).or_else(|| {
                (trigger.sentence < layout.title_end)
                    .then(|| {
                        dates_found
                            .iter()
                            .find(|d| tokens[d.first].sentence == layout.title_end)
                    })
                    .flatten()
            })
        };
        // A day and month with no year to place them (an undated article): kept as such.
        if let Some(trigger) = main
            && let Some(own) = lead_date(trigger)
            && own.span.start.is_none()
            && !own.today
            && !own.relative
            && main_month_day.is_none()
            && article_date.start.is_none()
        {
            main_month_day = own.month_day;
        }
        if let Some(trigger) = main
            && let Some(own) = nearest_date(&dates_found, &tokens, trigger, &triggers)
            && own.span.precision == DatePrecision::Day
            && !own.today
        {
            let plausible = match (own.span.start, article_date.start) {
                // A report of the last week, or an announcement of a planned day.
                (Some(day), Some(anchor_day)) => {
                    let ahead = (day - anchor_day).num_days();
                    (-7..=0).contains(&ahead)
                        || (main.is_some_and(|t| t.planned) && (1..=366).contains(&ahead))
                }
                (Some(_), None) => true,
                (None, _) => false,
            };
            if plausible {
                main_date = own.span;
            } else if own.span.start.is_none() && main_month_day.is_none() {
                main_month_day = own.month_day;
            }
        }
        let main_event = EventFacts {
            kind: main_kind,
            status: main.map_or(EventStatus::Happened, |t| {
                if t.planned
                    && main_date
                        .start
                        .is_some_and(|d| Some(d) > article.published_on)
                {
                    EventStatus::Planned
                } else {
                    EventStatus::Happened
                }
            }),
            date: main_date,
            month_day: main_month_day,
            title: clip(article.title, TITLE_CHARS),
            entities: event_entities(&self.kb, &mentions, |m| {
                // Lead sentences count unless they announce a planned event of their own.
                let in_lead = main_sentences.contains(&m.sentence)
                    && (m.sentence < layout.title_end
                        || main.is_some_and(|t| t.sentence == m.sentence)
                        || !planned_sentences.contains(&m.sentence));
                // People and summits named later in plain narration (not quotes, not
                // sentences with an event of their own) take part in the main event too.
                let in_body = Rule::BodyParticipants.on()
                    && m.sentence < layout.title_end.saturating_add(BODY_SENTENCES)
                    && matches!(m.kind, EntityKind::Person | EntityKind::Summit)
                    && !m.by_role
                    && !trigger_sentences.contains(&m.sentence)
                    && !background.contains(&m.sentence);
                (in_lead || in_body)
                    && !credit_sentences.contains(&m.sentence)
                    && !in_quotation(&tokens, m)
                    && !is_dateline(&tokens, &document, m, layout)
            }),
            evidence: main.map_or_else(
                || clip(article.title, EVIDENCE_CHARS),
                |t| clip(&sentence_text(t.sentence), EVIDENCE_CHARS),
            ),
        };

        // The speaker of a reported speech act: the first person the main event names.
        let speaker: Option<&EventEntity> =
            main_event.entities.iter().find(|e| self.is_person(&e.key));
        // When the article reports a speech act (an interview, an address, a statement), the
        // past events its speaker recounts are not that act told again.
        let speech_act = matches!(
            main_kind,
            EventKind::Interview | EventKind::Address | EventKind::Statement | EventKind::Speech
        );
        // Mentioned events: the best non-statement trigger of every other sentence.
        let mut mentioned_events = Vec::new();
        let mut by_sentence: Vec<&Trigger> = Vec::new();
        for trigger in &triggers {
            if trigger.kind == EventKind::Statement {
                continue;
            }
            // The main event's own sentence may announce a second, planned event of another
            // kind ("after the talks, Tokayev will attend the SCO summit").
            if main.is_some_and(|m| {
                m.sentence == trigger.sentence
                    && (m.first == trigger.first || trigger.kind == m.kind || !trigger.planned)
            }) {
                continue;
            }
            match by_sentence.last_mut() {
                Some(last) if last.sentence == trigger.sentence => {
                    // A framing trigger ("during the talks") yields to any other.
                    if (!trigger.during, trigger.weight) > (!last.during, last.weight) {
                        *last = trigger;
                    }
                }
                _ => by_sentence.push(trigger),
            }
        }
        for trigger in by_sentence {
            let sentence = trigger.sentence;
            if hypothetical.contains(&sentence) {
                continue;
            }
            let own_date = nearest_date(&dates_found, &tokens, trigger, &triggers);
            // An election, an appointment or a chairmanship is an event to show only with a
            // time of its own ("from 1 January 2026", "in 1997"); so is an occasion named as
            // the frame of something else ("during the visit in September 2022").
            if (trigger.kind == EventKind::Other || trigger.during)
                && own_date.is_none_or(|d| d.today)
            {
                continue;
            }
            // Status from the clause's modality: a future or intention cue anywhere in the
            // sentence («ожидается приезд … с государственным визитом», "is expected to"),
            // unless the sentence also says something was done.
            let modal = scan.planned.contains(&sentence) && !scan.past.contains(&sentence);
            let mut status = if trigger.planned || modal {
                EventStatus::Planned
            } else {
                status_of(trigger)
            };
            // "Бүгінгі кездесу", "today's talks": the article's own day is the main event.
            if own_date.is_some_and(|d| d.today) {
                continue;
            }
            let date = own_date.map_or(DateSpan::UNKNOWN, |d| {
                if d.year_explicit || d.relative {
                    d.span
                } else {
                    year_by_status(d.span, status, anchor)
                }
            });
            // An event marked ahead by the word next to it («о предстоящем визите», "the
            // upcoming visit") cannot lie in the past: a past date in its sentence dates the
            // clause that reports it ("yesterday … announced the upcoming visit").
            let date = match (date.last_day(), anchor) {
                (Some(last), Some(anchor)) if trigger.planned && last < anchor => DateSpan::UNKNOWN,
                _ => date,
            };
            // A date with its own year sets the tense against the article's date.
            if let (Some(start), Some(last), Some(anchor)) = (date.start, date.last_day(), anchor) {
                if last < anchor {
                    status = EventStatus::Happened;
                } else if start > anchor {
                    status = EventStatus::Planned;
                }
            }
            let month_day = own_date.and_then(|d| {
                if d.span.start.is_none() {
                    d.month_day
                } else {
                    None
                }
            });
            // A past event with no time of its own, in a sentence that does not recall earlier
            // news, is the report's own event told again (the airport welcome of a visit,
            // "during the talks …"): narration of an earlier event carries a time adverbial
            // («в сентябре прошлого года», "in 1991") or a recall cue («Напомним»).
            let retold = match kind_relation(main_kind, trigger.kind) {
                KindRelation::Same | KindRelation::Occasion => true,
                KindRelation::Weak => !speech_act,
                KindRelation::Unrelated => false,
            };
            // So is one of the same occasion on the report's own day ("on 27 November the
            // guest was met at the airport by …" in a visit report).
            let undated = date.start.is_none() && month_day.is_none();
            let on_main_day = date.start.is_some() && date == main_event.date;
            if Rule::RetoldMentions.on()
                && status == EventStatus::Happened
                && (undated || (on_main_day && retold))
                && !background.contains(&sentence)
                && (retold || !speech_act)
            {
                continue;
            }
            // A planned event listed with the report's own occasion, named after it or as its
            // frame ("signing of ten documents is planned for the meeting", «Программа визита
            // включает переговоры»): it takes place at that occasion, on its day.
            // Not in a report of a speech act: "the ambassador announced the upcoming visit"
            // names the announcement, not an occasion the visit is held at.
            let at_occasion = Rule::PlannedAtOccasion.on()
                && status == EventStatus::Planned
                && !speech_act
                && date.start.is_none()
                && month_day.is_none()
                && main.is_some()
                && trigger.kind != main_kind
                && triggers.iter().any(|t| {
                    t.sentence == sentence
                        && t.first != trigger.first
                        && (t.during || t.first > trigger.first)
                        && !matches!(t.kind, EventKind::Statement | EventKind::Other)
                        && names_occasion(main_kind, t.kind)
                });
            let (date, month_day) = if at_occasion {
                (main_event.date, main_event.month_day)
            } else {
                (date, month_day)
            };
            let mut entities = event_entities(&self.kb, &mentions, |m| m.sentence == sentence);
            // "мой визит", "my visits": in a report of a speech act, the speaker takes part.
            if speech_act
                && let Some(speaker) = speaker
                && !entities.iter().any(|e| e.key == speaker.key)
                && tokens
                    .iter()
                    .filter(|t| t.sentence == sentence)
                    .any(|t| self.kb.first_person.contains(&t.lower))
            {
                entities.push(speaker.clone());
            }
            // A mention with neither a date nor a person or summit of its own is talk about
            // events in general ("Әрбір келіссөзде …"), not an event.
            let specific = at_occasion
                || date.start.is_some()
                || month_day.is_some()
                || mentions.iter().any(|m| {
                    m.sentence == sentence
                        && matches!(
                            m.kind,
                            EntityKind::Person
                                | EntityKind::Summit
                                | EntityKind::Place
                                | EntityKind::Country
                        )
                        && !m.adjective
                });
            if !specific {
                continue;
            }
            // In a report of a conversation (talks, a call, a visit), a planned meeting that
            // names no person of its own is the parties' next one («подчеркнута актуальность
            // предстоящей встречи», "the upcoming visit"): the report's people take part.
            let conversation = matches!(
                main_kind,
                EventKind::Meeting | EventKind::PhoneCall | EventKind::Visit
            );
            let meeting_like = matches!(
                trigger.kind,
                EventKind::Meeting | EventKind::Visit | EventKind::Summit | EventKind::PhoneCall
            );
            // So does one held at the report's own occasion.
            if ((conversation && meeting_like) || at_occasion)
                && status == EventStatus::Planned
                && !entities.iter().any(|e| self.is_person(&e.key))
            {
                entities.extend(
                    main_event
                        .entities
                        .iter()
                        .filter(|e| self.is_person(&e.key))
                        .cloned(),
                );
            }
            let evidence = clip(&sentence_text(sentence), EVIDENCE_CHARS);
            let facts = EventFacts {
                kind: trigger.kind,
                status,
                date,
                month_day,
                title: clip(&evidence, 100),
                entities,
                evidence,
            };
            // The same event mentioned again in a later sentence (the planned visit, then "the
            // preparations for the visit"): one mention, with the date either gives.
            // "this visit", «о предстоящем визите»: the occasion named earlier, whoever else
            // the sentence names.
            let refers_back = trigger
                .first
                .checked_sub(1)
                .and_then(|i| tokens.get(i))
                .is_some_and(|t| t.sentence == sentence && self.kb.is_anaphoric(&t.lower));
            if let Some(earlier) = mentioned_events
                .iter_mut()
                .find(|e: &&mut EventFacts| same_mention(e, &facts, &self.kb, refers_back))
            {
                if earlier.date.start.is_none() && earlier.month_day.is_none() {
                    earlier.date = facts.date;
                    earlier.month_day = facts.month_day;
                }
                continue;
            }
            if mentioned_events.len() < MAX_MENTIONED_EVENTS {
                mentioned_events.push(facts);
            }
        }

        // The visit that frames the reported event: a report of talks, a signing or a
        // council held during a state visit names the visit («мемлекеттік сапарыңыз»,
        // «с государственным визитом», "arrived on a two-day visit") without a time of its
        // own. The visit is an event of its own, around the report's event: same people,
        // same month (its first day may come earlier, so the date is kept at month precision).
        // Named by the noun (`visit*`, «визит*», «мемлекеттік сапар*»: weight 4 or more in
        // the trigger lexicon), not by a verb of arrival: delegations "arrived to take part
        // in" a summit are its participants, not a visit.
        let framing = triggers.iter().find(|t| {
            t.kind == EventKind::Visit
                && t.weight >= 4
                && !t.planned
                && !scan.planned.contains(&t.sentence)
                && !hypothetical.contains(&t.sentence)
                && nearest_date(&dates_found, &tokens, t, &triggers).is_none()
        });
        if let Some(trigger) = framing
            && Rule::FramingVisit.on()
            && mentioned_events.len() < MAX_MENTIONED_EVENTS
            && let Some(visit) = self.framing_visit(
                main_kind,
                &main_event,
                &mentioned_events,
                event_entities(&self.kb, &mentions, |m| m.sentence == trigger.sentence),
                clip(&sentence_text(trigger.sentence), EVIDENCE_CHARS),
            )
        {
            mentioned_events.push(visit);
        }

        Extraction {
            language,
            article_date,
            mentions,
            main_event,
            mentioned_events,
        }
    }
}

impl Extractor {
    /// The visit a dated report of another kind took place in (see the caller), from the
    /// sentence that names it: its entities and evidence text.
    fn framing_visit(
        &self,
        main_kind: EventKind,
        main_event: &EventFacts,
        mentioned: &[EventFacts],
        mut entities: Vec<EventEntity>,
        evidence: String,
    ) -> Option<EventFacts> {
        let speech_act = matches!(
            main_kind,
            EventKind::Interview | EventKind::Address | EventKind::Statement | EventKind::Visit
        );
        // An undated report's visit is undated too; a report dated only to its month or
        // year does not place the visit.
        let date = match (main_event.date.start, main_event.date.precision) {
            (Some(day), DatePrecision::Day) => {
                DateSpan::month(chrono::Datelike::year(&day), chrono::Datelike::month(&day))
            }
            (None, _) => DateSpan::UNKNOWN,
            _ => return None,
        };
        if speech_act
            || mentioned
                .iter()
                .any(|e| e.kind == EventKind::Visit && e.status == EventStatus::Happened)
        {
            return None;
        }
        for entity in &main_event.entities {
            if self.is_person(&entity.key) && !entities.iter().any(|e| e.key == entity.key) {
                entities.push(entity.clone());
            }
        }
        Some(EventFacts {
            kind: EventKind::Visit,
            status: EventStatus::Happened,
            date,
            month_day: None,
            title: clip(&evidence, 100),
            entities,
            evidence,
        })
    }

    /// Adds the visits told by a Kazakh verb of motion towards a mentioned country or place
    /// (`events::arrival_triggers`) to `triggers`, kept in text order.
    fn add_arrival_visits(
        &self,
        tokens: &[Token],
        mentions: &[EntityMention],
        triggers: &mut Vec<Trigger>,
    ) {
        let destinations: Vec<(usize, usize)> = mentions
            .iter()
            .filter(|m| {
                matches!(m.kind, EntityKind::Country | EntityKind::Place)
                    && !m.adjective
                    && m.n_tokens > 0
            })
            .map(|m| (m.first_token, m.n_tokens))
            .collect();
        let arrivals = arrival_triggers(
            &self.kb.arrival_verbs,
            &self.kb.morph,
            tokens,
            &destinations,
            triggers,
        );
        triggers.extend(arrivals);
        triggers.sort_by_key(|t| t.first);
    }

    /// Whether a knowledge-base key names a person.
    fn is_person(&self, key: &str) -> bool {
        self.kb
            .get(key)
            .is_some_and(|k| k.kind == EntityKind::Person)
    }
}

/// Whether a trigger of `noun` kind can name the report's own occasion of `main` kind: the
/// same occasion (talks during the visit), or the meeting that a summit is ("planned for the
/// meeting" in a summit report).
fn names_occasion(main: EventKind, noun: EventKind) -> bool {
    matches!(
        kind_relation(main, noun),
        KindRelation::Same | KindRelation::Occasion
    ) || (main == EventKind::Summit && noun == EventKind::Meeting)
}

/// A mention inside quoted words (direct speech, a quoted phrase), not a name that is merely
/// set in quotes («Turkistan» газеті): the quote holds more than the name.
fn in_quotation(tokens: &[Token], mention: &EntityMention) -> bool {
    let first = mention.first_token;
    if !tokens.get(first).is_some_and(|t| t.quoted) {
        return false;
    }
    let last = first + mention.n_tokens.max(1) - 1;
    let before = first
        .checked_sub(1)
        .and_then(|i| tokens.get(i))
        .is_some_and(|t| t.quoted && t.sentence == tokens[first].sentence);
    let after = tokens
        .get(last + 1)
        .is_some_and(|t| t.quoted && t.sentence == tokens[first].sentence);
    before || after
}

/// Two mentions of one article that tell the same event: same kind and status, no
/// conflicting dates, and a shared person (or, without people, a shared place or summit).
fn same_mention(a: &EventFacts, b: &EventFacts, kb: &KnowledgeBase, refers_back: bool) -> bool {
    if a.kind != b.kind || a.status != b.status {
        return false;
    }
    let dates_conflict = match (a.date.start, b.date.start) {
        (Some(_), Some(_)) => !a.date.compatible(&b.date, 1),
        _ => matches!((a.month_day, b.month_day), (Some(x), Some(y)) if x != y),
    };
    if dates_conflict {
        return false;
    }
    if refers_back {
        return true;
    }
    let kind_of = |key: &str| kb.get(key).map(|e| e.kind);
    let names = |e: &EventFacts, kinds: &[EntityKind]| {
        e.entities
            .iter()
            .any(|x| kind_of(&x.key).is_some_and(|k| kinds.contains(&k)))
    };
    let shared = |kinds: &[EntityKind]| {
        a.entities.iter().any(|x| {
            kind_of(&x.key).is_some_and(|k| kinds.contains(&k))
                && b.entities.iter().any(|y| y.key == x.key)
        })
    };
    // Two visits of one speaker to different countries ("my visit to China", then "my
    // visits to Turkey and Kyrgyzstan") are two events: named places that share nothing.
    const PLACES: [EntityKind; 2] = [EntityKind::Country, EntityKind::Place];
    if names(a, &PLACES) && names(b, &PLACES) && !shared(&PLACES) {
        return false;
    }
    let people = [EntityKind::Person];
    if names(a, &people) && names(b, &people) {
        shared(&people)
    } else {
        shared(&[EntityKind::Place, EntityKind::Summit, EntityKind::Person])
    }
}

/// The place of a dateline ("АСТАНА. KAZINFORM –", "ТАШКЕНТ, 14 ноября"): where the story
/// was filed, not where the event happened.
fn is_dateline(tokens: &[Token], document: &str, mention: &EntityMention, layout: Layout) -> bool {
    if mention.kind != EntityKind::Place {
        return false;
    }
    let token = &tokens[mention.first_token];
    let first_of_line =
        mention.first_token == 0 || tokens[mention.first_token - 1].line != token.line;
    let after = document[mention.end..].trim_start_matches(' ');
    // "АСТАНА. KAZINFORM", "ТАШКЕНТ, 14 ноября", "TASHKENT – Kazakh President …".
    let followed_by_stop =
        after.starts_with(['.', ',']) || (token.all_caps && after.starts_with(['–', '—', '-']));
    first_of_line && followed_by_stop && token.sentence <= layout.title_end + 1
}

/// A day or month whose year the text does not give: a planned event lies ahead of the
/// article, a past one behind it (the date finder's guess knows no tense).
fn year_by_status(span: DateSpan, status: EventStatus, anchor: Option<NaiveDate>) -> DateSpan {
    let (Some(start), Some(anchor)) = (span.start, anchor) else {
        return span;
    };
    let shift = |years: i32| {
        let moved = |d: NaiveDate| {
            NaiveDate::from_ymd_opt(
                chrono::Datelike::year(&d) + years,
                chrono::Datelike::month(&d),
                chrono::Datelike::day(&d),
            )
        };
        DateSpan {
            start: moved(start),
            end: span.end.and_then(moved),
            precision: span.precision,
        }
    };
    let last = span.last_day().unwrap_or(start);
    match status {
        EventStatus::Planned if last < anchor => shift(1),
        EventStatus::Happened if start > anchor => shift(-1),
        _ => span,
    }
}

/// The date of `month_day` in the one year that a mentioned summit held in a mentioned
/// place covers (within a week of the edition); `None` when there is no such year or more
/// than one.
fn year_from_summit_edition(
    kb: &KnowledgeBase,
    mentions: &[EntityMention],
    md: MonthDay,
) -> Option<NaiveDate> {
    let summits: HashSet<&str> = mentions
        .iter()
        .filter(|m| m.kind == EntityKind::Summit)
        .flat_map(|m| std::iter::once(m.key.as_str()).chain(m.format_key.as_deref()))
        .collect();
    let places: HashSet<&str> = mentions
        .iter()
        .filter(|m| m.kind == EntityKind::Place)
        .map(|m| m.key.as_str())
        .collect();
    let mut days: Vec<NaiveDate> = kb
        .summit_editions
        .iter()
        .filter(|e| {
            summits.contains(e.format.as_str())
                && e.place.as_deref().is_some_and(|p| places.contains(p))
        })
        .filter_map(|e| {
            let day = NaiveDate::from_ymd_opt(chrono::Datelike::year(&e.start), md.month, md.day)?;
            let near = (day - e.start).num_days() >= -7 && (day - e.end).num_days() <= 7;
            near.then_some(day)
        })
        .collect();
    days.sort_unstable();
    days.dedup();
    match days.as_slice() {
        [day] => Some(*day),
        _ => None,
    }
}

/// The text of one sentence.
///
/// Tokens come in text order, so a sentence's tokens are one run found by binary search.
fn sentence_span(tokens: &[Token], document: &str, sentence: usize) -> String {
    let from = tokens.partition_point(|t| t.sentence < sentence);
    let to = tokens.partition_point(|t| t.sentence <= sentence);
    let run = &tokens[from..to];
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return String::new();
    };
    let end = document[last.end..]
        .char_indices()
        .find(|(_, c)| matches!(c, '.' | '!' | '?' | '\n'))
        .map_or(document.len(), |(i, c)| {
            last.end + i + if c == '\n' { 0 } else { c.len_utf8() }
        });
    document.get(first.start..end).unwrap_or("").to_string()
}

/// The date mention of a trigger's sentence closest to it, unless another event trigger of
/// the sentence stands closer to that date ("met … on December 18, … ahead of a summit":
/// the day is the meeting's, not the summit's).
fn nearest_date<'a>(
    dates: &'a [DateMention],
    tokens: &[Token],
    trigger: &Trigger,
    triggers: &[Trigger],
) -> Option<&'a DateMention> {
    let date = dates
        .iter()
        .filter(|d| tokens[d.first].sentence == trigger.sentence)
        .min_by_key(|d| d.first.abs_diff(trigger.first))?;
    // A time adverbial that opens its sentence ("2025 жылғы 23 қыркүйекте …", "On May 10,
    // …") dates everything the sentence tells.
    // Tokens are in sentence order: the sentence's first token by binary search.
    let sentence_start = tokens.partition_point(|t| t.sentence < trigger.sentence);
    if date.first <= sentence_start + 1 {
        return Some(date);
    }
    let distance = date.first.abs_diff(trigger.first);
    let closer_event = triggers.iter().any(|t| {
        t.sentence == trigger.sentence
            && t.first != trigger.first
            && t.kind != EventKind::Statement
            && !t.during
            && t.kind != trigger.kind
            && date.first.abs_diff(t.first) < distance
    });
    (!closer_event).then_some(date)
}

/// Estimates the date of an undated article from its text: "сегодня, 31 августа 2025 года",
/// or a dateline "ТАШКЕНТ, 14 ноября — Sputnik" (day and month only).
fn estimate_article_date(
    document: &str,
    tokens: &[Token],
    dates: &[DateMention],
    layout: Layout,
) -> (DateSpan, Option<MonthDay>) {
    // "today" next to a full date names the article's own day.
    for (i, d) in dates.iter().enumerate() {
        if d.today
            && let Some(next) = dates.get(i + 1)
            && next.year_explicit
            && next.span.precision == DatePrecision::Day
            && next.first <= d.first + d.len + 2
        {
            return (next.span, None);
        }
    }
    // A dateline: "ТАШКЕНТ, 14 ноября — Sputnik", "Astana. July 4. KazTAG": a place name, a
    // comma or full stop, then a day and month, near the top of the body.
    for d in dates {
        let token = &tokens[d.first];
        let Some(before) = d.first.checked_sub(1).map(|i| &tokens[i]) else {
            continue;
        };
        let joined_by = document.get(before.end..token.start).map(str::trim);
        let dateline = before.capitalized
            && before.line == token.line
            && matches!(joined_by, Some("," | "."))
            && (before.first_of_line || before.all_caps);
        if dateline
            && token.sentence < layout.title_end + DATELINE_SENTENCES
            && d.month_day.is_some()
            && !d.relative
        {
            if d.year_explicit {
                return (d.span, None);
            }
            return (DateSpan::UNKNOWN, d.month_day);
        }
    }
    (DateSpan::UNKNOWN, None)
}

/// Distinct entities of the mentions selected by `keep`, plus the countries of the people;
/// at most [`MAX_EVENT_ENTITIES`].
fn event_entities(
    kb: &KnowledgeBase,
    mentions: &[EntityMention],
    keep: impl Fn(&EntityMention) -> bool,
) -> Vec<EventEntity> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for m in mentions.iter().filter(|m| keep(m)) {
        if out.len() >= MAX_EVENT_ENTITIES {
            break;
        }
        for key in std::iter::once(&m.key).chain(m.format_key.iter()) {
            if seen.insert(key.clone()) {
                out.push(EventEntity {
                    key: key.clone(),
                    evidence: m.surface.clone(),
                });
            }
        }
        if m.kind == EntityKind::Person
            && let Some(code) = &m.country
            && let Some(country) = kb.country_index(code)
        {
            let key = kb.entities[country].key.clone();
            if seen.insert(key.clone()) {
                out.push(EventEntity {
                    key,
                    evidence: m.surface.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_titles_are_cut_between_words() {
        let sentence = "Мемлекет басшысы үш жыл бұрын Астанада өткен алғашқы саммит көпжақты форматтың маңызын көрсетті";
        let cut = clip(sentence, 40);
        assert!(cut.ends_with('…'), "{cut}");
        let kept = cut.trim_end_matches('…');
        assert!(kept.chars().count() <= 40, "{cut}");
        assert!(
            sentence.starts_with(kept) && sentence[kept.len()..].starts_with(' '),
            "ends at a whole word: {cut}"
        );
        assert_eq!(clip("short title", 40), "short title");
        assert_eq!(clip(&"x".repeat(50), 10), format!("{}…", "x".repeat(10)));
    }

    #[test]
    fn text_without_words_extracts_without_panicking() {
        let extractor = Extractor::new();
        for (title, body) in [
            ("T", "🎉"),
            ("Тоқаев кездесті", "!!!"),
            ("", ""),
            ("T", "\u{200b}"),
        ] {
            let facts = extractor.extract(ArticleText {
                title,
                body,
                published_on: None,
                language: None,
            });
            assert!(facts.mentioned_events.is_empty(), "{title:?} {body:?}");
        }
    }

    /// A 1 MB text of one sentence repeated is read up to the token cap, no further: the
    /// passes that compare lists (triggers with summit names, dates with triggers, sentences
    /// with mentions) see bounded lists (`benches/adversarial_extract.sh` times it).
    #[test]
    fn a_huge_repetitive_text_is_read_up_to_the_caps() {
        let extractor = Extractor::new();
        let sentence = "Tokayev met Putin in Astana on 3 May 2025 ahead of the SCO summit. ";
        let body = sentence.repeat(1_000_000 / sentence.len());
        let facts = extractor.extract(ArticleText {
            title: "Talks in Astana",
            body: &body,
            published_on: None,
            language: None,
        });
        assert_eq!(facts.main_event.kind, EventKind::Meeting);
        assert!(!facts.mentions.is_empty());
        assert!(facts.mentions.len() <= MAX_MENTIONS_PER_ARTICLE);
        let last_read = facts.mentions.iter().map(|m| m.first_token).max();
        assert!(
            last_read.is_some_and(|t| t < MAX_TOKENS_PER_ARTICLE),
            "a mention past the token cap: {last_read:?}"
        );
        assert!(facts.mentioned_events.len() <= MAX_MENTIONED_EVENTS);
    }

    #[test]
    fn a_planned_month_lies_ahead_and_a_past_one_behind() {
        let july = NaiveDate::from_ymd_opt(2025, 7, 15);
        let november_last_year = DateSpan::month(2024, 11);
        let planned = year_by_status(november_last_year, EventStatus::Planned, july);
        assert_eq!(planned, DateSpan::month(2025, 11));
        let march_next = DateSpan::month(2026, 3);
        assert_eq!(
            year_by_status(march_next, EventStatus::Happened, july),
            DateSpan::month(2025, 3)
        );
        assert_eq!(
            year_by_status(DateSpan::month(2025, 3), EventStatus::Happened, july),
            DateSpan::month(2025, 3)
        );
    }

    #[test]
    fn the_state_visit_that_frames_a_meeting_is_an_event_of_its_own() {
        let extractor = Extractor::new();
        let visits = |title: &str, body: &str| -> Vec<(EventStatus, DateSpan, usize)> {
            extractor
                .extract(ArticleText {
                    title,
                    body,
                    published_on: NaiveDate::from_ymd_opt(2025, 10, 21),
                    language: None,
                })
                .mentioned_events
                .iter()
                .filter(|e| e.kind == EventKind::Visit)
                .map(|e| (e.status, e.date, e.entities.len()))
                .collect()
        };
        let framed = visits(
            "Supreme Interstate Council meets in Astana",
            "Presidents Kassym-Jomart Tokayev and Ilham Aliyev held the first meeting of the Supreme Interstate Council in Astana on 21 October. Aliyev arrived in Kazakhstan on a state visit at the invitation of Tokayev.",
        );
        assert_eq!(framed.len(), 1, "{framed:?}");
        let (status, date, people) = framed[0];
        assert_eq!(status, EventStatus::Happened);
        assert_eq!(
            date,
            DateSpan::month(2025, 10),
            "the visit's own first day is not said"
        );
        assert!(people >= 2, "the meeting's people make the visit");
        // A visit still to come is not the frame.
        let planned = visits(
            "Supreme Interstate Council meets in Astana",
            "Presidents Kassym-Jomart Tokayev and Ilham Aliyev held the first meeting of the Supreme Interstate Council in Astana on 21 October. Tokayev will pay a state visit to Azerbaijan next year.",
        );
        assert!(
            planned
                .iter()
                .all(|(status, ..)| *status == EventStatus::Planned),
            "{planned:?}"
        );
        // Delegations arriving for a summit take part in it; they make no visit.
        let summit = visits(
            "CSTO summit opens in Bishkek",
            "The CSTO summit opened in Bishkek on 21 October. The heads of state arrived in Bishkek to take part in the summit.",
        );
        assert!(summit.is_empty(), "{summit:?}");
    }

    #[test]
    fn an_undated_report_names_its_framing_visit_without_a_date() {
        let facts = Extractor::new().extract(ArticleText {
            title: "Kazakhstan and Mongolia signed a strategic partnership declaration",
            body: "Kassym-Jomart Tokayev and Ukhnaagiin Khurelsukh signed the declaration in Ulaanbaatar. Tokayev came to Mongolia on a state visit.",
            published_on: None,
            language: None,
        });
        let visits: Vec<&EventFacts> = facts
            .mentioned_events
            .iter()
            .filter(|e| e.kind == EventKind::Visit)
            .collect();
        assert_eq!(visits.len(), 1, "{:?}", facts.mentioned_events);
        assert_eq!(visits[0].status, EventStatus::Happened);
        assert_eq!(visits[0].date, DateSpan::UNKNOWN, "nothing dates it");
    }

    #[test]
    fn a_planned_event_at_the_reported_occasion_takes_its_day_and_people() {
        let extractor = Extractor::new();
        let mentioned = |title: &str, body: &str| {
            extractor
                .extract(ArticleText {
                    title,
                    body,
                    published_on: NaiveDate::from_ymd_opt(2025, 11, 27),
                    language: None,
                })
                .mentioned_events
        };
        // Named after the planned event, as the occasion it is planned for.
        let summit = mentioned(
            "CSTO summit begins in Bishkek",
            "The CSTO summit began in Bishkek on November 27 with Kassym-Jomart Tokayev and Vladimir Putin. Signing of more than ten documents is planned for the meeting.",
        );
        let signing = summit
            .iter()
            .find(|e| e.kind == EventKind::Agreement)
            .unwrap_or_else(|| panic!("no signing among {summit:?}"));
        assert_eq!(signing.status, EventStatus::Planned);
        assert_eq!(
            signing.date,
            DateSpan::day(NaiveDate::from_ymd_opt(2025, 11, 27).unwrap_or_default())
        );
        assert!(
            signing.entities.iter().any(|e| e.key.contains("tokayev")),
            "{signing:?}"
        );
        // A programme lists what the occasion it belongs to holds, still ahead.
        let visit = mentioned(
            "Токаев прибыл с государственным визитом в Ташкент",
            "27 ноября Касым-Жомарт Токаев прибыл в Ташкент, его встретил Шавкат Мирзиёев. Программа визита включает переговоры глав государств в формате тет-а-тет.",
        );
        let talks = visit
            .iter()
            .find(|e| e.kind == EventKind::Meeting)
            .unwrap_or_else(|| panic!("no talks among {visit:?}"));
        assert_eq!(talks.status, EventStatus::Planned);
        assert_eq!(talks.date.start, NaiveDate::from_ymd_opt(2025, 11, 27));
        // A programme that is no occasion's own schedules nothing.
        let state = mentioned(
            "Токаев прибыл с государственным визитом в Ташкент",
            "27 ноября Касым-Жомарт Токаев прибыл в Ташкент, его встретил Шавкат Мирзиёев. Государственная программа развития включает переговоры с инвесторами из Японии.",
        );
        assert!(
            state.iter().all(|e| e.status != EventStatus::Planned),
            "{state:?}"
        );
        // What follows the reported talks is not held at them.
        let after = mentioned(
            "Tokayev holds talks with Xi Jinping",
            "Kassym-Jomart Tokayev held talks with Xi Jinping in Tianjin on November 27. After the talks, Tokayev will attend the SCO summit.",
        );
        assert!(
            after
                .iter()
                .filter(|e| e.kind == EventKind::Summit)
                .all(|e| e.date.start.is_none()),
            "{after:?}"
        );
    }

    #[test]
    fn a_kazakh_verb_of_motion_to_a_place_is_a_visit() {
        let extractor = Extractor::new();
        let visits = |body: &str| -> Vec<(EventStatus, Option<NaiveDate>)> {
            extractor
                .extract(ArticleText {
                    title: "Мемлекет басшысы Қытай төрағасымен кездесті",
                    body,
                    published_on: NaiveDate::from_ymd_opt(2025, 8, 31),
                    language: None,
                })
                .mentioned_events
                .iter()
                .filter(|e| e.kind == EventKind::Visit)
                .map(|e| (e.status, e.date.start))
                .collect()
        };
        assert_eq!(
            visits("30 тамызда Қазақстан Президенті Қытайдың Тяньцзинь қаласына барған болатын."),
            [(EventStatus::Happened, NaiveDate::from_ymd_opt(2025, 8, 30))]
        );
        // "Reached an agreement" and "has been contributing to Kazakhstan" go nowhere.
        assert!(visits("30 тамызда тараптар бірнеше маңызды келісімге келді.").is_empty());
        assert!(visits("30 тамызда Қытай Қазақстанға инвестиция салып келеді.").is_empty());
    }

    #[test]
    fn the_upcoming_visit_named_again_is_the_one_already_mentioned() {
        let extractor = Extractor::new();
        for second in [
            "О предстоящем визите сообщил посол Казахстана в Москве Даурен Абаев.",
            // A past day in the sentence dates the announcement, not the visit.
            "Вчера о предстоящем визите сообщил посол Казахстана в Москве Даурен Абаев.",
        ] {
            let body = format!(
                "Дмитрий Песков заявил журналистам, что в ноябре ожидается государственный визит Касым-Жомарта Токаева в Россию. {second}"
            );
            let facts = extractor.extract(ArticleText {
                title: "Песков заявил о подготовке визита",
                body: &body,
                published_on: NaiveDate::from_ymd_opt(2025, 10, 1),
                language: None,
            });
            let visits: Vec<(EventStatus, DateSpan)> = facts
                .mentioned_events
                .iter()
                .filter(|e| e.kind == EventKind::Visit)
                .map(|e| (e.status, e.date))
                .collect();
            assert_eq!(
                visits,
                [(EventStatus::Planned, DateSpan::month(2025, 11))],
                "{second}"
            );
        }
    }

    #[test]
    fn visits_to_different_countries_are_different_mentions() {
        let facts = Extractor::new().extract(ArticleText {
            title: "Токаев дал интервью газете «Казахстанская правда»",
            body: "Касым-Жомарт Токаев ответил на вопросы газеты. «На днях состоялся мой официальный визит в Китай. Успешными были мои визиты в Турцию и Кыргызстан», – сказал Президент.",
            published_on: NaiveDate::from_ymd_opt(2025, 9, 10),
            language: None,
        });
        let visits = facts
            .mentioned_events
            .iter()
            .filter(|e| e.kind == EventKind::Visit)
            .count();
        assert_eq!(visits, 2, "{:?}", facts.mentioned_events);
    }

    #[test]
    fn talks_as_what_a_platform_is_for_are_no_event() {
        let extractor = Extractor::new();
        for sentence in [
            "ООН, по мнению Казахстана, должна выступать в качестве основной площадки переговоров.",
            "Kazakhstan offers Astana as a platform for talks between Armenia and Azerbaijan.",
        ] {
            let body = format!("Касым-Жомарт Токаев ответил на вопросы газеты. {sentence}");
            let facts = extractor.extract(ArticleText {
                title: "Токаев дал интервью газете",
                body: &body,
                published_on: NaiveDate::from_ymd_opt(2025, 9, 10),
                language: None,
            });
            assert!(
                facts
                    .mentioned_events
                    .iter()
                    .all(|e| e.kind != EventKind::Meeting),
                "{sentence}: {:?}",
                facts.mentioned_events
            );
        }
    }

    #[test]
    fn the_next_meeting_a_call_report_announces_is_between_its_parties() {
        let extractor = Extractor::new();
        let facts = extractor.extract(ArticleText {
            title: "Токаев провел телефонный разговор с Олафом Шольцем",
            body: "28 мая 2024 года Касым-Жомарт Токаев провел телефонный разговор с Федеральным канцлером Германии Олафом Шольцем. Подчеркнута актуальность предстоящей встречи на высоком уровне в Астане.",
            published_on: NaiveDate::from_ymd_opt(2024, 5, 28),
            language: None,
        });
        let planned: Vec<&EventFacts> = facts
            .mentioned_events
            .iter()
            .filter(|e| e.status == EventStatus::Planned)
            .collect();
        assert_eq!(planned.len(), 1, "{:?}", facts.mentioned_events);
        let people: Vec<&str> = planned[0]
            .entities
            .iter()
            .map(|e| e.key.as_str())
            .filter(|k| k.starts_with("person/"))
            .collect();
        assert!(people.len() >= 2, "the call's parties: {people:?}");
    }

    #[test]
    fn a_summit_in_its_host_city_dates_an_undated_report() {
        let extractor = Extractor::new();
        let facts = extractor.extract(ArticleText {
            title: "Tokayev met with Putin",
            body: "Astana. July 4. KazTAG - President Tokayev met Vladimir Putin, who came to the SCO summit in Astana.",
            published_on: None,
            language: None,
        });
        assert_eq!(
            facts.main_event.date,
            DateSpan::day(NaiveDate::from_ymd_opt(2024, 7, 4).unwrap_or_default())
        );
        let elsewhere = extractor.extract(ArticleText {
            title: "Tokayev met with Putin",
            body: "Minsk. July 4. KazTAG - President Tokayev met Vladimir Putin in Minsk after the SCO summit.",
            published_on: None,
            language: None,
        });
        assert_eq!(
            elsewhere.main_event.date.start, None,
            "no SCO summit was held in Minsk"
        );
    }

    fn main_kind(title: &str, body: &str) -> EventKind {
        let extractor = Extractor::new();
        let facts = extractor.extract(ArticleText {
            title,
            body,
            published_on: None,
            language: None,
        });
        facts.main_event.kind
    }

    #[test]
    fn the_frame_of_an_address_beats_announced_visits_in_its_title() {
        let body = "Токаев выразил уверенность\n\nФото: пресс-служба Акорды\n\nВыступая с Посланием народу Казахстана Президент отметил рост авторитета страны.";
        assert_eq!(
            main_kind("Президент анонсировал визиты в Россию и Узбекистан", body),
            EventKind::Address
        );
    }

    #[test]
    fn a_planned_headline_attributed_in_the_lead_reports_the_announcement() {
        let extractor = Extractor::new();
        let facts = extractor.extract(ArticleText {
            title: "5 қыркүйек күні Мирзиёев Астанаға ресми сапармен келеді",
            body: "Бұл туралы 2 қыркүйекте Ақорда хабарлама таратты.\nСапар барысында келіссөздер өтеді.",
            published_on: NaiveDate::from_ymd_opt(2025, 9, 2),
            language: None,
        });
        assert_eq!(facts.main_event.kind, EventKind::Statement);
        let visit = facts
            .mentioned_events
            .iter()
            .find(|e| e.kind == EventKind::Visit)
            .map(|e| (e.status, e.date.start));
        assert_eq!(
            visit,
            Some((EventStatus::Planned, NaiveDate::from_ymd_opt(2025, 9, 5)))
        );
    }

    #[test]
    fn an_announced_visit_is_a_statement() {
        let body = "В ноябре ожидается приезд в Россию президента Казахстана с государственным визитом, сообщил пресс-секретарь.";
        assert_eq!(
            main_kind(
                "В Кремле анонсировали государственный визит Токаева в РФ",
                body
            ),
            EventKind::Statement
        );
    }

    #[test]
    fn title_triggers_in_three_languages() {
        assert_eq!(
            main_kind(
                "Tokayev met with Putin",
                "Astana. July 4. KazTAG - President Tokayev held a meeting with Vladimir Putin."
            ),
            EventKind::Meeting
        );
        assert_eq!(
            main_kind(
                "Тоқаев Мирзиёевпен телефон арқылы сөйлесті",
                "Мемлекет басшысы телефон арқылы сөйлесті."
            ),
            EventKind::PhoneCall
        );
        assert_eq!(
            main_kind(
                "Тоқаев: Қазақстан делдал емес",
                "Ақорда баспасөз қызметі атап өткендей, Президент пікір білдірді."
            ),
            EventKind::Statement
        );
    }
}
