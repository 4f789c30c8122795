//! The campaign loop (SPEC §4.2) as an ask/tell state machine: [`Campaign::ask`] proposes a
//! batch, [`Campaign::tell`] records its results. The same machine serves the built-in
//! simulators, lab results posted through the API, and `mobo ask-tell`.
//!
//! Iteration 1 is the initial design (Sobol, `initial_samples` points; uniform for `random`).
//! Each later iteration, for `cma-es`: train the MLP ensemble on every feasible evaluation, then
//! pick `batch_size` candidates one by one, each maximising the hypervolume improvement of its
//! optimistic estimate `μ − β·σ` (β = 10 × `exploration_weight`, so 0.1 by default; where
//! that is 0, minus the distance to the current front, so the search still has a direction)
//! with CMA-ES from the best of a Sobol scan. After each pick its predicted mean joins the front
//! as a fantasy ("kriging believer"), which spreads the batch. Constraint violations are
//! penalised, so proposals are feasible when feasible points can be found.
//!
//! All objectives are minimised internally (`maximize` ones negated). The hypervolume
//! reference is the objectives' `reference_point`s when all are given, otherwise the nadir of
//! the initial design plus 10 % of its range, fixed from then on so the history compares.
//! Convergence: relative hypervolume gain below `convergence_threshold` for
//! `convergence_patience` iterations in a row (0 disables); budget spent → completed.
//! Failed evaluations (or NaN/inf objectives) are kept but never trained on; infeasible points
//! never enter the Pareto front. Deterministic for a seed.
//!
//! Cancellation ([`Campaign::with_cancel`]): training checks the flag before every sample,
//! the acquisition before every candidate it scores; `ask` and `tell` then return
//! [`CampaignError::Cancelled`] and leave the campaign as it was before the call, so the same
//! call later (or a replay of the recorded iterations) gives what it would have given.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use mdl::{Direction, Mdl, Method};
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::cancel::{Cancel, Cancelled};
use crate::cmaes::{self, CmaesConfig};
use crate::encoding::{Encoder, Point, Value};
use crate::hypervolume::{hypervolume_cancellable, HypervolumeError};
use crate::pareto::{non_dominated, non_dominated_cancellable};
use crate::sampling;
use crate::surrogate::{Surrogate, SurrogateError};

/// Points of the acquisition scan placed around the current Pareto set.
const LOCAL_SCAN: usize = 128;
/// How far (in the unit cube) those points move from a Pareto member.
const LOCAL_STEP: f64 = 0.1;

/// A point to evaluate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Unique within the campaign.
    pub id: String,
    /// Parameter values.
    pub parameters: Point,
    /// The iteration that proposed it.
    pub iteration: u32,
    /// For a pool-based campaign, the index of the pool row it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_row: Option<usize>,
}

/// The result of evaluating a candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Objective values by name (natural units).
    Objectives(HashMap<String, f64>),
    /// The evaluation failed.
    Failed,
}

/// A recorded evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The candidate's id.
    pub id: String,
    /// Parameter values.
    pub parameters: Point,
    /// Objective values in MDL order and natural units; `None` when the evaluation failed.
    pub objectives: Option<Vec<f64>>,
    /// Whether every constraint holds.
    pub feasible: bool,
    /// The iteration that proposed it.
    pub iteration: u32,
}

/// Where a campaign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// More iterations to go.
    Running,
    /// The budget is spent.
    Completed,
    /// The hypervolume stopped improving.
    Converged,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Running => "running",
            Status::Completed => "completed",
            Status::Converged => "converged",
        })
    }
}

/// What an iteration achieved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IterationSummary {
    /// 1-based.
    pub iteration: u32,
    /// Evaluations spent so far (failed ones included, prior data not).
    pub evaluations_completed: usize,
    /// Hypervolume of the feasible Pareto front (0 before a reference exists).
    pub hypervolume: f64,
    /// Relative gain over the previous iteration.
    pub hypervolume_improvement: f64,
    /// Points on the feasible Pareto front.
    pub pareto_size: usize,
    /// Held-out loss of the surrogate trained this iteration, if one was.
    pub surrogate_loss: Option<f64>,
    /// Status after this iteration.
    pub status: Status,
}

/// How severe a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Detail for diagnosing a run (each proposed candidate).
    Debug,
    /// Progress.
    Info,
    /// Something worth a look (failed evaluations, a surrogate that did not fit).
    Warning,
}

/// A log line, rendered as `[Iter 8/20] message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// 1-based iteration.
    pub iteration: u32,
    /// Planned iterations.
    pub total: u32,
    /// How severe.
    pub level: Level,
    /// The message.
    pub message: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[Iter {}/{}] {}",
            self.iteration, self.total, self.message
        )
    }
}

