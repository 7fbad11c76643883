//! The inner phase for one agent: inner state (loneliness, support, hope, shame, giving, money, weekly
//! habits, broken rhythm), then mental-state transitions by daily hazards. Reads the agent's state of
//! yesterday and what happened to it today; writes only its own next state and period counters.
//!
//! Hazards are a baseline rate times named ratios (`params`): a ratio `rr` with a continuous exposure x in
//! [0, 1] enters as `rr^x`; a yes/no exposure enters as `rr` when present.

use super::DayContext;
use crate::model::hazards::{hope_exposure, leave, Exposure};
use crate::model::{is_unwell, one_if, stigma_weight};
use crate::params::{Params, ParamsF32};
use crate::rng::Stream;
use crate::types::{Diagnosis, MentalState, VenueIdx, NO_VENUE};
use crate::world::{Agent, AgentState, Daily, PeriodAcc};
use std::hint::select_unpredictable;

/// One agent's day as the inner phase reads it: who it is, what happened to it today, and where it was.
pub struct AgentDay<'a> {
    /// The agent's index, which keys its random draws.
    pub i: usize,
    pub agent: &'a Agent,
    pub daily: &'a Daily,
    /// The venue the agent was at (`NO_VENUE` when at home).
    pub venue: VenueIdx,
    /// What the visit cost, and how open the venue is.
    pub cost_nok: f32,
    pub openness: f32,
    /// At its own venue as staff on duty.
    pub working: bool,
    /// At a venue, and not as its staff on duty.
    pub visiting: bool,
}

impl<'a> AgentDay<'a> {
    #[inline(always)]
    pub fn new(i: usize, agent: &'a Agent, daily: &'a Daily, venue: VenueIdx, cost_nok: f32, openness: f32) -> Self {
        let working = daily.working;
        let visiting = venue != NO_VENUE && !working;
        AgentDay { i, agent, daily, venue, cost_nok, openness, working, visiting }
    }
}

/// One agent's inner and mental state for today: updates its state `n`, yesterday's, in place to today's
/// (no copy of the whole state is made), and adds to its period counters.
#[inline(always)]
pub fn step(ctx: &DayContext, p: &Params, r: &InnerRates, t: &AgentDay, n: &mut AgentState, period: &mut PeriodAcc) {
    // The state is updated in place: what the step reads of yesterday's after changing it is kept aside.
    let s = Yesterday::of(n);
    let d = t.daily;
    feelings(ctx, r, t, &s, n);
    money_and_habits(ctx, r, t, n);
    period.emotional += d.emotional;
    period.instrumental += d.instrumental;
    period.informational += d.informational;
    period.attended |= t.visiting;
    period.rejections += d.rejections;
    period.ghosted += d.ghosted;
    n.episode_support += one_if(is_unwell(s.mental)) * (d.emotional + d.instrumental + d.informational);
    mental_state(ctx, p, t, &s, n, period);
}

/// Loneliness, support received, giving, hope and shame for today.
#[inline(always)]
fn feelings(ctx: &DayContext, r: &InnerRates, t: &AgentDay, s: &Yesterday, n: &mut AgentState) {
    let (a, d, visiting, openness) = (t.agent, t.daily, t.visiting, t.openness);
    // Loneliness moves toward today's unmet need for contact and support. Shame holds back part of what is
    // received: the ashamed agent does not share, so the same contact fills less of the need.
    let support = d.emotional + d.instrumental + d.informational;
    let taken_in = 1.0 - r.p.shame_loneliness * s.shame;
    let received = (d.emotional + 0.5 * (d.instrumental + d.informational) + a.work_contact) * taken_in;
    let target = (1.0 - received / a.contact_need).clamp(0.0, 1.0);
    n.loneliness = (s.loneliness + r.loneliness_rate * (target - s.loneliness)).clamp(0.0, 1.0);
    n.support_recent = s.support_recent + r.support_rate * (support - s.support_recent);
    // Conditions here are coin tosses across agents, taken without branches: `&`, selects, and terms added
    // times 0 or 1 (`one_if`; all of them finite, the sums they join non-negative).
    let unwell = is_unwell(s.mental);
    let gave = d.gave & (s.mental != MentalState::Crisis);
    n.giving_recent = s.giving_recent + r.giving_rate * (one_if(gave) - s.giving_recent);

    // Hope: vicarious hope from lived experience, the lift of giving, relaxing to baseline.
    // Gains fill part of the remaining gap to full hope, so hope does not pile up at its ceiling.
    let gain = d.hope_gain + one_if(gave) * r.p.hope_gain_giving;
    let hope = s.hope + r.p.hope_relax * (a.hope_baseline - s.hope) + gain.min(1.0) * (1.0 - s.hope);
    n.hope = hope.clamp(0.0, 1.0);

    // Shame: rejections, felt public stigma of the diagnosis, rumination on social media while unwell. It
    // fades slowly, and faster on a day spent at an open venue where nobody rejected the agent.
    let accepted = if visiting && d.rejections == 0 { r.p.shame_relief_accepting * openness } else { 0.0 };
    let mut shame = s.shame * (1.0 - r.p.shame_relax - accepted).max(0.0) + d.shame_gain;
    shame += r.shame_from_stigma[a.diagnosis.index()] * ctx.public_stigma;
    shame += one_if(unwell) * (r.p.social_media_rumination * a.social_media);
    n.shame = shame.clamp(0.0, 1.0);
}

