//! Phase 3, meeting: at each open venue, visitors beyond capacity are turned away (by a random priority),
//! then each attendee meets a handful of others (more at a meal). A meeting of tied agents strengthens the
//! tie (more at a ritual, times the venue's stability); strangers may reject each other by stigma (the
//! rejected one's shame grows) or else may form a tie (more likely at a ritual). Meetings exchange emotional
//! support; a well peer with lived experience gives hope. Staff on duty support visitors: professionals and
//! peer workers with information and practical help, volunteers with emotional support and information;
//! staff with lived experience give hope.
//!
//! Venues are processed in parallel, each from its own stream; their outcomes are applied in venue order,
//! so the result does not depend on the thread count.

use super::{is_unwell, stigma_weight, Daily, DayContext};
use crate::network::{Network, TieKind};
use crate::population::{Agent, AgentState, StaffKind};
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, MentalState, Ritual, VenueIdx, NO_VENUE};
use rayon::prelude::*;

/// A tie change decided at a venue, applied after all venues are done.
#[derive(Clone, Copy, Debug)]
enum TieOp {
    Strengthen(AgentIdx, AgentIdx, f32),
    Form(AgentIdx, AgentIdx),
}

struct Outcome {
    /// (agent, what happened to it) for every attendee, in attendee order.
    daily: Vec<(AgentIdx, Daily)>,
    turned_away: Vec<AgentIdx>,
    ops: Vec<TieOp>,
}

/// Runs the phase. `attendees[v]` lists the agents who chose venue v (ascending). Returns visits per venue
/// (staff on duty not counted).
#[allow(clippy::too_many_arguments)]
pub fn run(
    ctx: &DayContext,
    scenario: &Scenario,
    agents: &[Agent],
    states: &[AgentState],
    network: &mut Network,
    attendees: &[Vec<AgentIdx>],
    venue_today: &mut [VenueIdx],
    daily: &mut [Daily],
) -> Vec<u32> {
    let net: &Network = network;
    let outcomes: Vec<Outcome> = attendees
        .par_iter()
        .enumerate()
        .map(|(v, list)| venue_day(ctx, scenario, agents, states, net, v, list))
        .collect();
    let mut visits = vec![0u32; attendees.len()];
    for (v, out) in outcomes.into_iter().enumerate() {
        for a in out.turned_away {
            venue_today[a as usize] = NO_VENUE;
            daily[a as usize].turned_away = true;
        }
        for (a, d) in out.daily {
            if agents[a as usize].staff_venue as usize != v {
                visits[v] += 1;
            }
            daily[a as usize] = d;
        }
        let day = ctx.day as i32;
        for op in out.ops {
            match op {
                TieOp::Strengthen(a, b, gain) => network.strengthen_pair(a, b, gain, day),
                TieOp::Form(a, b) => {
                    network.add_pair(a, b, scenario.params.tie_initial_strength as f32, day, TieKind::Venue);
                }
            }
        }
    }
    visits
}

