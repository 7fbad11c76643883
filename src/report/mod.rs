//! Charts and the offline report, rendered from a saved output folder only (never from a live run), so
//! `supportsim report DIR` reproduces them byte for byte. `data` reads the folder, checking its files against
//! the manifest, `charts` draws PNG and SVG with plotters, `html` writes the self-contained `report.html`.

pub mod charts;
pub mod compare;
pub mod data;
pub mod findings;
pub mod honesty;
pub mod html;
pub mod oat;
pub mod steady;
pub mod venue_charts;
pub mod words;

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::Experiment;
use crate::output::{self, AgentRecorder, Commit, Folder, Kind, Provenance, Stage};
use std::path::Path;

/// The data files a run's report is drawn from; `supportsim report` checks them against their checksums.
pub const DATA_FILES: [&str; 4] = ["timeseries.csv", "venues.csv", "effects.csv", "levels.csv"];

/// True for the files `report` draws: `charts/…` and `report.html`.
pub fn is_drawn(path: &str) -> bool {
    path == "report.html" || path.starts_with("charts/")
}

/// Renders `charts/` and `report.html` into `out` from the run's files in `data` (the same folder, or a
/// stage being written beside them).
pub fn render(data: &Path, out: &Path, cancel: &Cancel) -> Result<()> {
    draw(&data::Saved::load(data)?, out, cancel)
}

/// Draws `charts/` and `report.html` into `out` from a run's files read back.
fn draw(saved: &data::Saved, out: &Path, cancel: &Cancel) -> Result<()> {
    cancel.check()?;
    let charts_dir = out.join("charts");
    let mut charts = charts::render(saved, &charts_dir, cancel)?;
    cancel.check()?;
    charts.push(venue_charts::render(saved, &charts_dir)?);
    cancel.check()?;
    html::write(saved, &charts, &charts_dir, &out.join("report.html"))
}

/// Writes a run's data files into `dir`: `timeseries.csv`, `venues.csv`, `effects.csv` (a what-if) or
/// `levels.csv` (a town alone) and, with agent records, the agent files joined from the parts in `dir`.
pub fn write_run_data(dir: &Path, exp: &Experiment, prov: &Provenance, cancel: &Cancel) -> Result<()> {
    output::write_timeseries(&dir.join("timeseries.csv"), exp, cancel)?;
    output::write_venues(&dir.join("venues.csv"), exp, cancel)?;
    match &exp.effects {
        Some(effects) => output::write_effects(&dir.join("effects.csv"), effects)?,
        None => output::write_levels(&dir.join("levels.csv"), exp)?,
    }
    if prov.record_agents {
        let jobs: Vec<(&'static str, u32)> =
            exp.arms.iter().flat_map(|a| (0..a.runs.len() as u32).map(move |r| (a.name, r))).collect();
        AgentRecorder::concatenate(dir, &jobs, prov.agent_options, cancel)?;
    }
    Ok(())
}

/// Writes a run's files, charts and report into the stage; returns its manifest and its steady-state
/// warnings (`steady`, as the report shows them). Charts, report and warnings come from the staged files
/// only, as `supportsim report` draws them.
pub fn write_run(
    stage: &Stage,
    exp: &Experiment,
    prov: &Provenance,
    cancel: &Cancel,
) -> Result<(serde_json::Value, Vec<String>)> {
    write_run_data(stage.dir(), exp, prov, cancel)?;
    let manifest = output::run_manifest(exp, prov);
    output::write_draft_manifest(stage, Kind::Run, &manifest)?;
    let saved = data::Saved::load(stage.dir())?;
    draw(&saved, stage.dir(), cancel)?;
    Ok((manifest, steady::sentences(&steady::check(&saved))))
}

/// What [`save_copy`] saves: data files already written into a folder of their own, the folder's kind and
/// manifest, and how its charts and report are drawn from them.
pub struct Written<'a> {
    /// The folder holding the data files.
    pub data: &'a Path,
    /// The data files, relative to `data`.
    pub files: &'a [String],
    pub kind: Kind,
    pub manifest: &'a serde_json::Value,
    /// `render` for a run, `compare::render` for a comparison.
    pub draw: fn(&Path, &Path, &Cancel) -> Result<()>,
}

