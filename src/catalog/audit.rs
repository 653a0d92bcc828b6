//! The audit trail as stored: one record per statement, appended in the same commit as the
//! statement's own writes, plus the indexes that answer `show audit for user u in project p
//! since '...'` without reading the whole trail.
//!
//! Follow `grant Select on table t to user RAM$bob;` run by `ALIYUN$owner` in `prj1`: the
//! session builds an [`AuditEntry`] (time from the session clock, principal, address, project,
//! task type, canonical text, outcome, decision and deciding rule) and hands it to its
//! transaction ([`super::Txn::set_audit`]). [`super::Catalog::commit`], holding the commit lock,
//! gives it the next sequence number `n` and adds to the very batch that carries the grant:
//!
//! | key | value |
//! |---|---|
//! | `Y`·block·principal·project·stamp | the [`AuditRecord`] |
//! | `YD`·block·stamp | the record's key (index of refused statements) |
//! | `YB`·block | [`BlockSummary`]: the block's time range, principals and projects |
//! | `YN` | the next sequence number |
//! | `YR` | the [`Retention`] setting (written by `alter tenant set audit retention`) |
//!
//! A block is 4096 consecutive records (`n >> 12`, 8 hex digits); the stamp is 16 bytes, the
//! time with its sign bit flipped then `n`, both big-endian, so that keys sort by time. Inside a
//! block the records are clustered by principal, then project, then time: the key is the index
//! by principal and by (principal, project), a project alone is the few principals of the
//! block's summary each with that project, and one statement writes one record key (plus the
//! next number, and the summary only when it changes), which keeps the trail's cost per
//! statement small. The summaries — held in memory by the catalog — are the index by time: a
//! query reads only the blocks whose summary admits its filter, and a block's records are
//! neighbours in the key space, so the storage reads them as a few pages. Because the record rides in the
//! statement's batch it is exactly as durable as the statement: group commit flushes both or
//! neither. A refused or failed statement commits a transaction holding the record alone.
//! Nothing rewrites a record; [`Retention`] drops whole blocks once every record in them is
//! older than the window, and queries never show records past it.
//!
//! Audit keys are left out of the commit log that session caches and optimistic validation
//! read: no statement reads them, so a statement's record never makes another session retry.

use super::storage::{Storage, WriteBatch};
use super::{decode, encode};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const SEP: u8 = 0x1f;
/// Records per block: the unit a query's time filter admits or skips.
pub const BLOCK_RECORDS: u64 = 4096;
const RECORD: &str = "Y";
const DENIED: &str = "YD";
const SUMMARY: &str = "YB";
const NEXT: &[u8] = b"YN";
pub const RETENTION_KEY: &[u8] = b"YR";
/// The retention a catalog starts with: half a year, as ActionTrail keeps events by default
/// for 90 days and a trail here is also a lesson's history.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// Whether a key belongs to the trail (left out of the commit log).
pub fn is_audit_key(key: &[u8]) -> bool {
    key.first() == Some(&b'Y')
}

/// The kind of request a statement is, as the service's task types name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskType {
    /// A SQL job: `select`, `insert`, CTAS, and the table, function and resource statements.
    Sql,
    /// A Tunnel request: `tunnel download`.
    Dt,
    /// Every security-management and session statement.
    Management,
}

impl TaskType {
    pub fn name(self) -> &'static str {
        match self {
            TaskType::Sql => "SQL",
            TaskType::Dt => "DT",
            TaskType::Management => "Management",
        }
    }
    fn tag(self) -> u8 {
        match self {
            TaskType::Sql => 0,
            TaskType::Dt => 1,
            TaskType::Management => 2,
        }
    }
    fn from_tag(tag: u8) -> Option<Self> {
        [TaskType::Sql, TaskType::Dt, TaskType::Management]
            .into_iter()
            .find(|t| t.tag() == tag)
    }
}

/// What the authorizer decided for the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Every check passed (or the statement needed none).
    Allow,
    /// A check refused it.
    Deny,
    /// It failed before any check decided (a missing project, a bad file).
    None,
}

