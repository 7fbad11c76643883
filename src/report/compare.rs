//! The report of `supportsim compare`, from its folder alone (comparison.csv and manifest.json): the options
//! ranked on one baseline and the same seeds, each headline effect with its interval side by side, and, for
//! options that state a yearly cost (`annual_cost_nok`), the effect per million NOK and the cost per lonely
//! person avoided, with intervals. `supportsim report` redraws it byte for byte.

use super::charts::comparison_chart;
use super::html::{esc, png_data_url};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::Experiment;
use crate::groups::describe;
use crate::metric_names::{excludes_zero_as_shown, format_difference, format_level, metric_words};
use std::fmt::Write as _;
use std::path::Path;

/// The data file of a comparison, checked against its manifest before a redraw.
pub const DATA_FILES: [&str; 1] = ["comparison.csv"];

/// Writes comparison.csv into `dir`; returns the comparison's manifest (its groups and their sizes
/// included, for the report's head counts).
pub fn write_data(dir: &Path, exps: &[Experiment], command_line: &[String]) -> Result<serde_json::Value> {
    let path = dir.join("comparison.csv");
    let mut w = csv::Writer::from_path(&path).map_err(|e| Error::write(&path, std::io::Error::other(e)))?;
    let err = |e: csv::Error| Error::write(dir.join("comparison.csv"), std::io::Error::other(e));
    let mut header = vec!["option"];
    header.extend(crate::output::EFFECTS_HEADER);
    w.write_record(&header).map_err(err)?;
    for exp in exps {
        for e in exp.effects.as_deref().unwrap_or_default() {
            let mut row = vec![exp.scenario.name.clone()];
            row.extend(crate::output::effect_record(e));
            w.write_record(&row).map_err(err)?;
        }
    }
    w.flush().map_err(|e| Error::write(&path, e))?;
    Ok(serde_json::json!({
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": option_env!("SUPPORTSIM_GIT_COMMIT").unwrap_or("unknown"),
        "command_line": command_line,
        "options": exps.iter().map(|e| e.scenario.name.clone()).collect::<Vec<_>>(),
        "seed": exps[0].scenario.run.seed,
        "replicates": exps[0].scenario.run.replicates,
        "wall_seconds": exps[0].wall_seconds,
        "groups": exps[0].group_names,
        "group_sizes": crate::experiment::group_sizes(&exps[0].arms[0].runs),
        "scenarios": exps.iter().map(|e| &e.scenario).collect::<Vec<_>>(),
    }))
}

/// The group options are ranked on: every option can touch it.
const RANKED_ON: (&str, &str) = ("service_users", "lonely_share");

/// One row of comparison.csv.
struct Row {
    option: String,
    group: String,
    metric: String,
    baseline: f64,
    scenario: f64,
    difference: f64,
    low: f64,
    high: f64,
}

fn read_rows(path: &Path) -> Result<Vec<Row>> {
    let bad = |e: &dyn std::fmt::Display| Error::read(path, std::io::Error::other(e.to_string()));
    let mut rdr = csv::Reader::from_reader(crate::files::open_regular(path)?);
    let mut out = Vec::new();
    for rec in rdr.records() {
        let r = rec.map_err(|e| bad(&e))?;
        if r.len() < 8 {
            return Err(bad(&format!("line {} has {} fields, not 9", out.len() + 2, r.len())));
        }
        let num = |i: usize| r[i].parse::<f64>().unwrap_or(f64::NAN);
        out.push(Row {
            option: r[0].to_string(),
            group: r[1].to_string(),
            metric: r[2].to_string(),
            baseline: num(3),
            scenario: num(4),
            difference: num(5),
            low: num(6),
            high: num(7),
        });
    }
    Ok(out)
}

/// An effect per million NOK and the cost per lonely person avoided, in words, from a yearly cost and the
/// change in the number of lonely people (with its interval).
pub fn cost_words(cost: f64, points: (f64, f64, f64), people: (f64, f64, f64)) -> (String, String) {
    let millions = cost.abs() / 1e6;
    let spent = if cost >= 0.0 { "spent" } else { "saved" };
    let per_million = if millions > 0.0 {
        format!(
            "{} per million NOK {spent} (95% interval {} to {})",
            format_difference("lonely_share", points.0 / millions, "points"),
            format_difference("lonely_share", points.1 / millions, "points"),
            format_difference("lonely_share", points.2 / millions, "points")
        )
    } else {
        "no cost stated as non-zero".to_string()
    };
    // people: change in lonely people (positive: more lonely). Avoided = −change.
    let (d, lo, hi) = (-people.0, -people.2, -people.1);
    let per_person = if !(lo > 0.0 || hi < 0.0) || millions == 0.0 {
        "not defined: the interval of the change in lonely people includes zero".to_string()
    } else if cost >= 0.0 && d > 0.0 {
        format!(
            "{:.0} NOK a year per lonely person avoided (95% interval {:.0} to {:.0})",
            cost / d,
            cost / hi,
            cost / lo
        )
    } else if cost < 0.0 && d < 0.0 {
        let (more, more_lo, more_hi) = (-d, -hi, -lo);
        format!(
            "saves {:.0} NOK a year per additional lonely person (95% interval {:.0} to {:.0})",
            -cost / more,
            -cost / more_hi,
            -cost / more_lo
        )
    } else if cost >= 0.0 {
        "costs money and adds lonely people".to_string()
    } else {
        "saves money and avoids lonely people".to_string()
    };
    (per_million, per_person)
}

