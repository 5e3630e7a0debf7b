//! Quantizers: from a neuron's real-valued activation to a bin index.
//!
//! A [`Quantizer`] says *how* to bin; fitted on a neuron's activations over
//! the analysis set it becomes a [`FittedQuantizer`] that bins any value,
//! from this set or another, unchanged. A [`LayerQuantizer`] holds the fitted
//! quantizers of every neuron of a layer. Bin arithmetic is done in `f64` on
//! the `f32` activations, exactly as the definition file writes it.

use std::fmt;

use ndarray::{ArrayView1, ArrayView2};

use super::MeasureError;
use super::counts::check_edge_count;
use crate::Result;
use crate::network::{Activation, NetworkError};
use crate::parallel::map_indices;

/// The largest bin count a quantizer accepts (a count table has
/// `bins × classes` cells per neuron).
pub const MAX_BINS: usize = 1 << 16;

/// How to bin a neuron's activation; validated at construction.
///
/// | constructor | bin of value `a` (fitted on the analysis set) |
/// |---|---|
/// | [`binary(t)`](Quantizer::binary) | `a > t` → 1, else 0 (the paper's one bit per neuron) |
/// | [`equal_width(B)`](Quantizer::equal_width) | `min(B−1, floor((a−lo)/(hi−lo)·B))` over the neuron's `[lo, hi]`, clamped; constant neuron → 0 |
/// | [`zero_and_equal_width(B)`](Quantizer::zero_and_equal_width) | `a ≤ 0` → 0, else `1 + min(B−2, floor(a/hi·(B−1)))`; `hi ≤ 0` → everything 0 |
/// | [`equal_frequency(B)`](Quantizer::equal_frequency) | `#{k : e_k ≤ a}` for the `k/B` quantiles `e_k` (type 7, NumPy's default) |
///
/// # Examples
///
/// ```
/// use infoablate::measures::Quantizer;
/// use infoablate::network::Activation;
/// use ndarray::array;
///
/// let q = Quantizer::equal_width(4)?;
/// let fitted = q.fit(array![0.0_f32, 1.0, 2.0, 4.0].view())?;
/// assert_eq!(fitted.bin(0.9), 0);
/// assert_eq!(fitted.bin(1.0), 1);
/// assert_eq!(fitted.bin(4.0), 3);
/// assert_eq!(fitted.bin(-7.0), 0); // outside the fitted range: clamped
/// assert!(Quantizer::equal_width(0).is_err());
/// assert_eq!(Quantizer::for_activation(Activation::Sigmoid), Quantizer::binary(0.5)?);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Quantizer(Kind);

#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "snake_case"))]
enum Kind {
    Binary { threshold: f64 },
    EqualWidth { bins: usize },
    ZeroAndEqualWidth { bins: usize },
    EqualFrequency { bins: usize },
}

impl Default for Quantizer {
    /// The paper's quantizer for ReLU and tanh: binary at threshold 0.
    fn default() -> Self {
        Quantizer(Kind::Binary { threshold: 0.0 })
    }
}

fn check_bins(bins: usize, min: usize) -> Result<usize, MeasureError> {
    if (min..=MAX_BINS).contains(&bins) {
        Ok(bins)
    } else {
        Err(MeasureError::Parameter {
            name: "bins",
            reason: format!("{bins} is outside {min} ..= {MAX_BINS}"),
        })
    }
}

