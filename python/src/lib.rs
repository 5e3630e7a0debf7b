//! Python bindings of `infoablate`: numpy arrays in, numpy arrays out; the
//! crate does all the work, with the GIL released.
//!
//! The Python API (see `infoablate/_infoablate.pyi`):
//!
//! | Python | crate |
//! |---|---|
//! | `scores`, `Accumulator` | `measures`: quantizers, count tables, the four measures |
//! | `pairs` | `pairs`: pair count tables, redundancy, synergy, the PID atoms |
//! | `Mlp`, `record` | `network::Mlp` from PyTorch weights, `record::record` |
//! | `ablation_curve`, `random_band` | `ablation::Engine` |

mod ablation;
mod convert;
mod measures;
mod network;
mod options;
mod pairs;
mod progress;

use pyo3::prelude::*;

/// The native module `infoablate._infoablate`, re-exported by `infoablate`.
#[pymodule]
fn _infoablate(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(measures::scores, m)?)?;
    m.add_class::<measures::Accumulator>()?;
    m.add_function(wrap_pyfunction!(pairs::pairs, m)?)?;
    m.add_class::<network::Mlp>()?;
    m.add_function(wrap_pyfunction!(network::record, m)?)?;
    m.add_function(wrap_pyfunction!(ablation::ablation_curve, m)?)?;
    m.add_function(wrap_pyfunction!(ablation::random_band, m)?)?;
    m.add("MAX_CLASSES", convert::MAX_CLASSES)?;
    Ok(())
}
