//! Datasets (SPEC §4.3): CSV or JSON tables an account uploads, checked against an MDL
//! document when they warm-start a campaign or serve as a pool-based campaign's candidates.
//!
//! A table is parsed once at upload: columns in file order, each `number` (every non-empty
//! value a finite number) or `text`, and the rows as JSON objects. The check against an MDL
//! reports missing or mistyped columns as errors (422 `dataset_schema_mismatch`) and flags
//! rows it cannot use — values out of bounds, unknown categories, empty objectives — as
//! warnings; those rows are left out.

use std::collections::HashMap;

use domain::auth::Scope;
use domain::datasets::{DatasetColumn, DatasetDetail, DatasetSummary};
use domain::error::ErrorDetail;
use domain::listing::{Direction, ListParams};
use domain::time::rfc3339_from_millis;
use mdl::{Mdl, ParameterKind};
use optimizer::campaign::Outcome;
use optimizer::encoding::{Point, Value as ParamValue};
use serde_json::{Map, Value};
use store::datasets::{DatasetInfo, NewDataset};
use store::now_ms;

use crate::{Caller, ServiceError, Services};

/// The largest dataset file accepted (10 MiB).
pub const MAX_DATASET_BYTES: usize = 10 * 1024 * 1024;
/// The most rows a dataset may hold.
pub const MAX_ROWS: usize = 100_000;
/// The most columns a dataset may hold.
pub const MAX_COLUMNS: usize = 500;
/// Rows shown by `GET /v1/datasets/{id}`.
const PREVIEW_ROWS: usize = 10;
/// Flagged rows reported one by one; the rest are counted.
const ROW_WARNINGS: usize = 20;

