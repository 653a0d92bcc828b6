//! `mcsec -f` reads a regular file in 1 MB blocks as it runs (`src/console/stream.rs`) and a
//! pipe whole. Through the real binary: statements past the first block are numbered and
//! positioned as in the whole file, `-k` lands in a later block, an invalid byte far into a
//! file is refused before anything runs, and a named pipe still works.

#[path = "common/cli.rs"]
mod cli;

use cli::mcsec;
use std::fmt::Write as _;

/// `lines` `add user` statements (about 60 bytes each) after `create project prj; use prj;`, so a
/// few tens of thousands cross several read blocks.
fn long_script(lines: usize) -> String {
    let mut s = String::from("create project prj;\nuse prj;\n");
    for i in 0..lines {
        writeln!(
            s,
            "add user RAM$owner:user{i:06} comment 'a comment of some length';"
        )
        .unwrap();
    }
    s
}

#[test]
fn a_failure_past_the_first_block_is_positioned_in_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut script = long_script(40_000);
    assert!(script.len() > 2 << 20, "{} bytes", script.len());
    script.push_str("list usrs;\n");
    std::fs::write(dir.path().join("s.sql"), &script).unwrap();
    let run = mcsec(dir.path(), &["--catalog", "cat", "-f", "s.sql"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stdout.lines().filter(|l| *l == "OK").count(), 40_002);
    let located = run
        .stderr
        .lines()
        .find(|l| l.starts_with("  in statement"))
        .unwrap();
    assert_eq!(located, "  in statement 40003 at s.sql:40003:1");
}

#[test]
fn k_resumes_in_a_later_block() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.sql"), long_script(40_000)).unwrap();
    // As if statement 1 had run in an earlier, interrupted run.
    let setup = mcsec(
        dir.path(),
        &["--catalog", "cat", "-e", "create project prj;"],
    );
    assert_eq!(setup.code, Some(0), "{}", setup.stderr);
    let run = mcsec(
        dir.path(),
        &["--catalog", "cat", "-f", "s.sql", "-k", "39000"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Statements 39000..=40002 ran: the 1,003 users from user038997 on.
    assert_eq!(run.stdout.lines().filter(|l| *l == "OK").count(), 1_003);
    let list = mcsec(
        dir.path(),
        &["--catalog", "cat", "--project", "prj", "-e", "list users;"],
    );
    let users: Vec<&str> = list
        .stdout
        .lines()
        .filter(|l| l.starts_with("RAM$"))
        .collect();
    assert_eq!(users.len(), 1_003);
    assert_eq!(users.first(), Some(&"RAM$owner:user038997"));
    let past = mcsec(
        dir.path(),
        &["--catalog", "cat2", "-f", "s.sql", "-k", "40003"],
    );
    assert_eq!(past.code, Some(2), "{}", past.stderr);
}

#[test]
fn an_invalid_byte_far_into_a_file_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = long_script(30_000).into_bytes();
    let offset = bytes.len();
    bytes.extend_from_slice(b"add user RAM$owner:\xFFbad;\n");
    std::fs::write(dir.path().join("s.sql"), &bytes).unwrap();
    let run = mcsec(dir.path(), &["--catalog", "cat", "-f", "s.sql"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "FAILED: s.sql:30003:20: invalid UTF-8 at byte offset {}\n",
            offset + 19
        )
    );
    assert!(
        !dir.path().join("cat").exists(),
        "the catalog was not even opened"
    );
}

#[test]
fn a_named_pipe_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.sql");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            std::fs::write(fifo, "create project prj;\nuse prj;\nwhoami;\n").unwrap();
        })
    };
    let run = mcsec(
        dir.path(),
        &["--catalog", ":memory:", "-f", "pipe.sql", "-k", "2"],
    );
    writer.join().unwrap();
    // `-k 2` counted the pipe's statements without reading it twice.
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("FAILED: ODPS-0420111: Project not found - 'prj'."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("in statement 2 at pipe.sql:2:1"),
        "{}",
        run.stderr
    );
}
