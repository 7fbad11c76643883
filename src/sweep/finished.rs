//! What is done with a sweep whose runs are all in `runs.csv`: its analysis (`points.csv`, `sensitivity.csv`
//! and the charts), redrawing it (`supportsim report`), and merging the shards of one sweep into the folder the
//! unsharded sweep would have written.

use super::format::{csv_line, manifest, read_manifest, verify, Info, Shard};
use super::{analysis, charts};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::output::{Commit, Folder, Kind};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// Writes `points.csv`, `sensitivity.csv` (random, lhs and sobol designs) and the charts into `out` from
/// `data/runs.csv`; stops between steps once `cancel` is requested.
pub fn write_all(data: &Path, out: &Path, info: &Info, cancel: &Cancel) -> Result<()> {
    let points = analysis::points(data, out, info, cancel)?;
    let charts = out.join("charts");
    std::fs::create_dir_all(&charts).map_err(|e| Error::write(&charts, e))?;
    if matches!(info.design.as_str(), "random" | "lhs" | "sobol") {
        let rows = analysis::sensitivity(info, &points, cancel)?;
        analysis::write_sensitivity(&out.join("sensitivity.csv"), &rows)?;
        charts::tornados(&charts, info, &rows, cancel)?;
    }
    if info.design == "grid" && matches!(info.parameters.len(), 1 | 2) {
        charts::grid_charts(&charts, info, &points, cancel)?;
    }
    Ok(())
}

/// Redraws a finished sweep folder's `points.csv`, `sensitivity.csv` and charts from its `runs.csv`
/// (`supportsim report DIR`), after checking `runs.csv` against the manifest.
pub fn report(dir: &Path, cancel: &Cancel) -> Result<()> {
    let mut folder = Folder::claim(dir)?;
    let Some(found) = read_manifest(dir)? else {
        return Err(Error::Usage(format!("{} is not a sweep folder", dir.display())));
    };
    let info = &found.info;
    if !found.marker.complete {
        return Err(Error::Usage(format!(
            "{} holds an unfinished sweep; finish it with `supportsim sweep SWEEP_FILE --out {} --resume` first",
            dir.display(),
            dir.display()
        )));
    }
    if info.shard != Shard::WHOLE {
        return Err(Error::Usage(format!(
            "{} is shard {}/{} of a sweep; merge the shards (supportsim merge), then report the merged folder",
            dir.display(),
            info.shard.index,
            info.shard.count
        )));
    }
    verify(dir, &found.marker, false)?;
    let stage = folder.stage()?;
    write_all(dir, stage.dir(), info, cancel)?;
    cancel.check()?;
    folder.commit(stage, Kind::Sweep, found.marker.value.clone(), Commit::Update, cancel)?;
    Ok(())
}

