//! Sweeps from Python: `supportsim sweep`'s run (its folder, resumable, the same rows and analysis) on a
//! thread of its own, with each row of `runs.csv` handed to Python as it is written, in run order.

use crate::errors::{bad_value, to_py};
use crate::town::FROM_PYTHON;
use crate::waiting;
use pyo3::prelude::*;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use supportsim::cancel::Cancel;
use supportsim::sweep::{self, design::Plan, format, store::SweepResult, RunOptions, Shard};

/// What the sweep's thread shares with Python: rows written but not yet taken, and the progress counts.
#[derive(Default)]
struct Shared {
    rows: Mutex<VecDeque<Vec<u8>>>,
    done: AtomicU64,
    total: AtomicU64,
}

/// A sweep running on a thread of its own.
#[pyclass(frozen, module = "supportsim._native")]
pub struct SweepJob {
    shared: Arc<Shared>,
    cancel: Cancel,
    handle: Mutex<Option<JoinHandle<supportsim::Result<SweepResult>>>>,
    outcome: Mutex<Option<String>>,
    header: Vec<String>,
    dir: PathBuf,
    runs: usize,
}

/// Reads a sweep file (or checks a sweep's table, as JSON) and starts it, as `supportsim sweep` with the same options would.
#[pyfunction]
#[pyo3(signature = (path=None, table=None, out=None, shard=None, replicates=None, points=None, agents=None, threads=None, resume=false, force=false, command=String::new()))]
#[allow(clippy::too_many_arguments)]
pub fn sweep_start(
    py: Python<'_>,
    path: Option<PathBuf>,
    table: Option<String>,
    out: Option<PathBuf>,
    shard: Option<String>,
    replicates: Option<u32>,
    points: Option<usize>,
    agents: Option<u32>,
    threads: Option<usize>,
    resume: bool,
    force: bool,
    command: String,
) -> PyResult<SweepJob> {
    let loaded = match (path, table) {
        (Some(p), None) => sweep::load(&p),
        (None, Some(t)) => {
            let text = toml::to_string(&crate::town::table_of(py, &t)?)
                .map_err(|e| bad_value(format!("the sweep cannot be written as TOML: {e}")))?;
            sweep::spec::from_text(Path::new(FROM_PYTHON), text)
        }
        (Some(_), Some(_)) => return Err(bad_value("give a sweep file or a sweep's table, not both")),
        (None, None) => return Err(bad_value("give a sweep file or a sweep's table")),
    };
    let mut s = loaded.map_err(|e| to_py(py, e))?;
    if let Some(r) = replicates {
        if !(1..=100_000).contains(&r) {
            return Err(bad_value(format!("replicates must be from 1 to 100000, got {r}")));
        }
        s.replicates = r;
    }
    if let Some(n) = points {
        s.set_points(n).map_err(|m| bad_value(format!("points: {m}")))?;
    }
    if let Some(n) = agents {
        if !(10..=10_000_000).contains(&n) {
            return Err(bad_value(format!("agents must be from 10 to 10000000, got {n}")));
        }
        s.set_agents(n);
    }
    let runs = s.points() * s.replicates as usize;
    let shard = shard.as_deref().map(Shard::parse).transpose().map_err(|m| bad_value(format!("shard {m}")))?;
    if let Some(k) = shard.filter(|k| k.count > runs) {
        return Err(bad_value(format!(
            "shard {}/{}: the sweep has {runs} runs, so it splits into at most {runs} shards",
            k.index, k.count
        )));
    }
    let dir = out.unwrap_or_else(|| format::default_dir(&s, shard));
    let header = format::info(&s, &Plan::new(&s), shard.unwrap_or(Shard::WHOLE)).header();
    let cancel = Cancel::new();
    let options = RunOptions { threads, shard, resume, force, cancel: cancel.clone(), command_line: vec![command] };
    let shared = Arc::new(Shared::default());
    let (feed, folder) = (shared.clone(), dir.clone());
    let handle = waiting::start(move || {
        sweep::run_sweep(&s, &folder, &options, &mut |done, total, row| {
            feed.done.store(done as u64, Ordering::Relaxed);
            feed.total.store(total as u64, Ordering::Relaxed);
            if !row.is_empty() {
                feed.rows.lock().unwrap_or_else(|p| p.into_inner()).push_back(row.to_vec());
            }
        })
    })?;
    Ok(SweepJob {
        shared,
        cancel,
        handle: Mutex::new(Some(handle)),
        outcome: Mutex::new(None),
        header,
        dir,
        runs: shard.unwrap_or(Shard::WHOLE).runs(runs).len(),
    })
}

