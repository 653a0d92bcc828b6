//! The catalog: a whole tenant (projects, users, roles, grants, policies, labels, packages,
//! tables) stored as typed records over a [`Storage`].
//!
//! A statement such as `grant Select on table t to user RAM$owner:bob;` runs inside one [`Txn`]:
//! the executor reads the project, the user and the table through the transaction, adds an
//! [`model::AclEntry`] to the `(table t, user bob)` record, and on success hands the transaction
//! to [`Catalog::commit`], which applies its writes as one atomic batch. A failing statement drops
//! its transaction, so the catalog is exactly as before. Reads inside a transaction see its own
//! writes.
//!
//! Records are postcard-encoded; keys are tag-prefixed paths (see [`keys`]) so that every
//! question the executor or the authorizer asks is a point lookup or a short prefix scan. The sled
//! store keeps pages plus a journal (see [`storage`]): opening replays only the journal (at most
//! 1 MB, and 256 KB after a run that ended), and a page — a run of neighbouring records of about
//! 2 KB — is read from its segment file the first time a statement touches it and leaves memory when the page cache needs room, so
//! start-up never reads the whole catalog and memory does not grow with it.

pub mod audit;
pub mod commits;
pub mod keys;
pub mod model;
pub mod check;
pub mod read_only;
pub mod secrets;
pub mod storage;

use crate::error::{Error, Result};
pub use commits::{Changes, Version};
use model::*;
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;
pub use storage::{MemStorage, SledStorage, Storage, WriteBatch};

pub struct Catalog {
    storage: Box<dyn Storage>,
    /// Held while a commit validates and applies, and for the whole of an exclusive
    /// transaction ([`Catalog::begin_exclusive`]): commits are serialized.
    commit_lock: std::sync::Mutex<()>,
    /// The commit generation and the keys recent commits wrote, for caches that outlive a
    /// statement (see [`commits`]).
    commits: commits::CommitLog,
    /// What the user named it: a directory or `:memory:`.
    location: String,
    /// The audit trail's numbering and block summaries (see [`audit`]).
    trail: audit::Trail,
    /// Opened read-only ([`read_only`]): it keeps no audit trail and saves no format upgrade,
    /// as it can write nothing.
    read_only: bool,
}

impl Catalog {
    /// Opens the catalog at `location`: a directory (created on first use) or `:memory:`.
    pub fn open(location: &str) -> Result<Self> {
        let (storage, blank): (Box<dyn Storage>, bool) = if location == ":memory:" {
            (Box::new(MemStorage::default()), true)
        } else {
            let named = |e| name_sled_error(e, location);
            // The trail's records are only ever appended, in key order (see `audit`).
            let tuning = storage::Tuning {
                log: Some(audit::RECORD_PREFIX),
                ..storage::Tuning::default()
            };
            let sled = SledStorage::open_tuned(Path::new(location), tuning).map_err(named)?;
            let blank = sled.is_blank().map_err(named)?;
            let storage = Named {
                inner: sled,
                location: location.to_string(),
            };
            (Box::new(storage), blank)
        };
        let catalog = Catalog {
            storage,
            commit_lock: Default::default(),
            commits: Default::default(),
            location: location.to_string(),
            trail: Default::default(),
            read_only: false,
        };
        catalog.check_format(blank)?;
        Ok(catalog)
    }

    pub fn memory() -> Self {
        Catalog::over(Box::new(MemStorage::default()), ":memory:")
    }

