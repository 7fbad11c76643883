//! What a sweep will cost before it runs (`supportsim sweep --dry-run`): its points and runs, the agent-days
//! they simulate, and the time on this machine from a short timed probe of the first point's town; and its
//! design as CSV, one row per point.

use super::design::Plan;
use super::domain::value_text;
use super::spec::Sweep;
use crate::error::{Error, Result};
use crate::sim::Runner;
use std::io::Write;

/// Days the probe steps (after building the town, which is timed apart).
const PROBE_DAYS: u32 = 14;

/// What a sweep costs.
#[derive(Clone, Debug)]
pub struct Estimate {
    pub points: usize,
    pub runs: usize,
    /// Arms per run: 2 for a what-if (baseline and scenario), else 1.
    pub arms: usize,
    /// Agent-days the runs simulate (a what-if's shared days before the first event count once).
    pub agent_days: f64,
    /// The probe's time per agent-day on one thread, in nanoseconds, and to build one town, in seconds.
    pub ns_per_agent_day: f64,
    pub build_seconds: f64,
    /// About how long the sweep takes on `threads` threads.
    pub seconds: f64,
    /// Peak memory of the towns running at once, in bytes (about).
    pub memory_bytes: u64,
}

/// Times the first point's town on one thread and scales to the whole sweep on `threads` threads.
pub fn estimate(sweep: &Sweep, threads: usize) -> Result<Estimate> {
    let plan = Plan::new(sweep);
    let points = plan.len();
    let runs = points * sweep.replicates as usize;
    let scenario = sweep.scenario_at(&plan.values(sweep, 0)).map_err(Error::Sweep)?;
    let arms = if scenario.events.is_empty() { 1 } else { 2 };
    let days = scenario.run.days as f64;
    let fork = scenario.events.iter().map(|e| e.day).min().unwrap_or(scenario.run.days) as f64;
    let per_run_days = if arms == 2 { fork + 2.0 * (days - fork) } else { days };
    let n = scenario.population.n_agents as f64;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start a thread for the estimate: {e}")))?;
    let (build_seconds, ns_per_agent_day) = pool.install(|| {
        let start = std::time::Instant::now();
        let mut run = Runner::new(&scenario, 0);
        let built = start.elapsed().as_secs_f64();
        let start = std::time::Instant::now();
        run.advance_to(PROBE_DAYS.min(scenario.run.days), None);
        let stepped = start.elapsed().as_secs_f64();
        (built, stepped * 1e9 / (n * PROBE_DAYS.min(scenario.run.days) as f64))
    });
    let agent_days = runs as f64 * n * per_run_days;
    // Runs go side by side, one a thread; two threads do about 1.8 times one thread's work (docs/performance.md).
    let speedup = if threads <= 1 { 1.0 } else { 0.9 * threads as f64 };
    let seconds = (agent_days * ns_per_agent_day * 1e-9 + runs as f64 * arms as f64 * build_seconds) / speedup;
    let per_agent = crate::sim::bytes_per_agent(scenario.params.max_ties_usize()) as f64;
    let memory_bytes = (threads.min(runs.max(1)) as f64 * arms as f64 * n * per_agent * 1.25) as u64;
    Ok(Estimate { points, runs, arms, agent_days, ns_per_agent_day, build_seconds, seconds, memory_bytes })
}

/// The design: `point` and each parameter's value, one row per point.
pub fn write_design(sweep: &Sweep, out: &mut dyn Write) -> std::io::Result<()> {
    let plan = Plan::new(sweep);
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["point".to_string()];
    header.extend(sweep.parameters.iter().map(|p| p.path.clone()));
    w.write_record(&header)?;
    for point in 0..plan.len() {
        let mut row = vec![point.to_string()];
        row.extend(plan.values(sweep, point).iter().map(value_text));
        w.write_record(&row)?;
    }
    w.flush()
}

/// A duration for people: seconds, minutes or hours.
pub fn shown_duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}
