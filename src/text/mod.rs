//! Text primitives shared by every extraction stage: tokens with byte spans, sentences and
//! quotes, language identification and kk/ru/en morphology.
//!
//! Pure functions over `&str`; no knowledge of entities, events or storage.

pub mod language;
pub mod morph;
pub mod phrases;
pub mod tokens;

pub use language::detect_language;
pub use morph::Morphology;
pub use tokens::{Token, tokenize};

/// The first `N` characters of a word as a fixed-size key (padded with NUL): a hash-map
/// key without an allocation.
pub fn char_key<const N: usize>(word: &str) -> [char; N] {
    let mut key = ['\0'; N];
    for (slot, ch) in key.iter_mut().zip(word.chars()) {
        *slot = ch;
    }
    key
}

/// True for a letter; fast for ASCII and Cyrillic, the scripts of our news.
pub fn is_letter(ch: char) -> bool {
    if ch.is_ascii() {
        return ch.is_ascii_alphabetic();
    }
    if ('\u{0400}'..='\u{04FF}').contains(&ch) {
        return !('\u{0482}'..='\u{0489}').contains(&ch);
    }
    ch.is_alphabetic()
}

fn lower_char(ch: char, out: &mut String) {
    match ch {
        'A'..='Z' => out.push(ch.to_ascii_lowercase()),
        'А'..='Я' => out.push(char::from_u32(ch as u32 + 32).unwrap_or(ch)),
        'Ѐ'..='Џ' => out.push(char::from_u32(ch as u32 + 80).unwrap_or(ch)),
        _ if ch.is_ascii() => out.push(ch),
        _ => out.extend(ch.to_lowercase()),
    }
}

/// Lowercases for matching: `ё`→`е`, typographic apostrophes and hyphens unified.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            'ё' | 'Ё' => out.push('е'),
            '\u{2019}' | '\u{02BC}' | '`' | '\u{2018}' => out.push('\''),
            '\u{2010}' | '\u{2011}' => out.push('-'),
            _ => lower_char(ch, &mut out),
        }
    }
    out
}