    /// A catalog over `storage`, named `location` in messages.
    fn over(storage: Box<dyn Storage>, location: &str) -> Self {
        Catalog {
            storage,
            commit_lock: Default::default(),
            commits: Default::default(),
            location: location.to_string(),
            trail: Default::default(),
            read_only: false,
        }
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// Writes the format key into a new catalog, accepts this format, refuses another. A store
    /// without the key that is not `blank` is another program's database (or one whose key was
    /// lost): adopting it would mix mcsec's records into it, so it is refused untouched.
    fn check_format(&self, blank: bool) -> Result<()> {
        match self.storage.get(keys::FORMAT)? {
            None if !blank => Err(Error::Storage(format!(
                "{} is not an mcsec catalog: it holds a sled database without mcsec's format key (use a new or empty directory)",
                self.location
            ))),
            None => {
                let mut batch = WriteBatch::new();
                batch.insert(keys::FORMAT.to_vec(), Some(encode(&FORMAT_VERSION)?));
                self.storage.apply(batch)
            }
            Some(bytes) => {
                let version: u32 = decode(&bytes)?;
                if version == FORMAT_VERSION {
                    Ok(())
                } else if UPGRADED_FORMATS.contains(&version) && self.read_only {
                    // Read-only: its records read as they are; there is no upgrade to save.
                    Ok(())
                } else if UPGRADED_FORMATS.contains(&version) {
                    // Its records are this format's but for the audit trail's layout, which
                    // is rewritten here; the new number is saved with the first flush, in the
                    // same batch as the first flush generation.
                    let mut batch = audit::upgrade_layout(self.storage.as_ref())?;
                    batch.insert(keys::FORMAT.to_vec(), Some(encode(&FORMAT_VERSION)?));
                    self.storage.apply(batch)
                } else {
                    Err(Error::Storage(format!(
                        "catalog {} has format {version}, this mcsec reads format {FORMAT_VERSION}",
                        self.location
                    )))
                }
            }
        }
    }

    /// A transaction that runs alongside others: its reads are recorded, and its commit is
    /// refused with [`Error::Conflict`] when a commit since it began wrote what it read.
    pub fn begin(&self) -> Txn<'_> {
        Txn {
            storage: self.storage.as_ref(),
            commits: &self.commits,
            writes: WriteBatch::new(),
            began: self.commits.version(),
            reads: Default::default(),
            exclusive: None,
            audit: None,
            trail: &self.trail,
        }
    }

    /// A transaction that holds the commit lock from start to end, so no other commit can
    /// land while it runs and its own commit cannot conflict. What a statement that lost a
    /// race is retried with, so that it finishes however busy the catalog is.
    pub fn begin_exclusive(&self) -> Txn<'_> {
        let guard = self
            .commit_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut txn = self.begin();
        txn.exclusive = Some(guard);
        txn
    }

    /// Validates the transaction and applies its writes atomically, serialized with every
    /// other commit. Validation: no commit since the transaction began wrote a key it read or a
    /// key under a prefix it scanned; otherwise [`Error::Conflict`] and nothing is applied.
    /// Read-only transactions are validated too, so that what a statement showed is one
    /// state of the catalog. Not yet durable: see [`Catalog::flush`]. A commit with writes
    /// bumps [`Catalog::generation`].
    pub fn commit(&self, mut txn: Txn<'_>) -> Result<()> {
        let guard = match txn.exclusive.take() {
            Some(guard) => guard,
            None => {
                let guard = self
                    .commit_lock
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                txn.validate()?;
                guard
            }
        };
        let written: Vec<Vec<u8>> = txn
            .writes
            .keys()
            .filter(|k| !audit::is_audit_key(k))
            .cloned()
            .collect();
        if let Some(entry) = txn.audit.take().filter(|_| !self.read_only) {
            self.trail.append(self.storage.as_ref(), &mut txn.writes, entry)?;
        }
        if !txn.writes.is_empty() {
            if let Err(e) = self.storage.apply(std::mem::take(&mut txn.writes)) {
                self.trail.reset();
                return Err(e);
            }
            if !written.is_empty() {
                self.commits.record(written);
            }
        }
        drop(guard);
        Ok(())
    }

    /// The audit records matching `filter`, oldest first (see [`audit::query`]); records
    /// older than the retention window seen from `now` are left out.
    pub fn audit_records(&self, filter: &audit::Filter, now: i64) -> Result<Vec<audit::AuditRecord>> {
        let cutoff = self.audit_retention()?.cutoff(now);
        audit::query(self.storage.as_ref(), &self.trail, filter, cutoff)
    }

    /// The trail's retention setting.
    pub fn audit_retention(&self) -> Result<audit::Retention> {
        audit::retention(self.storage.as_ref())
    }

    /// Every stored key and its encoded value, in key order: the whole tenant, for comparing two
    /// catalogs exactly (tests, diagnostics). The audit trail is left out: every statement,
    /// a failed one too, appends to it, and two runs of the same statements differ in it only
    /// by when and in which order they ran.
    pub fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut all = self.storage.scan_prefix(b"")?;
        all.retain(|(k, _)| !audit::is_audit_key(k));
        Ok(all)
    }

    /// Appends the record of a statement that wrote nothing that stays (one refused or failed,
    /// or run by the session itself): serialized with the commits, and never in conflict, as
    /// it reads nothing.
    pub fn append_audit(&self, entry: audit::AuditEntry) -> Result<()> {
        if self.read_only {
            return Ok(());
        }
        let guard = self
            .commit_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut batch = WriteBatch::new();
        self.trail.append(self.storage.as_ref(), &mut batch, entry)?;
        if !batch.is_empty() {
            if let Err(e) = self.storage.apply(batch) {
                self.trail.reset();
                return Err(e);
            }
        }
        drop(guard);
        Ok(())
    }

    /// A throw-away in-memory catalog holding exactly this catalog's records: what `mcsec plan`
    /// runs a script against, so that the catalog itself is never touched.
    pub fn in_memory_copy(&self) -> Result<Catalog> {
        let copy = Catalog::memory();
        let batch: WriteBatch = self.entries()?.into_iter().map(|(k, v)| (k, Some(v))).collect();
        copy.storage.apply(batch)?;
        Ok(copy)
    }

    /// How many commits with writes this catalog has applied since it was opened.
    pub fn generation(&self) -> u64 {
        self.commits.version().generation
    }

    pub fn flush(&self) -> Result<()> {
        self.storage.flush()
    }

    /// [`Catalog::flush`] at the end of a run (see [`Storage::settle`]).
    pub fn settle(&self) -> Result<()> {
        self.storage.settle()
    }
}

