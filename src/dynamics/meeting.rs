//! Phase 3, meeting: at each open venue, visitors beyond capacity are turned away (by a random priority),
//! then each attendee meets a handful of others (more at a meal). A meeting of tied agents strengthens the
//! tie (more at a ritual, times the venue's stability); strangers may reject each other by stigma (the
//! rejected one's shame grows) or else may form a tie (more likely at a ritual). Meetings exchange emotional
//! support; a well peer with lived experience gives hope. Staff on duty support visitors: professionals and
//! peer workers with information and practical help, volunteers with emotional support and information;
//! staff with lived experience give hope.
//!
//! Venues are processed in parallel, each from its own stream. A venue with more than a thread's share of the
//! day's visitors works out its own day in parallel too: its meetings are planned by speculation over the
//! counter-based stream (see `plan`), then worked out in chunks whose effects are counted, which gives the
//! sums that adding them in order would. What a venue's day does to its attendees' accumulators is written
//! back in parallel by blocks of agents (each agent is at one venue at most, so the writes never meet); tie
//! changes are applied in venue order. The result does not depend on the thread count.

use super::{is_unwell, stigma_weight, Daily, DayContext};
use crate::network::{Network, TieKind};
use crate::population::{Agent, AgentState, StaffKind};
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, MentalState, Ritual, VenueIdx, NO_VENUE};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// A tie change decided at a venue, applied after all venues are done.
#[derive(Clone, Copy, Debug)]
enum TieOp {
    Strengthen(AgentIdx, AgentIdx, f32),
    Form(AgentIdx, AgentIdx),
}

struct Outcome {
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
/// day's ≈ 6,000 changes took 2–3.5 ms without (≈ 450 ns each, two trips to memory per end).
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
    // One task per venue: a venue's day is serial (one stream), and venues differ in size by a hundredfold.
    let outcomes: Vec<Outcome> = attendees
        .par_iter()
        .enumerate()
        .with_max_len(1)
        .map(|(v, _)| venue_day(ctx, scenario, agents, states, net, v, attendees))
        .collect();
    write_back(&outcomes, venue_today, daily);
    let visits = outcomes.iter().map(|out| out.visits).collect();
    let day = ctx.day as i32;
    // The changes go one at a time in venue order (a new tie may push out a tie of anyone in town), each to
    // two scattered agents' ties: those of the change OPS_AHEAD after it are asked for meanwhile.
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
                network.add_pair(a, b, scenario.params.tie_initial_strength as f32, day, TieKind::Venue);
            }
        }
    }
    visits
}

