//! One run of one arm and replicate: builds the town, then steps days through the phases in the order fixed
//! by `dynamics`, recording metrics every `record_every_days`. No IO: agent-level records go to an
//! [`AgentObserver`] the caller provides.
//!
//! Invariant: a run is a function of (scenario, replicate) alone; it never depends on the thread count.

use crate::dynamics::inner::{self, PeriodAcc};
use crate::dynamics::{going_out, meeting, outreach, support, Daily, DayContext, LnRatios, PeerView};
use crate::groups::Group;
use crate::metrics::{self, N_METRICS};
use crate::network::Network;
use crate::population::{self, Agent, AgentState};
use crate::scenario::{Event, Scenario};
use crate::types::{weekday, AgentIdx, MentalState, VenueIdx, NO_VENUE};
use crate::venues::VenueState;
use rayon::prelude::*;

#[derive(Clone, Debug)]
pub struct Campaign {
    pub strength: f64,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug)]
pub struct Subsidy {
    pub group: Group,
    pub amount_weekly_nok: f32,
    pub until: Option<u32>,
}

/// An episode of struggling or crisis, for `episodes.csv`.
#[derive(Clone, Debug)]
pub struct Episode {
    pub agent: AgentIdx,
    pub start_day: u32,
    /// None when still going at the end of the run (censored).
    pub end_day: Option<u32>,
    pub worst: MentalState,
    pub mean_support: f32,
}

/// Receives agent-level records during a run (for `--record-agents`).
pub trait AgentObserver {
    /// Called at the end of each recording period, before its per-agent accumulators (`World::period`)
    /// are reset.
    fn on_record(&mut self, day: u32, world: &World);
    fn on_episode(&mut self, world: &World, episode: Episode);
    fn on_finish(&mut self, world: &World);
    /// The first error the observer met (for example, a full disk), reported after the run.
    fn take_error(&mut self) -> Option<crate::error::Error> {
        None
    }
}

/// The phases of a day, in the order a run takes them: the first six are [`World::step`]'s (the methods of the
/// same names); the last, `metrics`, is [`Runner`]'s recording of the period's metrics on the days that end one
/// ([`World::record`], every `record_every_days` days).
pub const PHASES: [&str; 7] = ["begin_day", "going_out", "meeting", "outreach", "support", "inner", "metrics"];

/// The running town.
#[derive(Clone)]
pub struct World<'a> {
    pub scenario: &'a Scenario,
    pub replicate: u32,
    pub agents: Vec<Agent>,
    /// Dynamic state, one buffer: phase 5 is the only writer and the day's last per-agent phase, and each agent
    /// reads only its own state there, so updating in place is the same as a second buffer.
    pub states: Vec<AgentState>,
    pub network: Network,
    pub staff: Vec<Vec<AgentIdx>>,
    pub venues: Vec<VenueState>,
    pub district_budget: Vec<f64>,
    pub lockdown_until: u32,
    pub campaigns: Vec<Campaign>,
    pub subsidies: Vec<Subsidy>,
    pub venue_today: Vec<VenueIdx>,
    pub daily: Vec<Daily>,
    pub period: Vec<PeriodAcc>,
    pub visits_period: Vec<u32>,
    pub groups: Vec<Group>,
    /// Group indices of each agent (see `metrics::memberships`).
    pub memberships: Vec<[u8; 16]>,
    resident_stigma_mean: f32,
    /// What the inner state wrote for the next day ([`Prepared`]); none before the first day, and dropped
    /// when events are applied.
    prepared: Option<Prepared>,
}

/// The views and habits every agent reads on `day`, written by the inner state at the end of the day before
/// (the last phase that changes them), which also cleared that day's accumulators: a day with events, which
/// can change what the views hold, builds them again.
#[derive(Clone)]
struct Prepared {
    day: u32,
    peers: Vec<PeerView>,
    habits: Vec<VenueIdx>,
}

