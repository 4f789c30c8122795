use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::json;
use store::now_ms;
use store::tasks::{
    permanent, Backoff, Handles, Lane, LaneSlots, NewTask, Runner, RunnerConfig, Task, TaskContext,
    TaskHandler, TaskKind, TaskState,
};
use store::testing::fresh_db;
use tokio::sync::oneshot;

/// Records which worker ran each job, and how often.
#[derive(Clone, Default)]
struct Recorder {
    runs: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

struct Recording {
    recorder: Recorder,
    worker: String,
}

#[async_trait]
impl TaskHandler for Recording {
    async fn run(&self, job: &Task) -> anyhow::Result<()> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        self.recorder
            .runs
            .lock()
            .unwrap()
            .entry(job.id.clone())
            .or_default()
            .push(self.worker.clone());
        Ok(())
    }
}

struct AlwaysFails;

#[async_trait]
impl TaskHandler for AlwaysFails {
    async fn run(&self, _job: &Task) -> anyhow::Result<()> {
        anyhow::bail!("the printer is on fire")
    }
}

struct Panics;

#[async_trait]
impl TaskHandler for Panics {
    async fn run(&self, _job: &Task) -> anyhow::Result<()> {
        panic!("handler bug")
    }
}

struct Corrupt;

#[async_trait]
impl TaskHandler for Corrupt {
    async fn run(&self, _job: &Task) -> anyhow::Result<()> {
        Err(permanent("the file is not an STL"))
    }
}

struct Sleeps(Duration);

#[async_trait]
impl TaskHandler for Sleeps {
    async fn run(&self, _job: &Task) -> anyhow::Result<()> {
        tokio::time::sleep(self.0).await;
        Ok(())
    }
}

fn fast_config(worker: &str) -> RunnerConfig {
    RunnerConfig {
        lanes: vec![LaneSlots::new(Lane::any(), 3)],
        lease: Duration::from_secs(5),
        poll_interval: Duration::from_millis(10),
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        shutdown_grace: Duration::from_millis(200),
        ..RunnerConfig::new(worker)
    }
}

async fn wait_until_no_task_is(db: &store::Db, statuses: &[TaskState]) {
    for _ in 0..500 {
        let c = db.tasks().counts().await.unwrap();
        let pending: u64 = statuses
            .iter()
            .map(|s| match s {
                TaskState::Queued => c.queued,
                TaskState::Running => c.running,
                _ => 0,
            })
            .sum();
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("jobs did not finish in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_racing_run_every_task_exactly_once() {
    let db = fresh_db().await;
    let now = now_ms();
    for i in 0..40 {
        db.tasks()
            .enqueue(NewTask::new("record", json!(i)), now)
            .await
            .unwrap();
    }
    let recorder = Recorder::default();
    let mut stops = Vec::new();
    let mut handles = Vec::new();
    for name in ["alpha", "beta"] {
        let runner = Runner::new(&db, fast_config(name)).register(
            "record",
            Recording {
                recorder: recorder.clone(),
                worker: name.to_owned(),
            },
        );
        let (stop, stopped) = oneshot::channel::<()>();
        stops.push(stop);
        handles.push(tokio::spawn(async move {
            runner
                .run_until(async {
                    let _ = stopped.await;
                })
                .await;
        }));
    }
    wait_until_no_task_is(&db, &[TaskState::Queued, TaskState::Running]).await;
    for stop in stops {
        stop.send(()).unwrap();
    }
    for handle in handles {
        handle.await.unwrap();
    }

    assert_eq!(db.tasks().counts().await.unwrap().completed, 40);
    let runs = recorder.runs.lock().unwrap();
    assert_eq!(runs.len(), 40, "every job ran");
    for (id, workers) in runs.iter() {
        assert_eq!(workers.len(), 1, "job {id} ran {} times", workers.len());
    }
    let by_alpha = runs.values().filter(|w| w[0] == "alpha").count();
    assert!(
        by_alpha > 0 && by_alpha < 40,
        "both runners took work ({by_alpha}/40)"
    );
}

#[tokio::test]
async fn a_failing_handler_is_retried_with_backoff_until_dead() {
    let db = fresh_db().await;
    let job = db
        .tasks()
        .enqueue(NewTask::new("fails", json!(null)).max_attempts(3), now_ms())
        .await
        .unwrap();
    let runner = Runner::new(&db, fast_config("w")).register("fails", AlwaysFails);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        runner
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
    });
    wait_until_no_task_is(&db, &[TaskState::Queued, TaskState::Running]).await;
    stop.send(()).unwrap();
    task.await.unwrap();

    let dead = db.tasks().get(&job.id).await.unwrap();
    assert_eq!(dead.status, TaskState::Dead);
    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.last_error.as_deref(), Some("the printer is on fire"));
    let spent = dead.finished_at.unwrap() - dead.created_at;
    assert!(
        spent >= 20 + 40,
        "back-offs of 20 and 40 ms were waited ({spent} ms)"
    );
}

