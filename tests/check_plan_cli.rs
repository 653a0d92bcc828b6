//! `mcsec check`, `mcsec plan`, snapshots and the idempotent creates, end to end through the
//! binary: exit codes, exact output, and that neither check nor plan changes the catalog.

#[path = "common/cli.rs"]
mod cli;

use cli::Run;
use std::path::Path;

const SETUP: &str = "create project prj1; create project prj2; use prj1; \
    create table t (a string, b string); insert into t values ('x', 'y'); \
    add user RAM$alice; add user RAM$bob; \
    grant CreateInstance on project prj1 to user RAM$alice; \
    grant Select on table t (a) to user RAM$alice; grant Describe on table t to user RAM$bob; \
    create package pkg; add table t to package pkg; allow project prj2 to install package pkg; \
    use prj2; add user RAM$alice;";

/// `mcsec <args>` in `dir` at a fixed clock.
fn mcsec(dir: &Path, args: &[&str]) -> Run {
    cli::mcsec_with(dir, &[("MCSEC_NOW", "2026-01-01T00:00:00Z")], args)
}

fn tenant() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat").display().to_string();
    let out = mcsec(dir.path(), &["--catalog", &cat, "-e", SETUP]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    (dir, cat)
}

/// `mcsec check --catalog <cat> --project <project> <rest>`.
fn check_in(dir: &Path, cat: &str, project: &str, rest: &[&str]) -> Run {
    mcsec(
        dir,
        &[&["check", "--catalog", cat, "--project", project], rest].concat(),
    )
}

/// `check <statement>` as `user` in `project`.
fn check_as(dir: &Path, cat: &str, user: &str, project: &str, statement: &str) -> Run {
    check_in(dir, cat, project, &["--user", user, statement])
}

/// Every record of the catalog, to show a command left it as it was.
fn records(cat: &str) -> Vec<(Vec<u8>, Vec<u8>)> {
    mcsec::catalog::Catalog::open(cat)
        .unwrap()
        .entries()
        .unwrap()
}

#[test]
fn check_exits_0_on_allow_3_on_deny_and_1_when_it_cannot_ask() {
    let (dir, cat) = tenant();
    let before = records(&cat);
    let allow = check_as(dir.path(), &cat, "RAM$alice", "prj1", "select a from t");
    assert_eq!(allow.code, Some(0));
    assert_eq!(
        allow.stdout,
        "ALLOW: ACL user/RAM$owner:alice: Select on projects/prj1/tables/t (a)\n  check: Select on projects/prj1/tables/t (a)\n"
    );
    let label = check_as(dir.path(), &cat, "RAM$alice", "prj1", "select a, b from t");
    assert_eq!(label.code, Some(3));
    assert_eq!(
        label.stdout,
        "DENY [4019]: ACL user/RAM$owner:alice: Select on projects/prj1/tables/t (a); default deny: nothing grants Select on projects/prj1/tables/t (b)\n  check: Select on projects/prj1/tables/t (a, b)\n"
    );
    let outsider = check_as(dir.path(), &cat, "RAM$bob", "prj2", "select a from prj1.t");
    assert_eq!(outsider.code, Some(3));
    assert!(
        outsider
            .stdout
            .starts_with("DENY [4002]: RAM$owner:bob may not enter project prj2: "),
        "{}",
        outsider.stdout
    );
    let management = check_as(dir.path(), &cat, "RAM$bob", "prj1", "add user RAM$carol");
    assert_eq!(management.code, Some(3));
    assert_eq!(
        management.stdout,
        "DENY [4019]: the statement needs Admin or better; a plain member may not run it\n  check: AddUser on projects/prj1/authorization/users [management, needs Admin or better]\n  outcome: refused\n"
    );
    let object = check_as(dir.path(), &cat, "RAM$alice", "prj1", "describe t");
    assert_eq!(object.code, Some(3), "{}", object.stdout);
    assert_eq!(
        object.stdout,
        "DENY [4019]: ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Describe' on {acs:odps:*:projects/prj1/tables/t}. Deny as default for Resource.\n  check: the statement's own object check\n  outcome: refused\n"
    );
    let owner = check_in(dir.path(), &cat, "prj1", &["drop table t"]);
    assert_eq!(owner.code, Some(0));
    let json = check_in(
        dir.path(),
        &cat,
        "prj1",
        &["--format", "json", "for RAM$bob select b from t"],
    );
    assert_eq!(json.code, Some(3));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        (
            v["decision"].as_str(),
            v["code"].as_str(),
            v["principal"].as_str()
        ),
        (Some("deny"), Some("4019"), Some("RAM$owner:bob"))
    );
    let broken = check_in(dir.path(), &cat, "prj1", &["select a from nosuch"]);
    assert_eq!(broken.code, Some(1));
    assert!(broken.stderr.starts_with("FAILED: "));
    let usage = mcsec(dir.path(), &["check", "--catalog", &cat]);
    assert_eq!(usage.code, Some(2));
    // The owner's `drop table t` was checked, not run.
    assert_eq!(records(&cat), before);
}

