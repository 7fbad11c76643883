//! The command line: `run`, `compare`, `validate`, `report`, `params`, and the embedded default what-if when no
//! command is given; `research` holds `calibrate` and `oat`.
//! Parses arguments with clap, calls the library, prints results; `main` maps errors to exit code 2.

mod compare;
mod research;

use crate::error::{Error, Result};
use crate::experiment::{self, Experiment};
use crate::metrics::METRICS;
use crate::output::{self, AgentRecorder, OutputDir, Provenance};
use crate::params::PARAM_SPECS;
use crate::scenario::{Origin, Scenario};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "supportsim",
    version,
    about = "Agent-based simulator of community support ecology for people with long-term mental-health challenges",
    long_about = "Agent-based simulator of community support ecology. Without a command it runs the embedded \
                  default what-if (a budget cut closes the north district's meeting place) and writes \
                  output/venue_closure/."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run a scenario: all replicates, both arms if it has events; writes an output folder.
    Run(RunArgs),
    /// Compare several what-ifs on the same baseline and seeds: side-by-side effects and a ranking.
    Compare {
        /// Scenario files that extend the same town and differ only in their events.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonRunArgs,
    },
    /// Check scenario files and report every problem at once (exit code 2 if any).
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Re-render charts/ and report.html from a saved output folder, without simulating (for a sweep
    /// folder: charts/, points.csv and sensitivity.csv from runs.csv).
    Report {
        /// An output folder written by `supportsim run`, `compare` or `sweep`/`merge`.
        dir: PathBuf,
    },
    /// Fit uncertain parameters to real-world targets; writes fitted.toml, fit.csv and search.csv.
    Calibrate {
        /// Targets file (see docs/validation.md), e.g. calibration/targets.toml.
        targets: PathBuf,
        /// Output folder (default: output/calibration/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results are identical at any thread count.
        #[arg(long)]
        threads: Option<usize>,
        /// Replace a non-empty output folder even if supportsim did not write it.
        #[arg(long)]
        force: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Do not search: report the fit at the scenario's current values (check_replicates replicates).
        #[arg(long)]
        check: bool,
    },
    /// One-at-a-time sensitivity of a what-if's headline effect: reruns it with each named parameter low and
    /// high; writes oat.csv.
    Oat {
        /// A scenario with events (a what-if).
        scenario: PathBuf,
        /// A parameter to vary: NAME (half and 1.5 times its value) or NAME=LOW,HIGH. Repeat for more.
        #[arg(long, required = true, value_name = "NAME[=LOW,HIGH]")]
        vary: Vec<String>,
        #[command(flatten)]
        common: CommonRunArgs,
    },
    /// Run a parameter sweep (grid, random, Latin hypercube or Sobol design) over points × replicates;
    /// writes runs.csv as runs finish, then points.csv, sensitivity.csv and charts (docs/sweeps.md).
    Sweep {
        /// Sweep file (see docs/sweeps.md), e.g. sweeps/closure_cafe.toml.
        sweep: PathBuf,
        // A `help` rather than a doc comment: rustdoc would read `<sweep name>` as an HTML tag.
        #[arg(
            long,
            help = "Output folder (default: output/<sweep name>/, or output/<sweep name>/shard-K-of-N/ with --shard)"
        )]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores). Results are identical at any thread count.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only share K of N (1-based) of the runs; combine the shard folders with `supportsim merge`.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Go on with an interrupted sweep in the output folder, skipping its finished runs.
        #[arg(long)]
        resume: bool,
        /// Replace the output folder (a finished or interrupted sweep, or a folder supportsim did not write).
        #[arg(long)]
        force: bool,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Do not run: write an sbatch script that runs the sweep as a Slurm array job of --shards tasks
        /// and merges the shards in a dependent job.
        #[arg(long, value_name = "FILE")]
        slurm_script: Option<PathBuf>,
        /// Number of array tasks (shards) for --slurm-script.
        #[arg(long, value_name = "N", requires = "slurm_script")]
        shards: Option<usize>,
        /// An extra `#SBATCH` option for --slurm-script, e.g. --sbatch=--partition=short. Repeat for more.
        #[arg(long, value_name = "OPTION", requires = "slurm_script", allow_hyphen_values = true)]
        sbatch: Vec<String>,
    },
    /// Combine the finished shard folders of one sweep into the folder the unsharded sweep would have written.
    Merge {
        /// Shard folders written by `supportsim sweep --shard K/N`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long, help = "Output folder (default: output/<sweep name>/)")]
        out: Option<PathBuf>,
        /// Replace a non-empty output folder even if supportsim did not write it.
        #[arg(long)]
        force: bool,
    },
    /// List every model parameter with its default, unit, valid range and source.
    Params {
        /// Print a Markdown table instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
    #[command(flatten)]
    pub common: CommonRunArgs,
}

