//! Roles, from the narrowest to the widest scope.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What an account may see and do. Scope rules (which records) are applied on top of the role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Own data only.
    Employee,
    /// Their subordinates: approves reports and corrections.
    Supervisor,
    /// One unit and its sub-units: offices, employees, rosters, review.
    UnitAdmin,
    /// The whole organisation: review, manual entries, month close, exports.
    Hr,
    /// Everything, including accounts and settings.
    Admin,
}

impl Role {
    /// Every role, narrowest first.
    pub const ALL: [Role; 5] = [
        Role::Employee,
        Role::Supervisor,
        Role::UnitAdmin,
        Role::Hr,
        Role::Admin,
    ];

    /// The name used in JSON, tokens and the database.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Supervisor => "supervisor",
            Role::UnitAdmin => "unit_admin",
            Role::Hr => "hr",
            Role::Admin => "admin",
        }
    }

    /// The role's rank: a wider scope ranks higher.
    fn rank(self) -> u8 {
        match self {
            Role::Employee => 0,
            Role::Supervisor => 1,
            Role::UnitAdmin => 2,
            Role::Hr => 3,
            Role::Admin => 4,
        }
    }

    /// Whether an account of this role may give `role` to an account: only roles below its
    /// own, except that admins may make admins (separation of duties: HR cannot make a second
    /// HR account to approve its own attendance).
    #[must_use]
    pub fn may_grant(self, role: Role) -> bool {
        self == Role::Admin || role.rank() < self.rank()
    }

    /// Whether this role manages login accounts.
    #[must_use]
    pub fn manages_accounts(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of the role names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected one of employee, supervisor, unit_admin, hr, admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
    }

    #[test]
    fn a_role_grants_only_roles_below_its_own_but_admins_make_admins() {
        use Role::{Admin, Employee, Hr, Supervisor, UnitAdmin};
        let grants =
            |r: Role| -> Vec<Role> { Role::ALL.into_iter().filter(|g| r.may_grant(*g)).collect() };
        assert_eq!(grants(Admin), Role::ALL);
        assert_eq!(grants(Hr), [Employee, Supervisor, UnitAdmin]);
        assert_eq!(grants(UnitAdmin), [Employee, Supervisor]);
        assert_eq!(grants(Supervisor), [Employee]);
        assert!(grants(Employee).is_empty());
    }

    #[test]
    fn an_unknown_role_is_refused_with_its_name() {
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("root"));
    }
}
