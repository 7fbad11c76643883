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

/// Per-day constants of the pass.
struct Consts {
    outreach_scale: f32,
    sm_boost: f32,
    daily_decay: f32,
    /// Decay multiplier of a tie by age in days: 1 + (m − 1)·exp(−age / maturity), tabulated.
    newness: Vec<f32>,
    /// Chance that a non-kin tie ends this week (turnover is drawn once a week, on Sundays), or zero.
    turnover_weekly: f64,
    turnover_prefix: u64,
}

impl Consts {
    #[inline]
    fn newness(&self, age: i32) -> f32 {
        self.newness.get(age.max(0) as usize).copied().unwrap_or(1.0)
    }
}

pub fn run(ctx: &DayContext, p: &Params, network: &mut Network, daily: &mut [Daily]) {
    let consts = Consts {
        outreach_scale: (1.0 - p.individualism_outreach_effect * p.individualism) as f32,
        sm_boost: p.social_media_contact_boost as f32,
        daily_decay: (1.0 - (1.0 - p.tie_decay_yearly).powf(1.0 / 365.0)) as f32,
        newness: (0..(20.0 * p.tie_maturity_days) as usize)
            .map(|age| (1.0 + (p.new_tie_decay_multiplier - 1.0) * (-(age as f64) / p.tie_maturity_days).exp()) as f32)
            .collect(),
        turnover_weekly: if ctx.weekday == 6 { 1.0 - (1.0 - p.tie_turnover_yearly).powf(7.0 / 365.0) } else { 0.0 },
        turnover_prefix: day_prefix(ctx.seed, ctx.replicate, Purpose::TieTurnover, ctx.day),
    };
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
            let mut kept = 0;
            for k in 0..n {
                let mut tie = slots[k];
                update_tie(ctx, p, &consts, prefix, a as AgentIdx, &me, &others[k], &mut tie, d);
                let ends = consts.turnover_weekly > 0.0
                    && tie.kind() != TieKind::Kin
                    && uniform_once(consts.turnover_prefix, pair_entity(a as AgentIdx, tie.other))
                        < consts.turnover_weekly;
                if tie.strength >= tie_floor && !ends {
                    slots[kept] = tie;
                    kept += 1;
                }
            }
            *count = kept as u8;
        },
    );
}

/// Daily outreach along a tie from a well agent to a well agent.
#[inline]
fn outreach_base(p: &Params, c: &Consts, kind: TieKind, s: f32, sm: f32) -> f32 {
    let base = match kind {
        TieKind::Kin => p.contact_rate_kin,
        _ => p.contact_rate_friend,
    } as f32;
    base * s * c.outreach_scale * (1.0 + c.sm_boost * sm)
}

/// Outreach of `from` toward `to` per day, with and without ghosting.
#[inline]
fn outreach(p: &Params, c: &Consts, from: &PeerView, to: &PeerView, kind: TieKind, s: f32, sm: f32) -> (f32, f32) {
    let mut x = outreach_base(p, c, kind, s, sm);
    if is_unwell(from.mental) {
        x *= p.withdraw_outreach as f32;
    }
    let ghost = if from.lived_experience {
        1.0
    } else {
        match to.mental {
            MentalState::Well => 1.0,
            MentalState::Struggling => p.ghosting_struggling as f32,
            MentalState::Crisis => p.ghosting_crisis as f32,
        }
    };
    ((x * ghost).min(1.0), x.min(1.0))
}

/// Updates agent a's copy of its tie to b; `me` and `other` are the two ends' views (a's and b's).
#[allow(clippy::too_many_arguments)]
#[inline]
fn update_tie(
    ctx: &DayContext,
    p: &Params,
    c: &Consts,
    prefix: u64,
    a: AgentIdx,
    me: &PeerView,
    other: &PeerView,
    tie: &mut Tie,
    d: &mut Daily,
) {
    let b = tie.other;
    let (lo, al, ah) = if a < b { (a, me, other) } else { (b, other, me) };
    let s = tie.strength;
    let sm = 0.5 * (al.social_media + ah.social_media);
    let va = me.venue_today;
    let in_person = va != NO_VENUE && va == other.venue_today;
    let remote = if in_person {
        false
    } else {
        let u = uniform_once(prefix, pair_entity(a, b)) as f32;
        if !is_unwell(al.mental) && !is_unwell(ah.mental) {
            // Fast path for the common case, same numbers as the general one: no withdrawal, no ghosting.
            let x = outreach_base(p, c, tie.kind(), s, sm).min(1.0);
            u < 1.0 - (1.0 - x) * (1.0 - x)
        } else {
            let (p_lh, p_lh_ng) = outreach(p, c, al, ah, tie.kind(), s, sm);
            let (p_hl, p_hl_ng) = outreach(p, c, ah, al, tie.kind(), s, sm);
            let p_contact = 1.0 - (1.0 - p_lh) * (1.0 - p_hl);
            let contact = u < p_contact;
            if !contact {
                // Contact that only ghosting prevented, counted at the ghosted end.
                let p_no_ghost_toward_a =
                    if a == lo { 1.0 - (1.0 - p_lh) * (1.0 - p_hl_ng) } else { 1.0 - (1.0 - p_lh_ng) * (1.0 - p_hl) };
                if u < p_no_ghost_toward_a {
                    d.ghosted += 1;
                }
            }
            contact
        }
    };

    if in_person || remote {
        // Support received by a from b, by layer.
        let giver = other;
        let capacity = match giver.mental {
            MentalState::Well => 1.0,
            MentalState::Struggling => p.give_capacity_struggling as f32,
            MentalState::Crisis => p.give_capacity_crisis as f32,
        };
        let mode = if in_person { 1.0 } else { p.remote_support_factor as f32 };
        let k = s * mode * capacity;
        let (e, i, f) = match tie.kind() {
            TieKind::Kin => (p.layer_kin_emotional, p.layer_kin_instrumental, p.layer_kin_informational),
            _ => (p.layer_friend_emotional, p.layer_friend_instrumental, p.layer_friend_informational),
        };
        let le = if giver.lived_experience { p.layer_lived_experience_informational } else { 0.0 };
        d.emotional += k * e as f32;
        d.instrumental += k * i as f32;
        d.informational += k * (f + le) as f32;
        // Giving lifts the giver: a supports b when b is unwell and a is not in crisis.
        if is_unwell(giver.mental) && me.mental != MentalState::Crisis {
            d.gave = true;
        }
        let gain = p.tie_gain_contact as f32 * if in_person { 1.0 } else { 0.25 };
        tie.strength = (s + gain * (1.0 - s)).min(1.0);
        tie.last_contact_day = ctx.day as i32;
    } else {
        let age = ctx.day as i32 - tie.formed_day();
        let kind = if tie.kind() == TieKind::Kin { p.kin_decay_factor as f32 } else { 1.0 };
        let newness = c.newness(age);
        let ghost = (is_unwell(al.mental) && !ah.lived_experience) || (is_unwell(ah.mental) && !al.lived_experience);
        let ghost = if ghost { p.ghost_decay_multiplier as f32 } else { 1.0 };
        let social = 1.0 - p.social_media_decay_reduction as f32 * sm;
        let rate = (c.daily_decay * kind * newness * ghost * social).min(1.0);
        tie.strength = s * (1.0 - rate);
    }
}