impl Quantizer {
    /// One bit per neuron: `a > threshold` → 1, else 0.
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] for a threshold that is not finite.
    pub fn binary(threshold: f64) -> Result<Self, MeasureError> {
        if !threshold.is_finite() {
            return Err(MeasureError::Parameter {
                name: "threshold",
                reason: format!("{threshold} is not finite"),
            });
        }
        Ok(Quantizer(Kind::Binary { threshold }))
    }

    /// The paper's binary quantizer for an activation function
    /// ([`Activation::binary_threshold`]: 0.5 for sigmoid, 0 for ReLU and tanh).
    pub fn for_activation(activation: Activation) -> Self {
        Quantizer(Kind::Binary {
            threshold: activation.binary_threshold(),
        })
    }

    /// `bins ≥ 1` equal-width bins over the neuron's fitted `[min, max]`.
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] for `bins` outside `1 ..= MAX_BINS`.
    pub fn equal_width(bins: usize) -> Result<Self, MeasureError> {
        Ok(Quantizer(Kind::EqualWidth {
            bins: check_bins(bins, 1)?,
        }))
    }

    /// For ReLU: bin 0 for `a ≤ 0`, then `bins − 1` equal-width bins over `(0, max]`.
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] for `bins` outside `2 ..= MAX_BINS`.
    pub fn zero_and_equal_width(bins: usize) -> Result<Self, MeasureError> {
        Ok(Quantizer(Kind::ZeroAndEqualWidth {
            bins: check_bins(bins, 2)?,
        }))
    }

    /// `bins ≥ 1` bins between the neuron's `k/bins` quantiles.
    ///
    /// # Errors
    /// [`MeasureError::Parameter`] for `bins` outside `1 ..= MAX_BINS`.
    pub fn equal_frequency(bins: usize) -> Result<Self, MeasureError> {
        Ok(Quantizer(Kind::EqualFrequency {
            bins: check_bins(bins, 1)?,
        }))
    }

    /// The number of bins `B` (2 for binary).
    pub fn bins(&self) -> usize {
        match self.0 {
            Kind::Binary { .. } => 2,
            Kind::EqualWidth { bins } | Kind::ZeroAndEqualWidth { bins } | Kind::EqualFrequency { bins } => bins,
        }
    }

    /// The threshold of a binary quantizer.
    pub fn threshold(&self) -> Option<f64> {
        match self.0 {
            Kind::Binary { threshold } => Some(threshold),
            _ => None,
        }
    }

    /// The name: `binary`, `equal-width`, `zero-equal-width` or `equal-frequency`.
    pub fn name(&self) -> &'static str {
        match self.0 {
            Kind::Binary { .. } => "binary",
            Kind::EqualWidth { .. } => "equal-width",
            Kind::ZeroAndEqualWidth { .. } => "zero-equal-width",
            Kind::EqualFrequency { .. } => "equal-frequency",
        }
    }

    /// What fitting it needs from the analysis set.
    ///
    /// ```
    /// use infoablate::measures::{Fit, Quantizer};
    /// assert_eq!(Quantizer::binary(0.0)?.fit_needs(), Fit::Nothing);
    /// assert_eq!(Quantizer::equal_width(4)?.fit_needs(), Fit::Range);
    /// assert_eq!(Quantizer::equal_frequency(4)?.fit_needs(), Fit::Values);
    /// # Ok::<(), infoablate::measures::MeasureError>(())
    /// ```
    pub fn fit_needs(&self) -> Fit {
        match self.0 {
            Kind::Binary { .. } => Fit::Nothing,
            Kind::EqualWidth { .. } | Kind::ZeroAndEqualWidth { .. } => Fit::Range,
            Kind::EqualFrequency { .. } => Fit::Values,
        }
    }

    /// How many fitted parameters a neuron needs.
    fn num_params(&self) -> usize {
        match self.0 {
            Kind::Binary { .. } => 0,
            Kind::EqualWidth { .. } => 2,
            Kind::ZeroAndEqualWidth { .. } => 1,
            Kind::EqualFrequency { bins } => bins - 1,
        }
    }

    /// The fitted parameters from a neuron's range (for every quantizer but
    /// equal-frequency): `[lo, hi]`, `[hi]` or nothing.
    fn params_from_range(&self, lo: f64, hi: f64) -> Vec<f64> {
        match self.0 {
            Kind::Binary { .. } | Kind::EqualFrequency { .. } => Vec::new(),
            Kind::EqualWidth { .. } => vec![lo, hi],
            Kind::ZeroAndEqualWidth { .. } => vec![hi],
        }
    }

    /// The fitted parameters of one neuron from its activations.
    fn params_from_column(&self, column: ArrayView1<'_, f32>) -> Vec<f64> {
        match self.0 {
            Kind::EqualFrequency { bins } => quantile_edges(column, bins),
            _ => {
                let (lo, hi) = column.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &a| {
                    (lo.min(a), hi.max(a))
                });
                self.params_from_range(f64::from(lo), f64::from(hi))
            }
        }
    }

    /// Fits the quantizer to one neuron's activations on the analysis set.
    ///
    /// # Errors
    /// [`MeasureError::Empty`] for no value, [`MeasureError::Parameter`] for
    /// a value that is NaN or infinite.
    pub fn fit(&self, column: ArrayView1<'_, f32>) -> Result<FittedQuantizer> {
        check_column(column)?;
        Ok(FittedQuantizer {
            quantizer: *self,
            params: self.params_from_column(column),
        })
    }

    /// Fits a range-based quantizer (all but equal-frequency) to a neuron
    /// whose analysis-set minimum and maximum are `lo ≤ hi`.
    ///
    /// # Errors
    /// [`MeasureError::CannotFit`] for equal-frequency, [`MeasureError::Parameter`]
    /// for a range that is not finite or has `lo > hi`.
    pub fn fit_range(&self, lo: f64, hi: f64) -> Result<FittedQuantizer, MeasureError> {
        if self.fit_needs() == Fit::Values {
            return Err(MeasureError::CannotFit {
                quantizer: self.name(),
                from: "a range",
            });
        }
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(MeasureError::Parameter {
                name: "range",
                reason: format!("[{lo}, {hi}] is not a finite interval"),
            });
        }
        Ok(FittedQuantizer {
            quantizer: *self,
            params: self.params_from_range(lo, hi),
        })
    }

    /// The bin of `a` given a neuron's fitted parameters. The one place the
    /// bin arithmetic of the definition file is written.
    #[inline(always)]
    fn bin(&self, params: &[f64], a: f64) -> usize {
        match self.0 {
            Kind::Binary { threshold } => binary_bin(a, threshold),
            Kind::EqualWidth { bins } => equal_width_bin(a, params[0], params[1], bins),
            Kind::ZeroAndEqualWidth { bins } => zero_equal_width_bin(a, params[0], bins),
            Kind::EqualFrequency { .. } => equal_frequency_bin(a, params),
        }
    }
}

