//! Reading YAML or JSON text into a JSON value within hard limits, so that no document can
//! cost more than its size: at most [`MAX_DOCUMENT_BYTES`], nested at most [`MAX_NESTING`]
//! deep, and no YAML anchors or aliases (an alias repeats a node, and a few kilobytes of them
//! expand to gigabytes).
//!
//! Anchors, aliases and deep nesting are found with an event parser before the document is
//! read. Reading itself checks the nesting again and charges every node and every byte of text
//! it produces against a budget a document without aliases never reaches, so both stay bounded
//! even for input the first parser fails on.

use std::cell::{Cell, RefCell};
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Number, Value};

use crate::report::{Issue, Report};
use crate::{MAX_DOCUMENT_BYTES, MAX_NESTING};

/// Why reading stopped early; the deserializer's error carries only the location.
#[derive(Debug, Clone, PartialEq)]
enum Refusal {
    /// The nodes read outgrew the text: aliases.
    Expanded,
    /// Nested past [`MAX_NESTING`] under this top-level field (empty: the document itself).
    Nested(String),
}

/// What reading may still produce, and the top-level field being read.
struct Budget {
    left: Cell<usize>,
    field: RefCell<String>,
    refusal: RefCell<Option<Refusal>>,
}

impl Budget {
    /// A budget for `text`: four units per byte, more than any document without aliases
    /// needs (a node costs one unit plus its text, and no YAML construct yields more than two
    /// nodes or 1.5 bytes of text per byte of input).
    fn for_text(text: &str) -> Self {
        Self {
            left: Cell::new(4 * text.len() + 1024),
            field: RefCell::new(String::new()),
            refusal: RefCell::new(None),
        }
    }

    fn charge<E: de::Error>(&self, units: usize) -> Result<(), E> {
        match self.left.get().checked_sub(units) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => Err(self.refuse(Refusal::Expanded)),
        }
    }

    fn refuse<E: de::Error>(&self, refusal: Refusal) -> E {
        let message = match &refusal {
            Refusal::Expanded => "the document expands past its size".to_owned(),
            Refusal::Nested(_) => format!("nested more than {MAX_NESTING} levels deep"),
        };
        self.refusal.borrow_mut().get_or_insert(refusal);
        E::custom(message)
    }
}

/// One value at `depth` (the number of lists and mappings around it).
#[derive(Clone, Copy)]
struct Node<'b> {
    budget: &'b Budget,
    depth: usize,
}

impl Node<'_> {
    /// Enters a list or a mapping.
    fn open<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= MAX_NESTING {
            let field = self.budget.field.borrow().clone();
            return Err(self.budget.refuse(Refusal::Nested(field)));
        }
        self.budget.charge(1)?;
        Ok(Self {
            depth: self.depth + 1,
            ..self
        })
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

// The same values as serde_json's own `Value` visitor, charged against the budget.
impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.budget.charge(1)?;
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.budget.charge(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.budget.charge(1)?;
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        self.budget.charge(1)?;
        Number::deserialize(de::value::I128Deserializer::new(v)).map(Value::Number)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        self.budget.charge(1)?;
        Number::deserialize(de::value::U128Deserializer::new(v)).map(Value::Number)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        self.budget.charge(1)?;
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.budget.charge(1 + v.len())?;
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        self.budget.charge(1 + v.len())?;
        Ok(Value::String(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.budget.charge(1)?;
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.open()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.open()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key(self.budget))? {
            if self.depth == 0 {
                self.budget.field.replace(key.clone());
            }
            let value = map.next_value_seed(inner)?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// A mapping's key, as text (like serde_json's `Value`).
struct Key<'b>(&'b Budget);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = String;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.0.charge(1 + v.len())?;
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.0.charge(1 + v.len())?;
        Ok(v)
    }
}

fn too_large(text: &str) -> Option<Report> {
    (text.len() > MAX_DOCUMENT_BYTES).then(|| {
        Report::single(Issue::error(
            "",
            format!(
                "the document is {} bytes; at most {MAX_DOCUMENT_BYTES} bytes (256 KiB) are accepted",
                text.len()
            ),
        ))
    })
}

fn aliases_refused(line: Option<usize>) -> Report {
    let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
    Report::single(Issue::error(
        "",
        format!("YAML anchors and aliases are not allowed{at}: write each value out"),
    ))
}

fn nested_refused(field: String, line: Option<usize>) -> Report {
    let at = line.map(|l| format!(" (line {l})")).unwrap_or_default();
    Report::single(Issue::error(
        field,
        format!("nested more than {MAX_NESTING} levels deep{at}"),
    ))
}

/// The issue for a refusal, or `None` when the deserializer failed on its own.
fn refused(budget: &Budget, line: Option<usize>) -> Option<Report> {
    Some(match budget.refusal.borrow().clone()? {
        Refusal::Expanded => aliases_refused(line),
        Refusal::Nested(field) => nested_refused(field, line),
    })
}

