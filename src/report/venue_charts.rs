//! Attendance per venue as small multiples: one panel per venue of the affected districts (or of the town),
//! each on its own scale from 0, so a venue with a tenth of another's visits is as readable as the biggest.

use super::charts::{arm_color, both, draw_err, PALETTE};
use super::data::Saved;
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Panels drawn at most (the venues of the affected districts first).
const MAX_PANELS: usize = 12;
const COLUMNS: usize = 3;

/// Draws `venues.png` and `venues.svg` into `charts_dir`; returns the chart's name and caption.
pub fn render(saved: &Saved, charts_dir: &Path) -> Result<(String, String)> {
    let (names, size) = layout(saved);
    both!(charts_dir, "venues", size, |r| venue_chart(&r, saved, &names));
    Ok((
        "venues".into(),
        "Visits a week at each venue of the affected districts, one panel each on its own scale from 0; thin \
         lines: baseline."
            .into(),
    ))
}

/// The venues the chart shows and the chart's size.
fn layout(saved: &Saved) -> (Vec<String>, (u32, u32)) {
    let affected = saved.affected_districts();
    let venues = saved.manifest["scenario"]["venues"].as_array().cloned().unwrap_or_default();
    let districts = saved.manifest["scenario"]["districts"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = venues
        .iter()
        .filter(|v| {
            let d = v["district"].as_u64().and_then(|i| districts.get(i as usize)).and_then(|d| d["name"].as_str());
            affected.is_empty() || d.is_some_and(|d| affected.iter().any(|a| a == d))
        })
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .take(MAX_PANELS)
        .collect();
    let rows = names.len().div_ceil(COLUMNS).max(1) as u32;
    (names, (1100, 60 + 240 * rows))
}

/// The small multiples: visits a week per venue over time, baseline thin, scenario thick.
fn venue_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    saved: &Saved,
    names: &[String],
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let title = format!(
        "{}: visits a week per venue, mean over replicates (each panel from 0)",
        saved.manifest["scenario"]["name"].as_str().unwrap_or("scenario")
    );
    let root = root.titled(&title, ("sans-serif", 18)).map_err(|e| e.to_string())?;
    let rows = names.len().div_ceil(COLUMNS).max(1);
    let areas = root.split_evenly((rows, COLUMNS));
    let every = saved.manifest["scenario"]["run"]["record_every_days"].as_u64().unwrap_or(7).max(1) as f64;
    let per_week = 7.0 / every;
    let warm_up = saved.manifest["scenario"]["run"]["burn_in_days"].as_u64().unwrap_or(0) as f64 / 7.0;
    for (name, area) in names.iter().zip(areas.iter()) {
        let lines: Vec<(String, Vec<(f64, f64)>)> = saved
            .arms
            .iter()
            .filter_map(|arm| {
                let points = saved.venues.get(&(arm.clone(), name.clone()))?;
                Some((arm.clone(), points.iter().map(|(d, y)| (*d as f64 / 7.0, y * per_week)).collect()))
            })
            .collect();
        let max_x = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p.0)).fold(1.0f64, f64::max);
        let max_y = lines.iter().flat_map(|(_, l)| l.iter().map(|p| p.1)).fold(1.0f64, f64::max);
        let mut chart = ChartBuilder::on(area)
            .caption(name, ("sans-serif", 14))
            .margin(6)
            .x_label_area_size(26)
            .y_label_area_size(48)
            .build_cartesian_2d(0.0..max_x, 0.0..max_y * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("week")
            .x_label_formatter(&|x| format!("{}", x.round() as i64))
            .y_label_formatter(&|y| format!("{}", y.round() as i64))
            .label_style(("sans-serif", 11))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(|e| e.to_string())?;
        if warm_up > 0.0 {
            let grey = RGBColor(225, 225, 225).mix(0.6).filled();
            chart
                .draw_series(std::iter::once(Rectangle::new([(0.0, 0.0), (warm_up.min(max_x), max_y * 1.1)], grey)))
                .map_err(|e| e.to_string())?;
        }
        for (day, _) in saved.events() {
            let x = day as f64 / 7.0;
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x, 0.0), (x, max_y * 1.1)], BLACK.stroke_width(1))))
                .map_err(|e| e.to_string())?;
        }
        for (arm, line) in lines {
            let width = if arm == "baseline" && saved.arms.len() > 1 { 1 } else { 2 };
            let colour = if saved.arms.len() > 1 { arm_color(&arm) } else { PALETTE[0] };
            chart.draw_series(LineSeries::new(line, colour.stroke_width(width))).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
