//! Any text through the dataset reader, as CSV and as JSON: it must return, never panic, and an
//! accepted table must keep every limit and read back from its stored form unchanged.
#![no_main]

use domain::datasets::DatasetFormat;
use libfuzzer_sys::fuzz_target;
use tabular::{parse_table, Table, MAX_CELLS, MAX_COLUMNS, MAX_COLUMN_NAME_CHARS, MAX_ROWS};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for format in [DatasetFormat::Csv, DatasetFormat::Json] {
        let Ok(table) = parse_table(format, &text) else {
            continue;
        };
        let columns = table.columns();
        assert!(!columns.is_empty() && columns.len() <= MAX_COLUMNS);
        assert!(!table.is_empty() && table.len() <= MAX_ROWS);
        assert!(table.len() * columns.len() <= MAX_CELLS);
        for c in columns {
            assert!(!c.name.is_empty() && c.name.chars().count() <= MAX_COLUMN_NAME_CHARS);
            assert!(c.empty as usize <= table.len());
        }
        let back = Table::from_json(columns.to_vec(), &table.to_json(), usize::MAX)
            .expect("a stored table reads back");
        assert_eq!(back.len(), table.len());
        for (a, b) in table.rows().zip(back.rows()) {
            let cells: Vec<_> = a.cells().collect();
            assert!(
                cells.windows(2).all(|w| w[0].0 < w[1].0),
                "cells in column order"
            );
            assert!(cells
                .iter()
                .all(|&(j, t)| j < columns.len() && !t.is_empty()));
            assert_eq!(a.to_object(), b.to_object());
        }
    }
});
