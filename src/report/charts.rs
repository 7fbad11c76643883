//! Charts with plotters, each written as PNG and SVG: key metrics over time per arm with 95% bands and event
//! markers, the effect across groups (inequality of impact), and venue attendance. Text is drawn with the
//! bundled DejaVu Sans (ab_glyph), so PNGs are identical on every machine.

use super::data::{Band, Saved};
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Okabe–Ito colour-blind-safe palette.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
];

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font once.
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

pub(super) fn arm_color(arm: &str) -> RGBColor {
    if arm == "baseline" {
        PALETTE[0]
    } else {
        PALETTE[1]
    }
}

pub(crate) fn draw_err<E: std::fmt::Display>(path: &Path) -> impl Fn(E) -> Error + '_ {
    move |e| Error::write(path, std::io::Error::other(format!("chart: {e}")))
}

/// Draws with both backends: `name.png` and `name.svg` in `dir`. A macro, because a closure cannot be
/// generic over the backend.
macro_rules! both {
    ($dir:expr, $name:expr, $size:expr, |$root:ident| $draw:expr) => {{
        let png = $dir.join(format!("{}.png", $name));
        {
            let $root = BitMapBackend::new(&png, $size).into_drawing_area();
            $draw.map_err(draw_err(&png))?;
            $root.present().map_err(draw_err(&png))?;
        }
        let svg = $dir.join(format!("{}.svg", $name));
        {
            let $root = SVGBackend::new(&svg, $size).into_drawing_area();
            $draw.map_err(draw_err(&svg))?;
            $root.present().map_err(draw_err(&svg))?;
        }
    }};
}

pub(crate) use both;

/// The legend box every chart uses.
pub(super) fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    position: SeriesLabelPosition,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())
}

/// Human label of a metric with its unit.
pub fn metric_label(metric: &str) -> &'static str {
    match metric {
        "lonely_share" => "lonely (%)",
        "loneliness_mean" => "loneliness (mean score 0–1)",
        "crisis_share" => "in crisis (%)",
        "struggling_share" => "struggling (%)",
        "attended_share" => "went to a venue this week (%)",
        "ties_mean" => "ties per person",
        "isolated_share" => "no strong tie (%)",
        "hope_mean" => "hope (mean score 0–1)",
        "support_emotional" => "emotional support (units/day)",
        _ => "value",
    }
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    saved: &Saved,
    group: &str,
    metric: &str,
    legend: bool,
) -> std::result::Result<(), String> {
    // Every metric is non-negative and shares are at most 1: clip the bands to what the metric can take.
    // Shares are drawn in percent on an axis from 0, so noise is not zoomed into drama; other measures are
    // zoomed, and say so.
    let share = metric.ends_with("_share");
    let (top, scale) = if share { (1.0, 100.0) } else { (f64::INFINITY, 1.0) };
    let bands: Vec<(String, Band)> = saved
        .arms
        .iter()
        .map(|a| {
            let mut b = saved.band(a, group, metric);
            b.low.iter_mut().for_each(|y| *y = y.clamp(0.0, top) * scale);
            b.high.iter_mut().for_each(|y| *y = y.clamp(0.0, top) * scale);
            b.mean.iter_mut().for_each(|y| *y *= scale);
            (a.clone(), b)
        })
        .collect();
    let days: Vec<u32> = bands.iter().flat_map(|(_, b)| b.days.iter().copied()).collect();
    let run_days = saved.manifest["scenario"]["run"]["days"].as_u64().unwrap_or(7) as u32;
    let (x0, x1) = (0.0, days.iter().copied().max().unwrap_or(run_days) as f64 / 7.0);
    let ys: Vec<f64> =
        bands.iter().flat_map(|(_, b)| b.low.iter().chain(&b.high).copied()).filter(|y| y.is_finite()).collect();
    // A group with no members has no values: draw an empty panel on a unit axis rather than an axis
    // without extent (which plotters cannot divide into ticks).
    let (y0, y1) = ys
        .iter()
        .fold(None, |r: Option<(f64, f64)>, y| Some(r.map_or((*y, *y), |(lo, hi)| (lo.min(*y), hi.max(*y)))))
        .unwrap_or((0.0, 1.0));
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let pad = ((y1 - y0) * 0.1).max(1e-6);
    let bottom = if share { 0.0 } else { (y0 - pad).max(0.0) };
    let caption = if bottom > 0.0 {
        format!("{} (axis not from 0)", metric_label(metric))
    } else {
        metric_label(metric).to_string()
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(8)
        .x_label_area_size(32)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, bottom..if share { (y1 + pad).max(1.0) } else { y1 + pad })
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("week")
        .x_label_formatter(&|x| format!("{}", x.round() as i64))
        .label_style(("sans-serif", 12))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    // The warm-up, shaded: the model settling, not a finding.
    let warm_up = saved.manifest["scenario"]["run"]["burn_in_days"].as_u64().unwrap_or(0) as f64 / 7.0;
    if warm_up > 0.0 {
        let (lo, hi) = (chart.y_range().start, chart.y_range().end);
        let grey = RGBColor(225, 225, 225);
        chart
            .draw_series(std::iter::once(Rectangle::new([(x0, lo), (warm_up.min(x1), hi)], grey.mix(0.6).filled())))
            .map_err(|e| e.to_string())?;
        let label = ("sans-serif", 11).into_font().color(&RGBColor(90, 90, 90));
        chart
            .draw_series(std::iter::once(Text::new("warm-up", (x0 + 0.5, hi - (hi - lo) * 0.02), label)))
            .map_err(|e| e.to_string())?;
    }
    for (arm, b) in &bands {
        let c = arm_color(arm);
        let upper: Vec<(f64, f64)> = b.days.iter().zip(&b.high).map(|(d, y)| (*d as f64 / 7.0, *y)).collect();
        let lower: Vec<(f64, f64)> = b.days.iter().zip(&b.low).rev().map(|(d, y)| (*d as f64 / 7.0, *y)).collect();
        let poly: Vec<(f64, f64)> = upper.into_iter().chain(lower).collect();
        chart.draw_series(std::iter::once(Polygon::new(poly, c.mix(0.2)))).map_err(|e| e.to_string())?;
        let line: Vec<(f64, f64)> = b.days.iter().zip(&b.mean).map(|(d, y)| (*d as f64 / 7.0, *y)).collect();
        let s = chart.draw_series(LineSeries::new(line, c.stroke_width(2))).map_err(|e| e.to_string())?;
        if legend {
            s.label(arm.as_str()).legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        }
    }
    for (day, label) in saved.events() {
        let x = day as f64 / 7.0;
        let (lo, hi) = (chart.y_range().start, chart.y_range().end);
        chart
            .draw_series(std::iter::once(PathElement::new(vec![(x, lo), (x, hi)], BLACK.stroke_width(1))))
            .map_err(|e| e.to_string())?;
        if legend {
            chart
                .draw_series(std::iter::once(Text::new(format!(" {label}"), (x, hi), ("sans-serif", 12).into_font())))
                .map_err(|e| e.to_string())?;
        }
    }
    if ys.is_empty() {
        let (xm, ym) = ((x0 + x1) / 2.0, (chart.y_range().start + chart.y_range().end) / 2.0);
        let style = ("sans-serif", 14).into_font().color(&BLACK).pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
        chart
            .draw_series(std::iter::once(Text::new("no data: the group has no members", (xm, ym), style)))
            .map_err(|e| e.to_string())?;
    }
    if legend {
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    }
    Ok(())
}

