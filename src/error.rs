//! The crate's one error type. Every variant's `Display` is the user-facing text that follows
//! `FAILED: ` on stderr (the contract's convention), so callers never re-word an error.
//!
//! A statement such as `add user ALIYUN$bob;` run twice fails in the executor with
//! [`Error::Invalid`] carrying the §11.4 text; a `grant` the authorizer refuses is an
//! [`Error::Denied`] carrying the `Authorization Failed [4019], ...` sentence; a typo fails in the
//! parser with [`Error::Syntax`], which names `<file>:<line>:<col>`.
//!
//! Besides its text, every error says what it is, so that a client need not read the sentence:
//! its [`ErrorKind`] (syntax, semantic, authorization, storage, io, usage), the error [`Code`] the
//! text opens with when it has one (`ODPS-0420095`, `ODPS-0130013`, ...) and, for a refusal, the
//! `Authorization Failed [nnnn]` sub-code or the IP whitelist ([`DenyCode`]). These are set where
//! the error is made — the constructors of `exec::messages` and `authz::texts`, and the
//! authorizer's response — and the text is built from the same [`Code`], so the fields and the
//! sentence cannot disagree; nothing ever parses a message to recover them. `--format json`
//! reports them beside the text, and a server can map them onto its error codes and HTTP
//! statuses.
//!
//! Messages echo names as the user wrote them, and a backticked name can hold any character: an
//! escape sequence (`\x1b]0;...\x07`) would drive the terminal the error is printed on, a
//! newline would forge a second `FAILED:` line. So every variant's `Display` goes through
//! [`Escaped`], which shows each control character as `char::escape_debug` does (`\u{1b}`,
//! `\n`), the same form the parser uses for the token a syntax error names. The stored strings
//! stay as they are; only their display is escaped, in this one place.

use serde::Serialize;
use std::fmt::{self, Write};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where in which input a syntax error sits. `file` is the script path, or `<cmdline>` for `-e`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// Why a request was refused: the `Authorization Failed [nnnn]` sub-code, or the whitelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DenyCode {
    #[serde(rename = "whitelist")]
    Whitelist,
    #[serde(rename = "4002")]
    NotMember,
    #[serde(rename = "4011")]
    PolicyDeny,
    #[serde(rename = "4019")]
    NoPrivilege,
    #[serde(rename = "4021")]
    Protected,
    #[serde(rename = "4031")]
    Label,
    #[serde(rename = "4093")]
    ProjectStatus,
}

impl DenyCode {
    pub fn number(self) -> &'static str {
        match self {
            DenyCode::Whitelist => "whitelist",
            DenyCode::NotMember => "4002",
            DenyCode::PolicyDeny => "4011",
            DenyCode::NoPrivilege => "4019",
            DenyCode::Protected => "4021",
            DenyCode::Label => "4031",
            DenyCode::ProjectStatus => "4093",
        }
    }
}

/// The broad class of an error, what a client dispatches on (and a server maps onto a status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The parser refused the text.
    Syntax,
    /// Well-formed, but it cannot run against this catalog: an object missing or already there,
    /// a bad value, a policy document that does not check.
    Semantic,
    /// The caller may not: the authorizer's refusals, management standing, a project's gates.
    Authorization,
    /// The catalog could not be read or written, or another process holds it.
    Storage,
    /// A file named by a statement, or the output, could not be used.
    Io,
    /// The client was used the wrong way: a shell-only command in a script, no current project,
    /// `help` on a word no statement starts with.
    Usage,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::Semantic => "semantic",
            ErrorKind::Authorization => "authorization",
            ErrorKind::Storage => "storage",
            ErrorKind::Io => "io",
            ErrorKind::Usage => "usage",
        }
    }
}

