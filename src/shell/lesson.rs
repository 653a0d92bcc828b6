//! `mcsec lesson [<name>]`: the course that ships with mcsec, walked through in the shell.
//!
//! Walk `mcsec lesson 03` through [`run`]: the lesson (`03_acl`, embedded from
//! `scripts/lessons/`) is parsed into its records and cut into steps ([`steps`]): each
//! `statement`/`query` record with the comment lines before it, which teach. The learner's
//! progress (`$HOME/.mcsec/lessons.json`, per learner principal) says 4 steps are done, so those
//! run first, silently, on a fresh sandbox — the lesson's state is rebuilt, not stored. Step 5
//! prints its comment and the prompt `[5/12 RAM$alice]> `. The learner types a statement (over
//! several lines if it likes, up to the `;`), or presses Enter to run the lesson's own, which is
//! echoed first. Either runs as the step's connection, and what it printed is shown as the shell
//! shows it. The outcome is checked against the lesson's record by the sqllogictest runner — the
//! same check `mcsec test` makes — so a `statement error` step wants that refusal and a `query`
//! step wants those rows. When it differs, the learner sees what the lesson expected and, as a
//! hint, the `explain` of their statement; the step stays open (a wrong statement that succeeded
//! stays applied, as it would on the service). A passed step is saved at once; `quit;` or Ctrl-D
//! leaves, and the next `mcsec lesson 03` resumes there (`--restart` starts over).

use crate::console;
use crate::exec::StatementResult;
use crate::slt::db::{run_statements, Column, Shared};
use crate::slt::lessons::{self, Lesson};
use crate::slt::{self, Records};
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;
use sqllogictest::Record;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Clone)]
pub struct LessonOptions {
    pub name: Option<String>,
    pub restart: bool,
    /// Whose progress is read and kept.
    pub learner: String,
    /// Where progress is kept; `None`: nowhere (no home directory).
    pub progress: Option<PathBuf>,
}

/// `$HOME/.mcsec/lessons.json`.
pub fn progress_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".mcsec").join("lessons.json"))
}

/// Steps done, per learner, per lesson.
type Progress = BTreeMap<String, BTreeMap<String, usize>>;

fn load_progress(path: Option<&PathBuf>) -> Progress {
    path.and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn save_progress(path: Option<&PathBuf>, progress: &Progress) {
    let Some(path) = path else { return };
    let text = serde_json::to_string_pretty(progress).unwrap_or_default();
    let saved = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, text + "\n"));
    if let Err(e) = saved {
        let _ = writeln!(
            std::io::stderr(),
            "warning: cannot save lesson progress to {}: {e}",
            path.display()
        );
    }
}

/// One step: the teaching comment before a record, and the record.
pub struct Step {
    pub teaching: Vec<String>,
    pub record: Record<Column>,
}

/// Cuts a lesson's records into steps; comments after the last record are the closing words.
pub fn steps(records: Records) -> (Vec<Step>, Vec<String>) {
    let mut out = Vec::new();
    let mut teaching: Vec<String> = Vec::new();
    for record in records {
        match record {
            Record::Comment(lines) => teaching.extend(
                lines
                    .into_iter()
                    .map(|l| l.strip_prefix(' ').map(str::to_string).unwrap_or(l)),
            ),
            Record::Newline if teaching.last().is_some_and(|l| !l.is_empty()) => {
                teaching.push(String::new());
            }
            record @ (Record::Statement { .. } | Record::Query { .. }) => {
                while teaching.last().is_some_and(String::is_empty) {
                    teaching.pop();
                }
                out.push(Step {
                    teaching: std::mem::take(&mut teaching),
                    record,
                });
            }
            _ => {}
        }
    }
    while teaching.last().is_some_and(String::is_empty) {
        teaching.pop();
    }
    (out, teaching)
}

fn find(name: &str) -> Option<&'static Lesson> {
    // `3` and `03` both name `03_acl`.
    let numbered = name.parse::<u32>().ok().map(|n| format!("{n:02}_"));
    lessons::LESSONS
        .iter()
        .find(|l| l.name == name)
        .or_else(|| {
            numbered.and_then(|prefix| {
                lessons::LESSONS
                    .iter()
                    .find(|l| l.name.starts_with(&prefix))
            })
        })
        .or_else(|| {
            let matching: Vec<&Lesson> = lessons::LESSONS
                .iter()
                .filter(|l| l.name.starts_with(name))
                .collect();
            (matching.len() == 1).then(|| matching[0])
        })
}

fn step_count(lesson: &Lesson) -> usize {
    slt::load(lesson.text, lesson.name, None)
        .map(|records| steps(records).0.len())
        .unwrap_or(0)
}

