//! The people of a town as data: each agent's attributes (`Agent`, changed only by events), its state
//! (`AgentState`, written once a day by the inner state), what happened to it today (`Daily`) and over the
//! recording period (`PeriodAcc`).

use crate::types::{Diagnosis, MentalState, Role, VenueIdx};

/// What kind of staff an agent is at its venue, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffKind {
    None,
    Professional,
    Volunteer,
    /// A paid worker with lived experience (hired by an `add_staff` event).
    PeerWorker,
}

impl StaffKind {
    pub fn name(self) -> &'static str {
        match self {
            StaffKind::None => "none",
            StaffKind::Professional => "professional",
            StaffKind::Volunteer => "volunteer",
            StaffKind::PeerWorker => "peer_worker",
        }
    }
}

/// Attributes that change only through events.
#[derive(Clone, Copy, Debug)]
pub struct Agent {
    pub district: u8,
    pub role: Role,
    pub diagnosis: Diagnosis,
    pub lived_experience: bool,
    /// A case decision gives access to `service` venues (service users).
    pub case_decision: bool,
    pub income_weekly_nok: f32,
    pub income_quartile: u8,
    pub leisure_weekly_nok: f32,
    pub stigma_attitude: f32,
    pub social_media: f32,
    pub contact_need: f32,
    pub work_contact: f32,
    pub staff_venue: VenueIdx,
    pub staff_kind: StaffKind,
    /// Position in the venue's staff list: the configured staff come first, and the first `active_staff` of them
    /// are on the rota of an open day; staff hired by events come after them and are always on it.
    pub staff_rank: u16,
    /// The level this agent's hope relaxes to.
    pub hope_baseline: f32,
}

/// Dynamic state: phases read yesterday's values; the inner-state phase, last of the day, writes today's.
#[derive(Clone, Copy, Debug)]
pub struct AgentState {
    pub mental: MentalState,
    pub days_in_state: u16,
    /// Whether the current episode is of the fast-remitting class.
    pub fast_episode: bool,
    pub loneliness: f32,
    pub hope: f32,
    pub shame: f32,
    /// Running mean of support received per day.
    pub support_recent: f32,
    /// Running mean of days on which the agent gave support.
    pub giving_recent: f32,
    pub money_left_nok: f32,
    /// The weekly rhythm is broken until this day (exclusive).
    pub rhythm_broken_until: u32,
    /// The day until which a peer worker's support protects against crisis (0: none yet).
    pub peer_support_until: u32,
    pub habit_venue: [VenueIdx; 7],
    pub habit_strength: [f32; 7],
    /// Current struggling/crisis episode: start day, worst state, summed support.
    pub episode_start: u32,
    pub episode_worst: MentalState,
    pub episode_support: f32,
}

/// What happened to one agent today, accumulated by meeting, outreach and support, and read by the inner phase.
#[derive(Clone, Copy, Debug, Default)]
pub struct Daily {
    pub emotional: f32,
    pub instrumental: f32,
    pub informational: f32,
    pub hope_gain: f32,
    pub shame_gain: f32,
    pub rejections: u16,
    pub ghosted: u16,
    pub gave: bool,
    /// Supported by a peer worker today (at a venue or by outreach).
    pub peer_support: bool,
    /// Turned away because the venue was full.
    pub turned_away: bool,
    /// Welcomed by a staff member as a newcomer at its venue today.
    pub welcomed: bool,
    /// At its own venue as staff on duty (the dynamics' `DayContext::on_duty`).
    pub working: bool,
    /// Friendships from outside the venues that turnover ended today (renewed by `population::renew_friendships`).
    pub friends_ended: u8,
}

/// Counters over one recording period, for flow metrics.
#[derive(Clone, Copy, Debug, Default)]
pub struct PeriodAcc {
    pub emotional: f32,
    pub instrumental: f32,
    pub informational: f32,
    pub attended: bool,
    pub new_crises: u16,
    pub recoveries: u16,
    pub rejections: u16,
    pub ghosted: u16,
}
