//! Outreach (after meeting): staff on duty also reach service users of their venue's district who are struggling
//! or in crisis and did not come in today (a home visit or a call). Peer workers give emotional and
//! informational support and, with their lived experience, hope and peer support: what peer-supported
//! self-management does in the CORE trial (Johnson et al. 2018), where the peer worker goes to the person.
//! Professionals follow people up with practical help and information (coordination: appointments, benefits,
//! housing), and bring no hope of their own. Without outreach, staff could help only those well enough to come
//! to a venue, who already meet other staff.
//!
//! Sequential over venues in index order and over each venue's staff in hiring order, with one stream per
//! (day, venue), so the outcome does not depend on the thread count.

use crate::model::is_unwell;
use crate::params::Params;
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, Role, VenueIdx, NO_VENUE};
use crate::world::{Agent, AgentState, Daily, StaffKind};

/// Whether outreach is for this agent: a service user (not staff) who is struggling or in crisis.
pub fn unwell_service_user(a: &Agent, s: &AgentState) -> bool {
    a.role == Role::ServiceUser && a.staff_kind == StaffKind::None && is_unwell(s.mental)
}

/// The people a staff member of `kind` on duty reaches out to per day (`peer_outreach_per_day`,
/// `professional_followups_per_day`; volunteers none).
pub fn outreach_rate(p: &Params, kind: StaffKind) -> f64 {
    match kind {
        StaffKind::PeerWorker => p.peer_outreach_per_day,
        StaffKind::Professional => p.professional_followups_per_day,
        _ => 0.0,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn reach_out(
    scenario: &Scenario,
    replicate: u32,
    day: u32,
    agents: &[Agent],
    states: &[AgentState],
    staff: &[Vec<AgentIdx>],
    venue_today: &[VenueIdx],
    daily: &mut [Daily],
) {
    let p = &scenario.params;
    // Staff who reach out and work today (on duty at their venue: `Daily::working`), per venue, in hiring
    // order: staff off duty who came as visitors reach out to no one.
    let workers: Vec<Vec<AgentIdx>> = staff
        .iter()
        .map(|list| {
            list.iter()
                .copied()
                .filter(|&a| daily[a as usize].working && outreach_rate(p, agents[a as usize].staff_kind) > 0.0)
                .collect()
        })
        .collect();
    if workers.iter().all(Vec::is_empty) {
        return;
    }
    // Who could be reached, per district: unwell service users (yesterday's state) who stayed in today.
    let mut reachable: Vec<Vec<AgentIdx>> = vec![Vec::new(); scenario.districts.len()];
    for (i, (a, s)) in agents.iter().zip(states).enumerate() {
        if unwell_service_user(a, s) && venue_today[i] == NO_VENUE {
            reachable[a.district as usize].push(i as AgentIdx);
        }
    }
    let amount = p.staff_support as f32;
    for (v, workers) in workers.iter().enumerate() {
        let pool = &reachable[scenario.venues[v].district];
        if workers.is_empty() || pool.is_empty() {
            continue;
        }
        let mut rng = Stream::new(scenario.run.seed, replicate, Purpose::Outreach, day, v as u64);
        for &w in workers {
            let kind = agents[w as usize].staff_kind;
            for _ in 0..rng.count(outreach_rate(p, kind)) {
                let target = pool[rng.below(pool.len())] as usize;
                let d = &mut daily[target];
                d.informational += amount;
                if kind == StaffKind::PeerWorker {
                    d.emotional += amount;
                    d.hope_gain += p.hope_gain_lived_experience as f32;
                    d.peer_support = true;
                } else {
                    d.instrumental += amount;
                }
                daily[w as usize].gave = true;
            }
        }
    }
}
