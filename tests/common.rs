//! Shared helpers: a small test town as TOML, and ways to run it and read results.

use supportsim::experiment::{self, Experiment, Options};
use supportsim::metric_names::METRICS;
use supportsim::Scenario;

/// A small two-district town (1,500 people, 10% service users) for fast tests. `extra` is appended, so it
/// can add `[params]`, `[[events]]` or override venues by name (later keys win via a second file).
pub const TOWN: &str = r#"
name = "test_town"
[run]
days = 224
burn_in_days = 112
replicates = 4
seed = 7
record_every_days = 7
[analysis]
window_days = 84
[population]
n_agents = 1500
service_user_share = 0.10
[[districts]]
name = "a"
population_share = 0.6
budget_nok = 1000000
[[districts]]
name = "b"
population_share = 0.4
budget_nok = 500000
[[venues]]
name = "a_meeting"
district = "a"
kind = "meeting_place"
capacity = 40
open_days = ["mon", "wed", "fri"]
rituals = { wed = "meal", fri = "quiz" }
openness = 0.9
professionals = 1
volunteers = 3
lived_experience_share = 0.5
stability = 0.85
budget_nok = 1000000
budget_full_nok = 1000000
[[venues]]
name = "a_service"
district = "a"
kind = "service"
capacity = 20
open_days = ["tue", "thu"]
openness = 1.0
professionals = 2
stability = 0.6
budget_nok = 500000
budget_full_nok = 500000
[[venues]]
name = "a_cafe"
district = "a"
kind = "commercial"
capacity = 250
cost_nok = 80
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
openness = 0.6
stability = 0.5
[[venues]]
name = "b_meeting"
district = "b"
kind = "meeting_place"
capacity = 30
open_days = ["tue", "fri"]
rituals = { fri = "meal" }
openness = 0.8
volunteers = 2
lived_experience_share = 0.5
stability = 0.8
budget_nok = 500000
budget_full_nok = 500000
[[venues]]
name = "b_cafe"
district = "b"
kind = "commercial"
capacity = 200
cost_nok = 70
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
openness = 0.6
stability = 0.5
"#;

/// The test town with TOML appended (tables and arrays of tables that TOWN does not already open).
pub fn town(extra: &str) -> Scenario {
    Scenario::from_toml_str("test_town.toml", &format!("{TOWN}\n{extra}")).unwrap_or_else(|e| panic!("{e}"))
}

/// The test town with a venue's keys replaced (by editing the TOML text of that venue).
pub fn town_with_venue(venue: &str, key: &str, value: &str, extra: &str) -> Scenario {
    let mut text = String::new();
    let mut in_venue = false;
    for line in TOWN.lines() {
        if line.starts_with("name = ") {
            in_venue = line == format!("name = \"{venue}\"");
        }
        if in_venue && line.starts_with(&format!("{key} =")) {
            continue;
        }
        text.push_str(line);
        text.push('\n');
        if in_venue && line.starts_with("name = ") {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    Scenario::from_toml_str("test_town.toml", &format!("{text}\n{extra}")).unwrap_or_else(|e| panic!("{e}"))
}

/// Changes one venue of a resolved scenario in place.
pub fn edit_venue(mut s: Scenario, name: &str, f: impl FnOnce(&mut supportsim::scenario::Venue)) -> Scenario {
    let i = s.venue_index(name).unwrap_or_else(|| panic!("no venue {name}"));
    f(&mut s.venues[i]);
    s
}

pub fn run(s: &Scenario) -> Experiment {
    experiment::run_experiment(s, &Options::default(), None).expect("experiment runs")
}

pub fn metric_index(name: &str) -> usize {
    METRICS.iter().position(|m| *m == name).unwrap_or_else(|| panic!("no metric {name}"))
}

/// Per-replicate window means of a metric for a group in one arm.
pub fn per_replicate(exp: &Experiment, arm: usize, group: &str, metric: &str) -> Vec<f64> {
    let g = exp.group_names.iter().position(|x| x == group).unwrap_or_else(|| panic!("no group {group}"));
    let m = metric_index(metric);
    exp.arms[arm].runs.iter().map(|r| experiment::window_mean(r, &exp.scenario, g, m)).collect()
}

pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean over replicates of a metric's window mean.
pub fn level(exp: &Experiment, group: &str, metric: &str) -> f64 {
    mean(&per_replicate(exp, 0, group, metric))
}

/// The paired effect row of a what-if.
pub fn effect<'a>(exp: &'a Experiment, group: &str, metric: &str) -> &'a experiment::Effect {
    exp.effects
        .as_ref()
        .expect("a what-if has effects")
        .iter()
        .find(|e| e.group == group && e.metric == metric)
        .unwrap_or_else(|| panic!("no effect {group} {metric}"))
}

/// Two paired samples (same seeds) differ with a 95% interval that excludes zero in the given direction.
pub fn paired_greater(high: &[f64], low: &[f64]) -> bool {
    let d: Vec<f64> = high.iter().zip(low).map(|(h, l)| h - l).collect();
    let (_, lo, _) = experiment::mean_ci(&d);
    lo > 0.0
}

/// Starts the binary with `args`, sends it SIGINT after 1.5 s (once it is under way), and returns its
/// output; asserts that it stopped within 20 s with exit code 130 and said it was interrupted.
pub fn interrupt_after_start(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_supportsim"))
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = std::time::Instant::now();
    let o = child.wait_with_output().unwrap();
    assert!(started.elapsed().as_secs() < 20, "stopped promptly");
    assert_eq!(o.status.code(), Some(130), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("interrupted"));
    o
}

/// Runs the binary with `args` from the repository root; see [`supportsim_in`].
pub fn supportsim(args: &[&std::ffi::OsStr], limit_secs: u64) -> std::process::Output {
    supportsim_in(None, args, limit_secs)
}

/// Runs the binary with `args` in `dir` (the repository root when None). A run longer than `limit_secs` is a
/// hang: the process is killed and the test fails.
pub fn supportsim_in(
    dir: Option<&std::path::Path>,
    args: &[&std::ffi::OsStr],
    limit_secs: u64,
) -> std::process::Output {
    use std::io::Read;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_supportsim"));
    cmd.args(args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed().as_secs() >= limit_secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("supportsim {args:?} hung: killed after {limit_secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    std::process::Output { status, stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}
