use std::time::Duration;

use store::testing::{fresh_database_url, fresh_db, selected_backend};
use store::{Db, DbOptions};

#[tokio::test]
async fn migrations_apply_once_and_rerunning_them_changes_nothing() {
    let url = fresh_database_url().await;
    let db = Db::connect(&url, DbOptions::default()).await.unwrap();
    assert_eq!(db.backend(), selected_backend());
    db.migrate().await.unwrap();
    db.migrate().await.unwrap();
    assert_eq!(db.jobs().counts().await.unwrap().queued, 0);
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
