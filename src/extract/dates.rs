//! Date expressions in kk / ru / en: absolute (`2025 жылғы 23 қыркүйекте`, `11–12 ноября`,
//! `July 4, 2024`, `23.09.2025`, `в сентябре`, `2025 жылы`) and relative (`бүгін`, `вчера`,
//! `былтыр`, `в ушедшем году`, `үш жыл бұрын`, `last year`), each with its precision.
//!
//! Pure: tokens and an optional anchor (the article's date) in, mentions out. Relative
//! phrases stay unresolved without an anchor: a date is never invented.

use crate::model::{DatePrecision, DateSpan, MonthDay};
use crate::text::phrases::PhraseSet;
use crate::text::{Morphology, Token, fold};
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::HashMap;

const MONTHS: &str = include_str!("../../kb/lexicon/months.tsv");
const RELATIVE: &str = include_str!("../../kb/lexicon/relative_dates.tsv");
const NUMBERS: &str = include_str!("../../kb/lexicon/numbers.tsv");

/// Month words that are also common words (cauldron, a holiday, a modal verb, given names):
/// they count as months only next to a number or a year.
const AMBIGUOUS_MONTHS: [&str; 6] = ["қазан", "наурыз", "мамыр", "шілде", "may", "mar"];

/// Case forms of Kazakh «ай» (month) that follow a month name: «қыркүйек айы», «айында»,
/// «айының», «айынан», «айына», «айдың».
const KAZAKH_MONTH_NOUN: [&str; 7] = ["ай", "айы", "айында", "айының", "айынан", "айына", "айдың"];

/// One date expression found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct DateMention {
    /// First token.
    pub first: usize,
    /// Number of tokens.
    pub len: usize,
    /// The resolved date (UNKNOWN when it needs an anchor that is missing).
    pub span: DateSpan,
    /// Day and month when the text gives no year.
    pub month_day: Option<MonthDay>,
    /// The year came from the text, not from the anchor.
    pub year_explicit: bool,
    /// A relative phrase (`кеше`, `last year`).
    pub relative: bool,
    /// The phrase names the article's own day (`бүгін`, `сегодня`, `today`).
    pub today: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Day,
    Year,
}

/// Month names, relative phrases and number words.
#[derive(Debug, Clone)]
pub struct DateLexicon {
    months: PhraseSet<u32>,
    relative: PhraseSet<(Unit, i64)>,
    numbers: HashMap<String, i64>,
    nominatives: std::collections::HashSet<String>,
}

fn rows(source: &str) -> impl Iterator<Item = Vec<&str>> {
    source
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::trim).collect())
}

impl DateLexicon {
    /// Loads the embedded month, relative-date and number tables.
    pub fn load() -> DateLexicon {
        let mut months = Vec::new();
        let mut nominatives = std::collections::HashSet::new();
        for cols in rows(MONTHS) {
            let Some(Ok(number)) = cols.first().map(|n| n.parse::<u32>()) else {
                continue;
            };
            for name in &cols[1..] {
                if !name.ends_with('*') {
                    nominatives.insert(fold(name));
                }
                months.push((vec![fold(name)], number));
            }
        }
        let relative = rows(RELATIVE)
            .filter_map(|cols| {
                let words = fold(cols.first()?)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                let unit = if *cols.get(1)? == "day" {
                    Unit::Day
                } else {
                    Unit::Year
                };
                Some((words, (unit, cols.get(2)?.parse().ok()?)))
            })
            .collect();
        let mut numbers = HashMap::new();
        for cols in rows(NUMBERS) {
            let Some(Ok(value)) = cols.first().map(|n| n.parse::<i64>()) else {
                continue;
            };
            for word in &cols[1..] {
                numbers.insert(fold(word), value);
            }
        }
        DateLexicon {
            months: PhraseSet::new(months),
            relative: PhraseSet::new(relative),
            numbers,
            nominatives,
        }
    }

    fn month_at(&self, morph: &Morphology, tokens: &[Token], at: usize) -> Option<u32> {
        self.months
            .matches_at(morph, tokens, at)
            .first()
            .map(|m| *m.value)
    }
}

fn number(token: &Token) -> Option<u32> {
    if token.numeric && token.lower.len() <= 4 {
        token.lower.parse().ok()
    } else {
        None
    }
}

fn day_number(token: &Token) -> Option<u32> {
    number(token).filter(|d| (1..=31).contains(d))
}

fn year_number(token: &Token) -> Option<i32> {
    number(token)
        .filter(|y| (1900..=2100).contains(y) && token.lower.len() == 4)
        .map(|y| y as i32)
}

fn is_year_word(token: &Token) -> bool {
    let w = token.lower.as_str();
    w.starts_with("жыл") || w.starts_with("год") || w == "г" || w == "ж"
}

