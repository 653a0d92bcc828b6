//! The authorizer: a pure function from (request, catalog) to a response carrying the decision,
//! the error text, the rules that decided it and every layer's verdict.
//!
//! Walk `create table prj2.t2 as select * from prj1.t1;` run by `RAM$owner:alice` in prj2. The
//! data plane asks [`authorize`] for `Select` on `projects/prj1/tables/t1` (columns of t1,
//! task type SQL, outflow to project prj2). The layers run in the order of reference §10, each
//! recording a [`LayerReport`]:
//!
//! 1. network gate — prj1's IP/VPC whitelist (binds the owner too), [`network`];
//! 2. membership — alice must be prj1's owner, an added user, hold a tenant role added to
//!    prj1, or reach t1 through a package installed in her current project (4002);
//! 3. owner / Super_Administrator — they skip ACL, role policies and labels;
//! 4. explicit policy deny — prj1's project policy and the role policies of alice's roles, with
//!    conditions evaluated (4011);
//! 5. allow sources, the first that grants deciding — the Admin role's implicit rights, ACL
//!    to alice and her roles (columns, expiry, conditions), the object creator's implicit
//!    rights, policy allows, installed packages, tenant-role grants; none → 4019, with the
//!    column-level Tips when only some columns are granted;
//! 6. label security — No-ReadUp per column (4031);
//! 7. download control — Tunnel downloads need `Download`;
//! 8. project protection — prj1 is protected and prj2 is not a trusted project, no exception
//!    policy matches and t1 is not shared by a package: 4021.
//!
//! Every layer is evaluated even after one denies, so that `explain` can show them all; the
//! decision is the first denying layer. Checks are point lookups: the catalog keys ACL grants by
//! (project, object, grantee) and label grants by (project, table, grantee), so a check reads
//! the same handful of records whether the tenant holds a thousand grants or a million (only a
//! refused non-member or an otherwise ungranted request also scans the few tenant roles). Policy
//! documents are parsed once per text (`policies`); [`Snapshot`] decodes each record once
//! for a run of checks ([`authorize_in`]), into its own cache or into a session's
//! [`RecordCache`], which outlives statements and evicts exactly the keys committed since it
//! was last used. The cache only saves decoding: what a check reads is what the transaction
//! would return, so [`authorize`] stays a function of (request, catalog).
//!
//! `check_project_access` is the network gate plus membership for `use <p>` and for every
//! statement that runs in a project; management statements pass it (`check_access_to`) for
//! every project they act on, not only the current one.

pub mod action;
pub mod advice;
pub mod management;
pub mod network;
mod policies;
pub mod rules;
pub mod snapshot;
pub mod standing;
pub mod texts;

pub use action::Action;
pub use rules::Rule;
pub use snapshot::{RecordCache, Snapshot};

use crate::catalog::model::{
    AclEntry, Grantee, ObjectRef, ObjectType, Project, Table, TenantRole, User,
};
use crate::catalog::Txn;
use crate::error::{Code, Error, Failure, Result};
use crate::policy::{
    parse_condition_expr, ConditionContext, Effect, PolicyDocument, PolicyKind, PolicyStatement,
};
use serde::Serialize;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;

pub const SUPER_ADMINISTRATOR: &str = "super_administrator";
pub const ADMIN: &str = "admin";
pub const DOWNLOAD_PRIVILEGE: &str = "odps.security.enabledownloadprivilege";

/// `SQL` for statements (jobs of the current project), `DT` for Tunnel requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TaskType {
    #[serde(rename = "SQL")]
    Sql,
    #[serde(rename = "DT")]
    Tunnel,
}

impl TaskType {
    pub fn code(self) -> &'static str {
        match self {
            TaskType::Sql => "SQL",
            TaskType::Tunnel => "DT",
        }
    }
}

/// Where the data read by a request goes when it leaves the resource's project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outflow {
    /// Into a table of, or a job run in, another project.
    Project(String),
    /// To the client (Tunnel download).
    Client,
}

/// What is accessed: the project itself (`name` = `None`) or one object in it. `columns` are
/// the columns a table read touches, in select-list order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub project: String,
    pub kind: ObjectType,
    pub name: Option<String>,
    pub columns: Option<Vec<String>>,
}

impl Resource {
    pub fn project(project: &str) -> Self {
        Resource {
            project: project.to_string(),
            kind: ObjectType::Project,
            name: None,
            columns: None,
        }
    }

    pub fn object(project: &str, kind: ObjectType, name: &str) -> Self {
        Resource {
            project: project.to_string(),
            kind,
            name: Some(name.to_string()),
            columns: None,
        }
    }

    pub fn table_columns(project: &str, table: &str, columns: Vec<String>) -> Self {
        Resource {
            columns: Some(columns),
            ..Resource::object(project, ObjectType::Table, table)
        }
    }

