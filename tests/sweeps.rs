//! Parameter sweeps: determinism across thread counts and shard splits, resume after a kill or Ctrl-C,
//! merge checks, design generators, reproducing a run from its seed, bad sweep files, and a sweep through a
//! real Slurm cluster.

use crate::common::TOWN;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use supportsim::sweep::{self, design::Plan};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_supportsim"))
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    o
}

/// A smaller test town (600 people, 24 weeks) and a what-if on it, written into `dir`.
fn town_files(dir: &Path) {
    let town = TOWN
        .replace("days = 224", "days = 168")
        .replace("burn_in_days = 112", "burn_in_days = 84")
        .replace("n_agents = 1500", "n_agents = 600")
        .replace("window_days = 84", "window_days = 56");
    fs::write(dir.join("town.toml"), town).unwrap();
    fs::write(
        dir.join("closure.toml"),
        "extends = \"town.toml\"\nname = \"closure\"\n[[events]]\nday = 98\naction = \"close_venue\"\nvenue = \"a_meeting\"\n",
    )
    .unwrap();
}

/// A Latin-hypercube what-if sweep over two parameters and the closure day.
const LHS: &str = r#"
name = "lhs_test"
scenario = "closure.toml"
design = "lhs"
points = 6
replicates = 2
seed = 5

[[parameters]]
path = "params.habit_pull"
range = [0.1, 0.6]

[[parameters]]
path = "events[0].day"
range = [90, 120]

[[parameters]]
path = "venues.a_cafe.cost_nok"
values = [0, 80, 160]

[summary]
metrics = ["lonely_share", "ties_mean"]
"#;

fn setup(sweep_text: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    town_files(tmp.path());
    let file = tmp.path().join("sweep.toml");
    fs::write(&file, sweep_text).unwrap();
    (tmp, file)
}

