//! The audit trail seen from the executor: what a statement's record says, the statements that
//! read and configure the trail, and the read API other checks use.
//!
//! Walk `select phone from t;` run by `RAM$owner:bob` through it. [`Session::execute`] gives the
//! statement's [`ExecContext`] a fresh [`Note`]; the data plan's authorization notes the rule
//! that allowed the read ([`note_response`]) and `select` the rows and bytes it read
//! ([`note_read`]). Once the statement has run, [`entry`] turns the statement, its outcome and
//! the note into a [`AuditEntry`] — time from the session clock, principal, address, project,
//! task type `SQL`, canonical text, decision `allow` with its rule — which rides in the
//! statement's own transaction to the commit (`catalog::audit`). Had bob been refused, the
//! statement's writes would be dropped and the record committed alone, with decision `deny`
//! and the refusing rule, so a refusal is on disk exactly when its `FAILED:` line was printed.
//!
//! Readers (`show audit`, `survey`, the diagnostics) ask [`records`] with a
//! [`Filter`]: time range, principal, project, refused only, limit.
//!
//! [`Session::execute`]: super::Session::execute

pub use super::result::AuditRow;
use super::result::StatementResult;
use super::{ExecContext, TENANT_ACCOUNT};
use crate::ast::{AuditQuery, RetentionWord, Statement};
use crate::authz::Response;
use crate::catalog::model::{Grantee, Value};
use crate::catalog::{Catalog, Txn};
use crate::error::{Error, Result};
use std::cell::RefCell;

pub use crate::catalog::audit::{
    AuditEntry, AuditError, AuditRecord, Decision, Filter, Retention, TaskType,
};

/// What a statement's run tells its audit record beyond its outcome: the deciding rule and,
/// for data statements, what it read and wrote.
#[derive(Debug, Default)]
pub struct Note(RefCell<Tally>);

#[derive(Debug, Default, Clone)]
struct Tally {
    rule: Option<String>,
    rows_read: u64,
    bytes_read: u64,
    rows_written: u64,
    bytes_written: u64,
}

impl Note {
    /// Forgets an attempt that lost a race (the statement runs again).
    pub fn clear(&self) {
        *self.0.borrow_mut() = Tally::default();
    }

    fn rule(&self, rule: String) {
        self.0.borrow_mut().rule = Some(rule);
    }
}

fn bytes_of(row: &[Value]) -> u64 {
    row.iter()
        .map(|v| match v {
            Value::Null => 0,
            Value::Bool(b) => {
                if *b {
                    4
                } else {
                    5
                }
            }
            Value::Number(s) | Value::String(s) => s.len() as u64,
        })
        .sum()
}

/// A data statement read `rows`.
pub fn note_read(ctx: &ExecContext<'_>, rows: &[Vec<Value>]) {
    if let Some(note) = ctx.audit {
        let mut t = note.0.borrow_mut();
        t.rows_read += rows.len() as u64;
        t.bytes_read += rows.iter().map(|r| bytes_of(r)).sum::<u64>();
    }
}

/// A data statement wrote `rows`.
pub fn note_written(ctx: &ExecContext<'_>, rows: &[Vec<Value>]) {
    if let Some(note) = ctx.audit {
        let mut t = note.0.borrow_mut();
        t.rows_written += rows.len() as u64;
        t.bytes_written += rows.iter().map(|r| bytes_of(r)).sum::<u64>();
    }
}

/// The authorizer's answer to one check: a refusal's rules, or the rules of the allow, become
/// the record's deciding rule (the last check decides an allowed statement, the refusing one a
/// refused statement).
pub fn note_response(ctx: &ExecContext<'_>, response: &Response) {
    let Some(note) = ctx.audit else { return };
    let rules = response.rules();
    if !rules.is_empty() {
        let text: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
        note.rule(text.join("; "));
    } else if let Some(layer) = response
        .layers
        .iter()
        .find(|l| l.verdict == crate::authz::Verdict::Allow)
        .or_else(|| response.layers.last())
    {
        // Decided without the rules written out (the fast path): name the deciding layer.
        note.rule(format!("allowed at layer {}", layer.layer.title()));
    }
}

/// A rule for a check whose response is not at hand (a refusal already turned into an error).
pub fn note_rule(ctx: &ExecContext<'_>, rule: impl FnOnce() -> String) {
    if let Some(note) = ctx.audit {
        note.rule(rule());
    }
}

/// Whether the note holds a rule yet.
pub fn has_rule(ctx: &ExecContext<'_>) -> bool {
    ctx.audit.is_some_and(|n| n.0.borrow().rule.is_some())
}

