//! The batch runner: `-e "<stmts>"`, `-f <file>` and a script piped on stdin, run statement by
//! statement as odpscmd runs them.
//!
//! Walk `mcsec -f setup.sql -k 2` through it: the lexer's splitter cuts the script at each `;`
//! outside quotes and comments, numbering statements from 1 and counting empty ones as odpscmd
//! does; statement 1 is skipped without being parsed. Statement 2 is parsed (a syntax error names
//! `setup.sql:<line>:<col>`), recognised as a client command (`help`, `quit`) or executed by the
//! [`Session`]. Its `OK` or result is not printed yet: results are queued and printed only after
//! [`Session::flush`] has made the statements durable (group commit — one flush per
//! [`GROUP_COMMIT_STATEMENTS`] statements, at a failure and at the end), so no `OK` is ever seen
//! for a statement a crash could lose. The first failure flushes what ran before it, prints the
//! queued results, then `FAILED: <message>` and a second line naming the statement's number and
//! position, and stops: exit 1. `--format json` prints one object per statement instead of the
//! text, failures included; a successful statement's object carries, besides its `result` (the
//! session's typed `StatementResult`, serialised), the exact `text` the text mode would have
//! printed (the same value rendered as odpscmd text).
//!
//! With `--keep-going` ([`BatchOptions::keep_going`]) a failure is reported the same way but the
//! run goes on with the next statement — a syntax error too, since each statement is parsed on
//! its own — and the exit code is 1 if any statement failed. A catalog that cannot be flushed
//! still stops the run: nothing after it could be made durable.

use crate::ast::Statement;
use crate::cli::Format;
use crate::error::Error;
use crate::exec::{Session, StatementResult};
use crate::lexer;
use crate::parser;
use crate::shell::client::{self, ClientCommand};
use serde::Serialize;
use std::io::Write;

/// How many executed statements may wait for one flush (and their results for printing).
pub const GROUP_COMMIT_STATEMENTS: usize = 2000;

/// A script and the name its positions use: a path, `<cmdline>` or `<stdin>`.
pub struct Script<'a> {
    pub source: &'a str,
    pub file: &'a str,
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub format: Format,
    /// `-k`: the 1-based number of the first statement to run.
    pub start_at: Option<usize>,
    /// `--keep-going`: run every statement even after a failure.
    pub keep_going: bool,
}

/// One statement as cut from its script: text without the `;`, where it starts, its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    pub text: &'a str,
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
    pub index: usize,
}

/// What a statement turned out to be once parsed.
#[derive(Debug)]
pub enum Prepared {
    /// `;;` — nothing to do, nothing printed.
    Empty,
    Client(ClientCommand),
    Statement(Statement),
}

/// Parses one statement (client commands first: they are not part of the grammar).
pub fn prepare(stmt: &ScriptStatement<'_>) -> Result<Prepared, Error> {
    if stmt.text.trim().is_empty() {
        return Ok(Prepared::Empty);
    }
    if let Some(command) = client::recognise(stmt.text) {
        return Ok(Prepared::Client(command));
    }
    parser::parse_statement(stmt.text, stmt.file, stmt.line, stmt.col).map(Prepared::Statement)
}

/// The statement as JSON records and history show it: canonical for parsed statements, as
/// typed otherwise.
pub fn statement_label(prepared: Option<&Prepared>, raw: &str) -> String {
    match prepared {
        Some(Prepared::Statement(stmt)) => stmt.to_string(),
        _ => raw.trim().to_string(),
    }
}

/// One line of `--format json` for a statement that succeeded.
#[derive(Serialize)]
struct JsonRecord<'a> {
    statement: &'a str,
    ok: bool,
    result: &'a StatementResult,
    /// What the text mode prints for a successful statement (odpscmd's rendering).
    text: &'a str,
    file: &'a str,
    line: u32,
    col: u32,
    /// The statement's number, as `-k` counts.
    index: usize,
}

