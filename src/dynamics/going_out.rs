//! Going out: each agent decides whether to visit a venue today and which one. Staff on duty go to
//! their venue. Others weigh their weekly habit, mental state (withdrawal), shame, the money left this week
//! ("Sorry, I am sick" when nothing is affordable), the pull of rituals, and per venue: district, kind,
//! welcome given their diagnosis and the venue's openness, friends who habitually go there, and habit.
//! Reads yesterday's state only; writes only the agent's own slot of `venue_today`.

use super::DayContext;
use crate::model::pull::{class, pull_given_kind, pull_of_kind};
use crate::model::stigma_weight;
use crate::params::{Params, ParamsF32};
use crate::rng::Stream;
use crate::scenario::{Scenario, Venue};
use crate::types::{AgentIdx, Diagnosis, Ritual, Role, VenueIdx, VenueKind, NO_VENUE};
use crate::world::network::{prefetch, Network};
use crate::world::{Agent, AgentState};
use rayon::prelude::*;

/// Towns with up to this many venues keep venue weights on the stack; larger ones use a heap buffer.
const MAX_STACK_VENUES: usize = 64;

pub fn choose_venues(
    ctx: &DayContext,
    scenario: &Scenario,
    agents: &[Agent],
    states: &[AgentState],
    network: &Network,
    venue_today: &mut [VenueIdx],
) {
    // Chunks of agents, each in two plain loops around inlined steps, so that what every agent reads the same
    // (parameters, today's tables) is set up once per chunk whatever the compiler decides about rayon's calls:
    // first whether each agent goes out, then, for the one in six or so who does, where. The second loop
    // reads the goers' ties and their friends' habits, scattered over the town where the hardware cannot
    // foresee them, so it asks for them a few goers ahead.
    let rates = GoingOutRates::new(&scenario.params);
    venue_today.par_chunks_mut(CHUNK).enumerate().for_each_init(
        Vec::new,
        |goers: &mut Vec<(usize, Going)>, (c, out)| {
            let first = c * CHUNK;
            // A copy for the chunk, which the compiler can keep at hand across its loops.
            let r = rates;
            goers.clear();
            for (k, out) in out.iter_mut().enumerate() {
                *out = match whether(ctx, scenario, &r, agents, states, first + k) {
                    Whether::Decided(v) => v,
                    Whether::Goes(going) => {
                        goers.push((k, going));
                        NO_VENUE
                    }
                };
            }
            for n in 0..goers.len() {
                if let Some(&(k, _)) = goers.get(n + TIES_AHEAD) {
                    network.prefetch_ties(first + k);
                }
                if let Some(&(k, _)) = goers.get(n + HABITS_AHEAD) {
                    for (row, len) in network.ties((first + k) as AgentIdx).filled_rows() {
                        for &other in &row.other[..len] {
                            prefetch(ctx.habits.as_ptr().wrapping_add(other as usize));
                        }
                    }
                }
                let (k, going) = &goers[n];
                out[*k] = choose(ctx, scenario, &r, agents, network, first + k, going);
            }
        },
    );
}

/// Agents per task of the phase.
const CHUNK: usize = 1024;

/// How many goers ahead the choice of venue asks for a goer's ties, and for its friends' habits (read from
/// the ties, which must be in the cache by then).
const TIES_AHEAD: usize = 4;
const HABITS_AHEAD: usize = 2;

/// The parameters going out reads for every agent, in the `f32` it computes with: all of them
/// ([`Params::to_f32`]), and the tables by role, mental state and diagnosis it picks from. Made once per chunk of
/// agents rather than once per agent: the same values, so the same choices.
#[derive(Clone, Copy, Debug)]
struct GoingOutRates {
    p: ParamsF32,
    /// The base chance of going out by role (`Role::ServiceUser` or not).
    base: [f32; 2],
    /// Multiplier on the chance by mental state (withdrawal).
    withdraw: [f32; 3],
    /// `stigma_weight` by diagnosis (`Diagnosis::index`).
    stigma: [f32; 6],
    /// [`pull_of_kind`] by class of agent ([`class`]) and kind of venue (`VenueKind as usize`): looked up, where
    /// the match on the kind compiled to a jump table in the loops over venues.
    kinds: [[f32; 4]; 8],
}

