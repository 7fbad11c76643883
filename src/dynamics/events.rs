//! Events (the start of `begin_day`): applies a scenario's `[[events]]` to the running town on their day.
//! Events change venues (closures, budgets, fees, staff), money (subsidies), attitudes (anti-stigma
//! campaigns), access (lockdowns) and social media use. Choices an event needs (who is hired as a peer worker) come from the `Event` stream.

use crate::rng::{Purpose, Stream};
use crate::scenario::{Action, BudgetChange, Event, StaffRole};
use crate::types::{MentalState, Role, VenueIdx, NO_VENUE};
use crate::world::view::social_media_on_grid;
use crate::world::{Campaign, StaffKind, Subsidy, World};

fn scaled(change: BudgetChange, old: f64) -> f64 {
    match change {
        BudgetChange::Factor(f) => old * f,
        BudgetChange::Amount(a) => a,
    }
}

pub fn apply(world: &mut World, event: &Event, event_index: usize) {
    let scenario = world.scenario;
    let threshold = scenario.params.ritual_budget_threshold;
    let day = event.day;
    match &event.action {
        Action::CloseVenue { venue } => world.venues[*venue].open = false,
        Action::OpenVenue { venue } => world.venues[*venue].open = true,
        Action::SetVenueBudget { venue, change } => {
            let v = &mut world.venues[*venue];
            v.budget_nok = scaled(*change, v.budget_nok);
            v.apply_budget(&scenario.venues[*venue], threshold);
        }
        Action::SetDistrictBudget { district, change } => {
            let old = world.district_budget[*district];
            let new = scaled(*change, old);
            world.district_budget[*district] = new;
            // A factor scales the venues by itself, whatever the district's budget (a district may have none
            // given); an amount scales them by new / old (the validator refuses an amount for a district with
            // no budget).
            let factor = match change {
                BudgetChange::Factor(f) => *f,
                BudgetChange::Amount(_) if old > 0.0 => new / old,
                BudgetChange::Amount(_) => 1.0,
            };
            for (vi, v) in scenario.venues.iter().enumerate() {
                if v.district == *district && v.kind.is_funded() && v.budget_full_nok > 0.0 {
                    let state = &mut world.venues[vi];
                    state.budget_nok *= factor;
                    state.apply_budget(v, threshold);
                }
            }
        }
        Action::AddStaff { venue, role, count } => hire(world, event_index, day, *venue, *role, *count),
        Action::ActivitySubsidy { group, amount_weekly_nok, duration_days } => world.subsidies.push(Subsidy {
            group: group.clone(),
            amount_weekly_nok: *amount_weekly_nok as f32,
            until: duration_days.map(|d| day + d),
        }),
        Action::SetFee { venue, cost_nok } => world.venues[*venue].cost_nok = *cost_nok,
        Action::AntiStigmaCampaign { strength, duration_days } => {
            world.campaigns.push(Campaign { strength: *strength, start: day, end: day + duration_days })
        }
        Action::Lockdown { duration_days } => world.lockdown_until = world.lockdown_until.max(day + duration_days),
        Action::SocialMediaShift { delta } => {
            for a in &mut world.agents {
                a.social_media = social_media_on_grid(a.social_media + *delta as f32);
            }
        }
    }
}

/// Hires staff for a venue from its district: peer workers from well service users (they have lived
/// experience), professionals and volunteers from well residents. Chosen at random among those eligible.
fn hire(world: &mut World, event_index: usize, day: u32, venue: usize, role: StaffRole, count: u32) {
    let district = world.scenario.venues[venue].district as u8;
    let want_role = if role == StaffRole::PeerWorker { Role::ServiceUser } else { Role::Resident };
    let mut rng = Stream::new(world.scenario.run.seed, world.replicate, Purpose::Event, day, event_index as u64);
    let mut candidates: Vec<(u64, usize)> = world
        .agents
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            a.district == district
                && a.role == want_role
                && a.staff_venue == NO_VENUE
                && world.states[*i].mental == MentalState::Well
        })
        .map(|(i, _)| (rand::RngCore::next_u64(&mut rng), i))
        .collect();
    candidates.sort_unstable();
    for &(_, i) in candidates.iter().take(count as usize) {
        let a = &mut world.agents[i];
        a.staff_venue = venue as VenueIdx;
        a.staff_rank = world.staff[venue].len() as u16;
        a.staff_kind = match role {
            StaffRole::PeerWorker => StaffKind::PeerWorker,
            StaffRole::Professional => StaffKind::Professional,
            StaffRole::Volunteer => StaffKind::Volunteer,
        };
        if role == StaffRole::PeerWorker {
            a.lived_experience = true;
        }
        world.staff[venue].push(i as u32);
        world.venues[venue].extra_staff += 1;
    }
    world.venues[venue].apply_budget(&world.scenario.venues[venue], world.scenario.params.ritual_budget_threshold);
}
