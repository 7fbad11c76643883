//! Output folders: how supportsim claims a folder, writes into it and replaces its own earlier output without
//! touching anything else (docs/errors.md, "Output folders").
//!
//! - A folder is **supportsim's** when its `manifest.json` carries the format marker ([`super::manifest`]);
//!   it is **empty** when it holds nothing but supportsim's lock file and leftovers of a killed run. Any
//!   other non-empty folder is refused, with or without `--force`: supportsim never writes into it.
//! - A folder is **claimed** under an advisory lock (`.supportsim.lock`, held with the operating system's
//!   file lock for as long as supportsim works there), so a second writer is refused at once.
//! - Output is written into a **stage**, a hidden `.supportsim-partial-PID` folder inside the folder, and
//!   **committed**: supportsim deletes only the files its old manifest lists, moves the new files in and
//!   renames the new manifest into place last. At every moment the manifest lists every file supportsim
//!   may have written there, and says `complete: true` only once all of them are in place.

use super::manifest::{self, FileRecord, Kind, Marker, Reading};
pub use super::stage::Stage;
use crate::cancel::Cancel;
use crate::error::{Error, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

/// The lock file in every folder supportsim writes.
pub const LOCK_FILE: &str = ".supportsim.lock";
/// The prefix of stages and of manifests being written: hidden, and named so no one else's file is taken
/// for one.
pub const PARTIAL_PREFIX: &str = ".supportsim-partial-";

/// What a folder holds, looked at before anything is written there.
#[derive(Clone, Debug)]
pub enum Contents {
    /// No such folder, or one with nothing but supportsim's lock file and leftovers.
    Empty,
    /// supportsim's output.
    Ours(Marker),
    /// Anything else, with what was found (for the message).
    Foreign(String),
}

/// True for the entries supportsim may leave in a folder besides its output: the lock file and partial files.
fn is_housekeeping(name: &str) -> bool {
    name == LOCK_FILE || name.starts_with(PARTIAL_PREFIX)
}

/// Looks at a folder without changing it.
pub fn inspect(dir: &Path) -> Result<Contents> {
    let meta = match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Contents::Empty),
        Err(e) => return Err(Error::read(dir, e)),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(Error::Usage(format!("{} exists and is not a folder", dir.display())));
    }
    match manifest::read(dir)? {
        Reading::Ours(m) => return Ok(Contents::Ours(m)),
        Reading::NotOurs(why) => return Ok(Contents::Foreign(why)),
        Reading::Missing => {}
    }
    let entries = fs::read_dir(dir).map_err(|e| Error::read(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(dir, e))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if !is_housekeeping(&name) {
            return Ok(Contents::Foreign(format!("it holds `{}` and no manifest.json", name.escape_debug())));
        }
    }
    Ok(Contents::Empty)
}

/// The message for a folder supportsim will not write into.
pub fn foreign_message(dir: &Path, why: &str) -> String {
    format!(
        "{} is not empty and does not hold supportsim's output ({why}); supportsim writes only into a new or \
         empty folder or one it wrote, and never deletes files it did not write, even with --force; choose \
         another --out",
        dir.display()
    )
}

/// A folder claimed for writing: locked for as long as this value lives.
#[derive(Debug)]
pub struct Folder {
    dir: PathBuf,
    lock: Option<File>,
    /// The folders supportsim made to claim this one, deepest first (removed again if nothing is committed).
    made: Vec<PathBuf>,
    /// What the folder held when it was claimed (updated by each commit).
    pub contents: Contents,
}

