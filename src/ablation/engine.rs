//! Running schedules on a network over an evaluation set.

use std::sync::OnceLock;

use ndarray::{ArrayView2, s};

use super::bootstrap::SampleOutcomes;
use super::curve::{AblationCurve, CurveLabel, CurvePoint, RandomBand};
use super::metric::{Metric, SampleScores, Tally};
use super::plan::Plan;
use super::{AblationError, AblationSchedule, Replacement, Schedule, Scope, fast, plain};
use crate::data::Dataset;
use crate::network::{Network, Resumable, check_classes, check_input_width, check_network};
use crate::parallel::map_items;
use crate::{Progress, Result};

/// Which evaluation path an [`Engine`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Path {
    /// Fast when the network is [`Resumable`](crate::network::Resumable), plain otherwise.
    #[default]
    Auto,
    /// A full forward pass at every checkpoint: the reference.
    Plain,
    /// Incremental; an error for a network that is not resumable.
    Fast,
}

/// Runs ablation schedules on a network over an evaluation set.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::ablation::{Engine, Order, Schedule, Scope};
/// use infoablate::data::Dataset;
/// use infoablate::network::{Activation, Mlp};
/// use ndarray::array;
///
/// // Hidden neuron 0 carries the class, neuron 1 nothing useful.
/// let mlp = Mlp::from_layers(
///     vec![
///         (array![[1.0, 0.0], [0.0, 1.0]], array![0.0, 0.0]),
///         (array![[-1.0, 0.0], [1.0, 0.0]], array![0.5, -0.5]),
///     ],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[0.0_f32, 1.0], [1.0, 1.0]], vec![0, 1], 2)?;
/// let engine = Engine::new(&mlp, &data)?;
/// let curve = engine.run(&Schedule::by_scores("mine", vec![vec![1.0, 0.0]], Order::Ascending, Scope::Layer(0)))?;
/// let accuracy: Vec<f64> = curve.points.iter().map(|p| p.accuracy).collect();
/// assert_eq!(accuracy, vec![1.0, 1.0, 0.5]);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
pub struct Engine<'a, N: Network + Sync + ?Sized> {
    pub(super) network: &'a N,
    pub(super) data: &'a Dataset,
    /// The network's hidden widths, read once and checked on a sample.
    pub(super) widths: Vec<usize>,
    pub(super) replacement: Replacement,
    pub(super) path: Path,
    pub(super) chunk_size: usize,
    /// The unablated network's hidden layers and logits on each chunk,
    /// computed by the first fast-path run and shared by the following ones.
    baselines: OnceLock<Vec<fast::Baseline>>,
}

impl<'a, N: Network + Sync + ?Sized> Engine<'a, N> {
    /// An engine scoring `network` on `data`, zero replacement, automatic
    /// path. The network is run once on the first sample to check that it
    /// is what it says ([`check_network`]).
    ///
    /// # Errors
    /// [`NetworkError`](crate::network::NetworkError) when the data does not
    /// fit the network or the network does not fit its own description.
    pub fn new(network: &'a N, data: &'a Dataset) -> Result<Self> {
        check_input_width(data.inputs(), network.input_width())?;
        check_classes(network.num_classes(), data.num_classes())?;
        let widths = check_network(network, data.inputs().slice_move(s![..1, ..]))?;
        Ok(Engine {
            network,
            data,
            widths,
            replacement: Replacement::Zero,
            path: Path::Auto,
            chunk_size: 512,
            baselines: OnceLock::new(),
        })
    }

    /// Sets what ablated neurons output.
    pub fn replacement(mut self, replacement: Replacement) -> Self {
        self.replacement = replacement;
        self
    }

    /// Chooses the evaluation path.
    pub fn path(mut self, path: Path) -> Self {
        self.path = path;
        self
    }

    /// Samples per work unit (default 512); chunks run in parallel with the
    /// `parallel` feature.
    ///
    /// # Errors
    /// [`AblationError::Parameter`] for 0.
    pub fn chunk_size(mut self, chunk_size: usize) -> Result<Self> {
        if chunk_size == 0 {
            return Err(AblationError::Parameter {
                name: "chunk_size",
                reason: "must be positive".into(),
            }
            .into());
        }
        self.chunk_size = chunk_size;
        self.baselines = OnceLock::new();
        Ok(self)
    }

