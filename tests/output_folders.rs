//! Output folders in use: replacing supportsim's own output keeps what the user added, a second writer is
//! refused while the first works, and every phase stops within about a second of SIGTERM. Refusals are in
//! `bad_command_lines`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supportsim"))
}

/// A small what-if over `districts` districts, each with a meeting place that closes at day 42.
fn many_districts(dir: &Path, districts: usize) -> std::path::PathBuf {
    let mut t = String::from(
        "name = \"many\"\n[run]\ndays = 84\nburn_in_days = 28\nreplicates = 2\n[analysis]\nwindow_days = 28\n\
         [population]\nn_agents = 2000\n",
    );
    for d in 0..districts {
        t += &format!(
            "[[districts]]\nname = \"d{d}\"\npopulation_share = {}\n[[venues]]\nname = \"place{d}\"\ndistrict = \"d{d}\"\n\
             kind = \"meeting_place\"\nbudget_full_nok = 1000\n",
            1.0 / districts as f64
        );
    }
    for d in 0..districts {
        t += &format!("[[events]]\nday = 42\naction = \"close_venue\"\nvenue = \"place{d}\"\n");
    }
    let path = dir.join("many.toml");
    std::fs::write(&path, t).unwrap();
    path
}

#[test]
fn replacing_its_own_output_keeps_the_files_a_user_added() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = many_districts(tmp.path(), 2);
    let out = tmp.path().join("out");
    let run = |extra: &[&str]| bin().arg("run").arg(&scenario).arg("--out").arg(&out).arg("-q").args(extra).output();
    assert!(run(&[]).unwrap().status.success());
    std::fs::write(out.join("notes.md"), "what I saw\n").unwrap();
    std::fs::write(out.join("charts/my_figure.png"), "mine").unwrap();
    let o = run(&["--record-agents"]).unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("replaced the earlier supportsim output"));
    assert_eq!(std::fs::read_to_string(out.join("notes.md")).unwrap(), "what I saw\n");
    assert_eq!(std::fs::read_to_string(out.join("charts/my_figure.png")).unwrap(), "mine");
    assert!(out.join("agents.csv").is_file());
    // The next replacement deletes the agent files the manifest lists, and still not the user's.
    assert!(run(&[]).unwrap().status.success());
    assert!(!out.join("agents.csv").exists());
    assert!(out.join("notes.md").is_file() && out.join("charts/my_figure.png").is_file());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let listed: Vec<&str> = m["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(!listed.contains(&"notes.md") && listed.contains(&"timeseries.csv"), "{listed:?}");
    for f in m["files"].as_array().unwrap().iter().filter(|f| f["path"] != "manifest.json") {
        assert_eq!(f["sha256"].as_str().map(str::len), Some(64), "{f}");
    }
}

#[test]
fn a_second_writer_is_refused_while_the_first_works() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut first =
        bin().args(["run", "scenarios/baseline.toml", "--replicates", "2", "-q", "--out"]).arg(&out).spawn().unwrap();
    let started = Instant::now();
    while !out.join(".supportsim.lock").exists() {
        assert!(started.elapsed() < Duration::from_secs(20), "the first run claimed its folder");
        std::thread::sleep(Duration::from_millis(20));
    }
    let scenario = many_districts(tmp.path(), 2);
    let o = bin().arg("run").arg(&scenario).arg("--out").arg(&out).arg("-q").output().unwrap();
    first.kill().unwrap();
    first.wait().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is being written by another supportsim"));
    // The killed first run left no manifest; the lock went with its process, so the folder can be used.
    assert!(!out.join("manifest.json").exists());
    let o = bin().arg("run").arg(&scenario).arg("--out").arg(&out).arg("-q").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn threads_beyond_the_cores_are_capped_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = many_districts(tmp.path(), 2);
    let started = Instant::now();
    let o = crate::common::supportsim_in(
        Some(tmp.path()),
        &[
            "run".as_ref(),
            scenario.as_os_str(),
            "--threads".as_ref(),
            "10000".as_ref(),
            "-q".as_ref(),
            "--out".as_ref(),
            "out".as_ref(),
        ],
        60,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--threads 10000 is more than this machine's"));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn groups_with_no_members_are_charted_and_the_run_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = many_districts(tmp.path(), 2);
    // No service users at all, and an event in a district where no one lives.
    let text = std::fs::read_to_string(&scenario)
        .unwrap()
        .replace("n_agents = 2000\n", "n_agents = 2000\nservice_user_share = 0\n")
        .replace(
            "population_share = 0.5\n[[venues]]\nname = \"place1\"",
            "population_share = 1.0\n[[venues]]\nname = \"place1\"",
        )
        .replacen("population_share = 0.5", "population_share = 0.0", 1);
    std::fs::write(&scenario, text).unwrap();
    let o = crate::common::supportsim_in(
        Some(tmp.path()),
        &["run".as_ref(), scenario.as_os_str(), "-q".as_ref(), "--out".as_ref(), "out".as_ref()],
        60,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(tmp.path().join("out/charts/time_service_users.png").is_file());
    let o = crate::common::supportsim_in(Some(tmp.path()), &["report".as_ref(), "out".as_ref()], 60);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// SIGTERM (what Slurm sends at a time limit) while `report` draws charts: it stops within about a second
/// with exit code 130, and the folder is as complete as before (a later `report` succeeds).
#[test]
fn sigterm_while_drawing_charts_stops_within_a_second() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = many_districts(tmp.path(), 90);
    let out = tmp.path().join("out");
    let o = bin().arg("run").arg(&scenario).arg("--out").arg(&out).arg("-q").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let timed = Instant::now();
    let o = bin().arg("report").arg(&out).output().unwrap();
    let whole = timed.elapsed();
    assert!(o.status.success());
    assert!(whole > Duration::from_millis(1500), "report takes {whole:?}, too short to interrupt");

    let child = bin().arg("report").arg(&out).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(whole / 3);
    let sent = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let o = child.wait_with_output().unwrap();
    let stopped = sent.elapsed();
    assert_eq!(o.status.code(), Some(130), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stopped < Duration::from_millis(1500), "stopped {stopped:?} after SIGTERM");
    assert!(!String::from_utf8_lossy(&o.stderr).contains("did not stop"), "stopped by itself, not the backstop");
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert!(o.status.success(), "the folder is intact: {}", String::from_utf8_lossy(&o.stderr));
    for e in std::fs::read_dir(&out).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(!name.starts_with(".supportsim-partial-"), "{name} left behind");
    }
}

/// A kill in the middle of a commit (after its interim manifest, while files are being moved) leaves a folder
/// whose manifest says unfinished and lists the files in flux by path alone: `report` refuses it, and the next
/// run in the same place replaces it.
#[test]
fn a_folder_left_in_the_middle_of_a_commit_is_refused_by_report_and_replaced_by_a_run() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = many_districts(tmp.path(), 2);
    let out = tmp.path().join("out");
    let run = || bin().arg("run").arg(&scenario).arg("--out").arg(&out).arg("-q").output().unwrap();
    assert!(run().status.success());
    let path = out.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    m["complete"] = false.into();
    for f in m["files"].as_array_mut().unwrap() {
        if f["path"] == "timeseries.csv" || f["path"] == "report.html" {
            *f = serde_json::json!({ "path": f["path"].clone() });
        }
    }
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    // The new timeseries.csv had been moved in; report.html not yet.
    std::fs::write(out.join("timeseries.csv"), "arm,replicate,day,group\n").unwrap();
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unfinished"));
    let o = run();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = bin().arg("report").arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