/// `c3-1: x=0.250000, solvent=water` (a pool candidate also names its row among the
/// dataset's usable rows).
fn describe(candidate: &Candidate) -> String {
    let values: Vec<String> = candidate
        .parameters
        .iter()
        .map(|(name, value)| match value {
            Value::Number(x) => format!("{name}={x:.6}"),
            Value::Choice(c) => format!("{name}={c}"),
        })
        .collect();
    let row = candidate.pool_row.map_or_else(String::new, |r| {
        format!(" (usable row {} of the dataset)", r + 1)
    });
    format!("{}{row}: {}", candidate.id, values.join(", "))
}

/// Misuse of the ask/tell protocol.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CampaignError {
    /// Results name a candidate that is not pending.
    #[error("'{0}' is not a pending candidate")]
    UnknownCandidate(String),
    /// Some pending candidates have no result.
    #[error("results are missing for: {}", .0.join(", "))]
    MissingResults(Vec<String>),
    /// A result lacks an objective.
    #[error("the result for '{id}' has no value for objective '{objective}'")]
    MissingObjective {
        /// Candidate.
        id: String,
        /// Objective.
        objective: String,
    },
    /// There is nothing to tell: no batch is pending.
    #[error("no candidates are pending; ask first")]
    NothingPending,
    /// Prior data or a pool can only be given before the first `ask`.
    #[error("prior data and pools must be given before the first batch")]
    AlreadyStarted,
    /// The campaign's cancel flag was set; the call changed nothing.
    #[error("cancelled")]
    Cancelled,
}

impl From<Cancelled> for CampaignError {
    fn from(_: Cancelled) -> Self {
        CampaignError::Cancelled
    }
}

/// The finite set of points a pool-based campaign chooses from (e.g. a dataset's rows).
struct Pool {
    points: Vec<Point>,
    /// Unit-cube vectors; `None` for rows outside the design space (never proposed).
    encoded: Vec<Option<Vec<f64>>>,
    used: Vec<bool>,
}

type Observer = Box<dyn FnMut(&LogLine) + Send>;

/// A campaign in progress.
pub struct Campaign {
    mdl: Mdl,
    encoder: Encoder,
    signs: Vec<f64>,
    rng: rand::rngs::StdRng,
    sobol_seed: u32,
    sobol_offset: u32,
    evaluations: Vec<Evaluation>,
    pending: Vec<Candidate>,
    iteration: u32,
    total_iterations: u32,
    reference: Option<Vec<f64>>,
    history: Vec<f64>,
    stagnant: u32,
    status: Status,
    last_loss: Option<f64>,
    observer: Observer,
    /// Evaluations this campaign may spend (the MDL's budget, capped by a pool's size).
    budget: u32,
    /// Evaluations given as prior data (iteration 0); they do not spend the budget.
    prior: usize,
    /// Enough prior data to skip the space-filling initial design.
    skip_initial: bool,
    pool: Option<Pool>,
    cancel: Cancel,
}

/// Members of the surrogate ensemble, each trained on its own thread.
pub const ENSEMBLE: usize = 4;

impl Campaign {
    /// A new campaign over `mdl`'s design space.
    pub fn new(mdl: Mdl) -> Self {
        let opt = &mdl.optimizer;
        let seed = opt.seed.unwrap_or(0);
        let mut campaign = Self {
            encoder: Encoder::new(&mdl),
            signs: mdl
                .objectives
                .iter()
                .map(|o| {
                    if o.direction == Direction::Maximize {
                        -1.0
                    } else {
                        1.0
                    }
                })
                .collect(),
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            sobol_seed: (seed as u32) ^ 0x9e37_79b9,
            sobol_offset: 0,
            evaluations: Vec::new(),
            pending: Vec::new(),
            iteration: 0,
            total_iterations: 0,
            reference: None,
            history: Vec::new(),
            stagnant: 0,
            status: Status::Running,
            last_loss: None,
            observer: Box::new(|_| {}),
            budget: opt.budget,
            prior: 0,
            skip_initial: false,
            pool: None,
            cancel: Cancel::new(),
            mdl,
        };
        campaign.plan();
        campaign
    }

    /// Works out the number of iterations from the budget and the initial design.
    fn plan(&mut self) {
        let opt = &self.mdl.optimizer;
        let initial = self.initial_size();
        let rest = self.budget.saturating_sub(initial);
        self.total_iterations = u32::from(initial > 0) + rest.div_ceil(opt.batch_size.max(1));
    }

    /// Size of the space-filling first batch (0 when prior data replaces it).
    fn initial_size(&self) -> u32 {
        if self.skip_initial {
            0
        } else {
            self.mdl
                .optimizer
                .active_learning
                .initial_samples
                .min(self.budget)
        }
    }

