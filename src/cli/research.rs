//! The research commands: `calibrate` (fit parameters to real-world targets), `oat` (one-at-a-time
//! sensitivity of a what-if's headline effect), `sweep` and `merge` (parameter sweeps, sharded or not).

use super::args::{count_arg, replicates_arg, threads_arg};
use super::run::{apply_overrides, threads as capped_threads};
use super::{progress_bar, CommonRunArgs};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment;
use crate::output::{self, Commit, Kind};
use crate::scenario::Scenario;
use clap::Args;
use std::path::{Path, PathBuf};

pub(super) fn oat(
    path: &Path,
    vary: &[String],
    args: &CommonRunArgs,
    command_line: &[String],
    cancel: Cancel,
) -> Result<()> {
    use crate::sensitivity::{self, Variation};
    let mut scenario = Scenario::from_file(path)?;
    apply_overrides(&mut scenario, args)?;
    let threads = capped_threads(args.threads);
    if args.record_agents || args.record_every.is_some() || args.gzip {
        return Err(Error::Usage("--record-agents is not available with oat".into()));
    }
    let variations: Vec<Variation> = vary
        .iter()
        .map(|v| Variation::parse(v, &scenario).map_err(|m| Error::Usage(format!("--vary {m}"))))
        .collect::<Result<_>>()?;
    crate::sim::check_memory(&scenario, threads, args.force)?;
    let target = args.out.clone().unwrap_or_else(|| Path::new("output").join(format!("{}_oat", scenario.name)));
    let (mut folder, dir, _) = output::begin(&target, Kind::Oat, args.force, &["oat.csv", "report.html", "charts/"])?;
    let runs = 1 + 2 * variations.len();
    eprintln!(
        "supportsim oat: {} — {} what-ifs of {} replicates (the scenario's values, then each parameter low and high)",
        scenario.name, runs, scenario.run.replicates
    );
    let bar = progress_bar(runs, "what-ifs", args.quiet);
    let options = experiment::Options { threads, progress: None, cancel: cancel.clone() };
    let s = sensitivity::one_at_a_time(&scenario, &variations, &options, |k| bar.set_position(k as u64))?;
    bar.finish_and_clear();
    sensitivity::write_csv(&dir.path("oat.csv"), &s)?;
    let manifest = serde_json::json!({
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "command_line": command_line,
        "scenario_name": scenario.name,
        "seed": scenario.run.seed,
        "replicates": scenario.run.replicates,
        "scenario": scenario,
    });
    output::write_draft_manifest(&dir, Kind::Oat, &manifest)?;
    crate::report::oat::render(dir.dir(), dir.dir(), &cancel)?;
    cancel.check()?;
    folder.commit(dir, Kind::Oat, manifest, Commit::Replace, &cancel)?;
    let path = target;
    let fmt = |p: &sensitivity::Point| {
        format!(
            "{} ({} to {})",
            crate::metric_names::format_difference(&s.metric, p.difference, "pp"),
            crate::metric_names::format_difference(&s.metric, p.ci_low, "pp"),
            crate::metric_names::format_difference(&s.metric, p.ci_high, "pp")
        )
    };
    println!("headline: {} of {}, at the scenario's values {}", s.metric, s.group, fmt(&s.reference));
    println!("{:<30} {:>10} {:<32} {:>10} {:<32} {:>10}", "parameter", "low", "effect", "high", "effect", "swing");
    for r in &s.rows {
        println!(
            "{:<30} {:>10} {:<32} {:>10} {:<32} {:>10}",
            r.name,
            r.low.value,
            fmt(&r.low),
            r.high.value,
            fmt(&r.high),
            crate::metric_names::format_difference(&s.metric, r.swing(), "pp")
        );
    }
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The options of `supportsim calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Output folder (default: output/calibration/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores; at most the cores). Results are identical at any thread count.
    #[arg(long, value_parser = threads_arg, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Replace supportsim's earlier output of another kind in the output folder (never files it did not write).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not search: report the fit at the scenario's current values (check_replicates replicates).
    #[arg(long)]
    pub check: bool,
    /// Replicates for every evaluation and for the fit table (overrides the targets file's replicates and
    /// check_replicates): fewer for a quick look.
    #[arg(long, value_parser = replicates_arg, allow_negative_numbers = true)]
    pub replicates: Option<u32>,
}

pub(super) fn calibrate(targets: &Path, args: CalibrateArgs, command_line: &[String], cancel: Cancel) -> Result<()> {
    let mut cal = crate::calibrate::targets::load(targets)?;
    if let Some(r) = args.replicates {
        (cal.replicates, cal.check_replicates) = (r, r);
    }
    let out = args.out.unwrap_or_else(|| Path::new("output").join("calibration"));
    let threads = capped_threads(args.threads);
    // The folder is claimed (and locked) before hours of work, not after.
    let (folder, stage, _) =
        output::begin(&out, Kind::Calibration, args.force, &["fitted.toml", "fit.csv", "search.csv"])?;
    let check = args.check;
    eprintln!(
        "supportsim calibrate: {} targets, {} free parameters, {} of {} days",
        cal.targets.len(),
        cal.parameters.len(),
        if check {
            format!("checking the current values with {} replicates", cal.check_replicates)
        } else {
            format!("up to {} evaluations × {} replicates", cal.max_evaluations, cal.replicates)
        },
        cal.scenario.run.days
    );
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    let pool = builder.build().map_err(|e| Error::Usage(format!("cannot start {threads:?} threads: {e}")))?;
    let bar = progress_bar(cal.max_evaluations, "evaluations", args.quiet);
    let outcome = if check {
        bar.set_length(1);
        pool.install(|| cal.check(cancel.clone()))?
    } else {
        pool.install(|| cal.search(|done, _| bar.set_position(done as u64), cancel.clone()))?
    };
    bar.finish_and_clear();
    cancel.check()?;
    crate::calibrate::write(&cal, &outcome, folder, stage, command_line, &cancel)?;
    println!("{:<34} {:>10} {:>10} {:>22}  fit", "target", "value", "simulated", "95% interval");
    for (t, f) in cal.targets.iter().zip(&outcome.fits) {
        println!(
            "{:<34} {:>10.4} {:>10.4} {:>22}  {}",
            t.name,
            t.value,
            f.mean,
            format!("{:.4} – {:.4}", f.ci_low, f.ci_high),
            match (f.within(t), t.weight > 0.0) {
                (true, true) => "within tolerance",
                (false, true) => "OFF",
                (true, false) => "within tolerance (monitored, not fitted)",
                (false, false) => "OFF (monitored, not fitted)",
            }
        );
    }
    println!("{}", if check { "values checked (the scenario's own):" } else { "fitted values:" });
    for (p, v) in cal.parameters.iter().zip(&outcome.fitted) {
        println!("  {} = {v}", p.name);
    }
    eprintln!("wrote {} ({} evaluations, loss {:.3})", out.display(), outcome.history.len(), outcome.loss);
    Ok(())
}

/// The options of `supportsim sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    // A `help` rather than a doc comment: rustdoc would read `<sweep name>` as an HTML tag.
    #[arg(
        long,
        help = "Output folder (default: output/<sweep name>/, or output/<sweep name>/shard-K-of-N/ with --shard)"
    )]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores; at most the cores). Results are identical at any thread count.
    #[arg(long, value_parser = threads_arg, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Replicates per point (overrides the sweep file's replicates): fewer for a quick look.
    #[arg(long, value_parser = replicates_arg, allow_negative_numbers = true)]
    pub replicates: Option<u32>,
    /// Run only share K of N (1-based) of the runs; combine the shard folders with `supportsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Go on with an interrupted sweep in the output folder, skipping its finished runs.
    #[arg(long)]
    pub resume: bool,
    /// Start over in the output folder: replace its finished or interrupted sweep, or supportsim's output of
    /// another kind (never files supportsim did not write).
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Do not run: write an sbatch script that runs the sweep as a Slurm array job of --shards tasks
    /// and merges the shards in a dependent job.
    #[arg(long, value_name = "FILE")]
    pub slurm_script: Option<PathBuf>,
    /// Points of a random, lhs or Sobol design (overrides the sweep file's `points`): fewer for a quick look.
    #[arg(long, value_name = "N", value_parser = count_arg, allow_negative_numbers = true)]
    pub points: Option<usize>,
    /// Scale every point's town to N people, venues' capacities in proportion: a smaller town for a quick look.
    #[arg(long, value_name = "N", value_parser = count_arg, allow_negative_numbers = true)]
    pub agents: Option<usize>,
    /// Do not run: print the design's size, the runs and an estimate of the time and memory on this machine
    /// (from a short timed probe), and write the design's points to stdout as CSV.
    #[arg(long)]
    pub dry_run: bool,
    /// Number of array tasks (shards) for --slurm-script.
    #[arg(long, value_name = "N", requires = "slurm_script", value_parser = count_arg, allow_negative_numbers = true)]
    pub shards: Option<usize>,
    /// An extra `#SBATCH` option for --slurm-script, e.g. --sbatch=--partition=short. Repeat for more.
    #[arg(long, value_name = "OPTION", requires = "slurm_script", allow_hyphen_values = true)]
    pub sbatch: Vec<String>,
}