#[tokio::test]
async fn a_panicking_handler_counts_as_a_failed_attempt_not_a_crash() {
    let db = fresh_db().await;
    let job = db
        .tasks()
        .enqueue(
            NewTask::new("panics", json!(null)).max_attempts(1),
            now_ms(),
        )
        .await
        .unwrap();
    let runner = Runner::new(&db, fast_config("w")).register("panics", Panics);
    assert_eq!(runner.run_pending().await.unwrap(), 1);
    let dead = db.tasks().get(&job.id).await.unwrap();
    assert_eq!(dead.status, TaskState::Dead);
    assert!(dead.last_error.unwrap().contains("handler bug"));
}

#[tokio::test]
async fn permanent_failures_and_unknown_task_types_are_not_retried() {
    let db = fresh_db().await;
    let now = now_ms();
    let corrupt = db
        .tasks()
        .enqueue(NewTask::new("corrupt", json!(null)), now)
        .await
        .unwrap();
    let unknown = db
        .tasks()
        .enqueue(NewTask::new("mystery", json!(null)), now)
        .await
        .unwrap();
    let runner = Runner::new(&db, fast_config("w")).register("corrupt", Corrupt);
    assert_eq!(runner.run_pending().await.unwrap(), 2);
    let corrupt = db.tasks().get(&corrupt.id).await.unwrap();
    assert_eq!((corrupt.status, corrupt.attempts), (TaskState::Dead, 1));
    let unknown = db.tasks().get(&unknown.id).await.unwrap();
    assert_eq!(unknown.status, TaskState::Dead);
    assert!(unknown.last_error.unwrap().contains("'mystery'"));
}

/// A kind of task, declared once: its name and its payload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Greet {
    name: String,
}

impl TaskKind for Greet {
    const NAME: &'static str = "greet";
}

/// Handles `Greet` tasks by writing down whom it greeted, and as which worker.
#[derive(Clone, Default)]
struct Greeter {
    greeted: Arc<Mutex<Vec<(String, String)>>>,
}

#[async_trait]
impl Handles<Greet> for Greeter {
    async fn handle(&self, task: Greet, context: &TaskContext) -> anyhow::Result<()> {
        self.greeted
            .lock()
            .unwrap()
            .push((task.name, context.worker_id.clone()));
        Ok(())
    }
}

