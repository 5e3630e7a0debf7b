//! What the command-line examples share: argument parsing that fails with
//! one `error: …` line, the quantizer options, and the exit status of a run.

use std::error::Error;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use infoablate::data::Normalize;
use infoablate::measures::Quantizer;
use infoablate::record::{NpyOptions, Raw16, Recording};

/// A run's result: a library error or a usage mistake, shown as one line.
pub type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Parses the command line. `--help` prints the usage and exits 0; a bad
/// argument prints one `error: …` line and the usage line, and exits 2.
pub fn parse<T: Parser>() -> T {
    parse_from(std::env::args_os()).unwrap_or_else(|(code, text)| {
        if code == 0 {
            print!("{text}");
        } else {
            eprintln!("{text}");
        }
        std::process::exit(code);
    })
}

/// Parses `args` (the program name first): the options, or the exit status
/// and text of `--help` (0, the help) or of a bad argument (2, one `error: …`
/// line and the usage line).
pub fn parse_from<T: Parser, I>(args: I) -> std::result::Result<T, (i32, String)>
where
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString> + Clone,
{
    T::try_parse_from(args).map_err(|e| {
        if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
            return (0, e.render().to_string());
        }
        // clap's message on one line, then its usage, without the tips.
        let text = e.render().to_string();
        let mut parts = text.split("\n\n");
        let message = parts.next().unwrap_or("error: invalid arguments");
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        let usage = parts.find(|p| p.starts_with("Usage:")).unwrap_or("");
        (2, format!("{message} (see --help)\n{}", usage.trim_end()))
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

/// The quantizers the options can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QuantizerName {
    /// One bit: above the threshold or not.
    Binary,
    /// Equal-width bins over the neuron's range.
    EqualWidth,
    /// Bin 0 for `a ≤ 0`, equal-width bins over `(0, max]`.
    ZeroEqualWidth,
    /// Bins between quantiles.
    EqualFrequency,
}

/// The quantizer options, the same in every example.
#[derive(Debug, clap::Args)]
pub struct QuantizerArgs {
    /// The quantizer.
    #[arg(long, value_enum)]
    pub quantizer: Option<QuantizerName>,
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
        Ok(match (self.quantizer, self.bins, self.threshold) {
            (None, None, None) => default,
            (name, bins, threshold) => quantizer(name.unwrap_or(QuantizerName::Binary), bins, threshold)?,
        })
    }
}

/// A quantizer from its name and options: `bins` applies to the multi-bin
/// quantizers (default 10), `threshold` to `binary` (default 0).
pub fn quantizer(name: QuantizerName, bins: Option<usize>, threshold: Option<f64>) -> Result<Quantizer> {
    use QuantizerName::*;
    Ok(match (name, bins, threshold) {
        (Binary, None, t) => Quantizer::binary(t.unwrap_or(0.0))?,
        (Binary, Some(_), _) => return Err("--bins does not apply to the binary quantizer".into()),
        (_, _, Some(_)) => return Err("--threshold applies only to the binary quantizer".into()),
        (EqualWidth, b, None) => Quantizer::equal_width(b.unwrap_or(10))?,
        (ZeroEqualWidth, b, None) => Quantizer::zero_and_equal_width(b.unwrap_or(10))?,
        (EqualFrequency, b, None) => Quantizer::equal_frequency(b.unwrap_or(10))?,
    })
}

/// The value of `--normalize`: `MEAN,STD` (every feature) or
/// `M1,…,MC:S1,…,SC` (`C` channels of a `C × H × W` flattening).
pub fn normalize(text: &str) -> std::result::Result<Normalize, String> {
    Normalize::parse(text).map_err(|e| e.to_string())
}

/// Activations recorded anywhere: a `.npy` (one layer, layer 0) or, by its
/// extension, an `.npz` of every layer (its layer names listed on stderr);
/// `bf16` reads raw 2-byte values (`'<V2'`) as bfloat16.
pub fn read_activations(acts: &std::path::Path, labels: &std::path::Path, bf16: bool) -> Result<Recording> {
    let mut options = NpyOptions::default();
    if bf16 {
        options = options.with_raw_v2(Raw16::Bfloat16);
    }
    if acts.extension().is_some_and(|e| e.eq_ignore_ascii_case("npz")) {
        let names = Recording::npz_layer_names(acts)?;
        let listed: Vec<String> = names.iter().enumerate().map(|(l, n)| format!("{l} = {n}")).collect();
        eprintln!("layers of `{}`: {}", acts.display(), listed.join(", "));
        return Ok(Recording::from_npz_with(acts, labels, &options)?);
    }
    Ok(Recording::from_npy_with(acts, labels, &options)?)
}
