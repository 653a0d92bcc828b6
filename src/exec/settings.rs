//! Project security settings (reference §8, §9): `set <SecurityKey>=true|false`, `setproject`,
//! `show SecurityConfiguration`, trusted projects, and the policy documents (`get`/`put policy`,
//! `get`/`put security policy`).
//!
//! `set ProjectProtection=true with exception exc.json;` is recognised as a security key (the
//! seven keys odpscmd's `SetCommand` intercepts, matched case-insensitively), checked as a
//! boolean with odpscmd's exact error, allowed for the owner and Super_Administrator only (all
//! bound by `plan` before the handler runs); the exception file is read relative to the working directory and checked as an exception policy
//! (Principal required) before the project record is written.

use super::result::SecurityConfiguration;
use super::{
    canonical_name, messages, read_statement_file, ExecContext, NameList, StatementResult,
};
use crate::ast::SetStmt;
use crate::catalog::model::Project;
use crate::catalog::Txn;
use crate::error::Result;
use crate::policy::{PolicyDocument, PolicyKind};
use ipnet::IpNet;
use std::net::IpAddr;

/// The keys odpscmd's `set` treats as security switches (§9.2), upper-cased.
const SECURITY_KEYS: &[&str] = &[
    "OBJECTCREATORHASACCESSPERMISSION",
    "OBJECTCREATORHASGRANTPERMISSION",
    "CHECKPERMISSIONUSINGACL",
    "CHECKPERMISSIONUSINGPOLICY",
    "PROJECTPROTECTION",
    "LABELSECURITY",
    "EXTERNALRESOURCEACCESSCONTROL",
];

pub const DOWNLOAD_PRIVILEGE: &str = "odps.security.enabledownloadprivilege";
pub const IP_WHITELIST: &str = "odps.security.ip.whitelist";
pub const VPC_WHITELIST: &str = "odps.security.vpc.whitelist";

/// The key without the legacy `security.` prefix, upper-cased, if it is a security switch.
pub(crate) fn security_key(key: &str) -> Option<String> {
    let upper = key.to_ascii_uppercase();
    let bare = upper
        .strip_prefix("SECURITY.")
        .unwrap_or(&upper)
        .to_string();
    SECURITY_KEYS.contains(&bare.as_str()).then_some(bare)
}

/// The security switches as the reference spells them, for suggestions.
const SECURITY_KEY_NAMES: &[&str] = &[
    "ObjectCreatorHasAccessPermission",
    "ObjectCreatorHasGrantPermission",
    "CheckPermissionUsingACL",
    "CheckPermissionUsingPolicy",
    "ProjectProtection",
    "LabelSecurity",
    "ExternalResourceAccessControl",
];

/// The project properties mcsec models: the security properties of `setproject`.
pub const SECURITY_PROPERTIES: &[&str] = &[IP_WHITELIST, VPC_WHITELIST, DOWNLOAD_PRIVILEGE];

/// What the key of `set <key>=<value>` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetKey {
    /// A security switch, upper-cased without the legacy `security.` prefix.
    Security(String),
    /// A session flag (a dotted name such as `odps.sql.allow.fullscan`): kept for the session,
    /// changing no security setting.
    SessionFlag,
}

/// Sorts the key of a `set`. odpscmd sends any key that is not a security switch to the
/// session as a flag, so a misspelt switch (`LabelSecurty`) used to secure nothing without a
/// word; here only dotted names are flags, and a bare word that is not a switch, a legacy
/// `security.` key that is not one, or a `setproject` property given to `set` is refused, with
/// the nearest name.
pub fn classify_set_key(key: &str) -> Result<SetKey> {
    if let Some(bare) = security_key(key) {
        return Ok(SetKey::Security(bare));
    }
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("odps.security.") {
        return Err(messages::property_given_to_set(
            key,
            crate::suggest::nearest(key, SECURITY_PROPERTIES.iter().copied()),
        ));
    }
    let word = lower.strip_prefix("security.").unwrap_or(&lower);
    if word.contains('.') {
        return Ok(SetKey::SessionFlag);
    }
    Err(messages::unknown_security_switch(
        key,
        crate::suggest::nearest(word, SECURITY_KEY_NAMES.iter().copied()),
    ))
}

/// `setproject <key>=...` of a key that is not one of [`SECURITY_PROPERTIES`]: refused when it
/// is under `odps.security.` or a near miss of one of them (it would secure nothing), else a
/// general project property mcsec stores without modelling.
pub fn check_general_property(key: &str) -> Result<()> {
    let near = crate::suggest::nearest(key, SECURITY_PROPERTIES.iter().copied());
    if key.starts_with("odps.security.") || near.is_some() {
        return Err(messages::unknown_security_property(key, near));
    }
    Ok(())
}