/// What others read of an agent today (`DayContext::peers`), before anyone has gone out.
#[inline]
fn view(a: &Agent, st: &AgentState) -> PeerView {
    PeerView::new(a.social_media, NO_VENUE, st.mental, a.lived_experience)
}

/// Memory one running town needs per agent, ties included (for the estimate `run` checks before it starts).
pub fn bytes_per_agent(max_ties: usize) -> usize {
    use std::mem::size_of;
    size_of::<Agent>()
        + size_of::<AgentState>()
        + crate::network::Network::bytes_per_agent(max_ties)
        + size_of::<Daily>()
        + size_of::<PeriodAcc>()
        + size_of::<PeerView>()
        + size_of::<VenueIdx>()
        + size_of::<VenueIdx>()
        + std::mem::size_of::<[u8; 16]>()
}

/// Metrics of one run: `values[record][group][metric]` flattened, plus venue rows.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub record_days: Vec<u32>,
    pub n_groups: usize,
    pub values: Vec<f64>,
    /// Per record: (venue, operating, visits in the period).
    pub venue_rows: Vec<Vec<(bool, u32)>>,
}

impl RunResult {
    pub fn value(&self, record: usize, group: usize, metric: usize) -> f64 {
        self.values[(record * self.n_groups + group) * N_METRICS + metric]
    }
}

impl<'a> World<'a> {
    pub fn new(scenario: &'a Scenario, replicate: u32) -> Self {
        let town = population::build(scenario, replicate);
        let n = town.agents.len();
        let threshold = scenario.params.ritual_budget_threshold;
        let residents: Vec<f32> =
            town.agents.iter().filter(|a| a.role == crate::types::Role::Resident).map(|a| a.stigma_attitude).collect();
        let resident_stigma_mean = residents.iter().sum::<f32>() / residents.len().max(1) as f32;
        let groups = Group::of(scenario);
        let memberships = metrics::memberships(&groups, &town.agents);
        World {
            scenario,
            replicate,
            states: town.states,
            agents: town.agents,
            network: town.network,
            staff: town.staff,
            venues: scenario.venues.iter().map(|v| VenueState::new(v, threshold)).collect(),
            district_budget: scenario.districts.iter().map(|d| d.budget_nok).collect(),
            lockdown_until: 0,
            campaigns: Vec::new(),
            subsidies: Vec::new(),
            venue_today: vec![NO_VENUE; n],
            daily: vec![Daily::default(); n],
            period: vec![PeriodAcc::default(); n],
            visits_period: vec![0; scenario.venues.len()],
            groups,
            memberships,
            resident_stigma_mean,
            prepared: None,
        }
    }

    /// The day's context; the views and habits only `with_views` (else they are left empty, for the ones the
    /// inner state prepared).
    fn context(&self, day: u32, with_views: bool) -> DayContext {
        let s = self.scenario;
        let mut ctx = DayContext::new(day, s.run.seed, self.replicate);
        let lockdown = day < self.lockdown_until;
        for (v, venue) in s.venues.iter().enumerate() {
            let st = &self.venues[v];
            let open = !lockdown && st.open_on(venue.kind, ctx.weekday);
            ctx.open_today.push(open);
            let ritual = if open { st.rituals[ctx.weekday] } else { Default::default() };
            if ritual != crate::types::Ritual::None {
                ctx.ritual_venues.push(v as VenueIdx);
            }
            ctx.ritual_today.push(ritual);
            ctx.cost_today.push(st.cost_nok as f32);
            ctx.active_staff.push(if open { st.active_staff(self.staff[v].len()) as u16 } else { 0 });
        }
        let mut m = 1.0f64;
        for c in &self.campaigns {
            if day >= c.start && day < c.end {
                m *= 1.0 - c.strength;
            } else if day >= c.end {
                m *= 1.0 - c.strength * s.params.campaign_persistence;
            }
        }
        // One pass over the states for both: at 10^6 agents each pass streams 88 MB.
        let weekday = ctx.weekday;
        if with_views {
            (ctx.peers, ctx.habits) = self
                .agents
                .par_iter()
                .zip(self.states.par_iter())
                .with_min_len(4096)
                .map(|(a, st)| (view(a, st), st.habit_venue[weekday]))
                .unzip();
        }
        ctx.stigma_multiplier = m as f32;
        ctx.ln_rr = LnRatios::new(&s.params);
        ctx.leave_bounds = inner::LeaveBounds::new(&s.params, &ctx.ln_rr);
        ctx.going_out_bounded = going_out::bound_holds(&s.params);
        ctx.public_stigma = self.resident_stigma_mean * m as f32;
        let active: Vec<&Subsidy> = self.subsidies.iter().filter(|x| x.until.is_none_or(|u| day < u)).collect();
        if !active.is_empty() {
            ctx.subsidy_nok = self
                .agents
                .iter()
                .map(|a| {
                    active
                        .iter()
                        .filter(|x| x.group.contains(a.role, a.district, a.income_quartile, a.diagnosis))
                        .map(|x| x.amount_weekly_nok)
                        .sum()
                })
                .collect();
        }
        ctx
    }

