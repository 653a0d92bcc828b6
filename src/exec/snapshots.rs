//! `snapshot save <name>;`, `snapshot restore <name>;`, `list snapshots;`: a saved copy of the
//! whole tenant inside the catalog, so that a lesson can be reset in one statement.
//!
//! `snapshot save lesson1;` (the tenant account only: the plan's tenant check, as for tenant
//! statements) reads every record of the catalog but the format key and the snapshots
//! themselves, undecoded (`Txn::scan_raw`), and stores them as one [`Saved`] record under
//! `keys::snapshot("lesson1")`, replacing a snapshot of that name. `snapshot restore lesson1;`
//! deletes every such record and writes the saved ones back, in the statement's one
//! transaction: the restore is atomic, other snapshots stay, and the session caches drop what
//! the commit wrote like after any other statement. A snapshot holds the tenant's projects,
//! users, grants, tables and rows as they were; restoring it does not change who is logged in
//! or the current project (a project that no longer exists is reported by the next statement).

use super::render::format_time;
pub use super::result::SnapshotInfo;
use super::{ExecContext, StatementResult};
use crate::ast::SnapshotStmt;
use crate::catalog::{keys, Txn};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// One saved tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Saved {
    name: String,
    saved_at: i64,
    entries: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Every record a snapshot covers: all but the format key and the snapshots.
fn tenant_records(txn: &Txn<'_>) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let snapshots = keys::snapshot_prefix();
    Ok(txn
        .scan_raw(b"")?
        .into_iter()
        .filter(|(k, _)| k.as_slice() != keys::FORMAT && !k.starts_with(&snapshots))
        .collect())
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn missing(name: &str) -> Error {
    Error::invalid(format!("snapshot {name} does not exist"))
}

pub fn run(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &SnapshotStmt,
) -> Result<StatementResult> {
    match stmt {
        SnapshotStmt::Save(name) => {
            let name = super::canonical_name(name);
            if !valid_name(&name) {
                return Err(Error::invalid(format!(
                    "invalid snapshot name {name}: a letter, then letters, digits or underscores (at most 128)"
                )));
            }
            let saved = Saved {
                name: name.clone(),
                saved_at: ctx.now,
                entries: tenant_records(txn)?,
            };
            txn.put(keys::snapshot(&name), &saved)?;
            Ok(StatementResult::Ok)
        }
        SnapshotStmt::Restore(name) => {
            let name = super::canonical_name(name);
            let saved: Saved = txn
                .get(&keys::snapshot(&name))?
                .ok_or_else(|| missing(&name))?;
            for (key, _) in tenant_records(txn)? {
                txn.delete(key);
            }
            for (key, value) in saved.entries {
                txn.put_raw(key, value);
            }
            Ok(StatementResult::Ok)
        }
        SnapshotStmt::List => {
            let mut snapshots = Vec::new();
            for (_, saved) in txn.scan::<Saved>(&keys::snapshot_prefix())? {
                snapshots.push(SnapshotInfo {
                    name: saved.name,
                    saved_at: format_time(saved.saved_at),
                    records: saved.entries.len(),
                });
            }
            Ok(StatementResult::Snapshots { snapshots })
        }
    }
}
