//! The executor: runs one `ast::Statement` for the acting principal against the catalog and
//! returns what it produced as a typed [`StatementResult`], which the client renders (`result`,
//! `render`).
//!
//! A front end opens an [`Engine`] over a catalog and a [`Session`] per client (`engine`).
//! Walk `grant Select on table t to user RAM$bob;` through it: [`Session::execute`] opens one
//! catalog transaction and hands the statement to [`dispatch`], which plans, authorizes, then
//! runs it. [`plan::bind`] loads the current project and lists the checks: entering it
//! (whitelist, project status, membership), then — the statement taking the plain ACL route, on
//! a table that must exist — `GrantPrivilege` on `projects/p/tables/t` needing Admin.
//! `access::authorize` asks the authorizer about each check in order (a management request to
//! `authz::management`), and only when all pass does `grants::grant` run: it resolves
//! `RAM$bob` to `RAM$owner:bob` ([`resolve_user`]), checks that the user exists, and adds the
//! entries, returning `StatementResult::Ok` (rendered `OK`, or `{"type": "ok"}` in JSON).
//! Only when the handler returns `Ok` is the transaction committed — and only if no other
//! session's commit since it began wrote what it read (binding's reads included), else the
//! statement is bound and run again; an error drops it, so the catalog is as before. Durability
//! comes later, from [`Session::flush`], so that a batch can commit many statements and flush
//! once.

pub mod access;
pub mod check;
pub mod access_keys;
pub mod audit;
pub mod audit_export;
pub mod data;
pub mod diagnose;
pub mod dump;
pub mod effective;
pub mod engine;
pub mod explain;
pub mod grants;
pub mod labels;
pub mod messages;
pub mod outflow;
pub mod packages;
pub mod plan;
pub mod preview;
pub mod projects;
pub mod render;
pub mod result;
pub mod roles;
pub mod settings;
mod suggestions;
pub mod snapshots;
pub mod summary;
pub mod survey;
pub mod tenant;
pub mod users;
pub mod workspace;

use crate::ast::{PrincipalKind, Statement};
use crate::catalog::model::{Grantee, ObjectRef, ObjectType, Project};
use crate::catalog::{Catalog, Txn};
use crate::error::Result;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use engine::{Engine, Files, LocalFiles};
pub use result::{NameList, StatementResult};

impl std::fmt::Debug for dyn Files + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Files")
    }
}

/// What a statement runs as, handed to every statement handler (management ones in this module
/// tree, data ones in `data`, `explain`). `user` is already resolved to its canonical form
/// (`RAM$alice` → `RAM$owner:alice` for the tenant `ALIYUN$owner`).
#[derive(Debug, Clone)]
pub struct ExecContext<'a> {
    pub user: &'a str,
    pub project: Option<&'a str>,
    pub source_ip: &'a str,
    /// Unix seconds (UTC): `MCSEC_NOW` or the clock.
    pub now: i64,
    /// The session's decoded-record cache for authorization checks (`None`: each statement
    /// decodes afresh). An optimisation only: it never changes a decision (`authz::snapshot`).
    pub records: Option<&'a crate::authz::RecordCache>,
    /// Where the files a statement names are read and written.
    pub files: &'a dyn Files,
    /// Set while a statement runs to be explained: every management check is recorded here
    /// (and the statement's writes are discarded).
    pub checks: Option<&'a access::Recorder>,
    /// What the statement's audit record notes beyond its outcome (rule, rows read and
    /// written); `None` where no record is written (a statement run to be explained).
    pub audit: Option<&'a audit::Note>,
}

/// Kinds of catalog names the shell completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Project,
    User,
    Role,
    Table,
    Package,
}

/// Per-process settings of a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The acting principal as given (`--user`, `$MCSEC_USER`); default `ALIYUN$owner`.
    pub user: String,
    /// `--source-ip`, default `127.0.0.1`.
    pub source_ip: String,
    /// Unix seconds from `MCSEC_NOW`; `None` = the real clock.
    pub now: Option<i64>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            user: TENANT_ACCOUNT.into(),
            source_ip: "127.0.0.1".into(),
            now: None,
        }
    }
}

