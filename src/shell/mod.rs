//! The interactive shell: odpscmd's REPL habits on a rustyline editor.
//!
//! Walk a session through it: the banner and `Connecting to <catalog>, project: p` /
//! `Connected!` go to stderr; the prompt is `p> ` (bold green with colour). The user types
//! `drop role` ⏎ — the lexer sees no terminating `;`, so the line is kept and the continuation
//! prompt asks for more; `analyst;` ⏎ completes the buffer, which becomes one history entry
//! (saved to `$HOME/.mcsec/history` on exit, searchable with Ctrl-R). The buffer goes to the
//! [`console`], set up the shell way: positions name `<stdin>` and count from the
//! buffer, statements run in order and the first failure skips the rest of the buffer (its
//! `FAILED:` line alone, red with colour), and every statement is flushed and printed before the
//! next runs. Before `drop role analyst` runs, the console asks the shell ([`Frontend::confirm`]):
//! it starts with DROP, so odpscmd's `Confirm to "drop role analyst" (yes/no)? ` is asked; `yes`
//! runs it, the session flushes the catalog, and only then is `OK` printed. `history;` lists the
//! editor's history ([`Frontend::history`]). Ctrl-C drops an unfinished buffer; Ctrl-D or `quit;`
//! leaves.

pub mod helper;
pub mod lesson;
pub mod session;

use crate::ast::Statement;
use crate::console::{self, Commit, Console, Format, Frontend, Input};
use helper::ShellHelper;
pub use session::ShellSession;
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::Editor;
use std::cell::RefCell;
use std::io::{IsTerminal, Stderr, Stdout, Write};
use std::ops::DerefMut;
use std::path::PathBuf;
use std::rc::Rc;

/// Positions in shell input name this file (the statement's own line and column).
pub const SHELL_FILE: &str = "<stdin>";
const HISTORY_SIZE: usize = 10_000;

/// What the command line decided for the shell.
#[derive(Debug, Clone)]
pub struct ShellOptions {
    /// `--project`: entered at start; one the user may not enter is reported and left.
    pub project: Option<String>,
    pub format: Format,
    /// Colour the prompt, the input and `FAILED:`.
    pub color: bool,
}

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

/// `quit`, `exit` or `q` typed alone, without the `;` that ends a statement.
fn is_bare_quit(buffer: &str) -> bool {
    let word = buffer.trim().to_ascii_lowercase();
    matches!(word.as_str(), "quit" | "exit" | "q")
}

/// `yes` and `y` (any case) confirm; anything else cancels.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "yes" | "y")
}

struct Shell {
    session: Rc<RefCell<dyn ShellSession>>,
    editor: Editor<ShellHelper, FileHistory>,
    color: bool,
    /// Runs each buffer; flushes and prints every statement before the next runs.
    console: Console<Stdout, Stderr>,
}

/// What the console borrows from the shell while it runs one buffer.
struct Lent<'a> {
    session: &'a RefCell<dyn ShellSession>,
    editor: &'a mut Editor<ShellHelper, FileHistory>,
}

impl Frontend for Lent<'_> {
    type Executor = dyn ShellSession;

    /// Borrowed only while a statement executes or flushes, so completion (which reads the
    /// session) keeps working at a confirmation question.
    fn session(&mut self) -> impl DerefMut<Target = dyn ShellSession> + '_ {
        self.session.borrow_mut()
    }

    fn confirm(&mut self, text: &str, statement: &Statement) -> bool {
        let Some(question) = confirmation_question(text, statement) else {
            return true;
        };
        // A statement that would fail runs without the question, and fails as it would.
        if self.session.borrow_mut().rehearse(statement).is_err() {
            return true;
        }
        match self.editor.readline(&question) {
            Ok(answer) => is_yes(&answer),
            Err(_) => false,
        }
    }

    fn history(&self) -> Option<Vec<String>> {
        Some(self.editor.history().iter().cloned().collect())
    }
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
                    // `quit`, `exit` and `q` alone on a first line leave without a `;`: a
                    // shell that waits silently for one looks hung.
                    if is_bare_quit(&buffer) {
                        return Ok(Some(format!("{};", buffer.trim())));
                    }
                    if crate::lexer::split(&buffer).next().is_none() {
                        // Blank lines and lines holding only comments are ignored, as odpscmd does.
                        buffer.clear();
                    } else if crate::lexer::is_complete(&buffer) {
                        return Ok(Some(buffer));
                    }
                }
                Err(ReadlineError::Interrupted) => buffer.clear(),
                Err(ReadlineError::Eof) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs the statements of one buffer in order; a failure skips the rest of the buffer.
    /// `false` when one of them was `quit;`.
    fn run_buffer(&mut self, buffer: &str) -> bool {
        let mut lent = Lent {
            session: &self.session,
            editor: &mut self.editor,
        };
        let input = Input {
            text: buffer,
            file: SHELL_FILE,
        };
        !self.console.run(&mut lent, &input).quit
    }
}

fn banner(session: &mut dyn ShellSession, options: &ShellOptions) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "mcsec {} - MaxCompute project-security sandbox",
        env!("CARGO_PKG_VERSION")
    );
    let location = session.location();
    let _ = writeln!(err, "User: {}", session.user());
    match &options.project {
        Some(project) => {
            let _ = writeln!(err, "Connecting to {location}, project: {project}");
            match session.use_project(project) {
                Ok(()) => {
                    let _ = writeln!(err, "Connected!");
                }
                Err(e) => {
                    let _ = writeln!(err, "{}", console::access_failure(project, &e));
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
pub fn run<S: ShellSession + 'static>(mut session: S, options: &ShellOptions) -> i32 {
    banner(&mut session, options);
    let color = options.color;
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
    let session: Rc<RefCell<dyn ShellSession>> = Rc::new(RefCell::new(session));
    let editor = config.and_then(|config| {
        let mut editor = Editor::with_history(config, FileHistory::new())?;
        editor.set_helper(Some(ShellHelper::new(Rc::clone(&session), color)));
        Ok(editor)
    });
    let editor = match editor {
        Ok(editor) => editor,
        Err(e) => {
            let line = console::failed_line(format!("cannot start the line editor: {e}"), false);
            let _ = std::io::stderr().write_all(line.as_bytes());
            return 1;
        }
    };
    let console_options = console::Options {
        format: options.format,
        commit: Commit::EveryStatement,
        start_at: None,
        keep_going: false,
        locate_failures: false,
        color: color && std::io::stderr().is_terminal(),
    };
    let mut shell = Shell {
        session,
        editor,
        color,
        console: Console::new(console_options, std::io::stdout(), std::io::stderr()),
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
                if !shell.run_buffer(&buffer) {
                    break 0;
                }
            }
            Ok(None) => break 0,
            Err(e) => {
                let line = console::failed_line(format!("cannot read input: {e}"), false);
                let _ = std::io::stderr().write_all(line.as_bytes());
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
