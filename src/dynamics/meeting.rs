//! Meeting: at each open venue, visitors beyond capacity are turned away (by a random priority), then those
//! present meet (`encounters`: meetings of tied people and strangers, staff support and welcome), and the tie
//! changes decided there are applied.
//!
//! Venues are processed in parallel, largest first, each from its own stream. What a venue's day does to its
//! attendees' accumulators is written back in parallel by blocks of agents (each agent is at one venue at most,
//! so the writes never meet); tie changes are applied in venue order on one thread meanwhile. The result does
//! not depend on the thread count.

use super::encounters::{gather_seen, meet, staff_support, welcome, Room, TieOp};
use super::DayContext;
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, Ritual, VenueIdx, NO_VENUE};
use crate::world::network::{Network, TieKind};
use crate::world::{Agent, AgentState, Daily};
use rayon::prelude::*;

struct VenueDay {
    /// (agent, what happened to it) for every attendee, by agent.
    daily: Vec<(AgentIdx, Daily)>,
    /// Visitors turned away at the door, by agent.
    turned_away: Vec<AgentIdx>,
    ops: Vec<TieOp>,
    /// Visits (attendees who are not the venue's staff).
    visits: u32,
}

/// How many tie changes ahead the changes decided at venues ask for the ties they change. At 10^6 agents a
/// day's ≈ 6,000 changes took 1.7–2.2 ms with and 2.6–3.2 ms without, in alternating runs.
const OPS_AHEAD: usize = 8;

/// Agents per block when lists of attendees are built and outcomes written back.
const BLOCK: usize = 1 << 14;

/// The agents at each venue today (`venue_today`), each list ascending; built by blocks of agents in
/// parallel and joined in block order.
pub fn attendees(venue_today: &[VenueIdx], n_venues: usize) -> Vec<Vec<AgentIdx>> {
    let blocks: Vec<Vec<Vec<AgentIdx>>> = venue_today
        .par_chunks(BLOCK)
        .enumerate()
        .map(|(b, venues)| {
            let mut lists = vec![Vec::new(); n_venues];
            for (k, &v) in venues.iter().enumerate() {
                if v != NO_VENUE {
                    lists[v as usize].push((b * BLOCK + k) as AgentIdx);
                }
            }
            lists
        })
        .collect();
    (0..n_venues)
        .into_par_iter()
        .map(|v| {
            let mut list = Vec::with_capacity(blocks.iter().map(|b| b[v].len()).sum());
            for b in &blocks {
                list.extend_from_slice(&b[v]);
            }
            list
        })
        .collect()
}

/// Runs the phase. `attendees[v]` lists the agents who chose venue v (ascending). Returns, per venue, the
/// visits (staff on duty not counted) and whether anyone was turned away at its capacity.
#[allow(clippy::too_many_arguments)]
pub fn hold_meetings(
    ctx: &DayContext,
    scenario: &Scenario,
    agents: &[Agent],
    states: &[AgentState],
    network: &mut Network,
    attendees: &[Vec<AgentIdx>],
    venue_today: &mut [VenueIdx],
    daily: &mut [Daily],
) -> Vec<(u32, bool)> {
    let net: &Network = network;
    // One task per venue: a venue's day is serial (one stream), and venues differ in size by a hundredfold.
    // The threads take the venues largest first (in a FIFO scope), so that the largest does not start last
    // and hold up the phase while the other threads wait; each outcome goes to its venue's place.
    let mut outcomes: Vec<Option<VenueDay>> = (0..attendees.len()).map(|_| None).collect();
    let mut slots: Vec<(usize, &mut Option<VenueDay>)> = outcomes.iter_mut().enumerate().collect();
    slots.sort_by_key(|(v, _)| std::cmp::Reverse(attendees[*v].len()));
    rayon::scope_fifo(|scope| {
        for (v, slot) in slots {
            scope.spawn_fifo(move |_| *slot = Some(venue_day(ctx, scenario, agents, states, net, v, &attendees[v])));
        }
    });
    let outcomes: Vec<VenueDay> = outcomes.into_iter().map(|out| out.expect("every venue's day ran")).collect();
    // The tie changes run on one thread while the others write the outcomes back: the changes touch only the
    // network, the write-back only the agents' venues and accumulators.
    let initial = scenario.params.tie_initial_strength as f32;
    rayon::join(
        || change_ties(network, &outcomes, ctx.day as i32, initial),
        || write_back(&outcomes, venue_today, daily),
    );
    outcomes.iter().map(|out| (out.visits, !out.turned_away.is_empty())).collect()
}

