//! Causal pair interaction: the change in accuracy and loss when one neuron
//! of a layer is ablated, when two are ablated together, and the interaction
//! `Δ(i,j) − Δ(i) − Δ(j)`.
//!
//! A negative accuracy interaction means the pair is jointly more important
//! than its parts (synergy-like); a positive one, that each neuron stands in
//! for the other (redundancy-like).
//!
//! The fast path starts from the engine's cached forward pass. Ablating
//! neuron `i` changes only the samples `S_i` where its output differs from
//! its replacement; for each single those samples go through the layers
//! above once, and each sample's outcome (right or not, cross-entropy) is
//! kept. For a pair, a sample in `S_i` but not in `S_j` is exactly as
//! neuron `i` alone left it (clamping `j` changes nothing there), so the
//! interaction is a sum over `S_i ∩ S_j` only: those samples get a rank-2
//! update of the next layer's pre-activation (in `f64`) and run through the
//! layers above, in blocks gathered across pairs. For ReLU and zero
//! replacement `S_i` is where neuron `i` fires. The plain path runs the
//! whole network with the neuron or pair clamped, the reference.

use ndarray::{Array2, ArrayView2, s};

use super::metric::{check_logits, overflow, score_rows};
use super::{AblationError, Engine, fast};
use crate::data::Dataset;
use crate::measures::Order;
use crate::network::{Clamps, Network, NetworkError, Resumable};
use crate::pairs::{RankedPair, all_pairs};
use crate::parallel::map_items;
use crate::{Result, pairs};

/// The columns of a [`PairInteraction`], per pair: the change of accuracy
/// and of mean loss when both neurons are ablated, and the interaction of
/// each (`Δ(i,j) − Δ(i) − Δ(j)`).
pub const INTERACTION_COLUMNS: [&str; 4] = [
    "delta_accuracy",
    "delta_loss",
    "interaction_accuracy",
    "interaction_loss",
];

/// Chunks of samples evaluated in parallel before their sums are added up.
const CHUNKS_AT_ONCE: usize = 8;

/// Rows of pre-activations gathered before a block runs through the layers.
const BLOCK_ROWS: usize = 2048;

/// The change of accuracy (a fraction of the samples) and of mean
/// cross-entropy (nats) that an ablation causes.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Effect {
    /// Accuracy after minus accuracy before.
    pub accuracy: f64,
    /// Mean loss after minus mean loss before.
    pub loss: f64,
}

/// Sums over samples: change of the number right and of the summed loss.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Sum {
    correct: i64,
    loss: f64,
}

impl Sum {
    fn add(&mut self, other: Sum) {
        self.correct += other.correct;
        self.loss += other.loss;
    }

    fn effect(self, samples: usize) -> Effect {
        let n = samples.max(1) as f64;
        Effect {
            accuracy: self.correct as f64 / n,
            loss: self.loss / n,
        }
    }
}

/// Every single and pair ablation of one hidden layer, from
/// [`Engine::pair_interaction`].
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::ablation::Engine;
/// use infoablate::data::Dataset;
/// use infoablate::network::{Activation, Mlp};
/// use ndarray::array;
///
/// // Hidden neurons 0 and 1 copy the input; the logit of class 1 is their
/// // sum minus 0.5, so either neuron alone suffices: a redundant pair.
/// let mlp = Mlp::from_layers(
///     vec![
///         (array![[1.0], [1.0]], array![0.0, 0.0]),
///         (array![[0.0, 0.0], [1.0, 1.0]], array![0.0, -0.5]),
///     ],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[0.0_f32], [1.0]], vec![0, 1], 2)?;
/// let pairs = Engine::new(&mlp, &data)?.pair_interaction(0, None)?;
/// assert_eq!(pairs.single(0).unwrap().accuracy, 0.0); // neuron 1 stands in
/// let (joint, interaction) = pairs.get(0, 1).unwrap();
/// assert_eq!(joint.accuracy, -0.5); // both gone: sample 1 is lost
/// assert_eq!(interaction.accuracy, -0.5);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PairInteraction {
    layer: usize,
    replacement: String,
    samples: usize,
    base: Effect,
    singles: Vec<Effect>,
    pairs: Vec<(usize, usize)>,
    joint: Vec<Effect>,
    interaction: Vec<Effect>,
}