/// Writes each venue's outcome to its attendees' accumulators and marks those turned away (who go home:
/// `NO_VENUE`), by blocks of agents in parallel; each block takes its agents' part of every outcome.
fn write_back(outcomes: &[Outcome], venue_today: &mut [VenueIdx], daily: &mut [Daily]) {
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
    attendees: &[Vec<AgentIdx>],
) -> Outcome {
    let list = &attendees[v];
    let mut out = Outcome { daily: Vec::new(), turned_away: Vec::new(), ops: Vec::new(), visits: 0 };
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
        // The kth visitor's priority is the stream's kth draw (read in parallel for many visitors: the stream is
        // counter-based).
        let first = rng.clone();
        let key = |(k, &a): (usize, &AgentIdx)| (rand::RngCore::next_u64(&mut first.skipped(k as u64)), a);
        let mut keyed: Vec<(u64, AgentIdx)> = if visitors.len() >= PAR_MIN {
            visitors.par_iter().enumerate().with_min_len(PAR_MIN).map(key).collect()
        } else {
            visitors.iter().enumerate().map(key).collect()
        };
        rng = rng.skipped(visitors.len() as u64);
        sort_distinct(&mut keyed, |&x| x);
        out.turned_away = keyed[venue.capacity as usize..].iter().map(|&(_, a)| a).collect();
        sort_distinct(&mut out.turned_away, |&a| a);
        let mut kept: Vec<AgentIdx> = keyed[..venue.capacity as usize].iter().map(|&(_, a)| a).collect();
        sort_distinct(&mut kept, |&a| a);
        visitors = kept;
    }
    let present: Vec<AgentIdx> = staff.iter().chain(visitors.iter()).copied().collect();
    let n = present.len();

    let ritual = ctx.ritual_today[v];
    let ritual_mult = if ritual != Ritual::None { p.ritual_tie_multiplier as f32 } else { 1.0 };
    let meetings =
        (p.meetings_per_visit * if ritual == Ritual::Meal { p.meal_meeting_multiplier } else { 1.0 }).round() as usize;
    let stability = venue.stability as f32;
    let closedness = (1.0 - venue.openness) as f32;
    let seen = gather_seen(p, agents, states, &present);

    // Meetings between people present.
    let amounts = Amounts {
        support: p.meeting_support as f32,
        hope: p.hope_gain_lived_experience as f32,
        shame: p.shame_per_rejection as f32,
    };
    let mut acc = vec![Daily::default(); n];
    if n >= 2 {
        let rules = Rules {
            p,
            stigma_multiplier: ctx.stigma_multiplier,
            present: &present,
            seen: &seen,
            strengthen: p.tie_gain_meeting as f32 * stability * ritual_mult,
            closedness,
            form: p.p_tie_form as f32 * ritual_mult * stability,
        };
        // A venue with more than a thread's share of the day's visitors, which would keep one thread busy
        // after the others are done, plans its meetings first (who meets whom, in the stream's order) and then
        // works them out in parallel; any other venue does each meeting as it is planned.
        let everyone: usize = attendees.iter().map(Vec::len).sum();
        let total = n * meetings;
        if total >= PAR_MEETINGS && list.len() * rayon::current_num_threads() > everyone {
            let plan = plan(network, &present, meetings, &mut rng);
            let counts: Vec<Counts> = (0..n).map(|_| Counts::default()).collect();
            let ops: Vec<Vec<TieOp>> = (plan.par_chunks(PAR_MIN))
                .map(|chunk| {
                    let mut ops = Vec::new();
                    for m in chunk {
                        let (i, j) = (m.i as usize, m.j as usize);
                        rules.meet(i, j, m.tied, &mut m.next.clone(), &mut counts.as_slice(), &mut ops);
                    }
                    ops
                })
                .collect();
            out.ops = ops.concat();
            acc = counts.iter().map(|c| c.daily(&amounts)).collect();
        } else {
            let mut direct = Direct { acc: &mut acc, amounts };
            for i in 0..n {
                for k in 0..meetings {
                    let (j, tied) = pick(network, &present, i, k == 0, &mut rng);
                    rules.meet(i, j, tied, &mut rng, &mut direct, &mut out.ops);
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
            // Staff come first among those present (`seen[si]` is `staff[si]`), then the visitors.
            if seen[si].gives_hope && is_unwell(seen[i].mental) {
                d.hope_gain += p.hope_gain_lived_experience as f32;
            }
            if is_unwell(seen[i].mental) {
                acc[si].gave = true;
            }
        }
    }

    out.visits = visitors.len() as u32;
    out.daily = present.into_iter().zip(acc).collect();
    // Staff, then visitors, each ascending: by agent for the write-back (an agent is present once).
    sort_distinct(&mut out.daily, |&(a, _)| a);
    out
}

/// A meeting at a venue as planned: the two people met (indices into those present; `i` is the one whose
/// turn it is), whether they are tied, and the venue's stream just after the draw that picked `j`, where an
/// untied meeting's three further draws are.
#[derive(Clone, Debug, PartialEq)]
struct Planned {
    i: u32,
    j: u32,
    tied: bool,
    next: Stream,
}

/// Below this many meetings a venue works out its meetings on one thread.
const PAR_MEETINGS: usize = 1 << 13;

/// The fewest items a parallel task of a venue's day takes.
const PAR_MIN: usize = 1 << 11;

/// The most meetings planned at once by speculation (see [`plan`]), and the fewest: a venue whose meetings
/// are so often between tied people that rounds keep only a few plans its remaining meetings one by one.
const SPECULATE_MAX: usize = 1 << 13;
const SPECULATE_MIN: usize = 1 << 9;

/// Plans the meetings of those `present` at a venue, as the venue's stream `rng` decides them in turn: each
/// person in order meets `meetings` others, each picked by one draw, and a meeting of two who are not tied
/// takes three draws more (rejections and a new tie). So where a meeting's draws are depends on every meeting
/// before it, and `rng` ends after the last. The plan is worked out by speculation in rounds: each round
/// assumes that none of its meetings is between tied people, which puts each four draws after the one
/// before, and plans them in parallel; it keeps its meetings up to the first tied one, the first that the
/// assumption placed wrongly after it, and the next round starts there. In a large town's busy venues a
/// tied meeting is rare (at 10^6 agents, 0–3 of 40,000–74,000 a day), so a round keeps all of its
/// meetings. The plan, and `rng` after it, are the same as planning one meeting after another.
fn plan(network: &Network, present: &[AgentIdx], meetings: usize, rng: &mut Stream) -> Vec<Planned> {
    let total = present.len() * meetings;
    let mut plan = Vec::with_capacity(total);
    let mut round = SPECULATE_MAX;
    while plan.len() < total {
        let start = plan.len();
        if round < SPECULATE_MIN {
            for k in start..total {
                let meeting = plan_one(network, present, k / meetings, k % meetings == 0, rng);
                if !meeting.tied {
                    *rng = rng.skipped(3);
                }
                plan.push(meeting);
            }
            break;
        }
        let len = round.min(total - start);
        let first = rng.clone();
        let guess: Vec<Planned> = (start..start + len)
            .into_par_iter()
            .with_min_len(PAR_MIN)
            .map(|k| {
                let mut rng = first.skipped(4 * (k - start) as u64);
                plan_one(network, present, k / meetings, k % meetings == 0, &mut rng)
            })
            .collect();
        let kept = guess.iter().position(|m| m.tied).map_or(len, |t| t + 1);
        let last = &guess[kept - 1];
        *rng = if last.tied { last.next.clone() } else { last.next.skipped(3) };
        plan.extend(guess.into_iter().take(kept));
        round = if kept == len {
            (2 * round).min(SPECULATE_MAX)
        } else if kept < len / 4 {
            round / 2
        } else {
            round
        };
    }
    plan
}

/// Plans a meeting of person `i` (its `first` of the day or not) from `rng`, which is left after the draw that
/// picks whom the person meets.
#[inline]
fn plan_one(network: &Network, present: &[AgentIdx], i: usize, first: bool, rng: &mut Stream) -> Planned {
    let (j, tied) = pick(network, present, i, first, rng);
    Planned { i: i as u32, j: j as u32, tied, next: rng.clone() }
}

/// Whom person `i` of those present meets (its `first` meeting of the day or not), by one draw from `rng`, and
/// whether the two are tied.
#[inline]
fn pick(network: &Network, present: &[AgentIdx], i: usize, first: bool, rng: &mut Stream) -> (usize, bool) {
    let n = present.len();
    // Whether two people present are tied is read from the first one's ties, scattered over the town.
    if first {
        if let Some(&ahead) = present.get(i + PREFETCH_AHEAD) {
            network.prefetch_ties(ahead as usize);
        }
    }
    let mut j = rng.below(n - 1);
    if j >= i {
        j += 1;
    }
    (j, network.find(present[i], present[j]).is_some())
}

/// What the planned meetings of a venue do: the rules of a meeting, with the venue's and the day's factors.
struct Rules<'a> {
    p: &'a crate::params::Params,
    stigma_multiplier: f32,
    present: &'a [AgentIdx],
    seen: &'a [Seen],
    /// Strength a meeting of tied people adds, before the tie's own room to grow.
    strengthen: f32,
    closedness: f32,
    /// Chance that people not tied who meet form a tie.
    form: f32,
}

