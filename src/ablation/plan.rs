//! The checked plan: what every ablation run takes, whoever wrote the schedule.

use super::{AblationError, AblationSchedule, Neuron, Replacement, ScheduleInfo, Scope};
use crate::Result;

/// A schedule checked against a network's hidden widths, with the
/// replacement value of every neuron: the only input the fast and the plain
/// path take (in the manner of linfa's checked parameters).
///
/// Built by [`Engine::plan`](super::Engine::plan) from any
/// [`AblationSchedule`], built-in or not. Checked are: every neuron's layer
/// exists and its index is below the layer's width, no neuron comes twice,
/// every neuron lies in the schedule's scope, the checkpoints increase
/// strictly and none exceeds the number of neurons, and every replacement
/// value is finite.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::ablation::{AblationError, Engine, Schedule};
/// use infoablate::data::Dataset;
/// use infoablate::network::{Activation, Mlp};
/// use ndarray::array;
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]), (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[0.0_f32, 1.0]], vec![1], 2)?;
/// let engine = Engine::new(&mlp, &data)?;
/// let plan = engine.plan(&Schedule::explicit(vec![(0, 1)]))?;
/// assert_eq!((plan.neurons(), plan.checkpoints(), plan.scope_neurons()), (&[(0, 1)][..], &[0, 1][..], 2));
/// assert_eq!(engine.run_plan(&plan)?.points[1].fraction, 0.5);
/// let repeated = engine.plan(&Schedule::explicit(vec![(0, 1), (0, 1)]));
/// assert!(matches!(repeated, Err(infoablate::Error::Ablation(AblationError::DuplicateNeuron { layer: 0, neuron: 1 }))));
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    widths: Vec<usize>,
    neurons: Vec<Neuron>,
    values: Vec<f32>,
    checkpoints: Vec<usize>,
    scope_neurons: usize,
    info: ScheduleInfo,
    replacement: &'static str,
}

impl Plan {
    /// Checks `schedule` against `widths` and looks up each neuron's value.
    pub(super) fn new(schedule: &dyn AblationSchedule, widths: &[usize], replacement: &Replacement) -> Result<Self> {
        let info = schedule.info();
        let scope_neurons = match info.scope {
            Scope::Layer(layer) => *widths.get(layer).ok_or(AblationError::UnknownLayer {
                layer,
                num_hidden: widths.len(),
            })?,
            Scope::Global => widths.iter().sum(),
        };
        let neurons = schedule.neurons(widths)?;
        check_neurons(&neurons, widths, info.scope)?;
        let checkpoints = schedule.checkpoints(neurons.len())?;
        check_checkpoints(&checkpoints, neurons.len())?;
        let values = neurons
            .iter()
            .map(|&neuron| {
                let value = replacement.value(neuron)?;
                if !value.is_finite() {
                    return Err(AblationError::NonFinite {
                        what: "replacement value".into(),
                        layer: neuron.0,
                        neuron: neuron.1,
                        value: f64::from(value),
                    }
                    .into());
                }
                Ok(value)
            })
            .collect::<Result<Vec<f32>>>()?;
        Ok(Plan {
            widths: widths.to_vec(),
            neurons,
            values,
            checkpoints,
            scope_neurons,
            info,
            replacement: replacement.name(),
        })
    }

    /// The hidden widths the plan was checked against.
    pub fn hidden_widths(&self) -> &[usize] {
        &self.widths
    }

    /// The neurons, first ablated first.
    pub fn neurons(&self) -> &[Neuron] {
        &self.neurons
    }

    /// Each neuron's replacement value, in the order of [`neurons`](Plan::neurons).
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// The numbers of ablated neurons at which the network is scored, increasing.
    pub fn checkpoints(&self) -> &[usize] {
        &self.checkpoints
    }

    /// The hidden neurons in the schedule's scope: the denominator of each
    /// point's [`fraction`](super::CurvePoint::fraction).
    pub fn scope_neurons(&self) -> usize {
        self.scope_neurons
    }

    /// The schedule's description.
    pub fn info(&self) -> &ScheduleInfo {
        &self.info
    }

    /// The replacement's name (`zero`, `mean`, `constant`).
    pub fn replacement(&self) -> &'static str {
        self.replacement
    }

    /// Walks the checkpoints with some `state`: before each, `ablate` gets
    /// the neurons that join the ablated set and their values; then `score`
    /// scores.
    pub(super) fn walk<St, S>(
        &self,
        state: &mut St,
        mut ablate: impl FnMut(&mut St, Neuron, f32) -> Result<()>,
        mut score: impl FnMut(&mut St) -> Result<S>,
    ) -> Result<Vec<S>> {
        let mut scores = Vec::with_capacity(self.checkpoints.len());
        let mut ablated = 0;
        for &k in &self.checkpoints {
            for (&neuron, &value) in self.neurons[ablated..k].iter().zip(&self.values[ablated..k]) {
                ablate(state, neuron, value)?;
            }
            ablated = k;
            scores.push(score(state)?);
        }
        Ok(scores)
    }
}

/// Every neuron exists, lies in `scope` and comes once.
fn check_neurons(neurons: &[Neuron], widths: &[usize], scope: Scope) -> Result<(), AblationError> {
    let mut seen: Vec<Vec<bool>> = widths.iter().map(|_| Vec::new()).collect();
    for &(layer, neuron) in neurons {
        let &width = widths.get(layer).ok_or(AblationError::UnknownLayer {
            layer,
            num_hidden: widths.len(),
        })?;
        if neuron >= width {
            return Err(AblationError::NeuronOutOfRange { layer, neuron, width });
        }
        if matches!(scope, Scope::Layer(l) if l != layer) {
            return Err(AblationError::OutsideScope { layer, neuron, scope });
        }
        // Only layers the schedule names get a mask, sized by a real width.
        let row = &mut seen[layer];
        if row.is_empty() {
            row.resize(width, false);
        }
        if std::mem::replace(&mut row[neuron], true) {
            return Err(AblationError::DuplicateNeuron { layer, neuron });
        }
    }
    Ok(())
}

/// Checkpoints increase strictly and none exceeds `n`.
fn check_checkpoints(checkpoints: &[usize], n: usize) -> Result<(), AblationError> {
    if let Some(&k) = checkpoints.iter().find(|&&k| k > n) {
        return Err(AblationError::Checkpoint { k, n });
    }
    match checkpoints.windows(2).find(|w| w[0] >= w[1]) {
        Some(w) => Err(AblationError::CheckpointOrder {
            previous: w[0],
            k: w[1],
        }),
        None => Ok(()),
    }
}
