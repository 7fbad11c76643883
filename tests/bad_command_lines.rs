//! Bad command lines and output folders, one case each: every case runs the binary in a fresh folder holding
//! a small town, a sweep and a targets file (and whatever the case prepares: a web project's folder, a
//! finished sweep, an edited run, a FIFO), with a time limit, and must exit 2 with a message naming the
//! problem, without a panic, and without changing, deleting or adding a single file.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// A small what-if (400 people, 3 districts, 84 days), fast to run.
fn town(name: &str, events: &str) -> String {
    let base = std::fs::canonicalize("scenarios/baseline.toml").unwrap();
    format!(
        "extends = {:?}\nname = \"{name}\"\n[run]\ndays = 84\nburn_in_days = 28\nreplicates = 2\n[analysis]\n\
         window_days = 28\n[population]\nn_agents = 400\n{events}",
        base.display().to_string()
    )
}

const CLOSE: &str = "[[events]]\nday = 42\naction = \"close_venue\"\nvenue = \"north_meeting_place\"\n";
const FEE: &str = "[[events]]\nday = 42\naction = \"set_fee\"\nvenue = \"north_cafe\"\ncost_nok = 100\n";

/// What every case folder holds before the case prepares its own files.
fn fixture(dir: &Path) {
    let w = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    w("town.toml", town("town", CLOSE));
    w("copy.toml", town("town", FEE));
    w("fee.toml", town("fee", FEE));
    w("levels.toml", town("levels", ""));
    w("width.toml", "extends = \"town.toml\"\nname = \"width\"\n[analysis]\ntarget_interval_width = 0.05\n".into());
    w(
        "sweep.toml",
        "name = \"tiny\"\nscenario = \"town.toml\"\nreplicates = 1\n[[parameters]]\npath = \"params.habit_pull\"\n\
         values = [0.3, 0.5]\n"
            .into(),
    );
    w("other_sweep.toml", std::fs::read_to_string(dir.join("sweep.toml")).unwrap().replace("0.5]", "0.6]"));
    w(
        "targets.toml",
        "scenario = \"levels.toml\"\ncheck_replicates = 2\n[[parameters]]\nname = \"habit_pull\"\nrange = [0.2, 0.5]\n\
         [[targets]]\nname = \"lonely\"\nstatistic = \"level\"\ngroup = \"service_users\"\nmetric = \"lonely_share\"\n\
         value = 0.5\ntolerance = 0.1\nsource = \"a test\"\n"
            .into(),
    );
    w("mine.sh", "#!/bin/sh\necho my own script\n".into());
    // A web project with its own manifest.json.
    std::fs::create_dir_all(dir.join("app/src")).unwrap();
    w("app/manifest.json", "{\"name\": \"My PWA\", \"files\": [\"index.html\"]}\n".into());
    w("app/index.html", "<h1>mine</h1>\n".into());
    w("app/src/main.js", "console.log(1)\n".into());
}

/// Runs the binary in `dir`, failing the test on a hang.
fn sim(dir: &Path, args: &[&str]) -> std::process::Output {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    crate::common::supportsim_in(Some(dir), &args, 120)
}

fn ok(dir: &Path, args: &[&str]) {
    let o = sim(dir, args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

fn set_manifest(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut m = manifest(dir);
    f(&mut m);
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// Replaces a listed file and updates its record, so the manifest's checksum matches the new content.
fn replace_listed(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
    let rec = supportsim::output::manifest::record(dir, file).unwrap();
    set_manifest(dir, |m| {
        for f in m["files"].as_array_mut().unwrap() {
            if f["path"] == file {
                *f = serde_json::to_value(&rec).unwrap();
            }
        }
    });
}

/// Every file under `dir` with its bytes (links as their target).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let t = e.file_type().unwrap();
            if t.is_symlink() {
                out.insert(p.clone(), std::fs::read_link(&p).unwrap().to_string_lossy().as_bytes().to_vec());
            } else if t.is_dir() {
                out.insert(p.clone(), b"<dir>".to_vec());
                todo.push(p);
            } else if t.is_file() {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            } else {
                out.insert(p.clone(), b"<special>".to_vec());
            }
        }
    }
    out
}

