//! A property harness over mutated scenario TOML: parse and validate never panic, whatever the input; and
//! every mutation that still validates runs (shrunk to a small town) without breaking an invariant.
//! Bounded in cases so it fits in `cargo test --release`.

use proptest::prelude::*;
use supportsim::metrics::METRICS;
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
            let result = supportsim::sim::run(&s, 0, None);
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