/// One line of `--format json` for a failed statement: the fields of every record, the error's
/// text, and what the error is — its kind, error code and authorization sub-code (null when it
/// has none), and its message and position apart (the position only for a syntax error), so
/// that a script can act on a refusal without reading its sentence.
#[derive(Serialize)]
struct JsonFailure<'a> {
    statement: &'a str,
    ok: bool,
    error: String,
    kind: crate::error::ErrorKind,
    code: Option<crate::error::Code>,
    auth_code: Option<crate::error::DenyCode>,
    message: String,
    position: Option<&'a crate::error::Position>,
    file: &'a str,
    line: u32,
    col: u32,
    index: usize,
}

/// Where an error points: the offending token for syntax errors, the statement otherwise.
fn error_position(stmt: &ScriptStatement<'_>, error: &Error) -> (u32, u32) {
    match error {
        Error::Syntax { position, .. } => (position.line, position.col),
        _ => (stmt.line, stmt.col),
    }
}

/// The text-mode report of a failed statement: `FAILED: <message>` exactly, then where it was.
pub fn failure_text(stmt: &ScriptStatement<'_>, error: &Error) -> String {
    format!(
        "FAILED: {error}\n  in statement {} at {}:{}:{}\n",
        stmt.index, stmt.file, stmt.line, stmt.col
    )
}

fn json_line(record: &impl Serialize) -> String {
    // A record of strings, numbers, field-less enums and a result value always serialises.
    let mut line = serde_json::to_string(record).unwrap_or_else(|e| {
        format!(
            "{{\"ok\":false,\"error\":{}}}",
            serde_json::Value::String(e.to_string())
        )
    });
    line.push('\n');
    line
}

pub(crate) fn success_text(
    format: Format,
    stmt: &ScriptStatement<'_>,
    label: &str,
    result: &StatementResult,
) -> String {
    let mut text = result.text();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    match format {
        Format::Text => text,
        Format::Json => json_line(&JsonRecord {
            statement: label,
            ok: true,
            result,
            text: &text,
            file: stmt.file,
            line: stmt.line,
            col: stmt.col,
            index: stmt.index,
        }),
    }
}

/// Results waiting for the flush that makes their statements durable.
struct Pending<'w> {
    stdout: &'w mut dyn Write,
    queued: String,
    statements: usize,
}

impl Pending<'_> {
    fn push(&mut self, text: &str, executed: bool) {
        self.queued.push_str(text);
        self.statements += usize::from(executed);
    }

    /// Flushes the catalog, then prints what was queued. On a flush failure nothing queued is
    /// printed: those statements are not known to be durable.
    fn release(&mut self, session: &Session) -> Result<(), Error> {
        if self.statements > 0 {
            session.flush()?;
        }
        self.statements = 0;
        let text = std::mem::take(&mut self.queued);
        self.stdout
            .write_all(text.as_bytes())
            .and_then(|()| self.stdout.flush())
            .map_err(|e| Error::Io(format!("cannot write results: {e}")))
    }
}

/// The `-k` check, in odpscmd's words.
pub fn check_start(start_at: Option<usize>, total: usize) -> Result<usize, String> {
    match start_at {
        None => Ok(1),
        Some(n) if n > total => Err(format!(
            "[Error] invalid NUM for option k, total query count include empty query: {total}"
        )),
        Some(n) => Ok(n),
    }
}

