//! The console: the one runner from input text to printed results and an exit code, shared by
//! every front end — the shell, the batch runner, and anything else that drives a session. A
//! front end only reads input, says how it wants it run ([`Options`]) and lends what only it has
//! ([`Frontend`]): the session, a yes/no question to the user, its history.
//!
//! Walk statement 3 of `s.sql`, `list usrs;` on line 5 after a comment, through [`Console::run`]
//! with the batch runner's options:
//!
//! 1. **Split** ([`statement::statements`]): the lexer's splitter cuts the input at each `;`
//!    outside quotes and comments; the piece is `list usrs` at `s.sql:5:1`, number 3 (empty
//!    statements count, as odpscmd counts them). With `-k 3` ([`Options::start_at`]) the two
//!    before it are skipped without being parsed; a `-k` past the end is odpscmd's
//!    `[Error] invalid NUM for option k, ...` and exit code 2.
//! 2. **Prepare** ([`statement::prepare`]): a client command (`help`, `history`, `quit`;
//!    [`client`]) is recognised first; anything else is parsed with its position, so this piece
//!    fails with `s.sql:5:6: expected one of USERS, ...`. Had it been `drop role r`, the
//!    front end would first be asked to confirm it ([`Frontend::confirm`]; the shell asks
//!    odpscmd's question, a script never does), then the statement would run on the front end's
//!    session ([`Frontend::session`], `exec::Session::execute`).
//! 3. **Render** ([`render`]): a success is its text, or with [`Format::Json`] one JSON object
//!    carrying the same text; it is queued until its statement is durable ([`commit`]): with
//!    [`Commit::Group`] one flush covers up to [`GROUP_COMMIT_STATEMENTS`] statements, with
//!    [`Commit::EveryStatement`] every statement is flushed and printed before the next runs.
//! 4. **Fail**: the failure first flushes and prints what ran before it (it stays applied),
//!    then goes to stderr as `FAILED: s.sql:5:6: expected one of ...` and, with
//!    [`Options::locate_failures`], `  in statement 3 at s.sql:5:1`; in JSON mode its record goes
//!    to stdout too. Without [`Options::keep_going`] the run ends there. With it the run goes on
//!    with statement 4, since each statement is parsed on its own — except when the flush
//!    itself failed: nothing after it could be made durable.
//! 5. **End**: a last flush and print, and the [`Outcome`]: exit code 0 when every statement ran,
//!    1 when one failed; `quit;` ends the input early, and the outcome says so, so a shell
//!    stops reading.

pub mod client;
pub mod commit;
pub mod echo;
pub mod executor;
pub mod habits;
pub mod help;
pub mod render;
pub mod statement;
pub mod stream;

pub use client::ClientCommand;
pub use commit::{Commit, GROUP_COMMIT_STATEMENTS};
pub use executor::{Executed, Executor};
pub use render::{access_failure, failed_line, Format};
pub use statement::{prepare, Prepared, ScriptStatement};

use crate::ast::Statement;
use crate::error::Error;
use crate::exec::Session;
use commit::Pending;
use std::io::Write;
use std::ops::DerefMut;

/// Text to run and the file name its positions use: a path, `<cmdline>`, `<stdin>`.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub text: &'a str,
    pub file: &'a str,
}

/// How a front end wants its input run.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    pub commit: Commit,
    /// `-k`: the 1-based number of the first statement to run.
    pub start_at: Option<usize>,
    /// `--keep-going`: run every statement even after a failure.
    pub keep_going: bool,
    /// Follow each `FAILED:` line with `  in statement <n> at <file>:<line>:<col>`.
    pub locate_failures: bool,
    /// `FAILED:` in red.
    pub color: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// 0 every statement ran, 1 a statement failed, 2 `-k` past the end.
    pub exit_code: i32,
    /// `quit;` (`q;`, `exit;`) ended the input: a front end reading more input stops.
    pub quit: bool,
}

/// What only the front end has. The console calls one of these at a time and holds nothing
/// it returned across calls, so a front end may keep its session where other parts of it read
/// it between calls (the shell's completion does).
pub trait Frontend {
    /// What statements run on: a local [`Session`], or a remote one.
    type Executor: Executor + ?Sized;

    /// The session statements run on and flush through.
    fn session(&mut self) -> impl DerefMut<Target = Self::Executor> + '_;

    /// Asked before `statement` (typed as `text`) runs; `false` skips it, and the console
    /// prints `Cancelled.`. Front ends that cannot ask run everything.
    fn confirm(&mut self, text: &str, statement: &Statement) -> bool {
        let _ = (text, statement);
        true
    }

    /// `history;`: the input remembered, oldest first; `None` where nothing is remembered, and
    /// then `history;` fails.
    fn history(&self) -> Option<Vec<String>> {
        None
    }
}

/// A bare session is a front end that asks nothing and keeps no history.
impl Frontend for Session {
    type Executor = Session;

    fn session(&mut self) -> impl DerefMut<Target = Session> + '_ {
        self
    }
}

