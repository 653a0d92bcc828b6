//! Who may run a management statement (reference §2.3, §1.2, §3.1, §4.4).
//!
//! `add trustedproject p2;` run by a user holding `admin` is bound (`plan`) to two checks:
//! entering the current project, then [`Check::Management`] `AddTrustedProject` needing
//! [`Need::OwnerOrSuperAdmin`], which [`authorize`] asks the authorizer about: the caller's
//! [`Standing`] is `Admin`, which the owner-only row of the matrix excludes, so no built-in power
//! allows it; neither does any admin-role or project policy, so the statement is refused with the
//! §11.4 text naming `odps:AddTrustedProject` on `projects/<p>/authorization`. Before any of
//! that, the caller must pass the gates of the project the statement acts on (its whitelist,
//! then membership), as `use <p>` would. An explicit policy deny binds everyone but the owner;
//! a Super_Administrator only by the project policy, not by role policies (§4.4).

use super::ExecContext;
use crate::authz::management::{
    authorize_entry, authorize_management, authorize_tenant, decide_management, ManagementRequest,
    TenantRequest,
};
use crate::authz::{Response, Snapshot};
use crate::catalog::model::Project;
use crate::catalog::Txn;
use crate::error::Result;

pub use crate::authz::action::Managed;
pub use crate::authz::management::{Action, Need, Standing};

/// A management action and the resource path it is checked on (§4.1), relative to
/// `acs:odps:*:`.
#[derive(Debug, Clone)]
pub struct Mgmt {
    pub action: Action,
    pub resource: String,
}

impl Mgmt {
    pub fn new(action: Action, project: &str, on: Managed<'_>) -> Self {
        Mgmt {
            action,
            resource: on.path(project),
        }
    }
}

