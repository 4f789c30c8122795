//! Built-in domain simulators (SPEC §4.2): smooth, physically-motivated closed-form models over
//! each domain's default parameters.
//!
//! **These are stand-ins for laboratory measurements**, chosen so that campaigns have realistic
//! shapes to optimise — diminishing returns, optima inside the ranges, and genuine trade-offs
//! between objectives — not predictive models of real materials. Each formula names the effect
//! it imitates.

use std::collections::HashMap;

use mdl::Direction;

/// A simulator input: a named range with a unit.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// Parameter name as used in MDL.
    pub name: &'static str,
    /// Lowest physically meaningful value.
    pub lo: f64,
    /// Highest physically meaningful value.
    pub hi: f64,
    /// Unit label.
    pub unit: &'static str,
}

/// A simulator output.
#[derive(Debug, Clone, Copy)]
pub struct ObjectiveSpec {
    /// Objective name as used in MDL.
    pub name: &'static str,
    /// Whether larger or smaller is better.
    pub direction: Direction,
    /// Unit label.
    pub unit: &'static str,
}

/// One domain's simulator.
pub struct Simulator {
    /// The domain, e.g. `battery`.
    pub domain: &'static str,
    /// What it reads (in this order).
    pub parameters: &'static [ParamSpec],
    /// What it returns (in this order).
    pub objectives: &'static [ObjectiveSpec],
    model: fn(&[f64]) -> Vec<f64>,
}

/// Why a point cannot be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    /// The value is NaN, infinite or outside the parameter's physical range.
    #[error("parameter '{name}' = {value} is outside its physical range [{lo}, {hi}]")]
    OutOfRange {
        /// Parameter.
        name: String,
        /// Given value.
        value: f64,
        /// Range.
        lo: f64,
        /// Range.
        hi: f64,
    },
    /// The simulator has no such parameter.
    #[error("the {domain} simulator has no parameter '{name}'")]
    UnknownParameter {
        /// Domain.
        domain: String,
        /// Name given.
        name: String,
    },
}

impl Simulator {
    /// Objective values for `values` (by parameter name). Parameters a design space leaves out
    /// take the middle of their range.
    pub fn evaluate(
        &self,
        values: &HashMap<String, f64>,
    ) -> Result<Vec<(&'static str, f64)>, SimulationError> {
        if let Some(unknown) = values
            .keys()
            .find(|k| !self.parameters.iter().any(|p| p.name == k.as_str()))
        {
            return Err(SimulationError::UnknownParameter {
                domain: self.domain.to_owned(),
                name: unknown.clone(),
            });
        }
        let mut x = Vec::with_capacity(self.parameters.len());
        for p in self.parameters {
            let v = values.get(p.name).copied().unwrap_or(0.5 * (p.lo + p.hi));
            if !(v.is_finite() && v >= p.lo && v <= p.hi) {
                return Err(SimulationError::OutOfRange {
                    name: p.name.to_owned(),
                    value: v,
                    lo: p.lo,
                    hi: p.hi,
                });
            }
            x.push(v);
        }
        let y = (self.model)(&x);
        Ok(self.objectives.iter().map(|o| o.name).zip(y).collect())
    }

    /// The spec of a parameter.
    pub fn parameter(&self, name: &str) -> Option<&ParamSpec> {
        self.parameters.iter().find(|p| p.name == name)
    }

    /// The spec of an objective.
    pub fn objective(&self, name: &str) -> Option<&ObjectiveSpec> {
        self.objectives.iter().find(|o| o.name == name)
    }
}

/// The simulator of a built-in domain.
pub fn simulator(domain: &str) -> Option<&'static Simulator> {
    SIMULATORS.iter().find(|s| s.domain == domain)
}

const fn p(name: &'static str, lo: f64, hi: f64, unit: &'static str) -> ParamSpec {
    ParamSpec { name, lo, hi, unit }
}

const fn max(name: &'static str, unit: &'static str) -> ObjectiveSpec {
    ObjectiveSpec {
        name,
        direction: Direction::Maximize,
        unit,
    }
}

