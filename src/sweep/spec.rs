//! Reading and checking a sweep file (docs/sweeps.md documents the format). Every problem is reported at
//! once with its file, line and key, like scenario files; every parameter is also tried at the ends of its
//! domain on the base scenario, so a value the scenario would refuse is caught before anything runs.

pub use super::path::{resolve_path, set_path, Step};
use crate::error::did_you_mean;
use crate::error::{Error, Problems};
use crate::groups::Group;
use crate::metric_names::METRICS;
use crate::scenario::filecheck::FileChecker;
use crate::scenario::load::{self, Loaded};
use crate::scenario::names::{check_name, folder_name_from_stem, NameKind};
use crate::scenario::validate::{validate_table, MAX_EXTRA_GROUPS};
use crate::scenario::{Origin, Scenario};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// How the points of a sweep are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// Every combination of every parameter's levels (first parameter slowest).
    Grid,
    /// Independent uniform draws (log-uniform for log ranges).
    Random,
    /// Latin hypercube: each parameter's range cut into `points` strata, each hit once.
    Lhs,
    /// Saltelli's scheme on a Sobol sequence, for Sobol indices: `points` base samples, each giving
    /// `parameters + 2` points.
    Sobol,
}

impl Design {
    pub const NAMES: [&'static str; 4] = ["grid", "random", "lhs", "sobol"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// The values a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// A list of values (numbers, strings or booleans), taken as given.
    Values(Vec<Value>),
    /// `[lo, hi]`, log-scaled when `log`; whole numbers when both ends are written as integers. A grid
    /// takes `levels` evenly spaced values.
    Range { lo: f64, hi: f64, log: bool, integer: bool, levels: Option<usize> },
}

impl Domain {
    /// The value at `u` in [0, 1): a point of the range, or one of the values (each equally likely).
    pub fn at_unit(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        match self {
            Domain::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
            Domain::Range { lo, hi, log, integer: true, .. } => {
                // Each whole number in [lo, hi] equally likely (log: equally likely in log space).
                let x = if *log {
                    ((lo - 0.5).ln() + u * ((hi + 0.5).ln() - (lo - 0.5).ln())).exp()
                } else {
                    lo - 0.5 + u * (hi - lo + 1.0)
                };
                Value::Integer(x.round().clamp(*lo, *hi) as i64)
            }
            Domain::Range { lo, hi, log, integer: false, .. } => {
                let x = if *log { (lo.ln() + u * (hi.ln() - lo.ln())).exp() } else { lo + u * (hi - lo) };
                Value::Float(x.clamp(*lo, *hi))
            }
        }
    }

    /// The grid levels: the values, or `levels` evenly spaced points from lo to hi.
    pub fn levels(&self) -> Vec<Value> {
        match self {
            Domain::Values(v) => v.clone(),
            Domain::Range { lo, hi, log, integer, levels } => {
                let n = levels.unwrap_or(2).max(2);
                (0..n)
                    .map(|i| {
                        let t = i as f64 / (n - 1) as f64;
                        let x = if *log { (lo.ln() + t * (hi.ln() - lo.ln())).exp() } else { lo + t * (hi - lo) };
                        let x = if i == 0 {
                            *lo
                        } else if i == n - 1 {
                            *hi
                        } else {
                            x
                        };
                        if *integer {
                            Value::Integer(x.round() as i64)
                        } else {
                            // 12 significant digits, so a log grid from 0.01 to 1 has 0.1, not 0.10000000000000002.
                            Value::Float(format!("{x:.11e}").parse().expect("a formatted number parses"))
                        }
                    })
                    .collect()
            }
        }
    }

    /// The number of grid levels, without making them.
    pub fn levels_len(&self) -> usize {
        match self {
            Domain::Values(v) => v.len(),
            Domain::Range { levels, .. } => levels.unwrap_or(2).max(2),
        }
    }

    /// The two ends (smallest and largest value), used to check the domain against the scenario.
    fn ends(&self) -> Vec<Value> {
        match self {
            Domain::Values(v) => v.clone(),
            Domain::Range { lo, hi, integer: true, .. } => vec![Value::Integer(*lo as i64), Value::Integer(*hi as i64)],
            Domain::Range { lo, hi, .. } => vec![Value::Float(*lo), Value::Float(*hi)],
        }
    }

