//! A roofline for ablation curves: how far each curve's time is from what
//! this machine's GEMM rate allows.
//!
//! It measures the `sgemm` rate of ndarray (matrixmultiply) and of the fast
//! path's own packed product on the shapes the curves run (`N = 10000` and
//! blocks of 512 rows, `K = 100`, `M = 100` and `10`) and charges the faster
//! of the two, the activation kernels (ns per value) and the
//! scoring (ns per row); counts the work each curve needs; and prints each
//! curve's time beside its bound — GEMM flops at the measured rate, plus the
//! activations and rows scored at their measured costs — and beside the plain
//! path (a full forward pass at every checkpoint, timed on every 10th
//! checkpoint and scaled to all). The previous fast path is the same bench
//! built from an earlier commit. Both the fast path's time and the bound
//! include the one unablated forward pass a fresh engine runs first.
//!
//! Networks: synthetic 784-100-100-100-10 MLPs (He init for ReLU, Xavier
//! otherwise, seed 0) on 10,000 random inputs, for ReLU, tanh and sigmoid,
//! zero and mean replacement, layer 0, layer 2 and global curves. Per-layer
//! curves count exactly the rows a removal changes; global curves count
//! every row at every step (for ReLU an upper bound on the work, so a lower
//! bound on the multiple).
//!
//! Run with `RAYON_NUM_THREADS=1 cargo bench --bench roofline`: the bound
//! is for one core. Arguments select curves by name (`act/repl/scope`, e.g.
//! `cargo bench --bench roofline -- mean/global relu/zero/layer2` runs the
//! curves whose name contains one of them); `--no-plain` skips the plain
//! path. Every figure is CPU time (the process's, from `clock_gettime`), the
//! best of three runs, so that other work on a shared machine does not
//! inflate it; the wall time of the fast path is printed too.

use std::hint::black_box;
use std::time::Instant;

use infoablate::ablation::{Engine, Metric, NeuronValues, PackedGemm, Path, Replacement, Schedule, Scope};
use infoablate::data::Dataset;
use infoablate::network::{Activation, Clamps, Init, Mlp, Network};
use infoablate::rand::rngs::StdRng;
use infoablate::rand::{Rng, SeedableRng};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2};

/// Samples in the evaluation set.
const SAMPLES: usize = 10_000;
/// Layer sizes of the synthetic networks.
const SIZES: [usize; 5] = [784, 100, 100, 100, 10];
/// Runs per timing (the best is kept).
const RUNS: usize = 3;
/// Rows of a block: the engine's default chunk size.
const BLOCK: usize = 512;
/// Global curves are scored at every `GLOBAL_STEP`-th `k`.
const GLOBAL_STEP: usize = 5;
/// The plain path is timed on every `PLAIN_STEP`-th checkpoint.
const PLAIN_STEP: usize = 10;

/// The process's CPU time so far, in seconds.
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec to write to.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// The least CPU time and the least wall time of `RUNS` calls of `f`.
fn time(mut f: impl FnMut()) -> (f64, f64) {
    (0..RUNS).fold((f64::INFINITY, f64::INFINITY), |(cpu, wall), _| {
        let (start_cpu, start) = (cpu_seconds(), Instant::now());
        f();
        (
            cpu.min(cpu_seconds() - start_cpu),
            wall.min(start.elapsed().as_secs_f64()),
        )
    })
}

/// GFLOP/s of `c = a·b + c` for `rows × k` by `k × m`: with ndarray's
/// `general_mat_mul` (matrixmultiply), and with the fast path's own packed
/// product (`out = a·b + bias`; AVX-512 or AVX2 kernels where the CPU has them).
fn sgemm_rates(rows: usize, k: usize, m: usize) -> (f64, f64) {
    let mut rng = StdRng::seed_from_u64(1);
    let a = Array2::from_shape_fn((rows, k), |_| rng.random::<f32>());
    let b = Array2::from_shape_fn((k, m), |_| rng.random::<f32>());
    let mut c = Array2::<f32>::zeros((rows, m));
    let reps = (2e9 / (2.0 * (rows * k * m) as f64)).ceil() as usize;
    let flops = 2.0 * (rows * k * m * reps) as f64;
    let (ndarray, _) = time(|| {
        for _ in 0..reps {
            general_mat_mul(1.0, &a, &b, 1.0, &mut c);
        }
        black_box(&c);
    });
    let packed = PackedGemm::new(b.iter().copied().collect(), k, m).expect("shape");
    let (input, bias) = (a.iter().copied().collect::<Vec<f32>>(), vec![0.0; m]);
    let mut out = Vec::new();
    let (own, _) = time(|| {
        for _ in 0..reps {
            packed.apply(&input, rows, &bias, &mut out).expect("shape");
        }
        black_box(&out);
    });
    (flops / ndarray / 1e9, flops / own / 1e9)
}

