//! A table's stored form: `{"rows": [...]}`, each row the shorter of an array indexed by
//! column (`[400.0, "water", null, 3.0]`) and an object keyed by column index
//! (`{"3": 3.0}`), so a mostly empty row costs no more than its cells. Tables stored before
//! this form (a bare array of objects keyed by column name) still read.

use std::collections::HashMap;
use std::fmt;

use domain::datasets::{ColumnKind, DatasetColumn};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::builder::Builder;
use crate::{Row, Table};

/// Stored rows that cannot be read back (they were not written by [`Table::to_json`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("stored rows cannot be read: {0}")]
pub struct StoredError(String);

impl Table {
    /// The rows in their stored form (see the module documentation), sized exactly before it
    /// is written.
    pub fn to_json(&self) -> String {
        let mut scratch = RowScratch::default();
        let mut size = "{\"rows\":[]}".len() + self.len().saturating_sub(1);
        for row in self.rows() {
            size += scratch.render(self, row).len();
        }
        let mut out = String::with_capacity(size);
        out.push_str("{\"rows\":[");
        for (r, row) in self.rows().enumerate() {
            if r > 0 {
                out.push(',');
            }
            out.push_str(scratch.render(self, row));
        }
        out.push_str("]}");
        out
    }

    /// Reads back the first `max_rows` rows of a table stored by [`Table::to_json`] (or in the
    /// older form), with the columns stored beside them; the rest is skipped unbuilt.
    pub fn from_json(
        columns: Vec<DatasetColumn>,
        json: &str,
        max_rows: usize,
    ) -> Result<Table, StoredError> {
        let names = columns.iter().map(|c| c.name.clone()).collect();
        let mut state = State {
            table: Builder::stored(names),
            by_name: columns
                .iter()
                .enumerate()
                .map(|(j, c)| (c.name.clone(), j))
                .collect(),
            max_rows,
        };
        let mut de = serde_json::Deserializer::from_str(json);
        Top(&mut state)
            .deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| StoredError(e.to_string()))?;
        Ok(state.table.into_table(columns))
    }
}

/// One row written both ways; the shorter is kept.
#[derive(Default)]
struct RowScratch {
    dense: String,
    sparse: String,
    value: Vec<u8>,
}

impl RowScratch {
    fn render(&mut self, table: &Table, row: Row<'_>) -> &str {
        self.dense.clear();
        self.sparse.clear();
        self.dense.push('[');
        self.sparse.push('{');
        let mut next = 0;
        for (j, text) in row.cells() {
            self.value.clear();
            let written = match table.columns[j].kind {
                ColumnKind::Number => match text.parse::<f64>() {
                    Ok(n) if n.is_finite() => serde_json::to_writer(&mut self.value, &n),
                    _ => serde_json::to_writer(&mut self.value, text),
                },
                ColumnKind::Text => serde_json::to_writer(&mut self.value, text),
            };
            written.expect("writing JSON to a Vec cannot fail");
            let value = std::str::from_utf8(&self.value).expect("serde_json writes UTF-8");
            while next < j {
                if next > 0 {
                    self.dense.push(',');
                }
                self.dense.push_str("null");
                next += 1;
            }
            if j > 0 {
                self.dense.push(',');
            }
            self.dense.push_str(value);
            next = j + 1;
            if self.sparse.len() > 1 {
                self.sparse.push(',');
            }
            self.sparse.push('"');
            self.sparse.push_str(&j.to_string());
            self.sparse.push_str("\":");
            self.sparse.push_str(value);
        }
        self.dense.push(']');
        self.sparse.push('}');
        if self.sparse.len() < self.dense.len() {
            &self.sparse
        } else {
            &self.dense
        }
    }
}

struct State {
    table: Builder,
    by_name: HashMap<String, usize>,
    max_rows: usize,
}

/// `{"rows": [...]}`, or the older bare array of objects keyed by name.
struct Top<'s>(&'s mut State);

impl<'de> DeserializeSeed<'de> for Top<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("stored rows")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "rows" {
                map.next_value_seed(Rows {
                    state: &mut *self.0,
                    by_name: false,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Rows {
            state: self.0,
            by_name: true,
        }
        .visit_seq(seq)
    }
}

/// The array of rows; `by_name` for the older form, whose objects are keyed by column name.
struct Rows<'s> {
    state: &'s mut State,
    by_name: bool,
}

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            if self.state.table.rows() >= self.state.max_rows {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(());
            }
            let row = RowSeed {
                state: &mut *self.state,
                by_name: self.by_name,
            };
            if seq.next_element_seed(row)?.is_none() {
                return Ok(());
            }
        }
    }
}

/// One stored row: an array by position, or an object by column index (or name).
struct RowSeed<'s> {
    state: &'s mut State,
    by_name: bool,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.state;
        start_row(state)?;
        let mut column = 0;
        while seq
            .next_element_seed(Cell {
                state: &mut *state,
                column,
            })?
            .is_some()
        {
            column += 1;
        }
        state.table.end_row();
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        start_row(state)?;
        while let Some(key) = map.next_key::<String>()? {
            let column = if self.by_name {
                state.by_name.get(&key).copied()
            } else {
                key.parse().ok()
            };
            let Some(column) = column.filter(|&j| j < state.table.columns()) else {
                return Err(de::Error::custom(format!("no column '{key}'")));
            };
            map.next_value_seed(Cell {
                state: &mut *state,
                column,
            })?;
        }
        if state.table.end_row().is_some() {
            return Err(de::Error::custom("a column appears twice in a row"));
        }
        Ok(())
    }
}

fn start_row<E: de::Error>(state: &mut State) -> Result<(), E> {
    state.table.start_row().map_err(|e| E::custom(e.message))
}

struct Cell<'s> {
    state: &'s mut State,
    column: usize,
}

impl Cell<'_> {
    fn push<E: de::Error>(self, text: &str) -> Result<(), E> {
        if self.column >= self.state.table.columns() {
            return Err(E::custom("a row has more cells than columns"));
        }
        if text.is_empty() {
            return Ok(());
        }
        self.state
            .table
            .push(self.column, text)
            .map_err(|e| E::custom(e.message))
    }

    fn push_display<E: de::Error>(self, value: impl fmt::Display) -> Result<(), E> {
        if self.column >= self.state.table.columns() {
            return Err(E::custom("a row has more cells than columns"));
        }
        self.state
            .table
            .push_display(self.column, value)
            .map_err(|e| E::custom(e.message))
    }
}

impl<'de> DeserializeSeed<'de> for Cell<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cell<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number, string or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.push_display(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.push_display(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.push_display(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.push_display(n),
            None => Ok(()),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.push(v)
    }
}