/// `mcsec lesson`: every lesson, its title and the learner's progress.
fn list(options: &LessonOptions, out: &mut dyn Write) -> i32 {
    let progress = load_progress(options.progress.as_ref());
    let mine = progress.get(&options.learner);
    let _ = writeln!(
        out,
        "Lessons (mcsec lesson <name>; progress of {}):",
        options.learner
    );
    for lesson in lessons::LESSONS {
        let total = step_count(lesson);
        let done = mine.and_then(|m| m.get(lesson.name)).copied().unwrap_or(0);
        let status = match done {
            0 => "not started".to_string(),
            d if d >= total => "done".to_string(),
            d => format!("{d}/{total} steps"),
        };
        let _ = writeln!(
            out,
            "  {:<24} {:<62} [{status}]",
            lesson.name,
            lesson.title()
        );
    }
    0
}

fn connection_of(record: &Record<Column>) -> String {
    match record {
        Record::Statement { connection, .. } | Record::Query { connection, .. } => match connection
        {
            sqllogictest::Connection::Default => "default".into(),
            sqllogictest::Connection::Named(name) => name.clone(),
        },
        _ => "default".into(),
    }
}

fn sql_of(record: &Record<Column>) -> &str {
    match record {
        Record::Statement { sql, .. } | Record::Query { sql, .. } => sql,
        _ => "",
    }
}

fn with_sql(record: &Record<Column>, text: &str) -> Record<Column> {
    let mut record = record.clone();
    if let Record::Statement { sql, .. } | Record::Query { sql, .. } = &mut record {
        *sql = text.to_string();
    }
    record
}

/// The first statement of `sql`, parsed.
fn first_statement(sql: &str) -> Option<crate::ast::Statement> {
    let input = console::Input {
        text: sql,
        file: "<lesson>",
    };
    let first = console::statement::statements(&input).find(|s| !s.text.trim().is_empty())?;
    match console::prepare(&first) {
        Ok(console::Prepared::Statement(statement)) => Some(statement),
        _ => None,
    }
}

/// When the learner's statement is another kind than the lesson's (a `select` where the step
/// puts a policy), the words the lesson's statement starts with: a success of the wrong
/// statement must not pass a step that only asks for success.
fn other_kind(lesson_sql: &str, typed: &str) -> Option<String> {
    let lesson = first_statement(lesson_sql)?;
    let typed = first_statement(typed)?;
    if std::mem::discriminant(&lesson) == std::mem::discriminant(&typed) {
        return None;
    }
    let words: Vec<String> = lesson
        .to_string()
        .split_whitespace()
        .take(2)
        .map(str::to_string)
        .collect();
    Some(words.join(" "))
}

/// What the learner typed for one step.
enum Answer {
    /// Enter on an empty line: run the lesson's own statement.
    Lesson,
    Typed(String),
    Leave,
}

