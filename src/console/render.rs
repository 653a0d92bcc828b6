//! What the console prints for a statement: odpscmd's text, or one JSON object per line.
//!
//! `list users` succeeding in `s.sql` at 4:1 as statement 4 prints its [`StatementResult`]'s text, ended
//! by a newline (`RAM$owner:alice\n`); with [`Format::Json`] it is one line instead,
//! `{"statement":"list users","ok":true,"result":...,"text":"RAM$owner:alice\n","file":"s.sql",
//! "line":4,"col":1,"index":4}`, whose `text` is byte for byte what the text mode prints. A
//! failure is `FAILED: <message>` on stderr ([`failed_line`]), in batch runs followed by
//! `  in statement 4 at s.sql:4:1` ([`failure_text`]), so that `-k 4` re-runs from it; in JSON
//! mode its record (`"ok":false`, `"error"`, the error's `kind`, `code` and `auth_code`, its
//! `message` and, for a syntax error, the offending token's `position`) goes to stdout as well.

use super::statement::ScriptStatement;
use crate::error::Error;
use crate::exec::StatementResult;
use serde::Serialize;
use std::fmt::Display;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// odpscmd's text.
    Text,
    /// One JSON object per statement, one per line.
    Json,
}

/// One line of `--format json` for a statement that succeeded.
#[derive(Serialize)]
struct JsonRecord<'a> {
    statement: &'a str,
    ok: bool,
    result: &'a super::Executed,
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
    /// The name the error is about when it is about one (`orderz`), else null.
    subject: Option<&'a str>,
    file: &'a str,
    line: u32,
    col: u32,
    index: usize,
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

/// A client command's text as a result: printed as it is, `{"type": "message", ...}` in JSON.
pub fn text_output(text: String) -> StatementResult {
    StatementResult::Message { message: text }
}

/// What a successful statement prints on stdout; `label` is its text in the JSON record.
pub fn success_text(
    format: Format,
    stmt: &ScriptStatement<'_>,
    label: &str,
    result: &super::Executed,
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

/// Where the name a failure is about (`orderz` of `Object 'table prj.orderz' does not
/// exist.`) is written in the statement: its first token spelling it, as a word or a quoted
/// name; a principal may be written short (`RAM$alicee` for `RAM$owner:alicee`).
pub fn subject_position(stmt: &ScriptStatement<'_>, error: &Error) -> Option<(u32, u32)> {
    let subject = error.subject()?;
    let name = subject.name.as_str();
    let short = name.split_once('$').and_then(|(kind, rest)| {
        rest.split_once(':')
            .map(|(_, user)| format!("{kind}${user}"))
    });
    crate::lexer::Lexer::at(stmt.text, stmt.line, stmt.col)
        .map_while(Result::ok)
        .find(|tok| {
            let text = match tok.kind {
                crate::lexer::TokenKind::Word => tok.text(stmt.text).to_string(),
                crate::lexer::TokenKind::QuotedIdent => {
                    crate::lexer::unescape_quoted_ident(tok.text(stmt.text))
                }
                _ => return false,
            };
            text.eq_ignore_ascii_case(name)
                || short
                    .as_deref()
                    .is_some_and(|s| text.eq_ignore_ascii_case(s))
        })
        .map(|tok| (tok.line, tok.col))
}

/// The `--format json` line of a failed statement.
pub fn failure_json(stmt: &ScriptStatement<'_>, label: &str, error: &Error) -> String {
    let subject_at = subject_position(stmt, error).map(|(line, col)| crate::error::Position {
        file: stmt.file.to_string(),
        line,
        col,
    });
    // Where the error points: the offending token of a syntax error, the name an error is
    // about, the statement otherwise.
    let position = error.position().or(subject_at.as_ref());
    let (line, col) = position.map_or((stmt.line, stmt.col), |p| (p.line, p.col));
    json_line(&JsonFailure {
        statement: label,
        ok: false,
        error: error.to_string(),
        kind: error.kind(),
        code: error.code(),
        auth_code: error.auth_code(),
        message: error.message(),
        position,
        subject: error.subject().map(|s| s.name.as_str()),
        file: stmt.file,
        line,
        col,
        index: stmt.index,
    })
}

/// `FAILED: <message>` and its newline; with `color`, `FAILED:` in red.
pub fn failed_line(message: impl Display, color: bool) -> String {
    if color {
        format!("\x1b[31mFAILED:\x1b[0m {message}\n")
    } else {
        format!("FAILED: {message}\n")
    }
}

/// The report of a failed statement on stderr: `FAILED: <message>` exactly, then, when
/// `located`, which statement it was and where it starts.
pub fn failure_text(
    stmt: &ScriptStatement<'_>,
    error: &Error,
    located: bool,
    color: bool,
) -> String {
    let mut text = failed_line(error, color);
    if located {
        text.push_str(&format!(
            "  in statement {} at {}:{}:{}",
            stmt.index, stmt.file, stmt.line, stmt.col
        ));
        // An error about a name also says where the name is written (the message keeps the
        // service's exact words).
        if let (Some((line, col)), Some(subject)) = (subject_position(stmt, error), error.subject())
        {
            text.push_str(&format!(
                " ('{}' at {}:{line}:{col})",
                crate::error::Escaped(&subject.name),
                stmt.file
            ));
        }
        text.push('\n');
    }
    text
}

/// odpscmd's start-up wording for a project the user may not enter.
pub fn access_failure(project: &str, error: &Error) -> String {
    format!("Accessing project '{project}' failed: {error}")
}

/// The `-k` check, in odpscmd's words: the first statement to run, or why there is none.
pub fn check_start(start_at: Option<usize>, total: usize) -> Result<usize, String> {
    match start_at {
        None => Ok(1),
        Some(n) if n > total => Err(format!(
            "[Error] invalid NUM for option k, total query count include empty query: {total}"
        )),
        Some(n) => Ok(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt() -> ScriptStatement<'static> {
        ScriptStatement {
            text: "drop role r",
            file: "a.sql",
            line: 3,
            col: 5,
            index: 2,
        }
    }

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
        let error = Error::denied("no such role");
        assert_eq!(
            failure_text(&stmt(), &error, true, false),
            "FAILED: no such role\n  in statement 2 at a.sql:3:5\n"
        );
        assert_eq!(
            failure_text(&stmt(), &error, false, true),
            "\x1b[31mFAILED:\x1b[0m no such role\n"
        );
    }

    #[test]
    fn text_ends_with_a_newline_and_json_carries_the_same_text() {
        let output = super::super::Executed::Local(StatementResult::Ok);
        assert_eq!(success_text(Format::Text, &stmt(), "l", &output), "OK\n");
        let line = success_text(Format::Json, &stmt(), "drop role r", &output);
        assert_eq!(
            line,
            "{\"statement\":\"drop role r\",\"ok\":true,\"result\":{\"type\":\"ok\"},\"text\":\"OK\\n\",\"file\":\"a.sql\",\"line\":3,\"col\":5,\"index\":2}\n"
        );
        let empty = super::super::Executed::Local(text_output(String::new()));
        assert_eq!(success_text(Format::Text, &stmt(), "l", &empty), "");
    }
}
