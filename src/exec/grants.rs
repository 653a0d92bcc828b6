//! ACL grants and their listings (reference §3, §4.3, §5, §12): `grant`/`revoke` (plain ACL,
//! policy mode, installed-package objects, tenant roles), `grant super`, `show grants`,
//! `show acl`, `purge privs` and `clear expired grants`.
//!
//! `grant Describe, Select on table sale_detail (shop_name) to user RAM$owner:bob
//! privilegeproperties("expires"="30");` is bound (`plan`): the object resolved in its project
//! (the table and its column must exist) and the grantor checked (owner, Super_Administrator,
//! Admin, or its creator when `ObjectCreatorHasGrantPermission=true`). The handler then checks
//! the user exists and merges two [`AclEntry`]s (one per action, for column `shop_name`, expiring in 30 days) into the
//! `(table sale_detail, user bob)` record. Re-granting an action replaces its entry, so a grant
//! can be renewed. With `"policy"="true"` the same statement edits the role policy instead.

use super::existing_role;
use super::render::format_time;
use super::result::PrincipalType;
use super::result::{GrantBlock, GrantGroup, GrantRow};
use super::{
    canonical_name, days_from, grantee_of, messages, object_path, resolve_user, ExecContext,
    StatementResult,
};
use crate::ast::{GrantObject, GrantStmt, Principal, Privilege, Properties, RevokeStmt};
use crate::catalog::model::{
    AclEntry, AclGrants, Grantee, ObjectRef, ObjectType, Project, RoleType,
};
use crate::catalog::Txn;
use crate::error::Result;
use crate::policy::{self, Effect, PolicyDocument, PolicyKind, PolicyStatement};

/// The order actions are listed in (the samples list project creation rights as
/// `CreateTable | CreateResource | CreateInstance | CreateFunction | List` and table rights as
/// `Download | Describe | Select`).
const DISPLAY_ORDER: &[&str] = &[
    "Read",
    "Write",
    "CreateTable",
    "CreateResource",
    "CreateInstance",
    "CreateFunction",
    "CreateJob",
    "CreateVolume",
    "CreateOfflineModel",
    "CreateXflow",
    "List",
    "Download",
    "Describe",
    "Select",
    "Alter",
    "Update",
    "Drop",
    "ShowHistory",
    "Execute",
    "Delete",
    "All",
];

fn display_rank(action: &str) -> usize {
    DISPLAY_ORDER
        .iter()
        .position(|a| *a == action)
        .unwrap_or(DISPLAY_ORDER.len())
}

/// ACL actions each object type accepts (§3.1).
fn allowed_actions(kind: ObjectType) -> &'static [&'static str] {
    match kind {
        ObjectType::Project => &[
            "Read",
            "Write",
            "List",
            "CreateTable",
            "CreateInstance",
            "CreateFunction",
            "CreateResource",
            "CreateJob",
            "CreateVolume",
            "CreateOfflineModel",
            "CreateXflow",
            "All",
        ],
        ObjectType::Table => &[
            "Describe",
            "Select",
            "Alter",
            "Update",
            "Drop",
            "ShowHistory",
            "All",
            "Download",
        ],
        ObjectType::Resource => &["Read", "Write", "Delete", "All"],
        ObjectType::Function => &["Read", "Write", "Delete", "Execute", "All"],
        ObjectType::Instance => &["Read", "Write", "All", "Download"],
        ObjectType::Package => &["Read"],
        ObjectType::Model | ObjectType::OfflineModel => {
            &["Describe", "Execute", "Alter", "Drop", "All"]
        }
        ObjectType::Job | ObjectType::Volume | ObjectType::Xflow => {
            &["Read", "Write", "Delete", "Execute", "All"]
        }
    }
}

pub(crate) fn kind_label(kind: ObjectType) -> &'static str {
    crate::catalog::keys::kind_code(kind)
}

fn canonical_privilege(p: &Privilege, kind: ObjectType) -> Result<String> {
    let name = policy::canonical_action(&p.name)
        .ok_or_else(|| messages::invalid_privilege(&p.name, kind_label(kind)))?;
    if !allowed_actions(kind).contains(&name) {
        return Err(messages::invalid_privilege(name, kind_label(kind)));
    }
    Ok(name.to_string())
}

/// An ACL target resolved to its project and catalog reference.
pub struct Target {
    pub project: Project,
    pub object: ObjectRef,
    pub columns: Option<Vec<String>>,
    pub creator: Option<String>,
}