/// Applies the tie changes the venues decided, one at a time in venue order (a new tie may push out a tie of
/// anyone in town). Each goes to two scattered agents' ties: those of the change OPS_AHEAD after it are asked
/// for meanwhile.
fn change_ties(network: &mut Network, outcomes: &[VenueDay], day: i32, initial: f32) {
    let ops = || outcomes.iter().flat_map(|out| &out.ops);
    let mut ahead = ops().skip(OPS_AHEAD);
    for &op in ops() {
        if let Some(&TieOp::Strengthen(a, b, _) | &TieOp::Form(a, b)) = ahead.next() {
            network.prefetch_for_change(a as usize);
            network.prefetch_for_change(b as usize);
        }
        match op {
            TieOp::Strengthen(a, b, gain) => network.strengthen_pair(a, b, gain, day),
            TieOp::Form(a, b) => {
                network.add_pair(a, b, initial, day, TieKind::Venue);
            }
        }
    }
}

/// Writes each venue's outcome to its attendees' accumulators and marks those turned away (who go home:
/// `NO_VENUE`), by blocks of agents in parallel; each block takes its agents' part of every outcome.
fn write_back(outcomes: &[VenueDay], venue_today: &mut [VenueIdx], daily: &mut [Daily]) {
    venue_today.par_chunks_mut(BLOCK).zip(daily.par_chunks_mut(BLOCK)).enumerate().for_each(
        |(b, (venue_today, daily))| {
            let (lo, hi) = ((b * BLOCK) as AgentIdx, (b * BLOCK + daily.len()) as AgentIdx);
            for out in outcomes {
                for &a in in_block(&out.turned_away, |&a| a, lo, hi) {
                    venue_today[(a - lo) as usize] = NO_VENUE;
                    daily[(a - lo) as usize].turned_away = true;
                }
                for &(a, d) in in_block(&out.daily, |&(a, _)| a, lo, hi) {
                    daily[(a - lo) as usize] = d;
                }
            }
        },
    );
}

/// The part of `items` (ascending by `agent`) whose agents are in `lo..hi`.
fn in_block<T>(items: &[T], agent: impl Fn(&T) -> AgentIdx, lo: AgentIdx, hi: AgentIdx) -> &[T] {
    let start = items.partition_point(|x| agent(x) < lo);
    let end = start + items[start..].partition_point(|x| agent(x) < hi);
    &items[start..end]
}

fn venue_day(
    ctx: &DayContext,
    scenario: &Scenario,
    agents: &[Agent],
    states: &[AgentState],
    network: &Network,
    v: usize,
    list: &[AgentIdx],
) -> VenueDay {
    let mut out = VenueDay { daily: Vec::new(), turned_away: Vec::new(), ops: Vec::new(), visits: 0 };
    if list.is_empty() {
        return out;
    }
    let p = &scenario.params;
    let venue = &scenario.venues[v];
    let mut rng = Stream::new(ctx.seed, ctx.replicate, Purpose::Meeting, ctx.day, v as u64);
    let (staff, visitors) =
        admit(ctx, agents, states, v, venue.capacity as usize, list, &mut rng, &mut out.turned_away);
    let present: Vec<AgentIdx> = staff.iter().chain(visitors.iter()).copied().collect();
    let mut acc = vec![Daily::default(); present.len()];
    let ritual = ctx.ritual_today[v];
    let stability = ctx.stability[v];
    let ritual_mult = if ritual != Ritual::None { p.ritual_tie_multiplier as f32 } else { 1.0 };
    let room = Room {
        p,
        stigma_multiplier: ctx.stigma_multiplier,
        staff_amount: p.staff_support as f32 * stability,
        tie_gain: p.tie_gain_meeting as f32 * stability * ritual_mult,
        tie_chance: p.p_tie_form as f32 * ritual_mult * stability,
        meetings: (p.meetings_per_visit * if ritual == Ritual::Meal { p.meal_meeting_multiplier } else { 1.0 }).round()
            as usize,
        closedness: (1.0 - venue.openness) as f32,
    };
    let seen = gather_seen(p, agents, states, &present);
    if present.len() >= 2 {
        meet(&room, network, &present, &seen, &mut rng, &mut acc, &mut out.ops);
    }
    if !staff.is_empty() && !visitors.is_empty() {
        staff_support(&room, agents, &staff, visitors.len(), &seen, &mut rng, &mut acc);
        let regular: Vec<bool> = visitors.iter().map(|&a| ctx.habits[a as usize] as usize == v).collect();
        welcome(&room, network, &present, staff.len(), &regular, &seen, &mut rng, &mut acc, &mut out.ops);
    }
    for d in &mut acc[..staff.len()] {
        d.working = true;
    }
    out.visits = visitors.len() as u32;
    out.daily = present.into_iter().zip(acc).collect();
    // Staff, then visitors, each ascending: by agent for the write-back (an agent is present once).
    out.daily.sort_unstable_by_key(|&(a, _)| a);
    out
}

