//! Dataset files as tables: a CSV file with a header row, or a JSON array of objects, parsed
//! once at upload into columns (in file order, each `number` or `text`, with its count of empty
//! cells) and rows (JSON objects keyed by column; empty cells are absent). Every problem is an
//! [`ErrorDetail`] at `file` (or `file[i].column` in JSON) that names the line or row.

use std::collections::HashMap;

use domain::datasets::{ColumnKind, DatasetColumn, DatasetFormat};
use domain::error::ErrorDetail;
use serde_json::{Map, Value};

/// The largest dataset file accepted (10 MiB).
pub const MAX_DATASET_BYTES: usize = 10 * 1024 * 1024;
/// The most rows a dataset may hold.
pub const MAX_ROWS: usize = 100_000;
/// The most columns a dataset may hold.
pub const MAX_COLUMNS: usize = 500;
/// Flagged problems reported one by one; the rest are counted.
pub(super) const ROW_WARNINGS: usize = 20;

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

/// A parsed table.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns in file order.
    pub columns: Vec<DatasetColumn>,
    /// Rows as objects keyed by column (empty cells are absent).
    pub rows: Vec<Map<String, Value>>,
}

/// Parses an uploaded file into a table; every problem found is a detail at `file`.
pub fn parse_table(format: DatasetFormat, text: &str) -> Result<Table, Vec<ErrorDetail>> {
    let (names, cells) = match format {
        DatasetFormat::Csv => read_csv(text)?,
        DatasetFormat::Json => read_json(text)?,
    };
    if names.is_empty() {
        return Err(vec![ErrorDetail::new("file", "the file has no columns")]);
    }
    if names.len() > MAX_COLUMNS {
        return Err(vec![ErrorDetail::new(
            "file",
            format!(
                "the file has {} columns; at most {MAX_COLUMNS} are allowed",
                names.len()
            ),
        )]);
    }
    if cells.is_empty() {
        return Err(vec![ErrorDetail::new("file", "the file has no rows")]);
    }
    if cells.len() > MAX_ROWS {
        return Err(vec![ErrorDetail::new(
            "file",
            format!(
                "the file has {} rows; at most {MAX_ROWS} are allowed",
                cells.len()
            ),
        )]);
    }
    // A column is numeric when every value in it is a finite number; otherwise every value
    // is kept as text (so category labels like "1" and "2b" stay labels).
    let numeric: Vec<bool> = (0..names.len())
        .map(|j| {
            let mut values = cells.iter().filter_map(|row| row[j].as_ref()).peekable();
            values.peek().is_some() && values.all(|c| c.number().is_some())
        })
        .collect();
    let columns = names
        .iter()
        .enumerate()
        .map(|(j, name)| DatasetColumn {
            name: name.clone(),
            kind: if numeric[j] {
                ColumnKind::Number
            } else {
                ColumnKind::Text
            },
            empty: cells.iter().filter(|row| row[j].is_none()).count() as u32,
        })
        .collect();
    let rows = cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .enumerate()
                .filter_map(|(j, cell)| {
                    let cell = cell?;
                    let value = match (numeric[j], cell.number()) {
                        (true, Some(n)) => Value::from(n),
                        _ => Value::String(cell.text()),
                    };
                    Some((names[j].clone(), value))
                })
                .collect()
        })
        .collect();
    Ok(Table { columns, rows })
}

/// A cell as read: CSV text, or a JSON number (with its text as written) or string.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Number(f64, String),
}

impl Cell {
    fn number(&self) -> Option<f64> {
        match self {
            Cell::Number(n, _) => Some(*n),
            Cell::Text(t) => t.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        }
    }

    fn text(self) -> String {
        match self {
            Cell::Text(t) => t,
            Cell::Number(_, written) => written,
        }
    }
}

type Cells = (Vec<String>, Vec<Vec<Option<Cell>>>);

