//! Which neurons to ablate, in which order, and when to score.

use std::fmt;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::per_layer::PerLayer;
use super::{AblationError, Neuron};
use crate::Result;
use crate::measures::{Order, Scores, rank};

/// Which hidden neurons a schedule ranks and ablates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Scope {
    /// Only hidden layer `ℓ`'s neurons; the rest stay intact.
    Layer(usize),
    /// All hidden neurons of all layers, ranked together.
    Global,
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Layer(l) => write!(f, "layer:{l}"),
            Scope::Global => f.write_str("global"),
        }
    }
}

impl Scope {
    /// The `(layer, neuron)` pairs in scope, by layer then neuron.
    ///
    /// # Errors
    /// [`AblationError::UnknownLayer`].
    pub fn neurons(self, hidden_widths: &[usize]) -> Result<Vec<Neuron>, AblationError> {
        match self {
            Scope::Layer(layer) => {
                let width = *hidden_widths.get(layer).ok_or(AblationError::UnknownLayer {
                    layer,
                    num_hidden: hidden_widths.len(),
                })?;
                Ok((0..width).map(|i| (layer, i)).collect())
            }
            Scope::Global => Ok(hidden_widths
                .iter()
                .enumerate()
                .flat_map(|(l, &w)| (0..w).map(move |i| (l, i)))
                .collect()),
        }
    }
}

/// What a curve was made from, for its label.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleInfo {
    /// The measure that ordered the neurons (`random` or `explicit` otherwise).
    pub measure: String,
    /// The ranking direction, if ranked by scores.
    pub order: Option<Order>,
    /// The scope.
    pub scope: Scope,
    /// The seed of a random order.
    pub seed: Option<u64>,
}

/// A cumulative ablation order: the ordered neurons, and the `k`s to score.
///
/// Whatever an implementation returns, the engine checks it into a
/// [`Plan`](super::Plan) before running (layers and neurons that exist, no
/// repeat, all within [`info`](AblationSchedule::info)`().scope`, checkpoints
/// increasing and at most `n`): a wrong schedule is a typed error, never a
/// panic or a silently different curve.
pub trait AblationSchedule {
    /// The neurons to ablate, first ablated first, for a network of these
    /// hidden widths.
    ///
    /// # Errors
    /// [`AblationError`] for what the schedule itself cannot order (unknown
    /// scope layer, score vectors of the wrong length, NaN scores).
    fn neurons(&self, hidden_widths: &[usize]) -> Result<Vec<Neuron>>;

    /// The numbers of ablated neurons at which to score, for a schedule of
    /// `n` neurons: strictly increasing, each at most `n`. Every `k` from 0
    /// to `n` by default.
    ///
    /// # Errors
    /// Whatever the schedule rejects; the plan reports a `k` beyond `n`
    /// ([`AblationError::Checkpoint`]) or out of order.
    fn checkpoints(&self, n: usize) -> Result<Vec<usize>> {
        Ok((0..=n).collect())
    }

    /// Describes the schedule for the curve's label.
    fn info(&self) -> ScheduleInfo;
}

/// References and smart pointers to a schedule are schedules.
macro_rules! forward_schedule {
    ($($ptr:ty),+) => {$(
        impl<T: AblationSchedule + ?Sized> AblationSchedule for $ptr {
            fn neurons(&self, hidden_widths: &[usize]) -> Result<Vec<Neuron>> {
                (**self).neurons(hidden_widths)
            }
            fn checkpoints(&self, n: usize) -> Result<Vec<usize>> {
                (**self).checkpoints(n)
            }
            fn info(&self) -> ScheduleInfo {
                (**self).info()
            }
        }
    )+};
}

forward_schedule!(&T, Box<T>, std::sync::Arc<T>);

/// Where a [`Schedule`]'s order comes from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Scores {
        measure: String,
        per_layer: PerLayer<f64>,
        order: Order,
    },
    Random {
        seed: u64,
    },
    Explicit(Vec<Neuron>),
}

/// The built-in [`AblationSchedule`]: ordered by scores, a seeded random
/// permutation, or an explicit list.
///
/// # Examples
///
/// ```
/// use infoablate::ablation::{AblationSchedule, Order, Schedule, Scope};
///
/// // Two hidden layers of widths 3 and 2; scores per layer.
/// let scores = vec![vec![0.2, 0.9, 0.2], vec![0.5, 0.0]];
/// let global = Schedule::by_scores("mutual_info", scores.clone(), Order::Descending, Scope::Global);
/// assert_eq!(global.neurons(&[3, 2])?, vec![(0, 1), (1, 0), (0, 0), (0, 2), (1, 1)]);
/// let layer1 = Schedule::by_scores("mutual_info", scores, Order::Ascending, Scope::Layer(1));
/// assert_eq!(layer1.neurons(&[3, 2])?, vec![(1, 1), (1, 0)]);
/// let random = Schedule::random(7, Scope::Layer(0)).at(vec![0, 3]);
/// assert_eq!(random.neurons(&[3, 2])?, Schedule::random(7, Scope::Layer(0)).neurons(&[3, 2])?);
/// assert_eq!(random.checkpoints(3)?, vec![0, 3]);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    source: Source,
    scope: Scope,
    checkpoints: Option<Vec<usize>>,
}

