//! Peak memory of reading an upload (review C3): parsing a file and writing its stored form
//! must never allocate more than 20 times the file's size at once, for hostile and ordinary
//! files alike. A counting global allocator sees every allocation of this test binary (its
//! own binary for that reason); the tests take turns so that one's peak is not another's.
//! The counter charges a reallocation as old + new block, so the figures are upper bounds.
//!
//! `cargo test -p tabular --test peak_memory -- --nocapture` prints each measurement.

use std::sync::Mutex;

use domain::datasets::DatasetFormat;
use peak_alloc::PeakAlloc;
use tabular::{parse_table, MAX_COLUMNS, MAX_DATASET_BYTES, MAX_ROWS};

#[global_allocator]
static ALLOCATOR: PeakAlloc = PeakAlloc;

static TURN: Mutex<()> = Mutex::new(());

const LIMIT: usize = 20;

/// The most bytes held at once while `text` is parsed and, when accepted, written in its
/// stored form with a 10-row preview (what an upload does with it); fails past 20× its size.
fn assert_peak_under_limit(what: &str, format: DatasetFormat, text: &str) {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    assert!(
        text.len() <= MAX_DATASET_BYTES,
        "{what}: {} bytes",
        text.len()
    );
    ALLOCATOR.reset_peak_usage();
    let before = ALLOCATOR.current_usage();
    let outcome = match parse_table(format, text) {
        Ok(table) => {
            let stored = table.to_json();
            let preview: Vec<_> = table.rows().take(10).map(|r| r.to_object()).collect();
            format!(
                "accepted: {} rows, {} stored bytes, {} previewed",
                table.len(),
                stored.len(),
                preview.len()
            )
        }
        Err(problems) => format!("refused: {}", problems[0].message),
    };
    let peak = ALLOCATOR.peak_usage() - before;
    let ratio = peak as f64 / text.len() as f64;
    eprintln!(
        "{what}: {} bytes, peak {peak} bytes ({ratio:.2}×) — {outcome}",
        text.len()
    );
    assert!(
        peak < LIMIT * text.len(),
        "{what}: peak {peak} bytes is {ratio:.1}× the {} bytes read",
        text.len()
    );
}

/// Repeats `unit` until `target` bytes (at most the size limit), between `head` and `tail`.
fn fill(head: &str, unit: &str, tail: &str, target: usize) -> String {
    let room = target.min(MAX_DATASET_BYTES) - head.len() - tail.len();
    let mut text = String::with_capacity(target);
    text.push_str(head);
    text.push_str(&unit.repeat(room / unit.len()));
    text.push_str(tail);
    text
}

fn header(columns: usize) -> String {
    let names: Vec<String> = (0..columns).map(|j| format!("c{j}")).collect();
    names.join(",") + "\n"
}

/// Each shape at 10 MiB and at 1 MiB (smaller files must not cost more per byte).
const SIZES: [usize; 2] = [MAX_DATASET_BYTES, 1024 * 1024];

#[test]
fn the_review_csv_with_a_9_mb_column_name_stays_under_20x() {
    let mut csv = "n".repeat(9_000_000);
    csv.push('\n');
    csv.push_str(&"1\n".repeat(100_000));
    assert_peak_under_limit("9 MB header + 100 000 rows", DatasetFormat::Csv, &csv);
}

#[test]
fn the_review_json_with_750000_distinct_keys_stays_under_20x() {
    let mut json = String::from("[");
    for i in 0..750_000 {
        json.push_str(&format!("{{\"c{i}\":1}},"));
        if json.len() > MAX_DATASET_BYTES - 64 {
            break;
        }
    }
    json.pop();
    json.push(']');
    assert_peak_under_limit("750 000 distinct keys", DatasetFormat::Json, &json);
}

#[test]
fn a_wide_csv_of_short_numbers_stays_under_20x() {
    let row = vec!["1"; MAX_COLUMNS].join(",") + "\n";
    for size in SIZES {
        let csv = fill(&header(MAX_COLUMNS), &row, "", size);
        assert_peak_under_limit(
            &format!("{MAX_COLUMNS} columns of 1, {size} bytes"),
            DatasetFormat::Csv,
            &csv,
        );
    }
    // At the cell budget exactly: accepted.
    let csv = format!("{}{}", header(MAX_COLUMNS), row.repeat(4000));
    assert_peak_under_limit("500 columns × 4000 rows of 1", DatasetFormat::Csv, &csv);
}

