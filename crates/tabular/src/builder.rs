//! A table as it is read: columns as they are named, rows as they arrive, each limit checked
//! before the thing it limits is stored.

use std::fmt::{Display, Write as _};

use domain::datasets::{ColumnKind, DatasetColumn};
use domain::error::ErrorDetail;

use crate::{Table, MAX_CELLS, MAX_COLUMNS, MAX_COLUMN_NAME_CHARS, MAX_ROWS};

/// Room to reserve up front, from upper bounds the reader took from the file's bytes (so the
/// buffers do not grow by doubling, which would hold the old and new buffer at once).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Capacity {
    pub rows: usize,
    pub cells: usize,
    pub text: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Builder {
    names: Vec<String>,
    text: String,
    cell_columns: Vec<u16>,
    cell_ends: Vec<u32>,
    row_ends: Vec<u32>,
    /// Whether the limits apply (an upload) or not (a table stored after its upload).
    checked: bool,
    /// Where the row being read started: its first cell.
    row_first: usize,
    /// Reused to put a row's cells in column order.
    scratch: Vec<(u16, u32, u32)>,
    scratch_text: String,
}

impl Builder {
    /// A builder for an upload: every limit applies.
    pub fn checked() -> Self {
        Self {
            checked: true,
            ..Self::default()
        }
    }

    /// A builder for a table stored after its upload, with its columns.
    pub fn stored(names: Vec<String>) -> Self {
        Self {
            names,
            ..Self::default()
        }
    }

    /// Reserves room for at most `capacity`, capped by the limits.
    pub fn reserve(&mut self, capacity: Capacity) {
        self.row_ends.reserve_exact(capacity.rows.min(MAX_ROWS));
        let cells = capacity.cells.min(MAX_CELLS);
        self.cell_columns.reserve_exact(cells);
        self.cell_ends.reserve_exact(cells);
        self.text.reserve_exact(capacity.text);
    }

    pub fn columns(&self) -> usize {
        self.names.len()
    }

    pub fn name(&self, column: usize) -> &str {
        &self.names[column]
    }

    pub fn rows(&self) -> usize {
        self.row_ends.len()
    }

    /// Adds a column named `name` once the column count, the name's length and the cell budget
    /// allow it.
    pub fn add_column(&mut self, name: &str) -> Result<usize, ErrorDetail> {
        let column = self.names.len();
        if self.checked {
            if column == MAX_COLUMNS {
                return Err(refusal(format!(
                    "the file has more than {MAX_COLUMNS} columns; at most {MAX_COLUMNS} are allowed"
                )));
            }
            // Counting stops past the limit: a 9 MB name is not walked to the end.
            let chars = name.chars().take(MAX_COLUMN_NAME_CHARS + 1).count();
            if chars > MAX_COLUMN_NAME_CHARS {
                return Err(refusal(format!(
                    "the name of column {} is longer than {MAX_COLUMN_NAME_CHARS} characters \
                     ({} bytes); column names may have at most {MAX_COLUMN_NAME_CHARS}",
                    column + 1,
                    name.len()
                )));
            }
            // A new JSON key widens every row read so far, the current one included.
            self.check_cells(self.row_ends.len() + 1, column + 1)?;
        }
        self.names.push(name.to_owned());
        Ok(column)
    }

    /// Starts a row once the row count and the cell budget allow it.
    pub fn start_row(&mut self) -> Result<(), ErrorDetail> {
        let rows = self.row_ends.len() + 1;
        if self.checked {
            if rows > MAX_ROWS {
                return Err(refusal(format!(
                    "the file has more than {MAX_ROWS} rows; at most {MAX_ROWS} are allowed"
                )));
            }
            self.check_cells(rows, self.names.len())?;
        }
        self.row_first = self.cell_columns.len();
        Ok(())
    }

    fn check_cells(&self, rows: usize, columns: usize) -> Result<(), ErrorDetail> {
        if rows.saturating_mul(columns) > MAX_CELLS {
            return Err(refusal(format!(
                "the file has more than {MAX_CELLS} cells ({columns} columns × {rows} rows so \
                 far); at most {MAX_CELLS} cells (rows × columns) are allowed"
            )));
        }
        Ok(())
    }

