//! Access keys (sandbox statements for `mcsec serve`): `create accesskey [for <principal>]`,
//! `list accesskeys [for <principal>]`, `drop accesskey <id>`, `drop accesskeys for
//! <principal>`.
//!
//! `create accesskey for RAM$owner:alice;` run by the tenant account resolves the principal as
//! every statement does (`RAM$alice` → `RAM$owner:alice`), checks who may — the tenant account
//! manages every key, any other principal only its own — and asks the engine's key store
//! (`catalog::secrets`) for a new key, which is written (mode 0600, beside the catalog, outside
//! its trees) before it is returned. The result carries the secret this once; `list accesskeys`
//! shows ids, principals and creation times, never a secret. The session runs these statements
//! itself, like `use` and `login`: they change no catalog record, so there is no transaction
//! to retry and nothing for `explain` to show.

use super::messages;
use super::result::{AccessKeyInfo, StatementResult};
use super::{resolve_user, users, Session, TENANT_ACCOUNT};
use crate::ast::{AccessKeyTarget, Principal, Statement};
use crate::error::{Error, Reason, Result};

/// [inferred] A caller other than the tenant account managing another principal's keys.
fn not_yours(action: &str, principal: &str) -> Error {
    messages::no_management_privilege(action, &format!("accesskeys/{principal}"))
}

/// [inferred] `drop accesskey` of an id there is no key for (or none of the caller's).
fn key_missing(id: &str) -> Error {
    Error::Invalid(crate::error::Failure::plain(format!(
        "Access key {id} does not exist."
    )))
    .with_reason(Reason::Missing)
}

fn target(session: &Session, principal: &Option<Principal>, action: &str) -> Result<String> {
    let caller = session.user();
    let principal = match principal {
        Some(p) => resolve_user(&p.name, caller),
        None => caller.to_string(),
    };
    if !users::well_formed(&principal) {
        return Err(messages::invalid_account(&principal));
    }
    if caller != TENANT_ACCOUNT && principal != caller {
        return Err(not_yours(action, &principal));
    }
    Ok(principal)
}

pub fn execute(session: &mut Session, stmt: &Statement) -> Result<StatementResult> {
    let keys = session.engine().access_keys();
    match stmt {
        Statement::CreateAccessKey { principal } => {
            let principal = target(session, principal, "CreateAccessKey")?;
            let key = keys.create(&principal, session.now())?;
            Ok(StatementResult::AccessKey {
                id: key.id,
                secret: key.secret,
                principal: key.principal,
            })
        }
        Statement::ListAccessKeys { principal } => {
            let all = principal.is_none() && session.user() == TENANT_ACCOUNT;
            let principal = target(session, principal, "ListAccessKeys")?;
            let listed = keys.list((!all).then_some(principal.as_str()))?;
            Ok(StatementResult::AccessKeys {
                keys: listed
                    .into_iter()
                    .map(|k| AccessKeyInfo {
                        id: k.id,
                        principal: k.principal,
                        created: super::render::format_time(k.created),
                    })
                    .collect(),
            })
        }
        Statement::DropAccessKey {
            target: AccessKeyTarget::Of(principal),
        } => {
            let principal = target(session, &Some(principal.clone()), "DropAccessKey")?;
            for key in keys.list(Some(&principal))? {
                keys.remove(&key.id)?;
            }
            Ok(StatementResult::Ok)
        }
        Statement::DropAccessKey {
            target: AccessKeyTarget::Id(id),
        } => {
            let caller = session.user().to_string();
            match keys.lookup(id)? {
                Some(key) if caller == TENANT_ACCOUNT || key.principal == caller => {
                    keys.remove(id)?;
                    Ok(StatementResult::Ok)
                }
                // Another principal's key is reported as missing: ids are not for guessing.
                _ => Err(key_missing(id)),
            }
        }
        other => Err(messages::misrouted(other)),
    }
}
