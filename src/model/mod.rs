//! The model's equations, in one place that both the start (`population`) and the day loop (`dynamics`)
//! use: the mental-state hazards and the stationary mix (`hazards`), the pull of a venue (`pull`), a
//! diagnosis's stigma weight, and the logs of the hazard ratios.

pub mod hazards;
pub mod pull;

use crate::types::{Diagnosis, MentalState};

/// Logs of hazard ratios, computed once per day so the per-agent step needs only `exp`.
#[derive(Clone, Copy, Debug, Default)]
pub struct LnRatios {
    pub onset_lonely: f64,
    pub onset_shame: f64,
    pub onset_giving: f64,
    pub crisis_lonely: f64,
    pub crisis_hope: f64,
    pub remission_hope: f64,
}

impl LnRatios {
    pub fn new(p: &crate::params::Params) -> Self {
        // A ratio of 0 would give ln = -inf; exp(-inf * 0) is NaN, so floor it at a tiny positive ratio.
        let ln = |x: f64| x.max(1e-12).ln();
        LnRatios {
            onset_lonely: ln(p.rr_onset_lonely),
            onset_shame: ln(p.rr_onset_shame),
            onset_giving: ln(p.rr_onset_giving),
            crisis_lonely: ln(p.rr_crisis_lonely),
            crisis_hope: ln(p.rr_crisis_hope),
            remission_hope: ln(p.rr_remission_hope),
        }
    }
}

/// Public stigma weight of a diagnosis.
#[inline]
pub fn stigma_weight(p: &crate::params::Params, d: Diagnosis) -> f32 {
    (match d {
        Diagnosis::None => 0.0,
        Diagnosis::Depression => p.stigma_weight_depression,
        Diagnosis::Anxiety => p.stigma_weight_anxiety,
        Diagnosis::Bipolar => p.stigma_weight_bipolar,
        Diagnosis::Psychosis => p.stigma_weight_psychosis,
        Diagnosis::Personality => p.stigma_weight_personality,
    }) as f32
}

/// 1 if `condition` holds, else 0: a term times `one_if(c)` is the term or nothing, without a branch, for
/// conditions that differ from agent to agent (a coin toss for the branch predictor). Exact for finite terms:
/// x · 1 = x and x · 0 = 0, and a sum that is not −0 does not change by adding 0. (`select_unpredictable` on
/// a scalar `f32` compiles to a branch on x86-64, which has no conditional move for its float registers.)
#[inline(always)]
pub fn one_if(condition: bool) -> f32 {
    condition as u8 as f32
}

/// Whether the agent is struggling or in crisis.
#[inline]
pub fn is_unwell(s: MentalState) -> bool {
    s != MentalState::Well
}