/// Money left this week, the broken rhythm when a habitual venue is closed, peer support, and the weekday's
/// habit.
#[inline(always)]
fn money_and_habits(ctx: &DayContext, r: &InnerRates, t: &AgentDay, n: &mut AgentState) {
    let (i, a, d, venue, visiting, working) = (t.i, t.agent, t.daily, t.venue, t.visiting, t.working);
    let cost_nok = t.cost_nok;
    let w = ctx.weekday;
    // Money left this week.
    let available = ctx.money_available(a.leisure_weekly_nok, n, i);
    n.money_left_nok = if visiting { (available - cost_nok).max(0.0) } else { available };

    // Weekly habit for this weekday; losing a habitual venue breaks the rhythm.
    let hv = n.habit_venue[w];
    let hs = n.habit_strength[w];
    let rhythm_lost = (hv != NO_VENUE) & (hs >= r.p.habit_threshold) & !ctx.is_open(hv);
    n.rhythm_broken_until = select_unpredictable(rhythm_lost, ctx.day + r.rhythm_loss_days, n.rhythm_broken_until);
    if d.peer_support {
        n.peer_support_until = ctx.day + 1 + r.peer_support_days;
    }
    // The habit is the rhythm of going out on this weekday, and where the agent went last time.
    if visiting {
        n.habit_venue[w] = venue;
        let h = hs + r.p.habit_gain * (1.0 - hs);
        // A newcomer whom the staff welcomed today is more likely to come back.
        n.habit_strength[w] = h + one_if(d.welcomed) * r.p.welcome_habit_gain * (1.0 - h);
    } else if !working {
        n.habit_strength[w] = hs * (1.0 - r.p.habit_decay);
        if n.habit_strength[w] < 0.01 {
            n.habit_venue[w] = NO_VENUE;
            n.habit_strength[w] = 0.0;
        }
    }
}

/// The mental state's transition by today's hazards, and the episode and period counters it changes.
#[inline(always)]
fn mental_state(ctx: &DayContext, p: &Params, t: &AgentDay, s: &Yesterday, n: &mut AgentState, period: &mut PeriodAcc) {
    let (i, a) = (t.i, t.agent);
    // Mental state.
    let mut rng = Stream::from_prefix(ctx.mental_prefix, i as u64);
    let u = rng.uniform();
    // Most agents stay in their state on most days: a draw at or above the bound, which the chance of leaving
    // cannot reach, settles it without the exposures, the hazards and their `exp`, with the outcome they would
    // give.
    let next_state = if u >= ctx.leave_bounds.get(a.role, s.mental) {
        s.mental
    } else {
        let e = Exposure {
            loneliness: n.loneliness as f64,
            shame: n.shame as f64,
            giving: n.giving_recent as f64,
            hope: hope_exposure(p, n.hope),
            low_support: n.support_recent < p.low_support as f32,
            money_stress: a.leisure_weekly_nok + ctx.subsidy(i) < p.money_stress_weekly_nok as f32,
            rhythm_broken: ctx.day < s.rhythm_broken_until.max(n.rhythm_broken_until),
            peer_supported: ctx.day < n.peer_support_until,
        };
        leave(p, &ctx.ln_rr, a.role, s.mental, s.fast_episode, &e, u)
    };
    if next_state != s.mental {
        n.mental = next_state;
        n.days_in_state = 0;
        match (s.mental, next_state) {
            (MentalState::Well, MentalState::Struggling) => {
                n.episode_start = ctx.day + 1;
                n.episode_worst = MentalState::Struggling;
                n.episode_support = 0.0;
                n.fast_episode = rng.chance(p.remission_fast_share);
            }
            (_, MentalState::Crisis) => {
                n.episode_worst = MentalState::Crisis;
                period.new_crises += 1;
            }
            (_, MentalState::Well) => period.recoveries += 1,
            _ => {}
        }
    } else {
        n.days_in_state = s.days_in_state.saturating_add(1);
    }
}

