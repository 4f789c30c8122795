//! Hostile uploads: each limit refuses the file while it is being read, with a message that
//! names the limit, and random input never panics.

use std::time::{Duration, Instant};

use domain::datasets::DatasetFormat;
use domain::error::ErrorDetail;
use proptest::prelude::*;
use tabular::{
    parse_table, Table, MAX_CELLS, MAX_COLUMNS, MAX_COLUMN_NAME_CHARS, MAX_DATASET_BYTES,
    MAX_HEADER_BYTES, MAX_ROWS,
};

/// The single refusal of `text`, which must come quickly.
fn refused(format: DatasetFormat, text: &str) -> ErrorDetail {
    let started = Instant::now();
    let problems = parse_table(format, text).expect_err("the file must be refused");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "refusing took {:?}",
        started.elapsed()
    );
    assert_eq!(problems.len(), 1, "{problems:?}");
    problems.into_iter().next().unwrap()
}

/// The review's CSV payload (C3): one 9 MB column name, then 100 000 rows of `1`.
fn nine_mb_header() -> String {
    let mut csv = "n".repeat(9_000_000);
    csv.push('\n');
    csv.push_str(&"1\n".repeat(100_000));
    csv
}

/// The review's JSON payload (C3): `[{"c0":1},{"c1":1},…]` up to the size limit.
fn distinct_keys(objects: usize) -> String {
    let mut json = String::from("[");
    for i in 0..objects {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&format!("{{\"c{i}\":1}}"));
    }
    json.push(']');
    json
}

#[test]
fn a_9_mb_column_name_is_refused_before_any_row_is_read() {
    let csv = nine_mb_header();
    assert!(csv.len() <= MAX_DATASET_BYTES);
    let refusal = refused(DatasetFormat::Csv, &csv);
    assert_eq!(refusal.path, "file");
    assert!(
        refusal
            .message
            .contains(&format!("at most {MAX_COLUMN_NAME_CHARS}")),
        "{refusal:?}"
    );
    assert!(refusal.message.len() < 300, "the name is not echoed back");
}

#[test]
fn json_rows_with_750000_distinct_keys_are_refused_at_the_501st_column() {
    let json = distinct_keys(750_000);
    assert!(json.len() <= MAX_DATASET_BYTES, "{}", json.len());
    let refusal = refused(DatasetFormat::Json, &json);
    assert!(
        refusal
            .message
            .contains(&format!("more than {MAX_COLUMNS} columns")),
        "{refusal:?}"
    );
}

#[test]
fn a_csv_header_of_501_columns_is_refused() {
    let header: Vec<String> = (0..=MAX_COLUMNS).map(|j| format!("c{j}")).collect();
    let csv = format!(
        "{}\n{}\n",
        header.join(","),
        vec!["1"; MAX_COLUMNS + 1].join(",")
    );
    let refusal = refused(DatasetFormat::Csv, &csv);
    assert!(
        refusal.message.contains("501 columns; at most 500"),
        "{refusal:?}"
    );
}

#[test]
fn a_column_name_of_129_characters_is_refused_in_csv_and_json() {
    let long = "é".repeat(MAX_COLUMN_NAME_CHARS + 1);
    let fits = "é".repeat(MAX_COLUMN_NAME_CHARS);
    let csv = refused(DatasetFormat::Csv, &format!("a,{long}\n1,2\n"));
    assert!(csv.message.contains("column 2"), "{csv:?}");
    let json = refused(DatasetFormat::Json, &format!("[{{\"a\":1,\"{long}\":2}}]"));
    assert!(json.message.contains("128 characters"), "{json:?}");
    let ok = parse_table(DatasetFormat::Csv, &format!("a,{fits}\n1,2\n")).unwrap();
    assert_eq!(
        ok.columns()[1].name,
        fits,
        "128 characters (256 bytes) are fine"
    );
}

#[test]
fn a_csv_header_over_256_kib_is_refused() {
    // 500 quoted names of 128 four-byte characters with every quote doubled would not fit;
    // this header of short names padded with spaces (trimmed away) does not either.
    let name = format!("\"{}x\"", " ".repeat(600));
    let header = vec![name; 450].join(",");
    assert!(header.len() > MAX_HEADER_BYTES);
    let refusal = refused(DatasetFormat::Csv, &format!("{header}\n"));
    assert!(
        refusal
            .message
            .contains(&format!("at most {MAX_HEADER_BYTES}")),
        "{refusal:?}"
    );
}

#[test]
fn more_than_100000_rows_are_refused() {
    let csv = format!("a\n{}", "1\n".repeat(MAX_ROWS + 1));
    let refusal = refused(DatasetFormat::Csv, &csv);
    assert!(
        refusal.message.contains("more than 100000 rows"),
        "{refusal:?}"
    );
    let json = format!("[{}]", vec!["{}"; MAX_ROWS + 1].join(","));
    let refusal = refused(DatasetFormat::Json, &json);
    assert!(
        refusal.message.contains("more than 100000 rows"),
        "{refusal:?}"
    );
    let at_limit = format!("a\n{}", "1\n".repeat(MAX_ROWS));
    assert_eq!(
        parse_table(DatasetFormat::Csv, &at_limit).unwrap().len(),
        MAX_ROWS
    );
}

