//! The shared store: PostgreSQL (13 or later), for several replicas behind a load balancer.
//!
//! Tables live in their own schema, `eventgraph`: `articles` and `deletions` share one
//! sequence, `log_seq`, so together they are the log. PostgreSQL hands out sequence values
//! before commit, so writers append under a transaction-level advisory lock ([`LOG_LOCK`]):
//! the order of sequence numbers is then the commit order, and a reader asking for
//! `seq > applied` never skips a row that commits late. Every append ends with
//! `NOTIFY eventgraph_log`, delivered at commit, which wakes the other replicas.
//!
//! The `postgres` client is synchronous (it runs its own small runtime); calls made on a
//! Tokio worker thread go through [`blocking`].

use super::{
    ArticleOrigin, ArticleStore, ChangeWatch, Columns, Deletion, FORMAT_VERSION, LogEntry, NewRow,
    StoreError, UnreadableRow, redact,
};
use crate::model::ArticleId;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::time::Duration;

/// The advisory lock that serialises appends to the log (any constant shared by all
/// replicas; this one spells "eventgrp").
pub const LOG_LOCK: i64 = 0x6576_656e_7467_7270;
/// The channel appends notify.
pub const CHANNEL: &str = "eventgraph_log";

/// Runs a call of the synchronous client where it may block: inside a multi-threaded Tokio
/// runtime through `block_in_place` (which leaves the runtime's context, so the client's own
/// runtime may run); elsewhere (plain or `spawn_blocking` threads) directly. The binary
/// uses multi-threaded runtimes only; a single-threaded one cannot host this client.
fn blocking<T>(call: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(call),
        _ => call(),
    }
}

/// Drops a client where its closing handshake may block (see [`blocking`]).
fn close(client: Client) {
    blocking(move || drop(client));
}

/// The PostgreSQL-backed log (one connection).
pub struct PostgresStore {
    /// `None` only while being replaced or dropped.
    client: Option<Client>,
    /// The connection URL, credentials included: only ever handed to the driver.
    url: String,
    /// The URL without its password, for logs and errors.
    shown: String,
    /// Statements prepared on this connection, by their text: a prepared statement runs in
    /// one round trip, a query text in two (prepare, then execute).
    statements: HashMap<&'static str, Statement>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.shown)
            .finish_non_exhaustive()
    }
}

/// `client` when its connection is open, else a new connection in its place (statements
/// prepared on the old one are forgotten).
fn live<'a>(
    client: &'a mut Option<Client>,
    statements: &mut HashMap<&'static str, Statement>,
    url: &str,
    shown: &str,
) -> Result<&'a mut Client, StoreError> {
    let open = match client.take() {
        Some(open) if !open.is_closed() => open,
        closed => {
            tracing::warn!(store = %shown, "the PostgreSQL connection was closed; reconnecting");
            if let Some(old) = closed {
                close(old);
            }
            statements.clear();
            connect(url, shown)?
        }
    };
    Ok(client.insert(open))
}

/// Connects with a 10-second timeout unless the URL sets one.
fn connect(url: &str, shown: &str) -> Result<Client, StoreError> {
    let err = |source| StoreError::Postgres {
        target: shown.to_string(),
        source,
    };
    let mut config: postgres::Config = url.parse().map_err(err)?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("eventgraph");
    blocking(|| config.connect(NoTls)).map_err(err)
}