    /// Adds results measured before the campaign (a dataset's rows: a warm start). They train
    /// the surrogate and may join the Pareto front, but do not spend the budget; with at least
    /// `initial_samples` usable rows the space-filling initial design is skipped. Returns how
    /// many were kept (rows outside the design space are dropped).
    pub fn warm_start(&mut self, rows: Vec<(Point, Outcome)>) -> Result<usize, CampaignError> {
        if self.iteration > 0 || !self.evaluations.is_empty() {
            return Err(CampaignError::AlreadyStarted);
        }
        for (parameters, outcome) in rows {
            if self.encoder.encode(&parameters).is_none() {
                continue;
            }
            let objectives = match outcome {
                Outcome::Failed => None,
                Outcome::Objectives(values) => self
                    .mdl
                    .objectives
                    .iter()
                    .map(|o| values.get(&o.name).copied().filter(|v| v.is_finite()))
                    .collect(),
            };
            self.evaluations.push(Evaluation {
                id: format!("prior-{}", self.evaluations.len() + 1),
                feasible: self.feasible(&parameters),
                parameters,
                objectives,
                iteration: 0,
            });
        }
        self.prior = self.evaluations.len();
        let usable = self.usable().count() as u32;
        self.skip_initial = usable >= self.mdl.optimizer.active_learning.initial_samples.max(2);
        if self.skip_initial {
            // Otherwise the first iteration's results fix it, prior data included.
            self.reference = self.initial_reference();
        }
        self.plan();
        Ok(self.prior)
    }

    /// Makes the campaign pool-based: every candidate is one of `points` (each at most once),
    /// chosen by the same acquisition as a continuous campaign. The budget is capped by the
    /// pool's size. Points outside the design space are never proposed.
    pub fn with_pool(mut self, points: Vec<Point>) -> Result<Self, CampaignError> {
        if self.iteration > 0 {
            return Err(CampaignError::AlreadyStarted);
        }
        let encoded: Vec<Option<Vec<f64>>> =
            points.iter().map(|p| self.encoder.encode(p)).collect();
        let valid = encoded.iter().filter(|e| e.is_some()).count() as u32;
        self.budget = self.mdl.optimizer.budget.min(valid);
        self.pool = Some(Pool {
            used: vec![false; points.len()],
            points,
            encoded,
        });
        self.plan();
        Ok(self)
    }

    /// Evaluations spent from the budget (prior data excluded).
    pub fn spent(&self) -> usize {
        self.evaluations.len() - self.prior
    }

    /// Makes `ask` and `tell` stop soon after `cancel` is set (see the module documentation).
    #[must_use]
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    /// Sends every log line to `observer` (e.g. to persist or stream it).
    #[must_use]
    pub fn with_observer(mut self, observer: impl FnMut(&LogLine) + Send + 'static) -> Self {
        self.observer = Box::new(observer);
        self
    }

    /// The design space.
    pub fn mdl(&self) -> &Mdl {
        &self.mdl
    }

    /// Current status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Iterations started so far.
    pub fn iteration(&self) -> u32 {
        self.iteration
    }

    /// Planned iterations.
    pub fn total_iterations(&self) -> u32 {
        self.total_iterations
    }

    /// Every evaluation so far.
    pub fn evaluations(&self) -> &[Evaluation] {
        &self.evaluations
    }

    /// Hypervolume after each iteration.
    pub fn convergence_history(&self) -> &[f64] {
        &self.history
    }

    /// The current hypervolume (0 before the first results).
    pub fn hypervolume(&self) -> f64 {
        self.history.last().copied().unwrap_or(0.0)
    }

    /// The hypervolume reference point, in minimisation form, once known.
    pub fn reference(&self) -> Option<&[f64]> {
        self.reference.as_deref()
    }

    /// The feasible, successfully evaluated points no other such point dominates.
    pub fn pareto_front(&self) -> Vec<&Evaluation> {
        let usable: Vec<&Evaluation> = self.usable().collect();
        let points: Vec<Vec<f64>> = usable.iter().map(|e| self.minimised(e)).collect();
        non_dominated(&points)
            .into_iter()
            .map(|i| usable[i])
            .collect()
    }

    fn usable(&self) -> impl Iterator<Item = &Evaluation> {
        self.evaluations
            .iter()
            .filter(|e| e.feasible && e.objectives.is_some())
    }

    fn minimised(&self, e: &Evaluation) -> Vec<f64> {
        e.objectives
            .as_ref()
            .map(|o| o.iter().zip(&self.signs).map(|(v, s)| v * s).collect())
            .unwrap_or_default()
    }

    fn log(&mut self, level: Level, message: String) {
        let line = LogLine {
            iteration: self.iteration,
            total: self.total_iterations,
            level,
            message,
        };
        (self.observer)(&line);
    }

