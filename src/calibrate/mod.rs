//! Calibration of uncertain parameters against real-world targets: `supportsim calibrate TARGETS.toml`.
//!
//! A targets file names a base scenario, the free parameters with their search ranges, and the targets: a
//! statistic of the baseline town ([`stats::Statistic`]), the real-world value, a tolerance and a source.
//! The search minimises the sum over targets of `weight · ((simulated − value) / tolerance)²` by a compass
//! (generating-set) search in the unit box of the free parameters (Kolda, Lewis & Torczon 2003): from the
//! current point, try one step up and one step down along every parameter, move to the best if it improves,
//! else halve the step; stop at `min_step` or `max_evaluations`. Every point is evaluated on the same
//! replicates (common random numbers), so differences between points are not seed noise. The fitted values
//! are rounded to three significant digits, and the fit table is computed at the rounded values with
//! `check_replicates` replicates, so what the table reports is exactly what the committed defaults give.
//!
//! The result is a pure function of the targets file: same file, same output bytes, at any thread count.

pub mod stats;
pub mod targets;

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::experiment::mean_ci;
use crate::output::{Commit, Folder, Kind, Stage};
use crate::scenario::Scenario;
use rayon::prelude::*;
use stats::RunStats;
use std::fmt::Write as _;
pub use targets::{Calibration, FreeParameter, Target};

/// One evaluated point of the search.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub step: f64,
    pub values: Vec<f64>,
    pub loss: f64,
}

/// A target's simulated value at the fitted point.
#[derive(Clone, Debug)]
pub struct Fit {
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Fit {
    /// Whether the simulated mean lies within the target's tolerance.
    pub fn within(&self, target: &Target) -> bool {
        (self.mean - target.value).abs() <= target.tolerance
    }
}

/// What a calibration found.
pub struct CalibrationResult {
    pub fitted: Vec<f64>,
    pub loss: f64,
    pub fits: Vec<Fit>,
    pub history: Vec<Evaluation>,
    /// False for `--check` (the values are the scenario's, not a search's).
    pub searched: bool,
}

impl FreeParameter {
    fn to_value(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        if self.log {
            (self.lo.ln() + u * (self.hi.ln() - self.lo.ln())).exp()
        } else {
            self.lo + u * (self.hi - self.lo)
        }
    }