const fn min(name: &'static str, unit: &'static str) -> ObjectiveSpec {
    ObjectiveSpec {
        name,
        direction: Direction::Minimize,
        unit,
    }
}

/// A smooth bump with its peak (1) at `at` and width `w`.
fn bump(x: f64, at: f64, w: f64) -> f64 {
    (-((x - at) / w).powi(2)).exp()
}

/// Logistic switch from 0 to 1 around `at`.
fn switch(x: f64, at: f64, w: f64) -> f64 {
    1.0 / (1.0 + (-(x - at) / w).exp())
}

/// Every built-in simulator, one per domain of [`mdl::DOMAINS`].
pub static SIMULATORS: [Simulator; 8] = [
    Simulator {
        domain: "water",
        parameters: &[
            p("pore_size_nm", 0.2, 50.0, "nm"),
            p("polymer_concentration", 10.0, 30.0, "wt%"),
            p("membrane_thickness_um", 0.05, 200.0, "µm"),
            p("crosslink_density", 0.0, 1.0, "fraction"),
            p("operating_pressure_bar", 1.0, 80.0, "bar"),
            p("draw_concentration_m", 0.1, 4.0, "mol/L"),
        ],
        objectives: &[
            max("water_flux", "L/m²/h"),
            max("salt_rejection", "%"),
            min("energy_consumption", "kWh/m³"),
        ],
        model: |x| {
            let (pore, conc, thick, xl, pressure, draw) = (x[0], x[1], x[2], x[3], x[4], x[5]);
            // Hagen–Poiseuille-like permeance: grows with pore area, falls with thickness and a
            // denser (more concentrated, more crosslinked) polymer; osmotic drive adds flux.
            let permeance = pore.powi(2) / (thick.sqrt() * (1.0 + 0.06 * conc) * (1.0 + xl));
            let flux = 2.0 * permeance * (pressure + 8.0 * draw).ln_1p() * 3.0;
            // Size exclusion: rejection falls as pores outgrow hydrated ions (~0.7 nm).
            let rejection = 100.0 / (1.0 + (pore / (0.7 + 0.8 * xl)).powi(3));
            // Pump work plus draw-solution regeneration.
            let energy = 0.03 * pressure + 0.35 * draw + 2.0 / (1.0 + flux);
            vec![flux, rejection, energy]
        },
    },
    Simulator {
        domain: "battery",
        parameters: &[
            p("ni_fraction", 0.33, 0.95, "mol fraction"),
            p("co_fraction", 0.0, 0.33, "mol fraction"),
            p("calcination_temp_c", 650.0, 1000.0, "°C"),
            p("li_excess", 0.0, 0.1, "mol fraction"),
            p("coating_thickness_nm", 0.0, 20.0, "nm"),
            p("particle_size_um", 1.0, 20.0, "µm"),
        ],
        objectives: &[
            max("specific_capacity", "mAh/g"),
            max("capacity_retention", "%"),
            min("cobalt_cost", "USD/kWh"),
        ],
        model: |x| {
            let (ni, co, temp, li, coat, size) = (x[0], x[1], x[2], x[3], x[4], x[5]);
            // Ni raises capacity; an optimal calcination window depends on Ni content (Ni-rich
            // needs cooler firing); a thick coating and large particles cost capacity.
            let t_opt = 950.0 - 250.0 * (ni - 0.33);
            let capacity = (140.0 + 95.0 * (ni - 0.33) + 20.0 * co)
                * (0.85 + 0.15 * bump(temp, t_opt, 90.0))
                * (1.0 - 0.004 * coat)
                * (1.0 - 0.006 * size)
                + 60.0 * li * bump(li, 0.04, 0.05);
            // Ni-rich layers degrade (cation mixing, microcracks); Co and coatings stabilise.
            let retention = 98.0 - 28.0 * (ni - 0.33).powi(2) / 0.38
                + 25.0 * co
                + 6.0 * (1.0 - (-coat / 5.0).exp())
                - 3.0 * (li - 0.03).abs() / 0.07;
            // Cobalt dominates cathode cost per kWh (≈ 0.6 kg Co per kWh at Co fraction 1/3).
            let cost = 3.0 + 105.0 * co / (capacity / 160.0);
            vec![capacity, retention.min(100.0), cost]
        },
    },
    Simulator {
        domain: "solar",
        parameters: &[
            p("bandgap_ev", 1.1, 2.3, "eV"),
            p("absorber_thickness_nm", 100.0, 1500.0, "nm"),
            p("annealing_temp_c", 70.0, 200.0, "°C"),
            p("additive_fraction", 0.0, 0.2, "mol fraction"),
            p("top_cell_bandgap_ev", 1.5, 2.2, "eV"),
        ],
        objectives: &[
            max("power_conversion_efficiency", "%"),
            max("stability_t80_hours", "h"),
            min("material_cost", "USD/m²"),
        ],
        model: |x| {
            let (eg, thick, anneal, add, top) = (x[0], x[1], x[2], x[3], x[4]);
            // Shockley–Queisser-like peak near 1.34 eV; absorption saturates with thickness while
            // recombination losses grow; a tandem top cell helps when well matched (≈ 1.7 eV).
            let sq = 33.0 * bump(eg, 1.34, 0.75);
            let absorption = 1.0 - (-thick / 350.0).exp();
            let recombination = 1.0 - 0.12 * (thick / 1500.0).powi(2);
            let crystallinity = 0.8 + 0.2 * bump(anneal, 110.0 + 100.0 * add, 35.0);
            let tandem =
                1.0 + 0.25 * bump(top, 1.7 + 0.3 * (eg - 1.1), 0.15) * switch(eg, 1.05, 0.05);
            let pce = sq * absorption * recombination * crystallinity * tandem;
            // Additives passivate grain boundaries; hot annealing and wide gaps (halide
            // segregation) shorten life.
            let stability = 300.0
                * (1.0 + 12.0 * add - 20.0 * add * add)
                * bump(anneal, 100.0, 80.0)
                * (1.0 - 0.35 * switch(eg, 1.8, 0.1));
            let cost = 18.0 + 0.01 * thick + 60.0 * add + 25.0 * switch(top, 1.55, 0.02);
            vec![pce, stability, cost]
        },
    },
    Simulator {
        domain: "catalyst",
        parameters: &[
            p("temperature_c", 250.0, 600.0, "°C"),
            p("pressure_bar", 1.0, 300.0, "bar"),
            p("promoter_loading_wt", 0.0, 5.0, "wt%"),
            p("particle_size_nm", 1.0, 50.0, "nm"),
            p("support_surface_area", 50.0, 600.0, "m²/g"),
        ],
        objectives: &[
            max("activity", "mmol/g/h"),
            max("selectivity", "%"),
            min("energy_cost", "GJ/t"),
        ],
        model: |x| {
            let (t, pr, promoter, size, area) = (x[0], x[1], x[2], x[3], x[4]);
            let kelvin = t + 273.15;
            // Arrhenius rate (Ea ≈ 80 kJ/mol), limited by exothermic equilibrium at high
            // temperature and helped by pressure; dispersion (small particles, large support
            // area) and an optimal promoter loading raise the active surface.
            let rate = (-80_000.0 / (8.314 * kelvin)).exp() * 1e6;
            let equilibrium = 1.0 / (1.0 + ((kelvin - 700.0) / 60.0).exp() / (1.0 + pr / 50.0));
            let dispersion = (1.0 / size.sqrt()) * (area / 300.0).sqrt();
            let activity = rate
                * equilibrium
                * dispersion
                * (1.0 + 0.8 * bump(promoter, 2.0, 1.5))
                * (1.0 + pr / 100.0).ln_1p();
            // Side reactions grow with temperature; promoters suppress them up to a point.
            let selectivity = 99.0 - 45.0 * switch(t, 480.0, 40.0) + 4.0 * promoter
                - 1.2 * promoter * promoter
                - 8.0 * switch(size, 30.0, 5.0);
            // Heating plus compression (≈ log of pressure ratio).
            let energy = 10.0 + 0.02 * t + 4.0 * pr.ln();
            vec![activity, selectivity.clamp(0.0, 100.0), energy]
        },
    },
    Simulator {
        domain: "hydrogen",
        parameters: &[
            p("current_density_a_cm2", 0.2, 4.0, "A/cm²"),
            p("membrane_thickness_um", 25.0, 250.0, "µm"),
            p("catalyst_loading_mg_cm2", 0.1, 3.0, "mg/cm²"),
            p("temperature_c", 40.0, 90.0, "°C"),
        ],
        objectives: &[
            max("efficiency", "% (HHV)"),
            min("stack_cost", "USD/kW"),
            min("degradation_rate", "µV/h"),
        ],
        model: |x| {
            let (j, thick, load, t) = (x[0], x[1], x[2], x[3]);
            // Cell voltage = reversible + Tafel (less with loading, warmer) + ohmic (membrane).
            let tafel = 0.06 * (j / (0.001 * load)).ln() * (1.0 - 0.003 * (t - 40.0));
            let ohmic = j * thick * 1e-4 / (0.08 + 0.001 * t) * 1.2;
            let voltage = 1.23 + tafel.max(0.0) + ohmic;
            let efficiency = 100.0 * 1.48 / voltage;
            // Area cost spread over power density, plus iridium/platinum loading.
            let cost = 900.0 / (j * voltage) + 250.0 * load / (j * voltage);
            let degradation =
                2.0 + 1.5 * j * j + 0.05 * (t - 40.0) + 15.0 / (1.0 + thick / 50.0) + 1.0 / load;
            vec![efficiency, cost, degradation]
        },
    },
    Simulator {
        domain: "thermoelectric",
        parameters: &[
            p("carrier_concentration", 1e18, 1e21, "cm⁻³"),
            p("dopant_fraction", 0.0, 0.1, "mol fraction"),
            p("grain_size_nm", 10.0, 5000.0, "nm"),
            p("operating_temp_k", 300.0, 900.0, "K"),
        ],
        objectives: &[max("zt", "dimensionless"), min("material_cost", "USD/kg")],
        model: |x| {
            let (n, dopant, grain, temp) = (x[0], x[1], x[2], x[3]);
            // Power factor peaks near 1e19.5–1e20 cm⁻³ (Seebeck falls, conductivity rises with n);
            // small grains scatter phonons (lower lattice conductivity) but too small ones scatter
            // carriers too.
            let log_n = n.log10();
            let power_factor = bump(log_n, 19.6 + (temp - 300.0) / 1200.0, 0.7);
            let kappa_lattice = 0.6 + 1.2 * switch(grain.log10(), 2.3, 0.4);
            let carrier_scattering = 1.0 - 0.3 * (-(grain / 40.0)).exp();
            let zt = 2.2 * power_factor * carrier_scattering * (temp / 900.0).powf(0.8)
                / kappa_lattice
                * (1.0 + 2.0 * dopant - 15.0 * dopant * dopant);
            let cost = 40.0 + 900.0 * dopant + 30.0 * (1000.0 / grain).ln_1p();
            vec![zt, cost]
        },
    },
    Simulator {
        domain: "polymer",
        parameters: &[
            p("monomer_ratio", 0.1, 0.9, "fraction"),
            p("crosslinker_wt", 0.0, 10.0, "wt%"),
            p("cure_temp_c", 60.0, 200.0, "°C"),
            p("filler_wt", 0.0, 40.0, "wt%"),
        ],
        objectives: &[
            max("tensile_strength_mpa", "MPa"),
            max("elongation_at_break", "%"),
            min("cost_per_kg", "USD/kg"),
        ],
        model: |x| {
            let (ratio, xl, cure, filler) = (x[0], x[1], x[2], x[3]);
            // Crosslinks and filler stiffen and strengthen (to a point) but embrittle; cure must
            // be hot enough to complete the network without degrading it.
            let cure_quality =
                switch(cure, 100.0 + 4.0 * xl, 12.0) * (1.0 - 0.4 * switch(cure, 185.0, 8.0));
            let strength = (25.0 + 35.0 * ratio + 6.0 * xl - 0.35 * xl * xl + 0.9 * filler
                - 0.012 * filler * filler)
                * (0.5 + 0.5 * cure_quality);
            let elongation = 600.0
                * (1.0 - ratio).powf(1.3)
                * (-0.25 * xl).exp()
                * (1.0 - filler / 60.0)
                * (0.6 + 0.4 * cure_quality);
            let cost = 2.5 + 1.5 * ratio + 0.4 * xl - 0.03 * filler + 0.004 * cure;
            vec![strength, elongation, cost]
        },
    },
    Simulator {
        domain: "ceramic",
        parameters: &[
            p("sintering_temp_c", 1200.0, 1700.0, "°C"),
            p("dwell_time_h", 0.5, 12.0, "h"),
            p("sintering_aid_wt", 0.0, 5.0, "wt%"),
            p("powder_size_um", 0.1, 5.0, "µm"),
        ],
        objectives: &[
            max("relative_density", "%"),
            max("fracture_toughness", "MPa·m^0.5"),
            min("firing_energy", "kWh/kg"),
        ],
        model: |x| {
            let (t, dwell, aid, powder) = (x[0], x[1], x[2], x[3]);
            // Densification follows a thermally activated, time-dependent law, faster for fine
            // powders and with a liquid-phase aid; grains coarsen at the same time, which lowers
            // toughness beyond an optimal grain size.
            let drive = ((t - 1200.0) / 120.0 + 0.8 * aid) * (1.0 + dwell).ln() / powder.sqrt();
            let density = 60.0 + 39.5 * (1.0 - (-0.9 * drive.max(0.0)).exp());
            let grain = powder * (1.0 + 0.002 * (t - 1200.0) * dwell.sqrt() * (1.0 + 0.3 * aid));
            let toughness =
                (3.0 + 3.5 * bump(grain.ln(), 0.7, 1.1)) * (density / 100.0).powi(3) - 0.15 * aid;
            let energy = 0.8 + 0.0025 * (t - 1000.0) + 0.12 * dwell;
            vec![density, toughness, energy]
        },
    },
];

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::pareto::non_dominated;

    #[test]
    fn every_domain_has_a_simulator() {
        for domain in mdl::DOMAINS {
            assert!(simulator(domain).is_some(), "{domain}");
        }
        assert!(simulator("alchemy").is_none());
    }

    #[test]
    fn outputs_are_finite_and_objectives_conflict() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for sim in &SIMULATORS {
            let mut points = Vec::new();
            for _ in 0..300 {
                let values: HashMap<String, f64> = sim
                    .parameters
                    .iter()
                    .map(|p| (p.name.to_owned(), rng.random_range(p.lo..=p.hi)))
                    .collect();
                let out = sim.evaluate(&values).unwrap();
                assert_eq!(out.len(), sim.objectives.len());
                assert!(
                    out.iter().all(|(_, v)| v.is_finite()),
                    "{}: {out:?}",
                    sim.domain
                );
                // Minimisation form for the front.
                points.push(
                    out.iter()
                        .zip(sim.objectives)
                        .map(|((_, v), o)| {
                            if o.direction == Direction::Maximize {
                                -v
                            } else {
                                *v
                            }
                        })
                        .collect::<Vec<f64>>(),
                );
            }
            let front = non_dominated(&points);
            assert!(
                front.len() >= 3,
                "{}: objectives should trade off, front {}",
                sim.domain,
                front.len()
            );
        }
    }

    #[test]
    fn bad_points_are_errors() {
        let sim = simulator("battery").unwrap();
        let mut v = HashMap::new();
        v.insert("ni_fraction".to_owned(), 2.0);
        assert!(matches!(
            sim.evaluate(&v),
            Err(SimulationError::OutOfRange { .. })
        ));
        v.insert("ni_fraction".to_owned(), f64::NAN);
        assert!(sim.evaluate(&v).is_err());
        let mut v = HashMap::new();
        v.insert("nickel".to_owned(), 0.5);
        assert!(matches!(
            sim.evaluate(&v),
            Err(SimulationError::UnknownParameter { .. })
        ));
        assert!(
            sim.evaluate(&HashMap::new()).is_ok(),
            "defaults are mid-range"
        );
    }
}
