//! Parts built to stall or exhaust mesh analysis (review H5): a triangle fan, a million tiny
//! triangles, NaN coordinates, degenerate triangles. Each goes through the real flow
//! (presign → PUT the signed URL → confirm) and must end within a bounded time, never a stuck
//! or dead worker: measured (`ready`) when analysis in O(n log n) fits the time budget, or
//! `failed` with a reason when the file is wrong (NaN) or its analysis runs over the budget.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::Server;

/// How long one part's analysis may take, upload excluded: the 20 s analysis budget the
/// suite's servers get (`MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS`) and room for a debug build on
/// 2 cores to queue, fail and record it.
const ANALYSIS_LIMIT: Duration = Duration::from_secs(40);

/// A binary STL of `triangles`.
fn binary_stl(triangles: &[[[f32; 3]; 3]]) -> Vec<u8> {
    let mut out = vec![0u8; 80];
    out.extend_from_slice(&(triangles.len() as u32).to_le_bytes());
    for t in triangles {
        out.extend_from_slice(&[0u8; 12]);
        for v in t {
            for c in v {
                out.extend_from_slice(&c.to_le_bytes());
            }
        }
        out.extend_from_slice(&[0u8; 2]);
    }
    out
}

/// Uploads `stl` as a part, confirms it, and waits for its analysis to end; the file.
fn analyse(server: &Server, attack: &str, stl: &[u8]) -> Value {
    analyse_named(server, attack, "attack.stl", stl)
}

/// [`analyse`] with the part's file name.
fn analyse_named(server: &Server, attack: &str, filename: &str, stl: &[u8]) -> Value {
    let presigned = server.post_json(
        "/v1/files/presign",
        Some(&server.key),
        &json!({"filename": filename, "content_type": "model/stl", "size_bytes": stl.len()}),
    );
    assert_eq!(
        presigned.status,
        201,
        "{attack}: presign: {}",
        presigned.text()
    );
    let presigned = presigned.json();
    let id = presigned["file_id"].as_str().unwrap().to_owned();
    let url = presigned["upload_url"].as_str().unwrap().to_owned();
    let put = server.request("PUT", &url, &[("Content-Type", "model/stl")], stl);
    assert_eq!(put.status, 200, "{attack}: upload: {}", put.text());
    let confirmed = server.post_json(
        "/v1/files/confirm",
        Some(&server.key),
        &json!({"file_id": id}),
    );
    assert_eq!(
        confirmed.status,
        202,
        "{attack}: confirm: {}",
        confirmed.text()
    );
    let started = Instant::now();
    let file = server.poll(&format!("/v1/files/{id}"), ANALYSIS_LIMIT, |f| {
        matches!(f["status"].as_str(), Some("ready" | "failed"))
    });
    eprintln!("{attack}: {} after {:?}", file["status"], started.elapsed());
    file
}

/// Asserts that `file` ended `failed` with a reason; the reason.
fn assert_failed_with_reason(file: &Value, attack: &str) -> String {
    assert_eq!(file["status"], "failed", "{attack}: {file}");
    let reason = file["metrics_json"]["error"].as_str().unwrap_or_default();
    assert!(!reason.trim().is_empty(), "{attack}: no reason: {file}");
    reason.to_owned()
}

/// Asserts that `file` is `ready` with finite metrics.
fn assert_measured(file: &Value, attack: &str) {
    assert_eq!(file["status"], "ready", "{attack}: {file}");
    let metrics = &file["metrics_json"];
    // JSON has no NaN: a non-finite metric would have come out as null.
    for key in ["volume_cm3", "surface_area_cm2"] {
        assert!(
            metrics[key].as_f64().is_some_and(f64::is_finite),
            "{attack}: {key} is not a finite number: {metrics}"
        );
    }
}

