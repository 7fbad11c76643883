//! `report.html`: self-contained (charts inlined as PNG data, no network), readable offline. The scenario in
//! plain words and its events, headline findings written from the numbers, the charts, every effect, the
//! assumptions (parameters that differ from their defaults, and the key defaults with sources), provenance.

use super::charts::metric_label;
use super::data::Saved;
use crate::error::{Error, Result};
use crate::params::PARAM_SPECS;
use base64::Engine;
use std::fmt::Write as _;
use std::path::Path;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn fmt_value(metric: &str, x: f64) -> String {
    crate::metric_names::format_level(metric, x)
}

fn fmt_diff(metric: &str, x: f64) -> String {
    crate::metric_names::format_difference(metric, x, "points")
}

/// Headline findings, written from the effects.
fn findings(saved: &Saved) -> Vec<String> {
    let mut out = Vec::new();
    let weeks = saved.manifest["scenario"]["analysis"]["window_days"].as_u64().unwrap_or(182) / 7;
    let mut groups: Vec<String> =
        saved.affected_districts().iter().map(|d| format!("district:{d}/service_users")).collect();
    groups.push("service_users".into());
    groups.push("all".into());
    for g in groups.iter().take(2) {
        for metric in ["lonely_share", "crisis_share", "ties_mean"] {
            if let Some(e) = saved.effect(g, metric) {
                let sure = if e.ci_low > 0.0 || e.ci_high < 0.0 {
                    "the interval excludes zero, so the change is reliable in the model"
                } else {
                    "the interval includes zero, so the model shows no reliable change"
                };
                let verb = if e.difference >= 0.0 { "rose" } else { "fell" };
                let first_event = saved.events().iter().map(|(d, _)| *d).min().unwrap_or(0);
                let when = match saved.time_to_effect(g, metric, first_event) {
                    Some(day) => {
                        let weeks = day.saturating_sub(first_event).div_ceil(7);
                        format!(
                            "; the weekly difference was first distinguishable from zero {weeks} week{} after the first event",
                            if weeks == 1 { "" } else { "s" }
                        )
                    }
                    None => String::new(),
                };
                out.push(format!(
                    "In <b>{}</b>, {} {verb} from {} to {} over the last {weeks} weeks: {} (95% interval {} to {}); {sure}{when}.",
                    esc(g),
                    metric_label(metric),
                    fmt_value(metric, e.baseline_mean),
                    fmt_value(metric, e.scenario_mean),
                    fmt_diff(metric, e.difference),
                    fmt_diff(metric, e.ci_low),
                    fmt_diff(metric, e.ci_high)
                ));
            }
        }
    }
    if let (Some(q1), Some(q4)) = (saved.effect("income:q1", "lonely_share"), saved.effect("income:q4", "lonely_share"))
    {
        if q1.difference.is_finite()
            && q4.difference.is_finite()
            && (q1.difference.abs() > 1e-9 || q4.difference.abs() > 1e-9)
        {
            out.push(format!(
                "By income: the lonely share changed by {} in the lowest income quarter and by {} in the highest.",
                fmt_diff("lonely_share", q1.difference),
                fmt_diff("lonely_share", q4.difference)
            ));
        }
    }
    out.truncate(5);
    out
}

/// Writes report.html: one self-contained page (charts embedded) from a saved run and the charts drawn for it.
pub fn write(saved: &Saved, charts: &[(String, String)], charts_dir: &Path, path: &Path) -> Result<()> {
    let mut h = String::new();
    introduction(&mut h, saved);
    embed_charts(&mut h, charts, charts_dir)?;
    effects_table(&mut h, saved);
    assumptions(&mut h, &saved.manifest["scenario"]);
    provenance(&mut h, &saved.manifest);
    std::fs::write(path, h).map_err(|e| Error::write(path, e))
}

