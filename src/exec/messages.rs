//! Every refusal and failure text the management executor produces, in one place.
//!
//! Texts marked §11.4 are the reference's simulator choices for situations whose real server
//! wording is not public; the others are documented MaxCompute/odpscmd strings or, where marked
//! [inferred], mcsec's own choices in the same style. Keeping them here means a real capture can
//! correct a message without touching any handler. `add user RAM$owner:bob;` run twice ends in
//! [`user_exists`], whose string is exactly the §11.4 row.
//!
//! Each constructor also says what the failure is (`Error::Invalid` for a statement that cannot
//! run, `Error::Denied` for a refusal, `Error::Usage`, `Error::Io`), and the error code and
//! authorization sub-code its text carries; the text is written from those same values, so
//! they never need to be read back out of it.

use crate::authz::DenyCode;
use crate::error::{Code, Error, Reason, SubjectKind};

/// The §11.4 style of a statement that cannot run: `ODPS-0420095: Access Denied - <detail>`.
fn denied(detail: impl std::fmt::Display) -> Error {
    Error::semantic(Code::AccessDenied, detail)
}

/// A management refusal with sub-code `code`: `ODPS-0420095: Access Denied - Authorization
/// Failed [<code>], You have NO privilege 'odps:<action>' on {acs:odps:*:<resource>}.<reason>`.
fn management_refusal(code: DenyCode, action: &str, resource: &str, reason: &str) -> Error {
    Error::Denied(
        Code::AccessDenied
            .failure(format!(
                "Authorization Failed [{}], You have NO privilege 'odps:{action}' on {{acs:odps:*:{resource}}}.{reason}",
                code.number()
            ))
            .with_auth_code(code),
    )
}

/// §11.4: a management statement the caller's standing does not allow.
pub fn no_management_privilege(action: &str, resource: &str) -> Error {
    management_refusal(DenyCode::NoPrivilege, action, resource, "")
}

/// §4.4: a management statement matched by an explicit policy deny.
pub fn management_denied_by_policy(action: &str, resource: &str) -> Error {
    management_refusal(
        DenyCode::PolicyDeny,
        action,
        resource,
        " Explicitly denied by policy.",
    )
}

/// §11.4
pub fn user_exists(principal: &str, project: &str) -> Error {
    denied(format!(
        "User {principal} already exists in project {project}."
    ))
    .with_reason(Reason::Exists)
}

/// §11.4 (FAQ title `Invalid account Name xxxxxx`)
pub fn invalid_account(principal: &str) -> Error {
    denied(format!("Invalid account Name {principal}"))
}

/// Documented: `FAILED: lack of account provider, principalName xxxxxx`.
pub fn lack_of_account_provider(principal: &str) -> Error {
    Error::invalid(format!(
        "lack of account provider, principalName {principal}"
    ))
}

/// [inferred] `add|remove accountprovider` naming a provider MaxCompute does not have.
pub fn unknown_account_provider(provider: &str) -> Error {
    denied(format!(
        "Invalid account provider {provider}: the account providers are ALIYUN, RAM and TAOBAO."
    ))
}

/// §11.4
pub fn user_holds_roles(principal: &str, roles: &[String]) -> Error {
    denied(format!(
        "User {principal} still has roles: {}. Revoke them first.",
        roles.join(", ")
    ))
}

/// §11.4
pub fn role_still_granted(role: &str) -> Error {
    denied(format!(
        "Role {role} is still granted to users. Revoke it from all users first."
    ))
}

/// §11.4
pub fn object_missing(kind: &str, project: &str, name: &str) -> Error {
    let error = denied(format!("Object '{kind} {project}.{name}' does not exist."))
        .with_reason(Reason::Missing);
    match kind {
        "table" => about(error, SubjectKind::Table, name, Some(project)),
        "package" => about(error, SubjectKind::Package, name, Some(project)),
        _ => error,
    }
}

/// `error`, marked as being about the name `name` of kind `kind`.
fn about(error: Error, kind: SubjectKind, name: &str, project: Option<&str>) -> Error {
    match error {
        Error::Denied(f) => Error::Denied(f.about(kind, name, project)),
        Error::Invalid(f) => Error::Invalid(f.about(kind, name, project)),
        other => other,
    }
}

/// §11.4
pub fn principal_missing(name: &str, project: &str) -> Error {
    about(
        denied(format!(
            "Principal {name} does not exist in project {project}."
        ))
        .with_reason(Reason::Missing),
        SubjectKind::Principal,
        name,
        Some(project),
    )
}

/// Documented (§2.1, §11.3): purge on a principal that still exists.
pub fn principal_still_exists(name: &str) -> Error {
    Error::invalid(format!("Principal {name} still exist in the project"))
}

