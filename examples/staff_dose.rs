//! Dose–response of each staff kind: from day 182 of the default town, 1, 2, 4 or 8 more professionals,
//! volunteers or peer workers are hired at one venue, at its full budget and with the budget cut to half on the
//! same day. Each row is the effect of the added staff on a group against the same town without them (at full
//! budget: no events; at half budget: the cut alone), as paired differences over replicates with a 95% interval,
//! averaged over the analysis window. docs/validation.md §4 shows the result.
//!
//!     cargo run --release --example staff_dose -- scenarios/baseline.toml north_meeting_place \
//!         district:north/service_users 16 > staff_dose.csv
//!
//! The last argument, the replicates, is optional (default: the scenario's).

use std::path::Path;
use supportsim::experiment::{mean_ci, run_experiment, window_mean, Options, SCENARIO};
use supportsim::metric_names::METRICS;
use supportsim::sim::RunResult;
use supportsim::Scenario;

const KINDS: [&str; 3] = ["professional", "volunteer", "peer_worker"];
const DOSES: [u32; 4] = [1, 2, 4, 8];
const SHOWN: [&str; 5] = ["lonely_share", "crisis_share", "attended_share", "ties_mean", "hope_mean"];
const DAY: u32 = 182;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: staff_dose SCENARIO VENUE GROUP [REPLICATES]");
        std::process::exit(2);
    }
    let text = std::fs::read_to_string(Path::new(&args[1])).unwrap_or_else(|e| fail(&format!("{}: {e}", args[1])));
    let (venue, group) = (&args[2], &args[3]);
    let replicates: Option<u32> =
        args.get(4).map(|x| x.parse().unwrap_or_else(|_| fail("REPLICATES is a whole number")));
    println!("budget,kind,added,metric,baseline,effect,ci_low,ci_high");
    for budget in [1.0, 0.5] {
        let cut = if budget < 1.0 {
            format!("[[events]]\nday = {DAY}\naction = \"set_budget\"\nvenue = \"{venue}\"\nfactor = {budget}\n")
        } else {
            String::new()
        };
        // The town without added staff: the runs with no events at full budget, the cut alone at half.
        let reference = runs(&text, &cut, group, replicates);
        for kind in KINDS {
            for added in DOSES {
                let hire = format!(
                    "[[events]]\nday = {DAY}\naction = \"add_staff\"\nvenue = \"{venue}\"\nrole = \"{kind}\"\ncount = {added}\n"
                );
                let (scenario, dosed, g) = runs(&text, &format!("{cut}{hire}"), group, replicates);
                for metric in SHOWN {
                    let m = METRICS.iter().position(|&x| x == metric).expect("a metric");
                    let level = |r: &RunResult| window_mean(r, &scenario, g, m);
                    let diffs: Vec<f64> = dosed.iter().zip(&reference.1).map(|(d, r)| level(d) - level(r)).collect();
                    let base = reference.1.iter().map(level).sum::<f64>() / reference.1.len() as f64;
                    let (mean, lo, hi) = mean_ci(&diffs);
                    println!("{budget},{kind},{added},{metric},{base:.6},{mean:.6},{lo:.6},{hi:.6}");
                }
            }
        }
    }
}

/// The runs of the scenario `text` with `events` appended (its arm with the events, or without events when
/// there are none), and the index of `group`.
fn runs(text: &str, events: &str, group: &str, replicates: Option<u32>) -> (Scenario, Vec<RunResult>, usize) {
    let mut scenario =
        Scenario::from_toml_str("staff_dose", &format!("{text}\n{events}")).unwrap_or_else(|e| fail(&e.to_string()));
    if let Some(n) = replicates {
        scenario.run.replicates = n;
    }
    let exp = run_experiment(&scenario, &Options::default(), None).unwrap_or_else(|e| fail(&e.to_string()));
    let g = exp.group_names.iter().position(|x| x == group).unwrap_or_else(|| fail(&format!("no group {group}")));
    let arm = exp.arms.iter().find(|a| a.name == SCENARIO).unwrap_or(&exp.arms[0]);
    (scenario, arm.runs.clone(), g)
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}
