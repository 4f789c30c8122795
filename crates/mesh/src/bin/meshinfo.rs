//! `meshinfo FILE [--unit mm|cm|in] [--time]`: the metrics of an STL file (SPEC §6) as one
//! JSON object.
//!
//! Without `--unit` the unit is detected; with it the metrics are in that unit and
//! `unit_confidence` is the model's probability for it. `--time` also prints, on stderr, how
//! long reading and measuring took inside the process (what the benchmark compares with
//! trimesh's in-process load + metrics). Exit 0 on success, 2 on bad input or bad arguments
//! (with the reason on stderr).

use mesh::Unit;
use std::process::ExitCode;

const USAGE: &str = "usage: meshinfo FILE [--unit mm|cm|in] [--time]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(Some(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("meshinfo: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<Option<String>, String> {
    let mut file = None;
    let mut unit = None;
    let mut time = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--time" => time = true,
            "--unit" => {
                let value = args.next().ok_or(USAGE)?;
                unit = Some(value.parse::<Unit>().map_err(|e| e.to_string())?);
            }
            _ if file.is_none() && !arg.starts_with("--") => file = Some(arg),
            _ => return Err(USAGE.to_owned()),
        }
    }
    let file = file.ok_or(USAGE)?;
    let started = std::time::Instant::now();
    let handle = std::fs::File::open(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let len = handle
        .metadata()
        .map_err(|e| format!("cannot read {file}: {e}"))?
        .len();
    // Streamed: a binary file is never held in memory whole.
    let mesh = mesh::read_stl(handle, len).map_err(|e| format!("{file}: {e}"))?;
    let analysis = mesh::analyse(&mesh);
    let metrics = match unit {
        Some(u) => analysis.metrics_in(u),
        None => analysis.metrics(),
    };
    let json = serde_json::to_string(&metrics).map_err(|e| e.to_string())?;
    if time {
        eprintln!(
            "meshinfo: read and measured in {:.6} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(Some(json))
}
