//! The abstract syntax tree of the MaxCompute security language plus mcsec's sandbox statements.
//!
//! A script such as `grant Select on table sale_detail (shop_name) to user RAM$owner:bob;` is cut
//! into statements by `lexer::split`, each statement is turned into one [`Statement`] by
//! `parser::parse_statement`, and the executor matches on the variant. Larger variants carry their
//! own struct (as in sqlparser-rs) so that the executor and the printer can name their fields.
//!
//! The AST is *normalised at parse time*: keywords that are synonyms (`drop`/`delete role`,
//! `describe`/`desc`, `privs`/`privileges`) produce the same node, principal provider prefixes are
//! upper-cased (`ram$x` → `RAM$x`), and the optional `user` keyword before a grantee is implied.
//! That is what makes `parse → print → parse` the identity: `Display` (in `ast::display`) prints
//! one canonical spelling of each node, and parsing it back yields the same node.
//!
//! Names of tables, roles and projects keep the spelling the user typed; case-folding is the
//! executor's business (MaxCompute treats them case-insensitively).

use serde::Serialize;

pub mod audit;
pub use audit::{AuditQuery, RetentionWord, SurveyScope, SurveyStmt};

/// One parsed statement and where it started in its source (1-based line and column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Located<T> {
    pub node: T,
    pub line: u32,
    pub col: u32,
}

/// `[<project>.]<name>`. `name` may contain `*` wildcards where the grammar allows them
/// (`table *`, `tb_*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ObjectName {
    pub project: Option<String>,
    pub name: String,
}

/// Which kind of principal a name denotes. `User` is the default when no keyword is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum PrincipalKind {
    User,
    Role,
    TenantUser,
    TenantRole,
    Group,
    TenantGroup,
}

/// A user or role as written in a statement: `RAM$owner:alice`, `role worker`,
/// `` `RAM$owner:role/etl` ``, `tenant role r`. The provider prefix (`ALIYUN$`, `RAM$`) is
/// upper-cased by the parser; everything else keeps its spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub name: String,
}

/// Object types of ACL grants, `show acl ... on type`, packages and `show grants ... on type`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, PartialOrd, Ord,
)]
pub enum ObjectType {
    Project,
    Table,
    Model,
    Resource,
    Function,
    Instance,
    Package,
    Job,
    Volume,
    OfflineModel,
    Xflow,
}

impl ObjectType {
    /// The keyword that names the type in statements (`table`, `offlinemodel`); also the
    /// catalog's key segment for it.
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectType::Project => "project",
            ObjectType::Table => "table",
            ObjectType::Model => "model",
            ObjectType::Resource => "resource",
            ObjectType::Function => "function",
            ObjectType::Instance => "instance",
            ObjectType::Package => "package",
            ObjectType::Job => "job",
            ObjectType::Volume => "volume",
            ObjectType::OfflineModel => "offlinemodel",
            ObjectType::Xflow => "xflow",
        }
    }
}

/// One privilege in a grant: `Select`, or `Select(c1, c2)` with a per-privilege column list.
/// `name` is canonicalised to the documented spelling when it is a known action
/// (`select` → `Select`, `createtable` → `CreateTable`); unknown names are kept as typed and
/// rejected by the executor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Privilege {
    pub name: String,
    pub columns: Option<Vec<String>>,
}

/// The object of an ACL grant or revoke: `on table p.t (c1, c2)`, `on project p`,
/// `on package prj1.pkg`, `on t` (type omitted: table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrantObject {
    pub kind: ObjectType,
    pub name: ObjectName,
    pub columns: Option<Vec<String>>,
    /// `partition (k='v', ...)` after a table name; parsed and kept, not used for authorization.
    pub partition: Option<Vec<(String, String)>>,
}

/// `privilegeproperties("k" = "v", ...)`, in the order written. Keys keep their spelling.
pub type Properties = Vec<(String, String)>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantStmt {
    pub privileges: Vec<Privilege>,
    pub object: GrantObject,
    pub grantees: Vec<Principal>,
    pub properties: Properties,
    /// `with grant option`: parses (the grammar has it) but MaxCompute's ACL does not support it.
    pub with_grant_option: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevokeStmt {
    pub privileges: Vec<Privilege>,
    pub object: GrantObject,
    pub grantees: Vec<Principal>,
    pub properties: Properties,
}

/// `grant <role>[, <role>...] to <principal>[, ...]` (also `grant role r to user u`,
/// `grant tenant role r to user u`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleGrantStmt {
    pub tenant: bool,
    pub roles: Vec<String>,
    pub principals: Vec<Principal>,
}

