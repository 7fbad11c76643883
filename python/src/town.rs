//! Scenarios across the boundary: a scenario is its merged TOML table (its `extends` chain resolved), carried
//! as JSON text; Python holds it as a dict. Each is checked by the validator `supportsim validate` uses, and
//! its problems are raised as `supportsim.ScenarioError`. Paths into the table (`with_values`) are the sweep
//! files' paths (`venues.north_meeting_place.capacity`, `params.habit_pull`, `events[0].day`).

use crate::errors::{bad_value, scenario_error, to_py};
use pyo3::prelude::*;
use std::path::Path;
use supportsim::error::Problem;
use supportsim::scenario::{load, names, Origin, Scenario};
use toml::{Table, Value};

/// What messages name a scenario made in Python by (it has no file; a problem's line counts lines of
/// `Scenario.to_toml()`).
pub const FROM_PYTHON: &str = "<python>";

/// The JSON text of a table.
fn json_of(table: &Table) -> PyResult<String> {
    serde_json::to_string(table).map_err(|e| bad_value(format!("the scenario cannot be written as JSON: {e}")))
}

/// The table of JSON text from Python, or `ScenarioError` saying why it is not one.
pub fn table_of(py: Python<'_>, json: &str) -> PyResult<Table> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| bad_value(format!("not a scenario table: {e}")))?;
    supportsim::explorer::town::from_json(&value, "the scenario").map_err(|message| {
        scenario_error(
            py,
            &message,
            &[Problem { file: None, line: None, path: String::new(), message: message.clone() }],
        )
    })
}

/// The validated scenario of a table, as `supportsim run` would read it from the file `to_toml()` writes.
pub fn scenario_of(py: Python<'_>, json: &str) -> PyResult<Scenario> {
    let table = table_of(py, json)?;
    Scenario::from_toml_str(FROM_PYTHON, &supportsim::scenario::table_text(&table)).map_err(|e| to_py(py, e))
}

/// The merged table of a loaded file, its `extends` resolved and its name given (the file's stem when it
/// names none, as `supportsim run` names its output).
fn merged(py: Python<'_>, origin: Origin, path: &Path) -> PyResult<String> {
    // Validate the file itself first, so problems name its file and line.
    Scenario::load(origin, path).map_err(|e| to_py(py, e))?;
    let mut table = load::load(origin, path).map_err(|e| to_py(py, e))?.merged;
    table.remove("extends");
    if !table.contains_key("name") {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
        table.insert("name".into(), Value::String(names::folder_name_from_stem(stem)));
    }
    json_of(&table)
}

/// Reads and validates a scenario file; returns its merged table as JSON.
#[pyfunction]
pub fn load_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<String> {
    merged(py, Origin::Disk, &path)
}

/// The merged table of a scenario compiled into supportsim (`venue_closure`, `baseline`), as JSON.
#[pyfunction]
pub fn load_builtin(py: Python<'_>, name: &str) -> PyResult<String> {
    let file = format!("{}.toml", name.trim_end_matches(".toml"));
    if !load::EMBEDDED.iter().any(|(n, _)| *n == file) {
        return Err(bad_value(format!("no built-in scenario `{name}`; there are: {}", builtin_names().join(", "))));
    }
    merged(py, Origin::Embedded, Path::new(&file))
}

/// The table of a scenario's TOML text (as JSON), for `Scenario.from_toml`; a syntax error names its line.
#[pyfunction]
pub fn parse_toml(py: Python<'_>, text: &str) -> PyResult<String> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
        let message = format!("not valid TOML: {}", e.message());
        scenario_error(
            py,
            &message,
            &[Problem { file: Some(FROM_PYTHON.into()), line, path: String::new(), message: message.clone() }],
        )
    })?;
    json_of(&table)
}

/// The names of the scenarios compiled into supportsim.
#[pyfunction]
pub fn builtin_names() -> Vec<String> {
    load::EMBEDDED.iter().map(|(n, _)| n.trim_end_matches(".toml").to_string()).collect()
}

/// Validates a table; returns the table with its `extends` chain resolved (relative to the current folder)
/// and a summary of the scenario it makes (JSON: `{"table": …, "summary": {name, agents, days, replicates,
/// seed, events, districts, venues, headline}}`). A table without a name is called `scenario`.
#[pyfunction]
pub fn check(py: Python<'_>, table: &str) -> PyResult<String> {
    let mut table = table_of(py, table)?;
    if table.contains_key("extends") {
        // Checked as written first, so a problem in a file it extends names that file and line.
        let text = supportsim::scenario::table_text(&table);
        Scenario::from_toml_str(FROM_PYTHON, &text).map_err(|e| to_py(py, e))?;
        table =
            load::load_with_text(Origin::Disk, Path::new(FROM_PYTHON), Some(text)).map_err(|e| to_py(py, e))?.merged;
        table.remove("extends");
    }
    table.entry("name").or_insert_with(|| Value::String("scenario".into()));
    let s =
        Scenario::from_toml_str(FROM_PYTHON, &supportsim::scenario::table_text(&table)).map_err(|e| to_py(py, e))?;
    let summary = serde_json::json!({
        "name": s.name,
        "description": s.description,
        "agents": s.population.n_agents,
        "days": s.run.days,
        "burn_in_days": s.run.burn_in_days,
        "replicates": s.run.replicates,
        "seed": s.run.seed,
        "events": s.events.len(),
        "districts": s.district_names(),
        "venues": s.venues.iter().map(|v| v.name.clone()).collect::<Vec<_>>(),
        "headline": s.headline(),
    });
    Ok(serde_json::json!({ "table": table, "summary": summary }).to_string())
}

/// The table as the text of a scenario file `supportsim run` reads unchanged.
#[pyfunction]
pub fn toml_text(py: Python<'_>, table: &str) -> PyResult<String> {
    Ok(supportsim::scenario::table_text(&table_of(py, table)?))
}

/// Sets values at paths (`[[path, value], …]` as JSON) in a table; returns the new table. A path that does
/// not resolve is a `ScenarioError` naming it.
#[pyfunction]
pub fn set_values(py: Python<'_>, table: &str, values: &str) -> PyResult<String> {
    let mut table = table_of(py, table)?;
    let pairs: Vec<(String, serde_json::Value)> =
        serde_json::from_str(values).map_err(|e| bad_value(format!("values must be path, value pairs: {e}")))?;
    let mut problems = Vec::new();
    for (path, value) in pairs {
        let value: Value = match serde_json::from_value(value) {
            Ok(v) => v,
            Err(e) => {
                problems.push(problem(&path, format!("not a TOML value: {e}")));
                continue;
            }
        };
        match supportsim::sweep::path::resolve_path(&table, &path) {
            Ok(steps) => supportsim::sweep::path::set_path(&mut table, &steps, value),
            Err(message) => problems.push(problem(&path, message)),
        }
    }
    if !problems.is_empty() {
        let n = problems.len();
        let mut message = format!("{n} problem{} in the values to set:", if n == 1 { "" } else { "s" });
        for p in &problems {
            message.push_str(&format!("\n  {p}"));
        }
        return Err(scenario_error(py, &message, &problems));
    }
    json_of(&table)
}

fn problem(path: &str, message: String) -> Problem {
    Problem { file: None, line: None, path: path.to_string(), message }
}

/// Every model parameter (name, default, unit, min, max, source, meaning) as JSON rows, as `supportsim
/// params` lists them.
#[pyfunction]
pub fn params_table() -> PyResult<String> {
    serde_json::to_string(supportsim::params::PARAM_SPECS).map_err(|e| bad_value(e.to_string()))
}