impl Target {
    fn has_wildcard(&self) -> bool {
        self.object.name.contains('*')
    }
}

pub(crate) fn property<'a>(props: &'a Properties, key: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

pub(crate) fn flag(props: &Properties, key: &str) -> Result<Option<bool>> {
    match property(props, key) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(messages::bad_property(key, v)),
    }
}

pub(crate) fn expiry(ctx: &ExecContext<'_>, props: &Properties) -> Result<Option<i64>> {
    match property(props, "expires") {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(|d| Some(days_from(ctx.now, d)))
            .map_err(|_| messages::bad_property("expires", v)),
    }
}

/// The grantee of an ACL grant, checked to exist in the object's project.
fn acl_grantee(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    target: &Target,
    principal: &Principal,
    must_exist: bool,
) -> Result<Grantee> {
    let grantee = grantee_of(principal, ctx.user)?;
    let project = &target.project.name;
    match &grantee {
        Grantee::User(u) => {
            if must_exist && txn.user(project, u)?.is_none() && u != &target.project.owner {
                return Err(messages::principal_missing(u, project));
            }
            if target.has_wildcard() {
                return Err(messages::wildcard_needs_role(&target.object.name));
            }
            // A RAM user may grant only to RAM users of its own account (§3.1).
            if must_exist
                && ctx.user.starts_with("RAM$")
                && (!u.starts_with("RAM$") || super::account_of(u) != super::account_of(ctx.user))
            {
                return Err(messages::cross_account_grant(ctx.user, u));
            }
        }
        Grantee::Role(r) => {
            if must_exist {
                let role = existing_role(txn, project, r)?;
                if role.role_type == RoleType::Admin {
                    return Err(messages::admin_role_takes_no_acl(r));
                }
            }
        }
    }
    Ok(grantee)
}

/// (action, column) pairs of a grant: per-privilege columns win over the object's columns.
fn entries_of(privileges: &[Privilege], target: &Target) -> Result<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    for p in privileges {
        let action = canonical_privilege(p, target.object.kind)?;
        if target.object.kind == ObjectType::Project && (action == "Read" || action == "Write") {
            return Err(messages::privilege_not_open(&action));
        }
        let columns: Option<Vec<String>> = p
            .columns
            .as_ref()
            .map(|cs| cs.iter().map(|c| canonical_name(c)).collect())
            .or_else(|| target.columns.clone());
        match columns {
            Some(cs) if !cs.is_empty() => {
                out.extend(cs.into_iter().map(|c| (action.clone(), Some(c))))
            }
            _ => out.push((action, None)),
        }
    }
    Ok(out)
}

/// A plain ACL grant on the target its plan resolved and checked.
pub fn grant(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    target: &Target,
    stmt: &GrantStmt,
) -> Result<StatementResult> {
    let expires = expiry(ctx, &stmt.properties)?;
    let conditions = property(&stmt.properties, "conditions").map(str::to_string);
    if let Some(c) = &conditions {
        policy::parse_condition_expr(c)?;
    }
    let wanted = entries_of(&stmt.privileges, target)?;
    for principal in &stmt.grantees {
        let grantee = acl_grantee(ctx, txn, target, principal, true)?;
        let mut grants = txn.acl(&target.project.name, &target.object, &grantee)?;
        for (action, column) in &wanted {
            grants
                .entries
                .retain(|e| !(&e.action == action && &e.column == column));
            grants.entries.push(AclEntry {
                action: action.clone(),
                column: column.clone(),
                expires,
                conditions: conditions.clone(),
                grantor: ctx.user.to_string(),
                granted_at: ctx.now,
            });
        }
        txn.put_acl(&target.project.name, &target.object, &grantee, &grants)?;
    }
    Ok(StatementResult::Ok)
}

/// A plain ACL revoke on the target its plan resolved and checked.
pub fn revoke(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    target: &Target,
    stmt: &RevokeStmt,
) -> Result<StatementResult> {
    let wanted = entries_of(&stmt.privileges, target)?;
    for principal in &stmt.grantees {
        let grantee = grantee_of(principal, ctx.user)?;
        let mut grants = txn.acl(&target.project.name, &target.object, &grantee)?;
        // Revoking from a name that is neither a principal of the project nor a holder of
        // grants on the object is a mistake (a typo), refused as `grant` refuses it; a removed
        // user who still holds grants can still be revoked from.
        if grants.entries.is_empty() {
            acl_grantee(ctx, txn, target, principal, true)?;
        }
        for (action, column) in &wanted {
            // A table-level revoke also takes back the column-level entries of that action.
            grants
                .entries
                .retain(|e| !(&e.action == action && (column.is_none() || &e.column == column)));
        }
        txn.put_acl(&target.project.name, &target.object, &grantee, &grants)?;
    }
    Ok(StatementResult::Ok)
}

