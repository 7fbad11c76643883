//! Running work off the Python thread: the work runs on a thread of its own (and the rayon threads it
//! starts) while the calling thread, holding the GIL only between short waits, runs Python's signal handlers
//! every tenth of a second and reports progress. Ctrl-C (or an exception from the progress callback) asks
//! the work to stop through its `Cancel`, which every phase checks within about a second; the work's thread
//! is joined before the exception is raised, so nothing keeps running behind the notebook's back.

use crate::errors::{panicked, to_py};
use pyo3::prelude::*;
use std::thread::JoinHandle;
use std::time::Duration;
use supportsim::cancel::Cancel;

/// How often the calling thread wakes to look for Ctrl-C and progress.
const TICK: Duration = Duration::from_millis(100);

/// Starts `work` on a thread of its own.
pub fn start<T: Send + 'static>(
    work: impl FnOnce() -> supportsim::Result<T> + Send + 'static,
) -> PyResult<JoinHandle<supportsim::Result<T>>> {
    std::thread::Builder::new()
        .name("supportsim".into())
        .spawn(work)
        .map_err(|e| pyo3::exceptions::PyOSError::new_err(format!("cannot start a thread: {e}")))
}

/// Waits, with the GIL released, until `finished()` or a tick has passed; returns whether it finished.
pub fn nap(py: Python<'_>, finished: impl Fn() -> bool + Sync) -> bool {
    py.detach(|| {
        let slices = 10;
        for _ in 0..slices {
            if finished() {
                return true;
            }
            std::thread::sleep(TICK / slices);
        }
        finished()
    })
}

/// Calls `progress(done, total)` when the count changed since `last`.
pub fn report(
    progress: Option<&Bound<'_, PyAny>>,
    now: Option<(u64, u64)>,
    last: &mut Option<(u64, u64)>,
) -> PyResult<()> {
    if let (Some(callback), Some(now)) = (progress, now) {
        if *last != Some(now) {
            callback.call1(now)?;
            *last = Some(now);
        }
    }
    Ok(())
}

/// Runs `work` to the end on a thread of its own, reporting `poll()` to `progress` as it changes; Ctrl-C
/// stops it and raises `KeyboardInterrupt`. `what` names the work in the message of an internal failure.
pub fn run<T: Send + 'static>(
    py: Python<'_>,
    cancel: &Cancel,
    progress: Option<&Bound<'_, PyAny>>,
    poll: impl Fn() -> Option<(u64, u64)>,
    what: &str,
    work: impl FnOnce() -> supportsim::Result<T> + Send + 'static,
) -> PyResult<T> {
    let handle = start(work)?;
    let mut last = None;
    loop {
        let finished = nap(py, || handle.is_finished());
        if let Err(e) = py.check_signals().and_then(|()| report(progress, poll(), &mut last)) {
            cancel.request();
            let _ = py.detach(|| handle.join());
            return Err(e);
        }
        if finished {
            break;
        }
    }
    finish(py, handle, what)
}

/// Joins a finished thread: its value, its error as a Python exception, or a panic said as an internal error.
pub fn finish<T: Send>(py: Python<'_>, handle: JoinHandle<supportsim::Result<T>>, what: &str) -> PyResult<T> {
    match py.detach(|| handle.join()) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(_) => Err(panicked(what)),
    }
}
