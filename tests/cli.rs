//! The binary: exit codes, output folders, overwrite rules, agent records and the parameter table.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supportsim"))
}

fn small_scenario(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("small.toml");
    let text =
        crate::common::TOWN.replace("n_agents = 1500", "n_agents = 400").replace("replicates = 4", "replicates = 2");
    std::fs::write(&path, format!("{text}\n[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n"))
        .unwrap();
    path
}

#[test]
fn run_writes_a_complete_folder_and_prints_effects() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_scenario(dir.path());
    let out = dir.path().join("out");
    let o = bin()
        .args(["run"])
        .arg(&scenario)
        .arg("--out")
        .arg(&out)
        .args(["--threads", "2", "--record-agents"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("service users in a") && stdout.contains("95% interval"), "{stdout}");
    for f in ["manifest.json", "timeseries.csv", "venues.csv", "effects.csv", "agents.csv", "ties.csv", "episodes.csv"]
    {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let ts = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let header = ts.lines().next().unwrap();
    assert!(header.starts_with("arm,replicate,day,group,loneliness_mean,lonely_share,"), "{header}");
    let eff = std::fs::read_to_string(out.join("effects.csv")).unwrap();
    assert_eq!(
        eff.lines().next().unwrap(),
        "group,metric,baseline_mean,scenario_mean,difference,ci_low,ci_high,relative_change"
    );
    let venues = std::fs::read_to_string(out.join("venues.csv")).unwrap();
    assert_eq!(venues.lines().next().unwrap(), "arm,replicate,day,venue,open,attendance,days_open,days_full");
    let episodes = std::fs::read_to_string(out.join("episodes.csv")).unwrap();
    assert!(episodes.lines().count() > 10);
    assert!(episodes.lines().next().unwrap().contains("start_day,end_day,censored,worst_state,mean_support"));
    let ties = std::fs::read_to_string(out.join("ties.csv")).unwrap();
    assert!(ties.lines().count() > 100);
    // Each tie's last contact is kept in a run that records agents (other runs skip it): never before the tie
    // formed nor after the run's last day, and on that last day for the many ties with contact every few days.
    let (mut n, mut on_last_day) = (0, 0);
    for line in ties.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (days, formed, last): (i32, i32, i32) =
            (f[2].parse().unwrap(), f[7].parse().unwrap(), f[8].parse().unwrap());
        assert!(formed <= last && last < days, "{line}");
        n += 1;
        on_last_day += (last == days - 1) as u32;
    }
    assert!(on_last_day * 10 > n, "{on_last_day} of {n} ties in contact on the last day");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["replicates"], 2);
    assert_eq!(manifest["scenario"]["name"], "test_town");
    assert!(manifest["command_line"].as_array().unwrap().len() > 3);
    // No part files or temporary folders are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".part")));

    // Running again replaces supportsim's own folder, and says so.
    let o = bin().args(["run"]).arg(&scenario).arg("--out").arg(&out).args(["-q"]).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("replaced the earlier supportsim output"));
    assert!(!out.join("agents.csv").exists(), "the old folder was replaced, not merged");
}

