//! `mcsec dump` round trips: dump → apply to an empty catalog → dump gives byte-identical text,
//! for every golden tenant of the suite (through the real binary) and for a generated
//! 100,000-grant tenant (in process). Applying a dump must run every statement without error.

use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-01-01T00:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mcsec(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(args)
        .current_dir(root())
        .env("MCSEC_NOW", NOW)
        .env_remove("MCSEC_USER")
        .output()
        .unwrap()
}

fn dump(catalog: &Path, files: &Path) -> String {
    let out = mcsec(&[
        "dump",
        "--catalog",
        catalog.to_str().unwrap(),
        "--files",
        files.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn golden_scripts() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in ["tests/golden", "tests/golden/authz", "tests/golden/explain"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "sql") {
                found.push(path);
            }
        }
    }
    found.sort();
    assert!(found.len() >= 10, "{found:?}");
    found
}

#[test]
fn every_golden_tenant_round_trips() {
    for script in golden_scripts() {
        let tmp = tempfile::tempdir().unwrap();
        let (first, second, files) = (
            tmp.path().join("a"),
            tmp.path().join("b"),
            tmp.path().join("files"),
        );
        let built = mcsec(&[
            "--catalog",
            first.to_str().unwrap(),
            "--keep-going",
            "-f",
            script.to_str().unwrap(),
        ]);
        assert!(built.status.code().is_some(), "{script:?}");
        let text = dump(&first, &files);
        let dumped = tmp.path().join("dump.sql");
        std::fs::write(&dumped, &text).unwrap();
        let applied = mcsec(&[
            "--catalog",
            second.to_str().unwrap(),
            "-f",
            dumped.to_str().unwrap(),
        ]);
        assert!(
            applied.status.success(),
            "{script:?}: applying the dump failed: {}\n{text}",
            String::from_utf8_lossy(&applied.stderr)
        );
        let again = dump(&second, &files);
        assert_eq!(text, again, "{script:?}");
        let shows = show_script(&first);
        let (a, b) = (shows_of(&first, &shows), shows_of(&second, &shows));
        assert_eq!(a, b, "{script:?}: the rebuilt tenant shows differently");
    }
}

