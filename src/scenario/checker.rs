//! The collector of a scenario's problems, with the checks of single values every part of validation uses:
//! numbers in a range, whole numbers, required keys, names, and "did you mean" hints.

use super::names::{check_name, NameKind};
use super::raw::Num;
use crate::error::did_you_mean;

/// Most "did you mean" hints one validation computes: each compares a word with every candidate, so a file
/// with thousands of the same mistake among thousands of venues stays linear in its size.
const MAX_HINTS: usize = 100;

/// Collects problems with their paths; files and lines are added at the end.
pub(super) struct ScenarioChecker {
    pub(super) problems: Vec<(String, String)>,
    hints: usize,
}

impl ScenarioChecker {
    pub(super) fn new() -> Self {
        ScenarioChecker { problems: Vec::new(), hints: 0 }
    }

    pub(super) fn err(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.problems.push((path.into(), msg.into()));
    }

    /// " (did you mean `x`?)" for the first [`MAX_HINTS`] unknown words, then "".
    pub(super) fn hint<'a>(&mut self, word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
        if self.hints >= MAX_HINTS {
            return String::new();
        }
        self.hints += 1;
        did_you_mean(word, candidates)
    }

    /// A number in [lo, hi], or the default when absent.
    pub(super) fn num(&mut self, path: &str, v: Option<Num>, default: f64, lo: f64, hi: f64) -> f64 {
        match v {
            None => default,
            Some(Num(x)) if x.is_finite() && x >= lo && x <= hi => x,
            Some(Num(x)) => {
                self.err(path, format!("must be between {} and {}, got {}", show(lo), show(hi), show(x)));
                default
            }
        }
    }

    /// A whole number in [lo, hi], or the default when absent.
    pub(super) fn int(&mut self, path: &str, v: Option<Num>, default: u64, lo: u64, hi: u64) -> u64 {
        match v {
            None => default,
            Some(Num(x)) if x.fract() == 0.0 && x >= lo as f64 && x <= hi as f64 => x as u64,
            Some(Num(x)) if x.is_finite() && x.fract() != 0.0 => {
                self.err(path, format!("must be a whole number, got {}", show(x)));
                default
            }
            Some(Num(x)) => {
                self.err(path, format!("must be between {lo} and {hi}, got {}", show(x)));
                default
            }
        }
    }

    /// A required name, checked against the rules of its kind; empty when absent.
    pub(super) fn name(&mut self, path: &str, v: Option<String>, kind: NameKind) -> String {
        match self.required(path, v) {
            Some(n) => {
                if let Err(m) = check_name(&n, kind) {
                    self.err(path, m);
                }
                n
            }
            None => String::new(),
        }
    }

    pub(super) fn required<T>(&mut self, path: &str, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.err(path, "is required");
        }
        v
    }
}

pub(super) fn show(x: f64) -> String {
    crate::error::shown_number(x)
}
