//! The streaming path over a network equals the dense path over its recording.

use infoablate::data::Dataset;
use infoablate::measures::{
    LayerCounts, LayerQuantizer, MeasureError, MeasureSettings, Order, Quantizer, StreamingRecorder, analyze,
    analyze_streaming,
};
use infoablate::network::{Activation, Init, Mlp, Network};
use infoablate::record::{DenseRecorder, record};
use infoablate::{Error, rand};
use ndarray::Array2;
use rand::{Rng, SeedableRng, rngs::StdRng};

fn setup() -> (Mlp, Dataset) {
    let mut rng = StdRng::seed_from_u64(11);
    let mlp = Mlp::new(
        &[6, 70, 9, 3],
        Activation::Relu,
        Init::for_activation(Activation::Relu),
        &mut rng,
    )
    .unwrap();
    let inputs = Array2::from_shape_fn((101, 6), |_| rng.random_range(-1.0_f32..1.0));
    let labels = (0..101).map(|_| rng.random_range(0..3)).collect();
    (mlp, Dataset::new(inputs, labels, 3).unwrap())
}

#[test]
fn streaming_scores_equal_dense_scores_exactly() {
    let (mlp, data) = setup();
    let recording = record(&mlp, &data, DenseRecorder::all(2).unwrap(), 16, &mut |_| {}).unwrap();
    for quantizer in [
        Quantizer::binary(0.0).unwrap(),
        Quantizer::equal_width(7).unwrap(),
        Quantizer::zero_and_equal_width(5).unwrap(),
    ] {
        let settings = MeasureSettings::new(quantizer)
            .with_variance()
            .with_weight_norms()
            .with_random(5);
        let dense = analyze(&recording, &settings, Some(&mlp)).unwrap();
        let mut seen = Vec::new();
        let streamed = analyze_streaming(&mlp, &data, &settings, 16, &mut |p| seen.push(p.done)).unwrap();
        assert_eq!(dense, streamed, "{quantizer}");
        assert_eq!(seen.last(), Some(&101));
        assert_eq!(streamed.layers(), vec![0, 1]);
        assert_eq!(streamed.rank("mutual_info", None, Order::Descending).unwrap().len(), 79);
    }
}

#[test]
fn equal_frequency_streams_with_a_quantizer_fitted_up_front() {
    let (mlp, data) = setup();
    let settings = MeasureSettings::new(Quantizer::equal_frequency(4).unwrap());
    let err = analyze_streaming(&mlp, &data, &settings, 16, &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::Measure(MeasureError::CannotFit { .. })), "{err}");
    // fit on the recording of the analysis set, then stream
    let recording = record(&mlp, &data, DenseRecorder::new(&[1]).unwrap(), 32, &mut |_| {}).unwrap();
    let acts = recording.layer(1).unwrap();
    let q = LayerQuantizer::fit(Quantizer::equal_frequency(4).unwrap(), acts).unwrap();
    let dense = LayerCounts::from_activations(1, acts, recording.labels(), 3, &q).unwrap();
    let streamed = record(
        &mlp,
        &data,
        StreamingRecorder::new(vec![(1, q)], 3).unwrap(),
        32,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(streamed, vec![dense]);
    assert_eq!(mlp.hidden_widths(), vec![70, 9]);
}
