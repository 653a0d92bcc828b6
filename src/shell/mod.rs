//! The interactive shell: odpscmd's REPL habits on a rustyline editor.
//!
//! Walk a session through it: the banner and `Connecting to <catalog>, project: p` /
//! `Connected!` go to stderr; the prompt is `p> ` (bold green with colour). The user types
//! `drop role` ⏎ — the lexer sees no terminating `;`, so the line is kept and the continuation
//! prompt asks for more; `analyst;` ⏎ completes the buffer, which becomes one history entry
//! (saved to `$HOME/.mcsec/history` on exit, searchable with Ctrl-R). The buffer is split into
//! statements and run in order, stopping at the first failure. `drop role analyst` starts with
//! DROP, so odpscmd's `Confirm to "drop role analyst" (yes/no)? ` is asked; `yes` runs it, the
//! session flushes the catalog, and only then is `OK` printed. Ctrl-C drops an unfinished buffer;
//! Ctrl-D or `quit;` leaves.

pub mod helper;

use crate::ast::Statement;
use crate::cli::Settings;
use crate::console::client::{self, ClientCommand};
use crate::console::render::{self, access_failure};
use crate::console::statement::{self, Prepared, ScriptStatement};
use crate::exec::Session;
use crate::lexer;
use helper::ShellHelper;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::Editor;
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::rc::Rc;

/// Positions in shell input name this file (the statement's own line and column).
pub const SHELL_FILE: &str = "<stdin>";
const HISTORY_SIZE: usize = 10_000;

/// `$HOME/.mcsec/history`, when there is a home.
pub fn history_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".mcsec").join("history"))
}

/// The question odpscmd asks before running `statement` (typed as `text`), if any.
pub fn confirmation_question(text: &str, statement: &Statement) -> Option<String> {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if matches!(first.as_str(), "drop" | "delete" | "remove") {
        return Some(format!("Confirm to \"{}\" (yes/no)? ", text.trim()));
    }
    let overwrites_policy = match statement {
        Statement::PutPolicy { .. } => true,
        Statement::Set(set) => {
            set.key.eq_ignore_ascii_case("ProjectProtection") && set.exception_file.is_some()
        }
        _ => false,
    };
    overwrites_policy.then(|| "will overwrite the old policy content  (yes/no)? ".to_string())
}

/// `yes` and `y` (any case) confirm; anything else cancels.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "yes" | "y")
}

struct Shell {
    session: Rc<RefCell<Session>>,
    editor: Editor<ShellHelper, FileHistory>,
    color: bool,
    format: crate::console::Format,
}

enum Flow {
    Continue,
    /// A statement failed: the rest of the line is not run.
    Stop,
    Quit,
}

impl Shell {
    fn prompt(&self) -> (String, String) {
        let raw = match self.session.borrow().project() {
            Some(project) => format!("{project}> "),
            None => "> ".to_string(),
        };
        let styled = if self.color {
            format!("\x1b[1;32m{}\x1b[0m ", raw.trim_end())
        } else {
            raw.clone()
        };
        (raw, styled)
    }

    fn continuation_prompt(&self) -> String {
        match self.session.borrow().project() {
            Some(project) => format!("{}> ", " ".repeat(project.chars().count())),
            None => "-> ".to_string(),
        }
    }

