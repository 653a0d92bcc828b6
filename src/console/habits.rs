//! What a batch run keeps straight for a script that goes on after a failure or resumes in
//! the middle: which project is current, what `-k` replays, and the closing summary.
//!
//! Walk `mcsec --keep-going -f deploy.sql` where statement 3 is `use prodpjr;` (a typo) and
//! statement 4 `create table t (a string);`. Statement 3 fails; left alone, the session would
//! still be in the project statement 2 entered, and statement 4 would land there without a word.
//! [`session_statement`] says statement 3 was a `use`, so the console leaves the current project
//! ([`crate::exec::Session::leave_project`]) and remembers why ([`LostProject`]); statement 4
//! then fails with `no project selected`, followed by
//! `  no project is current: statement 3 (use prodpjr) failed`. The run ends with the summary
//! [`Summary`]: `4 statements, 2 failed` on stderr (and a `summary` object last in JSON).
//!
//! Resumed with `-k 4`, the statements before 4 are not run — except the session statements
//! (`use`, `login`, `set` of a session flag), which are replayed silently so that statement 4
//! runs in the session the script meant; stderr says which (`-k 4: replayed statement 2 (use
//! analytics); 1 statement before it not run`).

use super::statement::ScriptStatement;
use crate::ast::Statement;
use crate::lexer::{Lexer, TokenKind};
use serde::Serialize;

/// The statements that change only the session: the ones `-k` replays, and whose failure
/// must not leave the previous project current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatement {
    Use,
    Login,
    Set,
}

/// What a statement's first word says it is, parsed or not (a `use` with a syntax error is
/// still a failed `use`).
pub fn session_statement(text: &str) -> Option<SessionStatement> {
    let first = Lexer::new(text).next()?.ok()?;
    if first.kind != TokenKind::Word {
        return None;
    }
    let word = first.text(text);
    if word.eq_ignore_ascii_case("use") {
        Some(SessionStatement::Use)
    } else if word.eq_ignore_ascii_case("login") {
        Some(SessionStatement::Login)
    } else if word.eq_ignore_ascii_case("set") {
        Some(SessionStatement::Set)
    } else {
        None
    }
}

/// Whether `-k` replays a parsed statement: `use`, `login`, and `set` of a session flag (a
/// security switch changes the catalog, so it is not replayed).
pub fn replays(statement: &Statement) -> bool {
    match statement {
        Statement::Use { .. } | Statement::Login { .. } => true,
        Statement::Set(set) => matches!(
            crate::exec::settings::classify_set_key(&set.key),
            Ok(crate::exec::settings::SetKey::SessionFlag)
        ),
        _ => false,
    }
}

/// The failed `use`/`login` that left the session without a current project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostProject {
    pub index: usize,
    pub text: String,
}

impl LostProject {
    pub fn of(stmt: &ScriptStatement<'_>) -> Self {
        LostProject {
            index: stmt.index,
            text: one_line(stmt.text),
        }
    }

    /// The line that follows a "no project selected" failure.
    pub fn explanation(&self) -> String {
        format!(
            "  no project is current: statement {} ({}) failed\n",
            self.index, self.text
        )
    }
}

/// What `-k` did with the statements before the first one it runs.
#[derive(Debug, Default)]
pub struct Replay {
    pub replayed: Vec<(usize, String)>,
    pub not_run: usize,
}

impl Replay {
    /// `-k 4: replayed statement 2 (use analytics); 1 statement before it not run`, or
    /// nothing when there was nothing before the first statement.
    pub fn note(&self, first: usize) -> Option<String> {
        if self.replayed.is_empty() && self.not_run == 0 {
            return None;
        }
        let replayed = match self.replayed.len() {
            0 => "replayed no session statement".to_string(),
            n => format!(
                "replayed {} {}",
                if n == 1 { "statement" } else { "statements" },
                self.replayed
                    .iter()
                    .map(|(index, text)| format!("{index} ({text})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let plural = if self.not_run == 1 { "" } else { "s" };
        Some(format!(
            "-k {first}: {replayed}; {} statement{plural} before it not run\n",
            self.not_run
        ))
    }
}

/// The closing count of a `--keep-going` run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub statements: usize,
    pub failed: usize,
}

impl Summary {
    /// `7 statements, 2 failed`.
    pub fn text(&self) -> String {
        let plural = if self.statements == 1 { "" } else { "s" };
        format!(
            "{} statement{plural}, {} failed\n",
            self.statements, self.failed
        )
    }

    /// `{"type":"summary","statements":7,"failed":2}`, the last line of a JSON run.
    pub fn json(&self) -> String {
        #[derive(Serialize)]
        struct Line {
            #[serde(rename = "type")]
            kind: &'static str,
            statements: usize,
            failed: usize,
        }
        let line = Line {
            kind: "summary",
            statements: self.statements,
            failed: self.failed,
        };
        let mut text = serde_json::to_string(&line).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A statement's text on one line, whitespace runs collapsed, for the notes above.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_statements_are_known_by_their_first_word() {
        assert_eq!(
            session_statement("  -- c\n USE prodpjr"),
            Some(SessionStatement::Use)
        );
        assert_eq!(
            session_statement("login RAM$x"),
            Some(SessionStatement::Login)
        );
        assert_eq!(session_statement("set a.b=1"), Some(SessionStatement::Set));
        assert_eq!(session_statement("setproject a=1"), None);
        assert_eq!(session_statement("user"), None);
        assert_eq!(session_statement(""), None);
    }

    #[test]
    fn notes_and_summaries_read_as_sentences() {
        let replay = Replay {
            replayed: vec![(2, "use analytics".into())],
            not_run: 1,
        };
        assert_eq!(
            replay.note(4).unwrap(),
            "-k 4: replayed statement 2 (use analytics); 1 statement before it not run\n"
        );
        assert_eq!(Replay::default().note(1), None);
        let summary = Summary {
            statements: 7,
            failed: 2,
        };
        assert_eq!(summary.text(), "7 statements, 2 failed\n");
        assert_eq!(
            summary.json(),
            "{\"type\":\"summary\",\"statements\":7,\"failed\":2}\n"
        );
    }
}
