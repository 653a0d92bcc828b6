//! Durability of the management executor on a sled catalog: a tenant written by one `Session`
//! reads back identically after the catalog is reopened, and a child process applying a long
//! batch killed with SIGKILL at several points leaves a catalog that opens, holds every
//! statement whose `OK` was printed (printed only after a flush), and no half-applied one.

use mcsec::catalog::model::{Column, Grantee, ObjectRef, ObjectType, Rows, Table, Value};
use mcsec::catalog::storage::COMPACTION_BYTES;
use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const NOW: i64 = 1_767_225_600;

fn session(location: &str) -> Session {
    let catalog = Catalog::open(location).unwrap();
    Session::new(
        catalog,
        SessionOptions {
            user: "ALIYUN$owner".into(),
            source_ip: "127.0.0.1".into(),
            now: Some(NOW),
        },
    )
}

fn run(s: &mut Session, sql: &str) -> String {
    let stmt = mcsec::parser::parse_statement(sql, "<test>", 1, 1).unwrap();
    s.execute(&stmt)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .text()
}

fn seed_table(s: &Session, project: &str, name: &str) {
    let mut txn = s.catalog().begin();
    let table = Table {
        name: name.into(),
        columns: vec![Column {
            name: "c".into(),
            data_type: "string".into(),
            label: None,
        }],
        label: 0,
        creator: "ALIYUN$owner".into(),
        created_at: NOW,
    };
    txn.put_table(project, &table).unwrap();
    s.catalog().commit(txn).unwrap();
}

const READBACK: &[&str] = &[
    "list projects",
    "list users",
    "list roles",
    "describe role worker",
    "show grants for RAM$owner:bob",
    "show acl for t",
    "show label grants on table t",
    "show SecurityConfiguration",
    "setproject",
    "list trustedprojects",
    "describe package share",
    "get policy on role worker",
];

#[test]
fn a_tenant_reads_back_identically_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("catalog");
    let location = location.to_str().unwrap();
    let before: Vec<String> = {
        let mut s = session(location);
        for sql in ["create project prj", "create project other", "use prj"] {
            run(&mut s, sql);
        }
        seed_table(&s, "prj", "t");
        for sql in [
            "add user RAM$bob",
            "create role worker",
            "grant worker to RAM$bob",
            "grant Select, Describe on table t to role worker",
            "grant Select on table t (c) to user RAM$bob privilegeproperties(\"expires\"=\"5\")",
            "grant Drop on table tb_* to role worker privilegeproperties(\"policy\"=\"true\", \"allow\"=\"false\")",
            "set LabelSecurity=true",
            "set label 2 to table t",
            "grant label 3 on table t to user RAM$bob with exp 7",
            "setproject odps.security.enabledownloadprivilege=true",
            "add trustedproject other",
            "create package share",
            "add table t to package share",
            "allow project other to install package share using label 1",
        ] {
            run(&mut s, sql);
        }
        s.flush().unwrap();
        READBACK.iter().map(|sql| run(&mut s, sql)).collect()
    };
    let mut s = session(location);
    run(&mut s, "use prj");
    let after: Vec<String> = READBACK.iter().map(|sql| run(&mut s, sql)).collect();
    assert_eq!(before, after);
    assert!(
        after[4].contains("Expires:2026-01-06T00:00:00+0000"),
        "{}",
        after[4]
    );
    assert!(after[7].contains("LabelSecurity=true"));
}

/// Rows of about twice the journal bound: the flush that writes them compacts the catalog.
fn rows_past_the_journal_bound() -> Rows {
    Rows {
        rows: (0..2 * COMPACTION_BYTES / 1024)
            .map(|i| vec![Value::String(format!("{i:05}{}", "r".repeat(1019)))])
            .collect(),
    }
}

const PRJ_READBACK: &[&str] = &[
    "list users",
    "list roles",
    "describe role worker",
    "show grants for RAM$owner:bob",
    "show acl for t",
];
const OTHER_READBACK: &[&str] = &[
    "list users",
    "list roles",
    "show grants for RAM$owner:carol",
    "show acl for o",
];

fn readback(s: &mut Session, project: &str, statements: &[&str]) -> Vec<String> {
    run(s, &format!("use {project}"));
    statements.iter().map(|sql| run(s, sql)).collect()
}

/// A compaction rewrites the partitions it touched; the statements flushed after it live in the
/// journal only; project `other` is first read, after reopening, from its compacted partitions
/// plus its journal tail.
#[test]
fn a_tenant_reads_back_after_a_compaction_and_a_journal_tail() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("catalog");
    let location = location.to_str().unwrap();
    let (prj_before, other_before) = {
        let mut s = session(location);
        for sql in ["create project prj", "create project other", "use prj"] {
            run(&mut s, sql);
        }
        seed_table(&s, "prj", "t");
        seed_table(&s, "other", "o");
        for sql in [
            "add user RAM$bob",
            "create role worker",
            "grant worker to RAM$bob",
            "grant Select on table t to role worker",
        ] {
            run(&mut s, sql);
        }
        for sql in [
            "use other",
            "add user RAM$carol",
            "grant Describe on table o to user RAM$carol",
        ] {
            run(&mut s, sql);
        }
        let mut txn = s.catalog().begin();
        txn.put_rows("prj", "t", &rows_past_the_journal_bound())
            .unwrap();
        s.catalog().commit(txn).unwrap();
        s.flush().unwrap();

        for sql in ["use prj", "grant Describe on table t (c) to user RAM$bob"] {
            run(&mut s, sql);
        }
        s.flush().unwrap();
        for sql in [
            "use other",
            "create role reader",
            "grant reader to RAM$carol",
            "revoke Describe on table o from user RAM$carol",
        ] {
            run(&mut s, sql);
        }
        s.flush().unwrap();
        (
            readback(&mut s, "prj", PRJ_READBACK),
            readback(&mut s, "other", OTHER_READBACK),
        )
    };
    let mut s = session(location);
    assert_eq!(readback(&mut s, "other", OTHER_READBACK), other_before);
    assert_eq!(readback(&mut s, "prj", PRJ_READBACK), prj_before);
    assert!(other_before[1].contains("reader"), "{}", other_before[1]);
    assert!(!other_before[3].contains("Describe"), "{}", other_before[3]);
    assert!(prj_before[3].contains("Describe"), "{}", prj_before[3]);
    assert_eq!(
        s.catalog().begin().rows("prj", "t").unwrap(),
        rows_past_the_journal_bound()
    );
}

