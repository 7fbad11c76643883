//! A census of the network over a long run, without events: per role, the mean number of ties of each kind,
//! the venue ties' mean strength and how many are strong or young (formed in the past year), the share whose
//! tie list is full (`max_ties`), and the lonely share. docs/validation.md §1 uses it to show where the venue
//! dynamics keep the network and that the start is already there.
//!
//!     cargo run --release --example network_census -- scenarios/baseline.toml 7280 364 > census.csv

use std::path::Path;
use supportsim::types::Role;
use supportsim::world::network::TieKind;
use supportsim::world::World;
use supportsim::Scenario;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: network_census SCENARIO DAYS [EVERY_DAYS]");
        std::process::exit(2);
    }
    let scenario = Scenario::from_file(Path::new(&args[1])).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let days: u32 = args[2].parse().expect("DAYS is a whole number");
    let every: u32 = args.get(3).map_or(182, |x| x.parse().expect("EVERY_DAYS is a whole number"));
    let p = &scenario.params;
    let mut world = World::new(&scenario, 0);
    println!("day,role,agents,kin,friend,venue,venue_strength,venue_strong,venue_young,full_share,lonely_share");
    for day in 0..=days {
        if day % every == 0 {
            for role in [Role::Resident, Role::ServiceUser] {
                let (mut n, mut kin, mut friend, mut venue, mut strength, mut strong, mut young, mut lonely, mut full) =
                    (0usize, 0usize, 0usize, 0usize, 0f64, 0usize, 0usize, 0usize, 0usize);
                for i in (0..world.agents.len()).filter(|&i| world.agents[i].role == role) {
                    n += 1;
                    lonely += (world.states[i].loneliness >= p.lonely_threshold as f32) as usize;
                    full += (world.network.ties(i as u32).len() == world.network.max_ties) as usize;
                    for t in world.network.ties(i as u32) {
                        match t.kind() {
                            TieKind::Kin => kin += 1,
                            TieKind::Friend => friend += 1,
                            TieKind::Venue => {
                                venue += 1;
                                strength += t.strength as f64;
                                strong += (t.strength > p.strong_tie_threshold as f32) as usize;
                                young += (day as i32 - t.formed_day() < 365) as usize;
                            }
                        }
                    }
                }
                let per = |x: usize| x as f64 / n.max(1) as f64;
                println!(
                    "{day},{},{n},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.4}",
                    if role == Role::Resident { "resident" } else { "service_user" },
                    per(kin),
                    per(friend),
                    per(venue),
                    strength / venue.max(1) as f64,
                    per(strong),
                    per(young),
                    per(full),
                    per(lonely)
                );
            }
        }
        if day < days {
            world.step(day, &[], None);
        }
    }
}
