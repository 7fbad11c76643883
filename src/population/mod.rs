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

mod start_strengths;
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
    let plan = plan_people(scenario);
    let draws = Draws::new(p);
    let ln_rr = LnRatios::new(p);
    let mut agents = Vec::with_capacity(plan.len());
    // The initial mental state and episode class; the states are built after the network, so the town's
    // peak memory (while the network is paired) holds neither the plan nor the states.
    let mut start: Vec<(MentalState, bool)> = Vec::with_capacity(plan.len());
    for (i, slot) in plan.iter().enumerate() {
        let mut s = Stream::new(scenario.run.seed, replicate, Purpose::InitAgent, 0, i as u64);
        let a = draws.agent(scenario, slot, &mut s);
        // The mental state and episode class on day 0 come from the agent's stationary mix at its starting
        // exposures, so the town starts near the steady state of its mental states: most agents
        // unwell at any one time are in long episodes.
        let mix = hazards::stationary_mix(p, &ln_rr, a.role, &initial_exposure(p, &a));
        start.push(starting_state(&mix, s.uniform()));
        agents.push(a);
    }
    drop(plan);
    assign_income_quartiles(&mut agents);
    let staff = staff_by_venue(&mut agents, scenario.venues.len());
    let network = initial_network(scenario, p, replicate, &agents);
    let states =
        agents.iter().zip(start).map(|(a, (mental, fast_episode))| initial_state(a, mental, fast_episode)).collect();
    Town { agents, states, network, staff }
}

/// One person of the town before their attributes are drawn: district, role, staff post and whether they
/// have lived experience of mental illness (decided here for staff only).
struct Slot {
    district: u8,
    role: Role,
    staff_kind: StaffKind,
    staff_venue: VenueIdx,
    lived_experience: bool,
}

/// The town's people, district by district: residents, then service users, then the district's venues' staff
/// (part of the population). Lived experience goes to a venue's volunteers first, as in the study's meeting
/// places.
fn plan_people(scenario: &Scenario) -> Vec<Slot> {
    let n = scenario.population.n_agents as usize;
    let mut staff_by_district: Vec<Vec<Slot>> = (0..scenario.districts.len()).map(|_| Vec::new()).collect();
    for (vi, v) in scenario.venues.iter().enumerate() {
        let total = v.professionals + v.volunteers;
        let n_le = (v.lived_experience_share * total as f64).round() as u32;
        for k in 0..total {
            let (role, staff_kind) = if k < v.professionals {
                (Role::Professional, StaffKind::Professional)
            } else {
                (Role::Volunteer, StaffKind::Volunteer)
            };
            let lived_experience = (total - 1 - k) < n_le;
            let district = v.district as u8;
            staff_by_district[v.district].push(Slot {
                district,
                role,
                staff_kind,
                staff_venue: vi as VenueIdx,
                lived_experience,
            });
        }
    }
    let n_staff: usize = staff_by_district.iter().map(Vec::len).sum();
    let n_rest = n.saturating_sub(n_staff);
    let n_service_users = (scenario.population.service_user_share * n_rest as f64).round() as usize;
    let shares: Vec<f64> = scenario.districts.iter().map(|d| d.population_share).collect();
    let su_by_district = allocate(n_service_users, &shares);
    let res_by_district = allocate(n_rest - n_service_users, &shares);
    let mut plan: Vec<Slot> = Vec::with_capacity(n);
    for (d, staff) in staff_by_district.into_iter().enumerate() {
        let person = |role, lived_experience| Slot {
            district: d as u8,
            role,
            staff_kind: StaffKind::None,
            staff_venue: NO_VENUE,
            lived_experience,
        };
        plan.extend((0..res_by_district[d]).map(|_| person(Role::Resident, false)));
        plan.extend((0..su_by_district[d]).map(|_| person(Role::ServiceUser, true)));
        plan.extend(staff);
    }
    plan.truncate(n.max(n_staff));
    plan
}

/// The distributions agents' attributes are drawn from.
struct Draws {
    income_resident: LogNormal<f64>,
    income_benefit: LogNormal<f64>,
    contact_need: LogNormal<f64>,
    stigma_resident: Beta<f64>,
    stigma_service_user: Beta<f64>,
    social_media: Beta<f64>,
    hope: Beta<f64>,
}

