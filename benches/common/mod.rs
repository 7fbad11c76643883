//! What the benchmarks share: the default town scaled to a size, and warmed up.

use std::path::Path;
use supportsim::scenario::Origin;
use supportsim::sim::Runner;
use supportsim::Scenario;

/// Days run before anything is timed, so that the town is past its first days.
pub const WARM_UP_DAYS: u32 = 28;

/// The default town with `n_agents` people and venue capacities scaled to match.
pub fn town(n_agents: u32) -> Scenario {
    Scenario::load(Origin::Embedded, Path::new("baseline.toml")).expect("embedded baseline").scaled(n_agents)
}

/// The machine the benchmark runs on, in one line, for the record of a measurement: the CPU (its name, and on
/// Linux its family and model, which tell its generation), the threads it offers, and the way the tie kernel
/// runs (`SUPPORTSIM_KERNEL`). A figure is only comparable with one from the same
/// machine and kernel way (docs/performance.md). A `SUPPORTSIM_KERNEL` that names no way this CPU can run is reported, as
/// the command line reports it, and the benchmark exits with code 2 rather than time another way.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        cpuinfo.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    };
    let cpu = match (field("model name"), field("cpu family"), field("model")) {
        (Some(name), Some(family), Some(model)) => format!("{name} (family {family}, model {model})"),
        (Some(name), ..) => name,
        _ => std::env::consts::ARCH.to_string(),
    };
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = supportsim::dynamics::support::kernel_name().unwrap_or_else(|e| {
        eprintln!("benchmark: {e}");
        std::process::exit(2);
    });
    format!("{cpu}, {threads} threads available, tie kernel {kernel}")
}

/// Replicate 0 of the town after [`WARM_UP_DAYS`] days, run on `pool` as `supportsim run` runs it: a
/// [`Runner`], which records the metrics at the end of every period (the `metrics` phase), so that the days timed after it
/// are the whole day loop.
pub fn warm<'a>(s: &'a Scenario, pool: &rayon::ThreadPool) -> Runner<'a> {
    let mut runner = Runner::new(s, 0);
    pool.install(|| runner.advance_to(WARM_UP_DAYS, None));
    runner
}
