//! The restore drill of docs/DEPLOYMENT.md, performed: back up the database (`pg_dump`, or
//! SQLite's `VACUUM INTO`) and then the photo store, restore both into new ones, start an
//! instance on them, and check that it works as the original did.

use std::process::Command;

use diesel::RunQueryDsl;
use hadir_storage::DbConnection;
use hadir_tests::{ADMIN_PASSWORD, CIMAHI, DbKind, TestApp, TestDb, meta_at, photo};
use reqwest::StatusCode;
use serde_json::Value;

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`) from `pg_config --bindir`.
fn pg_tool(name: &str) -> std::path::PathBuf {
    let out = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .unwrap_or_else(|e| panic!("pg_config is needed for the restore drill on PostgreSQL: {e}"));
    let bindir = String::from_utf8(out.stdout).unwrap();
    std::path::Path::new(bindir.trim()).join(name)
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn json(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_a_working_instance() {
    // The original, with a check-in (and its selfie) and a month to export.
    let original = TestApp::spawn().await;
    let admin = original.admin().await;
    let org = original.seed_org();
    let budi = original
        .seed_staff(&admin, &org, "budi", "employee", true)
        .await;
    let res = original
        .post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-a-480x640.jpg"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let check_in: Value = res.json().await.unwrap();
    let id = check_in["id"].as_str().unwrap().to_owned();
    let month = check_in["local_date"].as_str().unwrap()[..7].to_owned();
    let monthly = format!("/api/v1/attendance/monthly?month={month}");
    let month_before = json(&original, &monthly, &admin.access).await;

    // 1. The database first.
    let backup = tempfile::tempdir().unwrap();
    let restored_db = match original.db.kind {
        DbKind::Postgres => {
            let dump = backup.path().join("hadir.dump");
            run(Command::new(pg_tool("pg_dump"))
                .args(["--format=custom", "--file"])
                .arg(&dump)
                .arg(&original.db.url));
            let restored = TestDb::postgres_empty();
            run(Command::new(pg_tool("pg_restore"))
                .args(["--no-owner", "--dbname", &restored.url])
                .arg(&dump));
            restored
        }
        DbKind::Sqlite => {
            let restored = TestDb::sqlite();
            let path = restored.url.trim_start_matches("sqlite://").to_owned();
            let mut conn = original.db.connect();
            let DbConnection::Sqlite(c) = &mut conn else {
                unreachable!()
            };
            diesel::sql_query(format!("VACUUM INTO '{path}'"))
                .execute(c)
                .unwrap();
            restored
        }
    };
    // 2. Then the photos.
    let from = original.photo_store();
    let objects = from.list("").await.unwrap();
    assert!(!objects.is_empty(), "the selfie: {objects:?}");

    // 3. An instance on the restored pair.
    let restored = TestApp::spawn_with(restored_db, |s| s.check_ins.sweep_interval_s = 0).await;
    let to = restored.photo_store();
    for object in &objects {
        let bytes = from.get(&object.key).await.unwrap();
        to.put(&object.key, bytes, "image/jpeg").await.unwrap();
    }

    // 4. It is ready; tokens from before the backup still work (the signing key came with the
    //    dump); the admin signs in with the usual password.
    let ready = restored
        .client
        .get(restored.url("/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let res = restored.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let seen = json(&restored, &format!("/api/v1/check-ins/{id}"), &admin.access).await;
    assert_eq!(seen["local_date"], check_in["local_date"]);
    // The selfie is there, the same bytes.
    let link = seen["selfie_url"].as_str().unwrap();
    let got = restored
        .client
        .get(restored.link_url(link))
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    let row = hadir_storage::repo::check_ins::find(&mut restored.db.connect(), &id).unwrap();
    let key = hadir_domain::PhotoKey::new(row.photo_key).unwrap();
    assert_eq!(
        got.bytes().await.unwrap().to_vec(),
        from.get(&key).await.unwrap()
    );
    // The month reads as it did.
    let month_after = json(&restored, &monthly, &admin.access).await;
    assert_eq!(month_after["employees"], month_before["employees"]);
    assert!(!month_before["employees"].as_array().unwrap().is_empty());
    // And the employee checks in again on the restored instance.
    let res = restored
        .post_check_in(
            &budi.tokens.access,
            &meta_at(CIMAHI.0, CIMAHI.1, 10.0),
            photo("selfie-b-480x640.jpg"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
