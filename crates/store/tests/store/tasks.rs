use std::collections::HashSet;
use std::time::Duration;

use domain::auth::Plan;
use serde_json::json;
use store::accounts::NewAccount;
use store::tasks::{Backoff, FailOutcome, Lane, NewTask, PlanCaps, TaskState};
use store::testing::fresh_db;
use store::{now_ms, AccountId};

const LEASE: i64 = 1_000;

fn backoff() -> Backoff {
    Backoff {
        base: Duration::from_millis(100),
        max: Duration::from_secs(60),
    }
}

#[tokio::test]
async fn an_enqueued_task_is_claimed_with_a_lease_and_completed() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("email", json!({"to": "a"})), now)
        .await
        .unwrap();
    assert_eq!(job.status, TaskState::Queued);
    assert!(job.id.starts_with("task_"));

    let claimed = jobs.claim("w1", LEASE, now).await.unwrap().unwrap();
    assert_eq!(claimed.id, job.id);
    assert_eq!(claimed.status, TaskState::Running);
    assert_eq!(claimed.attempts, 1);
    assert_eq!(claimed.lease_owner.as_deref(), Some("w1"));
    assert_eq!(claimed.lease_expires_at, Some(now + LEASE));
    assert_eq!(claimed.payload, json!({"to": "a"}));
    assert!(jobs.claim("w2", LEASE, now).await.unwrap().is_none());

    assert!(jobs.complete(&job.id, "w1", now + 10).await.unwrap());
    let done = jobs.get(&job.id).await.unwrap();
    assert_eq!(done.status, TaskState::Completed);
    assert_eq!(done.finished_at, Some(now + 10));
    assert_eq!(done.lease_owner, None);
}

#[tokio::test]
async fn a_task_scheduled_for_later_is_not_claimed_early() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    jobs.enqueue(NewTask::new("x", json!(null)).run_at(now + 5_000), now)
        .await
        .unwrap();
    assert!(jobs.claim("w", LEASE, now).await.unwrap().is_none());
    assert!(jobs.claim("w", LEASE, now + 5_000).await.unwrap().is_some());
}

#[tokio::test]
async fn higher_priority_runs_first_then_oldest() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let low = jobs
        .enqueue(NewTask::new("x", json!(1)), now - 10)
        .await
        .unwrap();
    let high = jobs
        .enqueue(NewTask::new("x", json!(2)).priority(5), now)
        .await
        .unwrap();
    assert_eq!(
        jobs.claim("w", LEASE, now).await.unwrap().unwrap().id,
        high.id
    );
    assert_eq!(
        jobs.claim("w", LEASE, now).await.unwrap().unwrap().id,
        low.id
    );
}