/// What fitting a [`Quantizer`] needs from a neuron's activations on the
/// analysis set ([`Quantizer::fit_needs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fit {
    /// Nothing: binary.
    Nothing,
    /// The neuron's minimum and maximum: equal-width and zero-and-equal-width,
    /// which the streaming path fits from a first pass.
    Range,
    /// All the values: equal-frequency (quantiles), fitted only on activations.
    Values,
}

impl fmt::Display for Quantizer {
    /// `binary(threshold=0.5)`, `equal-width(bins=10)`, …
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::Binary { threshold } => write!(f, "binary(threshold={threshold})"),
            _ => write!(f, "{}(bins={})", self.name(), self.bins()),
        }
    }
}

#[inline(always)]
fn binary_bin(a: f64, threshold: f64) -> usize {
    usize::from(a > threshold)
}

#[inline(always)]
fn equal_width_bin(a: f64, lo: f64, hi: f64, bins: usize) -> usize {
    usize::from(equal_width_code(
        a,
        lo,
        hi - lo,
        equal_width_cap(lo, hi, bins),
        bins as f64,
    ))
}

/// The highest bin of an equal-width neuron fitted on `[lo, hi]`: `B − 1`,
/// or 0 for a constant neuron (`hi == lo`, exactly when `hi − lo == 0` for
/// finite values), so that [`equal_width_code`] bins it as the definition does.
#[inline(always)]
fn equal_width_cap(lo: f64, hi: f64, bins: usize) -> u16 {
    // `bins ≤ MAX_BINS = 2¹⁶`, so `bins − 1` fits
    if hi == lo { 0 } else { (bins - 1) as u16 }
}

