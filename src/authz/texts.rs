//! Every refusal text the authorizer produces, and the resource paths they name, in one place
//! (reference §11.2–§11.4) so that a wording can be corrected without hunting for it.
//!
//! `select phone from prj1.users;` refused by label security becomes
//! `ODPS-0130013:Authorization exception - Authorization Failed [4031], You have NO privilege
//! 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. CheckLabelSecurity failed. ...`:
//! [`arn`] builds the braces, [`denial`] the sentence, and the task type picks the prefix.
//! [`odps_code`] is that choice of prefix as a value, and [`refusal`] makes the error that
//! carries it beside the sub-code, so a refusal's codes are known without reading its text.

use super::{DenyCode, Resource, TaskType};
use crate::catalog::model::ObjectType;
use crate::error::{Code, Error, Failure};

/// The collection segment of a resource path (`tables`, `registration/functions`, ...).
pub fn collection(kind: ObjectType) -> &'static str {
    match kind {
        ObjectType::Project => "",
        ObjectType::Table => "tables",
        ObjectType::Model => "models",
        ObjectType::Resource => "resources",
        ObjectType::Function => "registration/functions",
        ObjectType::Instance => "instances",
        ObjectType::Package => "packages",
        ObjectType::Job => "jobs",
        ObjectType::Volume => "volumes",
        ObjectType::OfflineModel => "offlinemodels",
        ObjectType::Xflow => "xflows",
    }
}

/// `projects/<p>[/<kind>/<name>]`, the relative form `show grants` and the rule lines use.
pub fn path(resource: &Resource) -> String {
    match &resource.name {
        Some(name) if resource.kind != ObjectType::Project => {
            format!(
                "projects/{}/{}/{}",
                resource.project,
                collection(resource.kind),
                name
            )
        }
        _ => format!("projects/{}", resource.project),
    }
}

/// The full `acs:odps:*:projects/...` ARN policies and messages use.
pub fn arn(resource: &Resource) -> String {
    format!("acs:odps:*:{}", path(resource))
}

/// The ARN of one column of a table (`.../tables/t/c`), as `show acl` prints column grants.
pub fn column_arn(resource: &Resource, column: &str) -> String {
    format!("acs:odps:*:{}/{}", path(resource), column)
}

/// The error code an authorizer refusal opens with. The project gates (whitelist, membership)
/// refuse at the API level (`ODPS-0420095`); every other layer the way the request's path
/// reports it: SQL jobs as the compiler's authorization exception (`ODPS-0130013`), Tunnel
/// requests with the Tunnel's `NoPermission`.
pub fn odps_code(code: DenyCode, task: TaskType) -> Code {
    match code {
        DenyCode::Whitelist | DenyCode::NotMember | DenyCode::ProjectStatus => Code::AccessDenied,
        DenyCode::PolicyDeny | DenyCode::NoPrivilege | DenyCode::Protected | DenyCode::Label => {
            match task {
                TaskType::Sql => Code::AuthorizationException,
                TaskType::Tunnel => Code::NoPermission,
            }
        }
    }
}

/// The error of a refusal with sub-code `code`, whose text `message` this module wrote for a
/// request of `task`.
pub fn refusal(code: DenyCode, task: TaskType, message: String) -> Error {
    let odps = odps_code(code, task);
    debug_assert!(message.starts_with(odps.prefix()), "{message}");
    Error::Denied(Failure {
        code: Some(odps),
        auth_code: Some(code),
        message,
        subject: None,
        reason: None,
    })
}

pub fn not_member(project: &str) -> String {
    Code::AccessDenied.message(format!(
        "Authorization Failed [{}], You don't exist in project {project}.",
        DenyCode::NotMember.number()
    ))
}

/// 4002 for a non-member whose current project has installed a package holding the object but
/// who lacks `Read` on it (§7.2, captured in aliyun/aliyun-odps-jdbc#142; "intalled" is the
/// server's spelling).
pub fn not_member_package_unread(project: &str, packages: &[String]) -> String {
    format!(
        "{} Resource has been intalled, You Need 'odps:Read' privilege on one of following packages {}",
        not_member(project),
        packages.join(",")
    )
}

/// §9.3/§11.4 simulator text for an address outside the whitelist.
pub fn not_whitelisted(ip: &str, project: &str) -> String {
    Code::AccessDenied.message(format!(
        "The request IP {ip} is not in the ip white list of project {project}."
    ))
}

/// §10 step 3, §11.2: a project whose status is not normal (overdue, frozen).
pub fn all_denied(project: &str) -> String {
    format!("ODPS-0420095: Access Denied - Authorization Failed [4093], You have NO privilege to do the restricted operation on {{acs:odps:*:projects/{project}}}. Access Mode is AllDenied.")
}

/// §11.4: a management statement the caller's standing does not allow.
pub fn no_management_privilege(action: &str, resource: &str) -> String {
    format!("ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:{action}' on {{acs:odps:*:{resource}}}.")
}

/// §4.4: a management statement matched by an explicit policy deny.
pub fn management_denied_by_policy(action: &str, resource: &str) -> String {
    format!("ODPS-0420095: Access Denied - Authorization Failed [4011], You have NO privilege 'odps:{action}' on {{acs:odps:*:{resource}}}. Explicitly denied by policy.")
}

pub const POLICY_DENY_REASON: &str = "Explicitly denied by policy.";
pub const DEFAULT_DENY_REASON: &str = "Deny as default for Resource.";

pub fn protected_reason(project: &str) -> String {
    format!("project '{project}' is protected.")
}

pub fn label_reason(column: &str, sensitivity: u8, effective: u8) -> String {
    format!(
        "CheckLabelSecurity failed. The sensitive label of column '{column}' is {sensitivity}, but your effective label is {effective}."
    )
}

/// The Tips part of a column-level ACL miss (§10 step 7).
pub fn column_tips(current_project: &str, principal: &str, columns: &[String]) -> String {
    format!(
        " --->Tips: CurrentProject:{current_project}; Principal:{principal}; ACL check failed. You have no permissions to access column: {}",
        columns.join(", ")
    )
}

/// `Authorization Failed [<code>], You have NO privilege 'odps:<Action>' on {<arn>}. <reason>`,
/// prefixed the way the request's path reports it: SQL jobs with `ODPS-0130013:Authorization
/// exception - `, Tunnel requests as a `NoPermission` Tunnel error.
pub fn denial(code: DenyCode, task: TaskType, action: &str, arn: &str, reason: &str) -> String {
    let body = format!(
        "Authorization Failed [{}], You have NO privilege 'odps:{action}' on {{{arn}}}. {reason}",
        code.number()
    );
    odps_code(code, task).message(body)
}
