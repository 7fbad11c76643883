//! The mental-state model: daily hazards of onset, crisis, remission and crisis resolution as a baseline
//! rate times named ratios (a ratio `rr` with a continuous exposure x in [0, 1] enters as `rr^x`, a yes/no
//! exposure as `rr` when present), the transition they give for a day's draw (`leave`), a bound the chance of
//! leaving a state cannot reach (`LeaveBounds`, which lets the inner state skip the hazards for most agents),
//! and the stationary mix of states the population starts from. The start (`population`) and the daily step
//! (`dynamics::inner`) use the same functions, so they cannot disagree.

use super::LnRatios;
use crate::params::Params;
use crate::types::{MentalState, Role};

/// Today's mental state of an agent in state `mental` (of the fast or slow class of episode) whose draw is
/// `u`, by the daily hazards of leaving it.
#[inline]
pub fn leave(
    p: &Params,
    r: &LnRatios,
    role: Role,
    mental: MentalState,
    fast_episode: bool,
    e: &Exposure,
    u: f64,
) -> MentalState {
    match mental {
        MentalState::Well => {
            if u < 1.0 - (-onset_hazard(p, r, role, e)).exp() {
                MentalState::Struggling
            } else {
                MentalState::Well
            }
        }
        MentalState::Struggling => {
            let (h_crisis, h_well) = struggling_hazards(p, r, fast_episode, e);
            let total = h_crisis + h_well;
            let p_any = 1.0 - (-total).exp();
            if total > 0.0 && u < p_any * h_crisis / total {
                MentalState::Crisis
            } else if u < p_any {
                MentalState::Well
            } else {
                MentalState::Struggling
            }
        }
        MentalState::Crisis => {
            if u < 1.0 - (-crisis_resolution_hazard(p, e)).exp() {
                MentalState::Struggling
            } else {
                MentalState::Crisis
            }
        }
    }
}

/// For each mental state, a number the daily chance of leaving it cannot reach, whatever the exposures
/// (each continuous one in [0, 1]), rounding included: `step` lets an agent whose draw is at or above it
/// stay without evaluating the hazards. The bound takes each ratio at its worst (a continuous exposure at 0 or
/// 1, a yes/no one present or not), uses 1 − e^−h ≤ h, and adds a margin (a millionth, and 10^−12) far above
/// the few ulps the hazards' and `exp`'s rounding can add.
#[derive(Clone, Copy, Debug)]
pub struct LeaveBounds {
    /// Well, by onset rate: residents (and every role but service users), service users.
    well: [f64; 2],
    struggling: f64,
    crisis: f64,
}

impl LeaveBounds {
    pub fn new(p: &Params, r: &LnRatios) -> Self {
        let worst = |rr: f64| rr.max(1.0);
        let worst_exp = |ln_rr: f64| ln_rr.max(0.0);
        let chance = |h: f64| h.max(0.0) * (1.0 + 1e-6) + 1e-12;
        let onset = |base: f64| {
            base * (worst_exp(r.onset_lonely) + worst_exp(r.onset_shame) + worst_exp(r.onset_giving)).exp()
                * worst(p.rr_onset_low_support)
                * worst(p.rr_onset_money_stress)
                * worst(p.rr_onset_lost_rhythm)
        };
        let crisis = p.crisis_rate
            * (worst_exp(r.crisis_lonely) + worst_exp(r.crisis_hope)).exp()
            * worst(p.rr_crisis_low_support)
            * worst(p.rr_crisis_lost_rhythm)
            * worst(p.rr_crisis_peer_support);
        let remission = p.remission_fast_weekly.max(p.remission_slow_weekly) / 7.0
            * worst(p.rr_remission_lonely)
            * worst_exp(r.remission_hope).exp()
            * worst(p.rr_remission_support);
        LeaveBounds {
            well: [chance(onset(p.onset_rate_resident)), chance(onset(p.onset_rate_service_user))],
            struggling: chance(crisis + remission),
            crisis: chance(p.crisis_resolution_rate * worst(p.rr_remission_support)),
        }
    }

    #[inline]
    pub fn get(&self, role: Role, mental: MentalState) -> f64 {
        match mental {
            MentalState::Well => self.well[(role == Role::ServiceUser) as usize],
            MentalState::Struggling => self.struggling,
            MentalState::Crisis => self.crisis,
        }
    }
}

/// No bound: every agent's hazards are evaluated (for a day context whose bounds were not computed).
impl Default for LeaveBounds {
    fn default() -> Self {
        LeaveBounds { well: [f64::INFINITY; 2], struggling: f64::INFINITY, crisis: f64::INFINITY }
    }
}

/// What the mental-state hazards of one agent read on one day.
#[derive(Clone, Copy, Debug)]
pub struct Exposure {
    pub loneliness: f64,
    pub shame: f64,
    /// Recent giving of support, in [0, 1].
    pub giving: f64,
    /// Hope above the population baseline, as a share of the way to full hope, in [0, 1].
    pub hope: f64,
    pub low_support: bool,
    pub money_stress: bool,
    pub rhythm_broken: bool,
    pub peer_supported: bool,
}

