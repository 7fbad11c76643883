//! Population groups for metrics and targeted events: `all`, `service_users`, `residents`,
//! `district:<name>`, `district:<name>/service_users`, `income:q1`…`income:q4`, `diagnosis:<name>`.

use crate::types::{Diagnosis, Role};
use serde::Serialize;

/// A group of agents, as a conjunction of optional filters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Group {
    pub name: String,
    pub role: Option<Role>,
    pub district: Option<u8>,
    pub income_quartile: Option<u8>,
    pub diagnosis: Option<Diagnosis>,
}

impl Group {
    fn new(name: String) -> Self {
        Group { name, role: None, district: None, income_quartile: None, diagnosis: None }
    }

    pub fn contains(&self, role: Role, district: u8, income_quartile: u8, diagnosis: Diagnosis) -> bool {
        self.role.is_none_or(|r| r == role)
            && self.district.is_none_or(|d| d == district)
            && self.income_quartile.is_none_or(|q| q == income_quartile)
            && self.diagnosis.is_none_or(|x| x == diagnosis)
    }

    /// Parses a group name against the scenario's district names; the error says what is accepted.
    pub fn parse(name: &str, districts: &[String]) -> Result<Group, String> {
        let mut g = Group::new(name.to_string());
        let district = |d: &str| -> Result<u8, String> {
            districts.iter().position(|x| x == d).map(|i| i as u8).ok_or_else(|| {
                format!(
                    "unknown district `{d}`{}",
                    crate::scenario::did_you_mean(d, districts.iter().map(String::as_str))
                )
            })
        };
        match name {
            "all" => {}
            "service_users" => g.role = Some(Role::ServiceUser),
            "residents" => g.role = Some(Role::Resident),
            _ => {
                if let Some(rest) = name.strip_prefix("district:") {
                    if let Some(d) = rest.strip_suffix("/service_users") {
                        g.district = Some(district(d)?);
                        g.role = Some(Role::ServiceUser);
                    } else {
                        g.district = Some(district(rest)?);
                    }
                } else if let Some(q) = name.strip_prefix("income:q") {
                    match q.parse::<u8>() {
                        Ok(q @ 1..=4) => g.income_quartile = Some(q - 1),
                        _ => return Err(format!("unknown income quartile `{name}` (use income:q1 … income:q4)")),
                    }
                } else if let Some(d) = name.strip_prefix("diagnosis:") {
                    match Diagnosis::ALL.iter().find(|x| x.name() == d) {
                        Some(x) => g.diagnosis = Some(*x),
                        None => return Err(format!("unknown diagnosis `{d}`")),
                    }
                } else {
                    return Err(format!(
                        "unknown group `{name}` (use all, service_users, residents, district:<name>, \
                         district:<name>/service_users, income:q1…q4 or diagnosis:<name>)"
                    ));
                }
            }
        }
        Ok(g)
    }

    /// The standard groups reported for a town, in output order.
    pub fn standard(districts: &[String]) -> Vec<Group> {
        let mut names = vec!["all".to_string(), "service_users".into(), "residents".into()];
        for d in districts {
            names.push(format!("district:{d}"));
            names.push(format!("district:{d}/service_users"));
        }
        for q in 1..=4 {
            names.push(format!("income:q{q}"));
        }
        for d in Diagnosis::ALL {
            names.push(format!("diagnosis:{}", d.name()));
        }
        names.iter().map(|n| Group::parse(n, districts).expect("standard group names parse")).collect()
    }
}
