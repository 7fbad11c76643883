//! The one error type of supportsim. Errors live at the edges (files, parsing, validation, output); the model
//! core cannot fail. Every message names what a user can act on: the file, the line, the key.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file the offending key was written in, when known.
    pub file: Option<String>,
    /// 1-based line in that file, when known.
    pub line: Option<usize>,
    /// Dotted TOML path, e.g. `venues[2].capacity`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in a scenario, in file order.
#[derive(Clone, Debug)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(f, "{n} problem{} in the scenario:", if n == 1 { "" } else { "s" })?;
        for p in &self.0 {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Scenario(Problems),
    /// Problems in a calibration targets file.
    #[error("{}", .0.to_string().replacen("in the scenario", "in the targets file", 1))]
    Targets(Problems),
    /// Problems in a sweep file.
    #[error("{}", .0.to_string().replacen("in the scenario", "in the sweep file", 1))]
    Sweep(Problems),
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
    #[error("interrupted: stopped before finishing; nothing was left that looks complete")]
    Interrupted,
    /// A sweep stopped by Ctrl-C or SIGTERM: its finished runs stay in the folder for `--resume`.
    #[error(
        "interrupted: {done} of {total} runs are saved in {}; run the same command with --resume to go on",
        dir.display()
    )]
    SweepInterrupted { dir: PathBuf, done: usize, total: usize },
}

impl Error {
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Read { path: path.into(), source }
    }

    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Write { path: path.into(), source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A number as a message echoes it: whole numbers in full up to 10^18 (a seed), others as written for
/// ordinary sizes, and in scientific notation when they would take more than a line's worth of digits
/// (`1e300`, not three hundred digits).
pub fn shown_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e18 {
        format!("{}", x as i64)
    } else if x.is_finite() && x != 0.0 && (x.abs() >= 1e15 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// " (did you mean `x`?)" when a candidate is close to `word`, else "".
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}