/// Where meetings' effects on people go (`person` indexes those present).
trait Effects {
    /// The person met someone (and got support), got hope from them or not, and gave support or not.
    fn met(&mut self, person: usize, hope: bool, gave: bool);
    /// The person was rejected (and feels shame).
    fn rejected(&mut self, person: usize);
}

/// What a person gets from a meeting, by kind of effect.
#[derive(Clone, Copy)]
struct Amounts {
    support: f32,
    hope: f32,
    shame: f32,
}

/// The effects added to the day's accumulators of those present as each meeting is worked out, in order.
struct Direct<'a> {
    acc: &'a mut [Daily],
    amounts: Amounts,
}

impl Effects for Direct<'_> {
    #[inline]
    fn met(&mut self, person: usize, hope: bool, gave: bool) {
        let d = &mut self.acc[person];
        d.emotional += self.amounts.support;
        if hope {
            d.hope_gain += self.amounts.hope;
        }
        d.gave |= gave;
    }

    #[inline]
    fn rejected(&mut self, person: usize) {
        let d = &mut self.acc[person];
        d.rejections += 1;
        d.shame_gain += self.amounts.shame;
    }
}

/// The effects on a person of meetings worked out in parallel, counted: met (low half of the first word) and
/// got hope (high half); was rejected (low half of the second) and gave (high half).
#[derive(Default)]
struct Counts([AtomicU64; 2]);

