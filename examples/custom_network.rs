//! Bring your own model: a nearest-prototype classifier that is not an MLP,
//! made an `infoablate` [`Network`] in a few dozen lines, then recorded and
//! ablated like any other.
//!
//! Hidden layer 0 has one neuron per prototype (5 per class, means of slices
//! of each class's training images); neuron `j` outputs the similarity
//! `exp(−‖x − c_j‖² / τ)`. Class `y`'s logit is `log(ε + Σ_{j ∈ y} h_j)`.
//!
//! ```text
//! cargo run --release --example custom_network -- [--data DIR [--dataset D] | --inputs X.npy --labels Y.npy \
//!     [--test-inputs XT.npy --test-labels YT.npy]] [--normalize MEAN,STD] [--per-class P] [--temperature T]
//! ```

#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/cli.rs"]
mod cli;
#[allow(dead_code)] // shared by the examples; each uses a part
#[path = "common/data.rs"]
mod data;

use std::process::ExitCode;

use clap::Parser;
use infoablate::ablation::{Engine, Schedule, Scope, evaluate};
use infoablate::data::Dataset;
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

/// A nearest-prototype classifier made an infoablate Network, recorded and ablated.
#[derive(Debug, Parser)]
struct Args {
    /// The data.
    #[command(flatten)]
    data: data::DataArgs,
    /// Prototypes per class.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=1000))]
    per_class: u64,
    /// Temperature τ of the similarities exp(−‖x − c‖² / τ).
    #[arg(long, default_value_t = 10.0)]
    temperature: f32,
    /// Seed of a held-out test split of `--inputs`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// `per_class` prototypes per class: the means of consecutive slices of the
/// class (a class without sample has none).
fn fit(train: &Dataset, per_class: usize, temperature: f32) -> Prototypes {
    let mut centres = Vec::new();
    let mut classes = Vec::new();
    for class in 0..train.num_classes() {
        let idx: Vec<usize> = (0..train.len()).filter(|&i| train.labels()[i] == class).collect();
        if idx.is_empty() {
            continue;
        }
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
    let centres = Array2::from_shape_vec((classes.len(), train.num_features()), centres)
        .expect("one row of features a prototype");
    Prototypes {
        centres,
        classes,
        num_classes: train.num_classes(),
        temperature,
    }
}

fn main() -> ExitCode {
    cli::finish(run(&cli::parse()))
}

fn run(args: &Args) -> cli::Result<()> {
    if !(args.temperature.is_finite() && args.temperature > 0.0) {
        return Err(format!("--temperature {}: give a positive number", args.temperature).into());
    }
    let data::Loaded { train, test, .. } = args.data.load(args.seed)?;
    let model = fit(&train, args.per_class as usize, args.temperature);
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
        .map_or("none".to_string(), |(j, _)| j.to_string());
    println!(
        "recorded {} x {} similarities; most used prototype: {most_used}",
        rec.num_samples(),
        rec.layer(0)?.ncols()
    );

    // No Resumable capability: the engine runs full forward passes.
    let engine = Engine::new(&model, &test)?;
    let n = model.hidden_widths()[0];
    let curve = engine.run(&Schedule::random(0, Scope::Layer(0)).at(vec![0, n / 5, n / 2, 4 * n / 5, n]))?;
    println!("random ablation of prototypes:");
    for p in &curve.points {
        println!("  k = {:>2}  accuracy {:.4}  loss {:.4}", p.k, p.accuracy, p.loss);
    }
    Ok(())
}
