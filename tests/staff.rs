//! Staff that matter: each kind of staff acts through its own mechanisms (docs/ODD.md §7.1–§7.4): who is on duty,
//! the welcome professionals, volunteers and peer workers give newcomers, professionals' continuity and
//! follow-up, volunteers who keep rituals running through a cut. Outcome comparisons are paired by replicate
//! and pass only when the 95% interval of the paired difference excludes zero.

use crate::common::*;
use supportsim::types::{Ritual, NO_VENUE};
use supportsim::world::World;
use supportsim::Scenario;

/// The test town with a_meeting's budget at `level` of full service (1 professional, 3 volunteers).
fn cut(level: f64, extra: &str) -> Scenario {
    town_with_venue("a_meeting", "budget_nok", &format!("{}", (level * 1_000_000.0).round()), extra)
}

/// Staff whom the service level leaves off the rota are visitors when they come to their own venue: they queue
/// at the door, give no staff support and do not count as working; staff on duty always work there.
#[test]
fn staff_off_duty_are_visitors_at_their_own_venue() {
    // At a quarter of the budget one of a_meeting's four staff is on duty; its volunteers like the place.
    let s = cut(0.25, "[params]\nresident_public_venue_pull = 1.0\n");
    let mut world = World::new(&s, 0);
    let v = s.venue_index("a_meeting").unwrap() as u16;
    let (mut off_duty_there, mut on_duty_there) = (0, 0);
    for day in 0..140 {
        let mut w = world.clone();
        let ctx = w.begin_day(day, &[]);
        w.going_out(&ctx);
        w.meeting(&ctx);
        for (i, a) in w.agents.iter().enumerate() {
            let on_duty = ctx.on_duty(a, w.states[i].mental);
            assert_eq!(w.daily[i].working, on_duty, "agent {i} on day {day}");
            if a.staff_venue == v && w.venue_today[i] == v {
                if on_duty {
                    on_duty_there += 1;
                } else {
                    off_duty_there += 1;
                }
            }
        }
        world.step(day, &[], None);
    }
    assert!(on_duty_there > 0 && off_duty_there > 0, "{on_duty_there} on duty, {off_duty_there} off duty there");
}

/// Staff hired by an event are on duty on every open day, whatever the venue's budget; the configured staff
/// follow the service level.
#[test]
fn hired_staff_work_whatever_the_budget() {
    let s = cut(
        0.25,
        "[[events]]\nday = 0\naction = \"add_staff\"\nvenue = \"a_meeting\"\nrole = \"professional\"\ncount = 2\n",
    );
    let v = s.venue_index("a_meeting").unwrap();
    let (world, ctx) = wednesday(&s);
    let rota: Vec<bool> = (0..world.staff[v].len()).map(|rank| ctx.on_rota(v, rank)).collect();
    assert_eq!(rota, [true, false, false, false, true, true], "one configured (of four) and both hired");
}

/// The town of `s` on Wednesday of the first week (a_meeting's ritual day, the last it keeps under a cut), with
/// the day's context; events of day 0 applied.
fn wednesday(s: &Scenario) -> (World<'_>, supportsim::dynamics::DayContext) {
    let mut world = World::new(s, 0);
    let events: Vec<(usize, &supportsim::scenario::Event)> = s.events.iter().enumerate().collect();
    world.step(0, &events, None);
    world.step(1, &[], None);
    let ctx = world.begin_day(2, &[]);
    (world, ctx)
}

/// Volunteers keep a venue's rituals running when a cut has dropped them: with the service level below
/// `ritual_budget_threshold`, Wednesday's meal runs only while `ritual_volunteers` volunteers are on duty.
#[test]
fn volunteers_keep_rituals_running_through_a_cut() {
    let meal = meal_on_wednesday;
    let with_volunteers = |n: u32, extra: &str| edit_venue(cut(0.45, extra), "a_meeting", |v| v.volunteers = n);
    assert_eq!(meal(&cut(1.0, "")), Ritual::Meal);
    assert_eq!(meal(&cut(0.45, "")), Ritual::None, "the cut drops the meal");
    // Of 1 professional and 7 volunteers, nearest(0.45 × 8) = 4 on duty: 3 volunteers keep the meal.
    assert_eq!(meal(&with_volunteers(7, "")), Ritual::Meal, "three volunteers on duty keep it running");
    assert_eq!(meal(&with_volunteers(7, "[params]\nritual_volunteers = 4\n")), Ritual::None);
    // Of 1 and 5, nearest(0.45 × 6) = 3 on duty: 2 volunteers are too few.
    assert_eq!(meal(&with_volunteers(5, "")), Ritual::None, "two volunteers on duty are too few");
}

