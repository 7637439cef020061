//! The embedded store: one SQLite database (WAL, `synchronous=FULL`) in the data folder,
//! the default. Only this module knows its on-disk format; `FORMAT_VERSION` guards it.

use super::{
    ArticleOrigin, ArticleStore, ChangeWatch, Columns, DB_FILE, Deletion, FORMAT_VERSION, LogEntry,
    NewRow, StoreError, StoredArticle, UnreadableRow,
};
use crate::model::ArticleId;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// The SQLite-backed article log.
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (or creates) the store in `dir`.
    ///
    /// # Errors
    /// When the folder or database cannot be created, or has another format version.
    pub fn open(dir: &Path) -> Result<SqliteStore, StoreError> {
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
        let store = SqliteStore { conn, path };
        store.init()?;
        Ok(store)
    }

    /// A read-only connection to the store file at `path` (see [`Store::path`]), for long
    /// reads that must not hold the writer's connection.
    ///
    /// # Errors
    /// When the database cannot be opened.
    pub fn open_reader(path: &Path) -> Result<SqliteStore, StoreError> {
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
        Ok(SqliteStore {
            conn,
            path: path.to_path_buf(),
        })
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
                    path: self.path.display().to_string(),
                    found,
                });
            }
        }
        Ok(())
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// SQLite has no notifications: the watch waits out its timeout and the reader then reads
/// the log's last sequence number, which is cheap (the end of the rowid index).
struct PollWatch;

impl ChangeWatch for PollWatch {
    fn wait(&mut self, timeout: std::time::Duration) -> Result<(), StoreError> {
        std::thread::sleep(timeout);
        Ok(())
    }
}

/// Reads one `articles` row (columns as in [`READ_LOG`]).
fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredArticle> {
    Ok(Columns {
        id: row.get(0)?,
        source: row.get(1)?,
        title: row.get(2)?,
        body: row.get(3)?,
        published_on: row.get(4)?,
        language: row.get(5)?,
        facts: row.get(6)?,
        facts_version: row.get(7)?,
        seq: row.get(8)?,
        url: row.get(9)?,
        outlet: row.get(10)?,
    }
    .into())
}

/// The log between two sequence numbers, in the column order [`read_row`] reads.
const READ_LOG: &str = "SELECT id, source, title, body, published_on, language, facts, facts_version, seq, url, outlet FROM articles WHERE seq > ?1 AND seq < ?2 ORDER BY seq";

impl ArticleStore for SqliteStore {
    fn describe(&self) -> String {
        format!(
            "sqlite:{}",
            self.path.parent().unwrap_or(&self.path).display()
        )
    }

    fn reader(&self) -> Result<Box<dyn ArticleStore>, StoreError> {
        Ok(Box::new(SqliteStore::open_reader(&self.path)?))
    }

    fn watcher(&self) -> Result<Box<dyn ChangeWatch>, StoreError> {
        Ok(Box::new(PollWatch))
    }

    fn generation(&mut self) -> Result<(u64, i64), StoreError> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM articles",
                [],
                |r| Ok((r.get::<_, i64>(0)?.max(0) as u64, r.get::<_, i64>(1)?)),
            )
            .map_err(self.err())
    }

    fn insert_batch(&mut self, batch: &[NewRow<'_>]) -> Result<Vec<Option<i64>>, StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        // One writer at a time (SQLite's write lock), so the batch's rows are consecutive.
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
                inserted.push((changed == 1).then(|| tx.last_insert_rowid()));
            }
        }
        tx.commit().map_err(err)?;
        Ok(inserted)
    }

    fn update_facts(
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

    fn checkpoint(&mut self) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(self.err())
    }

    fn delete(&mut self, id: &ArticleId) -> Result<Deletion, StoreError> {
        let changed = self
            .conn
            .execute("DELETE FROM articles WHERE id=?1", [&id.0])
            .map_err(self.err())?;
        Ok(if changed == 0 {
            Deletion::NotStored
        } else {
            Deletion::Unlogged
        })
    }

    fn identity(&mut self) -> Result<String, StoreError> {
        // Made by the first call (stores made before identities get theirs then); a
        // read-only connection only reads it.
        if !self
            .conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(self.err())?
        {
            let id = super::new_identity(&self.path.display().to_string());
            self.conn
                .execute(
                    "INSERT OR IGNORE INTO meta(key, value) VALUES('store_id', ?1)",
                    [&id],
                )
                .map_err(self.err())?;
        }
        self.conn
            .query_row("SELECT value FROM meta WHERE key='store_id'", [], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    fn last_seq(&mut self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM articles", [], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    fn count_after(&mut self, seq: i64) -> Result<usize, StoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM articles WHERE seq > ?1", [seq], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n.max(0) as usize)
            .map_err(self.err())
    }

    fn read_log(
        &mut self,
        after: i64,
        before: Option<i64>,
        each: &mut dyn FnMut(LogEntry),
    ) -> Result<Vec<UnreadableRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(READ_LOG).map_err(self.err())?;
        let mut rows = stmt
            .query([after, before.unwrap_or(i64::MAX)])
            .map_err(self.err())?;
        let mut unreadable = Vec::new();
        while let Some(row) = rows.next().map_err(self.err())? {
            match read_row(row) {
                Ok(stored) => each(LogEntry::Added(stored)),
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

    fn delete_rows(&mut self, seqs: &[i64]) -> Result<usize, StoreError> {
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

    fn body(&mut self, id: &ArticleId) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT body FROM articles WHERE id = ?1")
            .and_then(|mut statement| {
                statement
                    .query_row([id.0.as_str()], |row| row.get(0))
                    .optional()
            })
            .map_err(self.err())
    }

    fn origin(&mut self, id: &ArticleId) -> Result<Option<ArticleOrigin>, StoreError> {
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
}
