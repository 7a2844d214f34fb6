//! Connections and the pool: one code base over PostgreSQL and SQLite.
//!
//! The backend is chosen from the URL scheme, never by trying one after the other. Queries run on
//! tokio's blocking pool so that async workers never wait on the database.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::{ExposeSecret, SecretString};

use crate::StorageError;

/// The PostgreSQL migrations, embedded in the binary.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
/// The SQLite migrations: the same names as the PostgreSQL ones.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// A connection to either backend. Queries written against `schema` run on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database engine a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A parsed database URL: `postgres://…`, `postgresql://…` or `sqlite://PATH`.
#[derive(Clone, Debug)]
pub enum DatabaseUrl {
    Postgres(SecretString),
    Sqlite(PathBuf),
}

/// The URL is not one Hadir can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unsupported database URL `{0}`: expected postgres://USER:PASSWORD@HOST:PORT/DB or sqlite://PATH"
)]
pub struct BadDatabaseUrl(pub String);

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, BadDatabaseUrl> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(SecretString::from(url.to_owned())));
        }
        if let Some(path) = url.strip_prefix("sqlite://")
            && !path.is_empty()
            && !path.starts_with(':')
        {
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        // Only the scheme is echoed: the rest may hold a password.
        let scheme = url.split("://").next().unwrap_or_default();
        Err(BadDatabaseUrl(format!("{scheme}://…")))
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Tuning applied to every new connection.
#[derive(Clone, Debug)]
pub struct DbOptions {
    pub pool_size: u32,
    /// How long a request waits for a free connection before the database counts as unavailable.
    pub acquire_timeout: Duration,
    /// SQLite: how long a writer waits for a lock.
    pub busy_timeout: Duration,
    /// PostgreSQL: the longest a statement may run.
    pub statement_timeout: Duration,
    /// PostgreSQL: the longest a new connection may take.
    pub connect_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Opens connections for the pool, for the backend its URL names.
#[derive(Clone, Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    options: DbOptions,
}

impl ConnectionManager {
    #[must_use]
    pub fn new(url: DatabaseUrl, options: DbOptions) -> Self {
        Self { url, options }
    }

    /// Opens one connection. `create` lets SQLite create the file (only at start-up): later
    /// connections refuse a missing file, so a deleted database is reported, not silently
    /// replaced by an empty one.
    pub fn open(&self, create: bool) -> Result<DbConnection, diesel::ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let url = with_connect_timeout(url.expose_secret(), self.options.connect_timeout);
                let mut conn = PgConnection::establish(&url)?;
                let setup = format!(
                    "SET statement_timeout = {}; SET TIME ZONE 'UTC';",
                    self.options.statement_timeout.as_millis()
                );
                conn.batch_execute(&setup)
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                if create && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        diesel::ConnectionError::BadConnection(format!(
                            "cannot create {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                let mut conn = SqliteConnection::establish(&sqlite_uri(path, create))?;
                // `synchronous = FULL`: a commit returns once the WAL is on the disk, so an
                // acknowledged check-in survives a power cut as its photo does (`NORMAL` keeps it
                // through a killed process only: its last commits roll back after a power cut).
                let setup = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                    self.options.busy_timeout.as_millis()
                );
                conn.batch_execute(&setup)
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={}", timeout.as_secs().max(1))
}

/// A `file:` URI so that the open mode can be given: `rwc` creates, `rw` does not.
fn sqlite_uri(path: &Path, create: bool) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3f"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    let mode = if create { "rwc" } else { "rw" };
    format!("file:{escaped}?mode={mode}")
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.open(false).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// The pool type.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// The database as the application sees it: a pool plus the means to run work on the blocking
/// thread pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    manager: ConnectionManager,
    backend: Backend,
    /// SQLite allows one writer at a time: this process's write transactions queue for one
    /// connection of their own instead of failing with `SQLITE_BUSY` when a read transaction
    /// upgrades to a write. Being the only writer, it keeps its page cache from one
    /// transaction to the next (SQLite empties a connection's cache when another connection
    /// has committed since its last transaction): a check-in's write reads its pages from
    /// memory, not again from the file. Opened at the first write; dropped after a failed one.
    writer: Option<Arc<Mutex<Option<DbConnection>>>>,
    /// This process's id among the instances sharing the database (readiness writes under it).
    instance_id: String,
    /// Told how long each connection took to come out of the pool, and whether it came.
    acquire_observer: Option<AcquireObserver>,
    /// The organisation's plan rows of the last check-in (`repo::plan::load_book_cached`).
    plan_cache: Arc<crate::repo::plan::ReferenceCache>,
}

/// What [`Database::with_acquire_observer`] calls after each wait for a pooled connection.
pub type AcquireObserver = Arc<dyn Fn(std::time::Duration, bool) + Send + Sync>;

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Connects (creating the SQLite file if needed), runs pending migrations, and builds the
    /// pool. Returns the names of the migrations that were applied.
    pub fn connect_and_migrate(
        url: DatabaseUrl,
        options: &DbOptions,
    ) -> Result<(Self, Vec<String>), StorageError> {
        let manager = ConnectionManager::new(url, options.clone());
        let applied = {
            let mut conn = manager.open(true)?;
            conn.run_pending_migrations()?
        };
        let db = Self::connect(manager, options)?;
        Ok((db, applied))
    }

    fn connect(manager: ConnectionManager, options: &DbOptions) -> Result<Self, StorageError> {
        let backend = manager.url.backend();
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size)
            // A PostgreSQL connection can be cut under the pool (a restart, a failover): each
            // is tried before use. A SQLite connection is a file handle in this process, valid
            // until closed: trying it was a statement per database trip for nothing.
            .test_on_check_out(backend != Backend::Sqlite)
            .min_idle(Some(1))
            .connection_timeout(options.acquire_timeout)
            .build(manager.clone())?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(None)));
        Ok(Self {
            pool,
            manager,
            backend,
            writer,
            instance_id: uuid::Uuid::new_v4().to_string(),
            acquire_observer: None,
            plan_cache: Arc::default(),
        })
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// This process's copy of the organisation's plan rows, kept while the plan epoch stands.
    #[must_use]
    pub fn plan_cache(&self) -> Arc<crate::repo::plan::ReferenceCache> {
        Arc::clone(&self.plan_cache)
    }

    /// This process's id among the instances sharing the database.
    #[must_use]
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// The same database, telling `observer` of every wait for a pooled connection.
    #[must_use]
    pub fn with_acquire_observer(mut self, observer: AcquireObserver) -> Self {
        self.acquire_observer = Some(observer);
        self
    }

    /// The pool's connections now: `(open, idle)`.
    #[must_use]
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, in the caller's span.
    pub async fn run<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let observer = self.acquire_observer.clone();
        blocking(move || {
            let waiting = std::time::Instant::now();
            let conn = pool.get();
            observe(observer.as_ref(), waiting, conn.is_ok());
            let mut conn = conn?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` in one transaction (committed when `f` returns `Ok`, rolled back otherwise).
    pub async fn transaction<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StorageError> + Send + 'static,
        T: Send + 'static,
    {
        self.transaction_as(f).await
    }

    /// `transaction` for a closure with its own error type (a use case's refusals beside
    /// storage errors): any `Err` rolls the transaction back.
    pub async fn transaction_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StorageError> + Send + 'static,
    {
        let result = match self.writer.clone() {
            None => self.run(move |conn| Ok(in_transaction(conn, f))).await,
            Some(writer) => self.on_writer(writer, f).await,
        };
        match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(TxError::Inner(e))) => Err(e),
            Ok(Err(TxError::Diesel(e))) => Err(E::from(StorageError::from(e))),
            Err(e) => Err(E::from(e)),
        }
    }

    /// Runs `f` in a transaction on SQLite's writer connection, on the blocking thread pool.
    async fn on_writer<T, E, F>(
        &self,
        writer: Arc<Mutex<Option<DbConnection>>>,
        f: F,
    ) -> Result<Result<T, TxError<E>>, StorageError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let manager = self.manager.clone();
        let observer = self.acquire_observer.clone();
        blocking(move || {
            let waiting = std::time::Instant::now();
            // A poisoned lock means a writer panicked mid-transaction; its connection was out
            // of the slot and closed while unwinding, which rolled the transaction back.
            let mut slot = writer.lock().unwrap_or_else(|poisoned| {
                writer.clear_poison();
                poisoned.into_inner()
            });
            let opened = match slot.take() {
                Some(conn) => Ok(conn),
                None => manager.open(false).map_err(StorageError::from),
            };
            observe(observer.as_ref(), waiting, opened.is_ok());
            let mut conn = opened?;
            let result = in_transaction(&mut conn, f);
            // When the transaction's own statements failed (beginning, taking the write lock,
            // committing), the next write starts on a fresh connection: a replaced file or a
            // full disk keeps nothing of this one.
            if !matches!(result, Err(TxError::Diesel(_))) && !conn.is_broken() {
                *slot = Some(conn);
            }
            Ok(result)
        })
        .await
    }

    /// Whether the database answers now, on a fresh connection (not a pooled one, which could
    /// outlive a deleted SQLite file or a dropped PostgreSQL database).
    pub async fn check(&self, timeout: Duration) -> Result<(), StorageError> {
        let manager = self.manager.clone();
        let instance = self.instance_id.clone();
        let probe = tokio::task::spawn_blocking(move || {
            let mut conn = manager.open(false)?;
            conn.batch_execute("SELECT 1")?;
            // A database that reads but cannot write (full disk, read-only) is not ready.
            crate::repo::readiness::probe(&mut conn, &instance, crate::now_utc())?;
            Ok::<_, StorageError>(())
        });
        match tokio::time::timeout(timeout, probe).await {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => Err(StorageError::Other(format!("probe task failed: {e}"))),
            Err(_) => Err(StorageError::Unavailable("database probe timed out".into())),
        }
    }
}

/// Runs `f` on the blocking thread pool, in the caller's span.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || {
        let _entered = span.enter();
        f()
    })
    .await
    .map_err(|e| StorageError::Other(format!("database task failed: {e}")))?
}

/// Tells the observer, if any, how long a wait for a connection since `waiting` took and
/// whether it got one.
fn observe(observer: Option<&AcquireObserver>, waiting: std::time::Instant, got: bool) {
    if let Some(observe) = observer {
        observe(waiting.elapsed(), got);
    }
}

/// A transaction's failure: diesel's own (the commit, the rollback) or the closure's.
enum TxError<E> {
    Diesel(diesel::result::Error),
    Inner(E),
}

impl<E> From<diesel::result::Error> for TxError<E> {
    fn from(e: diesel::result::Error) -> Self {
        TxError::Diesel(e)
    }
}

/// Runs `f` in one transaction on `conn`: committed when `f` returns `Ok`, rolled back
/// otherwise.
fn in_transaction<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, TxError<E>> {
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Sqlite(_)) {
            // Take SQLite's write lock now, waiting up to the busy timeout, as
            // `BEGIN IMMEDIATE` would: a deferred transaction that read first and writes
            // later fails at once with SQLITE_BUSY when another process (a second instance
            // on the same file) wrote in between.
            conn.batch_execute("DELETE FROM leases WHERE 0")?;
        }
        f(conn).map_err(TxError::Inner)
    })
}

/// One column as the schema comparison sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    pub table: String,
    pub column: String,
    /// The type family: text, double, bool, integer, bigint, timestamp.
    pub kind: String,
    pub nullable: bool,
}

#[derive(QueryableByName)]
struct RawColumn {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

fn type_family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let family = if t.starts_with("timestamp") {
        "timestamp"
    } else if t == "double precision" || t == "real" || t == "double" {
        "double"
    } else if t == "boolean" || t == "bool" {
        "bool"
    } else {
        t.as_str()
    };
    family.to_owned()
}

impl DbConnection {
    /// Applies every pending migration of this backend; returns their names.
    pub fn run_pending_migrations(&mut self) -> Result<Vec<String>, StorageError> {
        let applied = match self {
            DbConnection::Pg(c) => MigrationHarness::run_pending_migrations(c, POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(ToString::to_string).collect()),
            DbConnection::Sqlite(c) => {
                MigrationHarness::run_pending_migrations(c, SQLITE_MIGRATIONS)
                    .map(|v| v.iter().map(ToString::to_string).collect())
            }
        };
        applied.map_err(|e| StorageError::Other(format!("migration failed: {e}")))
    }

    /// Reverts the newest applied migration; returns its name.
    pub fn revert_last_migration(&mut self) -> Result<String, StorageError> {
        let reverted = match self {
            DbConnection::Pg(c) => MigrationHarness::revert_last_migration(c, POSTGRES_MIGRATIONS)
                .map(|v| v.to_string()),
            DbConnection::Sqlite(c) => {
                MigrationHarness::revert_last_migration(c, SQLITE_MIGRATIONS).map(|v| v.to_string())
            }
        };
        reverted.map_err(|e| StorageError::Other(format!("revert failed: {e}")))
    }

    /// The names of every migration this backend embeds, oldest first.
    #[must_use]
    pub fn embedded_migration_names(backend: Backend) -> Vec<String> {
        use diesel::migration::MigrationSource;
        let source = match backend {
            Backend::Postgres => POSTGRES_MIGRATIONS,
            Backend::Sqlite => SQLITE_MIGRATIONS,
        };
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&source)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    }

    /// Every user table's columns (the migrations bookkeeping table left out).
    pub fn columns(&mut self) -> Result<BTreeSet<ColumnInfo>, StorageError> {
        let raw: Vec<RawColumn> = match self {
            DbConnection::Pg(c) => diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name, \
                        data_type::text AS data_type, (is_nullable = 'YES') AS nullable \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() \
                   AND table_name <> '__diesel_schema_migrations'",
            )
            .load(c)?,
            DbConnection::Sqlite(c) => diesel::sql_query(
                "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
                        (p.\"notnull\" = 0) AS nullable \
                 FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                   AND m.name <> '__diesel_schema_migrations'",
            )
            .load(c)?,
        };
        Ok(raw
            .into_iter()
            .map(|r| ColumnInfo {
                table: r.table_name,
                column: r.column_name,
                kind: type_family(&r.data_type),
                nullable: r.nullable,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.cargo/config.toml` builds the bundled SQLite with the query planner stability
    /// guarantee; without it every statement with a bound `LIMIT` is prepared again each time.
    #[test]
    fn the_bundled_sqlite_keeps_plans_stable() {
        use diesel::sql_types::Text;
        #[derive(diesel::QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = Text)]
            compile_options: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> =
            diesel::sql_query("SELECT compile_options FROM pragma_compile_options")
                .load::<CompileOption>(&mut conn)
                .unwrap()
                .into_iter()
                .map(|o| o.compile_options)
                .collect();
        assert!(
            options.iter().any(|o| o == "ENABLE_QPSG"),
            "SQLite built without SQLITE_ENABLE_QPSG: {options:?}"
        );
    }

    /// SQLite's write transactions share one connection of their own: one that fails or
    /// panics is rolled back whole, releases the database's write lock, and the next write
    /// (and concurrent ones) go through.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_sqlite_writer_outlives_a_failed_and_a_panicking_transaction() {
        async fn rows(db: &Database) -> i64 {
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            db.run(|c| {
                let count: Count =
                    diesel::sql_query("SELECT count(*) AS n FROM probe").get_result(c)?;
                Ok(count.n)
            })
            .await
            .unwrap()
        }

        let dir = std::env::temp_dir().join(format!("hadir-writer-{}", uuid::Uuid::new_v4()));
        let url = DatabaseUrl::Sqlite(dir.join("hadir.db"));
        let (db, _) = Database::connect_and_migrate(url, &DbOptions::default()).unwrap();
        db.run(|c| Ok(c.batch_execute("CREATE TABLE probe (n INTEGER NOT NULL)")?))
            .await
            .unwrap();
        let insert = |c: &mut DbConnection, n: i32| {
            diesel::sql_query(format!("INSERT INTO probe (n) VALUES ({n})")).execute(c)
        };
        let failed: Result<(), StorageError> = db
            .transaction(move |c| {
                insert(c, 1)?;
                Err(StorageError::Other("refused after the insert".into()))
            })
            .await;
        assert!(failed.is_err());
        let panicked: Result<(), StorageError> = db
            .transaction(move |c| {
                insert(c, 2)?;
                panic!("a writer panics mid-transaction");
            })
            .await;
        assert!(
            matches!(panicked, Err(StorageError::Other(_))),
            "{panicked:?}"
        );
        assert_eq!(rows(&db).await, 0, "both were rolled back");

        // The write lock was released: another connection (another process would be the same)
        // writes at once, then this process's writer again, many at a time.
        let mut other = db.manager.open(false).unwrap();
        other.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        insert(&mut other, 3).unwrap();
        let writes: Vec<_> = (0..8)
            .map(|n| db.transaction(move |c| Ok(insert(c, n)?)))
            .collect();
        for written in futures_util::future::join_all(writes).await {
            written.unwrap();
        }
        assert_eq!(rows(&db).await, 9);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Every SQLite connection, pooled or the writer, commits with the WAL synced.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_sqlite_connection_syncs_its_commits() {
        const FULL: i32 = 2;
        #[derive(diesel::QueryableByName)]
        struct Synchronous {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            synchronous: i32,
        }
        fn level(c: &mut DbConnection) -> Result<i32, StorageError> {
            let row: Synchronous = diesel::sql_query("PRAGMA synchronous").get_result(c)?;
            Ok(row.synchronous)
        }
        let dir = std::env::temp_dir().join(format!("hadir-sync-{}", uuid::Uuid::new_v4()));
        let url = DatabaseUrl::Sqlite(dir.join("hadir.db"));
        let (db, _) = Database::connect_and_migrate(url, &DbOptions::default()).unwrap();
        assert_eq!(db.run(level).await.unwrap(), FULL);
        assert_eq!(db.transaction(level).await.unwrap(), FULL);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_backend_comes_from_the_scheme() {
        let pg = DatabaseUrl::parse("postgres://u:p@127.0.0.1:5432/hadir").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        let pg2 = DatabaseUrl::parse("postgresql://u@h/db").unwrap();
        assert_eq!(pg2.backend(), Backend::Postgres);
        let lite = DatabaseUrl::parse("sqlite://./data/hadir.sqlite3").unwrap();
        assert_eq!(lite.backend(), Backend::Sqlite);
    }

    #[test]
    fn unknown_schemes_are_refused_without_echoing_secrets() {
        let err = DatabaseUrl::parse("mysql://root:hunter2@db/hadir").unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite://:memory:").is_err());
        assert!(DatabaseUrl::parse("data/hadir.db").is_err());
    }

    #[test]
    fn sqlite_paths_become_uris_with_an_open_mode() {
        assert_eq!(
            sqlite_uri(Path::new("./d/h?.db"), false),
            "file:./d/h%3f.db?mode=rw"
        );
        assert_eq!(sqlite_uri(Path::new("/x"), true), "file:/x?mode=rwc");
    }

    #[test]
    fn a_connect_timeout_is_added_once() {
        let d = Duration::from_secs(3);
        assert_eq!(
            with_connect_timeout("postgres://h/db", d),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=require", d),
            "postgres://h/db?sslmode=require&connect_timeout=3"
        );
    }
}
