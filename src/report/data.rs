//! Reading a saved output folder (manifest.json, timeseries.csv, effects.csv, venues.csv) into the summaries
//! that charts and the report need. Nothing here simulates.

use crate::error::{Error, Result};
use crate::experiment::mean_ci;
use std::collections::BTreeMap;
use std::path::Path;

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

/// One row of levels.csv: a group's metric over the analysis window, mean over replicates and its interval.
#[derive(Clone, Debug)]
pub struct LevelRow {
    pub group: String,
    pub metric: String,
    pub mean: f64,
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

/// (arm, group, metric) → day → each replicate's value.
type Series = BTreeMap<(String, String, String), BTreeMap<u32, Vec<f64>>>;

/// (arm, venue) → (day, mean attendance over replicates), by day.
pub type Attendance = BTreeMap<(String, String), Vec<(u32, f64)>>;

/// (arm, venue) → day → (days open, days full), summed over replicates; empty for folders written before
/// venues.csv had those columns.
pub type Fullness = BTreeMap<(String, String), BTreeMap<u32, (u64, u64)>>;

/// A run's folder read back for the charts and the report, checked against its manifest.
pub struct Saved {
    pub manifest: serde_json::Value,
    series: Series,
    pub effects: Vec<EffectRow>,
    /// levels.csv of a run without events (empty for a what-if, and for folders written before it existed).
    pub levels: Vec<LevelRow>,
    pub venues: Attendance,
    pub fullness: Fullness,
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

/// What the manifest says the data files hold, row by row: every (arm, replicate, recording day) and, within
/// it, every group (`timeseries.csv`) or venue (`venues.csv`), in that order.
struct Layout {
    arms: Vec<String>,
    replicates: u64,
    days: Vec<u32>,
    groups: Vec<String>,
    metrics: Vec<String>,
    venues: Vec<String>,
}

fn strings(v: &serde_json::Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|x| x.as_str().map(str::to_string)).collect()
}

impl Layout {
    fn of(manifest: &serde_json::Value, path: &Path) -> Result<Layout> {
        let bad = |what: &str| read_err(path, format!("the manifest gives no {what} a run can have"));
        let run = &manifest["scenario"]["run"];
        // The manifest has no checksum of its own: its numbers are held to what a scenario may have, so a
        // hand-edited one cannot ask for more than a real run holds.
        let days = run["days"].as_u64().filter(|d| (1..=36_500).contains(d)).ok_or_else(|| bad("number of days"))?;
        let every = run["record_every_days"]
            .as_u64()
            .filter(|e| (1..=days).contains(e))
            .ok_or_else(|| bad("recording period"))?;
        let venues = manifest["scenario"]["venues"]
            .as_array()
            .and_then(|a| a.iter().map(|v| v["name"].as_str().map(str::to_string)).collect())
            .ok_or_else(|| bad("list of venues"))?;
        Ok(Layout {
            arms: strings(&manifest["arms"])
                .filter(|a| (1..=2).contains(&a.len()))
                .ok_or_else(|| bad("list of arms"))?,
            replicates: manifest["replicates"]
                .as_u64()
                .filter(|r| (1..=100_000).contains(r))
                .ok_or_else(|| bad("number of replicates"))?,
            days: (1..=days / every).map(|k| (k * every) as u32).collect(),
            groups: strings(&manifest["groups"]).ok_or_else(|| bad("list of groups"))?,
            metrics: strings(&manifest["metrics"]).ok_or_else(|| bad("list of metrics"))?,
            venues,
        })
    }

    fn rows(&self, inner: usize) -> u64 {
        (self.arms.len() as u64)
            .saturating_mul(self.replicates)
            .saturating_mul(self.days.len() as u64)
            .saturating_mul(inner as u64)
    }

    /// The (arm, replicate, day, name) of row `i` of a file with `names` in its innermost place.
    fn key<'a>(&'a self, i: u64, names: &'a [String]) -> (&'a str, u64, u32, &'a str) {
        let n = names.len() as u64;
        let (name, rest) = (i % n, i / n);
        let d = self.days.len() as u64;
        let (day, rest) = (rest % d, rest / d);
        let (rep, arm) = (rest % self.replicates, rest / self.replicates);
        (&self.arms[arm as usize], rep, self.days[day as usize], &names[name as usize])
    }

    fn describe(&self, inner: usize, what: &str) -> String {
        format!(
            "{} arm{} × {} replicate{} × {} recordings × {inner} {what}",
            self.arms.len(),
            if self.arms.len() == 1 { "" } else { "s" },
            self.replicates,
            if self.replicates == 1 { "" } else { "s" },
            self.days.len()
        )
    }

