//! Hadir's integration tests: one binary, every test through HTTP against the real app, on the
//! backend and photo store selected by `HADIR_TEST_DB` and `HADIR_TEST_PHOTOS`.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]

mod abuse;
mod attendance;
mod auth;
mod browser;
mod check_ins;
mod console;
mod contract;
mod demo;
mod errors;
mod faces;
mod health;
mod import;
mod instances;
mod matrix;
mod migrations;
mod monthly;
mod org;
mod phone;
mod photo_store;
mod plans;
mod privacy;
mod restore_drill;
mod review;
mod users;
