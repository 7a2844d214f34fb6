//! Building the application from settings: storage, services, the first account, the server.
//! `Application::build` binds before it returns, so tests start the real app on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, web};
use hadir_domain::{PhotoStore, Role};
use hadir_storage::photos::{FolderPhotoStore, S3PhotoStore};
use hadir_storage::repo::{secrets, users};
use hadir_storage::{Database, StorageError, now_utc};
use rand::Rng;
use secrecy::ExposeSecret;

use crate::audit::{self, Entry};
use crate::auth::{PasswordService, TokenService};
use crate::error::{PROBLEM_JSON, Problem};
use crate::photo_links::PhotoLinks;
use crate::selfie::CpuPool;
use crate::settings::{PhotoBackend, Settings};
use crate::state::AppState;
use crate::{routes, telemetry};

/// Start-up failed; the message says what to fix.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

impl From<StorageError> for StartupError {
    fn from(e: StorageError) -> Self {
        StartupError(format!("database: {e}"))
    }
}

/// Connects to the database and runs pending migrations (on the blocking pool).
pub async fn connect_database(settings: &Settings) -> Result<Database, StartupError> {
    let url = settings
        .database_url()
        .map_err(|e| StartupError(e.to_string()))?;
    let options = settings.database.options();
    let backend = url.backend();
    let (db, applied) =
        tokio::task::spawn_blocking(move || Database::connect_and_migrate(url, &options))
            .await
            .map_err(|e| StartupError(format!("database task: {e}")))??;
    for name in &applied {
        tracing::info!(migration = %name, "migration applied");
    }
    tracing::info!(backend = backend.as_str(), "database ready");
    Ok(db)
}

/// The configured photo store.
pub fn photo_store(settings: &Settings) -> Result<Arc<dyn PhotoStore>, StartupError> {
    let photos = &settings.photos;
    Ok(match photos.backend {
        PhotoBackend::Folder => Arc::new(FolderPhotoStore::new(&photos.folder).map_err(|e| {
            StartupError(format!(
                "HADIR__PHOTOS__FOLDER: cannot use {}: {e}",
                photos.folder.display()
            ))
        })?),
        PhotoBackend::S3 => Arc::new(
            S3PhotoStore::new(&photos.s3_config())
                .map_err(|e| StartupError(format!("photo store: {e}")))?,
        ),
    })
}

/// A random password for a generated account: 20 characters from an unambiguous alphabet.
#[must_use]
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Creates an account (for the first start and `hadir admin create`), audited as the system.
pub async fn create_account(
    db: &Database,
    passwords: &PasswordService,
    username: &str,
    password: &str,
    role: Role,
    action: &'static str,
) -> Result<(), StartupError> {
    let hash = passwords
        .hash(password.to_owned())
        .await
        .map_err(|e| StartupError(format!("hashing: {e}")))?;
    let now = now_utc();
    let row = users::UserRow {
        id: uuid::Uuid::new_v4().to_string(),
        username: username.to_owned(),
        password_hash: hash,
        role: role.as_str().to_owned(),
        employee_id: None,
        active: true,
        token_version: 0,
        created_at: now,
        updated_at: now,
        created_by: None,
    };
    db.transaction(move |conn| {
        users::insert(conn, &row)?;
        let after = serde_json::json!({"username": row.username, "role": row.role});
        audit::record(
            conn,
            &Entry::<(), _> {
                actor: None,
                action,
                entity: "user",
                entity_id: &row.id,
                before: None,
                after: Some(&after),
                request: None,
                subjects: &[],
            },
        )
    })
    .await
    .map_err(|e| match e {
        StorageError::Duplicate(_) => StartupError(format!("username `{username}` is taken")),
        other => other.into(),
    })
}