    /// Advances one day through every phase. A run with an observer (agent records, the calibration's
    /// statistics) must have it from day 0: the network then keeps each tie's last contact day (`ties.csv`;
    /// [`Network::track_last_contact`]), which other runs neither keep nor stream, as no output of theirs
    /// shows it.
    pub fn step<'o>(
        &mut self,
        day: u32,
        events_today: &[(usize, &Event)],
        observer: Option<&mut (dyn AgentObserver + 'o)>,
    ) {
        self.step_phases(day, events_today, observer, |_| {});
    }

    /// [`World::step`], calling `done(k)` as phase `PHASES[k]` ends, for the first six (the benchmarks time each
    /// phase with it; `end_day` counts with `inner`).
    pub fn step_phases<'o>(
        &mut self,
        day: u32,
        events_today: &[(usize, &Event)],
        observer: Option<&mut (dyn AgentObserver + 'o)>,
        mut done: impl FnMut(usize),
    ) {
        if observer.is_some() && !self.network.keeps_last_contact() {
            assert_eq!(day, 0, "agent records must be observed from the first day (the ties' last contacts)");
            self.network.track_last_contact();
        }
        let mut ctx = self.begin_day(day, events_today);
        done(0);
        self.going_out(&ctx);
        done(1);
        self.meeting(&ctx);
        done(2);
        self.outreach(&ctx);
        done(3);
        self.support(&mut ctx);
        done(4);
        self.inner(&mut ctx);
        self.end_day(day, observer);
        done(5);
    }

    /// Phase 1 and the day's context: applies today's events, builds what every agent reads today and
    /// clears the per-day accumulators. The phases below are public so benchmarks can time them one by one;
    /// [`World::step`] runs them in order.
    pub fn begin_day(&mut self, day: u32, events_today: &[(usize, &Event)]) -> DayContext {
        for &(i, e) in events_today {
            crate::events::apply(self, e, i);
        }
        let prepared = self.prepared.take().filter(|p| p.day == day && events_today.is_empty());
        let mut ctx = self.context(day, prepared.is_none());
        if let Some(p) = prepared {
            (ctx.peers, ctx.habits) = (p.peers, p.habits);
        } else {
            self.daily.par_iter_mut().with_min_len(4096).for_each(|d| *d = Daily::default());
        }
        ctx
    }

    /// Phase 2: who goes out, and where.
    pub fn going_out(&mut self, ctx: &DayContext) {
        going_out::run(ctx, self.scenario, &self.agents, &self.states, &self.network, &mut self.venue_today);
    }

    /// Phase 3: meetings at venues (new ties, support from meetings and staff, stigma and rejections).
    pub fn meeting(&mut self, ctx: &DayContext) {
        let s = self.scenario;
        let attendees = meeting::attendees(&self.venue_today, s.venues.len());
        let visits = meeting::run(
            ctx,
            s,
            &self.agents,
            &self.states,
            &mut self.network,
            &attendees,
            &mut self.venue_today,
            &mut self.daily,
        );
        for (total, v) in self.visits_period.iter_mut().zip(visits) {
            *total += v;
        }
    }

