//! Running a sweep into its output folder; resume, shards and merge.
//!
//! A sweep folder holds `manifest.json` (what the sweep is, its fingerprint, its shard, whether it is
//! complete), `sweep.toml` (a copy of the sweep file) and, while it runs, `runs.partial.csv`. When every
//! run of the folder's share is written the file becomes `runs.csv`; an unsharded sweep (or a merge) then
//! adds `points.csv`, `sensitivity.csv` and `charts/`. Rows are written in run order (point, then
//! replicate) whatever order runs finish in, one complete line at a time, so after a kill the file is a
//! prefix of the finished one plus at most one torn line, which `--resume` cuts off before going on.

use super::analysis;
use super::design::Plan;
use super::spec::{value_text, Sweep};
use crate::error::{Error, Result};
use crate::experiment::window_mean;
use crate::groups::Group;
use crate::metrics::METRICS;
use crate::output::{self, OutputDir};
use crate::sim::Runner;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Share `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("`{text}`: write K/N with 1 ≤ K ≤ N, as in --shard 3/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n) = (k.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }

    /// The runs of this share: a contiguous block, so shards concatenate in order.
    pub fn runs(&self, total: usize) -> std::ops::Range<usize> {
        let at = |k: usize| ((k as u128 * total as u128) / self.count as u128) as usize;
        at(self.index - 1)..at(self.index)
    }
}

/// One summarised output column of `runs.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// `level` (a sweep without events), or `baseline`, `scenario`, `effect` (a what-if sweep).
    pub quantity: String,
    pub metric: String,
    pub group: String,
}

impl Output {
    pub fn column(&self) -> String {
        if self.quantity == "level" {
            format!("{}.{}", self.metric, self.group)
        } else {
            format!("{}.{}.{}", self.quantity, self.metric, self.group)
        }
    }
}

/// A swept parameter as the output describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParameterInfo {
    pub path: String,
    /// Whether every value is a number (only those enter sensitivity indices).
    pub numeric: bool,
}

/// What a sweep folder holds, from its manifest: everything the analysis and a merge need, so neither has to
/// find the sweep file again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub name: String,
    /// Hash of everything that determines the results (the resolved base scenario, parameters, design,
    /// seed, replicates, summary, supportsim version).
    pub fingerprint: String,
    pub design: String,
    pub samples: usize,
    pub points: usize,
    pub replicates: u32,
    pub seed: u64,
    pub what_if: bool,
    pub window_days: u32,
    pub parameters: Vec<ParameterInfo>,
    pub outputs: Vec<Output>,
    pub shard: Shard,
    /// Runs of this folder: `first..end` of `points × replicates`.
    pub first_run: usize,
    pub end_run: usize,
}

impl Info {
    pub fn total_runs(&self) -> usize {
        self.points * self.replicates as usize
    }

    /// The header of `runs.csv`.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = vec!["point".into(), "replicate".into(), "seed".into()];
        h.extend(self.parameters.iter().map(|p| p.path.clone()));
        h.extend(self.outputs.iter().map(Output::column));
        h
    }

    /// The quantity sensitivity indices are computed on: effects for a what-if, levels otherwise.
    pub fn primary(&self) -> &'static str {
        if self.what_if {
            "effect"
        } else {
            "level"
        }
    }
}

/// FNV-1a, 64 bits: a stable hash for fingerprints (the same on every platform and version of Rust).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The outputs of a sweep, in column order: for each group and metric, the level or the three what-if
/// quantities.
pub fn outputs(sweep: &Sweep) -> Vec<Output> {
    let quantities: &[&str] = if sweep.what_if() { &["baseline", "scenario", "effect"] } else { &["level"] };
    let mut out = Vec::new();
    for g in &sweep.summary.groups {
        for m in &sweep.summary.metrics {
            for q in quantities {
                out.push(Output { quantity: q.to_string(), metric: m.clone(), group: g.clone() });
            }
        }
    }
    out
}

