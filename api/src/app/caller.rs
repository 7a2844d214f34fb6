//! Who is calling and from where: an account proven by a token (JSON routes) or a session
//! cookie (console), and the request's id and client address for the audit log.

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

impl Caller {
    /// Refused (403) unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), super::Error> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(super::Error::Forbidden("your role may not use this route"))
        }
    }
}

/// The current request: its id (echoed in `x-request-id`, carried by every log line) and the
/// client's address (behind trusted proxies, the one they forwarded).
#[derive(Clone, Debug, Default)]
pub struct RequestId {
    pub id: String,
    pub client_addr: Option<String>,
}
