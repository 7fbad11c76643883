//! The sweep folder's format: what its manifest says (the sweep's outputs, parameters, shard and fingerprint,
//! every file with its record), the format of `runs.csv` rows, shards, and the checks of a folder's files
//! against its manifest.
//!
//! A sweep folder holds `manifest.json`, `sweep.toml` (a copy of the sweep file) and, while it runs,
//! `runs.partial.csv`. When every run of the folder's share is written the file becomes `runs.csv`; an
//! unsharded sweep (or a merge) then adds `points.csv`, `sensitivity.csv` and `charts/` (`finished`), written
//! through a stage like every output (`crate::output::folder`), and only then says `complete`.

use super::design::Plan;
use super::spec::Sweep;
use crate::error::{Error, Result};
use crate::output::folder::Contents;
use crate::output::manifest::{self, FileRecord, Marker};
use crate::output::Kind;
use crate::scenario::names::{check_name, NameKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Share `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const WHOLE: Shard = Shard { index: 1, count: 1 };

    /// Parses `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> std::result::Result<Shard, String> {
        let bad = || format!("`{text}`: write K/N with 1 ≤ K ≤ N, as in --shard 3/8");
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (k, n) = (k.trim().parse::<usize>().map_err(|_| bad())?, n.trim().parse::<usize>().map_err(|_| bad())?);
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { index: k, count: n })
    }

    /// The runs of this share: a contiguous block, so shards concatenate in order.
    pub fn runs(&self, total: usize) -> std::ops::Range<usize> {
        let at = |k: usize| ((k as u128 * total as u128) / self.count as u128) as usize;
        at(self.index - 1)..at(self.index)
    }
}

/// One summarised output column of `runs.csv`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// `level` (a sweep without events), or `baseline`, `scenario`, `effect` (a what-if sweep).
    pub quantity: String,
    pub metric: String,
    pub group: String,
}

impl Output {
    pub fn column(&self) -> String {
        if self.quantity == "level" {
            format!("{}.{}", self.metric, self.group)
        } else {
            format!("{}.{}.{}", self.quantity, self.metric, self.group)
        }
    }
}

/// A swept parameter as the output describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParameterInfo {
    pub path: String,
    /// Whether every value is a number (only those enter sensitivity indices).
    pub numeric: bool,
}

/// What a sweep folder holds, from its manifest: everything the analysis and a merge need, so neither has to
/// find the sweep file again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub name: String,
    /// Hash of everything that determines the results (the resolved base scenario, parameters, design,
    /// seed, replicates, summary, supportsim version).
    pub fingerprint: String,
    pub design: String,
    pub samples: usize,
    pub points: usize,
    pub replicates: u32,
    pub seed: u64,
    pub what_if: bool,
    pub window_days: u32,
    pub parameters: Vec<ParameterInfo>,
    pub outputs: Vec<Output>,
    pub shard: Shard,
    /// Runs of this folder: `first..end` of `points × replicates`.
    pub first_run: usize,
    pub end_run: usize,
}

impl Info {
    pub fn total_runs(&self) -> usize {
        self.points * self.replicates as usize
    }

    /// The header of `runs.csv`.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = vec!["point".into(), "replicate".into(), "seed".into()];
        h.extend(self.parameters.iter().map(|p| p.path.clone()));
        h.extend(self.outputs.iter().map(Output::column));
        h
    }

    /// The quantity sensitivity indices are computed on: effects for a what-if, levels otherwise.
    pub fn primary(&self) -> &'static str {
        if self.what_if {
            "effect"
        } else {
            "level"
        }
    }
}

/// FNV-1a, 64 bits: a stable hash for fingerprints (the same on every platform and version of Rust).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The outputs of a sweep, in column order: for each group and metric, the level or the three what-if
/// quantities.
pub fn outputs(sweep: &Sweep) -> Vec<Output> {
    let quantities: &[&str] = if sweep.what_if() { &["baseline", "scenario", "effect"] } else { &["level"] };
    let mut out = Vec::new();
    for g in &sweep.summary.groups {
        for m in &sweep.summary.metrics {
            for q in quantities {
                out.push(Output { quantity: q.to_string(), metric: m.clone(), group: g.clone() });
            }
        }
    }
    out
}

