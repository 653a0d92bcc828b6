//! The security diagnosis: `diagnose [project <p> | tenant] [min risk low|medium|high];`.
//!
//! Walk `diagnose tenant;` run by `ALIYUN$owner`. `bind` makes it a tenant request
//! (`DiagnoseTenant`, the tenant account only); `diagnose project prj1` instead enters prj1 and
//! needs Admin or better there (what `show SecurityConfiguration` needs), and bare `diagnose`
//! is the current project, or the tenant when there is none. [`run`] reads the projects once
//! into a [`Tenant`] — each project's record, users, roles, tables, ACL and label grants,
//! packages, the installations of packages everywhere and the DataWorks workspaces — and hands
//! it to every check of the registry (`checks`, one file per check, each declared once there
//! with its id, risk level and title, as Cedar's linter declares its lints). A check pushes
//! what it found on one object, why it matters and the statements that fix it; the registry
//! adds the id, level and title, so a check cannot disagree with its declaration. Findings below
//! `min risk` are dropped, the rest sorted (highest risk first, then id, then object) into a
//! [`Diagnosis`], which renders as text or JSON. Nothing is written.
//!
//! Fixes are statements ready to paste, opening with `use <project>;` so that they run from
//! anywhere; `tests/diagnose_golden.rs` runs every one and diagnoses again.

mod checks;

pub use super::plan::Scope;
pub use super::result::{Diagnosis, Finding};
use super::{ExecContext, StatementResult};
use crate::ast::RiskLevel;
use crate::catalog::model::{
    AclGrants, Grantee, InstalledPackage, LabelGrants, ObjectRef, Package, Project, Role, Table,
    User, Workspace,
};
use crate::catalog::Txn;
use crate::error::Result;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use checks::{CheckInfo, CHECKS};

/// One project as the checks read it.
pub struct ProjectView {
    pub project: Arc<Project>,
    pub users: Vec<User>,
    pub roles: Vec<Role>,
    pub tables: Vec<Table>,
    pub acl: Vec<(ObjectRef, Grantee, AclGrants)>,
    pub label_grants: Vec<(String, Grantee, LabelGrants)>,
    pub packages: Vec<Package>,
    /// The added users' principals, for membership questions over many grants.
    members: std::collections::HashSet<String>,
}

impl ProjectView {
    pub fn name(&self) -> &str {
        &self.project.name
    }

    /// Whether `principal` is the owner or an added user.
    pub fn is_member(&self, principal: &str) -> bool {
        self.project.owner == principal || self.members.contains(principal)
    }

    /// The users holding `role`, in name order.
    pub fn holders(&self, role: &str) -> Vec<&User> {
        self.users
            .iter()
            .filter(|u| u.roles.iter().any(|r| r == role))
            .collect()
    }

    /// Whether any table or column carries a sensitivity label.
    pub fn labelled_columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for t in &self.tables {
            for c in &t.columns {
                let level = c.label.unwrap_or(t.label);
                if level > 0 {
                    out.push(format!("{}.{} L{level}", t.name, c.name));
                }
            }
        }
        out
    }
}

/// What every check reads: the diagnosed projects, the whole tenant's projects (a trusted
/// project or a package's installer may lie outside the diagnosed scope), the installations
/// of packages and the workspaces, plus the caller's clock and address for the checks that ask
/// the authorizer what someone could do.
pub struct Tenant<'t, 'c> {
    pub txn: &'t Txn<'c>,
    pub now: i64,
    pub source_ip: String,
    pub projects: Vec<ProjectView>,
    pub all_projects: BTreeMap<String, Arc<Project>>,
    /// `(installing project, installation)` for every package installed anywhere.
    pub installations: Vec<(String, InstalledPackage)>,
    pub workspaces: Vec<Workspace>,
    /// The authorizer's view of the catalog, shared by every question a check asks, so that
    /// each record is decoded once.
    snapshot: crate::authz::Snapshot<'t, 'c>,
}