impl PairInteraction {
    /// The hidden layer.
    pub fn layer(&self) -> usize {
        self.layer
    }

    /// The layer's width.
    pub fn width(&self) -> usize {
        self.singles.len()
    }

    /// `zero`, `mean` or `constant`.
    pub fn replacement(&self) -> &str {
        &self.replacement
    }

    /// Samples evaluated.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// Accuracy and mean loss with nothing ablated.
    pub fn base(&self) -> Effect {
        self.base
    }

    /// `Δ(i)`: the effect of ablating neuron `i` alone.
    pub fn single(&self, i: usize) -> Option<Effect> {
        self.singles.get(i).copied()
    }

    /// `Δ(i)` of every neuron.
    pub fn singles(&self) -> &[Effect] {
        &self.singles
    }

    /// The pairs, in the order asked for.
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// `Δ(i,j)` and the interaction `Δ(i,j) − Δ(i) − Δ(j)` of pair `(i, j)`
    /// (either order), if evaluated.
    pub fn get(&self, i: usize, j: usize) -> Option<(Effect, Effect)> {
        let k = self.pairs.iter().position(|&p| p == (i, j) || p == (j, i))?;
        Some((self.joint[k], self.interaction[k]))
    }

    /// One column (a name of [`INTERACTION_COLUMNS`]), a value per pair.
    ///
    /// # Errors
    /// [`AblationError::Parameter`] for another name.
    pub fn column(&self, name: &str) -> Result<Vec<f64>> {
        let (effects, field): (&[Effect], fn(&Effect) -> f64) = match name {
            "delta_accuracy" => (&self.joint, |e| e.accuracy),
            "delta_loss" => (&self.joint, |e| e.loss),
            "interaction_accuracy" => (&self.interaction, |e| e.accuracy),
            "interaction_loss" => (&self.interaction, |e| e.loss),
            _ => {
                return Err(AblationError::Parameter {
                    name: "interaction column",
                    reason: format!("`{name}` is not one of {}", INTERACTION_COLUMNS.join(", ")),
                }
                .into());
            }
        };
        Ok(effects.iter().map(field).collect())
    }

    /// The `width × width` symmetric matrix of a column; `NaN` on the
    /// diagonal and for pairs not evaluated.
    ///
    /// # Errors
    /// As [`column`](PairInteraction::column).
    pub fn matrix(&self, name: &str) -> Result<Array2<f64>> {
        Ok(pairs::views::matrix(self.width(), &self.pairs, &self.column(name)?))
    }

    /// The `k` pairs with the highest (`Descending`) or lowest (`Ascending`)
    /// value of a column, ties to the lower pair.
    ///
    /// # Errors
    /// As [`column`](PairInteraction::column).
    pub fn top_k(&self, name: &str, k: usize, order: Order) -> Result<Vec<RankedPair>> {
        Ok(pairs::views::top_k(&self.pairs, &self.column(name)?, k, order))
    }

    /// Per neuron, the mean of a column over the evaluated pairs that
    /// contain it (`NaN` for a neuron in none).
    ///
    /// # Errors
    /// As [`column`](PairInteraction::column).
    pub fn neuron_means(&self, name: &str) -> Result<Vec<f64>> {
        Ok(pairs::views::neuron_means(
            self.width(),
            &self.pairs,
            &self.column(name)?,
        ))
    }

    /// A schedule that ablates the layer's neurons by their
    /// [`neuron_means`](PairInteraction::neuron_means) of a column, e.g.
    /// the most synergy-like first:
    /// `interaction.schedule("interaction_accuracy", Order::Ascending)`.
    ///
    /// # Errors
    /// As [`column`](PairInteraction::column).
    pub fn schedule(&self, name: &str, order: Order) -> Result<super::Schedule> {
        Ok(pairs::views::layer_schedule(
            format!("mean pairwise {name}"),
            self.layer,
            self.neuron_means(name)?,
            order,
        ))
    }

