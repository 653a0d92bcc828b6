//! What a statement returns: a typed value that the session hands to its client, which renders
//! it — as odpscmd's text ([`StatementResult::text`], layouts in `render`) or as the `result`
//! field of `--format json` ([`StatementResult::json`], the serde form of the value).
//!
//! `list users;` returns `Names { of: Users, names: [...] }`; the shell prints one name per line
//! (`OK` when there are none) and `--format json` writes
//! `{"type": "names", "of": "users", "names": [...]}`. Handlers never build text: a layout
//! changes in `render` alone, and a client that wants the data reads typed fields rather than
//! parsing odpscmd's tables. The JSON form is internally tagged by `type`, and its field names
//! are part of the interface (README, "JSON schema"; `tests/json_schema.rs` checks them).

use crate::authz::management::{Action, Need, Standing};
use crate::authz::{DenyCode, Layer, LayerReport, Outflow, TaskType, Verdict};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

mod audit;
mod check;
mod diagnosis;
mod effective;
mod outflow;
mod snapshots;
mod survey;

pub use audit::AuditRow;
pub use check::CheckResult;
pub use diagnosis::{Diagnosis, Finding};
pub use effective::{EffectiveGrant, EffectiveGrants};
pub use outflow::{OutflowPath, Source};
pub use snapshots::SnapshotInfo;
pub use survey::{
    AccountTasks, Discarded, Downloads, Member, ProjectAccounts, SharedAccount, Survey,
};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StatementResult {
    /// The statement succeeded with nothing to show: `OK`.
    Ok,
    /// A client command's text (`help;`, `history;`), printed as it is.
    Message { message: String },
    /// One name per line, `OK` when there are none.
    Names { of: NameList, names: Vec<String> },
    /// `select`: odpscmd's `+---+` result table, and the instance the job recorded.
    Table {
        instance: String,
        columns: Vec<String>,
        rows: Vec<Vec<Cell>>,
    },
    /// `tunnel download`: `<n> records downloaded to <path>`, then `download OK`.
    Download {
        table: String,
        path: String,
        records: usize,
    },
    /// `login` of a principal who may not enter the current project: the session is logged in
    /// and has no current project; `reason` is the access refusal.
    ProjectLeft {
        principal: String,
        project: String,
        reason: String,
    },
    /// `set <k>=<v>` of a session flag: `OK: session flag <k>=<v> (no security setting changed)`,
    /// so that a script sees it secured nothing.
    SessionFlag { key: String, value: String },
    /// `setproject` of properties mcsec stores without modelling (anything but the security
    /// properties): `OK: project property <k> stored (mcsec does not model it)`.
    UnmodelledProperties { keys: Vec<String> },
    /// `add jar|file|archive|py`: `OK: Resource '<name>' have been created.`
    ResourceCreated { resource: String },
    /// `whoami`. The field names are those of the service's JSON answer, which clients (PyODPS)
    /// read by name.
    Whoami {
        /// The principal's id: mcsec's principals have no separate numeric id, so it is the
        /// canonical principal name, as `DisplayName` (PyODPS requires the field).
        #[serde(rename = "ID")]
        id: String,
        #[serde(rename = "DisplayName")]
        name: String,
        #[serde(rename = "SourceIP")]
        source_ip: String,
        #[serde(rename = "Project")]
        project: Option<String>,
    },
    /// `show SecurityConfiguration`.
    SecurityConfiguration(SecurityConfiguration),
    /// `create accesskey`: the new key, the only time its secret is shown.
    AccessKey {
        id: String,
        secret: String,
        principal: String,
    },
    /// `list accesskeys`: ids, principals and creation times; never a secret.
    AccessKeys { keys: Vec<AccessKeyInfo> },
    /// Bare `setproject`: every property as `key=value`, then `OK`.
    Properties {
        properties: BTreeMap<String, String>,
    },
    /// `show grants [for <principal>]` of a user or role, in a project or the tenant:
    /// `[roles]` (for users), then the `Authorization Type:` blocks; `OK` when empty.
    Grants {
        principal: String,
        principal_type: PrincipalType,
        roles: Vec<String>,
        blocks: Vec<GrantBlock>,
    },
    /// `show grants` of the project owner: `[<owner>]` and `projects/<p>: Project Owner`.
    OwnerGrants { principal: String, project: String },
    /// `show acl for <object>` and the object grants of an installed package: the blocks of
    /// every grant on `object`.
    Acl {
        object: String,
        blocks: Vec<GrantBlock>,
    },
    /// `describe role <r>`: `[users]`, then the role's blocks.
    Role {
        role: String,
        role_type: RoleType,
        label: u8,
        users: Vec<String>,
        blocks: Vec<GrantBlock>,
    },
    /// `describe tenant role <r>`: `[users]`, `[projects]`, then the role's blocks.
    TenantRole {
        role: String,
        users: Vec<String>,
        projects: Vec<String>,
        blocks: Vec<GrantBlock>,
    },
    /// `get policy`, `get security policy`, `get policy on [tenant] role`: the document as stored
    /// (the empty document when none is). Its JSON form is the parsed document.
    Policy {
        #[serde(serialize_with = "policy_document")]
        policy: String,
    },
    /// `show label grants` in its three forms.
    LabelGrants(LabelGrants),
    /// `describe <table>`: odpscmd's boxed layout.
    TableDescription(TableDescription),
    /// `show packages`: the packages the project created and those it installed.
    Packages {
        created: Vec<CreatedPackage>,
        installed: Vec<InstalledPackage>,
    },
    /// `describe package [<project>.]<package>`.
    Package(PackageDescription),
    /// `show package items`: the objects the project reaches through installed packages.
    PackageItems { items: Vec<PackageItem> },
    /// `explain ...`: the authorizer's full answer for every check of the statement.
    Explain(Explain),
    /// `explain` of a management, tenant or sandbox statement: the checks it makes when run,
    /// and what it would do.
    ExplainStatement(ExplainStatement),
    /// `diagnose`: the findings of every check, highest risk first.
    Diagnosis(Diagnosis),
    /// `show outflow paths`: every way data can leave, as chains.
    OutflowPaths { paths: Vec<OutflowPath> },
    /// `show effective grants`: every allowed (principal, object, action) with its provenance.
    EffectiveGrants(EffectiveGrants),
    /// `check`: the decision and the rule that decided it.
    Check(CheckResult),
    /// `list snapshots`.
    Snapshots { snapshots: Vec<SnapshotInfo> },
    /// `show audit`: the matching records of the trail, oldest first (`OK` when none).
    Audit { records: Vec<AuditRow> },
    /// `survey`: accounts, discarded accounts, activity, shared keys and downloads.
    Survey(Survey),
}

