//! The byte-level store under the catalog: a sorted key-value map with atomic batches. Two
//! implementations: [`SledStorage`] (durable, the default) and [`MemStorage`] (`:memory:` and
//! tests). Everything above this trait is storage-agnostic.
//!
//! A statement's writes reach the store as one [`WriteBatch`], applied atomically; `flush` makes
//! every applied batch durable. The batch runner applies many statements' batches and flushes once
//! before printing their `OK`s.
//!
//! Follow `grant Select on table t to user RAM$bob;` through [`SledStorage`]. The statement reads
//! `U·prj·RAM$bob`: the store looks in its *overlay* (every write not yet in the pages on disk),
//! then in the *page* holding that key — a sorted run of a few kilobytes of neighbouring records
//! (see [`pages`]), found through sled's index of pages, read from its segment file on first use
//! (see [`segments`]) and kept in a cache of bounded size. Its batch's ACL record goes into the
//! overlay (its trail record takes the path below). `flush` appends the batches applied since
//! the last flush as one record, with the flush generation, to the journal file (see
//! [`journal`]) and syncs it, and then records that generation in `mcsec.flushed` (see
//! [`FLUSHED_FILE`]: it turns a damaged end of sled's log or of the journal, which a replay
//! would take for a torn write and drop, into an error at the next open). Opening replays the
//! journal into the overlay. Once the journal would pass [`COMPACTION_BYTES`], the pages the
//! overlay touches are rewritten (a page grown past [`PAGE_BYTES`] is split): their bodies are
//! appended to a segment file and synced, then one sled batch names them and records the new
//! generation, and once that batch is durable the journal is emptied; so a crash leaves either
//! the old pages plus the journal or the new pages, never a mix.
//!
//! So what a statement costs does not depend on the tenant's size: it reads a few pages, a flush
//! writes one journal record, and a compaction rewrites the pages written to, never whole
//! projects; and memory holds the overlay (at most a journal's worth) and the cache, however many
//! records the catalog has. `mcsec --project prj -e "whoami;"` on a catalog of a million grants
//! reads the format key's page, the project's and the user's.
//!
//! The trail's record of that `grant` takes another path. Its key extends the store's *log
//! range* ([`Tuning::log`]: keys only ever appended past the range's end), so it waits in the
//! *tail*, a vector in key order, instead of the overlay's B-tree; the compaction cuts log pages
//! full and keeps only the newest cached. A write under the prefix that
//! does not extend the tail (pruning's deletes, a key written again) goes to the overlay and
//! wins, so the path is faster, never different.
//!
//! Why a journal and pages: sled's cost is per key (about 10 µs per key on the target machines,
//! measured), so storing each catalog record as its own sled key caps a batch near 30k
//! statements/s; one journal record per flush and a small page value per page a compaction
//! rewrites keep sled's share small.

use crate::error::{Error, Result};
use serde_bytes::{ByteBuf, Bytes};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::{Mutex, RwLock};

mod journal;
mod legacy;
mod pages;
mod segments;

use pages::{
    body_key, decode_entries, decode_page, encode_entries_into, overflow_key, page_key, reference,
    split, Fill, Origin, Page, PageCache, SledWrites, Stored, PAGE,
};
use journal::Journal;
use segments::{Appender, Extent, Segments};

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
    /// Checks what the store keeps beside the records for its own use (`mcsec check-catalog`).
    fn verify(&self) -> Result<()> {
        Ok(())
    }
    /// [`Storage::flush`] at the end of a run: a store may also tidy what it keeps for the next
    /// open (the sled store folds a long journal into the pages).
    fn settle(&self) -> Result<()> {
        self.flush()
    }
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
/// - the pages (see [`pages`]): the catalog's records cut into sorted key ranges of about
///   [`PAGE_BYTES`], each one small sled value under `q` + its lower bound naming where the
///   page's body is in the segment files under [`segments::DIRECTORY`], and each segment's
///   usage under `s` + its number (earlier releases kept bodies in sled, under `b` + a body
///   number, or in the page value, with overflow chunks under `o`; they are read as they are);
/// - journal records of earlier releases, cut into chunks, under `j` + sequence number (u64 BE)
///   + chunk number (u32 BE), replayed in order on top, before the journal file's
///   ([`journal::FILE`]);
/// - the flush generation `g` of the last compaction, the layout number `l`, and the stub of
///   the partition layout that keeps older releases out (see [`legacy`]).
pub struct SledStorage {
    db: sled::Db,
    /// The catalog directory, for error messages.
    location: String,
    state: Mutex<State>,
    tuning: Tuning,
    /// The exclusive lock on [`LOCK_FILE`], held while the store is open: it keeps a second
    /// process out before anything in the directory is read or tidied.
    _lock: std::fs::File,
    /// [`FLUSHED_FILE`], rewritten after every flush that wrote.
    flushed: std::fs::File,
}

/// The sizes a store works with. Tests choose small ones to cross every boundary with little
/// data; [`Tuning::default`] is what `mcsec` uses.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Journal size past which a flush compacts it into the pages.
    pub compaction_bytes: usize,
    /// A page that grows past this (encoded) is split.
    pub page_bytes: usize,
    /// What the page cache may hold, in bytes of decoded entries.
    pub cache_bytes: usize,
    /// A key prefix written by appending keys greater than every key under it, and read by
    /// range (the audit trail). Its new keys are held in order in the store's tail rather than
    /// in the overlay's B-tree; a page whose lower bound has the prefix is cut at
    /// `log_page_bytes` into whole pages ([`Fill::Whole`]), and of the pages a compaction cuts
    /// it into only the last, where the next appends land, stays cached. A journal's worth
    /// of appends then costs a few full pages rather than many small ones, and does not
    /// push out of the cache the pages the other statements keep reading. Other writes under
    /// the prefix are correct too, only not faster.
    pub log: Option<&'static [u8]>,
    /// The page size of the `log` range.
    pub log_page_bytes: usize,
    /// The size of a segment file of page bodies (see [`segments`]).
    pub segment_bytes: u64,
}

impl Tuning {
    fn is_log(&self, key: &[u8]) -> bool {
        self.log.is_some_and(|prefix| key.starts_with(prefix))
    }
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            compaction_bytes: COMPACTION_BYTES,
            page_bytes: PAGE_BYTES,
            cache_bytes: CACHE_BYTES,
            log: None,
            log_page_bytes: LOG_PAGE_BYTES,
            segment_bytes: segments::SEGMENT_BYTES,
        }
    }
}

struct State {
    /// Every write not yet in the pages on disk, latest per key: the journal replayed at open,
    /// and every batch applied since. Reads look here first.
    overlay: Overlay,
    /// More writes not yet in the pages: those under the [`Tuning::log`] prefix that came in
    /// increasing key order (the trail's new records), kept in that order in a vector rather
    /// than in the overlay's B-tree. A key the overlay also holds was written there later, so
    /// the overlay's write wins: a write under the prefix that does not extend the tail goes to
    /// the overlay, and the tail only starts past the overlay's keys under the prefix.
    tail: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    /// The writes applied since the last flush, postcard-encoded one after another as the
    /// elements of the next journal record (a key written twice appears twice; replay keeps
    /// the later): encoding as they arrive moves each key and value into the overlay without
    /// a copy.
    pending: Vec<u8>,
    /// How many writes were applied since the last flush.
    pending_writes: usize,
    /// Whether a flush of this store wrote anything (see [`SledStorage::fold_journal`]).
    wrote: bool,
    /// The next flush compacts: `pending` grew past what the journal may hold, so the writes
    /// since are not encoded (a compaction stores the overlay, never the journal record) and
    /// `pending` is dropped. A batch's group commits pass the budget every few flushes.
    compacts: bool,
    cache: PageCache,
    /// The segment files holding the page bodies (see [`segments`]).
    segments: Segments,
    /// How many page records cleanings moved since the store opened.
    moved: usize,
    /// A catalog in the partition layout of formats 2 and 3 (see [`legacy`]): its records are
    /// all in the overlay, and the first flush that writes compacts them into pages.
    legacy: bool,
    /// The journal file (see [`journal`]).
    journal: Journal,
    /// The [`GENERATION`] the database holds.
    generation: u64,
    /// Why a durable write failed. From then on the store takes no more writes: what it holds
    /// in memory is no longer what the disk holds, and a later flush that succeeded would make
    /// durable statements that were reported as failed.
    write_failure: Option<Error>,
}