    /// Checks that row `i` (0-based, after the header) has the key the manifest implies.
    fn check_row(&self, path: &Path, i: u64, rec: &csv::StringRecord, names: &[String], what: &str) -> Result<()> {
        let total = self.rows(names.len());
        if i >= total {
            return Err(read_err(
                path,
                format!("it has more rows than the {total} its manifest gives ({})", self.describe(names.len(), what)),
            ));
        }
        let (arm, rep, day, name) = self.key(i, names);
        let want = [arm.to_string(), rep.to_string(), day.to_string(), name.to_string()];
        let got = [rec.get(0), rec.get(1), rec.get(2), rec.get(3)];
        if got.iter().zip(&want).any(|(g, w)| *g != Some(w.as_str())) {
            return Err(read_err(
                path,
                format!(
                    "line {} is ({}) where its manifest gives ({}): the file and the manifest disagree",
                    i + 2,
                    got.iter().map(|g| g.unwrap_or("")).collect::<Vec<_>>().join(", "),
                    want.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn check_count(&self, path: &Path, rows: u64, names: &[String], what: &str) -> Result<()> {
        let total = self.rows(names.len());
        if rows != total {
            return Err(read_err(
                path,
                format!(
                    "it has {rows} rows where its manifest gives {total} ({}); it was cut short or does not belong \
                     to this manifest",
                    self.describe(names.len(), what)
                ),
            ));
        }
        Ok(())
    }
}

/// A folder's manifest.json, as JSON.
pub fn read_manifest(dir: &Path) -> Result<serde_json::Value> {
    let mpath = dir.join("manifest.json");
    let text = crate::files::read_text(&mpath, 256 << 20)?;
    serde_json::from_str(&text).map_err(|e| read_err(&mpath, e))
}

impl Saved {
    /// Reads a run's folder (or a stage being written), checking that every data file holds exactly the rows
    /// its manifest implies, so that charts are never drawn from a cut or mismatched file.
    pub fn load(dir: &Path) -> Result<Saved> {
        let mpath = dir.join("manifest.json");
        let manifest = read_manifest(dir)?;
        let layout = Layout::of(&manifest, &mpath)?;

        let (series, arms) = read_series(&dir.join("timeseries.csv"), &layout)?;
        let effects =
            if layout.arms.len() == 2 { read_effects(&dir.join("effects.csv"), &layout)? } else { Vec::new() };
        let (venues, fullness) = read_venues(&dir.join("venues.csv"), &layout)?;
        let lpath = dir.join("levels.csv");
        let levels = if layout.arms.len() == 1 && lpath.exists() { read_levels(&lpath, &layout)? } else { Vec::new() };
        Ok(Saved { manifest, series, effects, levels, venues, fullness, arms })
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

    /// The headline group and metric: the scenario's `[analysis]` choice, else the lonely share of the service
    /// users of the first district an event touches (or of all service users), as `Scenario::headline`.
    pub fn headline(&self) -> (String, String) {
        let a = &self.manifest["scenario"]["analysis"];
        let group = a["headline_group"].as_str().map(str::to_string).unwrap_or_else(|| {
            match self.affected_districts().first() {
                Some(d) => format!("district:{d}/service_users"),
                None => "service_users".into(),
            }
        });
        (group, a["headline_metric"].as_str().unwrap_or("lonely_share").to_string())
    }

    /// People in a group (mean over replicates), or 0 when the manifest does not say.
    pub fn group_size(&self, group: &str) -> f64 {
        let groups = self.manifest["groups"].as_array().cloned().unwrap_or_default();
        let i = groups.iter().position(|g| g.as_str() == Some(group));
        i.and_then(|i| self.manifest["group_sizes"].get(i)).and_then(|v| v.as_f64()).unwrap_or(0.0)
    }

    pub fn replicates(&self) -> u64 {
        self.manifest["replicates"].as_u64().unwrap_or(0)
    }

    /// The analysis window's length in days.
    pub fn window_days(&self) -> u32 {
        self.manifest["scenario"]["analysis"]["window_days"].as_u64().unwrap_or(182) as u32
    }

    /// The first day after the analysis window's start: recording days from here on are in the window.
    pub fn window_start(&self) -> u32 {
        let run_days = self.manifest["scenario"]["run"]["days"].as_u64().unwrap_or(0) as u32;
        run_days.saturating_sub(self.window_days()) + 1
    }

    /// An arm's values of a group's metric on each recording day of the analysis window, per replicate: (days,
    /// `values[replicate][day]`).
    pub fn window_values(&self, arm: &str, group: &str, metric: &str) -> (Vec<u32>, Vec<Vec<f64>>) {
        let Some(series) = self.series.get(&(arm.to_string(), group.to_string(), metric.to_string())) else {
            return (Vec::new(), Vec::new());
        };
        let days: Vec<u32> = series.range(self.window_start()..).map(|(d, _)| *d).collect();
        let reps = days.iter().map(|d| series[d].len()).min().unwrap_or(0);
        let per_rep = (0..reps).map(|r| days.iter().map(|d| series[d][r]).collect()).collect();
        (days, per_rep)
    }

    /// The paired differences (scenario − baseline) of a group's metric on each recording day of the analysis
    /// window, per replicate: (days, `values[replicate][day]`).
    pub fn window_differences(&self, group: &str, metric: &str) -> (Vec<u32>, Vec<Vec<f64>>) {
        let (days, base) = self.window_values("baseline", group, metric);
        let (scen_days, scen) = self.window_values("scenario", group, metric);
        if scen_days != days {
            return (Vec::new(), Vec::new());
        }
        let per_rep = base.iter().zip(&scen).map(|(b, s)| b.iter().zip(s).map(|(b, s)| s - b).collect()).collect();
        (days, per_rep)
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

/// The series of timeseries.csv, by (arm, group, metric), day and replicate, and its arms in order of
/// appearance; its header and rows checked against the manifest's layout.
fn read_series(tpath: &Path, layout: &Layout) -> Result<(Series, Vec<String>)> {
    let mut rdr = csv::Reader::from_reader(crate::files::open_regular(tpath)?);
    let header: Vec<String> = rdr.headers().map_err(|e| read_err(tpath, e))?.iter().map(str::to_string).collect();
    let mut want_header = vec!["arm".to_string(), "replicate".into(), "day".into(), "group".into()];
    want_header.extend(layout.metrics.iter().cloned());
    if header != want_header {
        return Err(read_err(tpath, "its header is not the one its manifest's metrics give"));
    }
    let mut series = Series::new();
    let mut arms: Vec<String> = Vec::new();
    let mut rows = 0u64;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| read_err(tpath, e))?;
        layout.check_row(tpath, rows, &rec, &layout.groups, "groups")?;
        rows += 1;
        let arm = rec[0].to_string();
        let day: u32 = rec[2].parse().map_err(|e| read_err(tpath, e))?;
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
    layout.check_count(tpath, rows, &layout.groups, "groups")?;
    Ok((series, arms))
}

/// The rows of levels.csv: groups and metrics of the manifest.
fn read_levels(path: &Path, layout: &Layout) -> Result<Vec<LevelRow>> {
    let mut out = Vec::new();
    let mut rdr = csv::Reader::from_reader(crate::files::open_regular(path)?);
    for rec in rdr.records() {
        let r = rec.map_err(|e| read_err(path, e))?;
        if r.len() != 5 || !layout.groups.iter().any(|g| g == &r[0]) || !layout.metrics.iter().any(|m| m == &r[1]) {
            return Err(read_err(
                path,
                format!("line {} names a group or metric its manifest does not have", out.len() + 2),
            ));
        }
        out.push(LevelRow {
            group: r[0].to_string(),
            metric: r[1].to_string(),
            mean: parse(&r[2]),
            ci_low: parse(&r[3]),
            ci_high: parse(&r[4]),
        });
    }
    Ok(out)
}

/// The rows of effects.csv: one for each group and metric of the manifest.
fn read_effects(epath: &Path, layout: &Layout) -> Result<Vec<EffectRow>> {
    let mut effects = Vec::new();
    let mut rdr = csv::Reader::from_reader(crate::files::open_regular(epath)?);
    for rec in rdr.records() {
        let r = rec.map_err(|e| read_err(epath, e))?;
        if r.len() < 7 || !layout.groups.iter().any(|g| g == &r[0]) || !layout.metrics.iter().any(|m| m == &r[1]) {
            return Err(read_err(
                epath,
                format!("line {} names a group or metric its manifest does not have", effects.len() + 2),
            ));
        }
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
    let want = (layout.groups.len() * layout.metrics.len()) as u64;
    if effects.len() as u64 != want {
        return Err(read_err(
            epath,
            format!(
                "it has {} rows where its manifest gives {want} ({} groups × {} metrics)",
                effects.len(),
                layout.groups.len(),
                layout.metrics.len()
            ),
        ));
    }
    Ok(effects)
}

/// Mean attendance over replicates, and open and full days summed over replicates, by (arm, venue) and day,
/// from venues.csv.
fn read_venues(vpath: &Path, layout: &Layout) -> Result<(Attendance, Fullness)> {
    let mut sums: BTreeMap<(String, String), BTreeMap<u32, (f64, usize)>> = BTreeMap::new();
    let mut fullness = Fullness::new();
    let mut rdr = csv::Reader::from_reader(crate::files::open_regular(vpath)?);
    let mut rows = 0u64;
    for rec in rdr.records() {
        let r = rec.map_err(|e| read_err(vpath, e))?;
        layout.check_row(vpath, rows, &r, &layout.venues, "venues")?;
        rows += 1;
        let day: u32 = r[2].parse().map_err(|e| read_err(vpath, e))?;
        let e = sums.entry((r[0].to_string(), r[3].to_string())).or_default().entry(day).or_insert((0.0, 0));
        e.0 += parse(r.get(5).unwrap_or(""));
        e.1 += 1;
        if let (Some(Ok(open)), Some(Ok(full))) = (r.get(6).map(str::parse::<u64>), r.get(7).map(str::parse::<u64>)) {
            let f = fullness.entry((r[0].to_string(), r[3].to_string())).or_default().entry(day).or_default();
            f.0 += open;
            f.1 += full;
        }
    }
    layout.check_count(vpath, rows, &layout.venues, "venues")?;
    let attendance = sums
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().map(|(d, (s, n))| (d, s / n.max(1) as f64)).collect()))
        .collect();
    Ok((attendance, fullness))
}
