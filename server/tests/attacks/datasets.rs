//! Dataset uploads built to make the table parser allocate far more than the file (review
//! C3): a giant header over many rows, hundreds of thousands of distinct JSON keys, thousands
//! of columns, deep JSON. Each is under the 10 MiB upload limit, so the parser itself must
//! refuse it within 20× its size.

use crate::harness::{assert_refused, detail_paths, Server};

/// `POST /v1/datasets` with `bytes` as the file `filename`; the answer and the body's size.
fn upload(server: &Server, filename: &str, bytes: &[u8]) -> (crate::harness::Response, usize) {
    let res = server.post_multipart(
        "/v1/datasets",
        &[
            ("file", Some(filename), bytes),
            ("name", None, b"attack".as_slice()),
        ],
    );
    (res, bytes.len())
}

/// Asserts a refusal that points at the file, and that no dataset was stored.
fn assert_refused_and_nothing_stored(
    server: &Server,
    res: &crate::harness::Response,
    attack: &str,
) {
    let body = assert_refused(res, attack);
    assert!(
        detail_paths(&body).iter().any(|p| p.starts_with("file")),
        "{attack}: no detail at the file: {body}"
    );
    let listed = server.get("/v1/datasets").json();
    assert_eq!(listed["meta"]["total"], 0, "{attack}: {listed}");
}

#[test]
fn a_9_mb_csv_header_over_100000_rows_is_refused_within_20x_its_size() {
    let server = Server::start();
    let attack = "CSV with a 9 MB column name and 100 000 rows";
    let mut csv = "h".repeat(9_000_000);
    csv.push('\n');
    for i in 0..100_000 {
        csv.push_str(&format!("{}\n", i % 10));
    }
    let (res, len) = upload(&server, "giant-header.csv", csv.as_bytes());
    assert_refused_and_nothing_stored(&server, &res, attack);
    server.assert_survived(attack, Server::allowance(len));
}

#[test]
fn a_json_dataset_of_750000_distinct_keys_is_refused_within_20x_its_size() {
    let server = Server::start();
    let attack = "JSON dataset of 750 000 single-key objects, every key distinct";
    let mut json = String::from("[");
    for i in 0..750_000 {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!("{{\"k{i}\":1}}"));
    }
    json.push(']');
    let (res, len) = upload(&server, "distinct-keys.json", json.as_bytes());
    assert_refused_and_nothing_stored(&server, &res, attack);
    server.assert_survived(attack, Server::allowance(len));
}

#[test]
fn a_csv_of_10000_columns_is_refused_with_the_column_limit() {
    let server = Server::start();
    let attack = "CSV with 10 000 columns";
    let header: Vec<String> = (0..10_000).map(|i| format!("c{i}")).collect();
    let row = vec!["1"; 10_000].join(",");
    let mut csv = header.join(",");
    csv.push('\n');
    for _ in 0..100 {
        csv.push_str(&row);
        csv.push('\n');
    }
    let (res, len) = upload(&server, "wide.csv", csv.as_bytes());
    assert_refused_and_nothing_stored(&server, &res, attack);
    server.assert_survived(attack, Server::allowance(len));
}

#[test]
fn a_json_dataset_nested_100000_deep_is_refused_not_a_stack_overflow() {
    let server = Server::start();
    let attack = "JSON dataset nested 100 000 deep";
    let json = format!("[{{\"a\":{}{}}}]", "[".repeat(100_000), "]".repeat(100_000));
    let (res, len) = upload(&server, "deep.json", json.as_bytes());
    assert_refused_and_nothing_stored(&server, &res, attack);
    server.assert_survived(attack, Server::allowance(len));
}
