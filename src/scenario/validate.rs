//! Validation: from the merged raw TOML to a resolved [`Scenario`], reporting every problem at once, each
//! with its dotted path, file and line. Defaults for omitted keys live here and are listed in
//! docs/scenarios.md.

use super::checker::{show, ScenarioChecker};
use super::events::{check_event_sequence, resolve_event, Town};
use super::load::Loaded;
use super::names::{check_name, folder_name_from_stem, NameKind};
use super::raw::{Num, RawAnalysis, RawDistrict, RawPopulation, RawRun, RawScenario, RawVenue};
use super::venue::resolve_venue;
use super::*;
use crate::error::{did_you_mean, Problem, Problems};
use crate::params::{Params, INTEGER_PARAMS, PARAM_SPECS};
use crate::types::Diagnosis;
use std::collections::HashMap;

/// Keys each table accepts, for "did you mean" on unknown keys. A test checks these against the raw types.
pub const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "name",
            "description",
            "extends",
            "annual_cost_nok",
            "annual_cost_note",
            "run",
            "analysis",
            "population",
            "districts",
            "venues",
            "params",
            "events",
        ],
    ),
    ("run", &["days", "burn_in_days", "replicates", "seed", "record_every_days"]),
    (
        "analysis",
        &["window_days", "target_interval_width", "max_replicates", "headline_group", "headline_metric", "groups"],
    ),
    ("population", &["n_agents", "service_user_share", "diagnosis_shares"]),
    ("districts", &["name", "population_share", "budget_nok"]),
    (
        "venues",
        &[
            "name",
            "district",
            "kind",
            "capacity",
            "cost_nok",
            "open_days",
            "rituals",
            "openness",
            "professionals",
            "volunteers",
            "lived_experience_share",
            "stability",
            "budget_nok",
            "budget_full_nok",
            "open",
        ],
    ),
    (
        "events",
        &[
            "day",
            "action",
            "venue",
            "district",
            "factor",
            "amount",
            "role",
            "count",
            "group",
            "amount_weekly_nok",
            "cost_nok",
            "strength",
            "duration_days",
            "delta",
            "note",
        ],
    ),
];

/// Most extra groups `analysis.groups` may add (an agent keeps its group indices in a fixed array).
pub const MAX_EXTRA_GROUPS: usize = 8;

fn path_string(path: &serde_ignored::Path) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", path_string(parent)),
        P::Map { parent, key } => {
            let p = path_string(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => path_string(parent),
    }
}

/// The table an unknown key sits in (`venues[2].capcity` → `venues`), to look up the keys it accepts.
fn section_of(path: &str) -> &str {
    match path.rfind('.') {
        None => "",
        Some(i) => {
            let parent = &path[..i];
            let first = parent.split(['.', '[']).next().unwrap_or("");
            first
        }
    }
}

