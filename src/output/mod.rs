//! Output: the files of a run (`manifest.json`, `timeseries.csv`, `venues.csv`, `effects.csv` and, with
//! `--record-agents`, the agent files of `agents`), and the folders every command writes into
//! ([`folder`]: claimed under a lock, written through a stage (`stage`), committed with a manifest that lists every
//! file with its checksum, [`manifest`]).

mod agents;
pub mod folder;
pub mod manifest;
mod stage;

pub use agents::{estimate_bytes as agent_record_bytes, AgentOptions, AgentRecorder, AGENT_FILES};
pub use folder::{Commit, Folder, Stage};
pub use manifest::Kind;

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::{Effect, Experiment};
use crate::metric_names::METRICS;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// Formats a number for CSV: the shortest form that reads back to the same value, empty for undefined values.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// Writes a JSON value, pretty-printed, with a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::write(path, std::io::Error::other(e)))?;
    std::fs::write(path, text + "\n").map_err(|e| Error::write(path, e))
}

fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let f = File::create(path).map_err(|e| Error::write(path, e))?;
    Ok(csv::Writer::from_writer(BufWriter::new(f)))
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::write(path, std::io::Error::other(e))
}

/// Writes `timeseries.csv`; stops between replicates once `cancel` is requested.
pub fn write_timeseries(path: &Path, exp: &Experiment, cancel: &Cancel) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    let mut header = vec!["arm", "replicate", "day", "group"];
    header.extend(METRICS);
    w.write_record(&header).map_err(&err)?;
    for arm in &exp.arms {
        for (rep, run) in arm.runs.iter().enumerate() {
            cancel.check()?;
            for (r, day) in run.record_days.iter().enumerate() {
                for (g, group) in exp.group_names.iter().enumerate() {
                    let mut row = vec![arm.name.to_string(), rep.to_string(), day.to_string(), group.clone()];
                    row.extend((0..METRICS.len()).map(|m| num(run.value(r, g, m))));
                    w.write_record(&row).map_err(&err)?;
                }
            }
        }
    }
    w.flush().map_err(|e| Error::write(path, e))
}

/// Columns of `venues.csv` (a contract with users: README.md, "Output files").
pub const VENUES_HEADER: [&str; 8] =
    ["arm", "replicate", "day", "venue", "open", "attendance", "days_open", "days_full"];

/// Writes `venues.csv`; stops between replicates once `cancel` is requested.
pub fn write_venues(path: &Path, exp: &Experiment, cancel: &Cancel) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    w.write_record(VENUES_HEADER).map_err(&err)?;
    for arm in &exp.arms {
        for (rep, run) in arm.runs.iter().enumerate() {
            cancel.check()?;
            for (r, day) in run.record_days.iter().enumerate() {
                for (v, period) in run.venue_rows[r].iter().enumerate() {
                    let row = [
                        arm.name.to_string(),
                        rep.to_string(),
                        day.to_string(),
                        exp.scenario.venues[v].name.clone(),
                        u8::from(period.operating).to_string(),
                        period.visits.to_string(),
                        period.days_open.to_string(),
                        period.days_full.to_string(),
                    ];
                    w.write_record(&row).map_err(&err)?;
                }
            }
        }
    }
    w.flush().map_err(|e| Error::write(path, e))
}

/// Columns of `effects.csv` (a contract with users: README.md, "Output files").
pub const EFFECTS_HEADER: [&str; 8] =
    ["group", "metric", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high", "relative_change"];

/// One effect as CSV fields, in the order of [`EFFECTS_HEADER`].
pub fn effect_record(e: &Effect) -> [String; 8] {
    [
        e.group.clone(),
        e.metric.to_string(),
        num(e.baseline_mean),
        num(e.scenario_mean),
        num(e.difference),
        num(e.ci_low),
        num(e.ci_high),
        num(e.relative_change),
    ]
}

pub fn write_effects(path: &Path, effects: &[Effect]) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    w.write_record(EFFECTS_HEADER).map_err(&err)?;
    for e in effects {
        w.write_record(effect_record(e)).map_err(&err)?;
    }
    w.flush().map_err(|e| Error::write(path, e))
}