/// The tenant's Alibaba Cloud account: the default principal and the administrator of
/// tenant-level objects (§2.4).
pub const TENANT_ACCOUNT: &str = "ALIYUN$owner";

/// Optimistic attempts at a statement before it runs holding the commit lock.
const OPTIMISTIC_ATTEMPTS: usize = 3;

pub struct Session {
    engine: Arc<Engine>,
    files: Arc<dyn Files>,
    options: SessionOptions,
    project: Option<String>,
    /// The project a `login` left because the new principal may not enter it: a later `login`
    /// of a principal who may enters it again (until `use` chooses another).
    left_project: Option<String>,
    /// `set k=v` for keys that are not security switches: odpscmd session flags.
    flags: BTreeMap<String, String>,
    /// Records decoded by authorization checks, kept across statements and brought up to date
    /// with each commit (`authz::snapshot`). In a `Mutex` only so that the session stays
    /// `Sync`; `execute` takes `&mut self` and so reaches it without locking.
    records: std::sync::Mutex<crate::authz::RecordCache>,
}

impl Session {
    /// A session on an engine of its own over `catalog` (one client: the shell, a batch run).
    pub fn new(catalog: Catalog, options: SessionOptions) -> Self {
        Engine::new(catalog).session(options)
    }

    fn on(engine: Arc<Engine>, mut options: SessionOptions, files: Arc<dyn Files>) -> Self {
        options.user = resolve_user(&options.user, TENANT_ACCOUNT);
        Session {
            engine,
            files,
            options,
            project: None,
            left_project: None,
            flags: BTreeMap::new(),
            records: Default::default(),
        }
    }

