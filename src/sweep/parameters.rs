//! Reading a sweep file's `[[parameters]]`: each swept key's path into the base scenario and its domain,
//! checked at both ends of the domain against the base scenario, so that a value the scenario would refuse
//! is caught before anything runs.

use super::domain::{as_number, value_shown, Design, Domain, Parameter};
use super::path::{resolve_path, set_path, Step};
use crate::scenario::filecheck::FileChecker;
use crate::scenario::load::Loaded;
use crate::scenario::validate::validate_table;
use toml::{Table, Value};

const PARAMETER_KEYS: &[&str] = &["path", "values", "range", "log", "levels"];

/// The base scenario a parameter's path and domain are checked against: as loaded, and its file stem.
pub(super) struct Against<'a> {
    pub loaded: &'a Loaded,
    pub stem: &'a str,
}

/// Reads the `[[parameters]]` of `root`. `base` is `None` when the base scenario could not be read (paths
/// are then not resolved), `design` is `None` when the design is unknown (the checks of `levels` that depend
/// on it are then skipped). Returns the usable parameters and whether the file listed any.
pub(super) fn read(
    c: &mut FileChecker,
    root: &Table,
    base: Option<&Against>,
    design: Option<Design>,
) -> (Vec<Parameter>, bool) {
    let list = match root.get("parameters") {
        None => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            c.problem("parameters", "must be an array of tables ([[parameters]])");
            Vec::new()
        }
    };
    let mut parameters: Vec<Parameter> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        if let Some(p) = read_one(c, v, i, &parameters, base, design) {
            parameters.push(p);
        }
    }
    (parameters, !list.is_empty())
}

/// Reads parameter `i`; `None` when it cannot be used (its problems are in `c`).
fn read_one(
    c: &mut FileChecker,
    v: &Value,
    i: usize,
    earlier: &[Parameter],
    base: Option<&Against>,
    design: Option<Design>,
) -> Option<Parameter> {
    let at = |k: &str| format!("parameters[{i}].{k}");
    let t = c.element(v, "parameters", i, PARAMETER_KEYS)?;
    let Some(p) = c.string(t, "path", &at("path")) else {
        c.problem(&format!("parameters[{i}]"), "missing `path`: the dotted key to vary, e.g. params.habit_pull");
        return None;
    };
    if earlier.iter().any(|q| q.path == p) {
        c.problem(&at("path"), format!("`{p}` is listed twice"));
    }
    let steps = match base {
        Some(b) => match resolve_path(&b.loaded.merged, &p) {
            Ok(s) => s,
            Err(m) => {
                let hint = if !p.contains('.') && crate::params::PARAM_SPECS.iter().any(|s| s.name == p) {
                    format!(" (did you mean `params.{p}`?)")
                } else {
                    String::new()
                };
                c.problem(&at("path"), format!("{m}{hint}"));
                return None;
            }
        },
        None => Vec::new(),
    };
    let domain = read_domain(c, t, i, design)?;
    if let Some(b) = base {
        check_ends(c, b, i, &p, &steps, &domain);
    }
    Some(Parameter { path: p, steps, domain })
}

/// Parameter `i`'s `values` or `range`, with `log` and `levels`.
fn read_domain(c: &mut FileChecker, t: &Table, i: usize, design: Option<Design>) -> Option<Domain> {
    let at = |k: &str| format!("parameters[{i}].{k}");
    let log = c.flag(t, "log", &at("log"));
    let levels = match t.get("levels") {
        None => None,
        Some(Value::Integer(n)) if *n >= 2 && *n <= 10_000 => Some(*n as usize),
        Some(_) => {
            c.problem(&at("levels"), "must be a whole number from 2 to 10000");
            None
        }
    };
    match (t.get("values"), t.get("range")) {
        (Some(_), Some(_)) => {
            c.problem(&format!("parameters[{i}]"), "give `values` or `range`, not both");
            None
        }
        (None, None) => {
            c.problem(&format!("parameters[{i}]"), "missing `values = [...]` or `range = [low, high]`");
            None
        }
        (Some(values), None) => read_values(c, values, i, log, levels),
        (None, Some(range)) => {
            let levels_bad = t.contains_key("levels") && levels.is_none();
            read_range(c, range, i, log, levels, design.filter(|_| !levels_bad))
        }
    }
}