fn locate_all(loaded: &Loaded, problems: Vec<(String, String)>) -> Vec<Problem> {
    let mut out: Vec<Problem> = problems
        .into_iter()
        .map(|(path, message)| {
            let (file, line) = loaded.locate(&path);
            Problem { file, line, path, message }
        })
        .collect();
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

/// Validates a loaded scenario; `default_name` names it when the file gives no `name`.
pub fn validate(loaded: &Loaded, default_name: &str) -> Result<Scenario, Problems> {
    validate_table(loaded, &loaded.merged, default_name)
}

/// Validates `merged`, a variant of the loaded scenario's merged table (a sweep point sets some keys);
/// problems are located in the loaded files.
pub fn validate_table(loaded: &Loaded, merged: &toml::Table, default_name: &str) -> Result<Scenario, Problems> {
    let mut unknown: Vec<String> = Vec::new();
    let value = toml::Value::Table(merged.clone());
    let raw: Result<RawScenario, _> =
        serde_path_to_error::deserialize(serde_ignored::Deserializer::new(value, &mut |p: serde_ignored::Path| {
            unknown.push(path_string(&p))
        }));
    let mut c = ScenarioChecker::new();
    for path in &unknown {
        let key = path.rsplit(['.', ']']).next().unwrap_or(path);
        let section = section_of(path);
        if section == "params" {
            continue; // params is a map; unknown names are reported below with the parameter list.
        }
        let known = KNOWN_KEYS.iter().find(|(s, _)| *s == section).map(|(_, k)| *k).unwrap_or(&[]);
        c.err(path.clone(), format!("unknown key{}", did_you_mean(key, known.iter().copied())));
    }
    let raw = match raw {
        Ok(r) => r,
        Err(e) => {
            let path = e.path().to_string();
            let msg = e.inner().to_string();
            let msg = msg.lines().next().unwrap_or("").to_string();
            c.err(if path == "." { String::new() } else { path }, format!("wrong type: {msg}"));
            return Err(Problems(locate_all(loaded, c.problems)));
        }
    };
    let scenario = resolve(&mut c, raw, default_name);
    if c.problems.is_empty() {
        Ok(scenario)
    } else {
        Err(Problems(locate_all(loaded, c.problems)))
    }
}

/// The scenario `raw` describes, each section checked in the order of the format; problems go to `c`.
fn resolve(c: &mut ScenarioChecker, raw: RawScenario, default_name: &str) -> Scenario {
    let (run, room) = resolve_run(c, raw.run.unwrap_or_default());
    let analysis = resolve_analysis(c, raw.analysis.unwrap_or_default(), &run, room);
    let population = resolve_population(c, raw.population.unwrap_or_default());
    let districts = resolve_districts(c, raw.districts.unwrap_or_default());
    let district_names: Vec<String> = districts.iter().map(|d| d.name.clone()).collect();
    let district_lookup: HashMap<&str, usize> =
        district_names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).rev().collect();
    check_groups(c, &analysis, &district_names);
    let (venues, venue_index) = resolve_venues(c, raw.venues.unwrap_or_default(), &district_lookup);
    let n_staff: u64 = venues.iter().map(|v| (v.professionals + v.volunteers) as u64).sum();
    if n_staff * 2 > population.n_agents as u64 {
        c.err(
            "population.n_agents",
            format!(
                "must be at least twice the venues' staff ({n_staff} professionals and volunteers), got {}",
                population.n_agents
            ),
        );
    }
    let params = resolve_params(c, raw.params.unwrap_or_default());
    let name = match raw.name {
        Some(n) => {
            if let Err(m) = check_name(&n, NameKind::Folder) {
                c.err("name", m);
            }
            n
        }
        None => folder_name_from_stem(default_name),
    };
    let annual_cost_nok = raw.annual_cost_nok.map(|x| c.num("annual_cost_nok", Some(x), 0.0, -1e12, 1e12));
    let mut scenario = Scenario {
        name,
        description: raw.description.unwrap_or_default(),
        annual_cost_nok,
        annual_cost_note: raw.annual_cost_note.unwrap_or_default(),
        run,
        analysis,
        population,
        districts,
        venues,
        params,
        events: Vec::new(),
    };
    let town = Town { scenario: &scenario, venue_index: &venue_index, district_index: &district_lookup };
    let mut events = Vec::new();
    for (i, e) in raw.events.unwrap_or_default().into_iter().enumerate() {
        if let Some(ev) = resolve_event(c, i, e, &town) {
            events.push((i, ev));
        }
    }
    check_event_sequence(c, &events, &scenario);
    scenario.events = events.into_iter().map(|(_, e)| e).collect();
    scenario
}

/// `[run]`, and the days after the burn-in that the analysis window must fit into: `None` when the burn-in
/// or the recording period is itself invalid (reported), so that the window is not judged against it.
fn resolve_run(c: &mut ScenarioChecker, r: RawRun) -> (RunSettings, Option<u32>) {
    let days = c.int("run.days", r.days, 728, 1, 36_500) as u32;
    let burn_in_days = c.int("run.burn_in_days", r.burn_in_days, 182, 0, 36_500) as u32;
    if burn_in_days >= days {
        c.err("run.burn_in_days", format!("must be less than run.days ({days}), got {burn_in_days}"));
    }
    let room = (burn_in_days < days).then(|| days - burn_in_days);
    let record_every_days = c.int("run.record_every_days", r.record_every_days, 7, 1, 3650) as u32;
    let record_ok = match room {
        Some(room) if record_every_days > room => {
            c.err(
                "run.record_every_days",
                format!("must be at most the {room} days after the burn-in, got {record_every_days}"),
            );
            false
        }
        _ => true,
    };
    let run = RunSettings {
        days,
        burn_in_days,
        replicates: c.int("run.replicates", r.replicates, 8, 1, 100_000) as u32,
        seed: c.int("run.seed", r.seed, 20_221_001, 0, u64::MAX >> 11),
        record_every_days,
    };
    (run, room.filter(|_| record_ok))
}

