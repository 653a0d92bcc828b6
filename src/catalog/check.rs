//! `mcsec check-catalog <dir>`: reads a whole catalog and says whether every part of it is
//! sound, without changing it.
//!
//! Following `mcsec check-catalog /srv/cat` through it: [`check`] opens the directory as a
//! catalog does for a statement (sled verifies the checksums of the log it replays; mcsec takes
//! the directory lock and checks its format key), then reads every page and every journal
//! record (each chunk must be there and the postcard framing of each must decode), and then
//! decodes every record with the type its key's tag says it holds, refusing trailing bytes and
//! tags mcsec never writes. The first problem found is the error, named by the catalog and the
//! record key; a sound catalog gives a [`Report`] of what it holds. Nothing is written: a
//! catalog directory that does not exist is an error here, not a new catalog.

use super::{keys, model::*, Catalog};
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

/// What a sound catalog holds: records per key tag.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub records: usize,
    pub by_tag: BTreeMap<String, usize>,
}

impl Report {
    /// `catalog <dir> is sound: 1204 records (A 600, AG 600, P 1, ...)`.
    pub fn summary(&self, location: &str) -> String {
        let tags: Vec<String> = self
            .by_tag
            .iter()
            .map(|(tag, n)| format!("{tag} {n}"))
            .collect();
        format!(
            "catalog {location} is sound: {} records ({})",
            self.records,
            tags.join(", ")
        )
    }
}

/// `mcsec check-catalog <dir>`: the summary on `out` and exit 0, or one `FAILED:` line on `err`
/// and exit 1.
pub fn run(location: &str, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    match check(location) {
        Ok(report) => {
            let _ = writeln!(out, "{}", report.summary(location));
            0
        }
        Err(e) => {
            let _ = writeln!(err, "FAILED: {e}");
            1
        }
    }
}

/// Reads and verifies the whole catalog at `location` (a directory that must exist).
pub fn check(location: &str) -> Result<Report> {
    if !Path::new(location).is_dir() {
        return Err(Error::Storage(format!(
            "catalog {location} does not exist or is not a directory"
        )));
    }
    let catalog = if super::read_only::writable(Path::new(location)) {
        Catalog::open(location)?
    } else {
        Catalog::open_read_only(location)?
    };
    catalog.storage.verify()?;
    let mut report = Report::default();
    // Every stored key, the audit trail's too (`entries` leaves the trail out).
    for (key, value) in catalog.storage.scan_prefix(b"")? {
        let tag = tag_of(&key);
        check_record(tag, &value).map_err(|what| {
            Error::Storage(format!(
                "corrupt record {} in catalog {location}: {what}",
                key.escape_ascii()
            ))
        })?;
        report.records += 1;
        *report.by_tag.entry(tag.to_string()).or_default() += 1;
    }
    Ok(report)
}

/// The tag of a key: the bytes before its first separator (all of a one-segment-less key);
/// an audit record's key is its prefix and two numbers, which may hold the separator's byte.
fn tag_of(key: &[u8]) -> &str {
    if key.starts_with(super::audit::RECORD_PREFIX) {
        return "YL";
    }
    let end = key.iter().position(|&b| b == 0x1f).unwrap_or(key.len());
    std::str::from_utf8(&key[..end]).unwrap_or("?")
}

fn exact<T: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<(), String> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((_, [])) => Ok(()),
        Ok((_, rest)) => Err(format!("{} bytes after the record", rest.len())),
        Err(e) => Err(e.to_string()),
    }
}

fn check_record(tag: &str, value: &[u8]) -> std::result::Result<(), String> {
    match tag {
        t if t.as_bytes() == keys::FORMAT => exact::<u32>(value),
        "P" => exact::<Project>(value),
        "U" => exact::<User>(value),
        "R" => exact::<Role>(value),
        "RP" => exact::<String>(value),
        "A" => exact::<AclGrants>(value),
        "AG" | "LG" => exact::<()>(value),
        "L" => exact::<LabelGrants>(value),
        "T" => exact::<Table>(value),
        "D" => exact::<Rows>(value),
        "O" => exact::<NamedObject>(value),
        "K" => exact::<Package>(value),
        "I" => exact::<InstalledPackage>(value),
        "TR" => exact::<TenantRole>(value),
        "TU" => exact::<TenantUser>(value),
        "G" | "TG" => exact::<Group>(value),
        "WS" => exact::<Workspace>(value),
        // A snapshot: its name, when it was saved, and every other record undecoded.
        "S" => exact::<(String, i64, Vec<(Vec<u8>, Vec<u8>)>)>(value),
        "YL" => super::audit::stored_tail(value).and_then(exact::<super::audit::Tail>),
        "YB" => exact::<super::audit::BlockSummary>(value),
        "YR" => exact::<super::audit::Retention>(value),
        other => Err(format!("tag {other:?} is not one mcsec writes")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tag_the_key_layout_writes_is_checked() {
        for tag in [
            "F", "P", "U", "R", "RP", "A", "AG", "L", "LG", "T", "D", "O", "K", "I", "TR", "TU",
            "G", "TG", "WS", "S", "YL", "YB", "YR",
        ] {
            // An empty value is a decoding error for every record type but `()`, never an
            // unknown tag.
            let outcome = check_record(tag, &[]);
            assert!(
                !outcome.as_ref().err().is_some_and(|e| e.contains("not one mcsec writes")),
                "{tag}"
            );
        }
        assert_eq!(
            check_record("Z", &[]),
            Err("tag \"Z\" is not one mcsec writes".into())
        );
        assert_eq!(check_record("AG", &[0]), Err("1 bytes after the record".into()));
    }
}
