//! The `--pairs` step: per hidden layer, the partial information
//! decomposition of every neuron pair on the analysis set, its
//! within-class-shuffle null, and the causal interaction of every pair on
//! the evaluation set; the pair maps (CSV + SVG), their top pairs, the rank
//! correlation of each PID column with the causal interaction, curves
//! ordered by mean pairwise synergy, redundancy and interaction beside the
//! random band, and the numbers that test the curves' redundancy and
//! synergy readings. Everything lands in `pairs.md` and `pairs/`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use infoablate::ablation::{AblationCurve, AblationSchedule, AucTest, Engine, Order, PairInteraction, RandomBand};
use infoablate::atomic_file;
use infoablate::measures::{LayerQuantizer, Quantizer, Scores, spearman};
use infoablate::network::Mlp;
use infoablate::pairs::{NullModel, NullSpec, NullTest, PairAnalysis, PairCounts, PairSettings, all_pairs, null_test};
use infoablate::plot::{ablation_curves, pair_heatmap};
use infoablate::rand::SeedableRng;
use infoablate::rand::rngs::StdRng;
use infoablate::record::Recording;

use crate::cli::Result;

/// Pairs listed per map.
const TOP: usize = 20;
/// Permutations of each rank correlation's p-value.
const PERMUTATIONS: usize = 999;
/// Neurons in the low- and high-MI groups: the bottom and top quarter of
/// the layer's live neurons.
const GROUP_FRACTION: f64 = 0.25;
/// Neurons (the layer's highest MI) whose pairs are decomposed against each
/// one-vs-rest target.
const ONE_VS_REST_NEURONS: usize = 20;

/// The maps drawn: `(source, column, what it is)`.
const MAPS: [(Source, &str, &str); 5] = [
    (Source::Pid, "synergy_broja", "synergy (BROJA), bits"),
    (Source::Pid, "red_broja", "redundancy (BROJA), bits"),
    (Source::Pid, "red_wb", "redundancy (Williams–Beer), bits"),
    (Source::Pid, "interaction_info", "interaction information, bits"),
    (Source::Causal, "interaction_accuracy", "causal interaction, accuracy"),
];

/// The PID columns correlated with the causal interaction.
const PID_COLUMNS: [&str; 7] = [
    "interaction_info",
    "synergy_broja",
    "synergy_wb",
    "red_broja",
    "red_wb",
    "red_mmi",
    "joint_mi",
];

/// The causal columns they are correlated with.
const CAUSAL_COLUMNS: [&str; 2] = ["interaction_accuracy", "interaction_loss"];

/// The orders of the pair-ordered curves: `(source, column)`.
const ORDERS: [(Source, &str); 4] = [
    (Source::Pid, "synergy_broja"),
    (Source::Pid, "red_broja"),
    (Source::Pid, "red_wb"),
    (Source::Causal, "interaction_accuracy"),
];

/// Where a pair column comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The PID of the analysis set.
    Pid,
    /// The causal interaction on the evaluation set.
    Causal,
}

/// What the step reads from the study.
pub struct Inputs<'a> {
    /// Every hidden layer on the analysis set.
    pub recording: &'a Recording,
    /// The study's quantizer (one bit per neuron by default).
    pub quantizer: Quantizer,
    /// The neurons' scores (for the MI groups).
    pub scores: &'a Scores,
    /// The engine of the study's curves (evaluation set, replacement).
    pub engine: &'a Engine<'a, Mlp>,
    /// The random band of each layer.
    pub bands: &'a [RandomBand],
    /// Null draws of the within-class shuffle.
    pub shuffles: usize,
    /// Seed of the null draws and the permutations.
    pub seed: u64,
}

/// One layer's results.
struct Layer {
    layer: usize,
    pid: PairAnalysis,
    null: NullTest,
    causal: PairInteraction,
    curves: Vec<AblationCurve>,
    one_vs_rest: Vec<OneVsRest>,
    seconds: [f64; 4],
}

/// `red_prec` and `red_broja` among the top-MI neurons' pairs against one
/// class versus the rest.
struct OneVsRest {
    class: usize,
    pairs: usize,
    prec_nonzero: usize,
    mean_prec: f64,
    mean_broja: f64,
}

