//! Page bodies in segment files of mcsec's own, beside sled's.
//!
//! A compaction rewrites a few hundred pages; stored as sled values, each rewrite cost a sled
//! write that copies the 16-value leaf holding it into sled's log, plus the read of that leaf
//! when it had left sled's cache, and sled kept the values it wrote in memory. So the bodies
//! live in files under [`DIRECTORY`], and sled keeps only each page's small value naming its
//! body's place (an [`Extent`]: segment, offset, length). A compaction appends every body it
//! writes to the current segment as one write, makes it durable, and only then applies the
//! sled batch that names the new places: a crash in between leaves bytes nothing names, which
//! the next compaction writes over.
//!
//! Following one compaction: [`Segments::begin`] picks the segment to append to (the newest,
//! until it passes the segment size, [`SEGMENT_BYTES`] unless tuned); [`Appender::push`] adds a page's record to the buffer and
//! returns its extent; [`Appender::release`] counts the record a page had before as dead; and
//! [`Appender::finish`] writes the buffer, syncs it, and puts into the sled batch each touched
//! segment's [`Usage`] (live bytes and length, under [`SEGMENT`] + its number). Once the
//! batch is applied, [`Segments::commit`] installs the new usage, and a segment left with no
//! live bytes is deleted after the next durable flush ([`Segments::remove_unused`]).
//!
//! Space is taken back by *cleaning*: once the segments hold more than twice their live bytes
//! (plus two segments' slack), the sealed segment with the smallest live share is read whole
//! ([`Segments::records`]); the records its pages still name move to the current segment in
//! the same compaction, and the emptied segment goes. The records a batch leaves behind are
//! mostly old versions of the pages it keeps filling, so a segment is mostly dead by the time
//! it is cleaned and moving its live part costs a fraction of what was appended.
//!
//! A record is its CRC-32 (of everything after it), the page's lower bound's length and the
//! body's length (u32 BE each), the lower bound, and the body (the page's entries, postcard).
//! A read checks the checksum, the lengths against the extent and the lower bound against the
//! page that names it, so a damaged or cut segment file is an error naming the file and the
//! page, never a misread.

use super::SledWrites;
use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The catalog subdirectory holding the segment files, `<number, 8 digits>.seg`.
pub(in crate::catalog) const DIRECTORY: &str = "pages";
/// A segment past this takes no more appends; the next compaction starts a new one. Big enough
/// that a catalog of a million records has a few dozen files, small enough that cleaning one
/// moves little at a time.
pub const SEGMENT_BYTES: u64 = 8 << 20;
/// The sled key prefix of a segment's [`Usage`]: [`SEGMENT`] + number (u32 BE).
pub(super) const SEGMENT: &[u8] = b"s";
/// A record's checksum and two lengths.
const HEADER: usize = 12;
/// How much of a segment is read, or of a compaction's records held, at a time.
const WINDOW: usize = 1 << 20;

/// Where a page's body is: a record in a segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Extent {
    pub segment: u32,
    pub offset: u64,
    /// The whole record's length, header included.
    pub len: u32,
}

impl Extent {
    /// The 16 bytes a page value holds after its tag.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.segment.to_be_bytes());
        out.extend_from_slice(&self.offset.to_be_bytes());
        out.extend_from_slice(&self.len.to_be_bytes());
    }

    pub fn decode(bytes: &[u8]) -> Option<Extent> {
        let bytes: &[u8; 16] = bytes.try_into().ok()?;
        Some(Extent {
            segment: u32::from_be_bytes(bytes[..4].try_into().ok()?),
            offset: u64::from_be_bytes(bytes[4..12].try_into().ok()?),
            len: u32::from_be_bytes(bytes[12..].try_into().ok()?),
        })
    }
}

/// What a segment holds: the bytes of the records pages name, and its length (what was written
/// and made durable; anything past it is the unnamed rest of a compaction that failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Usage {
    pub live: u64,
    pub length: u64,
}