impl Folder {
    /// Claims `dir`: refuses a folder that is not supportsim's (nothing is written into it), creates a
    /// missing one, takes its lock (refusing if another supportsim holds it), and clears leftovers of killed
    /// runs.
    pub fn claim(dir: &Path) -> Result<Folder> {
        if let Contents::Foreign(why) = inspect(dir)? {
            return Err(Error::Usage(foreign_message(dir, &why)));
        }
        let mut made = Vec::new();
        let mut missing = Some(dir);
        while let Some(p) = missing.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            made.push(p.to_path_buf());
            missing = p.parent();
        }
        fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        let mut folder = Folder { dir: dir.to_path_buf(), lock: None, made, contents: Contents::Empty };
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::write(&lock_path, e))?;
        let busy = || {
            Error::Usage(format!(
                "{} is being written by another supportsim (it holds {}); wait for it to finish, or choose \
                 another --out",
                dir.display(),
                lock_path.display()
            ))
        };
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(busy()),
            Err(fs::TryLockError::Error(e)) => return Err(Error::write(&lock_path, e)),
        }
        // A finishing supportsim removes the lock file of a folder it leaves empty; a lock taken on that file
        // just before it went is no lock on the folder.
        if !same_file(&lock, &lock_path) {
            return Err(busy());
        }
        folder.lock = Some(lock);
        // Under the lock: what is there now, and no writer owns the leftovers of a killed one.
        folder.contents = match inspect(dir)? {
            Contents::Foreign(why) => return Err(Error::Usage(foreign_message(dir, &why))),
            c => c,
        };
        for entry in fs::read_dir(dir).map_err(|e| Error::read(dir, e))?.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with(PARTIAL_PREFIX) {
                let p = entry.path();
                let removed = if p.is_dir() { fs::remove_dir_all(&p) } else { fs::remove_file(&p) };
                removed.map_err(|e| Error::write(&p, e))?;
            }
        }
        Ok(folder)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The old output, if the folder holds supportsim's.
    pub fn marker(&self) -> Option<&Marker> {
        match &self.contents {
            Contents::Ours(m) => Some(m),
            _ => None,
        }
    }

    /// Refuses unless output of `kind` may replace what the folder holds: nothing, or supportsim's output of
    /// the same kind (when `same_kind_ok`), or any of supportsim's output with `force`. Returns true when
    /// something will be replaced.
    pub fn allow(&self, kind: Kind, force: bool, same_kind_ok: bool) -> Result<bool> {
        let Some(m) = self.marker() else { return Ok(false) };
        if force || (m.kind == kind && same_kind_ok) {
            return Ok(true);
        }
        let what = if m.complete { "" } else { "the unfinished output of " };
        Err(Error::Usage(if m.kind == kind {
            format!("{} holds {what}{}; pass --force to replace it", self.dir.display(), m.kind.describe())
        } else {
            format!(
                "{} holds {what}{}, not {}; choose another --out, or pass --force to replace it",
                self.dir.display(),
                m.kind.describe(),
                kind.describe()
            )
        }))
    }

    /// Refuses, before any work, when the listed files `replaced` picks could not be replaced: one changed
    /// since supportsim wrote it, or a link or folder in its place. The commit checks again.
    pub fn check_replaceable(&self, replaced: impl Fn(&str) -> bool) -> Result<()> {
        match self.marker() {
            Some(m) => {
                check_deletable(&self.dir, m.files.iter().filter(|f| f.path != "manifest.json" && replaced(&f.path)))
            }
            None => Ok(()),
        }
    }

    /// Refuses, before any work, when a file the new output will have (a folder when the name ends in `/`)
    /// is already there and supportsim did not write it. The commit checks every file again.
    pub fn check_free(&self, names: &[&str]) -> Result<()> {
        for name in names {
            let (rel, folder) = match name.strip_suffix('/') {
                Some(f) => (f, true),
                None => (*name, false),
            };
            let Ok(meta) = fs::symlink_metadata(self.dir.join(rel)) else { continue };
            let ours = if folder {
                meta.is_dir()
            } else {
                meta.is_file() && self.marker().is_some_and(|m| m.record(rel).is_some())
            };
            if !ours {
                return Err(Error::Usage(format!(
                    "{} holds {rel}, which supportsim did not write, where it would write its own; move it away \
                     or choose another --out",
                    self.dir.display()
                )));
            }
        }
        Ok(())
    }

    /// A new stage: a hidden folder inside this one that the new output is written into.
    pub fn stage(&self) -> Result<Stage> {
        Stage::create(self.dir.join(format!("{PARTIAL_PREFIX}{}", std::process::id())))
    }

    /// Writes `manifest.json` atomically (beside, then renamed), as it stands now.
    pub fn write_manifest(&mut self, value: &serde_json::Value) -> Result<()> {
        let tmp = self.dir.join(format!("{PARTIAL_PREFIX}{}.json", std::process::id()));
        super::write_json(&tmp, value)?;
        let path = self.dir.join("manifest.json");
        fs::rename(&tmp, &path).map_err(|e| Error::write(&path, e))?;
        if let Reading::Ours(m) = manifest::read(&self.dir)? {
            self.contents = Contents::Ours(m);
        }
        Ok(())
    }

    /// Deletes the files the folder's manifest lists (supportsim wrote them) and the folders they leave
    /// empty; files supportsim did not write stay. The manifest is replaced by an unfinished one of `kind`
    /// that lists nothing else, so the folder stays supportsim's at every moment. For a sweep started over.
    pub fn clear(&mut self, kind: Kind) -> Result<()> {
        let Some(old) = self.marker().cloned() else { return Ok(()) };
        check_deletable(&self.dir, old.files.iter().filter(|f| f.path != "manifest.json"))?;
        for f in old.files.iter().filter(|f| f.path != "manifest.json") {
            remove_listed(&self.dir, &f.path)?;
        }
        remove_empty_parents(&self.dir, old.files.iter().map(|f| f.path.as_str()));
        let mut empty = serde_json::Value::Object(manifest::marker_fields(kind, false));
        empty["files"] = serde_json::to_value([FileRecord::path_only("manifest.json")]).expect("serialises");
        self.write_manifest(&empty)?;
        Ok(())
    }

    /// Moves a stage's files into the folder and writes `manifest` (a JSON object; its format marker,
    /// `complete: true` and the list of files are filled in here). With [`Commit::Replace`] the folder's old
    /// output is replaced (the files its manifest lists and the stage does not hold are deleted); with
    /// [`Commit::Update`] only the staged files are replaced and the others stay listed. Returns the files.
    pub fn commit(
        &mut self,
        mut stage: Stage,
        kind: Kind,
        manifest: serde_json::Value,
        mode: Commit,
        cancel: &Cancel,
    ) -> Result<Vec<FileRecord>> {
        let staged = stage.files()?;
        let mut records: Vec<FileRecord> = Vec::new();
        for rel in staged.iter().filter(|p| *p != "manifest.json") {
            records.push(manifest::record_checked(stage.dir(), rel, cancel)?);
        }
        let old = self.marker().cloned();
        let listed = |p: &str| old.as_ref().is_some_and(|m| m.record(p).is_some());
        // A staged file may not land on a file supportsim did not write.
        for rel in staged.iter().filter(|p| *p != "manifest.json") {
            real_parents(&self.dir, rel)?;
            if self.dir.join(rel).symlink_metadata().is_ok() && !listed(rel) {
                return Err(Error::Usage(format!(
                    "{} holds {rel}, which supportsim did not write, where it would write its own; move it \
                     away or choose another --out",
                    self.dir.display()
                )));
            }
        }
        let old_files: Vec<FileRecord> = old
            .as_ref()
            .map(|m| m.files.iter().filter(|f| f.path != "manifest.json").cloned().collect())
            .unwrap_or_default();
        let (replaced, other): (Vec<FileRecord>, Vec<FileRecord>) =
            old_files.into_iter().partition(|f| staged.contains(&f.path));
        let (kept, dropped) = match mode {
            // The manifest lists what is there: a listed file that is gone (a sweep's runs.partial.csv,
            // renamed to runs.csv) is not kept.
            Commit::Update => (other.into_iter().filter(|f| self.dir.join(&f.path).is_file()).collect(), Vec::new()),
            Commit::Replace => (Vec::new(), other),
        };
        check_deletable(&self.dir, replaced.iter().chain(&dropped))?;
        cancel.check()?;
        // First, a manifest that lists every file supportsim may have written here, old and new, and says the
        // output is unfinished: a crash from here on leaves a folder that a rerun recognises and cleans. Files
        // about to be replaced or deleted (just checked) are listed by path alone, as are the new ones: in
        // the moves that follow their content changes.
        let mut interim = old.as_ref().map_or_else(|| manifest.clone(), |m| m.value.clone());
        let mut all: Vec<FileRecord> = kept.clone();
        all.extend(replaced.iter().chain(&dropped).map(|f| FileRecord::path_only(&f.path)));
        all.extend(staged.iter().filter(|p| !listed(p)).map(|p| FileRecord::path_only(p)));
        all.push(FileRecord::path_only("manifest.json"));
        if let Some(obj) = interim.as_object_mut() {
            for (k, v) in manifest::marker_fields(old.as_ref().map_or(kind, |m| m.kind), false) {
                obj.insert(k, v);
            }
            obj.insert("files".into(), serde_json::to_value(&all).expect("file records serialise"));
        }
        self.write_manifest(&interim)?;
        for f in &dropped {
            remove_listed(&self.dir, &f.path)?;
        }
        for rel in staged.iter().filter(|p| *p != "manifest.json") {
            let to = self.dir.join(rel);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
            }
            fs::rename(stage.path(rel), &to).map_err(|e| Error::write(&to, e))?;
        }
        remove_empty_parents(&self.dir, dropped.iter().map(|f| f.path.as_str()));
        records.extend(kept);
        records.push(FileRecord::path_only("manifest.json"));
        records.sort_by(|a, b| a.path.cmp(&b.path));
        let mut value = manifest;
        if let Some(obj) = value.as_object_mut() {
            for (k, v) in manifest::marker_fields(kind, true) {
                obj.insert(k, v);
            }
            obj.insert("files".into(), serde_json::to_value(&records).expect("file records serialise"));
        }
        self.write_manifest(&value)?;
        stage.close();
        Ok(records)
    }
}