impl StatementResult {
    /// One name per line, as the list statements print them.
    pub fn names(of: NameList, names: Vec<String>) -> Self {
        StatementResult::Names { of, names }
    }
}

/// One key of `list accesskeys`; `created` in the reference's time layout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessKeyInfo {
    pub id: String,
    pub principal: String,
    pub created: String,
}

/// What a [`StatementResult::Names`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameList {
    Projects,
    Users,
    Roles,
    AccountProviders,
    TrustedProjects,
    /// The users holding a role (`show principals`).
    Principals,
    Groups,
    TenantUsers,
    TenantRoles,
}

/// Whose grants a [`StatementResult::Grants`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalType {
    User,
    Role,
    TenantUser,
    TenantRole,
}

impl PrincipalType {
    /// Users hold roles, so their listing opens with `[roles]`.
    pub fn holds_roles(self) -> bool {
        matches!(self, PrincipalType::User | PrincipalType::TenantUser)
    }
}

/// A project role's type (§2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleType {
    Admin,
    Resource,
}

/// One value of a `select` row. In JSON a number is a JSON number when it reads as one (else
/// the string it was written as), `NULL` is `null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    /// As written in the `insert` (`1.50` stays `1.50` in the text).
    Number(String),
    String(String),
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => f.write_str("NULL"),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Number(n) | Cell::String(n) => f.write_str(n),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Null => serializer.serialize_unit(),
            Cell::Bool(b) => serializer.serialize_bool(*b),
            Cell::Number(n) => match serde_json::from_str::<serde_json::Number>(n) {
                Ok(number) => number.serialize(serializer),
                Err(_) => serializer.serialize_str(n),
            },
            Cell::String(s) => serializer.serialize_str(s),
        }
    }
}

/// A stored policy text as the JSON document it is; a text that does not parse (it was checked
/// when put, so only a damaged one) as the string.
fn policy_document<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(document) => document.serialize(serializer),
        Err(_) => serializer.serialize_str(text),
    }
}

/// `show SecurityConfiguration`. Field names are the switches' own names (`set <Name>=...`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityConfiguration {
    pub check_permission_using_acl: bool,
    pub check_permission_using_policy: bool,
    pub object_creator_has_access_permission: bool,
    pub object_creator_has_grant_permission: bool,
    pub label_security: bool,
    pub project_protection: bool,
    /// The exception policy, while protection is on.
    pub project_protection_exception: Option<String>,
    pub external_resource_access_control: bool,
    pub external_resource_locations: Option<String>,
    pub enable_download_privilege: bool,
}

