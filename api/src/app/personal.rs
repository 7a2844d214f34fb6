//! Everything Hadir holds about an employee, for the employee: the records as JSON and the
//! photos (selfies, correction letters, the reference face) as files, in one zip. Audited.

use std::io::Write as _;

use hadir_domain::{PhotoKey, PhotoStoreError};
use hadir_storage::repo::personal;
use zip::write::SimpleFileOptions;

use super::{Ctx, Error};
use crate::audit::{self, Entry};

const README: &str = "\
Data Hadir Anda / Your Hadir data

hadir-data.json   semua catatan tentang Anda, tabel demi tabel (waktu dalam UTC)
                  every record about you, table by table (times in UTC)
selfies/          foto swafoto setiap presensi (ID presensi sebagai nama berkas)
                  the selfie of each check-in, named by the check-in's id
attachments/      lampiran permohonan koreksi / the attachments of your corrections
face/             foto wajah acuan Anda, bila terdaftar (nilai wajahnya ada di hadir-data.json)
                  your reference face photo, if enrolled (its values are in hadir-data.json)

Swafoto bulan yang telah ditutup lebih dari masa simpan hanya tersisa sebagai gambar kecil.
Selfies of months closed longer than the retention period remain only as thumbnails.
";

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("building the export: {e}"))
}

/// The file name of an attachment by its type.
fn extension(content_type: Option<&str>) -> &'static str {
    match content_type {
        Some("application/pdf") => "pdf",
        Some("image/png") => "png",
        _ => "jpg",
    }
}

/// Everything Hadir holds about the caller as one zip (README, records as JSON, photos and
/// attachments as files), and its file name. The snapshot and its audit entry are written in
/// one transaction, so they agree.
pub async fn export(ctx: &Ctx<'_>) -> Result<(Vec<u8>, String), Error> {
    let employee_id = ctx.caller.employee_id.clone().ok_or(Error::NotFound)?;
    let state = ctx.state;
    let (who, request, id) = (ctx.caller.clone(), ctx.request.clone(), employee_id.clone());
    // Loaded and recorded in one transaction: the audit entry and the snapshot agree.
    let data = state
        .db
        .transaction(move |conn| {
            let data = personal::everything_about(conn, &id)?;
            audit::record::<(), _>(
                conn,
                &Entry {
                    actor: Some(&who.user_id),
                    action: "employee.export",
                    entity: "employee",
                    entity_id: &id,
                    before: None,
                    after: Some(&serde_json::json!({
                        "check_ins": data.check_ins.len(),
                        "corrections": data.corrections.len(),
                    })),
                    request: Some(&request),
                    subjects: std::slice::from_ref(&id),
                },
            )?;
            Ok(data)
        })
        .await?;

    // The photos, fetched one after the other (an export is rare; the store is not flooded).
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut missing: Vec<String> = Vec::new();
    let photos = data
        .check_ins
        .iter()
        .map(|c| (format!("selfies/{}.jpg", c.id), c.photo_key.clone()))
        .chain(
            data.face_reference
                .iter()
                .map(|r| ("face/reference.jpg".to_owned(), r.photo_key.clone())),
        )
        .chain(data.corrections.iter().filter_map(|c| {
            let key = c.attachment_key.clone()?;
            Some((
                format!(
                    "attachments/{}.{}",
                    c.id,
                    extension(c.attachment_type.as_deref())
                ),
                key,
            ))
        }));
    for (name, key) in photos {
        let key = PhotoKey::new(key).map_err(|e| Error::Internal(e.to_string()))?;
        match state.photos.get(&key).await {
            Ok(bytes) => files.push((name, bytes)),
            Err(PhotoStoreError::NotFound(_)) => missing.push(name),
            Err(e) => return Err(e.into()),
        }
    }
    let json = serde_json::to_vec_pretty(&serde_json::json!({
        "exported_at": chrono::Utc::now(),
        "data": data,
        "missing_files": missing,
    }))
    .map_err(zip_error)?;
    let bytes = tokio::task::spawn_blocking(move || {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let deflated =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        // Photos are compressed already.
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("README.txt", deflated).map_err(zip_error)?;
        zip.write_all(README.as_bytes()).map_err(zip_error)?;
        zip.start_file("hadir-data.json", deflated)
            .map_err(zip_error)?;
        zip.write_all(&json).map_err(zip_error)?;
        for (name, bytes) in files {
            zip.start_file(name, stored).map_err(zip_error)?;
            zip.write_all(&bytes).map_err(zip_error)?;
        }
        Ok::<_, Error>(zip.finish().map_err(zip_error)?.into_inner())
    })
    .await
    .map_err(|e| Error::Internal(format!("export task: {e}")))??;
    Ok((bytes, format!("hadir-data-{employee_id}.zip")))
}
