//! Determinism is a contract: the same scenario and seed give byte-identical output at any thread count,
//! across runs, and whether or not the arms share their burn-in.

use crate::common::*;
use supportsim::cancel::Cancel;
use supportsim::experiment::{self, Options};
use supportsim::output;

fn timeseries_bytes(threads: usize, scenario: &supportsim::Scenario) -> Vec<u8> {
    let exp =
        experiment::run_experiment(scenario, &Options { threads: Some(threads), ..Options::default() }, None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeseries.csv");
    output::write_timeseries(&path, &exp, &Cancel::never()).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    output::write_venues(&path, &exp, &Cancel::never()).unwrap();
    bytes.extend(std::fs::read(&path).unwrap());
    if let Some(e) = &exp.effects {
        output::write_effects(&path, e).unwrap();
        bytes.extend(std::fs::read(&path).unwrap());
    }
    bytes
}

#[test]
fn identical_bytes_at_1_2_and_4_threads_and_across_runs() {
    let s = town(
        r#"
[[events]]
day = 112
action = "close_venue"
venue = "a_meeting"
"#,
    );
    let one = timeseries_bytes(1, &s);
    assert!(one.len() > 10_000, "output is not trivially small");
    assert_eq!(one, timeseries_bytes(2, &s), "2 threads differ from 1");
    assert_eq!(one, timeseries_bytes(4, &s), "4 threads differ from 1");
    assert_eq!(one, timeseries_bytes(2, &s), "a second run differs");
}

/// The parallel passes split the town into blocks of agents (64 in the tie pass, 16,384 in the meetings'
/// write-back): a town of 40,000 crosses block ends in every pass.
#[test]
fn identical_bytes_at_1_and_2_threads_in_a_town_of_many_blocks() {
    let mut s = town("").scaled(40_000);
    (s.run.days, s.run.burn_in_days, s.run.replicates, s.analysis.window_days) = (42, 14, 1, 28);
    let one = timeseries_bytes(1, &s);
    assert!(one.len() > 1_000, "output is not trivially small");
    assert_eq!(one, timeseries_bytes(2, &s), "2 threads differ from 1");
}

#[test]
fn different_seeds_give_different_output() {
    let a = town("");
    let mut b = a.clone();
    b.run.seed += 1;
    assert_ne!(timeseries_bytes(2, &a), timeseries_bytes(2, &b));
}

/// Running the arms apart (as with agent records) and forking after the shared burn-in give the same runs.
#[test]
fn shared_burn_in_equals_separate_arms() {
    let s = town(
        r#"
[[events]]
day = 120
action = "set_fee"
venue = "a_meeting"
cost_nok = 50
"#,
    );
    let shared = run(&s);
    for (arm, (name, scenario)) in experiment::arms_of(&s).into_iter().enumerate() {
        for rep in 0..s.run.replicates {
            let alone = supportsim::sim::run_replicate(&scenario, rep, None);
            let forked = &shared.arms[arm].runs[rep as usize];
            assert_eq!(alone.record_days, forked.record_days);
            let same = alone.values.iter().zip(&forked.values).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "arm {name} replicate {rep} differs between shared and separate runs");
        }
    }
}

/// Common random numbers: an event that changes nothing gives identical arms, bit for bit.
#[test]
fn a_no_op_event_gives_identical_arms() {
    let s = town(
        r#"
[[events]]
day = 100
action = "set_budget"
venue = "a_meeting"
factor = 1.0
"#,
    );
    let exp = run(&s);
    for (b, sc) in exp.arms[0].runs.iter().zip(&exp.arms[1].runs) {
        assert!(b.values.iter().zip(&sc.values).all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())));
        assert_eq!(b.venue_rows, sc.venue_rows);
    }
    for e in exp.effects.as_ref().unwrap() {
        assert!(e.difference == 0.0 || e.difference.is_nan(), "{} {} differs: {}", e.group, e.metric, e.difference);
    }
}

/// `compare` runs several options on one baseline; each option's effects equal running it alone on the same
/// seeds, so the ranking is the one single runs would give.
#[test]
fn compare_equals_running_each_option_alone() {
    let mut close = town("[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n");
    let mut half = town("[[events]]\nday = 140\naction = \"set_budget\"\nvenue = \"a_meeting\"\nfactor = 0.5\n");
    // Options need names of their own (compare refuses two of one name: their rows would be indistinguishable).
    close.name = "close".into();
    half.name = "half".into();
    let exps = experiment::compare(&[close.clone(), half.clone()], &Options::default()).unwrap();
    for (exp, alone) in exps.iter().zip([run(&close), run(&half)]) {
        for (a, b) in exp.effects.as_ref().unwrap().iter().zip(alone.effects.as_ref().unwrap()) {
            let same = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan());
            let equal = a.group == b.group
                && a.metric == b.metric
                && same(a.baseline_mean, b.baseline_mean)
                && same(a.scenario_mean, b.scenario_mean)
                && same(a.difference, b.difference)
                && same(a.ci_low, b.ci_low)
                && same(a.ci_high, b.ci_high)
                && same(a.relative_change, b.relative_change);
            assert!(equal, "{} {}:\n{a:?}\n{b:?}", exp.scenario.name, a.metric);
        }
    }
    let g = "district:a/service_users";
    let rank = |e: &supportsim::experiment::Experiment| effect(e, g, "attended_share").difference;
    assert!(rank(&exps[0]) < rank(&exps[1]), "closing costs more attendance than halving");
    // Options on different towns are refused.
    let mut other = half.clone();
    other.population.n_agents += 1;
    assert!(experiment::compare(&[close, other], &Options::default()).is_err());
}

/// `[analysis] target_interval_width` adds replicates until the headline interval is narrow enough or the
/// cap is reached; the replicates it adds are the same ones a fixed larger run would use.
#[test]
fn target_interval_width_adds_replicates_up_to_the_cap() {
    let base = "[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n";
    let mut tight = town(base);
    tight.run.replicates = 2;
    tight.analysis.target_interval_width = Some(1e-6);
    tight.analysis.max_replicates = 6;
    let exp = run(&tight);
    assert_eq!(exp.scenario.run.replicates, 6, "an unreachable target stops at the cap");
    assert_eq!(exp.arms[1].runs.len(), 6);
    let mut fixed = town(base);
    fixed.run.replicates = 6;
    let same = run(&fixed);
    assert_eq!(exp.arms[1].runs[5].values.len(), same.arms[1].runs[5].values.len());
    assert!(exp.arms[1].runs[5]
        .values
        .iter()
        .zip(&same.arms[1].runs[5].values)
        .all(|(a, b)| a.to_bits() == b.to_bits()));

    let mut loose = town(base);
    loose.run.replicates = 2;
    loose.analysis.target_interval_width = Some(1.0);
    assert_eq!(run(&loose).scenario.run.replicates, 2, "a reached target adds nothing");
}