/// `set <security key>=<value>`, the key and value bound and checked by the plan.
pub fn set(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    key: &str,
    value: bool,
    stmt: &SetStmt,
) -> Result<StatementResult> {
    let mut p = project.clone();
    let s = &mut p.settings;
    match key {
        "OBJECTCREATORHASACCESSPERMISSION" => s.object_creator_has_access_permission = value,
        "OBJECTCREATORHASGRANTPERMISSION" => s.object_creator_has_grant_permission = value,
        "CHECKPERMISSIONUSINGACL" => s.check_permission_using_acl = value,
        "CHECKPERMISSIONUSINGPOLICY" => s.check_permission_using_policy = value,
        "LABELSECURITY" => s.label_security = value,
        "PROJECTPROTECTION" => {
            s.project_protection = value;
            // Setting protection without `with exception` clears the exception (§8).
            s.protection_exception = match &stmt.exception_file {
                Some(file) => {
                    let text = read_statement_file(ctx, file)?;
                    PolicyDocument::parse(&text, PolicyKind::Exception)?;
                    Some(text)
                }
                None => None,
            };
        }
        _ => {
            s.external_resource_access_control = value;
            s.external_resource_locations = if value { stmt.locations.clone() } else { None };
        }
    }
    txn.put_project(&p)?;
    Ok(StatementResult::Ok)
}

/// `show SecurityConfiguration` — the exact lines odpscmd builds (§9.1).
pub fn show_security_configuration(project: &Project) -> Result<StatementResult> {
    let s = &project.settings;
    Ok(StatementResult::SecurityConfiguration(
        SecurityConfiguration {
            check_permission_using_acl: s.check_permission_using_acl,
            check_permission_using_policy: s.check_permission_using_policy,
            object_creator_has_access_permission: s.object_creator_has_access_permission,
            object_creator_has_grant_permission: s.object_creator_has_grant_permission,
            label_security: s.label_security,
            project_protection: s.project_protection,
            project_protection_exception: if s.project_protection {
                s.protection_exception.clone()
            } else {
                None
            },
            external_resource_access_control: s.external_resource_access_control,
            external_resource_locations: s.external_resource_locations.clone(),
            enable_download_privilege: download_privilege(project),
        },
    ))
}

