//! Key layout of the catalog. A key is a one- or two-letter tag followed by segments, each
//! segment preceded by the unit separator 0x1F (names never contain control characters: the
//! executor rejects them). The trailing separator in every prefix keeps `prj` from matching
//! `prj1`.
//!
//! | tag | segments | record |
//! |---|---|---|
//! | `F` | – | format number |
//! | `P` | project | `Project` |
//! | `U` | project, principal | `User` |
//! | `R` | project, role | `Role` |
//! | `RP` | project, role | role policy (JSON text) |
//! | `A` | project, object kind, object, grantee | `AclGrants` |
//! | `AG` | project, grantee, object kind, object | index: the grantee's ACL objects |
//! | `L` | project, table, grantee | `LabelGrants` |
//! | `LG` | project, grantee, table | index: the grantee's label-granted tables |
//! | `T` / `D` | project, table | `Table` / `Rows` |
//! | `O` | project, kind, name | `NamedObject` |
//! | `K` | project, package | `Package` |
//! | `I` | project, source project, package | `InstalledPackage` |
//! | `TR` / `TU` | name | `TenantRole` / `TenantUser` |
//! | `G` | project, group | `Group` |
//! | `TG` | group | `Group` (tenant level) |
//! | `WS` | workspace | `Workspace` (tenant level) |
//! | `S` | snapshot name, `data` | a saved copy of every other record (`exec::snapshots`) |

use super::model::{Grantee, ObjectRef, ObjectType};
use crate::error::{Error, Result};

pub const FORMAT: &[u8] = b"F";
const SEP: u8 = 0x1f;

fn key(tag: &str, segments: &[&str]) -> Vec<u8> {
    let mut k = Vec::with_capacity(tag.len() + segments.iter().map(|s| s.len() + 1).sum::<usize>());
    k.extend_from_slice(tag.as_bytes());
    for s in segments {
        k.push(SEP);
        k.extend_from_slice(s.as_bytes());
    }
    k
}

fn prefix(tag: &str, segments: &[&str]) -> Vec<u8> {
    let mut k = key(tag, segments);
    k.push(SEP);
    k
}

pub fn kind_code(kind: ObjectType) -> &'static str {
    kind.keyword()
}

fn kind_of_code(code: &str) -> Result<ObjectType> {
    Ok(match code {
        "project" => ObjectType::Project,
        "table" => ObjectType::Table,
        "model" => ObjectType::Model,
        "resource" => ObjectType::Resource,
        "function" => ObjectType::Function,
        "instance" => ObjectType::Instance,
        "package" => ObjectType::Package,
        "job" => ObjectType::Job,
        "volume" => ObjectType::Volume,
        "offlinemodel" => ObjectType::OfflineModel,
        "xflow" => ObjectType::Xflow,
        other => {
            return Err(Error::Storage(format!(
                "unknown object kind in key: {other}"
            )))
        }
    })
}

fn grantee_code(g: &Grantee) -> String {
    match g {
        Grantee::User(u) => ["u:", u].concat(),
        Grantee::Role(r) => ["r:", r].concat(),
    }
}

fn grantee_of_code(code: &str) -> Result<Grantee> {
    match code.split_once(':') {
        Some(("u", name)) => Ok(Grantee::User(name.to_string())),
        Some(("r", name)) => Ok(Grantee::Role(name.to_string())),
        _ => Err(Error::Storage(format!("bad grantee in key: {code}"))),
    }
}

pub fn snapshot(name: &str) -> Vec<u8> {
    key("S", &[name, "data"])
}
pub fn snapshot_prefix() -> Vec<u8> {
    b"S\x1f".to_vec()
}