/// How many flushes had written to the catalog at the last compaction (u64 big-endian), written
/// in the compaction's sled batch, so that it is exactly as recent as the newest batch sled
/// kept; each journal record carries its own generation, the ones after it.
const GENERATION: &[u8] = b"g";
const JOURNAL: &[u8] = b"j";
/// sled splits a leaf only past 16 keys and stores a leaf bigger than a quarter segment (128 KB)
/// as a separate blob file, which it reads again at every open while the leaf sits in the active
/// segment (measured: 10 ms per open for a 10 MB catalog). Earlier releases cut journal records
/// and big pages into chunks of this size, which sixteen to a leaf stay under it.
const CHUNK_BYTES: usize = 7 * 1024;
/// A page past this is split: small enough that reading one record reads little and that a
/// compaction, which rewrites each page it touches whole, writes little; big enough that a page
/// holds a dozen records or more. (Measured on 100k statements with bodies in segment files, 1
/// KB and 4 KB pages were no faster.)
pub const PAGE_BYTES: usize = 2 * 1024;
/// The page size of the append-only range (see [`Tuning::log`]): full pages of a few kilobytes,
/// as big as earlier releases could keep in one sled value.
pub const LOG_PAGE_BYTES: usize = CHUNK_BYTES - 64;
/// The page cache's budget: the pages a batch keeps touching (a project's newest users, roles
/// and grants, the trail's newest block) fit many times over, while memory stays flat however
/// big the tenant grows.
pub const CACHE_BYTES: usize = 4 << 20;
/// sled's own cache of the pages of its tree (its default is 1 GB, which a long batch fills
/// with pages it wrote and never reads again).
const SLED_CACHE_BYTES: u64 = 4 << 20;
/// Format 1 kept the whole tenant as one snapshot value `S` plus journal records `J<seq>` in the
/// default tree.
const FORMAT_1_SNAPSHOT: &[u8] = b"S";
const FORMAT_1_JOURNAL: &[u8] = b"J";
/// Journal size beyond which it is compacted into the pages it touched. Bounds the memory the
/// overlay holds and what an open must decode (about 3 ms per MB; a store that wrote folds a
/// journal of more than a quarter of this into the pages when it closes, so a batch leaves at
/// most that). A batch's group commit of 2,000 statements is a few hundred kilobytes, so a
/// batch compacts every few flushes: over 100 projects, where each compaction rewrites some
/// 600 pages, compacting at every group commit (256 KB) cost 11% more instructions and a
/// fifth more time on the 100k workload; in one project the two are within 2%.
pub const COMPACTION_BYTES: usize = 1 << 20;
/// The catalog key whose value the partition-layout stub repeats (the format key).
const FORMAT_KEY: &[u8] = b"F";