/// Every file under `dir` but the manifest (which records provenance: command line, timings).
fn results(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "manifest.json" {
                out.push((p.strip_prefix(dir).unwrap().display().to_string(), fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn assert_same(a: &Path, b: &Path) {
    let (x, y) = (results(a), results(b));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&x), names(&y), "same files in {} and {}", a.display(), b.display());
    for ((n, p), (_, q)) in x.iter().zip(&y) {
        assert!(p == q, "{n} differs between {} and {}", a.display(), b.display());
    }
}

fn sweep_cmd(file: &Path, out: &Path, extra: &[&str]) -> Output {
    bin().arg("sweep").arg(file).arg("--out").arg(out).arg("-q").args(extra).output().unwrap()
}

#[test]
fn sweep_output_is_identical_at_any_thread_count_and_shard_split() {
    let (tmp, file) = setup(LHS);
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    ok(sweep_cmd(&file, &one, &["--threads", "1"]));
    ok(sweep_cmd(&file, &two, &["--threads", "2"]));
    for f in ["runs.csv", "points.csv", "sensitivity.csv", "sweep.toml"] {
        assert!(one.join(f).is_file(), "{f} written");
    }
    assert!(!one.join("runs.partial.csv").exists());
    assert_same(&one, &two);
    // 6 points × 2 replicates; header + 12 rows in (point, replicate) order.
    let runs = fs::read_to_string(one.join("runs.csv")).unwrap();
    let keys: Vec<String> = runs.lines().skip(1).map(|l| l.split(',').take(2).collect::<Vec<_>>().join(",")).collect();
    let expected: Vec<String> = (0..6).flat_map(|p| (0..2).map(move |r| format!("{p},{r}"))).collect();
    assert_eq!(keys, expected);
    assert!(runs.lines().next().unwrap().contains("effect.lonely_share.district:a/service_users"));

    // Three shards at different thread counts, merged in a scrambled order, give the same bytes.
    let shard = |k: usize, threads: &str| {
        let d = tmp.path().join(format!("s{k}"));
        ok(sweep_cmd(&file, &d, &["--shard", &format!("{k}/3"), "--threads", threads]));
        assert!(!d.join("points.csv").exists(), "a shard has no analysis of its own");
        d
    };
    let (s1, s2, s3) = (shard(1, "2"), shard(2, "1"), shard(3, "2"));
    let merged = tmp.path().join("merged");
    let o = ok(bin().arg("merge").arg(&s3).arg(&s1).arg(&s2).arg("--out").arg(&merged).output().unwrap());
    assert!(String::from_utf8_lossy(&o.stderr).contains("merged 3 shards"));
    assert_same(&one, &merged);

    // `supportsim report` redraws the derived files byte for byte.
    let before = results(&one);
    fs::remove_dir_all(one.join("charts")).unwrap();
    fs::remove_file(one.join("points.csv")).unwrap();
    ok(bin().arg("report").arg(&one).output().unwrap());
    assert!(before == results(&one), "report redraws the same files");
}

#[test]
fn merge_refuses_shards_that_do_not_belong_together() {
    let (tmp, file) = setup(LHS);
    let run = |name: &str, args: &[&str], f: &Path| {
        let d = tmp.path().join(name);
        ok(sweep_cmd(f, &d, args));
        d
    };
    let s1 = run("s1", &["--shard", "1/2"], &file);
    let s2 = run("s2", &["--shard", "2/2"], &file);
    let other_file = tmp.path().join("other.toml");
    fs::write(&other_file, LHS.replace("seed = 5", "seed = 6")).unwrap();
    let other2 = run("o2", &["--shard", "2/2"], &other_file);
    let third = run("t3", &["--shard", "3/3"], &file);
    let merge = |dirs: &[&PathBuf]| {
        let o = bin().arg("merge").args(dirs).arg("--out").arg(tmp.path().join("m")).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(!tmp.path().join("m").exists(), "no folder from a refused merge");
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    assert!(merge(&[&s1, &other2]).contains("different sweeps"));
    assert!(merge(&[&s1]).contains("shard 2/2 is missing"));
    assert!(merge(&[&s1, &s2, &s2]).contains("shard 2/2 is given twice"));
    assert!(merge(&[&s1, &third]).contains("merge shards of one split"));
    assert!(merge(&[&tmp.path().to_path_buf()]).contains("not a sweep folder"));
    // An unfinished shard: its manifest says so.
    let m = fs::read_to_string(s2.join("manifest.json")).unwrap().replace("\"complete\": true", "\"complete\": false");
    fs::write(s2.join("manifest.json"), m).unwrap();
    assert!(merge(&[&s1, &s2]).contains("not finished"));
}

/// Waits until `path` has at least `rows` complete rows after its header.
fn wait_for_rows(path: &Path, rows: usize) {
    let start = std::time::Instant::now();
    loop {
        if let Ok(t) = fs::read_to_string(path) {
            if t.matches('\n').count() > rows {
                return;
            }
        }
        assert!(start.elapsed().as_secs() < 60, "{} never got {rows} rows", path.display());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A sweep long enough to interrupt: 40 points × 2 replicates.
fn long_sweep() -> String {
    LHS.replace("points = 6", "points = 40")
}

#[test]
fn a_killed_sweep_resumes_to_identical_files() {
    let (tmp, file) = setup(&long_sweep());
    let whole = tmp.path().join("whole");
    ok(sweep_cmd(&file, &whole, &[]));

    let killed = tmp.path().join("killed");
    let mut child = bin().arg("sweep").arg(&file).arg("--out").arg(&killed).arg("-q").spawn().unwrap();
    let partial = killed.join("runs.partial.csv");
    wait_for_rows(&partial, 5);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(!killed.join("runs.csv").exists(), "an unfinished sweep has no runs.csv");
    let manifest = fs::read_to_string(killed.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"complete\": false"));
    // A torn last line, as a kill in the middle of a write would leave.
    let mut text = fs::read(&partial).unwrap();
    let done = text.iter().filter(|b| **b == b'\n').count() - 1;
    text.extend_from_slice(b"39,1,12345,0.2");
    fs::write(&partial, text).unwrap();

    // Without --resume the folder is protected.
    let o = sweep_cmd(&file, &killed, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = ok(bin().arg("sweep").arg(&file).arg("--out").arg(&killed).arg("--resume").output().unwrap());
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains(&format!("{done} found finished and skipped")), "{said}");
    assert_same(&whole, &killed);

    // Resuming a finished sweep does nothing; running it again needs --force.
    let o = ok(bin().arg("sweep").arg(&file).arg("--out").arg(&killed).arg("--resume").output().unwrap());
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to do"));
    let o = sweep_cmd(&file, &killed, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    // Another sweep cannot resume into this folder.
    let other = tmp.path().join("other.toml");
    fs::write(&other, long_sweep().replace("seed = 5", "seed = 9")).unwrap();
    let o = bin().arg("sweep").arg(&other).arg("--out").arg(&killed).arg("--resume").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
}

#[test]
fn ctrl_c_stops_a_sweep_and_resume_finishes_it() {
    let (tmp, file) = setup(&long_sweep().replace("points = 40", "points = 120"));
    let dir = tmp.path().join("sweep");
    let o = crate::common::interrupt_after_start(&[
        "sweep".as_ref(),
        file.as_os_str(),
        "--out".as_ref(),
        dir.as_os_str(),
        "--threads".as_ref(),
        "1".as_ref(),
    ]);
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("--resume"), "{said}");
    assert!(dir.join("runs.partial.csv").is_file() && !dir.join("runs.csv").exists());
    ok(bin().arg("sweep").arg(&file).arg("--out").arg(&dir).arg("--resume").arg("-q").output().unwrap());
    let rows = fs::read_to_string(dir.join("runs.csv")).unwrap().lines().count();
    assert_eq!(rows, 1 + 120 * 2);
}

#[test]
fn design_generators() {
    let (tmp, file) = setup(&LHS.replace("points = 6", "points = 50"));
    // Latin hypercube: each parameter hits each of the 50 strata exactly once.
    let s = sweep::load(&file).unwrap();
    let plan = Plan::new(&s);
    assert_eq!(plan.len(), 50);
    for i in 0..3 {
        let mut strata: Vec<usize> = (0..50).map(|p| (plan.unit(p)[i] * 50.0) as usize).collect();
        strata.sort();
        assert_eq!(strata, (0..50).collect::<Vec<_>>(), "parameter {i}");
    }
    // Values stay in their domains; integer ranges give integers; value lists give listed values.
    for p in 0..50 {
        let v = plan.values(&s, p);
        let h = v[0].as_float().unwrap();
        assert!((0.1..=0.6).contains(&h));
        let day = v[1].as_integer().unwrap();
        assert!((90..=120).contains(&day));
        assert!([0, 80, 160].contains(&v[2].as_integer().unwrap()));
    }

    // A grid: every combination, first parameter slowest, levels evenly spaced (log: geometric).
    let grid = r#"
scenario = "closure.toml"
design = "grid"
replicates = 1
[[parameters]]
path = "venues.a_cafe.cost_nok"
values = [0, 50]
[[parameters]]
path = "params.habit_pull"
range = [0.01, 1.0]
levels = 3
log = true
"#;
    let g = tmp.path().join("grid.toml");
    fs::write(&g, grid).unwrap();
    let s = sweep::load(&g).unwrap();
    let plan = Plan::new(&s);
    assert_eq!(plan.len(), 6);
    let rows: Vec<String> =
        (0..6).map(|p| plan.values(&s, p).iter().map(sweep::spec::value_text).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(rows, ["0 0.01", "0 0.1", "0 1", "50 0.01", "50 0.1", "50 1"]);

    // Random design: log-uniform draws stay in range and cover both decades.
    let random = grid.replace("design = \"grid\"", "design = \"random\"\npoints = 200").replace("levels = 3\n", "");
    fs::write(&g, random).unwrap();
    let s = sweep::load(&g).unwrap();
    let plan = Plan::new(&s);
    let h: Vec<f64> = (0..200).map(|p| plan.values(&s, p)[1].as_float().unwrap()).collect();
    assert!(h.iter().all(|x| (0.01..=1.0).contains(x)));
    let below = h.iter().filter(|x| **x < 0.1).count();
    assert!((60..140).contains(&below), "about half below 0.1 on a log scale: {below}");

    // Sobol (Saltelli) layout: N base samples × (k + 2) rows; row 2+i is A with column i from B.
    let sobol = LHS.replace("design = \"lhs\"", "design = \"sobol\"").replace("points = 6", "points = 8");
    fs::write(&g, sobol).unwrap();
    let s = sweep::load(&g).unwrap();
    let plan = Plan::new(&s);
    assert_eq!(plan.len(), 8 * 5);
    for j in 0..8 {
        let (a, b) = (plan.unit(j * 5), plan.unit(j * 5 + 1));
        for i in 0..3 {
            let mut expect = a.clone();
            expect[i] = b[i];
            assert_eq!(plan.unit(j * 5 + 2 + i), expect);
        }
    }
    let seq = sweep::design::sobol_sequence(6, 8);
    assert_eq!(plan.unit(5), seq[1][..3].to_vec());
    assert_eq!(plan.unit(6), seq[1][3..].to_vec());
}

#[test]
fn each_run_is_reproduced_by_supportsim_run_with_its_seed() {
    let (tmp, file) = setup(LHS);
    let out = tmp.path().join("out");
    ok(sweep_cmd(&file, &out, &[]));
    let s = sweep::load(&file).unwrap();
    let plan = Plan::new(&s);
    let runs = fs::read_to_string(out.join("runs.csv")).unwrap();
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "effect.lonely_share.district:a/service_users").unwrap();
    let row: Vec<&str> = runs.lines().nth(1 + 7).unwrap().split(',').collect(); // point 3, replicate 1
    assert_eq!((row[0], row[1]), ("3", "1"));
    let seed: u64 = row[2].parse().unwrap();
    assert_eq!(seed, sweep::run_seed(5, 3, 1));
    // The scenario at point 3 run by `supportsim run --seed <seed> --replicates 1`.
    let mut scenario = s.scenario_at(&plan.values(&s, 3)).unwrap();
    scenario.run.seed = seed;
    scenario.run.replicates = 1;
    let exp = supportsim::experiment::run_experiment(&scenario, &Default::default(), None).unwrap();
    let e = crate::common::effect(&exp, "district:a/service_users", "lonely_share");
    assert_eq!(supportsim::output::num(e.difference), row[col]);
}

#[test]
fn bad_sweep_files_are_refused_with_file_line_and_key() {
    let (tmp, _) = setup(LHS);
    let cases: &[(&str, &[&str])] = &[
        (
            r#"scenario = "closure.toml"
design = "lhs"
points = 4
colour = "red"
[[parameters]]
path = "params.habit_pul"
range = [0.1, 0.6]
[[parameters]]
path = "venues.a_cafee.cost_nok"
values = [0, 10]
[[parameters]]
path = "params.p_go_out_service_user"
range = [0.5, 0.1]
[summary]
metrics = ["lonely_shares"]
groups = ["district:c"]
"#,
            &[
                "sweep.toml:4: colour: unknown key `colour`",
                "sweep.toml:7: parameters[0].range: with params.habit_pul = 0.1, the scenario is invalid",
                "sweep.toml:9: parameters[1].path: `venues.a_cafee.cost_nok`: no element of `venues` is named `a_cafee` (did you mean `a_cafe`?)",
                "sweep.toml:13: parameters[2].range: low must be below high",
                "sweep.toml:15: summary.metrics[0]: unknown metric `lonely_shares` (did you mean `lonely_share`?)",
                "sweep.toml:16: summary.groups[0]: unknown district `c`",
            ],
        ),
        (
            r#"scenario = "missing.toml"
design = "sobel"
[[parameters]]
path = "habit_pull"
values = [1]
"#,
            &["sweep.toml:1: scenario: cannot use `missing.toml`", "sweep.toml:2: design: unknown design `sobel` (did you mean `sobol`?)"],
        ),
        (
            r#"scenario = "closure.toml"
[[parameters]]
path = "habit_pull"
range = [0.1, 0.5]
"#,
            &[
                "sweep.toml:3: parameters[0].path: `habit_pull`: the scenario has no `habit_pull` (did you mean `params.habit_pull`?)",
            ],
        ),
        (
            r#"scenario = "closure.toml"
design = "grid"
points = 5
[[parameters]]
path = "params.habit_pull"
range = [0.1, 0.5]
[[parameters]]
path = "events[3].day"
values = [1, 2]
[[parameters]]
path = "run.days"
values = [100]
"#,
            &[
                "sweep.toml:3: points: a grid's points are every combination of the levels; remove `points`",
                "sweep.toml:5: parameters[0]: a grid needs `levels` for a range",
                "sweep.toml:8: parameters[1].path: `events[3].day`: `events` has 1 element, so [3] is out of range",
                "sweep.toml:12: parameters[2].values: with run.days = 100, the scenario is invalid",
                "analysis.window_days: must fit after the burn-in",
            ],
        ),
    ];
    for (text, expected) in cases {
        let f = tmp.path().join("sweep.toml");
        fs::write(&f, text).unwrap();
        let o = bin().arg("sweep").arg(&f).arg("--out").arg(tmp.path().join("never")).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        for e in *expected {
            let e = e.replace("sweep.toml", &f.display().to_string());
            assert!(err.contains(&e), "expected `{e}` in:\n{err}");
        }
        assert!(!tmp.path().join("never").exists());
    }
}

/// A sweep through a real single-node Slurm cluster: `--slurm-script`, `bash SCRIPT` (an array job
/// of 3 shards and a dependent merge job), and the merged folder equal to a local run. Needs Debian's
/// slurm-wlm and munge and root; skipped (with a message) without them unless SUPPORTSIM_REQUIRE_SLURM is
/// set, as `.ci/run` does.
#[test]
#[ignore = "needs Debian's slurm-wlm and munge, and root; .ci/run installs them and runs it"]
fn slurm_array_job_gives_the_local_result() {
    let have = ["sbatch", "slurmctld", "slurmd", "munged"].iter().all(|b| {
        Command::new("sh").arg("-c").arg(format!("command -v {b}")).output().is_ok_and(|o| o.status.success())
    });
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    assert!(have && root, "needs slurm-wlm and munge installed (apt-get install slurm-wlm munge) and root");
    let (tmp, file) = setup(LHS);
    let local = tmp.path().join("local");
    ok(sweep_cmd(&file, &local, &[]));

    let cluster = tmp.path().join("cluster");
    let script_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slurm/cluster.sh");
    let started = Command::new("bash").arg(&script_dir).arg("start").arg(&cluster).output().unwrap();
    assert!(started.status.success(), "cluster did not start: {}", String::from_utf8_lossy(&started.stderr));
    let conf = String::from_utf8_lossy(&started.stdout).trim().to_string();
    struct Stop<'a>(&'a Path, &'a Path);
    impl Drop for Stop<'_> {
        fn drop(&mut self) {
            let _ = Command::new("bash").arg(self.0).arg("stop").arg(self.1).output();
        }
    }
    let _stop = Stop(&script_dir, &cluster);

    let script = tmp.path().join("sweep.sbatch");
    let out = tmp.path().join("slurm_out");
    let o = ok(bin()
        .arg("sweep")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--slurm-script")
        .arg(&script)
        .arg("--shards")
        .arg("3")
        .output()
        .unwrap());
    assert!(String::from_utf8_lossy(&o.stderr).contains("3 array tasks"));
    let text = fs::read_to_string(&script).unwrap();
    assert!(text.contains("#SBATCH --job-name=supportsim-lhs_test"));
    let o = ok(Command::new("bash").arg(&script).env("SLURM_CONF", &conf).output().unwrap());
    assert!(String::from_utf8_lossy(&o.stdout).contains("submitted array job"));
    let start = std::time::Instant::now();
    while !out.join("manifest.json").is_file() {
        if start.elapsed().as_secs() > 180 {
            let logs = Command::new("sh")
                .arg("-c")
                .arg(format!("tail -n 20 {0}.shards/logs/* {1}/*.log; squeue", out.display(), cluster.display()))
                .env("SLURM_CONF", &conf)
                .output()
                .unwrap();
            panic!("the merge job did not finish in 180 s:\n{}", String::from_utf8_lossy(&logs.stdout));
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    // The manifest is the merge's last file, but the job may still be finishing (once a file under the folder
    // went away while it was read): wait until the queue is empty before reading the folder.
    while !Command::new("squeue").arg("-h").env("SLURM_CONF", &conf).output().unwrap().stdout.is_empty() {
        assert!(start.elapsed().as_secs() < 240, "the merge job did not leave the queue");
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    for k in 1..=3 {
        assert!(tmp.path().join(format!("slurm_out.shards/shard-{k}-of-3/runs.csv")).is_file());
    }
    assert_same(&local, &out);
}

#[test]
fn shipped_sweep_files_are_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sweeps");
    for name in ["closure_cafe.toml", "closure_uncertainty.toml", "north_budget.toml"] {
        let s = sweep::load(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let plan = Plan::new(&s);
        for p in 0..plan.len() {
            s.scenario_at(&plan.values(&s, p)).unwrap_or_else(|e| panic!("{name} point {p}: {e}"));
        }
        assert!(s.what_if(), "{name} sweeps the default what-if");
    }
}

/// Makes a finished sweep folder's manifest say what an interrupted sweep's says: unfinished, its rows in
/// runs.partial.csv.
fn interrupted(dir: &Path) {
    let manifest = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    m["complete"] = false.into();
    let files = m["files"].as_array_mut().unwrap();
    files.retain(|f| f["path"] != "runs.csv");
    files.push(serde_json::json!({"path": "runs.partial.csv"}));
    fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

#[test]
fn resume_keeps_only_the_rows_that_check_out_and_ends_identical() {
    let (tmp, file) = setup(LHS);
    let whole = tmp.path().join("whole");
    ok(sweep_cmd(&file, &whole, &[]));

    // A finished sweep whose runs.csv was cut to 4 of its 12 rows (as a copy gone wrong would leave it):
    // --resume does not say "finished"; it keeps the 4 rows and runs the other 8.
    let cut = tmp.path().join("cut");
    ok(sweep_cmd(&file, &cut, &[]));
    let text = fs::read_to_string(cut.join("runs.csv")).unwrap();
    let kept: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    fs::write(cut.join("runs.csv"), kept).unwrap();
    let o = ok(sweep_cmd(&file, &cut, &["--resume"]));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("does not match its manifest") && said.contains("8 runs"), "{said}");
    assert!(said.contains("4 found finished and skipped"), "{said}");
    assert_same(&whole, &cut);

    // A row whose seed is not the one the sweep gives that run is not kept: it and the rows after it run
    // again.
    let bad = tmp.path().join("bad_seed");
    ok(sweep_cmd(&file, &bad, &[]));
    let text = fs::read_to_string(bad.join("runs.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    fields[2] = "12345".into();
    lines[3] = fields.join(",");
    fs::write(bad.join("runs.partial.csv"), lines.join("\n") + "\n").unwrap();
    fs::remove_file(bad.join("runs.csv")).unwrap();
    interrupted(&bad);
    let o = ok(sweep_cmd(&file, &bad, &["--resume"]));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("2 found finished and skipped"), "{said}");
    assert_same(&whole, &bad);

    // Every run is in runs.csv but the analysis stopped (a full disk while drawing the charts, say): --resume
    // runs nothing again and only redoes the analysis.
    let stopped = tmp.path().join("stopped");
    ok(sweep_cmd(&file, &stopped, &[]));
    let manifest = stopped.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&fs::read_to_string(&manifest).unwrap()).unwrap();
    m["complete"] = false.into();
    fs::write(&manifest, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    fs::remove_file(stopped.join("points.csv")).unwrap();
    fs::remove_dir_all(stopped.join("charts")).unwrap();
    let o = ok(sweep_cmd(&file, &stopped, &["--resume"]));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("0 runs") && said.contains("12 found finished and skipped"), "{said}");
    assert_same(&whole, &stopped);
    // Killed after its last row was written but before runs.partial.csv became runs.csv: --resume runs
    // nothing again.
    let last = tmp.path().join("last_row");
    ok(sweep_cmd(&file, &last, &[]));
    fs::rename(last.join("runs.csv"), last.join("runs.partial.csv")).unwrap();
    interrupted(&last);
    let o = ok(sweep_cmd(&file, &last, &["--resume"]));
    let said = String::from_utf8_lossy(&o.stderr);
    assert!(said.contains("0 runs") && said.contains("12 found finished and skipped"), "{said}");
    assert_same(&whole, &last);

    // Each finished folder's manifest lists exactly the files that are there, each with its checksum.
    for dir in [&whole, &cut, &bad, &stopped, &last] {
        let m: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(m["complete"], true);
        let mut listed: Vec<String> =
            m["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap().to_string()).collect();
        listed.sort();
        let mut there: Vec<String> =
            results(dir).into_iter().map(|(n, _)| n).filter(|n| n != ".supportsim.lock").collect();
        there.push("manifest.json".into());
        there.sort();
        assert_eq!(listed, there, "{}", dir.display());
    }
}

#[test]
fn a_dry_run_sizes_and_times_the_sweep_and_writes_its_points() {
    let (tmp, file) = setup(LHS);
    let o = ok(bin().arg("sweep").arg(&file).arg("--dry-run").output().unwrap());
    let (stdout, stderr) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(stderr.contains("6 points × 2 replicates = 12 runs") && stderr.contains("agent-days"), "{stderr}");
    assert!(
        stderr.contains("ns per agent-day") && stderr.contains("about") && stderr.contains("MB of memory"),
        "{stderr}"
    );
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("point,params.habit_pull,events[0].day,venues.a_cafe.cost_nok"));
    assert_eq!(lines.count(), 6);
    assert!(!tmp.path().join("output").exists(), "a dry run writes no folder");
    // --points and --agents change the design and the town, and the estimate follows.
    let agent_days =
        |s: &str| -> f64 { s.split_whitespace().find(|w| w.contains("e")).and_then(|w| w.parse().ok()).unwrap() };
    let o = ok(bin().arg("sweep").arg(&file).args(["--dry-run", "--points", "3", "--agents", "300"]).output().unwrap());
    let small = String::from_utf8_lossy(&o.stderr);
    assert!(small.contains("3 points × 2 replicates = 6 runs"), "{small}");
    let line = |s: &str| s.lines().nth(1).unwrap().to_string();
    // Half the points and half the people: about a quarter of the agent-days (points differ in their closure day).
    let ratio = agent_days(&line(&stderr)) / agent_days(&line(&small));
    assert!((3.5..4.5).contains(&ratio), "{ratio}");
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 4);
    // A grid's points are its levels.
    let grid = LHS
        .replace("design = \"lhs\"\npoints = 6", "design = \"grid\"")
        .replace("range = [0.1, 0.6]", "values = [0.1, 0.6]")
        .replace("range = [90, 120]", "values = [90, 120]");
    fs::write(&file, grid).unwrap();
    let o = bin().arg("sweep").arg(&file).args(["--dry-run", "--points", "3"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--points: a grid's points are its parameters' levels"));
}

#[test]
fn a_quick_look_runs_fewer_points_on_a_smaller_town_and_cannot_be_resumed_as_the_full_sweep() {
    let (tmp, file) = setup(LHS);
    let quick = tmp.path().join("quick");
    ok(sweep_cmd(&file, &quick, &["--points", "2", "--agents", "300", "--replicates", "1"]));
    let runs = fs::read_to_string(quick.join("runs.csv")).unwrap();
    assert_eq!(runs.lines().count(), 1 + 2, "2 points × 1 replicate");
    let o = sweep_cmd(&file, &quick, &["--points", "2", "--replicates", "1", "--resume"]);
    assert_eq!(o.status.code(), Some(2), "another town size is another sweep: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_slurm_script_carries_time_memory_and_the_quick_look_options() {
    let (tmp, file) = setup(LHS);
    let script = tmp.path().join("s.sh");
    ok(bin()
        .arg("sweep")
        .arg(&file)
        .args(["--slurm-script"])
        .arg(&script)
        .args(["--shards", "2", "--replicates", "1", "--points", "4", "--sbatch=--mem=3G"])
        .output()
        .unwrap());
    let text = fs::read_to_string(&script).unwrap();
    assert!(text.contains("#SBATCH --time=0:"), "{text}");
    assert!(
        text.contains("#SBATCH --mem=3G") && !text.contains("#SBATCH --mem=3G\n#SBATCH --mem="),
        "--sbatch overrides the estimate"
    );
    assert_eq!(text.matches("#SBATCH --mem").count(), 1);
    assert!(text.contains("--resume --quiet '--replicates' '1' '--points' '4'"), "{text}");
}

#[test]
fn validate_takes_sweep_and_targets_files() {
    let (tmp, file) = setup(LHS);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = ok(bin().arg("validate").arg(&file).arg(root.join("calibration/targets.toml")).output().unwrap());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("ok (sweep file: lhs design, 3 parameters, 6 points") && stdout.contains("ok (targets file:"),
        "{stdout}"
    );
    fs::write(tmp.path().join("bad.toml"), LHS.replace("range = [0.1, 0.6]", "range = [0.6, 0.1]")).unwrap();
    let o = bin().arg("validate").arg(tmp.path().join("bad.toml")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("in the sweep file"), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn a_one_parameter_grid_draws_its_dose_response_line() {
    let one = "name = \"budget_curve\"\nscenario = \"closure.toml\"\ndesign = \"grid\"\nreplicates = 2\nseed = 3\n\
               [[parameters]]\npath = \"params.habit_pull\"\nvalues = [0.1, 0.3, 0.5]\n\
               [summary]\nmetrics = [\"lonely_share\"]\n";
    let (tmp, file) = setup(one);
    let out = tmp.path().join("out");
    let o = ok(sweep_cmd(&file, &out, &[]));
    // The terminal ends with where the effect is smallest and largest, and where the files are.
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("effect lonely_share among service users: from ") && stdout.contains("params.habit_pull = "),
        "{stdout}"
    );
    assert!(stdout.contains("charts/ in"), "{stdout}");
    let charts: Vec<String> = fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        charts.iter().any(|c| c.starts_with("dose_response_effect_lonely_share_service_users") && c.ends_with(".svg")),
        "{charts:?}"
    );
    let svg = fs::read_to_string(out.join("charts/dose_response_effect_lonely_share_service_users.svg")).unwrap();
    assert!(svg.contains("percentage points") && svg.contains("95% band") && svg.contains("params.habit_pull"));
    // `report` redraws it from runs.csv, byte for byte.
    let before = fs::read(out.join("charts/dose_response_effect_lonely_share_service_users.png")).unwrap();
    ok(bin().arg("report").arg(&out).output().unwrap());
    assert!(before == fs::read(out.join("charts/dose_response_effect_lonely_share_service_users.png")).unwrap());
}

#[test]
#[ignore = "needs python3 with pandas (Debian's python3-pandas); .ci/run installs it and runs the ignored tests"]
fn the_pandas_example_of_the_docs_runs_on_the_shipped_sweep() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = fs::read_to_string(root.join("docs/sweeps.md")).unwrap();
    let example = docs.split("```python\n").nth(1).and_then(|b| b.split("```").next()).expect("a python example");
    let tmp = tempfile::tempdir().unwrap();
    // The shipped sweep as the docs run it, made quick: one replicate on a smaller town.
    let out = tmp.path().join("output/closure_cafe");
    ok(sweep_cmd(&root.join("sweeps/closure_cafe.toml"), &out, &["--replicates", "1", "--agents", "2000"]));
    fs::write(tmp.path().join("example.py"), example).unwrap();
    // The first Python that has pandas: the one on PATH, or Debian's (which .ci/run installs pandas into).
    let python = ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|p| Command::new(p).args(["-c", "import pandas"]).output().is_ok_and(|o| o.status.success()))
        .expect("no python3 with pandas: apt-get install python3-pandas");
    let o = Command::new(python).arg("example.py").current_dir(tmp.path()).output().expect("python3 runs");
    assert!(o.status.success(), "the docs' pandas example failed:\n{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    // A 4 × 3 table: the fee's four values as rows, the openness's three as columns.
    assert!(table.contains("venues.north_cafe.openness") && table.contains("0.9"), "{table}");
    assert_eq!(table.lines().filter(|l| l.trim_start().starts_with(['0', '4', '8', '1'])).count(), 4, "{table}");
}
