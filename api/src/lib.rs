//! Hadir's HTTP API: settings, authentication, routes, problem+json errors and start-up.

pub mod app;
pub mod audit;
pub mod auth;
pub mod console;
pub mod demo;
pub mod demo_history;
pub mod error;
pub mod export;
pub mod extract;
pub mod faces;
pub mod load;
pub mod metrics;
pub mod month;
pub mod phone;
pub mod photo_links;
pub mod planning;
pub mod routes;
pub mod selfie;
pub mod settings;
pub mod startup;
pub mod state;
pub mod sweep;
pub mod telemetry;

pub use settings::Settings;
pub use startup::{Application, StartupError};
pub use state::AppState;
