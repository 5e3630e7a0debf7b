//! Progress reports of the crate handed to an optional Python callable.

use infoablate::Progress;
use pyo3::prelude::*;

/// Calls `callable(stage, done, total)` for each report, with the GIL taken
/// for the call only. The first exception it raises (or a pending
/// `KeyboardInterrupt`) is kept and raised when the work returns; the
/// callable is not called again after it.
pub struct Reporter {
    callable: Option<Py<PyAny>>,
    error: Option<PyErr>,
}

impl Reporter {
    /// A reporter for `callable` (none: reports are dropped).
    pub fn new(callable: Option<Py<PyAny>>) -> Self {
        Reporter { callable, error: None }
    }

    /// Hands one report to the callable.
    pub fn report(&mut self, progress: Progress) {
        let Some(callable) = &self.callable else {
            return;
        };
        if self.error.is_some() {
            return;
        }
        self.error = Python::attach(|py| {
            py.check_signals()
                .and_then(|()| callable.call1(py, (progress.stage, progress.done, progress.total)))
                .err()
        });
    }

    /// The work's result, or the callable's first exception.
    pub fn finish<T>(self, result: PyResult<T>) -> PyResult<T> {
        match self.error {
            Some(e) => Err(e),
            None => result,
        }
    }
}