/// The parameters [`step`] reads for every agent, in the types it computes with: all of them as `f32`
/// ([`Params::to_f32`]), the shame from the stigma of each diagnosis, and whole days. Made once per chunk of
/// agents rather than once per agent: the same values, so the same results.
#[derive(Clone, Copy, Debug)]
pub struct InnerRates {
    p: ParamsF32,
    /// `shame_from_stigma` times the stigma weight of each diagnosis (by `Diagnosis::index`, the order of
    /// `Diagnosis::ALL`), multiplied in `f32` as `step` did before it takes in the public stigma climate.
    shame_from_stigma: [f32; 6],
    rhythm_loss_days: u32,
    peer_support_days: u32,
    /// Today's rates of the running means of loneliness, support received and giving ([`running_rate`]).
    loneliness_rate: f32,
    support_rate: f32,
    giving_rate: f32,
}

/// The rate of giving's running mean: a mean over about ten days.
pub const GIVING_RATE: f64 = 0.1;

/// The rate at which a running mean with the daily `rate` takes in day `day`'s value: `rate`, or, while that
/// is smaller, 1 / (day + 2). The running mean is then the plain mean of its start value and the values of days
/// 0 … `day` until its own rate takes over, so that no agent's loneliness, support or giving carries the common
/// value it started from for longer than the first days: each starts where its own days put it.
pub fn running_rate(rate: f64, day: u32) -> f32 {
    rate.max(1.0 / (day as f64 + 2.0)) as f32
}

impl InnerRates {
    /// The rates of day `day`.
    pub fn new(p: &Params, day: u32) -> Self {
        let f = p.to_f32();
        InnerRates {
            p: f,
            shame_from_stigma: Diagnosis::ALL.map(|d| f.shame_from_stigma * stigma_weight(p, d)),
            rhythm_loss_days: p.rhythm_loss_days as u32,
            peer_support_days: p.peer_support_days as u32,
            loneliness_rate: running_rate(p.loneliness_rate, day),
            support_rate: running_rate(p.support_smoothing, day),
            giving_rate: running_rate(GIVING_RATE, day),
        }
    }
}

/// What [`step`] reads of an agent's state of yesterday after it has begun to write today's.
#[derive(Clone, Copy)]
struct Yesterday {
    mental: MentalState,
    days_in_state: u16,
    fast_episode: bool,
    loneliness: f32,
    hope: f32,
    shame: f32,
    support_recent: f32,
    giving_recent: f32,
    rhythm_broken_until: u32,
}

impl Yesterday {
    #[inline(always)]
    fn of(s: &AgentState) -> Self {
        Yesterday {
            mental: s.mental,
            days_in_state: s.days_in_state,
            fast_episode: s.fast_episode,
            loneliness: s.loneliness,
            hope: s.hope,
            shame: s.shame,
            support_recent: s.support_recent,
            giving_recent: s.giving_recent,
            rhythm_broken_until: s.rhythm_broken_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::running_rate;

    #[test]
    fn running_means_weigh_their_start_as_one_day_until_their_own_rate_takes_over() {
        // A plain mean of the start and days 0 … d: day 0 halves the gap, day 1 takes a third, …
        assert_eq!(running_rate(0.05, 0), 0.5);
        assert_eq!(running_rate(0.05, 1), 1.0 / 3.0);
        assert_eq!(running_rate(0.05, 17), 0.05263158);
        assert_eq!(running_rate(0.05, 18), 0.05, "from day 18 the running mean's own rate");
        assert_eq!(running_rate(0.05, 10_000), 0.05);
        // The start value's weight after day d is the product of (1 − rate): 1 / (d + 2).
        let weight: f64 = (0..10).map(|d| 1.0 - running_rate(0.01, d) as f64).product();
        assert!((weight - 1.0 / 11.0).abs() < 1e-6, "{weight}");
    }
}
