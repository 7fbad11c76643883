//! Results in words, for the report, the terminal and the explorer: the headline sentence with head counts.
//! Group and metric names in words live with their codes (`groups::describe`, `metric_names::metric_words`).

use crate::groups::describe;
use crate::metric_names::{excludes_zero_as_shown, format_difference, format_level, metric_words};

/// `text` with its first letter in capitals.
pub fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// "Title: text", or the text alone as a sentence.
fn titled(title: Option<&str>, text: String) -> String {
    match title {
        Some(t) => format!("{t}: {text}"),
        None => capitalised(&text),
    }
}

/// The headline in one sentence: what the option does to the headline group, in people and in points.
pub fn headline_sentence(title: Option<&str>, group: &str, metric: &str, people: f64, v: [f64; 5]) -> String {
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
        let text = format!(
            "no change the model can tell apart from chance in {words} {}: {change}.",
            if metric.ends_with("_share") { format!("who are {}", metric_words(metric)) } else { metric_words(metric) }
        );
        return titled(title, text);
    }
    if metric.ends_with("_share") && people >= 1.0 {
        let heads = (d.abs() * people).round();
        let text = format!(
            "about {heads} {} of the {} {words} are {}: {change}.",
            if d > 0.0 { "more" } else { "fewer" },
            people.round(),
            metric_words(metric)
        );
        titled(title, text)
    } else {
        let text =
            format!("{} of {words} goes {}: {change}.", metric_words(metric), if d > 0.0 { "up" } else { "down" });
        titled(title, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metric_names::excludes_zero_as_shown;

    #[test]
    fn the_headline_sentence_counts_people_and_never_contradicts_itself() {
        let s = headline_sentence(
            Some("Close the north meeting place"),
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
        let s = headline_sentence(Some("X"), "all", "lonely_share", 20000.0, [0.0001, -0.0002, 0.0004, 0.2, 0.2001]);
        assert!(
            s.starts_with("X: no change the model can tell apart from chance in everyone in the town who are lonely")
        );
        assert!(!excludes_zero_as_shown(0.00001, 0.00002), "+0.0 to +0.0 is not a finding");
        assert!(excludes_zero_as_shown(0.001, 0.002));
    }
}
