//! The town's people at day 0: agents with their attributes and starting state, staff assigned to venues,
//! and (in `ties`) the kin, old-friend and venue ties they start with. Everything is drawn from
//! `InitAgent`/`InitTies`/`InitStaff` streams keyed by agent, so both arms of a what-if start from the same
//! town. `ties` also renews those friendships during the run (`renew_friendships`, `FriendRenewal` streams
//! keyed by agent and day), pairing stubs the way the start does.

use crate::metrics;
use crate::model::hazards::{self, Exposure};
use crate::model::LnRatios;
use crate::params::Params;
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, Diagnosis, MentalState, Role, VenueIdx, NO_VENUE};
use crate::world::view::social_media_on_grid;
use crate::world::Network;
use crate::world::{Agent, AgentState, Daily, PeriodAcc, StaffKind, VenueState, World};
use rand_distr::{Beta, Distribution, LogNormal, StandardNormal};

mod ties;

use ties::initial_network;
pub use ties::renew_friendships;

/// A town at day 0.
pub struct Town {
    pub agents: Vec<Agent>,
    pub states: Vec<AgentState>,
    pub network: Network,
    /// Staff agents of each venue, in agent order.
    pub staff: Vec<Vec<AgentIdx>>,
}

fn beta_with_mean(mean: f64, concentration: f64) -> Beta<f64> {
    let m = mean.clamp(0.01, 0.99);
    Beta::new(m * concentration, (1.0 - m) * concentration).expect("valid beta parameters")
}

/// Allocates `n` items to shares by largest remainder, deterministically.
pub fn allocate(n: usize, shares: &[f64]) -> Vec<usize> {
    let total: f64 = shares.iter().sum();
    let raw: Vec<f64> = shares.iter().map(|s| n as f64 * s / total.max(f64::MIN_POSITIVE)).collect();
    let mut out: Vec<usize> = raw.iter().map(|x| x.floor() as usize).collect();
    let mut rest = n - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| (raw[b] - raw[b].floor()).total_cmp(&(raw[a] - raw[a].floor())).then(a.cmp(&b)));
    for i in order.into_iter().cycle() {
        if rest == 0 {
            break;
        }
        out[i] += 1;
        rest -= 1;
    }
    out
}

