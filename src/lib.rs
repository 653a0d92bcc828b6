//! mcsec — a MaxCompute project-security sandbox.
//!
//! One statement's journey: a front end (`shell`, `batch`, chosen by `cli`) reads text and hands
//! it to the console (`console`), the one runner they share; the lexer (`lexer`) cuts it into
//! statements on `;` outside quotes and comments, keeping each one's line and column; the parser
//! (`parser`) turns each into an `ast::Statement`; the executor (`exec::Session`) runs it against
//! the catalog (`catalog`), asking the authorizer (`authz`) — a pure function of (request,
//! catalog) — whether the acting principal may; the result (`exec::Output`) is rendered by the
//! console as odpscmd-style text or JSON and printed once the statement is durable.

pub mod ast;
pub mod authz;
pub mod batch;
pub mod catalog;
pub mod cli;
pub mod console;
pub mod display;
pub mod error;
pub mod exec;
pub mod fmt;
pub mod grammar;
pub mod input;
pub mod lexer;
pub mod parser;
pub mod policy;
pub mod remote;
pub mod scripted;
pub mod server;
pub mod shell;
pub mod slt;
pub mod suggest;
pub mod tools;
pub mod wire;

pub use error::{Error, Result};