    /// The catalog's key for ACL grants on this resource.
    fn object_ref(&self) -> ObjectRef {
        match (&self.name, self.kind) {
            (Some(name), kind) if kind != ObjectType::Project => ObjectRef {
                kind,
                name: name.clone(),
            },
            _ => ObjectRef {
                kind: ObjectType::Project,
                name: self.project.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Canonical principal (`RAM$owner:alice`).
    pub principal: String,
    pub source_ip: String,
    pub current_project: Option<String>,
    /// A data action (`Select`, `CreateTable`, `Read`, ...).
    pub action: Action,
    pub resource: Resource,
    pub task_type: TaskType,
    pub outflow: Option<Outflow>,
    /// Unix seconds: grant expiry and `acs:CurrentTime`.
    pub now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allow,
    Deny,
}

pub use crate::error::DenyCode;

/// The layers of §10, in evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    Network,
    ProjectStatus,
    Membership,
    /// Management requests: owner, Super_Administrator, Admin or plain member (§2.3).
    Standing,
    OwnerOrSuperAdmin,
    PolicyDeny,
    AllowSources,
    LabelSecurity,
    DownloadControl,
    ProjectProtection,
}

impl Layer {
    pub fn title(self) -> &'static str {
        match self {
            Layer::Network => "network",
            Layer::ProjectStatus => "project status",
            Layer::Membership => "membership",
            Layer::Standing => "standing",
            Layer::OwnerOrSuperAdmin => "owner/super_administrator",
            Layer::PolicyDeny => "policy deny",
            Layer::AllowSources => "allow sources",
            Layer::LabelSecurity => "label security",
            Layer::DownloadControl => "download control",
            Layer::ProjectProtection => "project protection",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The layer let the request through.
    Pass,
    /// The layer granted the request (owner/SA, an allow source).
    Allow,
    Deny,
    /// The layer does not apply (switched off, not a read, no outflow, ...).
    NotApplicable,
    /// The principal is exempt from this layer (owner, Super_Administrator).
    Bypassed,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::NotApplicable => "n/a",
            Verdict::Bypassed => "bypassed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerReport {
    pub layer: Layer,
    pub verdict: Verdict,
    pub detail: Cow<'static, str>,
    /// The rules behind the verdict, e.g. `ACL user/RAM$owner:alice: Select on projects/p/tables/t`.
    pub rules: Vec<Rule>,
    /// For a denying layer: the sub-code and the full refusal text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<DenyCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl LayerReport {
    /// A layer that did not refuse.
    pub fn new(
        layer: Layer,
        verdict: Verdict,
        detail: impl Into<Detail>,
        rules: Vec<Rule>,
    ) -> Self {
        LayerReport {
            layer,
            verdict,
            detail: detail.into(),
            rules,
            code: None,
            message: None,
        }
    }

    /// A layer that refused, with the sub-code and the full refusal text.
    pub fn refusal(
        layer: Layer,
        code: DenyCode,
        message: String,
        detail: impl Into<Detail>,
        rules: Vec<Rule>,
    ) -> Self {
        LayerReport {
            layer,
            verdict: Verdict::Deny,
            detail: detail.into(),
            rules,
            code: Some(code),
            message: Some(message),
        }
    }
}

/// Facts gathered on the way that `explain` turns into advice.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facts {
    /// Requested columns no allow source covers (column-level ACL miss).
    pub missing_columns: Vec<String>,
    /// Every column whose sensitivity is above the effective label: (column, sensitivity, effective).
    pub label_shortfalls: Vec<(String, u8, u8)>,
    /// Packages of the resource project, installed in the current project, that contain the
    /// object but that the principal may not read.
    pub unreadable_packages: Vec<String>,
    /// The package through which the object is reached, if any.
    pub package: Option<String>,
    pub whitelist: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub decision: Decision,
    pub code: Option<DenyCode>,
    /// The error code the refusal text opens with (`texts::odps_code`).
    pub odps_code: Option<Code>,
    /// The refusal text (what follows `FAILED: `).
    pub message: Option<String>,
    /// Which layers' rules decided ([`Response::rules`]); the rules stay in the layers.
    #[serde(skip)]
    pub deciding: Deciding,
    pub layers: Vec<LayerReport>,
    pub facts: Facts,
}

/// Which layers' rules decide an allowed response: those of the layers that allowed, and with
/// `passing` those of the layers that let it pass too (not the network's). A refused response
/// is decided by its denying layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deciding {
    pub passing: bool,
}

impl Response {
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allow
    }

    /// The rules that decided: on deny, the denying layer's; on allow, every allowing layer's.
    pub fn rules(&self) -> Vec<&Rule> {
        if self.decision == Decision::Deny {
            return self
                .layers
                .iter()
                .find(|l| l.verdict == Verdict::Deny)
                .map(|l| l.rules.iter().collect())
                .unwrap_or_default();
        }
        self.layers
            .iter()
            .filter(|l| {
                l.verdict == Verdict::Allow
                    || (self.deciding.passing
                        && l.verdict == Verdict::Pass
                        && l.layer != Layer::Network)
            })
            .flat_map(|l| l.rules.iter())
            .collect()
    }

    /// `Ok` when allowed, else the refusal as [`Error::Denied`], with its codes.
    pub fn into_result(self) -> Result<()> {
        debug_assert!(self.odps_code.is_none_or(|c| self
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with(c.prefix()))));
        match self.decision {
            Decision::Allow => Ok(()),
            Decision::Deny => Err(Error::Denied(Failure {
                code: self.odps_code,
                auth_code: self.code,
                message: self
                    .message
                    .unwrap_or_else(|| "Authorization Failed".into()),
                subject: None,
                reason: None,
            })),
        }
    }

    pub fn layer(&self, layer: Layer) -> Option<&LayerReport> {
        self.layers.iter().find(|l| l.layer == layer)
    }

    fn unavailable(error: &Error) -> Self {
        Response {
            decision: Decision::Deny,
            code: error.auth_code(),
            odps_code: error.code(),
            message: Some(error.to_string()),
            deciding: Deciding { passing: false },
            layers: Vec::new(),
            facts: Facts::default(),
        }
    }
}

/// Decides `request` against the catalog as `txn` sees it. Never writes. A catalog read error
/// or a missing project yields a refusal carrying that error's text.
pub fn authorize(request: &Request, txn: &Txn<'_>) -> Response {
    authorize_in(request, &Snapshot::new(txn))
}

/// [`authorize`] reading through a [`Snapshot`], so that a run of checks decodes each record once.
pub fn authorize_in(request: &Request, snapshot: &Snapshot<'_, '_>) -> Response {
    try_authorize_in(request, snapshot).unwrap_or_else(|e| Response::unavailable(&e))
}

/// [`authorize`], with catalog errors and a missing project kept as errors.
pub fn try_authorize(request: &Request, txn: &Txn<'_>) -> Result<Response> {
    try_authorize_in(request, &Snapshot::new(txn))
}

pub fn try_authorize_in(request: &Request, snapshot: &Snapshot<'_, '_>) -> Result<Response> {
    let project = snapshot
        .project(&request.resource.project)?
        .ok_or_else(|| project_not_found(&request.resource.project))?;
    Evaluation::new(request, snapshot, project)?.run()
}

pub fn project_not_found(project: &str) -> Error {
    Error::Invalid(
        Code::ProjectNotFound
            .failure(format!("'{project}'."))
            .about(crate::error::SubjectKind::Project, project, None),
    )
    .with_reason(crate::error::Reason::Missing)
}

/// Network gate then membership for `principal` entering `project` from `source_ip`.
pub fn check_project_access(
    txn: &Txn<'_>,
    project: &str,
    principal: &str,
    source_ip: &str,
) -> Result<()> {
    let Some(p) = txn.project(project)? else {
        return Err(project_not_found(project));
    };
    check_access_to(txn, &p, principal, source_ip).map(|_| ())
}

