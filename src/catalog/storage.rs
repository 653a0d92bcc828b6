//! The byte-level store under the catalog: a sorted key-value map with atomic batches. Two
//! implementations: [`SledStorage`] (durable, the default) and [`MemStorage`] (`:memory:` and
//! tests). Everything above this trait is storage-agnostic.
//!
//! A statement's writes reach the store as one [`WriteBatch`], applied atomically; `flush` makes
//! every applied batch durable. The batch runner applies many statements' batches and flushes once
//! before printing their `OK`s.
//!
//! [`SledStorage`] splits the tenant into *partitions* by key prefix: a key's partition is its tag
//! plus, when the key has two or more segments, its first segment. So the `U`, `A`, `T`, ...
//! records of project `prj` form the partitions `U·prj`, `A·prj`, `T·prj`, while the one-segment
//! tenant-wide tags (`P`, `TR`, `TU`, `TG`) and the `F` format key form one partition each. Each
//! partition is stored as one postcard value cut into small sled values, listed in a directory
//! value, and is read on the first `get` or `scan_prefix` that touches it and kept in memory from
//! then on. `mcsec --project prj -e "whoami;"` on a
//! project with 100k grants thus reads the format, project and user partitions, never the grants.
//!
//! `grant Select on table t to user RAM$bob;` reads `A·prj` (loading it if needed), and its batch
//! updates `A·prj` and `AG·prj` in memory. `flush` appends the batches applied since the last
//! flush as one journal record to sled's default tree, with the flush generation in the same
//! sled batch, and then records that generation in `mcsec.flushed` (see [`FLUSHED_FILE`]: it
//! turns sled silently dropping a damaged end of its log into an error at the next open).
//! Opening replays the journal into per-partition overlays, applied when a partition is first
//! read. Once the journal would pass [`COMPACTION_BYTES`] and half the bytes of the partitions
//! it touched, those partitions are rewritten and the journal records deleted in one sled
//! transaction, so a crash leaves either the old partitions plus the journal or the new
//! partitions, never a mix; a store closed with more than [`COMPACTION_BYTES`] of journal
//! compacts it then.
//!
//! Why a journal: sled's cost is per key (about 10 µs per key on the target machines, measured),
//! so storing each catalog record as its own sled key caps a batch near 30k statements/s; a few
//! large sled values make `mcsec -f` apply 100k statements/s. Why chunks: a sled leaf holds up to
//! 16 keys with their values inline, so whole partitions as values would make reading the small
//! user partition read the 5 MB grant partition stored next to it, and sled re-reads every value
//! bigger than a quarter segment at each open (see [`CHUNK_BYTES`]).

use crate::error::{Error, Result};
use serde_bytes::{ByteBuf, Bytes};
use std::collections::{BTreeMap, BTreeSet};
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

/// The durable store: one sled database per catalog directory, holding
/// - the directory `d`: every partition on disk and its number of chunks;
/// - each partition as postcard `Vec<(key, value)>` cut into [`CHUNK_BYTES`] chunks, under
///   `p` + id length (u32 BE) + id + chunk number (u32 BE);
/// - the journal records, cut into chunks likewise, under `j` + sequence number (u64 BE) + chunk
///   number (u32 BE), replayed in order on top.
pub struct SledStorage {
    db: sled::Db,
    /// The catalog directory, for error messages.
    location: String,
    state: Mutex<State>,
    /// Journal size past which a flush compacts ([`COMPACTION_BYTES`] unless a test asks for
    /// less).
    compaction_bytes: usize,
    /// The exclusive lock on [`LOCK_FILE`], held while the store is open: it keeps a second
    /// process out before anything in the directory is read or tidied.
    _lock: std::fs::File,
    /// [`FLUSHED_FILE`], rewritten after every flush that wrote.
    flushed: std::fs::File,
}

struct State {
    /// Every partition that exists, on disk or only in memory so far.
    partitions: BTreeMap<Vec<u8>, Partition>,
    /// The directory as last written: chunk count per partition on disk.
    directory: BTreeMap<Vec<u8>, u32>,
    /// Writes applied since the last flush, latest per key.
    pending: WriteBatch,
    /// Partitions whose sled value is older than the journal: rewritten at the next compaction.
    stale: BTreeSet<Vec<u8>>,
    next_seq: u64,
    journal_bytes: usize,
    /// What the next compaction rewrites of the partitions on disk: the chunks of every stale
    /// partition, in bytes (at most [`CHUNK_BYTES`] each).
    stale_bytes: usize,
    /// The [`GENERATION`] the database holds.
    generation: u64,
    /// Whether this process has written to the database: only then does closing it compact
    /// (a process that only read, `check-catalog` among them, leaves the files as it found
    /// them).
    wrote: bool,
    /// Why a durable write failed. From then on the store takes no more writes: what it holds
    /// in memory is no longer what the disk holds, and a later flush that succeeded would make
    /// durable statements that were reported as failed.
    write_failure: Option<Error>,
}

enum Partition {
    /// Not read from sled yet: the writes made to it since its sled value was written (replayed
    /// journal records and this process's own), applied when it is read.
    Unread(WriteBatch),
    Read(BTreeMap<Vec<u8>, Vec<u8>>),
}

