//! Units and unit detection.
//!
//! STL has no unit: the same numbers may be millimetres, centimetres or inches. The unit is
//! inferred from how plausible the part's size is under each reading — a small Bayesian model:
//!
//! - **Likelihood.** The size of real printed parts, measured by their bounding-box diagonal
//!   `d` in millimetres, is log-normal: `ln d ~ N(ln 70 mm, 1.0²)` ([`MEDIAN_DIAGONAL_MM`],
//!   [`LOG_SIZE_SIGMA`]). So 68 % of parts have a diagonal between 26 mm and 190 mm and 95 %
//!   between 9.5 mm and 520 mm (a 440 mm build volume's diagonal is 760 mm). Reading the file in
//!   unit `u` gives `ln d = ln d_raw + ln f_u` with `f_u` = 1, 10 or 25.4 mm per unit; the
//!   density of `ln d_raw` under `u` is the normal density at that point (working in log size,
//!   no Jacobian is needed: the three readings are shifts of one another).
//! - **Prior.** Most STL files are exported in millimetres, inches come second (US CAD
//!   defaults) and centimetres are rare: `P(mm) = 0.75`, `P(in) = 0.20`, `P(cm) = 0.05`
//!   ([`UNIT_PRIOR`]).
//! - **Posterior.** `P(u | d_raw) ∝ P(u) · N(ln d_raw + ln f_u; μ, σ)`, normalised over the three
//!   units (computed in log space). `detected_unit` is the most probable unit and
//!   `unit_confidence` its posterior probability.
//!
//! The constants are a judgement about typical print-service parts, not a fit to a data set.
//! What the model can and cannot tell apart follows from them: mm against in differ by
//! `ln 25.4 = 3.2 σ`, so a 70 mm part read as inches would be 1.8 m and is confidently mm;
//! cm against in differ by only `ln 2.54 = 0.93 σ`, so between those two the prior does much of
//! the work. A part with no extent (all corners equal) gets the prior.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The median bounding-box diagonal of a printed part, in millimetres (the log-normal's median).
pub const MEDIAN_DIAGONAL_MM: f64 = 70.0;
/// The standard deviation of the natural log of the diagonal.
pub const LOG_SIZE_SIGMA: f64 = 1.0;
/// Prior probability of each unit before looking at the size.
pub const UNIT_PRIOR: [(Unit, f64); 3] = [(Unit::Mm, 0.75), (Unit::Cm, 0.05), (Unit::In, 0.20)];

/// A length unit an STL file's numbers may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// Millimetres.
    Mm,
    /// Centimetres.
    Cm,
    /// Inches.
    In,
}

impl Unit {
    /// The three units, in the order of [`UNIT_PRIOR`].
    pub const ALL: [Unit; 3] = [Unit::Mm, Unit::Cm, Unit::In];

    /// Millimetres per unit: 1, 10 or 25.4.
    pub fn mm_per_unit(self) -> f64 {
        match self {
            Unit::Mm => 1.0,
            Unit::Cm => 10.0,
            Unit::In => 25.4,
        }
    }

    /// `mm`, `cm` or `in`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Mm => "mm",
            Unit::Cm => "cm",
            Unit::In => "in",
        }
    }

    fn index(self) -> usize {
        match self {
            Unit::Mm => 0,
            Unit::Cm => 1,
            Unit::In => 2,
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`Unit::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown unit `{0}`: expected mm, cm or in")]
pub struct UnknownUnit(pub String);

impl FromStr for Unit {
    type Err = UnknownUnit;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "mm" => Ok(Unit::Mm),
            "cm" => Ok(Unit::Cm),
            "in" => Ok(Unit::In),
            _ => Err(UnknownUnit(s.to_owned())),
        }
    }
}

/// The probability of each unit given the part's size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnitPosterior {
    probabilities: [f64; 3],
}

impl UnitPosterior {
    /// The posterior for a bounding-box diagonal of `diagonal` in the file's own numbers.
    pub fn from_diagonal(diagonal: f64) -> Self {
        let prior = UNIT_PRIOR.map(|(_, p)| p);
        if !(diagonal > 0.0 && diagonal.is_finite()) {
            return Self {
                probabilities: prior,
            };
        }
        let mu = MEDIAN_DIAGONAL_MM.ln();
        let log_post = Unit::ALL.map(|u| {
            let z = (diagonal.ln() + u.mm_per_unit().ln() - mu) / LOG_SIZE_SIGMA;
            prior[u.index()].ln() - 0.5 * z * z
        });
        let max = log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w = log_post.map(|l| (l - max).exp());
        let sum: f64 = w.iter().sum();
        Self {
            probabilities: w.map(|x| x / sum),
        }
    }

    /// `P(unit | size)`.
    pub fn probability(&self, unit: Unit) -> f64 {
        self.probabilities[unit.index()]
    }

    /// The most probable unit and its probability (ties go to the earlier of mm, cm, in).
    pub fn most_likely(&self) -> (Unit, f64) {
        let mut best = Unit::Mm;
        for u in Unit::ALL {
            if self.probability(u) > self.probability(best) {
                best = u;
            }
        }
        (best, self.probability(best))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_sum_to_one_and_follow_the_size() {
        for d in [1e-30, 0.01, 1.0, 5.0, 30.0, 70.0, 500.0, 1e6, 1e30] {
            let p = UnitPosterior::from_diagonal(d);
            let sum: f64 = Unit::ALL.iter().map(|&u| p.probability(u)).sum();
            assert!((sum - 1.0).abs() < 1e-12, "{d}: {sum}");
        }
        assert_eq!(UnitPosterior::from_diagonal(70.0).most_likely().0, Unit::Mm);
        assert_eq!(UnitPosterior::from_diagonal(2.8).most_likely().0, Unit::In);
        assert_eq!(UnitPosterior::from_diagonal(0.01).most_likely().0, Unit::In);
        assert_eq!(UnitPosterior::from_diagonal(1e6).most_likely().0, Unit::Mm);
    }

    #[test]
    fn a_typical_millimetre_part_is_confidently_mm() {
        let (u, p) = UnitPosterior::from_diagonal(60.0).most_likely();
        assert_eq!(u, Unit::Mm);
        assert!(p > 0.95, "{p}");
    }

    #[test]
    fn a_part_without_extent_gets_the_prior() {
        let p = UnitPosterior::from_diagonal(0.0);
        assert_eq!(p.most_likely(), (Unit::Mm, 0.75));
    }

    #[test]
    fn units_parse_and_print() {
        for u in Unit::ALL {
            assert_eq!(u.as_str().parse::<Unit>(), Ok(u));
            assert_eq!(serde_json::to_string(&u).unwrap(), format!("\"{u}\""));
        }
        assert!("inch".parse::<Unit>().is_err());
    }
}
