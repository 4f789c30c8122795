//! The surrogate model: a deep ensemble of multilayer perceptrons (Lakshminarayanan et al.
//! 2017) predicting every objective with a mean and an uncertainty.
//!
//! Inputs are the design's unit-cube encoding (categorical one-hot and log scales are handled
//! by the encoder); inputs and outputs are standardised per column. Each member is trained from
//! scratch with Adam on mean squared error, with inverted dropout on hidden layers, and stops
//! early when the loss on a held-out fifth has not improved for `early_stopping_patience` epochs
//! (its best weights are kept). Members differ by initialisation and data order; the spread of
//! their predictions is the uncertainty. Deterministic for a seed.
//!
//! Memory while training, per member (one thread each): the weights, Adam's two moments, the
//! best weights so far and one gradient buffer, all the size of the network and allocated
//! once (see [`crate::memory`]). Training checks its [`Cancel`] flag before every layer it
//! initialises and every sample it learns from.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use mdl::{Activation, SurrogateConfig};

use crate::cancel::{Cancel, Cancelled};

/// Why a surrogate cannot be trained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurrogateError {
    /// Fewer than two training points.
    #[error("at least 2 evaluated points are needed to train the surrogate, got {0}")]
    TooFewPoints(usize),
    /// Rows of different lengths or non-finite values.
    #[error("training data is malformed: {0}")]
    BadData(String),
    /// The [`Cancel`] flag was set during training.
    #[error("training was cancelled")]
    Cancelled,
}

/// A prediction for one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Ensemble mean per objective.
    pub mean: Vec<f64>,
    /// Ensemble standard deviation per objective (uncertainty).
    pub std: Vec<f64>,
}

/// What training reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainReport {
    /// Mean held-out loss of the members at their best epoch (standardised MSE).
    pub loss: f64,
    /// Mean number of epochs run per member.
    pub epochs: f64,
}

#[derive(Debug, Clone)]
struct Layer {
    w: Vec<f64>, // out × in, row-major
    b: Vec<f64>,
    inputs: usize,
}

#[derive(Debug, Clone)]
struct Mlp {
    layers: Vec<Layer>,
    activation: Activation,
}

fn act(a: Activation, x: f64) -> f64 {
    match a {
        Activation::Relu => x.max(0.0),
        Activation::Tanh => x.tanh(),
        Activation::Silu => x / (1.0 + (-x).exp()),
    }
}

