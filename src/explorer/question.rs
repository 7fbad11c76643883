//! One question the explorer answers: a town alone (its levels) or a town with an option's events (a
//! what-if), run replicate by replicate on warm towns, reporting the headline as replicates finish. The
//! replicates, the adaptive rule and the assembled experiment are `supportsim run`'s, so the answer equals
//! that command's on the same scenario file.

use super::warm::{Pair, WarmCache};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::{self, Experiment};
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// Where a question stands while it runs.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Progress {
    /// Replicates finished, and how many the question runs (it grows when an interval target adds some).
    pub done: u32,
    pub total: u32,
    /// The headline over the finished replicates: (difference, interval low, high, baseline, scenario); the
    /// interval is undefined (null) until two have finished. None for a town alone.
    pub headline: Option<[f64; 5]>,
    /// The headline's metric, so the page writes its numbers in its unit.
    pub metric: String,
}

/// Where a question without events keeps its burned-in worlds: the day the explorer's options start by
/// default, so that the first option asked after the town's levels is warm.
pub fn warm_day(scenario: &Scenario) -> u32 {
    scenario.run.burn_in_days.min(scenario.run.days)
}

/// Runs a question on `pool`, calling `progress` as replicates finish; the experiment `supportsim run` of
/// the same scenario returns.
pub fn answer(
    cache: &WarmCache,
    scenario: &Scenario,
    pool: &rayon::ThreadPool,
    cancel: &Cancel,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Experiment> {
    let started = std::time::Instant::now();
    let town = cache.town(scenario);
    let what_if = !scenario.events.is_empty();
    let fork_day = scenario.events.iter().map(|e| e.day).min().unwrap_or_else(|| warm_day(scenario));
    let option = what_if.then_some(scenario);
    let headline = experiment::headline_index(scenario);
    let threads = pool.current_num_threads().max(1);
    let done: Mutex<BTreeMap<u32, Pair>> = Mutex::new(BTreeMap::new());
    let next = AtomicU32::new(0);
    let mut total = scenario.run.replicates;
    loop {
        pool.install(|| {
            use rayon::prelude::*;
            (0..threads).into_par_iter().for_each(|_| loop {
                let r = next.fetch_add(1, Ordering::SeqCst);
                if r >= total || cancel.requested() {
                    break;
                }
                let Some(pair) = town.replicate(option, fork_day, r, cancel, cache.tick()) else { break };
                let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
                done.insert(r, pair);
                let headline = headline.filter(|_| what_if).map(|(g, m)| summary(done.values(), scenario, g, m));
                let metric = scenario.analysis.headline_metric.clone();
                progress(Progress { done: done.len() as u32, total, headline, metric });
            })
        });
        cancel.check()?;
        let done = done.lock().unwrap_or_else(|e| e.into_inner());
        let add = match headline.filter(|_| what_if) {
            Some((g, m)) => {
                let diffs: Vec<f64> = done
                    .values()
                    .map(|(b, s)| experiment::paired_difference(b, s.as_ref().unwrap_or(b), scenario, g, m))
                    .collect();
                experiment::more_replicates(scenario, &diffs)
            }
            None => 0,
        };
        if add == 0 {
            break;
        }
        next.store(total, Ordering::SeqCst);
        total += add;
    }
    let done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    if done.len() as u32 != total {
        return Err(Error::Interrupted);
    }
    let (base, scen): (Vec<_>, Vec<_>) = done.into_values().unzip();
    let mut runs = vec![base];
    if what_if {
        runs.push(scen.into_iter().flatten().collect());
    }
    Ok(experiment::assemble(scenario, runs, started))
}

/// The headline over the finished pairs: mean difference, its 95% interval, and the arms' means.
fn summary<'p>(pairs: impl Iterator<Item = &'p Pair>, scenario: &Scenario, g: usize, m: usize) -> [f64; 5] {
    let (mut diffs, mut base, mut scen) = (Vec::new(), 0.0, 0.0);
    for (b, s) in pairs {
        let s = s.as_ref().unwrap_or(b);
        let (x, y) = (experiment::window_mean(b, scenario, g, m), experiment::window_mean(s, scenario, g, m));
        if x.is_finite() && y.is_finite() {
            diffs.push(y - x);
            base += x;
            scen += y;
        }
    }
    let n = diffs.len().max(1) as f64;
    let (d, lo, hi) = experiment::mean_ci(&diffs);
    [d, lo, hi, base / n, scen / n]
}
