//! Dataset files (SPEC §4.3) as tables: a CSV file with a header row, or a JSON array of
//! objects, read once at upload into columns (in file order, each `number` or `text`, with its
//! count of empty cells) and rows.
//!
//! Uploads are hostile until proven otherwise. Every limit — [`MAX_DATASET_BYTES`],
//! [`MAX_COLUMNS`], [`MAX_COLUMN_NAME_CHARS`], [`MAX_HEADER_BYTES`], [`MAX_ROWS`] and the cell
//! budget [`MAX_CELLS`] (rows × columns) — is checked while reading (the CSV header as it is
//! read, JSON keys as they are discovered, rows as they arrive), before anything is allocated
//! for what follows. A [`Table`] holds one text buffer and a few bytes per non-empty cell (its
//! column and where its text ends), never a column name per cell, so reading any file of an
//! accepted size peaks at a small multiple of its size (`tests/peak_memory.rs` holds it under
//! 20×). Every problem is an [`ErrorDetail`] at `file` (or `file[i]` / `file[i].key` in JSON)
//! that names the line, row or limit.
//!
//! A table is stored as JSON ([`Table::to_json`]) and read back with [`Table::from_json`]:
//! `{"rows": [...]}`, each row either an array indexed by column or, when most of it is empty,
//! an object keyed by column index — whichever is shorter, so the stored form stays
//! proportional to the file too.

mod builder;
mod csv_file;
mod json_file;
mod stored;

use domain::datasets::{ColumnKind, DatasetColumn, DatasetFormat};
use domain::error::ErrorDetail;
use serde_json::{Map, Value};

pub use stored::StoredError;

/// The largest dataset file accepted (10 MiB).
pub const MAX_DATASET_BYTES: usize = 10 * 1024 * 1024;
/// The most rows a dataset may hold.
pub const MAX_ROWS: usize = 100_000;
/// The most columns a dataset may hold.
pub const MAX_COLUMNS: usize = 500;
/// The longest column name (CSV header or JSON key), in characters.
pub const MAX_COLUMN_NAME_CHARS: usize = 128;
/// The largest CSV header row, in bytes (room for [`MAX_COLUMNS`] quoted names of
/// [`MAX_COLUMN_NAME_CHARS`] multi-byte characters).
pub const MAX_HEADER_BYTES: usize = 256 * 1024;
/// The most cells (rows × columns, empty ones included) a dataset may hold: 100 000 rows of
/// 20 columns, or 4 000 rows of 500.
pub const MAX_CELLS: usize = 2_000_000;
/// Problems reported one by one; the rest are counted (or, for a file, left out).
pub const ROW_WARNINGS: usize = 20;

/// The format a file name (or its content type) names; `None` when it is neither CSV nor JSON.
pub fn detect_format(filename: &str, content_type: Option<&str>) -> Option<DatasetFormat> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".csv") || content_type.is_some_and(|c| c.starts_with("text/csv")) {
        Some(DatasetFormat::Csv)
    } else if lower.ends_with(".json")
        || content_type.is_some_and(|c| c.starts_with("application/json"))
    {
        Some(DatasetFormat::Json)
    } else {
        None
    }
}

/// Parses an uploaded file into a table; every problem found is a detail at `file`.
pub fn parse_table(format: DatasetFormat, text: &str) -> Result<Table, Vec<ErrorDetail>> {
    if text.len() > MAX_DATASET_BYTES {
        return Err(vec![ErrorDetail::new(
            "file",
            format!("must be at most {MAX_DATASET_BYTES} bytes"),
        )]);
    }
    match format {
        DatasetFormat::Csv => csv_file::read(text),
        DatasetFormat::Json => json_file::read(text),
    }
}

/// A parsed table: its columns, and its rows as the non-empty cells of each, by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    columns: Vec<DatasetColumn>,
    /// The text of every non-empty cell, one after another in row order.
    text: String,
    /// Per non-empty cell, its column (ascending within a row; fits: at most 500 columns).
    cell_columns: Vec<u16>,
    /// Per non-empty cell, where its text ends in `text`; it starts where the previous ends.
    cell_ends: Vec<u32>,
    /// Per row, the index in the cells where the next row starts.
    row_ends: Vec<u32>,
}

impl Table {
    /// The columns, in file order.
    pub fn columns(&self) -> &[DatasetColumn] {
        &self.columns
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.row_ends.len()
    }

    /// Whether the table has no rows (a parsed file always has one; a stored one read with
    /// `max_rows = 0` does not).
    pub fn is_empty(&self) -> bool {
        self.row_ends.is_empty()
    }

    /// The column with this name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The rows, in file order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> + '_ {
        (0..self.row_ends.len()).map(move |r| self.row(r))
    }

    /// Row `r` (0-based); panics when out of range, like slice indexing.
    pub fn row(&self, r: usize) -> Row<'_> {
        let first = if r == 0 {
            0
        } else {
            self.row_ends[r - 1] as usize
        };
        Row {
            table: self,
            first,
            end: self.row_ends[r] as usize,
        }
    }

    fn cell_text(&self, cell: usize) -> &str {
        let start = if cell == 0 {
            0
        } else {
            self.cell_ends[cell - 1] as usize
        };
        &self.text[start..self.cell_ends[cell] as usize]
    }

    /// The value of a cell's text in `column`: a number in a numeric column, else the text.
    fn value(&self, column: usize, text: &str) -> Value {
        match self.columns[column].kind {
            ColumnKind::Number => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Value::from(n),
                _ => Value::String(text.to_owned()),
            },
            ColumnKind::Text => Value::String(text.to_owned()),
        }
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    /// Its cells are `first..end`.
    first: usize,
    end: usize,
}

