//! Project roles (reference §2): create, drop, describe, list, grant to and revoke from users,
//! and the two lookups `show principals` and `show role grant`.
//!
//! `grant admin to RAM$owner:bob;` is bound (`plan`) to a check per role — granting `admin` is
//! owner-only and `super_administrator` owner-or-SA (§2.3), any other role needs Admin — each
//! role having to exist before the next is checked. The handler then checks each user exists and
//! adds the role to the user's sorted role list, which is the one place role membership is
//! stored (members are derived from it).

use super::grants::principal_blocks;
use super::result;
use super::users::user_name;
use super::{existing_role, messages, ExecContext, NameList, StatementResult};
use crate::ast::{Principal, PrincipalKind};
use crate::catalog::model::{Grantee, Project, Role, RoleType};
use crate::catalog::Txn;
use crate::error::Result;


fn valid_role_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}


/// Creates a role of the type its plan read from the properties (and checked the need of).
pub fn create(
    txn: &mut Txn<'_>,
    project: &Project,
    name: String,
    role_type: RoleType,
) -> Result<StatementResult> {
    if !valid_role_name(&name) {
        return Err(messages::invalid_role_name(&name));
    }
    if txn.role(&project.name, &name)?.is_some() {
        return Err(messages::role_exists(&name, &project.name));
    }
    txn.put_role(
        &project.name,
        &Role {
            name,
            role_type,
            label: 0,
            comment: None,
            builtin: false,
        },
    )?;
    Ok(StatementResult::Ok)
}

/// Users holding `role`, in key order.
pub(crate) fn holders(txn: &Txn<'_>, project: &str, role: &str) -> Result<Vec<String>> {
    Ok(txn
        .users(project)?
        .into_iter()
        .filter(|u| u.roles.iter().any(|r| r == role))
        .map(|u| u.principal)
        .collect())
}

/// Drops a role its plan found to exist, not built in, and checked (an admin-type role twice).
pub fn drop(txn: &mut Txn<'_>, project: &Project, name: &str) -> Result<StatementResult> {
    if !holders(txn, &project.name, name)?.is_empty() {
        return Err(messages::role_still_granted(name));
    }
    // Grants, label grants and the role policy stay until `purge privs` (§2.1).
    txn.delete_role(&project.name, name);
    Ok(StatementResult::Ok)
}

pub fn describe(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: String,
) -> Result<StatementResult> {
    let role = existing_role(txn, &project.name, &name)?;
    let users = holders(txn, &project.name, &name)?;
    let blocks = principal_blocks(ctx, txn, project, &Grantee::Role(name.clone()), false, None)?;
    Ok(StatementResult::Role {
        role: name,
        role_type: match role.role_type {
            RoleType::Admin => result::RoleType::Admin,
            RoleType::Resource => result::RoleType::Resource,
        },
        label: role.label,
        users,
        blocks,
    })
}

pub fn list(txn: &mut Txn<'_>, project: &Project) -> Result<StatementResult> {
    let roles: Vec<String> = txn
        .roles(&project.name)?
        .into_iter()
        .map(|r| r.name)
        .collect();
    Ok(StatementResult::names(NameList::Roles, roles))
}

/// Grants or revokes roles its plan checked (and found to exist) to or from users.
pub fn grant(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    roles: &[String],
    principals: &[Principal],
    grant: bool,
) -> Result<StatementResult> {
    for principal in principals {
        if principal.kind != PrincipalKind::User {
            return Err(messages::role_not_grantable_to(kind_word(principal.kind)));
        }
        let name = user_name(principal, ctx.user)?;
        let mut user = txn
            .user(&project.name, &name)?
            .ok_or_else(|| messages::principal_missing(&name, &project.name))?;
        for role in roles {
            user.roles.retain(|r| r != role);
            if grant {
                user.roles.push(role.clone());
            }
        }
        user.roles.sort();
        txn.put_user(&project.name, &user)?;
    }
    Ok(StatementResult::Ok)
}

fn kind_word(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
        PrincipalKind::TenantUser => "tenant user",
        PrincipalKind::TenantRole => "tenant role",
        PrincipalKind::Group | PrincipalKind::TenantGroup => "group",
    }
}

/// `show principals [for] role <r>`: the users holding it, one per line.
pub fn show_principals(
    txn: &mut Txn<'_>,
    project: &Project,
    role: &str,
) -> Result<StatementResult> {
    existing_role(txn, &project.name, role)?;
    Ok(StatementResult::names(
        NameList::Principals,
        holders(txn, &project.name, role)?,
    ))
}

/// `show role grant <user>`: the roles a user holds, one per line.
pub fn show_role_grant(
    txn: &mut Txn<'_>,
    project: &Project,
    name: &str,
) -> Result<StatementResult> {
    if name == project.owner {
        // The owner is a member by ownership and holds no roles.
        return Ok(StatementResult::names(NameList::Roles, Vec::new()));
    }
    let user = txn
        .user(&project.name, name)?
        .ok_or_else(|| messages::principal_missing(name, &project.name))?;
    Ok(StatementResult::names(NameList::Roles, user.roles))
}
