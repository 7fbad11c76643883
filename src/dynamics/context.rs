//! The day's context: everything about today that every agent reads (which venues are open, their rituals,
//! fees and staff on duty, the stigma climate, subsidies, what others see of each agent, the logs of the
//! hazard ratios), built once a day by `World::begin_day` before the phases run.

use crate::model::hazards::LeaveBounds;
use crate::model::LnRatios;
use crate::rng::{day_prefix, Purpose};
use crate::types::{weekday, MentalState, Ritual, VenueIdx};
use crate::world::{view::view, Agent, AgentState, PeerView, StaffKind, Subsidy, World};
use rayon::prelude::*;

/// Everything about today that every agent reads: computed once per day by the simulation.
#[derive(Clone, Debug)]
pub struct DayContext {
    pub day: u32,
    pub weekday: usize,
    pub seed: u64,
    pub replicate: u32,
    /// Today's stream prefixes ([`crate::rng::day_prefix`]) of the per-agent draws of going out and of the
    /// mental state, so each agent's stream costs one mixing step instead of five.
    pub going_out_prefix: u64,
    pub mental_prefix: u64,
    /// Per venue: open today (operating, open this weekday, no lockdown).
    pub open_today: Vec<bool>,
    pub ritual_today: Vec<Ritual>,
    /// Venues holding a ritual today.
    pub ritual_venues: Vec<VenueIdx>,
    pub cost_today: Vec<f32>,
    /// Per venue: its configured staff working today (the first n of its staff list, by the service level).
    pub active_staff: Vec<u16>,
    /// Per venue: its configured staff (the scenario's professionals and volunteers), who come first in its staff
    /// list; staff hired by events come after them and work on every open day.
    pub configured_staff: Vec<u16>,
    /// Per venue: its stability today, from the configured stability and the professionals on duty
    /// ([`stability_today`]).
    pub stability: Vec<f32>,
    /// Multiplier on stigma attitudes from anti-stigma campaigns (1 = none).
    pub stigma_multiplier: f32,
    /// Mean stigma attitude of residents, times the campaign multiplier: the public stigma climate.
    pub public_stigma: f32,
    /// Per agent: weekly activity subsidy in force (empty when there is none).
    pub subsidy_nok: Vec<f32>,
    /// Per agent: what others see of it today.
    pub peers: Vec<PeerView>,
    /// Per agent: habitual venue for today's weekday (yesterday's habits), which friends follow when going
    /// out; apart from `peers` because only going out reads it. The inner state, the day's last phase, takes
    /// both buffers to write the next day's into.
    pub habits: Vec<VenueIdx>,
    /// Natural logs of the hazard ratios with continuous exposures (`rr^x = exp(x ln rr)`).
    pub ln_rr: LnRatios,
    /// What the daily chance of leaving each mental state cannot reach (`LeaveBounds`).
    pub leave_bounds: LeaveBounds,
    /// Whether going out may settle that an agent stays in by a bound on its chance of going out
    /// (`super::going_out::bound_holds`); false unless set.
    pub going_out_bounded: bool,
}

impl DayContext {
    pub fn new(day: u32, seed: u64, replicate: u32) -> Self {
        DayContext {
            day,
            weekday: weekday(day),
            seed,
            replicate,
            going_out_prefix: day_prefix(seed, replicate, Purpose::GoingOut, day),
            mental_prefix: day_prefix(seed, replicate, Purpose::MentalState, day),
            open_today: Vec::new(),
            ritual_today: Vec::new(),
            ritual_venues: Vec::new(),
            cost_today: Vec::new(),
            active_staff: Vec::new(),
            configured_staff: Vec::new(),
            stability: Vec::new(),
            stigma_multiplier: 1.0,
            public_stigma: 0.0,
            subsidy_nok: Vec::new(),
            peers: Vec::new(),
            habits: Vec::new(),
            ln_rr: LnRatios::default(),
            leave_bounds: LeaveBounds::default(),
            going_out_bounded: false,
        }
    }

    /// Money an agent can spend today: the weekly leisure budget (plus subsidies) on Mondays, else what is left.
    #[inline]
    pub fn money_available(&self, leisure_weekly_nok: f32, state: &AgentState, agent: usize) -> f32 {
        if self.weekday == 0 {
            leisure_weekly_nok + self.subsidy(agent)
        } else {
            state.money_left_nok
        }
    }

    /// Weekly activity subsidy an agent receives now.
    #[inline]
    pub fn subsidy(&self, agent: usize) -> f32 {
        self.subsidy_nok.get(agent).copied().unwrap_or(0.0)
    }

    #[inline]
    pub fn is_open(&self, v: VenueIdx) -> bool {
        self.open_today.get(v as usize).copied().unwrap_or(false)
    }

