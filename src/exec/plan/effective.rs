//! Binding `show effective grants ...`: the project it reports on is entered, a principal is
//! resolved as the caller names it, an object must exist, and reporting on anyone but oneself
//! needs what `show grants for <p>` needs, in that project and in the object's own project.
//! The bound [`Query`] is what `exec::effective` enumerates.

use super::{show_grants_check, Binder};
use crate::catalog::model::{ObjectRef, ObjectType};
use crate::error::Result;

/// What to enumerate: the principals of `project` (or one of them), against every object it
/// reaches (or one of them).
#[derive(Debug, Clone)]
pub struct Query {
    pub project: String,
    pub principal: Option<String>,
    /// An object of `project` (`ObjectType::Project` = the project itself), or of a package's
    /// provider when reached through an installed package.
    pub object: Option<(String, ObjectRef)>,
    pub source_ip: String,
    pub now: i64,
}

impl Binder<'_, '_, '_> {
    /// `show effective grants ...` in the current project `current`: the project it reports on
    /// must be entered, and reporting on anyone but oneself (or on every principal of an
    /// object) needs what `show grants for <p>` needs there, Admin or better.
    pub(crate) fn effective(
        &mut self,
        current: &crate::catalog::model::Project,
        e: &crate::ast::ShowEffectiveGrantsStmt,
    ) -> Result<Query> {
        use crate::ast::PrincipalKind;
        let ctx = self.ctx;
        let project = match &e.project {
            Some(p) => crate::exec::canonical_name(p),
            None => current.name.clone(),
        };
        if project != current.name {
            let p = self
                .txn
                .project(&project)?
                .ok_or_else(|| crate::exec::messages::project_missing(&project))?;
            self.checks
                .push(crate::exec::access::Check::Enter(std::sync::Arc::new(p)));
        }
        let principal = match &e.principal {
            Some(p) if p.kind == PrincipalKind::User => {
                Some(crate::exec::resolve_user(&p.name, ctx.user))
            }
            Some(p) => {
                return Err(crate::error::Error::invalid(format!(
                    "show effective grants for needs a user principal, not {}",
                    p
                )))
            }
            None if e.object.is_some() => None,
            None => Some(ctx.user.to_string()),
        };
        if principal.as_deref() != Some(ctx.user) {
            self.checks.push(show_grants_check(&project));
        }
        let object = match &e.object {
            None => None,
            Some(o) => {
                let kind = ObjectType::from(o.kind);
                let name = crate::exec::canonical_name(&o.name.name);
                let owner = match (&o.name.project, kind) {
                    (_, ObjectType::Project) => name.clone(),
                    (Some(p), _) => crate::exec::canonical_name(p),
                    (None, _) => project.clone(),
                };
                let exists = match kind {
                    ObjectType::Project => self.txn.project(&name)?.is_some(),
                    ObjectType::Table => self.txn.table(&owner, &name)?.is_some(),
                    _ => self.txn.object(&owner, kind, &name)?.is_some(),
                };
                if !exists {
                    return Err(if kind == ObjectType::Project {
                        crate::exec::messages::project_missing(&name)
                    } else {
                        crate::exec::messages::object_missing(kind.keyword(), &owner, &name)
                    });
                }
                // The rows name the object's own project's principals too: reporting on them
                // needs the same standing there.
                if owner != project {
                    if let Some(p) = self.txn.project(&owner)? {
                        self.checks
                            .push(crate::exec::access::Check::Enter(std::sync::Arc::new(p)));
                        if principal.as_deref() != Some(ctx.user) {
                            self.checks.push(show_grants_check(&owner));
                        }
                    }
                }
                Some((owner, ObjectRef { kind, name }))
            }
        };
        Ok(Query {
            project,
            principal,
            object,
            source_ip: ctx.source_ip.to_string(),
            now: ctx.now,
        })
    }
}
