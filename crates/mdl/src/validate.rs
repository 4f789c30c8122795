//! Complete validation of an MDL document: every problem is collected with its path, not only
//! the first; defaults are filled in.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::expr;
use crate::model::*;
use crate::report::{Issue, Level, Report};
use crate::{DOMAINS, MAX_ISSUES};

/// The longest word "did you mean" hints are looked for (the distance costs length × length).
const MAX_HINT_CHARS: usize = 64;

/// The most surrogate hidden layers, and the widest one: bounds on the network's size (and so
/// on its training time and memory), not on what a campaign's memory budget allows.
const MAX_HIDDEN_LAYERS: usize = 4;
const MAX_LAYER_WIDTH: u64 = 512;
const MAX_EPOCHS: i64 = 10_000;
const MAX_SURROGATE_BATCH: i64 = 1_024;
const MAX_POPULATION: i64 = 1_000;

type Obj = Map<String, Value>;

struct Ctx {
    issues: Vec<Issue>,
}

fn at(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// Levenshtein distance, for "did you mean" hints.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The closest candidate, when it is close enough to be a likely typo. Words over
/// [`MAX_HINT_CHARS`] get no hint.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.chars().nth(MAX_HINT_CHARS).is_some() {
        return None;
    }
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| c.chars().nth(MAX_HINT_CHARS).is_none())
        .map(|c| (distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `word` for a message: cut to [`MAX_HINT_CHARS`] characters, so a hostile key or value is
/// not echoed at full length (in every issue that names it).
fn shown(word: &str) -> String {
    match word.char_indices().nth(MAX_HINT_CHARS) {
        Some((cut, _)) => format!("{}…", &word[..cut]),
        None => word.to_owned(),
    }
}

fn hint(word: &str, candidates: &[&str]) -> String {
    match suggest(word, candidates.iter().copied()) {
        Some(s) => format!(" Did you mean '{s}'?"),
        None => format!(" Expected one of: {}.", candidates.join(", ")),
    }
}

fn is_name(s: &str, max: usize, first_alpha: bool) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    s.chars().count() <= max
        && (if first_alpha {
            first.is_ascii_alphabetic()
        } else {
            first.is_ascii_alphanumeric() || first == '_' || first == '-'
        })
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || (!first_alpha && c == '-'))
}

