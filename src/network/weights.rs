//! Weights I/O in safetensors with PyTorch `nn.Sequential` naming.

/// Errors from loading or saving weights.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// The file is not valid safetensors.
    #[error("`{path}` is not a valid safetensors file: {reason}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}
