//! A read-through cache of decoded catalog records for a run of authorization checks.
//!
//! `create table prj2.t2 as select * from prj1.t1;` needs three checks (CreateInstance on prj2,
//! Select on t1, CreateTable on prj2) that read the same project, user and role records; a
//! benchmark or `explain` runs many more. A [`Snapshot`] wraps a borrowed [`Txn`] and decodes
//! each record once: every later read of the same key is a hash lookup returning a shared
//! `Rc`. While the snapshot borrows the transaction the transaction cannot be written (writes
//! need `&mut`), so the cached records are exactly what the transaction would return.
//!
//! Missing records are cached too, so a check that looks for a grant that does not exist pays
//! the storage lookup once.

use crate::catalog::keys;
use crate::catalog::model::*;
use crate::catalog::Txn;
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::any::Any;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

/// Keys are short catalog paths; foldhash hashes them several times faster than SipHash, and
/// the snapshot never holds attacker-chosen keys long enough for flooding to matter.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::rc::Rc;

type Slot = Option<Rc<dyn Any>>;

pub struct Snapshot<'t, 'c> {
    txn: &'t Txn<'c>,
    records: RefCell<Map<Vec<u8>, Slot>>,
    installed: RefCell<Map<String, Rc<Vec<InstalledPackage>>>>,
    tenant_roles: OnceCell<Rc<Vec<TenantRole>>>,
}

impl<'t, 'c> Snapshot<'t, 'c> {
    pub fn new(txn: &'t Txn<'c>) -> Self {
        Snapshot {
            txn,
            records: RefCell::new(Map::default()),
            installed: RefCell::new(Map::default()),
            tenant_roles: OnceCell::new(),
        }
    }

    fn get<T: DeserializeOwned + 'static>(&self, key: Vec<u8>) -> Result<Option<Rc<T>>> {
        let cached = self.records.borrow().get(&key).cloned();
        let slot = match cached {
            Some(slot) => slot,
            None => {
                let slot: Slot = self
                    .txn
                    .get::<T>(&key)?
                    .map(|record| Rc::new(record) as Rc<dyn Any>);
                self.records.borrow_mut().insert(key, slot.clone());
                slot
            }
        };
        slot.map(|any| {
            any.downcast::<T>()
                .map_err(|_| Error::Storage("one key read as two record types".into()))
        })
        .transpose()
    }

    pub fn project(&self, name: &str) -> Result<Option<Rc<Project>>> {
        self.get(keys::project(name))
    }

    pub fn user(&self, project: &str, principal: &str) -> Result<Option<Rc<User>>> {
        self.get(keys::user(project, principal))
    }

    pub fn role(&self, project: &str, name: &str) -> Result<Option<Rc<Role>>> {
        self.get(keys::role(project, name))
    }

    pub fn role_policy(&self, project: &str, role: &str) -> Result<Option<Rc<String>>> {
        self.get(keys::role_policy(project, role))
    }

    pub fn acl(
        &self,
        project: &str,
        object: &ObjectRef,
        grantee: &Grantee,
    ) -> Result<Option<Rc<AclGrants>>> {
        self.get(keys::acl(project, object, grantee))
    }

    pub fn label_grants(
        &self,
        project: &str,
        table: &str,
        grantee: &Grantee,
    ) -> Result<Option<Rc<LabelGrants>>> {
        self.get(keys::label_grant(project, table, grantee))
    }

    pub fn table(&self, project: &str, name: &str) -> Result<Option<Rc<Table>>> {
        self.get(keys::table(project, name))
    }

    pub fn object(
        &self,
        project: &str,
        kind: ObjectType,
        name: &str,
    ) -> Result<Option<Rc<NamedObject>>> {
        self.get(keys::object(project, kind, name))
    }

    pub fn package(&self, project: &str, name: &str) -> Result<Option<Rc<Package>>> {
        self.get(keys::package(project, name))
    }

    /// The packages installed in `project` (a short prefix scan, once per snapshot).
    pub fn installed_packages(&self, project: &str) -> Result<Rc<Vec<InstalledPackage>>> {
        if let Some(list) = self.installed.borrow().get(project) {
            return Ok(list.clone());
        }
        let list = Rc::new(self.txn.installed_packages(project)?);
        self.installed
            .borrow_mut()
            .insert(project.to_string(), list.clone());
        Ok(list)
    }

    /// Every tenant-level role (a short scan, once per snapshot, and only on the paths that
    /// need it: a non-member, or no other allow source).
    pub fn tenant_roles(&self) -> Result<Rc<Vec<TenantRole>>> {
        if let Some(roles) = self.tenant_roles.get() {
            return Ok(roles.clone());
        }
        let roles = Rc::new(self.txn.tenant_roles()?);
        Ok(self.tenant_roles.get_or_init(|| roles).clone())
    }
}
