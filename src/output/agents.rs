//! Agent-level records (`--record-agents`): each (arm, replicate) job writes its rows of `agents.csv`,
//! `ties.csv` and `episodes.csv` into part files of its own, joined in job order when every job is done, so
//! the files are the same at any thread count.

use super::num;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::world::{AgentObserver, Episode, StaffKind, World};
use flate2::write::GzEncoder;
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// How agent-level records are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AgentOptions {
    /// A row per agent every this many days (a multiple of the run's recording period).
    pub every_days: u32,
    /// gzip-compressed files (`agents.csv.gz`, …), each a series of gzip members that every gzip reader
    /// reads as one file (about a third of the size).
    pub gzip: bool,
}

impl AgentOptions {
    /// The files written, in the order of [`AGENT_FILES`].
    pub fn file_names(&self) -> Vec<String> {
        AGENT_FILES.iter().map(|f| if self.gzip { format!("{f}.gz") } else { f.to_string() }).collect()
    }
}

/// Bytes of a row of agents.csv and of ties.csv, ties per agent, and the share gzip leaves, as the default
/// town writes them (measured: 155.7 and 60.1 bytes, 13.05 ties, 0.318).
const AGENT_ROW_BYTES: f64 = 156.0;
const TIE_ROW_BYTES: f64 = 60.0;
const TIES_PER_AGENT: f64 = 13.0;
const GZIP_SHARE: f64 = 0.32;

/// About how many bytes the agent records of `arms` arms of `scenario` take: (agents.csv, the rest).
pub fn estimate_bytes(scenario: &Scenario, arms: u32, options: AgentOptions) -> (u64, u64) {
    let jobs = (arms * scenario.run.replicates) as f64;
    let n = scenario.population.n_agents as f64;
    let snapshots = (scenario.run.days / options.every_days.max(1)) as f64;
    let share = if options.gzip { GZIP_SHARE } else { 1.0 };
    let agents = jobs * snapshots * n * AGENT_ROW_BYTES * share;
    let rest = jobs * n * TIES_PER_AGENT * TIE_ROW_BYTES * share;
    (agents as u64, rest as u64)
}

/// A part file being written: plain, or gzip-compressed.
enum Sink {
    Plain(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
        }
    }
}

impl Sink {
    /// Writes what is buffered and, for gzip, the member's trailer.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush(),
            Sink::Gzip(w) => w.finish()?.flush(),
        }
    }
}

/// Writes agent-level records of one (arm, replicate) job into part files, concatenated later in job order.
pub struct AgentRecorder {
    arm: &'static str,
    replicate: u32,
    every_days: u32,
    agents: Option<csv::Writer<Sink>>,
    episodes: Option<csv::Writer<Sink>>,
    ties: Option<csv::Writer<Sink>>,
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
    pub fn new(dir: &Path, arm: &'static str, replicate: u32, options: AgentOptions) -> Result<Self> {
        let open = |f: &str| -> Result<Option<csv::Writer<Sink>>> {
            let p = part(dir, f, arm, replicate);
            let file = BufWriter::new(File::create(&p).map_err(|e| Error::write(&p, e))?);
            let sink = if options.gzip {
                Sink::Gzip(Box::new(GzEncoder::new(file, flate2::Compression::default())))
            } else {
                Sink::Plain(file)
            };
            Ok(Some(csv::WriterBuilder::new().has_headers(false).from_writer(sink)))
        };
        Ok(AgentRecorder {
            arm,
            replicate,
            every_days: options.every_days.max(1),
            agents: open("agents.csv")?,
            ties: open("ties.csv")?,
            episodes: open("episodes.csv")?,
            error: None,
        })
    }

    /// Writes a row to one of the files, keeping the first error.
    fn row(&mut self, which: usize, row: &[String]) {
        let w = [&mut self.agents, &mut self.ties, &mut self.episodes][which].as_mut();
        if let Some(w) = w {
            let r = w.write_record(row);
            self.keep(r);
        }
    }

    fn keep(&mut self, r: std::result::Result<(), csv::Error>) {
        if let (Err(e), None) = (r, &self.error) {
            self.error = Some(Error::write("agent records", std::io::Error::other(e)));
        }
    }

    /// Joins the part files of all jobs, in job order, into the final files (for gzip, the header as a gzip
    /// member of its own, then each part's member); stops between chunks once `cancel` is requested.
    pub fn concatenate(dir: &Path, jobs: &[(&'static str, u32)], options: AgentOptions, cancel: &Cancel) -> Result<()> {
        let headers = [&AGENTS_HEADER[..], &TIES_HEADER[..], &EPISODES_HEADER[..]];
        for ((file, name), header) in AGENT_FILES.iter().zip(options.file_names()).zip(headers) {
            let path = dir.join(&name);
            let mut out = BufWriter::new(File::create(&path).map_err(|e| Error::write(&path, e))?);
            let head = format!("{}\n", header.join(","));
            if options.gzip {
                let mut gz = GzEncoder::new(&mut out, flate2::Compression::default());
                gz.write_all(head.as_bytes())
                    .and_then(|_| gz.finish().map(|_| ()))
                    .map_err(|e| Error::write(&path, e))?;
            } else {
                out.write_all(head.as_bytes()).map_err(|e| Error::write(&path, e))?;
            }
            for (arm, rep) in jobs {
                let p = part(dir, file, arm, *rep);
                let mut f = File::open(&p).map_err(|e| Error::read(&p, e))?;
                let mut buf = vec![0u8; 8 << 20];
                loop {
                    cancel.check()?;
                    let n = f.read(&mut buf).map_err(|e| Error::read(&p, e))?;
                    if n == 0 {
                        break;
                    }
                    out.write_all(&buf[..n]).map_err(|e| Error::write(&path, e))?;
                }
                fs::remove_file(&p).map_err(|e| Error::write(&p, e))?;
            }
            out.flush().map_err(|e| Error::write(&path, e))?;
        }
        Ok(())
    }
}

impl AgentObserver for AgentRecorder {
    fn on_record(&mut self, day: u32, world: &World) {
        if !day.is_multiple_of(self.every_days) {
            return;
        }
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
            self.row(0, &row);
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
        self.row(2, &row);
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
                self.row(1, &row);
            }
        }
        for w in [self.agents.take(), self.ties.take(), self.episodes.take()].into_iter().flatten() {
            let done = w.into_inner().map_err(|e| e.into_error()).and_then(Sink::finish);
            if let Err(e) = done {
                self.error.get_or_insert(Error::write("agent records", e));
            }
        }
    }

    fn take_error(&mut self) -> Option<Error> {
        self.error.take()
    }
}