impl<'a> Row<'a> {
    /// The text in `column`, `None` when the cell is empty.
    pub fn text(&self, column: usize) -> Option<&'a str> {
        let columns = &self.table.cell_columns[self.first..self.end];
        let at = columns.binary_search(&u16::try_from(column).ok()?).ok()?;
        Some(self.table.cell_text(self.first + at))
    }

    /// The value in `column` (a number in a numeric column, otherwise text), `None` when the
    /// cell is empty.
    pub fn value(&self, column: usize) -> Option<Value> {
        self.text(column).map(|t| self.table.value(column, t))
    }

    /// The non-empty cells: column and text, in column order.
    pub fn cells(&self) -> impl Iterator<Item = (usize, &'a str)> + 'a {
        let table = self.table;
        (self.first..self.end)
            .map(move |c| (usize::from(table.cell_columns[c]), table.cell_text(c)))
    }

    /// The row as the API shows it: an object keyed by column name (empty cells absent).
    pub fn to_object(&self) -> Map<String, Value> {
        self.cells()
            .map(|(j, t)| (self.table.columns[j].name.clone(), self.table.value(j, t)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_get_kinds_and_empty_cells_are_counted() {
        let t = parse_table(
            DatasetFormat::Csv,
            "\u{feff}temp,n,solvent,yield,cost\n400,2,water,0.5,3\n500, 3 ,ethanol,,4\n",
        )
        .unwrap();
        let kinds: Vec<(&str, ColumnKind, u32)> = t
            .columns()
            .iter()
            .map(|c| (c.name.as_str(), c.kind, c.empty))
            .collect();
        assert_eq!(
            kinds,
            [
                ("temp", ColumnKind::Number, 0),
                ("n", ColumnKind::Number, 0),
                ("solvent", ColumnKind::Text, 0),
                ("yield", ColumnKind::Number, 1),
                ("cost", ColumnKind::Number, 0)
            ]
        );
        let second = t.row(1).to_object();
        assert_eq!(second["n"], Value::from(3.0));
        assert!(!second.contains_key("yield"));
        assert_eq!(t.row(1).text(2), Some("ethanol"));
        assert_eq!(t.row(1).value(3), None);
    }

    #[test]
    fn broken_files_are_rejected_with_a_reason() {
        let ragged = parse_table(DatasetFormat::Csv, "a,b\n1,2\n3\n").unwrap_err();
        assert!(ragged[0].message.contains("line 3"), "{ragged:?}");
        let dup = parse_table(DatasetFormat::Csv, "a,a\n1,2\n").unwrap_err();
        assert!(dup[0].message.contains("appears twice"));
        assert!(parse_table(DatasetFormat::Csv, "a,b\n").unwrap_err()[0]
            .message
            .contains("no rows"));
        assert!(
            parse_table(DatasetFormat::Json, "{\"a\": 1}").unwrap_err()[0]
                .message
                .contains("array of objects")
        );
        let nested = parse_table(DatasetFormat::Json, "[{\"a\": [1]}]").unwrap_err();
        assert_eq!(nested[0].path, "file[0].a");
        assert!(parse_table(DatasetFormat::Json, "[1, 2").is_err());
        let twice = parse_table(DatasetFormat::Json, r#"[{"a": 1, "b": 2, "a": 3}]"#).unwrap_err();
        assert_eq!(twice[0].path, "file[0].a");
        assert!(twice[0].message.contains("twice"), "{twice:?}");
    }

    #[test]
    fn a_json_table_keeps_numbers_and_labels_apart() {
        let t = parse_table(
            DatasetFormat::Json,
            r#"[{"temp": 400, "solvent": "water"}, {"solvent": 2, "temp": 450, "extra": null}]"#,
        )
        .unwrap();
        assert_eq!(t.columns()[0].kind, ColumnKind::Number);
        assert_eq!(t.columns()[1].kind, ColumnKind::Text);
        assert_eq!(t.row(1).value(1), Some(Value::String("2".into())));
        assert_eq!(t.row(1).value(0), Some(Value::from(450.0)));
        assert_eq!(t.columns()[2].empty, 2);
    }

    #[test]
    fn a_stored_table_reads_back_as_parsed() {
        let t = parse_table(
            DatasetFormat::Csv,
            "a,b,c,d\n1,x,,\n,,,4.5\n\"q\"\"uote\",,,\n2,\"a,b\",3,\n",
        )
        .unwrap();
        let json = t.to_json();
        let back = Table::from_json(t.columns().to_vec(), &json, usize::MAX).unwrap();
        assert_eq!(back.columns(), t.columns());
        let objects = |t: &Table| t.rows().map(|r| r.to_object()).collect::<Vec<_>>();
        assert_eq!(objects(&back), objects(&t), "{json}");
        assert_eq!(back.row(2).value(0), Some(Value::String("q\"uote".into())));
        let first = Table::from_json(t.columns().to_vec(), &json, 2).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first.row(1).to_object(), t.row(1).to_object());
    }

    #[test]
    fn a_row_that_is_mostly_empty_is_stored_by_column_index() {
        let mut csv = (0..300)
            .map(|j| format!("c{j}"))
            .collect::<Vec<_>>()
            .join(",");
        csv.push('\n');
        csv.push_str(&",".repeat(299));
        csv.push_str("7\n");
        let t = parse_table(DatasetFormat::Csv, &csv).unwrap();
        assert_eq!(t.to_json(), r#"{"rows":[{"299":7.0}]}"#);
    }
}
