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
//! | `Y`·block·time·n | the [`AuditRecord`] |
//! | `YP`·block·principal·time·n | – (index by principal) |
//! | `YJ`·block·project·time·n | – (index by project) |
//! | `YD`·block·time·n | – (index of refused statements) |
//! | `YB`·block | [`BlockSummary`]: the block's time range, principals and projects |
//! | `YN` | the next sequence number |
//! | `YR` | the [`Retention`] setting (written by `alter tenant set audit retention`) |
//!
//! A block is 4096 consecutive records (`n >> 12`); the storage keeps each block of each key
//! kind as its own partition, so a partition never grows past one block and a query reads only
//! the blocks whose summary matches its filter. Times in keys are the seconds with the sign bit
//! flipped, as 16 hex digits, so that they sort as numbers do. Because the record rides in the
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
/// Records per block: a partition holds at most one block of one key kind.
pub const BLOCK_RECORDS: u64 = 4096;
const RECORD: &str = "Y";
const BY_PRINCIPAL: &str = "YP";
const BY_PROJECT: &str = "YJ";
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
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_u8(self.tag())
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
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

/// Sortable text of a time: sign bit flipped, 16 hex digits.
fn time_code(t: i64) -> String {
    format!("{:016x}", (t as u64) ^ (1 << 63))
}

fn time_of_code(code: &str) -> Option<i64> {
    u64::from_str_radix(code, 16)
        .ok()
        .map(|v| (v ^ (1 << 63)) as i64)
}

fn block_code(block: u64) -> String {
    format!("{block:08x}")
}