/// Staff hired by an event cover days and rituals a cut took away: at half the budget a_meeting keeps its two
/// ritual days without the meal; one more staff member (a quarter of the four configured) brings back Monday and
/// the meal.
#[test]
fn hired_staff_cover_what_a_cut_took_away() {
    let hire = "[[events]]\nday = 0\naction = \"add_staff\"\nvenue = \"a_meeting\"\nrole = \"professional\"\n";
    let v = town("").venue_index("a_meeting").unwrap();
    let days = |s: &Scenario| wednesday(s).0.venues[v].open_days.iter().filter(|&&d| d).count();
    assert_eq!(days(&cut(0.5, "")), 2);
    assert_eq!(meal_on_wednesday(&cut(0.5, "")), Ritual::None);
    assert_eq!(days(&cut(0.5, hire)), 3);
    assert_eq!(meal_on_wednesday(&cut(0.5, hire)), Ritual::Meal);
}

fn meal_on_wednesday(s: &Scenario) -> Ritual {
    wednesday(s).1.ritual_today[s.venue_index("a_meeting").unwrap()]
}

/// Professionals give a venue continuity: each one on duty beyond the configured ones makes it steadier, and a
/// cut that takes them off duty makes it less steady.
#[test]
fn professionals_on_duty_steady_the_venue() {
    let stability_on_wednesday = |s: &Scenario| wednesday(s).1.stability[s.venue_index("a_meeting").unwrap()];
    let configured = stability_on_wednesday(&cut(1.0, ""));
    assert_eq!(configured, 0.85);
    let hired = stability_on_wednesday(&cut(
        1.0,
        "[[events]]\nday = 0\naction = \"add_staff\"\nvenue = \"a_meeting\"\nrole = \"professional\"\ncount = 2\n",
    ));
    assert!((hired - (1.0 - 0.15 * 0.85f32.powi(2))).abs() < 1e-6, "{hired}");
    // At a quarter of the budget only the professional (first in the list) is on duty: still as configured.
    assert_eq!(stability_on_wednesday(&cut(0.25, "")), 0.85);
    let two = town_with_venue("a_meeting", "professionals", "2", "");
    let one_of_two = stability_on_wednesday(&edit_venue(two, "a_meeting", |v| v.budget_nok = 200_000.0));
    assert!((one_of_two - (1.0 - 0.15 / 0.85f32)).abs() < 1e-6, "{one_of_two}");
}

/// Staff welcome newcomers (visitors for whom the venue is not this weekday's habit) and introduce them; a
/// welcome brings people back, so without it fewer service users come to the meeting place.
#[test]
fn staff_welcome_newcomers_who_then_come_back() {
    let s = town("");
    let mut world = World::new(&s, 0);
    for day in 0..28 {
        world.step(day, &[], None);
    }
    let ctx = world.begin_day(28, &[]); // Monday
    let habits: Vec<_> = world.states.iter().map(|st| st.habit_venue[0]).collect();
    world.going_out(&ctx);
    world.meeting(&ctx);
    let welcomed: Vec<usize> = (0..world.agents.len()).filter(|&i| world.daily[i].welcomed).collect();
    assert!(!welcomed.is_empty());
    for &i in &welcomed {
        let v = world.venue_today[i];
        assert!(v != NO_VENUE && habits[i] != v && !world.daily[i].working, "agent {i} is a newcomer at {v}");
        assert!(world.staff[v as usize].iter().any(|&a| world.daily[a as usize].working), "staff at {v}");
    }

    let mut with = town("[params]\nstaff_welcomes_per_day = 6\n");
    let mut without = town("[params]\nstaff_welcomes_per_day = 0\n");
    (with.run.replicates, without.run.replicates) = (8, 8);
    let g = "district:a/service_users";
    let (w, wo) = (run(&with), run(&without));
    let attended = |e| per_replicate(e, 0, g, "attended_share");
    assert!(paired_greater(&attended(&w), &attended(&wo)), "{:?} vs {:?}", attended(&w), attended(&wo));
}

/// Professionals follow up service users who are unwell and stayed in, with practical help and information.
#[test]
fn professionals_follow_up_people_at_home() {
    let with = run(&town("[params]\nprofessional_followups_per_day = 4\n"));
    let without = run(&town("[params]\nprofessional_followups_per_day = 0\n"));
    let g = "district:a/service_users";
    let support = |e| per_replicate(e, 0, g, "support_instrumental");
    assert!(paired_greater(&support(&with), &support(&without)), "{:?} vs {:?}", support(&with), support(&without));
}

