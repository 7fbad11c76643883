//! The command line: `run`, `compare`, `validate`, `report`, `params`, and the embedded default what-if when no
//! command is given (`run`); `compare`; `research` holds `calibrate`, `oat`, `sweep` and `merge`.
//! Parses arguments with clap, calls the library, prints results; `main` maps errors to exit code 2.

mod args;
mod compare;
mod research;
mod run;
mod serve;

pub use run::{print_summary, run_scenario};

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::output::folder::{self, Contents, PARTIAL_PREFIX};
use crate::output::Kind;
use crate::params::PARAM_SPECS;
use crate::scenario::{Origin, Scenario};
use args::{days_arg, replicates_arg, seed_arg, threads_arg};
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "supportsim",
    version,
    about = "Agent-based simulator of community support ecology for people with long-term mental-health challenges",
    long_about = "Agent-based simulator of community support ecology. Without a command it runs the embedded \
                  default what-if (a budget cut closes the north district's meeting place) and writes \
                  output/venue_closure/; the options of `run` apply to it (--replicates 2 for a quick look).",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The options of the default what-if, when no command is given.
    #[command(flatten)]
    pub default_run: CommonRunArgs,
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
    /// Check scenario, sweep and targets files and report every problem at once (exit code 2 if any).
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Re-render charts/ and report.html from a run's saved output folder, without simulating (for a sweep
    /// folder: charts/, points.csv and sensitivity.csv from runs.csv). Refuses files that do not match the
    /// manifest.
    Report {
        /// An output folder written by `supportsim run`, `compare` or `oat`, or by `supportsim sweep` or `merge`.
        dir: PathBuf,
    },
    /// Fit uncertain parameters to real-world targets; writes fitted.toml, fit.csv and search.csv.
    Calibrate {
        /// Targets file (see docs/validation.md), e.g. calibration/targets.toml.
        targets: PathBuf,
        #[command(flatten)]
        options: research::CalibrateArgs,
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
        #[command(flatten)]
        options: research::SweepArgs,
    },
    /// Combine the finished shard folders of one sweep into the folder the unsharded sweep would have written.
    Merge {
        /// Shard folders written by `supportsim sweep --shard K/N`.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        #[arg(long, help = "Output folder (default: output/<sweep name>/)")]
        out: Option<PathBuf>,
        /// Replace supportsim's earlier output of another kind in the output folder (never files it did not write).
        #[arg(long)]
        force: bool,
    },
    /// The explorer: a local web page to edit a town, build options and see their effects as they run
    /// (docs/explorer.md).
    Serve(serve::ServeArgs),
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
    #[arg(long, value_parser = replicates_arg, allow_negative_numbers = true)]
    pub replicates: Option<u32>,
    /// Root seed, 0 to 2^53 − 1 (overrides run.seed).
    #[arg(long, value_parser = seed_arg, allow_negative_numbers = true)]
    pub seed: Option<u64>,
    /// Analysis window in days: effects average the last DAYS of the run (overrides analysis.window_days).
    #[arg(long, value_name = "DAYS", value_parser = days_arg, allow_negative_numbers = true)]
    pub window: Option<u32>,
    /// Worker threads (default: all cores; at most the cores). Results are identical at any thread count.
    #[arg(long, value_parser = threads_arg, allow_negative_numbers = true)]
    pub threads: Option<usize>,
    /// Also write agents.csv, ties.csv and episodes.csv (the size is estimated and said before the run).
    #[arg(long)]
    pub record_agents: bool,
    /// With --record-agents: a row per agent every DAYS days (a multiple of the recording period; default: every
    /// recording period, weekly).
    #[arg(long, value_name = "DAYS", value_parser = days_arg, allow_negative_numbers = true)]
    pub record_every: Option<u32>,
    /// With --record-agents: write agents.csv.gz, ties.csv.gz and episodes.csv.gz (gzip, about a third of the
    /// size; pandas and R read them as they are).
    #[arg(long)]
    pub gzip: bool,
    /// Replace supportsim's earlier output of another kind in the output folder (never files it did not
    /// write), and run even when the memory check says the run will not fit.
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

/// Parses a command line, checking every option's value; `Ok(None)` when it asked for help or the version
/// (printed here). Nothing is run.
pub fn parse(args: &[String]) -> Result<Option<Cli>> {
    match Cli::try_parse_from(args) {
        Ok(cli) => Ok(Some(cli)),
        Err(e) if matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion) => {
            print!("{e}");
            Ok(None)
        }
        Err(e) => {
            // clap's message starts with its own "error: ", which the binary adds to every message.
            let text = e.to_string();
            Err(Error::Usage(text.strip_prefix("error: ").unwrap_or(&text).trim_end().to_string()))
        }
    }
}

