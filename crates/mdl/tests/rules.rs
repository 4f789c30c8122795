//! One test per validation rule of SPEC §4.1, through the public API.

use mdl::{parse_json, parse_yaml, Direction, Evaluator, Level, Method, ParameterKind};
use serde_json::{json, Value};

const VALID: &str = r#"
name: nmc-cathode_v2
domain: battery
description: Ni-rich NMC cathode
version: "1.0"
parameters:
  - name: ni_fraction
    type: continuous
    bounds: [0.6, 0.95]
    unit: mol
  - name: calcination_temp
    type: integer
    bounds: [700, 950]
  - name: dopant
    type: categorical
    choices: [Al, Mg, Ti]
  - name: coating_nm
    type: continuous
    bounds: [0.1, 50]
    log_scale: true
objectives:
  - name: specific_capacity
    direction: maximize
    unit: mAh/g
  - name: cobalt_cost
    direction: minimize
    weight: 0.5
constraints:
  - expression: ni_fraction * 1000 + calcination_temp <= 1800
    description: sintering limit
optimizer:
  method: cma-es
  budget: 100
  batch_size: 10
  seed: 42
  surrogate_config:
    hidden_layers: [64, 32]
    activation: silu
  active_learning:
    convergence_threshold: 0
"#;

fn doc() -> Value {
    serde_norway::from_str(VALID).unwrap()
}

/// Errors for `doc` after `edit`, as (path, message) pairs.
fn errors(edit: impl FnOnce(&mut Value)) -> Vec<(String, String)> {
    let mut d = doc();
    edit(&mut d);
    match mdl::from_value(&d) {
        Ok(_) => Vec::new(),
        Err(report) => report
            .errors()
            .map(|i| (i.path.clone(), i.message.clone()))
            .collect(),
    }
}

fn assert_error(edit: impl FnOnce(&mut Value), path: &str, needle: &str) {
    let errs = errors(edit);
    assert!(
        errs.iter().any(|(p, m)| p == path && m.contains(needle)),
        "expected an error at {path} containing '{needle}', got {errs:?}"
    );
}