/// The error code a message opens with: MaxCompute's `ODPS-<7 digits>` codes (reference §11.1,
/// `ODPS-<code>:<General description> - <context>`), or the Tunnel error code of a refused
/// download. It serialises as the code itself (`"ODPS-0420095"`, `"NoPermission"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Code {
    /// SQL compiler/authorization: the authorizer's refusals of SQL jobs.
    #[serde(rename = "ODPS-0130013")]
    AuthorizationException,
    /// API/worker level: project access, management statements, the §11.4 texts.
    #[serde(rename = "ODPS-0420095")]
    AccessDenied,
    /// The META module's authorization exception (§11.1).
    #[serde(rename = "ODPS-0110011")]
    MetaAuthorizationException,
    #[serde(rename = "ODPS-0420111")]
    ProjectNotFound,
    #[serde(rename = "ODPS-0130131")]
    TableNotFound,
    #[serde(rename = "ODPS-0130071")]
    SemanticAnalysisException,
    /// `install package` of a package the provider has not allowed (§7.2).
    #[serde(rename = "ODPS-0110061")]
    DdlTaskFailed,
    /// The Tunnel's refusal of a download (`ErrorCode=NoPermission, ErrorMessage=...`).
    #[serde(rename = "NoPermission")]
    NoPermission,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::AuthorizationException => "ODPS-0130013",
            Code::AccessDenied => "ODPS-0420095",
            Code::MetaAuthorizationException => "ODPS-0110011",
            Code::ProjectNotFound => "ODPS-0420111",
            Code::TableNotFound => "ODPS-0130131",
            Code::SemanticAnalysisException => "ODPS-0130071",
            Code::DdlTaskFailed => "ODPS-0110061",
            Code::NoPermission => "NoPermission",
        }
    }

    /// How a message of this code opens, spelled as the service's captured messages spell it
    /// (with or without a space after the colon).
    pub fn prefix(self) -> &'static str {
        match self {
            Code::AuthorizationException => "ODPS-0130013:Authorization exception - ",
            Code::AccessDenied => "ODPS-0420095: Access Denied - ",
            Code::MetaAuthorizationException => "ODPS-0110011:Authorization exception - ",
            Code::ProjectNotFound => "ODPS-0420111: Project not found - ",
            Code::TableNotFound => "ODPS-0130131:Table not found - ",
            Code::SemanticAnalysisException => "ODPS-0130071:Semantic analysis exception - ",
            Code::DdlTaskFailed => "ODPS-0110061: Failed to run ddltask - ",
            Code::NoPermission => "ErrorCode=NoPermission, ErrorMessage=",
        }
    }

    /// The whole message: the prefix, then `detail`.
    pub fn message(self, detail: impl fmt::Display) -> String {
        format!("{}{detail}", self.prefix())
    }

    /// A failure of this code whose message is the prefix, then `detail`.
    pub fn failure(self, detail: impl fmt::Display) -> Failure {
        Failure {
            code: Some(self),
            auth_code: None,
            message: self.message(detail),
            subject: None,
            reason: None,
        }
    }
}

/// Why a semantic failure happened, where a client must tell the cases apart without reading
/// the sentence: a server answers a missing object with 404 `NoSuchObject` and an existing one
/// with 409 `ObjectAlreadyExists`. Never shown in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The statement names an object (project, user, role, package, table, ...) that is not there.
    Missing,
    /// The statement would create an object that is already there.
    Exists,
}

/// A statement that was refused or could not run: the sentence after `FAILED: ` and the codes
/// it carries. When `code` is set, `message` opens with its [`Code::prefix`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: Option<Code>,
    /// The `Authorization Failed [nnnn]` sub-code of a refusal, or the IP whitelist.
    pub auth_code: Option<DenyCode>,
    pub message: String,
    /// Whether a semantic failure is about a missing or an existing object.
    pub reason: Option<Reason>,
    /// The name the failure is about (`orderz` of `Object 'table prj.orderz' does not exist.`),
    /// when it is about one: a runner points at it and suggests the nearest real name.
    pub subject: Option<Box<Subject>>,
}

/// A name a statement used that turned out not to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: SubjectKind,
    /// As the failure names it (`orderz`, `RAM$owner:alicee`).
    pub name: String,
    /// The project it was looked up in, for the kinds that live in one.
    pub project: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    Project,
    Table,
    /// A user or a role of a project.
    Principal,
    Role,
    Package,
}

