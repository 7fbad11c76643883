//! Invariants over many seeds: population conserved, shares in [0, 1], no NaN in non-empty groups, ties
//! symmetric and within `max_ties`, closed venues empty.

use crate::common::*;
use supportsim::metric_names::METRICS;
use supportsim::types::NO_VENUE;
use supportsim::world::World;

#[test]
fn invariants_hold_every_day_over_many_seeds() {
    for seed in 0..12u64 {
        let mut s = town(
            r#"
[[events]]
day = 30
action = "close_venue"
venue = "a_meeting"
[[events]]
day = 40
action = "lockdown"
duration_days = 10
[[events]]
day = 45
action = "add_staff"
venue = "b_meeting"
role = "peer_worker"
count = 2
[[events]]
day = 50
action = "social_media_shift"
delta = 0.3
"#,
        );
        s.run.seed = seed;
        s.run.days = 70;
        s.run.burn_in_days = 20;
        s.analysis.window_days = 28;
        s.population.n_agents = 600 + 37 * seed as u32;
        let n = s.population.n_agents as usize;
        let mut world = World::new(&s, 0);
        let max_ties = s.params.max_ties as usize;
        let closed = s.venue_index("a_meeting").unwrap() as u16;
        for day in 0..s.run.days {
            let events: Vec<(usize, &supportsim::scenario::Event)> =
                s.events.iter().enumerate().filter(|(_, e)| e.day == day).collect();
            world.step(day, &events, None);
            assert_eq!(world.agents.len(), n, "population conserved");
            assert_eq!(world.states.len(), n);
            world.network.check_symmetric().unwrap_or_else(|e| panic!("seed {seed} day {day}: {e}"));
            for i in 0..n as u32 {
                assert!(world.network.ties(i).len() <= max_ties);
            }
            for st in &world.states {
                for x in [st.loneliness, st.hope, st.shame] {
                    assert!(x.is_finite() && (0.0..=1.0).contains(&x), "seed {seed} day {day}: {x}");
                }
                assert!(st.support_recent.is_finite() && st.support_recent >= 0.0);
            }
            if day >= 30 {
                assert!(world.venue_today.iter().all(|&v| v != closed), "closed venue has visitors");
            }
            if (40..50).contains(&day) {
                assert!(world.venue_today.iter().all(|&v| v == NO_VENUE), "lockdown: nobody out");
            }
        }
    }
}

#[test]
fn recorded_metrics_are_sane_over_seeds() {
    for seed in 0..6u64 {
        let mut s = town("");
        s.run.seed = seed * 1000 + 1;
        s.run.replicates = 2;
        s.run.days = 84;
        s.run.burn_in_days = 28;
        s.analysis.window_days = 28;
        let exp = run(&s);
        for run in &exp.arms[0].runs {
            for r in 0..run.record_days.len() {
                for (g, name) in exp.group_names.iter().enumerate() {
                    let size_known = !run.value(r, g, 0).is_nan();
                    for (m, metric) in METRICS.iter().enumerate() {
                        let v = run.value(r, g, m);
                        if !size_known {
                            assert!(v.is_nan(), "empty group {name} has a value");
                            continue;
                        }
                        assert!(v.is_finite(), "{name} {metric} is {v}");
                        assert!(v >= 0.0, "{name} {metric} negative");
                        if metric.ends_with("_share") {
                            assert!(v <= 1.0, "{name} {metric} = {v}");
                        }
                    }
                    let states: f64 = (2..5).map(|m| run.value(r, g, m)).sum();
                    if size_known {
                        assert!((states - 1.0).abs() < 1e-9, "state shares of {name} sum to {states}");
                    }
                }
            }
        }
        let closed_rows = exp.arms[0].runs.iter().flat_map(|r| r.venue_rows.iter().flatten()).filter(|p| !p.operating);
        assert!(closed_rows.into_iter().all(|p| p.visits == 0));
    }
}

/// Towns with more venues than the stack buffer of the venue choice still use all of them.
#[test]
fn many_venues_are_all_reachable() {
    let mut s = town("");
    let template = s.venues[s.venue_index("a_cafe").unwrap()].clone();
    for k in 0..80 {
        let mut v = template.clone();
        v.name = format!("extra_{k}");
        s.venues.push(v);
    }
    let mut world = World::new(&s, 0);
    let mut beyond = 0;
    for day in 0..14 {
        world.step(day, &[], None);
        beyond += world.venue_today.iter().filter(|&&v| v != NO_VENUE && v >= 64).count();
    }
    assert!(beyond > 0, "no visits to venues past the 64th");
}
