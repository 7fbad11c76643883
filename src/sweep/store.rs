//! Running a sweep (or one shard of it) into its folder, and resuming one.
//!
//! Rows are written in run order (point, then replicate) whatever order runs finish in, one complete line at
//! a time, so after a kill the file is a prefix of the finished one plus at most one torn line, which
//! `--resume` cuts off before going on. Every kept row is checked: its point, replicate, seed and parameter
//! values are a function of the sweep, so a row that is not the run it claims to be is not kept. The
//! folder's format is in [`super::format`](mod@super::format).

use super::design::Plan;
use super::finished::write_all;
use super::format::{self, csv_line, info, read_manifest, Info, Shard};
use super::spec::{value_text, Sweep};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::window_mean;
use crate::metric_names::METRICS;
use crate::output::manifest::{self, FileRecord};
use crate::output::{Commit, Folder, Kind};
use crate::sim::Runner;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How to run a sweep.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub threads: Option<usize>,
    pub shard: Option<Shard>,
    pub resume: bool,
    pub force: bool,
    pub cancel: Cancel,
    pub command_line: Vec<String>,
}

/// What a sweep did.
#[derive(Debug)]
pub struct SweepResult {
    pub dir: PathBuf,
    pub runs: usize,
    /// Runs found finished in the folder and skipped (with `--resume`).
    pub skipped: usize,
    pub complete_before: bool,
    pub wall_seconds: f64,
}

/// Runs one (point, replicate) and formats its row of `runs.csv`; `None` when cancelled.
fn run_one(sweep: &Sweep, plan: &Plan, point: usize, replicate: u32, cancel: &Cancel) -> Result<Option<Vec<u8>>> {
    let values = plan.values(sweep, point);
    let mut s = sweep.scenario_at(&values).map_err(|p| point_error(sweep, point, &values, p))?;
    let seed = super::run_seed(sweep.seed, point, replicate);
    s.run.seed = seed;
    s.run.replicates = 1;
    let names: Vec<String> = s.groups().into_iter().map(|g| g.name).collect();
    // Each summary output's (group, metric) index; `scenario_at` checked that every group is reported.
    let mut columns = Vec::new();
    for g in &sweep.summary.groups {
        for m in &sweep.summary.metrics {
            let (Some(gi), Some(mi)) = (names.iter().position(|n| n == g), METRICS.iter().position(|x| x == m)) else {
                return Err(Error::Usage(format!(
                    "{}: point {point}: the summary's {g} {m} is not reported there",
                    sweep.file.display()
                )));
            };
            columns.push((gi, mi));
        }
    }
    let mut out = Vec::new();
    if s.events.is_empty() {
        let r = Runner::new(&s, 0).with_cancel(cancel.clone()).finish(None);
        if cancel.requested() {
            return Ok(None);
        }
        for &(gi, mi) in &columns {
            out.push(window_mean(&r, &s, gi, mi));
        }
    } else {
        let base_s = s.without_events();
        let fork_day = s.events.iter().map(|e| e.day).min().unwrap_or(0);
        let mut base = Runner::new(&base_s, 0).with_cancel(cancel.clone());
        base.advance_to(fork_day, None);
        let scen = base.fork(&s);
        let (b, x) = rayon::join(|| base.finish(None), || scen.finish(None));
        if cancel.requested() {
            return Ok(None);
        }
        for &(gi, mi) in &columns {
            let (vb, vs) = (window_mean(&b, &s, gi, mi), window_mean(&x, &s, gi, mi));
            out.extend([vb, vs, vs - vb]);
        }
    }
    Ok(Some(row_text(point, replicate, seed, &values, &out)))
}

/// The fields every row of run `run` starts with: point, replicate, seed and the parameters' values.
fn row_key(sweep: &Sweep, plan: &Plan, info: &Info, run: usize) -> Vec<String> {
    let reps = info.replicates as usize;
    let (point, replicate) = (run / reps, (run % reps) as u32);
    let mut key =
        vec![point.to_string(), replicate.to_string(), super::run_seed(sweep.seed, point, replicate).to_string()];
    key.extend(plan.values(sweep, point).iter().map(value_text));
    key
}