fn act_grad(a: Activation, x: f64) -> f64 {
    match a {
        Activation::Relu => {
            if x > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Activation::Tanh => 1.0 - x.tanh().powi(2),
        Activation::Silu => {
            let s = 1.0 / (1.0 + (-x).exp());
            s * (1.0 + x * (1.0 - s))
        }
    }
}

impl Mlp {
    /// Random weights for layers of `sizes`; the flag is checked before each layer (a wide
    /// layer takes a quarter of a million draws).
    fn new(
        sizes: &[usize],
        activation: Activation,
        rng: &mut impl Rng,
        cancel: &Cancel,
    ) -> Result<Self, Cancelled> {
        let layers = sizes
            .windows(2)
            .map(|w| {
                cancel.check()?;
                // He initialisation for ReLU-like units, Glorot-like for tanh.
                let scale = match activation {
                    Activation::Tanh => (1.0 / w[0] as f64).sqrt(),
                    _ => (2.0 / w[0] as f64).sqrt(),
                };
                Ok(Layer {
                    w: (0..w[0] * w[1]).map(|_| scale * normal(rng)).collect(),
                    b: vec![0.0; w[1]],
                    inputs: w[0],
                })
            })
            .collect::<Result<_, Cancelled>>()?;
        Ok(Self { layers, activation })
    }

    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut h = x.to_vec();
        let last = self.layers.len() - 1;
        for (l, layer) in self.layers.iter().enumerate() {
            let mut out = layer.b.clone();
            for (o, value) in out.iter_mut().enumerate() {
                *value += dot(&layer.w[o * layer.inputs..(o + 1) * layer.inputs], &h);
            }
            if l < last {
                out.iter_mut().for_each(|v| *v = act(self.activation, *v));
            }
            h = out;
        }
        h
    }

    /// Adds the gradient of ½‖f(x) − y‖² to `grads` (same shape as the layers), with dropout.
    fn backprop(
        &self,
        x: &[f64],
        y: &[f64],
        dropout: f64,
        rng: &mut impl Rng,
        grads: &mut [Layer],
    ) -> f64 {
        let last = self.layers.len() - 1;
        let keep = 1.0 - dropout;
        let mut inputs: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        let mut pre: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        let mut masks: Vec<Vec<f64>> = Vec::with_capacity(self.layers.len());
        let mut h = x.to_vec();
        for (l, layer) in self.layers.iter().enumerate() {
            let mut z = layer.b.clone();
            for (o, value) in z.iter_mut().enumerate() {
                *value += dot(&layer.w[o * layer.inputs..(o + 1) * layer.inputs], &h);
            }
            inputs.push(h);
            let (out, mask) = if l < last {
                let mask: Vec<f64> = (0..z.len())
                    .map(|_| {
                        if dropout > 0.0 && rng.random::<f64>() < dropout {
                            0.0
                        } else {
                            1.0 / keep
                        }
                    })
                    .collect();
                (
                    z.iter()
                        .zip(&mask)
                        .map(|(v, m)| act(self.activation, *v) * m)
                        .collect(),
                    mask,
                )
            } else {
                (z.clone(), Vec::new())
            };
            pre.push(z);
            masks.push(mask);
            h = out;
        }
        let mut delta: Vec<f64> = h.iter().zip(y).map(|(p, t)| p - t).collect();
        let loss = 0.5 * delta.iter().map(|d| d * d).sum::<f64>();
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let g = &mut grads[l];
            for (o, d) in delta.iter().enumerate() {
                g.b[o] += d;
                let row = &mut g.w[o * layer.inputs..(o + 1) * layer.inputs];
                for (gw, x) in row.iter_mut().zip(&inputs[l]) {
                    *gw += d * x;
                }
            }
            if l == 0 {
                break;
            }
            let mut back = vec![0.0; layer.inputs];
            for (o, d) in delta.iter().enumerate() {
                let row = &layer.w[o * layer.inputs..(o + 1) * layer.inputs];
                for (bk, w) in back.iter_mut().zip(row) {
                    *bk += d * w;
                }
            }
            let (z, mask) = (&pre[l - 1], &masks[l - 1]);
            delta = back
                .iter()
                .zip(z)
                .zip(mask)
                .map(|((b, z), m)| b * act_grad(self.activation, *z) * m)
                .collect();
        }
        loss
    }
}

/// Dot product with four independent partial sums, so the compiler can use vector lanes (a
/// single running sum is a serial dependency it may not reorder).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = a.len() / 4 * 4;
    for (x, y) in a[..chunks].chunks_exact(4).zip(b[..chunks].chunks_exact(4)) {
        for ((sum, x), y) in acc.iter_mut().zip(x).zip(y) {
            *sum += x * y;
        }
    }
    let tail: f64 = a[chunks..]
        .iter()
        .zip(&b[chunks..])
        .map(|(x, y)| x * y)
        .sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Copies `from`'s weights into `to` (same shapes) without allocating.
fn copy_weights(to: &mut [Layer], from: &[Layer]) {
    for (t, f) in to.iter_mut().zip(from) {
        t.w.copy_from_slice(&f.w);
        t.b.copy_from_slice(&f.b);
    }
}

fn zeros_like(layers: &[Layer]) -> Vec<Layer> {
    layers
        .iter()
        .map(|l| Layer {
            w: vec![0.0; l.w.len()],
            b: vec![0.0; l.b.len()],
            inputs: l.inputs,
        })
        .collect()
}

/// Standardisation of one column.
#[derive(Debug, Clone, Copy)]
struct Scale {
    mean: f64,
    std: f64,
}

fn scales(rows: &[Vec<f64>], width: usize) -> Vec<Scale> {
    (0..width)
        .map(|j| {
            let n = rows.len() as f64;
            let mean = rows.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = rows.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n;
            Scale {
                mean,
                std: var.sqrt().max(1e-9),
            }
        })
        .collect()
}