/// Each kind of staff acts through its own mechanism, on top of being one more person at the venue: with four
/// hired at the meeting place, professionals who follow people up raise service users' practical support,
/// volunteers who welcome newcomers bring more of them to a venue, and peer workers who reach out cut crises,
/// each against the same hires with that mechanism off (same seeds).
#[test]
fn each_staff_kind_acts_through_its_own_mechanism() {
    let hire = |kind: &str, params: &str| {
        let mut s = town(&format!(
            "[params]\n{params}\n[[events]]\nday = 112\naction = \"add_staff\"\nvenue = \"a_meeting\"\nrole = \"{kind}\"\ncount = 4\n"
        ));
        s.run.replicates = 8;
        run(&s)
    };
    let g = "district:a/service_users";
    let scenario_arm = |e, metric| per_replicate(e, 1, g, metric);
    let (on, off) = (
        hire("professional", "professional_followups_per_day = 2"),
        hire("professional", "professional_followups_per_day = 0"),
    );
    let m = "support_instrumental";
    assert!(paired_greater(&scenario_arm(&on, m), &scenario_arm(&off, m)), "professionals' follow-ups");
    let (on, off) = (hire("volunteer", "staff_welcomes_per_day = 4"), hire("volunteer", "staff_welcomes_per_day = 0"));
    let m = "attended_share";
    assert!(paired_greater(&scenario_arm(&on, m), &scenario_arm(&off, m)), "volunteers' welcome");
    let (on, off) =
        (hire("peer_worker", "peer_outreach_per_day = 2"), hire("peer_worker", "peer_outreach_per_day = 0"));
    let m = "crisis_share";
    assert!(paired_greater(&scenario_arm(&off, m), &scenario_arm(&on, m)), "peer workers' outreach");
}

/// A newcomer whom the staff welcomed gains `welcome_habit_gain` of the remaining gap to a full habit, on top of
/// the visit's own `habit_gain`; other visitors gain the visit's alone.
#[test]
fn a_welcome_strengthens_the_newcomers_habit() {
    let s = town("");
    let p = s.params.to_f32();
    let mut world = World::new(&s, 0);
    for day in 0..28 {
        world.step(day, &[], None);
    }
    let before: Vec<f32> = world.states.iter().map(|st| st.habit_strength[0]).collect();
    let mut ctx = world.begin_day(28, &[]); // Monday
    world.going_out(&ctx);
    world.meeting(&ctx);
    world.outreach(&ctx);
    let (welcomed, visiting): (Vec<bool>, Vec<bool>) = (0..world.agents.len())
        .map(|i| (world.daily[i].welcomed, world.venue_today[i] != NO_VENUE && !world.daily[i].working))
        .unzip();
    world.support(&mut ctx);
    world.inner(&mut ctx);
    assert!(welcomed.iter().any(|&w| w));
    for i in (0..world.agents.len()).filter(|&i| visiting[i]) {
        let h = before[i] + p.habit_gain * (1.0 - before[i]);
        let expected = if welcomed[i] { h + p.welcome_habit_gain * (1.0 - h) } else { h };
        assert_eq!(world.states[i].habit_strength[0], expected, "agent {i}, welcomed: {}", welcomed[i]);
    }
}

/// Only staff at work reach out: the practical help that follow-ups bring people at home is exactly
/// `professional_followups_per_day` × `staff_support` per working professional of a district with someone to
/// reach, and a professional off duty who came to its own venue adds none.
#[test]
fn staff_off_duty_reach_no_one() {
    // At a fifth of the budget one of a_meeting's six professionals is on the rota; the other five are off duty,
    // go out often and like the place.
    let params = "[params]\nresident_public_venue_pull = 1.0\np_go_out_resident = 0.5\n\
                  professional_followups_per_day = 2\npeer_outreach_per_day = 0\n";
    let s = edit_venue(cut(0.2, params), "a_meeting", |v| (v.professionals, v.volunteers) = (6, 0));
    let p = &s.params;
    let mut world = World::new(&s, 0);
    let mut off_duty_came = 0;
    for day in 0..56 {
        let mut w = world.clone();
        let ctx = w.begin_day(day, &[]);
        w.going_out(&ctx);
        w.meeting(&ctx);
        let at_home = |w: &World, i: usize| w.venue_today[i] == NO_VENUE;
        let before: f64 = (0..w.agents.len()).filter(|&i| at_home(&w, i)).map(|i| w.daily[i].instrumental as f64).sum();
        let reachable = |d: u8| {
            (0..w.agents.len()).any(|i| {
                let (a, st) = (&w.agents[i], &w.states[i]);
                a.district == d && at_home(&w, i) && supportsim::dynamics::outreach::unwell_service_user(a, st)
            })
        };
        let working: usize = (0..w.agents.len())
            .filter(|&i| {
                let a = &w.agents[i];
                a.staff_kind == supportsim::world::StaffKind::Professional
                    && w.daily[i].working
                    && reachable(s.venues[a.staff_venue as usize].district as u8)
            })
            .count();
        off_duty_came += (0..w.agents.len())
            .filter(|&i| {
                let a = &w.agents[i];
                a.staff_kind == supportsim::world::StaffKind::Professional
                    && w.venue_today[i] == a.staff_venue
                    && !w.daily[i].working
            })
            .count();
        w.outreach(&ctx);
        let after: f64 = (0..w.agents.len()).filter(|&i| at_home(&w, i)).map(|i| w.daily[i].instrumental as f64).sum();
        let expected = working as f64 * p.professional_followups_per_day * p.staff_support;
        assert!((after - before - expected).abs() < 1e-3, "day {day}: {} given, {expected} expected", after - before);
        world.step(day, &[], None);
    }
    assert!(off_duty_came > 0, "a professional off duty came to its own venue");
}