    /// Whether agent `a`, in `mental` state yesterday, works at its venue today: it is staff there, the venue is
    /// open, it is on today's rota ([`DayContext::on_rota`]), and it is not in crisis. Staff who are not on duty
    /// are visitors wherever they go, their own venue included.
    #[inline]
    pub fn on_duty(&self, a: &Agent, mental: MentalState) -> bool {
        a.staff_kind != StaffKind::None
            && self.is_open(a.staff_venue)
            && self.on_rota(a.staff_venue as usize, a.staff_rank as usize)
            && mental != MentalState::Crisis
    }

    /// Whether the staff member of rank `rank` at venue `v` is on today's rota: a configured one among the first
    /// `active_staff` (the service level's share), or one hired by an event (a post funded by the event itself).
    #[inline]
    pub fn on_rota(&self, v: usize, rank: usize) -> bool {
        on_rota(rank, self.active_staff[v] as usize, self.configured_staff[v] as usize)
    }
}

/// Whether the staff member of rank `rank` is on the rota of a venue with `configured` configured staff of whom
/// `active` work today: the configured ones by the service level, those hired by events always.
#[inline]
pub fn on_rota(rank: usize, active: usize, configured: usize) -> bool {
    rank < active || rank >= configured
}

/// A venue's stability with `on_duty` professionals on duty where it is configured with `configured`: each one
/// beyond them takes away the share `continuity` of its instability (1 − stability), each one short of them adds
/// it back, and the instability is at most 1.
pub fn stability_today(stability: f64, configured: u32, on_duty: usize, continuity: f64) -> f32 {
    let (instability, extra) = (1.0 - stability, on_duty as i32 - configured as i32);
    if extra == 0 || instability <= 0.0 {
        return stability as f32;
    }
    (1.0 - (instability * (1.0 - continuity).powi(extra)).min(1.0)) as f32
}

impl World<'_> {
    /// The day's context; the views and habits only `with_views` (else they are left empty, for the ones the
    /// inner state prepared).
    pub(crate) fn context(&self, day: u32, with_views: bool) -> DayContext {
        let s = self.scenario;
        let mut ctx = DayContext::new(day, s.run.seed, self.replicate);
        let lockdown = day < self.lockdown_until;
        for (v, venue) in s.venues.iter().enumerate() {
            let st = &self.venues[v];
            let open = !lockdown && st.open_on(venue.kind, ctx.weekday);
            ctx.open_today.push(open);
            let configured = (venue.professionals + venue.volunteers) as usize;
            let active = if open { st.active_staff(configured) } else { 0 };
            ctx.active_staff.push(active as u16);
            ctx.configured_staff.push(configured as u16);
            // The kinds of staff on today's rota (`DayContext::on_rota`).
            let (mut professionals, mut volunteers) = (0usize, 0usize);
            for (rank, &a) in self.staff[v].iter().enumerate() {
                if open && on_rota(rank, active, configured) {
                    match self.agents[a as usize].staff_kind {
                        StaffKind::Professional => professionals += 1,
                        StaffKind::Volunteer => volunteers += 1,
                        _ => {}
                    }
                }
            }
            let ritual = if open {
                st.ritual_on(venue, ctx.weekday, volunteers, s.params.ritual_volunteers)
            } else {
                Ritual::None
            };
            if ritual != Ritual::None {
                ctx.ritual_venues.push(v as VenueIdx);
            }
            ctx.ritual_today.push(ritual);
            ctx.cost_today.push(st.cost_nok as f32);
            ctx.stability.push(if open {
                stability_today(venue.stability, venue.professionals, professionals, s.params.professional_continuity)
            } else {
                venue.stability as f32
            });
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
        ctx.leave_bounds = LeaveBounds::new(&s.params, &ctx.ln_rr);
        ctx.going_out_bounded = super::going_out::bound_holds(&s.params);
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
}

#[cfg(test)]
mod tests {
    use super::stability_today;

    #[test]
    fn professionals_on_duty_move_stability_from_the_configured_value() {
        assert_eq!(stability_today(0.7, 2, 2, 0.15), 0.7);
        // Two more: 0.3 × 0.85² of instability is left.
        assert!((stability_today(0.7, 2, 4, 0.15) - (1.0 - 0.3 * 0.85f32 * 0.85)).abs() < 1e-6);
        // One short: 0.3 / 0.85 of instability.
        assert!((stability_today(0.7, 2, 1, 0.15) - (1.0 - 0.3 / 0.85f32)).abs() < 1e-6);
        // None of six: the instability is at most 1.
        assert_eq!(stability_today(0.7, 6, 0, 0.5), 0.0);
        assert_eq!(stability_today(1.0, 2, 0, 0.5), 1.0);
        assert_eq!(stability_today(0.7, 2, 5, 0.0), 0.7, "no continuity: stability as configured");
    }
}
