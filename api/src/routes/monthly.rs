//! The month: the employee's own days, HR's monthly sheet (JSON, CSV or XLSX) and the
//! allowance statement behind each cut.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt as _;
use serde::Deserialize;

use super::ctx;
use crate::app::monthly::{self, produce, xlsx_bytes};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::export::{CsvSheet, Lang, cut_json, day_json, json_opening, json_rows, totals_json};

use crate::state::AppState;
use crate::telemetry::RequestId;

#[derive(Debug, Deserialize)]
pub struct MyMonthQuery {
    pub month: Option<String>,
}

/// `GET /api/v1/me/attendance?month=`: the caller's days, totals and allowance cut.
pub async fn mine(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<MyMonthQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw, m) =
        monthly::mine(&ctx(&state, &caller, &request_id), query.month.as_deref()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "month": raw,
        "days": m.days.iter().map(|(s, _)| day_json(s)).collect::<Vec<_>>(),
        "totals": totals_json(&m),
        "allowance_cut": cut_json(&m, state.allowance.cap_bp),
    })))
}

#[derive(Debug, Deserialize)]
pub struct StatementQuery {
    pub employee_id: Option<String>,
    pub month: Option<String>,
}

/// `GET /api/v1/attendance/statement?employee_id=&month=`: every cut of the month with the
/// date, the code and the check-ins behind it (or the missing one).
pub async fn statement(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    let (raw, employee, m) = monthly::statement(
        &ctx(&state, &caller, &request_id),
        query.employee_id.as_deref(),
        query.month.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "month": raw,
        "employee": {"id": employee.id, "nip": employee.nip, "name": employee.name},
        "cuts": m.statement.cuts,
        "total_bp": m.statement.total_bp,
        "uncapped_bp": m.statement.uncapped_bp,
        "cap_bp": state.allowance.cap_bp,
        "percent": f64::from(m.statement.total_bp) / 100.0,
    })))
}

#[derive(Debug, Deserialize)]
pub struct MonthlyQuery {
    pub month: Option<String>,
    pub unit_id: Option<String>,
    pub format: Option<String>,
    pub lang: Option<String>,
}

/// `GET /api/v1/attendance/monthly?month=&unit_id=&format=json|csv|xlsx&lang=id|en`: one row
/// per employee, one code per day, totals and the allowance cut (HR and admins; unit admins for
/// their units). CSV and JSON are streamed; XLSX is written in constant memory and sent whole.
pub async fn monthly(
    state: web::Data<AppState>,
    caller: AuthUser,
    request_id: RequestId,
    query: web::Query<MonthlyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(monthly::READERS)?;
    let lang = Lang::parse(query.lang.as_deref())
        .ok_or_else(|| ApiError::field("lang", "must be id or en"))?;
    let format = query.format.clone().unwrap_or_else(|| "json".into());
    let monthly::Export {
        month: raw,
        first,
        last,
        days,
        ids,
        rules,
    } = monthly::open_export(
        &ctx(&state, &caller, &request_id),
        query.month.as_deref(),
        query.unit_id.as_deref(),
        None,
        &format,
    )
    .await?;
    let filename = format!("rekap-kehadiran-{raw}.{format}");
    let disposition = (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{filename}\""),
    );

    if format == "xlsx" {
        let st = state.get_ref().clone();
        let bytes = tokio::task::spawn_blocking(move || {
            xlsx_bytes(&st, &ids, (first, last), &rules, lang, &days)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("export task: {e}")))??;
        return Ok(HttpResponse::Ok()
            .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .insert_header(disposition)
            .insert_header((header::CACHE_CONTROL, "private, no-store"))
            .body(bytes));
    }

    // CSV and JSON: a producer thread renders each chunk and sends it on; the first chunk is
    // awaited before answering, so that a database that is down is a 503, not a cut stream.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, ApiError>>(2);
    let st = state.get_ref().clone();
    let cap_bp = state.allowance.cap_bp;
    let is_csv = format == "csv";
    tokio::task::spawn_blocking(move || {
        let csv = CsvSheet::new(lang);
        let opening = if is_csv {
            csv.start(&days).map_err(ApiError::Internal)
        } else {
            Ok(json_opening(&raw, &days))
        };
        let Ok(opening) = opening else { return };
        let mut pending = Some(opening);
        let mut first_row = true;
        let mut ok = true;
        produce(&st, &ids, first, last, &rules, |chunk| {
            let rendered = chunk.and_then(|months| {
                let mut bytes = pending.take().unwrap_or_default();
                if is_csv {
                    bytes.extend(csv.rows(&months).map_err(ApiError::Internal)?);
                } else {
                    bytes.extend(
                        json_rows(&months, &mut first_row, cap_bp).map_err(ApiError::Internal)?,
                    );
                }
                Ok(Bytes::from(bytes))
            });
            ok = rendered.is_ok();
            tx.blocking_send(rendered).is_ok() && ok
        });
        if ok {
            let mut closing = pending.take().unwrap_or_default();
            if !is_csv {
                closing.extend_from_slice(b"]}");
            }
            let _ = tx.blocking_send(Ok(Bytes::from(closing)));
        }
    });
    let head = rx.recv().await.unwrap_or_else(|| {
        Err(ApiError::Internal(
            "the export stopped before its first row".into(),
        ))
    })?;
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let body = futures_util::stream::once(async move { Ok::<_, ApiError>(head) }).chain(rest);
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, "private, no-store"));
    if is_csv {
        res.content_type("text/csv; charset=utf-8")
            .insert_header(disposition);
    } else {
        res.content_type("application/json");
    }
    Ok(res.streaming(body))
}