/// `[analysis]`: the window (within `room`, the days after the burn-in), the adaptive replicates and the
/// headline. Its groups are checked against the districts by [`check_groups`].
fn resolve_analysis(c: &mut ScenarioChecker, a: RawAnalysis, run: &RunSettings, room: Option<u32>) -> Analysis {
    let record_every_days = run.record_every_days;
    let room_or_one = run.days.saturating_sub(run.burn_in_days).max(1);
    let window_default = 182.min(room_or_one).max(record_every_days.min(room_or_one)) as u64;
    let window_days = c.int("analysis.window_days", a.window_days, window_default, 1, 36_500) as u32;
    if let Some(room) = room {
        if window_days > room {
            c.err(
                "analysis.window_days",
                format!("must fit after the burn-in ({room} days are left), got {window_days}"),
            );
        } else if window_days < record_every_days {
            c.err(
                "analysis.window_days",
                format!("must hold at least one recording period of {record_every_days} days, got {window_days}"),
            );
        }
    }
    let target_interval_width =
        a.target_interval_width.map(|w| c.num("analysis.target_interval_width", Some(w), 0.01, 1e-9, 1e9));
    let max_replicates = c.int("analysis.max_replicates", a.max_replicates, 100, 1, 100_000) as u32;
    if max_replicates < run.replicates && target_interval_width.is_some() {
        c.err(
            "analysis.max_replicates",
            format!("must be at least run.replicates ({}), got {max_replicates}", run.replicates),
        );
    }
    let headline_metric = a.headline_metric.unwrap_or_else(|| "lonely_share".into());
    if !crate::metric_names::METRICS.contains(&headline_metric.as_str()) {
        let hint = c.hint(&headline_metric, crate::metric_names::METRICS);
        c.err("analysis.headline_metric", format!("unknown metric `{headline_metric}`{hint}"));
    }
    Analysis {
        window_days,
        target_interval_width,
        max_replicates,
        headline_group: a.headline_group,
        headline_metric,
        groups: a.groups.unwrap_or_default(),
    }
}

/// `[population]`: its size, the service users' share and the shares of their diagnoses.
fn resolve_population(c: &mut ScenarioChecker, p: RawPopulation) -> Population {
    let mut diagnosis_shares = [0.35, 0.2, 0.15, 0.15, 0.15];
    if let Some(shares) = p.diagnosis_shares {
        diagnosis_shares = [0.0; 5];
        let mut all_valid = true;
        for (k, v) in shares {
            let path = format!("population.diagnosis_shares.{k}");
            let before = c.problems.len();
            match Diagnosis::CLINICAL.iter().position(|d| d.name() == k) {
                Some(i) => diagnosis_shares[i] = c.num(&path, Some(v), 0.0, 0.0, 1.0),
                None => {
                    let hint = c.hint(&k, Diagnosis::CLINICAL.iter().map(|d| d.name()));
                    c.err(&path, format!("unknown diagnosis{hint}"))
                }
            }
            all_valid &= c.problems.len() == before;
        }
        // The sum means something only when every share is one.
        let sum: f64 = diagnosis_shares.iter().sum();
        if all_valid && (sum - 1.0).abs() > 1e-6 {
            c.err("population.diagnosis_shares", format!("shares must sum to 1, got {sum:.4}"));
        }
    }
    Population {
        n_agents: c.int("population.n_agents", p.n_agents, 20_000, 10, 50_000_000) as u32,
        service_user_share: c.num("population.service_user_share", p.service_user_share, 0.05, 0.0, 1.0),
        diagnosis_shares,
    }
}

