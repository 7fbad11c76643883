//! Reading a saved output folder (manifest.json, timeseries.csv, effects.csv, venues.csv) into the summaries
//! that charts and the report need. Nothing here simulates.

use crate::error::{Error, Result};
use crate::experiment::mean_ci;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One row of effects.csv.
#[derive(Clone, Debug)]
pub struct EffectRow {
    pub group: String,
    pub metric: String,
    pub baseline_mean: f64,
    pub scenario_mean: f64,
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Mean and 95% interval over replicates per recording day.
#[derive(Clone, Debug, Default)]
pub struct Band {
    pub days: Vec<u32>,
    pub mean: Vec<f64>,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
}

pub struct Saved {
    pub dir: PathBuf,
    pub manifest: serde_json::Value,
    /// (arm, group, metric) → per replicate, per day values.
    series: BTreeMap<(String, String, String), BTreeMap<u32, Vec<f64>>>,
    pub effects: Vec<EffectRow>,
    /// (arm, venue) → per day mean attendance over replicates.
    pub venues: BTreeMap<(String, String), Vec<(u32, f64)>>,
    pub arms: Vec<String>,
}

fn read_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Read { path: path.to_path_buf(), source: std::io::Error::other(e.to_string()) }
}

fn parse(s: &str) -> f64 {
    if s.is_empty() {
        f64::NAN
    } else {
        s.parse().unwrap_or(f64::NAN)
    }
}

impl Saved {
    pub fn load(dir: &Path) -> Result<Saved> {
        let mpath = dir.join("manifest.json");
        let text = std::fs::read_to_string(&mpath).map_err(|e| Error::Read { path: mpath.clone(), source: e })?;
        let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| read_err(&mpath, e))?;

