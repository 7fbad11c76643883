//! The patterns of docs/sources.md (pattern-oriented validation, Grimm et al. 2005), each asserted on 95%
//! intervals over replicates, never on one run. Pattern 3 (closing a district's only meeting place) runs on
//! the shipped default what-if in `whatif.rs`. docs/validation.md reports the figures these tests check.

use crate::common::*;
use std::path::Path;
use std::sync::OnceLock;
use supportsim::calibrate::stats::{self, RunStats, Statistic};
use supportsim::cancel::Cancel;
use supportsim::experiment::mean_ci;
use supportsim::scenario::Origin;
use supportsim::Scenario;

/// The default town (the embedded baseline.toml, default parameters) over 104 weeks, 4 replicates, with
/// the statistics of the calibration; shared by the tests of patterns 1 and 2.
fn default_town() -> &'static (Scenario, Vec<RunStats>) {
    static RUNS: OnceLock<(Scenario, Vec<RunStats>)> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut s = Scenario::load(Origin::Embedded, Path::new("baseline.toml")).unwrap();
        // Eight replicates: service users' ties drift by about 0.2 after the burn-in (validation.md §1), and four
        // replicates' interval (about ±0.14) cannot tell that from the tolerance of 0.3.
        s.run.replicates = 8;
        use rayon::prelude::*;
        let runs =
            (0..s.run.replicates).into_par_iter().map(|r| stats::measure(&s, r, Cancel::never(), false)).collect();
        (s, runs)
    })
}

/// Per-replicate values of a statistic on the default town.
fn on_default_town(stat: &Statistic) -> Vec<f64> {
    let (s, runs) = default_town();
    runs.iter().map(|r| stats::value(stat, s, r)).collect()
}

fn level(group: &str, metric: &str) -> Statistic {
    Statistic::Level { group: group.into(), metric: metric.into() }
}

/// Prints a figure with its 95% interval (shown with `cargo test --release pattern -- --nocapture`; the
/// figures in docs/validation.md come from there).
fn report(what: &str, values: &[f64]) -> (f64, f64, f64) {
    let (m, a, b) = mean_ci(values);
    eprintln!("{what}: {m:.4} (95% interval {a:.4} – {b:.4}, {} replicates)", values.len());
    (m, a, b)
}

/// Asserts that the 95% interval of the mean lies inside [lo, hi].
fn interval_within(what: &str, values: &[f64], lo: f64, hi: f64) {
    let (m, a, b) = report(what, values);
    assert!(a >= lo && b <= hi, "{what}: mean {m:.4}, 95% interval {a:.4} – {b:.4}, expected within {lo} – {hi}");
}

/// Pattern 1: the lonely share among residents is in the 5–12% band; among service users it is at least
/// three times higher.
#[test]
fn pattern_1_loneliness_levels() {
    let residents = on_default_town(&level("residents", "lonely_share"));
    interval_within("residents' lonely share", &residents, 0.05, 0.12);
    let users = on_default_town(&level("service_users", "lonely_share"));
    report("service users' lonely share", &users);
    let ratio: Vec<f64> = users.iter().zip(&residents).map(|(u, r)| u / r).collect();
    let (m, lo, _) = report("service users / residents lonely share", &ratio);
    assert!(lo >= 3.0, "service users / residents lonely share: {m:.2} (95% interval from {lo:.2}), expected ≥ 3");
}

/// The town starts in a steady state of its mental states: the share of residents unwell at the
/// end of the run is that at the end of the burn-in, within 2 points. Started from another mix, it rises by
/// about 5 points over these 78 weeks as slow episodes pile up.
#[test]
fn the_mix_of_mental_states_holds_still() {
    let drift = |group: &str| Statistic::Drift { group: group.into(), metric: "well_share".into() };
    interval_within(
        "change of residents' well share after the burn-in",
        &on_default_town(&drift("residents")),
        -0.02,
        0.02,
    );
    interval_within("change of the town's well share after the burn-in", &on_default_town(&drift("all")), -0.02, 0.02);
}