impl Usage {
    fn encode(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.live.to_be_bytes());
        out[8..].copy_from_slice(&self.length.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Usage> {
        let bytes: &[u8; 16] = bytes.try_into().ok()?;
        Some(Usage {
            live: u64::from_be_bytes(bytes[..8].try_into().ok()?),
            length: u64::from_be_bytes(bytes[8..].try_into().ok()?),
        })
    }
}

pub(super) fn usage_key(segment: u32) -> Vec<u8> {
    let mut k = SEGMENT.to_vec();
    k.extend_from_slice(&segment.to_be_bytes());
    k
}

/// The segment files of one catalog.
pub(super) struct Segments {
    dir: PathBuf,
    /// The size past which a segment takes no more appends.
    segment_bytes: u64,
    /// Whether the files no usage names were deleted (once, at the first compaction).
    swept: bool,
    /// Open files, by segment number: read on first use, kept for the next read.
    files: BTreeMap<u32, File>,
    /// Every segment's usage, as sled holds it; read at the first compaction (a read-only run
    /// never needs it).
    table: Option<BTreeMap<u32, Usage>>,
    /// Segments with no live bytes, to delete once the batch that emptied them is durable.
    unused: Vec<u32>,
}

impl Segments {
    pub fn new(catalog: &Path, segment_bytes: u64) -> Segments {
        Segments {
            dir: catalog.join(DIRECTORY),
            segment_bytes,
            swept: false,
            files: BTreeMap::new(),
            table: None,
            unused: Vec::new(),
        }
    }

    pub fn path(&self, segment: u32) -> PathBuf {
        self.dir.join(format!("{segment:08}.seg"))
    }

    fn file(&mut self, segment: u32) -> std::io::Result<&File> {
        let path = self.path(segment);
        match self.files.entry(segment) {
            std::collections::btree_map::Entry::Occupied(kept) => Ok(kept.into_mut()),
            std::collections::btree_map::Entry::Vacant(slot) => Ok(slot.insert(File::open(path)?)),
        }
    }

    /// The body of page `lower` at `extent`, checked; the error is the reason, for the caller's
    /// "corrupt catalog page" message.
    pub fn read(&mut self, extent: Extent, lower: &[u8]) -> Result<Vec<u8>, String> {
        let path = self.path(extent.segment);
        let place = || format!("its body in {} at offset {}", path.display(), extent.offset);
        let file = match self.file(extent.segment) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("{} is missing", path.display()))
            }
            Err(e) => return Err(format!("{} cannot be read: {e}", path.display())),
        };
        // A damaged page value could name any length: it is checked against the file before
        // anything that long is allocated.
        let length = file
            .metadata()
            .map_err(|e| format!("{} cannot be read: {e}", path.display()))?
            .len();
        if extent.offset.saturating_add(u64::from(extent.len)) > length {
            return Err(format!("{} is cut off", place()));
        }
        let mut record = vec![0u8; extent.len as usize];
        if let Err(e) = file.read_exact_at(&mut record, extent.offset) {
            return Err(match e.kind() {
                std::io::ErrorKind::UnexpectedEof => format!("{} is cut off", place()),
                _ => format!("{} cannot be read: {e}", place()),
            });
        }
        let (found, body) = parse(&record).map_err(|what| format!("{}: {what}", place()))?;
        if found != lower {
            return Err(format!(
                "{} belongs to page {}",
                place(),
                found.escape_ascii()
            ));
        }
        Ok(body.to_vec())
    }

    /// Every segment's usage, read from sled at the first call.
    fn table(&mut self, db: &sled::Db) -> Result<&mut BTreeMap<u32, Usage>, String> {
        if self.table.is_none() {
            let mut table = BTreeMap::new();
            for entry in db.scan_prefix(SEGMENT) {
                let (key, value) = entry.map_err(|e| super::sled_problem(&e))?;
                let number = key
                    .get(SEGMENT.len()..)
                    .and_then(|n| <[u8; 4]>::try_from(n).ok())
                    .map(u32::from_be_bytes);
                let (Some(number), Some(usage)) = (number, Usage::decode(&value)) else {
                    return Err(format!(
                        "is corrupt: segment usage {} is not one mcsec writes",
                        key.escape_ascii()
                    ));
                };
                table.insert(number, usage);
            }
            self.table = Some(table);
        }
        Ok(self.table.get_or_insert_with(BTreeMap::new))
    }

    /// Deletes the segment files no usage names: they hold nothing a page names (the records
    /// of a compaction that failed before its batch, a segment emptied just before a crash).
    fn sweep(&mut self, usage: &BTreeMap<u32, Usage>) {
        self.swept = true;
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let number = name
                .to_str()
                .and_then(|n| n.strip_suffix(".seg"))
                .and_then(|n| n.parse::<u32>().ok());
            if number.is_some_and(|n| !usage.contains_key(&n)) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Starts a compaction's appends, to the newest segment or, once that one is full, to a new
    /// one.
    pub fn begin(&mut self, db: &sled::Db) -> Result<Appender, String> {
        let usage = self.table(db)?.clone();
        if !self.swept {
            self.sweep(&usage);
        }
        let (segment, start) = match usage.last_key_value() {
            Some((&n, last)) if last.length < self.segment_bytes => (n, last.length),
            Some((&n, _)) => (n.checked_add(1).ok_or("has no segment number left")?, 0),
            None => (0, 0),
        };
        Ok(Appender {
            segment,
            dir: self.dir.clone(),
            path: self.path(segment),
            start,
            written: 0,
            buffer: Vec::new(),
            file: None,
            usage,
        })
    }

    /// The sealed segment to clean, if the segments hold more than twice their live bytes
    /// plus two segments: the one with the smallest live share.
    pub fn to_clean(&self, appender: &Appender) -> Option<u32> {
        let usage = &appender.usage;
        let appended = appender.written + appender.buffer.len() as u64;
        let length: u64 = usage.values().map(|u| u.length).sum::<u64>() + appended;
        let live: u64 = usage.values().map(|u| u.live).sum();
        if length <= live.saturating_mul(2) + 2 * self.segment_bytes {
            return None;
        }
        usage
            .iter()
            .filter(|(&n, u)| n != appender.segment && u.length > 0)
            .min_by(|(_, a), (_, b)| {
                // a.live / a.length < b.live / b.length, without division.
                (u128::from(a.live) * u128::from(b.length))
                    .cmp(&(u128::from(b.live) * u128::from(a.length)))
            })
            .map(|(&n, _)| n)
    }

    /// A handle of `segment`'s file of its own, and its path, for [`visit`].
    pub fn reader(&mut self, segment: u32) -> Result<(File, PathBuf), String> {
        let path = self.path(segment);
        let cannot = |e: std::io::Error| format!("cannot be read or written: {}: {e}", path.display());
        let file = self.file(segment).and_then(File::try_clone).map_err(cannot)?;
        Ok((file, path))
    }

    /// Installs the usage a compaction's batch stored, once sled applied it.
    pub fn commit(&mut self, usage: BTreeMap<u32, Usage>, unused: Vec<u32>) {
        for segment in &unused {
            self.files.remove(segment);
        }
        self.unused.extend(unused);
        self.table = Some(usage);
    }

    /// Deletes the segments emptied by batches that are now durable. A deletion that fails
    /// leaves a file no page names, which the next process's first compaction deletes.
    pub fn remove_unused(&mut self) {
        for segment in std::mem::take(&mut self.unused) {
            let _ = std::fs::remove_file(self.path(segment));
        }
    }

    /// Every segment's usage as sled holds it (for checking a catalog).
    pub fn usage(&mut self, db: &sled::Db) -> Result<BTreeMap<u32, Usage>, String> {
        self.table(db).map(|t| t.clone())
    }
}

