//! Maps an MDL design space to the unit cube and back: continuous parameters linearly (or in
//! log space), integers as a relaxed range rounded on decoding, categorical parameters one-hot
//! (decoded by the largest coordinate). Re-encoding a decoded point gives the exact vector the
//! surrogate trains on.

use std::collections::BTreeMap;

use mdl::{Mdl, ParameterKind};
use serde::Serialize;

/// A parameter's value in a candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Continuous or integer.
    Number(f64),
    /// Categorical.
    Choice(String),
}

/// Parameter values by name.
pub type Point = BTreeMap<String, Value>;

/// The unit-cube encoding of a design space.
#[derive(Debug, Clone)]
pub struct Encoder {
    params: Vec<(String, ParameterKind)>,
    width: usize,
}

impl Encoder {
    /// The encoder of `mdl`'s parameters.
    pub fn new(mdl: &Mdl) -> Self {
        let params: Vec<(String, ParameterKind)> = mdl
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.kind.clone()))
            .collect();
        let width = params
            .iter()
            .map(|(_, k)| match k {
                ParameterKind::Categorical { choices } => choices.len(),
                _ => 1,
            })
            .sum();
        Self { params, width }
    }

    /// Dimension of the unit cube.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The point a unit-cube vector stands for.
    pub fn decode(&self, u: &[f64]) -> Point {
        let mut out = Point::new();
        let mut i = 0;
        for (name, kind) in &self.params {
            let value = match kind {
                ParameterKind::Continuous { lo, hi, log_scale } => {
                    let t = u[i].clamp(0.0, 1.0);
                    i += 1;
                    Value::Number(if *log_scale {
                        (lo.ln() + t * (hi.ln() - lo.ln())).exp().clamp(*lo, *hi)
                    } else {
                        lo + t * (hi - lo)
                    })
                }
                ParameterKind::Integer { lo, hi } => {
                    let t = u[i].clamp(0.0, 1.0);
                    i += 1;
                    let span = (hi - lo) as f64;
                    Value::Number((*lo as f64 + (t * (span + 1.0)).floor().min(span)).round())
                }
                ParameterKind::Categorical { choices } => {
                    let slice = &u[i..i + choices.len()];
                    i += choices.len();
                    let best = slice
                        .iter()
                        .enumerate()
                        .max_by(|a, b| a.1.total_cmp(b.1))
                        .map_or(0, |(k, _)| k);
                    Value::Choice(choices[best].clone())
                }
            };
            out.insert(name.clone(), value);
        }
        out
    }

    /// The canonical unit-cube vector of a point (integers at their bin centres, one-hot
    /// categories). `None` when a value is missing, of the wrong kind or out of range.
    pub fn encode(&self, point: &Point) -> Option<Vec<f64>> {
        let mut out = Vec::with_capacity(self.width);
        for (name, kind) in &self.params {
            match (kind, point.get(name)?) {
                (ParameterKind::Continuous { lo, hi, log_scale }, Value::Number(v)) => {
                    if !(v.is_finite() && *v >= *lo && *v <= *hi) {
                        return None;
                    }
                    out.push(if *log_scale {
                        (v.ln() - lo.ln()) / (hi.ln() - lo.ln())
                    } else {
                        (v - lo) / (hi - lo)
                    });
                }
                (ParameterKind::Integer { lo, hi }, Value::Number(v)) => {
                    if v.fract() != 0.0 || *v < *lo as f64 || *v > *hi as f64 {
                        return None;
                    }
                    out.push((v - *lo as f64 + 0.5) / ((hi - lo) as f64 + 1.0));
                }
                (ParameterKind::Categorical { choices }, Value::Choice(c)) => {
                    let k = choices.iter().position(|x| x == c)?;
                    out.extend((0..choices.len()).map(|j| if j == k { 1.0 } else { 0.0 }));
                }
                _ => return None,
            }
        }
        Some(out)
    }

    /// Numeric values by name (for constraints and simulators); categories are left out.
    pub fn numbers(point: &Point) -> std::collections::HashMap<String, f64> {
        point
            .iter()
            .filter_map(|(k, v)| match v {
                Value::Number(x) => Some((k.clone(), *x)),
                Value::Choice(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mdl() -> Mdl {
        mdl::parse_yaml(
            "name: e\ndomain: water\nparameters:\n  - {name: a, type: continuous, bounds: [1, 3]}\n  - {name: b, type: continuous, bounds: [0.01, 100], log_scale: true}\n  - {name: n, type: integer, bounds: [2, 5]}\n  - {name: c, type: categorical, choices: [x, y, z]}\nobjectives:\n  - {name: f, direction: minimize}\noptimizer: {seed: 1, budget: 50}\n",
        )
        .unwrap()
        .0
    }

    #[test]
    fn decoding_maps_the_cube_onto_the_space_and_encoding_inverts_it() {
        let enc = Encoder::new(&mdl());
        assert_eq!(enc.width(), 1 + 1 + 1 + 3);
        let p = enc.decode(&[0.5, 0.5, 0.99, 0.1, 0.7, 0.2]);
        assert_eq!(p["a"], Value::Number(2.0));
        match p["b"] {
            Value::Number(b) => assert!((b - 1.0).abs() < 1e-9, "log midpoint is 1, got {b}"),
            _ => panic!(),
        }
        assert_eq!(p["n"], Value::Number(5.0));
        assert_eq!(p["c"], Value::Choice("y".into()));
        let u = enc.encode(&p).unwrap();
        assert_eq!(enc.decode(&u), p, "re-encoding is stable");
        assert_eq!(&u[3..], &[0.0, 1.0, 0.0]);
    }

    #[test]
    fn every_integer_is_reachable_equally() {
        let enc = Encoder::new(&mdl());
        let mut counts = std::collections::HashMap::new();
        for k in 0..400 {
            let t = (k as f64 + 0.5) / 400.0;
            if let Value::Number(n) = enc.decode(&[0.0, 0.0, t, 1.0, 0.0, 0.0])["n"] {
                *counts.entry(n as i64).or_insert(0) += 1;
            }
        }
        assert_eq!(counts.len(), 4);
        assert!(counts.values().all(|c| *c == 100), "{counts:?}");
    }

    #[test]
    fn invalid_points_do_not_encode() {
        let enc = Encoder::new(&mdl());
        let mut p = enc.decode(&[0.5; 6]);
        p.insert("c".into(), Value::Choice("w".into()));
        assert!(enc.encode(&p).is_none());
        let mut p = enc.decode(&[0.5; 6]);
        p.insert("a".into(), Value::Number(9.0));
        assert!(enc.encode(&p).is_none());
        let mut p = enc.decode(&[0.5; 6]);
        p.remove("n");
        assert!(enc.encode(&p).is_none());
    }
}