/// Splits the people at venue `v` into its staff on duty ([`DayContext::on_duty`]), who always get in, and
/// visitors (its staff off duty included), of whom those beyond `capacity` are turned away by random priority
/// (into `turned_away`, ascending). Both lists ascend.
#[allow(clippy::too_many_arguments)]
fn admit(
    ctx: &DayContext,
    agents: &[Agent],
    states: &[AgentState],
    v: usize,
    capacity: usize,
    list: &[AgentIdx],
    rng: &mut Stream,
    turned_away: &mut Vec<AgentIdx>,
) -> (Vec<AgentIdx>, Vec<AgentIdx>) {
    let (staff, mut visitors): (Vec<AgentIdx>, Vec<AgentIdx>) = list.iter().partition(|&&a| {
        let agent = &agents[a as usize];
        agent.staff_venue as usize == v && ctx.on_duty(agent, states[a as usize].mental)
    });
    if visitors.len() > capacity {
        let mut keyed: Vec<(u64, AgentIdx)> = visitors.iter().map(|&a| (rand::RngCore::next_u64(rng), a)).collect();
        keyed.sort_unstable();
        *turned_away = keyed[capacity..].iter().map(|&(_, a)| a).collect();
        turned_away.sort_unstable();
        let mut kept: Vec<AgentIdx> = keyed[..capacity].iter().map(|&(_, a)| a).collect();
        kept.sort_unstable();
        visitors = kept;
    }
    (staff, visitors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendee_lists_are_ascending_and_complete_across_blocks() {
        // Three and a half blocks of agents at four venues or none, in a pattern that crosses block ends.
        let n = 3 * BLOCK + BLOCK / 2;
        let venue_today: Vec<VenueIdx> =
            (0..n).map(|i| if i % 7 == 3 { NO_VENUE } else { ((i * 31 + i / 1000) % 4) as VenueIdx }).collect();
        let lists = attendees(&venue_today, 5);
        let mut expected = vec![Vec::new(); 5];
        for (i, &v) in venue_today.iter().enumerate() {
            if v != NO_VENUE {
                expected[v as usize].push(i as AgentIdx);
            }
        }
        assert_eq!(lists, expected);
        assert!(lists[4].is_empty());
    }

    #[test]
    fn outcomes_reach_their_agents_in_every_block() {
        let n = 2 * BLOCK + 100;
        let mark = |a: AgentIdx| Daily { rejections: (a % 200) as u16 + 1, ..Daily::default() };
        // Two venues whose attendees interleave across all three blocks; some turned away at the second.
        let at = |v: u32| (0..n as AgentIdx).filter(move |a| a % 5 == v).collect::<Vec<_>>();
        let outcome = |present: Vec<AgentIdx>, turned_away: Vec<AgentIdx>| VenueDay {
            daily: present.iter().map(|&a| (a, mark(a))).collect(),
            turned_away,
            ops: Vec::new(),
            visits: present.len() as u32,
        };
        let away: Vec<AgentIdx> = at(1).into_iter().filter(|a| a % 3 == 0).collect();
        let present_1: Vec<AgentIdx> = at(1).into_iter().filter(|a| a % 3 != 0).collect();
        let outcomes = [outcome(at(0), Vec::new()), outcome(present_1, away)];
        let mut venue_today: Vec<VenueIdx> =
            (0..n).map(|a| if a % 5 < 2 { (a % 5) as VenueIdx } else { NO_VENUE }).collect();
        let mut daily = vec![Daily::default(); n];
        write_back(&outcomes, &mut venue_today, &mut daily);
        for a in 0..n as AgentIdx {
            let (d, v) = (&daily[a as usize], venue_today[a as usize]);
            let (at_1, turned_away) = (a % 5 == 1, a % 3 == 0);
            if a % 5 == 0 || at_1 && !turned_away {
                assert_eq!((d.rejections, d.turned_away, v), (mark(a).rejections, false, (a % 5) as VenueIdx));
            } else if at_1 && turned_away {
                assert_eq!((d.rejections, d.turned_away, v), (0, true, NO_VENUE));
            } else {
                assert_eq!((d.rejections, d.turned_away, v), (0, false, NO_VENUE));
            }
        }
    }

    #[test]
    fn in_block_finds_the_agents_of_a_block() {
        let items: Vec<AgentIdx> = vec![1, 4, 9, 16, 25, 36];
        assert_eq!(in_block(&items, |&a| a, 0, 10), &[1, 4, 9]);
        assert_eq!(in_block(&items, |&a| a, 10, 20), &[16]);
        assert_eq!(in_block(&items, |&a| a, 26, 36), &[] as &[AgentIdx]);
        assert_eq!(in_block(&items, |&a| a, 36, 40), &[36]);
    }
}
