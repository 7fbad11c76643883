//! Validation of `[[events]]`: each event's action and keys, and the checks that need the whole timeline
//! (closing a venue that is already closed). Part of `validate`; problems carry dotted paths like
//! `events[3].venue`.

use super::checker::ScenarioChecker;
use super::raw::{Num, RawEvent};
use super::*;
use std::collections::HashMap;

pub const ACTIONS: &[&str] = &[
    "close_venue",
    "open_venue",
    "set_budget",
    "add_staff",
    "activity_subsidy",
    "remove_fee",
    "set_fee",
    "anti_stigma_campaign",
    "lockdown",
    "social_media_shift",
];

/// The keys each action takes besides `day`, `action` and `note`; any other key on an event is a mistake
/// (it would be ignored).
const ACTION_KEYS: &[(&str, &[&str])] = &[
    ("close_venue", &["venue"]),
    ("open_venue", &["venue"]),
    ("set_budget", &["venue", "district", "factor", "amount"]),
    ("add_staff", &["venue", "role", "count"]),
    ("activity_subsidy", &["group", "amount_weekly_nok", "duration_days"]),
    ("remove_fee", &["venue"]),
    ("set_fee", &["venue", "cost_nok"]),
    ("anti_stigma_campaign", &["strength", "duration_days"]),
    ("lockdown", &["duration_days"]),
    ("social_media_shift", &["delta"]),
];

/// What events are checked against: the town validated so far and its names, looked up in constant time.
pub(super) struct Town<'a> {
    pub scenario: &'a Scenario,
    pub venue_index: &'a HashMap<String, usize>,
    pub district_index: &'a HashMap<&'a str, usize>,
}

/// The keys an event was written with, by name.
fn written_keys(e: &RawEvent) -> Vec<&'static str> {
    let present = [
        ("venue", e.venue.is_some()),
        ("district", e.district.is_some()),
        ("factor", e.factor.is_some()),
        ("amount", e.amount.is_some()),
        ("role", e.role.is_some()),
        ("count", e.count.is_some()),
        ("group", e.group.is_some()),
        ("amount_weekly_nok", e.amount_weekly_nok.is_some()),
        ("cost_nok", e.cost_nok.is_some()),
        ("strength", e.strength.is_some()),
        ("duration_days", e.duration_days.is_some()),
        ("delta", e.delta.is_some()),
    ];
    present.iter().filter(|(_, p)| *p).map(|(k, _)| *k).collect()
}

pub(super) fn resolve_event(c: &mut ScenarioChecker, i: usize, e: RawEvent, town: &Town) -> Option<Event> {
    let path = format!("events[{i}]");
    let days = town.scenario.run.days;
    let day = c.required(&format!("{path}.day"), e.day);
    let day = day.map(|d| c.int(&format!("{path}.day"), Some(d), 0, 0, days.saturating_sub(1) as u64) as u32);
    let action = c.required(&format!("{path}.action"), e.action.clone())?;
    if let Some((_, takes)) = ACTION_KEYS.iter().find(|(a, _)| *a == action) {
        for key in written_keys(&e) {
            if !takes.contains(&key) {
                c.err(
                    format!("{path}.{key}"),
                    format!("`{key}` does not apply to {action}, which takes {}", takes.join(", ")),
                );
            }
        }
    }
    let day = day?;
    let r = EventReader { path, e: &e, town };
    let action = match action.as_str() {
        "close_venue" => Action::CloseVenue { venue: r.venue(c)? },
        "open_venue" => Action::OpenVenue { venue: r.venue(c)? },
        "set_budget" => r.set_budget(c)?,
        "add_staff" => r.add_staff(c)?,
        "activity_subsidy" => r.activity_subsidy(c)?,
        "remove_fee" => Action::SetFee { venue: r.venue(c)?, cost_nok: 0.0 },
        "set_fee" => {
            let venue = r.venue(c)?;
            Action::SetFee { venue, cost_nok: r.required_num(c, "cost_nok", e.cost_nok, 0.0, 1e6)? }
        }
        "anti_stigma_campaign" => {
            let strength = r.required_num(c, "strength", e.strength, 0.0, 1.0)?;
            Action::AntiStigmaCampaign { strength, duration_days: r.duration(c, true)? }
        }
        "lockdown" => Action::Lockdown { duration_days: r.duration(c, true)? },
        "social_media_shift" => Action::SocialMediaShift { delta: r.required_num(c, "delta", e.delta, -1.0, 1.0)? },
        other => {
            let hint = c.hint(other, ACTIONS.iter().copied());
            c.err(format!("{}.action", r.path), format!("unknown action `{other}`{hint} (use {})", ACTIONS.join(", ")));
            return None;
        }
    };
    Some(Event { day, action, note: e.note })
}

