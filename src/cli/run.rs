//! `supportsim run` (and the default what-if): command-line overrides, the memory check, the run itself into
//! a claimed output folder, and the effect table printed to the terminal.

use super::CommonRunArgs;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::{self, Experiment};
use crate::metric_names::METRICS;
use crate::output::{self, AgentRecorder, Commit, Kind, Provenance};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Applies command-line overrides, runs the experiment, writes the output folder and prints the effects.
pub fn run_scenario(
    mut scenario: Scenario,
    args: &CommonRunArgs,
    command_line: &[String],
    cancel: Cancel,
) -> Result<PathBuf> {
    apply_overrides(&mut scenario, args)?;
    let threads = threads(args.threads);
    if args.record_agents && scenario.analysis.target_interval_width.is_some() {
        return Err(Error::Usage(
            "analysis.target_interval_width cannot be combined with --record-agents; record agents with a fixed \
             --replicates"
                .into(),
        ));
    }
    crate::sim::check_memory(&scenario, threads, args.force)?;
    let agent_options = agent_options(&scenario, args)?;
    let target = args.out.clone().unwrap_or_else(|| Path::new("output").join(&scenario.name));
    let agent_files = agent_options.file_names();
    let mut names = output::RUN_FILES.to_vec();
    if args.record_agents {
        names.extend(agent_files.iter().map(String::as_str));
        say_agent_record_size(&scenario, agent_options);
    }
    let (mut folder, stage, replaces) = output::begin(&target, Kind::Run, args.force, &names)?;
    let options = experiment::Options {
        threads,
        progress: Some(super::progress_bar(0, "runs", args.quiet)),
        cancel: cancel.clone(),
    };
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
    let parts = stage.dir().to_path_buf();
    let factory = move |arm: &'static str, rep: u32| -> Result<Box<dyn crate::world::AgentObserver + Send>> {
        Ok(Box::new(AgentRecorder::new(&parts, arm, rep, agent_options)?))
    };
    let exp = experiment::run_experiment(&scenario, &options, if args.record_agents { Some(&factory) } else { None })?;
    let prov =
        Provenance { command_line: command_line.to_vec(), threads, record_agents: args.record_agents, agent_options };
    let (manifest, warnings) = crate::report::write_run(&stage, &exp, &prov, &cancel)?;
    cancel.check()?;
    folder.commit(stage, Kind::Run, manifest, Commit::Replace, &cancel)?;
    print_summary(&exp);
    for warning in warnings {
        eprintln!("\nwarning: {warning}");
    }
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
        target.display(),
        if replaces { " (replaced the earlier supportsim output there)" } else { "" },
        exp.wall_seconds
    );
    Ok(target)
}

/// How agent records are written (`--record-every`, `--gzip`), checked against the run.
fn agent_options(scenario: &Scenario, args: &CommonRunArgs) -> Result<output::AgentOptions> {
    let period = scenario.run.record_every_days;
    if !args.record_agents && (args.record_every.is_some() || args.gzip) {
        return Err(Error::Usage(
            "--record-every and --gzip shape the agent records: use them with --record-agents".into(),
        ));
    }
    let every = args.record_every.unwrap_or(period);
    if !every.is_multiple_of(period) || every > scenario.run.days {
        return Err(Error::Usage(format!(
            "--record-every must be a multiple of the recording period ({period} days) and at most the run's {} \
             days, got {every}",
            scenario.run.days
        )));
    }
    Ok(output::AgentOptions { every_days: every, gzip: args.gzip })
}

/// Says how much the agent records will take before the run starts, and how to make them smaller.
fn say_agent_record_size(scenario: &Scenario, options: output::AgentOptions) {
    let arms = experiment::arms_of(scenario).len() as u32;
    let (agents, rest) = output::agent_record_bytes(scenario, arms, options);
    let size = |b: u64| {
        if b >= 1_000_000_000 {
            format!("{:.1} GB", b as f64 / 1e9)
        } else {
            format!("{:.0} MB", b as f64 / 1e6)
        }
    };
    eprintln!(
        "supportsim: --record-agents will write about {} ({} about {}: a row per agent every {} days)",
        size(agents + rest),
        options.file_names()[0],
        size(agents),
        options.every_days
    );
    if agents + rest > 1_000_000_000 {
        let mut hints = Vec::new();
        let four_weeks = scenario.run.record_every_days * 28u32.div_ceil(scenario.run.record_every_days);
        if options.every_days < four_weeks {
            hints.push(format!("--record-every {four_weeks} for a row every 4 weeks"));
        }
        if !options.gzip {
            hints.push("--gzip for about a third of the size".to_string());
        }
        hints.push("--replicates or fewer agents for a smaller run".to_string());
        eprintln!("supportsim: that is large; {}", hints.join(", "));
    }
}

