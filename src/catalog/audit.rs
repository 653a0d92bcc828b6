//! The audit trail as stored: one record per statement, appended in the same commit as the
//! statement's own writes, plus the block summaries that let `show audit for user u in
//! project p since '...'` skip what cannot match instead of reading the whole trail.
//!
//! Follow `grant Select on table t to user RAM$bob;` run by `ALIYUN$owner` in `prj1`: the
//! session builds an [`AuditEntry`] (time from the session clock, principal, address, project,
//! task type, canonical text, outcome, decision and deciding rule) and hands it to its
//! transaction ([`super::Txn::set_audit`]). [`super::Catalog::commit`], holding the commit lock,
//! gives it the next sequence number `n` and adds to the very batch that carries the grant:
//!
//! | key | value |
//! |---|---|
//! | `YL`·block·index | the record (see [`encode_record`]) |
//! | `YB`·block | [`BlockSummary`]: the block's time range, principals and projects |
//! | `YR` | the [`Retention`] setting (written by `alter tenant set audit retention`) |
//!
//! A block is 4096 consecutive records: `n` is block `n >> 12` (u64 big-endian) and index
//! `n & 4095` (u16 big-endian) in it, so the records sort by number and a commit's records
//! follow the ones before: the store adds them to the newest page and rewrites no older one,
//! and one statement writes one key (plus its block's summary, only when that changes). The
//! next number is not stored: it is found at the first commit by bisecting the newest block for
//! its first missing index (a block's indexes have no gaps, as pruning drops whole blocks).
//! The summaries — held in memory by the catalog — are the index: a query reads only the blocks
//! whose summary admits its filter (time range, principal, project, refusals), each as a run of
//! neighbouring keys, and decodes a record's head (time, decision, principal, project) without
//! allocating before it decodes the rest of a match. Because the record rides in the
//! statement's batch it is exactly as durable as the statement: group commit flushes both or
//! neither. A refused or failed statement commits a transaction holding the record alone.
//! Nothing rewrites a record; [`Retention`] drops whole blocks once every record in them is
//! older than the window, and queries never show records past it.
//!
//! Format 4 and older keyed records by block, principal, project and time, with an index of
//! refusals and a stored next number; [`upgrade_layout`] rewrites such a trail into this one.
//!
//! Audit keys are left out of the commit log that session caches and optimistic validation
//! read: no statement reads them, so a statement's record never makes another session retry.

use super::storage::{storage_err, Storage, WriteBatch};
use super::{decode, encode};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const SEP: u8 = 0x1f;
/// Records per block: the unit a query's filter admits or skips.
pub const BLOCK_RECORDS: u64 = 4096;
/// The prefix of record keys: `YL`·block (u64 BE)·index (u16 BE).
pub(crate) const RECORD_PREFIX: &[u8] = b"YL";
const SUMMARY: &str = "YB";
/// The layout of format 4 and older: `Y`·block·principal·project·stamp records, the refusal
/// index `YD`·block·stamp, and the next number `YN` (see [`upgrade_layout`]).
const OLD_RECORD: &[u8] = b"Y\x1f";
const OLD_DENIED: &[u8] = b"YD\x1f";
const OLD_NEXT: &[u8] = b"YN";
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

fn summary_key(block: u64) -> Vec<u8> {
    key(SUMMARY, &[&block_code(block)])
}

/// `YL`·block: the prefix of a block's records.
fn block_prefix(block: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(RECORD_PREFIX.len() + 10);
    k.extend_from_slice(RECORD_PREFIX);
    k.extend_from_slice(&block.to_be_bytes());
    k
}

/// `YL`·block·index of record `seq`.
fn record_key(seq: u64) -> Vec<u8> {
    let mut k = block_prefix(seq / BLOCK_RECORDS);
    k.extend_from_slice(&((seq % BLOCK_RECORDS) as u16).to_be_bytes());
    k
}