#[test]
fn a_folder_supportsim_did_not_write_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_scenario(dir.path());
    let out = dir.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.docx"), "precious").unwrap();
    for force in [false, true] {
        let mut cmd = bin();
        cmd.args(["run"]).arg(&scenario).arg("--out").arg(&out);
        if force {
            cmd.arg("--force");
        }
        let o = cmd.output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("does not hold supportsim's output"));
        assert_eq!(std::fs::read_to_string(out.join("thesis.docx")).unwrap(), "precious");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "nothing was added, not even a lock file");
    }
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[run]\ndays = -3\n").unwrap();
    for args in [vec!["validate"], vec!["run"]] {
        let o = bin().args(&args).arg(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("bad.toml:2: run.days"), "{err}");
    }
    let o = bin().args(["run", "no/such/file.toml"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no/such/file.toml"));
    let o = bin().args(["frobnicate"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn validate_accepts_good_files_and_params_lists_every_parameter() {
    let o = bin().args(["validate", "scenarios/baseline.toml", "scenarios/venue_closure.toml"]).output().unwrap();
    assert!(o.status.success());
    let o = bin().args(["params"]).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for p in supportsim::params::PARAM_SPECS {
        assert!(text.contains(p.name), "{} missing", p.name);
    }
}

/// Ctrl-C (SIGINT) stops a run at the next day boundary, removes the partial folder and exits 130; nothing
/// with a manifest is left behind.
#[test]
fn an_interrupt_stops_the_run_and_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let args = ["run", "scenarios/baseline.toml", "--replicates", "4", "-q", "--out"];
    let mut args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    args.push(out.as_os_str());
    crate::common::interrupt_after_start(&args);
    assert!(!out.exists(), "no output folder");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "the partial folder was removed: {left:?}");
}

#[test]
fn a_run_too_big_for_memory_is_refused_with_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.toml");
    let base = std::fs::canonicalize("scenarios/baseline.toml").unwrap();
    std::fs::write(&path, format!("extends = {:?}\n[population]\nn_agents = 50000000\n", base.display().to_string()))
        .unwrap();
    let o =
        bin().args(["run"]).arg(&path).args(["--threads", "8", "--out"]).arg(dir.path().join("out")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("this run needs about") && err.contains("--force"), "{err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn an_unwritable_output_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_scenario(dir.path());
    let o =
        bin().args(["run"]).arg(&scenario).args(["--out", "/proc/supportsim-cannot-write/out", "-q"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cannot write /proc/supportsim-cannot-write"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A run killed outright (SIGKILL, no chance to clean up) never leaves a folder with a manifest: at most the
/// lock file and a hidden `.supportsim-partial-PID` stage, which the next run in the same place removes.
#[test]
fn a_killed_run_leaves_no_complete_looking_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child =
        bin().args(["run", "scenarios/baseline.toml", "--replicates", "4", "-q", "--out"]).arg(&out).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.join("manifest.json").exists(), "no manifest under the target name");
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(name == ".supportsim.lock" || name.starts_with(".supportsim-partial-"), "unexpected {name}");
    }
    let o = bin().args(["report"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "nothing to report");
    // The next run there takes the folder as empty and clears the leftovers.
    let scenario = small_scenario(dir.path());
    let o = bin().args(["run"]).arg(&scenario).arg("--out").arg(&out).arg("-q").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with(".supportsim-partial-"), "{name} left behind");
    }
}

/// `supportsim report DIR` re-renders charts and the report from saved output, byte for byte.
#[test]
fn report_reproduces_charts_and_html_from_saved_output() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_scenario(dir.path());
    let out = dir.path().join("out");
    let o = bin().args(["run"]).arg(&scenario).arg("--out").arg(&out).args(["-q"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Findings</h2>") && html.contains("data:image/png;base64,"));
    assert!(!html.contains("http://") && !html.contains("https://"), "the report needs no network");
    let mut before = Vec::new();
    for entry in std::fs::read_dir(out.join("charts")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 1000, "{} is nearly empty", path.display());
        before.push((path, bytes));
    }
    assert!(before.len() >= 10, "PNG and SVG for each chart");
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = bin().args(["report"]).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (path, bytes) in before {
        assert!(std::fs::read(&path).unwrap() == bytes, "{} differs when re-rendered", path.display());
    }
    assert_eq!(std::fs::read_to_string(out.join("report.html")).unwrap(), html);
    let o = bin().args(["report"]).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "a folder without a manifest is refused");
}

