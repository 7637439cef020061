//! Named rules that can be switched off one at a time, to measure what each contributes.
//!
//! Every rule of extraction and same-event resolution that encodes a linguistic or
//! editorial judgement has a [`Rule`] name. `EVENTGRAPH_ABLATE=rule,rule` (read once, at the
//! first check) turns the named rules off in that process; `scripts/ablate.sh` runs the
//! development set's parts with each rule off in turn and prints what the rule is worth per
//! part. A rule that helps one part and costs the others was written for its articles.
//!
//! With the variable unset (production), every rule is on and a check is one atomic load.

use std::sync::OnceLock;

/// The rules that can be switched off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Rule {
    /// An `X: …` headline reports a statement.
    HeadlineQuote,
    /// A planned headline attributed in the lead reports the announcement.
    AttributedAnnouncement,
    /// Kazakh verbs of motion towards a place tell a visit.
    ArrivalVisits,
    /// A trigger word inside a summit's name names that summit.
    TriggerInSummitName,
    /// People and summits narrated later in the body take part in the main event.
    BodyParticipants,
    /// A past, undated mention of the report's own occasion is not a second event.
    RetoldMentions,
    /// A planned event listed with the report's occasion takes place at it.
    PlannedAtOccasion,
    /// A report held during a visit also mentions that visit.
    FramingVisit,
    /// Same-event: both name where the event was held and share no place.
    PlaceConflict,
    /// Same-event: each side names a rare person of its own.
    CounterpartConflict,
    /// Same-event: both name summits and share none.
    SummitConflict,
}

impl Rule {
    /// Every rule, in declaration order.
    pub const ALL: [Rule; 11] = [
        Rule::HeadlineQuote,
        Rule::AttributedAnnouncement,
        Rule::ArrivalVisits,
        Rule::TriggerInSummitName,
        Rule::BodyParticipants,
        Rule::RetoldMentions,
        Rule::PlannedAtOccasion,
        Rule::FramingVisit,
        Rule::PlaceConflict,
        Rule::CounterpartConflict,
        Rule::SummitConflict,
    ];

    /// The rule's name in `EVENTGRAPH_ABLATE` (snake case).
    pub fn name(self) -> &'static str {
        match self {
            Rule::HeadlineQuote => "headline_quote",
            Rule::AttributedAnnouncement => "attributed_announcement",
            Rule::ArrivalVisits => "arrival_visits",
            Rule::TriggerInSummitName => "trigger_in_summit_name",
            Rule::BodyParticipants => "body_participants",
            Rule::RetoldMentions => "retold_mentions",
            Rule::PlannedAtOccasion => "planned_at_occasion",
            Rule::FramingVisit => "framing_visit",
            Rule::PlaceConflict => "place_conflict",
            Rule::CounterpartConflict => "counterpart_conflict",
            Rule::SummitConflict => "summit_conflict",
        }
    }

    /// True unless `EVENTGRAPH_ABLATE` switched the rule off.
    pub fn on(self) -> bool {
        switched_off() & (1 << self as u8) == 0
    }
}

/// The environment variable that names the rules to switch off.
pub const ABLATE_VAR: &str = "EVENTGRAPH_ABLATE";

/// The rules named in `value` (comma-separated) as a bit set, and the names not known.
pub fn parse(value: &str) -> (u32, Vec<String>) {
    let mut bits = 0;
    let mut unknown = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match Rule::ALL.iter().find(|r| r.name() == name) {
            Some(rule) => bits |= 1 << *rule as u8,
            None => unknown.push(name.to_string()),
        }
    }
    (bits, unknown)
}

fn switched_off() -> u32 {
    static OFF: OnceLock<u32> = OnceLock::new();
    *OFF.get_or_init(|| {
        let Ok(value) = std::env::var(ABLATE_VAR) else {
            return 0;
        };
        let (bits, unknown) = parse(&value);
        if !unknown.is_empty() {
            tracing::warn!(?unknown, "{ABLATE_VAR}: unknown rule names ignored");
        }
        if bits != 0 {
            tracing::warn!(%value, "{ABLATE_VAR}: rules switched off (measurement only)");
        }
        bits
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_unknown_ones_are_reported() {
        for rule in Rule::ALL {
            assert_eq!(parse(rule.name()).0, 1 << rule as u8);
        }
        let (bits, unknown) = parse("headline_quote, nonsense,place_conflict");
        assert_eq!(
            bits,
            (1 << Rule::HeadlineQuote as u8) | (1 << Rule::PlaceConflict as u8)
        );
        assert_eq!(unknown, ["nonsense"]);
        assert!(Rule::ALL.len() <= 32);
    }
}