/// True when `path` still names the open file `file`.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        path.is_file()
    }
}

/// Checks that every folder on the way from `dir` to `rel` is a real folder, not a link: a link there would
/// make a delete or a write land outside the output folder.
fn real_parents(dir: &Path, rel: &str) -> Result<()> {
    let mut at = dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        at.push(part);
        match fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => {}
            Ok(m) => {
                return Err(Error::Usage(format!(
                    "{} is {} where supportsim wrote a folder; supportsim writes and deletes only inside the \
                     output folder, so move it away first",
                    at.display(),
                    crate::files::kind_of(&m)
                )))
            }
            Err(_) => return Ok(()), // not there yet: made as a real folder when needed
        }
    }
    Ok(())
}

/// How a commit treats the folder's old output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Commit {
    /// The new output replaces the old: listed files the stage does not hold are deleted.
    Replace,
    /// The staged files replace their old versions; every other listed file stays (`supportsim report`).
    Update,
}

/// Refuses to delete or replace listed files that are no longer what supportsim wrote: a link or a folder in
/// a file's place, or (for files with a checksum) a file changed since.
fn check_deletable<'a>(dir: &Path, files: impl Iterator<Item = &'a FileRecord>) -> Result<()> {
    for f in files {
        real_parents(dir, &f.path)?;
        let path = dir.join(&f.path);
        let Ok(meta) = fs::symlink_metadata(&path) else { continue };
        if !meta.is_file() {
            return Err(Error::Usage(format!(
                "{} is {} where supportsim wrote a file; supportsim deletes only what it wrote, so move it away \
                 first",
                path.display(),
                crate::files::kind_of(&meta)
            )));
        }
        if f.sha256.is_some() {
            if let Err(why) = manifest::verify(dir, f, true) {
                return Err(Error::Usage(format!(
                    "{}: {why}; supportsim will not delete a file you may have edited: copy it elsewhere or \
                     delete it yourself, then run again",
                    dir.display()
                )));
            }
        }
    }
    Ok(())
}

