//! What a what-if's report says first: the pre-specified headline in one sentence with head counts, whether
//! the effect had settled, a few short findings in words, and how to read them, including how many of the
//! exploratory rows one would expect to exclude zero by chance and which survive a false-discovery-rate
//! correction. Everything from the saved files, so `supportsim report` writes the same words.

use super::data::Saved;
use super::honesty::{benjamini_hochberg, p_value, still_moving, trend, FDR};
use super::words::{capitalised, headline_sentence};
use crate::groups::describe;
use crate::metric_names::{excludes_zero_as_shown, format_difference, format_level, metric_words};

/// How one row of effects.csv is marked in the report.
#[derive(Clone, Debug, PartialEq)]
pub struct RowMark {
    /// The pre-specified headline (group and metric).
    pub headline: bool,
    /// Its interval excludes zero as the report shows it.
    pub shown_reliable: bool,
    /// An exploratory row that stays a discovery after the Benjamini–Hochberg correction.
    pub discovery: bool,
}

/// The findings of a what-if.
pub struct Findings {
    pub headline: Option<String>,
    /// Said when the headline effect was still moving at the end of the run.
    pub unsettled: Option<String>,
    pub sentences: Vec<String>,
    /// The "How to read this" box, as sentences.
    pub how_to_read: Vec<String>,
    /// One per row of `saved.effects`.
    pub rows: Vec<RowMark>,
}

fn points(metric: &str, x: f64) -> String {
    format_difference(metric, x, "points")
}

/// One finding in one sentence, never contradicting itself: when it is distinguishable from no change, and
/// when that first showed.
fn finding(saved: &Saved, group: &str, metric: &str, first_event: u32) -> Option<String> {
    let e = saved.effect(group, metric)?;
    let mut s = format!(
        "{}, {}: {} → {} ({}, 95% interval {} to {})",
        capitalised(&describe(group)),
        metric_words(metric),
        format_level(metric, e.baseline_mean),
        format_level(metric, e.scenario_mean),
        points(metric, e.difference),
        points(metric, e.ci_low),
        points(metric, e.ci_high)
    );
    if excludes_zero_as_shown(e.ci_low, e.ci_high) {
        if let Some(day) = saved.time_to_effect(group, metric, first_event) {
            let weeks = day.saturating_sub(first_event).div_ceil(7);
            s.push_str(&format!("; distinguishable from no change from week {weeks} after the first event"));
        }
    } else {
        s.push_str("; not distinguishable from no change");
    }
    s.push('.');
    Some(s)
}

/// The findings of a saved what-if (none for a town alone).
pub fn findings(saved: &Saved) -> Findings {
    let (group, metric) = saved.headline();
    let n = saved.replicates();
    let first_event = saved.events().iter().map(|(d, _)| *d).min().unwrap_or(0);
    let headline = saved.effect(&group, &metric).map(|e| {
        let v = [e.difference, e.ci_low, e.ci_high, e.baseline_mean, e.scenario_mean];
        headline_sentence(None, &group, &metric, saved.group_size(&group), v)
    });
    let unsettled = saved.effect(&group, &metric).and_then(|e| {
        let (days, per_rep) = saved.window_differences(&group, &metric);
        let slope = trend(&days, &per_rep);
        let window = saved.window_days();
        still_moving(slope, window, e.difference).then(|| {
            format!(
                "The effect had not settled by the end of the run: over the last {} weeks it still moved by about \
                 {} (95% interval {} to {}), so its mean over those weeks may not be where it settles. A run with \
                 more days after the events would show where it does.",
                window / 7,
                points(&metric, slope.0 * window as f64),
                points(&metric, slope.1 * window as f64),
                points(&metric, slope.2 * window as f64)
            )
        })
    });
    let mut sentences = Vec::new();
    for m in ["crisis_share", "ties_mean"] {
        sentences.extend(finding(saved, &group, m, first_event));
    }
    if group != "service_users" {
        sentences.extend(finding(saved, "service_users", &metric, first_event));
    }
    if let (Some(q1), Some(q4)) = (saved.effect("income:q1", &metric), saved.effect("income:q4", &metric)) {
        if q1.difference.is_finite() && q4.difference.is_finite() {
            sentences.push(format!(
                "By income, {} changed by {} in the poorest quarter and by {} in the richest.",
                metric_words(&metric),
                points(&metric, q1.difference),
                points(&metric, q4.difference)
            ));
        }
    }
    // The exploratory rows: every row but the headline.
    let p: Vec<f64> = saved
        .effects
        .iter()
        .map(|e| {
            if e.group == group && e.metric == metric {
                f64::NAN
            } else {
                p_value(e.difference, e.ci_low, e.ci_high, n)
            }
        })
        .collect();
    let q = benjamini_hochberg(&p);
    let rows: Vec<RowMark> = saved
        .effects
        .iter()
        .zip(&q)
        .map(|(e, q)| RowMark {
            headline: e.group == group && e.metric == metric,
            shown_reliable: excludes_zero_as_shown(e.ci_low, e.ci_high),
            discovery: q.is_finite() && *q <= FDR,
        })
        .collect();
    let tests = p.iter().filter(|x| x.is_finite()).count();
    let excluding = rows.iter().zip(&p).filter(|(r, p)| p.is_finite() && r.shown_reliable).count();
    let discoveries = rows.iter().filter(|r| r.discovery).count();
    let how_to_read = how_to_read(saved, &group, &metric, tests, excluding, discoveries);
    Findings { headline, unsettled, sentences, how_to_read, rows }
}

fn how_to_read(
    saved: &Saved,
    group: &str,
    metric: &str,
    tests: usize,
    excluding: usize,
    discoveries: usize,
) -> Vec<String> {
    let window = saved.window_days();
    let burn_in = saved.manifest["scenario"]["run"]["burn_in_days"].as_u64().unwrap_or(0);
    vec![
        format!(
            "Each of the {} replicates runs the town twice on the same random numbers: the baseline (the town as \
             it is) and the scenario (with the events). The effect is the mean of their difference over the last \
             {} weeks of the run, with a 95% interval over the replicates.",
            saved.replicates(),
            window / 7
        ),
        "A change is called distinguishable from no change when its interval excludes zero as it is shown: \
         an interval of +0.0 to +0.3 points is not. Shares are in percent; their changes in percentage points."
            .to_string(),
        format!(
            "The headline ({} among {}) is the question the scenario asks, fixed before the run (its [analysis] \
             section; by default the service users of the district the events touch). The other {tests} rows of \
             the table are exploratory: even if the events changed nothing, about {} of them would exclude zero \
             by chance; {excluding} do. After the Benjamini–Hochberg correction for {tests} comparisons \
             (false-discovery rate {:.0}%), {discoveries} remain; the table marks them ✓.",
            metric_words(metric),
            describe(group),
            (tests as f64 * 0.05).round(),
            100.0 * FDR
        ),
        format!(
            "The first {burn_in} days are the model's warm-up, shaded in the charts: what happens there is the \
             model settling, not a finding."
        ),
        "The intervals are about the model's randomness, not about its assumptions: see the assumptions below, \
         and `supportsim oat` for how much the answer leans on them."
            .to_string(),
    ]
}