#[derive(Args, Debug, Default, Clone)]
pub struct CommonRunArgs {
    #[arg(long, help = "Output folder (default: output/<scenario name>/)")]
    pub out: Option<PathBuf>,
    /// Replicates per arm (overrides run.replicates).
    #[arg(long)]
    pub replicates: Option<u32>,
    /// Root seed (overrides run.seed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Analysis window in days: effects average the last DAYS of the run (overrides analysis.window_days).
    #[arg(long, value_name = "DAYS")]
    pub window: Option<u32>,
    /// Worker threads (default: all cores). Results are identical at any thread count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write agents.csv, ties.csv and episodes.csv.
    #[arg(long)]
    pub record_agents: bool,
    /// Replace a non-empty output folder even if supportsim did not write it.
    #[arg(long)]
    pub force: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// A progress bar on stderr counting `what`, hidden with --quiet or when stderr is not a terminal.
pub fn progress_bar(len: usize, what: &str, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{bar:40}} {{pos}}/{{len}} {what}, {{elapsed}} elapsed, ETA {{eta}}"
        ))
        .expect("valid template"),
    );
    bar
}

/// Runs the command line; returns the process exit code for non-error outcomes. `cancel`, when given, is
/// set by the binary's signal handler: long runs then stop at the next day boundary.
pub fn main_with_args(args: Vec<String>, cancel: Option<Arc<AtomicBool>>) -> Result<i32> {
    let cli = Cli::try_parse_from(&args).map_err(|e| {
        if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) {
            print!("{e}");
            Error::Usage(String::new())
        } else {
            Error::Usage(e.to_string())
        }
    });
    let cli = match cli {
        Ok(c) => c,
        Err(Error::Usage(m)) if m.is_empty() => return Ok(0),
        Err(e) => return Err(e),
    };
    // A bad SUPPORTSIM_KERNEL is reported before any work rather than ignored.
    crate::dynamics::support::kernel_name().map_err(Error::Usage)?;
    match cli.command {
        None => {
            let scenario = Scenario::load(Origin::Embedded, Path::new("venue_closure.toml"))?;
            run_scenario(scenario, &CommonRunArgs::default(), &args, cancel)?;
            Ok(0)
        }
        Some(Command::Run(run)) => {
            let scenario = Scenario::from_file(&run.scenario)?;
            run_scenario(scenario, &run.common, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Compare { scenarios, common }) => {
            let mut loaded = Vec::new();
            let mut problems = Vec::new();
            for path in &scenarios {
                match Scenario::from_file(path) {
                    Ok(s) => loaded.push(s),
                    Err(e) => problems.push(e.to_string()),
                }
            }
            if !problems.is_empty() {
                return Err(Error::Usage(problems.join("")));
            }
            compare::compare_scenarios(loaded, &common, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Validate { scenarios }) => {
            let mut failed = false;
            for path in scenarios {
                match Scenario::from_file(&path) {
                    Ok(s) => println!(
                        "{}: ok ({} agents, {} districts, {} venues, {} events, {} days)",
                        path.display(),
                        s.population.n_agents,
                        s.districts.len(),
                        s.venues.len(),
                        s.events.len(),
                        s.run.days
                    ),
                    Err(e) => {
                        eprint!("{e}");
                        if !matches!(e, Error::Scenario(_)) {
                            eprintln!();
                        }
                        failed = true;
                    }
                }
            }
            Ok(if failed { 2 } else { 0 })
        }
        Some(Command::Report { dir }) => {
            if !dir.join("manifest.json").is_file() {
                return Err(Error::Usage(format!(
                    "{} is not a supportsim output folder (no manifest.json)",
                    dir.display()
                )));
            }
            if crate::sweep::folder::is_sweep_folder(&dir) {
                crate::sweep::folder::report(&dir)?;
                eprintln!("wrote {}, points.csv and sensitivity indices from runs.csv", dir.join("charts").display());
                return Ok(0);
            }
            crate::report::render(&dir)?;
            eprintln!("wrote {} and {}", dir.join("charts").display(), dir.join("report.html").display());
            Ok(0)
        }
        Some(Command::Calibrate { targets, out, threads, force, quiet, check }) => {
            research::calibrate(&targets, out, threads, force, quiet, check, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Oat { scenario, vary, common }) => {
            research::oat(&scenario, &vary, &common, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Sweep { sweep, out, threads, shard, resume, force, quiet, slurm_script, shards, sbatch }) => {
            let opts = research::SweepArgs { out, threads, shard, resume, force, quiet, slurm_script, shards, sbatch };
            research::sweep(&sweep, opts, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Merge { dirs, out, force }) => {
            let path = crate::sweep::merge(&dirs, out.as_deref(), force, &args)?;
            eprintln!("merged {} shards into {}", dirs.len(), path.display());
            Ok(0)
        }
        Some(Command::Params { markdown }) => {
            if markdown {
                print!("{}", crate::params::markdown_table());
            } else {
                println!("{:<34} {:>10}  {:<20} {:<18} source", "name", "default", "unit", "range");
                for p in PARAM_SPECS {
                    println!(
                        "{:<34} {:>10}  {:<20} {:<18} {}",
                        p.name,
                        p.default,
                        p.unit,
                        format!("{} – {}", p.min, p.max),
                        p.source
                    );
                }
            }
            Ok(0)
        }
    }
}

/// Applies command-line overrides, runs the experiment, writes the output folder and prints the effects.
pub fn run_scenario(
    mut scenario: Scenario,
    args: &CommonRunArgs,
    command_line: &[String],
    cancel: Option<Arc<AtomicBool>>,
) -> Result<PathBuf> {
    apply_overrides(&mut scenario, args)?;
    check_memory(&scenario, args)?;
    let target = args.out.clone().unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let dir = OutputDir::create(&target, args.force)?;
    let options =
        experiment::Options { threads: args.threads, progress: !args.quiet && std::io::stderr().is_terminal(), cancel };
    let arms = experiment::arms_of(&scenario);
    eprintln!(
        "supportsim: {} — {} agents, {} days, {} replicate{} × {} arm{}",
        scenario.name,
        scenario.population.n_agents,
        scenario.run.days,
        scenario.run.replicates,
        if scenario.run.replicates == 1 { "" } else { "s" },
        arms.len(),
        if arms.len() == 1 { "" } else { "s" },
    );
    if args.record_agents && scenario.analysis.target_interval_width.is_some() {
        dir.abandon();
        return Err(Error::Usage(
            "analysis.target_interval_width cannot be combined with --record-agents; record agents with a fixed --replicates".into(),
        ));
    }
    let temp = dir.temp.clone();
    let factory = move |arm: &'static str, rep: u32| -> Result<Box<dyn crate::sim::AgentObserver + Send>> {
        Ok(Box::new(AgentRecorder::new(&temp, arm, rep)?))
    };
    let result = experiment::run(&scenario, &options, if args.record_agents { Some(&factory) } else { None })
        .and_then(|exp| write_all(&dir, &exp, args, command_line).map(|()| exp));
    let replaced = dir.replaces;
    let (exp, path) = dir.finish(result)?;
    print_summary(&exp);
    if let Some(target) = exp.scenario.analysis.target_interval_width {
        let (group, metric) = exp.scenario.headline();
        eprintln!(
            "target interval width {target} for {group} {metric}: used {} replicates{}",
            exp.scenario.run.replicates,
            if exp.scenario.run.replicates >= exp.scenario.analysis.max_replicates {
                " (the cap, max_replicates)"
            } else {
                ""
            }
        );
    }
    eprintln!(
        "wrote {}{} in {:.1} s",
        path.display(),
        if replaced { " (replaced the earlier supportsim output there)" } else { "" },
        exp.wall_seconds
    );
    Ok(path)
}

/// Applies `--replicates`, `--seed`, `--window` and checks `--threads`.
pub(crate) fn apply_overrides(scenario: &mut Scenario, args: &CommonRunArgs) -> Result<()> {
    if let Some(r) = args.replicates {
        if r == 0 {
            return Err(Error::Usage("--replicates must be at least 1".into()));
        }
        scenario.run.replicates = r;
    }
    if let Some(s) = args.seed {
        scenario.run.seed = s;
    }
    if let Some(w) = args.window {
        let after_burn_in = scenario.run.days - scenario.run.burn_in_days;
        if w < scenario.run.record_every_days || w > after_burn_in {
            return Err(Error::Usage(format!(
                "--window must be between {} (one recording period) and {after_burn_in} (the days after the burn-in), got {w}",
                scenario.run.record_every_days
            )));
        }
        scenario.analysis.window_days = w;
    }
    if args.threads == Some(0) {
        return Err(Error::Usage("--threads must be at least 1".into()));
    }
    Ok(())
}

/// Memory this machine has available, from /proc/meminfo (Linux); None where unknown.
fn available_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses a run whose towns would not fit in memory (unless `--force`), saying how much it needs.
pub(crate) fn check_memory(scenario: &Scenario, args: &CommonRunArgs) -> Result<()> {
    let threads = args.threads.unwrap_or_else(rayon::current_num_threads).max(1) as u64;
    let arms = experiment::arms_of(scenario).len() as u64;
    // Replicates run side by side, one per thread; a what-if holds both arms of a replicate at once.
    let concurrent = threads.min(scenario.run.replicates as u64) * arms;
    let per_town =
        scenario.population.n_agents as u64 * crate::sim::bytes_per_agent(scenario.params.max_ties_usize()) as u64;
    let needed = per_town * concurrent * 5 / 4;
    match available_memory_bytes() {
        Some(avail) if needed > avail && !args.force => Err(Error::Usage(format!(
            "this run needs about {:.1} GiB ({} agents × {} bytes × {concurrent} towns at once) but {:.1} GiB is              available; use fewer --threads or agents, or pass --force to try anyway",
            needed as f64 / (1u64 << 30) as f64,
            scenario.population.n_agents,
            crate::sim::bytes_per_agent(scenario.params.max_ties_usize()),
            avail as f64 / (1u64 << 30) as f64
        ))),
        _ => Ok(()),
    }
}

pub(super) fn write_all(
    dir: &OutputDir,
    exp: &Experiment,
    args: &CommonRunArgs,
    command_line: &[String],
) -> Result<()> {
    let mut files = vec!["manifest.json", "timeseries.csv", "venues.csv"];
    output::write_timeseries(&dir.path("timeseries.csv"), exp)?;
    output::write_venues(&dir.path("venues.csv"), exp)?;
    if let Some(effects) = &exp.effects {
        output::write_effects(&dir.path("effects.csv"), effects)?;
        files.push("effects.csv");
    }
    if args.record_agents {
        let jobs: Vec<(&'static str, u32)> =
            exp.arms.iter().flat_map(|a| (0..a.runs.len() as u32).map(move |r| (a.name, r))).collect();
        AgentRecorder::concatenate(&dir.temp, &jobs)?;
        files.extend(output::AGENT_FILES);
    }
    let prov =
        Provenance { command_line: command_line.to_vec(), threads: args.threads, record_agents: args.record_agents };
    files.extend(["charts/", "report.html"]);
    output::write_manifest(&dir.path("manifest.json"), exp, &prov, &files)?;
    // Charts and the report are rendered from the saved files only, as `supportsim report` does. The folder
    // becomes visible under its name only after this, so it is complete whenever it has a manifest.
    crate::report::render(&dir.temp)
}

pub(super) const HEADLINE_METRICS: [&str; 9] = [
    "lonely_share",
    "loneliness_mean",
    "struggling_share",
    "crisis_share",
    "attended_share",
    "ties_mean",
    "isolated_share",
    "support_emotional",
    "hope_mean",
];

fn fmt_level(metric: &str, x: f64) -> String {
    crate::metrics::format_level(metric, x)
}

pub(super) fn fmt_diff(metric: &str, x: f64) -> String {
    crate::metrics::format_difference(metric, x, "pp")
}

/// Prints the headline effect table (or, without events, the levels) to stdout.
pub fn print_summary(exp: &Experiment) {
    let mut groups = vec!["all".to_string(), "service_users".into(), "residents".into()];
    for d in exp.scenario.affected_districts() {
        groups.push(format!("district:{d}"));
        groups.push(format!("district:{d}/service_users"));
    }
    let window = exp.scenario.analysis.window_days;
    match &exp.effects {
        Some(effects) => {
            println!(
                "\nEffect of the scenario's events: scenario minus baseline, paired by replicate ({} replicates), \
                 mean over the last {window} days, with 95% interval.\n'pp' = percentage points.\n",
                exp.scenario.run.replicates
            );
            println!(
                "{:<30} {:<22} {:>10} {:>10} {:>11}  95% interval",
                "group", "metric", "baseline", "scenario", "difference"
            );
            for g in &groups {
                for m in HEADLINE_METRICS {
                    if let Some(e) = effects.iter().find(|e| e.group == *g && e.metric == m) {
                        let sig = if e.ci_low > 0.0 || e.ci_high < 0.0 { " *" } else { "" };
                        println!(
                            "{:<30} {:<22} {:>10} {:>10} {:>11}  {} to {}{sig}",
                            g,
                            m,
                            fmt_level(m, e.baseline_mean),
                            fmt_level(m, e.scenario_mean),
                            fmt_diff(m, e.difference),
                            fmt_diff(m, e.ci_low),
                            fmt_diff(m, e.ci_high),
                        );
                    }
                }
            }
            println!("\n* interval excludes zero. All groups and metrics: effects.csv.");
        }
        None => {
            println!(
                "\nLevels over the last {window} days (mean over {} replicates; no events, so no effects):\n",
                exp.scenario.run.replicates
            );
            println!("{:<30} {:<22} {:>10}", "group", "metric", "mean");
            let arm = &exp.arms[0];
            for g in &groups {
                let gi = exp.group_names.iter().position(|x| x == g).expect("standard group");
                for m in HEADLINE_METRICS {
                    let mi = METRICS.iter().position(|x| *x == m).expect("known metric");
                    let vals: Vec<f64> =
                        arm.runs.iter().map(|r| experiment::window_mean(r, &exp.scenario, gi, mi)).collect();
                    let mean = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
                    println!("{:<30} {:<22} {:>10}", g, m, fmt_level(m, mean));
                }
            }
        }
    }
}
