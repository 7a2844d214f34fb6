//! Repositories: plain functions over `&mut DbConnection`, so that a caller can compose several
//! in one transaction (`Database::transaction`) or run one alone (`Database::run`).

/// Inserts `rows` (a slice of `Insertable` rows) into `table` in statements of `chunk` rows.
/// Multi-row inserts are per backend in diesel, so this matches on the connection.
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        let mut inserted = 0usize;
        for chunk in $rows.chunks($chunk) {
            inserted += match $conn {
                $crate::DbConnection::Pg(c) => diesel::insert_into($table).values(chunk).execute(c),
                $crate::DbConnection::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)
                }
            }?;
        }
        Ok::<usize, $crate::StorageError>(inserted)
    }};
}

/// Loads `$query` for the rows whose `$column` is one of `$ids` (a non-empty slice): `= ?` for
/// one id, a statement SQLite keeps prepared (a check-in's look-up of its own employee), and
/// `IN (...)` for more, whose SQL changes with the count, so SQLite prepares it anew each time.
macro_rules! load_for_ids {
    ($conn:expr, $query:expr, $column:expr, $ids:expr) => {
        match $ids {
            [one] => $query.filter($column.eq(one)).load($conn),
            ids => $query.filter($column.eq_any(ids)).load($conn),
        }
    };
}

pub mod attendance;
pub mod audit;
pub mod check_ins;
pub mod console;
pub mod faces;
pub mod leases;
pub mod months;
pub mod org;
pub mod personal;
pub mod plan;
pub mod readiness;
pub mod secrets;
pub mod sessions;
pub mod throttle;
pub mod users;
