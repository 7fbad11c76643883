//! The ties formed outside the venues and the start's venue ties: kin and old friends by a configuration
//! model, and venue-mates, drawn from `InitTies` streams keyed by agent; and the renewal of friendships during
//! the run (`renew_friendships`, `FriendRenewal` streams keyed by agent and day), which pairs stubs the way the
//! start does.

use super::start_strengths::{
    FRIEND_STRENGTH, KIN_STRENGTH, MATURE_VENUE_STRENGTH, YOUNG_VENUE_STRENGTH, YOUNG_VENUE_TIES,
};
use crate::model::pull::venue_pull;
use crate::model::stigma_weight;
use crate::params::Params;
use crate::rng::{mix64, unit, Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, Role};
use crate::world::network::{Network, TieKind};
use crate::world::{Agent, Daily};
use rand::RngCore;
use rand_distr::{Distribution, Gamma, Poisson};
use rayon::prelude::*;

/// Kin and old-friend ties by a configuration model: each agent draws how many kin and friends it has
/// (over-dispersed: a gamma-mixed Poisson, so some people have very few), its "stubs" are shuffled and paired
/// (friends within the district with probability `p_friend_same_district`, kin anywhere), so each agent ends
/// with about the number it drew (fewer where `max_ties` cuts the weakest). Service users start with smaller
/// networks, more of them family. Everyone also starts with ties to people they know from a venue
/// (`venue_ties_service_user`, `venue_ties_resident`): each such stub picks a venue by the agent's pull to it
/// and pairs with the others who picked it, so the two are venue-mates who meet there again. They fill only
/// the slots kin and friends left free. Every tie starts at a strength drawn from those the dynamics keep its
/// kind at in the long run ([`KIN_STRENGTH`]), so the network starts near the state the dynamics keep it in
/// instead of building it up or wearing it down over years.
pub(super) fn initial_network(scenario: &Scenario, p: &Params, replicate: u32, agents: &[Agent]) -> Network {
    let mut net = Network::new(agents.len(), p.max_ties_usize());
    let n_districts = scenario.districts.len();
    // The stubs are drawn and paired one kind at a time (kin, friends, venue ties), each pool allocated at its
    // exact size by a counting pass, so only one kind's stubs are in memory at once (all of a 10^6-agent
    // town's stubs together, grown by doubling, would take about as much memory as its ties). Each agent's
    // draws come from its own stream, so every pass over the agents draws the same numbers. Pools pair in
    // index order.
    let all = StubPool::all(n_districts, scenario.venues.len());
    for kind in [TieKind::Kin, TieKind::Friend, TieKind::Venue] {
        // Venue ties fill only the slots kin and friends left free, so none displaces another at pairing.
        let free: Vec<u8> = if kind == TieKind::Venue {
            net.count.iter().map(|&c| (net.max_ties as u8).saturating_sub(c)).collect()
        } else {
            Vec::new()
        };
        // By blocks of agents in parallel: how many stubs each block puts in each pool, and then the stubs,
        // each block into its own part of each pool (in block order, so each pool is as one pass would fill
        // it).
        let blocks: Vec<std::ops::Range<usize>> =
            (0..agents.len()).step_by(STUB_BLOCK).map(|a| a..(a + STUB_BLOCK).min(agents.len())).collect();
        let counts: Vec<Vec<usize>> = (blocks.par_iter())
            .map(|range| {
                let mut count = vec![0usize; all.len()];
                for_each_stub(scenario, replicate, agents, range.clone(), kind, &free, |pool, _, _| {
                    count[pool.index(n_districts)] += 1
                });
                count
            })
            .collect();
        let mut pools: Vec<Vec<(u64, AgentIdx)>> =
            (0..all.len()).map(|k| vec![(0, 0); counts.iter().map(|c| c[k]).sum()]).collect();
        // Each block's part of every pool.
        let mut parts: Vec<Vec<&mut [(u64, AgentIdx)]>> = blocks.iter().map(|_| Vec::new()).collect();
        for (k, pool) in pools.iter_mut().enumerate() {
            let mut rest = pool.as_mut_slice();
            for (b, count) in counts.iter().enumerate() {
                let (part, after) = rest.split_at_mut(count[k]);
                parts[b].push(part);
                rest = after;
            }
        }
        parts.par_iter_mut().zip(&blocks).for_each(|(parts, range)| {
            let mut filled = vec![0usize; parts.len()];
            for_each_stub(scenario, replicate, agents, range.clone(), kind, &free, |pool, key, a| {
                let k = pool.index(n_districts);
                parts[k][filled[k]] = (key, a);
                filled[k] += 1;
            });
        });
        drop(parts);
        for stubs in pools {
            pair_up(&mut net, agents, stubs, kind, 0, Pairing::Start);
        }
    }
    net
}