#[tokio::test]
async fn a_typed_handler_receives_the_payload_it_was_enqueued_with() {
    let db = fresh_db().await;
    let greeter = Greeter::default();
    let runner = Runner::new(&db, fast_config("w-typed")).handle::<Greet>(greeter.clone());
    db.tasks()
        .enqueue(NewTask::of(&Greet { name: "Ada".into() }), now_ms())
        .await
        .unwrap();
    // A row of the same kind whose payload is not a `Greet` cannot be fixed by retrying.
    let broken = db
        .tasks()
        .enqueue(NewTask::new(Greet::NAME, json!({"nom": 1})), now_ms())
        .await
        .unwrap();
    assert_eq!(runner.run_pending().await.unwrap(), 2);
    assert_eq!(
        *greeter.greeted.lock().unwrap(),
        [("Ada".to_owned(), "w-typed".to_owned())]
    );
    let broken = db.tasks().get(&broken.id).await.unwrap();
    assert_eq!((broken.status, broken.attempts), (TaskState::Dead, 1));
    assert!(
        broken
            .last_error
            .unwrap()
            .contains("payload does not decode"),
        "a permanent failure that says why"
    );
}

#[tokio::test]
async fn a_task_left_by_a_crashed_worker_is_resumed_by_a_live_runner() {
    let db = fresh_db().await;
    let now = now_ms();
    let job = db
        .tasks()
        .enqueue(NewTask::new("record", json!(null)), now)
        .await
        .unwrap();
    // A worker takes the job with a short lease and dies without a word.
    db.tasks().claim("crashed", 50, now).await.unwrap().unwrap();
    let recorder = Recorder::default();
    let runner = Runner::new(&db, fast_config("survivor")).register(
        "record",
        Recording {
            recorder: recorder.clone(),
            worker: "survivor".into(),
        },
    );
    assert_eq!(
        runner.run_pending().await.unwrap(),
        0,
        "the lease is still live"
    );
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(runner.run_pending().await.unwrap(), 1);
    let done = db.tasks().get(&job.id).await.unwrap();
    assert_eq!((done.status, done.attempts), (TaskState::Completed, 2));
    assert_eq!(recorder.runs.lock().unwrap()[&job.id], ["survivor"]);
}

#[tokio::test]
async fn shutdown_gives_unfinished_tasks_back_to_the_queue() {
    let db = fresh_db().await;
    let job = db
        .tasks()
        .enqueue(NewTask::new("slow", json!(null)), now_ms())
        .await
        .unwrap();
    let runner =
        Runner::new(&db, fast_config("w")).register("slow", Sleeps(Duration::from_secs(30)));
    runner
        .run_until(tokio::time::sleep(Duration::from_millis(150)))
        .await;
    let back = db.tasks().get(&job.id).await.unwrap();
    assert_eq!(back.status, TaskState::Queued);
    assert_eq!(back.attempts, 0, "an interrupted attempt is not counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_campaigns_never_hold_up_a_files_analysis() {
    let db = fresh_db().await;
    let now = now_ms();
    for i in 0..3 {
        db.tasks()
            .enqueue(
                NewTask::new("campaign", json!(i)).in_queue("campaigns"),
                now - 10,
            )
            .await
            .unwrap();
    }
    db.tasks()
        .enqueue(NewTask::new("analysis", json!(0)).in_queue("files"), now)
        .await
        .unwrap();
    let recorder = Recorder::default();
    let config = RunnerConfig {
        lanes: vec![
            LaneSlots::new(Lane::queue("campaigns"), 1),
            LaneSlots::new(Lane::queue("files"), 1),
        ],
        ..fast_config("w")
    };
    let runner = Runner::new(&db, config)
        .register("campaign", Sleeps(Duration::from_secs(30)))
        .register(
            "analysis",
            Recording {
                recorder: recorder.clone(),
                worker: "w".into(),
            },
        );
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        runner
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
    });
    // The campaign slot is taken for 30 s; the analysis has a slot of its own.
    for _ in 0..250 {
        if !recorder.runs.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(recorder.runs.lock().unwrap().len(), 1, "the analysis ran");
    let counts = db.tasks().counts().await.unwrap();
    assert_eq!(
        (counts.running, counts.queued),
        (1, 2),
        "one campaign at a time"
    );
    stop.send(()).unwrap();
    handle.await.unwrap();
}
