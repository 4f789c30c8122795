//! `server serve | worker | migrate`: parse the subcommand, set up logging, run.

use clap::{Parser, Subcommand};
use server::{config::Settings, startup, telemetry};

#[derive(Parser)]
#[command(
    name = "server",
    version,
    about = "MatterCraft: web app, REST API and workers"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the API, with in-process workers (the default).
    Serve,
    /// Run background workers only (for scale-out next to `serve`).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("configuration error: {err:#}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(&settings);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => startup::serve(settings).await,
        Command::Worker => startup::worker(settings).await,
        Command::Migrate => startup::migrate(settings).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "server stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}