    /// Checks a schedule against the network into a [`Plan`], with this
    /// engine's replacement values.
    ///
    /// # Errors
    /// The schedule's own errors; [`AblationError::UnknownLayer`],
    /// [`AblationError::NeuronOutOfRange`], [`AblationError::DuplicateNeuron`],
    /// [`AblationError::OutsideScope`], [`AblationError::Checkpoint`],
    /// [`AblationError::CheckpointOrder`], [`AblationError::MissingReplacement`]
    /// and [`AblationError::NonFinite`] for what the checks find.
    pub fn plan(&self, schedule: &dyn AblationSchedule) -> Result<Plan> {
        Plan::new(schedule, &self.widths, &self.replacement)
    }

    /// Runs one schedule: [`plan`](Engine::plan), then [`run_plan`](Engine::run_plan).
    ///
    /// # Errors
    /// As both.
    pub fn run(&self, schedule: &dyn AblationSchedule) -> Result<AblationCurve> {
        self.run_plan(&self.plan(schedule)?)
    }

    /// Runs a checked plan. Each point's `fraction` is `k` over the neurons
    /// in the schedule's scope ([`Plan::scope_neurons`]).
    ///
    /// # Errors
    /// [`AblationError::PlanMismatch`] for a plan checked against other
    /// widths, [`AblationError::Parameter`] for [`Path::Fast`] on a network
    /// that is not resumable, [`NetworkError::NonFiniteOutput`](crate::network::NetworkError::NonFiniteOutput)
    /// naming the layer where an ablated forward pass overflows, and
    /// whatever the network returns.
    pub fn run_plan(&self, plan: &Plan) -> Result<AblationCurve> {
        self.check_plan(plan)?;
        let per_chunk: Vec<Vec<Metric>> = self.score(plan)?;
        Ok(self.curve(plan, &per_chunk))
    }

    /// Runs one schedule as [`run`](Engine::run) does (the same curve, bit
    /// for bit) and also keeps every evaluation sample's outcome at every
    /// checkpoint, for [`SampleOutcomes::bootstrap`] and paired
    /// comparisons. Opt-in: it holds `checkpoints × samples` outcomes, which
    /// [`run`](Engine::run) never allocates.
    ///
    /// # Errors
    /// As [`run`](Engine::run).
    pub fn run_with_outcomes(&self, schedule: &dyn AblationSchedule) -> Result<(AblationCurve, SampleOutcomes)> {
        let plan = self.plan(schedule)?;
        self.check_plan(&plan)?;
        let per_chunk: Vec<Vec<SampleScores>> = self.score(&plan)?;
        let curve = self.curve(&plan, &per_chunk);
        let checkpoints = plan.checkpoints().len();
        let mut correct = vec![Vec::with_capacity(self.data.len()); checkpoints];
        let mut loss = vec![Vec::with_capacity(self.data.len()); checkpoints];
        for chunk in per_chunk {
            for (j, scores) in chunk.into_iter().enumerate() {
                correct[j].extend(scores.correct);
                loss[j].extend(scores.loss);
            }
        }
        let outcomes = SampleOutcomes::new(curve.points.iter().map(|p| (p.k, p.fraction)).collect(), correct, loss)?;
        Ok((curve, outcomes))
    }

    /// A plan checked against other widths is refused.
    fn check_plan(&self, plan: &Plan) -> Result<()> {
        if plan.hidden_widths() == self.widths {
            return Ok(());
        }
        Err(AblationError::PlanMismatch {
            plan: plan.hidden_widths().to_vec(),
            network: self.widths.clone(),
        }
        .into())
    }

    /// The curve of a plan from its chunks' tallies, summed in chunk order.
    fn curve<T: Tally>(&self, plan: &Plan, per_chunk: &[Vec<T>]) -> AblationCurve {
        let mut metrics = vec![Metric::new(); plan.checkpoints().len()];
        for chunk in per_chunk {
            for (sum, tally) in metrics.iter_mut().zip(chunk) {
                sum.merge(&tally.metric());
            }
        }
        let info = plan.info().clone();
        let scope = plan.scope_neurons();
        let total = self.data.len() as f64;
        let points = plan
            .checkpoints()
            .iter()
            .zip(metrics)
            .map(|(&k, metric)| CurvePoint {
                k,
                fraction: if scope == 0 { 0.0 } else { k as f64 / scope as f64 },
                accuracy: metric.correct() as f64 / total,
                loss: metric.loss_sum() / total,
            })
            .collect();
        AblationCurve {
            label: CurveLabel {
                measure: info.measure,
                order: info.order,
                scope: info.scope,
                replacement: plan.replacement().to_string(),
                seed: info.seed,
                neurons: plan.neurons().len(),
            },
            points,
        }
    }