fn read_answer(editor: &mut DefaultEditor, prompt: &str) -> Answer {
    let mut buffer = String::new();
    loop {
        let shown = if buffer.is_empty() {
            prompt.to_string()
        } else {
            "-> ".to_string()
        };
        match editor.readline(&shown) {
            Ok(line) => {
                if buffer.is_empty() && line.trim().is_empty() {
                    return Answer::Lesson;
                }
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(&line);
                if crate::lexer::is_complete(&buffer) {
                    let _ = editor.add_history_entry(buffer.trim());
                    let word = buffer
                        .trim()
                        .trim_end_matches(';')
                        .trim()
                        .to_ascii_lowercase();
                    if matches!(word.as_str(), "quit" | "q" | "exit") {
                        return Answer::Leave;
                    }
                    return Answer::Typed(buffer);
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(_) => return Answer::Leave,
        }
    }
}

/// What the last statement printed, as the shell prints it.
fn show(out: &mut dyn Write, outcome: &Result<Option<StatementResult>, String>) {
    match outcome {
        Ok(Some(result)) => {
            let _ = writeln!(out, "{}", result.text());
        }
        Ok(None) => {
            let _ = writeln!(out, "OK");
        }
        Err(message) => {
            let _ = out.write_all(console::failed_line(message, false).as_bytes());
        }
    }
}

/// Runs `sql` as the step's connection and returns what it printed; the record's check is made
/// by the caller.
fn run_as(
    shared: &Arc<Mutex<Shared>>,
    connection: &str,
    sql: &str,
) -> Result<Option<StatementResult>, String> {
    let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let session = shared.session(connection).map_err(|e| e.0)?;
    run_statements(session, sql, "<lesson>", 1).map_err(|e| e.0)
}

/// After an attempt the step did not expect: `explain` of it, to show what it asks for, and
/// the way on.
fn hint(out: &mut dyn Write, shared: &Arc<Mutex<Shared>>, connection: &str, sql: &str) {
    let hint = format!("explain {}", sql.trim());
    let _ = writeln!(out, "Hint: {hint}");
    show(out, &run_as(shared, connection, &hint));
    let _ = writeln!(
        out,
        "Try again, or press Enter to run the lesson's statement."
    );
}

/// Walks one lesson; returns the exit code.
fn walk(lesson: &'static Lesson, options: &LessonOptions) -> i32 {
    let mut out = std::io::stdout();
    let records = match slt::load(lesson.text, lesson.name, None) {
        Ok(records) => records,
        Err(failure) => {
            let _ = std::io::stderr().write_all(console::failed_line(&failure, false).as_bytes());
            return 1;
        }
    };
    let (steps, closing) = steps(records);
    let mut progress = load_progress(options.progress.as_ref());
    let done = if options.restart {
        0
    } else {
        progress
            .get(&options.learner)
            .and_then(|m| m.get(lesson.name))
            .copied()
            .unwrap_or(0)
            .min(steps.len())
    };
    let shared = slt::sandbox(Arc::new(lesson.files()), lesson.name);
    let mut runner = slt::runner(&shared);
    // Replay what is done: the lesson's own statements rebuild its state.
    for step in &steps[..done] {
        slt::aim(&shared, &step.record);
        if let Err(e) = runner.run(step.record.clone()) {
            let _ = writeln!(out, "cannot replay the lesson: {}", e.kind().display(false));
            return 1;
        }
    }
    let _ = writeln!(out, "Lesson {} — {}", lesson.name, lesson.title());
    let _ = writeln!(
        out,
        "Type each statement, or press Enter to run the lesson's own. quit; leaves (progress is kept)."
    );
    if done > 0 {
        let _ = writeln!(out, "Resuming after step {done} of {}.", steps.len());
    }
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(e) => {
            let line = console::failed_line(format!("cannot start the line editor: {e}"), false);
            let _ = std::io::stderr().write_all(line.as_bytes());
            return 1;
        }
    };
    let total = steps.len();
    for (index, step) in steps.iter().enumerate().skip(done) {
        let _ = writeln!(out);
        for line in &step.teaching {
            let _ = writeln!(out, "{line}");
        }
        let connection = connection_of(&step.record);
        let who = match connection.as_str() {
            "default" => crate::slt::db::DEFAULT_PRINCIPAL.to_string(),
            other => other.to_string(),
        };
        let prompt = format!("[{}/{total} {who}]> ", index + 1);
        loop {
            let (sql, from_lesson) = match read_answer(&mut editor, &prompt) {
                Answer::Leave => {
                    let _ = writeln!(out, "Left at step {} of {total}; progress kept.", index + 1);
                    return 0;
                }
                Answer::Lesson => (sql_of(&step.record).to_string(), true),
                Answer::Typed(text) => (text, false),
            };
            if from_lesson {
                let _ = writeln!(out, "> {}", sql.trim());
            } else if let Some(wanted) = other_kind(sql_of(&step.record), &sql) {
                let _ = writeln!(out, "✗ Not what the lesson expected: this step wants a statement starting with `{wanted}`.");
                hint(&mut out, &shared, &connection, &sql);
                continue;
            }
            let attempt = with_sql(&step.record, &sql);
            slt::aim(&shared, &attempt);
            let checked = runner.run(attempt);
            let printed = shared
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .last
                .take();
            if let Some(printed) = &printed {
                show(&mut out, printed);
            }
            match checked {
                Ok(_) => {
                    let _ = writeln!(out, "✓ step {} of {total}", index + 1);
                    progress
                        .entry(options.learner.clone())
                        .or_default()
                        .insert(lesson.name.to_string(), index + 1);
                    save_progress(options.progress.as_ref(), &progress);
                    break;
                }
                Err(error) => {
                    let _ = writeln!(out, "✗ Not what the lesson expected:");
                    let _ = writeln!(out, "{}", error.kind().display(false));
                    hint(&mut out, &shared, &connection, &sql);
                }
            }
        }
    }
    let _ = writeln!(out);
    for line in &closing {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "Lesson {} complete.", lesson.name);
    0
}

pub fn run(options: &LessonOptions) -> i32 {
    match &options.name {
        None => list(options, &mut std::io::stdout()),
        Some(name) => match find(name) {
            Some(lesson) => walk(lesson, options),
            None => {
                let line = console::failed_line(
                    format!("no lesson '{name}'; mcsec lesson lists them"),
                    false,
                );
                let _ = std::io::stderr().write_all(line.as_bytes());
                1
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_before_a_record_teach_it() {
        let text = "# Lesson title\n#\n# Step one.\nstatement ok\ncreate project prj1;\n\n# Step two.\nquery T\nlist projects;\n----\nprj1\n\n# The end.\n";
        let records = slt::load(text, "t.slt", None).unwrap();
        let (steps, closing) = steps(records);
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[0].teaching, vec!["Lesson title", "", "Step one."]);
        assert_eq!(steps[1].teaching, vec!["Step two."]);
        assert_eq!(closing, vec!["The end."]);
    }

    #[test]
    fn every_shipped_lesson_has_steps_and_a_title() {
        assert!(lessons::LESSONS.len() >= 10);
        for lesson in lessons::LESSONS {
            assert!(step_count(lesson) > 3, "{}", lesson.name);
            assert!(!lesson.title().is_empty(), "{}", lesson.name);
        }
        assert_eq!(find("01").map(|l| l.name), Some(lessons::LESSONS[0].name));
        assert_eq!(find("1").map(|l| l.name), Some(lessons::LESSONS[0].name));
        assert_eq!(find("10").map(|l| l.name), Some("10_explain"));
        assert_eq!(find("03_acl").map(|l| l.name), Some("03_acl"));
        assert!(find("nope").is_none());
    }
}