/// The number a record key stands for.
fn seq_of(key: &[u8]) -> Option<u64> {
    let rest = key.strip_prefix(RECORD_PREFIX)?;
    let block = u64::from_be_bytes(rest.get(..8)?.try_into().ok()?);
    let index = u16::from_be_bytes(rest.get(8..10)?.try_into().ok()?);
    Some(block * BLOCK_RECORDS + u64::from(index))
}

/// The head of a stored record, what a query's filter looks at: decoded without allocating.
type Head<'a> = (i64, Decision, &'a str, Option<&'a str>);
/// The rest of a stored record.
pub(crate) type Tail = (
    String,
    TaskType,
    String,
    Option<AuditError>,
    Option<String>,
    u64,
    u64,
    u64,
    u64,
);

/// A record's stored value: postcard of the head (time, decision, principal, project), then of
/// the rest. The number is the key's.
fn encode_record(e: &AuditEntry) -> Result<Vec<u8>> {
    let head: Head<'_> = (e.time, e.decision, &e.principal, e.project.as_deref());
    let out = Vec::with_capacity(
        64 + e.principal.len() + e.statement.len() + e.rule.as_ref().map_or(0, String::len),
    );
    let out = postcard::to_extend(&head, out).map_err(storage_err)?;
    let tail = (
        &e.source_ip,
        e.task,
        &e.statement,
        &e.error,
        &e.rule,
        e.rows_read,
        e.bytes_read,
        e.rows_written,
        e.bytes_written,
    );
    postcard::to_extend(&tail, out).map_err(storage_err)
}

fn corrupt(key: &[u8], what: impl std::fmt::Display) -> crate::error::Error {
    crate::error::Error::Storage(format!(
        "corrupt audit record {}: {what}",
        key.escape_ascii()
    ))
}

/// The head of a stored record and the bytes of its rest.
fn decode_head<'a>(key: &[u8], value: &'a [u8]) -> Result<(Head<'a>, &'a [u8])> {
    postcard::take_from_bytes::<Head<'a>>(value).map_err(|e| corrupt(key, e))
}

/// The bytes of a stored record after its head, a [`Tail`] (`mcsec check-catalog` checks it).
pub(crate) fn stored_tail(value: &[u8]) -> std::result::Result<&[u8], String> {
    postcard::take_from_bytes::<Head<'_>>(value)
        .map(|(_, rest)| rest)
        .map_err(|e| e.to_string())
}

/// The whole record from its head and rest.
fn decode_record(key: &[u8], seq: u64, head: Head<'_>, rest: &[u8]) -> Result<AuditRecord> {
    let (time, decision, principal, project) = head;
    let (
        source_ip,
        task,
        statement,
        error,
        rule,
        rows_read,
        bytes_read,
        rows_written,
        bytes_written,
    ): Tail = postcard::from_bytes(rest).map_err(|e| corrupt(key, e))?;
    Ok(AuditRecord {
        seq,
        entry: AuditEntry {
            time,
            principal: principal.to_string(),
            source_ip,
            project: project.map(str::to_string),
            task,
            statement,
            error,
            decision,
            rule,
            rows_read,
            bytes_read,
            rows_written,
            bytes_written,
        },
    })
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
    let retention = read_retention(storage)?;
    let mut blocks = BTreeMap::new();
    for (k, v) in storage.scan_prefix(&prefix(SUMMARY, &[]))? {
        let code = std::str::from_utf8(&k[SUMMARY.len() + 1..]).unwrap_or("");
        if let Ok(block) = u64::from_str_radix(code, 16) {
            blocks.insert(block, decode(&v)?);
        }
    }
    let next = match blocks.last_key_value() {
        Some((&block, _)) => next_in(storage, block)?,
        None => 0,
    };
    Ok(TrailState {
        next,
        retention,
        blocks,
    })
}