/// The equal-width bin `min(cap, floor((a − lo)/span · B))` clamped at 0,
/// the one place its arithmetic is written: `span = hi − lo` and `B` are the
/// `f64` values the definition divides and multiplies by, in its order, so
/// the bin is exactly the definition's.
#[inline(always)]
fn equal_width_code(a: f64, lo: f64, span: f64, cap: u16, bins: f64) -> u16 {
    let x = (a - lo) / span * bins;
    // Selects on ordered comparisons take NaN (a constant neuron's `0/0`)
    // and values below `lo` to 0 and cap at `B ≤ 2¹⁶`, so the truncation is
    // `floor(x)`: no branch, no call to `floor`, no saturating cast, so a
    // loop of it vectorizes.
    let x = if x > 0.0 { x } else { 0.0 };
    let x = if x < bins { x } else { bins };
    // SAFETY: `x` is in `[0, B]` with `B ≤ MAX_BINS = 2¹⁶` (not NaN: both
    // selects return a constant for NaN), so it truncates to an `i32`.
    let floor: i32 = unsafe { x.to_int_unchecked() };
    floor.min(i32::from(cap)) as u16
}

/// The equal-width quantizers of a run of neurons, laid out for binning a
/// row of them at once ([`codes`](Self::codes)).
#[derive(Debug, Clone)]
pub(super) struct EqualWidthBins {
    lo: Vec<f64>,
    span: Vec<f64>,
    cap: Vec<u16>,
    bins: f64,
}

impl EqualWidthBins {
    /// The bins of a row's values for these neurons into `out`, as
    /// [`FittedQuantizer::bin`] gives them (`row` and `out` as long as the
    /// run of neurons).
    #[inline(always)]
    pub(super) fn codes(&self, row: &[f32], out: &mut [u16]) {
        let neurons = out.iter_mut().zip(row).zip(&self.lo).zip(&self.span).zip(&self.cap);
        // Slices zipped, not indexed: no bounds check, so the loop vectorizes.
        for ((((o, &a), &lo), &span), &cap) in neurons {
            *o = equal_width_code(f64::from(a), lo, span, cap, self.bins);
        }
    }
}

#[inline(always)]
fn zero_equal_width_bin(a: f64, hi: f64, bins: usize) -> usize {
    if a <= 0.0 || hi <= 0.0 {
        return 0;
    }
    // positive, so `as usize` is `floor`
    1 + ((a / hi * (bins - 1) as f64) as usize).min(bins - 2)
}

#[inline(always)]
fn equal_frequency_bin(a: f64, edges: &[f64]) -> usize {
    edges.partition_point(|&e| e <= a)
}

/// The interior edges `e_k`, `k = 1 … bins−1`: the `k/bins` quantiles of the
/// column with linear interpolation (Hyndman–Fan type 7), computed as NumPy
/// does in `f64`: virtual index `h = (n−1)·p`, `t = h − floor(h)`, and
/// `a + (b−a)·t` for `t < 0.5`, `b − (b−a)·(1−t)` otherwise.
fn quantile_edges(column: ArrayView1<'_, f32>, bins: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = column.iter().map(|&a| f64::from(a)).collect();
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len();
    (1..bins)
        .map(|k| {
            let p = k as f64 / bins as f64;
            let h = (n - 1) as f64 * p;
            let below = h.floor();
            let i = below as usize;
            if i + 1 >= n {
                return sorted[n - 1];
            }
            let (a, b) = (sorted[i], sorted[i + 1]);
            let t = h - below;
            let diff = b - a;
            if t < 0.5 { a + diff * t } else { b - diff * (1.0 - t) }
        })
        .collect()
}

fn check_column(column: ArrayView1<'_, f32>) -> Result<(), MeasureError> {
    if column.is_empty() {
        return Err(MeasureError::Empty {
            what: "the column to fit a quantizer on".into(),
        });
    }
    match column.iter().position(|a| !a.is_finite()) {
        Some(sample) => Err(MeasureError::Parameter {
            name: "activation",
            reason: format!("sample {sample} is {} (not finite)", column[sample]),
        }),
        None => Ok(()),
    }
}

/// A quantizer fitted to one neuron: bins any value, from the analysis set or
/// another, with the parameters found on the analysis set.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FittedQuantizer {
    quantizer: Quantizer,
    params: Vec<f64>,
}