/// One authorization check of a plan.
#[derive(Debug, Clone)]
pub enum Check {
    /// Entering a project: its network gate, status, then membership (recorded for explain).
    Enter(std::sync::Arc<Project>),
    /// A management request on a project (recorded for explain).
    Management {
        project: String,
        need: Need,
        mgmt: Mgmt,
    },
    /// A tenant-level request (recorded for explain).
    Tenant { action: Action, tail: &'static str },
    /// A package provider reached through an installation: its network gate and status, not
    /// its membership (the allow list and installation stand in for it). Not a management
    /// request, so explain does not list it.
    Provider(Box<Project>),
    /// An object action authorized as the data plane does (`describe <table>` is `Describe`
    /// on the table). Not a management request, so explain does not list it.
    Object(Box<crate::authz::Request>),
}

/// One authorization check a statement made.
#[derive(Debug, Clone)]
pub enum Recorded {
    /// Entering a project: its network gate, status and membership.
    Entry {
        project: String,
        standing: Standing,
        response: Response,
    },
    Management(ManagementRequest, Response),
    Tenant(TenantRequest, Response),
}

impl Recorded {
    pub fn response(&self) -> &Response {
        match self {
            Recorded::Entry { response, .. }
            | Recorded::Management(_, response)
            | Recorded::Tenant(_, response) => response,
        }
    }
}

/// The checks a statement made, in order, when it runs to be explained rather than to take
/// effect.
pub type Recorder = std::cell::RefCell<Vec<Recorded>>;

/// Authorizes one check of a plan, recording it while `explain` runs the statement (entries,
/// management and tenant requests; a provider's gate and an object action are not management
/// checks and are not listed). A refusal is the statement's error.
pub fn authorize(ctx: &ExecContext<'_>, txn: &Txn<'_>, check: &Check) -> Result<()> {
    match check {
        Check::Enter(project) => enter(ctx, txn, project),
        Check::Management {
            project,
            need,
            mgmt,
        } => require(ctx, txn, project, *need, mgmt.clone()),
        Check::Tenant { action, tail } => require_tenant(ctx, *action, tail),
        Check::Provider(project) => {
            crate::authz::check_network(project, ctx.source_ip)?;
            crate::authz::check_status(project)
        }
        Check::Object(request) => {
            let snapshot = Snapshot::reusing(txn, ctx.records);
            let response = crate::authz::try_authorize_in(request, &snapshot)?;
            super::audit::note_response(ctx, &response);
            response.into_result()
        }
    }
}

/// Lets the caller into `project` (`use <p>`, the current project of a statement, a project a
/// statement reaches: `grant ... on table prj2.t`) or refuses it: the network whitelist (which
/// binds the owner too), the project status, then membership (4002).
fn enter(ctx: &ExecContext<'_>, txn: &Txn<'_>, project: &Project) -> Result<()> {
    let Some(recorder) = ctx.checks else {
        // Not explaining: the same decision without building the report.
        let decided = crate::authz::check_access_to(txn, project, ctx.user, ctx.source_ip);
        if decided.is_err() && ctx.audit.is_some() {
            // A refusal is rare: ask again for the rule behind it, for the audit record.
            let snapshot = Snapshot::reusing(txn, ctx.records);
            if let Ok((response, _)) =
                authorize_entry(ctx.user, ctx.source_ip, &project.name, &snapshot)
            {
                super::audit::note_response(ctx, &response);
            }
        }
        return decided.map(|_| ());
    };
    let snapshot = Snapshot::reusing(txn, ctx.records);
    let (response, standing) = authorize_entry(ctx.user, ctx.source_ip, &project.name, &snapshot)?;
    let refusal = refusal_of(&response);
    recorder.borrow_mut().push(Recorded::Entry {
        project: project.name.clone(),
        standing,
        response,
    });
    refusal
}

/// Allows the statement or refuses it, asking the authorizer
/// ([`crate::authz::management`]) as the data plane does.
///
/// `project` is the project the statement acts on, which need not be the current one (`grant
/// ... on table prj1.t`, `add tenant role r to project prj1`), so its gates come first, with
/// the texts `use <p>` gives: the network whitelist, which binds the owner too, the project
/// status, then membership (4002). Then the standing: the owner passes everything; a
/// Super_Administrator is exempt from role policies but a project-policy Deny naming it
/// refuses with the §4.4 text; everyone else is bound by every matching deny and may be lifted
/// to Admin's rights by a policy allow. Otherwise the §11.4 text.
fn require(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &str,
    need: Need,
    mgmt: Mgmt,
) -> Result<()> {
    let request = ManagementRequest {
        principal: ctx.user.to_string(),
        source_ip: ctx.source_ip.to_string(),
        project: project.to_string(),
        action: mgmt.action,
        resource: mgmt.resource,
        need,
        now: ctx.now,
    };
    let snapshot = Snapshot::reusing(txn, ctx.records);
    let response = if ctx.checks.is_some() {
        authorize_management(&request, &snapshot)?
    } else {
        decide_management(&request, &snapshot)?
    };
    if ctx.audit.is_some() {
        if response.allowed() || ctx.checks.is_some() {
            super::audit::note_response(ctx, &response);
        } else {
            // A refusal is rare: ask again with the rules written, for the audit record.
            super::audit::note_response(ctx, &authorize_management(&request, &snapshot)?);
        }
    }
    let refusal = refusal_of(&response);
    record(ctx, || Recorded::Management(request, response));
    refusal
}

/// The error a refused response fails the statement with.
fn refusal_of(response: &Response) -> Result<()> {
    if response.allowed() {
        Ok(())
    } else {
        response.clone().into_result()
    }
}

/// Keeps the check for `explain` when the statement runs to be explained.
fn record(ctx: &ExecContext<'_>, check: impl FnOnce() -> Recorded) {
    if let Some(recorder) = ctx.checks {
        recorder.borrow_mut().push(check());
    }
}

/// Allows a tenant-level statement (§2.4) or refuses it, asking the authorizer.
fn require_tenant(ctx: &ExecContext<'_>, action: Action, tail: &str) -> Result<()> {
    let account = super::TENANT_ACCOUNT;
    let request = TenantRequest {
        principal: ctx.user.to_string(),
        account: account.to_string(),
        action,
        resource: format!(
            "tenants/{}/authorization/{tail}",
            super::account_of(account)
        ),
    };
    let response = authorize_tenant(&request);
    super::audit::note_response(ctx, &response);
    let refusal = refusal_of(&response);
    record(ctx, || Recorded::Tenant(request, response));
    refusal
}
