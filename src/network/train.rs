//! Minibatch training of the built-in [`Mlp`].

use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{Mlp, Network, NetworkError, check_classes, check_input_width};
use crate::Result;
use crate::ablation::Metric;
use crate::data::Dataset;

/// The update rule of [`Mlp::train`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// Stochastic gradient descent with (heavy-ball) momentum.
    Sgd {
        /// Learning rate.
        lr: f32,
        /// Momentum coefficient in `[0, 1)`; 0 is plain SGD.
        momentum: f32,
    },
    /// Adam (Kingma & Ba), with bias correction.
    Adam {
        /// Learning rate.
        lr: f32,
        /// First-moment decay.
        beta1: f32,
        /// Second-moment decay.
        beta2: f32,
        /// Denominator offset.
        eps: f32,
    },
}

impl Optimizer {
    /// Adam with PyTorch's defaults (`lr` given, betas 0.9 / 0.999, eps 1e-8).
    pub fn adam(lr: f32) -> Self {
        Optimizer::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Settings of [`Mlp::train`], validated by [`TrainConfig::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Samples per minibatch.
    pub batch_size: usize,
    /// The update rule.
    pub optimizer: Optimizer,
    /// L2 penalty `λ/2·‖W‖²` on weights (not biases); 0 for none.
    pub l2: f32,
    /// Seed of the per-epoch shuffling.
    pub seed: u64,
}

impl Default for TrainConfig {
    /// 10 epochs of Adam (lr 1e-3) in batches of 128, no L2, seed 0.
    fn default() -> Self {
        TrainConfig {
            epochs: 10,
            batch_size: 128,
            optimizer: Optimizer::adam(1e-3),
            l2: 0.0,
            seed: 0,
        }
    }
}

impl TrainConfig {
    /// Checks every setting's range.
    ///
    /// # Errors
    /// [`NetworkError::Parameter`] naming the setting.
    pub fn validate(&self) -> Result<(), NetworkError> {
        let bad = |name, value: String, reason| Err(NetworkError::Parameter { name, value, reason });
        if self.batch_size == 0 {
            return bad("batch_size", "0".into(), "must be positive");
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return bad("l2", self.l2.to_string(), "must be finite and non-negative");
        }
        match self.optimizer {
            Optimizer::Sgd { lr, momentum } => {
                if !(lr.is_finite() && lr > 0.0) {
                    return bad("lr", lr.to_string(), "must be finite and positive");
                }
                if !(0.0..1.0).contains(&momentum) {
                    return bad("momentum", momentum.to_string(), "must lie in [0, 1)");
                }
            }
            Optimizer::Adam { lr, beta1, beta2, eps } => {
                if !(lr.is_finite() && lr > 0.0) {
                    return bad("lr", lr.to_string(), "must be finite and positive");
                }
                if !(0.0..1.0).contains(&beta1) || !(0.0..1.0).contains(&beta2) {
                    return bad("beta", format!("({beta1}, {beta2})"), "betas must lie in [0, 1)");
                }
                if !(eps.is_finite() && eps > 0.0) {
                    return bad("eps", eps.to_string(), "must be finite and positive");
                }
            }
        }
        Ok(())
    }
}

/// What one epoch of training did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean cross-entropy (nats) over the epoch's minibatches, as trained.
    pub train_loss: f64,
    /// Fraction of training samples classified right during the epoch.
    pub train_accuracy: f64,
}

/// Sees the network while [`Mlp::train_observed`] trains it: after every
/// epoch, and every [`every_steps`](TrainObserver::every_steps) optimizer
/// steps if it asks. The information-plane observer of
/// [`infoplane`](crate::infoplane) is one.
pub trait TrainObserver {
    /// Optimizer steps between calls of [`at_step`](TrainObserver::at_step);
    /// `None` (the default) for epoch ends only.
    fn every_steps(&self) -> Option<usize> {
        None
    }

    /// Called after optimizer step `step` (counted over the run, from 1) of
    /// epoch `epoch` when `step` is a multiple of
    /// [`every_steps`](TrainObserver::every_steps).
    ///
    /// # Errors
    /// Whatever the observer fails with; training stops.
    fn at_step(&mut self, network: &Mlp, epoch: usize, step: usize) -> Result<()> {
        let _ = (network, epoch, step);
        Ok(())
    }

    /// Called after every epoch with its report and the steps taken so far.
    ///
    /// # Errors
    /// Whatever the observer fails with; training stops.
    fn at_epoch(&mut self, network: &Mlp, report: &EpochReport, step: usize) -> Result<()>;
}

/// The epoch callback of [`Mlp::train`] as an observer.
struct EpochFn<'a>(&'a mut dyn FnMut(&EpochReport));

impl TrainObserver for EpochFn<'_> {
    fn at_epoch(&mut self, _: &Mlp, report: &EpochReport, _: usize) -> Result<()> {
        (self.0)(report);
        Ok(())
    }
}

/// Optimizer state for one parameter tensor.
struct Moments<D: ndarray::Dimension> {
    first: ndarray::Array<f32, D>,
    second: ndarray::Array<f32, D>,
}

impl<D: ndarray::Dimension> Moments<D> {
    fn new(shape: D) -> Self {
        Moments {
            first: ndarray::Array::zeros(shape.clone()),
            second: ndarray::Array::zeros(shape),
        }
    }

    /// Applies one update of `optimizer` at step `t` (from 1) to `param`.
    fn step(
        &mut self,
        optimizer: Optimizer,
        t: i32,
        param: &mut ndarray::Array<f32, D>,
        grad: &ndarray::Array<f32, D>,
    ) {
        match optimizer {
            Optimizer::Sgd { lr, momentum } => {
                Zip::from(param).and(&mut self.first).and(grad).for_each(|p, v, &g| {
                    *v = momentum * *v + g;
                    *p -= lr * *v;
                });
            }
            Optimizer::Adam { lr, beta1, beta2, eps } => {
                let c1 = 1.0 - beta1.powi(t);
                let c2 = 1.0 - beta2.powi(t);
                Zip::from(param)
                    .and(&mut self.first)
                    .and(&mut self.second)
                    .and(grad)
                    .for_each(|p, m, v, &g| {
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        *p -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                    });
            }
        }
    }
}

impl Mlp {
    /// Trains on `data` with softmax cross-entropy, calling `on_epoch` after
    /// every epoch, and returns the epoch reports. The shuffling is seeded by
    /// `config.seed`: the same seed, weights and data give the same result.
    ///
    /// # Errors
    /// [`NetworkError::Parameter`] for invalid settings or more classes in the
    /// data than network outputs, [`NetworkError::InputWidth`],
    /// [`NetworkError::NonFiniteOutput`] when training diverges (a forward
    /// pass overflows), naming the layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use infoablate::ablation::evaluate;
    /// use infoablate::data::Dataset;
    /// use infoablate::network::{Activation, Init, Mlp, TrainConfig};
    /// use ndarray::array;
    /// use rand::SeedableRng;
    ///
    /// // Learn XOR.
    /// let x = array![[0.0_f32, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    /// let data = Dataset::new(x, vec![0, 1, 1, 0], 2)?;
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    /// let mut mlp = Mlp::new(&[2, 16, 2], Activation::Tanh, infoablate::network::Init::Xavier, &mut rng)?;
    /// let config = TrainConfig { epochs: 300, batch_size: 4, optimizer: infoablate::network::Optimizer::adam(0.05), ..TrainConfig::default() };
    /// mlp.train(&data, &config, &mut |_| {})?;
    /// assert_eq!(evaluate(&mlp, &data, 4)?.accuracy, 1.0);
    /// # Ok::<(), infoablate::Error>(())
    /// ```
    pub fn train(
        &mut self,
        data: &Dataset,
        config: &TrainConfig,
        on_epoch: &mut dyn FnMut(&EpochReport),
    ) -> Result<Vec<EpochReport>> {
        self.train_observed(data, config, &mut EpochFn(on_epoch))
    }

    /// As [`train`](Mlp::train), showing the network to `observer` after
    /// every epoch and, if it asks, every [`every_steps`](TrainObserver::every_steps)
    /// optimizer steps. An observer's error stops the training and is returned.
    ///
    /// # Errors
    /// As [`train`](Mlp::train), and whatever the observer returns.
    pub fn train_observed(
        &mut self,
        data: &Dataset,
        config: &TrainConfig,
        observer: &mut dyn TrainObserver,
    ) -> Result<Vec<EpochReport>> {
        config.validate()?;
        let every = observer.every_steps().filter(|&k| k > 0);
        check_classes(self.num_classes(), data.num_classes())?;
        check_input_width(data.inputs(), self.input_width())?;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut w_state: Vec<_> = self
            .layers
            .weights()
            .iter()
            .map(|w| Moments::new(w.raw_dim()))
            .collect();
        let mut b_state: Vec<_> = self.layers.biases().iter().map(|b| Moments::new(b.raw_dim())).collect();
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut reports = Vec::new(); // grows per epoch: `epochs` is not trusted as a size
        let mut t = 0_i32;
        for epoch in 1..=config.epochs {
            order.shuffle(&mut rng);
            let mut epoch_metric = Metric::new();
            for batch in order.chunks(config.batch_size) {
                t = t.saturating_add(1);
                let x = data.inputs().select(Axis(0), batch);
                let labels: Vec<usize> = batch.iter().map(|&i| data.labels()[i]).collect();
                let (grads, metric) = self.gradients(x.view(), &labels, config.l2, batch)?;
                epoch_metric.merge(&metric);
                let (weights, biases) = self.layers.params_mut();
                for (k, (gw, gb)) in grads.into_iter().enumerate() {
                    w_state[k].step(config.optimizer, t, &mut weights[k], &gw);
                    b_state[k].step(config.optimizer, t, &mut biases[k], &gb);
                }
                if every.is_some_and(|k| (t as usize).is_multiple_of(k)) {
                    observer.at_step(self, epoch, t as usize)?;
                }
            }
            let report = EpochReport {
                epoch,
                train_loss: epoch_metric.loss_sum() / data.len() as f64,
                train_accuracy: epoch_metric.correct() as f64 / data.len() as f64,
            };
            observer.at_epoch(self, &report, t as usize)?;
            reports.push(report);
        }
        Ok(reports)
    }

    /// Gradients of the mean cross-entropy (plus the L2 penalty) on one batch
    /// (the samples `samples` of the data set), per affine layer, with the
    /// batch's metric.
    #[allow(clippy::type_complexity)]
    fn gradients(
        &self,
        x: ArrayView2<'_, f32>,
        labels: &[usize],
        l2: f32,
        samples: &[usize],
    ) -> Result<(Vec<(Array2<f32>, Array1<f32>)>, Metric)> {
        let layers = self.layers.weights().len();
        // Forward, keeping every hidden layer's pre-activation and output.
        let mut pre: Vec<Array2<f32>> = Vec::with_capacity(layers);
        let mut outputs: Vec<Array2<f32>> = Vec::with_capacity(layers);
        let mut z = self.layers.affine_plain(0, x);
        for k in 1..layers {
            let mut h = z.clone();
            self.activation.apply(h.view_mut());
            let next = self.layers.affine_plain(k, h.view());
            pre.push(z);
            outputs.push(h);
            z = next;
        }
        let mut metric = Metric::new();
        if let Err(row) = metric.add_batch(z.view(), labels) {
            let hidden = outputs.iter().enumerate().find_map(|(layer, h)| {
                let value = h.row(row).iter().copied().find(|v| !v.is_finite())?;
                Some((layer, value))
            });
            let (layer, value) = match hidden {
                Some((layer, value)) => (Some(layer), value),
                None => (
                    None,
                    z.row(row).iter().copied().find(|v| !v.is_finite()).unwrap_or(f32::NAN),
                ),
            };
            let sample = samples[row];
            return Err(NetworkError::NonFiniteOutput { layer, sample, value }.into());
        }
        // Softmax minus one-hot, divided by the batch size.
        let scale = 1.0 / labels.len() as f32;
        for (mut row, &y) in z.outer_iter_mut().zip(labels) {
            let max = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            row.mapv_inplace(|v| (v - max).exp());
            let sum = row.sum();
            row.mapv_inplace(|v| v / sum * scale);
            row[y] -= scale;
        }
        let mut delta = z;
        let mut grads = Vec::with_capacity(layers);
        for k in (0..layers).rev() {
            let input = if k == 0 { x } else { outputs[k - 1].view() };
            let mut gw = delta.t().dot(&input);
            if l2 > 0.0 {
                gw.scaled_add(l2, &self.layers.weights()[k]);
            }
            let gb = delta.sum_axis(Axis(0));
            if k > 0 {
                let mut back = delta.dot(&self.layers.weights()[k]);
                self.activation
                    .backprop(pre[k - 1].view(), outputs[k - 1].view(), back.view_mut());
                delta = back;
            }
            grads.push((gw, gb));
        }
        grads.reverse();
        Ok((grads, metric))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use crate::ablation::Metric;
    use crate::network::activation::EVERY_KIND;
    use crate::network::{Init, Mlp, Network};

    /// Mean cross-entropy of `mlp` on `x`, `labels`.
    fn loss(mlp: &Mlp, x: &Array2<f32>, labels: &[usize]) -> f64 {
        let mut metric = Metric::new();
        metric.add_batch(mlp.forward(x.view()).unwrap().view(), labels).unwrap();
        metric.loss_sum() / labels.len() as f64
    }

    /// Backpropagation agrees with central differences of the loss for every
    /// activation (so training follows each one's derivative).
    #[test]
    fn gradients_match_finite_differences_for_every_activation() {
        /// Central-difference step, and the agreement asked for: f32 forward
        /// passes leave about 1e-7 / STEP of noise in a difference quotient.
        const STEP: f32 = 1e-2;
        const ABS_TOL: f64 = 2e-3;
        const REL_TOL: f64 = 2e-2;
        let x = Array2::from_shape_fn((6, 3), |(i, j)| ((i * 5 + j * 3) % 7) as f32 / 3.0 - 1.0);
        let labels = [0, 1, 1, 0, 1, 0];
        for act in EVERY_KIND {
            let mut rng = StdRng::seed_from_u64(3);
            let mlp = Mlp::new(&[3, 4, 4, 2], act, Init::Xavier, &mut rng).unwrap();
            let samples: Vec<usize> = (0..labels.len()).collect();
            let (grads, _) = mlp.gradients(x.view(), &labels, 0.0, &samples).unwrap();
            for (k, (gw, _)) in grads.iter().enumerate() {
                for ((i, j), &analytic) in gw.indexed_iter() {
                    let mut plus = mlp.clone();
                    plus.layers.params_mut().0[k][[i, j]] += STEP;
                    let mut minus = mlp.clone();
                    minus.layers.params_mut().0[k][[i, j]] -= STEP;
                    let numeric = (loss(&plus, &x, &labels) - loss(&minus, &x, &labels)) / (2.0 * f64::from(STEP));
                    let analytic = f64::from(analytic);
                    assert!(
                        (numeric - analytic).abs() <= ABS_TOL + REL_TOL * analytic.abs(),
                        "{act}: layer {k} weight ({i}, {j}): backprop {analytic}, finite difference {numeric}"
                    );
                }
            }
        }
    }
}
