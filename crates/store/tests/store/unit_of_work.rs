//! The unit of work: several repository writes (and a queued task) in one transaction, on both
//! backends. What the services rely on when a campaign is stored with its warm-start rows, or a
//! job is created with the task that runs it.

use domain::campaigns::CampaignStatus;
use serde_json::json;
use store::accounts::NewAccount;
use store::campaigns::NewCampaign;
use store::evaluations::StoredEvaluation;
use store::tasks::NewTask;
use store::testing::fresh_db;
use store::{now_ms, AccountId, Db, StoreError};

async fn account(db: &Db) -> AccountId {
    db.accounts()
        .create(
            NewAccount {
                email: "uow@example.com",
                email_normalized: "uow@example.com",
                name: "Unit of Work",
                password_hash: None,
                email_verified_at: None,
            },
            now_ms(),
        )
        .await
        .unwrap()
        .id
}

fn campaign(name: &str) -> NewCampaign<'_> {
    static DOC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| json!({"name": "x"}));
    NewCampaign {
        name,
        domain: "battery",
        mdl: doc,
        warnings: doc,
        template_id: None,
        dataset_id: None,
        budget: 20,
        parameters_count: 1,
        objectives_count: 1,
    }
}

fn prior(id: &str) -> StoredEvaluation {
    StoredEvaluation {
        candidate_id: id.to_owned(),
        iteration: 0,
        parameters: json!({"x": 1.0}),
        objectives: Some(vec![2.0]),
        feasible: true,
    }
}

#[tokio::test]
async fn writes_in_a_unit_of_work_appear_together_at_commit() {
    let db = fresh_db().await;
    let owner = account(&db).await;
    let tx = db.begin().await.unwrap();
    let stored = tx
        .campaigns()
        .create(&owner, campaign("together"), now_ms())
        .await
        .unwrap();
    tx.evaluations()
        .record_prior(&stored.id, &[prior("prior-1"), prior("prior-2")], now_ms())
        .await
        .unwrap();
    tx.tasks()
        .enqueue(NewTask::new("ping", json!({})), now_ms())
        .await
        .unwrap();
    // Inside the unit of work its own writes are visible; outside, none of them yet.
    assert_eq!(
        tx.campaigns().get(&owner, &stored.id).await.unwrap().name,
        "together"
    );
    assert!(matches!(
        db.campaigns().get(&owner, &stored.id).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(db.tasks().counts().await.unwrap().queued, 0);
    tx.commit().await.unwrap();

    let campaign = db.campaigns().get(&owner, &stored.id).await.unwrap();
    assert_eq!(campaign.status, CampaignStatus::Created);
    assert_eq!(
        db.evaluations()
            .evaluations(&stored.id)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(db.tasks().counts().await.unwrap().queued, 1);
}

#[tokio::test]
async fn when_the_second_write_fails_the_first_is_rolled_back() {
    let db = fresh_db().await;
    let owner = account(&db).await;
    let tx = db.begin().await.unwrap();
    let stored = tx
        .campaigns()
        .create(&owner, campaign("half-done"), now_ms())
        .await
        .unwrap();
    // The same candidate twice breaks the evaluations' primary key: the second write fails.
    let err = tx
        .evaluations()
        .record_prior(&stored.id, &[prior("prior-1"), prior("prior-1")], now_ms())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    assert!(matches!(
        db.campaigns().get(&owner, &stored.id).await,
        Err(StoreError::NotFound)
    ));
    let (campaigns, total) = db
        .campaigns()
        .list(&owner, &Default::default(), "created_at", true, 0, 10)
        .await
        .unwrap();
    assert!(campaigns.is_empty() && total == 0, "nothing half-written");
    assert!(db
        .evaluations()
        .evaluations(&stored.id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_rolled_back_unit_of_work_leaves_nothing_and_cannot_be_used_again() {
    let db = fresh_db().await;
    let owner = account(&db).await;
    let tx = db.begin().await.unwrap();
    tx.campaigns()
        .create(&owner, campaign("undone"), now_ms())
        .await
        .unwrap();
    let handle: Db = (*tx).clone();
    tx.rollback().await.unwrap();
    let (_, total) = db
        .campaigns()
        .list(&owner, &Default::default(), "created_at", true, 0, 10)
        .await
        .unwrap();
    assert_eq!(total, 0);
    assert!(matches!(
        handle
            .campaigns()
            .create(&owner, campaign("late"), now_ms())
            .await,
        Err(StoreError::TransactionClosed)
    ));
}

#[tokio::test]
async fn a_unit_of_work_does_not_nest() {
    let db = fresh_db().await;
    let tx = db.begin().await.unwrap();
    assert!(matches!(
        tx.begin().await,
        Err(StoreError::NestedTransaction)
    ));
    assert!(tx.in_transaction() && !db.in_transaction());
}