    fn feasible(&self, point: &Point) -> bool {
        self.violation(point) == 0.0
    }

    /// 0 when every constraint holds; otherwise 1 plus the size of the gap, per violated
    /// constraint (a penalty that still points toward feasibility).
    fn violation(&self, point: &Point) -> f64 {
        let numbers = Encoder::numbers(point);
        let values: HashMap<&str, f64> = numbers.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        self.mdl
            .constraints
            .iter()
            .filter(|c| !c.comparison.holds(&values, c.tolerance))
            .map(|c| {
                let gap = c.comparison.lhs.eval(&values) - c.comparison.rhs.eval(&values);
                gap.abs().min(1e6) + 1.0
            })
            .sum()
    }

    /// The next batch to evaluate (the same batch again until it is told). Empty when the
    /// campaign is over. [`CampaignError::Cancelled`] when the cancel flag is set before the
    /// batch is chosen; the campaign is then as it was before the call.
    pub fn ask(&mut self) -> Result<Vec<Candidate>, CampaignError> {
        if self.status != Status::Running || !self.pending.is_empty() {
            return Ok(self.pending.clone());
        }
        // What proposing changes before its last cancellable step.
        let before = (
            self.iteration,
            self.rng.clone(),
            self.sobol_offset,
            self.last_loss,
        );
        match self.propose() {
            Ok(batch) => Ok(batch),
            Err(Cancelled) => {
                (self.iteration, self.rng, self.sobol_offset, self.last_loss) = before;
                Err(CampaignError::Cancelled)
            }
        }
    }

    fn propose(&mut self) -> Result<Vec<Candidate>, Cancelled> {
        self.cancel.check()?;
        let opt = self.mdl.optimizer.clone();
        let spent = self.spent() as u32;
        if spent >= self.budget {
            self.status = Status::Completed;
            return Ok(Vec::new());
        }
        self.iteration += 1;
        let first = self.iteration == 1 && !self.skip_initial;
        let n = if first {
            self.initial_size()
        } else {
            opt.batch_size.min(self.budget - spent)
        } as usize;
        let phase = if first {
            "initial design"
        } else {
            "acquisition"
        };
        self.log(Level::Info, format!("Proposing {n} candidates ({phase})"));
        let explore = first || opt.method != Method::CmaEs;
        let random = opt.method == Method::Random;
        let proposals: Vec<(Point, Option<usize>)> = if self.pool.is_some() {
            let rows = if explore {
                let cube = self.space_filling(n, random)?;
                self.nearest_rows(&cube)?
            } else {
                self.acquire_from_pool(n)?
            };
            // Nothing is cancelled from here on.
            self.take_rows(rows)
        } else {
            let cube = if explore {
                self.space_filling(n, random)?
            } else {
                self.acquire(n)?
            };
            cube.into_iter()
                .map(|u| (self.encoder.decode(&u), None))
                .collect()
        };
        if !explore {
            let how = if self.pool.is_some() {
                "pool acquisition"
            } else {
                "CMA-ES acquisition"
            };
            self.log(
                Level::Info,
                format!("{how}: {} candidates proposed", proposals.len()),
            );
        }
        if proposals.is_empty() {
            self.status = Status::Completed;
            return Ok(Vec::new());
        }
        let iteration = self.iteration;
        self.pending = proposals
            .into_iter()
            .enumerate()
            .map(|(k, (parameters, pool_row))| Candidate {
                id: format!("c{iteration}-{}", k + 1),
                parameters,
                iteration,
                pool_row,
            })
            .collect();
        for candidate in self.pending.clone() {
            self.log(Level::Debug, format!("Proposed {}", describe(&candidate)));
        }
        Ok(self.pending.clone())
    }

    /// For each unit-cube point, the nearest pool row not yet used or picked.
    fn nearest_rows(&self, cube: &[Vec<f64>]) -> Result<Vec<usize>, Cancelled> {
        let Some(pool) = &self.pool else {
            return Ok(Vec::new());
        };
        let mut taken = pool.used.clone();
        let mut rows = Vec::with_capacity(cube.len());
        for u in cube {
            self.cancel.check()?;
            let best = pool
                .encoded
                .iter()
                .enumerate()
                .filter(|(i, _)| !taken[*i])
                .filter_map(|(i, e)| e.as_ref().map(|e| (i, squared_distance(e, u))))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((i, _)) = best {
                taken[i] = true;
                rows.push(i);
            }
        }
        Ok(rows)
    }

    /// Marks pool rows used and returns their points.
    fn take_rows(&mut self, rows: Vec<usize>) -> Vec<(Point, Option<usize>)> {
        let Some(pool) = &mut self.pool else {
            return Vec::new();
        };
        rows.into_iter()
            .map(|i| {
                pool.used[i] = true;
                (pool.points[i].clone(), Some(i))
            })
            .collect()
    }