#[test]
fn a_valid_document_parses_with_defaults_filled_in() {
    let (mdl, warnings) = parse_yaml(VALID).unwrap();
    assert_eq!(mdl.name, "nmc-cathode_v2");
    assert_eq!(mdl.parameters.len(), 4);
    assert_eq!(
        mdl.parameters[1].kind,
        ParameterKind::Integer { lo: 700, hi: 950 }
    );
    assert!(matches!(
        mdl.parameters[3].kind,
        ParameterKind::Continuous {
            log_scale: true,
            ..
        }
    ));
    assert_eq!(mdl.objectives[0].direction, Direction::Maximize);
    assert_eq!(mdl.objectives[0].weight, 1.0);
    assert_eq!(mdl.optimizer.method, Method::CmaEs);
    assert_eq!(mdl.optimizer.sigma0, 0.3);
    assert_eq!(mdl.optimizer.surrogate.hidden_layers, [64, 32]);
    assert_eq!(mdl.optimizer.surrogate.epochs, 200);
    assert_eq!(mdl.optimizer.active_learning.convergence_threshold, 0.0);
    assert_eq!(mdl.optimizer.active_learning.initial_samples, 10);
    assert_eq!(mdl.evaluator, Evaluator::Simulator);
    assert_eq!(mdl.constraints[0].tolerance, 1e-6);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn json_documents_are_accepted_too() {
    let text = serde_json::to_string(&doc()).unwrap();
    assert!(parse_json(&text).is_ok());
    let err = parse_json("{\"name\": ").unwrap_err();
    assert!(err.issues[0].message.contains("not valid JSON"));
    let err = parse_yaml("name: [unclosed").unwrap_err();
    assert!(err.issues[0].message.contains("not valid YAML"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let errs = errors(|d| {
        d["name"] = json!("bad name!");
        d["parameters"][0]["bounds"] = json!([1, 0]);
        d["objectives"][1]["direction"] = json!("minimise");
        d["optimizer"]["budget"] = json!(5);
    });
    let paths: Vec<&str> = errs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "name",
            "parameters[0].bounds",
            "objectives[1].direction",
            "optimizer.budget"
        ]
    );
}

#[test]
fn top_level_rules() {
    assert_error(|d| d["name"] = json!(""), "name", "1 to 128");
    assert_error(|d| d["name"] = json!("x".repeat(129)), "name", "1 to 128");
    assert_error(
        |d| {
            d.as_object_mut().unwrap().remove("domain");
        },
        "domain",
        "is required",
    );
    assert_error(
        |d| d["domain"] = json!("batery"),
        "domain",
        "Did you mean 'battery'?",
    );
    assert_error(
        |d| d["description"] = json!("x".repeat(1025)),
        "description",
        "1024",
    );
    assert_error(|d| d["version"] = json!("2.0"), "version", "1.0");
    assert_error(
        |d| d["paramters"] = json!([]),
        "paramters",
        "Did you mean 'parameters'?",
    );
    assert_error(|d| *d = json!([1, 2]), "", "must be a mapping");
}

#[test]
fn parameter_rules() {
    assert_error(|d| d["parameters"] = json!([]), "parameters", "1 to 100");
    assert_error(
        |d| {
            d["parameters"] = json!((0..101)
                .map(|i| json!({"name": format!("p{i}"), "type": "continuous", "bounds": [0, 1]}))
                .collect::<Vec<_>>())
        },
        "parameters",
        "1 to 100",
    );
    assert_error(
        |d| d["parameters"][0]["name"] = json!("1abc"),
        "parameters[0].name",
        "start with a letter",
    );
    assert_error(
        |d| d["parameters"][1]["name"] = json!("ni_fraction"),
        "parameters[1].name",
        "used by another",
    );
    assert_error(
        |d| d["parameters"][0]["type"] = json!("continous"),
        "parameters[0].type",
        "Did you mean 'continuous'?",
    );
    assert_error(
        |d| d["parameters"][0]["bounds"] = json!([0.5, 0.5]),
        "parameters[0].bounds",
        "below the upper",
    );
    assert_error(
        |d| d["parameters"][0]["bounds"] = json!([0, "x"]),
        "parameters[0].bounds",
        "two finite numbers",
    );
    assert_error(
        |d| {
            d["parameters"][0].as_object_mut().unwrap().remove("bounds");
        },
        "parameters[0].bounds",
        "is required",
    );
    assert_error(
        |d| d["parameters"][1]["bounds"] = json!([700.5, 950]),
        "parameters[1].bounds",
        "whole-number",
    );
    assert_error(
        |d| d["parameters"][2]["choices"] = json!(["Al"]),
        "parameters[2].choices",
        "2 to 50",
    );
    assert_error(
        |d| d["parameters"][2]["choices"] = json!(["Al", "Al", "Mg"]),
        "parameters[2].choices[1]",
        "listed twice",
    );
    assert_error(
        |d| d["parameters"][2]["bounds"] = json!([0, 1]),
        "parameters[2].bounds",
        "not bounds",
    );
    assert_error(
        |d| d["parameters"][3]["bounds"] = json!([0, 50]),
        "parameters[3].log_scale",
        "above 0",
    );
    assert_error(
        |d| d["parameters"][1]["log_scale"] = json!(true),
        "parameters[1].log_scale",
        "only continuous",
    );
    assert_error(
        |d| d["parameters"][0]["colour"] = json!("red"),
        "parameters[0].colour",
        "unknown field",
    );
}

#[test]
fn objective_rules() {
    assert_error(|d| d["objectives"] = json!([]), "objectives", "1 to 5");
    assert_error(
        |d| {
            d["objectives"] = json!((0..6)
                .map(|i| json!({"name": format!("o{i}"), "direction": "minimize"}))
                .collect::<Vec<_>>())
        },
        "objectives",
        "1 to 5",
    );
    assert_error(
        |d| d["objectives"][1]["name"] = json!("specific_capacity"),
        "objectives[1].name",
        "used by another",
    );
    assert_error(
        |d| d["objectives"][0]["direction"] = json!("maximise"),
        "objectives[0].direction",
        "Did you mean 'maximize'?",
    );
    assert_error(
        |d| d["objectives"][0]["weight"] = json!(0),
        "objectives[0].weight",
        "above 0",
    );
    assert_error(
        |d| d["objectives"][0]["reference_point"] = json!("high"),
        "objectives[0].reference_point",
        "must be a number",
    );
}

#[test]
fn constraint_rules() {
    assert_error(
        |d| d["constraints"][0]["expression"] = json!("0.6 < ni_fraction < 0.9"),
        "constraints[0].expression",
        "chained comparisons",
    );
    assert_error(
        |d| d["constraints"][0]["expression"] = json!("ni_fracton <= 0.9"),
        "constraints[0].expression",
        "Did you mean 'ni_fraction'?",
    );
    assert_error(
        |d| d["constraints"][0]["expression"] = json!("ni_fraction + calcination_temp >= 5000"),
        "constraints[0].expression",
        "no value within the parameters' bounds",
    );
    assert_error(
        |d| d["constraints"][0]["expression"] = json!("dopant <= 1"),
        "constraints[0].expression",
        "categorical",
    );
    assert_error(
        |d| d["constraints"][0]["tolerance"] = json!(-1),
        "constraints[0].tolerance",
        "0 or more",
    );
    assert_error(
        |d| {
            d["constraints"] = json!((0..21)
                .map(|_| json!({"expression": "ni_fraction <= 0.9"}))
                .collect::<Vec<_>>())
        },
        "constraints",
        "0 to 20",
    );
}

#[test]
fn optimizer_rules() {
    assert_error(
        |d| d["optimizer"]["method"] = json!("cmaes"),
        "optimizer.method",
        "Did you mean 'cma-es'?",
    );
    assert_error(
        |d| d["optimizer"]["budget"] = json!(20000),
        "optimizer.budget",
        "10 to 10000",
    );
    assert_error(
        |d| d["optimizer"]["batch_size"] = json!(0),
        "optimizer.batch_size",
        "1 to 100",
    );
    assert_error(
        |d| d["optimizer"]["sigma0"] = json!(-0.1),
        "optimizer.sigma0",
        "above 0",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["dropout"] = json!(1.0),
        "optimizer.surrogate_config.dropout",
        "below 1",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["activation"] = json!("gelu"),
        "optimizer.surrogate_config.activation",
        "relu",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["hidden_layers"] = json!([64, 0]),
        "optimizer.surrogate_config.hidden_layers[1]",
        "1 to 512",
    );
    // The surrogate's size is bounded: at most 4 layers of at most 512, 10 000 epochs, batches
    // of 1 024; CMA-ES populations of at most 1 000.
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["hidden_layers"] = json!([513]),
        "optimizer.surrogate_config.hidden_layers[0]",
        "1 to 512",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["hidden_layers"] = json!([8, 8, 8, 8, 8]),
        "optimizer.surrogate_config.hidden_layers",
        "1 to 4 layer widths",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["epochs"] = json!(10_001),
        "optimizer.surrogate_config.epochs",
        "1 to 10000",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["batch_size"] = json!(1025),
        "optimizer.surrogate_config.batch_size",
        "1 to 1024",
    );
    assert_error(
        |d| d["optimizer"]["surrogate_config"]["early_stopping_patience"] = json!(10_001),
        "optimizer.surrogate_config.early_stopping_patience",
        "1 to 10000",
    );
    assert_error(
        |d| d["optimizer"]["population_size"] = json!(1001),
        "optimizer.population_size",
        "2 to 1000",
    );
    let mut d = doc();
    d["optimizer"]["surrogate_config"] = json!({
        "hidden_layers": [512, 512, 512, 512], "epochs": 10_000, "batch_size": 1024,
        "early_stopping_patience": 10_000
    });
    d["optimizer"]["population_size"] = json!(1000);
    mdl::from_value(&d).expect("the largest surrogate is accepted");
    assert_error(
        |d| d["optimizer"]["active_learning"]["initial_samples"] = json!(500),
        "optimizer.active_learning.initial_samples",
        "budget",
    );
    assert_error(
        |d| d["optimizer"]["active_learning"]["convergence_threshold"] = json!(-1),
        "optimizer.active_learning.convergence_threshold",
        "0",
    );
}

