//! What a new user runs into, through the real binary: input decoding, table alignment, the
//! refusals that replace silent no-ops, batch habits, and the consistency rules of README
//! ("Usability rules"). Each test states the exact output.

#[path = "common/cli.rs"]
mod cli;

use cli::{in_memory as memory, mcsec, Run, Tmpfs};

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("bom.sql"),
        b"\xEF\xBB\xBFcreate project prj;\n",
    )
    .unwrap();
    let run = memory(dir.path(), &["-f", "bom.sql"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (Some(0), "OK\n", "")
    );
}

#[test]
fn invalid_utf8_is_refused_with_its_byte_offset_before_anything_runs() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("bad.sql"),
        b"create project prj;\nuse \xFFprj;\n",
    )
    .unwrap();
    let catalog = dir.path().join("cat");
    let cat = catalog.to_str().unwrap();
    let run = mcsec(dir.path(), &["--catalog", cat, "-f", "bad.sql"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "FAILED: bad.sql:2:5: invalid UTF-8 at byte offset 24\n"
    );
    let run = mcsec(dir.path(), &["--catalog", cat, "-e", "list projects;"]);
    assert_eq!(run.stdout, "OK\n", "nothing ran");
    // The formatter reads files the same way.
    let run = mcsec(dir.path(), &["fmt", "bad.sql"]);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "FAILED: bad.sql:2:5: invalid UTF-8 at byte offset 24\n"
    );
}

#[test]
fn tables_align_chinese_text_and_emoji_by_display_width() {
    let dir = tempdir();
    let run = memory(
        dir.path(),
        &["-e", "create project prj; use prj; create table customers (name string, city string); \
                 insert into customers values ('张三', '北京'), ('bob', 'NYC 🙂'); select * from customers;"],
    );
    assert_eq!(run.stderr, "");
    let table = run.stdout.lines().skip(4).collect::<Vec<_>>().join("\n");
    assert_eq!(
        table,
        "+------+--------+\n\
         | name | city   |\n\
         +------+--------+\n\
         | 张三 | 北京   |\n\
         | bob  | NYC 🙂 |\n\
         +------+--------+"
    );
}

