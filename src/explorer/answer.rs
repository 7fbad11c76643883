//! An answer as the page shows it: the headline in one sentence with head counts, the effects by group in
//! words, the town's levels by district, attendance per venue. Numbers come from the assembled experiment,
//! the same `effects.csv` holds; the page only formats them.

use crate::experiment::{mean_ci, window_mean, Experiment};
use crate::groups::describe;
use crate::metric_names::{format_difference, format_level, METRICS, METRIC_DOCS};
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

/// A metric in words, with its unit.
pub fn metric_words(metric: &str) -> String {
    match metric {
        "lonely_share" => "lonely".into(),
        "crisis_share" => "in crisis".into(),
        "struggling_share" => "struggling".into(),
        "well_share" => "well".into(),
        "attended_share" => "went to a venue in the week".into(),
        "isolated_share" => "without a strong tie".into(),
        _ => {
            let (_, unit, _) = METRIC_DOCS.iter().find(|(n, _, _)| *n == metric).copied().unwrap_or(("", "", ""));
            let name = match metric {
                "ties_mean" => "ties per person",
                "loneliness_mean" => "loneliness",
                "hope_mean" => "hope",
                "shame_mean" => "shame",
                "new_crises" => "new crises",
                "recoveries" => "recoveries",
                "support_emotional" => "emotional support",
                "support_instrumental" => "practical support",
                "support_informational" => "informational support",
                "rejections" => "rejections for the diagnosis",
                "ghosted_ties" => "ghosted contacts",
                other => other,
            };
            if unit.is_empty() || unit == "ties" {
                name.to_string()
            } else {
                format!("{name} ({unit})")
            }
        }
    }
}

/// True when the interval excludes zero as it is shown (to 0.1 points for shares, three decimals else):
/// "+0.0 to +0.0" does not count.
pub fn excludes_zero_as_shown(lo: f64, hi: f64) -> bool {
    // Both shown forms have three decimals of the metric's own unit (a share's 0.1 points is 0.001).
    let (lo, hi) = ((lo * 1000.0).round(), (hi * 1000.0).round());
    lo.is_finite() && hi.is_finite() && (lo > 0.0 || hi < 0.0)
}

/// The headline in one sentence: what the option does to the headline group, in people and in points.
pub fn headline_sentence(title: &str, group: &str, metric: &str, people: f64, v: [f64; 5]) -> String {
    let [d, lo, hi, base, scen] = v;
    let words = describe(group);
    let interval = if lo.is_finite() {
        format!(
            "95% interval {} to {}",
            format_difference(metric, lo, "points"),
            format_difference(metric, hi, "points")
        )
    } else {
        "no interval yet".into()
    };
    let change = format!(
        "{} → {} ({}, {interval})",
        format_level(metric, base),
        format_level(metric, scen),
        format_difference(metric, d, "points")
    );
    if !excludes_zero_as_shown(lo, hi) {
        return format!(
            "{title}: no change the model can tell apart from chance in {words} {}: {change}.",
            if metric.ends_with("_share") { format!("who are {}", metric_words(metric)) } else { metric_words(metric) }
        );
    }
    if metric.ends_with("_share") && people >= 1.0 {
        let heads = (d.abs() * people).round();
        format!(
            "{title}: about {heads} {} of the {} {words} are {}: {change}.",
            if d > 0.0 { "more" } else { "fewer" },
            people.round(),
            metric_words(metric)
        )
    } else {
        format!("{title}: {} of {words} goes {} — {change}.", metric_words(metric), if d > 0.0 { "up" } else { "down" })
    }
}

fn level(metric: &str, x: f64) -> String {
    format_level(metric, x)
}

/// Mean of a metric over the window, per replicate of an arm.
fn window_means(exp: &Experiment, arm: usize, g: usize, m: usize) -> Vec<f64> {
    exp.arms[arm].runs.iter().map(|r| window_mean(r, &exp.scenario, g, m)).filter(|x| x.is_finite()).collect()
}

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
                    let (mean, lo, hi) = mean_ci(&window_means(exp, 0, g, m));
                    json!({"metric": metric, "mean": mean, "low": lo, "high": hi, "text": level(metric, mean)})
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
                                sum += run.venue_rows[rec][v].1 as f64 / weeks_per_record;
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
pub fn answer_json(exp: &Experiment, sizes: &[f64], title: &str) -> Json {
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
    let people = exp.group_names.iter().position(|g| *g == group).and_then(|g| sizes.get(g)).copied().unwrap_or(0.0);
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
            "sentence": headline_sentence(title, &group, &metric, people, v),
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
                "baseline": level(e.metric, e.baseline_mean),
                "scenario": level(e.metric, e.scenario_mean),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_sentence_counts_people_and_never_contradicts_itself() {
        let s = headline_sentence(
            "Close the north meeting place",
            "district:north/service_users",
            "lonely_share",
            350.0,
            [0.10, 0.08, 0.12, 0.61, 0.71],
        );
        assert_eq!(
            s,
            "Close the north meeting place: about 35 more of the 350 service users in north are lonely: 61.0% → \
             71.0% (+10.0 points, 95% interval +8.0 points to +12.0 points)."
        );
        let s = headline_sentence("X", "all", "lonely_share", 20000.0, [0.0001, -0.0002, 0.0004, 0.2, 0.2001]);
        assert!(
            s.starts_with("X: no change the model can tell apart from chance in everyone in the town who are lonely")
        );
        assert!(!excludes_zero_as_shown(0.00001, 0.00002), "+0.0 to +0.0 is not a finding");
        assert!(excludes_zero_as_shown(0.001, 0.002));
    }
}