/// Year for a day/month without one: the anchor's year, or the previous year when that
/// would put the date more than three months after the article.
fn infer_year(anchor: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    let same_year = NaiveDate::from_ymd_opt(anchor.year(), month, day)?;
    if same_year > anchor + Duration::days(92) {
        NaiveDate::from_ymd_opt(anchor.year() - 1, month, day)
    } else {
        Some(same_year)
    }
}

/// Splits `23-қыркүйекте` into its day and the month word's token-like remainder.
fn hyphenated_day(token: &Token) -> Option<(u32, String)> {
    let (digits, rest) = token.lower.split_once('-')?;
    let day: u32 = digits.parse().ok()?;
    (1..=31).contains(&day).then(|| (day, rest.to_string()))
}

/// Finds every date expression. `anchor` is the article's date, when it has one.
pub fn find_dates(
    lexicon: &DateLexicon,
    morph: &Morphology,
    tokens: &[Token],
    text: &str,
    anchor: Option<NaiveDate>,
) -> Vec<DateMention> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        match date_at(lexicon, morph, tokens, text, anchor, at) {
            Some(mention) => {
                at += mention.len.max(1);
                out.push(mention);
            }
            None => at += 1,
        }
    }
    out
}

fn day_month(
    anchor: Option<NaiveDate>,
    year: Option<i32>,
    month: u32,
    day: u32,
    end_day: Option<u32>,
) -> (DateSpan, Option<MonthDay>) {
    let month_day = Some(MonthDay { month, day });
    let start = match (year, anchor) {
        (Some(y), _) => NaiveDate::from_ymd_opt(y, month, day),
        (None, Some(a)) => infer_year(a, month, day),
        (None, None) => None,
    };
    let Some(start) = start else {
        return (DateSpan::UNKNOWN, month_day);
    };
    let end = end_day.and_then(|d| NaiveDate::from_ymd_opt(start.year(), month, d));
    (
        DateSpan {
            start: Some(start),
            end: end.filter(|e| *e > start),
            precision: DatePrecision::Day,
        },
        month_day,
    )
}

fn mention(first: usize, len: usize, span: DateSpan) -> DateMention {
    DateMention {
        first,
        len,
        span,
        month_day: None,
        year_explicit: false,
        relative: false,
        today: false,
    }
}