/// A job dropped unfinished (its iterator forgotten) stops its sweep; the thread ends within about a second.
impl Drop for SweepJob {
    fn drop(&mut self) {
        self.cancel.request();
    }
}

impl SweepJob {
    fn take_row(&self) -> Option<Vec<u8>> {
        self.shared.rows.lock().unwrap_or_else(|p| p.into_inner()).pop_front()
    }

    fn progress(&self) -> Option<(u64, u64)> {
        let total = self.shared.total.load(Ordering::Relaxed);
        (total > 0).then(|| (self.shared.done.load(Ordering::Relaxed), total))
    }

    /// Joins the finished thread and keeps what it said (JSON), or raises its error.
    fn conclude(&self, py: Python<'_>, handle: JoinHandle<supportsim::Result<SweepResult>>) -> PyResult<()> {
        let r = waiting::finish(py, handle, "sweeping")?;
        let said = serde_json::json!({
            "dir": r.dir,
            "runs": r.runs,
            "skipped": r.skipped,
            "complete_before": r.complete_before,
            "wall_seconds": r.wall_seconds,
        });
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(said.to_string());
        Ok(())
    }
}

#[pymethods]
impl SweepJob {
    /// The columns of runs.csv.
    #[getter]
    fn header(&self) -> Vec<String> {
        self.header.clone()
    }

    /// The sweep's folder.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The runs this sweep (or shard) holds in all.
    #[getter]
    fn runs(&self) -> usize {
        self.runs
    }

    /// The next row of runs.csv as it is written (its CSV line), or None once the sweep has finished; reports
    /// `progress(done, total)` meanwhile. Ctrl-C stops the sweep (its finished runs stay, for `resume`) and
    /// raises KeyboardInterrupt.
    #[pyo3(signature = (progress=None))]
    fn next_row(&self, py: Python<'_>, progress: Option<Bound<'_, PyAny>>) -> PyResult<Option<String>> {
        let mut last = None;
        loop {
            if let Some(row) = self.take_row() {
                return Ok(Some(String::from_utf8_lossy(&row).into_owned()));
            }
            // The thread's handle is taken out while waiting (no lock is held with the GIL released), and put
            // back unless the sweep ended.
            let Some(handle) = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take() else { return Ok(None) };
            let shared = &self.shared;
            let pending = || !shared.rows.lock().unwrap_or_else(|p| p.into_inner()).is_empty();
            waiting::nap(py, || handle.is_finished() || pending());
            let checked =
                py.check_signals().and_then(|()| waiting::report(progress.as_ref(), self.progress(), &mut last));
            if let Err(e) = checked {
                self.cancel.request();
                let _ = py.detach(|| handle.join());
                return Err(e);
            }
            if handle.is_finished() && !pending() {
                waiting::report(progress.as_ref(), self.progress(), &mut last)?;
                self.conclude(py, handle)?;
                return Ok(None);
            }
            *self.handle.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        }
    }

    /// What the finished sweep did (JSON: dir, runs, skipped, complete_before, wall_seconds); None before.
    #[getter]
    fn outcome(&self) -> Option<String> {
        self.outcome.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Stops the sweep if it is still running and waits for its thread (its finished runs stay, for
    /// `resume`).
    fn stop(&self, py: Python<'_>) {
        self.cancel.request();
        if let Some(handle) = self.handle.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = py.detach(|| handle.join());
        }
    }
}
