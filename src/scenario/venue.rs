//! Validation of `[[venues]]`: each venue's name, district, kind, opening days, rituals, staff and budget.
//! Part of `validate`; problems carry dotted paths like `venues[3].open_days[1]`.

use super::checker::ScenarioChecker;
use super::names::NameKind;
use super::raw::{Num, RawVenue};
use super::*;
use crate::types::{weekday_index, WEEKDAYS};
use std::collections::{BTreeMap, HashMap};

const KINDS: &[&str] = &["meeting_place", "peer_cafe", "service", "commercial"];

pub(super) fn resolve_venue(c: &mut ScenarioChecker, i: usize, v: RawVenue, districts: &HashMap<&str, usize>) -> Venue {
    let path = format!("venues[{i}]");
    let name = c.name(&format!("{path}.name"), v.name, NameKind::Place);
    let district = match c.required(&format!("{path}.district"), v.district) {
        Some(d) => districts.get(d.as_str()).copied().unwrap_or_else(|| {
            let hint = c.hint(&d, districts.keys().copied());
            c.err(format!("{path}.district"), format!("unknown district `{d}`{hint}"));
            0
        }),
        None => 0,
    };
    let kind = match c.required(&format!("{path}.kind"), v.kind).as_deref() {
        Some("meeting_place") => VenueKind::MeetingPlace,
        Some("peer_cafe") => VenueKind::PeerCafe,
        Some("service") => VenueKind::Service,
        Some("commercial") => VenueKind::Commercial,
        Some(other) => {
            let hint = c.hint(other, KINDS.iter().copied());
            c.err(format!("{path}.kind"), format!("unknown kind `{other}`{hint} (use {})", KINDS.join(", ")));
            VenueKind::MeetingPlace
        }
        None => VenueKind::MeetingPlace,
    };
    let open_days = read_open_days(c, &path, v.open_days);
    let rituals = read_rituals(c, &path, v.rituals.unwrap_or_default(), &open_days);
    let (budget_nok, budget_full_nok) = read_budgets(c, &path, v.budget_nok, v.budget_full_nok, kind);
    Venue {
        name,
        district,
        kind,
        capacity: c.int(&format!("{path}.capacity"), v.capacity, 40, 1, 1_000_000) as u32,
        cost_nok: c.num(&format!("{path}.cost_nok"), v.cost_nok, 0.0, 0.0, 1e6),
        open_days,
        rituals,
        openness: c.num(&format!("{path}.openness"), v.openness, 0.7, 0.0, 1.0),
        professionals: c.int(&format!("{path}.professionals"), v.professionals, 0, 0, 10_000) as u32,
        volunteers: c.int(&format!("{path}.volunteers"), v.volunteers, 0, 0, 10_000) as u32,
        lived_experience_share: c.num(
            &format!("{path}.lived_experience_share"),
            v.lived_experience_share,
            0.0,
            0.0,
            1.0,
        ),
        stability: c.num(&format!("{path}.stability"), v.stability, 0.7, 0.0, 1.0),
        budget_nok,
        budget_full_nok,
        open: v.open.unwrap_or(true),
    }
}

/// `open_days`: weekdays, each once (Monday to Friday when absent).
fn read_open_days(c: &mut ScenarioChecker, path: &str, days: Option<Vec<String>>) -> [bool; 7] {
    let mut open_days = [true, true, true, true, true, false, false];
    if let Some(days) = days {
        open_days = [false; 7];
        for (j, d) in days.iter().enumerate() {
            match weekday_index(d) {
                Some(w) if open_days[w] => c.err(format!("{path}.open_days[{j}]"), format!("`{d}` is listed twice")),
                Some(w) => open_days[w] = true,
                None => {
                    let hint = c.hint(d, WEEKDAYS);
                    c.err(
                        format!("{path}.open_days[{j}]"),
                        format!("unknown weekday `{d}`{hint} (use {})", WEEKDAYS.join(", ")),
                    )
                }
            }
        }
    }
    open_days
}

/// `rituals`: a meal, a quiz or none on weekdays the venue is open.
fn read_rituals(
    c: &mut ScenarioChecker,
    path: &str,
    written: BTreeMap<String, String>,
    open_days: &[bool; 7],
) -> [Ritual; 7] {
    let mut rituals = [Ritual::None; 7];
    for (day, ritual) in written {
        let rpath = format!("{path}.rituals.{day}");
        let r = match ritual.as_str() {
            "meal" => Ritual::Meal,
            "quiz" => Ritual::Quiz,
            "none" => Ritual::None,
            other => {
                c.err(&rpath, format!("unknown ritual `{other}` (use meal, quiz or none)"));
                Ritual::None
            }
        };
        match weekday_index(&day) {
            Some(w) if open_days[w] => rituals[w] = r,
            Some(_) => c.err(&rpath, format!("the venue is not open on `{day}` (add it to open_days)")),
            None => {
                let hint = c.hint(&day, WEEKDAYS);
                c.err(&rpath, format!("unknown weekday `{day}`{hint}"))
            }
        }
    }
    rituals
}

/// `budget_nok` and `budget_full_nok`: a funded venue's budget, at most the budget of full service.
fn read_budgets(
    c: &mut ScenarioChecker,
    path: &str,
    budget: Option<Num>,
    budget_full: Option<Num>,
    kind: VenueKind,
) -> (f64, f64) {
    let budget_full_nok = c.num(&format!("{path}.budget_full_nok"), budget_full, 0.0, 0.0, 1e12);
    let budget_nok = c.num(&format!("{path}.budget_nok"), budget, budget_full_nok, 0.0, 1e12);
    if budget_nok > 0.0 && budget_full_nok == 0.0 {
        c.err(format!("{path}.budget_full_nok"), "is required when budget_nok is given (the budget of full service)");
    } else if budget_nok > budget_full_nok {
        c.err(
            format!("{path}.budget_nok"),
            format!(
                "must be at most budget_full_nok ({}), got {}: the service level is budget / full budget, \
                 and full service is the most a budget buys",
                crate::error::shown_number(budget_full_nok),
                crate::error::shown_number(budget_nok)
            ),
        );
    }
    if !kind.is_funded() && budget_full_nok > 0.0 {
        c.err(format!("{path}.budget_full_nok"), "commercial venues have no public budget");
    }
    (budget_nok, budget_full_nok)
}
