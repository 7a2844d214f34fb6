//! Who is calling: an account proven by a token (JSON routes) or a session cookie (console).

use hadir_domain::Role;

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: String,
    pub username: String,
    pub role: Role,
    pub employee_id: Option<String>,
    pub session_id: String,
}
