//! Article intake: raw bytes from any entry point (file, directory, stdin, JSON Lines,
//! GraphQL) → a validated [`Article`] with a stable content id, or a specific error.
//!
//! This is the only place that refuses input. Nothing here touches the store or the graph,
//! so a refused article changes nothing.

use crate::model::{ArticleId, Language};
use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Default maximum article size: 1 MiB.
pub const DEFAULT_MAX_BYTES: usize = 1 << 20;
/// Maximum size of a title (given or taken from the first line), in bytes.
pub const MAX_TITLE_BYTES: usize = 2048;
/// Longest accepted article URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Longest accepted outlet name, in bytes.
pub const MAX_OUTLET_BYTES: usize = 200;
/// Maximum size of a source key, in bytes.
pub const MAX_SOURCE_BYTES: usize = 2048;
/// The earliest publication date accepted.
pub const EARLIEST_YEAR: i32 = 1800;

/// Why an article was refused.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum IngestError {
    /// The text is empty or only whitespace.
    #[error("article text is empty")]
    Empty,
    /// A date line and a title but no body.
    #[error("article has a title but no body text")]
    NoBody,
    /// The bytes are not UTF-8.
    #[error("article text is not valid UTF-8 (first bad byte at offset {offset})")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// NUL bytes: a binary file, not an article.
    #[error("article looks binary: it contains a NUL byte at offset {offset}")]
    Binary {
        /// Byte offset of the first NUL.
        offset: usize,
    },
    /// Larger than the configured limit.
    #[error(
        "article is {size} bytes, over the {limit}-byte limit (raise it with --max-article-bytes)"
    )]
    TooLarge {
        /// Size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The first line starts with `date` but the date does not parse.
    #[error(
        "malformed date line {line:?}: expected ' date YYYY-MM-DD Title' with a real calendar date"
    )]
    MalformedDateLine {
        /// The offending line (clipped).
        line: String,
    },
    /// A publication date after today.
    #[error("publication date {date} is in the future (today is {today})")]
    FutureDate {
        /// The date given.
        date: NaiveDate,
        /// Today, UTC.
        today: NaiveDate,
    },
    /// The source key is empty.
    #[error("article source is empty: give a file name, URL or other key")]
    EmptySource,
    /// A one-line field (source, title, outlet) holds a control character (an escape
    /// sequence, a NUL): it would reach terminals and spreadsheets raw.
    #[error("article {field} contains a control character (U+{code:04X}) at byte {offset}")]
    ControlCharacter {
        /// The field.
        field: &'static str,
        /// The character's code point.
        code: u32,
        /// Its byte offset in the field.
        offset: usize,
    },
    /// A publication date before the earliest one accepted.
    #[error("publication date {date} is before {earliest}: not a news article date")]
    AncientDate {
        /// The date given.
        date: NaiveDate,
        /// The earliest date accepted.
        earliest: NaiveDate,
    },
    /// The body holds no letter or digit (only punctuation, emoji or invisible characters).
    #[error("article body has no words: only punctuation, symbols or invisible characters")]
    NoWords,
    /// A title or source longer than its limit.
    #[error("article {field} is {size} bytes, over the {limit}-byte limit for that field")]
    FieldTooLong {
        /// `title` or `source`.
        field: &'static str,
        /// Size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// A URL that is not an absolute http(s) URL.
    #[error("article url {url:?} is not an absolute http:// or https:// URL without spaces")]
    BadUrl {
        /// The URL given (clipped).
        url: String,
    },
    /// Extraction failed on this article (a defect; the article is refused, nothing else is
    /// touched).
    #[error("extraction failed on this article: {0}")]
    ExtractionFailed(String),
    /// A JSON Lines record that does not parse.
    #[error("line {line}: not a valid article record: {message}")]
    BadRecord {
        /// 1-based line number.
        line: usize,
        /// Parser message.
        message: String,
    },
    /// A file or directory that cannot be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// Path.
        path: String,
        /// OS message.
        message: String,
    },
}