    pub fn user(&self) -> &str {
        &self.options.user
    }

    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    pub fn catalog(&self) -> &Catalog {
        self.engine.catalog()
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Session flags set with `set k=v` (keys as written, values as given).
    pub fn flags(&self) -> &BTreeMap<String, String> {
        &self.flags
    }

    /// Unix seconds: `MCSEC_NOW` when given, else the system clock.
    pub fn now(&self) -> i64 {
        self.options.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        })
    }

    /// Moves the session's clock (`None`: the real clock), as a scripted test does when it
    /// lets time pass so that a grant expires.
    pub fn set_now(&mut self, now: Option<i64>) {
        self.options.now = now;
    }

    /// Makes `project` current, as `use <p>;` and `--project` do: fails with the access error
    /// (4002 not a member, IP whitelist) when the acting user may not enter it.
    pub fn use_project(&mut self, project: &str) -> Result<()> {
        let name = project.to_ascii_lowercase();
        let txn = self.engine.catalog().begin();
        crate::authz::check_project_access(
            &txn,
            &name,
            &self.options.user,
            &self.options.source_ip,
        )?;
        drop(txn);
        self.project = Some(name);
        self.left_project = None;
        Ok(())
    }

    /// Whether `stmt` would succeed now: it runs on a transaction that is dropped, never
    /// committed. The shell asks its confirmation question only for a statement that would
    /// run (`remove user RAM$ghost` fails at once instead of asking first).
    pub fn rehearse(&mut self, stmt: &Statement) -> Result<()> {
        if matches!(
            stmt,
            Statement::Use { .. }
                | Statement::Login { .. }
                | Statement::CreateAccessKey { .. }
                | Statement::ListAccessKeys { .. }
                | Statement::DropAccessKey { .. }
        ) {
            return Ok(());
        }
        self.in_context(None, |ctx, catalog| {
            let mut txn = catalog.begin();
            dispatch(ctx, &mut txn, stmt).map(|_| ())
        })
    }

    /// Calls `f` with the context statements run in (who, where, when), noting what the audit
    /// record of the statement needs in `audit` when given, and the catalog.
    fn in_context<R>(
        &mut self,
        audit: Option<&audit::Note>,
        f: impl FnOnce(&ExecContext<'_>, &Catalog) -> R,
    ) -> R {
        let now = self.now();
        let records = self
            .records
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let ctx = ExecContext {
            user: &self.options.user,
            project: self.project.as_deref(),
            source_ip: &self.options.source_ip,
            now,
            records: Some(&*records),
            files: self.files.as_ref(),
            checks: None,
            audit,
        };
        f(&ctx, self.engine.catalog())
    }

    /// Leaves the current project, if any: after a failed `use` in a script that goes on, the
    /// statements after it must not land in the project entered before.
    pub fn leave_project(&mut self) {
        self.project = None;
    }

    /// Runs one statement. Its writes are applied atomically when it succeeds (and not at all
    /// when it fails) but are durable only after [`Session::flush`]; its audit record is
    /// committed with them (or alone, when it failed). A failure about a name that does not
    /// exist suggests the nearest one that does (`suggestions`).
    pub fn execute(&mut self, stmt: &Statement) -> Result<StatementResult> {
        self.run_statement(stmt, None)
            .map_err(|e| suggestions::complete(self, e))
    }

    /// [`Session::execute`] for a caller that already holds the statement's canonical text
    /// (`stmt.to_string()`), which the audit record keeps.
    pub fn execute_labelled(&mut self, stmt: &Statement, canonical: &str) -> Result<StatementResult> {
        self.run_statement(stmt, Some(canonical))
            .map_err(|e| suggestions::complete(self, e))
    }

    fn run_statement(&mut self, stmt: &Statement, canonical: Option<&str>) -> Result<StatementResult> {
        // What the session runs itself (`use`, `login`, session flags, access keys) is recorded
        // as the principal and in the project it started with.
        let started_as = (self.options.user.clone(), self.project.clone());
        let session_statement = match stmt {
            Statement::Use { project } => {
                Some(self.use_project(project).map(|()| StatementResult::Ok))
            }
            Statement::Login {
                principal,
                source_ip,
            } => Some(self.login(principal, source_ip.as_deref())),
            Statement::CreateAccessKey { .. }
            | Statement::ListAccessKeys { .. }
            | Statement::DropAccessKey { .. } => Some(access_keys::execute(self, stmt)),
            Statement::Set(set) => match settings::classify_set_key(&set.key) {
                Err(e) => Some(Err(e)),
                Ok(settings::SetKey::SessionFlag) => {
                    self.flags.insert(set.key.clone(), set.value.clone());
                    Some(Ok(StatementResult::SessionFlag {
                        key: set.key.clone(),
                        value: set.value.clone(),
                    }))
                }
                Ok(settings::SetKey::Security(_)) => None,
            },
            _ => None,
        };
        if let Some(out) = session_statement {
            let (user, project) = started_as;
            return self.record_alone(stmt, canonical, out, &user, project.as_deref());
        }
        let note = audit::Note::default();
        // Another session's commit may land while the statement runs; then the statement
        // runs again on the newer catalog (see `engine`), its outcome — success or error —
        // being the one a serial run after that commit gives.
        let out = self.in_context(Some(&note), |ctx, catalog| {
            let origin = audit::Origin {
                time: ctx.now,
                principal: ctx.user,
                source_ip: ctx.source_ip,
                project: ctx.project,
            };
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut txn = if attempt > OPTIMISTIC_ATTEMPTS {
                    catalog.begin_exclusive()
                } else {
                    catalog.begin()
                };
                match dispatch(ctx, &mut txn, stmt) {
                    Ok(out) => {
                        txn.set_audit(audit::entry(&origin, stmt, canonical, Ok(&out), &note));
                        match catalog.commit(txn) {
                            Ok(()) => return Ok(out),
                            Err(crate::Error::Conflict) => {
                                note.clear();
                                continue;
                            }
                            Err(e) => return Err(e),
                        }
                    }
                    Err(_) if txn.conflicts() => {
                        note.clear();
                        continue;
                    }
                    Err(e) => {
                        // The statement's writes are dropped; its record is committed alone,
                        // in a transaction that reads nothing and so cannot conflict.
                        drop(txn);
                        catalog.append_audit(audit::entry(
                            &origin,
                            stmt,
                            canonical,
                            Err(&e),
                            &note,
                        ))?;
                        return Err(e);
                    }
                }
            }
        })?;
        let dropped_current = matches!(stmt, Statement::DropProject { name, .. } if self.project.as_deref() == Some(name.to_ascii_lowercase().as_str()));
        if dropped_current {
            self.project = None;
        }
        Ok(out)
    }

    /// Commits the record of a statement the session ran itself (`use`, `login`, session
    /// flags, access keys), as the principal and in the project it started with.
    fn record_alone(
        &self,
        stmt: &Statement,
        canonical: Option<&str>,
        out: Result<StatementResult>,
        user: &str,
        project: Option<&str>,
    ) -> Result<StatementResult> {
        let origin = audit::Origin {
            time: self.now(),
            principal: user,
            source_ip: &self.options.source_ip,
            project,
        };
        let note = audit::Note::default();
        self.engine
            .catalog()
            .append_audit(audit::entry(&origin, stmt, canonical, out.as_ref(), &note))?;
        out
    }

    /// `login <principal> [from <ip>]`: switch the acting principal (and with `from` the source
    /// address), like re-connecting. The current project is kept when the new principal may
    /// enter it; otherwise it is left — as odpscmd starts without a project it cannot access —
    /// and the result says why. A project left that way is entered again by the next `login`
    /// of a principal who may (logging back in as the owner restores it).
    fn login(
        &mut self,
        principal: &crate::ast::Principal,
        source_ip: Option<&str>,
    ) -> Result<StatementResult> {
        if principal.kind != PrincipalKind::User {
            return Err(messages::not_a_user_principal(&principal.name));
        }
        let user = resolve_user(&principal.name, &self.options.user);
        if !users::well_formed(&user) {
            return Err(messages::invalid_account(&user));
        }
        let ip = source_ip.unwrap_or(&self.options.source_ip).to_string();
        let wanted = self.project.clone().or_else(|| self.left_project.clone());
        let refusal = match &wanted {
            Some(p) => {
                let txn = self.engine.catalog().begin();
                crate::authz::check_project_access(&txn, p, &user, &ip).err()
            }
            None => None,
        };
        self.options.user = user.clone();
        self.options.source_ip = ip;
        match (wanted, refusal) {
            (Some(project), Some(refusal)) => {
                self.project = None;
                self.left_project = Some(project.clone());
                Ok(StatementResult::ProjectLeft {
                    principal: user,
                    project,
                    reason: refusal.to_string(),
                })
            }
            (wanted, _) => {
                self.project = wanted;
                self.left_project = None;
                Ok(StatementResult::Ok)
            }
        }
    }

    pub fn flush(&self) -> Result<()> {
        self.engine.flush()
    }

    /// [`Session::flush`] at the end of a run (see [`Engine::settle`]).
    pub fn settle(&self) -> Result<()> {
        self.engine.settle()
    }

    /// Names for completion in the current project (projects: all).
    pub fn names(&self, kind: NameKind) -> Vec<String> {
        let txn = self.catalog().begin();
        let project = self.project.as_deref();
        let found: Result<Vec<String>> = match (kind, project) {
            (NameKind::Project, _) => txn
                .projects()
                .map(|ps| ps.into_iter().map(|p| p.name).collect()),
            (NameKind::User, Some(p)) => txn
                .users(p)
                .map(|us| us.into_iter().map(|u| u.principal).collect()),
            (NameKind::Role, Some(p)) => txn
                .roles(p)
                .map(|rs| rs.into_iter().map(|r| r.name).collect()),
            (NameKind::Table, Some(p)) => txn
                .tables(p)
                .map(|ts| ts.into_iter().map(|t| t.name).collect()),
            (NameKind::Package, Some(p)) => txn
                .packages(p)
                .map(|ps| ps.into_iter().map(|k| k.name).collect()),
            (_, None) => Ok(Vec::new()),
        };
        found.unwrap_or_default()
    }
}