impl GoingOutRates {
    fn new(p: &Params) -> Self {
        let f = p.to_f32();
        GoingOutRates {
            p: f,
            base: [f.p_go_out_resident, f.p_go_out_service_user],
            withdraw: [1.0, f.withdraw_struggling, f.withdraw_crisis],
            stigma: Diagnosis::ALL.map(|d| stigma_weight(p, d)),
            kinds: std::array::from_fn(|c| {
                VenueKind::ALL.map(|kind| pull_of_kind(p, c & 1 != 0, c & 2 != 0, c & 4 != 0, kind))
            }),
        }
    }
}

/// Whether an agent goes out today: where (staff on duty), nowhere, or somewhere still to be chosen.
enum Whether {
    Decided(VenueIdx),
    Goes(Going),
}

/// What the choice of venue takes over from the decision to go out.
struct Going {
    rng: Stream,
    u_go: f32,
    p_go: f32,
    money: f32,
    /// The strength of the habit for today's weekday, 0 unless its venue (`hv`) is available today.
    habit: f32,
    hv: VenueIdx,
}

/// Whether agent `i` goes out today: staff on duty go to work, and others draw against the chance of going
/// out, from their habit, rituals, mental state and shame.
#[inline(always)]
fn whether(
    ctx: &DayContext,
    scenario: &Scenario,
    r: &GoingOutRates,
    agents: &[Agent],
    states: &[AgentState],
    i: usize,
) -> Whether {
    let a = &agents[i];
    let s = &states[i];
    let w = ctx.weekday;

    // Staff on duty go to work unless in crisis.
    if ctx.on_duty(a, s.mental) {
        return Whether::Decided(a.staff_venue);
    }

    let mut rng = Stream::from_prefix(ctx.going_out_prefix, i as u64);
    let u_go = rng.uniform() as f32;
    let base = r.base[(a.role == Role::ServiceUser) as usize];
    let withdraw = r.withdraw[s.mental as usize];
    let shame = 1.0 - r.p.shame_withdrawal * s.shame;
    // Most agents stay in on most days. The chance of going out (below) with the habit's full strength, whether
    // or not its venue can be gone to today, and a ritual's full pull on a day with one, is a bound that the
    // chance cannot exceed: the same operations on numbers at least as large, every factor non-negative (the
    // parameters' ranges, checked once per day in `DayContext::going_out_bounded`) and rounding monotone. A draw
    // at or above it settles that the agent stays in, without looking at the venues.
    if ctx.going_out_bounded {
        let ritual = if ctx.ritual_venues.is_empty() { 0.0 } else { 1.0 };
        let mut bound = base + (1.0 - base) * r.p.habit_pull * s.habit_strength[w];
        bound *= 1.0 + r.p.ritual_pull * ritual;
        bound *= withdraw;
        bound *= shame;
        if u_go >= bound.min(1.0) {
            return Whether::Decided(NO_VENUE);
        }
    }
    let money = ctx.money_available(a.leisure_weekly_nok, s, i);

    let n_venues = scenario.venues.len();
    let venues = &scenario.venues;
    let kinds = &r.kinds[class(a)];
    let available = |v: usize| available(ctx, venues, kinds, money, v);

    // The chance itself: the habit counts where its venue can be gone to today.
    let hv = s.habit_venue[w];
    let habit =
        if hv != NO_VENUE && (hv as usize) < n_venues && available(hv as usize) { s.habit_strength[w] } else { 0.0 };
    // A ritual draws people in as far as they care for the venue that holds it.
    let ritual_interest = ctx
        .ritual_venues
        .iter()
        .filter(|&&v| venues[v as usize].district == a.district as usize && available(v as usize))
        .map(|&v| kinds[venues[v as usize].kind as usize].min(1.0))
        .fold(0.0f32, f32::max);
    let mut p_go = base + (1.0 - base) * r.p.habit_pull * habit;
    p_go *= 1.0 + r.p.ritual_pull * ritual_interest;
    p_go *= withdraw;
    p_go *= shame;
    if u_go >= p_go.min(1.0) {
        return Whether::Decided(NO_VENUE);
    }
    Whether::Goes(Going { rng, u_go, p_go, money, habit, hv })
}

