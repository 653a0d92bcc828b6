//! Label security statements (reference §6): `set label`/`unset label` on users, roles, tables
//! and columns, `grant label`/`revoke label`, `show label grants` in all its forms, and
//! `describe <table>` with its label lines.
//!
//! `grant label 3 on table t (mobile) to user RAM$owner:bob with exp 7;` is bound (`plan`) to
//! the level, checked to be 0–9 (else the §11.4 text), and the check that the caller is
//! owner/SA/Admin; the handler then checks that the table, column and user exist, then replaces bob's entry for column `mobile` in the `(t, bob)` label-grant record with
//! one of level 3 expiring 7 days from the clock (180 days when `with exp` is left out).

use super::existing_role;
use super::render::format_time;
use super::result::{ColumnDescription, LabelGrantItem, LabelGrants, TableDescription};
use super::{canonical_name, days_from, grantee_of, messages, ExecContext, StatementResult};
use crate::ast::{GrantLabelStmt, LabelTarget, ObjectName, RevokeLabelStmt, SetLabelStmt};
use crate::catalog::model::{Grantee, LabelGrant, Project, Table};
use crate::catalog::Txn;
use crate::error::Result;

/// §6.2: a label grant without `with exp` lasts 180 days.
pub const DEFAULT_LABEL_GRANT_DAYS: u64 = 180;

/// A table of the current project (labels are set in the project that owns the data).
pub(crate) fn table_of(txn: &Txn<'_>, project: &Project, name: &ObjectName) -> Result<Table> {
    let p = name
        .project
        .as_deref()
        .map(canonical_name)
        .unwrap_or_else(|| project.name.clone());
    let t = canonical_name(&name.name);
    txn.table(&p, &t)?
        .ok_or_else(|| messages::object_missing("table", &p, &t))
}

/// The table a label-changing statement names, which must belong to the current project: the
/// caller's rights (owner/SA/Admin) and the label grants are those of the current project, so a
/// label of another project's table is set from inside that project.
pub(crate) fn own_table_of(txn: &Txn<'_>, project: &Project, name: &ObjectName) -> Result<Table> {
    if let Some(p) = name.project.as_deref().map(canonical_name) {
        if p != project.name {
            return Err(messages::label_table_elsewhere(
                &p,
                &canonical_name(&name.name),
            ));
        }
    }
    table_of(txn, project, name)
}

fn checked_columns(
    table: &Table,
    project: &str,
    columns: Option<&Vec<String>>,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for c in columns.into_iter().flatten() {
        let c = canonical_name(c);
        if !table.columns.iter().any(|tc| tc.name == c) {
            return Err(messages::column_missing(&c, project, &table.name));
        }
        out.push(c);
    }
    Ok(out)
}

/// A label grantee that exists in the project: an added user or a created role.
fn label_grantee(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &Project,
    principal: &crate::ast::Principal,
) -> Result<Grantee> {
    let grantee = grantee_of(principal, ctx.user)?;
    match &grantee {
        Grantee::User(u) => {
            if txn.user(&project.name, u)?.is_none() {
                return Err(messages::principal_missing(u, &project.name));
            }
        }
        Grantee::Role(r) => {
            existing_role(txn, &project.name, r)?;
        }
    }
    Ok(grantee)
}

pub fn set_label(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    level: u8,
    stmt: &SetLabelStmt,
) -> Result<StatementResult> {
    match &stmt.target {
        LabelTarget::User(principal) => {
            let name = super::users::user_name(principal, ctx.user)?;
            let mut user = txn
                .user(&project.name, &name)?
                .ok_or_else(|| messages::principal_missing(&name, &project.name))?;
            user.label = level;
            txn.put_user(&project.name, &user)?;
        }
        LabelTarget::Role(r) => {
            let mut role = existing_role(txn, &project.name, &canonical_name(r))?;
            role.label = level;
            txn.put_role(&project.name, &role)?;
        }
        LabelTarget::Table {
            table: name,
            columns,
        } => {
            let mut t = own_table_of(txn, project, name)?;
            let columns = checked_columns(&t, &project.name, columns.as_ref())?;
            if columns.is_empty() {
                t.label = level;
            } else {
                for c in t.columns.iter_mut().filter(|c| columns.contains(&c.name)) {
                    // Explicit column labels override the table label (§6.2); unset clears it.
                    c.label = if stmt.unset { None } else { Some(level) };
                }
            }
            let p = name
                .project
                .as_deref()
                .map(canonical_name)
                .unwrap_or_else(|| project.name.clone());
            txn.put_table(&p, &t)?;
        }
    }
    Ok(StatementResult::Ok)
}

pub fn grant_label(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    level: u8,
    stmt: &GrantLabelStmt,
) -> Result<StatementResult> {
    let t = own_table_of(txn, project, &stmt.table)?;
    let columns = checked_columns(&t, &project.name, stmt.columns.as_ref())?;
    let grantee = label_grantee(ctx, txn, project, &stmt.grantee)?;
    let days = stmt.exp_days.unwrap_or(DEFAULT_LABEL_GRANT_DAYS);
    if days > i64::MAX as u64 {
        return Err(crate::error::Error::invalid(format!(
            "Invalid expiration {days}: with exp takes a number of days from 0 to {}.",
            i64::MAX
        )));
    }
    // A validity of up to 2^63-1 days is accepted (§6.2); the expiry is kept within the last
    // instant `show label grants` can print as a date.
    let expires = days_from(ctx.now, days);
    let mut grants = txn.label_grants(&project.name, &t.name, &grantee)?;
    let targets: Vec<Option<String>> = if columns.is_empty() {
        vec![None]
    } else {
        columns.into_iter().map(Some).collect()
    };
    for column in targets {
        grants.entries.retain(|e| e.column != column);
        grants.entries.push(LabelGrant {
            column,
            level,
            expires,
        });
    }
    txn.put_label_grants(&project.name, &t.name, &grantee, &grants)?;
    Ok(StatementResult::Ok)
}