/// An article as an entry point received it, before validation.
#[derive(Debug, Clone, Default)]
pub struct RawArticle {
    /// Key given by the entry point (file name, URL, …).
    pub source: String,
    /// The text bytes, in the seed format.
    pub bytes: Vec<u8>,
    /// Explicit title (overrides the first line).
    pub title: Option<String>,
    /// Explicit publication date (overrides the date line).
    pub published_on: Option<NaiveDate>,
    /// Explicit language (skips detection).
    pub language: Option<Language>,
    /// Where the article is published (`http(s)://…`), when known.
    pub url: Option<String>,
    /// The news outlet that published it, when known.
    pub outlet: Option<String>,
}

/// A validated article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Content id.
    pub id: ArticleId,
    /// Source key.
    pub source: String,
    /// Title.
    pub title: String,
    /// Body (the text without its first line when that was the title or date line).
    pub body: String,
    /// Publication date, when known. Never invented.
    pub published_on: Option<NaiveDate>,
    /// Language given at ingest, if any.
    pub language: Option<Language>,
    /// Where the article is published, when known.
    pub url: Option<String>,
    /// The outlet that published it, when known.
    pub outlet: Option<String>,
}

/// Validation settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Maximum article size in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

fn clip(line: &str) -> String {
    line.chars().take(80).collect()
}

/// Splits the seed format: an optional ` date YYYY-MM-DD Title` first line, else the first
/// non-empty line is the title. Returns (title, date, body).
fn split_seed_format(text: &str) -> Result<(String, Option<NaiveDate>, String), IngestError> {
    let text = text.trim_start_matches('\u{feff}');
    let trimmed = text.trim_start_matches(['\n', '\r']);
    let (first, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    let first_trimmed = first.trim();
    if let Some(after) = first_trimmed
        .strip_prefix("date ")
        .or_else(|| (first_trimmed == "date").then_some(""))
    {
        let after = after.trim_start();
        let (date_text, title) = after.split_once(char::is_whitespace).unwrap_or((after, ""));
        let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").map_err(|_| {
            IngestError::MalformedDateLine {
                line: clip(first_trimmed),
            }
        })?;
        let title = title.trim();
        if title.is_empty() {
            // The title is the first non-empty body line.
            let rest = rest.trim_start();
            let (title, body) = rest.split_once('\n').unwrap_or((rest, ""));
            return Ok((title.trim().to_string(), Some(date), body.to_string()));
        }
        return Ok((title.to_string(), Some(date), rest.to_string()));
    }
    Ok((first_trimmed.to_string(), None, rest.to_string()))
}

/// The first sentence of a one-line news brief, when the line holds at least two sentences:
/// a sentence end (`.`, `!`, `?` or `…`, after a word or number of two or more characters) followed by a
/// space and an upper-case letter, a digit or an opening quote.
fn brief_headline(line: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '!' | '?' | '…') {
            continue;
        }
        // A word or a number (a year, a day) of two or more characters ends the sentence;
        // one letter before the stop is an initial ("A. Smith").
        let word_before = chars[..i]
            .iter()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric())
            .count();
        let next = chars.get(i + 1).map(|&(_, c)| c);
        let after = chars.get(i + 2).map(|&(_, c)| c);
        if word_before >= 2
            && next == Some(' ')
            && after.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || "«\"“".contains(c))
        {
            let headline = line[..at + c.len_utf8()].trim();
            return (!headline.is_empty()).then(|| headline.to_string());
        }
    }
    None
}