const DIRECTORY: &[u8] = b"d";
/// How many flushes have written to the database (u64 big-endian), written in the same sled
/// batch as each journal record or compaction, so that it is exactly as recent as the newest
/// batch sled kept.
const GENERATION: &[u8] = b"g";
const JOURNAL: &[u8] = b"j";
const PARTITION: &[u8] = b"p";
/// sled splits a leaf only past 16 keys and stores a leaf bigger than a quarter segment (128 KB)
/// as a separate blob file, which it reads again at every open while the leaf sits in the active
/// segment (measured: 10 ms per open for a 10 MB catalog). Sixteen 6 KB chunks stay under it.
const CHUNK_BYTES: usize = 6 * 1024;
/// Format 1 kept the whole tenant as one snapshot value `S` plus journal records `J<seq>` in the
/// default tree.
const FORMAT_1_SNAPSHOT: &[u8] = b"S";
const FORMAT_1_JOURNAL: &[u8] = b"J";
/// Journal size beyond which the partitions it touched are rewritten. Bounds what an open must
/// decode (about 3 ms per MB) against how often a busy partition is rewritten.
pub const COMPACTION_BYTES: usize = 1 << 20;
const SEP: u8 = 0x1f;

// Keys and values are (de)serialized as byte strings (`serde_bytes`): postcard writes a byte
// string and a sequence of `u8` identically (a varint length, then the bytes), so the stored
// form is the same, but a byte string is one copy instead of one serializer call per byte
// (measured: most of a compaction's time went into those calls).
type Journal = Vec<(ByteBuf, Option<ByteBuf>)>;
type Entries = Vec<(ByteBuf, ByteBuf)>;

/// The sled key prefix of partition `id`'s chunks.
fn chunk_prefix(id: &[u8]) -> Vec<u8> {
    let mut k = PARTITION.to_vec();
    k.extend_from_slice(&(id.len() as u32).to_be_bytes());
    k.extend_from_slice(id);
    k
}

fn chunk_key(id: &[u8], chunk: u32) -> Vec<u8> {
    let mut k = chunk_prefix(id);
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// The key of chunk `chunk` of journal record `seq`: a record is cut into chunks like a partition.
fn journal_key(seq: u64, chunk: u32) -> Vec<u8> {
    let mut k = JOURNAL.to_vec();
    k.extend_from_slice(&seq.to_be_bytes());
    k.extend_from_slice(&chunk.to_be_bytes());
    k
}

/// The partition id of `key`: the tag, plus the first segment when the key has two or more
/// segments. Always a prefix of `key`.
fn partition_of(key: &[u8]) -> &[u8] {
    let mut separators = key
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == SEP)
        .map(|(i, _)| i);
    match (separators.next(), separators.next()) {
        (Some(_), Some(second)) => &key[..second],
        (Some(first), None) => &key[..first],
        (None, _) => key,
    }
}

/// Every partition that may hold a key starting with `prefix`: a partition id is a prefix of its
/// keys, so it either starts with `prefix` or is itself a prefix of `prefix` ending just before a
/// separator (or equal to it).
fn partitions_under(partitions: &BTreeMap<Vec<u8>, Partition>, prefix: &[u8]) -> Vec<Vec<u8>> {
    let mut ids: BTreeSet<Vec<u8>> = partitions
        .range(prefix.to_vec()..)
        .map(|(id, _)| id)
        .take_while(|id| id.starts_with(prefix))
        .cloned()
        .collect();
    for (i, _) in prefix.iter().enumerate().filter(|(_, b)| **b == SEP) {
        if partitions.contains_key(&prefix[..i]) {
            ids.insert(prefix[..i].to_vec());
        }
    }
    ids.into_iter().collect()
}

pub(crate) fn storage_err(e: impl StoreFailure) -> Error {
    e.into_error()
}

/// The failures the sled store converts into [`Error`].
pub(crate) trait StoreFailure {
    fn into_error(self) -> Error;
}

impl StoreFailure for sled::Error {
    fn into_error(self) -> Error {
        Error::Sled {
            location: String::new(),
            problem: sled_problem(&self),
        }
    }
}

impl StoreFailure for postcard::Error {
    fn into_error(self) -> Error {
        Error::Storage(format!("cannot encode catalog data: {self}"))
    }
}

impl StoreFailure for std::io::Error {
    fn into_error(self) -> Error {
        Error::Sled {
            location: String::new(),
            problem: format!("cannot be read or written: {self}"),
        }
    }
}

/// A sled failure as the end of "catalog <dir> ...", in one line. sled's own `Display` of a
/// corruption prints its internal pointer and backtrace (`Read corrupted data at file offset
/// Some(Inline(..)) backtrace ()`), which says nothing to a user.
pub(crate) fn sled_problem(e: &sled::Error) -> String {
    let first_line = |s: &str| s.lines().next().unwrap_or("").trim().to_string();
    match e {
        sled::Error::Corruption { .. } => {
            "is corrupt: sled found damaged data in its files".to_string()
        }
        sled::Error::CollectionNotFound(_) => {
            "is corrupt: a sled tree it needs is missing".to_string()
        }
        sled::Error::Io(io) => format!("cannot be read or written: {}", io_failure(io)),
        sled::Error::Unsupported(s) => format!("cannot be used: {}", first_line(s)),
        sled::Error::ReportableBug(s) => {
            format!("cannot be used: sled failed: {}", first_line(s))
        }
    }
}