#[test]
fn a_table_over_the_cell_budget_is_refused_while_reading() {
    let header: Vec<String> = (0..MAX_COLUMNS).map(|j| format!("c{j}")).collect();
    let row = vec!["1"; MAX_COLUMNS].join(",");
    let rows = MAX_CELLS / MAX_COLUMNS;
    let mut csv = header.join(",");
    csv.push('\n');
    for _ in 0..rows {
        csv.push_str(&row);
        csv.push('\n');
    }
    let at_budget = parse_table(DatasetFormat::Csv, &csv).unwrap();
    assert_eq!(at_budget.len(), rows);
    csv.push_str(&row);
    csv.push('\n');
    let refusal = refused(DatasetFormat::Csv, &csv);
    assert!(
        refusal
            .message
            .contains(&format!("at most {MAX_CELLS} cells (rows × columns)")),
        "{refusal:?}"
    );
    // JSON: 20 keys in the first row, empty rows up to the row limit, then a 21st key that
    // would widen every row read so far past the budget.
    let keys: Vec<String> = (0..20).map(|j| format!("\"a{j}\":1")).collect();
    let json = format!(
        "[{{{}}},{}{{\"b\":1}}]",
        keys.join(","),
        "{},".repeat(MAX_ROWS - 2)
    );
    let refusal = refused(DatasetFormat::Json, &json);
    assert!(
        refusal.message.contains("21 columns × 100000 rows"),
        "{refusal:?}"
    );
}

#[test]
fn json_nested_a_million_deep_is_refused_not_a_stack_overflow() {
    // Unclosed: serde_json skips what it does not build without recursing.
    let deep = "[".repeat(1_000_000);
    let refusal = refused(DatasetFormat::Json, &deep);
    assert!(refusal.message.starts_with("not valid JSON"), "{refusal:?}");
    // Closed, as a cell's value: skipped unbuilt and reported at the cell.
    let in_a_value = format!(
        "[{{\"a\":{}1{}}}]",
        "[".repeat(1_000_000),
        "]".repeat(1_000_000)
    );
    let problems = parse_table(DatasetFormat::Json, &in_a_value).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "file[0].a");
    assert!(problems[0].message.contains("numbers, strings or null"));
    // Closed, as a row: the reader itself never goes deeper than array, object, value.
    let rows = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let problems = parse_table(DatasetFormat::Json, &rows).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "file[0]");
    assert!(problems[0].message.contains("must be an object"));
}

#[test]
fn a_file_over_10_mib_is_refused_even_if_the_caller_forgot() {
    let big = "a\n".repeat(MAX_DATASET_BYTES / 2 + 1);
    let refusal = refused(DatasetFormat::Csv, &big);
    assert!(refusal.message.contains("at most 10485760 bytes"));
}

#[test]
fn an_empty_json_key_is_refused_as_a_nameless_column() {
    let problems = parse_table(DatasetFormat::Json, r#"[{"a":1,"":2}]"#).unwrap_err();
    assert_eq!(problems[0].path, "file[0]");
    assert!(
        problems[0].message.contains("column 2 has no name"),
        "{problems:?}"
    );
}

#[test]
fn problems_in_many_rows_are_reported_up_to_twenty() {
    let json = format!("[{}]", vec!["[1]"; 1000].join(","));
    let problems = parse_table(DatasetFormat::Json, &json).unwrap_err();
    assert_eq!(problems.len(), 20);
    assert_eq!(problems[19].path, "file[19]");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        for format in [DatasetFormat::Csv, DatasetFormat::Json] {
            if let Ok(table) = parse_table(format, &text) {
                let json = table.to_json();
                Table::from_json(table.columns().to_vec(), &json, usize::MAX).unwrap();
            }
        }
    }

    #[test]
    fn a_random_table_reads_back_from_its_stored_form(
        cells in proptest::collection::vec(
            proptest::collection::vec(
                prop_oneof!["", "[a-z ,\"\u{e9}]{1,6}", "-?[0-9]{1,4}(\\.[0-9]{1,3})?"],
                4,
            ),
            1..30,
        )
    ) {
        let mut csv = String::from("w,x,y,z\n");
        for row in &cells {
            let quoted: Vec<String> =
                row.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
            csv.push_str(&quoted.join(","));
            csv.push('\n');
        }
        let table = parse_table(DatasetFormat::Csv, &csv).unwrap();
        prop_assert_eq!(table.len(), cells.len());
        let back = Table::from_json(table.columns().to_vec(), &table.to_json(), usize::MAX).unwrap();
        for (r, row) in cells.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                let text = cell.trim();
                prop_assert_eq!(table.row(r).text(j), (!text.is_empty()).then_some(text));
                prop_assert_eq!(back.row(r).value(j), table.row(r).value(j));
            }
        }
    }
}