/// On an empty database, creates `admin` with `HADIR_ADMIN_PASSWORD` or a random password that
/// is printed once.
async fn bootstrap_admin(
    db: &Database,
    passwords: &PasswordService,
    settings: &Settings,
) -> Result<(), StartupError> {
    if db.run(users::count).await? > 0 {
        return Ok(());
    }
    let (password, generated) = match &settings.admin_password {
        Some(p) => (p.expose_secret().to_owned(), false),
        None => (random_password(), true),
    };
    match create_account(
        db,
        passwords,
        "admin",
        &password,
        Role::Admin,
        "user.bootstrap",
    )
    .await
    {
        Ok(()) if generated => {
            // Printed once, on standard output, so that the first person can log in.
            println!(
                "Created the first account.\n  username: admin\n  password: {password}\n\
                 It is shown only this once: log in and change it."
            );
        }
        Ok(()) => tracing::info!("created the first account `admin` from HADIR_ADMIN_PASSWORD"),
        // Another instance started on the same empty database at the same moment.
        Err(_) if db.run(users::count).await? > 0 => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

impl AppState {
    /// Connects everything the handlers need.
    pub async fn init(settings: &Settings) -> Result<Self, StartupError> {
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let observed = metrics.clone();
        let db = connect_database(settings)
            .await?
            .with_acquire_observer(Arc::new(move |waited, got| {
                observed.db_acquire.observe(waited.as_secs_f64());
                if !got {
                    observed.db_acquire_failures.inc();
                }
            }));
        let photos: Arc<dyn hadir_domain::PhotoStore> = Arc::new(
            crate::metrics::MeteredStore::new(photo_store(settings)?, metrics.clone()),
        );
        let secret = match &settings.auth.jwt_secret {
            Some(s) => s.expose_secret().as_bytes().to_vec(),
            None => db
                .run(|conn| {
                    secrets::get_or_create(conn, "jwt_signing_key", || {
                        let bytes: [u8; 32] = rand::rng().random();
                        hex::encode(bytes)
                    })
                })
                .await?
                .into_bytes(),
        };
        let tokens = TokenService::new(&secret, &settings.auth);
        let passwords = PasswordService::new(&settings.auth).map_err(StartupError)?;
        bootstrap_admin(&db, &passwords, settings).await?;
        Ok(Self {
            db,
            photos,
            tokens,
            passwords,
            json_limit: settings.server.json_limit_bytes,
            link_expiry: Duration::from_secs(settings.photos.link_expiry_s),
            check_in: Arc::new(settings.check_ins.clone()),
            metrics,
            metrics_token: settings.metrics.scrape_token.clone(),
            faces: Arc::new(settings.faces.clone()),
            face_wake: Arc::new(tokio::sync::Notify::new()),
            plans: Arc::new(settings.plans.clone()),
            attendance: Arc::new(settings.attendance.clone()),
            console: Arc::new(settings.console.clone()),
            allowance: settings.allowance.policy(),
            photo_links: PhotoLinks::new(&secret),
            trusted_proxies: settings.server.trusted_proxies.clone().into(),
            login_throttle: crate::app::throttle::LoginThrottle::new(&settings.auth),
            cpu: CpuPool::with_lanes(
                std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
                crate::selfie::Lanes {
                    large_pixels: settings.check_ins.large_image_pixels,
                    small_wait: Duration::from_millis(settings.check_ins.image_queue_timeout_ms),
                    large_wait: Duration::from_millis(
                        settings.check_ins.large_image_queue_timeout_ms,
                    ),
                },
            ),
            uploads: crate::load::UploadGate::new(
                settings.check_ins.max_uploads_per_account,
                settings.check_ins.max_uploads_in_flight,
            ),
            refresh_grace_s: i64::try_from(settings.auth.refresh_grace_s).unwrap_or(10),
            body_deadline: crate::load::BodyDeadline {
                total: Duration::from_secs(settings.server.body_timeout_s),
                idle: Duration::from_secs(settings.server.body_idle_timeout_s),
            },
        })
    }
}

/// Rewrites any error response that is not problem+json yet (extractor failures, actix's own
/// answers) into one, keeping its status. 5xx details are not passed on.
#[expect(
    clippy::unnecessary_wraps,
    reason = "the signature ErrorHandlers requires"
)]
fn to_problem<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Problems already, and the console's own error pages (HTML), pass as they are.
    let is_answered = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()) || v.as_bytes().starts_with(b"text/html")
    });
    if is_answered {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = if status.is_server_error() {
        if let Some(err) = res.response().error() {
            tracing::error!(error = %err, "unhandled error");
        }
        None
    } else {
        res.response().error().map(ToString::to_string)
    };
    let (req, _) = res.into_parts();
    let response = Problem::new(status, detail).response();
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// The bound, not yet running, server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Builds the state and binds `server.host:server.port` (port 0 picks a free one).
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let state = AppState::init(settings).await?;
        Self::with_state(settings, state)
    }

    /// Binds a server around an existing state (tests use this to reach the same database).
    pub fn with_state(settings: &Settings, state: AppState) -> Result<Self, StartupError> {
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener = TcpListener::bind(address).map_err(|e| {
            StartupError(format!(
                "HADIR__SERVER__HOST/PORT: cannot listen on {}:{}: {e}",
                address.0, address.1
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| StartupError(e.to_string()))?
            .port();
        let data = web::Data::new(state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::QueryConfig::default().error_handler(|err, _| {
                    crate::error::ApiError::BadRequest(format!("invalid query: {err}")).into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| crate::error::ApiError::NotFound.into()),
                )
                .configure(routes::configure)
                .configure(crate::console::configure)
                .configure(crate::phone::configure)
                .default_service(web::to(routes::route_not_found))
                .wrap(ErrorHandlers::new().default_handler(to_problem))
                .wrap(from_fn(telemetry::request_context))
        })
        // Answers go out at once: without this, a compressed answer written in several pieces
        // waits out the client's delayed ACK (40 ms) between them.
        .on_connect(|conn, _| {
            if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .workers(settings.workers())
        .shutdown_timeout(settings.server.shutdown_timeout_s)
        .listen(listener)
        .map_err(|e| StartupError(format!("listen: {e}")))?
        .run();
        Ok(Self { port, server })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs until the process is asked to stop (SIGINT/SIGTERM), then drains requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// A handle that can stop the server.
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