/// The description of a sweep's output for one shard.
pub fn info(sweep: &Sweep, plan: &Plan, shard: Shard) -> Info {
    let parameters: Vec<ParameterInfo> =
        sweep.parameters.iter().map(|p| ParameterInfo { path: p.path.clone(), numeric: p.domain.numeric() }).collect();
    let definition = serde_json::json!({
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": sweep.base_scenario,
        "design": sweep.design.name(),
        "samples": sweep.samples,
        "replicates": sweep.replicates,
        "seed": sweep.seed,
        "summary": sweep.summary,
        "parameters": sweep.parameters.iter().map(|p| serde_json::json!({
            "path": p.path,
            "domain": format!("{:?}", p.domain),
        })).collect::<Vec<_>>(),
    });
    let fingerprint = format!("{:016x}", fnv1a(definition.to_string().as_bytes()));
    let total = plan.len() * sweep.replicates as usize;
    let runs = shard.runs(total);
    Info {
        name: sweep.name.clone(),
        fingerprint,
        design: sweep.design.name().into(),
        samples: sweep.samples,
        points: plan.len(),
        replicates: sweep.replicates,
        seed: sweep.seed,
        what_if: sweep.what_if(),
        window_days: sweep.summary.window_days,
        parameters,
        outputs: outputs(sweep),
        shard,
        first_run: runs.start,
        end_run: runs.end,
    }
}

/// A CSV line (quoted where needed) with its final newline.
pub fn csv_line<S: AsRef<[u8]>>(fields: &[S]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    w.write_record(fields).expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

/// A sweep folder's manifest: what the sweep is, whether it is complete, and every file with its record.
pub(super) struct Found {
    pub info: Info,
    pub marker: Marker,
}

/// The sweep a folder's manifest describes; `None` when the folder holds no sweep (nothing, or another kind
/// of output). A sweep manifest this version cannot read, or one whose name could not be a folder's, is an
/// error.
pub(super) fn read_manifest(dir: &Path) -> Result<Option<Found>> {
    let marker = match crate::output::folder::inspect(dir)? {
        Contents::Ours(m) if m.kind == Kind::Sweep => m,
        _ => return Ok(None),
    };
    let info = sweep_info(dir, &marker)?;
    Ok(Some(Found { info, marker }))
}

fn sweep_info(dir: &Path, marker: &Marker) -> Result<Info> {
    let path = dir.join("manifest.json");
    let info: Info = serde_json::from_value(marker.value["sweep"].clone())
        .map_err(|e| Error::Usage(format!("{}: not a sweep manifest this version can read: {e}", path.display())))?;
    check_name(&info.name, NameKind::Folder)
        .map_err(|m| Error::Usage(format!("{}: the sweep's name {m}", path.display())))?;
    if info.shard.index == 0 || info.shard.index > info.shard.count || info.end_run < info.first_run {
        return Err(Error::Usage(format!("{}: its shard and runs do not make sense", path.display())));
    }
    Ok(info)
}

/// A sweep manifest (unfinished; committing the folder marks it complete) with provenance fields added.
pub(super) fn manifest(
    info: &Info,
    complete: bool,
    files: &[FileRecord],
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut m = serde_json::Value::Object(manifest::marker_fields(Kind::Sweep, complete));
    m["supportsim_version"] = env!("CARGO_PKG_VERSION").into();
    m["git_commit"] = option_env!("SUPPORTSIM_GIT_COMMIT").into();
    m["sweep"] = serde_json::to_value(info).expect("the sweep's description serialises");
    m["files"] = serde_json::to_value(files).expect("file records serialise");
    if let (Some(m), Some(e)) = (m.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            m.insert(k.clone(), v.clone());
        }
    }
    m
}

/// The default folder of a sweep (or of one of its shards).
pub fn default_dir(sweep: &Sweep, shard: Option<Shard>) -> PathBuf {
    let base = Path::new("output").join(&sweep.name);
    match shard {
        Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
        None => base,
    }
}

/// True for the files a sweep's analysis writes from `runs.csv` (and `report` draws again).
pub(super) fn is_analysis(path: &str) -> bool {
    matches!(path, "points.csv" | "sensitivity.csv") || path.starts_with("charts/")
}

/// Checks a finished sweep folder's `runs.csv` and `sweep.toml` against their checksums and every other
/// listed file against its size (with `analysis`, also the files the analysis writes); the error names what
/// differs.
pub(super) fn verify(dir: &Path, marker: &Marker, analysis: bool) -> Result<()> {
    for rec in marker.files.iter().filter(|f| analysis || !is_analysis(&f.path)) {
        let read_here = matches!(rec.path.as_str(), "runs.csv" | "sweep.toml");
        if let Err(why) = crate::output::manifest::verify(dir, rec, read_here) {
            return Err(Error::Usage(format!("{}: {why}", dir.display())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_the_runs_into_contiguous_blocks_that_cover_each_run_once() {
        for total in 0..60 {
            for count in 1..12 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.runs(total);
                    assert_eq!(r.start, next, "total {total}, shard {index}/{count}");
                    assert!(r.len() <= total.div_ceil(count));
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/3", "4/3", "a/3", "3", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
