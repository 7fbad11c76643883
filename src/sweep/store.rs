//! Running a sweep (or one shard of it) into its folder, and resuming one.
//!
//! Rows are written in run order (point, then replicate) whatever order runs finish in, one complete line at
//! a time, so after a kill the file is a prefix of the finished one plus at most one torn line, which
//! `--resume` cuts off before going on. The folder's format is in [`super::folder`].

use super::analysis;
use super::design::Plan;
use super::folder::{csv_line, info, read_manifest, write_manifest, Info, Shard};
use super::spec::{value_text, Sweep};
use crate::error::{Error, Result};
use crate::experiment::window_mean;
use crate::groups::Group;
use crate::metrics::METRICS;
use crate::output;
use crate::sim::Runner;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// How to run a sweep.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub threads: Option<usize>,
    pub shard: Option<Shard>,
    pub resume: bool,
    pub force: bool,
    pub quiet: bool,
    pub cancel: Option<Arc<AtomicBool>>,
    pub command_line: Vec<String>,
}

/// What a sweep did.
#[derive(Debug)]
pub struct Outcome {
    pub dir: PathBuf,
    pub runs: usize,
    /// Runs found finished in the folder and skipped (with `--resume`).
    pub skipped: usize,
    pub complete_before: bool,
    pub wall_seconds: f64,
}

fn cancelled(c: &Option<Arc<AtomicBool>>) -> bool {
    c.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
}

/// Runs one (point, replicate) and formats its row of `runs.csv`; `None` when cancelled.
fn run_one(
    sweep: &Sweep,
    plan: &Plan,
    point: usize,
    replicate: u32,
    cancel: &Option<Arc<AtomicBool>>,
) -> Result<Option<Vec<u8>>> {
    let values = plan.values(sweep, point);
    let mut s = sweep.scenario_at(&values).map_err(|p| point_error(sweep, point, &values, p))?;
    let seed = super::run_seed(sweep.seed, point, replicate);
    s.run.seed = seed;
    s.run.replicates = 1;
    let names: Vec<String> = Group::of(&s).into_iter().map(|g| g.name).collect();
    let index = |g: &String, m: &String| {
        (
            names.iter().position(|n| n == g).expect("summary groups are added to the scenario"),
            METRICS.iter().position(|x| x == m).expect("summary metrics are checked"),
        )
    };
    let mut out = Vec::new();
    if s.events.is_empty() {
        let r = Runner::new(&s, 0).with_cancel(cancel.clone()).finish(None);
        if cancelled(cancel) {
            return Ok(None);
        }
        for g in &sweep.summary.groups {
            for m in &sweep.summary.metrics {
                let (gi, mi) = index(g, m);
                out.push(window_mean(&r, &s, gi, mi));
            }
        }
    } else {
        let base_s = s.without_events();
        let fork_day = s.events.iter().map(|e| e.day).min().unwrap_or(0);
        let mut base = Runner::new(&base_s, 0).with_cancel(cancel.clone());
        base.advance_to(fork_day, None);
        let scen = base.fork(&s);
        let (b, x) = rayon::join(|| base.finish(None), || scen.finish(None));
        if cancelled(cancel) {
            return Ok(None);
        }
        for g in &sweep.summary.groups {
            for m in &sweep.summary.metrics {
                let (gi, mi) = index(g, m);
                let (vb, vs) = (window_mean(&b, &s, gi, mi), window_mean(&x, &s, gi, mi));
                out.extend([vb, vs, vs - vb]);
            }
        }
    }
    Ok(Some(row_text(point, replicate, seed, &values, &out)))
}

fn point_error(sweep: &Sweep, point: usize, values: &[toml::Value], problems: crate::error::Problems) -> Error {
    let set: Vec<String> =
        sweep.parameters.iter().zip(values).map(|(p, v)| format!("{} = {}", p.path, value_text(v))).collect();
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
    fields.extend(outputs.iter().map(|x| output::num(*x)));
    csv_line(&fields)
}

/// Reads the finished rows of `runs.partial.csv`: checks the header, keeps complete rows that are the
/// expected runs in order, and cuts the file after the last of them. Returns how many runs are done.
fn recover_rows(path: &Path, info: &Info) -> Result<usize> {
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
    let mut keep = header.len();
    let mut done = 0usize;
    let reps = info.replicates as usize;
    for line in bytes[header.len()..].split_inclusive(|b| *b == b'\n') {
        if !line.ends_with(b"\n") {
            break; // a torn last line
        }
        let run = info.first_run + done;
        let prefix = format!("{},{},", run / reps, run % reps);
        if run >= info.end_run || !line.starts_with(prefix.as_bytes()) {
            break;
        }
        let fields = line.iter().filter(|b| **b == b',').count() + 1;
        if fields < info.header().len() {
            break;
        }
        keep += line.len();
        done += 1;
    }
    file.set_len(keep as u64).map_err(|e| Error::write(path, e))?;
    file.seek(std::io::SeekFrom::End(0)).map_err(|e| Error::write(path, e))?;
    Ok(done)
}