/// The sled store with its directory named in the failures sled reports: the store itself
/// leaves [`Error::Sled`]'s location empty, as most of its failures arise far from where the
/// directory is known.
struct Named {
    inner: SledStorage,
    location: String,
}

fn name_sled_error(e: Error, location: &str) -> Error {
    match e {
        Error::Sled {
            location: unnamed,
            problem,
        } if unnamed.is_empty() => Error::Sled {
            location: location.to_string(),
            problem,
        },
        e => e,
    }
}

impl Storage for Named {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner
            .get(key)
            .map_err(|e| name_sled_error(e, &self.location))
    }

    fn scan_prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.inner
            .scan_prefix(prefix)
            .map_err(|e| name_sled_error(e, &self.location))
    }

    fn apply(&self, batch: WriteBatch) -> Result<()> {
        self.inner
            .apply(batch)
            .map_err(|e| name_sled_error(e, &self.location))
    }

    fn flush(&self) -> Result<()> {
        self.inner
            .flush()
            .map_err(|e| name_sled_error(e, &self.location))
    }

    fn verify(&self) -> Result<()> {
        self.inner
            .verify()
            .map_err(|e| name_sled_error(e, &self.location))
    }

    fn settle(&self) -> Result<()> {
        self.inner
            .settle()
            .map_err(|e| name_sled_error(e, &self.location))
    }
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(|e| Error::Storage(format!("cannot encode record: {e}")))
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| Error::Storage(format!("corrupt record: {e}")))
}

/// One statement's view of the catalog: reads fall through its own pending writes to storage.
pub struct Txn<'a> {
    storage: &'a dyn Storage,
    commits: &'a commits::CommitLog,
    writes: WriteBatch,
    /// The commit generation when the transaction began: commits after it are checked against
    /// what it read.
    began: Version,
    reads: std::cell::RefCell<Reads>,
    /// The commit lock, for a transaction begun with [`Catalog::begin_exclusive`].
    exclusive: Option<std::sync::MutexGuard<'a, ()>>,
    /// The statement's audit record, numbered and stored by the commit; kept apart from the
    /// writes so that [`Txn::discard_writes`] leaves it.
    audit: Option<audit::AuditEntry>,
    /// The trail's block summaries, which choose the blocks an audit query reads.
    trail: &'a audit::Trail,
}

/// What a transaction read from storage: key hashes (a collision only makes a commit retry,
/// never pass wrongly) and the prefixes it scanned.
#[derive(Default)]
struct Reads {
    keys: Vec<u64>,
    prefixes: Vec<Vec<u8>>,
}