/// One line for an I/O error that came through sled. sled clones an error by re-creating it
/// from its `Debug` text (`Os { code: 28, kind: StorageFull, message: "..." }`), keeping only the
/// kind, so the operating system's message is taken back out of that text when it is there.
fn io_failure(io: &std::io::Error) -> String {
    if io.raw_os_error().is_some() {
        return io.to_string();
    }
    let text = io.to_string();
    if let Some(start) = text.find("message: \"") {
        let rest = &text[start + "message: \"".len()..];
        if let Some(end) = rest.find('"') {
            return rest[..end].to_string();
        }
    }
    match io.kind() {
        std::io::ErrorKind::StorageFull => "No space left on device".to_string(),
        std::io::ErrorKind::Other => text,
        kind => kind.to_string(),
    }
}

/// Beside sled's files: the [`GENERATION`] of the last flush whose statements were
/// acknowledged, as 8 bytes little-endian followed by their complement (a damaged file shows as
/// two halves that disagree). sled takes a damaged or cut-off end of its log for a write torn by
/// a crash and drops it silently, which would lose statements whose `OK` was printed; comparing
/// its generation with this file's at open turns that loss into an error.
const FLUSHED_FILE: &str = "mcsec.flushed";

/// Opens [`FLUSHED_FILE`] (creating it empty) and reads the generation it records: `None` for a
/// new file (a new catalog, or one written before the file existed).
fn open_flushed(path: &Path) -> Result<(std::fs::File, Option<u64>)> {
    use std::io::Read;
    let file_path = path.join(FLUSHED_FILE);
    let cannot = |e: std::io::Error| Error::Sled {
        location: path.display().to_string(),
        problem: format!("cannot be read or written: {}: {}", file_path.display(), io_failure(&e)),
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&file_path)
        .map_err(cannot)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.is_empty() {
        return Ok((file, None));
    }
    let damaged = || {
        Error::Storage(format!(
            "catalog file {} is damaged ({} bytes that do not record a flush); delete it to open the catalog without checking that no acknowledged statement was lost",
            file_path.display(),
            bytes.len()
        ))
    };
    let (Some(low), Some(high)) = (bytes.get(..8), bytes.get(8..16)) else {
        return Err(damaged());
    };
    let generation = u64::from_le_bytes(low.try_into().map_err(|_| damaged())?);
    let complement = u64::from_le_bytes(high.try_into().map_err(|_| damaged())?);
    if bytes.len() != 16 || complement != !generation {
        return Err(damaged());
    }
    Ok((file, Some(generation)))
}

/// Records `generation` in [`FLUSHED_FILE`], durably, in place (16 bytes, never a new block
/// once written).
fn write_flushed(file: &std::fs::File, generation: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&generation.to_le_bytes());
    bytes[8..].copy_from_slice(&(!generation).to_le_bytes());
    file.write_all_at(&bytes, 0)?;
    file.sync_data()
}

/// The lock file in the catalog directory. sled locks its own `db` file too, but only inside
/// its open, after it has read its snapshot files; this lock is taken first.
const LOCK_FILE: &str = "mcsec.lock";

/// Takes the catalog directory's lock, retrying for [`LOCK_RETRY`] (the previous holder may be
/// exiting).
fn lock_directory(path: &Path) -> Result<std::fs::File> {
    let lock_path = path.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            Error::Storage(format!("cannot open catalog {}: {e}", path.display()))
        })?;
    let started = std::time::Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                if started.elapsed() >= LOCK_RETRY {
                    return Err(Error::Locked(path.display().to_string()));
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::Storage(format!(
                    "cannot lock catalog {}: {e}",
                    path.display()
                )))
            }
        }
    }
}

/// Deletes sled's unfinished snapshot files (`snap.<lsn>.generating`). sled writes a snapshot
/// to such a file and renames it once it is complete and synced, so one left behind (a full
/// disk, a crash) is never the newest good snapshot; but sled's open reads it as one and fails
/// with a corruption error. Its log still holds everything, and the older snapshot stays until
/// a new one is renamed into place, so deleting it loses nothing. Called with the directory
/// lock held, so no live process is writing it.
fn remove_unfinished_snapshots(path: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            return Err(Error::Storage(format!(
                "cannot open catalog {}: {e}",
                path.display()
            )))
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            std::fs::remove_file(entry.path()).map_err(|e| {
                Error::Storage(format!(
                    "cannot open catalog {}: cannot remove the unfinished snapshot {name}: {e}",
                    path.display()
                ))
            })?;
        }
    }
    Ok(())
}

fn apply_write(map: &mut BTreeMap<Vec<u8>, Vec<u8>>, key: Vec<u8>, value: Option<Vec<u8>>) {
    match value {
        Some(v) => map.insert(key, v),
        None => map.remove(&key),
    };
}

/// How long a catalog whose lock is held is retried before reporting it in use. sled releases
/// its file lock only when its background flusher lets go of the database, a moment after the
/// previous holder (another process that just exited, or a dropped handle in this one) closed it.
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

