//! The console runner on its own, with no front end: a session over an in-memory catalog,
//! stdout and stderr captured in buffers. Statements split across lines, client commands,
//! failures with their position, `--keep-going`, `-k`, JSON records, confirmations and group
//! commit, each through `Console::run`.

use mcsec::ast::Statement;
use mcsec::catalog::Catalog;
use mcsec::console::{Commit, Console, Format, Frontend, Input, Options, Outcome};
use mcsec::exec::{Session, SessionOptions};
use std::cell::RefCell;
use std::io::Write;
use std::ops::DerefMut;
use std::rc::Rc;

fn session() -> Session {
    Session::new(Catalog::memory(), SessionOptions::default())
}

/// The batch runner's choices, as text.
fn batch() -> Options {
    Options {
        format: Format::Text,
        commit: Commit::Group(2000),
        start_at: None,
        keep_going: false,
        locate_failures: true,
        color: false,
    }
}

struct Run {
    outcome: Outcome,
    stdout: String,
    stderr: String,
}

fn run_on(frontend: &mut impl Frontend, options: Options, text: &str) -> Run {
    let mut console = Console::new(options, Vec::new(), Vec::new());
    let outcome = console.run(
        frontend,
        &Input {
            text,
            file: "s.sql",
        },
    );
    let (stdout, stderr) = console.into_writers();
    Run {
        outcome,
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

fn run(options: Options, text: &str) -> Run {
    run_on(&mut session(), options, text)
}

const SETUP: &str = "create project prj;\nuse prj;\n";

#[test]
fn statements_split_across_lines_run_in_order() {
    let r = run(
        batch(),
        "create project prj; use\n  prj;\nadd user\n  RAM$alice; -- a comment; not a statement\nlist users;",
    );
    assert_eq!(r.stdout, "OK\nOK\nOK\nRAM$owner:alice\n");
    assert_eq!(r.stderr, "");
    assert_eq!(
        r.outcome,
        Outcome {
            exit_code: 0,
            quit: false
        }
    );
}

#[test]
fn a_failure_is_reported_with_its_position_and_ends_the_run() {
    let mut session = session();
    let r = run_on(
        &mut session,
        batch(),
        &format!("{SETUP}add user RAM$alice;\n  list usrs;\nadd user RAM$bob;\n"),
    );
    assert_eq!(r.stdout, "OK\nOK\nOK\n");
    assert_eq!(
        r.stderr,
        "FAILED: s.sql:4:8: expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found 'usrs'; did you mean 'users'?\n  in statement 4 at s.sql:4:3\n"
    );
    assert_eq!(r.outcome.exit_code, 1);
    // Statements before the failure stay applied, the one after it never ran.
    let after = run_on(&mut session, batch(), "list users;");
    assert_eq!(after.stdout, "RAM$owner:alice\n");
}

#[test]
fn keep_going_runs_the_rest_and_reports_every_failure() {
    let r = run(
        Options {
            keep_going: true,
            ..batch()
        },
        &format!("{SETUP}drop role nosuch;\nadd user RAM$alice;\nbogus;\nlist users;\n"),
    );
    assert_eq!(r.stdout, "OK\nOK\nOK\nRAM$owner:alice\n");
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 5, "{}", r.stderr);
    assert_eq!(
        lines[0],
        "FAILED: ODPS-0420095: Access Denied - Principal nosuch does not exist in project prj."
    );
    assert_eq!(lines[1], "  in statement 3 at s.sql:3:1 ('nosuch' at s.sql:3:11)");
    assert!(lines[2].starts_with("FAILED: s.sql:5:1: expected one of "));
    assert_eq!(lines[3], "  in statement 5 at s.sql:5:1");
    assert_eq!(lines[4], "6 statements, 2 failed");
    assert_eq!(r.outcome.exit_code, 1);
}

#[test]
fn json_mode_prints_one_record_per_statement_failures_included() {
    let script = format!("{SETUP}add user RAM$alice;\nlist usrs;\nhelp;\nlist users;");
    let options = Options {
        format: Format::Json,
        keep_going: true,
        ..batch()
    };
    let r = run(options, &script);
    let records: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(records.len(), 7);
    assert_eq!(
        records[6],
        serde_json::json!({"type": "summary", "statements": 6, "failed": 1})
    );
    assert_eq!(records[2]["statement"], "add user RAM$alice");
    assert_eq!(records[2]["ok"], true);
    assert_eq!(records[2]["text"], "OK\n");
    assert_eq!(
        (&records[2]["line"], &records[2]["index"]),
        (&3.into(), &3.into())
    );
    // A syntax error's record points at the offending token and keeps the text as typed.
    assert_eq!(records[3]["statement"], "list usrs");
    assert_eq!(records[3]["ok"], false);
    assert_eq!(
        (&records[3]["line"], &records[3]["col"]),
        (&4.into(), &6.into())
    );
    assert!(records[3]["error"]
        .as_str()
        .unwrap()
        .starts_with("s.sql:4:6: expected one of USERS"));
    assert!(records[4]["text"]
        .as_str()
        .unwrap()
        .starts_with("Statements (type \"help <keyword>;\" for an explanation, an example and the syntax):\n"));
    assert_eq!(records[5]["result"]["type"], "names");
    assert_eq!(records[5]["result"]["names"][0], "RAM$owner:alice");
    assert_eq!(records[3]["kind"], "syntax");
    assert_eq!(records[3]["position"]["col"], 6);
    // Each success's `text` is exactly what the text mode prints.
    let text = run(
        Options {
            keep_going: true,
            ..batch()
        },
        &script,
    );
    let joined: String = records
        .iter()
        .filter_map(|record| record["text"].as_str())
        .collect();
    assert_eq!(joined, text.stdout);
    // The FAILED line still goes to stderr.
    assert!(
        r.stderr
            .starts_with("FAILED: s.sql:4:6: expected one of USERS"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .ends_with("  in statement 4 at s.sql:4:1\n6 statements, 1 failed\n"));
}

#[test]
fn client_commands_are_answered_by_the_console() {
    let r = run(batch(), "help grant;\nHELP nosuch;");
    assert!(r.stdout.contains("role_grants = \"grant\""), "{}", r.stdout);
    assert_eq!(
        r.stderr,
        "FAILED: no statement starts with 'nosuch'; type \"help;\" for the list\n  in statement 2 at s.sql:2:1\n"
    );

    // quit ends the input: what follows never runs, and the outcome says so.
    let r = run(batch(), "create project prj; q; create project prj2;");
    assert_eq!(r.stdout, "OK\n");
    assert_eq!(
        r.outcome,
        Outcome {
            exit_code: 0,
            quit: true
        }
    );

    // A bare session remembers nothing.
    let r = run(batch(), "history;");
    assert_eq!(
        r.stderr,
        "FAILED: history is available in the interactive shell only\n  in statement 1 at s.sql:1:1\n"
    );
}

#[test]
fn start_at_skips_statements_without_parsing_them_and_past_the_end_is_exit_2() {
    let options = Options {
        start_at: Some(3),
        ..batch()
    };
    let r = run(options.clone(), "not a statement;;create project prj;");
    assert_eq!((r.stdout.as_str(), r.outcome.exit_code), ("OK\n", 0));

    let r = run(
        Options {
            start_at: Some(4),
            ..options
        },
        "a;;b;",
    );
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "[Error] invalid NUM for option k, total query count include empty query: 3\n"
    );
    assert_eq!(r.outcome.exit_code, 2);
}

#[test]
fn shell_style_failures_are_one_line_and_stop_the_input() {
    let options = Options {
        commit: Commit::EveryStatement,
        locate_failures: false,
        color: true,
        ..batch()
    };
    let r = run(options, "create project prj; use nosuch; use prj;");
    assert_eq!(r.stdout, "OK\n");
    assert_eq!(
        r.stderr,
        "\x1b[31mFAILED:\x1b[0m ODPS-0420111: Project not found - 'nosuch'.\n"
    );
}

/// A writer the front end can look into while the console runs.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).expect("utf-8")
    }
}

