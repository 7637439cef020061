//! The shared vocabulary of every stage: ids, languages, kinds, dates with precision.
//!
//! Pure data types only; nothing here does I/O or knows about GraphQL, SQL or petgraph.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Stable id of an article: the first 16 hex digits of the SHA-256 of its source-independent
/// content (title, date line and body), so the same text ingested twice gets the same id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ArticleId(pub String);

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Language of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Language {
    /// Kazakh.
    Kk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl Language {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Kk => "kk",
            Language::Ru => "ru",
            Language::En => "en",
        }
    }

    /// Parses an ISO 639-1 code, case-insensitively.
    pub fn from_code(code: &str) -> Option<Language> {
        match code.trim().to_ascii_lowercase().as_str() {
            "kk" | "kaz" => Some(Language::Kk),
            "ru" | "rus" => Some(Language::Ru),
            "en" | "eng" => Some(Language::En),
            _ => None,
        }
    }
}

/// What kind of event an event node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    /// An interview given to a media outlet.
    Interview,
    /// A statement, comment or announcement.
    Statement,
    /// A meeting or talks.
    Meeting,
    /// A summit, session or forum of several states.
    Summit,
    /// A state, official or working visit.
    Visit,
    /// An address to the nation.
    Address,
    /// A speech at an event.
    Speech,
    /// A telephone conversation.
    PhoneCall,
    /// A signed agreement or document.
    Agreement,
    /// Anything else.
    Other,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 10] = [
        EventKind::Interview,
        EventKind::Statement,
        EventKind::Meeting,
        EventKind::Summit,
        EventKind::Visit,
        EventKind::Address,
        EventKind::Speech,
        EventKind::PhoneCall,
        EventKind::Agreement,
        EventKind::Other,
    ];

    /// Upper-case name as used in data files and the API.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Interview => "INTERVIEW",
            EventKind::Statement => "STATEMENT",
            EventKind::Meeting => "MEETING",
            EventKind::Summit => "SUMMIT",
            EventKind::Visit => "VISIT",
            EventKind::Address => "ADDRESS",
            EventKind::Speech => "SPEECH",
            EventKind::PhoneCall => "PHONE_CALL",
            EventKind::Agreement => "AGREEMENT",
            EventKind::Other => "OTHER",
        }
    }

    /// Parses an upper-case name.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// What kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityKind {
    /// A person.
    Person,
    /// A country.
    Country,
    /// An organisation, state body or media outlet.
    Organization,
    /// A recurring summit or forum format.
    Summit,
    /// A city, region or venue.
    Place,
}

impl EntityKind {
    /// Upper-case name as used in data files and the API.
    pub fn name(self) -> &'static str {
        match self {
            EntityKind::Person => "PERSON",
            EntityKind::Country => "COUNTRY",
            EntityKind::Organization => "ORGANIZATION",
            EntityKind::Summit => "SUMMIT",
            EntityKind::Place => "PLACE",
        }
    }

    /// Parses an upper-case name.
    pub fn from_name(name: &str) -> Option<EntityKind> {
        [
            EntityKind::Person,
            EntityKind::Country,
            EntityKind::Organization,
            EntityKind::Summit,
            EntityKind::Place,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DatePrecision {
    /// The exact day.
    Day,
    /// The month; the date is its first day.
    Month,
    /// The year; the date is 1 January.
    Year,
    /// Nothing is known.
    Unknown,
}

impl DatePrecision {
    /// Upper-case name as used in the API and exports.
    pub fn name(self) -> &'static str {
        match self {
            DatePrecision::Day => "DAY",
            DatePrecision::Month => "MONTH",
            DatePrecision::Year => "YEAR",
            DatePrecision::Unknown => "UNKNOWN",
        }
    }

    /// How much is known: UNKNOWN 0 < YEAR 1 < MONTH 2 < DAY 3.
    pub fn rank(self) -> u8 {
        match self {
            DatePrecision::Day => 3,
            DatePrecision::Month => 2,
            DatePrecision::Year => 1,
            DatePrecision::Unknown => 0,
        }
    }
}

/// Whether an event had happened when the article was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventStatus {
    /// It took place.
    Happened,
    /// It was planned or announced.
    Planned,
}

impl EventStatus {
    /// Upper-case name as used in the API and exports.
    pub fn name(self) -> &'static str {
        match self {
            EventStatus::Happened => "HAPPENED",
            EventStatus::Planned => "PLANNED",
        }
    }
}

/// A date known to some precision, possibly a range (`11–12 November`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateSpan {
    /// First day (the first day of the month or year for coarser precisions).
    pub start: Option<NaiveDate>,
    /// Last day of a range at DAY precision.
    pub end: Option<NaiveDate>,
    /// How much of `start` is real.
    pub precision: DatePrecision,
}

impl DateSpan {
    /// No date at all.
    pub const UNKNOWN: DateSpan = DateSpan {
        start: None,
        end: None,
        precision: DatePrecision::Unknown,
    };

