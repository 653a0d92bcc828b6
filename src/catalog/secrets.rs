//! Access keys: the id/secret pairs a signed request is checked against, kept outside the sled
//! trees.
//!
//! `create accesskey for RAM$owner:alice;` reaches [`AccessKeys::create`]: it draws a fresh id
//! and secret from the operating system's random source, adds the pair to the file
//! `access_keys` beside the catalog's sled files, and returns it once, for the statement to
//! print. The file is written whole to a temporary file created with mode 0600 (only the
//! catalog's owner may read it), synced, then renamed over the old one, so a crash leaves the
//! old or the new set, never half of one. Because the secrets are not in the catalog's trees,
//! nothing that reads those (dumps, the stored-format checks, explain) can show them; the only
//! later reader is the endpoint's signature check, [`AccessKeys::lookup`]. A `:memory:` catalog
//! keeps its keys in memory.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The name of the key file inside a catalog directory.
pub const FILE_NAME: &str = "access_keys";

/// One access key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
    /// The principal requests signed with this key act as (canonical form).
    pub principal: String,
    /// Unix seconds.
    pub created: i64,
}

/// The keys of one catalog.
pub struct AccessKeys {
    file: Option<PathBuf>,
    /// Loaded on first use: `None` until then.
    keys: Mutex<Option<BTreeMap<String, AccessKey>>>,
}

impl std::fmt::Debug for AccessKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeys")
            .field("file", &self.file)
            .finish()
    }
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_text(len: usize) -> Result<String> {
    // Rejection sampling keeps every character equally likely.
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)
            .map_err(|e| Error::Io(format!("cannot draw a random access key: {e}")))?;
        for b in buf {
            if out.len() == len {
                break;
            }
            if usize::from(b) < ALPHABET.len() * 4 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

impl AccessKeys {
    /// The keys of the catalog at `location` (a directory, or `:memory:`).
    pub fn for_location(location: &str) -> AccessKeys {
        AccessKeys {
            file: (location != ":memory:").then(|| Path::new(location).join(FILE_NAME)),
            keys: Mutex::new(None),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<String, AccessKey>) -> Result<T>) -> Result<T> {
        let mut guard = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if guard.is_none() {
            *guard = Some(self.load()?);
        }
        match guard.as_mut() {
            Some(keys) => f(keys),
            None => Ok(f(&mut BTreeMap::new())?),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, AccessKey>> {
        let Some(file) = &self.file else {
            return Ok(BTreeMap::new());
        };
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(e) => {
                return Err(Error::Io(format!(
                    "cannot read the access keys {}: {e}",
                    file.display()
                )))
            }
        };
        let mut keys = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let key: AccessKey = serde_json::from_str(line).map_err(|e| {
                Error::Io(format!(
                    "the access keys {} are damaged at line {}: {e}",
                    file.display(),
                    number + 1
                ))
            })?;
            keys.insert(key.id.clone(), key);
        }
        Ok(keys)
    }

    fn store(&self, keys: &BTreeMap<String, AccessKey>) -> Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut text = String::new();
        for key in keys.values() {
            let line = serde_json::to_string(key)
                .map_err(|e| Error::Io(format!("cannot encode an access key: {e}")))?;
            text.push_str(&line);
            text.push('\n');
        }
        let temporary = file.with_extension("tmp");
        let fail = |e: std::io::Error| {
            Error::Io(format!(
                "cannot write the access keys {}: {e}",
                file.display()
            ))
        };
        let _ = std::fs::remove_file(&temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut out = options.open(&temporary).map_err(fail)?;
        use std::io::Write;
        out.write_all(text.as_bytes()).map_err(fail)?;
        out.sync_all().map_err(fail)?;
        drop(out);
        std::fs::rename(&temporary, file).map_err(fail)?;
        Ok(())
    }

    /// A new key for `principal`, stored before it is returned.
    pub fn create(&self, principal: &str, now: i64) -> Result<AccessKey> {
        self.with(|keys| {
            let key = AccessKey {
                id: format!("LTAI{}", random_text(20)?),
                secret: random_text(30)?,
                principal: principal.to_string(),
                created: now,
            };
            let mut next = keys.clone();
            next.insert(key.id.clone(), key.clone());
            self.store(&next)?;
            *keys = next;
            Ok(key)
        })
    }

    /// Removes key `id`; `false` when there is none.
    pub fn remove(&self, id: &str) -> Result<bool> {
        self.with(|keys| {
            if !keys.contains_key(id) {
                return Ok(false);
            }
            let mut next = keys.clone();
            next.remove(id);
            self.store(&next)?;
            *keys = next;
            Ok(true)
        })
    }

    /// Key `id`, secret included: for the signature check only.
    pub fn lookup(&self, id: &str) -> Result<Option<AccessKey>> {
        self.with(|keys| Ok(keys.get(id).cloned()))
    }

    /// Every key (of `principal`, when given), ordered by id.
    pub fn list(&self, principal: Option<&str>) -> Result<Vec<AccessKey>> {
        self.with(|keys| {
            Ok(keys
                .values()
                .filter(|k| principal.is_none_or(|p| k.principal == p))
                .cloned()
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_survive_a_reopen_in_a_file_only_the_owner_reads() {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().to_str().unwrap();
        let keys = AccessKeys::for_location(location);
        let a = keys.create("ALIYUN$owner", 10).unwrap();
        let b = keys.create("RAM$owner:alice", 11).unwrap();
        assert!(a.id.starts_with("LTAI") && a.id.len() == 24 && a.secret.len() == 30);
        assert_ne!(a.secret, b.secret);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = AccessKeys::for_location(location);
        assert_eq!(again.lookup(&a.id).unwrap(), Some(a.clone()));
        assert_eq!(
            again.list(Some("RAM$owner:alice")).unwrap(),
            vec![b.clone()]
        );
        assert!(again.remove(&a.id).unwrap());
        assert!(!again.remove(&a.id).unwrap());
        assert_eq!(
            AccessKeys::for_location(location).lookup(&a.id).unwrap(),
            None
        );
    }

    #[test]
    fn a_damaged_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "{not json\n").unwrap();
        let keys = AccessKeys::for_location(dir.path().to_str().unwrap());
        let err = keys.lookup("x").unwrap_err().to_string();
        assert!(err.contains("are damaged at line 1"), "{err}");
    }
}
