//! Scripted tests: sqllogictest (`.slt`) files run against a fresh sandbox, the format behind
//! `mcsec test`, the lessons under `scripts/lessons/` and `mcsec lesson`.
//!
//! Walk `scripts/lessons/07_protection.slt` through [`run_file`]: the file is read and parsed
//! by the `sqllogictest` crate into records (`statement ok`, `statement error`, `query TT`,
//! `connection`, `include`, `halt`, comments, ...), its `include`s expanded relative to the
//! file ([`load`]). The file gets its own in-memory catalog and engine, and the clock fixed at
//! [`db::DEFAULT_NOW`] until it says `set mcsec.now=...`; files its statements name resolve
//! next to it ([`files::DirFiles`]). Each record goes to the crate's runner, which asks the
//! record's connection ([`db::Connection`]: a session per `connection <principal>[@<ip>]`) to
//! run the SQL and compares what came back — an error's text against `statement error`, the
//! rows of typed columns ([`rows`]) against the results under `----`, after `rowsort` or
//! `valuesort` if asked. The first record that differs ends the file with a [`Failure`] at its
//! `file:line`; the [`FileReport`] says how many records ran. [`complete_file`] runs the same
//! records but writes what they did back into the file in place ([`complete`]).

pub mod complete;
pub mod db;
pub mod files;
pub mod lessons;
pub mod rows;

use crate::catalog::Catalog;
use crate::exec::{Engine, Files};
use db::{Column, Connection, Shared, StatementError};
use sqllogictest::{Record, RecordOutput, Runner};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// `include` nesting deeper than this is taken for a cycle.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Where a file stopped being what it says, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole (it cannot be read).
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        }
    }
}

/// How one file went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub file: String,
    /// Statement and query records run (skipped ones not counted).
    pub records: usize,
    pub failure: Option<Failure>,
}

/// The records of a file, includes expanded.
pub type Records = Vec<Record<Column>>;

/// Reads `path` as text, or says why not.
pub fn read_source(path: &Path) -> Result<String, Failure> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Failure {
        file: name.clone(),
        line: 0,
        message: format!("cannot read: {e}"),
    })?;
    String::from_utf8(bytes).map_err(|e| Failure {
        file: name,
        line: 0,
        message: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })
}

/// Parses `text` (named `name`), expanding `include <path>` relative to `dir` when there is
/// one; without a directory an `include` is an error.
pub fn load(text: &str, name: &str, dir: Option<&Path>) -> Result<Records, Failure> {
    load_at(text, name, dir, 0)
}

fn load_at(text: &str, name: &str, dir: Option<&Path>, depth: usize) -> Result<Records, Failure> {
    // The crate strips one carriage return from each line it reads, so a line ending in several
    // (SQL, an expected message, a result row) would lose one at every `--complete`; they are
    // blanks wherever they stand at a line's end, so they all go before the crate reads.
    let without_crs;
    let text = if text.contains('\r') {
        without_crs = text
            .split('\n')
            .map(|line| line.trim_end_matches('\r'))
            .collect::<Vec<_>>()
            .join("\n");
        without_crs.as_str()
    } else {
        text
    };
    let parsed = sqllogictest::parse_with_name::<Column>(text, name).map_err(|e| Failure {
        file: e.location().file().to_string(),
        line: e.location().line(),
        message: format!("malformed record: {}", e.kind()),
    })?;
    let mut records = Vec::with_capacity(parsed.len());
    for record in parsed {
        if let Record::Include { loc, filename } = &record {
            let at = |message: String| Failure {
                file: loc.file().to_string(),
                line: loc.line(),
                message,
            };
            let Some(dir) = dir else {
                return Err(at(format!(
                    "include {filename}: this script has no directory to include from"
                )));
            };
            if depth >= MAX_INCLUDE_DEPTH {
                return Err(at(format!(
                    "include {filename}: includes nest deeper than {MAX_INCLUDE_DEPTH} (a cycle?)"
                )));
            }
            let paths = include_paths(dir, filename).map_err(at)?;
            records.push(record.clone());
            for path in paths {
                let source = read_source(&path)
                    .map_err(|f| at(format!("include {filename}: {}", f.message)))?;
                let included_dir = path.parent().map(Path::to_path_buf);
                records.extend(load_at(
                    &source,
                    &path.display().to_string(),
                    included_dir.as_deref(),
                    depth + 1,
                )?);
            }
            continue;
        }
        // The crate reads a header followed by a blank line as a record with no SQL; it would
        // run as an empty statement, and `--complete` would write it back in a form the crate
        // then refuses. Refuse it here, where it is.
        // An expected error under `----` ends at two blank lines, so one made of blank lines
        // is no message at all: the crate prints it back with a blank line more or less than
        // it read, and `--complete` would change the file at every pass.
        let blank_message = match &record {
            Record::Statement {
                loc,
                expected: sqllogictest::StatementExpect::Error(e),
                ..
            }
            | Record::Query {
                loc,
                expected: sqllogictest::QueryExpect::Error(e),
                ..
            } => matches!(e, sqllogictest::ExpectedError::Multiline(m) if m.trim().is_empty())
                .then_some(loc),
            _ => None,
        };
        if let Some(loc) = blank_message {
            return Err(Failure {
                file: loc.file().to_string(),
                line: loc.line(),
                message: "malformed record: the expected error under ---- is empty (leave out ---- to accept any error)".into(),
            });
        }
        if let Record::Statement { loc, sql, .. } | Record::Query { loc, sql, .. } = &record {
            if sql.trim().is_empty() {
                return Err(Failure {
                    file: loc.file().to_string(),
                    line: loc.line(),
                    message: "malformed record: no SQL after the record's first line".into(),
                });
            }
        }
        records.push(record);
    }
    Ok(records)
}

