//! The memory estimate (`optimizer::memory::estimate`) against a measurement: the peak
//! resident memory (`VmHWM`) of real campaigns in which each part of the estimate dominates,
//! each run in a fresh process (this test binary started again with `MC_MEMORY_SCENARIO`), so
//! that memory freed by one scenario and kept by the allocator cannot hide the next one's.

use std::collections::HashMap;
use std::process::Command;

use optimizer::campaign::{number, Campaign, Outcome};
use optimizer::encoding::{Point, Value};
use optimizer::memory::{estimate, DataRows, MemoryEstimate, Part};

const SCENARIO: &str = "MC_MEMORY_SCENARIO";
const TEST: &str = "the_memory_estimate_bounds_the_measured_peak_within_a_factor_of_two";

/// A line of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("the field in /proc/self/status")
        * 1024
}

/// The peak resident memory `work` adds to what was resident before it.
fn peak_of(work: impl FnOnce()) -> u64 {
    // Resets VmHWM to the current resident size.
    std::fs::write("/proc/self/clear_refs", "5").expect("Linux can reset the peak RSS");
    let before = status_bytes("VmRSS:");
    work();
    status_bytes("VmHWM:").saturating_sub(before)
}

fn zdt1_mdl(optimizer: &str) -> mdl::Mdl {
    let params: String = (1..=6)
        .map(|i| format!("  - {{name: x{i}, type: continuous, bounds: [0, 1]}}\n"))
        .collect();
    let text = format!(
        "name: zdt1\ndomain: benchmark\nevaluator: {{type: external}}\nparameters:\n{params}objectives:\n  - {{name: f1, direction: minimize}}\n  - {{name: f2, direction: minimize}}\noptimizer: {optimizer}\n"
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

fn points(n: usize) -> Vec<Point> {
    optimizer::sampling::sobol(n, 6, 5, 0)
        .into_iter()
        .map(|u| {
            u.iter()
                .enumerate()
                .map(|(i, v)| (format!("x{}", i + 1), Value::Number(*v)))
                .collect()
        })
        .collect()
}

/// Two iterations: the initial design, then one with a trained surrogate.
fn two_iterations(c: &mut Campaign) {
    for _ in 0..2 {
        let batch = c.ask().unwrap();
        let results: Vec<(String, Outcome)> = batch
            .iter()
            .map(|cand| (cand.id.clone(), zdt1(&cand.parameters)))
            .collect();
        c.tell(&results).unwrap();
    }
}

/// One scenario's document and extra rows.
fn scenario(name: &str) -> (mdl::Mdl, DataRows) {
    match name {
        // The widest surrogate MDL allows: training dominates.
        "wide" => (
            zdt1_mdl(
                "{budget: 60, batch_size: 2, seed: 1, surrogate_config: {hidden_layers: [512, 512, 512, 512], epochs: 10, early_stopping_patience: 10}, active_learning: {initial_samples: 12}}",
            ),
            DataRows::default(),
        ),
        // A warm start from 20 000 rows: the data dominates.
        "warm" => (small(), DataRows { prior: ROWS, pool: 0 }),
        // A pool of 20 000 rows.
        "pool" => (small(), DataRows { prior: 0, pool: ROWS }),
        other => panic!("no scenario {other}"),
    }
}

const ROWS: usize = 20_000;

fn small() -> mdl::Mdl {
    zdt1_mdl(
        "{budget: 60, batch_size: 2, seed: 1, surrogate_config: {epochs: 1, early_stopping_patience: 1}}",
    )
}

/// Runs one scenario in this process; the caller's rows (prior data with their outcomes, a
/// pool's outcomes kept beside the campaign) count too.
fn run(name: &str) -> u64 {
    let (document, rows) = scenario(name);
    peak_of(|| {
        let prior: Vec<(Point, Outcome)> = points(rows.prior)
            .into_iter()
            .map(|p| {
                let o = zdt1(&p);
                (p, o)
            })
            .collect();
        let pool = points(rows.pool);
        let outcomes: Vec<Outcome> = pool.iter().map(zdt1).collect();
        let mut c = Campaign::new(document);
        if !prior.is_empty() {
            c.warm_start(prior).unwrap();
        }
        if !pool.is_empty() {
            c = c.with_pool(pool).unwrap();
        }
        two_iterations(&mut c);
        drop(outcomes);
    })
}

/// Runs `name` in a fresh process; its measured peak.
fn measure(name: &str) -> u64 {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([TEST, "--exact", "--nocapture", "--test-threads=1"])
        .env(SCENARIO, name)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The harness prints the test's name on the same line.
    text.split("peak=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no peak in {text}"))
}

fn check(name: &str, estimated: MemoryEstimate, largest: Part) {
    assert_eq!(estimated.largest(), largest, "{name}: {estimated:?}");
    let measured = measure(name);
    let estimated = estimated.total();
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "{name}: measured {:.1} MiB, estimated {:.1} MiB ({:.2}x)",
        mib(measured),
        mib(estimated),
        estimated as f64 / measured as f64
    );
    assert!(
        measured <= estimated,
        "{name}: the estimate {estimated} is below the measured peak {measured}"
    );
    assert!(
        estimated <= 2 * measured,
        "{name}: the estimate {estimated} is more than twice the measured peak {measured}"
    );
}

#[test]
fn the_memory_estimate_bounds_the_measured_peak_within_a_factor_of_two() {
    if let Ok(name) = std::env::var(SCENARIO) {
        println!("peak={}", run(&name));
        return;
    }
    for (name, largest) in [
        ("wide", Part::Surrogate),
        ("warm", Part::Data),
        ("pool", Part::Data),
    ] {
        let (document, rows) = scenario(name);
        check(name, estimate(&document, rows), largest);
    }
}
