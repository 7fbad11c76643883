//! Integration tests, built as one binary so the suite stays fast. Each module is one concern.

mod common;

mod bad_command_lines;
mod bad_inputs;
mod browser;
mod calibration;
mod cli;
mod determinism;
mod explorer;
mod explorer_browser;
mod fuzz;
mod golden;
mod layers;
mod mechanisms;
mod output_folders;
mod patterns;
mod properties;
mod readme;
mod staff;
mod steady;
mod sweeps;
mod validation;
mod whatif;
