//! Information measures of single neurons.

/// Errors from estimating measures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MeasureError {
    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
}
