//! The [`InfoMeasure`] trait and the built-in measures.

use super::MeasureError;
use super::estimate::{self, Estimator, Units};
use super::stats::NeuronStats;
use crate::Result;

/// A score for one neuron.
///
/// Implement [`name`](InfoMeasure::name) and [`score`](InfoMeasure::score);
/// [`estimator`](InfoMeasure::estimator) and [`units`](InfoMeasure::units)
/// describe the setting of an information measure in [`Scores`](super::Scores).
/// See the module documentation for a user-defined measure.
pub trait InfoMeasure {
    /// The name, a column of the scores (`entropy`, `mutual_info`, …).
    fn name(&self) -> &str;

    /// Scores one neuron.
    ///
    /// # Errors
    /// Whatever the measure cannot compute for this neuron.
    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64>;

    /// The estimator, for an information measure.
    fn estimator(&self) -> Option<Estimator> {
        None
    }

    /// The units, for an information measure.
    fn units(&self) -> Option<Units> {
        None
    }
}

/// References and smart pointers to a measure are measures.
macro_rules! forward_measure {
    ($($ptr:ty),+) => {$(
        impl<T: InfoMeasure + ?Sized> InfoMeasure for $ptr {
            fn name(&self) -> &str {
                (**self).name()
            }
            fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
                (**self).score(neuron)
            }
            fn estimator(&self) -> Option<Estimator> {
                (**self).estimator()
            }
            fn units(&self) -> Option<Units> {
                (**self).units()
            }
        }
    )+};
}

forward_measure!(&T, Box<T>, std::sync::Arc<T>);

macro_rules! table_measure {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $estimate:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub struct $ty {
            /// How it is estimated from the count table.
            pub estimator: Estimator,
            /// Bits or nats.
            pub units: Units,
        }

        impl $ty {
            /// With this estimator and these units.
            pub fn new(estimator: Estimator, units: Units) -> Self {
                $ty { estimator, units }
            }
        }

        impl InfoMeasure for $ty {
            fn name(&self) -> &str {
                $name
            }

            fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
                Ok($estimate(neuron.counts(), self.estimator, self.units)?)
            }

            fn estimator(&self) -> Option<Estimator> {
                Some(self.estimator)
            }

            fn units(&self) -> Option<Units> {
                Some(self.units)
            }
        }
    };
}

table_measure!(
    /// `entropy`: `H(T)` of the neuron's bins ([`entropy`](estimate::entropy)).
    Entropy,
    "entropy",
    estimate::entropy
);
table_measure!(
    /// `mutual_info`: `I(T; Y)` between the neuron's bins and the class
    /// ([`mutual_information`](estimate::mutual_information)).
    MutualInformation,
    "mutual_info",
    estimate::mutual_information
);
table_measure!(
    /// `kl_selectivity`: `max_y D(P_{T|Y=y} ‖ P_T)` ([`kl_selectivity`](estimate::kl_selectivity));
    /// plug-in only — with Miller–Madow it returns [`MeasureError::Unsupported`].
    KlSelectivity,
    "kl_selectivity",
    estimate::kl_selectivity
);

/// `csi`: Morcos et al.'s class selectivity index on raw activations,
/// `(μ_max − μ_−max) / (μ_max + μ_−max)`, `0` where the denominator is `0`.
///
/// `μ_y` is the mean over the samples of class `y`; classes with no sample
/// are skipped, and `μ_−max` is the mean of the other classes' `μ_y`. It
/// needs two classes with samples ([`MeasureError::TooFewClasses`] otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassSelectivityIndex;

impl InfoMeasure for ClassSelectivityIndex {
    fn name(&self) -> &str {
        "csi"
    }

    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
        let means: Vec<f64> = neuron.class_means().into_iter().flatten().collect();
        if means.len() < 2 {
            return Err(MeasureError::TooFewClasses {
                layer: neuron.layer(),
                neuron: neuron.neuron(),
                classes: means.len(),
            }
            .into());
        }
        let top = (1..means.len()).fold(0, |best, y| if means[y] > means[best] { y } else { best });
        let max = means[top];
        let rest = means
            .iter()
            .enumerate()
            .filter(|&(y, _)| y != top)
            .map(|(_, &m)| m)
            .sum::<f64>()
            / (means.len() - 1) as f64;
        let denominator = max + rest;
        Ok(if denominator == 0.0 {
            0.0
        } else {
            (max - rest) / denominator
        })
    }
}

/// `variance`: the population variance of the neuron's raw activations (a baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Variance;

impl InfoMeasure for Variance {
    fn name(&self) -> &str {
        "variance"
    }

    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
        Ok(neuron.moments().variance())
    }
}

/// `weight_l1` / `weight_l2`: the norm of the neuron's outgoing weights (a
/// baseline); needs a network that exposes them ([`MeasureError::NoWeights`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutgoingWeightNorm {
    /// `Σ |w|`.
    L1,
    /// `sqrt(Σ w²)`.
    L2,
}

impl InfoMeasure for OutgoingWeightNorm {
    fn name(&self) -> &str {
        match self {
            OutgoingWeightNorm::L1 => "weight_l1",
            OutgoingWeightNorm::L2 => "weight_l2",
        }
    }

    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
        let weights = neuron
            .outgoing_weights()
            .ok_or(MeasureError::NoWeights { layer: neuron.layer() })?;
        let values = weights.iter().map(|&w| f64::from(w));
        Ok(match self {
            OutgoingWeightNorm::L1 => values.map(f64::abs).sum(),
            OutgoingWeightNorm::L2 => values.map(|w| w * w).sum::<f64>().sqrt(),
        })
    }
}

/// `random`: a uniform score in `[0, 1)` that depends only on
/// `(seed, layer, neuron)` (a SplitMix64 hash, stable across versions and
/// platforms): ranking by it gives a seeded random order.
///
/// ```
/// use infoablate::measures::{InfoMeasure, RandomScore};
/// let r = RandomScore { seed: 7 };
/// assert_eq!(r.value(0, 3), r.value(0, 3));
/// assert_ne!(r.value(0, 3), r.value(1, 3));
/// assert!((0.0..1.0).contains(&r.value(2, 5)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomScore {
    /// The seed.
    pub seed: u64,
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RandomScore {
    /// The score of `(layer, neuron)`.
    pub fn value(&self, layer: usize, neuron: usize) -> f64 {
        let h = splitmix64(splitmix64(splitmix64(self.seed) ^ layer as u64) ^ neuron as u64);
        (h >> 11) as f64 / (1_u64 << 53) as f64
    }
}

impl InfoMeasure for RandomScore {
    fn name(&self) -> &str {
        "random"
    }

    fn score(&self, neuron: &NeuronStats<'_>) -> Result<f64> {
        Ok(self.value(neuron.layer(), neuron.neuron()))
    }
}