    fn print_out(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.is_empty() && !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// `FAILED: <message>` on stderr; with `--format json` also the statement's record on stdout.
    fn print_failure(&self, stmt: &ScriptStatement<'_>, label: &str, error: &crate::Error) {
        if self.format == crate::console::Format::Json {
            self.print_out(&render::failure_json(stmt, label, error));
        }
        let mut err = std::io::stderr().lock();
        let _ = if self.color && err.is_terminal() {
            writeln!(err, "\x1b[31mFAILED:\x1b[0m {error}")
        } else {
            writeln!(err, "FAILED: {error}")
        };
    }

    /// Reads one complete buffer (one or more statements); `None` at Ctrl-D.
    fn read_buffer(&mut self) -> Result<Option<String>, ReadlineError> {
        let mut buffer = String::new();
        loop {
            if let Some(helper) = self.editor.helper() {
                helper.set_pending(&buffer);
            }
            let line = if buffer.is_empty() {
                let prompt = self.prompt();
                self.editor.readline(&prompt)
            } else {
                let prompt = self.continuation_prompt();
                self.editor.readline(&prompt)
            };
            match line {
                Ok(line) => {
                    if !buffer.is_empty() {
                        buffer.push('\n');
                    }
                    buffer.push_str(&line);
                    if lexer::split(&buffer).next().is_none() {
                        // Blank lines and lines holding only comments are ignored, as odpscmd does.
                        buffer.clear();
                    } else if lexer::is_complete(&buffer) {
                        return Ok(Some(buffer));
                    }
                }
                Err(ReadlineError::Interrupted) => buffer.clear(),
                Err(ReadlineError::Eof) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    fn confirm(&mut self, question: &str) -> bool {
        match self.editor.readline(question) {
            Ok(answer) => is_yes(&answer),
            Err(_) => false,
        }
    }

    fn run_statement(&mut self, stmt: &ScriptStatement<'_>) -> Flow {
        let prepared = match statement::prepare(stmt) {
            Ok(prepared) => prepared,
            Err(error) => {
                self.print_failure(stmt, stmt.text.trim(), &error);
                return Flow::Stop;
            }
        };
        let label = statement::statement_label(Some(&prepared), stmt.text);
        let result = match prepared {
            Prepared::Empty => return Flow::Continue,
            Prepared::Client(ClientCommand::Quit) => return Flow::Quit,
            Prepared::Client(ClientCommand::History) => {
                let listing: String = self
                    .editor
                    .history()
                    .iter()
                    .enumerate()
                    .map(|(i, entry)| {
                        format!("{:>5}  {}\n", i + 1, entry.replace('\n', "\n       "))
                    })
                    .collect();
                Ok(render::text_output(listing))
            }
            Prepared::Client(ClientCommand::Help(keyword)) => {
                client::help_text(keyword.as_deref()).map(render::text_output)
            }
            Prepared::Statement(statement) => {
                if let Some(question) = confirmation_question(stmt.text, &statement) {
                    if !self.confirm(&question) {
                        let _ = writeln!(std::io::stderr(), "Cancelled.");
                        return Flow::Continue;
                    }
                }
                let mut session = self.session.borrow_mut();
                // Flushed before printing: an `OK` on screen is a durable statement.
                session
                    .execute(&statement)
                    .and_then(|output| session.flush().map(|()| output))
            }
        };
        match result {
            Ok(output) => {
                self.print_out(&render::success_text(self.format, stmt, &label, &output));
                Flow::Continue
            }
            Err(error) => {
                self.print_failure(stmt, &label, &error);
                Flow::Stop
            }
        }
    }

    fn run_buffer(&mut self, buffer: &str) -> Flow {
        for piece in lexer::split(buffer) {
            let stmt = ScriptStatement {
                text: piece.text,
                file: SHELL_FILE,
                line: piece.line,
                col: piece.col,
                index: piece.index,
            };
            match self.run_statement(&stmt) {
                Flow::Continue => {}
                Flow::Stop => return Flow::Continue,
                Flow::Quit => return Flow::Quit,
            }
        }
        Flow::Continue
    }
}

fn banner(session: &mut Session, settings: &Settings) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "mcsec {} - MaxCompute project-security sandbox",
        env!("CARGO_PKG_VERSION")
    );
    let location = session.catalog().location().to_string();
    let _ = writeln!(err, "User: {}", session.user());
    match &settings.project {
        Some(project) => {
            let _ = writeln!(err, "Connecting to {location}, project: {project}");
            match session.use_project(project) {
                Ok(()) => {
                    let _ = writeln!(err, "Connected!");
                }
                Err(e) => {
                    let _ = writeln!(err, "{}", access_failure(project, &e));
                }
            }
        }
        None => {
            let _ = writeln!(err, "Connecting to {location}");
            let _ = writeln!(err, "Connected!");
        }
    }
    let _ = writeln!(err, "Type \"help;\" for help, \"quit;\" to leave.");
}

/// Runs the REPL until Ctrl-D or `quit;`; returns the exit code.
pub fn run(mut session: Session, settings: &Settings, color: bool) -> i32 {
    banner(&mut session, settings);
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .color_mode(if color {
            ColorMode::Forced
        } else {
            ColorMode::Disabled
        })
        .max_history_size(HISTORY_SIZE)
        .and_then(|b| b.history_ignore_dups(true))
        .map(|b| b.build());
    let session = Rc::new(RefCell::new(session));
    let editor = config.and_then(|config| {
        let mut editor = Editor::with_history(config, FileHistory::new())?;
        editor.set_helper(Some(ShellHelper::new(Rc::clone(&session), color)));
        Ok(editor)
    });
    let editor = match editor {
        Ok(editor) => editor,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "FAILED: cannot start the line editor: {e}"
            );
            return 1;
        }
    };
    let mut shell = Shell {
        session,
        editor,
        color,
        format: settings.format,
    };
    let history = history_path();
    if let Some(path) = &history {
        // A missing history file is the normal first run.
        let _ = shell.editor.load_history(path);
    }

