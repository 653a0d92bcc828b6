//! mcsec — a MaxCompute project-security sandbox.
//!
//! One statement's journey: the shell or batch runner (`shell`, `batch`) reads text; the lexer
//! (`lexer`) cuts it into statements on `;` outside quotes and comments, keeping each one's line
//! and column; the parser (`parser`) turns each into an `ast::Statement`; the executor
//! (`exec::Session`) runs it against the catalog (`catalog`), asking the authorizer (`authz`) —
//! a pure function of (request, catalog) — whether the acting principal may; the result is
//! rendered as odpscmd-style text or JSON (`exec::Output`) and printed by the front end.

pub mod ast;
pub mod authz;
pub mod batch;
pub mod catalog;
pub mod cli;
pub mod display;
pub mod error;
pub mod exec;
pub mod fmt;
pub mod grammar;
pub mod lexer;
pub mod parser;
pub mod policy;
pub mod shell;

pub use error::{Error, Result};