/// The appends of one compaction, and the usage they leave. Records collect in a buffer that
/// is written out whenever it passes [`WINDOW`] ([`Appender::spill`]), so a compaction holds
/// little of what it writes.
pub(super) struct Appender {
    segment: u32,
    /// The segment directory and the segment's file.
    dir: PathBuf,
    path: PathBuf,
    /// Where the compaction's records start in the segment (its length before).
    start: u64,
    /// The bytes written out so far, from `start`.
    written: u64,
    buffer: Vec<u8>,
    file: Option<File>,
    usage: BTreeMap<u32, Usage>,
}

impl Appender {
    /// Appends page `lower`'s record, its body written by `body`, and returns its extent.
    pub fn push(&mut self, lower: &[u8], body: impl FnOnce(&mut Vec<u8>)) -> Extent {
        let at = self.buffer.len();
        self.buffer.extend_from_slice(&[0u8; HEADER]);
        self.buffer.extend_from_slice(lower);
        let body_start = self.buffer.len();
        body(&mut self.buffer);
        let body_len = self.buffer.len() - body_start;
        self.buffer[at + 4..at + 8].copy_from_slice(&(lower.len() as u32).to_be_bytes());
        self.buffer[at + 8..at + 12].copy_from_slice(&(body_len as u32).to_be_bytes());
        let crc = crc32fast::hash(&self.buffer[at + 4..]);
        self.buffer[at..at + 4].copy_from_slice(&crc.to_be_bytes());
        let len = (self.buffer.len() - at) as u32;
        self.usage.entry(self.segment).or_default().live += u64::from(len);
        Extent {
            segment: self.segment,
            offset: self.start + self.written + at as u64,
            len,
        }
    }

    /// Counts the record at `extent` as no longer named by its page.
    pub fn release(&mut self, extent: Extent) {
        if let Some(usage) = self.usage.get_mut(&extent.segment) {
            usage.live = usage.live.saturating_sub(u64::from(extent.len));
        }
    }