    /// A single day.
    pub fn day(date: NaiveDate) -> DateSpan {
        DateSpan {
            start: Some(date),
            end: None,
            precision: DatePrecision::Day,
        }
    }

    /// A month, given by any of its days.
    pub fn month(year: i32, month: u32) -> DateSpan {
        DateSpan {
            start: NaiveDate::from_ymd_opt(year, month, 1),
            end: None,
            precision: DatePrecision::Month,
        }
    }

    /// A year.
    pub fn year(year: i32) -> DateSpan {
        DateSpan {
            start: NaiveDate::from_ymd_opt(year, 1, 1),
            end: None,
            precision: DatePrecision::Year,
        }
    }

    /// The last day the span can cover, honouring its precision.
    pub fn last_day(&self) -> Option<NaiveDate> {
        let start = self.start?;
        Some(match self.precision {
            DatePrecision::Day => self.end.unwrap_or(start),
            DatePrecision::Month => {
                let (y, m) = if start.month() == 12 {
                    (start.year() + 1, 1)
                } else {
                    (start.year(), start.month() + 1)
                };
                NaiveDate::from_ymd_opt(y, m, 1)
                    .and_then(|d| d.pred_opt())
                    .unwrap_or(start)
            }
            DatePrecision::Year => NaiveDate::from_ymd_opt(start.year(), 12, 31).unwrap_or(start),
            DatePrecision::Unknown => start,
        })
    }

    /// True when the two spans can describe the same day, within `slack_days` at DAY precision.
    pub fn compatible(&self, other: &DateSpan, slack_days: i64) -> bool {
        match (self.start, other.start) {
            (Some(_), Some(_)) => {
                let (Some(a_end), Some(b_end)) = (self.last_day(), other.last_day()) else {
                    return false;
                };
                let (Some(a_start), Some(b_start)) = (self.start, other.start) else {
                    return false;
                };
                let gap_ab = (b_start - a_end).num_days();
                let gap_ba = (a_start - b_end).num_days();
                gap_ab <= slack_days && gap_ba <= slack_days
            }
            _ => true,
        }
    }
}

/// A day and month without a year (`14 ноября` in an undated article), kept so that an
/// undated report can still join the dated event it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MonthDay {
    /// Month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day: u32,
}

/// How two event kinds relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindRelation {
    /// The same kind.
    Same,
    /// One occasion told differently.
    Occasion,
    /// Possibly one occasion; only with agreeing dates.
    Weak,
    /// Never one event.
    Unrelated,
}

/// The relation of two event kinds.
pub fn kind_relation(a: EventKind, b: EventKind) -> KindRelation {
    use EventKind::*;
    if a == b {
        return KindRelation::Same;
    }
    let pair = |x: EventKind, y: EventKind| (a == x && b == y) || (a == y && b == x);
    // Talks in person or by phone: the medium of a conversation is often unsaid.
    let talks = |k: EventKind| matches!(k, Meeting | Visit | Agreement | PhoneCall);
    let gathering = |k: EventKind| matches!(k, Summit | Speech | Address);
    let in_person = |k: EventKind| matches!(k, Meeting | Visit | Agreement);
    if pair(PhoneCall, Visit) || pair(PhoneCall, Agreement) {
        return KindRelation::Unrelated;
    }
    if (talks(a) && talks(b)) || (gathering(a) && gathering(b)) || pair(Interview, Statement) {
        return KindRelation::Occasion;
    }
    if matches!(a, Statement | Other) || matches!(b, Statement | Other) {
        let other = if matches!(a, Statement | Other) { b } else { a };
        return if other == Interview {
            KindRelation::Unrelated
        } else {
            KindRelation::Weak
        };
    }
    if pair(Visit, Summit) || pair(Visit, Speech) || pair(Agreement, Summit) {
        return KindRelation::Weak;
    }
    if in_person(a) && in_person(b) {
        return KindRelation::Occasion;
    }
    KindRelation::Unrelated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn month_span_covers_its_days_only() {
        let september = DateSpan::month(2025, 9);
        assert_eq!(september.last_day(), Some(date(2025, 9, 30)));
        assert!(september.compatible(&DateSpan::day(date(2025, 9, 23)), 0));
        assert!(!september.compatible(&DateSpan::day(date(2025, 10, 2)), 0));
    }

    #[test]
    fn day_spans_respect_slack() {
        let a = DateSpan::day(date(2025, 9, 23));
        assert!(a.compatible(&DateSpan::day(date(2025, 9, 24)), 1));
        assert!(!a.compatible(&DateSpan::day(date(2025, 9, 26)), 1));
        assert!(a.compatible(&DateSpan::UNKNOWN, 0));
    }

    #[test]
    fn names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(Language::from_code("KK"), Some(Language::Kk));
        assert_eq!(Language::from_code("de"), None);
    }
}
