//! Fast matching of many short word patterns (triggers, cues, relative dates, role phrases)
//! against a token stream. A pattern word ending in `*` is a prefix; any other word matches
//! its inflected forms through [`Morphology::word_matches`].

use super::{Morphology, Token};
use std::collections::HashMap;

/// A compiled set of phrases, each carrying a value of type `T`.
#[derive(Debug, Clone)]
pub struct PhraseSet<T> {
    phrases: Vec<(Vec<String>, T)>,
    by_head: HashMap<[char; 2], Vec<usize>>,
}

/// One phrase found in a token stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhraseMatch<'a, T> {
    /// Index of the first token.
    pub first: usize,
    /// Number of tokens covered.
    pub len: usize,
    /// The phrase's value.
    pub value: &'a T,
}

fn head(word: &str) -> [char; 2] {
    super::char_key(word.trim_end_matches('*'))
}

/// True when `token` (folded) is the word `pattern`, or starts with it when the pattern ends
/// in `*` (no inflection: for word lists of fixed forms).
pub fn word_is(token: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => token.starts_with(prefix),
        None => token == pattern,
    }
}

/// True when `token` (folded) matches one pattern word.
pub fn word_fits(morph: &Morphology, token: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => token.starts_with(prefix),
        None => morph.word_matches(token, pattern, true),
    }
}

impl<T> PhraseSet<T> {
    /// Compiles phrases given as folded words.
    pub fn new(phrases: Vec<(Vec<String>, T)>) -> PhraseSet<T> {
        let mut by_head: HashMap<[char; 2], Vec<usize>> = HashMap::new();
        for (i, (words, _)) in phrases.iter().enumerate() {
            if let Some(first) = words.first() {
                by_head.entry(head(first)).or_default().push(i);
            }
        }
        PhraseSet { phrases, by_head }
    }

    /// Every phrase that starts at token `at`, longest first.
    pub fn matches_at<'a>(
        &'a self,
        morph: &Morphology,
        tokens: &[Token],
        at: usize,
    ) -> Vec<PhraseMatch<'a, T>> {
        let Some(token) = tokens.get(at) else {
            return Vec::new();
        };
        let key: [char; 2] = super::char_key(&token.lower);
        let Some(candidates) = self.by_head.get(&key) else {
            return Vec::new();
        };
        let mut found: Vec<PhraseMatch<'a, T>> = candidates
            .iter()
            .filter_map(|&i| {
                let (words, value) = &self.phrases[i];
                let fits = words.iter().enumerate().all(|(k, w)| {
                    tokens.get(at + k).is_some_and(|t| {
                        t.sentence == token.sentence && word_fits(morph, &t.lower, w)
                    })
                });
                fits.then_some(PhraseMatch {
                    first: at,
                    len: words.len(),
                    value,
                })
            })
            .collect();
        found.sort_by_key(|m| std::cmp::Reverse(m.len));
        found
    }

    /// Every non-overlapping phrase in the tokens, scanning left to right, longest first.
    pub fn find_all<'a>(&'a self, morph: &Morphology, tokens: &[Token]) -> Vec<PhraseMatch<'a, T>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < tokens.len() {
            match self.matches_at(morph, tokens, at).into_iter().next() {
                Some(m) => {
                    at += m.len.max(1);
                    out.push(m);
                }
                None => at += 1,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn finds_prefix_and_inflected_phrases() {
        let morph = Morphology::load();
        let set = PhraseSet::new(vec![
            (words("телефонн* разговор*"), "call"),
            (words("кездес*"), "meet"),
            (words("мемлекет басшысы"), "head"),
        ]);
        let text = "Мемлекет басшысының кездесуі. Провел телефонный разговор.";
        let tokens = tokenize(text);
        let found: Vec<&str> = set
            .find_all(&morph, &tokens)
            .iter()
            .map(|m| *m.value)
            .collect();
        assert_eq!(found, ["head", "meet", "call"]);
    }

    #[test]
    fn phrases_do_not_cross_sentences() {
        let morph = Morphology::load();
        let set = PhraseSet::new(vec![(words("state visit"), ())]);
        let tokens = tokenize("It was a state. Visit ended.");
        assert!(set.find_all(&morph, &tokens).is_empty());
    }
}
