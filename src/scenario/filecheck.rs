//! Checks shared by the files that are not scenarios but are read like them (calibration targets, sweeps):
//! every problem is collected with its file, line and key, so a user sees them all at once.

use crate::error::did_you_mean;
use crate::error::Problem;
use crate::scenario::load::Loaded;
use toml::{Table, Value};

/// Collects problems in a file read with [`crate::scenario::load::load`].
pub struct FileChecker<'a> {
    pub loaded: &'a Loaded,
    pub problems: Vec<Problem>,
}

impl<'a> FileChecker<'a> {
    pub fn new(loaded: &'a Loaded) -> Self {
        FileChecker { loaded, problems: Vec::new() }
    }

    pub fn problem(&mut self, path: &str, message: impl Into<String>) {
        let (file, line) = self.loaded.locate(path);
        self.problems.push(Problem { file, line, path: path.into(), message: message.into() });
    }

    pub fn unknown_keys(&mut self, table: &Table, known: &[&str], prefix: &str) {
        for key in table.keys() {
            if !known.contains(&key.as_str()) {
                let hint = did_you_mean(key, known.iter().copied());
                self.problem(&format!("{prefix}{key}"), format!("unknown key `{key}`{hint}"));
            }
        }
    }

    /// Element `i` of an array of tables, with its unknown keys reported; None (and a problem) if it is not
    /// a table.
    pub fn element<'v>(&mut self, v: &'v Value, array: &str, i: usize, known: &[&str]) -> Option<&'v Table> {
        let Some(t) = v.as_table() else {
            self.problem(&format!("{array}[{i}]"), "must be a table");
            return None;
        };
        self.unknown_keys(t, known, &format!("{array}[{i}]."));
        Some(t)
    }

    /// A finite number, or None (with a problem, unless the key is absent).
    pub fn number(&mut self, table: &Table, key: &str, path: &str) -> Option<f64> {
        match table.get(key) {
            None => None,
            Some(Value::Integer(i)) => Some(*i as f64),
            Some(Value::Float(f)) if f.is_finite() => Some(*f),
            Some(Value::Float(f)) => {
                self.problem(path, format!("must be a finite number, got {f}"));
                None
            }
            Some(_) => {
                self.problem(path, "must be a number");
                None
            }
        }
    }

    pub fn string(&mut self, table: &Table, key: &str, path: &str) -> Option<String> {
        match table.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.problem(path, "must be a string in quotes");
                None
            }
        }
    }

    /// `key` as true or false; false when absent, and when not a boolean (reported at `path`).
    pub fn flag(&mut self, table: &Table, key: &str, path: &str) -> bool {
        match table.get(key) {
            None => false,
            Some(Value::Boolean(b)) => *b,
            Some(_) => {
                self.problem(path, "must be true or false");
                false
            }
        }
    }

    pub fn positive_int(&mut self, table: &Table, key: &str, default: u64, min: u64) -> u64 {
        match table.get(key) {
            None => default,
            Some(Value::Integer(i)) if *i >= min as i64 => *i as u64,
            Some(v) => {
                let got = match v {
                    Value::Integer(i) => format!(", got {i}"),
                    Value::Float(f) => format!(", got {}", crate::error::shown_number(*f)),
                    _ => String::new(),
                };
                self.problem(key, format!("must be a whole number of at least {min}{got}"));
                default
            }
        }
    }
}