fn read_csv(text: &str) -> Result<Cells, Vec<ErrorDetail>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let bad = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        vec![ErrorDetail::new(
            "file",
            format!("not valid CSV at line {line}: {e}"),
        )]
    };
    let names: Vec<String> = reader
        .headers()
        .map_err(bad)?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    check_names(&names)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(bad)?;
        if rows.len() == MAX_ROWS {
            return Err(vec![ErrorDetail::new(
                "file",
                format!("the file has more than {MAX_ROWS} rows"),
            )]);
        }
        rows.push(
            record
                .iter()
                .map(|c| {
                    let c = c.trim();
                    (!c.is_empty()).then(|| Cell::Text(c.to_owned()))
                })
                .collect(),
        );
    }
    Ok((names, rows))
}

/// A JSON row: an object with its keys in file order (columns are shown as written), or
/// anything else (which is not a row).
enum Ordered {
    Object(Vec<(String, Value)>),
    Other,
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    entries.push(entry);
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Ordered, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Ordered::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Other)
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

fn read_json(text: &str) -> Result<Cells, Vec<ErrorDetail>> {
    // One pass: well-formed JSON of the wrong shape is a data error, anything else a syntax
    // (or end-of-input) error.
    let items: Vec<Ordered> = serde_json::from_str(text).map_err(|e| {
        let message = if e.classify() == serde_json::error::Category::Data {
            "a JSON dataset is an array of objects, one per row".to_owned()
        } else {
            format!("not valid JSON: {e}")
        };
        vec![ErrorDetail::new("file", message)]
    })?;
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    let mut objects = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Ordered::Object(object) = item else {
            problems.push(ErrorDetail::new(
                format!("file[{i}]"),
                "each row must be an object",
            ));
            continue;
        };
        for (key, _) in &object {
            if !index.contains_key(key) {
                index.insert(key.clone(), names.len());
                names.push(key.clone());
            }
        }
        objects.push((i, object));
    }
    check_names(&names)?;
    let mut rows = Vec::with_capacity(objects.len());
    for (i, object) in objects {
        let mut row: Vec<Option<Cell>> = vec![None; names.len()];
        for (key, value) in object {
            let cell = match value {
                Value::Null => None,
                Value::Number(n) => n.as_f64().map(|f| Cell::Number(f, n.to_string())),
                Value::String(s) if s.trim().is_empty() => None,
                Value::String(s) => Some(Cell::Text(s.trim().to_owned())),
                Value::Bool(b) => Some(Cell::Text(b.to_string())),
                Value::Array(_) | Value::Object(_) => {
                    problems.push(ErrorDetail::new(
                        format!("file[{i}].{key}"),
                        "values must be numbers, strings or null",
                    ));
                    None
                }
            };
            row[index[&key]] = cell;
        }
        rows.push(row);
    }
    if problems.is_empty() {
        Ok((names, rows))
    } else {
        problems.truncate(ROW_WARNINGS);
        Err(problems)
    }
}

fn check_names(names: &[String]) -> Result<(), Vec<ErrorDetail>> {
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for (j, name) in names.iter().enumerate() {
        if name.is_empty() {
            problems.push(ErrorDetail::new(
                "file",
                format!("column {} has no name", j + 1),
            ));
        } else if !seen.insert(name.as_str()) {
            problems.push(ErrorDetail::new(
                "file",
                format!("the column name '{name}' appears twice"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
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
            .columns
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
        assert_eq!(t.rows[1]["n"], Value::from(3.0));
        assert!(!t.rows[1].contains_key("yield"));
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
    }

    #[test]
    fn a_json_table_keeps_numbers_and_labels_apart() {
        let t = parse_table(
            DatasetFormat::Json,
            r#"[{"temp": 400, "solvent": "water"}, {"temp": 450, "solvent": 2, "extra": null}]"#,
        )
        .unwrap();
        assert_eq!(t.columns[0].kind, ColumnKind::Number);
        assert_eq!(t.columns[1].kind, ColumnKind::Text);
        assert_eq!(t.rows[1]["solvent"], Value::String("2".into()));
        assert_eq!(t.columns[2].empty, 2);
    }
}
