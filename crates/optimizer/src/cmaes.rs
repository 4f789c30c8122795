//! CMA-ES (Hansen's covariance matrix adaptation evolution strategy) with IPOP restarts, for
//! minimising a function over the unit cube `[0, 1]^d`.
//!
//! Candidates outside the cube are evaluated at their projection onto it plus a quadratic
//! penalty on the distance, so the search is pushed back inside while the distribution's
//! updates stay unbiased. After a run stagnates, the search restarts from a random point with
//! twice the population (Auger & Hansen 2005), until the evaluation budget is spent. The
//! configuration's [`Cancel`] flag is checked before every evaluation.

use rand::{Rng, SeedableRng};

use crate::cancel::{Cancel, Cancelled};

/// Settings of a minimisation.
#[derive(Debug, Clone)]
pub struct CmaesConfig {
    /// Initial step size, as a fraction of the cube's side.
    pub sigma0: f64,
    /// Population of the first run (default `4 + ⌊3 ln d⌋`).
    pub population: Option<usize>,
    /// Total function evaluations over all runs.
    pub max_evaluations: usize,
    /// Restarts after the first run (each doubles the population).
    pub max_restarts: usize,
    /// Seed; the same seed gives the same search.
    pub seed: u64,
    /// Ends the search with `Err(Cancelled)` once set.
    pub cancel: Cancel,
}

impl Default for CmaesConfig {
    fn default() -> Self {
        Self {
            sigma0: 0.3,
            population: None,
            max_evaluations: 10_000,
            max_restarts: 4,
            seed: 0,
            cancel: Cancel::new(),
        }
    }
}

/// The best point found.
#[derive(Debug, Clone, PartialEq)]
pub struct CmaesResult {
    /// Inside the unit cube.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub value: f64,
    /// Evaluations used.
    pub evaluations: usize,
    /// Restarts made.
    pub restarts: usize,
}

/// Minimises `f` over `[0, 1]^d` starting around `x0` (clamped into the cube); `Err` when the
/// configuration's cancel flag was set before the search ended.
pub fn minimize(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    config: &CmaesConfig,
) -> Result<CmaesResult, Cancelled> {
    let d = x0.len().max(1);
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let base_lambda = config
        .population
        .unwrap_or(4 + (3.0 * (d as f64).ln()) as usize)
        .max(4);
    let mut best = CmaesResult {
        x: x0.iter().map(|v| v.clamp(0.0, 1.0)).collect(),
        value: f64::INFINITY,
        evaluations: 0,
        restarts: 0,
    };
    let mut start: Vec<f64> = best.x.clone();
    for restart in 0..=config.max_restarts {
        if best.evaluations >= config.max_evaluations {
            break;
        }
        let lambda = base_lambda << restart.min(10);
        run(&mut f, &start, lambda, config, &mut rng, &mut best)?;
        best.restarts = restart;
        start = (0..d).map(|_| rng.random::<f64>()).collect();
    }
    Ok(best)
}