/// A list of `values`: numbers, or strings, or booleans, all of one kind.
fn read_values(c: &mut FileChecker, values: &Value, i: usize, log: bool, levels: Option<usize>) -> Option<Domain> {
    let at = |k: &str| format!("parameters[{i}].{k}");
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
        return None;
    }
    if let Some(bad) = values.as_array().into_iter().flatten().find_map(|x| x.as_float().filter(|f| !f.is_finite())) {
        c.problem(&at("values"), format!("must be finite numbers, got {bad}"));
        return None;
    }
    if log {
        c.problem(&at("log"), "`log` applies to a `range`, not to `values`");
    }
    if levels.is_some() {
        c.problem(&at("levels"), "`levels` applies to a `range`; `values` are the levels");
    }
    Some(Domain::Values(values.as_array().expect("checked").clone()))
}

/// A `range = [low, high]`. `design` is `None` when whether it needs `levels` cannot be told (an unknown
/// design, or `levels` already reported).
fn read_range(
    c: &mut FileChecker,
    range: &Value,
    i: usize,
    log: bool,
    levels: Option<usize>,
    design: Option<Design>,
) -> Option<Domain> {
    let at = |k: &str| format!("parameters[{i}].{k}");
    let ends: Vec<&Value> = range.as_array().map(|a| a.iter().collect()).unwrap_or_default();
    let nums: Vec<f64> = ends.iter().filter_map(|x| as_number(x)).collect();
    let [lo, hi] = nums[..] else {
        c.problem(&at("range"), "must be [low, high], two numbers");
        return None;
    };
    let integer = ends.iter().all(|x| x.is_integer());
    if !lo.is_finite() || !hi.is_finite() {
        c.problem(&at("range"), format!("must be two finite numbers, got [{lo}, {hi}]"));
        return None;
    }
    if lo >= hi {
        let (lo, hi) = (crate::error::shown_number(lo), crate::error::shown_number(hi));
        c.problem(&at("range"), format!("low must be below high, got [{lo}, {hi}]"));
        return None;
    }
    if log && lo <= 0.0 {
        c.problem(&at("range"), "a log-scaled range must be above zero");
        return None;
    }
    match (design, levels) {
        (None, _) => {}
        (Some(Design::Grid), None) => {
            c.problem(&format!("parameters[{i}]"), "a grid needs `levels` for a range (how many values)")
        }
        (Some(Design::Grid), _) | (_, None) => {}
        (Some(design), Some(_)) => {
            c.problem(&at("levels"), format!("a {} design draws from the range; remove `levels`", design.name()))
        }
    }
    Some(Domain::Range { lo, hi, log, integer, levels })
}

/// Each end of the domain, the other parameters at the base: the scenario must accept it.
fn check_ends(c: &mut FileChecker, base: &Against, i: usize, path: &str, steps: &[Step], domain: &Domain) {
    let key = if matches!(domain, Domain::Values(_)) { "values" } else { "range" };
    for v in domain.ends() {
        let mut merged = base.loaded.merged.clone();
        set_path(&mut merged, steps, v.clone());
        if let Err(e) = validate_table(base.loaded, &merged, base.stem) {
            let msgs: Vec<String> = e.0.iter().map(|q| q.to_string()).collect();
            c.problem(
                &format!("parameters[{i}].{key}"),
                format!("with {path} = {}, the scenario is invalid: {}", value_shown(&v), msgs.join("; ")),
            );
            break;
        }
    }
}
