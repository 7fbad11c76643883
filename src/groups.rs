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

    /// Parses a group name against the scenario's district names; the error says what is accepted. A name is
    /// one filter or several joined by `/`, all of which must hold (`district:north/service_users`,
    /// `service_users/diagnosis:psychosis`, `district:south/income:q1`).
    pub fn parse(name: &str, districts: &[String]) -> Result<Group, String> {
        let mut g = Group::new(name.to_string());
        let usage = "use all, service_users, residents, district:<name>, income:q1…q4 or diagnosis:<name>, \
                     or several joined by `/`, as in district:<name>/service_users";
        for part in name.split('/') {
            let twice = |what: &str| format!("group `{name}` names {what} twice");
            match part {
                "all" => {}
                "service_users" | "residents" => {
                    if g.role.is_some() {
                        return Err(twice("a role"));
                    }
                    g.role = Some(if part == "residents" { Role::Resident } else { Role::ServiceUser });
                }
                _ => {
                    if let Some(d) = part.strip_prefix("district:") {
                        if g.district.is_some() {
                            return Err(twice("a district"));
                        }
                        g.district = Some(districts.iter().position(|x| x == d).map(|i| i as u8).ok_or_else(|| {
                            format!(
                                "unknown district `{d}`{}",
                                crate::error::did_you_mean(d, districts.iter().map(String::as_str))
                            )
                        })?);
                    } else if let Some(q) = part.strip_prefix("income:q") {
                        if g.income_quartile.is_some() {
                            return Err(twice("an income quartile"));
                        }
                        match q.parse::<u8>() {
                            Ok(q @ 1..=4) => g.income_quartile = Some(q - 1),
                            _ => return Err(format!("unknown income quartile `{part}` (use income:q1 … income:q4)")),
                        }
                    } else if let Some(d) = part.strip_prefix("diagnosis:") {
                        if g.diagnosis.is_some() {
                            return Err(twice("a diagnosis"));
                        }
                        match Diagnosis::ALL.iter().find(|x| x.name() == d) {
                            Some(x) => g.diagnosis = Some(*x),
                            None => {
                                return Err(format!(
                                    "unknown diagnosis `{d}`{}",
                                    crate::error::did_you_mean(d, Diagnosis::ALL.iter().map(|x| x.name()))
                                ))
                            }
                        }
                    } else {
                        return Err(format!("unknown group `{name}` ({usage})"));
                    }
                }
            }
        }
        Ok(g)
    }

    /// The standard groups reported for a town, in output order. Built from their filters, not parsed from
    /// their names, so any district name gives its groups.
    pub fn standard(districts: &[String]) -> Vec<Group> {
        let role = |name: &str, role: Option<Role>| Group { role, ..Group::new(name.to_string()) };
        let mut groups = vec![
            role("all", None),
            role("service_users", Some(Role::ServiceUser)),
            role("residents", Some(Role::Resident)),
        ];
        for (i, d) in districts.iter().enumerate() {
            let district = Some(i as u8);
            groups.push(Group { district, ..Group::new(format!("district:{d}")) });
            groups.push(Group {
                district,
                role: Some(Role::ServiceUser),
                ..Group::new(format!("district:{d}/service_users"))
            });
        }
        for q in 0..4u8 {
            groups.push(Group { income_quartile: Some(q), ..Group::new(format!("income:q{}", q + 1)) });
        }
        for d in Diagnosis::ALL {
            groups.push(Group { diagnosis: Some(d), ..Group::new(format!("diagnosis:{}", d.name())) });
        }
        groups
    }
}

/// A group's name in words, as a report or the explorer shows it: `district:north/service_users` → "service
/// users in north", `income:q1` → "the poorest quarter", `diagnosis:psychosis` → "people with psychosis".
/// Codes stay in the CSV files; a name that is not a group's is returned as it is.
pub fn describe(name: &str) -> String {
    let (mut role, mut district, mut quartile, mut diagnosis) = (None, None, None, None);
    for part in name.split('/') {
        match part {
            "all" => {}
            "service_users" => role = Some("service users"),
            "residents" => role = Some("residents"),
            _ => {
                if let Some(d) = part.strip_prefix("district:") {
                    district = Some(d);
                } else if let Some(q) = part.strip_prefix("income:q") {
                    quartile = Some(match q {
                        "1" => "the poorest quarter",
                        "2" => "the second-poorest quarter",
                        "3" => "the second-richest quarter",
                        "4" => "the richest quarter",
                        _ => return name.to_string(),
                    });
                } else if let Some(d) = part.strip_prefix("diagnosis:") {
                    diagnosis = Some(match d {
                        "none" => "no diagnosis",
                        "depression" => "depression",
                        "anxiety" => "an anxiety disorder",
                        "bipolar" => "bipolar disorder",
                        "psychosis" => "psychosis",
                        "personality" => "a personality disorder",
                        _ => return name.to_string(),
                    });
                } else {
                    return name.to_string();
                }
            }
        }
    }
    let mut out = match (role, quartile) {
        (None, Some(q)) => q.to_string(),
        (Some(r), Some(q)) => format!("{r} in {q}"),
        (Some(r), None) => r.to_string(),
        (None, None) if diagnosis.is_some() => "people".to_string(),
        (None, None) if district.is_some() => "everyone".to_string(),
        (None, None) => "everyone in the town".to_string(),
    };
    if let Some(d) = diagnosis {
        out.push_str(&format!(" with {d}"));
    }
    if let Some(d) = district {
        out.push_str(&format!(" in {d}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn group_codes_read_as_words() {
        assert_eq!(describe("all"), "everyone in the town");
        assert_eq!(describe("service_users"), "service users");
        assert_eq!(describe("district:north"), "everyone in north");
        assert_eq!(describe("district:north/service_users"), "service users in north");
        assert_eq!(describe("income:q1"), "the poorest quarter");
        assert_eq!(describe("district:north/income:q4"), "the richest quarter in north");
        assert_eq!(describe("diagnosis:psychosis"), "people with psychosis");
        assert_eq!(
            describe("district:north/service_users/diagnosis:personality"),
            "service users with a personality disorder in north"
        );
        assert_eq!(describe("district:Old Town/residents"), "residents in Old Town");
        assert_eq!(describe("income:q9"), "income:q9");
    }
}
