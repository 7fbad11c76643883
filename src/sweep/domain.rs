//! The values a sweep varies: its design, each parameter's domain, and how a value is written and shown.

use super::path::Step;
use toml::Value;

/// How the points of a sweep are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Design {
    /// Every combination of every parameter's levels (first parameter slowest).
    Grid,
    /// Independent uniform draws (log-uniform for log ranges).
    Random,
    /// Latin hypercube: each parameter's range cut into `points` strata, each hit once.
    Lhs,
    /// Saltelli's scheme on a Sobol sequence, for Sobol indices: `points` base samples, each giving
    /// `parameters + 2` points.
    Sobol,
}

impl Design {
    pub const NAMES: [&'static str; 4] = ["grid", "random", "lhs", "sobol"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// The values a parameter takes.
#[derive(Clone, Debug, PartialEq)]
pub enum Domain {
    /// A list of values (numbers, strings or booleans), taken as given.
    Values(Vec<Value>),
    /// `[lo, hi]`, log-scaled when `log`; whole numbers when both ends are written as integers. A grid
    /// takes `levels` evenly spaced values.
    Range { lo: f64, hi: f64, log: bool, integer: bool, levels: Option<usize> },
}

impl Domain {
    /// The value at `u` in [0, 1): a point of the range, or one of the values (each equally likely).
    pub fn at_unit(&self, u: f64) -> Value {
        let u = u.clamp(0.0, 1.0);
        match self {
            Domain::Values(v) => v[((u * v.len() as f64) as usize).min(v.len() - 1)].clone(),
            Domain::Range { lo, hi, log, integer: true, .. } => {
                // Each whole number in [lo, hi] equally likely (log: equally likely in log space).
                let x = if *log {
                    ((lo - 0.5).ln() + u * ((hi + 0.5).ln() - (lo - 0.5).ln())).exp()
                } else {
                    lo - 0.5 + u * (hi - lo + 1.0)
                };
                Value::Integer(x.round().clamp(*lo, *hi) as i64)
            }
            Domain::Range { lo, hi, log, integer: false, .. } => {
                let x = if *log { (lo.ln() + u * (hi.ln() - lo.ln())).exp() } else { lo + u * (hi - lo) };
                Value::Float(x.clamp(*lo, *hi))
            }
        }
    }

    /// The grid levels: the values, or `levels` evenly spaced points from lo to hi.
    pub fn levels(&self) -> Vec<Value> {
        match self {
            Domain::Values(v) => v.clone(),
            Domain::Range { lo, hi, log, integer, levels } => {
                let n = levels.unwrap_or(2).max(2);
                (0..n)
                    .map(|i| {
                        let t = i as f64 / (n - 1) as f64;
                        let x = if *log { (lo.ln() + t * (hi.ln() - lo.ln())).exp() } else { lo + t * (hi - lo) };
                        let x = if i == 0 {
                            *lo
                        } else if i == n - 1 {
                            *hi
                        } else {
                            x
                        };
                        if *integer {
                            Value::Integer(x.round() as i64)
                        } else {
                            // 12 significant digits, so a log grid from 0.01 to 1 has 0.1, not 0.10000000000000002.
                            Value::Float(format!("{x:.11e}").parse().expect("a formatted number parses"))
                        }
                    })
                    .collect()
            }
        }
    }

    /// The number of grid levels, without making them.
    pub fn levels_len(&self) -> usize {
        match self {
            Domain::Values(v) => v.len(),
            Domain::Range { levels, .. } => levels.unwrap_or(2).max(2),
        }
    }

    /// The two ends (smallest and largest value), used to check the domain against the scenario.
    pub(super) fn ends(&self) -> Vec<Value> {
        match self {
            Domain::Values(v) => v.clone(),
            Domain::Range { lo, hi, integer: true, .. } => vec![Value::Integer(*lo as i64), Value::Integer(*hi as i64)],
            Domain::Range { lo, hi, .. } => vec![Value::Float(*lo), Value::Float(*hi)],
        }
    }

    /// True when every value is a number (so the parameter can enter a rank correlation or Sobol index).
    pub fn numeric(&self) -> bool {
        match self {
            Domain::Values(v) => v.iter().all(|x| as_number(x).is_some()),
            Domain::Range { .. } => true,
        }
    }
}

/// A number from a TOML value, if it is one.
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// A value as written in CSV: numbers in the shortest form that reads back to the same value, strings bare.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => crate::output::num(*f),
        Value::String(s) => s.clone(),
        Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A value as a message shows it: like [`value_text`], but a number too large or small for a line in
/// scientific notation.
pub fn value_shown(v: &Value) -> String {
    match v {
        Value::Float(f) => crate::error::shown_number(*f),
        other => value_text(other),
    }
}

/// A swept key of the scenario.
#[derive(Clone, Debug)]
pub struct Parameter {
    /// The dotted path as written (`params.habit_pull`, `venues.north_cafe.cost_nok`, `events[0].day`).
    pub path: String,
    pub steps: Vec<Step>,
    pub domain: Domain,
}

/// Most points a sweep may have (a typing slip in `levels` should not ask for a billion runs).
pub const MAX_POINTS: usize = 10_000_000;
/// Most values a design may hold in memory (points × parameters): a Latin hypercube keeps one stratum per
/// point and parameter, a Sobol design two coordinates.
pub const MAX_DESIGN_VALUES: usize = 100_000_000;

/// The number of points of a design, computed without building it; `None` when it overflows.
pub fn design_points(design: Design, samples: usize, parameters: &[Parameter]) -> Option<usize> {
    match design {
        Design::Grid => parameters.iter().try_fold(1usize, |n, p| n.checked_mul(p.domain.levels_len())),
        Design::Random | Design::Lhs => Some(samples),
        Design::Sobol => samples.checked_mul(parameters.len() + 2),
    }
}