#[test]
fn misspelt_security_switches_and_properties_are_refused_with_the_nearest_name() {
    let dir = tempdir();
    let setup = "create project prj; use prj;";
    for (stmt, error) in [
        (
            "set LabelSecurty=true;",
            "FAILED: 'LabelSecurty' is not a security switch; did you mean 'LabelSecurity'?",
        ),
        (
            "setproject odps.security.ip.whitelst=10.0.0.0/8;",
            "FAILED: 'odps.security.ip.whitelst' is not a security property; did you mean 'odps.security.ip.whitelist'?",
        ),
        (
            "setproject odps.security.enabledownloadprivilge=true;",
            "FAILED: 'odps.security.enabledownloadprivilge' is not a security property; did you mean 'odps.security.enabledownloadprivilege'?",
        ),
    ] {
        let run = memory(dir.path(), &["-e", &format!("{setup} {stmt} show SecurityConfiguration;")]);
        assert_eq!(run.code, Some(1), "{stmt}");
        assert_eq!(run.stderr.lines().next(), Some(error), "{stmt}");
        assert_eq!(run.stdout, "OK\nOK\n", "{stmt}: nothing after it ran");
    }
    let run = memory(
        dir.path(),
        &["-e", &format!("{setup} set odps.sql.allow.fullscan=true;")],
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(
        run.stdout,
        "OK\nOK\nOK: session flag odps.sql.allow.fullscan=true (no security setting changed)\n"
    );
}

const DEPLOY: &str = "create project prod;
create project analytics;
use analytics;
set odps.sql.allow.fullscan=true;
use prodpjr;
create table t (a string);
add user RAM$owner:bob;
use prod;
create table t (a string);
";

#[test]
fn a_failed_use_under_keep_going_leaves_no_project_current() {
    let dir = tempdir();
    std::fs::write(dir.path().join("deploy.sql"), DEPLOY).unwrap();
    let catalog = dir.path().join("cat");
    let cat = catalog.to_str().unwrap();
    let run = mcsec(
        dir.path(),
        &["--catalog", cat, "--keep-going", "-f", "deploy.sql"],
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "FAILED: ODPS-0420111: Project not found - 'prodpjr'.
  in statement 5 at deploy.sql:5:1 ('prodpjr' at deploy.sql:5:5)
FAILED: no project selected: run 'use <project>;' first
  in statement 6 at deploy.sql:6:1
  no project is current: statement 5 (use prodpjr) failed
FAILED: no project selected: run 'use <project>;' first
  in statement 7 at deploy.sql:7:1
  no project is current: statement 5 (use prodpjr) failed
9 statements, 3 failed
"
    );
    // Nothing landed in analytics; the table went to prod, after the good `use`.
    let run = mcsec(
        dir.path(),
        &["--catalog", cat, "-e", "use analytics; list users;"],
    );
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("OK\nOK\n", ""));
    let run = mcsec(
        dir.path(),
        &["--catalog", cat, "-e", "use analytics; desc t;"],
    );
    assert_eq!(run.code, Some(1), "no table t in analytics");
    let run = mcsec(dir.path(), &["--catalog", cat, "-e", "use prod; desc t;"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn the_json_stream_of_keep_going_ends_with_a_summary_object() {
    let dir = tempdir();
    std::fs::write(dir.path().join("deploy.sql"), DEPLOY).unwrap();
    let run = memory(
        dir.path(),
        &["--keep-going", "--format", "json", "-f", "deploy.sql"],
    );
    let last = run.stdout.lines().last().unwrap();
    assert_eq!(last, r#"{"type":"summary","statements":9,"failed":3}"#);
    assert_eq!(run.stdout.lines().count(), 10);
}

#[test]
fn k_replays_the_session_statements_before_it_and_says_so() {
    let dir = tempdir();
    let script = "create project prod;
create project analytics;
use analytics;
set odps.sql.allow.fullscan=true;
create table t (a string);
add user RAM$owner:bob;
";
    std::fs::write(dir.path().join("s.sql"), script).unwrap();
    let catalog = dir.path().join("cat");
    let cat = catalog.to_str().unwrap();
    let run = mcsec(
        dir.path(),
        &["--catalog", cat, "-e", "create project analytics;"],
    );
    assert_eq!(run.code, Some(0));
    let run = mcsec(dir.path(), &["--catalog", cat, "-f", "s.sql", "-k", "5"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (
            Some(0),
            "OK\nOK\n",
            "-k 5: replayed statements 3 (use analytics), 4 (set odps.sql.allow.fullscan=true); 2 statements before it not run\n"
        )
    );
    let run = mcsec(
        dir.path(),
        &[
            "--catalog",
            cat,
            "--project",
            "analytics",
            "-e",
            "list users;",
        ],
    );
    assert_eq!(run.stdout, "RAM$owner:bob\n");
    let run = mcsec(dir.path(), &["--catalog", cat, "-e", "list projects;"]);
    assert_eq!(run.stdout, "analytics\n", "statements 1 and 2 did not run");
}

fn usage_line(run: &Run) -> &str {
    run.stderr.lines().next().unwrap_or("")
}

#[test]
fn a_file_or_an_uncreatable_path_as_catalog_is_a_usage_error() {
    let dir = tempdir();
    std::fs::write(dir.path().join("afile"), "").unwrap();
    let run = mcsec(dir.path(), &["--catalog", "afile", "-e", "list projects;"]);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        usage_line(&run),
        "error: --catalog afile is a file, not a directory: give a directory (created on first use) or :memory:"
    );
    let run = mcsec(dir.path(), &["--catalog", "afile/cat", "-e", "list projects;"]);
    assert_eq!(run.code, Some(2));
    assert!(
        usage_line(&run).starts_with("error: cannot use --catalog afile/cat: "),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unquoted_dollar_in_user_gets_a_hint_to_quote() {
    let dir = tempdir();
    // What bash passes for `--user RAM$alice` when $alice is unset.
    let run = memory(dir.path(), &["--user", "RAM", "-e", "whoami;"]);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        usage_line(&run),
        "error: invalid principal 'RAM' for --user: expected ALIYUN$<account>, RAM$<account>:<user> or RAM$<user> (did your shell expand '$...'? quote the principal: --user 'RAM$alice')"
    );
    let run = memory(dir.path(), &["--user", "bob", "-e", "whoami;"]);
    assert_eq!(
        usage_line(&run),
        "error: invalid principal 'bob' for --user: expected ALIYUN$<account>, RAM$<account>:<user> or RAM$<user>"
    );
}

#[test]
fn revoking_from_a_principal_that_does_not_exist_fails_like_grant() {
    let dir = tempdir();
    let setup = "create project prj; use prj; create table t (a string); create role r1;";
    for stmt in [
        "revoke Select on table t from user RAM$owner:ghost;",
        "revoke Select on table t from role ghost;",
        "revoke r1 from RAM$owner:ghost;",
        "revoke label on table t from user RAM$owner:ghost;",
    ] {
        let run = memory(dir.path(), &["-e", &format!("{setup} {stmt}")]);
        assert_eq!(run.code, Some(1), "{stmt}");
        let first = run.stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("FAILED: ODPS-0420095: Access Denied - Principal")
                && first.ends_with("does not exist in project prj."),
            "{stmt}: {}",
            run.stderr
        );
    }
    // A removed user who still holds a grant can be revoked from: that is how it is cleaned up.
    let run = memory(
        dir.path(),
        &["-e", &format!("{setup} add user RAM$owner:bob; grant Select on table t to user RAM$owner:bob; \
                          remove user RAM$owner:bob; revoke Select on table t from user RAM$owner:bob;")],
    );
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""));
}

#[test]
fn a_read_only_catalog_answers_reads_and_refuses_changes() {
    let Some(fs) = Tmpfs::mount("16m") else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let dir = tempdir();
    let catalog = fs.dir.path().join("cat");
    let cat = catalog.to_str().unwrap();
    let run = mcsec(dir.path(), &["--catalog", cat, "-e", "create project prj; use prj; add user RAM$owner:bob;"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    fs.remount("ro");
    let run = mcsec(
        dir.path(),
        &["--catalog", cat, "--keep-going", "-e", "use prj; list users; add user RAM$owner:amy; list users;"],
    );
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "OK\nRAM$owner:bob\nRAM$owner:bob\n");
    assert_eq!(
        run.stderr,
        format!(
            "warning: catalog {cat} is read-only: statements that would change it fail\n\
             FAILED: catalog error: catalog {cat} is read-only: this statement would change it\n  \
             in statement 3 at <cmdline>:1:22\n4 statements, 1 failed\n"
        )
    );
}

const PROTECTED: &str = "create project prj1;
create project prj2;
use prj1;
create table t1 (a string);
add user RAM$owner:alice;
grant Select on table t1 to user RAM$owner:alice;
set ProjectProtection=true;
use prj2;
add user RAM$owner:alice;
grant CreateInstance, CreateTable on project prj2 to user RAM$owner:alice;
";

#[test]
fn explain_suggests_runnable_fixes_and_who_may_run_them() {
    let dir = tempdir();
    std::fs::write(dir.path().join("setup.sql"), PROTECTED).unwrap();
    let catalog = dir.path().join("cat");
    let cat = catalog.to_str().unwrap();
    assert_eq!(mcsec(dir.path(), &["--catalog", cat, "-f", "setup.sql"]).code, Some(0));
    let alice = ["--catalog", cat, "--user", "RAM$owner:alice", "--project", "prj2"];
    let flow = "create table t2 as select a from prj1.t1;";
    let run = mcsec(dir.path(), &[&alice[..], &["-e", &format!("explain {flow}")]].concat());
    assert!(run.stdout.contains(
        "  - would be allowed if prj2 were a trusted project of prj1 (add trustedproject prj2; in prj1, by the owner or a Super_Administrator of prj1)\n"
    ), "{}", run.stdout);
    assert!(!run.stdout.contains("<file>") && !run.stdout.contains("<n>"), "{}", run.stdout);
    // The exception-policy way is runnable as printed: write the policy, run the statement.
    let way = run
        .stdout
        .lines()
        .find(|l| l.contains("exception.json"))
        .expect("an exception-policy way");
    let policy = way
        .split_once("(write ")
        .and_then(|(_, rest)| rest.split_once(" to exception.json, then: "))
        .map(|(policy, _)| policy)
        .expect("the policy text");
    std::fs::write(dir.path().join("exception.json"), policy).unwrap();
    assert!(way.ends_with(
        "then: set ProjectProtection=true with exception exception.json; in prj1, by the owner or a Super_Administrator of prj1)"
    ), "{way}");
    let run = mcsec(dir.path(), &["--catalog", cat, "--project", "prj1", "-e",
        "set ProjectProtection=true with exception exception.json;"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let run = mcsec(dir.path(), &[&alice[..], &["-e", flow]].concat());
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "OK\n"), "{}", run.stderr);
}

#[test]
fn explain_names_the_policy_pattern_that_matched() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("deny.json"),
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Principal": ["RAM$owner:bob"],
            "Action": ["odps:Select"], "Resource": ["acs:odps:*:projects/prj/tables/t*"]}]}"#,
    )
    .unwrap();
    let run = memory(
        dir.path(),
        &["-e", "create project prj; use prj; create table t1 (a string); add user RAM$owner:bob; \
                 grant Select on table t1 to user RAM$owner:bob; put policy deny.json; \
                 explain for RAM$owner:bob select a from t1;"],
    );
    assert!(run.stdout.contains(
        "    policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj/tables/t*\n"
    ), "{}", run.stdout);
}