pub fn project(name: &str) -> Vec<u8> {
    key("P", &[name])
}
pub fn project_prefix() -> Vec<u8> {
    b"P\x1f".to_vec()
}
pub fn user(project: &str, principal: &str) -> Vec<u8> {
    key("U", &[project, principal])
}
pub fn user_prefix(project: &str) -> Vec<u8> {
    prefix("U", &[project])
}
pub fn role(project: &str, name: &str) -> Vec<u8> {
    key("R", &[project, name])
}
pub fn role_prefix(project: &str) -> Vec<u8> {
    prefix("R", &[project])
}
pub fn role_policy(project: &str, role: &str) -> Vec<u8> {
    key("RP", &[project, role])
}
pub fn acl(project: &str, object: &ObjectRef, grantee: &Grantee) -> Vec<u8> {
    key(
        "A",
        &[
            project,
            kind_code(object.kind),
            &object.name,
            &grantee_code(grantee),
        ],
    )
}
pub fn acl_object_prefix(project: &str, object: &ObjectRef) -> Vec<u8> {
    prefix("A", &[project, kind_code(object.kind), &object.name])
}
pub fn acl_project_prefix(project: &str) -> Vec<u8> {
    prefix("A", &[project])
}
pub fn acl_by_grantee(project: &str, grantee: &Grantee, object: &ObjectRef) -> Vec<u8> {
    key(
        "AG",
        &[
            project,
            &grantee_code(grantee),
            kind_code(object.kind),
            &object.name,
        ],
    )
}
pub fn acl_grantee_prefix(project: &str, grantee: &Grantee) -> Vec<u8> {
    prefix("AG", &[project, &grantee_code(grantee)])
}
pub fn label_grant(project: &str, table: &str, grantee: &Grantee) -> Vec<u8> {
    key("L", &[project, table, &grantee_code(grantee)])
}
pub fn label_grant_table_prefix(project: &str, table: &str) -> Vec<u8> {
    prefix("L", &[project, table])
}
pub fn label_grant_project_prefix(project: &str) -> Vec<u8> {
    prefix("L", &[project])
}
pub fn label_grant_by_grantee(project: &str, grantee: &Grantee, table: &str) -> Vec<u8> {
    key("LG", &[project, &grantee_code(grantee), table])
}
pub fn label_grant_grantee_prefix(project: &str, grantee: &Grantee) -> Vec<u8> {
    prefix("LG", &[project, &grantee_code(grantee)])
}
pub fn table(project: &str, name: &str) -> Vec<u8> {
    key("T", &[project, name])
}
pub fn table_prefix(project: &str) -> Vec<u8> {
    prefix("T", &[project])
}
pub fn rows(project: &str, name: &str) -> Vec<u8> {
    key("D", &[project, name])
}
pub fn object(project: &str, kind: ObjectType, name: &str) -> Vec<u8> {
    key("O", &[project, kind_code(kind), name])
}
pub fn object_prefix(project: &str, kind: ObjectType) -> Vec<u8> {
    prefix("O", &[project, kind_code(kind)])
}
pub fn package(project: &str, name: &str) -> Vec<u8> {
    key("K", &[project, name])
}
pub fn package_prefix(project: &str) -> Vec<u8> {
    prefix("K", &[project])
}
pub fn installed(project: &str, source: &str, package: &str) -> Vec<u8> {
    key("I", &[project, source, package])
}
pub fn installed_prefix(project: &str) -> Vec<u8> {
    prefix("I", &[project])
}
pub fn tenant_role(name: &str) -> Vec<u8> {
    key("TR", &[name])
}
pub fn tenant_role_prefix() -> Vec<u8> {
    b"TR\x1f".to_vec()
}
pub fn tenant_user(name: &str) -> Vec<u8> {
    key("TU", &[name])
}
pub fn tenant_user_prefix() -> Vec<u8> {
    b"TU\x1f".to_vec()
}

pub fn group(project: &str, name: &str) -> Vec<u8> {
    key("G", &[project, name])
}
pub fn group_prefix(project: &str) -> Vec<u8> {
    prefix("G", &[project])
}
pub fn tenant_group(name: &str) -> Vec<u8> {
    key("TG", &[name])
}
pub fn tenant_group_prefix() -> Vec<u8> {
    b"TG\x1f".to_vec()
}

pub fn workspace(name: &str) -> Vec<u8> {
    key("WS", &[name])
}
pub fn workspace_prefix() -> Vec<u8> {
    b"WS\x1f".to_vec()
}

/// Every per-project prefix, for dropping a project.
pub fn all_project_prefixes(project: &str) -> Vec<Vec<u8>> {
    [
        "U", "R", "RP", "A", "AG", "L", "LG", "T", "D", "O", "K", "I", "G",
    ]
    .iter()
    .map(|t| prefix(t, &[project]))
    .collect()
}

fn segments(k: &[u8]) -> Result<Vec<&str>> {
    k.split(|b| *b == SEP)
        .skip(1)
        .map(|s| std::str::from_utf8(s).map_err(|_| Error::Storage("non-UTF-8 key".into())))
        .collect()
}

/// The `n`-th segment (0-based, after the tag) of a key.
pub fn segment(k: &[u8], n: usize) -> Result<String> {
    segments(k)?
        .get(n)
        .map(|s| s.to_string())
        .ok_or_else(|| Error::Storage("short key".into()))
}

pub fn last_segment(k: &[u8]) -> Result<String> {
    segments(k)?
        .last()
        .map(|s| s.to_string())
        .ok_or_else(|| Error::Storage("short key".into()))
}

pub fn last_segment_grantee(k: &[u8]) -> Result<Grantee> {
    grantee_of_code(&last_segment(k)?)
}

pub fn grantee_of_acl_key(k: &[u8]) -> Result<Grantee> {
    last_segment_grantee(k)
}

pub fn object_of_acl_key(k: &[u8]) -> Result<ObjectRef> {
    let s = segments(k)?;
    match s.as_slice() {
        [_, kind, name, _] => Ok(ObjectRef {
            kind: kind_of_code(kind)?,
            name: name.to_string(),
        }),
        _ => Err(Error::Storage("bad ACL key".into())),
    }
}

pub fn object_of_grantee_key(k: &[u8]) -> Result<ObjectRef> {
    let s = segments(k)?;
    match s.as_slice() {
        [_, _, kind, name] => Ok(ObjectRef {
            kind: kind_of_code(kind)?,
            name: name.to_string(),
        }),
        _ => Err(Error::Storage("bad ACL index key".into())),
    }
}
