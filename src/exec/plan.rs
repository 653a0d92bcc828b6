//! Binding: a management, tenant or sandbox statement becomes a [`Plan`] — its names in
//! canonical form, the route it takes, and the ordered authorization checks it needs — before
//! anything is authorized or run. `exec::dispatch` binds, authorizes the plan's checks in order
//! (`access::authorize`, which records each one while `explain` runs the statement), and only
//! then hands the plan's [`Route`] to the family's handler, which no longer asks the authorizer
//! itself.
//!
//! Walk `grant Select on table prj2.t to user RAM$bob;` run in prj1 by `RAM$owner:alice`:
//!
//! 1. [`bind`] sees a project statement: prj1 is loaded (no current project, or a missing one, is
//!    the statement's error) and [`Check::Enter`] prj1 is the first check — whitelist, status,
//!    membership.
//! 2. The grant has no `"policy"` or `"refobject"` property, so it takes the plain ACL route.
//!    Its object lives in prj2: prj2 is loaded (a missing project ends binding with its error)
//!    and [`Check::Enter`] prj2 comes next, so a caller refused at prj2 learns nothing of `t`.
//!    Then `t` is read — it must exist, and its creator decides the grantor rule: unless
//!    `ObjectCreatorHasGrantPermission` is on and alice created `t`, a [`Check::Management`]
//!    `GrantPrivilege` on `projects/prj2/tables/t` needing Admin follows.
//! 3. The route is [`InProject::Grant`] with the resolved target; the grantee `RAM$bob` is
//!    resolved to `RAM$owner:bob` by the handler, which checks it after the checks, as before.
//!
//! A semantic error found while binding (the table does not exist) does not end the plan at
//! once: the checks listed before it are kept and the error becomes the plan's route, so the
//! statement still fails with a refusal when a check listed earlier refuses, and with the
//! semantic error otherwise — the order the statement has always had. Binding reads the catalog
//! only through the statement's transaction, so its reads take part in conflict detection and
//! a statement run again after a conflict binds again.

use super::access::{Action, Check, Managed, Mgmt, Need};
use super::grants::{self, Target};
use super::users::user_name;
use super::{canonical_name, check_level, grantee_of, messages, ExecContext};
use crate::ast::{
    AddToPackageStmt, AllowInstallStmt, CreateProjectStmt, ExplainStmt, GrantLabelStmt,
    GrantObject, GrantStmt, ObjectName, Principal, PrincipalKind, Privilege, ProjectStatusWord,
    RevokeLabelStmt, RevokeStmt, RoleGrantStmt, SetLabelStmt, SetStmt, ShowGrantsStmt,
    ShowLabelGrantsStmt, Statement,
};
use crate::catalog::model::{Grantee, ObjectRef, ObjectType, Project, RoleType, Table};
use crate::catalog::Txn;
use crate::error::Result;
use crate::policy::Effect;

mod diagnose;
mod effective;
mod outflow;

pub use diagnose::Scope;
pub use effective::Query;

/// A bound statement: what it must pass, in order, and what runs once it has.
pub struct Plan<'s> {
    pub checks: Vec<Check>,
    /// The route, or the error binding stopped at (raised only once every check before it
    /// has passed).
    pub route: Result<Route<'s>>,
}