pub fn revoke_label(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    stmt: &RevokeLabelStmt,
) -> Result<StatementResult> {
    let t = own_table_of(txn, project, &stmt.table)?;
    let columns = checked_columns(&t, &project.name, stmt.columns.as_ref())?;
    let grantee = grantee_of(&stmt.grantee, ctx.user)?;
    let mut grants = txn.label_grants(&project.name, &t.name, &grantee)?;
    // As for ACL revokes: a name that is no principal and holds nothing here is a mistake.
    if grants.entries.is_empty() {
        label_grantee(ctx, txn, project, &stmt.grantee)?;
    }
    if columns.is_empty() {
        // Revoking the table-level grant also revokes the column-level ones (§6.2).
        grants.entries.clear();
    } else {
        grants
            .entries
            .retain(|e| e.column.as_ref().is_none_or(|c| !columns.contains(c)));
    }
    txn.put_label_grants(&project.name, &t.name, &grantee, &grants)?;
    Ok(StatementResult::Ok)
}

fn grant_item(name: &str, g: &LabelGrant, now: i64) -> LabelGrantItem {
    LabelGrantItem {
        name: name.to_string(),
        column: g.column.clone(),
        label: g.level,
        expires: format_time(g.expires),
        expired: g.expires <= now,
    }
}

/// The user's own access level (0 for the owner, who has no user record).
fn user_label(txn: &Txn<'_>, project: &Project, user: &str) -> Result<u8> {
    Ok(txn.user(&project.name, user)?.map(|u| u.label).unwrap_or(0))
}

/// `show label grants` with the level, user and table its plan bound (and the checks it made:
/// Admin for anything about others, the provider's gate for the package form).
pub fn show_label_grants(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    level: Option<u8>,
    user: Option<String>,
    table_name: Option<ObjectName>,
) -> Result<StatementResult> {
    let keep = |g: &LabelGrant| level.is_none_or(|l| g.level == l);
    let now = ctx.now;
    match (table_name, user) {
        (None, user) => {
            let user = user.unwrap_or_else(|| ctx.user.to_string());
            let own = user_label(txn, project, &user)?;
            let mut items = Vec::new();
            for (t, grants) in
                txn.label_grants_of_grantee(&project.name, &Grantee::User(user.clone()))?
            {
                for g in grants.entries.iter().filter(|g| keep(g)) {
                    items.push(grant_item(&t, g, now));
                }
            }
            Ok(StatementResult::LabelGrants(LabelGrants {
                user: Some(user),
                user_label: Some(own),
                table: None,
                label_range: None,
                grants: items,
            }))
        }
        (Some(name), None) => {
            let t = table_of(txn, project, &name)?;
            let labels = t
                .columns
                .iter()
                .map(|c| c.label.unwrap_or(t.label))
                .chain(std::iter::once(t.label));
            let (lo, hi) = labels.fold((u8::MAX, 0u8), |(lo, hi), l| (lo.min(l), hi.max(l)));
            let mut items = Vec::new();
            for (grantee, grants) in txn.label_grants_on_table(&project.name, &t.name)? {
                let who = match &grantee {
                    Grantee::User(u) | Grantee::Role(u) => u.clone(),
                };
                for g in grants.entries.iter().filter(|g| keep(g)) {
                    items.push(grant_item(&who, g, now));
                }
            }
            Ok(StatementResult::LabelGrants(LabelGrants {
                user: None,
                user_label: None,
                table: Some(t.name),
                label_range: Some((lo, hi)),
                grants: items,
            }))
        }
        (Some(name), Some(user)) => {
            let t = table_of(txn, project, &name)?;
            let own = user_label(txn, project, &user)?;
            let grants = txn.label_grants(&project.name, &t.name, &Grantee::User(user.clone()))?;
            let items = grants
                .entries
                .iter()
                .filter(|g| keep(g))
                .map(|g| grant_item(&t.name, g, now))
                .collect();
            Ok(StatementResult::LabelGrants(LabelGrants {
                user: Some(user),
                user_label: Some(own),
                table: Some(t.name),
                label_range: None,
                grants: items,
            }))
        }
    }
}

/// `describe <table>`: odpscmd's boxed layout with the label block of §6.3.
pub fn describe_table(p: String, t: Table) -> Result<StatementResult> {
    let max_label = t
        .columns
        .iter()
        .map(|c| c.label.unwrap_or(t.label))
        .chain(std::iter::once(t.label))
        .max()
        .unwrap_or(0);
    Ok(StatementResult::TableDescription(TableDescription {
        owner: t.creator,
        project: p,
        table: t.name,
        create_time: format_time(t.created_at),
        table_label: t.label,
        max_label,
        columns: t
            .columns
            .into_iter()
            .map(|c| ColumnDescription {
                name: c.name,
                data_type: c.data_type,
                label: c.label,
            })
            .collect(),
    }))
}