impl Decision {
    pub fn name(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny => "deny",
            Decision::None => "none",
        }
    }
    fn tag(self) -> u8 {
        match self {
            Decision::Allow => 0,
            Decision::Deny => 1,
            Decision::None => 2,
        }
    }
    fn from_tag(tag: u8) -> Option<Self> {
        [Decision::Allow, Decision::Deny, Decision::None]
            .into_iter()
            .find(|t| t.tag() == tag)
    }
}

macro_rules! tagged_serde {
    ($name:ident) => {
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_u8(self.tag())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<Self, D::Error> {
                let tag = u8::deserialize(d)?;
                $name::from_tag(tag).ok_or_else(|| {
                    serde::de::Error::custom(format!("unknown {} tag {tag}", stringify!($name)))
                })
            }
        }
    };
}
tagged_serde!(TaskType);
tagged_serde!(Decision);

/// A statement's record before the commit numbers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds from the session clock (`MCSEC_NOW` or the real clock).
    pub time: i64,
    pub principal: String,
    pub source_ip: String,
    /// The current project, when there is one.
    pub project: Option<String>,
    pub task: TaskType,
    /// The canonical text (`mcsec fmt`).
    pub statement: String,
    /// `None` when the statement succeeded.
    pub error: Option<AuditError>,
    pub decision: Decision,
    /// The rule that decided, in `explain`'s words (`None` when nothing decided).
    pub rule: Option<String>,
    /// Data statements: rows and bytes read and written (0 for the others).
    pub rows_read: u64,
    pub bytes_read: u64,
    pub rows_written: u64,
    pub bytes_written: u64,
}

/// How a statement failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditError {
    /// `syntax`, `semantic`, `authorization`, ... as in JSON failures.
    pub kind: String,
    /// The error code the message opens with (`ODPS-0420095`).
    pub code: Option<String>,
    /// The authorization sub-code (`4019`).
    pub auth_code: Option<String>,
    pub message: String,
}

/// A stored record: the entry and the sequence number its commit gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    pub entry: AuditEntry,
}

/// The retention setting of the tenant's trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Retention {
    /// Records are kept this many days (counted back from the newest statement's time) and
    /// pruned after.
    Days(u32),
    /// The trail is off: statements are not recorded.
    Off,
}

impl Default for Retention {
    fn default() -> Self {
        Retention::Days(DEFAULT_RETENTION_DAYS)
    }
}

impl Retention {
    /// The oldest time a record may have and still be kept, seen from `now`.
    pub fn cutoff(self, now: i64) -> Option<i64> {
        match self {
            Retention::Days(d) => Some(now.saturating_sub(i64::from(d) * 86_400)),
            Retention::Off => None,
        }
    }
}

/// What a block holds, for choosing the blocks a query must read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockSummary {
    pub min_time: i64,
    pub max_time: i64,
    /// Sorted.
    pub principals: Vec<String>,
    /// Sorted.
    pub projects: Vec<String>,
    pub denied: u32,
}

impl BlockSummary {
    /// Adds a record; whether anything changed (the summary is rewritten only then).
    fn add(&mut self, e: &AuditEntry, first: bool) -> bool {
        let mut changed = first;
        if first {
            self.min_time = e.time;
            self.max_time = e.time;
        }
        if e.time < self.min_time {
            self.min_time = e.time;
            changed = true;
        }
        if e.time > self.max_time {
            self.max_time = e.time;
            changed = true;
        }
        if let Err(at) = self.principals.binary_search(&e.principal) {
            self.principals.insert(at, e.principal.clone());
            changed = true;
        }
        if let Some(p) = &e.project {
            if let Err(at) = self.projects.binary_search(p) {
                self.projects.insert(at, p.clone());
                changed = true;
            }
        }
        if e.decision == Decision::Deny {
            self.denied += 1;
            changed = true;
        }
        changed
    }
}

/// The last 16 bytes of a record key: time (sign bit flipped) and sequence number, both
/// big-endian, so that keys sort by time, then number.
fn stamp(time: i64, seq: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&((time as u64) ^ (1 << 63)).to_be_bytes());
    out[8..].copy_from_slice(&seq.to_be_bytes());
    out
}

