//! `supportsim._native`: the engine's entry points for the Python package in `python/supportsim/`, which
//! wraps them in the documented API (scenarios as values, results as pandas DataFrames).
//!
//! Everything here calls the supportsim library the command line calls, so results are the same to the last
//! digit. Work runs on a thread of its own (and rayon's) with the GIL released; the calling thread wakes
//! every tenth of a second to run Python's signal handlers (Ctrl-C stops the run) and to report progress
//! (`waiting`). Scenarios cross the boundary as their TOML table in JSON (`town`); runs and comparisons keep
//! their data files in a private folder until they are saved (`runs`); sweeps stream their rows (`sweeps`).

mod errors;
mod runs;
mod sweeps;
mod town;
mod waiting;

use pyo3::prelude::*;

/// The Python module `supportsim._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(town::load_file, m)?)?;
    m.add_function(wrap_pyfunction!(town::load_builtin, m)?)?;
    m.add_function(wrap_pyfunction!(town::builtin_names, m)?)?;
    m.add_function(wrap_pyfunction!(town::check, m)?)?;
    m.add_function(wrap_pyfunction!(town::toml_text, m)?)?;
    m.add_function(wrap_pyfunction!(town::parse_toml, m)?)?;
    m.add_function(wrap_pyfunction!(town::set_values, m)?)?;
    m.add_function(wrap_pyfunction!(town::params_table, m)?)?;
    m.add_function(wrap_pyfunction!(runs::run, m)?)?;
    m.add_function(wrap_pyfunction!(runs::compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweeps::sweep_start, m)?)?;
    m.add_class::<runs::Data>()?;
    m.add_class::<sweeps::SweepJob>()?;
    Ok(())
}
