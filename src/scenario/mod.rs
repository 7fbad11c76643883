//! Scenarios: the raw TOML form (`raw`), files and `extends` chains (`load`), and validation into the
//! resolved [`Scenario`] that the model core takes (`validate`, with `venue`, `events` and the `names` rules). Errors live here, not in the core.

mod checker;
mod events;
pub mod filecheck;
pub mod load;
pub mod names;
pub mod raw;
pub mod validate;
mod venue;

use crate::error::Error;
use crate::groups::Group;
use crate::params::Params;
use crate::types::{Ritual, VenueKind};
use serde::Serialize;
use std::path::Path;

pub use events::ACTIONS;
pub use load::Origin;

#[derive(Clone, Debug, Serialize)]
pub struct RunSettings {
    pub days: u32,
    pub burn_in_days: u32,
    pub replicates: u32,
    pub seed: u64,
    pub record_every_days: u32,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Analysis {
    /// Effects are averaged over the last `window_days` days of the run.
    pub window_days: u32,
    /// When set, replicates are added until the headline effect's 95% interval is at most this wide (in the
    /// metric's own units: a share of 0.02 is 2 percentage points) or `max_replicates` is reached.
    pub target_interval_width: Option<f64>,
    pub max_replicates: u32,
    /// The effect the target applies to; `None` means the service users of the first district an event
    /// touches (or all service users).
    pub headline_group: Option<String>,
    pub headline_metric: String,
    /// Extra groups reported beside the standard ones (filters joined by `/`).
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Population {
    pub n_agents: u32,
    pub service_user_share: f64,
    /// Shares of service users by diagnosis, in the order of `Diagnosis::CLINICAL`.
    pub diagnosis_shares: [f64; 5],
}

#[derive(Clone, Debug, Serialize)]
pub struct District {
    pub name: String,
    pub population_share: f64,
    pub budget_nok: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Venue {
    pub name: String,
    pub district: usize,
    pub kind: VenueKind,
    pub capacity: u32,
    pub cost_nok: f64,
    /// Configured opening weekdays (Monday first) at full service.
    pub open_days: [bool; 7],
    pub rituals: [Ritual; 7],
    pub openness: f64,
    pub professionals: u32,
    pub volunteers: u32,
    pub lived_experience_share: f64,
    pub stability: f64,
    pub budget_nok: f64,
    pub budget_full_nok: f64,
    /// Whether the venue is open at the start (a closed one can be opened by an event).
    pub open: bool,
}

#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetChange {
    Factor(f64),
    Amount(f64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// A paid worker with lived experience, hired from well service users.
    PeerWorker,
    Professional,
    Volunteer,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    CloseVenue { venue: usize },
    OpenVenue { venue: usize },
    SetVenueBudget { venue: usize, change: BudgetChange },
    SetDistrictBudget { district: usize, change: BudgetChange },
    AddStaff { venue: usize, role: StaffRole, count: u32 },
    ActivitySubsidy { group: Group, amount_weekly_nok: f64, duration_days: Option<u32> },
    SetFee { venue: usize, cost_nok: f64 },
    AntiStigmaCampaign { strength: f64, duration_days: u32 },
    Lockdown { duration_days: u32 },
    SocialMediaShift { delta: f64 },
}

#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub day: u32,
    pub action: Action,
    /// The user's note, if any, for reports.
    pub note: Option<String>,
}

/// A validated scenario: everything the model core needs, with every value checked.
#[derive(Clone, Debug, Serialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// What the option costs a year in NOK (negative: what it saves), for a comparison's cost columns.
    pub annual_cost_nok: Option<f64>,
    /// Where the cost comes from (e.g. "illustrative").
    pub annual_cost_note: String,
    pub run: RunSettings,
    pub analysis: Analysis,
    pub population: Population,
    pub districts: Vec<District>,
    pub venues: Vec<Venue>,
    pub params: Params,
    pub events: Vec<Event>,
}

impl Scenario {
    /// Reads, merges and validates a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, Error> {
        Self::load(Origin::Disk, path)
    }

    /// Reads, merges and validates a scenario from disk or from the scenarios compiled into the binary.
    pub fn load(origin: Origin, path: &Path) -> Result<Scenario, Error> {
        let loaded = load::load(origin, path)?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
        validate::validate(&loaded, stem).map_err(Error::Scenario)
    }