/// Hope above the population baseline, as a share of the way to full hope, in [0, 1] (`Exposure::hope`).
#[inline]
pub fn hope_exposure(p: &Params, hope: f32) -> f64 {
    ((hope as f64 - p.hope_baseline) / (1.0 - p.hope_baseline).max(1e-9)).clamp(0.0, 1.0)
}

/// Daily hazard of a new episode (well to struggling).
#[inline]
pub fn onset_hazard(p: &Params, r: &LnRatios, role: Role, e: &Exposure) -> f64 {
    let base = if role == Role::ServiceUser { p.onset_rate_service_user } else { p.onset_rate_resident };
    base * (r.onset_lonely * e.loneliness + r.onset_shame * e.shame + r.onset_giving * e.giving).exp()
        * when(e.low_support, p.rr_onset_low_support)
        * when(e.money_stress, p.rr_onset_money_stress)
        * when(e.rhythm_broken, p.rr_onset_lost_rhythm)
}

/// A yes/no exposure's ratio: `rr` when present, else 1 (multiplying by 1 is exact).
#[inline]
fn when(present: bool, rr: f64) -> f64 {
    if present {
        rr
    } else {
        1.0
    }
}

/// Daily hazards out of `struggling`: (into crisis, back to well) for an episode of the fast or slow class.
#[inline]
pub fn struggling_hazards(p: &Params, r: &LnRatios, fast_episode: bool, e: &Exposure) -> (f64, f64) {
    let h_crisis = p.crisis_rate
        * (r.crisis_lonely * e.loneliness + r.crisis_hope * e.hope).exp()
        * when(e.low_support, p.rr_crisis_low_support)
        * when(e.rhythm_broken, p.rr_crisis_lost_rhythm)
        * when(e.peer_supported, p.rr_crisis_peer_support);
    let weekly = if fast_episode { p.remission_fast_weekly } else { p.remission_slow_weekly };
    let severe = ((e.loneliness - p.lonely_threshold) / (1.0 - p.lonely_threshold).max(1e-9)).clamp(0.0, 1.0);
    let h_well = weekly / 7.0
        * (1.0 + (p.rr_remission_lonely - 1.0) * severe)
        * (r.remission_hope * e.hope).exp()
        * when(!e.low_support, p.rr_remission_support);
    (h_crisis, h_well)
}

/// Daily hazard of a crisis resolving (back to struggling).
#[inline]
pub fn crisis_resolution_hazard(p: &Params, e: &Exposure) -> f64 {
    p.crisis_resolution_rate * when(!e.low_support, p.rr_remission_support)
}