/// §11.4: no ODPS code is known for it.
pub fn invalid_label(level: u64) -> Error {
    Error::invalid(format!(
        "Invalid label {level}: the label must be an integer from 0 to 9."
    ))
}

/// Documented (§7.2, §11.3). A refusal: the provider's allow list does not name the project.
pub fn package_not_allowed() -> Error {
    Error::Denied(Code::DdlTaskFailed.failure("Your project is not allowed to install the package"))
}

/// odpscmd's `set` client error (§9.2), trailing space included.
pub fn set_not_boolean(key: &str) -> Error {
    Error::invalid(format!(
        "{key} must be boolean String(set XXX=true|false) Bad Command, Type \"help;\"(--help) or \"h;\"(-h) for help. "
    ))
}

/// The security switches, as a refusal lists them when no one is near.
const SWITCHES: &str = "ObjectCreatorHasAccessPermission, ObjectCreatorHasGrantPermission, CheckPermissionUsingACL, CheckPermissionUsingPolicy, ProjectProtection, LabelSecurity, ExternalResourceAccessControl";

fn nearest_or(near: Option<&str>, otherwise: &str) -> String {
    match near {
        Some(name) => format!("did you mean '{name}'?"),
        None => otherwise.to_string(),
    }
}

/// [inferred] `set <word>=...` of a word that is neither a security switch nor a dotted
/// session flag: it would have secured nothing.
pub fn unknown_security_switch(key: &str, near: Option<&str>) -> Error {
    Error::invalid(format!(
        "'{key}' is not a security switch; {}",
        nearest_or(
            near,
            &format!("the switches are {SWITCHES}, and session flags have dotted names such as odps.sql.allow.fullscan")
        )
    ))
}

/// [inferred] `set odps.security.<...>=...`: a project property, set with `setproject`.
pub fn property_given_to_set(key: &str, near: Option<&str>) -> Error {
    let name = near.unwrap_or(key);
    Error::invalid(format!(
        "'{key}' is a project property, not a session flag: use setproject {name}=<value>;"
    ))
}

/// [inferred] `setproject <key>=...` of an unknown `odps.security.` property or a near miss of
/// a known one.
pub fn unknown_security_property(key: &str, near: Option<&str>) -> Error {
    Error::invalid(format!(
        "'{key}' is not a security property; {}",
        nearest_or(
            near,
            "the security properties are odps.security.ip.whitelist, odps.security.vpc.whitelist and odps.security.enabledownloadprivilege"
        )
    ))
}

/// odpscmd's `set ExternalResourceAccessControl=false with locations ...` error (§9.2).
pub fn locations_need_control() -> Error {
    Error::invalid("External resource locations can only be set when external resource access control is enabled")
}

/// The contract's project-not-found text (the authorizer owns the wording).
pub fn project_missing(project: &str) -> Error {
    crate::authz::project_not_found(project)
}

/// Documented title (§9.3) plus the offending entry [inferred detail].
pub fn invalid_ip_whitelist(entry: &str) -> Error {
    denied(format!("Project ip white list is invalid: '{entry}' is not an address, an address range a-b or a CIDR block."))
}

/// [inferred] the VPC counterpart.
pub fn invalid_vpc_whitelist(entry: &str) -> Error {
    denied(format!(
        "Project vpc white list is invalid: '{entry}' is not <RegionID>_<VPCID>[<ip list>]."
    ))
}

// ---- [inferred] texts for situations the reference does not cover ----

/// A usage error: the client has no current project yet.
pub fn no_project_selected() -> Error {
    Error::usage(NO_PROJECT_SELECTED)
}

const NO_PROJECT_SELECTED: &str = "no project selected: run 'use <project>;' first";

/// Whether `error` is [`no_project_selected`]: a runner that knows why no project is current
/// explains it.
pub fn is_no_project_selected(error: &Error) -> bool {
    matches!(error, Error::Usage(text) if text == NO_PROJECT_SELECTED)
}

pub fn project_exists(project: &str) -> Error {
    denied(format!("Project {project} already exists.")).with_reason(Reason::Exists)
}

pub fn invalid_project_name(name: &str) -> Error {
    Error::invalid(format!(
        "Invalid project name '{name}': a project name starts with a letter, has only letters, digits and underscores, and is 3 to 28 characters long."
    ))
}

/// A table, function or group name outside [`super::valid_object_name`]; `kind` is `table`,
/// `function` or `group`.
pub fn invalid_object_name(kind: &str, name: &str) -> Error {
    Error::invalid(format!(
        "Invalid {kind} name '{name}': a {kind} name starts with a letter, has only letters, digits and underscores, and is at most 128 bytes long."
    ))
}

pub fn invalid_column_name(name: &str) -> Error {
    Error::invalid(format!(
        "Invalid column name '{name}': a column name has only letters (Chinese characters included), digits and underscores, and is 1 to 128 bytes long."
    ))
}

