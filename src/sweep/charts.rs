//! Sweep charts, PNG and SVG with the bundled font: a tornado chart of the sensitivity indices of each
//! output (PRCC, or first-order and total Sobol indices, with bootstrap intervals), and for a two-parameter
//! grid a heatmap of each output's point means.

use super::analysis::{Index, PointMeans};
use super::format::{Info, Output};
use crate::cancel::Cancel;
use crate::error::Result;
use crate::report::charts::{both, draw_err, file_name, register_font, PALETTE};
use plotters::prelude::*;
use std::path::Path;

/// A chart's file name for an output: its quantity, metric and group, letters (of any alphabet), digits, `_`
/// and `-` kept and anything else `_`, with a number added when two outputs would share a name.
fn chart_name(prefix: &str, o: &Output, used: &mut Vec<String>) -> String {
    file_name(&format!("{prefix}_{}_{}_{}", o.quantity, o.metric, o.group), used)
}

fn title(o: &Output) -> String {
    let what = match o.quantity.as_str() {
        "effect" => "effect on ",
        "baseline" => "baseline ",
        "scenario" => "scenario ",
        _ => "",
    };
    format!("{what}{} — {}", o.metric.replace('_', " "), crate::groups::describe(&o.group))
}

/// Tornado chart: one bar per parameter (two for Sobol designs), largest first, with 95% intervals.
fn tornado<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    output: &Output,
    rows: &[&Index],
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let sobol = rows.iter().any(|r| r.index != "prcc");
    let mut params: Vec<&str> = Vec::new();
    for r in rows {
        if !params.contains(&r.parameter.as_str()) {
            params.push(&r.parameter);
        }
    }
    // Order by the largest magnitude of any index of the parameter.
    let size = |p: &str| {
        rows.iter().filter(|r| r.parameter == p).map(|r| r.estimate.abs()).filter(|x| x.is_finite()).fold(0.0, f64::max)
    };
    params.sort_by(|a, b| size(b).total_cmp(&size(a)));
    let n = params.len();
    let (x0, x1) = if sobol {
        let hi = rows.iter().flat_map(|r| [r.estimate, r.ci_high]).filter(|x| x.is_finite()).fold(1.0, f64::max);
        let lo = rows.iter().flat_map(|r| [r.estimate, r.ci_low]).filter(|x| x.is_finite()).fold(0.0, f64::min);
        (lo.min(0.0), hi)
    } else {
        (-1.0, 1.0)
    };
    let caption = format!(
        "{} of {}",
        if sobol { "Sobol indices (first order, total)" } else { "partial rank correlation" },
        title(output)
    );
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(260)
        .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
        .map_err(|e| e.to_string())?;
    let labels: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n.max(1))
        .y_label_formatter(&|y| {
            let i = y.round();
            if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                labels[n - 1 - i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_desc(if sobol { "share of output variance" } else { "PRCC (−1 to 1)" })
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    let kinds: &[(&str, RGBColor)] =
        if sobol { &[("first_order", PALETTE[0]), ("total", PALETTE[1])] } else { &[("prcc", PALETTE[0])] };
    let width = 0.7 / kinds.len() as f64;
    for (k, (kind, color)) in kinds.iter().enumerate() {
        let mut bars = Vec::new();
        let mut whiskers = Vec::new();
        for (i, p) in params.iter().enumerate() {
            let Some(r) = rows.iter().find(|r| r.parameter == *p && r.index == *kind) else { continue };
            let y = (n - 1 - i) as f64 + 0.35 - width * (k as f64 + 0.5);
            if r.estimate.is_finite() {
                bars.push(Rectangle::new([(0.0, y - width / 2.0), (r.estimate, y + width / 2.0)], color.filled()));
            }
            if r.ci_low.is_finite() && r.ci_high.is_finite() {
                whiskers.push(PathElement::new(vec![(r.ci_low, y), (r.ci_high, y)], BLACK.stroke_width(2)));
            }
        }
        let label = match *kind {
            "first_order" => "first order",
            "total" => "total",
            _ => "PRCC",
        };
        chart
            .draw_series(bars)
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
        chart.draw_series(whiskers).map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(0.0, -0.5), (0.0, n as f64 - 0.5)], BLACK)))
        .map_err(|e| e.to_string())?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// One tornado chart per output that has indices.
