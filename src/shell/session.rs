//! What the shell needs of the session it drives, beyond running statements: the banner's
//! principal and location, the prompt's project, `--project` at start, and names to complete.
//! A local [`Session`] has them all at hand; a [`RemoteSession`] (`mcsec --server`) asks the
//! server — its principal with `whoami` when it connects, names with the list statements when
//! Tab is pressed — so the one shell drives either.

use crate::console::Executor;
use crate::error::Error;
use crate::exec::{NameKind, Session};
use crate::remote::RemoteSession;

pub trait ShellSession: Executor {
    fn user(&self) -> &str;
    fn project(&self) -> Option<&str>;
    /// Where statements go: the catalog directory, or the server's URL.
    fn location(&self) -> String;
    fn use_project(&mut self, project: &str) -> Result<(), Error>;
    /// Names of `kind` for completion; empty when they cannot be had.
    fn names(&mut self, kind: NameKind) -> Vec<String>;
    /// Whether `stmt` would succeed now, changing nothing: the confirmation question is asked
    /// only of a statement that would run. A session that cannot tell says it would.
    fn rehearse(&mut self, stmt: &crate::ast::Statement) -> Result<(), Error> {
        let _ = stmt;
        Ok(())
    }
}

impl ShellSession for Session {
    fn user(&self) -> &str {
        Session::user(self)
    }

    fn project(&self) -> Option<&str> {
        Session::project(self)
    }

    fn location(&self) -> String {
        self.catalog().location().to_string()
    }

    fn use_project(&mut self, project: &str) -> Result<(), Error> {
        Session::use_project(self, project)
    }

    fn names(&mut self, kind: NameKind) -> Vec<String> {
        Session::names(self, kind)
    }

    fn rehearse(&mut self, stmt: &crate::ast::Statement) -> Result<(), Error> {
        Session::rehearse(self, stmt)
    }
}

impl ShellSession for RemoteSession {
    fn user(&self) -> &str {
        self.principal()
    }

    fn project(&self) -> Option<&str> {
        RemoteSession::project(self)
    }

    fn location(&self) -> String {
        self.url()
    }

    fn use_project(&mut self, project: &str) -> Result<(), Error> {
        RemoteSession::use_project(self, project)
    }

    fn names(&mut self, kind: NameKind) -> Vec<String> {
        self.list_names(kind)
    }
}
