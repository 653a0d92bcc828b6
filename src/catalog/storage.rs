//! The byte-level store under the catalog: a sorted key-value map with atomic batches. Two
//! implementations: [`SledStorage`] (durable, the default) and [`MemStorage`] (`:memory:` and
//! tests). Everything above this trait is storage-agnostic.
//!
//! A statement's writes reach the store as one [`WriteBatch`], applied atomically; `flush` makes
//! every applied batch durable. The batch runner applies many statements' batches and flushes once
//! before printing their `OK`s.
//!
//! [`SledStorage`] keeps the tenant as a sorted map in memory and uses sled as a durable,
//! crash-atomic log underneath: `flush` appends the batches applied since the last flush as one
//! journal record, and when the journal outgrows the last snapshot, replaces snapshot and journal
//! by a fresh snapshot in one sled batch. Opening reads the snapshot and replays the journal.
//! Why: sled's cost is per key (about 10 µs per key on the target machines, measured), so
//! storing each catalog record as its own sled key caps a batch near 30k statements/s; a few
//! large sled values make `mcsec -f` apply 100k statements/s and keep every read in memory.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, RwLock};

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

/// The durable store: one sled database per catalog directory, holding a snapshot of the whole
/// map (`S`) and journal records (`J` + big-endian sequence number) applied in order on top.
pub struct SledStorage {
    db: sled::Db,
    map: MemStorage,
    /// Writes applied since the last flush, latest per key.
    pending: Mutex<WriteBatch>,
    log: Mutex<LogState>,
}

#[derive(Default)]
struct LogState {
    next_seq: u64,
    journal_bytes: usize,
    snapshot_bytes: usize,
}

const SNAPSHOT: &[u8] = b"S";
const JOURNAL: &[u8] = b"J";
/// A journal smaller than this is never compacted, so small catalogs do not rewrite their
/// snapshot on every statement.
const MIN_COMPACTION_BYTES: usize = 1 << 20;

type Journal = Vec<(Vec<u8>, Option<Vec<u8>>)>;

fn journal_key(seq: u64) -> Vec<u8> {
    let mut k = JOURNAL.to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn storage_err(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}

/// How long a catalog whose lock is held is retried before reporting it in use. sled releases
/// its file lock only when its background flusher lets go of the database, a moment after the
/// previous holder (another process that just exited, or a dropped handle in this one) closed it.
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

fn open_sled(path: &Path) -> Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        match sled::Config::new().path(path).mode(sled::Mode::HighThroughput).open() {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(io)) if io.kind() == std::io::ErrorKind::WouldBlock || io.to_string().contains("lock") => {
                if started.elapsed() >= LOCK_RETRY {
                    return Err(Error::Locked(path.display().to_string()));
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => return Err(Error::Storage(format!("cannot open catalog {}: {e}", path.display()))),
        }
    }
}

impl SledStorage {
    /// Opens (creating if needed) the catalog at `path`. A catalog another process holds gets
    /// [`Error::Locked`] naming the directory.
    pub fn open(path: &Path) -> Result<Self> {
        std::fs::create_dir_all(path)
            .map_err(|e| Error::Storage(format!("cannot create catalog directory {}: {e}", path.display())))?;
        let db = open_sled(path)?;
        let mut log = LogState::default();
        let mut map: BTreeMap<Vec<u8>, Vec<u8>> = match db.get(SNAPSHOT).map_err(storage_err)? {
            Some(bytes) => {
                log.snapshot_bytes = bytes.len();
                let entries: Vec<(Vec<u8>, Vec<u8>)> = postcard::from_bytes(&bytes)
                    .map_err(|e| Error::Storage(format!("corrupt catalog snapshot in {}: {e}", path.display())))?;
                entries.into_iter().collect()
            }
            None => BTreeMap::new(),
        };
        for record in db.scan_prefix(JOURNAL) {
            let (key, bytes) = record.map_err(storage_err)?;
            let seq = key.get(JOURNAL.len()..).and_then(|s| <[u8; 8]>::try_from(s).ok()).map(u64::from_be_bytes);
            let seq = seq.ok_or_else(|| Error::Storage(format!("corrupt journal key in {}", path.display())))?;
            let journal: Journal = postcard::from_bytes(&bytes)
                .map_err(|e| Error::Storage(format!("corrupt catalog journal in {}: {e}", path.display())))?;
            for (k, v) in journal {
                match v {
                    Some(v) => map.insert(k, v),
                    None => map.remove(&k),
                };
            }
            log.next_seq = seq + 1;
            log.journal_bytes += bytes.len();
        }
        Ok(SledStorage {
            db,
            map: MemStorage { map: RwLock::new(map) },
            pending: Mutex::new(WriteBatch::new()),
            log: Mutex::new(log),
        })
    }