/// `odps.security.enabledownloadprivilege`, default false (§5).
pub fn download_privilege(project: &Project) -> bool {
    project
        .properties
        .get(DOWNLOAD_PRIVILEGE)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn check_ip_entry(entry: &str) -> bool {
    if entry.parse::<IpAddr>().is_ok() || entry.parse::<IpNet>().is_ok() {
        return true;
    }
    match entry.split_once('-') {
        Some((a, b)) => match (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>()) {
            (Ok(a), Ok(b)) => a.is_ipv4() == b.is_ipv4() && a <= b,
            _ => false,
        },
        None => false,
    }
}

/// Splits on commas outside `[...]` (VPC entries carry their own IP lists).
fn split_entries(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut depth, mut cur) = (0usize, String::new());
    for c in value.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Checks an IP whitelist: single addresses, `a-b` ranges and CIDR blocks, IPv4 or IPv6 (§9.3).
pub fn check_ip_whitelist(value: &str) -> Result<()> {
    for e in split_entries(value) {
        if !check_ip_entry(&e) {
            return Err(messages::invalid_ip_whitelist(&e));
        }
    }
    Ok(())
}

/// Checks a VPC whitelist: `<RegionID>_<VPCID>[<ip list>]` entries (§9.3).
pub fn check_vpc_whitelist(value: &str) -> Result<()> {
    for e in split_entries(value) {
        let (id, ips) = match e.split_once('[') {
            Some((id, rest)) => match rest.strip_suffix(']') {
                Some(ips) => (id, Some(ips)),
                None => return Err(messages::invalid_vpc_whitelist(&e)),
            },
            None => (e.as_str(), None),
        };
        let ok_id = id.split_once('_').is_some_and(|(region, vpc)| {
            !region.is_empty()
                && !vpc.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        });
        let ok_ips = ips.is_none_or(|ips| {
            ips.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .all(check_ip_entry)
        });
        if !ok_id || !ok_ips {
            return Err(messages::invalid_vpc_whitelist(&e));
        }
    }
    Ok(())
}

/// Bare `setproject`: every property (defaults included) as `key=value`, then `OK`. The listing
/// carries the security properties (IP/VPC whitelist, download control), so its plan checks it
/// like `show SecurityConfiguration`.
pub fn list_properties(project: &Project) -> Result<StatementResult> {
    let mut all = project.properties.clone();
    // The project status is kept beside the properties but is not one of them.
    all.remove(crate::authz::management::STATUS_PROPERTY);
    for k in [DOWNLOAD_PRIVILEGE, IP_WHITELIST, VPC_WHITELIST] {
        all.entry(k.to_string()).or_insert_with(|| {
            if k == DOWNLOAD_PRIVILEGE {
                "false".into()
            } else {
                String::new()
            }
        });
    }
    Ok(StatementResult::Properties { properties: all })
}

/// `setproject k=v ...`: the pairs as its plan bound them (keys lower-cased, values unquoted,
/// each checked and validated), applied in order; an empty value or `\N` clears a key.
pub fn setproject(
    txn: &mut Txn<'_>,
    project: &Project,
    pairs: Vec<(String, String)>,
) -> Result<StatementResult> {
    let mut p = project.clone();
    let unmodelled: Vec<String> = pairs
        .iter()
        .map(|(key, _)| key)
        .filter(|key| !SECURITY_PROPERTIES.contains(&key.as_str()))
        .cloned()
        .collect();
    for (key, value) in pairs {
        let clear = value.is_empty() || value == "\\N";
        if clear {
            p.properties.remove(&key);
        } else {
            let stored = if key == DOWNLOAD_PRIVILEGE {
                value.to_ascii_lowercase()
            } else {
                value
            };
            p.properties.insert(key, stored);
        }
    }
    txn.put_project(&p)?;
    if unmodelled.is_empty() {
        Ok(StatementResult::Ok)
    } else {
        Ok(StatementResult::UnmodelledProperties { keys: unmodelled })
    }
}

pub fn trusted(
    txn: &mut Txn<'_>,
    project: &Project,
    other: &str,
    add: bool,
) -> Result<StatementResult> {
    let other = canonical_name(other);
    let mut p = project.clone();
    let present = p.trusted_projects.contains(&other);
    match (add, present) {
        (true, true) => return Err(messages::trusted_exists(&other, &project.name)),
        (false, false) => return Err(messages::trusted_missing(&other, &project.name)),
        (true, false) => {
            txn.project(&other)?
                .ok_or_else(|| messages::project_missing(&other))?;
            p.trusted_projects.push(other);
        }
        (false, true) => p.trusted_projects.retain(|t| t != &other),
    }
    txn.put_project(&p)?;
    Ok(StatementResult::Ok)
}

/// `list trustedprojects`: one name per line, `OK` when none (§8 [inferred]).
pub fn list_trusted(project: &Project) -> Result<StatementResult> {
    Ok(StatementResult::names(
        NameList::TrustedProjects,
        project.trusted_projects.clone(),
    ))
}

/// A stored policy as `get policy` shows it; the empty document when none is stored.
pub(crate) fn policy_output(text: Option<String>) -> StatementResult {
    StatementResult::Policy {
        policy: text
            .map(|t| t.trim_end().to_string())
            .unwrap_or_else(|| PolicyDocument::empty().to_pretty_string()),
    }
}

/// `get policy [on role <r>]`; the plan found the role and checked the caller.
pub fn get_policy(
    txn: &mut Txn<'_>,
    project: &Project,
    role: Option<&str>,
) -> Result<StatementResult> {
    match role {
        None => Ok(policy_output(project.policy.clone())),
        Some(r) => Ok(policy_output(txn.role_policy(&project.name, r)?)),
    }
}

/// `put policy <file> [on role <r>]`; the plan found the role and checked the caller (an
/// admin-type role's policy needs the owner or a Super_Administrator).
pub fn put_policy(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    file: &str,
    role: Option<&str>,
) -> Result<StatementResult> {
    match role {
        None => {
            let text = read_statement_file(ctx, file)?;
            PolicyDocument::parse(&text, PolicyKind::Project)?;
            let mut p = project.clone();
            p.policy = Some(text);
            txn.put_project(&p)?;
        }
        Some(r) => {
            let text = read_statement_file(ctx, file)?;
            PolicyDocument::parse(&text, PolicyKind::Role)?;
            txn.put_role_policy(&project.name, r, Some(&text))?;
        }
    }
    Ok(StatementResult::Ok)
}

pub fn get_security_policy(project: &Project) -> Result<StatementResult> {
    Ok(policy_output(project.security_policy.clone()))
}

/// `put security policy <file>`: semantics undocumented (§4.1); stored after the same checks as
/// a project policy.
pub fn put_security_policy(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    file: &str,
) -> Result<StatementResult> {
    let text = read_statement_file(ctx, file)?;
    PolicyDocument::parse(&text, PolicyKind::Project)?;
    let mut p = project.clone();
    p.security_policy = Some(text);
    txn.put_project(&p)?;
    Ok(StatementResult::Ok)
}
