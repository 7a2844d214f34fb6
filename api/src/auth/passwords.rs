//! Password hashing with argon2id, bounded so that a flood of logins queues (and then gets 503)
//! instead of exhausting memory.
//!
//! Hashes run on a fixed set of threads, one per permitted concurrent hash, and each thread
//! owns one argon2 working buffer (`argon2_memory_kib`), allocated on its first hash and reused
//! for every later one. Allocating and freeing 19 MiB per login instead made the allocator keep
//! freed buffers in the heaps of whichever blocking threads ran them: hundreds of MiB retained
//! after a morning's logins (docs/PERFORMANCE.md).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{Semaphore, oneshot};

use crate::app::Error as ApiError;
use crate::settings::AuthSettings;

/// Work for a hashing thread, given that thread's argon2 buffer.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

#[derive(Clone)]
pub struct PasswordService {
    params: Params,
    permits: Arc<Semaphore>,
    queue_timeout: Duration,
    jobs: SyncSender<Job>,
    /// A hash of a random password, verified against when the account does not exist so that
    /// an unknown username costs the same time as a wrong password.
    dummy_hash: Arc<str>,
}

impl std::fmt::Debug for PasswordService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordService").finish_non_exhaustive()
    }
}

/// A hashing thread: runs jobs until every sender is gone.
fn hasher(jobs: &Mutex<Receiver<Job>>) {
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        // A poisoned lock only means another hasher panicked while waiting; the queue is intact.
        let next = jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .recv();
        match next {
            Ok(job) => job(&mut blocks),
            Err(_) => return,
        }
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
        let (sender, receiver) = sync_channel::<Job>(concurrency);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..concurrency {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("hadir-argon2-{n}"))
                .spawn(move || hasher(&receiver))
                .map_err(|e| format!("cannot start a hashing thread: {e}"))?;
        }
        let random = uuid::Uuid::new_v4().to_string();
        let dummy_hash = hash_in(&params, &random, &mut Vec::new())?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency)),
            queue_timeout: Duration::from_millis(settings.hash_queue_timeout_ms),
            jobs: sender,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// Runs `work` on a hashing thread once a permit is free (503 after the queue timeout).
    async fn on_hasher<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Unavailable("password hashing queue is full".into()))?
            .map_err(|_| ApiError::Internal("password semaphore closed".into()))?;
        let span = tracing::Span::current();
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            let _entered = span.enter();
            let _ = reply.send(work(blocks));
            drop(permit);
        });
        // With a permit held there is room in the channel: the send does not block.
        self.jobs
            .send(job)
            .map_err(|_| ApiError::Internal("the hashing threads are gone".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("a hashing job was dropped".into()))
    }

    /// A PHC string (`$argon2id$v=19$m=…`) for a new password.
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let params = self.params.clone();
        self.on_hasher(move |blocks| hash_in(&params, &password, blocks))
            .await?
            .map_err(ApiError::Internal)
    }

    /// Whether `password` matches `stored`; with no stored hash (unknown account) the same
    /// work is done against a dummy hash and the answer is false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, ApiError> {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = self
            .on_hasher(move |blocks| verify_in(&password, &hash, blocks))
            .await?;
        Ok(known && matches)
    }
}

/// Runs argon2 into `out` with `blocks` as its working memory (grown if too small, kept).
fn argon2_into(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    blocks: &mut Vec<Block>,
) -> Result<(), argon2::Error> {
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..params.block_count()])
}

fn hash_in(params: &Params, password: &str, blocks: &mut Vec<Block>) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| format!("salt: {e}"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2_into(
        &argon,
        params,
        password.as_bytes(),
        salt_bytes,
        &mut out,
        blocks,
    )
    .map_err(|e| format!("argon2: {e}"))?;
    let output = Output::new(&out).map_err(|e| format!("argon2 output: {e}"))?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${output}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        salt.as_str()
    ))
}

/// Whether `password` hashes to the PHC string `stored` (with the parameters `stored` names).
fn verify_in(password: &str, stored: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon2_into(
        &argon,
        &params,
        password.as_bytes(),
        salt_bytes,
        &mut out,
        blocks,
    )
    .is_err()
    {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(&out).is_ok_and(|computed| computed == expected)
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
    async fn hashes_made_by_the_password_hash_api_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let params = Params::new(19 * 1024, 2, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(b"kopi-tubruk-2026", &salt)
            .unwrap()
            .to_string();
        let s = service();
        assert!(
            s.verify("kopi-tubruk-2026".into(), Some(phc.clone()))
                .await
                .unwrap()
        );
        assert!(
            !s.verify("kopi-tubruk-2025".into(), Some(phc))
                .await
                .unwrap()
        );
        // And the other way round: ours verify with the standard API.
        let ours = s.hash("kopi-tubruk-2026".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2::password_hash::PasswordVerifier::verify_password(
                &Argon2::default(),
                b"kopi-tubruk-2026",
                &parsed
            )
            .is_ok()
        );
    }

    #[tokio::test]
    async fn garbage_in_the_stored_hash_never_verifies() {
        let s = service();
        for stored in [
            "",
            "$argon2id$",
            "not a hash",
            "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA",
        ] {
            assert!(
                !s.verify("whatever".into(), Some(stored.into()))
                    .await
                    .unwrap(),
                "{stored}"
            );
        }
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
