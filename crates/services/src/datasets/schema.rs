//! A table checked against an MDL document: missing or mistyped columns are errors (422
//! `dataset_schema_mismatch`, with "did you mean" hints); rows it cannot use — values out of
//! bounds, unknown categories, empty objectives — are left out and reported as warnings.

use std::collections::HashMap;

use domain::datasets::ColumnKind;
use domain::error::{ErrorDetail, IssueLevel};
use mdl::{Mdl, ParameterKind};
use optimizer::campaign::Outcome;
use optimizer::encoding::{Point, Value as ParamValue};
use serde_json::Value;
use tabular::{Row, Table, ROW_WARNINGS};

/// A dataset's usable rows for a document, and the rows it left out (as warnings).
pub type UsableRows = (Vec<(Point, Outcome)>, Vec<ErrorDetail>);

/// What checking a table against an MDL document found.
#[derive(Debug, Clone, Default)]
pub struct SchemaCheck {
    /// Missing or mistyped columns: the table cannot serve the document.
    pub errors: Vec<ErrorDetail>,
    /// Rows left out, and why.
    pub warnings: Vec<ErrorDetail>,
    /// How many rows are usable: every parameter in the design space and every objective
    /// measured.
    pub usable: usize,
    /// The usable rows themselves, when they were asked for.
    pub rows: Vec<(Point, Outcome)>,
}

/// Whether [`check_schema`] keeps the usable rows (a campaign needs them) or only counts them
/// (an upload only reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepRows {
    /// Keep them in [`SchemaCheck::rows`].
    Yes,
    /// Count them only.
    No,
}

/// Checks `table` against `doc`: which columns are missing or of the wrong kind, and which
/// rows can be used.
pub fn check_schema(doc: &Mdl, table: &Table, keep: KeepRows) -> SchemaCheck {
    let mut check = SchemaCheck::default();
    let columns = table.columns();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let kind: HashMap<&str, ColumnKind> =
        columns.iter().map(|c| (c.name.as_str(), c.kind)).collect();
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
            (
                Some(ColumnKind::Text),
                ParameterKind::Continuous { .. } | ParameterKind::Integer { .. },
            ) => {
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
            Some(ColumnKind::Text) => check.errors.push(ErrorDetail::new(
                path,
                format!("column '{}' holds text, but objectives are numbers", o.name),
            )),
            _ => {}
        }
    }
    if !check.errors.is_empty() {
        return check;
    }
    let at = |name: &str| table.column_index(name).expect("checked above");
    let parameters: Vec<usize> = doc.parameters.iter().map(|p| at(&p.name)).collect();
    let objectives: Vec<usize> = doc.objectives.iter().map(|o| at(&o.name)).collect();
    let mut flagged = 0usize;
    for (r, row) in table.rows().enumerate() {
        match usable_row(doc, &row, (&parameters, &objectives)) {
            Ok(pair) => {
                check.usable += 1;
                if keep == KeepRows::Yes {
                    check.rows.push(pair);
                }
            }
            Err(why) => {
                flagged += 1;
                if flagged <= ROW_WARNINGS {
                    check.warnings.push(
                        ErrorDetail::new(
                            format!("rows[{r}]"),
                            format!("row {} left out: {why}", r + 1),
                        )
                        .with_level(IssueLevel::Warning),
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
            .with_level(IssueLevel::Warning),
        );
    }
    check
}

/// The row as a point and its measured objectives, or why it cannot be used; `columns` are
/// the table's columns of the document's parameters and of its objectives.
fn usable_row(
    doc: &Mdl,
    row: &Row<'_>,
    columns: (&[usize], &[usize]),
) -> Result<(Point, Outcome), String> {
    let mut point = Point::new();
    for (p, &j) in doc.parameters.iter().zip(columns.0) {
        let value = row.value(j);
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
                    Value::String(s) => s,
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
    for (o, &j) in doc.objectives.iter().zip(columns.1) {
        match row.value(j).as_ref().and_then(Value::as_f64) {
            Some(v) => {
                objectives.insert(o.name.clone(), v);
            }
            None => return Err(format!("no value for objective '{}'", o.name)),
        }
    }
    Ok((point, Outcome::Objectives(objectives)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::datasets::DatasetFormat;
    use tabular::parse_table;

    fn doc() -> Mdl {
        mdl::parse_yaml(
            "name: t\ndomain: lab\nevaluator: {type: external}\nparameters:\n  - {name: temp, type: continuous, bounds: [300, 900]}\n  - {name: n, type: integer, bounds: [1, 4]}\n  - {name: solvent, type: categorical, choices: [water, ethanol]}\nobjectives:\n  - {name: yield, direction: maximize}\n  - {name: cost, direction: minimize}\noptimizer: {seed: 1}\n",
        )
        .unwrap()
        .0
    }

    #[test]
    fn the_schema_check_finds_missing_and_mistyped_columns_with_hints() {
        let t = parse_table(
            DatasetFormat::Csv,
            "tmp,n,solvent,yield,cost\n400,2,water,x,3\n",
        )
        .unwrap();
        let check = check_schema(&doc(), &t, KeepRows::Yes);
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
            DatasetFormat::Csv,
            "temp,n,solvent,yield,cost\n400,2,water,0.5,3\n950,2,water,0.5,3\n400,2.5,water,0.5,3\n400,2,acetone,0.5,3\n400,2,water,,3\n",
        )
        .unwrap();
        let check = check_schema(&doc(), &t, KeepRows::Yes);
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
            .all(|w| w.level == Some(IssueLevel::Warning)));
    }
}
