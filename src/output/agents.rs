//! Agent-level records (`--record-agents`): each (arm, replicate) job writes its rows of `agents.csv`,
//! `ties.csv` and `episodes.csv` into part files of its own, joined in job order when every job is done, so
//! the files are the same at any thread count.

use super::num;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::world::{AgentObserver, Episode, StaffKind, World};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

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

    /// Joins the part files of all jobs, in job order, into the final CSV files; stops between chunks once
    /// `cancel` is requested.
    pub fn concatenate(dir: &Path, jobs: &[(&'static str, u32)], cancel: &Cancel) -> Result<()> {
        for (file, header) in
            [("agents.csv", &AGENTS_HEADER[..]), ("ties.csv", &TIES_HEADER[..]), ("episodes.csv", &EPISODES_HEADER[..])]
        {
            let path = dir.join(file);
            let mut out = BufWriter::new(File::create(&path).map_err(|e| Error::write(&path, e))?);
            writeln!(out, "{}", header.join(",")).map_err(|e| Error::write(&path, e))?;
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
