//! Repositories: plain functions over `&mut DbConnection`, so that a caller can compose several
//! in one transaction (`Database::transaction`) or run one alone (`Database::run`).

pub mod audit;
pub mod check_ins;
pub mod org;
pub mod plan;
pub mod secrets;
pub mod sessions;
pub mod users;