pub fn tornados(dir: &Path, info: &Info, rows: &[Index], cancel: &Cancel) -> Result<()> {
    register_font();
    let mut used = Vec::new();
    for o in info.outputs.iter().filter(|o| o.quantity == info.primary()) {
        cancel.check()?;
        let mine: Vec<&Index> = rows.iter().filter(|r| &r.output == o).collect();
        if mine.is_empty() {
            continue;
        }
        let n_params = mine.iter().map(|r| &r.parameter).collect::<std::collections::BTreeSet<_>>().len();
        let height = 160 + 48 * n_params as u32;
        let name = chart_name("tornado", o, &mut used);
        both!(dir, name, (1000, height), |r| tornado(&r, o, &mine));
    }
    Ok(())
}

/// A sequential colour from light yellow (0) to dark blue (1), after the viridis scale.
fn colour(t: f64) -> RGBColor {
    let stops =
        [(253.0, 231.0, 37.0), (94.0, 201.0, 98.0), (33.0, 145.0, 140.0), (59.0, 82.0, 139.0), (68.0, 1.0, 84.0)];
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * (stops.len() - 1) as f64;
    let i = (t.floor() as usize).min(stops.len() - 2);
    let f = t - i as f64;
    let (a, b) = (stops[i], stops[i + 1]);
    let mix = |x: f64, y: f64| (x + f * (y - x)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Heatmap of one output over a two-parameter grid, each cell labelled with its mean.
fn heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    info: &Info,
    output: &Output,
    col: usize,
    points: &[PointMeans],
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut xs: Vec<&str> = Vec::new();
    let mut ys: Vec<&str> = Vec::new();
    for p in points {
        if !xs.contains(&p.values[0].as_str()) {
            xs.push(&p.values[0]);
        }
        if !ys.contains(&p.values[1].as_str()) {
            ys.push(&p.values[1]);
        }
    }
    // Shares in percent (levels) or percentage points (effects), as the report writes them.
    let (scale, unit) = unit_of(output);
    let vals: Vec<f64> = points.iter().map(|p| p.means[col] * scale).filter(|v| v.is_finite()).collect();
    let (lo, hi) = vals.iter().fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let (lo, hi) = if vals.is_empty() { (0.0, 1.0) } else { (lo, hi) };
    let (main, side) = root.split_horizontally(root.dim_in_pixel().0.saturating_sub(120));
    // The colour bar: which value each colour stands for.
    let top = if hi > lo { hi } else { lo + 1.0 };
    let mut bar = ChartBuilder::on(&side)
        .margin_top(40)
        .margin_bottom(60)
        .margin_right(12)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, lo..top)
        .map_err(|e| e.to_string())?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| if scale == 100.0 { format!("{v:.1}") } else { format!("{v:.3}") })
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    let steps = 64;
    bar.draw_series((0..steps).map(|i| {
        let (a, b) = (lo + (top - lo) * i as f64 / steps as f64, lo + (top - lo) * (i + 1) as f64 / steps as f64);
        Rectangle::new([(0.0, a), (1.0, b)], colour((i as f64 + 0.5) / steps as f64).filled())
    }))
    .map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&main)
        .caption(format!("{} ({unit}, mean over replicates)", title(output)), ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.5..(xs.len() as f64 - 0.5), -0.5..(ys.len() as f64 - 0.5))
        .map_err(|e| e.to_string())?;
    let (xl, yl) = (xs.clone(), ys.clone());
    let at = |labels: &[&str], v: f64| {
        let i = v.round();
        if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
            labels[i as usize].to_string()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(xs.len())
        .y_labels(ys.len())
        .x_label_formatter(&|v| at(&xl, *v))
        .y_label_formatter(&|v| at(&yl, *v))
        .x_desc(info.parameters[0].path.as_str())
        .y_desc(info.parameters[1].path.as_str())
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    let mut cells = Vec::new();
    let mut texts = Vec::new();
    for p in points {
        let x = xs.iter().position(|v| *v == p.values[0]).unwrap_or(0) as f64;
        let y = ys.iter().position(|v| *v == p.values[1]).unwrap_or(0) as f64;
        let v = p.means[col] * scale;
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        cells.push(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], colour(t).filled()));
        let ink = if t > 0.55 { WHITE } else { BLACK };
        let label = match (v.is_finite(), scale == 100.0) {
            (false, _) => "–".into(),
            (true, true) if output.quantity == "effect" => format!("{v:+.1}"),
            (true, true) => format!("{v:.1}"),
            (true, false) => format!("{v:.3}"),
        };
        texts.push(Text::new(
            label,
            (x, y),
            ("sans-serif", 14).into_font().color(&ink).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            )),
        ));
    }
    chart.draw_series(cells).map_err(|e| e.to_string())?;
    chart.draw_series(texts).map_err(|e| e.to_string())?;
    Ok(())
}