/// The (time, sequence number) at the end of a record or index key.
fn stamp_of(key: &[u8]) -> Option<(i64, u64)> {
    let tail = key.len().checked_sub(16).and_then(|at| key.get(at..))?;
    let time = u64::from_be_bytes(tail[..8].try_into().ok()?) ^ (1 << 63);
    let seq = u64::from_be_bytes(tail[8..].try_into().ok()?);
    Some((time as i64, seq))
}

fn block_code(block: u64) -> String {
    format!("{block:08x}")
}

fn key(tag: &str, segments: &[&str]) -> Vec<u8> {
    let mut k =
        Vec::with_capacity(tag.len() + 17 + segments.iter().map(|s| s.len() + 1).sum::<usize>());
    k.extend_from_slice(tag.as_bytes());
    for s in segments {
        k.push(SEP);
        k.extend_from_slice(s.as_bytes());
    }
    k
}

fn prefix(tag: &str, segments: &[&str]) -> Vec<u8> {
    let mut k = key(tag, segments);
    k.push(SEP);
    k
}

/// `Y`·block·principal·project (empty when none)·stamp.
fn record_key(block: &str, e: &AuditEntry, seq: u64) -> Vec<u8> {
    let mut k = prefix(
        RECORD,
        &[block, &e.principal, e.project.as_deref().unwrap_or("")],
    );
    k.extend_from_slice(&stamp(e.time, seq));
    k
}

/// The trail's state the commit keeps between statements: loaded from storage at the first
/// commit that carries a record.
#[derive(Default)]
pub(crate) struct Trail {
    state: std::sync::Mutex<Option<TrailState>>,
}

struct TrailState {
    next: u64,
    retention: Retention,
    /// Every block's summary, oldest first.
    blocks: BTreeMap<u64, BlockSummary>,
}

fn load(storage: &dyn Storage) -> Result<TrailState> {
    let next = match storage.get(NEXT)? {
        Some(bytes) => decode(&bytes)?,
        None => 0,
    };
    let retention = read_retention(storage)?;
    let mut blocks = BTreeMap::new();
    for (k, v) in storage.scan_prefix(&prefix(SUMMARY, &[]))? {
        let code = std::str::from_utf8(&k[SUMMARY.len() + 1..]).unwrap_or("");
        if let Ok(block) = u64::from_str_radix(code, 16) {
            blocks.insert(block, decode(&v)?);
        }
    }
    Ok(TrailState {
        next,
        retention,
        blocks,
    })
}

fn read_retention(storage: &dyn Storage) -> Result<Retention> {
    match storage.get(RETENTION_KEY)? {
        Some(bytes) => decode(&bytes),
        None => Ok(Retention::default()),
    }
}

impl Trail {
    /// Numbers `entry` and adds its record, index keys and summary to `batch` (the statement's
    /// own writes), pruning blocks past the retention window. Called with the commit lock held.
    pub(crate) fn append(
        &self,
        storage: &dyn Storage,
        batch: &mut WriteBatch,
        entry: AuditEntry,
    ) -> Result<()> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(load(storage)?);
        }
        let Some(state) = guard.as_mut() else {
            return Ok(());
        };
        let before = state.retention;
        let after = match batch.get(RETENTION_KEY) {
            Some(Some(bytes)) => decode(bytes)?,
            Some(None) => Retention::default(),
            None => before,
        };
        state.retention = after;
        // The statement that switches the trail off, or on, is recorded.
        if before == Retention::Off && after == Retention::Off {
            return Ok(());
        }
        let seq = state.next;
        state.next += 1;
        let block = seq / BLOCK_RECORDS;
        let b = block_code(block);
        let first = !state.blocks.contains_key(&block);
        let summary = state.blocks.entry(block).or_default();
        if summary.add(&entry, first) {
            batch.insert(key(SUMMARY, &[&b]), Some(encode(summary)?));
        }
        let record = record_key(&b, &entry, seq);
        if entry.decision == Decision::Deny {
            let mut denied = prefix(DENIED, &[&b]);
            denied.extend_from_slice(&stamp(entry.time, seq));
            batch.insert(denied, Some(record.clone()));
        }
        batch.insert(NEXT.to_vec(), Some(encode(&state.next)?));
        let cutoff = after.cutoff(entry.time);
        let time = entry.time;
        batch.insert(record, Some(encode(&AuditRecord { seq, entry })?));
        if let Some(cutoff) = cutoff.filter(|c| *c <= time) {
            prune(storage, batch, state, block, cutoff)?;
        }
        Ok(())
    }

    /// Forgets the loaded state (a commit that failed to apply left it ahead of storage).
    pub(crate) fn reset(&self) {
        *self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// Deletes the oldest blocks before `current` whose newest record is before `cutoff`.
fn prune(
    storage: &dyn Storage,
    batch: &mut WriteBatch,
    state: &mut TrailState,
    current: u64,
    cutoff: i64,
) -> Result<()> {
    // Blocks are written in time order in practice, so the oldest is the one to look at.
    while let Some((&block, summary)) = state.blocks.first_key_value() {
        if block >= current || summary.max_time >= cutoff {
            break;
        }
        let b = block_code(block);
        for tag in [RECORD, DENIED] {
            for (k, _) in storage.scan_prefix(&prefix(tag, &[&b]))? {
                batch.insert(k, None);
            }
        }
        batch.insert(key(SUMMARY, &[&b]), None);
        state.blocks.remove(&block);
    }
    Ok(())
}

/// What `show audit` and the readers of the trail ask for. Every field narrows; the empty
/// filter is the whole trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub principal: Option<String>,
    pub project: Option<String>,
    /// Inclusive bounds, Unix seconds.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only refused statements.
    pub denied: bool,
    /// Only the newest `limit` matches.
    pub limit: Option<usize>,
}

