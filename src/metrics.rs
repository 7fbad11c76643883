//! Metrics (the last phase, on the days that end a recording period): per group, over the recording period that just ended. Levels (shares, means) are read
//! at the end of the period; flows (new crises, recoveries, rejections, ghosted contacts) are counted over
//! the period and reported per 1,000 agents per week; support is the mean received per agent per day.
//!
//! Sums run over agents in index order on one thread, so they are identical at any thread count.

use crate::metric_names::{METRICS, N_METRICS};
use crate::types::MentalState;
use crate::world::World;

/// End marker in an agent's list of group indices.
pub const NO_GROUP: u8 = u8::MAX;

/// The groups (indices into `groups`) each agent belongs to, at most 16, ended by [`NO_GROUP`].
pub fn memberships(groups: &[crate::groups::Group], agents: &[crate::world::Agent]) -> Vec<[u8; 16]> {
    assert!(groups.len() < NO_GROUP as usize, "too many groups for u8 indices");
    agents
        .iter()
        .map(|a| {
            let mut m = [NO_GROUP; 16];
            let mut k = 0;
            for (g, group) in groups.iter().enumerate() {
                if group.contains(a.role, a.district, a.income_quartile, a.diagnosis) {
                    assert!(k < 16, "an agent is in more than 16 groups");
                    m[k] = g as u8;
                    k += 1;
                }
            }
            m
        })
        .collect()
}

/// Metric values for every group, `[group][metric]` flattened.
pub fn compute(world: &World, period_days: u32) -> Vec<f64> {
    let p = &world.scenario.params;
    let n_groups = world.groups.len();
    let mut sums = vec![0.0f64; n_groups * N_METRICS];
    let mut counts = vec![0u64; n_groups];
    let strong = p.strong_tie_threshold as f32;
    let lonely = p.lonely_threshold as f32;
    for i in 0..world.agents.len() {
        let s = &world.states[i];
        let acc = &world.period[i];
        let ties = world.network.ties(i as u32);
        let isolated = !ties.iter().any(|t| t.strength > strong);
        let row: [f64; N_METRICS] = [
            s.loneliness as f64,
            (s.loneliness >= lonely) as u8 as f64,
            (s.mental == MentalState::Well) as u8 as f64,
            (s.mental == MentalState::Struggling) as u8 as f64,
            (s.mental == MentalState::Crisis) as u8 as f64,
            acc.new_crises as f64,
            acc.recoveries as f64,
            acc.emotional as f64,
            acc.instrumental as f64,
            acc.informational as f64,
            acc.attended as u8 as f64,
            ties.len() as f64,
            isolated as u8 as f64,
            s.hope as f64,
            s.shame as f64,
            acc.rejections as f64,
            acc.ghosted as f64,
        ];
        for g in world.memberships[i].iter().take_while(|g| **g != NO_GROUP).map(|g| *g as usize) {
            counts[g] += 1;
            let base = g * N_METRICS;
            for (m, v) in row.iter().enumerate() {
                sums[base + m] += v;
            }
        }
    }
    let per_week = 7.0 / period_days.max(1) as f64;
    for g in 0..n_groups {
        let n = counts[g];
        for m in 0..N_METRICS {
            let x = &mut sums[g * N_METRICS + m];
            if n == 0 {
                *x = f64::NAN;
                continue;
            }
            *x /= n as f64;
            match METRICS[m] {
                "new_crises" | "recoveries" | "rejections" | "ghosted_ties" => *x *= 1000.0 * per_week,
                "support_emotional" | "support_instrumental" | "support_informational" => {
                    *x /= period_days.max(1) as f64
                }
                _ => {}
            }
        }
    }
    sums
}
