//! Runs and comparisons from Python. Each runs the experiment the command line runs and writes its data files
//! (the CSVs `supportsim run` and `compare` write, with the same writers) into a private folder the Python
//! object owns; DataFrames are read from there, and `save` copies them into a folder of the user's choosing
//! through supportsim's output folders (claimed, staged, drawn, committed), so a saved folder is what the
//! command line writes and `supportsim report` redraws it.

use crate::errors::bad_value;
use crate::town::scenario_of;
use crate::waiting;
use pyo3::prelude::*;
use std::path::PathBuf;
use supportsim::cancel::Cancel;
use supportsim::experiment::{self, Options};
use supportsim::output::{AgentOptions, AgentRecorder, Kind, Provenance};
use supportsim::report::{self, Written};
use supportsim::world::AgentObserver;

/// Data files written into a private folder, ready to be saved as a run's or a comparison's output folder.
#[pyclass(frozen, module = "supportsim._native")]
pub struct Data {
    kind: Kind,
    manifest: serde_json::Value,
    dir: PathBuf,
    files: Vec<String>,
    sentence: Option<String>,
    warnings: Vec<String>,
}

#[pymethods]
impl Data {
    /// The data files, relative to the private folder.
    #[getter]
    fn files(&self) -> Vec<String> {
        self.files.clone()
    }

    /// The private folder holding them.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// The headline effect in a sentence with head counts, as the terminal and report.html say it (a
    /// what-if's run; None otherwise).
    #[getter]
    fn sentence(&self) -> Option<String> {
        self.sentence.clone()
    }

    /// What `supportsim run` warns about: a town not settled over the analysis window, venues full on most
    /// of their open days (a run's; empty otherwise).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// How the output was made, as the command line's manifest.json says it (JSON text).
    #[getter]
    fn manifest(&self) -> String {
        self.manifest.to_string()
    }

    /// Saves the output into `target` as the command line writes it (charts and report.html drawn from the
    /// saved files); returns whether supportsim's earlier output there was replaced.
    #[pyo3(signature = (target, force=false))]
    fn save(&self, py: Python<'_>, target: PathBuf, force: bool) -> PyResult<bool> {
        let (kind, manifest, dir, files) = (self.kind, self.manifest.clone(), self.dir.clone(), self.files.clone());
        let cancel = Cancel::new();
        let inner = cancel.clone();
        waiting::run(
            py,
            &cancel,
            None,
            || None,
            "saving",
            move || {
                let draw = if kind == Kind::Comparison { report::compare::render } else { report::render };
                let written = Written { data: &dir, files: &files, kind, manifest: &manifest, draw };
                report::save_copy(&written, &target, force, &inner)
            },
        )
    }
}

/// The hidden bar an experiment advances: (runs done, runs in all) once the runs are counted.
fn bar_count(bar: &indicatif::ProgressBar) -> Option<(u64, u64)> {
    bar.length().map(|len| (bar.position(), len))
}

/// The headline sentence of a what-if, as `supportsim run` prints it.
fn headline_sentence(exp: &experiment::Experiment) -> Option<String> {
    let (group, metric) = exp.scenario.headline();
    let e = exp.effects.as_ref()?.iter().find(|e| e.group == group && e.metric == metric)?;
    let v = [e.difference, e.ci_low, e.ci_high, e.baseline_mean, e.scenario_mean];
    Some(report::words::headline_sentence(None, &group, &metric, exp.people_in(&group), v))
}

