//! `show effective grants ...`: every (principal, object, action) the authorizer allows now,
//! with where the right comes from.
//!
//! Walk `show effective grants for RAM$owner:alice in project prj1;`. [`candidates`] lists the
//! triples worth asking about, from the catalog alone: alice (a principal of prj1: its owner,
//! an added user, or a holder of a tenant role added to prj1) against prj1 itself (the
//! project-level actions `CreateTable`, `CreateInstance`, ...), every table, function, resource,
//! model and instance of prj1 with the actions its kind takes, and every object that a package
//! installed in prj1 brings in from its provider. [`compute`] then asks the real authorizer
//! (`authz::authorize_in`, the same function every statement is decided by) about each triple
//! as alice from the session's address at the session's time, with prj1 as the current
//! project. An allowed request is a row; its `via` comes from the deciding rules of the
//! response (the ACL grant to alice or to one of her roles, a policy statement, the owner's,
//! Admin's, Super_Administrator's or the object creator's implicit rights, an installed
//! package, a tenant role's grant) and its expiry and conditions from the grant records those
//! rules name. A table read refused as a whole is asked column by column, so a column grant is
//! a row naming its columns, and columns kept back by label security are named among the
//! row's restrictions, beside the answers the authorizer gives for a tunnel download of the
//! table (download control, project protection). There is no second copy of any rule here:
//! change the authorizer and these rows change with it (`tests/effective_grants.rs` checks
//! every row, and every allowed candidate, against it).

pub use super::plan::Query;
use super::render::format_time;
pub use super::result::{EffectiveGrant, EffectiveGrants};
use super::{object_path, ExecContext, StatementResult};
use crate::authz::{
    self, Action, Layer, Outflow, RecordCache, Request, Resource, Response, Rule, Snapshot,
    TaskType, Verdict,
};
use crate::catalog::model::{Grantee, ObjectRef, ObjectType};
use crate::catalog::Txn;
use crate::error::Result;
use std::collections::BTreeSet;

/// One triple to ask the authorizer about. `current` is the project the request is made in
/// (the one whose members are enumerated); `resource.project` differs from it for objects
/// reached through an installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub principal: String,
    pub current: String,
    pub resource: Resource,
    pub action: Action,
    /// The table's columns, in their declared order, for table reads.
    pub columns: Vec<String>,
}

/// The actions worth asking about for an object of `kind` (reference §3.1's per-object table;
/// `All` is a grant's shorthand, never a request, and `Download` is asked as the tunnel
/// download it controls).
pub fn actions_for(kind: ObjectType) -> &'static [Action] {
    use Action as A;
    match kind {
        ObjectType::Project => &[
            A::List,
            A::CreateTable,
            A::CreateInstance,
            A::CreateFunction,
            A::CreateResource,
            A::CreateJob,
        ],
        ObjectType::Table => &[A::Select, A::Describe, A::Alter, A::Update, A::Drop],
        ObjectType::Resource => &[A::Read, A::Write, A::Delete],
        ObjectType::Function => &[A::Read, A::Write, A::Delete, A::Execute],
        ObjectType::Instance => &[A::Read, A::Write],
        ObjectType::Package => &[A::Read],
        _ => &[A::Describe, A::Execute, A::Alter, A::Drop],
    }
}

const NAMED_KINDS: [ObjectType; 7] = [
    ObjectType::Function,
    ObjectType::Resource,
    ObjectType::Instance,
    ObjectType::Model,
    ObjectType::OfflineModel,
    ObjectType::Volume,
    ObjectType::Xflow,
];

/// The principals a request in `project` can come from with any chance of passing
/// membership: its owner, its added users, and the holders of tenant roles added to it.
pub fn principals_of(txn: &Txn<'_>, project: &str) -> Result<Vec<String>> {
    let Some(p) = txn.project(project)? else {
        return Err(authz::project_not_found(project));
    };
    let mut out = vec![p.owner.clone()];
    for user in txn.users(project)? {
        if !out.contains(&user.principal) {
            out.push(user.principal);
        }
    }
    for role in txn.tenant_roles()? {
        if role.projects.iter().any(|q| q == project) {
            for member in role.members {
                if !out.contains(&member) {
                    out.push(member);
                }
            }
        }
    }
    Ok(out)
}

