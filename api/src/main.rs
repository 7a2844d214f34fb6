//! The `hadir` binary: serve (the default), run migrations, manage accounts.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hadir_api::auth::PasswordService;
use hadir_api::startup::{self, Application};
use hadir_api::{Settings, telemetry};
use hadir_domain::{Password, Role, Username};

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
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
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
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(&settings).await,
            Command::Migrate => startup::connect_database(&settings).await.map(|_| {
                println!("migrations are up to date");
            }),
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

async fn serve(settings: &Settings) -> Result<(), startup::StartupError> {
    let app = Application::build(settings).await?;
    tracing::info!(
        address = %format!("http://{}:{}", settings.server.host, app.port()),
        "hadir is listening"
    );
    app.run_until_stopped()
        .await
        .map_err(|e| startup::StartupError(format!("server: {e}")))
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
