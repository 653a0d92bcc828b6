//! The batch runner: `-e "<stmts>"`, `-f <file>` and a script piped on stdin, run statement by
//! statement as odpscmd runs them, by the [`console`].
//!
//! Walk `mcsec --project prj -f setup.sql -k 2` through it: the command line has read the script
//! and opened the session; [`run`] first enters `prj` (a project the user may not enter is
//! `FAILED: Accessing project 'prj' failed: <reason>` and exit 1, before any statement), then
//! hands the script, named `setup.sql` in positions (`<cmdline>` for `-e`, `<stdin>` for a piped
//! script), to a console set up the batch way: group commit (one flush per
//! [`GROUP_COMMIT_STATEMENTS`] statements, at a failure and at the end, results printed only
//! after it), each `FAILED:` line followed by the statement's number and position so that `-k`
//! can resume there, `-k` and `--keep-going` as given, no colour, no questions and no history.
//! The console's exit code is the process's. Everything printed is durable by then; one last
//! flush covers what opening the catalog wrote, and the store is deliberately left without its
//! shutdown (see [`run`]).

use crate::console::stream::ScriptFile;
use crate::console::{self, Commit, Console, Format, Frontend, Input};
use crate::exec::Session;
use std::io::Write;

pub use crate::console::GROUP_COMMIT_STATEMENTS;

/// The file name positions use for `-e` input (the contract's spelling).
pub const CMDLINE_FILE: &str = "<cmdline>";
/// The file name positions use for a script piped on stdin.
pub const STDIN_FILE: &str = "<stdin>";

/// A batch run's statements: a text held whole (`-e`, stdin), or a file read in pieces (`-f`,
/// so that a script of any length runs in bounded memory).
pub enum Script<'a> {
    Text(Input<'a>),
    File {
        script: &'a mut ScriptFile,
        file: &'a str,
    },
}

impl Script<'_> {
    fn run_on<F: Frontend, O: Write, E: Write>(
        &mut self,
        console: &mut Console<O, E>,
        frontend: &mut F,
    ) -> console::Outcome {
        match self {
            Script::Text(input) => console.run(frontend, input),
            Script::File { script, file } => console.run_file(frontend, script, file),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BatchOptions {
    pub format: Format,
    /// `--project`: entered before the first statement.
    pub project: Option<String>,
    /// `-k`: the 1-based number of the first statement to run.
    pub start_at: Option<usize>,
    /// `--keep-going`: run every statement even after a failure.
    pub keep_going: bool,
    /// `-a`/`--echo`: print each statement before its result.
    pub echo: bool,
}

impl BatchOptions {
    /// How the console runs a script.
    pub fn console_options(&self) -> console::Options {
        console::Options {
            format: self.format,
            commit: Commit::Group(GROUP_COMMIT_STATEMENTS),
            start_at: self.start_at,
            keep_going: self.keep_going,
            locate_failures: true,
            color: false,
        }
    }
}

/// Runs a script and ends the session; returns the exit code (0 all ran, 1 a statement failed
/// or the project could not be entered, 2 bad `-k`). The last thing a process does: the store
/// is not shut down.
pub fn run(
    mut session: Session,
    script: &mut Script<'_>,
    options: &BatchOptions,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if !enter_project(options, |p| session.use_project(p), stderr) {
        return 1;
    }
    let mut console =
        Console::new(options.console_options(), &mut *stdout, &mut *stderr).with_echo(options.echo);
    let code = script.run_on(&mut console, &mut session).exit_code;
    drop(console);
    leave_without_store_shutdown(session, code, stderr)
}

/// Enters `--project`, if given, before the first statement; a project that cannot be entered
/// is reported on `stderr` and answers false.
fn enter_project(
    options: &BatchOptions,
    use_project: impl FnOnce(&str) -> crate::error::Result<()>,
    stderr: &mut dyn Write,
) -> bool {
    let Some(project) = &options.project else {
        return true;
    };
    match use_project(project) {
        Ok(()) => true,
        Err(e) => {
            let line = console::failed_line(console::access_failure(project, &e), false);
            let _ = stderr.write_all(line.as_bytes());
            false
        }
    }
}

/// Runs a script on a remote session (`mcsec --server`): the same console, the same output.
pub fn run_remote(
    mut remote: crate::remote::RemoteSession,
    script: &mut Script<'_>,
    options: &BatchOptions,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    if !enter_project(options, |p| remote.use_project(p), stderr) {
        return 1;
    }
    let mut console =
        Console::new(options.console_options(), &mut *stdout, &mut *stderr).with_echo(options.echo);
    script.run_on(&mut console, &mut remote).exit_code
}

/// Ends a batch run. Everything the console reported is already durable (it flushes before
/// printing); one more flush covers what opening the catalog itself wrote, and settles the store
/// (a long journal is folded into the pages, so the next open replays little). The store's own
/// shutdown — joining its flusher thread and flushing again — would then only add time (over
/// 10 ms on a 100k-grant catalog, more than the rest of a `mcsec -e "whoami;"`), and the process
/// exits right after a batch run, so the session is deliberately not dropped.
fn leave_without_store_shutdown(session: Session, code: i32, stderr: &mut dyn Write) -> i32 {
    match session.settle() {
        Ok(()) => {
            std::mem::forget(session);
            code
        }
        // A run that failed has reported its failure; when that was the catalog's, this flush
        // fails the same way and would only say it again.
        Err(_) if code != 0 => code,
        Err(e) => {
            let _ = stderr.write_all(console::failed_line(&e, false).as_bytes());
            1
        }
    }
}
