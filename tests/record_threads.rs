//! `record` forwards rounds of batches in parallel but hands them to the
//! recorder in sample order: every recorder's output is the same bit for bit
//! with one thread and with several, for batch sizes that do and do not
//! divide the data, and the first error in sample order wins.
#![cfg(all(feature = "mlp", feature = "datasets"))]

use std::path::Path;

use infoablate::ablation::{MeanRecorder, NeuronValues};
use infoablate::data::{Dataset, Split, load_mnist_dir};
use infoablate::measures::{LayerCounts, LayerQuantizer, Quantizer, StreamingRecorder};
use infoablate::network::{Activation, Clamps, Init, Mlp, Network, NetworkError};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::{ActivationRecorder, DenseRecorder, RecordError, Recording, record};
use infoablate::{Error, Progress, Result};
use ndarray::{Array2, ArrayView2};

/// Threads of the parallel pool; the sequential one has one.
const THREADS: usize = 3;

/// Runs `f` in a rayon pool of `threads` threads.
fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}

fn sample() -> Dataset {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    load_mnist_dir(&dir, Split::Test).expect("the shipped MNIST sample")
}

/// What the three kinds of recorder yield from one pass.
type Outputs = (Recording, NeuronValues, Vec<LayerCounts>);

fn record_all_three(mlp: &Mlp, data: &Dataset, batch_size: usize) -> Outputs {
    let widths = mlp.hidden_widths();
    let quantizers = (0..widths.len())
        .map(|l| {
            (
                l,
                LayerQuantizer::fixed(Quantizer::binary(0.0).unwrap(), widths[l]).unwrap(),
            )
        })
        .collect();
    let recorders = (
        DenseRecorder::all(widths.len()).unwrap(),
        MeanRecorder::new(&[1, 0]).unwrap(),
        StreamingRecorder::new(quantizers, data.num_classes()).unwrap(),
    );
    record(mlp, data, recorders, batch_size, &mut |_| {}).unwrap()
}

#[test]
fn every_recorder_gets_the_same_bits_with_one_thread_and_several() {
    let data = sample();
    let mut rng = StdRng::seed_from_u64(16);
    let mlp = Mlp::new(&[784, 40, 30, 10], Activation::Tanh, Init::Xavier, &mut rng).unwrap();
    // 2,000 samples: 250 divides them, 128 and 7 do not (7 makes several rounds of short batches).
    for batch_size in [250, 128, 7] {
        let (dense, means, counts) = in_pool(1, || record_all_three(&mlp, &data, batch_size));
        let (dense_par, means_par, counts_par) = in_pool(THREADS, || record_all_three(&mlp, &data, batch_size));
        assert_eq!(dense_par, dense, "batch {batch_size}");
        assert_eq!(counts_par, counts, "batch {batch_size}");
        for (layer, width) in mlp.hidden_widths().into_iter().enumerate() {
            for neuron in 0..width {
                let bits = |v: &NeuronValues| v.value((layer, neuron)).unwrap().to_bits();
                assert_eq!(
                    bits(&means_par),
                    bits(&means),
                    "batch {batch_size}, layer {layer}, neuron {neuron}"
                );
            }
        }
    }
}

/// A network of one input (the sample's index), whose hidden layer shows the
/// input and whose forward pass fails on a batch holding `fail_at`.
struct Index {
    fail_at: usize,
}

impl Network for Index {
    fn input_width(&self) -> usize {
        1
    }
    fn hidden_widths(&self) -> Vec<usize> {
        vec![1]
    }
    fn num_classes(&self) -> usize {
        1
    }
    fn forward_hooked(
        &self,
        inputs: ArrayView2<'_, f32>,
        _: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> Result<Array2<f32>> {
        if inputs.iter().any(|&x| x as usize == self.fail_at) {
            return Err(NetworkError::Parameter {
                name: "fail_at",
                value: self.fail_at.to_string(),
                reason: "the batch holds the failing sample",
            }
            .into());
        }
        observe(0, inputs);
        Ok(inputs.to_owned())
    }
}

/// Each call a recorder saw: layer, offset, outputs.
type Calls = Vec<(usize, usize, Vec<f32>)>;

/// A recorder that logs every call and fails on the batch from `fail_at`.
struct Log {
    calls: Calls,
    fail_at: usize,
}

impl ActivationRecorder for Log {
    type Output = Calls;
    fn layers(&self) -> Vec<usize> {
        vec![0]
    }
    fn observe(&mut self, layer: usize, offset: usize, outputs: ArrayView2<'_, f32>, _: &[usize]) -> Result<()> {
        if offset == self.fail_at {
            return Err(RecordError::BatchSize.into());
        }
        self.calls.push((layer, offset, outputs.iter().copied().collect()));
        Ok(())
    }
    fn finish(self) -> Result<Self::Output> {
        Ok(self.calls)
    }
}

/// Records the index network in batches of 10 over 100 samples, with the
/// network failing at `network_fails` and the recorder at `recorder_fails`;
/// returns the result and the progress seen.
fn run(threads: usize, network_fails: usize, recorder_fails: usize) -> (Result<Calls>, Vec<usize>) {
    let inputs = Array2::from_shape_fn((100, 1), |(i, _)| i as f32);
    let data = Dataset::new(inputs, vec![0; 100], 1).unwrap();
    let log = Log {
        calls: Vec::new(),
        fail_at: recorder_fails,
    };
    let mut done = Vec::new();
    let result = in_pool(threads, || {
        let mut progress = |p: Progress| done.push(p.done);
        record(&Index { fail_at: network_fails }, &data, log, 10, &mut progress)
    });
    (result, done)
}

#[test]
fn calls_progress_and_the_first_error_come_in_sample_order() {
    let tens = |to: usize| (1..=to).map(|i| 10 * i).collect::<Vec<_>>();
    // No failure: the same calls in the same order, progress batch by batch.
    let (one, done) = run(1, usize::MAX, usize::MAX);
    let (several, done_par) = run(THREADS, usize::MAX, usize::MAX);
    let one = one.unwrap();
    assert_eq!(one.len(), 10);
    assert_eq!(one[3], (0, 30, (30..40).map(|i| i as f32).collect()));
    assert_eq!(several.unwrap(), one);
    assert_eq!((done, done_par), (tens(10), tens(10)));
    // The recorder fails at sample 20, the network in a later batch of the same round.
    for threads in [1, THREADS] {
        let (result, done) = run(threads, 45, 20);
        assert!(
            matches!(result, Err(Error::Record(RecordError::BatchSize))),
            "{result:?}"
        );
        assert_eq!(done, tens(2));
    }
    // The network fails at sample 45, the recorder only later.
    for threads in [1, THREADS] {
        let (result, done) = run(threads, 45, 80);
        assert!(
            matches!(
                result,
                Err(Error::Network(NetworkError::Parameter { name: "fail_at", .. }))
            ),
            "{result:?}"
        );
        assert_eq!(done, tens(4));
    }
}
