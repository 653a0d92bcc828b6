//! `--keep-going` and the JSON records' `text` field, driven through the real `mcsec` binary:
//! every statement runs after failures (syntax errors included), each failure is reported as
//! without the flag, the exit code is 1 when any statement failed; and `text` is exactly what the
//! text mode prints for the statement.

#[path = "common/cli.rs"]
mod cli;

use cli::{in_memory, mcsec, Run};
use std::path::Path;

/// `mcsec --catalog :memory: --keep-going <args>`.
fn keep_going(dir: &Path, args: &[&str]) -> Run {
    in_memory(dir, &[&["--keep-going"], args].concat())
}

fn records(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

/// Two failures (a semantic one, a syntax error) between statements that succeed.
const SCRIPT: &str = "create project prj;\nuse prj;\ndrop role nosuch;\nadd user RAM$alice;\nlist usrs;\n  add user RAM$bob;\nlist users;\n";

const FAILURES: &str = "FAILED: ODPS-0420095: Access Denied - Principal nosuch does not exist in project prj.\n  in statement 3 at s.sql:3:1 ('nosuch' at s.sql:3:11)\n\
FAILED: s.sql:5:6: expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found 'usrs'; did you mean 'users'?\n  in statement 5 at s.sql:5:1\n\
7 statements, 2 failed\n";

fn script_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("s.sql"), SCRIPT).expect("write script");
    dir
}

#[test]
fn keep_going_runs_every_statement_and_reports_each_failure() {
    let dir = script_dir();
    let r = keep_going(dir.path(), &["-f", "s.sql"]);
    assert_eq!(r.stdout, "OK\nOK\nOK\nOK\nRAM$owner:alice\nRAM$owner:bob\n");
    assert_eq!(r.stderr, FAILURES);
    assert_eq!(r.code, Some(1));
}

#[test]
fn without_keep_going_the_first_failure_stops_the_run() {
    let dir = script_dir();
    let r = in_memory(dir.path(), &["-f", "s.sql"]);
    assert_eq!(r.stdout, "OK\nOK\n");
    assert_eq!(
        r.stderr,
        "FAILED: ODPS-0420095: Access Denied - Principal nosuch does not exist in project prj.\n  in statement 3 at s.sql:3:1 ('nosuch' at s.sql:3:11)\n"
    );
    assert_eq!(r.code, Some(1));
}

#[test]
fn keep_going_exits_zero_when_nothing_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = keep_going(dir.path(), &["-e", "create project prj; use prj;"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("OK\nOK\n", "2 statements, 0 failed\n", Some(0))
    );
}

