//! Separation of duties: nobody decides, enters or changes anything about their own attendance,
//! nor about the attendance of the account that created theirs not long ago, whatever their
//! role (DOMAIN.md). Without the second half, an HR officer could make a new account and use it
//! to approve their own flagged check-in.

use chrono::{Duration, NaiveDateTime};

/// An account as the rule sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub user_id: String,
    /// The employee the account belongs to, if any.
    pub employee_id: Option<String>,
    /// The account that created this one (`None` for the first admin, the demo, the CLI).
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Why an account may not act on an employee's attendance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// The attendance is the account's own.
    Own,
    /// The employee's account created the acting account (or an account up its chain of
    /// creators) within the window.
    CreatedBy {
        /// The creating account.
        creator_user_id: String,
    },
}

impl Conflict {
    /// The explanation sent with the refusal.
    #[must_use]
    pub fn explanation(&self) -> &'static str {
        match self {
            Conflict::Own => {
                "nobody decides, enters or changes anything about their own attendance"
            }
            Conflict::CreatedBy { .. } => {
                "nobody acts on the attendance of the account that recently created theirs"
            }
        }
    }

    /// A stable code for the audit log.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::Own => "own_attendance",
            Conflict::CreatedBy { .. } => "created_by_subject",
        }
    }
}

/// Whether the account at the head of `chain` may act on `employee_id`'s attendance at `now`.
///
/// `chain` is the acting account followed by the account that created it, then that account's
/// creator, and so on (nearest first; callers may stop reading once a creation is older than
/// `window`). A creation older than `window` ends the chain: an account made long ago is taken
/// as independent of its creator.
#[must_use]
pub fn conflict(
    chain: &[Account],
    employee_id: &str,
    now: NaiveDateTime,
    window: Duration,
) -> Option<Conflict> {
    let actor = chain.first()?;
    if actor.employee_id.as_deref() == Some(employee_id) {
        return Some(Conflict::Own);
    }
    for pair in chain.windows(2) {
        let (created, creator) = (&pair[0], &pair[1]);
        let linked = created.created_by.as_deref() == Some(creator.user_id.as_str());
        if !linked || created.created_at < now - window {
            break;
        }
        if creator.employee_id.as_deref() == Some(employee_id) {
            return Some(Conflict::CreatedBy {
                creator_user_id: creator.user_id.clone(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, day)
            .unwrap()
            .and_hms_opt(8, 0, 0)
            .unwrap()
    }

    fn account(id: &str, employee: Option<&str>, by: Option<&str>, day: u32) -> Account {
        Account {
            user_id: id.into(),
            employee_id: employee.map(Into::into),
            created_by: by.map(Into::into),
            created_at: at(day),
        }
    }

    const WINDOW: i64 = 30;

    fn check(chain: &[Account], employee: &str) -> Option<Conflict> {
        conflict(chain, employee, at(20), Duration::days(WINDOW))
    }

    #[test]
    fn ones_own_attendance_is_refused_whatever_the_chain() {
        let chain = [account("hr", Some("e-hr"), None, 1)];
        assert_eq!(check(&chain, "e-hr"), Some(Conflict::Own));
        assert_eq!(check(&chain, "e-other"), None);
    }

    #[test]
    fn an_account_made_by_the_subject_recently_is_refused() {
        // HR made hr2 on the 10th; hr2 approving HR's check-in on the 20th is refused.
        let chain = [
            account("hr2", Some("e-hr2"), Some("hr"), 10),
            account("hr", Some("e-hr"), Some("admin"), 1),
        ];
        assert_eq!(
            check(&chain, "e-hr"),
            Some(Conflict::CreatedBy {
                creator_user_id: "hr".into()
            })
        );
        assert_eq!(check(&chain, "e-someone"), None);
    }

    #[test]
    fn the_rule_follows_the_chain_of_recent_creations() {
        // HR -> a -> b, both recent: b may not act for HR either.
        let chain = [
            account("b", Some("e-b"), Some("a"), 15),
            account("a", Some("e-a"), Some("hr"), 12),
            account("hr", Some("e-hr"), None, 1),
        ];
        assert!(matches!(
            check(&chain, "e-hr"),
            Some(Conflict::CreatedBy { .. })
        ));
        assert!(matches!(
            check(&chain, "e-a"),
            Some(Conflict::CreatedBy { .. })
        ));
    }

    #[test]
    fn a_creation_older_than_the_window_ends_the_chain() {
        // Made on the 1st of November: 49 days before the 20th of December, past 30.
        let old = Account {
            created_at: NaiveDate::from_ymd_opt(2026, 11, 1)
                .unwrap()
                .and_hms_opt(8, 0, 0)
                .unwrap(),
            ..account("hr2", Some("e-hr2"), Some("hr"), 1)
        };
        let chain = [old, account("hr", Some("e-hr"), None, 1)];
        assert_eq!(check(&chain, "e-hr"), None);
        // Exactly at the window's edge it still counts.
        let edge = Account {
            created_at: at(20) - Duration::days(WINDOW),
            ..account("hr2", Some("e-hr2"), Some("hr"), 1)
        };
        let chain = [edge, account("hr", Some("e-hr"), None, 1)];
        assert!(check(&chain, "e-hr").is_some());
    }

    #[test]
    fn a_broken_chain_stops_where_it_breaks() {
        // The second account is not the creator of the first: nothing beyond it counts.
        let chain = [
            account("b", Some("e-b"), Some("x"), 15),
            account("hr", Some("e-hr"), None, 1),
        ];
        assert_eq!(check(&chain, "e-hr"), None);
        assert_eq!(check(&[], "e-hr"), None);
    }
}
