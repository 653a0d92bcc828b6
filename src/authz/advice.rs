//! The nearest ways to change an authorization outcome, for `explain`.
//!
//! A refused `create table prj2.t2 as select * from prj1.t1;` (prj1 protected) yields
//! "would be allowed if prj2 were a trusted project of prj1 (add trustedproject prj2; in prj1)"
//! and the exception-policy and package alternatives; a label refusal yields
//! "needs label grant >= 2 on column phone (...)". Each denying layer contributes its own ways out, each naming the
//! statement that would do it — runnable as printed, with no placeholder — and who may run it
//! (`in prj1, by the owner or an Admin of prj1`), so a learner can try it and re-run `explain`.

use super::{texts, Layer, Outflow, Request, Response, TaskType, Verdict};
use crate::catalog::model::ObjectType;

/// Who may run a statement in `project`, as the management checks decide it.
fn by_admin(project: &str) -> String {
    format!("in {project}, by the owner or an Admin of {project}")
}

fn by_owner_or_super_administrator(project: &str) -> String {
    format!("in {project}, by the owner or a Super_Administrator of {project}")
}

fn by_owner(project: &str) -> String {
    format!("in {project}, by the owner of {project}")
}

/// How the policy holding a deny statement is changed: read with `get policy`, replaced with
/// `put policy` (the role's, for a role policy), and by whom.
fn policy_edit(rule: &super::rules::Rule, project: &str) -> String {
    let role = match rule {
        super::rules::Rule::Policy { source, .. } => source.strip_prefix("policy role/"),
        _ => None,
    };
    match role {
        Some(role) => format!(
            "read it with get policy on role {role}; and replace it with put policy on role {role}, {}",
            by_admin(project)
        ),
        None => format!(
            "read it with get policy; and replace it with put policy, {}",
            by_owner_or_super_administrator(project)
        ),
    }
}

/// An exception policy letting `principal` do `action` on `arn` for `task`, on one line, and
/// the statement that installs it from a file of that name.
fn exception_way(principal: &str, action: &str, arn: &str, task: TaskType, project: &str) -> String {
    let policy = serde_json::json!({
        "Version": "1",
        "Statement": [{
            "Effect": "Allow",
            "Principal": principal,
            "Action": [format!("odps:{action}")],
            "Resource": arn,
            "Condition": {"StringEquals": {"odps:TaskType": [task.code()]}}
        }]
    });
    format!(
        "write {policy} to exception.json, then: set ProjectProtection=true with exception exception.json; {}",
        by_owner_or_super_administrator(project)
    )
}

fn object_words(request: &Request) -> String {
    let r = &request.resource;
    match (&r.name, r.kind) {
        (Some(name), kind) if kind != ObjectType::Project => {
            format!(
                "{} {}.{name}",
                crate::catalog::keys::kind_code(kind),
                r.project
            )
        }
        _ => format!("project {}", r.project),
    }
}

