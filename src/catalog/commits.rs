//! The catalog's commit generation and a short log of the keys recent commits wrote.
//!
//! Caches of decoded records (the authorizer's `authz::RecordCache`) live longer than one
//! statement, so they must learn what changed since they were filled. Every commit with writes
//! bumps the generation and logs the keys it wrote. A cache filled at generation 41 asks
//! [`CommitLog::changes_since`]`(41)` and gets the keys written by commits 42.. — it evicts
//! just those, so the instance record every `select` writes does not throw away the project,
//! user and grant records the next statement needs. When the log no longer reaches back that
//! far (it is bounded) the answer is [`Changes::Unknown`] and the cache starts over.
//!
//! Each catalog also has a process-unique id, so a cache handed a transaction of another
//! catalog cannot mistake that catalog's generation for its own.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// Commits remembered, and keys remembered across them; past either, older commits are
/// forgotten (a cache that old starts over, which is always correct).
const MAX_COMMITS: usize = 256;
const MAX_KEYS: usize = 16_384;

static NEXT_CATALOG_ID: AtomicU64 = AtomicU64::new(1);

/// Which catalog, at which commit generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub catalog: u64,
    pub generation: u64,
}

/// What changed since a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// The keys written by every commit after that generation (empty: nothing committed).
    Keys(Vec<Vec<u8>>),
    /// The log no longer reaches back that far, or the generation is not this catalog's.
    Unknown,
}

#[derive(Debug, Default)]
struct Log {
    /// (generation the commit produced, keys it wrote), oldest first.
    commits: VecDeque<(u64, Vec<Vec<u8>>)>,
    keys: usize,
    /// Generations at or below this one are no longer fully covered by `commits`.
    forgotten_through: u64,
}

#[derive(Debug)]
pub struct CommitLog {
    catalog: u64,
    generation: AtomicU64,
    log: Mutex<Log>,
}

impl Default for CommitLog {
    fn default() -> Self {
        CommitLog {
            catalog: NEXT_CATALOG_ID.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
            log: Mutex::new(Log::default()),
        }
    }
}

impl CommitLog {
    pub fn version(&self) -> Version {
        Version {
            catalog: self.catalog,
            generation: self.generation.load(Ordering::Acquire),
        }
    }

    /// Records a commit that has just been applied to storage: logs its keys, then bumps the
    /// generation (under the log's lock, so a reader sees both or neither).
    pub fn record(&self, written: Vec<Vec<u8>>) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = self.generation.load(Ordering::Acquire) + 1;
        if written.len() > MAX_KEYS {
            log.commits.clear();
            log.keys = 0;
            log.forgotten_through = generation;
        } else {
            log.keys += written.len();
            log.commits.push_back((generation, written));
            while log.commits.len() > MAX_COMMITS || log.keys > MAX_KEYS {
                let Some((dropped, keys)) = log.commits.pop_front() else {
                    break;
                };
                log.keys -= keys.len();
                log.forgotten_through = dropped;
            }
        }
        self.generation.store(generation, Ordering::Release);
    }

    /// The keys written since `since`, and the version they bring a cache up to.
    pub fn changes_since(&self, since: Version) -> (Changes, Version) {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let now = self.version();
        if since.catalog != self.catalog
            || since.generation > now.generation
            || since.generation < log.forgotten_through
        {
            return (Changes::Unknown, now);
        }
        // Generations are logged in order: skip the older ones without walking them.
        let first = log
            .commits
            .partition_point(|(generation, _)| *generation <= since.generation);
        let keys = log
            .commits
            .range(first..)
            .flat_map(|(_, keys)| keys.iter().cloned())
            .collect();
        (Changes::Keys(keys), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(names: &[&str]) -> Vec<Vec<u8>> {
        names.iter().map(|n| n.as_bytes().to_vec()).collect()
    }

    #[test]
    fn changes_since_lists_the_keys_of_later_commits_only() {
        let log = CommitLog::default();
        let start = log.version();
        log.record(keys(&["a", "b"]));
        let middle = log.version();
        log.record(keys(&["c"]));
        assert_eq!(middle.generation, start.generation + 1);
        assert_eq!(
            log.changes_since(start).0,
            Changes::Keys(keys(&["a", "b", "c"]))
        );
        assert_eq!(log.changes_since(middle).0, Changes::Keys(keys(&["c"])));
        assert_eq!(log.changes_since(log.version()).0, Changes::Keys(vec![]));
    }

    #[test]
    fn a_forgotten_or_foreign_generation_is_unknown() {
        let log = CommitLog::default();
        let start = log.version();
        for _ in 0..=MAX_COMMITS {
            log.record(keys(&["k"]));
        }
        assert_eq!(log.changes_since(start).0, Changes::Unknown);
        let other = CommitLog::default();
        assert_eq!(log.changes_since(other.version()).0, Changes::Unknown);
        let huge: Vec<Vec<u8>> = (0..=MAX_KEYS).map(|i| i.to_string().into_bytes()).collect();
        let before_huge = log.version();
        log.record(huge);
        assert_eq!(log.changes_since(before_huge).0, Changes::Unknown);
        assert_eq!(log.changes_since(log.version()).0, Changes::Keys(vec![]));
    }
}
