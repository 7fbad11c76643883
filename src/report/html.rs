//! `report.html`: self-contained (charts inlined as PNG data, no network), readable offline. The scenario in
//! plain words and its events, headline findings written from the numbers, the charts, every effect, the
//! assumptions (parameters that differ from their defaults, and the key defaults with sources), provenance.

use super::data::Saved;
use super::findings::{findings, Findings};
use crate::error::{Error, Result};
use crate::groups::describe;
use crate::metric_names::metric_words;
use crate::params::PARAM_SPECS;
use base64::Engine;
use std::fmt::Write as _;
use std::path::Path;

/// Text for HTML: every report page escapes what a user named through this.
pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A chart's PNG as a `data:` URL, so a report page needs no other file.
pub(super) fn png_data_url(file: &Path) -> Result<String> {
    let bytes = std::fs::read(file).map_err(|e| Error::read(file, e))?;
    Ok(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)))
}

fn fmt_value(metric: &str, x: f64) -> String {
    crate::metric_names::format_level(metric, x)
}

fn fmt_diff(metric: &str, x: f64) -> String {
    crate::metric_names::format_difference(metric, x, "points")
}

/// Writes report.html: one self-contained page (charts embedded) from a saved run and the charts drawn for it.
pub fn write(saved: &Saved, charts: &[(String, String)], charts_dir: &Path, path: &Path) -> Result<()> {
    let mut h = String::new();
    // A what-if's findings (the headline, the rows' marks) are worked out once, for the top and the table.
    let found = (!saved.effects.is_empty()).then(|| findings(saved));
    introduction(&mut h, saved, found.as_ref());
    embed_charts(&mut h, charts, charts_dir)?;
    if let Some(f) = &found {
        effects_table(&mut h, saved, f);
    }
    levels_table(&mut h, saved);
    assumptions(&mut h, &saved.manifest["scenario"]);
    provenance(&mut h, &saved.manifest);
    std::fs::write(path, h).map_err(|e| Error::write(path, e))
}