/// What `show grants` is asked about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShowGrantsStmt {
    /// `for <principal>`; `None` = the current user.
    pub principal: Option<Principal>,
    /// `on type <t>`
    pub on_type: Option<ObjectType>,
    /// `on <type> <object>` (the installed-package form uses this with properties).
    pub on_object: Option<GrantObject>,
    pub properties: Properties,
}

/// The target of `set label` / `unset label`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LabelTarget {
    User(Principal),
    Role(String),
    Table {
        table: ObjectName,
        columns: Option<Vec<String>>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetLabelStmt {
    /// `unset label ...` when true.
    pub unset: bool,
    /// The level as written (`set label 2 to ...`). Range 0–9 is checked by the executor, so
    /// that an out-of-range number gets the documented error rather than a syntax error.
    pub level: Option<u64>,
    pub target: LabelTarget,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantLabelStmt {
    pub level: u64,
    pub table: ObjectName,
    pub columns: Option<Vec<String>>,
    pub grantee: Principal,
    /// `with exp <days>`; `None` = the documented default of 180 days.
    pub exp_days: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RevokeLabelStmt {
    pub table: ObjectName,
    pub columns: Option<Vec<String>>,
    pub grantee: Principal,
}

/// `show label [<level>] grants [on table t[(cols)]] [for user u] [privilegeproperties(...)]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShowLabelGrantsStmt {
    pub level: Option<u64>,
    pub table: Option<ObjectName>,
    pub columns: Option<Vec<String>>,
    pub principal: Option<Principal>,
    pub properties: Properties,
}

/// `add <type> <name> to package <pkg> [with privileges a, b]`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddToPackageStmt {
    pub kind: ObjectType,
    pub object: String,
    pub package: String,
    pub privileges: Option<Vec<String>>,
}

/// `allow project <p|*> to install package <pkg> [with <priv>, ...] [using label <n>] [exp <days>]`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllowInstallStmt {
    pub project: String,
    pub package: String,
    pub privileges: Option<Vec<String>>,
    pub label: Option<u64>,
    pub exp_days: Option<u64>,
}

/// `set <key>=<value> [with exception <file>] [with locations <locations>]`.
/// Security flags (`ProjectProtection`, `LabelSecurity`, ...) and plain session flags share this
/// node, exactly as odpscmd's `set` command does; the executor tells them apart. `value` is kept
/// as written so that `set LabelSecurity=yes` gets odpscmd's "must be boolean" error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetStmt {
    pub key: String,
    pub value: String,
    pub exception_file: Option<String>,
    pub locations: Option<String>,
}

/// What `drop accesskey` drops: one key, or every key of a principal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum AccessKeyTarget {
    Id(String),
    Of(Principal),
}

/// A column of `create table`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDef {
    pub name: String,
    /// Lower-cased type name as written, e.g. `string`, `bigint`, `decimal(10,2)`.
    pub data_type: String,
}

/// A literal in `insert ... values`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Literal {
    Null,
    Bool(bool),
    /// Integer or decimal number, kept as written (`-12`, `3.50`).
    Number(String),
    String(String),
}

/// `select <cols>|* from [<p>.]<t>` — the sandbox's one query shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Query {
    /// `None` = `*`.
    pub columns: Option<Vec<String>>,
    pub from: ObjectName,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateProjectStmt {
    pub name: String,
    /// `create project if not exists <p>`: an existing project is left as it is.
    pub if_not_exists: bool,
    pub owner: Option<Principal>,
    pub comment: Option<String>,
}

/// `create workspace <w> [mode basic|standard] [owner <p>] [scheduler <p>] [comment '<c>']`:
/// a DataWorks workspace of the sandbox (one project, or a production project and its `_dev`
/// development project, with the `role_project_*` roles).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateWorkspaceStmt {
    pub name: String,
    pub mode: WorkspaceMode,
    pub owner: Option<Principal>,
    /// The scheduling access identity: the principal production tasks run as.
    pub scheduler: Option<Principal>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum WorkspaceMode {
    Basic,
    Standard,
}

impl WorkspaceMode {
    pub fn keyword(self) -> &'static str {
        match self {
            WorkspaceMode::Basic => "basic",
            WorkspaceMode::Standard => "standard",
        }
    }
}

/// What `diagnose` looks at: one project, or every project of the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DiagnoseScope {
    /// Bare `diagnose`: the current project, or the tenant when there is none.
    Default,
    Project(String),
    Tenant,
}