pub fn invalid_resource_name(name: &str) -> Error {
    Error::invalid(format!(
        "Invalid resource name '{name}': a resource name starts with a letter, digit or underscore, has only letters, digits, underscores, dots and hyphens, and is at most 128 bytes long."
    ))
}

pub fn owner_must_be_aliyun(principal: &str) -> Error {
    denied(format!(
        "Only an Alibaba Cloud account (ALIYUN$...) can own a project; {principal} cannot."
    ))
}

pub fn owner_cannot_be_removed(principal: &str, project: &str) -> Error {
    denied(format!(
        "{principal} is the owner of project {project} and cannot be removed."
    ))
}

pub fn role_exists(role: &str, project: &str) -> Error {
    denied(format!("Role {role} already exists in project {project}.")).with_reason(Reason::Exists)
}

pub fn invalid_role_name(name: &str) -> Error {
    Error::invalid(format!(
        "Invalid role name '{name}': a role name starts with a letter, has only letters, digits and underscores, and is 1 to 64 characters long."
    ))
}

pub fn builtin_role(role: &str) -> Error {
    denied(format!(
        "Role {role} is a built-in role and cannot be dropped."
    ))
}

pub fn admin_role_takes_no_acl(role: &str) -> Error {
    denied(format!("Role {role} is an admin role: it takes management permissions only, and only through a policy."))
}

pub fn role_not_grantable_to(kind: &str) -> Error {
    Error::invalid(format!(
        "roles can be granted to users only, not to a {kind}"
    ))
}

pub fn invalid_privilege(privilege: &str, kind: &str) -> Error {
    let error = denied(format!(
        "Invalid privilege '{privilege}' for object type {kind}."
    ));
    // Not a name in the catalog: any user may be told the spelling of an action.
    match crate::suggest::nearest(privilege, crate::policy::actions().iter().copied()) {
        Some(action) => error.with_suggestion(action),
        None => error,
    }
}

pub fn privilege_not_open(privilege: &str) -> Error {
    denied(format!(
        "Authorization of privilege '{privilege}' on a project is not yet open."
    ))
}

pub fn wildcard_needs_role(name: &str) -> Error {
    denied(format!(
        "Object name '{name}' has a wildcard: wildcards can only be granted to roles."
    ))
}

pub fn column_missing(column: &str, project: &str, table: &str) -> Error {
    denied(format!(
        "Column '{column}' does not exist in table {project}.{table}."
    ))
    .with_reason(Reason::Missing)
}

pub fn policy_grant_needs_role() -> Error {
    denied("Policy grants (privilegeproperties \"policy\"=\"true\") can only be made to roles.")
}

pub fn grant_option_unsupported() -> Error {
    denied("'with grant option' is not supported by MaxCompute ACL.")
}

pub fn cross_account_grant(grantor: &str, grantee: &str) -> Error {
    denied(format!(
        "{grantor} can grant only to RAM users of its own Alibaba Cloud account, not to {grantee}."
    ))
}

pub fn bad_property(key: &str, value: &str) -> Error {
    Error::invalid(format!(
        "invalid privilegeproperties value \"{key}\"=\"{value}\""
    ))
}

pub fn read_file(path: &str, err: impl std::fmt::Display) -> Error {
    Error::Io(format!("cannot read {path}: {err}"))
}

pub fn exception_needs_protection() -> Error {
    Error::invalid("with exception can only be used with ProjectProtection=true")
}

pub fn setproject_not_boolean(key: &str) -> Error {
    Error::invalid(format!("{key} must be true or false"))
}

pub fn package_exists(package: &str, project: &str) -> Error {
    denied(format!(
        "Package {package} already exists in project {project}."
    ))
    .with_reason(Reason::Exists)
}

pub fn package_missing(project: &str, package: &str) -> Error {
    denied(format!("Package {project}.{package} does not exist.")).with_reason(Reason::Missing)
}

pub fn invalid_package_name(name: &str) -> Error {
    Error::invalid(format!(
        "Invalid package name '{name}': at most 128 letters, digits and underscores."
    ))
}

pub fn package_object_kind(kind: &str) -> Error {
    Error::invalid(format!(
        "objects of type {kind} cannot be added to a package (table, instance, function, resource)"
    ))
}

pub fn package_has_object(kind: &str, object: &str, package: &str) -> Error {
    denied(format!("{kind} {object} is already in package {package}; remove it first to change its privileges."))
    .with_reason(Reason::Exists)
}

pub fn package_lacks_object(kind: &str, object: &str, package: &str) -> Error {
    denied(format!("{kind} {object} is not in package {package}.")).with_reason(Reason::Missing)
}

