//! Towns kept warm: for each town (and seed), the baseline arm's finished runs and its runs stopped at the
//! days where options began (burned-in worlds), per replicate, so a new option on the same town runs only its
//! scenario arm from its first event day. Forking a kept world equals running the arm alone (the invariant
//! `sim::Runner::fork` rests on), so a warm answer is the cold one, bit for bit. Bounded: the least recently
//! used burned-in worlds go first once they pass the memory budget.

use crate::cancel::Cancel;
use crate::scenario::Scenario;
use crate::sim::{RunResult, Runner};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Towns kept at most, however small.
const MAX_TOWNS: usize = 16;

/// Burned-in worlds of one day, one per replicate, and when they were last used.
struct DayWorlds<'a> {
    used: u64,
    runners: BTreeMap<u32, Runner<'a>>,
}

type Worlds<'a> = Mutex<BTreeMap<u32, DayWorlds<'a>>>;

self_cell::self_cell!(
    /// A town (the baseline scenario) and its burned-in worlds, which borrow it.
    struct KeptWorlds {
        owner: Scenario,
        #[not_covariant]
        dependent: Worlds,
    }
);

/// What one replicate of a question gives: the baseline arm's run and, for a what-if, the scenario arm's.
pub type Pair = (RunResult, Option<RunResult>);

/// One town, warm.
pub struct WarmTown {
    key: String,
    worlds: KeptWorlds,
    baselines: Mutex<BTreeMap<u32, RunResult>>,
    used: AtomicU64,
    bytes_per_world: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl WarmTown {
    /// Runs replicate `r` of `option` (None: the town alone), forking at `fork_day` from the latest kept world
    /// of that replicate at or before it, and keeps what it computed. None when `cancel` stopped it (then
    /// nothing it computed is kept).
    pub fn replicate(
        &self,
        option: Option<&Scenario>,
        fork_day: u32,
        r: u32,
        cancel: &Cancel,
        stamp: u64,
    ) -> Option<Pair> {
        self.used.store(stamp, Ordering::Relaxed);
        let kept_base = lock(&self.baselines).get(&r).cloned();
        if let (Some(b), None) = (&kept_base, option) {
            return Some((b.clone(), None));
        }
        self.worlds.with_dependent(|town, worlds| {
            let start = {
                let mut w = lock(worlds);
                let found = w.range_mut(..=fork_day).rev().find_map(|(_, d)| {
                    d.runners.contains_key(&r).then(|| {
                        d.used = stamp;
                        d.runners[&r].clone()
                    })
                });
                found
            };
            let mut base = start.unwrap_or_else(|| Runner::new(town, r)).with_cancel(cancel.clone());
            let from = base.day();
            base.advance_to(fork_day, None);
            if cancel.requested() {
                return None;
            }
            if from < fork_day {
                let mut w = lock(worlds);
                let day = w.entry(fork_day).or_insert_with(|| DayWorlds { used: stamp, runners: BTreeMap::new() });
                day.used = stamp;
                day.runners.entry(r).or_insert_with(|| base.clone());
            }
            let (b, s) = match (option, kept_base) {
                (Some(option), Some(b)) => (b, Some(base.fork(option).finish(None))),
                (Some(option), None) => {
                    let scen = base.fork(option);
                    let (b, s) = rayon::join(|| base.finish(None), || scen.finish(None));
                    (b, Some(s))
                }
                (None, _) => (base.finish(None), None),
            };
            if cancel.requested() {
                return None;
            }
            lock(&self.baselines).entry(r).or_insert_with(|| b.clone());
            Some((b, s))
        })
    }

    fn worlds_kept(&self) -> Vec<(u32, u64, u64)> {
        self.worlds.with_dependent(|_, worlds| {
            lock(worlds).iter().map(|(day, d)| (*day, d.used, d.runners.len() as u64 * self.bytes_per_world)).collect()
        })
    }

    /// Bytes the kept baseline runs take.
    fn baseline_bytes(&self) -> u64 {
        lock(&self.baselines)
            .values()
            .map(|r| {
                (r.values.len() * 8
                    + r.venue_rows
                        .iter()
                        .map(|v| v.len() * std::mem::size_of::<crate::world::VenuePeriod>())
                        .sum::<usize>()) as u64
            })
            .sum()
    }

    fn drop_day(&self, day: u32) {
        self.worlds.with_dependent(|_, worlds| {
            lock(worlds).remove(&day);
        });
    }
}

/// Every warm town, within a memory budget for their burned-in worlds.
pub struct WarmCache {
    towns: Mutex<Vec<Arc<WarmTown>>>,
    budget_bytes: u64,
    clock: AtomicU64,
}

impl WarmCache {
    pub fn new(budget_bytes: u64) -> Self {
        WarmCache { towns: Mutex::new(Vec::new()), budget_bytes, clock: AtomicU64::new(0) }
    }

    /// A new use's time stamp (for least-recently-used).
    pub fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The warm town of a scenario (made cold if it is new): towns match when everything that shapes a run
    /// but the events matches.
    pub fn town(&self, scenario: &Scenario) -> Arc<WarmTown> {
        let key = format!(
            "{}|{}",
            crate::experiment::town_key(scenario),
            serde_json::to_string(&scenario.analysis.groups).unwrap_or_default()
        );
        let mut towns = lock(&self.towns);
        if let Some(t) = towns.iter().find(|t| t.key == key) {
            return t.clone();
        }
        let per_agent = crate::sim::bytes_per_agent(scenario.params.max_ties_usize()) as u64;
        let town = Arc::new(WarmTown {
            key,
            worlds: KeptWorlds::new(scenario.without_events(), |_| Mutex::new(BTreeMap::new())),
            baselines: Mutex::new(BTreeMap::new()),
            used: AtomicU64::new(self.tick()),
            bytes_per_world: per_agent * scenario.population.n_agents as u64,
        });
        towns.push(town.clone());
        town
    }

    /// Drops the least recently used burned-in worlds until they and the kept baselines fit the budget, then
    /// (if the baselines alone do not fit) the least recently used towns but the latest, and towns beyond
    /// [`MAX_TOWNS`].
    pub fn trim(&self) {
        let mut towns = lock(&self.towns);
        while towns.len() > MAX_TOWNS {
            let oldest = (0..towns.len()).min_by_key(|&i| towns[i].used.load(Ordering::Relaxed)).unwrap_or(0);
            towns.remove(oldest);
        }
        loop {
            let kept: Vec<(usize, u32, u64, u64)> = towns
                .iter()
                .enumerate()
                .flat_map(|(i, t)| t.worlds_kept().into_iter().map(move |(d, u, b)| (i, d, u, b)))
                .collect();
            let baselines: u64 = towns.iter().map(|t| t.baseline_bytes()).sum();
            let total: u64 = kept.iter().map(|k| k.3).sum::<u64>() + baselines;
            if total <= self.budget_bytes {
                break;
            }
            if let Some(&(i, day, _, _)) = kept.iter().min_by_key(|k| k.2) {
                towns[i].drop_day(day);
            } else if towns.len() > 1 {
                let oldest = (0..towns.len()).min_by_key(|&i| towns[i].used.load(Ordering::Relaxed)).unwrap_or(0);
                towns.remove(oldest);
            } else {
                break;
            }
        }
    }
}