        let tpath = dir.join("timeseries.csv");
        let mut rdr = csv::Reader::from_path(&tpath).map_err(|e| read_err(&tpath, e))?;
        let header: Vec<String> = rdr.headers().map_err(|e| read_err(&tpath, e))?.iter().map(str::to_string).collect();
        let mut series: BTreeMap<(String, String, String), BTreeMap<u32, Vec<f64>>> = BTreeMap::new();
        let mut arms: Vec<String> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| read_err(&tpath, e))?;
            let arm = rec[0].to_string();
            let day: u32 = rec[2].parse().map_err(|e| read_err(&tpath, e))?;
            let group = rec[3].to_string();
            if !arms.contains(&arm) {
                arms.push(arm.clone());
            }
            for (k, metric) in header.iter().enumerate().skip(4) {
                series
                    .entry((arm.clone(), group.clone(), metric.clone()))
                    .or_default()
                    .entry(day)
                    .or_default()
                    .push(parse(&rec[k]));
            }
        }

        let mut effects = Vec::new();
        let epath = dir.join("effects.csv");
        if epath.exists() {
            let mut rdr = csv::Reader::from_path(&epath).map_err(|e| read_err(&epath, e))?;
            for rec in rdr.records() {
                let r = rec.map_err(|e| read_err(&epath, e))?;
                effects.push(EffectRow {
                    group: r[0].to_string(),
                    metric: r[1].to_string(),
                    baseline_mean: parse(&r[2]),
                    scenario_mean: parse(&r[3]),
                    difference: parse(&r[4]),
                    ci_low: parse(&r[5]),
                    ci_high: parse(&r[6]),
                });
            }
        }

        let vpath = dir.join("venues.csv");
        let mut sums: BTreeMap<(String, String), BTreeMap<u32, (f64, usize)>> = BTreeMap::new();
        let mut rdr = csv::Reader::from_path(&vpath).map_err(|e| read_err(&vpath, e))?;
        for rec in rdr.records() {
            let r = rec.map_err(|e| read_err(&vpath, e))?;
            let day: u32 = r[2].parse().map_err(|e| read_err(&vpath, e))?;
            let e = sums.entry((r[0].to_string(), r[3].to_string())).or_default().entry(day).or_insert((0.0, 0));
            e.0 += parse(&r[5]);
            e.1 += 1;
        }
        let venues = sums
            .into_iter()
            .map(|(k, v)| (k, v.into_iter().map(|(d, (s, n))| (d, s / n.max(1) as f64)).collect()))
            .collect();
        Ok(Saved { dir: dir.to_path_buf(), manifest, series, effects, venues, arms })
    }

    /// Mean and 95% interval over replicates of a metric for a group in an arm, per recording day.
    pub fn band(&self, arm: &str, group: &str, metric: &str) -> Band {
        let mut b = Band::default();
        if let Some(days) = self.series.get(&(arm.to_string(), group.to_string(), metric.to_string())) {
            for (day, vals) in days {
                let v: Vec<f64> = vals.iter().copied().filter(|x| x.is_finite()).collect();
                if v.is_empty() {
                    continue;
                }
                let (m, lo, hi) = mean_ci(&v);
                b.days.push(*day);
                b.mean.push(m);
                b.low.push(if lo.is_finite() { lo } else { m });
                b.high.push(if hi.is_finite() { hi } else { m });
            }
        }
        b
    }

    /// Time to effect: the first recording day on or after `from_day` at which the 95% interval of the
    /// paired difference (scenario − baseline, replicate by replicate) excludes zero.
    pub fn time_to_effect(&self, group: &str, metric: &str, from_day: u32) -> Option<u32> {
        let key = |arm: &str| (arm.to_string(), group.to_string(), metric.to_string());
        let base = self.series.get(&key("baseline"))?;
        let scen = self.series.get(&key("scenario"))?;
        for (day, b) in base.range(from_day..) {
            let Some(s) = scen.get(day) else { continue };
            let d: Vec<f64> = b.iter().zip(s).map(|(x, y)| y - x).filter(|x| x.is_finite()).collect();
            let (_, lo, hi) = mean_ci(&d);
            if lo > 0.0 || hi < 0.0 {
                return Some(*day);
            }
        }
        None
    }

    pub fn effect(&self, group: &str, metric: &str) -> Option<&EffectRow> {
        self.effects.iter().find(|e| e.group == group && e.metric == metric)
    }

    /// Events of the scenario as (day, label).
    pub fn events(&self) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        let venues = self.manifest["scenario"]["venues"].as_array().cloned().unwrap_or_default();
        let districts = self.manifest["scenario"]["districts"].as_array().cloned().unwrap_or_default();
        for e in self.manifest["scenario"]["events"].as_array().cloned().unwrap_or_default() {
            let day = e["day"].as_u64().unwrap_or(0) as u32;
            let label = match e["note"].as_str() {
                Some(n) => n.to_string(),
                None => {
                    let action = &e["action"];
                    let kind = action["action"].as_str().unwrap_or("event").replace('_', " ");
                    let venue =
                        action["venue"].as_u64().and_then(|i| venues.get(i as usize)).and_then(|v| v["name"].as_str());
                    let district = action["district"]
                        .as_u64()
                        .and_then(|i| districts.get(i as usize))
                        .and_then(|v| v["name"].as_str());
                    match venue.or(district) {
                        Some(target) => format!("{kind}: {target}"),
                        None => kind,
                    }
                }
            };
            out.push((day, label));
        }
        out
    }

    /// District names affected by events (from the manifest), for headline groups.
    pub fn affected_districts(&self) -> Vec<String> {
        let s = &self.manifest["scenario"];
        let venues = s["venues"].as_array().cloned().unwrap_or_default();
        let districts: Vec<String> = s["districts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d["name"].as_str().map(str::to_string))
            .collect();
        let mut out: Vec<String> = Vec::new();
        for e in s["events"].as_array().cloned().unwrap_or_default() {
            let a = &e["action"];
            let d = a["venue"]
                .as_u64()
                .and_then(|i| venues.get(i as usize))
                .and_then(|v| v["district"].as_u64())
                .or_else(|| a["district"].as_u64());
            if let Some(name) = d.and_then(|i| districts.get(i as usize)) {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
        out
    }
}
