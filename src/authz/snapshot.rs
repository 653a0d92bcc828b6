//! Read-through caches of decoded catalog records for authorization checks.
//!
//! `create table prj2.t2 as select * from prj1.t1;` needs three checks (CreateInstance on prj2,
//! Select on t1, CreateTable on prj2) that read the same project, user and role records, and
//! the next statement of the session reads them again. Decoding a stored record costs more
//! than the rest of a check, so checks read through a [`Snapshot`]: a borrowed [`Txn`] plus a
//! [`RecordCache`] of records already decoded, each a hash lookup returning a shared `Arc`.
//!
//! The cache may be the snapshot's own (one statement, [`Snapshot::new`]) or one that outlives
//! statements ([`Snapshot::with_cache`]; the session keeps one). A long-lived cache is never
//! served stale: when a snapshot is made it asks the transaction which keys were committed
//! since the cache was last brought up to date ([`Txn::changes_since`]) and evicts exactly
//! those, or everything when the catalog's short commit log no longer reaches back. A
//! transaction with pending writes of its own never uses the shared cache (its reads must see
//! those writes, which no other statement may see): it gets a fresh one. While a snapshot
//! borrows the transaction the transaction cannot be written (writes need `&mut`), so what the
//! snapshot serves is exactly what the transaction would return.
//!
//! Missing records are cached too, so a check that looks for a grant that does not exist pays
//! the storage lookup once; a later grant writes that key and so evicts the miss.

use crate::catalog::model::*;
use crate::catalog::{keys, Changes, Txn, Version};
use crate::error::{Error, Result};
use serde::de::DeserializeOwned;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

/// Keys are short catalog paths; foldhash hashes them several times faster than SipHash, and
/// the cache is bounded, so flooding cannot make it grow without limit.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// `Arc` (not `Rc`) so that a session holding a cache can still move between threads.
type Slot = Option<Arc<dyn Any + Send + Sync>>;

/// Records a long-lived cache holds before it starts over, so a shell session over a tenant
/// of millions of grants stays small.
const CAPACITY: usize = 1 << 16;

/// Decoded records, valid for one catalog at one commit version.
#[derive(Default)]
pub struct RecordCache {
    /// The catalog version the entries are current for; `None` before first use.
    version: Cell<Option<Version>>,
    records: RefCell<Map<Vec<u8>, Slot>>,
    installed: RefCell<Map<String, Arc<Vec<InstalledPackage>>>>,
    tenant_roles: RefCell<Option<Arc<Vec<TenantRole>>>>,
}

impl std::fmt::Debug for RecordCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordCache")
            .field("version", &self.version.get())
            .field("records", &self.records.borrow().len())
            .finish_non_exhaustive()
    }
}

impl RecordCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records (present or missing) are cached.
    pub fn len(&self) -> usize {
        self.records.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn clear(&self) {
        self.records.borrow_mut().clear();
        self.installed.borrow_mut().clear();
        self.tenant_roles.replace(None);
    }

    /// Brings the cache up to the catalog `txn` reads: evicts every key committed since the
    /// cache's version (everything, if that is unknown or the cache is another catalog's).
    fn catch_up(&self, txn: &Txn<'_>) {
        let current = txn.catalog_version();
        let since = match self.version.get() {
            Some(version) if version == current => {
                if self.len() > CAPACITY {
                    self.clear();
                }
                return;
            }
            Some(version) => version,
            None => {
                self.clear();
                self.version.set(Some(current));
                return;
            }
        };
        let (changes, now) = txn.changes_since(since);
        match changes {
            Changes::Keys(written) if self.len() <= CAPACITY => self.evict(&written),
            _ => self.clear(),
        }
        self.version.set(Some(now));
    }

    fn evict(&self, written: &[Vec<u8>]) {
        let mut records = self.records.borrow_mut();
        for key in written {
            records.remove(key);
        }
        let tenant_roles = keys::tenant_role_prefix();
        if written.iter().any(|k| k.starts_with(&tenant_roles)) {
            self.tenant_roles.replace(None);
        }
        self.installed.borrow_mut().retain(|project, _| {
            let prefix = keys::installed_prefix(project);
            !written.iter().any(|k| k.starts_with(&prefix))
        });
    }
}

/// Where a snapshot keeps what it decoded.
enum Cache<'t> {
    Own(RecordCache),
    Shared(&'t RecordCache),
}

pub struct Snapshot<'t, 'c> {
    txn: &'t Txn<'c>,
    cache: Cache<'t>,
}

impl<'t, 'c> Snapshot<'t, 'c> {
    /// A snapshot with a cache of its own, dropped with it (one statement's checks).
    pub fn new(txn: &'t Txn<'c>) -> Self {
        Snapshot {
            txn,
            cache: Cache::Own(RecordCache::new()),
        }
    }

