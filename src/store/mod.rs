//! The durable article log, behind one trait with two implementations: the embedded
//! SQLite database in the data folder (the default, [`SqliteStore`]) and PostgreSQL
//! ([`PostgresStore`]), which several replicas share.
//!
//! Every accepted article, every deletion (PostgreSQL) and the cached facts of each article
//! sit in the log under a sequence number whose order is the commit order. An article is
//! acknowledged only after its transaction commits, so a `kill -9` at any moment loses no
//! acknowledged article. The graph is derived from the log, applied in sequence order, so
//! every process that reads one log builds the same graph with the same ids.

mod postgres_store;
mod sqlite;

pub use postgres_store::PostgresStore;
pub use sqlite::SqliteStore;

use crate::ingest::Article;
use crate::model::ArticleId;
use std::path::PathBuf;
use std::time::Duration;
use thiserror::Error;

/// On-disk (and in-database) format version, checked at open.
pub const FORMAT_VERSION: &str = "1";
/// Database file name inside the data folder.
pub const DB_FILE: &str = "eventgraph.db";

/// Store failures.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The data folder cannot be created.
    #[error("cannot create data folder {path}: {source}")]
    CreateDir {
        /// Folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// SQLite refused an operation.
    #[error("store {path}: {source}")]
    Sqlite {
        /// Database path.
        path: PathBuf,
        /// Cause.
        source: rusqlite::Error,
    },
    /// The store file exists but is empty (0 bytes).
    #[error(
        "store file {path} is empty (0 bytes): it was truncated or never written; restore it from a backup, or delete it to start an empty store"
    )]
    EmptyFile {
        /// Database path.
        path: PathBuf,
    },
    /// PostgreSQL refused an operation or cannot be reached.
    #[error("PostgreSQL: {source}")]
    Postgres {
        /// The store, without credentials.
        target: String,
        /// Cause.
        source: postgres::Error,
    },
    /// `--store` names no store this build can open.
    #[error("store location {given:?}: {reason}")]
    Location {
        /// What was given (credentials removed).
        given: String,
        /// Why it is refused.
        reason: String,
    },
    /// The file was written by an incompatible version.
    #[error("store {path} has format version {found}, this build reads version {FORMAT_VERSION}")]
    Format {
        /// Database path or URL (without credentials).
        path: String,
        /// Version found.
        found: String,
    },
}

/// A stored row that cannot be read back (a damaged value).
#[derive(Debug, Clone, PartialEq)]
pub struct UnreadableRow {
    /// The row's sequence number (`seq` column, ingestion order).
    pub seq: i64,
    /// What failed.
    pub reason: String,
}

/// Where an article was published: its URL and outlet, each when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleOrigin {
    /// The article's URL.
    pub url: Option<String>,
    /// The outlet that published it.
    pub outlet: Option<String>,
}

/// An article as stored, with its cached facts.
#[derive(Debug, Clone)]
pub struct StoredArticle {
    /// The article.
    pub article: Article,
    /// Extraction facts (JSON) and the extractor version that wrote them.
    pub facts: Option<(String, String)>,
    /// The row's sequence number (commit order).
    pub seq: i64,
}

/// An article's columns as both stores keep them (dates and language codes as text); the
/// one place that turns them back into a [`StoredArticle`].
pub(crate) struct Columns {
    pub(crate) seq: i64,
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) published_on: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) facts: Option<String>,
    pub(crate) facts_version: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) outlet: Option<String>,
}

impl From<Columns> for StoredArticle {
    fn from(c: Columns) -> StoredArticle {
        StoredArticle {
            article: Article {
                id: ArticleId(c.id),
                source: c.source,
                title: c.title,
                body: c.body,
                published_on: c
                    .published_on
                    .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                language: c
                    .language
                    .and_then(|l| crate::model::Language::from_code(&l)),
                url: c.url,
                outlet: c.outlet,
            },
            facts: c.facts.zip(c.facts_version),
            seq: c.seq,
        }
    }
}

/// One entry of the log, in sequence order.
#[derive(Debug, Clone)]
pub enum LogEntry {
    /// An article was stored.
    Added(StoredArticle),
    /// An article was deleted (only stores shared by several processes log deletions).
    Deleted {
        /// The deletion's sequence number.
        seq: i64,
        /// The deleted article.
        id: ArticleId,
    },
}