impl FittedQuantizer {
    /// The bin of `a`, in `0 … bins−1`.
    #[inline]
    pub fn bin(&self, a: f32) -> usize {
        self.quantizer.bin(&self.params, f64::from(a))
    }

    /// The number of bins.
    pub fn bins(&self) -> usize {
        self.quantizer.bins()
    }

    /// The quantizer it was fitted from.
    pub fn quantizer(&self) -> Quantizer {
        self.quantizer
    }

    /// The fitted parameters: `[lo, hi]` for equal-width, `[hi]` for
    /// zero-and-equal-width, the `bins − 1` interior edges for
    /// equal-frequency, nothing for binary.
    pub fn params(&self) -> &[f64] {
        &self.params
    }
}

/// Per-neuron minimum and maximum of a layer's activations, accumulated batch
/// by batch (the first pass of the streaming path) and mergeable.
///
/// # Examples
///
/// ```
/// use infoablate::measures::Ranges;
/// use ndarray::array;
///
/// let mut ranges = Ranges::new(2);
/// ranges.observe(array![[1.0_f32, -2.0], [3.0, 0.5]].view())?;
/// assert_eq!(ranges.min(), &[1.0, -2.0]);
/// assert_eq!(ranges.max(), &[3.0, 0.5]);
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Ranges {
    min: Vec<f32>,
    max: Vec<f32>,
    samples: u64,
}

impl Ranges {
    /// No sample seen yet, for a layer of `width` neurons.
    pub fn new(width: usize) -> Self {
        Ranges {
            min: vec![f32::INFINITY; width],
            max: vec![f32::NEG_INFINITY; width],
            samples: 0,
        }
    }

    /// Takes a batch of activations, `samples × width`, row by row.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] for a batch of another width. Values are
    /// not checked for NaN here; the recorders check them.
    pub fn observe(&mut self, batch: ArrayView2<'_, f32>) -> Result<(), MeasureError> {
        if batch.ncols() != self.min.len() {
            return Err(MeasureError::Mismatch {
                what: format!("a batch of {} neurons for a range of {}", batch.ncols(), self.min.len()),
            });
        }
        for row in batch.rows() {
            for ((lo, hi), &a) in self.min.iter_mut().zip(self.max.iter_mut()).zip(row) {
                *lo = lo.min(a);
                *hi = hi.max(a);
            }
        }
        self.samples += batch.nrows() as u64;
        Ok(())
    }

    /// Adds the ranges of another, disjoint set of samples.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] for another width.
    pub fn merge(&mut self, other: &Ranges) -> Result<(), MeasureError> {
        if other.min.len() != self.min.len() {
            return Err(MeasureError::Mismatch {
                what: format!("ranges of {} and {} neurons", self.min.len(), other.min.len()),
            });
        }
        self.min.iter_mut().zip(&other.min).for_each(|(a, &b)| *a = a.min(b));
        self.max.iter_mut().zip(&other.max).for_each(|(a, &b)| *a = a.max(b));
        self.samples += other.samples;
        Ok(())
    }

    /// Per-neuron minimum.
    pub fn min(&self) -> &[f32] {
        &self.min
    }

    /// Per-neuron maximum.
    pub fn max(&self) -> &[f32] {
        &self.max
    }

    /// Number of neurons.
    pub fn width(&self) -> usize {
        self.min.len()
    }

    /// Samples seen.
    pub fn num_samples(&self) -> u64 {
        self.samples
    }
}

/// The fitted quantizers of every neuron of a layer (all of one
/// [`Quantizer`], so all with the same bin count).
///
/// # Examples
///
/// ```
/// use infoablate::measures::{LayerQuantizer, Quantizer};
/// use ndarray::array;
///
/// let acts = array![[0.0_f32, 5.0], [1.0, 6.0], [2.0, 9.0]];
/// let layer = LayerQuantizer::fit(Quantizer::zero_and_equal_width(3)?, acts.view())?;
/// assert_eq!(layer.width(), 2);
/// let n1 = layer.neuron(1).unwrap();
/// assert_eq!(n1.params(), &[9.0]);
/// assert_eq!((n1.bin(0.0), n1.bin(4.4), n1.bin(4.5), n1.bin(20.0)), (0, 1, 2, 2));
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LayerQuantizer {
    quantizer: Quantizer,
    width: usize,
    /// `width × quantizer.num_params()`, neuron-major.
    params: Vec<f64>,
}