/// The file formats a dataset may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl Format {
    /// The format a file name (or a `format` field) names; `None` when it is neither.
    pub fn detect(filename: &str, content_type: Option<&str>) -> Option<Self> {
        let lower = filename.to_ascii_lowercase();
        if lower.ends_with(".csv") || content_type.is_some_and(|c| c.starts_with("text/csv")) {
            Some(Format::Csv)
        } else if lower.ends_with(".json")
            || content_type.is_some_and(|c| c.starts_with("application/json"))
        {
            Some(Format::Json)
        } else {
            None
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
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

/// A dataset's usable rows for a document, and the rows it left out (as warnings).
pub type UsableRows = (Vec<(Point, Outcome)>, Vec<ErrorDetail>);

/// What checking a table against an MDL document found.
#[derive(Debug, Clone, Default)]
pub struct SchemaCheck {
    /// Missing or mistyped columns: the table cannot serve the document.
    pub errors: Vec<ErrorDetail>,
    /// Rows left out, and why.
    pub warnings: Vec<ErrorDetail>,
    /// The usable rows: every parameter in the design space and every objective measured.
    pub rows: Vec<(Point, Outcome)>,
}

/// Parses an uploaded file into a table; every problem found is a detail at `file`.
pub fn parse_table(format: Format, text: &str) -> Result<Table, Vec<ErrorDetail>> {
    let (names, cells) = match format {
        Format::Csv => read_csv(text)?,
        Format::Json => read_json(text)?,
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
            kind: if numeric[j] { "number" } else { "text" }.to_owned(),
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

/// Checks `rows` (with `columns`) against `doc`: which columns are missing or of the wrong
/// kind, and which rows can be used.
pub fn check_schema(doc: &Mdl, columns: &[DatasetColumn], rows: &[Value]) -> SchemaCheck {
    let mut check = SchemaCheck::default();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let kind: HashMap<&str, &str> = columns
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_str()))
        .collect();
    let missing = |what: &str, name: &str| {
        let hint = mdl::did_you_mean(name, names.iter().copied())
            .map(|s| format!(" Did you mean '{s}'?"))
            .unwrap_or_default();
        format!("the dataset has no column for {what} '{name}'.{hint}")
    };
    for (i, p) in doc.parameters.iter().enumerate() {
        let path = format!("parameters[{i}]");
        match (kind.get(p.name.as_str()), &p.kind) {
            (None, _) => check
                .errors
                .push(ErrorDetail::new(path, missing("parameter", &p.name))),
            (Some(&"text"), ParameterKind::Continuous { .. } | ParameterKind::Integer { .. }) => {
                check.errors.push(ErrorDetail::new(
                    path,
                    format!(
                        "column '{}' holds text, but the parameter is numeric",
                        p.name
                    ),
                ));
            }
            _ => {}
        }
    }
    for (i, o) in doc.objectives.iter().enumerate() {
        let path = format!("objectives[{i}]");
        match kind.get(o.name.as_str()) {
            None => check
                .errors
                .push(ErrorDetail::new(path, missing("objective", &o.name))),
            Some(&"text") => check.errors.push(ErrorDetail::new(
                path,
                format!("column '{}' holds text, but objectives are numbers", o.name),
            )),
            _ => {}
        }
    }
    if !check.errors.is_empty() {
        return check;
    }
    let mut flagged = 0usize;
    for (r, row) in rows.iter().enumerate() {
        match usable_row(doc, row) {
            Ok(pair) => check.rows.push(pair),
            Err(why) => {
                flagged += 1;
                if flagged <= ROW_WARNINGS {
                    check.warnings.push(
                        ErrorDetail::new(
                            format!("rows[{r}]"),
                            format!("row {} left out: {why}", r + 1),
                        )
                        .with_level("warning"),
                    );
                }
            }
        }
    }
    if flagged > ROW_WARNINGS {
        check.warnings.push(
            ErrorDetail::new(
                "rows",
                format!(
                    "{} more rows left out for the same kinds of reasons",
                    flagged - ROW_WARNINGS
                ),
            )
            .with_level("warning"),
        );
    }
    check
}

/// The row as a point and its measured objectives, or why it cannot be used.
fn usable_row(doc: &Mdl, row: &Value) -> Result<(Point, Outcome), String> {
    let mut point = Point::new();
    for p in &doc.parameters {
        let value = row.get(&p.name).filter(|v| !v.is_null());
        let value = match (&p.kind, value) {
            (_, None) => return Err(format!("no value for parameter '{}'", p.name)),
            (ParameterKind::Continuous { lo, hi, .. }, Some(v)) => {
                let x = v.as_f64().unwrap_or(f64::NAN);
                if !(x >= *lo && x <= *hi) {
                    return Err(format!("'{}' = {v} is outside [{lo}, {hi}]", p.name));
                }
                ParamValue::Number(x)
            }
            (ParameterKind::Integer { lo, hi }, Some(v)) => {
                let x = v.as_f64().unwrap_or(f64::NAN);
                if x.fract() != 0.0 || !(x >= *lo as f64 && x <= *hi as f64) {
                    return Err(format!(
                        "'{}' = {v} is not an integer in [{lo}, {hi}]",
                        p.name
                    ));
                }
                ParamValue::Number(x)
            }
            (ParameterKind::Categorical { choices }, Some(v)) => {
                let label = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if !choices.contains(&label) {
                    return Err(format!(
                        "'{}' = '{label}' is not one of its choices",
                        p.name
                    ));
                }
                ParamValue::Choice(label)
            }
        };
        point.insert(p.name.clone(), value);
    }
    let mut objectives = HashMap::new();
    for o in &doc.objectives {
        match row.get(&o.name).and_then(Value::as_f64) {
            Some(v) => {
                objectives.insert(o.name.clone(), v);
            }
            None => return Err(format!("no value for objective '{}'", o.name)),
        }
    }
    Ok((point, Outcome::Objectives(objectives)))
}

/// An upload: the file and its form fields.
#[derive(Debug, Clone)]
pub struct DatasetUpload<'a> {
    /// Display name (default: the file name).
    pub name: Option<&'a str>,
    /// Free text.
    pub description: Option<&'a str>,
    /// The uploaded file's name.
    pub filename: &'a str,
    /// Its content type, when the client sent one.
    pub content_type: Option<&'a str>,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// A template to check the table against at upload.
    pub template_id: Option<&'a str>,
}

impl Services {
    /// `POST /v1/datasets`: stores a CSV or JSON table. With `template_id`, the table is
    /// checked against that template's MDL first (422 `dataset_schema_mismatch`).
    pub async fn upload_dataset(
        &self,
        caller: &Caller,
        upload: DatasetUpload<'_>,
    ) -> Result<DatasetDetail, ServiceError> {
        caller.require(Scope::DatasetsWrite)?;
        let mut problems = Vec::new();
        let name = upload
            .name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(upload.filename)
            .to_owned();
        if name.is_empty() || name.chars().count() > 128 {
            problems.push(ErrorDetail::new("name", "must be 1 to 128 characters"));
        }
        let description = upload.description.unwrap_or_default().trim().to_owned();
        if description.chars().count() > 1024 {
            problems.push(ErrorDetail::new(
                "description",
                "must be at most 1024 characters",
            ));
        }
        let format = Format::detect(upload.filename, upload.content_type);
        if format.is_none() {
            problems.push(
                ErrorDetail::new("file", "must be a .csv or .json file")
                    .with_value(upload.filename),
            );
        }
        if upload.bytes.len() > MAX_DATASET_BYTES {
            problems.push(ErrorDetail::new(
                "file",
                format!("must be at most {MAX_DATASET_BYTES} bytes"),
            ));
        }
        let text = std::str::from_utf8(upload.bytes);
        if text.is_err() {
            problems.push(ErrorDetail::new("file", "must be UTF-8 text"));
        }
        let (Some(format), Ok(text), true) = (format, text, problems.is_empty()) else {
            return Err(ServiceError::Invalid(problems));
        };
        let Table { columns, rows } = parse_table(format, text).map_err(ServiceError::Invalid)?;
        let row_count = rows.len() as i64;
        let rows: Vec<Value> = rows.into_iter().map(Value::Object).collect();
        let warnings = match upload.template_id {
            Some(id) => {
                let doc = self.template_document(caller, id).await?;
                let (doc, _) = mdl::from_value(&doc).map_err(|_| {
                    ServiceError::Internal(anyhow::anyhow!("template {id} has an invalid MDL"))
                })?;
                let check = check_schema(&doc, &columns, &rows);
                schema_result(check)?.1
            }
            None => Vec::new(),
        };
        let preview = rows.iter().take(PREVIEW_ROWS).cloned().collect();
        let columns = serde_json::to_value(&columns).map_err(anyhow::Error::from)?;
        let rows = Value::Array(rows);
        let stored = self
            .db
            .datasets()
            .create(
                caller.account(),
                NewDataset {
                    name: &name,
                    description: &description,
                    format: format.as_str(),
                    filename: upload.filename,
                    columns: &columns,
                    rows: &rows,
                    row_count,
                    content: text,
                },
                now_ms(),
            )
            .await?;
        Ok(DatasetDetail {
            summary: dataset_summary(&stored)?,
            preview,
            warnings,
        })
    }

    /// `GET /v1/datasets`: a page of the caller's datasets.
    pub async fn list_datasets(
        &self,
        caller: &Caller,
        params: &ListParams,
    ) -> Result<(Vec<DatasetSummary>, u64), ServiceError> {
        caller.require(Scope::DatasetsRead)?;
        let (rows, total) = self
            .db
            .datasets()
            .list(
                caller.account(),
                params.sort().field(),
                params.sort().direction() == Direction::Descending,
                params.offset(),
                params.per_page(),
            )
            .await?;
        Ok((
            rows.iter().map(dataset_summary).collect::<Result<_, _>>()?,
            total,
        ))
    }

    /// `GET /v1/datasets/{id}`: one of the caller's datasets with its first rows.
    pub async fn dataset(&self, caller: &Caller, id: &str) -> Result<DatasetDetail, ServiceError> {
        caller.require(Scope::DatasetsRead)?;
        let datasets = self.db.datasets();
        let info = datasets.get(caller.account(), id).await?;
        let rows = datasets.rows(caller.account(), id).await?;
        Ok(DatasetDetail {
            summary: dataset_summary(&info)?,
            preview: rows
                .as_array()
                .map(|r| r.iter().take(PREVIEW_ROWS).cloned().collect())
                .unwrap_or_default(),
            warnings: Vec::new(),
        })
    }

    /// `GET /v1/datasets/{id}/download`: the file name, format and the file as uploaded.
    pub async fn dataset_file(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(String, String, String), ServiceError> {
        caller.require(Scope::DatasetsRead)?;
        let datasets = self.db.datasets();
        let info = datasets.get(caller.account(), id).await?;
        let content = datasets.content(caller.account(), id).await?;
        Ok((info.filename, info.format, content))
    }

    /// `DELETE /v1/datasets/{id}`.
    pub async fn delete_dataset(&self, caller: &Caller, id: &str) -> Result<(), ServiceError> {
        caller.require(Scope::DatasetsWrite)?;
        Ok(self.db.datasets().delete(caller.account(), id).await?)
    }

    /// The usable rows of one of `owner`'s datasets for `doc`, with the flagged rows as
    /// warnings; 422 `dataset_schema_mismatch` when the columns do not fit the document.
    /// `path` names the field that referred to the dataset.
    pub(crate) async fn dataset_rows_for(
        &self,
        owner: &store::AccountId,
        id: &str,
        doc: &Mdl,
        path: &str,
    ) -> Result<UsableRows, ServiceError> {
        let datasets = self.db.datasets();
        let info = datasets.get(owner, id).await.map_err(|e| match e {
            store::StoreError::NotFound => ServiceError::invalid(
                ErrorDetail::new(path, "no dataset of this account has this id").with_value(id),
            ),
            other => other.into(),
        })?;
        let columns: Vec<DatasetColumn> = serde_json::from_str(&info.columns)
            .map_err(|e| ServiceError::Internal(anyhow::anyhow!("dataset {id} columns: {e}")))?;
        let rows = datasets.rows(owner, id).await?;
        let check = check_schema(doc, &columns, rows.as_array().map_or(&[], |r| r));
        schema_result(check)
    }
}

/// The usable rows and warnings, or 422 `dataset_schema_mismatch` with every column problem
/// (also when no row is usable).
fn schema_result(check: SchemaCheck) -> Result<UsableRows, ServiceError> {
    let mut errors: Vec<ErrorDetail> = check
        .errors
        .into_iter()
        .map(|e| e.with_level("error"))
        .collect();
    if errors.is_empty() && check.rows.is_empty() {
        errors.push(
            ErrorDetail::new(
                "rows",
                "no row has every parameter in range and every objective",
            )
            .with_level("error"),
        );
    }
    if errors.is_empty() {
        Ok((check.rows, check.warnings))
    } else {
        errors.extend(check.warnings);
        Err(ServiceError::ValidationFailed {
            code: "dataset_schema_mismatch",
            message: "The dataset does not fit the MDL document; see details.".into(),
            details: errors,
        })
    }
}

fn dataset_summary(d: &DatasetInfo) -> Result<DatasetSummary, ServiceError> {
    Ok(DatasetSummary {
        id: d.id.clone(),
        name: d.name.clone(),
        description: d.description.clone(),
        format: d.format.clone(),
        filename: d.filename.clone(),
        rows: u32::try_from(d.row_count).unwrap_or(u32::MAX),
        columns: serde_json::from_str(&d.columns).map_err(|e| {
            ServiceError::Internal(anyhow::anyhow!("dataset {} columns: {e}", d.id))
        })?,
        size_bytes: u64::try_from(d.size_bytes).unwrap_or_default(),
        created_at: rfc3339_from_millis(d.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Mdl {
        mdl::parse_yaml(
            "name: t\ndomain: lab\nevaluator: {type: external}\nparameters:\n  - {name: temp, type: continuous, bounds: [300, 900]}\n  - {name: n, type: integer, bounds: [1, 4]}\n  - {name: solvent, type: categorical, choices: [water, ethanol]}\nobjectives:\n  - {name: yield, direction: maximize}\n  - {name: cost, direction: minimize}\noptimizer: {seed: 1}\n",
        )
        .unwrap()
        .0
    }

    fn rows(t: &Table) -> Vec<Value> {
        t.rows.iter().cloned().map(Value::Object).collect()
    }

    #[test]
    fn csv_columns_get_kinds_and_empty_cells_are_counted() {
        let t = parse_table(
            Format::Csv,
            "\u{feff}temp,n,solvent,yield,cost\n400,2,water,0.5,3\n500, 3 ,ethanol,,4\n",
        )
        .unwrap();
        let kinds: Vec<(&str, &str, u32)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str(), c.empty))
            .collect();
        assert_eq!(
            kinds,
            [
                ("temp", "number", 0),
                ("n", "number", 0),
                ("solvent", "text", 0),
                ("yield", "number", 1),
                ("cost", "number", 0)
            ]
        );
        assert_eq!(t.rows[1]["n"], Value::from(3.0));
        assert!(!t.rows[1].contains_key("yield"));
    }

    #[test]
    fn broken_files_are_rejected_with_a_reason() {
        let ragged = parse_table(Format::Csv, "a,b\n1,2\n3\n").unwrap_err();
        assert!(ragged[0].message.contains("line 3"), "{ragged:?}");
        let dup = parse_table(Format::Csv, "a,a\n1,2\n").unwrap_err();
        assert!(dup[0].message.contains("appears twice"));
        assert!(parse_table(Format::Csv, "a,b\n").unwrap_err()[0]
            .message
            .contains("no rows"));
        assert!(parse_table(Format::Json, "{\"a\": 1}").unwrap_err()[0]
            .message
            .contains("array of objects"));
        let nested = parse_table(Format::Json, "[{\"a\": [1]}]").unwrap_err();
        assert_eq!(nested[0].path, "file[0].a");
        assert!(parse_table(Format::Json, "[1, 2").is_err());
    }

    #[test]
    fn a_json_table_keeps_numbers_and_labels_apart() {
        let t = parse_table(
            Format::Json,
            r#"[{"temp": 400, "solvent": "water"}, {"temp": 450, "solvent": 2, "extra": null}]"#,
        )
        .unwrap();
        assert_eq!(t.columns[0].kind, "number");
        assert_eq!(t.columns[1].kind, "text");
        assert_eq!(t.rows[1]["solvent"], Value::String("2".into()));
        assert_eq!(t.columns[2].empty, 2);
    }

    #[test]
    fn the_schema_check_finds_missing_and_mistyped_columns_with_hints() {
        let t = parse_table(Format::Csv, "tmp,n,solvent,yield,cost\n400,2,water,x,3\n").unwrap();
        let check = check_schema(&doc(), &t.columns, &rows(&t));
        let found: Vec<(&str, &str)> = check
            .errors
            .iter()
            .map(|e| (e.path.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "parameters[0]");
        assert!(found[0].1.contains("Did you mean 'tmp'?"), "{found:?}");
        assert_eq!(found[1].0, "objectives[0]");
        assert!(found[1].1.contains("holds text"));
    }

    #[test]
    fn rows_out_of_bounds_or_without_objectives_are_flagged_and_left_out() {
        let t = parse_table(
            Format::Csv,
            "temp,n,solvent,yield,cost\n400,2,water,0.5,3\n950,2,water,0.5,3\n400,2.5,water,0.5,3\n400,2,acetone,0.5,3\n400,2,water,,3\n",
        )
        .unwrap();
        let check = check_schema(&doc(), &t.columns, &rows(&t));
        assert!(check.errors.is_empty());
        assert_eq!(check.rows.len(), 1);
        let reasons: Vec<&str> = check.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(
            reasons[0].starts_with("row 2 left out: 'temp' = 950.0 is outside"),
            "{reasons:?}"
        );
        assert!(reasons[1].contains("not an integer"));
        assert!(reasons[2].contains("'acetone' is not one of its choices"));
        assert!(reasons[3].contains("no value for objective 'yield'"));
        assert!(check
            .warnings
            .iter()
            .all(|w| w.level.as_deref() == Some("warning")));
    }
}