/// The page's head, title and description, the town in a sentence, and for a what-if its events, the
/// headline, the findings and how to read them.
fn introduction(h: &mut String, saved: &Saved, found: Option<&Findings>) {
    let m = &saved.manifest;
    let s = &m["scenario"];
    let name = s["name"].as_str().unwrap_or("scenario");
    let events = saved.events();
    let title = if events.is_empty() { format!("The town's levels: {name}") } else { format!("What if: {name}") };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>supportsim: {}</title>\n<style>\
         body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}}\
         td:first-child,td:nth-child(2),th{{text-align:left}}img{{max-width:100%;border:1px solid #eee}}\
         .sig{{font-weight:bold}}figure{{margin:1.5em 0}}figcaption{{color:#555}}\
         .headline{{font-size:1.2em;font-weight:bold}}.howto{{background:#f3f6fa;border:1px solid #cdd8e4;\
         padding:0.2em 1em;margin:1em 0}}.warn{{background:#fff4e5;border:1px solid #e6a23c;padding:0.5em 1em}}\
         </style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    let _ = writeln!(h, "<p>{}</p>", esc(s["description"].as_str().unwrap_or("")));
    let _ = writeln!(
        h,
        "<p>A town of {} people in {} districts, simulated for {} days ({} replicates per arm). ",
        s["population"]["n_agents"],
        s["districts"].as_array().map_or(0, |d| d.len()),
        s["run"]["days"],
        m["replicates"]
    );
    if events.is_empty() {
        let _ = writeln!(
            h,
            "The scenario has no events, so this report shows the town's levels: each group's measures over \
             the last {} weeks, with 95% intervals over replicates (levels.csv).</p>",
            saved.window_days() / 7
        );
        steadiness(h, saved);
        return;
    }
    let _ = writeln!(
        h,
        "Each replicate runs twice on the same random numbers: <i>baseline</i> (the town as it is) and \
         <i>scenario</i> (with the events below); effects are the paired differences.</p><h2>Events</h2><ul>"
    );
    for (day, label) in &events {
        let _ = writeln!(h, "<li>day {day} (week {}): {}</li>", day / 7, esc(label));
    }
    let _ = writeln!(h, "</ul>");
    let Some(f) = found else { return };
    let _ = writeln!(h, "<h2>Findings</h2>");
    if let Some(headline) = &f.headline {
        let _ = writeln!(h, "<p class=\"headline\">{}</p>", esc(headline));
    }
    if let Some(warning) = &f.unsettled {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", esc(warning));
    }
    steadiness(h, saved);
    let _ = writeln!(h, "<ul class=\"findings\">");
    for sentence in &f.sentences {
        let _ = writeln!(h, "<li>{}</li>", esc(sentence));
    }
    let _ = writeln!(h, "</ul><div class=\"howto\"><h3>How to read this</h3>");
    for p in &f.how_to_read {
        let _ = writeln!(h, "<p>{}</p>", esc(p));
    }
    let _ = writeln!(h, "</div>");
}

/// The warnings of `steady`: a town not settled over the window, venues full on most open days.
fn steadiness(h: &mut String, saved: &Saved) {
    for sentence in super::steady::sentences(&super::steady::check(saved)) {
        let _ = writeln!(h, "<p class=\"warn\">{}</p>", esc(&sentence));
    }
}

/// Each chart, as a PNG embedded in the page, with its caption.
fn embed_charts(h: &mut String, charts: &[(String, String)], charts_dir: &Path) -> Result<()> {
    let _ = writeln!(h, "<h2>Charts</h2>");
    for (chart, caption) in charts {
        let data = png_data_url(&charts_dir.join(format!("{chart}.png")))?;
        let _ = writeln!(
            h,
            "<figure class=\"chart\"><img alt=\"{}\" src=\"{data}\"><figcaption>{}</figcaption></figure>",
            esc(chart),
            esc(caption)
        );
    }
    Ok(())
}

/// Every effect in words, bold where its interval excludes zero as shown, the headline and the exploratory
/// rows that survive the false-discovery-rate correction marked.
fn effects_table(h: &mut String, saved: &Saved, found: &Findings) {
    let marks = &found.rows;
    let _ = writeln!(
        h,
        "<h2>All effects</h2><table><tr><th>group</th><th>measure</th><th>baseline</th><th>scenario</th>\
         <th>change</th><th>95% interval</th><th>after correction</th></tr>"
    );
    for (e, mark) in saved.effects.iter().zip(marks) {
        let _ = writeln!(
            h,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td></tr>",
            if mark.shown_reliable { " class=\"sig\"" } else { "" },
            esc(&describe(&e.group)),
            esc(&metric_words(&e.metric)),
            fmt_value(&e.metric, e.baseline_mean),
            fmt_value(&e.metric, e.scenario_mean),
            fmt_diff(&e.metric, e.difference),
            fmt_diff(&e.metric, e.ci_low),
            fmt_diff(&e.metric, e.ci_high),
            if mark.headline {
                "headline"
            } else if mark.discovery {
                "✓"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(
        h,
        "</table><p>Bold: the interval excludes zero as shown. ✓: still a discovery after the Benjamini–Hochberg \
         correction over the exploratory rows (every row but the headline). Codes of the groups and measures are \
         in effects.csv.</p>"
    );
}

/// A town's levels (a run without events): every group and the key measures, with intervals.
fn levels_table(h: &mut String, saved: &Saved) {
    if saved.levels.is_empty() {
        return;
    }
    let _ =
        writeln!(h, "<h2>Levels</h2><table><tr><th>group</th><th>measure</th><th>level</th><th>95% interval</th></tr>");
    for l in saved.levels.iter().filter(|l| KEY_LEVELS.contains(&l.metric.as_str())) {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td></tr>",
            esc(&describe(&l.group)),
            esc(&metric_words(&l.metric)),
            fmt_value(&l.metric, l.mean),
            fmt_value(&l.metric, l.ci_low),
            fmt_value(&l.metric, l.ci_high)
        );
    }
    let _ = writeln!(h, "</table><p>Every group and measure: levels.csv.</p>");
}

/// The measures the levels table shows.
const KEY_LEVELS: [&str; 5] = ["lonely_share", "crisis_share", "attended_share", "isolated_share", "ties_mean"];

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
