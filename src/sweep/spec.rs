//! Reading and checking a sweep file (docs/sweeps.md documents the format). Every problem is reported at
//! once with its file, line and key, like scenario files; every parameter is also tried at the ends of its
//! domain on the base scenario, so a value the scenario would refuse is caught before anything runs.

pub use super::domain::{
    as_number, design_points, value_shown, value_text, Design, Domain, Parameter, MAX_DESIGN_VALUES, MAX_POINTS,
};
use super::parameters::{self, Against};
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
    /// A town size every point is scaled to (`--agents`, for a quick look); None: the base scenario's.
    pub agents: Option<u32>,
}

const TOP_KEYS: &[&str] = &["name", "scenario", "design", "points", "replicates", "seed", "parameters", "summary"];
const SUMMARY_KEYS: &[&str] = &["metrics", "groups", "window_days"];

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
        Ok(match self.agents {
            Some(n) => s.scaled(n),
            None => s,
        })
    }

    /// The number of points (checked against [`MAX_POINTS`] when the sweep was read).
    pub fn points(&self) -> usize {
        design_points(self.design, self.samples, &self.parameters).unwrap_or(usize::MAX)
    }

    /// Another number of points for a random, Latin-hypercube or Sobol design (`--points`; a Sobol design's
    /// base samples): the error says why not.
    pub fn set_points(&mut self, n: usize) -> Result<(), String> {
        if self.design == Design::Grid {
            return Err(
                "a grid's points are its parameters' levels; --points applies to random, lhs and sobol designs".into(),
            );
        }
        match design_points(self.design, n, &self.parameters) {
            Some(total)
                if n >= 1
                    && total <= MAX_POINTS
                    && total.saturating_mul(self.parameters.len()) <= MAX_DESIGN_VALUES =>
            {
                self.samples = n;
                Ok(())
            }
            _ => Err(format!("must be from 1 to a design of at most {MAX_POINTS} points, got {n}")),
        }
    }

    /// Every point's town scaled to `n` people, venues' capacities in proportion (`--agents`). The sweep's
    /// fingerprint follows, so its folder cannot be resumed or merged with a sweep of another size.
    pub fn set_agents(&mut self, n: u32) {
        self.base_scenario = self.base_scenario.clone().scaled(n);
        self.agents = Some(n);
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

/// The base scenario a sweep varies: its file, as loaded, its stem and the scenario it makes.
struct Base {
    path: PathBuf,
    loaded: Loaded,
    stem: String,
    scenario: Scenario,
}

/// Reads and checks a sweep file: every problem at once, in the order of the format's keys.
pub fn load(path: &Path) -> Result<Sweep, Error> {
    from_text(path, crate::files::read_text(path, crate::files::MAX_INPUT_BYTES)?)
}

/// Checks a sweep given as text; `path` names it in messages, and its `scenario` is read relative to the
/// folder `path` is in.
pub fn from_text(path: &Path, text: String) -> Result<Sweep, Error> {
    let loaded = load::load_with_text(Origin::Disk, path, Some(text.clone())).map_err(|e| match e {
        Error::Scenario(p) => Error::Sweep(p),
        other => other,
    })?;
    let mut c = FileChecker::new(&loaded);
    let root = &loaded.merged;
    c.unknown_keys(root, TOP_KEYS, "");
    let name = read_name(&mut c, root, path);
    let base = read_base(&mut c, root, path.parent().unwrap_or(Path::new("")));
    // An unknown design is reported once; the checks that depend on the design are then skipped.
    let design = read_design(&mut c, root);
    let samples = read_samples(&mut c, root, design);
    let base_replicates = base.as_ref().map_or(1, |b| b.scenario.run.replicates as u64);
    let replicates = c.positive_int(root, "replicates", base_replicates, 1) as u32;
    if replicates > 100_000 {
        c.problem("replicates", "at most 100000");
    }
    let seed = c.positive_int(root, "seed", base.as_ref().map_or(0, |b| b.scenario.run.seed), 0);
    if seed > u64::MAX >> 11 {
        c.problem("seed", format!("must be at most {} (2^53 − 1), got {seed}", u64::MAX >> 11));
    }
    let against = base.as_ref().map(|b| Against { loaded: &b.loaded, stem: &b.stem });
    let (parameters, listed) = parameters::read(&mut c, root, against.as_ref(), design);
    if parameters.is_empty() && listed && c.problems.is_empty() {
        c.problem("parameters", "no usable parameters");
    }
    if !listed && !matches!(root.get("parameters"), Some(v) if !v.is_array()) {
        c.problem("parameters", "no parameters: add at least one [[parameters]] table with a `path`");
    }
    if let (false, Some(design)) = (parameters.is_empty(), design) {
        check_size(&mut c, design, samples, &parameters);
    }
    let summary = read_summary(&mut c, root, base.as_ref().map(|b| &b.scenario));
    let base = base.map(|mut b| {
        check_summary_on_base(&mut c, &summary, &mut b.scenario);
        b
    });
    if !c.problems.is_empty() {
        return Err(Error::Sweep(Problems(c.problems)));
    }
    let mut base = base.expect("checked above");
    base.scenario.analysis.window_days = summary.window_days;
    Ok(Sweep {
        file: path.to_path_buf(),
        name,
        text,
        scenario_path: base.path,
        base: base.loaded,
        base_stem: base.stem,
        base_scenario: base.scenario,
        design: design.expect("checked above"),
        samples,
        agents: None,
        replicates,
        seed,
        parameters,
        summary,
    })
}

/// `name`, or the file's stem made a folder name.
fn read_name(c: &mut FileChecker, root: &Table, path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("sweep");
    match c.string(root, "name", "name") {
        Some(n) => {
            if let Err(m) = check_name(&n, NameKind::Folder) {
                c.problem("name", m);
            }
            n
        }
        None => folder_name_from_stem(stem),
    }
}

/// The base `scenario`, relative to the sweep file's folder `dir`, read and checked.
fn read_base(c: &mut FileChecker, root: &Table, dir: &Path) -> Option<Base> {
    let Some(file) = c.string(root, "scenario", "scenario") else {
        c.problem("scenario", "missing: the base scenario file the sweep varies");
        return None;
    };
    let path = dir.join(&file);
    let loaded = match load::load(Origin::Disk, &path) {
        Ok(l) => l,
        Err(e) => {
            c.problem("scenario", format!("cannot use `{file}`: {e}"));
            return None;
        }
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario").to_string();
    match crate::scenario::validate::validate(&loaded, &stem) {
        Ok(scenario) => Some(Base { path, loaded, stem, scenario }),
        Err(e) => {
            c.problem("scenario", format!("cannot use `{file}`: {}", Error::Scenario(e)));
            None
        }
    }
}

/// `design` (a grid when absent); `None` when it names no design.
fn read_design(c: &mut FileChecker, root: &Table) -> Option<Design> {
    let Some(d) = c.string(root, "design", "design") else { return Some(Design::Grid) };
    match Design::NAMES.iter().position(|n| *n == d) {
        Some(i) => Some([Design::Grid, Design::Random, Design::Lhs, Design::Sobol][i]),
        None => {
            let hint = did_you_mean(&d, Design::NAMES.iter().copied());
            c.problem("design", format!("unknown design `{d}`{hint} (one of {})", Design::NAMES.join(", ")));
            None
        }
    }
}

/// `points`: the samples of a random, Latin-hypercube or Sobol design; a grid has none.
fn read_samples(c: &mut FileChecker, root: &Table, design: Option<Design>) -> usize {
    match (design, root.get("points")) {
        (None, _) | (Some(Design::Grid), None) => 0,
        (Some(Design::Grid), Some(_)) => {
            c.problem("points", "a grid's points are every combination of the levels; remove `points`");
            0
        }
        (Some(design), None) => {
            c.problem("design", format!("a {} design needs `points`", design.name()));
            0
        }
        (Some(_), Some(_)) => c.positive_int(root, "points", 0, 2) as usize,
    }
}

/// The design's size, before anything is allocated for it.
fn check_size(c: &mut FileChecker, design: Design, samples: usize, parameters: &[Parameter]) {
    let where_ = if design == Design::Grid { "parameters" } else { "points" };
    match design_points(design, samples, parameters) {
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

/// `[summary]`: what each run is reduced to. Its groups and window are checked against the base scenario by
/// [`check_summary_on_base`].
fn read_summary(c: &mut FileChecker, root: &Table, base: Option<&Scenario>) -> Summary {
    let empty = Table::new();
    let table = match root.get("summary") {
        None => &empty,
        Some(Value::Table(t)) => t,
        Some(_) => {
            c.problem("summary", "must be a table ([summary])");
            &empty
        }
    };
    c.unknown_keys(table, SUMMARY_KEYS, "summary.");
    let metrics = string_list(c, table, "metrics", "summary.metrics").unwrap_or_else(|| vec!["lonely_share".into()]);
    for (i, m) in metrics.iter().enumerate() {
        if !METRICS.contains(&m.as_str()) {
            let hint = did_you_mean(m, METRICS.iter().copied());
            c.problem(&format!("summary.metrics[{i}]"), format!("unknown metric `{m}`{hint}"));
        }
    }
    let default_groups = match base {
        Some(s) if !s.events.is_empty() => vec!["service_users".to_string(), s.headline().0],
        _ => vec!["all".into(), "service_users".into()],
    };
    let mut groups = string_list(c, table, "groups", "summary.groups").unwrap_or(default_groups);
    groups.dedup();
    let base_window = base.map_or(1, |s| s.analysis.window_days as u64);
    let window_days = c.positive_int(table, "window_days", base_window, 1) as u32;
    Summary { metrics, groups, window_days }
}

/// The summary's groups exist in the base scenario (and are added to what it reports) and its window fits
/// after the burn-in.
fn check_summary_on_base(c: &mut FileChecker, summary: &Summary, s: &mut Scenario) {
    let districts = s.district_names();
    for (i, g) in summary.groups.iter().enumerate() {
        if let Err(m) = Group::parse(g, &districts) {
            c.problem(&format!("summary.groups[{i}]"), m);
        }
    }
    add_groups(s, &summary.groups);
    if s.analysis.groups.len() > MAX_EXTRA_GROUPS {
        c.problem(
            "summary.groups",
            format!(
                "with the scenario's own [analysis] groups this makes {} extra groups; at most {MAX_EXTRA_GROUPS}",
                s.analysis.groups.len()
            ),
        );
    }
    let room = s.run.days - s.run.burn_in_days;
    if summary.window_days > room {
        c.problem("summary.window_days", format!("must fit after the burn-in: at most {room} days"));
    }
}