    /// Parses a scenario from TOML text; `name` labels messages and a relative `extends` is read from the
    /// current folder.
    pub fn from_toml_str(name: &str, text: &str) -> Result<Scenario, Error> {
        let path = Path::new(name);
        let loaded = load::load_with_text(Origin::Disk, path, Some(text.to_string()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
        validate::validate(&loaded, stem).map_err(Error::Scenario)
    }

    pub fn district_names(&self) -> Vec<String> {
        self.districts.iter().map(|d| d.name.clone()).collect()
    }

    /// The same scenario without its events: the `baseline` arm of a what-if.
    pub fn without_events(&self) -> Scenario {
        Scenario { events: Vec::new(), ..self.clone() }
    }

    /// The same town with `n_agents` people and every venue's capacity scaled in proportion (at least 1), as
    /// the benchmarks and the scale tests use it.
    pub fn scaled(mut self, n_agents: u32) -> Scenario {
        let scale = n_agents as f64 / self.population.n_agents as f64;
        self.population.n_agents = n_agents;
        for v in &mut self.venues {
            v.capacity = ((v.capacity as f64 * scale).round() as u32).max(1);
        }
        self
    }

    /// Districts named by the events (directly, or through a venue), in event order.
    pub fn affected_districts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.events {
            let d = match &e.action {
                Action::CloseVenue { venue }
                | Action::OpenVenue { venue }
                | Action::SetVenueBudget { venue, .. }
                | Action::AddStaff { venue, .. }
                | Action::SetFee { venue, .. } => Some(self.venues[*venue].district),
                Action::SetDistrictBudget { district, .. } => Some(*district),
                _ => None,
            };
            if let Some(d) = d {
                let name = self.districts[d].name.clone();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
        }
        out
    }

    /// The group and metric of the headline effect: `[analysis]` settings, else the lonely share of the
    /// service users of the first district an event touches (or of all service users).
    pub fn headline(&self) -> (String, String) {
        let group = self.analysis.headline_group.clone().unwrap_or_else(|| match self.affected_districts().first() {
            Some(d) => format!("district:{d}/service_users"),
            None => "service_users".into(),
        });
        (group, self.analysis.headline_metric.clone())
    }

    /// The groups reported for this scenario: the standard ones, then its `analysis.groups` (checked when
    /// it was validated).
    pub fn groups(&self) -> Vec<Group> {
        let districts = self.district_names();
        let mut groups = Group::standard(&districts);
        for name in &self.analysis.groups {
            if !groups.iter().any(|g| &g.name == name) {
                if let Ok(g) = Group::parse(name, &districts) {
                    groups.push(g);
                }
            }
        }
        groups
    }

    pub fn venue_index(&self, name: &str) -> Option<usize> {
        self.venues.iter().position(|v| v.name == name)
    }
}

/// A scenario's TOML table as the text of a file: the top-level keys in the order the validator lists them
/// (as the shipped files have them), a blank line before each table.
pub fn table_text(table: &toml::Table) -> String {
    let order = validate::KNOWN_KEYS.iter().find(|(t, _)| t.is_empty()).map_or(&[][..], |(_, k)| k);
    let mut keys: Vec<&String> = table.keys().collect();
    keys.sort_by_key(|k| order.iter().position(|o| o == k).unwrap_or(order.len()));
    let mut out = String::new();
    for key in keys {
        let mut one = toml::Table::new();
        one.insert(key.clone(), table[key.as_str()].clone());
        let text = toml::to_string(&one).unwrap_or_default();
        let after_table = out.lines().last().is_some_and(|l| l.starts_with('['));
        if !out.is_empty() && !out.ends_with("\n\n") && (text.starts_with('[') || after_table) {
            out.push('\n');
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_keeps_capacity_per_person_and_every_venue_open_to_someone() {
        let s = Scenario::load(Origin::Embedded, Path::new("baseline.toml")).expect("embedded baseline");
        let double = s.clone().scaled(2 * s.population.n_agents);
        assert_eq!(double.population.n_agents, 2 * s.population.n_agents);
        for (v, w) in s.venues.iter().zip(&double.venues) {
            assert_eq!(w.capacity, 2 * v.capacity, "{}", v.name);
        }
        let tiny = s.clone().scaled(10);
        assert_eq!(tiny.population.n_agents, 10);
        assert!(tiny.venues.iter().all(|v| v.capacity >= 1));
        assert!(tiny.venues.iter().zip(&s.venues).any(|(t, v)| t.capacity < v.capacity));
    }
}
