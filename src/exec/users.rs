//! Users of a project (reference §1): `add user`, `remove user`, `list users`, `whoami`, and
//! account providers.
//!
//! `add user RAM$bob;` run by `ALIYUN$owner` is bound (`plan`) to the check that the caller may
//! manage users (owner/SA/Admin) and the name `RAM$owner:bob`; once the check has passed, the
//! handler checks that `RAM` is an enabled account provider, that the
//! RAM user belongs to the caller's own account and is not a member already, then stores a
//! [`User`] with label 0 and no roles. Grants made to `RAM$owner:bob` before an earlier
//! `remove user` live in their own records and so apply again at once (§1.2).

use super::{account_of, messages, resolve_user, ExecContext, NameList, StatementResult};
use crate::ast::{Principal, PrincipalKind};
use crate::catalog::model::{Project, User};
use crate::catalog::Txn;
use crate::error::Result;

/// A user principal of a statement, resolved against the caller.
pub(crate) fn user_name(principal: &Principal, caller: &str) -> Result<String> {
    if principal.kind != PrincipalKind::User {
        return Err(messages::not_a_user_principal(&principal.name));
    }
    Ok(resolve_user(&principal.name, caller))
}

/// `ALIYUN$<account>` or `RAM$<account>:<user>` (`RAM$<account>:role/<r>` for RAM roles).
/// `ALIYUN$<account>` or `RAM$<account>:<user>`, as resolved (provider upper-cased).
pub fn well_formed(principal: &str) -> bool {
    let ok_part = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || "._-@/".contains(c))
    };
    match principal.split_once('$') {
        Some(("ALIYUN", rest)) => ok_part(rest) && !rest.contains('/'),
        Some(("RAM", rest)) => match rest.split_once(':') {
            Some((account, user)) => ok_part(account) && ok_part(user),
            None => false,
        },
        _ => false,
    }
}

pub fn add(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: String,
    comment: Option<&str>,
) -> Result<StatementResult> {
    let provider = name.split_once('$').map(|(p, _)| p).unwrap_or("");
    if !name.contains('$') || !["ALIYUN", "RAM"].contains(&provider) {
        return Err(messages::invalid_account(&name));
    }
    // A malformed name (`RAM$` with no user) is invalid whichever providers are enabled.
    if !well_formed(&name) {
        return Err(messages::invalid_account(&name));
    }
    if !project.account_providers.iter().any(|p| p == provider) {
        return Err(messages::lack_of_account_provider(&name));
    }
    // Only RAM users of the adding account's own Alibaba Cloud account can be added (§1.1).
    if provider == "RAM" && account_of(&name) != account_of(ctx.user) {
        return Err(messages::invalid_account(&name));
    }
    if name == project.owner || txn.user(&project.name, &name)?.is_some() {
        return Err(messages::user_exists(&name, &project.name));
    }
    txn.put_user(
        &project.name,
        &User {
            principal: name,
            comment: comment.map(str::to_string),
            label: 0,
            roles: Vec::new(),
            added_at: ctx.now,
        },
    )?;
    Ok(StatementResult::Ok)
}

pub fn remove(txn: &mut Txn<'_>, project: &Project, name: &str) -> Result<StatementResult> {
    if name == project.owner {
        return Err(messages::owner_cannot_be_removed(name, &project.name));
    }
    let user = txn
        .user(&project.name, name)?
        .ok_or_else(|| messages::principal_missing(name, &project.name))?;
    if !user.roles.is_empty() {
        return Err(messages::user_holds_roles(name, &user.roles));
    }
    txn.delete_user(&project.name, name);
    Ok(StatementResult::Ok)
}

/// Added users, one per line; the owner is not listed (§1.2).
pub fn list(txn: &mut Txn<'_>, project: &Project) -> Result<StatementResult> {
    let users: Vec<String> = txn
        .users(&project.name)?
        .into_iter()
        .map(|u| u.principal)
        .collect();
    Ok(StatementResult::names(NameList::Users, users))
}

/// `whoami`: odpscmd's lines (§1.3) for the fields mcsec knows.
pub fn whoami(ctx: &ExecContext<'_>) -> Result<StatementResult> {
    Ok(StatementResult::Whoami {
        id: ctx.user.to_string(),
        name: ctx.user.to_string(),
        source_ip: ctx.source_ip.to_string(),
        project: ctx.project.map(str::to_string),
    })
}

pub fn account_provider(
    txn: &mut Txn<'_>,
    project: &Project,
    provider: &str,
    add: bool,
) -> Result<StatementResult> {
    let provider = provider.to_ascii_uppercase();
    if !["ALIYUN", "RAM", "TAOBAO"].contains(&provider.as_str()) {
        return Err(messages::unknown_account_provider(&provider));
    }
    let mut p = project.clone();
    p.account_providers.retain(|x| x != &provider);
    if add {
        p.account_providers.push(provider);
    }
    txn.put_project(&p)?;
    Ok(StatementResult::Ok)
}

pub fn list_account_providers(project: &Project) -> Result<StatementResult> {
    Ok(StatementResult::names(
        NameList::AccountProviders,
        project.account_providers.clone(),
    ))
}
