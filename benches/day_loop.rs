//! Day-loop throughput in agent-days per second (`Throughput::Elements`), on the default town scaled to
//! 10^4, 10^5 and 10^6 agents (venue capacities scaled with it), at 1 and 2 threads; and each phase of one
//! day on its own at 10^5 agents, 1 thread. Each day-loop iteration runs 14 days after a 28-day warm-up, as
//! `supportsim run` runs them (`sim::Runner`: every phase, and the metrics recorded every 7 days); towns are
//! built, warmed and cloned outside the timer.
//!
//!     cargo bench --bench day_loop                     # everything (the 10^6 town takes a few minutes)
//!     cargo bench --bench day_loop -- day_loop/1_thread/100000
//!     cargo bench --bench day_loop -- phases
//!
//! Record results in docs/performance.md.

mod common;

use common::{town, warm, WARM_UP_DAYS};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use supportsim::dynamics::PHASES;

const DAYS: u32 = 14;

fn day_loop(c: &mut Criterion) {
    eprintln!("machine: {}", common::machine());
    let mut group = c.benchmark_group("day_loop");
    group.sample_size(10);
    for n_agents in [10_000u32, 100_000, 1_000_000] {
        let s = town(n_agents);
        group.throughput(Throughput::Elements(n_agents as u64 * DAYS as u64));
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let name = if threads == 1 { "1_thread".to_string() } else { format!("{threads}_threads") };
            group.bench_with_input(BenchmarkId::new(name, n_agents), &n_agents, |b, _| {
                let warmed = warm(&s, &pool);
                b.iter_batched(
                    || warmed.clone(),
                    |mut runner| pool.install(|| runner.advance_to(WARM_UP_DAYS + DAYS, None)),
                    criterion::BatchSize::LargeInput,
                )
            });
        }
    }
    group.finish();
}

/// Each phase of a day (`dynamics::PHASES`) timed alone, with the ones before it run in the setup; the metrics, recorded
/// once a week, per agent-day of their week.
fn phases(c: &mut Criterion) {
    let n_agents = 100_000u32;
    let s = town(n_agents);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let warmed = warm(&s, &pool).world().clone();
    let day = WARM_UP_DAYS;
    let mut group = c.benchmark_group("phases");
    group.sample_size(20);
    group.throughput(Throughput::Elements(n_agents as u64));
    let (metrics, day_phases) = PHASES.split_last().expect("phases");
    for (k, phase) in day_phases.iter().enumerate() {
        group.bench_function(*phase, |b| {
            b.iter_batched(
                || {
                    let mut w = warmed.clone();
                    // `begin_day` alone starts from the warmed town, whose inner state prepared the day's views
                    // (as in a run); every other phase from a begun day.
                    let mut ctx = (k > 0).then(|| w.begin_day(day, &[]));
                    pool.install(|| {
                        for done in &day_phases[1..k.max(1)] {
                            let ctx = ctx.as_mut().expect("a begun day");
                            match *done {
                                "going_out" => w.going_out(ctx),
                                "meeting" => w.meeting(ctx),
                                "outreach" => w.outreach(ctx),
                                "support" => w.support(ctx),
                                _ => unreachable!(),
                            }
                        }
                    });
                    (w, ctx)
                },
                |(mut w, mut ctx)| {
                    pool.install(|| match (*phase, ctx.as_mut()) {
                        ("begin_day", _) => ctx = Some(w.begin_day(day, &[])),
                        ("going_out", Some(ctx)) => w.going_out(ctx),
                        ("meeting", Some(ctx)) => w.meeting(ctx),
                        ("outreach", Some(ctx)) => w.outreach(ctx),
                        ("support", Some(ctx)) => w.support(ctx),
                        (_, Some(ctx)) => w.inner(ctx),
                        (_, None) => unreachable!("a begun day"),
                    });
                    (w, ctx)
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    // The metrics of a period, recorded once a week (`record_every_days`): timed at the end of the week from the
    // warmed day, per agent-day of the week.
    let every = s.run.record_every_days;
    let mut week = warmed.clone();
    pool.install(|| (day..day + every).for_each(|d| week.step(d, &[], None)));
    group.throughput(Throughput::Elements(n_agents as u64 * every as u64));
    group.bench_function(*metrics, |b| {
        b.iter_batched(
            || week.clone(),
            |mut w| {
                pool.install(|| w.record(every));
                w
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, day_loop, phases);
criterion_main!(benches);
