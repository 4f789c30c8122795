//! Parts: presign → PUT to the signed URL → confirm → analysis job → ready, and every way an
//! upload can go wrong.

use axum::http::Method;
use serde_json::json;

use domain::files::FileStatus;
use domain::ids::FileId;

use crate::helpers::parts::{box_stl, fan_stl, fresh_url, presign, put, upload_part};
use crate::helpers::{assert_hidden_from, TestApp};

#[tokio::test]
async fn a_part_goes_from_presign_to_ready_with_its_metrics() {
    let app = TestApp::spawn().await;
    let key = app.connect("parts@example.com").await.api_key;
    let stl = box_stl([20.0, 30.0, 40.0]);
    let res = presign(
        &app,
        &key,
        json!({"filename": "bracket.stl", "content_type": "model/stl", "size_bytes": stl.len()}),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let data = res.json();
    let id = data["file_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID");
    assert_eq!(data["next_action"], "upload_file_then_confirm");
    assert_eq!(data["required_headers"]["Content-Type"], "model/stl");
    assert_eq!(
        data["required_headers"]["Content-Length"],
        stl.len().to_string()
    );
    let url = data["upload_url"].as_str().unwrap().to_owned();
    let before = app.get_as(&key, &format!("/v1/files/{id}")).await.json();
    assert_eq!(before["status"], "pending_upload");
    assert!(before["metrics_json"].is_null());

    // Confirming before the bytes arrive is refused.
    app.call(
        &key,
        Method::POST,
        "/v1/files/confirm",
        Some(json!({"file_id": id})),
    )
    .await
    .assert_error(409, "upload_incomplete");
    let up = put(&app, &url, "model/stl", stl.clone()).await;
    assert_eq!(up.status, 200, "{}", up.text());
    // The URL is single use.
    put(&app, &url, "model/stl", stl.clone())
        .await
        .assert_error(409, "upload_url_used");

    let confirmed = app
        .call(
            &key,
            Method::POST,
            "/v1/files/confirm",
            Some(json!({"file_id": id})),
        )
        .await;
    assert_eq!(confirmed.status, 202, "{}", confirmed.text());
    assert_eq!(confirmed.json()["status"], "processing");
    app.run_pending_tasks().await;
    let ready = app.get_as(&key, &format!("/v1/files/{id}")).await.json();
    assert_eq!(ready["status"], "ready", "{ready}");
    let m = &ready["metrics_json"];
    assert_eq!(m["bbox_mm"], json!([20.0, 30.0, 40.0]));
    assert!(
        (m["volume_cm3"].as_f64().unwrap() - 24.0).abs() < 1e-9,
        "{m}"
    );
    assert!(
        (m["surface_area_cm2"].as_f64().unwrap() - 52.0).abs() < 1e-9,
        "{m}"
    );
    assert_eq!(m["is_watertight"], true);
    assert_eq!(m["is_manifold"], true);
    assert_eq!(m["detected_unit"], "mm");
    assert_eq!(m["triangle_count"], 12);
    assert_eq!(m["shells"], 1);
    assert_eq!(m["warnings"], json!([]));

    let list = app.get_as(&key, "/v1/files").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["files"][0]["id"], id.as_str());
    assert_eq!(list["files"][0]["filename"], "bracket.stl");
}

