//! Builds tenants for the authorizer's tests directly from catalog records, so that a test
//! states exactly the grants, roles, labels and settings it is about.
#![allow(dead_code)]

use mcsec::catalog::model::ObjectType;
use mcsec::catalog::model::*;
use mcsec::catalog::Catalog;
use std::collections::BTreeMap;

pub const OWNER: &str = "ALIYUN$owner";
pub const ALICE: &str = "RAM$owner:alice";
pub const BOB: &str = "RAM$owner:bob";
/// 2026-06-01T00:00:00Z
pub const NOW: i64 = 1_780_272_000;
pub const DAY: i64 = 86_400;

pub struct Tenant {
    pub catalog: Catalog,
}

pub fn acl_entry(action: &str, column: Option<&str>) -> AclEntry {
    AclEntry {
        action: action.into(),
        column: column.map(str::to_string),
        expires: None,
        conditions: None,
        grantor: OWNER.into(),
        granted_at: 0,
    }
}

impl Default for Tenant {
    fn default() -> Self {
        Self::new()
    }
}

impl Tenant {
    pub fn new() -> Self {
        Tenant {
            catalog: Catalog::memory(),
        }
    }

    pub fn project(&self, name: &str) -> &Self {
        self.project_owned_by(name, OWNER)
    }