    /// True when every value is a number (so the parameter can enter a rank correlation or Sobol index).
    pub fn numeric(&self) -> bool {
        match self {
            Domain::Values(v) => v.iter().all(|x| as_number(x).is_some()),
            Domain::Range { .. } => true,
        }
    }
}

/// A number from a TOML value, if it is one.
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// A value as written in CSV: numbers in shortest round-trip form, strings bare.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => crate::output::num(*f),
        Value::String(s) => s.clone(),
        Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A value as a message shows it: like [`value_text`], but a number too large or small for a line in
/// scientific notation.
pub fn value_shown(v: &Value) -> String {
    match v {
        Value::Float(f) => crate::error::shown_number(*f),
        other => value_text(other),
    }
}

/// A swept key of the scenario.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The dotted path as written (`params.habit_pull`, `venues.north_cafe.cost_nok`, `events[0].day`).
    pub path: String,
    pub steps: Vec<Step>,
    pub domain: Domain,
}

/// What each run is summarised by: the mean of each metric for each group over the last `window_days`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    pub metrics: Vec<String>,
    pub groups: Vec<String>,
    pub window_days: u32,
}

/// A checked sweep file.
#[derive(Debug)]
pub struct Sweep {
    pub file: PathBuf,
    pub name: String,
    /// The sweep file's text, copied into the output folder.
    pub text: String,
    pub scenario_path: PathBuf,
    base: Loaded,
    base_stem: String,
    /// The base scenario as written, with the summary's groups added.
    pub base_scenario: Scenario,
    pub design: Design,
    /// Points of a random or Latin-hypercube design, base samples of a Sobol design; 0 for a grid.
    pub samples: usize,
    pub replicates: u32,
    pub seed: u64,
    pub parameters: Vec<Parameter>,
    pub summary: Summary,
}

const TOP_KEYS: &[&str] = &["name", "scenario", "design", "points", "replicates", "seed", "parameters", "summary"];
const PARAMETER_KEYS: &[&str] = &["path", "values", "range", "log", "levels"];
const SUMMARY_KEYS: &[&str] = &["metrics", "groups", "window_days"];
/// Most points a sweep may have (a typing slip in `levels` should not ask for a billion runs).
pub const MAX_POINTS: usize = 10_000_000;
/// Most values a design may hold in memory (points × parameters): a Latin hypercube keeps one stratum per
/// point and parameter, a Sobol design two coordinates.
pub const MAX_DESIGN_VALUES: usize = 100_000_000;

/// The number of points of a design, computed without building it; `None` when it overflows.
pub fn design_points(design: Design, samples: usize, parameters: &[Parameter]) -> Option<usize> {
    match design {
        Design::Grid => parameters.iter().try_fold(1usize, |n, p| n.checked_mul(p.domain.levels_len())),
        Design::Random | Design::Lhs => Some(samples),
        Design::Sobol => samples.checked_mul(parameters.len() + 2),
    }
}

impl Sweep {
    /// The scenario of one point: the base with each parameter set to its value. `Err` carries the
    /// scenario's problems.
    pub fn scenario_at(&self, values: &[Value]) -> Result<Scenario, Problems> {
        let mut merged = self.base.merged.clone();
        for (p, v) in self.parameters.iter().zip(values) {
            set_path(&mut merged, &p.steps, v.clone());
        }
        let mut s = validate_table(&self.base, &merged, &self.base_stem)?;
        let room = s.run.days - s.run.burn_in_days;
        if self.summary.window_days > room {
            let (file, line) = self.base.locate("run.days");
            return Err(Problems(vec![crate::error::Problem {
                file,
                line,
                path: "run.days".into(),
                message: format!(
                    "leaves {room} days after the burn-in, fewer than the sweep's summary.window_days ({})",
                    self.summary.window_days
                ),
            }]));
        }
        // A point may rename a district the summary names (a string parameter on its name).
        let districts = s.district_names();
        for (i, g) in self.summary.groups.iter().enumerate() {
            if let Err(m) = Group::parse(g, &districts) {
                return Err(Problems(vec![crate::error::Problem {
                    file: Some(self.file.display().to_string()),
                    line: None,
                    path: format!("summary.groups[{i}]"),
                    message: format!("{m} at this point (its parameters rename or remove the district)"),
                }]));
            }
        }
        add_groups(&mut s, &self.summary.groups);
        s.analysis.window_days = self.summary.window_days;
        Ok(s)
    }

    /// The number of points (checked against [`MAX_POINTS`] when the sweep was read).
    pub fn points(&self) -> usize {
        design_points(self.design, self.samples, &self.parameters).unwrap_or(usize::MAX)
    }

    /// True when the base scenario has events, so each run is a pair of arms and yields paired effects.
    pub fn what_if(&self) -> bool {
        !self.base_scenario.events.is_empty()
    }
}