#[test]
fn explaining_another_principal_outside_a_project_needs_the_tenant_grants_view() {
    let dir = tempdir();
    let run = memory(
        dir.path(),
        &["-e", "create project prj; use prj; add user RAM$owner:bob; add user RAM$owner:alice; \
                 login RAM$owner:alice; explain for RAM$owner:bob show grants for RAM$owner:bob;"],
    );
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with(
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:ShowGrants'"
    ), "{}", run.stderr);
    // Outside any project alice still may not look into bob's rights; the tenant account may.
    let script = "create project prj; use prj; add user RAM$owner:bob; add user RAM$owner:alice; \
                  drop project prj; login RAM$owner:alice; explain for RAM$owner:bob list projects;";
    let run = memory(dir.path(), &["-e", script]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.starts_with(
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:ShowTenantGrants'"
    ), "{}", run.stderr);
    let run = memory(dir.path(), &["-e", "explain for RAM$owner:bob list projects;"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn misspelt_keywords_kinds_and_enumerated_words_get_the_nearest_one() {
    let dir = tempdir();
    for (stmt, error) in [
        ("grnt select on table t to user RAM$x;", "FAILED: <cmdline>:2:1: expected a statement, found 'grnt'; did you mean 'grant'?"),
        ("grant Select on tabel t1 to user RAM$x;", "FAILED: <cmdline>:2:17: expected an object type, found 'tabel'; did you mean 'table'?"),
        ("grant Select on table t1 to usr RAM$x;", "FAILED: <cmdline>:2:29: expected USER or ROLE, found 'usr'; did you mean 'user'?"),
        ("alter project prj set status frozn;", "FAILED: <cmdline>:2:30: expected <project status (normal, overdue, frozen)>, found 'frozn'; did you mean 'frozen'?"),
        ("grant Selct on table t1 to user RAM$owner:bob;", "FAILED: ODPS-0420095: Access Denied - Invalid privilege 'Selct' for object type table. Did you mean 'Select'?"),
    ] {
        let run = memory(dir.path(), &["-e", &format!("create project prj; use prj; create table t1 (a string); add user RAM$owner:bob;\n{stmt}")]);
        assert_eq!(run.stderr.lines().next(), Some(error), "{stmt}");
    }
}

#[test]
fn a_name_that_does_not_exist_gets_the_nearest_real_one_and_its_position() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("grants.sql"),
        "create project prod;\nuse prod;\ncreate table orders (a string);\nadd user RAM$owner:alice;\n\
         grant Select\n  on table orderz to user RAM$alice;\n",
    )
    .unwrap();
    let run = memory(dir.path(), &["-f", "grants.sql"]);
    assert_eq!(
        run.stderr,
        "FAILED: ODPS-0420095: Access Denied - Object 'table prod.orderz' does not exist. Did you mean 'orders'?\n  \
         in statement 5 at grants.sql:5:1 ('orderz' at grants.sql:6:12)\n"
    );
    let run = memory(dir.path(), &["--format", "json", "-f", "grants.sql"]);
    let failure: serde_json::Value = serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(failure["subject"], "orderz");
    assert_eq!(failure["position"], serde_json::json!({"file": "grants.sql", "line": 6, "col": 12}));
    // A caller who may not list the project's names is told nothing more.
    let run = memory(
        dir.path(),
        &["-e", "create project prod; use prod; create table orders (a string); add user RAM$owner:alice; \
                 login RAM$owner:alice; grant Select on table orderz to user RAM$owner:alice;"],
    );
    assert_eq!(
        run.stderr.lines().next(),
        Some("FAILED: ODPS-0420095: Access Denied - Object 'table prod.orderz' does not exist.")
    );
}