    /// Adds a non-empty cell to the current row.
    pub fn push(&mut self, column: usize, text: &str) -> Result<(), ErrorDetail> {
        self.text.push_str(text);
        self.end_cell(column)
    }

    /// Adds a non-empty cell written from `value` (a JSON number as serde_json writes it).
    pub fn push_display(&mut self, column: usize, value: impl Display) -> Result<(), ErrorDetail> {
        write!(self.text, "{value}").expect("writing to a String cannot fail");
        self.end_cell(column)
    }

    fn end_cell(&mut self, column: usize) -> Result<(), ErrorDetail> {
        let (Ok(column), Ok(end)) = (u16::try_from(column), u32::try_from(self.text.len())) else {
            return Err(refusal("the table is too large to hold"));
        };
        self.cell_columns.push(column);
        self.cell_ends.push(end);
        Ok(())
    }

    /// Ends the current row, putting its cells in column order; a column that appears twice in
    /// it is returned (and both cells are kept; the reader refuses the file).
    pub fn end_row(&mut self) -> Option<usize> {
        let first = self.row_first;
        let columns = &self.cell_columns[first..];
        let end = u32::try_from(self.cell_columns.len()).unwrap_or(u32::MAX);
        if columns.windows(2).all(|w| w[0] < w[1]) {
            self.row_ends.push(end);
            return None;
        }
        // JSON keys come in any order: sort the row's cells and rewrite its text to match.
        let text_start = if first == 0 {
            0
        } else {
            self.cell_ends[first - 1]
        };
        self.scratch.clear();
        let mut start = text_start;
        for (c, &column) in columns.iter().enumerate() {
            let stop = self.cell_ends[first + c];
            self.scratch.push((column, start, stop));
            start = stop;
        }
        self.scratch.sort_by_key(|&(column, ..)| column);
        self.scratch_text.clear();
        self.scratch_text
            .push_str(&self.text[text_start as usize..]);
        self.text.truncate(text_start as usize);
        let mut twice = None;
        for (c, &(column, start, stop)) in self.scratch.iter().enumerate() {
            let (s, e) = ((start - text_start) as usize, (stop - text_start) as usize);
            self.text.push_str(&self.scratch_text[s..e]);
            self.cell_columns[first + c] = column;
            self.cell_ends[first + c] = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
            if c > 0 && self.scratch[c - 1].0 == column {
                twice = Some(usize::from(column));
            }
        }
        self.row_ends.push(end);
        twice
    }

    /// The table of an upload, with each column's kind and count of empty cells found from
    /// its cells; refused when it has no column or no row.
    pub fn finish(self) -> Result<Table, Vec<ErrorDetail>> {
        if self.names.is_empty() {
            return Err(vec![refusal("the file has no columns")]);
        }
        if self.row_ends.is_empty() {
            return Err(vec![refusal("the file has no rows")]);
        }
        // A column is numeric when every value in it is a finite number; otherwise every value
        // is kept as text (so category labels like "1" and "2b" stay labels).
        let mut filled = vec![0u32; self.names.len()];
        let mut numeric = vec![true; self.names.len()];
        let mut start = 0;
        for (&column, &end) in self.cell_columns.iter().zip(&self.cell_ends) {
            let j = usize::from(column);
            filled[j] += 1;
            if numeric[j] {
                let text = &self.text[start..end as usize];
                numeric[j] = text.parse::<f64>().is_ok_and(f64::is_finite);
            }
            start = end as usize;
        }
        let rows = self.row_ends.len() as u32;
        let columns = self
            .names
            .iter()
            .enumerate()
            .map(|(j, name)| DatasetColumn {
                name: name.clone(),
                kind: if numeric[j] && filled[j] > 0 {
                    ColumnKind::Number
                } else {
                    ColumnKind::Text
                },
                empty: rows.saturating_sub(filled[j]),
            })
            .collect();
        Ok(self.into_table(columns))
    }

    /// The table with its columns as they were described when it was stored.
    pub fn into_table(self, columns: Vec<DatasetColumn>) -> Table {
        Table {
            columns,
            text: self.text,
            cell_columns: self.cell_columns,
            cell_ends: self.cell_ends,
            row_ends: self.row_ends,
        }
    }
}

/// A problem with the whole file.
pub(crate) fn refusal(message: impl Into<String>) -> ErrorDetail {
    ErrorDetail::new("file", message)
}