    /// Runs several schedules, calling `progress` after each.
    ///
    /// # Errors
    /// As [`run`](Engine::run), for the first schedule that fails.
    pub fn run_many(
        &self,
        schedules: &[&dyn AblationSchedule],
        progress: &mut dyn FnMut(Progress),
    ) -> Result<Vec<AblationCurve>> {
        let mut curves = Vec::with_capacity(schedules.len());
        for (j, schedule) in schedules.iter().enumerate() {
            curves.push(self.run(*schedule)?);
            progress(Progress {
                stage: "ablate",
                done: j + 1,
                total: schedules.len(),
            });
        }
        Ok(curves)
    }

    /// Random orders in `scope`, one per seed, summarised as a band with the
    /// given percentiles (e.g. `(5.0, 95.0)`); `ks` limits the checkpoints
    /// (all `k` when `None`).
    ///
    /// # Errors
    /// As [`run`](Engine::run) and [`RandomBand::from_curves`].
    pub fn random_band(
        &self,
        scope: Scope,
        seeds: &[u64],
        ks: Option<&[usize]>,
        percentiles: (f64, f64),
        progress: &mut dyn FnMut(Progress),
    ) -> Result<RandomBand> {
        let schedules: Vec<Schedule> = seeds
            .iter()
            .map(|&seed| {
                let schedule = Schedule::random(seed, scope);
                match ks {
                    Some(ks) => schedule.at(ks.to_vec()),
                    None => schedule,
                }
            })
            .collect();
        let refs: Vec<&dyn AblationSchedule> = schedules.iter().map(|s| s as &dyn AblationSchedule).collect();
        let curves = self.run_many(&refs, progress)?;
        RandomBand::from_curves(&curves, percentiles)
    }

    /// Each chunk's tally at each checkpoint, chunks in sample order.
    fn score<T: Tally>(&self, plan: &Plan) -> Result<Vec<Vec<T>>> {
        let resumable = self.resumable()?;
        let base = plan.neurons().iter().map(|&(l, _)| l).min();
        let fast = match (resumable, base) {
            (Some(network), Some(base)) => Some((
                network,
                fast::Readouts::new(network, base, &self.widths)?,
                self.baselines(network)?,
            )),
            _ => None,
        };
        let chunk = |&start: &usize| -> Result<Vec<T>> {
            let (inputs, labels) = self.chunk(start);
            match &fast {
                Some((network, readouts, baselines)) => match baselines.get(start / self.chunk_size) {
                    Some(baseline) => fast::score_chunk(*network, readouts, baseline, plan, (inputs, labels, start)),
                    None => Err(AblationError::Parameter {
                        name: "chunk_size",
                        reason: "the cached chunks do not cover the data".into(),
                    }
                    .into()),
                },
                None => plain::score_chunk(self.network, plan, (inputs, labels, start)),
            }
        };
        map_items(&self.starts(), chunk).into_iter().collect()
    }

    /// The network as [`Resumable`] when the path is fast (`None`: plain).
    ///
    /// # Errors
    /// [`AblationError::Parameter`] for [`Path::Fast`] on a network that is
    /// not resumable.
    pub(super) fn resumable(&self) -> Result<Option<&'a dyn Resumable>> {
        match self.path {
            Path::Plain => Ok(None),
            Path::Auto => Ok(self.network.as_resumable()),
            Path::Fast => Ok(Some(self.network.as_resumable().ok_or(AblationError::Parameter {
                name: "path",
                reason: "the fast path needs a network that implements Resumable".into(),
            })?)),
        }
    }

    /// The first sample of each chunk.
    pub(super) fn starts(&self) -> Vec<usize> {
        (0..self.data.len()).step_by(self.chunk_size).collect()
    }

    /// The inputs and labels of the chunk that begins at `start`.
    pub(super) fn chunk(&self, start: usize) -> (ArrayView2<'_, f32>, &[usize]) {
        let end = (start + self.chunk_size).min(self.data.len());
        (
            self.data.inputs().slice_move(s![start..end, ..]),
            &self.data.labels()[start..end],
        )
    }

    /// The unablated network's state on every chunk, computed on first use.
    pub(super) fn baselines(&self, network: &dyn Resumable) -> Result<&[fast::Baseline]> {
        if let Some(baselines) = self.baselines.get() {
            return Ok(baselines);
        }
        let computed = map_items(&self.starts(), |&start| {
            fast::Baseline::new(network, self.chunk(start).0, &self.widths)
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        Ok(self.baselines.get_or_init(|| computed))
    }
}
