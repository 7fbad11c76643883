//! Peer outreach (after meeting): peer workers on duty also reach out to service users of their district who are
//! struggling or in crisis and did not come in today (a home visit or a call), giving emotional and
//! informational support and, with their lived experience, hope. This is what peer-supported
//! self-management does in the CORE trial (Johnson et al. 2018): the peer worker goes to the person. Without
//! it, peer workers could only help those well enough to come to a venue, who already meet other staff.
//!
//! Sequential over venues in index order and over each venue's staff in hiring order, with one stream per
//! (day, venue), so the outcome does not depend on the thread count.

use crate::model::is_unwell;
use crate::rng::{Purpose, Stream};
use crate::scenario::Scenario;
use crate::types::{AgentIdx, Role, VenueIdx, NO_VENUE};
use crate::world::{Agent, AgentState, Daily, StaffKind};

/// Whether peer outreach is for this agent: a service user (not staff) who is struggling or in crisis.
pub fn unwell_service_user(a: &Agent, s: &AgentState) -> bool {
    a.role == Role::ServiceUser && a.staff_kind == StaffKind::None && is_unwell(s.mental)
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
    if p.peer_outreach_per_day <= 0.0 {
        return;
    }
    let on_duty = |v: usize| {
        staff[v].iter().copied().filter(move |&a| {
            agents[a as usize].staff_kind == StaffKind::PeerWorker && venue_today[a as usize] as usize == v
        })
    };
    if !(0..staff.len()).any(|v| on_duty(v).next().is_some()) {
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
    for v in 0..staff.len() {
        let workers: Vec<AgentIdx> = on_duty(v).collect();
        let pool = &reachable[scenario.venues[v].district];
        if workers.is_empty() || pool.is_empty() {
            continue;
        }
        let mut rng = Stream::new(scenario.run.seed, replicate, Purpose::Outreach, day, v as u64);
        for &w in &workers {
            let whole = p.peer_outreach_per_day.floor();
            let contacts = whole as usize + rng.chance(p.peer_outreach_per_day - whole) as usize;
            for _ in 0..contacts {
                let target = pool[rng.below(pool.len())] as usize;
                let d = &mut daily[target];
                d.emotional += amount;
                d.informational += amount;
                d.hope_gain += p.hope_gain_lived_experience as f32;
                d.peer_support = true;
                daily[w as usize].gave = true;
            }
        }
    }
}
