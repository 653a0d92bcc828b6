//! The executor: runs one `ast::Statement` for the acting principal against the catalog.
//! Owned by issue 4 (management statements) and issue 5 (data statements, `explain`).
//!
//! INTERFACE (stable, used by the shell and batch runner — keep these signatures):
//! `Session::new`, `Session::use_project`, `Session::execute`, `Session::flush`,
//! `Session::user`, `Session::project`, `Session::names`, `Output`.

pub mod data;
pub mod explain;

use crate::ast::Statement;
use crate::catalog::{Catalog, Txn};
use crate::error::{Error, Result};

/// What a statement runs as, handed to every statement handler (management ones in this module
/// tree, data ones in `data`, `explain`). `user` is already resolved to its canonical form
/// (`RAM$alice` → `RAM$owner:alice` for the tenant `ALIYUN$owner`).
#[derive(Debug, Clone)]
pub struct ExecContext<'a> {
    pub user: &'a str,
    pub project: Option<&'a str>,
    pub source_ip: &'a str,
    /// Unix seconds (UTC): `MCSEC_NOW` or the clock.
    pub now: i64,
}

/// What a statement printed: the odpscmd-style text (`OK` when there is nothing to show) and
/// the same result as JSON (the `result` field of `--format json`).
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub text: String,
    pub json: serde_json::Value,
}

impl Output {
    pub fn ok() -> Self {
        Output { text: "OK".into(), json: serde_json::Value::Null }
    }
}

/// Kinds of catalog names the shell completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    Project,
    User,
    Role,
    Table,
    Package,
}

/// Per-process settings of a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// The acting principal as given (`--user`, `$MCSEC_USER`); default `ALIYUN$owner`.
    pub user: String,
    /// `--source-ip`, default `127.0.0.1`.
    pub source_ip: String,
    /// Unix seconds from `MCSEC_NOW`; `None` = the real clock.
    pub now: Option<i64>,
}

pub struct Session {
    catalog: Catalog,
    options: SessionOptions,
    project: Option<String>,
}

impl Session {
    pub fn new(catalog: Catalog, options: SessionOptions) -> Self {
        Session { catalog, options, project: None }
    }

    pub fn user(&self) -> &str {
        &self.options.user
    }

    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Makes `project` current, as `use <p>;` and `--project` do: fails with the access error
    /// (4002 not a member, IP whitelist) when the acting user may not enter it.
    pub fn use_project(&mut self, project: &str) -> Result<()> {
        self.project = Some(project.to_string());
        Ok(())
    }

    /// Runs one statement. Its writes are applied atomically when it succeeds (and not at all
    /// when it fails) but are durable only after [`Session::flush`].
    pub fn execute(&mut self, _stmt: &Statement) -> Result<Output> {
        Err(Error::invalid("executor not built yet"))
    }

    pub fn flush(&self) -> Result<()> {
        self.catalog.flush()
    }

    /// Names for completion in the current project (projects: all).
    pub fn names(&self, _kind: NameKind) -> Vec<String> {
        Vec::new()
    }
}
