//! Event triggers: which sentence reports the article's main event and of what kind, which
//! other sentences mention past or planned events, and with what status.
//!
//! Rules (EXTRACTION_FACTS.md §4.3): the main event is the strongest trigger of the title
//! and lead outside quotes and background sentences; a trigger next to a future or intention
//! cue is planned; an `X: …` headline is a statement.

use super::main_event::{FEATURES, MainEventModel};
use crate::model::{EventKind, EventStatus};
use crate::text::Token;
use crate::text::phrases::PhraseSet;
use std::collections::{HashMap, HashSet};

/// A trigger found in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// Event kind it signals.
    pub kind: EventKind,
    /// Rank from `triggers.tsv`.
    pub weight: u32,
    /// First token.
    pub first: usize,
    /// Number of tokens.
    pub len: usize,
    /// Sentence of the trigger.
    pub sentence: usize,
    /// A future/intention cue stands next to it.
    pub planned: bool,
    /// It is the object of "during" / «в ходе» / «барысында» (a frame, not a new event).
    pub during: bool,
}

/// Cue categories from `cues.tsv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cue {
    /// Future or intention.
    Planned,
    /// Marks only what follows it as ahead ("ahead of the summit", «в преддверии саммита»,
    /// «саммит қарсаңында» is handled as a plain cue): the event before it is not planned.
    PlannedNext,
    /// Completed.
    Past,
    /// The sentence recalls earlier news.
    Background,
    /// A condition or readiness ("егер", "если", "ready to"): not an event.
    Hypothetical,
    /// "during", «в ходе», «барысында»: the trigger next to it names the occasion already
    /// told, as a frame for something else.
    During,
    /// «Бұл туралы», «Об этом»: the sentence attributes what was just told to a source.
    Attribution,
    /// A noun naming a venue or mechanism for events («площадка переговоров», "a platform
    /// for talks", «келіссөз алаңы»): the event word after it names a kind of activity, not an
    /// occurrence.
    Generic,
    /// A programme or agenda («программа визита», "the visit's programme", «сапар
    /// бағдарламасы»): the occasion it belongs to frames it (as `During`), and what it lists
    /// lies ahead (as `Planned`).
    Schedule,
}

/// Tokens on either side of a trigger in which a status cue applies to it.
const CUE_WINDOW: usize = 4;

/// Triggers and the sentences marked by status cues.
#[derive(Debug, Default)]
pub struct TriggerScan {
    /// Triggers in text order.
    pub triggers: Vec<Trigger>,
    /// Sentences that recall earlier news.
    pub background: HashSet<usize>,
    /// Sentences with a condition or readiness.
    pub hypothetical: HashSet<usize>,
    /// Sentences with a future or intention cue anywhere.
    pub planned: HashSet<usize>,
    /// Sentences with a completion cue anywhere.
    pub past: HashSet<usize>,
    /// Sentences that attribute the news to a source («Бұл туралы … хабарлады»).
    pub attribution: HashSet<usize>,
}

