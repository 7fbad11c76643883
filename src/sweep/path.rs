//! Dotted paths into a scenario's merged TOML table (`params.habit_pull`, `venues.north_cafe.cost_nok`,
//! `events[0].day`): resolving them against the base scenario, and setting a value at one for a sweep point.

use crate::error::did_you_mean;
use toml::{Table, Value};

/// One step into the scenario's merged table.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Resolves a dotted path against the merged scenario table: `[n]` indexes an array, and a key applied to
/// an array of named tables (`venues.north_cafe`) picks the element with that `name`. The last key may be
/// missing (the scenario's default applies); everything before it must exist.
pub fn resolve_path(table: &Table, path: &str) -> Result<Vec<Step>, String> {
    let raw = parse_path(path)?;
    let mut steps = Vec::new();
    let root = Value::Table(table.clone());
    let mut cur = &root;
    let mut walked = String::new();
    for (i, step) in raw.iter().enumerate() {
        let last = i + 1 == raw.len();
        let next: &Value;
        match (cur, step) {
            (Value::Table(t), Step::Key(k)) => {
                match t.get(k) {
                    Some(v) => next = v,
                    None if last && i > 0 => {
                        steps.push(step.clone());
                        return Ok(steps);
                    }
                    None if k == "params" || k == "analysis" || k == "run" || k == "population" => {
                        // Whole sections may be absent (every key has a default); the rest is created.
                        steps.extend(raw[i..].iter().cloned());
                        if raw[i + 1..].iter().any(|s| matches!(s, Step::Index(_))) {
                            return Err(format!("`{path}`: `{walked}{k}` has no elements to index"));
                        }
                        return Ok(steps);
                    }
                    None => {
                        let keys: Vec<&str> = t.keys().map(String::as_str).collect();
                        return Err(format!(
                            "`{path}`: the scenario has no `{walked}{k}`{}",
                            did_you_mean(k, keys.iter().copied())
                        ));
                    }
                }
                steps.push(step.clone());
            }
            (Value::Array(a), Step::Key(name)) => {
                let j = a.iter().position(|e| e.get("name").and_then(Value::as_str) == Some(name));
                let Some(j) = j else {
                    let names: Vec<&str> = a.iter().filter_map(|e| e.get("name").and_then(Value::as_str)).collect();
                    return Err(format!(
                        "`{path}`: no element of `{}` is named `{name}`{}",
                        walked.trim_end_matches('.'),
                        did_you_mean(name, names.iter().copied())
                    ));
                };
                next = &a[j];
                steps.push(Step::Index(j));
            }
            (Value::Array(a), Step::Index(j)) => {
                let Some(v) = a.get(*j) else {
                    return Err(format!(
                        "`{path}`: `{}` has {} element{}, so [{j}] is out of range",
                        walked.trim_end_matches('.'),
                        a.len(),
                        if a.len() == 1 { "" } else { "s" }
                    ));
                };
                next = v;
                steps.push(step.clone());
            }
            _ => return Err(format!("`{path}`: `{}` is a single value, not a table", walked.trim_end_matches('.'))),
        }
        cur = next;
        match step {
            Step::Key(k) => walked.push_str(&format!("{k}.")),
            Step::Index(j) => {
                walked.pop();
                walked.push_str(&format!("[{j}]."));
            }
        }
    }
    if matches!(cur, Value::Table(_) | Value::Array(_)) {
        return Err(format!("`{path}` is a table or list, not a single value: name one of its keys"));
    }
    Ok(steps)
}

/// The steps a dotted path writes (`venues.north_cafe.cost_nok`, `events[0].day`): keys, and indices in
/// brackets; names of array elements are still keys here.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut raw: Vec<Step> = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            raw.push(Step::Key(key.to_string()));
        } else if rest.is_empty() {
            return Err(format!("`{path}` has an empty part: write keys joined by dots, as in params.habit_pull"));
        }
        while let Some(s) = rest.strip_prefix('[') {
            let end = s.find(']').ok_or_else(|| format!("`{path}`: `[` without `]`"))?;
            let n = s[..end].parse::<usize>().map_err(|_| format!("`{path}`: `[{}]` is not an index", &s[..end]))?;
            raw.push(Step::Index(n));
            rest = &s[end + 1..];
        }
        if !rest.is_empty() {
            return Err(format!("`{path}`: unexpected `{rest}`"));
        }
    }
    Ok(raw)
}

/// Sets the value at `steps` in `table`, creating missing tables on the way.
pub fn set_path(table: &mut Table, steps: &[Step], value: Value) {
    fn set(cur: &mut Value, steps: &[Step], value: Value) {
        let (step, rest) = steps.split_first().expect("paths have at least one step");
        let child = match (cur, step) {
            (Value::Table(t), Step::Key(k)) if rest.is_empty() => {
                t.insert(k.clone(), value);
                return;
            }
            (Value::Table(t), Step::Key(k)) => t.entry(k.clone()).or_insert_with(|| Value::Table(Table::new())),
            (Value::Array(a), Step::Index(j)) if rest.is_empty() => {
                a[*j] = value;
                return;
            }
            (Value::Array(a), Step::Index(j)) => &mut a[*j],
            _ => unreachable!("paths are resolved against the same table"),
        };
        set(child, rest, value)
    }
    let mut root = Value::Table(std::mem::take(table));
    set(&mut root, steps, value);
    if let Value::Table(t) = root {
        *table = t;
    }
}
