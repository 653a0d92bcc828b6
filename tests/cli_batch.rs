//! The batch runner and the command line, driven through the real `mcsec` binary: `-e`, `-f`,
//! `-k`, piped stdin, `--format json`, exit codes, `--config`, a locked catalog.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `mcsec` with a clean environment: `HOME` = `home`, none of the MCSEC_* variables.
fn mcsec_in(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcsec"));
    cmd.args(args)
        .env("HOME", home)
        .env_remove("MCSEC_CATALOG")
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_NOW")
        .env_remove("NO_COLOR")
        .current_dir(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn mcsec");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("wait mcsec");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

fn mcsec(home: &Path, args: &[&str]) -> Run {
    mcsec_in(home, args, "", &[])
}

/// `mcsec --catalog :memory: <args>`.
fn in_memory(home: &Path, args: &[&str]) -> Run {
    in_memory_with(home, args, "", &[])
}

fn in_memory_with(home: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Run {
    let mut all = vec!["--catalog", ":memory:"];
    all.extend_from_slice(args);
    mcsec_in(home, &all, stdin, env)
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn execute_runs_several_statements_in_order() {
    let h = home();
    let r = in_memory(
        h.path(),
        &[
            "-e",
            "create project prj; use prj; add user RAM$owner:alice; list users;",
        ],
    );
    assert_eq!(r.stderr, "");
    assert_eq!(r.stdout, "OK\nOK\nOK\nRAM$owner:alice\n");
    assert_eq!(r.code, 0);
}

#[test]
fn file_stops_at_the_first_failure_and_names_it() {
    let h = home();
    let catalog = h.path().join("cat");
    let catalog = catalog.to_str().unwrap();
    let script = h.path().join("setup.sql");
    std::fs::write(
        &script,
        "create project prj;\nuse prj;\n-- twice:\nadd user RAM$owner:alice;\n  add user RAM$owner:alice;\nadd user RAM$owner:bob;\n",
    )
    .unwrap();
    let r = mcsec(
        h.path(),
        &["--catalog", catalog, "-f", script.to_str().unwrap()],
    );
    assert_eq!(r.stdout, "OK\nOK\nOK\n");
    assert_eq!(
        r.stderr,
        format!(
            "FAILED: ODPS-0420095: Access Denied - User RAM$owner:alice already exists in project prj.\n  in statement 4 at {}:5:3\n",
            script.display()
        )
    );
    assert_eq!(r.code, 1);

    // Statements before the failure are durable, the one after it never ran.
    let r = mcsec(
        h.path(),
        &[
            "--catalog",
            catalog,
            "--project",
            "prj",
            "-e",
            "list users;",
        ],
    );
    assert_eq!(r.stdout, "RAM$owner:alice\n");
    assert_eq!(r.code, 0);
}

#[test]
fn syntax_error_names_cmdline_position() {
    let h = home();
    let r = in_memory(
        h.path(),
        &["-e", "create project prj;\n  list usrs;\nlist projects;"],
    );
    assert_eq!(r.stdout, "OK\n");
    let first = r.stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("FAILED: <cmdline>:2:8: expected "),
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.lines().nth(1),
        Some("  in statement 2 at <cmdline>:2:3")
    );
    assert_eq!(r.stderr.lines().count(), 2);
    assert_eq!(r.code, 1);
}

#[test]
fn k_resumes_without_parsing_earlier_statements() {
    let h = home();
    let script = h.path().join("s.sql");
    std::fs::write(
        &script,
        "this is not a statement;\n;\ncreate project prj;\nlist projects;\n",
    )
    .unwrap();
    let path = script.to_str().unwrap();
    let r = in_memory(h.path(), &["-f", path, "-k", "3"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        (
            "OK\nprj\n",
            "-k 3: replayed no session statement; 1 statement before it not run\n",
            0
        )
    );

    let r = in_memory(h.path(), &["-f", path, "-k=5"]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        (
            "",
            "[Error] invalid NUM for option k, total query count include empty query: 4\n",
            2
        )
    );

    // Without -k the first statement stops the run.
    let r = in_memory(h.path(), &["-f", path]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with(&format!("FAILED: {path}:1:1: ")),
        "{}",
        r.stderr
    );
}

#[test]
fn piped_stdin_is_a_script() {
    let h = home();
    let r = in_memory_with(h.path(), &[], "create project prj;\nlist projects;\n", &[]);
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("OK\nprj\n", "", 0)
    );

    let r = in_memory_with(
        h.path(),
        &[],
        "create project prj;\ncreate project prj;\n",
        &[],
    );
    assert_eq!(r.stdout, "OK\n");
    assert!(
        r.stderr.ends_with("\n  in statement 2 at <stdin>:2:1\n"),
        "{}",
        r.stderr
    );
    assert_eq!(r.code, 1);
}

#[test]
fn json_format_prints_one_object_per_statement_failures_included() {
    let h = home();
    let r = in_memory(
        h.path(),
        &[
            "--format=json",
            "-e",
            "create project prj;\nuse prj; list users;\nuse nosuch;\nlist users;",
        ],
    );
    assert_eq!(r.code, 1);
    let records: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(records.len(), 4, "{}", r.stdout);
    assert_eq!(records[0]["statement"], "create project prj");
    assert_eq!(records[0]["ok"], true);
    assert_eq!(
        (
            records[0]["file"].as_str(),
            records[0]["line"].as_u64(),
            records[0]["col"].as_u64()
        ),
        (Some("<cmdline>"), Some(1), Some(1))
    );
    assert_eq!(records[2]["statement"], "list users");
    assert_eq!(records[2]["ok"], true);
    assert_eq!(records[2]["col"], 10);
    assert_eq!(records[2]["index"], 3);
    assert!(
        records[2]["result"].is_array() || records[2]["result"].is_object(),
        "{}",
        records[2]
    );
    let failed = &records[3];
    assert_eq!(failed["ok"], false);
    assert_eq!(failed["statement"], "use nosuch");
    assert_eq!(failed["line"], 3);
    assert!(failed.get("result").is_none());
    let error = failed["error"].as_str().expect("error text");
    assert_eq!(
        r.stderr,
        format!("FAILED: {error}\n  in statement 4 at <cmdline>:3:1 ('nosuch' at <cmdline>:3:5)\n")
    );
}

#[test]
fn json_syntax_error_points_at_the_token() {
    let h = home();
    let r = in_memory(h.path(), &["--format", "json", "-e", "list usrs;"]);
    assert_eq!(r.code, 1);
    let record: serde_json::Value = serde_json::from_str(r.stdout.trim_end()).expect("json");
    assert_eq!(record["ok"], false);
    assert_eq!(record["statement"], "list usrs");
    assert_eq!(
        (record["line"].as_u64(), record["col"].as_u64()),
        (Some(1), Some(6))
    );
}

#[test]
fn help_runs_in_batch_too() {
    let h = home();
    let r = in_memory(h.path(), &["-e", "help; h grant;"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("Statements (type \"help <keyword>;\" for an explanation, an example and the syntax):\n"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains("Shell: help [<keyword>]; history; quit; (also q; exit;)\n"));
    let r = in_memory(h.path(), &["-e", "help frobnicate;"]);
    assert_eq!(r.stderr, "FAILED: no statement starts with 'frobnicate'; type \"help;\" for the list\n  in statement 1 at <cmdline>:1:1\n");
    assert_eq!(r.code, 1);
}

#[test]
fn quit_ends_a_script_successfully() {
    let h = home();
    let r = in_memory(
        h.path(),
        &["-e", "create project prj; quit; this is never parsed;"],
    );
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("OK\n", "", 0)
    );
}

#[test]
fn bad_command_lines_exit_2() {
    let h = home();
    for args in [
        &["--bogus"][..],
        &["--format", "xml", "-e", "whoami;"],
        &["--color=sometimes", "-e", "whoami;"],
        &["-e", "whoami;", "-f", "x.sql"],
        &["-f", "/nonexistent/script.sql"],
        &["--source-ip", "999.1.1.1", "-e", "whoami;"],
        &["--config", "/nonexistent/odps_config.ini", "-e", "whoami;"],
    ] {
        let r = mcsec(h.path(), args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
    }
    let r = in_memory_with(
        h.path(),
        &["-e", "whoami;"],
        "",
        &[("MCSEC_NOW", "tomorrow")],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("MCSEC_NOW='tomorrow' is not an RFC 3339 time"),
        "{}",
        r.stderr
    );
    // Nothing was created for a command line that never ran.
    assert!(!h.path().join(".mcsec").exists());
}

#[test]
fn help_and_version_exit_0() {
    let h = home();
    let r = mcsec(h.path(), &["--version"]);
    assert_eq!(
        (r.stdout.as_str(), r.code),
        (concat!("mcsec ", env!("CARGO_PKG_VERSION"), "\n"), 0)
    );
    let r = mcsec(h.path(), &["-h"]);
    assert_eq!(r.code, 0);
    for flag in [
        "--catalog",
        "--user",
        "--project",
        "--source-ip",
        "--format",
        "--color",
        "--config",
        "-e",
        "-f",
        "-k",
    ] {
        assert!(
            r.stdout.contains(flag),
            "{flag} missing from help:\n{}",
            r.stdout
        );
    }
}

#[test]
fn default_catalog_lives_under_home_and_is_durable() {
    let h = home();
    let r = mcsec(h.path(), &["-e", "create project prj;"]);
    assert_eq!((r.stdout.as_str(), r.code), ("OK\n", 0), "{}", r.stderr);
    assert!(h.path().join(".mcsec/catalog").is_dir());
    let r = mcsec(h.path(), &["-e", "list projects;"]);
    assert_eq!(r.stdout, "prj\n");
    // $MCSEC_CATALOG moves it.
    let elsewhere = h.path().join("elsewhere");
    let r = mcsec_in(
        h.path(),
        &["-e", "list projects;"],
        "",
        &[("MCSEC_CATALOG", elsewhere.to_str().unwrap())],
    );
    assert_eq!((r.stdout.as_str(), r.code), ("OK\n", 0));
    assert!(elsewhere.is_dir());
}

#[test]
fn config_file_sets_catalog_project_and_user_and_flags_win() {
    let h = home();
    let catalog = h.path().join("from_config");
    let ini = h.path().join("odps_config.ini");
    std::fs::write(
        &ini,
        format!(
            "project_name=prj\naccess_id=abc\nend_point=http://service.odps.aliyun.com/api\ncatalog={}\nuser=ALIYUN$owner\n",
            catalog.display()
        ),
    )
    .unwrap();
    let config = format!("--config={}", ini.display());
    let r = mcsec(
        h.path(),
        &[
            "--catalog",
            catalog.to_str().unwrap(),
            "-e",
            "create project prj;",
        ],
    );
    assert_eq!((r.stdout.as_str(), r.code), ("OK\n", 0), "{}", r.stderr);
    let warnings = format!(
        "warning: {0}:2: ignoring key 'access_id' (mcsec reads project_name, catalog, user)\n\
         warning: {0}:3: ignoring key 'end_point' (mcsec reads project_name, catalog, user)\n",
        ini.display()
    );
    let r = mcsec(
        h.path(),
        &[&config, "-e", "add user RAM$owner:carol; list users;"],
    );
    assert_eq!(r.stderr, warnings);
    assert_eq!(r.stdout, "OK\nRAM$owner:carol\n");
    // --catalog beats catalog=.
    let r = mcsec(
        h.path(),
        &[
            &config,
            "--catalog",
            ":memory:",
            "--project",
            "",
            "-e",
            "list projects;",
        ],
    );
    assert_eq!((r.stdout.as_str(), r.code), ("OK\n", 0));
}

#[test]
fn inaccessible_project_at_start_fails_the_batch() {
    let h = home();
    let catalog = h.path().join("cat");
    let catalog = catalog.to_str().unwrap();
    let r = mcsec(
        h.path(),
        &["--catalog", catalog, "-e", "create project prj;"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = mcsec(
        h.path(),
        &[
            "--catalog",
            catalog,
            "--user",
            "RAM$owner:mallory",
            "--project",
            "prj",
            "-e",
            "whoami;",
        ],
    );
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "FAILED: Accessing project 'prj' failed: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj.\n"
    );
    assert_eq!(r.code, 1);
}

#[test]
fn locked_catalog_is_one_clear_line() {
    let h = home();
    let dir = h.path().join("busy");
    let holder = mcsec::catalog::Catalog::open(dir.to_str().unwrap()).expect("open catalog");
    let r = mcsec(
        h.path(),
        &["--catalog", dir.to_str().unwrap(), "-e", "list projects;"],
    );
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        format!(
            "FAILED: catalog {} is in use by another mcsec process\n",
            dir.display()
        )
    );
    assert_eq!(r.code, 1);
    drop(holder);
}

#[test]
fn fmt_subcommand_prints_canonical_statements_without_a_catalog() {
    let h = home();
    let script = h.path().join("a.sql");
    std::fs::write(
        &script,
        "CREATE   PROJECT p ;\n-- note\nGRANT select ON TABLE t TO ram$owner:bob;\n",
    )
    .unwrap();
    let r = mcsec(h.path(), &["fmt", script.to_str().unwrap()]);
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        "create project p;\n-- note\ngrant Select on table t to user RAM$owner:bob;\n"
    );
    assert!(!h.path().join(".mcsec").exists());
    let r = mcsec(h.path(), &["fmt"]);
    assert_eq!(r.code, 2);
}

/// `mcsec fmt` of the corpus (every statement form), from the binary: one line per statement
/// (besides the comment and blank lines), and formatting its own output again changes nothing.
#[test]
fn fmt_of_every_statement_form_is_idempotent() {
    let h = home();
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/parser/corpus.txt");
    let first = mcsec(h.path(), &["fmt", corpus]);
    assert_eq!((first.code, first.stderr.as_str()), (0, ""));
    let statements = mcsec::lexer::split(&std::fs::read_to_string(corpus).unwrap())
        .filter(|s| !s.text.is_empty())
        .count();
    let printed = first
        .stdout
        .lines()
        .filter(|l| l.ends_with(';') && !l.starts_with("--") && !l.starts_with("/*"))
        .count();
    assert_eq!(printed, statements);
    assert!(statements >= 200, "{statements}");
    let again = h.path().join("formatted.sql");
    std::fs::write(&again, &first.stdout).unwrap();
    let second = mcsec(h.path(), &["fmt", again.to_str().unwrap()]);
    assert_eq!((second.code, second.stdout), (0, first.stdout));
}

#[test]
fn user_and_source_ip_reach_the_session() {
    let h = home();
    let r = in_memory(
        h.path(),
        &[
            "--user",
            "RAM$owner:bob",
            "--source-ip=10.1.2.3",
            "-e",
            "whoami;",
        ],
    );
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str(), r.code),
        ("Name: RAM$owner:bob\nSource IP: 10.1.2.3\n", "", 0)
    );
    let r = in_memory_with(
        h.path(),
        &["--format", "json", "-e", "whoami;"],
        "",
        &[
            ("MCSEC_USER", "RAM$owner:carol"),
            ("MCSEC_NOW", "2024-01-01T00:00:00Z"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let record: serde_json::Value = serde_json::from_str(r.stdout.trim_end()).expect("json");
    assert_eq!(record["statement"], "whoami");
    assert_eq!(record["result"]["DisplayName"], "RAM$owner:carol");
    // The flag beats the environment.
    let r = in_memory_with(
        h.path(),
        &["--user", "ALIYUN$owner", "-e", "whoami;"],
        "",
        &[("MCSEC_USER", "RAM$owner:carol")],
    );
    assert_eq!(r.stdout, "Name: ALIYUN$owner\nSource IP: 127.0.0.1\n");
}

#[test]
fn group_commit_makes_every_printed_ok_durable() {
    let h = home();
    let catalog = h.path().join("cat");
    let catalog = catalog.to_str().unwrap();
    let mut script = String::from("create project prj;\nuse prj;\n");
    let users = mcsec::batch::GROUP_COMMIT_STATEMENTS + 10;
    for u in 0..users {
        script.push_str(&format!("add user RAM$owner:u{u};\n"));
    }
    script.push_str("add user RAM$owner:u0;\n");
    let r = mcsec_in(h.path(), &["--catalog", catalog], &script, &[]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout.matches("OK\n").count(), users + 2);
    let r = mcsec(
        h.path(),
        &[
            "--catalog",
            catalog,
            "--project",
            "prj",
            "-e",
            "list users;",
        ],
    );
    assert_eq!(r.stdout.lines().count(), users);
}
