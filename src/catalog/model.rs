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

/// The format number stored under `keys::FORMAT`. Bump it when a record's encoding changes and
/// add a migration in `catalog::open`.
///
/// Format 3 added the flush generation (the sled key `g`, and `mcsec.flushed` beside sled's
/// files; see `storage`). Format 4 stores the records in pages, bounded key ranges read and
/// evicted one by one, instead of one value per record kind of a project (see `storage`). Their
/// records are format 2's, so a format 2 or 3 catalog is upgraded in place: its partitions are
/// rewritten as pages by its first flush, which also writes the new number. The number keeps an
/// older release away from a newer catalog (format 2 would write without advancing the
/// generation; format 3 would find no partition and read the catalog as empty). Format 5 keys
/// the audit trail's records by number alone, so that a batch appends them (see
/// `catalog::audit`); an older catalog's trail is moved to that layout when it is opened, and
/// saved with the new number by its first flush.
pub const FORMAT_VERSION: u32 = 5;
/// The earlier formats that [`FORMAT_VERSION`] reads and upgrades.
pub const UPGRADED_FORMATS: [u32; 3] = [2, 3, 4];

/// Declares an enum without data whose stored form is an explicit one-byte tag, so that no
/// reordering of its variants (or of any enum elsewhere) changes what a stored record means. A
/// tag is never reused: a retired variant keeps its number out of use. The tags of format 2 are
/// the variant indexes postcard wrote for the derived encoding, so catalogs written before the
/// tags were explicit read identically (`tests/stored_format.rs` checks a fixture).
macro_rules! stored_tags {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $tag:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// The stored tag.
            pub fn tag(self) -> u8 {
                match self { $($name::$variant => $tag,)* }
            }

            pub fn from_tag(tag: u8) -> Option<Self> {
                match tag { $($tag => Some($name::$variant),)* _ => None }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u8(self.tag())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let tag = u8::deserialize(deserializer)?;
                $name::from_tag(tag).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown {} tag {tag}",
                        stringify!($name)
                    ))
                })
            }
        }
    };
}

stored_tags! {
    /// The kinds of object that grants attach to, as the catalog stores them.
    pub enum ObjectType {
        Project = 0,
        Table = 1,
        Model = 2,
        Resource = 3,
        Function = 4,
        Instance = 5,
        Package = 6,
        Job = 7,
        Volume = 8,
        OfflineModel = 9,
        Xflow = 10,
    }
}

impl ObjectType {
    /// The keyword that names the kind in statements (`table`, `offlinemodel`); also the
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

stored_tags! {
    pub enum RoleType {
        Resource = 0,
        Admin = 1,
    }
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
}

/// Stored as a tag (`Null` 0, `Bool` 1, `Number` 2, `String` 3) followed by the payload, if any.
impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(2)?;
        match self {
            Value::Null => tuple.serialize_element(&0u8)?,
            Value::Bool(b) => {
                tuple.serialize_element(&1u8)?;
                tuple.serialize_element(b)?;
            }
            Value::Number(n) => {
                tuple.serialize_element(&2u8)?;
                tuple.serialize_element(n)?;
            }
            Value::String(text) => {
                tuple.serialize_element(&3u8)?;
                tuple.serialize_element(text)?;
            }
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Tagged;
        impl<'de> serde::de::Visitor<'de> for Tagged {
            type Value = Value;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a tagged cell value")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Value, A::Error> {
                let missing = || serde::de::Error::custom("a cell value without its payload");
                let tag: u8 = seq.next_element()?.ok_or_else(missing)?;
                Ok(match tag {
                    0 => Value::Null,
                    1 => Value::Bool(seq.next_element()?.ok_or_else(missing)?),
                    2 => Value::Number(seq.next_element()?.ok_or_else(missing)?),
                    3 => Value::String(seq.next_element()?.ok_or_else(missing)?),
                    _ => return Err(serde::de::Error::custom(format!("unknown Value tag {tag}"))),
                })
            }
        }
        deserializer.deserialize_tuple(2, Tagged)
    }
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

stored_tags! {
    /// A DataWorks workspace's mode: one project, or production plus development.
    pub enum WorkspaceMode {
        Basic = 0,
        Standard = 1,
    }
}

/// A DataWorks workspace of the sandbox (`create workspace`): which projects it is made of and
/// the identity its scheduled production tasks run as. The projects and their `role_project_*`
/// roles are ordinary records; this one only ties them together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub name: String,
    pub mode: WorkspaceMode,
    /// The production project (the only one in basic mode), named as the workspace.
    pub production: String,
    /// `<name>_dev` in standard mode.
    pub development: Option<String>,
    /// The scheduling access identity, when one was named.
    pub scheduler: Option<String>,
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_tags_are_the_format_2_variant_indexes() {
        let kinds = [
            ObjectType::Project,
            ObjectType::Table,
            ObjectType::Model,
            ObjectType::Resource,
            ObjectType::Function,
            ObjectType::Instance,
            ObjectType::Package,
            ObjectType::Job,
            ObjectType::Volume,
            ObjectType::OfflineModel,
            ObjectType::Xflow,
        ];
        for (index, kind) in kinds.into_iter().enumerate() {
            assert_eq!(postcard::to_stdvec(&kind).unwrap(), vec![index as u8]);
            assert_eq!(postcard::from_bytes::<ObjectType>(&[index as u8]).unwrap(), kind);
        }
        let cells = [
            (Value::Null, vec![0]),
            (Value::Bool(true), vec![1, 1]),
            (Value::Number("7".into()), vec![2, 1, b'7']),
            (Value::String("ab".into()), vec![3, 2, b'a', b'b']),
        ];
        for (value, bytes) in cells {
            assert_eq!(postcard::to_stdvec(&value).unwrap(), bytes);
            assert_eq!(postcard::from_bytes::<Value>(&bytes).unwrap(), value);
        }
    }

    #[test]
    fn an_unknown_tag_is_an_error_not_a_misread() {
        assert!(postcard::from_bytes::<ObjectType>(&[11]).is_err());
        assert!(postcard::from_bytes::<Value>(&[4, 0]).is_err());
        assert!(postcard::from_bytes::<RoleType>(&[2]).is_err());
    }
}