#[test]
fn a_file_of_checks_reports_each_and_the_summary() {
    let (dir, cat) = tenant();
    std::fs::write(
        dir.path().join("checks.txt"),
        "-- expected decisions\n\
         ALLOW for RAM$alice select a from t\n\
         DENY 4019 for RAM$alice select b from t\n\
         {\"principal\": \"RAM$bob\", \"project\": \"prj2\", \"statement\": \"list users\", \"expect\": \"deny\", \"code\": \"4002\"}\n\
         ALLOW for RAM$bob select a from t\n\
         {\"principal\": \"RAM$alice\", \"statement\": \"select a from t\", \"expect\": \"allow\"}\n\
         {\"principal\": \"RAM$bob\", \"ip\": \"10.0.0.1\", \"statement\": \"describe t\", \"expect\": \"deny\", \"code\": \"4019\"}\n",
    )
    .unwrap();
    let out = check_in(dir.path(), &cat, "prj1", &["--file", "checks.txt"]);
    let text = out.stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(
        lines[0].starts_with("PASS checks.txt:2: ALLOW: ACL user/RAM$owner:alice"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("PASS checks.txt:3: DENY [4019]"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("PASS checks.txt:4: DENY [4002]"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("FAIL checks.txt:5: DENY [4019]"),
        "{text}"
    );
    assert!(lines[4].starts_with("PASS checks.txt:6: ALLOW"), "{text}");
    assert!(
        lines[5].starts_with("FAIL checks.txt:7: ALLOW"),
        "bob may describe t: {text}"
    );
    assert_eq!(lines[6], "4 passed, 2 failed");
    assert_eq!(out.code, Some(3));

    let json = check_in(
        dir.path(),
        &cat,
        "prj1",
        &["--format", "json", "--file", "checks.txt"],
    );
    let records: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 7);
    assert_eq!(records[0]["position"], "checks.txt:2");
    assert_eq!(records[0]["passed"], true);
    assert_eq!(records[0]["answer"]["decision"], "allow");
    assert_eq!(records[3]["passed"], false);
    assert_eq!(records[6], serde_json::json!({"passed": 4, "failed": 2}));
    assert_eq!(json.code, Some(3));

    std::fs::write(
        dir.path().join("good.txt"),
        "ALLOW for RAM$alice select a from t\nDENY for RAM$alice select b from t\n",
    )
    .unwrap();
    let good = check_in(dir.path(), &cat, "prj1", &["--file", "good.txt"]);
    assert_eq!(good.code, Some(0));
    assert!(good.stdout.ends_with("2 passed, 0 failed\n"));
}

const PLAN: &str = "use prj1;\n\
grant Select on table t to user RAM$alice;\n\
add trustedproject prj2;\n\
remove user RAM$bob;\n\
use prj2;\n\
install package prj1.pkg;\n\
grant Read on package prj1.pkg to user RAM$alice;\n\
grant CreateInstance on project prj2 to user RAM$alice;\n\
grant Select on table nosuch to user RAM$alice;\n";

#[test]
fn plan_shows_what_would_change_and_leaves_the_catalog_alone() {
    let (dir, cat) = tenant();
    std::fs::write(dir.path().join("change.sql"), PLAN).unwrap();
    let before = records(&cat);
    let out = mcsec(dir.path(), &["plan", "--catalog", &cat, "change.sql"]);
    assert_eq!(out.code, Some(1), "a statement fails");
    assert_eq!(
        out.stdout,
        "Plan: change.sql (9 statements, 1 would fail)

Statements that would fail:
  ! change.sql:9:1: grant Select on table nosuch to user RAM$alice
      FAILED: ODPS-0420095: Access Denied - Object 'table prj2.nosuch' does not exist.

Objects and settings:
  + prj1: add trustedproject prj2
  + prj1: grant Select on table t to user RAM$owner:alice
  + prj2: grant CreateInstance on project prj2 to user RAM$owner:alice
  + prj2: grant Read on package prj1.pkg to user RAM$owner:alice
  + prj2: install package prj1.pkg
  - prj1: add user RAM$owner:bob

Effective permissions:
  ALIYUN$owner
    + gained Alter on projects/prj1/tables/t in prj2 via owner
    + gained Describe on projects/prj1/tables/t in prj2 via owner
    + gained Drop on projects/prj1/tables/t in prj2 via owner
    + gained Select on projects/prj1/tables/t in prj2 via owner
    + gained Update on projects/prj1/tables/t in prj2 via owner
  RAM$owner:alice
    ~ widened Select on projects/prj1/tables/t (a) -> (all) via direct ACL
    + gained Describe on projects/prj1/tables/t in prj2 via direct ACL; package pkg from project prj1
    + gained Select on projects/prj1/tables/t in prj2 via direct ACL
    + gained CreateInstance on projects/prj2 via direct ACL
  RAM$owner:bob
    - lost Describe on projects/prj1/tables/t via direct ACL

Outflow paths:
  + opened: prj1: add trustedproject prj2
  + opened: prj2: install package prj1.pkg

5 to add, 1 to remove; 8 rights gained, 1 lost, 1 changed.
"
    );
    assert_eq!(records(&cat), before, "plan must not touch the catalog");
    let json = mcsec(
        dir.path(),
        &["plan", "--catalog", &cat, "--format", "json", "change.sql"],
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["failures"][0]["position"], "change.sql:9:1");
    let widened: Vec<&serde_json::Value> = v["rights"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["change"] == "widened")
        .collect();
    assert_eq!(
        (widened.len(), widened[0]["columns_before"].clone()),
        (1, serde_json::json!(["a"]))
    );
    assert_eq!(v["outflows_opened"].as_array().unwrap().len(), 2);

    std::fs::write(
        dir.path().join("noop.sql"),
        "use prj1;\nlist users;\nshow grants;\n",
    )
    .unwrap();
    let noop = mcsec(dir.path(), &["plan", "--catalog", &cat, "noop.sql"]);
    assert_eq!(noop.code, Some(4));
    assert_eq!(
        noop.stdout,
        "Plan: noop.sql (3 statements, 0 would fail)\n\nNo changes.\n"
    );
    std::fs::write(
        dir.path().join("ok.sql"),
        "use prj1;\nadd user RAM$carol;\n",
    )
    .unwrap();
    assert_eq!(
        mcsec(dir.path(), &["plan", "--catalog", &cat, "ok.sql"]).code,
        Some(0)
    );
    assert_eq!(records(&cat), before);
}

#[test]
fn snapshots_reset_a_lesson_and_creates_can_run_twice() {
    let dir = tempfile::tempdir().unwrap();
    let cat = dir.path().join("cat").display().to_string();
    let script = "create project if not exists lesson; use lesson; \
        create table if not exists t (a string); create table if not exists t (b string); \
        add user RAM$alice; snapshot save start; \
        grant Select on table t to user RAM$alice; drop table t; create project if not exists lesson; \
        list snapshots; snapshot restore start; describe t; show grants for RAM$alice;";
    let out = mcsec(dir.path(), &["--catalog", &cat, "-e", script]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let text = out.stdout;
    assert!(
        text.contains("| start | 2026-01-01T00:00:00+0000 |"),
        "{text}"
    );
    assert!(
        text.contains("| a               | string"),
        "the table as saved: {text}"
    );
    assert!(
        !text.contains("Select"),
        "the grant made after the save is gone: {text}"
    );
    let missing = mcsec(
        dir.path(),
        &["--catalog", &cat, "-e", "snapshot restore nope;"],
    );
    assert_eq!(missing.code, Some(1));
    assert!(missing
        .stderr
        .starts_with("FAILED: snapshot nope does not exist\n"));
    let other = mcsec(
        dir.path(),
        &[
            "--catalog",
            &cat,
            "--user",
            "RAM$alice",
            "-e",
            "snapshot save mine;",
        ],
    );
    assert_eq!(other.code, Some(1));
    assert!(
        other.stderr.contains("odps:SaveSnapshot"),
        "{}",
        other.stderr
    );
    let again = mcsec(
        dir.path(),
        &["--catalog", &cat, "-e", "create project lesson;"],
    );
    assert_eq!(
        again.code,
        Some(1),
        "without if not exists a second create fails"
    );
}
