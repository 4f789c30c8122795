use domain::auth::ChallengePurpose;
use store::accounts::NewAccount;
use store::email_challenges::NewChallenge;
use store::now_ms;
use store::sessions::NewSession;
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
                email_verified_at: None,
            },
            now,
        )
        .await
        .unwrap();
    let owner = account.id.clone();
    let sessions = db.sessions();
    let session = |token_hash: &'static str, expires_at: i64| NewSession {
        token_hash,
        owner: &owner,
        expires_at,
        user_agent: Some("Test browser"),
        client_address: Some("203.0.113.9"),
    };
    let idle = 7 * 24 * 3_600_000;
    sessions
        .create(session("live", now + 60_000), now)
        .await
        .unwrap();
    sessions
        .create(session("old", now - 1), now - 10)
        .await
        .unwrap();
    // Used last eight days ago: past the idle limit although its absolute expiry is ahead.
    sessions
        .create(session("idle", now + 60_000), now - 8 * 24 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(
        sessions
            .account("live", now, idle)
            .await
            .unwrap()
            .unwrap()
            .id,
        account.id
    );
    assert!(
        sessions.account("old", now, idle).await.unwrap().is_none(),
        "expired"
    );
    assert!(
        sessions.account("idle", now, idle).await.unwrap().is_none(),
        "idle too long"
    );
    assert!(sessions.account("nope", now, idle).await.unwrap().is_none());
    let listed = sessions.list(&owner, now, idle).await.unwrap();
    assert_eq!(listed.len(), 1, "only the live one is listed");
    assert_eq!(listed[0].user_agent.as_deref(), Some("Test browser"));
    assert_eq!(sessions.purge_expired(now, idle).await.unwrap(), 2);
    sessions.delete("live").await.unwrap();
    assert!(
        sessions.account("live", now, idle).await.unwrap().is_none(),
        "signed out"
    );
}

#[tokio::test]
async fn using_a_session_slides_its_idle_limit() {
    let db = fresh_db().await;
    let start = now_ms();
    let account = db
        .accounts()
        .create(
            NewAccount {
                email: "slide@example.com",
                email_normalized: "slide@example.com",
                name: "Slide",
                password_hash: None,
                email_verified_at: None,
            },
            start,
        )
        .await
        .unwrap();
    let sessions = db.sessions();
    let idle = 10 * 60_000;
    let new = NewSession {
        token_hash: "slide",
        owner: &account.id,
        expires_at: start + 60 * 60_000,
        user_agent: None,
        client_address: None,
    };
    sessions.create(new, start).await.unwrap();
    // Used every 8 minutes, it outlives several idle limits; then left alone, it ends.
    let mut at = start;
    for _ in 0..4 {
        at += 8 * 60_000;
        assert!(sessions.account("slide", at, idle).await.unwrap().is_some());
    }
    assert!(sessions
        .account("slide", at + idle + 1, idle)
        .await
        .unwrap()
        .is_none());
    // The absolute expiry holds however often it is used.
    let mut at = start;
    let again = NewSession {
        token_hash: "absolute",
        owner: &account.id,
        expires_at: start + 20 * 60_000,
        user_agent: None,
        client_address: None,
    };
    sessions.create(again, start).await.unwrap();
    while at < start + 20 * 60_000 - 5 * 60_000 {
        at += 5 * 60_000;
        assert!(sessions
            .account("absolute", at, idle)
            .await
            .unwrap()
            .is_some());
    }
    assert!(sessions
        .account("absolute", start + 20 * 60_000, idle)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_challenge_takes_its_attempts_once_each_and_is_used_once() {
    let db = fresh_db().await;
    let now = now_ms();
    let account = db
        .accounts()
        .create(
            NewAccount {
                email: "code@example.com",
                email_normalized: "code@example.com",
                name: "Code",
                password_hash: None,
                email_verified_at: None,
            },
            now,
        )
        .await
        .unwrap();
    let challenges = db.email_challenges();
    let challenge = challenges
        .create(
            NewChallenge {
                account_id: &account.id,
                purpose: ChallengePurpose::ConnectCode,
                secret_hash: "h",
                max_attempts: 3,
                expires_at: now + 60_000,
            },
            now,
        )
        .await
        .unwrap();
    let latest = challenges
        .latest_live(&account.id, ChallengePurpose::ConnectCode, now)
        .await
        .unwrap();
    assert_eq!(latest.as_ref().map(|c| &c.id), Some(&challenge.id));
    // Ten parallel answers: exactly three are counted, the rest find it dead.
    let answers = (0..10).map(|_| {
        let challenges = challenges.clone();
        let id = challenge.id.clone();
        async move { challenges.attempt(&id, now).await.unwrap() }
    });
    let counted = futures::future::join_all(answers)
        .await
        .into_iter()
        .flatten()
        .count();
    assert_eq!(counted, 3);
    assert!(challenges
        .latest_live(&account.id, ChallengePurpose::ConnectCode, now)
        .await
        .unwrap()
        .is_none());
    // A link challenge is used once.
    let link = challenges
        .create(
            NewChallenge {
                account_id: &account.id,
                purpose: ChallengePurpose::SetPassword,
                secret_hash: "l",
                max_attempts: 5,
                expires_at: now + 60_000,
            },
            now,
        )
        .await
        .unwrap();
    assert!(challenges.consume(&link.id, now).await.unwrap());
    assert!(
        !challenges.consume(&link.id, now).await.unwrap(),
        "only once"
    );
    assert!(
        !challenges.consume(&link.id, now + 120_000).await.unwrap(),
        "and never after it expired"
    );
    assert_eq!(
        challenges
            .count_since(&account.id, ChallengePurpose::SetPassword, now - 1)
            .await
            .unwrap(),
        1
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
        email_verified_at: None,
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