/// The content id: SHA-256 over date, title and body (whitespace-trimmed), first 16 hex digits.
pub fn content_id(title: &str, published_on: Option<NaiveDate>, body: &str) -> ArticleId {
    let mut hasher = Sha256::new();
    hasher.update(published_on.map(|d| d.to_string()).unwrap_or_default());
    hasher.update([0]);
    hasher.update(title.trim());
    hasher.update([0]);
    hasher.update(body.trim());
    let digest = hasher.finalize();
    ArticleId(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// Validates one raw article. `today` bounds the publication date.
///
/// # Errors
/// Every [`IngestError`] variant but `BadRecord` and `Io`, naming what is wrong.
pub fn validate(raw: RawArticle, limits: Limits, today: NaiveDate) -> Result<Article, IngestError> {
    let source = raw.source.trim().to_string();
    if source.is_empty() {
        return Err(IngestError::EmptySource);
    }
    if source.len() > MAX_SOURCE_BYTES {
        return Err(IngestError::FieldTooLong {
            field: "source",
            size: source.len(),
            limit: MAX_SOURCE_BYTES,
        });
    }
    if let Some(title) = &raw.title
        && title.len() > MAX_TITLE_BYTES
    {
        return Err(IngestError::FieldTooLong {
            field: "title",
            size: title.len(),
            limit: MAX_TITLE_BYTES,
        });
    }
    if raw.bytes.len() > limits.max_bytes {
        return Err(IngestError::TooLarge {
            size: raw.bytes.len(),
            limit: limits.max_bytes,
        });
    }
    if let Some(offset) = raw.bytes.iter().position(|&b| b == 0) {
        return Err(IngestError::Binary { offset });
    }
    let text = String::from_utf8(raw.bytes).map_err(|e| IngestError::InvalidUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })?;
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(IngestError::Empty);
    }
    let (mut title, mut published_on, mut body) = split_seed_format(&text)?;
    if let Some(explicit) = raw.title.filter(|t| !t.trim().is_empty()) {
        // With an explicit title and no date line, the whole text is the body.
        if published_on.is_none() {
            body = text.trim().to_string();
        }
        title = explicit.trim().to_string();
    }
    if raw.published_on.is_some() {
        published_on = raw.published_on;
    }
    if body.trim().is_empty() {
        if title.trim().is_empty() {
            return Err(IngestError::Empty);
        }
        // A news brief: one paragraph of several sentences and no headline line. Its first
        // sentence is the title, the whole paragraph the body.
        match brief_headline(&title) {
            Some(headline) => {
                body = title.clone();
                title = headline;
            }
            None => return Err(IngestError::NoBody),
        }
    }
    if title.len() > MAX_TITLE_BYTES {
        return Err(IngestError::FieldTooLong {
            field: "title",
            size: title.len(),
            limit: MAX_TITLE_BYTES,
        });
    }
    if !body.chars().any(char::is_alphanumeric) {
        return Err(IngestError::NoWords);
    }
    let url = match raw.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(url) => {
            if url.len() > MAX_URL_BYTES {
                return Err(IngestError::FieldTooLong {
                    field: "url",
                    size: url.len(),
                    limit: MAX_URL_BYTES,
                });
            }
            let scheme_ok = ["http://", "https://"].iter().any(|s| {
                url.get(..s.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(s))
            });
            let host_ok = url.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
            if !scheme_ok || !host_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(IngestError::BadUrl {
                    url: url.chars().take(200).collect(),
                });
            }
            Some(url.to_string())
        }
    };
    let outlet = raw
        .outlet
        .as_deref()
        .map(|o| o.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|o| !o.is_empty());
    for (field, value) in [
        ("source", Some(source.as_str())),
        ("title", Some(title.as_str())),
        ("outlet", outlet.as_deref()),
    ] {
        if let Some((offset, c)) =
            value.and_then(|v| v.char_indices().find(|&(_, c)| c.is_control() && c != '\t'))
        {
            return Err(IngestError::ControlCharacter {
                field,
                code: u32::from(c),
                offset,
            });
        }
    }
    if let Some(outlet) = &outlet
        && outlet.len() > MAX_OUTLET_BYTES
    {
        return Err(IngestError::FieldTooLong {
            field: "outlet",
            size: outlet.len(),
            limit: MAX_OUTLET_BYTES,
        });
    }
    if let Some(date) = published_on {
        if date > today {
            return Err(IngestError::FutureDate { date, today });
        }
        let earliest = NaiveDate::from_ymd_opt(EARLIEST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN);
        if date < earliest {
            return Err(IngestError::AncientDate { date, earliest });
        }
    }
    Ok(Article {
        id: content_id(&title, published_on, &body),
        source,
        title,
        body: body.trim().to_string(),
        published_on,
        language: raw.language,
        url,
        outlet,
    })
}

/// One JSON Lines record: `{"source", "text", "title"?, "publishedOn"?, "language"?,
/// "url"?, "outlet"?}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    source: String,
    text: String,
    title: Option<String>,
    #[serde(rename = "publishedOn")]
    published_on: Option<String>,
    language: Option<String>,
    url: Option<String>,
    outlet: Option<String>,
}