/// Runs a statement in three steps: [`plan::bind`] turns it into a plan (canonical names, the
/// route, the ordered checks), every check is authorized in order (`access::authorize`, which
/// records it while `explain` runs the statement), and only then does the route's handler run.
/// The first refusal is the statement's error; an error binding stopped at is raised only once
/// the checks listed before it have passed.
pub fn dispatch(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &Statement,
) -> Result<StatementResult> {
    let plan = plan::bind(ctx, txn, stmt);
    for check in &plan.checks {
        access::authorize(ctx, txn, check)?;
    }
    run(ctx, txn, plan.route?)
}

/// Hands a bound route to its family's handler.
fn run(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    route: plan::Route<'_>,
) -> Result<StatementResult> {
    use plan::Route as R;
    match route {
        R::CreateProject(c) => projects::create(ctx, txn, c),
        R::DropProject(p) => projects::drop(txn, &p),
        R::Nothing => Ok(StatementResult::Ok),
        R::SetProjectStatus(p, status) => projects::set_status(txn, p, status),
        R::ListProjects => projects::list(txn),
        R::Explain { stmt, principal } => explain::run(ctx, txn, stmt, principal),
        R::Check { stmt, principal } => check::run(ctx, txn, stmt, principal),
        R::Snapshot(s) => snapshots::run(ctx, txn, s),
        R::Whoami => users::whoami(ctx),
        R::Audit(Statement::Survey(s)) => survey::run(ctx, txn, s),
        R::Audit(stmt) => audit::run(ctx, txn, stmt),
        R::AddTenantUser(name) => tenant::add_user(ctx, txn, name),
        R::RemoveTenantUser(name) => tenant::remove_user(txn, &name),
        R::ListTenantUsers => tenant::list_users(txn),
        R::CreateTenantRole(name) => tenant::create_role(txn, name),
        R::DropTenantRole(name) => tenant::drop_role(txn, &name),
        R::DescribeTenantRole(name) => tenant::describe_role(txn, &name),
        R::ListTenantRoles => tenant::list_roles(txn),
        R::GrantTenantRoles {
            roles,
            users,
            grant,
        } => tenant::grant_roles(txn, &roles, &users, grant),
        R::ShowTenantPrincipals(role) => tenant::show_principals(txn, &role),
        R::AddTenantGroup(name) => tenant::add_group(ctx, txn, name),
        R::RemoveTenantGroup(name) => tenant::remove_group(txn, &name),
        R::ListTenantGroups(user) => tenant::list_groups(txn, user.as_deref()),
        R::GetTenantRolePolicy(role) => tenant::get_policy(txn, &role),
        R::PutTenantRolePolicy { file, role } => tenant::put_policy(ctx, txn, file, &role),
        R::TenantRoleToProject { role, project, add } => {
            tenant::role_to_project(txn, &role, project, add)
        }
        R::TenantTableGrant {
            privileges,
            project,
            table,
            roles,
            grant,
        } => tenant::grant_table(txn, privileges, &project, &table, &roles, grant),
        R::ShowTenantRoleGrants(role) => tenant::show_role_grants(txn, &role),
        R::ShowTenantUserGrants(user) => tenant::show_user_grants(txn, user),
        R::InProject(project, route) => run_in_project(ctx, txn, &project, route),
        R::CreateWorkspace(w) => workspace::create(ctx, txn, w),
        R::Diagnose(scope, min_risk) => diagnose::run(ctx, txn, &scope, min_risk),
        R::OutflowPaths(project) => outflow::run(ctx, txn, project.as_deref()),
    }
}

