//! Output folders and files: `manifest.json`, `timeseries.csv`, `venues.csv`, `effects.csv` and, with
//! `--record-agents`, `agents.csv`, `ties.csv`, `episodes.csv`.
//!
//! A run writes into a hidden temporary folder beside its target and renames it into place only when every
//! file is written, so a folder with a `manifest.json` is always complete. An existing target is replaced
//! only if supportsim wrote it (it has a manifest); any other non-empty folder is left alone unless forced.

use crate::error::{Error, Result};
use crate::experiment::{Effect, Experiment};
use crate::metrics::METRICS;
use crate::population::StaffKind;
use crate::sim::{AgentObserver, Episode, World};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Formats a number for CSV: shortest round-trip form, empty for undefined values.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// A folder being written; becomes the target on [`OutputDir::commit`].
pub struct OutputDir {
    pub target: PathBuf,
    pub temp: PathBuf,
    /// True when the target existed (written by supportsim) and will be replaced.
    pub replaces: bool,
}

impl OutputDir {
    pub fn create(target: &Path, force: bool) -> Result<OutputDir> {
        let mut replaces = false;
        if target.exists() {
            if !target.is_dir() {
                return Err(Error::Usage(format!("{} exists and is not a folder", target.display())));
            }
            let empty = fs::read_dir(target).map_err(|e| Error::write(target, e))?.next().is_none();
            let ours = target.join("manifest.json").is_file();
            if !empty && !ours && !force {
                return Err(Error::Usage(format!(
                    "{} is not empty and was not written by supportsim (no manifest.json); \
                     choose another --out or pass --force to replace it",
                    target.display()
                )));
            }
            replaces = !empty;
        }
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("output");
        let temp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| Error::write(&temp, e))?;
        }
        fs::create_dir_all(&temp).map_err(|e| Error::write(&temp, e))?;
        Ok(OutputDir { target: target.to_path_buf(), temp, replaces })
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.temp.join(file)
    }

    /// Moves the finished folder into place.
    pub fn commit(self) -> Result<PathBuf> {
        if self.target.exists() {
            fs::remove_dir_all(&self.target).map_err(|e| Error::write(&self.target, e))?;
        }
        fs::rename(&self.temp, &self.target).map_err(|e| Error::write(&self.target, e))?;
        Ok(self.target)
    }

    /// Removes the unfinished folder.
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.temp);
    }

    /// Moves the folder into place if writing it succeeded, else removes it; returns the value and where
    /// the folder is.
    pub fn finish<T>(self, written: Result<T>) -> Result<(T, PathBuf)> {
        match written {
            Ok(v) => Ok((v, self.commit()?)),
            Err(e) => {
                self.abandon();
                Err(e)
            }
        }
    }
}

/// Writes a JSON value, pretty-printed, with a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::write(path, std::io::Error::other(e)))?;
    fs::write(path, text + "\n").map_err(|e| Error::write(path, e))
}

fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>> {
    let f = File::create(path).map_err(|e| Error::write(path, e))?;
    Ok(csv::Writer::from_writer(BufWriter::new(f)))
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |e| Error::write(path, std::io::Error::other(e))
}

pub fn write_timeseries(path: &Path, exp: &Experiment) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    let mut header = vec!["arm", "replicate", "day", "group"];
    header.extend(METRICS);
    w.write_record(&header).map_err(&err)?;
    for arm in &exp.arms {
        for (rep, run) in arm.runs.iter().enumerate() {
            for (r, day) in run.record_days.iter().enumerate() {
                for (g, group) in exp.group_names.iter().enumerate() {
                    let mut row = vec![arm.name.to_string(), rep.to_string(), day.to_string(), group.clone()];
                    row.extend((0..METRICS.len()).map(|m| num(run.value(r, g, m))));
                    w.write_record(&row).map_err(&err)?;
                }
            }
        }
    }
    w.flush().map_err(|e| Error::write(path, e))
}

pub fn write_venues(path: &Path, exp: &Experiment) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    w.write_record(["arm", "replicate", "day", "venue", "open", "attendance"]).map_err(&err)?;
    for arm in &exp.arms {
        for (rep, run) in arm.runs.iter().enumerate() {
            for (r, day) in run.record_days.iter().enumerate() {
                for (v, (open, visits)) in run.venue_rows[r].iter().enumerate() {
                    let row = [
                        arm.name.to_string(),
                        rep.to_string(),
                        day.to_string(),
                        exp.scenario.venues[v].name.clone(),
                        (*open as u8).to_string(),
                        visits.to_string(),
                    ];
                    w.write_record(&row).map_err(&err)?;
                }
            }
        }
    }
    w.flush().map_err(|e| Error::write(path, e))
}