/// Runs the step and writes `pairs.md` and `pairs/` under `out`.
pub fn run(inputs: &Inputs<'_>, out: &Path) -> Result<()> {
    let started = Instant::now();
    let dir = out.join("pairs");
    std::fs::create_dir_all(&dir).map_err(|e| infoablate::Error::io("create", &dir, e))?;
    let mut layers = Vec::new();
    for (layer, band) in inputs.bands.iter().enumerate().take(inputs.recording.layers().len()) {
        let result = analyse(inputs, layer, band)?;
        write_layer(&result, &dir, band)?;
        println!(
            "pairs of layer {layer}: PID {:.1} s, null {:.1} s, causal {:.1} s, curves {:.1} s",
            result.seconds[0], result.seconds[1], result.seconds[2], result.seconds[3]
        );
        layers.push(result);
    }
    let md = summary(inputs, &layers, started.elapsed().as_secs_f64())?;
    atomic_file::write(out.join("pairs.md"), md)?;
    Ok(())
}

/// Every pair computation of one layer.
fn analyse(inputs: &Inputs<'_>, layer: usize, band: &RandomBand) -> Result<Layer> {
    let acts = inputs.recording.layer(layer)?;
    let labels = inputs.recording.labels();
    let classes = inputs.recording.num_classes();
    let quantizer = LayerQuantizer::fit(inputs.quantizer, acts)?;
    let pairs = all_pairs(acts.ncols());
    let settings = PairSettings::default();
    let mut seconds = [0.0; 4];

    let clock = Instant::now();
    let counts = PairCounts::from_activations(acts, labels, classes, &quantizer, &pairs)?;
    let pid = PairAnalysis::compute(&counts, &settings)?;
    let one_vs_rest = one_vs_rest(inputs, layer, &quantizer)?;
    seconds[0] = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let spec = NullSpec {
        model: NullModel::WithinClassShuffle,
        shuffles: inputs.shuffles,
        seed: inputs.seed,
        // The closed forms only: re-solving BROJA and I_∩^≺ per draw is the
        // cost this step keeps out.
        solved: false,
    };
    let null = null_test(acts, labels, classes, &quantizer, &pairs, &settings, spec)?;
    seconds[1] = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let causal = inputs.engine.pair_interaction(layer, None)?;
    seconds[2] = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let mut schedules = Vec::new();
    for (source, column) in ORDERS {
        for order in [Order::Descending, Order::Ascending] {
            schedules.push(match source {
                Source::Pid => pid.schedule(column, layer, order)?,
                Source::Causal => causal.schedule(column, order)?,
            });
        }
    }
    let ks = band.k.clone();
    let schedules: Vec<_> = schedules.into_iter().map(|s| s.at(ks.clone())).collect();
    let refs: Vec<&dyn AblationSchedule> = schedules.iter().map(|s| s as &dyn AblationSchedule).collect();
    let curves = inputs.engine.run_many(&refs, &mut |_| {})?;
    seconds[3] = clock.elapsed().as_secs_f64();
    Ok(Layer {
        layer,
        pid,
        null,
        causal,
        curves,
        one_vs_rest,
        seconds,
    })
}

/// The PID of the pairs among the layer's [`ONE_VS_REST_NEURONS`] highest-MI
/// neurons against each target `Y = [class = c]`.
fn one_vs_rest(inputs: &Inputs<'_>, layer: usize, quantizer: &LayerQuantizer) -> Result<Vec<OneVsRest>> {
    let acts = inputs.recording.layer(layer)?;
    let labels = inputs.recording.labels();
    let top: Vec<usize> = inputs
        .scores
        .top_k("mutual_info", layer, ONE_VS_REST_NEURONS)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let pairs: Vec<(usize, usize)> = all_pairs(top.len())
        .into_iter()
        .map(|(a, b)| (top[a].min(top[b]), top[a].max(top[b])))
        .collect();
    let mut rows = Vec::new();
    for class in 0..inputs.recording.num_classes() {
        let binary: Vec<usize> = labels.iter().map(|&y| usize::from(y == class)).collect();
        if !binary.contains(&1) {
            continue;
        }
        let counts = PairCounts::from_activations(acts, &binary, 2, quantizer, &pairs)?;
        let pid = PairAnalysis::compute(&counts, &PairSettings::default())?;
        let prec = pid.column("red_prec")?;
        let broja = pid.column("red_broja")?;
        rows.push(OneVsRest {
            class,
            pairs: pairs.len(),
            prec_nonzero: prec.iter().filter(|&&v| v != 0.0).count(),
            mean_prec: mean(&prec),
            mean_broja: mean(&broja),
        });
    }
    Ok(rows)
}

