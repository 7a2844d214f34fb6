//! The application layer: the use cases that the JSON routes and the console both call. A use
//! case takes typed input and the caller (with their scope), runs in one transaction, writes
//! its audit record and answers a typed outcome or refusal. It knows neither actix nor HTML
//! (`scripts/test.sh` checks that nothing here names them), so a rule lives in one place and
//! each interface only parses, calls and maps.

pub mod accounts;
pub mod assignments;
pub mod attendance;
pub mod audit_log;
pub mod calendar;
pub mod caller;
pub mod check_ins;
pub mod corrections;
pub mod dated;
pub mod duty;
pub mod employees;
pub mod error;
pub mod faces;
pub mod import;
pub mod input;
pub mod leaves;
pub mod links;
pub mod manual;
pub mod monthly;
pub mod months;
pub mod offices;
pub mod org;
pub mod personal;
pub mod reads;
pub mod reports;
pub mod review;
pub mod rosters;
pub mod scope;
pub mod sessions;
pub mod throttle;
pub mod thumbnails;
pub mod units;

pub use caller::{Caller, RequestId};
pub use error::{Error, FieldError};

use crate::state::AppState;

/// What every use case runs with: the shared state, the caller and their request.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub caller: &'a Caller,
    pub request: &'a RequestId,
}