/// The network gate alone: `project`'s IP/VPC whitelist, which binds every principal.
pub fn check_network(project: &Project, source_ip: &str) -> Result<()> {
    match network::gate(project, source_ip) {
        network::Gate::Refused(_) => Err(texts::refusal(
            DenyCode::Whitelist,
            TaskType::Sql,
            texts::not_whitelisted(source_ip, &project.name),
        )),
        network::Gate::Open | network::Gate::Matched(_) => Ok(()),
    }
}

/// The project-status gate: a project that is not normal refuses everyone (4093).
pub fn check_status(project: &Project) -> Result<()> {
    match management::status_report(project).and_then(|r| r.message) {
        Some(message) => Err(Error::denied(message)),
        None => Ok(()),
    }
}

/// [`check_project_access`] for a project record already read. Returns the principal's user
/// record in the project (`None` for the owner and for a member through a tenant role), so that
/// a caller deciding management standing need not read it again.
pub fn check_access_to(
    txn: &Txn<'_>,
    project: &Project,
    principal: &str,
    source_ip: &str,
) -> Result<Option<User>> {
    check_network(project, source_ip)?;
    check_status(project)?;
    if project.owner == principal {
        return Ok(None);
    }
    if let Some(user) = txn.user(&project.name, principal)? {
        return Ok(Some(user));
    }
    let via_tenant_role = txn.tenant_roles()?.iter().any(|r| {
        r.members.iter().any(|m| m == principal) && r.projects.iter().any(|p| p == &project.name)
    });
    if via_tenant_role {
        Ok(None)
    } else {
        Err(texts::refusal(
            DenyCode::NotMember,
            TaskType::Sql,
            texts::not_member(&project.name),
        ))
    }
}

fn is_expired(expires: Option<i64>, now: i64) -> bool {
    expires.is_some_and(|at| now >= at)
}

/// `ACL user/<u>: <Action> on projects/<p>/<kind>/<name>`: the deciding rule of most allowed
/// checks.
fn acl_rule(grantee: &Grantee, action: &str, resource: &Resource) -> Rule {
    let path = match (&resource.name, resource.kind) {
        (Some(name), kind) if kind != ObjectType::Project => format!(
            "projects/{}/{}/{name}",
            resource.project,
            texts::collection(kind)
        ),
        _ => format!("projects/{}", resource.project),
    };
    Rule::Acl {
        grantee: grantee.clone(),
        action: Rule::action_name(action),
        path,
        columns: None,
    }
}

type Detail = Cow<'static, str>;

/// Who the principal is in one project: owner, roles, label, and that project's policies.
struct Scope<'a> {
    snapshot: &'a Snapshot<'a, 'a>,
    project: Arc<Project>,
    principal: &'a str,
    owner: bool,
    user: Option<Arc<User>>,
    policies: OnceCell<Vec<(String, Rc<PolicyDocument>)>>,
}

impl<'a> Scope<'a> {
    fn new(
        snapshot: &'a Snapshot<'a, 'a>,
        project: Arc<Project>,
        principal: &'a str,
    ) -> Result<Self> {
        let owner = project.owner == principal;
        let user = if owner {
            None
        } else {
            snapshot.user(&project.name, principal)?
        };
        Ok(Scope {
            snapshot,
            project,
            principal,
            owner,
            user,
            policies: OnceCell::new(),
        })
    }

    fn member(&self) -> bool {
        self.owner || self.user.is_some()
    }

    fn roles(&self) -> &[String] {
        self.user.as_deref().map_or(&[], |u| u.roles.as_slice())
    }

    fn label(&self) -> u8 {
        self.user.as_deref().map_or(0, |u| u.label)
    }

    fn has_role(&self, role: &str) -> bool {
        self.roles().iter().any(|r| r == role)
    }

    fn super_admin(&self) -> bool {
        self.has_role(SUPER_ADMINISTRATOR)
    }

    /// Tenant roles (§2.4) the principal holds that were added to this project.
    fn tenant_roles(&self) -> Result<Vec<TenantRole>> {
        let project = &self.project.name;
        let all = self.snapshot.tenant_roles()?;
        Ok(all
            .iter()
            .filter(|r| {
                r.members.iter().any(|m| m == self.principal)
                    && r.projects.iter().any(|p| p == project)
            })
            .cloned()
            .collect())
    }