/// Runs a scenario (its table as JSON) as `supportsim run` does, writing its data files into `workdir`.
#[pyfunction]
#[pyo3(signature = (table, workdir, command, threads=None, record_agents=false, record_every=None, force=false, progress=None))]
#[allow(clippy::too_many_arguments)]
pub fn run(
    py: Python<'_>,
    table: &str,
    workdir: PathBuf,
    command: String,
    threads: Option<usize>,
    record_agents: bool,
    record_every: Option<u32>,
    force: bool,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Data> {
    let scenario = scenario_of(py, table)?;
    if record_agents && scenario.analysis.target_interval_width.is_some() {
        return Err(bad_value(
            "analysis.target_interval_width cannot be combined with record_agents; record agents with a fixed \
             number of replicates",
        ));
    }
    let period = scenario.run.record_every_days;
    if !record_agents && record_every.is_some() {
        return Err(bad_value("record_every shapes the agent records: use it with record_agents=True"));
    }
    let every = record_every.unwrap_or(period);
    if every == 0 || !every.is_multiple_of(period) || every > scenario.run.days {
        return Err(bad_value(format!(
            "record_every must be a multiple of the recording period ({period} days) and at most the run's {} \
             days, got {every}",
            scenario.run.days
        )));
    }
    supportsim::sim::check_memory(&scenario, threads, force).map_err(|e| crate::errors::to_py(py, e))?;
    let agent_options = AgentOptions { every_days: every, gzip: false };
    let prov = Provenance { command_line: vec![command], threads, record_agents, agent_options };
    let bar = indicatif::ProgressBar::hidden();
    let cancel = Cancel::new();
    let options = Options { threads, progress: Some(bar.clone()), cancel: cancel.clone() };
    let dir = workdir.clone();
    let (manifest, has_effects, sentence, warnings) = waiting::run(
        py,
        &cancel,
        progress.as_ref(),
        || bar_count(&bar),
        "running the scenario",
        move || {
            let parts = dir.clone();
            let factory = move |arm: &'static str, rep: u32| -> supportsim::Result<Box<dyn AgentObserver + Send>> {
                Ok(Box::new(AgentRecorder::new(&parts, arm, rep, agent_options)?))
            };
            let exp = experiment::run_experiment(&scenario, &options, record_agents.then_some(&factory as _))?;
            report::write_run_data(&dir, &exp, &prov, &options.cancel)?;
            let manifest = supportsim::output::run_manifest(&exp, &prov);
            // The warnings are worked out from the written files, as the command line's are.
            supportsim::output::write_json(&dir.join("manifest.json"), &manifest)?;
            let checked = report::steady::check(&report::data::Saved::load(&dir)?);
            Ok((manifest, exp.effects.is_some(), headline_sentence(&exp), report::steady::sentences(&checked)))
        },
    )?;
    let mut files: Vec<String> = ["timeseries.csv", "venues.csv"].map(String::from).to_vec();
    files.push(if has_effects { "effects.csv" } else { "levels.csv" }.into());
    if record_agents {
        files.extend(agent_options.file_names());
    }
    Ok(Data { kind: Kind::Run, manifest, dir: workdir, files, sentence, warnings })
}

/// Compares what-ifs (their tables as JSON) on one baseline and the same seeds, as `supportsim compare`
/// does, writing comparison.csv into `workdir`.
#[pyfunction]
#[pyo3(signature = (tables, workdir, command, threads=None, force=false, progress=None))]
pub fn compare(
    py: Python<'_>,
    tables: Vec<String>,
    workdir: PathBuf,
    command: String,
    threads: Option<usize>,
    force: bool,
    progress: Option<Bound<'_, PyAny>>,
) -> PyResult<Data> {
    let scenarios = tables.iter().map(|t| scenario_of(py, t)).collect::<PyResult<Vec<_>>>()?;
    let first = scenarios.first().ok_or_else(|| bad_value("compare needs at least one scenario"))?;
    supportsim::sim::check_memory(first, threads, force).map_err(|e| crate::errors::to_py(py, e))?;
    let bar = indicatif::ProgressBar::hidden();
    let cancel = Cancel::new();
    let options = Options { threads, progress: Some(bar.clone()), cancel: cancel.clone() };
    let dir = workdir.clone();
    let manifest = waiting::run(
        py,
        &cancel,
        progress.as_ref(),
        || bar_count(&bar),
        "comparing the options",
        move || {
            let exps = experiment::compare(&scenarios, &options)?;
            report::compare::write_data(&dir, &exps, &[command])
        },
    )?;
    Ok(Data {
        kind: Kind::Comparison,
        manifest,
        dir: workdir,
        files: vec!["comparison.csv".into()],
        sentence: None,
        warnings: Vec::new(),
    })
}
