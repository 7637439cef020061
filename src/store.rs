//! The durable article log: an embedded SQLite database (WAL, `synchronous=FULL`) holding
//! every accepted article and a cache of its extracted facts.
//!
//! An article is acknowledged only after its transaction commits, so a `kill -9` at any
//! moment loses no acknowledged article. The graph is rebuilt from this log at start.
//! Only this module knows the on-disk format; `FORMAT_VERSION` guards it.

use crate::ingest::Article;
use crate::model::{ArticleId, Language};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// On-disk format version, checked at open.
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
    /// The file was written by an incompatible version.
    #[error("store {path} has format version {found}, this build reads version {FORMAT_VERSION}")]
    Format {
        /// Database path.
        path: PathBuf,
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

/// The SQLite-backed article log.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in `dir`.
    ///
    /// # Errors
    /// When the folder or database cannot be created, or has another format version.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        // An empty file where the store should be is a lost or truncated store, not a new
        // one: say so rather than start over silently.
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(StoreError::EmptyFile { path });
        }
        let conn = Connection::open(&path).map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let store = Store { conn, path };
        store.init()?;
        Ok(store)
    }

    /// A read-only connection to the store file at `path` (see [`Store::path`]), for long
    /// reads that must not hold the writer's connection.
    ///
    /// # Errors
    /// When the database cannot be opened.
    pub fn open_reader(path: &Path) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The URL and outlet of the article with content id `id`: `None` when no such article
    /// is stored; each part `None` when not known.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn origin(&self, id: &ArticleId) -> Result<Option<ArticleOrigin>, StoreError> {
        self.conn
            .prepare_cached("SELECT url, outlet FROM articles WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([id.0.as_str()], |row| {
                        Ok(ArticleOrigin {
                            url: row.get(0)?,
                            outlet: row.get(1)?,
                        })
                    })
                    .optional()
            })
            .map_err(self.err())
    }

    /// The body of the article with content id `id`, if stored.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn body(&self, id: &ArticleId) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT body FROM articles WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([id.0.as_str()], |row| row.get(0))
                    .optional()
            })
            .map_err(self.err())
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn init(&self) -> Result<(), StoreError> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode=WAL;
                 PRAGMA synchronous=FULL;
                 PRAGMA busy_timeout=5000;
                 PRAGMA journal_size_limit=67108864;
                 CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS articles(
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    published_on TEXT,
                    language TEXT,
                    ingested_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
                    facts TEXT,
                    facts_version TEXT,
                    url TEXT,
                    outlet TEXT
                 );",
            )
            .map_err(self.err())?;
        // Stores written before articles had a URL and an outlet gain the two columns
        // (empty for the articles already there).
        let has_url: bool = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('articles') WHERE name = 'url'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(self.err())?;
        if !has_url {
            self.conn
                .execute_batch(
                    "ALTER TABLE articles ADD COLUMN url TEXT;
                     ALTER TABLE articles ADD COLUMN outlet TEXT;",
                )
                .map_err(self.err())?;
        }
        let found: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key='format'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.err())?;
        match found {
            None => {
                self.conn
                    .execute(
                        "INSERT INTO meta(key, value) VALUES('format', ?1)",
                        [FORMAT_VERSION],
                    )
                    .map_err(self.err())?;
            }
            Some(v) if v == FORMAT_VERSION => {}
            Some(found) => {
                return Err(StoreError::Format {
                    path: self.path.clone(),
                    found,
                });
            }
        }
        Ok(())
    }

    /// The store's article count and last sequence number. Every insert raises the last
    /// number (sequence numbers are never reused) and every deletion lowers the count, so
    /// the pair tells whether the store changed since it was read.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn generation(&self) -> Result<(u64, i64), StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM articles",
                [],
                |r| Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, i64>(1)?)),
            )
            .map_err(self.err())
    }

    /// SQLite's `data_version` on this connection: it changes when *another* connection
    /// (another process, such as `eventgraph ingest`) commits to the database.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(self.err())
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Inserts articles in one transaction, committed before returning. Returns, per
    /// article, whether it was new (`false`: an article with the same id was stored).
    ///
    /// # Errors
    /// When SQLite fails; then nothing of the batch is stored.
    pub fn insert_batch(
        &mut self,
        batch: &[(&Article, Option<(&str, &str)>)],
    ) -> Result<Vec<bool>, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut inserted = Vec::with_capacity(batch.len());
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO articles(id, source, title, body, published_on, language, facts, facts_version, url, outlet)
                     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for (article, facts) in batch {
                let changed = stmt
                    .execute(params![
                        article.id.0,
                        article.source,
                        article.title,
                        article.body,
                        article.published_on.map(|d| d.to_string()),
                        article.language.map(|l| l.code()),
                        facts.map(|f| f.0),
                        facts.map(|f| f.1),
                        article.url,
                        article.outlet,
                    ])
                    .map_err(err)?;
                inserted.push(changed == 1);
            }
        }
        tx.commit().map_err(err)?;
        Ok(inserted)
    }

    /// Replaces the cached facts of articles (after an extractor upgrade).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn update_facts(
        &mut self,
        updates: &[(ArticleId, String)],
        version: &str,
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // Modest transactions keep the write-ahead log small.
        for chunk in updates.chunks(10_000) {
            let tx = self.conn.transaction().map_err(err)?;
            {
                let mut stmt = tx
                    .prepare_cached("UPDATE articles SET facts=?1, facts_version=?2 WHERE id=?3")
                    .map_err(err)?;
                for (id, facts) in chunk {
                    stmt.execute(params![facts, version, id.0]).map_err(err)?;
                }
            }
            tx.commit().map_err(err)?;
        }
        Ok(())
    }

    /// Moves the write-ahead log into the database file and truncates it, after a large
    /// write (bulk ingest, facts refresh), so later reads do not go through a huge log.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(self.err())
    }

    /// Deletes an article; `true` when it existed.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn delete(&mut self, id: &ArticleId) -> Result<bool, StoreError> {
        let changed = self
            .conn
            .execute("DELETE FROM articles WHERE id=?1", [&id.0])
            .map_err(self.err())?;
        Ok(changed == 1)
    }

    /// Number of stored articles after sequence number `seq`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn count_after(&self, seq: i64) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM articles WHERE seq > ?1", [seq], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as usize)
            .map_err(self.err())
    }

    /// Number of stored articles.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn count(&self) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM articles", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(self.err())
    }

    /// Calls `each` for every article in ingestion order.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn for_each(
        &self,
        each: impl FnMut(StoredArticle),
    ) -> Result<Vec<UnreadableRow>, StoreError> {
        self.for_each_after(0, each)
    }

    /// Like [`Store::for_each`], for the rows after sequence number `after` only.
    ///
    /// # Errors
    /// When the database cannot be read.
    pub fn for_each_after(
        &self,
        after: i64,
        mut each: impl FnMut(StoredArticle),
    ) -> Result<Vec<UnreadableRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, source, title, body, published_on, language, facts, facts_version, seq, url, outlet FROM articles WHERE seq > ?1 ORDER BY seq")
            .map_err(self.err())?;
        let mut rows = stmt.query([after]).map_err(self.err())?;
        let mut unreadable = Vec::new();
        while let Some(row) = rows.next().map_err(self.err())? {
            let read = || -> rusqlite::Result<StoredArticle> {
                let published_on: Option<String> = row.get(4)?;
                let language: Option<String> = row.get(5)?;
                let facts: Option<String> = row.get(6)?;
                let version: Option<String> = row.get(7)?;
                Ok(StoredArticle {
                    article: Article {
                        id: ArticleId(row.get(0)?),
                        source: row.get(1)?,
                        title: row.get(2)?,
                        body: row.get(3)?,
                        published_on: published_on
                            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
                        language: language.and_then(|l| Language::from_code(&l)),
                        url: row.get(9)?,
                        outlet: row.get(10)?,
                    },
                    facts: facts.zip(version),
                    seq: row.get(8)?,
                })
            };
            match read() {
                Ok(stored) => each(stored),
                // One damaged row (a flipped byte in a text) does not make the store
                // unreadable: it is reported by its row number and left out.
                Err(e) => unreadable.push(UnreadableRow {
                    seq: row.get::<_, i64>(8).unwrap_or(-1),
                    reason: e.to_string(),
                }),
            }
        }
        Ok(unreadable)
    }

    /// Deletes the given rows (unreadable ones found by [`Store::for_each`]); returns how
    /// many went.
    ///
    /// # Errors
    /// When SQLite fails; nothing is deleted then.
    pub fn delete_rows(&mut self, seqs: &[i64]) -> Result<usize, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        let mut deleted = 0;
        for seq in seqs {
            deleted += tx
                .execute("DELETE FROM articles WHERE seq = ?1", [seq])
                .map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(deleted)
    }
}
