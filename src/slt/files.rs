//! The files a scripted test's statements name. `put policy deny.json;` in
//! `scripts/lessons/04_policies.slt` reads `scripts/lessons/deny.json` ([`DirFiles`]: paths are
//! relative to the `.slt` file, so a lesson runs from any working directory), and
//! `tunnel download t out.csv;` writes nowhere on disk: a test must not leave files behind or
//! depend on what an earlier run left, so what a file downloads is kept in memory for the rest
//! of its run (a later read of the same path sees it). Lessons that ship inside the binary read
//! their side files from [`MemoryFiles`].

use crate::error::{Error, Result};
use crate::exec::Files;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

/// Reads relative to a directory; writes are kept in memory.
pub struct DirFiles {
    dir: PathBuf,
    written: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl DirFiles {
    pub fn new(dir: PathBuf) -> Self {
        DirFiles {
            dir,
            written: Mutex::default(),
        }
    }
}

fn read_written(written: &Mutex<BTreeMap<String, Vec<u8>>>, path: &str) -> Option<String> {
    written
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(path)
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
}

impl Files for DirFiles {
    fn read(&self, path: &str) -> Result<String> {
        if let Some(text) = read_written(&self.written, path) {
            return Ok(text);
        }
        std::fs::read_to_string(self.dir.join(path))
            .map_err(|e| crate::exec::messages::read_file(path, e))
    }

    fn write(&self, path: &str, contents: &[u8]) -> Result<()> {
        if path.is_empty() {
            return Err(Error::Io("cannot write : empty path".into()));
        }
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), contents.to_vec());
        Ok(())
    }
}

/// Files held in memory: a lesson's side files, and what its statements write.
#[derive(Default)]
pub struct MemoryFiles {
    files: BTreeMap<String, String>,
    written: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryFiles {
    pub fn new(files: impl IntoIterator<Item = (String, String)>) -> Self {
        MemoryFiles {
            files: files.into_iter().collect(),
            written: Mutex::default(),
        }
    }
}

impl Files for MemoryFiles {
    fn read(&self, path: &str) -> Result<String> {
        if let Some(text) = read_written(&self.written, path) {
            return Ok(text);
        }
        let key = path.trim_start_matches("./");
        self.files.get(key).cloned().ok_or_else(|| {
            crate::exec::messages::read_file(path, std::io::Error::from_raw_os_error(2))
        })
    }

    fn write(&self, path: &str, contents: &[u8]) -> Result<()> {
        self.written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_string(), contents.to_vec());
        Ok(())
    }
}