/// `sweep --dry-run`: the design's size and cost on this machine on stderr, its points as CSV on stdout.
fn dry_run(s: &crate::sweep::Sweep, threads: Option<usize>) -> Result<()> {
    use crate::sweep::estimate::{estimate, shown_duration, write_design};
    let threads = threads.unwrap_or_else(rayon::current_num_threads).max(1);
    let e = estimate(s, threads)?;
    eprintln!(
        "supportsim sweep --dry-run: {} — {} design, {} points × {} replicates = {} runs{}",
        s.name,
        s.design.name(),
        e.points,
        s.replicates,
        e.runs,
        if e.arms == 2 { " (each a pair of arms: baseline and scenario)" } else { "" }
    );
    eprintln!(
        "  {:.2e} agent-days; this machine steps {:.0} ns per agent-day on one thread (a {}-day probe) and builds a \
         town in {:.2} s",
        e.agent_days, e.ns_per_agent_day, 14, e.build_seconds
    );
    eprintln!(
        "  about {} on {threads} thread{}, and about {} MB of memory; the points follow on stdout",
        shown_duration(e.seconds),
        if threads == 1 { "" } else { "s" },
        (e.memory_bytes as f64 / 1e6).ceil()
    );
    let mut out = std::io::stdout().lock();
    write_design(s, &mut out).map_err(|e| Error::write("stdout", e))
}

