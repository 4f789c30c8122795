//! CSV with a header row: the header is checked (size, column count, name lengths, empty and
//! repeated names) before any row is read; rows are read into one reused record.

use std::collections::HashSet;

use domain::error::ErrorDetail;

use crate::builder::{refusal, Builder, Capacity};
use crate::{Table, MAX_COLUMNS, MAX_HEADER_BYTES};

pub(crate) fn read(text: &str) -> Result<Table, Vec<ErrorDetail>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let bad = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        vec![refusal(format!("not valid CSV at line {line}: {e}"))]
    };
    let mut table = Builder::checked();
    let header = reader.headers().map_err(bad)?;
    // The header is in memory once (no more than the file); nothing else is until it passes.
    if header.len() > MAX_COLUMNS {
        return Err(vec![refusal(format!(
            "the file has {} columns; at most {MAX_COLUMNS} are allowed",
            header.len()
        ))]);
    }
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for (j, name) in header.iter().enumerate() {
        let name = name.trim();
        if name.is_empty() {
            problems.push(refusal(format!("column {} has no name", j + 1)));
        } else if !seen.insert(name) {
            problems.push(refusal(format!("the column name '{name}' appears twice")));
        }
        table.add_column(name).map_err(|e| vec![e])?;
    }
    let header_bytes = header.as_byte_record().as_slice().len();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(vec![refusal(format!(
            "the header row is {header_bytes} bytes; at most {MAX_HEADER_BYTES} are allowed"
        ))]);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    // Upper bounds from the bytes: a row ends at a line break, a cell at a comma or one.
    let (mut breaks, mut commas) = (0usize, 0usize);
    for &b in text.as_bytes() {
        breaks += usize::from(b == b'\n');
        commas += usize::from(b == b',');
    }
    table.reserve(Capacity {
        rows: breaks + 1,
        cells: breaks + commas + 1,
        text: text.len(),
    });
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(bad)? {
        table.start_row().map_err(|e| vec![e])?;
        for (j, cell) in record.iter().enumerate() {
            let cell = cell.trim();
            if !cell.is_empty() {
                table.push(j, cell).map_err(|e| vec![e])?;
            }
        }
        table.end_row();
    }
    table.finish()
}