const HIGH: u64 = 1 << 32;

impl Effects for &[Counts] {
    #[inline]
    fn met(&mut self, person: usize, hope: bool, gave: bool) {
        let [first, second] = &self[person].0;
        first.fetch_add(1 + HIGH * hope as u64, Ordering::Relaxed);
        if gave {
            second.fetch_add(HIGH, Ordering::Relaxed);
        }
    }

    #[inline]
    fn rejected(&mut self, person: usize) {
        self[person].0[1].fetch_add(1, Ordering::Relaxed);
    }
}

impl Counts {
    /// The person's day after its meetings: each effect adds its amount once per count, in turn, as its
    /// meetings would have one after another. Every meeting adds the same amounts, so the sums are the same
    /// in whatever order the meetings were counted.
    fn daily(&self, x: &Amounts) -> Daily {
        let [first, second] = [0, 1].map(|w| self.0[w].load(Ordering::Relaxed));
        let sum = |amount: f32, count: u64| (0..count).fold(0.0f32, |sum, _| sum + amount);
        let (met, hope, rejected, gave) = (first & (HIGH - 1), first >> 32, second & (HIGH - 1), second >> 32);
        Daily {
            emotional: sum(x.support, met),
            hope_gain: sum(x.hope, hope),
            rejections: rejected as u16,
            shame_gain: sum(x.shame, rejected),
            gave: gave > 0,
            ..Daily::default()
        }
    }
}

impl Rules<'_> {
    /// Works out the meeting of `i` with `j` (indices into those present), adding what it does to the two to
    /// `effects`, and pushes the change to ties it decides, if any, to `ops`. A meeting of people not tied
    /// takes three draws from `rng`.
    #[inline]
    fn meet(&self, i: usize, j: usize, tied: bool, rng: &mut Stream, effects: &mut impl Effects, ops: &mut Vec<TieOp>) {
        let p = self.p;
        let (a, b) = (self.present[i], self.present[j]);
        let (sa, sb) = (&self.seen[i], &self.seen[j]);
        if tied {
            ops.push(TieOp::Strengthen(a, b, self.strengthen));
        } else {
            // Each may reject the other by stigma; a rejection stops the contact.
            let reject = |from: &Seen, to: &Seen, u: f64| {
                let pr = p.rejection_scale as f32
                    * from.stigma_attitude
                    * self.stigma_multiplier
                    * to.stigma_weight
                    * self.closedness;
                (u as f32) < pr
            };
            let (u1, u2, u3) = (rng.uniform(), rng.uniform(), rng.uniform());
            if reject(sa, sb, u1) {
                effects.rejected(j);
                return;
            }
            if reject(sb, sa, u2) {
                effects.rejected(i);
                return;
            }
            if (u3 as f32) < self.form {
                ops.push(TieOp::Form(a, b));
            }
        }
        // Whether `to` gets hope from meeting `from`, and whether `to` gives support to `from`.
        let hope = |to: &Seen, from: &Seen| from.gives_hope && is_unwell(to.mental);
        let gave = |to: &Seen, from: &Seen| is_unwell(from.mental) && to.mental != MentalState::Crisis;
        effects.met(i, hope(sa, sb), gave(sa, sb));
        effects.met(j, hope(sb, sa), gave(sb, sa));
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
    let see = |&a: &AgentIdx| {
        let (g, s) = (&agents[a as usize], &states[a as usize]);
        Seen {
            mental: s.mental,
            gives_hope: g.lived_experience && s.mental == MentalState::Well,
            stigma_attitude: g.stigma_attitude,
            stigma_weight: stigma_weight(p, g.diagnosis),
        }
    };
    if present.len() >= PAR_MIN {
        present.par_iter().with_min_len(PAR_MIN).map(see).collect()
    } else {
        present.iter().map(see).collect()
    }
}

