//! `mobo`: the optimization engine from the command line, for comparison with other tools.
//!
//! `mobo hv --ref R1,R2,... FILE` prints the exact hypervolume of the points in FILE (one per
//! line, whitespace-separated, minimisation) as one JSON line:
//! `{"hypervolume": H, "points": N, "seconds": S}`, where S is the compute time without I/O.
//! Points not strictly better than the reference in every objective are ignored.
//!
//! `mobo front [--definition] FILE` prints how many points of FILE (same format) no other point
//! dominates: `{"front": K, "points": N, "seconds": S}`. `--definition` checks every pair (the
//! O(n²) filter the engine used before; for the benchmark's "before" column).
//!
//! `mobo ask-tell --mdl FILE [--seed N]` runs a campaign whose evaluations come from outside,
//! as JSON lines: it writes `{"ask": [{"id", "parameters"}, ...]}`, reads one line
//! `{"tell": [{"id", "objectives": {...}} | {"id", "failed": true}, ...]}`, and repeats until
//! the budget is spent or the campaign converges; then it writes `{"done": {"status",
//! "evaluations", "hypervolume", "pareto_front": [{"parameters", "objectives"}]}}` and exits 0.
//! Invalid MDL: exit 3 with the report on stderr. A malformed line: exit 2 with a message.
//!
//! `mobo validate FILE` validates an MDL document (YAML or JSON) and prints
//! `{"valid": bool, "issues": [{"level", "path", "message"}, ...]}`; exit 3 when it has errors.

use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: mobo hv --ref R1,R2,... FILE | mobo front [--definition] FILE | \
                     mobo validate FILE | mobo ask-tell --mdl FILE [--seed N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("hv") => match hv(&args[1..]) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("mobo hv: {message}");
                ExitCode::from(2)
            }
        },
        Some("front") => match front(&args[1..]) {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("mobo front: {message}");
                ExitCode::from(2)
            }
        },
        Some("ask-tell") => ask_tell(&args[1..]),
        Some("validate") => match args.get(1) {
            Some(file) if args.len() == 2 => validate(file),
            _ => {
                eprintln!("{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn ask_tell(args: &[String]) -> ExitCode {
    use std::io::{BufRead, Write};

    let mut file = None;
    let mut seed = None;
    let mut i = 0;
    while i < args.len() {
        match (args[i].as_str(), args.get(i + 1)) {
            ("--mdl", Some(f)) => file = Some(f.clone()),
            ("--seed", Some(s)) => match s.parse::<u64>() {
                Ok(s) => seed = Some(s),
                Err(_) => return fail(2, &format!("--seed must be a whole number, not '{s}'")),
            },
            _ => return fail(2, USAGE),
        }
        i += 2;
    }
    let Some(file) = file else {
        return fail(2, USAGE);
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => return fail(2, &format!("cannot read {file}: {e}")),
    };
    let mut mdl = match mdl::parse_yaml(&text) {
        Ok((mdl, _)) => mdl,
        Err(report) => {
            eprintln!(
                "{}",
                serde_json::json!({ "valid": false, "issues": report.issues })
            );
            return ExitCode::from(3);
        }
    };
    if seed.is_some() {
        mdl.optimizer.seed = seed;
    }
    let names: Vec<String> = mdl.objectives.iter().map(|o| o.name.clone()).collect();
    let mut campaign = optimizer::campaign::Campaign::new(mdl);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut out = std::io::stdout().lock();
    loop {
        let batch = match campaign.ask() {
            Ok(batch) => batch,
            Err(e) => return fail(2, &format!("cannot propose a batch: {e}")),
        };
        if batch.is_empty() {
            break;
        }
        let ask: Vec<serde_json::Value> = batch
            .iter()
            .map(|c| serde_json::json!({ "id": c.id, "parameters": c.parameters }))
            .collect();
        if writeln!(out, "{}", serde_json::json!({ "ask": ask }))
            .and_then(|()| out.flush())
            .is_err()
        {
            return fail(2, "cannot write to standard output");
        }
        let line = match lines.next() {
            Some(Ok(line)) => line,
            Some(Err(e)) => return fail(2, &format!("cannot read standard input: {e}")),
            None => return fail(2, "standard input ended before the campaign did"),
        };
        let results = match parse_tell(&line) {
            Ok(r) => r,
            Err(message) => return fail(2, &format!("malformed tell line: {message}")),
        };
        if let Err(e) = campaign.tell(&results) {
            return fail(2, &format!("malformed tell line: {e}"));
        }
    }
    let front: Vec<serde_json::Value> = campaign
        .pareto_front()
        .iter()
        .map(|e| {
            let objectives: serde_json::Map<String, serde_json::Value> = names
                .iter()
                .cloned()
                .zip(e.objectives.iter().flatten().map(|v| serde_json::json!(v)))
                .collect();
            serde_json::json!({ "parameters": e.parameters, "objectives": objectives })
        })
        .collect();
    let done = serde_json::json!({ "done": {
        "status": campaign.status().to_string(),
        "evaluations": campaign.evaluations().len(),
        "hypervolume": campaign.hypervolume(),
        "pareto_front": front,
    }});
    let _ = writeln!(out, "{done}");
    ExitCode::SUCCESS
}

/// Parses `{"tell": [{"id", "objectives": {...}} | {"id", "failed": true}, ...]}`.
fn parse_tell(line: &str) -> Result<Vec<(String, optimizer::campaign::Outcome)>, String> {
    use optimizer::campaign::Outcome;

    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON ({e})"))?;
    let items = value
        .get("tell")
        .and_then(serde_json::Value::as_array)
        .ok_or("expected {\"tell\": [...]}")?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let id = item
                .get("id")
                .and_then(serde_json::Value::as_str)
                .ok_or(format!("tell[{i}] has no \"id\""))?
                .to_owned();
            if item.get("failed").and_then(serde_json::Value::as_bool) == Some(true) {
                return Ok((id, Outcome::Failed));
            }
            let objectives = item
                .get("objectives")
                .and_then(serde_json::Value::as_object)
                .ok_or(format!(
                    "tell[{i}] needs \"objectives\" or \"failed\": true"
                ))?;
            let mut values = std::collections::HashMap::new();
            for (name, v) in objectives {
                // null stands for a non-finite value (JSON has no NaN): a failed measurement.
                let number = if v.is_null() {
                    f64::NAN
                } else {
                    v.as_f64()
                        .ok_or(format!("tell[{i}].objectives.{name} is not a number"))?
                };
                values.insert(name.clone(), number);
            }
            Ok((id, Outcome::Objectives(values)))
        })
        .collect()
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("mobo: {message}");
    ExitCode::from(code)
}