fn open_sled(path: &Path) -> Result<sled::Db> {
    let started = std::time::Instant::now();
    loop {
        match sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            .open()
        {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(io))
                if io.kind() == std::io::ErrorKind::WouldBlock
                    || io.to_string().contains("lock") =>
            {
                if started.elapsed() >= LOCK_RETRY {
                    return Err(Error::Locked(path.display().to_string()));
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => {
                return Err(Error::Sled {
                    location: path.display().to_string(),
                    problem: sled_problem(&e),
                })
            }
        }
    }
}

impl SledStorage {
    /// Opens (creating if needed) the catalog at `path`. A catalog another process holds gets
    /// [`Error::Locked`] naming the directory. Reads the journal, not the partitions.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_compacting_at(path, COMPACTION_BYTES)
    }

    /// [`SledStorage::open`] with another compaction threshold, so that tests can cross it
    /// often with little data.
    pub fn open_compacting_at(path: &Path, compaction_bytes: usize) -> Result<Self> {
        std::fs::create_dir_all(path).map_err(|e| {
            Error::Storage(format!(
                "cannot create catalog directory {}: {e}",
                path.display()
            ))
        })?;
        let lock = lock_directory(path)?;
        remove_unfinished_snapshots(path)?;
        let db = open_sled(path)?;
        let location = path.display().to_string();
        if db.get(FORMAT_1_SNAPSHOT).map_err(storage_err)?.is_some()
            || db.scan_prefix(FORMAT_1_JOURNAL).next().is_some()
        {
            return Err(Error::Storage(format!(
                "catalog {location} has format 1, this mcsec reads format {}",
                super::model::FORMAT_VERSION
            )));
        }
        let (flushed, acknowledged) = open_flushed(path)?;
        let generation = match db.get(GENERATION).map_err(storage_err)? {
            Some(bytes) => u64::from_be_bytes(bytes.as_ref().try_into().map_err(|_| {
                Error::Storage(format!("corrupt flush generation in {location}"))
            })?),
            None => 0,
        };
        if let Some(acknowledged) = acknowledged.filter(|&a| a > generation) {
            return Err(Error::Storage(format!(
                "catalog {location} has lost acknowledged statements: its log {} ends at flush {generation}, but {} records flush {acknowledged} (the end of the log is damaged or was cut off; restore the catalog from a copy)",
                path.join("db").display(),
                path.join(FLUSHED_FILE).display(),
            )));
        }
        let directory: BTreeMap<Vec<u8>, u32> = match db.get(DIRECTORY).map_err(storage_err)? {
            Some(bytes) => postcard::from_bytes::<Vec<(Vec<u8>, u32)>>(&bytes)
                .map_err(|e| {
                    Error::Storage(format!("corrupt catalog directory in {location}: {e}"))
                })?
                .into_iter()
                .collect(),
            None => BTreeMap::new(),
        };
        let mut state = State {
            partitions: directory
                .keys()
                .map(|id| (id.clone(), Partition::Unread(WriteBatch::new())))
                .collect(),
            directory,
            pending: WriteBatch::new(),
            stale: BTreeSet::new(),
            next_seq: 0,
            journal_bytes: 0,
            stale_bytes: 0,
            generation,
            wrote: false,
            write_failure: None,
        };
        let mut record: Option<(u64, Vec<u8>)> = None;
        for chunk in db.scan_prefix(JOURNAL) {
            let (key, bytes) = chunk.map_err(storage_err)?;
            let seq = key
                .get(JOURNAL.len()..JOURNAL.len() + 8)
                .and_then(|s| <[u8; 8]>::try_from(s).ok())
                .map(u64::from_be_bytes);
            let seq =
                seq.ok_or_else(|| Error::Storage(format!("corrupt journal key in {location}")))?;
            match &mut record {
                Some((current, whole)) if *current == seq => whole.extend_from_slice(&bytes),
                _ => {
                    if let Some((done, whole)) = record.replace((seq, bytes.to_vec())) {
                        state.replay(done, &whole, &location)?;
                    }
                }
            }
        }
        if let Some((done, whole)) = record {
            state.replay(done, &whole, &location)?;
        }
        Ok(SledStorage {
            db,
            location,
            state: Mutex::new(state),
            compaction_bytes,
            _lock: lock,
            flushed,
        })
    }

    /// True when the database holds nothing at all: no key in the default tree, no other
    /// tree, nothing applied since opening. Only then is a database without the catalog's
    /// format key a new catalog rather than another program's data.
    pub fn is_blank(&self) -> Result<bool> {
        let state = self.lock()?;
        Ok(state.partitions.is_empty() && self.db.is_empty() && self.db.tree_names().len() <= 1)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| Error::Storage(format!("catalog {} lock poisoned", self.location)))
    }

    /// The contents of partition `id` (empty when it does not exist), reading it from sled on
    /// first use.
    fn read<'s>(
        &self,
        state: &'s mut State,
        id: &[u8],
    ) -> Result<Option<&'s BTreeMap<Vec<u8>, Vec<u8>>>> {
        let Some(partition) = state.partitions.get_mut(id) else {
            return Ok(None);
        };
        if let Partition::Unread(overlay) = partition {
            let corrupt = |what: String| {
                Error::Storage(format!(
                    "corrupt catalog partition {} in {}: {what}",
                    id.escape_ascii(),
                    self.location
                ))
            };
            let chunks = state.directory.get(id).copied().unwrap_or(0);
            let mut bytes = Vec::with_capacity(chunks as usize * CHUNK_BYTES);
            let mut found = 0;
            for chunk in self.db.scan_prefix(chunk_prefix(id)).values() {
                bytes.extend_from_slice(&chunk.map_err(storage_err)?);
                found += 1;
            }
            if found != chunks {
                return Err(corrupt(format!(
                    "{found} chunks, the directory says {chunks}"
                )));
            }
            let mut map: BTreeMap<Vec<u8>, Vec<u8>> = if bytes.is_empty() {
                BTreeMap::new()
            } else {
                postcard::from_bytes::<Entries>(&bytes)
                    .map_err(|e| corrupt(e.to_string()))?
                    .into_iter()
                    .map(|(k, v)| (k.into_vec(), v.into_vec()))
                    .collect()
            };
            for (k, v) in std::mem::take(overlay) {
                apply_write(&mut map, k, v);
            }
            *partition = Partition::Read(map);
        }
        match partition {
            Partition::Read(map) => Ok(Some(map)),
            Partition::Unread(_) => Ok(None),
        }
    }

    /// Rewrites every stale partition and the directory and deletes the journal, in one sled
    /// batch.
    fn compact(&self, state: &mut State) -> Result<()> {
        let mut batch = sled::Batch::default();
        for key in self.db.scan_prefix(JOURNAL).keys() {
            batch.remove(key.map_err(storage_err)?);
        }
        let mut directory = state.directory.clone();
        let stale: Vec<Vec<u8>> = state.stale.iter().cloned().collect();
        for id in &stale {
            let entries: Vec<(&Bytes, &Bytes)> = self
                .read(state, id)?
                .map(|m| m.iter().map(|(k, v)| (Bytes::new(k), Bytes::new(v))).collect())
                .unwrap_or_default();
            let bytes = if entries.is_empty() {
                Vec::new()
            } else {
                postcard::to_stdvec(&entries).map_err(storage_err)?
            };
            let mut written = 0u32;
            for chunk in bytes.chunks(CHUNK_BYTES) {
                batch.insert(chunk_key(id, written), chunk);
                written += 1;
            }
            for gone in written..directory.get(id).copied().unwrap_or(0) {
                batch.remove(chunk_key(id, gone));
            }
            if written == 0 {
                directory.remove(id);
            } else {
                directory.insert(id.clone(), written);
            }
        }
        let listing: Vec<(&Vec<u8>, &u32)> = directory.iter().collect();
        batch.insert(
            DIRECTORY,
            postcard::to_stdvec(&listing).map_err(storage_err)?,
        );
        batch.insert(GENERATION, &(state.generation + 1).to_be_bytes());
        state.wrote = true;
        self.db.apply_batch(batch).map_err(|e| self.failure(&e))?;
        state.generation += 1;
        state.directory = directory;
        state.stale.clear();
        state.journal_bytes = 0;
        state.stale_bytes = 0;
        Ok(())
    }
}