impl LayerQuantizer {
    /// Fits `quantizer` to every neuron (column) of `activations`
    /// (`samples × neurons`, the analysis set).
    ///
    /// # Errors
    /// [`MeasureError::Empty`] for no sample, [`MeasureError::Parameter`] for
    /// a NaN or infinite activation or more fitted bin edges than
    /// [`MAX_COUNT_CELLS`](super::MAX_COUNT_CELLS) (equal-frequency: `bins − 1`
    /// per neuron).
    pub fn fit(quantizer: Quantizer, activations: ArrayView2<'_, f32>) -> Result<Self> {
        if activations.nrows() == 0 {
            return Err(MeasureError::Empty {
                what: "the activations to fit a quantizer on".into(),
            }
            .into());
        }
        match quantizer.fit_needs() {
            Fit::Nothing => return Ok(Self::fixed(quantizer, activations.ncols())?),
            Fit::Range => {
                check_edge_count(quantizer.num_params(), activations.ncols())?;
                let mut ranges = Ranges::new(activations.ncols());
                ranges.observe(activations)?;
                return Self::from_ranges(quantizer, &ranges);
            }
            Fit::Values => check_edge_count(quantizer.num_params(), activations.ncols())?,
        }
        let columns: Vec<Result<Vec<f64>, MeasureError>> = map_indices(activations.ncols(), |j| {
            let column = activations.column(j);
            check_column(column)?;
            Ok(quantizer.params_from_column(column))
        });
        let mut params = Vec::with_capacity(activations.ncols() * quantizer.num_params());
        for column in columns {
            params.extend(column?);
        }
        Ok(LayerQuantizer {
            quantizer,
            width: activations.ncols(),
            params,
        })
    }

    /// Fits a range-based `quantizer` (all but equal-frequency) from the
    /// per-neuron ranges of a first pass ([`RangeRecorder`](super::RangeRecorder)).
    ///
    /// # Errors
    /// [`MeasureError::CannotFit`] for equal-frequency, [`MeasureError::Empty`]
    /// for ranges of no sample, [`MeasureError::Parameter`] for a range that
    /// is not finite.
    pub fn from_ranges(quantizer: Quantizer, ranges: &Ranges) -> Result<Self> {
        if ranges.num_samples() == 0 {
            return Err(MeasureError::Empty {
                what: "the ranges to fit a quantizer on".into(),
            }
            .into());
        }
        let mut params = Vec::with_capacity(ranges.width() * quantizer.num_params());
        for (&lo, &hi) in ranges.min().iter().zip(ranges.max()) {
            params.extend(quantizer.fit_range(f64::from(lo), f64::from(hi))?.params);
        }
        Ok(LayerQuantizer {
            quantizer,
            width: ranges.width(),
            params,
        })
    }

    /// A quantizer that needs no fit (binary) for a layer of `width` neurons.
    ///
    /// # Errors
    /// [`MeasureError::CannotFit`] for a quantizer that needs a fit.
    pub fn fixed(quantizer: Quantizer, width: usize) -> Result<Self, MeasureError> {
        if quantizer.fit_needs() != Fit::Nothing {
            return Err(MeasureError::CannotFit {
                quantizer: quantizer.name(),
                from: "nothing",
            });
        }
        Ok(LayerQuantizer {
            quantizer,
            width,
            params: Vec::new(),
        })
    }

    /// Assembles per-neuron fitted quantizers (all of one quantizer), e.g.
    /// fitted elsewhere on the analysis set.
    ///
    /// # Errors
    /// [`MeasureError::Mismatch`] when they come from different quantizers.
    pub fn from_neurons(quantizer: Quantizer, neurons: &[FittedQuantizer]) -> Result<Self> {
        let mut params = Vec::with_capacity(neurons.len() * quantizer.num_params());
        for (j, n) in neurons.iter().enumerate() {
            if n.quantizer != quantizer {
                return Err(MeasureError::Mismatch {
                    what: format!("neuron {j} is fitted with {}, the layer with {quantizer}", n.quantizer),
                }
                .into());
            }
            params.extend_from_slice(&n.params);
        }
        Ok(LayerQuantizer {
            quantizer,
            width: neurons.len(),
            params,
        })
    }

