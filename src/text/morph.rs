//! Inflection-aware comparison of a text word with a dictionary word, for kk, ru and en.
//!
//! Kazakh is agglutinative: a name takes a chain of plural, possessive and case suffixes
//! (`Тоқаев+тың`, `Президент+і+нің`, `БҰҰ-дағы`), so we accept a word when it is the
//! dictionary word plus a legal chain from `kb/morph/kk_suffixes.txt`. Russian declension
//! changes the end of a word (`Россия → России`, `Москва → Москве`), so we also try the
//! dictionary word without its final vowel plus an ending from `kb/morph/ru_endings.txt`.
//! Stemmers are deliberately not used: they break names (EXTRACTION_FACTS.md §2.1).

use std::collections::HashSet;

const KK_SUFFIXES: &str = include_str!("../../kb/morph/kk_suffixes.txt");
const RU_ENDINGS: &str = include_str!("../../kb/morph/ru_endings.txt");

/// Suffix tables; build once with [`Morphology::load`] and share.
#[derive(Debug, Clone)]
pub struct Morphology {
    kk_chains: HashSet<String>,
    kk_after_px3: HashSet<String>,
    kk_derivational: Vec<String>,
    ru_endings: HashSet<String>,
    max_chain_chars: usize,
    kk_dative: Vec<String>,
}

fn table_line<'a>(source: &'a str, label: &str) -> Vec<&'a str> {
    source
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .map(|rest| rest.trim_start_matches(':').split_whitespace().collect())
        .unwrap_or_default()
}

/// True when `ch` is a vowel letter (Cyrillic or Latin).
pub fn is_vowel(ch: char) -> bool {
    matches!(
        ch,
        'а' | 'ә'
            | 'е'
            | 'ё'
            | 'и'
            | 'о'
            | 'ө'
            | 'у'
            | 'ұ'
            | 'ү'
            | 'ы'
            | 'і'
            | 'э'
            | 'ю'
            | 'я'
            | 'a'
            | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'y'
    )
}

impl Morphology {
    /// Builds the suffix tables from the embedded data files.
    pub fn load() -> Morphology {
        let plural = table_line(KK_SUFFIXES, "plural");
        let possessive = table_line(KK_SUFFIXES, "possessive");
        let case = table_line(KK_SUFFIXES, "case");
        let after_px = table_line(KK_SUFFIXES, "case_after_possessive");
        let derivational = table_line(KK_SUFFIXES, "derivational");
        let mut chains = HashSet::new();
        for pl in std::iter::once("").chain(plural.iter().copied()) {
            chains.insert(pl.to_string());
            for c in &case {
                chains.insert(format!("{pl}{c}"));
            }
            for px in &possessive {
                chains.insert(format!("{pl}{px}"));
                for c in &after_px {
                    chains.insert(format!("{pl}{px}{c}"));
                }
            }
        }
        chains.remove("");
        let max_chain_chars = chains.iter().map(|s| s.chars().count()).max().unwrap_or(0);
        let ru_endings = RU_ENDINGS
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect();
        Morphology {
            kk_chains: chains,
            kk_after_px3: after_px.iter().map(|s| s.to_string()).collect(),
            kk_derivational: derivational.iter().map(|s| s.to_string()).collect(),
            ru_endings,
            max_chain_chars,
            kk_dative: table_line(KK_SUFFIXES, "dative")
                .into_iter()
                .chain(table_line(KK_SUFFIXES, "possessive_dative"))
                .map(str::to_string)
                .collect(),
        }
    }

    /// True when the folded text word ends in a Kazakh dative ending (`Қазақстанға`,
    /// `қаласына`) after a stem of at least two letters.
    pub fn is_kk_dative(&self, word: &str) -> bool {
        self.kk_dative.iter().any(|ending| {
            word.strip_suffix(ending.as_str())
                .is_some_and(|stem| stem.chars().count() >= 2)
        })
    }

    /// True when `rest`, what follows a dictionary word inside a text word, is an
    /// inflection: a Kazakh chain, a Russian ending or an English possessive.
    pub fn is_inflection(&self, stem: &str, rest: &str) -> bool {
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        if rest.is_empty() {
            return true;
        }
        if rest == "'s" || rest == "'" {
            return true;
        }
        if self
            .kk_derivational
            .iter()
            .any(|d| rest.starts_with(d.as_str()))
        {
            return false;
        }
        if self.ru_endings.contains(rest) {
            return true;
        }
        if self.kk_chains.contains(rest) {
            return true;
        }
        // A word that already ends in a lexical possessive (Бабажанұлы, басшысы, Президенті)
        // takes the n-forms: -ның, -на, -н, -нда, -нан, -мен, -ндағы.
        let ends_px3 = stem.ends_with("ұлы")
            || stem.ends_with("улы")
            || stem.ends_with("қызы")
            || stem.ends_with("сы")
            || stem.ends_with("сі")
            || stem.ends_with('ы')
            || stem.ends_with('і');
        ends_px3 && self.kk_after_px3.contains(rest)
    }

