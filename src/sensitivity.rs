//! One-at-a-time sensitivity of a what-if's headline effect (`supportsim oat`): which assumptions the answer
//! leans on. Each parameter is set to a low and a high value in turn, all others at the scenario's values,
//! and the what-if is rerun on the same seeds; the table reports the headline effect at each setting with
//! its 95% interval and the swing (high minus low). Global designs (Sobol, PRCC) belong to sweeps; this is
//! the quick, readable check a policy report needs.

use crate::error::{Error, Result};
use crate::experiment::{self, Options};
use crate::params::PARAM_SPECS;
use crate::scenario::Scenario;

/// A parameter to vary and its two settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Variation {
    pub name: String,
    pub low: f64,
    pub high: f64,
}

impl Variation {
    /// Parses `name` (half and one and a half times the scenario's value, kept in the valid range) or
    /// `name=low,high`.
    pub fn parse(text: &str, scenario: &Scenario) -> Result<Variation, String> {
        let (name, range) = match text.split_once('=') {
            Some((n, r)) => (n.trim(), Some(r)),
            None => (text.trim(), None),
        };
        let spec = PARAM_SPECS.iter().find(|s| s.name == name).ok_or_else(|| {
            format!(
                "unknown parameter `{name}`{}",
                crate::error::did_you_mean(name, PARAM_SPECS.iter().map(|s| s.name))
            )
        })?;
        let (low, high) = match range {
            None => {
                let v = scenario.params.get(name).expect("known parameter");
                let at = |f: f64| crate::calibrate::round_value(name, (f * v).clamp(spec.min, spec.max));
                (at(0.5), at(1.5))
            }
            Some(r) => {
                let parts: Vec<Result<f64, _>> = r.split(',').map(|x| x.trim().parse::<f64>()).collect();
                match parts[..] {
                    [Ok(a), Ok(b)] if a < b => (a, b),
                    _ => return Err(format!("`{text}`: write name=low,high with low below high")),
                }
            }
        };
        if low < spec.min || high > spec.max {
            return Err(format!("`{name}` must stay within {} – {}", spec.min, spec.max));
        }
        if crate::params::INTEGER_PARAMS.contains(&name) && (low.fract() != 0.0 || high.fract() != 0.0) {
            return Err(format!("`{name}` takes whole numbers"));
        }
        Ok(Variation { name: name.to_string(), low, high })
    }
}

/// The headline effect at one setting.
#[derive(Clone, Debug)]
pub struct Point {
    pub value: f64,
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// One row of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub name: String,
    pub low: Point,
    pub high: Point,
}

impl Row {
    pub fn swing(&self) -> f64 {
        self.high.difference - self.low.difference
    }
}

/// What `oat` found: the headline at the scenario's own values and one row per parameter, largest swing
/// first.
pub struct Sensitivity {
    pub group: String,
    pub metric: String,
    pub reference: Point,
    pub rows: Vec<Row>,
}

fn headline(s: &Scenario, options: &Options, value: f64) -> Result<Point> {
    let exp = experiment::run_experiment(s, options, None)?;
    let (group, metric) = s.headline();
    let e = exp
        .effects
        .as_ref()
        .and_then(|es| es.iter().find(|e| e.group == group && e.metric == metric))
        .ok_or_else(|| Error::Usage(format!("no headline effect {metric} of {group}")))?;
    Ok(Point { value, difference: e.difference, ci_low: e.ci_low, ci_high: e.ci_high })
}

/// Runs the what-if at the scenario's values and at each variation's low and high value.
pub fn one_at_a_time(
    scenario: &Scenario,
    variations: &[Variation],
    options: &Options,
    mut done: impl FnMut(usize),
) -> Result<Sensitivity> {
    if scenario.events.is_empty() {
        return Err(Error::Usage(format!("`{}` has no events, so it has no effect to analyse", scenario.name)));
    }
    let (group, metric) = scenario.headline();
    let reference = headline(scenario, options, f64::NAN)?;
    done(1);
    let mut rows = Vec::new();
    for (k, v) in variations.iter().enumerate() {
        let at = |x: f64| -> Result<Point> {
            let mut s = scenario.clone();
            s.params.set(&v.name, x);
            headline(&s, options, x)
        };
        let low = at(v.low)?;
        done(2 + 2 * k);
        let high = at(v.high)?;
        done(3 + 2 * k);
        rows.push(Row { name: v.name.clone(), low, high });
    }
    // Largest swing first; the order of the input breaks ties, so the table is deterministic.
    rows.sort_by(|a, b| b.swing().abs().total_cmp(&a.swing().abs()));
    Ok(Sensitivity { group, metric, reference, rows })
}

/// Writes `oat.csv`.
pub fn write_csv(path: &std::path::Path, s: &Sensitivity) -> Result<()> {
    let err = |e: csv::Error| Error::write(path, std::io::Error::other(e));
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(["parameter", "setting", "value", "group", "metric", "difference", "ci_low", "ci_high"])
        .map_err(err)?;
    let num = crate::output::num;
    let mut row = |name: &str, setting: &str, p: &Point| {
        w.write_record([
            name,
            setting,
            &num(p.value),
            &s.group,
            &s.metric,
            &num(p.difference),
            &num(p.ci_low),
            &num(p.ci_high),
        ])
    };
    row("(scenario values)", "reference", &s.reference).map_err(err)?;
    for r in &s.rows {
        row(&r.name, "low", &r.low).map_err(err)?;
        row(&r.name, "high", &r.high).map_err(err)?;
    }
    w.flush().map_err(|e| Error::write(path, e))
}