/// The number after the newest record of `block`, the newest block: its indexes run from 0
/// without a gap, so the first missing one is found by bisection (a dozen reads).
fn next_in(storage: &dyn Storage, block: u64) -> Result<u64> {
    let first = block * BLOCK_RECORDS;
    if storage.get(&record_key(first))?.is_none() {
        return Ok(first);
    }
    // Index `low` is present, index `high` absent (the block's end counts as absent).
    let (mut low, mut high) = (0u64, BLOCK_RECORDS);
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if storage.get(&record_key(first + mid))?.is_some() {
            low = mid;
        } else {
            high = mid;
        }
    }
    Ok(first + high)
}

fn read_retention(storage: &dyn Storage) -> Result<Retention> {
    match storage.get(RETENTION_KEY)? {
        Some(bytes) => decode(&bytes),
        None => Ok(Retention::default()),
    }
}

impl Trail {
    /// Numbers `entry` and adds its record and summary to `batch` (the statement's own
    /// writes), pruning blocks past the retention window. Called with the commit lock held.
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
        let block = seq / BLOCK_RECORDS;
        let first = !state.blocks.contains_key(&block);
        let summary = state.blocks.entry(block).or_default();
        if summary.add(&entry, first) {
            batch.insert(summary_key(block), Some(encode(summary)?));
        }
        batch.insert(record_key(seq), Some(encode_record(&entry)?));
        state.next += 1;
        if let Some(cutoff) = after.cutoff(entry.time).filter(|c| *c <= entry.time) {
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
        for (k, _) in storage.scan_prefix(&block_prefix(block))? {
            batch.insert(k, None);
        }
        batch.insert(summary_key(block), None);
        state.blocks.remove(&block);
    }
    Ok(())
}