type Prepare = fn(&Path);

/// One case: what to prepare, the arguments, and what the message must say.
struct Case {
    name: &'static str,
    prepare: Option<Prepare>,
    args: &'static [&'static str],
    expect: &'static [&'static str],
}

const fn case(name: &'static str, args: &'static [&'static str], expect: &'static [&'static str]) -> Case {
    Case { name, prepare: None, args, expect }
}

const fn prepared(
    name: &'static str,
    prepare: Prepare,
    args: &'static [&'static str],
    expect: &'static [&'static str],
) -> Case {
    Case { name, prepare: Some(prepare), args, expect }
}

fn fifo(dir: &Path) {
    let ok = std::process::Command::new("mkfifo").arg(dir.join("fifo.toml")).status().unwrap().success();
    assert!(ok, "mkfifo");
}

fn run_out(dir: &Path) {
    ok(dir, &["run", "town.toml", "-q", "--out", "run_out"]);
}

fn sweep_out(dir: &Path) {
    ok(dir, &["sweep", "sweep.toml", "-q", "--out", "sweep_out"]);
}

fn shards(dir: &Path) {
    ok(dir, &["sweep", "sweep.toml", "-q", "--shard", "1/2", "--out", "shard1"]);
    ok(dir, &["sweep", "sweep.toml", "-q", "--shard", "2/2", "--out", "shard2"]);
}

/// A sweep folder as an interrupted sweep leaves it: unfinished, its rows in runs.partial.csv.
fn interrupted_sweep(dir: &Path) {
    sweep_out(dir);
    let s = dir.join("sweep_out");
    std::fs::rename(s.join("runs.csv"), s.join("runs.partial.csv")).unwrap();
    set_manifest(&s, |m| {
        m["complete"] = false.into();
        let files = m["files"].as_array_mut().unwrap();
        files.retain(|f| f["path"] != "runs.csv");
        files.push(serde_json::json!({"path": "runs.partial.csv"}));
    });
}

fn cmp_out(dir: &Path) {
    ok(dir, &["compare", "town.toml", "fee.toml", "-q", "--out", "cmp_out"]);
}

/// A folder of the one kind `report` does not draw: a calibration's (an oat folder, its manifest relabelled).
fn calibration_out(dir: &Path) {
    ok(dir, &["oat", "town.toml", "--vary", "p_tie_form", "-q", "--out", "cal_out"]);
    set_manifest(&dir.join("cal_out"), |m| m["kind"] = "calibration".into());
}

