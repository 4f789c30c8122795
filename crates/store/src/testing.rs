//! Test support: a fresh, migrated database per test on the backend the test run selects.
//!
//! `MC_TEST_DATABASE=sqlite` (default) gives a new SQLite file in a temporary folder;
//! `MC_TEST_DATABASE=postgres` creates a new database `mc_t_<random>` on the server at
//! `MC_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`). The test
//! command drops the `mc_t_` databases when the run ends.

use sqlx::{Connection, Executor};

use crate::{Backend, Db, DbOptions};

/// The backend selected for this test run.
pub fn selected_backend() -> Backend {
    match std::env::var("MC_TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// The administrative PostgreSQL URL used to create test databases.
pub fn postgres_admin_url() -> String {
    std::env::var("MC_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A URL of a new, empty database on the selected backend.
///
/// # Panics
/// When the test database cannot be created (tests cannot run without one).
pub async fn fresh_database_url() -> String {
    match selected_backend() {
        Backend::Sqlite => {
            let dir = tempfile::Builder::new()
                .prefix("mc-test-")
                .tempdir()
                .expect("create a temporary folder");
            let path = dir.keep().join("test.db");
            format!("sqlite://{}", path.display())
        }
        Backend::Postgres => fresh_postgres_url().await,
    }
}

/// A URL of a new, empty PostgreSQL database, whatever backend the run selected.
///
/// # Panics
/// When PostgreSQL at [`postgres_admin_url`] cannot be reached.
pub async fn fresh_postgres_url() -> String {
    sqlx::any::install_default_drivers();
    let admin = postgres_admin_url();
    let name = format!("mc_t_{}", crate::ids::random_hex(8));
    let mut conn = sqlx::AnyConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL for tests is not reachable at {admin}: {e}"));
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create the test database");
    let _ = conn.close().await;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// A fresh, migrated database on the selected backend.
///
/// # Panics
/// When the database cannot be created or migrated.
pub async fn fresh_db() -> Db {
    let url = fresh_database_url().await;
    let db = Db::connect(&url, DbOptions::default())
        .await
        .expect("connect to the test database");
    db.migrate().await.expect("migrate the test database");
    db
}
