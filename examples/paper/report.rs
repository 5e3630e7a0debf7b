//! Everything the study writes: CSV tables, SVG and PNG figures,
//! `results.json` and the Markdown summary `summary.md`.

use std::fmt::Write as _;
use std::path::Path;

use infoablate::ablation::{AblationCurve, AucTest, CurveIntervals, Evaluation, Order, RandomBand, Scope};
use infoablate::measures::{Bootstrap, ScoreIntervals, Scores};
use infoablate::network::{Activation, Mlp};
use infoablate::plot::{
    CurveQuantity, Figure, ablation_panels, ablation_panels_with_intervals, display_name, measure_distributions,
    measure_scatter,
};
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
    /// Bootstrap intervals of the measures over the analysis set, if asked.
    pub score_intervals: Option<&'a ScoreIntervals>,
    /// Hidden layers with negative class means (signed activations).
    pub signed: &'a [usize],
    pub measures: &'a [String],
    pub curves: &'a [AblationCurve],
    /// Bootstrap intervals of each curve over the test set (one per curve), or none.
    pub intervals: &'a [CurveIntervals],
    /// One per scope, in the order the curves' scopes first appear.
    pub bands: &'a [RandomBand],
}

fn save(path: &Path, contents: &str) -> infoablate::Result<()> {
    infoablate::atomic_file::write(path, contents)
}

/// Writes `figure` as `<stem>.svg` and `<stem>.png` in `out`.
fn save_figure(out: &Path, stem: &str, figure: &Figure<'_>) -> infoablate::Result<()> {
    figure.save(out.join(format!("{stem}.svg")))?;
    figure.save(out.join(format!("{stem}.png")))
}

/// What a bootstrap's intervals are: level, samples resampled, resamples, seed.
fn intervals(bootstrap: &Bootstrap, over: &str) -> String {
    format!(
        "{:.0} % bootstrap confidence intervals over the {over} ({} resamples, seed {})",
        100.0 * bootstrap.level,
        bootstrap.replicates,
        bootstrap.seed
    )
}