fn key(tag: &str, segments: &[&str]) -> Vec<u8> {
    let mut k = Vec::with_capacity(tag.len() + segments.iter().map(|s| s.len() + 1).sum::<usize>());
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

fn record_key(block: &str, time: &str, seq: &str) -> Vec<u8> {
    key(RECORD, &[block, time, seq])
}

/// The last two segments of an index key: time and sequence number codes.
fn tail_of(k: &[u8]) -> Option<(&str, &str)> {
    let mut parts = k.rsplit(|b| *b == SEP);
    let seq = std::str::from_utf8(parts.next()?).ok()?;
    let time = std::str::from_utf8(parts.next()?).ok()?;
    Some((time, seq))
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
        let t = time_code(entry.time);
        let s = format!("{seq:016x}");
        let first = !state.blocks.contains_key(&block);
        let summary = state.blocks.entry(block).or_default();
        if summary.add(&entry, first) {
            batch.insert(key(SUMMARY, &[&b]), Some(encode(summary)?));
        }
        batch.insert(key(BY_PRINCIPAL, &[&b, &entry.principal, &t, &s]), Some(Vec::new()));
        if let Some(p) = &entry.project {
            batch.insert(key(BY_PROJECT, &[&b, p, &t, &s]), Some(Vec::new()));
        }
        if entry.decision == Decision::Deny {
            batch.insert(key(DENIED, &[&b, &t, &s]), Some(Vec::new()));
        }
        batch.insert(NEXT.to_vec(), Some(encode(&state.next)?));
        let cutoff = after.cutoff(entry.time);
        let time = entry.time;
        batch.insert(
            record_key(&b, &t, &s),
            Some(encode(&AuditRecord { seq, entry })?),
        );
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
        for tag in [RECORD, BY_PRINCIPAL, BY_PROJECT, DENIED] {
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
/// `filter.limit` of the newest. Reads the block summaries, then only the blocks they admit,
/// newest first, each through the narrowest index the filter allows; with a limit it stops once
/// no older block can hold a record newer than the `limit`-th match. Records older than
/// `cutoff` (the retention window) are never returned.
pub fn query(storage: &dyn Storage, filter: &Filter, cutoff: Option<i64>) -> Result<Vec<AuditRecord>> {
    let mut filter = filter.clone();
    if let Some(c) = cutoff {
        filter.since = Some(filter.since.map_or(c, |s| s.max(c)));
    }
    let mut summaries: Vec<(u64, BlockSummary)> = Vec::new();
    for (k, v) in storage.scan_prefix(&prefix(SUMMARY, &[]))? {
        let code = std::str::from_utf8(&k[SUMMARY.len() + 1..]).unwrap_or("");
        if let Ok(block) = u64::from_str_radix(code, 16) {
            summaries.push((block, decode(&v)?));
        }
    }
    // Newest blocks first: with a limit, later blocks rarely hold older records.
    summaries.sort_by_key(|(_, s)| std::cmp::Reverse(s.max_time));
    let mut found: Vec<AuditRecord> = Vec::new();
    for (block, summary) in &summaries {
        if let Some(limit) = filter.limit {
            if found.len() >= limit {
                // The limit-th newest time so far: an older block cannot beat it.
                found.sort_by_key(|r| std::cmp::Reverse((r.entry.time, r.seq)));
                found.truncate(limit);
                if found.last().is_some_and(|r| r.entry.time > summary.max_time) {
                    break;
                }
            }
        }
        if !filter.admits_block(summary) {
            continue;
        }
        read_block(storage, &filter, *block, &mut found)?;
    }
    found.sort_by_key(|r| (r.entry.time, r.seq));
    if let Some(limit) = filter.limit {
        let skip = found.len().saturating_sub(limit);
        found.drain(..skip);
    }
    Ok(found)
}

/// The matches of one block, through an index when the filter names a principal, a project or
/// asks for refusals.
fn read_block(
    storage: &dyn Storage,
    filter: &Filter,
    block: u64,
    found: &mut Vec<AuditRecord>,
) -> Result<()> {
    let b = block_code(block);
    let index = if let Some(p) = &filter.principal {
        Some(prefix(BY_PRINCIPAL, &[&b, p]))
    } else if let Some(p) = &filter.project {
        Some(prefix(BY_PROJECT, &[&b, p]))
    } else if filter.denied {
        Some(prefix(DENIED, &[&b]))
    } else {
        None
    };
    match index {
        Some(index) => {
            for (k, _) in storage.scan_prefix(&index)? {
                let Some((t, s)) = tail_of(&k) else { continue };
                if !time_of_code(t).is_some_and(|t| filter.admits_time(t)) {
                    continue;
                }
                if let Some(bytes) = storage.get(&record_key(&b, t, s))? {
                    let record: AuditRecord = decode(&bytes)?;
                    if filter.admits(&record.entry) {
                        found.push(record);
                    }
                }
            }
        }
        None => {
            for (_, v) in storage.scan_prefix(&prefix(RECORD, &[&b]))? {
                let record: AuditRecord = decode(&v)?;
                if filter.admits(&record.entry) {
                    found.push(record);
                }
            }
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
    fn time_codes_sort_as_numbers() {
        let times = [i64::MIN, -5, -1, 0, 1, 1_700_000_000, i64::MAX];
        let codes: Vec<String> = times.iter().map(|t| time_code(*t)).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
        for t in times {
            assert_eq!(time_of_code(&time_code(t)), Some(t));
        }
    }

    #[test]
    fn queries_filter_by_principal_project_time_and_denial_across_blocks() {
        let storage = MemStorage::default();
        let trail = Trail::default();
        let n = BLOCK_RECORDS * 2 + 10;
        for i in 0..n {
            let who = if i % 3 == 0 { "ALIYUN$owner" } else { "RAM$owner:bob" };
            let project = if i % 2 == 0 { Some("p1") } else { Some("p2") };
            let decision = if i % 100 == 0 { Decision::Deny } else { Decision::Allow };
            append(&storage, &trail, entry(1000 + i as i64, who, project, decision));
        }
        let all = query(&storage, &Filter::default(), None).unwrap();
        assert_eq!(all.len() as u64, n);
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
        let bob_p1 = Filter {
            principal: Some("RAM$owner:bob".into()),
            project: Some("p1".into()),
            since: Some(1000 + 4000),
            until: Some(1000 + 5000),
            ..Filter::default()
        };
        let got = query(&storage, &bob_p1, None).unwrap();
        let want: Vec<u64> = (4000..=5000).filter(|i| i % 3 != 0 && i % 2 == 0).collect();
        assert_eq!(got.iter().map(|r| r.seq).collect::<Vec<_>>(), want);
        let denied = query(&storage, &Filter { denied: true, ..Filter::default() }, None).unwrap();
        assert_eq!(denied.len() as u64, n.div_ceil(100));
        let last = query(&storage, &Filter { limit: Some(5), ..Filter::default() }, None).unwrap();
        assert_eq!(last.iter().map(|r| r.seq).collect::<Vec<_>>(), (n - 5..n).collect::<Vec<_>>());
    }

    #[test]
    fn retention_prunes_whole_blocks_past_the_window_and_off_records_nothing() {
        let storage = MemStorage::default();
        let trail = Trail::default();
        for i in 0..BLOCK_RECORDS {
            append(&storage, &trail, entry(i as i64, "ALIYUN$owner", None, Decision::Allow));
        }
        let day = 86_400;
        let late = i64::from(DEFAULT_RETENTION_DAYS) * day + BLOCK_RECORDS as i64 + 10;
        append(&storage, &trail, entry(late, "ALIYUN$owner", None, Decision::Allow));
        // The first block is wholly past the window once a record in the next block is written.
        append(&storage, &trail, entry(late, "ALIYUN$owner", None, Decision::Allow));
        let left = query(&storage, &Filter::default(), None).unwrap();
        assert_eq!(left.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![BLOCK_RECORDS, BLOCK_RECORDS + 1]);
        assert!(storage.scan_prefix(&prefix(RECORD, &[&block_code(0)])).unwrap().is_empty());
        assert!(storage.scan_prefix(&prefix(BY_PRINCIPAL, &[&block_code(0)])).unwrap().is_empty());

        // Switching off is recorded; what follows is not.
        let mut batch = WriteBatch::new();
        batch.insert(RETENTION_KEY.to_vec(), Some(encode(&Retention::Off).unwrap()));
        trail.append(&storage, &mut batch, entry(late, "ALIYUN$owner", None, Decision::Allow)).unwrap();
        storage.apply(batch).unwrap();
        append(&storage, &trail, entry(late, "ALIYUN$owner", None, Decision::Allow));
        assert_eq!(query(&storage, &Filter::default(), None).unwrap().len(), 3);
        assert_eq!(retention(&storage).unwrap(), Retention::Off);
    }
}