/// Finds triggers and marks the planned ones.
pub fn find_triggers(
    triggers: &PhraseSet<(EventKind, u32)>,
    cues: &PhraseSet<Cue>,
    morph: &crate::text::Morphology,
    tokens: &[Token],
) -> TriggerScan {
    let trigger_hits = triggers.find_all(morph, tokens);
    // A programme is a schedule only as an occasion's own («программа визита», "the visit
    // programme", «сапар бағдарламасы»): a state programme schedules no event.
    let cue_hits: Vec<_> = cues
        .find_all(morph, tokens)
        .into_iter()
        .filter(|c| {
            *c.value != Cue::Schedule
                || trigger_hits
                    .iter()
                    .any(|t| t.first == c.first + c.len || t.first + t.len == c.first)
        })
        .collect();
    let sentences_of = |cues: &[Cue]| -> HashSet<usize> {
        cue_hits
            .iter()
            .filter(|c| cues.contains(c.value))
            .map(|c| tokens[c.first].sentence)
            .collect()
    };
    let hypothetical = sentences_of(&[Cue::Hypothetical]);
    let background = sentences_of(&[Cue::Background]);
    let planned_at: Vec<(usize, usize)> = cue_hits
        .iter()
        .filter(|c| matches!(*c.value, Cue::Planned | Cue::Schedule))
        .map(|c| (c.first, tokens[c.first].sentence))
        .collect();
    let planned_next_at: Vec<(usize, usize)> = cue_hits
        .iter()
        .filter(|c| *c.value == Cue::PlannedNext)
        .map(|c| (c.first + c.len, tokens[c.first].sentence))
        .collect();
    let during_at: Vec<(usize, usize)> = cue_hits
        .iter()
        .filter(|c| matches!(*c.value, Cue::During | Cue::Schedule))
        .map(|c| (c.first, c.first + c.len))
        .collect();
    let generic_ends: Vec<usize> = cue_hits
        .iter()
        .filter(|c| *c.value == Cue::Generic)
        .map(|c| c.first + c.len)
        .collect();
    // «площадка переговоров», "platform for talks" (one preposition between).
    let generic = |first: usize| {
        generic_ends.iter().any(|&end| {
            end == first
                || (end + 1 == first
                    && tokens
                        .get(end)
                        .is_some_and(|t| matches!(t.lower.as_str(), "для" | "for" | "of")))
        })
    };
    let found: Vec<Trigger> = trigger_hits
        .into_iter()
        .filter(|m| !generic(m.first))
        .map(|m| {
            let (kind, weight) = *m.value;
            let sentence = tokens[m.first].sentence;
            let own = m.first..m.first + m.len;
            let planned = planned_at.iter().any(|&(at, s)| {
                s == sentence
                    && !own.contains(&at)
                    && at + CUE_WINDOW >= m.first
                    && at <= m.first + m.len + CUE_WINDOW
            }) || planned_next_at.iter().any(|&(after, s)| {
                s == sentence && after <= m.first && m.first <= after + 2 * CUE_WINDOW
            });
            // «во время заседания», "during the talks" (the cue just before the trigger, an
            // adjective between allowed); «келіссөздер барысында» (the postposition after).
            let during = during_at.iter().any(|&(start, end)| {
                (end <= m.first && m.first <= end + 1) || start == m.first + m.len
            });
            Trigger {
                kind,
                weight,
                first: m.first,
                len: m.len,
                sentence,
                planned,
                during,
            }
        })
        .collect();
    TriggerScan {
        triggers: found,
        background,
        hypothetical,
        planned: sentences_of(&[Cue::Planned, Cue::Schedule]),
        past: sentences_of(&[Cue::Past]),
        attribution: sentences_of(&[Cue::Attribution]),
    }
}

/// Weight of a visit told by a verb of motion (as the generic arrival verbs in
/// `triggers.tsv`).
const ARRIVAL_WEIGHT: u32 = 3;
/// Tokens before a verb of motion searched for its destination.
const DESTINATION_WINDOW: usize = 8;

/// Visits told by a Kazakh verb of motion with a place in the dative before it in its
/// sentence («Қазақстанға келді», «Тяньцзинь қаласына барған»). `destinations` are the token
/// ranges (first, count) of country and place mentions; the dative word is the mention's
/// own last word or the common noun right after it (`қаласына`, `еліне`). A sentence that
/// names its visit by a trigger word («сапармен келді») has it already.
pub fn arrival_triggers(
    arrival_verbs: &HashMap<String, bool>,
    morph: &crate::text::Morphology,
    tokens: &[Token],
    destinations: &[(usize, usize)],
    found_so_far: &[Trigger],
) -> Vec<Trigger> {
    let mut found = Vec::new();
    for (at, verb) in tokens.iter().enumerate() {
        if at == 0 || verb.sentence_start {
            continue;
        }
        let Some(&ahead) = arrival_verbs.get(&verb.lower) else {
            continue;
        };
        if found_so_far
            .iter()
            .any(|t| t.sentence == verb.sentence && t.kind == EventKind::Visit)
        {
            continue;
        }
        // «айтып келеді» (has been saying): after a converb the verb is an aspect.
        if tokens[at - 1].lower.ends_with('п') {
            continue;
        }
        let from = at.saturating_sub(DESTINATION_WINDOW);
        let goes_to_place = (from..at).rev().any(|j| {
            let word = &tokens[j];
            word.sentence == verb.sentence
                && morph.is_kk_dative(&word.lower)
                && destinations.iter().any(|&(first, count)| {
                    let last = first + count - 1;
                    (first..=last).contains(&j) || last + 1 == j
                })
        });
        if goes_to_place {
            found.push(Trigger {
                kind: EventKind::Visit,
                weight: ARRIVAL_WEIGHT,
                first: at,
                len: 1,
                sentence: verb.sentence,
                planned: ahead,
                during: false,
            });
        }
    }
    found
}

/// Where the title and the lead are.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Sentences of the title (`..title_end`).
    pub title_end: usize,
    /// Sentences of the lead (`title_end..lead_end`).
    pub lead_end: usize,
}

