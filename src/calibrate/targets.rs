//! Reading and checking a calibration targets file. Every problem is reported at once with its file, line
//! and key, like scenario files (docs/validation.md documents the format).

use super::stats::Statistic;
use crate::error::did_you_mean;
use crate::error::{Error, Problem, Problems};
use crate::metric_names::METRICS;
use crate::params::PARAM_SPECS;
use crate::scenario::filecheck::FileChecker;
use crate::scenario::load;
use crate::scenario::{Origin, Scenario};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// A parameter the search may move, within `[lo, hi]` (log-scaled when `log`).
#[derive(Clone, Debug)]
pub struct FreeParameter {
    pub name: String,
    pub lo: f64,
    pub hi: f64,
    pub log: bool,
}

/// A real-world figure the model should reproduce.
#[derive(Clone, Debug)]
pub struct Target {
    pub name: String,
    pub statistic: Statistic,
    pub value: f64,
    pub tolerance: f64,
    pub weight: f64,
    pub source: String,
}

/// A checked targets file.
#[derive(Clone, Debug)]
pub struct Calibration {
    pub file: PathBuf,
    /// The base scenario with the file's `days` applied (events are ignored: targets describe the town).
    pub scenario: Scenario,
    pub replicates: u32,
    pub check_replicates: u32,
    pub max_evaluations: usize,
    pub initial_step: f64,
    pub min_step: f64,
    pub parameters: Vec<FreeParameter>,
    pub targets: Vec<Target>,
}

const TOP_KEYS: &[&str] = &[
    "scenario",
    "days",
    "replicates",
    "check_replicates",
    "max_evaluations",
    "initial_step",
    "min_step",
    "parameters",
    "targets",
];
const PARAMETER_KEYS: &[&str] = &["name", "range", "log"];
const TARGET_KEYS: &[&str] =
    &["name", "statistic", "group", "metric", "weeks", "quartile", "value", "tolerance", "weight", "source"];
const STATISTICS: &[&str] = &[
    "level",
    "drift",
    "recovered",
    "cannot_afford",
    "onset_odds_ratio_low_support",
    "peer_trial_crisis_ratio",
    "peer_trial_hope_smd",
];

/// Reads and checks a targets file: every problem at once, in the order of the format's keys.
pub fn load(path: &Path) -> Result<Calibration, Error> {
    let loaded = load::load(Origin::Disk, path)?;
    let mut c = FileChecker::new(&loaded);
    let root = &loaded.merged;
    c.unknown_keys(root, TOP_KEYS, "");
    let scenario = read_scenario(&mut c, root, path.parent().unwrap_or(Path::new("")));
    let days = c.positive_int(root, "days", 0, 1) as u32;
    let replicates = c.positive_int(root, "replicates", 2, 1) as u32;
    let check_replicates = c.positive_int(root, "check_replicates", 8, 2) as u32;
    let max_evaluations = c.positive_int(root, "max_evaluations", 100, 1) as usize;
    let initial_step = c.number(root, "initial_step", "initial_step").unwrap_or(0.25);
    let min_step = c.number(root, "min_step", "min_step").unwrap_or(0.02);
    if !(initial_step > 0.0 && initial_step <= 1.0) {
        c.problem("initial_step", "must be in (0, 1]: a share of each parameter's range");
    }
    if !(min_step > 0.0 && min_step <= initial_step) {
        c.problem("min_step", "must be above 0 and at most initial_step");
    }

    let parameter_list = table_list(&mut c, root, "parameters");
    let mut parameters: Vec<FreeParameter> = Vec::new();
    for (i, v) in parameter_list.iter().enumerate() {
        if let Some(p) = read_parameter(&mut c, v, i, &parameters) {
            parameters.push(p);
        }
    }
    if parameter_list.is_empty() && !matches!(root.get("parameters"), Some(v) if !v.is_array()) {
        c.problem("parameters", "no free parameters: add at least one [[parameters]] table");
    }

    let districts = scenario.as_ref().map(|s| s.district_names()).unwrap_or_default();
    let target_list = table_list(&mut c, root, "targets");
    if target_list.is_empty() && root.get("targets").is_none() {
        c.problem("targets", "no targets: add at least one [[targets]] table");
    }
    let targets: Vec<Target> =
        target_list.iter().enumerate().filter_map(|(i, v)| read_target(&mut c, v, i, &districts)).collect();

    if !c.problems.is_empty() {
        return Err(Error::Targets(Problems(c.problems)));
    }
    let mut scenario = scenario.expect("checked above");
    if days > 0 {
        if days <= scenario.run.burn_in_days + 91 {
            return Err(Error::Targets(Problems(vec![Problem {
                file: Some(path.display().to_string()),
                line: loaded.locate("days").1,
                path: "days".into(),
                message: format!("must be more than 13 weeks after the burn-in ({} days)", scenario.run.burn_in_days),
            }])));
        }
        scenario.run.days = days;
        scenario.analysis.window_days = scenario.analysis.window_days.min(days - scenario.run.burn_in_days);
    }
    scenario.events.clear();
    Ok(Calibration {
        file: path.to_path_buf(),
        scenario,
        replicates,
        check_replicates,
        max_evaluations,
        initial_step,
        min_step,
        parameters,
        targets,
    })
}

