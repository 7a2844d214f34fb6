//! Hadir's rules, free of I/O.
//!
//! This crate holds the types that carry meaning (ids, roles, account names, photo keys) and the
//! ports that the storage crate implements. It depends on no database, HTTP, S3, image or async
//! runtime crate; the test script checks that with `cargo tree`.

pub mod account;
pub mod attendance;
pub mod checkin;
pub mod day;
pub mod duty;
pub mod face;
pub mod geofence;
pub mod ids;
pub mod import;
pub mod org;
pub mod photo;
pub mod plan;
pub mod role;
pub mod throttle;

pub use account::{AccountError, Password, Username};
pub use ids::{EmployeeId, OfficeId, SessionId, UnitId, UserId};
pub use photo::{PhotoKey, PhotoKeyError, PhotoStore, PhotoStoreError, StoredObject};
pub use role::Role;