    /// Phase 3b: peer workers reach out to unwell service users who stayed in.
    pub fn outreach(&mut self, ctx: &DayContext) {
        outreach::run(
            self.scenario,
            self.replicate,
            ctx.day,
            &self.agents,
            &self.states,
            &self.staff,
            &self.venue_today,
            &mut self.daily,
        );
    }

    /// Phases 4 and 7: contact and support along ties; decay and turnover of ties.
    pub fn support(&mut self, ctx: &mut DayContext) {
        ctx.peers
            .par_iter_mut()
            .zip(self.venue_today.par_iter())
            .with_min_len(4096)
            .for_each(|(p, v)| p.set_venue_today(*v));
        support::run(ctx, &self.scenario.params, &mut self.network, &mut self.daily);
        if ctx.weekday == support::TURNOVER_WEEKDAY {
            population::renew_friendships(
                self.scenario,
                self.replicate,
                ctx.day,
                &self.agents,
                &self.daily,
                &mut self.network,
            );
        }
    }

    /// Phases 5 and 6: inner state (loneliness, hope, shame, habits, money) and mental-state transitions.
    /// Updates each agent's state in place: every phase that reads other agents' states has run today, and
    /// `inner::step` reads only the agent's own. Then writes what the next day's context holds of the agent
    /// (its view and habit, into `ctx`'s buffers, which it takes: `Prepared`) and clears its accumulators.
    pub fn inner(&mut self, ctx: &mut DayContext) {
        let s = self.scenario;
        let n = self.agents.len();
        // Tomorrow's views and habits go into today's buffers, which nothing reads after this phase.
        let (mut peers, mut habits) = (std::mem::take(&mut ctx.peers), std::mem::take(&mut ctx.habits));
        peers.resize(n, PeerView::default());
        habits.resize(n, NO_VENUE);
        let tomorrow = weekday(ctx.day + 1);
        let ctx = &*ctx;
        let (agents, venue_today) = (&self.agents, &self.venue_today);
        let rates = inner::Rates::new(&s.params);
        // Chunks of agents, each a plain loop around the inlined step, so that what every agent reads the same
        // is set up once per chunk whatever the compiler decides about rayon's calls.
        const CHUNK: usize = 1024;
        self.states
            .par_chunks_mut(CHUNK)
            .zip(self.period.par_chunks_mut(CHUNK))
            .zip(self.daily.par_chunks_mut(CHUNK))
            .zip(peers.par_chunks_mut(CHUNK).zip(habits.par_chunks_mut(CHUNK)))
            .enumerate()
            .for_each(|(c, (((states, periods), daily), (peers, habits)))| {
                // A copy for the chunk, which the compiler can keep at hand across its loop.
                let r = rates;
                let chunk = states.iter_mut().zip(periods).zip(daily).zip(peers.iter_mut().zip(habits));
                for (k, (((state, period), d), (peer, habit))) in chunk.enumerate() {
                    let i = c * CHUNK + k;
                    let v = venue_today[i];
                    let (cost, openness) = if v == NO_VENUE {
                        (0.0, 0.0)
                    } else {
                        (ctx.cost_today[v as usize], s.venues[v as usize].openness as f32)
                    };
                    let a = &agents[i];
                    inner::step(ctx, &s.params, i, a, &r, state, d, v, cost, openness, period);
                    *d = Daily::default();
                    *peer = view(a, state);
                    *habit = state.habit_venue[tomorrow];
                }
            });
        self.prepared = Some(Prepared { day: ctx.day + 1, peers, habits });
    }