    /// `n` feasible points (when possible) from the Sobol sequence or uniformly at random.
    fn space_filling(&mut self, n: usize, random: bool) -> Result<Vec<Vec<f64>>, Cancelled> {
        let d = self.encoder.width();
        let mut chosen = Vec::with_capacity(n);
        let mut spare = Vec::new();
        for _ in 0..20 {
            self.cancel.check()?;
            let batch = if random {
                sampling::uniform(n, d, &mut self.rng)
            } else {
                let b = sampling::sobol(n, d, self.sobol_seed, self.sobol_offset);
                self.sobol_offset = self.sobol_offset.wrapping_add(n as u32);
                b
            };
            for u in batch {
                if chosen.len() == n {
                    break;
                }
                if self.feasible(&self.encoder.decode(&u)) {
                    chosen.push(u);
                } else {
                    spare.push(u);
                }
            }
            if chosen.len() == n {
                break;
            }
        }
        if chosen.len() < n {
            self.log(
                Level::Warning,
                "few feasible points found; some candidates violate constraints".into(),
            );
            chosen.extend(spare.into_iter().take(n - chosen.len()));
        }
        Ok(chosen)
    }

    /// Trains the surrogate on every usable evaluation. `None` (after logging why) when there
    /// is too little data or training fails.
    fn fit(&mut self) -> Result<Option<Fitted>, Cancelled> {
        let train: Vec<(Vec<f64>, Vec<f64>)> = self
            .usable()
            .filter_map(|e| Some((self.encoder.encode(&e.parameters)?, self.minimised(e))))
            .collect();
        let Some(reference) = self.reference.clone().filter(|_| train.len() >= 2) else {
            self.log(
                Level::Warning,
                "not enough successful evaluations to train a surrogate; sampling instead".into(),
            );
            return Ok(None);
        };
        let (x, y): (Vec<Vec<f64>>, Vec<Vec<f64>>) = train.into_iter().unzip();
        let seed = self.rng.random::<u64>();
        match Surrogate::train(
            &x,
            &y,
            &self.mdl.optimizer.surrogate,
            ENSEMBLE,
            seed,
            &self.cancel,
        ) {
            Ok((model, report)) => {
                self.last_loss = Some(report.loss);
                self.log(
                    Level::Info,
                    format!("Training MLP surrogate (loss: {:.4})", report.loss),
                );
                Ok(Some(Fitted {
                    model,
                    reference,
                    x,
                    y,
                }))
            }
            Err(SurrogateError::Cancelled) => Err(Cancelled),
            Err(e) => {
                self.log(
                    Level::Warning,
                    format!("surrogate training failed ({e}); sampling instead"),
                );
                Ok(None)
            }
        }
    }

    /// The hypervolume of `front` within `reference`, 0 when it cannot be computed.
    fn front_volume(&self, front: &[Vec<f64>], reference: &[f64]) -> Result<f64, Cancelled> {
        match hypervolume_cancellable(front, reference, &self.cancel) {
            Ok(volume) => Ok(volume),
            Err(HypervolumeError::Cancelled) => Err(Cancelled),
            Err(_) => Ok(0.0),
        }
    }

    /// The acquisition value of unit-cube point `u` against `front` (whose hypervolume is
    /// `base`): the hypervolume gain of its optimistic estimate, or minus its distance to the
    /// front when it gains nothing; a large penalty when it breaks a constraint.
    fn score(&self, fitted: &Fitted, front: &[Vec<f64>], base: f64, u: &[f64]) -> f64 {
        // Measured (crates/optimizer/README.md): larger β sends the search to the box's corners,
        // where the ensemble is least certain; 0.1 by default keeps a small exploration term.
        let beta = 10.0 * self.mdl.optimizer.active_learning.exploration_weight;
        let point = self.encoder.decode(u);
        let violation = self.violation(&point);
        if violation > 0.0 {
            return -1e6 * violation;
        }
        let Some(canonical) = self.encoder.encode(&point) else {
            return -1e12;
        };
        let p = fitted.model.predict(&canonical);
        let optimistic: Vec<f64> = p
            .mean
            .iter()
            .zip(&p.std)
            .map(|(m, s)| m - beta * s)
            .collect();
        let mut with = front.to_vec();
        with.push(optimistic.clone());
        // Once cancelled this is 0 at once; the caller's next check ends the search.
        let gain = self.front_volume(&with, &fitted.reference).unwrap_or(0.0) - base;
        if gain > 0.0 {
            gain
        } else {
            -distance_to_front(&optimistic, front, &fitted.reference)
        }
    }

