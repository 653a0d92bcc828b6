//! The byte-level store under the catalog: a sorted key-value map with atomic batches. Two
//! implementations: [`SledStorage`] (durable, the default) and [`MemStorage`] (`:memory:` and
//! tests). Everything above this trait is storage-agnostic.
//!
//! A statement's writes reach the store as one [`WriteBatch`], applied atomically; `flush` makes
//! every applied batch durable. The batch runner applies many statements' batches and flushes once
//! before printing their `OK`s.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::RwLock;

/// Writes of one statement: `Some(value)` puts, `None` deletes.
pub type WriteBatch = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

pub trait Storage: Send + Sync {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Every (key, value) whose key starts with `prefix`, in key order.
    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>>;
    /// Applies all of `batch` or nothing.
    fn apply(&self, batch: WriteBatch) -> Result<()>;
    /// Makes every applied batch durable.
    fn flush(&self) -> Result<()>;
}

/// A throw-away store (`--catalog :memory:`).
#[derive(Default)]
pub struct MemStorage {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

fn poisoned() -> Error {
    Error::Storage("in-memory catalog lock poisoned".into())
}

impl Storage for MemStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.read().map_err(|_| poisoned())?.get(key).cloned())
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let map = self.map.read().map_err(|_| poisoned())?;
        Ok(map
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    fn apply(&self, batch: WriteBatch) -> Result<()> {
        let mut map = self.map.write().map_err(|_| poisoned())?;
        for (k, v) in batch {
            match v {
                Some(v) => map.insert(k, v),
                None => map.remove(&k),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }
}

/// The durable store: one sled database per catalog directory.
pub struct SledStorage {
    db: sled::Db,
}

impl SledStorage {
    /// Opens (creating if needed) the catalog at `path`. A catalog another process holds gets
    /// [`Error::Locked`] naming the directory.
    pub fn open(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path)
            .map_err(|e| Error::Storage(format!("cannot create catalog directory {}: {e}", path.display())))?;
        let db = sled::Config::new().path(path).open().map_err(|e| match &e {
            sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock") => {
                Error::Locked(path.display().to_string())
            }
            _ => Error::Storage(format!("cannot open catalog {}: {e}", path.display())),
        })?;
        Ok(SledStorage { db })
    }
}

fn sled_err(e: sled::Error) -> Error {
    Error::Storage(e.to_string())
}

impl Storage for SledStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.get(key).map_err(sled_err)?.map(|v| v.to_vec()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.db
            .scan_prefix(prefix)
            .map(|kv| kv.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(sled_err))
            .collect()
    }

    fn apply(&self, batch: WriteBatch) -> Result<()> {
        let mut b = sled::Batch::default();
        for (k, v) in batch {
            match v {
                Some(v) => b.insert(k, v),
                None => b.remove(k),
            }
        }
        self.db.apply_batch(b).map_err(sled_err)
    }

    fn flush(&self) -> Result<()> {
        self.db.flush().map(|_| ()).map_err(sled_err)
    }
}
