//! The engine: one catalog shared by many sessions, and the files statements name.
//!
//! A shell, a batch run or a server opens one [`Engine`] over a catalog and makes a
//! [`Session`](super::Session) per client with [`Engine::session`]. Sessions run on their own
//! threads; what they share is the catalog, whose commits are serialized and validated
//! ([`crate::catalog::Catalog::commit`]). Two sessions running `create role r1;` at once both
//! read "no role r1"; the first to commit wins, the second's commit finds that a commit since
//! it began wrote the key it read, and the session runs the statement again — now it sees the
//! role and fails with the same `Role already exists` a second, serial run would give. After a
//! few lost races a statement runs holding the commit lock from start to end, so it always
//! finishes.
//!
//! Statements that name files (`put policy <file>`, `set ProjectProtection=true with exception
//! <file>`, `tunnel download t <file>`) read and write them through the session's [`Files`],
//! which the front end provides: the shell and the batch runner use [`LocalFiles`] (paths
//! relative to the working directory); a server decides what a path means for its clients.

use super::{Session, SessionOptions};
use crate::catalog::secrets::AccessKeys;
use crate::catalog::Catalog;
use crate::error::{Error, Result};
use std::sync::Arc;

/// A catalog shared by sessions.
pub struct Engine {
    catalog: Catalog,
    /// The access keys signed requests are checked against, beside the catalog's files.
    access_keys: AccessKeys,
}

impl Engine {
    pub fn new(catalog: Catalog) -> Arc<Engine> {
        let access_keys = AccessKeys::for_location(catalog.location());
        Arc::new(Engine {
            catalog,
            access_keys,
        })
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn access_keys(&self) -> &AccessKeys {
        &self.access_keys
    }

    /// A new session on this engine, reading and writing files with [`LocalFiles`].
    pub fn session(self: &Arc<Self>, options: SessionOptions) -> Session {
        Session::on(self.clone(), options, Arc::new(LocalFiles))
    }

    /// A new session whose statements reach files through `files`.
    pub fn session_with_files(
        self: &Arc<Self>,
        options: SessionOptions,
        files: Arc<dyn Files>,
    ) -> Session {
        Session::on(self.clone(), options, files)
    }

    /// Makes every committed statement durable.
    pub fn flush(&self) -> Result<()> {
        self.catalog.flush()
    }

    /// [`Engine::flush`] at the end of a run, which may also tidy the store for the next open.
    pub fn settle(&self) -> Result<()> {
        self.catalog.settle()
    }
}

/// The files statements read and write, as the front end means their paths.
pub trait Files: Send + Sync {
    /// The whole text of `path` (`put policy`, an exception policy).
    fn read(&self, path: &str) -> Result<String>;
    /// Replaces `path` with `contents` (`tunnel download`).
    fn write(&self, path: &str, contents: &[u8]) -> Result<()>;
}

/// Paths relative to the working directory of the process.
pub struct LocalFiles;

impl Files for LocalFiles {
    fn read(&self, path: &str) -> Result<String> {
        let bytes = std::fs::read(path).map_err(|e| super::messages::read_file(path, e))?;
        crate::input::decode(bytes).map_err(|e| Error::invalid(format!("{path}:{e}")))
    }

    fn write(&self, path: &str, contents: &[u8]) -> Result<()> {
        std::fs::write(path, contents).map_err(|e| Error::Io(format!("cannot write {path}: {e}")))
    }
}