/// The ARN a policy-mode grant names (`acs:odps:*:projects/p/tables/tb_*`).
pub(crate) fn policy_resource(project: &Project, object: &GrantObject) -> String {
    let kind = ObjectType::from(object.kind);
    let project_name = match kind {
        ObjectType::Project => canonical_name(&object.name.name),
        _ => object
            .name
            .project
            .as_deref()
            .map(canonical_name)
            .unwrap_or_else(|| project.name.clone()),
    };
    let name = match kind {
        ObjectType::Package => {
            let src = object
                .name
                .project
                .as_deref()
                .map(canonical_name)
                .unwrap_or_else(|| project.name.clone());
            format!("{src}.{}", canonical_name(&object.name.name))
        }
        _ => canonical_name(&object.name.name),
    };
    let project_name = if kind == ObjectType::Package {
        project.name.clone()
    } else {
        project_name
    };
    let base = object_path(&project_name, &ObjectRef { kind, name });
    match &object.columns {
        Some(cs) if cs.len() == 1 => format!("acs:odps:*:{base}/{}", canonical_name(&cs[0])),
        _ => format!("acs:odps:*:{base}"),
    }
}

/// A bound policy-mode grant or revoke: what each role's policy gains or loses.
pub struct PolicyGrant {
    /// The grantee roles, each found to exist and checked.
    pub roles: Vec<String>,
    pub effect: Effect,
    pub actions: Vec<String>,
    /// The ARN the statement names.
    pub resource: String,
    pub conditions: Vec<policy::Condition>,
    pub expires: Option<i64>,
    pub grant: bool,
}

/// §4.3: `privilegeproperties("policy"="true", "allow"=...)` adds (or, on revoke, removes) a
/// statement of each role's policy.
pub fn policy_grant(
    txn: &mut Txn<'_>,
    project: &Project,
    bound: &PolicyGrant,
) -> Result<StatementResult> {
    let wanted: Vec<String> = bound.actions.iter().map(|a| format!("odps:{a}")).collect();
    for role_name in &bound.roles {
        let mut doc = match txn.role_policy(&project.name, role_name)? {
            Some(text) => PolicyDocument::parse(&text, PolicyKind::Role)?,
            None => PolicyDocument::empty(),
        };
        if bound.grant {
            doc.statements.push(PolicyStatement::from_grant(
                bound.effect,
                &bound.actions,
                &bound.resource,
                bound.conditions.clone(),
                bound.expires,
            ));
        } else {
            for s in doc.statements.iter_mut() {
                if s.effect == bound.effect
                    && s.resources.len() == 1
                    && s.resources[0].eq_ignore_ascii_case(&bound.resource)
                {
                    s.actions
                        .retain(|a| !wanted.iter().any(|w| w.eq_ignore_ascii_case(a)));
                }
            }
            doc.statements.retain(|s| !s.actions.is_empty());
        }
        txn.put_role_policy(&project.name, role_name, Some(&doc.to_pretty_string()))?;
    }
    Ok(StatementResult::Ok)
}

/// `grant <actions> on <type> <obj> to ... privilegeproperties("refobject"="true",
/// "refproject"="<src>", "package"="<pkg>")`: object-level ACL inside an installed package,
/// stored in the installing project under [`super::installed_object_ref`].
/// A bound grant or revoke on an object of an installed package: the installation exists and
/// the provider has been reached.
pub struct InstalledGrant<'s> {
    pub source: String,
    pub package: String,
    pub kind: ObjectType,
    pub object: String,
    pub privileges: &'s [Privilege],
    pub grantees: &'s [Principal],
    pub grant: bool,
}