#[tokio::test]
async fn racing_workers_never_claim_the_same_job() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let mut expected = HashSet::new();
    for i in 0..60 {
        let job = jobs
            .enqueue(NewTask::new("x", json!(i)), now)
            .await
            .unwrap();
        expected.insert(job.id);
    }
    let mut tasks = Vec::new();
    for w in 0..6 {
        let jobs = jobs.clone();
        tasks.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut mine = Vec::new();
            while let Some(job) = jobs.claim(&worker, 60_000, now).await.unwrap() {
                mine.push(job.id);
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    let mut total = 0;
    for task in tasks {
        for id in task.await.unwrap() {
            total += 1;
            assert!(seen.insert(id.clone()), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, 60);
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn an_expired_lease_is_reclaimed_by_another_worker_and_the_old_owner_is_shut_out() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    jobs.claim("crashed", LEASE, now).await.unwrap().unwrap();

    assert!(
        jobs.claim("w2", LEASE, now + LEASE - 1)
            .await
            .unwrap()
            .is_none(),
        "a live lease is respected"
    );
    let again = jobs
        .claim("w2", LEASE, now + LEASE + 1)
        .await
        .unwrap()
        .expect("the expired lease is reclaimed");
    assert_eq!(again.id, job.id);
    assert_eq!(again.attempts, 2);
    assert_eq!(again.lease_owner.as_deref(), Some("w2"));
    assert_eq!(again.started_at, Some(now), "first start is kept");

    assert!(!jobs
        .heartbeat(&job.id, "crashed", LEASE, now + LEASE + 2)
        .await
        .unwrap());
    assert!(!jobs
        .complete(&job.id, "crashed", now + LEASE + 2)
        .await
        .unwrap());
    assert!(jobs
        .heartbeat(&job.id, "w2", LEASE, now + LEASE + 2)
        .await
        .unwrap());
    assert!(jobs.complete(&job.id, "w2", now + LEASE + 3).await.unwrap());
}

#[tokio::test]
async fn a_heartbeat_extends_the_lease() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    jobs.claim("w1", LEASE, now).await.unwrap().unwrap();
    assert!(jobs
        .heartbeat(&job.id, "w1", LEASE, now + 900)
        .await
        .unwrap());
    assert!(
        jobs.claim("w2", LEASE, now + 1_500)
            .await
            .unwrap()
            .is_none(),
        "the renewed lease lasts until now + 1900"
    );
    assert_eq!(
        jobs.get(&job.id).await.unwrap().lease_expires_at,
        Some(now + 1_900)
    );
}

#[tokio::test]
async fn a_failing_task_backs_off_exponentially_and_ends_dead() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let mut now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("x", json!(null)).max_attempts(3), now)
        .await
        .unwrap();
    let mut delays = Vec::new();
    for attempt in 1..=3 {
        let claimed = jobs.claim("w", LEASE, now).await.unwrap().unwrap();
        assert_eq!(claimed.attempts, attempt);
        let outcome = jobs
            .fail(
                &claimed,
                "w",
                &format!("boom {attempt}"),
                &backoff(),
                false,
                now,
            )
            .await
            .unwrap();
        match outcome {
            FailOutcome::Retrying { run_at } => {
                delays.push(run_at - now);
                assert!(
                    jobs.claim("w", LEASE, run_at - 1).await.unwrap().is_none(),
                    "not claimable during the back-off"
                );
                now = run_at;
            }
            FailOutcome::Dead => assert_eq!(attempt, 3),
            FailOutcome::LeaseLost => panic!("the lease was held"),
        }
    }
    assert_eq!(delays, [100, 200]);
    let dead = jobs.get(&job.id).await.unwrap();
    assert_eq!(dead.status, TaskState::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("boom 3"));
    assert!(jobs
        .claim("w", LEASE, now + 1_000_000)
        .await
        .unwrap()
        .is_none());
    assert_eq!(jobs.counts().await.unwrap().dead, 1);
}

#[tokio::test]
async fn a_permanent_failure_is_dead_at_once() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    let claimed = jobs.claim("w", LEASE, now).await.unwrap().unwrap();
    let outcome = jobs
        .fail(&claimed, "w", "corrupt input", &backoff(), true, now)
        .await
        .unwrap();
    assert_eq!(outcome, FailOutcome::Dead);
    assert_eq!(jobs.get(&job.id).await.unwrap().status, TaskState::Dead);
}

#[tokio::test]
async fn a_task_whose_worker_died_on_its_last_attempt_is_reaped_dead() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("x", json!(null)).max_attempts(1), now)
        .await
        .unwrap();
    jobs.claim("crashed", LEASE, now).await.unwrap().unwrap();
    assert!(jobs
        .claim("w2", LEASE, now + LEASE + 1)
        .await
        .unwrap()
        .is_none());
    assert_eq!(jobs.reap_exhausted(now + LEASE + 1).await.unwrap(), 1);
    let dead = jobs.get(&job.id).await.unwrap();
    assert_eq!(dead.status, TaskState::Dead);
    assert!(dead.last_error.unwrap().contains("stopped responding"));
}

#[tokio::test]
async fn released_tasks_go_back_without_using_an_attempt() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let job = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    jobs.claim("w", LEASE, now).await.unwrap().unwrap();
    assert!(jobs.release(&job.id, "w", now + 1).await.unwrap());
    let back = jobs.get(&job.id).await.unwrap();
    assert_eq!((back.status, back.attempts), (TaskState::Queued, 0));
}