/// A front end that refuses every `drop`, remembers two lines of history, and notes what stdout
/// held each time it was asked.
struct Asking {
    session: Session,
    stdout: Shared,
    seen: Vec<String>,
}

impl Frontend for Asking {
    type Executor = Session;

    fn session(&mut self) -> impl DerefMut<Target = Session> + '_ {
        &mut self.session
    }

    fn confirm(&mut self, text: &str, _statement: &Statement) -> bool {
        self.seen.push(self.stdout.text());
        !text.starts_with("drop")
    }

    fn history(&self) -> Option<Vec<String>> {
        Some(vec!["create project prj;".into(), "drop\nrole r1;".into()])
    }
}

fn asking(commit: Commit, text: &str) -> (Asking, Outcome, String, String) {
    let stdout = Shared::default();
    let stderr = Shared::default();
    let mut frontend = Asking {
        session: session(),
        stdout: stdout.clone(),
        seen: Vec::new(),
    };
    let options = Options { commit, ..batch() };
    let outcome = Console::new(options, stdout.clone(), stderr.clone()).run(
        &mut frontend,
        &Input {
            text,
            file: "s.sql",
        },
    );
    (frontend, outcome, stdout.text(), stderr.text())
}

const FOUR: &str = "create project prj; use prj; create role r1; drop role r1; list roles;";

#[test]
fn group_commit_holds_results_back_until_the_group_is_full() {
    let (frontend, outcome, stdout, stderr) = asking(Commit::Group(2), FOUR);
    // Results are printed two statements at a time; the refused drop is not one of them, so
    // the role is still listed.
    assert_eq!(
        frontend.seen,
        vec!["", "", "OK\nOK\n", "OK\nOK\n", "OK\nOK\n"]
    );
    assert_eq!(stdout, "OK\nOK\nOK\nadmin\nr1\nsuper_administrator\n");
    assert_eq!(stderr, "Cancelled.\n");
    assert_eq!(outcome.exit_code, 0);
}

#[test]
fn every_statement_commit_prints_each_result_before_the_next_statement() {
    let (frontend, _, stdout, _) = asking(Commit::EveryStatement, FOUR);
    assert_eq!(
        frontend.seen,
        vec!["", "OK\n", "OK\nOK\n", "OK\nOK\nOK\n", "OK\nOK\nOK\n"]
    );
    assert_eq!(stdout, "OK\nOK\nOK\nadmin\nr1\nsuper_administrator\n");
}

#[test]
fn history_comes_from_the_front_end() {
    let (_, _, stdout, stderr) = asking(Commit::EveryStatement, "history;");
    assert_eq!(
        stdout,
        "    1  create project prj;\n    2  drop\n       role r1;\n"
    );
    assert_eq!(stderr, "");
}
