//! `mcsec fmt` on random scripts with comments anywhere a blank may be: every comment of the
//! input is in the output, in the same order; the statements are the same; formatting the
//! output again changes nothing. And through the binary: `--check`, `--write`, every file
//! processed when one has errors, and the exit codes.

use proptest::prelude::*;
use std::process::Command;

const STATEMENTS: &[&str] = &[
    "grant select ON sale_detail TO ram$owner:bob",
    "revoke Describe, Select on table t1 from user RAM$owner:alice",
    "create role worker",
    "use prj1",
    "add user RAM$owner:amy",
    "set LabelSecurity=true",
    "setproject odps.security.ip.whitelist=10.0.0.0/8",
    "grant label 2 on table t(phone) to user RAM$owner:bob with exp 3",
    "show grants for RAM$owner:bob",
    "select name , phone from t",
    "put policy ';--/*.json'",
    "insert into t values ('a;b', 'c -- d'), ('/* e */', 'f')",
    "create table t2 (a string, b bigint)",
    "list users",
    "explain select * from t",
];

/// The comments of `src` in order, found without mcsec's lexer: outside quotes, `--` to the
/// end of the line (trailing blanks dropped) and `/* ... */`.
fn comments(src: &str) -> Vec<String> {
    let b = src.as_bytes();
    let (mut i, mut out) = (0, Vec::new());
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let end = src[i..].find('\n').map_or(src.len(), |n| i + n);
                out.push(src[i..end].trim_end().to_string());
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map_or(src.len(), |n| i + 4 + n);
                out.push(src[i..end].to_string());
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ;'\"]{0,12}".prop_map(|t| format!("--{t}\n")),
        "[a-z ;'\"\n]{0,12}".prop_map(|t| format!("/*{t}*/")),
    ]
}

/// A script: statements whose blanks may each become a comment, separated by blanks,
/// comments and blank lines.
fn script() -> impl Strategy<Value = String> {
    let piece = (
        prop::sample::select(STATEMENTS),
        prop::collection::vec(prop::option::of(comment()), 12),
        prop::collection::vec(prop_oneof![
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("\n\n\n".to_string()),
            comment(),
        ], 0..3),
    );
    prop::collection::vec(piece, 1..6).prop_map(|pieces| {
        let mut src = String::new();
        for (stmt, inserts, after) in pieces {
            let mut inserts = inserts.into_iter();
            // Only blanks outside quotes may take a comment.
            let mut quoted = false;
            for c in stmt.chars() {
                if c == '\'' {
                    quoted = !quoted;
                }
                if c == ' ' && !quoted {
                    if let Some(Some(comment)) = inserts.next() {
                        src.push(' ');
                        src.push_str(&comment);
                    }
                }
                src.push(c);
            }
            src.push(';');
            for a in after {
                src.push_str(&a);
            }
            src.push('\n');
        }
        src
    })
}

fn statements(src: &str) -> Vec<String> {
    mcsec::parser::parse_script(src, "t.sql")
        .map(|s| s.expect("parses").node.to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn comments_in_comments_out_same_order(src in script()) {
        let formatted = mcsec::fmt::format_source(&src, "t.sql").expect("formats");
        prop_assert_eq!(comments(&formatted), comments(&src), "{}", formatted);
        prop_assert_eq!(statements(&formatted), statements(&src));
        let again = mcsec::fmt::format_source(&formatted, "t.sql").expect("formats again");
        prop_assert_eq!(again, formatted);
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn fmt(dir: &std::path::Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("fmt")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run mcsec fmt");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("utf-8"),
        stderr: String::from_utf8(output.stderr).expect("utf-8"),
    }
}

const MESSY: &str = "-- grants\ngrant select ON t1 TO ram$owner:bob; -- bob reads\n\n\nuse prj1;\n";
const CANONICAL: &str = "-- grants\ngrant Select on table t1 to user RAM$owner:bob; -- bob reads\n\nuse prj1;\n";

#[test]
fn check_prints_a_diff_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.sql"), MESSY).unwrap();
    std::fs::write(dir.path().join("b.sql"), CANONICAL).unwrap();
    let run = fmt(dir.path(), &["--check", "a.sql", "b.sql"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stderr, "");
    assert_eq!(
        run.stdout,
        "--- a.sql\n+++ a.sql (formatted)\n@@ -1,5 +1,4 @@\n -- grants\n-grant select ON t1 TO ram$owner:bob; -- bob reads\n-\n+grant Select on table t1 to user RAM$owner:bob; -- bob reads\n \n use prj1;\n"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("a.sql")).unwrap(), MESSY);
    let run = fmt(dir.path(), &["--check", "b.sql"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), ""));
}

#[test]
fn write_rewrites_in_place_and_every_file_is_processed_despite_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.sql"), "use p;\nlist usrs;\n").unwrap();
    std::fs::write(dir.path().join("a.sql"), MESSY).unwrap();
    let run = fmt(dir.path(), &["--write", "bad.sql", "missing.sql", "a.sql"]);
    assert_eq!(run.code, Some(2), "an unreadable file is the worst outcome");
    assert_eq!(run.stdout, "");
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert!(lines[0].starts_with("FAILED: bad.sql:2:6: expected one of "), "{}", run.stderr);
    assert!(lines[1].starts_with("error: cannot read missing.sql: "), "{}", run.stderr);
    assert_eq!(lines.len(), 2);
    assert_eq!(std::fs::read_to_string(dir.path().join("a.sql")).unwrap(), CANONICAL);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bad.sql")).unwrap(),
        "use p;\nlist usrs;\n"
    );
    let run = fmt(dir.path(), &["bad.sql", "a.sql"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), CANONICAL));
}

#[test]
fn check_and_write_together_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = fmt(dir.path(), &["--check", "--write", "a.sql"]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.starts_with("error: the argument '--check' cannot be used with '--write'"), "{}", run.stderr);
    let run = fmt(dir.path(), &[]);
    assert_eq!(run.code, Some(2));
}

/// Every `.sql` file the project ships is in canonical form.
#[test]
fn every_shipped_script_is_canonical() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("tests"), root.join("scripts"), root.join("fuzz/regressions")];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                files.push(path.to_string_lossy().into_owned());
            }
        }
    }
    files.sort();
    assert!(!files.is_empty());
    let mut args = vec!["--check"];
    args.extend(files.iter().map(String::as_str));
    let run = fmt(root, &args);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
}
