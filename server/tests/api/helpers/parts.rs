//! Parts over the REST API: an STL to upload, and presign → PUT → confirm.

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{json, Value};

use super::{TestApp, TestResponse};

/// A binary STL of an axis-aligned box `size` units wide on each axis (12 triangles).
pub fn box_stl(size: [f32; 3]) -> Vec<u8> {
    let [x, y, z] = size;
    let v = [
        [0.0, 0.0, 0.0],
        [x, 0.0, 0.0],
        [x, y, 0.0],
        [0.0, y, 0.0],
        [0.0, 0.0, z],
        [x, 0.0, z],
        [x, y, z],
        [0.0, y, z],
    ];
    // Outward-facing, consistently wound.
    let faces: [[usize; 3]; 12] = [
        [0, 2, 1],
        [0, 3, 2],
        [4, 5, 6],
        [4, 6, 7],
        [0, 1, 5],
        [0, 5, 4],
        [1, 2, 6],
        [1, 6, 5],
        [2, 3, 7],
        [2, 7, 6],
        [3, 0, 4],
        [3, 4, 7],
    ];
    let mut out = vec![0u8; 80];
    out.extend_from_slice(&(faces.len() as u32).to_le_bytes());
    for f in faces {
        out.extend_from_slice(&[0u8; 12]);
        for i in f {
            for c in v[i] {
                out.extend_from_slice(&c.to_le_bytes());
            }
        }
        out.extend_from_slice(&[0u8; 2]);
    }
    out
}

/// A binary STL of a triangle fan: `n` triangles around a centre vertex that all of them share
/// (the shape that once made the analysis quadratic), 100 mm across.
pub fn fan_stl(n: u32) -> Vec<u8> {
    let rim = |i: u32| {
        let a = std::f64::consts::TAU * f64::from(i) / f64::from(n);
        [(50.0 * a.cos()) as f32, (50.0 * a.sin()) as f32, 0.0]
    };
    let mut out = vec![0u8; 80];
    out.extend_from_slice(&n.to_le_bytes());
    for i in 0..n {
        out.extend_from_slice(&[0u8; 12]);
        for corner in [[0.0; 3], rim(i), rim((i + 1) % n)] {
            for c in corner {
                out.extend_from_slice(&c.to_le_bytes());
            }
        }
        out.extend_from_slice(&[0u8; 2]);
    }
    out
}

/// `POST /v1/files/presign` with `body`.
pub async fn presign(app: &TestApp, key: &str, body: Value) -> TestResponse {
    app.call(key, Method::POST, "/v1/files/presign", Some(body))
        .await
}

/// `PUT`s `bytes` to a signed upload `url`.
pub async fn put(app: &TestApp, url: &str, content_type: &str, bytes: Vec<u8>) -> TestResponse {
    let len = bytes.len();
    app.request(
        Request::put(url)
            .header("content-type", content_type)
            .header("content-length", len)
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await
}

/// A signed upload URL for a `len`-byte `cube.stl`.
pub async fn fresh_url(app: &TestApp, key: &str, len: usize) -> String {
    let body = json!({"filename": "cube.stl", "content_type": "model/stl", "size_bytes": len});
    let res = presign(app, key, body).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()["upload_url"].as_str().unwrap().to_owned()
}

/// Presign, upload and confirm: the new part's id, its analysis queued.
pub async fn upload_part(app: &TestApp, key: &str, name: &str, bytes: Vec<u8>) -> String {
    let res = presign(
        app,
        key,
        json!({"filename": name, "content_type": "model/stl", "size_bytes": bytes.len()}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let data = res.json();
    let id = data["file_id"].as_str().unwrap().to_owned();
    let url = data["upload_url"].as_str().unwrap().to_owned();
    let up = put(app, &url, "model/stl", bytes).await;
    assert_eq!(up.status, 200, "{}", up.text());
    let confirmed = app
        .call(
            key,
            Method::POST,
            "/v1/files/confirm",
            Some(json!({"file_id": id})),
        )
        .await;
    assert_eq!(confirmed.status, 202, "{}", confirmed.text());
    id
}