/// The description of a sweep's output for one shard.
pub fn info(sweep: &Sweep, plan: &Plan, shard: Shard) -> Info {
    let parameters: Vec<ParameterInfo> =
        sweep.parameters.iter().map(|p| ParameterInfo { path: p.path.clone(), numeric: p.domain.numeric() }).collect();
    let definition = serde_json::json!({
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": sweep.base_scenario,
        "design": sweep.design.name(),
        "samples": sweep.samples,
        "replicates": sweep.replicates,
        "seed": sweep.seed,
        "summary": sweep.summary,
        "parameters": sweep.parameters.iter().map(|p| serde_json::json!({
            "path": p.path,
            "domain": format!("{:?}", p.domain),
        })).collect::<Vec<_>>(),
    });
    let fingerprint = format!("{:016x}", fnv1a(definition.to_string().as_bytes()));
    let total = plan.len() * sweep.replicates as usize;
    let runs = shard.runs(total);
    Info {
        name: sweep.name.clone(),
        fingerprint,
        design: sweep.design.name().into(),
        samples: sweep.samples,
        points: plan.len(),
        replicates: sweep.replicates,
        seed: sweep.seed,
        what_if: sweep.what_if(),
        window_days: sweep.summary.window_days,
        parameters,
        outputs: outputs(sweep),
        shard,
        first_run: runs.start,
        end_run: runs.end,
    }
}

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

/// Runs one (point, replicate): its summary values in output order.
fn run_one(
    sweep: &Sweep,
    plan: &Plan,
    point: usize,
    replicate: u32,
    cancel: &Option<Arc<AtomicBool>>,
) -> Result<Option<(u64, Vec<f64>)>> {
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
    Ok(Some((seed, out)))
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
fn row_text(
    info_params: usize,
    point: usize,
    replicate: u32,
    seed: u64,
    values: &[toml::Value],
    outputs: &[f64],
) -> Vec<u8> {
    let mut fields: Vec<String> = Vec::with_capacity(3 + info_params + outputs.len());
    fields.push(point.to_string());
    fields.push(replicate.to_string());
    fields.push(seed.to_string());
    fields.extend(values.iter().map(value_text));
    fields.extend(outputs.iter().map(|x| output::num(*x)));
    csv_line(&fields)
}

/// A CSV line (quoted where needed) with its final newline.
pub fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record(fields).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

fn read_manifest(dir: &Path) -> Result<Option<(Info, bool)>> {
    let path = dir.join("manifest.json");
    let Ok(text) = fs::read_to_string(&path) else { return Ok(None) };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::Usage(format!("{}: not a readable manifest: {e}", path.display())))?;
    if v.get("kind").and_then(|k| k.as_str()) != Some("sweep") {
        return Ok(None);
    }
    let info: Info = serde_json::from_value(v["sweep"].clone())
        .map_err(|e| Error::Usage(format!("{}: not a sweep manifest this version can read: {e}", path.display())))?;
    let complete = v.get("complete").and_then(|c| c.as_bool()).unwrap_or(false);
    Ok(Some((info, complete)))
}

