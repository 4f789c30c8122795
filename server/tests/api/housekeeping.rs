//! Housekeeping: what is kept only for a while (sessions, throttle counters, mailed codes,
//! abandoned uploads and their leftovers) is swept, and nothing live is.

use serde_json::json;
use services::files::UPLOAD_URL_TTL_MS;
use services::housekeeping::{Swept, COUNTER_RETENTION_MS};
use store::files::UPLOAD_CLAIM_MS;
use store::now_ms;
use store::sessions::NewSession;

use crate::helpers::parts::{box_stl, presign, put};
use crate::helpers::TestApp;

const HOUR_MS: i64 = 3_600_000;

/// Presigns a `cube.stl` of `len` bytes: its id and upload URL.
async fn presigned(app: &TestApp, key: &str, len: usize) -> (String, String) {
    let res = presign(
        app,
        key,
        json!({"filename": "cube.stl", "content_type": "model/stl", "size_bytes": len}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let data = res.json();
    (
        data["file_id"].as_str().unwrap().to_owned(),
        data["upload_url"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn abandoned_presigns_and_partial_uploads_do_not_fill_the_disk() {
    let app = TestApp::spawn().await;
    let key = app.connect("abandoned@example.com").await.api_key;
    let stl = box_stl([10.0, 10.0, 10.0]);
    let objects = app.data_dir().join("objects");
    let now = now_ms();

    // Never uploaded; uploaded and kept; never recorded although its bytes were stored (the
    // database failed after the upload); and a partial upload left by a crash.
    let (never, _) = presigned(&app, &key, stl.len()).await;
    let (uploaded, url) = presigned(&app, &key, stl.len()).await;
    assert_eq!(put(&app, &url, "model/stl", stl.clone()).await.status, 200);
    let (unrecorded, _) = presigned(&app, &key, stl.len()).await;
    std::fs::write(objects.join(format!("files/{unrecorded}.stl")), &stl).unwrap();
    std::fs::write(objects.join("tmp/files_crashed.stl.0a1b2c"), &stl[..100]).unwrap();

    // While their URLs work (and an upload through one may still be running), all stay.
    let swept = app.services.housekeeping(now).await.unwrap();
    assert_eq!(
        (swept.abandoned_uploads, swept.leftover_objects),
        (0, 0),
        "{swept:?}"
    );
    // Later, the partial upload has not been written to for longer than any upload may
    // take: it is a leftover. The presigns' uploads may still be running.
    let swept = app
        .services
        .housekeeping(now + UPLOAD_URL_TTL_MS + UPLOAD_CLAIM_MS / 2)
        .await
        .unwrap();
    assert_eq!(
        (swept.abandoned_uploads, swept.leftover_objects),
        (0, 1),
        "{swept:?}"
    );
    assert_eq!(std::fs::read_dir(objects.join("tmp")).unwrap().count(), 0);
    assert_eq!(app.count("files").await, 3);

    // Once no upload through them can be running, the abandoned ones go with their bytes.
    let later = now + UPLOAD_URL_TTL_MS + UPLOAD_CLAIM_MS + 1_000;
    let swept = app.services.housekeeping(later).await.unwrap();
    assert_eq!(swept.abandoned_uploads, 2, "{swept:?}");
    app.get_as(&key, &format!("/v1/files/{never}"))
        .await
        .assert_error(404, "file_not_found");
    app.get_as(&key, &format!("/v1/files/{unrecorded}"))
        .await
        .assert_error(404, "file_not_found");
    assert!(!objects.join(format!("files/{unrecorded}.stl")).exists());
    // The uploaded file is its owner's to confirm or delete.
    let kept = app.get_as(&key, &format!("/v1/files/{uploaded}")).await;
    assert_eq!(kept.json()["status"], "pending_upload");
    assert!(objects.join(format!("files/{uploaded}.stl")).exists());

    let again = app.services.housekeeping(later).await.unwrap();
    assert_eq!(again, Swept::default(), "a second sweep finds nothing");
}

#[tokio::test]
async fn expired_sessions_old_throttle_counters_and_ended_codes_do_not_pile_up() {
    let app = TestApp::spawn().await;
    let connected = app.connect("housekeeping@example.com").await;
    let account = connected.account();
    let now = now_ms();
    let sessions = app.db.sessions();
    let session = |token_hash: &'static str, expires_at: i64| NewSession {
        token_hash,
        owner: &account,
        expires_at,
        user_agent: None,
        client_address: None,
    };
    sessions
        .create(session("ended", now - 1), now - HOUR_MS)
        .await
        .unwrap();
    sessions
        .create(session("live", now + 24 * HOUR_MS), now)
        .await
        .unwrap();
    let counters = app.db.rate_counters();
    // A bucket hit once, long ago, and never again: only a sweep removes it.
    counters
        .hit("signin:email:gone", now - COUNTER_RETENTION_MS - HOUR_MS)
        .await
        .unwrap();
    counters.hit("signin:email:current", now).await.unwrap();
    // Connecting again mails a code: a challenge that ends in minutes.
    let again = app
        .post(
            "/v1/connect",
            "application/json",
            json!({"email": "housekeeping@example.com", "name": "Test Person"}).to_string(),
        )
        .await;
    assert!(again.status.is_success(), "{}", again.text());
    let challenges = app.count("email_challenges").await;
    assert!(challenges >= 1);
    // API requests are counted too, per minute.
    let windows = app.count("rate_counters").await;

    let swept = app.services.housekeeping(now).await.unwrap();
    assert_eq!(
        (swept.sessions, swept.rate_counters, swept.email_challenges),
        (1, 1, 0),
        "{swept:?}"
    );
    assert_eq!(app.count("sessions").await, 1);
    assert_eq!(counters.peek("signin:email:current", now).await.unwrap(), 1);
    assert_eq!(app.count("email_challenges").await, challenges);

    // Two days on, the live ones have ended too; two processes sweeping at once both finish.
    let later = now + 2 * 24 * HOUR_MS + HOUR_MS;
    let (a, b) = tokio::join!(
        app.services.housekeeping(later),
        app.services.housekeeping(later)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sessions + b.sessions, 1);
    assert_eq!(
        a.rate_counters + b.rate_counters,
        u64::try_from(windows - 1).unwrap()
    );
    assert_eq!(
        a.email_challenges + b.email_challenges,
        u64::try_from(challenges).unwrap()
    );
    for table in ["sessions", "rate_counters", "email_challenges"] {
        assert_eq!(app.count(table).await, 0, "{table}");
    }
    // The account and its key are not something housekeeping touches.
    assert_eq!(
        app.get_as(&connected.api_key, "/v1/files").await.status,
        200
    );
}

#[tokio::test]
async fn housekeeping_sweeps_once_at_start_and_stops_on_shutdown() {
    let app = TestApp::spawn().await;
    let counters = app.db.rate_counters();
    counters
        .hit("old", now_ms() - COUNTER_RETENTION_MS - HOUR_MS)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = server::workers::spawn_housekeeping(&app.services, async move {
        let _ = stopped.await;
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.count("rate_counters").await > 0 {
        assert!(std::time::Instant::now() < deadline, "no sweep at start-up");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), running)
        .await
        .expect("housekeeping stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn finished_tasks_older_than_a_week_are_swept_and_waiting_ones_kept() {
    let app = TestApp::spawn().await;
    let tasks = app.db.tasks();
    let long_ago = now_ms() - services::housekeeping::TASK_RETENTION_MS - 60_000;
    tasks
        .enqueue(
            store::tasks::NewTask::new("old", serde_json::json!({})),
            long_ago,
        )
        .await
        .unwrap();
    let done = tasks.claim("w", 1_000, long_ago).await.unwrap().unwrap();
    assert!(tasks.complete(&done.id, "w", long_ago + 1).await.unwrap());
    tasks
        .enqueue(
            store::tasks::NewTask::new("waiting", serde_json::json!({})),
            long_ago,
        )
        .await
        .unwrap();

    let swept = app.services.housekeeping(now_ms()).await.unwrap();
    assert_eq!(swept.finished_tasks, 1);
    let counts = tasks.counts().await.unwrap();
    assert_eq!(
        (counts.completed, counts.queued),
        (0, 1),
        "a waiting task is never swept"
    );
}