    /// As CSV: `i,j`, then `delta_accuracy_i`, `delta_loss_i`, the same for
    /// `j`, then the [`INTERACTION_COLUMNS`]; one row a pair, full precision.
    pub fn to_csv(&self) -> String {
        let mut out = format!(
            "i,j,delta_accuracy_i,delta_loss_i,delta_accuracy_j,delta_loss_j,{}\n",
            INTERACTION_COLUMNS.join(",")
        );
        for ((&(i, j), joint), inter) in self.pairs.iter().zip(&self.joint).zip(&self.interaction) {
            let (a, b) = (self.singles[i], self.singles[j]);
            out.push_str(&format!(
                "{i},{j},{:?},{:?},{:?},{:?},{:?},{:?},{:?},{:?}\n",
                a.accuracy, a.loss, b.accuracy, b.loss, joint.accuracy, joint.loss, inter.accuracy, inter.loss
            ));
        }
        out
    }
}

/// What one chunk of samples contributes: the base sums, the change of each
/// single and the interaction of each pair.
struct ChunkSums {
    base: Sum,
    singles: Vec<Sum>,
    interaction: Vec<Sum>,
}

impl<N: Network + Sync + ?Sized> Engine<'_, N> {
    /// Ablates every neuron of hidden layer `layer` alone and each pair of
    /// `pairs` (every pair `i < j` when `None`) together, with this engine's
    /// replacement, and scores each on the evaluation set.
    ///
    /// On the fast path (a [`Resumable`] network) only the samples where a
    /// neuron's output differs from its replacement are re-run, from the
    /// engine's cached forward pass; for a pair, only those where both
    /// differ (elsewhere the pair's outcome is a single's, exactly), with a
    /// rank-2 update of the next pre-activation in `f64`. For ReLU and zero
    /// replacement that is where both neurons fire. The plain path runs
    /// the whole network once per neuron and per pair. Both give the same
    /// accuracies (barring a logit tie that rounding breaks differently) and,
    /// up to rounding, the same losses.
    ///
    /// # Errors
    /// [`AblationError::UnknownLayer`]; [`AblationError::NeuronOutOfRange`]
    /// and [`AblationError::DuplicateNeuron`] for a pair that names a neuron
    /// beyond the layer or the same one twice; the replacement's errors;
    /// [`AblationError::Parameter`] for [`Path::Fast`](super::Path::Fast) on a network that is
    /// not resumable; [`NetworkError::NonFiniteOutput`] naming the layer
    /// where an ablated forward pass overflows; whatever the network returns.
    pub fn pair_interaction(&self, layer: usize, pairs: Option<&[(usize, usize)]>) -> Result<PairInteraction> {
        let width = *self.widths.get(layer).ok_or(AblationError::UnknownLayer {
            layer,
            num_hidden: self.widths.len(),
        })?;
        let pairs = match pairs {
            Some(pairs) => pairs.to_vec(),
            None => all_pairs(width),
        };
        for &(i, j) in &pairs {
            if let Some(neuron) = [i, j].into_iter().find(|&n| n >= width) {
                return Err(AblationError::NeuronOutOfRange { layer, neuron, width }.into());
            }
            if i == j {
                return Err(AblationError::DuplicateNeuron { layer, neuron: i }.into());
            }
        }
        let values = (0..width)
            .map(|i| self.replacement.value((layer, i)))
            .collect::<Result<Vec<f32>>>()?;
        let resumable = self.resumable()?;
        let setting = Setting {
            layer,
            values: &values,
            pairs: &pairs,
        };
        let fast = match resumable {
            Some(network) => Some((network, self.baselines(network)?, outgoing(network, layer, width)?)),
            None => None,
        };
        let run = |&start: &usize| match &fast {
            Some((network, baselines, outgoing)) => {
                let baseline = baselines.get(start / self.chunk_size).ok_or(AblationError::Parameter {
                    name: "chunk_size",
                    reason: "the cached chunks do not cover the data".into(),
                })?;
                let fast = Fast {
                    network: *network,
                    setting: &setting,
                    outgoing,
                };
                fast.chunk(baseline, self.chunk(start), start)
            }
            None => plain_chunk(self.network, &setting, self.chunk(start), start),
        };
        let mut total = ChunkSums {
            base: Sum::default(),
            singles: vec![Sum::default(); width],
            interaction: vec![Sum::default(); pairs.len()],
        };
        // A few chunks at a time, so that the per-chunk sums of a huge pair
        // list are not all held at once; summed in chunk order.
        for starts in self.starts().chunks(CHUNKS_AT_ONCE) {
            for chunk in map_items(starts, run) {
                let chunk = chunk?;
                total.base.add(chunk.base);
                for (to, from) in total.singles.iter_mut().zip(chunk.singles) {
                    to.add(from);
                }
                for (to, from) in total.interaction.iter_mut().zip(chunk.interaction) {
                    to.add(from);
                }
            }
        }
        Ok(summarise(&total, pairs, layer, self.replacement.name(), self.data))
    }
}