/// An object a request in a project can name, with the columns of a table.
#[derive(Debug, Clone)]
struct Target {
    resource: Resource,
    columns: Vec<String>,
}

/// The objects a request in `project` can reach: the project, its own objects, and the objects
/// of the packages installed in it.
fn targets_of(txn: &Txn<'_>, project: &str) -> Result<Vec<Target>> {
    let mut out = vec![Target {
        resource: Resource::project(project),
        columns: Vec::new(),
    }];
    own_objects(txn, project, &mut out)?;
    for installed in txn.installed_packages(project)? {
        let Some(package) = txn.package(&installed.source_project, &installed.package)? else {
            continue;
        };
        for object in &package.objects {
            let columns = if object.kind == ObjectType::Table {
                match txn.table(&installed.source_project, &object.name)? {
                    Some(t) => t.columns.into_iter().map(|c| c.name).collect(),
                    None => continue,
                }
            } else {
                Vec::new()
            };
            let resource = Resource::object(&installed.source_project, object.kind, &object.name);
            if !out.iter().any(|t| t.resource == resource) {
                out.push(Target { resource, columns });
            }
        }
    }
    Ok(out)
}

fn own_objects(txn: &Txn<'_>, project: &str, out: &mut Vec<Target>) -> Result<()> {
    for t in txn.tables(project)? {
        out.push(Target {
            resource: Resource::object(project, ObjectType::Table, &t.name),
            columns: t.columns.into_iter().map(|c| c.name).collect(),
        });
    }
    for kind in NAMED_KINDS {
        for o in txn.objects(project, kind)? {
            out.push(Target {
                resource: Resource::object(project, kind, &o.name),
                columns: Vec::new(),
            });
        }
    }
    Ok(())
}

/// Every project in which a request can reach `object` of `project`: the project itself and
/// those that installed a package of it holding the object.
fn reaching_projects(txn: &Txn<'_>, project: &str, object: &ObjectRef) -> Result<Vec<String>> {
    let mut out = vec![project.to_string()];
    if object.kind == ObjectType::Project {
        return Ok(out);
    }
    for p in txn.projects()? {
        if p.name == project {
            continue;
        }
        for installed in txn.installed_packages(&p.name)? {
            if installed.source_project != project {
                continue;
            }
            let holds = txn.package(project, &installed.package)?.is_some_and(|k| {
                k.objects
                    .iter()
                    .any(|o| o.kind == object.kind && o.name == object.name)
            });
            if holds && !out.contains(&p.name) {
                out.push(p.name.clone());
            }
        }
    }
    Ok(out)
}

fn resource_matches(resource: &Resource, project: &str, object: &ObjectRef) -> bool {
    resource.project == project
        && resource.kind == object.kind
        && match object.kind {
            ObjectType::Project => resource.name.is_none(),
            _ => resource.name.as_deref() == Some(object.name.as_str()),
        }
}

/// Every triple [`compute`] asks about, in the order rows are listed: by principal, then
/// object, then action.
pub fn candidates(txn: &Txn<'_>, query: &Query) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    each_candidate(txn, query, |c| {
        out.push(c.clone());
        Ok(())
    })?;
    Ok(out)
}

