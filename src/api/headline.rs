//! Templated event headlines in Kazakh, Russian and English, built from an event's facts
//! and the knowledge base's names: `Summit: Tokayev, Putin — Dushanbe · 9 October 2025`,
//! `Саммит: Токаев, Путин — Душанбе · 09.10.2025`. The source's own title stays in `title`.
//!
//! The template joins nominative words with punctuation, so no name is ever inflected
//! (Russian and Kazakh would need a case ending after a preposition); the words come from
//! `kb/lexicon/headline_words.tsv`.

use crate::graph::{EventIx, Graph};
use crate::model::{DatePrecision, EntityKind, EventStatus, Language};
use chrono::Datelike;
use std::collections::HashMap;
use std::sync::OnceLock;

const WORDS: &str = include_str!("../../kb/lexicon/headline_words.tsv");

/// The headline word table: key → [en, ru, kk].
fn words() -> &'static HashMap<&'static str, [&'static str; 3]> {
    static TABLE: OnceLock<HashMap<&'static str, [&'static str; 3]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        WORDS
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                match cols.as_slice() {
                    [key, en, ru, kk] => Some((*key, [*en, *ru, *kk])),
                    _ => None,
                }
            })
            .collect()
    })
}

fn word(key: &str, language: Language) -> &'static str {
    let column = match language {
        Language::En => 0,
        Language::Ru => 1,
        Language::Kk => 2,
    };
    words().get(key).map_or("", |w| w[column])
}

/// A person's short name in `language`: the surname (the last word of the display name).
fn short_name(full: &str) -> &str {
    full.rsplit(' ').next().unwrap_or(full)
}

/// The event's date at its precision, in `language`, with nominative month names only.
fn date_text(graph: &Graph, event: EventIx, language: Language) -> Option<String> {
    let date = &graph.event(event).date;
    let start = date.start?;
    let year = start.year().to_string();
    let month = word(&format!("month.{}", start.month()), language);
    Some(match date.precision {
        DatePrecision::Unknown => return None,
        DatePrecision::Year => word("year", language).replace("{y}", &year),
        DatePrecision::Month => word("month_year", language)
            .replace("{month}", month)
            .replace("{y}", &year),
        DatePrecision::Day => match language {
            Language::En => format!("{} {month} {year}", start.day()),
            // Russian and Kazakh day dates without a genitive month: 09.10.2025.
            Language::Ru | Language::Kk => start.format("%d.%m.%Y").to_string(),
        },
    })
}

/// The headline of an event in `language`: kind, up to two participants, where (a place,
/// else up to two countries), when, and "planned" for a planned event.
pub fn headline(graph: &Graph, event: EventIx, language: Language) -> String {
    let record = graph.event(event);
    let named = |kind: EntityKind| -> Vec<&str> {
        record
            .entities
            .iter()
            .filter(|&&e| {
                let entity = graph.entity(e);
                entity.kind == kind && !entity.source && !entity.region
            })
            .map(|&e| graph.entity_name_in(e, language))
            .collect()
    };
    let mut text = word(&format!("kind.{}", record.kind.name()), language).to_string();
    let people: Vec<&str> = named(EntityKind::Person)
        .into_iter()
        .take(2)
        .map(short_name)
        .collect();
    if !people.is_empty() {
        text.push_str(": ");
        text.push_str(&people.join(", "));
    }
    let places = named(EntityKind::Place);
    let countries = named(EntityKind::Country);
    let place = match places.first() {
        Some(place) => Some(place.to_string()),
        None if !countries.is_empty() => {
            Some(countries.into_iter().take(2).collect::<Vec<_>>().join(", "))
        }
        None => None,
    };
    if let Some(place) = place {
        text.push_str(" — ");
        text.push_str(&place);
    }
    if let Some(date) = date_text(graph, event, language) {
        text.push_str(" · ");
        text.push_str(&date);
    }
    if record.status == EventStatus::Planned {
        text.push_str(" (");
        text.push_str(word("planned", language));
        text.push(')');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_has_three_languages() {
        let table = words();
        for kind in crate::model::EventKind::ALL {
            let w = table
                .get(format!("kind.{}", kind.name()).as_str())
                .unwrap_or_else(|| panic!("no words for {kind:?}"));
            assert!(w.iter().all(|x| !x.is_empty()));
        }
        for m in 1..=12 {
            assert!(table.contains_key(format!("month.{m}").as_str()));
        }
        for key in ["year", "month_year", "planned"] {
            assert!(table.contains_key(key), "{key}");
        }
    }
}