    /// Pool-based acquisition: the same criterion as [`Self::acquire`], maximised over the
    /// unused pool rows instead of the continuous box, with the same fantasy step between
    /// picks.
    fn acquire_from_pool(&mut self, n: usize) -> Result<Vec<usize>, Cancelled> {
        let Some(fitted) = self.fit()? else {
            let cube = self.space_filling(n, false)?;
            return self.nearest_rows(&cube);
        };
        let Some(pool) = &self.pool else {
            return Ok(Vec::new());
        };
        let mut free: Vec<usize> = (0..pool.points.len())
            .filter(|&i| !pool.used[i] && pool.encoded[i].is_some())
            .collect();
        let mut front: Vec<Vec<f64>> = non_dominated_cancellable(&fitted.y, &self.cancel)?
            .into_iter()
            .map(|i| fitted.y[i].clone())
            .collect();
        let mut rows = Vec::with_capacity(n);
        for _ in 0..n {
            let base = self.front_volume(&front, &fitted.reference)?;
            let mut best: Option<(usize, usize, f64)> = None;
            for (k, &i) in free.iter().enumerate() {
                self.cancel.check()?;
                let Some(u) = &pool.encoded[i] else {
                    continue;
                };
                let value = self.score(&fitted, &front, base, u);
                // The last of equal values, as `max_by` picks.
                if best.is_none_or(|(_, _, b)| value.total_cmp(&b).is_ge()) {
                    best = Some((k, i, value));
                }
            }
            let Some((k, i, _)) = best else {
                break;
            };
            free.swap_remove(k);
            if let Some(u) = &pool.encoded[i] {
                front.push(fitted.model.predict(u).mean);
                let keep = non_dominated_cancellable(&front, &self.cancel)?;
                front = keep.into_iter().map(|j| front[j].clone()).collect();
            }
            rows.push(i);
        }
        Ok(rows)
    }

    fn acquire(&mut self, n: usize) -> Result<Vec<Vec<f64>>, Cancelled> {
        let Some(fitted) = self.fit()? else {
            return self.space_filling(n, false);
        };
        let (x, y) = (&fitted.x, &fitted.y);
        let pareto_idx = non_dominated_cancellable(y, &self.cancel)?;
        let mut front: Vec<Vec<f64>> = pareto_idx.iter().map(|&i| y[i].clone()).collect();
        let pareto_x: Vec<Vec<f64>> = pareto_idx.iter().map(|&i| x[i].clone()).collect();
        let d = self.encoder.width();
        let mut taken: Vec<Vec<f64>> = x.clone();
        let mut chosen = Vec::with_capacity(n);
        let sigma0 = self.mdl.optimizer.sigma0;
        for _ in 0..n {
            let (scan_seed, cma_seed): (u32, u64) = (self.rng.random(), self.rng.random());
            let local = self.around(&pareto_x, LOCAL_SCAN, LOCAL_STEP);
            let base = self.front_volume(&front, &fitted.reference)?;
            let score = |u: &[f64]| -> f64 { self.score(&fitted, &front, base, u) };
            // Best of a scan, then CMA-ES from there. The scan mixes a Sobol sample of the
            // whole box with small moves around the current Pareto set: with a few dozen
            // points the best next point is usually near the best known ones, where a
            // space-filling sample of the box seldom lands.
            let mut scan = sampling::sobol(256, d, scan_seed, 0);
            scan.extend(local);
            let start = self
                .best_of(&scan, &score)?
                .cloned()
                .unwrap_or_else(|| vec![0.5; d]);
            let result = cmaes::minimize(
                |u| -score(u),
                &start,
                &CmaesConfig {
                    sigma0: sigma0.min(0.3),
                    population: self.mdl.optimizer.population_size.map(|p| p as usize),
                    max_evaluations: 600 + 60 * d,
                    max_restarts: 1,
                    seed: cma_seed,
                    cancel: self.cancel.clone(),
                },
            )?;
            let mut u = self
                .encoder
                .encode(&self.encoder.decode(&result.x))
                .unwrap_or(result.x);
            // Never propose a point already evaluated or chosen: fall back to the best distinct
            // point of the scan.
            if taken.iter().any(|t| too_close(t, &u)) {
                let distinct: Vec<Vec<f64>> = scan
                    .iter()
                    .map(|s| {
                        self.encoder
                            .encode(&self.encoder.decode(s))
                            .unwrap_or_else(|| s.clone())
                    })
                    .filter(|s| !taken.iter().any(|t| too_close(t, s)))
                    .collect();
                if let Some(alt) = self.best_of(&distinct, &score)? {
                    u = alt.clone();
                }
            }
            let fantasy = fitted.model.predict(&u).mean;
            front.push(fantasy);
            let keep = non_dominated_cancellable(&front, &self.cancel)?;
            front = keep.into_iter().map(|i| front[i].clone()).collect();
            taken.push(u.clone());
            chosen.push(u);
        }
        Ok(chosen)
    }

