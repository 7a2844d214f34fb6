//! Both migration sets apply from empty, go up, down and up again, and leave the two backends
//! with the same tables and columns.

use std::collections::BTreeSet;

use hadir_storage::DbConnection;
use hadir_storage::db::{Backend, ColumnInfo};
use hadir_tests::TestDb;

fn up_down_up(db: &TestDb, backend: Backend) -> BTreeSet<ColumnInfo> {
    let mut conn = db.connect();
    let names = DbConnection::embedded_migration_names(backend);
    assert!(!names.is_empty());
    let applied = conn.run_pending_migrations().unwrap();
    assert_eq!(applied.len(), names.len(), "all apply from empty");
    let schema = conn.columns().unwrap();
    assert!(!schema.is_empty());

    // Down, one by one, to empty; then up again to the same schema.
    for _ in &names {
        conn.revert_last_migration().unwrap();
    }
    assert!(
        conn.columns().unwrap().is_empty(),
        "down leaves nothing behind"
    );
    conn.run_pending_migrations().unwrap();
    assert_eq!(
        conn.columns().unwrap(),
        schema,
        "up after down gives the same schema"
    );
    schema
}

#[test]
fn sqlite_migrations_go_up_down_and_up() {
    up_down_up(&TestDb::sqlite(), Backend::Sqlite);
}

#[test]
fn postgres_migrations_go_up_down_and_up() {
    up_down_up(&TestDb::postgres_empty(), Backend::Postgres);
}

#[test]
fn both_backends_have_the_same_migrations_tables_and_columns() {
    assert_eq!(
        DbConnection::embedded_migration_names(Backend::Postgres),
        DbConnection::embedded_migration_names(Backend::Sqlite),
        "migrations are added in pairs with the same names"
    );
    let sqlite = up_down_up(&TestDb::sqlite(), Backend::Sqlite);
    let postgres = up_down_up(&TestDb::postgres_empty(), Backend::Postgres);
    let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
    let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ:\n only in SQLite: {only_sqlite:#?}\n only in PostgreSQL: {only_postgres:#?}"
    );
}
