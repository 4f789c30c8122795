//! Outgoing mail end to end: queued in a unit of work, sealed in the `tasks` table, sent by a
//! worker through the SMTP server the test command runs (or the development mailbox without
//! one), and read back as a mail client would.

use services::mail::{templates, Mail};
use store::tasks::TaskState;

use crate::helpers::TestApp;

/// A recipient no other test uses (the SMTP server's maildir is shared by every test).
fn recipient() -> String {
    format!("owner-{}@example.test", store::ids::random_hex(6))
}

/// The `send_mail` tasks as stored: (id, payload text).
async fn mail_tasks(app: &TestApp) -> Vec<(String, String)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query_as("SELECT id, payload FROM tasks WHERE kind = 'send_mail' ORDER BY created_at")
        .fetch_all(&pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_queued_mail_arrives_through_the_smtp_server_once_the_queue_runs() {
    let app = TestApp::spawn().await;
    let mailer = app.services.mailer().unwrap();
    // Under the test command this is a real SMTP conversation with aiosmtpd.
    assert_eq!(
        mailer.is_smtp(),
        std::env::var("MC_TEST_SMTP_URL").is_ok(),
        "{mailer:?}"
    );
    let to = recipient();
    let mail = templates::connect_code(&to, "Ada <b>Lovelace</b>", "K7QZ-4M2P-XW", 15);
    app.services.enqueue_mail(&app.db, mail).await.unwrap();
    assert!(app.mail_to(&to).await.is_empty(), "sent inside the request");

    assert_eq!(app.run_pending_tasks().await, 1);

    let received = app.mail_to(&to.to_uppercase()).await;
    assert_eq!(received.len(), 1, "{received:?}");
    let mail = &received[0];
    assert_eq!(mail.to, to);
    assert_eq!(mail.subject, "Your MatterCraft connect code");
    assert!(mail.text.contains("\n    K7QZ-4M2P-XW\n"), "{}", mail.text);
    assert!(mail.text.contains("“Ada <b>Lovelace</b>”"), "{}", mail.text);
    assert!(mail.text.contains("15 minutes"), "{}", mail.text);
    assert!(
        mail.html.contains("Ada &lt;b&gt;Lovelace&lt;/b&gt;"),
        "{}",
        mail.html
    );
    assert!(mail.html.contains("K7QZ-4M2P-XW"));
    assert!(app.mail_to(&recipient()).await.is_empty());
    let (id, _) = mail_tasks(&app).await.remove(0);
    assert_eq!(
        app.db.tasks().get(&id).await.unwrap().status,
        TaskState::Completed
    );
}

#[tokio::test]
async fn the_stored_task_holds_the_message_sealed_never_its_text() {
    let app = TestApp::spawn().await;
    let to = recipient();
    let link = "https://mc.test/reset?token=very-secret-token-123";
    let mail = templates::reset_password(&to, "Ada", link, 1);
    let tx = app.db.begin().await.unwrap();
    app.services.enqueue_mail(&tx, mail.clone()).await.unwrap();
    tx.commit().await.unwrap();

    let tasks = mail_tasks(&app).await;
    assert_eq!(tasks.len(), 1);
    let payload = &tasks[0].1;
    for secret in [
        to.as_str(),
        "very-secret-token-123",
        "reset?token",
        mail.subject.as_str(),
        "Hello Ada",
    ] {
        assert!(!payload.contains(secret), "{secret:?} in {payload}");
    }
    let stored: serde_json::Value = serde_json::from_str(payload).unwrap();
    let sealed = stored["sealed"].as_str().unwrap();
    assert!(sealed.starts_with("v1."), "{payload}");
    // Only this server's secret opens it, to the very message.
    assert_eq!(app.services.mailer().unwrap().open(sealed).unwrap(), mail);

    app.run_pending_tasks().await;
    let received = app.mail_to(&to).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].links(), vec![link.to_owned()]);
}

#[tokio::test]
async fn mail_queued_in_a_unit_of_work_that_rolls_back_is_never_sent() {
    let app = TestApp::spawn().await;
    let to = recipient();
    let tx = app.db.begin().await.unwrap();
    app.services
        .enqueue_mail(
            &tx,
            templates::verify_email(&to, "Ada", "https://mc.test/v", 24),
        )
        .await
        .unwrap();
    tx.rollback().await.unwrap();

    assert_eq!(app.run_pending_tasks().await, 0);
    assert!(mail_tasks(&app).await.is_empty());
    assert!(app.mail_to(&to).await.is_empty());
}

#[tokio::test]
async fn a_changed_payload_is_never_sent_and_its_task_is_dead_at_once() {
    let app = TestApp::spawn().await;
    let to = recipient();
    app.services
        .enqueue_mail(
            &app.db,
            templates::verify_email(&to, "Ada", "https://mc.test/v", 24),
        )
        .await
        .unwrap();
    let (id, payload) = mail_tasks(&app).await.remove(0);
    // Flip the last hex digit of the seal (its authentication tag).
    let flipped = if payload.ends_with("0\"}") {
        "1\"}"
    } else {
        "0\"}"
    };
    let tampered = format!("{}{flipped}", &payload[..payload.len() - 3]);
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE tasks SET payload = $1 WHERE id = $2")
        .bind(&tampered)
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();

    assert_eq!(app.run_pending_tasks().await, 1);
    let task = app.db.tasks().get(&id).await.unwrap();
    assert_eq!(task.status, TaskState::Dead, "{task:?}");
    assert_eq!(task.attempts, 1);
    let error = task.last_error.unwrap_or_default();
    assert!(error.contains("does not open"), "{error}");
    assert!(app.mail_to(&to).await.is_empty());
}

#[tokio::test]
async fn an_unreachable_smtp_server_leaves_the_mail_queued_for_a_retry() {
    // Port 1 on the loopback: nothing listens, the connection is refused at once.
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_SMTP_URL", "smtp://127.0.0.1:1")]).await;
    let to = recipient();
    app.services
        .enqueue_mail(
            &app.db,
            templates::verify_email(&to, "Ada", "https://mc.test/v", 24),
        )
        .await
        .unwrap();

    assert_eq!(app.run_pending_tasks().await, 1);
    let (id, _) = mail_tasks(&app).await.remove(0);
    let task = app.db.tasks().get(&id).await.unwrap();
    assert_eq!(task.status, TaskState::Queued, "{task:?}");
    assert_eq!(task.attempts, 1);
    assert!(task.run_at > store::now_ms(), "retried after a back-off");
    let error = task.last_error.unwrap_or_default();
    assert!(error.contains("could not be reached"), "{error}");
    assert!(!error.contains(&to), "{error}");
}

#[tokio::test]
async fn an_address_mail_cannot_go_to_is_refused_when_queued() {
    let app = TestApp::spawn().await;
    let mut mail: Mail = templates::verify_email("x@example.test", "Ada", "https://mc.test/v", 24);
    mail.to = "ada@example.test\r\nBcc: everyone@example.test".to_owned();
    let err = app.services.enqueue_mail(&app.db, mail).await.unwrap_err();
    assert_eq!(err.details()[0].path, "email");
    assert!(mail_tasks(&app).await.is_empty());
}
