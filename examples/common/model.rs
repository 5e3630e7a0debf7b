//! The model options of the examples that load a saved model: `--model`,
//! `--act`, `--force-act`, `--layers` and `--expect-accuracy`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use infoablate::data::Normalize;
use infoablate::network::{Activation, LayerNames, LoadOptions, Mlp, ModelMetadata};

use crate::cli::Result;

/// Which model to load and how, and the accuracy it should reach.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// A safetensors model: a PyTorch nn.Sequential of Linear (bias or not),
    /// BatchNorm1d right after a Linear, and activations; any other module
    /// layout with --layers.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Hidden activation: relu, tanh, sigmoid, gelu, gelu_tanh, silu,
    /// leaky_relu[:SLOPE] or elu[:ALPHA]. With --model it must agree with the one the file
    /// records (the default); without a record it is required.
    #[arg(long)]
    pub act: Option<Activation>,
    /// Use --act even when the model file records another activation.
    #[arg(long, requires = "act")]
    pub force_act: bool,
    /// The Linear layers of --model by name, in forward order, for a model
    /// that is not an nn.Sequential: `fc1,fc2,fc3`; `fc1+bn1` when a
    /// BatchNorm1d `bn1` follows `fc1`.
    #[arg(long, requires = "model")]
    pub layers: Option<LayerNames>,
    /// Fail (exit 1) unless the network's test accuracy before ablation lies
    /// within the stated bounds: `0.93±0.01` or `0.93+-0.01`.
    #[arg(long)]
    pub expect_accuracy: Option<ExpectedAccuracy>,
}

impl ModelArgs {
    /// The `--model` network, if given, with `--act`, `--force-act` and
    /// `--layers`, and what its file records (activation, input
    /// normalisation).
    pub fn load(&self) -> Result<Option<(Mlp, ModelMetadata)>> {
        let Some(path) = &self.model else {
            return Ok(None);
        };
        let options = LoadOptions {
            activation: self.act,
            force_activation: self.force_act,
            layers: self.layers.clone(),
            ..LoadOptions::default()
        };
        Ok(Some(Mlp::load_safetensors_with(path, &options)?))
    }

    /// Checks `--expect-accuracy` against the measured accuracy.
    pub fn check_accuracy(&self, measured: f64) -> Result<()> {
        match &self.expect_accuracy {
            Some(expected) => expected.check(measured),
            None => Ok(()),
        }
    }
}

/// The input normalisation a model file records, which its inputs must
/// follow (`DataArgs::load_for_model` applies it).
pub fn recorded_normalize(metadata: &ModelMetadata) -> Result<Option<Normalize>> {
    Ok(match metadata.normalization() {
        Some((mean, std)) => Some(Normalize::new(mean.to_vec(), std.to_vec())?),
        None => None,
    })
}

/// An accuracy and its tolerance: `0.93±0.01`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpectedAccuracy {
    /// The accuracy expected.
    pub value: f64,
    /// How far the measured one may lie from it.
    pub tolerance: f64,
}

impl ExpectedAccuracy {
    /// An error naming measured and expected accuracy when they differ by
    /// more than the tolerance.
    pub fn check(&self, measured: f64) -> Result<()> {
        if (measured - self.value).abs() <= self.tolerance {
            Ok(())
        } else {
            Err(format!("test accuracy {measured:.4} is outside the expected {self} (--expect-accuracy)").into())
        }
    }
}

impl fmt::Display for ExpectedAccuracy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}±{}", self.value, self.tolerance)
    }
}

impl FromStr for ExpectedAccuracy {
    type Err = String;

    /// Parses `A±T` or `A+-T` with `A` in `[0, 1]` and `T ≥ 0`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let bad = || format!("`{s}`: expected ACCURACY±TOLERANCE, e.g. 0.93±0.01 or 0.93+-0.01");
        let (value, tolerance) = s.split_once('±').or_else(|| s.split_once("+-")).ok_or_else(bad)?;
        let value: f64 = value.trim().parse().map_err(|_| bad())?;
        let tolerance: f64 = tolerance.trim().parse().map_err(|_| bad())?;
        if !((0.0..=1.0).contains(&value) && tolerance.is_finite() && tolerance >= 0.0) {
            return Err(bad());
        }
        Ok(ExpectedAccuracy { value, tolerance })
    }
}
