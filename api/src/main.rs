//! The `hadir` binary: serve (the default), run migrations, manage accounts.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hadir_api::auth::PasswordService;
use hadir_api::startup::{self, Application};
use hadir_api::{AppState, Settings, telemetry};
use hadir_domain::{Password, Role, Username};
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "hadir",
    version,
    about = "Hadir: mobile-first attendance backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve {
        /// First load a demo city government (into an empty database) and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Delete photo objects that no check-in refers to and that are older than the grace
    /// period (`check_ins.sweep_grace_s` unless `--grace-s` says otherwise), then exit.
    Sweep {
        #[arg(long)]
        grace_s: Option<u64>,
    },
    /// Write a month of attendance (every active employee, or a unit's) to a file.
    Export {
        /// The month, as YYYY-MM.
        #[arg(long)]
        month: String,
        /// xlsx, csv or json.
        #[arg(long, default_value = "xlsx")]
        format: String,
        #[arg(long)]
        out: std::path::PathBuf,
        /// Only this unit and its sub-units.
        #[arg(long)]
        unit: Option<String>,
        /// Headers in Indonesian (id, the default) or English (en).
        #[arg(long, default_value = "id")]
        lang: String,
    },
    /// Manage accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an account. The password comes from `HADIR_NEW_PASSWORD`, or one is generated and
    /// printed.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "admin")]
        role: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hadir: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hadir: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { demo: false }) {
            Command::Serve { demo } => serve(&settings, demo).await,
            Command::Migrate => startup::connect_database(&settings).await.map(|_| {
                println!("migrations are up to date");
            }),
            Command::Sweep { grace_s } => sweep(&settings, grace_s).await,
            Command::Export {
                month,
                format,
                out,
                unit,
                lang,
            } => export(&settings, &month, &format, &out, unit, &lang).await,
            Command::Admin {
                command: AdminCommand::Create { username, role },
            } => admin_create(&settings, &username, &role).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hadir: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: &Settings, demo: bool) -> Result<(), startup::StartupError> {
    let state = AppState::init(settings).await?;
    if demo {
        let logins = hadir_api::demo::load(&state)
            .await
            .map_err(startup::StartupError)?;
        let stored = hadir_api::demo_history::load(&state, chrono::Utc::now().date_naive())
            .await
            .map_err(startup::StartupError)?;
        if stored > 0 {
            println!("Demo history: {stored} check-ins of this month, some flagged for review.");
        }
        println!(
            "Demo organisation: Pemerintah Kota Cimahi. Every demo account's password is {}",
            hadir_api::demo::DEMO_PASSWORD
        );
        for login in logins {
            println!(
                "  {:<14} {:<11} {}",
                login.username,
                login.role.as_str(),
                login.who
            );
        }
    }
    let interval = settings.check_ins.sweep_interval_s;
    if interval > 0 {
        hadir_api::sweep::spawn_periodic(
            state.clone(),
            Duration::from_secs(interval),
            Duration::from_secs(settings.check_ins.sweep_grace_s),
        );
    }
    if settings.faces.enabled && settings.faces.worker {
        hadir_api::faces::spawn(state.clone());
    }
    let app = Application::with_state(settings, state)?;
    tracing::info!(
        address = %format!("http://{}:{}", settings.server.host, app.port()),
        "hadir is listening"
    );
    app.run_until_stopped()
        .await
        .map_err(|e| startup::StartupError(format!("server: {e}")))
}

async fn export(
    settings: &Settings,
    month: &str,
    format: &str,
    out: &std::path::Path,
    unit: Option<String>,
    lang: &str,
) -> Result<(), startup::StartupError> {
    let err = |e: &dyn std::fmt::Display| startup::StartupError(format!("export: {e}"));
    if !["xlsx", "csv", "json"].contains(&format) {
        return Err(err(&"--format must be xlsx, csv or json"));
    }
    if hadir_api::month::month_range(month).is_none() {
        return Err(err(&"--month must be a month as YYYY-MM"));
    }
    let lang = hadir_api::export::Lang::parse(Some(lang))
        .ok_or_else(|| err(&"--lang must be id or en"))?;
    let state = AppState::init(settings).await?;
    let started = std::time::Instant::now();
    let count = hadir_api::app::monthly::export_to_file(&state, month, format, lang, unit, out)
        .await
        .map_err(|e| err(&e))?;
    println!(
        "wrote {} ({count} employees, {format}) in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn sweep(settings: &Settings, grace_s: Option<u64>) -> Result<(), startup::StartupError> {
    let state = AppState::init(settings).await?;
    let grace = Duration::from_secs(grace_s.unwrap_or(settings.check_ins.sweep_grace_s));
    let report = hadir_api::sweep::sweep(&state, grace)
        .await
        .map_err(|e| startup::StartupError(format!("sweep: {e}")))?;
    println!(
        "reduced {} selfies of closed months to their thumbnails; examined {} objects older \
         than {}s; deleted {} without a check-in",
        report.reduced,
        report.examined,
        grace.as_secs(),
        report.deleted
    );
    Ok(())
}

async fn admin_create(
    settings: &Settings,
    username: &str,
    role: &str,
) -> Result<(), startup::StartupError> {
    let err =
        |field: &str, e: &dyn std::fmt::Display| startup::StartupError(format!("{field}: {e}"));
    let username = Username::parse(username).map_err(|e| err("--username", &e))?;
    let role: Role = role.parse().map_err(|e| err("--role", &e))?;
    let (password, generated) = match std::env::var("HADIR_NEW_PASSWORD") {
        Ok(p) => (p, false),
        Err(_) => (startup::random_password(), true),
    };
    Password::new(&password).map_err(|e| err("HADIR_NEW_PASSWORD", &e))?;
    let db = startup::connect_database(settings).await?;
    let passwords = PasswordService::new(&settings.auth).map_err(startup::StartupError)?;
    startup::create_account(
        &db,
        &passwords,
        username.as_str(),
        &password,
        role,
        "user.create",
    )
    .await?;
    println!("created {role} account `{username}`");
    if generated {
        println!("  password: {password}\nIt is shown only this once.");
    }
    Ok(())
}
