//! The explorer's run queue: every question goes through one worker, in order; a page's new question
//! cancels the one it replaces. Each job keeps the events the page is sent (progress, the answer, its files)
//! so a page that connects late, or again, sees them all. A finished answer is written as the output folder
//! `supportsim run` writes, under the explorer's output folder, and nowhere else.

use super::answer::answer_json;
use super::question::{answer, Progress};
use super::warm::WarmCache;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use crate::output::{self, Commit, Kind, Provenance};
use crate::scenario::Scenario;
use serde_json::{json, Value as Json};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};

/// Jobs remembered at most (the oldest finished ones are forgotten; their folders stay on disk).
const KEPT_JOBS: usize = 64;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A question as the page asked it.
pub struct Question {
    pub scenario: Scenario,
    /// The scenario file's text: what the answer offers to reproduce it.
    pub text: String,
    /// The option's title in words, for the headline sentence.
    pub title: String,
}

/// One question in the queue, with what has happened to it.
pub struct Job {
    pub id: u64,
    page: String,
    pub cancel: Cancel,
    pub question: Question,
    events: Mutex<Vec<(&'static str, String)>>,
    done: AtomicBool,
    changed: tokio::sync::watch::Sender<usize>,
    folder: Mutex<Option<PathBuf>>,
}

impl Job {
    fn emit(&self, name: &'static str, data: Json) {
        self.push(name, data, false);
    }

    /// The job's last event: pushed before the job is marked done (under the same lock), so whoever sees it
    /// done sees every event.
    fn end(&self, name: &'static str, data: Json) {
        self.push(name, data, true);
    }

    fn push(&self, name: &'static str, data: Json, last: bool) {
        let mut events = lock(&self.events);
        events.push((name, data.to_string()));
        if last {
            self.done.store(true, Ordering::SeqCst);
        }
        self.changed.send_replace(events.len());
    }

    /// Event `i` (name and JSON data), if it has happened.
    pub fn event(&self, i: usize) -> Option<(&'static str, String)> {
        lock(&self.events).get(i).cloned()
    }

    pub fn is_done(&self) -> bool {
        self.done.load(Ordering::SeqCst)
    }

    /// Wakes on each new event.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<usize> {
        self.changed.subscribe()
    }

    /// The answer's output folder, once written.
    pub fn folder(&self) -> Option<PathBuf> {
        lock(&self.folder).clone()
    }
}

/// The queue and its worker.
pub struct Jobs {
    jobs: Mutex<VecDeque<Arc<Job>>>,
    queue: Mutex<mpsc::Sender<Arc<Job>>>,
    next_id: AtomicU64,
}

/// What the worker needs besides the job.
pub struct Worker {
    pub cache: WarmCache,
    pub pool: rayon::ThreadPool,
    /// Where answers' folders go.
    pub out: PathBuf,
    /// The number the next answer's folder gets.
    pub next_folder: AtomicU64,
    /// Stops every job when the explorer stops.
    pub stop: Cancel,
}

impl Jobs {
    /// The queue, with its worker thread started.
    pub fn start(worker: Worker) -> Arc<Jobs> {
        let (tx, rx) = mpsc::channel::<Arc<Job>>();
        let jobs =
            Arc::new(Jobs { jobs: Mutex::new(VecDeque::new()), queue: Mutex::new(tx), next_id: AtomicU64::new(1) });
        std::thread::spawn(move || {
            for job in rx {
                if job.cancel.requested() || worker.stop.requested() {
                    job.end("cancelled", json!({"message": "replaced by a newer question"}));
                    continue;
                }
                // A bug in a run must not stop the queue: the job ends with it, the worker goes on.
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| worker.run(&job)));
                if run.is_err() {
                    job.end(
                        "failed",
                        json!({"message": "the run stopped on an internal error (a bug; please report it)"}),
                    );
                }
                worker.cache.trim();
            }
        });
        jobs
    }

    /// Queues a question from `page`, cancelling that page's unfinished ones.
    pub fn submit(&self, page: &str, question: Question) -> Arc<Job> {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let job = Arc::new(Job {
            id,
            page: page.to_string(),
            cancel: Cancel::new(),
            question,
            events: Mutex::new(Vec::new()),
            done: AtomicBool::new(false),
            changed: tokio::sync::watch::channel(0).0,
            folder: Mutex::new(None),
        });
        {
            let mut jobs = lock(&self.jobs);
            for old in jobs.iter().filter(|j| j.page == page && !j.is_done()) {
                old.cancel.request();
            }
            jobs.push_back(job.clone());
            while jobs.len() > KEPT_JOBS {
                match jobs.iter().position(|j| j.is_done()) {
                    Some(i) => {
                        jobs.remove(i);
                    }
                    None => break,
                }
            }
        }
        job.emit("queued", json!({"id": id}));
        if lock(&self.queue).send(job.clone()).is_err() {
            job.end("failed", json!({"message": "the explorer's worker has stopped; restart supportsim serve"}));
        }
        job
    }

    pub fn get(&self, id: u64) -> Option<Arc<Job>> {
        lock(&self.jobs).iter().find(|j| j.id == id).cloned()
    }

    /// Cancels every job (the explorer is stopping).
    pub fn cancel_all(&self) {
        for j in lock(&self.jobs).iter() {
            j.cancel.request();
        }
    }
}