/// `[[districts]]`: unique names, shares of the population that sum to 1, budgets.
fn resolve_districts(c: &mut ScenarioChecker, raw: Vec<RawDistrict>) -> Vec<District> {
    let mut districts: Vec<District> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut shares_valid = true;
    for (i, d) in raw.into_iter().enumerate() {
        let path = format!("districts[{i}]");
        let name = c.name(&format!("{path}.name"), d.name, NameKind::Place);
        if !name.is_empty() && seen.contains_key(&name) {
            c.err(format!("{path}.name"), format!("district `{name}` is defined twice"));
        } else {
            seen.insert(name.clone(), i);
        }
        let before = c.problems.len();
        let population_share = c.num(&format!("{path}.population_share"), d.population_share, 0.0, 0.0, 1.0);
        shares_valid &= c.problems.len() == before;
        districts.push(District {
            name,
            population_share,
            budget_nok: c.num(&format!("{path}.budget_nok"), d.budget_nok, 0.0, 0.0, 1e12),
        });
    }
    if districts.len() > 100 {
        c.err("districts", format!("at most 100 districts are supported, got {}", districts.len()));
    }
    if districts.is_empty() {
        c.err("districts", "at least one district is required");
    } else {
        let sum: f64 = districts.iter().map(|d| d.population_share).sum();
        if shares_valid && (sum - 1.0).abs() > 1e-6 {
            c.err("districts", format!("population_share values must sum to 1, got {sum:.4}"));
        }
    }
    districts
}

/// The analysis's headline group and extra groups name groups of these districts, once each.
fn check_groups(c: &mut ScenarioChecker, analysis: &Analysis, district_names: &[String]) {
    if let Some(g) = &analysis.headline_group {
        if let Err(msg) = crate::groups::Group::parse(g, district_names) {
            c.err("analysis.headline_group", msg);
        }
    }
    let standard: Vec<String> = crate::groups::Group::standard(district_names).into_iter().map(|g| g.name).collect();
    for (i, g) in analysis.groups.iter().enumerate() {
        match crate::groups::Group::parse(g, district_names) {
            Err(msg) => c.err(format!("analysis.groups[{i}]"), msg),
            Ok(_) if standard.contains(g) || analysis.groups[..i].contains(g) => {
                c.err(format!("analysis.groups[{i}]"), format!("group `{g}` is already reported"))
            }
            Ok(_) => {}
        }
    }
    if analysis.groups.len() > MAX_EXTRA_GROUPS {
        c.err("analysis.groups", format!("at most {MAX_EXTRA_GROUPS} extra groups, got {}", analysis.groups.len()));
    }
}

/// `[[venues]]`, each in a district of `district_lookup`, with unique names; and the index of each name.
fn resolve_venues(
    c: &mut ScenarioChecker,
    raw: Vec<RawVenue>,
    district_lookup: &HashMap<&str, usize>,
) -> (Vec<Venue>, HashMap<String, usize>) {
    let mut venues: Vec<Venue> = Vec::new();
    let mut venue_index: HashMap<String, usize> = HashMap::new();
    for (i, v) in raw.into_iter().enumerate() {
        let venue = resolve_venue(c, i, v, district_lookup);
        if !venue.name.is_empty() && venue_index.contains_key(&venue.name) {
            c.err(format!("venues[{i}].name"), format!("venue `{}` is defined twice", venue.name));
        } else {
            venue_index.insert(venue.name.clone(), i);
        }
        venues.push(venue);
    }
    if venues.len() >= crate::types::NO_VENUE as usize {
        c.err("venues", format!("at most {} venues are supported", crate::types::NO_VENUE - 1));
    }
    (venues, venue_index)
}

/// `[params]`: known names, each within its range (whole numbers where the parameter counts something).
fn resolve_params(c: &mut ScenarioChecker, raw: std::collections::BTreeMap<String, Num>) -> Params {
    let mut params = Params::default();
    for (k, Num(x)) in raw {
        let path = format!("params.{k}");
        let Some(spec) = PARAM_SPECS.iter().find(|s| s.name == k) else {
            let hint = c.hint(&k, PARAM_SPECS.iter().map(|s| s.name));
            c.err(&path, format!("unknown parameter{hint} (`supportsim params` lists them)"));
            continue;
        };
        if !x.is_finite() || x < spec.min || x > spec.max {
            c.err(&path, format!("must be between {} and {} ({}), got {}", spec.min, spec.max, spec.unit, show(x)));
        } else if INTEGER_PARAMS.contains(&spec.name) && x.fract() != 0.0 {
            c.err(&path, format!("must be a whole number, got {}", show(x)));
        } else {
            params.set(&k, x);
        }
    }
    params
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_of_paths() {
        assert_eq!(section_of("venues[2].capcity"), "venues");
        assert_eq!(section_of("run.dayz"), "run");
        assert_eq!(section_of("nmae"), "");
    }
}
