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

/// Every (tree, key, value) of the sled database in `dir`.
fn sled_contents(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let db = sled::open(dir).expect("open sled");
    let mut out = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).expect("open tree");
        for pair in tree.iter() {
            let (k, v) = pair.expect("read pair");
            out.push((name.to_vec(), k.to_vec(), v.to_vec()));
        }
    }
    out
}

#[test]
fn a_foreign_sled_database_is_refused_by_name_and_keeps_its_data() {
    let home = tempfile::tempdir().expect("temp dir");
    for (name, tree) in [("keys", None), ("trees", Some("users"))] {
        let dir = home.path().join(name);
        {
            let db = sled::open(&dir).expect("create foreign db");
            match tree {
                Some(t) => db.open_tree(t).expect("tree").insert("alice", "x"),
                None => db.insert("hello", "world"),
            }
            .expect("insert");
            db.flush().expect("flush");
        }
        let before = sled_contents(&dir);
        let catalog = dir.to_str().expect("utf-8 path");
        let r = mcsec_in(home.path(), &["--catalog", catalog, "-e", "create project prj;"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert_eq!(r.stdout, "");
        assert_eq!(
            r.stderr,
            format!("FAILED: catalog error: {catalog} is not an mcsec catalog: it holds a sled database without mcsec's format key (use a new or empty directory)\n")
        );
        assert_eq!(sled_contents(&dir), before, "{name}");
    }
}

#[test]
fn a_new_or_empty_directory_becomes_a_catalog() {
    let home = tempfile::tempdir().expect("temp dir");
    let empty = home.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    for dir in [empty, home.path().join("new/nested")] {
        let catalog = dir.to_str().expect("utf-8 path");
        let r = mcsec_in(home.path(), &["--catalog", catalog, "-e", "create project prj;"]);
        assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "OK\n", ""));
        let r = mcsec_in(home.path(), &["--catalog", catalog, "-e", "list projects;"]);
        assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "prj\n", ""));
    }
}
