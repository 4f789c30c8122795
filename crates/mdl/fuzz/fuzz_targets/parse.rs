//! Any bytes through every MDL entry point: parsing and validation must return, never panic,
//! overflow the stack or run away; a parsed expression is also evaluated and bounded.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mdl::parse_yaml(text);
        let _ = mdl::parse_json(text);
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
            let _ = mdl::from_value(&value);
        }
        if let Ok(c) = mdl::expr::parse(text) {
            let mut names = Vec::new();
            c.lhs.variables(&mut names);
            c.rhs.variables(&mut names);
            let values: HashMap<&str, f64> = names.iter().map(|n| (*n, 0.5)).collect();
            let bounds: HashMap<&str, (f64, f64)> = names.iter().map(|n| (*n, (-1.0, 2.0))).collect();
            let _ = c.holds(&values, 1e-6);
            let _ = c.provably_infeasible(&bounds, 1e-6);
        }
    }
});