/// Where a stub waits to be paired: kin anywhere, friends within a district or town-wide, venue ties among the
/// people who know each other from one venue: service users with service users, others with others (in the
/// long run of the default town about 80% of service users' venue ties are with service users and 2% of
/// residents').
#[derive(Clone, Copy, PartialEq, Eq)]
enum StubPool {
    Kin,
    Local(usize),
    Wide,
    /// A venue, and whether the stubs are service users'.
    Venue(usize, bool),
}

impl StubPool {
    /// Every pool, in index order (the order they pair in).
    fn all(n_districts: usize, n_venues: usize) -> Vec<StubPool> {
        let mut all = vec![StubPool::Kin];
        all.extend((0..n_districts).map(StubPool::Local));
        all.push(StubPool::Wide);
        all.extend((0..n_venues).flat_map(|v| [StubPool::Venue(v, false), StubPool::Venue(v, true)]));
        all
    }

    fn index(self, n_districts: usize) -> usize {
        match self {
            StubPool::Kin => 0,
            StubPool::Local(d) => 1 + d,
            StubPool::Wide => 1 + n_districts,
            StubPool::Venue(v, su) => 2 + n_districts + 2 * v + su as usize,
        }
    }
}

/// Agents per block when stubs are drawn in parallel.
const STUB_BLOCK: usize = 1 << 14;

/// Draws the stubs of one kind of the agents in `range`, in agent order: `f(pool, key, agent)` per stub, the
/// key a uniform sort key. An agent's draws come in a fixed order from its own stream (kin, friends, venue
/// ties), so a pass draws the earlier kinds' stubs without passing them on and stops after its own kind; the
/// venue pass passes on at most `venue_slots[agent]` stubs (the rest would be the last draws, so skipping them
/// changes nothing before them).
fn for_each_stub(
    scenario: &Scenario,
    replicate: u32,
    agents: &[Agent],
    range: std::ops::Range<usize>,
    kind: TieKind,
    venue_slots: &[u8],
    mut f: impl FnMut(StubPool, u64, AgentIdx),
) {
    let p = &scenario.params;
    let sociability = Gamma::new(2.0, 0.5).expect("valid gamma");
    let mut pull: Vec<f32> = Vec::with_capacity(scenario.venues.len());
    for (i, a) in agents.iter().enumerate().take(range.end).skip(range.start) {
        let mut s = Stream::new(scenario.run.seed, replicate, Purpose::InitTies, 0, i as u64);
        let (kin_mean, friend_mean) = if a.role == Role::ServiceUser {
            (p.kin_ties_service_user, p.friend_ties_service_user)
        } else {
            (p.kin_ties_resident, p.friend_ties_resident)
        };
        let g: f64 = sociability.sample(&mut s);
        let draw = |mean: f64, s: &mut Stream| -> usize {
            if mean <= 0.0 {
                0
            } else {
                Poisson::new(mean * g).map(|d| d.sample(s) as usize).unwrap_or(0)
            }
        };
        for _ in 0..draw(kin_mean, &mut s) {
            let key = s.next_u64();
            if kind == TieKind::Kin {
                f(StubPool::Kin, key, i as AgentIdx);
            }
        }
        if kind == TieKind::Kin {
            continue;
        }
        for _ in 0..draw(friend_mean, &mut s) {
            let pool =
                if s.chance(p.p_friend_same_district) { StubPool::Local(a.district as usize) } else { StubPool::Wide };
            let key = s.next_u64();
            if kind == TieKind::Friend {
                f(pool, key, i as AgentIdx);
            }
        }
        if kind == TieKind::Friend {
            continue;
        }
        // Venue ties: each is with someone the agent knows from one venue, drawn by how the venue pulls the
        // agent (kind, district, welcome; open and affordable once a week), so the two are likely to meet
        // there again.
        let venue_mean = if a.role == Role::ServiceUser { p.venue_ties_service_user } else { p.venue_ties_resident };
        let n_venue = draw(venue_mean, &mut s).min(venue_slots[i] as usize);
        if n_venue > 0 {
            let stigma = stigma_weight(p, a.diagnosis);
            pull.clear();
            pull.extend(scenario.venues.iter().map(|v| {
                let usable = v.open && v.open_days.iter().any(|&o| o) && v.cost_nok as f32 <= a.leisure_weekly_nok;
                if usable {
                    venue_pull(p, a, v, stigma)
                } else {
                    0.0
                }
            }));
            let total: f32 = pull.iter().sum();
            for _ in 0..n_venue {
                if total <= 0.0 {
                    break;
                }
                let mut x = s.uniform() as f32 * total;
                let v = pull.iter().position(|&w| {
                    let hit = w > 0.0 && x < w;
                    x -= w;
                    hit
                });
                let v = v.unwrap_or_else(|| pull.iter().rposition(|&w| w > 0.0).expect("total > 0"));
                f(StubPool::Venue(v, a.role == Role::ServiceUser), s.next_u64(), i as AgentIdx);
            }
        }
    }
}