#[test]
fn a_200000_triangle_fan_is_measured_within_the_time_budget() {
    let server = Server::start();
    let attack = "STL fan of 200 000 triangles around one vertex";
    let n = 200_000usize;
    let rim = |i: usize| {
        let a = i as f32 / n as f32 * std::f32::consts::TAU;
        [50.0 * a.cos(), 50.0 * a.sin(), 0.0]
    };
    let triangles: Vec<[[f32; 3]; 3]> = (0..n)
        .map(|i| [[0.0, 0.0, 0.0], rim(i), rim((i + 1) % n)])
        .collect();
    let stl = binary_stl(&triangles);
    let file = analyse(&server, attack, &stl);
    assert_measured(&file, attack);
    server.assert_survived(attack, Server::allowance(stl.len()));
}

/// A 1000 × 500 grid of 1 µm squares, two triangles each: 10⁶ triangles, a 50 MB file.
fn million_tiny_triangles() -> Vec<u8> {
    let step = 0.001f32;
    let mut triangles = Vec::with_capacity(1_000_000);
    for i in 0..1_000 {
        for j in 0..500 {
            let (x, y) = (i as f32 * step, j as f32 * step);
            let (a, b, c, d) = (
                [x, y, 0.0],
                [x + step, y, 0.0],
                [x + step, y + step, 0.0],
                [x, y + step, 0.0],
            );
            triangles.push([a, b, c]);
            triangles.push([a, c, d]);
        }
    }
    binary_stl(&triangles)
}

#[test]
fn a_million_tiny_triangles_are_measured_within_the_time_and_memory_budget() {
    let server = Server::start();
    let attack = "STL of 10⁶ triangles 1 µm wide";
    let stl = million_tiny_triangles();
    let file = analyse(&server, attack, &stl);
    assert_measured(&file, attack);
    server.assert_survived(attack, Server::allowance(stl.len()));
}

#[test]
fn nan_coordinates_fail_the_part_with_a_reason() {
    let server = Server::start();
    let attack = "STL with NaN and infinite coordinates";
    let mut triangles = vec![[[0.0, 0.0, 0.0], [10.0, 0.0, 0.0], [0.0, 10.0, 0.0]]; 1_000];
    triangles[500] = [
        [f32::NAN, 0.0, 0.0],
        [10.0, f32::INFINITY, 0.0],
        [0.0, 10.0, f32::NAN],
    ];
    let stl = binary_stl(&triangles);
    let file = analyse(&server, attack, &stl);
    let reason = assert_failed_with_reason(&file, attack);
    assert!(
        reason.contains("501"),
        "{attack}: the reason names the triangle: {reason}"
    );
    server.assert_survived(attack, Server::allowance(stl.len()));
}

#[test]
fn zero_area_triangles_repeated_100000_times_are_measured_not_stuck() {
    let server = Server::start();
    let attack = "STL of 100 000 copies of one zero-area triangle";
    // Three collinear points, and the same three points, over and over.
    let triangles = vec![[[0.0, 0.0, 0.0], [5.0, 5.0, 5.0], [10.0, 10.0, 10.0]]; 100_000];
    let stl = binary_stl(&triangles);
    let file = analyse(&server, attack, &stl);
    assert_measured(&file, attack);
    server.assert_survived(attack, Server::allowance(stl.len()));
}

#[test]
fn a_part_over_its_analysis_budget_fails_with_the_reason_and_the_worker_moves_on() {
    // A budget of 50 ms, which 10⁶ triangles cannot be read and measured in.
    let server = Server::start_with(&[("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS", "0.05")]);
    let attack = "10⁶-triangle STL against a 50 ms analysis budget";
    let stl = million_tiny_triangles();
    let file = analyse(&server, attack, &stl);
    let reason = assert_failed_with_reason(&file, attack);
    assert!(
        reason.contains("longer than"),
        "{attack}: the reason says the analysis ran out of time: {reason}"
    );
    // The worker is free again: the next part is measured.
    let (o, x, y, z) = (
        [0.0, 0.0, 0.0],
        [10.0, 0.0, 0.0],
        [0.0, 10.0, 0.0],
        [0.0, 0.0, 10.0],
    );
    let tetrahedron = binary_stl(&[[o, y, x], [o, x, z], [o, z, y], [x, y, z]]);
    let next = analyse_named(&server, attack, "next.stl", &tetrahedron);
    assert_measured(&next, attack);
    server.assert_survived(attack, Server::allowance(stl.len()));
}
