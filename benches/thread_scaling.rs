//! The speed-up from more threads inside one run, measured in pairs: the same warmed town runs the same days
//! with 1 thread and with N threads, back to back, for a number of pairs (the order swapped every pair),
//! and the ratio is taken within each pair. On a machine whose speed drifts with other load (a shared virtual
//! machine), this separates the two thread counts far better than timing each for minutes one after the
//! other, as the criterion benchmark `day_loop` does: the drift is common to both members of a pair.
//!
//!     cargo bench --bench thread_scaling                               # 10^6 agents, 2 threads, 10 pairs
//!     cargo bench --bench thread_scaling -- agents=100000 pairs=20 days=7 threads=2
//!     cargo bench --bench thread_scaling -- pairs=8 csv=docs/performance-pairs.csv   # and append the result
//!
//! Each timing covers `days` days (default 7: one of each weekday) from day 28 of the default town scaled to
//! `agents`; the town is cloned before each timing, outside the timer, so both thread counts do the same work
//! (the output is the same bits at any thread count). The days run as `supportsim run` runs them
//! (`Runner::advance_to_phases`: every phase, and the metrics recorded at the end of each week), which reports
//! the end of each phase, so the speed-up is given for each phase too. The first lines say what ran and where
//! (the CPU, the threads it offers, the tie kernel's way of running). Record results in docs/performance.md;
//! `csv=PATH` appends the run's row (agents, threads, pairs, and the median and quartiles of the speed-up, with a
//! header if the file is new) to the file the chart of `examples/performance_chart.rs` draws from. A relative
//! path is taken from the package's root, where `cargo bench` runs. The chart takes 2-thread runs from
//! docs/performance-pairs.csv and runs at more threads, on a machine with more cores, from
//! docs/performance-threads.csv; docs/performance.md says which machine each holds.

mod common;

use common::{town, warm, WARM_UP_DAYS};
use std::io::Write;
use std::time::Instant;
use supportsim::dynamics::PHASES;
use supportsim::sim::Runner;

/// Runs the days up to `end_day` as `supportsim run` does, adding each phase's seconds to `seconds`.
fn days(runner: &mut Runner, end_day: u32, seconds: &mut [f64; PHASES.len()]) {
    let mut t = Instant::now();
    runner.advance_to_phases(end_day, None, |k| {
        let now = Instant::now();
        seconds[k] += (now - t).as_secs_f64();
        t = now;
    });
}

struct Options {
    agents: u32,
    pairs: usize,
    days: u32,
    threads: usize,
    csv: Option<std::path::PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut o = Options { agents: 1_000_000, pairs: 10, days: 7, threads: 2, csv: None };
    // `cargo bench` passes `--bench`; every other argument is `key=value`.
    for arg in std::env::args().skip(1).filter(|a| !a.starts_with("--")) {
        let (key, value) = arg.split_once('=').ok_or_else(|| format!("expected key=value, got `{arg}`"))?;
        let number = |min: u64| match value.parse::<u64>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(format!("{key} must be a whole number of at least {min}, got `{value}`")),
        };
        match key {
            "agents" => o.agents = number(100)?.try_into().map_err(|_| format!("agents too large: {value}"))?,
            "pairs" => o.pairs = number(1)? as usize,
            "days" => o.days = number(1)? as u32,
            "threads" => o.threads = number(2)? as usize,
            "csv" if !value.is_empty() => o.csv = Some(value.into()),
            _ => return Err(format!("unknown option `{key}` (agents, pairs, days, threads, csv)")),
        }
    }
    Ok(o)
}