impl LogEntry {
    /// The entry's sequence number.
    pub fn seq(&self) -> i64 {
        match self {
            LogEntry::Added(stored) => stored.seq,
            LogEntry::Deleted { seq, .. } => *seq,
        }
    }
}

/// What [`ArticleStore::delete`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// No such article was stored.
    NotStored,
    /// Deleted, and logged at this sequence number: the entries before it come first.
    Logged(i64),
    /// Deleted, not logged (a store one process owns); it comes after every entry so far.
    Unlogged,
}

/// One article to insert: the article and its cached facts (JSON, extractor version).
pub type NewRow<'a> = (&'a Article, Option<(&'a str, &'a str)>);

/// The durable article log (see the module documentation). Methods take `&mut self`: a
/// store is one connection, used by one thread at a time.
pub trait ArticleStore: Send + std::fmt::Debug {
    /// Where the store is, safe to log: credentials are never part of it.
    fn describe(&self) -> String;

    /// A second connection to the same store, for long reads (bodies, rebuilds) that must
    /// not hold the writer's connection.
    ///
    /// # Errors
    /// When the store cannot be reached.
    fn reader(&self) -> Result<Box<dyn ArticleStore>, StoreError>;

    /// Something that waits until the log may have grown (see [`ChangeWatch`]).
    ///
    /// # Errors
    /// When the store cannot be reached.
    fn watcher(&self) -> Result<Box<dyn ChangeWatch>, StoreError>;

    /// The store's article count and last sequence number. Every write raises the last
    /// number (numbers are never reused) and every deletion lowers the count, so the pair
    /// tells whether the store changed since it was read.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn generation(&mut self) -> Result<(u64, i64), StoreError>;

    /// Inserts articles in one transaction, committed before returning. Returns, per
    /// article, its sequence number when it was new, `None` when an article with the same
    /// content id was already stored. The new rows' numbers are consecutive in the log:
    /// no other writer's entry falls between them.
    ///
    /// # Errors
    /// When the store fails; then nothing of the batch is stored.
    fn insert_batch(&mut self, batch: &[NewRow<'_>]) -> Result<Vec<Option<i64>>, StoreError>;

    /// Replaces the cached facts of articles (after an extractor upgrade).
    ///
    /// # Errors
    /// When the store fails.
    fn update_facts(
        &mut self,
        updates: &[(ArticleId, String)],
        version: &str,
    ) -> Result<(), StoreError>;

    /// Compacts after a large write (SQLite: truncates the write-ahead log).
    ///
    /// # Errors
    /// When the store fails.
    fn checkpoint(&mut self) -> Result<(), StoreError>;

    /// Deletes an article (see [`Deletion`]).
    ///
    /// # Errors
    /// When the store fails.
    fn delete(&mut self, id: &ArticleId) -> Result<Deletion, StoreError>;

    /// The store's identity, made once when the store was created: it tells two stores
    /// apart that happen to hold the same number of articles.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn identity(&mut self) -> Result<String, StoreError>;

    /// The last sequence number of the log (0 when empty); cheap. It moves with every
    /// committed write, by any process.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn last_seq(&mut self) -> Result<i64, StoreError>;

    /// Number of stored articles after sequence number `seq`.
    ///
    /// # Errors
    /// When the store fails.
    fn count_after(&mut self, seq: i64) -> Result<usize, StoreError>;

    /// Calls `each` for every log entry with `after < seq < before` (no upper bound when
    /// `before` is `None`), in sequence order. Rows that cannot be read back (a damaged
    /// value) are returned, not passed on.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn read_log(
        &mut self,
        after: i64,
        before: Option<i64>,
        each: &mut dyn FnMut(LogEntry),
    ) -> Result<Vec<UnreadableRow>, StoreError>;

    /// Deletes the given rows (unreadable ones found by [`ArticleStore::read_log`]);
    /// returns how many went.
    ///
    /// # Errors
    /// When the store fails; nothing is deleted then.
    fn delete_rows(&mut self, seqs: &[i64]) -> Result<usize, StoreError>;

    /// The body of the article with content id `id`, if stored.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn body(&mut self, id: &ArticleId) -> Result<Option<String>, StoreError>;

    /// The URL and outlet of the article with content id `id`: `None` when no such article
    /// is stored; each part `None` when not known.
    ///
    /// # Errors
    /// When the store cannot be read.
    fn origin(&mut self, id: &ArticleId) -> Result<Option<ArticleOrigin>, StoreError>;
}

/// Waits until a store's log may have grown: PostgreSQL's `LISTEN` wakes it at once; a
/// store without notifications just waits out the timeout (its reader then looks at
/// [`ArticleStore::last_seq`]).
pub trait ChangeWatch: Send {
    /// Returns when a change was announced or `timeout` passed, whichever comes first.
    ///
    /// # Errors
    /// When the connection is lost (the caller waits and opens a new watch).
    fn wait(&mut self, timeout: Duration) -> Result<(), StoreError>;
}

/// Where the log lives, as given by `--store` / `EVENTGRAPH_STORE`.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// `sqlite:FOLDER`: the embedded database in a data folder (`--data FOLDER`).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`: a PostgreSQL database (13 or later).
    Postgres(String),
}