/// One event's keys, read against the town; `path` is where the event is (`events[3]`).
struct EventReader<'a> {
    path: String,
    e: &'a RawEvent,
    town: &'a Town<'a>,
}

impl EventReader<'_> {
    /// The required number `key`, within [lo, hi].
    fn required_num(&self, c: &mut ScenarioChecker, key: &str, value: Option<Num>, lo: f64, hi: f64) -> Option<f64> {
        let path = format!("{}.{key}", self.path);
        let v = c.required(&path, value)?;
        Some(c.num(&path, Some(v), 0.0, lo, hi))
    }

    /// The event's `venue`, which the town must have.
    fn venue(&self, c: &mut ScenarioChecker) -> Option<usize> {
        let path = &self.path;
        let name = c.required(&format!("{path}.venue"), self.e.venue.clone())?;
        let found = self.town.venue_index.get(&name).copied();
        if found.is_none() {
            let hint = c.hint(&name, self.town.venue_index.keys().map(String::as_str));
            c.err(format!("{path}.venue"), format!("unknown venue `{name}`{hint}"));
        }
        found
    }

    /// `duration_days`, when given (or `required`).
    fn duration(&self, c: &mut ScenarioChecker, required: bool) -> Option<u32> {
        let p = format!("{}.duration_days", self.path);
        if required {
            c.required(&p, self.e.duration_days)?;
        }
        self.e.duration_days.map(|d| c.int(&p, Some(d), 1, 1, 36_500) as u32)
    }

    /// A budget's `factor` or `amount`, exactly one.
    fn budget_change(&self, c: &mut ScenarioChecker) -> Option<BudgetChange> {
        let path = &self.path;
        match (self.e.factor, self.e.amount) {
            (Some(f), None) => Some(BudgetChange::Factor(c.num(&format!("{path}.factor"), Some(f), 1.0, 0.0, 100.0))),
            (None, Some(a)) => Some(BudgetChange::Amount(c.num(&format!("{path}.amount"), Some(a), 0.0, 0.0, 1e12))),
            _ => {
                c.err(path, "set_budget needs exactly one of `factor` or `amount`");
                None
            }
        }
    }

    /// `set_budget` of a venue (which must have a budget) or of a district.
    fn set_budget(&self, c: &mut ScenarioChecker) -> Option<Action> {
        let (path, venues, districts) = (&self.path, &self.town.scenario.venues, &self.town.scenario.districts);
        match (&self.e.venue, &self.e.district) {
            (Some(_), None) => {
                let v = self.venue(c)?;
                let change = self.budget_change(c)?;
                if venues[v].budget_full_nok == 0.0 {
                    c.err(
                        format!("{path}.venue"),
                        format!("venue `{}` has no budget (give it budget_full_nok)", venues[v].name),
                    );
                }
                Some(Action::SetVenueBudget { venue: v, change })
            }
            (None, Some(d)) => {
                let Some(di) = self.town.district_index.get(d.as_str()).copied() else {
                    let hint = c.hint(d, districts.iter().map(|x| x.name.as_str()));
                    c.err(format!("{path}.district"), format!("unknown district `{d}`{hint}"));
                    return None;
                };
                let change = self.budget_change(c)?;
                if matches!(change, BudgetChange::Amount(_)) && districts[di].budget_nok == 0.0 {
                    c.err(format!("{path}.amount"), format!("district `{d}` has no budget_nok to scale from"));
                }
                Some(Action::SetDistrictBudget { district: di, change })
            }
            _ => {
                c.err(path, "set_budget needs exactly one of `venue` or `district`");
                None
            }
        }
    }

    /// `add_staff`: a number of peer workers, professionals or volunteers at a venue.
    fn add_staff(&self, c: &mut ScenarioChecker) -> Option<Action> {
        let path = &self.path;
        let v = self.venue(c)?;
        let role = match c.required(&format!("{path}.role"), self.e.role.clone())?.as_str() {
            "peer_worker" => StaffRole::PeerWorker,
            "professional" => StaffRole::Professional,
            "volunteer" => StaffRole::Volunteer,
            other => {
                c.err(
                    format!("{path}.role"),
                    format!("unknown role `{other}` (use peer_worker, professional or volunteer)"),
                );
                return None;
            }
        };
        let count = c.int(&format!("{path}.count"), self.e.count, 1, 1, 10_000) as u32;
        Some(Action::AddStaff { venue: v, role, count })
    }

    /// `activity_subsidy`: a weekly amount for a group of the town, for a while or for good.
    fn activity_subsidy(&self, c: &mut ScenarioChecker) -> Option<Action> {
        let path = &self.path;
        let names: Vec<String> = self.town.scenario.districts.iter().map(|d| d.name.clone()).collect();
        let gname = self.e.group.clone().unwrap_or_else(|| "service_users".into());
        let group = match crate::groups::Group::parse(&gname, &names) {
            Ok(g) => g,
            Err(msg) => {
                c.err(format!("{path}.group"), msg);
                return None;
            }
        };
        let amount_weekly_nok = self.required_num(c, "amount_weekly_nok", self.e.amount_weekly_nok, 0.0, 1e6)?;
        Some(Action::ActivitySubsidy { group, amount_weekly_nok, duration_days: self.duration(c, false) })
    }
}

