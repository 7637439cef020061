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

/// Lowercases for matching: `ё`→`е`, typographic apostrophes and hyphens unified.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            'ё' | 'Ё' => out.push('е'),
            '\u{2019}' | '\u{02BC}' | '`' | '\u{2018}' => out.push('\''),
            '\u{2010}' | '\u{2011}' => out.push('-'),
            _ => out.extend(ch.to_lowercase()),
        }
    }
    out
}