    /// The length `segment` had when the compaction began.
    pub fn length_of(&self, segment: u32) -> u64 {
        self.usage.get(&segment).map_or(0, |u| u.length)
    }

    /// Writes out the buffer once it passes [`WINDOW`].
    pub fn spill(&mut self) -> std::io::Result<()> {
        if self.buffer.len() < WINDOW {
            return Ok(());
        }
        self.write_out()
    }

    fn write_out(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let file = match &mut self.file {
            Some(file) => file,
            slot @ None => {
                if !self.dir.is_dir() {
                    std::fs::create_dir_all(&self.dir)?;
                    if let Some(parent) = self.dir.parent() {
                        File::open(parent)?.sync_all()?;
                    }
                }
                slot.insert(open_for_writing(&self.path)?)
            }
        };
        file.write_all_at(&self.buffer, self.start + self.written)?;
        self.written += self.buffer.len() as u64;
        self.buffer.clear();
        Ok(())
    }

    /// Writes the rest of the appended records and makes them all durable, then adds each
    /// segment's new usage to `writes` and the deletion of emptied ones to `deletes`. Returns
    /// the usage and the emptied segments, for [`Segments::commit`] once the batch is applied.
    pub fn finish(
        mut self,
        segments: &mut Segments,
        writes: &mut SledWrites,
        deletes: &mut Vec<Vec<u8>>,
    ) -> std::io::Result<(BTreeMap<u32, Usage>, Vec<u32>)> {
        self.write_out()?;
        if let Some(file) = self.file.take() {
            file.sync_data()?;
            segments.files.insert(self.segment, file);
            self.usage.entry(self.segment).or_default().length = self.start + self.written;
        }
        let current = self.segment;
        let unused: Vec<u32> = self
            .usage
            .iter()
            .filter(|(&n, u)| n != current && u.live == 0)
            .map(|(&n, _)| n)
            .collect();
        for n in &unused {
            self.usage.remove(n);
            deletes.push(usage_key(*n));
        }
        let before = segments.table.as_ref();
        for (n, usage) in &self.usage {
            if before.and_then(|t| t.get(n)) != Some(usage) {
                writes.push((usage_key(*n), usage.encode().to_vec()));
            }
        }
        Ok((self.usage, unused))
    }
}

/// Calls `each` with every record of the segment file `file` (at `path`) up to `length`, in
/// file order: its extent, lower bound and body. The file is read a window at a time; a problem
/// with the file is `fail`ed.
pub(super) fn visit<E>(
    (file, path): &(File, PathBuf),
    segment: u32,
    length: u64,
    fail: impl Fn(String) -> E,
    mut each: impl FnMut(Extent, &[u8], &[u8]) -> Result<(), E>,
) -> Result<(), E> {
    let cannot = |e: std::io::Error| fail(format!("cannot be read or written: {}: {e}", path.display()));
    let mut window = Vec::new();
    let mut at = 0u64;
    while at < length {
        let damaged = |what: &str| fail(format!("is corrupt: {} at offset {at}: {what}", path.display()));
        window.resize(WINDOW.min((length - at) as usize), 0);
        file.read_exact_at(&mut window, at).map_err(cannot)?;
        let mut used = 0usize;
        while let Some(len) = record_len(&window[used..]) {
            let Some(record) = window.get(used..used + len) else {
                break;
            };
            let (lower, body) = parse(record).map_err(|what| damaged(&what))?;
            let extent = Extent {
                segment,
                offset: at + used as u64,
                len: len as u32,
            };
            each(extent, lower, body)?;
            used += len;
        }
        if used == 0 {
            // A record bigger than the window, read on its own; or a cut-off one.
            let len = record_len(&window).ok_or_else(|| damaged("a record cut off"))?;
            if at + len as u64 > length {
                return Err(damaged("a record cut off"));
            }
            let mut record = vec![0u8; len];
            file.read_exact_at(&mut record, at).map_err(cannot)?;
            let (lower, body) = parse(&record).map_err(|what| damaged(&what))?;
            let extent = Extent {
                segment,
                offset: at,
                len: len as u32,
            };
            each(extent, lower, body)?;
            used = len;
        }
        at += used as u64;
    }
    Ok(())
}

/// Opens the file at `path` to read and write, creating it; a new file's directory is synced,
/// so that the file outlives a crash as its synced contents do.
pub(super) fn open_for_writing(path: &Path) -> std::io::Result<File> {
    let new_file = !path.exists();
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)?;
    if new_file {
        if let Some(dir) = path.parent() {
            File::open(dir)?.sync_all()?;
        }
    }
    Ok(file)
}