#[test]
fn an_ordinary_csv_at_the_row_limit_stays_under_20x() {
    let row = "412.5,2,water,0.8125,13.25,7,0.5,ethanol,1e-3,250\n";
    let csv = format!(
        "temp,n,solvent,yield,cost,batch,ratio,cosolvent,rate,time\n{}",
        row.repeat(MAX_ROWS)
    );
    assert_peak_under_limit("10 columns × 100 000 rows", DatasetFormat::Csv, &csv);
}

#[test]
fn mostly_empty_csv_rows_stay_under_20x() {
    let row = ",".repeat(MAX_COLUMNS - 1) + "1\n";
    for size in SIZES {
        let csv = fill(&header(MAX_COLUMNS), &row, "", size);
        assert_peak_under_limit(
            &format!("500 columns, only the last filled, {size} bytes"),
            DatasetFormat::Csv,
            &csv,
        );
    }
    let empty_rows = fill("a\n", "\"\"\n", "", MAX_ROWS * 3);
    assert_peak_under_limit("100 000 empty rows", DatasetFormat::Csv, &empty_rows);
}

#[test]
fn a_long_json_array_of_objects_stays_under_20x() {
    let object = r#"{"temp": 412.5, "n": 2, "solvent": "water", "yield": 0.8125, "cost": 13.25, "ok": true, "note": null, "batch": "B-17"},"#;
    for size in SIZES {
        let json = fill("[", object, "{}]", size);
        assert_peak_under_limit(
            &format!("JSON objects, {size} bytes"),
            DatasetFormat::Json,
            &json,
        );
    }
    let short = r#"{"t":412.5,"n":2,"s":"water","y":0.8},"#;
    let at_limit = format!("[{}{{}}]", short.repeat(MAX_ROWS - 1));
    assert_peak_under_limit(
        "JSON objects at the row limit",
        DatasetFormat::Json,
        &at_limit,
    );
}

#[test]
fn sparse_json_rows_stay_under_20x() {
    // One key far to the right, then rows that name only it: the stored rows must not
    // spell out the empty cells before it.
    let keys: Vec<String> = (0..MAX_COLUMNS).map(|j| format!("\"k{j}\":null")).collect();
    let head = format!("[{{{}}},", keys.join(","));
    let json = fill(&head, r#"{"k499":1},"#, "{}]", 1024 * 1024);
    assert_peak_under_limit(
        "500 keys, rows with the last one",
        DatasetFormat::Json,
        &json,
    );
    let empty = format!("[{}{{}}]", "{},".repeat(MAX_ROWS - 1));
    assert_peak_under_limit("100 000 empty objects", DatasetFormat::Json, &empty);
}

#[test]
fn deep_json_nesting_stays_under_20x() {
    for size in SIZES {
        let open = "[".repeat(size);
        assert_peak_under_limit(&format!("{size} open brackets"), DatasetFormat::Json, &open);
        let half = size / 2 - 8;
        let in_a_value = format!("[{{\"a\":{}{}}}]", "[".repeat(half), "]".repeat(half));
        assert_peak_under_limit(
            &format!("a value nested {half} deep"),
            DatasetFormat::Json,
            &in_a_value,
        );
    }
}

#[test]
fn long_text_cells_stay_under_20x() {
    let cell = "x".repeat(1000);
    let csv = fill(
        "a,b\n",
        &format!("{cell},\"{cell}\"\n"),
        "",
        MAX_DATASET_BYTES,
    );
    assert_peak_under_limit(
        "two columns of 1000-character text",
        DatasetFormat::Csv,
        &csv,
    );
    let escaped = "\\u00e9".repeat(100);
    let json = fill(
        "[",
        &format!("{{\"a\":\"{escaped}\"}},"),
        "{}]",
        MAX_DATASET_BYTES,
    );
    assert_peak_under_limit("JSON strings of escapes", DatasetFormat::Json, &json);
}