/// Draws the comparison's charts and report.html into `out` from the files in `data`.
pub fn render(data: &Path, out: &Path, cancel: &Cancel) -> Result<()> {
    let manifest = super::data::read_manifest(data)?;
    let rows = read_rows(&data.join("comparison.csv"))?;
    let options: Vec<String> =
        manifest["options"].as_array().into_iter().flatten().filter_map(|o| o.as_str().map(String::from)).collect();
    let find = |o: &str, g: &str, m: &str| rows.iter().find(|r| r.option == o && r.group == g && r.metric == m);
    let mut order: Vec<usize> = (0..options.len()).collect();
    let ranked = |i: usize| find(&options[i], RANKED_ON.0, RANKED_ON.1).map_or(f64::NAN, |r| r.difference);
    order.sort_by(|&a, &b| ranked(a).total_cmp(&ranked(b)));
    let mut groups = vec!["service_users".to_string()];
    for r in &rows {
        if r.group.starts_with("district:") && r.group.ends_with("/service_users") && !groups.contains(&r.group) {
            groups.push(r.group.clone());
        }
    }
    let charts = out.join("charts");
    for metric in ["lonely_share", "crisis_share", "ties_mean"] {
        cancel.check()?;
        let chart_rows: Vec<(String, f64, f64, f64)> = order
            .iter()
            .flat_map(|&i| groups.iter().map(move |g| (i, g)))
            .filter_map(|(i, g)| {
                find(&options[i], g, metric)
                    .map(|r| (format!("{} — {}", options[i], describe(g)), r.difference, r.low, r.high))
            })
            .collect();
        comparison_chart(&charts, metric, &chart_rows)?;
    }
    let group_size = |g: &str| {
        let names = manifest["groups"].as_array().cloned().unwrap_or_default();
        let i = names.iter().position(|x| x.as_str() == Some(g));
        i.and_then(|i| manifest["group_sizes"].get(i)).and_then(|v| v.as_f64()).unwrap_or(0.0)
    };
    let mut h = String::new();
    let title = format!("Options compared: {}", options.join(", "));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>supportsim: {}</title><style>\
         body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:2px 6px}}\
         .sig{{font-weight:bold}}img{{max-width:100%;border:1px solid #eee}}.howto{{background:#f3f6fa;\
         border:1px solid #cdd8e4;padding:0.2em 1em}}</style></head><body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let _ = writeln!(
        h,
        "<div class=\"howto\"><h3>How to read this</h3><p>Every option runs on the same town, the same baseline \
         and the same random numbers ({} replicates, seed {}), so their effects can be ranked: each is the mean \
         paired difference (option minus baseline) over the analysis window, with a 95% interval over \
         replicates. Options are ranked by their effect on {} among {}, lowest first. Bold: the interval \
         excludes zero as shown.</p><p>Costs are what each option's file states (<code>annual_cost_nok</code>, \
         negative for a saving) with its note; the model does not compute them. Lonely people avoided are the \
         change in the whole town's lonely share times its people; the cost per lonely person avoided is only \
         defined when that change's interval excludes zero.</p></div>",
        manifest["replicates"],
        manifest["seed"],
        metric_words(RANKED_ON.1),
        describe(RANKED_ON.0)
    );
    let _ = writeln!(
        h,
        "<h2>Ranking</h2><table><tr><th>rank</th><th>option</th><th>change</th><th>95% interval</th>\
         <th>cost a year (NOK)</th><th>lonely people, whole town</th><th>effect per million NOK</th>\
         <th>cost per lonely person avoided</th></tr>"
    );
    let scenarios = manifest["scenarios"].as_array().cloned().unwrap_or_default();
    let people = group_size("all");
    for (rank, &i) in order.iter().enumerate() {
        let o = &options[i];
        let s = scenarios.iter().find(|s| s["name"].as_str() == Some(o.as_str()));
        let cost = s.and_then(|s| s["annual_cost_nok"].as_f64());
        let note = s.and_then(|s| s["annual_cost_note"].as_str()).unwrap_or("");
        let r = find(o, RANKED_ON.0, RANKED_ON.1);
        let all = find(o, "all", "lonely_share");
        let change = all.map(|a| (a.difference * people, a.low * people, a.high * people));
        let (per_million, per_person) = match (cost, r, change) {
            (Some(c), Some(r), Some(p)) => cost_words(c, (r.difference, r.low, r.high), p),
            _ => ("no cost stated".into(), "–".into()),
        };
        let _ = writeln!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if r.is_some_and(|r| excludes_zero_as_shown(r.low, r.high)) { " class=\"sig\"" } else { "" },
            rank + 1,
            esc(o),
            r.map_or("–".into(), |r| format_difference(RANKED_ON.1, r.difference, "points")),
            r.map_or("–".into(), |r| format!(
                "{} to {}",
                format_difference(RANKED_ON.1, r.low, "points"),
                format_difference(RANKED_ON.1, r.high, "points")
            )),
            cost.map_or("–".into(), |c| format!(
                "{c:.0}{}",
                if note.is_empty() { String::new() } else { format!(" ({})", esc(note)) }
            )),
            change.map_or("–".into(), |(d, lo, hi)| format!("{d:+.0} (95% interval {lo:+.0} to {hi:+.0})")),
            esc(&per_million),
            esc(&per_person)
        );
    }
    let _ = writeln!(h, "</table>\n<h2>Side by side</h2><table><tr><th>group</th><th>measure</th>");
    for &i in &order {
        let _ = write!(h, "<th>{}</th>", esc(&options[i]));
    }
    let _ = writeln!(h, "</tr>");
    for g in &groups {
        for m in ["lonely_share", "crisis_share", "ties_mean", "attended_share"] {
            let _ = write!(h, "<tr><td>{}</td><td>{}</td>", esc(&describe(g)), esc(&metric_words(m)));
            for &i in &order {
                let cell = find(&options[i], g, m).map_or("–".into(), |r| {
                    format!(
                        "{} → {}: {} ({} to {})",
                        format_level(m, r.baseline),
                        format_level(m, r.scenario),
                        format_difference(m, r.difference, "pp"),
                        format_difference(m, r.low, "pp"),
                        format_difference(m, r.high, "pp")
                    )
                });
                let bold = find(&options[i], g, m).is_some_and(|r| excludes_zero_as_shown(r.low, r.high));
                let _ = write!(h, "<td{}>{}</td>", if bold { " class=\"sig\"" } else { "" }, esc(&cell));
            }
            let _ = writeln!(h, "</tr>");
        }
    }
    let _ = writeln!(h, "</table><h2>Charts</h2>");
    for metric in ["lonely_share", "crisis_share", "ties_mean"] {
        let data = png_data_url(&charts.join(format!("compare_{metric}.png")))?;
        let _ = writeln!(h, "<figure><img alt=\"compare {metric}\" src=\"{data}\"></figure>");
    }
    let _ = writeln!(h, "<p>Every group and measure: comparison.csv.</p></body></html>");
    let path = out.join("report.html");
    std::fs::write(&path, h).map_err(|e| Error::write(&path, e))
}

#[cfg(test)]
mod tests {
    use super::cost_words;

    #[test]
    fn costs_per_effect_and_per_person_follow_the_intervals() {
        // 2 million NOK a year, −2 points (−3 to −1) for the ranked group, 40 fewer lonely people (20 to 60).
        let (per_million, per_person) = cost_words(2e6, (-0.02, -0.03, -0.01), (-40.0, -60.0, -20.0));
        assert_eq!(per_million, "-1.0 points per million NOK spent (95% interval -1.5 points to -0.5 points)");
        assert_eq!(per_person, "50000 NOK a year per lonely person avoided (95% interval 33333 to 100000)");
        // An interval through zero gives no cost per person.
        let (_, per_person) = cost_words(2e6, (-0.02, -0.03, 0.01), (-40.0, -60.0, 5.0));
        assert!(per_person.starts_with("not defined"));
        // A saving that adds lonely people.
        let (per_million, per_person) = cost_words(-1.2e6, (0.05, 0.04, 0.06), (30.0, 20.0, 40.0));
        assert!(per_million.contains("per million NOK saved"), "{per_million}");
        assert_eq!(per_person, "saves 40000 NOK a year per additional lonely person (95% interval 30000 to 60000)");
    }
}
