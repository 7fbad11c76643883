//! The metrics' names, units and meanings, and how a level or a difference is written for people: the
//! vocabulary the scenario's checks, the output files and the report share (`metrics` computes them).

/// Metric names, in column order. A contract with users (README.md, "Output files"): keep names and meanings.
pub const METRICS: [&str; 17] = [
    "loneliness_mean",
    "lonely_share",
    "well_share",
    "struggling_share",
    "crisis_share",
    "new_crises",
    "recoveries",
    "support_emotional",
    "support_instrumental",
    "support_informational",
    "attended_share",
    "ties_mean",
    "isolated_share",
    "hope_mean",
    "shame_mean",
    "rejections",
    "ghosted_ties",
];
pub const N_METRICS: usize = METRICS.len();

/// One line per metric for docs and reports: (name, unit, meaning).
pub const METRIC_DOCS: [(&str, &str, &str); N_METRICS] = [
    ("loneliness_mean", "score 0–1", "Mean loneliness at the end of the period."),
    ("lonely_share", "share", "Share with loneliness at or above `lonely_threshold`."),
    ("well_share", "share", "Share in the `well` state."),
    ("struggling_share", "share", "Share in the `struggling` state."),
    ("crisis_share", "share", "Share in the `crisis` state."),
    ("new_crises", "per 1,000 per week", "Transitions into crisis during the period."),
    ("recoveries", "per 1,000 per week", "Transitions back to `well` during the period."),
    ("support_emotional", "units per agent-day", "Emotional support received (ties, meetings, staff)."),
    ("support_instrumental", "units per agent-day", "Instrumental (practical) support received."),
    ("support_informational", "units per agent-day", "Informational support received."),
    ("attended_share", "share", "Share who visited any venue at least once in the period (staff on duty not counted)."),
    ("ties_mean", "ties", "Mean number of ties."),
    ("isolated_share", "share", "Share with no tie stronger than `strong_tie_threshold`."),
    ("hope_mean", "score 0–1", "Mean hope."),
    ("shame_mean", "score 0–1", "Mean shame."),
    ("rejections", "per 1,000 per week", "Times rejected by a stranger for the diagnosis's stigma."),
    (
        "ghosted_ties",
        "per 1,000 per week",
        "Contacts along a tie that did not happen only because the other end pulled away (ghosting).",
    ),
];

/// Formats a level for people: shares as percentages, other metrics with three decimals, "–" if undefined.
pub fn format_level(metric: &str, x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if metric.ends_with("_share") {
        format!("{:.1}%", 100.0 * x)
    } else {
        format!("{x:.3}")
    }
}

/// `x`, or +0 where it would show as "-0.0…" at `scale` (10 for one decimal): a change too small to show has
/// no sign.
fn without_negative_zero(x: f64, scale: f64) -> f64 {
    if (x * scale).round() == 0.0 {
        0.0
    } else {
        x
    }
}

/// Formats a difference for people: shares in percentage points (`points_unit`, e.g. "pp"), others signed.
pub fn format_difference(metric: &str, x: f64, points_unit: &str) -> String {
    if !x.is_finite() {
        "–".into()
    } else if metric.ends_with("_share") {
        format!("{:+.1} {points_unit}", without_negative_zero(100.0 * x, 10.0))
    } else {
        format!("{:+.3}", without_negative_zero(x, 1000.0))
    }
}

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
