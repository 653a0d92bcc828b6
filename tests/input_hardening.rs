//! Hostile or careless input at the binary's edges: command-line values, catalog directories
//! that are not mcsec's, object names built to break a terminal or a later statement, and
//! grants that would silently do nothing. Each test runs the real binary and asserts the exact
//! stderr, the exit code, and that the refused input changed nothing.

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `mcsec <args>` in `cwd` as `ALIYUN$owner`, with the clock fixed.
fn mcsec_in(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(args)
        .current_dir(cwd)
        .env_remove("MCSEC_CATALOG")
        .env_remove("MCSEC_USER")
        .env("HOME", cwd)
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .output()
        .expect("spawn mcsec");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// `statements` as one `-e` batch on a throw-away catalog.
fn run(statements: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    mcsec_in(dir.path(), &["--catalog", ":memory:", "-e", statements])
}

/// The first line of stderr: the `FAILED:` message without the `in statement` locator.
fn failure(r: &Run) -> &str {
    r.stderr.lines().next().unwrap_or("")
}

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_empty_catalog_path_is_a_usage_error_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["--catalog", "", "-e", "create project prj;"][..],
        &["--catalog=", "-e", "create project prj;"][..],
    ] {
        let r = mcsec_in(dir.path(), args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, "");
        assert_eq!(
            failure(&r),
            "error: invalid value '' for '--catalog <DIR>': an empty path is not a directory (:memory: is a throw-away catalog)"
        );
        assert_eq!(entries(dir.path()), Vec::<String>::new(), "{args:?}");
    }
}