/// The base `scenario`, relative to the targets file's folder `dir`.
fn read_scenario(c: &mut FileChecker, root: &Table, dir: &Path) -> Option<Scenario> {
    let Some(name) = c.string(root, "scenario", "scenario") else {
        c.problem("scenario", "missing: the base scenario file the targets describe");
        return None;
    };
    match Scenario::from_file(&dir.join(&name)) {
        Ok(s) => Some(s),
        Err(e) => {
            c.problem("scenario", format!("cannot use `{name}`: {e}"));
            None
        }
    }
}

/// The array of tables at `key` (`[[key]]`); empty when absent, and when not an array (reported).
fn table_list(c: &mut FileChecker, root: &Table, key: &str) -> Vec<Value> {
    match root.get(key) {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            c.problem(key, format!("must be an array of tables ([[{key}]])"));
            Vec::new()
        }
    }
}

/// Free parameter `i`: a parameter's name and a range within its valid range. `None` when it cannot be
/// used (its problems are in `c`).
fn read_parameter(c: &mut FileChecker, v: &Value, i: usize, earlier: &[FreeParameter]) -> Option<FreeParameter> {
    let at = |k: &str| format!("parameters[{i}].{k}");
    let t = c.element(v, "parameters", i, PARAMETER_KEYS)?;
    let Some(name) = c.string(t, "name", &at("name")) else {
        c.problem(&format!("parameters[{i}]"), "missing `name`");
        return None;
    };
    let Some(spec) = PARAM_SPECS.iter().find(|s| s.name == name) else {
        let hint = did_you_mean(&name, PARAM_SPECS.iter().map(|s| s.name));
        c.problem(&at("name"), format!("unknown parameter `{name}`{hint}"));
        return None;
    };
    if earlier.iter().any(|p| p.name == name) {
        c.problem(&at("name"), format!("`{name}` is listed twice"));
    }
    let log = c.flag(t, "log", &at("log"));
    let range = t.get("range").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let bounds: Vec<f64> = range.iter().filter_map(|x| x.as_float().or(x.as_integer().map(|i| i as f64))).collect();
    let [lo, hi] = bounds[..] else {
        c.problem(&at("range"), "must be [low, high]");
        return None;
    };
    if !lo.is_finite() || !hi.is_finite() {
        c.problem(&at("range"), "must be two finite numbers");
    } else if lo >= hi {
        c.problem(&at("range"), "low must be below high");
    } else if lo < spec.min || hi > spec.max {
        c.problem(&at("range"), format!("must lie within the parameter's valid range {} – {}", spec.min, spec.max));
    } else if log && lo <= 0.0 {
        c.problem(&at("range"), "a log-scaled range must be above zero");
    }
    Some(FreeParameter { name, lo, hi, log })
}