#[test]
fn window_flag_sets_the_analysis_window() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_scenario(dir.path());
    let out = dir.path().join("w");
    let o = bin().args(["run"]).arg(&scenario).arg("--out").arg(&out).args(["-q", "--window", "28"]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenario"]["analysis"]["window_days"], 28);
    let o = bin().args(["run"]).arg(&scenario).arg("--out").arg(&out).args(["-q", "--window", "3"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--window must be between 7"));
}

/// A full disk is a clear error, not a panic: writing output to /dev/full (always "no space left").
#[test]
fn a_full_disk_is_a_clear_error() {
    let mut s = crate::common::town("");
    s.population.n_agents = 300;
    s.run.replicates = 1;
    s.run.days = 14;
    s.run.burn_in_days = 0;
    s.analysis.window_days = 7;
    let exp = crate::common::run(&s);
    let full = std::path::Path::new("/dev/full");
    if !full.exists() {
        return; // not a Linux-like system; nothing to simulate a full disk with
    }
    let err =
        supportsim::output::write_timeseries(full, &exp, &supportsim::cancel::Cancel::never()).unwrap_err().to_string();
    assert!(err.contains("cannot write /dev/full") && err.contains("space"), "{err}");
}

#[test]
fn compare_writes_a_ranked_table_csv_and_charts() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        crate::common::TOWN.replace("n_agents = 1500", "n_agents = 400").replace("replicates = 4", "replicates = 2");
    let a = dir.path().join("close.toml");
    let b = dir.path().join("half.toml");
    std::fs::write(
        &a,
        format!(
            "{}\n[[events]]\nday = 112\naction = \"close_venue\"\nvenue = \"a_meeting\"\n",
            text.replace(
                "name = \"test_town\"",
                "name = \"close\"\nannual_cost_nok = -1000000\nannual_cost_note = \"illustrative\""
            )
        ),
    )
    .unwrap();
    std::fs::write(
        &b,
        format!(
            "{}\n[[events]]\nday = 112\naction = \"set_budget\"\nvenue = \"a_meeting\"\nfactor = 0.5\n",
            text.replace("test_town", "half")
        ),
    )
    .unwrap();
    let out = dir.path().join("cmp");
    let o = bin().arg("compare").arg(&a).arg(&b).arg("--out").arg(&out).arg("-q").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("Options ranked") && stdout.contains("close") && stdout.contains("half"), "{stdout}");
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(
        csv.starts_with("option,group,metric,baseline_mean,scenario_mean,difference,ci_low,ci_high,relative_change\n")
    );
    assert!(csv.contains("\nclose,all,") && csv.contains("\nhalf,all,"));
    assert!(
        out.join("charts/compare_lonely_share.png").is_file() && out.join("charts/compare_lonely_share.svg").is_file()
    );
    assert!(out.join("manifest.json").is_file());
    // Its own report: the options ranked, side by side, with the stated cost; `report` redraws it byte for byte.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h2>Ranking</h2>") && html.contains("<h2>Side by side</h2>"));
    assert!(html.contains("-1000000 (illustrative)") && html.contains("per million NOK saved"), "the cost columns");
    assert!(html.contains("no cost stated"), "an option without a cost says so");
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(html == std::fs::read_to_string(out.join("report.html")).unwrap(), "report redraws it byte for byte");
}

/// Runs the small what-if with `SUPPORTSIM_KERNEL` set to `kernel` (unset for None) into `dir/out`.
fn run_kernel(dir: &Path, kernel: Option<&str>, out: &str) -> std::process::Output {
    let scenario = small_scenario(dir);
    let mut cmd = bin();
    cmd.args(["run"]).arg(&scenario).arg("--out").arg(dir.join(out)).args(["-q", "--record-agents"]);
    match kernel {
        Some(k) => cmd.env("SUPPORTSIM_KERNEL", k),
        None => cmd.env_remove("SUPPORTSIM_KERNEL"),
    };
    cmd.output().unwrap()
}

fn tie_kernel(dir: &Path, out: &str) -> String {
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(out).join("manifest.json")).unwrap()).unwrap();
    m["tie_kernel"].as_str().unwrap().to_string()
}

/// The same bytes in every file of two runs.
fn assert_same_files(dir: &Path, a: &str, b: &str) {
    for f in ["timeseries.csv", "venues.csv", "effects.csv", "agents.csv", "ties.csv", "episodes.csv"] {
        let x = std::fs::read(dir.join(a).join(f)).unwrap();
        let y = std::fs::read(dir.join(b).join(f)).unwrap();
        assert!(x == y, "{f} differs between the {a} and {b} kernels");
    }
}

/// `SUPPORTSIM_KERNEL` picks the tie kernel's way of running: the portable way gives the bytes of the fastest
/// way this CPU has, the manifest says which ran, and a name it does not know exits 2 before any work.
#[test]
fn the_portable_kernel_gives_the_fastest_ones_bytes_and_a_bad_choice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (kernel, out) in [(None, "auto"), (Some("portable"), "portable")] {
        let o = run_kernel(dir.path(), kernel, out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(["avx512", "avx2", "portable"].contains(&tie_kernel(dir.path(), "auto").as_str()));
    assert_eq!(tie_kernel(dir.path(), "portable"), "portable");
    assert_same_files(dir.path(), "auto", "portable");
    let o = run_kernel(dir.path(), Some("sse9"), "bad");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("SUPPORTSIM_KERNEL") && err.contains("auto, avx512, avx2 or portable"), "{err}");
    assert!(!dir.path().join("bad").exists(), "nothing was written");
}

