//! The report of `supportsim oat`, from its folder alone (oat.csv and manifest.json): how the headline effect
//! moves when each parameter is set low and high, one at a time, largest swing first, as a chart and a
//! table. `supportsim report` redraws it byte for byte.

use super::charts::intervals_chart;
use super::html::{esc, png_data_url};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::groups::describe;
use crate::metric_names::{format_difference, metric_words};
use std::fmt::Write as _;
use std::path::Path;

/// The data file of a sensitivity analysis, checked against its manifest before a redraw.
pub const DATA_FILES: [&str; 1] = ["oat.csv"];

/// Draws the chart and report.html into `out` from the files in `data`.
pub fn render(data: &Path, out: &Path, cancel: &Cancel) -> Result<()> {
    let path = data.join("oat.csv");
    let bad = |e: &dyn std::fmt::Display| Error::read(&path, std::io::Error::other(e.to_string()));
    let mut rdr = csv::Reader::from_reader(crate::files::open_regular(&path)?);
    let mut rows: Vec<[String; 8]> = Vec::new();
    for rec in rdr.records() {
        let r = rec.map_err(|e| bad(&e))?;
        if r.len() != 8 {
            return Err(bad(&format!("line {} has {} fields, not 8", rows.len() + 2, r.len())));
        }
        rows.push(std::array::from_fn(|i| r[i].to_string()));
    }
    let reference = rows.first().filter(|r| r[1] == "reference").ok_or_else(|| bad(&"no reference row"))?.clone();
    let (group, metric) = (reference[3].clone(), reference[4].clone());
    let num = |s: &str| s.parse::<f64>().unwrap_or(f64::NAN);
    let diff = |x: f64| format_difference(&metric, x, "points");
    cancel.check()?;
    let chart_rows: Vec<(String, f64, f64, f64)> = rows
        .iter()
        .map(|r| {
            let label = if r[1] == "reference" {
                "scenario's values".to_string()
            } else {
                format!("{} {} = {}", r[0], r[1], r[2])
            };
            (label, num(&r[5]), num(&r[6]), num(&r[7]))
        })
        .collect();
    let title = format!("Effect on {} among {} as each parameter moves", metric_words(&metric), describe(&group));
    intervals_chart(&out.join("charts"), "oat", &title, &metric, &chart_rows)?;
    let manifest = super::data::read_manifest(data)?;
    let name = manifest["scenario_name"].as_str().unwrap_or("scenario");
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>supportsim: how {n} leans on its \
         assumptions</title><style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}\
         table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:2px 6px}}\
         img{{max-width:100%}}</style></head><body>\n<h1>How {n} leans on its assumptions</h1>\n<p>The headline effect \
         ({} among {}) with the scenario's values: {} (95% interval {} to {}). Below, each parameter is set low and \
         then high, one at a time, on the same {} replicates and seeds; the parameters whose swing is largest are \
         those the answer leans on most. The intervals are over replicates, as in the run's report.</p>\n",
        esc(&metric_words(&metric)),
        esc(&describe(&group)),
        diff(num(&reference[5])),
        diff(num(&reference[6])),
        diff(num(&reference[7])),
        manifest["replicates"],
        n = esc(name)
    );
    let _ = writeln!(
        h,
        "<table><tr><th>parameter</th><th>low</th><th>effect</th><th>high</th><th>effect</th><th>swing</th></tr>"
    );
    for pair in rows[1..].chunks(2) {
        if let [low, high] = pair {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} ({} to {})</td><td>{}</td><td>{} ({} to {})</td><td>{}</td></tr>",
                esc(&low[0]),
                esc(&low[2]),
                diff(num(&low[5])),
                diff(num(&low[6])),
                diff(num(&low[7])),
                esc(&high[2]),
                diff(num(&high[5])),
                diff(num(&high[6])),
                diff(num(&high[7])),
                diff(num(&high[5]) - num(&low[5]))
            );
        }
    }
    let data64 = png_data_url(&out.join("charts/oat.png"))?;
    let _ = writeln!(h, "</table><figure><img alt=\"oat chart\" src=\"{data64}\"></figure></body></html>");
    let path = out.join("report.html");
    std::fs::write(&path, h).map_err(|e| Error::write(&path, e))
}