    /// The quantizer.
    pub fn quantizer(&self) -> Quantizer {
        self.quantizer
    }

    /// Number of neurons.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The bin count.
    pub fn bins(&self) -> usize {
        self.quantizer.bins()
    }

    /// Neuron `neuron`'s fitted quantizer, or `None` beyond the width.
    pub fn neuron(&self, neuron: usize) -> Option<FittedQuantizer> {
        (neuron < self.width).then(|| FittedQuantizer {
            quantizer: self.quantizer,
            params: self.neuron_params(neuron).to_vec(),
        })
    }

    fn neuron_params(&self, neuron: usize) -> &[f64] {
        let k = self.quantizer.num_params();
        &self.params[neuron * k..(neuron + 1) * k]
    }

    /// Calls `run` with a binning function `(neuron, value) → bin` for the
    /// neurons `start … start + width` (within the layer), specialized per
    /// quantizer so that the hot loop of the count tables has no dispatch in
    /// it; equal-width quantizers as an [`EqualWidthBins`] of those neurons.
    #[inline(always)]
    pub(super) fn with_binner<R>(&self, start: usize, width: usize, run: impl BinnerUser<R>) -> R {
        let k = self.quantizer.num_params();
        let params = &self.params[start * k..(start + width) * k];
        match self.quantizer.0 {
            Kind::Binary { threshold } => run.run_threshold(threshold),
            Kind::EqualWidth { bins } => {
                let (mut lo, mut span, mut cap) = (Vec::new(), Vec::new(), Vec::new());
                for p in params.chunks_exact(2) {
                    lo.push(p[0]);
                    span.push(p[1] - p[0]);
                    cap.push(equal_width_cap(p[0], p[1], bins));
                }
                run.run_equal_width(&EqualWidthBins {
                    lo,
                    span,
                    cap,
                    bins: bins as f64,
                })
            }
            Kind::ZeroAndEqualWidth { bins } => run.run(move |j, a| zero_equal_width_bin(a, params[j], bins)),
            Kind::EqualFrequency { .. } => run.run(move |j, a| equal_frequency_bin(a, &params[j * k..(j + 1) * k])),
        }
    }

    /// Every value's bin, row by row, into `out` (resized to `samples ×
    /// width`): `out[s · width + j]` is neuron `j`'s bin of sample `s`, as
    /// [`FittedQuantizer::bin`] gives it, through the specialized binning
    /// loop of [`with_binner`](Self::with_binner) (bins are below
    /// [`MAX_BINS`] `≤ 2¹⁶`, so a `u16` is exact).
    pub(crate) fn bin_rows(&self, activations: ArrayView2<'_, f32>, out: &mut Vec<u16>) -> Result<(), MeasureError> {
        let width = activations.ncols();
        if width != self.width {
            return Err(MeasureError::Mismatch {
                what: format!("a quantizer for {} neurons, a layer of {width}", self.width),
            });
        }
        out.clear();
        out.resize(activations.nrows() * width, 0);
        if width == 0 {
            return Ok(());
        }
        let rows = activations.as_standard_layout();
        let data = rows.as_slice().expect("a standard-layout array is contiguous");
        self.with_binner(0, width, RowBins { data, width, out });
        Ok(())
    }

    /// Checks that a batch has this layer's width.
    pub(super) fn check_width(&self, layer: usize, width: usize) -> Result<()> {
        if width == self.width {
            Ok(())
        } else {
            Err(NetworkError::Shape {
                what: format!(
                    "output of hidden layer {layer} (quantizer fitted for {} neurons)",
                    self.width
                ),
                expected: vec![0, self.width],
                got: vec![0, width],
            }
            .into())
        }
    }
}