/// Statements outside any project, and the project statements under [`Route::InProject`].
// A route is built once per statement and moved once into its handler, so the size of its
// largest variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Route<'s> {
    CreateProject(&'s CreateProjectStmt),
    /// The project to drop, its owner already established.
    DropProject(Project),
    SetProjectStatus(Project, ProjectStatusWord),
    /// `drop project if exists` of a missing project: nothing to do.
    Nothing,
    ListProjects,
    Whoami,
    /// A statement that checks the tenant (`show audit`, `survey`, the trail's retention,
    /// `drop ram user`), run by `exec::audit`.
    Audit(&'s Statement),
    /// `explain` with no current project: the explained statement is one that runs outside any
    /// project (`create project`, tenant statements), or fails as it would for want of one.
    Explain {
        stmt: &'s ExplainStmt,
        principal: String,
    },
    /// `check`: `explain` reduced to its decision (`exec::check`).
    Check {
        stmt: &'s ExplainStmt,
        principal: String,
    },
    /// `snapshot save|restore`, `list snapshots`: the tenant account's (`exec::snapshots`).
    Snapshot(&'s crate::ast::SnapshotStmt),
    AddTenantUser(String),
    RemoveTenantUser(String),
    ListTenantUsers,
    CreateTenantRole(String),
    DropTenantRole(String),
    DescribeTenantRole(String),
    ListTenantRoles,
    GrantTenantRoles {
        roles: Vec<String>,
        users: Vec<String>,
        grant: bool,
    },
    ShowTenantPrincipals(String),
    AddTenantGroup(String),
    RemoveTenantGroup(String),
    ListTenantGroups(Option<String>),
    GetTenantRolePolicy(String),
    PutTenantRolePolicy {
        file: &'s str,
        role: String,
    },
    TenantRoleToProject {
        role: String,
        project: String,
        add: bool,
    },
    /// `grant|revoke ... on table <p>.<t> to|from tenant role <r>`.
    TenantTableGrant {
        privileges: &'s [Privilege],
        project: String,
        table: String,
        roles: Vec<String>,
        grant: bool,
    },
    ShowTenantRoleGrants(String),
    ShowTenantUserGrants(String),
    /// A statement of the current project, which its plan has entered.
    InProject(std::sync::Arc<Project>, InProject<'s>),
    CreateWorkspace(&'s crate::ast::CreateWorkspaceStmt),
    /// `diagnose` of one project (entered, Admin or better there) or of the tenant.
    Diagnose(Scope, crate::ast::RiskLevel),
    /// `show outflow paths [from project <p>]`: one project (entered, Admin or better there)
    /// or every project (the tenant account).
    OutflowPaths(Option<std::sync::Arc<Project>>),
}

/// Routes of statements that run in the current project.
pub enum InProject<'s> {
    AddUser {
        name: String,
        comment: Option<&'s str>,
    },
    RemoveUser(String),
    ListUsers,
    AccountProvider {
        provider: &'s str,
        add: bool,
    },
    ListAccountProviders,
    CreateRole {
        name: String,
        role_type: RoleType,
    },
    DropRole(String),
    DescribeRole(String),
    ListRoles,
    GrantRoles {
        roles: Vec<String>,
        principals: &'s [Principal],
        grant: bool,
    },
    ShowPrincipals(String),
    ShowRoleGrant(String),
    AddGroup(String),
    RemoveGroup(String),
    ListGroups(Option<String>),
    ShowGrants {
        grantee: Grantee,
        filter: grants::Filter,
    },
    ShowInstalledObjectGrants {
        source: String,
        package: String,
        kind: ObjectType,
        name: String,
    },
    /// A plain ACL grant on a resolved target.
    Grant(Target, &'s GrantStmt),
    Revoke(Target, &'s RevokeStmt),
    /// A policy-mode grant or revoke (`"policy"="true"`): statements of the roles' policies.
    PolicyGrant(grants::PolicyGrant),
    /// A grant or revoke on an object of an installed package (`"refobject"="true"`).
    InstalledObjectGrant(grants::InstalledGrant<'s>),
    SuperPrivileges {
        privileges: &'s [String],
        grantees: &'s [Principal],
        grant: bool,
    },
    ShowAcl(Target),
    PurgePrivs(&'s [Principal]),
    ClearExpiredGrants,
    GetPolicy(Option<String>),
    PutPolicy {
        file: &'s str,
        role: Option<String>,
    },
    GetSecurityPolicy,
    PutSecurityPolicy(&'s str),
    SetLabel(u8, &'s SetLabelStmt),
    GrantLabel(u8, &'s GrantLabelStmt),
    RevokeLabel(&'s RevokeLabelStmt),
    ShowLabelGrants {
        level: Option<u8>,
        user: Option<String>,
        table: Option<ObjectName>,
    },
    DescribeTable {
        project: String,
        table: Table,
    },
    CreatePackage(&'s str),
    DropPackage(&'s str),
    AddToPackage(&'s AddToPackageStmt),
    RemoveFromPackage {
        kind: ObjectType,
        object: &'s str,
        package: &'s str,
    },
    AllowInstall(&'s AllowInstallStmt),
    DisallowInstall {
        project: &'s str,
        package: &'s str,
    },
    InstallPackage {
        source: String,
        package: String,
    },
    UninstallPackage {
        source: &'s str,
        package: &'s str,
    },
    ShowPackages,
    DescribePackage {
        source: String,
        name: String,
    },
    ShowPackageItems {
        source: Option<String>,
        on_type: Option<ObjectType>,
    },
    /// `set <security key>=true|false`, value checked.
    SetSecurity {
        key: String,
        value: bool,
        stmt: &'s SetStmt,
    },
    /// `set k=v` of a session flag reaching the catalog (only `explain` sends one): nothing to
    /// change there.
    SetFlag,
    /// Bare `setproject`.
    ListProperties,
    /// `setproject k=v ...`, keys lower-cased and values unquoted, each checked.
    SetProperties(Vec<(String, String)>),
    ShowSecurityConfiguration,
    Trusted {
        project: &'s str,
        add: bool,
    },
    ListTrusted,
    /// `explain`, the explained principal resolved.
    Explain {
        stmt: &'s ExplainStmt,
        principal: String,
    },
    /// `check`, the checked principal resolved.
    Check {
        stmt: &'s ExplainStmt,
        principal: String,
    },
    /// `show effective grants`, bound (`exec::effective`).
    Effective(Query),
    /// A data statement, which plans its own requests (`data::plan`).
    Data(&'s Statement),
}

/// Binds `stmt` for the acting principal of `ctx` inside the statement's transaction.
pub fn bind<'s>(ctx: &ExecContext<'_>, txn: &Txn<'_>, stmt: &'s Statement) -> Plan<'s> {
    let mut binder = Binder {
        ctx,
        txn,
        checks: Vec::with_capacity(4),
    };
    let route = binder.statement(stmt);
    Plan {
        checks: binder.checks,
        route,
    }
}

/// The checks listed so far, and what binding reads through.
pub(crate) struct Binder<'x, 'a, 't> {
    pub ctx: &'x ExecContext<'a>,
    pub txn: &'x Txn<'t>,
    pub checks: Vec<Check>,
}

fn role_mgmt(action: Action, project: &str, role: &str) -> Mgmt {
    Mgmt::new(action, project, Managed::Role(role))
}

fn config_mgmt(action: Action, project: &str) -> Mgmt {
    Mgmt::new(action, project, Managed::SecurityConfiguration)
}

fn pkg_mgmt(action: Action, project: &str) -> Mgmt {
    Mgmt::new(action, project, Managed::Packages)
}

fn label_mgmt(action: Action, project: &str) -> Mgmt {
    Mgmt::new(action, project, Managed::Labels)
}

/// A principal of a tenant statement, read as a user whatever its kind.
fn tenant_user_name(principal: &Principal, caller: &str) -> Result<String> {
    user_name(
        &Principal {
            kind: PrincipalKind::User,
            name: principal.name.clone(),
        },
        caller,
    )
}

impl Binder<'_, '_, '_> {
    pub(crate) fn enter(&mut self, project: Project) {
        self.checks.push(Check::Enter(std::sync::Arc::new(project)));
    }

    pub(crate) fn require(&mut self, project: &Project, need: Need, mgmt: Mgmt) {
        self.checks.push(Check::Management {
            project: project.name.clone(),
            need,
            mgmt,
        });
    }

    pub(crate) fn tenant(&mut self, action: Action, tail: &'static str) {
        self.checks.push(Check::Tenant { action, tail });
    }

    /// The gate of a package's provider project, which must exist.
    fn provider(&mut self, source: &str) -> Result<()> {
        let project = self
            .txn
            .project(source)?
            .ok_or_else(|| messages::project_missing(source))?;
        self.checks.push(Check::Provider(Box::new(project)));
        Ok(())
    }

    fn statement<'s>(&mut self, stmt: &'s Statement) -> Result<Route<'s>> {
        use Statement as S;
        let ctx = self.ctx;
        let txn = self.txn;
        Ok(match stmt {
            // statements outside any project
            S::CreateProject(c) => Route::CreateProject(c),
            S::DropProject { name, if_exists } => {
                let name = canonical_name(name);
                let project = match txn.project(&name)? {
                    Some(project) => project,
                    None if *if_exists => return Ok(Route::Nothing),
                    None => return Err(messages::project_missing(&name)),
                };
                if project.owner != ctx.user {
                    return Err(messages::no_management_privilege(
                        "DeleteProject",
                        &format!("projects/{name}"),
                    ));
                }
                // The whitelist binds the owner too, whichever project is current.
                self.enter(project.clone());
                Route::DropProject(project)
            }
            S::SetProjectStatus { project, status } => {
                // The owning account's console, not a request to the project: no gate applies.
                let name = canonical_name(project);
                let project = txn
                    .project(&name)?
                    .ok_or_else(|| messages::project_missing(&name))?;
                if project.owner != ctx.user {
                    return Err(messages::no_management_privilege(
                        "SetProjectStatus",
                        &format!("projects/{name}"),
                    ));
                }
                Route::SetProjectStatus(project, *status)
            }
            S::ListProjects => Route::ListProjects,
            S::Whoami => Route::Whoami,
            S::AddTenantUser { principal } => {
                self.tenant(Action::AddTenantUser, "users");
                Route::AddTenantUser(tenant_user_name(principal, ctx.user)?)
            }
            S::RemoveTenantUser { principal } => {
                self.tenant(Action::RemoveTenantUser, "users");
                Route::RemoveTenantUser(tenant_user_name(principal, ctx.user)?)
            }
            S::ListTenantUsers => {
                self.tenant(Action::ListTenantUsers, "users");
                Route::ListTenantUsers
            }
            S::CreateRole {
                tenant: true, name, ..
            } => {
                self.tenant(Action::CreateTenantRole, "roles");
                Route::CreateTenantRole(canonical_name(name))
            }
            S::DropRole { tenant: true, name } => {
                self.tenant(Action::DropTenantRole, "roles");
                Route::DropTenantRole(canonical_name(name))
            }
            S::DescribeRole { tenant: true, name } => {
                self.tenant(Action::DescribeTenantRole, "roles");
                Route::DescribeTenantRole(canonical_name(name))
            }
            S::ListRoles { tenant: true } => {
                self.tenant(Action::ListTenantRoles, "roles");
                Route::ListTenantRoles
            }
            S::GrantRoles(g) | S::RevokeRoles(g) if g.tenant => {
                let grant = matches!(stmt, S::GrantRoles(_));
                self.tenant(
                    if grant {
                        Action::GrantTenantRole
                    } else {
                        Action::RevokeTenantRole
                    },
                    "roles",
                );
                Route::GrantTenantRoles {
                    roles: g.roles.iter().map(|r| canonical_name(r)).collect(),
                    users: g
                        .principals
                        .iter()
                        .map(|p| tenant_user_name(p, ctx.user))
                        .collect::<Result<_>>()?,
                    grant,
                }
            }
            S::ShowPrincipals { tenant: true, role } => {
                self.tenant(Action::ListTenantRolePrincipals, "roles");
                Route::ShowTenantPrincipals(canonical_name(role))
            }
            S::AddGroup { tenant: true, name } => {
                self.tenant(Action::AddTenantGroup, "groups");
                Route::AddTenantGroup(canonical_name(name))
            }
            S::RemoveGroup { tenant: true, name } => {
                self.tenant(Action::RemoveTenantGroup, "groups");
                Route::RemoveTenantGroup(canonical_name(name))
            }
            S::ListGroups { tenant: true, user } => {
                self.tenant(Action::ListTenantGroups, "groups");
                Route::ListTenantGroups(user.as_ref().map(|u| user_name(u, ctx.user)).transpose()?)
            }
            S::GetPolicy {
                role: Some(r),
                tenant_role: true,
            } => {
                self.tenant(Action::GetTenantRolePolicy, "roles");
                Route::GetTenantRolePolicy(canonical_name(r))
            }
            S::PutPolicy {
                file,
                role: Some(r),
                tenant_role: true,
            } => {
                self.tenant(Action::SetTenantRolePolicy, "roles");
                Route::PutTenantRolePolicy {
                    file,
                    role: canonical_name(r),
                }
            }
            S::AddTenantRoleToProject { role, project }
            | S::RemoveTenantRoleFromProject { role, project } => {
                let add = matches!(stmt, S::AddTenantRoleToProject { .. });
                self.tenant_role_to_project(role, project, add)?
            }
            S::Grant(GrantStmt {
                privileges,
                object,
                grantees,
                ..
            })
            | S::Revoke(RevokeStmt {
                privileges,
                object,
                grantees,
                ..
            }) if grantees.iter().any(|p| p.kind == PrincipalKind::TenantRole) => {
                let grant = matches!(stmt, S::Grant(_));
                self.tenant_table_grant(privileges, object, grantees, grant)?
            }
            S::ShowGrants(ShowGrantsStmt {
                principal: Some(p), ..
            }) if matches!(
                p.kind,
                PrincipalKind::TenantRole | PrincipalKind::TenantUser
            ) =>
            {
                self.tenant(Action::ShowTenantGrants, "roles");
                if p.kind == PrincipalKind::TenantRole {
                    Route::ShowTenantRoleGrants(canonical_name(&p.name))
                } else {
                    Route::ShowTenantUserGrants(tenant_user_name(p, ctx.user)?)
                }
            }
            S::CreateWorkspace(w) => Route::CreateWorkspace(w),
            S::Diagnose { scope, min_risk } => diagnose::bind(self, scope, *min_risk)?,
            S::ShowOutflowPaths { project } => outflow::bind(self, project.as_deref())?,
            S::ShowAudit(_) | S::SetAuditRetention(_) | S::DropRamUser { .. } => {
                let (action, tail) = super::audit::tenant_action(stmt);
                self.tenant(action, tail);
                Route::Audit(stmt)
            }
            S::Survey(survey) => match &survey.scope {
                crate::ast::SurveyScope::Tenant => {
                    let (action, tail) = super::audit::tenant_action(stmt);
                    self.tenant(action, tail);
                    Route::Audit(stmt)
                }
                // The survey of a project shows every member's grants: what `show grants for
                // <other>` needs there.
                crate::ast::SurveyScope::Project(p) => {
                    let name = canonical_name(p);
                    let project = txn
                        .project(&name)?
                        .ok_or_else(|| messages::project_missing(&name))?;
                    self.enter(project);
                    self.checks.push(show_grants_check(&name));
                    Route::Audit(stmt)
                }
                crate::ast::SurveyScope::Current => {
                    let name = ctx.project.ok_or_else(messages::no_project_selected)?;
                    let project = crate::authz::Snapshot::reusing(txn, ctx.records)
                        .project(name)?
                        .ok_or_else(|| crate::authz::project_not_found(name))?;
                    self.checks.push(Check::Enter(project.clone()));
                    self.checks.push(show_grants_check(name));
                    Route::Audit(stmt)
                }
            },
            // The session runs these itself (`Session::execute`): they change it, not the
            // catalog.
            S::Use { .. }
            | S::Login { .. }
            | S::CreateAccessKey { .. }
            | S::ListAccessKeys { .. }
            | S::DropAccessKey { .. } => return Err(messages::misrouted(stmt)),
            S::Explain(e) if ctx.project.is_none() => match self.explain(e)? {
                InProject::Explain { stmt, principal } => Route::Explain { stmt, principal },
                _ => return Err(messages::misrouted(stmt)),
            },
            S::Check(e) if ctx.project.is_none() => match self.explain(e)? {
                InProject::Explain { stmt, principal } => Route::Check { stmt, principal },
                _ => return Err(messages::misrouted(stmt)),
            },
            S::Snapshot(s) => {
                let action = match s {
                    crate::ast::SnapshotStmt::Save(_) => Action::SaveSnapshot,
                    crate::ast::SnapshotStmt::Restore(_) => Action::RestoreSnapshot,
                    crate::ast::SnapshotStmt::List => Action::ListSnapshots,
                };
                self.tenant(action, "snapshots");
                Route::Snapshot(s)
            }
            _ => {
                let name = ctx.project.ok_or_else(messages::no_project_selected)?;
                // Through the session's record cache: every statement of a session enters
                // its current project, and decoding the record each time would cost more
                // than the rest of binding.
                let project = crate::authz::Snapshot::reusing(txn, ctx.records)
                    .project(name)?
                    .ok_or_else(|| crate::authz::project_not_found(name))?;
                self.checks.push(Check::Enter(project.clone()));
                let route = self.in_project(&project, stmt)?;
                Route::InProject(project, route)
            }
        })
    }

    /// `add|remove tenant role <r> to|from project <p>`: the project owner or the tenant
    /// account, and either way someone who may add users to `p` (Admin or better there, its
    /// gates included), since every holder of the role becomes a member of `p`.
    fn tenant_role_to_project<'s>(
        &mut self,
        role: &str,
        project: &str,
        add: bool,
    ) -> Result<Route<'s>> {
        let ctx = self.ctx;
        let project_name = canonical_name(project);
        let p = self
            .txn
            .project(&project_name)?
            .ok_or_else(|| messages::project_missing(&project_name))?;
        let action = if add {
            Action::AddTenantRole
        } else {
            Action::RemoveTenantRole
        };
        if ctx.user != super::TENANT_ACCOUNT && ctx.user != p.owner {
            return Err(messages::no_management_privilege(
                action.name(),
                &Managed::Roles.path(&project_name),
            ));
        }
        self.require(
            &p,
            Need::Admin,
            Mgmt::new(action, &project_name, Managed::Roles),
        );
        Ok(Route::TenantRoleToProject {
            role: canonical_name(role),
            project: project_name,
            add,
        })
    }

    /// A tenant role's table grant reaches the table's project like a project-level grant on
    /// it, so it is authorized there as one: that project's gates, then Admin or better — the
    /// tenant account has no standing in a project of another account by itself. A revoke on
    /// a project that no longer exists only cleans up the role.
    fn tenant_table_grant<'s>(
        &mut self,
        privileges: &'s [Privilege],
        object: &GrantObject,
        grantees: &[Principal],
        grant: bool,
    ) -> Result<Route<'s>> {
        let action = if grant {
            Action::GrantPrivilege
        } else {
            Action::RevokePrivilege
        };
        self.tenant(action, "roles");
        if object.kind != crate::ast::ObjectType::Table
            || grantees.iter().any(|g| g.kind != PrincipalKind::TenantRole)
        {
            return Err(messages::tenant_grant_kind());
        }
        let project = match (&object.name.project, self.ctx.project) {
            (Some(p), _) => canonical_name(p),
            (None, Some(p)) => p.to_string(),
            (None, None) => return Err(messages::no_project_selected()),
        };
        let table = canonical_name(&object.name.name);
        match self.txn.project(&project)? {
            Some(p) => {
                let resource = super::object_path(
                    &project,
                    &ObjectRef {
                        kind: ObjectType::Table,
                        name: table.clone(),
                    },
                );
                self.require(&p, Need::Admin, Mgmt { action, resource });
            }
            None if grant => return Err(messages::object_missing("table", &project, &table)),
            None => {}
        }
        Ok(Route::TenantTableGrant {
            privileges,
            project,
            table,
            roles: grantees.iter().map(|g| canonical_name(&g.name)).collect(),
            grant,
        })
    }

    /// A statement of the current project `p`, after the check that enters it.
    fn in_project<'s>(&mut self, p: &Project, stmt: &'s Statement) -> Result<InProject<'s>> {
        use InProject as R;
        use Statement as S;
        let ctx = self.ctx;
        let txn = self.txn;
        let name = p.name.as_str();
        Ok(match stmt {
            // users
            S::AddUser { principal, comment } => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::AddUser, name, Managed::Users),
                );
                R::AddUser {
                    name: user_name(principal, ctx.user)?,
                    comment: comment.as_deref(),
                }
            }
            S::RemoveUser { principal } => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::RemoveUser, name, Managed::Users),
                );
                R::RemoveUser(user_name(principal, ctx.user)?)
            }
            S::ListUsers => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::ListUsers, name, Managed::Users),
                );
                R::ListUsers
            }
            S::AddAccountProvider { provider } | S::RemoveAccountProvider { provider } => {
                let add = matches!(stmt, S::AddAccountProvider { .. });
                let action = if add {
                    Action::AddAccountProvider
                } else {
                    Action::RemoveAccountProvider
                };
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    Mgmt::new(action, name, Managed::Authorization),
                );
                R::AccountProvider { provider, add }
            }
            S::ListAccountProviders => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::ListAccountProviders, name, Managed::Authorization),
                );
                R::ListAccountProviders
            }
            // roles
            S::CreateRole {
                name: role,
                properties,
                ..
            } => {
                let role = canonical_name(role);
                let mut role_type = RoleType::Resource;
                for (k, v) in properties {
                    if k.eq_ignore_ascii_case("type") {
                        role_type = match v.to_ascii_lowercase().as_str() {
                            "admin" => RoleType::Admin,
                            "resource" => RoleType::Resource,
                            _ => return Err(messages::bad_property(k, v)),
                        };
                    }
                }
                // Only the owner or a Super_Administrator creates admin-type roles (§2.2).
                let need = if role_type == RoleType::Admin {
                    Need::OwnerOrSuperAdmin
                } else {
                    Need::Admin
                };
                self.require(p, need, role_mgmt(Action::CreateRole, name, &role));
                R::CreateRole {
                    name: role,
                    role_type,
                }
            }
            S::DropRole { name: role, .. } => {
                let role = canonical_name(role);
                self.require(p, Need::Admin, role_mgmt(Action::DropRole, name, &role));
                // The role's type decides whether a second, stricter check follows.
                let stored = super::existing_role(txn, name, &role)?;
                if stored.builtin {
                    return Err(messages::builtin_role(&role));
                }
                if stored.role_type == RoleType::Admin {
                    self.require(
                        p,
                        Need::OwnerOrSuperAdmin,
                        role_mgmt(Action::DropRole, name, &role),
                    );
                }
                R::DropRole(role)
            }
            S::DescribeRole { name: role, .. } => {
                let role = canonical_name(role);
                self.require(p, Need::Admin, role_mgmt(Action::DescribeRole, name, &role));
                R::DescribeRole(role)
            }
            S::ListRoles { .. } => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::ListRoles, name, Managed::Roles),
                );
                R::ListRoles
            }
            S::GrantRoles(g) => self.role_grant(p, g, true)?,
            S::RevokeRoles(g) => self.role_grant(p, g, false)?,
            S::ShowPrincipals { role, .. } => {
                let role = canonical_name(role);
                self.require(
                    p,
                    Need::Admin,
                    role_mgmt(Action::ListRolePrincipals, name, &role),
                );
                R::ShowPrincipals(role)
            }
            S::ShowRoleGrant { principal } => {
                let user = user_name(principal, ctx.user)?;
                if user != ctx.user {
                    self.require(
                        p,
                        Need::Admin,
                        Mgmt::new(Action::ListUserRoles, name, Managed::Users),
                    );
                }
                R::ShowRoleGrant(user)
            }
            // groups of the project
            S::AddGroup { name: group, .. } | S::RemoveGroup { name: group, .. } => {
                let add = matches!(stmt, S::AddGroup { .. });
                let action = if add {
                    Action::AddGroup
                } else {
                    Action::RemoveGroup
                };
                self.require(p, Need::Admin, Mgmt::new(action, name, Managed::Groups));
                let group = canonical_name(group);
                if add {
                    R::AddGroup(group)
                } else {
                    R::RemoveGroup(group)
                }
            }
            S::ListGroups { user, .. } => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::ListGroups, name, Managed::Groups),
                );
                R::ListGroups(user.as_ref().map(|u| user_name(u, ctx.user)).transpose()?)
            }
            // grants and ACL listings
            S::ShowGrants(s) => self.show_grants(p, s)?,
            S::Grant(g) => self.grant(p, g)?,
            S::Revoke(r) => self.revoke(p, r)?,
            S::GrantSuper {
                privileges,
                grantees,
            }
            | S::RevokeSuper {
                privileges,
                grantees,
            } => {
                let grant = matches!(stmt, S::GrantSuper { .. });
                let action = if grant {
                    Action::GrantPrivilege
                } else {
                    Action::RevokePrivilege
                };
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    Mgmt::new(action, name, Managed::Authorization),
                );
                R::SuperPrivileges {
                    privileges,
                    grantees,
                    grant,
                }
            }
            S::ShowAcl { object, on_type } => {
                let kind = on_type.map(ObjectType::from).unwrap_or(ObjectType::Table);
                let target = self.target(p, kind, object, None, true)?;
                let creator_may = target.project.settings.object_creator_has_access_permission
                    && target.creator.as_deref() == Some(ctx.user);
                if !creator_may {
                    let resource = super::object_path(&target.project.name, &target.object);
                    self.require(
                        &target.project,
                        Need::Admin,
                        Mgmt {
                            action: Action::ShowAcl,
                            resource,
                        },
                    );
                }
                R::ShowAcl(target)
            }
            S::PurgePrivs { principals } => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::RevokePrivilege, name, Managed::Users),
                );
                R::PurgePrivs(principals)
            }
            S::ClearExpiredGrants => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::ClearExpiredGrants, name, Managed::Authorization),
                );
                R::ClearExpiredGrants
            }
            // policies
            S::GetPolicy { role: None, .. } => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::GetPolicy, name, Managed::Policy),
                );
                R::GetPolicy(None)
            }
            S::GetPolicy { role: Some(r), .. } => {
                let r = canonical_name(r);
                super::existing_role(txn, name, &r)?;
                self.require(p, Need::Admin, role_mgmt(Action::GetRolePolicy, name, &r));
                R::GetPolicy(Some(r))
            }
            S::PutPolicy {
                file, role: None, ..
            } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    Mgmt::new(Action::SetPolicy, name, Managed::Policy),
                );
                R::PutPolicy { file, role: None }
            }
            S::PutPolicy {
                file,
                role: Some(r),
                ..
            } => {
                let r = canonical_name(r);
                // Admin-type role policies are owner/SA business (§2.3, item 4).
                let need = match super::existing_role(txn, name, &r)?.role_type {
                    RoleType::Admin => Need::OwnerOrSuperAdmin,
                    RoleType::Resource => Need::Admin,
                };
                self.require(p, need, role_mgmt(Action::SetRolePolicy, name, &r));
                R::PutPolicy {
                    file,
                    role: Some(r),
                }
            }
            S::GetSecurityPolicy => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::GetSecurityPolicy, name, Managed::SecurityPolicy),
                );
                R::GetSecurityPolicy
            }
            S::PutSecurityPolicy { file } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    Mgmt::new(Action::SetSecurityPolicy, name, Managed::SecurityPolicy),
                );
                R::PutSecurityPolicy(file)
            }
            // labels
            S::SetLabel(s) => {
                let level = match (s.unset, s.level) {
                    (true, _) => 0,
                    (false, Some(l)) => check_level(l)?,
                    (false, None) => return Err(messages::invalid_label(0)),
                };
                self.require(p, Need::Admin, label_mgmt(Action::SetDataLabel, name));
                R::SetLabel(level, s)
            }
            S::GrantLabel(g) => {
                let level = check_level(g.level)?;
                self.require(p, Need::Admin, label_mgmt(Action::GrantLabel, name));
                R::GrantLabel(level, g)
            }
            S::RevokeLabel(r) => {
                self.require(p, Need::Admin, label_mgmt(Action::RevokeLabel, name));
                R::RevokeLabel(r)
            }
            S::ShowLabelGrants(s) => self.show_label_grants(p, s)?,
            S::DescribeTable { table } => {
                let project = table
                    .project
                    .as_deref()
                    .map(canonical_name)
                    .unwrap_or_else(|| name.to_string());
                let found = super::labels::table_of(txn, p, table)
                    .map_err(|_| messages::no_such_table(&project, &canonical_name(&table.name)))?;
                // Reading a table's metadata is the object action Describe (§3.1), authorized
                // like any other.
                let describe =
                    crate::authz::Resource::object(&project, ObjectType::Table, &found.name);
                let request = super::data::request(
                    ctx,
                    crate::authz::Action::Describe,
                    describe,
                    crate::authz::TaskType::Sql,
                    None,
                );
                self.checks.push(Check::Object(Box::new(request)));
                R::DescribeTable {
                    project,
                    table: found,
                }
            }
            // packages
            S::CreatePackage { name: package } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::CreatePackage, name),
                );
                R::CreatePackage(package)
            }
            S::DropPackage { name: package } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::DropPackage, name),
                );
                R::DropPackage(package)
            }
            S::AddToPackage(a) => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::AddPackageResource, name),
                );
                R::AddToPackage(a)
            }
            S::RemoveFromPackage {
                kind,
                object,
                package,
            } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::RemovePackageResource, name),
                );
                R::RemoveFromPackage {
                    kind: ObjectType::from(*kind),
                    object,
                    package,
                }
            }
            S::AllowInstall(a) => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::AllowInstallPackage, name),
                );
                R::AllowInstall(a)
            }
            S::DisallowInstall { project, package } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::DisallowInstallPackage, name),
                );
                R::DisallowInstall { project, package }
            }
            S::InstallPackage { project, package } => {
                self.require(p, Need::Admin, pkg_mgmt(Action::InstallPackage, name));
                let source = canonical_name(project);
                if source == name {
                    return Err(messages::own_package(name));
                }
                self.provider(&source)?;
                R::InstallPackage {
                    source,
                    package: canonical_name(package),
                }
            }
            S::UninstallPackage { project, package } => {
                self.require(p, Need::Admin, pkg_mgmt(Action::UninstallPackage, name));
                R::UninstallPackage {
                    source: project,
                    package,
                }
            }
            S::ShowPackages { .. } => {
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    pkg_mgmt(Action::ShowPackages, name),
                );
                R::ShowPackages
            }
            S::DescribePackage {
                project,
                name: package,
            } => {
                self.require(p, Need::Admin, pkg_mgmt(Action::DescribePackage, name));
                let source = project
                    .as_deref()
                    .map(canonical_name)
                    .unwrap_or_else(|| name.to_string());
                let package = canonical_name(package);
                if source != name {
                    if txn.installed(name, &source, &package)?.is_none() {
                        return Err(messages::package_not_installed(&source, &package, name));
                    }
                    self.provider(&source)?;
                }
                R::DescribePackage {
                    source,
                    name: package,
                }
            }
            S::ShowPackageItems { project, on_type } => {
                self.require(p, Need::Member, pkg_mgmt(Action::DescribePackage, name));
                let source = project.as_deref().map(canonical_name);
                // Every provider listed is reached; an installation left behind by a dropped
                // provider lists nothing, so only an existing provider is gated.
                for inst in txn.installed_packages(name)? {
                    if source.as_ref().is_some_and(|s| s != &inst.source_project) {
                        continue;
                    }
                    if let Some(provider) = txn.project(&inst.source_project)? {
                        self.checks.push(Check::Provider(Box::new(provider)));
                    }
                }
                R::ShowPackageItems {
                    source,
                    on_type: on_type.map(ObjectType::from),
                }
            }
            // settings
            S::Set(s) => self.set(p, s)?,
            S::SetProject { pairs } => self.setproject(p, pairs)?,
            S::ShowSecurityConfiguration => {
                self.require(
                    p,
                    Need::Admin,
                    config_mgmt(Action::GetSecurityConfiguration, name),
                );
                R::ShowSecurityConfiguration
            }
            S::AddTrustedProject { project } | S::RemoveTrustedProject { project } => {
                let add = matches!(stmt, S::AddTrustedProject { .. });
                let action = if add {
                    Action::AddTrustedProject
                } else {
                    Action::RemoveTrustedProject
                };
                self.require(
                    p,
                    Need::OwnerOrSuperAdmin,
                    Mgmt::new(action, name, Managed::Authorization),
                );
                R::Trusted { project, add }
            }
            S::ListTrustedProjects => {
                self.require(
                    p,
                    Need::Admin,
                    Mgmt::new(Action::ListTrustedProjects, name, Managed::Authorization),
                );
                R::ListTrusted
            }
            S::Explain(e) => self.explain(e)?,
            S::Check(e) => match self.explain(e)? {
                R::Explain { stmt, principal } => R::Check { stmt, principal },
                _ => return Err(messages::misrouted(stmt)),
            },
            S::ShowEffectiveGrants(e) => R::Effective(self.effective(p, e)?),
            S::CreateTable { .. }
            | S::CreateTableAs { .. }
            | S::DropTable { .. }
            | S::InsertValues { .. }
            | S::InsertSelect { .. }
            | S::Select(_)
            | S::TunnelDownload { .. }
            | S::CreateFunction { .. }
            | S::DropFunction { .. }
            | S::AddResource { .. }
            | S::DropResource { .. } => R::Data(stmt),
            // Bound before entering a project: reaching here is a routing mistake, and says so.
            S::CreateProject(_)
            | S::DropProject { .. }
            | S::SetProjectStatus { .. }
            | S::ListProjects
            | S::Whoami
            | S::Use { .. }
            | S::Login { .. }
            | S::CreateAccessKey { .. }
            | S::ListAccessKeys { .. }
            | S::DropAccessKey { .. }
            | S::AddTenantUser { .. }
            | S::RemoveTenantUser { .. }
            | S::ListTenantUsers
            | S::AddTenantRoleToProject { .. }
            | S::RemoveTenantRoleFromProject { .. }
            | S::CreateWorkspace(_)
            | S::Diagnose { .. }
            | S::ShowOutflowPaths { .. }
            | S::Snapshot(_)
            | S::ShowAudit(_)
            | S::Survey(_)
            | S::SetAuditRetention(_)
            | S::DropRamUser { .. } => return Err(messages::misrouted(stmt)),
        })
    }

    /// Granting `admin` is owner-only and `super_administrator` owner-or-SA (§2.3); any other
    /// role needs Admin. Each role is checked, then must exist, before the next one.
    fn role_grant<'s>(
        &mut self,
        p: &Project,
        g: &'s RoleGrantStmt,
        grant: bool,
    ) -> Result<InProject<'s>> {
        let action = if grant {
            Action::GrantRole
        } else {
            Action::RevokeRole
        };
        let roles: Vec<String> = g.roles.iter().map(|r| canonical_name(r)).collect();
        for role in &roles {
            let need = match role.as_str() {
                super::ADMIN => Need::Owner,
                super::SUPER_ADMINISTRATOR => Need::OwnerOrSuperAdmin,
                _ => Need::Admin,
            };
            self.require(p, need, role_mgmt(action, &p.name, role));
            super::existing_role(self.txn, &p.name, role)?;
        }
        Ok(InProject::GrantRoles {
            roles,
            principals: &g.principals,
            grant,
        })
    }

    /// Resolves `on <type> [<p>.]<name>` against the current project `current`. Packages are
    /// installed objects of the current project named `<src>.<pkg>`.
    ///
    /// An object of another project (`prj1.t`, `on project prj1`) is reached only through that
    /// project's gates, listed before the object is looked up so that a refused caller learns
    /// nothing about it. With `must_exist` the object must exist (a table's columns too), and
    /// its creator is read for the creator rules.
    pub(crate) fn target(
        &mut self,
        current: &Project,
        kind: ObjectType,
        name: &ObjectName,
        columns: Option<&Vec<String>>,
        must_exist: bool,
    ) -> Result<Target> {
        let txn = self.txn;
        let (project_name, object_name) = match kind {
            ObjectType::Project => (canonical_name(&name.name), canonical_name(&name.name)),
            ObjectType::Package => {
                let src = name
                    .project
                    .as_deref()
                    .map(canonical_name)
                    .unwrap_or_else(|| current.name.clone());
                (
                    current.name.clone(),
                    format!("{src}.{}", canonical_name(&name.name)),
                )
            }
            _ => (
                name.project
                    .as_deref()
                    .map(canonical_name)
                    .unwrap_or_else(|| current.name.clone()),
                canonical_name(&name.name),
            ),
        };
        let project = if project_name == current.name {
            current.clone()
        } else {
            let other = txn
                .project(&project_name)?
                .ok_or_else(|| messages::project_missing(&project_name))?;
            self.enter(other.clone());
            other
        };
        let object = ObjectRef {
            kind,
            name: object_name.clone(),
        };
        let columns = columns.map(|cs| cs.iter().map(|c| canonical_name(c)).collect::<Vec<_>>());
        let label = grants::kind_label(kind);
        let missing = || messages::object_missing(label, &project.name, &object_name);
        let mut creator = None;
        if must_exist && !object_name.contains('*') {
            match kind {
                ObjectType::Project => {}
                ObjectType::Table => {
                    let table = txn
                        .table(&project.name, &object_name)?
                        .ok_or_else(missing)?;
                    for c in columns.iter().flatten() {
                        if !table.columns.iter().any(|tc| &tc.name == c) {
                            return Err(messages::column_missing(c, &project.name, &object_name));
                        }
                    }
                    creator = Some(table.creator);
                }
                ObjectType::Package => {
                    let (src, pkg) = object_name.split_once('.').unwrap_or(("", &object_name));
                    txn.installed(&project.name, src, pkg)?
                        .ok_or_else(|| messages::package_not_installed(src, pkg, &project.name))?;
                }
                other => {
                    creator = Some(
                        txn.object(&project.name, other, &object_name)?
                            .ok_or_else(missing)?
                            .creator,
                    )
                }
            }
        }
        Ok(Target {
            project,
            object,
            columns,
            creator,
        })
    }

    /// The grantor rule of §3.1: owner, Super_Administrator, Admin, or the object's creator
    /// while `ObjectCreatorHasGrantPermission=true` — the creator needs no check at all.
    fn grantor(&mut self, target: &Target, action: Action) {
        let creator_may = target.project.settings.object_creator_has_grant_permission
            && target.creator.as_deref() == Some(self.ctx.user);
        if !creator_may {
            let resource = super::object_path(&target.project.name, &target.object);
            self.require(&target.project, Need::Admin, Mgmt { action, resource });
        }
    }

    /// A grant's route: policy mode, an installed package's object, or a plain ACL grant.
    fn grant<'s>(&mut self, p: &Project, g: &'s GrantStmt) -> Result<InProject<'s>> {
        if g.with_grant_option {
            return Err(messages::grant_option_unsupported());
        }
        let parts = (
            g.privileges.as_slice(),
            &g.object,
            g.grantees.as_slice(),
            &g.properties,
        );
        if let Some(route) = self.other_route(p, parts, true)? {
            return Ok(route);
        }
        let target = self.target(
            p,
            ObjectType::from(g.object.kind),
            &g.object.name,
            g.object.columns.as_ref(),
            true,
        )?;
        self.grantor(&target, Action::GrantPrivilege);
        Ok(InProject::Grant(target, g))
    }

    /// A revoke's route, as a grant's; revoking works on dropped objects' leftovers too, so
    /// the object need not exist, but an existing one's creator still counts.
    fn revoke<'s>(&mut self, p: &Project, r: &'s RevokeStmt) -> Result<InProject<'s>> {
        let parts = (
            r.privileges.as_slice(),
            &r.object,
            r.grantees.as_slice(),
            &r.properties,
        );
        if let Some(route) = self.other_route(p, parts, false)? {
            return Ok(route);
        }
        let target = self.target(
            p,
            ObjectType::from(r.object.kind),
            &r.object.name,
            r.object.columns.as_ref(),
            false,
        )?;
        let txn = self.txn;
        let creator = match target.object.kind {
            ObjectType::Table => txn
                .table(&target.project.name, &target.object.name)?
                .map(|t| t.creator),
            ObjectType::Project | ObjectType::Package => None,
            k => txn
                .object(&target.project.name, k, &target.object.name)?
                .map(|o| o.creator),
        };
        let target = Target { creator, ..target };
        self.grantor(&target, Action::RevokePrivilege);
        Ok(InProject::Revoke(target, r))
    }

    /// Grants and revokes that are not plain ACL: policy mode (`"policy"="true"`, §4.3) and
    /// objects inside an installed package (`"refobject"="true"`, §7.2). `None` = plain ACL.
    fn other_route<'s>(
        &mut self,
        p: &Project,
        (privileges, object, grantees, props): (
            &'s [Privilege],
            &'s GrantObject,
            &'s [Principal],
            &'s crate::ast::Properties,
        ),
        grant: bool,
    ) -> Result<Option<InProject<'s>>> {
        if grants::flag(props, "policy")? == Some(true) {
            return self
                .policy_grant(p, privileges, object, grantees, props, grant)
                .map(Some);
        }
        if grants::flag(props, "refobject")? == Some(true) {
            return self
                .installed_object_grant(p, privileges, object, grantees, props, grant)
                .map(Some);
        }
        Ok(None)
    }

    /// §4.3: a statement of each grantee role's policy. Roles only; objects need not exist
    /// (wildcards are allowed). Each role must exist and its type decides the check: an
    /// admin-type role's policy is owner/SA business, and it takes no resource grants.
    #[allow(clippy::too_many_arguments)]
    fn policy_grant<'s>(
        &mut self,
        p: &Project,
        privileges: &[Privilege],
        object: &GrantObject,
        grantees: &[Principal],
        props: &crate::ast::Properties,
        grant: bool,
    ) -> Result<InProject<'s>> {
        let allow = match (grants::flag(props, "allow")?, grants::flag(props, "deny")?) {
            (Some(a), _) => a,
            (None, Some(d)) => !d,
            (None, None) => true,
        };
        let effect = if allow { Effect::Allow } else { Effect::Deny };
        let kind = ObjectType::from(object.kind);
        let actions: Vec<String> = privileges
            .iter()
            .map(|pr| {
                crate::policy::canonical_action(&pr.name)
                    .map(str::to_string)
                    .ok_or_else(|| messages::invalid_privilege(&pr.name, grants::kind_label(kind)))
            })
            .collect::<Result<_>>()?;
        let resource = grants::policy_resource(p, object);
        let conditions = match grants::property(props, "conditions") {
            Some(c) => crate::policy::parse_condition_expr(c)?,
            None => Vec::new(),
        };
        let expires = grants::expiry(self.ctx, props)?;
        let mut roles = Vec::with_capacity(grantees.len());
        for principal in grantees {
            if principal.kind != PrincipalKind::Role {
                return Err(messages::policy_grant_needs_role());
            }
            let role_name = canonical_name(&principal.name);
            let role = super::existing_role(self.txn, &p.name, &role_name)?;
            // §2.2: an admin role cannot receive resource permissions, and every object a
            // grant statement can name is a resource; revoking stays possible so leftovers can
            // be cleaned.
            if grant && role.role_type == RoleType::Admin {
                return Err(messages::admin_role_takes_no_acl(&role_name));
            }
            let need = if role.role_type == RoleType::Admin {
                Need::OwnerOrSuperAdmin
            } else {
                Need::Admin
            };
            self.require(
                p,
                need,
                role_mgmt(Action::SetRolePolicy, &p.name, &role_name),
            );
            roles.push(role_name);
        }
        Ok(InProject::PolicyGrant(grants::PolicyGrant {
            roles,
            effect,
            actions,
            resource,
            conditions,
            expires,
            grant,
        }))
    }

    /// §7.2: an object-level grant inside an installed package, checked in the installing
    /// project; the installation must exist, and the provider is reached (its gate) to read
    /// what the package gives.
    #[allow(clippy::too_many_arguments)]
    fn installed_object_grant<'s>(
        &mut self,
        p: &Project,
        privileges: &'s [Privilege],
        object: &GrantObject,
        grantees: &'s [Principal],
        props: &crate::ast::Properties,
        grant: bool,
    ) -> Result<InProject<'s>> {
        let source = grants::property(props, "refproject")
            .map(canonical_name)
            .ok_or_else(|| messages::bad_property("refproject", ""))?;
        let package = grants::property(props, "package")
            .map(canonical_name)
            .ok_or_else(|| messages::bad_property("package", ""))?;
        self.require(
            p,
            Need::Admin,
            Mgmt::new(Action::GrantPrivilege, &p.name, Managed::Packages),
        );
        self.txn
            .installed(&p.name, &source, &package)?
            .ok_or_else(|| messages::package_not_installed(&source, &package, &p.name))?;
        let object_name = canonical_name(&object.name.name);
        self.provider(&source)?;
        Ok(InProject::InstalledObjectGrant(grants::InstalledGrant {
            source,
            package,
            kind: ObjectType::from(object.kind),
            object: object_name,
            privileges,
            grantees,
            grant,
        }))
    }

    /// `show grants`: one's own need no check; another principal's need Admin; the
    /// installed-package form (`"refobject"="true"`) is a listing of the package's ACL.
    fn show_grants<'s>(&mut self, p: &Project, s: &'s ShowGrantsStmt) -> Result<InProject<'s>> {
        let ctx = self.ctx;
        if grants::flag(&s.properties, "refobject")? == Some(true) {
            self.require(
                p,
                Need::Admin,
                Mgmt::new(Action::ShowAcl, &p.name, Managed::Packages),
            );
            let source = grants::property(&s.properties, "refproject")
                .map(canonical_name)
                .ok_or_else(|| messages::bad_property("refproject", ""))?;
            let package = grants::property(&s.properties, "package")
                .map(canonical_name)
                .ok_or_else(|| messages::bad_property("package", ""))?;
            let object = s
                .on_object
                .as_ref()
                .ok_or_else(|| messages::bad_property("refobject", "true"))?;
            return Ok(InProject::ShowInstalledObjectGrants {
                source,
                package,
                kind: ObjectType::from(object.kind),
                name: canonical_name(&object.name.name),
            });
        }
        let grantee = match &s.principal {
            None => Grantee::User(ctx.user.to_string()),
            Some(pr) => grantee_of(pr, ctx.user)?,
        };
        if grantee != Grantee::User(ctx.user.to_string()) {
            self.require(
                p,
                Need::Admin,
                Mgmt::new(Action::ShowGrants, &p.name, Managed::Users),
            );
        }
        let mut filter = grants::Filter {
            kind: s.on_type.map(ObjectType::from),
            object: None,
        };
        if let Some(o) = &s.on_object {
            let t = self.target(p, ObjectType::from(o.kind), &o.name, None, false)?;
            filter.object = Some((t.project.name.clone(), t.object));
        }
        Ok(InProject::ShowGrants { grantee, filter })
    }

    /// `show label grants`: a member may see its own; anything about others needs Admin. The
    /// package form reads the provider's table, so the provider is reached.
    fn show_label_grants<'s>(
        &mut self,
        p: &Project,
        s: &ShowLabelGrantsStmt,
    ) -> Result<InProject<'s>> {
        let ctx = self.ctx;
        let level = s.level.map(check_level).transpose()?;
        let user = s.principal.as_ref().map(|pr| grants::user_of(pr, ctx.user));
        let table = match &s.table {
            Some(t) if s.properties.is_empty() => {
                // Without the package properties the grants listed are this project's own.
                super::labels::own_table_of(self.txn, p, t)?;
                Some(t.clone())
            }
            Some(t) => {
                let mut t = t.clone();
                if t.project.is_none() {
                    if let Some((_, source)) = s
                        .properties
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("refproject"))
                    {
                        t.project = Some(source.clone());
                    }
                }
                Some(t)
            }
            None => None,
        };
        let about_others = match &user {
            Some(u) => u != ctx.user,
            None => table.is_some(),
        };
        if about_others {
            self.require(p, Need::Admin, label_mgmt(Action::ShowLabelGrants, &p.name));
        }
        if let Some(source) = table.as_ref().and_then(|t| t.project.as_deref()) {
            let source = canonical_name(source);
            if source != p.name {
                self.provider(&source)?;
            }
        }
        Ok(InProject::ShowLabelGrants { level, user, table })
    }

    /// `set <key>=<value>`: a security switch is checked as a boolean (odpscmd's text), its
    /// clauses against the key, then the owner/SA check; any other key is a session flag.
    fn set<'s>(&mut self, p: &Project, s: &'s SetStmt) -> Result<InProject<'s>> {
        let key = match super::settings::classify_set_key(&s.key)? {
            super::settings::SetKey::Security(key) => key,
            super::settings::SetKey::SessionFlag => return Ok(InProject::SetFlag),
        };
        let value = match s.value.trim() {
            v if v.eq_ignore_ascii_case("true") => true,
            v if v.eq_ignore_ascii_case("false") => false,
            _ => return Err(messages::set_not_boolean(&s.key)),
        };
        if s.locations.is_some() && !(key == "EXTERNALRESOURCEACCESSCONTROL" && value) {
            return Err(messages::locations_need_control());
        }
        if s.exception_file.is_some() && !(key == "PROJECTPROTECTION" && value) {
            return Err(messages::exception_needs_protection());
        }
        self.require(
            p,
            Need::OwnerOrSuperAdmin,
            config_mgmt(Action::SetSecurityConfiguration, &p.name),
        );
        Ok(InProject::SetSecurity {
            key,
            value,
            stmt: s,
        })
    }

    /// `setproject`: bare, a listing of the security properties (Admin, as `show
    /// SecurityConfiguration`); with pairs, each pair is checked — the whitelists are
    /// owner-only — and its value validated, in the order written.
    fn setproject<'s>(&mut self, p: &Project, pairs: &[(String, String)]) -> Result<InProject<'s>> {
        use super::settings::{DOWNLOAD_PRIVILEGE, IP_WHITELIST, VPC_WHITELIST};
        let name = p.name.as_str();
        if pairs.is_empty() {
            self.require(
                p,
                Need::Admin,
                config_mgmt(Action::GetSecurityConfiguration, name),
            );
            return Ok(InProject::ListProperties);
        }
        let mut bound = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim().trim_matches('"').to_string();
            let clear = value.is_empty() || value == "\\N";
            match key.as_str() {
                IP_WHITELIST | VPC_WHITELIST => {
                    self.require(
                        p,
                        Need::Owner,
                        config_mgmt(Action::SetSecurityConfiguration, name),
                    );
                    if !clear {
                        if key == IP_WHITELIST {
                            super::settings::check_ip_whitelist(&value)?;
                        } else {
                            super::settings::check_vpc_whitelist(&value)?;
                        }
                    }
                }
                DOWNLOAD_PRIVILEGE => {
                    self.require(
                        p,
                        Need::OwnerOrSuperAdmin,
                        config_mgmt(Action::SetSecurityConfiguration, name),
                    );
                    if !clear
                        && !value.eq_ignore_ascii_case("true")
                        && !value.eq_ignore_ascii_case("false")
                    {
                        return Err(messages::setproject_not_boolean(&key));
                    }
                }
                crate::authz::management::STATUS_PROPERTY => {
                    return Err(messages::reserved_property(&key));
                }
                _ => {
                    super::settings::check_general_property(&key)?;
                    self.require(
                        p,
                        Need::OwnerOrSuperAdmin,
                        Mgmt::new(Action::SetProjectProperty, name, Managed::Authorization),
                    )
                }
            }
            bound.push((key, value));
        }
        Ok(InProject::SetProperties(bound))
    }

    /// `explain [for <user>]`: the explained principal must be a user. Explaining another
    /// principal's request needs what `show grants for <p>` needs — Admin or better — here in
    /// the current project; the projects its checks read are checked by `explain` itself, as
    /// they are known only once the explained statement has been run.
    pub(crate) fn explain<'s>(&mut self, e: &'s ExplainStmt) -> Result<InProject<'s>> {
        let ctx = self.ctx;
        let principal = match &e.principal {
            Some(pr) if pr.kind == PrincipalKind::User => super::resolve_user(&pr.name, ctx.user),
            Some(pr) => {
                let kind = match pr.kind {
                    PrincipalKind::Role => "role",
                    PrincipalKind::TenantRole => "tenant role",
                    PrincipalKind::TenantUser => "tenant user",
                    PrincipalKind::Group | PrincipalKind::TenantGroup => "group",
                    PrincipalKind::User => "user",
                };
                return Err(crate::error::Error::invalid(format!(
                    "explain for needs a user principal, not {kind} {}",
                    pr.name
                )));
            }
            None => ctx.user.to_string(),
        };
        match (principal != ctx.user, ctx.project) {
            (true, Some(current)) => {
                // A missing project is reported by the explained statement's own checks.
                if self.txn.project(current)?.is_some() {
                    self.checks.push(show_grants_check(current));
                }
            }
            // Outside any project, what another principal may do is the tenant's business:
            // what `show grants for tenant user <p>` needs.
            (true, None) => self.tenant(Action::ShowTenantGrants, "roles"),
            (false, _) => {}
        }
        Ok(InProject::Explain { stmt: e, principal })
    }
}