/// A journal record's payload: the writes of the flushes it holds.
type JournalWrites = Vec<(ByteBuf, Option<ByteBuf>)>;


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
        problem: format!(
            "cannot be read or written: {}: {}",
            file_path.display(),
            io_failure(&e)
        ),
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
        .map_err(|e| Error::Storage(format!("cannot open catalog {}: {e}", path.display())))?;
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
            .cache_capacity(SLED_CACHE_BYTES)
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
    /// [`Error::Locked`] naming the directory. Reads the journal, not the pages.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_tuned(path, Tuning::default())
    }

    /// [`SledStorage::open`] with another compaction threshold, so that tests can cross it
    /// often with little data.
    pub fn open_compacting_at(path: &Path, compaction_bytes: usize) -> Result<Self> {
        Self::open_tuned(
            path,
            Tuning {
                compaction_bytes,
                ..Tuning::default()
            },
        )
    }

    /// [`SledStorage::open`] with other sizes (see [`Tuning`]).
    pub fn open_tuned(path: &Path, tuning: Tuning) -> Result<Self> {
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
        let generation =
            match db.get(GENERATION).map_err(storage_err)? {
                Some(bytes) => u64::from_be_bytes(bytes.as_ref().try_into().map_err(|_| {
                    Error::Storage(format!("corrupt flush generation in {location}"))
                })?),
                None => 0,
            };
        let (journal, records) = Journal::open(path, generation).map_err(|e| Error::Sled {
            location: location.clone(),
            problem: format!(
                "cannot be read or written: {}: {}",
                path.join(journal::FILE).display(),
                io_failure(&e)
            ),
        })?;
        let reached = records.last().map_or(generation, |(last, _)| *last);
        if let Some(acknowledged) = acknowledged.filter(|&a| a > reached) {
            return Err(Error::Storage(format!(
                "catalog {location} has lost acknowledged statements: its log {} and journal {} end at flush {reached}, but {} records flush {acknowledged} (their end is damaged or was cut off; restore the catalog from a copy)",
                path.join("db").display(),
                path.join(journal::FILE).display(),
                path.join(FLUSHED_FILE).display(),
            )));
        }
        let legacy = db.get(legacy::LAYOUT).map_err(storage_err)?.is_none()
            && db.contains_key(legacy::DIRECTORY).map_err(storage_err)?;
        let overlay: Overlay = if legacy {
            legacy::read_all(&db, &location)?
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect()
        } else {
            Overlay::default()
        };
        let mut state = State {
            overlay,
            tail: Vec::new(),
            pending: Vec::new(),
            pending_writes: 0,
            wrote: false,
            compacts: false,
            cache: PageCache::new(tuning.cache_bytes),
            segments: Segments::new(path, tuning.segment_bytes),
            moved: 0,
            legacy,
            journal,
            generation: reached,
            write_failure: None,
        };
        // Journal records in sled (earlier releases), then the journal file's.
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
                    if let Some((_, whole)) = record.replace((seq, bytes.to_vec())) {
                        state.replay(&whole, &location)?;
                    }
                }
            }
        }
        if let Some((_, whole)) = record {
            state.replay(&whole, &location)?;
        }
        for (_, payload) in records {
            state.replay(&payload, &location)?;
        }
        Ok(SledStorage {
            db,
            location,
            state: Mutex::new(state),
            tuning,
            _lock: lock,
            flushed,
        })
    }

    /// True when the database holds nothing at all: no key in the default tree, no other
    /// tree, nothing applied since opening. Only then is a database without the catalog's
    /// format key a new catalog rather than another program's data.
    pub fn is_blank(&self) -> Result<bool> {
        let state = self.lock()?;
        Ok(state.overlay.is_empty()
            && state.tail.is_empty()
            && self.db.is_empty()
            && self.db.tree_names().len() <= 1)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| Error::Storage(format!("catalog {} lock poisoned", self.location)))
    }

    fn corrupt_page(&self, lower: &[u8], what: impl std::fmt::Display) -> Error {
        Error::Storage(format!(
            "corrupt catalog page {} in {}: {what}",
            lower.escape_ascii(),
            self.location
        ))
    }

    /// `use_page` applied to the page holding `key`, read from sled unless it is cached, and
    /// marked as just used. (One search of the cache when it holds the page: a statement's
    /// reads nearly always find it there.)
    fn with_page<T>(
        &self,
        state: &mut State,
        key: &[u8],
        use_page: impl FnOnce(&Page) -> T,
    ) -> Result<T> {
        if let Some(page) = state.cache.get(key) {
            return Ok(use_page(page));
        }
        let (lower, page) = self.read_page(&mut state.segments, key)?;
        let used = use_page(&page);
        state.cache.insert(lower, page);
        Ok(used)
    }

    /// Reads the page holding `key`: the greatest page at or below it in sled, or the empty
    /// first page when there is none, and its body.
    fn read_page(&self, segments: &mut Segments, key: &[u8]) -> Result<(Vec<u8>, Page)> {
        let found = self
            .db
            .range(PAGE.to_vec()..=page_key(key))
            .next_back()
            .transpose()
            .map_err(storage_err)?;
        let (lower, stored) = match found {
            Some((k, v)) => (k[PAGE.len()..].to_vec(), Some(v)),
            None => (Vec::new(), None),
        };
        let upper = self
            .db
            .range((Bound::Excluded(page_key(&lower)), Bound::Unbounded))
            .keys()
            .next()
            .transpose()
            .map_err(storage_err)?
            .filter(|k| k.starts_with(PAGE))
            .map(|k| k[PAGE.len()..].to_vec());
        let Some(value) = stored else {
            return Ok((lower, Page::new(upper, Vec::new(), Origin::New)));
        };
        let corrupt = |e| self.corrupt_page(&lower, e);
        let (entries, origin) = match decode_page(&value).map_err(corrupt)? {
            Stored::InSegment(extent) => {
                let body = segments.read(extent, &lower).map_err(corrupt)?;
                let entries = decode_entries(&body).map_err(corrupt)?;
                (entries, Origin::Segment(extent))
            }
            Stored::Elsewhere(number) => {
                let value = self.db.get(body_key(number)).map_err(storage_err)?;
                let value =
                    value.ok_or_else(|| corrupt(format!("its body {number} is missing")))?;
                let (entries, chunks) = match decode_page(&value).map_err(corrupt)? {
                    Stored::Inline(entries) => (entries, 0),
                    Stored::Chunked(count) => (self.read_chunks(&lower, count)?, count),
                    _ => return Err(corrupt("its body does not hold entries".into())),
                };
                (entries, Origin::Body { number, chunks })
            }
            Stored::Inline(entries) => (entries, Origin::Value { chunks: 0 }),
            Stored::Chunked(count) => (
                self.read_chunks(&lower, count)?,
                Origin::Value { chunks: count },
            ),
        };
        let outside = |k: &[u8]| k < lower.as_slice() || upper.as_deref().is_some_and(|u| k >= u);
        if entries.first().is_some_and(|(k, _)| outside(k))
            || entries.last().is_some_and(|(k, _)| outside(k))
        {
            return Err(self.corrupt_page(&lower, "a key outside the page's range"));
        }
        Ok((lower, Page::new(upper, entries, origin)))
    }

    /// The entries of page `lower` held in `count` overflow chunks (earlier releases).
    fn read_chunks(&self, lower: &[u8], count: u32) -> Result<pages::Entries> {
        let prefix = overflow_key(lower, 0);
        let prefix = &prefix[..prefix.len() - 4];
        let mut bytes = Vec::new();
        let mut found = 0u32;
        for chunk in self.db.scan_prefix(prefix).values() {
            bytes.extend_from_slice(&chunk.map_err(storage_err)?);
            found += 1;
        }
        if found != count {
            return Err(self.corrupt_page(lower, format!("{found} chunks, the page says {count}")));
        }
        decode_entries(&bytes).map_err(|e| self.corrupt_page(lower, e))
    }

    /// The value of `key`: the overlay's write if there is one, else the tail's, else its
    /// page's.
    fn lookup(&self, state: &mut State, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(write) = state.overlay.get(key) {
            return Ok(write.clone());
        }
        // The tail holds only keys past the log range's start: most reads are of other keys,
        // and one comparison spares them the search.
        if state.tail.first().is_some_and(|(first, _)| key >= first.as_slice()) {
            if let Ok(at) = state.tail.binary_search_by(|(k, _)| k.as_slice().cmp(key)) {
                return Ok(state.tail[at].1.clone());
            }
        }
        self.with_page(state, key, |page| page.get(key).cloned())
    }

    /// Rewrites every page the overlay touches, deletes the journal, and records the layout,
    /// in one sled batch; then the overlay is empty.
    fn compact(&self, state: &mut State) -> Result<()> {
        let mut batch = sled::Batch::default();
        for key in self.db.scan_prefix(JOURNAL).keys() {
            batch.remove(key.map_err(storage_err)?);
        }
        let format_record = self.lookup(state, FORMAT_KEY)?;
        // The writes leave the overlay; its hashes stay (a failed compaction puts the writes
        // back) and are cleared, keeping their table, once the pages hold the writes.
        let overlay = std::mem::take(&mut state.overlay.writes);
        let tail = std::mem::take(&mut state.tail);
        let stored = match self.store_pages(state, unapplied(&overlay, &tail), &mut batch) {
            Ok(stored) => stored,
            Err(e) => {
                state.overlay.writes = overlay;
                state.tail = tail;
                return Err(e);
            }
        };
        let stubbed = match &format_record {
            Some(record) => legacy::replace_with_stub(&self.db, &mut batch, record),
            None => {
                batch.insert(legacy::LAYOUT, &legacy::PAGED.to_be_bytes());
                Ok(())
            }
        };
        batch.insert(GENERATION, &(state.generation + 1).to_be_bytes());
        let applied =
            stubbed.and_then(|()| self.db.apply_batch(batch).map_err(|e| self.failure(&e)));
        if let Err(e) = applied {
            // Nothing was named: the writes stay where reads find them, and what the segment
            // got is written over by the next compaction.
            state.overlay.writes = overlay;
            state.tail = tail;
            return Err(e);
        }
        state.segments.commit(stored.usage, stored.unused);
        state.overlay.hashes.clear();
        state.generation += 1;
        state.legacy = false;
        for rewrite in stored.rewrites {
            if rewrite.pieces.is_empty() {
                state
                    .cache
                    .extend_predecessor(&rewrite.lower, rewrite.upper);
                continue;
            }
            let uppers: Vec<Option<Vec<u8>>> = rewrite
                .pieces
                .iter()
                .skip(1)
                .map(|piece| Some(piece.lower.clone()))
                .chain(std::iter::once(rewrite.upper))
                .collect();
            for (piece, upper) in rewrite.pieces.into_iter().zip(uppers) {
                if let Some(entries) = piece.entries {
                    let page = Page::new(upper, entries, Origin::Segment(piece.extent));
                    state.cache.insert(piece.lower, page);
                }
            }
        }
        state.moved += stored.moved.len();
        for (lower, extent) in stored.moved {
            state.cache.relocate(&lower, extent);
        }
        Ok(())
    }

    /// Writes the new bodies of every page holding a key of `writes` (in key order) and of
    /// the pages a cleaning moves to the current segment, durably, and adds to `batch` the
    /// page values naming them and the segments' usage.
    fn store_pages<'w>(
        &self,
        state: &mut State,
        writes: impl Iterator<Item = (&'w Vec<u8>, &'w Option<Vec<u8>>)>,
        batch: &mut sled::Batch,
    ) -> Result<StoredPages> {
        let mut appender = state
            .segments
            .begin(&self.db)
            .map_err(|problem| self.segment_failure(problem))?;
        let rewrites = self.rewrite_pages(state, writes, &mut appender, batch)?;
        let moved = self.clean(state, &mut appender, &rewrites, batch)?;
        let (mut puts, mut deletes) = (SledWrites::new(), Vec::new());
        let (usage, unused) = appender
            .finish(&mut state.segments, &mut puts, &mut deletes)
            .map_err(|e| self.file_failure(&e))?;
        for (k, v) in puts {
            batch.insert(k, v);
        }
        for k in deletes {
            batch.remove(k);
        }
        Ok(StoredPages {
            rewrites,
            moved,
            usage,
            unused,
        })
    }

    /// A failure writing a segment or the journal, worded as sled's own write failures are (a
    /// full disk is `cannot be read or written: No space left on device`, whichever file).
    fn file_failure(&self, e: &std::io::Error) -> Error {
        let text = io_failure(e);
        let text = match text.rfind(" (os error ") {
            Some(at) if text.ends_with(')') => text[..at].to_string(),
            _ => text,
        };
        self.segment_failure(format!("cannot be read or written: {text}"))
    }

    fn segment_failure(&self, problem: String) -> Error {
        Error::Sled {
            location: self.location.clone(),
            problem,
        }
    }

    /// Moves the live records of the segment to clean, if one is due (see [`segments`]), to
    /// the current one. The pages rewritten by this compaction are not moved: the batch names
    /// their new bodies.
    fn clean(
        &self,
        state: &mut State,
        appender: &mut Appender,
        rewrites: &[Rewrite],
        batch: &mut sled::Batch,
    ) -> Result<Vec<(Vec<u8>, Extent)>> {
        let Some(segment) = state.segments.to_clean(appender) else {
            return Ok(Vec::new());
        };
        let rewritten: std::collections::HashSet<&[u8]> =
            rewrites.iter().map(|r| r.lower.as_slice()).collect();
        let reader = state
            .segments
            .reader(segment)
            .map_err(|problem| self.segment_failure(problem))?;
        let length = appender.length_of(segment);
        let mut moved = Vec::new();
        let fail = |problem| self.segment_failure(problem);
        segments::visit(&reader, segment, length, fail, |extent, lower, body| {
            if rewritten.contains(lower) {
                return Ok(());
            }
            let Some(value) = self.db.get(page_key(lower)).map_err(storage_err)? else {
                return Ok(());
            };
            if !matches!(decode_page(&value), Ok(Stored::InSegment(named)) if named == extent) {
                return Ok(());
            }
            appender.release(extent);
            let new = appender.push(lower, |out| out.extend_from_slice(body));
            appender.spill().map_err(|e| self.file_failure(&e))?;
            batch.insert(page_key(lower), reference(new));
            moved.push((lower.to_vec(), new));
            Ok(())
        })?;
        Ok(moved)
    }

    /// Appends to `appender` the new contents of every page holding a key of `writes` (in key
    /// order), and adds to `batch` the page values naming them.
    fn rewrite_pages<'w>(
        &self,
        state: &mut State,
        writes: impl Iterator<Item = (&'w Vec<u8>, &'w Option<Vec<u8>>)>,
        appender: &mut Appender,
        batch: &mut sled::Batch,
    ) -> Result<Vec<Rewrite>> {
        let mut rewrites = Vec::new();
        let mut writes = writes.peekable();
        while let Some((key, _)) = writes.peek() {
            // The page is rewritten, so it leaves the cache (its pieces come back afterwards).
            let (lower, page) = match state.cache.take(key) {
                Some(cached) => cached,
                None => self.read_page(&mut state.segments, key)?,
            };
            let upper = page.upper;
            let covers = |k: &[u8]| upper.as_deref().is_none_or(|u| k < u);
            let in_page = std::iter::from_fn(|| writes.next_if(|(k, _)| covers(k)));
            // The page's entries move in; the writes are borrowed, and copied only into the
            // pieces that stay cached.
            let stored = page.entries.into_iter().map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)));
            let merged = merge_writes(stored.collect(), in_page, |k, v| {
                (Cow::Borrowed(k.as_slice()), Cow::Borrowed(v.as_slice()))
            });
            // Where the page was stored goes: an earlier release's sled values are deleted, a
            // segment record no longer counts as live.
            match page.origin {
                Origin::New => {}
                Origin::Value { chunks } => {
                    for chunk in 0..chunks {
                        batch.remove(overflow_key(&lower, chunk));
                    }
                }
                Origin::Body { number, chunks } => {
                    batch.remove(body_key(number));
                    for chunk in 0..chunks {
                        batch.remove(overflow_key(&lower, chunk));
                    }
                }
                Origin::Segment(extent) => appender.release(extent),
            }
            let log = self.tuning.is_log(&lower);
            let (page_bytes, fill) = if log {
                (self.tuning.log_page_bytes, Fill::Whole)
            } else {
                (self.tuning.page_bytes, Fill::Spare)
            };
            let cut = split(&lower, merged, page_bytes, fill);
            let last = cut.len().saturating_sub(1);
            let mut pieces = Vec::new();
            for (n, (piece_lower, entries)) in cut.into_iter().enumerate() {
                let extent = appender.push(&piece_lower, |out| encode_entries_into(&entries, out));
                appender.spill().map_err(|e| self.file_failure(&e))?;
                batch.insert(page_key(&piece_lower), reference(extent));
                let cached = (!log || n == last).then(|| {
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect()
                });
                pieces.push(Piece {
                    lower: piece_lower,
                    entries: cached,
                    extent,
                });
            }
            if pieces.is_empty() {
                batch.remove(page_key(&lower));
            }
            rewrites.push(Rewrite {
                lower,
                upper,
                pieces,
            });
        }
        Ok(rewrites)
    }
}

