//! The model's parameters: each defined exactly once here, with meaning, unit, valid range, default and
//! source. `supportsim params`, scenario validation and the parameter table in docs/ODD.md all read this
//! table, so they cannot drift apart. Sources are cited in full in docs/sources.md, or say "assumption".

use serde::Serialize;

/// One row of the parameter table.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub default: f64,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    pub source: &'static str,
    pub meaning: &'static str,
}

macro_rules! define_params {
    ($( $name:ident = $default:expr, $unit:expr, [$min:expr, $max:expr], $source:expr, $meaning:expr; )*) => {
        /// Resolved parameter values, one named field per row of [`PARAM_SPECS`].
        #[derive(Clone, Debug, PartialEq, Serialize)]
        pub struct Params { $( pub $name: f64, )* }

        impl Default for Params {
            fn default() -> Self { Params { $( $name: $default, )* } }
        }

        /// The parameter table, in documentation order.
        pub const PARAM_SPECS: &[ParamSpec] = &[ $( ParamSpec {
            name: stringify!($name), default: $default, unit: $unit, min: $min, max: $max,
            source: $source, meaning: $meaning,
        }, )* ];

        impl Params {
            /// Sets a parameter by name; false when no parameter has that name.
            pub fn set(&mut self, name: &str, value: f64) -> bool {
                match name { $( stringify!($name) => { self.$name = value; true } )* _ => false }
            }

            /// Reads a parameter by name.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name { $( stringify!($name) => Some(self.$name), )* _ => None }
            }

            /// Every parameter as `f32`, the precision the day loop computes in (`self.x as f32`, field by
            /// field).
            pub fn to_f32(&self) -> ParamsF32 {
                ParamsF32 { $( $name: self.$name as f32, )* }
            }
        }

        /// The parameters as `f32` ([`Params::to_f32`]): a phase converts them once for a chunk of agents
        /// rather than once per agent, with the same values, so the same results.
        #[derive(Clone, Copy, Debug)]
        pub struct ParamsF32 { $( pub $name: f32, )* }
    };
}

const ASSUMPTION: &str = "assumption";