#[test]
fn keep_going_with_json_prints_a_record_for_every_statement() {
    let dir = script_dir();
    let r = keep_going(dir.path(), &["--format=json", "-f", "s.sql"]);
    assert_eq!(r.code, Some(1));
    assert_eq!(r.stderr, FAILURES);
    let mut records = records(&r.stdout);
    // The last line sums the run up.
    assert_eq!(
        records.pop(),
        Some(serde_json::json!({"type": "summary", "statements": 7, "failed": 2}))
    );
    let summary: Vec<(u64, bool)> = records
        .iter()
        .map(|rec| {
            (
                rec["index"].as_u64().expect("index"),
                rec["ok"].as_bool().expect("ok"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, true),
            (2, true),
            (3, false),
            (4, true),
            (5, false),
            (6, true),
            (7, true)
        ]
    );
    // The syntax error's record points at the offending token; the statement after it starts
    // where it was written.
    assert_eq!(
        (records[4]["line"].as_u64(), records[4]["col"].as_u64()),
        (Some(5), Some(6))
    );
    assert_eq!(
        (records[5]["line"].as_u64(), records[5]["col"].as_u64()),
        (Some(6), Some(3))
    );
    assert_eq!(records[6]["text"], "RAM$owner:alice\nRAM$owner:bob\n");
}

#[test]
fn keep_going_composes_with_start_at() {
    let dir = script_dir();
    let r = keep_going(dir.path(), &["-f", "s.sql", "-k", "3"]);
    // `use prj` is replayed and fails (the project was never created): every statement
    // needing a project fails too, and says why no project is current.
    assert_eq!(r.stdout, "");
    let lost = "  no project is current: statement 2 (use prj) failed\n";
    assert_eq!(
        r.stderr,
        format!("-k 3: replayed statement 2 (use prj); 1 statement before it not run\n\
FAILED: ODPS-0420111: Project not found - 'prj'.\n  in statement 2 at s.sql:2:1 ('prj' at s.sql:2:5)\n\
FAILED: no project selected: run 'use <project>;' first\n  in statement 3 at s.sql:3:1\n{lost}\
FAILED: no project selected: run 'use <project>;' first\n  in statement 4 at s.sql:4:1\n{lost}\
FAILED: s.sql:5:6: expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found 'usrs'; did you mean 'users'?\n  in statement 5 at s.sql:5:1\n\
FAILED: no project selected: run 'use <project>;' first\n  in statement 6 at s.sql:6:3\n{lost}\
FAILED: no project selected: run 'use <project>;' first\n  in statement 7 at s.sql:7:1\n{lost}\
6 statements, 6 failed\n")
    );
    assert_eq!(r.code, Some(1));
}

#[test]
fn statements_after_a_failure_are_durable() {
    let dir = script_dir();
    let catalog = dir.path().join("catalog");
    let catalog = catalog.to_str().expect("utf-8 path");
    let r = mcsec(
        dir.path(),
        &["--catalog", catalog, "--keep-going", "-f", "s.sql"],
    );
    assert_eq!(r.code, Some(1));
    let r = mcsec(
        dir.path(),
        &["--catalog", catalog, "--project=prj", "-e", "list users;"],
    );
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("RAM$owner:alice\nRAM$owner:bob\n", "", Some(0))
    );
}

#[test]
fn an_unterminated_quote_ends_the_script_even_when_keeping_going() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = keep_going(
        dir.path(),
        &["-e", "create project prj; add user 'RAM$x; whoami;"],
    );
    // The lexer cannot tell where the quoted text was meant to end: the rest is one statement.
    assert_eq!(r.stdout, "OK\n");
    assert_eq!(
        r.stderr,
        "FAILED: <cmdline>:1:30: expected \"'\" closing the string, found end of input\n  in statement 2 at <cmdline>:1:21\n2 statements, 1 failed\n"
    );
    assert_eq!(r.code, Some(1));
}

#[test]
fn json_text_is_exactly_what_text_mode_prints() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = "create project prj; use prj; add user RAM$alice; create role worker; \
                  grant worker to RAM$alice; whoami; list users; describe role worker;";
    let text = in_memory(dir.path(), &["-e", script]);
    let json = in_memory(dir.path(), &["--format", "json", "-e", script]);
    assert_eq!((text.code, json.code), (Some(0), Some(0)));
    let records = records(&json.stdout);
    assert_eq!(records.len(), 8);
    let joined: String = records
        .iter()
        .map(|rec| rec["text"].as_str().expect("text on a success"))
        .collect();
    assert_eq!(joined, text.stdout);
    assert_eq!(records[0]["text"], "OK\n");
    assert_eq!(
        records[5]["text"],
        "Name: ALIYUN$owner\nSource IP: 127.0.0.1\nProject: prj\n"
    );
    // The structured result is still there beside it.
    assert_eq!(records[5]["result"]["DisplayName"], "ALIYUN$owner");
}

#[test]
fn failed_records_have_no_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let r = in_memory(dir.path(), &["--format", "json", "-e", "use nosuch;"]);
    assert_eq!(r.code, Some(1));
    let records = records(&r.stdout);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["ok"], false);
    assert!(records[0].get("text").is_none(), "{}", records[0]);
    assert_eq!(
        records[0]["error"],
        "ODPS-0420111: Project not found - 'nosuch'."
    );
}