    /// Ends the day: reports the episodes that ended today to the observer.
    pub fn end_day<'o>(&mut self, day: u32, observer: Option<&mut (dyn AgentObserver + 'o)>) {
        if let Some(obs) = observer {
            for i in 0..self.states.len() {
                // Well with zero days in the state happens only on the day of a recovery (`inner::step` counts
                // days in an unchanged state from 1); the episode's start, worst state and support are kept.
                let st = &self.states[i];
                if st.mental == MentalState::Well && st.days_in_state == 0 {
                    let days = (day + 1).saturating_sub(st.episode_start).max(1);
                    let ep = Episode {
                        agent: i as AgentIdx,
                        start_day: st.episode_start,
                        end_day: Some(day + 1),
                        worst: st.episode_worst,
                        mean_support: st.episode_support / days as f32,
                    };
                    obs.on_episode(self, ep);
                }
            }
        }
        // Invariants, checked in debug builds (release-mode property tests check them from outside).
        debug_assert!(self
            .states
            .iter()
            .all(|s| [s.loneliness, s.hope, s.shame].iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x))));
        debug_assert!(self.states.iter().all(|s| s.support_recent.is_finite() && s.support_recent >= 0.0));
        debug_assert_eq!(self.network.check_symmetric(), Ok(()));
    }

    /// Phase 8: computes the metrics of the period of `period_days` days that ends now, and resets the period
    /// counters. [`Runner`] calls it every `record_every_days` days; public so that benchmarks can time it.
    pub fn record(&mut self, period_days: u32) -> (Vec<f64>, Vec<(bool, u32)>) {
        let values = metrics::compute(self, period_days);
        let venue_rows = self
            .scenario
            .venues
            .iter()
            .enumerate()
            .map(|(v, venue)| (self.venues[v].operating(venue.kind), self.visits_period[v]))
            .collect();
        self.period.iter_mut().for_each(|p| *p = PeriodAcc::default());
        self.visits_period.iter_mut().for_each(|v| *v = 0);
        (values, venue_rows)
    }

    /// Episodes still open at the end of the run (right-censored).
    pub fn open_episodes(&self, end_day: u32) -> Vec<Episode> {
        self.states
            .iter()
            .enumerate()
            .filter(|(_, s)| s.mental != MentalState::Well)
            .map(|(i, s)| Episode {
                agent: i as AgentIdx,
                start_day: s.episode_start,
                end_day: None,
                worst: s.episode_worst,
                mean_support: s.episode_support / (end_day.saturating_sub(s.episode_start).max(1)) as f32,
            })
            .collect()
    }
}

/// A run in progress: the world, the day it has reached, and the metrics recorded so far.
#[derive(Clone)]
pub struct Runner<'a> {
    world: World<'a>,
    day: u32,
    last_record: u32,
    result: RunResult,
    cancel: crate::cancel::Cancel,
}

impl<'a> Runner<'a> {
    pub fn new(scenario: &'a Scenario, replicate: u32) -> Self {
        let world = World::new(scenario, replicate);
        let result = RunResult {
            record_days: Vec::new(),
            n_groups: world.groups.len(),
            values: Vec::new(),
            venue_rows: Vec::new(),
        };
        Runner { world, day: 0, last_record: 0, result, cancel: crate::cancel::Cancel::never() }
    }

    /// Stops stepping at the next day boundary once `cancel` is set (the run's result is then incomplete,
    /// and the caller must not present it as a result).
    pub fn with_cancel(mut self, cancel: crate::cancel::Cancel) -> Self {
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
pub fn run<'o>(scenario: &Scenario, replicate: u32, observer: Option<&mut (dyn AgentObserver + 'o)>) -> RunResult {
    Runner::new(scenario, replicate).finish(observer)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_running_town_fits_in_512_bytes_per_agent() {
        // Issue 7's memory target (peak resident memory at 10^6 agents over agents, ties included): the
        // per-agent arrays at the default `max_ties`, with room for the ≈ 26 bytes per agent that the program,
        // venues and buffers add at that size (397 of the 423 measured; docs/performance.md, "Whole runs and
        // memory"), and for the 64 bytes of last contacts that runs with agent records keep.
        let per_agent = super::bytes_per_agent(crate::params::Params::default().max_ties_usize());
        assert!(per_agent + 64 <= 480, "{per_agent} bytes per agent");
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