/// Builds the town for one replicate.
pub fn build(scenario: &Scenario, replicate: u32) -> Town {
    let p = &scenario.params;
    let seed = scenario.run.seed;
    let n = scenario.population.n_agents as usize;
    let n_districts = scenario.districts.len();

    // Staff first (they are part of the population), then service users and residents per district.
    let mut plan: Vec<(u8, Role, StaffKind, VenueIdx, bool)> = Vec::with_capacity(n);
    let mut staff_by_district: Vec<Vec<(Role, StaffKind, VenueIdx, bool)>> = vec![Vec::new(); n_districts];
    for (vi, v) in scenario.venues.iter().enumerate() {
        let total = v.professionals + v.volunteers;
        let n_le = (v.lived_experience_share * total as f64).round() as u32;
        for k in 0..total {
            let (role, kind) = if k < v.professionals {
                (Role::Professional, StaffKind::Professional)
            } else {
                (Role::Volunteer, StaffKind::Volunteer)
            };
            // Lived experience goes to volunteers first, as in the study's meeting places.
            let le = (total - 1 - k) < n_le;
            staff_by_district[v.district].push((role, kind, vi as VenueIdx, le));
        }
    }
    let n_staff: usize = staff_by_district.iter().map(Vec::len).sum();
    let n_rest = n.saturating_sub(n_staff);
    let n_service_users = (scenario.population.service_user_share * n_rest as f64).round() as usize;
    let shares: Vec<f64> = scenario.districts.iter().map(|d| d.population_share).collect();
    let su_by_district = allocate(n_service_users, &shares);
    let res_by_district = allocate(n_rest - n_service_users, &shares);
    for d in 0..n_districts {
        for _ in 0..res_by_district[d] {
            plan.push((d as u8, Role::Resident, StaffKind::None, NO_VENUE, false));
        }
        for _ in 0..su_by_district[d] {
            plan.push((d as u8, Role::ServiceUser, StaffKind::None, NO_VENUE, true));
        }
        for &(role, kind, venue, le) in &staff_by_district[d] {
            plan.push((d as u8, role, kind, venue, le));
        }
    }
    plan.truncate(n.max(n_staff));

    let income_res = LogNormal::new(p.income_median_weekly_nok.ln(), p.income_sigma).expect("valid lognormal");
    let income_ben = LogNormal::new(p.benefit_weekly_nok.ln(), p.benefit_sigma).expect("valid lognormal");
    let need = LogNormal::new(p.contact_need_mean.ln() - 0.125, 0.5).expect("valid lognormal");
    let stigma_res = beta_with_mean(p.stigma_attitude_resident, 6.0);
    let stigma_su = beta_with_mean(p.stigma_attitude_service_user, 6.0);
    let social = beta_with_mean(p.social_media_mean, 4.0);
    let hope_dist = beta_with_mean(p.hope_baseline, p.hope_baseline_concentration);

    let ln_rr = LnRatios::new(p);
    let mut agents = Vec::with_capacity(plan.len());
    // The initial mental state and episode class; the states are built after the network, so the town's
    // peak memory (while the network is paired) holds neither the plan nor the states.
    let mut start: Vec<(MentalState, bool)> = Vec::with_capacity(plan.len());
    for (i, &(district, role, staff_kind, staff_venue, le)) in plan.iter().enumerate() {
        let mut s = Stream::new(seed, replicate, Purpose::InitAgent, 0, i as u64);
        let service_user = role == Role::ServiceUser;
        let income = if service_user { income_ben.sample(&mut s) } else { income_res.sample(&mut s) };
        let diagnosis = if service_user {
            let u = s.uniform();
            let mut acc = 0.0;
            let mut d = Diagnosis::Depression;
            for (k, share) in scenario.population.diagnosis_shares.iter().enumerate() {
                acc += share;
                if u < acc {
                    d = Diagnosis::CLINICAL[k];
                    break;
                }
            }
            d
        } else {
            let u = s.uniform();
            if u < p.resident_depression_share {
                Diagnosis::Depression
            } else if u < p.resident_depression_share + p.resident_anxiety_share {
                Diagnosis::Anxiety
            } else {
                Diagnosis::None
            }
        };
        let lived_experience = le || service_user || diagnosis != Diagnosis::None;
        let stigma_attitude = if role == Role::Resident { stigma_res.sample(&mut s) } else { stigma_su.sample(&mut s) };
        let social_media = social.sample(&mut s);
        let contact_need = need.sample(&mut s);
        let z: f64 = StandardNormal.sample(&mut s);
        let leisure_factor = (p.leisure_sigma * z).exp();
        let hope_baseline: f64 = hope_dist.sample(&mut s);
        let work_contact = if service_user { p.work_contact_service_user } else { p.work_contact_resident };
        agents.push(Agent {
            district,
            role,
            diagnosis,
            lived_experience,
            case_decision: service_user,
            income_weekly_nok: income as f32,
            income_quartile: 0,
            leisure_weekly_nok: (income * p.leisure_share * leisure_factor) as f32,
            stigma_attitude: stigma_attitude as f32,
            social_media: social_media_on_grid(social_media as f32),
            contact_need: contact_need as f32,
            work_contact: work_contact as f32,
            staff_venue,
            staff_kind,
            staff_rank: 0,
            hope_baseline: hope_baseline as f32,
        });
        // The mental state and episode class on day 0 come from the agent's stationary mix at its starting
        // exposures, so the town starts near the steady state of its mental states: most agents
        // unwell at any one time are in long episodes.
        let a = agents.last().expect("just pushed");
        let mix = hazards::stationary_mix(p, &ln_rr, role, &initial_exposure(p, a));
        let u = s.uniform();
        let mut acc = 0.0;
        let mut k = mix.len() - 1;
        for (j, share) in mix.iter().enumerate() {
            acc += share;
            if u < acc {
                k = j;
                break;
            }
        }
        start.push(match k {
            0 => (MentalState::Well, false),
            1 => (MentalState::Struggling, true),
            2 => (MentalState::Struggling, false),
            3 => (MentalState::Crisis, true),
            _ => (MentalState::Crisis, false),
        });
    }
    drop(plan);
    assign_income_quartiles(&mut agents);

    let mut staff = vec![Vec::new(); scenario.venues.len()];
    for (i, a) in agents.iter().enumerate() {
        if a.staff_venue != NO_VENUE {
            staff[a.staff_venue as usize].push(i as AgentIdx);
        }
    }
    for list in &staff {
        for (rank, &i) in list.iter().enumerate() {
            agents[i as usize].staff_rank = rank as u16;
        }
    }
    let network = initial_network(scenario, p, replicate, &agents);
    let states =
        agents.iter().zip(start).map(|(a, (mental, fast_episode))| initial_state(a, mental, fast_episode)).collect();
    Town { agents, states, network, staff }
}

/// An agent's loneliness and shame on day 0.
fn initial_inner(a: &Agent) -> (f32, f32) {
    if a.role == Role::ServiceUser {
        (0.5, 0.3)
    } else {
        (0.2, 0.05)
    }
}

/// What the mental-state hazards read on day 0: the starting inner state (`initial_state`), no giving, no
/// broken rhythm, no peer support, and money stress if the agent's leisure budget is below the line.
fn initial_exposure(p: &Params, a: &Agent) -> Exposure {
    let (loneliness, shame) = initial_inner(a);
    Exposure {
        loneliness: loneliness as f64,
        shame: shame as f64,
        giving: 0.0,
        hope: hazards::hope_exposure(p, a.hope_baseline),
        low_support: INITIAL_SUPPORT < p.low_support as f32,
        money_stress: a.leisure_weekly_nok < p.money_stress_weekly_nok as f32,
        rhythm_broken: false,
        peer_supported: false,
    }
}