/// The network starts in its steady state too: after the burn-in, residents' and service users'
/// mean number of ties and residents' lonely share hold still, within the tolerances of the calibration's
/// steady-state targets (0.3 ties, 1 point). Before venue ties were seeded at the start, residents' venue
/// ties built up for about five years: +2.3 ties and −1.4 points of loneliness over the calibration window.
#[test]
fn the_network_holds_still() {
    let drift = |group: &str, metric: &str| Statistic::Drift { group: group.into(), metric: metric.into() };
    interval_within(
        "change of residents' mean ties after the burn-in",
        &on_default_town(&drift("residents", "ties_mean")),
        -0.3,
        0.3,
    );
    interval_within(
        "change of service users' mean ties after the burn-in",
        &on_default_town(&drift("service_users", "ties_mean")),
        -0.3,
        0.3,
    );
    interval_within(
        "change of residents' lonely share after the burn-in",
        &on_default_town(&drift("residents", "lonely_share")),
        -0.01,
        0.01,
    );
}

/// Pattern 2: residents' episodes of struggling or crisis remit about 50% by week 13 and about 75% by week
/// 52, with a long tail ("about": within 8 percentage points; the tail: at least 15% still unwell at 52
/// weeks). Kaplan–Meier over episodes starting after the burn-in.
#[test]
fn pattern_2_remission_curve() {
    let by = |weeks| on_default_town(&Statistic::Recovered { weeks });
    interval_within("remitted by week 13", &by(13.0), 0.42, 0.58);
    let w52 = by(52.0);
    interval_within("remitted by week 52", &w52, 0.67, 0.83);
    let tail: Vec<f64> = w52.iter().map(|x| 1.0 - x).collect();
    report("remitted by week 26", &by(26.0));
    report("remitted by week 104 (few at risk: episodes followed up to 78 weeks)", &by(104.0));
    let (m, lo, _) = report("still unwell at week 52", &tail);
    assert!(lo >= 0.15, "still unwell at week 52: {m:.3} (95% interval from {lo:.3}), expected a long tail ≥ 15%");
    // The curve flattens: fewer remit between weeks 26 and 52 than in the first 13 weeks.
    let w13 = by(13.0);
    let late: Vec<f64> = w52.iter().zip(by(26.0)).zip(&w13).map(|((a, b), c)| c - (a - b)).collect();
    let (m, lo, _) = report("remitted in weeks 0–13 minus weeks 26–52", &late);
    assert!(lo > 0.0, "remission slows with time: first 13 weeks minus weeks 26–52 = {m:.3} (from {lo:.3})");
}

/// Pattern 4: a fee at a venue cuts attendance by the lowest income quartile far more than by the highest:
/// the share of the quartile's attendance lost is at least twice as large, and clearly above zero.
#[test]
fn pattern_4_a_fee_keeps_the_poor_away() {
    let mut s = town("[[events]]\nday = 112\naction = \"set_fee\"\nvenue = \"a_cafe\"\ncost_nok = 250\n");
    s.run.replicates = 8;
    let exp = run(&s);
    let relative = |g: &str| -> Vec<f64> {
        let (base, scen) = (per_replicate(&exp, 0, g, "attended_share"), per_replicate(&exp, 1, g, "attended_share"));
        base.iter().zip(scen).map(|(b, s)| (s - b) / b).collect()
    };
    let (q1, q4) = (relative("income:q1"), relative("income:q4"));
    let (m, _, hi) = report("q1 relative change in attendance", &q1);
    assert!(hi < 0.0, "q1 attendance change {m:.4} (95% up to {hi:.4})");
    report("q4 relative change in attendance", &q4);
    // Paired per replicate: the q1 cut minus twice the q4 cut stays below zero.
    let gap: Vec<f64> = q1.iter().zip(&q4).map(|(a, b)| a - 2.0 * b).collect();
    let (m, _, hi) = report("q1 relative change minus twice q4's", &gap);
    assert!(hi < 0.0, "q1 relative cut minus twice q4's: {m:.4} (95% up to {hi:.4})");
}

