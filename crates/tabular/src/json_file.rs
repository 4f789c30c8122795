//! A JSON array of objects, read as a stream: each key is looked up (or added as a column once
//! the limits allow) as it is read, each value goes straight into the table, and nothing
//! becomes a `serde_json::Value`. The reader goes no deeper than array, object, value; a nested
//! value is a problem and is skipped unbuilt (serde_json skips without recursing), so deep
//! nesting costs neither stack nor memory.

use std::collections::HashMap;
use std::fmt;

use domain::error::ErrorDetail;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::builder::{refusal, Builder, Capacity};
use crate::{Table, ROW_WARNINGS};

pub(crate) fn read(text: &str) -> Result<Table, Vec<ErrorDetail>> {
    // Upper bounds from the bytes: a row is an object, a cell follows a colon.
    let (mut objects, mut colons) = (0usize, 0usize);
    for &b in text.as_bytes() {
        objects += usize::from(b == b'{');
        colons += usize::from(b == b':');
    }
    let mut table = Builder::checked();
    table.reserve(Capacity {
        rows: objects,
        cells: colons,
        text: text.len(),
    });
    let mut state = State {
        table,
        index: HashMap::new(),
        problems: Vec::new(),
        refused: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let read = Rows(&mut state)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    if let Some(refused) = state.refused {
        return Err(vec![refused]);
    }
    if let Err(e) = read {
        // Well-formed JSON of the wrong shape is a data error, anything else a syntax (or
        // end-of-input) error.
        let message = if e.classify() == serde_json::error::Category::Data {
            "a JSON dataset is an array of objects, one per row".to_owned()
        } else {
            format!("not valid JSON: {e}")
        };
        return Err(vec![refusal(message)]);
    }
    if !state.problems.is_empty() {
        return Err(state.problems);
    }
    state.table.finish()
}

struct State {
    table: Builder,
    /// Column of each key seen so far.
    index: HashMap<String, usize>,
    /// Problems with single rows (at most [`ROW_WARNINGS`]); reading goes on to find the rest.
    problems: Vec<ErrorDetail>,
    /// A limit the file broke: reading stops at once.
    refused: Option<ErrorDetail>,
}

impl State {
    fn problem(&mut self, path: String, message: &str) {
        if self.problems.len() < ROW_WARNINGS {
            self.problems.push(ErrorDetail::new(path, message));
        }
    }

    /// Stops reading because of `refusal`.
    fn refuse<E: de::Error>(&mut self, refusal: ErrorDetail) -> E {
        let error = E::custom(&refusal.message);
        self.refused = Some(refusal);
        error
    }

    fn row_path(&self) -> String {
        format!("file[{}]", self.table.rows())
    }
}

/// The whole file: an array of rows.
struct Rows<'s>(&'s mut State);

impl<'de> DeserializeSeed<'de> for Rows<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Rows<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Row(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One element of the array: an object (a row) or anything else (a problem).
struct Row<'s>(&'s mut State);

impl Row<'_> {
    fn start<E: de::Error>(&mut self) -> Result<(), E> {
        self.0.table.start_row().map_err(|r| self.0.refuse(r))
    }

    /// An element that is not an object: counted as a row, reported, skipped.
    fn not_an_object<E: de::Error>(mut self) -> Result<(), E> {
        self.start()?;
        let path = self.0.row_path();
        self.0.problem(path, "each row must be an object");
        self.0.table.end_row();
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Row<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Row<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.start()?;
        while let Some(column) = map.next_key_seed(Key(&mut *self.0))? {
            match column {
                Some(column) => map.next_value_seed(Cell {
                    state: &mut *self.0,
                    column,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let path = self.0.row_path();
        if let Some(column) = self.0.table.end_row() {
            let path = format!("{path}.{}", self.0.table.name(column));
            self.0.problem(path, "this key appears twice in the object");
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.not_an_object()
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_an_object()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_an_object()
    }
}

/// A key: its column (added when new and the limits allow), `None` for an empty key.
struct Key<'s>(&'s mut State);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Option<usize>, E> {
        let state = self.0;
        if let Some(&column) = state.index.get(key) {
            return Ok(Some(column));
        }
        if key.is_empty() {
            let path = state.row_path();
            let message = format!("column {} has no name", state.table.columns() + 1);
            state.problem(path, &message);
            return Ok(None);
        }
        let column = state.table.add_column(key).map_err(|r| state.refuse(r))?;
        state.index.insert(key.to_owned(), column);
        Ok(Some(column))
    }
}

/// A value: a number, string or boolean goes into the table, null is an empty cell, an array
/// or object is a problem (skipped unbuilt).
struct Cell<'s> {
    state: &'s mut State,
    column: usize,
}

impl Cell<'_> {
    fn push_display<E: de::Error>(self, value: impl fmt::Display) -> Result<(), E> {
        let state = self.state;
        state
            .table
            .push_display(self.column, value)
            .map_err(|r| state.refuse(r))
    }

    fn nested(self) {
        let path = format!(
            "{}.{}",
            self.state.row_path(),
            self.state.table.name(self.column)
        );
        self.state
            .problem(path, "values must be numbers, strings or null");
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
        // As serde_json writes it (400.0 stays "400.0" when the column holds text).
        match serde_json::Number::from_f64(v) {
            Some(n) => self.push_display(n),
            None => Ok(()),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(());
        }
        let state = self.state;
        state
            .table
            .push(self.column, v)
            .map_err(|r| state.refuse(r))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.nested();
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.nested();
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
}