/// Adds the summary's groups that are not standard to the scenario's reported groups.
fn add_groups(s: &mut Scenario, groups: &[String]) {
    let standard: Vec<String> = Group::standard(&s.district_names()).into_iter().map(|g| g.name).collect();
    for g in groups {
        if !standard.contains(g) && !s.analysis.groups.contains(g) {
            s.analysis.groups.push(g.clone());
        }
    }
}

fn string_list(c: &mut FileChecker, t: &Table, key: &str, path: &str) -> Option<Vec<String>> {
    match t.get(key)? {
        Value::Array(a) if a.iter().all(Value::is_str) && !a.is_empty() => {
            Some(a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        }
        _ => {
            c.problem(path, "must be a non-empty list of strings in quotes");
            None
        }
    }
}

/// Reads and checks a sweep file.
pub fn load(path: &Path) -> Result<Sweep, Error> {
    let text = crate::files::read_text(path, crate::files::MAX_INPUT_BYTES)?;
    let loaded = load::load_with_text(Origin::Disk, path, Some(text.clone())).map_err(|e| match e {
        Error::Scenario(p) => Error::Sweep(p),
        other => other,
    })?;
    let mut c = FileChecker::new(&loaded);
    let root = &loaded.merged;
    c.unknown_keys(root, TOP_KEYS, "");
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("sweep");
    let name = match c.string(root, "name", "name") {
        Some(n) => {
            if let Err(m) = check_name(&n, NameKind::Folder) {
                c.problem("name", m);
            }
            n
        }
        None => folder_name_from_stem(stem),
    };

    let dir = path.parent().unwrap_or(Path::new(""));
    let base = match c.string(root, "scenario", "scenario") {
        Some(file) => {
            let p = dir.join(&file);
            match load::load(Origin::Disk, &p) {
                Ok(l) => {
                    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario").to_string();
                    match crate::scenario::validate::validate(&l, &stem) {
                        Ok(s) => Some((p, l, stem, s)),
                        Err(e) => {
                            c.problem("scenario", format!("cannot use `{file}`: {}", Error::Scenario(e)));
                            None
                        }
                    }
                }
                Err(e) => {
                    c.problem("scenario", format!("cannot use `{file}`: {e}"));
                    None
                }
            }
        }
        None => {
            c.problem("scenario", "missing: the base scenario file the sweep varies");
            None
        }
    };

    // An unknown design is reported once; the checks that depend on the design are then skipped.
    let mut design_known = true;
    let design = match c.string(root, "design", "design") {
        None => Design::Grid,
        Some(d) => match Design::NAMES.iter().position(|n| *n == d) {
            Some(i) => [Design::Grid, Design::Random, Design::Lhs, Design::Sobol][i],
            None => {
                let hint = did_you_mean(&d, Design::NAMES.iter().copied());
                c.problem("design", format!("unknown design `{d}`{hint} (one of {})", Design::NAMES.join(", ")));
                design_known = false;
                Design::Grid
            }
        },
    };
    let samples = match (design, root.get("points")) {
        _ if !design_known => 0,
        (Design::Grid, None) => 0,
        (Design::Grid, Some(_)) => {
            c.problem("points", "a grid's points are every combination of the levels; remove `points`");
            0
        }
        (_, None) => {
            c.problem("design", format!("a {} design needs `points`", design.name()));
            0
        }
        (_, Some(_)) => c.positive_int(root, "points", 0, 2) as usize,
    };
    let base_replicates = base.as_ref().map_or(1, |b| b.3.run.replicates as u64);
    let replicates = c.positive_int(root, "replicates", base_replicates, 1) as u32;
    if replicates > 100_000 {
        c.problem("replicates", "at most 100000");
    }
    let base_seed = base.as_ref().map_or(0, |b| b.3.run.seed);
    let seed = c.positive_int(root, "seed", base_seed, 0);
    if seed > u64::MAX >> 11 {
        c.problem("seed", format!("must be at most {} (2^53 − 1), got {seed}", u64::MAX >> 11));
    }

    let mut parameters: Vec<Parameter> = Vec::new();
    let list = match root.get("parameters") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            c.problem("parameters", "must be an array of tables ([[parameters]])");
            Vec::new()
        }
    };
    for (i, v) in list.iter().enumerate() {
        let at = |k: &str| format!("parameters[{i}].{k}");
        let Some(t) = c.element(v, "parameters", i, PARAMETER_KEYS) else { continue };
        let Some(p) = c.string(t, "path", &at("path")) else {
            c.problem(&format!("parameters[{i}]"), "missing `path`: the dotted key to vary, e.g. params.habit_pull");
            continue;
        };
        if parameters.iter().any(|q| q.path == p) {
            c.problem(&at("path"), format!("`{p}` is listed twice"));
        }
        let steps = match &base {
            Some((_, l, _, _)) => match resolve_path(&l.merged, &p) {
                Ok(s) => s,
                Err(m) => {
                    let hint = if !p.contains('.') && crate::params::PARAM_SPECS.iter().any(|s| s.name == p) {
                        format!(" (did you mean `params.{p}`?)")
                    } else {
                        String::new()
                    };
                    c.problem(&at("path"), format!("{m}{hint}"));
                    continue;
                }
            },
            None => Vec::new(),
        };
        let log = match t.get("log") {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(_) => {
                c.problem(&at("log"), "must be true or false");
                false
            }
        };
        let levels = match t.get("levels") {
            None => None,
            Some(Value::Integer(n)) if *n >= 2 && *n <= 10_000 => Some(*n as usize),
            Some(_) => {
                c.problem(&at("levels"), "must be a whole number from 2 to 10000");
                None
            }
        };
        let domain = match (t.get("values"), t.get("range")) {
            (Some(_), Some(_)) => {
                c.problem(&format!("parameters[{i}]"), "give `values` or `range`, not both");
                continue;
            }
            (None, None) => {
                c.problem(&format!("parameters[{i}]"), "missing `values = [...]` or `range = [low, high]`");
                continue;
            }
            (Some(values), None) => {
                let ok = match values {
                    Value::Array(a) if !a.is_empty() => {
                        let numbers = a.iter().all(|x| as_number(x).is_some());
                        let same = a.iter().all(|x| std::mem::discriminant(x) == std::mem::discriminant(&a[0]));
                        let scalar = a.iter().all(|x| !matches!(x, Value::Array(_) | Value::Table(_)));
                        (numbers || same) && scalar
                    }
                    _ => false,
                };
                if !ok {
                    c.problem(&at("values"), "must be a non-empty list of numbers, or of strings, or of booleans");
                    continue;
                }
                if let Some(bad) =
                    values.as_array().into_iter().flatten().find_map(|x| x.as_float().filter(|f| !f.is_finite()))
                {
                    c.problem(&at("values"), format!("must be finite numbers, got {bad}"));
                    continue;
                }
                if log {
                    c.problem(&at("log"), "`log` applies to a `range`, not to `values`");
                }
                if levels.is_some() {
                    c.problem(&at("levels"), "`levels` applies to a `range`; `values` are the levels");
                }
                Domain::Values(values.as_array().expect("checked").clone())
            }
            (None, Some(range)) => {
                let ends: Vec<&Value> = range.as_array().map(|a| a.iter().collect()).unwrap_or_default();
                let nums: Vec<f64> = ends.iter().filter_map(|x| as_number(x)).collect();
                let [lo, hi] = nums[..] else {
                    c.problem(&at("range"), "must be [low, high], two numbers");
                    continue;
                };
                let integer = ends.iter().all(|x| x.is_integer());
                if !lo.is_finite() || !hi.is_finite() {
                    c.problem(&at("range"), format!("must be two finite numbers, got [{lo}, {hi}]"));
                    continue;
                }
                if lo >= hi {
                    c.problem(
                        &at("range"),
                        format!(
                            "low must be below high, got [{}, {}]",
                            crate::error::shown_number(lo),
                            crate::error::shown_number(hi)
                        ),
                    );
                    continue;
                }
                if log && lo <= 0.0 {
                    c.problem(&at("range"), "a log-scaled range must be above zero");
                    continue;
                }
                match (design, levels) {
                    _ if !design_known || t.contains_key("levels") && levels.is_none() => {}
                    (Design::Grid, None) => {
                        c.problem(&format!("parameters[{i}]"), "a grid needs `levels` for a range (how many values)")
                    }
                    (Design::Grid, _) | (_, None) => {}
                    (_, Some(_)) => c.problem(
                        &at("levels"),
                        format!("a {} design draws from the range; remove `levels`", design.name()),
                    ),
                }
                Domain::Range { lo, hi, log, integer, levels }
            }
        };
        // Each end of the domain, the other parameters at the base: the scenario must accept it.
        if let Some((_, l, stem, _)) = &base {
            let key = if matches!(domain, Domain::Values(_)) { "values" } else { "range" };
            for v in domain.ends() {
                let mut merged = l.merged.clone();
                set_path(&mut merged, &steps, v.clone());
                if let Err(e) = validate_table(l, &merged, stem) {
                    let msgs: Vec<String> = e.0.iter().map(|q| q.to_string()).collect();
                    c.problem(
                        &at(key),
                        format!("with {p} = {}, the scenario is invalid: {}", value_shown(&v), msgs.join("; ")),
                    );
                    break;
                }
            }
        }
        parameters.push(Parameter { path: p, steps, domain });
    }
    if parameters.is_empty() && !list.is_empty() && c.problems.is_empty() {
        c.problem("parameters", "no usable parameters");
    }
    if list.is_empty() && !matches!(root.get("parameters"), Some(v) if !v.is_array()) {
        c.problem("parameters", "no parameters: add at least one [[parameters]] table with a `path`");
    }
    // The design's size, before anything is allocated for it.
    if !parameters.is_empty() && design_known {
        let where_ = if design == Design::Grid { "parameters" } else { "points" };
        match design_points(design, samples, &parameters) {
            Some(n) if n <= MAX_POINTS && n.saturating_mul(parameters.len()) <= MAX_DESIGN_VALUES => {}
            Some(n) if n <= MAX_POINTS => c.problem(
                where_,
                format!(
                    "{n} points × {} parameters is more than the {MAX_DESIGN_VALUES} values a design may hold",
                    parameters.len()
                ),
            ),
            n => c.problem(
                where_,
                format!(
                    "the {} design has {} points, more than the {MAX_POINTS} a sweep may have",
                    design.name(),
                    n.map_or_else(|| "more than 2^64".to_string(), |n| n.to_string())
                ),
            ),
        }
    }

    // The summary: what each run is reduced to.
    let empty = Table::new();
    let summary_table = match root.get("summary") {
        None => &empty,
        Some(Value::Table(t)) => t,
        Some(_) => {
            c.problem("summary", "must be a table ([summary])");
            &empty
        }
    };
    c.unknown_keys(summary_table, SUMMARY_KEYS, "summary.");
    let metrics =
        string_list(&mut c, summary_table, "metrics", "summary.metrics").unwrap_or_else(|| vec!["lonely_share".into()]);
    for (i, m) in metrics.iter().enumerate() {
        if !METRICS.contains(&m.as_str()) {
            let hint = did_you_mean(m, METRICS.iter().copied());
            c.problem(&format!("summary.metrics[{i}]"), format!("unknown metric `{m}`{hint}"));
        }
    }
    let default_groups = match &base {
        Some((_, _, _, s)) if !s.events.is_empty() => vec!["service_users".to_string(), s.headline().0],
        _ => vec!["all".into(), "service_users".into()],
    };
    let mut groups = string_list(&mut c, summary_table, "groups", "summary.groups").unwrap_or(default_groups);
    groups.dedup();
    let base_window = base.as_ref().map_or(1, |b| b.3.analysis.window_days as u64);
    let window_days = c.positive_int(summary_table, "window_days", base_window, 1) as u32;
    let mut base_scenario = None;
    if let Some((scenario_path, l, stem, mut s)) = base {
        let districts = s.district_names();
        for (i, g) in groups.iter().enumerate() {
            if let Err(m) = Group::parse(g, &districts) {
                c.problem(&format!("summary.groups[{i}]"), m);
            }
        }
        add_groups(&mut s, &groups);
        if s.analysis.groups.len() > MAX_EXTRA_GROUPS {
            c.problem(
                "summary.groups",
                format!(
                    "with the scenario's own [analysis] groups this makes {} extra groups; at most {MAX_EXTRA_GROUPS}",
                    s.analysis.groups.len()
                ),
            );
        }
        if window_days > s.run.days - s.run.burn_in_days {
            c.problem(
                "summary.window_days",
                format!("must fit after the burn-in: at most {} days", s.run.days - s.run.burn_in_days),
            );
        }
        base_scenario = Some((scenario_path, l, stem, s));
    }
    if !c.problems.is_empty() {
        return Err(Error::Sweep(Problems(c.problems)));
    }
    let (scenario_path, base, base_stem, mut base_scenario) = base_scenario.expect("checked above");
    base_scenario.analysis.window_days = window_days;
    Ok(Sweep {
        file: path.to_path_buf(),
        name,
        text,
        scenario_path,
        base,
        base_stem,
        base_scenario,
        design,
        samples,
        replicates,
        seed,
        parameters,
        summary: Summary { metrics, groups, window_days },
    })
}
