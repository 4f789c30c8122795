//! Property tests: no input makes MDL panic, errors always say where, expressions round-trip.

use std::collections::HashMap;

use mdl::expr::{self, BinOp, Expr};
use proptest::prelude::*;
use serde_json::{json, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-z0-9_ :<=>+*/().-]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn base() -> Value {
    json!({
        "name": "t", "domain": "water",
        "parameters": [
            {"name": "x", "type": "continuous", "bounds": [0, 1]},
            {"name": "n", "type": "integer", "bounds": [1, 9]},
            {"name": "c", "type": "categorical", "choices": ["a", "b"]}
        ],
        "objectives": [{"name": "f", "direction": "minimize"}],
        "constraints": [{"expression": "x + n <= 5"}],
        "optimizer": {"budget": 50, "seed": 1, "surrogate_config": {"epochs": 10}}
    })
}

/// Every location in `v` as a list of steps.
fn locations(v: &Value, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(prefix.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let mut p = prefix.clone();
                p.push(k.clone());
                locations(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let mut p = prefix.clone();
                p.push(i.to_string());
                locations(child, p, out);
            }
        }
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[String], new: Value) {
    match path.split_first() {
        None => *v = new,
        Some((step, rest)) => {
            let child = match v {
                Value::Object(m) => m.get_mut(step),
                Value::Array(a) => step.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
                _ => None,
            };
            if let Some(child) = child {
                replace(child, rest, new);
            }
        }
    }
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        (0.0f64..100.0).prop_map(Expr::Number),
        prop_oneof![Just("x"), Just("y")].prop_map(|v| Expr::Var(v.to_owned())),
    ];
    leaf.prop_recursive(4, 32, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Neg(Box::new(e))),
            (
                inner.clone(),
                prop_oneof![Just(BinOp::Add), Just(BinOp::Sub), Just(BinOp::Mul)],
                inner
            )
                .prop_map(|(a, op, b)| Expr::Binary(Box::new(a), op, Box::new(b))),
        ]
    })
}

fn print(e: &Expr) -> String {
    match e {
        Expr::Number(v) => format!("{v:?}"),
        Expr::Var(n) => n.clone(),
        Expr::Neg(inner) => format!("-({})", print(inner)),
        Expr::Binary(a, op, b) => {
            let op = match op {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                BinOp::Mul => "*",
                BinOp::Div => "/",
            };
            format!("({} {op} {})", print(a), print(b))
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = mdl::parse_yaml(&text);
        let _ = mdl::parse_json(&text);
        let _ = expr::parse(&text);
    }

    #[test]
    fn any_field_replaced_by_anything_gives_errors_with_paths(pick in any::<prop::sample::Index>(), new in arb_json()) {
        let mut doc = base();
        let mut all = Vec::new();
        locations(&doc, Vec::new(), &mut all);
        let target = all[pick.index(all.len())].clone();
        replace(&mut doc, &target, new);
        if let Err(report) = mdl::from_value(&doc) {
            prop_assert!(report.errors().count() > 0);
            for issue in report.errors() {
                prop_assert!(!issue.message.is_empty());
                prop_assert!(issue.path.is_empty() || !issue.path.starts_with('.'), "{:?}", issue);
            }
        }
    }

    #[test]
    fn printed_expressions_parse_back_to_the_same_value(e in arb_expr(), x in -10.0f64..10.0, y in -10.0f64..10.0) {
        let text = format!("{} <= 0", print(&e));
        let parsed = expr::parse(&text).unwrap();
        let values: HashMap<&str, f64> = [("x", x), ("y", y)].into_iter().collect();
        let (a, b) = (e.eval(&values), parsed.lhs.eval(&values));
        prop_assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{text}: {a} vs {b}");
    }
}
