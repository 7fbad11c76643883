//! Draws docs/performance-scaling.png and .svg from the measured figures: time per agent-day against town
//! size at 1 and 2 threads (with the 100 ns target), the speed-up from a second thread, and the speed-up from
//! more threads on a machine with more cores.
//!
//!     cargo run --release --example performance_chart
//!     cargo run --release --example performance_chart -- --from-criterion [DIR]
//!
//! docs/performance.csv has one row per criterion measurement, `agents,threads,ns_per_agent_day` (from
//! `cargo bench --bench day_loop`): the left panel, and the middle panel's hollow markers (one thread's time
//! over two threads', timed minutes apart). docs/performance-pairs.csv has one row per run of
//! `cargo bench --bench thread_scaling` at 2 threads, `agents,threads,pairs,speedup_median,speedup_q1,speedup_q3`:
//! the middle panel's filled markers and whiskers, the measure of the two-thread target (each pair times both
//! thread counts back to back, so the machine's drift between them cancels). docs/performance-threads.csv has
//! the same columns, from runs at 2 to 16 threads on a 16-core machine (docs/performance.md): the right
//! panel.
//!
//! `--from-criterion` first rewrites docs/performance.csv from criterion's saved estimates of the last
//! `day_loop` run: the time per iteration criterion reports, from
//! `DIR/day_loop/<threads>/<agents>/new/estimates.json` (DIR defaults to `target/criterion`). So a new
//! measurement's chart needs no figures copied by hand; `cargo bench --bench thread_scaling --
//! csv=docs/performance-pairs.csv` appends the paired runs.

use plotters::prelude::*;
use std::collections::BTreeMap;
use supportsim::report::charts::{register_font, PALETTE};

type Figures = BTreeMap<(u64, u64), f64>;

/// Every row of a CSV file of numbers, each with `columns` fields.
fn rows(path: &str, columns: usize) -> Vec<Vec<f64>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows = r.records().map(|row| {
        let row = row.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(row.len(), columns, "{path}: expected {columns} fields, got {row:?}");
        row.iter().map(|x| x.trim().parse::<f64>().unwrap_or_else(|e| panic!("{path}: `{x}`: {e}"))).collect()
    });
    rows.collect()
}

/// docs/performance.csv: ns per agent-day by (agents, threads).
fn read(path: &str) -> Figures {
    rows(path, 3).into_iter().map(|r| ((r[0] as u64, r[1] as u64), r[2])).collect()
}

/// One run of `thread_scaling`: the agents, the threads timed against one, and the median and quartiles of its
/// pairs' speed-ups.
struct PairedRun {
    agents: u64,
    threads: u64,
    median: f64,
    quartiles: (f64, f64),
}

/// docs/performance-pairs.csv or docs/performance-threads.csv.
fn read_pairs(path: &str) -> Vec<PairedRun> {
    let runs = rows(path, 6).into_iter();
    runs.map(|r| PairedRun { agents: r[0] as u64, threads: r[1] as u64, median: r[3], quartiles: (r[4], r[5]) })
        .collect()
}

type Panel<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// One panel over town size (log10 agents, 10^3.5 to 10^6.5) with its mesh drawn.
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
    y_desc: &str,
    y: std::ops::Range<f64>,
) -> Result<Panel<'a, DB>, String> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(3.5f64..6.5f64, y)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("agents (log10)")
        .y_desc(y_desc)
        .x_labels(7)
        .x_label_formatter(&|x| if (x - x.round()).abs() < 1e-9 { format!("10^{x:.0}") } else { String::new() })
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(chart)
}

/// A horizontal target line at `y` with its legend entry, then the legend box.
fn target_and_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Panel<'a, DB>,
    y: f64,
    label: &str,
) -> Result<(), String> {
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(3.5, y), (6.5, y)], BLACK.stroke_width(1))))
        .map_err(|e| e.to_string())?
        .label(label)
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK));
    legend(chart)
}