/// Friendships made outside the venues (work, neighbours, friends of friends) replace those that turnover
/// ended today, so the part of the network formed outside the venues stays in a steady state instead of
/// dying out over the years. Each ended friendship is replaced with probability `friend_renewal`:
/// the agent puts a stub in its district's pool (with probability `p_friend_same_district`) or the town's,
/// and the stubs pair as at the start. A new friendship enters established, a year old, at a strength spread
/// evenly over 0.2–0.8 (0.15–0.55 with a service user at either end). Friendships lost to decay (friends who
/// pull away) are not replaced. Serial, in agent order, with one stream per agent and day: the same at any
/// thread count.
pub fn renew_friendships(
    scenario: &Scenario,
    replicate: u32,
    day: u32,
    agents: &[Agent],
    daily: &[Daily],
    net: &mut Network,
) {
    let p = &scenario.params;
    if p.friend_renewal <= 0.0 {
        return;
    }
    let n_districts = scenario.districts.len();
    // Pools 0..n_districts are the districts', the last the town's.
    let mut pools: Vec<Vec<(u64, AgentIdx)>> = vec![Vec::new(); n_districts + 1];
    for (i, d) in daily.iter().enumerate().filter(|(_, d)| d.friends_ended > 0) {
        let mut s = Stream::new(scenario.run.seed, replicate, Purpose::FriendRenewal, day, i as u64);
        for _ in 0..d.friends_ended {
            if s.chance(p.friend_renewal) {
                let pool = if s.chance(p.p_friend_same_district) { agents[i].district as usize } else { n_districts };
                pools[pool].push((s.next_u64(), i as AgentIdx));
            }
        }
    }
    for stubs in pools {
        pair_up(net, agents, stubs, TieKind::Friend, day as i32, Pairing::Renewal);
    }
}

/// How many pairs ahead [`pair_up`] asks for the ties it will change.
const PAIRS_AHEAD: usize = 8;

/// Whether [`pair_up`] makes the start's ties or friendships renewed during the run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pairing {
    /// Ties known for 1–11 years (`365 + v × 3650` days, v uniform), at the strengths the dynamics keep them
    /// at ([`KIN_STRENGTH`]), except the venue ties with v below `YOUNG_VENUE_TIES`, made in the past year
    /// (the others, v above it, are 3.4–11 years old for residents and 4.4–11 for service users).
    Start,
    /// New friendships, a year old, at a strength spread evenly over 0.2–0.8 (0.15–0.55 with a service user
    /// at either end: their friends have drifted, Palumbo et al. 2015). They strengthen from there, which
    /// keeps friendships at the strengths of [`FRIEND_STRENGTH`] in the long run.
    Renewal,
}

/// Pairs a pool's stubs in the order of their random keys into ties formed before `day`, as `pairing` says.
fn pair_up(
    net: &mut Network,
    agents: &[Agent],
    mut stubs: Vec<(u64, AgentIdx)>,
    kind: TieKind,
    day: i32,
    pairing: Pairing,
) {
    // Equal stubs cannot be told apart, so sorting in parallel gives the same order.
    stubs.par_sort_unstable();
    for (k, pair) in stubs.chunks_exact(2).enumerate() {
        // The two agents' ties are scattered over the town: those of the pair PAIRS_AHEAD on are asked for now.
        if let Some(ahead) = stubs.get(2 * (k + PAIRS_AHEAD)..2 * (k + PAIRS_AHEAD + 1)) {
            net.prefetch_for_change(ahead[0].1 as usize);
            net.prefetch_for_change(ahead[1].1 as usize);
        }
        let (a, b) = (pair[0].1, pair[1].1);
        // The stub keys are uniform, so no other stream is needed, but neighbours in a sorted pool: each is
        // mixed (a bijection) so that the strength does not follow the pair's place in the pool, nor the age
        // the strength.
        let u = unit(mix64(pair[0].0));
        let v = unit(mix64(pair[1].0));
        let su = agents[a as usize].role == Role::ServiceUser || agents[b as usize].role == Role::ServiceUser;
        let spread_days = if pairing == Pairing::Start { 3650.0 } else { 0.0 };
        let mature = day - (365 + (v * spread_days) as i32);
        let (strength, formed) = match kind {
            TieKind::Friend if pairing == Pairing::Renewal => {
                let (lo, hi) = if su { (0.15, 0.55) } else { (0.2, 0.8) };
                ((lo + (hi - lo) * u) as f32, mature)
            }
            TieKind::Kin => (KIN_STRENGTH[su as usize].at(u), mature),
            TieKind::Venue if v < YOUNG_VENUE_TIES[su as usize] => {
                // A young venue tie, made in the past year, still weak.
                (YOUNG_VENUE_STRENGTH.at(u), day - (v / YOUNG_VENUE_TIES[su as usize] * 365.0) as i32)
            }
            TieKind::Venue => (MATURE_VENUE_STRENGTH[su as usize].at(u), mature),
            TieKind::Friend => (FRIEND_STRENGTH[su as usize].at(u), mature),
        };
        net.add_pair(a, b, strength, formed, kind);
    }
}
