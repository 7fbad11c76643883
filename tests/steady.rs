//! The steady-state checks of a run: a town still settling over the analysis window and a venue full on most
//! of its open days are said in the terminal and in report.html; venues.csv counts each venue's open and full
//! days.

use std::path::Path;
use std::process::Command;

/// Runs the test town with `edit` applied to its text; returns (stderr, report.html, venues.csv).
fn run(dir: &Path, edit: impl Fn(&str) -> String) -> (String, String, String) {
    let path = dir.join("town.toml");
    std::fs::write(&path, edit(crate::common::TOWN)).unwrap();
    let out = dir.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_supportsim"))
        .args(["run", path.to_str().unwrap(), "--quiet", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    (String::from_utf8_lossy(&o.stderr).into_owned(), read("report.html"), read("venues.csv"))
}

#[test]
fn a_town_started_without_a_warm_up_is_said_not_to_be_settled() {
    let dir = tempfile::tempdir().unwrap();
    // Everyone starts at the same loneliness and with the starting network: a week of warm-up is not enough.
    let (stderr, report, _) = run(dir.path(), |t| {
        t.replace("days = 224", "days = 112")
            .replace("burn_in_days = 112", "burn_in_days = 7")
            .replace("window_days = 84", "window_days = 98")
    });
    assert!(stderr.contains("warning: The town was not at a steady state over the last 14 weeks"), "{stderr}");
    assert!(stderr.contains("gives the town more time to settle first"), "{stderr}");
    assert!(report.contains("<p class=\"warn\">The town was not at a steady state"), "the report says it too");
}

#[test]
fn a_venue_full_on_most_open_days_is_named_and_venues_csv_counts_open_and_full_days() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, report, venues) = run(dir.path(), |t| t.replacen("capacity = 40", "capacity = 2", 1));
    let said = stderr.lines().find(|l| l.starts_with("warning: a_meeting was full on ")).expect("a_meeting named");
    let share: u32 = said["warning: a_meeting was full on ".len()..].split('%').next().unwrap().parse().unwrap();
    assert!(share >= 90 && said.contains("% of its open days over the last 12 weeks"), "{said}");
    assert!(report.contains(&said["warning: ".len()..]), "the report says it too");
    let mut rows = venues.lines();
    assert_eq!(rows.next(), Some("arm,replicate,day,venue,open,attendance,days_open,days_full"));
    let mut seen = 0;
    for row in rows {
        let f: Vec<&str> = row.split(',').collect();
        let (open, full): (u32, u32) = (f[6].parse().unwrap(), f[7].parse().unwrap());
        assert!(full <= open && open <= 7, "{row}");
        if f[3] == "a_meeting" {
            // Open on Monday, Wednesday and Friday; two visitors fill it on (nearly) every one of those days.
            assert!(open == 3 && full >= 2, "{row}");
            assert!(f[5].parse::<u32>().unwrap() <= 3 * 2, "{row}");
            seen += 1;
        }
    }
    assert!(seen > 0);
}

#[test]
fn the_test_town_after_its_warm_up_is_settled_and_said_nothing_of() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, report, _) = run(dir.path(), |t| t.to_string());
    assert!(!stderr.contains("warning:"), "{stderr}");
    assert!(!report.contains("not at a steady state") && !report.contains("was full on"));
}

#[test]
fn one_replicate_says_the_drift_was_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (stderr, _, _) = run(dir.path(), |t| t.replace("replicates = 4", "replicates = 1"));
    assert!(stderr.contains("could not be checked: one replicate gives no interval"), "{stderr}");
}

/// Loneliness, the running means of support and giving start where each agent's own days put them, not at a
/// common value: two towns alike but for everyone's starting loneliness (0 in one, 1 in the other) differ by
/// little after a week and by almost nothing after four, where a common start took months to fade.
#[test]
fn the_start_value_of_loneliness_fades_within_days() {
    use supportsim::world::World;
    let s = crate::common::town("");
    let start = |value: f32| {
        let mut world = World::new(&s, 0);
        world.states.iter_mut().for_each(|st| st.loneliness = value);
        world
    };
    let (mut low, mut high) = (start(0.0), start(1.0));
    let gap = |a: &World, b: &World| {
        a.states.iter().zip(&b.states).map(|(x, y)| (x.loneliness - y.loneliness).abs() as f64).sum::<f64>()
            / a.states.len() as f64
    };
    for day in 0..28 {
        low.step(day, &[], None);
        high.step(day, &[], None);
        if day == 6 {
            assert!(gap(&low, &high) < 0.15, "after a week: {}", gap(&low, &high));
        }
    }
    assert!(gap(&low, &high) < 0.06, "after four weeks: {}", gap(&low, &high));
}