/// Applies `--replicates`, `--seed` and `--window`.
pub(crate) fn apply_overrides(scenario: &mut Scenario, args: &CommonRunArgs) -> Result<()> {
    if let Some(r) = args.replicates {
        scenario.run.replicates = r;
    }
    if let Some(s) = args.seed {
        scenario.run.seed = s;
    }
    if let Some(w) = args.window {
        let after_burn_in = scenario.run.days - scenario.run.burn_in_days;
        if w < scenario.run.record_every_days || w > after_burn_in {
            return Err(Error::Usage(format!(
                "--window must be between {} (one recording period) and {after_burn_in} (the days after the \
                 burn-in), got {w}",
                scenario.run.record_every_days
            )));
        }
        scenario.analysis.window_days = w;
    }
    Ok(())
}

/// The worker threads for `--threads N`: N, but no more than the machine's cores (more would only make the
/// same work slower; results are the same at any count), with a note when it is capped.
pub(crate) fn threads(requested: Option<usize>) -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match requested {
        Some(n) if n > cores => {
            eprintln!("supportsim: --threads {n} is more than this machine's {cores} cores; using {cores}");
            Some(cores)
        }
        other => other,
    }
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
    crate::metric_names::format_level(metric, x)
}

pub(super) fn fmt_diff(metric: &str, x: f64) -> String {
    crate::metric_names::format_difference(metric, x, "pp")
}

/// Prints the headline in a sentence and the effect table (or, without events, the levels) to stdout, groups
/// in words.
pub fn print_summary(exp: &Experiment) {
    let mut groups = vec!["all".to_string(), "service_users".into(), "residents".into()];
    for d in exp.scenario.affected_districts() {
        groups.push(format!("district:{d}"));
        groups.push(format!("district:{d}/service_users"));
    }
    let window = exp.scenario.analysis.window_days;
    let words = crate::groups::describe;
    match &exp.effects {
        Some(effects) => {
            let (group, metric) = exp.scenario.headline();
            if let Some(e) = effects.iter().find(|e| e.group == group && e.metric == metric) {
                let people = exp.people_in(&group);
                let v = [e.difference, e.ci_low, e.ci_high, e.baseline_mean, e.scenario_mean];
                println!("\n{}", crate::report::words::headline_sentence(None, &group, &metric, people, v));
            }
            println!(
                "\nEffect of the scenario's events: scenario minus baseline, paired by replicate ({} replicates), \
                 mean over the last {window} days, with 95% interval.\n'pp' = percentage points.\n",
                exp.scenario.run.replicates
            );
            println!(
                "{:<34} {:<22} {:>10} {:>10} {:>11}  95% interval",
                "group", "metric", "baseline", "scenario", "difference"
            );
            for g in &groups {
                for m in HEADLINE_METRICS {
                    if let Some(e) = effects.iter().find(|e| e.group == *g && e.metric == m) {
                        let sig =
                            if crate::metric_names::excludes_zero_as_shown(e.ci_low, e.ci_high) { " *" } else { "" };
                        println!(
                            "{:<34} {:<22} {:>10} {:>10} {:>11}  {} to {}{sig}",
                            words(g),
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
            println!(
                "\n* interval excludes zero as shown. The sentence above is the headline; the rows are exploratory (the \
                 report says how many would exclude zero by chance). All groups and metrics: effects.csv."
            );
        }
        None => {
            println!(
                "\nLevels over the last {window} days (mean over {} replicates; no events, so no effects; all \
                 groups and metrics with intervals: levels.csv):\n",
                exp.scenario.run.replicates
            );
            println!("{:<34} {:<22} {:>10}", "group", "metric", "mean");
            let arm = &exp.arms[0];
            for g in &groups {
                let Some(gi) = exp.group_names.iter().position(|x| x == g) else { continue };
                for m in HEADLINE_METRICS {
                    let Some(mi) = METRICS.iter().position(|x| *x == m) else { continue };
                    let vals: Vec<f64> =
                        arm.runs.iter().map(|r| experiment::window_mean(r, &exp.scenario, gi, mi)).collect();
                    let mean = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
                    println!("{:<34} {:<22} {:>10}", words(g), m, fmt_level(m, mean));
                }
            }
        }
    }
}