fn date_at(
    lexicon: &DateLexicon,
    morph: &Morphology,
    tokens: &[Token],
    text: &str,
    anchor: Option<NaiveDate>,
    at: usize,
) -> Option<DateMention> {
    let token = &tokens[at];
    let next = |k: usize| tokens.get(at + k).filter(|t| t.sentence == token.sentence);

    // Relative phrases.
    if let Some(found) = lexicon.relative.matches_at(morph, tokens, at).first() {
        let (unit, offset) = *found.value;
        let span = match (anchor, unit) {
            (Some(a), Unit::Day) => DateSpan::day(a + Duration::days(offset)),
            (Some(a), Unit::Year) => DateSpan::year(a.year() + offset as i32),
            (None, _) => DateSpan::UNKNOWN,
        };
        let mut m = mention(at, found.len, span);
        m.relative = true;
        m.today = unit == Unit::Day && offset == 0;
        return Some(m);
    }

    // "N жыл бұрын", "N года назад", "N years ago".
    let count = number(token)
        .map(i64::from)
        .or_else(|| lexicon.numbers.get(&token.lower).copied());
    if let (Some(n), Some(unit), Some(ago)) = (count, next(1), next(2))
        && (unit.lower.starts_with("жыл")
            || unit.lower.starts_with("год")
            || unit.lower == "лет"
            || unit.lower.starts_with("year"))
        && matches!(ago.lower.as_str(), "бұрын" | "назад" | "ago")
    {
        let span = anchor.map_or(DateSpan::UNKNOWN, |a| DateSpan::year(a.year() - n as i32));
        let mut m = mention(at, 3, span);
        m.relative = true;
        return Some(m);
    }

    // DD.MM.YYYY
    if let (Some(d), Some(mo), Some(y)) = (day_number(token), next(1), next(2))
        && let (Some(month), Some(year)) =
            (number(mo).filter(|m| (1..=12).contains(m)), year_number(y))
        && text.get(token.end..mo.start) == Some(".")
        && text.get(mo.end..y.start) == Some(".")
    {
        let (span, month_day) = day_month(None, Some(year), month, d, None);
        let mut m = mention(at, 3, span);
        m.month_day = month_day;
        m.year_explicit = true;
        return Some(m);
    }

    // Y жылғы D(-D2) M / Y жылдың M / Y жылы
    if let Some(year) = year_number(token) {
        if next(1).is_some_and(is_year_word) {
            if let (Some(d), Some(_)) = (next(2).and_then(day_number), next(3)) {
                let (end_day, month_at) = match next(3).and_then(day_number) {
                    Some(d2) => (Some(d2), 4),
                    None => (None, 3),
                };
                if let Some(month) = lexicon.month_at(morph, tokens, at + month_at) {
                    let (span, month_day) = day_month(None, Some(year), month, d, end_day);
                    let mut m = mention(at, month_at + 1, span);
                    m.month_day = month_day;
                    m.year_explicit = true;
                    return Some(m);
                }
            }
            if let Some(month) = lexicon.month_at(morph, tokens, at + 2) {
                let mut m = mention(at, 3, DateSpan::month(year, month));
                m.year_explicit = true;
                return Some(m);
            }
            let mut m = mention(at, 2, DateSpan::year(year));
            m.year_explicit = true;
            return Some(m);
        }
        let preceded_by_in = at > 0
            && matches!(
                tokens[at - 1].lower.as_str(),
                "in" | "в" | "во" | "since" | "с"
            );
        if preceded_by_in {
            let mut m = mention(at, 1, DateSpan::year(year));
            m.year_explicit = true;
            return Some(m);
        }
        return None;
    }

    // D(-D2) M (Y) and 23-қыркүйекте.
    let (day, month, mut len, end_day) = if let Some(d) = day_number(token) {
        let (end_day, month_offset) = match next(1).and_then(day_number) {
            Some(d2) if d2 > d => (Some(d2), 2),
            _ => (None, 1),
        };
        match lexicon.month_at(morph, tokens, at + month_offset) {
            Some(month) => (Some(d), Some(month), month_offset + 1, end_day),
            None => (None, None, 0, None),
        }
    } else if let Some((d, d2)) = hyphenated_day(token).and_then(|(d, rest)| {
        Some((
            d,
            rest.parse::<u32>()
                .ok()
                .filter(|d2| (d + 1..=31).contains(d2))?,
        ))
    }) {
        // "15-16 ноября": a day range written as one hyphenated token.
        match lexicon.month_at(morph, tokens, at + 1) {
            Some(month) => (Some(d), Some(month), 2, Some(d2)),
            None => (None, None, 0, None),
        }
    } else if let Some((d, rest)) = hyphenated_day(token) {
        let fake = Token {
            lower: rest,
            ..token.clone()
        };
        match lexicon.month_at(morph, std::slice::from_ref(&fake), 0) {
            Some(month) => (Some(d), Some(month), 1, None),
            None => (None, None, 0, None),
        }
    } else {
        (None, None, 0, None)
    };
    if let (Some(d), Some(month)) = (day, month) {
        let mut year = next(len).and_then(year_number);
        if year.is_some() {
            len += 1;
            if next(len).is_some_and(is_year_word) {
                len += 1;
            }
        } else if at >= 2 && is_year_word(&tokens[at - 1]) {
            year = year_number(&tokens[at - 2]);
        }
        let (span, month_day) = day_month(anchor, year, month, d, end_day);
        let mut m = mention(at, len, span);
        m.month_day = month_day;
        m.year_explicit = year.is_some();
        return Some(m);
    }

    // Month first: "July 4, 2024", "September 2025", "в сентябре", "қыркүйекте".
    let month = lexicon.month_at(morph, tokens, at)?;
    if let Some(d) = next(1).and_then(day_number) {
        let year = next(2).and_then(year_number);
        let (span, month_day) = day_month(anchor, year, month, d, None);
        let mut m = mention(at, if year.is_some() { 3 } else { 2 }, span);
        m.month_day = month_day;
        m.year_explicit = year.is_some();
        return Some(m);
    }
    if let Some(year) = next(1).and_then(year_number) {
        let mut m = mention(at, 2, DateSpan::month(year, month));
        m.year_explicit = true;
        return Some(m);
    }
    let ambiguous = AMBIGUOUS_MONTHS.iter().any(|w| {
        token.lower == *w || (token.lower.starts_with(w) && token.lower.len() <= w.len() + 4)
    });
    let bare_nominative = lexicon.nominatives.contains(&token.lower);
    let preposition = at > 0
        && matches!(
            tokens[at - 1].lower.as_str(),
            "в" | "во" | "in" | "since" | "until" | "by" | "начале" | "конце" | "середине"
        );
    // Kazakh names a month with the noun «ай» after it: «қыркүйек айында» (in September),
    // «қазан айының соңында» (at the end of October); that noun also makes an ambiguous
    // month word a month.
    let month_noun = next(1).is_some_and(|t| KAZAKH_MONTH_NOUN.contains(&t.lower.as_str()));
    if !month_noun && (ambiguous || (bare_nominative && !preposition)) {
        return None;
    }
    let len = if month_noun { 2 } else { 1 };
    let span = match anchor {
        Some(a) => {
            let year = if month > a.month() + 3 {
                a.year() - 1
            } else {
                a.year()
            };
            DateSpan::month(year, month)
        }
        None => DateSpan::UNKNOWN,
    };
    Some(mention(at, len, span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn check(text: &str, anchor: Option<&str>, expected: &[(&str, DatePrecision)]) {
        let lexicon = DateLexicon::load();
        let morph = Morphology::load();
        let anchor = anchor.and_then(|a| NaiveDate::parse_from_str(a, "%Y-%m-%d").ok());
        let tokens = tokenize(text);
        let found: Vec<(String, DatePrecision)> =
            find_dates(&lexicon, &morph, &tokens, text, anchor)
                .into_iter()
                .map(|m| {
                    let date = m
                        .span
                        .start
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into());
                    let date = match m.span.end {
                        Some(end) => format!("{date}..{end}"),
                        None => date,
                    };
                    (date, m.span.precision)
                })
                .collect();
        let expected: Vec<(String, DatePrecision)> =
            expected.iter().map(|(d, p)| (d.to_string(), *p)).collect();
        assert_eq!(found, expected, "{text}");
    }

    use DatePrecision::{Day, Month, Unknown, Year};

    #[test]
    fn day_ranges_with_any_dash() {
        for text in [
            "пройдет в Ташкенте 15—16 ноября",
            "пройдет 15–16 ноября",
            "пройдет 15-16 ноября",
        ] {
            check(text, Some("2025-11-10"), &[("2025-11-15..2025-11-16", Day)]);
        }
    }

    #[test]
    fn kazakh_absolute_dates() {
        check(
            "2025 жылғы 23 қыркүйекте кездесу өтті",
            None,
            &[("2025-09-23", Day)],
        );
        check(
            "23-қыркүйекте БҰҰ-да",
            Some("2025-09-24"),
            &[("2025-09-23", Day)],
        );
        check("2025 жылдың қыркүйегінде", None, &[("2025-09-01", Month)]);
        check("2022 жылы Астанада", None, &[("2022-01-01", Year)]);
        check(
            "30 тамызда Тяньцзиньге барды",
            Some("2025-08-31"),
            &[("2025-08-30", Day)],
        );
    }

    #[test]
    fn russian_absolute_dates() {
        check("23 сентября 2025 года", None, &[("2025-09-23", Day)]);
        check(
            "пройдет 15—16 ноября",
            Some("2025-11-14"),
            &[("2025-11-15..2025-11-16", Day)],
        );
        check("в сентябре", Some("2025-10-01"), &[("2025-09-01", Month)]);
        check("в 2024 году", None, &[("2024-01-01", Year)]);
        check("Встреча 23.09.2025 прошла", None, &[("2025-09-23", Day)]);
    }

    #[test]
    fn english_dates() {
        check(
            "On September 23, 2025 the leaders met",
            None,
            &[("2025-09-23", Day)],
        );
        check(
            "Astana. July 4. KazTAG",
            Some("2024-07-10"),
            &[("2024-07-04", Day)],
        );
        check("in 2019 he visited", None, &[("2019-01-01", Year)]);
    }

    #[test]
    fn a_kazakh_month_name_with_the_noun_month_is_a_month() {
        check(
            "қыркүйек айының соңында сапар",
            Some("2025-12-20"),
            &[("2025-09-01", Month)],
        );
        // «мамыр» alone is also a given name; with «айында» it is May.
        check(
            "мамыр айында келеді",
            Some("2025-03-02"),
            &[("2025-05-01", Month)],
        );
        check("мамыр келді", Some("2025-03-02"), &[]);
    }

    #[test]
    fn relative_dates_need_an_anchor() {
        check(
            "Бүгін жарияланды",
            Some("2026-01-05"),
            &[("2026-01-05", Day)],
        );
        check(
            "Былтыр қол қойылды",
            Some("2026-01-05"),
            &[("2025-01-01", Year)],
        );
        check(
            "в ушедшем году подписаны",
            Some("2026-01-05"),
            &[("2025-01-01", Year)],
        );
        check(
            "үш жыл бұрын Астанада",
            Some("2025-10-09"),
            &[("2022-01-01", Year)],
        );
        check(
            "вчера он заявил",
            Some("2025-03-02"),
            &[("2025-03-01", Day)],
        );
        check("Былтыр қол қойылды", None, &[("-", Unknown)]);
    }

    #[test]
    fn year_without_text_is_inferred_backwards() {
        check("в декабре", Some("2026-01-05"), &[("2025-12-01", Month)]);
        check("14 ноября", Some("2026-01-10"), &[("2025-11-14", Day)]);
    }

    #[test]
    fn ambiguous_month_words_need_a_number() {
        check("Қазан қаласында", Some("2025-01-01"), &[]);
        check("It may happen", Some("2025-01-01"), &[]);
        check("5 қазанда", Some("2025-11-01"), &[("2025-10-05", Day)]);
    }
}
