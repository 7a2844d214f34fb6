//! The console's static files, embedded in the binary and served under names that carry a
//! hash of their bytes, so that a browser may keep them for a year and still never runs an
//! old copy after an upgrade.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

/// An embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The name it is served under (`console.1a2b3c4d5e.js`).
    pub name: String,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// The console's files: `(logical name, content type, bytes)`.
const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "htmx.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../console/vendor/htmx-2.0.11.min.js"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../console/static/console.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_bytes!("../../console/static/console.css"),
    ),
];

fn all() -> &'static [Asset] {
    static ASSETS: OnceLock<Vec<Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|(logical, content_type, bytes)| {
                let hash = hex::encode(Sha256::digest(bytes));
                let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
                Asset {
                    name: format!("{stem}.{}.{ext}", &hash[..10]),
                    content_type,
                    bytes,
                }
            })
            .collect()
    })
}

/// The path under which the file `logical` (`console.css`) is served.
#[must_use]
pub fn path(logical: &str) -> String {
    let (stem, ext) = logical.rsplit_once('.').unwrap_or((logical, ""));
    all()
        .iter()
        .find(|a| a.name.starts_with(&format!("{stem}.")) && a.name.ends_with(&format!(".{ext}")))
        .map(|a| format!("/console/static/{}", a.name))
        .unwrap_or_default()
}

/// `GET /console/static/{name}`.
pub async fn serve(name: web::Path<String>) -> HttpResponse {
    match all().iter().find(|a| a.name == *name) {
        Some(asset) => HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(asset.bytes),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vendored files are what PROVENANCE.md says they are.
    #[test]
    fn vendored_files_match_their_recorded_sha256() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console/vendor");
        let provenance = std::fs::read_to_string(dir.join("PROVENANCE.md")).unwrap();
        let mut checked = 0;
        for line in provenance.lines().filter(|l| l.starts_with("| `")) {
            let file = line.split('`').nth(1).unwrap();
            let recorded = line.rsplit('`').nth(1).unwrap();
            let bytes = std::fs::read(dir.join(file)).unwrap();
            assert_eq!(hex::encode(Sha256::digest(&bytes)), recorded, "{file}");
            checked += 1;
        }
        assert!(checked >= 1);
    }

    #[test]
    fn every_file_has_a_hashed_name() {
        for logical in ["htmx.js", "console.js", "console.css"] {
            let p = path(logical);
            assert!(p.starts_with("/console/static/"), "{logical}: {p}");
            let ext = logical.rsplit('.').next().unwrap();
            assert!(p.ends_with(&format!(".{ext}")), "{logical}: {p}");
            assert_ne!(p, format!("/console/static/{logical}"));
        }
    }
}
