//! The built-in MDL templates (SPEC §4.2), shipped with the crate as YAML files under
//! `templates/<domain>/<slug>.yaml`. Each one is validated by a test against MDL's rules and
//! against its domain's simulator (parameters and objectives must exist, bounds must lie
//! within the simulator's physical ranges, directions must agree).

/// A template: its id (`domain/slug`) and its MDL text.
#[derive(Debug, Clone, Copy)]
pub struct Template {
    /// `water/ro-membrane`, …
    pub id: &'static str,
    /// The MDL document (YAML).
    pub yaml: &'static str,
}

macro_rules! templates {
    ($($id:literal),* $(,)?) => {
        /// Every built-in template.
        pub const TEMPLATES: &[Template] = &[
            $(Template { id: $id, yaml: include_str!(concat!("../templates/", $id, ".yaml")) },)*
        ];
    };
}

templates![
    "water/ro-membrane",
    "water/uf-membrane",
    "water/forward-osmosis",
    "battery/nmc-cathode",
    "battery/solid-electrolyte",
    "battery/anode-design",
    "solar/perovskite",
    "solar/tandem-cell",
    "solar/organic-pv",
    "catalyst/haber-bosch",
    "catalyst/water-splitting",
    "catalyst/co2-reduction",
];

/// The template with this id.
pub fn template(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use mdl::ParameterKind;

    use super::*;
    use crate::simulators::simulator;

    #[test]
    fn every_template_is_valid_and_matches_its_simulator() {
        assert_eq!(TEMPLATES.len(), 12);
        for t in TEMPLATES {
            let (doc, warnings) = mdl::parse_yaml(t.yaml)
                .unwrap_or_else(|report| panic!("{}: {:?}", t.id, report.issues));
            assert!(warnings.is_empty(), "{}: {warnings:?}", t.id);
            let (domain, slug) = t.id.split_once('/').unwrap();
            assert_eq!(doc.domain, domain, "{}", t.id);
            assert_eq!(doc.name, slug, "{}", t.id);
            let sim = simulator(domain).unwrap();
            let mut middle = HashMap::new();
            for p in &doc.parameters {
                let spec = sim
                    .parameter(&p.name)
                    .unwrap_or_else(|| panic!("{}: {} is not a {domain} parameter", t.id, p.name));
                let ParameterKind::Continuous { lo, hi, .. } = p.kind else {
                    panic!("{}: {} should be continuous", t.id, p.name)
                };
                assert!(
                    lo >= spec.lo && hi <= spec.hi,
                    "{}: {} outside [{}, {}]",
                    t.id,
                    p.name,
                    spec.lo,
                    spec.hi
                );
                middle.insert(p.name.clone(), 0.5 * (lo + hi));
            }
            for o in &doc.objectives {
                let spec = sim
                    .objective(&o.name)
                    .unwrap_or_else(|| panic!("{}: {} is not a {domain} objective", t.id, o.name));
                assert_eq!(spec.direction, o.direction, "{}: {}", t.id, o.name);
            }
            assert!(sim.evaluate(&middle).is_ok(), "{}", t.id);
        }
    }

    #[test]
    fn templates_are_found_by_id() {
        assert!(template("battery/nmc-cathode").is_some());
        assert!(template("battery/unknown").is_none());
    }
}