impl Failure {
    /// A failure whose text has no error code (an odpscmd client message, a policy check).
    pub fn plain(message: impl Into<String>) -> Self {
        Failure {
            code: None,
            auth_code: None,
            message: message.into(),
            subject: None,
            reason: None,
        }
    }

    /// The same failure, about `subject`.
    pub fn about(self, kind: SubjectKind, name: &str, project: Option<&str>) -> Self {
        Failure {
            subject: Some(Box::new(Subject {
                kind,
                name: name.to_string(),
                project: project.map(str::to_string),
            })),
            ..self
        }
    }

    /// The same failure, saying it is about a missing or an existing object.
    pub fn with_reason(self, reason: Reason) -> Self {
        Failure {
            reason: Some(reason),
            ..self
        }
    }

    /// The same failure, naming the authorization sub-code its text gives.
    pub fn with_auth_code(self, auth_code: DenyCode) -> Self {
        Failure {
            auth_code: Some(auth_code),
            ..self
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Escaped(&self.message))
    }
}

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// `<file>:<line>:<col>: expected one of ..., found ...`
    #[error("{}: {}", Escaped(position), Escaped(message))]
    Syntax { position: Position, message: String },

    /// The caller may not do this: an authorization refusal (the authorizer's, a management
    /// statement's standing, a project's whitelist or membership), in MaxCompute's words.
    #[error("{0}")]
    Denied(Failure),

    /// A statement that is well-formed but cannot run: unknown or existing object, bad value,
    /// bad policy. The §11.4 texts carry `ODPS-0420095` as the service's do.
    #[error("{0}")]
    Invalid(Failure),

    /// The client was used the wrong way (a shell-only command in a script, no current project).
    #[error("{}", Escaped(.0))]
    Usage(String),

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
    /// A semantic failure whose text has no error code.
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(Failure::plain(msg))
    }

    /// A refusal whose text has no error code.
    pub fn denied(msg: impl Into<String>) -> Self {
        Error::Denied(Failure::plain(msg))
    }

    /// A semantic failure of `code`: its prefix, then `detail`.
    pub fn semantic(code: Code, detail: impl fmt::Display) -> Self {
        Error::Invalid(code.failure(detail))
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Syntax { .. } => ErrorKind::Syntax,
            Error::Denied(_) => ErrorKind::Authorization,
            Error::Invalid(_) => ErrorKind::Semantic,
            Error::Usage(_) => ErrorKind::Usage,
            Error::Storage(_) | Error::Conflict | Error::Sled { .. } | Error::Locked(_) => {
                ErrorKind::Storage
            }
            Error::Io(_) => ErrorKind::Io,
        }
    }

    /// The error code the message opens with, if it has one.
    pub fn code(&self) -> Option<Code> {
        match self {
            Error::Denied(f) | Error::Invalid(f) => f.code,
            _ => None,
        }
    }

    /// The authorization sub-code (`4019`, ..., `whitelist`) of a refusal that names one.
    pub fn auth_code(&self) -> Option<DenyCode> {
        match self {
            Error::Denied(f) | Error::Invalid(f) => f.auth_code,
            _ => None,
        }
    }

    /// Whether a semantic failure is about a missing or an existing object.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Error::Denied(f) | Error::Invalid(f) => f.reason,
            _ => None,
        }
    }

    /// The same error, saying it is about a missing (or existing) object; errors that carry no
    /// [`Failure`] are returned as they are.
    pub fn with_reason(self, reason: Reason) -> Self {
        match self {
            Error::Invalid(f) => Error::Invalid(f.with_reason(reason)),
            Error::Denied(f) => Error::Denied(f.with_reason(reason)),
            other => other,
        }
    }

    /// Where a syntax error sits.
    pub fn position(&self) -> Option<&Position> {
        match self {
            Error::Syntax { position, .. } => Some(position),
            _ => None,
        }
    }

    /// The text without the position: what a syntax error expected, otherwise the whole
    /// `Display` (control characters escaped, as there).
    /// The name the failure is about, if any.
    pub fn subject(&self) -> Option<&Subject> {
        match self {
            Error::Denied(f) | Error::Invalid(f) => f.subject.as_deref(),
            _ => None,
        }
    }

    /// The same error, its message completed by `text` (a suggestion).
    pub fn with_suggestion(self, text: &str) -> Self {
        let complete = |f: Failure| {
            let joiner = if f.message.ends_with('.') { " Did" } else { "; did" };
            Failure {
                message: format!("{}{joiner} you mean '{text}'?", f.message),
                ..f
            }
        };
        match self {
            Error::Denied(f) => Error::Denied(complete(f)),
            Error::Invalid(f) => Error::Invalid(complete(f)),
            other => other,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Error::Syntax { message, .. } => Escaped(message).to_string(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_kind_and_codes_set_where_it_is_made() {
        let syntax = Error::Syntax {
            position: Position {
                file: "a.sql".into(),
                line: 2,
                col: 7,
            },
            message: "expected TO, found 'x'".into(),
        };
        assert_eq!(syntax.kind(), ErrorKind::Syntax);
        assert_eq!(syntax.to_string(), "a.sql:2:7: expected TO, found 'x'");
        assert_eq!(syntax.message(), "expected TO, found 'x'");
        assert_eq!(syntax.position().map(|p| p.col), Some(7));

        let missing = Error::semantic(Code::ProjectNotFound, "'p'.");
        assert_eq!(
            missing.to_string(),
            "ODPS-0420111: Project not found - 'p'."
        );
        assert_eq!(
            (missing.kind(), missing.code(), missing.auth_code()),
            (ErrorKind::Semantic, Some(Code::ProjectNotFound), None)
        );
        assert_eq!(missing.message(), missing.to_string());
        assert_eq!(missing.position(), None);

        let refused = Error::Denied(
            Code::AccessDenied
                .failure("Authorization Failed [4019], You have NO privilege.")
                .with_auth_code(DenyCode::NoPrivilege),
        );
        assert_eq!(refused.kind(), ErrorKind::Authorization);
        assert_eq!(refused.code().map(Code::as_str), Some("ODPS-0420095"));
        assert_eq!(refused.auth_code().map(DenyCode::number), Some("4019"));

        assert_eq!(Error::usage("no project").kind(), ErrorKind::Usage);
        assert_eq!(Error::Io("cannot read f".into()).kind(), ErrorKind::Io);
        for storage in [
            Error::Storage("x".into()),
            Error::Conflict,
            Error::Locked("d".into()),
            Error::Sled {
                location: "d".into(),
                problem: "is corrupt".into(),
            },
        ] {
            assert_eq!(storage.kind(), ErrorKind::Storage);
            assert_eq!((storage.code(), storage.auth_code()), (None, None));
        }
    }

    #[test]
    fn reasons_say_missing_or_existing_without_changing_the_text() {
        let e = Error::invalid("Role r1 already exists.").with_reason(Reason::Exists);
        assert_eq!(e.to_string(), "Role r1 already exists.");
        assert_eq!(e.reason(), Some(Reason::Exists));
        assert_eq!(Error::usage("x").with_reason(Reason::Missing).reason(), None);
        assert_eq!(
            crate::exec::messages::role_exists("r", "p").reason(),
            Some(Reason::Exists)
        );
        assert_eq!(
            crate::exec::messages::object_missing("table", "p", "t").reason(),
            Some(Reason::Missing)
        );
        assert_eq!(
            crate::authz::project_not_found("p").reason(),
            Some(Reason::Missing)
        );
        assert_eq!(crate::exec::messages::invalid_role_name("r").reason(), None);
    }

    #[test]
    fn codes_serialise_as_the_codes_themselves() {
        for code in [
            Code::AuthorizationException,
            Code::AccessDenied,
            Code::MetaAuthorizationException,
            Code::ProjectNotFound,
            Code::TableNotFound,
            Code::SemanticAnalysisException,
            Code::DdlTaskFailed,
            Code::NoPermission,
        ] {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::String(code.as_str().into()))
            );
            assert!(code.prefix().contains(code.as_str()));
        }
        assert_eq!(
            serde_json::to_value(ErrorKind::Authorization).ok(),
            Some(serde_json::json!("authorization"))
        );
    }

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