/// The writes that turn a trail in the layout of format 4 and older into this one: every old
/// record moved to its number's key (its value re-encoded), the refusal index and the stored
/// next number deleted. The summaries keep their keys and form. Empty when there is nothing
/// to move.
pub(crate) fn upgrade_layout(storage: &dyn Storage) -> Result<WriteBatch> {
    let mut batch = WriteBatch::new();
    for (k, v) in storage.scan_prefix(OLD_RECORD)? {
        let record: AuditRecord = decode(&v)?;
        batch.insert(record_key(record.seq), Some(encode_record(&record.entry)?));
        batch.insert(k, None);
    }
    for (k, _) in storage.scan_prefix(OLD_DENIED)? {
        batch.insert(k, None);
    }
    if storage.get(OLD_NEXT)?.is_some() {
        batch.insert(OLD_NEXT.to_vec(), None);
    }
    Ok(batch)
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

    /// Whether a record with this head matches.
    fn admits(&self, (time, decision, principal, project): &Head<'_>) -> bool {
        self.admits_time(*time)
            && self.principal.as_deref().is_none_or(|p| p == *principal)
            && self.project.as_deref().is_none_or(|p| *project == Some(p))
            && (!self.denied || *decision == Decision::Deny)
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
/// memory, then reads only those, newest first; with a limit it stops once no older block can
/// hold a record newer than the `limit`-th match. Records older than `cutoff` (the retention window) are never returned.
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
    for (block, max_time) in blocks {
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
        read_block(storage, &filter, block, &mut found)?;
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
    /// that newest time.
    fn blocks_for(&self, storage: &dyn Storage, filter: &Filter) -> Result<Vec<(u64, i64)>> {
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
        let mut blocks: Vec<(u64, i64)> = state
            .blocks
            .iter()
            .filter(|(_, s)| filter.admits_block(s))
            .map(|(b, s)| (*b, s.max_time))
            .collect();
        blocks.sort_by_key(|(b, t)| std::cmp::Reverse((*t, *b)));
        Ok(blocks)
    }
}

/// The matches of one block: its records in number order, each decoded only as far as its
/// head until the filter admits it.
fn read_block(
    storage: &dyn Storage,
    filter: &Filter,
    block: u64,
    found: &mut Vec<AuditRecord>,
) -> Result<()> {
    for (k, v) in storage.scan_prefix(&block_prefix(block))? {
        let seq = seq_of(&k).ok_or_else(|| corrupt(&k, "a key that is not a record number"))?;
        let (head, rest) = decode_head(&k, &v)?;
        if filter.admits(&head) {
            found.push(decode_record(&k, seq, head, rest)?);
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
    fn record_keys_sort_by_number_and_name_it_back() {
        let seqs = [
            0,
            1,
            31,
            4095,
            4096,
            4096 * 31 + 31,
            u64::from(u32::MAX) * 4096,
        ];
        let keys: Vec<Vec<u8>> = seqs.iter().map(|n| record_key(*n)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for n in seqs {
            assert_eq!(seq_of(&record_key(n)), Some(n));
        }
        assert_eq!(seq_of(b"YB\x1f00000000"), None);
    }

    #[test]
    fn the_next_number_is_found_again_from_the_records_alone() {
        for n in [0, 1, 2, 4095, 4096, 4097, 2 * 4096 + 700] {
            let storage = MemStorage::default();
            let trail = Trail::default();
            for i in 0..n {
                append(
                    &storage,
                    &trail,
                    entry(i as i64, "ALIYUN$owner", None, Decision::Allow),
                );
            }
            // A new process: the trail is loaded from what is stored.
            let again = Trail::default();
            append(
                &storage,
                &again,
                entry(n as i64, "ALIYUN$owner", None, Decision::Allow),
            );
            let all = query(&storage, &again, &Filter::default(), None).unwrap();
            assert_eq!(all.len() as u64, n + 1, "{n}");
            assert_eq!(all.last().map(|r| r.seq), Some(n), "{n}");
        }
    }

    #[test]
    fn a_trail_in_the_old_layout_is_moved_to_numbered_keys() {
        let storage = MemStorage::default();
        let mut batch = WriteBatch::new();
        let mut old = Vec::new();
        for seq in 0..3u64 {
            let decision = if seq == 1 {
                Decision::Deny
            } else {
                Decision::Allow
            };
            let e = entry(100 + seq as i64, "RAM$owner:bob", Some("p1"), decision);
            let mut k = prefix("Y", &[&block_code(0), &e.principal, "p1"]);
            k.extend_from_slice(&seq.to_be_bytes());
            batch.insert(
                k.clone(),
                Some(
                    encode(&AuditRecord {
                        seq,
                        entry: e.clone(),
                    })
                    .unwrap(),
                ),
            );
            if seq == 1 {
                let mut d = prefix("YD", &[&block_code(0)]);
                d.extend_from_slice(&seq.to_be_bytes());
                batch.insert(d, Some(k));
            }
            old.push(AuditRecord { seq, entry: e });
        }
        let mut summary = BlockSummary::default();
        for (i, r) in old.iter().enumerate() {
            summary.add(&r.entry, i == 0);
        }
        batch.insert(summary_key(0), Some(encode(&summary).unwrap()));
        batch.insert(OLD_NEXT.to_vec(), Some(encode(&3u64).unwrap()));
        storage.apply(batch).unwrap();
        storage.apply(upgrade_layout(&storage).unwrap()).unwrap();
        let keys: Vec<Vec<u8>> = storage
            .scan_prefix(b"Y")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let mut want = vec![summary_key(0)];
        want.extend((0..3).map(record_key));
        want.sort();
        assert_eq!(keys, want);
        let trail = Trail::default();
        assert_eq!(
            query(&storage, &trail, &Filter::default(), None).unwrap(),
            old
        );
        let denied = Filter {
            denied: true,
            ..Filter::default()
        };
        assert_eq!(
            query(&storage, &trail, &denied, None).unwrap(),
            vec![old[1].clone()]
        );
        append(
            &storage,
            &trail,
            entry(200, "ALIYUN$owner", None, Decision::Allow),
        );
        assert_eq!(
            query(&storage, &trail, &Filter::default(), None)
                .unwrap()
                .last()
                .map(|r| r.seq),
            Some(3)
        );
        assert!(upgrade_layout(&storage).unwrap().is_empty());
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
        assert!(storage.scan_prefix(&block_prefix(0)).unwrap().is_empty());
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
