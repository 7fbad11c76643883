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
    let saved = data::Saved::load(data)?;
    cancel.check()?;
    let charts_dir = out.join("charts");
    let mut charts = charts::render(&saved, &charts_dir, cancel)?;
    cancel.check()?;
    charts.push(venue_charts::render(&saved, &charts_dir)?);
    cancel.check()?;
    html::write(&saved, &charts, &charts_dir, &out.join("report.html"))
}

/// Writes a run's files, charts and report into the stage; returns its manifest. Charts and the report are
/// rendered from the staged files only, as `supportsim report` does.
pub fn write_run(stage: &Stage, exp: &Experiment, prov: &Provenance, cancel: &Cancel) -> Result<serde_json::Value> {
    output::write_timeseries(&stage.path("timeseries.csv"), exp, cancel)?;
    output::write_venues(&stage.path("venues.csv"), exp, cancel)?;
    match &exp.effects {
        Some(effects) => output::write_effects(&stage.path("effects.csv"), effects)?,
        None => output::write_levels(&stage.path("levels.csv"), exp)?,
    }
    if prov.record_agents {
        let jobs: Vec<(&'static str, u32)> =
            exp.arms.iter().flat_map(|a| (0..a.runs.len() as u32).map(move |r| (a.name, r))).collect();
        AgentRecorder::concatenate(stage.dir(), &jobs, prov.agent_options, cancel)?;
    }
    let manifest = output::run_manifest(exp, prov);
    output::write_draft_manifest(stage, Kind::Run, &manifest)?;
    render(stage.dir(), stage.dir(), cancel)?;
    Ok(manifest)
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
