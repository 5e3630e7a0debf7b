//! Everything the study writes: CSV tables, SVG figures, `results.json` and
//! the Markdown summary `summary.md`.

use std::fmt::Write as _;
use std::path::Path;

use infoablate::ablation::{AblationCurve, Evaluation, Order, RandomBand, Scope};
use infoablate::measures::Scores;
use infoablate::network::{Activation, Mlp};
use infoablate::plot::{ablation_curves, measure_distributions, measure_scatter};
use serde::Serialize;

/// Fractions ablated at which the summary tabulates accuracy.
const SHOWN: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];

/// Wall-clock seconds of each step.
#[derive(Debug, Default, Serialize)]
pub struct Timings {
    /// Training (0 for a loaded model).
    pub train: f64,
    /// Recording the analysis set's activations.
    pub record: f64,
    /// Quantizing, counting and scoring.
    pub measures: f64,
    /// Every ablation curve and random band.
    pub curves: f64,
    /// CSV, SVG and JSON output.
    pub write: f64,
    /// The whole run, loading included.
    pub total: f64,
}

/// One run's results.
pub struct Report<'a> {
    pub source: &'a str,
    pub args: &'a str,
    pub network: &'a Mlp,
    pub activation: Activation,
    pub epochs: usize,
    /// (train, analysis, test) sizes.
    pub split: (usize, usize, usize),
    pub base: Evaluation,
    pub scores: &'a Scores,
    pub measures: &'a [String],
    pub curves: &'a [AblationCurve],
    /// One per scope, in the order the curves' scopes first appear.
    pub bands: &'a [RandomBand],
}

fn save(path: &Path, contents: &str) -> infoablate::Result<()> {
    infoablate::atomic_file::write(path, contents)
}

fn scope_file(scope: Scope) -> String {
    match scope {
        Scope::Layer(l) => format!("layer{l}"),
        Scope::Global => "global".into(),
    }
}

fn scope_title(scope: Scope) -> String {
    match scope {
        Scope::Layer(l) => format!("hidden layer {l}"),
        Scope::Global => "all hidden layers (global ranking)".into(),
    }
}

