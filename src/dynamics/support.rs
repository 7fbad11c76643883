//! Phases 4 and 7 in one pass over the tie table: contact and support along ties, then decay of unused ties.
//!
//! Contact along a tie is in person when both ends were at the same venue today, else remote (phone, social
//! media) with a daily chance that rises with strength and both ends' social media use and falls with
//! individualism, the agent's own withdrawal while unwell, and "ghosting": others reach out less to an agent
//! who is struggling or in crisis, unless they have lived experience. Support flows by layer (kin give more
//! instrumental help, friends more emotional support, lived experience adds information) and giving lifts
//! the giver. Unused ties decay: kin slowly, new ties fast, ties to an unwell agent faster (ghosting),
//! social media slows it; ties below the floor are dropped. Once a week (Sundays) a non-kin tie may end
//! whatever its strength (`tie_turnover_yearly`: moves, new jobs, life changes outside the model).
//!
//! Every quantity that touches a tie is a symmetric function of the pair (ordered by agent index) and one
//! number from the pair's stream, so each end updates its own copy and both copies stay bit-identical.

use super::{is_unwell, Daily, DayContext, PeerView};
use crate::network::{Network, Tie, TieKind};
use crate::params::Params;
use crate::rng::{day_prefix, pair_entity, uniform_once, Purpose};
use crate::types::{AgentIdx, MentalState, NO_VENUE};
use rayon::prelude::*;

/// Per-day constants of the pass: every parameter the per-tie work reads, converted to `f32` once (tables are
/// indexed by tie kind, `TieKind as usize`, or by mental state, `MentalState as usize`).
struct Consts {
    outreach_scale: f32,
    sm_boost: f32,
    /// Daily chance of remote contact along a full-strength tie, by kind.
    contact_rate: [f32; 3],
    /// Multiplier on an agent's own outreach by its mental state (withdrawal).
    withdraw: [f32; 3],
    /// Multiplier on outreach by whether the reaching agent has lived experience, then by the mental state
    /// of the agent reached (ghosting; those with lived experience do not ghost).
    ghosting: [[f32; 3]; 2],
    /// Share of support a giver can give by its mental state.
    capacity: [f32; 3],
    remote_support: f32,
    /// Support per unit of contact by kind: emotional, instrumental, and informational without and with
    /// the giver's lived experience.
    emotional: [f32; 3],
    instrumental: [f32; 3],
    informational: [[f32; 2]; 3],
    /// Strength gained by contact in person and remotely.
    gain: [f32; 2],
    daily_decay: f32,
    /// Decay multiplier by kind (kin decay slowly).
    decay_kind: [f32; 3],
    /// Decay multiplier by whether the tie is ghosted (an end is unwell and the other lacks lived experience).
    ghost_decay: [f32; 2],
    social_decay_reduction: f32,
    /// Decay multiplier of a tie by age in days: 1 + (m − 1)·exp(−age / maturity), tabulated.
    newness: Vec<f32>,
    /// Chance that a non-kin tie ends this week (turnover is drawn once a week, on Sundays), or zero.
    turnover_weekly: f64,
    turnover_prefix: u64,
}

impl Consts {
    fn new(ctx: &DayContext, p: &Params) -> Self {
        let by_kind = |kin: f64, other: f64| [kin as f32, other as f32, other as f32];
        let le = p.layer_lived_experience_informational;
        let info = |f: f64| [f as f32, (f + le) as f32];
        Consts {
            outreach_scale: (1.0 - p.individualism_outreach_effect * p.individualism) as f32,
            sm_boost: p.social_media_contact_boost as f32,
            contact_rate: by_kind(p.contact_rate_kin, p.contact_rate_friend),
            withdraw: [1.0, p.withdraw_outreach as f32, p.withdraw_outreach as f32],
            ghosting: [[1.0, p.ghosting_struggling as f32, p.ghosting_crisis as f32], [1.0; 3]],
            capacity: [1.0, p.give_capacity_struggling as f32, p.give_capacity_crisis as f32],
            remote_support: p.remote_support_factor as f32,
            emotional: by_kind(p.layer_kin_emotional, p.layer_friend_emotional),
            instrumental: by_kind(p.layer_kin_instrumental, p.layer_friend_instrumental),
            informational: [
                info(p.layer_kin_informational),
                info(p.layer_friend_informational),
                info(p.layer_friend_informational),
            ],
            gain: [p.tie_gain_contact as f32 * 1.0, p.tie_gain_contact as f32 * 0.25],
            daily_decay: (1.0 - (1.0 - p.tie_decay_yearly).powf(1.0 / 365.0)) as f32,
            decay_kind: [p.kin_decay_factor as f32, 1.0, 1.0],
            ghost_decay: [1.0, p.ghost_decay_multiplier as f32],
            social_decay_reduction: p.social_media_decay_reduction as f32,
            newness: (0..(20.0 * p.tie_maturity_days) as usize)
                .map(|age| {
                    (1.0 + (p.new_tie_decay_multiplier - 1.0) * (-(age as f64) / p.tie_maturity_days).exp()) as f32
                })
                .collect(),
            turnover_weekly: if ctx.weekday == TURNOVER_WEEKDAY {
                1.0 - (1.0 - p.tie_turnover_yearly).powf(7.0 / 365.0)
            } else {
                0.0
            },
            turnover_prefix: day_prefix(ctx.seed, ctx.replicate, Purpose::TieTurnover, ctx.day),
        }
    }

    #[inline]
    fn newness(&self, age: i32) -> f32 {
        self.newness.get(age.max(0) as usize).copied().unwrap_or(1.0)
    }
}

/// The weekday (Sunday) on which ties end by turnover and ended friendships are renewed.
pub const TURNOVER_WEEKDAY: usize = 6;