/// Binds an `explain` statement on its own, for callers that run it outside `dispatch` in a
/// project they have already entered: its checks, and the explained principal.
pub fn bind_explain(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    e: &ExplainStmt,
) -> (Vec<Check>, Result<String>) {
    let mut binder = Binder {
        ctx,
        txn,
        checks: Vec::with_capacity(4),
    };
    let principal = binder.explain(e).and_then(|route| match route {
        InProject::Explain { principal, .. } => Ok(principal),
        _ => Err(messages::misrouted(&Statement::Explain(e.clone()))),
    });
    (binder.checks, principal)
}

/// What `show grants for <other>` needs in `project`: Admin or better.
pub(crate) fn show_grants_check(project: &str) -> Check {
    Check::Management {
        project: project.to_string(),
        need: Need::Admin,
        mgmt: Mgmt::new(Action::ShowGrants, project, Managed::Users),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::exec::{LocalFiles, Session, SessionOptions};

    fn tenant() -> Session {
        let mut s = Session::new(
            Catalog::memory(),
            SessionOptions {
                user: "ALIYUN$owner".into(),
                source_ip: "127.0.0.1".into(),
                now: Some(1_767_225_600),
            },
        );
        for sql in [
            "create project prj1",
            "create project prj2",
            "use prj2",
            "create table t (c string)",
            "use prj1",
        ] {
            let stmt = crate::parser::parse_statement(sql, "<test>", 1, 1).expect(sql);
            s.execute(&stmt).expect(sql);
        }
        s
    }

    /// The checks `sql` binds to, run in prj1 by `RAM$owner:alice` (binding authorizes nothing,
    /// so she need not be a member), and whether its route bound.
    fn checks_of(s: &Session, sql: &str) -> (Vec<String>, bool) {
        let stmt = crate::parser::parse_statement(sql, "<test>", 1, 1).expect(sql);
        let ctx = ExecContext {
            user: "RAM$owner:alice",
            project: s.project(),
            source_ip: "127.0.0.1",
            now: 1_767_225_600,
            records: None,
            files: &LocalFiles,
            checks: None,
            audit: None,
        };
        let txn = s.catalog().begin();
        let plan = bind(&ctx, &txn, &stmt);
        let shown = plan
            .checks
            .iter()
            .map(|c| match c {
                Check::Enter(p) => format!("enter {}", p.name),
                Check::Management { need, mgmt, .. } => {
                    format!(
                        "{} on {} needing {need:?}",
                        mgmt.action.name(),
                        mgmt.resource
                    )
                }
                Check::Tenant { action, .. } => format!("tenant {}", action.name()),
                Check::Provider(p) => format!("provider {}", p.name),
                Check::Object(r) => format!("object {}", r.action),
            })
            .collect();
        (shown, plan.route.is_ok())
    }

    #[test]
    fn a_grant_on_another_projects_table_enters_it_before_the_grantor_check() {
        let s = tenant();
        let (checks, bound) = checks_of(&s, "grant Select on table prj2.t to user RAM$bob");
        assert_eq!(
            checks,
            [
                "enter prj1",
                "enter prj2",
                "GrantPrivilege on projects/prj2/tables/t needing Admin",
            ]
        );
        assert!(bound);
    }

    #[test]
    fn the_creator_may_grant_without_a_check_while_creators_may_grant() {
        // The owner created prj2.t, and ObjectCreatorHasGrantPermission is on by default.
        let s = tenant();
        let stmt = crate::parser::parse_statement(
            "grant Select on table prj2.t to user RAM$bob",
            "<test>",
            1,
            1,
        )
        .expect("grant");
        let ctx = ExecContext {
            user: s.user(),
            project: s.project(),
            source_ip: "127.0.0.1",
            now: 1_767_225_600,
            records: None,
            files: &LocalFiles,
            checks: None,
            audit: None,
        };
        let txn = s.catalog().begin();
        let plan = bind(&ctx, &txn, &stmt);
        assert_eq!(plan.checks.len(), 2, "{:?}", plan.checks);
        assert!(plan.route.is_ok());
    }

    #[test]
    fn a_missing_object_ends_binding_after_the_checks_before_it() {
        let s = tenant();
        let (checks, bound) = checks_of(&s, "grant Select on table prj2.nope to user RAM$bob");
        assert_eq!(checks, ["enter prj1", "enter prj2"]);
        assert!(!bound);
    }

    #[test]
    fn role_grants_need_what_the_role_is() {
        let s = tenant();
        let (checks, bound) = checks_of(&s, "grant admin, super_administrator to RAM$bob");
        assert_eq!(
            checks,
            [
                "enter prj1",
                "GrantRole on projects/prj1/authorization/roles/resource/admin needing Owner",
                "GrantRole on projects/prj1/authorization/roles/resource/super_administrator \
                 needing OwnerOrSuperAdmin",
            ]
        );
        assert!(bound);
    }

    #[test]
    fn use_and_login_are_misrouted_here() {
        let s = tenant();
        let (checks, bound) = checks_of(&s, "use prj2");
        assert!(checks.is_empty());
        assert!(!bound);
    }
}
