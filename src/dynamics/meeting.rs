//! Meeting: at each open venue, visitors beyond capacity are turned away (by a random priority),
//! then each attendee meets a handful of others (more at a meal). A meeting of tied agents strengthens the
//! tie (more at a ritual, times the venue's stability); strangers may reject each other by stigma (the
//! rejected one's shame grows) or else may form a tie (more likely at a ritual). Meetings exchange emotional
//! support; a well peer with lived experience gives hope. Staff on duty support visitors: professionals and
//! peer workers with information and practical help, volunteers with emotional support and information;
//! staff with lived experience give hope.
//!
//! Venues are processed in parallel, largest first, each from its own stream. What a venue's day does to its
//! attendees' accumulators is written back in parallel by blocks of agents (each agent is at one venue at most,
//! so the writes never meet); tie changes are applied in venue order on one thread meanwhile. The result does
//! not depend on the thread count.

use super::DayContext;
use crate::model::{is_unwell, stigma_weight};
use crate::params::Params;
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, MentalState, Ritual, VenueIdx, NO_VENUE};
use crate::world::network::{Network, TieKind};
use crate::world::{Agent, AgentState, Daily, StaffKind};
use rayon::prelude::*;

/// A tie change decided at a venue, applied after all venues are done.
#[derive(Clone, Copy, Debug)]
enum TieOp {
    Strengthen(AgentIdx, AgentIdx, f32),
    Form(AgentIdx, AgentIdx),
}

struct VenueDay {
    /// (agent, what happened to it) for every attendee, by agent.
    daily: Vec<(AgentIdx, Daily)>,
    /// Visitors turned away at the door, by agent.
    turned_away: Vec<AgentIdx>,
    ops: Vec<TieOp>,
    /// Visits (attendees who are not the venue's staff).
    visits: u32,
}

/// How many attendees ahead a venue's meetings ask for an attendee's ties.
const PREFETCH_AHEAD: usize = 4;

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

/// What shapes the meetings at a venue today.
struct Room<'a> {
    p: &'a Params,
    /// The town's stigma climate today (`DayContext::stigma_multiplier`).
    stigma_multiplier: f32,
    /// Support a staff member gives a visitor they reach: `staff_support` times the venue's stability.
    staff_amount: f32,
    /// What a meeting of tied people adds to their tie, and the chance that a meeting of strangers forms one:
    /// `tie_gain_meeting` and `p_tie_form` times the venue's stability today and the ritual multiplier.
    tie_gain: f32,
    tie_chance: f32,
    /// Meetings each person present starts (more at a shared meal).
    meetings: usize,
    /// One less the venue's openness: how far a stranger's stigma can make a rejection.
    closedness: f32,
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

/// Meetings between the people present: each starts `room.meetings` with others drawn at random. Tied
/// people strengthen their tie; strangers may reject each other by stigma (shame for the rejected, and no
/// contact), else may form a tie. Every contact gives emotional support both ways, hope from lived
/// experience to someone unwell, and counts as giving for a well person who meets someone unwell.
fn meet(
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
fn welcome(
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
fn staff_support(
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
struct Seen {
    mental: MentalState,
    /// Lived experience and well: gives hope to an unwell person met.
    gives_hope: bool,
    stigma_attitude: f32,
    /// Public stigma weight of the diagnosis ([`stigma_weight`]).
    stigma_weight: f32,
}

/// What the meetings read of each of those `present`, in their order: gathered once, so that the meetings'
/// random picks read a small array instead of agents scattered over the town.
fn gather_seen(p: &crate::params::Params, agents: &[Agent], states: &[AgentState], present: &[AgentIdx]) -> Vec<Seen> {
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
