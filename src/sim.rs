//! One run of one arm and replicate: builds the town, then steps days through the phases in the order fixed
//! by `dynamics`, recording metrics every `record_every_days`. No IO: agent-level records go to an
//! [`AgentObserver`] the caller provides.
//!
//! Invariant: a run is a function of (scenario, replicate) alone; it never depends on the thread count.

use crate::cancel::Cancel;
use crate::dynamics::PHASES;
use crate::metric_names::N_METRICS;
use crate::metrics;
use crate::scenario::{Event, Scenario};
use crate::types::VenueIdx;
use crate::world::{Agent, AgentObserver, AgentState, Daily, Network, PeerView, PeriodAcc, VenuePeriod, World};

/// Memory one running town needs per agent, ties included (for the estimate `run` checks before it starts).
pub fn bytes_per_agent(max_ties: usize) -> usize {
    use std::mem::size_of;
    size_of::<Agent>()
        + size_of::<AgentState>()
        + Network::bytes_per_agent(max_ties)
        + size_of::<Daily>()
        + size_of::<PeriodAcc>()
        + size_of::<PeerView>()
        + size_of::<VenueIdx>()
        + size_of::<VenueIdx>()
        + std::mem::size_of::<[u8; 16]>()
}

/// Memory this machine has available, from /proc/meminfo (Linux); None where unknown.
fn available_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Refuses a run of `scenario` whose towns would not fit in memory (unless `force`), saying how much it
/// needs: replicates run side by side, one per thread, and a what-if holds both arms of a replicate at once.
pub fn check_memory(scenario: &Scenario, threads: Option<usize>, force: bool) -> crate::error::Result<()> {
    let threads = threads.unwrap_or_else(rayon::current_num_threads).max(1) as u64;
    let arms = if scenario.events.is_empty() { 1 } else { 2 };
    let concurrent = threads.min(scenario.run.replicates as u64) * arms;
    let per_agent = bytes_per_agent(scenario.params.max_ties_usize());
    let per_town = scenario.population.n_agents as u64 * per_agent as u64;
    let needed = per_town * concurrent * 5 / 4;
    match available_memory_bytes() {
        Some(avail) if needed > avail && !force => Err(crate::error::Error::Usage(format!(
            "this run needs about {:.1} GiB ({} agents × {per_agent} bytes × {concurrent} towns at once) but {:.1} \
             GiB is available; use fewer threads (--threads) or agents, or force it (--force) to try anyway",
            needed as f64 / (1u64 << 30) as f64,
            scenario.population.n_agents,
            avail as f64 / (1u64 << 30) as f64
        ))),
        _ => Ok(()),
    }
}

/// Metrics of one run: `values[record][group][metric]` flattened, plus venue rows.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub record_days: Vec<u32>,
    pub n_groups: usize,
    /// People in each group (membership never changes during a run).
    pub group_sizes: Vec<u32>,
    pub values: Vec<f64>,
    /// Per record, per venue: the period's visits, open and full days, and whether it operated at its end.
    pub venue_rows: Vec<Vec<VenuePeriod>>,
}

impl RunResult {
    pub fn value(&self, record: usize, group: usize, metric: usize) -> f64 {
        self.values[(record * self.n_groups + group) * N_METRICS + metric]
    }
}

impl World<'_> {
    /// The `metrics` phase: computes the metrics of the period of `period_days` days that ends now, and resets the period
    /// counters. [`Runner`] calls it every `record_every_days` days; public so that benchmarks can time it.
    pub fn record(&mut self, period_days: u32) -> (Vec<f64>, Vec<VenuePeriod>) {
        let values = metrics::compute(self, period_days);
        let venue_rows = self
            .scenario
            .venues
            .iter()
            .enumerate()
            .map(|(v, venue)| VenuePeriod { operating: self.venues[v].operating(venue.kind), ..self.venue_period[v] })
            .collect();
        self.period.iter_mut().for_each(|p| *p = PeriodAcc::default());
        self.venue_period.iter_mut().for_each(|v| *v = VenuePeriod::default());
        (values, venue_rows)
    }
}

/// A run in progress: the world, the day it has reached, and the metrics recorded so far.
#[derive(Clone)]
pub struct Runner<'a> {
    world: World<'a>,
    day: u32,
    last_record: u32,
    result: RunResult,
    cancel: Cancel,
}

impl<'a> Runner<'a> {
    pub fn new(scenario: &'a Scenario, replicate: u32) -> Self {
        let world = World::new(scenario, replicate);
        let mut group_sizes = vec![0u32; world.groups.len()];
        for m in &world.memberships {
            for g in m.iter().take_while(|g| **g != crate::metrics::NO_GROUP) {
                group_sizes[*g as usize] += 1;
            }
        }
        let result = RunResult {
            record_days: Vec::new(),
            n_groups: world.groups.len(),
            group_sizes,
            values: Vec::new(),
            venue_rows: Vec::new(),
        };
        Runner { world, day: 0, last_record: 0, result, cancel: Cancel::never() }
    }

    /// Stops stepping at the next day boundary once `cancel` is set (the run's result is then incomplete,
    /// and the caller must not present it as a result).
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    fn cancelled(&self) -> bool {
        self.cancel.requested()
    }