fn point_error(sweep: &Sweep, point: usize, values: &[toml::Value], problems: crate::error::Problems) -> Error {
    let set: Vec<String> = sweep
        .parameters
        .iter()
        .zip(values)
        .map(|(p, v)| format!("{} = {}", p.path, super::spec::value_shown(v)))
        .collect();
    Error::Usage(format!(
        "{}: point {point} ({}) makes the scenario invalid:\n{}",
        sweep.file.display(),
        set.join(", "),
        problems
    ))
}

/// One row of `runs.csv`, with its final newline.
fn row_text(point: usize, replicate: u32, seed: u64, values: &[toml::Value], outputs: &[f64]) -> Vec<u8> {
    let mut fields: Vec<String> = Vec::with_capacity(3 + values.len() + outputs.len());
    fields.push(point.to_string());
    fields.push(replicate.to_string());
    fields.push(seed.to_string());
    fields.extend(values.iter().map(value_text));
    fields.extend(outputs.iter().map(|x| crate::output::num(*x)));
    csv_line(&fields)
}

/// Reads the finished rows of `runs.partial.csv`: checks the header, keeps the complete rows that are the
/// expected runs in order (each row's point, replicate, seed and parameter values as the sweep gives them,
/// and one number or nothing in each output column), and cuts the file after the last of them. Returns how
/// many runs are done.
fn recover_rows(path: &Path, sweep: &Sweep, plan: &Plan, info: &Info) -> Result<usize> {
    let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(|e| Error::write(path, e))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(|e| Error::write(path, e))?;
    let header = csv_line(&info.header());
    if !bytes.starts_with(&header) {
        return Err(Error::Usage(format!(
            "{}: its header does not match this sweep's; the folder holds other results (use --force to start over)",
            path.display()
        )));
    }
    let width = info.header().len();
    let mut keep = header.len();
    let mut done = 0usize;
    for line in bytes[header.len()..].split_inclusive(|b| *b == b'\n') {
        let run = info.first_run + done;
        if !line.ends_with(b"\n") || run >= info.end_run {
            break; // a torn last line, or more rows than the share has
        }
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line);
        let Some(Ok(record)) = reader.records().next() else { break };
        let key = row_key(sweep, plan, info, run);
        let fields_ok = record.len() == width
            && record.iter().zip(&key).all(|(got, want)| got == want)
            && record.iter().skip(key.len()).all(|f| f.is_empty() || f.parse::<f64>().is_ok());
        if !fields_ok {
            break;
        }
        keep += line.len();
        done += 1;
    }
    file.set_len(keep as u64).map_err(|e| Error::write(path, e))?;
    file.seek(std::io::SeekFrom::End(0)).map_err(|e| Error::write(path, e))?;
    Ok(done)
}

/// The error for a file in a sweep's folder that supportsim did not write, where it would write its own.
fn not_ours(dir: &Path, file: &str) -> Error {
    Error::Usage(format!(
        "{} holds {file}, which supportsim did not write, where it would write its own; move it away or choose \
         another --out",
        dir.display()
    ))
}

/// How a sweep starts in its folder.
enum Start {
    /// Nothing of this sweep is there.
    Fresh,
    /// Some runs are there (in `runs.partial.csv`, or all of them in `runs.csv`).
    Resume,
    /// Finished, and every file is as it was written.
    Finished,
}