/// Seconds per value of an activation over a `128 × 100` block (in cache,
/// as the fast path's blocks are), applied `REPS` times to fresh values.
fn activation_cost(activation: Activation) -> f64 {
    const REPS: usize = 2_000;
    let mut rng = StdRng::seed_from_u64(2);
    let z = Array2::from_shape_fn((128, 100), |_| rng.random::<f32>() * 8.0 - 4.0);
    let mut block = z.clone();
    let (cpu, _) = time(|| {
        for _ in 0..REPS {
            block.assign(&z);
            activation.apply(black_box(block.view_mut()));
        }
    });
    cpu / (REPS * z.len()) as f64
}

/// Seconds per row of scoring 10 logits, in blocks of 128 rows (the fast
/// path's propagated pieces).
fn score_cost() -> f64 {
    let mut rng = StdRng::seed_from_u64(3);
    let logits = Array2::from_shape_fn((SAMPLES, 10), |_| rng.random::<f32>() * 10.0);
    let labels: Vec<usize> = (0..SAMPLES).map(|s| s % 10).collect();
    let (cpu, _) = time(|| {
        let mut metric = Metric::new();
        for (rows, labels) in logits.axis_chunks_iter(ndarray::Axis(0), 128).zip(labels.chunks(128)) {
            metric.add_logits(rows, labels).expect("finite");
        }
        black_box(metric);
    });
    cpu / SAMPLES as f64
}

/// What the bound charges: GEMM flops (by output width), activations, rows scored.
#[derive(Default)]
struct Work {
    /// Flops of products into 100-wide layers.
    wide: f64,
    /// Flops of products into the 10 logits.
    narrow: f64,
    /// Activation values computed.
    activations: f64,
    /// Rows scored.
    scored: f64,
}

impl Work {
    /// Adds `rows` rows changed by removals in hidden layer `ablated`
    /// (0-based), propagated from the pre-activation of the layer above it
    /// to the scores.
    fn propagate(&mut self, rows: f64, ablated: usize) {
        let hidden = SIZES.len() - 2;
        for m in ablated + 1..hidden {
            self.activations += rows * SIZES[m + 1] as f64;
            let flops = 2.0 * rows * (SIZES[m + 1] * SIZES[m + 2]) as f64;
            if m + 1 == hidden {
                self.narrow += flops
            } else {
                self.wide += flops
            }
        }
        self.scored += rows;
    }

    /// Adds the unablated forward pass of `rows` rows, which the fast path
    /// runs once per engine before any removal (every product counted at the
    /// measured rate of the 100-deep shapes, the 784-deep input product too).
    fn forward(&mut self, rows: f64) {
        self.wide += 2.0 * rows * (SIZES[0] * SIZES[1] + SIZES[1] * SIZES[2]) as f64;
        self.activations += rows * SIZES[1] as f64;
        self.propagate(rows, 0);
    }
}

/// The machine's measured costs.
struct Machine {
    wide: f64,
    narrow: f64,
    activation: f64,
    score: f64,
}