#[test]
fn a_second_open_of_a_catalog_in_use_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("catalog");
    let _held = Catalog::open(location.to_str().unwrap()).unwrap();
    let err = Catalog::open(location.to_str().unwrap())
        .err()
        .expect("second open must fail");
    assert_eq!(
        err.to_string(),
        format!(
            "catalog {} is in use by another mcsec process",
            location.display()
        )
    );
}

/// The three statements of round `i`: together they write four keys (user, role membership,
/// ACL record and its per-grantee index).
fn round(i: usize) -> [String; 3] {
    [
        format!("add user RAM$owner:u{i}"),
        format!("grant Select on table t to user RAM$owner:u{i}"),
        format!("grant worker to RAM$owner:u{i}"),
    ]
}

const BATCH: usize = 25;

/// Not a test on its own: when `MCSEC_CRASH_CHILD` names a catalog, applies rounds forever,
/// flushing every `BATCH` rounds and printing `OK <i>` for each round only after its flush.
#[test]
fn crash_child() {
    let Ok(location) = std::env::var("MCSEC_CRASH_CHILD") else {
        return;
    };
    let mut s = session(&location);
    for sql in ["create project prj", "use prj", "create role worker"] {
        run(&mut s, sql);
    }
    seed_table(&s, "prj", "t");
    s.flush().unwrap();
    let mut i = 0;
    loop {
        for j in i..i + BATCH {
            for sql in round(j) {
                run(&mut s, &sql);
            }
        }
        s.flush().unwrap();
        for j in i..i + BATCH {
            println!("OK {j}");
        }
        i += BATCH;
    }
}

#[test]
fn sigkill_during_a_batch_loses_no_printed_statement_and_half_applies_none() {
    let exe = std::env::current_exe().unwrap();
    // 8,000 rounds pass the journal bound: the kill lands after (or during) a compaction.
    for kill_after in [1, 180, 1_500, 8_000] {
        let dir = tempfile::tempdir().unwrap();
        let location = dir.path().join("catalog");
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env("MCSEC_CRASH_CHILD", &location)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut last_ok: Option<usize> = None;
        let mut killed = false;
        // Read to the end even after the kill: on a loaded machine the child may have printed
        // more rounds than were read when the kill landed, and those count as printed too.
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // A line cut short by the kill counts for what it says, or not at all.
            if let Some(n) = line.strip_prefix("OK ").and_then(|n| n.parse::<usize>().ok()) {
                last_ok = Some(n);
                if !killed && last_ok.unwrap() + 1 >= kill_after {
                    child.kill().unwrap();
                    killed = true;
                }
            }
        }
        child.wait().unwrap();
        let last_ok = last_ok.expect("the child printed no OK");

        let s = session(location.to_str().unwrap());
        let txn = s.catalog().begin();
        let users = txn.users("prj").unwrap();
        let table = ObjectRef {
            kind: ObjectType::Table,
            name: "t".into(),
        };
        // Every printed round is there, whole.
        for i in 0..=last_ok {
            let name = format!("RAM$owner:u{i}");
            let user = txn
                .user("prj", &name)
                .unwrap()
                .unwrap_or_else(|| panic!("kill after {kill_after}: u{i} lost"));
            assert_eq!(user.roles, vec!["worker".to_string()], "u{i}");
            assert_eq!(
                txn.acl("prj", &table, &Grantee::User(name))
                    .unwrap()
                    .entries
                    .len(),
                1,
                "u{i}"
            );
        }
        // Whatever got in after the last OK is made of whole statements: an ACL record always
        // comes with its index entry, and only for a user that was added.
        let acl = txn.acl_on_object("prj", &table).unwrap();
        for (grantee, _) in &acl {
            let Grantee::User(u) = grantee else {
                panic!("unexpected grantee {grantee:?}")
            };
            assert!(
                users.iter().any(|x| &x.principal == u),
                "grant to {u} without its user"
            );
            assert_eq!(
                txn.acl_of_grantee("prj", grantee).unwrap().len(),
                1,
                "index entry of {u}"
            );
        }
        assert!(users.len() > last_ok);
        // The child goes on between printing its OKs and the kill arriving: with flushes of
        // a few milliseconds and other processes on the machine, it may flush a few more
        // batches (never printed, so never required) before it dies.
        assert!(
            users.len() <= last_ok + 1 + 4 * BATCH,
            "{} users after OK {last_ok}",
            users.len()
        );
    }
}