/// Decides how a sweep starts in the claimed folder, clearing it when starting over; refuses what the
/// options do not allow. On `--resume` a finished folder whose `runs.csv` no longer matches its checksum
/// is resumed from its rows that still check out, and one whose other files do not match is analysed again.
fn start(folder: &mut Folder, info: &Info, options: &RunOptions) -> Result<Start> {
    let dir = folder.dir().to_path_buf();
    // What a sweep writes in place may only be a regular file supportsim listed; checked before anything is
    // cleared or renamed. An unlisted runs.csv is supportsim's only in the moment between finishing
    // runs.partial.csv and listing it under its new name.
    let listed = |f: &str| folder.marker().is_some_and(|m| m.record(f).is_some());
    let renamed = listed("runs.partial.csv") && !dir.join("runs.partial.csv").exists();
    for file in ["sweep.toml", "runs.partial.csv", "runs.csv"] {
        let Ok(meta) = fs::symlink_metadata(dir.join(file)) else { continue };
        if !meta.is_file() || !(listed(file) || (file == "runs.csv" && renamed)) {
            return Err(not_ours(&dir, file));
        }
    }
    let Some(found) = read_manifest(&dir)? else {
        if folder.marker().is_some() {
            // supportsim's output of another kind.
            folder.allow(Kind::Sweep, options.force, false)?;
            folder.clear(Kind::Sweep)?;
        }
        return Ok(Start::Fresh);
    };
    if options.force {
        folder.clear(Kind::Sweep)?;
        return Ok(Start::Fresh);
    }
    if found.info.fingerprint != info.fingerprint || found.info.shard != info.shard {
        return Err(Error::Usage(format!(
            "{} holds a different sweep (or shard); choose another --out or pass --force to replace it",
            dir.display()
        )));
    }
    if !options.resume {
        return Err(Error::Usage(if found.marker.complete {
            format!("{} holds this sweep, finished; pass --force to run it again", dir.display())
        } else {
            format!("{} holds this sweep, interrupted; pass --resume to go on, or --force to start over", dir.display())
        }));
    }
    let runs_csv = dir.join("runs.csv");
    let record = found.marker.record("runs.csv");
    let runs_ok = record.is_some_and(|r| manifest::verify(&dir, r, true).is_ok());
    if runs_csv.is_file() && !runs_ok {
        // runs.csv was cut or changed (or never made it into the manifest): go on from its rows that are
        // still the sweep's runs, in runs.partial.csv, listed before it is there.
        if record.is_some() {
            eprintln!(
                "supportsim: {} does not match its manifest (cut short or changed); keeping its rows that \
                 check out and running the rest",
                runs_csv.display()
            );
        }
        let mut value = found.marker.value.clone();
        let mut files = found.marker.files.clone();
        files.retain(|f| f.path != "runs.csv" && f.path != "runs.partial.csv");
        files.push(FileRecord::path_only("runs.partial.csv"));
        value["complete"] = false.into();
        value["files"] = serde_json::to_value(&files).expect("file records serialise");
        folder.write_manifest(&value)?;
        let to = dir.join("runs.partial.csv");
        fs::rename(&runs_csv, &to).map_err(|e| Error::write(&to, e))?;
        return Ok(Start::Resume);
    }
    if found.marker.complete && format::verify(&dir, &found.marker, true).is_ok() {
        return Ok(Start::Finished);
    }
    Ok(Start::Resume)
}

/// Every point of the share has a valid scenario, checked before anything is written (parameters interact:
/// a closure day and a run length, say); the error names the first point that does not.
fn check_points(sweep: &Sweep, plan: &Plan, info: &Info, cancel: &Cancel) -> Result<()> {
    use rayon::prelude::*;
    let reps = sweep.replicates as usize;
    let points = info.first_run / reps..info.end_run.div_ceil(reps);
    let bad = points
        .into_par_iter()
        .find_first(|p| cancel.requested() || sweep.scenario_at(&plan.values(sweep, *p)).is_err());
    cancel.check()?;
    if let Some(p) = bad {
        let values = plan.values(sweep, p);
        let problems = sweep.scenario_at(&values).expect_err("found above");
        return Err(point_error(sweep, p, &values, problems));
    }
    Ok(())
}