fn validate(file: &str) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("mobo validate: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let (valid, issues) = match mdl::parse_yaml(&text) {
        Ok((_, warnings)) => (true, warnings),
        Err(report) => (false, report.issues),
    };
    println!(
        "{}",
        serde_json::json!({ "valid": valid, "issues": issues })
    );
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    }
}

fn hv(args: &[String]) -> Result<String, String> {
    let mut reference: Option<Vec<f64>> = None;
    let mut file: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--ref" => {
                let raw = args.get(i + 1).ok_or("--ref needs a value")?;
                reference = Some(parse_numbers(raw.split(','), "--ref")?);
                i += 2;
            }
            other if file.is_none() && !other.starts_with("--") => {
                file = Some(other);
                i += 1;
            }
            other => return Err(format!("unexpected argument '{other}'\n{USAGE}")),
        }
    }
    let reference = reference.ok_or(format!("--ref is required\n{USAGE}"))?;
    let file = file.ok_or(format!("FILE is required\n{USAGE}"))?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let m = reference.len();
    let mut data = Vec::new();
    let mut points = 0usize;
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let values = parse_numbers(line.split_whitespace(), &format!("line {}", line_no + 1))?;
        if values.len() != m {
            return Err(format!(
                "line {} has {} values but the reference point has {m}",
                line_no + 1,
                values.len()
            ));
        }
        data.extend(values);
        points += 1;
    }
    let started = Instant::now();
    let volume =
        optimizer::hypervolume::hypervolume_flat(&data, &reference).map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "{{\"hypervolume\": {volume:.16e}, \"points\": {points}, \"seconds\": {seconds:.6}}}"
    ))
}

fn front(args: &[String]) -> Result<String, String> {
    let (definition, file) = match args {
        [flag, file] if flag == "--definition" => (true, file),
        [file] if !file.starts_with("--") => (false, file),
        _ => return Err(USAGE.to_owned()),
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let mut points: Vec<Vec<f64>> = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        points.push(parse_numbers(
            line.split_whitespace(),
            &format!("line {}", line_no + 1),
        )?);
    }
    let started = Instant::now();
    let kept = if definition {
        (0..points.len())
            .filter(|&i| {
                !points
                    .iter()
                    .any(|q| optimizer::pareto::dominates(q, &points[i]))
            })
            .count()
    } else {
        optimizer::pareto::non_dominated(&points).len()
    };
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "{{\"front\": {kept}, \"points\": {}, \"seconds\": {seconds:.6}}}",
        points.len()
    ))
}

fn parse_numbers<'a>(parts: impl Iterator<Item = &'a str>, what: &str) -> Result<Vec<f64>, String> {
    parts
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("{what}: '{p}' is not a finite number"))
        })
        .collect()
}