/// `show label grants`: of a user (`user`, `user_label`), on a table (`table`, `label_range`:
/// the lowest and highest sensitivity of its columns), or of a user on a table (all four but
/// `label_range`); the fields of the other forms are null.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelGrants {
    pub user: Option<String>,
    pub user_label: Option<u8>,
    pub table: Option<String>,
    pub label_range: Option<(u8, u8)>,
    pub grants: Vec<LabelGrantItem>,
}

/// One label grant: `name` is the table (forms of a user) or the grantee (form on a table);
/// `column` is `null` for a table-level grant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelGrantItem {
    pub name: String,
    pub column: Option<String>,
    pub label: u8,
    pub expires: String,
    pub expired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDescription {
    pub owner: String,
    pub project: String,
    pub table: String,
    pub create_time: String,
    pub table_label: u8,
    /// The highest label of the table and its columns.
    pub max_label: u8,
    pub columns: Vec<ColumnDescription>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDescription {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    /// The column's own label; `null` when it has the table's.
    pub label: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatedPackage {
    pub name: String,
    pub create_time: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstalledPackage {
    pub source_project: String,
    pub name: String,
    pub install_time: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageDescription {
    pub name: String,
    pub source_project: String,
    pub create_time: String,
    pub objects: Vec<PackageObject>,
    pub allowed_projects: Vec<AllowedProject>,
}

/// An object of a package: its type as the package listings write it (`TABLE`, `RESOURCE`,
/// ...), its name and the privileges the package gives on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageObject {
    pub object_type: String,
    pub name: String,
    pub privileges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllowedProject {
    pub project: String,
    pub label: u8,
    pub expires: Option<String>,
}

/// An object reached through an installed package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackageItem {
    pub object_type: String,
    pub name: String,
    pub privileges: Vec<String>,
    pub source_project: String,
    pub package: String,
}

/// Allowed or denied, in explain's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Allow,
    Deny,
}

/// `explain`: who asked what from where, the overall decision (the first denying check's), each
/// check, and the ways to change the outcome (each check's, without repeats).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explain {
    pub statement: String,
    pub principal: String,
    pub source_ip: String,
    pub current_project: Option<String>,
    pub decision: Outcome,
    pub code: Option<DenyCode>,
    pub message: Option<String>,
    pub checks: Vec<ExplainCheck>,
    pub advice: Vec<String>,
}

/// One authorization check of an explained statement and the authorizer's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainCheck {
    pub action: String,
    /// `projects/<p>[/<kind>/<name>]`.
    pub resource: String,
    pub columns: Option<Vec<String>>,
    pub task_type: TaskType,
    /// Where the data read leaves its project for, if it does.
    pub outflow: Option<DataFlow>,
    pub decision: Outcome,
    pub code: Option<DenyCode>,
    pub message: Option<String>,
    pub rules: Vec<String>,
    pub layers: Vec<ExplainLayer>,
    pub advice: Vec<String>,
}

/// `explain` of a statement that has no data plan: it was run as the explained principal with
/// every check recorded and its writes dropped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainStatement {
    pub statement: String,
    pub principal: String,
    pub source_ip: String,
    pub current_project: Option<String>,
    /// The explained principal's standing in the current project, when the statement runs in
    /// one.
    pub standing: Option<Standing>,
    pub decision: Outcome,
    pub code: Option<DenyCode>,
    pub message: Option<String>,
    pub checks: Vec<StatementCheck>,
    pub outcome: Prediction,
    pub advice: Vec<String>,
}

/// What the explained statement would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Prediction {
    /// A check refused it.
    Refused,
    WouldSucceed,
    /// Every check allowed it, and it would still fail: a missing object, a bad value.
    WouldFail {
        error: String,
    },
}

impl Prediction {
    pub fn words(&self) -> String {
        match self {
            Prediction::Refused => "refused".to_string(),
            Prediction::WouldSucceed => "would succeed".to_string(),
            Prediction::WouldFail { error } => format!("would fail: {error}"),
        }
    }
}