/// Runs a sweep (or one shard of it) into `dir`, calling `progress(done, total, row)` as each of the runs it
/// has to do is written (`row`: its line of `runs.csv`; empty in the first call, before any run).
pub fn run_sweep(
    sweep: &Sweep,
    dir: &Path,
    options: &RunOptions,
    progress: &mut dyn FnMut(usize, usize, &[u8]),
) -> Result<SweepResult> {
    let started = std::time::Instant::now();
    let plan = Plan::new(sweep);
    let shard = options.shard.unwrap_or(Shard::WHOLE);
    let info = info(sweep, &plan, shard);
    let share = info.end_run - info.first_run;
    let partial = dir.join("runs.partial.csv");
    let runs_csv = dir.join("runs.csv");

    check_points(sweep, &plan, &info, &options.cancel)?;

    let mut folder = Folder::claim(dir)?;
    let unfinished =
        |files: &[FileRecord], wall: f64| format::manifest(&info, false, files, provenance(sweep, options, wall));
    let mut skipped = 0;
    match start(&mut folder, &info, options)? {
        Start::Finished => {
            return Ok(SweepResult {
                dir: dir.to_path_buf(),
                runs: 0,
                skipped: share,
                complete_before: true,
                wall_seconds: 0.0,
            })
        }
        Start::Resume if runs_csv.is_file() => skipped = share, // every run is there; only the analysis is not
        Start::Resume if partial.is_file() => skipped = recover_rows(&partial, sweep, &plan, &info)?,
        Start::Resume | Start::Fresh => {}
    }
    // What the manifest lists while the sweep runs: the files of an earlier attempt (an analysis it drew,
    // say) stay listed, so they remain supportsim's to replace.
    let earlier: Vec<FileRecord> = folder.marker().map(|m| m.files.clone()).unwrap_or_default();
    let listing = |files: Vec<FileRecord>| -> Vec<FileRecord> {
        let mut all: Vec<FileRecord> =
            earlier.iter().filter(|e| !files.iter().any(|f| f.path == e.path)).cloned().collect();
        all.extend(files);
        all
    };
    let running = || listing(["manifest.json", "sweep.toml", "runs.partial.csv"].map(FileRecord::path_only).to_vec());
    // Nothing of the earlier attempt that will be replaced (its analysis; the copy of the sweep file, when
    // rows are still to be written or moved) may have been changed since supportsim wrote it: checked before
    // hours of runs.
    let rewrites_toml = skipped < share || partial.is_file();
    folder.check_replaceable(|p| format::is_analysis(p) || (rewrites_toml && p == "sweep.toml"))?;
    let mut wall = 0.0;
    if rewrites_toml {
        // The manifest lists what is written before it is written, so a kill leaves a folder a rerun cleans.
        folder.write_manifest(&unfinished(&running(), 0.0))?;
        fs::write(dir.join("sweep.toml"), &sweep.text).map_err(|e| Error::write(dir.join("sweep.toml"), e))?;
    }
    if skipped < share {
        if skipped == 0 {
            let mut f = File::create(&partial).map_err(|e| Error::write(&partial, e))?;
            f.write_all(&csv_line(&info.header())).map_err(|e| Error::write(&partial, e))?;
        }
        let written = run_rows(sweep, &plan, &info, skipped, &partial, options, progress)?;
        wall = started.elapsed().as_secs_f64();
        if skipped + written < share {
            folder.write_manifest(&unfinished(&running(), wall))?;
            return Err(Error::SweepInterrupted { dir: dir.to_path_buf(), done: skipped + written, total: share });
        }
    }
    if partial.is_file() {
        // Every run's row is in runs.partial.csv (now, or since a kill just before this step).
        fs::rename(&partial, &runs_csv).map_err(|e| Error::write(&runs_csv, e))?;
        let files = listing(vec![
            FileRecord::path_only("manifest.json"),
            manifest::record(dir, "sweep.toml")?,
            manifest::record(dir, "runs.csv")?,
        ]);
        folder.write_manifest(&unfinished(&files, wall))?;
    }
    let wall = commit(folder, &info, sweep, options, started)?;
    Ok(SweepResult {
        dir: dir.to_path_buf(),
        runs: share - skipped,
        skipped,
        complete_before: false,
        wall_seconds: wall,
    })
}