/// The files an `include` names: a path relative to `dir`, whose last part may hold `*` and
/// `?` wildcards (matches sorted by name).
fn include_paths(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let full = dir.join(pattern);
    let leaf = full
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !leaf.contains(['*', '?']) {
        return if full.is_file() {
            Ok(vec![full])
        } else {
            Err(format!(
                "include {pattern}: no such file {}",
                full.display()
            ))
        };
    }
    let parent = full.parent().unwrap_or(dir);
    let entries = std::fs::read_dir(parent)
        .map_err(|e| format!("include {pattern}: cannot list {}: {e}", parent.display()))?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| wildcard(&leaf, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(format!("include {pattern}: no file matches"));
    }
    Ok(found)
}

/// `*` any run of characters, `?` one character.
fn wildcard(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ni;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// A fresh sandbox for one file: an in-memory catalog and the shared state of its connections.
pub fn sandbox(files: Arc<dyn Files>, name: &str) -> Arc<Mutex<Shared>> {
    let engine = Engine::new(Catalog::memory());
    Arc::new(Mutex::new(Shared::new(engine, files, name)))
}

/// The sqllogictest runner over a sandbox, set up the way every mcsec file runs.
pub type SltRunner =
    Runner<Connection, Box<dyn FnMut() -> std::future::Ready<Result<Connection, StatementError>>>>;

pub fn runner(shared: &Arc<Mutex<Shared>>) -> SltRunner {
    let shared = shared.clone();
    let make: Box<dyn FnMut() -> std::future::Ready<Result<Connection, StatementError>>> =
        Box::new(move || std::future::ready(Ok(Connection::new(shared.clone()))));
    let mut runner = Runner::new(make);
    runner.with_column_validator(db::columns_match);
    runner.add_label("mcsec");
    runner
}

/// Points the sandbox at `record` before the runner sees it: its connection and where its SQL
/// starts. Returns whether the record runs SQL.
pub fn aim(shared: &Arc<Mutex<Shared>>, record: &Record<Column>) -> bool {
    let (loc, connection) = match record {
        Record::Statement {
            loc, connection, ..
        }
        | Record::Query {
            loc, connection, ..
        }
        | Record::Let {
            loc, connection, ..
        } => (loc, connection),
        _ => return false,
    };
    let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
    shared.connection = match connection {
        sqllogictest::Connection::Default => "default".into(),
        sqllogictest::Connection::Named(name) => name.clone(),
    };
    shared.file = loc.file().to_string();
    shared.sql_line = loc.line() + 1;
    true
}

/// Records mcsec does not run: shell commands (a test file must not reach outside the
/// sandbox).
pub fn refused(record: &Record<Column>) -> Option<Failure> {
    match record {
        Record::System { loc, command, .. } => Some(Failure {
            file: loc.file().to_string(),
            line: loc.line(),
            message: format!(
                "system commands are not run by mcsec test (the sandbox reaches no shell): {}",
                command.lines().next().unwrap_or_default()
            ),
        }),
        _ => None,
    }
}

/// Runs `records` in a sandbox; stops at `halt` and at the first record that fails.
pub fn run_records(records: Records, files: Arc<dyn Files>, name: &str) -> FileReport {
    let shared = sandbox(files, name);
    let mut runner = runner(&shared);
    let mut ran = 0;
    for record in records {
        if matches!(record, Record::Halt { .. }) {
            break;
        }
        if let Some(failure) = refused(&record) {
            return FileReport {
                file: name.to_string(),
                records: ran,
                failure: Some(failure),
            };
        }
        let runs_sql = aim(&shared, &record);
        if let Err(error) = runner.run(record) {
            let loc = error.location();
            return FileReport {
                file: name.to_string(),
                records: ran,
                failure: Some(Failure {
                    file: loc.file().to_string(),
                    line: loc.line(),
                    message: error.kind().display(false).to_string(),
                }),
            };
        }
        if runs_sql {
            ran += 1;
        }
    }
    FileReport {
        file: name.to_string(),
        records: ran,
        failure: None,
    }
}

/// Runs one `.slt` file from disk, its files resolving next to it.
pub fn run_file(path: &Path) -> FileReport {
    let name = path.display().to_string();
    let failed = |failure: Failure| FileReport {
        file: name.clone(),
        records: 0,
        failure: Some(failure),
    };
    let text = match read_source(path) {
        Ok(text) => text,
        Err(failure) => return failed(failure),
    };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let records = match load(&text, &name, Some(&dir)) {
        Ok(records) => records,
        Err(failure) => return failed(failure),
    };
    run_records(records, Arc::new(files::DirFiles::new(dir)), &name)
}

/// Completing passes over a file at most this many times (see [`complete_text`]).
const MAX_COMPLETE_PASSES: usize = 4;

/// The completed text of `text` (see [`complete`]), each pass on a fresh sandbox from `files`.
/// A filled-in message takes lines, which moves every record after it; an expected syntax
/// error names its position in the file (`f.slt:54:22: ...`), so the text is completed again
/// until a pass changes nothing, and the file it writes passes. A second pass settles it: a
/// message keeps its number of lines when only its position changes.
pub fn complete_text(
    text: &str,
    name: &str,
    dir: Option<&Path>,
    files: &dyn Fn() -> Arc<dyn Files>,
) -> Result<String, Failure> {
    let mut current = text.to_string();
    for _ in 0..MAX_COMPLETE_PASSES {
        let records = load(&current, name, dir)?;
        let next = complete::complete(&current, name, records, files())?;
        if next == current {
            break;
        }
        current = next;
    }
    Ok(current)
}

/// Completes one file in place: see [`complete_text`]. `Ok(true)` when the file changed.
pub fn complete_file(path: &Path) -> Result<bool, Failure> {
    let name = path.display().to_string();
    let text = read_source(path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let completed = complete_text(&text, &name, Some(&dir), &|| {
        Arc::new(files::DirFiles::new(dir.clone()))
    })?;
    if completed == text {
        return Ok(false);
    }
    std::fs::write(path, completed.as_bytes()).map_err(|e| Failure {
        file: name,
        line: 0,
        message: format!("cannot write: {e}"),
    })?;
    Ok(true)
}

/// Runs a future whose every step is ready at once (the runner's, over a synchronous `DB`).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
        std::thread::yield_now();
    }
}

/// What running a record did, for the completer and the lesson walker.
pub fn apply(runner: &mut SltRunner, record: Record<Column>) -> RecordOutput<Column> {
    block_on(runner.apply_record(record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_whole_names() {
        assert!(wildcard("*.slt", "a.slt"));
        assert!(wildcard("0?_*.slt", "01_members.slt"));
        assert!(!wildcard("*.slt", "a.sql"));
        assert!(wildcard("*", ""));
        assert!(!wildcard("a", "ab"));
    }

    #[test]
    fn a_file_runs_on_its_own_sandbox() {
        let text = "statement ok\ncreate project prj1;\n\nquery T\nlist projects;\n----\nprj1\n";
        let records = load(text, "t.slt", None).unwrap();
        let report = run_records(records, Arc::new(files::MemoryFiles::default()), "t.slt");
        assert_eq!(report.failure, None);
        assert_eq!(report.records, 2);
    }
}