/// A kernel the CPU has gives the portable kernel's bytes; one it lacks is refused with exit 2.
fn kernel_gives_the_portable_bytes(kernel: &str) {
    let dir = tempfile::tempdir().unwrap();
    let o = run_kernel(dir.path(), Some("portable"), "portable");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run_kernel(dir.path(), Some(kernel), kernel);
    assert!(o.status.success(), "this CPU cannot run the {kernel} kernel: {}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(tie_kernel(dir.path(), kernel), kernel);
    assert_same_files(dir.path(), "portable", kernel);
}

#[test]
#[ignore = "needs a CPU with AVX2; .ci/run runs it where the CPU has it (cargo test -- --ignored kernel_avx2)"]
fn kernel_avx2_gives_the_portable_bytes() {
    kernel_gives_the_portable_bytes("avx2");
}

#[test]
#[ignore = "needs a CPU with AVX-512; .ci/run runs it where the CPU has it (cargo test -- --ignored kernel_avx512)"]
fn kernel_avx512_gives_the_portable_bytes() {
    kernel_gives_the_portable_bytes("avx512");
}

#[test]
fn a_town_alone_writes_its_levels_and_a_levels_report() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("town.toml");
    std::fs::write(&scenario, crate::common::TOWN.replace("replicates = 4", "replicates = 2")).unwrap();
    let out = dir.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_supportsim"))
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out.join("effects.csv").exists());
    let levels = std::fs::read_to_string(out.join("levels.csv")).unwrap();
    let mut lines = levels.lines();
    assert_eq!(lines.next(), Some("group,metric,mean,ci_low,ci_high"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let groups = manifest["groups"].as_array().unwrap().len();
    assert_eq!(lines.count(), groups * supportsim::metric_names::N_METRICS);
    let row = levels.lines().find(|l| l.starts_with("all,lonely_share,")).unwrap();
    let v: Vec<f64> = row.split(',').skip(2).map(|x| x.parse().unwrap()).collect();
    assert!(v[1] <= v[0] && v[0] <= v[2] && v[0] > 0.0, "{row}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h1>The town&#39;s levels") || html.contains("<h1>The town's levels"), "title");
    assert!(!html.contains("What if: "));
    assert!(html.contains("<h2>Levels</h2>") && html.contains("<td>everyone in the town</td><td>lonely</td>"));
    // The report redraws the same from the folder.
    let before = std::fs::read(out.join("report.html")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_supportsim")).arg("report").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(before == std::fs::read(out.join("report.html")).unwrap(), "report redraws byte for byte");
}

#[test]
fn agent_records_say_their_size_and_can_be_thinned_and_compressed() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let scenario = small_scenario(dir.path());
    let out = dir.path().join("out");
    let o = bin()
        .arg("run")
        .arg(&scenario)
        .args(["-q", "--record-agents", "--gzip", "--record-every", "14", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("--record-agents will write about") && stderr.contains("every 14 days"), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let s = &manifest["scenario"];
    let (days, agents) = (s["run"]["days"].as_u64().unwrap(), s["population"]["n_agents"].as_u64().unwrap());
    let jobs = manifest["replicates"].as_u64().unwrap() * manifest["arms"].as_array().unwrap().len() as u64;
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(out.join("agents.csv.gz")).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("arm,replicate,day,agent,"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len() as u64, jobs * (days / 14) * agents, "a row per agent every 14 days, all in one file");
    assert!(rows.iter().all(|r| r.split(',').nth(2).unwrap().parse::<u64>().unwrap() % 14 == 0));
    assert!(
        out.join("ties.csv.gz").is_file() && out.join("episodes.csv.gz").is_file() && !out.join("agents.csv").exists()
    );
    // The options belong to --record-agents, and thin by whole recording periods.
    for args in [&["--gzip"][..], &["--record-agents", "--record-every", "10"][..]] {
        let o = bin()
            .arg("run")
            .arg(&scenario)
            .arg("-q")
            .args(args)
            .arg("--out")
            .arg(dir.path().join("x"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("--record"), "{args:?}");
    }
}

#[test]
fn the_default_what_ifs_agent_records_are_estimated_at_their_measured_size() {
    use supportsim::output::{agent_record_bytes, AgentOptions};
    let s =
        supportsim::Scenario::load(supportsim::scenario::Origin::Embedded, Path::new("venue_closure.toml")).unwrap();
    let (agents, rest) = agent_record_bytes(&s, 2, AgentOptions { every_days: 7, gzip: false });
    // Measured on the default what-if: agents.csv 5.2 GB, 5.4 GB in all.
    assert!((5.0e9..5.4e9).contains(&(agents as f64)), "{agents}");
    assert!((5.2e9..5.6e9).contains(&((agents + rest) as f64)), "{}", agents + rest);
}
