//! The strengths of the network's ties over a long run without events: for residents and for service users
//! (a tie with a service user at either end counts as a service user's) on each day asked for, the number and
//! mean strength of kin ties, friendships, venue ties known for over a year and venue ties made in the past
//! year, with their quantiles at 0, 5%, …, 100%, and the mean hope. The start's tie strengths
//! (`src/population/start_strengths.rs`) are the quantiles of the default town at year 20:
//!
//!     cargo run --release --example tie_strengths -- scenarios/baseline.toml 7280
//!     cargo run --release --example tie_strengths -- scenarios/baseline.toml 0,182,728,1820,3640

use std::path::Path;
use supportsim::types::Role;
use supportsim::world::network::TieKind;
use supportsim::world::World;
use supportsim::Scenario;

/// "n, mean, 21 quantiles" of a sample (sorted in place).
fn describe(v: &mut [f32]) -> String {
    if v.is_empty() {
        return "n=0".into();
    }
    v.sort_by(f32::total_cmp);
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
    let q: Vec<String> = (0..=20).map(|k| format!("{:.3}", v[(v.len() - 1) * k / 20])).collect();
    format!("n={} mean={mean:.3} quantiles=[{}]", v.len(), q.join(", "))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: tie_strengths SCENARIO DAY[,DAY...]");
        std::process::exit(2);
    }
    let scenario = Scenario::from_file(Path::new(&args[1])).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let days: Vec<u32> = args[2]
        .split(',')
        .map(|x| {
            x.trim().parse().unwrap_or_else(|_| {
                eprintln!("DAY must be whole numbers separated by commas, not {x:?}");
                std::process::exit(2)
            })
        })
        .collect();
    let last = days.iter().copied().max().unwrap_or(0);
    let mut world = World::new(&scenario, 0);
    for day in 0..=last {
        if days.contains(&day) {
            for role in [Role::Resident, Role::ServiceUser] {
                let (mut kin, mut friend, mut mature, mut young) = (vec![], vec![], vec![], vec![]);
                let (mut agents, mut hope) = (0usize, 0f64);
                for i in (0..world.agents.len()).filter(|&i| world.agents[i].role == role) {
                    agents += 1;
                    hope += world.states[i].hope as f64;
                    for t in world.network.ties(i as u32) {
                        let su = role == Role::ServiceUser || world.agents[t.other as usize].role == Role::ServiceUser;
                        // A resident's tie with a service user counts as the service user's.
                        if role == Role::Resident && su {
                            continue;
                        }
                        match t.kind() {
                            TieKind::Kin => kin.push(t.strength),
                            TieKind::Friend => friend.push(t.strength),
                            TieKind::Venue if day as i32 - t.formed_day() < 365 => young.push(t.strength),
                            TieKind::Venue => mature.push(t.strength),
                        }
                    }
                }
                println!("day {day}, {role:?}: {agents} agents, mean hope {:.3}", hope / agents.max(1) as f64);
                println!("  kin          {}", describe(&mut kin));
                println!("  friend       {}", describe(&mut friend));
                println!("  venue >1 yr  {}", describe(&mut mature));
                println!("  venue <1 yr  {}", describe(&mut young));
            }
        }
        if day < last {
            world.step(day, &[], None);
        }
    }
}