fn key_hash(key: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x006d_6373_6563).hash_one(key)
}

impl Reads {
    fn touches(&self, written: &[u8]) -> bool {
        self.prefixes.iter().any(|p| written.starts_with(p))
            || self.keys.contains(&key_hash(written))
    }
}

impl<'a> Txn<'a> {
    /// Records a read served without asking storage (a cache of decoded records), so that
    /// the commit checks it like any other.
    pub fn note_read(&self, key: &[u8]) {
        if self.exclusive.is_none() {
            self.reads.borrow_mut().keys.push(key_hash(key));
        }
    }

    /// Records a prefix scan served without asking storage.
    pub fn note_scan(&self, prefix: &[u8]) {
        if self.exclusive.is_none() {
            self.reads.borrow_mut().prefixes.push(prefix.to_vec());
        }
    }

    /// Whether a commit since this transaction began wrote something it read. An exclusive
    /// transaction never conflicts: no commit can land while it runs.
    pub fn conflicts(&self) -> bool {
        if self.exclusive.is_some() {
            return false;
        }
        match self.commits.changes_since(self.began).0 {
            Changes::Keys(written) => {
                let reads = self.reads.borrow();
                written.iter().any(|k| reads.touches(k))
            }
            Changes::Unknown => true,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.conflicts() {
            Err(Error::Conflict)
        } else {
            Ok(())
        }
    }

    /// The catalog and commit generation this transaction's reads (other than its own pending
    /// writes) come from.
    pub fn catalog_version(&self) -> Version {
        self.commits.version()
    }

    /// The keys committed to the catalog since `since`, and the version that brings it to.
    pub fn changes_since(&self, since: Version) -> (Changes, Version) {
        self.commits.changes_since(since)
    }

    pub fn get<T: DeserializeOwned>(&self, key: &[u8]) -> Result<Option<T>> {
        let bytes = match self.writes.get(key) {
            Some(pending) => pending.clone(),
            None => {
                self.note_read(key);
                self.storage.get(key)?
            }
        };
        bytes.map(|b| decode(&b)).transpose()
    }

    pub fn put<T: Serialize>(&mut self, key: Vec<u8>, value: &T) -> Result<()> {
        self.writes.insert(key, Some(encode(value)?));
        Ok(())
    }

    pub fn delete(&mut self, key: Vec<u8>) {
        self.writes.insert(key, None);
    }

    /// Every record under `prefix`, in key order, with this transaction's writes applied.
    pub fn scan<T: DeserializeOwned>(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, T)>> {
        self.scan_raw(prefix)?
            .into_iter()
            .map(|(k, v)| Ok((k, decode(&v)?)))
            .collect()
    }

    /// The records under `prefix`, in key order, without their keys.
    pub fn scan_values<T: DeserializeOwned>(&self, prefix: &[u8]) -> Result<Vec<T>> {
        Ok(self.scan(prefix)?.into_iter().map(|(_, v)| v).collect())
    }

    /// Every key under `prefix`, with this transaction's writes applied, without decoding.
    pub fn scan_keys(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        Ok(self.scan_raw(prefix)?.into_iter().map(|(k, _)| k).collect())
    }

    /// Every (key, encoded record) under `prefix`, with this transaction's writes applied,
    /// without decoding: records copied whole (snapshots).
    pub fn scan_raw(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.note_scan(prefix);
        let mut merged: std::collections::BTreeMap<Vec<u8>, Vec<u8>> =
            self.storage.scan_prefix(prefix)?.into_iter().collect();
        for (k, v) in self
            .writes
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| k.starts_with(prefix))
        {
            match v {
                Some(v) => merged.insert(k.clone(), v.clone()),
                None => merged.remove(k),
            };
        }
        Ok(merged.into_iter().collect())
    }

    /// Writes an already encoded record (one that [`Txn::scan_raw`] read).
    pub fn put_raw(&mut self, key: Vec<u8>, bytes: Vec<u8>) {
        self.writes.insert(key, Some(bytes));
    }

    /// Drops every write the transaction made, as if they had never been made (a statement
    /// run to be explained). What it read stays recorded.
    pub fn discard_writes(&mut self) {
        self.writes.clear();
    }

