//! Property harnesses: mutated scenario TOML never makes parse and validate panic, and every mutation that
//! still validates runs (shrunk to a small town) without breaking an invariant; random command lines never
//! make the command-line parser (which checks every option's value) panic. Bounded in cases so they fit in
//! `cargo test --release`.

use proptest::prelude::*;
use supportsim::metric_names::METRICS;
use supportsim::Scenario;

const BASE: &str = include_str!("../scenarios/venue_closure.toml");
const BASELINE: &str = include_str!("../scenarios/baseline.toml");

#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    ReplaceValue(usize, String),
    InsertGarbage(usize, String),
}

fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1e308".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("\"\"".to_string()),
        Just("[]".to_string()),
        Just("{}".to_string()),
        Just("true".to_string()),
        Just("\"..\"".to_string()),
        Just("\"../../x\"".to_string()),
        Just("\"a/b\"".to_string()),
        Just("\"district:x\"".to_string()),
        Just("\" \"".to_string()),
        Just("-1e300".to_string()),
        (-1000i64..100_000).prop_map(|x| x.to_string()),
        (0.0f64..2.0).prop_map(|x| format!("{x}")),
        "[a-z_]{1,12}".prop_map(|s| format!("\"{s}\"")),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0usize..400).prop_map(Mutation::DeleteLine),
        (0usize..400).prop_map(Mutation::DuplicateLine),
        (0usize..400, values()).prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        (0usize..400, "[ -~]{0,20}").prop_map(|(i, g)| Mutation::InsertGarbage(i, g)),
    ]
}

/// The default what-if with its parent inlined (no `extends`), mutated.
fn mutate(muts: &[Mutation]) -> String {
    let child: String = BASE.lines().filter(|l| !l.starts_with("extends")).map(|l| format!("{l}\n")).collect();
    let text = BASELINE.replace("name = \"baseline\"", "") + &child;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for m in muts {
        let n = lines.len().max(1);
        match m {
            Mutation::DeleteLine(i) => {
                if !lines.is_empty() {
                    lines.remove(i % n);
                }
            }
            Mutation::DuplicateLine(i) => {
                if !lines.is_empty() {
                    let l = lines[i % n].clone();
                    lines.insert(i % n, l);
                }
            }
            Mutation::ReplaceValue(i, v) => {
                if let Some(l) = lines.get_mut(i % n) {
                    if let Some(eq) = l.find('=') {
                        *l = format!("{}= {v}", &l[..eq]);
                    }
                }
            }
            Mutation::InsertGarbage(i, g) => lines.insert(i % n, g.clone()),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parse_and_validate_never_panic(muts in proptest::collection::vec(mutation(), 1..6)) {
        let text = mutate(&muts);
        if let Ok(mut s) = Scenario::from_toml_str("fuzz.toml", &text) {
            // A valid scenario must run: shrink it so the harness stays fast, then check its metrics.
            let staff: u32 = s.venues.iter().map(|v| v.professionals + v.volunteers).sum();
            s.population.n_agents = (2 * staff + 50).max(200);
            s.run.replicates = 1;
            s.run.days = s.run.days.min(28);
            s.run.burn_in_days = 0;
            s.analysis.window_days = s.run.record_every_days.min(s.run.days);
            s.events.retain(|e| e.day < s.run.days);
            let result = supportsim::sim::run_replicate(&s, 0, None);
            for (k, v) in result.values.iter().enumerate() {
                let metric = METRICS[k % METRICS.len()];
                prop_assert!(v.is_nan() || (v.is_finite() && *v >= 0.0), "{metric} = {v}");
                if metric.ends_with("_share") && v.is_finite() {
                    prop_assert!(*v <= 1.0, "{metric} = {v}");
                }
            }
        }
    }
}

/// One word of a command line: a command, an option, or a value good or bad.
fn word() -> impl Strategy<Value = String> {
    let words = [
        "run",
        "validate",
        "compare",
        "report",
        "calibrate",
        "oat",
        "sweep",
        "merge",
        "params",
        "--seed",
        "--replicates",
        "--threads",
        "--window",
        "--out",
        "--force",
        "-q",
        "--record-agents",
        "--shard",
        "--shards",
        "--slurm-script",
        "--sbatch",
        "--resume",
        "--vary",
        "--check",
        "--markdown",
        "--help",
        "--version",
        "-1",
        "0",
        "1",
        "2",
        "1.5",
        "18446744073709551616",
        "9007199254740992",
        "1/0",
        "0/0",
        "3/2",
        "2/3",
        "",
        "nan",
        "../..",
        "/dev/zero",
        "--",
        "-",
        "habit_pull=0.1,0.2",
        "habit_pull=",
        "=",
        "no/such/file.toml",
    ];
    prop_oneof![
        4 => proptest::sample::select(words.to_vec()).prop_map(str::to_string),
        1 => "[ -~]{0,16}",
        1 => "\\PC{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn command_lines_never_panic(words in proptest::collection::vec(word(), 0..8)) {
        let mut args = vec!["supportsim".to_string()];
        args.extend(words);
        // Help and version are printed (and captured by the test harness); anything else parses or is an error.
        let _ = supportsim::cli::parse(&args);
        for w in &args {
            let _ = supportsim::sweep::Shard::parse(w);
            let _ = supportsim::scenario::names::check_name(w, supportsim::scenario::names::NameKind::Folder);
        }
    }
}
