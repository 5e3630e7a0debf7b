//! What the command-line examples share: argument parsing that fails with
//! one `error: …` line, the quantizer options, and the exit status of a run.

use std::error::Error;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use infoablate::measures::Quantizer;

/// A run's result: a library error or a usage mistake, shown as one line.
pub type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Parses the command line. `--help` prints the usage and exits 0; a bad
/// argument prints one `error: …` line and exits 2.
pub fn parse<T: Parser>() -> T {
    T::try_parse().unwrap_or_else(|e| {
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            let _ = e.print();
            std::process::exit(0);
        }
        // clap's message without its usage and tips, on one line.
        let text = e.to_string();
        let message = text.split("\n\n").next().unwrap_or("error: invalid arguments");
        eprintln!(
            "{} (see --help)",
            message.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        std::process::exit(2);
    })
}

/// The exit status of a run, printing its error as one `error: …` line.
pub fn finish(result: Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The quantizer options, the same in every example.
#[derive(Debug, clap::Args)]
pub struct QuantizerArgs {
    /// binary, equal-width, zero-equal-width or equal-frequency.
    #[arg(long)]
    pub quantizer: Option<String>,
    /// Bins of a multi-bin quantizer (default 10).
    #[arg(long)]
    pub bins: Option<usize>,
    /// Threshold of the binary quantizer (default 0; 0.5 suits sigmoid).
    #[arg(long)]
    pub threshold: Option<f64>,
}

impl QuantizerArgs {
    /// The quantizer the options name: `default` when none is given, the
    /// binary quantizer when only `--threshold` is.
    pub fn quantizer(&self, default: Quantizer) -> Result<Quantizer> {
        Ok(match (&self.quantizer, self.bins, self.threshold) {
            (None, None, None) => default,
            (name, bins, threshold) => Quantizer::from_options(name.as_deref().unwrap_or("binary"), bins, threshold)?,
        })
    }
}