impl Machine {
    /// The bound, in seconds, for `work`.
    fn bound(&self, work: &Work) -> f64 {
        work.wide / (self.wide * 1e9)
            + work.narrow / (self.narrow * 1e9)
            + work.activations * self.activation
            + work.scored * self.score
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let with_plain = !args.iter().any(|a| a == "--no-plain");
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let shapes = [
        (SAMPLES, 100, 100),
        (SAMPLES, 100, 10),
        (BLOCK, 100, 100),
        (BLOCK, 100, 10),
        (64, 100, 100),
    ];
    println!("sgemm GFLOP/s, ndarray (matrixmultiply) / the fast path's packed product; the bound takes the faster:");
    let mut rates = Vec::new();
    for &(n, k, m) in &shapes {
        let (ndarray, own) = sgemm_rates(n, k, m);
        println!("  N = {n:>5}, K = {k}, M = {m:>3}: {ndarray:6.1} / {own:6.1}");
        rates.push(ndarray.max(own));
    }
    let mut rng = StdRng::seed_from_u64(0);
    let inputs = Array2::from_shape_fn((SAMPLES, SIZES[0]), |_| rng.random::<f32>());
    let labels: Vec<usize> = (0..SAMPLES).map(|_| rng.random_range(0..10)).collect();
    let data = Dataset::new(inputs, labels, 10).expect("valid data");
    let score = score_cost();
    println!("scoring: {:.1} ns per row", score * 1e9);
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        println!("{activation}: {:.2} ns per value", activation_cost(activation) * 1e9);
    }
    println!(
        "\n{:<8} {:<5} {:<7} {:>6} {:>9} {:>9} {:>8} {:>9} {:>10}",
        "act", "repl", "scope", "points", "bound s", "fast s", "×bound", "fast wall", "plain s"
    );
    for activation in [Activation::Relu, Activation::Tanh, Activation::Sigmoid] {
        let init = if activation == Activation::Relu {
            Init::He
        } else {
            Init::Xavier
        };
        let mlp = Mlp::new(&SIZES, activation, init, &mut StdRng::seed_from_u64(0)).expect("valid sizes");
        let mut hidden: Vec<Array2<f32>> = Vec::new();
        mlp.forward_hooked(data.inputs(), &Clamps::new(), &mut |_, h| hidden.push(h.to_owned()))
            .expect("forward");
        let means: Vec<Vec<f32>> = hidden
            .iter()
            .map(|h| h.mean_axis(ndarray::Axis(0)).expect("rows").to_vec())
            .collect();
        let machine = Machine {
            wide: rates[2],
            narrow: rates[3],
            activation: activation_cost(activation),
            score,
        };
        for mean in [false, true] {
            let replacement = if mean {
                Replacement::Mean(NeuronValues::new(means.clone()).expect("finite means"))
            } else {
                Replacement::Zero
            };
            for scope in [Scope::Layer(0), Scope::Layer(2), Scope::Global] {
                let name = format!("{}/{}/{}", activation.name(), replacement.name(), scope_name(scope));
                if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
                    continue;
                }
                let schedule = Schedule::random(7, scope);
                let engine = Engine::new(&mlp, &data).expect("fits").replacement(replacement.clone());
                let plan = engine.plan(&schedule).expect("plan");
                let ks = plan.checkpoints().to_vec();
                let ks: Vec<usize> = match scope {
                    Scope::Global => ks.into_iter().step_by(GLOBAL_STEP).collect(),
                    _ => ks,
                };
                let neurons = plan.neurons().to_vec();
                let schedule = schedule.at(ks.clone());
                let mut work = count_work(&neurons, &ks, &hidden, &replacement);
                work.forward(SAMPLES as f64);
                // A fresh engine per run: the fast path's one-time forward pass is timed too.
                let run = |path: Path, schedule: &Schedule| {
                    let engine = Engine::new(&mlp, &data)
                        .expect("fits")
                        .replacement(replacement.clone())
                        .path(path);
                    black_box(engine.run(schedule).expect("runs"));
                };
                let (fast, fast_wall) = time(|| run(Path::Fast, &schedule));
                let some: Vec<usize> = ks.iter().copied().step_by(PLAIN_STEP).collect();
                let plain_schedule = Schedule::random(7, scope).at(some.clone());
                let plain = if with_plain {
                    time(|| run(Path::Plain, &plain_schedule)).0 * ks.len() as f64 / some.len() as f64
                } else {
                    f64::NAN
                };
                let bound = machine.bound(&work);
                println!(
                    "{:<8} {:<5} {:<7} {:>6} {:>9.3} {:>9.3} {:>8.2} {:>9.2} {:>10.2}",
                    activation.name(),
                    replacement.name(),
                    scope_name(scope),
                    ks.len(),
                    bound,
                    fast,
                    fast / bound,
                    fast_wall,
                    plain
                );
            }
        }
    }
}

/// `layer 0`, `layer 2` or `global`.
fn scope_name(scope: Scope) -> String {
    match scope {
        Scope::Layer(l) => format!("layer{l}"),
        Scope::Global => "global".into(),
    }
}

/// The work of a curve removing `neurons` in order, scored at `ks`.
fn count_work(neurons: &[(usize, usize)], ks: &[usize], hidden: &[Array2<f32>], replacement: &Replacement) -> Work {
    let mut work = Work::default();
    let mut done = 0;
    for &k in ks {
        let step = &neurons[done..k];
        done = k;
        let Some(lowest) = step.iter().map(|&(l, _)| l).min() else {
            continue;
        };
        let rows = if step.iter().all(|&(l, _)| l == lowest) && neurons.iter().all(|&(l, _)| l == lowest) {
            changed_rows(step, hidden[lowest].view(), replacement)
        } else {
            SAMPLES as f64
        };
        work.propagate(rows, lowest);
    }
    work
}

/// Rows where at least one of `step`'s neurons (all in one layer, the only
/// one the curve ablates) differs from its replacement.
fn changed_rows(step: &[(usize, usize)], h: ArrayView2<'_, f32>, replacement: &Replacement) -> f64 {
    let values: Vec<f32> = step.iter().map(|&n| replacement.value(n).expect("value")).collect();
    h.outer_iter()
        .filter(|row| step.iter().zip(&values).any(|(&(_, i), &v)| row[i] != v))
        .count() as f64
}