/// What [`SledStorage::store_pages`] wrote: the pages rewritten, the pages a cleaning moved,
/// and the segments' usage for [`Segments::commit`] once the batch is applied.
struct StoredPages {
    rewrites: Vec<Rewrite>,
    moved: Vec<(Vec<u8>, Extent)>,
    usage: std::collections::BTreeMap<u32, segments::Usage>,
    unused: Vec<u32>,
}

impl SledStorage {
    /// Once a store that wrote leaves more than a quarter of [`Tuning::compaction_bytes`] in
    /// the journal, compacts it, so the next open (a `whoami` after a batch) replays little.
    /// Everything it holds is durable already, so a failure loses nothing: the journal stays.
    /// Writes applied and not flushed are not compacted: a store closed without a flush loses
    /// them, as a crash would.
    fn fold_journal(&self, state: &mut State) -> Result<()> {
        if !state.wrote
            || state.write_failure.is_some()
            || state.pending_writes > 0
            || state.journal.bytes() as usize <= self.tuning.compaction_bytes / 4
        {
            return Ok(());
        }
        self.compact(state)?;
        self.after_compaction(state)?;
        write_flushed(&self.flushed, state.generation).map_err(|e| self.file_failure(&e))
    }
}

impl SledStorage {
    /// Makes a compaction's batch durable; then the segments it emptied and the journal it
    /// holds may go.
    fn after_compaction(&self, state: &mut State) -> Result<()> {
        self.db.flush().map_err(|e| self.failure(&e))?;
        state.segments.remove_unused();
        state.journal.clear();
        Ok(())
    }
}

impl Drop for SledStorage {
    fn drop(&mut self) {
        if let Ok(mut state) = self.state.lock() {
            let _ = self.fold_journal(&mut state);
        }
    }
}

/// The overlay's writes (see [`State::overlay`]), and the hashes of their keys: most reads are
/// of keys not written since the last compaction, and a hash lookup tells them so faster than
/// a search of the B-tree of long keys sharing long prefixes. Keys only join it until the
/// compaction empties it, so the hashes never go stale.
#[derive(Default)]
struct Overlay {
    writes: WriteBatch,
    hashes: std::collections::HashSet<u64, foldhash::fast::FixedState>,
}

impl Overlay {
    fn hash(key: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0x6f76_6572).hash_one(key)
    }

    fn put(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.hashes.insert(Self::hash(&key));
        self.writes.insert(key, value);
    }

    fn get(&self, key: &[u8]) -> Option<&Option<Vec<u8>>> {
        if !self.hashes.contains(&Self::hash(key)) {
            return None;
        }
        self.writes.get(key)
    }
}

impl std::ops::Deref for Overlay {
    type Target = WriteBatch;

    fn deref(&self) -> &WriteBatch {
        &self.writes
    }
}

impl FromIterator<(Vec<u8>, Option<Vec<u8>>)> for Overlay {
    fn from_iter<I: IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>>(writes: I) -> Overlay {
        let mut overlay = Overlay::default();
        for (key, value) in writes {
            overlay.put(key, value);
        }
        overlay
    }
}