/// Columns of `effects.csv` (a contract, MODEL.md §7).
pub const EFFECTS_HEADER: [&str; 8] =
    ["group", "metric", "baseline_mean", "scenario_mean", "difference", "ci_low", "ci_high", "relative_change"];

/// One effect as CSV fields, in the order of [`EFFECTS_HEADER`].
pub fn effect_record(e: &Effect) -> [String; 8] {
    [
        e.group.clone(),
        e.metric.to_string(),
        num(e.baseline_mean),
        num(e.scenario_mean),
        num(e.difference),
        num(e.ci_low),
        num(e.ci_high),
        num(e.relative_change),
    ]
}

pub fn write_effects(path: &Path, effects: &[Effect]) -> Result<()> {
    let mut w = csv_writer(path)?;
    let err = csv_err(path);
    w.write_record(EFFECTS_HEADER).map_err(&err)?;
    for e in effects {
        w.write_record(effect_record(e)).map_err(&err)?;
    }
    w.flush().map_err(|e| Error::write(path, e))
}

/// What the manifest records about how a run was made.
pub struct Provenance {
    pub command_line: Vec<String>,
    pub threads: Option<usize>,
    pub record_agents: bool,
}

pub fn write_manifest(path: &Path, exp: &Experiment, prov: &Provenance, files: &[&str]) -> Result<()> {
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let manifest = serde_json::json!({
        "supportsim_version": env!("CARGO_PKG_VERSION"),
        "git_commit": option_env!("SUPPORTSIM_GIT_COMMIT").unwrap_or("unknown"),
        "command_line": prov.command_line,
        "scenario_name": exp.scenario.name,
        "seed": exp.scenario.run.seed,
        "replicates": exp.scenario.run.replicates,
        "arms": exp.arms.iter().map(|a| a.name).collect::<Vec<_>>(),
        "threads": prov.threads,
        "tie_kernel": crate::dynamics::support::kernel_name().unwrap_or("unknown"),
        "record_agents": prov.record_agents,
        "groups": exp.group_names,
        "metrics": METRICS,
        "files": files,
        "finished_unix_seconds": started,
        "wall_seconds": exp.wall_seconds,
        "scenario": exp.scenario,
    });
    write_json(path, &manifest)
}

/// Writes agent-level records of one (arm, replicate) job into part files, concatenated later in job order.
pub struct AgentRecorder {
    arm: &'static str,
    replicate: u32,
    agents: csv::Writer<BufWriter<File>>,
    episodes: csv::Writer<BufWriter<File>>,
    ties: csv::Writer<BufWriter<File>>,
    error: Option<Error>,
}

pub const AGENT_FILES: [&str; 3] = ["agents.csv", "ties.csv", "episodes.csv"];

const AGENTS_HEADER: [&str; 21] = [
    "arm",
    "replicate",
    "day",
    "agent",
    "district",
    "role",
    "staff",
    "income_weekly_nok",
    "income_quartile",
    "diagnosis",
    "lived_experience",
    "mental_state",
    "days_in_state",
    "loneliness",
    "hope",
    "shame",
    "support_recent",
    "ties",
    "strong_ties",
    "money_left_nok",
    "rhythm_broken",
];
const TIES_HEADER: [&str; 9] =
    ["arm", "replicate", "day", "agent", "other", "strength", "kind", "formed_day", "last_contact_day"];
const EPISODES_HEADER: [&str; 12] = [
    "arm",
    "replicate",
    "agent",
    "role",
    "district",
    "income_quartile",
    "diagnosis",
    "start_day",
    "end_day",
    "censored",
    "worst_state",
    "mean_support",
];

fn part(dir: &Path, file: &str, arm: &str, replicate: u32) -> PathBuf {
    dir.join(format!(".{file}.{arm}.{replicate}.part"))
}