/// Pattern 5: at a low-openness venue, agents with high-stigma diagnoses form fewer ties than those with
/// depression; raising openness narrows the gap.
#[test]
fn pattern_5_openness_narrows_the_tie_gap() {
    // A town where 30% are service users, half with psychosis and half with depression, and residents have
    // no diagnosis, so each diagnosis group is service users only.
    let prepare = |mut s: Scenario| {
        s.run.replicates = 8;
        s.population.service_user_share = 0.3;
        s.population.diagnosis_shares = [0.5, 0.0, 0.0, 0.5, 0.0];
        s.params.resident_depression_share = 0.0;
        s.params.resident_anxiety_share = 0.0;
        s
    };
    let closed = run(&prepare(town_with_venue("a_meeting", "openness", "0.1", "")));
    let open = run(&prepare(town_with_venue("a_meeting", "openness", "1.0", "")));
    let gap = |e| {
        let dep = per_replicate(e, 0, "diagnosis:depression", "ties_mean");
        let psy = per_replicate(e, 0, "diagnosis:psychosis", "ties_mean");
        dep.iter().zip(psy).map(|(d, p)| d - p).collect::<Vec<f64>>()
    };
    let (g_closed, g_open) = (gap(&closed), gap(&open));
    report("depression minus psychosis ties at openness 1.0", &g_open);
    let (m, lo, _) = report("depression minus psychosis ties at openness 0.1", &g_closed);
    assert!(lo > 0.0, "at low openness, depression minus psychosis ties: {m:.3} (95% from {lo:.3})");
    assert!(paired_greater(&g_closed, &g_open), "the gap narrows with openness: {g_closed:?} vs {g_open:?}");
}

/// Pattern 6: a weekly ritual yields more lasting ties than the same opening hours without it: service users
/// of the district have more ties formed at venues during the run that are still there at least 13 weeks
/// after they formed.
#[test]
fn pattern_6_rituals_build_lasting_ties() {
    let with = town("");
    let without = town_with_venue("a_meeting", "rituals", "{}", "");
    let lasting = |s: &Scenario, replicate: u32| -> f64 {
        let mut world = supportsim::world::World::new(s, replicate);
        for day in 0..s.run.days {
            world.step(day, &[], None);
        }
        let end = s.run.days as i32;
        let users: Vec<usize> = (0..world.agents.len())
            .filter(|&i| {
                let a = &world.agents[i];
                a.role == supportsim::types::Role::ServiceUser && a.district == 0
            })
            .collect();
        let ties: usize = users
            .iter()
            .map(|&i| {
                world
                    .network
                    .ties(i as u32)
                    .iter()
                    .filter(|t| {
                        t.kind() == supportsim::world::network::TieKind::Venue
                            && t.formed_day() >= 0
                            && end - t.formed_day() >= 91
                    })
                    .count()
            })
            .sum();
        ties as f64 / users.len() as f64
    };
    let a: Vec<f64> = (0..4).map(|r| lasting(&with, r)).collect();
    let b: Vec<f64> = (0..4).map(|r| lasting(&without, r)).collect();
    report("lasting venue ties per service user, with rituals", &a);
    report("lasting venue ties per service user, without", &b);
    assert!(paired_greater(&a, &b), "lasting venue ties per service user with rituals {a:?}, without {b:?}");
}

/// The calibrated defaults in src/params.rs are the values `supportsim calibrate` wrote for each block
/// (calibration/fitted.toml, calibration/peer_support_fitted.toml), so the docs' claim that the defaults are
/// its output holds.
#[test]
fn defaults_are_the_calibration_output() {
    let defaults = supportsim::params::Params::default();
    for file in ["calibration/fitted.toml", "calibration/peer_support_fitted.toml"] {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(text.starts_with("# Fitted by `supportsim calibrate"), "{file} is not a search's output");
        let table: toml::Table = text.parse().unwrap();
        let fitted = table["parameters"].as_table().unwrap();
        assert!(!fitted.is_empty());
        for (name, v) in fitted {
            let v = v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap();
            assert_eq!(defaults.get(name), Some(v), "default of {name} differs from {file}");
        }
    }
}