/// Hands each candidate of `query` to `f` in turn, without collecting them (a tenant's
/// candidates can be many more than its rows).
fn each_candidate(
    txn: &Txn<'_>,
    query: &Query,
    mut f: impl FnMut(&Candidate) -> Result<()>,
) -> Result<()> {
    let currents = match &query.object {
        Some((project, object)) => reaching_projects(txn, project, object)?,
        None => vec![query.project.clone()],
    };
    for current in currents {
        // A request is made in a project by one of its principals: a principal named in the
        // query counts only where it is one.
        let mut principals = principals_of(txn, &current)?;
        if let Some(p) = &query.principal {
            principals.retain(|q| q == p);
        }
        let targets: Vec<Target> = targets_of(txn, &current)?
            .into_iter()
            .filter(|t| match &query.object {
                Some((project, object)) => resource_matches(&t.resource, project, object),
                None => true,
            })
            .collect();
        let mut candidate = Candidate {
            principal: String::new(),
            current: current.clone(),
            resource: Resource::project(&current),
            action: Action::List,
            columns: Vec::new(),
        };
        for principal in principals {
            candidate.principal = principal;
            for target in &targets {
                candidate.resource.clone_from(&target.resource);
                candidate.columns.clone_from(&target.columns);
                for action in actions_for(target.resource.kind) {
                    candidate.action = *action;
                    f(&candidate)?;
                }
            }
        }
    }
    Ok(())
}

/// The request a candidate stands for: made in its current project from `source_ip` at `now`;
/// a table read names `columns`, and data reached through a package flows into the project
/// the request is made in, as a `select` there would.
pub fn request(candidate: &Candidate, columns: Option<Vec<String>>, query: &Query) -> Request {
    let mut resource = candidate.resource.clone();
    resource.columns = columns;
    let outflow = (candidate.resource.project != candidate.current
        && candidate.action == Action::Select)
        .then(|| Outflow::Project(candidate.current.clone()));
    Request {
        principal: candidate.principal.clone(),
        source_ip: query.source_ip.clone(),
        current_project: Some(candidate.current.clone()),
        action: candidate.action,
        resource,
        task_type: TaskType::Sql,
        outflow,
        now: query.now,
    }
}

/// Whether a candidate is a table read, asked with its columns.
fn reads_columns(candidate: &Candidate) -> bool {
    candidate.action == Action::Select
        && candidate.resource.kind == ObjectType::Table
        && !candidate.columns.is_empty()
}

/// Every allowed triple of `query`, each decided by the authorizer.
pub fn compute(
    txn: &Txn<'_>,
    records: Option<&RecordCache>,
    query: &Query,
) -> Result<Vec<EffectiveGrant>> {
    let snapshot = Snapshot::reusing(txn, records);
    let mut rows = Vec::new();
    let mut scratch = None;
    each_candidate(txn, query, |candidate| {
        if let Some(row) = decide(txn, &snapshot, candidate, query, &mut scratch)? {
            rows.push(row);
        }
        Ok(())
    })?;
    Ok(rows)
}