define_params! {
    // --- Thresholds used by metrics and mechanisms ---
    lonely_threshold = 0.35, "score", [0.0, 1.0], "calibrated (calibration/targets.toml) to SSB 2021 (11% much bothered by loneliness) and Badcock et al. 2015",
        "Loneliness score at or above which an agent counts as lonely (`lonely_share`).";
    strong_tie_threshold = 0.35, "strength", [0.0, 1.0], ASSUMPTION,
        "Tie strength above which a tie counts as strong; an agent with none is isolated (`isolated_share`).";
    tie_floor = 0.04, "strength", [0.0, 0.5], ASSUMPTION,
        "Ties weaker than this are dropped.";
    max_ties = 15.0, "ties", [1.0, 60.0], "assumption (inner-circle size)",
        "Most ties an agent keeps; when a new tie forms the weakest goes first (whole number).";

    // --- Population ---
    income_median_weekly_nok = 9000.0, "NOK/week", [100.0, 100000.0], "assumption (order of SSB median household income after tax)",
        "Median weekly income of residents, volunteers and professionals.";
    income_sigma = 0.55, "log-sd", [0.0, 2.0], ASSUMPTION,
        "Spread (log-normal sigma) of resident income.";
    benefit_weekly_nok = 4200.0, "NOK/week", [100.0, 100000.0], "assumption (the study: all service users lived on welfare benefits)",
        "Median weekly income of service users, who live on benefits.";
    benefit_sigma = 0.15, "log-sd", [0.0, 2.0], ASSUMPTION,
        "Spread (log-normal sigma) of benefit income.";
    leisure_share = 0.08, "share", [0.0, 1.0], "calibrated (calibration/targets.toml) to SSB 2023: 11.2% of the lowest vs 1.1% of the highest income quartile cannot afford a regular leisure activity",
        "Median share of weekly income available to spend on venue visits (reset each Monday).";
    leisure_sigma = 1.2, "log-sd", [0.0, 3.0],
        "calibrated (calibration/targets.toml) to SSB 2023 (see leisure_share)",
        "Spread between people of the share of income left for leisure (rent, debt, household size): each agent's share is `leisure_share` times a log-normal factor with this log-sd and median 1. Without it no one in the top quartile could ever be short of money.";
    money_stress_weekly_nok = 220.0, "NOK/week", [0.0, 100000.0], ASSUMPTION,
        "Weekly leisure money below which an agent lives with money stress.";
    resident_depression_share = 0.05, "share", [0.0, 1.0], ASSUMPTION,
        "Share of residents with a depression diagnosis (no case decision).";
    resident_anxiety_share = 0.05, "share", [0.0, 1.0], ASSUMPTION,
        "Share of residents with an anxiety diagnosis (no case decision).";
    stigma_attitude_resident = 0.3, "score", [0.0, 1.0], ASSUMPTION,
        "Mean stigma attitude of residents (how much they reject stigmatised others).";
    stigma_attitude_service_user = 0.1, "score", [0.0, 1.0], ASSUMPTION,
        "Mean stigma attitude of service users and staff.";
    social_media_mean = 0.5, "score", [0.0, 1.0], ASSUMPTION,
        "Mean social media use.";
    contact_need_mean = 1.4, "contact units/day", [0.01, 20.0], ASSUMPTION,
        "Mean daily contact and support an agent needs not to feel lonely (individual needs vary around it).";

    // --- Initial network ---
    kin_ties_resident = 4.0, "ties", [0.0, 60.0], ASSUMPTION,
        "Mean number of kin ties of a resident at start.";
    friend_ties_resident = 8.0, "ties", [0.0, 60.0], "assumption, set by hand so residents' networks start near their size after the burn-in (docs/validation.md)",
        "Mean number of old-friend ties of a resident at start.";
    kin_ties_service_user = 3.0, "ties", [0.0, 60.0], "Palumbo et al. 2015: networks in psychosis ~11.7 people, 43% family",
        "Mean number of kin ties of a service user at start.";
    friend_ties_service_user = 2.0, "ties", [0.0, 60.0], "Palumbo et al. 2015: ~3.4 friends",
        "Mean number of old-friend ties of a service user at start.";
    venue_ties_service_user = 24.0, "ties", [0.0, 60.0],
        "assumption, set by hand so service users' venue ties start near their long-run number and networks match Palumbo et al. 2015 (about 11.7 people in psychosis; monitored in calibration/targets.toml)",
        "Mean number of venue ties a service user draws at start (tie kind `venue`: people known from a venue the agent is drawn to, formed before the run), filling only the slots of `max_ties` that kin and friends left free. Seeds the network near the state the venue dynamics keep it in, so the burn-in need not grow it from nothing.";
    venue_ties_resident = 20.0, "ties", [0.0, 60.0],
        "assumption, set by hand so residents' venue ties and loneliness hold still from the start (docs/validation.md §1)",
        "Mean number of venue ties a resident (or staff member) draws at start, as `venue_ties_service_user`. Large enough that most residents who go out start with the full tie list the dynamics keep them at; without these ties residents' venue ties would take about five years to build up, and their loneliness would fall with them.";
    p_friend_same_district = 0.8, "probability", [0.0, 1.0], ASSUMPTION,
        "Chance that an old friend lives in the same district.";
    work_contact_resident = 0.5, "contact units/day", [0.0, 10.0], "assumption (residents have daily contact at work or at home)",
        "Daily contact outside venues for residents, volunteers and professionals.";
    work_contact_service_user = 0.0375, "contact units/day", [0.0, 10.0], "calibrated (calibration/targets.toml) to Badcock et al. 2015 (about 80% lonely in psychosis)",
        "Daily contact outside venues for service users.";

    // --- Going out ---
    p_go_out_resident = 0.08, "probability/day", [0.0, 1.0], ASSUMPTION,
        "Baseline daily chance that a resident visits a venue.";
    p_go_out_service_user = 0.12, "probability/day", [0.0, 1.0], ASSUMPTION,
        "Baseline daily chance that a service user visits a venue.";
    habit_pull = 0.4, "share", [0.0, 1.0], "assumption (the study: weekly rhythm)",
        "How far a full-strength weekly habit raises the chance of going out on that weekday.";
    withdraw_struggling = 0.6, "factor", [0.0, 1.0], "assumption (the study: isolation as a strategy not to be a burden)",
        "Multiplier on going out while struggling.";
    withdraw_crisis = 0.25, "factor", [0.0, 1.0], ASSUMPTION,
        "Multiplier on going out while in crisis.";
    shame_withdrawal = 0.6, "share", [0.0, 1.0], ASSUMPTION,
        "How far full shame lowers going out.";
    ritual_pull = 0.6, "share", [0.0, 5.0], "assumption (the study: shared meals and the Friday quiz draw people)",
        "Relative rise in going out, and in a venue's pull, on a ritual day.";
    friend_pull = 0.4, "per friend", [0.0, 5.0], ASSUMPTION,
        "Relative rise in a venue's pull per friend who habitually goes there that weekday.";
    other_district_weight = 0.1, "factor", [0.0, 1.0], ASSUMPTION,
        "Pull of a venue in another district relative to one in the own district.";

    // --- Meeting at venues ---
    meetings_per_visit = 3.0, "meetings", [0.0, 50.0], ASSUMPTION,
        "Others an attendee meets per visit.";
    meal_meeting_multiplier = 2.0, "factor", [1.0, 10.0], "assumption (the study: shared meals)",
        "Multiplier on meetings per visit at a meal.";
    p_tie_form = 0.05, "probability", [0.0, 1.0], "assumption (the study: stable environments)",
        "Chance that a meeting of strangers forms a tie, times the venue's stability.";
    ritual_tie_multiplier = 2.0, "factor", [1.0, 10.0], "assumption (the study: healing rituals build relationships)",
        "Multiplier on tie formation and strengthening at a ritual (meal, quiz).";
    tie_initial_strength = 0.15, "strength", [0.0, 1.0], ASSUMPTION,
        "Strength of a newly formed tie.";
    tie_gain_meeting = 0.06, "strength", [0.0, 1.0], "assumption (the study: relationships over time)",
        "Strength gained (times venue stability, times the remaining gap to 1) when tied agents meet at a venue.";
    rejection_scale = 1.5, "factor", [0.0, 10.0], ASSUMPTION,
        "Scale of the chance that a stranger rejects contact: scale x stigma attitude x diagnosis stigma x (1 - openness).";
    shame_per_rejection = 0.15, "score", [0.0, 1.0], "assumption (the study: shame and stigma)",
        "Shame added by one rejection.";
    staff_contacts_per_day = 8.0, "attendees", [0.0, 100.0], ASSUMPTION,
        "Attendees one active staff member supports per open day.";
    staff_support = 0.6, "support units", [0.0, 10.0], ASSUMPTION,
        "Support one staff contact gives (professionals: informational and instrumental; volunteers: emotional and informational), times venue stability.";
    peer_outreach_per_day = 2.0, "people/day", [0.0, 50.0],
        "assumption (a peer worker's caseload; the trial's dose is set per person, see docs/validation.md)",
        "Service users who are struggling or in crisis and stayed in that one peer worker on duty reaches out to per day (a visit or a call): support (`staff_support` emotional and informational) and vicarious hope.";
    professional_followups_per_day = 1.0, "people/day", [0.0, 50.0],
        "assumption (the study: professionals' practical help and coordination; follow-up in case management)",
        "Service users who are struggling or in crisis and stayed in that one professional on duty follows up per day (a visit or a call): `staff_support` instrumental and informational support.";
    staff_welcomes_per_day = 2.0, "newcomers/day", [0.0, 50.0],
        "assumption (the study: staff who welcome newcomers and bridge them into the group)",
        "Newcomers (visitors whose habit for the weekday is not this venue) one staff member on duty welcomes per day and introduces to a regular: the two meet without the risk of a rejection and may form a tie.";
    welcome_habit_gain = 0.2, "share", [0.0, 1.0],
        "assumption (the study: staff who welcome newcomers; a welcome makes people come back)",
        "Share of the remaining gap to a full weekday habit that a welcomed newcomer gains on top of the visit's own `habit_gain`.";
    professional_continuity = 0.15, "share", [0.0, 0.9],
        "assumption (the study: professionals give continuity, a place's stayer-ability)",
        "Share of a venue's instability (1 - stability) each professional on its rota beyond its configured professionals takes away; each one short of them adds it back (instability at most 1).";
    hope_gain_lived_experience = 0.00666, "score", [0.0, 1.0], "calibrated (calibration/peer_support.toml) to peer support's effect on personal recovery, SMD about 0.2",
        "Share of the gap to full hope gained from contact with a well peer, volunteer or worker with lived experience.";
    meeting_support = 0.3, "support units", [0.0, 10.0], ASSUMPTION,
        "Emotional support two attendees exchange when they meet.";

    // --- Diagnosis stigma ---
    stigma_weight_depression = 0.3, "weight", [0.0, 1.0], "Schomerus et al. 2022; Pescosolido et al. 2021 (lower, falling)",
        "Public stigma of depression.";
    stigma_weight_anxiety = 0.25, "weight", [0.0, 1.0], ASSUMPTION,
        "Public stigma of anxiety.";
    stigma_weight_bipolar = 0.55, "weight", [0.0, 1.0], ASSUMPTION,
        "Public stigma of bipolar disorder.";
    stigma_weight_psychosis = 0.9, "weight", [0.0, 1.0], "Schomerus et al. 2022; Pescosolido et al. 2021 (higher, rising)",
        "Public stigma of psychosis.";
    stigma_weight_personality = 0.8, "weight", [0.0, 1.0], "assumption (the study: personality disorders among stigmatised diagnoses)",
        "Public stigma of personality disorder.";
    shame_from_stigma = 0.0098, "score/day", [0.0, 1.0], "calibrated (calibration/targets.toml) to Badcock et al. 2015 (about 80% lonely in psychosis); the study: shame every day",
        "Daily shame from felt public stigma, times the diagnosis's stigma weight and the mean stigma attitude.";
    campaign_persistence = 0.3, "share", [0.0, 1.0], ASSUMPTION,
        "Share of an anti-stigma campaign's effect that lasts after it ends.";

    // --- Contact and support along ties ---
    contact_rate_kin = 0.35, "probability/day", [0.0, 1.0], ASSUMPTION,
        "Daily chance of remote contact along a full-strength kin tie.";
    contact_rate_friend = 0.25, "probability/day", [0.0, 1.0], ASSUMPTION,
        "Daily chance of remote contact along a full-strength friendship.";
    remote_support_factor = 0.5, "factor", [0.0, 1.0], ASSUMPTION,
        "Support in a remote contact relative to meeting in person.";
    individualism = 0.5, "score", [0.0, 1.0], "assumption (the study: the age of individualism)",
        "Population-wide individualism.";
    individualism_outreach_effect = 0.4, "share", [0.0, 1.0], ASSUMPTION,
        "How far full individualism lowers outreach along ties.";
    ghosting_struggling = 0.6, "factor", [0.0, 1.0], "assumption (the study: 'ghosting')",
        "Multiplier on friends' outreach to an agent who is struggling (friends with lived experience exempt).";
    ghosting_crisis = 0.35, "factor", [0.0, 1.0], "assumption (the study: 'ghosting')",
        "Multiplier on friends' outreach to an agent in crisis (friends with lived experience exempt).";
    withdraw_outreach = 0.6, "factor", [0.0, 1.0], "assumption (the study: isolation to avoid being a burden)",
        "Multiplier on an agent's own outreach while struggling or in crisis.";
    social_media_contact_boost = 0.8, "share", [0.0, 5.0], ASSUMPTION,
        "Relative rise in remote contact at full social media use of both ends.";
    social_media_rumination = 0.004, "score/day", [0.0, 1.0], "assumption (the study: social media raises rumination and shame when struggling)",
        "Daily shame from social media at full use while struggling or in crisis.";
    hope_gain_giving = 0.01, "score", [0.0, 1.0], "assumption (the study: mutual support, able to give)",
        "Share of the gap to full hope gained on a day an agent (not in crisis) gives support.";
    rr_onset_giving = 0.8, "ratio", [0.0, 5.0], "assumption (the study: mutual support)",
        "Hazard ratio of onset for an agent who gave support recently (exposure = recent giving, 0..1).";

    // --- Inner state ---
    loneliness_rate = 0.05, "1/day", [0.0, 1.0], ASSUMPTION,
        "Speed at which loneliness moves toward the day's unmet need.";
    hope_baseline = 0.4, "score", [0.0, 1.0], ASSUMPTION,
        "Mean of the level each agent's hope relaxes to.";
    hope_baseline_concentration = 8.0, "beta concentration", [1.0, 1000.0],
        "assumption (people differ in their baseline hope; personal-recovery scales have wide spread)",
        "How tightly agents' own hope baselines cluster around `hope_baseline` (a beta distribution with this concentration: 8 gives a standard deviation of about 0.16).";
    hope_relax = 0.02, "1/day", [0.0, 1.0], ASSUMPTION,
        "Speed at which hope relaxes.";
    shame_relax = 0.01, "1/day", [0.0, 1.0], ASSUMPTION,
        "Speed at which shame fades.";
    shame_relief_accepting = 0.2, "share", [0.0, 1.0], "assumption (the study: room for diversity, places where one is not the diagnosis)",
        "Share of its shame an agent sheds on a day it visits a venue and nobody there rejects it, times the venue's openness.";
    shame_loneliness = 1.0, "share", [0.0, 1.0], "calibrated (calibration/targets.toml) to Badcock et al. 2015 (about 80% lonely in psychosis); the mechanism is an assumption (the study: shame as a barrier to support)",
        "Share of the contact and support received that an agent at full shame does not take in (holding back, not sharing).";
    support_smoothing = 0.1, "1/day", [0.0, 1.0], ASSUMPTION,
        "Weight of today in the running mean of support received.";
    low_support = 0.5, "support units/day", [0.0, 20.0], ASSUMPTION,
        "Running mean of support below which an agent lacks support.";
    habit_gain = 0.2, "share", [0.0, 1.0], ASSUMPTION,
        "Share of the remaining gap the weekday habit (the rhythm of going out that weekday) gains per week the agent goes out.";
    habit_decay = 0.25, "share", [0.0, 1.0], ASSUMPTION,
        "Share of the weekday habit lost per week the agent stays in on that weekday.";
    habit_threshold = 0.4, "strength", [0.0, 1.0], ASSUMPTION,
        "Habit strength at which losing the venue breaks the agent's rhythm.";
    rhythm_loss_days = 56.0, "days", [0.0, 3650.0], "assumption (the study: social rhythm; Goddard, Burns & Catty 2004)",
        "How long a broken rhythm raises the hazards.";

    // --- Mental state hazards ---
    onset_rate_resident = 0.000242, "1/day", [0.0, 1.0], "calibrated (calibration/targets.toml) to McManus et al. 2016 (APMS 2014: 17% of adults with a common mental disorder)",
        "Baseline daily hazard of well -> struggling for residents and staff.";
    onset_rate_service_user = 0.006, "1/day", [0.0, 1.0], ASSUMPTION,
        "Baseline daily hazard of well -> struggling for service users.";
    crisis_rate = 0.006, "1/day", [0.0, 1.0], ASSUMPTION,
        "Baseline daily hazard of struggling -> crisis.";
    crisis_resolution_rate = 0.05, "1/day", [0.0, 1.0], ASSUMPTION,
        "Baseline daily hazard of crisis -> struggling.";
    remission_fast_weekly = 0.0776, "1/week", [0.0, 1.0], "calibrated (calibration/targets.toml) to Spijker et al. 2002 (two-class fit)",
        "Weekly remission hazard of the fast class of episodes.";
    remission_slow_weekly = 0.004, "1/week", [0.0, 1.0], "Spijker et al. 2002 (two-class fit)",
        "Weekly remission hazard of the slow class of episodes.";
    remission_fast_share = 0.688, "share", [0.0, 1.0], "calibrated (calibration/targets.toml) to Spijker et al. 2002 (two-class fit)",
        "Share of episodes in the fast class.";
    rr_onset_lonely = 2.6, "ratio", [0.0, 20.0], "Teo et al. 2013: poor relationship quality OR 2.60",
        "Onset hazard ratio at full loneliness (exposure = loneliness).";
    rr_onset_low_support = 1.18, "ratio", [0.0, 20.0], "calibrated (calibration/targets.toml) so a virtual cohort shows Teo et al. 2013's OR 1.79 for lack of support (the observed OR also carries loneliness)",
        "Onset hazard ratio while support is low.";
    rr_onset_money_stress = 1.5, "ratio", [0.0, 20.0], ASSUMPTION,
        "Onset hazard ratio under money stress.";
    rr_onset_shame = 1.5, "ratio", [0.0, 20.0], ASSUMPTION,
        "Onset hazard ratio at full shame (exposure = shame).";
    rr_onset_lost_rhythm = 1.5, "ratio", [0.0, 20.0], "assumption (the study: social rhythm)",
        "Onset hazard ratio while the weekly rhythm is broken.";
    rr_crisis_lost_rhythm = 2.0, "ratio", [0.0, 20.0], "assumption (the study: social rhythm)",
        "Crisis hazard ratio while the weekly rhythm is broken.";
    rr_crisis_lonely = 2.0, "ratio", [0.0, 20.0], ASSUMPTION,
        "Crisis hazard ratio at full loneliness (exposure = loneliness).";
    rr_crisis_low_support = 1.79, "ratio", [0.0, 20.0], "assumption, by analogy with Teo et al. 2013",
        "Crisis hazard ratio while support is low.";
    rr_crisis_hope = 0.7, "ratio", [0.0, 20.0], "assumption (hope protects against crisis)",
        "Crisis hazard ratio at full hope above baseline.";
    rr_crisis_peer_support = 0.475, "ratio", [0.0, 20.0],
        "calibrated (calibration/peer_support.toml: CORE trial, Johnson et al. 2018, readmission 29% vs 38%)",
        "Crisis hazard ratio while a peer worker's support is recent (within `peer_support_days`): peer-supported self-management, such as a crisis plan made with someone who has been there.";
    peer_support_days = 28.0, "days", [0.0, 3650.0], "assumption (CORE: sessions over about 4 months)",
        "How long after a contact with a peer worker its protection against crisis lasts.";
    rr_remission_lonely = 0.25, "ratio", [0.0, 20.0], "Holvast et al. 2015: very severe loneliness and remission OR 0.25",
        "Remission hazard ratio at full loneliness, rising linearly from the lonely threshold.";
    rr_remission_hope = 1.5, "ratio", [0.0, 20.0], "assumption (peer support, personal recovery SMD ~0.2)",
        "Remission hazard ratio at full hope above baseline.";
    rr_remission_support = 1.3, "ratio", [0.0, 20.0], ASSUMPTION,
        "Remission hazard ratio while support is not low.";

    // --- Tie decay ---
    tie_decay_yearly = 0.15, "share/year", [0.0, 1.0], "Roberts & Dunbar 2015: closeness falls ~15% a year without contact",
        "Yearly loss of strength of a mature friendship without face-to-face contact.";
    kin_decay_factor = 0.2, "factor", [0.0, 1.0], "assumption (kin ties decay far more slowly than friendships)",
        "Decay of kin ties relative to friendships.";
    new_tie_decay_multiplier = 15.0, "factor", [1.0, 100.0], "assumption (the study: relationships over time)",
        "Decay multiplier of a brand-new tie; it fades toward 1 as the tie matures.";
    tie_maturity_days = 90.0, "days", [1.0, 3650.0], ASSUMPTION,
        "Age scale over which a new tie becomes mature.";
    ghost_decay_multiplier = 3.0, "factor", [1.0, 100.0], "assumption (the study: friends pull away)",
        "Decay multiplier of a tie to a struggling or crisis agent, unless the other has lived experience.";
    social_media_decay_reduction = 0.5, "share", [0.0, 1.0], "assumption (the study: social media keeps weak ties alive)",
        "How far full social media use of both ends slows the decay of an unused tie.";
    tie_turnover_yearly = 0.16, "share/year", [0.0, 1.0],
        "assumption, of the order of Mollenhorst, Volker & Flap 2014 (about 30% of personal network members remain after 7 years)",
        "Yearly chance that a friendship or venue tie ends for reasons outside the model (a move, a new job, a life change), whatever its strength; kin ties do not turn over. Without it, ties that stay in contact never end and networks fill up to `max_ties`.";
    friend_renewal = 1.0, "share", [0.0, 1.0],
        "assumption (ties formed outside the venues; people make new friends as they lose old ones)",
        "Share of the friendships from outside the venues that turnover ends which are replaced by a new one made outside the venues (work, neighbours, friends of friends); 0 lets the friendships the town starts with die out over the years. Friendships lost to decay (friends who pull away) are not replaced.";
    tie_gain_contact = 0.01, "strength", [0.0, 1.0], ASSUMPTION,
        "Strength gained (times the remaining gap) per in-person contact along a tie; remote contact gains a quarter.";

    // --- Support layers along ties (emotional / instrumental / informational per contact at full strength) ---
    layer_kin_emotional = 0.8, "support units", [0.0, 10.0], "assumption (the study: strong ties give instrumental support)",
        "Emotional support per in-person contact along a full-strength kin tie.";
    layer_kin_instrumental = 0.8, "support units", [0.0, 10.0], "assumption (the study: strong ties give instrumental support)",
        "Instrumental support per in-person contact along a full-strength kin tie.";
    layer_kin_informational = 0.2, "support units", [0.0, 10.0], ASSUMPTION,
        "Informational support per in-person contact along a full-strength kin tie.";
    layer_friend_emotional = 1.0, "support units", [0.0, 10.0], "assumption (the study: friends give mostly emotional support)",
        "Emotional support per in-person contact along a full-strength friendship (old or venue-made).";
    layer_friend_instrumental = 0.25, "support units", [0.0, 10.0], ASSUMPTION,
        "Instrumental support per in-person contact along a full-strength friendship.";
    layer_friend_informational = 0.25, "support units", [0.0, 10.0], ASSUMPTION,
        "Informational support per in-person contact along a full-strength friendship.";
    layer_lived_experience_informational = 0.3, "support units", [0.0, 10.0], "assumption (the study: lived experience, being understood)",
        "Extra informational support when the giver has lived experience.";
    give_capacity_struggling = 0.6, "factor", [0.0, 1.0], ASSUMPTION,
        "Support a struggling agent can give, relative to a well one.";
    give_capacity_crisis = 0.2, "factor", [0.0, 1.0], ASSUMPTION,
        "Support an agent in crisis can give, relative to a well one.";

    // --- Venue pull by kind ---
    resident_public_venue_pull = 0.05, "factor", [0.0, 10.0], "assumption (the study: meeting places serve people with mental-health challenges)",
        "Pull of meeting places and peer cafés for residents, relative to commercial venues.";
    service_venue_pull = 0.5, "factor", [0.0, 10.0], "assumption (services are appointment-based, less of a social place)",
        "Pull of service venues for service users, relative to meeting places and peer cafés.";
    service_user_commercial_pull = 0.4, "factor", [0.0, 10.0], "assumption (the study: economic barriers)",
        "Pull of commercial venues for service users, relative to meeting places, peer cafés and services.";

    // --- Services and budgets ---
    ritual_budget_threshold = 0.6, "share", [0.0, 1.0], "assumption (the study: cuts hit activities first)",
        "Staffing (service level plus hired staff as a share of the configured ones, at most 1) below which a venue drops its rituals, unless volunteers keep them running (`ritual_volunteers`).";
    ritual_volunteers = 3.0, "volunteers", [1.0, 100.0], "assumption (the study: volunteers keep the shared meal and the quiz going)",
        "Volunteers on its rota who keep a venue's rituals running when its staffing is below `ritual_budget_threshold`.";
}

