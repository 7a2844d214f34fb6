//! The sweeper: deletes photo objects that no check-in refers to once they are old enough,
//! and keeps selfies no longer than the retention period after their month is closed.
//!
//! Such objects exist because a check-in's photo is stored before its row: a request that dies
//! between the two (database down, process killed, a conflicting reuse of a client id) leaves
//! its object behind. The grace period leaves room for a request still in flight.

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use hadir_storage::repo::{check_ins, leases, months, org};

use crate::error::ApiError;
use crate::state::AppState;

/// The prefixes the sweeper owns: selfies and their thumbnails.
pub const PREFIXES: [&str; 2] = ["selfies/", "thumbs/"];

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub examined: usize,
    pub deleted: usize,
    /// Selfies reduced to their thumbnail (their month closed longer ago than the retention).
    pub reduced: usize,
    /// Login throttle keys forgotten (no failure for `auth.login_forget_after_s`).
    pub throttle_keys_forgotten: usize,
    /// Another instance was sweeping: this one did nothing.
    pub skipped: bool,
}

/// The lease the sweeping instance holds (one at a time, across instances).
const LEASE: &str = "sweeper";
/// Longer than any sweep; a sweeper that dies lets another take over after it.
const LEASE_FOR: TimeDelta = TimeDelta::minutes(30);

/// A month close whose selfies are due for reduction: its local dates and, for a unit's close,
/// the units it covers.
struct Due {
    close: months::MonthCloseRow,
    first: String,
    last: String,
    units: Option<Vec<String>>,
}

/// The closes made before `before`, with what each covers.
fn due(
    conn: &mut hadir_storage::DbConnection,
    before: chrono::NaiveDateTime,
) -> Result<Vec<Due>, hadir_storage::StorageError> {
    let closes = months::closed_before(conn, before)?;
    // The unit tree, read once, when a unit's close needs it.
    let parents = if closes.iter().any(|c| c.unit_id.is_some()) {
        org::unit_parents(conn)?
    } else {
        std::collections::BTreeMap::new()
    };
    let mut due = Vec::new();
    for close in closes {
        let Some((first, last)) = crate::month::month_range(&close.month) else {
            continue;
        };
        let units = close.unit_id.as_deref().map(|unit| {
            hadir_domain::org::subtree(&parents, unit)
                .into_iter()
                .collect()
        });
        due.push(Due {
            close,
            first: first.to_string(),
            last: last.to_string(),
            units,
        });
    }
    Ok(due)
}

/// How many check-ins' thumbnails the sweeper makes at a time before reducing a month's selfies.
const THUMBNAILS_PER_ROUND: i64 = 64;

/// Reduces the selfies of months closed longer ago than `check_ins.selfie_retention_days` to
/// their thumbnails (the full-size objects are then swept as unreferenced), making first the
/// thumbnails never made (`app::thumbnails`). Audited per close.
async fn retention(state: &AppState) -> Result<usize, ApiError> {
    let days = i64::from(state.check_in.selfie_retention_days);
    let before = (Utc::now() - TimeDelta::days(days)).naive_utc();
    let closes = state.db.run(move |conn| due(conn, before)).await?;
    for d in closes {
        // Page by page; one whose thumbnail cannot be made now keeps its selfie until a
        // later sweep makes it.
        let mut after = String::new();
        loop {
            let (first, last, units) = (d.first.clone(), d.last.clone(), d.units.clone());
            let from = after.clone();
            let mut rows = state
                .db
                .run(move |conn| {
                    check_ins::without_thumbnail(
                        conn,
                        &first,
                        &last,
                        units.as_deref(),
                        &from,
                        THUMBNAILS_PER_ROUND,
                    )
                })
                .await?;
            let Some(last_row) = rows.last() else { break };
            after.clone_from(&last_row.id);
            crate::app::thumbnails::ensure(state, &mut rows).await;
        }
    }
    Ok(state
        .db
        .transaction(move |conn| {
            let mut reduced = 0;
            for Due {
                close,
                first,
                last,
                units,
            } in due(conn, before)?
            {
                let n = check_ins::reduce_selfies(conn, &first, &last, units.as_deref())?;
                if n > 0 {
                    crate::audit::record::<(), _>(
                        conn,
                        &crate::audit::Entry {
                            actor: None,
                            action: "photo.retention",
                            entity: "month",
                            entity_id: &close.month,
                            before: None,
                            after: Some(&serde_json::json!({
                                "unit_id": close.unit_id,
                                "selfies_reduced_to_thumbnails": n,
                                "retention_days": days,
                            })),
                            request: None,
                            subjects: &[],
                        },
                    )?;
                }
                reduced += n;
            }
            Ok(reduced)
        })
        .await?)
}

/// Applies the selfie retention, then deletes every object under [`PREFIXES`] older than
/// `grace` that no check-in refers to.
pub async fn sweep(state: &AppState, grace: Duration) -> Result<SweepReport, ApiError> {
    let holder = state.db.instance_id().to_owned();
    let me = holder.clone();
    let taken = state
        .db
        .run(move |conn| {
            let now = hadir_storage::now_utc();
            leases::acquire(conn, LEASE, &me, now, now + LEASE_FOR)
        })
        .await?;
    if !taken {
        tracing::info!("another instance is sweeping; this one skips");
        return Ok(SweepReport {
            skipped: true,
            ..SweepReport::default()
        });
    }
    let result = sweep_held(state, grace).await;
    let me = holder.clone();
    if let Err(e) = state
        .db
        .run(move |conn| leases::release(conn, LEASE, &me))
        .await
    {
        tracing::warn!(error = %e, "the sweeper's lease was not given back; it runs out");
    }
    result
}

async fn sweep_held(state: &AppState, grace: Duration) -> Result<SweepReport, ApiError> {
    let cutoff = Utc::now() - TimeDelta::from_std(grace).unwrap_or(TimeDelta::hours(1));
    let mut report = SweepReport {
        reduced: retention(state).await?,
        throttle_keys_forgotten: state.login_throttle.sweep(&state.db).await?,
        ..SweepReport::default()
    };
    for prefix in PREFIXES {
        let old: Vec<_> = state
            .photos
            .list(prefix)
            .await?
            .into_iter()
            .filter(|o| o.last_modified < cutoff)
            .collect();
        report.examined += old.len();
        if old.is_empty() {
            continue;
        }
        let keys: Vec<String> = old.iter().map(|o| o.key.as_str().to_owned()).collect();
        let referenced = state
            .db
            .run(move |conn| check_ins::referenced_keys(conn, &keys))
            .await?;
        for object in old {
            if !referenced.iter().any(|k| k == object.key.as_str()) {
                state.photos.delete(&object.key).await?;
                report.deleted += 1;
                tracing::info!(key = %object.key, "swept an object without a check-in");
            }
        }
    }
    for (outcome, n) in [
        ("examined", report.examined),
        ("deleted", report.deleted),
        ("reduced", report.reduced),
    ] {
        state
            .metrics
            .sweep
            .get_or_create(&crate::metrics::OutcomeLabels { outcome })
            .inc_by(u64::try_from(n).unwrap_or(0));
    }
    Ok(report)
}

/// Sweeps every `interval` until the process ends; failures are logged and tried again later.
pub fn spawn_periodic(state: AppState, interval: Duration, grace: Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match sweep(&state, grace).await {
                Ok(report) if report.deleted > 0 || report.reduced > 0 => {
                    tracing::info!(
                        deleted = report.deleted,
                        reduced = report.reduced,
                        "periodic sweep done"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "periodic sweep failed"),
            }
        }
    });
}