fn apply(row: &[f64], s: &[Scale]) -> Vec<f64> {
    row.iter()
        .zip(s)
        .map(|(v, s)| (v - s.mean) / s.std)
        .collect()
}

/// A trained ensemble.
#[derive(Debug, Clone)]
pub struct Surrogate {
    members: Vec<Mlp>,
    x_scale: Vec<Scale>,
    y_scale: Vec<Scale>,
}

impl Surrogate {
    /// Trains `members` networks on inputs `x` (unit-cube encoded) and objectives `y`, one
    /// thread each; ends with [`SurrogateError::Cancelled`] soon after `cancel` is set.
    pub fn train(
        x: &[Vec<f64>],
        y: &[Vec<f64>],
        config: &SurrogateConfig,
        members: usize,
        seed: u64,
        cancel: &Cancel,
    ) -> Result<(Self, TrainReport), SurrogateError> {
        let n = x.len();
        if n < 2 || y.len() != n {
            return Err(SurrogateError::TooFewPoints(n.min(y.len())));
        }
        let (d, m) = (x[0].len(), y[0].len());
        if x.iter()
            .any(|r| r.len() != d || r.iter().any(|v| !v.is_finite()))
            || y.iter()
                .any(|r| r.len() != m || r.iter().any(|v| !v.is_finite()))
        {
            return Err(SurrogateError::BadData(
                "rows differ in length or hold NaN/inf".into(),
            ));
        }
        let x_scale = scales(x, d);
        let y_scale = scales(y, m);
        let xs: Vec<Vec<f64>> = x.iter().map(|r| apply(r, &x_scale)).collect();
        let ys: Vec<Vec<f64>> = y.iter().map(|r| apply(r, &y_scale)).collect();
        let mut sizes = vec![d];
        sizes.extend(config.hidden_layers.iter().map(|w| *w as usize));
        sizes.push(m);

        let members = members.max(1);
        let results: Result<Vec<(Mlp, f64, usize)>, Cancelled> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..members)
                .map(|k| {
                    let (xs, ys, sizes) = (&xs, &ys, &sizes);
                    std::thread::Builder::new()
                        .name(TRAINING_THREAD.into())
                        .spawn_scoped(scope, move || {
                            train_member(
                                xs,
                                ys,
                                sizes,
                                config,
                                seed.wrapping_add(k as u64 * 7919),
                                cancel,
                            )
                        })
                        .expect("a training thread")
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("training thread"))
                .collect()
        });
        let results = results.map_err(|Cancelled| SurrogateError::Cancelled)?;
        let report = TrainReport {
            loss: results.iter().map(|r| r.1).sum::<f64>() / members as f64,
            epochs: results.iter().map(|r| r.2 as f64).sum::<f64>() / members as f64,
        };
        Ok((
            Self {
                members: results.into_iter().map(|r| r.0).collect(),
                x_scale,
                y_scale,
            },
            report,
        ))
    }

    /// Mean and uncertainty of every objective at `x`.
    pub fn predict(&self, x: &[f64]) -> Prediction {
        let xs = apply(x, &self.x_scale);
        let outs: Vec<Vec<f64>> = self.members.iter().map(|net| net.forward(&xs)).collect();
        let k = outs.len() as f64;
        let m = self.y_scale.len();
        let mut mean = vec![0.0; m];
        let mut std = vec![0.0; m];
        for j in 0..m {
            let mu = outs.iter().map(|o| o[j]).sum::<f64>() / k;
            let var = outs.iter().map(|o| (o[j] - mu).powi(2)).sum::<f64>() / k;
            mean[j] = mu * self.y_scale[j].std + self.y_scale[j].mean;
            std[j] = var.sqrt() * self.y_scale[j].std;
        }
        Prediction { mean, std }
    }
}

/// The name of the threads that train ensemble members (as `top -H` and `/proc` show them).
pub const TRAINING_THREAD: &str = "mc-surrogate";

/// The fewest optimiser steps an epoch takes (see [`train_member`]).
pub const MIN_STEPS_PER_EPOCH: usize = 8;

