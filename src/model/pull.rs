//! The pull of a venue for an agent: its kind (a service needs a case decision, a peer café lived
//! experience), its district and its welcome given the agent's diagnosis. Going out weighs venues by it each
//! day; the start draws its venue ties from it (`population`).

use crate::params::Params;
use crate::scenario::Venue;
use crate::types::{Role, VenueKind};
use crate::world::Agent;

/// The pull of a venue for an agent apart from the day's circumstances (open, affordable, ritual, friends,
/// habit): its kind, its district and its welcome given the agent's diagnosis (`stigma`, from
/// [`super::stigma_weight`]). The start's venue ties are drawn from it too (`population::initial_network`).
#[inline]
pub fn venue_pull(p: &Params, a: &Agent, venue: &Venue, stigma: f32) -> f32 {
    let kind = pull_of_kind(p, a.role == Role::ServiceUser, a.case_decision, a.lived_experience, venue.kind);
    pull_given_kind(p, a, venue, stigma, kind)
}

/// [`venue_pull`], given the pull of the venue's kind for the agent.
#[inline(always)]
pub fn pull_given_kind(p: &Params, a: &Agent, venue: &Venue, stigma: f32, kind: f32) -> f32 {
    let district = if venue.district == a.district as usize { 1.0 } else { p.other_district_weight as f32 };
    let welcome = 1.0 - (1.0 - venue.openness as f32) * stigma;
    kind * district * welcome
}

/// An agent's class for going out's table of pulls by kind: whether it is a service user (bit 0), has a case decision (bit 1) and
/// has lived experience (bit 2), all that the pull of a kind of venue depends on.
#[inline(always)]
pub fn class(a: &Agent) -> usize {
    (a.role == Role::ServiceUser) as usize | (a.case_decision as usize) << 1 | (a.lived_experience as usize) << 2
}

/// The pull of a kind of venue for an agent who is a service user (`su`) or not, with a case decision or not,
/// with lived experience or not; zero where it may not go (a service needs a case decision, a peer café is for
/// people with lived experience).
pub fn pull_of_kind(p: &Params, su: bool, case_decision: bool, lived_experience: bool, kind: VenueKind) -> f32 {
    match kind {
        VenueKind::Service if !case_decision => 0.0,
        VenueKind::PeerCafe if !lived_experience => 0.0,
        VenueKind::Commercial if su => p.service_user_commercial_pull as f32,
        VenueKind::Commercial => 1.0,
        VenueKind::Service => p.service_venue_pull as f32,
        _ if su => 1.0,
        _ => p.resident_public_venue_pull as f32,
    }
}
