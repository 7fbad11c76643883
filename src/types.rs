//! The model's vocabulary: roles, diagnoses, mental states, venue kinds, rituals and weekdays. Each enum is
//! matched in one place per mechanism; names here are the ones users type and read in CSV files.

use serde::{Deserialize, Serialize};

/// Dense agent index.
pub type AgentIdx = u32;
/// Dense venue index.
pub type VenueIdx = u16;
/// "No venue" marker in columns of venue indices.
pub const NO_VENUE: VenueIdx = VenueIdx::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    ServiceUser,
    Volunteer,
    Professional,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::ServiceUser => "service_user",
            Role::Volunteer => "volunteer",
            Role::Professional => "professional",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Diagnosis {
    None,
    Depression,
    Anxiety,
    Bipolar,
    Psychosis,
    Personality,
}

impl Diagnosis {
    pub const ALL: [Diagnosis; 6] = [
        Diagnosis::None,
        Diagnosis::Depression,
        Diagnosis::Anxiety,
        Diagnosis::Bipolar,
        Diagnosis::Psychosis,
        Diagnosis::Personality,
    ];
    /// The diagnoses a service user can have (index i of `diagnosis_shares`).
    pub const CLINICAL: [Diagnosis; 5] =
        [Diagnosis::Depression, Diagnosis::Anxiety, Diagnosis::Bipolar, Diagnosis::Psychosis, Diagnosis::Personality];

    pub fn name(self) -> &'static str {
        match self {
            Diagnosis::None => "none",
            Diagnosis::Depression => "depression",
            Diagnosis::Anxiety => "anxiety",
            Diagnosis::Bipolar => "bipolar",
            Diagnosis::Psychosis => "psychosis",
            Diagnosis::Personality => "personality",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

// `Diagnosis::ALL` lists the diagnoses in the order of their discriminants, so that tables built from it can be
// indexed by `Diagnosis::index` (`GoingOutRates` and `InnerRates` in `dynamics`).
const _: () = {
    let mut i = 0;
    while i < Diagnosis::ALL.len() {
        assert!(Diagnosis::ALL[i] as usize == i);
        i += 1;
    }
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
#[repr(u8)]
pub enum MentalState {
    #[default]
    Well = 0,
    Struggling = 1,
    Crisis = 2,
}

impl MentalState {
    pub fn name(self) -> &'static str {
        match self {
            MentalState::Well => "well",
            MentalState::Struggling => "struggling",
            MentalState::Crisis => "crisis",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    /// Public low-threshold meeting place.
    MeetingPlace,
    /// Café run by and for peers.
    PeerCafe,
    /// Service for service users only (needs a case decision).
    Service,
    /// Commercial café, cinema or club.
    Commercial,
}

impl VenueKind {
    /// Every kind, in the order of their discriminants (checked below), so that `kind as usize` indexes tables
    /// built from it.
    pub const ALL: [VenueKind; 4] =
        [VenueKind::MeetingPlace, VenueKind::PeerCafe, VenueKind::Service, VenueKind::Commercial];

    pub fn name(self) -> &'static str {
        match self {
            VenueKind::MeetingPlace => "meeting_place",
            VenueKind::PeerCafe => "peer_cafe",
            VenueKind::Service => "service",
            VenueKind::Commercial => "commercial",
        }
    }

    /// Whether the venue is publicly funded, so that its service level follows its budget.
    pub fn is_funded(self) -> bool {
        !matches!(self, VenueKind::Commercial)
    }
}

// `VenueKind::ALL` lists the kinds in the order of their discriminants (`GoingOutRates` in `dynamics::going_out`).
const _: () = {
    let mut i = 0;
    while i < VenueKind::ALL.len() {
        assert!(VenueKind::ALL[i] as usize == i);
        i += 1;
    }
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ritual {
    #[default]
    None,
    /// A shared meal: more meetings and more tie formation.
    Meal,
    /// A quiz or similar group activity: more tie formation.
    Quiz,
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Weekday of a day index; day 0 is a Monday.
#[inline]
pub fn weekday(day: u32) -> usize {
    (day % 7) as usize
}

pub fn weekday_index(name: &str) -> Option<usize> {
    WEEKDAYS.iter().position(|w| *w == name)
}
