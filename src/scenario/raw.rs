//! The raw form of a scenario file: mirrors the TOML one to one, every field optional so that validation
//! can report every missing or wrong value at once. Nothing here checks meaning; see `validate`.

use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

/// A TOML number that may be written as an integer or a float.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v as f64))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub extends: Option<String>,
    pub annual_cost_nok: Option<Num>,
    pub annual_cost_note: Option<String>,
    pub run: Option<RawRun>,
    pub analysis: Option<RawAnalysis>,
    pub population: Option<RawPopulation>,
    pub districts: Option<Vec<RawDistrict>>,
    pub venues: Option<Vec<RawVenue>>,
    pub params: Option<BTreeMap<String, Num>>,
    pub events: Option<Vec<RawEvent>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawRun {
    pub days: Option<Num>,
    pub burn_in_days: Option<Num>,
    pub replicates: Option<Num>,
    pub seed: Option<Num>,
    pub record_every_days: Option<Num>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawAnalysis {
    pub window_days: Option<Num>,
    pub target_interval_width: Option<Num>,
    pub max_replicates: Option<Num>,
    pub headline_group: Option<String>,
    pub headline_metric: Option<String>,
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawPopulation {
    pub n_agents: Option<Num>,
    pub service_user_share: Option<Num>,
    pub diagnosis_shares: Option<BTreeMap<String, Num>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawDistrict {
    pub name: Option<String>,
    pub population_share: Option<Num>,
    pub budget_nok: Option<Num>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RawVenue {
    pub name: Option<String>,
    pub district: Option<String>,
    pub kind: Option<String>,
    pub capacity: Option<Num>,
    pub cost_nok: Option<Num>,
    pub open_days: Option<Vec<String>>,
    pub rituals: Option<BTreeMap<String, String>>,
    pub openness: Option<Num>,
    pub professionals: Option<Num>,
    pub volunteers: Option<Num>,
    pub lived_experience_share: Option<Num>,
    pub stability: Option<Num>,
    pub budget_nok: Option<Num>,
    pub budget_full_nok: Option<Num>,
    pub open: Option<bool>,
}

/// One `[[events]]` entry. Which fields are needed depends on `action`; validation says which.
#[derive(Debug, Default, Deserialize)]
pub struct RawEvent {
    pub day: Option<Num>,
    pub action: Option<String>,
    pub venue: Option<String>,
    pub district: Option<String>,
    pub factor: Option<Num>,
    pub amount: Option<Num>,
    pub role: Option<String>,
    pub count: Option<Num>,
    pub group: Option<String>,
    pub amount_weekly_nok: Option<Num>,
    pub cost_nok: Option<Num>,
    pub strength: Option<Num>,
    pub duration_days: Option<Num>,
    pub delta: Option<Num>,
    pub note: Option<String>,
}
