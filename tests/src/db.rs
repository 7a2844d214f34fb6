//! A fresh database per test: a temp-file SQLite, or a PostgreSQL database cloned from a
//! migrated template (cloning is much faster than migrating each time).

use std::hash::{Hash, Hasher};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use hadir_storage::DbConnection;

/// Which database backend the tests use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    /// The backend selected by `HADIR_TEST_DB`.
    #[must_use]
    pub fn from_env() -> Self {
        match std::env::var("HADIR_TEST_DB").as_deref() {
            Err(_) | Ok("" | "sqlite") => DbKind::Sqlite,
            Ok("postgres") => DbKind::Postgres,
            Ok(other) => panic!("HADIR_TEST_DB must be sqlite or postgres, not `{other}`"),
        }
    }
}

/// The admin URL of the PostgreSQL server the tests may use.
#[must_use]
pub fn postgres_admin_url() -> String {
    std::env::var("HADIR_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "this test needs PostgreSQL: set HADIR_TEST_POSTGRES_URL \
             (e.g. postgres://postgres@127.0.0.1:5432/postgres), or run scripts/test.sh, \
             which starts a throwaway server and sets it"
        )
    })
}

/// `url` with its database name replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn admin_connection(url: &str) -> PgConnection {
    PgConnection::establish(url)
        .unwrap_or_else(|e| panic!("cannot connect to HADIR_TEST_POSTGRES_URL ({url}): {e}"))
}

/// The template's name changes with the migrations, so a stale template is never used.
fn template_name() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files: Vec<_> = walk(&dir);
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in files {
        file.to_string_lossy().hash(&mut hasher);
        std::fs::read(&file).unwrap_or_default().hash(&mut hasher);
    }
    format!("hadir_tpl_{:016x}", hasher.finish())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Creates the migrated template once per server; an advisory lock serialises test processes.
fn ensure_template(admin_url: &str) -> String {
    let name = template_name();
    let mut admin = admin_connection(admin_url);
    admin
        .batch_execute("SELECT pg_advisory_lock(727172)")
        .expect("advisory lock");
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
    )))
    .get_result(&mut admin)
    .expect("template lookup");
    if !exists {
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create template");
        let mut conn = DbConnection::Pg(admin_connection(&with_database(admin_url, &name)));
        conn.run_pending_migrations().expect("migrate template");
    }
    admin
        .batch_execute("SELECT pg_advisory_unlock(727172)")
        .expect("advisory unlock");
    name
}

use diesel::RunQueryDsl;

/// One test's database; dropped with the test.
#[derive(Debug)]
pub struct TestDb {
    pub kind: DbKind,
    /// The URL the app connects with.
    pub url: String,
    dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh database on the backend `HADIR_TEST_DB` selects.
    #[must_use]
    pub fn fresh() -> Self {
        match DbKind::from_env() {
            DbKind::Sqlite => Self::sqlite(),
            DbKind::Postgres => Self::postgres(),
        }
    }

    /// A new, empty SQLite file (migrated when the app starts).
    #[must_use]
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("hadir.sqlite3").display());
        Self {
            kind: DbKind::Sqlite,
            url,
            dir: Some(dir),
            pg: None,
        }
    }

    /// A new PostgreSQL database cloned from the migrated template.
    #[must_use]
    pub fn postgres() -> Self {
        Self::postgres_from(Some(()))
    }

    /// A new, empty PostgreSQL database (no migrations), for the migration tests.
    #[must_use]
    pub fn postgres_empty() -> Self {
        Self::postgres_from(None)
    }

    fn postgres_from(template: Option<()>) -> Self {
        let admin_url = postgres_admin_url();
        let name = format!("hadir_test_{}", uuid::Uuid::new_v4().simple());
        let create = match template {
            Some(()) => format!(
                "CREATE DATABASE {name} TEMPLATE {}",
                ensure_template(&admin_url)
            ),
            None => format!("CREATE DATABASE {name}"),
        };
        let mut admin = admin_connection(&admin_url);
        // Cloning fails while another session is connected to the template; that only lasts
        // an instant, so try again briefly.
        let mut attempt = 0;
        while let Err(e) = admin.batch_execute(&create) {
            attempt += 1;
            assert!(attempt < 50, "cannot create test database: {e}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Self {
            kind: DbKind::Postgres,
            url: with_database(&admin_url, &name),
            dir: None,
            pg: Some((admin_url, name)),
        }
    }

    /// A plain connection to this database.
    #[must_use]
    pub fn connect(&self) -> DbConnection {
        match self.kind {
            DbKind::Postgres => DbConnection::Pg(admin_connection(&self.url)),
            DbKind::Sqlite => {
                let path = self.url.trim_start_matches("sqlite://");
                DbConnection::Sqlite(
                    diesel::SqliteConnection::establish(path).expect("open sqlite"),
                )
            }
        }
    }

    /// Makes the database unreachable: PostgreSQL drops it (ending its sessions), SQLite loses
    /// its files.
    pub fn destroy(&self) {
        match (&self.pg, &self.dir) {
            (Some((admin_url, name)), _) => {
                admin_connection(admin_url)
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .expect("drop database");
            }
            (None, Some(dir)) => {
                for entry in std::fs::read_dir(dir.path()).expect("read dir").flatten() {
                    std::fs::remove_file(entry.path()).expect("remove file");
                }
            }
            (None, None) => {}
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:1/postgres", "y"),
            "postgres://u@h:1/y"
        );
    }
}