/// Hands a bound route of a project statement to its handler, with the entered project.
fn run_in_project(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    p: &Project,
    route: plan::InProject<'_>,
) -> Result<StatementResult> {
    use plan::InProject as R;
    match route {
        R::AddUser { name, comment } => users::add(ctx, txn, p, name, comment),
        R::RemoveUser(name) => users::remove(txn, p, &name),
        R::ListUsers => users::list(txn, p),
        R::AccountProvider { provider, add } => users::account_provider(txn, p, provider, add),
        R::ListAccountProviders => users::list_account_providers(p),
        R::CreateRole { name, role_type } => roles::create(txn, p, name, role_type),
        R::DropRole(name) => roles::drop(txn, p, &name),
        R::DescribeRole(name) => roles::describe(ctx, txn, p, name),
        R::ListRoles => roles::list(txn, p),
        R::GrantRoles {
            roles,
            principals,
            grant,
        } => roles::grant(ctx, txn, p, &roles, principals, grant),
        R::ShowPrincipals(role) => roles::show_principals(txn, p, &role),
        R::ShowRoleGrant(user) => roles::show_role_grant(txn, p, &user),
        R::AddGroup(name) => tenant::project_group(ctx, txn, p, name, true),
        R::RemoveGroup(name) => tenant::project_group(ctx, txn, p, name, false),
        R::ListGroups(user) => tenant::list_project_groups(txn, p, user.as_deref()),
        R::ShowGrants { grantee, filter } => grants::show_grants(ctx, txn, p, grantee, &filter),
        R::ShowInstalledObjectGrants {
            source,
            package,
            kind,
            name,
        } => grants::show_installed_object_grants(txn, p, &source, &package, kind, name),
        R::Grant(target, g) => grants::grant(ctx, txn, &target, g),
        R::Revoke(target, r) => grants::revoke(ctx, txn, &target, r),
        R::PolicyGrant(g) => grants::policy_grant(txn, p, &g),
        R::InstalledObjectGrant(g) => grants::installed_object_grant(ctx, txn, p, &g),
        R::SuperPrivileges {
            privileges,
            grantees,
            grant,
        } => grants::super_privileges(ctx, txn, p, privileges, grantees, grant),
        R::ShowAcl(target) => grants::show_acl(txn, &target),
        R::PurgePrivs(principals) => grants::purge(ctx, txn, p, principals),
        R::ClearExpiredGrants => grants::clear_expired(ctx, txn, p),
        R::GetPolicy(role) => settings::get_policy(txn, p, role.as_deref()),
        R::PutPolicy { file, role } => settings::put_policy(ctx, txn, p, file, role.as_deref()),
        R::GetSecurityPolicy => settings::get_security_policy(p),
        R::PutSecurityPolicy(file) => settings::put_security_policy(ctx, txn, p, file),
        R::SetLabel(level, s) => labels::set_label(ctx, txn, p, level, s),
        R::GrantLabel(level, g) => labels::grant_label(ctx, txn, p, level, g),
        R::RevokeLabel(r) => labels::revoke_label(ctx, txn, p, r),
        R::ShowLabelGrants { level, user, table } => {
            labels::show_label_grants(ctx, txn, p, level, user, table)
        }
        R::DescribeTable { project, table } => labels::describe_table(project, table),
        R::CreatePackage(name) => packages::create(ctx, txn, p, name),
        R::DropPackage(name) => packages::drop(txn, p, name),
        R::AddToPackage(a) => packages::add_object(txn, p, a),
        R::RemoveFromPackage {
            kind,
            object,
            package,
        } => packages::remove_object(txn, p, kind, object, package),
        R::AllowInstall(a) => packages::allow(ctx, txn, p, a),
        R::DisallowInstall { project, package } => packages::disallow(txn, p, project, package),
        R::InstallPackage { source, package } => packages::install(ctx, txn, p, source, package),
        R::UninstallPackage { source, package } => packages::uninstall(txn, p, source, package),
        R::ShowPackages => packages::show(txn, p),
        R::DescribePackage { source, name } => packages::describe(txn, source, &name),
        R::ShowPackageItems { source, on_type } => {
            packages::items(txn, p, source.as_deref(), on_type)
        }
        R::SetSecurity { key, value, stmt } => settings::set(ctx, txn, p, &key, value, stmt),
        R::SetFlag => Ok(StatementResult::Ok),
        R::ListProperties => settings::list_properties(p),
        R::SetProperties(pairs) => settings::setproject(txn, p, pairs),
        R::ShowSecurityConfiguration => settings::show_security_configuration(p),
        R::Trusted { project, add } => settings::trusted(txn, p, project, add),
        R::ListTrusted => settings::list_trusted(p),
        R::Explain { stmt, principal } => explain::run(ctx, txn, stmt, principal),
        R::Check { stmt, principal } => check::run(ctx, txn, stmt, principal),
        R::Effective(query) => effective::run(ctx, txn, query),
        R::Data(stmt) => data::execute(ctx, txn, stmt),
    }
}