/// `show` statements over everything the tenant holds, each project's as its owner: users,
/// roles, grants of every user, every table's ACL, description and rows, settings, policies,
/// packages, trusted projects.
fn show_script(catalog: &Path) -> String {
    let out = mcsec(&[
        "dump",
        "--catalog",
        catalog.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut s = String::from("list tenant users; list tenant roles;\n");
    for p in v["projects"].as_array().unwrap() {
        let name = p["project"]["name"].as_str().unwrap();
        let owner = p["project"]["owner"].as_str().unwrap();
        s.push_str(&format!(
            "login {owner}; use {name}; list users; list roles; show SecurityConfiguration; setproject; \
             get policy; show packages; list trustedprojects; list accountproviders;\n"
        ));
        for u in p["users"].as_array().unwrap() {
            s.push_str(&format!(
                "show grants for {};\n",
                u["principal"].as_str().unwrap()
            ));
        }
        for t in p["tables"].as_array().unwrap() {
            let t = t["table"]["name"].as_str().unwrap();
            s.push_str(&format!(
                "show acl for {t}; describe {t}; select * from {t}; show label grants on table {t};\n"
            ));
        }
    }
    s
}

/// What the statements print on `catalog`, instance ids and times aside (a rebuilt tenant's
/// jobs and creations happen at the same clock but in a different order of counters).
fn shows_of(catalog: &Path, script: &str) -> Vec<String> {
    let out = mcsec(&[
        "--catalog",
        catalog.to_str().unwrap(),
        "--keep-going",
        "-e",
        script,
    ]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    text.lines()
        .filter(|l| {
            !l.contains("CreateTime") && !l.contains("InstallTime") && !l.contains("instances/")
        })
        .map(str::to_string)
        .collect()
}

fn run(session: &mut Session, text: &str) {
    let statement = mcsec::parser::parse_statement(text, "<test>", 1, 1).unwrap();
    session
        .execute(&statement)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

fn options() -> SessionOptions {
    SessionOptions {
        user: "ALIYUN$owner".into(),
        source_ip: "127.0.0.1".into(),
        now: Some(1_767_225_600),
    }
}

fn dump_of(session: &Session) -> String {
    let txn = session.catalog().begin();
    mcsec::exec::dump::dump(&txn, None, "", 1_767_225_600)
        .unwrap()
        .script
}

#[test]
fn a_100k_grant_tenant_round_trips() {
    let mut session = Session::new(Catalog::memory(), options());
    run(&mut session, "create project prj");
    run(&mut session, "use prj");
    for t in 0..100 {
        run(
            &mut session,
            &format!("create table t_{t} (id bigint, name string)"),
        );
    }
    for u in 0..1000 {
        run(&mut session, &format!("add user RAM$owner:u_{u}"));
    }
    for u in 0..1000 {
        for t in 0..100 {
            let action = if (u + t) % 7 == 0 {
                "Describe"
            } else {
                "Select"
            };
            run(
                &mut session,
                &format!("grant {action} on table t_{t} to user RAM$owner:u_{u}"),
            );
        }
    }
    let text = dump_of(&session);
    assert!(text.lines().filter(|l| l.starts_with("grant ")).count() == 100_000);
    let mut rebuilt = Session::new(Catalog::memory(), options());
    for piece in mcsec::lexer::split(&text) {
        if piece.text.trim().is_empty() {
            continue;
        }
        let statement =
            mcsec::parser::parse_statement(piece.text, "<dump>", piece.line, piece.col).unwrap();
        rebuilt.execute(&statement).unwrap();
    }
    assert_eq!(dump_of(&rebuilt), text);
}

#[test]
fn a_one_project_dump_applies_to_an_empty_catalog() {
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("a"), tmp.path().join("b"));
    let script = root().join("tests/golden/packages.sql");
    mcsec(&[
        "--catalog",
        first.to_str().unwrap(),
        "--keep-going",
        "-f",
        script.to_str().unwrap(),
    ]);
    let json = mcsec(&[
        "dump",
        "--catalog",
        first.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    for p in v["projects"].as_array().unwrap() {
        let name = p["project"]["name"].as_str().unwrap();
        let out = mcsec(&[
            "dump",
            "--catalog",
            first.to_str().unwrap(),
            "--project",
            name,
        ]);
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let file = tmp.path().join(format!("{name}.sql"));
        std::fs::write(&file, &text).unwrap();
        let _ = std::fs::remove_dir_all(&second);
        let applied = mcsec(&[
            "--catalog",
            second.to_str().unwrap(),
            "-f",
            file.to_str().unwrap(),
        ]);
        assert!(
            applied.status.success(),
            "{name}: {}\n{text}",
            String::from_utf8_lossy(&applied.stderr)
        );
        assert!(text.contains(&format!("create project {name}")), "{text}");
    }
    let missing = mcsec(&[
        "dump",
        "--catalog",
        first.to_str().unwrap(),
        "--project",
        "nope",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&missing.stderr),
        "FAILED: ODPS-0420111: Project not found - 'nope'.\n"
    );
}

#[test]
fn dump_names_policy_files_only_with_a_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("c");
    let policy = tmp.path().join("p.json");
    std::fs::write(&policy, r#"{"Version":"1","Statement":[{"Effect":"Allow","Principal":"RAM$owner:bob","Action":"odps:Select","Resource":"acs:odps:*:projects/prj1/tables/*"}]}"#).unwrap();
    let built = mcsec(&[
        "--catalog",
        cat.to_str().unwrap(),
        "-e",
        &format!(
            "create project prj1; use prj1; put policy {};",
            policy.display()
        ),
    ]);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let out = mcsec(&["dump", "--catalog", cat.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: the tenant holds policy documents; give --files <dir> to write them beside the script\n"
    );
    let files = tmp.path().join("files");
    let text = dump(&cat, &files);
    let written = files.join("policy_prj1.json");
    assert!(
        text.contains(&format!("put policy {};", written.display())),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(written).unwrap(),
        std::fs::read_to_string(&policy).unwrap()
    );
    let json = mcsec(&[
        "dump",
        "--catalog",
        cat.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["projects"][0]["project"]["name"], "prj1");
    assert!(v["projects"][0]["project"]["policy"]
        .as_str()
        .unwrap()
        .contains("RAM$owner:bob"));
}