/// The panel's legend, in a box at its upper left.
fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Panel<'a, DB>) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    f: &Figures,
    pairs: &[PairedRun],
    many: &[PairedRun],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (left, rest) = root.split_horizontally(560);
    let (middle, right) = rest.split_horizontally(560);
    let agents: Vec<u64> = f.keys().map(|k| k.0).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let top = f.values().fold(100.0f64, |a, b| a.max(*b)) * 1.15;
    let mut chart = panel(&left, "time per agent-day", "ns per agent-day", 0.0..top)?;
    for (k, threads) in [1u64, 2].iter().enumerate() {
        let pts: Vec<(f64, f64)> =
            agents.iter().filter_map(|a| f.get(&(*a, *threads)).map(|v| ((*a as f64).log10(), *v))).collect();
        let color = PALETTE[k];
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(format!("{threads} thread{}", if *threads == 1 { "" } else { "s" }))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
        chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled()))).map_err(|e| e.to_string())?;
    }
    target_and_legend(&mut chart, 100.0, "target: 100 ns on one core")?;

    let mut chart = panel(&middle, "speed-up from a second thread", "2 threads vs 1", 0.8..2.3)?;
    // The runs of one town size side by side, a little apart, so that their whiskers do not overlap.
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    let paired: Vec<(f64, &PairedRun)> = pairs
        .iter()
        .filter(|run| run.threads == 2)
        .map(|run| {
            let k = seen.entry(run.agents).or_insert(0);
            *k += 1;
            ((run.agents as f64).log10() + 0.06 * (*k as f64 - 1.0), run)
        })
        .collect();
    let color = PALETTE[2];
    chart
        .draw_series(paired.iter().map(|(x, run)| {
            PathElement::new(vec![(*x, run.quartiles.0), (*x, run.quartiles.1)], color.stroke_width(2))
        }))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(paired.iter().map(|(x, run)| Circle::new((*x, run.median), 5, color.filled())))
        .map_err(|e| e.to_string())?
        .label("paired runs: median and quartiles")
        .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    let unpaired: Vec<(f64, f64)> =
        agents.iter().filter_map(|a| Some(((*a as f64).log10() - 0.08, f.get(&(*a, 1))? / f.get(&(*a, 2))?))).collect();
    let grey = RGBColor(110, 110, 110);
    chart
        .draw_series(unpaired.iter().map(|p| Circle::new(*p, 5, grey.stroke_width(2))))
        .map_err(|e| e.to_string())?
        .label("criterion: one thread count after the other")
        .legend(move |(x, y)| Circle::new((x + 8, y), 5, grey.stroke_width(2)));
    target_and_legend(&mut chart, 1.7, "target at 10^6: 1.7×")?;
    threads_panel(&right, many)?;
    root.present().map_err(|e| e.to_string())
}

/// The speed-up against the number of threads, the medians (with quartile whiskers) of each town size joined by
/// a line, and the ideal speed-up.
fn threads_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    runs: &[PairedRun],
) -> Result<(), String> {
    let most = runs.iter().map(|r| r.threads).max().unwrap_or(2).max(2) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption("speed-up from more threads (16 cores)", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..most + 1.0, 0.0..most + 1.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("threads")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .y_desc("speed-up over 1 thread")
        .label_style(("sans-serif", 13))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(1.0, 1.0), (most, most)], BLACK.stroke_width(1))))
        .map_err(|e| e.to_string())?
        .label("ideal")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK));
    let sizes: std::collections::BTreeSet<u64> = runs.iter().map(|r| r.agents).collect();
    for (k, agents) in sizes.iter().rev().enumerate() {
        let mut of_size: Vec<&PairedRun> = runs.iter().filter(|r| r.agents == *agents).collect();
        of_size.sort_by_key(|r| r.threads);
        let color = PALETTE[(k + 3) % PALETTE.len()];
        // A line from one thread through the medians, where more than one thread count was timed.
        if of_size.len() > 1 {
            let line = std::iter::once((1.0, 1.0)).chain(of_size.iter().map(|r| (r.threads as f64, r.median)));
            chart.draw_series(LineSeries::new(line, color.stroke_width(2))).map_err(|e| e.to_string())?;
        }
        chart
            .draw_series(of_size.iter().map(|r| {
                let x = r.threads as f64;
                PathElement::new(vec![(x, r.quartiles.0), (x, r.quartiles.1)], color.stroke_width(2))
            }))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(of_size.iter().map(|r| Circle::new((r.threads as f64, r.median), 5, color.filled())))
            .map_err(|e| e.to_string())?
            .label(format!("10^{:.0} agents: median and quartiles", (*agents as f64).log10()))
            .legend(move |(x, y)| Circle::new((x + 8, y), 5, color.filled()));
    }
    legend(&mut chart)
}