/// [inferred] A refobject grant of an action the package does not give for the object;
/// `gives` is listed as `describe package` shows ObjectPrivileges (comma-joined).
pub fn package_lacks_privilege(
    source: &str,
    package: &str,
    action: &str,
    kind: &str,
    object: &str,
    gives: &[String],
) -> Error {
    denied(format!(
        "Package {source}.{package} does not give {action} on {kind} {object}: it gives {}.",
        gives.join(",")
    ))
}

pub fn package_installed(source: &str, package: &str, project: &str) -> Error {
    denied(format!(
        "Package {source}.{package} is already installed in project {project}."
    ))
    .with_reason(Reason::Exists)
}

pub fn package_not_installed(source: &str, package: &str, project: &str) -> Error {
    denied(format!(
        "Package {source}.{package} is not installed in project {project}."
    ))
    .with_reason(Reason::Missing)
}

pub fn own_package(project: &str) -> Error {
    Error::invalid(format!(
        "a package of project {project} cannot be installed into the project itself"
    ))
}

pub fn trusted_exists(trusted: &str, project: &str) -> Error {
    denied(format!(
        "Project {trusted} is already a trusted project of {project}."
    ))
    .with_reason(Reason::Exists)
}

pub fn trusted_missing(trusted: &str, project: &str) -> Error {
    denied(format!(
        "Project {trusted} is not a trusted project of {project}."
    ))
    .with_reason(Reason::Missing)
}

pub fn tenant_role_exists(role: &str) -> Error {
    denied(format!("Tenant role {role} already exists.")).with_reason(Reason::Exists)
}

pub fn tenant_role_missing(role: &str) -> Error {
    denied(format!("Tenant role {role} does not exist.")).with_reason(Reason::Missing)
}

pub fn tenant_role_in_use(role: &str) -> Error {
    denied(format!(
        "Tenant role {role} is still granted to tenant users. Revoke it first."
    ))
}

pub fn tenant_user_exists(principal: &str) -> Error {
    denied(format!("Tenant user {principal} already exists.")).with_reason(Reason::Exists)
}

pub fn tenant_user_missing(principal: &str) -> Error {
    denied(format!("Tenant user {principal} does not exist.")).with_reason(Reason::Missing)
}

pub fn tenant_user_holds_roles(principal: &str, roles: &[String]) -> Error {
    denied(format!(
        "Tenant user {principal} still has tenant roles: {}. Revoke them first.",
        roles.join(", ")
    ))
}

pub fn group_exists(group: &str) -> Error {
    denied(format!("Group {group} already exists.")).with_reason(Reason::Exists)
}

pub fn group_missing(group: &str) -> Error {
    denied(format!("Group {group} does not exist.")).with_reason(Reason::Missing)
}

pub fn tenant_grant_kind() -> Error {
    Error::invalid("tenant roles take table grants only: grant <actions> on table <project>.<table> to tenant role <r>")
}

pub fn unsupported_grantee(kind: &str) -> Error {
    Error::invalid(format!("a {kind} cannot receive this grant"))
}

pub fn invalid_super_privilege(privilege: &str) -> Error {
    denied(format!("Invalid super privilege '{privilege}'."))
}

pub fn not_a_user_principal(name: &str) -> Error {
    Error::invalid(format!("{name} is not a user"))
}

pub fn no_such_table(project: &str, table: &str) -> Error {
    about(
        Error::semantic(
            Code::TableNotFound,
            format!("table {project}.{table} cannot be resolved"),
        ),
        SubjectKind::Table,
        table,
        Some(project),
    )
    .with_reason(Reason::Missing)
}

/// The SQL compiler's semantic failure of a data statement.
pub fn semantic_analysis(detail: impl std::fmt::Display) -> Error {
    Error::semantic(Code::SemanticAnalysisException, detail)
}

/// [inferred] `set label` and label grants on a table of another project.
pub fn label_table_elsewhere(project: &str, table: &str) -> Error {
    denied(format!(
        "Table {project}.{table} belongs to project {project}: set its labels and label grants from that project (use {project};)."
    ))
}

/// [inferred] A qualified object name in a package statement.
pub fn package_object_qualified(bare: &str, name: &str) -> Error {
    denied(format!(
        "Object names in a package are unqualified: use '{bare}', not '{name}'."
    ))
}

/// [inferred] `setproject` of the key that holds the project status.
pub fn reserved_property(key: &str) -> Error {
    Error::invalid(format!(
        "{key} is not a project property: the project status is set with alter project <p> set status <normal|overdue|frozen>"
    ))
}

/// A statement that reached a handler meant for other statements: a mistake in the executor's
/// routing, reported rather than answered with `OK`.
pub fn misrouted(stmt: &crate::ast::Statement) -> Error {
    Error::invalid(format!(
        "internal error: `{stmt}` reached the wrong part of the executor; please report it"
    ))
}
