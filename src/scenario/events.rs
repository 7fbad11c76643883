//! Validation of `[[events]]`: each event's action and keys, and the checks that need the whole timeline
//! (closing a venue that is already closed). Part of `validate`; problems carry dotted paths like
//! `events[3].venue`.

use super::raw::RawEvent;
use super::validate::Checker;
use super::*;

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

pub(super) fn resolve_event(
    c: &mut Checker,
    i: usize,
    e: RawEvent,
    venue_names: &[&str],
    venues: &[Venue],
    districts: &[District],
    days: u32,
) -> Option<Event> {
    let path = format!("events[{i}]");
    let day = c.required(&format!("{path}.day"), e.day);
    let day = day.map(|d| c.int(&format!("{path}.day"), Some(d), 0, 0, days.saturating_sub(1) as u64) as u32);
    let action = c.required(&format!("{path}.action"), e.action.clone())?;
    let day = day?;
    let venue = |c: &mut Checker| -> Option<usize> {
        let name = c.required(&format!("{path}.venue"), e.venue.clone())?;
        let found = venue_names.iter().position(|v| *v == name);
        if found.is_none() {
            c.err(
                format!("{path}.venue"),
                format!("unknown venue `{name}`{}", did_you_mean(&name, venue_names.iter().copied())),
            );
        }
        found
    };
    let budget_change = |c: &mut Checker| -> Option<BudgetChange> {
        match (e.factor, e.amount) {
            (Some(f), None) => Some(BudgetChange::Factor(c.num(&format!("{path}.factor"), Some(f), 1.0, 0.0, 100.0))),
            (None, Some(a)) => Some(BudgetChange::Amount(c.num(&format!("{path}.amount"), Some(a), 0.0, 0.0, 1e12))),
            _ => {
                c.err(&path, "set_budget needs exactly one of `factor` or `amount`");
                None
            }
        }
    };
    let duration = |c: &mut Checker, required: bool| -> Option<u32> {
        let p = format!("{path}.duration_days");
        if required {
            c.required(&p, e.duration_days)?;
        }
        e.duration_days.map(|d| c.int(&p, Some(d), 1, 1, 36_500) as u32)
    };
    let action = match action.as_str() {
        "close_venue" => Action::CloseVenue { venue: venue(c)? },
        "open_venue" => Action::OpenVenue { venue: venue(c)? },
        "set_budget" => match (&e.venue, &e.district) {
            (Some(_), None) => {
                let v = venue(c)?;
                let change = budget_change(c)?;
                if venues[v].budget_full_nok == 0.0 {
                    c.err(
                        format!("{path}.venue"),
                        format!("venue `{}` has no budget (give it budget_full_nok)", venues[v].name),
                    );
                }
                Action::SetVenueBudget { venue: v, change }
            }
            (None, Some(d)) => {
                let Some(di) = districts.iter().position(|x| x.name == *d) else {
                    c.err(
                        format!("{path}.district"),
                        format!("unknown district `{d}`{}", did_you_mean(d, districts.iter().map(|x| x.name.as_str()))),
                    );
                    return None;
                };
                let change = budget_change(c)?;
                if matches!(change, BudgetChange::Amount(_)) && districts[di].budget_nok == 0.0 {
                    c.err(format!("{path}.amount"), format!("district `{d}` has no budget_nok to scale from"));
                }
                Action::SetDistrictBudget { district: di, change }
            }
            _ => {
                c.err(&path, "set_budget needs exactly one of `venue` or `district`");
                return None;
            }
        },
        "add_staff" => {
            let v = venue(c)?;
            let role = match c.required(&format!("{path}.role"), e.role.clone())?.as_str() {
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
            let count = c.int(&format!("{path}.count"), e.count, 1, 1, 10_000) as u32;
            Action::AddStaff { venue: v, role, count }
        }
        "activity_subsidy" => {
            let names: Vec<String> = districts.iter().map(|d| d.name.clone()).collect();
            let gname = e.group.clone().unwrap_or_else(|| "service_users".into());
            let group = match crate::groups::Group::parse(&gname, &names) {
                Ok(g) => g,
                Err(msg) => {
                    c.err(format!("{path}.group"), msg);
                    return None;
                }
            };
            let amount = c.required(&format!("{path}.amount_weekly_nok"), e.amount_weekly_nok)?;
            let amount_weekly_nok = c.num(&format!("{path}.amount_weekly_nok"), Some(amount), 0.0, 0.0, 1e6);
            Action::ActivitySubsidy { group, amount_weekly_nok, duration_days: duration(c, false) }
        }
        "remove_fee" => Action::SetFee { venue: venue(c)?, cost_nok: 0.0 },
        "set_fee" => {
            let v = venue(c)?;
            let cost = c.required(&format!("{path}.cost_nok"), e.cost_nok)?;
            Action::SetFee { venue: v, cost_nok: c.num(&format!("{path}.cost_nok"), Some(cost), 0.0, 0.0, 1e6) }
        }
        "anti_stigma_campaign" => {
            let s = c.required(&format!("{path}.strength"), e.strength)?;
            let strength = c.num(&format!("{path}.strength"), Some(s), 0.0, 0.0, 1.0);
            Action::AntiStigmaCampaign { strength, duration_days: duration(c, true)? }
        }
        "lockdown" => Action::Lockdown { duration_days: duration(c, true)? },
        "social_media_shift" => {
            let d = c.required(&format!("{path}.delta"), e.delta)?;
            Action::SocialMediaShift { delta: c.num(&format!("{path}.delta"), Some(d), 0.0, -1.0, 1.0) }
        }
        other => {
            c.err(
                format!("{path}.action"),
                format!(
                    "unknown action `{other}`{} (use {})",
                    did_you_mean(other, ACTIONS.iter().copied()),
                    ACTIONS.join(", ")
                ),
            );
            return None;
        }
    };
    Some(Event { day, action, note: e.note })
}

/// Checks that only make sense over the whole timeline: closing a venue that is already closed.
pub(super) fn check_event_sequence(c: &mut Checker, events: &[Event], venues: &[Venue]) {
    let mut order: Vec<(usize, &Event)> = events.iter().enumerate().collect();
    order.sort_by_key(|(i, e)| (e.day, *i));
    let mut open: Vec<bool> = venues.iter().map(|v| v.open).collect();
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
            Action::OpenVenue { venue } => open[venue] = true,
            _ => {}
        }
    }
}