/// The row of one candidate, if the authorizer allows it.
fn decide(
    txn: &Txn<'_>,
    snapshot: &Snapshot<'_, '_>,
    candidate: &Candidate,
    query: &Query,
    scratch: &mut Option<Request>,
) -> Result<Option<EffectiveGrant>> {
    if !reads_columns(candidate) {
        // Most candidates are refused: the request is rebuilt in place rather than allocated.
        let asked = match scratch {
            Some(r) => {
                r.principal.clone_from(&candidate.principal);
                r.current_project
                    .clone_from(&Some(candidate.current.clone()));
                r.resource.clone_from(&candidate.resource);
                r.action = candidate.action;
                r
            }
            None => scratch.insert(request(candidate, None, query)),
        };
        asked.outflow = None;
        asked.resource.columns = None;
        let response = authz::try_authorize_in(asked, snapshot)?;
        return Ok(response
            .allowed()
            .then(|| row(txn, candidate, None, &response, Vec::new())));
    }
    let whole = request(candidate, Some(candidate.columns.clone()), query);
    let response = authz::try_authorize_in(&whole, snapshot)?;
    if response.allowed() {
        let restrictions = read_restrictions(snapshot, candidate, query)?;
        return Ok(Some(row(txn, candidate, None, &response, restrictions)));
    }
    // Refused as a whole: some columns may still be readable (column grants, labels) — unless
    // the authorizer found no allow source for any column at all.
    let nothing_allows = response.layer(Layer::AllowSources).is_some_and(|l| {
        l.verdict == Verdict::Deny
            && l.rules
                .iter()
                .any(|r| matches!(r, Rule::DefaultDeny { columns: None, .. }))
    });
    if nothing_allows {
        return Ok(None);
    }
    let mut allowed = Vec::new();
    let mut last = None;
    for column in &candidate.columns {
        let one = request(candidate, Some(vec![column.clone()]), query);
        let answer = authz::try_authorize_in(&one, snapshot)?;
        if answer.allowed() {
            allowed.push(column.clone());
            last = Some(answer);
        }
    }
    let Some(_) = last else {
        return Ok(None);
    };
    let answer =
        authz::try_authorize_in(&request(candidate, Some(allowed.clone()), query), snapshot)?;
    if !answer.allowed() {
        // Columns readable one by one but not together cannot happen with per-column rules;
        // list the row only for what the authorizer allows as asked.
        return Ok(None);
    }
    let mut restrictions: Vec<String> = response
        .facts
        .label_shortfalls
        .iter()
        .map(|(column, needed, effective)| {
            format!("label security: column {column} needs label {needed} (effective label {effective})")
        })
        .collect();
    restrictions.extend(read_restrictions(snapshot, candidate, query)?);
    Ok(Some(row(
        txn,
        candidate,
        Some(allowed),
        &answer,
        restrictions,
    )))
}

/// What the authorizer says about taking the table's data out: a tunnel download to the
/// client, and (for a protected project) flows into other projects.
fn read_restrictions(
    snapshot: &Snapshot<'_, '_>,
    candidate: &Candidate,
    query: &Query,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut download = request(candidate, Some(candidate.columns.clone()), query);
    download.task_type = TaskType::Tunnel;
    download.outflow = Some(Outflow::Client);
    let answer = authz::try_authorize_in(&download, snapshot)?;
    if !answer.allowed() {
        let layer = answer
            .layers
            .iter()
            .find(|l| l.verdict == Verdict::Deny)
            .map(|l| l.layer.title())
            .unwrap_or("authorization");
        let code = answer.code.map(|c| c.number()).unwrap_or("-");
        out.push(format!("tunnel download refused by {layer} [{code}]"));
    }
    if let Some(project) = snapshot.project(&candidate.resource.project)? {
        if project.settings.project_protection {
            let trusted = if project.trusted_projects.is_empty() {
                String::new()
            } else {
                format!(" except to trusted {}", project.trusted_projects.join(", "))
            };
            out.push(format!(
                "project protection: data may not flow out of {}{trusted}",
                project.name
            ));
        }
    }
    Ok(out)
}

/// A row from an allowed response: `via`, expiry and conditions from its deciding rules.
fn row(
    txn: &Txn<'_>,
    candidate: &Candidate,
    columns: Option<Vec<String>>,
    response: &Response,
    restrictions: Vec<String>,
) -> EffectiveGrant {
    let deciding: Vec<&Rule> = response
        .layers
        .iter()
        .filter(|l| {
            l.verdict == Verdict::Allow
                && matches!(l.layer, Layer::OwnerOrSuperAdmin | Layer::AllowSources)
        })
        .flat_map(|l| l.rules.iter())
        .collect();
    let mut via = Vec::new();
    let mut expires: Option<i64> = None;
    let mut conditions = Vec::new();
    for rule in &deciding {
        if let Some(words) = via_words(rule) {
            if !via.contains(&words) {
                via.push(words);
            }
        }
        if let Rule::Acl { grantee, path, .. } = rule {
            for (at, condition) in grant_terms(txn, candidate, grantee, path) {
                if let Some(at) = at {
                    expires = Some(expires.map_or(at, |e| e.min(at)));
                }
                if let Some(c) = condition {
                    if !conditions.contains(&c) {
                        conditions.push(c);
                    }
                }
            }
        }
        if let Rule::Policy {
            source,
            index,
            conditions: true,
            ..
        } = rule
        {
            conditions.push(format!("{source} statement {}", index + 1));
        }
    }
    let object = match candidate.resource.kind {
        ObjectType::Project => format!("projects/{}", candidate.resource.project),
        kind => object_path(
            &candidate.resource.project,
            &ObjectRef {
                kind,
                name: candidate.resource.name.clone().unwrap_or_default(),
            },
        ),
    };
    EffectiveGrant {
        principal: candidate.principal.clone(),
        project: candidate.current.clone(),
        object_type: candidate.resource.kind.keyword().to_string(),
        object,
        action: candidate.action.name().to_string(),
        columns,
        via,
        rules: deciding.iter().map(ToString::to_string).collect(),
        expires: expires.map(format_time),
        conditions,
        restrictions,
    }
}