/// Runs the command line; returns the process exit code for non-error outcomes. `cancel` is set by the
/// binary's signal handler: every command then stops within about a second, leaving no output that looks
/// complete.
pub fn main_with_args(args: Vec<String>, cancel: Cancel) -> Result<i32> {
    let Some(cli) = parse(&args)? else { return Ok(0) };
    // A bad SUPPORTSIM_KERNEL is reported before any work rather than ignored.
    crate::dynamics::support::kernel_name().map_err(Error::Usage)?;
    match cli.command {
        None => {
            let scenario = Scenario::load(Origin::Embedded, Path::new("venue_closure.toml"))?;
            run_scenario(scenario, &cli.default_run, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Run(run)) => {
            let scenario = Scenario::from_file(&run.scenario)?;
            run_scenario(scenario, &run.common, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Compare { scenarios, common }) => {
            let loaded = compare::load_options(&scenarios)?;
            compare::compare_scenarios(loaded, &common, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Validate { scenarios }) => validate(&scenarios, &cancel),
        Some(Command::Report { dir }) => {
            report(&dir, &cancel)?;
            Ok(0)
        }
        Some(Command::Calibrate { targets, options }) => {
            research::calibrate(&targets, options, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Oat { scenario, vary, common }) => {
            research::oat(&scenario, &vary, &common, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Sweep { sweep, options }) => {
            research::sweep(&sweep, options, &args, cancel)?;
            Ok(0)
        }
        Some(Command::Merge { dirs, out, force }) => {
            let path = crate::sweep::merge(&dirs, out.as_deref(), force, &args, &cancel)?;
            eprintln!("merged {} shards into {}", dirs.len(), path.display());
            Ok(0)
        }
        Some(Command::Serve(serve)) => {
            serve::run(serve, cancel)?;
            Ok(0)
        }
        Some(Command::Params { markdown }) => {
            print_params(markdown);
            Ok(0)
        }
    }
}

/// What kind of file `validate` was given: a targets file has `[[targets]]`, a sweep file `[[parameters]]`
/// and a `scenario`; anything else is read as a scenario.
fn file_kind(path: &Path) -> &'static str {
    let text = crate::files::read_text(path, crate::files::MAX_INPUT_BYTES).unwrap_or_default();
    match text.parse::<toml::Table>() {
        Ok(t) if t.contains_key("targets") => "targets",
        Ok(t) if t.contains_key("parameters") && t.contains_key("scenario") => "sweep",
        _ => "scenario",
    }
}

/// `supportsim validate FILE...`: each file's summary or its problems (scenarios, sweep files and targets
/// files alike); exit code 2 when any has problems.
fn validate(paths: &[PathBuf], cancel: &Cancel) -> Result<i32> {
    let mut failed = false;
    for path in paths {
        cancel.check()?;
        let checked = match file_kind(path) {
            "sweep" => crate::sweep::load(path).map(|s| {
                format!(
                    "sweep file: {} design, {} parameters, {} points × {} replicates = {} runs",
                    s.design.name(),
                    s.parameters.len(),
                    s.points(),
                    s.replicates,
                    s.points() * s.replicates as usize
                )
            }),
            "targets" => crate::calibrate::targets::load(path).map(|c| {
                format!("targets file: {} targets, {} parameters to fit", c.targets.len(), c.parameters.len())
            }),
            _ => Scenario::from_file(path).map(|s| {
                format!(
                    "{} agents, {} districts, {} venues, {} events, {} days",
                    s.population.n_agents,
                    s.districts.len(),
                    s.venues.len(),
                    s.events.len(),
                    s.run.days
                )
            }),
        };
        match checked {
            Ok(summary) => println!("{}: ok ({summary})", path.display()),
            Err(e) => {
                let text = e.to_string();
                eprint!("{text}");
                if !text.ends_with('\n') {
                    eprintln!();
                }
                failed = true;
            }
        }
    }
    Ok(if failed { 2 } else { 0 })
}

/// `supportsim params`: every parameter, as plain text or a Markdown table.
fn print_params(markdown: bool) {
    if markdown {
        print!("{}", crate::params::markdown_table());
        return;
    }
    println!("{:<34} {:>10}  {:<20} {:<18} source", "name", "default", "unit", "range");
    for p in PARAM_SPECS {
        let range = format!("{} – {}", p.min, p.max);
        println!("{:<34} {:>10}  {:<20} {:<18} {}", p.name, p.default, p.unit, range, p.source);
    }
}

/// `supportsim report DIR`: redraws a run's or a sweep's folder; says plainly which folders it takes.
fn report(dir: &Path, cancel: &Cancel) -> Result<()> {
    let takes = "report takes a folder written by `supportsim run`, `compare`, `oat`, `sweep` or `merge`";
    if std::fs::symlink_metadata(dir).is_err() {
        return Err(Error::Usage(format!("{} does not exist; {takes}", dir.display())));
    }
    let name = dir.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    if name.starts_with(PARTIAL_PREFIX) || (name.starts_with('.') && name.contains(".partial-")) {
        return Err(Error::Usage(format!(
            "{} is the unfinished output of a run that was stopped or killed, not a result; delete it and run \
             again",
            dir.display()
        )));
    }
    match folder::inspect(dir)? {
        Contents::Empty => {
            Err(Error::Usage(format!("{} holds no supportsim output (no manifest.json); {takes}", dir.display())))
        }
        Contents::Foreign(why) => {
            Err(Error::Usage(format!("{} does not hold supportsim's output ({why}); {takes}", dir.display())))
        }
        Contents::Ours(m) => match m.kind {
            Kind::Run => {
                crate::report::rerender(dir, cancel)?;
                eprintln!("wrote {} and {}", dir.join("charts").display(), dir.join("report.html").display());
                Ok(())
            }
            Kind::Oat => {
                crate::report::rerender_oat(dir, cancel)?;
                eprintln!("wrote {} and {}", dir.join("charts").display(), dir.join("report.html").display());
                Ok(())
            }
            Kind::Comparison => {
                crate::report::rerender_comparison(dir, cancel)?;
                eprintln!("wrote {} and {}", dir.join("charts").display(), dir.join("report.html").display());
                Ok(())
            }
            Kind::Sweep => {
                crate::sweep::finished::report(dir, cancel)?;
                eprintln!("wrote {}, points.csv and sensitivity indices from runs.csv", dir.join("charts").display());
                Ok(())
            }
            other => Err(Error::Usage(format!(
                "{} holds {}, whose files and charts were written when it ran; {takes}",
                dir.display(),
                other.describe()
            ))),
        },
    }
}
