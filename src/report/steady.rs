//! Whether a run's town was settled over the analysis window, from its saved files: levels and effects are
//! means over the window, so they describe the town only if it was at a steady state there and its venues
//! were not simply full. Two checks, on the baseline arm (the town without the events):
//!
//! - **drift**: for each key metric of everyone, service users and residents, each replicate's least-squares
//!   slope over the window's recording days; their mean times the window's length is the drift over the
//!   window, with a 95% t-interval over replicates. A metric drifts when the interval excludes zero and the
//!   drift is at least 5% of its level (and at least half a point for a share, 0.001 otherwise: more than
//!   rounding shows).
//!   With one replicate, or fewer than three recordings in the window, the drift cannot be told from noise:
//!   the run says so instead.
//! - **capacity**: a venue is full on a day when more visitors came than its capacity admits (those beyond it
//!   were turned away); one full on more than half of its open days in the window, in either arm, has its
//!   attendance set by its capacity, not by who wants to come.
//!
//! `supportsim run` prints the warnings and report.html shows them.

use super::data::Saved;
use super::honesty::trend;
use crate::groups::describe;
use crate::metric_names::{format_difference, format_level, metric_words};

/// The metrics whose drift is checked.
pub const KEY_METRICS: [&str; 6] =
    ["lonely_share", "loneliness_mean", "crisis_share", "attended_share", "ties_mean", "isolated_share"];
/// The groups whose drift is checked.
pub const KEY_GROUPS: [&str; 3] = ["all", "service_users", "residents"];
/// Drift over the window, as a share of the level, from which a metric counts as not settled.
pub const RELATIVE_DRIFT: f64 = 0.05;
/// Share of its open days on which a venue was full, above which it counts as at capacity.
pub const FULL_SHARE: f64 = 0.5;

/// A key metric that moved over the window.
#[derive(Clone, Debug, PartialEq)]
pub struct Drift {
    pub group: String,
    pub metric: String,
    /// Its mean over the window and replicates.
    pub level: f64,
    /// The drift over the window, with its 95% interval.
    pub drift: (f64, f64, f64),
}

/// A venue full on most of its open days, in an arm.
#[derive(Clone, Debug, PartialEq)]
pub struct Full {
    pub venue: String,
    pub arm: String,
    pub share: f64,
}

/// What the checks found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Steadiness {
    pub window_days: u32,
    /// Whether the run has events (then the arms are named: with and without them).
    pub what_if: bool,
    /// Why the drift could not be checked, if it could not.
    pub unchecked: Option<String>,
    pub drifting: Vec<Drift>,
    pub full: Vec<Full>,
}

/// Whether a drift over the window (mean, low, high) of a metric at `level` counts.
pub fn is_drifting(metric: &str, level: f64, drift: (f64, f64, f64)) -> bool {
    let (d, lo, hi) = drift;
    let floor = if metric.ends_with("_share") { 0.005 } else { 0.001 };
    lo.is_finite() && hi.is_finite() && (lo > 0.0 || hi < 0.0) && d.abs() >= (RELATIVE_DRIFT * level.abs()).max(floor)
}

/// The checks on a saved run.
pub fn check(saved: &Saved) -> Steadiness {
    let window = saved.window_days();
    let mut out = Steadiness { window_days: window, what_if: saved.arms.len() > 1, ..Steadiness::default() };
    let (days, _) = saved.window_values("baseline", "all", KEY_METRICS[0]);
    if saved.replicates() < 2 {
        out.unchecked = Some("one replicate gives no interval for its drift (run 2 or more)".into());
    } else if days.len() < 3 {
        out.unchecked = Some(format!("the window holds {} recordings, and a trend needs 3", days.len()));
    }
    for group in KEY_GROUPS.iter().filter(|_| out.unchecked.is_none()) {
        for metric in KEY_METRICS {
            let (days, per_rep) = saved.window_values("baseline", group, metric);
            let values: Vec<f64> = per_rep.iter().flatten().copied().filter(|v| v.is_finite()).collect();
            if values.is_empty() {
                continue;
            }
            let level = values.iter().sum::<f64>() / values.len() as f64;
            let (s, lo, hi) = trend(&days, &per_rep);
            let w = window as f64;
            let drift = (s * w, lo * w, hi * w);
            if is_drifting(metric, level, drift) {
                out.drifting.push(Drift { group: group.to_string(), metric: metric.into(), level, drift });
            }
        }
    }
    let start = saved.window_start();
    for ((arm, venue), days) in &saved.fullness {
        let (open, full_days) = days.range(start..).fold((0, 0), |(o, f), (_, (o1, f1))| (o + o1, f + f1));
        let share = full_days as f64 / open as f64;
        if open > 0 && share > FULL_SHARE {
            out.full.push(Full { venue: venue.clone(), arm: arm.clone(), share });
        }
    }
    out
}

/// "the last 26 weeks", or "the last 10 days" for a window of days that are not whole weeks.
fn window_words(days: u32) -> String {
    if days.is_multiple_of(7) {
        format!("the last {} weeks", days / 7)
    } else {
        format!("the last {days} days")
    }
}

