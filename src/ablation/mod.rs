//! Cumulative ablation schedules and curves.

/// Errors from building or running ablation schedules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AblationError {
    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
}