    /// The audit records matching `filter` (see [`audit::query`]), within the retention
    /// window seen from `now`. The trail is append-only and no statement's check reads it, so
    /// these reads are not recorded for validation.
    pub fn audit_records(&self, filter: &audit::Filter, now: i64) -> Result<Vec<audit::AuditRecord>> {
        let cutoff = audit::retention(self.storage)?.cutoff(now);
        audit::query(self.storage, self.trail, filter, cutoff)
    }

    /// The trail's retention setting, as this transaction sees it.
    pub fn audit_retention(&self) -> Result<audit::Retention> {
        Ok(self
            .get(audit::RETENTION_KEY)?
            .unwrap_or_default())
    }

    /// The audit record the commit appends with this transaction's writes.
    pub fn set_audit(&mut self, entry: audit::AuditEntry) {
        self.audit = Some(entry);
    }

    /// Sets the trail's retention (`alter tenant set audit retention`); takes effect with the
    /// commit, whose own record is still written when it switches the trail off.
    pub fn put_audit_retention(&mut self, retention: audit::Retention) -> Result<()> {
        self.put(audit::RETENTION_KEY.to_vec(), &retention)
    }

    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    // ---- typed access: the only places that know which key holds which record ----

    pub fn project(&self, name: &str) -> Result<Option<Project>> {
        self.get(&keys::project(name))
    }
    pub fn put_project(&mut self, p: &Project) -> Result<()> {
        self.put(keys::project(&p.name), p)
    }
    pub fn projects(&self) -> Result<Vec<Project>> {
        self.scan_values(&keys::project_prefix())
    }

    pub fn user(&self, project: &str, principal: &str) -> Result<Option<User>> {
        self.get(&keys::user(project, principal))
    }
    pub fn put_user(&mut self, project: &str, u: &User) -> Result<()> {
        self.put(keys::user(project, &u.principal), u)
    }
    pub fn delete_user(&mut self, project: &str, principal: &str) {
        self.delete(keys::user(project, principal))
    }
    pub fn users(&self, project: &str) -> Result<Vec<User>> {
        self.scan_values(&keys::user_prefix(project))
    }

    pub fn role(&self, project: &str, name: &str) -> Result<Option<Role>> {
        self.get(&keys::role(project, name))
    }
    pub fn put_role(&mut self, project: &str, r: &Role) -> Result<()> {
        self.put(keys::role(project, &r.name), r)
    }
    pub fn delete_role(&mut self, project: &str, name: &str) {
        self.delete(keys::role(project, name))
    }
    pub fn roles(&self, project: &str) -> Result<Vec<Role>> {
        self.scan_values(&keys::role_prefix(project))
    }

    /// The role policy (JSON text). Kept apart from the role: it survives `drop role` (§2.1).
    pub fn role_policy(&self, project: &str, role: &str) -> Result<Option<String>> {
        self.get(&keys::role_policy(project, role))
    }
    pub fn put_role_policy(
        &mut self,
        project: &str,
        role: &str,
        policy: Option<&str>,
    ) -> Result<()> {
        match policy {
            Some(text) => self.put(keys::role_policy(project, role), &text.to_string()),
            None => {
                self.delete(keys::role_policy(project, role));
                Ok(())
            }
        }
    }