/// Checks that only make sense over the whole timeline: closing a venue that is already closed, opening one
/// that is open, and hiring more staff in a district than it has people to hire from.
pub(super) fn check_event_sequence(c: &mut ScenarioChecker, events: &[(usize, Event)], scenario: &Scenario) {
    let venues = &scenario.venues;
    let mut order: Vec<&(usize, Event)> = events.iter().collect();
    order.sort_by_key(|(i, e)| (e.day, *i));
    let mut open: Vec<bool> = venues.iter().map(|v| v.open).collect();
    // People hired so far, per district: peer workers from its service users, others from its residents.
    let mut hired: HashMap<(usize, bool), u64> = HashMap::new();
    for (i, e) in order {
        match e.action {
            Action::CloseVenue { venue } => {
                if !open[venue] {
                    c.err(
                        format!("events[{i}].venue"),
                        format!("venue `{}` is already closed on day {}", venues[venue].name, e.day),
                    );
                }
                open[venue] = false;
            }
            Action::OpenVenue { venue } => {
                if open[venue] {
                    c.err(
                        format!("events[{i}].venue"),
                        format!("venue `{}` is already open on day {}", venues[venue].name, e.day),
                    );
                }
                open[venue] = true;
            }
            Action::AddStaff { venue, role, count } => {
                let district = venues[venue].district;
                let peer = role == StaffRole::PeerWorker;
                let total = hired.entry((district, peer)).or_default();
                *total += count as u64;
                let pool = hiring_pool(scenario, district, peer);
                if *total > pool {
                    let (whom, d) = (if peer { "service users" } else { "residents" }, &scenario.districts[district]);
                    c.err(
                        format!("events[{i}].count"),
                        format!(
                            "district `{}` has about {pool} {whom} to hire from, fewer than the {total} its events \
                             hire by day {}",
                            d.name, e.day
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// About how many people of a district staff can be hired from: its service users for peer workers, its
/// residents for the others (as the population is built: the venues' staff first, then the rest by share).
fn hiring_pool(s: &Scenario, district: usize, service_users: bool) -> u64 {
    let staff: u64 = s.venues.iter().map(|v| (v.professionals + v.volunteers) as u64).sum();
    let rest = (s.population.n_agents as u64).saturating_sub(staff) as f64;
    let role_share =
        if service_users { s.population.service_user_share } else { 1.0 - s.population.service_user_share };
    (rest * role_share * s.districts[district].population_share).floor() as u64
}