/// The layer's files: the PID and causal tables, each map as a CSV matrix
/// and an SVG heat map, the pair-ordered curves as CSV and SVG.
fn write_layer(result: &Layer, dir: &Path, band: &RandomBand) -> Result<()> {
    let l = result.layer;
    atomic_file::write(dir.join(format!("pid_layer{l}.csv")), result.pid.to_csv())?;
    atomic_file::write(dir.join(format!("causal_layer{l}.csv")), result.causal.to_csv())?;
    for (source, column, what) in MAPS {
        let matrix = match source {
            Source::Pid => result.pid.matrix(column)?,
            Source::Causal => result.causal.matrix(column)?,
        };
        let mut csv = String::new();
        for row in matrix.outer_iter() {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
            csv.push_str(&cells.join(","));
            csv.push('\n');
        }
        atomic_file::write(dir.join(format!("map_{column}_layer{l}.csv")), csv)?;
        pair_heatmap(&format!("layer {l}: {column}"), matrix.view(), what)?
            .save(dir.join(format!("map_{column}_layer{l}.svg")))?;
    }
    let mut csv = String::new();
    for curve in &result.curves {
        csv.push_str(&curve.to_csv());
    }
    atomic_file::write(dir.join(format!("curves_pairs_layer{l}.csv")), csv)?;
    ablation_curves(&format!("layer {l}: ordered by pairs"), &result.curves, Some(band))?
        .save(dir.join(format!("curves_pairs_layer{l}.svg")))?;
    Ok(())
}

/// The mean of finite values (`NaN` for none).
fn mean(values: &[f64]) -> f64 {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        f64::NAN
    } else {
        finite.iter().sum::<f64>() / finite.len() as f64
    }
}

/// The bottom and top [`GROUP_FRACTION`] of the layer's neurons by MI, among
/// the neurons that are not constant on the analysis set (entropy > 0).
fn mi_groups(scores: &Scores, layer: usize) -> Result<(Vec<usize>, Vec<usize>, usize)> {
    let mi = scores.get("mutual_info", layer)?;
    let entropy = scores.get("entropy", layer)?;
    let mut live: Vec<usize> = (0..mi.len()).filter(|&n| entropy[n] > 0.0).collect();
    live.sort_by(|&a, &b| mi[a].total_cmp(&mi[b]).then(a.cmp(&b)));
    let size = ((live.len() as f64 * GROUP_FRACTION).round() as usize).max(2);
    if live.len() < 2 * size {
        return Err(format!("layer {layer}: {} live neurons are too few for MI groups", live.len()).into());
    }
    let dead = mi.len() - live.len();
    Ok((live[..size].to_vec(), live[live.len() - size..].to_vec(), dead))
}

/// The mean of `values` (one per pair of `pairs`) over the pairs inside `group`.
fn within(group: &[usize], pairs: &[(usize, usize)], values: &[f64]) -> f64 {
    let inside: Vec<f64> = pairs
        .iter()
        .zip(values)
        .filter(|((i, j), _)| group.contains(i) && group.contains(j))
        .map(|(_, &v)| v)
        .collect();
    mean(&inside)
}

/// The fraction of the pairs inside `group` whose p-value is below 0.05.
fn significant(group: &[usize], pairs: &[(usize, usize)], p_values: &[f64]) -> f64 {
    let inside: Vec<f64> = pairs
        .iter()
        .zip(p_values)
        .filter(|((i, j), _)| group.contains(i) && group.contains(j))
        .map(|(_, &p)| f64::from(u8::from(p < 0.05)))
        .collect();
    mean(&inside)
}