/// Refuses a YAML text's first anchor or alias, or nesting past [`MAX_NESTING`], with its
/// line, from a stream of events (cheaper than reading the document, and what the reader could
/// not tell apart). Syntax errors are left to the reader proper, which words them as it always
/// has.
fn prescan(text: &str) -> Result<(), Report> {
    use saphyr_parser::{Event, Parser};
    /// An open list or mapping; for a mapping, whether a key comes next.
    struct Open {
        mapping: bool,
        key_next: bool,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut field = String::new();
    for event in Parser::new_from_str(text) {
        let (event, span) = match event {
            Ok(event) => event,
            // Its flow depth counter is a byte: past 255 open `[`/`{` it stops before this
            // sees 33. Refusing here saves the reader a slow walk through them.
            Err(e) if e.info() == "recursion limit exceeded" => {
                return Err(nested_refused(field, Some(e.marker().line())));
            }
            Err(_) => return Ok(()),
        };
        let line = span.start.line();
        let (anchor, opens) = match &event {
            Event::Alias(_) => (1, None),
            Event::Scalar(value, _, anchor, _) => {
                if let [Open {
                    mapping: true,
                    key_next: true,
                }] = open.as_slice()
                {
                    field = value.to_string();
                }
                (*anchor, None)
            }
            Event::SequenceStart(anchor, _) => (*anchor, Some(false)),
            Event::MappingStart(anchor, _) => (*anchor, Some(true)),
            Event::SequenceEnd | Event::MappingEnd => {
                open.pop();
                continue;
            }
            _ => continue,
        };
        if anchor > 0 {
            return Err(aliases_refused(Some(line)));
        }
        // This node fills a key or a value of the mapping around it.
        if let Some(parent) = open.last_mut() {
            parent.key_next = parent.mapping && !parent.key_next;
        }
        if let Some(mapping) = opens {
            if open.len() >= MAX_NESTING {
                return Err(nested_refused(field, Some(line)));
            }
            open.push(Open {
                mapping,
                key_next: true,
            });
        }
    }
    Ok(())
}

/// A YAML (or JSON) text as a value, within the limits.
pub(crate) fn yaml(text: &str) -> Result<Value, Report> {
    if let Some(report) = too_large(text) {
        return Err(report);
    }
    prescan(text)?;
    yaml_within_budget(text)
}

/// Reads YAML, charging what it produces (the bound that holds whatever the first parser
/// missed).
fn yaml_within_budget(text: &str) -> Result<Value, Report> {
    let budget = Budget::for_text(text);
    let root = Node {
        budget: &budget,
        depth: 0,
    };
    root.deserialize(serde_norway::Deserializer::from_str(text))
        .map_err(|e| {
            let line = e.location().map(|l| l.line());
            refused(&budget, line)
                .unwrap_or_else(|| Report::single(Issue::error("", format!("not valid YAML: {e}"))))
        })
}

/// A JSON text as a value, within the limits.
pub(crate) fn json(text: &str) -> Result<Value, Report> {
    if let Some(report) = too_large(text) {
        return Err(report);
    }
    let budget = Budget::for_text(text);
    let root = Node {
        budget: &budget,
        depth: 0,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    root.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| {
            refused(&budget, Some(e.line()))
                .unwrap_or_else(|| Report::single(Issue::error("", format!("not valid JSON: {e}"))))
        })
}

/// Counts the bytes written, and stops the writer once past the limit.
struct Counter(usize);

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        if self.0 > MAX_DOCUMENT_BYTES {
            return Err(std::io::Error::other("too large"));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The limits, for a value that did not come from text read here (e.g. an API request's
/// `mdl` field or a stored document): its nesting, walked without recursion, then its size
/// written as compact JSON.
pub(crate) fn check_value(value: &Value) -> Result<(), Report> {
    let mut stack = vec![(value, 0usize, "")];
    while let Some((value, depth, field)) = stack.pop() {
        let children: Box<dyn Iterator<Item = (&Value, &str)>> = match value {
            Value::Array(items) => Box::new(items.iter().map(|v| (v, field))),
            Value::Object(map) if depth == 0 => Box::new(map.iter().map(|(k, v)| (v, k.as_str()))),
            Value::Object(map) => Box::new(map.values().map(|v| (v, field))),
            _ => continue,
        };
        if depth >= MAX_NESTING {
            return Err(Report::single(Issue::error(
                field,
                format!("nested more than {MAX_NESTING} levels deep"),
            )));
        }
        stack.extend(children.map(|(v, f)| (v, depth + 1, f)));
    }
    let mut counter = Counter(0);
    if serde_json::to_writer(&mut counter, value).is_err() {
        return Err(Report::single(Issue::error(
            "",
            format!("the document is over {MAX_DOCUMENT_BYTES} bytes (256 KiB) written as JSON"),
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_the_event_parser_misses_still_cannot_expand_the_document() {
        let list = vec!["1"; 10_000].join(", ");
        let aliases = vec!["*a"; 10_000].join(", ");
        let bomb = format!("a: &a [{list}]\nb: [{aliases}]\n");
        let report = yaml_within_budget(&bomb).unwrap_err();
        assert_eq!(report.issues.len(), 1);
        assert!(
            report.issues[0]
                .message
                .starts_with("YAML anchors and aliases are not allowed (line 1)"),
            "{report:?}"
        );
        // A long text repeated is charged by its length, not once per alias.
        let text = "t".repeat(20_000);
        let bomb = format!("a: &a {text}\nb: [{}]\n", vec!["*a"; 1_000].join(", "));
        assert!(yaml_within_budget(&bomb).is_err());
        // A few small aliases stay within the budget: only the event parser refuses them.
        let small = "a: &a [1, 2]\nb: [*a, *a]\n";
        assert_eq!(
            yaml_within_budget(small).unwrap(),
            serde_json::json!({"a": [1, 2], "b": [[1, 2], [1, 2]]})
        );
        assert!(yaml(small).is_err());
    }

    #[test]
    fn nesting_the_event_parser_misses_is_still_refused() {
        let deep = format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
        let report = yaml_within_budget(&deep).unwrap_err();
        assert_eq!(
            report.issues[0].message,
            format!("nested more than {MAX_NESTING} levels deep (line 1)")
        );
        let within = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(yaml_within_budget(&within).is_ok());
        assert!(yaml(&within).is_ok());
        let over = format!("[{within}]");
        assert_eq!(yaml(&over), yaml_within_budget(&over));
    }
}