/// A statement's object type as the catalog stores it. The two enums are kept apart so that
/// the syntax can change without touching what stored records mean.
impl From<crate::ast::ObjectType> for ObjectType {
    fn from(kind: crate::ast::ObjectType) -> Self {
        use crate::ast::ObjectType as A;
        match kind {
            A::Project => ObjectType::Project,
            A::Table => ObjectType::Table,
            A::Model => ObjectType::Model,
            A::Resource => ObjectType::Resource,
            A::Function => ObjectType::Function,
            A::Instance => ObjectType::Instance,
            A::Package => ObjectType::Package,
            A::Job => ObjectType::Job,
            A::Volume => ObjectType::Volume,
            A::OfflineModel => ObjectType::OfflineModel,
            A::Xflow => ObjectType::Xflow,
        }
    }
}

/// The built-in roles every project has (§2.1).
pub const ADMIN: &str = "admin";
pub const SUPER_ADMINISTRATOR: &str = "super_administrator";

/// The role `name` of `project`, or the §11.4 error for a principal that does not exist.
pub(crate) fn existing_role(
    txn: &Txn<'_>,
    project: &str,
    name: &str,
) -> Result<crate::catalog::model::Role> {
    txn.role(project, name)?
        .ok_or_else(|| messages::principal_missing(name, project))
}