    /// True when the text word `word` is an inflected form of the dictionary word `entry`
    /// (both folded). `allow_inflection` is false for non-final words of a Kazakh phrase,
    /// which stay in the nominative; Russian adjectives inflect everywhere and are allowed
    /// through their endings.
    pub fn word_matches(&self, word: &str, entry: &str, allow_inflection: bool) -> bool {
        if word == entry {
            return true;
        }
        let entry_chars = entry.chars().count();
        if let Some(rest) = word.strip_prefix(entry) {
            if rest.starts_with('-') {
                return self.is_inflection(entry, rest);
            }
            if entry_chars >= 3 && rest.chars().count() <= self.max_chain_chars {
                let inflected = if allow_inflection {
                    self.is_inflection(entry, rest)
                } else {
                    self.ru_endings.contains(rest)
                };
                // Otherwise the entry's final vowel may be part of the ending
                // (Правительство → Правительством): tried below.
                if inflected {
                    return true;
                }
            }
        }
        // Russian declension replaces a final vowel / й / ь: Россия→России, Москва→Москве,
        // Генеральная→Генеральной, Зеленский→Зеленского.
        if entry_chars >= 4 {
            for cut in [2usize, 1] {
                if entry_chars <= cut + 2 {
                    continue;
                }
                let Some((split, _)) = entry.char_indices().rev().nth(cut - 1) else {
                    continue;
                };
                let (stem, ending) = entry.split_at(split);
                let final_is_soft = ending.chars().all(|c| is_vowel(c) || c == 'й' || c == 'ь');
                if !final_is_soft {
                    continue;
                }
                if let Some(rest) = word.strip_prefix(stem)
                    && !rest.is_empty()
                    && self.ru_endings.contains(rest)
                {
                    return true;
                }
            }
        }
        // Kazakh voicing before a vowel-initial suffix: қыркүйек→қыркүйегі, одақ→одағы.
        if allow_inflection && entry_chars >= 4 {
            let last = entry.chars().last().unwrap_or(' ');
            let voiced = match last {
                'к' => 'г',
                'қ' => 'ғ',
                'п' => 'б',
                _ => return false,
            };
            let base = &entry[..entry.len() - last.len_utf8()];
            let mut alt = String::with_capacity(entry.len());
            alt.push_str(base);
            alt.push(voiced);
            if let Some(rest) = word.strip_prefix(alt.as_str()) {
                return rest.chars().next().is_some_and(is_vowel) && self.is_inflection(&alt, rest);
            }
        }
        false
    }

    /// Strips a known inflection from a name word to get a lookup key for merging surface
    /// forms of the same unknown name (`Бабажанұлына`→`бабажанұлы`, `Ильясова`→`ильясов`).
    pub fn name_lemma(&self, word: &str) -> String {
        // Patronymic surnames end in a lexical possessive and take its n-forms.
        for marker in ["ұлы", "улы", "қызы", "кызы"] {
            if let Some(pos) = word.rfind(marker) {
                let stem_end = pos + marker.len();
                let rest = &word[stem_end..];
                if pos > 0 && (rest.is_empty() || self.kk_after_px3.contains(rest)) {
                    return word[..stem_end].to_string();
                }
            }
        }
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        // Longest inflection first, keeping at least four letters of stem.
        for &(split, _) in chars.iter().skip(4) {
            let (stem, rest) = word.split_at(split);
            if rest.starts_with('-') {
                return stem.to_string();
            }
            if self.ru_endings.contains(rest)
                && rest.chars().count() <= 2
                && !stem.ends_with(|c: char| is_vowel(c))
            {
                return stem.to_string();
            }
            if self.kk_chains.contains(rest) && rest.chars().count() >= 2 {
                return stem.to_string();
            }
        }
        word.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(word: &str, entry: &str, expected: bool) {
        let morph = Morphology::load();
        assert_eq!(
            morph.word_matches(word, entry, true),
            expected,
            "{word} ~ {entry}"
        );
    }

    #[test]
    fn kazakh_case_and_possessive_chains() {
        check("тоқаевтың", "тоқаев", true);
        check("ресейге", "ресей", true);
        check("душанбедегі", "душанбе", true);
        check("астанаға", "астана", true);
        check("ақорданың", "ақорда", true);
        check("президентінің", "президент", true);
        check("бабажанұлына", "бабажанұлы", true);
        check("бұұ-дағы", "бұұ", true);
        check("қыркүйегінде", "қыркүйек", true);
        check("сапарларымнан", "сапар", true);
    }

    #[test]
    fn russian_declension() {
        check("токаева", "токаев", true);
        check("россии", "россия", true);
        check("москве", "москва", true);
        check("узбекистана", "узбекистан", true);
        check("генеральной", "генеральная", true);
        check("зеленского", "зеленский", true);
        check("астану", "астана", true);
    }

    #[test]
    fn a_neuter_noun_inside_a_name_declines_through_its_final_vowel() {
        let morph = Morphology::load();
        // Not the phrase's last word (no Kazakh chains allowed), yet Russian declension.
        for (word, entry) in [
            ("правительством", "правительство"),
            ("министерством", "министерство"),
            ("посольству", "посольство"),
        ] {
            assert!(morph.word_matches(word, entry, false), "{word} ~ {entry}");
        }
        assert!(!morph.word_matches("правительственный", "правительство", false));
    }

    #[test]
    fn english_possessive() {
        check("russia's", "russia", true);
        check("putin's", "putin", true);
    }

    #[test]
    fn rejects_derived_and_unrelated_words() {
        check("ресейлік", "ресей", false);
        check("қазақстандық", "қазақстан", false);
        check("российский", "россия", false);
        check("казахстанский", "казахстан", false);
        check("астанасыз", "астана", false);
        check("путинизм", "путин", false);
        check("ирандағы", "иран", true);
        check("ирландия", "иран", false);
    }

    #[test]
    fn lemmas_merge_inflected_names() {
        let morph = Morphology::load();
        assert_eq!(morph.name_lemma("бабажанұлына"), "бабажанұлы");
        assert_eq!(morph.name_lemma("ильясова"), "ильясов");
        assert_eq!(morph.name_lemma("ильясовым"), "ильясов");
        assert_eq!(morph.name_lemma("ілиясов"), "ілиясов");
        assert_eq!(morph.name_lemma("ашықбаевты"), "ашықбаев");
    }
}