/// The long-run shares of time an agent whose exposures hold still at `e` spends in each mental state and
/// episode class: `[well, struggling (fast), struggling (slow), crisis (fast), crisis (slow)]`, summing to 1.
///
/// It is the stationary distribution of the daily chain `step` runs (an alternating renewal process): a
/// spell of health lasts 1/q days, where q is the daily onset probability; an episode of class k (share f_k of
/// new episodes) visits `struggling` (h_c + h_w)/h_w times, each visit 1/p_any days, and crisis h_c/h_w times,
/// each 1/q_r days. Episodes in progress are length-biased: the slow class, rare among new episodes, holds most
/// of the agents who are unwell at any one time. The town starts from it (`population::build`), so the mix of
/// mental states does not drift for years while slow episodes pile up.
pub fn stationary_mix(p: &Params, r: &LnRatios, role: Role, e: &Exposure) -> [f64; 5] {
    let prob = |h: f64| (1.0 - (-h.max(0.0)).exp()).max(1e-12);
    let well = 1.0 / prob(onset_hazard(p, r, role, e));
    let q_r = prob(crisis_resolution_hazard(p, e));
    let f_fast = p.remission_fast_share.clamp(0.0, 1.0);
    let class = |fast: bool, f: f64| {
        let (h_c, h_w) = struggling_hazards(p, r, fast, e);
        let h_w = h_w.max(1e-12);
        let visits = (h_c + h_w) / h_w;
        (f * visits / prob(h_c + h_w), f * (h_c / h_w) / q_r)
    };
    let (s_fast, c_fast) = class(true, f_fast);
    let (s_slow, c_slow) = class(false, 1.0 - f_fast);
    let mix = [well, s_fast, s_slow, c_fast, c_slow];
    let total: f64 = mix.iter().sum();
    mix.map(|x| x / total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A daily rate in [0, 1]: at 1, log-uniform down to 10^-16 (where the rounding of 1 − e^−h is as large as
    /// the hazard's own size), or uniform.
    fn rate() -> impl Strategy<Value = f64> {
        prop_oneof![Just(1.0), (-16.0f64..-4.0).prop_map(|x| 10f64.powf(x)), 0.0f64..=1.0]
    }

    /// An exposure in [0, 1], at its ends as often as inside: with every ratio at its worst, the hazard is then
    /// the bound's own product, bit for bit, the case with least room.
    fn share() -> impl Strategy<Value = f64> {
        prop_oneof![Just(0.0), Just(1.0), 0.0f64..=1.0]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the parameters (in their ranges) and exposures, an agent whose draw is at the bound (or
        /// above: the decisions compare the draw with a chance) stays in its state, as `step` assumes when it
        /// skips the hazards.
        #[test]
        fn nobody_leaves_a_state_at_or_above_its_bound(
            rates in prop::array::uniform6(rate()),
            ratios in prop::array::uniform14(prop_oneof![Just(0.0), Just(20.0), 0.0f64..=20.0]),
            shares in prop::array::uniform4(share()),
            flags in prop::array::uniform5(any::<bool>()),
            lonely_threshold in 0.0f64..=1.0,
            role in 0usize..4,
            mental in 0usize..3,
        ) {
            let [onset_rate_resident, onset_rate_service_user, crisis_rate, crisis_resolution_rate, fast, slow] = rates;
            let [a, b, c, d, e, f, g, h, i, j, k, l, m, n] = ratios;
            let p = Params {
                onset_rate_resident,
                onset_rate_service_user,
                crisis_rate,
                crisis_resolution_rate,
                remission_fast_weekly: fast,
                remission_slow_weekly: slow,
                rr_onset_lonely: a,
                rr_onset_low_support: b,
                rr_onset_money_stress: c,
                rr_onset_shame: d,
                rr_onset_lost_rhythm: e,
                rr_onset_giving: f,
                rr_crisis_lost_rhythm: g,
                rr_crisis_lonely: h,
                rr_crisis_low_support: i,
                rr_crisis_hope: j,
                rr_crisis_peer_support: k,
                rr_remission_lonely: l,
                rr_remission_hope: m,
                rr_remission_support: n,
                lonely_threshold,
                ..Params::default()
            };
            let r = LnRatios::new(&p);
            let bounds = LeaveBounds::new(&p, &r);
            let e = Exposure {
                loneliness: shares[0],
                shame: shares[1],
                giving: shares[2],
                hope: shares[3],
                low_support: flags[0],
                money_stress: flags[1],
                rhythm_broken: flags[2],
                peer_supported: flags[3],
            };
            let role = [Role::Resident, Role::ServiceUser, Role::Volunteer, Role::Professional][role];
            let mental = [MentalState::Well, MentalState::Struggling, MentalState::Crisis][mental];
            let u = bounds.get(role, mental);
            prop_assert_eq!(leave(&p, &r, role, mental, flags[4], &e, u), mental, "draw {} at the bound", u);
        }
    }

    /// Iterates the daily chain `step` runs, as a transition matrix over (well, struggling fast/slow, crisis
    /// fast/slow), until its distribution settles, and compares it with the closed form.
    fn settled_by_iteration(p: &Params, r: &LnRatios, role: Role, e: &Exposure) -> [f64; 5] {
        let q = 1.0 - (-onset_hazard(p, r, role, e)).exp();
        let q_r = 1.0 - (-crisis_resolution_hazard(p, e)).exp();
        let f = p.remission_fast_share;
        let mut x = [1.0, 0.0, 0.0, 0.0, 0.0];
        for _ in 0..200_000 {
            let mut y = [0.0; 5];
            y[0] += x[0] * (1.0 - q);
            y[1] += x[0] * q * f;
            y[2] += x[0] * q * (1.0 - f);
            for (s, c, fast) in [(1, 3, true), (2, 4, false)] {
                let (h_c, h_w) = struggling_hazards(p, r, fast, e);
                let p_any = 1.0 - (-(h_c + h_w)).exp();
                y[c] += x[s] * p_any * h_c / (h_c + h_w);
                y[0] += x[s] * p_any * h_w / (h_c + h_w);
                y[s] += x[s] * (1.0 - p_any);
                y[s] += x[c] * q_r;
                y[c] += x[c] * (1.0 - q_r);
            }
            x = y;
        }
        x
    }

    #[test]
    fn stationary_mix_is_the_settled_state_of_the_daily_chain() {
        let p = Params::default();
        let r = LnRatios::new(&p);
        let resident = Exposure {
            loneliness: 0.2,
            shame: 0.05,
            giving: 0.0,
            hope: 0.0,
            low_support: false,
            money_stress: false,
            rhythm_broken: false,
            peer_supported: false,
        };
        let lonely_user = Exposure { loneliness: 0.8, shame: 0.4, low_support: true, money_stress: true, ..resident };
        for (role, e) in [(Role::Resident, resident), (Role::ServiceUser, lonely_user)] {
            let mix = stationary_mix(&p, &r, role, &e);
            let settled = settled_by_iteration(&p, &r, role, &e);
            for k in 0..5 {
                assert!((mix[k] - settled[k]).abs() < 1e-6, "{role:?} state {k}: {mix:?} vs {settled:?}");
            }
            assert!((mix.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            // Length bias: the slow class, a minority of new episodes, holds most of those unwell.
            assert!(p.remission_fast_share > 0.5 && mix[2] > mix[1], "{mix:?}");
        }
    }
}
