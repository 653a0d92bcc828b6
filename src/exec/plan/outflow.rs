//! Binding `show outflow paths [from project <p>]`: a named project is entered with Admin or
//! better there, as `diagnose project` does; without one the statement is the tenant
//! account's. `exec::outflow` then walks the paths out of the bound project or projects.

use super::{Binder, Route};
use crate::authz::management::Action;
use crate::error::Result;
use crate::exec::canonical_name;

pub(crate) fn bind<'s>(b: &mut Binder<'_, '_, '_>, project: Option<&str>) -> Result<Route<'s>> {
    let project = match project {
        Some(name) => Some(super::diagnose::enter_as_admin(b, &canonical_name(name))?),
        None => {
            b.tenant(Action::ListTenantOutflowPaths, "projects");
            None
        }
    };
    Ok(Route::OutflowPaths(project))
}
