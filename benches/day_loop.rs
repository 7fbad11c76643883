//! Day-loop throughput in agent-days per second, on the default town scaled to 10^4 and 10^5 agents, at 1
//! and 2 threads. Each iteration runs 28 days after a 28-day warm-up (the town is built outside the timer).
//! Run: `cargo bench --bench day_loop`. Record results in docs/performance.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;
use supportsim::scenario::Origin;
use supportsim::sim::World;
use supportsim::Scenario;

const DAYS: u32 = 28;

fn day_loop(c: &mut Criterion) {
    let base = Scenario::load(Origin::Embedded, Path::new("baseline.toml")).expect("embedded baseline");
    let mut group = c.benchmark_group("day_loop");
    group.sample_size(10);
    for n_agents in [10_000u32, 100_000] {
        let mut s = base.clone();
        s.population.n_agents = n_agents;
        for v in &mut s.venues {
            v.capacity = v.capacity * n_agents / 20_000;
        }
        group.throughput(Throughput::Elements(n_agents as u64 * DAYS as u64));
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut warm = World::new(&s, 0);
            pool.install(|| (0..DAYS).for_each(|d| warm.step(d, &[], None)));
            group.bench_with_input(BenchmarkId::new(format!("{threads}_threads"), n_agents), &n_agents, |b, _| {
                b.iter_batched(
                    || warm.clone(),
                    |mut world| pool.install(|| (DAYS..2 * DAYS).for_each(|d| world.step(d, &[], None))),
                    criterion::BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, day_loop);
criterion_main!(benches);