/// Sorts items by a key that no two share, so that there is one result, in parallel or not: in parallel when
/// there are many.
fn sort_distinct<T: Send, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K + Sync) {
    if items.len() >= PAR_MIN {
        items.par_sort_unstable_by_key(key);
    } else {
        items.sort_unstable_by_key(key);
    }
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
        let outcome = |present: Vec<AgentIdx>, turned_away: Vec<AgentIdx>| Outcome {
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

    /// Speculation plans the same meetings, and leaves the stream in the same place, as planning one meeting
    /// after another: in a venue where no meeting is between tied people (every round keeps all of its
    /// meetings), one where a few are (rounds keep part), and a small one where one meeting in twenty is
    /// (rounds keep about twenty meetings, so they shrink until the rest is planned one by one).
    #[test]
    fn speculative_plan_equals_one_meeting_at_a_time() {
        use crate::rng::{Purpose, Stream};
        let (town, meetings) = (9_000u32, 3);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(4).build().unwrap();
        let mut tied_counts = Vec::new();
        for (people, friends_present) in [(3000, 0), (3000, 2), (300, 16)] {
            let present: Vec<AgentIdx> = (0..town).step_by(3).take(people).collect();
            let mut net = Network::new(town as usize, 16);
            let mut pick = Stream::new(7, 0, Purpose::Meeting, 0, friends_present);
            for (k, &a) in present.iter().enumerate() {
                // Ties to people who are not present, which no meeting finds, and `friends_present` to people
                // who are.
                net.add_pair(a, a + 1, 0.5, 0, TieKind::Friend);
                for _ in 0..friends_present {
                    let b = present[(k + 1 + pick.below(present.len() - 1)) % present.len()];
                    net.add_pair(a, b, 0.5, 0, TieKind::Friend);
                }
            }
            let start = Stream::new(7, 0, Purpose::Meeting, 3, friends_present);
            let mut one_by_one = start.clone();
            let expected: Vec<Planned> = (0..present.len() * meetings)
                .map(|k| {
                    let m = plan_one(&net, &present, k / meetings, k % meetings == 0, &mut one_by_one);
                    if !m.tied {
                        one_by_one = one_by_one.skipped(3);
                    }
                    m
                })
                .collect();
            let mut speculated = start.clone();
            let planned = pool.install(|| plan(&net, &present, meetings, &mut speculated));
            assert!(planned == expected, "{friends_present} friends present: the plans differ");
            assert_eq!(speculated, one_by_one, "{friends_present} friends present: the stream ends elsewhere");
            tied_counts.push(expected.iter().filter(|m| m.tied).count());
        }
        // Of 9,000, 9,000 and 900 meetings: none tied, a few, and about one in twenty.
        assert_eq!(tied_counts[0], 0);
        assert!((2..40).contains(&tied_counts[1]), "{tied_counts:?}");
        assert!(tied_counts[2] > 20, "{tied_counts:?}");
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
