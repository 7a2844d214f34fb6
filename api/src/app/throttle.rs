//! Login throttling (`hadir_domain::throttle`) over the database: per account name and per
//! client address, so that it holds across instances and restarts. The JSON login and the
//! console's sign-in both go through it. Refreshing a session is never throttled: a phone that
//! holds a refresh token stays signed in whatever an attacker does to the account's name.

use chrono::Duration;
use hadir_domain::throttle::{Backoff, retry_after_s};
use hadir_storage::repo::throttle;
use hadir_storage::{Database, StorageError, now_utc};
use sha2::{Digest, Sha256};

use crate::settings::AuthSettings;

/// The keys one login attempt counts against.
#[derive(Clone, Debug)]
pub struct Keys {
    account: String,
    address: Option<String>,
}

impl Keys {
    /// The name as typed (normalised to lower case) is kept only as a hash: a password typed
    /// into the name field does not end up in the database.
    #[must_use]
    pub fn new(username: &str, client_addr: Option<&str>) -> Self {
        let name = username.trim().to_ascii_lowercase();
        Self {
            account: format!("account:{}", hex::encode(Sha256::digest(name.as_bytes()))),
            address: client_addr.map(|a| format!("address:{a}")),
        }
    }

    fn all(&self) -> Vec<String> {
        std::iter::once(self.account.clone())
            .chain(self.address.clone())
            .collect()
    }
}

/// The throttle's rules, from `[auth]`.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    account: Backoff,
    address: Backoff,
    forget_after: Duration,
}

/// What a check answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Refused for now: retry after this many seconds.
    Wait(u64),
}

impl LoginThrottle {
    #[must_use]
    pub fn new(settings: &AuthSettings) -> Self {
        let max_block = Duration::seconds(i64::try_from(settings.login_max_block_s).unwrap_or(900));
        Self {
            account: Backoff {
                free_failures: settings.login_account_free_failures,
                max_block,
            },
            address: Backoff {
                free_failures: settings.login_address_free_failures,
                max_block,
            },
            forget_after: Duration::seconds(
                i64::try_from(settings.login_forget_after_s).unwrap_or(3600),
            ),
        }
    }

    /// Whether an attempt under `keys` may be tried now (before any password is hashed).
    pub async fn check(&self, db: &Database, keys: &Keys) -> Result<Verdict, StorageError> {
        let all = keys.all();
        let now = now_utc();
        let until = db
            .run(move |conn| throttle::blocked_until(conn, &all, now))
            .await?;
        Ok(match until {
            Some(until) => Verdict::Wait(retry_after_s(until - now)),
            None => Verdict::Allowed,
        })
    }

    /// Counts a failed attempt against every key and blocks those past their free failures.
    pub async fn failed(&self, db: &Database, keys: &Keys) -> Result<(), StorageError> {
        let rules: Vec<(String, Backoff)> = std::iter::once((keys.account.clone(), self.account))
            .chain(keys.address.clone().map(|a| (a, self.address)))
            .collect();
        let forget_after = self.forget_after;
        db.transaction(move |conn| {
            let now = now_utc();
            for (key, backoff) in &rules {
                let failures = throttle::count_failure(conn, key, now, now - forget_after)?;
                if let Some(wait) = backoff.block_after(failures) {
                    throttle::block(conn, key, now + wait)?;
                }
            }
            Ok(())
        })
        .await
    }

    /// A successful login forgets the account's failures (not the address's: one good account
    /// must not clear the way for guessing others from the same address).
    pub async fn succeeded(&self, db: &Database, keys: &Keys) -> Result<(), StorageError> {
        let key = keys.account.clone();
        db.run(move |conn| throttle::clear(conn, &key)).await
    }

    /// Deletes what no longer counts (the sweeper).
    pub async fn sweep(&self, db: &Database) -> Result<usize, StorageError> {
        let forget_after = self.forget_after;
        db.run(move |conn| {
            let now = now_utc();
            throttle::forget(conn, now - forget_after, now)
        })
        .await
    }
}
