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
    // sled lets go of its file lock only when its flusher thread ends, a moment after the
    // handle that held it was dropped; retry for a while rather than race it.
    let mut tries = 0;
    let db = loop {
        match sled::open(dir) {
            Ok(db) => break db,
            Err(_) if tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("open sled: {e:?}"),
        }
    };
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
        let r = mcsec_in(
            home.path(),
            &["--catalog", catalog, "-e", "create project prj;"],
        );
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
        let r = mcsec_in(
            home.path(),
            &["--catalog", catalog, "-e", "create project prj;"],
        );
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "OK\n", "")
        );
        let r = mcsec_in(home.path(), &["--catalog", catalog, "-e", "list projects;"]);
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (0, "prj\n", "")
        );
    }
}

/// `statements` as one `--keep-going` batch on a throw-away catalog: every statement runs.
fn run_all(statements: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    mcsec_in(
        dir.path(),
        &["--catalog", ":memory:", "--keep-going", "-e", statements],
    )
}

/// The `FAILED:` lines of stderr, without their `in statement` locators.
fn failures(r: &Run) -> Vec<&str> {
    r.stderr
        .lines()
        .filter(|l| l.starts_with("FAILED: "))
        .collect()
}

const TABLE_RULE: &str =
    "a table name starts with a letter, has only letters, digits and underscores, and is at most 128 bytes long.";

#[test]
fn invalid_table_names_are_refused_and_create_nothing() {
    let long = "t".repeat(129);
    let names = ["``", "` `", "`*`", "`a\u{1b}[31m`", "`9t`", "`t-1`", &long];
    for name in names {
        let r = run_all(&format!(
            "create project prj; use prj; create table {name} (a string); describe {name};\
             create table src (a string); create table {name} as select * from src; describe {name};"
        ));
        let shown = name.trim_matches('`').replace('\u{1b}', "\\u{1b}");
        let refused = format!("FAILED: Invalid table name '{shown}': {TABLE_RULE}");
        let missing =
            format!("FAILED: ODPS-0130131:Table not found - table prj.{shown} cannot be resolved");
        assert_eq!(r.code, 1, "{name}");
        assert_eq!(
            failures(&r),
            [&refused, &missing, &refused, &missing],
            "{name}"
        );
        assert_eq!(r.stdout, "OK\nOK\nOK\n", "{name}");
    }
    // The longest valid name and a mixed-case one still work.
    let longest = format!("t{}", "_".repeat(127));
    let r = run(&format!(
        "create project prj; use prj; create table {longest} (a string); create table Sale_2024 (`列名` string, b_1 bigint); describe sale_2024;"
    ));
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}

#[test]
fn invalid_column_function_resource_and_group_names_are_refused() {
    let r = run_all(
        "create project prj; use prj;\
         create table t (`` string); create table t (`a b` string); describe t;\
         create function `f-1` as 'C' using 'x.jar'; drop function `f-1`;\
         add file 'my file.txt'; add jar '.hidden'; drop resource `my file.txt`;\
         add jar udtf.jar; add file deps.tar.gz; add py helper_2.py;\
         add group `g g`; list groups; add tenant group `*`; list tenant groups;",
    );
    let resource_rule = "a resource name starts with a letter, digit or underscore, has only letters, digits, underscores, dots and hyphens, and is at most 128 bytes long.";
    assert_eq!(
        failures(&r),
        [
            "FAILED: Invalid column name '': a column name has only letters (Chinese characters included), digits and underscores, and is 1 to 128 bytes long.",
            "FAILED: Invalid column name 'a b': a column name has only letters (Chinese characters included), digits and underscores, and is 1 to 128 bytes long.",
            "FAILED: ODPS-0130131:Table not found - table prj.t cannot be resolved",
            "FAILED: Invalid function name 'f-1': a function name starts with a letter, has only letters, digits and underscores, and is at most 128 bytes long.",
            "FAILED: Function not found - 'prj/registration/functions/f-1'",
            &format!("FAILED: Invalid resource name 'my file.txt': {resource_rule}"),
            &format!("FAILED: Invalid resource name '.hidden': {resource_rule}"),
            "FAILED: Resource not found - 'prj/resources/my file.txt'",
            "FAILED: Invalid group name 'g g': a group name starts with a letter, has only letters, digits and underscores, and is at most 128 bytes long.",
            "FAILED: Invalid group name '*': a group name starts with a letter, has only letters, digits and underscores, and is at most 128 bytes long.",
        ]
    );
    assert_eq!(
        r.stdout,
        "OK\nOK\nOK: Resource 'udtf.jar' have been created.\nOK: Resource 'deps.tar.gz' have been created.\nOK: Resource 'helper_2.py' have been created.\nOK\nOK\n"
    );
}