impl Filter {
    fn admits_time(&self, t: i64) -> bool {
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }

    fn admits(&self, e: &AuditEntry) -> bool {
        self.admits_time(e.time)
            && self.principal.as_ref().is_none_or(|p| *p == e.principal)
            && self
                .project
                .as_ref()
                .is_none_or(|p| e.project.as_ref() == Some(p))
            && (!self.denied || e.decision == Decision::Deny)
    }

    fn admits_block(&self, s: &BlockSummary) -> bool {
        self.since.is_none_or(|t| s.max_time >= t)
            && self.until.is_none_or(|t| s.min_time <= t)
            && self
                .principal
                .as_ref()
                .is_none_or(|p| s.principals.binary_search(p).is_ok())
            && self
                .project
                .as_ref()
                .is_none_or(|p| s.projects.binary_search(p).is_ok())
            && (!self.denied || s.denied > 0)
    }
}

/// The retention setting as stored.
pub fn retention(storage: &dyn Storage) -> Result<Retention> {
    read_retention(storage)
}

/// The records matching `filter`, oldest first (by time, then sequence number), at most
/// `filter.limit` of the newest. Chooses the blocks from the summaries the trail keeps in
/// memory, then reads only those, newest first, each through the narrowest index the filter
/// allows; with a limit it stops once no older block can hold a record newer than the
/// `limit`-th match. Records older than `cutoff` (the retention window) are never returned.
pub(crate) fn query(
    storage: &dyn Storage,
    trail: &Trail,
    filter: &Filter,
    cutoff: Option<i64>,
) -> Result<Vec<AuditRecord>> {
    let mut filter = filter.clone();
    if let Some(c) = cutoff {
        filter.since = Some(filter.since.map_or(c, |s| s.max(c)));
    }
    let blocks = trail.blocks_for(storage, &filter)?;
    let mut found: Vec<AuditRecord> = Vec::new();
    for (block, max_time, principals) in blocks {
        if let Some(limit) = filter.limit {
            if found.len() >= limit {
                // The limit-th newest time so far: an older block cannot beat it.
                found.sort_by_key(|r| std::cmp::Reverse((r.entry.time, r.seq)));
                found.truncate(limit);
                if found.last().is_some_and(|r| r.entry.time > max_time) {
                    break;
                }
            }
        }
        read_block(storage, &filter, block, &principals, &mut found)?;
    }
    found.sort_by_key(|r| (r.entry.time, r.seq));
    if let Some(limit) = filter.limit {
        let skip = found.len().saturating_sub(limit);
        found.drain(..skip);
    }
    Ok(found)
}