    /// Steps days until `end_day` (exclusive), applying the scenario's events and recording metrics.
    pub fn advance_to<'o>(&mut self, end_day: u32, observer: Option<&mut (dyn AgentObserver + 'o)>) {
        self.advance_to_phases(end_day, observer, |_| {});
    }

    /// [`Runner::advance_to`], calling `done(k)` as each day's phase `PHASES[k]` ends ([`World::step_phases`]),
    /// and `done(6)` after the day's `metrics`, which records only on the days that end a period (the
    /// benchmarks time the day loop with it, metrics included, as runs take it).
    pub fn advance_to_phases<'o>(
        &mut self,
        end_day: u32,
        mut observer: Option<&mut (dyn AgentObserver + 'o)>,
        mut done: impl FnMut(usize),
    ) {
        let scenario = self.world.scenario;
        let every = scenario.run.record_every_days;
        while self.day < end_day.min(scenario.run.days) && !self.cancelled() {
            let day = self.day;
            let today: Vec<(usize, &Event)> =
                scenario.events.iter().enumerate().filter(|(_, e)| e.day == day).collect();
            self.world.step_phases(day, &today, observer.as_deref_mut(), &mut done);
            if (day + 1).is_multiple_of(every) {
                // The observer sees the period's accumulators before they are reset.
                if let Some(obs) = observer.as_deref_mut() {
                    obs.on_record(day + 1, &self.world);
                }
                let (values, venues) = self.world.record(day + 1 - self.last_record);
                self.last_record = day + 1;
                self.result.record_days.push(day + 1);
                self.result.values.extend(values);
                self.result.venue_rows.push(venues);
            }
            done(PHASES.len() - 1);
            self.day += 1;
        }
    }

    /// The town as it stands at the current day.
    pub fn world(&self) -> &World<'a> {
        &self.world
    }

    /// The next day to be stepped.
    pub fn day(&self) -> u32 {
        self.day
    }

    /// A copy of this run that goes on under another scenario: the two arms of a what-if are identical until
    /// the first event (common random numbers), so the scenario arm can start from the baseline arm's state.
    pub fn fork(&self, scenario: &'a Scenario) -> Runner<'a> {
        let mut other = self.clone();
        other.world.scenario = scenario;
        other
    }

    /// Runs to the end and returns the metrics.
    pub fn finish<'o>(mut self, mut observer: Option<&mut (dyn AgentObserver + 'o)>) -> RunResult {
        let days = self.world.scenario.run.days;
        self.advance_to(days, observer.as_deref_mut());
        if let Some(obs) = observer {
            for ep in self.world.open_episodes(days) {
                obs.on_episode(&self.world, ep);
            }
            obs.on_finish(&self.world);
        }
        self.result
    }
}

/// Runs one arm of one replicate to the end.
pub fn run_replicate<'o>(
    scenario: &Scenario,
    replicate: u32,
    observer: Option<&mut (dyn AgentObserver + 'o)>,
) -> RunResult {
    Runner::new(scenario, replicate).finish(observer)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_running_town_fits_in_512_bytes_per_agent() {
        // The memory target: peak resident memory at 10^6 agents over agents, ties included, at most 512 bytes.
        // The per-agent arrays at the default `max_ties`, and the ≈ 26 bytes per agent the program, venues and
        // buffers add at that size (docs/performance.md, "Where the time goes"), must fit in it.
        const OVERHEAD: usize = 26;
        let per_agent = super::bytes_per_agent(crate::params::Params::default().max_ties_usize());
        assert!(per_agent + OVERHEAD <= 512, "{per_agent} bytes per agent");
    }

    /// The views and habits the inner state prepares for the next day, and the accumulators it clears, are
    /// those `begin_day` builds from the states; a day with events builds them again.
    #[test]
    fn the_next_days_views_prepared_by_the_inner_state_are_built_ones() {
        use crate::scenario::{Origin, Scenario};
        let s = Scenario::load(Origin::Embedded, std::path::Path::new("baseline.toml")).unwrap().scaled(2000);
        let mut w = super::World::new(&s, 0);
        let bits = |ctx: &crate::dynamics::DayContext, w: &super::World| {
            let peers: Vec<_> = ctx.peers.iter().map(|p| p.bits()).collect();
            let daily: Vec<_> = w.daily.iter().map(|d| format!("{d:?}")).collect();
            (peers, ctx.habits.clone(), daily)
        };
        for day in 0..15 {
            // Days 0 to 14 cover every weekday, and some agents' habits and mental states change.
            let (mut fresh, mut prepared) = (w.clone(), w.clone());
            fresh.prepared = None;
            assert_eq!(prepared.prepared.is_some(), day > 0);
            let want = fresh.begin_day(day, &[]);
            let got = prepared.begin_day(day, &[]);
            assert!(prepared.prepared.is_none());
            assert_eq!(bits(&got, &prepared), bits(&want, &fresh), "day {day}");
            w.step(day, &[], None);
        }
        // An event that changes a view (social media use) drops what was prepared.
        let shift = crate::scenario::Event {
            day: 15,
            action: crate::scenario::Action::SocialMediaShift { delta: 0.25 },
            note: None,
        };
        let ctx = w.begin_day(15, &[(0, &shift)]);
        let a = &w.agents[0];
        assert_eq!(ctx.peers[0].social_media().to_bits(), a.social_media.to_bits());
    }
}