/// The pass of [`LayerQuantizer::bin_rows`]: C-order rows in, their bins out.
struct RowBins<'a> {
    data: &'a [f32],
    width: usize,
    out: &'a mut [u16],
}

impl BinnerUser<()> for RowBins<'_> {
    #[inline(always)]
    fn run_equal_width(self, bins: &EqualWidthBins) {
        for (out, row) in self
            .out
            .chunks_exact_mut(self.width)
            .zip(self.data.chunks_exact(self.width))
        {
            bins.codes(row, out);
        }
    }

    #[inline(always)]
    fn run(self, bin: impl Fn(usize, f64) -> usize) {
        for (out, row) in self
            .out
            .chunks_exact_mut(self.width)
            .zip(self.data.chunks_exact(self.width))
        {
            // Independent per neuron, so this loop vectorizes.
            for (j, (o, &a)) in out.iter_mut().zip(row).enumerate() {
                *o = bin(j, f64::from(a)) as u16;
            }
        }
    }
}

/// Something run with a statically dispatched binning function
/// `(neuron offset, value) → bin` (see [`LayerQuantizer::with_binner`]).
pub(super) trait BinnerUser<R> {
    /// Runs with the binning function `bin`.
    fn run(self, bin: impl Fn(usize, f64) -> usize) -> R;

    /// Runs for equal-width quantizers, binning a row of the neurons at
    /// once with [`EqualWidthBins::codes`].
    fn run_equal_width(self, bins: &EqualWidthBins) -> R;

    /// Runs for the binary quantizer: bin 1 iff `f64::from(a) > threshold`
    /// (so NaN is bin 0), the same threshold for every neuron. A user can
    /// override this to count the active values only, which vectorizes where
    /// a scattered per-bin increment does not; by default it is [`run`](Self::run)
    /// with that binning function.
    #[inline(always)]
    fn run_threshold(self, threshold: f64) -> R
    where
        Self: Sized,
    {
        self.run(move |_, a| binary_bin(a, threshold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn quantiles_match_numpy_linear() {
        // np.quantile([0, 1, 2, 10], [0.25, 0.5, 0.75]) = [0.75, 1.5, 4.0]
        assert_eq!(
            quantile_edges(array![10.0_f32, 0.0, 2.0, 1.0].view(), 4),
            vec![0.75, 1.5, 4.0]
        );
        // one value: every edge is that value
        assert_eq!(quantile_edges(array![3.0_f32].view(), 3), vec![3.0, 3.0]);
    }

    #[test]
    fn equal_frequency_bins_are_closed_on_the_left() {
        let f = Quantizer::equal_frequency(4).unwrap();
        let fitted = f.fit(array![0.0_f32, 1.0, 2.0, 10.0].view()).unwrap();
        let bins: Vec<usize> = [0.0_f32, 0.75, 1.0, 1.5, 4.0, 11.0]
            .iter()
            .map(|&a| fitted.bin(a))
            .collect();
        assert_eq!(bins, vec![0, 1, 1, 2, 3, 3]);
    }

    #[test]
    fn invalid_parameters_are_rejected() {
        assert!(Quantizer::binary(f64::NAN).is_err());
        assert!(Quantizer::zero_and_equal_width(1).is_err());
        assert!(Quantizer::equal_frequency(MAX_BINS + 1).is_err());
        assert!(Quantizer::equal_width(1).is_ok());
        let q = Quantizer::equal_frequency(3).unwrap();
        assert!(matches!(q.fit_range(0.0, 1.0), Err(MeasureError::CannotFit { .. })));
        assert!(Quantizer::equal_width(3).unwrap().fit_range(1.0, 0.0).is_err());
        assert!(q.fit(array![1.0_f32, f32::NAN].view()).is_err());
    }

    #[test]
    fn zero_and_equal_width_with_no_positive_value_is_all_zero() {
        let fitted = Quantizer::zero_and_equal_width(4)
            .unwrap()
            .fit(array![-1.0_f32, 0.0].view())
            .unwrap();
        assert_eq!((fitted.bin(-3.0), fitted.bin(0.0), fitted.bin(5.0)), (0, 0, 0));
    }
}
