//! `scores` and the streaming `Accumulator`.

use infoablate::measures::{InfoMeasure, LayerCounts, LayerQuantizer, MeasureSettings, Scores, StreamingRecorder};
use infoablate::record::ActivationRecorder;
use numpy::{PyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{self, error, invalid};
use crate::options;

/// The settings named by the Python options (`scores`, `Accumulator`, `pairs`).
pub fn settings(
    quantizer: &str,
    bins: Option<usize>,
    threshold: Option<f64>,
    estimator: &str,
    units: &str,
) -> PyResult<MeasureSettings> {
    Ok(
        MeasureSettings::new(options::quantizer(quantizer, bins, threshold).map_err(invalid)?)
            .with_estimator(options::estimator(estimator).map_err(invalid)?)
            .with_units(options::units(units).map_err(invalid)?),
    )
}

/// The four measures of `settings` on counts of layer 0.
fn compute(counts: &[LayerCounts], settings: &MeasureSettings) -> infoablate::Result<Scores> {
    let measures = settings.measures();
    let refs: Vec<&dyn InfoMeasure> = measures.iter().map(|m| m.as_ref()).collect();
    Scores::compute(counts, &refs, None)
}

/// `{measure: float64 array}` for layer 0, in column order.
fn to_dict<'py>(py: Python<'py>, scores: &Scores) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for column in scores.measures() {
        let values = scores.get(&column.name, 0).map_err(error)?;
        dict.set_item(&column.name, PyArray1::from_slice(py, values))?;
    }
    Ok(dict)
}

/// Scores every neuron (column) of `acts` (float32, samples × neurons)
/// against `labels` (integers): `{"entropy", "mutual_info",
/// "kl_selectivity", "csi"}`, one float64 per neuron, as the Rust crate
/// computes them.
///
/// `quantizer`: "binary" (a > threshold, default 0; 0.5 for sigmoid),
/// "equal-width", "zero-equal-width" or "equal-frequency" (`bins`, default
/// 10), fitted per neuron on `acts`. `estimator`: "plugin" or
/// "miller-madow". `units`: "bits" or "nats". `num_classes`: default one more
/// than the largest label.
#[pyfunction]
#[pyo3(signature = (acts, labels, quantizer = "binary", threshold = None, bins = None, estimator = "plugin", units = "bits", num_classes = None))]
#[allow(clippy::too_many_arguments)] // the keyword arguments of the Python API
pub fn scores<'py>(
    py: Python<'py>,
    acts: &Bound<'py, PyAny>,
    labels: &Bound<'py, PyAny>,
    quantizer: &str,
    threshold: Option<f64>,
    bins: Option<usize>,
    estimator: &str,
    units: &str,
    num_classes: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = settings(quantizer, bins, threshold, estimator, units)?;
    let (acts, labels, num_classes) = convert::layer(acts, labels, num_classes)?;
    let view = acts.as_array();
    let scores = py
        .detach(|| {
            let fitted = LayerQuantizer::fit(settings.quantizer, view)?;
            let counts = LayerCounts::from_activations(0, view, &labels, num_classes, &fitted)?;
            compute(&[counts], &settings)
        })
        .map_err(error)?;
    to_dict(py, &scores)
}

/// Count tables filled batch by batch (memory independent of the sample
/// count): `update(acts, labels)`, `merge(other)`, `scores()`. The scores of
/// the batches equal those of `scores` on their concatenation. The binary
/// quantizer needs no fit; the others are fitted up front on `fit_on`.
#[pyclass(module = "infoablate")]
pub struct Accumulator {
    settings: MeasureSettings,
    num_classes: usize,
    /// The fitted quantizers; for the binary quantizer, fixed at the first batch.
    quantizer: Option<LayerQuantizer>,
    /// The batches since the last merge, in order (counted exactly as one
    /// concatenated batch would be).
    live: Option<StreamingRecorder>,
    /// Samples passed to `update` (the offset of the next batch, for errors).
    seen: usize,
    /// Everything up to the last merge: earlier batches and merged accumulators.
    merged: Option<LayerCounts>,
}

impl Accumulator {
    /// All the counts so far (merged, then own batches), if any.
    fn counts(&self) -> PyResult<Option<LayerCounts>> {
        let own = match &self.live {
            Some(recorder) => recorder.clone().finish().map_err(error)?.into_iter().next(),
            None => None,
        };
        match (self.merged.clone(), own) {
            (Some(mut merged), Some(own)) => {
                merged.merge(&own).map_err(|e| error(e.into()))?;
                Ok(Some(merged))
            }
            (merged, own) => Ok(merged.or(own)),
        }
    }
}