/// One check an explained statement made. `kind` says which: entering a project
/// (`project_access`, with the principal's `standing` there), a management request
/// (`management`, with its `action`, `resource` and `need`), or a tenant-level one (`tenant`,
/// with the tenant `account`); the fields of the other kinds are `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementCheck {
    pub kind: CheckKind,
    pub project: Option<String>,
    pub standing: Option<Standing>,
    pub action: Option<Action>,
    pub resource: Option<String>,
    pub need: Option<Need>,
    pub account: Option<String>,
    pub decision: Outcome,
    pub code: Option<DenyCode>,
    pub message: Option<String>,
    pub rules: Vec<String>,
    pub layers: Vec<ExplainLayer>,
    pub advice: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    ProjectAccess,
    Management,
    Tenant,
}

impl StatementCheck {
    /// The check's heading in text mode.
    pub fn words(&self) -> String {
        let action = self.action.map(|a| a.name()).unwrap_or_default();
        let resource = self.resource.as_deref().unwrap_or_default();
        match self.kind {
            CheckKind::ProjectAccess => format!(
                "access to project {}",
                self.project.as_deref().unwrap_or_default()
            ),
            CheckKind::Management => format!(
                "{action} on {resource} [management, needs {}]",
                self.need.map(|n| n.words()).unwrap_or_default()
            ),
            CheckKind::Tenant => format!(
                "{action} on {resource} [tenant, needs the tenant account {}]",
                self.account.as_deref().unwrap_or_default()
            ),
        }
    }
}

/// `{"to": "project", "project": "<p>"}` or `{"to": "client"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum DataFlow {
    Project { project: String },
    Client,
}

impl From<&Outflow> for DataFlow {
    fn from(outflow: &Outflow) -> Self {
        match outflow {
            Outflow::Project(project) => DataFlow::Project {
                project: project.clone(),
            },
            Outflow::Client => DataFlow::Client,
        }
    }
}

/// One layer's verdict in a check; `code` and `message` are those of a denying layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainLayer {
    pub layer: Layer,
    pub verdict: Verdict,
    pub detail: String,
    pub rules: Vec<String>,
    pub code: Option<DenyCode>,
    pub message: Option<String>,
}

impl From<&LayerReport> for ExplainLayer {
    fn from(report: &LayerReport) -> Self {
        ExplainLayer {
            layer: report.layer,
            verdict: report.verdict,
            detail: report.detail.to_string(),
            rules: report.rules.iter().map(ToString::to_string).collect(),
            code: report.code,
            message: report.message.clone(),
        }
    }
}

/// One row of an `Authorization Type:` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantRow {
    /// `A`, `D`, `AC`, `AG`, ...
    pub flags: String,
    /// `project_owner/ALIYUN$x`, `user/RAM$x:y`, `role/r` — only in `show acl`, where the
    /// resource is then written in parentheses after it.
    pub grantee: Option<String>,
    pub resource: String,
    pub actions: Vec<String>,
    pub expires: Option<String>,
    pub conditions: Option<String>,
}

/// The rows of one subject (`[role/worker]`) inside a block; `subject` is `None` where the
/// layout has no subject line (`describe role`, `show acl`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantGroup {
    pub subject: Option<String>,
    pub rows: Vec<GrantRow>,
}

/// `Authorization Type: <kind>` and its groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantBlock {
    pub kind: String,
    pub groups: Vec<GrantGroup>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_are_json_numbers_only_when_they_read_as_one() {
        let row = vec![
            Cell::Null,
            Cell::Bool(true),
            Cell::Number("42".into()),
            Cell::Number("1.5".into()),
            Cell::Number("007".into()),
            Cell::String("42".into()),
        ];
        assert_eq!(
            serde_json::to_value(&row).ok(),
            Some(json!([null, true, 42, 1.5, "007", "42"]))
        );
        let shown: Vec<String> = row.iter().map(Cell::to_string).collect();
        assert_eq!(shown, ["NULL", "true", "42", "1.5", "007", "42"]);
    }

    #[test]
    fn results_are_tagged_by_type_and_policies_are_documents() {
        assert_eq!(StatementResult::Ok.json(), json!({ "type": "ok" }));
        let policy = StatementResult::Policy {
            policy: "{\n  \"Version\": \"1\",\n  \"Statement\": []\n}".into(),
        };
        assert_eq!(
            policy.json(),
            json!({ "type": "policy", "policy": { "Version": "1", "Statement": [] } })
        );
        assert_eq!(
            policy.text(),
            "{\n  \"Version\": \"1\",\n  \"Statement\": []\n}"
        );
        assert_eq!(
            StatementResult::names(NameList::TrustedProjects, vec![]).json(),
            json!({ "type": "names", "of": "trusted_projects", "names": [] })
        );
        assert_eq!(StatementResult::names(NameList::Users, vec![]).text(), "OK");
    }
}