/// The task type the service would log a statement as.
pub fn task_type(stmt: &Statement) -> TaskType {
    use Statement as S;
    match stmt {
        S::TunnelDownload { .. } => TaskType::Dt,
        S::CreateTable { .. }
        | S::CreateTableAs { .. }
        | S::DropTable { .. }
        | S::InsertValues { .. }
        | S::InsertSelect { .. }
        | S::Select(_)
        | S::CreateFunction { .. }
        | S::DropFunction { .. }
        | S::AddResource { .. }
        | S::DropResource { .. } => TaskType::Sql,
        _ => TaskType::Management,
    }
}

/// Who ran a statement, where, and when: the part of a record the session knows.
pub struct Origin<'a> {
    pub time: i64,
    pub principal: &'a str,
    pub source_ip: &'a str,
    pub project: Option<&'a str>,
}

/// The record of `stmt` with its outcome; `canonical` is its text when the caller has it.
pub fn entry(
    origin: &Origin<'_>,
    stmt: &Statement,
    canonical: Option<&str>,
    outcome: std::result::Result<&StatementResult, &Error>,
    note: &Note,
) -> AuditEntry {
    let tally = note.0.borrow().clone();
    let (error, decision) = match outcome {
        Ok(_) => (None, Decision::Allow),
        Err(e) => {
            let decision = if e.kind() == crate::error::ErrorKind::Authorization {
                Decision::Deny
            } else if tally.rule.is_some() {
                // The checks passed; the statement failed after them.
                Decision::Allow
            } else {
                Decision::None
            };
            let error = AuditError {
                kind: e.kind().as_str().to_string(),
                code: e.code().map(|c| c.as_str().to_string()),
                auth_code: e.auth_code().map(|c| c.number().to_string()),
                message: e.message(),
            };
            (Some(error), decision)
        }
    };
    let mut rows = (tally.rows_read, tally.bytes_read);
    if let Ok(StatementResult::Table { rows: r, .. }) = outcome {
        rows.0 = rows.0.max(r.len() as u64);
    }
    AuditEntry {
        time: origin.time,
        principal: origin.principal.to_string(),
        source_ip: origin.source_ip.to_string(),
        project: origin.project.map(str::to_string),
        task: task_type(stmt),
        statement: canonical.map_or_else(|| stmt.to_string(), str::to_string),
        error,
        decision,
        rule: tally.rule,
        rows_read: rows.0,
        bytes_read: rows.1,
        rows_written: tally.rows_written,
        bytes_written: tally.bytes_written,
    }
}

/// The read API of the trail: the records matching `filter`, oldest first, within the
/// retention window seen from `now`.
pub fn records(catalog: &Catalog, filter: &Filter, now: i64) -> Result<Vec<AuditRecord>> {
    catalog.audit_records(filter, now)
}

/// The trail's retention setting (`Retention::Off`: statements are not recorded).
pub fn retention(catalog: &Catalog) -> Result<Retention> {
    catalog.audit_retention()
}

impl From<AuditRecord> for AuditRow {
    fn from(r: AuditRecord) -> Self {
        let e = r.entry;
        let (error_kind, error_code, auth_code, error) = match e.error {
            Some(err) => (Some(err.kind), err.code, err.auth_code, Some(err.message)),
            None => (None, None, None, None),
        };
        AuditRow {
            seq: r.seq,
            time: super::render::format_time(e.time),
            principal: e.principal,
            source_ip: e.source_ip,
            project: e.project,
            task_type: e.task.name(),
            statement: e.statement,
            ok: error.is_none(),
            error_kind,
            error_code,
            auth_code,
            error,
            decision: e.decision.name(),
            rule: e.rule,
            rows_read: e.rows_read,
            bytes_read: e.bytes_read,
            rows_written: e.rows_written,
            bytes_written: e.bytes_written,
        }
    }
}

/// The filter of a `show audit` statement as the caller means its names.
pub fn filter_of(ctx: &ExecContext<'_>, q: &AuditQuery) -> Result<Filter> {
    let time = |t: &Option<String>| -> Result<Option<i64>> {
        t.as_deref()
            .map(|text| {
                crate::policy::parse_time(text).ok_or_else(|| {
                    Error::invalid(format!(
                        "invalid time '{text}' in show audit: expected an RFC 3339 time such as 2026-01-01T00:00:00Z, or a date"
                    ))
                })
            })
            .transpose()
    };
    Ok(Filter {
        principal: q
            .user
            .as_ref()
            .map(|u| super::resolve_user(&u.name, ctx.user)),
        project: q.project.as_deref().map(super::canonical_name),
        since: time(&q.since)?,
        until: time(&q.until)?,
        denied: q.denied,
        limit: q.limit.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    })
}

