//! The day loop: its phases in their fixed order, one file each, and the `World` methods that run them.
//!
//! A day is, in order: `begin_day` (today's events, `events`, and the day's context, `context`);
//! `going_out` (who goes out, and where); `meeting` (meetings at venues: new ties, support, stigma); `outreach`
//! (peer workers and professionals reach unwell service users who stayed in); `support` (contact and support along every tie,
//! with tie decay and turnover, in one pass over the tie table); `inner` (inner state, then mental-state
//! transitions); and, on the days that end a recording period, `metrics` (`crate::metrics`, run by
//! `sim::Runner`).
//!
//! Invariant: dynamics never does IO and never creates a generator except through `crate::rng` streams keyed
//! by (seed, replicate, purpose, day, entity). Per-agent phases are pulls: an agent writes only its own next
//! state, reading yesterday's world, so results do not depend on the thread count.

pub mod context;
mod encounters;
pub mod events;
pub mod going_out;
pub mod inner;
pub mod meeting;
pub mod outreach;
pub mod support;

pub use context::DayContext;

use crate::scenario::Event;
use crate::types::{weekday, AgentIdx, MentalState, VenueIdx, NO_VENUE};
use crate::world::{view::view, AgentObserver, Daily, Episode, PeerView, Prepared, World};
use rayon::prelude::*;

/// The phases of a day, in the order a run takes them: the first six are [`World::step`]'s (the methods of the
/// same names); the last, `metrics`, is [`crate::sim::Runner`]'s recording of the period's metrics on the days
/// that end one ([`World::record`], every `record_every_days` days).
pub const PHASES: [&str; 7] = ["begin_day", "going_out", "meeting", "outreach", "support", "inner", "metrics"];

impl World<'_> {
    /// Advances one day through every phase. A run with an observer (agent records, the calibration's
    /// statistics) must have it from day 0: the network then keeps each tie's last contact day (`ties.csv`;
    /// [`crate::world::Network::track_last_contact`]), which other runs neither keep nor stream, as no output of theirs
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

    /// `begin_day`: events and the day's context: applies today's events, builds what every agent reads today and
    /// clears the per-day accumulators. The phases below are public so benchmarks can time them one by one;
    /// [`World::step`] runs them in order.
    pub fn begin_day(&mut self, day: u32, events_today: &[(usize, &Event)]) -> DayContext {
        for &(i, e) in events_today {
            events::apply(self, e, i);
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

    /// `going_out`: who goes out, and where.
    pub fn going_out(&mut self, ctx: &DayContext) {
        going_out::choose_venues(ctx, self.scenario, &self.agents, &self.states, &self.network, &mut self.venue_today);
    }

    /// `meeting`: meetings at venues (new ties, support from meetings and staff, stigma and rejections).
    pub fn meeting(&mut self, ctx: &DayContext) {
        let s = self.scenario;
        let attendees = meeting::attendees(&self.venue_today, s.venues.len());
        let visits = meeting::hold_meetings(
            ctx,
            s,
            &self.agents,
            &self.states,
            &mut self.network,
            &attendees,
            &mut self.venue_today,
            &mut self.daily,
        );
        for (v, (period, (visits, turned_away))) in self.venue_period.iter_mut().zip(visits).enumerate() {
            period.visits += visits;
            if ctx.is_open(v as VenueIdx) {
                period.days_open += 1;
                period.days_full += u32::from(turned_away);
            }
        }
    }

    /// `outreach`: peer workers and professionals reach out to unwell service users who stayed in.
    pub fn outreach(&mut self, ctx: &DayContext) {
        outreach::reach_out(
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

    /// `support`: contact and support along ties; decay and turnover of ties.
    pub fn support(&mut self, ctx: &mut DayContext) {
        ctx.peers
            .par_iter_mut()
            .zip(self.venue_today.par_iter())
            .with_min_len(4096)
            .for_each(|(p, v)| p.set_venue_today(*v));
        support::pass_ties(ctx, &self.scenario.params, &mut self.network, &mut self.daily);
        if ctx.weekday == support::TURNOVER_WEEKDAY {
            crate::population::renew_friendships(
                self.scenario,
                self.replicate,
                ctx.day,
                &self.agents,
                &self.daily,
                &mut self.network,
            );
        }
    }

    /// `inner`: inner state (loneliness, hope, shame, habits, money) and mental-state transitions.
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
        let rates = inner::InnerRates::new(&s.params, ctx.day);
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
                    inner::step(ctx, &s.params, &r, &inner::AgentDay::new(i, a, d, v, cost, openness), state, period);
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
