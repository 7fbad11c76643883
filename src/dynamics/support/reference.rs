//! The tie pass one tie at a time, with branches: the reference the kernel is tested against, bit for bit.

use super::*;
use crate::model::is_unwell;
use crate::types::{MentalState, NO_VENUE};
use crate::world::network::Tie;

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
    let x = x * c.withdraw[from.mental() as usize];
    let ghost = c.ghosting[from.lived_experience() as usize][to.mental() as usize];
    ((x * ghost).min(1.0), x.min(1.0))
}

/// Updates agent a's copy of its tie to b; `me` and `other` are the two ends' views (a's and b's).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) fn update_tie(
    day: u32,
    c: &Consts,
    newness_table: &[f32],
    draws: PairDraws,
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
    let sm = 0.5 * (al.social_media() + ah.social_media());
    let va = me.venue_today();
    let in_person = va != NO_VENUE && va == other.venue_today();
    let remote = if in_person {
        false
    } else {
        let u = draws.uniform(a, b);
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
        let k = s * mode * c.capacity[giver.mental() as usize];
        d.emotional += k * c.emotional[kind];
        d.instrumental += k * c.instrumental[kind];
        d.informational += k * c.informational[kind][giver.lived_experience() as usize];
        // Giving lifts the giver: a supports b when b is unwell and a is not in crisis.
        if is_unwell(giver.mental()) && me.mental() != MentalState::Crisis {
            d.gave = true;
        }
        let gain = c.gain[!in_person as usize];
        tie.strength = (s + gain * (1.0 - s)).min(1.0);
        tie.last_contact_day = day as i32;
    } else {
        let age = day as i32 - tie.formed_day();
        let newness = newness_table.get(age.max(0) as usize).copied().unwrap_or(1.0);
        let ghost =
            (is_unwell(al.mental()) & !ah.lived_experience()) | (is_unwell(ah.mental()) & !al.lived_experience());
        let ghost = c.ghost_decay[ghost as usize];
        let social = 1.0 - c.social_decay_reduction * sm;
        let rate = (c.daily_decay * c.decay_kind[kind] * newness * ghost * social).min(1.0);
        tie.strength = s * (1.0 - rate);
    }
}