/// The writes of `overlay` and `tail` (see [`State::tail`]) in key order, the overlay's where
/// both hold a key.
fn unapplied<'w>(
    overlay: impl IntoIterator<Item = (&'w Vec<u8>, &'w Option<Vec<u8>>)>,
    tail: &'w [(Vec<u8>, Option<Vec<u8>>)],
) -> impl Iterator<Item = (&'w Vec<u8>, &'w Option<Vec<u8>>)> {
    let mut overlay = overlay.into_iter().peekable();
    let mut tail = tail.iter().map(|(k, v)| (k, v)).peekable();
    std::iter::from_fn(move || match (overlay.peek(), tail.peek()) {
        (Some((o, _)), Some((t, _))) => {
            if t < o {
                tail.next()
            } else {
                if t == o {
                    tail.next();
                }
                overlay.next()
            }
        }
        (Some(_), None) => overlay.next(),
        (None, _) => tail.next(),
    })
}

/// `stored` (in key order) with `writes` (in key order) applied: a put replaces or adds its
/// key (as `entry` makes it), a delete removes it.
fn merge_writes<'w, K: AsRef<[u8]>, V>(
    stored: Vec<(K, V)>,
    writes: impl Iterator<Item = (&'w Vec<u8>, &'w Option<Vec<u8>>)>,
    entry: impl Fn(&'w Vec<u8>, &'w Vec<u8>) -> (K, V),
) -> Vec<(K, V)> {
    let mut out = Vec::with_capacity(stored.len());
    let mut old = stored.into_iter().peekable();
    for (k, v) in writes {
        while let Some(entry) = old.next_if(|(o, _)| o.as_ref() < k.as_slice()) {
            out.push(entry);
        }
        old.next_if(|(o, _)| o.as_ref() == k.as_slice());
        if let Some(v) = v {
            out.push(entry(k, v));
        }
    }
    out.extend(old);
    out
}

/// One page a compaction rewrote: its range, and the pages it became (none when it emptied).
struct Rewrite {
    lower: Vec<u8>,
    upper: Option<Vec<u8>>,
    pieces: Vec<Piece>,
}

/// One page a rewrite cut: its lower bound, its entries if it stays cached (of a page in the
/// [`Tuning::log`] range only the last piece does), and where its body went.
struct Piece {
    lower: Vec<u8>,
    entries: Option<pages::Entries>,
    extent: Extent,
}

impl State {
    /// Whether a write of `key`, under the log prefix, may go to the end of the tail: past its
    /// last key, or, to start it, past every key of the overlay under the prefix (the first
    /// overlay key at or after `key` is beyond the prefix, as keys under it are contiguous).
    fn extends_tail(&self, key: &[u8], tuning: &Tuning) -> bool {
        match self.tail.last() {
            Some((last, _)) => key > last.as_slice(),
            None => self
                .overlay
                .range::<[u8], _>((Bound::Included(key), Bound::Unbounded))
                .next()
                .is_none_or(|(next, _)| !tuning.is_log(next)),
        }
    }

    fn replay(&mut self, record: &[u8], location: &str) -> Result<()> {
        let journal: JournalWrites = postcard::from_bytes(record)
            .map_err(|e| Error::Storage(format!("corrupt catalog journal in {location}: {e}")))?;
        for (k, v) in journal {
            self.overlay.put(k.into_vec(), v.map(ByteBuf::into_vec));
        }
        Ok(())
    }
}

