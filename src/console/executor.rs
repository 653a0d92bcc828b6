//! What the console runs statements on: a local [`Session`], or anything else that answers a
//! statement with a result and can make results durable — `mcsec --server` runs the same
//! console over a remote session of `mcsec serve`.
//!
//! `list users;` in a batch run: the console parses it, asks the front end for its executor and
//! calls [`Executor::execute`]. A local session runs it on the catalog and returns the typed
//! result ([`Executed::Local`]); a remote one sends it to the endpoint and gets back the text
//! and JSON the server's own session rendered ([`Executed::Rendered`]). Either way the console
//! prints [`Executed::text`], or the JSON record around [`Executed`]'s serde form, so the output
//! is byte for byte the same. Then [`Executor::flush`] before anything is printed: the local
//! session flushes its catalog; a remote one has nothing left to do, since the server answers
//! only once a change is durable.

use crate::ast::Statement;
use crate::error::Error;
use crate::exec::{Session, StatementResult};
use serde::{Serialize, Serializer};

/// The outcome of a statement, as the console prints it.
#[derive(Debug, Clone, PartialEq)]
pub enum Executed {
    /// A typed result, rendered here.
    Local(StatementResult),
    /// A result rendered elsewhere by the same renderers: its odpscmd text and its JSON value.
    Rendered {
        text: String,
        result: serde_json::Value,
    },
}

impl Executed {
    /// The odpscmd text, without a final newline.
    pub fn text(&self) -> String {
        match self {
            Executed::Local(result) => result.text(),
            Executed::Rendered { text, .. } => text.clone(),
        }
    }
}

impl Serialize for Executed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Executed::Local(result) => result.serialize(serializer),
            Executed::Rendered { result, .. } => result.serialize(serializer),
        }
    }
}

/// Runs statements for the console.
pub trait Executor {
    fn execute(&mut self, stmt: &Statement) -> Result<Executed, Error>;
    /// [`Executor::execute`] for a caller that already holds the statement's canonical text
    /// (`stmt.to_string()`), which a local session's audit record keeps.
    fn execute_labelled(&mut self, stmt: &Statement, canonical: &str) -> Result<Executed, Error> {
        let _ = canonical;
        self.execute(stmt)
    }
    /// Makes every statement executed so far durable.
    fn flush(&self) -> Result<(), Error>;
    /// Leaves the current project: a script that goes on after a failed `use` must not run in
    /// the project entered before it.
    fn leave_project(&mut self);
}

impl Executor for Session {
    fn execute(&mut self, stmt: &Statement) -> Result<Executed, Error> {
        Session::execute(self, stmt).map(Executed::Local)
    }

    fn execute_labelled(&mut self, stmt: &Statement, canonical: &str) -> Result<Executed, Error> {
        Session::execute_labelled(self, stmt, canonical).map(Executed::Local)
    }

    fn flush(&self) -> Result<(), Error> {
        Session::flush(self)
    }

    fn leave_project(&mut self) {
        Session::leave_project(self)
    }
}