    pub fn acl(&self, project: &str, object: &ObjectRef, grantee: &Grantee) -> Result<AclGrants> {
        Ok(self
            .get(&keys::acl(project, object, grantee))?
            .unwrap_or_default())
    }
    /// Stores (or, when empty, deletes) one grantee's entries on one object, keeping the
    /// per-grantee index in step.
    pub fn put_acl(
        &mut self,
        project: &str,
        object: &ObjectRef,
        grantee: &Grantee,
        grants: &AclGrants,
    ) -> Result<()> {
        if grants.entries.is_empty() {
            self.delete(keys::acl(project, object, grantee));
            self.delete(keys::acl_by_grantee(project, grantee, object));
            Ok(())
        } else {
            self.put(keys::acl_by_grantee(project, grantee, object), &())?;
            self.put(keys::acl(project, object, grantee), grants)
        }
    }
    /// Every grantee's entries on `object`.
    pub fn acl_on_object(
        &self,
        project: &str,
        object: &ObjectRef,
    ) -> Result<Vec<(Grantee, AclGrants)>> {
        self.scan::<AclGrants>(&keys::acl_object_prefix(project, object))?
            .into_iter()
            .map(|(k, g)| Ok((keys::grantee_of_acl_key(&k)?, g)))
            .collect()
    }
    /// Every object `grantee` has ACL entries on.
    pub fn acl_of_grantee(
        &self,
        project: &str,
        grantee: &Grantee,
    ) -> Result<Vec<(ObjectRef, AclGrants)>> {
        let mut out = Vec::new();
        for (k, ()) in self.scan::<()>(&keys::acl_grantee_prefix(project, grantee))? {
            let object = keys::object_of_grantee_key(&k)?;
            out.push((object.clone(), self.acl(project, &object, grantee)?));
        }
        Ok(out)
    }

    pub fn label_grants(
        &self,
        project: &str,
        table: &str,
        grantee: &Grantee,
    ) -> Result<LabelGrants> {
        Ok(self
            .get(&keys::label_grant(project, table, grantee))?
            .unwrap_or_default())
    }
    pub fn put_label_grants(
        &mut self,
        project: &str,
        table: &str,
        grantee: &Grantee,
        grants: &LabelGrants,
    ) -> Result<()> {
        if grants.entries.is_empty() {
            self.delete(keys::label_grant(project, table, grantee));
            self.delete(keys::label_grant_by_grantee(project, grantee, table));
            Ok(())
        } else {
            self.put(keys::label_grant_by_grantee(project, grantee, table), &())?;
            self.put(keys::label_grant(project, table, grantee), grants)
        }
    }
    pub fn label_grants_on_table(
        &self,
        project: &str,
        table: &str,
    ) -> Result<Vec<(Grantee, LabelGrants)>> {
        self.scan::<LabelGrants>(&keys::label_grant_table_prefix(project, table))?
            .into_iter()
            .map(|(k, g)| Ok((keys::last_segment_grantee(&k)?, g)))
            .collect()
    }
    pub fn label_grants_of_grantee(
        &self,
        project: &str,
        grantee: &Grantee,
    ) -> Result<Vec<(String, LabelGrants)>> {
        let mut out = Vec::new();
        for (k, ()) in self.scan::<()>(&keys::label_grant_grantee_prefix(project, grantee))? {
            let table = keys::last_segment(&k)?;
            out.push((table.clone(), self.label_grants(project, &table, grantee)?));
        }
        Ok(out)
    }
    /// Every table's label grants in the project (for `clear expired grants`).
    pub fn all_label_grants(&self, project: &str) -> Result<Vec<(String, Grantee, LabelGrants)>> {
        self.scan::<LabelGrants>(&keys::label_grant_project_prefix(project))?
            .into_iter()
            .map(|(k, g)| Ok((keys::segment(&k, 1)?, keys::last_segment_grantee(&k)?, g)))
            .collect()
    }
    /// Every ACL record in the project (for `clear expired grants` and dropping projects).
    pub fn all_acl(&self, project: &str) -> Result<Vec<(ObjectRef, Grantee, AclGrants)>> {
        self.scan::<AclGrants>(&keys::acl_project_prefix(project))?
            .into_iter()
            .map(|(k, g)| {
                Ok((
                    keys::object_of_acl_key(&k)?,
                    keys::grantee_of_acl_key(&k)?,
                    g,
                ))
            })
            .collect()
    }

    pub fn table(&self, project: &str, name: &str) -> Result<Option<Table>> {
        self.get(&keys::table(project, name))
    }
    pub fn put_table(&mut self, project: &str, t: &Table) -> Result<()> {
        self.put(keys::table(project, &t.name), t)
    }
    pub fn delete_table(&mut self, project: &str, name: &str) {
        self.delete(keys::table(project, name));
        self.delete(keys::rows(project, name));
    }
    pub fn tables(&self, project: &str) -> Result<Vec<Table>> {
        self.scan_values(&keys::table_prefix(project))
    }
    pub fn rows(&self, project: &str, table: &str) -> Result<Rows> {
        Ok(self.get(&keys::rows(project, table))?.unwrap_or_default())
    }
    pub fn put_rows(&mut self, project: &str, table: &str, rows: &Rows) -> Result<()> {
        self.put(keys::rows(project, table), rows)
    }