impl PostgresStore {
    /// Connects to `url` and creates the schema when it is not there yet (under the log
    /// lock, so replicas starting together do not race).
    ///
    /// # Errors
    /// When the server cannot be reached, refuses the schema, or holds another format.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let mut store = PostgresStore::connected(url.to_string(), redact(url))?;
        store.init()?;
        Ok(store)
    }

    /// A connection to `url` (shown in logs as `shown`), schema untouched.
    fn connected(url: String, shown: String) -> Result<PostgresStore, StoreError> {
        Ok(PostgresStore {
            client: Some(connect(&url, &shown)?),
            url,
            shown,
            statements: HashMap::new(),
        })
    }

    /// The connection, opened again first when the server closed it (a restart, a
    /// fail-over): one failed call, not a dead replica.
    fn live(&mut self) -> Result<&mut Client, StoreError> {
        live(
            &mut self.client,
            &mut self.statements,
            &self.url,
            &self.shown,
        )
    }

    /// The live connection and the statement `sql` prepared on it (prepared at its first
    /// use on this connection).
    fn prepared(&mut self, sql: &'static str) -> Result<(&mut Client, Statement), StoreError> {
        let client = live(
            &mut self.client,
            &mut self.statements,
            &self.url,
            &self.shown,
        )?;
        let statement = match self.statements.get(sql) {
            Some(statement) => statement.clone(),
            None => {
                let statement =
                    blocking(|| client.prepare(sql)).map_err(|source| StoreError::Postgres {
                        target: self.shown.clone(),
                        source,
                    })?;
                self.statements.insert(sql, statement.clone());
                statement
            }
        };
        Ok((client, statement))
    }

    fn err(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        |source| StoreError::Postgres {
            target: self.shown.clone(),
            source,
        }
    }

    fn init(&mut self) -> Result<(), StoreError> {
        let shown = self.shown.clone();
        let err = |source| StoreError::Postgres {
            target: shown.clone(),
            source,
        };
        let client = self.live()?;
        let found = blocking(|| -> Result<Option<String>, postgres::Error> {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])?;
            tx.batch_execute(
                // No notices for the objects that are already there.
                "SET LOCAL client_min_messages = warning;
                 CREATE SCHEMA IF NOT EXISTS eventgraph;
                 CREATE TABLE IF NOT EXISTS eventgraph.meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE SEQUENCE IF NOT EXISTS eventgraph.log_seq;
                 CREATE TABLE IF NOT EXISTS eventgraph.articles(
                    seq BIGINT PRIMARY KEY DEFAULT nextval('eventgraph.log_seq'),
                    id TEXT NOT NULL UNIQUE,
                    source TEXT NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    published_on TEXT,
                    language TEXT,
                    ingested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                    facts TEXT,
                    facts_version TEXT,
                    url TEXT,
                    outlet TEXT
                 );
                 CREATE TABLE IF NOT EXISTS eventgraph.deletions(
                    seq BIGINT PRIMARY KEY DEFAULT nextval('eventgraph.log_seq'),
                    id TEXT NOT NULL,
                    deleted_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 );",
            )?;
            let found: Option<String> = tx
                .query_opt("SELECT value FROM eventgraph.meta WHERE key = 'format'", &[])?
                .map(|row| row.get(0));
            if found.is_none() {
                tx.execute(
                    "INSERT INTO eventgraph.meta(key, value) VALUES('format', $1)",
                    &[&FORMAT_VERSION],
                )?;
            }
            tx.commit()?;
            Ok(found)
        })
        .map_err(err)?;
        match found {
            Some(found) if found != FORMAT_VERSION => Err(StoreError::Format {
                path: self.shown.clone(),
                found,
            }),
            _ => Ok(()),
        }
    }
}

/// Reads one row of the log query in [`PostgresStore::read_log`].
fn read_entry(row: &postgres::Row) -> Result<LogEntry, postgres::Error> {
    let seq: i64 = row.try_get(0)?;
    if row.try_get::<_, bool>(11)? {
        return Ok(LogEntry::Deleted {
            seq,
            id: ArticleId(row.try_get(1)?),
        });
    }
    Ok(LogEntry::Added(
        Columns {
            seq,
            id: row.try_get(1)?,
            source: row.try_get(2)?,
            title: row.try_get(3)?,
            body: row.try_get(4)?,
            published_on: row.try_get(5)?,
            language: row.try_get(6)?,
            facts: row.try_get(7)?,
            facts_version: row.try_get(8)?,
            url: row.try_get(9)?,
            outlet: row.try_get(10)?,
        }
        .into(),
    ))
}

/// A `LISTEN eventgraph_log` connection.
struct ListenWatch {
    /// `None` only while being dropped.
    client: Option<Client>,
    shown: String,
}

impl ChangeWatch for ListenWatch {
    fn wait(&mut self, timeout: Duration) -> Result<(), StoreError> {
        let shown = self.shown.clone();
        let Some(client) = self.client.as_mut() else {
            return Ok(());
        };
        blocking(|| {
            let mut notifications = client.notifications();
            notifications.timeout_iter(timeout).next()?;
            // Several appends since the last wake-up are one catch-up.
            while notifications.iter().next()?.is_some() {}
            Ok(())
        })
        .map_err(|source| StoreError::Postgres {
            target: shown,
            source,
        })
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            close(client);
        }
    }
}

