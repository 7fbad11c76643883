//! The day loop's phases, one file each, and their fixed order (MODEL.md §4):
//!
//! events (`crate::events`); going out (`going_out`); meeting at venues (`meeting`); peer outreach
//! (`outreach`); support along ties with tie decay and turnover (`support`, one pass over the tie table);
//! inner state and mental state (`inner`); metrics (`crate::metrics`).
//!
//! Invariant: dynamics never does IO and never creates a generator except through `crate::rng` streams keyed
//! by (seed, replicate, purpose, day, entity). Per-agent phases are pulls: an agent writes only its own next
//! state, reading yesterday's world, so results do not depend on the thread count.

pub mod going_out;
pub mod inner;
pub mod meeting;
pub mod outreach;
pub mod support;

use crate::population::AgentState;
use crate::rng::{day_prefix, Purpose};
use crate::types::{weekday, Diagnosis, MentalState, Ritual, VenueIdx};

/// What happened to one agent today, accumulated over phases 3 and 4 and read by phase 5.
#[derive(Clone, Copy, Debug, Default)]
pub struct Daily {
    pub emotional: f32,
    pub instrumental: f32,
    pub informational: f32,
    pub hope_gain: f32,
    pub shame_gain: f32,
    pub rejections: u16,
    pub ghosted: u16,
    pub gave: bool,
    /// Supported by a peer worker today (at a venue or by outreach).
    pub peer_support: bool,
    /// Turned away because the venue was full.
    pub turned_away: bool,
    /// Friendships from outside the venues that turnover ended today (renewed by `population::renew_friendships`).
    pub friends_ended: u8,
}

/// The part of an agent that the tie pass reads of the other end of each tie, packed into 8 bytes so that
/// random access along ties stays in cache (a 10^5-agent town's views fit the L2 cache). Built once per day
/// from yesterday's state, by the inner state at the end of yesterday (`sim::Prepared`) or, on the first day
/// and days with events, by `World::begin_day`. The fields' order is fixed (`repr(C)`): the tie pass reads
/// the last three as one 32-bit word (`support::pack`).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct PeerView {
    pub social_media: f32,
    /// Where the agent is today; filled in after the meeting phase, `NO_VENUE` before.
    pub venue_today: VenueIdx,
    pub mental: MentalState,
    pub lived_experience: bool,
}

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
    /// Per venue: staff working today (the first n of its staff list).
    pub active_staff: Vec<u16>,
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
    /// What the daily chance of leaving each mental state cannot reach (`inner::LeaveBounds`).
    pub leave_bounds: inner::LeaveBounds,
    /// Whether going out may settle that an agent stays in by a bound on its chance of going out
    /// (`going_out::bound_holds`); false unless set.
    pub going_out_bounded: bool,
}

/// Logs of hazard ratios, computed once per day so the per-agent step needs only `exp`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LnRatios {
    pub onset_lonely: f64,
    pub onset_shame: f64,
    pub onset_giving: f64,
    pub crisis_lonely: f64,
    pub crisis_hope: f64,
    pub remission_hope: f64,
}

impl LnRatios {
    pub fn new(p: &crate::params::Params) -> Self {
        // A ratio of 0 would give ln = -inf; exp(-inf * 0) is NaN, so floor it at a tiny positive ratio.
        let ln = |x: f64| x.max(1e-12).ln();
        LnRatios {
            onset_lonely: ln(p.rr_onset_lonely),
            onset_shame: ln(p.rr_onset_shame),
            onset_giving: ln(p.rr_onset_giving),
            crisis_lonely: ln(p.rr_crisis_lonely),
            crisis_hope: ln(p.rr_crisis_hope),
            remission_hope: ln(p.rr_remission_hope),
        }
    }
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
            stigma_multiplier: 1.0,
            public_stigma: 0.0,
            subsidy_nok: Vec::new(),
            peers: Vec::new(),
            habits: Vec::new(),
            ln_rr: LnRatios::default(),
            leave_bounds: inner::LeaveBounds::default(),
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
}

/// Public stigma weight of a diagnosis.
#[inline]
pub fn stigma_weight(p: &crate::params::Params, d: Diagnosis) -> f32 {
    (match d {
        Diagnosis::None => 0.0,
        Diagnosis::Depression => p.stigma_weight_depression,
        Diagnosis::Anxiety => p.stigma_weight_anxiety,
        Diagnosis::Bipolar => p.stigma_weight_bipolar,
        Diagnosis::Psychosis => p.stigma_weight_psychosis,
        Diagnosis::Personality => p.stigma_weight_personality,
    }) as f32
}

/// 1 if `condition` holds, else 0: a term times `one_if(c)` is the term or nothing, without a branch, for
/// conditions that differ from agent to agent (a coin toss for the branch predictor). Exact for finite terms:
/// x · 1 = x and x · 0 = 0, and a sum that is not −0 does not change by adding 0. (`select_unpredictable` on
/// a scalar `f32` compiles to a branch on x86-64, which has no conditional move for its float registers.)
#[inline(always)]
pub fn one_if(condition: bool) -> f32 {
    condition as u8 as f32
}

/// Whether the agent is struggling or in crisis.
#[inline]
pub fn is_unwell(s: MentalState) -> bool {
    s != MentalState::Well
}

#[cfg(test)]
mod tests {
    #[test]
    fn peer_view_stays_eight_bytes() {
        // The tie pass reads one view per tie end at random; growing it costs cache misses at scale.
        assert_eq!(std::mem::size_of::<super::PeerView>(), 8);
    }
}
