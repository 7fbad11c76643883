//! Reading scenario files: TOML text, `extends` chains (with cycle detection) merged into one table, and the
//! locator that maps a dotted key path back to the file and line where the user wrote it.
//!
//! Merge rules (documented in docs/scenarios.md): tables merge key by key; `districts` and `venues` merge
//! element by element, matched by `name` (a child entry overrides the keys it gives, new names are
//! appended); `events` of the child are appended to the parent's; everything else is replaced.

use crate::error::{Error, Problem, Problems};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The scenarios compiled into the binary, so the default what-if runs from any folder.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("baseline.toml", include_str!("../../scenarios/baseline.toml")),
    ("venue_closure.toml", include_str!("../../scenarios/venue_closure.toml")),
];

/// Where `extends` looks for files.
#[derive(Clone, Copy, Debug)]
pub enum Origin {
    Disk,
    Embedded,
}

/// One file of an `extends` chain.
#[derive(Debug)]
pub struct SourceFile {
    pub display: String,
    pub text: String,
    pub doc: Option<toml_edit::Document<String>>,
    /// Number of events written in files before this one (events are appended root first).
    pub events_before: usize,
    /// For each named array (`districts`, `venues`), where in this file each name is written, so that a
    /// problem is located in constant time however many venues the town has.
    names: Vec<HashMap<String, usize>>,
    /// Byte offset at which each line after the first starts, to turn an offset into a line number by
    /// binary search.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// The 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|start| *start <= offset) + 1
    }
}

/// A scenario file with its `extends` chain merged.
#[derive(Debug)]
pub struct Loaded {
    /// Root first, the named file last.
    pub files: Vec<SourceFile>,
    pub merged: Table,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

fn read(origin: Origin, path: &Path) -> Result<String, Error> {
    match origin {
        Origin::Disk => crate::files::read_text(path, crate::files::MAX_INPUT_BYTES),
        Origin::Embedded => {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, t)| t.to_string()).ok_or_else(|| Error::Read {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not an embedded scenario"),
            })
        }
    }
}

/// Reads a scenario and its `extends` chain.
pub fn load(origin: Origin, path: &Path) -> Result<Loaded, Error> {
    load_with_text(origin, path, None)
}

/// Like [`load`], with the first file's text given (it is not read from `path`, which only names it and
/// anchors relative `extends`).
pub fn load_with_text(origin: Origin, path: &Path, first_text: Option<String>) -> Result<Loaded, Error> {
    let mut first_text = first_text;
    let mut chain: Vec<(String, String, Table)> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut next = Some(path.to_path_buf());
    let mut referrer: Option<(String, usize)> = None;
    while let Some(p) = next.take() {
        let key = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
        let display = p.display().to_string();
        if seen.contains(&key) {
            let (file, line) = referrer.clone().unzip();
            return Err(Error::Scenario(Problems(vec![Problem {
                file,
                line,
                path: "extends".into(),
                message: format!("`extends` cycle: {display} is already in the chain"),
            }])));
        }
        seen.push(key);
        let text = match first_text.take().map(Ok).unwrap_or_else(|| read(origin, &p)) {
            Ok(t) => t,
            Err(e) => match &referrer {
                Some((file, line)) => {
                    return Err(Error::Scenario(Problems(vec![Problem {
                        file: Some(file.clone()),
                        line: Some(*line),
                        path: "extends".into(),
                        message: format!("{e}"),
                    }])))
                }
                None => return Err(e),
            },
        };
        let table: Table = match text.parse::<Table>() {
            Ok(t) => t,
            Err(e) => {
                let line = e.span().map(|s| line_of(&text, s.start));
                return Err(Error::Scenario(Problems(vec![Problem {
                    file: Some(display),
                    line,
                    path: String::new(),
                    message: format!("TOML syntax error: {}", e.message().trim()),
                }])));
            }
        };
        if let Some(ext) = table.get("extends") {
            let line = extends_line(&text);
            match ext.as_str() {
                Some(name) => {
                    let dir = p.parent().unwrap_or(Path::new(""));
                    next = Some(dir.join(name));
                    referrer = Some((display.clone(), line));
                }
                None => {
                    return Err(Error::Scenario(Problems(vec![Problem {
                        file: Some(display),
                        line: Some(line),
                        path: "extends".into(),
                        message: "must be a file name in quotes".into(),
                    }])))
                }
            }
        }
        chain.push((display, text, table));
    }
    chain.reverse();
    let mut merged = Table::new();
    let mut files = Vec::new();
    for (display, text, mut table) in chain {
        table.remove("extends");
        let events_before = merged.get("events").and_then(Value::as_array).map_or(0, |a| a.len());
        merge(&mut merged, table);
        let doc = toml_edit::Document::parse(text.clone()).ok();
        let names =
            NAMED_ARRAYS.iter().map(|a| doc.as_ref().map(|d| name_positions(d, a)).unwrap_or_default()).collect();
        let line_starts = text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1).collect();
        files.push(SourceFile { display, text, doc, events_before, names, line_starts });
    }
    Ok(Loaded { files, merged })
}

fn extends_line(text: &str) -> usize {
    text.lines().position(|l| l.trim_start().starts_with("extends")).map_or(1, |i| i + 1)
}

const NAMED_ARRAYS: &[&str] = &["districts", "venues"];

/// The elements of a top-level array of tables (`[[venues]]`) or of inline tables (`venues = [{...}]`).
fn elements(item: &toml_edit::Item) -> Vec<&dyn toml_edit::TableLike> {
    if let Some(aot) = item.as_array_of_tables() {
        aot.iter().map(|t| t as &dyn toml_edit::TableLike).collect()
    } else if let Some(arr) = item.as_array() {
        arr.iter().filter_map(|v| v.as_inline_table().map(|t| t as &dyn toml_edit::TableLike)).collect()
    } else {
        Vec::new()
    }
}