    /// The point of `points` with the highest `score` (the last of equal ones), checking the
    /// cancel flag before each.
    fn best_of<'p>(
        &self,
        points: &'p [Vec<f64>],
        score: &impl Fn(&[f64]) -> f64,
    ) -> Result<Option<&'p Vec<f64>>, Cancelled> {
        let mut best: Option<(&Vec<f64>, f64)> = None;
        for p in points {
            self.cancel.check()?;
            let value = score(p);
            if best.is_none_or(|(_, b)| value.total_cmp(&b).is_ge()) {
                best = Some((p, value));
            }
        }
        Ok(best.map(|(p, _)| p))
    }

    /// `n` points, each a random member of `centres` moved by up to `step` in every
    /// coordinate of the unit cube (clamped to it).
    fn around(&mut self, centres: &[Vec<f64>], n: usize, step: f64) -> Vec<Vec<f64>> {
        if centres.is_empty() {
            return Vec::new();
        }
        (0..n)
            .map(|_| {
                let c = &centres[self.rng.random_range(0..centres.len())];
                c.iter()
                    .map(|v| (v + step * (2.0 * self.rng.random::<f64>() - 1.0)).clamp(0.0, 1.0))
                    .collect()
            })
            .collect()
    }

    /// Records the results of the pending batch and closes the iteration.
    /// [`CampaignError::Cancelled`] when the cancel flag is set before the new front's
    /// hypervolume is known; the campaign is then as it was before the call.
    pub fn tell(
        &mut self,
        results: &[(String, Outcome)],
    ) -> Result<IterationSummary, CampaignError> {
        if self.pending.is_empty() {
            return Err(CampaignError::NothingPending);
        }
        self.cancel.check()?;
        let pending_ids: HashSet<&str> = self.pending.iter().map(|c| c.id.as_str()).collect();
        if let Some((id, _)) = results
            .iter()
            .find(|(id, _)| !pending_ids.contains(id.as_str()))
        {
            return Err(CampaignError::UnknownCandidate(id.clone()));
        }
        let by_id: BTreeMap<&str, &Outcome> =
            results.iter().map(|(id, o)| (id.as_str(), o)).collect();
        let missing: Vec<String> = self
            .pending
            .iter()
            .filter(|c| !by_id.contains_key(c.id.as_str()))
            .map(|c| c.id.clone())
            .collect();
        if !missing.is_empty() {
            return Err(CampaignError::MissingResults(missing));
        }
        let mut recorded = Vec::with_capacity(self.pending.len());
        for candidate in &self.pending {
            let objectives = match by_id[candidate.id.as_str()] {
                Outcome::Failed => None,
                Outcome::Objectives(values) => {
                    let mut row = Vec::with_capacity(self.mdl.objectives.len());
                    for o in &self.mdl.objectives {
                        let v = values.get(&o.name).copied().ok_or_else(|| {
                            CampaignError::MissingObjective {
                                id: candidate.id.clone(),
                                objective: o.name.clone(),
                            }
                        })?;
                        row.push(v);
                    }
                    row.iter().all(|v| v.is_finite()).then_some(row)
                }
            };
            recorded.push(Evaluation {
                id: candidate.id.clone(),
                feasible: self.feasible(&candidate.parameters),
                parameters: candidate.parameters.clone(),
                objectives,
                iteration: candidate.iteration,
            });
        }
        let failed = recorded.iter().filter(|e| e.objectives.is_none()).count();
        let known = self.evaluations.len();
        self.evaluations.extend(recorded);
        let reference = self.reference.clone().or_else(|| self.initial_reference());
        let (hv, pareto_size) = match self.front_and_volume(reference.as_deref()) {
            Ok(done) => done,
            Err(Cancelled) => {
                self.evaluations.truncate(known);
                return Err(CampaignError::Cancelled);
            }
        };
        self.reference = reference;
        self.pending.clear();
        if failed > 0 {
            self.log(
                Level::Warning,
                format!("{failed} evaluations failed; they are kept but not used for training"),
            );
        }
        let previous = self.history.last().copied().unwrap_or(0.0);
        let improvement = if previous > 0.0 {
            (hv - previous) / previous
        } else if hv > 0.0 {
            1.0
        } else {
            0.0
        };
        self.history.push(hv);
        let al = &self.mdl.optimizer.active_learning;
        if self.iteration > 1
            && al.convergence_threshold > 0.0
            && improvement < al.convergence_threshold
        {
            self.stagnant += 1;
        } else {
            self.stagnant = 0;
        }
        self.status = if self.stagnant >= al.convergence_patience {
            Status::Converged
        } else if self.spent() as u32 >= self.budget
            || self.pool.as_ref().is_some_and(|p| {
                !p.used
                    .iter()
                    .zip(&p.encoded)
                    .any(|(u, e)| !u && e.is_some())
            })
        {
            Status::Completed
        } else {
            Status::Running
        };
        self.log(
            Level::Info,
            format!(
                "Hypervolume {hv:.6} ({:+.2}%), Pareto front: {pareto_size} points",
                improvement * 100.0,
            ),
        );
        if self.status != Status::Running {
            self.log(Level::Info, format!("Campaign {}", self.status));
        }
        let summary = IterationSummary {
            iteration: self.iteration,
            evaluations_completed: self.spent(),
            hypervolume: hv,
            hypervolume_improvement: improvement,
            pareto_size,
            surrogate_loss: self.last_loss.take(),
            status: self.status,
        };
        Ok(summary)
    }

    /// The hypervolume of the feasible Pareto front within `reference` (0 without one) and the
    /// front's size.
    fn front_and_volume(&self, reference: Option<&[f64]>) -> Result<(f64, usize), Cancelled> {
        let points: Vec<Vec<f64>> = self.usable().map(|e| self.minimised(e)).collect();
        let front: Vec<Vec<f64>> = non_dominated_cancellable(&points, &self.cancel)?
            .into_iter()
            .map(|i| points[i].clone())
            .collect();
        let volume = match reference {
            Some(r) => self.front_volume(&front, r)?,
            None => 0.0,
        };
        Ok((volume, front.len()))
    }

    /// The objectives' reference points when all are given; otherwise the nadir of the
    /// feasible results plus 10 % of their range (`None` until there are any).
    fn initial_reference(&self) -> Option<Vec<f64>> {
        let given: Option<Vec<f64>> = self
            .mdl
            .objectives
            .iter()
            .zip(&self.signs)
            .map(|(o, s)| o.reference_point.map(|r| r * s))
            .collect();
        if given.is_some() {
            return given;
        }
        let points: Vec<Vec<f64>> = self.usable().map(|e| self.minimised(e)).collect();
        if points.is_empty() {
            return None;
        }
        Some(
            (0..self.signs.len())
                .map(|j| {
                    let lo = points.iter().map(|p| p[j]).fold(f64::INFINITY, f64::min);
                    let hi = points
                        .iter()
                        .map(|p| p[j])
                        .fold(f64::NEG_INFINITY, f64::max);
                    hi + 0.1 * (hi - lo).max(1e-9 * hi.abs().max(1.0))
                })
                .collect(),
        )
    }

    /// Runs to the end with `evaluate` answering every candidate.
    pub fn run_with(&mut self, mut evaluate: impl FnMut(&Point) -> Outcome) -> Status {
        loop {
            let Ok(batch) = self.ask() else {
                return self.status;
            };
            if batch.is_empty() {
                return self.status;
            }
            let results: Vec<(String, Outcome)> = batch
                .iter()
                .map(|c| (c.id.clone(), evaluate(&c.parameters)))
                .collect();
            if self.tell(&results).is_err() {
                return self.status;
            }
        }
    }
}

