use store::accounts::NewAccount;
use store::now_ms;
use store::testing::fresh_db;

#[tokio::test]
async fn sessions_resolve_to_their_account_until_they_expire_and_are_purged() {
    let db = fresh_db().await;
    let now = now_ms();
    let account = db
        .accounts()
        .create(
            NewAccount {
                email: "s@example.com",
                email_normalized: "s@example.com",
                name: "S",
                password_hash: None,
            },
            now,
        )
        .await
        .unwrap();
    let owner = account.id.clone();
    let sessions = db.sessions();
    sessions
        .create("live", &owner, now + 60_000, now)
        .await
        .unwrap();
    sessions
        .create("old", &owner, now - 1, now - 10)
        .await
        .unwrap();
    assert_eq!(
        sessions.account("live", now).await.unwrap().unwrap().id,
        account.id
    );
    assert!(
        sessions.account("old", now).await.unwrap().is_none(),
        "expired"
    );
    assert!(sessions.account("nope", now).await.unwrap().is_none());
    assert_eq!(sessions.purge_expired(now).await.unwrap(), 1);
    sessions.delete("live").await.unwrap();
    assert!(
        sessions.account("live", now).await.unwrap().is_none(),
        "signed out"
    );
}

#[tokio::test]
async fn emails_are_unique_once_normalised() {
    let db = fresh_db().await;
    let new = |email: &'static str| NewAccount {
        email,
        email_normalized: "dup@example.com",
        name: "D",
        password_hash: None,
    };
    db.accounts()
        .create(new("dup@example.com"), now_ms())
        .await
        .unwrap();
    let err = db
        .accounts()
        .create(new("DUP@example.com"), now_ms())
        .await
        .unwrap_err();
    assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
}