    /// Replaces snapshot and journal by a snapshot of the current map, atomically.
    fn compact(&self, log: &mut LogState) -> Result<()> {
        let snapshot = {
            let map = self.map.map.read().map_err(|_| poisoned())?;
            let entries: Vec<(&Vec<u8>, &Vec<u8>)> = map.iter().collect();
            postcard::to_stdvec(&entries).map_err(storage_err)?
        };
        let mut batch = sled::Batch::default();
        for key in self.db.scan_prefix(JOURNAL).keys() {
            batch.remove(key.map_err(storage_err)?);
        }
        log.snapshot_bytes = snapshot.len();
        log.journal_bytes = 0;
        batch.insert(SNAPSHOT, snapshot);
        self.db.apply_batch(batch).map_err(storage_err)
    }
}

impl Storage for SledStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.map.get(key)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.map.scan_prefix(prefix)
    }

    fn apply(&self, batch: WriteBatch) -> Result<()> {
        let mut pending = self.pending.lock().map_err(|_| poisoned())?;
        for (k, v) in &batch {
            pending.insert(k.clone(), v.clone());
        }
        self.map.apply(batch)
    }

    fn flush(&self) -> Result<()> {
        let pending = std::mem::take(&mut *self.pending.lock().map_err(|_| poisoned())?);
        if pending.is_empty() {
            return self.db.flush().map(|_| ()).map_err(storage_err);
        }
        let mut log = self.log.lock().map_err(|_| poisoned())?;
        let journal: Journal = pending.into_iter().collect();
        let bytes = postcard::to_stdvec(&journal).map_err(storage_err)?;
        if log.journal_bytes + bytes.len() > log.snapshot_bytes.max(MIN_COMPACTION_BYTES) {
            self.compact(&mut log)?;
        } else {
            let seq = log.next_seq;
            log.next_seq += 1;
            log.journal_bytes += bytes.len();
            self.db.insert(journal_key(seq), bytes).map_err(storage_err)?;
        }
        self.db.flush().map(|_| ()).map_err(storage_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(pairs: &[(&str, Option<&str>)]) -> WriteBatch {
        pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec()))).collect()
    }

    fn contents(s: &SledStorage) -> Vec<(Vec<u8>, Vec<u8>)> {
        s.scan_prefix(b"").unwrap()
    }

    #[test]
    fn journal_records_replay_in_order_and_unflushed_writes_are_lost() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open(dir.path()).unwrap();
            s.apply(batch(&[("a", Some("1")), ("b", Some("2"))])).unwrap();
            s.flush().unwrap();
            s.apply(batch(&[("a", None), ("c", Some("3"))])).unwrap();
            s.flush().unwrap();
            s.apply(batch(&[("d", Some("never flushed"))])).unwrap();
            assert_eq!(s.get(b"d").unwrap(), Some(b"never flushed".to_vec()));
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(contents(&s), vec![(b"b".to_vec(), b"2".to_vec()), (b"c".to_vec(), b"3".to_vec())]);
        assert_eq!(s.log.lock().unwrap().next_seq, 2);
    }

    #[test]
    fn a_journal_larger_than_the_snapshot_is_compacted_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(MIN_COMPACTION_BYTES / 4);
        {
            let s = SledStorage::open(dir.path()).unwrap();
            for i in 0..6 {
                s.apply(batch(&[(&format!("k{i}"), Some(&big))])).unwrap();
                s.flush().unwrap();
            }
            let log = s.log.lock().unwrap();
            assert!(log.snapshot_bytes > MIN_COMPACTION_BYTES, "compaction happened");
            assert!(log.journal_bytes < MIN_COMPACTION_BYTES);
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(contents(&s).len(), 6);
        assert_eq!(s.db.scan_prefix(JOURNAL).count(), 2, "only the records after the compaction are left");
    }
}
