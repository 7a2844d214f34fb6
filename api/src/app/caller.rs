//! Who is calling and from where: an account proven by a token (JSON routes) or a session
//! cookie (console), and the request's id and client address for the audit log.

use hadir_domain::Role;
use hadir_storage::repo::sessions;
use hadir_storage::{DbConnection, StorageError};

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

/// One message for every way an access token can fail, so that a probe learns nothing.
pub const TOKEN_REFUSED: &str = "missing, invalid or expired access token";

/// What a verified access token claims: whose it is, its session and the account's token
/// version when it was issued. It becomes a `Caller` only once the database confirms it (`check`),
/// so that logout, deactivation and a password change take effect at once.
#[derive(Clone, Debug)]
pub struct Presented {
    pub user_id: String,
    pub session_id: String,
    pub token_version: i32,
}

impl Presented {
    /// The caller, if the session and the account still stand; `None` when the token is refused.
    pub fn check(&self, conn: &mut DbConnection) -> Result<Option<Caller>, StorageError> {
        let Some((session, user)) = sessions::find_session_with_user(conn, &self.session_id)?
        else {
            return Ok(None);
        };
        let valid = user.id == self.user_id
            && user.active
            && session.revoked_at.is_none()
            && user.token_version == self.token_version;
        if !valid {
            return Ok(None);
        }
        let role = user
            .role
            .parse::<Role>()
            .map_err(|e| StorageError::Other(format!("account {}: {e}", user.id)))?;
        Ok(Some(Caller {
            user_id: user.id,
            username: user.username,
            role,
            employee_id: user.employee_id,
            session_id: session.id,
        }))
    }
}

/// The current request: its id (echoed in `x-request-id`, carried by every log line) and the
/// client's address (behind trusted proxies, the one they forwarded).
#[derive(Clone, Debug, Default)]
pub struct RequestId {
    pub id: String,
    pub client_addr: Option<String>,
}