pub(super) fn sweep(path: &Path, args: SweepArgs, command_line: &[String], cancel: Cancel) -> Result<()> {
    use crate::sweep::{self, Shard};
    let mut s = sweep::load(path)?;
    if let Some(r) = args.replicates {
        s.replicates = r;
    }
    if let Some(n) = args.points {
        s.set_points(n).map_err(|m| Error::Usage(format!("--points: {m}")))?;
    }
    if let Some(n) = args.agents {
        let n = u32::try_from(n).ok().filter(|n| (10..=10_000_000).contains(n));
        s.set_agents(n.ok_or_else(|| Error::Usage("--agents must be from 10 to 10000000".into()))?);
    }
    if args.dry_run {
        return dry_run(&s, capped_threads(args.threads));
    }
    let points = s.points();
    let runs = points * s.replicates as usize;
    let target = args.out.clone();
    if let Some(script) = &args.slurm_script {
        let n = args.shards.ok_or_else(|| Error::Usage("--slurm-script needs --shards N (the array tasks)".into()))?;
        if n > runs {
            return Err(Error::Usage(format!("--shards must be from 1 to the number of runs ({runs})")));
        }
        let out = target.unwrap_or_else(|| sweep::format::default_dir(&s, None));
        // Each task's limits: twice the estimate of its share of the runs on its CPUs, and 5 minutes to start.
        let cpus = args.threads.unwrap_or(1);
        let e = sweep::estimate::estimate(&s, cpus)?;
        let time_minutes = (2.0 * e.seconds / n as f64 / 60.0).ceil() as u64 + 5;
        let mem_mb = (2.0 * e.memory_bytes as f64 / 1e6).ceil() as u64 + 200;
        let mut overrides = Vec::new();
        let given = [
            ("--replicates", args.replicates.map(|v| v.to_string())),
            ("--points", args.points.map(|v| v.to_string())),
            ("--agents", args.agents.map(|v| v.to_string())),
        ];
        for (flag, value) in given {
            if let Some(v) = value {
                overrides.extend([flag.to_string(), v]);
            }
        }
        let job = sweep::slurm::Job {
            sweep_file: path,
            out: &out,
            shards: n,
            threads: args.threads,
            sbatch: &args.sbatch,
            time_minutes,
            mem_mb,
            overrides: &overrides,
        };
        sweep::slurm::write_script(script, &s, &job, args.force)?;
        eprintln!(
            "wrote {}: submit it with `bash {}` ({} array tasks of about {} runs each, then a merge into {})",
            script.display(),
            script.display(),
            n,
            runs.div_ceil(n),
            out.display()
        );
        return Ok(());
    }
    let shard =
        args.shard.as_deref().map(Shard::parse).transpose().map_err(|m| Error::Usage(format!("--shard {m}")))?;
    if let Some(k) = shard.filter(|k| k.count > runs) {
        return Err(Error::Usage(format!(
            "--shard {}/{}: the sweep has {runs} runs, so it splits into at most {runs} shards",
            k.index, k.count
        )));
    }
    let dir = target.unwrap_or_else(|| sweep::format::default_dir(&s, shard));
    let share = shard.unwrap_or(Shard::WHOLE).runs(runs);
    eprintln!(
        "supportsim sweep: {} — {} design, {} points × {} replicates = {} runs{}{}",
        s.name,
        s.design.name(),
        points,
        s.replicates,
        runs,
        match shard {
            Some(k) => format!("; shard {}/{} runs {} of them", k.index, k.count, share.len()),
            None => String::new(),
        },
        if s.what_if() { " (each a pair of arms: baseline and scenario)" } else { "" }
    );
    let options = sweep::RunOptions {
        threads: capped_threads(args.threads),
        shard,
        resume: args.resume,
        force: args.force,
        cancel,
        command_line: command_line.to_vec(),
    };
    let bar = progress_bar(0, "runs", args.quiet);
    let outcome = sweep::run_sweep(&s, &dir, &options, &mut |done, total, _row| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let outcome = outcome?;
    if outcome.complete_before {
        eprintln!("{} already holds this sweep, finished; nothing to do", dir.display());
    } else {
        eprintln!(
            "{} runs in {:.1} s{}; results in {}",
            outcome.runs,
            outcome.wall_seconds,
            if outcome.skipped > 0 {
                format!(" ({} found finished and skipped)", outcome.skipped)
            } else {
                String::new()
            },
            outcome.dir.display()
        );
    }
    if shard.is_none() {
        for line in crate::sweep::summary::summary(&outcome.dir) {
            println!("{line}");
        }
    }
    Ok(())
}