const CLI: &[Case] = &[
    case("seed_negative", &["run", "town.toml", "--seed", "-1"], &["'-1'", "--seed", "from 0 to 9007199254740991"]),
    case("seed_above_2_53", &["run", "town.toml", "--seed", "9007199254740992"], &["--seed", "9007199254740991"]),
    case("seed_not_a_number", &["run", "town.toml", "--seed", "abc"], &["'abc'", "--seed"]),
    case("seed_fraction", &["run", "town.toml", "--seed", "1.5"], &["'1.5'", "--seed"]),
    case("replicates_zero", &["run", "town.toml", "--replicates", "0"], &["--replicates", "from 1 to 100000"]),
    case("replicates_negative", &["run", "town.toml", "--replicates", "-3"], &["'-3'", "--replicates"]),
    case("replicates_too_many", &["run", "town.toml", "--replicates", "100001"], &["--replicates", "100000"]),
    case("threads_zero", &["run", "town.toml", "--threads", "0"], &["--threads", "from 1"]),
    case("threads_negative", &["sweep", "sweep.toml", "--threads", "-2"], &["'-2'", "--threads"]),
    case("window_zero", &["run", "town.toml", "--window", "0"], &["--window", "from 1"]),
    case("window_too_long", &["run", "town.toml", "--window", "9999"], &["--window must be between 7", "56"]),
    case("unknown_command", &["frobnicate"], &["frobnicate"]),
    case("unknown_option", &["run", "town.toml", "--sed", "1"], &["--sed"]),
    case("run_without_file", &["run"], &["<SCENARIO>"]),
    case("validate_without_file", &["validate"], &["<SCENARIOS>"]),
    case("params_extra_argument", &["params", "extra"], &["extra"]),
    case("missing_scenario", &["run", "missing.toml"], &["cannot read missing.toml"]),
    case("scenario_is_a_folder", &["run", "app"], &["cannot read app", "a folder, not a regular file"]),
    prepared("scenario_is_a_fifo", fifo, &["run", "fifo.toml"], &["fifo.toml", "FIFO"]),
    prepared("validate_a_fifo", fifo, &["validate", "fifo.toml"], &["fifo.toml", "FIFO"]),
    prepared("sweep_file_is_a_fifo", fifo, &["sweep", "fifo.toml"], &["fifo.toml", "FIFO"]),
    prepared("targets_file_is_a_fifo", fifo, &["calibrate", "fifo.toml"], &["fifo.toml", "FIFO"]),
    case("scenario_is_a_device", &["run", "/dev/zero"], &["/dev/zero", "a device"]),
    case("compare_same_file_twice", &["compare", "town.toml", "town.toml"], &["town.toml is given twice"]),
    case("compare_same_file_by_two_paths", &["compare", "town.toml", "./town.toml"], &["is given twice"]),
    case("compare_same_name", &["compare", "town.toml", "copy.toml"], &["both named `town`"]),
    case("compare_without_events", &["compare", "levels.toml", "town.toml"], &["`levels` has no events"]),
    case("oat_unknown_parameter", &["oat", "town.toml", "--vary", "habit_pul"], &["--vary", "habit_pull"]),
    case("oat_without_events", &["oat", "levels.toml", "--vary", "habit_pull"], &["no events"]),
    case("shard_zero", &["sweep", "sweep.toml", "--shard", "0/3"], &["--shard", "1 ≤ K ≤ N"]),
    case("shard_beyond_count", &["sweep", "sweep.toml", "--shard", "4/3"], &["--shard", "1 ≤ K ≤ N"]),
    case("shard_not_a_fraction", &["sweep", "sweep.toml", "--shard", "x"], &["--shard", "K/N"]),
    case("slurm_without_shards", &["sweep", "sweep.toml", "--slurm-script", "s.sh"], &["needs --shards"]),
    case("slurm_zero_shards", &["sweep", "sweep.toml", "--slurm-script", "s.sh", "--shards", "0"], &["--shards"]),
    case(
        "slurm_more_shards_than_runs",
        &["sweep", "sweep.toml", "--slurm-script", "s.sh", "--shards", "99"],
        &["--shards must be from 1 to the number of runs (2)"],
    ),
    case(
        "slurm_script_over_a_users_file",
        &["sweep", "sweep.toml", "--slurm-script", "mine.sh", "--shards", "2", "--force"],
        &["mine.sh exists and was not written by supportsim"],
    ),
    case(
        "slurm_bad_sbatch_option",
        &["sweep", "sweep.toml", "--slurm-script", "s.sh", "--shards", "2", "--sbatch", "partition"],
        &["--sbatch", "one sbatch option"],
    ),
    case("merge_missing_folder", &["merge", "nowhere"], &["nowhere does not exist"]),
    prepared("merge_a_run_folder", run_out, &["merge", "run_out"], &["run_out is not a sweep folder"]),
    case("report_missing_folder", &["report", "nowhere"], &["nowhere does not exist"]),
    case("report_a_file", &["report", "town.toml"], &["town.toml exists and is not a folder"]),
    case("record_agents_with_target_width", &["run", "width.toml", "--record-agents"], &["cannot be combined"]),
    case("missing_targets_file", &["calibrate", "nowhere.toml"], &["cannot read nowhere.toml"]),
    case("calibrate_threads_zero", &["calibrate", "targets.toml", "--threads", "0"], &["--threads"]),
    case("sweep_file_is_a_folder", &["sweep", "app"], &["app", "a folder, not a regular file"]),
    case("out_is_a_file", &["run", "town.toml", "--out", "town.toml"], &["town.toml exists and is not a folder"]),
    case("more_shards_than_runs", &["sweep", "sweep.toml", "--shard", "5/5"], &["--shard 5/5", "at most 2 shards"]),
    prepared(
        "sweep_point_renames_a_summary_district",
        |d| {
            // A district without venues whose name a string parameter changes, while the summary names it.
            let text = town("renames", "")
                + "[[districts]]\nname = \"north\"\npopulation_share = 0.25\n[[districts]]\nname = \"east\"\n\
                   population_share = 0.1\n";
            std::fs::write(d.join("renames.toml"), text).unwrap();
            std::fs::write(
                d.join("rename_sweep.toml"),
                "scenario = \"renames.toml\"\nreplicates = 1\n[[parameters]]\npath = \"districts.east.name\"\n\
                 values = [\"east\", \"west\"]\n[summary]\ngroups = [\"district:east\"]\n",
            )
            .unwrap();
        },
        &["sweep", "rename_sweep.toml", "--out", "renamed"],
        &["point 1 (districts.east.name = west)", "summary.groups[0]", "unknown district `east`"],
    ),
];

