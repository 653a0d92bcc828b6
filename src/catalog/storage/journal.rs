//! The journal file: the flushes since the last compaction, one record each, beside sled.
//!
//! A flush that does not compact appends its writes as one record to [`FILE`] and syncs it;
//! sled is not written at all. (Kept in sled, each record was cut into chunks that sled copied
//! into its log and kept in memory, so a journal of more than a few hundred kilobytes cost more
//! than the compactions it spared.) A record is its CRC-32 (of everything after it), the
//! length of its payload (u32 BE), the flush generation it makes durable (u64 BE), and the
//! payload: the writes, postcard-encoded.
//!
//! Opening reads the records in order: one whose generation a compaction already holds (sled's
//! [`super::GENERATION`]) is skipped — a compaction empties the file only after its own batch
//! is durable, so a crash in between leaves such records — and the replay stops at the first
//! record that is damaged, cut off, or not the next generation: the end of what was written.
//! The store then compares the generation reached with the one `mcsec.flushed` records, so a
//! damaged acknowledged record is an error, never a silent loss. The next append goes where the
//! replay stopped, after the file is cut back to it.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The journal's file in the catalog directory.
pub(in crate::catalog) const FILE: &str = "mcsec.journal";
/// A record's checksum, payload length and generation.
const HEADER: usize = 16;

pub(super) struct Journal {
    path: PathBuf,
    /// Open for appending once the first record is written.
    file: Option<File>,
    /// Where the records replayed at open (or appended since) end.
    end: u64,
    /// Whether the file holds bytes past `end` (a damaged or cut-off record, or records a
    /// compaction holds), cut off before the next append.
    trailing: bool,
}

/// The records a journal replays at open: each one's generation and payload, in order.
pub(super) type Records = Vec<(u64, Vec<u8>)>;

impl Journal {
    /// Reads the journal of the catalog at `dir`: the records after generation `compacted`.
    pub fn open(dir: &Path, compacted: u64) -> std::io::Result<(Journal, Records)> {
        let path = dir.join(FILE);
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut records = Vec::new();
        let mut at = 0usize;
        let mut end = 0usize;
        let mut expected = compacted + 1;
        while let Some((generation, payload, len)) = record_at(&bytes[at..]) {
            at += len;
            if generation <= compacted {
                continue;
            }
            if generation != expected {
                break;
            }
            records.push((generation, payload.to_vec()));
            expected += 1;
            end = at;
        }
        let journal = Journal {
            path,
            file: None,
            end: end as u64,
            trailing: bytes.len() > end,
        };
        Ok((journal, records))
    }

    /// The bytes of the records since the last compaction.
    pub fn bytes(&self) -> u64 {
        self.end
    }

    /// Appends the record of `generation` holding `payload` and makes it durable.
    pub fn append(&mut self, generation: u64, payload: &[u8]) -> std::io::Result<()> {
        let mut record = Vec::with_capacity(HEADER + payload.len());
        record.extend_from_slice(&[0u8; 4]);
        let len = u32::try_from(payload.len())
            .map_err(|_| std::io::Error::other("a journal record past 4 GB"))?;
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(&generation.to_be_bytes());
        record.extend_from_slice(payload);
        let crc = crc32fast::hash(&record[4..]);
        record[..4].copy_from_slice(&crc.to_be_bytes());
        let end = self.end;
        let file = self.file()?;
        file.write_all_at(&record, end)?;
        file.sync_data()?;
        self.end += record.len() as u64;
        Ok(())
    }

    fn file(&mut self) -> std::io::Result<&File> {
        let file = match &mut self.file {
            Some(file) => file,
            slot @ None => slot.insert(super::segments::open_for_writing(&self.path)?),
        };
        if self.trailing {
            file.set_len(self.end)?;
            self.trailing = false;
        }
        Ok(file)
    }

    /// Empties the journal, once a compaction holding all of it is durable. If the file
    /// cannot be cut, its records stay and are skipped at the next open (the compaction holds
    /// their generations); appends go after them.
    pub fn clear(&mut self) {
        let cut = match &self.file {
            Some(file) => file.set_len(0).is_ok(),
            None => match std::fs::OpenOptions::new().write(true).open(&self.path) {
                Ok(file) => file.set_len(0).is_ok(),
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            },
        };
        if cut {
            self.end = 0;
            self.trailing = false;
        }
    }
}

/// The generation, payload and length of the whole, undamaged record `bytes` starts with.
fn record_at(bytes: &[u8]) -> Option<(u64, &[u8], usize)> {
    let crc = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    let len = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let generation = u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
    let whole = HEADER.checked_add(len)?;
    let record = bytes.get(..whole)?;
    (crc32fast::hash(&record[4..]) == crc).then_some((generation, &record[HEADER..], whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_replay_in_order_until_the_first_damaged_or_out_of_order_one() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut journal, records) = Journal::open(dir.path(), 4).unwrap();
            assert!(records.is_empty());
            journal.append(5, b"five").unwrap();
            journal.append(6, b"six").unwrap();
            journal.append(7, b"seven").unwrap();
        }
        let (_, records) = Journal::open(dir.path(), 4).unwrap();
        let generations: Vec<u64> = records.iter().map(|(g, _)| *g).collect();
        assert_eq!(generations, vec![5, 6, 7]);
        assert_eq!(records[1].1, b"six");
        // Records a compaction holds are skipped.
        let (_, records) = Journal::open(dir.path(), 6).unwrap();
        assert_eq!(records, vec![(7, b"seven".to_vec())]);
        // A compaction lost from sled's log leaves a gap: nothing after it replays.
        let (_, records) = Journal::open(dir.path(), 3).unwrap();
        assert!(records.is_empty());
        let path = dir.path().join(FILE);
        let bytes = std::fs::read(&path).unwrap();
        let second = HEADER + 4;
        for at in second..second + HEADER + 3 {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x04;
            std::fs::write(&path, &damaged).unwrap();
            let (_, records) = Journal::open(dir.path(), 4).unwrap();
            assert_eq!(records, vec![(5, b"five".to_vec())], "byte {at}");
        }
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        let (mut journal, records) = Journal::open(dir.path(), 4).unwrap();
        assert_eq!(records.len(), 2);
        // The next append replaces the cut-off record.
        journal.append(7, b"seven again").unwrap();
        let (_, records) = Journal::open(dir.path(), 4).unwrap();
        assert_eq!(records.last(), Some(&(7, b"seven again".to_vec())));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), journal.bytes());
    }

    #[test]
    fn a_cleared_journal_is_empty_and_takes_appends_from_its_start() {
        let dir = tempfile::tempdir().unwrap();
        let (mut journal, _) = Journal::open(dir.path(), 0).unwrap();
        journal.append(1, b"one").unwrap();
        journal.clear();
        assert_eq!(journal.bytes(), 0);
        journal.append(3, b"three").unwrap();
        let (_, records) = Journal::open(dir.path(), 2).unwrap();
        assert_eq!(records, vec![(3, b"three".to_vec())]);
    }
}