impl State {
    fn replay(&mut self, seq: u64, record: &[u8], location: &str) -> Result<()> {
        let journal: Journal = postcard::from_bytes(record)
            .map_err(|e| Error::Storage(format!("corrupt catalog journal in {location}: {e}")))?;
        for (k, v) in journal {
            let (k, v) = (k.into_vec(), v.map(ByteBuf::into_vec));
            // The record's partitions are older on disk than the journal says: a compaction,
            // which deletes every journal record, must rewrite them, whichever process wrote it.
            self.mark_stale(&k);
            self.write(k, v);
        }
        self.next_seq = seq + 1;
        self.journal_bytes += record.len();
        Ok(())
    }

    fn mark_stale(&mut self, key: &[u8]) {
        let id = partition_of(key);
        if !self.stale.contains(id) {
            let chunks = self.directory.get(id).copied().unwrap_or(0) as usize;
            self.stale_bytes += chunks * CHUNK_BYTES;
            self.stale.insert(id.to_vec());
        }
    }

    /// Applies one write to its partition, creating the partition (empty, nothing to read) when
    /// it does not exist yet.
    fn write(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let id = partition_of(&key);
        if !self.partitions.contains_key(id) {
            self.partitions
                .insert(id.to_vec(), Partition::Read(BTreeMap::new()));
        }
        match self.partitions.get_mut(id) {
            Some(Partition::Read(map)) => apply_write(map, key, value),
            Some(Partition::Unread(overlay)) => {
                overlay.insert(key, value);
            }
            None => {}
        }
    }
}

impl Storage for SledStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut state = self.lock()?;
        Ok(self
            .read(&mut state, partition_of(key))?
            .and_then(|map| map.get(key).cloned()))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut state = self.lock()?;
        let ids = partitions_under(&state.partitions, prefix);
        let mut out = Vec::new();
        for id in &ids {
            if let Some(map) = self.read(&mut state, id)? {
                out.extend(
                    map.range(prefix.to_vec()..)
                        .take_while(|(k, _)| k.starts_with(prefix))
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
            }
        }
        if ids.len() > 1 {
            out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(out)
    }

    fn apply(&self, batch: WriteBatch) -> Result<()> {
        let mut state = self.lock()?;
        self.refuse_after_write_failure(&state)?;
        for (k, v) in batch {
            state.pending.insert(k.clone(), v.clone());
            state.write(k, v);
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        let mut state = self.lock()?;
        self.refuse_after_write_failure(&state)?;
        let pending = std::mem::take(&mut state.pending);
        let wrote = !pending.is_empty();
        let written = if wrote {
            self.append(&mut state, &pending)
        } else {
            Ok(())
        }
        .and_then(|()| self.db.flush().map(|_| ()).map_err(|e| self.failure(&e)))
        .and_then(|()| {
            if !wrote {
                return Ok(());
            }
            write_flushed(&self.flushed, state.generation).map_err(|e| Error::Sled {
                location: self.location.clone(),
                problem: format!("cannot be read or written: {}", io_failure(&e)),
            })
        });
        if let Err(e) = &written {
            state.write_failure = Some(e.clone());
        }
        written
    }
}

/// A process that ends normally leaves a short journal: the journal may grow up to half the
/// partitions it touched (see `append`), and every later open would replay all of it, so a
/// store that wrote compacts a journal past [`COMPACTION_BYTES`] when it is closed. Nothing here can be
/// reported, and nothing needs to be: a compaction is one atomic sled batch, and a failed one
/// leaves the journal, which holds everything, in place.
impl Drop for SledStorage {
    fn drop(&mut self) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        if !state.wrote
            || state.write_failure.is_some()
            || !state.pending.is_empty()
            || state.journal_bytes <= self.compaction_bytes.max(COMPACTION_BYTES)
        {
            return;
        }
        if self.compact(&mut state).is_ok() && self.db.flush().is_ok() {
            state.generation_flushed(&self.flushed);
        }
    }
}