    pub fn object(
        &self,
        project: &str,
        kind: ObjectType,
        name: &str,
    ) -> Result<Option<NamedObject>> {
        self.get(&keys::object(project, kind, name))
    }
    pub fn put_object(&mut self, project: &str, o: &NamedObject) -> Result<()> {
        self.put(keys::object(project, o.kind, &o.name), o)
    }
    pub fn delete_object(&mut self, project: &str, kind: ObjectType, name: &str) {
        self.delete(keys::object(project, kind, name))
    }
    pub fn objects(&self, project: &str, kind: ObjectType) -> Result<Vec<NamedObject>> {
        self.scan_values(&keys::object_prefix(project, kind))
    }

    pub fn package(&self, project: &str, name: &str) -> Result<Option<Package>> {
        self.get(&keys::package(project, name))
    }
    pub fn put_package(&mut self, project: &str, p: &Package) -> Result<()> {
        self.put(keys::package(project, &p.name), p)
    }
    pub fn delete_package(&mut self, project: &str, name: &str) {
        self.delete(keys::package(project, name))
    }
    pub fn packages(&self, project: &str) -> Result<Vec<Package>> {
        self.scan_values(&keys::package_prefix(project))
    }

    pub fn installed(
        &self,
        project: &str,
        source: &str,
        package: &str,
    ) -> Result<Option<InstalledPackage>> {
        self.get(&keys::installed(project, source, package))
    }
    pub fn put_installed(&mut self, project: &str, i: &InstalledPackage) -> Result<()> {
        self.put(keys::installed(project, &i.source_project, &i.package), i)
    }
    pub fn delete_installed(&mut self, project: &str, source: &str, package: &str) {
        self.delete(keys::installed(project, source, package))
    }
    pub fn installed_packages(&self, project: &str) -> Result<Vec<InstalledPackage>> {
        self.scan_values(&keys::installed_prefix(project))
    }

    pub fn tenant_role(&self, name: &str) -> Result<Option<TenantRole>> {
        self.get(&keys::tenant_role(name))
    }
    pub fn put_tenant_role(&mut self, r: &TenantRole) -> Result<()> {
        self.put(keys::tenant_role(&r.name), r)
    }
    pub fn delete_tenant_role(&mut self, name: &str) {
        self.delete(keys::tenant_role(name))
    }
    pub fn tenant_roles(&self) -> Result<Vec<TenantRole>> {
        self.scan_values(&keys::tenant_role_prefix())
    }
    pub fn tenant_user(&self, principal: &str) -> Result<Option<TenantUser>> {
        self.get(&keys::tenant_user(principal))
    }
    pub fn put_tenant_user(&mut self, u: &TenantUser) -> Result<()> {
        self.put(keys::tenant_user(&u.principal), u)
    }
    pub fn delete_tenant_user(&mut self, principal: &str) {
        self.delete(keys::tenant_user(principal))
    }
    pub fn tenant_users(&self) -> Result<Vec<TenantUser>> {
        self.scan_values(&keys::tenant_user_prefix())
    }

    pub fn group(&self, project: &str, name: &str) -> Result<Option<Group>> {
        self.get(&keys::group(project, name))
    }
    pub fn put_group(&mut self, project: &str, g: &Group) -> Result<()> {
        self.put(keys::group(project, &g.name), g)
    }
    pub fn delete_group(&mut self, project: &str, name: &str) {
        self.delete(keys::group(project, name))
    }
    pub fn groups(&self, project: &str) -> Result<Vec<Group>> {
        self.scan_values(&keys::group_prefix(project))
    }
    pub fn tenant_group(&self, name: &str) -> Result<Option<Group>> {
        self.get(&keys::tenant_group(name))
    }
    pub fn put_tenant_group(&mut self, g: &Group) -> Result<()> {
        self.put(keys::tenant_group(&g.name), g)
    }
    pub fn delete_tenant_group(&mut self, name: &str) {
        self.delete(keys::tenant_group(name))
    }
    pub fn tenant_groups(&self) -> Result<Vec<Group>> {
        self.scan_values(&keys::tenant_group_prefix())
    }

