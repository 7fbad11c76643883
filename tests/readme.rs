//! Every command in README.md's `sh` code blocks runs, in order, in a folder holding copies of the files the
//! commands name, so a README command can never break unnoticed. Long runs are shortened with the documented
//! `--replicates` flag (1 replicate; 2 for `calibrate`, whose fit table needs an interval); the test suite
//! itself (`cargo test`) and builds are not run again here.

use std::path::Path;
use std::process::Command;

/// The commands of README.md's `sh` code blocks, comments removed.
fn readme_commands() -> Vec<String> {
    let text = std::fs::read_to_string("README.md").unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            in_sh = t == "```sh";
            continue;
        }
        if in_sh && !t.is_empty() && !t.starts_with('#') {
            let command = match t.find(" #") {
                Some(i) => &t[..i],
                None => t,
            };
            out.push(command.trim().to_string());
        }
    }
    out
}

/// The command as the test runs it: the binary for `cargo run --release [--]`, and fewer replicates for the
/// commands that simulate. `None` for commands this test does not run again, with why.
fn as_run(command: &str, bin: &Path) -> Result<String, &'static str> {
    if command.starts_with("cargo test") {
        return Err("the test suite itself");
    }
    let Some(rest) = command.strip_prefix("cargo run --release") else {
        return Err("not a supportsim command");
    };
    let args = rest.trim().strip_prefix("--").unwrap_or(rest).trim();
    let sub = args.split_whitespace().next().unwrap_or("");
    let simulates = matches!(sub, "" | "run" | "compare" | "oat" | "calibrate")
        || (sub == "sweep" && !args.contains("--slurm-script"));
    let mut words: Vec<String> = args.split_whitespace().map(str::to_string).collect();
    if simulates {
        let replicates = if sub == "calibrate" { "2" } else { "1" };
        match words.iter().position(|w| w == "--replicates") {
            Some(i) if i + 1 < words.len() => words[i + 1] = replicates.into(),
            _ => words.extend(["--replicates".into(), replicates.into()]),
        }
        words.push("--quiet".into());
    }
    Ok(format!("{} {}", bin.display(), words.join(" ")).trim().to_string())
}

/// Copies a folder of the repository into `to`.
fn copy(from: &str, to: &Path) {
    let dest = to.join(from);
    std::fs::create_dir_all(&dest).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn every_command_in_the_readme_runs() {
    let bin = Path::new(env!("CARGO_BIN_EXE_supportsim"));
    let tmp = tempfile::tempdir().unwrap();
    for folder in ["scenarios", "sweeps", "calibration"] {
        copy(folder, tmp.path());
    }
    let commands = readme_commands();
    assert!(commands.len() >= 15, "README.md's commands: {commands:?}");
    let mut ran = 0;
    for command in &commands {
        let run = match as_run(command, bin) {
            Ok(r) => r,
            Err(why) => {
                eprintln!("not run again here ({why}): {command}");
                continue;
            }
        };
        let o = Command::new("bash").arg("-c").arg(&run).current_dir(tmp.path()).output().unwrap();
        assert!(
            o.status.success(),
            "README command failed: {command}\n(run as {run})\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 14, "ran {ran} of the README's commands");
    // What the commands wrote went under output/, as the README says.
    let written: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !["scenarios", "sweeps", "calibration"].contains(&n.as_str()))
        .collect();
    assert_eq!(written, ["output"], "the README's commands write only under output/");
}

#[test]
fn the_readme_test_shortens_the_commands_that_simulate() {
    let bin = Path::new("/x/supportsim");
    assert_eq!(as_run("cargo run --release", bin).unwrap(), " /x/supportsim --replicates 1 --quiet".trim());
    assert_eq!(
        as_run("cargo run --release -- run a.toml --replicates 20 --seed 1", bin).unwrap(),
        "/x/supportsim run a.toml --replicates 1 --seed 1 --quiet"
    );
    assert_eq!(as_run("cargo run --release -- params", bin).unwrap(), "/x/supportsim params");
    assert!(as_run("cargo test --release", bin).is_err());
}