/// Runs a sweep (or one shard of it) into `dir`.
pub fn run(sweep: &Sweep, dir: &Path, options: &RunOptions) -> Result<Outcome> {
    let started = std::time::Instant::now();
    let plan = Plan::new(sweep);
    let shard = options.shard.unwrap_or(Shard::WHOLE);
    let info = info(sweep, &plan, shard);
    let partial = dir.join("runs.partial.csv");

    // What is in the folder already?
    let existing = if dir.exists() {
        if !dir.is_dir() {
            return Err(Error::Usage(format!("{} exists and is not a folder", dir.display())));
        }
        let empty = fs::read_dir(dir).map_err(|e| Error::write(dir, e))?.next().is_none();
        if empty {
            None
        } else if options.force {
            fs::remove_dir_all(dir).map_err(|e| Error::write(dir, e))?;
            None
        } else {
            match read_manifest(dir)? {
                None => {
                    return Err(Error::Usage(format!(
                        "{} is not empty and holds no sweep; choose another --out or pass --force to replace it",
                        dir.display()
                    )))
                }
                Some((old, complete)) => {
                    if old.fingerprint != info.fingerprint || old.shard != info.shard {
                        return Err(Error::Usage(format!(
                            "{} holds a different sweep (or shard); choose another --out or pass --force to replace it",
                            dir.display()
                        )));
                    }
                    if !options.resume {
                        return Err(Error::Usage(if complete {
                            format!("{} holds this sweep, finished; pass --force to run it again", dir.display())
                        } else {
                            format!(
                                "{} holds this sweep, interrupted; pass --resume to go on, or --force to start over",
                                dir.display()
                            )
                        }));
                    }
                    Some(complete)
                }
            }
        }
    } else {
        None
    };
    if existing == Some(true) {
        return Ok(Outcome {
            dir: dir.to_path_buf(),
            runs: 0,
            skipped: info.end_run - info.first_run,
            complete_before: true,
            wall_seconds: 0.0,
        });
    }

    // Every point's scenario must be valid before anything runs (parameters interact: a closure day and a
    // run length, say).
    let points = {
        let reps = sweep.replicates as usize;
        let first = info.first_run / reps;
        let end = info.end_run.div_ceil(reps);
        first..end
    };
    {
        use rayon::prelude::*;
        let bad = points.clone().into_par_iter().find_first(|p| sweep.scenario_at(&plan.values(sweep, *p)).is_err());
        if let Some(p) = bad {
            let values = plan.values(sweep, p);
            let problems = sweep.scenario_at(&values).expect_err("found above");
            return Err(point_error(sweep, p, &values, problems));
        }
    }

    fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut skipped = 0;
    let mut file = if existing == Some(false) && partial.exists() {
        skipped = recover_rows(&partial, &info)?;
        OpenOptions::new().append(true).open(&partial).map_err(|e| Error::write(&partial, e))?
    } else {
        let mut f = File::create(&partial).map_err(|e| Error::write(&partial, e))?;
        f.write_all(&csv_line(&info.header())).map_err(|e| Error::write(&partial, e))?;
        f
    };
    fs::write(dir.join("sweep.toml"), &sweep.text).map_err(|e| Error::write(dir.join("sweep.toml"), e))?;
    let provenance = |wall: f64| {
        serde_json::json!({
            "sweep_file": sweep.file.display().to_string(),
            "scenario_file": sweep.scenario_path.display().to_string(),
            "command_line": options.command_line,
            "wall_seconds": wall,
        })
    };
    write_manifest(dir, &info, false, provenance(0.0))?;

    let todo = info.first_run + skipped..info.end_run;
    let n_todo = todo.len();
    let bar = super::super::cli::progress_bar(n_todo, "runs", options.quiet);
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
        let (next, stop, pool, plan) = (&next, &stop, &pool, &plan);
        scope.spawn(move || {
            pool.broadcast(|_| {
                let tx = tx.clone();
                loop {
                    if stop.load(Ordering::Relaxed) || cancelled(&options.cancel) {
                        break;
                    }
                    let j = next.fetch_add(1, Ordering::Relaxed);
                    if j >= todo.end {
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
        let mut want = info.first_run + skipped;
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
                    failure.get_or_insert(Error::write(&partial, e));
                    break;
                }
                written += 1;
                bar.inc(1);
                want += 1;
            }
        }
    });
    bar.finish_and_clear();
    drop(file);
    let wall = started.elapsed().as_secs_f64();
    if let Some(e) = failure {
        write_manifest(dir, &info, false, provenance(wall))?;
        return Err(e);
    }
    if skipped + written < info.end_run - info.first_run {
        write_manifest(dir, &info, false, provenance(wall))?;
        return Err(Error::SweepInterrupted {
            dir: dir.to_path_buf(),
            done: skipped + written,
            total: info.end_run - info.first_run,
        });
    }
    let runs_csv = dir.join("runs.csv");
    fs::rename(&partial, &runs_csv).map_err(|e| Error::write(&runs_csv, e))?;
    let mut files = vec!["manifest.json", "sweep.toml", "runs.csv"];
    if shard == Shard::WHOLE {
        files.extend(analysis::write_all(dir, &info)?);
    }
    let mut extra = provenance(wall);
    extra["files"] = serde_json::json!(files);
    write_manifest(dir, &info, true, extra)?;
    Ok(Outcome { dir: dir.to_path_buf(), runs: written, skipped, complete_before: false, wall_seconds: wall })
}
