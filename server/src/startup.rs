//! Start-up of each subcommand, and graceful shutdown on ctrl-c or SIGTERM.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use leptos::config::get_configuration;
use secrecy::ExposeSecret;
use services::Services;
use store::{Db, DbOptions};
use tokio::sync::watch;

use crate::config::{Environment, Settings};
use crate::state::AppState;
use crate::{build_router, workers};

/// `server serve`: migrations, then the web app + API + in-process workers until a signal.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db = connect(&settings).await?;
    let leptos = get_configuration(None).context("reading the Leptos configuration")?;
    let addr = leptos.leptos_options.site_addr;
    let services = settings.services(db.clone())?;
    start_progress_relay(&services).await?;
    // Demo data only for a development server on this machine: a server reachable from
    // elsewhere must not open with a known email and a printed password (review L6).
    if settings.environment == Environment::Development {
        if addr.ip().is_loopback() {
            print_demo_account(&services, addr, &settings.data_dir).await?;
        } else {
            tracing::warn!(
                address = %addr,
                "development mode on a non-loopback address: no demo account is created; \
                 set MATTERCRAFT_ENV=production for a real deployment"
            );
        }
    }
    let state = AppState {
        leptos_options: leptos.leptos_options,
        services,
        settings: Arc::new(settings),
    };
    let runner = workers::runner(&state, &state.settings);
    let (stop, stopped) = watch::channel(false);
    let worker_task = tokio::spawn({
        let stopped = stopped.clone();
        async move { runner.run_until(wait_for(stopped)).await }
    });
    let housekeeping = workers::spawn_housekeeping(&state.services, wait_for(stopped.clone()));

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (set LEPTOS_SITE_ADDR)"))?;
    tracing::info!(
        address = %addr,
        database = db.backend().as_str(),
        "MatterCraft is serving on http://{addr}"
    );
    let app = build_router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        })
        .await
        .context("HTTP server")?;
    tracing::info!("HTTP server stopped; waiting for workers");
    worker_task.await.context("worker task")?;
    housekeeping.await.context("housekeeping")?;
    db.close().await;
    Ok(())
}

/// `server worker`: only the job runner, until a signal.
pub async fn worker(settings: Settings) -> anyhow::Result<()> {
    let db = connect(&settings).await?;
    let leptos = get_configuration(None).context("reading the Leptos configuration")?;
    let services = settings.services(db.clone())?;
    start_progress_relay(&services).await?;
    let state = AppState {
        leptos_options: leptos.leptos_options,
        services,
        settings: Arc::new(settings),
    };
    let runner = workers::runner(&state, &state.settings);
    tracing::info!(worker.id = runner.worker_id(), "worker started");
    let (stop, stopped) = watch::channel(false);
    let housekeeping = workers::spawn_housekeeping(&state.services, wait_for(stopped));
    runner.run_until(shutdown_signal()).await;
    let _ = stop.send(true);
    housekeeping.await.context("housekeeping")?;
    db.close().await;
    Ok(())
}

/// On an empty database in development, creates the demo account and tells how to use it.
/// Never logged: it contains a password and an API key. On a terminal they are printed once;
/// otherwise (stdout collected by a service manager) they go to a file only the owner can
/// read, and the console says where.
async fn print_demo_account(
    services: &Services,
    addr: SocketAddr,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let Some(demo) = services
        .ensure_demo_account()
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo account: {e}"))?
    else {
        return Ok(());
    };
    let details = format!(
        "  Sign in at http://{addr}/signin\n    email:    {}\n    password: {}\n  \
         API key (admin scope): {}\n",
        demo.email,
        demo.password.expose_secret(),
        demo.api_key.expose()
    );
    if std::io::stdout().is_terminal() {
        println!(
            "\n  A demo account was created for this new database.\n{details}  \
             These are shown once; keep them.\n"
        );
    } else {
        let path = data_dir.join("demo-account.txt");
        // A file left from an earlier database describes an account that no longer exists.
        let _ = std::fs::remove_file(&path);
        crate::config::write_private(&path, &details)
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "\n  A demo account was created for this new database; its password and API key \
             are in {} (readable only by you).\n",
            path.display()
        );
    }
    Ok(())
}

/// On PostgreSQL, campaign progress goes through `LISTEN/NOTIFY`, so sockets on any instance
/// see jobs run by any other.
async fn start_progress_relay(services: &Services) -> anyhow::Result<()> {
    if services
        .progress()
        .start_relay(services.db())
        .await
        .context("listening for campaign progress")?
    {
        tracing::info!("campaign progress relayed through PostgreSQL LISTEN/NOTIFY");
    }
    Ok(())
}

/// `server migrate`: apply pending migrations and exit.
pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = connect(&settings).await?;
    tracing::info!(
        database = db.backend().as_str(),
        "migrations are up to date"
    );
    db.close().await;
    Ok(())
}

/// Connects and migrates. The URL is not logged: it can hold a password.
async fn connect(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect(&settings.database_url, DbOptions::default())
        .await
        .context("connecting to the database (check DATABASE_URL)")?;
    db.migrate().await.context("applying migrations")?;
    Ok(db)
}

async fn wait_for(mut stopped: watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Resolves on ctrl-c or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight work");
}