impl Report<'_> {
    fn replacement(&self) -> &str {
        self.bands.first().map_or("zero", |b| b.replacement.as_str())
    }

    fn curves_in(&self, scope: Scope) -> Vec<AblationCurve> {
        self.curves.iter().filter(|c| c.label.scope == scope).cloned().collect()
    }

    /// CSV tables and SVG figures.
    pub fn write(&self, out: &Path) -> infoablate::Result<()> {
        self.scores.save_csv(out.join("scores.csv"), None)?;
        let mut csv = String::from("scope,measure,order,replacement,k,fraction,accuracy,loss\n");
        for c in self.curves {
            let order = c.label.order.map_or(String::new(), |o| o.to_string());
            for p in &c.points {
                let _ = writeln!(
                    csv,
                    "{},{},{order},{},{},{},{},{}",
                    c.label.scope, c.label.measure, c.label.replacement, p.k, p.fraction, p.accuracy, p.loss
                );
            }
        }
        save(&out.join("curves.csv"), &csv)?;
        let mut csv = String::from(
            "scope,replacement,seeds,k,fraction,mean_accuracy,min_accuracy,max_accuracy,lower_accuracy,upper_accuracy,mean_loss\n",
        );
        for b in self.bands {
            for j in 0..b.k.len() {
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{},{},{},{},{},{},{}",
                    b.scope,
                    b.replacement,
                    b.seeds.len(),
                    b.k[j],
                    b.fraction[j],
                    b.mean_accuracy[j],
                    b.min_accuracy[j],
                    b.max_accuracy[j],
                    b.lower_accuracy[j],
                    b.upper_accuracy[j],
                    b.mean_loss[j]
                );
            }
        }
        save(&out.join("random_band.csv"), &csv)?;

        for band in self.bands {
            let title = format!(
                "{}: cumulative ablation ({} replacement)",
                scope_title(band.scope),
                band.replacement
            );
            let svg = ablation_curves(&title, &self.curves_in(band.scope), Some(band))?;
            save(&out.join(format!("curves_{}.svg", scope_file(band.scope))), &svg)?;
        }
        let names: Vec<&str> = self.scores.measures().iter().map(|m| m.name.as_str()).collect();
        for layer in self.scores.layers() {
            let title = format!("hidden layer {layer}: measures over its neurons (analysis set)");
            let svg = measure_distributions(&title, self.scores, layer, &names)?;
            save(&out.join(format!("measures_layer{layer}.svg")), &svg)?;
        }
        let svg = measure_scatter(
            "mutual information against KL selectivity, every neuron",
            self.scores,
            "mutual_info",
            "kl_selectivity",
        )?;
        save(&out.join("mi_vs_kl.svg"), &svg)?;
        let svg = measure_scatter(
            "class selectivity index against mutual information, every neuron",
            self.scores,
            "mutual_info",
            "csi",
        )?;
        save(&out.join("csi_vs_mi.svg"), &svg)
    }

    /// `results.json` and `summary.md`, which include the timings.
    pub fn write_summary(&self, out: &Path, timings: &Timings) -> infoablate::Result<()> {
        let json = serde_json::json!({
            "source": self.source,
            "args": self.args,
            "sizes": self.network.sizes(),
            "activation": self.activation.to_string(),
            "epochs": self.epochs,
            "split": { "train": self.split.0, "analysis": self.split.1, "test": self.split.2 },
            "test": { "accuracy": self.base.accuracy, "loss": self.base.loss },
            "timings_seconds": timings,
            "scores": self.scores,
            "curves": self.curves,
            "random_bands": self.bands,
        });
        save(&out.join("results.json"), &format!("{json:#}\n"))?;
        save(&out.join("summary.md"), &self.markdown(timings))
    }

    fn markdown(&self, t: &Timings) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# {}: {:?} {}, {} replacement\n",
            self.source,
            self.network.sizes(),
            self.activation,
            self.replacement()
        );
        let _ = writeln!(md, "Command: `cargo run --release --example paper -- {}`\n", self.args);
        let _ = writeln!(md, "| setting | value |\n|---|---|");
        let (train, analysis, test) = self.split;
        let _ = writeln!(md, "| network | {:?}, {} |", self.network.sizes(), self.activation);
        let _ = writeln!(
            md,
            "| training | {} epochs (0: loaded) on {train} images |",
            self.epochs
        );
        let _ = writeln!(
            md,
            "| analysis set | {analysis} validation images held out of training |"
        );
        let _ = writeln!(md, "| evaluation set | {test} test images |");
        let q = self.scores.quantizer();
        let _ = write!(md, "| quantizer | {}, {} bins", q.name(), q.bins());
        if let Some(t) = q.threshold() {
            let _ = write!(md, ", threshold {t}");
        }
        let _ = writeln!(md, " |");
        let _ = writeln!(md, "| replacement | {} |", self.replacement());
        let _ = writeln!(
            md,
            "| test accuracy / loss | {:.4} / {:.4} nats |\n",
            self.base.accuracy, self.base.loss
        );
        let _ = writeln!(
            md,
            "## Time (seconds)\n\n| train | record | measures | curves | write | total |"
        );
        let _ = writeln!(
            md,
            "|---|---|---|---|---|---|\n| {:.1} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |\n",
            t.train, t.record, t.measures, t.curves, t.write, t.total
        );
        let _ = writeln!(
            md,
            "## Curves\n\nAUC is the area under the accuracy curve over the fraction ablated; \
             *vs random* compares it with the AUCs of the random orders (below their minimum: \
             hurts more than random; above their maximum: hurts less)."
        );
        for band in self.bands {
            self.scope_table(&mut md, band);
        }
        self.global_composition(&mut md);
        let _ = writeln!(
            md,
            "\n## Measures per layer (analysis set)\n\n| layer | measure | min | median | max |\n|---|---|---|---|---|"
        );
        for s in self.scores.summary() {
            let _ = writeln!(
                md,
                "| {} | {} | {:.4} | {:.4} | {:.4} |",
                s.layer, s.measure, s.min, s.median, s.max
            );
        }
        let _ = writeln!(
            md,
            "\n![MI against KL selectivity](mi_vs_kl.svg)\n\n![CSI against MI](csi_vs_mi.svg)"
        );
        md
    }

    fn scope_table(&self, md: &mut String, band: &RandomBand) {
        let file = scope_file(band.scope);
        let neurons = band.k.last().copied().unwrap_or(0);
        let _ = writeln!(md, "\n### {} ({neurons} neurons)\n", scope_title(band.scope));
        let _ = writeln!(md, "![curves, {}](curves_{file}.svg)\n", band.scope);
        let _ = write!(md, "| order | AUC | vs random |");
        for f in SHOWN {
            let _ = write!(md, " {:.0} % |", 100.0 * f);
        }
        let _ = writeln!(md, "\n|---|---|---|{}", "---|".repeat(SHOWN.len()));
        let (lo, hi) = band
            .aucs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &a| {
                (lo.min(a), hi.max(a))
            });
        let _ = write!(
            md,
            "| random, mean of {} seeds | {:.4} | {lo:.4}–{hi:.4} |",
            band.seeds.len(),
            band.mean_auc()
        );
        for f in SHOWN {
            let j = band.nearest(f).unwrap_or(0);
            let _ = write!(md, " {:.4} |", band.mean_accuracy[j]);
        }
        md.push('\n');
        for curve in self.curves.iter().filter(|c| c.label.scope == band.scope) {
            let auc = curve.auc();
            let verdict = if auc < lo {
                "below"
            } else if auc > hi {
                "above"
            } else {
                "within"
            };
            let _ = write!(md, "| {} | {auc:.4} | {verdict} |", curve.label.name());
            for f in SHOWN {
                let _ = write!(md, " {:.4} |", curve.nearest(f).map_or(f64::NAN, |p| p.accuracy));
            }
            md.push('\n');
        }
    }

    /// Which layers the first quarter of each global order comes from.
    fn global_composition(&self, md: &mut String) {
        let layers = self.scores.layers();
        let _ = writeln!(
            md,
            "\n### Global orders: share of each layer among the first quarter of neurons ablated\n"
        );
        let _ = write!(md, "| order |");
        for l in &layers {
            let _ = write!(md, " layer {l} |");
        }
        let _ = writeln!(md, "\n|---|{}", "---|".repeat(layers.len()));
        for measure in self.measures {
            for order in [Order::Descending, Order::Ascending] {
                let Ok(ranked) = self.scores.rank(measure, None, order) else {
                    continue;
                };
                let first = &ranked[..ranked.len() / 4];
                let _ = write!(md, "| {measure} {order} |");
                for l in &layers {
                    let share = first.iter().filter(|(layer, _)| layer == l).count() as f64 / first.len().max(1) as f64;
                    let _ = write!(md, " {:.0} % |", 100.0 * share);
                }
                md.push('\n');
            }
        }
    }
}