#[tokio::test]
async fn only_queued_tasks_can_be_cancelled_and_cancelled_tasks_never_run() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let a = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    assert!(jobs.cancel(&a.id, now).await.unwrap());
    assert!(!jobs.cancel(&a.id, now).await.unwrap());
    assert!(jobs.claim("w", LEASE, now).await.unwrap().is_none());

    let b = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    jobs.claim("w", LEASE, now).await.unwrap().unwrap();
    assert!(
        !jobs.cancel(&b.id, now).await.unwrap(),
        "running jobs are not cancelled here"
    );
}

#[tokio::test]
async fn finished_tasks_are_purged_but_live_ones_kept() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    let done = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    jobs.claim("w", LEASE, now).await.unwrap().unwrap();
    jobs.complete(&done.id, "w", now).await.unwrap();
    let waiting = jobs
        .enqueue(NewTask::new("x", json!(null)), now)
        .await
        .unwrap();
    assert_eq!(jobs.purge_finished(now + 1).await.unwrap(), 1);
    assert!(matches!(
        jobs.get(&done.id).await,
        Err(store::StoreError::NotFound)
    ));
    assert!(jobs.get(&waiting.id).await.is_ok());
}

#[tokio::test]
async fn counts_group_tasks_by_state() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    for _ in 0..3 {
        jobs.enqueue(NewTask::new("x", json!(null)), now)
            .await
            .unwrap();
    }
    jobs.claim("w", LEASE, now).await.unwrap().unwrap();
    let counts = jobs.counts().await.unwrap();
    assert_eq!((counts.queued, counts.running, counts.completed), (2, 1, 0));
}

async fn account(db: &store::Db, email: &str, plan: Plan) -> AccountId {
    let account = db
        .accounts()
        .create(
            NewAccount {
                email,
                email_normalized: email,
                name: "Tenant",
                password_hash: None,
                email_verified_at: None,
            },
            now_ms(),
        )
        .await
        .unwrap();
    db.accounts()
        .set_plan(&account.id, plan, now_ms())
        .await
        .unwrap();
    account.id
}

const CAPS: PlanCaps = PlanCaps {
    free: 1,
    pro: 2,
    scale: 3,
};

#[tokio::test]
async fn one_accounts_ten_queued_tasks_do_not_hold_up_anothers_one() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let busy = account(&db, "busy@example.com", Plan::Scale).await;
    let other = account(&db, "other@example.com", Plan::Scale).await;
    let now = now_ms();
    for n in 0..10 {
        let task = NewTask::new("work", json!({"busy": n}))
            .in_queue("campaigns")
            .for_account(&busy);
        jobs.enqueue(task, now - 1_000 + n).await.unwrap();
    }
    let late = NewTask::new("work", json!({"other": 0}))
        .in_queue("campaigns")
        .for_account(&other);
    jobs.enqueue(late, now).await.unwrap();
    let lane = Lane::queue("campaigns");

    // One slot: the busy account's first task runs and ends; the other account is next,
    // although its task was queued last.
    let first = jobs
        .claim_in(&lane, "w", LEASE, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.account_id.as_deref(), Some(busy.as_str()));
    assert!(jobs.complete(&first.id, "w", now + 1).await.unwrap());
    let second = jobs
        .claim_in(&lane, "w", LEASE, now + 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.account_id.as_deref(), Some(other.as_str()));
    assert!(jobs.complete(&second.id, "w", now + 3).await.unwrap());

    // Two slots at once: one each, while both have work.
    let more = NewTask::new("work", json!({"other": 1}))
        .in_queue("campaigns")
        .for_account(&other);
    jobs.enqueue(more, now + 4).await.unwrap();
    let a = jobs
        .claim_in(&lane, "w", LEASE, now + 5)
        .await
        .unwrap()
        .unwrap();
    let b = jobs
        .claim_in(&lane, "w", LEASE, now + 5)
        .await
        .unwrap()
        .unwrap();
    let owners: HashSet<_> = [a.account_id, b.account_id].into_iter().collect();
    assert_eq!(owners.len(), 2, "both accounts get a slot");
}

