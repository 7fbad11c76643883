//! supportsim's errors as Python exceptions: problems in a scenario, sweep or targets file become
//! `supportsim.ScenarioError` with one `Problem` (file, line, path, message) each; a stop on request becomes
//! `KeyboardInterrupt`; unreadable or unwritable files `OSError`; a value the run cannot take `ValueError`.

use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use supportsim::error::Problem;
use supportsim::Error;

/// The Python exception for a supportsim error.
pub fn to_py(py: Python<'_>, error: Error) -> PyErr {
    let message = in_python_words(&error.to_string());
    match error {
        Error::Scenario(p) | Error::Sweep(p) | Error::Targets(p) => scenario_error(py, &message, &p.0),
        Error::Interrupted | Error::SweepInterrupted { .. } => PyKeyboardInterrupt::new_err(message),
        Error::Read { .. } | Error::Write { .. } => PyOSError::new_err(message),
        Error::Usage(_) => PyValueError::new_err(message),
    }
}

/// A message that names the command line's options, with the Python arguments that do the same.
fn in_python_words(message: &str) -> String {
    const WORDS: [(&str, &str); 5] = [
        ("choose another --out", "choose another folder"),
        ("run the same command with --resume", "call it again with resume=True"),
        ("--threads", "threads="),
        ("--force", "force=True"),
        ("--resume", "resume=True"),
    ];
    WORDS.iter().fold(message.to_string(), |m, (cli, python)| m.replace(cli, python))
}

/// `supportsim.ScenarioError(message, problems)`, each problem a dict the Python class turns into a
/// `Problem`.
pub fn scenario_error(py: Python<'_>, message: &str, problems: &[Problem]) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let list = problems
            .iter()
            .map(|p| {
                let d = PyDict::new(py);
                d.set_item("file", p.file.clone())?;
                d.set_item("line", p.line)?;
                d.set_item("path", p.path.clone())?;
                d.set_item("message", p.message.clone())?;
                Ok(d)
            })
            .collect::<PyResult<Vec<_>>>()?;
        let class = py.import("supportsim._errors")?.getattr("ScenarioError")?;
        Ok(PyErr::from_value(class.call1((message.trim_end(), list))?))
    };
    build().unwrap_or_else(|e| e)
}

/// A worker thread that panicked: a bug in supportsim, said as one.
pub fn panicked(what: &str) -> PyErr {
    PyRuntimeError::new_err(format!(
        "supportsim stopped unexpectedly while {what} (an internal error; please report it with the scenario)"
    ))
}

/// A value from Python that is not what the engine takes.
pub fn bad_value(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
