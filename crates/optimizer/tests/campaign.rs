//! The campaign loop end to end, through the public ask/tell API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use optimizer::campaign::{number, simulate, Campaign, CampaignError, Outcome, Status};
use optimizer::cancel::Cancel;
use optimizer::encoding::Point;

fn zdt1_mdl(extra: &str) -> mdl::Mdl {
    let params: String = (1..=6)
        .map(|i| format!("  - {{name: x{i}, type: continuous, bounds: [0, 1]}}\n"))
        .collect();
    let text = format!(
        "name: zdt1\ndomain: benchmark\nevaluator: {{type: external}}\nparameters:\n{params}objectives:\n  - {{name: f1, direction: minimize}}\n  - {{name: f2, direction: minimize}}\n{extra}"
    );
    mdl::parse_yaml(&text)
        .unwrap_or_else(|r| panic!("{:?}", r.issues))
        .0
}

fn zdt1(p: &Point) -> Outcome {
    let x: Vec<f64> = (1..=6)
        .map(|i| number(p, &format!("x{i}")).unwrap())
        .collect();
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / 5.0;
    let f2 = g * (1.0 - (x[0] / g).sqrt());
    Outcome::Objectives(HashMap::from([("f1".into(), x[0]), ("f2".into(), f2)]))
}

/// Hypervolume of a run's Pareto front against ZDT1's usual reference [11, 11].
fn zdt1_hv(c: &Campaign) -> f64 {
    let front: Vec<Vec<f64>> = c
        .pareto_front()
        .iter()
        .map(|e| e.objectives.clone().unwrap())
        .collect();
    optimizer::hypervolume(&front, &[11.0, 11.0]).unwrap()
}

#[test]
fn a_campaign_runs_to_its_budget_with_the_documented_log_lines() {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let mdl = zdt1_mdl("optimizer: {budget: 40, batch_size: 10, seed: 1, active_learning: {convergence_threshold: 0}}\n");
    let mut c = Campaign::new(mdl).with_observer(move |l| sink.lock().unwrap().push(l.to_string()));
    assert_eq!(
        c.total_iterations(),
        4,
        "12 initial samples, then 10 + 10 + 8"
    );
    let status = c.run_with(zdt1);
    assert_eq!(status, Status::Completed);
    assert_eq!(c.evaluations().len(), 40);
    let history = c.convergence_history();
    assert_eq!(history.len(), 4);
    assert!(
        history.windows(2).all(|w| w[1] >= w[0]),
        "hypervolume never falls: {history:?}"
    );
    let lines = lines.lock().unwrap();
    let training = lines
        .iter()
        .filter(|l| l.contains("Training MLP surrogate (loss: "))
        .count();
    assert_eq!(training, 3, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("[Iter 2/4] CMA-ES acquisition: 10 candidates proposed")),
        "{lines:#?}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("[Iter 4/4] CMA-ES acquisition: 8 candidates proposed")));
    assert!(lines.last().unwrap().ends_with("Campaign completed"));
}

#[test]
fn the_surrogate_loop_beats_random_search_on_zdt1() {
    let mut ours = 0.0;
    let mut random = 0.0;
    for seed in [1, 2] {
        let cfg = |method: &str| {
            format!("optimizer: {{method: {method}, budget: 60, batch_size: 10, seed: {seed}, active_learning: {{convergence_threshold: 0}}}}\n")
        };
        let mut a = Campaign::new(zdt1_mdl(&cfg("cma-es")));
        a.run_with(zdt1);
        ours += zdt1_hv(&a);
        let mut b = Campaign::new(zdt1_mdl(&cfg("random")));
        b.run_with(zdt1);
        random += zdt1_hv(&b);
    }
    assert!(ours > random, "surrogate {ours} vs random {random}");
}

#[test]
fn the_same_seed_proposes_the_same_candidates() {
    let run = || {
        let mut c = Campaign::new(zdt1_mdl("optimizer: {budget: 30, seed: 7}\n"));
        c.run_with(zdt1);
        c.evaluations().to_vec()
    };
    assert_eq!(run(), run());
}

