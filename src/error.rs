//! The crate's one error type. Every variant's `Display` is the user-facing text that follows
//! `FAILED: ` on stderr (the contract's convention), so callers never re-word an error.
//!
//! A statement such as `add user ALIYUN$bob;` run twice fails in the executor with
//! [`Error::Denied`] carrying the §11.4 text; a `grant` the authorizer refuses carries the
//! `Authorization Failed [4019], ...` sentence; a typo fails in the parser with [`Error::Syntax`],
//! which names `<file>:<line>:<col>`.
//!
//! Messages echo names as the user wrote them, and a backticked name can hold any character: an
//! escape sequence (`\x1b]0;...\x07`) would drive the terminal the error is printed on, a
//! newline would forge a second `FAILED:` line. So every variant's `Display` goes through
//! [`Escaped`], which shows each control character as `char::escape_debug` does (`\u{1b}`,
//! `\n`), the same form the parser uses for the token a syntax error names. The stored strings
//! stay as they are; only their display is escaped, in this one place.

use std::fmt::{self, Write};

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
    #[error("{}: {}", Escaped(position), Escaped(message))]
    Syntax { position: Position, message: String },

    /// An authorization refusal or a semantic failure whose text is MaxCompute's (or the §11.4
    /// simulator choice). The string is printed as is (control characters escaped).
    #[error("{}", Escaped(.0))]
    Denied(String),

    /// A statement that is well-formed but cannot run: unknown object, bad value, bad file.
    #[error("{}", Escaped(.0))]
    Invalid(String),

    /// The catalog could not be read or written.
    #[error("catalog error: {}", Escaped(.0))]
    Storage(String),

    /// A commit since the statement began wrote what it read. The session runs the statement
    /// again, so a user never sees this.
    #[error("the catalog changed while the statement ran")]
    Conflict,

    /// sled failed under the catalog at `location`: `problem` completes the sentence (`is
    /// corrupt: ...`, `cannot be read or written: ...`). The store leaves `location` empty and
    /// the catalog that owns it names its directory.
    #[error("catalog error: catalog {} {}", Escaped(location), Escaped(problem))]
    Sled { location: String, problem: String },

    /// Another process holds the catalog.
    #[error("catalog {} is in use by another mcsec process", Escaped(.0))]
    Locked(String),

    /// A file named by a statement (`put policy`, `tunnel download`, `-f`) could not be used.
    #[error("{}", Escaped(.0))]
    Io(String),
}

/// Displays its value with every control character written as `char::escape_debug` writes it
/// (`\u{1b}`, `\n`, `\t`); everything else, quotes and backslashes included, unchanged.
pub struct Escaped<'a, T: fmt::Display + ?Sized>(pub &'a T);

impl<T: fmt::Display + ?Sized> fmt::Display for Escaped<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct ControlsEscaped<'a, 'b>(&'a mut fmt::Formatter<'b>);
        impl Write for ControlsEscaped<'_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let mut rest = s;
                while let Some(at) = rest.find(char::is_control) {
                    self.0.write_str(&rest[..at])?;
                    let c = rest[at..].chars().next().unwrap_or_default();
                    for e in c.escape_debug() {
                        self.0.write_char(e)?;
                    }
                    rest = &rest[at + c.len_utf8()..];
                }
                self.0.write_str(rest)
            }
        }
        write!(ControlsEscaped(f), "{}", self.0)
    }
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn denied(msg: impl Into<String>) -> Self {
        Error::Denied(msg.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_messages_are_escaped_and_the_rest_kept() {
        let e = Error::invalid("table prj.\x1b]0;x\x07\x1b[31mred\u{9b}\nFAILED: 'q' \\ é");
        assert_eq!(
            e.to_string(),
            "table prj.\\u{1b}]0;x\\u{7}\\u{1b}[31mred\\u{9b}\\nFAILED: 'q' \\ é"
        );
        assert_eq!(
            Error::Locked("/tmp/a\tb".into()).to_string(),
            "catalog /tmp/a\\tb is in use by another mcsec process"
        );
    }
}
