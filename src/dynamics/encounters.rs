//! Encounters in one room: what happens between the people present at a venue today. Each attendee meets a
//! handful of others ([`meet`]): tied people strengthen their tie, strangers may reject each other by stigma
//! or else may form a tie, and every contact exchanges support and hope ([`exchange`]). Staff at work support
//! visitors ([`staff_support`]) and welcome newcomers ([`welcome`]). The venue's day (`meeting`) admits the
//! people, shapes the [`Room`] and applies the tie changes ([`TieOp`]) afterwards.

use crate::model::{is_unwell, stigma_weight};
use crate::params::Params;
use crate::rng::Stream;
use crate::types::{AgentIdx, MentalState};
use crate::world::network::Network;
use crate::world::{Agent, AgentState, Daily, StaffKind};

/// How many attendees ahead a venue's meetings ask for an attendee's ties.
const PREFETCH_AHEAD: usize = 4;

/// A tie change decided at a venue, applied after all venues are done.
#[derive(Clone, Copy, Debug)]
pub(super) enum TieOp {
    Strengthen(AgentIdx, AgentIdx, f32),
    Form(AgentIdx, AgentIdx),
}

/// What shapes the meetings at a venue today.
pub(super) struct Room<'a> {
    pub(super) p: &'a Params,
    /// The town's stigma climate today (`DayContext::stigma_multiplier`).
    pub(super) stigma_multiplier: f32,
    /// Support a staff member gives a visitor they reach: `staff_support` times the venue's stability.
    pub(super) staff_amount: f32,
    /// What a meeting of tied people adds to their tie, and the chance that a meeting of strangers forms one:
    /// `tie_gain_meeting` and `p_tie_form` times the venue's stability today and the ritual multiplier.
    pub(super) tie_gain: f32,
    pub(super) tie_chance: f32,
    /// Meetings each person present starts (more at a shared meal).
    pub(super) meetings: usize,
    /// One less the venue's openness: how far a stranger's stigma can make a rejection.
    pub(super) closedness: f32,
}

/// Meetings between the people present: each starts `room.meetings` with others drawn at random. Tied
/// people strengthen their tie; strangers may reject each other by stigma (shame for the rejected, and no
/// contact), else may form a tie. Every contact gives emotional support both ways, hope from lived
/// experience to someone unwell, and counts as giving for a well person who meets someone unwell.
pub(super) fn meet(
    room: &Room,
    network: &Network,
    present: &[AgentIdx],
    seen: &[Seen],
    rng: &mut Stream,
    acc: &mut [Daily],
    ops: &mut Vec<TieOp>,
) {
    let p = room.p;
    let n = present.len();
    for i in 0..n {
        let a = present[i];
        // Whether two people present are tied is read from the first one's ties, scattered over the town.
        if let Some(&ahead) = present.get(i + PREFETCH_AHEAD) {
            network.prefetch_ties(ahead as usize);
        }
        for _ in 0..room.meetings {
            let mut j = rng.below(n - 1);
            if j >= i {
                j += 1;
            }
            let b = present[j];
            let (sa, sb) = (&seen[i], &seen[j]);
            if network.find(a, b).is_some() {
                ops.push(TieOp::Strengthen(a, b, room.tie_gain));
            } else {
                // Each may reject the other by stigma; a rejection stops the contact.
                let reject = |from: &Seen, to: &Seen, u: f64| {
                    let pr = p.rejection_scale as f32
                        * from.stigma_attitude
                        * room.stigma_multiplier
                        * to.stigma_weight
                        * room.closedness;
                    (u as f32) < pr
                };
                let (u1, u2, u3) = (rng.uniform(), rng.uniform(), rng.uniform());
                if reject(sa, sb, u1) {
                    acc[j].rejections += 1;
                    acc[j].shame_gain += p.shame_per_rejection as f32;
                    continue;
                }
                if reject(sb, sa, u2) {
                    acc[i].rejections += 1;
                    acc[i].shame_gain += p.shame_per_rejection as f32;
                    continue;
                }
                if (u3 as f32) < room.tie_chance {
                    ops.push(TieOp::Form(a, b));
                }
            }
            exchange(p, seen, i, j, acc);
        }
    }
}

/// What a meeting of those present at `i` and `j` gives both: emotional support, hope from a well peer with
/// lived experience to someone unwell, and giving for whoever meets someone unwell (unless in crisis).
#[inline]
fn exchange(p: &Params, seen: &[Seen], i: usize, j: usize, acc: &mut [Daily]) {
    let (sa, sb) = (&seen[i], &seen[j]);
    let support = p.meeting_support as f32;
    acc[i].emotional += support;
    acc[j].emotional += support;
    if sb.gives_hope && is_unwell(sa.mental) {
        acc[i].hope_gain += p.hope_gain_lived_experience as f32;
    }
    if sa.gives_hope && is_unwell(sb.mental) {
        acc[j].hope_gain += p.hope_gain_lived_experience as f32;
    }
    if is_unwell(sb.mental) && sa.mental != MentalState::Crisis {
        acc[i].gave = true;
    }
    if is_unwell(sa.mental) && sb.mental != MentalState::Crisis {
        acc[j].gave = true;
    }
}