/// The per-chunk sums turned into effects.
fn summarise(
    total: &ChunkSums,
    pairs: Vec<(usize, usize)>,
    layer: usize,
    replacement: &str,
    data: &Dataset,
) -> PairInteraction {
    let n = data.len();
    let joint = pairs
        .iter()
        .zip(&total.interaction)
        .map(|(&(i, j), &inter)| {
            let mut sum = total.singles[i];
            sum.add(total.singles[j]);
            sum.add(inter);
            sum.effect(n)
        })
        .collect();
    PairInteraction {
        layer,
        replacement: replacement.to_string(),
        samples: n,
        base: total.base.effect(n),
        singles: total.singles.iter().map(|s| s.effect(n)).collect(),
        interaction: total.interaction.iter().map(|s| s.effect(n)).collect(),
        pairs,
        joint,
    }
}

/// What is ablated: the layer, each neuron's replacement, the pairs.
struct Setting<'a> {
    layer: usize,
    values: &'a [f32],
    pairs: &'a [(usize, usize)],
}

impl Setting<'_> {
    fn clamps(&self, neurons: &[usize]) -> Clamps {
        let mut clamps = Clamps::new();
        for &n in neurons {
            clamps.set(self.layer, n, self.values[n]);
        }
        clamps
    }
}

/// A sample's input row and its index in the data set.
type Sample<'i> = (ArrayView2<'i, f32>, usize);

/// Scores the rows of `logits` against `labels` in blocks, handing
/// `outcome` each row's index, whether it is right and its loss, in row
/// order; for the first row whose logits are not finite (no row after it is
/// scored), the error naming where the forward pass with the clamps and
/// sample `failed` gives for that row overflows.
fn score<'i>(
    network: &(impl Network + ?Sized),
    logits: ArrayView2<'_, f32>,
    labels: impl IntoIterator<Item = usize>,
    outcome: impl FnMut(usize, bool, f64),
    failed: impl FnOnce(usize) -> (Clamps, Sample<'i>),
) -> Result<()> {
    match score_rows(logits, labels, outcome) {
        None => Ok(()),
        Some(row) => {
            let (clamps, (input, index)) = failed(row);
            Err(overflow(network, input, &clamps, index))
        }
    }
}