/// The Markdown summary of every layer.
fn summary(inputs: &Inputs<'_>, layers: &[Layer], seconds: f64) -> Result<String> {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# Neuron pairs: PID on the analysis set, causal interaction on the evaluation set\n"
    );
    let _ = writeln!(
        md,
        "Pair measures in bits, plug-in, on the study's quantizer; null: within-class shuffle of the second \
         neuron, {} draws, seed {}. Causal interaction: `Δ(i,j) − Δ(i) − Δ(j)` of accuracy (fraction of the \
         evaluation set) and mean loss (nats), replacement `{}`. Rank correlations: Spearman over all pairs, \
         two-sided permutation p-value ({PERMUTATIONS} permutations). Step time: {seconds:.1} s.\n",
        inputs.shuffles,
        inputs.seed,
        layers.first().map_or("zero", |l| l.causal.replacement()),
    );
    let _ = writeln!(md, "## Hypotheses, per layer\n");
    let _ = writeln!(
        md,
        "Low / high MI: bottom / top quarter of the live neurons by MI (dead = constant on the analysis set, \
         excluded). Means over the pairs inside each group. *debiased* = observed − mean of the null; \
         *sig.* = fraction of pairs with null p < 0.05 (not corrected). `red_wb` and `red_mmi` depend only on \
         `p(t1,y)` and `p(t2,y)`, which the within-class shuffle keeps: it tests the joint information, so \
         `synergy_wb` = `interaction_info` + `red_wb` has the same debiased value and p-value as \
         `interaction_info`, and the redundancies are not tested by it.\n"
    );
    let _ = writeln!(
        md,
        "| layer | dead | group | synergy_broja | synergy_wb | interaction_info debiased | interaction_info sig. | red_broja | red_broja / red_mmi | causal interaction (acc.) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
    for layer in layers {
        let (low, high, dead) = mi_groups(inputs.scores, layer.layer)?;
        let pairs = layer.pid.pairs();
        let synergy = layer.pid.column("synergy_broja")?;
        let red = layer.pid.column("red_broja")?;
        let mmi = layer.pid.column("red_mmi")?;
        let fraction: Vec<f64> = red
            .iter()
            .zip(&mmi)
            .map(|(&r, &m)| if m > 0.0 { r / m } else { f64::NAN })
            .collect();
        let synergy_wb = layer.pid.column("synergy_wb")?;
        let ii = layer.null.debiased("interaction_info")?;
        let p = layer.null.p_values("interaction_info")?;
        let causal = layer.causal.column("interaction_accuracy")?;
        for (name, group) in [("low MI", &low), ("high MI", &high)] {
            let _ = writeln!(
                md,
                "| {} | {dead} | {name} ({} neurons) | {:.4} | {:.4} | {:.4} | {:.2} | {:.4} | {:.3} | {:.5} |",
                layer.layer,
                group.len(),
                within(group, pairs, &synergy),
                within(group, pairs, &synergy_wb),
                within(group, pairs, &ii),
                significant(group, pairs, &p),
                within(group, pairs, &red),
                within(group, pairs, &fraction),
                within(group, layer.causal.pairs(), &causal),
            );
        }
    }
    let _ = writeln!(
        md,
        "\n## Do the PID maps predict the causal interaction? Spearman ρ (p)\n"
    );
    let mut header = String::from("| layer | PID column |");
    for c in CAUSAL_COLUMNS {
        let _ = write!(header, " {c} |");
    }
    let _ = writeln!(md, "{header}\n|---|---|---|---|");
    let mut rng = StdRng::seed_from_u64(inputs.seed);
    for layer in layers {
        for column in PID_COLUMNS {
            let x = layer.pid.column(column)?;
            let _ = write!(md, "| {} | {column} |", layer.layer);
            for causal in CAUSAL_COLUMNS {
                let y = layer.causal.column(causal)?;
                match spearman(&x, &y, PERMUTATIONS, &mut rng) {
                    Ok(t) => {
                        let _ = write!(md, " {:+.3} ({:.3}) |", t.rho, t.p_value);
                    }
                    Err(e) => {
                        let _ = write!(md, " undefined: {e} |");
                    }
                }
            }
            let _ = writeln!(md);
        }
    }
    let _ = writeln!(md, "\n## `red_prec`\n");
    let _ = writeln!(
        md,
        "With all classes as the target, the fraction of pairs whose Blackwell redundancy is exactly 0; then \
         against each one-vs-rest target `Y = [class = c]` for the pairs among the layer's \
         {ONE_VS_REST_NEURONS} highest-MI neurons.\n"
    );
    let _ = writeln!(
        md,
        "| layer | all classes: red_prec = 0 | one-vs-rest: class: nonzero / pairs, mean red_prec, mean red_broja |"
    );
    let _ = writeln!(md, "|---|---|---|");
    for layer in layers {
        let prec = layer.pid.column("red_prec")?;
        let zero = prec.iter().filter(|&&v| v == 0.0).count();
        let per_class: Vec<String> = layer
            .one_vs_rest
            .iter()
            .map(|r| {
                format!(
                    "{}: {}/{}, {:.4}, {:.4}",
                    r.class, r.prec_nonzero, r.pairs, r.mean_prec, r.mean_broja
                )
            })
            .collect();
        let _ = writeln!(
            md,
            "| {} | {zero} / {} | {} |",
            layer.layer,
            prec.len(),
            per_class.join("; ")
        );
    }
    let _ = writeln!(md, "\n## Curves ordered by pairs (mean over each neuron's pairs)\n");
    let _ = writeln!(
        md,
        "AUC of accuracy over the fraction ablated; *p below* / *p above*: permutation p-values against \
         the random orders (as in the main report: `(1 + #random AUCs ≤ / ≥ it) / (1 + orders)`).\n"
    );
    let _ = writeln!(md, "| layer | order | AUC | random AUC min–max | p below | p above |");
    let _ = writeln!(md, "|---|---|---|---|---|---|");
    for layer in layers {
        let band = &inputs.bands[layer.layer];
        let lo = band.aucs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = band.aucs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        for curve in &layer.curves {
            let auc = curve.auc();
            let test = AucTest::new(curve, band)?;
            let _ = writeln!(
                md,
                "| {} | {} | {auc:.4} | {lo:.4}–{hi:.4} | {:.3} | {:.3} |",
                layer.layer,
                curve.label.name(),
                test.p_below,
                test.p_above
            );
        }
        let _ = writeln!(
            md,
            "\n![pair-ordered curves, layer {0}](pairs/curves_pairs_layer{0}.svg)\n",
            layer.layer
        );
    }
    let _ = writeln!(md, "## Maps and top {TOP} pairs\n");
    for layer in layers {
        let _ = writeln!(md, "### hidden layer {}\n", layer.layer);
        for (source, column, what) in MAPS {
            let top = match source {
                Source::Pid => layer.pid.top_k(column, TOP, Order::Descending)?,
                Source::Causal => layer.causal.top_k(column, TOP, Order::Ascending)?,
            };
            let which = if source == Source::Causal {
                "lowest (most synergy-like)"
            } else {
                "highest"
            };
            // Named, not embedded: at ~0.9 MB a map, a results page keeps only a few.
            let _ = writeln!(
                md,
                "Map: `pairs/map_{column}_layer{}.svg` (matrix: `.csv`).\n",
                layer.layer
            );
            let list: Vec<String> = top.iter().map(|((i, j), v)| format!("({i},{j}) {v:.4}")).collect();
            let _ = writeln!(md, "{what}, {which}: {}\n", list.join(", "));
        }
        let _ = writeln!(
            md,
            "Times: PID {:.1} s (with one-vs-rest), null {:.1} s, causal {:.1} s, curves {:.1} s.\n",
            layer.seconds[0], layer.seconds[1], layer.seconds[2], layer.seconds[3]
        );
    }
    Ok(md)
}
