//! Input normalisation per channel, as torchvision's `Normalize`:
//! `x ← (x − mean_c) / std_c` for every feature of channel `c`.

use super::{DataError, Dataset};
use crate::Result;

/// Per-channel input normalisation `x ← (x − mean_c) / std_c`, the
/// transform a network trained on normalised inputs expects (torchvision's
/// `Normalize(mean, std)` after `ToTensor`).
///
/// The channels of a data set with `F` features are inferred from the
/// channel count `C` of the normalisation: the features are a `C × H × W`
/// flattening (channel-major, as `torch.flatten` of a `C × H × W` tensor), so
/// channel `c` covers features `c·F/C … (c+1)·F/C − 1`. One channel
/// normalises every feature alike; `C = F` normalises each feature with its
/// own mean and standard deviation (standardised tabular features).
///
/// # Examples
///
/// ```
/// use infoablate::data::{Dataset, Normalize};
/// use ndarray::array;
///
/// // MNIST's usual normalisation: one channel.
/// let norm = Normalize::parse("0.1307,0.3081")?;
/// let data = Dataset::new(array![[0.1307_f32, 0.4388]], vec![0], 2)?;
/// let out = norm.apply(data)?;
/// assert!((out.inputs()[[0, 1]] - 1.0).abs() < 1e-6);
/// // Two channels of two features each: means 0 and 1, standard deviations 1 and 2.
/// let two = Normalize::parse("0,1:1,2")?;
/// let out = two.apply(Dataset::new(array![[1.0_f32, 2.0, 3.0, 5.0]], vec![1], 2)?)?;
/// assert_eq!(out.inputs().row(0).to_vec(), vec![1.0, 2.0, 1.0, 2.0]);
/// // Three channels do not divide four features.
/// assert!(Normalize::parse("0,0,0:1,1,1")?.apply(Dataset::new(array![[0.0_f32; 4]], vec![0], 2)?).is_err());
/// # Ok::<(), infoablate::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Normalize {
    mean: Vec<f32>,
    std: Vec<f32>,
}

impl Normalize {
    /// A normalisation of `mean.len()` channels.
    ///
    /// # Errors
    /// [`DataError::Normalize`] when there is no channel, the two lengths
    /// differ, a mean is not finite, or a standard deviation is not finite
    /// and positive.
    pub fn new(mean: Vec<f32>, std: Vec<f32>) -> Result<Self> {
        let invalid = |reason: String| DataError::Normalize { reason };
        if mean.is_empty() || mean.len() != std.len() {
            return Err(invalid(format!(
                "{} means and {} standard deviations: give one of each per channel",
                mean.len(),
                std.len()
            ))
            .into());
        }
        if let Some((c, m)) = mean.iter().enumerate().find(|(_, m)| !m.is_finite()) {
            return Err(invalid(format!("the mean of channel {c} is {m}")).into());
        }
        if let Some((c, s)) = std.iter().enumerate().find(|(_, s)| !(s.is_finite() && **s > 0.0)) {
            return Err(invalid(format!(
                "the standard deviation of channel {c} is {s}, not a positive number"
            ))
            .into());
        }
        Ok(Normalize { mean, std })
    }

    /// Parses `MEAN,STD` (one channel) or `M1,…,MC:S1,…,SC` (`C` channels:
    /// the means, a colon, the standard deviations).
    ///
    /// # Errors
    /// [`DataError::Normalize`] for text of another form, a number that does
    /// not parse, or values [`new`](Self::new) refuses.
    pub fn parse(text: &str) -> Result<Self> {
        let numbers = |part: &str| -> Result<Vec<f32>> {
            part.split(',')
                .map(|v| {
                    v.trim().parse::<f32>().map_err(|_| {
                        DataError::Normalize {
                            reason: format!("`{}` in `{text}` is not a number", v.trim()),
                        }
                        .into()
                    })
                })
                .collect()
        };
        match text.split_once(':') {
            Some((mean, std)) => Normalize::new(numbers(mean)?, numbers(std)?),
            None => match numbers(text)?[..] {
                [mean, std] => Normalize::new(vec![mean], vec![std]),
                _ => Err(DataError::Normalize {
                    reason: format!("`{text}`: expected MEAN,STD or M1,…,MC:S1,…,SC"),
                }
                .into()),
            },
        }
    }

    /// The means, one per channel.
    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The standard deviations, one per channel.
    pub fn std(&self) -> &[f32] {
        &self.std
    }

    /// Number of channels.
    pub fn channels(&self) -> usize {
        self.mean.len()
    }

    /// The data set with its inputs normalised (labels and class names kept).
    ///
    /// # Errors
    /// [`DataError::Channels`] when the channel count does not divide the
    /// feature count; [`DataError::NonFinite`] when a normalised value
    /// overflows `f32`.
    pub fn apply(&self, mut data: Dataset) -> Result<Dataset> {
        let features = data.num_features();
        let channels = self.channels();
        if !features.is_multiple_of(channels) {
            return Err(DataError::Channels { channels, features }.into());
        }
        let per_channel = features / channels;
        for mut row in data.inputs.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                let c = j / per_channel;
                *v = (*v - self.mean[c]) / self.std[c];
            }
        }
        if let Some(((sample, feature), value)) = crate::finite::first_non_finite(data.inputs.view()) {
            return Err(DataError::NonFinite { sample, feature, value }.into());
        }
        Ok(data)
    }
}
