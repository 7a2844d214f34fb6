//! Load shedding at the edge: bodies that must arrive in time, and a bounded number of
//! check-in uploads in flight, per account and per instance. (The CPU side, image lanes with a
//! queue deadline, is `selfie::CpuPool`.) What cannot be served in time is refused early and
//! cheaply, with a status that tells a phone when to come back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{Stream, StreamExt as _};
use tokio::time::Instant;

use crate::error::ApiError;

/// How long a request body may take: whole, and between two chunks.
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline {
    pub total: Duration,
    pub idle: Duration,
}

impl BodyDeadline {
    /// Starts the clock for one body.
    #[must_use]
    pub fn start(self) -> BodyClock {
        BodyClock {
            ends: Instant::now() + self.total,
            idle: self.idle,
        }
    }
}

/// The deadline of one body being read.
#[derive(Clone, Copy, Debug)]
pub struct BodyClock {
    ends: Instant,
    idle: Duration,
}

impl BodyClock {
    /// The next item of `stream`, or 408 when the body's deadline passes or the stream stalls
    /// longer than the idle limit.
    pub async fn next<S: Stream + Unpin>(
        &self,
        stream: &mut S,
    ) -> Result<Option<S::Item>, ApiError> {
        let wait = (Instant::now() + self.idle).min(self.ends);
        tokio::time::timeout_at(wait, stream.next())
            .await
            .map_err(|_| too_slow())
    }
}

/// A body stream under `clock`: the bytes as they come, until the deadline passes or the
/// stream stalls, when it ends with an error and the returned flag is set (so that a parser
/// reading it, such as multipart, can be answered 408 rather than 400).
pub fn timed<S>(
    clock: BodyClock,
    stream: S,
) -> (
    impl Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>> + Unpin,
    Arc<std::sync::atomic::AtomicBool>,
)
where
    S: Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>> + Unpin,
{
    use std::sync::atomic::{AtomicBool, Ordering};
    let expired = Arc::new(AtomicBool::new(false));
    let flag = expired.clone();
    let timed = futures_util::stream::unfold(Some(stream), move |state| {
        let flag = flag.clone();
        async move {
            let mut stream = state?;
            match clock.next(&mut stream).await {
                Ok(Some(item)) => Some((item, Some(stream))),
                Ok(None) => None,
                Err(_) => {
                    flag.store(true, Ordering::SeqCst);
                    let e = std::io::Error::new(std::io::ErrorKind::TimedOut, "body too slow");
                    Some((Err(actix_web::error::PayloadError::Io(e)), None))
                }
            }
        }
    });
    (Box::pin(timed.fuse()), expired)
}

/// The 408 answered when a body is too slow.
#[must_use]
pub fn too_slow() -> ApiError {
    ApiError::RequestTimeout("the request body did not arrive in time; send it again".into())
}

#[derive(Debug, Default)]
struct GateState {
    total: u32,
    by_account: HashMap<String, u32>,
}

/// Check-in uploads in flight: at most `per_account` for one account (429 beyond) and
/// `in_flight` for the instance (503 beyond).
#[derive(Clone, Debug)]
pub struct UploadGate {
    per_account: u32,
    in_flight: u32,
    state: Arc<Mutex<GateState>>,
}

/// One upload's place in the gate, given back when dropped.
#[derive(Debug)]
pub struct UploadPermit {
    account: String,
    state: Arc<Mutex<GateState>>,
}

impl Drop for UploadPermit {
    fn drop(&mut self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.total = state.total.saturating_sub(1);
        if let Some(n) = state.by_account.get_mut(&self.account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                state.by_account.remove(&self.account);
            }
        }
    }
}

impl UploadGate {
    #[must_use]
    pub fn new(per_account: u32, in_flight: u32) -> Self {
        Self {
            per_account,
            in_flight,
            state: Arc::default(),
        }
    }

    /// Whether any upload is in flight (background work waits a little for it).
    #[must_use]
    pub fn busy(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
            > 0
    }

    /// A place for one more upload by `account`, before its body is read.
    pub fn enter(&self, account: &str) -> Result<UploadPermit, ApiError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.total >= self.in_flight {
            return Err(ApiError::Busy(
                "too many uploads in progress; retry shortly".into(),
                2,
            ));
        }
        let mine = state.by_account.get(account).copied().unwrap_or(0);
        if mine >= self.per_account {
            return Err(ApiError::TooManyRequests(
                "this account already has uploads in progress; wait for them to finish",
                2,
            ));
        }
        state.total += 1;
        state.by_account.insert(account.to_owned(), mine + 1);
        Ok(UploadPermit {
            account: account.to_owned(),
            state: self.state.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_counts_per_account_and_in_all_and_gives_places_back() {
        let gate = UploadGate::new(2, 3);
        let a1 = gate.enter("a").unwrap();
        let _a2 = gate.enter("a").unwrap();
        assert!(matches!(
            gate.enter("a"),
            Err(ApiError::TooManyRequests(..))
        ));
        let _b1 = gate.enter("b").unwrap();
        assert!(matches!(gate.enter("c"), Err(ApiError::Busy(..))));
        drop(a1);
        assert!(gate.enter("c").is_ok());
    }

    #[tokio::test]
    async fn a_stalled_stream_is_a_timeout() {
        let deadline = BodyDeadline {
            total: Duration::from_secs(5),
            idle: Duration::from_millis(50),
        };
        let clock = deadline.start();
        let mut stalled = futures_util::stream::pending::<u8>();
        assert!(matches!(
            clock.next(&mut stalled).await,
            Err(ApiError::RequestTimeout(_))
        ));
        let mut ready = futures_util::stream::iter([1u8]);
        assert_eq!(clock.next(&mut ready).await.unwrap(), Some(1));
    }
}