impl Drop for ListenWatch {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            close(client);
        }
    }
}

impl ArticleStore for PostgresStore {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn reader(&self) -> Result<Box<dyn ArticleStore>, StoreError> {
        Ok(Box::new(PostgresStore::connected(
            self.url.clone(),
            self.shown.clone(),
        )?))
    }

    fn watcher(&self) -> Result<Box<dyn ChangeWatch>, StoreError> {
        let mut client = connect(&self.url, &self.shown)?;
        blocking(|| client.batch_execute(&format!("LISTEN {CHANNEL}"))).map_err(self.err())?;
        Ok(Box::new(ListenWatch {
            client: Some(client),
            shown: self.shown.clone(),
        }))
    }

    fn generation(&mut self) -> Result<(u64, i64), StoreError> {
        let client = self.live()?;
        let row = blocking(|| {
            client.query_one(
                "SELECT COUNT(*), GREATEST(COALESCE(MAX(seq), 0),
                        (SELECT COALESCE(MAX(seq), 0) FROM eventgraph.deletions))
                 FROM eventgraph.articles",
                &[],
            )
        })
        .map_err(self.err())?;
        Ok((row.get::<_, i64>(0).max(0) as u64, row.get(1)))
    }

    fn identity(&mut self) -> Result<String, StoreError> {
        let id = super::new_identity(&self.shown);
        let client = self.live()?;
        blocking(|| {
            // The first replica to ask makes it; every later one reads the same value.
            client.execute(
                "INSERT INTO eventgraph.meta(key, value) VALUES('store_id', $1) ON CONFLICT (key) DO NOTHING",
                &[&id],
            )?;
            client.query_one(
                "SELECT value FROM eventgraph.meta WHERE key = 'store_id'",
                &[],
            )
        })
        .map(|row| row.get(0))
        .map_err(self.err())
    }

    fn last_seq(&mut self) -> Result<i64, StoreError> {
        // Committed entries only (a sequence's own counter moves before commit), and cheap:
        // two index lookups.
        let (client, statement) = self.prepared(
            "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM eventgraph.articles),
                             (SELECT COALESCE(MAX(seq), 0) FROM eventgraph.deletions))",
        )?;
        blocking(|| client.query_one(&statement, &[]))
            .map(|row| row.get(0))
            .map_err(self.err())
    }

    fn insert_batch(&mut self, batch: &[NewRow<'_>]) -> Result<Vec<Option<i64>>, StoreError> {
        let (client, insert) = self.prepared(
            "INSERT INTO eventgraph.articles(id, source, title, body, published_on, language, facts, facts_version, url, outlet)
             VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO NOTHING RETURNING seq",
        )?;
        blocking(|| -> Result<Vec<Option<i64>>, postgres::Error> {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])?;
            let mut inserted = Vec::with_capacity(batch.len());
            for (article, facts) in batch {
                let published_on = article.published_on.map(|d| d.to_string());
                let language = article.language.map(|l| l.code());
                let (facts_json, facts_version) = (facts.map(|f| f.0), facts.map(|f| f.1));
                let params: [&(dyn ToSql + Sync); 10] = [
                    &article.id.0,
                    &article.source,
                    &article.title,
                    &article.body,
                    &published_on,
                    &language,
                    &facts_json,
                    &facts_version,
                    &article.url,
                    &article.outlet,
                ];
                let row = tx.query_opt(&insert, &params)?;
                inserted.push(row.map(|row| row.get::<_, i64>(0)));
            }
            if inserted.iter().any(Option::is_some) {
                tx.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
            }
            tx.commit()?;
            Ok(inserted)
        })
        .map_err(self.err())
    }

    fn update_facts(
        &mut self,
        updates: &[(ArticleId, String)],
        version: &str,
    ) -> Result<(), StoreError> {
        let client = self.live()?;
        blocking(|| -> Result<(), postgres::Error> {
            for chunk in updates.chunks(10_000) {
                let mut tx = client.transaction()?;
                let update = tx.prepare(
                    "UPDATE eventgraph.articles SET facts = $1, facts_version = $2 WHERE id = $3",
                )?;
                for (id, facts) in chunk {
                    tx.execute(&update, &[facts, &version, &id.0])?;
                }
                tx.commit()?;
            }
            Ok(())
        })
        .map_err(self.err())
    }

    fn checkpoint(&mut self) -> Result<(), StoreError> {
        // PostgreSQL manages its own write-ahead log.
        Ok(())
    }

    fn delete(&mut self, id: &ArticleId) -> Result<Deletion, StoreError> {
        let client = self.live()?;
        blocking(|| -> Result<Deletion, postgres::Error> {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])?;
            let gone = tx.execute("DELETE FROM eventgraph.articles WHERE id = $1", &[&id.0])?;
            if gone == 0 {
                tx.rollback()?;
                return Ok(Deletion::NotStored);
            }
            let seq: i64 = tx
                .query_one(
                    "INSERT INTO eventgraph.deletions(id) VALUES($1) RETURNING seq",
                    &[&id.0],
                )?
                .get(0);
            tx.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
            tx.commit()?;
            Ok(Deletion::Logged(seq))
        })
        .map_err(self.err())
    }

    fn count_after(&mut self, seq: i64) -> Result<usize, StoreError> {
        let client = self.live()?;
        blocking(|| {
            client.query_one(
                "SELECT COUNT(*) FROM eventgraph.articles WHERE seq > $1",
                &[&seq],
            )
        })
        .map(|row| row.get::<_, i64>(0).max(0) as usize)
        .map_err(self.err())
    }

    fn read_log(
        &mut self,
        after: i64,
        before: Option<i64>,
        each: &mut dyn FnMut(LogEntry),
    ) -> Result<Vec<UnreadableRow>, StoreError> {
        let before = before.unwrap_or(i64::MAX);
        let (client, statement) = self.prepared(
            "SELECT seq, id, source, title, body, published_on, language, facts, facts_version, url, outlet, false
               FROM eventgraph.articles WHERE seq > $1 AND seq < $2
             UNION ALL
             SELECT seq, id, '', '', '', NULL, NULL, NULL, NULL, NULL, NULL, true
               FROM eventgraph.deletions WHERE seq > $1 AND seq < $2
             ORDER BY 1",
        )?;
        blocking(|| -> Result<Vec<UnreadableRow>, postgres::Error> {
            let params: [&(dyn ToSql + Sync); 2] = [&after, &before];
            // Rows stream from the server as they are read: a rebuild of a large log
            // never holds it all in memory.
            let mut rows = client.query_raw(&statement, params)?;
            let mut unreadable = Vec::new();
            while let Some(row) = rows.next()? {
                match read_entry(&row) {
                    Ok(entry) => each(entry),
                    Err(e) => unreadable.push(UnreadableRow {
                        seq: row.try_get::<_, i64>(0).unwrap_or(-1),
                        reason: e.to_string(),
                    }),
                }
            }
            Ok(unreadable)
        })
        .map_err(self.err())
    }

    fn delete_rows(&mut self, seqs: &[i64]) -> Result<usize, StoreError> {
        let client = self.live()?;
        let seqs = seqs.to_vec();
        blocking(|| -> Result<usize, postgres::Error> {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOG_LOCK])?;
            // Logged as deletions, so every replica drops them too.
            let deleted = tx.execute(
                "WITH gone AS (DELETE FROM eventgraph.articles WHERE seq = ANY($1) RETURNING id)
                 INSERT INTO eventgraph.deletions(id) SELECT id FROM gone",
                &[&seqs],
            )?;
            if deleted > 0 {
                tx.batch_execute(&format!("NOTIFY {CHANNEL}"))?;
            }
            tx.commit()?;
            Ok(deleted as usize)
        })
        .map_err(self.err())
    }

    fn body(&mut self, id: &ArticleId) -> Result<Option<String>, StoreError> {
        let (client, statement) =
            self.prepared("SELECT body FROM eventgraph.articles WHERE id = $1")?;
        blocking(|| client.query_opt(&statement, &[&id.0]))
            .map(|row| row.map(|row| row.get(0)))
            .map_err(self.err())
    }

    fn origin(&mut self, id: &ArticleId) -> Result<Option<ArticleOrigin>, StoreError> {
        let (client, statement) =
            self.prepared("SELECT url, outlet FROM eventgraph.articles WHERE id = $1")?;
        blocking(|| client.query_opt(&statement, &[&id.0]))
            .map(|row| {
                row.map(|row| ArticleOrigin {
                    url: row.get(0),
                    outlet: row.get(1),
                })
            })
            .map_err(self.err())
    }
}
