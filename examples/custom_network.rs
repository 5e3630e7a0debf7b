//! Bring your own model: a nearest-prototype classifier that is not an MLP,
//! made an `infoablate` [`Network`] in a few dozen lines, then recorded and
//! ablated like any other.
//!
//! Hidden layer 0 has one neuron per prototype (5 per class, means of slices
//! of each class's training images); neuron `j` outputs the similarity
//! `exp(−‖x − c_j‖² / τ)`. Class `y`'s logit is `log(ε + Σ_{j ∈ y} h_j)`.
//!
//! `cargo run --release --example custom_network`

use std::path::Path as FsPath;

use infoablate::ablation::{Engine, Schedule, Scope, evaluate};
use infoablate::data::{Dataset, Split, load_mnist_dir};
use infoablate::network::{Clamps, Network, validate_inputs};
use infoablate::record::{DenseRecorder, record};
use ndarray::{Array2, ArrayView2, Axis};

/// The user's own model.
struct Prototypes {
    centres: Array2<f32>,
    classes: Vec<usize>,
    num_classes: usize,
    temperature: f32,
}

impl Network for Prototypes {
    fn input_width(&self) -> usize {
        self.centres.ncols()
    }

    fn hidden_widths(&self) -> Vec<usize> {
        vec![self.centres.nrows()]
    }

    fn num_classes(&self) -> usize {
        self.num_classes
    }

    fn forward_hooked(
        &self,
        inputs: ArrayView2<'_, f32>,
        clamps: &Clamps,
        observe: &mut dyn FnMut(usize, ArrayView2<'_, f32>),
    ) -> infoablate::Result<Array2<f32>> {
        validate_inputs(inputs, self.input_width())?;
        // ‖x − c‖² = ‖x‖² − 2 x·c + ‖c‖²
        let x2 = inputs.map_axis(Axis(1), |r| r.dot(&r));
        let c2 = self.centres.map_axis(Axis(1), |r| r.dot(&r));
        let mut h = inputs.dot(&self.centres.t());
        for ((s, j), v) in h.indexed_iter_mut() {
            *v = (-(x2[s] - 2.0 * *v + c2[j]).max(0.0) / self.temperature).exp();
        }
        clamps.apply(0, h.view_mut());
        observe(0, h.view());
        let mut logits = Array2::<f32>::from_elem((inputs.nrows(), self.num_classes), 0.0);
        for (mut out, row) in logits.outer_iter_mut().zip(h.outer_iter()) {
            for (&v, &class) in row.iter().zip(&self.classes) {
                out[class] += v;
            }
            out.mapv_inplace(|v| (v + 1e-12).ln());
        }
        Ok(logits)
    }
}

/// Five prototypes per class: the means of five consecutive slices of the class.
fn fit(train: &Dataset, per_class: usize) -> Prototypes {
    let mut centres = Vec::new();
    let mut classes = Vec::new();
    for class in 0..train.num_classes() {
        let idx: Vec<usize> = (0..train.len()).filter(|&i| train.labels()[i] == class).collect();
        for part in idx.chunks(idx.len().div_ceil(per_class)) {
            let mean = train
                .inputs()
                .select(Axis(0), part)
                .mean_axis(Axis(0))
                .expect("non-empty slice");
            centres.extend(mean);
            classes.push(class);
        }
    }
    let centres = Array2::from_shape_vec((classes.len(), train.num_features()), centres).expect("rows of 784");
    Prototypes {
        centres,
        classes,
        num_classes: train.num_classes(),
        temperature: 10.0,
    }
}

fn main() -> infoablate::Result<()> {
    let dir = FsPath::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist-sample");
    let train = load_mnist_dir(&dir, Split::Train)?;
    let test = load_mnist_dir(&dir, Split::Test)?;
    let model = fit(&train, 5);
    let base = evaluate(&model, &test, 500)?;
    println!(
        "prototype classifier: {} prototypes, test accuracy {:.4}, loss {:.4} nats",
        model.hidden_widths()[0],
        base.accuracy,
        base.loss
    );

    let rec = record(&model, &train, DenseRecorder::new(&[0])?, 1000, &mut |_| {})?;
    let means = rec.layer(0)?.mean_axis(Axis(0)).expect("samples");
    let most_used = means
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(j, _)| j);
    println!(
        "recorded {} x {} similarities; most used prototype: {most_used:?}",
        rec.num_samples(),
        rec.layer(0)?.ncols()
    );

    // No Resumable capability: the engine runs full forward passes.
    let engine = Engine::new(&model, &test)?;
    let curve = engine.run(&Schedule::random(0, Scope::Layer(0)).at(vec![0, 10, 25, 40, 50]))?;
    println!("random ablation of prototypes:");
    for p in &curve.points {
        println!("  k = {:>2}  accuracy {:.4}  loss {:.4}", p.k, p.accuracy, p.loss);
    }
    Ok(())
}
