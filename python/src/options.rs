//! The string options of the Python API, parsed into the crate's types.
//!
//! Pure Rust (no Python types), so that the reference program
//! (`python/reference`) parses its arguments the same way.

use infoablate::ablation::{Order, Scope};
use infoablate::measures::{Estimator, Quantizer, Units};

/// The quantizer named `name` (`binary`, `equal-width`, `zero-equal-width`,
/// `equal-frequency`): `threshold` applies to `binary` only (default 0),
/// `bins` to the others only (default 10).
pub fn quantizer(name: &str, bins: Option<usize>, threshold: Option<f64>) -> Result<Quantizer, String> {
    let multi = |q: fn(usize) -> Result<Quantizer, _>| match threshold {
        Some(_) => Err(format!(
            "threshold does not apply to the {name} quantizer (it takes bins)"
        )),
        None => q(bins.unwrap_or(10)).map_err(|e: infoablate::measures::MeasureError| e.to_string()),
    };
    match name {
        "binary" => match bins {
            Some(_) => Err("bins do not apply to the binary quantizer (it takes a threshold)".into()),
            None => Quantizer::binary(threshold.unwrap_or(0.0)).map_err(|e| e.to_string()),
        },
        "equal-width" => multi(Quantizer::equal_width),
        "zero-equal-width" => multi(Quantizer::zero_and_equal_width),
        "equal-frequency" => multi(Quantizer::equal_frequency),
        other => Err(format!(
            "unknown quantizer `{other}`: expected binary, equal-width, zero-equal-width or equal-frequency"
        )),
    }
}

/// `plugin` or `miller-madow`.
pub fn estimator(name: &str) -> Result<Estimator, String> {
    match name {
        "plugin" => Ok(Estimator::PlugIn),
        "miller-madow" => Ok(Estimator::MillerMadow),
        other => Err(format!("unknown estimator `{other}`: expected plugin or miller-madow")),
    }
}

/// `bits` or `nats`.
pub fn units(name: &str) -> Result<Units, String> {
    match name {
        "bits" => Ok(Units::Bits),
        "nats" => Ok(Units::Nats),
        other => Err(format!("unknown units `{other}`: expected bits or nats")),
    }
}

/// `layer:L` or `global`.
pub fn scope(name: &str) -> Result<Scope, String> {
    if name == "global" {
        return Ok(Scope::Global);
    }
    name.strip_prefix("layer:")
        .and_then(|l| l.parse().ok())
        .map(Scope::Layer)
        .ok_or_else(|| format!("unknown scope `{name}`: expected layer:L (L a hidden layer from 0) or global"))
}

/// `ascending` or `descending`.
pub fn order(name: &str) -> Result<Order, String> {
    match name {
        "ascending" => Ok(Order::Ascending),
        "descending" => Ok(Order::Descending),
        other => Err(format!(
            "unknown order `{other}`: expected ascending, descending or random"
        )),
    }
}