    let code = loop {
        match shell.read_buffer() {
            Ok(Some(buffer)) => {
                let _ = shell.editor.add_history_entry(buffer.trim());
                if let Flow::Quit = shell.run_buffer(&buffer) {
                    break 0;
                }
            }
            Ok(None) => break 0,
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "FAILED: cannot read input: {e}");
                break 1;
            }
        }
    };
    if let Some(path) = &history {
        let saved = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| e.to_string())
            .and_then(|()| shell.editor.save_history(path).map_err(|e| e.to_string()));
        if let Err(e) = saved {
            let _ = writeln!(
                std::io::stderr(),
                "warning: cannot save history to {}: {e}",
                path.display()
            );
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yes_or_y_confirms() {
        for yes in ["yes", "Y", " YES ", "y"] {
            assert!(is_yes(yes), "{yes}");
        }
        for no in ["", "no", "n", "yess", "ok"] {
            assert!(!is_yes(no), "{no}");
        }
    }

    #[test]
    fn destructive_statements_ask_first() {
        let list = Statement::ListUsers;
        assert_eq!(
            confirmation_question("DROP role  r", &list).as_deref(),
            Some("Confirm to \"DROP role  r\" (yes/no)? ")
        );
        assert_eq!(
            confirmation_question("remove user RAM$owner:bob", &list).as_deref(),
            Some("Confirm to \"remove user RAM$owner:bob\" (yes/no)? ")
        );
        assert_eq!(confirmation_question("list users", &list), None);
        let put = Statement::PutPolicy {
            file: "p.json".into(),
            role: None,
            tenant_role: false,
        };
        assert_eq!(
            confirmation_question("put policy p.json", &put).as_deref(),
            Some("will overwrite the old policy content  (yes/no)? ")
        );
        let protect = Statement::Set(crate::ast::SetStmt {
            key: "projectprotection".into(),
            value: "true".into(),
            exception_file: Some("e.json".into()),
            locations: None,
        });
        assert!(confirmation_question(
            "set projectprotection=true with exception e.json",
            &protect
        )
        .is_some());
        let plain = Statement::Set(crate::ast::SetStmt {
            key: "ProjectProtection".into(),
            value: "true".into(),
            exception_file: None,
            locations: None,
        });
        assert_eq!(
            confirmation_question("set ProjectProtection=true", &plain),
            None
        );
    }
}
