//! `TestApp`: the real application, bound to a free port, on a fresh database and photo store.

use std::sync::Arc;

use hadir_api::settings::PhotoBackend;
use hadir_api::{AppState, Application, Settings};
use hadir_domain::PhotoStore;
use hadir_storage::photos::{FolderPhotoStore, S3PhotoStore};
use reqwest::{Method, Response, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::{PhotosKind, TestDb, TestS3, photos_kind};

/// The password of the `admin` account every `TestApp` starts with.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// The photo store behind a `TestApp`.
#[derive(Debug)]
pub enum TestPhotos {
    Folder(tempfile::TempDir),
    S3(TestS3),
}

/// An access + refresh token pair.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access: String,
    pub refresh: String,
    pub user_id: String,
}

/// How a test adjusts the settings of its app (and of the app's siblings).
type Customize = Arc<dyn Fn(&mut Settings) + Send + Sync>;

/// A running app. Fields drop in order: the server stops before its database is removed.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    handle: actix_web::dev::ServerHandle,
    customize: Customize,
    pub photos: TestPhotos,
    pub db: TestDb,
}

/// A second instance on a `TestApp`'s database and photo store (several instances behind one
/// load balancer); it stops when dropped.
pub struct Sibling {
    pub address: String,
    pub state: AppState,
    handle: actix_web::dev::ServerHandle,
}

impl Sibling {
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for Sibling {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            tokio::task::block_in_place(|| rt.block_on(handle.stop(false)));
        }
    }
}

/// The settings of a test app on `db_url` and `photos`.
fn test_settings(db_url: &str, photos: &TestPhotos, customize: &Customize) -> Settings {
    let mut settings = Settings::default();
    settings.server.port = 0;
    settings.server.workers = 1;
    settings.server.shutdown_timeout_s = 1;
    settings.database.url = SecretString::from(db_url.to_owned());
    settings.database.pool_size = Some(4);
    settings.admin_password = Some(SecretString::from(ADMIN_PASSWORD));
    match photos {
        TestPhotos::Folder(dir) => {
            settings.photos.backend = PhotoBackend::Folder;
            settings.photos.folder = dir.path().to_path_buf();
        }
        TestPhotos::S3(s3) => {
            let config = s3.config();
            settings.photos.backend = PhotoBackend::S3;
            settings.photos.s3_endpoint = config.endpoint;
            settings.photos.s3_bucket = config.bucket;
            settings.photos.s3_access_key = config.access_key;
            settings.photos.s3_secret_key = config.secret_key;
            settings.photos.s3_timeout_s = 5;
        }
    }
    customize(&mut settings);
    settings.validate().expect("test settings are valid");
    settings
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl TestApp {
    /// An app on the backend and photo store the environment selects.
    pub async fn spawn() -> Self {
        Self::spawn_with(TestDb::fresh(), |_| {}).await
    }

    /// An app on `db`, with settings adjusted by `customize`.
    pub async fn spawn_with(
        db: TestDb,
        customize: impl Fn(&mut Settings) + Send + Sync + 'static,
    ) -> Self {
        let photos = match photos_kind() {
            PhotosKind::Folder => TestPhotos::Folder(tempfile::tempdir().expect("temp dir")),
            PhotosKind::S3 => TestPhotos::S3(TestS3::start().await),
        };
        let customize: Customize = Arc::new(customize);
        let settings = test_settings(&db.url, &photos, &customize);
        let state = AppState::init(&settings).await.expect("app state");
        let app = Application::with_state(&settings, state.clone()).expect("bind");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            address,
            client,
            state,
            handle,
            customize,
            photos,
            db,
        }
    }

    /// Starts another instance on this app's database and photo store, with the same settings.
    pub async fn sibling(&self) -> Sibling {
        let settings = test_settings(&self.db.url, &self.photos, &self.customize);
        let state = AppState::init(&settings).await.expect("app state");
        let app = Application::with_state(&settings, state.clone()).expect("bind");
        let address = format!("http://127.0.0.1:{}", app.port());
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        Sibling {
            address,
            state,
            handle,
        }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Where a link from the API leads: a path this server signed (the folder store's
    /// `/api/v1/photos?...`), or an S3 presigned URL as it is.
    #[must_use]
    pub fn link_url(&self, link: &str) -> String {
        if link.starts_with('/') {
            self.url(link)
        } else {
            link.to_owned()
        }
    }

    /// The photo store as the app sees it, for checking what was stored.
    #[must_use]
    pub fn photo_store(&self) -> Arc<dyn PhotoStore> {
        match &self.photos {
            TestPhotos::Folder(dir) => {
                Arc::new(FolderPhotoStore::new(dir.path()).expect("folder store"))
            }
            TestPhotos::S3(s3) => Arc::new(S3PhotoStore::new(&s3.config()).expect("s3 store")),
        }
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post_json(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Logs in and returns the tokens; panics unless the login succeeds.
    pub async fn tokens(&self, username: &str, password: &str) -> Tokens {
        let res = self.login(username, password).await;
        assert_eq!(res.status(), StatusCode::OK, "login as {username}");
        let body: Value = res.json().await.expect("json");
        Tokens {
            access: body["access_token"].as_str().expect("access").to_owned(),
            refresh: body["refresh_token"].as_str().expect("refresh").to_owned(),
            user_id: body["user"]["id"].as_str().expect("user id").to_owned(),
        }
    }

    pub async fn admin(&self) -> Tokens {
        self.tokens("admin", ADMIN_PASSWORD).await
    }

    /// Creates an account with `role` through the API; returns its id.
    pub async fn create_user(
        &self,
        admin: &Tokens,
        username: &str,
        password: &str,
        role: &str,
    ) -> String {
        let res = self
            .post_json(
                "/api/v1/users",
                Some(&admin.access),
                &json!({"username": username, "password": password, "role": role}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "create {username}");
        let body: Value = res.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the workers (and their database pools) before the database is dropped.
        let handle = self.handle.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            tokio::task::block_in_place(|| rt.block_on(handle.stop(false)));
        }
    }
}

/// Reads a problem+json answer, checking its content type and status field.
pub async fn problem(res: Response, status: StatusCode) -> Value {
    assert_eq!(res.status(), status);
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["status"], status.as_u16());
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{body}"
    );
    assert!(body["title"].is_string(), "{body}");
    body
}
