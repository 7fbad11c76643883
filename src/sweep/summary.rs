//! The few lines the terminal ends a sweep with: for each primary output (an effect, or a level without
//! events) the points where it is smallest and largest, the strongest sensitivity indices, and where the
//! files and charts are. Read from the finished folder's points.csv and sensitivity.csv.

use crate::groups::describe;
use crate::metric_names::{format_difference, format_level};
use std::path::Path;

/// The summary's lines (empty when the folder's files cannot be read).
pub fn summary(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(mut rdr) = csv::Reader::from_path(dir.join("points.csv")) else { return out };
    let Ok(header) = rdr.headers().cloned() else { return out };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(q), Some(m), Some(g), Some(mean)) = (col("quantity"), col("metric"), col("group"), col("mean")) else {
        return out;
    };
    let params: Vec<usize> = (1..q).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().filter_map(|r| r.ok()).collect();
    let primary = if rows.iter().any(|r| &r[q] == "effect") { "effect" } else { "level" };
    let mut outputs: Vec<(String, String)> = Vec::new();
    for r in rows.iter().filter(|r| &r[q] == primary) {
        let key = (r[m].to_string(), r[g].to_string());
        if !outputs.contains(&key) {
            outputs.push(key);
        }
    }
    // A point by its values when there are one or two parameters, else by its number in points.csv.
    let at = |r: &csv::StringRecord| {
        if params.len() <= 2 {
            params.iter().map(|&i| format!("{} = {}", &header[i], &r[i])).collect::<Vec<_>>().join(", ")
        } else {
            format!("point {}", &r[0])
        }
    };
    for (metric, group) in &outputs {
        let mut these: Vec<(f64, &csv::StringRecord)> = rows
            .iter()
            .filter(|r| &r[q] == primary && &r[m] == metric && &r[g] == group)
            .filter_map(|r| r[mean].parse::<f64>().ok().filter(|x| x.is_finite()).map(|x| (x, r)))
            .collect();
        these.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (Some(lo), Some(hi)) = (these.first(), these.last()) else { continue };
        let shown = |x: f64| {
            if primary == "effect" {
                format_difference(metric, x, "points")
            } else {
                format_level(metric, x)
            }
        };
        out.push(format!(
            "{} {} among {}: from {} ({}) to {} ({})",
            primary,
            metric,
            describe(group),
            shown(lo.0),
            at(lo.1),
            shown(hi.0),
            at(hi.1)
        ));
    }
    if let Ok(mut s) = csv::Reader::from_path(dir.join("sensitivity.csv")) {
        let mut idx: Vec<(f64, String)> = s
            .records()
            .filter_map(|r| r.ok())
            .filter_map(|r| {
                let e: f64 = r.get(5)?.parse().ok()?;
                Some((e, format!("{} on {} {} ({} {e:+.2})", &r[0], &r[2], describe(&r[3]), &r[4])))
            })
            .filter(|(e, _)| e.is_finite())
            .collect();
        idx.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
        if !idx.is_empty() {
            out.push(format!(
                "strongest sensitivity: {}",
                idx.iter().take(3).map(|(_, t)| t.clone()).collect::<Vec<_>>().join("; ")
            ));
        }
    }
    out.push(format!("points.csv (each point over replicates) and charts/ in {}", dir.display()));
    out
}
