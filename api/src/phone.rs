//! The phone app at `/app`: an installable web app (manifest, icons, service worker) that
//! talks only to the public `/api/v1` routes, as a native app would. Its files are embedded in
//! the binary (`api/app/`); nothing is built or downloaded.
//!
//! The shell is served with `no-cache` and an `ETag` (the service worker keeps it offline and
//! revalidates it); the service worker's cache name carries a hash of the shell, so a new
//! release replaces the old shell on the phones.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

/// The app's Content-Security-Policy: its own files, the camera's blobs, the API.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; \
    worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";

/// `(path, content type, bytes)`.
const FILES: [(&str, &str, &[u8]); 6] = [
    (
        "/app",
        "text/html; charset=utf-8",
        include_bytes!("../app/index.html"),
    ),
    (
        "/app/app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../app/app.js"),
    ),
    (
        "/app/app.css",
        "text/css; charset=utf-8",
        include_bytes!("../app/app.css"),
    ),
    (
        "/app/manifest.webmanifest",
        "application/manifest+json",
        include_bytes!("../app/manifest.webmanifest"),
    ),
    (
        "/app/icon-192.png",
        "image/png",
        include_bytes!("../app/icon-192.png"),
    ),
    (
        "/app/icon-512.png",
        "image/png",
        include_bytes!("../app/icon-512.png"),
    ),
];

const SERVICE_WORKER: &str = include_str!("../app/sw.js");

/// A file as served: its bytes and their `ETag`.
#[derive(Debug)]
struct Served {
    path: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
    etag: String,
}

fn etag(bytes: &[u8]) -> String {
    format!("\"{}\"", &hex::encode(Sha256::digest(bytes))[..20])
}

/// Every file, with the service worker's version set to a hash of the whole shell.
fn files() -> &'static [Served] {
    static FILES_SERVED: OnceLock<Vec<Served>> = OnceLock::new();
    FILES_SERVED.get_or_init(|| {
        let mut shell = Sha256::new();
        let mut out: Vec<Served> = FILES
            .iter()
            .map(|(path, content_type, bytes)| {
                shell.update(bytes);
                Served {
                    path,
                    content_type,
                    bytes: bytes.to_vec(),
                    etag: etag(bytes),
                }
            })
            .collect();
        let version = &hex::encode(shell.finalize())[..12];
        let worker = SERVICE_WORKER
            .replace("__HADIR_APP_VERSION__", version)
            .into_bytes();
        out.push(Served {
            path: "/app/sw.js",
            content_type: "text/javascript; charset=utf-8",
            etag: etag(&worker),
            bytes: worker,
        });
        out
    })
}

/// The version of the shell the service worker caches under (for tests and logs).
#[must_use]
pub fn version() -> String {
    files()
        .iter()
        .find(|f| f.path == "/app/sw.js")
        .map(|f| f.etag.trim_matches('"').to_owned())
        .unwrap_or_default()
}

async fn serve(req: HttpRequest) -> HttpResponse {
    let path = match req.path() {
        "/app/" | "/app/index.html" => "/app",
        p => p,
    };
    let Some(file) = files().iter().find(|f| f.path == path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    let mut response = if req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == file.etag))
    {
        HttpResponse::NotModified().finish()
    } else {
        HttpResponse::Ok()
            .content_type(file.content_type)
            .body(file.bytes.clone())
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // The camera and location are for this app only.
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), geolocation=(self), microphone=()"),
    );
    response
}

/// Registers `/app` and its files, compressed for phones on mobile data (about 20 KiB with
/// gzip for the whole shell, 63 KiB without).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/app")
            .wrap(actix_web::middleware::Compress::default())
            .route("", web::get().to(serve))
            .route("/", web::get().to(serve))
            .route("/{file}", web::get().to(serve)),
    );
}