/// The columns of `levels.csv`.
pub const LEVELS_HEADER: [&str; 5] = ["group", "metric", "mean", "ci_low", "ci_high"];

/// The names of the files a run writes (those `begin` must find free): `levels.csv` for a town alone,
/// `effects.csv` for a what-if.
pub const RUN_FILES: [&str; 6] =
    ["timeseries.csv", "venues.csv", "effects.csv", "levels.csv", "report.html", "charts/"];

/// `levels.csv` of a run without events: each group's and metric's mean over the analysis window, averaged
/// over replicates, with its 95% t-interval over replicates.
pub fn write_levels(path: &Path, exp: &Experiment) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    w.write_record(LEVELS_HEADER).map_err(&err)?;
    for (g, group) in exp.group_names.iter().enumerate() {
        for (m, metric) in METRICS.iter().enumerate() {
            let (mean, lo, hi) = exp.level(0, g, m);
            w.write_record([group.clone(), metric.to_string(), num(mean), num(lo), num(hi)]).map_err(&err)?;
        }
    }
    w.flush().map_err(|e| Error::write(path, e))
}

/// What the manifest records about how a run was made.
pub struct Provenance {
    pub command_line: Vec<String>,
    pub threads: Option<usize>,
    pub record_agents: bool,
    /// How agent records were written (with `record_agents`).
    pub agent_options: AgentOptions,
}

/// The manifest of a run: how it was made and what it holds (its format marker and list of files are added
/// when its folder is committed).
pub fn run_manifest(exp: &Experiment, prov: &Provenance) -> serde_json::Value {
    let finished = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    serde_json::json!({
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": option_env!("SUPPORTSIM_GIT_COMMIT").unwrap_or("unknown"),
        "command_line": prov.command_line,
        "scenario_name": exp.scenario.name,
        "seed": exp.scenario.run.seed,
        "replicates": exp.scenario.run.replicates,
        "arms": exp.arms.iter().map(|a| a.name).collect::<Vec<_>>(),
        "threads": prov.threads,
        "tie_kernel": crate::dynamics::support::kernel_name().unwrap_or("unknown"),
        "record_agents": prov.record_agents,
        "record_agents_every_days": prov.record_agents.then_some(prov.agent_options.every_days),
        "record_agents_gzip": prov.record_agents.then_some(prov.agent_options.gzip),
        "groups": exp.group_names,
        "group_sizes": crate::experiment::group_sizes(&exp.arms[0].runs),
        "metrics": METRICS,
        "finished_unix_seconds": finished,
        "wall_seconds": exp.wall_seconds,
        "scenario": exp.scenario,
    })
}

/// Writes a draft of a manifest into a stage (marked unfinished), for what is rendered from the staged
/// files before the folder is committed.
pub fn write_draft_manifest(stage: &Stage, kind: Kind, value: &serde_json::Value) -> Result<()> {
    let mut draft = value.clone();
    if let Some(obj) = draft.as_object_mut() {
        for (k, v) in manifest::marker_fields(kind, false) {
            obj.insert(k, v);
        }
    }
    write_json(&stage.path("manifest.json"), &draft)
}

/// Claims `target` for output of `kind` and opens a stage in it; refuses a folder that is not supportsim's,
/// one another supportsim is writing, (unless `force`) supportsim's output of another kind, and one where
/// the old output could not be replaced or the files `names` would land on someone else's. Returns whether
/// earlier output will be replaced.
pub fn begin(target: &Path, kind: Kind, force: bool, names: &[&str]) -> Result<(Folder, Stage, bool)> {
    let folder = Folder::claim(target)?;
    let replaces = folder.allow(kind, force, kind != Kind::Sweep)?;
    folder.check_replaceable(|_| true)?;
    folder.check_free(names)?;
    let stage = folder.stage()?;
    Ok((folder, stage, replaces))
}
