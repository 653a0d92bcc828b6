//! Binding `diagnose`: `diagnose project prj1;` enters prj1 and needs Admin or better there
//! (what reading its security configuration needs), so the route carries
//! [`Scope::Project`] with prj1 loaded; `diagnose tenant;` is the tenant account's check and
//! carries [`Scope::Tenant`]. `exec::diagnose` then runs the checks over that scope.

use super::{Binder, Route};
use crate::ast::{DiagnoseScope, RiskLevel};
use crate::authz::action::Managed;
use crate::authz::management::{Action, Need};
use crate::catalog::model::Project;
use crate::error::Result;
use crate::exec::{access, canonical_name, messages};
use std::sync::Arc;

/// What a bound `diagnose` looks at.
#[derive(Debug, Clone)]
pub enum Scope {
    Project(Arc<Project>),
    Tenant,
}

/// `diagnose project <p>` enters p and needs Admin or better there; `diagnose tenant` is the
/// tenant account's; bare `diagnose` is the current project's, or the tenant's without one.
pub(crate) fn bind<'s>(
    b: &mut Binder<'_, '_, '_>,
    scope: &DiagnoseScope,
    min_risk: RiskLevel,
) -> Result<Route<'s>> {
    let project = match scope {
        DiagnoseScope::Project(p) => Some(canonical_name(p)),
        DiagnoseScope::Default => b.ctx.project.map(str::to_string),
        DiagnoseScope::Tenant => None,
    };
    let scope = match project {
        Some(name) => Scope::Project(enter_as_admin(b, &name)?),
        None => {
            b.tenant(Action::DiagnoseTenant, "projects");
            Scope::Tenant
        }
    };
    Ok(Route::Diagnose(scope, min_risk))
}

/// Enters `name` (which must exist) and requires Admin or better there, as reading its
/// security configuration does.
pub(crate) fn enter_as_admin(b: &mut Binder<'_, '_, '_>, name: &str) -> Result<Arc<Project>> {
    let project = b
        .txn
        .project(name)?
        .ok_or_else(|| messages::project_missing(name))?;
    b.enter(project.clone());
    b.require(
        &project,
        Need::Admin,
        access::Mgmt::new(
            Action::GetSecurityConfiguration,
            name,
            Managed::SecurityConfiguration,
        ),
    );
    Ok(Arc::new(project))
}