impl AgentRecorder {
    pub fn new(dir: &Path, arm: &'static str, replicate: u32) -> Result<Self> {
        let open = |f: &str| -> Result<csv::Writer<BufWriter<File>>> {
            let p = part(dir, f, arm, replicate);
            let file = File::create(&p).map_err(|e| Error::write(&p, e))?;
            Ok(csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(file)))
        };
        Ok(AgentRecorder {
            arm,
            replicate,
            agents: open("agents.csv")?,
            ties: open("ties.csv")?,
            episodes: open("episodes.csv")?,
            error: None,
        })
    }

    fn keep(&mut self, r: std::result::Result<(), csv::Error>) {
        if let (Err(e), None) = (r, &self.error) {
            self.error = Some(Error::write("agent records", std::io::Error::other(e)));
        }
    }

    /// Joins the part files of all jobs, in job order, into the final CSV files.
    pub fn concatenate(dir: &Path, jobs: &[(&'static str, u32)]) -> Result<()> {
        for (file, header) in
            [("agents.csv", &AGENTS_HEADER[..]), ("ties.csv", &TIES_HEADER[..]), ("episodes.csv", &EPISODES_HEADER[..])]
        {
            let path = dir.join(file);
            let mut out = BufWriter::new(File::create(&path).map_err(|e| Error::write(&path, e))?);
            writeln!(out, "{}", header.join(",")).map_err(|e| Error::write(&path, e))?;
            for (arm, rep) in jobs {
                let p = part(dir, file, arm, *rep);
                let mut f = File::open(&p).map_err(|e| Error::Read { path: p.clone(), source: e })?;
                std::io::copy(&mut f, &mut out).map_err(|e| Error::write(&path, e))?;
                fs::remove_file(&p).map_err(|e| Error::write(&p, e))?;
            }
            out.flush().map_err(|e| Error::write(&path, e))?;
        }
        Ok(())
    }
}

impl AgentObserver for AgentRecorder {
    fn on_record(&mut self, day: u32, world: &World) {
        let strong = world.scenario.params.strong_tie_threshold as f32;
        for (i, (a, s)) in world.agents.iter().zip(&world.states).enumerate() {
            let ties = world.network.ties(i as u32);
            let row = [
                self.arm.to_string(),
                self.replicate.to_string(),
                day.to_string(),
                i.to_string(),
                world.scenario.districts[a.district as usize].name.clone(),
                a.role.name().to_string(),
                if a.staff_kind == StaffKind::None { String::new() } else { a.staff_kind.name().to_string() },
                format!("{:.0}", a.income_weekly_nok),
                (a.income_quartile + 1).to_string(),
                a.diagnosis.name().to_string(),
                (a.lived_experience as u8).to_string(),
                s.mental.name().to_string(),
                s.days_in_state.to_string(),
                num(s.loneliness as f64),
                num(s.hope as f64),
                num(s.shame as f64),
                num(s.support_recent as f64),
                ties.len().to_string(),
                ties.iter().filter(|t| t.strength > strong).count().to_string(),
                format!("{:.0}", s.money_left_nok),
                ((day < s.rhythm_broken_until) as u8).to_string(),
            ];
            let r = self.agents.write_record(&row);
            self.keep(r);
        }
    }

    fn on_episode(&mut self, world: &World, ep: Episode) {
        let a = &world.agents[ep.agent as usize];
        let row = [
            self.arm.to_string(),
            self.replicate.to_string(),
            ep.agent.to_string(),
            a.role.name().to_string(),
            world.scenario.districts[a.district as usize].name.clone(),
            (a.income_quartile + 1).to_string(),
            a.diagnosis.name().to_string(),
            ep.start_day.to_string(),
            ep.end_day.map_or(String::new(), |d| d.to_string()),
            (ep.end_day.is_none() as u8).to_string(),
            ep.worst.name().to_string(),
            num(ep.mean_support as f64),
        ];
        let r = self.episodes.write_record(&row);
        self.keep(r);
    }

    fn on_finish(&mut self, world: &World) {
        let day = world.scenario.run.days;
        for i in 0..world.agents.len() {
            for t in world.network.ties(i as u32) {
                let row = [
                    self.arm.to_string(),
                    self.replicate.to_string(),
                    day.to_string(),
                    i.to_string(),
                    t.other.to_string(),
                    num(t.strength as f64),
                    t.kind().name().to_string(),
                    t.formed_day().to_string(),
                    t.last_contact_day.to_string(),
                ];
                let r = self.ties.write_record(&row);
                self.keep(r);
            }
        }
        for w in [&mut self.agents, &mut self.ties, &mut self.episodes] {
            if let Err(e) = w.flush() {
                self.error.get_or_insert(Error::write("agent records", e));
            }
        }
    }

    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}