const TIME_METRICS: [&str; 6] =
    ["lonely_share", "loneliness_mean", "crisis_share", "attended_share", "ties_mean", "isolated_share"];

fn group_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    saved: &Saved,
    group: &str,
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let name = saved.manifest["scenario"]["name"].as_str().unwrap_or("scenario");
    let title = format!("{name}: {}, mean over replicates with 95% band", crate::groups::describe(group));
    let root = root.titled(&title, ("sans-serif", 20)).map_err(|e| e.to_string())?;
    for (k, area) in root.split_evenly((2, 3)).iter().enumerate() {
        panel(area, saved, group, TIME_METRICS[k], k == 0)?;
    }
    Ok(())
}

/// The effect (difference with 95% interval) of one metric across groups, one row per group.
fn effect_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    saved: &Saved,
    metric: &str,
    groups: &[String],
) -> std::result::Result<(), String> {
    let rows: Vec<(String, f64, f64, f64)> = groups
        .iter()
        .filter_map(|g| saved.effect(g, metric).map(|e| (g.clone(), e.difference, e.ci_low, e.ci_high)))
        .filter(|(_, d, _, _)| d.is_finite())
        .collect();
    let name = saved.manifest["scenario"]["name"].as_str().unwrap_or("scenario");
    let title = format!("{name}: effect on {}, scenario − baseline, 95% interval", metric_label(metric));
    let rows: Vec<(String, f64, f64, f64)> =
        rows.into_iter().map(|(g, d, l, h)| (crate::groups::describe(&g), d, l, h)).collect();
    interval_chart(root, &title, metric, &rows)
}