/// What the manifest records of the sweep's making besides its files.
fn provenance(sweep: &Sweep, options: &RunOptions, wall: f64) -> serde_json::Value {
    serde_json::json!({
        "sweep_file": sweep.file.display().to_string(),
        "scenario_file": sweep.scenario_path.display().to_string(),
        "command_line": options.command_line,
        "wall_seconds": wall,
    })
}

/// Every run is in runs.csv: the analysis (for a whole sweep) goes through a stage, and the commit marks the
/// folder complete. Returns the wall time of the whole sweep.
fn commit(
    mut folder: Folder,
    info: &Info,
    sweep: &Sweep,
    options: &RunOptions,
    started: std::time::Instant,
) -> Result<f64> {
    let stage = folder.stage()?;
    if info.shard == Shard::WHOLE {
        write_all(folder.dir(), stage.dir(), info, &options.cancel)?;
    }
    options.cancel.check()?;
    let wall = started.elapsed().as_secs_f64();
    let mut value = folder
        .marker()
        .map(|m| m.value.clone())
        .unwrap_or_else(|| format::manifest(info, false, &[], provenance(sweep, options, wall)));
    if let (Some(obj), serde_json::Value::Object(p)) = (value.as_object_mut(), provenance(sweep, options, wall)) {
        obj.extend(p);
    }
    folder.commit(stage, Kind::Sweep, value, Commit::Update, &options.cancel)?;
    Ok(wall)
}

/// Runs the share's runs from `first_done` on, appending their rows to `partial` in run order; returns how
/// many it wrote (fewer than asked when stopped).
fn run_rows(
    sweep: &Sweep,
    plan: &Plan,
    info: &Info,
    skipped: usize,
    partial: &Path,
    options: &RunOptions,
    progress: &mut dyn FnMut(usize, usize, &[u8]),
) -> Result<usize> {
    let mut file = OpenOptions::new().append(true).open(partial).map_err(|e| Error::write(partial, e))?;
    let todo = info.first_run + skipped..info.end_run;
    let total = todo.len();
    progress(0, total, &[]);
    let next = AtomicUsize::new(todo.start);
    let stop = AtomicBool::new(false);
    let threads = options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Option<Vec<u8>>>)>();
    let reps = sweep.replicates as usize;
    let mut written = 0usize;
    let mut failure: Option<Error> = None;
    std::thread::scope(|scope| {
        let (next, stop, pool) = (&next, &stop, &pool);
        let todo_end = todo.end;
        scope.spawn(move || {
            pool.broadcast(|_| {
                let tx = tx.clone();
                loop {
                    if stop.load(Ordering::Relaxed) || options.cancel.requested() {
                        break;
                    }
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if j >= todo_end {
                        break;
                    }
                    let result = run_one(sweep, plan, j / reps, (j % reps) as u32, &options.cancel);
                    if tx.send((j, result)).is_err() {
                        break;
                    }
                }
            });
            drop(tx);
        });
        // Write rows in run order; runs that finish early wait in `pending`.
        let mut pending: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
        let mut want = todo.start;
        for (j, result) in rx {
            match result {
                Ok(Some(r)) => {
                    pending.insert(j, r);
                }
                Ok(None) => {}
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    failure.get_or_insert(e);
                }
            }
            while let Some(row) = pending.remove(&want) {
                if let Err(e) = file.write_all(&row).and_then(|_| file.flush()) {
                    stop.store(true, Ordering::Relaxed);
                    failure.get_or_insert(Error::write(partial, e));
                    break;
                }
                written += 1;
                progress(written, total, &row);
                want += 1;
            }
        }
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(written),
    }
}