/// The (expiry, conditions) of the stored entries an ACL rule rests on.
fn grant_terms(
    txn: &Txn<'_>,
    candidate: &Candidate,
    grantee: &Grantee,
    path: &str,
) -> Vec<(Option<i64>, Option<String>)> {
    let project = &candidate.resource.project;
    let name = match candidate.resource.kind {
        ObjectType::Project => project.clone(),
        // A wildcard role grant is stored under its pattern, the path's last segment.
        _ if path.ends_with('*') => path.rsplit('/').next().unwrap_or_default().to_string(),
        _ => candidate.resource.name.clone().unwrap_or_default(),
    };
    let object = ObjectRef {
        kind: candidate.resource.kind,
        name,
    };
    let action = candidate.action.name();
    txn.acl(project, &object, grantee)
        .map(|grants| {
            grants
                .entries
                .into_iter()
                .filter(|e| e.action == action || e.action == "All")
                .map(|e| (e.expires, e.conditions))
                .collect()
        })
        .unwrap_or_default()
}

/// The short provenance of an allowing rule; `None` for rules that only let a request pass.
pub fn via_words(rule: &Rule) -> Option<String> {
    Some(match rule {
        Rule::Acl {
            grantee: Grantee::User(_),
            ..
        } => "direct ACL".to_string(),
        Rule::Acl {
            grantee: Grantee::Role(role),
            ..
        } => format!("role {role}"),
        Rule::Policy { source, index, .. } => format!("{source} statement {}", index + 1),
        Rule::Implicit { who, .. } => match *who {
            "project_owner" => "owner".to_string(),
            "super_administrator" => "Super_Administrator".to_string(),
            "admin" => "Admin".to_string(),
            "object_creator" => "object creator".to_string(),
            other => other.to_string(),
        },
        Rule::InstalledPackage { package, .. } => match package.split_once('.') {
            Some((project, name)) => format!("package {name} from project {project}"),
            None => format!("package {package}"),
        },
        Rule::TenantRoleGrant { role, .. } => format!("tenant role {role}"),
        _ => return None,
    })
}

/// Runs `show effective grants` for a bound query.
pub fn run(ctx: &ExecContext<'_>, txn: &Txn<'_>, query: Query) -> Result<StatementResult> {
    let grants = compute(txn, ctx.records, &query)?;
    Ok(StatementResult::EffectiveGrants(EffectiveGrants {
        project: query.project.clone(),
        principal: query.principal.clone(),
        object: query.object.as_ref().map(|(p, o)| match o.kind {
            ObjectType::Project => format!("projects/{p}"),
            _ => object_path(p, o),
        }),
        grants,
    }))
}

/// The (principal, object, action) keys of a set of rows, for diffs.
pub fn keys(rows: &[EffectiveGrant]) -> BTreeSet<(String, String, String)> {
    rows.iter()
        .map(|r| (r.principal.clone(), r.object.clone(), r.action.clone()))
        .collect()
}