impl Schedule {
    /// Neurons in `scope` ordered by `per_layer[ℓ][i]`, the score of neuron
    /// `i` of hidden layer `ℓ` (layers outside the scope may be empty).
    pub fn by_scores(measure: impl Into<String>, per_layer: Vec<Vec<f64>>, order: Order, scope: Scope) -> Self {
        Schedule {
            source: Source::Scores {
                measure: measure.into(),
                per_layer: PerLayer::dense(per_layer),
                order,
            },
            scope,
            checkpoints: None,
        }
    }

    /// Neurons in `scope` ordered by the measure `measure` of `scores` (for
    /// example `"mutual_info"`).
    ///
    /// # Errors
    /// [`MeasureError`](crate::measures::MeasureError) when `scores` lacks the
    /// measure.
    pub fn by_measure(scores: &Scores, measure: &str, order: Order, scope: Scope) -> Result<Self> {
        let per_layer = scores
            .layers()
            .into_iter()
            .map(|layer| Ok((layer, scores.get(measure, layer)?.to_vec())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Schedule {
            source: Source::Scores {
                measure: measure.to_string(),
                per_layer: PerLayer::new(per_layer),
                order,
            },
            scope,
            checkpoints: None,
        })
    }

    /// A permutation of the neurons in `scope`, seeded.
    pub fn random(seed: u64, scope: Scope) -> Self {
        Schedule {
            source: Source::Random { seed },
            scope,
            checkpoints: None,
        }
    }

    /// Exactly these neurons, first ablated first. Its scope is the single
    /// layer they share, or global when they span layers.
    pub fn explicit(neurons: Vec<Neuron>) -> Self {
        let first = neurons.first().map(|&(l, _)| l);
        let scope = match first {
            Some(l) if neurons.iter().all(|&(m, _)| m == l) => Scope::Layer(l),
            _ => Scope::Global,
        };
        Schedule {
            source: Source::Explicit(neurons),
            scope,
            checkpoints: None,
        }
    }

    /// Scores only at these `k`s (sorted and deduplicated) instead of every `k`.
    pub fn at(mut self, mut ks: Vec<usize>) -> Self {
        ks.sort_unstable();
        ks.dedup();
        self.checkpoints = Some(ks);
        self
    }

    /// The schedule's scope.
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

impl AblationSchedule for Schedule {
    fn neurons(&self, hidden_widths: &[usize]) -> Result<Vec<Neuron>> {
        match &self.source {
            Source::Scores {
                measure,
                per_layer,
                order,
            } => {
                let in_scope = self.scope.neurons(hidden_widths)?;
                let mut entries = Vec::with_capacity(in_scope.len());
                for &(layer, neuron) in &in_scope {
                    let width = hidden_widths[layer];
                    let scores = per_layer.get(layer);
                    if scores.len() != width {
                        return Err(AblationError::WrongLength {
                            what: format!("scores `{measure}`"),
                            layer,
                            width,
                            got: scores.len(),
                        }
                        .into());
                    }
                    let score = scores[neuron];
                    if score.is_nan() {
                        return Err(AblationError::NonFinite {
                            what: format!("score `{measure}`"),
                            layer,
                            neuron,
                            value: score,
                        }
                        .into());
                    }
                    entries.push((layer, neuron, score));
                }
                Ok(rank(&entries, *order))
            }
            Source::Random { seed } => {
                let mut neurons = self.scope.neurons(hidden_widths)?;
                neurons.shuffle(&mut StdRng::seed_from_u64(*seed));
                Ok(neurons)
            }
            // Checked, as every schedule's neurons are, by the engine's plan.
            Source::Explicit(neurons) => Ok(neurons.clone()),
        }
    }

    fn checkpoints(&self, n: usize) -> Result<Vec<usize>> {
        Ok(self.checkpoints.clone().unwrap_or_else(|| (0..=n).collect()))
    }

    fn info(&self) -> ScheduleInfo {
        let (measure, order, seed) = match &self.source {
            Source::Scores { measure, order, .. } => (measure.clone(), Some(*order), None),
            Source::Random { seed } => ("random".to_string(), None, Some(*seed)),
            Source::Explicit(_) => ("explicit".to_string(), None, None),
        };
        ScheduleInfo {
            measure,
            order,
            scope: self.scope,
            seed,
        }
    }
}