    fn to_unit(&self, x: f64) -> f64 {
        let u = if self.log {
            (x.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (x - self.lo) / (self.hi - self.lo)
        };
        u.clamp(0.0, 1.0)
    }
}

/// Rounds to three significant digits (integer parameters to whole numbers).
pub fn round_value(name: &str, x: f64) -> f64 {
    if crate::params::INTEGER_PARAMS.contains(&name) {
        return x.round();
    }
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 2 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

impl Calibration {
    /// The base scenario with the free parameters set.
    pub fn scenario_at(&self, values: &[f64]) -> Scenario {
        let mut s = self.scenario.clone();
        for (f, &x) in self.parameters.iter().zip(values) {
            s.params.set(&f.name, x);
        }
        s
    }

    fn simulate(&self, points: &[Vec<f64>], replicates: u32, cancel: &Cancel) -> Result<Vec<Vec<RunStats>>> {
        let scenarios: Vec<Scenario> = points.iter().map(|v| self.scenario_at(v)).collect();
        let trial = self.targets.iter().any(|t| t.statistic.needs_trial());
        let jobs: Vec<(usize, u32)> = (0..points.len()).flat_map(|p| (0..replicates).map(move |r| (p, r))).collect();
        let mut runs: Vec<(usize, RunStats)> = jobs
            .par_iter()
            .map(|&(p, r)| (p, stats::measure(&scenarios[p], r, cancel.clone(), trial)))
            .collect::<Vec<_>>();
        if cancel.requested() {
            return Err(Error::Interrupted);
        }
        let mut out: Vec<Vec<RunStats>> = (0..points.len()).map(|_| Vec::new()).collect();
        for (p, run) in runs.drain(..) {
            out[p].push(run);
        }
        Ok(out)
    }

    /// Per target, the statistic in each run.
    fn target_values(&self, values: &[f64], runs: &[RunStats]) -> Vec<Vec<f64>> {
        let s = self.scenario_at(values);
        self.targets.iter().map(|t| runs.iter().map(|r| stats::value(&t.statistic, &s, r)).collect()).collect()
    }

    fn loss(&self, per_target: &[Vec<f64>]) -> f64 {
        self.targets
            .iter()
            .zip(per_target)
            .map(|(t, v)| {
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                let z = (mean - t.value) / t.tolerance;
                if z.is_finite() {
                    t.weight * z * z
                } else {
                    f64::INFINITY
                }
            })
            .sum()
    }

    /// Runs the search and the final check. `progress` is called after each batch of evaluations with
    /// (evaluations so far, the budget). A set `cancel` stops it with [`Error::Interrupted`].
    pub fn search(&self, mut progress: impl FnMut(usize, usize), cancel: Cancel) -> Result<CalibrationResult> {
        let start: Vec<f64> = self
            .parameters
            .iter()
            .map(|f| f.to_unit(self.scenario.params.get(&f.name).expect("validated parameter name")))
            .collect();
        let values = |u: &[f64]| -> Vec<f64> { self.parameters.iter().zip(u).map(|(f, &x)| f.to_value(x)).collect() };
        let mut history = Vec::new();
        let evaluate = |units: &[Vec<f64>], step: f64, history: &mut Vec<Evaluation>| -> Result<Vec<f64>> {
            let points: Vec<Vec<f64>> = units.iter().map(|u| values(u)).collect();
            let runs = self.simulate(&points, self.replicates, &cancel)?;
            Ok(points
                .into_iter()
                .zip(runs)
                .map(|(v, r)| {
                    let loss = self.loss(&self.target_values(&v, &r));
                    history.push(Evaluation { step, values: v, loss });
                    loss
                })
                .collect())
        };
        let mut x = start;
        let mut fx = evaluate(std::slice::from_ref(&x), 0.0, &mut history)?[0];
        let mut step = self.initial_step;
        progress(history.len(), self.max_evaluations);
        while step >= self.min_step && history.len() < self.max_evaluations {
            let mut polls: Vec<Vec<f64>> = Vec::new();
            for i in 0..x.len() {
                for dir in [1.0, -1.0] {
                    let mut y = x.clone();
                    y[i] = (y[i] + dir * step).clamp(0.0, 1.0);
                    if y[i] != x[i] && !polls.contains(&y) {
                        polls.push(y);
                    }
                }
            }
            polls.truncate(self.max_evaluations - history.len());
            let losses = evaluate(&polls, step, &mut history)?;
            progress(history.len(), self.max_evaluations);
            // The first best in poll order wins ties, so the path is deterministic.
            let best = losses.iter().enumerate().fold(None, |acc: Option<(usize, f64)>, (i, &l)| match acc {
                Some((_, b)) if b <= l => acc,
                _ => Some((i, l)),
            });
            match best {
                Some((i, l)) if l < fx => {
                    x = polls[i].clone();
                    fx = l;
                }
                _ => step /= 2.0,
            }
        }
        let fitted: Vec<f64> = self.parameters.iter().zip(values(&x)).map(|(f, v)| round_value(&f.name, v)).collect();
        let mut outcome = self.check_at(fitted, &cancel)?;
        outcome.history = history;
        outcome.searched = true;
        Ok(outcome)
    }

    /// The fit table at the scenario's own values of the free parameters, without searching
    /// (`supportsim calibrate --check`): how well the current defaults meet the targets.
    pub fn check(&self, cancel: Cancel) -> Result<CalibrationResult> {
        let current = self
            .parameters
            .iter()
            .map(|f| self.scenario.params.get(&f.name).expect("validated parameter name"))
            .collect();
        self.check_at(current, &cancel)
    }

    fn check_at(&self, fitted: Vec<f64>, cancel: &Cancel) -> Result<CalibrationResult> {
        let runs = self.simulate(std::slice::from_ref(&fitted), self.check_replicates, cancel)?.remove(0);
        let per_target = self.target_values(&fitted, &runs);
        let loss = self.loss(&per_target);
        let fits = per_target
            .iter()
            .map(|v| {
                let (mean, ci_low, ci_high) = mean_ci(v);
                Fit { mean, ci_low, ci_high }
            })
            .collect();
        Ok(CalibrationResult { fitted, loss, fits, history: Vec::new(), searched: false })
    }
}

/// Writes `fitted.toml`, `fit.csv` and `search.csv` into a stage of the claimed output folder and commits
/// it.
pub fn write(
    cal: &Calibration,
    outcome: &CalibrationResult,
    mut folder: Folder,
    dir: Stage,
    command_line: &[String],
    cancel: &Cancel,
) -> Result<()> {
    let manifest = {
        let mut toml = String::new();
        if outcome.searched {
            let _ = writeln!(toml, "# Fitted by `supportsim calibrate {}`.", cal.file.display());
        } else {
            let _ = writeln!(toml, "# The values checked by `supportsim calibrate {} --check`.", cal.file.display());
        }
        let _ = writeln!(toml, "# Loss at these values ({} replicates): {:.3}", cal.check_replicates, outcome.loss);
        let _ =
            writeln!(toml, "# Copy them into a scenario's [params] table, or make them the defaults in src/params.rs.");
        let _ = writeln!(toml, "[parameters]");
        for (f, v) in cal.parameters.iter().zip(&outcome.fitted) {
            let _ = writeln!(toml, "{} = {}", f.name, v);
        }
        let path = dir.path("fitted.toml");
        std::fs::write(&path, toml).map_err(|e| Error::write(&path, e))?;

        let path = dir.path("fit.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| Error::write(&path, std::io::Error::other(e)))?;
        let err = |e: csv::Error| Error::write(dir.path("fit.csv"), std::io::Error::other(e));
        w.write_record([
            "target",
            "statistic",
            "value",
            "tolerance",
            "weight",
            "simulated",
            "ci_low",
            "ci_high",
            "within_tolerance",
            "source",
        ])
        .map_err(err)?;
        for (t, f) in cal.targets.iter().zip(&outcome.fits) {
            w.write_record([
                t.name.clone(),
                t.statistic.describe(),
                crate::output::num(t.value),
                crate::output::num(t.tolerance),
                crate::output::num(t.weight),
                format!("{:.4}", f.mean),
                format!("{:.4}", f.ci_low),
                format!("{:.4}", f.ci_high),
                if f.within(t) { "yes" } else { "no" }.into(),
                t.source.clone(),
            ])
            .map_err(err)?;
        }
        w.flush().map_err(|e| Error::write(dir.path("fit.csv"), e))?;

        let path = dir.path("search.csv");
        let mut w = csv::Writer::from_path(&path).map_err(|e| Error::write(&path, std::io::Error::other(e)))?;
        let err = |e: csv::Error| Error::write(dir.path("search.csv"), std::io::Error::other(e));
        let mut header = vec!["evaluation".to_string(), "step".to_string()];
        header.extend(cal.parameters.iter().map(|f| f.name.clone()));
        header.push("loss".into());
        w.write_record(&header).map_err(err)?;
        for (i, e) in outcome.history.iter().enumerate() {
            let mut row = vec![i.to_string(), format!("{}", e.step)];
            row.extend(e.values.iter().map(|v| format!("{v:.6}")));
            row.push(format!("{:.6}", e.loss));
            w.write_record(&row).map_err(err)?;
        }
        w.flush().map_err(|e| Error::write(dir.path("search.csv"), e))?;

        serde_json::json!({
            "supportsim_version": env!("CARGO_PKG_VERSION"),
            "command_line": command_line,
            "targets_file": cal.file.display().to_string(),
            "evaluations": outcome.history.len(),
            "loss": outcome.loss,
        })
    };
    folder.commit(dir, Kind::Calibration, manifest, Commit::Replace, cancel).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_to_three_significant_digits() {
        assert_eq!(round_value("leisure_share", 0.0456789), 0.0457);
        assert_eq!(round_value("friend_ties_resident", 7.891), 7.89);
        assert_eq!(round_value("max_ties", 14.6), 15.0);
        assert_eq!(round_value("x", 0.0), 0.0);
    }

    #[test]
    fn unit_box_maps_both_ways() {
        let lin = FreeParameter { name: "a".into(), lo: 1.0, hi: 3.0, log: false };
        let log = FreeParameter { name: "b".into(), lo: 0.001, hi: 0.1, log: true };
        assert_eq!(lin.to_value(0.5), 2.0);
        assert!((log.to_value(0.5) - 0.01).abs() < 1e-12);
        for u in [0.0, 0.3, 1.0] {
            assert!((lin.to_unit(lin.to_value(u)) - u).abs() < 1e-12);
            assert!((log.to_unit(log.to_value(u)) - u).abs() < 1e-12);
        }
        assert_eq!(lin.to_unit(10.0), 1.0, "outside values are clamped into the box");
    }
}