fn gaussian(rng: &mut impl Rng) -> f64 {
    // Box–Muller; the second value is dropped for simplicity.
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// One CMA-ES run; updates `best` and its evaluation count.
fn run(
    f: &mut impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    lambda: usize,
    config: &CmaesConfig,
    rng: &mut impl Rng,
    best: &mut CmaesResult,
) -> Result<(), Cancelled> {
    let n = x0.len();
    let nf = n as f64;
    let mu = lambda / 2;
    let raw: Vec<f64> = (0..mu)
        .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
        .collect();
    let sum: f64 = raw.iter().sum();
    let weights: Vec<f64> = raw.iter().map(|w| w / sum).collect();
    let mueff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
    let cc = (4.0 + mueff / nf) / (nf + 4.0 + 2.0 * mueff / nf);
    let cs = (mueff + 2.0) / (nf + mueff + 5.0);
    let c1 = 2.0 / ((nf + 1.3).powi(2) + mueff);
    let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nf + 2.0).powi(2) + mueff));
    let damps = 1.0 + 2.0 * (((mueff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + cs;
    let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));

    let mut mean = x0.to_vec();
    let mut sigma = config.sigma0;
    let mut pc = vec![0.0; n];
    let mut ps = vec![0.0; n];
    let mut c = identity(n);
    let mut b = identity(n);
    let mut dvec = vec![1.0; n];
    let mut eigen_age = 0usize;
    let mut history: Vec<f64> = Vec::new();

    loop {
        if best.evaluations + lambda > config.max_evaluations {
            return Ok(());
        }
        // Sample λ candidates: x = m + σ B D z.
        let mut population: Vec<(f64, Vec<f64>)> = Vec::with_capacity(lambda);
        for _ in 0..lambda {
            let z: Vec<f64> = (0..n).map(|_| gaussian(rng)).collect();
            let y: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| b[i][j] * dvec[j] * z[j]).sum())
                .collect();
            let x: Vec<f64> = mean.iter().zip(&y).map(|(m, yi)| m + sigma * yi).collect();
            let inside: Vec<f64> = x.iter().map(|v| v.clamp(0.0, 1.0)).collect();
            let outside: f64 = x.iter().zip(&inside).map(|(a, b)| (a - b).powi(2)).sum();
            config.cancel.check()?;
            let value = f(&inside);
            best.evaluations += 1;
            let value = if value.is_nan() { f64::INFINITY } else { value };
            if value < best.value {
                best.value = value;
                best.x = inside;
            }
            population.push((value + 1e3 * outside, x));
        }
        population.sort_by(|a, b| a.0.total_cmp(&b.0));

        // Recombination.
        let old = mean.clone();
        mean = (0..n)
            .map(|i| {
                weights
                    .iter()
                    .zip(&population)
                    .map(|(w, (_, x))| w * x[i])
                    .sum()
            })
            .collect();
        let step: Vec<f64> = mean
            .iter()
            .zip(&old)
            .map(|(m, o)| (m - o) / sigma)
            .collect();
        // C^{-1/2} step = B D^{-1} Bᵀ step.
        let bt_step: Vec<f64> = (0..n)
            .map(|j| (0..n).map(|i| b[i][j] * step[i]).sum())
            .collect();
        let inv_sqrt: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| b[i][j] * bt_step[j] / dvec[j]).sum())
            .collect();
        for i in 0..n {
            ps[i] = (1.0 - cs) * ps[i] + (cs * (2.0 - cs) * mueff).sqrt() * inv_sqrt[i];
        }
        let ps_norm = ps.iter().map(|v| v * v).sum::<f64>().sqrt();
        let generation = best.evaluations / lambda.max(1);
        let hsig = ps_norm / (1.0 - (1.0 - cs).powi(2 * (generation as i32 + 1))).sqrt() / chi_n
            < 1.4 + 2.0 / (nf + 1.0);
        let hsig_f = if hsig { 1.0 } else { 0.0 };
        for i in 0..n {
            pc[i] = (1.0 - cc) * pc[i] + hsig_f * (cc * (2.0 - cc) * mueff).sqrt() * step[i];
        }
        // Covariance update: rank-one plus rank-μ.
        let artmp: Vec<Vec<f64>> = population[..mu]
            .iter()
            .map(|(_, x)| x.iter().zip(&old).map(|(a, o)| (a - o) / sigma).collect())
            .collect();
        for i in 0..n {
            for j in 0..=i {
                let rank_mu: f64 = weights
                    .iter()
                    .zip(&artmp)
                    .map(|(w, a)| w * a[i] * a[j])
                    .sum();
                let v = (1.0 - c1 - cmu) * c[i][j]
                    + c1 * (pc[i] * pc[j] + (1.0 - hsig_f) * cc * (2.0 - cc) * c[i][j])
                    + cmu * rank_mu;
                c[i][j] = v;
                c[j][i] = v;
            }
        }
        sigma *= ((cs / damps) * (ps_norm / chi_n - 1.0)).exp();
        sigma = sigma.min(1.0);

        // Refresh B and D every few generations (O(n³)).
        eigen_age += 1;
        if eigen_age as f64 > 1.0 / ((c1 + cmu) * nf * 10.0) {
            eigen_age = 0;
            let (values, vectors) = jacobi_eigen(&c);
            dvec = values.iter().map(|v| v.max(1e-20).sqrt()).collect();
            b = vectors;
        }

        // Stop this run when it has converged or stalled.
        history.push(population[0].0);
        let max_d = dvec.iter().copied().fold(0.0, f64::max);
        let min_d = dvec.iter().copied().fold(f64::INFINITY, f64::min);
        let flat = history.len() > 10 + (30.0 * nf / lambda as f64) as usize && {
            let recent = &history[history.len() - 10..];
            let hi = recent.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lo = recent.iter().copied().fold(f64::INFINITY, f64::min);
            hi - lo < 1e-12 * (1.0 + lo.abs())
        };
        if sigma * max_d < 1e-11 || max_d / min_d > 1e7 || flat || !sigma.is_finite() {
            return Ok(());
        }
    }
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect()
}