/// The risk levels of `diagnose ... min risk <level>`, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub fn keyword(self) -> &'static str {
        match self {
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    pub fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "low" => Some(RiskLevel::Low),
            "medium" => Some(RiskLevel::Medium),
            "high" => Some(RiskLevel::High),
            _ => None,
        }
    }
}

/// A project status as written in `alter project ... set status <s>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProjectStatusWord {
    Normal,
    Overdue,
    Frozen,
}

impl ProjectStatusWord {
    pub fn keyword(self) -> &'static str {
        match self {
            ProjectStatusWord::Normal => "normal",
            ProjectStatusWord::Overdue => "overdue",
            ProjectStatusWord::Frozen => "frozen",
        }
    }
}

/// `explain [for <principal>] [from <ip>] <data statement>` — see `authz::explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainStmt {
    pub principal: Option<Principal>,
    pub source_ip: Option<String>,
    pub statement: Box<Statement>,
}

/// Kinds of resource for the sandbox's `add jar|file|archive|py <name>` statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResourceKind {
    Jar,
    File,
    Archive,
    Py,
}

/// Every statement mcsec understands. Section numbers refer to the reference
/// (`maxcompute-security.md`); "sandbox" marks mcsec's extensions from the contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Statement {
    // §1 users
    AddUser {
        principal: Principal,
        comment: Option<String>,
    },
    RemoveUser {
        principal: Principal,
    },
    ListUsers,
    Whoami,
    ShowGrants(ShowGrantsStmt),
    AddAccountProvider {
        provider: String,
    },
    RemoveAccountProvider {
        provider: String,
    },
    ListAccountProviders,

    // §2 roles (tenant = §2.4 tenant-level variants)
    CreateRole {
        tenant: bool,
        name: String,
        properties: Properties,
    },
    DropRole {
        tenant: bool,
        name: String,
    },
    DescribeRole {
        tenant: bool,
        name: String,
    },
    ListRoles {
        tenant: bool,
    },
    GrantRoles(RoleGrantStmt),
    RevokeRoles(RoleGrantStmt),
    /// `purge privs|privileges from <principal>[, ...]`
    PurgePrivs {
        principals: Vec<Principal>,
    },
    /// `show principals [for] [tenant] [role] <r>`
    ShowPrincipals {
        tenant: bool,
        role: String,
    },
    /// `show role grant [user] <principal>`
    ShowRoleGrant {
        principal: Principal,
    },
    // §2.4 tenant users and tenant roles in projects
    AddTenantUser {
        principal: Principal,
    },
    RemoveTenantUser {
        principal: Principal,
    },
    ListTenantUsers,
    AddTenantRoleToProject {
        role: String,
        project: String,
    },
    RemoveTenantRoleFromProject {
        role: String,
        project: String,
    },
    // §12 groups
    AddGroup {
        tenant: bool,
        name: String,
    },
    RemoveGroup {
        tenant: bool,
        name: String,
    },
    ListGroups {
        tenant: bool,
        user: Option<Principal>,
    },

    // §3 ACL, §4.3 policy-mode grants, §5 download, §12 super
    Grant(GrantStmt),
    Revoke(RevokeStmt),
    GrantSuper {
        privileges: Vec<String>,
        grantees: Vec<Principal>,
    },
    RevokeSuper {
        privileges: Vec<String>,
        grantees: Vec<Principal>,
    },
    /// `show acl for <object> [on type <t>]`
    ShowAcl {
        object: ObjectName,
        on_type: Option<ObjectType>,
    },

    // §4 policies. `role` = `on role r`, `tenant_role` = `on tenant role r`.
    GetPolicy {
        role: Option<String>,
        tenant_role: bool,
    },
    PutPolicy {
        file: String,
        role: Option<String>,
        tenant_role: bool,
    },
    GetSecurityPolicy,
    PutSecurityPolicy {
        file: String,
    },

    // §6 labels
    SetLabel(SetLabelStmt),
    GrantLabel(GrantLabelStmt),
    RevokeLabel(RevokeLabelStmt),
    ClearExpiredGrants,
    ShowLabelGrants(ShowLabelGrantsStmt),
    /// `describe|desc <table>` (shows labels)
    DescribeTable {
        table: ObjectName,
    },

    // §7 packages
    CreatePackage {
        name: String,
    },
    DropPackage {
        name: String,
    },
    AddToPackage(AddToPackageStmt),
    RemoveFromPackage {
        kind: ObjectType,
        object: String,
        package: String,
    },
    AllowInstall(AllowInstallStmt),
    DisallowInstall {
        project: String,
        package: String,
    },
    InstallPackage {
        project: String,
        package: String,
    },
    UninstallPackage {
        project: String,
        package: String,
    },
    ShowPackages {
        properties: Properties,
    },
    DescribePackage {
        project: Option<String>,
        name: String,
    },
    /// `show package items [from <prj>] [on type <t>]`
    ShowPackageItems {
        project: Option<String>,
        on_type: Option<ObjectType>,
    },

    // §8, §9 settings and trusted projects
    Set(SetStmt),
    /// `setproject [k=v ...]`; empty = print every property.
    SetProject {
        pairs: Vec<(String, String)>,
    },
    ShowSecurityConfiguration,
    AddTrustedProject {
        project: String,
    },
    RemoveTrustedProject {
        project: String,
    },
    ListTrustedProjects,

    // sandbox: tenant and session
    CreateProject(CreateProjectStmt),
    DropProject {
        name: String,
        /// `drop project if exists <p>`: a missing project is not an error.
        if_exists: bool,
    },
    ListProjects,
    /// `alter project <p> set status normal|overdue|frozen`: the platform's status of a
    /// project (a sandbox statement; anything but normal refuses every request, 4093).
    SetProjectStatus {
        project: String,
        status: ProjectStatusWord,
    },
    Use {
        project: String,
    },
    /// `login <principal> [from <ip>]`: a new acting principal, and with `from` a new source
    /// address (the sandbox's way to act from another address).
    Login {
        principal: Principal,
        source_ip: Option<String>,
    },
    /// `create accesskey [for <principal>]`: a key for signed requests to `mcsec serve`.
    CreateAccessKey {
        principal: Option<Principal>,
    },
    /// `list accesskeys [for <principal>]`
    ListAccessKeys {
        principal: Option<Principal>,
    },
    /// `drop accesskey <id>`, `drop accesskeys for <principal>`
    DropAccessKey {
        target: AccessKeyTarget,
    },

    // sandbox: objects and data
    CreateTable {
        table: ObjectName,
        columns: Vec<ColumnDef>,
        /// `create table if not exists`: an existing table is left as it is.
        if_not_exists: bool,
    },
    CreateTableAs {
        table: ObjectName,
        query: Query,
    },
    DropTable {
        table: ObjectName,
        /// `drop table if exists <t>`: a missing table is not an error.
        if_exists: bool,
    },
    InsertValues {
        table: ObjectName,
        rows: Vec<Vec<Literal>>,
    },
    InsertSelect {
        overwrite: bool,
        table: ObjectName,
        query: Query,
    },
    Select(Query),
    TunnelDownload {
        table: ObjectName,
        path: String,
    },
    /// `create function <f> as '<class>' using '<res>[,<res>...]'`
    CreateFunction {
        name: ObjectName,
        class: String,
        resources: Vec<String>,
    },
    DropFunction {
        name: ObjectName,
    },
    /// `add jar|file|archive|py <name> [comment '<c>']` — creates a resource object
    AddResource {
        kind: ResourceKind,
        name: String,
        comment: Option<String>,
    },
    /// `drop resource <name>`
    DropResource {
        name: String,
    },

    /// `explain [for <principal>] [from <ip>] <data statement>`
    Explain(ExplainStmt),

    // sandbox: DataWorks workspaces, security diagnosis, outflow paths
    CreateWorkspace(CreateWorkspaceStmt),
    /// `diagnose [project <p> | tenant] [min risk low|medium|high]`
    Diagnose {
        scope: DiagnoseScope,
        min_risk: RiskLevel,
    },
    /// `show outflow paths [from project <p>]`
    ShowOutflowPaths {
        project: Option<String>,
    },
    /// `show effective grants [for <principal>] [on <object>] [in project <p>]`
    ShowEffectiveGrants(ShowEffectiveGrantsStmt),
    /// `check [for <principal>] [from <ip>] <statement>`: `explain` reduced to its decision.
    Check(ExplainStmt),
    /// `snapshot save|restore <name>`, `list snapshots`
    Snapshot(SnapshotStmt),
    // sandbox: checking a tenant (see `audit`)
    ShowAudit(AuditQuery),
    Survey(SurveyStmt),
    SetAuditRetention(RetentionWord),
    /// `drop ram user <principal>`: the RAM user deleted at the account level; what it held in
    /// projects stays behind under its `p4_` id.
    DropRamUser {
        principal: Principal,
    },
}

/// `show effective grants [for <principal>] [on <object>] [in project <p>]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShowEffectiveGrantsStmt {
    pub principal: Option<Principal>,
    pub object: Option<GrantObject>,
    pub project: Option<String>,
}

/// The sandbox's snapshot statements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SnapshotStmt {
    Save(String),
    Restore(String),
    List,
}