/// `show audit ...`: the matching records, oldest first.
pub fn show(ctx: &ExecContext<'_>, txn: &Txn<'_>, q: &AuditQuery) -> Result<StatementResult> {
    let filter = filter_of(ctx, q)?;
    let records = txn.audit_records(&filter, ctx.now)?;
    Ok(StatementResult::Audit {
        records: records.into_iter().map(AuditRow::from).collect(),
    })
}

/// `alter tenant set audit retention <n> days | off`.
pub fn set_retention(txn: &mut Txn<'_>, word: RetentionWord) -> Result<StatementResult> {
    let retention = match word {
        RetentionWord::Days(n) if (1..=36_500).contains(&n) => Retention::Days(n as u32),
        RetentionWord::Days(n) => {
            return Err(Error::invalid(format!(
                "invalid audit retention {n} days: expected 1 to 36500 days, or off"
            )))
        }
        RetentionWord::Off => Retention::Off,
    };
    txn.put_audit_retention(retention)?;
    Ok(StatementResult::Ok)
}

/// The `p4_` name MaxCompute shows for a RAM user deleted at the account level: twenty digits
/// standing for the deleted user's id, the same for the same user.
pub fn residue_name(principal: &str) -> String {
    use std::hash::BuildHasher;
    let hash = foldhash::fast::FixedState::with_seed(0x7034).hash_one(principal);
    format!("p4_{hash:020}")
}

/// `drop ram user RAM$acct:name`: the RAM user is deleted at the account level. In every
/// project where it still holds a role, it stays as its `p4_` residue — a user with the same
/// roles, label, ACL and label grants under the new name; where it holds no role it is removed
/// and its grants are left behind under the old name, as `remove user` leaves them. A tenant
/// user of that name is removed.
pub fn drop_ram_user(txn: &mut Txn<'_>, principal: &str) -> Result<StatementResult> {
    let is_ram_user = principal
        .strip_prefix("RAM$")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(acct, name)| !acct.is_empty() && !name.is_empty() && !name.contains('/'));
    if !is_ram_user {
        return Err(Error::invalid(format!(
            "drop ram user needs a RAM user (RAM$<account>:<name>), not '{principal}'"
        )));
    }
    let residue = residue_name(principal);
    let mut found = txn.tenant_user(principal)?.is_some();
    txn.delete_tenant_user(principal);
    let old = Grantee::User(principal.to_string());
    let new = Grantee::User(residue.clone());
    for project in txn.projects()? {
        let Some(mut user) = txn.user(&project.name, principal)? else {
            continue;
        };
        found = true;
        txn.delete_user(&project.name, principal);
        if user.roles.is_empty() {
            continue;
        }
        user.principal = residue.clone();
        txn.put_user(&project.name, &user)?;
        for (object, grants) in txn.acl_of_grantee(&project.name, &old)? {
            txn.put_acl(&project.name, &object, &new, &grants)?;
            txn.put_acl(&project.name, &object, &old, &Default::default())?;
        }
        for (table, grants) in txn.label_grants_of_grantee(&project.name, &old)? {
            txn.put_label_grants(&project.name, &table, &new, &grants)?;
            txn.put_label_grants(&project.name, &table, &old, &Default::default())?;
        }
    }
    if !found {
        return Err(Error::invalid(format!(
            "RAM user {principal} is neither a tenant user nor a user of any project"
        )));
    }
    Ok(StatementResult::Ok)
}

/// The tenant action each checking statement is authorized as.
pub fn tenant_action(stmt: &Statement) -> (crate::authz::action::Action, &'static str) {
    use crate::authz::action::Action as A;
    match stmt {
        Statement::SetAuditRetention(_) => (A::SetAuditRetention, "audit"),
        Statement::DropRamUser { .. } => (A::DeleteRamUser, "users"),
        Statement::Survey(_) => (A::SurveyTenant, "users"),
        _ => (A::LookupAuditEvents, "audit"),
    }
}

/// Runs a statement of the trail bound by `plan` (`Route::Audit`); `survey`, bound to the same
/// route, reads the trail through this module and is run by the executor directly.
pub fn run(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, stmt: &Statement) -> Result<StatementResult> {
    match stmt {
        Statement::ShowAudit(q) => show(ctx, txn, q),
        Statement::SetAuditRetention(word) => set_retention(txn, *word),
        Statement::DropRamUser { principal } => {
            drop_ram_user(txn, &super::resolve_user(&principal.name, TENANT_ACCOUNT))
        }
        _ => Err(super::messages::misrouted(stmt)),
    }
}