impl Storage for SledStorage {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        let mut state = self.lock()?;
        self.lookup(&mut state, key)
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut state = self.lock()?;
        let mut stored: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut at = prefix.to_vec();
        loop {
            let upper = self.with_page(&mut state, &at, |page| {
                stored.extend(page.with_prefix(prefix).cloned());
                page.upper.clone()
            })?;
            match upper {
                Some(upper) if upper.starts_with(prefix) => at = upper,
                _ => break,
            }
        }
        let overlay = state
            .overlay
            .range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix));
        let start = state.tail.partition_point(|(k, _)| k.as_slice() < prefix);
        let tail = &state.tail[start..];
        let tail = &tail[..tail.partition_point(|(k, _)| k.starts_with(prefix))];
        let mut writes = unapplied(overlay, tail).peekable();
        if writes.peek().is_none() {
            return Ok(stored);
        }
        Ok(merge_writes(stored, writes, |k, v| (k.clone(), v.clone())))
    }

    fn apply(&self, batch: WriteBatch) -> Result<()> {
        let mut state = self.lock()?;
        self.refuse_after_write_failure(&state)?;
        for (k, v) in batch {
            if !state.compacts {
                let write = (Bytes::new(&k), v.as_deref().map(Bytes::new));
                let pending = std::mem::take(&mut state.pending);
                state.pending = postcard::to_extend(&write, pending).map_err(storage_err)?;
                if state.legacy
                    || state.journal.bytes() as usize + state.pending.len()
                        > self.tuning.compaction_bytes
                {
                    state.compacts = true;
                    state.pending = Vec::new();
                }
            }
            state.pending_writes += 1;
            if self.tuning.is_log(&k) && state.extends_tail(&k, &self.tuning) {
                state.tail.push((k, v));
            } else {
                state.overlay.put(k, v);
            }
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        let mut state = self.lock()?;
        self.refuse_after_write_failure(&state)?;
        let wrote = state.pending_writes > 0;
        let written = if wrote {
            self.append(&mut state)
        } else {
            Ok(false)
        }
        .and_then(|compacted| {
            // A journal record is durable once appended; a compaction, once sled flushed its
            // batch: only then may the segments it emptied and the journal it holds go.
            if compacted {
                self.after_compaction(&mut state)?;
            }
            Ok(())
        })
        .and_then(|()| {
            if !wrote {
                return Ok(());
            }
            write_flushed(&self.flushed, state.generation).map_err(|e| Error::Sled {
                location: self.location.clone(),
                problem: format!("cannot be read or written: {}", io_failure(&e)),
            })
        });
        match &written {
            Err(e) => state.write_failure = Some(e.clone()),
            Ok(()) => state.wrote |= wrote,
        }
        written
    }

    fn settle(&self) -> Result<()> {
        self.flush()?;
        let mut state = self.lock()?;
        let folded = self.fold_journal(&mut state);
        if let Err(e) = &folded {
            state.write_failure = Some(e.clone());
        }
        folded
    }

    /// Checks that each segment's recorded live bytes are exactly the bytes its pages name,
    /// within its recorded length: the deletion of an emptied segment relies on it.
    fn verify(&self) -> Result<()> {
        let mut state = self.lock()?;
        let usage = state
            .segments
            .usage(&self.db)
            .map_err(|problem| self.segment_failure(problem))?;
        let mut named: BTreeMap<u32, u64> = BTreeMap::new();
        for entry in self.db.scan_prefix(PAGE) {
            let (key, value) = entry.map_err(storage_err)?;
            let lower = &key[PAGE.len()..];
            let Stored::InSegment(extent) =
                decode_page(&value).map_err(|e| self.corrupt_page(lower, e))?
            else {
                continue;
            };
            let length = usage.get(&extent.segment).map_or(0, |u| u.length);
            if extent.offset + u64::from(extent.len) > length {
                return Err(self.corrupt_page(
                    lower,
                    format!(
                        "its body in {} ends past the segment's {length} bytes",
                        state.segments.path(extent.segment).display()
                    ),
                ));
            }
            *named.entry(extent.segment).or_default() += u64::from(extent.len);
        }
        let segments: std::collections::BTreeSet<u32> =
            usage.keys().chain(named.keys()).copied().collect();
        for segment in segments {
            let live = usage.get(&segment).map_or(0, |u| u.live);
            let pages = named.get(&segment).copied().unwrap_or(0);
            if live != pages {
                return Err(self.segment_failure(format!(
                    "is corrupt: segment {} records {live} live bytes, its pages name {pages}",
                    state.segments.path(segment).display()
                )));
            }
        }
        Ok(())
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

    /// Makes the pending writes durable: a journal record, or a compaction once the journal
    /// would pass [`Tuning::compaction_bytes`] (or the catalog is still in the partition
    /// layout). Either way the pending writes are then empty. Returns whether it compacted.
    fn append(&self, state: &mut State) -> Result<bool> {
        let count = std::mem::take(&mut state.pending_writes);
        let elements = std::mem::take(&mut state.pending);
        if std::mem::take(&mut state.compacts) {
            return self.compact(state).map(|()| true);
        }
        // A postcard sequence: its length as a varint, then the elements.
        let mut bytes = postcard::to_stdvec(&(count as u64)).map_err(storage_err)?;
        bytes.extend_from_slice(&elements);
        let generation = state.generation + 1;
        state.journal.append(generation, &bytes).map_err(|e| self.file_failure(&e))?;
        state.generation = generation;
        Ok(false)
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

    /// The records of the journal file an open would replay.
    fn journal_records(s: &SledStorage) -> usize {
        let compacted = s.db.get(GENERATION).unwrap().map_or(0, |g| {
            u64::from_be_bytes(g.as_ref().try_into().unwrap())
        });
        Journal::open(Path::new(&s.location), compacted).unwrap().1.len()
    }

    /// The lower bounds of the pages in sled.
    fn pages_on_disk(s: &SledStorage) -> Vec<Vec<u8>> {
        s.db.scan_prefix(PAGE)
            .keys()
            .map(|k| k.unwrap()[PAGE.len()..].to_vec())
            .collect()
    }

    fn tiny() -> Tuning {
        Tuning {
            compaction_bytes: 2_000,
            page_bytes: 300,
            cache_bytes: 4_000,
            log: Some(b"Y"),
            log_page_bytes: 600,
            segment_bytes: 2_000,
        }
    }

    fn numbered(n: usize) -> Vec<(String, String)> {
        (0..n)
            .map(|i| (format!("U\x1fp\x1fuser{i:05}"), format!("value {i}")))
            .collect()
    }

    fn write_all(s: &SledStorage, records: &[(String, String)]) {
        for chunk in records.chunks(7) {
            let writes: Vec<(&str, Option<&str>)> = chunk
                .iter()
                .map(|(k, v)| (k.as_str(), Some(v.as_str())))
                .collect();
            s.apply(batch(&writes)).unwrap();
            s.flush().unwrap();
        }
    }

    #[test]
    fn journal_records_in_sled_replay_before_the_files_and_go_with_the_next_compaction() {
        let dir = tempfile::tempdir().unwrap();
        let value = "z".repeat(CHUNK_BYTES);
        {
            // What an earlier release left: a journal record in sled, cut into chunks, and the
            // flush generation it made.
            let db = sled::open(dir.path()).unwrap();
            let writes: JournalWrites = vec![
                (ByteBuf::from(b"a".to_vec()), Some(ByteBuf::from(b"1".to_vec()))),
                (ByteBuf::from(b"b".to_vec()), Some(ByteBuf::from(value.clone().into_bytes()))),
            ];
            let bytes = postcard::to_stdvec(&writes).unwrap();
            for (n, chunk) in (0u32..).zip(bytes.chunks(CHUNK_BYTES)) {
                let mut key = JOURNAL.to_vec();
                key.extend_from_slice(&0u64.to_be_bytes());
                key.extend_from_slice(&n.to_be_bytes());
                db.insert(key, chunk).unwrap();
            }
            db.insert(GENERATION, &1u64.to_be_bytes()).unwrap();
            db.flush().unwrap();
        }
        {
            let s = SledStorage::open(dir.path()).unwrap();
            assert_eq!(s.db.scan_prefix(JOURNAL).count(), 2, "two chunks");
            s.apply(batch(&[("a", None), ("c", Some("3"))])).unwrap();
            s.flush().unwrap();
            assert_eq!(journal_records(&s), 1);
        }
        let want = pairs(&[("b", &value), ("c", "3")]);
        let s = SledStorage::open_compacting_at(dir.path(), 0).unwrap();
        assert_eq!(contents(&s), want);
        assert_eq!(s.state.lock().unwrap().generation, 2);
        s.apply(batch(&[("d", Some("4"))])).unwrap();
        s.flush().unwrap();
        assert_eq!(s.db.scan_prefix(JOURNAL).count(), 0, "compacted");
        assert_eq!(journal_records(&s), 0);
        drop(s);
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(contents(&s), [want, pairs(&[("d", "4")])].concat());
    }

    #[test]
    fn a_store_that_wrote_folds_a_long_journal_into_the_pages_when_it_settles_or_closes() {
        let dir = tempfile::tempdir().unwrap();
        let tuning = Tuning {
            compaction_bytes: 4_000,
            ..Tuning::default()
        };
        let small = "v".repeat(600);
        let s = SledStorage::open_tuned(dir.path(), tuning).unwrap();
        s.apply(batch(&[("a", Some(&small))])).unwrap();
        s.flush().unwrap();
        s.settle().unwrap();
        assert_eq!(journal_records(&s), 1, "a short journal stays");
        s.apply(batch(&[("b", Some(&small)), ("c", Some(&small))])).unwrap();
        s.flush().unwrap();
        assert_eq!(journal_records(&s), 2);
        s.settle().unwrap();
        assert_eq!(journal_records(&s), 0, "past a quarter of the threshold it is folded");
        s.apply(batch(&[("d", Some(&"w".repeat(1_500)))])).unwrap();
        s.flush().unwrap();
        s.apply(batch(&[("e", Some("never flushed"))])).unwrap();
        drop(s);
        let s = SledStorage::open_tuned(dir.path(), tuning).unwrap();
        assert_eq!(s.get(b"e").unwrap(), None, "closing without a flush loses what was not flushed");
        assert_eq!(journal_records(&s), 1, "and does not fold the journal");
        drop(s);
        let s = SledStorage::open_tuned(dir.path(), tuning).unwrap();
        s.apply(batch(&[("f", Some("1"))])).unwrap();
        s.flush().unwrap();
        drop(s);
        let s = SledStorage::open_tuned(dir.path(), tuning).unwrap();
        assert_eq!(journal_records(&s), 0, "a store that wrote folds it when it closes");
        assert_eq!(s.scan_prefix(b"").unwrap().len(), 5);
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
        assert_eq!(journal_records(&s), 2);
        assert_eq!(s.state.lock().unwrap().generation, 2);
    }

    #[test]
    fn compactions_cut_the_records_into_pages_that_read_back_across_opens() {
        let dir = tempfile::tempdir().unwrap();
        let records = numbered(400);
        {
            let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
            write_all(&s, &records);
        }
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        let pages = pages_on_disk(&s);
        assert!(pages.len() > 40, "{} pages", pages.len());
        assert_eq!(pages[0], b"", "the first page starts at the empty key");
        assert!(
            journal_records(&s) <= 2_000 / 150,
            "the journal was compacted: {}",
            journal_records(&s)
        );
        let want: Vec<(Vec<u8>, Vec<u8>)> = records
            .iter()
            .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes()))
            .collect();
        assert_eq!(s.scan_prefix(b"U\x1fp\x1f").unwrap(), want);
        assert_eq!(s.scan_prefix(b"U\x1fp\x1fuser001").unwrap().len(), 100);
        assert_eq!(s.scan_prefix(b"U\x1fq").unwrap(), vec![]);
        for (k, v) in &records {
            assert_eq!(s.get(k.as_bytes()).unwrap(), Some(v.clone().into_bytes()));
        }
        assert_eq!(s.get(b"U\x1fp\x1fuser99999").unwrap(), None);
        assert_eq!(s.get(b"").unwrap(), None);
    }

    #[test]
    fn reading_one_record_reads_one_page_and_the_cache_keeps_to_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
            write_all(&s, &numbered(400));
        }
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        assert!(
            s.state.lock().unwrap().cache.cached().is_empty(),
            "opening reads no page"
        );
        s.get(b"U\x1fp\x1fuser00200").unwrap();
        assert_eq!(s.state.lock().unwrap().cache.cached().len(), 1);
        assert_eq!(contents(&s).len(), 400);
        let state = s.state.lock().unwrap();
        assert!(
            state.cache.bytes() <= 4_000,
            "{} bytes cached",
            state.cache.bytes()
        );
        assert!(state.cache.cached().len() < pages_on_disk(&s).len());
    }

    #[test]
    fn a_page_emptied_by_a_compaction_is_deleted_and_its_keys_fall_to_the_page_before() {
        let dir = tempfile::tempdir().unwrap();
        let records = numbered(200);
        {
            let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
            write_all(&s, &records);
            let before = pages_on_disk(&s).len();
            // Delete the middle hundred, then write past the threshold elsewhere.
            for chunk in records[50..150].chunks(10) {
                let deletes: Vec<(&str, Option<&str>)> =
                    chunk.iter().map(|(k, _)| (k.as_str(), None)).collect();
                s.apply(batch(&deletes)).unwrap();
                s.flush().unwrap();
            }
            s.apply(batch(&[("Z", Some(&"x".repeat(3_000)))])).unwrap();
            s.flush().unwrap();
            assert!(pages_on_disk(&s).len() < before);
            s.verify().expect("an emptied page's record no longer counts as live");
            assert_eq!(s.get(records[100].0.as_bytes()).unwrap(), None);
            s.apply(batch(&[(records[100].0.as_str(), Some("back"))]))
                .unwrap();
            s.flush().unwrap();
        }
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        let keys: Vec<Vec<u8>> = s
            .scan_prefix(b"U\x1f")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let mut want: Vec<Vec<u8>> = records[..50]
            .iter()
            .chain(&records[150..])
            .map(|(k, _)| k.clone().into_bytes())
            .collect();
        want.push(records[100].0.clone().into_bytes());
        want.sort();
        assert_eq!(keys, want);
        assert_eq!(
            s.get(records[100].0.as_bytes()).unwrap(),
            Some(b"back".to_vec())
        );
        assert_eq!(s.get(b"Z").unwrap().map(|v| v.len()), Some(3_000));
    }

    #[test]
    fn appends_to_the_log_range_fill_whole_pages_of_which_only_the_last_stays_cached() {
        let dir = tempfile::tempdir().unwrap();
        let record = |n: usize| (format!("YL{n:06}"), format!("record {n} {}", "r".repeat(40)));
        let records: Vec<(String, String)> = (0..300).map(record).collect();
        {
            let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
            s.apply(batch(&[("U\x1fp\x1fbob", Some("user"))])).unwrap();
            write_all(&s, &records);
            let state = s.state.lock().unwrap();
            assert!(state.overlay.len() <= 1 && state.tail.len() < 300, "compacted");
            // The first page (lower bound the empty key) is no log page: the pieces cut from
            // it at the first compactions stay cached like any others. Of the pages cut from
            // log pages after that, only the newest does.
            let newest = pages_on_disk(&s).into_iter().last().unwrap();
            let later: Vec<Vec<u8>> = state
                .cache
                .cached()
                .into_iter()
                .filter(|l| l.as_slice() > b"YL000100".as_slice())
                .collect();
            assert_eq!(later, vec![newest]);
        }
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        let log_pages: Vec<Vec<u8>> =
            pages_on_disk(&s).into_iter().filter(|l| l.starts_with(b"Y")).collect();
        // 300 records of about 63 counted bytes, nine to a whole 600-byte page: 34 pages, and
        // a few cut from the first page at 3/4 of 300 bytes. Spare 300-byte pages would be 84.
        assert!(log_pages.len() <= 40, "{} log pages", log_pages.len());
        let want: Vec<(Vec<u8>, Vec<u8>)> = records
            .iter()
            .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes()))
            .collect();
        assert_eq!(s.scan_prefix(b"YL").unwrap(), want);
        assert_eq!(s.get(b"YL000150").unwrap(), Some(want[150].1.clone()));
        // A write among the records, and a delete, go to the overlay and win over the tail.
        s.apply(batch(&[("YL000301", Some("appended"))])).unwrap();
        s.apply(batch(&[("YL000150", Some("rewritten")), ("YL000301", None)]))
            .unwrap();
        s.apply(batch(&[("YL000302", Some("appended again"))])).unwrap();
        assert_eq!(s.get(b"YL000150").unwrap(), Some(b"rewritten".to_vec()));
        assert_eq!(s.get(b"YL000301").unwrap(), None);
        let scanned = s.scan_prefix(b"YL0003").unwrap();
        assert_eq!(
            scanned,
            pairs(&[("YL000302", "appended again")]),
            "YL000300 is not a record: 0..300"
        );
        s.flush().unwrap();
        drop(s);
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        assert_eq!(s.get(b"YL000150").unwrap(), Some(b"rewritten".to_vec()));
        assert_eq!(s.get(b"YL000301").unwrap(), None);
        assert_eq!(s.scan_prefix(b"YL").unwrap().len(), 301);
    }

    #[test]
    fn a_record_bigger_than_a_page_is_one_segment_record() {
        let dir = tempfile::tempdir().unwrap();
        let big = "b".repeat(CHUNK_BYTES * 3 + 5);
        {
            let s = SledStorage::open_compacting_at(dir.path(), 1_000).unwrap();
            s.apply(batch(&[("S\x1fsnap", Some(&big)), ("T", Some("small"))]))
                .unwrap();
            s.flush().unwrap();
            assert_eq!(journal_records(&s), 0);
            assert_eq!(s.db.scan_prefix(pages::OVERFLOW).count(), 0);
            assert!(named_extents(&s).iter().any(|e| e.len as usize > big.len()));
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(s.get(b"S\x1fsnap").unwrap(), Some(big.clone().into_bytes()));
        assert_eq!(s.get(b"T").unwrap(), Some(b"small".to_vec()));
        s.verify().unwrap();
    }

    #[test]
    fn a_damaged_page_is_named_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open_compacting_at(dir.path(), 100).unwrap();
            s.apply(batch(&[("P\x1fprj", Some(&"p".repeat(200)))]))
                .unwrap();
            s.flush().unwrap();
            s.db.insert(page_key(b""), &[0u8, 0xff, 0xff][..]).unwrap();
            s.db.flush().unwrap();
        }
        let s = SledStorage::open(dir.path()).unwrap();
        let e = s.get(b"P\x1fprj").unwrap_err().to_string();
        assert!(
            e.starts_with(&format!(
                "catalog error: corrupt catalog page  in {}: ",
                dir.path().display()
            )),
            "{e}"
        );
    }

    /// The extent each page's value names, in page order.
    fn named_extents(s: &SledStorage) -> Vec<Extent> {
        s.db.scan_prefix(PAGE)
            .map(|kv| {
                let (k, v) = kv.unwrap();
                match decode_page(&v).unwrap() {
                    Stored::InSegment(extent) => extent,
                    other => panic!("page {k:?} holds {other:?}, not a segment record"),
                }
            })
            .collect()
    }

    fn segment_files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = match std::fs::read_dir(dir.join(segments::DIRECTORY)) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }

    #[test]
    fn rewrites_fill_new_segments_and_cleaning_moves_what_is_live_out_of_the_emptiest() {
        let dir = tempfile::tempdir().unwrap();
        let records = numbered(600);
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        write_all(&s, &records[..100]);
        // Each round rewrites the first forty records and appends five: the rewritten pages die
        // at the next round, the pieces the appends split off live on beside them.
        let mut want: BTreeMap<Vec<u8>, Vec<u8>> = records[..100]
            .iter()
            .map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes()))
            .collect();
        for round in 0..50 {
            let mut writes: Vec<(String, String)> = records[..40]
                .iter()
                .map(|(k, v)| (k.clone(), format!("{v} round {round}")))
                .collect();
            writes.extend(records[100 + round * 5..105 + round * 5].iter().cloned());
            for (k, v) in &writes {
                want.insert(k.clone().into_bytes(), v.clone().into_bytes());
            }
            write_all(&s, &writes);
            s.verify().expect("live bytes are what the pages name");
        }
        let moved = s.state.lock().unwrap().moved;
        assert!(moved > 0, "cleanings moved live records");
        let usage = s.state.lock().unwrap().segments.usage(&s.db).unwrap();
        let length: u64 = usage.values().map(|u| u.length).sum();
        let live: u64 = usage.values().map(|u| u.live).sum();
        assert!(
            length <= 2 * live + 3 * 2_000,
            "cleaning keeps the files near twice what is live: {length} bytes for {live} live"
        );
        let numbers: Vec<String> = usage.keys().map(|n| format!("{n:08}.seg")).collect();
        assert_eq!(segment_files(dir.path()), numbers, "a cleaned segment's file goes");
        assert_eq!(contents(&s), want.clone().into_iter().collect::<Vec<_>>());
        drop(s);
        let s = SledStorage::open_tuned(dir.path(), tiny()).unwrap();
        assert_eq!(contents(&s), want.into_iter().collect::<Vec<_>>());
        s.verify().unwrap();
    }

    #[test]
    fn a_segment_file_no_usage_names_is_deleted_by_the_next_compaction() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = SledStorage::open_compacting_at(dir.path(), 0).unwrap();
            s.apply(batch(&[("P\x1fprj", Some("p"))])).unwrap();
            s.flush().unwrap();
        }
        // What a compaction that failed before its batch, or a crash, leaves.
        let stray = dir.path().join(segments::DIRECTORY).join("00000007.seg");
        std::fs::write(&stray, b"records nothing names").unwrap();
        let s = SledStorage::open_compacting_at(dir.path(), 0).unwrap();
        assert_eq!(s.get(b"P\x1fprj").unwrap(), Some(b"p".to_vec()));
        assert!(stray.exists(), "reading deletes nothing");
        s.apply(batch(&[("P\x1fprj", Some("q"))])).unwrap();
        s.flush().unwrap();
        assert!(!stray.exists());
        assert_eq!(segment_files(dir.path()), vec!["00000000.seg".to_string()]);
        s.verify().unwrap();
    }

    #[test]
    fn a_page_holding_its_entries_in_sled_reads_and_moves_to_a_segment_when_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let entries = |from: u8| -> Vec<(Vec<u8>, Vec<u8>)> {
            (0..3u8).map(|i| (vec![from + i], vec![b'v'; 10])).collect()
        };
        {
            // What earlier releases wrote: entries in the page value, in overflow chunks, and
            // in a numbered sled body.
            let s = SledStorage::open(dir.path()).unwrap();
            let mut value = vec![0u8];
            value.extend_from_slice(&pages::encode_entries(&entries(b'a')));
            s.db.insert(page_key(b""), value).unwrap();
            let chunked = pages::encode_entries(&entries(b'h'));
            let (first, second) = chunked.split_at(chunked.len() / 2);
            s.db.insert(overflow_key(b"h", 0), first).unwrap();
            s.db.insert(overflow_key(b"h", 1), second).unwrap();
            s.db.insert(page_key(b"h"), &[1u8, 0, 0, 0, 2][..]).unwrap();
            let mut body = vec![0u8];
            body.extend_from_slice(&pages::encode_entries(&entries(b'p')));
            s.db.insert(body_key(9), body).unwrap();
            let mut named = vec![2u8];
            named.extend_from_slice(&9u64.to_be_bytes());
            s.db.insert(page_key(b"p"), named).unwrap();
            s.db.flush().unwrap();
        }
        let all: Vec<(Vec<u8>, Vec<u8>)> =
            [entries(b'a'), entries(b'h'), entries(b'p')].concat();
        {
            let s = SledStorage::open_compacting_at(dir.path(), 0).unwrap();
            assert_eq!(contents(&s), all);
            s.apply(batch(&[("b0", Some("1")), ("i0", Some("2")), ("q0", Some("3"))]))
                .unwrap();
            s.flush().unwrap();
            assert_eq!(named_extents(&s).len(), 3, "every page now names a segment record");
            assert_eq!(s.db.scan_prefix(pages::OVERFLOW).count(), 0);
            assert_eq!(s.db.scan_prefix(pages::BODY).count(), 0);
            s.verify().unwrap();
        }
        let s = SledStorage::open(dir.path()).unwrap();
        let mut want = all.clone();
        want.extend(pairs(&[("b0", "1"), ("i0", "2"), ("q0", "3")]));
        want.sort();
        assert_eq!(contents(&s), want);
    }

    #[test]
    fn a_page_whose_body_is_gone_or_damaged_is_named_not_read_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().display().to_string();
        {
            let s = SledStorage::open_compacting_at(dir.path(), 0).unwrap();
            s.apply(batch(&[("P\x1fprj", Some("p"))])).unwrap();
            s.flush().unwrap();
            let mut named = vec![2u8];
            named.extend_from_slice(&4u64.to_be_bytes());
            s.db.insert(page_key(b"Q"), named).unwrap();
            s.db.flush().unwrap();
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(
            s.get(b"Q1").unwrap_err().to_string(),
            format!("catalog error: corrupt catalog page Q in {location}: its body 4 is missing")
        );
        drop(s);
        let segment = dir.path().join(segments::DIRECTORY).join("00000000.seg");
        let mut bytes = std::fs::read(&segment).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&segment, &bytes).unwrap();
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(
            s.get(b"P\x1fprj").unwrap_err().to_string(),
            format!(
                "catalog error: corrupt catalog page  in {location}: its body in {} at offset 0: it does not match its checksum",
                segment.display()
            )
        );
        drop(s);
        std::fs::remove_file(&segment).unwrap();
        let s = SledStorage::open(dir.path()).unwrap();
        assert_eq!(
            s.get(b"P\x1fprj").unwrap_err().to_string(),
            format!(
                "catalog error: corrupt catalog page  in {location}: {} is missing",
                segment.display()
            )
        );
    }

    #[test]
    fn a_catalog_in_the_partition_layout_is_rewritten_as_pages_by_its_first_flush() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = sled::open(dir.path()).unwrap();
            legacy::write_partition_layout(
                &db,
                &[
                    (b"F", vec![(b"F".to_vec(), vec![3])]),
                    (
                        b"U\x1fprj",
                        (0..50)
                            .map(|i| (format!("U\x1fprj\x1fu{i:02}").into_bytes(), vec![b'v'; 20]))
                            .collect(),
                    ),
                ],
            );
        }
        {
            let s = SledStorage::open(dir.path()).unwrap();
            assert_eq!(s.get(b"F").unwrap(), Some(vec![3]));
            assert_eq!(s.scan_prefix(b"U\x1fprj\x1f").unwrap().len(), 50);
            s.apply(batch(&[("F", Some("\u{4}"))])).unwrap();
            s.flush().unwrap();
            assert_eq!(journal_records(&s), 0, "the first flush compacts");
            assert!(s.db.get(legacy::LAYOUT).unwrap().is_some());
        }
        let s = SledStorage::open(dir.path()).unwrap();
        assert!(!s.state.lock().unwrap().legacy);
        assert_eq!(s.scan_prefix(b"U\x1fprj\x1f").unwrap().len(), 50);
        assert_eq!(s.get(b"F").unwrap(), Some(vec![4]));
        // What a release of the partition layout reads: the stub, the format key alone.
        let stub = legacy::read_all(&s.db, "here").unwrap();
        assert_eq!(
            stub.into_iter().collect::<Vec<_>>(),
            vec![(b"F".to_vec(), vec![4])]
        );
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
                "catalog error: catalog {} has format 1, this mcsec reads format 5",
                dir.path().display()
            )
        );
    }
}