#[test]
fn evaluator_rules() {
    assert_error(
        |d| d["evaluator"] = json!({"type": "dataset"}),
        "evaluator.dataset_id",
        "is required",
    );
    assert_error(
        |d| d["evaluator"] = json!({"type": "lab"}),
        "evaluator.type",
        "Expected one of",
    );
    let mut d = doc();
    d["evaluator"] = json!({"type": "external"});
    d["domain"] = json!("my-custom-domain");
    let (mdl, _) = mdl::from_value(&d).expect("custom domains are fine without a simulator");
    assert_eq!(mdl.evaluator, Evaluator::External);
}

#[test]
fn warnings_do_not_block_but_are_reported() {
    let mut d = doc();
    d["optimizer"].as_object_mut().unwrap().remove("seed");
    d["optimizer"]["budget"] = json!(20);
    d["parameters"][0]["bounds"] = json!([0.001, 100]);
    let (_, warnings) = mdl::from_value(&d).unwrap();
    let paths: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
    assert!(warnings.iter().all(|w| w.level == Level::Warning));
    assert_eq!(
        paths,
        [
            "optimizer.budget",
            "parameters[0].log_scale",
            "optimizer.seed"
        ]
    );

    let mut d = doc();
    d["parameters"] = json!((0..21)
        .map(|i| json!({"name": format!("p{i}"), "type": "continuous", "bounds": [0, 1]}))
        .collect::<Vec<_>>());
    d["constraints"] = json!([]);
    d["optimizer"]["budget"] = json!(1000);
    let (_, warnings) = mdl::from_value(&d).unwrap();
    assert_eq!(warnings[0].path, "parameters");
}

#[test]
fn hostile_input_never_panics() {
    for text in [
        "",
        "~",
        "[]",
        "123",
        "name: {a: [1, {b: null}]}",
        "parameters: [null, 3, {type: 7}]",
        "\u{0}",
    ] {
        let _ = parse_yaml(text);
        let _ = parse_json(text);
    }
}