/// The Alibaba Cloud account a principal belongs to: `owner` for `ALIYUN$owner` and
/// `RAM$owner:alice`.
pub fn account_of(principal: &str) -> &str {
    match principal.split_once('$') {
        Some((_, rest)) => rest.split(':').next().unwrap_or(rest),
        None => principal,
    }
}

/// Canonical spelling of a user principal as `caller` means it: provider prefix upper-cased,
/// `RAM$alice` expanded to `RAM$<caller's account>:alice`.
pub fn resolve_user(name: &str, caller: &str) -> String {
    let name = name.trim_matches('`');
    match name.split_once('$') {
        Some((provider, rest)) => {
            // Built with `concat` (one exact allocation): every statement naming a user
            // resolves it, and `format!` grows its string piece by piece.
            if provider.eq_ignore_ascii_case("RAM") && !rest.contains(':') {
                ["RAM$", account_of(caller), ":", rest].concat()
            } else {
                let mut user = provider.to_ascii_uppercase();
                user.reserve_exact(1 + rest.len());
                user.push('$');
                user.push_str(rest);
                user
            }
        }
        None => name.to_string(),
    }
}

/// Lower-cased object/role/project name, as stored.
pub fn canonical_name(name: &str) -> String {
    name.trim_matches('`').to_ascii_lowercase()
}

