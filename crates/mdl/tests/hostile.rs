//! Hostile documents (review findings C2, H6, M7; issue 13): each is refused with an issue that
//! says where and why, or accepted cheaply — quickly, and without deep recursion: every case
//! also runs on a thread with a 256 KiB stack, where unbounded recursion would overflow.

use std::time::{Duration, Instant};

use mdl::{expr, Report, MAX_DOCUMENT_BYTES};
use serde_json::{json, Value};

/// A small valid document.
fn doc() -> Value {
    json!({
        "name": "hostile",
        "domain": "battery",
        "parameters": [
            {"name": "x", "type": "continuous", "bounds": [0, 1]},
            {"name": "p", "type": "continuous", "bounds": [0, 1]}
        ],
        "objectives": [{"name": "capacity", "direction": "maximize"}],
        "optimizer": {"seed": 1}
    })
}

/// `doc()` with one constraint.
fn with_constraint(expression: &str) -> Value {
    let mut d = doc();
    d["constraints"] = json!([{ "expression": expression }]);
    d
}

/// Runs `f` on a thread with a 256 KiB stack (the main test thread has 2 MiB or more) and
/// fails when it takes longer than `limit`.
fn small_stack<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let started = Instant::now();
    let out = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("no panic");
    let took = started.elapsed();
    assert!(took < limit, "took {took:?}, over {limit:?}");
    out
}

/// The errors of a report as (path, message).
fn errors(result: Result<impl Sized, Report>) -> Vec<(String, String)> {
    match result {
        Ok(_) => panic!("expected the document to be refused"),
        Err(report) => report
            .errors()
            .map(|i| (i.path.clone(), i.message.clone()))
            .collect(),
    }
}

fn assert_refused(errs: &[(String, String)], path: &str, needle: &str) {
    assert!(
        errs.iter().any(|(p, m)| p == path && m.contains(needle)),
        "expected an error at '{path}' containing '{needle}', got {errs:?}"
    );
}

const SECONDS: Duration = Duration::from_secs(10);

#[test]
fn a_constraint_nested_100000_deep_is_refused_not_a_crash() {
    let deep = format!("{}p{} <= 1", "(".repeat(100_000), ")".repeat(100_000));
    let errs = small_stack(SECONDS, move || {
        let from_json = errors(mdl::from_value(&with_constraint(&deep)));
        let yaml = format!(
            "{}constraints:\n  - expression: \"{deep}\"\n",
            serde_norway::to_string(&doc()).unwrap()
        );
        (from_json, errors(mdl::parse_yaml(&yaml)))
    });
    assert_refused(
        &errs.0,
        "constraints[0].expression",
        "at most 1000 characters",
    );
    assert_refused(
        &errs.1,
        "constraints[0].expression",
        "at most 1000 characters",
    );

    // Within the length limit, nesting is refused past 64 levels.
    let errs = small_stack(SECONDS, || {
        let deep = format!("{}p{} <= 1", "(".repeat(400), ")".repeat(400));
        errors(mdl::from_value(&with_constraint(&deep)))
    });
    assert_refused(&errs, "constraints[0].expression", "nested too deeply");
}

#[test]
fn a_constraint_of_200000_unary_minuses_is_refused_not_a_crash() {
    let errs = small_stack(SECONDS, || {
        let minuses = format!("{}p <= 1", "-".repeat(200_000));
        errors(mdl::from_value(&with_constraint(&minuses)))
    });
    assert_refused(
        &errs,
        "constraints[0].expression",
        "at most 1000 characters",
    );

    let errs = small_stack(SECONDS, || {
        let minuses = format!("{}p <= 1", "-".repeat(900));
        errors(mdl::from_value(&with_constraint(&minuses)))
    });
    assert_refused(&errs, "constraints[0].expression", "nested too deeply");
    // Signs and parentheses count together.
    let mixed = format!("{}p{} <= 1", "-(".repeat(33), ")".repeat(33));
    assert!(expr::parse(&mixed).unwrap_err().message.contains("nested"));
}

#[test]
fn an_over_long_constraint_is_refused_with_its_path() {
    // `x + x + … <= 1` of exactly 1 000 characters is fine; one more is not.
    let mut sum = "x".to_owned();
    while sum.len() + " <= 1".len() + 4 <= expr::MAX_CHARS {
        sum.push_str(" + x");
    }
    let padding = " ".repeat(expr::MAX_CHARS - sum.len() - " <= 1".len());
    let longest = format!("{sum}{padding} <= 1");
    assert_eq!(longest.chars().count(), expr::MAX_CHARS);
    assert!(mdl::from_value(&with_constraint(&longest)).is_ok());
    let errs = errors(mdl::from_value(&with_constraint(&format!("{longest} "))));
    assert_refused(
        &errs,
        "constraints[0].expression",
        "too long: at most 1000 characters",
    );
}