impl State {
    /// Records the generation after a compaction made durable outside `flush`.
    fn generation_flushed(&self, file: &std::fs::File) {
        let _ = write_flushed(file, self.generation);
    }
}

impl SledStorage {
    /// A sled failure while writing, naming the catalog.
    fn failure(&self, e: &sled::Error) -> Error {
        Error::Sled {
            location: self.location.clone(),
            problem: sled_problem(e),
        }
    }

    fn refuse_after_write_failure(&self, state: &State) -> Result<()> {
        match &state.write_failure {
            None => Ok(()),
            Some(Error::Sled { location, problem }) => Err(Error::Sled {
                location: location.clone(),
                problem: format!(
                    "{problem}; nothing more is saved by this process (restart mcsec once the cause is fixed)"
                ),
            }),
            Some(other) => Err(Error::Storage(format!(
                "{other}; nothing more is saved by this process (restart mcsec once the cause is fixed)"
            ))),
        }
    }

    /// Makes `pending` durable: a journal record, or a compaction once the journal is big.
    fn append(&self, state: &mut State, pending: &WriteBatch) -> Result<()> {
        for k in pending.keys() {
            state.mark_stale(k);
        }
        let journal: Vec<(&Bytes, Option<&Bytes>)> = pending
            .iter()
            .map(|(k, v)| (Bytes::new(k), v.as_deref().map(Bytes::new)))
            .collect();
        let bytes = postcard::to_stdvec(&journal).map_err(storage_err)?;
        // A compaction rewrites every stale partition whole, so with a fixed threshold a tenant
        // that grows would be rewritten again and again: each time in full for one busy
        // project (measured: 1M statements into one project spent most of its time there).
        // Waiting until the journal holds half of what a compaction rewrites keeps the bytes
        // rewritten to a fixed multiple of the bytes journaled, whatever the tenant's size;
        // an open replays a journal of at most that size.
        let threshold = self.compaction_bytes.max(state.stale_bytes / 2);
        if state.journal_bytes + bytes.len() > threshold {
            return self.compact(state);
        }
        let mut batch = sled::Batch::default();
        for (n, chunk) in (0u32..).zip(bytes.chunks(CHUNK_BYTES)) {
            batch.insert(journal_key(state.next_seq, n), chunk);
        }
        batch.insert(GENERATION, &(state.generation + 1).to_be_bytes());
        state.wrote = true;
        self.db.apply_batch(batch).map_err(|e| self.failure(&e))?;
        state.generation += 1;
        state.next_seq += 1;
        state.journal_bytes += bytes.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(pairs: &[(&str, Option<&str>)]) -> WriteBatch {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))
            .collect()
    }

    fn contents(s: &SledStorage) -> Vec<(Vec<u8>, Vec<u8>)> {
        s.scan_prefix(b"").unwrap()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(Vec<u8>, Vec<u8>)> {
        p.iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
            .collect()
    }

    /// Partitions read from sled so far.
    fn read_partitions(s: &SledStorage) -> Vec<String> {
        let state = s.state.lock().unwrap();
        state
            .partitions
            .iter()
            .filter(|(_, p)| matches!(p, Partition::Read(_)))
            .map(|(id, _)| String::from_utf8(id.clone()).unwrap().replace('\x1f', "/"))
            .collect()
    }

    fn journal_records(s: &SledStorage) -> usize {
        let seqs: BTreeSet<Vec<u8>> =
            s.db.scan_prefix(JOURNAL)
                .keys()
                .map(|k| k.unwrap()[..JOURNAL.len() + 8].to_vec())
                .collect();
        seqs.len()
    }

    #[test]
    fn a_journal_record_bigger_than_a_chunk_replays_whole() {
        let dir = tempfile::tempdir().unwrap();
        let value = "z".repeat(CHUNK_BYTES);
        {
            let s = SledStorage::open(dir.path()).unwrap();
            s.apply(batch(&[("a", Some("1"))])).unwrap();
            s.flush().unwrap();
            s.apply(batch(&[
                ("b", Some(&value)),
                ("c", Some(&value)),
                ("d", Some("4")),
            ]))
            .unwrap();
            s.flush().unwrap();
            assert_eq!(
                s.db.scan_prefix(JOURNAL).count(),
                4,
                "one chunk, then three"
            );
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(journal_records(&s), 2);
        assert_eq!(
            contents(&s),
            pairs(&[("a", "1"), ("b", &value), ("c", &value), ("d", "4")])
        );
        assert_eq!(s.state.lock().unwrap().next_seq, 2);
    }

    #[test]
    fn a_key_belongs_to_its_tag_and_first_of_two_or_more_segments() {
        assert_eq!(
            partition_of(b"A\x1fprj\x1ftable\x1ft\x1fu:bob"),
            b"A\x1fprj"
        );
        assert_eq!(partition_of(b"U\x1fprj\x1fRAM$bob"), b"U\x1fprj");
        assert_eq!(partition_of(b"P\x1fprj"), b"P");
        assert_eq!(partition_of(b"TR\x1fadmin"), b"TR");
        assert_eq!(partition_of(b"F"), b"F");
        assert_eq!(partition_of(b""), b"");
    }

    #[test]
    fn a_prefix_covers_the_partitions_its_keys_can_be_in() {
        let partitions: BTreeMap<Vec<u8>, Partition> =
            ["A\x1fprj", "A\x1fprj1", "AG\x1fprj", "P", "U\x1fprj", "F"]
                .iter()
                .map(|id| (id.as_bytes().to_vec(), Partition::Read(BTreeMap::new())))
                .collect();
        let under = |prefix: &str| -> Vec<String> {
            partitions_under(&partitions, prefix.as_bytes())
                .into_iter()
                .map(|id| String::from_utf8(id).unwrap().replace('\x1f', "/"))
                .collect()
        };
        assert_eq!(under("A\x1fprj\x1ftable\x1ft\x1f"), vec!["A/prj"]);
        assert_eq!(under("A\x1fprj\x1f"), vec!["A/prj"]);
        assert_eq!(under("A\x1fprj"), vec!["A/prj", "A/prj1"]);
        assert_eq!(under("A"), vec!["A/prj", "A/prj1", "AG/prj"]);
        assert_eq!(under("P\x1f"), vec!["P"]);
        assert_eq!(under("U\x1fother\x1f"), Vec::<String>::new());
        assert_eq!(under("").len(), 6);
    }

    #[test]
    fn journal_records_replay_in_order_and_unflushed_writes_are_lost() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open(dir.path()).unwrap();
            s.apply(batch(&[("a", Some("1")), ("b", Some("2"))]))
                .unwrap();
            s.flush().unwrap();
            s.apply(batch(&[("a", None), ("c", Some("3"))])).unwrap();
            s.flush().unwrap();
            s.apply(batch(&[("d", Some("never flushed"))])).unwrap();
            assert_eq!(s.get(b"d").unwrap(), Some(b"never flushed".to_vec()));
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(contents(&s), pairs(&[("b", "2"), ("c", "3")]));
        assert_eq!(s.state.lock().unwrap().next_seq, 2);
    }

    #[test]
    fn a_big_journal_is_compacted_into_the_partitions_it_touched() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(COMPACTION_BYTES / 4);
        {
            let s = SledStorage::open(dir.path()).unwrap();
            s.apply(batch(&[("U\x1fquiet\x1fbob", Some("1"))])).unwrap();
            s.flush().unwrap();
            s.apply(batch(&[("U\x1fquiet\x1fbob", Some("2"))])).unwrap();
            s.flush().unwrap();
            for i in 0..6 {
                s.apply(batch(&[(&format!("A\x1fbusy\x1f{i}"), Some(&big))]))
                    .unwrap();
                s.flush().unwrap();
            }
            let state = s.state.lock().unwrap();
            assert!(state.journal_bytes < COMPACTION_BYTES);
            assert_eq!(
                state.stale.len(),
                1,
                "only the partition written since the compaction"
            );
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(
            journal_records(&s),
            2,
            "only the records after the compaction are left"
        );
        assert!(read_partitions(&s).is_empty(), "opening reads no partition");
        assert_eq!(s.get(b"U\x1fquiet\x1fbob").unwrap(), Some(b"2".to_vec()));
        assert_eq!(read_partitions(&s), vec!["U/quiet"]);
        let busy = s.scan_prefix(b"A\x1fbusy\x1f").unwrap();
        assert_eq!(
            busy.iter()
                .map(|(k, _)| String::from_utf8(k.clone()).unwrap())
                .collect::<Vec<_>>(),
            (0..6)
                .map(|i| format!("A\x1fbusy\x1f{i}"))
                .collect::<Vec<_>>()
        );
        assert!(busy.iter().all(|(_, v)| v == big.as_bytes()));
    }

    /// Writes `count` keys of about 1 KB each to partition `A·p` in one flush: past
    /// [`COMPACTION_BYTES`], so the flush compacts.
    #[test]
    fn a_big_partition_is_rewritten_only_once_the_journal_holds_half_of_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = SledStorage::open_compacting_at(dir.path(), 4096).unwrap();
        // 100 records of 1 KB: one flush past the threshold writes the partition, 17 chunks.
        compacting_batch(&s, 100);
        let chunks = s.state.lock().unwrap().directory[&b"A\x1fp".to_vec()] as usize;
        assert_eq!(chunks, 17);
        // Updates of 1 KB to that partition: journaled until the journal would pass half of
        // the 17 chunks (52 KB), not at the fixed 4 KB threshold.
        let filler = "z".repeat(1024);
        let mut flushes = 0;
        while journal_records(&s) == flushes {
            let key = format!("A\x1fp\x1f{:05}", flushes % 100);
            s.apply(batch(&[(&key, Some(&filler))])).unwrap();
            s.flush().unwrap();
            flushes += 1;
            assert!(flushes < 100, "never compacted");
        }
        assert_eq!(journal_records(&s), 0);
        let journaled = (flushes - 1) * 1024;
        assert!(
            journaled >= chunks * CHUNK_BYTES / 2 - 1024 && journaled <= chunks * CHUNK_BYTES / 2 + 1024,
            "compacted after {flushes} flushes"
        );
        drop(s);
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(contents(&s).len(), 100);
        assert_eq!(s.get(b"A\x1fp\x1f00000").unwrap(), Some(filler.into_bytes()));
    }

    #[test]
    fn a_long_journal_is_compacted_when_the_store_closes() {
        let dir = tempfile::tempdir().unwrap();
        let filler = "w".repeat(1024);
        {
            let s = SledStorage::open(dir.path()).unwrap();
            // A 4 MB partition, then 1.5 MB of updates to it: past COMPACTION_BYTES, below
            // half the partition, so still journaled when the store closes.
            compacting_batch_of(&s, 4 * 1024, &filler);
            for round in 0..3 {
                let updates: Vec<(String, Option<&str>)> = (0..512)
                    .map(|i| (format!("A\x1fp\x1f{:05}", round * 512 + i), Some("u")))
                    .map(|(k, v)| (k, v.map(|_| filler.as_str())))
                    .collect();
                let pairs: Vec<(&str, Option<&str>)> =
                    updates.iter().map(|(k, v)| (k.as_str(), *v)).collect();
                s.apply(batch(&pairs)).unwrap();
                s.flush().unwrap();
            }
            assert_eq!(journal_records(&s), 3);
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(journal_records(&s), 0);
        assert_eq!(contents(&s).len(), 4 * 1024);
    }

    fn compacting_batch_of(s: &SledStorage, count: usize, filler: &str) {
        let keys: Vec<String> = (0..count).map(|i| format!("A\x1fp\x1f{i:05}")).collect();
        s.apply(
            keys.iter()
                .map(|k| (k.as_bytes().to_vec(), Some(filler.as_bytes().to_vec())))
                .collect(),
        )
        .unwrap();
        s.flush().unwrap();
        assert_eq!(journal_records(s), 0);
    }

    fn compacting_batch(s: &SledStorage, count: usize) {
        let filler = "y".repeat(1024);
        let keys: Vec<String> = (0..count).map(|i| format!("A\x1fp\x1f{i:05}")).collect();
        s.apply(
            keys.iter()
                .map(|k| (k.as_bytes().to_vec(), Some(filler.as_bytes().to_vec())))
                .collect(),
        )
        .unwrap();
        s.flush().unwrap();
        assert_eq!(journal_records(s), 0);
    }

    #[test]
    fn a_journal_tail_on_an_unread_partition_applies_when_it_is_first_read() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open(dir.path()).unwrap();
            s.apply(batch(&[
                ("U\x1fp\x1falice", Some("a")),
                ("U\x1fp\x1fbob", Some("b")),
                ("P\x1fp", Some("project")),
            ]))
            .unwrap();
            compacting_batch(&s, 1100);
            s.apply(batch(&[
                ("U\x1fp\x1falice", None),
                ("U\x1fp\x1fcarol", Some("c")),
            ]))
            .unwrap();
            s.flush().unwrap();
            s.apply(batch(&[("U\x1fq\x1fdan", Some("d"))])).unwrap();
            s.flush().unwrap();
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(journal_records(&s), 2);
        assert_eq!(
            read_partitions(&s),
            vec!["U/q"],
            "a partition made after the compaction lives in the journal only"
        );
        assert_eq!(
            s.scan_prefix(b"U\x1fp\x1f").unwrap(),
            pairs(&[("U\x1fp\x1fbob", "b"), ("U\x1fp\x1fcarol", "c")])
        );
        assert_eq!(read_partitions(&s), vec!["U/p", "U/q"]);
        assert_eq!(s.get(b"P\x1fp").unwrap(), Some(b"project".to_vec()));
        assert_eq!(s.scan_prefix(b"A\x1fp\x1f").unwrap().len(), 1100);
        assert_eq!(s.get(b"U\x1fq\x1fdan").unwrap(), Some(b"d".to_vec()));
    }

    #[test]
    fn a_partition_emptied_by_a_compaction_stays_empty() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open(dir.path()).unwrap();
            s.apply(batch(&[("U\x1fgone\x1fbob", Some("b"))])).unwrap();
            compacting_batch(&s, 1100);
            s.apply(batch(&[("U\x1fgone\x1fbob", None)])).unwrap();
            compacting_batch(&s, 1100);
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(s.scan_prefix(b"U\x1f").unwrap(), vec![]);
        assert_eq!(s.get(b"U\x1fgone\x1fbob").unwrap(), None);
    }

    #[test]
    fn a_format_1_catalog_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path()).unwrap();
            db.insert(
                FORMAT_1_JOURNAL
                    .iter()
                    .chain(&0u64.to_be_bytes())
                    .copied()
                    .collect::<Vec<u8>>(),
                b"old".to_vec(),
            )
            .unwrap();
            db.flush().unwrap();
        }
        let err = SledStorage::open(dir.path())
            .err()
            .expect("format 1 must be refused");
        assert_eq!(
            err.to_string(),
            format!(
                "catalog error: catalog {} has format 1, this mcsec reads format 3",
                dir.path().display()
            )
        );
    }
}