pub fn installed_object_grant(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    bound: &InstalledGrant<'_>,
) -> Result<StatementResult> {
    let (source, package, object_name) = (&bound.source, &bound.package, &bound.object);
    let (privileges, grantees, grant) = (bound.privileges, bound.grantees, bound.grant);
    let kind = bound.kind;
    let pkg = txn
        .package(source, package)?
        .ok_or_else(|| messages::package_missing(source, package))?;
    let Some(shared) = pkg
        .objects
        .iter()
        .find(|o| o.kind == kind && &o.name == object_name)
    else {
        return Err(messages::package_lacks_object(
            kind_label(kind),
            object_name,
            package,
        ));
    };
    let target = Target {
        project: project.clone(),
        object: super::installed_object_ref(source, package, kind, object_name),
        columns: None,
        creator: None,
    };
    let wanted = entries_of(privileges, &target)?;
    // Access through a package never exceeds what the package gives for the object (the
    // authorizer checks the object's package privileges first), so a grant of anything else
    // would be stored and never apply. `All` is refused too unless the package gives `All`.
    // A revoke may name anything: it only removes.
    if grant && !shared.privileges.iter().any(|p| p == "All") {
        if let Some((action, _)) = wanted.iter().find(|(a, _)| !shared.privileges.contains(a)) {
            return Err(messages::package_lacks_privilege(
                source,
                package,
                action,
                kind_label(kind),
                object_name,
                &shared.privileges,
            ));
        }
    }
    for principal in grantees {
        let grantee = acl_grantee(ctx, txn, &target, principal, grant)?;
        let mut grants = txn.acl(&project.name, &target.object, &grantee)?;
        for (action, column) in &wanted {
            grants
                .entries
                .retain(|e| !(&e.action == action && &e.column == column));
            if grant {
                grants.entries.push(AclEntry {
                    action: action.clone(),
                    column: column.clone(),
                    expires: None,
                    conditions: None,
                    grantor: ctx.user.to_string(),
                    granted_at: ctx.now,
                });
            }
        }
        txn.put_acl(&project.name, &target.object, &grantee, &grants)?;
    }
    Ok(StatementResult::Ok)
}

/// `grant super <priv>, ... to <principal>`: project-wide privileges, stored as ACL entries on
/// the project object (§12; semantics undocumented, so they behave as project-level grants).
pub fn super_privileges(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    privileges: &[String],
    grantees: &[Principal],
    grant: bool,
) -> Result<StatementResult> {
    let object = ObjectRef {
        kind: ObjectType::Project,
        name: project.name.clone(),
    };
    let actions: Vec<String> = privileges
        .iter()
        .map(|p| {
            policy::canonical_action(p)
                .filter(|a| !policy::is_management_action(a))
                .map(str::to_string)
                .ok_or_else(|| messages::invalid_super_privilege(p))
        })
        .collect::<Result<_>>()?;
    let target = Target {
        project: project.clone(),
        object: object.clone(),
        columns: None,
        creator: None,
    };
    for principal in grantees {
        let grantee = acl_grantee(ctx, txn, &target, principal, grant)?;
        let mut grants = txn.acl(&project.name, &object, &grantee)?;
        for a in &actions {
            grants
                .entries
                .retain(|e| !(&e.action == a && e.column.is_none()));
            if grant {
                grants.entries.push(AclEntry {
                    action: a.clone(),
                    column: None,
                    expires: None,
                    conditions: None,
                    grantor: ctx.user.to_string(),
                    granted_at: ctx.now,
                });
            }
        }
        txn.put_acl(&project.name, &object, &grantee, &grants)?;
    }
    Ok(StatementResult::Ok)
}

/// What a listing is restricted to: `on type <t>` or `on <type> <object>`.
#[derive(Default, Clone)]
pub struct Filter {
    pub kind: Option<ObjectType>,
    pub object: Option<(String, ObjectRef)>,
}

impl Filter {
    fn keeps(&self, project: &str, object: &ObjectRef) -> bool {
        self.kind.is_none_or(|k| k == object.kind)
            && self
                .object
                .as_ref()
                .is_none_or(|(p, o)| p == project && o == object)
    }

    fn keeps_path(&self, path: &str) -> bool {
        if let Some((p, o)) = &self.object {
            return policy::glob_match(path, &object_path(p, o)) || path == object_path(p, o);
        }
        match self.kind {
            None => true,
            Some(k) => {
                let probe = object_path(
                    "x",
                    &ObjectRef {
                        kind: k,
                        name: "y".into(),
                    },
                );
                let segment = probe
                    .trim_start_matches("projects/x")
                    .trim_end_matches("/y");
                if k == ObjectType::Project {
                    !path.trim_start_matches("projects/").contains('/')
                } else {
                    path.contains(&format!("{segment}/"))
                }
            }
        }
    }
}

