//! The review queue and a check-in's detail: over `app::review`, like `GET /api/v1/check-ins`
//! and `POST /api/v1/check-ins/{id}/review`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use hadir_domain::checkin::Flag;
use hadir_storage::repo::check_ins::{CheckInRow, ReviewRow};
use serde::Deserialize;

use crate::app::{self, Error};
use crate::console::i18n::Lang;
use crate::console::map::{MapInput, svg};
use crate::console::{ConsoleError, ConsoleUser, Layout, html, is_htmx, see_other, urlencode};
use crate::state::AppState;

/// A flag as the console shows it: its name in the page's language and the server's detail.
#[derive(Debug, Clone)]
pub struct FlagView {
    pub code: String,
    pub label: &'static str,
    pub detail: String,
    pub high: bool,
}

fn flags_of(row: &CheckInRow, lang: Lang) -> Vec<FlagView> {
    serde_json::from_str::<Vec<Flag>>(&row.flags_json)
        .unwrap_or_default()
        .into_iter()
        .map(|f| {
            let code = f.code.as_str();
            FlagView {
                label: lang.t(&format!("flag.{code}")),
                code: code.to_owned(),
                detail: f.detail,
                high: f.code.weight() >= 30,
            }
        })
        .collect()
}

/// `utc` in the check-in's time zone, with the zone's abbreviation (WIB, WITA, WIT).
fn local(utc: NaiveDateTime, zone: &str) -> String {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => utc
            .and_utc()
            .with_timezone(&tz)
            .format("%d-%m-%Y %H:%M %Z")
            .to_string(),
        Err(_) => utc.format("%d-%m-%Y %H:%M UTC").to_string(),
    }
}

/// A link to a photo object, minted after the caller was authorized (and the read audited);
/// served by this server whatever the store, so the page's CSP stays `img-src 'self'`.
fn photo(state: &AppState, key: &str) -> String {
    let expiry = TimeDelta::from_std(state.link_expiry).unwrap_or(TimeDelta::minutes(5));
    state.photo_links.mint(key, Utc::now() + expiry)
}

/// One row of the queue.
#[derive(Debug)]
pub struct Row {
    pub id: String,
    pub name: String,
    pub nip: String,
    pub thumb: String,
    pub time: String,
    pub kind: String,
    pub flags: Vec<FlagView>,
    pub risk: i32,
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    layout: Layout,
    rows: Vec<Row>,
    flags: Vec<(&'static str, &'static str, bool)>,
    next: Option<String>,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "console/decided_row.html")]
struct DecidedFragment {
    id: String,
    message: String,
    refused: bool,
}

#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    flag: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    notice: Option<String>,
}

