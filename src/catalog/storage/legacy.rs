//! The partition layout of formats 2 and 3, read once to upgrade it, and the stub of it that
//! keeps those releases away from a paged catalog.
//!
//! Formats 2 and 3 stored each partition (one record kind of one project) as one postcard value
//! cut into chunks under `p` + id length + id + chunk number, listed in the directory `d`. A
//! catalog opened with a directory and without [`LAYOUT`] is in that layout: [`read_all`] reads
//! every partition, the store takes them as writes not yet in any page, and its first flush
//! compacts them into pages, deleting the chunks in the same sled batch. That batch also writes
//! [`stub`]: a directory listing one partition, `F`, whose one record is the format key holding
//! the current format number — so a format 3 release opening a paged catalog finds the format
//! key it knows and refuses the catalog by number instead of reading it as empty.

use super::{storage_err, Error, Result};
use std::collections::BTreeMap;

/// The directory of the partition layout.
pub(super) const DIRECTORY: &[u8] = b"d";
/// The chunks of the partition layout.
pub(super) const PARTITION: &[u8] = b"p";
/// Present in a paged catalog: the storage layout's number.
pub(super) const LAYOUT: &[u8] = b"l";
pub(super) const PAGED: u32 = 2;

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

/// Every record of every partition of a catalog in the partition layout (empty when it has no
/// directory).
pub(super) fn read_all(db: &sled::Db, location: &str) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
    let mut records = BTreeMap::new();
    let Some(listing) = db.get(DIRECTORY).map_err(storage_err)? else {
        return Ok(records);
    };
    let directory: Vec<(Vec<u8>, u32)> = postcard::from_bytes(&listing)
        .map_err(|e| Error::Storage(format!("corrupt catalog directory in {location}: {e}")))?;
    for (id, chunks) in directory {
        let corrupt = |what: String| {
            Error::Storage(format!(
                "corrupt catalog partition {} in {location}: {what}",
                id.escape_ascii()
            ))
        };
        let mut bytes = Vec::new();
        let mut found = 0;
        for chunk in db.scan_prefix(chunk_prefix(&id)).values() {
            bytes.extend_from_slice(&chunk.map_err(storage_err)?);
            found += 1;
        }
        if found != chunks {
            return Err(corrupt(format!(
                "{found} chunks, the directory says {chunks}"
            )));
        }
        if bytes.is_empty() {
            continue;
        }
        let entries = super::pages::decode_entries(&bytes).map_err(corrupt)?;
        records.extend(entries);
    }
    Ok(records)
}

/// Adds to `batch` the deletion of every partition-layout key, then the stub: directory
/// `[(F, 1)]` and partition `F` holding `(F, format)`.
pub(super) fn replace_with_stub(
    db: &sled::Db,
    batch: &mut sled::Batch,
    format_record: &[u8],
) -> Result<()> {
    for key in db.scan_prefix(PARTITION).keys() {
        batch.remove(key.map_err(storage_err)?);
    }
    let entries = vec![(b"F".to_vec(), format_record.to_vec())];
    let body = super::pages::encode_entries(&entries);
    batch.insert(chunk_key(b"F", 0), body);
    let listing: Vec<(&[u8], u32)> = vec![(b"F", 1)];
    batch.insert(
        DIRECTORY,
        postcard::to_stdvec(&listing).map_err(storage_err)?,
    );
    batch.insert(LAYOUT, &PAGED.to_be_bytes());
    Ok(())
}

#[cfg(test)]
pub(super) fn write_partition_layout(
    db: &sled::Db,
    partitions: &[(&[u8], Vec<(Vec<u8>, Vec<u8>)>)],
) {
    let mut listing: Vec<(Vec<u8>, u32)> = Vec::new();
    for (id, entries) in partitions {
        let body = super::pages::encode_entries(entries);
        let mut count = 0;
        for chunk in body.chunks(100) {
            db.insert(chunk_key(id, count), chunk).unwrap();
            count += 1;
        }
        listing.push((id.to_vec(), count));
    }
    db.insert(DIRECTORY, postcard::to_stdvec(&listing).unwrap())
        .unwrap();
    db.flush().unwrap();
}