/// Ways to turn the response around, nearest first per denying layer; empty when allowed.
pub fn advise(request: &Request, response: &Response) -> Vec<String> {
    let mut out = Vec::new();
    let principal = &request.principal;
    let project = &request.resource.project;
    let object = object_words(request);
    let action = &request.action;
    let facts = &response.facts;
    let current = request
        .current_project
        .as_deref()
        .unwrap_or("the current project");
    // Read on a package that already shares the object lifts membership, the allow sources
    // and protection at once: the nearest way out.
    let via_package = !facts.unreadable_packages.is_empty();
    for package in &facts.unreadable_packages {
        out.push(format!(
            "would be allowed through installed package {package}: needs Read on it (grant Read on package {package} to user {principal}; {})",
            by_admin(current)
        ));
    }
    for layer in response
        .layers
        .iter()
        .filter(|l| l.verdict == Verdict::Deny)
    {
        if via_package
            && matches!(
                layer.layer,
                Layer::Membership | Layer::AllowSources | Layer::ProjectProtection
            )
        {
            continue;
        }
        match layer.layer {
            Layer::ProjectStatus => out.push(format!(
                "would be allowed if project {project} were normal again (alter project {project} set status normal; {})",
                by_owner(project)
            )),
            // Data requests have no standing layer.
            Layer::Standing => {}
            Layer::Network => out.push(network_way(
                &facts.whitelist,
                &request.source_ip,
                project,
            )),
            Layer::Membership => {
                out.push(format!(
                    "would be allowed past membership if {principal} were added to project {project} (add user {principal}; {})",
                    by_admin(project)
                ));
            }
            Layer::PolicyDeny => {
                for rule in &layer.rules {
                    out.push(format!(
                        "would be allowed without the deny statement {rule} (an explicit deny beats every allow; {})",
                        policy_edit(rule, project)
                    ));
                }
            }
            Layer::AllowSources => {
                if facts.missing_columns.is_empty() {
                    out.push(format!(
                        "needs {action} on {object} via ACL or policy (grant {action} on {object} to user {principal}; {})",
                        by_admin(project)
                    ));
                } else {
                    let columns = facts.missing_columns.join(", ");
                    out.push(format!(
                        "needs {action} on column(s) {columns} of {object} via ACL or policy (grant {action} on {object} ({columns}) to user {principal}; {})",
                        by_admin(project)
                    ));
                }
            }
            Layer::LabelSecurity => {
                let table = request.resource.name.as_deref().unwrap_or_default();
                let highest = facts
                    .label_shortfalls
                    .iter()
                    .map(|s| s.1)
                    .max()
                    .unwrap_or(0);
                if let Some(package) = &facts.package {
                    // Read through a package, the level is the installing project's `using label`.
                    let name = package.split_once('.').map_or(package.as_str(), |(_, n)| n);
                    let current = request.current_project.as_deref().unwrap_or_default();
                    out.push(format!(
                        "needs package label >= {highest} (allow project {current} to install package {name} using label {highest}; {})",
                        by_owner_or_super_administrator(project)
                    ));
                } else {
                    for (column, sensitivity, effective) in &facts.label_shortfalls {
                        out.push(format!(
                            "needs label grant >= {sensitivity} on column {column} (effective label is {effective}; grant label {sensitivity} on table {project}.{table}({column}) to user {principal}; {})",
                            by_admin(project)
                        ));
                    }
                    out.push(format!(
                        "or a user label >= {highest}, the highest sensitivity (set label {highest} to user {principal}; {})",
                        by_admin(project)
                    ));
                }
            }
            Layer::DownloadControl => {
                out.push(format!(
                    "needs Download on {object} (grant Download on {object} to user {principal}; {})",
                    by_admin(project)
                ));
            }
            Layer::ProjectProtection => {
                let arn = texts::arn(&request.resource);
                if let Some(Outflow::Project(destination)) = &request.outflow {
                    out.push(format!(
                        "would be allowed if {destination} were a trusted project of {project} (add trustedproject {destination}; {})",
                        by_owner_or_super_administrator(project)
                    ));
                    out.push(format!(
                        "or with an exception policy of {project} allowing {principal} odps:{action} on {arn} ({})",
                        exception_way(principal, action.name(), &arn, request.task_type, project)
                    ));
                    out.push(format!(
                        "or by sharing {object} through a package installed in {destination}"
                    ));
                } else {
                    out.push(format!(
                        "would be allowed with an exception policy of {project} allowing {principal} odps:{action} on {arn} for odps:TaskType DT ({})",
                        exception_way(principal, action.name(), &arn, TaskType::Tunnel, project)
                    ));
                }
            }
            Layer::OwnerOrSuperAdmin => {}
        }
    }
    out
}

/// Ways to turn a management response around, nearest first per denying layer.
pub fn advise_management(
    request: &super::management::ManagementRequest,
    response: &Response,
) -> Vec<String> {
    use super::management::Need;
    let principal = &request.principal;
    let project = &request.project;
    let mut out = advise_entry(principal, &request.source_ip, project, response);
    for layer in response
        .layers
        .iter()
        .filter(|l| l.verdict == Verdict::Deny)
    {
        match layer.layer {
            Layer::PolicyDeny => {
                for rule in &layer.rules {
                    out.push(format!(
                        "would be allowed past the policy deny if this statement no longer matched {principal}: {rule}"
                    ));
                }
            }
            Layer::AllowSources => match request.need {
                Need::Admin => {
                    out.push(format!(
                        "would be allowed if {principal} held role admin (grant admin to {principal}; {})",
                        by_owner(project)
                    ));
                    out.push(format!(
                        "would be allowed by a policy of an admin-type role {principal} holds that allows odps:{} on {}",
                        request.action,
                        request.arn()
                    ));
                }
                Need::OwnerOrSuperAdmin => out.push(format!(
                    "would be allowed if {principal} held role super_administrator (grant super_administrator to {principal}; {}); an Admin may not run it",
                    by_owner(project)
                )),
                Need::Owner => out.push(format!(
                    "only the owner of project {project} may run it"
                )),
                Need::Member => {}
            },
            _ => {}
        }
    }
    out
}

fn network_way(whitelist: &[String], ip: &str, project: &str) -> String {
    if whitelist.is_empty() {
        format!(
            "would be allowed if {ip} were in the ip white list of project {project} (setproject odps.security.ip.whitelist={ip}; {})",
            by_owner(project)
        )
    } else {
        format!(
            "would be allowed from an address in the ip white list of project {project} ({}), or if {ip} were added to it",
            whitelist.join(",")
        )
    }
}

/// Ways into a project the principal was refused entering.
pub fn advise_entry(
    principal: &str,
    source_ip: &str,
    project: &str,
    response: &Response,
) -> Vec<String> {
    let mut out = Vec::new();
    for layer in response
        .layers
        .iter()
        .filter(|l| l.verdict == Verdict::Deny)
    {
        match layer.layer {
            Layer::Network => out.push(network_way(
                &response.facts.whitelist,
                source_ip,
                project,
            )),
            Layer::ProjectStatus => out.push(format!(
                "would be allowed if project {project} were normal again (alter project {project} set status normal; {})",
                by_owner(project)
            )),
            Layer::Membership => out.push(format!(
                "would be allowed past membership if {principal} were added to project {project} (add user {principal}; {})",
                by_admin(project)
            )),
            _ => {}
        }
    }
    out
}
