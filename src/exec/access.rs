//! Who may run a management statement (reference §2.3, §1.2, §3.1, §4.4).
//!
//! `add trustedproject p2;` run by a user holding `admin` arrives here as
//! `require(ctx, txn, project, Need::OwnerOrSuperAdmin, Mgmt::ADD_TRUSTED_PROJECT)`: the caller's
//! [`Standing`] is `Admin`, which the owner-only row of the matrix excludes, so no built-in power
//! allows it; neither does any admin-role or project policy, so the statement is refused with the
//! §11.4 text naming `odps:AddTrustedProject` on `projects/<p>/authorization`. Before any of
//! that, the caller must pass the gates of the project the statement acts on (its whitelist,
//! then membership), as `use <p>` would. An explicit policy deny binds everyone but the owner;
//! a Super_Administrator only by the project policy, not by role policies (§4.4).

use super::{messages, ExecContext};
use crate::catalog::model::{Project, RoleType, User};
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
    Ok(standing_of(
        project,
        user,
        txn.user(&project.name, user)?.as_ref(),
    ))
}

/// The standing of `user`, given its user record in `project` (if any).
fn standing_of(project: &Project, user: &str, record: Option<&User>) -> Standing {
    let roles = record.map_or(&[][..], |u| u.roles.as_slice());
    if project.owner == user {
        Standing::Owner
    } else if roles.iter().any(|r| r == "super_administrator") {
        Standing::SuperAdministrator
    } else if roles.iter().any(|r| r == "admin") {
        Standing::Admin
    } else {
        Standing::Member
    }
}

fn satisfies(standing: Standing, need: Need) -> bool {
    match need {
        Need::Member => true,
        Need::Admin => standing <= Standing::Admin,
        Need::OwnerOrSuperAdmin => standing <= Standing::SuperAdministrator,
        Need::Owner => standing == Standing::Owner,
    }
}

/// (allow, deny) of the policies that speak about the caller for a management request: the
/// project policy's statements naming it, and (when `role_policies`) the role policies of
/// `roles`, the caller's roles. A deny counts from any role; an allow only from admin-type
/// roles, the only ones that can carry management permissions (§2.2).
fn policy_effects(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &Project,
    roles: &[String],
    role_policies: bool,
    mgmt: &Mgmt,
) -> Result<(bool, bool)> {
    if !project.settings.check_permission_using_policy {
        return Ok((false, false));
    }
    let user = ctx.user;
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
    if !role_policies {
        return Ok((allow, deny));
    }
    for role in roles {
        let Some(r) = txn.role(&project.name, role)? else {
            continue;
        };
        if let Some(text) = txn.role_policy(&project.name, role)? {
            if let Ok(doc) = PolicyDocument::parse(&text, PolicyKind::Role) {
                consider(&doc, false, r.role_type == RoleType::Admin);
            }
        }
    }
    Ok((allow, deny))
}

/// Allows the statement or refuses it.
///
/// `project` is the project the statement acts on, which need not be the current one (`grant
/// ... on table prj1.t`, `add tenant role r to project prj1`), so its gates come first, with
/// the texts `use <p>` gives: the network whitelist, which binds the owner too, then
/// membership (4002). Then the standing: the owner passes everything; a Super_Administrator is
/// exempt from role policies but, as for data statements (§4.4), a project-policy Deny naming
/// it refuses with the §4.4 text; everyone else is bound by every matching deny and may be
/// lifted to Admin's rights by a policy allow. Otherwise the §11.4 text.
pub fn require(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &Project,
    need: Need,
    mgmt: Mgmt,
) -> Result<()> {
    let record = crate::authz::check_access_to(txn, project, ctx.user, ctx.source_ip)?;
    let roles = record.as_ref().map_or(&[][..], |u| u.roles.as_slice());
    let standing = standing_of(project, ctx.user, record.as_ref());
    let refused = || messages::no_management_privilege(mgmt.action, &mgmt.resource);
    let denied = || messages::management_denied_by_policy(mgmt.action, &mgmt.resource);
    match standing {
        Standing::Owner => Ok(()),
        Standing::SuperAdministrator => {
            let (_, deny) = policy_effects(ctx, txn, project, roles, false, &mgmt)?;
            if deny {
                Err(denied())
            } else if satisfies(standing, need) {
                Ok(())
            } else {
                Err(refused())
            }
        }
        Standing::Admin | Standing::Member => {
            let (allow, deny) = policy_effects(ctx, txn, project, roles, true, &mgmt)?;
            if deny {
                return Err(denied());
            }
            // The owner-only operations cannot be delegated by policy (§2.3).
            if satisfies(standing, need) || (allow && need == Need::Admin) {
                Ok(())
            } else {
                Err(refused())
            }
        }
    }
}

/// Whether the caller is at least Admin (owner, Super_Administrator, Admin).
pub fn is_admin(txn: &Txn<'_>, project: &Project, user: &str) -> Result<bool> {
    Ok(standing(txn, project, user)? <= Standing::Admin)
}

/// The gate of a package's provider project for a statement of the installing project that
/// reads the provider's records (`install package`, `describe package <src>.<pkg>`, `show
/// package items`, object grants inside an installed package): the provider is reached the way
/// data reads through the package reach it (authz layer 1). Its network whitelist binds; its
/// membership does not, since the package's allow list and installation stand in for it (§7.2).
pub fn reach_provider(ctx: &ExecContext<'_>, txn: &Txn<'_>, source: &str) -> Result<()> {
    let project = txn
        .project(source)?
        .ok_or_else(|| messages::project_missing(source))?;
    crate::authz::check_network(&project, ctx.source_ip)
}
