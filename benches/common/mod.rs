//! What the benchmarks share: the default town scaled to a size, and warmed up.

use std::path::Path;
use supportsim::scenario::Origin;
use supportsim::sim::World;
use supportsim::Scenario;

/// Days run before anything is timed, so that the town is past its first days.
pub const WARM_UP_DAYS: u32 = 28;

/// The default town with `n_agents` people and venue capacities scaled to match.
pub fn town(n_agents: u32) -> Scenario {
    Scenario::load(Origin::Embedded, Path::new("baseline.toml")).expect("embedded baseline").scaled(n_agents)
}

/// Replicate 0 of the town after [`WARM_UP_DAYS`] days, run on `pool`.
pub fn warm<'a>(s: &'a Scenario, pool: &rayon::ThreadPool) -> World<'a> {
    let mut w = World::new(s, 0);
    pool.install(|| (0..WARM_UP_DAYS).for_each(|d| w.step(d, &[], None)));
    w
}