/// Target `i`: a statistic of the model's output, the real-world value, its tolerance, weight and source.
/// `None` when it cannot be used (its problems are in `c`). `districts` is empty when the base scenario could
/// not be read (groups are then not checked).
fn read_target(c: &mut FileChecker, v: &Value, i: usize, districts: &[String]) -> Option<Target> {
    let at = |k: &str| format!("targets[{i}].{k}");
    let t = c.element(v, "targets", i, TARGET_KEYS)?;
    let name = c.string(t, "name", &at("name")).unwrap_or_else(|| format!("target {}", i + 1));
    let value = c.number(t, "value", &at("value"));
    let tolerance = c.number(t, "tolerance", &at("tolerance"));
    let weight = c.number(t, "weight", &at("weight")).unwrap_or(1.0);
    let source = c.string(t, "source", &at("source")).unwrap_or_default();
    // A value that is there but not a finite number has been reported; only an absent one is missing.
    if !t.contains_key("value") {
        c.problem(&format!("targets[{i}]"), "missing `value`: the real-world figure");
    }
    match tolerance {
        None if !t.contains_key("tolerance") => {
            c.problem(&format!("targets[{i}]"), "missing `tolerance`: how far off still counts as a fit")
        }
        Some(x) if x <= 0.0 => c.problem(&at("tolerance"), "must be above zero"),
        _ => {}
    }
    if weight < 0.0 {
        c.problem(&at("weight"), "must not be negative");
    }
    if source.trim().is_empty() {
        c.problem(&format!("targets[{i}]"), "missing `source`: where the real-world figure comes from");
    }
    let statistic = read_statistic(c, t, i, districts);
    Some(Target { name, statistic: statistic?, value: value?, tolerance: tolerance?, weight, source })
}

/// Target `i`'s `statistic` and the keys it needs.
fn read_statistic(c: &mut FileChecker, t: &Table, i: usize, districts: &[String]) -> Option<Statistic> {
    let at = |k: &str| format!("targets[{i}].{k}");
    match c.string(t, "statistic", &at("statistic")).as_deref() {
        Some("level") => group_metric(c, t, i, districts).map(|(group, metric)| Statistic::Level { group, metric }),
        Some("drift") => group_metric(c, t, i, districts).map(|(group, metric)| Statistic::Drift { group, metric }),
        Some("recovered") => match c.number(t, "weeks", &at("weeks")) {
            Some(w) if w > 0.0 => Some(Statistic::Recovered { weeks: w }),
            Some(_) => {
                c.problem(&at("weeks"), "must be above zero");
                None
            }
            None => {
                c.problem(&format!("targets[{i}]"), "`recovered` needs `weeks`");
                None
            }
        },
        Some("cannot_afford") => match t.get("quartile").and_then(Value::as_integer) {
            Some(q @ 1..=4) => Some(Statistic::CannotAfford { quartile: q as u8 - 1 }),
            _ => {
                c.problem(&at("quartile"), "`cannot_afford` needs `quartile` = 1, 2, 3 or 4");
                None
            }
        },
        Some("onset_odds_ratio_low_support") => Some(Statistic::OnsetOddsRatioLowSupport),
        Some("peer_trial_crisis_ratio") => Some(Statistic::PeerTrialCrisisRatio),
        Some("peer_trial_hope_smd") => Some(Statistic::PeerTrialHopeSmd),
        Some(other) => {
            let hint = did_you_mean(other, STATISTICS.iter().copied());
            let one_of = STATISTICS.join(", ");
            c.problem(&at("statistic"), format!("unknown statistic `{other}`{hint} (one of {one_of})"));
            None
        }
        None => {
            c.problem(&format!("targets[{i}]"), format!("missing `statistic` (one of {})", STATISTICS.join(", ")));
            None
        }
    }
}

/// The `group` and `metric` of a level or drift target.
fn group_metric(c: &mut FileChecker, t: &Table, i: usize, districts: &[String]) -> Option<(String, String)> {
    let at = |k: &str| format!("targets[{i}].{k}");
    let group = c.string(t, "group", &at("group"));
    let metric = c.string(t, "metric", &at("metric"));
    let (Some(group), Some(metric)) = (group, metric) else {
        c.problem(&format!("targets[{i}]"), "needs `group` and `metric`");
        return None;
    };
    if let Err(m) = crate::groups::Group::parse(&group, districts) {
        if !districts.is_empty() {
            c.problem(&at("group"), m);
        }
    }
    if !METRICS.contains(&metric.as_str()) {
        let hint = did_you_mean(&metric, METRICS.iter().copied());
        c.problem(&at("metric"), format!("unknown metric `{metric}`{hint}"));
    }
    Some((group, metric))
}
