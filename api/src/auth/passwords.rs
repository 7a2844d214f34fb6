//! Password hashing with argon2id on the blocking pool, bounded by a semaphore so that a flood
//! of logins queues (and then gets 503) instead of exhausting memory: each hash holds
//! `argon2_memory_kib` of RAM while it runs.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::settings::AuthSettings;

#[derive(Clone)]
pub struct PasswordService {
    params: Params,
    permits: Arc<Semaphore>,
    queue_timeout: Duration,
    /// A hash of a random password, verified against when the account does not exist so that
    /// an unknown username costs the same time as a wrong password.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordService").finish_non_exhaustive()
    }
}

impl PasswordService {
    pub fn new(settings: &AuthSettings) -> Result<Self, String> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| format!("argon2 parameters: {e}"))?;
        let concurrency = if settings.hash_concurrency == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        } else {
            settings.hash_concurrency
        };
        let random = uuid::Uuid::new_v4().to_string();
        let dummy_hash = hash_with(&params, &random)?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency)),
            queue_timeout: Duration::from_millis(settings.hash_queue_timeout_ms),
            dummy_hash: dummy_hash.into(),
        })
    }

    async fn on_pool<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Unavailable("password hashing queue is full".into()))?
            .map_err(|_| ApiError::Internal("password semaphore closed".into()))?;
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| ApiError::Internal(format!("hashing task failed: {e}")))
    }

    /// A PHC string (`$argon2id$v=19$m=…`) for a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        self.on_pool(move || hash_with(&params, &password))
            .await?
            .map_err(ApiError::Internal)
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown account) the same
    /// work is done against a dummy hash and the answer is false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .on_pool(move || {
                PasswordHash::new(&hash).is_ok_and(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
            })
            .await?;
        Ok(known && matches)
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("argon2: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> PasswordService {
        PasswordService::new(&AuthSettings::default()).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let s = service();
        let hash = s.hash("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            s.verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !s.verify("wrong horse battery".into(), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let s = service();
        assert!(!s.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn a_full_queue_answers_unavailable() {
        let settings = AuthSettings {
            hash_concurrency: 1,
            hash_queue_timeout_ms: 1,
            ..AuthSettings::default()
        };
        let s = PasswordService::new(&settings).unwrap();
        let _held = s.permits.clone().acquire_owned().await.unwrap();
        let err = s.hash("whatever-password".into()).await.unwrap_err();
        assert!(matches!(err, ApiError::Unavailable(_)));
    }
}