impl Params {
    /// Maximum ties as a whole number.
    pub fn max_ties_usize(&self) -> usize {
        self.max_ties.round().max(1.0) as usize
    }
}

/// Parameters that must be whole numbers.
pub const INTEGER_PARAMS: &[&str] = &["max_ties"];

/// The parameter table as Markdown, for `supportsim params --markdown` and docs/ODD.md.
pub fn markdown_table() -> String {
    let mut s = String::from("| name | default | unit | range | source | meaning |\n|---|---|---|---|---|---|\n");
    for p in PARAM_SPECS {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} – {} | {} | {} |\n",
            p.name, p.default, p.unit, p.min, p.max, p.source, p.meaning
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_lie_in_their_ranges_and_names_are_unique() {
        let d = Params::default();
        let mut names = std::collections::BTreeSet::new();
        for p in PARAM_SPECS {
            assert!(names.insert(p.name), "duplicate {}", p.name);
            assert!(p.min <= p.default && p.default <= p.max, "{} default outside range", p.name);
            assert_eq!(d.get(p.name), Some(p.default));
            assert!(!p.source.is_empty() && !p.meaning.is_empty());
        }
    }

    #[test]
    fn set_and_get_round_trip() {
        let mut p = Params::default();
        assert!(p.set("individualism", 0.9));
        assert_eq!(p.individualism, 0.9);
        assert!(!p.set("no_such_parameter", 1.0));
    }
}
