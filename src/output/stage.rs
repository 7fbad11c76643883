//! A stage: the hidden folder inside a claimed output folder that new output is written into before
//! `Folder::commit` moves it into place (`folder`).

use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// A hidden folder inside a claimed folder that new output is written into; removed with everything in it
/// unless committed.
#[derive(Debug)]
pub struct Stage {
    path: PathBuf,
    open: bool,
}

impl Stage {
    /// Creates the stage folder `path`.
    pub(super) fn create(path: PathBuf) -> Result<Stage> {
        fs::create_dir(&path).map_err(|e| Error::write(&path, e))?;
        Ok(Stage { path, open: true })
    }

    pub fn dir(&self) -> &Path {
        &self.path
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.path.join(file)
    }

    /// Every file in the stage, relative and `/`-separated, sorted.
    pub(super) fn files(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut todo = vec![PathBuf::new()];
        while let Some(rel) = todo.pop() {
            let abs = self.path.join(&rel);
            for entry in fs::read_dir(&abs).map_err(|e| Error::read(&abs, e))? {
                let entry = entry.map_err(|e| Error::read(&abs, e))?;
                let name = rel.join(entry.file_name());
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    todo.push(name);
                } else {
                    let parts: Vec<String> =
                        name.components().map(|c| c.as_os_str().to_string_lossy().to_string()).collect();
                    out.push(parts.join("/"));
                }
            }
        }
        out.sort();
        Ok(out)
    }

    pub(super) fn close(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
        self.open = false;
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        if self.open {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