fn write_manifest(dir: &Path, info: &Info, complete: bool, extra: serde_json::Value) -> Result<()> {
    let mut m = serde_json::json!({
        "kind": "sweep",
        "complete": complete,
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": option_env!("SUPPORTSIM_GIT_COMMIT"),
        "sweep": info,
    });
    if let (Some(m), Some(e)) = (m.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    // Written beside and renamed, so a kill never leaves a torn manifest.
    let tmp = dir.join(".manifest.json.tmp");
    output::write_json(&tmp, &m)?;
    fs::rename(&tmp, dir.join("manifest.json")).map_err(|e| Error::write(dir.join("manifest.json"), e))
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

/// The default folder of a sweep (or of one of its shards).
pub fn default_dir(sweep: &Sweep, shard: Option<Shard>) -> PathBuf {
    let base = Path::new("output").join(&sweep.name);
    match shard {
        Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
        None => base,
    }
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
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Result<Option<(u64, Vec<f64>)>>)>();
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
        let mut pending: BTreeMap<usize, (u64, Vec<f64>)> = BTreeMap::new();
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
            while let Some((seed, values)) = pending.remove(&want) {
                let point = want / reps;
                let row = row_text(
                    info.parameters.len(),
                    point,
                    (want % reps) as u32,
                    seed,
                    &plan.values(sweep, point),
                    &values,
                );
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

/// True when `dir` holds a sweep (its manifest says so).
pub fn is_sweep_folder(dir: &Path) -> bool {
    matches!(read_manifest(dir), Ok(Some(_)))
}

/// Redraws a finished sweep folder's `points.csv`, `sensitivity.csv` and charts from its `runs.csv`
/// (`supportsim report DIR`).
pub fn report(dir: &Path) -> Result<()> {
    match read_manifest(dir)? {
        None => Err(Error::Usage(format!("{} is not a sweep folder", dir.display()))),
        Some((_, false)) => {
            Err(Error::Usage(format!("{} holds an unfinished sweep; finish it with --resume first", dir.display())))
        }
        Some((info, true)) if info.shard != Shard::WHOLE => Err(Error::Usage(format!(
            "{} is shard {}/{} of a sweep; merge the shards (supportsim merge), then report the merged folder",
            dir.display(),
            info.shard.index,
            info.shard.count
        ))),
        Some((info, true)) => analysis::write_all(dir, &info).map(|_| ()),
    }
}

/// Merges complete shard folders of one sweep into `target`: the same files, byte for byte, as the sweep
/// run unsharded, except the manifest's provenance.
pub fn merge(dirs: &[PathBuf], target: Option<&Path>, force: bool, command_line: &[String]) -> Result<PathBuf> {
    let started = std::time::Instant::now();
    if dirs.is_empty() {
        return Err(Error::Usage("merge needs the shard folders to combine".into()));
    }
    let mut shards: Vec<(PathBuf, Info)> = Vec::new();
    for d in dirs {
        match read_manifest(d)? {
            None => {
                return Err(Error::Usage(format!("{} is not a sweep folder (no sweep manifest.json)", d.display())))
            }
            Some((_, false)) => {
                return Err(Error::Usage(format!(
                    "{} is not finished; run its shard again with --resume, then merge",
                    d.display()
                )))
            }
            Some((info, true)) => shards.push((d.clone(), info)),
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
    let mut info = first.clone();
    info.shard = Shard::WHOLE;
    info.first_run = 0;
    info.end_run = info.total_runs();
    let target = target.map(Path::to_path_buf).unwrap_or_else(|| Path::new("output").join(&info.name));
    let dir = OutputDir::create(&target, force)?;
    let written = (|| -> Result<Vec<&'static str>> {
        let runs = dir.path("runs.csv");
        let mut out = std::io::BufWriter::new(File::create(&runs).map_err(|e| Error::write(&runs, e))?);
        let header = csv_line(&info.header());
        out.write_all(&header).map_err(|e| Error::write(&runs, e))?;
        for (d, i) in &shards {
            let p = d.join("runs.csv");
            let mut r = BufReader::new(File::open(&p).map_err(|e| Error::Read { path: p.clone(), source: e })?);
            let mut line = Vec::new();
            r.read_until(b'\n', &mut line).map_err(|e| Error::Read { path: p.clone(), source: e })?;
            if line != header {
                return Err(Error::Usage(format!("{}: its header does not match the other shards'", p.display())));
            }
            let mut rows = 0;
            loop {
                line.clear();
                if r.read_until(b'\n', &mut line).map_err(|e| Error::Read { path: p.clone(), source: e })? == 0 {
                    break;
                }
                out.write_all(&line).map_err(|e| Error::write(&runs, e))?;
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
        out.flush().map_err(|e| Error::write(&runs, e))?;
        drop(out);
        let toml_src = shards[0].0.join("sweep.toml");
        fs::copy(&toml_src, dir.path("sweep.toml")).map_err(|e| Error::write(dir.path("sweep.toml"), e))?;
        let mut files = vec!["manifest.json", "sweep.toml", "runs.csv"];
        files.extend(analysis::write_all(&dir.temp, &info)?);
        let extra = serde_json::json!({
            "merged_from": shards.iter().map(|(d, _)| d.display().to_string()).collect::<Vec<_>>(),
            "command_line": command_line,
            "wall_seconds": started.elapsed().as_secs_f64(),
            "files": files,
        });
        write_manifest(&dir.temp, &info, true, extra)?;
        Ok(files)
    })();
    let (_, path) = dir.finish(written)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_runs_into_contiguous_blocks_that_cover_each_run_once() {
        for total in 0..60 {
            for count in 1..12 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.runs(total);
                    assert_eq!(r.start, next, "total {total}, shard {index}/{count}");
                    assert!(r.len() <= total.div_ceil(count));
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/3", "4/3", "a/3", "3", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