/// Element `j` of an array of tables or of inline tables, without listing the others.
fn element(item: &toml_edit::Item, j: usize) -> Option<&dyn toml_edit::TableLike> {
    if let Some(aot) = item.as_array_of_tables() {
        aot.get(j).map(|t| t as &dyn toml_edit::TableLike)
    } else {
        item.as_array()?.get(j)?.as_inline_table().map(|t| t as &dyn toml_edit::TableLike)
    }
}

/// Name → position of the first element with that name, in one file's named array.
fn name_positions(doc: &toml_edit::Document<String>, array: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    if let Some(item) = doc.as_table().get(array) {
        for (j, t) in elements(item).into_iter().enumerate() {
            if let Some(n) = t.get("name").and_then(|v| v.as_str()) {
                out.entry(n.to_string()).or_insert(j);
            }
        }
    }
    out
}

/// Merges `child` into `parent` by the rules in the module doc.
pub fn merge(parent: &mut Table, child: Table) {
    for (key, value) in child {
        match (parent.get_mut(&key), value) {
            (Some(Value::Table(p)), Value::Table(c)) => merge(p, c),
            (Some(Value::Array(p)), Value::Array(c)) if key == "events" => p.extend(c),
            (Some(Value::Array(p)), Value::Array(c)) if NAMED_ARRAYS.contains(&key.as_str()) => {
                // Where each name first appears in the parent, so a merge is linear in the two files' sizes.
                let mut at: HashMap<String, usize> = HashMap::new();
                for (j, e) in p.iter().enumerate() {
                    if let Some(n) = e.get("name").and_then(Value::as_str) {
                        at.entry(n.to_owned()).or_insert(j);
                    }
                }
                for item in c {
                    let name = item.get("name").and_then(Value::as_str).map(str::to_owned);
                    let existing = name.as_ref().and_then(|n| at.get(n).copied());
                    match (existing.map(|j| &mut p[j]), item) {
                        (Some(Value::Table(pt)), Value::Table(ct)) => merge(pt, ct),
                        (_, item) => {
                            if let Some(n) = name {
                                at.entry(n).or_insert(p.len());
                            }
                            p.push(item)
                        }
                    }
                }
            }
            (_, value) => {
                parent.insert(key, value);
            }
        }
    }
}

/// One step of a dotted key path.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Splits `venues[2].rituals.fri` into segments.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Segment::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let end = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(n) = stripped[..end].parse() {
                    out.push(Segment::Index(n));
                }
                rest = stripped.get(end + 1..).unwrap_or("");
            }
        } else if !rest.is_empty() {
            out.push(Segment::Key(rest.to_string()));
        }
    }
    out
}

impl Loaded {
    /// The file and line where the user wrote `path` (or its nearest written parent), child files first.
    pub fn locate(&self, path: &str) -> (Option<String>, Option<usize>) {
        let segments = parse_path(path);
        let mut best: Option<(usize, usize, usize)> = None; // (depth, file index, offset)
        for (fi, file) in self.files.iter().enumerate().rev() {
            let Some(doc) = &file.doc else { continue };
            let (depth, offset) = self.walk(doc.as_table(), &segments, file);
            if let Some(off) = offset {
                if best.is_none_or(|(d, _, _)| depth > d) {
                    best = Some((depth, fi, off));
                }
            }
        }
        match best {
            Some((_, fi, off)) => {
                let f = &self.files[fi];
                (Some(f.display.clone()), Some(f.line(off)))
            }
            None => (self.files.last().map(|f| f.display.clone()), None),
        }
    }

    /// Walks one file's document along the path; returns the depth reached and the byte offset there.
    fn walk(&self, root: &toml_edit::Table, segments: &[Segment], file: &SourceFile) -> (usize, Option<usize>) {
        let mut item: Option<&toml_edit::Item> = None;
        let mut table_like: Option<&dyn toml_edit::TableLike> = Some(root);
        let mut offset = None;
        let mut depth = 0;
        let mut array_name = String::new();
        for seg in segments {
            match seg {
                Segment::Key(k) => {
                    let Some(t) = table_like else { break };
                    let Some((key, it)) = t.get_key_value(k) else { break };
                    offset = key.span().or_else(|| it.span()).map(|s| s.start).or(offset);
                    item = Some(it);
                    table_like = it.as_table_like();
                    array_name = k.clone();
                }
                Segment::Index(i) => {
                    let Some(it) = item else { break };
                    let named = (depth == 1).then(|| NAMED_ARRAYS.iter().position(|a| *a == array_name)).flatten();
                    let found = if let Some(a) = named {
                        // The merged array's element i is the one of this file with the same name, if any.
                        let name = self
                            .merged
                            .get(&array_name)
                            .and_then(|a| a.get(*i))
                            .and_then(|e| e.get("name"))
                            .and_then(Value::as_str);
                        name.and_then(|n| file.names[a].get(n).copied())
                    } else if array_name == "events" && depth == 1 {
                        i.checked_sub(file.events_before)
                    } else {
                        Some(*i)
                    };
                    let Some(t) = found.and_then(|j| element(it, j)) else { break };
                    let span = t.get_values().first().and_then(|(keys, _)| keys.first().and_then(|k| k.span()));
                    offset = span.map(|s| s.start).or(offset);
                    table_like = Some(t);
                    item = None;
                }
            }
            depth += 1;
        }
        (depth, offset)
    }
}