/// Smoothed support received, on day 0.
const INITIAL_SUPPORT: f32 = 1.0;

/// An agent's state on day 0.
fn initial_state(a: &Agent, mental: MentalState, fast_episode: bool) -> AgentState {
    let (loneliness, shame) = initial_inner(a);
    AgentState {
        mental,
        days_in_state: 0,
        fast_episode,
        loneliness,
        hope: a.hope_baseline,
        shame,
        support_recent: INITIAL_SUPPORT,
        giving_recent: 0.0,
        money_left_nok: 0.0,
        rhythm_broken_until: 0,
        peer_support_until: 0,
        habit_venue: [NO_VENUE; 7],
        habit_strength: [0.0; 7],
        episode_start: 0,
        episode_worst: mental,
        episode_support: 0.0,
    }
}

fn assign_income_quartiles(agents: &mut [Agent]) {
    let mut order: Vec<usize> = (0..agents.len()).collect();
    order.sort_by(|&a, &b| agents[a].income_weekly_nok.total_cmp(&agents[b].income_weekly_nok).then(a.cmp(&b)));
    let n = agents.len().max(1);
    for (rank, &i) in order.iter().enumerate() {
        agents[i].income_quartile = (rank * 4 / n) as u8;
    }
}

impl<'a> World<'a> {
    /// The town of a scenario at day 0, for one replicate: its people and ties ([`build`]), its venues, budgets
    /// and groups.
    pub fn new(scenario: &'a Scenario, replicate: u32) -> Self {
        let town = build(scenario, replicate);
        let n = town.agents.len();
        let threshold = scenario.params.ritual_budget_threshold;
        let residents: Vec<f32> =
            town.agents.iter().filter(|a| a.role == crate::types::Role::Resident).map(|a| a.stigma_attitude).collect();
        let resident_stigma_mean = residents.iter().sum::<f32>() / residents.len().max(1) as f32;
        let groups = scenario.groups();
        let memberships = metrics::memberships(&groups, &town.agents);
        World {
            scenario,
            replicate,
            states: town.states,
            agents: town.agents,
            network: town.network,
            staff: town.staff,
            venues: scenario.venues.iter().map(|v| VenueState::new(v, threshold)).collect(),
            district_budget: scenario.districts.iter().map(|d| d.budget_nok).collect(),
            lockdown_until: 0,
            campaigns: Vec::new(),
            subsidies: Vec::new(),
            venue_today: vec![NO_VENUE; n],
            daily: vec![Daily::default(); n],
            period: vec![PeriodAcc::default(); n],
            visits_period: vec![0; scenario.venues.len()],
            groups,
            memberships,
            resident_stigma_mean,
            prepared: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::network::TieKind;

    fn small_town() -> Scenario {
        let mut s = Scenario::load(crate::scenario::Origin::Embedded, std::path::Path::new("baseline.toml")).unwrap();
        s.population.n_agents = 3000;
        s
    }

    /// The start's venue ties fill only the slots kin and friends leave free (so they displace no
    /// friendship) and pair service users with service users and others with others.
    #[test]
    fn venue_ties_at_the_start_fill_free_slots() {
        let with = build(&small_town(), 0);
        let mut s = small_town();
        (s.params.venue_ties_resident, s.params.venue_ties_service_user) = (0.0, 0.0);
        let without = build(&s, 0);
        let kinds = |t: &Town, i: usize| {
            let ties = t.network.ties(i as AgentIdx);
            let n = |k| ties.iter().filter(|x| x.kind() == k).count();
            (n(TieKind::Kin), n(TieKind::Friend), n(TieKind::Venue))
        };
        let mut venue = 0;
        for i in 0..with.agents.len() {
            let (k, f, v) = kinds(&with, i);
            assert_eq!((k, f), (kinds(&without, i).0, kinds(&without, i).1), "agent {i}: kin and friends displaced");
            assert!(k + f + v <= with.network.max_ties);
            venue += v;
            for t in with.network.ties(i as AgentIdx).iter().filter(|x| x.kind() == TieKind::Venue) {
                let su = |j: usize| with.agents[j].role == Role::ServiceUser;
                assert_eq!(su(i), su(t.other as usize), "a venue tie across roles");
            }
        }
        assert!(venue as f64 / with.agents.len() as f64 > 3.0, "venue ties per agent: {venue}");
    }

    #[test]
    fn allocate_is_exact() {
        assert_eq!(allocate(10, &[0.5, 0.3, 0.2]), vec![5, 3, 2]);
        assert_eq!(allocate(7, &[1.0, 1.0, 1.0]).iter().sum::<usize>(), 7);
    }
}