/// The plain path on one chunk: a whole forward pass per neuron and per pair.
fn plain_chunk<N: Network + ?Sized>(
    network: &N,
    setting: &Setting<'_>,
    (inputs, labels): (ArrayView2<'_, f32>, &[usize]),
    offset: usize,
) -> Result<ChunkSums> {
    let run = |neurons: &[usize]| -> Result<Sum> {
        let clamps = setting.clamps(neurons);
        let logits = network.forward_hooked(inputs, &clamps, &mut |_, _| {})?;
        check_logits(logits.view(), labels.len(), network.num_classes())?;
        let mut sum = Sum::default();
        score(
            network,
            logits.view(),
            labels.iter().copied(),
            |_, right, loss| {
                sum.add(Sum {
                    correct: i64::from(right),
                    loss,
                })
            },
            |s| (clamps.clone(), (inputs.slice(s![s..s + 1, ..]), offset + s)),
        )?;
        Ok(sum)
    };
    let base = run(&[])?;
    let change = |sum: Sum, minus: &[Sum]| {
        minus.iter().fold(sum, |mut acc, m| {
            acc.correct -= m.correct;
            acc.loss -= m.loss;
            acc
        })
    };
    let singles = (0..setting.values.len())
        .map(|i| Ok(change(run(&[i])?, &[base])))
        .collect::<Result<Vec<_>>>()?;
    let interaction = setting
        .pairs
        .iter()
        .map(|&(i, j)| Ok(change(run(&[i, j])?, &[base, singles[i], singles[j]])))
        .collect::<Result<Vec<_>>>()?;
    Ok(ChunkSums {
        base,
        singles,
        interaction,
    })
}

/// The read-out of the ablated layer as `f64` rows: neuron `i`'s outgoing
/// weights, the row added to the next pre-activation per unit of change.
fn outgoing(network: &dyn Resumable, layer: usize, width: usize) -> Result<Outgoing> {
    let (w, b) = network.readout(layer)?;
    if w.ncols() != width || b.len() != w.nrows() {
        return Err(NetworkError::Shape {
            what: format!("read-out of hidden layer {layer}"),
            expected: vec![b.len(), width],
            got: w.shape().to_vec(),
        }
        .into());
    }
    Ok(Outgoing {
        data: w.t().iter().map(|&v| f64::from(v)).collect(),
        width: w.nrows(),
    })
}

/// `Wᵀ` of a read-out in `f64`, row-major: neuron `i`'s outgoing weights are
/// the contiguous row `i`.
struct Outgoing {
    data: Vec<f64>,
    /// Width of the next pre-activation.
    width: usize,
}

impl Outgoing {
    fn row(&self, neuron: usize) -> &[f64] {
        &self.data[neuron * self.width..(neuron + 1) * self.width]
    }
}

/// The fast path's shared inputs.
struct Fast<'a> {
    network: &'a dyn Resumable,
    setting: &'a Setting<'a>,
    /// `Wᵀ` of the layer's read-out in `f64` (`width × next`).
    outgoing: &'a Outgoing,
}

/// Rows of pre-activations waiting to run through the layers above, each
/// with the job (a single or a pair) and the sample it belongs to.
#[derive(Default)]
struct Block {
    rows: Vec<f32>,
    owners: Vec<(usize, usize)>,
}

