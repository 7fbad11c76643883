//! `supportsim calibrate` and `supportsim oat`: the search recovers a known parameter, output is identical
//! at any thread count, bad targets files are refused with file, line and key, and the one-at-a-time table
//! is written.

use std::path::{Path, PathBuf};
use std::process::Command;
use supportsim::calibrate::{self, stats::Statistic};
use supportsim::cancel::Cancel;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supportsim"))
}

/// The test town with 600 agents and `leisure_share = 0.02`, written to `dir/town.toml`.
fn town_file(dir: &Path) -> PathBuf {
    let path = dir.join("town.toml");
    let text = crate::common::TOWN.replace("n_agents = 1500", "n_agents = 600");
    std::fs::write(&path, format!("{text}\n[params]\nleisure_share = 0.02\n")).unwrap();
    path
}

/// A targets file whose one target is the statistic of the town at `leisure_share = 0.05`; the search
/// starts from the town's value (0.02) and must find its way there.
fn recovery_targets(dir: &Path, target_value: f64) -> PathBuf {
    town_file(dir);
    let path = dir.join("targets.toml");
    std::fs::write(
        &path,
        format!(
            r#"
scenario = "town.toml"
replicates = 1
check_replicates = 2
max_evaluations = 30
initial_step = 0.25
min_step = 0.02

[[parameters]]
name = "leisure_share"
range = [0.01, 0.1]
log = true

[[targets]]
name = "q1_cannot_afford"
statistic = "cannot_afford"
quartile = 1
value = {target_value}
tolerance = 0.01
source = "the town itself at leisure_share = 0.05"
"#
        ),
    )
    .unwrap();
    path
}

#[test]
fn calibration_recovers_a_known_parameter() {
    let dir = tempfile::tempdir().unwrap();
    town_file(dir.path());
    // The truth: the statistic at leisure_share = 0.05.
    let mut truth = supportsim::Scenario::from_file(&dir.path().join("town.toml")).unwrap();
    truth.params.leisure_share = 0.05;
    let stat = Statistic::CannotAfford { quartile: 0 };
    let run = calibrate::stats::measure(&truth, 0, Cancel::never(), false);
    let target = calibrate::stats::value(&stat, &truth, &run);
    assert!(target > 0.0 && target < 1.0, "{target}");

    let cal = calibrate::targets::load(&recovery_targets(dir.path(), target)).unwrap();
    assert_eq!(cal.scenario.params.leisure_share, 0.02, "the search starts from the scenario's value");
    let outcome = cal.search(|_, _| {}, Cancel::never()).unwrap();
    let fitted = outcome.fitted[0];
    assert!((fitted - 0.05).abs() / 0.05 < 0.15, "fitted leisure_share {fitted}, truth 0.05");
    assert!(outcome.fits[0].within(&cal.targets[0]), "{:?}", outcome.fits[0]);
    // The loss never rises along the accepted path, and the first evaluation is the start.
    assert!(outcome.history[0].values[0] == 0.02);
    assert!(outcome.loss < outcome.history[0].loss);
}

#[test]
fn calibrate_writes_identical_files_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let targets = recovery_targets(dir.path(), 0.3);
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("out{threads}"));
        let o =
            bin().arg("calibrate").arg(&targets).arg("--out").arg(&out).args(["--threads", threads]).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(stdout.contains("q1_cannot_afford") && stdout.contains("leisure_share ="), "{stdout}");
        outputs.push(
            ["fitted.toml", "fit.csv", "search.csv"]
                .map(|f| std::fs::read(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"))),
        );
    }
    assert_eq!(outputs[0], outputs[1]);
    let fitted = String::from_utf8(outputs[0][0].clone()).unwrap();
    assert!(fitted.contains("[parameters]\nleisure_share = "), "{fitted}");

    // --check reports the fit at the scenario's own value, without searching.
    let out = dir.path().join("check");
    let o = bin().arg("calibrate").arg(&targets).arg("--check").arg("--out").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let checked = std::fs::read_to_string(out.join("fitted.toml")).unwrap();
    assert!(checked.contains("--check") && checked.contains("leisure_share = 0.02\n"), "{checked}");
    let search = std::fs::read_to_string(out.join("search.csv")).unwrap();
    assert_eq!(search.lines().count(), 1, "no search: only the header\n{search}");
}

#[test]
fn bad_targets_files_are_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    town_file(dir.path());
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        r#"scenario = "town.toml"
replicates = 0

[[parameters]]
name = "lonely_treshold"
range = [0.3, 0.7]

[[parameters]]
name = "leisure_share"
range = [0.5, 0.1]

[[targets]]
name = "x"
statistic = "levle"
value = 0.1
tolerance = 0.01
source = "s"

[[targets]]
name = "y"
statistic = "level"
group = "residents"
metric = "lonely_shar"
value = 0.1
tolerance = 0
source = ""
"#,
    )
    .unwrap();
    let o = bin().arg("calibrate").arg(&path).arg("--out").arg(dir.path().join("out")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for expected in [
        "7 problems in the targets file:",
        "bad.toml:2: replicates: must be a whole number of at least 1",
        "bad.toml:5: parameters[0].name: unknown parameter `lonely_treshold` (did you mean `lonely_threshold`?)",
        "bad.toml:10: parameters[1].range: low must be below high",
        "bad.toml:14: targets[0].statistic: unknown statistic `levle` (did you mean `level`?)",
        "bad.toml:23: targets[1].metric: unknown metric `lonely_shar` (did you mean `lonely_share`?)",
        "bad.toml:25: targets[1].tolerance: must be above zero",
        "targets[1]: missing `source`",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert!(!dir.path().join("out").exists(), "no output folder for a refused file");
}

#[test]
fn oat_writes_a_table_of_headline_effects() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("closure.toml");
    let text =
        crate::common::TOWN.replace("n_agents = 1500", "n_agents = 400").replace("replicates = 4", "replicates = 2");
    std::fs::write(&path, format!("{text}\n[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n"))
        .unwrap();
    let out = dir.path().join("oat");
    let o = bin()
        .arg("oat")
        .arg(&path)
        .args(["--vary", "p_tie_form", "--vary", "habit_pull=0.2,0.6", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("oat.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "parameter,setting,value,group,metric,difference,ci_low,ci_high");
    assert_eq!(lines.len(), 1 + 1 + 4, "{csv}");
    assert!(csv.contains("habit_pull,low,0.2,district:a/service_users,lonely_share,"), "{csv}");
    assert!(csv.contains("p_tie_form,high,0.07"), "{csv}");
    // Its report: the reference and each parameter's low and high effect, with the chart; redrawn byte for byte.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("How test_town leans on its assumptions") && html.contains("<td>habit_pull</td>"), "{html}");
    assert!(out.join("charts/oat.png").is_file() && out.join("charts/oat.svg").is_file());
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(html == std::fs::read_to_string(out.join("report.html")).unwrap(), "report redraws it byte for byte");

    let bad = bin().arg("oat").arg(&path).args(["--vary", "p_tie_frm"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("did you mean `p_tie_form`"));
}

/// Ctrl-C stops a calibration (the shipped block 1 takes minutes) promptly with exit code 130 and leaves no
/// output folder, partial or otherwise.
#[test]
fn an_interrupted_calibration_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = ["calibrate", "calibration/targets.toml", "-q", "--out"];
    let mut args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    args.push(out.as_os_str());
    crate::common::interrupt_after_start(&args);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}