/// Residents' lonely share of the first week is already that of the end of the warm-up (within 1.5 points).
#[test]
fn residents_loneliness_is_settled_from_the_first_week() {
    use crate::common::*;
    let mut s = town("");
    s.run.replicates = 8;
    let exp = run(&s);
    let runs = &exp.arms[0].runs;
    let end = runs[0].record_days.iter().position(|&d| d > s.run.burn_in_days).unwrap() - 1;
    let (g, m) = (exp.group_names.iter().position(|x| x == "residents").unwrap(), metric_index("lonely_share"));
    let change: Vec<f64> = runs.iter().map(|r| r.value(end, g, m) - r.value(0, g, m)).collect();
    let (mean, lo, hi) = supportsim::experiment::mean_ci(&change);
    assert!(lo > -0.015 && hi < 0.015, "{mean:.4} ({lo:.4} to {hi:.4}) over the warm-up");
}

/// Every tie starts at the strength the dynamics keep its kind at: in the default town the mean strength of
/// residents' and service users' kin ties and of their venue ties known for over a year moves by less than
/// 0.03 over two years (drawn over fixed ranges with the strongest the oldest instead, venue ties at
/// 0.29–0.85 and kin at 0.8–1.0, they move by 0.07 and 0.04). A tie's strength and its age are drawn
/// independently.
#[test]
fn the_start_s_tie_strengths_are_those_the_dynamics_keep() {
    use supportsim::types::Role;
    use supportsim::world::network::TieKind;
    use supportsim::world::World;
    let s = supportsim::Scenario::from_file(Path::new("scenarios/baseline.toml")).unwrap();
    let mut world = World::new(&s, 0);
    // Strength and age (days) of kin ties and of venue ties over a year old, for residents and service users.
    let ties = |w: &World, day: u32| -> [Vec<(f64, f64)>; 4] {
        let mut out: [Vec<(f64, f64)>; 4] = Default::default();
        for (i, a) in w.agents.iter().enumerate() {
            let su = (a.role == Role::ServiceUser) as usize;
            for t in w.network.ties(i as u32) {
                let age = day as i32 - t.formed_day();
                let k = match t.kind() {
                    TieKind::Kin => 0,
                    TieKind::Venue if age >= 365 => 2,
                    _ => continue,
                };
                out[k + su].push((t.strength as f64, age as f64));
            }
        }
        out
    };
    let mean = |v: &[(f64, f64)]| v.iter().map(|x| x.0).sum::<f64>() / v.len() as f64;
    let names = ["residents' kin", "service users' kin", "residents' venue ties", "service users' venue ties"];
    let start = ties(&world, 0);
    for (k, v) in start.iter().enumerate() {
        let (ms, ma) = (mean(v), v.iter().map(|x| x.1).sum::<f64>() / v.len() as f64);
        let cov: f64 = v.iter().map(|x| (x.0 - ms) * (x.1 - ma)).sum();
        let var = |f: &dyn Fn(&(f64, f64)) -> f64, m: f64| v.iter().map(|x| (f(x) - m).powi(2)).sum::<f64>();
        let r = cov / (var(&|x| x.0, ms) * var(&|x| x.1, ma)).sqrt();
        eprintln!("{}: correlation of strength and age at the start {r:+.3} ({} ties)", names[k], v.len());
        assert!(r.abs() < 0.1, "{}: strength and age correlate at the start: {r:.3}", names[k]);
    }
    for day in 0..728 {
        world.step(day, &[], None);
    }
    let later = ties(&world, 728);
    for k in 0..4 {
        let (a, b) = (mean(&start[k]), mean(&later[k]));
        eprintln!("{}: mean strength {a:.3} at the start, {b:.3} after two years", names[k]);
        assert!((b - a).abs() < 0.03, "{}: {a:.3} at the start, {b:.3} after two years", names[k]);
    }
}