impl Ctx {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue::error(path, message));
    }

    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.issues.push(Issue::warning(path, message));
    }

    fn object<'a>(&mut self, v: &'a Value, path: &str) -> Option<&'a Obj> {
        match v {
            Value::Object(map) => Some(map),
            other => {
                self.err(
                    path,
                    format!("must be a mapping of fields, not {}", kind(other)),
                );
                None
            }
        }
    }

    fn keys(&mut self, map: &Obj, allowed: &[&str], path: &str) {
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                let key_shown = shown(key);
                self.err(
                    at(path, &key_shown),
                    format!("unknown field '{key_shown}'.{}", hint(key, allowed)),
                );
            }
        }
    }

    fn string(&mut self, map: &Obj, key: &str, path: &str, required: bool) -> Option<String> {
        match map.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.err(at(path, key), "is required");
                }
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.err(at(path, key), format!("must be text, not {}", kind(other)));
                None
            }
        }
    }

    /// The `name` field of a parameter or objective: required, a valid identifier, unique
    /// among its `kind`.
    fn unique_name(
        &mut self,
        map: &Obj,
        path: &str,
        seen: &mut HashSet<String>,
        kind: &str,
    ) -> Option<String> {
        let name = self.string(map, "name", path, true)?;
        if !is_name(&name, 64, true) {
            self.err(
                at(path, "name"),
                "must start with a letter and use only letters, digits and '_' (at most 64)",
            );
        } else if !seen.insert(name.clone()) {
            self.err(
                at(path, "name"),
                format!("'{name}' is used by another {kind}"),
            );
        }
        Some(name)
    }

    fn number(&mut self, map: &Obj, key: &str, path: &str) -> Option<f64> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64().filter(|v| v.is_finite()) {
                Some(v) => Some(v),
                None => {
                    self.err(at(path, key), "must be a finite number");
                    None
                }
            },
            Some(other) => {
                self.err(
                    at(path, key),
                    format!("must be a number, not {}", kind(other)),
                );
                None
            }
        }
    }

    fn whole(&mut self, map: &Obj, key: &str, path: &str, range: (i64, i64)) -> Option<i64> {
        let v = self.number(map, key, path)?;
        if v.fract() != 0.0 || v < range.0 as f64 || v > range.1 as f64 {
            self.err(
                at(path, key),
                format!("must be a whole number from {} to {}", range.0, range.1),
            );
            return None;
        }
        Some(v as i64)
    }

    fn boolean(&mut self, map: &Obj, key: &str, path: &str) -> Option<bool> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.err(
                    at(path, key),
                    format!("must be true or false, not {}", kind(other)),
                );
                None
            }
        }
    }

    fn list<'a>(
        &mut self,
        map: &'a Obj,
        key: &str,
        path: &str,
        count: (usize, usize),
    ) -> Vec<&'a Value> {
        match map.get(key) {
            None | Some(Value::Null) => {
                if count.0 > 0 {
                    self.err(
                        at(path, key),
                        format!("is required: give {} to {}", count.0, count.1),
                    );
                }
                Vec::new()
            }
            Some(Value::Array(items)) => {
                if items.len() < count.0 || items.len() > count.1 {
                    self.err(
                        at(path, key),
                        format!(
                            "must have {} to {} entries, not {}",
                            count.0,
                            count.1,
                            items.len()
                        ),
                    );
                }
                items.iter().take(count.1.max(1) * 2).collect()
            }
            Some(other) => {
                self.err(
                    at(path, key),
                    format!("must be a list, not {}", kind(other)),
                );
                Vec::new()
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

const TOP: &[&str] = &[
    "name",
    "domain",
    "description",
    "version",
    "parameters",
    "objectives",
    "constraints",
    "optimizer",
    "evaluator",
    "metadata",
];
const PARAM: &[&str] = &[
    "name",
    "type",
    "bounds",
    "choices",
    "unit",
    "description",
    "log_scale",
];
const TYPES: &[&str] = &["continuous", "integer", "categorical"];
const OBJECTIVE: &[&str] = &[
    "name",
    "direction",
    "unit",
    "description",
    "reference_point",
    "weight",
];
const DIRECTIONS: &[&str] = &["maximize", "minimize"];
const CONSTRAINT: &[&str] = &["expression", "tolerance", "description"];
const OPTIMIZER: &[&str] = &[
    "method",
    "budget",
    "batch_size",
    "seed",
    "sigma0",
    "population_size",
    "surrogate_config",
    "active_learning",
];
const METHODS: &[&str] = &["cma-es", "random", "sobol"];
const SURROGATE: &[&str] = &[
    "hidden_layers",
    "learning_rate",
    "epochs",
    "dropout",
    "activation",
    "batch_size",
    "early_stopping_patience",
];
const ACTIVATIONS: &[&str] = &["relu", "tanh", "silu"];
const ACTIVE: &[&str] = &[
    "convergence_patience",
    "convergence_threshold",
    "initial_samples",
    "exploration_weight",
];
const EVALUATOR: &[&str] = &["type", "dataset_id"];
const EVALUATORS: &[&str] = &["simulator", "dataset", "external"];

/// Validates a whole document.
pub(crate) fn validate(value: &Value) -> Result<(Mdl, Vec<Issue>), Report> {
    let mut cx = Ctx { issues: Vec::new() };
    let empty = Map::new();
    let root = cx.object(value, "").unwrap_or(&empty);
    cx.keys(root, TOP, "");

    let name = cx.string(root, "name", "", true);
    if let Some(n) = &name {
        if !is_name(n, 128, false) {
            cx.err("name", "must be 1 to 128 letters, digits, '_' or '-'");
        }
    }
    let domain = cx.string(root, "domain", "", true);
    let description = cx.string(root, "description", "", false);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 1024)
    {
        cx.err("description", "must be at most 1024 characters");
    }
    let version = match root.get("version") {
        None | Some(Value::Null) => "1.0".to_owned(),
        Some(Value::String(s)) if s == "1.0" => s.clone(),
        Some(Value::Number(n)) if n.as_f64() == Some(1.0) => "1.0".to_owned(),
        Some(_) => {
            cx.err("version", "must be \"1.0\"");
            "1.0".to_owned()
        }
    };

    let (parameters, declared) = parameters(&mut cx, root);
    let objectives = objectives(&mut cx, root);
    let optimizer = optimizer(&mut cx, root, parameters.len());
    let evaluator = evaluator(&mut cx, root);
    let constraints = constraints(&mut cx, root, &parameters, &declared);

    if let Some(d) = &domain {
        if !DOMAINS.contains(&d.as_str()) && evaluator == Evaluator::Simulator {
            cx.err(
                "domain",
                format!(
                    "'{}' has no built-in simulator.{} Or use an evaluator of type 'dataset' or 'external'.",
                    shown(d),
                    hint(d, &DOMAINS)
                ),
            );
        }
    }
    let metadata = root.get("metadata").cloned().unwrap_or(Value::Null);
    if !matches!(metadata, Value::Null | Value::Object(_)) {
        cx.err("metadata", "must be a mapping");
    }

    // Warnings (SPEC §4.1).
    let continuous = parameters
        .iter()
        .filter(|p| matches!(p.kind, ParameterKind::Continuous { .. }))
        .count();
    if continuous > 20 {
        cx.warn("parameters", format!("{continuous} continuous parameters: surrogate models need many evaluations beyond 20"));
    }
    if !parameters.is_empty() && (optimizer.budget as usize) < 10 * parameters.len() {
        cx.warn(
            "optimizer.budget",
            format!(
                "a budget of {} is small for {} parameters; at least {} is advised",
                optimizer.budget,
                parameters.len(),
                10 * parameters.len()
            ),
        );
    }
    for (i, p) in parameters.iter().enumerate() {
        if let ParameterKind::Continuous {
            lo,
            hi,
            log_scale: false,
        } = p.kind
        {
            if lo > 0.0 && hi / lo > 1e4 {
                cx.warn(
                    format!("parameters[{i}].log_scale"),
                    "the range spans more than 4 decades; consider log_scale: true",
                );
            }
        }
    }
    if optimizer.seed.is_none() {
        cx.warn("optimizer.seed", "no seed: runs will not be reproducible");
    }

    if cx.issues.len() > MAX_ISSUES {
        let left_out = cx.issues.len() - MAX_ISSUES;
        let errors = cx.issues.iter().any(|i| i.level == Level::Error);
        cx.issues.truncate(MAX_ISSUES);
        let more = format!("and {left_out} more issue(s) not listed");
        cx.issues.push(if errors {
            Issue::error("", more)
        } else {
            Issue::warning("", more)
        });
    }
    if cx.issues.iter().any(|i| i.level == Level::Error) {
        return Err(Report { issues: cx.issues });
    }
    let mdl = Mdl {
        name: name.unwrap_or_default(),
        domain: domain.unwrap_or_default(),
        description,
        version,
        parameters,
        objectives,
        constraints,
        optimizer,
        evaluator,
        metadata,
    };
    Ok((mdl, cx.issues))
}

/// The valid parameters, and every declared name (valid or not, so later checks do not report
/// a broken parameter a second time as "unknown").
fn parameters(cx: &mut Ctx, root: &Obj) -> (Vec<Parameter>, HashSet<String>) {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in cx
        .list(root, "parameters", "", (1, 100))
        .into_iter()
        .enumerate()
    {
        let path = format!("parameters[{i}]");
        let Some(map) = cx.object(item, &path) else {
            continue;
        };
        cx.keys(map, PARAM, &path);
        let name = cx.unique_name(map, &path, &mut seen, "parameter");
        let ty = cx.string(map, "type", &path, true);
        let unit = cx.string(map, "unit", &path, false);
        let description = cx.string(map, "description", &path, false);
        let log_scale = cx.boolean(map, "log_scale", &path);
        let kind = match ty.as_deref() {
            Some("continuous") | Some("integer") => {
                if map.contains_key("choices") {
                    cx.err(
                        at(&path, "choices"),
                        "only categorical parameters have choices",
                    );
                }
                let bounds = bounds(cx, map, &path);
                match (ty.as_deref(), bounds) {
                    (Some("integer"), Some((lo, hi))) => {
                        if log_scale.is_some() {
                            cx.err(
                                at(&path, "log_scale"),
                                "only continuous parameters can use log_scale",
                            );
                        }
                        if lo.fract() != 0.0 || hi.fract() != 0.0 {
                            cx.err(
                                at(&path, "bounds"),
                                "integer parameters need whole-number bounds",
                            );
                            None
                        } else {
                            Some(ParameterKind::Integer {
                                lo: lo as i64,
                                hi: hi as i64,
                            })
                        }
                    }
                    (_, Some((lo, hi))) => {
                        let log = log_scale.unwrap_or(false);
                        if log && lo <= 0.0 {
                            cx.err(
                                at(&path, "log_scale"),
                                "log_scale needs a lower bound above 0",
                            );
                        }
                        Some(ParameterKind::Continuous {
                            lo,
                            hi,
                            log_scale: log,
                        })
                    }
                    _ => None,
                }
            }
            Some("categorical") => {
                if map.contains_key("bounds") {
                    cx.err(
                        at(&path, "bounds"),
                        "categorical parameters take choices, not bounds",
                    );
                }
                if log_scale.is_some() {
                    cx.err(
                        at(&path, "log_scale"),
                        "only continuous parameters can use log_scale",
                    );
                }
                choices(cx, map, &path).map(|choices| ParameterKind::Categorical { choices })
            }
            Some(other) => {
                cx.err(
                    at(&path, "type"),
                    format!("unknown type '{}'.{}", shown(other), hint(other, TYPES)),
                );
                None
            }
            None => None,
        };
        if let (Some(name), Some(kind)) = (name, kind) {
            out.push(Parameter {
                name,
                kind,
                unit,
                description,
            });
        }
    }
    (out, seen)
}

fn bounds(cx: &mut Ctx, map: &Obj, path: &str) -> Option<(f64, f64)> {
    let p = at(path, "bounds");
    match map.get("bounds") {
        None | Some(Value::Null) => {
            cx.err(p, "is required: [lower, upper]");
            None
        }
        Some(Value::Array(v)) if v.len() == 2 => {
            let lo = v[0].as_f64().filter(|x| x.is_finite());
            let hi = v[1].as_f64().filter(|x| x.is_finite());
            match (lo, hi) {
                (Some(lo), Some(hi)) if lo < hi => Some((lo, hi)),
                (Some(_), Some(_)) => {
                    cx.err(p, "the lower bound must be below the upper bound");
                    None
                }
                _ => {
                    cx.err(p, "bounds must be two finite numbers");
                    None
                }
            }
        }
        Some(_) => {
            cx.err(p, "must be a list of two numbers: [lower, upper]");
            None
        }
    }
}

fn choices(cx: &mut Ctx, map: &Obj, path: &str) -> Option<Vec<String>> {
    let p = at(path, "choices");
    let Some(Value::Array(items)) = map.get("choices") else {
        cx.err(
            p,
            "is required for categorical parameters: a list of 2 to 50 labels",
        );
        return None;
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut ok = true;
    // Past the limit only the count is reported; the first entries are still checked.
    for (j, item) in items.iter().enumerate().take(100) {
        match item {
            Value::String(s) if seen.insert(s.as_str()) => out.push(s.clone()),
            Value::String(s) => {
                cx.err(
                    format!("{p}[{j}]"),
                    format!("'{}' is listed twice", shown(s)),
                );
                ok = false;
            }
            _ => {
                cx.err(format!("{p}[{j}]"), "choices must be text");
                ok = false;
            }
        }
    }
    if !(2..=50).contains(&items.len()) {
        cx.err(p, format!("must have 2 to 50 choices, not {}", items.len()));
        ok = false;
    }
    ok.then_some(out)
}

fn objectives(cx: &mut Ctx, root: &Obj) -> Vec<Objective> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in cx
        .list(root, "objectives", "", (1, 5))
        .into_iter()
        .enumerate()
    {
        let path = format!("objectives[{i}]");
        let Some(map) = cx.object(item, &path) else {
            continue;
        };
        cx.keys(map, OBJECTIVE, &path);
        let name = cx.unique_name(map, &path, &mut seen, "objective");
        let direction = match cx.string(map, "direction", &path, true).as_deref() {
            Some("maximize") => Some(Direction::Maximize),
            Some("minimize") => Some(Direction::Minimize),
            Some(other) => {
                cx.err(
                    at(&path, "direction"),
                    format!(
                        "unknown direction '{}'.{}",
                        shown(other),
                        hint(other, DIRECTIONS)
                    ),
                );
                None
            }
            None => None,
        };
        let weight = cx.number(map, "weight", &path).unwrap_or(1.0);
        if weight <= 0.0 {
            cx.err(at(&path, "weight"), "must be above 0");
        }
        let reference_point = cx.number(map, "reference_point", &path);
        let unit = cx.string(map, "unit", &path, false);
        let description = cx.string(map, "description", &path, false);
        if let (Some(name), Some(direction)) = (name, direction) {
            out.push(Objective {
                name,
                direction,
                unit,
                description,
                reference_point,
                weight,
            });
        }
    }
    out
}

fn constraints(
    cx: &mut Ctx,
    root: &Obj,
    parameters: &[Parameter],
    declared: &HashSet<String>,
) -> Vec<Constraint> {
    let names: Vec<&str> = parameters.iter().map(|p| p.name.as_str()).collect();
    let bounds: HashMap<&str, (f64, f64)> = parameters
        .iter()
        .filter_map(|p| match p.kind {
            ParameterKind::Continuous { lo, hi, .. } => Some((p.name.as_str(), (lo, hi))),
            ParameterKind::Integer { lo, hi } => Some((p.name.as_str(), (lo as f64, hi as f64))),
            ParameterKind::Categorical { .. } => None,
        })
        .collect();
    let mut out = Vec::new();
    for (i, item) in cx
        .list(root, "constraints", "", (0, 20))
        .into_iter()
        .enumerate()
    {
        let path = format!("constraints[{i}]");
        let Some(map) = cx.object(item, &path) else {
            continue;
        };
        cx.keys(map, CONSTRAINT, &path);
        let Some(expression) = cx.string(map, "expression", &path, true) else {
            continue;
        };
        let tolerance = cx.number(map, "tolerance", &path).unwrap_or(1e-6);
        if tolerance < 0.0 {
            cx.err(at(&path, "tolerance"), "must be 0 or more");
        }
        let description = cx.string(map, "description", &path, false);
        let expr_path = at(&path, "expression");
        let comparison = match expr::parse(&expression) {
            Ok(c) => c,
            Err(e) => {
                cx.err(expr_path, e.to_string());
                continue;
            }
        };
        let mut used = Vec::new();
        comparison.lhs.variables(&mut used);
        comparison.rhs.variables(&mut used);
        let mut known = true;
        for name in used {
            if declared.contains(name) && !names.contains(&name) {
                // The parameter itself is invalid and already reported.
                known = false;
            } else if !names.contains(&name) {
                known = false;
                let hint = suggest(name, names.iter().copied())
                    .map(|s| format!(" Did you mean '{s}'?"))
                    .unwrap_or_default();
                cx.err(
                    expr_path.clone(),
                    format!("unknown parameter '{name}'.{hint}"),
                );
            } else if !bounds.contains_key(name) {
                known = false;
                cx.err(
                    expr_path.clone(),
                    format!("'{name}' is categorical and cannot be used in arithmetic"),
                );
            }
        }
        if known && comparison.provably_infeasible(&bounds, tolerance) {
            cx.err(
                expr_path.clone(),
                "no value within the parameters' bounds can satisfy this constraint",
            );
        }
        out.push(Constraint {
            expression,
            comparison,
            tolerance,
            description,
        });
    }
    out
}

fn optimizer(cx: &mut Ctx, root: &Obj, parameter_count: usize) -> OptimizerConfig {
    let empty = Map::new();
    let map = match root.get("optimizer") {
        None | Some(Value::Null) => &empty,
        Some(v) => cx.object(v, "optimizer").unwrap_or(&empty),
    };
    let path = "optimizer";
    cx.keys(map, OPTIMIZER, path);
    let method = match cx.string(map, "method", path, false).as_deref() {
        None | Some("cma-es") => Method::CmaEs,
        Some("random") => Method::Random,
        Some("sobol") => Method::Sobol,
        Some(other) => {
            cx.err(
                at(path, "method"),
                format!("unknown method '{}'.{}", shown(other), hint(other, METHODS)),
            );
            Method::CmaEs
        }
    };
    let budget = cx.whole(map, "budget", path, (10, 10_000)).unwrap_or(200) as u32;
    let batch_size = cx.whole(map, "batch_size", path, (1, 100)).unwrap_or(10) as u32;
    let seed = cx.whole(map, "seed", path, (0, i64::MAX)).map(|s| s as u64);
    let sigma0 = cx.number(map, "sigma0", path).unwrap_or(0.3);
    if sigma0 <= 0.0 {
        cx.err(at(path, "sigma0"), "must be above 0");
    }
    let population_size = cx
        .whole(map, "population_size", path, (2, MAX_POPULATION))
        .map(|p| p as u32);

    let sp = "optimizer.surrogate_config";
    let surrogate_map = match map.get("surrogate_config") {
        None | Some(Value::Null) => &empty,
        Some(v) => cx.object(v, sp).unwrap_or(&empty),
    };
    cx.keys(surrogate_map, SURROGATE, sp);
    let hidden_layers = match surrogate_map.get("hidden_layers") {
        None | Some(Value::Null) => vec![128, 64],
        Some(Value::Array(layers)) if (1..=MAX_HIDDEN_LAYERS).contains(&layers.len()) => layers
            .iter()
            .enumerate()
            .filter_map(
                |(j, w)| match w.as_u64().filter(|w| (1..=MAX_LAYER_WIDTH).contains(w)) {
                    Some(w) => Some(w as u32),
                    None => {
                        cx.err(
                            format!("{sp}.hidden_layers[{j}]"),
                            format!("must be a width from 1 to {MAX_LAYER_WIDTH}"),
                        );
                        None
                    }
                },
            )
            .collect(),
        Some(_) => {
            cx.err(
                at(sp, "hidden_layers"),
                format!("must be a list of 1 to {MAX_HIDDEN_LAYERS} layer widths"),
            );
            vec![128, 64]
        }
    };
    let learning_rate = cx
        .number(surrogate_map, "learning_rate", sp)
        .unwrap_or(0.001);
    if learning_rate <= 0.0 || learning_rate > 1.0 {
        cx.err(at(sp, "learning_rate"), "must be above 0 and at most 1");
    }
    let epochs = cx
        .whole(surrogate_map, "epochs", sp, (1, MAX_EPOCHS))
        .unwrap_or(200) as u32;
    let dropout = cx.number(surrogate_map, "dropout", sp).unwrap_or(0.1);
    if !(0.0..1.0).contains(&dropout) {
        cx.err(at(sp, "dropout"), "must be at least 0 and below 1");
    }
    let activation = match cx.string(surrogate_map, "activation", sp, false).as_deref() {
        None | Some("relu") => Activation::Relu,
        Some("tanh") => Activation::Tanh,
        Some("silu") => Activation::Silu,
        Some(other) => {
            cx.err(
                at(sp, "activation"),
                format!(
                    "unknown activation '{}'.{}",
                    shown(other),
                    hint(other, ACTIVATIONS)
                ),
            );
            Activation::Relu
        }
    };
    let surrogate_batch = cx
        .whole(surrogate_map, "batch_size", sp, (1, MAX_SURROGATE_BATCH))
        .unwrap_or(32) as u32;
    let early_stopping_patience = cx
        .whole(
            surrogate_map,
            "early_stopping_patience",
            sp,
            (1, MAX_EPOCHS),
        )
        .unwrap_or(20) as u32;

    let ap = "optimizer.active_learning";
    let active_map = match map.get("active_learning") {
        None | Some(Value::Null) => &empty,
        Some(v) => cx.object(v, ap).unwrap_or(&empty),
    };
    cx.keys(active_map, ACTIVE, ap);
    let convergence_patience = cx
        .whole(active_map, "convergence_patience", ap, (1, 10_000))
        .unwrap_or(5) as u32;
    let convergence_threshold = cx
        .number(active_map, "convergence_threshold", ap)
        .unwrap_or(0.001);
    if convergence_threshold < 0.0 {
        cx.err(
            at(ap, "convergence_threshold"),
            "must be 0 (never stop early) or more",
        );
    }
    let default_initial = ((2 * parameter_count) as u32).max(batch_size).min(budget);
    let initial_samples = cx
        .whole(active_map, "initial_samples", ap, (1, 10_000))
        .map_or(default_initial, |v| v as u32);
    if initial_samples > budget {
        cx.err(
            at(ap, "initial_samples"),
            format!("must not exceed the budget ({budget})"),
        );
    }
    let exploration_weight = cx
        .number(active_map, "exploration_weight", ap)
        .unwrap_or(0.01);
    if exploration_weight < 0.0 {
        cx.err(at(ap, "exploration_weight"), "must be 0 or more");
    }
    OptimizerConfig {
        method,
        budget,
        batch_size,
        seed,
        sigma0,
        population_size,
        surrogate: SurrogateConfig {
            hidden_layers,
            learning_rate,
            epochs,
            dropout,
            activation,
            batch_size: surrogate_batch,
            early_stopping_patience,
        },
        active_learning: ActiveLearning {
            convergence_patience,
            convergence_threshold,
            initial_samples,
            exploration_weight,
        },
    }
}

fn evaluator(cx: &mut Ctx, root: &Obj) -> Evaluator {
    let path = "evaluator";
    let Some(value) = root.get("evaluator").filter(|v| !v.is_null()) else {
        return Evaluator::Simulator;
    };
    let Some(map) = cx.object(value, path) else {
        return Evaluator::Simulator;
    };
    cx.keys(map, EVALUATOR, path);
    match cx.string(map, "type", path, true).as_deref() {
        Some("simulator") | None => Evaluator::Simulator,
        Some("external") => Evaluator::External,
        Some("dataset") => match cx.string(map, "dataset_id", path, true) {
            Some(id) if id.starts_with("ds_") => Evaluator::Dataset { dataset_id: id },
            Some(_) => {
                cx.err(at(path, "dataset_id"), "must be a dataset id (ds_…)");
                Evaluator::External
            }
            None => Evaluator::External,
        },
        Some(other) => {
            cx.err(
                at(path, "type"),
                format!(
                    "unknown evaluator '{}'.{}",
                    shown(other),
                    hint(other, EVALUATORS)
                ),
            );
            Evaluator::Simulator
        }
    }
}