/// Trains one member; returns it with its best held-out loss and the epochs run.
fn train_member(
    xs: &[Vec<f64>],
    ys: &[Vec<f64>],
    sizes: &[usize],
    config: &SurrogateConfig,
    seed: u64,
    cancel: &Cancel,
) -> Result<(Mlp, f64, usize), Cancelled> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut net = Mlp::new(sizes, config.activation, &mut rng, cancel)?;
    let n = xs.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    // A fifth held out for early stopping (at least one point), unless there is too little data.
    let held = if n >= 10 { (n / 5).max(1) } else { 0 };
    let (valid, train) = order.split_at(held);
    let mut train = train.to_vec();
    let (b1, b2, eps, lr): (f64, f64, f64, f64) = (0.9, 0.999, 1e-8, config.learning_rate);
    let mut m1 = zeros_like(&net.layers);
    let mut m2 = zeros_like(&net.layers);
    let mut grads = zeros_like(&net.layers);
    let mut t = 0i32;
    let mut best = (f64::INFINITY, net.clone(), 0usize);
    let mut since_best = 0u32;
    let mut epochs = 0;
    // Small training sets are split into at least MIN_STEPS_PER_EPOCH mini-batches: with a few
    // dozen points and the default batch of 32, an epoch would be a single step and the
    // networks would stop far from a fit (measured: README, sample-efficiency benchmark).
    let batch_size = (config.batch_size.max(1) as usize)
        .min(train.len().div_ceil(MIN_STEPS_PER_EPOCH))
        .max(1);
    for epoch in 0..config.epochs as usize {
        epochs = epoch + 1;
        train.shuffle(&mut rng);
        let mut train_loss = 0.0;
        for batch in train.chunks(batch_size) {
            cancel.check()?;
            for g in &mut grads {
                g.w.fill(0.0);
                g.b.fill(0.0);
            }
            for &i in batch {
                // A mini-batch may hold a thousand samples.
                cancel.check()?;
                train_loss += net.backprop(&xs[i], &ys[i], config.dropout, &mut rng, &mut grads);
            }
            t += 1;
            let scale = 1.0 / batch.len() as f64;
            let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
            for ((layer, g), (a, v)) in net
                .layers
                .iter_mut()
                .zip(&grads)
                .zip(m1.iter_mut().zip(m2.iter_mut()))
            {
                for (((w, gw), aw), vw) in layer
                    .w
                    .iter_mut()
                    .zip(&g.w)
                    .zip(a.w.iter_mut())
                    .zip(v.w.iter_mut())
                {
                    let gw = gw * scale;
                    *aw = b1 * *aw + (1.0 - b1) * gw;
                    *vw = b2 * *vw + (1.0 - b2) * gw * gw;
                    *w -= lr * (*aw / c1) / ((*vw / c2).sqrt() + eps);
                }
                for (((bias, gb), ab), vb) in layer
                    .b
                    .iter_mut()
                    .zip(&g.b)
                    .zip(a.b.iter_mut())
                    .zip(v.b.iter_mut())
                {
                    let gb = gb * scale;
                    *ab = b1 * *ab + (1.0 - b1) * gb;
                    *vb = b2 * *vb + (1.0 - b2) * gb * gb;
                    *bias -= lr * (*ab / c1) / ((*vb / c2).sqrt() + eps);
                }
            }
        }
        let monitored = if valid.is_empty() {
            train_loss / train.len().max(1) as f64
        } else {
            valid
                .iter()
                .map(|&i| {
                    let p = net.forward(&xs[i]);
                    0.5 * p
                        .iter()
                        .zip(&ys[i])
                        .map(|(a, b)| (a - b).powi(2))
                        .sum::<f64>()
                })
                .sum::<f64>()
                / valid.len() as f64
        };
        if monitored < best.0 {
            // Copied in place: a fresh clone would briefly hold a third copy of the network.
            copy_weights(&mut best.1.layers, &net.layers);
            (best.0, best.2) = (monitored, epoch);
            since_best = 0;
        } else {
            since_best += 1;
            if since_best >= config.early_stopping_patience {
                break;
            }
        }
    }
    Ok((best.1, best.0, epochs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SurrogateConfig {
        SurrogateConfig {
            hidden_layers: vec![32, 16],
            learning_rate: 0.01,
            epochs: 300,
            dropout: 0.0,
            activation: Activation::Silu,
            batch_size: 16,
            early_stopping_patience: 30,
        }
    }

    fn f(x: &[f64]) -> Vec<f64> {
        vec![
            (3.0 * x[0]).sin() + x[1] * x[1],
            5.0 * (x[0] - 0.5).powi(2) - x[1],
        ]
    }

    #[test]
    fn fits_a_smooth_two_objective_function() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let x = crate::sampling::latin_hypercube(80, 2, &mut rng);
        let y: Vec<Vec<f64>> = x.iter().map(|p| f(p)).collect();
        let (model, report) = Surrogate::train(&x, &y, &config(), 3, 1, &Cancel::new()).unwrap();
        assert!(report.loss < 0.05, "{report:?}");
        let test = crate::sampling::latin_hypercube(50, 2, &mut rng);
        let err: f64 = test
            .iter()
            .map(|p| {
                let (pred, truth) = (model.predict(p).mean, f(p));
                pred.iter()
                    .zip(&truth)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>()
            })
            .sum::<f64>()
            / 50.0;
        assert!(err < 0.15, "mean absolute error {err}");
    }

    #[test]
    fn uncertainty_grows_away_from_the_data() {
        let x: Vec<Vec<f64>> = (0..20).map(|i| vec![0.4 * i as f64 / 19.0]).collect();
        let y: Vec<Vec<f64>> = x.iter().map(|p| vec![(4.0 * p[0]).sin()]).collect();
        let (model, _) = Surrogate::train(&x, &y, &config(), 5, 2, &Cancel::new()).unwrap();
        let near = model.predict(&[0.2]).std[0];
        let far = model.predict(&[1.0]).std[0];
        assert!(far > 2.0 * near, "near {near}, far {far}");
    }

    #[test]
    fn the_same_seed_trains_the_same_model() {
        let x: Vec<Vec<f64>> = (0..12)
            .map(|i| vec![i as f64 / 11.0, 1.0 - i as f64 / 11.0])
            .collect();
        let y: Vec<Vec<f64>> = x.iter().map(|p| f(p)).collect();
        let a = Surrogate::train(&x, &y, &config(), 2, 9, &Cancel::new())
            .unwrap()
            .0
            .predict(&[0.3, 0.3]);
        let b = Surrogate::train(&x, &y, &config(), 2, 9, &Cancel::new())
            .unwrap()
            .0
            .predict(&[0.3, 0.3]);
        assert_eq!(a, b);
    }

    #[test]
    fn a_set_flag_stops_training_within_one_sample() {
        let x: Vec<Vec<f64>> = (0..200).map(|i| vec![f64::from(i) / 199.0]).collect();
        let y: Vec<Vec<f64>> = x.iter().map(|p| vec![(4.0 * p[0]).sin()]).collect();
        let endless = SurrogateConfig {
            epochs: 100_000,
            early_stopping_patience: 100_000,
            ..config()
        };
        let cancel = Cancel::new();
        let stopper = cancel.clone();
        let started = std::time::Instant::now();
        let timer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(200));
            stopper.cancel();
        });
        let result = Surrogate::train(&x, &y, &endless, 4, 1, &cancel);
        timer.join().unwrap();
        assert_eq!(result.unwrap_err(), SurrogateError::Cancelled);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn bad_training_data_is_an_error() {
        let cfg = config();
        assert_eq!(
            Surrogate::train(&[vec![0.0]], &[vec![1.0]], &cfg, 1, 0, &Cancel::new()).unwrap_err(),
            SurrogateError::TooFewPoints(1)
        );
        let x = vec![vec![0.0], vec![1.0]];
        assert!(
            Surrogate::train(&x, &[vec![1.0], vec![f64::NAN]], &cfg, 1, 0, &Cancel::new()).is_err()
        );
    }
}