const FOLDERS: &[Case] = &[
    case("run_into_a_web_project", &["run", "town.toml", "--out", "app"], &["app is not empty", "manifest.json"]),
    case("run_into_a_web_project_forced", &["run", "town.toml", "--out", "app", "--force"], &["even with --force"]),
    case("compare_into_a_web_project", &["compare", "town.toml", "fee.toml", "--out", "app"], &["app is not empty"]),
    case(
        "oat_into_a_web_project",
        &["oat", "town.toml", "--vary", "habit_pull", "--out", "app"],
        &["app is not empty"],
    ),
    case(
        "calibrate_into_a_web_project",
        &["calibrate", "targets.toml", "--check", "--out", "app"],
        &["app is not empty"],
    ),
    case("sweep_into_a_web_project", &["sweep", "sweep.toml", "--out", "app", "--force"], &["app is not empty"]),
    prepared("merge_into_a_web_project", shards, &["merge", "shard1", "shard2", "--out", "app"], &["app is not empty"]),
    case("report_a_web_project", &["report", "app"], &["app does not hold supportsim's output"]),
    case("run_into_the_current_folder", &["run", "town.toml", "--out", "."], &["is not empty", "choose another --out"]),
    prepared("run_over_a_sweep", sweep_out, &["run", "town.toml", "--out", "sweep_out"], &["holds a sweep", "--force"]),
    prepared(
        "calibrate_over_an_interrupted_sweep",
        |d| {
            sweep_out(d);
            set_manifest(&d.join("sweep_out"), |m| m["complete"] = false.into());
        },
        &["calibrate", "targets.toml", "--check", "--out", "sweep_out"],
        &["holds the unfinished output of a sweep", "not a calibration"],
    ),
    prepared("run_over_a_comparison", cmp_out, &["run", "town.toml", "--out", "cmp_out"], &["holds a comparison"]),
    prepared("sweep_over_a_run", run_out, &["sweep", "sweep.toml", "--out", "run_out"], &["holds a run"]),
    prepared(
        "run_over_an_edited_file",
        |d| {
            run_out(d);
            std::fs::write(d.join("run_out/timeseries.csv"), "my cleaned data\n").unwrap();
        },
        &["run", "town.toml", "--out", "run_out"],
        &["timeseries.csv", "will not delete a file you may have edited"],
    ),
    prepared(
        "run_over_a_file_replaced_by_a_link",
        |d| {
            run_out(d);
            std::fs::remove_file(d.join("run_out/venues.csv")).unwrap();
            std::os::unix::fs::symlink(d.join("town.toml"), d.join("run_out/venues.csv")).unwrap();
        },
        &["run", "town.toml", "--out", "run_out"],
        &["venues.csv is a link"],
    ),
    prepared(
        "run_onto_a_users_file_in_its_folder",
        |d| {
            run_out(d);
            std::fs::write(d.join("run_out/agents.csv"), "my own agents\n").unwrap();
        },
        &["run", "town.toml", "--out", "run_out", "--record-agents"],
        &["holds agents.csv, which supportsim did not write"],
    ),
    prepared(
        "a_manifest_listing_a_path_outside",
        |d| {
            run_out(d);
            std::fs::write(d.join("victim.txt"), "outside\n").unwrap();
            set_manifest(&d.join("run_out"), |m| {
                m["files"].as_array_mut().unwrap().push(serde_json::json!({"path": "../victim.txt"}))
            });
        },
        &["run", "town.toml", "--out", "run_out", "--force"],
        &["lists `../victim.txt`, a path outside the folder"],
    ),
    prepared(
        "a_manifest_of_a_newer_format",
        |d| {
            run_out(d);
            set_manifest(&d.join("run_out"), |m| m["format_version"] = 2.into());
        },
        &["run", "town.toml", "--out", "run_out"],
        &["format version 2"],
    ),
    prepared("report_a_calibration", calibration_out, &["report", "cal_out"], &["holds a calibration", "report takes"]),
    prepared(
        "report_a_cut_timeseries",
        |d| {
            run_out(d);
            let p = d.join("run_out/timeseries.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, &text[..text.len() / 2]).unwrap();
        },
        &["report", "run_out"],
        &["timeseries.csv has", "cut short or changed"],
    ),
    prepared(
        "report_a_cut_effects_file",
        |d| {
            run_out(d);
            let p = d.join("run_out/effects.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, &text[..text.len() - 40]).unwrap();
        },
        &["report", "run_out"],
        &["effects.csv has"],
    ),
    prepared(
        "report_a_manifest_that_disagrees_with_the_data",
        |d| {
            run_out(d);
            set_manifest(&d.join("run_out"), |m| m["replicates"] = 3.into());
        },
        &["report", "run_out"],
        &["timeseries.csv", "its manifest gives"],
    ),
    prepared(
        "report_a_header_only_timeseries",
        |d| {
            run_out(d);
            let p = d.join("run_out/timeseries.csv");
            let header = std::fs::read_to_string(&p).unwrap().lines().next().unwrap().to_string();
            replace_listed(&d.join("run_out"), "timeseries.csv", &format!("{header}\n"));
        },
        &["report", "run_out"],
        &["timeseries.csv", "0 rows where its manifest gives"],
    ),
    prepared(
        "report_an_empty_timeseries",
        |d| {
            run_out(d);
            replace_listed(&d.join("run_out"), "timeseries.csv", "");
        },
        &["report", "run_out"],
        &["timeseries.csv", "header"],
    ),
    prepared(
        "report_an_unfinished_run",
        |d| {
            run_out(d);
            set_manifest(&d.join("run_out"), |m| m["complete"] = false.into());
        },
        &["report", "run_out"],
        &["holds an unfinished run"],
    ),
    prepared(
        "report_a_stage",
        |d| {
            run_out(d);
            let stage = d.join("run_out/.supportsim-partial-4242");
            std::fs::create_dir(&stage).unwrap();
            std::fs::copy(d.join("run_out/manifest.json"), stage.join("manifest.json")).unwrap();
        },
        &["report", "run_out/.supportsim-partial-4242"],
        &["unfinished output of a run that was stopped or killed"],
    ),
    prepared(
        "report_an_old_partial_folder",
        |d| {
            run_out(d);
            std::fs::rename(d.join("run_out"), d.join(".run_out.partial-4242")).unwrap();
        },
        &["report", ".run_out.partial-4242"],
        &["unfinished output"],
    ),
    prepared(
        "run_into_a_locked_folder",
        |d| {
            run_out(d);
            hold_lock(&d.join("run_out"));
        },
        &["run", "town.toml", "--out", "run_out"],
        &["is being written by another supportsim"],
    ),
    prepared(
        "resume_a_sweep_while_it_runs",
        |d| {
            sweep_out(d);
            hold_lock(&d.join("sweep_out"));
        },
        &["sweep", "sweep.toml", "--out", "sweep_out", "--resume"],
        &["is being written by another supportsim"],
    ),
    prepared(
        "report_a_folder_being_written",
        |d| {
            run_out(d);
            hold_lock(&d.join("run_out"));
        },
        &["report", "run_out"],
        &["is being written by another supportsim"],
    ),
    prepared(
        "default_folder_is_someone_elses",
        |d| {
            std::fs::create_dir_all(d.join("output/tiny")).unwrap();
            std::fs::write(d.join("output/tiny/notes.md"), "mine\n").unwrap();
        },
        &["sweep", "sweep.toml"],
        &["output/tiny is not empty"],
    ),
    prepared("merge_a_shard_twice", shards, &["merge", "shard1", "shard1"], &["shard 1/2 is given twice"]),
    prepared("merge_a_missing_shard", shards, &["merge", "shard1"], &["shard 2/2 is missing"]),
    prepared(
        "merge_a_cut_shard",
        |d| {
            shards(d);
            let p = d.join("shard2/runs.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            std::fs::write(&p, text.lines().next().unwrap().to_string() + "\n").unwrap();
        },
        &["merge", "shard1", "shard2"],
        &["runs.csv has", "cut short"],
    ),
    prepared(
        "resume_onto_a_users_runs_file",
        |d| {
            // An interrupted sweep (its rows in runs.partial.csv) in whose folder someone put a runs.csv.
            interrupted_sweep(d);
            let s = d.join("sweep_out");
            std::fs::write(s.join("runs.csv"), "my own table\n").unwrap();
        },
        &["sweep", "sweep.toml", "--out", "sweep_out", "--resume"],
        &["holds runs.csv, which supportsim did not write"],
    ),
    prepared(
        "resume_over_an_edited_sweep_copy",
        |d| {
            // An interrupted sweep whose copy of the sweep file someone edited.
            interrupted_sweep(d);
            let s = d.join("sweep_out");
            std::fs::write(s.join("sweep.toml"), "# my notes on this sweep\n").unwrap();
        },
        &["sweep", "sweep.toml", "--out", "sweep_out", "--resume"],
        &["sweep.toml has", "will not delete a file you may have edited"],
    ),
    prepared(
        "a_linked_charts_folder",
        |d| {
            // Someone moved charts/ elsewhere and left a link in its place: nothing there may be deleted.
            run_out(d);
            std::fs::rename(d.join("run_out/charts"), d.join("elsewhere")).unwrap();
            std::os::unix::fs::symlink(d.join("elsewhere"), d.join("run_out/charts")).unwrap();
        },
        &["run", "town.toml", "--out", "run_out"],
        &["charts is a link where supportsim wrote a folder"],
    ),
    prepared(
        "a_manifest_listing_a_file_through_a_link",
        |d| {
            run_out(d);
            std::fs::create_dir(d.join("home")).unwrap();
            std::fs::write(d.join("home/thesis.tex"), "chapter 1\n").unwrap();
            std::os::unix::fs::symlink(d.join("home"), d.join("run_out/x")).unwrap();
            replace_listed(
                &d.join("run_out"),
                "timeseries.csv",
                &std::fs::read_to_string(d.join("run_out/timeseries.csv")).unwrap(),
            );
            set_manifest(&d.join("run_out"), |m| {
                let rec = supportsim::output::manifest::record(&d.join("home"), "thesis.tex").unwrap();
                let mut rec = serde_json::to_value(&rec).unwrap();
                rec["path"] = "x/thesis.tex".into();
                m["files"].as_array_mut().unwrap().push(rec);
            });
        },
        &["run", "town.toml", "--out", "run_out", "--force"],
        &["x is a link where supportsim wrote a folder"],
    ),
    prepared(
        "merge_into_a_shard_of_the_same_sweep",
        shards,
        &["merge", "shard1", "shard2", "--out", "shard1"],
        &["shard1 holds a sweep", "--force"],
    ),
    prepared(
        "report_a_manifest_with_an_impossible_run",
        |d| {
            run_out(d);
            set_manifest(&d.join("run_out"), |m| m["scenario"]["run"]["days"] = 10_000_000_000_000u64.into());
        },
        &["report", "run_out"],
        &["the manifest gives no number of days a run can have"],
    ),
    prepared("sweep_over_itself_finished", sweep_out, &["sweep", "sweep.toml", "--out", "sweep_out"], &["finished"]),
    prepared(
        "resume_another_sweep",
        sweep_out,
        &["sweep", "other_sweep.toml", "--out", "sweep_out", "--resume"],
        &["holds a different sweep"],
    ),
    prepared("report_a_shard", shards, &["report", "shard1"], &["is shard 1/2 of a sweep"]),
    prepared(
        "report_an_unfinished_sweep",
        |d| {
            sweep_out(d);
            set_manifest(&d.join("sweep_out"), |m| m["complete"] = false.into());
        },
        &["report", "sweep_out"],
        &["holds an unfinished sweep"],
    ),
    prepared(
        "report_a_sweep_with_an_edited_runs_file",
        |d| {
            sweep_out(d);
            let p = d.join("sweep_out/runs.csv");
            let text = std::fs::read_to_string(&p).unwrap().replace(",0.3,", ",0.9,");
            std::fs::write(&p, text).unwrap();
        },
        &["report", "sweep_out"],
        &["runs.csv has changed since supportsim wrote it"],
    ),
];

/// Locks a folder's lock file from this test process (the lock lives until the process ends), as a running
/// supportsim would hold it.
fn hold_lock(dir: &Path) {
    let f = std::fs::File::options().write(true).open(dir.join(".supportsim.lock")).unwrap();
    f.try_lock().unwrap();
    std::mem::forget(f);
}

fn check(cases: &[Case]) -> Vec<String> {
    let mut wrong = Vec::new();
    for c in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fixture(dir);
        if let Some(p) = c.prepare {
            p(dir);
        }
        let before = snapshot(dir);
        let o = sim(dir, c.args);
        let err = String::from_utf8_lossy(&o.stderr);
        let mut problems = Vec::new();
        if o.status.code() != Some(2) {
            problems.push(format!("exit {:?}", o.status.code()));
        }
        if err.contains("panicked") || err.contains("error: error:") {
            problems.push("a panic or a doubled `error:`".into());
        }
        for e in c.expect {
            if !err.contains(e) {
                problems.push(format!("no `{e}` in the message"));
            }
        }
        let after = snapshot(dir);
        for (p, bytes) in &before {
            match after.get(p) {
                None => problems.push(format!("{} was deleted", p.display())),
                Some(b) if b != bytes => problems.push(format!("{} was changed", p.display())),
                _ => {}
            }
        }
        for p in after.keys().filter(|p| !before.contains_key(*p)) {
            problems.push(format!("{} was written", p.display()));
        }
        if !problems.is_empty() {
            wrong.push(format!("{}: {}\n  {}", c.name, problems.join("; "), err.trim()));
        }
    }
    wrong
}

#[test]
fn every_bad_command_line_exits_2_naming_the_problem_and_touches_nothing() {
    assert!(CLI.len() >= 40);
    let wrong = check(CLI);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_refused_output_folder_is_left_exactly_as_it_was() {
    assert!(FOLDERS.len() >= 35);
    let wrong = check(FOLDERS);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