impl Tenant<'_, '_> {
    /// Reads what the checks need: `only` one project, else all of them.
    pub fn load<'t, 'c>(
        txn: &'t Txn<'c>,
        ctx: &ExecContext<'_>,
        only: Option<&Project>,
    ) -> Result<Tenant<'t, 'c>> {
        let all: Vec<Project> = txn.projects()?;
        let mut installations = Vec::new();
        for p in &all {
            for i in txn.installed_packages(&p.name)? {
                installations.push((p.name.clone(), i));
            }
        }
        let all_projects: BTreeMap<String, Arc<Project>> = all
            .into_iter()
            .map(|p| (p.name.clone(), Arc::new(p)))
            .collect();
        let scoped: Vec<Arc<Project>> = match only {
            Some(p) => vec![Arc::new(p.clone())],
            None => all_projects.values().cloned().collect(),
        };
        let mut projects = Vec::with_capacity(scoped.len());
        for project in scoped {
            let name = project.name.clone();
            let users = txn.users(&name)?;
            projects.push(ProjectView {
                members: users.iter().map(|u| u.principal.clone()).collect(),
                users,
                roles: txn.roles(&name)?,
                tables: txn.tables(&name)?,
                acl: txn.all_acl(&name)?,
                label_grants: txn.all_label_grants(&name)?,
                packages: txn.packages(&name)?,
                project,
            });
        }
        Ok(Tenant {
            txn,
            now: ctx.now,
            source_ip: ctx.source_ip.to_string(),
            projects,
            all_projects,
            installations,
            workspaces: txn.workspaces()?,
            snapshot: crate::authz::Snapshot::new(txn),
        })
    }

    /// The diagnosed view of `project`, if it is in scope.
    pub fn view(&self, project: &str) -> Option<&ProjectView> {
        self.projects.iter().find(|p| p.name() == project)
    }

    /// Asks the authorizer whether `principal` may do `action` on `resource` from the caller's
    /// address now, as a SQL job of `resource`'s project.
    pub fn allowed(
        &self,
        principal: &str,
        action: crate::authz::Action,
        resource: crate::authz::Resource,
    ) -> crate::authz::Response {
        let request = crate::authz::Request {
            principal: principal.to_string(),
            source_ip: self.source_ip.clone(),
            current_project: Some(resource.project.clone()),
            action,
            resource,
            task_type: crate::authz::TaskType::Sql,
            outflow: None,
            now: self.now,
        };
        crate::authz::authorize_in(&request, &self.snapshot)
    }
}

/// What a check reports on one object; the registry adds its id, level and title.
pub struct Report {
    pub object: String,
    pub found: String,
    pub why: String,
    pub fix: Vec<String>,
}

/// Runs every check over the scope and keeps the findings at or above `min_risk`.
pub fn diagnose(tenant: &Tenant<'_, '_>, min_risk: RiskLevel) -> Vec<Finding> {
    let mut findings = Vec::new();
    for check in CHECKS.iter().filter(|c| c.risk >= min_risk) {
        let mut reports = Vec::new();
        (check.run)(tenant, &mut reports);
        findings.extend(reports.into_iter().map(|r| Finding {
            id: check.id,
            risk: check.risk,
            title: check.title,
            object: r.object,
            found: r.found,
            why: r.why,
            fix: r.fix,
        }));
    }
    findings.sort_by(|a, b| {
        b.risk
            .cmp(&a.risk)
            .then_with(|| a.id.cmp(b.id))
            .then_with(|| a.object.cmp(&b.object))
    });
    findings
}

pub fn run(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    scope: &Scope,
    min_risk: RiskLevel,
) -> Result<StatementResult> {
    let only = match scope {
        Scope::Project(p) => Some(p.as_ref()),
        Scope::Tenant => None,
    };
    let tenant = Tenant::load(txn, ctx, only)?;
    let findings = diagnose(&tenant, min_risk);
    Ok(StatementResult::Diagnosis(Diagnosis {
        scope: match only {
            Some(p) => format!("project {}", p.name),
            None => "tenant".into(),
        },
        min_risk,
        projects: tenant
            .projects
            .iter()
            .map(|p| p.name().to_string())
            .collect(),
        findings,
    }))
}

/// `use <p>;` then the statements, each ending in `;`.
pub fn fix_in(project: &str, statements: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = vec![format!("use {};", crate::display::Ident(project))];
    out.extend(statements.into_iter().map(|s| format!("{s};")));
    out
}

/// A principal as a statement spells it.
pub fn principal(name: &str) -> String {
    crate::display::principal_name(name)
}

/// A name as a statement spells it.
pub fn ident(name: &str) -> String {
    crate::display::Ident(name).to_string()
}