/// The page's head, title and description, the town in a sentence, and for a what-if its events and
/// findings.
fn introduction(h: &mut String, saved: &Saved) {
    let m = &saved.manifest;
    let s = &m["scenario"];
    let name = s["name"].as_str().unwrap_or("scenario");
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>supportsim: {}</title>\n<style>\
         body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\
         td:first-child,td:nth-child(2),th{{text-align:left}}img{{max-width:100%;border:1px solid #eee}}\
         .sig{{font-weight:bold}}figure{{margin:1.5em 0}}figcaption{{color:#555}}</style></head><body>\n",
        esc(name)
    );
    let _ = writeln!(h, "<h1>What if: {}</h1>", esc(name));
    let _ = writeln!(h, "<p>{}</p>", esc(s["description"].as_str().unwrap_or("")));
    let _ = writeln!(
        h,
        "<p>A town of {} people in {} districts, simulated for {} days ({} replicates per arm). ",
        s["population"]["n_agents"],
        s["districts"].as_array().map_or(0, |d| d.len()),
        s["run"]["days"],
        m["replicates"]
    );
    let events = saved.events();
    if events.is_empty() {
        let _ = writeln!(h, "The scenario has no events, so this report shows levels only.</p>");
    } else {
        let _ = writeln!(
            h,
            "Each replicate runs twice on the same random numbers: <i>baseline</i> (the town as it is) and \
             <i>scenario</i> (with the events below); effects are the paired differences.</p><h2>Events</h2><ul>"
        );
        for (day, label) in &events {
            let _ = writeln!(h, "<li>day {day} (week {}): {}</li>", day / 7, esc(label));
        }
        let _ = writeln!(h, "</ul>");
        let _ = writeln!(h, "<h2>Findings</h2><ul class=\"findings\">");
        for f in findings(saved) {
            let _ = writeln!(h, "<li>{f}</li>");
        }
        let _ = writeln!(
            h,
            "</ul><p>Intervals reflect the model's randomness over replicates, not uncertainty in its parameters; \
             see the assumptions below.</p>"
        );
    }
}

/// Each chart, as a PNG embedded in the page, with its caption.
fn embed_charts(h: &mut String, charts: &[(String, String)], charts_dir: &Path) -> Result<()> {
    let _ = writeln!(h, "<h2>Charts</h2>");
    for (chart, caption) in charts {
        let file = charts_dir.join(format!("{chart}.png"));
        let bytes = std::fs::read(&file).map_err(|e| Error::read(&file, e))?;
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let _ = writeln!(
            h,
            "<figure class=\"chart\"><img alt=\"{}\" src=\"data:image/png;base64,{data}\"><figcaption>{}</figcaption></figure>",
            esc(chart),
            esc(caption)
        );
    }
    Ok(())
}

/// Every effect, bold where its interval excludes zero.
fn effects_table(h: &mut String, saved: &Saved) {
    if !saved.effects.is_empty() {
        let _ = writeln!(
            h,
            "<h2>All effects</h2><table><tr><th>group</th><th>metric</th><th>baseline</th><th>scenario</th>\
             <th>difference</th><th>95% interval</th></tr>"
        );
        for e in &saved.effects {
            let sig = e.ci_low > 0.0 || e.ci_high < 0.0;
            let _ = writeln!(
                h,
                "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td></tr>",
                if sig { " class=\"sig\"" } else { "" },
                esc(&e.group),
                esc(&e.metric),
                fmt_value(&e.metric, e.baseline_mean),
                fmt_value(&e.metric, e.scenario_mean),
                fmt_diff(&e.metric, e.difference),
                fmt_diff(&e.metric, e.ci_low),
                fmt_diff(&e.metric, e.ci_high)
            );
        }
        let _ = writeln!(h, "</table><p>Bold rows: the interval excludes zero.</p>");
    }
}

/// The parameters that differ from their defaults, and the defaults that come from a source.
fn assumptions(h: &mut String, s: &serde_json::Value) {
    let _ = writeln!(h, "<h2>Assumptions</h2><p>Parameters that differ from their defaults:</p><ul>");
    let mut any = false;
    for p in PARAM_SPECS {
        if let Some(v) = s["params"][p.name].as_f64() {
            if v != p.default {
                any = true;
                let _ =
                    writeln!(h, "<li><code>{}</code> = {v} (default {}; {})</li>", p.name, p.default, esc(p.meaning));
            }
        }
    }
    if !any {
        let _ = writeln!(h, "<li>none: every parameter is at its default</li>");
    }
    let _ = writeln!(
        h,
        "</ul><p>Key defaults and their sources:</p><table><tr><th>parameter</th><th>value</th><th>source</th></tr>"
    );
    for p in PARAM_SPECS.iter().filter(|p| p.source != "assumption" && !p.source.starts_with("assumption")) {
        let _ =
            writeln!(h, "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", p.name, p.default, esc(p.source));
    }
    let _ = writeln!(
        h,
        "</table><p>All other parameters are assumptions; <code>supportsim params</code> lists them all.</p>"
    );
}

/// The version, commit, seed, replicates, arms, command line and run time, and the script that counts the
/// charts that rendered (the browser test reads it).
fn provenance(h: &mut String, m: &serde_json::Value) {
    let cmd: Vec<String> = m["command_line"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect();
    let _ = writeln!(
        h,
        "<h2>Provenance</h2><ul><li>supportsim {} (git commit {})</li><li>seed {}, {} replicates, arms: {}</li>\
         <li>command: <code>{}</code></li><li>simulated in {:.1} s</li></ul>\n\
         <script>window.addEventListener('load',function(){{var n=0;document.querySelectorAll('figure.chart img')\
         .forEach(function(i){{if(i.complete&&i.naturalWidth>0)n++;}});document.body.dataset.chartsRendered=n;}});</script>\n\
         </body></html>",
        esc(m["supportsim_version"].as_str().unwrap_or("?")),
        esc(m["git_commit"].as_str().unwrap_or("unknown")),
        m["seed"],
        m["replicates"],
        esc(&m["arms"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()),
        esc(&cmd.join(" ")),
        m["wall_seconds"].as_f64().unwrap_or(0.0)
    );
}