/// The triggers that may be the report's own event: in the headline or the lead, outside
/// quotes and sentences that recall earlier news.
pub fn main_candidates<'a>(
    triggers: &'a [Trigger],
    tokens: &[Token],
    background: &HashSet<usize>,
    layout: Layout,
) -> Vec<&'a Trigger> {
    triggers
        .iter()
        .filter(|t| t.sentence < layout.lead_end)
        .filter(|t| !tokens[t.first].quoted && !background.contains(&t.sentence))
        .collect()
}

/// Picks the main event's trigger among the candidates ([`main_candidates`]) with their
/// features ([`super::main_event::features`]): the best score of the fitted model
/// ([`MainEventModel`]); on a tie the higher lexicon rank, then the earlier trigger. `None`
/// when there is no candidate.
pub fn main_trigger<'a>(
    model: &MainEventModel,
    candidates: &[(&'a Trigger, [f64; FEATURES])],
) -> Option<&'a Trigger> {
    candidates
        .iter()
        .map(|(t, features)| (model.score(features), *t))
        .max_by(|(a, x), (b, y)| {
            a.total_cmp(b)
                .then(x.weight.cmp(&y.weight))
                .then(y.first.cmp(&x.first))
        })
        .map(|(_, t)| t)
}

/// An `X: …` headline (`Тоқаев: Қазақстан …`) reports what X said.
pub fn headline_is_quote(title: &str) -> bool {
    let Some((speaker, rest)) = title.split_once(':') else {
        return false;
    };
    let words = speaker.split_whitespace().count();
    (1..=4).contains(&words) && !rest.trim().is_empty()
}

/// Status of a mentioned event from its trigger.
pub fn status_of(trigger: &Trigger) -> EventStatus {
    if trigger.planned {
        EventStatus::Planned
    } else {
        EventStatus::Happened
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Extractor;
    use crate::text::tokenize;

    fn kinds(text: &str) -> Vec<(EventKind, bool)> {
        let extractor = Extractor::new();
        let tokens = tokenize(text);
        let scan = find_triggers(
            &extractor.triggers,
            &extractor.cues,
            &extractor.kb.morph,
            &tokens,
        );
        scan.triggers
            .into_iter()
            .map(|t| (t.kind, t.planned))
            .collect()
    }

    #[test]
    fn triggers_in_three_languages() {
        assert_eq!(
            kinds("Тоқаев Путинмен кездесті"),
            [(EventKind::Meeting, false)]
        );
        assert_eq!(
            kinds("провели телефонный разговор"),
            [(EventKind::PhoneCall, false)]
        );
        assert_eq!(kinds("Tokayev held talks"), [(EventKind::Meeting, false)]);
        assert_eq!(
            kinds("«Turkistan» газетіне сұхбат берді"),
            [(EventKind::Interview, false)]
        );
    }

    #[test]
    fn planned_cues_mark_nearby_triggers() {
        assert_eq!(
            kinds("В конце года состоятся мои визиты в Россию"),
            [(EventKind::Visit, true)]
        );
        assert_eq!(
            kinds("Мемлекет басшысы Ташкентке сапармен барады"),
            [(EventKind::Visit, true)]
        );
        assert_eq!(
            kinds("The president will visit Baku"),
            [(EventKind::Visit, true)]
        );
        assert_eq!(
            kinds("The president visited Baku"),
            [(EventKind::Visit, false)]
        );
        // "To hold" talks: agreed or planned, not held yet.
        for text in [
            "Стороны договорились провести переговоры в Алматы",
            "Тараптар келіссөздерді Алматыда өткізуге келісті",
            "The sides agreed to hold talks in Almaty",
        ] {
            assert!(
                kinds(text).iter().all(|(_, planned)| *planned) && !kinds(text).is_empty(),
                "{text}: {:?}",
                kinds(text)
            );
        }
        assert_eq!(
            kinds("Стороны провели переговоры в Алматы"),
            [(EventKind::Meeting, false)]
        );
    }

    #[test]
    fn words_that_are_not_triggers() {
        assert!(kinds("Погода в Астане хорошая").is_empty());
        assert!(kinds("Экономика өсті").is_empty());
    }

    #[test]
    fn announced_visits_in_a_title_are_planned() {
        assert_eq!(
            kinds("Президент анонсировал визиты в Россию и Узбекистан"),
            [(EventKind::Statement, false), (EventKind::Visit, true)]
        );
    }

    #[test]
    fn headline_quotes() {
        assert!(headline_is_quote("Тоқаев: Қазақстан делдал емес"));
        assert!(!headline_is_quote("Tokayev met with Putin"));
    }
}
