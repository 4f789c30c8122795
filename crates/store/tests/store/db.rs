use std::time::Duration;

use store::testing::{fresh_database_url, fresh_db, selected_backend};
use store::{Backend, Db, DbOptions};

#[tokio::test]
async fn migrations_apply_once_and_rerunning_them_changes_nothing() {
    let url = fresh_database_url().await;
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    assert_eq!(db.backend(), selected_backend());
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.tasks().counts().await.unwrap().queued, 0);
}

#[tokio::test]
async fn ping_answers_while_the_database_is_up() {
    let db = fresh_db().await;
    db.ping(Duration::from_secs(2)).await.unwrap();
}

#[tokio::test]
async fn a_closed_pool_reports_the_database_as_unavailable() {
    let db = fresh_db().await;
    db.close().await;
    let err = db.ping(Duration::from_secs(1)).await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
}

#[tokio::test]
async fn an_unsupported_url_scheme_is_a_clear_error() {
    let err = Db::connect("mysql://root@127.0.0.1/test", DbOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sqlite: or postgres://"), "{err}");
}

/// Tables and their columns as the database reports them (without sqlx's own bookkeeping).
async fn schema(url: &str, backend: Backend) -> std::collections::BTreeMap<String, Vec<String>> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::AnyConnection::connect(url).await.unwrap();
    let rows = match backend {
        Backend::Sqlite => {
            sqlx::query(
                "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(&mut conn)
            .await
        }
        Backend::Postgres => {
            sqlx::query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns \
                 WHERE table_schema = 'public'",
            )
            .fetch_all(&mut conn)
            .await
        }
    }
    .unwrap();
    let mut tables = std::collections::BTreeMap::<String, Vec<String>>::new();
    for row in rows {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        if table != "_sqlx_migrations" {
            tables.entry(table).or_default().push(column);
        }
    }
    for columns in tables.values_mut() {
        columns.sort();
    }
    tables
}

#[tokio::test]
async fn both_backends_have_the_same_migrations_tables_and_columns() {
    let dir = |backend: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(dir("sqlite"), dir("postgres"), "the same migration files");

    let sqlite_url = format!(
        "sqlite://{}",
        tempfile::tempdir()
            .unwrap()
            .keep()
            .join("parity.db")
            .display()
    );
    let postgres_url = store::testing::fresh_postgres_url().await;
    for url in [&sqlite_url, &postgres_url] {
        let db = Db::connect(url, DbOptions::default()).await.unwrap();
        db.migrate().await.unwrap();
        db.close().await;
    }
    let sqlite = schema(&sqlite_url, Backend::Sqlite).await;
    let postgres = schema(&postgres_url, Backend::Postgres).await;
    assert!(sqlite.contains_key("tasks") && sqlite.contains_key("campaign_jobs"));
    assert_eq!(sqlite, postgres, "the same tables and columns");
}
