//! Experiments: arms × replicates run in parallel, and paired effects. A scenario with events runs two arms
//! on the same seeds, `baseline` (the town without the events) and `scenario`; common random numbers make
//! their difference, replicate by replicate, the effect of the events alone. Effects are the mean paired
//! difference over the analysis window with a 95% t-interval over replicates.

use crate::error::{Error, Result};
use crate::metric_names::{METRICS, N_METRICS};
use crate::scenario::validate::MAX_EXTRA_GROUPS;
use crate::scenario::{Analysis, Scenario};
use crate::sim::{self, RunResult};
use crate::world::AgentObserver;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, StudentsT};

pub const BASELINE: &str = "baseline";
pub const SCENARIO: &str = "scenario";

/// How to run an experiment.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads (None: all cores).
    pub threads: Option<usize>,
    /// The bar the runs advance (its length is set here); none shows no progress.
    pub progress: Option<indicatif::ProgressBar>,
    /// When set (by a signal handler), runs stop at the next day boundary and the experiment returns
    /// [`Error::Interrupted`].
    pub cancel: crate::cancel::Cancel,
}

/// Results of one arm, one [`RunResult`] per replicate.
pub struct Arm {
    pub name: &'static str,
    pub scenario: Scenario,
    pub runs: Vec<RunResult>,
}

/// One row of `effects.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub group: String,
    pub metric: &'static str,
    pub baseline_mean: f64,
    pub scenario_mean: f64,
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub relative_change: f64,
}

pub struct Experiment {
    pub scenario: Scenario,
    pub arms: Vec<Arm>,
    pub group_names: Vec<String>,
    pub effects: Option<Vec<Effect>>,
    pub wall_seconds: f64,
}

/// Makes the agent-level observer of an (arm, replicate) job, if agents are recorded.
pub type ObserverFactory<'a> = dyn Fn(&'static str, u32) -> Result<Box<dyn AgentObserver + Send>> + Sync + 'a;

/// The arms a scenario runs: one without events, two with.
pub fn arms_of(scenario: &Scenario) -> Vec<(&'static str, Scenario)> {
    if scenario.events.is_empty() {
        vec![(BASELINE, scenario.clone())]
    } else {
        vec![(BASELINE, scenario.without_events()), (SCENARIO, scenario.clone())]
    }
}

/// Runs every arm and replicate and computes effects.
pub fn run_experiment(
    scenario: &Scenario,
    options: &Options,
    observers: Option<&ObserverFactory>,
) -> Result<Experiment> {
    let started = std::time::Instant::now();
    let arms = arms_of(scenario);
    let pool = thread_pool(options)?;
    let bar = runs_bar(options, arms.len() as u64 * scenario.run.replicates as u64);
    // Without agent records, a what-if runs the arms' shared days (before the first event) once per
    // replicate and forks; the result is identical to running the arms apart (common random numbers), which
    // a test checks. With agent records each arm runs alone so every arm's records are complete.
    let results = pool.install(|| {
        if arms.len() == 2 && observers.is_none() {
            Ok(paired_runs(scenario, &arms, options, &bar))
        } else {
            separate_runs(scenario, &arms, options, observers, &bar)
        }
    })?;
    options.cancel.check()?;
    bar.finish_and_clear();
    // Adaptive replicates may have run more than asked: record how many were used.
    let used = results.len() / arms.len();
    let mut results = results.into_iter();
    let runs = (0..arms.len()).map(|_| results.by_ref().take(used).collect()).collect();
    Ok(assemble(scenario, runs, started))
}

/// The experiment of a scenario from its arms' runs (`runs[arm][replicate]`, in the order of [`arms_of`]):
/// the replicates used, the group names and, for a what-if, the paired effects. What `run_experiment`
/// returns, for callers that run the arms their own way (the explorer, from towns it keeps warm).
pub fn assemble(scenario: &Scenario, runs: Vec<Vec<RunResult>>, started: std::time::Instant) -> Experiment {
    let used = runs.first().map_or(0, |r| r.len()) as u32;
    let arms: Vec<Arm> = arms_of(scenario)
        .into_iter()
        .zip(runs)
        .map(|((name, mut scenario), runs)| {
            scenario.run.replicates = used;
            Arm { name, scenario, runs }
        })
        .collect();
    let mut scenario = scenario.clone();
    scenario.run.replicates = used;
    let group_names = scenario.groups().into_iter().map(|g| g.name).collect();
    let mut exp = Experiment { scenario, arms, group_names, effects: None, wall_seconds: 0.0 };
    if exp.arms.len() == 2 {
        exp.effects = Some(effects(&exp));
    }
    exp.wall_seconds = started.elapsed().as_secs_f64();
    exp
}