    pub fn project_owned_by(&self, name: &str, owner: &str) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_project(&Project {
            name: name.into(),
            owner: owner.into(),
            comment: None,
            created_at: 0,
            settings: SecuritySettings::default(),
            properties: BTreeMap::new(),
            trusted_projects: vec![],
            account_providers: vec!["ALIYUN".into(), "RAM".into()],
            policy: None,
            security_policy: None,
        })
        .unwrap();
        for (role, role_type) in [
            ("admin", RoleType::Admin),
            ("super_administrator", RoleType::Admin),
        ] {
            txn.put_role(
                name,
                &Role {
                    name: role.into(),
                    role_type,
                    label: 0,
                    comment: None,
                    builtin: true,
                },
            )
            .unwrap();
        }
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn edit_project(&self, name: &str, f: impl FnOnce(&mut Project)) -> &Self {
        let mut txn = self.catalog.begin();
        let mut p = txn.project(name).unwrap().unwrap();
        f(&mut p);
        txn.put_project(&p).unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn setting(&self, project: &str, f: impl FnOnce(&mut SecuritySettings)) -> &Self {
        self.edit_project(project, |p| f(&mut p.settings))
    }

    pub fn property(&self, project: &str, key: &str, value: &str) -> &Self {
        self.edit_project(project, |p| {
            p.properties.insert(key.into(), value.into());
        })
    }

    pub fn user(&self, project: &str, principal: &str, roles: &[&str], label: u8) -> &Self {
        let mut txn = self.catalog.begin();
        let mut roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        roles.sort();
        txn.put_user(
            project,
            &User {
                principal: principal.into(),
                comment: None,
                label,
                roles,
                added_at: 0,
            },
        )
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn role(&self, project: &str, name: &str, label: u8) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_role(
            project,
            &Role {
                name: name.into(),
                role_type: RoleType::Resource,
                label,
                comment: None,
                builtin: false,
            },
        )
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    /// A table; `columns` as `name` or `name:label`.
    pub fn table(&self, project: &str, name: &str, columns: &[&str], creator: &str) -> &Self {
        let mut txn = self.catalog.begin();
        let columns = columns
            .iter()
            .map(|c| match c.split_once(':') {
                Some((n, l)) => Column {
                    name: n.into(),
                    data_type: "string".into(),
                    label: Some(l.parse().unwrap()),
                },
                None => Column {
                    name: c.to_string(),
                    data_type: "string".into(),
                    label: None,
                },
            })
            .collect();
        txn.put_table(
            project,
            &Table {
                name: name.into(),
                columns,
                label: 0,
                creator: creator.into(),
                created_at: 0,
            },
        )
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn table_label(&self, project: &str, name: &str, label: u8) -> &Self {
        let mut txn = self.catalog.begin();
        let mut t = txn.table(project, name).unwrap().unwrap();
        t.label = label;
        txn.put_table(project, &t).unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn object(&self, project: &str, kind: ObjectType, name: &str, creator: &str) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_object(
            project,
            &NamedObject {
                kind,
                name: name.into(),
                creator: creator.into(),
                created_at: 0,
                detail: String::new(),
            },
        )
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn acl(
        &self,
        project: &str,
        kind: ObjectType,
        object: &str,
        grantee: Grantee,
        entry: AclEntry,
    ) -> &Self {
        let mut txn = self.catalog.begin();
        let object = ObjectRef {
            kind,
            name: object.into(),
        };
        let mut grants = txn.acl(project, &object, &grantee).unwrap();
        grants.entries.push(entry);
        txn.put_acl(project, &object, &grantee, &grants).unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn grant(&self, project: &str, table: &str, user: &str, action: &str) -> &Self {
        self.acl(
            project,
            ObjectType::Table,
            table,
            Grantee::User(user.into()),
            acl_entry(action, None),
        )
    }

    pub fn grant_role(&self, project: &str, table: &str, role: &str, action: &str) -> &Self {
        self.acl(
            project,
            ObjectType::Table,
            table,
            Grantee::Role(role.into()),
            acl_entry(action, None),
        )
    }

    pub fn grant_project(&self, project: &str, grantee: Grantee, action: &str) -> &Self {
        self.acl(
            project,
            ObjectType::Project,
            project,
            grantee,
            acl_entry(action, None),
        )
    }

    pub fn project_policy(&self, project: &str, json: &str) -> &Self {
        self.edit_project(project, |p| p.policy = Some(json.into()))
    }

    pub fn role_policy(&self, project: &str, role: &str, json: &str) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_role_policy(project, role, Some(json)).unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn label_grant(
        &self,
        project: &str,
        table: &str,
        grantee: Grantee,
        column: Option<&str>,
        level: u8,
        expires: i64,
    ) -> &Self {
        let mut txn = self.catalog.begin();
        let mut g = txn.label_grants(project, table, &grantee).unwrap();
        g.entries.push(LabelGrant {
            column: column.map(str::to_string),
            level,
            expires,
        });
        txn.put_label_grants(project, table, &grantee, &g).unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    /// A package in `source` sharing `objects` (kind, name, privileges) with `allowed` (project, label).
    pub fn package(
        &self,
        source: &str,
        name: &str,
        objects: &[(ObjectType, &str, &[&str])],
        allowed: &[(&str, u8)],
    ) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_package(
            source,
            &Package {
                name: name.into(),
                created_at: 0,
                objects: objects
                    .iter()
                    .map(|(kind, n, privs)| PackageObject {
                        kind: *kind,
                        name: n.to_string(),
                        privileges: privs.iter().map(|p| p.to_string()).collect(),
                    })
                    .collect(),
                allowed: allowed
                    .iter()
                    .map(|(p, l)| AllowedProject {
                        project: p.to_string(),
                        label: *l,
                        expires: None,
                    })
                    .collect(),
            },
        )
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    pub fn install(&self, project: &str, source: &str, package: &str) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_installed(
            project,
            &InstalledPackage {
                source_project: source.into(),
                package: package.into(),
                installed_at: 0,
            },
        )
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }

    /// A tenant role held by `members`, added to `projects`, with table grants (project, table, action).
    pub fn tenant_role(
        &self,
        name: &str,
        members: &[&str],
        projects: &[&str],
        grants: &[(&str, &str, &str)],
    ) -> &Self {
        let mut txn = self.catalog.begin();
        txn.put_tenant_role(&TenantRole {
            name: name.into(),
            members: members.iter().map(|m| m.to_string()).collect(),
            projects: projects.iter().map(|p| p.to_string()).collect(),
            policy: None,
            grants: grants
                .iter()
                .map(|(p, t, a)| (p.to_string(), t.to_string(), a.to_string()))
                .collect(),
        })
        .unwrap();
        self.catalog.commit(txn).unwrap();
        self
    }
}
