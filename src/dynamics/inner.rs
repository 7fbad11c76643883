//! Phases 5 and 6 for one agent: inner state (loneliness, support, hope, shame, giving, money, weekly
//! habits, broken rhythm), then mental-state transitions by daily hazards. Reads the agent's state of
//! yesterday and what happened to it today; writes only its own next state and period counters.
//!
//! Hazards are a baseline rate times named ratios (`params`): a ratio `rr` with a continuous exposure x in
//! [0, 1] enters as `rr^x`; a yes/no exposure enters as `rr` when present.

use super::{is_unwell, stigma_weight, Daily, DayContext};
use crate::params::Params;
use crate::population::{Agent, AgentState, StaffKind};
use crate::rng::{Purpose, Stream};
use crate::types::{MentalState, Role, VenueIdx, NO_VENUE};

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

#[allow(clippy::too_many_arguments)]
#[inline]
pub fn step(
    ctx: &DayContext,
    p: &Params,
    i: usize,
    a: &Agent,
    s: &AgentState,
    d: &Daily,
    venue: VenueIdx,
    cost_nok: f32,
    openness: f32,
    period: &mut PeriodAcc,
) -> AgentState {
    let mut n = *s;
    let w = ctx.weekday;
    let working = a.staff_kind != StaffKind::None && venue == a.staff_venue;
    let visiting = venue != NO_VENUE && !working;

    // Loneliness moves toward today's unmet need for contact and support. Shame holds back part of what is
    // received: the ashamed agent does not share, so the same contact fills less of the need.
    let support = d.emotional + d.instrumental + d.informational;
    let taken_in = 1.0 - p.shame_loneliness as f32 * s.shame;
    let received = (d.emotional + 0.5 * (d.instrumental + d.informational) + a.work_contact) * taken_in;
    let target = (1.0 - received / a.contact_need).clamp(0.0, 1.0);
    n.loneliness = (s.loneliness + p.loneliness_rate as f32 * (target - s.loneliness)).clamp(0.0, 1.0);
    n.support_recent = s.support_recent + p.support_smoothing as f32 * (support - s.support_recent);
    let gave = d.gave && s.mental != MentalState::Crisis;
    n.giving_recent = s.giving_recent + 0.1 * ((gave as u8 as f32) - s.giving_recent);

    // Hope: vicarious hope from lived experience, the lift of giving, relaxing to baseline.
    // Gains fill part of the remaining gap to full hope, so hope does not pile up at its ceiling.
    let mut gain = d.hope_gain;
    if gave {
        gain += p.hope_gain_giving as f32;
    }
    let hope = s.hope + p.hope_relax as f32 * (a.hope_baseline - s.hope) + gain.min(1.0) * (1.0 - s.hope);
    n.hope = hope.clamp(0.0, 1.0);

    // Shame: rejections, felt public stigma of the diagnosis, rumination on social media while unwell. It
    // fades slowly, and faster on a day spent at an open venue where nobody rejected the agent.
    let accepted = if visiting && d.rejections == 0 { p.shame_relief_accepting as f32 * openness } else { 0.0 };
    let mut shame = s.shame * (1.0 - p.shame_relax as f32 - accepted).max(0.0) + d.shame_gain;
    shame += p.shame_from_stigma as f32 * stigma_weight(p, a.diagnosis) * ctx.public_stigma;
    if is_unwell(s.mental) {
        shame += p.social_media_rumination as f32 * a.social_media;
    }
    n.shame = shame.clamp(0.0, 1.0);

    // Money left this week.
    let available = ctx.money_available(a.leisure_weekly_nok, s, i);
    n.money_left_nok = if visiting { (available - cost_nok).max(0.0) } else { available };
    let money_stress = a.leisure_weekly_nok + ctx.subsidy(i) < p.money_stress_weekly_nok as f32;

    // Weekly habit for this weekday; losing a habitual venue breaks the rhythm.
    let hv = s.habit_venue[w];
    let hs = s.habit_strength[w];
    if hv != NO_VENUE && hs >= p.habit_threshold as f32 && !ctx.is_open(hv) {
        n.rhythm_broken_until = ctx.day + p.rhythm_loss_days as u32;
    }
    if d.peer_support {
        n.peer_support_until = ctx.day + 1 + p.peer_support_days as u32;
    }
    // The habit is the rhythm of going out on this weekday, and where the agent went last time.
    if visiting {
        n.habit_venue[w] = venue;
        n.habit_strength[w] = hs + p.habit_gain as f32 * (1.0 - hs);
    } else if !working {
        n.habit_strength[w] = hs * (1.0 - p.habit_decay as f32);
        if n.habit_strength[w] < 0.01 {
            n.habit_venue[w] = NO_VENUE;
            n.habit_strength[w] = 0.0;
        }
    }

    // Period counters.
    period.emotional += d.emotional;
    period.instrumental += d.instrumental;
    period.informational += d.informational;
    period.attended |= visiting;
    period.rejections += d.rejections;
    period.ghosted += d.ghosted;
    if is_unwell(s.mental) {
        n.episode_support += support;
    }

    // Mental state.
    let rhythm_broken = ctx.day < s.rhythm_broken_until.max(n.rhythm_broken_until);
    let low_support = n.support_recent < p.low_support as f32;
    let l = n.loneliness as f64;
    let hope_exposure = ((n.hope as f64 - p.hope_baseline) / (1.0 - p.hope_baseline).max(1e-9)).clamp(0.0, 1.0);
    let mut rng = Stream::new(ctx.seed, ctx.replicate, Purpose::MentalState, ctx.day, i as u64);
    let u = rng.uniform();
    let next_state = match s.mental {
        MentalState::Well => {
            let base = if a.role == Role::ServiceUser { p.onset_rate_service_user } else { p.onset_rate_resident };
            let r = &ctx.ln_rr;
            let mut h = base
                * (r.onset_lonely * l + r.onset_shame * n.shame as f64 + r.onset_giving * n.giving_recent as f64).exp();
            if low_support {
                h *= p.rr_onset_low_support;
            }
            if money_stress {
                h *= p.rr_onset_money_stress;
            }
            if rhythm_broken {
                h *= p.rr_onset_lost_rhythm;
            }
            if u < 1.0 - (-h).exp() {
                MentalState::Struggling
            } else {
                MentalState::Well
            }
        }
        MentalState::Struggling => {
            let r = &ctx.ln_rr;
            let mut h_crisis = p.crisis_rate * (r.crisis_lonely * l + r.crisis_hope * hope_exposure).exp();
            if low_support {
                h_crisis *= p.rr_crisis_low_support;
            }
            if rhythm_broken {
                h_crisis *= p.rr_crisis_lost_rhythm;
            }
            if ctx.day < n.peer_support_until {
                h_crisis *= p.rr_crisis_peer_support;
            }
            let weekly = if s.fast_episode { p.remission_fast_weekly } else { p.remission_slow_weekly };
            let severe = ((l - p.lonely_threshold) / (1.0 - p.lonely_threshold).max(1e-9)).clamp(0.0, 1.0);
            let mut h_well = weekly / 7.0 * (1.0 + (p.rr_remission_lonely - 1.0) * severe);
            h_well *= (r.remission_hope * hope_exposure).exp();
            if !low_support {
                h_well *= p.rr_remission_support;
            }
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
            let mut h = p.crisis_resolution_rate;
            if !low_support {
                h *= p.rr_remission_support;
            }
            if u < 1.0 - (-h).exp() {
                MentalState::Struggling
            } else {
                MentalState::Crisis
            }
        }
    };
    if next_state != s.mental {
        n.mental = next_state;
        n.days_in_state = 0;
        match (s.mental, next_state) {
            (MentalState::Well, MentalState::Struggling) => {
                n.episode_start = ctx.day + 1;
                n.episode_worst = MentalState::Struggling;
                n.episode_support = 0.0;
                n.fast_episode = rng.chance(p.remission_fast_share);
            }
            (_, MentalState::Crisis) => {
                n.episode_worst = MentalState::Crisis;
                period.new_crises += 1;
            }
            (_, MentalState::Well) => period.recoveries += 1,
            _ => {}
        }
    } else {
        n.days_in_state = s.days_in_state.saturating_add(1);
    }
    n
}