/// What one prepared statement came to.
enum Step {
    Nothing,
    Quit,
    /// The output, and whether a statement was executed (and so needs a flush).
    Printed(Box<Executed>, bool),
}

/// The runner: options, the two output streams, and results waiting for their flush.
pub struct Console<O: Write, E: Write> {
    options: Options,
    stdout: O,
    stderr: E,
    pending: Pending,
    /// `-a`/`--echo`: each statement's text before its result (`echo`).
    echo: bool,
}

impl<O: Write, E: Write> Console<O, E> {
    pub fn new(options: Options, stdout: O, stderr: E) -> Self {
        Console {
            options,
            stdout,
            stderr,
            pending: Pending::default(),
            echo: false,
        }
    }

    /// With `echo`, text output shows each statement, as `> <statement>;`, before its result
    /// (psql's `-a`), so that a script's output reads as a transcript.
    pub fn with_echo(mut self, echo: bool) -> Self {
        self.echo = echo;
        self
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The output streams, once the runs are over (a test reads its buffers back).
    pub fn into_writers(self) -> (O, E) {
        (self.stdout, self.stderr)
    }

    /// Runs every statement of `input` on `frontend`'s session; without
    /// [`Options::keep_going`] the first failure ends the run. Everything printed for a
    /// statement that ran is durable when this returns.
    pub fn run<F: Frontend>(&mut self, frontend: &mut F, input: &Input<'_>) -> Outcome {
        let total = self.total(input);
        self.run_statements(frontend, total, statement::statements(input))
    }

    /// Runs a script file read in pieces ([`stream::ScriptFile`]) as [`Console::run`] runs a
    /// text; `file` names it in positions. A file that stops reading part way (it changed or
    /// failed after it was checked) ends the run with a `FAILED:` line after what ran.
    pub fn run_file<F: Frontend>(
        &mut self,
        frontend: &mut F,
        script: &mut stream::ScriptFile,
        file: &str,
    ) -> Outcome {
        let total = script.total().unwrap_or(0);
        let pieces = script.by_ref().map(|stmt| stream::InFile { stmt, file });
        let outcome = self.run_statements(frontend, total, pieces);
        let problem = match script.failure() {
            None => return outcome,
            Some(stream::ScriptError::Io(e)) => format!("cannot read -f {file}: {e}"),
            Some(stream::ScriptError::InvalidUtf8(e)) => format!("{file}:{e}"),
        };
        let _ = writeln!(self.stderr, "FAILED: {problem}");
        let _ = self.stderr.flush();
        Outcome {
            exit_code: 1,
            quit: outcome.quit,
        }
    }

    fn run_statements<F: Frontend, S: statement::AsStatement>(
        &mut self,
        frontend: &mut F,
        total: usize,
        statements: impl Iterator<Item = S>,
    ) -> Outcome {
        let first = match render::check_start(self.options.start_at, total) {
            Ok(first) => first,
            Err(message) => {
                let _ = writeln!(self.stderr, "{message}");
                return Outcome {
                    exit_code: 2,
                    quit: false,
                };
            }
        };
        let mut failed = false;
        let mut quit = false;
        let mut replay = habits::Replay::default();
        let mut lost: Option<habits::LostProject> = None;
        let mut summary = habits::Summary::default();
        for item in statements {
            let stmt = item.as_statement();
            if stmt.index < first {
                // A replayed statement that fails is a failure of the run, as if it had run.
                if let Err(error) = self.replay(frontend, &stmt, &mut replay) {
                    if let Some(note) = replay.note(first) {
                        let _ = self.stderr.write_all(note.as_bytes());
                    }
                    replay = habits::Replay::default();
                    let label = stmt.text.trim().to_string();
                    self.report_failure(&stmt, &label, &error, None);
                    failed = true;
                    summary.statements += 1;
                    summary.failed += 1;
                    if !self.options.keep_going {
                        return Outcome {
                            exit_code: 1,
                            quit: false,
                        };
                    }
                    frontend.session().leave_project();
                    lost = Some(habits::LostProject::of(&stmt));
                }
                continue;
            }
            if stmt.index == first {
                if let Some(note) = replay.note(first) {
                    let _ = self.stderr.write_all(note.as_bytes());
                }
            }
            if self.echo && self.options.format == Format::Text {
                if let Some(line) = echo::line(&stmt) {
                    self.pending.push(&line, false);
                }
            }
            let prepared = prepare(&stmt);
            let label = statement::statement_label(prepared.as_ref().ok(), stmt.text);
            let step =
                prepared.and_then(|prepared| self.perform(frontend, &stmt, prepared, &label));
            if !matches!(step, Ok(Step::Nothing) | Ok(Step::Quit)) {
                summary.statements += 1;
            }
            let (error, ends_run) = match step {
                Ok(Step::Nothing) => continue,
                Ok(Step::Quit) => {
                    quit = true;
                    break;
                }
                Ok(Step::Printed(output, executed)) => {
                    if habits::session_statement(stmt.text)
                        .is_some_and(|s| s != habits::SessionStatement::Set)
                    {
                        lost = None;
                    }
                    let text = render::success_text(self.options.format, &stmt, &label, &output);
                    self.pending.push(&text, executed);
                    if !self.pending.due(self.options.commit) {
                        continue;
                    }
                    match self.release(frontend) {
                        Ok(()) => continue,
                        Err(flush_error) => (flush_error, true),
                    }
                }
                // What ran before the failure stays applied: make it durable and show it first.
                // If that flush fails, its error is the one to report, and the run cannot go on.
                Err(error) => match self.release(frontend) {
                    Ok(()) => (error, !self.options.keep_going),
                    Err(flush_error) => (flush_error, true),
                },
            };
            self.report_failure(&stmt, &label, &error, lost.as_ref());
            failed = true;
            summary.failed += 1;
            if self.options.keep_going
                && habits::session_statement(stmt.text)
                    .is_some_and(|s| s != habits::SessionStatement::Set)
            {
                frontend.session().leave_project();
                lost = Some(habits::LostProject::of(&stmt));
            }
            if ends_run {
                return Outcome {
                    exit_code: 1,
                    quit: false,
                };
            }
        }
        match self.release(frontend) {
            Ok(()) => {
                if self.options.keep_going {
                    if self.options.format == Format::Json {
                        let _ = self.stdout.write_all(summary.json().as_bytes());
                        let _ = self.stdout.flush();
                    }
                    let _ = self.stderr.write_all(summary.text().as_bytes());
                    let _ = self.stderr.flush();
                }
                Outcome {
                    exit_code: i32::from(failed),
                    quit,
                }
            }
            Err(error) => {
                let line = failed_line(&error, self.options.color);
                let _ = self.stderr.write_all(line.as_bytes());
                let _ = self.stderr.flush();
                Outcome { exit_code: 1, quit }
            }
        }
    }

    /// The statement count `-k` is checked against; only counted when `-k` is given.
    fn total(&self, input: &Input<'_>) -> usize {
        match self.options.start_at {
            Some(_) => crate::lexer::count_statements(input.text),
            None => 0,
        }
    }

    fn perform<F: Frontend>(
        &mut self,
        frontend: &mut F,
        stmt: &ScriptStatement<'_>,
        prepared: Prepared,
        label: &str,
    ) -> Result<Step, Error> {
        match prepared {
            Prepared::Empty => Ok(Step::Nothing),
            Prepared::Client(ClientCommand::Quit) => Ok(Step::Quit),
            Prepared::Client(ClientCommand::Help(keyword)) => client::help_text(keyword.as_deref())
                .map(|text| {
                    Step::Printed(Box::new(Executed::Local(render::text_output(text))), false)
                }),
            Prepared::Client(ClientCommand::History) => match frontend.history() {
                Some(entries) => Ok(Step::Printed(
                    Box::new(Executed::Local(render::text_output(
                        client::history_listing(&entries),
                    ))),
                    false,
                )),
                None => Err(Error::usage(
                    "history is available in the interactive shell only",
                )),
            },
            Prepared::Statement(statement) => {
                if !frontend.confirm(stmt.text, &statement) {
                    let _ = writeln!(self.stderr, "Cancelled.");
                    return Ok(Step::Nothing);
                }
                let mut session = frontend.session();
                // The label is the canonical text the audit record keeps: computed once.
                session
                    .execute_labelled(&statement, label)
                    .map(|output| Step::Printed(Box::new(output), true))
            }
        }
    }

    fn release<F: Frontend>(&mut self, frontend: &mut F) -> Result<(), Error> {
        let session = frontend.session();
        self.pending.release(&*session, &mut self.stdout)
    }

    /// A statement before `-k`'s first: a session statement is run without printing its
    /// result, anything else only counted.
    fn replay<F: Frontend>(
        &mut self,
        frontend: &mut F,
        stmt: &ScriptStatement<'_>,
        replay: &mut habits::Replay,
    ) -> Result<(), Error> {
        if stmt.text.trim().is_empty() {
            return Ok(());
        }
        if habits::session_statement(stmt.text).is_some() {
            if let Ok(Prepared::Statement(statement)) = prepare(stmt) {
                if habits::replays(&statement) {
                    replay.replayed.push((stmt.index, statement.to_string()));
                    frontend.session().execute(&statement)?;
                    return Ok(());
                }
            }
        }
        replay.not_run += 1;
        Ok(())
    }

    fn report_failure(
        &mut self,
        stmt: &ScriptStatement<'_>,
        label: &str,
        error: &Error,
        lost: Option<&habits::LostProject>,
    ) {
        if self.options.format == Format::Json {
            let line = render::failure_json(stmt, label, error);
            let _ = self.stdout.write_all(line.as_bytes());
            let _ = self.stdout.flush();
        }
        let text = render::failure_text(
            stmt,
            error,
            self.options.locate_failures,
            self.options.color,
        );
        let _ = self.stderr.write_all(text.as_bytes());
        if let Some(lost) = lost.filter(|_| crate::exec::messages::is_no_project_selected(error)) {
            let _ = self.stderr.write_all(lost.explanation().as_bytes());
        }
        let _ = self.stderr.flush();
    }
}
