//! `mcsec test` through the binary: the lessons pass (this is how CI runs them), every lesson
//! survives a `--complete` round trip byte for byte, the corpus of failing and malformed files
//! under `tests/slt/` fails with exact messages at exact positions, `--format json` reports the
//! same, and the project's own `.slt` tests (`tests/slt/pass/`) pass.

#[path = "common/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `mcsec <args>` from the package root: (exit code, stdout, stderr).
fn mcsec(args: &[&str]) -> (Option<i32>, String, String) {
    let run = cli::mcsec(root(), args);
    (run.code, run.stdout, run.stderr)
}

fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scripts/lessons"))
        .expect("scripts/lessons")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_lesson_passes() {
    let (code, stdout, stderr) = mcsec(&["test", "scripts/lessons"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let files = lesson_files();
    assert!(files.len() >= 10, "{files:?}");
    assert_eq!(lines.len(), files.len() + 1, "{stdout}");
    for (line, file) in lines.iter().zip(&files) {
        let name = format!(
            "scripts/lessons/{}",
            file.file_name().unwrap().to_string_lossy()
        );
        assert!(
            line.starts_with(&format!("PASS {name} (")) && line.ends_with(" records)"),
            "{line}"
        );
    }
    assert_eq!(
        lines.last().copied(),
        Some(format!("{} passed, 0 failed", files.len()).as_str())
    );
    assert_eq!(stderr, "");
}

#[test]
fn the_shipped_lessons_are_the_files_in_scripts_lessons() {
    let embedded: Vec<&str> = mcsec::slt::lessons::LESSONS
        .iter()
        .map(|l| l.name)
        .collect();
    let on_disk: Vec<String> = lesson_files()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(embedded, on_disk);
    for lesson in mcsec::slt::lessons::LESSONS {
        let on_disk =
            std::fs::read_to_string(root().join(format!("scripts/lessons/{}.slt", lesson.name)))
                .unwrap();
        assert_eq!(lesson.text, on_disk, "{}", lesson.name);
    }
    let mut side: Vec<String> = std::fs::read_dir(root().join("scripts/lessons/files"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| format!("files/{}", e.file_name().to_string_lossy()))
        .collect();
    side.sort();
    let embedded: Vec<&str> = mcsec::slt::lessons::FILES.iter().map(|(n, _)| *n).collect();
    assert_eq!(embedded, side);
}

/// A lesson with its expected blocks deleted: the rows under each `query`'s `----` (and the
/// `----`), and the message under each multi-line `statement error`/`query error`.
fn strip_expected(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end_matches('\n');
        let is_query = line.starts_with("query ") && !line.starts_with("query error");
        let is_error = line == "statement error" || line == "query error";
        if !(is_query || is_error) {
            out.push_str(lines[i]);
            i += 1;
            continue;
        }
        // Header and SQL up to `----` or a blank line.
        out.push_str(lines[i]);
        i += 1;
        while i < lines.len() {
            let l = lines[i].trim_end_matches('\n');
            if l.is_empty() {
                break;
            }
            if l == "----" {
                i += 1;
                // Skip the expected block; a multi-line error ends with two blank lines.
                while i < lines.len() && !lines[i].trim_end_matches('\n').is_empty() {
                    i += 1;
                }
                if is_error && i < lines.len() {
                    i += 1;
                }
                break;
            }
            out.push_str(lines[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn completing_lessons_without_their_expected_blocks_gives_them_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("lessons");
    std::fs::create_dir_all(copy.join("files")).unwrap();
    for entry in std::fs::read_dir(root().join("scripts/lessons/files")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.join("files").join(entry.file_name())).unwrap();
    }
    let mut originals = Vec::new();
    for file in lesson_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let stripped = strip_expected(&text);
        assert_ne!(stripped, text, "{}: nothing to strip", file.display());
        assert!(!stripped.contains("\n----\n"), "{}", file.display());
        let target = copy.join(file.file_name().unwrap());
        std::fs::write(&target, stripped).unwrap();
        originals.push((target, text));
    }
    let copy_arg = copy.display().to_string();
    let (code, stdout, _) = mcsec(&["test", "--complete", &copy_arg]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout
            .lines()
            .all(|l| l.starts_with("UPDATED ") || l.ends_with(" failed")),
        "{stdout}"
    );
    for (target, original) in &originals {
        let completed = std::fs::read_to_string(target).unwrap();
        assert!(
            completed == *original,
            "{}: completed text differs from the lesson",
            target.display()
        );
    }
    // Completing a complete file changes nothing.
    let (code, stdout, _) = mcsec(&["test", "--complete", &copy_arg]);
    assert_eq!(code, Some(0));
    assert!(
        stdout
            .lines()
            .all(|l| l.starts_with("UNCHANGED ") || l.ends_with(" failed")),
        "{stdout}"
    );
}

/// Each failing file, and exactly what `mcsec test` says about it.
const FAILING: &[(&str, &str)] = &[
    (
        "tests/slt/failing/wrong_rows.slt",
        "FAIL tests/slt/failing/wrong_rows.slt:5: query result mismatch:\n[SQL] list projects;\n[Diff] (-expected|+actual)\n-   prj2\n+   prj1\n",
    ),
    (
        "tests/slt/failing/unexpected_success.slt",
        "FAIL tests/slt/failing/unexpected_success.slt:5: statement is expected to fail, but actually succeed:\n[SQL] use prj1;\n",
    ),
    (
        "tests/slt/failing/unexpected_error.slt",
        "FAIL tests/slt/failing/unexpected_error.slt:5: statement failed: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj1.\n[SQL] use prj1;\n",
    ),
    (
        "tests/slt/failing/wrong_message.slt",
        "FAIL tests/slt/failing/wrong_message.slt:5: statement is expected to fail with error:\n\t(multiline) ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege.\nbut got error:\n\tODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj1.\n[SQL] use prj1;\n",
    ),
    (
        "tests/slt/failing/regex_mismatch.slt",
        "FAIL tests/slt/failing/regex_mismatch.slt:1: statement is expected to fail with error:\n\t(regex) \\[4011\\]\nbut got error:\n\tODPS-0420111: Project not found - 'nope'.\n[SQL] use nope;\n",
    ),
    (
        "tests/slt/failing/wrong_types.slt",
        "FAIL tests/slt/failing/wrong_types.slt:4: query columns mismatch:\n[SQL] list projects;\n[Expected] [I]\n[Actual  ] [T]\n",
    ),
    (
        "tests/slt/failing/syntax_error.slt",
        "FAIL tests/slt/failing/syntax_error.slt:4: statement failed: tests/slt/failing/syntax_error.slt:7:3: expected one of '.', '(', PARTITION, TO, found 'too'; did you mean 'to'?\n[SQL] use prj1;\ngrant Select on table t1\n  too user RAM$alice;\n",
    ),
    (
        "tests/slt/failing/bad_connection.slt",
        "FAIL tests/slt/failing/bad_connection.slt:2: statement failed: connection alice@10.0.0.1: 'alice' is not a principal (expected ALIYUN$<account>, RAM$<account>:<user> or RAM$<user>)\n[SQL] list projects;\n",
    ),
    (
        "tests/slt/failing/system.slt",
        "FAIL tests/slt/failing/system.slt:1: system commands are not run by mcsec test (the sandbox reaches no shell): touch /tmp/should-not-exist\n",
    ),
    (
        "tests/slt/failing/missing_include.slt",
        "FAIL tests/slt/failing/missing_include.slt:1: include setup_that_is_not_there.slt: no such file tests/slt/failing/setup_that_is_not_there.slt\n",
    ),
    (
        "tests/slt/failing/included_failure.slt",
        "FAIL tests/slt/failing/included_failure.slt: in tests/slt/failing/parts/broken_part.slt:1: query result mismatch:\n[SQL] list projects;\n[Diff] (-expected|+actual)\n-   ghost\n",
    ),
    (
        "tests/slt/malformed/bad_type.slt",
        "FAIL tests/slt/malformed/bad_type.slt:4: malformed record: invalid type character: 'X' in type string\n",
    ),
    (
        "tests/slt/malformed/unknown_record.slt",
        "FAIL tests/slt/malformed/unknown_record.slt:4: malformed record: invalid line: \"expect ok\"\n",
    ),
    (
        "tests/slt/malformed/statement_with_results.slt",
        "FAIL tests/slt/malformed/statement_with_results.slt:1: malformed record: statement should have no result, use `query` instead\n",
    ),
    (
        "tests/slt/malformed/bad_regex.slt",
        "FAIL tests/slt/malformed/bad_regex.slt:1: malformed record: invalid error message: \"[unclosed\"\n",
    ),
    (
        "tests/slt/malformed/eof_after_header.slt",
        "FAIL tests/slt/malformed/eof_after_header.slt:5: malformed record: unexpected EOF\n",
    ),
    (
        "tests/slt/malformed/bad_control.slt",
        "FAIL tests/slt/malformed/bad_control.slt:1: malformed record: invalid sort mode: \"sideways\"\n",
    ),
    (
        "tests/slt/malformed/not_utf8.slt",
        "FAIL tests/slt/malformed/not_utf8.slt: not UTF-8 text (invalid byte at offset 28)\n",
    ),
    (
        "tests/slt/no_such_file.slt",
        "FAIL tests/slt/no_such_file.slt: no such file or directory\n",
    ),
];

#[test]
fn failing_and_malformed_files_fail_with_exact_messages_and_positions() {
    let mut corpus: Vec<String> = Vec::new();
    for dir in ["tests/slt/failing", "tests/slt/malformed"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "slt") {
                corpus.push(format!(
                    "{dir}/{}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    corpus.sort();
    let mut listed: Vec<String> = FAILING
        .iter()
        .map(|(f, _)| f.to_string())
        .filter(|f| !f.contains("no_such_file"))
        .collect();
    listed.sort();
    assert_eq!(corpus, listed, "every corpus file has its expected report");
    for (file, expected) in FAILING {
        let (code, stdout, stderr) = mcsec(&["test", file]);
        assert_eq!(code, Some(1), "{file}: {stdout}{stderr}");
        assert_eq!(stdout, format!("{expected}0 passed, 1 failed\n"), "{file}");
    }
    assert!(!Path::new("/tmp/should-not-exist").exists());
}

#[test]
fn a_run_counts_passes_and_failures_and_json_reports_each_file() {
    let (code, stdout, _) = mcsec(&[
        "test",
        "scripts/lessons/01_members.slt",
        "tests/slt/failing/wrong_rows.slt",
    ]);
    assert_eq!(code, Some(1));
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");

    let (code, stdout, _) = mcsec(&[
        "test",
        "--format",
        "json",
        "scripts/lessons/01_members.slt",
        "tests/slt/failing/wrong_types.slt",
    ]);
    assert_eq!(code, Some(1));
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0]["file"], "scripts/lessons/01_members.slt");
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["failure"], serde_json::Value::Null);
    assert!(lines[0]["records"].as_u64().unwrap() > 5);
    assert_eq!(
        lines[1],
        serde_json::json!({
            "file": "tests/slt/failing/wrong_types.slt",
            "ok": false,
            "records": 1,
            "failure": {
                "file": "tests/slt/failing/wrong_types.slt",
                "line": 4,
                "message": "query columns mismatch:\n[SQL] list projects;\n[Expected] [I]\n[Actual  ] [T]"
            }
        })
    );
    assert_eq!(lines[2], serde_json::json!({ "passed": 1, "failed": 1 }));

    // A directory without tests is a failure, not a pass.
    let (code, stdout, _) = mcsec(&["test", "tests/slt/pass/parts"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stdout,
        "FAIL tests/slt/pass/parts: no .slt files in this directory\n0 passed, 1 failed\n"
    );

    // --complete reports in JSON too, and a malformed file is not rewritten.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.slt");
    let text = std::fs::read_to_string(root().join("tests/slt/malformed/bad_type.slt")).unwrap();
    std::fs::write(&bad, &text).unwrap();
    let good = dir.path().join("good.slt");
    std::fs::write(
        &good,
        "statement ok\ncreate project prj1;\n\nquery T\nlist projects;\n",
    )
    .unwrap();
    let (code, stdout, _) = mcsec(&[
        "test",
        "--complete",
        "--format",
        "json",
        &good.display().to_string(),
        &bad.display().to_string(),
    ]);
    assert_eq!(code, Some(1));
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["updated"], true);
    assert_eq!(lines[1]["ok"], false);
    assert_eq!(lines[1]["failure"]["line"], 4);
    assert_eq!(lines[2], serde_json::json!({ "passed": 1, "failed": 1 }));
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), text);
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        "statement ok\ncreate project prj1;\n\nquery T\nlist projects;\n----\nprj1\n"
    );
}

#[test]
fn the_projects_own_slt_tests_pass() {
    let (code, stdout, stderr) = mcsec(&["test", "tests/slt/pass"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.ends_with(" passed, 0 failed\n"), "{stdout}");
}

#[test]
fn the_readme_example_passes_as_printed() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("A complete example (`grants.slt`):\n\n```\n")
        .expect("README example");
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    let example = &body[..body.find("```\n").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("grants.slt"), example).unwrap();
    let output = cli::mcsec(dir.path(), &["test", "grants.slt"]);
    let stdout = output.stdout;
    let shown = body[body.find("$ mcsec test grants.slt\n").unwrap() + 24..]
        .split("```")
        .next()
        .unwrap();
    assert_eq!(stdout, shown);
    assert_eq!(output.code, Some(0));
}

#[test]
fn a_completed_syntax_error_below_a_filled_in_message_names_its_new_line() {
    // The message filled in for the second record takes four lines, which moves the third
    // record's SQL from line 8 to line 11; the syntax error written under it says 11, and the
    // completed file passes.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("moved.slt");
    std::fs::write(
        &file,
        "statement ok\ncreate project prj1;\n\nstatement ok\ncreate project prj1;\n\nstatement ok\ngrant Select on table t1 to/ user RAM$alice;\n",
    )
    .unwrap();
    let arg = file.display().to_string();
    let (code, stdout, _) = mcsec(&["test", "--complete", &arg]);
    assert_eq!(
        (code, stdout),
        (Some(0), format!("UPDATED {arg}\n1 passed, 0 failed\n"))
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("statement ok\ncreate project prj1;\n\nstatement error\ncreate project prj1;\n----\nODPS-0420095: Access Denied - Project prj1 already exists.\n\n\nstatement error\ngrant Select on table t1 to/ user RAM$alice;\n----\n{arg}:11:28: expected one of TENANT, USER, ROLE, GROUP, <principal>, found '/'\n")
    );
    let (code, stdout, _) = mcsec(&["test", &arg]);
    assert_eq!(
        (code, stdout),
        (
            Some(0),
            format!("PASS {arg} (3 records)\n1 passed, 0 failed\n")
        )
    );
}

/// `mcsec test` and `mcsec test --complete` of a file holding `text` both fail at `line` with
/// `message`, and the file is left as it was.
fn refused_alike_and_untouched(text: &str, line: usize, message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("refused.slt");
    std::fs::write(&file, text).unwrap();
    let arg = file.display().to_string();
    for args in [vec!["test", &arg], vec!["test", "--complete", &arg]] {
        let (code, stdout, _) = mcsec(&args);
        assert_eq!(
            (code, stdout),
            (
                Some(1),
                format!("FAIL {arg}:{line}: {message}\n0 passed, 1 failed\n")
            )
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn a_record_without_sql_is_refused_where_it_is_and_left_untouched_by_complete() {
    refused_alike_and_untouched(
        "statement ok\ncreate project prj1;\n\nstatement error\n\n",
        4,
        "malformed record: no SQL after the record's first line",
    );
}

#[test]
fn an_empty_expected_error_block_is_refused_where_it_is() {
    refused_alike_and_untouched(
        "statement ok\nwhoami;\n\nstatement error\ncreate project prj1;\n----\n\n\n\n",
        4,
        "malformed record: the expected error under ---- is empty (leave out ---- to accept any error)",
    );
}