impl Trail {
    /// The blocks whose summary admits `filter`, newest first (by their newest record), with
    /// that newest time and, for a filter naming a project but no principal, the block's
    /// principals (the keys of that project's records start with one of them).
    fn blocks_for(
        &self,
        storage: &dyn Storage,
        filter: &Filter,
    ) -> Result<Vec<(u64, i64, Vec<String>)>> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(load(storage)?);
        }
        let Some(state) = guard.as_ref() else {
            return Ok(Vec::new());
        };
        let by_project = filter.principal.is_none() && filter.project.is_some() && !filter.denied;
        let mut blocks: Vec<(u64, i64, Vec<String>)> = state
            .blocks
            .iter()
            .filter(|(_, s)| filter.admits_block(s))
            .map(|(b, s)| {
                let principals = if by_project {
                    s.principals.clone()
                } else {
                    Vec::new()
                };
                (*b, s.max_time, principals)
            })
            .collect();
        blocks.sort_by_key(|(b, t, _)| std::cmp::Reverse((*t, *b)));
        Ok(blocks)
    }
}

/// The matches of one block: the records of the filter's principal (and project) when it
/// names one, of each of the block's `principals` with the project when it names only a
/// project, through the refusal index for `denied`, else the whole block. The time in a key
/// is checked before its record is decoded.
fn read_block(
    storage: &dyn Storage,
    filter: &Filter,
    block: u64,
    principals: &[String],
    found: &mut Vec<AuditRecord>,
) -> Result<()> {
    let b = block_code(block);
    let take = |k: &[u8], v: &[u8], found: &mut Vec<AuditRecord>| -> Result<()> {
        if !stamp_of(k).is_some_and(|(t, _)| filter.admits_time(t)) {
            return Ok(());
        }
        let record: AuditRecord = decode(v)?;
        if filter.admits(&record.entry) {
            found.push(record);
        }
        Ok(())
    };
    let prefixes: Vec<Vec<u8>> = match (&filter.principal, &filter.project) {
        (Some(p), Some(j)) => vec![prefix(RECORD, &[&b, p, j])],
        (Some(p), None) => vec![prefix(RECORD, &[&b, p])],
        (None, Some(j)) if !filter.denied => principals
            .iter()
            .map(|p| prefix(RECORD, &[&b, p, j]))
            .collect(),
        _ if filter.denied => {
            for (k, record_key) in storage.scan_prefix(&prefix(DENIED, &[&b]))? {
                if !stamp_of(&k).is_some_and(|(t, _)| filter.admits_time(t)) {
                    continue;
                }
                if let Some(v) = storage.get(&record_key)? {
                    take(&record_key, &v, found)?;
                }
            }
            return Ok(());
        }
        _ => vec![prefix(RECORD, &[&b])],
    };
    for p in prefixes {
        for (k, v) in storage.scan_prefix(&p)? {
            take(&k, &v, found)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MemStorage;

    fn entry(time: i64, who: &str, project: Option<&str>, decision: Decision) -> AuditEntry {
        AuditEntry {
            time,
            principal: who.into(),
            source_ip: "127.0.0.1".into(),
            project: project.map(Into::into),
            task: TaskType::Management,
            statement: "whoami".into(),
            error: None,
            decision,
            rule: None,
            rows_read: 0,
            bytes_read: 0,
            rows_written: 0,
            bytes_written: 0,
        }
    }

    fn append(storage: &MemStorage, trail: &Trail, e: AuditEntry) {
        let mut batch = WriteBatch::new();
        trail.append(storage, &mut batch, e).unwrap();
        storage.apply(batch).unwrap();
    }

    #[test]
    fn stamps_sort_by_time_then_number() {
        let times = [i64::MIN, -5, -1, 0, 1, 1_700_000_000, i64::MAX];
        let stamps: Vec<[u8; 16]> = times.iter().map(|t| stamp(*t, 7)).collect();
        let mut sorted = stamps.clone();
        sorted.sort();
        assert_eq!(stamps, sorted);
        for t in times {
            assert_eq!(stamp_of(&stamp(t, 7)), Some((t, 7)));
        }
        assert!(stamp(5, 1) < stamp(5, 2));
    }

    #[test]
    fn queries_filter_by_principal_project_time_and_denial_across_blocks() {
        let storage = MemStorage::default();
        let trail = Trail::default();
        let n = BLOCK_RECORDS * 2 + 10;
        for i in 0..n {
            let who = if i % 3 == 0 {
                "ALIYUN$owner"
            } else {
                "RAM$owner:bob"
            };
            let project = if i % 2 == 0 { Some("p1") } else { Some("p2") };
            let decision = if i % 100 == 0 {
                Decision::Deny
            } else {
                Decision::Allow
            };
            append(
                &storage,
                &trail,
                entry(1000 + i as i64, who, project, decision),
            );
        }
        let all = query(&storage, &trail, &Filter::default(), None).unwrap();
        assert_eq!(all.len() as u64, n);
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
        let bob_p1 = Filter {
            principal: Some("RAM$owner:bob".into()),
            project: Some("p1".into()),
            since: Some(1000 + 4000),
            until: Some(1000 + 5000),
            ..Filter::default()
        };
        let got = query(&storage, &trail, &bob_p1, None).unwrap();
        let want: Vec<u64> = (4000..=5000).filter(|i| i % 3 != 0 && i % 2 == 0).collect();
        assert_eq!(got.iter().map(|r| r.seq).collect::<Vec<_>>(), want);
        let p2_week = Filter {
            project: Some("p2".into()),
            since: Some(1000 + 4000),
            until: Some(1000 + 4100),
            ..Filter::default()
        };
        let got = query(&storage, &trail, &p2_week, None).unwrap();
        let want: Vec<u64> = (4000..=4100).filter(|i| i % 2 == 1).collect();
        assert_eq!(got.iter().map(|r| r.seq).collect::<Vec<_>>(), want);
        let denied = query(
            &storage,
            &trail,
            &Filter {
                denied: true,
                ..Filter::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(denied.len() as u64, n.div_ceil(100));
        let last = query(
            &storage,
            &trail,
            &Filter {
                limit: Some(5),
                ..Filter::default()
            },
            None,
        )
        .unwrap();
        assert_eq!(
            last.iter().map(|r| r.seq).collect::<Vec<_>>(),
            (n - 5..n).collect::<Vec<_>>()
        );
    }

    #[test]
    fn retention_prunes_whole_blocks_past_the_window_and_off_records_nothing() {
        let storage = MemStorage::default();
        let trail = Trail::default();
        for i in 0..BLOCK_RECORDS {
            append(
                &storage,
                &trail,
                entry(i as i64, "ALIYUN$owner", None, Decision::Allow),
            );
        }
        let day = 86_400;
        let late = i64::from(DEFAULT_RETENTION_DAYS) * day + BLOCK_RECORDS as i64 + 10;
        append(
            &storage,
            &trail,
            entry(late, "ALIYUN$owner", None, Decision::Allow),
        );
        // The first block is wholly past the window once a record in the next block is written.
        append(
            &storage,
            &trail,
            entry(late, "ALIYUN$owner", None, Decision::Allow),
        );
        let left = query(&storage, &trail, &Filter::default(), None).unwrap();
        assert_eq!(
            left.iter().map(|r| r.seq).collect::<Vec<_>>(),
            vec![BLOCK_RECORDS, BLOCK_RECORDS + 1]
        );
        assert!(storage
            .scan_prefix(&prefix(RECORD, &[&block_code(0)]))
            .unwrap()
            .is_empty());
        assert!(storage.scan_prefix(&prefix(SUMMARY, &[])).unwrap().len() == 1);

        // Switching off is recorded; what follows is not.
        let mut batch = WriteBatch::new();
        batch.insert(
            RETENTION_KEY.to_vec(),
            Some(encode(&Retention::Off).unwrap()),
        );
        trail
            .append(
                &storage,
                &mut batch,
                entry(late, "ALIYUN$owner", None, Decision::Allow),
            )
            .unwrap();
        storage.apply(batch).unwrap();
        append(
            &storage,
            &trail,
            entry(late, "ALIYUN$owner", None, Decision::Allow),
        );
        assert_eq!(
            query(&storage, &trail, &Filter::default(), None)
                .unwrap()
                .len(),
            3
        );
        assert_eq!(retention(&storage).unwrap(), Retention::Off);
    }
}
