//! One call from activations (or a network and data) to [`Scores`].

use super::MeasureError;
use super::counts::LayerCounts;
use super::measure::InfoMeasure;
use super::quantize::{Fit, LayerQuantizer, Quantizer};
use super::scores::{MeasureSettings, Scores};
use super::stream::{RangeRecorder, StreamingRecorder};
use crate::data::Dataset;
use crate::network::Network;
use crate::record::{Recording, record};
use crate::{Progress, Result};

/// Scores every recorded layer with the measures of `settings`, quantizers
/// fitted on the recording (the analysis set). Pass the network to score the
/// weight-norm baselines.
///
/// # Errors
/// As [`LayerQuantizer::fit`], [`LayerCounts::from_activations`] and
/// [`Scores::compute`]; [`MeasureError::TooFewClasses`] when fewer than two
/// classes have samples (the class selectivity index needs two).
pub fn analyze(recording: &Recording, settings: &MeasureSettings, network: Option<&dyn Network>) -> Result<Scores> {
    let counts = count_recording(recording, settings.quantizer)?;
    score(&counts, settings, network)
}

fn score(counts: &[LayerCounts], settings: &MeasureSettings, network: Option<&dyn Network>) -> Result<Scores> {
    let measures = settings.measures();
    let refs: Vec<&dyn InfoMeasure> = measures.iter().map(|m| m.as_ref()).collect();
    Scores::compute(counts, &refs, network)
}

fn count_recording(recording: &Recording, quantizer: Quantizer) -> Result<Vec<LayerCounts>> {
    recording
        .iter()
        .map(|(layer, acts)| {
            let fitted = LayerQuantizer::fit(quantizer, acts)?;
            LayerCounts::from_activations(layer, acts, recording.labels(), recording.num_classes(), &fitted)
        })
        .collect()
}

/// Scores every recorded layer with any measures, `quantizer` fitted on the recording.
///
/// # Errors
/// As [`analyze`].
pub fn analyze_with(
    recording: &Recording,
    quantizer: Quantizer,
    measures: &[&dyn InfoMeasure],
    network: Option<&dyn Network>,
) -> Result<Scores> {
    Scores::compute(&count_recording(recording, quantizer)?, measures, network)
}

/// Scores every hidden layer of `network` over `data` (the analysis set)
/// with the measures of `settings`, without holding any activation matrix:
/// a first pass for the neurons' ranges when the quantizer needs them, then
/// a counting pass, both in batches of `batch_size`. `progress` sees both
/// passes (stages `record`).
///
/// # Errors
/// [`MeasureError::CannotFit`] for the equal-frequency quantizer (fit it up
/// front and use [`StreamingRecorder`] directly), and as [`record`] and
/// [`Scores::compute`].
pub fn analyze_streaming(
    network: &(dyn Network + Sync),
    data: &Dataset,
    settings: &MeasureSettings,
    batch_size: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Scores> {
    let counts = count_streaming(network, data, settings.quantizer, batch_size, progress)?;
    score(&counts, settings, Some(network))
}

/// As [`analyze_streaming`], with any measures (a measure of your own
/// among them): the streaming counterpart of [`analyze_with`].
///
/// # Errors
/// As [`analyze_streaming`].
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mlp")] {
/// use infoablate::data::Dataset;
/// use infoablate::measures::{InfoMeasure, MutualInformation, NeuronStats, Quantizer, analyze_streaming_with};
/// use infoablate::network::{Activation, Mlp};
/// use ndarray::array;
///
/// /// The fraction of samples on which the neuron fires.
/// struct FiringRate;
/// impl InfoMeasure for FiringRate {
///     fn name(&self) -> &str {
///         "firing_rate"
///     }
///     fn score(&self, neuron: &NeuronStats<'_>) -> infoablate::Result<f64> {
///         let table = neuron.counts();
///         Ok(table.bin_totals()[1] as f64 / table.total() as f64)
///     }
/// }
///
/// let mlp = Mlp::from_layers(
///     vec![(array![[1.0, 0.0], [0.0, -1.0]], array![0.0, 0.0]), (array![[1.0, 1.0]], array![0.0])],
///     Activation::Relu,
/// )?;
/// let data = Dataset::new(array![[1.0_f32, 2.0], [3.0, -4.0], [-1.0, 1.0]], vec![0, 1, 0], 2)?;
/// let measures: [&dyn InfoMeasure; 2] = [&FiringRate, &MutualInformation::default()];
/// let scores = analyze_streaming_with(&mlp, &data, Quantizer::binary(0.0)?, &measures, 2, &mut |_| {})?;
/// assert_eq!(scores.get("firing_rate", 0)?, &[2.0 / 3.0, 1.0 / 3.0]);
/// # }
/// # Ok::<(), infoablate::Error>(())
/// ```
pub fn analyze_streaming_with(
    network: &(dyn Network + Sync),
    data: &Dataset,
    quantizer: Quantizer,
    measures: &[&dyn InfoMeasure],
    batch_size: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Scores> {
    let counts = count_streaming(network, data, quantizer, batch_size, progress)?;
    Scores::compute(&counts, measures, Some(network))
}

/// The two passes of the streaming path: ranges when the quantizer needs
/// them, then counts.
fn count_streaming(
    network: &(dyn Network + Sync),
    data: &Dataset,
    quantizer: Quantizer,
    batch_size: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<LayerCounts>> {
    let widths = network.hidden_widths();
    let layers: Vec<usize> = (0..widths.len()).collect();
    let quantizers: Vec<(usize, LayerQuantizer)> = match quantizer.fit_needs() {
        Fit::Nothing => layers
            .iter()
            .zip(&widths)
            .map(|(&l, &width)| Ok((l, LayerQuantizer::fixed(quantizer, width)?)))
            .collect::<Result<_, MeasureError>>()?,
        Fit::Values => {
            return Err(MeasureError::CannotFit {
                quantizer: quantizer.name(),
                from: "a stream",
            }
            .into());
        }
        Fit::Range => record(network, data, RangeRecorder::new(&layers)?, batch_size, progress)?
            .into_iter()
            .map(|(l, ranges)| Ok((l, LayerQuantizer::from_ranges(quantizer, &ranges)?)))
            .collect::<Result<_>>()?,
    };
    let recorder = StreamingRecorder::new(quantizers, data.num_classes())?;
    record(network, data, recorder, batch_size, progress)
}
