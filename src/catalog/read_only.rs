//! A catalog on a directory mcsec may not write: read statements run, changes are refused.
//!
//! `mcsec --catalog /mnt/ro/cat -e "show grants for RAM$bob;"` on a read-only mount: sled
//! cannot open a database it cannot write (it takes file locks and may recover its log on
//! open), so [`Catalog::open_read_only`] copies the directory to a private temporary one, opens
//! that copy with sled, reads every entry into memory, and removes the copy. The statements then
//! run on the in-memory entries; a statement that would change anything fails when it commits,
//! with `catalog /mnt/ro/cat is read-only: this statement would change it`, and the catalog
//! stays exactly as it was. No audit record is kept (there is nowhere to keep it). The format
//! key is checked as for any open.

use super::storage::{MemStorage, SledStorage, Storage, WriteBatch};
use super::Catalog;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Whether mcsec can create files in `dir` (a probe file is made and removed).
pub fn writable(dir: &Path) -> bool {
    let probe = dir.join(format!(".mcsec-write-probe-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(_) => false,
    }
}

/// Entries held in memory that refuse every write.
struct ReadOnly {
    entries: MemStorage,
    location: String,
}

impl Storage for ReadOnly {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.entries.get(key)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.entries.scan_prefix(prefix)
    }

    fn apply(&self, _batch: WriteBatch) -> Result<()> {
        Err(Error::Storage(format!(
            "catalog {} is read-only: this statement would change it",
            self.location
        )))
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }
}

/// A private copy of a directory tree, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

impl Catalog {
    /// Opens the existing catalog directory `location` for reading only (see the module doc).
    pub fn open_read_only(location: &str) -> Result<Catalog> {
        let scratch = Scratch(std::env::temp_dir().join(format!(
            "mcsec-read-only-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        )));
        copy_tree(Path::new(location), &scratch.0).map_err(|e| {
            Error::Storage(format!("cannot read read-only catalog {location}: {e}"))
        })?;
        let entries = MemStorage::default();
        {
            let sled = SledStorage::open(&scratch.0)?;
            if sled.is_blank()? {
                return Err(Error::Storage(format!(
                    "catalog {location} is read-only and holds no catalog"
                )));
            }
            sled.verify()?;
            let batch: WriteBatch = sled
                .scan_prefix(b"")?
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect();
            entries.apply(batch)?;
        }
        // A trail in an older format's layout is read in this one's (in memory only).
        let moved = super::audit::upgrade_layout(&entries)?;
        if !moved.is_empty() {
            entries.apply(moved)?;
        }
        drop(scratch);
        let mut catalog = Catalog::over(
            Box::new(ReadOnly {
                entries,
                location: location.to_string(),
            }),
            location,
        );
        catalog.read_only = true;
        catalog.check_format(false)?;
        Ok(catalog)
    }
}
