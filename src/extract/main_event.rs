//! The main-event choice as a fitted linear model over the cues of each candidate trigger.
//!
//! A news report names its own event in the headline or the lead, but those sentences also
//! name the occasion around it (the visit during which talks were held), what was announced
//! (a planned visit) and what was said (speech verbs). Which trigger is the report's own event
//! is decided by many cues at once — the trigger's kind and lexicon rank, whether it is in the
//! headline, whether it names a reporting act (an interview, a call), whether a future cue or
//! "during" stands next to it — so the choice is a weighted sum of those cues, and the
//! weights are fitted on the development set (`scripts/fit_main_event.py`, a conditional
//! logit over each article's candidates) and shipped in `kb/main_event_weights.tsv`.
//!
//! `EVENTGRAPH_MAIN_EVENT_WEIGHTS=FILE` replaces the shipped weights in a process: the fitting
//! script uses it to score each part with weights fitted without that part.

use super::events::{Layout, Trigger};
use crate::model::EventKind;
use std::collections::HashSet;

const SHIPPED: &str = include_str!("../../kb/main_event_weights.tsv");

/// The environment variable naming a weights file to use instead of the shipped one.
pub const WEIGHTS_VAR: &str = "EVENTGRAPH_MAIN_EVENT_WEIGHTS";

const KINDS: usize = EventKind::ALL.len();
/// Scalar features after the per-kind ones, in feature order.
const SCALAR_NAMES: [&str; 10] = [
    "lexicon_rank",
    "in_headline",
    "in_lead",
    "headline_speech_verb",
    "reporting_act",
    "planned",
    "during",
    "lead_position",
    "attributed_sentence",
    "first_of_its_kind",
];
/// Features: kind, kind in the headline, then the scalars.
pub const FEATURES: usize = 2 * KINDS + SCALAR_NAMES.len();

fn kind_index(kind: EventKind) -> usize {
    EventKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// The name of feature `i` (as in the weights file).
pub fn feature_name(i: usize) -> String {
    if i < KINDS {
        format!("kind={}", EventKind::ALL[i].name())
    } else if i < 2 * KINDS {
        format!("headline_kind={}", EventKind::ALL[i - KINDS].name())
    } else {
        SCALAR_NAMES[i - 2 * KINDS].to_string()
    }
}

/// What the model sees of the article around its candidates.
pub struct Context<'a> {
    /// Where the headline and the lead are.
    pub layout: Layout,
    /// Sentences that attribute the news to a source.
    pub attribution: &'a HashSet<usize>,
}

/// Statement triggers at or below this lexicon rank are speech verbs ("said", «отметил»).
const SPEECH_VERB_RANK: u32 = 2;

/// The features of one candidate trigger.
pub fn features(trigger: &Trigger, all: &[&Trigger], context: &Context<'_>) -> [f64; FEATURES] {
    let mut f = [0.0; FEATURES];
    let kind = kind_index(trigger.kind);
    let in_headline = trigger.sentence < context.layout.title_end;
    f[kind] = 1.0;
    if in_headline {
        f[KINDS + kind] = 1.0;
    }
    let s = 2 * KINDS;
    f[s] = f64::from(trigger.weight);
    f[s + 1] = f64::from(u8::from(in_headline));
    f[s + 2] = f64::from(u8::from(!in_headline));
    f[s + 3] = f64::from(u8::from(
        in_headline && trigger.kind == EventKind::Statement && trigger.weight <= SPEECH_VERB_RANK,
    ));
    f[s + 4] = f64::from(u8::from(
        matches!(trigger.kind, EventKind::Interview | EventKind::PhoneCall) && !trigger.planned,
    ));
    f[s + 5] = f64::from(u8::from(trigger.planned));
    f[s + 6] = f64::from(u8::from(trigger.during));
    f[s + 7] = if in_headline {
        0.0
    } else {
        (trigger.sentence - context.layout.title_end + 1) as f64
    };
    f[s + 8] = f64::from(u8::from(context.attribution.contains(&trigger.sentence)));
    f[s + 9] = f64::from(u8::from(
        all.iter()
            .find(|t| t.kind == trigger.kind)
            .is_some_and(|t| t.first == trigger.first),
    ));
    f
}

/// Fitted weights, one per feature.
#[derive(Debug, Clone)]
pub struct MainEventModel {
    weights: [f64; FEATURES],
}

/// A weights file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// A line is not `name <TAB> number`.
    #[error("line {line}: expected `feature<TAB>weight`")]
    Malformed {
        /// 1-based line.
        line: usize,
    },
    /// A name that is no feature.
    #[error("line {line}: unknown feature {name:?}")]
    UnknownFeature {
        /// 1-based line.
        line: usize,
        /// The name.
        name: String,
    },
}

impl MainEventModel {
    /// Parses `feature <TAB> weight` lines (`#` comments); features not listed weigh 0.
    ///
    /// # Errors
    /// A malformed line or an unknown feature name.
    pub fn parse(text: &str) -> Result<MainEventModel, WeightsError> {
        let names: Vec<String> = (0..FEATURES).map(feature_name).collect();
        let mut weights = [0.0; FEATURES];
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let (name, value) = line
                .split_once('\t')
                .ok_or(WeightsError::Malformed { line: n + 1 })?;
            let value: f64 = value
                .trim()
                .parse()
                .map_err(|_| WeightsError::Malformed { line: n + 1 })?;
            let i = names.iter().position(|x| x == name.trim()).ok_or_else(|| {
                WeightsError::UnknownFeature {
                    line: n + 1,
                    name: name.to_string(),
                }
            })?;
            weights[i] = value;
        }
        Ok(MainEventModel { weights })
    }

    /// The shipped weights, or those of `EVENTGRAPH_MAIN_EVENT_WEIGHTS` when set (a file
    /// that cannot be read is logged and the shipped weights are used).
    pub fn load() -> MainEventModel {
        let shipped = || {
            MainEventModel::parse(SHIPPED).unwrap_or(MainEventModel {
                weights: [0.0; FEATURES],
            })
        };
        let Ok(path) = std::env::var(WEIGHTS_VAR) else {
            return shipped();
        };
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| MainEventModel::parse(&text).map_err(|e| e.to_string()))
        {
            Ok(model) => {
                tracing::warn!(%path, "{WEIGHTS_VAR}: main-event weights replaced (measurement)");
                model
            }
            Err(error) => {
                tracing::error!(%path, %error, "{WEIGHTS_VAR}: unreadable, shipped weights used");
                shipped()
            }
        }
    }

    /// The score of a candidate with these features.
    pub fn score(&self, features: &[f64; FEATURES]) -> f64 {
        self.weights.iter().zip(features).map(|(w, f)| w * f).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_weights_parse_and_name_known_features() {
        MainEventModel::parse(SHIPPED).expect("kb/main_event_weights.tsv");
        assert!(matches!(
            MainEventModel::parse("nonsense\t1.0"),
            Err(WeightsError::UnknownFeature { line: 1, .. })
        ));
        assert!(matches!(
            MainEventModel::parse("in_headline 1.0"),
            Err(WeightsError::Malformed { line: 1 })
        ));
        let names: HashSet<String> = (0..FEATURES).map(feature_name).collect();
        assert_eq!(names.len(), FEATURES, "feature names are distinct");
    }
}
