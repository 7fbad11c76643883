//! The marker that makes a folder supportsim's: `manifest.json` with the format's name and version, the kind
//! of output, whether it is complete, and every file supportsim wrote there with its size, its number of CSV
//! rows and its SHA-256. Folders are recognised by the marker alone (a web project's own `manifest.json` is
//! not supportsim's), files are deleted only if the marker lists them, and `report` checks the files it reads
//! against their checksums, so a truncated or edited file is refused rather than charted.

use crate::cancel::Cancel;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// The format's name, the first thing a reader checks.
pub const FORMAT: &str = "supportsim-output";
/// The version of the folder format this supportsim writes and reads.
pub const FORMAT_VERSION: u64 = 1;
/// The largest manifest read (a scenario of the most venues supported, with room).
const MAX_MANIFEST_BYTES: u64 = 256 << 20;

/// What kind of output a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `supportsim run` (and the default what-if).
    Run,
    /// `supportsim compare`.
    Comparison,
    /// `supportsim oat`.
    Oat,
    /// `supportsim calibrate`.
    Calibration,
    /// `supportsim sweep` or `merge`.
    Sweep,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Run, Kind::Comparison, Kind::Oat, Kind::Calibration, Kind::Sweep];

    /// The name in `manifest.json`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Comparison => "comparison",
            Kind::Oat => "oat",
            Kind::Calibration => "calibration",
            Kind::Sweep => "sweep",
        }
    }

    /// The kind in words, with the command that writes it.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Run => "a run (supportsim run)",
            Kind::Comparison => "a comparison (supportsim compare)",
            Kind::Oat => "a sensitivity analysis (supportsim oat)",
            Kind::Calibration => "a calibration (supportsim calibrate)",
            Kind::Sweep => "a sweep (supportsim sweep or merge)",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One file supportsim wrote into a folder. Files written whole carry their size and checksum; a file that
/// grows while a sweep runs (`runs.partial.csv`) is listed by path alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Relative to the folder, `/`-separated.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Data rows of a CSV file (lines after the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl FileRecord {
    /// A file listed by path alone.
    pub fn path_only(path: &str) -> FileRecord {
        FileRecord { path: path.to_string(), bytes: None, rows: None, sha256: None }
    }
}

/// A supportsim manifest, as far as folders need it; `value` is the whole JSON.
#[derive(Clone, Debug)]
pub struct Marker {
    pub kind: Kind,
    pub complete: bool,
    pub files: Vec<FileRecord>,
    pub value: serde_json::Value,
}

impl Marker {
    pub fn record(&self, path: &str) -> Option<&FileRecord> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// What a folder's `manifest.json` says about the folder.
#[derive(Clone, Debug)]
pub enum Reading {
    /// No `manifest.json`.
    Missing,
    /// A supportsim manifest.
    Ours(Marker),
    /// A `manifest.json` that is not supportsim's (or not one this version can trust), and why.
    NotOurs(String),
}

/// True when a listed path stays inside its folder: relative, `/`-separated, no `.` or `..` parts.
pub fn is_inside(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && !path.contains('\0')
        && path.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Reads and checks `dir/manifest.json`. Only an unreadable folder is an error; anything else that is not a
/// supportsim manifest is `NotOurs`, with the reason.
pub fn read(dir: &Path) -> Result<Reading> {
    let path = dir.join("manifest.json");
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Reading::Missing),
        Err(e) => return Err(Error::read(path, e)),
        Ok(m) if !m.is_file() => return Ok(Reading::NotOurs("its manifest.json is not a regular file".into())),
        Ok(_) => {}
    }
    let text = match crate::files::read_text(&path, MAX_MANIFEST_BYTES) {
        Ok(t) => t,
        Err(e) => return Ok(Reading::NotOurs(format!("its manifest.json cannot be read ({e})"))),
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Ok(Reading::NotOurs("its manifest.json is not valid JSON".into()));
    };
    Ok(match parse(value) {
        Ok(m) => Reading::Ours(m),
        Err(why) => Reading::NotOurs(why),
    })
}

fn parse(value: serde_json::Value) -> std::result::Result<Marker, String> {
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(format!("its manifest.json has no `\"format\": \"{FORMAT}\"` marker"));
    }
    let version = value.get("format_version").and_then(|v| v.as_u64());
    match version {
        Some(v) if (1..=FORMAT_VERSION).contains(&v) => {}
        Some(v) => return Err(format!("it was written in format version {v}; this supportsim reads {FORMAT_VERSION}")),
        None => return Err("its manifest.json has no format_version".into()),
    }
    let kind = value
        .get("kind")
        .and_then(|k| k.as_str())
        .and_then(Kind::parse)
        .ok_or("its manifest.json names no kind of output supportsim writes")?;
    let complete = value.get("complete").and_then(|c| c.as_bool()).ok_or("its manifest.json has no `complete`")?;
    let files: Vec<FileRecord> = serde_json::from_value(value.get("files").cloned().unwrap_or_default())
        .map_err(|_| "its manifest.json has no readable list of files".to_string())?;
    if let Some(bad) = files.iter().find(|f| !is_inside(&f.path)) {
        return Err(format!("its manifest.json lists `{}`, a path outside the folder", bad.path.escape_debug()));
    }
    Ok(Marker { kind, complete, files, value })
}