/// Staff welcome newcomers and bring them into the group: each staff member on duty, in order, welcomes
/// `staff_welcomes_per_day` newcomers (the whole part, and one more with the chance of the fraction), each drawn
/// at random, with replacement, from the visitors for whom the venue is not the habit of today's weekday
/// (`regular` is false), and introduces each to a visitor drawn from the regulars (from the other visitors
/// when no regular is there). The two meet as in [`meet`], but with the staff member vouching for them: there
/// is no rejection. `present` holds the `n_staff` staff first, then the visitors.
#[allow(clippy::too_many_arguments)]
pub(super) fn welcome(
    room: &Room,
    network: &Network,
    present: &[AgentIdx],
    n_staff: usize,
    regular: &[bool],
    seen: &[Seen],
    rng: &mut Stream,
    acc: &mut [Daily],
    ops: &mut Vec<TieOp>,
) {
    let p = room.p;
    let rate = p.staff_welcomes_per_day;
    let newcomers: Vec<usize> = (0..regular.len()).filter(|&k| !regular[k]).map(|k| n_staff + k).collect();
    if rate <= 0.0 || newcomers.is_empty() || regular.len() < 2 {
        return;
    }
    let regulars: Vec<usize> = (0..regular.len()).filter(|&k| regular[k]).map(|k| n_staff + k).collect();
    for _ in 0..n_staff {
        for _ in 0..rng.count(rate) {
            let i = newcomers[rng.below(newcomers.len())];
            let j = if regulars.is_empty() {
                // Another visitor: all visitors are newcomers here.
                let mut k = n_staff + rng.below(regular.len() - 1);
                if k >= i {
                    k += 1;
                }
                k
            } else {
                regulars[rng.below(regulars.len())]
            };
            acc[i].welcomed = true;
            let (a, b) = (present[i], present[j]);
            if network.find(a, b).is_some() {
                ops.push(TieOp::Strengthen(a, b, room.tie_gain));
            } else if (rng.uniform() as f32) < room.tie_chance {
                ops.push(TieOp::Form(a, b));
            }
            exchange(p, seen, i, j, acc);
        }
    }
}

/// Staff support to visitors: each visitor is reached with the chance that the staff's contacts per day
/// spread over the visitors give, by one staff member drawn at random. Volunteers give emotional and some
/// informational support; professionals instrumental and informational; peer workers that and emotional
/// support, and count as peer support. `seen` and `acc` hold the staff first, then the visitors.
pub(super) fn staff_support(
    room: &Room,
    agents: &[Agent],
    staff: &[AgentIdx],
    n_visitors: usize,
    seen: &[Seen],
    rng: &mut Stream,
    acc: &mut [Daily],
) {
    let (p, amount) = (room.p, room.staff_amount);
    let n_staff = staff.len();
    let p_contact = (n_staff as f64 * p.staff_contacts_per_day / n_visitors as f64).min(1.0);
    for k in 0..n_visitors {
        let i = n_staff + k;
        if !rng.chance(p_contact) {
            continue;
        }
        let si = rng.below(n_staff);
        let giver = &agents[staff[si] as usize];
        let d = &mut acc[i];
        match giver.staff_kind {
            StaffKind::Volunteer => {
                d.emotional += amount;
                d.informational += 0.5 * amount;
            }
            _ => {
                d.instrumental += amount;
                d.informational += amount;
                if giver.staff_kind == StaffKind::PeerWorker {
                    d.emotional += 0.5 * amount;
                    d.peer_support = true;
                }
            }
        }
        // Staff come first among those present (`seen[si]` is `staff[si]`), then the visitors.
        if seen[si].gives_hope && is_unwell(seen[i].mental) {
            d.hope_gain += p.hope_gain_lived_experience as f32;
        }
        if is_unwell(seen[i].mental) {
            acc[si].gave = true;
        }
    }
}

/// What a venue's meetings read of a person present.
#[derive(Clone, Copy)]
pub(super) struct Seen {
    mental: MentalState,
    /// Lived experience and well: gives hope to an unwell person met.
    gives_hope: bool,
    stigma_attitude: f32,
    /// Public stigma weight of the diagnosis ([`stigma_weight`]).
    stigma_weight: f32,
}

/// What the meetings read of each of those `present`, in their order: gathered once, so that the meetings'
/// random picks read a small array instead of agents scattered over the town.
pub(super) fn gather_seen(p: &Params, agents: &[Agent], states: &[AgentState], present: &[AgentIdx]) -> Vec<Seen> {
    present
        .iter()
        .map(|&a| {
            let (g, s) = (&agents[a as usize], &states[a as usize]);
            Seen {
                mental: s.mental,
                gives_hope: g.lived_experience && s.mental == MentalState::Well,
                stigma_attitude: g.stigma_attitude,
                stigma_weight: stigma_weight(p, g.diagnosis),
            }
        })
        .collect()
}