impl Fast<'_> {
    /// The fast path on one chunk.
    fn chunk(
        &self,
        baseline: &fast::Baseline,
        (inputs, labels): (ArrayView2<'_, f32>, &[usize]),
        offset: usize,
    ) -> Result<ChunkSums> {
        let layer = self.setting.layer;
        let rows = labels.len();
        let (h, logits) = (baseline.hidden(layer)?, baseline.logits()?);
        let width = self.setting.values.len();
        let classes = logits.ncols();
        if h.dim() != (rows, width) || logits.nrows() != rows {
            return Err(NetworkError::Shape {
                what: format!("cached output of hidden layer {layer}"),
                expected: vec![rows, width],
                got: h.shape().to_vec(),
            }
            .into());
        }
        let input = |s: usize| (inputs.slice_move(s![s..s + 1, ..]), offset + s);
        // The unablated outcome of each sample.
        let mut base_outcome = Vec::with_capacity(rows);
        let mut base = Sum::default();
        score(
            self.network,
            logits.view(),
            labels.iter().copied(),
            |_, right, loss| {
                base_outcome.push((right, loss));
                base.add(Sum {
                    correct: i64::from(right),
                    loss,
                });
            },
            |s| (Clamps::new(), input(s)),
        )?;
        let z = self.network.resume_step(layer, h)?;
        let next = self.outgoing.width;
        if z.dim() != (rows, next) {
            return Err(NetworkError::Shape {
                what: format!("pre-activation read from hidden layer {layer}"),
                expected: vec![rows, next],
                got: z.shape().to_vec(),
            }
            .into());
        }
        let z: Vec<f64> = z.iter().map(|&v| f64::from(v)).collect();
        let z_row = |s: usize| &z[s * next..(s + 1) * next];
        // Per neuron, the samples it changes (a bit set) and by how much.
        let words = rows.div_ceil(64);
        let mut changed = vec![0_u64; width * words];
        let mut delta = vec![0.0_f64; width * rows];
        for ((s, i), &out) in h.indexed_iter() {
            let v = self.setting.values[i];
            if out != v {
                changed[i * words + s / 64] |= 1 << (s % 64);
                delta[i * rows + s] = f64::from(v) - f64::from(out);
            }
        }
        // Singles: each sample's change of outcome, kept per neuron.
        let mut single_change = vec![Sum::default(); width * rows];
        let mut singles = vec![Sum::default(); width];
        let mut block = Block::default();
        for i in 0..width {
            let wi = self.outgoing.row(i);
            for s in set_bits(&changed[i * words..(i + 1) * words]) {
                let di = delta[i * rows + s];
                block
                    .rows
                    .extend(z_row(s).iter().zip(wi).map(|(&z, &w)| (z + di * w) as f32));
                block.owners.push((i, s));
            }
            if block.owners.len() >= BLOCK_ROWS || i + 1 == width {
                self.flush(
                    &mut block,
                    classes,
                    labels,
                    |(i, s), right, loss| {
                        let (right0, loss0) = base_outcome[s];
                        let change = Sum {
                            correct: i64::from(right) - i64::from(right0),
                            loss: loss - loss0,
                        };
                        single_change[i * rows + s] = change;
                        singles[i].add(change);
                    },
                    |(i, s)| (self.setting.clamps(&[i]), input(s)),
                )?;
            }
        }
        // Pairs: only samples both neurons change.
        let mut interaction = vec![Sum::default(); self.setting.pairs.len()];
        let mut both = vec![0_u64; words];
        for (k, &(i, j)) in self.setting.pairs.iter().enumerate() {
            let (ci, cj) = (
                &changed[i * words..(i + 1) * words],
                &changed[j * words..(j + 1) * words],
            );
            for ((b, &x), &y) in both.iter_mut().zip(ci).zip(cj) {
                *b = x & y;
            }
            let (wi, wj) = (self.outgoing.row(i), self.outgoing.row(j));
            for s in set_bits(&both) {
                let (di, dj) = (delta[i * rows + s], delta[j * rows + s]);
                let update = z_row(s).iter().zip(wi).zip(wj);
                block
                    .rows
                    .extend(update.map(|((&z, &a), &b)| (z + di * a + dj * b) as f32));
                block.owners.push((k, s));
            }
            if block.owners.len() >= BLOCK_ROWS || k + 1 == self.setting.pairs.len() {
                self.flush(
                    &mut block,
                    classes,
                    labels,
                    |(k, s), right, loss| {
                        let (i, j) = self.setting.pairs[k];
                        let (right0, loss0) = base_outcome[s];
                        let (ci, cj) = (single_change[i * rows + s], single_change[j * rows + s]);
                        interaction[k].add(Sum {
                            correct: i64::from(right) - i64::from(right0) - ci.correct - cj.correct,
                            loss: loss - loss0 - ci.loss - cj.loss,
                        });
                    },
                    |(k, s)| {
                        let (i, j) = self.setting.pairs[k];
                        (self.setting.clamps(&[i, j]), input(s))
                    },
                )?;
            }
        }
        Ok(ChunkSums {
            base,
            singles,
            interaction,
        })
    }

    /// Runs the block's rows through the layers above, hands each row's
    /// outcome to `outcome`, and empties the block; `failed` names the
    /// clamps and input of a row whose logits are not finite.
    fn flush<'i>(
        &self,
        block: &mut Block,
        classes: usize,
        labels: &[usize],
        mut outcome: impl FnMut((usize, usize), bool, f64),
        failed: impl Fn((usize, usize)) -> (Clamps, Sample<'i>),
    ) -> Result<()> {
        let n = block.owners.len();
        if n == 0 {
            return Ok(());
        }
        let next = block.rows.len() / n;
        let z = ArrayView2::from_shape((n, next), &block.rows).map_err(|_| NetworkError::Shape {
            what: "interaction block".into(),
            expected: vec![n, next],
            got: vec![block.rows.len()],
        })?;
        let logits = self
            .network
            .resume_from_preactivation(self.setting.layer + 1, z, &Clamps::new())?;
        check_logits(logits.view(), n, classes)?;
        let owners = &block.owners;
        score(
            self.network,
            logits.view(),
            owners.iter().map(|&(_, s)| labels[s]),
            |r, right, loss| outcome(owners[r], right, loss),
            |r| failed(owners[r]),
        )?;
        block.rows.clear();
        block.owners.clear();
        Ok(())
    }
}

/// The indices of the bits set in `words`, increasing.
fn set_bits(words: &[u64]) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(|(w, &word)| {
        let mut rest = word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + bit
            })
        })
    })
}