/// Runs a script; returns the exit code (0 all ran, 1 a statement failed, 2 bad `-k`).
/// Without `keep_going` the first failure ends the run.
pub fn run(
    session: &mut Session,
    script: &Script<'_>,
    options: &BatchOptions,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let first = if options.start_at.is_some() {
        match check_start(options.start_at, lexer::count_statements(script.source)) {
            Ok(n) => n,
            Err(message) => {
                let _ = writeln!(stderr, "{message}");
                return 2;
            }
        }
    } else {
        1
    };

    let mut pending = Pending {
        stdout,
        queued: String::new(),
        statements: 0,
    };
    let mut failed = false;
    for piece in lexer::split(script.source).filter(|piece| piece.index >= first) {
        let stmt = ScriptStatement {
            text: piece.text,
            file: script.file,
            line: piece.line,
            col: piece.col,
            index: piece.index,
        };
        let prepared = prepare(&stmt);
        let label = statement_label(prepared.as_ref().ok(), stmt.text);
        let outcome = prepared.and_then(|prepared| perform_batch(session, prepared));
        let (error, ends_run) = match outcome {
            Ok(Step::Nothing) => continue,
            Ok(Step::Quit) => break,
            Ok(Step::Printed(result, executed)) => {
                pending.push(
                    &success_text(options.format, &stmt, &label, &result),
                    executed,
                );
                if pending.statements < GROUP_COMMIT_STATEMENTS {
                    continue;
                }
                match pending.release(session) {
                    Ok(()) => continue,
                    Err(flush_error) => (flush_error, true),
                }
            }
            // What ran before the failure stays applied: make it durable and show it first.
            // If that flush fails, its error is the one to report, and the run cannot go on.
            Err(error) => match pending.release(session) {
                Ok(()) => (error, !options.keep_going),
                Err(flush_error) => (flush_error, true),
            },
        };
        report_failure(&mut pending, options.format, &stmt, &label, &error, stderr);
        if ends_run {
            return 1;
        }
        failed = true;
    }
    match pending.release(session) {
        Ok(()) => i32::from(failed),
        Err(error) => {
            let _ = writeln!(stderr, "FAILED: {error}");
            1
        }
    }
}

enum Step {
    Nothing,
    Quit,
    /// The result, and whether a statement was executed (and so needs a flush).
    Printed(StatementResult, bool),
}

fn perform_batch(session: &mut Session, prepared: Prepared) -> Result<Step, Error> {
    match prepared {
        Prepared::Empty => Ok(Step::Nothing),
        Prepared::Client(ClientCommand::Quit) => Ok(Step::Quit),
        Prepared::Client(ClientCommand::Help(keyword)) => client::help_text(keyword.as_deref())
            .map(|text| Step::Printed(text_output(text), false)),
        Prepared::Client(ClientCommand::History) => Err(Error::usage(
            "history is available in the interactive shell only",
        )),
        Prepared::Statement(statement) => session
            .execute(&statement)
            .map(|result| Step::Printed(result, true)),
    }
}

/// A client command's text as a result: printed as it is, `{"type": "message", ...}` in JSON.
pub fn text_output(text: String) -> StatementResult {
    StatementResult::Message { message: text }
}

/// The `--format json` line of a failed statement.
pub(crate) fn failure_json(stmt: &ScriptStatement<'_>, label: &str, error: &Error) -> String {
    let (line, col) = error_position(stmt, error);
    json_line(&JsonFailure {
        statement: label,
        ok: false,
        error: error.to_string(),
        kind: error.kind(),
        code: error.code(),
        auth_code: error.auth_code(),
        message: error.message(),
        position: error.position(),
        file: stmt.file,
        line,
        col,
        index: stmt.index,
    })
}

fn report_failure(
    pending: &mut Pending<'_>,
    format: Format,
    stmt: &ScriptStatement<'_>,
    label: &str,
    error: &Error,
    stderr: &mut dyn Write,
) {
    if format == Format::Json {
        let _ = pending
            .stdout
            .write_all(failure_json(stmt, label, error).as_bytes());
        let _ = pending.stdout.flush();
    }
    let _ = stderr.write_all(failure_text(stmt, error).as_bytes());
    let _ = stderr.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_check_uses_odpscmd_wording() {
        assert_eq!(check_start(None, 0), Ok(1));
        assert_eq!(check_start(Some(3), 3), Ok(3));
        assert_eq!(
            check_start(Some(4), 3),
            Err(
                "[Error] invalid NUM for option k, total query count include empty query: 3"
                    .to_string()
            )
        );
    }

    #[test]
    fn failure_report_keeps_the_failed_line_first() {
        let stmt = ScriptStatement {
            text: "drop role r",
            file: "a.sql",
            line: 3,
            col: 5,
            index: 2,
        };
        assert_eq!(
            failure_text(&stmt, &Error::denied("no such role")),
            "FAILED: no such role\n  in statement 2 at a.sql:3:5\n"
        );
    }
}
