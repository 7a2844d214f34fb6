//! Login throttling: how long a key (an account name, a client address) is refused after its
//! failures. Free failures first, then an exponential back-off with a ceiling; the caller keeps
//! the count in the database so that it holds across instances and restarts.

use chrono::Duration;

/// The back-off of one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed before any wait.
    pub free_failures: u32,
    /// The longest wait.
    pub max_block: Duration,
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row: none while free, then 1 s, 2 s, 4 s...
    /// up to `max_block`.
    #[must_use]
    pub fn block_after(&self, failures: u32) -> Option<Duration> {
        let over = failures.checked_sub(self.free_failures)?;
        if over == 0 {
            return None;
        }
        let max = self.max_block.num_seconds();
        let seconds = if over > 40 {
            max
        } else {
            (1_i64 << (over - 1)).min(max)
        };
        Some(Duration::seconds(seconds))
    }
}

/// The seconds to put in `Retry-After` for a wait of `left`: at least 1, rounded up.
#[must_use]
pub fn retry_after_s(left: Duration) -> u64 {
    let ms = left.num_milliseconds().max(1);
    u64::try_from((ms + 999) / 1000).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: Backoff = Backoff {
        free_failures: 5,
        max_block: Duration::seconds(900),
    };

    #[test]
    fn free_failures_cost_nothing_then_the_wait_doubles_up_to_the_ceiling() {
        for n in 0..=5 {
            assert_eq!(ACCOUNT.block_after(n), None, "{n}");
        }
        let waits: Vec<i64> = (6..=17)
            .map(|n| ACCOUNT.block_after(n).unwrap().num_seconds())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
        assert_eq!(ACCOUNT.block_after(u32::MAX).unwrap().num_seconds(), 900);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_s(Duration::milliseconds(1)), 1);
        assert_eq!(retry_after_s(Duration::milliseconds(1001)), 2);
        assert_eq!(retry_after_s(Duration::seconds(0)), 1);
        assert_eq!(retry_after_s(Duration::seconds(900)), 900);
    }
}