#[test]
fn the_largest_accepted_expressions_evaluate_on_a_small_stack() {
    // The tallest trees the limits allow: 64 levels of signs and parentheses, and a chain of
    // 1 000 characters of `x*x*…` (about 500 levels, each a node). Parsing, evaluating,
    // bounding, listing names, cloning and dropping all recurse through them.
    let nested = format!("{}x{} <= 1", "-(".repeat(32), ")".repeat(32));
    let mut chain = "x".to_owned();
    while chain.len() + 2 + " <= 1".len() <= expr::MAX_CHARS {
        chain.push_str("*x");
    }
    let chain = format!("{chain} <= 1");
    small_stack(SECONDS, move || {
        for src in [nested, chain] {
            let c = expr::parse(&src).expect("within the limits");
            let values = [("x", 0.5)].into_iter().collect();
            let bounds = [("x", (0.0, 1.0))].into_iter().collect();
            assert!(c.holds(&values, 1e-9));
            assert!(!c.provably_infeasible(&bounds, 1e-9));
            let mut names = Vec::new();
            c.lhs.variables(&mut names);
            assert!(names.iter().all(|n| *n == "x"));
            let copy = c.clone();
            assert_eq!(copy, c);
        }
    });
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly() {
    // 10 000 aliases of a 10 000-item list: 10^8 values (gigabytes) from 90 KB of text.
    let list = vec!["1"; 10_000].join(", ");
    let aliases = vec!["*a"; 10_000].join(", ");
    let bomb = format!("a: &a [{list}]\nb: [{aliases}]\n");
    let errs = small_stack(SECONDS, move || {
        (
            errors(mdl::parse_yaml(&bomb)),
            errors(mdl::yaml_to_value(&bomb)),
        )
    });
    assert_eq!(
        errs.0,
        [(
            String::new(),
            "YAML anchors and aliases are not allowed (line 1): write each value out".to_owned()
        )]
    );
    assert_eq!(errs.0, errs.1);
}

#[test]
fn a_billion_laughs_document_is_refused_quickly() {
    let mut yaml = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n".to_owned();
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        yaml.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    let errs = small_stack(SECONDS, move || errors(mdl::parse_yaml(&yaml)));
    assert_refused(
        &errs,
        "",
        "YAML anchors and aliases are not allowed (line 1)",
    );
}

#[test]
fn even_one_small_alias_is_refused_with_its_line() {
    let yaml = format!(
        "{}metadata:\n  base: {{owner: lab}}\n  copy: *base\n",
        serde_norway::to_string(&doc()).unwrap()
    );
    // An alias to an anchor that does not exist is a YAML error of its own.
    assert!(mdl::parse_yaml(&yaml).is_err());
    let yaml = yaml.replace("base: {", "base: &base {");
    let line = yaml
        .lines()
        .position(|l| l.contains("&base"))
        .expect("the anchor")
        + 1;
    let errs = errors(mdl::parse_yaml(&yaml));
    assert_refused(
        &errs,
        "",
        &format!("YAML anchors and aliases are not allowed (line {line})"),
    );
    // Anchor-like text inside values is just text.
    let yaml = format!(
        "{}description: \"R&D *not* an alias\"\nconstraints:\n  - expression: 2 * x <= 1\n",
        serde_norway::to_string(&doc()).unwrap()
    );
    mdl::parse_yaml(&yaml).expect("'&' and '*' in text are fine");
}

#[test]
fn a_document_nested_100000_deep_is_refused_not_a_crash() {
    let errs = small_stack(SECONDS, || {
        let yaml = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let json = yaml.clone();
        let block = (0..300)
            .map(|i| format!("{}- ", "  ".repeat(i)))
            .collect::<Vec<_>>()
            .join("\n");
        (
            errors(mdl::parse_yaml(&yaml)),
            errors(mdl::parse_json(&json)),
            errors(mdl::parse_yaml(&block)),
        )
    });
    for e in [&errs.0, &errs.1, &errs.2] {
        assert!(
            e.iter().any(|(p, m)| p.is_empty()
                && (m.contains("nested more than 32 levels") || m.contains("not valid"))),
            "{e:?}"
        );
    }
    assert_refused(&errs.1, "", "nested more than 32 levels deep (line 1)");

    // Free-form metadata may nest, up to 32 levels in all.
    let nest = |levels: usize| {
        let mut v = json!("deep");
        for _ in 0..levels {
            v = json!({ "k": v });
        }
        let mut d = doc();
        d["metadata"] = v;
        d
    };
    assert!(mdl::from_value(&nest(31)).is_ok());
    let too_deep = nest(32);
    assert_refused(
        &errors(mdl::from_value(&too_deep)),
        "metadata",
        "nested more than 32 levels deep",
    );
    let text = serde_json::to_string(&too_deep).unwrap();
    assert_refused(
        &errors(mdl::parse_json(&text)),
        "metadata",
        "nested more than 32 levels deep",
    );
    let text = serde_norway::to_string(&too_deep).unwrap();
    assert_refused(
        &errors(mdl::parse_yaml(&text)),
        "metadata",
        "nested more than 32 levels deep",
    );
}

#[test]
fn a_document_over_256_kib_is_refused() {
    let mut d = doc();
    d["metadata"] = json!({ "notes": "n".repeat(MAX_DOCUMENT_BYTES) });
    let json = serde_json::to_string(&d).unwrap();
    let yaml = serde_norway::to_string(&d).unwrap();
    for errs in [
        errors(mdl::parse_json(&json)),
        errors(mdl::parse_yaml(&yaml)),
        errors(mdl::yaml_to_value(&yaml)),
    ] {
        assert_refused(&errs, "", "at most 262144 bytes (256 KiB)");
    }
    assert_refused(
        &errors(mdl::from_value(&d)),
        "",
        "over 262144 bytes (256 KiB) written as JSON",
    );
    d["metadata"] = json!({ "notes": "n".repeat(MAX_DOCUMENT_BYTES - 1024) });
    assert!(mdl::from_value(&d).is_ok());
}

#[test]
fn a_100_objective_document_is_refused_with_a_clear_message() {
    let errs = small_stack(SECONDS, || {
        let mut d = doc();
        d["objectives"] = (0..100)
            .map(|i| json!({"name": format!("o{i}"), "direction": "maximize"}))
            .collect();
        errors(mdl::from_value(&d))
    });
    assert_refused(&errs, "objectives", "must have 1 to 5 entries, not 100");
}

#[test]
fn a_10000_parameter_document_is_refused_quickly() {
    // Written out, 10 000 parameters are over the size limit...
    let errs = small_stack(SECONDS, || {
        let mut d = doc();
        d["parameters"] = (0..10_000)
            .map(|i| json!({"name": format!("p{i}"), "type": "continuous", "bounds": [0, 1]}))
            .collect();
        errors(mdl::from_value(&d))
    });
    assert_refused(&errs, "", "written as JSON");
    // ...and 10 000 empty ones are refused by count, after checking no more than 200 of them.
    let errs = small_stack(SECONDS, || {
        let yaml = format!(
            "name: big\ndomain: battery\nobjectives: [{{name: o, direction: maximize}}]\nparameters: [{}]\n",
            vec!["{}"; 10_000].join(",")
        );
        errors(mdl::parse_yaml(&yaml))
    });
    assert_refused(&errs, "parameters", "must have 1 to 100 entries, not 10000");
    assert_eq!(errs.len(), mdl::MAX_ISSUES + 1);
}

#[test]
fn a_categorical_parameter_with_30000_choices_is_refused_quickly() {
    // Distinct choices, as many as fit in the size limit: checking them for duplicates pairwise
    // would be 450 million comparisons (seconds, even before this limit existed).
    let errs = small_stack(Duration::from_secs(2), || {
        let mut d = doc();
        d["parameters"][1] = json!({
            "name": "p", "type": "categorical",
            "choices": (0..30_000).map(|i| i.to_string()).collect::<Vec<_>>()
        });
        errors(mdl::from_value(&d))
    });
    assert_refused(
        &errs,
        "parameters[1].choices",
        "must have 2 to 50 choices, not 30000",
    );
}

#[test]
fn huge_unknown_names_get_no_hint_and_are_not_echoed_in_full() {
    let errs = small_stack(SECONDS, || {
        let huge = "q".repeat(100_000);
        let mut d = with_constraint(&format!("{} <= 1", "y".repeat(900)));
        d[&huge] = json!(1);
        d["domain"] = json!(huge.clone());
        errors(mdl::from_value(&d))
    });
    let long = errs
        .iter()
        .map(|(p, m)| p.len() + m.len())
        .max()
        .unwrap_or(0);
    assert!(long < 2_000, "an issue of {long} bytes: {errs:?}");
    assert!(errs
        .iter()
        .any(|(p, m)| p.starts_with("qqqq") && m.starts_with("unknown field 'qqqq")));
    assert_refused(
        &errs,
        "constraints[0].expression",
        "unknown parameter 'yyyy",
    );
}

#[test]
fn a_document_with_thousands_of_problems_lists_100_and_a_count() {
    let mut d = doc();
    for i in 0..5_000 {
        d[format!("typo{i}")] = json!(1);
    }
    let report = mdl::from_value(&d).unwrap_err();
    assert_eq!(report.issues.len(), mdl::MAX_ISSUES + 1);
    let last = report.issues.last().unwrap();
    assert_eq!(last.path, "");
    assert!(
        last.message.starts_with("and 4900 more issue(s)"),
        "{}",
        last.message
    );
}

#[test]
fn dense_documents_without_aliases_are_accepted() {
    // The reader's budget must never mistake a document for an alias expansion: flow keys
    // without values, empty entries and escapes that grow (`\L` is 3 bytes) are the densest.
    let keys = (0..20_000)
        .map(|i| format!("k{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let escapes = "\\L".repeat(100_000);
    let entries = "-\n".repeat(100_000);
    for yaml in [
        format!("{{{keys}}}"),
        format!("\"{escapes}\""),
        entries,
        format!("[{}]", vec!["0"; 100_000].join(",")),
    ] {
        assert!(yaml.len() <= MAX_DOCUMENT_BYTES, "{}", yaml.len());
        mdl::yaml_to_value(&yaml).expect("read, not refused");
    }
}
