//! Progress of the long steps, on stderr: an indicatif bar on a terminal,
//! and plain lines with rate and ETA otherwise (a log file, a pipe), one at
//! every tenth of the step and at least every 5 s while it moves.

use std::cell::Cell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use infoablate::Progress;
use infoablate::data::Dataset;
use infoablate::network::Network;
use infoablate::record::{ActivationRecorder, DenseRecorder, Recording, record};

/// Most time between two plain lines while a step moves.
const EVERY: Duration = Duration::from_secs(5);

/// The progress of one step of `len` units.
pub struct Bar {
    prefix: &'static str,
    len: u64,
    started: Instant,
    /// The bar, on a terminal.
    bar: Option<ProgressBar>,
    /// When the last plain line was printed, and the tenth it reached.
    last: Cell<(Instant, u64)>,
}

impl Bar {
    /// A step of `len` units labelled `prefix`: a bar when stderr is a terminal.
    pub fn new(prefix: &'static str, len: usize) -> Bar {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(len as u64).with_prefix(prefix);
            if let Ok(style) = ProgressStyle::with_template("{prefix:>8} [{bar:40}] {pos}/{len} {elapsed}, ETA {eta}") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        let now = Instant::now();
        Bar {
            prefix,
            len: len as u64,
            started: now,
            bar,
            last: Cell::new((now, 0)),
        }
    }

    /// Moves to `pos` units done.
    pub fn set(&self, pos: usize) {
        let pos = pos as u64;
        if let Some(bar) = &self.bar {
            bar.set_position(pos);
            return;
        }
        let now = Instant::now();
        let (then, tenth) = self.last.get();
        let reached = (pos * 10).checked_div(self.len).unwrap_or(10);
        if reached > tenth || now.duration_since(then) >= EVERY || pos == self.len {
            self.last.set((now, reached.max(tenth)));
            eprintln!("{}", self.line(pos));
        }
    }

    /// A plain progress line: `record 500/2000 (25%), 41.2/s, 12 s elapsed, ETA 36 s`.
    fn line(&self, pos: u64) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let rate = pos as f64 / elapsed.max(1e-9);
        let eta = if pos >= self.len || pos == 0 {
            String::new()
        } else {
            format!(", ETA {:.0} s", (self.len - pos) as f64 / rate)
        };
        let percent = (100 * pos).checked_div(self.len).unwrap_or(100);
        format!(
            "{} {pos}/{} ({percent}%), {rate:.1}/s, {elapsed:.0} s elapsed{eta}",
            self.prefix, self.len
        )
    }

    /// Moves to `pos` units done and prints `line` (a finished epoch, say):
    /// above the bar on a terminal, with the elapsed time and ETA otherwise.
    pub fn step(&self, pos: usize, line: &str) {
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.set_position(pos as u64);
            }
            None => {
                self.last
                    .set((Instant::now(), (pos as u64 * 10).checked_div(self.len).unwrap_or(10)));
                let elapsed = self.started.elapsed().as_secs_f64();
                let left = self.len.saturating_sub(pos as u64) as f64;
                let eta = if pos == 0 || left == 0.0 {
                    String::new()
                } else {
                    format!(", ETA {:.0} s", left * elapsed / pos as f64)
                };
                eprintln!("{line} ({elapsed:.0} s elapsed{eta})");
            }
        }
    }

    /// Removes the bar (plain lines stay).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// A library progress callback that moves the bar.
    pub fn follow(&self) -> impl FnMut(Progress) + '_ {
        self.follow_from(0)
    }

    /// As [`follow`](Self::follow), the callback's units counted after
    /// `offset` earlier ones.
    pub fn follow_from(&self, offset: usize) -> impl FnMut(Progress) + '_ {
        move |p| self.set(offset + p.done)
    }
}

/// Every hidden layer of `network` on `data`, in batches of 1000, with a
/// `record` bar.
pub fn record_all<N: Network + Sync + ?Sized>(network: &N, data: &Dataset) -> infoablate::Result<Recording> {
    record_into(network, data, DenseRecorder::all(network.hidden_widths().len())?)
}

/// Runs `network` over `data` in batches of 1000 into `recorder`, with a bar.
pub fn record_into<N: Network + Sync + ?Sized, R: ActivationRecorder>(
    network: &N,
    data: &Dataset,
    recorder: R,
) -> infoablate::Result<R::Output> {
    let bar = Bar::new("record", data.len());
    let output = record(network, data, recorder, 1000, &mut bar.follow());
    bar.finish();
    output
}
