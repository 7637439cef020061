//! Randomised robustness checks ("fuzzing" without a fuzzing engine): intake + extraction on
//! arbitrary text, and graph queries with arbitrary arguments, must never panic. The
//! [`Rng`] is shared with other randomised tests (the direct path against the executor).
//!
//! `cargo test` runs a short bounded pass of each target. A long local run:
//! `EVENTGRAPH_FUZZ_SECONDS=900 cargo test --release --lib fuzz -- --nocapture` (the note
//! of the run is printed: executions and executions per second).

/// xorshift64*: deterministic, dependency-free pseudo-random numbers for randomised tests.
#[cfg(test)]
pub(crate) struct Rng(pub u64);

#[cfg(test)]
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use crate::extract::{ArticleText, Extractor};
    use crate::graph::{EventFilter, Granularity, Graph, NodeRef, SortOrder};
    use crate::ingest::{Limits, RawArticle, validate};
    use crate::model::{EventKind, EventStatus, Language};
    use chrono::NaiveDate;
    use std::time::{Duration, Instant};

    /// Pieces the texts are made of: words the extractor reacts to, dates, punctuation,
    /// quotes, dashes and characters that have broken tokenisers before.
    const PIECES: &[&str] = &[
        "Тоқаев",
        "Токаев",
        "Tokayev",
        "Путин",
        "Мирзиёевпен",
        "Си",
        "мырза",
        "господин",
        "Президент",
        "Мемлекет басшысы",
        "Глава государства",
        "кездесті",
        "встретился",
        "met",
        "визит",
        "сапармен",
        "саммит",
        "саммиті",
        "summit",
        "телефон",
        "разговор",
        "интервью",
        "сұхбат",
        "заявил",
        "айтты",
        "said",
        "қол қойды",
        "подписали",
        "signed",
        "состоится",
        "will",
        "ahead of",
        "Напомним",
        "былтыр",
        "в прошлом году",
        "last year",
        "этой осенью",
        "this fall",
        "14 ноября",
        "30 тамызда",
        "December 18",
        "2025 жылғы",
        "1991 году",
        "-262143",
        "99999",
        "0",
        "31",
        "2024-13-45",
        "Астана",
        "Ташкентте",
        "Алматы",
        "Kazakhstan",
        "Ресей",
        "ШЫҰ",
        "ОДКБ",
        "ООН",
        "БҰҰ-дағы",
        "Zakon.kz",
        "KAZINFORM",
        "«",
        "»",
        "\"",
        "“",
        "”",
        "'",
        "–",
        "—",
        "-",
        ".",
        ",",
        ":",
        ";",
        "!",
        "?",
        "…",
        "(",
        ")",
        "\n",
        "\n\n",
        " ",
        "  ",
        "\t",
        "🎉",
        "\u{200b}",
        "\u{0301}",
        "\u{202e}",
        "\u{feff}",
        "ё",
        "Ә",
        "İ",
        "ß",
        "ﬁ",
        "Ωmega",
        "азербайджано-казахстанского",
        "Высшего межгосударственного совета",
        "атындағы",
        "имени",
        "Airport",
        "мой",
        "my",
        "Asxat",
        "Асхат Бажануов",
        "x",
        "ааааааааааааааааааааааааааааааа",
    ];

    fn random_text(rng: &mut Rng) -> String {
        let n = rng.below(120);
        let mut text = String::new();
        if rng.below(3) == 0 {
            text.push_str(rng.pick(&[" date 2025-06-10 ", " date ", "date 2025-1-1 ", ""]));
        }
        for _ in 0..n {
            text.push_str(rng.pick(PIECES));
            if rng.below(2) == 0 {
                text.push(' ');
            }
        }
        text
    }

    fn budget() -> Duration {
        let seconds = std::env::var("EVENTGRAPH_FUZZ_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2);
        Duration::from_secs(seconds)
    }

    #[test]
    fn fuzz_intake_and_extraction_never_panic() {
        let extractor = Extractor::new();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let (started, limit) = (Instant::now(), budget());
        let mut runs = 0u64;
        while started.elapsed() < limit || runs < 200 {
            let text = random_text(&mut rng);
            let raw = RawArticle {
                source: "fuzz".into(),
                bytes: text.clone().into_bytes(),
                ..RawArticle::default()
            };
            if let Ok(article) = validate(raw, Limits::default(), today) {
                let facts = extractor.extract(ArticleText {
                    title: &article.title,
                    body: &article.body,
                    published_on: article.published_on,
                    language: None,
                });
                assert!(facts.mentioned_events.len() <= crate::extract::MAX_MENTIONED_EVENTS);
            }
            runs += 1;
        }
        eprintln!(
            "fuzz intake+extraction: {runs} runs in {:.1}s ({:.0}/s)",
            started.elapsed().as_secs_f64(),
            runs as f64 / started.elapsed().as_secs_f64()
        );
    }

    #[test]
    fn fuzz_queries_with_arbitrary_arguments_never_panic() {
        let extractor = Extractor::new();
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let mut rng = Rng(0xD1B5_4A32_D192_ED03);
        let mut graph = Graph::new();
        for i in 0..300 {
            let text = format!(
                " date 2025-{:02}-{:02} {}",
                1 + i % 12,
                1 + i % 28,
                random_text(&mut rng)
            );
            let raw = RawArticle {
                source: format!("a{i}"),
                bytes: text.into_bytes(),
                ..RawArticle::default()
            };
            if let Ok(article) = validate(raw, Limits::default(), today) {
                let facts = crate::service::extract_article(&extractor, &article);
                if graph.article_by_id(&article.id.0).is_none() {
                    graph.apply(
                        &extractor.kb,
                        &crate::graph::ArticleHeader::from(&article),
                        &facts,
                    );
                }
            }
        }
        let stats = graph.stats();
        let (started, limit) = (Instant::now(), budget());
        let mut runs = 0u64;
        let date = |rng: &mut Rng| {
            (rng.below(4) > 0).then(|| {
                NaiveDate::from_ymd_opt(
                    1800 + rng.below(300) as i32,
                    1 + rng.below(12) as u32,
                    1 + rng.below(28) as u32,
                )
                .unwrap_or_default()
            })
        };
        while started.elapsed() < limit || runs < 200 {
            let entity = (stats.entities > 0).then(|| rng.below(stats.entities) as u32);
            let filter = EventFilter {
                from: date(&mut rng),
                to: date(&mut rng),
                kind: (rng.below(2) == 0).then(|| EventKind::ALL[rng.below(EventKind::ALL.len())]),
                kinds: (0..rng.below(3))
                    .map(|_| EventKind::ALL[rng.below(EventKind::ALL.len())])
                    .collect(),
                dated: (rng.below(3) == 0).then(|| rng.below(2) == 0),
                min_precision: (rng.below(3) == 0).then_some(crate::model::DatePrecision::Month),
                status: (rng.below(3) == 0).then_some(EventStatus::Planned),
                language: (rng.below(3) == 0).then_some(Language::Kk),
                all_entities: entity.into_iter().collect(),
                any_entities: Vec::new(),
                title_contains: (rng.below(4) == 0).then(|| "тоқаев".to_string()),
                deadline: crate::graph::ScanDeadline::default(),
            };
            let cursor = match rng.below(4) {
                0 => None,
                1 => Some(format!("e{}.{}", rng.next() as i32, rng.next() as u32)),
                2 => Some(format!("e-{}.0", rng.below(1000))),
                _ => Some(random_text(&mut rng)),
            };
            let order = if rng.below(2) == 0 {
                SortOrder::NewestFirst
            } else {
                SortOrder::OldestFirst
            };
            let (page, total, _) =
                graph.events_page(&filter, order, rng.below(101), cursor.as_deref());
            assert!(page.len() <= total.max(page.len()));
            let granularity = [
                Granularity::Day,
                Granularity::Week,
                Granularity::Month,
                Granularity::Year,
            ][rng.below(4)];
            graph.timeline(entity, filter.from, filter.to, granularity);
            if let Some(e) = entity {
                // The selected top is the sorted list's head.
                let all = graph.related(e, None);
                let limit = rng.below(all.len() + 2);
                assert_eq!(
                    graph.related_top(e, None, limit),
                    all.iter().copied().take(limit).collect::<Vec<_>>()
                );
                graph.neighborhood(NodeRef::Entity(e), rng.below(4), rng.below(20), 200);
                let other = rng.below(stats.entities) as u32;
                graph.path(
                    NodeRef::Entity(e),
                    NodeRef::Entity(other),
                    rng.below(7),
                    &[],
                );
            }
            runs += 1;
        }
        eprintln!(
            "fuzz queries: {runs} runs over {} events in {:.1}s ({:.0}/s)",
            stats.events,
            started.elapsed().as_secs_f64(),
            runs as f64 / started.elapsed().as_secs_f64()
        );
    }
}