fn venue_day(
    ctx: &DayContext,
    scenario: &Scenario,
    agents: &[Agent],
    states: &[AgentState],
    network: &Network,
    v: usize,
    list: &[AgentIdx],
) -> Outcome {
    let mut out = Outcome { daily: Vec::new(), turned_away: Vec::new(), ops: Vec::new() };
    if list.is_empty() {
        return out;
    }
    let p = &scenario.params;
    let venue = &scenario.venues[v];
    let mut rng = Stream::new(ctx.seed, ctx.replicate, Purpose::Meeting, ctx.day, v as u64);

    // Capacity: staff on duty always get in; visitors beyond capacity are turned away by random priority.
    let (staff, mut visitors): (Vec<AgentIdx>, Vec<AgentIdx>) =
        list.iter().partition(|&&a| agents[a as usize].staff_venue as usize == v);
    if visitors.len() > venue.capacity as usize {
        let mut keyed: Vec<(u64, AgentIdx)> =
            visitors.iter().map(|&a| (rand::RngCore::next_u64(&mut rng), a)).collect();
        keyed.sort_unstable();
        out.turned_away = keyed[venue.capacity as usize..].iter().map(|&(_, a)| a).collect();
        let mut kept: Vec<AgentIdx> = keyed[..venue.capacity as usize].iter().map(|&(_, a)| a).collect();
        kept.sort_unstable();
        visitors = kept;
    }
    let present: Vec<AgentIdx> = staff.iter().chain(visitors.iter()).copied().collect();
    let n = present.len();
    let mut acc = vec![Daily::default(); n];

    let ritual = ctx.ritual_today[v];
    let ritual_mult = if ritual != Ritual::None { p.ritual_tie_multiplier as f32 } else { 1.0 };
    let meetings =
        (p.meetings_per_visit * if ritual == Ritual::Meal { p.meal_meeting_multiplier } else { 1.0 }).round() as usize;
    let stability = venue.stability as f32;
    let closedness = (1.0 - venue.openness) as f32;
    let le_hope = |giver: AgentIdx| {
        let g = &agents[giver as usize];
        g.lived_experience && states[giver as usize].mental == MentalState::Well
    };

    // Meetings between people present.
    if n >= 2 {
        for i in 0..n {
            let a = present[i];
            for _ in 0..meetings {
                let mut j = rng.below(n - 1);
                if j >= i {
                    j += 1;
                }
                let b = present[j];
                let (sa, sb) = (&states[a as usize], &states[b as usize]);
                let support = p.meeting_support as f32;
                if network.find(a, b).is_some() {
                    out.ops.push(TieOp::Strengthen(a, b, p.tie_gain_meeting as f32 * stability * ritual_mult));
                } else {
                    // Each may reject the other by stigma; a rejection stops the contact.
                    let reject = |from: AgentIdx, to: AgentIdx, u: f64| {
                        let pr = p.rejection_scale as f32
                            * agents[from as usize].stigma_attitude
                            * ctx.stigma_multiplier
                            * stigma_weight(p, agents[to as usize].diagnosis)
                            * closedness;
                        (u as f32) < pr
                    };
                    let (u1, u2, u3) = (rng.uniform(), rng.uniform(), rng.uniform());
                    if reject(a, b, u1) {
                        acc[j].rejections += 1;
                        acc[j].shame_gain += p.shame_per_rejection as f32;
                        continue;
                    }
                    if reject(b, a, u2) {
                        acc[i].rejections += 1;
                        acc[i].shame_gain += p.shame_per_rejection as f32;
                        continue;
                    }
                    if (u3 as f32) < p.p_tie_form as f32 * ritual_mult * stability {
                        out.ops.push(TieOp::Form(a, b));
                    }
                }
                acc[i].emotional += support;
                acc[j].emotional += support;
                if le_hope(b) && is_unwell(sa.mental) {
                    acc[i].hope_gain += p.hope_gain_lived_experience as f32;
                }
                if le_hope(a) && is_unwell(sb.mental) {
                    acc[j].hope_gain += p.hope_gain_lived_experience as f32;
                }
                if is_unwell(sb.mental) && sa.mental != MentalState::Crisis {
                    acc[i].gave = true;
                }
                if is_unwell(sa.mental) && sb.mental != MentalState::Crisis {
                    acc[j].gave = true;
                }
            }
        }
    }

    // Staff support to visitors.
    let n_staff = staff.len();
    if n_staff > 0 && !visitors.is_empty() {
        let p_contact = (n_staff as f64 * p.staff_contacts_per_day / visitors.len() as f64).min(1.0);
        let amount = (p.staff_support * venue.stability) as f32;
        for k in 0..visitors.len() {
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
            if le_hope(staff[si]) && is_unwell(states[visitors[k] as usize].mental) {
                d.hope_gain += p.hope_gain_lived_experience as f32;
            }
            if is_unwell(states[visitors[k] as usize].mental) {
                acc[si].gave = true;
            }
        }
    }

    out.daily = present.into_iter().zip(acc).collect();
    out
}