/// Whether a statement may create a table, function or group of this name. MaxCompute's rule
/// for table names: starts with a letter, only ASCII letters, digits and underscores, at most
/// 128 bytes. A backticked name could otherwise be empty, `*` (the grant wildcard), or carry
/// spaces and control characters into every later listing and message.
pub(crate) fn valid_object_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Column names: MaxCompute also allows Chinese characters in them (and recommends, without
/// requiring, a leading letter), so any letter, digit or underscore, 1 to 128 bytes.
pub(crate) fn valid_column_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Resource names are file names (`udtf.jar`, `deps.tar.gz`): letters, digits, `_`, `.` and
/// `-`, not starting with `.` or `-`, 1 to 128 bytes.
pub(crate) fn valid_resource_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The catalog grantee a statement's principal denotes (users resolved, roles lower-cased).
pub(crate) fn grantee_of(principal: &crate::ast::Principal, caller: &str) -> Result<Grantee> {
    match principal.kind {
        PrincipalKind::User => Ok(Grantee::User(resolve_user(&principal.name, caller))),
        PrincipalKind::Role => Ok(Grantee::Role(canonical_name(&principal.name))),
        PrincipalKind::TenantUser => Err(messages::unsupported_grantee("tenant user")),
        PrincipalKind::TenantRole => Err(messages::unsupported_grantee("tenant role")),
        PrincipalKind::Group | PrincipalKind::TenantGroup => {
            Err(messages::unsupported_grantee("group"))
        }
    }
}

/// `projects/<p>/tables/<t>`, the relative resource path of an object (without `acs:odps:*:`).
pub fn object_path(project: &str, object: &ObjectRef) -> String {
    let segment = match object.kind {
        ObjectType::Project => return format!("projects/{}", object.name),
        ObjectType::Table => "tables",
        ObjectType::Function => "registration/functions",
        ObjectType::Resource => "resources",
        ObjectType::Instance => "instances",
        ObjectType::Package => "packages",
        ObjectType::Model => "models",
        ObjectType::Job => "jobs",
        ObjectType::Volume => "volumes",
        ObjectType::OfflineModel => "offlinemodels",
        ObjectType::Xflow => "registration/xflows",
    };
    // An object of an installed package (`<src>.<pkg>/<obj>`) is shown where it lives.
    match object.name.split_once('/') {
        Some((package, name)) => {
            let source = package.split_once('.').map(|(s, _)| s).unwrap_or(project);
            format!("projects/{source}/{segment}/{name}")
        }
        None => format!("projects/{project}/{segment}/{}", object.name),
    }
}

/// The name under which a grant on an object of an installed package is stored in the
/// installing project (`grant ... privilegeproperties("refobject"="true", ...)`):
/// `<srcproject>.<package>/<object>`, with the object's own kind.
pub fn installed_object_ref(
    source: &str,
    package: &str,
    kind: ObjectType,
    object: &str,
) -> ObjectRef {
    ObjectRef {
        kind,
        name: format!("{source}.{package}/{object}"),
    }
}

/// Revokes every grant on `object` of `project`: all ACL entries (Download included), and for a
/// table its label grants and its package memberships (§3.1: "dropping an object auto-revokes
/// all ACL grants on it; a re-created object with the same name does not inherit them").
/// The data statements' `drop table`/`drop function`/`drop resource` call this in the same
/// transaction as the drop.
pub fn revoke_all_on_object(txn: &mut Txn<'_>, project: &str, object: &ObjectRef) -> Result<()> {
    for (grantee, _) in txn.acl_on_object(project, object)? {
        txn.put_acl(project, object, &grantee, &Default::default())?;
    }
    if object.kind == ObjectType::Table {
        for (grantee, _) in txn.label_grants_on_table(project, &object.name)? {
            txn.put_label_grants(project, &object.name, &grantee, &Default::default())?;
        }
    }
    for mut package in txn.packages(project)? {
        let before = package.objects.len();
        package
            .objects
            .retain(|o| !(o.kind == object.kind && o.name == object.name));
        if package.objects.len() != before {
            txn.put_package(project, &package)?;
        }
    }
    Ok(())
}

/// 9999-12-31T23:59:59+0000, the latest expiry a `yyyy-MM-ddTHH:mm:ss` time can show.
const LAST_PRINTABLE_TIME: i64 = 253_402_300_799;

/// The expiry `days` after `now` (`expires`, `with exp`, `allow ... exp`). Day counts up to
/// 2^63-1 are valid (§6.2); an expiry past year 9999 is shown, and kept, as the last printable
/// time.
pub(crate) fn days_from(now: i64, days: u64) -> i64 {
    let secs = (days as i128)
        .saturating_mul(86_400)
        .saturating_add(now as i128);
    secs.clamp(i64::MIN as i128, LAST_PRINTABLE_TIME as i128) as i64
}

pub(crate) fn check_level(level: u64) -> Result<u8> {
    if level <= 9 {
        Ok(level as u8)
    } else {
        Err(messages::invalid_label(level))
    }
}

/// Reads a file a statement names, through the session's [`Files`]; quotes are stripped.
pub(crate) fn read_statement_file(ctx: &ExecContext<'_>, path: &str) -> Result<String> {
    let path = path.trim().trim_matches('\'').trim_matches('"');
    ctx.files.read(path)
}