#[tokio::test]
async fn an_account_at_its_plans_cap_waits_while_others_run() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let free = account(&db, "free@example.com", Plan::Free).await;
    let pro = account(&db, "pro@example.com", Plan::Pro).await;
    let now = now_ms();
    for owner in [&free, &free, &free, &pro, &pro, &pro] {
        let task = NewTask::new("work", json!({}))
            .in_queue("campaigns")
            .for_account(owner);
        jobs.enqueue(task, now - 10).await.unwrap();
    }
    let lane = Lane::queue("campaigns").capped(CAPS);
    let mut running = Vec::new();
    while let Some(task) = jobs.claim_in(&lane, "w", LEASE, now).await.unwrap() {
        running.push(task);
    }
    let count = |owner: &AccountId, tasks: &[store::tasks::Task]| {
        tasks
            .iter()
            .filter(|t| t.account_id.as_deref() == Some(owner.as_str()))
            .count()
    };
    assert_eq!(count(&free, &running), 1, "free runs one at a time");
    assert_eq!(count(&pro, &running), 2, "pro runs two at a time");

    // When one ends, the next of that account may start; a dead worker's lease frees the slot.
    let done = running
        .iter()
        .find(|t| t.account_id.as_deref() == Some(free.as_str()))
        .unwrap();
    assert!(jobs.complete(&done.id, "w", now + 1).await.unwrap());
    let next = jobs
        .claim_in(&lane, "w", LEASE, now + 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.account_id.as_deref(), Some(free.as_str()));
    assert!(jobs
        .claim_in(&lane, "w", LEASE, now + 2)
        .await
        .unwrap()
        .is_none());
    let after_leases = jobs
        .claim_in(&lane, "w2", LEASE, now + 2 + LEASE + 1)
        .await
        .unwrap();
    assert!(
        after_leases.is_some(),
        "expired leases do not count against the cap"
    );
}

#[tokio::test]
async fn racing_workers_never_exceed_an_accounts_cap() {
    let db = fresh_db().await;
    let owner = account(&db, "racer@example.com", Plan::Free).await;
    let now = now_ms();
    for _ in 0..20 {
        let task = NewTask::new("work", json!({}))
            .in_queue("campaigns")
            .for_account(&owner);
        db.tasks().enqueue(task, now - 10).await.unwrap();
    }
    let lane = Lane::queue("campaigns").capped(PlanCaps { free: 3, ..CAPS });
    let claims = (0..12).map(|n| {
        let (jobs, lane) = (db.tasks(), lane.clone());
        tokio::spawn(async move {
            jobs.claim_in(&lane, &format!("w{n}"), 60_000, now)
                .await
                .unwrap()
        })
    });
    let mut claimed = 0;
    for claim in claims.collect::<Vec<_>>() {
        claimed += usize::from(claim.await.unwrap().is_some());
    }
    assert_eq!(claimed, 3, "exactly the cap, however many workers race");
}

#[tokio::test]
async fn queues_are_claimed_separately() {
    let db = fresh_db().await;
    let jobs = db.tasks();
    let now = now_ms();
    jobs.enqueue(
        NewTask::new("campaign", json!({})).in_queue("campaigns"),
        now - 5,
    )
    .await
    .unwrap();
    jobs.enqueue(NewTask::new("analysis", json!({})).in_queue("files"), now)
        .await
        .unwrap();
    let files = jobs
        .claim_in(&Lane::queue("files"), "w", LEASE, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(files.kind, "analysis");
    assert!(jobs
        .claim_in(&Lane::queue("files"), "w", LEASE, now)
        .await
        .unwrap()
        .is_none());
    let campaign = jobs.claim("w", LEASE, now).await.unwrap().unwrap();
    assert_eq!(
        (campaign.kind.as_str(), campaign.queue.as_str()),
        ("campaign", "campaigns")
    );
}