/// Deletes one listed file if it is there (and is a file inside the folder).
fn remove_listed(dir: &Path, rel: &str) -> Result<()> {
    real_parents(dir, rel)?;
    let path = dir.join(rel);
    if fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
        return Err(Error::Usage(format!("{} is not the file supportsim wrote there", path.display())));
    }
    match fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::write(&path, e)),
        _ => Ok(()),
    }
}

/// Removes the folders under `dir` that held deleted files, if they are now empty.
fn remove_empty_parents<'a>(dir: &Path, files: impl Iterator<Item = &'a str>) {
    let mut parents: Vec<PathBuf> = files.filter_map(|f| Path::new(f).parent().map(Path::to_path_buf)).collect();
    parents.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    parents.dedup();
    for p in parents.iter().filter(|p| !p.as_os_str().is_empty()) {
        let _ = fs::remove_dir(dir.join(p)); // fails, as it should, when not empty
    }
}

impl Drop for Folder {
    /// Gives the lock back; a folder left holding nothing but the lock file is returned to how it was found
    /// (removed, with the folders above it, if supportsim made them).
    fn drop(&mut self) {
        if let Some(lock) = self.lock.take() {
            let only_lock = fs::read_dir(&self.dir)
                .map(|entries| entries.flatten().all(|e| e.file_name() == LOCK_FILE))
                .unwrap_or(false);
            if only_lock {
                let _ = fs::remove_file(self.dir.join(LOCK_FILE));
            }
            drop(lock);
        }
        for p in &self.made {
            let _ = fs::remove_dir(p); // fails, as it should, when anything is in it
        }
    }
}