/// Whether the bound on the chance of going out in `whether` holds: every factor of the chance is
/// non-negative, as the parameters' ranges make them (a share, a probability, or a factor in [0, 1]).
pub fn bound_holds(p: &Params) -> bool {
    let in_01 = |x: f64| (0.0..=1.0).contains(&x);
    in_01(p.p_go_out_resident)
        && in_01(p.p_go_out_service_user)
        && p.habit_pull >= 0.0
        && p.ritual_pull >= 0.0
        && p.withdraw_struggling >= 0.0
        && p.withdraw_crisis >= 0.0
        && in_01(p.shame_withdrawal)
}

/// Whether venue `v` is open today, affordable with `money` and of a kind the agent may go to (`kinds`: the
/// agent's row of `GoingOutRates::kinds`).
#[inline(always)]
fn available(ctx: &DayContext, venues: &[Venue], kinds: &[f32; 4], money: f32, v: usize) -> bool {
    ctx.open_today[v] && ctx.cost_today[v] <= money && kinds[venues[v].kind as usize] > 0.0
}

/// Where agent `i`, who passed the draw of [`whether`], goes: the venues' pull, friends' habits and its own
/// habit, or home after all when little that is open pulls.
#[inline(always)]
fn choose(
    ctx: &DayContext,
    scenario: &Scenario,
    r: &GoingOutRates,
    agents: &[Agent],
    network: &Network,
    i: usize,
    going: &Going,
) -> VenueIdx {
    let p = &scenario.params;
    let a = &agents[i];
    let n_venues = scenario.venues.len();
    let venues = &scenario.venues;
    let Going { u_go, p_go, money, habit, hv, .. } = *going;
    let mut rng = going.rng.clone();
    let kinds = &r.kinds[class(a)];
    let available = |v: usize| available(ctx, venues, kinds, money, v);

    // Which venues could this agent go to today, and how strongly does each pull? One slot past the venues,
    // for friends without a habit (below), stays 0.
    let mut stack = [0.0f32; MAX_STACK_VENUES + 1];
    let mut heap = Vec::new();
    let weight: &mut [f32] = if n_venues <= MAX_STACK_VENUES {
        &mut stack[..n_venues + 1]
    } else {
        heap.resize(n_venues + 1, 0.0);
        &mut heap
    };
    let stigma = r.stigma[a.diagnosis.index()];
    for (v, venue) in venues.iter().enumerate().take(n_venues) {
        if !available(v) {
            continue;
        }
        let ritual_pull = if ctx.ritual_today[v] != Ritual::None { 1.0 + r.p.ritual_pull } else { 1.0 };
        weight[v] = pull_given_kind(p, a, venue, stigma, kinds[venue.kind as usize]) * ritual_pull;
    }
    // With nowhere attractive to go (only venues of a kind the agent rarely uses, or only ones far away, or
    // nothing affordable), the agent mostly stays in: the pull of what is open scales the chance of going.
    let pull: f32 = weight[..n_venues].iter().sum();
    if u_go >= p_go.min(1.0) * pull.min(1.0) {
        return NO_VENUE;
    }
    // Friends who habitually go somewhere on this weekday pull the agent there (yesterday's habits). A
    // venue without weight keeps none (0 times the pull; weights are finite and non-negative), and a friend
    // without a habit pulls on the slot past the venues, which nothing reads: no branch on what friends do.
    for t in network.ties(i as u32) {
        let fv = (ctx.habits[t.other as usize] as usize).min(n_venues);
        weight[fv] *= 1.0 + r.p.friend_pull * t.strength;
    }
    if habit > 0.0 {
        weight[hv as usize] *= 1.0 + 4.0 * habit;
    }
    let weight = &weight[..n_venues];
    let total: f32 = weight.iter().sum();
    if total <= 0.0 {
        return NO_VENUE;
    }

    // Which venue: weighted draw.
    let mut x = rng.uniform() as f32 * total;
    for (v, wv) in weight.iter().enumerate() {
        if *wv > 0.0 {
            if x < *wv {
                return v as VenueIdx;
            }
            x -= wv;
        }
    }
    // Rounding left x at the end: take the last venue with weight.
    (0..n_venues).rev().find(|&v| weight[v] > 0.0).map_or(NO_VENUE, |v| v as VenueIdx)
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Origin, Scenario};
    use crate::world::World;
    use rand::{Rng, SeedableRng};

    /// The pull of each kind of venue, looked up by the agent's class, is the one the agent's own attributes
    /// give: for every agent of a town, and for an agent given each of the eight combinations of the
    /// attributes the class is made of (a town has only some of them).
    #[test]
    fn the_table_of_pulls_by_class_is_each_agents_own() {
        use crate::types::{Role, VenueKind};
        let s = Scenario::load(Origin::Embedded, std::path::Path::new("baseline.toml")).unwrap().scaled(3000);
        let w = World::new(&s, 0);
        let r = super::GoingOutRates::new(&s.params);
        let check = |a: &crate::world::Agent| {
            let su = a.role == Role::ServiceUser;
            for kind in VenueKind::ALL {
                let own = super::pull_of_kind(&s.params, su, a.case_decision, a.lived_experience, kind);
                assert_eq!(r.kinds[super::class(a)][kind as usize].to_bits(), own.to_bits(), "{kind:?}, {a:?}");
            }
        };
        w.agents.iter().for_each(check);
        let mut a = w.agents[0];
        for (role, case_decision, lived_experience) in (0..8).map(|c| (c & 1, c & 2 != 0, c & 4 != 0)) {
            a.role = [Role::Resident, Role::ServiceUser][role];
            (a.case_decision, a.lived_experience) = (case_decision, lived_experience);
            check(&a);
        }
    }

    /// The bound in `whether` settles only what the full chance of going out would: with it and without it,
    /// every agent goes to the same place (or stays in), on every weekday, for the default parameters and for
    /// others drawn across their ranges (large pulls put many draws between the chance and the bound).
    #[test]
    fn the_bound_on_going_out_changes_no_choice() {
        let mut draw = rand::rngs::StdRng::seed_from_u64(7);
        for set in 0..6 {
            let mut s = Scenario::load(Origin::Embedded, std::path::Path::new("baseline.toml")).unwrap().scaled(1500);
            if set > 0 {
                let p = &mut s.params;
                p.p_go_out_resident = draw.random_range(0.0..1.0);
                p.p_go_out_service_user = draw.random_range(0.0..1.0);
                p.habit_pull = draw.random_range(0.0..=1.0);
                p.ritual_pull = draw.random_range(0.0..=5.0);
                p.withdraw_struggling = draw.random_range(0.0..=1.0);
                p.withdraw_crisis = draw.random_range(0.0..=1.0);
                p.shame_withdrawal = draw.random_range(0.0..=1.0);
            }
            assert!(super::bound_holds(&s.params));
            let mut w = World::new(&s, 0);
            for day in 0..21 {
                if day >= 7 {
                    let mut ctx = w.begin_day(day, &[]);
                    let mut with = vec![0; w.agents.len()];
                    let mut without = with.clone();
                    assert!(ctx.going_out_bounded);
                    super::choose_venues(&ctx, &s, &w.agents, &w.states, &w.network, &mut with);
                    ctx.going_out_bounded = false;
                    super::choose_venues(&ctx, &s, &w.agents, &w.states, &w.network, &mut without);
                    assert_eq!(with, without, "parameter set {set}, day {day}");
                    assert!(with.iter().any(|&v| v != crate::types::NO_VENUE), "parameter set {set}: nobody goes out");
                }
                w.step(day, &[], None);
            }
        }
    }
}
