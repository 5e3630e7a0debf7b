//! The crate's error type.
//!
//! Each module has its own error enum naming what is wrong in its own terms
//! (a file, a tensor, a shape, a neuron); [`Error`] wraps them all so that a
//! caller can use `?` across modules and still match on the cause.

use std::path::PathBuf;

/// Every error the crate returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or validating a data set failed.
    #[error(transparent)]
    Data(#[from] crate::data::DataError),
    /// A network was given inputs, layers or neurons it does not have.
    #[error(transparent)]
    Network(#[from] crate::network::NetworkError),
    /// Recording hidden-layer activations failed.
    #[error(transparent)]
    Record(#[from] crate::record::RecordError),
    /// Loading or saving network weights failed.
    #[cfg(feature = "mlp")]
    #[error(transparent)]
    Weights(#[from] crate::network::WeightsError),
    /// Estimating an information measure failed.
    #[error(transparent)]
    Measure(#[from] crate::measures::MeasureError),
    /// Counting or measuring neuron pairs failed.
    #[error(transparent)]
    Pairs(#[from] crate::pairs::PairsError),
    /// Building or running an ablation schedule failed.
    #[error(transparent)]
    Ablation(#[from] crate::ablation::AblationError),
    /// Estimating a layer's information-plane quantities failed.
    #[error(transparent)]
    InfoPlane(#[from] crate::infoplane::InfoPlaneError),
    /// Drawing a figure failed.
    #[cfg(feature = "plot")]
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// An operating-system I/O error, with the file it concerns.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// What was being done: "open", "read", "write", …
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the action and file it concerns.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