    /// A snapshot reading through `cache`, first brought up to date with the catalog. When
    /// `txn` has pending writes of its own the shared cache is left alone and the snapshot
    /// decodes into a fresh one, so it sees those writes and the shared cache never does.
    pub fn with_cache(txn: &'t Txn<'c>, cache: &'t RecordCache) -> Self {
        if txn.has_writes() {
            return Snapshot::new(txn);
        }
        cache.catch_up(txn);
        Snapshot {
            txn,
            cache: Cache::Shared(cache),
        }
    }

    /// [`Snapshot::with_cache`] when a long-lived cache is at hand, else [`Snapshot::new`].
    pub fn reusing(txn: &'t Txn<'c>, cache: Option<&'t RecordCache>) -> Self {
        match cache {
            Some(cache) => Snapshot::with_cache(txn, cache),
            None => Snapshot::new(txn),
        }
    }

    /// Whether reads go through a cache that outlives this snapshot.
    pub fn is_shared(&self) -> bool {
        matches!(self.cache, Cache::Shared(_))
    }

    fn cache(&self) -> &RecordCache {
        match &self.cache {
            Cache::Own(cache) => cache,
            Cache::Shared(cache) => cache,
        }
    }

    fn get<T: DeserializeOwned + Send + Sync + 'static>(
        &self,
        key: Vec<u8>,
    ) -> Result<Option<Arc<T>>> {
        let records = &self.cache().records;
        let cached = records.borrow().get(&key).cloned();
        let slot = match cached {
            Some(slot) => {
                self.txn.note_read(&key);
                slot
            }
            None => {
                let slot: Slot = self
                    .txn
                    .get::<T>(&key)?
                    .map(|record| Arc::new(record) as Arc<dyn Any + Send + Sync>);
                records.borrow_mut().insert(key, slot.clone());
                slot
            }
        };
        slot.map(|any| {
            any.downcast::<T>()
                .map_err(|_| Error::Storage("one key read as two record types".into()))
        })
        .transpose()
    }

    pub fn project(&self, name: &str) -> Result<Option<Arc<Project>>> {
        self.get(keys::project(name))
    }

    pub fn user(&self, project: &str, principal: &str) -> Result<Option<Arc<User>>> {
        self.get(keys::user(project, principal))
    }

    pub fn role(&self, project: &str, name: &str) -> Result<Option<Arc<Role>>> {
        self.get(keys::role(project, name))
    }

    pub fn role_policy(&self, project: &str, role: &str) -> Result<Option<Arc<String>>> {
        self.get(keys::role_policy(project, role))
    }

    pub fn acl(
        &self,
        project: &str,
        object: &ObjectRef,
        grantee: &Grantee,
    ) -> Result<Option<Arc<AclGrants>>> {
        self.get(keys::acl(project, object, grantee))
    }

    pub fn label_grants(
        &self,
        project: &str,
        table: &str,
        grantee: &Grantee,
    ) -> Result<Option<Arc<LabelGrants>>> {
        self.get(keys::label_grant(project, table, grantee))
    }

    pub fn table(&self, project: &str, name: &str) -> Result<Option<Arc<Table>>> {
        self.get(keys::table(project, name))
    }

    pub fn object(
        &self,
        project: &str,
        kind: ObjectType,
        name: &str,
    ) -> Result<Option<Arc<NamedObject>>> {
        self.get(keys::object(project, kind, name))
    }

    pub fn package(&self, project: &str, name: &str) -> Result<Option<Arc<Package>>> {
        self.get(keys::package(project, name))
    }

    /// The packages installed in `project` (a short prefix scan, once while the cache holds).
    pub fn installed_packages(&self, project: &str) -> Result<Arc<Vec<InstalledPackage>>> {
        let installed = &self.cache().installed;
        if let Some(list) = installed.borrow().get(project) {
            self.txn.note_scan(&keys::installed_prefix(project));
            return Ok(list.clone());
        }
        let list = Arc::new(self.txn.installed_packages(project)?);
        installed
            .borrow_mut()
            .insert(project.to_string(), list.clone());
        Ok(list)
    }

    /// Every tenant-level role (a short scan, once while the cache holds, and only on the paths
    /// that need it: a non-member, or no other allow source).
    pub fn tenant_roles(&self) -> Result<Arc<Vec<TenantRole>>> {
        let cached = &self.cache().tenant_roles;
        if let Some(roles) = cached.borrow().as_ref() {
            self.txn.note_scan(&keys::tenant_role_prefix());
            return Ok(roles.clone());
        }
        let roles = Arc::new(self.txn.tenant_roles()?);
        cached.replace(Some(roles.clone()));
        Ok(roles)
    }
}