/// Days timed per iteration of `benches/day_loop.rs`'s day-loop benchmark.
const DAY_LOOP_DAYS: f64 = 14.0;

/// docs/performance.csv's rows from criterion's estimates of the `day_loop` group under `criterion_dir`: ns per
/// agent-day, the time per iteration over `agents × DAY_LOOP_DAYS`.
fn from_criterion(criterion_dir: &std::path::Path) -> Result<String, String> {
    let mut rows = Vec::new();
    for (threads, name) in [(1u64, "1_thread"), (2, "2_threads")] {
        let dir = criterion_dir.join("day_loop").join(name);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
            let Ok(agents) = entry.file_name().to_string_lossy().parse::<u64>() else { continue };
            let path = entry.path().join("new/estimates.json");
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            // The time criterion reports: its linear fit's slope where it sampled linearly, else the mean.
            let ns = (json["slope"]["point_estimate"].as_f64())
                .or(json["mean"]["point_estimate"].as_f64())
                .ok_or_else(|| format!("{}: no slope or mean point_estimate", path.display()))?;
            rows.push((agents, threads, ns / (agents as f64 * DAY_LOOP_DAYS)));
        }
    }
    if rows.is_empty() {
        return Err(format!(
            "{}: no day_loop estimates (run `cargo bench --bench day_loop` first)",
            criterion_dir.display()
        ));
    }
    rows.sort_by_key(|&(agents, threads, _)| (agents, threads));
    let body: String = rows.iter().map(|(a, t, ns)| format!("{a},{t},{ns:.1}\n")).collect();
    Ok(format!("agents,threads,ns_per_agent_day\n{body}"))
}

fn main() {
    register_font();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => {}
        Some("--from-criterion") if args.len() <= 2 => {
            let default = concat!(env!("CARGO_MANIFEST_DIR"), "/target/criterion");
            let criterion_dir = std::path::Path::new(args.get(1).map_or(default, String::as_str));
            let csv = from_criterion(criterion_dir).unwrap_or_else(|e| {
                eprintln!("performance_chart: {e}");
                std::process::exit(2);
            });
            std::fs::write(format!("{dir}/performance.csv"), csv).expect("writing docs/performance.csv");
            println!("wrote {dir}/performance.csv from {}", criterion_dir.display());
        }
        Some(_) => {
            eprintln!("usage: performance_chart [--from-criterion [DIR]]");
            std::process::exit(2);
        }
    }
    let f = read(&format!("{dir}/performance.csv"));
    let pairs = read_pairs(&format!("{dir}/performance-pairs.csv"));
    let many = read_pairs(&format!("{dir}/performance-threads.csv"));
    let size = (1680, 460);
    draw(BitMapBackend::new(&format!("{dir}/performance-scaling.png"), size).into_drawing_area(), &f, &pairs, &many)
        .expect("PNG chart");
    draw(SVGBackend::new(&format!("{dir}/performance-scaling.svg"), size).into_drawing_area(), &f, &pairs, &many)
        .expect("SVG chart");
    println!("wrote {dir}/performance-scaling.png and .svg");
}