    pub fn workspace(&self, name: &str) -> Result<Option<Workspace>> {
        self.get(&keys::workspace(name))
    }
    pub fn put_workspace(&mut self, w: &Workspace) -> Result<()> {
        self.put(keys::workspace(&w.name), w)
    }
    pub fn delete_workspace(&mut self, name: &str) {
        self.delete(keys::workspace(name))
    }
    pub fn workspaces(&self) -> Result<Vec<Workspace>> {
        self.scan_values(&keys::workspace_prefix())
    }

    /// Deletes every record that belongs to `project` (used by `drop project`).
    pub fn delete_project_records(&mut self, project: &str) -> Result<()> {
        for prefix in keys::all_project_prefixes(project) {
            for k in self.scan_keys(&prefix)? {
                self.delete(k);
            }
        }
        self.delete(keys::project(project));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(action: &str) -> AclEntry {
        AclEntry {
            action: action.into(),
            column: None,
            expires: None,
            conditions: None,
            grantor: "ALIYUN$owner".into(),
            granted_at: 0,
        }
    }

    #[test]
    fn txn_reads_its_own_writes_and_drop_discards_them() {
        let cat = Catalog::memory();
        let obj = ObjectRef {
            kind: ObjectType::Table,
            name: "t".into(),
        };
        let who = Grantee::User("RAM$owner:bob".into());
        {
            let mut txn = cat.begin();
            txn.put_acl(
                "p",
                &obj,
                &who,
                &AclGrants {
                    entries: vec![grant("Select")],
                },
            )
            .unwrap();
            assert_eq!(txn.acl("p", &obj, &who).unwrap().entries.len(), 1);
            assert_eq!(txn.acl_of_grantee("p", &who).unwrap().len(), 1);
        }
        assert!(cat.begin().acl("p", &obj, &who).unwrap().entries.is_empty());

        let mut txn = cat.begin();
        txn.put_acl(
            "p",
            &obj,
            &who,
            &AclGrants {
                entries: vec![grant("Select")],
            },
        )
        .unwrap();
        cat.commit(txn).unwrap();
        let txn = cat.begin();
        assert_eq!(
            txn.acl_on_object("p", &obj).unwrap(),
            vec![(
                who.clone(),
                AclGrants {
                    entries: vec![grant("Select")]
                }
            )]
        );
        assert_eq!(txn.all_acl("p").unwrap().len(), 1);
        assert!(txn.acl_on_object("q", &obj).unwrap().is_empty());
    }

    #[test]
    fn scan_does_not_mix_projects_with_a_common_prefix() {
        let cat = Catalog::memory();
        let mut txn = cat.begin();
        for p in ["prj", "prj1"] {
            txn.put_user(
                p,
                &User {
                    principal: format!("ALIYUN${p}"),
                    comment: None,
                    label: 0,
                    roles: vec![],
                    added_at: 0,
                },
            )
            .unwrap();
        }
        assert_eq!(txn.users("prj").unwrap().len(), 1);
        txn.delete_project_records("prj").unwrap();
        assert_eq!(txn.users("prj").unwrap().len(), 0);
        assert_eq!(txn.users("prj1").unwrap().len(), 1);
    }

    #[test]
    fn sled_failures_are_one_line_naming_the_catalog() {
        let corrupt = sled::Error::Corruption { at: None, bt: () };
        let e = name_sled_error(storage::storage_err(corrupt), "/tmp/cat");
        assert_eq!(
            e.to_string(),
            "catalog error: catalog /tmp/cat is corrupt: sled found damaged data in its files"
        );
        let io = sled::Error::Io(std::io::Error::other("No space left on device"));
        let e = name_sled_error(storage::storage_err(io), "/tmp/cat");
        assert_eq!(
            e.to_string(),
            "catalog error: catalog /tmp/cat cannot be read or written: No space left on device"
        );
        // A failure that already names its place is left alone.
        let named = Error::Sled {
            location: "/a".into(),
            problem: "is corrupt: x".into(),
        };
        assert_eq!(name_sled_error(named.clone(), "/b"), named);
    }
}
