//! supportsim: a fast, parallel agent-based simulator of community support ecology.
//!
//! People with long-term mental-health challenges, residents, volunteers and professionals live in districts
//! and meet at venues (meeting places, peer cafés, services, commercial venues) on a weekly rhythm. Ties form
//! and fade; support flows along them in three layers; loneliness, hope and shame follow; mental states move
//! by hazards built from those. Events (closures, budget cuts, fees, peer workers, lockdowns, campaigns)
//! change the town, and a what-if is answered by paired runs on common random numbers.
//!
//! Bird's-eye view: scenario TOML → [`scenario::Scenario`] → [`population`] (town at day 0) → [`sim`] (days
//! through the phases in [`dynamics`]) → [`metrics`] → [`experiment`] (arms × replicates, paired effects) →
//! [`output`] (CSV, JSON). See ARCHITECTURE.md.

pub mod calibrate;
pub mod cancel;
pub mod cli;
pub mod dynamics;
pub mod error;
pub mod experiment;
pub mod explorer;
pub mod files;
pub mod groups;
pub mod metric_names;
pub mod metrics;
pub mod model;
pub mod output;
pub mod params;
pub mod population;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sensitivity;
pub mod sim;
pub mod sweep;
pub mod types;
pub mod world;

pub use error::{Error, Result};
pub use scenario::Scenario;