/// The pool an experiment's runs go on: `options.threads` threads, or one a core.
fn thread_pool(options: &Options) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = options.threads {
        builder = builder.num_threads(t);
    }
    builder.build().map_err(|e| Error::Usage(format!("cannot start {:?} threads: {e}", options.threads)))
}

/// The caller's progress bar, counting `len` runs (a hidden one when there is none).
fn runs_bar(options: &Options, len: u64) -> indicatif::ProgressBar {
    let bar = options.progress.clone().unwrap_or_else(indicatif::ProgressBar::hidden);
    bar.set_length(len);
    bar
}

/// Each arm's replicates run on their own, each with its observer when agents are recorded: every arm's
/// runs, then the next arm's.
fn separate_runs(
    scenario: &Scenario,
    arms: &[(&'static str, Scenario)],
    options: &Options,
    observers: Option<&ObserverFactory>,
    bar: &indicatif::ProgressBar,
) -> Result<Vec<RunResult>> {
    let replicates = scenario.run.replicates;
    let jobs: Vec<(usize, u32)> = (0..arms.len()).flat_map(|a| (0..replicates).map(move |r| (a, r))).collect();
    jobs.par_iter()
        .map(|&(a, r)| {
            let (name, arm) = &arms[a];
            let mut obs = observers.map(|f| f(name, r)).transpose()?;
            let result = sim::Runner::new(arm, r)
                .with_cancel(options.cancel.clone())
                .finish(obs.as_deref_mut().map(|o| o as &mut dyn AgentObserver));
            bar.inc(1);
            match obs.as_mut().and_then(|o| o.take_error()) {
                Some(e) => Err(e),
                None => Ok(result),
            }
        })
        .collect()
}

/// The two arms of a what-if, each replicate run to the first event once and then forked; with
/// `target_interval_width`, more replicates in batches until the headline's interval is that narrow or
/// `max_replicates` is reached. The baseline's runs, then the scenario's.
fn paired_runs(
    scenario: &Scenario,
    arms: &[(&'static str, Scenario)],
    options: &Options,
    bar: &indicatif::ProgressBar,
) -> Vec<RunResult> {
    let fork_day = scenario.events.iter().map(|e| e.day).min().unwrap_or(0);
    let run_pairs = |reps: std::ops::Range<u32>| -> Vec<(RunResult, RunResult)> {
        reps.into_par_iter()
            .map(|r| {
                let mut base = sim::Runner::new(&arms[0].1, r).with_cancel(options.cancel.clone());
                base.advance_to(fork_day, None);
                let scen = base.fork(&arms[1].1);
                let (b, s) = rayon::join(|| base.finish(None), || scen.finish(None));
                bar.inc(2);
                (b, s)
            })
            .collect()
    };
    let mut pairs = run_pairs(0..scenario.run.replicates);
    if let Some((g, m)) = headline_index(scenario) {
        loop {
            let d: Vec<f64> = pairs.iter().map(|(b, s)| paired_difference(b, s, scenario, g, m)).collect();
            let add = more_replicates(scenario, &d);
            if add == 0 || options.cancel.requested() {
                break;
            }
            let n = pairs.len() as u32;
            bar.inc_length(2 * add as u64);
            pairs.extend(run_pairs(n..n + add));
        }
    }
    let (b, s): (Vec<RunResult>, Vec<RunResult>) = pairs.into_iter().unzip();
    b.into_iter().chain(s).collect()
}

/// The (group, metric) indices of the scenario's headline effect in its runs' records.
pub fn headline_index(scenario: &Scenario) -> Option<(usize, usize)> {
    let (group, metric) = scenario.headline();
    let g = scenario.groups().iter().position(|x| x.name == group)?;
    let m = METRICS.iter().position(|x| *x == metric)?;
    Some((g, m))
}

/// One replicate's paired difference (scenario minus baseline) of a group's metric over the window.
pub fn paired_difference(base: &RunResult, scen: &RunResult, scenario: &Scenario, g: usize, m: usize) -> f64 {
    window_mean(scen, scenario, g, m) - window_mean(base, scenario, g, m)
}

/// How many more replicates a what-if with `analysis.target_interval_width` runs after those whose headline
/// differences are `diffs`: none once the interval is that narrow or `max_replicates` is reached, else as
/// many again as there are (up to the cap). Always none without a target.
pub fn more_replicates(scenario: &Scenario, diffs: &[f64]) -> u32 {
    let Some(target) = scenario.analysis.target_interval_width else { return 0 };
    let d: Vec<f64> = diffs.iter().copied().filter(|x| x.is_finite()).collect();
    let (_, lo, hi) = mean_ci(&d);
    let n = diffs.len() as u32;
    let cap = scenario.analysis.max_replicates;
    if (hi - lo) <= target || n >= cap {
        0
    } else {
        n.min(cap - n).max(1)
    }
}

/// The town and run of a scenario without its events, name, description and analysis (what it reports is not
/// the town): what must match for a comparison.
pub fn town_key(s: &Scenario) -> String {
    let mut t = s.without_events();
    t.name.clear();
    t.description.clear();
    t.annual_cost_nok = None;
    t.annual_cost_note.clear();
    t.analysis = Analysis::default();
    serde_json::to_string(&t).unwrap_or_default()
}

/// Several what-ifs against one baseline on the same seeds (`supportsim compare`): one [`Experiment`] per
/// option, each with the shared baseline arm, so options can be ranked by their paired effects. Identical
/// to running each option alone (common random numbers), which a test checks.
pub fn compare(scenarios: &[Scenario], options: &Options) -> Result<Vec<Experiment>> {
    let started = std::time::Instant::now();
    let first = scenarios.first().ok_or_else(|| Error::Usage("compare needs at least one scenario".into()))?;
    for (i, s) in scenarios.iter().enumerate() {
        if scenarios[..i].iter().any(|o| o.name == s.name) {
            return Err(Error::Usage(format!(
                "two options are named `{}`; give each option its own `name` (their rows would be \
                 indistinguishable)",
                s.name
            )));
        }
        if s.events.is_empty() {
            return Err(Error::Usage(format!("`{}` has no events, so there is nothing to compare", s.name)));
        }
        if town_key(s) != town_key(first) {
            return Err(Error::Usage(format!(
                "`{}` and `{}` describe different towns or run settings (beyond their events); compare needs \
                 options on the same baseline (extend the same file, change only [[events]])",
                first.name, s.name
            )));
        }
    }
    // Every option reports the groups any option asks for, so the shared runs carry them all.
    let mut extra: Vec<String> = Vec::new();
    for g in scenarios.iter().flat_map(|s| &s.analysis.groups) {
        if !extra.contains(g) {
            extra.push(g.clone());
        }
    }
    if extra.len() > MAX_EXTRA_GROUPS {
        return Err(Error::Usage(format!(
            "the options' [analysis] groups together are {} groups, more than the {MAX_EXTRA_GROUPS} a run reports; \
             give the options fewer extra groups",
            extra.len()
        )));
    }
    let scenarios: Vec<Scenario> = scenarios
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.analysis.groups = extra.clone();
            s
        })
        .collect();
    let scenarios = &scenarios[..];
    let first = &scenarios[0];
    let baseline = first.without_events();
    let replicates = first.run.replicates;
    let fork_day = scenarios.iter().flat_map(|s| s.events.iter().map(|e| e.day)).min().unwrap_or(0);
    let pool = thread_pool(options)?;
    let bar = runs_bar(options, replicates as u64 * (1 + scenarios.len() as u64));
    let per_rep: Vec<(RunResult, Vec<RunResult>)> = pool.install(|| {
        (0..replicates)
            .into_par_iter()
            .map(|r| {
                let mut base = sim::Runner::new(&baseline, r).with_cancel(options.cancel.clone());
                base.advance_to(fork_day, None);
                let forks: Vec<sim::Runner> = scenarios.iter().map(|s| base.fork(s)).collect();
                let arms: Vec<RunResult> = forks.into_par_iter().map(|f| f.finish(None)).collect();
                let base = base.finish(None);
                bar.inc(1 + arms.len() as u64);
                (base, arms)
            })
            .collect()
    });
    options.cancel.check()?;
    bar.finish_and_clear();
    let group_names: Vec<String> = first.groups().into_iter().map(|g| g.name).collect();
    let wall = started.elapsed().as_secs_f64();
    let mut out = Vec::new();
    for (k, s) in scenarios.iter().enumerate() {
        let base_runs: Vec<RunResult> = per_rep.iter().map(|(b, _)| b.clone()).collect();
        let scen_runs: Vec<RunResult> = per_rep.iter().map(|(_, a)| a[k].clone()).collect();
        let mut exp = Experiment {
            scenario: s.clone(),
            arms: vec![
                Arm { name: BASELINE, scenario: baseline.clone(), runs: base_runs },
                Arm { name: SCENARIO, scenario: s.clone(), runs: scen_runs },
            ],
            group_names: group_names.clone(),
            effects: None,
            wall_seconds: wall,
        };
        exp.effects = Some(effects(&exp));
        out.push(exp);
    }
    Ok(out)
}

/// Mean people per group over an arm's replicates (in the order of `group_names`).
pub fn group_sizes(runs: &[RunResult]) -> Vec<f64> {
    let n = runs.first().map_or(0, |r| r.group_sizes.len());
    (0..n).map(|g| runs.iter().map(|r| r.group_sizes[g] as f64).sum::<f64>() / runs.len().max(1) as f64).collect()
}

impl Experiment {
    /// Mean people in a group over the baseline arm's replicates; 0 for a group it does not report.
    pub fn people_in(&self, group: &str) -> f64 {
        let g = self.group_names.iter().position(|x| x == group);
        g.and_then(|g| group_sizes(&self.arms[0].runs).get(g).copied()).unwrap_or(0.0)
    }

    /// A group's metric in an arm over the analysis window: the mean over replicates and its 95% interval.
    pub fn level(&self, arm: usize, g: usize, m: usize) -> (f64, f64, f64) {
        let v: Vec<f64> = self.arms[arm]
            .runs
            .iter()
            .map(|r| window_mean(r, &self.scenario, g, m))
            .filter(|x| x.is_finite())
            .collect();
        mean_ci(&v)
    }
}

/// Mean of a metric over the analysis window (the last `window_days` of the run), skipping empty groups.
pub fn window_mean(run: &RunResult, scenario: &Scenario, group: usize, metric: usize) -> f64 {
    let from = scenario.run.days.saturating_sub(scenario.analysis.window_days);
    let (mut sum, mut n) = (0.0, 0usize);
    for (r, &day) in run.record_days.iter().enumerate() {
        if day > from {
            let v = run.value(r, group, metric);
            if v.is_finite() {
                sum += v;
                n += 1;
            }
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        sum / n as f64
    }
}

/// Mean and 95% t-interval of paired differences. With one replicate the interval is undefined (NaN).
pub fn mean_ci(diffs: &[f64]) -> (f64, f64, f64) {
    let n = diffs.len();
    if n == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN, f64::NAN);
    }
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let se = (var / n as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).expect("valid degrees of freedom").inverse_cdf(0.975);
    (mean, mean - t * se, mean + t * se)
}

/// Paired effects for every group and metric.
pub fn effects(exp: &Experiment) -> Vec<Effect> {
    let (base, scen) = (&exp.arms[0], &exp.arms[1]);
    let mut out = Vec::new();
    for (g, group) in exp.group_names.iter().enumerate() {
        for (m, metric) in METRICS.iter().enumerate() {
            let mut b = Vec::new();
            let mut s = Vec::new();
            let mut d = Vec::new();
            for (rb, rs) in base.runs.iter().zip(&scen.runs) {
                let (x, y) = (window_mean(rb, &exp.scenario, g, m), window_mean(rs, &exp.scenario, g, m));
                if x.is_finite() && y.is_finite() {
                    b.push(x);
                    s.push(y);
                    d.push(y - x);
                }
            }
            let mean = |v: &[f64]| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
            let (difference, ci_low, ci_high) = mean_ci(&d);
            let baseline_mean = mean(&b);
            let relative_change = if baseline_mean != 0.0 { difference / baseline_mean } else { f64::NAN };
            out.push(Effect {
                group: group.clone(),
                metric,
                baseline_mean,
                scenario_mean: mean(&s),
                difference,
                ci_low,
                ci_high,
                relative_change,
            });
        }
    }
    debug_assert_eq!(out.len(), exp.group_names.len() * N_METRICS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_matches_hand_computation() {
        // Differences 1, 2, 3: mean 2, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.302653.
        let (m, lo, hi) = mean_ci(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12);
        let half = 4.302_652_729_749_464 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-6, "{lo}");
        assert!((hi - (2.0 + half)).abs() < 1e-6, "{hi}");
        let (_, lo1, _) = mean_ci(&[5.0]);
        assert!(lo1.is_nan());
    }
}