/// The length of the record `bytes` starts with, from its header.
fn record_len(bytes: &[u8]) -> Option<usize> {
    let lower = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let body = u32::from_be_bytes(bytes.get(8..12)?.try_into().ok()?) as usize;
    HEADER.checked_add(lower)?.checked_add(body)
}

/// A whole record's lower bound and body, checked against its checksum and lengths.
fn parse(record: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let field = |at: usize| {
        record
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
    };
    let (Some(crc), Some(lower_len)) = (field(0), field(4)) else {
        return Err("shorter than a record header".into());
    };
    if crc32fast::hash(&record[4..]) != crc {
        return Err("it does not match its checksum".into());
    }
    if record_len(record) != Some(record.len()) {
        return Err("its lengths do not match the page's".into());
    }
    let lower_end = HEADER + lower_len as usize;
    Ok((&record[HEADER..lower_end], &record[lower_end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_reads_back_and_any_damage_to_it_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let mut segments = Segments::new(dir.path(), SEGMENT_BYTES);
        let mut appender = segments.begin(&db).unwrap();
        let a = appender.push(b"U\x1fp", |out| out.extend_from_slice(b"body one"));
        let b = appender.push(b"V", |out| out.extend_from_slice(b"two"));
        assert_eq!((a.segment, a.offset, b.offset), (0, 0, u64::from(a.len)));
        let (mut writes, mut deletes) = (Vec::new(), Vec::new());
        let (usage, unused) = appender.finish(&mut segments, &mut writes, &mut deletes).unwrap();
        assert!(unused.is_empty() && deletes.is_empty());
        assert_eq!(
            usage[&0],
            Usage {
                live: u64::from(a.len + b.len),
                length: u64::from(a.len + b.len)
            }
        );
        assert_eq!(writes, vec![(usage_key(0), usage[&0].encode().to_vec())]);
        segments.commit(usage, unused);
        assert_eq!(segments.read(a, b"U\x1fp").unwrap(), b"body one");
        assert_eq!(segments.read(b, b"V").unwrap(), b"two");
        let path = segments.path(0);
        let place = format!("its body in {} at offset {}", path.display(), b.offset);
        assert_eq!(
            segments.read(b, b"W").unwrap_err(),
            format!("{place} belongs to page V")
        );
        let huge = Extent {
            len: u32::MAX,
            ..b
        };
        assert_eq!(segments.read(huge, b"V").unwrap_err(), format!("{place} is cut off"));
        let bytes = std::fs::read(&path).unwrap();
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            std::fs::write(&path, &damaged).unwrap();
            let mut fresh = Segments::new(dir.path(), SEGMENT_BYTES);
            let extent = if at < a.len as usize { a } else { b };
            let lower: &[u8] = if extent == a { b"U\x1fp" } else { b"V" };
            assert!(fresh.read(extent, lower).is_err(), "byte {at}");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(
            Segments::new(dir.path(), SEGMENT_BYTES).read(b, b"V").unwrap_err(),
            format!("{place} is cut off")
        );
    }

    #[test]
    fn released_records_empty_a_sealed_segment_which_goes_after_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let mut segments = Segments::new(dir.path(), SEGMENT_BYTES);
        let mut usage = BTreeMap::new();
        usage.insert(0, Usage { live: 40, length: SEGMENT_BYTES });
        segments.table = Some(usage);
        std::fs::create_dir_all(dir.path().join(DIRECTORY)).unwrap();
        std::fs::write(segments.path(0), b"old").unwrap();
        let mut appender = segments.begin(&db).unwrap();
        assert_eq!(appender.segment, 1, "a full segment takes no more appends");
        appender.release(Extent { segment: 0, offset: 0, len: 40 });
        appender.push(b"a", |out| out.push(1));
        let (mut writes, mut deletes) = (Vec::new(), Vec::new());
        let (usage, unused) = appender.finish(&mut segments, &mut writes, &mut deletes).unwrap();
        assert_eq!((unused.clone(), deletes), (vec![0], vec![usage_key(0)]));
        assert_eq!(usage.keys().copied().collect::<Vec<_>>(), vec![1]);
        segments.commit(usage, unused);
        assert!(segments.path(0).exists(), "kept until the batch is durable");
        segments.remove_unused();
        assert!(!segments.path(0).exists());
        assert!(segments.path(1).exists());
    }
}