/// Rows of (label, difference, interval low, interval high), one line each, on one scale.
fn interval_chart<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    metric: &str,
    rows: &[(String, f64, f64, f64)],
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let scale = if metric.ends_with("_share") { 100.0 } else { 1.0 };
    let unit = if metric.ends_with("_share") { "percentage points" } else { "difference" };
    let xs: Vec<f64> = rows.iter().flat_map(|r| [r.1, r.2, r.3]).filter(|x| x.is_finite()).map(|x| x * scale).collect();
    let (lo, hi) = xs.iter().fold((0.0f64, 0.0f64), |(a, b), x| (a.min(*x), b.max(*x)));
    let pad = ((hi - lo) * 0.1).max(1e-3);
    let n = rows.len().max(1);
    let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(260)
        .build_cartesian_2d(lo - pad..hi + pad, -0.5..n as f64 - 0.5)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(unit)
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 0.01 && i >= 0.0 && (i as usize) < names.len() {
                names[names.len() - 1 - i as usize].clone()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(0.0, -0.5), (0.0, n as f64 - 0.5)], BLACK.stroke_width(1))))
        .map_err(|e| e.to_string())?;
    for (k, (_, d, l, h)) in rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let c = PALETTE[1];
        if l.is_finite() && h.is_finite() {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(l * scale, y), (h * scale, y)], c.stroke_width(3))))
                .map_err(|e| e.to_string())?;
        }
        chart.draw_series(std::iter::once(Circle::new((d * scale, y), 5, c.filled()))).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The side-by-side chart of `supportsim compare`: one row per (option, group), for one metric.
pub fn comparison_chart(charts_dir: &Path, metric: &str, rows: &[(String, f64, f64, f64)]) -> Result<()> {
    let title = format!("Options compared: effect on {}, 95% interval", metric_label(metric));
    intervals_chart(charts_dir, &format!("compare_{metric}"), &title, metric, rows)
}

/// Rows of (label, difference, interval) on one scale, drawn as `charts_dir/name.png` and `.svg`.
pub fn intervals_chart(
    charts_dir: &Path,
    name: &str,
    title: &str,
    metric: &str,
    rows: &[(String, f64, f64, f64)],
) -> Result<()> {
    register_font();
    std::fs::create_dir_all(charts_dir).map_err(|e| Error::write(charts_dir, e))?;
    let height = 120 + 34 * rows.len() as u32;
    both!(charts_dir, name, (1000, height), |r| interval_chart(&r, title, metric, rows));
    Ok(())
}

/// A chart's file name from a label: letters, digits, `_` and `-` kept, anything else `_`; a number is added
/// when two labels would give the same name.
pub fn file_name(label: &str, used: &mut Vec<String>) -> String {
    let base: String = label.chars().map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' }).collect();
    let mut name = base.clone();
    let mut k = 2;
    while used.contains(&name) {
        name = format!("{base}_{k}");
        k += 1;
    }
    used.push(name.clone());
    name
}

/// Renders the time and effect charts into `charts_dir` (the venue chart is `venue_charts`); returns the chart
/// names (without extension) in report order.
/// Stops between charts once `cancel` is requested.
pub fn render(saved: &Saved, charts_dir: &Path, cancel: &Cancel) -> Result<Vec<(String, String)>> {
    register_font();
    std::fs::create_dir_all(charts_dir).map_err(|e| Error::write(charts_dir, e))?;
    let mut out = Vec::new();
    let mut used = Vec::new();
    let mut groups = vec!["all".to_string(), "service_users".to_string()];
    for d in saved.affected_districts() {
        groups.push(format!("district:{d}/service_users"));
    }
    for g in &groups {
        cancel.check()?;
        let name = file_name(&format!("time_{g}"), &mut used);
        both!(charts_dir, name, (1200, 700), |r| group_chart(&r, saved, g));
        out.push((
            name,
            format!(
                "Key measures over time for {}, per arm, with 95% bands; vertical lines mark events, the shaded \
                 weeks are the warm-up.",
                crate::groups::describe(g)
            ),
        ));
    }
    if !saved.effects.is_empty() {
        let mut egroups: Vec<String> = vec!["all".into(), "service_users".into(), "residents".into()];
        egroups.extend((1..=4).map(|q| format!("income:q{q}")));
        egroups.extend(
            ["none", "depression", "anxiety", "bipolar", "psychosis", "personality"]
                .iter()
                .map(|d| format!("diagnosis:{d}")),
        );
        let districts = saved.manifest["scenario"]["districts"].as_array().cloned().unwrap_or_default();
        for d in districts.iter().filter_map(|d| d["name"].as_str()) {
            egroups.push(format!("district:{d}"));
            egroups.push(format!("district:{d}/service_users"));
        }
        for metric in ["lonely_share", "crisis_share", "ties_mean"] {
            cancel.check()?;
            let name = format!("effect_{metric}");
            both!(charts_dir, name, (1000, 720), |r| effect_chart(&r, saved, metric, &egroups));
            out.push((name, format!("Effect on {} by group: who is hit hardest.", metric_label(metric))));
        }
    }
    cancel.check()?;
    Ok(out)
}
