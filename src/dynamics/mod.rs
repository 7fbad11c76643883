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
use crate::types::{weekday, Diagnosis, MentalState, Ritual, VenueIdx, NO_VENUE};

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

/// The part of an agent that the tie pass reads of the other end of each tie, packed into one 32-bit word so
/// that random access along ties stays in cache (a 10^6-agent town's views are 4 MB, and a 10^5-agent town's
/// fit the L2 cache with room to spare). Built once per day from yesterday's state, by the inner state at the
/// end of yesterday (`sim::Prepared`) or, on the first day and days with events, by `World::begin_day`.
///
/// Bits 0–15: the venue today (`NO_VENUE` before the meeting phase fills it in); bits 16–17: the mental state;
/// bit 18: lived experience; bits 19–31: social media use, in steps of its grid ([`social_media_step`]), which
/// holds every agent's use exactly. The tie kernel takes the word apart in vectors (`support`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct PeerView(u32);

impl PeerView {
    pub const VENUE_BITS: u32 = 0xffff;
    pub const MENTAL_SHIFT: u32 = 16;
    pub const LIVED_BIT: u32 = 1 << 18;
    pub const SOCIAL_MEDIA_SHIFT: u32 = 19;

    /// The view of an agent whose social media use `social_media` is on its grid (as every agent's is).
    #[inline]
    pub fn new(social_media: f32, venue_today: VenueIdx, mental: MentalState, lived_experience: bool) -> Self {
        PeerView(
            venue_today as u32
                | (mental as u32) << Self::MENTAL_SHIFT
                | if lived_experience { Self::LIVED_BIT } else { 0 }
                | social_media_step(social_media) << Self::SOCIAL_MEDIA_SHIFT,
        )
    }

    /// The word as the tie kernel reads it.
    #[inline]
    pub fn bits(self) -> u32 {
        self.0
    }

    #[inline]
    pub fn venue_today(self) -> VenueIdx {
        (self.0 & Self::VENUE_BITS) as VenueIdx
    }

    #[inline]
    pub fn set_venue_today(&mut self, venue: VenueIdx) {
        self.0 = (self.0 & !Self::VENUE_BITS) | venue as u32;
    }

    /// The mental state, by a table rather than a `match`, whose branches on a state that is a coin toss from
    /// agent to agent were often mispredicted (with a blend for a branch in the AVX2 tie kernel, this took
    /// cachegrind's model of a predictor from 4.8 to 3.7 mispredicted branches per agent-day).
    #[inline]
    pub fn mental(self) -> MentalState {
        const STATES: [MentalState; 4] =
            [MentalState::Well, MentalState::Struggling, MentalState::Crisis, MentalState::Crisis];
        STATES[((self.0 >> Self::MENTAL_SHIFT) & 3) as usize]
    }

    #[inline]
    pub fn lived_experience(self) -> bool {
        self.0 & Self::LIVED_BIT != 0
    }

    /// Social media use: the agent's own value, bit for bit.
    #[inline]
    pub fn social_media(self) -> f32 {
        social_media_of_step(self.0 >> Self::SOCIAL_MEDIA_SHIFT)
    }
}

impl Default for PeerView {
    fn default() -> Self {
        PeerView::new(0.0, NO_VENUE, MentalState::Well, false)
    }
}

/// Steps of the grid that social media use (a score in [0, 1]) is held to: 2^13 − 1, so that the step fits the
/// 13 bits a [`PeerView`] has left. One step is 0.000122 of the score's range, far below anything the model's
/// sources could tell apart; what the grid buys is a 4-byte view (docs/performance-rounds.md).
pub const SOCIAL_MEDIA_STEPS: u32 = (1 << 13) - 1;

/// The value of step `k` (at most `SOCIAL_MEDIA_STEPS`) of the social media grid: `k` times the step, in `f32`.
/// (`k` converts as a signed integer, the same value for every step, because AVX2 has no vector conversion of
/// unsigned ones.)
#[inline]
pub fn social_media_of_step(k: u32) -> f32 {
    debug_assert!(k <= SOCIAL_MEDIA_STEPS);
    k as i32 as f32 * (1.0 / SOCIAL_MEDIA_STEPS as f32)
}

/// The step of the grid nearest to `x` (clamped to [0, 1]; halfway, the step above); for a value on the grid,
/// its own step. Rounded by adding one half and truncating, one instruction, where `f32::round` is a call to
/// the C library on x86-64's baseline (the inner state builds every agent's view daily).
#[inline]
pub fn social_media_step(x: f32) -> u32 {
    (x.clamp(0.0, 1.0) * SOCIAL_MEDIA_STEPS as f32 + 0.5) as u32
}

/// `x` (clamped to [0, 1]) rounded to the nearest value of the social media grid: how a social media use is
/// drawn at the start and changed by events.
#[inline]
pub fn social_media_on_grid(x: f32) -> f32 {
    social_media_of_step(social_media_step(x))
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
    fn peer_view_stays_four_bytes() {
        // The tie pass reads one view per tie end at random; growing it costs cache misses at scale.
        assert_eq!(std::mem::size_of::<super::PeerView>(), 4);
    }

    /// Every value of the social media grid comes back from its step bit for bit, so a view holds an agent's
    /// use exactly; values off the grid go to the nearest step, and the ends of the score stay put.
    #[test]
    fn social_media_grid_round_trips() {
        use super::*;
        for k in 0..=SOCIAL_MEDIA_STEPS {
            let x = social_media_of_step(k);
            assert_eq!(social_media_step(x), k, "step {k}");
            assert_eq!(social_media_on_grid(x).to_bits(), x.to_bits(), "step {k}");
        }
        assert_eq!(social_media_on_grid(0.0), 0.0);
        assert_eq!(social_media_on_grid(1.0), 1.0);
        assert_eq!(social_media_on_grid(-0.3), 0.0);
        assert_eq!(social_media_on_grid(1.7), 1.0);
        let x = 0.123_456_f32;
        assert!((social_media_on_grid(x) - x).abs() <= 0.5 / SOCIAL_MEDIA_STEPS as f32 + 1e-7);
    }

    /// A view gives back what it was made of, whatever the venue, state and use.
    #[test]
    fn peer_view_round_trips() {
        use super::*;
        for venue in [0, 1, 7, 4_000, NO_VENUE - 1, NO_VENUE] {
            for mental in [MentalState::Well, MentalState::Struggling, MentalState::Crisis] {
                for lived in [false, true] {
                    for k in [0, 1, 4_095, SOCIAL_MEDIA_STEPS] {
                        let sm = social_media_of_step(k);
                        let mut v = PeerView::new(sm, NO_VENUE, mental, lived);
                        v.set_venue_today(venue);
                        assert_eq!(v.venue_today(), venue);
                        assert_eq!(v.mental(), mental);
                        assert_eq!(v.lived_experience(), lived);
                        assert_eq!(v.social_media().to_bits(), sm.to_bits());
                    }
                }
            }
        }
    }
}