/// A p-value to three decimals.
fn p(value: f64) -> String {
    format!("{value:.3}")
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

    /// The data set, the network and the replacement, for figure titles:
    /// `MNIST, 784-100-100-100-10 relu, zero replacement`.
    fn context(&self) -> String {
        let data = self.source.split(" (").next().unwrap_or(self.source);
        let sizes: Vec<String> = self.network.sizes().iter().map(usize::to_string).collect();
        format!(
            "{data}, {} {}, {} replacement",
            sizes.join("-"),
            self.activation,
            self.replacement()
        )
    }

    fn curves_in(&self, scope: Scope) -> Vec<AblationCurve> {
        self.curves.iter().filter(|c| c.label.scope == scope).cloned().collect()
    }

    /// The confidence intervals of [`curves_in`](Self::curves_in)`(scope)`,
    /// one per curve, when they were computed.
    fn intervals_in(&self, scope: Scope) -> Option<Vec<CurveIntervals>> {
        (self.intervals.len() == self.curves.len()).then(|| {
            let pairs = self.curves.iter().zip(self.intervals);
            pairs
                .filter(|(c, _)| c.label.scope == scope)
                .map(|(_, ci)| ci.clone())
                .collect()
        })
    }

    /// The band of a curve's scope.
    fn band_of(&self, curve: &AblationCurve) -> Option<&RandomBand> {
        self.bands.iter().find(|b| b.scope == curve.label.scope)
    }

    /// Each curve's permutation test against its scope's random orders.
    fn tests(&self) -> infoablate::Result<Vec<AucTest>> {
        self.curves
            .iter()
            .filter_map(|c| self.band_of(c).map(|b| AucTest::new(c, b)))
            .collect()
    }

    /// CSV tables, and SVG and PNG figures.
    pub fn write(&self, out: &Path) -> infoablate::Result<()> {
        self.scores.save_csv(out.join("scores.csv"), None)?;
        if let Some(ci) = self.score_intervals {
            save(&out.join("scores_ci.csv"), &ci.to_csv())?;
        }
        let mut csv = String::from(
            "scope,measure,order,replacement,k,fraction,accuracy,loss,accuracy_lower,accuracy_upper,loss_lower,loss_upper\n",
        );
        for (i, c) in self.curves.iter().enumerate() {
            let order = c.label.order.map_or(String::new(), |o| o.to_string());
            for (j, p) in c.points.iter().enumerate() {
                let ends = self.intervals.get(i).map_or_else(
                    || ",,,".to_string(),
                    |ci| {
                        let (lo, hi) = (ci.lower_accuracy[j], ci.upper_accuracy[j]);
                        format!("{lo},{hi},{},{}", ci.lower_loss[j], ci.upper_loss[j])
                    },
                );
                let _ = writeln!(
                    csv,
                    "{},{},{order},{},{},{},{},{},{ends}",
                    c.label.scope, c.label.measure, c.label.replacement, p.k, p.fraction, p.accuracy, p.loss
                );
            }
        }
        save(&out.join("curves.csv"), &csv)?;
        let mut csv = String::from(
            "scope,replacement,seeds,k,fraction,mean_accuracy,min_accuracy,max_accuracy,lower_accuracy,upper_accuracy,mean_loss,lower_loss,upper_loss\n",
        );
        for b in self.bands {
            for j in 0..b.k.len() {
                let _ = writeln!(
                    csv,
                    "{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
                    b.mean_loss[j],
                    b.lower_loss[j],
                    b.upper_loss[j]
                );
            }
        }
        save(&out.join("random_band.csv"), &csv)?;
        let mut csv = String::from(
            "scope,measure,order,auc,auc_lower,auc_upper,random_orders,random_mean_auc,p_below,p_above,p_two_sided\n",
        );
        for (i, (c, t)) in self.curves.iter().zip(self.tests()?).enumerate() {
            let order = c.label.order.map_or(String::new(), |o| o.to_string());
            let (lo, hi) = self.intervals.get(i).map_or((String::new(), String::new()), |ci| {
                (ci.lower_auc.to_string(), ci.upper_auc.to_string())
            });
            let _ = writeln!(
                csv,
                "{},{},{order},{},{lo},{hi},{},{},{},{},{}",
                c.label.scope,
                c.label.measure,
                t.observed,
                t.random_orders,
                t.random_mean,
                t.p_below,
                t.p_above,
                t.p_two_sided
            );
        }
        save(&out.join("tests.csv"), &csv)?;
        self.figures(out)
    }

    /// Every figure, as SVG and PNG.
    fn figures(&self, out: &Path) -> infoablate::Result<()> {
        let context = self.context();
        let classes = self.scores.num_classes();
        for band in self.bands {
            let curves = self.curves_in(band.scope);
            let intervals = self.intervals_in(band.scope);
            for (stem, quantity, what) in [
                ("curves", CurveQuantity::Accuracy, "test accuracy"),
                ("loss", CurveQuantity::Loss, "test loss"),
            ] {
                let title = format!("{context}: {what}, ablating {}", scope_title(band.scope));
                let figure = match &intervals {
                    Some(ci) => {
                        ablation_panels_with_intervals(&title, &curves, ci, Some(band), quantity, Some(classes))?
                    }
                    None => ablation_panels(&title, &curves, Some(band), quantity, Some(classes))?,
                };
                save_figure(out, &format!("{stem}_{}", scope_file(band.scope)), &figure)?;
            }
        }
        let names: Vec<&str> = self.scores.measures().iter().map(|m| m.name.as_str()).collect();
        for layer in self.scores.layers() {
            let title = format!("{context}: hidden layer {layer}, measures over its neurons (analysis set)");
            let figure = measure_distributions(&title, self.scores, layer, &names)?;
            save_figure(out, &format!("measures_layer{layer}"), &figure)?;
        }
        let title = format!("{context}: mutual information against KL selectivity, every neuron");
        save_figure(
            out,
            "mi_vs_kl",
            &measure_scatter(&title, self.scores, "mutual_info", "kl_selectivity")?,
        )?;
        let signed = if self.signed.is_empty() {
            ""
        } else {
            " (signed activations: CSI unbounded)"
        };
        let title = format!("{context}: class selectivity index against mutual information{signed}");
        save_figure(
            out,
            "csi_vs_mi",
            &measure_scatter(&title, self.scores, "mutual_info", "csi")?,
        )
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
            "signed_layers": self.signed,
            "score_intervals": self.score_intervals,
            "curves": self.curves,
            "curve_intervals": self.intervals,
            "random_bands": self.bands,
            "tests": self.tests()?,
        });
        save(&out.join("results.json"), &format!("{json:#}\n"))?;
        save(&out.join("summary.md"), &self.markdown(timings)?)
    }

    fn markdown(&self, t: &Timings) -> infoablate::Result<String> {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# {}: {:?} {}, {} replacement\n",
            self.source,
            self.network.sizes(),
            self.activation,
            self.replacement()
        );
        let dashes = if self.args.is_empty() { "" } else { " -- " };
        let _ = writeln!(
            md,
            "Command: `cargo run --release --example paper{dashes}{}`\n",
            self.args
        );
        let _ = writeln!(md, "| setting | value |\n|---|---|");
        let (train, analysis, test) = self.split;
        let _ = writeln!(md, "| network | {:?}, {} |", self.network.sizes(), self.activation);
        let _ = match self.epochs {
            0 => writeln!(md, "| training | none: the model was loaded (`--model`) |"),
            1 => writeln!(md, "| training | 1 epoch on {train} images |"),
            epochs => writeln!(md, "| training | {epochs} epochs on {train} images |"),
        };
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
        let r = self.bands.first().map_or(0, |b| b.seeds.len());
        let _ = writeln!(
            md,
            "## Curves\n\nAUC is the area under the test accuracy curve over the fraction ablated. Each order is \
             tested against the {r} random orders of its scope (a permutation test of the AUC): *p below* = \
             (1 + #random AUCs ≤ AUC) / (1 + {r}) is small when the order hurts the network more than random \
             orders do, *p above* when it hurts less; the smallest possible one-sided p-value is 1/{}. Compare \
             with α divided by the number of orders tested (Bonferroni) when reading several at once.",
            r + 1
        );
        if let Some(ci) = self.intervals.first() {
            let _ = writeln!(md, "\nIn brackets: {}.", intervals(&ci.bootstrap, "test samples"));
        }
        let tests = self.tests()?;
        for band in self.bands {
            self.scope_table(&mut md, band, &tests);
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
        if let Some(ci) = self.score_intervals {
            let _ = writeln!(
                md,
                "\nPer neuron and measure, {}: `scores_ci.csv`.",
                intervals(&ci.bootstrap, "analysis samples")
            );
        }
        if !self.signed.is_empty() {
            let csi = if self.measures.iter().any(|m| m == "csi") {
                "it orders curves above because it was asked for (`--measures`)"
            } else {
                "it is left out of the orders (pass `--measures` with `csi` to include it)"
            };
            let _ = writeln!(
                md,
                "\n**Signed activations.** Hidden layers {:?} have negative class means: the class selectivity \
                 index (Morcos et al.) assumes non-negative activations and is unbounded here; {csi}.",
                self.signed
            );
        }
        let _ = writeln!(
            md,
            "\n![MI against KL selectivity](mi_vs_kl.svg)\n\n![CSI against MI](csi_vs_mi.svg)"
        );
        Ok(md)
    }

    fn scope_table(&self, md: &mut String, band: &RandomBand, tests: &[AucTest]) {
        let file = scope_file(band.scope);
        let neurons = band.k.last().copied().unwrap_or(0);
        let _ = writeln!(md, "\n### {} ({neurons} neurons)\n", scope_title(band.scope));
        let _ = writeln!(md, "![accuracy, {}](curves_{file}.svg)\n", band.scope);
        let _ = writeln!(md, "![loss, {}](loss_{file}.svg)\n", band.scope);
        let _ = write!(md, "| order | AUC | p below | p above |");
        for f in SHOWN {
            let _ = write!(md, " {:.0} % |", 100.0 * f);
        }
        let _ = writeln!(md, "\n|---|---|---|---|{}", "---|".repeat(SHOWN.len()));
        let (lo, hi) = band
            .aucs
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &a| {
                (lo.min(a), hi.max(a))
            });
        let _ = write!(
            md,
            "| random, mean of {} orders (AUC range) | {:.4} ({lo:.4}–{hi:.4}) | | |",
            band.seeds.len(),
            band.mean_auc()
        );
        for f in SHOWN {
            let j = band.nearest(f).unwrap_or(0);
            let _ = write!(md, " {:.4} |", band.mean_accuracy[j]);
        }
        md.push('\n');
        for (i, curve) in self
            .curves
            .iter()
            .enumerate()
            .filter(|(_, c)| c.label.scope == band.scope)
        {
            let auc = curve.auc();
            let ci = self.intervals.get(i).map_or(String::new(), |ci| {
                format!(" [{:.4}, {:.4}]", ci.lower_auc, ci.upper_auc)
            });
            let (below, above) = tests
                .get(i)
                .map_or((String::new(), String::new()), |t| (p(t.p_below), p(t.p_above)));
            let order = curve.label.order.map_or(String::new(), |o| o.to_string());
            let name = format!("{} {order}", display_name(&curve.label.measure));
            let _ = write!(md, "| {name} | {auc:.4}{ci} | {below} | {above} |");
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