/// `GET /console/review`: what waits, riskiest first.
pub async fn queue(
    state: web::Data<AppState>,
    user: ConsoleUser,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let flag = query.flag.clone().filter(|f| !f.is_empty());
    let page = app::review::queue(
        &user.ctx(&state),
        app::review::QueueRequest {
            flag: flag.clone(),
            cursor: query.cursor.clone().filter(|c| !c.is_empty()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| ConsoleError::App(e, lang))?;
    let rows = page
        .items
        .iter()
        .map(|(r, e)| Row {
            id: r.id.clone(),
            name: e.name.clone(),
            nip: e.nip.clone(),
            thumb: photo(&state, app::thumbnails::shown(r)),
            time: local(r.received_at, &r.timezone),
            kind: r.kind.clone(),
            flags: flags_of(r, lang),
            risk: r.risk,
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        format!(
            "/console/review?cursor={}&flag={}",
            urlencode(&c),
            urlencode(flag.as_deref().unwrap_or_default())
        )
    });
    let flags = hadir_domain::checkin::FlagCode::ALL
        .iter()
        .map(|c| {
            let code = c.as_str();
            (
                code,
                lang.t(&format!("flag.{code}")),
                flag.as_deref() == Some(code),
            )
        })
        .collect();
    let notice = query.notice.as_deref().map(|n| match n {
        "decided" => lang.t("review.decided").to_owned(),
        other => other.chars().take(200).collect(),
    });
    Ok(html(
        StatusCode::OK,
        QueuePage {
            layout: user.layout("review"),
            rows,
            flags,
            next,
            notice,
        }
        .render(),
    ))
}

/// An earlier photo of the same employee.
#[derive(Debug)]
pub struct Earlier {
    pub thumb: String,
    pub when: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "console/checkin.html")]
struct DetailPage {
    layout: Layout,
    id: String,
    name: String,
    nip: String,
    status: String,
    risk: i32,
    kind: String,
    selfie: String,
    earlier: Vec<Earlier>,
    map: Option<String>,
    place: Option<String>,
    distance: Option<String>,
    radius: Option<String>,
    accuracy: String,
    geofence: String,
    is_mock: bool,
    device: String,
    captured: String,
    received: String,
    date: String,
    flags: Vec<FlagView>,
    review: Option<ReviewRow>,
    decidable: bool,
    /// What the face models found, in one line.
    face: Option<String>,
    /// The enrolled reference photo and where it came from.
    reference: Option<(String, String)>,
    /// Whether the caller may make this selfie the employee's reference.
    promotable: bool,
}

/// The face evidence of a check-in in one line for the reviewer: the faces' scores, the
/// distance to the reference against its threshold, or why there is none.
fn face_line(evidence: &serde_json::Value, lang: Lang) -> String {
    let num = |v: &serde_json::Value| {
        v.as_f64()
            .map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"))
    };
    match evidence["state"].as_str() {
        Some("done") => {
            let threshold = evidence["face_threshold"].as_f64().unwrap_or(0.75);
            let faces: Vec<String> = evidence["faces"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|f| f["score"].as_f64().is_some_and(|s| s >= threshold))
                        .map(|f| num(&f["score"]))
                        .collect()
                })
                .unwrap_or_default();
            let found = format!(
                "{} {} ({} {})",
                faces.len(),
                lang.t("face.faces"),
                if faces.is_empty() {
                    "-".to_owned()
                } else {
                    faces.join(", ")
                },
                format_args!("≥ {threshold:.2}"),
            );
            let m = &evidence["match"];
            let matched = match (m["reference"].as_str(), m["distance"].as_f64()) {
                (Some("enrolled"), Some(d)) => format!(
                    "{} {d:.2} ({} {}) · {}",
                    lang.t("face.distance"),
                    lang.t("face.same.under"),
                    num(&m["threshold"]),
                    if m["same_person"] == true {
                        lang.t("face.same")
                    } else {
                        lang.t("face.other")
                    }
                ),
                (Some("enrolled"), None) => lang.t("face.unmatched").to_owned(),
                _ => lang.t("face.no.reference").to_owned(),
            };
            format!("{found} · {matched}")
        }
        Some("failed") => format!(
            "{}: {}",
            lang.t("face.failed"),
            evidence["error"].as_str().unwrap_or("-")
        ),
        _ => lang.t("face.pending").to_owned(),
    }
}

/// `GET /console/review/{id}`: the check-in with its selfie beside the earlier ones, the map
/// and each flag's explanation.
pub async fn detail(
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    let lang = user.lang;
    let id = app::input::parse_id(&id).map_err(|e| ConsoleError::App(e, lang))?;
    let mut d = app::review::check_in(&user.ctx(&state), &id)
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    app::thumbnails::ensure(&state, &mut d.earlier).await;
    let r = &d.row;
    let map = d
        .place_point
        .zip(r.place_radius_m)
        .map(|(place, radius_m)| {
            svg(&MapInput {
                place,
                radius_m,
                fix: Some(((r.latitude, r.longitude), r.accuracy_m)),
            })
        });
    let decidable = r.status == "flagged" && app::review::REVIEWERS.contains(&user.caller.role);
    let promotable = r.status == "approved"
        && r.photo_key != r.thumbnail_key
        && app::review::REVIEWERS.contains(&user.caller.role);
    let face = d
        .face_job
        .as_ref()
        .map(|job| face_line(&crate::faces::evidence_of(job), lang));
    let reference = d.face_reference.as_ref().map(|f| {
        (
            photo(&state, &f.photo_key),
            match f.source.as_str() {
                "check_in" => lang.t("face.source.check_in"),
                _ => lang.t("face.source.upload"),
            }
            .to_owned(),
        )
    });
    let page = DetailPage {
        layout: user.layout("review"),
        id: r.id.clone(),
        name: d.employee.name.clone(),
        nip: d.employee.nip.clone(),
        status: r.status.clone(),
        risk: r.risk,
        kind: r.kind.clone(),
        selfie: photo(&state, &r.photo_key),
        earlier: d
            .earlier
            .iter()
            .map(|e| Earlier {
                thumb: photo(&state, app::thumbnails::shown(e)),
                when: local(e.received_at, &e.timezone),
                status: e.status.clone(),
            })
            .collect(),
        map,
        place: r
            .place_name
            .as_ref()
            .map(|n| format!("{n} ({})", r.place_kind.as_deref().unwrap_or_default())),
        distance: r.distance_m.map(|m| format!("{m:.0} m")),
        radius: r.place_radius_m.map(|m| format!("{m:.0} m")),
        accuracy: format!("{:.0} m", r.accuracy_m),
        geofence: r.geofence.clone().unwrap_or_else(|| "-".into()),
        is_mock: r.is_mock,
        device: r.device_id.clone().unwrap_or_else(|| "-".into()),
        captured: local(r.captured_at, &r.timezone),
        received: local(r.received_at, &r.timezone),
        date: r.local_date.clone(),
        flags: flags_of(r, lang),
        review: d.review.clone(),
        decidable,
        face,
        reference,
        promotable,
    };
    Ok(html(StatusCode::OK, page.render()))
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    decision: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
    /// `queue` (a row answered in place) or `detail` (back to the queue).
    #[serde(default)]
    from: Option<String>,
}