/// How far `y` must move (in its worst coordinate) to be neither dominated by the front nor
/// outside the reference box.
fn distance_to_front(y: &[f64], front: &[Vec<f64>], reference: &[f64]) -> f64 {
    let outside = y
        .iter()
        .zip(reference)
        .map(|(v, r)| v - r)
        .fold(0.0_f64, f64::max);
    let dominated = front
        .iter()
        .map(|p| {
            y.iter()
                .zip(p)
                .map(|(a, b)| a - b)
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .fold(f64::INFINITY, f64::min)
        .max(0.0);
    let dominated = if dominated.is_finite() {
        dominated
    } else {
        0.0
    };
    outside.max(dominated) + 1e-12
}

fn too_close(a: &[f64], b: &[f64]) -> bool {
    squared_distance(a, b) < 1e-10
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum()
}

/// A trained surrogate with the data and reference it was trained for.
struct Fitted {
    model: Surrogate,
    reference: Vec<f64>,
    x: Vec<Vec<f64>>,
    y: Vec<Vec<f64>>,
}

/// Evaluates `point` with the built-in simulator of `mdl`'s domain.
pub fn simulate(mdl: &Mdl, point: &Point) -> Outcome {
    let Some(sim) = crate::simulators::simulator(&mdl.domain) else {
        return Outcome::Failed;
    };
    let numbers = Encoder::numbers(point);
    match sim.evaluate(&numbers) {
        Ok(values) => {
            Outcome::Objectives(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        }
        Err(_) => Outcome::Failed,
    }
}

/// Whether a point's value is a number (for callers building outcomes).
pub fn number(point: &Point, name: &str) -> Option<f64> {
    match point.get(name)? {
        Value::Number(v) => Some(*v),
        Value::Choice(_) => None,
    }
}