/// Merges complete shard folders of one sweep into `target`: the same files, byte for byte, as the sweep
/// run unsharded, except the manifest's provenance.
pub fn merge(
    dirs: &[PathBuf],
    target: Option<&Path>,
    force: bool,
    command_line: &[String],
    cancel: &Cancel,
) -> Result<PathBuf> {
    let started = std::time::Instant::now();
    let shards = read_shards(dirs)?;
    let mut info = shards[0].1.clone();
    info.shard = Shard::WHOLE;
    info.first_run = 0;
    info.end_run = info.total_runs();
    let target = target.map(Path::to_path_buf).unwrap_or_else(|| Path::new("output").join(&info.name));
    let mut folder = Folder::claim(&target)?;
    // Merging the same sweep again (a resubmitted Slurm job) replaces it; anything else needs --force.
    let same = read_manifest(&target)
        .ok()
        .flatten()
        .is_some_and(|f| f.info.fingerprint == info.fingerprint && f.info.shard == Shard::WHOLE && f.marker.complete);
    if !same {
        folder.allow(Kind::Sweep, force, false)?;
    }
    folder.check_replaceable(|_| true)?;
    folder.check_free(&["runs.csv", "sweep.toml", "points.csv", "sensitivity.csv", "charts/"])?;
    let stage = folder.stage()?;
    concatenate_rows(&shards, &csv_line(&info.header()), &stage.path("runs.csv"), cancel)?;
    let toml_src = shards[0].0.join("sweep.toml");
    fs::copy(&toml_src, stage.path("sweep.toml")).map_err(|e| Error::write(stage.path("sweep.toml"), e))?;
    write_all(stage.dir(), stage.dir(), &info, cancel)?;
    let extra = serde_json::json!({
        "merged_from": shards.iter().map(|(d, _)| d.display().to_string()).collect::<Vec<_>>(),
        "command_line": command_line,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    cancel.check()?;
    folder.commit(stage, Kind::Sweep, manifest(&info, true, &[], extra), Commit::Replace, cancel)?;
    Ok(target)
}

/// The finished shard folders `dirs`, each checked against its manifest, all of one sweep and one split, in
/// shard order, none missing and none twice.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, Info)>> {
    if dirs.is_empty() {
        return Err(Error::Usage("merge needs the shard folders to combine".into()));
    }
    let mut shards: Vec<(PathBuf, Info)> = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            return Err(Error::Usage(format!("{} does not exist or is not a folder", d.display())));
        }
        match read_manifest(d)? {
            None => {
                return Err(Error::Usage(format!("{} is not a sweep folder (no sweep manifest.json)", d.display())))
            }
            Some(f) if !f.marker.complete => {
                return Err(Error::Usage(format!(
                    "{} is not finished; run its shard again with --resume, then merge",
                    d.display()
                )))
            }
            Some(f) => {
                verify(d, &f.marker, false)?;
                shards.push((d.clone(), f.info))
            }
        }
    }
    let first = shards[0].1.clone();
    for (d, i) in &shards {
        if i.fingerprint != first.fingerprint {
            return Err(Error::Usage(format!(
                "{} and {} come from different sweeps (fingerprints {} and {}: another sweep file, scenario, seed or \
                 supportsim version); merge only shards of one sweep",
                shards[0].0.display(),
                d.display(),
                first.fingerprint,
                i.fingerprint
            )));
        }
        if i.shard.count != first.shard.count {
            return Err(Error::Usage(format!(
                "{} is shard {}/{} but {} is shard {}/{}; merge shards of one split",
                d.display(),
                i.shard.index,
                i.shard.count,
                shards[0].0.display(),
                first.shard.index,
                first.shard.count
            )));
        }
    }
    shards.sort_by_key(|(_, i)| i.shard.index);
    let n = first.shard.count;
    for k in 1..=n {
        let count = shards.iter().filter(|(_, i)| i.shard.index == k).count();
        if count == 0 {
            return Err(Error::Usage(format!("shard {k}/{n} is missing; merge needs all {n} shards")));
        }
        if count > 1 {
            return Err(Error::Usage(format!("shard {k}/{n} is given twice")));
        }
    }
    Ok(shards)
}

/// Writes `runs` from the shards' runs.csv, in shard order under one `header`, checking each shard's header
/// and its number of rows.
fn concatenate_rows(shards: &[(PathBuf, Info)], header: &[u8], runs: &Path, cancel: &Cancel) -> Result<()> {
    let mut out = std::io::BufWriter::new(File::create(runs).map_err(|e| Error::write(runs, e))?);
    out.write_all(header).map_err(|e| Error::write(runs, e))?;
    for (d, i) in shards {
        cancel.check()?;
        let p = d.join("runs.csv");
        let mut r = BufReader::new(crate::files::open_regular(&p)?);
        let mut line = Vec::new();
        r.read_until(b'\n', &mut line).map_err(|e| Error::read(&p, e))?;
        if line != header {
            return Err(Error::Usage(format!("{}: its header does not match the other shards'", p.display())));
        }
        let mut rows = 0;
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).map_err(|e| Error::read(&p, e))? == 0 {
                break;
            }
            out.write_all(&line).map_err(|e| Error::write(runs, e))?;
            rows += 1;
        }
        if rows != i.end_run - i.first_run {
            return Err(Error::Usage(format!(
                "{}: {rows} rows where the shard should have {}",
                p.display(),
                i.end_run - i.first_run
            )));
        }
    }
    out.flush().map_err(|e| Error::write(runs, e))?;
    drop(out);
    Ok(())
}
