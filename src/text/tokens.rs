//! Tokenisation that keeps what extraction needs and UAX#29 drops: hyphenated words
//! (`БҰҰ-дағы`, `Касым-Жомарт`, `23-қыркүйекте`), byte spans into the original text,
//! sentence numbers, and whether a token stands inside a quote or a direct-speech paragraph.

use super::fold;

/// One word or number of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// Byte offset of the first character in the original text.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    /// Folded form (see [`fold`]).
    pub lower: String,
    /// The first character is an upper-case letter.
    pub capitalized: bool,
    /// Every letter is upper case (abbreviations, datelines).
    pub all_caps: bool,
    /// Only digits.
    pub numeric: bool,
    /// Index of the sentence the token belongs to.
    pub sentence: usize,
    /// Index of the line (paragraph) the token belongs to.
    pub line: usize,
    /// Inside «…», "…" or a paragraph that opens with a dash (direct speech).
    pub quoted: bool,
    /// The token directly follows an opening quote mark.
    pub after_open_quote: bool,
    /// The first token of its sentence.
    pub sentence_start: bool,
    /// The first token of its line.
    pub first_of_line: bool,
}

impl Token {
    /// The token's text in `source`.
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

fn is_word_char(ch: char) -> bool {
    // Fast paths for ASCII and Cyrillic (U+0482–U+0489 are a sign and combining marks).
    if ch.is_ascii() {
        return ch.is_ascii_alphanumeric();
    }
    if ('\u{0400}'..='\u{04FF}').contains(&ch) {
        return !('\u{0482}'..='\u{0489}').contains(&ch);
    }
    ch.is_alphanumeric()
}

fn is_inner_joiner(ch: char) -> bool {
    matches!(ch, '-' | '\u{2010}' | '\u{2011}' | '\'' | '\u{2019}')
}

fn is_open_quote(ch: char) -> bool {
    matches!(ch, '«' | '“' | '„')
}

fn is_close_quote(ch: char) -> bool {
    matches!(ch, '»' | '”')
}

fn is_dash(ch: char) -> bool {
    matches!(ch, '-' | '–' | '—' | '\u{2012}' | '\u{2015}')
}

/// Splits `text` into tokens. Never fails; an empty text gives no tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut tokens = Vec::with_capacity(text.len() / 6);
    let mut sentence = 0usize;
    let mut line = 0usize;
    let mut guillemet_depth = 0i32;
    let mut straight_open = false;
    let mut dash_paragraph = false;
    let mut line_has_text = false;
    let mut pending_sentence_end = false;
    let mut after_open_quote = false;
    let mut sentence_start = true;
    let mut i = 0;
    while i < chars.len() {
        let (offset, ch) = chars[i];
        if ch == '\n' {
            line += 1;
            line_has_text = false;
            dash_paragraph = false;
            // A paragraph break ends a sentence (once, however many blank lines follow) and
            // an unbalanced straight quote.
            if tokens
                .last()
                .is_some_and(|t: &Token| t.sentence == sentence)
            {
                sentence += 1;
                sentence_start = true;
            }
            straight_open = false;
            guillemet_depth = 0;
            pending_sentence_end = false;
            i += 1;
            continue;
        }
        if !line_has_text && is_dash(ch) {
            dash_paragraph = true;
            line_has_text = true;
            i += 1;
            continue;
        }
        if is_word_char(ch) {
            if pending_sentence_end
                && ch.is_uppercase()
                && tokens
                    .last()
                    .is_some_and(|t: &Token| t.sentence == sentence)
            {
                sentence += 1;
                sentence_start = true;
            }
            pending_sentence_end = false;
            line_has_text = true;
            let start = offset;
            let mut j = i + 1;
            while j < chars.len() {
                let c = chars[j].1;
                if is_word_char(c) {
                    j += 1;
                } else if (is_inner_joiner(c) || (c == '.' && chars[j - 1].1.is_ascii_alphabetic()))
                    && j + 1 < chars.len()
                    && is_word_char(chars[j + 1].1)
                    && (c != '.' || chars[j + 1].1.is_ascii_alphabetic())
                {
                    j += 2;
                } else {
                    break;
                }
            }
            let end = if j < chars.len() {
                chars[j].0
            } else {
                text.len()
            };
            let raw = &text[start..end];
            let letters: Vec<char> = raw.chars().filter(|&c| super::is_letter(c)).collect();
            tokens.push(Token {
                start,
                end,
                lower: fold(raw),
                capitalized: raw.chars().next().is_some_and(char::is_uppercase),
                all_caps: letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()),
                numeric: raw.chars().all(|c| c.is_ascii_digit()),
                sentence,
                line,
                quoted: guillemet_depth > 0 || straight_open || dash_paragraph,
                after_open_quote,
                sentence_start,
                first_of_line: tokens.last().is_none_or(|t: &Token| t.line != line),
            });
            after_open_quote = false;
            sentence_start = false;
            i = j;
            continue;
        }
        if !ch.is_whitespace() {
            line_has_text = true;
        }
        if is_open_quote(ch) {
            guillemet_depth += 1;
            after_open_quote = true;
        } else if is_close_quote(ch) {
            guillemet_depth = (guillemet_depth - 1).max(0);
        } else if ch == '"' {
            straight_open = !straight_open;
            after_open_quote = straight_open;
        } else if matches!(ch, '.' | '!' | '?' | '…') {
            pending_sentence_end = true;
        }
        i += 1;
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text)
            .into_iter()
            .map(|t| t.text(text).to_string())
            .collect()
    }

    #[test]
    fn keeps_hyphenated_words_and_domains() {
        assert_eq!(
            words("БҰҰ-дағы Касым-Жомарта 23-қыркүйекте, Zakon.kz и BAQ.KZ."),
            [
                "БҰҰ-дағы",
                "Касым-Жомарта",
                "23-қыркүйекте",
                "Zakon.kz",
                "и",
                "BAQ.KZ"
            ]
        );
    }

    #[test]
    fn initials_split_from_surnames() {
        assert_eq!(words("И.Каримов атындағы"), ["И", "Каримов", "атындағы"]);
    }

    #[test]
    fn marks_quotes_and_dash_paragraphs() {
        let text = "Ол айтты.\n– Біз келеміз, - деді.\n«Мы придём», — сказал он.";
        let tokens = tokenize(text);
        let quoted: Vec<&str> = tokens
            .iter()
            .filter(|t| t.quoted)
            .map(|t| t.text(text))
            .collect();
        assert_eq!(quoted, ["Біз", "келеміз", "деді", "Мы", "придём"]);
    }

    #[test]
    fn counts_sentences() {
        let tokens = tokenize("Первое предложение. Второе! третье без заглавной.");
        let sentences: Vec<usize> = tokens.iter().map(|t| t.sentence).collect();
        assert_eq!(sentences, [0, 0, 1, 1, 1, 1]);
    }

    #[test]
    fn spans_point_into_the_source() {
        let text = "Тоқаевтың сапары";
        let tokens = tokenize(text);
        assert_eq!(tokens[0].text(text), "Тоқаевтың");
        assert_eq!(tokens[0].lower, "тоқаевтың");
        assert!(tokens[0].capitalized && !tokens[1].capitalized);
    }
}
