//! The town as the explorer's page edits it: the scenario's merged TOML table (its `extends` chain resolved,
//! its events taken out as the first option) carried as JSON. Every edit comes back as a document, is turned
//! into the TOML text a user could download, and is checked by the same validator as `supportsim validate`;
//! the page shows each problem next to the field its path names. The page never names a file: a document
//! that asks to `extends` another is refused before anything is read.

use crate::error::{Error, Problem};
use crate::scenario::{load, Origin, Scenario};
use serde_json::Value as Json;
use std::path::Path;
use toml::{Table, Value};

/// A town the explorer was started with: its document and the options its file already held.
pub struct StartingTown {
    /// What the page shows as the town's source (a file name, or "the embedded default town").
    pub source: String,
    pub town: Table,
    /// The file's own events, if any, as the first option.
    pub events: Vec<Table>,
}

/// Reads the town file (or the embedded default what-if) and splits it into the town and its events.
pub fn starting_town(file: Option<&Path>) -> Result<StartingTown, Error> {
    let (origin, path, source) = match file {
        Some(p) => (Origin::Disk, p.to_path_buf(), p.display().to_string()),
        None => (Origin::Embedded, Path::new("venue_closure.toml").to_path_buf(), "the embedded default town".into()),
    };
    // Validate first, so a broken file is refused with its file and line, as `supportsim run` would.
    Scenario::load(origin, &path)?;
    let mut town = load::load(origin, &path)?.merged;
    town.remove("extends");
    // A stated cost belongs to the file's option, not to the town the page edits.
    town.remove("annual_cost_nok");
    town.remove("annual_cost_note");
    let events = match town.remove("events") {
        Some(Value::Array(a)) => a.into_iter().filter_map(|v| v.as_table().cloned()).collect(),
        _ => Vec::new(),
    };
    if !town.contains_key("name") {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("town");
        town.insert("name".into(), Value::String(crate::scenario::names::folder_name_from_stem(stem)));
    }
    Ok(StartingTown { source, town, events })
}

/// A blank town to start from: two districts and one meeting place, the rest at the defaults.
pub fn blank_town() -> Table {
    let text = r#"
name = "my_town"
description = "A town of two districts with one meeting place."
[run]
days = 728
burn_in_days = 182
replicates = 8
seed = 1
record_every_days = 7
[population]
n_agents = 10000
service_user_share = 0.05
[[districts]]
name = "east"
population_share = 0.5
budget_nok = 5000000
[[districts]]
name = "west"
population_share = 0.5
budget_nok = 5000000
[[venues]]
name = "meeting_place"
district = "east"
kind = "meeting_place"
capacity = 40
cost_nok = 0
open_days = ["mon", "tue", "wed", "thu", "fri"]
rituals = { wed = "meal" }
openness = 0.9
professionals = 1
volunteers = 4
budget_nok = 2000000
budget_full_nok = 2000000
"#;
    text.parse().expect("the blank town is valid TOML")
}

/// A TOML table as the page's JSON.
pub fn to_json(table: &Table) -> Json {
    serde_json::to_value(table).unwrap_or(Json::Null)
}

/// The page's JSON as a TOML table; `what` names it in the message.
pub fn from_json(value: &Json, what: &str) -> Result<Table, String> {
    serde_json::from_value::<Table>(value.clone())
        .map_err(|e| format!("{what} is not a table of TOML values: {e} (empty cells are not allowed; remove the key)"))
}

/// The scenario file of a town with events: the TOML text `supportsim run` accepts unchanged.
pub fn scenario_text(town: &Table, events: &[Table], name: &str) -> String {
    let mut whole = town.clone();
    whole.insert("name".into(), Value::String(name.to_string()));
    if !events.is_empty() {
        whole.insert("events".into(), Value::Array(events.iter().cloned().map(Value::Table).collect()));
    }
    format!(
        "# {name}.toml — written by supportsim's explorer.\n# Run it with:  supportsim run {name}.toml\n\n{}",
        crate::scenario::table_text(&whole)
    )
}

