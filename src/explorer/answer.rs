//! An answer as the page shows it: the headline in one sentence with head counts, the effects by group in
//! words, the town's levels by district, attendance per venue. Numbers come from the assembled experiment,
//! the same `effects.csv` holds; the page only formats them.

use crate::experiment::Experiment;
use crate::groups::describe;
use crate::metric_names::{excludes_zero_as_shown, format_difference, format_level, metric_words, METRICS};
use crate::report::words::headline_sentence;
use serde_json::{json, Value as Json};

/// The metrics the page's tables show, in order.
pub const SHOWN_METRICS: [&str; 9] = [
    "lonely_share",
    "crisis_share",
    "struggling_share",
    "attended_share",
    "isolated_share",
    "ties_mean",
    "loneliness_mean",
    "hope_mean",
    "new_crises",
];

/// The levels of the town (the baseline arm) by district: everyone's and service users' lonely, crisis and
/// attendance shares, each a mean over replicates with its 95% interval.
fn levels(exp: &Experiment) -> Vec<Json> {
    let mut out = Vec::new();
    for d in exp.scenario.district_names() {
        for group in [format!("district:{d}"), format!("district:{d}/service_users")] {
            let Some(g) = exp.group_names.iter().position(|x| *x == group) else { continue };
            let cells: Vec<Json> = ["lonely_share", "crisis_share", "attended_share"]
                .iter()
                .map(|metric| {
                    let m = METRICS.iter().position(|x| x == metric).unwrap_or(0);
                    let (mean, lo, hi) = exp.level(0, g, m);
                    json!({"metric": metric, "mean": mean, "low": lo, "high": hi, "text": format_level(metric, mean)})
                })
                .collect();
            out.push(json!({"district": d, "group": group, "words": describe(&group), "levels": cells}));
        }
    }
    out
}

/// Visits per week at each venue over the window, per arm (mean over replicates).
fn venues(exp: &Experiment) -> Vec<Json> {
    let from = exp.scenario.run.days.saturating_sub(exp.scenario.analysis.window_days);
    let weeks_per_record = exp.scenario.run.record_every_days as f64 / 7.0;
    exp.scenario
        .venues
        .iter()
        .enumerate()
        .map(|(v, venue)| {
            let per_arm: Vec<f64> = exp
                .arms
                .iter()
                .map(|arm| {
                    let (mut sum, mut n) = (0.0, 0.0);
                    for run in &arm.runs {
                        for (rec, day) in run.record_days.iter().enumerate() {
                            if *day > from {
                                sum += run.venue_rows[rec][v].visits as f64 / weeks_per_record;
                                n += 1.0;
                            }
                        }
                    }
                    if n > 0.0 {
                        sum / n
                    } else {
                        f64::NAN
                    }
                })
                .collect();
            json!({
                "name": venue.name,
                "district": exp.scenario.districts[venue.district].name,
                "baseline": per_arm[0],
                "scenario": per_arm.get(1),
            })
        })
        .collect()
}

/// The answer the page shows, from a finished question.
pub fn answer_json(exp: &Experiment, title: &str) -> Json {
    let s = &exp.scenario;
    let mut out = json!({
        "title": title,
        "name": s.name,
        "replicates": s.run.replicates,
        "seed": s.run.seed,
        "days": s.run.days,
        "window_days": s.analysis.window_days,
        "levels": levels(exp),
        "venues": venues(exp),
        "seconds": exp.wall_seconds,
    });
    let Some(effects) = &exp.effects else { return out };
    let (group, metric) = s.headline();
    let people = exp.people_in(&group);
    if let Some(e) = effects.iter().find(|e| e.group == group && e.metric == metric) {
        let v = [e.difference, e.ci_low, e.ci_high, e.baseline_mean, e.scenario_mean];
        out["headline"] = json!({
            "group": group,
            "words": describe(&group),
            "metric": metric,
            "metric_words": metric_words(&metric),
            "people": people,
            "difference": e.difference, "low": e.ci_low, "high": e.ci_high,
            "baseline": e.baseline_mean, "scenario": e.scenario_mean,
            "sentence": headline_sentence(Some(title), &group, &metric, people, v),
        });
    }
    let rows: Vec<Json> = effects
        .iter()
        .filter(|e| SHOWN_METRICS.contains(&e.metric))
        .map(|e| {
            json!({
                "group": e.group,
                "words": describe(&e.group),
                "metric": e.metric,
                "metric_words": metric_words(e.metric),
                "baseline": format_level(e.metric, e.baseline_mean),
                "scenario": format_level(e.metric, e.scenario_mean),
                "difference": format_difference(e.metric, e.difference, "pp"),
                "interval": format!(
                    "{} to {}",
                    format_difference(e.metric, e.ci_low, "pp"),
                    format_difference(e.metric, e.ci_high, "pp")
                ),
                "reliable": excludes_zero_as_shown(e.ci_low, e.ci_high),
                "value": e.difference, "low": e.ci_low, "high": e.ci_high,
            })
        })
        .collect();
    out["effects"] = Json::Array(rows);
    out
}
