//! Language identification for kk / ru / en from letters alone.
//!
//! Kazakh-only Cyrillic letters (ә ғ қ ң ө ұ ү һ і) make up about 15 % of the Cyrillic
//! letters of Kazakh news and none of Russian news (EXTRACTION_FACTS.md §6), so a share
//! threshold is as accurate as an n-gram model here, at a fraction of its cost.

use crate::model::Language;

const KAZAKH_ONLY: &str = "әғқңөұүһіӘҒҚҢӨҰҮҺІ";
/// Share of Kazakh-only letters among Cyrillic letters above which a text is Kazakh. Low,
/// so that a Kazakh text quoting Russian stays Kazakh; Russian text has none of them.
const KAZAKH_SHARE: f64 = 0.02;

/// Whether `ch` is a Cyrillic letter.
pub fn is_cyrillic(ch: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&ch)
}

/// Whether `ch` is one of the letters Kazakh Cyrillic has and Russian does not.
pub fn is_kazakh_only(ch: char) -> bool {
    KAZAKH_ONLY.contains(ch)
}

/// Detects the language of `text`; Latin-script text is English.
pub fn detect_language(text: &str) -> Language {
    let (mut cyrillic, mut kazakh, mut latin) = (0usize, 0usize, 0usize);
    for ch in text.chars() {
        if is_kazakh_only(ch) {
            kazakh += 1;
            cyrillic += 1;
        } else if is_cyrillic(ch) {
            cyrillic += 1;
        } else if ch.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if cyrillic == 0 || latin > cyrillic * 2 {
        return Language::En;
    }
    if kazakh as f64 >= cyrillic as f64 * KAZAKH_SHARE || kazakh_words_dominate(text) {
        Language::Kk
    } else {
        Language::Ru
    }
}

/// Frequent function words, for short texts that happen to lack Kazakh-only letters
/// ("Мемлекет басшысы Ресейге сапармен барды").
const KAZAKH_WORDS: [&str; 14] = [
    "мен",
    "және",
    "бен",
    "пен",
    "деп",
    "деді",
    "туралы",
    "бойынша",
    "бұл",
    "басшысы",
    "барды",
    "келді",
    "ретінде",
    "сапармен",
];
const RUSSIAN_WORDS: [&str; 14] = [
    "и", "в", "на", "с", "по", "что", "не", "о", "для", "из", "к", "от", "это", "как",
];

fn kazakh_words_dominate(text: &str) -> bool {
    let (mut kk, mut ru) = (0usize, 0usize);
    for word in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        kk += usize::from(KAZAKH_WORDS.contains(&word.as_str()));
        ru += usize::from(RUSSIAN_WORDS.contains(&word.as_str()));
    }
    kk > ru
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Language) {
        assert_eq!(detect_language(text), expected, "{text}");
    }

    #[test]
    fn detects_the_three_languages() {
        check("Мемлекет басшысы Ресейге сапармен барды.", Language::Kk);
        check("Ресей мен Қытай", Language::Kk);
        check("В Алматы открылась новая станция метро", Language::Ru);
        check(
            "Глава государства провел переговоры с Президентом России.",
            Language::Ru,
        );
        check(
            "President Tokayev met Vladimir Putin in Astana.",
            Language::En,
        );
    }

    #[test]
    fn a_kazakh_text_quoting_russian_stays_kazakh() {
        check(
            "Тоқаев «Мы готовы к переговорам» деп мәлімдеді, бұл туралы Ақорда хабарлады.",
            Language::Kk,
        );
    }

    #[test]
    fn an_english_text_naming_a_cyrillic_outlet_stays_english() {
        check(
            "The newspaper «Егемен» reported that the president held talks.",
            Language::En,
        );
    }
}
