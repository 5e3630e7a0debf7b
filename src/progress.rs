//! How far a long computation has got.

/// How far a long computation has got, handed to a caller's callback (the
/// library never prints): recording batches, ablation curves.
///
/// # Examples
///
/// ```
/// use infoablate::Progress;
///
/// let mut seen = Vec::new();
/// let mut report = |p: Progress| seen.push(format!("{} {}/{}", p.stage, p.done, p.total));
/// report(Progress { stage: "record", done: 1, total: 2 });
/// assert_eq!(seen, ["record 1/2"]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is being done: `record` or `ablate`.
    pub stage: &'static str,
    /// Units done so far.
    pub done: usize,
    /// Units in all.
    pub total: usize,
}