fn record_to_raw(line_no: usize, line: &str) -> Result<RawArticle, IngestError> {
    let record: Record = serde_json::from_str(line).map_err(|e| IngestError::BadRecord {
        line: line_no,
        message: e.to_string(),
    })?;
    let published_on = match record.published_on.as_deref() {
        None | Some("") => None,
        Some(date) => Some(NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            IngestError::BadRecord {
                line: line_no,
                message: format!("publishedOn {date:?} is not a YYYY-MM-DD date"),
            }
        })?),
    };
    let language = match record.language.as_deref() {
        None | Some("") => None,
        Some(code) => Some(
            Language::from_code(code).ok_or_else(|| IngestError::BadRecord {
                line: line_no,
                message: format!("language {code:?} is not one of kk, ru, en"),
            })?,
        ),
    };
    Ok(RawArticle {
        source: record.source,
        bytes: record.text.into_bytes(),
        title: record.title,
        published_on,
        language,
        url: record.url,
        outlet: record.outlet,
    })
}

/// One input found by [`read_inputs`]: where it came from and the article or the error.
pub type Input = (String, Result<RawArticle, IngestError>);

fn io_error(path: &Path, e: std::io::Error) -> IngestError {
    IngestError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// JSON escaping can make an article's text longer than its bytes (`\n`, `\u0430`): a
/// record line may be this many times the article limit before it is refused unread.
const JSON_LINE_FACTOR: usize = 6;

/// Reads one line of at most `max` bytes; a longer line is skipped to its end without being
/// kept, and reported as `Err(length)`. `Ok(None)` at the end of the stream.
fn read_bounded_line(
    reader: &mut impl BufRead,
    max: usize,
) -> std::io::Result<Option<Result<Vec<u8>, usize>>> {
    let mut line = Vec::new();
    let mut length = 0usize;
    let mut any = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        any = true;
        let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
            Some(i) => (&buffer[..i], Some(i + 1)),
            None => (buffer, None),
        };
        length += chunk.len();
        if length <= max {
            line.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    Ok(Some(if length > max { Err(length) } else { Ok(line) }))
}

/// Reads a JSON Lines stream, calling `each` per record. A line longer than
/// `max_article_bytes` allows is refused without being held in memory.
pub fn read_json_lines(
    label: &str,
    mut reader: impl BufRead,
    max_article_bytes: usize,
    each: &mut dyn FnMut(Input),
) {
    let max_line = max_article_bytes.saturating_mul(JSON_LINE_FACTOR).max(4096);
    let mut line_no = 0;
    loop {
        line_no += 1;
        let line = match read_bounded_line(&mut reader, max_line) {
            Ok(None) => break,
            Ok(Some(line)) => line,
            Err(e) => {
                each((
                    format!("{label}:{line_no}"),
                    Err(io_error(Path::new(label), e)),
                ));
                break;
            }
        };
        let where_ = format!("{label}:{line_no}");
        match line {
            Err(size) => each((
                where_,
                Err(IngestError::TooLarge {
                    size,
                    limit: max_line,
                }),
            )),
            Ok(bytes) => {
                let Ok(line) = std::str::from_utf8(&bytes) else {
                    each((
                        where_,
                        Err(IngestError::BadRecord {
                            line: line_no,
                            message: "not UTF-8".into(),
                        }),
                    ));
                    continue;
                };
                // A file saved with a byte-order mark (as some Windows editors do).
                let line = match line_no {
                    1 => line.strip_prefix('\u{feff}').unwrap_or(line),
                    _ => line,
                };
                if line.trim().is_empty() {
                    continue;
                }
                each((where_, record_to_raw(line_no, line)));
            }
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), IngestError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io_error(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if path.is_file()
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("txt" | "jsonl")
            )
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Lists the article files under `path`: the path itself when it is a file, else every
/// `*.txt` and `*.jsonl` below it, sorted.
///
/// # Errors
/// [`IngestError::Io`] when the path or a directory cannot be read.
pub fn list_files(path: &Path) -> Result<Vec<PathBuf>, IngestError> {
    if path.is_dir() {
        let mut files = Vec::new();
        collect_files(path, &mut files)?;
        Ok(files)
    } else if path.exists() {
        Ok(vec![path.to_path_buf()])
    } else {
        Err(io_error(
            path,
            std::io::Error::from(std::io::ErrorKind::NotFound),
        ))
    }
}

/// Reads one file: a `.jsonl` file gives one input per line, any other file one article
/// whose source is its file name.
pub fn read_file(path: &Path, max_article_bytes: usize, each: &mut dyn FnMut(Input)) {
    let label = path.display().to_string();
    if path.extension().and_then(|e| e.to_str()) == Some("jsonl") {
        match std::fs::File::open(path) {
            Ok(file) => read_json_lines(
                &label,
                std::io::BufReader::with_capacity(1 << 20, file),
                max_article_bytes,
                each,
            ),
            Err(e) => each((label, Err(io_error(path, e)))),
        }
        return;
    }
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| label.clone());
    // Too large to be an article: refused from its size, never read.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > max_article_bytes as u64
    {
        each((
            label,
            Err(IngestError::TooLarge {
                size: usize::try_from(meta.len()).unwrap_or(usize::MAX),
                limit: max_article_bytes,
            }),
        ));
        return;
    }
    match std::fs::read(path) {
        Ok(bytes) => each((
            label,
            Ok(RawArticle {
                source,
                bytes,
                ..RawArticle::default()
            }),
        )),
        Err(e) => each((label, Err(io_error(path, e)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap_or_default()
    }

    fn check(text: &str) -> Result<Article, IngestError> {
        validate(
            RawArticle {
                source: "a.txt".into(),
                bytes: text.as_bytes().to_vec(),
                ..RawArticle::default()
            },
            Limits::default(),
            today(),
        )
    }

    #[test]
    fn parses_the_seed_format() -> Result<(), IngestError> {
        let a = check(" date 2026-01-05 Заголовок\nТекст статьи.")?;
        assert_eq!(
            (a.title.as_str(), a.body.as_str()),
            ("Заголовок", "Текст статьи.")
        );
        assert_eq!(a.published_on, NaiveDate::from_ymd_opt(2026, 1, 5));
        let b = check("Title only line\n\nBody here.")?;
        assert_eq!(
            (b.title.as_str(), b.published_on),
            ("Title only line", None)
        );
        Ok(())
    }

    #[test]
    fn refuses_bad_input_with_specific_errors() {
        assert_eq!(check("   \n "), Err(IngestError::Empty));
        assert!(matches!(
            check(" date 2025-13-45 Title\nbody"),
            Err(IngestError::MalformedDateLine { .. })
        ));
        assert!(matches!(
            check(" date 2027-01-01 Title\nbody"),
            Err(IngestError::FutureDate { .. })
        ));
        assert!(matches!(
            check("a\0b"),
            Err(IngestError::Binary { offset: 1 })
        ));
        assert_eq!(
            check(" date 2025-01-01 Title only"),
            Err(IngestError::NoBody)
        );
        assert_eq!(check("Тоқаев кездесті\n🎉"), Err(IngestError::NoWords));
        assert_eq!(check("Title\n!!! \u{200b}"), Err(IngestError::NoWords));
        assert!(matches!(
            check(" date -262143-01-01 Title\nbody"),
            Err(IngestError::MalformedDateLine { .. } | IngestError::AncientDate { .. })
        ));
        assert!(matches!(
            check(" date 1700-01-01 Title\nbody"),
            Err(IngestError::AncientDate { .. })
        ));
        let long_title = format!("{}\nbody", "t".repeat(MAX_TITLE_BYTES + 1));
        assert!(matches!(
            check(&long_title),
            Err(IngestError::FieldTooLong { field: "title", .. })
        ));
        let bad_utf8 = validate(
            RawArticle {
                source: "x".into(),
                bytes: vec![b'a', 0xff, b'b'],
                ..RawArticle::default()
            },
            Limits::default(),
            today(),
        );
        assert_eq!(bad_utf8, Err(IngestError::InvalidUtf8 { offset: 1 }));
        let huge = validate(
            RawArticle {
                source: "x".into(),
                bytes: vec![b'a'; 11],
                ..RawArticle::default()
            },
            Limits { max_bytes: 10 },
            today(),
        );
        assert_eq!(
            huge,
            Err(IngestError::TooLarge {
                size: 11,
                limit: 10
            })
        );
    }

    #[test]
    fn a_one_paragraph_brief_is_accepted_with_its_first_sentence_as_title()
    -> Result<(), IngestError> {
        let brief = check(
            "Президент Казахстана провёл переговоры в Астане. Стороны обсудили торговлю. Подписаны 5 документов.",
        )?;
        assert_eq!(
            brief.title,
            "Президент Казахстана провёл переговоры в Астане."
        );
        assert!(brief.body.starts_with("Президент Казахстана провёл"));
        assert!(brief.body.ends_with("Подписаны 5 документов."));
        // Control characters in one-line fields are refused, naming the field.
        let with = |source: &str, outlet: Option<&str>| {
            validate(
                RawArticle {
                    source: source.into(),
                    bytes: b"Title\nBody text.".to_vec(),
                    outlet: outlet.map(Into::into),
                    ..RawArticle::default()
                },
                Limits::default(),
                today(),
            )
        };
        let escape = with("a\u{1b}[31m.txt", None);
        assert!(
            matches!(
                escape,
                Err(IngestError::ControlCharacter {
                    field: "source",
                    code: 0x1b,
                    ..
                })
            ),
            "{escape:?}"
        );
        let outlet = with("a.txt", Some("News\u{7}"));
        assert!(
            matches!(
                outlet,
                Err(IngestError::ControlCharacter {
                    field: "outlet",
                    ..
                })
            ),
            "{outlet:?}"
        );
        assert!(matches!(
            check("Title \u{1b}x\nBody text."),
            Err(IngestError::ControlCharacter { field: "title", .. })
        ));
        // A first sentence that ends in a year or a day number is a sentence too.
        let dated = check("The minister arrived in Baku on 3 May 2025. Talks follow on Monday.")?;
        assert_eq!(dated.title, "The minister arrived in Baku on 3 May 2025.");
        assert!(dated.body.ends_with("Talks follow on Monday."));
        // An initial is not a sentence end.
        assert_eq!(
            check("Talks with J. Smith were held"),
            Err(IngestError::NoBody)
        );
        assert_eq!(
            check("Just a headline with no full stop"),
            Err(IngestError::NoBody)
        );
        Ok(())
    }

    #[test]
    fn ids_depend_on_content_not_source() -> Result<(), IngestError> {
        let a = check(" date 2026-01-05 T\nBody")?;
        let b = validate(
            RawArticle {
                source: "other.txt".into(),
                bytes: b" date 2026-01-05 T\nBody\n".to_vec(),
                ..RawArticle::default()
            },
            Limits::default(),
            today(),
        )?;
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, check(" date 2026-01-06 T\nBody")?.id);
        Ok(())
    }

    #[test]
    fn an_overlong_json_line_is_refused_unread_and_the_next_one_read() {
        let long = format!("{{\"source\":\"x\",\"text\":\"{}\"}}", "a".repeat(10_000));
        let data = format!("{long}\n{{\"source\":\"s\",\"text\":\"T\\nB\"}}\n");
        let mut seen = Vec::new();
        read_json_lines("feed", data.as_bytes(), 100, &mut |(at, r)| {
            seen.push((at, matches!(r, Err(IngestError::TooLarge { .. }))))
        });
        assert_eq!(
            seen,
            [("feed:1".to_string(), true), ("feed:2".to_string(), false)]
        );
    }

    #[test]
    fn json_lines_records() {
        let data = "{\"source\":\"s1\",\"text\":\"T\\nB\",\"publishedOn\":\"2025-01-02\",\"language\":\"ru\"}\n\nnot json\n";
        let mut seen = Vec::new();
        read_json_lines("feed", data.as_bytes(), DEFAULT_MAX_BYTES, &mut |(
            at,
            r,
        )| {
            seen.push((at, r.is_ok()))
        });
        assert_eq!(
            seen,
            [("feed:1".to_string(), true), ("feed:3".to_string(), false)]
        );
    }

    #[test]
    fn a_byte_order_mark_before_the_first_json_line_is_skipped() {
        let data = "\u{feff}{\"source\":\"s1\",\"text\":\"T\\nB\"}\n{\"source\":\"s2\",\"text\":\"T\\nB\"}\n";
        let mut seen = Vec::new();
        read_json_lines("feed", data.as_bytes(), DEFAULT_MAX_BYTES, &mut |(
            at,
            r,
        )| {
            seen.push((at, r.map(|raw| raw.source).ok()))
        });
        assert_eq!(
            seen,
            [
                ("feed:1".to_string(), Some("s1".to_string())),
                ("feed:2".to_string(), Some("s2".to_string()))
            ]
        );
    }
}
