//! One call from activations (or a network and data) to [`Scores`].

use super::MeasureError;
use super::counts::LayerCounts;
use super::measure::InfoMeasure;
use super::quantize::{LayerQuantizer, Quantizer};
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
/// without holding any activation matrix: a first pass for the neurons'
/// ranges when the quantizer needs them, then a counting pass, both in
/// batches of `batch_size`. `progress` sees both passes (stages `record`).
///
/// # Errors
/// [`MeasureError::CannotFit`] for the equal-frequency quantizer (fit it up
/// front and use [`StreamingRecorder`] directly), and as [`record`] and
/// [`Scores::compute`].
pub fn analyze_streaming(
    network: &dyn Network,
    data: &Dataset,
    settings: &MeasureSettings,
    batch_size: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Scores> {
    let layers: Vec<usize> = (0..network.num_hidden()).collect();
    let quantizer = settings.quantizer;
    let quantizers: Vec<(usize, LayerQuantizer)> = if quantizer.threshold().is_some() {
        let widths = network.hidden_widths();
        layers
            .iter()
            .map(|&l| Ok((l, LayerQuantizer::fixed(quantizer, widths[l])?)))
            .collect::<Result<_, MeasureError>>()?
    } else if quantizer.name() == "equal-frequency" {
        return Err(MeasureError::CannotFit {
            quantizer: quantizer.name(),
            from: "a stream",
        }
        .into());
    } else {
        record(network, data, RangeRecorder::new(&layers)?, batch_size, progress)?
            .into_iter()
            .map(|(l, ranges)| Ok((l, LayerQuantizer::from_ranges(quantizer, &ranges)?)))
            .collect::<Result<_>>()?
    };
    let recorder = StreamingRecorder::new(quantizers, data.num_classes())?;
    let counts = record(network, data, recorder, batch_size, progress)?;
    score(&counts, settings, Some(network))
}