#[tokio::test]
async fn choosing_another_unit_recomputes_the_metrics() {
    let app = TestApp::spawn().await;
    let key = app.connect("units@example.com").await.api_key;
    let id = upload_part(&app, &key, "plate.stl", box_stl([2.0, 3.0, 0.5])).await;
    app.run_pending_tasks().await;
    let path = format!("/v1/files/{id}/unit");
    let res = app
        .call(
            &key,
            Method::POST,
            &path,
            Some(json!({"selected_unit": "in", "confirmed_by": "user"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let v = res.json();
    assert_eq!(v["selected_unit"], "in");
    assert_eq!(v["unit_confirmed_by"], "user");
    let m = &v["metrics_json"];
    assert_eq!(m["detected_unit"], "in");
    assert_eq!(m["unit_confidence"], 1.0);
    let bbox: Vec<f64> = m["bbox_mm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    for (got, inches) in bbox.iter().zip([2.0, 3.0, 0.5]) {
        assert!((got - inches * 25.4).abs() < 1e-9, "{bbox:?}");
    }
    assert!((m["volume_cm3"].as_f64().unwrap() - 3.0 * 2.54f64.powi(3)).abs() < 1e-9);
    // It survives a reload, and an agent's choice keeps the unit's probability.
    let again = app.get_as(&key, &format!("/v1/files/{id}")).await.json();
    assert_eq!(again["metrics_json"], v["metrics_json"]);
    let agent = app
        .call(
            &key,
            Method::POST,
            &path,
            Some(json!({"selected_unit": "mm", "confirmed_by": "agent"})),
        )
        .await
        .json();
    assert!(agent["metrics_json"]["unit_confidence"].as_f64().unwrap() < 1.0);
    let bad = app
        .call(
            &key,
            Method::POST,
            &path,
            Some(json!({"selected_unit": "ft", "confirmed_by": "robot"})),
        )
        .await;
    bad.assert_error(400, "invalid_request");
    assert_eq!(bad.detail_paths(), ["selected_unit", "confirmed_by"]);
}

#[tokio::test]
async fn uploads_that_break_the_presigned_terms_are_refused() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_MAX_UPLOAD_BYTES", "5000")]).await;
    let key = app.connect("bad-uploads@example.com").await.api_key;
    let stl = box_stl([10.0, 10.0, 10.0]);
    let url = fresh_url(&app, &key, stl.len()).await;
    // Wrong content type, wrong declared size, more bytes than presigned.
    let res = put(&app, &url, "text/plain", stl.clone()).await;
    res.assert_error(400, "invalid_request");
    assert_eq!(res.detail_paths(), ["Content-Type"]);
    let mut short = stl.clone();
    short.truncate(100);
    put(&app, &url, "model/stl", short)
        .await
        .assert_error(400, "invalid_request");
    let mut long = stl.clone();
    long.extend_from_slice(&[0; 10]);
    put(&app, &url, "model/stl", long)
        .await
        .assert_error(413, "payload_too_large");
    // None of those used the URL up: a correct upload still works.
    assert_eq!(put(&app, &url, "model/stl", stl.clone()).await.status, 200);

    // A tampered signature, a forged expiry, an unknown file.
    let url = fresh_url(&app, &key, stl.len()).await;
    let tampered = format!("{}0", &url[..url.len() - 1]);
    put(&app, &tampered, "model/stl", stl.clone())
        .await
        .assert_error(403, "invalid_signature");
    let forged = url.replacen("expires=", "expires=9", 1);
    put(&app, &forged, "model/stl", stl.clone())
        .await
        .assert_error(403, "invalid_signature");
    put(
        &app,
        "/uploads/files/nothing.stl?expires=1&nonce=x&signature=y",
        "model/stl",
        stl.clone(),
    )
    .await
    .assert_error(403, "invalid_signature");
    put(&app, "/uploads/files/nothing.stl", "model/stl", stl.clone())
        .await
        .assert_error(403, "invalid_signature");

    // Presign checks: name, type, size over the limit.
    let res = presign(
        &app,
        &key,
        json!({"filename": "notes.txt", "content_type": "text/plain", "size_bytes": 6000}),
    )
    .await;
    res.assert_error(400, "invalid_request");
    assert_eq!(
        res.detail_paths(),
        ["filename", "content_type", "size_bytes"]
    );
    presign(
        &app,
        &key,
        json!({"filename": "a.stl", "content_type": "model/stl", "size_bytes": "big"}),
    )
    .await
    .assert_error(400, "invalid_request");
}

#[tokio::test]
async fn an_expired_upload_url_is_gone() {
    let app = TestApp::spawn().await;
    let key = app.connect("late-upload@example.com").await.api_key;
    let stl = box_stl([10.0, 10.0, 10.0]);
    let res = presign(
        &app,
        &key,
        json!({"filename": "cube.stl", "content_type": "model/stl", "size_bytes": stl.len()}),
    )
    .await;
    let id = res.json()["file_id"].as_str().unwrap().to_owned();
    let url = res.json()["upload_url"].as_str().unwrap().to_owned();
    // The URL's own expiry is signed and cannot be changed; age the record instead.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.database_url).await.unwrap();
    sqlx::query("UPDATE files SET upload_expires_at = 1 WHERE id = $1")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    put(&app, &url, "model/stl", stl)
        .await
        .assert_error(410, "upload_url_expired");
}

#[tokio::test]
async fn a_corrupt_stl_fails_with_its_reason() {
    let app = TestApp::spawn().await;
    let key = app.connect("corrupt@example.com").await.api_key;
    let mut bytes = box_stl([10.0, 10.0, 10.0]);
    // Claims more triangles than the file holds.
    bytes[80..84].copy_from_slice(&1000u32.to_le_bytes());
    let id = upload_part(&app, &key, "broken.stl", bytes).await;
    app.run_pending_tasks().await;
    let failed = app.get_as(&key, &format!("/v1/files/{id}")).await.json();
    assert_eq!(failed["status"], "failed", "{failed}");
    let reason = failed["metrics_json"]["error"].as_str().unwrap();
    assert!(!reason.is_empty(), "{failed}");
    app.call(
        &key,
        Method::POST,
        &format!("/v1/files/{id}/unit"),
        Some(json!({"selected_unit": "mm", "confirmed_by": "user"})),
    )
    .await
    .assert_error(400, "file_not_ready");
}

#[tokio::test]
async fn a_part_over_the_analysis_time_budget_fails_with_the_reason_and_is_not_retried() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_ANALYSIS_TIMEOUT_SECONDS", "0.001")]).await;
    let key = app.connect("slow-part@example.com").await.api_key;
    // 50,000 triangles: reading them takes an unoptimised test build far more than 1 ms.
    let id = upload_part(&app, &key, "fan.stl", fan_stl(50_000)).await;
    app.run_pending_tasks().await;
    let failed = app.get_as(&key, &format!("/v1/files/{id}")).await.json();
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(
        failed["metrics_json"]["error"],
        "analysis took longer than 0.001 s; the file may be too complex",
        "{failed}"
    );
    // Recorded as the file's outcome: the task is done, not waiting for a retry or dead.
    let tasks = app.db.tasks().counts().await.unwrap();
    assert_eq!(
        (tasks.queued, tasks.running, tasks.dead),
        (0, 0, 0),
        "{tasks:?}"
    );
}

#[tokio::test]
async fn a_triangle_fan_part_is_ready_within_the_default_budget() {
    let app = TestApp::spawn().await;
    let key = app.connect("fan-part@example.com").await.api_key;
    let id = upload_part(&app, &key, "fan.stl", fan_stl(50_000)).await;
    app.run_pending_tasks().await;
    let ready = app.get_as(&key, &format!("/v1/files/{id}")).await.json();
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["metrics_json"]["triangle_count"], 50_000, "{ready}");
    assert_eq!(ready["metrics_json"]["is_watertight"], false, "{ready}");
}

#[tokio::test]
async fn the_analysis_runs_on_the_job_queue() {
    let app = TestApp::spawn().await;
    let connected = app.connect("queue-parts@example.com").await;
    let id = upload_part(&app, &connected.api_key, "q.stl", box_stl([5.0, 5.0, 5.0])).await;
    let owner = connected.account();
    let file = FileId::parse(&id).unwrap();
    assert_eq!(
        app.db.files().get(&owner, &file).await.unwrap().status,
        FileStatus::Processing
    );
    assert_eq!(app.run_pending_tasks().await, 1);
    assert_eq!(
        app.db.files().get(&owner, &file).await.unwrap().status,
        FileStatus::Ready
    );
}

#[tokio::test]
async fn another_account_cannot_see_or_change_a_file_and_the_catalog_is_public() {
    let app = TestApp::spawn().await;
    let owner = app.connect("file-owner@example.com").await.api_key;
    let other = app.connect("file-other@example.com").await.api_key;
    let id = upload_part(&app, &owner, "mine.stl", box_stl([5.0, 5.0, 5.0])).await;
    assert_hidden_from(
        &app,
        &other,
        &[
            (Method::GET, format!("/v1/files/{id}"), None),
            (
                Method::POST,
                format!("/v1/files/{id}/unit"),
                Some(json!({"selected_unit": "mm", "confirmed_by": "user"})),
            ),
            (
                Method::POST,
                "/v1/files/confirm".to_owned(),
                Some(json!({"file_id": id})),
            ),
        ],
    )
    .await;
    assert_eq!(app.get_as(&other, "/v1/files").await.json()["total"], 0);
    let catalog = app.get("/v1/catalog").await;
    assert_eq!(catalog.status, 200);
    let c = catalog.json();
    let processes: std::collections::BTreeSet<&str> = c["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["process"].as_str().unwrap())
        .collect();
    assert_eq!(processes, ["FDM", "SLA", "SLM", "SLS"].into());
    assert!(c["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["base_rate_per_g"].as_f64().unwrap() > 0.0
            && i["lead_time_min_days"].as_u64() <= i["lead_time_max_days"].as_u64()));
    assert_eq!(c["supported_execution_modes"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn an_unknown_or_malformed_file_id_is_the_seeds_file_not_found() {
    let app = TestApp::spawn().await;
    let key = app.connect("no-such-file@example.com").await.api_key;
    for id in ["0b6f7d1c-3f3e-4a51-9a37-5c3f1b2d7e90", "not-a-uuid"] {
        app.get_as(&key, &format!("/v1/files/{id}"))
            .await
            .assert_error(404, "file_not_found");
        app.call(
            &key,
            Method::POST,
            "/v1/files/confirm",
            Some(json!({"file_id": id})),
        )
        .await
        .assert_error(404, "file_not_found");
    }
    // Discover keeps the generic code.
    app.get_as(&key, "/v1/campaigns/camp_nope")
        .await
        .assert_error(404, "not_found");
}

#[tokio::test]
async fn the_catalog_names_materials_as_the_seed_does() {
    let app = TestApp::spawn().await;
    let catalog = app.get("/v1/catalog").await.json();
    let items = catalog["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    // The seed's own example, field for field.
    let white = items
        .iter()
        .find(|i| i["id"] == "sla_white")
        .expect("sla_white");
    assert_eq!(
        white,
        &json!({"id": "sla_white", "process": "SLA", "material": "Photosensitive Resin White",
                "density_g_cm3": 1.12, "base_rate_per_g": 0.3, "minimum_fee_cents": 5000,
                "lead_time_min_days": 3, "lead_time_max_days": 6})
    );
    for item in items {
        let id = item["id"].as_str().unwrap();
        let process = item["process"].as_str().unwrap().to_lowercase();
        assert!(
            id.starts_with(&format!("{process}_"))
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{id} is <process>_<material> in snake case"
        );
    }
    let names: Vec<&str> = items
        .iter()
        .map(|i| i["material"].as_str().unwrap())
        .collect();
    for seed_name in [
        "Nylon Gufeng White",
        "Imported Nylon 11",
        "Stainless Steel",
        "Titanium Alloy",
        "PLA",
        "ABS",
    ] {
        assert!(names.contains(&seed_name), "{seed_name} in {names:?}");
    }
    assert_eq!(
        catalog["required_user_inputs"],
        json!([
            "material_id",
            "quantity",
            "ship_country",
            "shipping_address_json"
        ])
    );
    // The whole price list is what quotes are computed from: any change is reviewed here.
    insta::assert_json_snapshot!(catalog);
}

/// Where a part's bytes are stored in the app's data folder.
fn object_path(app: &TestApp, id: &str) -> std::path::PathBuf {
    app.data_dir().join(format!("objects/files/{id}.stl"))
}

/// The partial uploads in the app's object storage.
fn partial_uploads(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir().join("objects/tmp"))
        .unwrap()
        .count()
}

#[tokio::test]
async fn a_deleted_file_leaves_no_bytes_behind_and_only_its_owner_can_delete_it() {
    let app = TestApp::spawn().await;
    let key = app.connect("delete-parts@example.com").await.api_key;
    let other = app.connect("not-the-owner@example.com").await.api_key;
    let id = upload_part(&app, &key, "bracket.stl", box_stl([10.0, 20.0, 30.0])).await;
    app.run_pending_tasks().await;
    assert!(object_path(&app, &id).exists());
    let path = format!("/v1/files/{id}");

    // Another account's id is simply not found, and nothing is removed.
    app.call(&other, Method::DELETE, &path, None)
        .await
        .assert_error(404, "file_not_found");
    assert!(object_path(&app, &id).exists());
    assert_eq!(app.get_as(&key, &path).await.status, 200);

    let res = app.call(&key, Method::DELETE, &path, None).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert!(res.body.is_empty());
    assert!(!object_path(&app, &id).exists(), "the bytes went too");
    app.get_as(&key, &path)
        .await
        .assert_error(404, "file_not_found");
    assert_eq!(app.get_as(&key, "/v1/files").await.json()["total"], 0);
    app.call(&key, Method::DELETE, &path, None)
        .await
        .assert_error(404, "file_not_found");
    app.call(&key, Method::DELETE, "/v1/files/not-a-uuid%0a", None)
        .await
        .assert_error(404, "file_not_found");

    // Deleting needs files:write, like every file operation.
    let read_only = app
        .create_key(
            &key,
            json!({"name": "reader", "scopes": ["campaigns:read"]}),
        )
        .await["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let kept = upload_part(&app, &key, "kept.stl", box_stl([5.0, 5.0, 5.0])).await;
    app.call(
        &read_only,
        Method::DELETE,
        &format!("/v1/files/{kept}"),
        None,
    )
    .await
    .assert_error(403, "forbidden");
    assert!(object_path(&app, &kept).exists());
}

#[tokio::test]
async fn a_file_deleted_before_its_upload_or_analysis_leaves_nothing_running_or_stored() {
    let app = TestApp::spawn().await;
    let key = app.connect("delete-early@example.com").await.api_key;
    let stl = box_stl([10.0, 10.0, 10.0]);

    // Deleted while its upload URL is still unused: the URL stops working.
    let res = presign(
        &app,
        &key,
        json!({"filename": "cube.stl", "content_type": "model/stl", "size_bytes": stl.len()}),
    )
    .await;
    let id = res.json()["file_id"].as_str().unwrap().to_owned();
    let url = res.json()["upload_url"].as_str().unwrap().to_owned();
    let deleted = app
        .call(&key, Method::DELETE, &format!("/v1/files/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    put(&app, &url, "model/stl", stl.clone())
        .await
        .assert_error(404, "not_found");
    assert!(!object_path(&app, &id).exists());

    // Deleted with its analysis queued: the task finds nothing to do and ends, not dead.
    let id = upload_part(&app, &key, "queued.stl", stl).await;
    let deleted = app
        .call(&key, Method::DELETE, &format!("/v1/files/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    app.run_pending_tasks().await;
    assert_eq!(app.count("tasks WHERE status = 'dead'").await, 0);
    assert_eq!(app.count("tasks WHERE status = 'queued'").await, 0);
    assert!(!object_path(&app, &id).exists());
}

/// Serves the app on a real port, for clients that misbehave at the socket.
async fn serve(app: &TestApp) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// Sends an upload's headers and `first` body bytes, then `drip` one byte at a time every
/// `every`; returns the response's first bytes and how long after the headers it came.
async fn slow_upload(
    addr: std::net::SocketAddr,
    url: &str,
    len: usize,
    first: &[u8],
    drip: &[u8],
    every: std::time::Duration,
) -> (String, std::time::Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PUT {url} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: model/stl\r\n\
         Content-Length: {len}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(first).await.unwrap();
    let started = std::time::Instant::now();
    let (mut reader, mut writer) = socket.into_split();
    let drip = drip.to_vec();
    let dripping = tokio::spawn(async move {
        for byte in drip {
            tokio::time::sleep(every).await;
            if writer.write_all(&[byte]).await.is_err() {
                break;
            }
        }
        // Then stall, holding the connection open.
        std::future::pending::<()>().await;
    });
    let mut response = vec![0u8; 4096];
    let n = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        reader.read(&mut response),
    )
    .await
    .expect("the server answers a stalled upload instead of waiting forever")
    .unwrap();
    dripping.abort();
    (
        String::from_utf8_lossy(&response[..n]).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_stalled_upload_is_cut_off_and_its_url_still_works_afterwards() {
    let app = TestApp::spawn_with_env(&[("MATTERCRAFT_UPLOAD_IDLE_SECONDS", "1")]).await;
    let key = app.connect("stalled-upload@example.com").await.api_key;
    let stl = box_stl([10.0, 10.0, 10.0]);
    let res = presign(
        &app,
        &key,
        json!({"filename": "cube.stl", "content_type": "model/stl", "size_bytes": stl.len()}),
    )
    .await;
    let id = res.json()["file_id"].as_str().unwrap().to_owned();
    let url = res.json()["upload_url"].as_str().unwrap().to_owned();
    let addr = serve(&app).await;

    // Headers and a hundred bytes, then nothing.
    let (response, after) = slow_upload(
        addr,
        &url,
        stl.len(),
        &stl[..100],
        &[],
        std::time::Duration::ZERO,
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("no bytes arrived for 1 s"), "{response}");
    assert!(after < std::time::Duration::from_secs(10), "{after:?}");
    assert_eq!(partial_uploads(&app), 0, "the partial upload is removed");
    assert!(!object_path(&app, &id).exists());

    // The claim was given back: the same URL takes a proper upload.
    let up = put(&app, &url, "model/stl", stl).await;
    assert_eq!(up.status, 200, "{}", up.text());
    assert!(object_path(&app, &id).exists());
}

#[tokio::test]
async fn a_slow_drip_upload_is_cut_off_at_the_overall_timeout() {
    let app = TestApp::spawn_with_env(&[
        ("MATTERCRAFT_UPLOAD_IDLE_SECONDS", "5"),
        ("MATTERCRAFT_UPLOAD_TIMEOUT_SECONDS", "2"),
    ])
    .await;
    let key = app.connect("drip-upload@example.com").await.api_key;
    let stl = box_stl([10.0, 10.0, 10.0]);
    let url = fresh_url(&app, &key, stl.len()).await;
    let addr = serve(&app).await;
    // A byte every 200 ms never looks idle, but would take minutes in all.
    let (response, after) = slow_upload(
        addr,
        &url,
        stl.len(),
        &stl[..10],
        &stl[10..],
        std::time::Duration::from_millis(200),
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("took longer than 2 s"), "{response}");
    assert!(after < std::time::Duration::from_secs(10), "{after:?}");
    assert_eq!(partial_uploads(&app), 0);
    assert_eq!(put(&app, &url, "model/stl", stl).await.status, 200);
}