/// `POST /console/review/{id}/decide`.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    web::Form(form): web::Form<DecideForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let lang = user.lang;
    let id = app::input::parse_id(&id).map_err(|e| ConsoleError::App(e, lang))?;
    let note = form.note.as_deref().filter(|n| !n.trim().is_empty());
    let outcome = app::review::decide(&user.ctx(&state), &id, &form.decision, note).await;
    let in_row = is_htmx(&req) && form.from.as_deref() == Some("queue");
    match outcome {
        Ok((row, _)) if in_row => Ok(html(
            StatusCode::OK,
            DecidedFragment {
                id: row.id,
                message: format!("{} {}", lang.t("review.decided"), row.status),
                refused: false,
            }
            .render(),
        )),
        Ok(_) => Ok(see_other("/console/review?notice=decided")),
        Err(e) if in_row => {
            let (_, message, details) = crate::console::message_of(&e, lang);
            Ok(html(
                super::refusal_status(&e),
                DecidedFragment {
                    id,
                    message: format!(
                        "{}: {message} {}",
                        lang.t("review.refused"),
                        details.join("; ")
                    ),
                    refused: true,
                }
                .render(),
            ))
        }
        Err(e) => Err(ConsoleError::App(e, lang)),
    }
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    /// Comma-separated check-in ids (the selection kept across pages).
    ids: String,
    decision: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "console/bulk.html")]
struct BulkPage {
    layout: Layout,
    decided: usize,
    refused: Vec<(String, String)>,
}

/// `POST /console/review/bulk`: one decision over the selection, each with its outcome.
pub async fn bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    web::Form(form): web::Form<BulkForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let lang = user.lang;
    let ids: Vec<String> = form
        .ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let note = form.note.as_deref().filter(|n| !n.trim().is_empty());
    let outcomes = app::review::decide_many(&user.ctx(&state), &ids, &form.decision, note)
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    let decided = outcomes.iter().filter(|(_, o)| o.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter_map(|(id, o)| {
            o.as_ref().err().map(|e: &Error| {
                let (_, message, _) = crate::console::message_of(e, lang);
                (id.clone(), message)
            })
        })
        .collect();
    Ok(html(
        StatusCode::OK,
        BulkPage {
            layout: user.layout("review"),
            decided,
            refused,
        }
        .render(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /console/review/{id}/face-reference`: the approved selfie becomes the reference.
pub async fn promote(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ConsoleUser,
    id: web::Path<String>,
    web::Form(form): web::Form<CsrfForm>,
) -> Result<HttpResponse, ConsoleError> {
    user.check_csrf(&req, form.csrf.as_deref())?;
    let lang = user.lang;
    let id = app::input::parse_id(&id).map_err(|e| ConsoleError::App(e, lang))?;
    app::faces::promote(&user.ctx(&state), &id)
        .await
        .map_err(|e| ConsoleError::App(e, lang))?;
    Ok(see_other(&format!("/console/review/{id}?notice=reference")))
}
