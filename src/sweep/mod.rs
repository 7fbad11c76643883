//! Parameter sweeps (`supportsim sweep`, `supportsim merge`): a base scenario, swept keys, a design, and
//! replicates. Each run (point × replicate) has its own seed derived from (root seed, point, replicate), so
//! its result does not depend on what else ran, in which order, on which thread or on which machine. Rows
//! stream to `runs.partial.csv` in run order as runs finish (a small reorder buffer holds runs that finish
//! early), which makes an interrupted sweep resumable from its last complete row and lets shards be
//! concatenated into exactly the file one machine would have written. See docs/sweeps.md.
//!
//! - [`spec`]: the sweep file, checked like a scenario (its `[[parameters]]` in `parameters`); [`domain`]: the
//!   design and each parameter's values; [`path`]: dotted paths into the scenario;
//! - [`design`]: grid, random, Latin hypercube and Saltelli/Sobol points;
//! - [`format`](mod@format): the folder's manifest, `runs.csv` rows, shards, and checks of a folder against its manifest;
//! - [`analysis`]: `points.csv` (each point over replicates) and `sensitivity.csv` (PRCC, Sobol indices);
//! - [`charts`]: tornado charts and two-parameter heatmaps;
//! - [`finished`]: the analysis of a finished sweep, `report` and `merge`;
//! - [`store`]: running a sweep or a shard into its folder, and resuming one;
//! - [`slurm`]: the sbatch array-job script.

pub mod analysis;
pub mod charts;
pub mod design;
pub mod domain;
pub mod estimate;
pub mod finished;
pub mod format;
mod parameters;
pub mod path;
pub mod slurm;
pub mod spec;
pub mod store;
pub mod summary;

pub use finished::merge;
pub use format::Shard;
pub use spec::{load, Design, Sweep};
pub use store::{run_sweep, RunOptions};

use crate::rng::{stream_key, Purpose};

/// The seed of run (point, replicate) of a sweep with root seed `root`: 53 bits, so it is a valid
/// `run.seed` and `supportsim run --seed` reproduces the run.
pub fn run_seed(root: u64, point: usize, replicate: u32) -> u64 {
    stream_key(root, replicate, Purpose::SweepSeed, 0, point as u64) >> 11
}