/// The `q`-quantile of `x` (sorted in place), interpolated between neighbours.
fn quantile(x: &mut [f64], q: f64) -> f64 {
    x.sort_by(f64::total_cmp);
    let pos = q * (x.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    x[lo] + (x[hi] - x[lo]) * (pos - lo as f64)
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("thread_scaling: {e}");
            std::process::exit(2);
        }
    };
    let mut csv = o.csv.as_ref().map(|path| {
        open_csv(path).unwrap_or_else(|e| {
            eprintln!("thread_scaling: {}: {e}", path.display());
            std::process::exit(2);
        })
    });
    // Before the town is built, so that a bad `SUPPORTSIM_KERNEL` stops the run at once.
    let machine = common::machine();
    let s = town(o.agents);
    let pools: Vec<rayon::ThreadPool> = [1, o.threads]
        .iter()
        .map(|&n| rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("thread pool"))
        .collect();
    let warmed = warm(&s, &pools[1]);
    let agent_days = o.agents as f64 * o.days as f64;
    println!(
        "thread_scaling: {} agents, days {}-{} of the default town, {} pairs of 1 thread and {} threads",
        o.agents,
        WARM_UP_DAYS,
        WARM_UP_DAYS + o.days - 1,
        o.pairs,
        o.threads
    );
    println!("machine: {machine}");
    println!("{:>5} {:>12} {:>12} {:>8}", "pair", "1 thread", format!("{} threads", o.threads), "speed-up");
    let (mut one, mut many, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    let mut phase_ratio = vec![Vec::new(); PHASES.len()];
    // Per phase, ns per agent-day with 1 thread and with `threads`, one entry per pair.
    let mut phase_ns = [vec![Vec::new(); PHASES.len()], vec![Vec::new(); PHASES.len()]];
    for pair in 0..o.pairs {
        let mut seconds = [0.0; 2];
        let mut phase_seconds = [[0.0; PHASES.len()]; 2];
        let order = if pair % 2 == 0 { [0, 1] } else { [1, 0] };
        for k in order {
            let mut runner = warmed.clone();
            let start = Instant::now();
            pools[k].install(|| days(&mut runner, WARM_UP_DAYS + o.days, &mut phase_seconds[k]));
            seconds[k] = start.elapsed().as_secs_f64();
            drop(runner);
        }
        for (p, r) in phase_ratio.iter_mut().enumerate() {
            r.push(phase_seconds[0][p] / phase_seconds[1][p]);
            for k in 0..2 {
                phase_ns[k][p].push(phase_seconds[k][p] * 1e9 / agent_days);
            }
        }
        println!("{:>5} {:>10.3} s {:>10.3} s {:>7.2}x", pair + 1, seconds[0], seconds[1], seconds[0] / seconds[1]);
        one.push(seconds[0] * 1e9 / agent_days);
        many.push(seconds[1] * 1e9 / agent_days);
        ratio.push(seconds[0] / seconds[1]);
    }
    println!(
        "ns per agent-day (median): 1 thread {:.0}, {} threads {:.0}",
        quantile(&mut one, 0.5),
        o.threads,
        quantile(&mut many, 0.5)
    );
    let speed_up = [0.5, 0.25, 0.75].map(|q| quantile(&mut ratio, q));
    println!(
        "speed-up over the pairs: median {:.2}x, quartiles {:.2}-{:.2}x, range {:.2}-{:.2}x",
        speed_up[0],
        speed_up[1],
        speed_up[2],
        ratio[0],
        ratio[ratio.len() - 1]
    );
    println!("by phase (medians over the pairs; `outreach` is a few calls and mostly noise):");
    println!("  {:<10} {:>10} {:>10} {:>9}", "phase", "1 thread", format!("{} threads", o.threads), "speed-up");
    for (p, (name, r)) in PHASES.iter().zip(&mut phase_ratio).enumerate() {
        let [one, many] = &mut phase_ns;
        let (one, many) = (quantile(&mut one[p], 0.5), quantile(&mut many[p], 0.5));
        println!("  {name:<10} {one:>7.1} ns {many:>7.1} ns {:>8.2}x", quantile(r, 0.5));
    }
    if let (Some(path), Some(file)) = (&o.csv, &mut csv) {
        let [median, q1, q3] = speed_up;
        let row = format!("{},{},{},{median:.2},{q1:.2},{q3:.2}\n", o.agents, o.threads, o.pairs);
        if let Err(e) = file.write_all(row.as_bytes()) {
            eprintln!("thread_scaling: {}: {e}", path.display());
            std::process::exit(2);
        }
        println!("appended the speed-up to {}", path.display());
    }
}

/// The header of the CSV file that `csv=PATH` appends to.
const CSV_HEADER: &str = "agents,threads,pairs,speedup_median,speedup_q1,speedup_q3";

/// Opens the chart's CSV file of paired runs for appending, before any work: writes the header if the file is
/// new, and refuses a file whose header is another (rows of other columns would corrupt it).
fn open_csv(path: &std::path::Path) -> Result<std::fs::File, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.to_string()),
    };
    let header = text.lines().next().unwrap_or("");
    if !text.is_empty() && header != CSV_HEADER {
        return Err(format!("line 1 is `{header}`, not the header `{CSV_HEADER}`; give another file"));
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| e.to_string())?;
    if text.is_empty() {
        file.write_all(format!("{CSV_HEADER}\n").as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(file)
}