/// Eigenvalues and eigenvectors (as columns) of a symmetric matrix, by cyclic Jacobi sweeps.
fn jacobi_eigen(matrix: &[Vec<f64>]) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = matrix.len();
    let mut a: Vec<Vec<f64>> = matrix.to_vec();
    let mut v = identity(n);
    for _ in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..n {
            for q in (p + 1)..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let cos = 1.0 / (t * t + 1.0).sqrt();
                let sin = t * cos;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = cos * akp - sin * akq;
                    row[q] = sin * akp + cos * akq;
                }
                let (upper, lower) = a.split_at_mut(q);
                for (apk, aqk) in upper[p].iter_mut().zip(lower[0].iter_mut()) {
                    let (x, y) = (*apk, *aqk);
                    *apk = cos * x - sin * y;
                    *aqk = sin * x + cos * y;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = cos * vkp - sin * vkq;
                    row[q] = sin * vkp + cos * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sphere(x: &[f64]) -> f64 {
        x.iter().map(|v| (v - 0.3).powi(2)).sum()
    }

    /// Rosenbrock, moved so that its optimum (1, …, 1) sits at 0.6 in the cube.
    fn rosenbrock(x: &[f64]) -> f64 {
        let z: Vec<f64> = x.iter().map(|v| 4.0 * v - 1.4).collect();
        z.windows(2)
            .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
            .sum()
    }

    fn rastrigin(x: &[f64]) -> f64 {
        let z: Vec<f64> = x.iter().map(|v| 10.24 * v - 5.12 + 0.4).collect();
        10.0 * z.len() as f64
            + z.iter()
                .map(|v| v * v - 10.0 * (std::f64::consts::TAU * v).cos())
                .sum::<f64>()
    }

    #[test]
    fn solves_the_sphere_in_ten_dimensions() {
        let r = minimize(
            sphere,
            &[0.9; 10],
            &CmaesConfig {
                max_evaluations: 6000,
                ..CmaesConfig::default()
            },
        )
        .unwrap();
        assert!(r.value < 1e-10, "{r:?}");
        assert!(r.x.iter().all(|v| (v - 0.3).abs() < 1e-4));
    }

    #[test]
    fn solves_a_rotated_valley_rosenbrock() {
        let r = minimize(
            rosenbrock,
            &[0.1; 5],
            &CmaesConfig {
                max_evaluations: 20_000,
                ..CmaesConfig::default()
            },
        )
        .unwrap();
        assert!(r.value < 1e-8, "{r:?}");
    }

    #[test]
    fn optima_on_the_boundary_are_reached_and_never_left_behind() {
        let r = minimize(
            |x| x.iter().sum(),
            &[0.5; 4],
            &CmaesConfig {
                max_evaluations: 4000,
                ..CmaesConfig::default()
            },
        )
        .unwrap();
        assert!(r.x.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(r.value < 1e-6, "{r:?}");
    }

    #[test]
    fn restarts_with_growing_populations_help_on_multimodal_functions() {
        let single = minimize(
            rastrigin,
            &[0.8; 5],
            &CmaesConfig {
                max_evaluations: 30_000,
                max_restarts: 0,
                seed: 3,
                ..CmaesConfig::default()
            },
        )
        .unwrap();
        let ipop = minimize(
            rastrigin,
            &[0.8; 5],
            &CmaesConfig {
                max_evaluations: 30_000,
                max_restarts: 6,
                seed: 3,
                ..CmaesConfig::default()
            },
        )
        .unwrap();
        assert!(
            ipop.value <= single.value,
            "{} vs {}",
            ipop.value,
            single.value
        );
        assert!(ipop.value < 2.0, "{ipop:?}");
        assert!(ipop.restarts > 0);
    }

    #[test]
    fn the_same_seed_gives_the_same_search_and_nan_is_never_chosen() {
        let cfg = CmaesConfig {
            max_evaluations: 500,
            seed: 11,
            ..CmaesConfig::default()
        };
        let f = |x: &[f64]| if x[0] > 0.7 { f64::NAN } else { sphere(x) };
        let a = minimize(f, &[0.5; 3], &cfg).unwrap();
        let b = minimize(f, &[0.5; 3], &cfg).unwrap();
        assert_eq!(a, b);
        assert!(a.value.is_finite());
    }

    #[test]
    fn a_set_flag_ends_the_search_at_the_next_evaluation() {
        let cfg = CmaesConfig {
            max_evaluations: usize::MAX,
            max_restarts: 1000,
            ..CmaesConfig::default()
        };
        let mut calls = 0;
        let result = minimize(
            |x| {
                calls += 1;
                if calls == 500 {
                    cfg.cancel.cancel();
                }
                rastrigin(x)
            },
            &[0.8; 5],
            &cfg,
        );
        assert_eq!(result, Err(Cancelled));
        assert_eq!(calls, 500, "no evaluation after the flag was set");
    }

    #[test]
    fn jacobi_diagonalises_a_symmetric_matrix() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 1.0],
        ];
        let (values, vectors) = jacobi_eigen(&m);
        for (k, lambda) in values.iter().enumerate() {
            for i in 0..3 {
                let mv: f64 = (0..3).map(|j| m[i][j] * vectors[j][k]).sum();
                assert!((mv - lambda * vectors[i][k]).abs() < 1e-9);
            }
        }
    }
}