#[test]
fn failed_and_non_finite_evaluations_are_kept_but_never_on_the_front() {
    let mut c = Campaign::new(zdt1_mdl("optimizer: {budget: 30, seed: 3}\n"));
    let status = c.run_with(|p| {
        let x1 = number(p, "x1").unwrap();
        if x1 < 0.2 {
            Outcome::Failed
        } else if x1 > 0.9 {
            Outcome::Objectives(HashMap::from([("f1".into(), f64::NAN), ("f2".into(), 1.0)]))
        } else {
            zdt1(p)
        }
    });
    assert_ne!(status, Status::Running);
    let failed = c
        .evaluations()
        .iter()
        .filter(|e| e.objectives.is_none())
        .count();
    assert!(failed > 0, "some candidates fell in the failing region");
    assert!(c.pareto_front().iter().all(|e| e.objectives.is_some()));
    assert!(c.hypervolume() > 0.0);
}

#[test]
fn infeasible_points_never_enter_the_front_and_proposals_respect_constraints() {
    let mdl = zdt1_mdl(
        "constraints:\n  - {expression: x1 + x2 <= 0.6}\noptimizer: {budget: 40, seed: 5}\n",
    );
    let mut c = Campaign::new(mdl);
    c.run_with(zdt1);
    let feasible = |e: &optimizer::campaign::Evaluation| {
        number(&e.parameters, "x1").unwrap() + number(&e.parameters, "x2").unwrap() <= 0.6 + 1e-6
    };
    assert!(c.pareto_front().iter().all(|e| feasible(e)));
    let share = c.evaluations().iter().filter(|e| feasible(e)).count() as f64 / 40.0;
    assert!(share > 0.9, "proposals are feasible ({share})");
}

#[test]
fn a_stalled_campaign_converges_and_a_zero_threshold_never_does() {
    let flat =
        |_: &Point| Outcome::Objectives(HashMap::from([("f1".into(), 1.0), ("f2".into(), 1.0)]));
    let mut c = Campaign::new(zdt1_mdl("optimizer: {budget: 100, seed: 1, active_learning: {convergence_patience: 2, convergence_threshold: 0.01}}\n"));
    assert_eq!(c.run_with(flat), Status::Converged);
    assert_eq!(
        c.iteration(),
        3,
        "two iterations without gain after the first"
    );
    let mut c = Campaign::new(zdt1_mdl(
        "optimizer: {budget: 40, seed: 1, active_learning: {convergence_threshold: 0}}\n",
    ));
    assert_eq!(c.run_with(flat), Status::Completed);
}

#[test]
fn the_protocol_rejects_unknown_missing_and_incomplete_results() {
    let mut c = Campaign::new(zdt1_mdl("optimizer: {budget: 20, seed: 1}\n"));
    assert_eq!(c.tell(&[]).unwrap_err(), CampaignError::NothingPending);
    let batch = c.ask().unwrap();
    assert_eq!(
        c.ask().unwrap(),
        batch,
        "asking again repeats the pending batch"
    );
    assert!(matches!(
        c.tell(&[("nope".into(), Outcome::Failed)]),
        Err(CampaignError::UnknownCandidate(_))
    ));
    let partial: Vec<(String, Outcome)> = batch[1..]
        .iter()
        .map(|b| (b.id.clone(), Outcome::Failed))
        .collect();
    assert!(
        matches!(c.tell(&partial), Err(CampaignError::MissingResults(ids)) if ids == vec![batch[0].id.clone()])
    );
    let mut results: Vec<(String, Outcome)> = batch
        .iter()
        .map(|b| (b.id.clone(), zdt1(&b.parameters)))
        .collect();
    results[0].1 = Outcome::Objectives(HashMap::from([("f1".into(), 0.5)]));
    assert!(matches!(
        c.tell(&results),
        Err(CampaignError::MissingObjective { .. })
    ));
}