impl Worker {
    fn run(&self, job: &Job) {
        let cancel = &job.cancel;
        let q = &job.question;
        job.emit("started", json!({"replicates": q.scenario.run.replicates}));
        let progress = |p: Progress| job.emit("progress", serde_json::to_value(p).unwrap_or(Json::Null));
        let result = answer(&self.cache, &q.scenario, &self.pool, cancel, &progress).and_then(|exp| {
            job.emit("answer", answer_json(&exp, &q.title));
            let (dir, warnings) = self.write_folder(&exp, cancel)?;
            *lock(&job.folder) = Some(dir.clone());
            Ok((dir, warnings))
        });
        match result {
            Ok((dir, warnings)) => {
                // What `supportsim run` warns about (a town not settled, venues full), as its report shows it.
                let files = json!({"folder": dir.display().to_string(), "files": files_of(&dir), "warnings": warnings});
                job.end("files", files)
            }
            Err(Error::Interrupted) => {
                job.end("cancelled", json!({"message": "stopped: replaced by a newer question"}))
            }
            Err(e) => job.end("failed", json!({"message": e.to_string()})),
        }
    }

    /// Writes the answer's output folder, as `supportsim run` writes it, under `out`; returns it and its
    /// steady-state warnings.
    fn write_folder(&self, exp: &crate::experiment::Experiment, cancel: &Cancel) -> Result<(PathBuf, Vec<String>)> {
        let n = self.next_folder.fetch_add(1, Ordering::SeqCst);
        let target = self.out.join(format!("{}-{n}", exp.scenario.name));
        let (mut folder, stage, _) = output::begin(&target, Kind::Run, false, &output::RUN_FILES)?;
        let command_line = vec!["supportsim".into(), "run".into(), format!("{}.toml", exp.scenario.name)];
        let prov = Provenance { command_line, threads: None, record_agents: false, agent_options: Default::default() };
        let (manifest, warnings) = crate::report::write_run(&stage, exp, &prov, cancel)?;
        cancel.check()?;
        folder.commit(stage, Kind::Run, manifest, Commit::Replace, cancel)?;
        Ok((target, warnings))
    }
}

/// The first number free for answers' folders in `out` (one past the highest `NAME-N` there).
pub fn first_free_number(out: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(out) else { return 1 };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name().to_str().and_then(|n| n.rsplit_once('-')).and_then(|(_, k)| k.parse::<u64>().ok())
        })
        .max()
        .map_or(1, |k| k + 1)
}

/// The files of an answer's folder the page may fetch: regular files, relative paths, hidden ones left out.
pub fn files_of(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Some(name) = e.file_name().to_str().map(String::from) else { continue };
            if name.starts_with('.') {
                continue;
            }
            let Ok(kind) = e.file_type() else { continue };
            if kind.is_dir() {
                walk(&e.path(), &format!("{prefix}{name}/"), out);
            } else if kind.is_file() {
                out.push(format!("{prefix}{name}"));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, "", &mut out);
    out
}
