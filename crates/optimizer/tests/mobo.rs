//! `mobo` as a user runs it: a file of points in, one JSON line out.

use std::path::PathBuf;
use std::process::Command;

fn points_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mobo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn mobo_with_input(
    args: &[&str],
    answer: impl Fn(&serde_json::Value) -> Option<String>,
) -> (i32, Vec<serde_json::Value>, String) {
    use std::io::{BufRead, BufReader, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_mobo"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for line in stdout.lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if let Some(reply) = answer(&value) {
            writeln!(stdin, "{reply}").unwrap();
        }
        seen.push(value);
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        seen,
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn mobo(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mobo"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn hv_prints_one_json_line_ignoring_points_outside_the_reference() {
    let file = points_file("two.txt", "1 0\n0 2\n\n# a comment\n5 5\n");
    let (code, out, err) = mobo(&["hv", "--ref", "2,3", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1);
    let line = out.trim();
    assert!(
        line.starts_with("{\"hypervolume\": 4.0000000000000000e0, \"points\": 3, \"seconds\": "),
        "{line}"
    );
    let seconds: f64 = line
        .rsplit_once(": ")
        .unwrap()
        .1
        .trim_end_matches('}')
        .parse()
        .unwrap();
    assert!(seconds >= 0.0);
}

#[test]
fn hv_reports_bad_input_clearly_with_exit_code_2() {
    let file = points_file("bad.txt", "1 0\n0 2 7\n");
    let (code, _, err) = mobo(&["hv", "--ref", "2,3", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("line 2 has 3 values but the reference point has 2"),
        "{err}"
    );

    let nan = points_file("nan.txt", "1 NaN\n");
    let (code, _, err) = mobo(&["hv", "--ref", "2,3", nan.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a finite number"), "{err}");

    let (code, _, err) = mobo(&["hv", file.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("--ref is required"), "{err}");

    let (code, _, err) = mobo(&["hv", "--ref", "1,1", "/no/such/file"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn validate_reports_every_issue_and_exits_3_on_errors() {
    let good = points_file(
        "good.yaml",
        "name: t\ndomain: water\nparameters:\n  - {name: x, type: continuous, bounds: [0, 1]}\nobjectives:\n  - {name: flux, direction: maximize}\noptimizer: {seed: 1}\n",
    );
    let (code, out, _) = mobo(&["validate", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"valid\":true"), "{out}");

    let bad = points_file(
        "bad.yaml",
        "name: t\ndomain: watr\nparameters:\n  - {name: x, type: continuos, bounds: [0, 1]}\nobjectives: []\n",
    );
    let (code, out, _) = mobo(&["validate", bad.to_str().unwrap()]);
    assert_eq!(code, 3);
    assert!(out.contains("\"valid\":false"), "{out}");
    for needle in [
        "Did you mean 'water'?",
        "parameters[0].type",
        "\"path\":\"objectives\"",
    ] {
        assert!(out.contains(needle), "{needle} in {out}");
    }
}

const SPACE: &str = "name: t\ndomain: lab\nevaluator: {type: external}\nparameters:\n  - {name: x, type: continuous, bounds: [0, 1]}\n  - {name: k, type: categorical, choices: [a, b]}\nobjectives:\n  - {name: cost, direction: minimize}\n  - {name: yield, direction: maximize}\noptimizer: {budget: 24, batch_size: 6, seed: 3, active_learning: {convergence_threshold: 0}}\n";

#[test]
fn ask_tell_runs_a_campaign_over_json_lines() {
    let file = points_file("space.yaml", SPACE);
    let (code, lines, err) = mobo_with_input(&["ask-tell", "--mdl", file.to_str().unwrap()], |v| {
        let asks = v.get("ask")?.as_array()?;
        let tell: Vec<serde_json::Value> = asks
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let x = a["parameters"]["x"].as_f64().unwrap();
                if i == 0 {
                    serde_json::json!({"id": a["id"], "failed": true})
                } else {
                    serde_json::json!({"id": a["id"], "objectives": {"cost": x, "yield": x * x}})
                }
            })
            .collect();
        Some(serde_json::json!({ "tell": tell }).to_string())
    });
    assert_eq!(code, 0, "{err}");
    let done = &lines.last().unwrap()["done"];
    assert_eq!(done["status"], "completed");
    assert_eq!(done["evaluations"], 24);
    assert!(done["hypervolume"].as_f64().unwrap() > 0.0);
    let front = done["pareto_front"].as_array().unwrap();
    assert!(!front.is_empty());
    assert!(front[0]["objectives"]["yield"].is_number());
    assert!(matches!(
        front[0]["parameters"]["k"].as_str(),
        Some("a" | "b")
    ));
    assert_eq!(lines.len(), 5, "4 asks then done");
}

#[test]
fn ask_tell_rejects_bad_mdl_with_3_and_bad_lines_with_2() {
    let bad = points_file(
        "bad-space.yaml",
        "name: t\ndomain: lab\nparameters: []\nobjectives: []\n",
    );
    let (code, _, err) = mobo_with_input(&["ask-tell", "--mdl", bad.to_str().unwrap()], |_| None);
    assert_eq!(code, 3);
    assert!(err.contains("\"path\":\"parameters\""), "{err}");

    let file = points_file("space2.yaml", SPACE);
    for reply in [
        "not json",
        "{\"tell\": [{\"id\": \"nope\", \"failed\": true}]}",
        "{\"told\": []}",
    ] {
        let (code, _, err) =
            mobo_with_input(&["ask-tell", "--mdl", file.to_str().unwrap()], |_| {
                Some(reply.to_owned())
            });
        assert_eq!(code, 2, "{reply}");
        assert!(err.contains("malformed tell line"), "{reply}: {err}");
    }
}