/// Checks a town with events as `supportsim validate` would check its scenario file, and against the
/// explorer's population cap. Problems carry the dotted path of the field (`venues[2].capacity`).
pub fn check(town: &Table, events: &[Table], name: &str, max_agents: u32) -> Result<(Scenario, String), Vec<Problem>> {
    let problem = |path: &str, message: String| Problem { file: None, line: None, path: path.into(), message };
    if town.contains_key("extends") {
        return Err(vec![problem("extends", "the explorer edits whole towns; `extends` is not accepted here".into())]);
    }
    if let Err(why) = crate::scenario::names::check_name(name, crate::scenario::names::NameKind::Folder) {
        return Err(vec![problem("name", why)]);
    }
    let text = scenario_text(town, events, name);
    let file = format!("{name}.toml");
    let loaded = load::load_with_text(Origin::Disk, Path::new(&file), Some(text.clone())).map_err(|e| match e {
        Error::Scenario(p) => p.0,
        other => vec![problem("", other.to_string())],
    })?;
    let scenario = crate::scenario::validate::validate(&loaded, name).map_err(|p| p.0)?;
    if scenario.population.n_agents > max_agents {
        return Err(vec![problem(
            "population.n_agents",
            format!(
                "the explorer runs towns of at most {max_agents} people (start it with --max-agents to allow more); \
                 this town has {}",
                scenario.population.n_agents
            ),
        )]);
    }
    let results = result_bytes(&scenario);
    if results > MAX_RESULT_BYTES {
        return Err(vec![problem(
            "run.replicates",
            format!(
                "this question would hold about {:.1} GiB of results ({} replicates × 2 arms × {} recording periods × \
                 {} groups); the explorer answers questions of at most {} GiB: use fewer replicates or days, or a \
                 longer recording period",
                results as f64 / (1u64 << 30) as f64,
                most_replicates(&scenario),
                scenario.run.days / scenario.run.record_every_days.max(1),
                scenario.groups().len(),
                MAX_RESULT_BYTES >> 30
            ),
        )]);
    }
    Ok((scenario, text))
}

/// The most results one question may hold in memory while it runs.
const MAX_RESULT_BYTES: u64 = 1 << 30;

/// The replicates a question may run: its own, or up to `max_replicates` with an interval target.
fn most_replicates(s: &Scenario) -> u32 {
    if s.analysis.target_interval_width.is_some() {
        s.run.replicates.max(s.analysis.max_replicates)
    } else {
        s.run.replicates
    }
}

/// Bytes of the runs' results a question holds: every replicate of both arms, every record, group and metric.
fn result_bytes(s: &Scenario) -> u64 {
    let records = (s.run.days / s.run.record_every_days.max(1)) as u64;
    let per_record = (s.groups().len() * crate::metric_names::N_METRICS * 8 + s.venues.len() * 8) as u64;
    most_replicates(s) as u64 * 2 * records * per_record
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_town_round_trips_through_the_page_and_its_file_runs_unchanged() {
        let start = starting_town(None).unwrap();
        assert_eq!(start.events.len(), 1, "the default what-if's closure is the first option");
        let json = to_json(&start.town);
        let back = from_json(&json, "the town").unwrap();
        let (scenario, text) = check(&back, &start.events, "venue_closure", 200_000).unwrap();
        let from_file = Scenario::from_toml_str("venue_closure.toml", &text).unwrap();
        assert_eq!(serde_json::to_string(&scenario).unwrap(), serde_json::to_string(&from_file).unwrap());
        let embedded = Scenario::load(Origin::Embedded, Path::new("venue_closure.toml")).unwrap();
        let mut a = serde_json::to_value(&scenario).unwrap();
        let b = serde_json::to_value(&embedded).unwrap();
        for key in ["description", "annual_cost_nok", "annual_cost_note"] {
            a[key] = b[key].clone();
        }
        assert_eq!(a, b, "the explorer's file is the embedded what-if");
    }

    #[test]
    fn problems_name_the_field_and_extends_is_refused() {
        let mut town = starting_town(None).unwrap().town;
        let venues = town.get_mut("venues").and_then(Value::as_array_mut).unwrap();
        venues[0].as_table_mut().unwrap().insert("capacity".into(), Value::Integer(0));
        let problems = check(&town, &[], "t", 200_000).unwrap_err();
        assert!(problems.iter().any(|p| p.path == "venues[0].capacity"), "{problems:?}");
        town.insert("extends".into(), Value::String("/etc/passwd".into()));
        let problems = check(&town, &[], "t", 200_000).unwrap_err();
        assert_eq!(problems[0].path, "extends");
        let problems = check(&blank_town(), &[], "t", 5_000).unwrap_err();
        assert_eq!(problems[0].path, "population.n_agents");
        let mut huge = blank_town();
        let run = huge.get_mut("run").and_then(Value::as_table_mut).unwrap();
        run.insert("replicates".into(), Value::Integer(100_000));
        run.insert("days".into(), Value::Integer(36_500));
        run.insert("record_every_days".into(), Value::Integer(1));
        let problems = check(&huge, &[], "t", 200_000).unwrap_err();
        assert!(problems[0].path == "run.replicates" && problems[0].message.contains("GiB"), "{problems:?}");
        assert!(check(&blank_town(), &[], "my_town", 200_000).is_ok());
    }
}
