//! Who may run a management statement (reference §2.3, §1.2, §3.1, §4.4).
//!
//! `add trustedproject p2;` run by a user holding `admin` arrives here as
//! `require(ctx, txn, project, Need::OwnerOrSuperAdmin, Mgmt::ADD_TRUSTED_PROJECT)`: the caller's
//! [`Standing`] is `Admin`, which the owner-only row of the matrix excludes, so no built-in power
//! allows it; neither does any admin-role or project policy, so the statement is refused with the
//! §11.4 text naming `odps:AddTrustedProject` on `projects/<p>/authorization`. An explicit policy
//! deny binds everyone but the owner and Super_Administrator (§4.4).

use super::{messages, ExecContext};
use crate::catalog::model::{Project, RoleType};
use crate::catalog::Txn;
use crate::error::Result;
use crate::policy::{ConditionContext, Effect, PolicyDocument, PolicyKind};

/// The caller's built-in standing in a project, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    Owner,
    SuperAdministrator,
    Admin,
    Member,
}

/// The weakest standing a statement needs (§2.3 matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Member,
    Admin,
    OwnerOrSuperAdmin,
    Owner,
}

/// A management action and the resource path it is checked on (§4.1), relative to
/// `acs:odps:*:`.
pub struct Mgmt {
    pub action: &'static str,
    pub resource: String,
}

impl Mgmt {
    pub fn new(action: &'static str, project: &str, tail: &str) -> Self {
        let resource = if tail.is_empty() {
            format!("projects/{project}/authorization")
        } else {
            format!("projects/{project}/authorization/{tail}")
        };
        Mgmt { action, resource }
    }
}

pub fn standing(txn: &Txn<'_>, project: &Project, user: &str) -> Result<Standing> {
    if project.owner == user {
        return Ok(Standing::Owner);
    }
    let roles = txn
        .user(&project.name, user)?
        .map(|u| u.roles)
        .unwrap_or_default();
    Ok(if roles.iter().any(|r| r == "super_administrator") {
        Standing::SuperAdministrator
    } else if roles.iter().any(|r| r == "admin") {
        Standing::Admin
    } else {
        Standing::Member
    })
}

fn satisfies(standing: Standing, need: Need) -> bool {
    match need {
        Need::Member => true,
        Need::Admin => standing <= Standing::Admin,
        Need::OwnerOrSuperAdmin => standing <= Standing::SuperAdministrator,
        Need::Owner => standing == Standing::Owner,
    }
}

/// (allow, deny) of the policies that speak about `user` for a management request: the project
/// policy's statements naming it, and the role policies of its roles. A deny counts from any
/// role; an allow only from admin-type roles, the only ones that can carry management
/// permissions (§2.2).
fn policy_effects(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &Project,
    user: &str,
    mgmt: &Mgmt,
) -> Result<(bool, bool)> {
    if !project.settings.check_permission_using_policy {
        return Ok((false, false));
    }
    let arn = format!("acs:odps:*:{}", mgmt.resource);
    let cond = ConditionContext {
        source_ip: ctx.source_ip.parse().ok(),
        current_time: ctx.now,
        task_type: "SQL",
        instance_id: None,
        secure_transport: true,
    };
    let (mut allow, mut deny) = (false, false);
    let mut consider = |doc: &PolicyDocument, check_principal: bool, may_allow: bool| {
        for s in &doc.statements {
            if (!check_principal || s.matches_principal(user))
                && s.matches(mgmt.action, &arn, &cond)
            {
                match s.effect {
                    Effect::Allow => allow |= may_allow,
                    Effect::Deny => deny = true,
                }
            }
        }
    };
    if let Some(text) = &project.policy {
        if let Ok(doc) = PolicyDocument::parse(text, PolicyKind::Project) {
            consider(&doc, true, true);
        }
    }
    for role in txn
        .user(&project.name, user)?
        .map(|u| u.roles)
        .unwrap_or_default()
    {
        let Some(r) = txn.role(&project.name, &role)? else {
            continue;
        };
        if let Some(text) = txn.role_policy(&project.name, &role)? {
            if let Ok(doc) = PolicyDocument::parse(&text, PolicyKind::Role) {
                consider(&doc, false, r.role_type == RoleType::Admin);
            }
        }
    }
    Ok((allow, deny))
}

/// Allows the statement or refuses it with the §11.4 / §4.4 text.
pub fn require(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &Project,
    need: Need,
    mgmt: Mgmt,
) -> Result<()> {
    let standing = standing(txn, project, ctx.user)?;
    if standing <= Standing::SuperAdministrator {
        if satisfies(standing, need) {
            return Ok(());
        }
        return Err(messages::no_management_privilege(
            mgmt.action,
            &mgmt.resource,
        ));
    }
    let (allow, deny) = policy_effects(ctx, txn, project, ctx.user, &mgmt)?;
    if deny {
        return Err(messages::management_denied_by_policy(
            mgmt.action,
            &mgmt.resource,
        ));
    }
    // The owner-only operations cannot be delegated by policy (§2.3).
    if satisfies(standing, need) || (allow && need == Need::Admin) {
        Ok(())
    } else {
        Err(messages::no_management_privilege(
            mgmt.action,
            &mgmt.resource,
        ))
    }
}

/// Whether the caller is at least Admin (owner, Super_Administrator, Admin).
pub fn is_admin(txn: &Txn<'_>, project: &Project, user: &str) -> Result<bool> {
    Ok(standing(txn, project, user)? <= Standing::Admin)
}