#[pymethods]
impl Accumulator {
    /// An empty accumulator for labels `0 … num_classes − 1`. The binary
    /// quantizer needs no fit; the others are fitted up front on `fit_on`
    /// (activations of the analysis set, or a sample of it).
    #[new]
    #[pyo3(signature = (num_classes, quantizer = "binary", threshold = None, bins = None, estimator = "plugin", units = "bits", fit_on = None))]
    #[allow(clippy::too_many_arguments)] // the keyword arguments of the Python API
    fn new(
        py: Python<'_>,
        num_classes: usize,
        quantizer: &str,
        threshold: Option<f64>,
        bins: Option<usize>,
        estimator: &str,
        units: &str,
        fit_on: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let settings = settings(quantizer, bins, threshold, estimator, units)?;
        let num_classes = convert::num_classes(Some(num_classes), &[])?;
        let binary = settings.quantizer.threshold().is_some();
        let quantizer = match (binary, fit_on) {
            (true, None) => None,
            (true, Some(_)) => return Err(invalid("fit_on does not apply to the binary quantizer".into())),
            (false, None) => {
                return Err(invalid(format!(
                    "the {quantizer} quantizer is fitted on activations: give fit_on="
                )));
            }
            (false, Some(fit_on)) => {
                let fit_on = convert::f32_matrix(fit_on, "fit_on")?;
                let view = fit_on.as_array();
                Some(
                    py.detach(|| LayerQuantizer::fit(settings.quantizer, view))
                        .map_err(error)?,
                )
            }
        };
        Ok(Accumulator {
            settings,
            num_classes,
            quantizer,
            live: None,
            seen: 0,
            merged: None,
        })
    }

    /// Counts one batch: `acts` (`samples × neurons`, float32) with its labels.
    fn update(&mut self, py: Python<'_>, acts: &Bound<'_, PyAny>, labels: &Bound<'_, PyAny>) -> PyResult<()> {
        let acts = convert::f32_matrix(acts, "acts")?;
        let labels = convert::labels(labels, "labels")?;
        let quantizer = match &self.quantizer {
            Some(q) => q.clone(),
            None => LayerQuantizer::fixed(self.settings.quantizer, acts.shape()[1]).map_err(|e| error(e.into()))?,
        };
        let mut recorder = match &self.live {
            Some(recorder) => recorder.clone(),
            None => StreamingRecorder::new(vec![(0, quantizer.clone())], self.num_classes).map_err(error)?,
        };
        let view = acts.as_array();
        let offset = self.seen;
        py.detach(|| recorder.observe(0, offset, view, &labels))
            .map_err(error)?;
        // committed only now: a rejected batch leaves the accumulator as it was
        self.quantizer = Some(quantizer);
        self.live = Some(recorder);
        self.seen += labels.len();
        Ok(())
    }

    /// Adds the counts of another accumulator (disjoint samples, the same
    /// fitted quantizer and class count). Count tables become exactly those
    /// of the union; class means equal the union's up to float64 rounding.
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        if slf.is(other) {
            return Err(invalid("cannot merge an accumulator into itself".into()));
        }
        let Some(theirs) = other.borrow().counts()? else {
            return Ok(());
        };
        let mut this = slf.borrow_mut();
        let union = match this.counts()? {
            Some(mut ours) => {
                ours.merge(&theirs).map_err(|e| error(e.into()))?;
                ours
            }
            None => theirs,
        };
        // own batches so far now live in `merged`; later ones start a new recorder
        this.merged = Some(union);
        this.live = None;
        Ok(())
    }

    /// The scores of everything counted: `{measure: float64 array}`.
    fn scores<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let counts = self
            .counts()?
            .ok_or_else(|| PyValueError::new_err("the accumulator has no sample: call update first"))?;
        let settings = self.settings;
        let scores = py.detach(|| compute(&[counts], &settings)).map_err(error)?;
        to_dict(py, &scores)
    }

    /// Samples counted, own and merged.
    #[getter]
    fn num_samples(&self) -> PyResult<u64> {
        Ok(self.counts()?.map_or(0, |c| c.num_samples()))
    }

    fn __repr__(&self) -> String {
        format!(
            "Accumulator(num_classes={}, quantizer={}, own samples={})",
            self.num_classes, self.settings.quantizer, self.seen
        )
    }
}
