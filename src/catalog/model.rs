//! The records a tenant is made of, exactly as they are stored (postcard-encoded, one record per
//! key; see `catalog::keys` for where each lives).
//!
//! Names are stored in their canonical case: principals with upper-case provider prefix
//! (`RAM$owner:alice`), roles, tables, functions, resources and packages lower-cased, projects
//! lower-cased. Times are Unix seconds (UTC); the executor takes "now" from `MCSEC_NOW` or the
//! clock and renders them as `yyyy-MM-ddTHH:mm:ss+0000`.
//!
//! What is *not* here is as telling as what is: a role's members are not stored on the role (they
//! are derived from the users' role lists, so the two can never disagree), and grants live in
//! their own records keyed by (object, principal) so that removing a user or dropping a role
//! leaves them in place, as MaxCompute does (§1.2, §2.1), until `purge privs`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use crate::ast::ObjectType;

/// The format number stored under `keys::FORMAT`. Bump it when a record's encoding changes and
/// add a migration in `catalog::open`.
pub const FORMAT_VERSION: u32 = 2;

/// A project and its security configuration (§9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub name: String,
    /// An `ALIYUN$` account; fixed for the project's life.
    pub owner: String,
    pub comment: Option<String>,
    pub created_at: i64,
    pub settings: SecuritySettings,
    /// `setproject` properties, e.g. `odps.security.ip.whitelist`,
    /// `odps.security.enabledownloadprivilege`. Keys lower-cased.
    pub properties: BTreeMap<String, String>,
    /// `add trustedproject` entries, lower-cased, in insertion order.
    pub trusted_projects: Vec<String>,
    /// `add accountprovider` entries, upper-cased (`RAM` and `ALIYUN` on by default).
    pub account_providers: Vec<String>,
    /// The project policy document as put (JSON text), if any.
    pub policy: Option<String>,
    /// `put security policy` document, if any.
    pub security_policy: Option<String>,
}

/// The switches of `show SecurityConfiguration`, with MaxCompute's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecuritySettings {
    pub check_permission_using_acl: bool,
    pub check_permission_using_policy: bool,
    pub object_creator_has_access_permission: bool,
    pub object_creator_has_grant_permission: bool,
    pub label_security: bool,
    pub project_protection: bool,
    /// The exception policy (JSON text) of `set ProjectProtection=true with exception <file>`.
    pub protection_exception: Option<String>,
    pub external_resource_access_control: bool,
    pub external_resource_locations: Option<String>,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            check_permission_using_acl: true,
            check_permission_using_policy: true,
            object_creator_has_access_permission: true,
            object_creator_has_grant_permission: true,
            label_security: false,
            project_protection: false,
            protection_exception: None,
            external_resource_access_control: false,
            external_resource_locations: None,
        }
    }
}

/// A user added to a project (`add user`). The owner has no record: it is a member by being the
/// owner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub principal: String,
    pub comment: Option<String>,
    /// Access level (label security), 0–9.
    pub label: u8,
    /// Roles held, lower-cased, sorted.
    pub roles: Vec<String>,
    pub added_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoleType {
    Resource,
    Admin,
}

/// A project role. `admin` and `super_administrator` exist in every project as built-ins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub role_type: RoleType,
    pub label: u8,
    pub comment: Option<String>,
    pub builtin: bool,
}

/// Who a grant or policy is attached to, in the form `show acl` prints: `user/<principal>` or
/// `role/<role>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grantee {
    User(String),
    Role(String),
}

/// An object inside a project that grants attach to. `name` is lower-cased; for packages it is
/// `<srcproject>.<pkg>`; for the project itself it is the project name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    pub kind: ObjectType,
    pub name: String,
}

/// One ACL grant of one action (§3). A `grant Select, Describe on table t (c1, c2)` becomes four
/// entries: one per (action, column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AclEntry {
    /// Canonical action name, e.g. `Select`, `CreateTable`, `Download`, `Read`.
    pub action: String,
    /// Column, lower-cased, for column-level grants.
    pub column: Option<String>,
    /// Unix seconds after which the grant stops applying.
    pub expires: Option<i64>,
    /// `privilegeproperties("conditions"=...)` as written.
    pub conditions: Option<String>,
    pub grantor: String,
    pub granted_at: i64,
}

/// All ACL entries of one grantee on one object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AclGrants {
    pub entries: Vec<AclEntry>,
}

/// A label grant (`grant label n on table t[(cols)] to ... with exp d`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelGrant {
    /// `None` = the whole table.
    pub column: Option<String>,
    pub level: u8,
    pub expires: i64,
}

/// All label grants of one grantee on one table.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LabelGrants {
    pub entries: Vec<LabelGrant>,
}

/// Column of a sandbox table. `label` is set by `set label n to table t(col)` and overrides the
/// table label (§6.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub data_type: String,
    pub label: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    /// Table sensitivity; 0 when never set.
    pub label: u8,
    pub creator: String,
    pub created_at: i64,
}

/// A cell of a sandbox table. Numbers are kept as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
}

/// The rows of one table, stored apart from its schema so that authorization never decodes data.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Rows {
    pub rows: Vec<Vec<Value>>,
}

/// Functions, resources, models and instances: named objects that grants can attach to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedObject {
    pub kind: ObjectType,
    pub name: String,
    pub creator: String,
    pub created_at: i64,
    /// Free-form detail: a function's class and resources, a resource's kind, an instance's
    /// statement text.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageObject {
    pub kind: ObjectType,
    pub name: String,
    /// Canonical action names; `Describe`, `Select` (tables) or `Read` when added without
    /// `with privileges`.
    pub privileges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllowedProject {
    /// Lower-cased project name, or `*`.
    pub project: String,
    pub label: u8,
    pub expires: Option<i64>,
}

/// A package created in its source project (§7.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub created_at: i64,
    pub objects: Vec<PackageObject>,
    pub allowed: Vec<AllowedProject>,
}

/// A package installed into a project (§7.2), stored under the installing project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstalledPackage {
    pub source_project: String,
    pub package: String,
    pub installed_at: i64,
}

/// A tenant-level role (§2.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantRole {
    pub name: String,
    /// Tenant users holding it.
    pub members: Vec<String>,
    /// Projects it was added to (`add tenant role r to project p`).
    pub projects: Vec<String>,
    pub policy: Option<String>,
    /// Table grants (`grant select on table p.t to tenant role r`): (project, table, action).
    pub grants: Vec<(String, String, String)>,
}

/// A group principal (`add [tenant] group <g>`, §12): a named principal with no documented
/// semantics beyond existing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub created_at: i64,
}

/// A tenant user (§2.4) or group member list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenantUser {
    pub principal: String,
    pub added_at: i64,
}
