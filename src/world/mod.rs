//! The running town as data: its people (`agents`), their ties (`network`, each one a `tie`), the venues' state (`venues`),
//! what others read of each agent (`view`), and the `World` that holds them with the town's running
//! policies (campaigns, subsidies, lockdown). Nothing here steps a day: `population` builds a world and
//! `dynamics` steps it.

pub mod agents;
pub mod network;
pub mod tie;
pub mod venues;
pub mod view;

pub use agents::{Agent, AgentState, Daily, PeriodAcc, StaffKind};
pub use network::Network;
pub use venues::{VenuePeriod, VenueState};
pub use view::PeerView;

use crate::groups::Group;
use crate::scenario::Scenario;
use crate::types::{AgentIdx, MentalState, VenueIdx};

#[derive(Clone, Debug)]
pub struct Campaign {
    pub strength: f64,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug)]
pub struct Subsidy {
    pub group: Group,
    pub amount_weekly_nok: f32,
    pub until: Option<u32>,
}

/// An episode of struggling or crisis, for `episodes.csv`.
#[derive(Clone, Debug)]
pub struct Episode {
    pub agent: AgentIdx,
    pub start_day: u32,
    /// None when still going at the end of the run (censored).
    pub end_day: Option<u32>,
    pub worst: MentalState,
    pub mean_support: f32,
}

/// Receives agent-level records during a run (for `--record-agents`).
pub trait AgentObserver {
    /// Called at the end of each recording period, before its per-agent accumulators (`World::period`)
    /// are reset.
    fn on_record(&mut self, day: u32, world: &World);
    fn on_episode(&mut self, world: &World, episode: Episode);
    fn on_finish(&mut self, world: &World);
    /// The first error the observer met (for example, a full disk), reported after the run.
    fn take_error(&mut self) -> Option<crate::error::Error> {
        None
    }
}

/// The running town.
#[derive(Clone)]
pub struct World<'a> {
    pub scenario: &'a Scenario,
    pub replicate: u32,
    pub agents: Vec<Agent>,
    /// Dynamic state, one buffer: the inner phase is the only writer and the day's last per-agent phase, and each agent
    /// reads only its own state there, so updating in place is the same as a second buffer.
    pub states: Vec<AgentState>,
    pub network: Network,
    pub staff: Vec<Vec<AgentIdx>>,
    pub venues: Vec<VenueState>,
    pub district_budget: Vec<f64>,
    pub lockdown_until: u32,
    pub campaigns: Vec<Campaign>,
    pub subsidies: Vec<Subsidy>,
    pub venue_today: Vec<VenueIdx>,
    pub daily: Vec<Daily>,
    pub period: Vec<PeriodAcc>,
    /// Each venue over the period so far (see `World::record`).
    pub venue_period: Vec<VenuePeriod>,
    pub groups: Vec<Group>,
    /// Group indices of each agent (see `metrics::memberships`).
    pub memberships: Vec<[u8; 16]>,
    pub(crate) resident_stigma_mean: f32,
    /// What the inner state wrote for the next day ([`Prepared`]); none before the first day, and dropped
    /// when events are applied.
    pub(crate) prepared: Option<Prepared>,
}

/// The views and habits every agent reads on `day`, written by the inner state at the end of the day before
/// (the last phase that changes them), which also cleared that day's accumulators: a day with events, which
/// can change what the views hold, builds them again.
#[derive(Clone)]
pub(crate) struct Prepared {
    pub(crate) day: u32,
    pub(crate) peers: Vec<PeerView>,
    pub(crate) habits: Vec<VenueIdx>,
}