impl std::str::FromStr for StoreLocation {
    type Err = StoreError;

    fn from_str(given: &str) -> Result<StoreLocation, StoreError> {
        if let Some(folder) = given.strip_prefix("sqlite:") {
            if folder.is_empty() {
                return Err(StoreError::Location {
                    given: given.to_string(),
                    reason: "`sqlite:` needs a folder, e.g. sqlite:./data".into(),
                });
            }
            return Ok(StoreLocation::Sqlite(PathBuf::from(folder)));
        }
        if given.starts_with("postgres://") || given.starts_with("postgresql://") {
            return Ok(StoreLocation::Postgres(given.to_string()));
        }
        Err(StoreError::Location {
            given: redact(given),
            reason: "expected sqlite:FOLDER or postgres://USER@HOST:PORT/DATABASE".into(),
        })
    }
}

impl std::fmt::Display for StoreLocation {
    /// The location without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreLocation::Sqlite(folder) => write!(f, "sqlite:{}", folder.display()),
            StoreLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoreLocation({self})")
    }
}

/// A connection URL with its password (and any `password=` parameter) replaced by `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (base, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{base}{}", query.join("&"));
    }
    out
}

/// A new store identity: a hash of the moment, the process and where the store is.
pub(crate) fn new_identity(place: &str) -> String {
    use sha2::{Digest, Sha256};
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let digest = Sha256::digest(format!("{nanos}/{}/{place}", std::process::id()));
    digest.iter().take(12).map(|b| format!("{b:02x}")).collect()
}

/// Opens (or creates) the store at `location`.
///
/// # Errors
/// When it cannot be reached or created, or holds another format version.
pub fn open(location: &StoreLocation) -> Result<Box<dyn ArticleStore>, StoreError> {
    Ok(match location {
        StoreLocation::Sqlite(folder) => Box::new(SqliteStore::open(folder)?),
        StoreLocation::Postgres(url) => Box::new(PostgresStore::open(url)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_and_never_show_a_password() {
        let pg: StoreLocation =
            "postgres://reader:s3cret@db.example:5432/news?sslmode=disable&password=other"
                .parse()
                .expect("valid");
        let shown = pg.to_string();
        assert!(
            !shown.contains("s3cret") && !shown.contains("other"),
            "{shown}"
        );
        assert_eq!(
            shown,
            "postgres://reader:***@db.example:5432/news?sslmode=disable&password=***"
        );
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert_eq!(
            "sqlite:./data".parse::<StoreLocation>().expect("valid"),
            StoreLocation::Sqlite(PathBuf::from("./data"))
        );
        assert_eq!(redact("postgres://user@host/db"), "postgres://user@host/db");
        let refused = "mysql://root:pw@host/db"
            .parse::<StoreLocation>()
            .expect_err("refused");
        let message = refused.to_string();
        assert!(
            message.contains("expected sqlite:FOLDER") && !message.contains(":pw@"),
            "{message}"
        );
        assert!("sqlite:".parse::<StoreLocation>().is_err());
    }
}