    fn grantees(&self) -> impl Iterator<Item = Grantee> + '_ {
        std::iter::once(Grantee::User(self.principal.to_string()))
            .chain(self.roles().iter().map(|r| Grantee::Role(r.clone())))
    }

    /// The project policy (labelled `project`) then each role's policy (`role/<r>`), parsed.
    /// Empty when `CheckPermissionUsingPolicy` is off.
    fn policies(&self) -> Result<&[(String, Rc<PolicyDocument>)]> {
        if let Some(docs) = self.policies.get() {
            return Ok(docs);
        }
        let mut docs = Vec::new();
        if self.project.settings.check_permission_using_policy {
            if let Some(doc) = self
                .project
                .policy
                .as_deref()
                .and_then(|t| policies::parsed(t, PolicyKind::Project))
            {
                docs.push(("project".to_string(), doc));
            }
            for role in self.roles() {
                if let Some(text) = self.snapshot.role_policy(&self.project.name, role)? {
                    if let Some(doc) = policies::parsed(&text, PolicyKind::Role) {
                        docs.push((format!("role/{role}"), doc));
                    }
                }
            }
        }
        Ok(self.policies.get_or_init(|| docs))
    }

    /// The first statement of `effect` that applies to the principal, `action` and one of
    /// `arns`. With `project_policy_only`, role policies are not consulted (Super_Administrator).
    fn policy_match(
        &self,
        effect: Effect,
        action: &str,
        arns: &[String],
        ctx: &ConditionContext<'_>,
        project_policy_only: bool,
    ) -> Result<Option<Rule>> {
        for (source, doc) in self.policies()? {
            let is_project = source == "project";
            if project_policy_only && !is_project {
                continue;
            }
            for (i, statement) in doc.statements.iter().enumerate() {
                if statement.effect != effect
                    || (is_project && !statement.matches_principal(self.principal))
                {
                    continue;
                }
                if let Some(arn) = arns.iter().find(|arn| statement.matches(action, arn, ctx)) {
                    return Ok(Some(describe_statement(
                        &format!("policy {source}"),
                        i,
                        statement,
                        arn,
                    )));
                }
            }
        }
        Ok(None)
    }

    /// ACL grants of `action` on `resource` to the principal or its roles: a whole-object
    /// grant, or the requested columns it covers.
    fn acl(
        &self,
        action: &str,
        resource: &Resource,
        ctx: &ConditionContext<'_>,
    ) -> Result<AclOutcome> {
        let mut outcome = AclOutcome::default();
        if !self.project.settings.check_permission_using_acl {
            return Ok(outcome);
        }
        let object = resource.object_ref();
        for grantee in self.grantees() {
            let Some(grants) = self.snapshot.acl(&self.project.name, &object, &grantee)? else {
                continue;
            };
            let mut granted_columns = Vec::new();
            for entry in &grants.entries {
                if !entry_applies(entry, action, ctx) {
                    continue;
                }
                match &entry.column {
                    None => {
                        outcome.whole = Some(acl_rule(&grantee, &entry.action, resource));
                        return Ok(outcome);
                    }
                    Some(column) => {
                        if resource
                            .columns
                            .as_ref()
                            .is_some_and(|cs| cs.contains(column))
                            && !outcome.columns.contains(column)
                        {
                            outcome.columns.push(column.clone());
                            granted_columns.push(column.clone());
                        }
                    }
                }
            }
            if !granted_columns.is_empty() {
                let path = texts::path(resource);
                outcome.rules.push(Rule::Acl {
                    grantee: grantee.clone(),
                    action: Rule::action_name(action),
                    path,
                    columns: Some(granted_columns),
                });
            }
        }
        Ok(outcome)
    }

    /// Wildcard ACL grants to the principal's roles (`grant Download on table tb_* to role r`;
    /// wildcards are for roles only, §5): the patterns `*` and `<prefix>*` of the object's
    /// name, each a point lookup. Consulted only when no other source allowed.
    fn acl_wildcard(
        &self,
        action: &str,
        resource: &Resource,
        ctx: &ConditionContext<'_>,
    ) -> Result<Option<Rule>> {
        let (Some(name), kind) = (&resource.name, resource.kind) else {
            return Ok(None);
        };
        if !self.project.settings.check_permission_using_acl
            || kind == ObjectType::Project
            || self.roles().is_empty()
        {
            return Ok(None);
        }
        let prefixes = (0..=name.len()).filter(|i| name.is_char_boundary(*i));
        for pattern in prefixes.map(|i| format!("{}*", &name[..i])) {
            let object = ObjectRef {
                kind,
                name: pattern,
            };
            for role in self.roles() {
                let grantee = Grantee::Role(role.clone());
                let Some(grants) = self.snapshot.acl(&self.project.name, &object, &grantee)? else {
                    continue;
                };
                let applies = |e: &&AclEntry| e.column.is_none() && entry_applies(e, action, ctx);
                if let Some(entry) = grants.entries.iter().find(applies) {
                    let path = format!(
                        "projects/{}/{}/{}",
                        self.project.name,
                        texts::collection(kind),
                        object.name
                    );
                    return Ok(Some(Rule::Acl {
                        grantee: Grantee::Role(role.clone()),
                        action: Rule::action_name(&entry.action),
                        path,
                        columns: None,
                    }));
                }
            }
        }
        Ok(None)
    }
}

/// Whether an ACL entry grants `action` now: the action (or `All`, which never includes
/// `Download`), not expired, its conditions holding.
fn entry_applies(entry: &AclEntry, action: &str, ctx: &ConditionContext<'_>) -> bool {
    let covers = entry.action == action || (entry.action == "All" && action != "Download");
    if !covers || is_expired(entry.expires, ctx.current_time) {
        return false;
    }
    match &entry.conditions {
        None => true,
        Some(text) => parse_condition_expr(text)
            .map(|cs| cs.iter().all(|c| c.holds(ctx)))
            .unwrap_or(false),
    }
}

#[derive(Default)]
struct AclOutcome {
    whole: Option<Rule>,
    columns: Vec<String>,
    rules: Vec<Rule>,
}

fn describe_statement(source: &str, index: usize, s: &PolicyStatement, arn: &str) -> Rule {
    Rule::policy(source, index, s, arn)
}

/// How the object is reached through an installed package.
struct PackageRoute {
    package: String,
    label: u8,
    rules: Vec<Rule>,
}

struct Evaluation<'a> {
    request: &'a Request,
    scope: Scope<'a>,
    ctx: ConditionContext<'a>,
    arn: OnceCell<String>,
    column_arns: OnceCell<Vec<String>>,
    table: OnceCell<Option<Arc<Table>>>,
    layers: Vec<LayerReport>,
    facts: Facts,
}

impl<'a> Evaluation<'a> {
    fn new(
        request: &'a Request,
        snapshot: &'a Snapshot<'a, 'a>,
        project: Arc<Project>,
    ) -> Result<Self> {
        let scope = Scope::new(snapshot, project, &request.principal)?;
        let ctx = ConditionContext {
            source_ip: request.source_ip.trim().parse::<IpAddr>().ok(),
            current_time: request.now,
            task_type: request.task_type.code(),
            instance_id: None,
            secure_transport: false,
        };
        let facts = Facts::default();
        Ok(Evaluation {
            request,
            scope,
            ctx,
            arn: OnceCell::new(),
            column_arns: OnceCell::new(),
            table: OnceCell::new(),
            layers: Vec::with_capacity(8),
            facts,
        })
    }

    fn arn(&self) -> &str {
        self.arn.get_or_init(|| texts::arn(&self.request.resource))
    }

