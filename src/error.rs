//! The crate's one error type. Every variant's `Display` is the user-facing text that follows
//! `FAILED: ` on stderr (the contract's convention), so callers never re-word an error.
//!
//! A statement such as `add user ALIYUN$bob;` run twice fails in the executor with
//! [`Error::Denied`] carrying the §11.4 text; a `grant` the authorizer refuses carries the
//! `Authorization Failed [4019], ...` sentence; a typo fails in the parser with [`Error::Syntax`],
//! which names `<file>:<line>:<col>`.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in which input a syntax error sits. `file` is the script path, or `<cmdline>` for `-e`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// `<file>:<line>:<col>: expected one of ..., found ...`
    #[error("{position}: {message}")]
    Syntax { position: Position, message: String },

    /// An authorization refusal or a semantic failure whose text is MaxCompute's (or the §11.4
    /// simulator choice). The string is printed as is.
    #[error("{0}")]
    Denied(String),

    /// A statement that is well-formed but cannot run: unknown object, bad value, bad file.
    #[error("{0}")]
    Invalid(String),

    /// The catalog could not be read or written.
    #[error("catalog error: {0}")]
    Storage(String),

    /// A commit since the statement began wrote what it read. The session runs the statement
    /// again, so a user never sees this.
    #[error("the catalog changed while the statement ran")]
    Conflict,

    /// Another process holds the catalog.
    #[error("catalog {0} is in use by another mcsec process")]
    Locked(String),

    /// A file named by a statement (`put policy`, `tunnel download`, `-f`) could not be used.
    #[error("{0}")]
    Io(String),
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn denied(msg: impl Into<String>) -> Self {
        Error::Denied(msg.into())
    }
}