/// A share just above one half is not shown as "50%".
fn percent(share: f64) -> String {
    if (100.0 * share).round() <= 50.0 {
        format!("{:.1}%", 100.0 * share)
    } else {
        format!("{:.0}%", 100.0 * share)
    }
}

/// The checks' findings in sentences, for the terminal and the report; none when the town was settled.
pub fn sentences(s: &Steadiness) -> Vec<String> {
    let window = window_words(s.window_days);
    let without = if s.what_if { ", without the events" } else { "" };
    let means = if s.what_if { "Levels and effects are" } else { "Levels are" };
    let mut out = Vec::new();
    if let Some(why) = &s.unchecked {
        out.push(format!("Whether the town was settled over {window} could not be checked: {why}."));
    }
    if !s.drifting.is_empty() {
        let moves: Vec<String> = s
            .drifting
            .iter()
            .map(|d| {
                let shown = |x: f64| format_difference(&d.metric, x, "points");
                format!(
                    "{}, {}: {} (95% interval {} to {}) around a mean of {}",
                    describe(&d.group),
                    metric_words(&d.metric),
                    shown(d.drift.0),
                    shown(d.drift.1),
                    shown(d.drift.2),
                    format_level(&d.metric, d.level)
                )
            })
            .collect();
        out.push(format!(
            "The town was not at a steady state over {window}{without}; it moved: {}. {means} means over those \
             weeks, so they may depend on the run's length: a longer run, its window at the end and any events \
             moved on with it, gives the town more time to settle first (docs/scenarios.md, \"A longer warm-up\").",
            moves.join("; ")
        ));
    }
    for f in &s.full {
        let arm = match (s.what_if, f.arm.as_str()) {
            (false, _) => "",
            (true, "baseline") => ", without the events",
            (true, _) => ", with the events",
        };
        out.push(format!(
            "{} was full on {} of its open days over {window}{arm}: more came than its capacity admits and were \
             turned away, so its attendance is set by its capacity, not by who wants to come.",
            f.venue,
            percent(f.share)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drift_counts_when_its_interval_excludes_zero_and_it_is_large_enough() {
        // 5% of a 40% share is 2 points; a share's floor is half a point.
        assert!(is_drifting("lonely_share", 0.40, (0.03, 0.01, 0.05)));
        assert!(!is_drifting("lonely_share", 0.40, (0.03, -0.01, 0.07)), "interval includes zero");
        assert!(!is_drifting("lonely_share", 0.40, (0.015, 0.01, 0.02)), "under 5% of the level");
        assert!(!is_drifting("isolated_share", 0.01, (0.004, 0.003, 0.005)), "under half a point");
        assert!(is_drifting("isolated_share", 0.01, (0.006, 0.005, 0.007)));
        assert!(is_drifting("ties_mean", 12.0, (-0.7, -0.9, -0.5)));
        assert!(!is_drifting("ties_mean", 12.0, (-0.5, -0.7, -0.3)));
        assert!(!is_drifting("ties_mean", 12.0, (f64::NAN, f64::NAN, f64::NAN)), "one replicate: no interval");
    }

    #[test]
    fn the_sentences_name_each_drift_and_each_full_venue_with_its_arm() {
        let s = Steadiness {
            window_days: 182,
            what_if: true,
            unchecked: None,
            drifting: vec![Drift {
                group: "residents".into(),
                metric: "ties_mean".into(),
                level: 13.2,
                drift: (-0.9, -1.1, -0.7),
            }],
            full: vec![
                Full { venue: "north_meeting_place".into(), arm: "baseline".into(), share: 0.8 },
                Full { venue: "centre_cafe".into(), arm: "scenario".into(), share: 0.502 },
            ],
        };
        let said = sentences(&s);
        assert_eq!(said.len(), 3);
        assert!(said[0].contains("over the last 26 weeks, without the events") && said[0].contains("residents"));
        assert!(said[0].contains("-0.900") && said[0].contains("around a mean of 13.200"), "{}", said[0]);
        assert!(said[0].contains("Levels and effects are means"), "{}", said[0]);
        assert!(said[1].starts_with("north_meeting_place was full on 80% of its open days"), "{}", said[1]);
        assert!(said[1].contains("weeks, without the events:"), "{}", said[1]);
        assert!(said[2].starts_with("centre_cafe was full on 50.2% of") && said[2].contains("with the events:"));
        assert!(sentences(&Steadiness::default()).is_empty());
    }

    #[test]
    fn a_town_alone_names_no_arm_and_an_unchecked_drift_is_said() {
        let s = Steadiness {
            window_days: 10,
            what_if: false,
            unchecked: Some("one replicate gives no interval for its drift (run 2 or more)".into()),
            drifting: Vec::new(),
            full: vec![Full { venue: "cafe".into(), arm: "baseline".into(), share: 1.0 }],
        };
        let said = sentences(&s);
        assert_eq!(
            said[0],
            "Whether the town was settled over the last 10 days could not be checked: one replicate gives no \
             interval for its drift (run 2 or more)."
        );
        assert!(said[1].starts_with("cafe was full on 100% of its open days over the last 10 days: more came"));
    }
}