/// ACL rows of one grantee on one object: entries with the same column, expiry and conditions
/// share a row; actions in display order.
fn acl_rows(
    project: &str,
    object: &ObjectRef,
    grants: &AclGrants,
    grantee: Option<&Grantee>,
    full_arn: bool,
) -> Vec<GrantRow> {
    // (column, expires, conditions, actions)
    type Row = (Option<String>, Option<i64>, Option<String>, Vec<String>);
    let mut groups: Vec<Row> = Vec::new();
    for e in &grants.entries {
        match groups
            .iter_mut()
            .find(|g| g.0 == e.column && g.1 == e.expires && g.2 == e.conditions)
        {
            Some(g) => g.3.push(e.action.clone()),
            None => groups.push((
                e.column.clone(),
                e.expires,
                e.conditions.clone(),
                vec![e.action.clone()],
            )),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let path = object_path(project, object);
    groups
        .into_iter()
        .map(|(column, expires, conditions, mut actions)| {
            actions.sort_by_key(|a| display_rank(a));
            actions.dedup();
            let mut resource = if full_arn && object.kind != ObjectType::Project {
                format!("acs:odps:*:{path}")
            } else {
                path.clone()
            };
            if let Some(c) = &column {
                resource.push('/');
                resource.push_str(c);
            }
            GrantRow {
                flags: if conditions.is_some() {
                    "AC".into()
                } else {
                    "A".into()
                },
                grantee: grantee.map(subject_of),
                resource,
                actions,
                expires: expires.map(format_time),
                conditions,
            }
        })
        .collect()
}

pub(crate) fn subject_of(g: &Grantee) -> String {
    match g {
        Grantee::User(u) => format!("user/{u}"),
        Grantee::Role(r) => format!("role/{r}"),
    }
}

/// Rows of the policy statements in `doc` (relative resource paths, `odps:` stripped), sorted
/// by resource path.
pub(crate) fn policy_rows(
    doc: &PolicyDocument,
    principal: Option<&str>,
    filter: &Filter,
) -> Vec<GrantRow> {
    let mut rows = Vec::new();
    for s in &doc.statements {
        if let Some(p) = principal {
            if !s.matches_principal(p) {
                continue;
            }
        }
        let expires = s.expires();
        let has_conditions = s.conditions.iter().any(|c| {
            !(c.operator == "DateLessThan"
                && c.key.eq_ignore_ascii_case("acs:CurrentTime")
                && expires.is_some())
        });
        let mut flags = if s.effect == Effect::Allow {
            "A".to_string()
        } else {
            "D".to_string()
        };
        if has_conditions {
            flags.push('C');
        }
        for r in &s.resources {
            let path = r
                .split_once("acs:odps:*:")
                .map(|(_, p)| p.to_string())
                .unwrap_or_else(|| r.clone());
            if !filter.keeps_path(&path) {
                continue;
            }
            rows.push(GrantRow {
                flags: flags.clone(),
                grantee: None,
                resource: path,
                actions: s
                    .actions
                    .iter()
                    .map(|a| a.strip_prefix("odps:").unwrap_or(a).to_string())
                    .collect(),
                expires: expires.map(format_time),
                conditions: None,
            });
        }
    }
    // Listed by resource path, as the reference's `describe role Worker` sample shows them
    // (bak*, sale_detail, tb_*, view_1) and as the ACL rows are; statements on one path keep
    // their document order.
    rows.sort_by(|a, b| a.resource.cmp(&b.resource));
    rows
}

/// The `Authorization Type: ACL` and `Policy` blocks of a user (its own rows, then each of its
/// roles') or of a role. `with_subject` adds the `[user/...]`/`[role/...]` lines (`show grants`),
/// which `describe role` leaves out.
pub(crate) fn principal_blocks(
    ctx: &ExecContext<'_>,
    txn: &Txn<'_>,
    project: &Project,
    grantee: &Grantee,
    with_subject: bool,
    filter: Option<&Filter>,
) -> Result<Vec<GrantBlock>> {
    let _ = ctx;
    let default_filter = Filter::default();
    let filter = filter.unwrap_or(&default_filter);
    let mut subjects = vec![grantee.clone()];
    if let Grantee::User(u) = grantee {
        for r in txn
            .user(&project.name, u)?
            .map(|u| u.roles)
            .unwrap_or_default()
        {
            subjects.push(Grantee::Role(r));
        }
    }
    let mut acl = GrantBlock {
        kind: "ACL".into(),
        groups: Vec::new(),
    };
    let mut pol = GrantBlock {
        kind: "Policy".into(),
        groups: Vec::new(),
    };
    let docs_project = project
        .policy
        .as_deref()
        .and_then(|t| PolicyDocument::parse(t, PolicyKind::Project).ok());
    for s in &subjects {
        let mut rows = Vec::new();
        for (object, grants) in txn.acl_of_grantee(&project.name, s)? {
            if filter.keeps(&project.name, &object) {
                rows.extend(acl_rows(&project.name, &object, &grants, None, false));
            }
        }
        let subject = with_subject.then(|| subject_of(s));
        acl.groups.push(GrantGroup {
            subject: subject.clone(),
            rows,
        });
        let policy_rows = match s {
            Grantee::User(u) => docs_project
                .as_ref()
                .map(|d| policy_rows(d, Some(u), filter))
                .unwrap_or_default(),
            Grantee::Role(r) => match txn.role_policy(&project.name, r)? {
                Some(text) => PolicyDocument::parse(&text, PolicyKind::Role)
                    .map(|d| policy_rows(&d, None, filter))
                    .unwrap_or_default(),
                None => Vec::new(),
            },
        };
        pol.groups.push(GrantGroup {
            subject,
            rows: policy_rows,
        });
    }
    Ok(vec![acl, pol])
}

/// `show grants` of the grantee its plan resolved (and checked when not the caller), filtered
/// as the plan resolved.
pub fn show_grants(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    grantee: Grantee,
    filter: &Filter,
) -> Result<StatementResult> {
    match &grantee {
        Grantee::User(u) if u == &project.owner => {
            return Ok(StatementResult::OwnerGrants {
                principal: u.clone(),
                project: project.name.clone(),
            });
        }
        Grantee::User(u) => {
            if txn.user(&project.name, u)?.is_none()
                && txn.acl_of_grantee(&project.name, &grantee)?.is_empty()
            {
                return Err(messages::principal_missing(u, &project.name));
            }
        }
        Grantee::Role(r) => {
            existing_role(txn, &project.name, r)?;
        }
    }
    let blocks = principal_blocks(ctx, txn, project, &grantee, true, Some(filter))?;
    let roles = match &grantee {
        Grantee::User(u) => txn
            .user(&project.name, u)?
            .map(|u| u.roles)
            .unwrap_or_default(),
        Grantee::Role(_) => Vec::new(),
    };
    let (principal, principal_type) = match grantee {
        Grantee::User(u) => (u, PrincipalType::User),
        Grantee::Role(r) => (r, PrincipalType::Role),
    };
    Ok(StatementResult::Grants {
        principal,
        principal_type,
        roles,
        blocks,
    })
}

/// `show grants on <type> <obj> privilegeproperties("refobject"="true", ...)` (§7.3 layout).
pub fn show_installed_object_grants(
    txn: &mut Txn<'_>,
    project: &Project,
    source: &str,
    package: &str,
    kind: ObjectType,
    name: String,
) -> Result<StatementResult> {
    let stored = super::installed_object_ref(source, package, kind, &name);
    let shown = object_path(source, &ObjectRef { kind, name });
    let implicit = GrantBlock {
        kind: "Implicit".into(),
        groups: vec![GrantGroup {
            subject: None,
            rows: vec![implicit_row("project_owner", &project.owner)],
        }],
    };
    let mut rows = Vec::new();
    for (grantee, grants) in txn.acl_on_object(&project.name, &stored)? {
        for mut row in acl_rows(&project.name, &stored, &grants, Some(&grantee), true) {
            row.resource = format!("acs:odps:*:{shown}");
            rows.push(row);
        }
    }
    let installed = GrantBlock {
        kind: "InstalledObjecACL".into(),
        groups: vec![GrantGroup {
            subject: Some(package.to_string()),
            rows,
        }],
    };
    Ok(StatementResult::Acl {
        object: shown,
        blocks: vec![implicit, installed],
    })
}

fn implicit_row(kind: &str, who: &str) -> GrantRow {
    GrantRow {
        flags: "AG".into(),
        grantee: Some(format!("{kind}/{who}")),
        resource: String::new(),
        actions: vec!["All".into()],
        expires: None,
        conditions: None,
    }
}

/// `show acl for <object> [on type <t>]` (§3.3): the implicit rights, then every ACL row.
pub fn show_acl(txn: &mut Txn<'_>, target: &Target) -> Result<StatementResult> {
    let p = &target.project;
    let mut implicit = vec![
        implicit_row("project_owner", &p.owner),
        implicit_row("admin", &p.owner),
    ];
    for u in txn.users(&p.name)? {
        if u.roles.iter().any(|r| r == super::SUPER_ADMINISTRATOR) {
            implicit.push(implicit_row("super_administrator", &u.principal));
        }
        if u.roles.iter().any(|r| r == super::ADMIN) {
            implicit.push(implicit_row("admin", &u.principal));
        }
    }
    if let Some(c) = &target.creator {
        if p.settings.object_creator_has_access_permission {
            let mut row = implicit_row("object_creator", c);
            if !p.settings.object_creator_has_grant_permission {
                row.flags = "A".into();
            }
            implicit.push(row);
        }
    }
    let mut rows = Vec::new();
    for (grantee, grants) in txn.acl_on_object(&p.name, &target.object)? {
        rows.extend(acl_rows(
            &p.name,
            &target.object,
            &grants,
            Some(&grantee),
            true,
        ));
    }
    let blocks = vec![
        GrantBlock {
            kind: "Implicit".into(),
            groups: vec![GrantGroup {
                subject: None,
                rows: implicit,
            }],
        },
        GrantBlock {
            kind: "ACL".into(),
            groups: vec![GrantGroup {
                subject: None,
                rows,
            }],
        },
    ];
    Ok(StatementResult::Acl {
        object: object_path(&p.name, &target.object),
        blocks,
    })
}

/// `purge privs from <principal>`: deletes the ACL entries, label grants and policy of a
/// principal that no longer exists (§2.1: running it on a live role fails).
pub fn purge(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    principals: &[Principal],
) -> Result<StatementResult> {
    for principal in principals {
        let grantee = grantee_of(principal, ctx.user)?;
        match &grantee {
            Grantee::Role(r) => {
                if txn.role(&project.name, r)?.is_some() {
                    return Err(messages::principal_still_exists(r));
                }
                txn.put_role_policy(&project.name, r, None)?;
            }
            Grantee::User(u) => {
                if u == &project.owner || txn.user(&project.name, u)?.is_some() {
                    return Err(messages::principal_still_exists(u));
                }
            }
        }
        for (object, _) in txn.acl_of_grantee(&project.name, &grantee)? {
            txn.put_acl(&project.name, &object, &grantee, &AclGrants::default())?;
        }
        for (table, _) in txn.label_grants_of_grantee(&project.name, &grantee)? {
            txn.put_label_grants(&project.name, &table, &grantee, &Default::default())?;
        }
    }
    Ok(StatementResult::Ok)
}

/// `clear expired grants`: deletes expired ACL entries, label grants and expired policy-mode
/// statements of role policies (§3.1).
pub fn clear_expired(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
) -> Result<StatementResult> {
    let now = ctx.now;
    for (object, grantee, mut grants) in txn.all_acl(&project.name)? {
        let before = grants.entries.len();
        grants.entries.retain(|e| e.expires.is_none_or(|t| t > now));
        if grants.entries.len() != before {
            txn.put_acl(&project.name, &object, &grantee, &grants)?;
        }
    }
    for (table, grantee, mut grants) in txn.all_label_grants(&project.name)? {
        let before = grants.entries.len();
        grants.entries.retain(|e| e.expires > now);
        if grants.entries.len() != before {
            txn.put_label_grants(&project.name, &table, &grantee, &grants)?;
        }
    }
    for role in txn.roles(&project.name)? {
        let Some(text) = txn.role_policy(&project.name, &role.name)? else {
            continue;
        };
        let Ok(mut doc) = PolicyDocument::parse(&text, PolicyKind::Role) else {
            continue;
        };
        let before = doc.statements.len();
        doc.statements
            .retain(|s| s.expires().is_none_or(|t| t > now));
        if doc.statements.len() != before {
            txn.put_role_policy(&project.name, &role.name, Some(&doc.to_pretty_string()))?;
        }
    }
    Ok(StatementResult::Ok)
}

/// A user principal of a label or grant statement, resolved.
pub(crate) fn user_of(principal: &Principal, caller: &str) -> String {
    resolve_user(&principal.name, caller)
}