/// The fields every manifest starts from: the format marker, the kind and whether the output is complete.
pub fn marker_fields(kind: Kind, complete: bool) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("format".into(), FORMAT.into());
    m.insert("format_version".into(), FORMAT_VERSION.into());
    m.insert("kind".into(), kind.name().into());
    m.insert("complete".into(), complete.into());
    m
}

/// A file's size, SHA-256 and (for a `.csv` file) data rows, read from disk.
pub fn record(dir: &Path, rel: &str) -> Result<FileRecord> {
    record_checked(dir, rel, &Cancel::never())
}

/// Like [`record`], stopping within a few MiB once `cancel` is requested (a file of agent records can be
/// gigabytes).
pub fn record_checked(dir: &Path, rel: &str, cancel: &Cancel) -> Result<FileRecord> {
    let path = dir.join(rel);
    let mut file = crate::files::open_regular(&path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let (mut bytes, mut lines) = (0u64, 0u64);
    // A check every 64 reads (of at most 64 KiB each).
    for reads in 0u64.. {
        if reads % 64 == 0 {
            cancel.check()?;
        }
        let n = file.read(&mut buf).map_err(|e| Error::read(&path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let rows = rel.ends_with(".csv").then(|| lines.saturating_sub(1));
    Ok(FileRecord { path: rel.to_string(), bytes: Some(bytes), rows, sha256: Some(sha256) })
}

/// Checks a file against its record: present, a regular file, its size and, when `checksum`, its SHA-256.
/// The error says what differs.
pub fn verify(dir: &Path, rec: &FileRecord, checksum: bool) -> std::result::Result<(), String> {
    let path = dir.join(&rec.path);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(_) => return Err(format!("{} is missing", rec.path)),
    };
    if !meta.is_file() {
        return Err(format!("{} is {}, not the file supportsim wrote", rec.path, crate::files::kind_of(&meta)));
    }
    if let Some(want) = rec.bytes {
        if meta.len() != want {
            return Err(format!(
                "{} has {} where supportsim wrote {} (cut short or changed since)",
                rec.path,
                crate::files::size(meta.len()),
                crate::files::size(want)
            ));
        }
    }
    if let (true, Some(want)) = (checksum, &rec.sha256) {
        let got = record(dir, &rec.path).map_err(|e| e.to_string())?;
        if got.sha256.as_ref() != Some(want) {
            return Err(format!("{} has changed since supportsim wrote it (its SHA-256 differs)", rec.path));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_manifest_with_the_marker_is_ours() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path()).unwrap(), Reading::Missing));
        let write = |v: &str| std::fs::write(dir.path().join("manifest.json"), v).unwrap();
        write(r#"{"name": "My PWA", "files": ["index.html"]}"#);
        assert!(matches!(read(dir.path()).unwrap(), Reading::NotOurs(_)));
        write("not json");
        assert!(matches!(read(dir.path()).unwrap(), Reading::NotOurs(_)));
        let ours = |files: &str| {
            format!(
                r#"{{"format": "{FORMAT}", "format_version": 1, "kind": "run", "complete": true, "files": {files}}}"#
            )
        };
        write(&ours(r#"[{"path": "timeseries.csv", "bytes": 3}]"#));
        match read(dir.path()).unwrap() {
            Reading::Ours(m) => assert_eq!((m.kind, m.complete, m.files.len()), (Kind::Run, true, 1)),
            other => panic!("{other:?}"),
        }
        for bad in [r#"[{"path": "../x"}]"#, r#"[{"path": "/etc/passwd"}]"#, r#"[{"path": "a//b"}]"#] {
            write(&ours(bad));
            assert!(matches!(read(dir.path()).unwrap(), Reading::NotOurs(_)), "{bad}");
        }
        write(&ours("[]").replace("\"format_version\": 1", "\"format_version\": 9"));
        assert!(matches!(read(dir.path()).unwrap(), Reading::NotOurs(w) if w.contains("version 9")));
    }

    #[test]
    fn records_catch_a_cut_or_edited_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "h\n1\n2\n").unwrap();
        let rec = record(dir.path(), "a.csv").unwrap();
        assert_eq!((rec.bytes, rec.rows), (Some(6), Some(2)));
        assert_eq!(rec.sha256.as_deref().map(str::len), Some(64));
        assert!(verify(dir.path(), &rec, true).is_ok());
        std::fs::write(dir.path().join("a.csv"), "h\n1\n").unwrap();
        assert!(verify(dir.path(), &rec, false).unwrap_err().contains("cut short"));
        std::fs::write(dir.path().join("a.csv"), "h\n1\n3\n").unwrap();
        assert!(verify(dir.path(), &rec, false).is_ok(), "same size");
        assert!(verify(dir.path(), &rec, true).unwrap_err().contains("SHA-256"));
        std::fs::remove_file(dir.path().join("a.csv")).unwrap();
        assert!(verify(dir.path(), &rec, true).unwrap_err().contains("missing"));
    }
}