#[test]
fn the_built_in_simulators_drive_a_template_campaign() {
    let template = optimizer::templates::template("battery/nmc-cathode").unwrap();
    let (mut mdl, _) = mdl::parse_yaml(template.yaml).unwrap();
    mdl.optimizer.budget = 30;
    let mut c = Campaign::new(mdl.clone());
    let status = c.run_with(|p| simulate(&mdl, p));
    assert_ne!(status, Status::Running);
    assert!(c.evaluations().iter().all(|e| e.objectives.is_some()));
    assert!(c.pareto_front().len() >= 2);
}

/// A deterministic spread of ZDT1 points (a "dataset" of `n` rows).
fn zdt1_rows(n: usize, seed: u32) -> Vec<Point> {
    optimizer::sampling::sobol(n, 6, seed, 0)
        .into_iter()
        .map(|u| {
            u.iter()
                .enumerate()
                .map(|(i, v)| {
                    (
                        format!("x{}", i + 1),
                        optimizer::encoding::Value::Number(*v),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_warm_start_skips_the_initial_design_and_spends_no_budget() {
    let mdl = zdt1_mdl("optimizer: {budget: 30, batch_size: 10, seed: 4, active_learning: {initial_samples: 12, convergence_threshold: 0}}\n");
    let prior: Vec<(Point, Outcome)> = zdt1_rows(16, 11)
        .into_iter()
        .map(|p| {
            let o = zdt1(&p);
            (p, o)
        })
        .collect();
    let mut c = Campaign::new(mdl.clone());
    assert_eq!(c.total_iterations(), 3, "12 initial, then 10 + 8");
    assert_eq!(c.warm_start(prior.clone()), Ok(16));
    assert_eq!(c.total_iterations(), 3, "no initial design: 10 + 10 + 10");
    let first = c.ask().unwrap();
    assert_eq!(first.len(), 10, "the first batch is an acquisition batch");
    assert!(first.iter().all(|cand| cand.iteration == 1));
    c.tell(
        &first
            .iter()
            .map(|cand| (cand.id.clone(), zdt1(&cand.parameters)))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(c.run_with(zdt1), Status::Completed);
    assert_eq!(c.spent(), 30, "the whole budget is spent on new points");
    assert_eq!(c.evaluations().len(), 46, "prior rows are kept");
    assert_eq!(
        c.evaluations().iter().filter(|e| e.iteration == 0).count(),
        16
    );
    // Too little prior data keeps the initial design.
    let mut few = Campaign::new(mdl);
    assert_eq!(few.warm_start(prior[..3].to_vec()), Ok(3));
    assert_eq!(few.ask().unwrap().len(), 12);
    assert_eq!(
        few.warm_start(prior.clone()),
        Err(CampaignError::AlreadyStarted)
    );
}

#[test]
fn a_pool_campaign_proposes_only_unused_pool_rows_and_beats_random_picks() {
    let pool = zdt1_rows(300, 5);
    let mdl = zdt1_mdl("optimizer: {budget: 50, batch_size: 10, seed: 2, active_learning: {convergence_threshold: 0}}\n");
    let mut c = Campaign::new(mdl.clone()).with_pool(pool.clone()).unwrap();
    let mut seen = std::collections::HashSet::new();
    loop {
        let batch = c.ask().unwrap();
        if batch.is_empty() {
            break;
        }
        let results: Vec<(String, Outcome)> = batch
            .iter()
            .map(|cand| {
                let row = cand.pool_row.expect("every candidate is a pool row");
                assert_eq!(cand.parameters, pool[row], "exactly the row's values");
                assert!(seen.insert(row), "row {row} proposed twice");
                (cand.id.clone(), zdt1(&pool[row]))
            })
            .collect();
        c.tell(&results).unwrap();
    }
    assert_eq!(c.status(), Status::Completed);
    assert_eq!(seen.len(), 50);
    // The same pool picked at random (a fixed stride through it) does worse.
    let mut random = Campaign::new(mdl);
    random
        .warm_start(
            pool.iter()
                .step_by(6)
                .take(50)
                .map(|p| (p.clone(), zdt1(p)))
                .collect(),
        )
        .unwrap();
    assert!(
        zdt1_hv(&c) > zdt1_hv(&random),
        "pool acquisition {} vs every 6th row {}",
        zdt1_hv(&c),
        zdt1_hv(&random)
    );
}

#[test]
fn a_pool_smaller_than_the_budget_caps_it() {
    let pool = zdt1_rows(15, 9);
    let mdl = zdt1_mdl("optimizer: {budget: 100, batch_size: 5, seed: 2}\n");
    let mut c = Campaign::new(mdl).with_pool(pool).unwrap();
    assert_eq!(c.total_iterations(), 2, "12 initial, then the last 3");
    assert_eq!(c.run_with(zdt1), Status::Completed);
    assert_eq!(c.spent(), 15);
}

/// ZDT1 with a surrogate that trains for `epochs` epochs whatever happens.
fn slow_surrogate(epochs: u32) -> mdl::Mdl {
    zdt1_mdl(&format!(
        "optimizer: {{budget: 40, batch_size: 4, seed: 3, surrogate_config: {{epochs: {epochs}, early_stopping_patience: {epochs}}}, active_learning: {{initial_samples: 12, convergence_threshold: 0}}}}\n"
    ))
}

fn answer(batch: &[optimizer::campaign::Candidate]) -> Vec<(String, Outcome)> {
    batch
        .iter()
        .map(|c| (c.id.clone(), zdt1(&c.parameters)))
        .collect()
}

#[test]
fn a_stop_during_training_ends_ask_within_a_second_and_changes_nothing() {
    let cancel = Cancel::new();
    let mut c = Campaign::new(slow_surrogate(10_000)).with_cancel(cancel.clone());
    let first = c.ask().unwrap();
    c.tell(&answer(&first)).unwrap();
    let (evaluations, iteration) = (c.evaluations().to_vec(), c.iteration());
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.cancel();
        Instant::now()
    });
    let result = c.ask();
    let returned = Instant::now();
    let stopped = stopper.join().unwrap();
    assert_eq!(result, Err(CampaignError::Cancelled));
    assert!(
        returned.duration_since(stopped) < Duration::from_secs(1),
        "ask took {:?} to notice",
        returned.duration_since(stopped)
    );
    assert_eq!(c.iteration(), iteration);
    assert_eq!(c.evaluations(), evaluations.as_slice());
    assert_eq!(c.status(), Status::Running);
}

#[test]
fn a_cancelled_ask_later_proposes_what_an_uninterrupted_one_would() {
    let mut twin = Campaign::new(slow_surrogate(1500));
    let first = twin.ask().unwrap();
    twin.tell(&answer(&first)).unwrap();
    let expected = twin.ask().unwrap();

    let cancel = Cancel::new();
    let mut c = Campaign::new(slow_surrogate(1500)).with_cancel(cancel.clone());
    assert_eq!(c.ask().unwrap(), first);
    c.tell(&answer(&first)).unwrap();
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        cancel.cancel();
    });
    assert_eq!(c.ask(), Err(CampaignError::Cancelled));
    stopper.join().unwrap();
    let mut c = c.with_cancel(Cancel::new());
    assert_eq!(c.ask().unwrap(), expected);
}

#[test]
fn a_cancelled_tell_records_nothing_and_can_be_repeated() {
    let cancel = Cancel::new();
    let mut c = Campaign::new(slow_surrogate(10)).with_cancel(cancel.clone());
    let batch = c.ask().unwrap();
    cancel.cancel();
    assert_eq!(c.tell(&answer(&batch)), Err(CampaignError::Cancelled));
    assert!(c.evaluations().is_empty());
    assert_eq!(c.ask(), Ok(batch.clone()), "the batch is still pending");
    let mut c = c.with_cancel(Cancel::new());
    let summary = c.tell(&answer(&batch)).unwrap();
    assert_eq!(summary.evaluations_completed, batch.len());
    assert!(summary.hypervolume > 0.0);
}