/// How an output is shown: shares ×100, in percentage points for an effect and percent for a level.
fn unit_of(output: &Output) -> (f64, &'static str) {
    match (output.metric.ends_with("_share"), output.quantity == "effect") {
        (true, true) => (100.0, "percentage points"),
        (true, false) => (100.0, "%"),
        (false, _) => (1.0, "metric's units"),
    }
}

/// The dose–response line of a one-parameter grid: each primary output's mean at each value of the
/// parameter, with its 95% band over replicates, in the metric's units.
fn dose_response<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    info: &Info,
    output: &Output,
    col: usize,
    points: &[PointMeans],
) -> std::result::Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (scale, unit) = unit_of(output);
    let numeric = info.parameters[0].numeric;
    let x_of =
        |i: usize, p: &PointMeans| if numeric { p.values[0].parse::<f64>().unwrap_or(i as f64) } else { i as f64 };
    let mut rows: Vec<(f64, f64, f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (x_of(i, p), p.means[col] * scale, p.low[col] * scale, p.high[col] * scale))
        .filter(|r| r.1.is_finite())
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let xs: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let ys: Vec<f64> = rows.iter().flat_map(|r| [r.1, r.2, r.3]).filter(|y| y.is_finite()).collect();
    let (x0, x1) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    let (x0, x1) = if xs.is_empty() || x1 <= x0 { (0.0, 1.0) } else { (x0, x1) };
    let (y0, y1) = ys.iter().fold((0.0f64, 0.0f64), |(a, b), y| (a.min(*y), b.max(*y)));
    let pad = ((y1 - y0) * 0.1).max(1e-6);
    let labels: Vec<String> = points.iter().map(|p| p.values[0].clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(format!("{}: {} ({unit}), 95% band", info.name, title(output)), ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(info.parameters[0].path.as_str())
        .y_desc(unit)
        .x_label_formatter(&|v| {
            if numeric {
                format!("{v}")
            } else {
                labels.get(v.round() as usize).cloned().unwrap_or_default()
            }
        })
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    let c = PALETTE[1];
    let upper = rows.iter().filter(|r| r.3.is_finite()).map(|r| (r.0, r.3));
    let lower: Vec<(f64, f64)> = rows.iter().filter(|r| r.2.is_finite()).map(|r| (r.0, r.2)).collect();
    let band: Vec<(f64, f64)> = upper.chain(lower.into_iter().rev()).collect();
    chart.draw_series(std::iter::once(Polygon::new(band, c.mix(0.2)))).map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(rows.iter().map(|r| (r.0, r.1)), c.stroke_width(2)))
        .map_err(|e| e.to_string())?;
    chart.draw_series(rows.iter().map(|r| Circle::new((r.0, r.1), 4, c.filled()))).map_err(|e| e.to_string())?;
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(x0, 0.0), (x1, 0.0)], BLACK.stroke_width(1))))
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The charts of a grid's primary outputs: a dose–response line for one parameter, a heatmap for two.
pub fn grid_charts(dir: &Path, info: &Info, points: &[PointMeans], cancel: &Cancel) -> Result<()> {
    register_font();
    let one = info.parameters.len() == 1;
    let (prefix, size) = if one { ("dose_response", (900, 600)) } else { ("heatmap", (900, 700)) };
    let mut used = Vec::new();
    for (col, o) in info.outputs.iter().enumerate().filter(|(_, o)| o.quantity == info.primary()) {
        cancel.check()?;
        let name = chart_name(prefix, o, &mut used);
        both!(dir, name, size, |r| if one {
            dose_response(&r, info, o, col, points)
        } else {
            heatmap(&r, info, o, col, points)
        });
    }
    Ok(())
}