pub fn run(ctx: &DayContext, p: &Params, network: &mut Network, daily: &mut [Daily]) {
    let consts = Consts::new(ctx, p);
    let tie_floor = p.tie_floor as f32;
    let prefix = day_prefix(ctx.seed, ctx.replicate, Purpose::TieContact, ctx.day);
    network.per_agent_mut().zip(daily.par_iter_mut()).enumerate().with_min_len(512).for_each_init(
        || Vec::with_capacity(64),
        |others: &mut Vec<PeerView>, (a, ((slots, count), d))| {
            let n = *count as usize;
            // Gather the other ends' views first: independent loads the CPU overlaps, instead of one cache
            // miss at a time inside the long per-tie body (the views are scattered over the whole town).
            others.clear();
            others.extend(slots[..n].iter().map(|t| ctx.peers[t.other as usize]));
            let me = ctx.peers[a];
            let mut all_above_floor = true;
            for (tie, other) in slots[..n].iter_mut().zip(others.iter()) {
                update_tie(ctx, &consts, prefix, a as AgentIdx, &me, other, tie, d);
                all_above_floor &= tie.strength >= tie_floor;
            }
            if all_above_floor && consts.turnover_weekly == 0.0 {
                return;
            }
            // Ties end (below the floor, or by turnover on Sundays) in a second pass that keeps the order of
            // those that stay; on most days no tie of an agent ends and the pass is skipped.
            let mut kept = 0;
            for k in 0..n {
                let tie = slots[k];
                let ends = consts.turnover_weekly > 0.0
                    && tie.kind() != TieKind::Kin
                    && uniform_once(consts.turnover_prefix, pair_entity(a as AgentIdx, tie.other))
                        < consts.turnover_weekly;
                if tie.strength >= tie_floor && !ends {
                    slots[kept] = tie;
                    kept += 1;
                } else if ends && tie.kind() == TieKind::Friend {
                    d.friends_ended = d.friends_ended.saturating_add(1);
                }
            }
            *count = kept as u8;
        },
    );
}

/// Daily outreach along a tie from a well agent to a well agent, before the cap at 1.
#[inline]
fn outreach_base(c: &Consts, kind: usize, s: f32, sm: f32) -> f32 {
    c.contact_rate[kind] * s * c.outreach_scale * (1.0 + c.sm_boost * sm)
}

/// Outreach of `from` toward `to` per day, with and without ghosting, from the well-to-well outreach `x`.
/// Written without branches, by table lookups (multiplying by 1 is exact), as whether an end is unwell is a
/// coin toss for the branch predictor.
#[inline]
fn outreach(c: &Consts, from: &PeerView, to: &PeerView, x: f32) -> (f32, f32) {
    let x = x * c.withdraw[from.mental as usize];
    let ghost = c.ghosting[from.lived_experience as usize][to.mental as usize];
    ((x * ghost).min(1.0), x.min(1.0))
}

/// Updates agent a's copy of its tie to b; `me` and `other` are the two ends' views (a's and b's).
#[allow(clippy::too_many_arguments)]
#[inline]
fn update_tie(
    ctx: &DayContext,
    c: &Consts,
    prefix: u64,
    a: AgentIdx,
    me: &PeerView,
    other: &PeerView,
    tie: &mut Tie,
    d: &mut Daily,
) {
    let b = tie.other;
    let kind = tie.kind() as usize;
    let (lo, al, ah) = if a < b { (a, me, other) } else { (b, other, me) };
    let s = tie.strength;
    let sm = 0.5 * (al.social_media + ah.social_media);
    let va = me.venue_today;
    let in_person = va != NO_VENUE && va == other.venue_today;
    let remote = if in_person {
        false
    } else {
        let u = uniform_once(prefix, pair_entity(a, b)) as f32;
        // Between two well agents without lived experience this is 1 − (1 − x)², and nobody is ghosted.
        let x = outreach_base(c, kind, s, sm);
        let (p_lh, p_lh_ng) = outreach(c, al, ah, x);
        let (p_hl, p_hl_ng) = outreach(c, ah, al, x);
        let contact = u < 1.0 - (1.0 - p_lh) * (1.0 - p_hl);
        // Contact that only ghosting prevented, counted at the ghosted end.
        let (toward_a, from_a) = if a == lo { (p_lh, p_hl_ng) } else { (p_lh_ng, p_hl) };
        d.ghosted += (!contact & (u < 1.0 - (1.0 - toward_a) * (1.0 - from_a))) as u16;
        contact
    };

    if in_person || remote {
        // Support received by a from b, by layer.
        let giver = other;
        let mode = if in_person { 1.0 } else { c.remote_support };
        let k = s * mode * c.capacity[giver.mental as usize];
        d.emotional += k * c.emotional[kind];
        d.instrumental += k * c.instrumental[kind];
        d.informational += k * c.informational[kind][giver.lived_experience as usize];
        // Giving lifts the giver: a supports b when b is unwell and a is not in crisis.
        if is_unwell(giver.mental) && me.mental != MentalState::Crisis {
            d.gave = true;
        }
        let gain = c.gain[!in_person as usize];
        tie.strength = (s + gain * (1.0 - s)).min(1.0);
        tie.last_contact_day = ctx.day as i32;
    } else {
        let age = ctx.day as i32 - tie.formed_day();
        let newness = c.newness(age);
        let ghost = (is_unwell(al.mental) & !ah.lived_experience) | (is_unwell(ah.mental) & !al.lived_experience);
        let ghost = c.ghost_decay[ghost as usize];
        let social = 1.0 - c.social_decay_reduction * sm;
        let rate = (c.daily_decay * c.decay_kind[kind] * newness * ghost * social).min(1.0);
        tie.strength = s * (1.0 - rate);
    }
}