#[test]
fn control_characters_in_echoed_names_are_escaped_in_errors() {
    let osc = "`\u{1b}]0;pwned\u{7}\u{1b}[2J\nFAILED: fake`";
    // Names are stored lower-cased, so the message shows the lower-cased name.
    let shown = "\\u{1b}]0;pwned\\u{7}\\u{1b}[2j\\nfailed: fake";
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["text", "json"] {
        let r = mcsec_in(
            dir.path(),
            &[
                "--catalog",
                ":memory:",
                "--keep-going",
                "--format",
                format,
                "-e",
                &format!(
                    "create project prj; use prj; drop table {osc}; grant Select on table {osc} to user RAM$x; use {osc};"
                ),
            ],
        );
        assert!(
            !r.stderr.contains('\u{1b}') && !r.stdout.contains('\u{1b}'),
            "{format}"
        );
        assert_eq!(
            failures(&r),
            [
                format!("FAILED: ODPS-0130131:Table not found - table prj.{shown} cannot be resolved"),
                format!("FAILED: ODPS-0420095: Access Denied - Object 'table prj.{shown}' does not exist."),
                format!("FAILED: ODPS-0420111: Project not found - '{shown}'."),
            ],
            "{format}"
        );
        if format == "json" {
            let errors: Vec<String> = r
                .stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter_map(|v| v["error"].as_str().map(str::to_string))
                .collect();
            assert_eq!(errors.len(), 3);
            assert!(
                errors[0].ends_with(&format!("prj.{shown} cannot be resolved")),
                "{errors:?}"
            );
        }
    }
}

#[test]
fn show_acl_reads_a_dotted_resource_name_as_the_resource() {
    let r = run_all(
        "create project prj; use prj; add jar udtf.jar; add file deps.tar.gz; add user RAM$owner:bob;\
         grant Read on resource deps.tar.gz to user RAM$owner:bob;\
         show acl for deps.tar.gz on type resource; show acl for udtf.jar on type RESOURCE;\
         show acl for nope.jar on type resource;",
    );
    let implicit = "Authorization Type: Implicit\n\
                    AG      project_owner/ALIYUN$owner: All\n\
                    AG      admin/ALIYUN$owner: All\n\
                    AG      object_creator/ALIYUN$owner: All\n";
    assert_eq!(
        r.stdout,
        format!(
            "OK\nOK\nOK: Resource 'udtf.jar' have been created.\nOK: Resource 'deps.tar.gz' have been created.\nOK\nOK\n\
             {implicit}\nAuthorization Type: ACL\n\
             A       user/RAM$owner:bob(acs:odps:*:projects/prj/resources/deps.tar.gz): Read\n\
             {implicit}"
        )
    );
    assert_eq!(
        failures(&r),
        ["FAILED: ODPS-0420095: Access Denied - Object 'resource prj.nope.jar' does not exist."]
    );
}

#[test]
fn a_refobject_grant_of_a_privilege_the_package_does_not_give_is_refused() {
    let props = r#"privilegeproperties("refobject"="true", "refproject"="prj1", "package"="pkg")"#;
    let r = run_all(&format!(
        "create project prj1; create project prj2; use prj1; create table t (a string); add jar udtf.jar;\
         create package pkg; add table t to package pkg; add resource udtf.jar to package pkg with privileges Read, Write;\
         allow project prj2 to install package pkg; use prj2; add user RAM$owner:amy; install package prj1.pkg;\
         grant Update on table t to user RAM$owner:amy {props};\
         grant Select, Alter on table t to user RAM$owner:amy {props};\
         grant All on table t to user RAM$owner:amy {props};\
         grant Delete on resource udtf.jar to user RAM$owner:amy {props};\
         show grants on table t {props};\
         grant Write on resource udtf.jar to user RAM$owner:amy {props};\
         revoke Update on table t from user RAM$owner:amy {props};"
    ));
    assert_eq!(
        failures(&r),
        [
            "FAILED: ODPS-0420095: Access Denied - Package prj1.pkg does not give Update on table t: it gives Describe,Select.",
            "FAILED: ODPS-0420095: Access Denied - Package prj1.pkg does not give Alter on table t: it gives Describe,Select.",
            "FAILED: ODPS-0420095: Access Denied - Package prj1.pkg does not give All on table t: it gives Describe,Select.",
            "FAILED: ODPS-0420095: Access Denied - Package prj1.pkg does not give Delete on resource udtf.jar: it gives Read,Write.",
        ]
    );
    // The refused grants wrote nothing (not even the Select listed with Alter); the ones the
    // package gives, and revokes, still work.
    assert!(
        r.stdout.ends_with(
            "OK\nAuthorization Type: Implicit\nAG      project_owner/ALIYUN$owner: All\nOK\nOK\n"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn a_corrupt_catalog_is_one_clean_line_naming_it() {
    let home = tempfile::tempdir().expect("temp dir");
    let dir = home.path().join("cat");
    let catalog = dir.to_str().expect("utf-8 path");
    let r = mcsec_in(
        home.path(),
        &[
            "--catalog",
            catalog,
            "-e",
            "create project prj; use prj; create table t (a string);",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = mcsec_in(home.path(), &["--catalog", catalog, "-e", "list projects;"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "prj\n"));
    // One flipped byte in the journal's first record fails its checksum at the next open:
    // the replay stops before it, short of the flush `mcsec.flushed` says was acknowledged.
    let journal = dir.join("mcsec.journal");
    let mut bytes = std::fs::read(&journal).expect("read journal");
    bytes[20] ^= 0x5a;
    std::fs::write(&journal, bytes).expect("write journal");
    let r = mcsec_in(home.path(), &["--catalog", catalog, "-e", "list projects;"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        format!("FAILED: catalog error: catalog {catalog} has lost acknowledged statements: its log {catalog}/db and journal {catalog}/mcsec.journal end at flush 0, but {catalog}/mcsec.flushed records flush 2 (their end is damaged or was cut off; restore the catalog from a copy)\n")
    );
}