/// Saves output whose data files were written elsewhere into `target`, as the command that makes it would:
/// claims the folder (refusing one that is not supportsim's, and supportsim's output of another kind unless
/// `force`), copies the data files into a stage, writes the manifest, draws the charts and report from the
/// staged files and commits. Returns whether earlier output was replaced. (The Python package's runs keep
/// their data in a private folder until they are saved.)
pub fn save_copy(written: &Written, target: &Path, force: bool, cancel: &Cancel) -> Result<bool> {
    let mut names: Vec<&str> = written.files.iter().map(String::as_str).collect();
    names.extend(["report.html", "charts/"]);
    let (mut folder, stage, replaces) = output::begin(target, written.kind, force, &names)?;
    for file in written.files {
        let from = written.data.join(file);
        std::fs::copy(&from, stage.path(file)).map_err(|e| Error::read(&from, e))?;
        cancel.check()?;
    }
    output::write_draft_manifest(&stage, written.kind, written.manifest)?;
    (written.draw)(stage.dir(), stage.dir(), cancel)?;
    cancel.check()?;
    folder.commit(stage, written.kind, written.manifest.clone(), Commit::Replace, cancel)?;
    Ok(replaces)
}

/// `supportsim report DIR` for a run's folder: refuses an unfinished folder or one whose files are not
/// what supportsim wrote, then draws the charts and the report again and puts them in place of the old.
pub fn rerender(dir: &Path, cancel: &Cancel) -> Result<()> {
    redraw(dir, Kind::Run, &DATA_FILES, render, cancel)
}

/// `supportsim report DIR` for a comparison's folder, as [`rerender`] for a run's.
pub fn rerender_comparison(dir: &Path, cancel: &Cancel) -> Result<()> {
    redraw(dir, Kind::Comparison, &compare::DATA_FILES, compare::render, cancel)
}

/// `supportsim report DIR` for a sensitivity analysis's folder (`oat`), as [`rerender`] for a run's.
pub fn rerender_oat(dir: &Path, cancel: &Cancel) -> Result<()> {
    redraw(dir, Kind::Oat, &oat::DATA_FILES, oat::render, cancel)
}

/// Redraws a folder of `kind` whose data files (`data_files`, checked against the manifest with every other
/// file that is not drawn) are what supportsim wrote.
fn redraw(
    dir: &Path,
    kind: Kind,
    data_files: &[&str],
    draw: fn(&Path, &Path, &Cancel) -> Result<()>,
    cancel: &Cancel,
) -> Result<()> {
    let mut folder = Folder::claim(dir)?;
    let marker = match folder.marker() {
        Some(m) if m.kind == kind => m.clone(),
        _ => return Err(Error::Usage(format!("{} holds no {}", dir.display(), kind.describe()))),
    };
    if !marker.complete {
        return Err(Error::Usage(format!(
            "{} holds an unfinished run (it stopped while its files were written); run it again",
            dir.display()
        )));
    }
    // What report draws (charts, report.html) may be missing or old: it is drawn again. Everything else must
    // be what supportsim wrote.
    for rec in marker.files.iter().filter(|f| !is_drawn(&f.path)) {
        let read_here = data_files.contains(&rec.path.as_str());
        if let Err(why) = crate::output::manifest::verify(dir, rec, read_here) {
            return Err(Error::Usage(format!(
                "{}: {why}; the folder is not the output supportsim wrote, so it is not reported",
                dir.display()
            )));
        }
        cancel.check()?;
    }
    let stage = folder.stage()?;
    draw(dir, stage.dir(), cancel)?;
    folder.commit(stage, kind, marker.value, Commit::Update, cancel)?;
    Ok(())
}