    fn column_arns(&self) -> &[String] {
        self.column_arns.get_or_init(|| {
            let r = &self.request.resource;
            r.columns
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|c| texts::column_arn(r, c))
                .collect()
        })
    }

    fn report(
        &mut self,
        layer: Layer,
        verdict: Verdict,
        detail: impl Into<Detail>,
        rules: Vec<Rule>,
    ) {
        self.layers
            .push(LayerReport::new(layer, verdict, detail, rules));
    }

    fn refuse(
        &mut self,
        layer: Layer,
        code: DenyCode,
        message: String,
        detail: impl Into<Detail>,
        rules: Vec<Rule>,
    ) {
        self.layers
            .push(LayerReport::refusal(layer, code, message, detail, rules));
    }

    fn denial(&self, code: DenyCode, action: &str, reason: &str) -> String {
        texts::denial(code, self.request.task_type, action, self.arn(), reason)
    }

    fn table(&self) -> Result<Option<&Arc<Table>>> {
        if let Some(t) = self.table.get() {
            return Ok(t.as_ref());
        }
        let table = match (&self.request.resource.name, self.request.resource.kind) {
            (Some(name), ObjectType::Table) => {
                self.scope.snapshot.table(&self.scope.project.name, name)?
            }
            _ => None,
        };
        Ok(self.table.get_or_init(|| table).as_ref())
    }

    fn creator_is_principal(&self) -> Result<bool> {
        let r = &self.request.resource;
        let creator = match (&r.name, r.kind) {
            (_, ObjectType::Project) | (None, _) => None,
            (Some(_), ObjectType::Table) => {
                self.table()?.map(|t| t.creator == self.request.principal)
            }
            (Some(name), kind) => self
                .scope
                .snapshot
                .object(&r.project, kind, name)?
                .map(|o| o.creator == self.request.principal),
        };
        Ok(creator.unwrap_or(false))
    }

    fn run(mut self) -> Result<Response> {
        self.network();
        self.project_status();
        let package = self.package_route()?;
        self.membership(package.as_ref())?;
        let exempt = self.owner_or_super_admin();
        self.policy_deny()?;
        self.allow_sources(package.as_ref())?;
        self.label_security(exempt, package.as_ref())?;
        self.download_control(exempt)?;
        self.project_protection(package.as_ref())?;
        Ok(self.finish())
    }

    fn network(&mut self) {
        let (report, whitelist) = network::report(&self.scope.project, &self.request.source_ip);
        self.facts.whitelist = whitelist;
        self.layers.push(report);
    }

    /// Reported only for a project that is not normal, where it refuses (4093): the layer
    /// list of an ordinary check stays as it was before statuses existed.
    fn project_status(&mut self) {
        if let Some(report) = management::status_report(&self.scope.project) {
            self.layers.push(report);
        }
    }

    fn membership(&mut self, package: Option<&PackageRoute>) -> Result<()> {
        let project = &self.scope.project.name;
        if self.scope.owner {
            self.report(
                Layer::Membership,
                Verdict::Pass,
                "the project owner",
                vec![],
            );
        } else if self.scope.member() {
            self.report(
                Layer::Membership,
                Verdict::Pass,
                "an added user of the project",
                vec![],
            );
        } else if let Some(route) = package {
            let detail = format!(
                "not a user of project {project}, reaches the object through package {}",
                route.package
            );
            self.report(Layer::Membership, Verdict::Pass, detail, vec![]);
        } else if let Some(role) = self.scope.tenant_roles()?.first() {
            let detail = format!(
                "holds tenant role {}, added to project {project}",
                role.name
            );
            self.report(Layer::Membership, Verdict::Pass, detail, vec![]);
        } else {
            let message = if self.facts.unreadable_packages.is_empty() {
                texts::not_member(project)
            } else {
                texts::not_member_package_unread(project, &self.facts.unreadable_packages)
            };
            let detail = format!(
                "{} is not a user of project {project}",
                self.request.principal
            );
            let rule = Rule::NotAUser {
                project: project.to_string(),
            };
            self.refuse(
                Layer::Membership,
                DenyCode::NotMember,
                message,
                detail,
                vec![rule],
            );
        }
        Ok(())
    }

    fn owner_or_super_admin(&mut self) -> bool {
        let project = &self.scope.project.name;
        if self.scope.owner {
            let rule = Rule::Implicit {
                who: "project_owner",
                principal: self.request.principal.clone(),
                on: format!("projects/{project}"),
            };
            self.report(
                Layer::OwnerOrSuperAdmin,
                Verdict::Allow,
                "the project owner is not subject to ACL, policy or labels",
                vec![rule],
            );
            true
        } else if self.scope.super_admin() {
            let rule = Rule::Implicit {
                who: "super_administrator",
                principal: self.request.principal.clone(),
                on: format!("projects/{project}"),
            };
            let detail = "Super_Administrator is not subject to ACL, role policies or labels (the project policy still applies)";
            self.report(Layer::OwnerOrSuperAdmin, Verdict::Allow, detail, vec![rule]);
            true
        } else {
            self.report(
                Layer::OwnerOrSuperAdmin,
                Verdict::NotApplicable,
                "neither the owner nor a Super_Administrator",
                vec![],
            );
            false
        }
    }

    fn read_arns(&self) -> Vec<String> {
        std::iter::once(self.arn().to_string())
            .chain(self.column_arns().iter().cloned())
            .collect()
    }

    fn policy_deny(&mut self) -> Result<()> {
        if self.scope.owner {
            self.report(
                Layer::PolicyDeny,
                Verdict::Bypassed,
                "policies do not apply to the project owner",
                vec![],
            );
            return Ok(());
        }
        if !self.scope.project.settings.check_permission_using_policy {
            self.report(
                Layer::PolicyDeny,
                Verdict::NotApplicable,
                "CheckPermissionUsingPolicy=false",
                vec![],
            );
            return Ok(());
        }
        if self.scope.policies()?.is_empty() {
            self.report(
                Layer::PolicyDeny,
                Verdict::Pass,
                "no project or role policy applies",
                vec![],
            );
            return Ok(());
        }
        let arns = self.read_arns();
        let only_project = self.scope.super_admin();
        match self.scope.policy_match(
            Effect::Deny,
            self.request.action.name(),
            &arns,
            &self.ctx,
            only_project,
        )? {
            Some(rule) => {
                let message = self.denial(
                    DenyCode::PolicyDeny,
                    self.request.action.name(),
                    texts::POLICY_DENY_REASON,
                );
                self.refuse(
                    Layer::PolicyDeny,
                    DenyCode::PolicyDeny,
                    message,
                    "an explicit policy deny matches",
                    vec![rule],
                );
            }
            None => self.report(
                Layer::PolicyDeny,
                Verdict::Pass,
                "no policy deny statement matches",
                vec![],
            ),
        }
        Ok(())
    }

    fn allow_sources(&mut self, package: Option<&PackageRoute>) -> Result<()> {
        if self.scope.owner || self.scope.super_admin() {
            self.report(
                Layer::AllowSources,
                Verdict::Bypassed,
                "allowed as owner/Super_Administrator",
                vec![],
            );
            return Ok(());
        }
        let action = self.request.action.name();
        if self.scope.member() && self.scope.has_role(ADMIN) {
            let rule = Rule::Implicit {
                who: "admin",
                principal: self.request.principal.clone(),
                on: format!("projects/{}", self.scope.project.name),
            };
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "the Admin role holds every object privilege",
                vec![rule],
            );
            return Ok(());
        }
        let acl = self.scope.acl(action, &self.request.resource, &self.ctx)?;
        if let Some(rule) = acl.whole {
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "an ACL grant",
                vec![rule],
            );
            return Ok(());
        }
        if self
            .scope
            .project
            .settings
            .object_creator_has_access_permission
            && self.creator_is_principal()?
        {
            let rule = Rule::Implicit {
                who: "object_creator",
                principal: self.request.principal.clone(),
                on: texts::path(&self.request.resource),
            };
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "the creator of the object (ObjectCreatorHasAccessPermission=true)",
                vec![rule],
            );
            return Ok(());
        }
        let has_policies = !self.scope.policies()?.is_empty();
        if has_policies {
            if let Some(rule) = self.scope.policy_match(
                Effect::Allow,
                action,
                &[self.arn().to_string()],
                &self.ctx,
                false,
            )? {
                self.report(
                    Layer::AllowSources,
                    Verdict::Allow,
                    "a policy allow statement",
                    vec![rule],
                );
                return Ok(());
            }
        }
        if let Some(rule) = self
            .scope
            .acl_wildcard(action, &self.request.resource, &self.ctx)?
        {
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "a wildcard ACL grant to a role",
                vec![rule],
            );
            return Ok(());
        }
        let mut covered = acl.columns;
        let mut rules = acl.rules;
        let requested: &[String] = self.request.resource.columns.as_deref().unwrap_or_default();
        if has_policies {
            for (column, arn) in requested.iter().zip(self.column_arns()) {
                if covered.contains(column) {
                    continue;
                }
                if let Some(rule) = self.scope.policy_match(
                    Effect::Allow,
                    action,
                    std::slice::from_ref(arn),
                    &self.ctx,
                    false,
                )? {
                    covered.push(column.clone());
                    rules.push(rule);
                }
            }
        }
        if !requested.is_empty() && requested.iter().all(|c| covered.contains(c)) {
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "column-level grants cover every requested column",
                rules,
            );
            return Ok(());
        }
        if let Some(route) = package {
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                format!("installed package {}", route.package),
                route.rules.clone(),
            );
            return Ok(());
        }
        if let Some(rule) = self.tenant_role_grant()? {
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "a tenant role grant",
                vec![rule],
            );
            return Ok(());
        }
        let mut reason = texts::DEFAULT_DENY_REASON.to_string();
        let path = texts::path(&self.request.resource);
        let detail: Detail = if covered.is_empty() {
            rules.push(Rule::DefaultDeny {
                action: action.to_string(),
                path: path.clone(),
                columns: None,
            });
            "no implicit right, ACL grant, policy allow or installed package grants it".into()
        } else {
            let missing: Vec<String> = requested
                .iter()
                .filter(|c| !covered.contains(c))
                .cloned()
                .collect();
            let current = self
                .request
                .current_project
                .as_deref()
                .unwrap_or(&self.scope.project.name);
            reason.push_str(&texts::column_tips(
                current,
                &self.request.principal,
                &missing,
            ));
            rules.push(Rule::DefaultDeny {
                action: action.to_string(),
                path: path.clone(),
                columns: Some(missing.clone()),
            });
            let detail = format!("no permission on column(s) {}", missing.join(", "));
            self.facts.missing_columns = missing;
            detail.into()
        };
        let message = self.denial(DenyCode::NoPrivilege, action, &reason);
        self.refuse(
            Layer::AllowSources,
            DenyCode::NoPrivilege,
            message,
            detail,
            rules,
        );
        Ok(())
    }

    /// `grant select on table p.t to tenant role r` (§2.4), for a holder of `r` when `r` was
    /// added to the project.
    fn tenant_role_grant(&self) -> Result<Option<Rule>> {
        let r = &self.request.resource;
        let (Some(table), ObjectType::Table) = (&r.name, r.kind) else {
            return Ok(None);
        };
        let action = self.request.action.name();
        for role in self.scope.tenant_roles()? {
            let granted = role.grants.iter().find(|(p, t, a)| {
                p == &r.project
                    && t == table
                    && (a.eq_ignore_ascii_case(action) || a.eq_ignore_ascii_case("All"))
            });
            if let Some((_, _, a)) = granted {
                return Ok(Some(Rule::TenantRoleGrant {
                    role: role.name.clone(),
                    action: a.clone(),
                    path: texts::path(r),
                }));
            }
        }
        Ok(None)
    }

    /// Reads of table data: every touched column's sensitivity must not exceed the effective label.
    fn label_security(&mut self, exempt: bool, package: Option<&PackageRoute>) -> Result<()> {
        let r = &self.request.resource;
        if !self.scope.project.settings.label_security {
            self.report(
                Layer::LabelSecurity,
                Verdict::NotApplicable,
                "LabelSecurity=false",
                vec![],
            );
            return Ok(());
        }
        if r.kind != ObjectType::Table
            || !matches!(self.request.action.name(), "Select" | "Download")
        {
            self.report(
                Layer::LabelSecurity,
                Verdict::NotApplicable,
                "not a read of table data",
                vec![],
            );
            return Ok(());
        }
        if exempt {
            self.report(
                Layer::LabelSecurity,
                Verdict::Bypassed,
                "owner and Super_Administrator are not checked against labels",
                vec![],
            );
            return Ok(());
        }
        let Some(table) = self.table()?.cloned() else {
            self.report(
                Layer::LabelSecurity,
                Verdict::NotApplicable,
                "the table does not exist",
                vec![],
            );
            return Ok(());
        };
        let columns: Vec<String> = match &r.columns {
            Some(cs) => cs.clone(),
            None => table.columns.iter().map(|c| c.name.clone()).collect(),
        };
        // Levels that hold for every column: the user's and its roles' own labels, the package's.
        let mut base = self.scope.label();
        let mut base_rule = rules::LabelSource::User(base);
        for role in self.scope.roles() {
            if let Some(record) = self.scope.snapshot.role(&self.scope.project.name, role)? {
                if record.label > base {
                    base = record.label;
                    base_rule = rules::LabelSource::Role {
                        role: role.clone(),
                        level: record.label,
                    };
                }
            }
        }
        if let Some(route) = package {
            if route.label > base {
                base = route.label;
                base_rule = rules::LabelSource::Package {
                    package: route.package.clone(),
                    level: route.label,
                };
            }
        }
        let mut grants = Vec::new();
        for grantee in self.scope.grantees() {
            if let Some(g) =
                self.scope
                    .snapshot
                    .label_grants(&self.scope.project.name, &table.name, &grantee)?
            {
                grants.push((grantee, g));
            }
        }
        let now = self.request.now;
        let mut rules = Vec::new();
        let mut denials = Vec::new();
        let mut shortfalls = Vec::new();
        for column in &columns {
            let sensitivity = table
                .columns
                .iter()
                .find(|c| &c.name == column)
                .and_then(|c| c.label)
                .unwrap_or(table.label);
            let mut effective = base;
            let mut why = base_rule.clone();
            for (grantee, g) in &grants {
                let live = g.entries.iter().filter(|e| now < e.expires);
                // A column grant overrides the same grantee's table grant; among grants of
                // the same scope the highest counts.
                let level = live
                    .clone()
                    .filter(|e| e.column.as_deref() == Some(column.as_str()))
                    .map(|e| e.level)
                    .max()
                    .or_else(|| {
                        live.clone()
                            .filter(|e| e.column.is_none())
                            .map(|e| e.level)
                            .max()
                    });
                if let Some(level) = level.filter(|l| *l > effective) {
                    effective = level;
                    why = rules::LabelSource::Grant {
                        level,
                        grantee: grantee.clone(),
                    };
                }
            }
            if sensitivity > effective {
                denials.push(Rule::Label {
                    column: column.clone(),
                    sensitivity,
                    effective,
                    source: why,
                    within: false,
                });
                shortfalls.push((column.clone(), sensitivity, effective));
            } else if sensitivity > 0 {
                rules.push(Rule::Label {
                    column: column.clone(),
                    sensitivity,
                    effective,
                    source: why,
                    within: true,
                });
            }
        }
        match shortfalls.first() {
            Some((column, sensitivity, effective)) => {
                let reason = texts::label_reason(column, *sensitivity, *effective);
                let message = self.denial(DenyCode::Label, self.request.action.name(), &reason);
                let detail = format!(
                    "column {column} has sensitivity {sensitivity}, effective label is {effective}"
                );
                self.refuse(
                    Layer::LabelSecurity,
                    DenyCode::Label,
                    message,
                    detail,
                    denials,
                );
            }
            None => self.report(
                Layer::LabelSecurity,
                Verdict::Pass,
                "every column is within the effective label",
                rules,
            ),
        }
        self.facts.label_shortfalls = shortfalls;
        Ok(())
    }

    fn download_control(&mut self, exempt: bool) -> Result<()> {
        if self.request.task_type != TaskType::Tunnel {
            self.report(
                Layer::DownloadControl,
                Verdict::NotApplicable,
                "not a Tunnel download",
                vec![],
            );
            return Ok(());
        }
        let enabled = self
            .scope
            .project
            .properties
            .get(DOWNLOAD_PRIVILEGE)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        if !enabled {
            self.report(
                Layer::DownloadControl,
                Verdict::NotApplicable,
                "odps.security.enabledownloadprivilege=false",
                vec![],
            );
            return Ok(());
        }
        if exempt {
            self.report(
                Layer::DownloadControl,
                Verdict::Bypassed,
                "owner and Super_Administrator may download",
                vec![],
            );
            return Ok(());
        }
        let arns = [self.arn().to_string()];
        if let Some(rule) =
            self.scope
                .policy_match(Effect::Deny, "Download", &arns, &self.ctx, false)?
        {
            let message = self.denial(DenyCode::PolicyDeny, "Download", texts::POLICY_DENY_REASON);
            self.refuse(
                Layer::DownloadControl,
                DenyCode::PolicyDeny,
                message,
                "Download is explicitly denied by policy",
                vec![rule],
            );
            return Ok(());
        }
        let resource = Resource {
            columns: None,
            ..self.request.resource.clone()
        };
        let acl = self.scope.acl("Download", &resource, &self.ctx)?;
        let allow = match acl.whole {
            Some(rule) => Some(rule),
            None => match self.scope.acl_wildcard("Download", &resource, &self.ctx)? {
                Some(rule) => Some(rule),
                None => {
                    self.scope
                        .policy_match(Effect::Allow, "Download", &arns, &self.ctx, false)?
                }
            },
        };
        match allow {
            Some(rule) => self.report(
                Layer::DownloadControl,
                Verdict::Pass,
                "Download is granted",
                vec![rule],
            ),
            None => {
                let message = self.denial(
                    DenyCode::NoPrivilege,
                    "Download",
                    texts::DEFAULT_DENY_REASON,
                );
                let detail = "download control is on and no Download grant applies";
                let rule = Rule::DownloadControl {
                    project: self.scope.project.name.clone(),
                    path: texts::path(&resource),
                };
                self.refuse(
                    Layer::DownloadControl,
                    DenyCode::NoPrivilege,
                    message,
                    detail,
                    vec![rule],
                );
            }
        }
        Ok(())
    }

    fn project_protection(&mut self, package: Option<&PackageRoute>) -> Result<()> {
        let project = self.scope.project.name.clone();
        let destination = match &self.request.outflow {
            Some(Outflow::Project(p)) if *p == project => None,
            other => other.clone(),
        };
        let Some(destination) = destination else {
            self.report(
                Layer::ProjectProtection,
                Verdict::NotApplicable,
                "no data leaves the project",
                vec![],
            );
            return Ok(());
        };
        let target = match &destination {
            Outflow::Project(p) => format!("project {p}"),
            Outflow::Client => "the client".to_string(),
        };
        if !self.scope.project.settings.project_protection {
            let detail = format!("project {project} is not protected (data flows to {target})");
            self.report(
                Layer::ProjectProtection,
                Verdict::NotApplicable,
                detail,
                vec![],
            );
            return Ok(());
        }
        if let Outflow::Project(p) = &destination {
            if self.scope.project.trusted_projects.iter().any(|t| t == p) {
                let rule = Rule::TrustedProject {
                    trusted: p.clone(),
                    project: project.clone(),
                };
                self.report(
                    Layer::ProjectProtection,
                    Verdict::Pass,
                    format!("{p} is a trusted project of {project}"),
                    vec![rule],
                );
                return Ok(());
            }
        }
        if let Some(text) = self.scope.project.settings.protection_exception.as_deref() {
            if let Some(doc) = policies::parsed(text, PolicyKind::Exception) {
                let arn = self.arn();
                let hit = doc.statements.iter().enumerate().find(|(_, s)| {
                    s.effect == Effect::Allow
                        && s.matches_principal(&self.request.principal)
                        && s.matches(self.request.action.name(), arn, &self.ctx)
                });
                if let Some((i, s)) = hit {
                    let rule = describe_statement("exception policy", i, s, arn);
                    self.report(
                        Layer::ProjectProtection,
                        Verdict::Pass,
                        "an exception policy statement allows this flow",
                        vec![rule],
                    );
                    return Ok(());
                }
            }
        }
        if let Some(route) = package {
            let rule = Rule::PackageShares {
                package: route.package.clone(),
            };
            self.report(
                Layer::ProjectProtection,
                Verdict::Pass,
                "objects shared by a package are not blocked by protection",
                vec![rule],
            );
            return Ok(());
        }
        let message = self.denial(
            DenyCode::Protected,
            self.request.action.name(),
            &texts::protected_reason(&project),
        );
        let detail = format!("project {project} is protected and data would flow to {target}");
        self.refuse(
            Layer::ProjectProtection,
            DenyCode::Protected,
            message,
            detail,
            vec![Rule::Protection {
                project: project.clone(),
            }],
        );
        Ok(())
    }

    /// The package of the resource's project, installed in the current project, through which
    /// the principal may use the object with this action.
    fn package_route(&mut self) -> Result<Option<PackageRoute>> {
        let r = &self.request.resource;
        let (Some(current), Some(name)) =
            (self.request.current_project.as_deref(), r.name.as_deref())
        else {
            return Ok(None);
        };
        if current == r.project || r.kind == ObjectType::Project || r.kind == ObjectType::Package {
            return Ok(None);
        }
        let snapshot = self.scope.snapshot;
        let mut candidates = Vec::new();
        for installed in snapshot.installed_packages(current)?.iter() {
            if installed.source_project != r.project {
                continue;
            }
            let Some(package) = snapshot.package(&r.project, &installed.package)? else {
                continue;
            };
            let Some(allowed) = package.allowed.iter().find(|a| {
                (a.project == current || a.project == "*")
                    && !is_expired(a.expires, self.request.now)
            }) else {
                continue;
            };
            let Some(object) = package
                .objects
                .iter()
                .find(|o| o.kind == r.kind && o.name == name)
            else {
                continue;
            };
            if !object
                .privileges
                .iter()
                .any(|p| p == self.request.action.name() || p == "All")
            {
                continue;
            }
            candidates.push((
                format!("{}.{}", r.project, package.name),
                allowed.label,
                object.privileges.join(","),
            ));
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let Some(current_project) = snapshot.project(current)? else {
            return Ok(None);
        };
        let consumer = Scope::new(snapshot, current_project, &self.request.principal)?;
        if !consumer.member() {
            self.facts.unreadable_packages = candidates.into_iter().map(|c| c.0).collect();
            return Ok(None);
        }
        for (package, label, privileges) in candidates {
            let resource = Resource::object(current, ObjectType::Package, &package);
            let read = if consumer.owner {
                Some(Rule::Implicit {
                    who: "project_owner",
                    principal: self.request.principal.clone(),
                    on: format!("projects/{current}"),
                })
            } else if consumer.super_admin() || consumer.has_role(ADMIN) {
                Some(Rule::Implicit {
                    who: "admin",
                    principal: self.request.principal.clone(),
                    on: format!("projects/{current}"),
                })
            } else {
                let arns = [texts::arn(&resource)];
                if consumer
                    .policy_match(Effect::Deny, "Read", &arns, &self.ctx, false)?
                    .is_some()
                {
                    None
                } else {
                    match consumer.acl("Read", &resource, &self.ctx)?.whole {
                        Some(rule) => Some(rule),
                        None => match consumer.policy_match(
                            Effect::Allow,
                            "Read",
                            &arns,
                            &self.ctx,
                            false,
                        )? {
                            Some(rule) => Some(rule),
                            // An object-level grant inside the package (`privilegeproperties(
                            // "refobject"="true", ...)`), stored under `<src>.<pkg>/<object>`.
                            None => {
                                let installed =
                                    Resource::object(current, r.kind, &format!("{package}/{name}"));
                                consumer
                                    .acl(self.request.action.name(), &installed, &self.ctx)?
                                    .whole
                            }
                        },
                    }
                }
            };
            match read {
                Some(read_rule) => {
                    self.facts.package = Some(package.clone());
                    let object_rule = Rule::InstalledPackage {
                        package: package.clone(),
                        current: current.to_string(),
                        action: self.request.action.name().to_string(),
                        path: texts::path(r),
                        privileges: privileges.clone(),
                    };
                    return Ok(Some(PackageRoute {
                        package,
                        label,
                        rules: vec![read_rule, object_rule],
                    }));
                }
                None => self.facts.unreadable_packages.push(package),
            }
        }
        Ok(None)
    }

    fn finish(self) -> Response {
        let denial = self.layers.iter().position(|l| l.verdict == Verdict::Deny);
        match denial {
            Some(at) => {
                let first = &self.layers[at];
                Response {
                    decision: Decision::Deny,
                    code: first.code,
                    odps_code: first
                        .code
                        .map(|c| texts::odps_code(c, self.request.task_type)),
                    message: first.message.clone(),
                    deciding: Deciding { passing: true },
                    layers: self.layers,
                    facts: self.facts,
                }
            }
            None => Response {
                decision: Decision::Allow,
                code: None,
                odps_code: None,
                message: None,
                deciding: Deciding { passing: true },
                layers: self.layers,
                facts: self.facts,
            },
        }
    }
}