impl Draws {
    fn new(p: &Params) -> Self {
        Draws {
            income_resident: LogNormal::new(p.income_median_weekly_nok.ln(), p.income_sigma).expect("valid lognormal"),
            income_benefit: LogNormal::new(p.benefit_weekly_nok.ln(), p.benefit_sigma).expect("valid lognormal"),
            contact_need: LogNormal::new(p.contact_need_mean.ln() - 0.125, 0.5).expect("valid lognormal"),
            stigma_resident: beta_with_mean(p.stigma_attitude_resident, 6.0),
            stigma_service_user: beta_with_mean(p.stigma_attitude_service_user, 6.0),
            social_media: beta_with_mean(p.social_media_mean, 4.0),
            hope: beta_with_mean(p.hope_baseline, p.hope_baseline_concentration),
        }
    }

    /// The agent of `slot`, its attributes drawn from `s` in a fixed order (income, diagnosis, stigma
    /// attitude, social media, contact need, leisure, hope); its income quartile and staff rank come later.
    fn agent(&self, scenario: &Scenario, slot: &Slot, s: &mut Stream) -> Agent {
        let p = &scenario.params;
        let service_user = slot.role == Role::ServiceUser;
        let income = if service_user { self.income_benefit.sample(s) } else { self.income_resident.sample(s) };
        let diagnosis = if service_user {
            service_user_diagnosis(&scenario.population.diagnosis_shares, s.uniform())
        } else {
            resident_diagnosis(p, s.uniform())
        };
        let lived_experience = slot.lived_experience || service_user || diagnosis != Diagnosis::None;
        let stigma = if slot.role == Role::Resident { &self.stigma_resident } else { &self.stigma_service_user };
        let stigma_attitude = stigma.sample(s);
        let social_media = self.social_media.sample(s);
        let contact_need = self.contact_need.sample(s);
        let z: f64 = StandardNormal.sample(s);
        let leisure_factor = (p.leisure_sigma * z).exp();
        let hope_baseline: f64 = self.hope.sample(s);
        let work_contact = if service_user { p.work_contact_service_user } else { p.work_contact_resident };
        Agent {
            district: slot.district,
            role: slot.role,
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
            staff_venue: slot.staff_venue,
            staff_kind: slot.staff_kind,
            staff_rank: 0,
            hope_baseline: hope_baseline as f32,
        }
    }
}

/// A service user's diagnosis at `u` in [0, 1) of the scenario's shares (depression when they fall short).
fn service_user_diagnosis(shares: &[f64], u: f64) -> Diagnosis {
    let mut acc = 0.0;
    for (k, share) in shares.iter().enumerate() {
        acc += share;
        if u < acc {
            return Diagnosis::CLINICAL[k];
        }
    }
    Diagnosis::Depression
}

/// A resident's diagnosis at `u` in [0, 1): depression, anxiety or none, by the residents' shares.
fn resident_diagnosis(p: &Params, u: f64) -> Diagnosis {
    if u < p.resident_depression_share {
        Diagnosis::Depression
    } else if u < p.resident_depression_share + p.resident_anxiety_share {
        Diagnosis::Anxiety
    } else {
        Diagnosis::None
    }
}

/// The mental state and whether the episode is a fast one, at `u` in [0, 1) of the stationary mix (well,
/// struggling fast, struggling slow, crisis fast, crisis slow).
fn starting_state(mix: &[f64], u: f64) -> (MentalState, bool) {
    let mut acc = 0.0;
    let mut k = mix.len() - 1;
    for (j, share) in mix.iter().enumerate() {
        acc += share;
        if u < acc {
            k = j;
            break;
        }
    }
    match k {
        0 => (MentalState::Well, false),
        1 => (MentalState::Struggling, true),
        2 => (MentalState::Struggling, false),
        3 => (MentalState::Crisis, true),
        _ => (MentalState::Crisis, false),
    }
}

/// Each venue's staff in agent order, and each staff member's rank in that list.
fn staff_by_venue(agents: &mut [Agent], n_venues: usize) -> Vec<Vec<AgentIdx>> {
    let mut staff = vec![Vec::new(); n_venues];
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
    staff
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
            venue_period: vec![crate::world::VenuePeriod::default(); scenario.venues.len()],
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
