//! Regressions for the management families (users, roles, ACL, policy-mode grants,
//! settings), driven through the real binary exactly as a script would run them: each test
//! runs `mcsec --catalog :memory: -e "<script>"` and asserts the exact stdout, stderr and exit
//! code, so a deviation from the reference, once fixed, cannot come back unnoticed.

use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `statements` as one `-e` batch on a throw-away catalog, as `ALIYUN$owner`, with the
/// clock fixed so that expiry dates are stable.
fn run(statements: &str) -> Run {
    run_with(&[], statements)
}

/// [`run`] with extra command-line arguments (e.g. `--keep-going`, `--user`).
fn run_with(args: &[&str], statements: &str) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(["--catalog", ":memory:"])
        .args(args)
        .args(["-e", statements])
        .env_remove("MCSEC_CATALOG")
        .env_remove("MCSEC_USER")
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .output()
        .expect("spawn mcsec");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// The first line of stderr: the `FAILED:` message without the `in statement` locator.
fn failure(r: &Run) -> &str {
    r.stderr.lines().next().unwrap_or("")
}

#[test]
fn policy_grant_to_an_admin_role_is_refused_and_changes_nothing() {
    let r = run(
        r#"create project prj; use prj; create role ops privilegeproperties("type"="admin");
        grant Select on table * to role ops privilegeproperties("policy"="true", "allow"="true");"#,
    );
    assert_eq!(r.code, 1);
    assert_eq!(
        failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Role ops is an admin role: it takes management permissions only, and only through a policy."
    );
    let after = run_with(
        &["--keep-going"],
        r#"create project prj; use prj; create role ops privilegeproperties("type"="admin");
        grant Select on table * to role ops privilegeproperties("policy"="true");
        revoke Select on table * from role ops privilegeproperties("policy"="true", "allow"="true");
        get policy on role ops;"#,
    );
    assert_eq!(after.code, 1);
    assert_eq!(
        after.stdout,
        "OK\nOK\nOK\nOK\n{\n  \"Version\": \"1\",\n  \"Statement\": []\n}\n"
    );
}

#[test]
fn an_unknown_account_provider_is_named_as_such() {
    let r = run("create project prj; use prj; add accountprovider foo;");
    assert_eq!(r.code, 1);
    assert_eq!(
        failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Invalid account provider FOO: the account providers are ALIYUN, RAM and TAOBAO."
    );
    let r = run_with(
        &["--keep-going"],
        "create project prj; use prj; remove accountprovider foo; list accountproviders;",
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "OK\nOK\nALIYUN\nRAM\n");
}

#[test]
fn a_ram_principal_without_a_user_is_an_invalid_account_even_without_the_ram_provider() {
    let r = run("create project prj; use prj; remove accountprovider ram; add user RAM$;");
    assert_eq!(r.code, 1);
    assert_eq!(
        failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Invalid account Name RAM$owner:"
    );
    let r = run("create project prj; use prj; remove accountprovider ram; add user RAM$dave;");
    assert_eq!(
        failure(&r),
        "FAILED: lack of account provider, principalName RAM$owner:dave"
    );
}

/// Reference §2.1 `describe role Worker;` sample, with the grants made in another order than
/// the sample lists them: ACL rows and policy rows both come out by resource path.
#[test]
fn describe_role_lists_rows_as_the_reference_sample() {
    let r = run_with(
        &["--user", "ALIYUN$Bob@aliyun.com"],
        r#"create project test_project_a; use test_project_a;
        create table bank_data (a string);
        create role Worker; add user RAM$Allen; grant Worker to RAM$Allen;
        grant Download on table bank_data to role Worker;
        grant CreateTable, CreateFunction, CreateInstance, List, CreateResource on project test_project_a to ROLE Worker;
        grant Drop on table view_1 to role Worker privilegeproperties("policy"="true", "allow"="true");
        grant Download, Drop on table tb_* to role Worker privilegeproperties("policy"="true", "allow"="true");
        grant Update on table sale_detail to role Worker privilegeproperties("policy"="true", "allow"="true");
        grant Download on table bak* to role Worker privilegeproperties("policy"="true", "allow"="true");
        describe role Worker;"#,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = "[users]
RAM$Bob@aliyun.com:Allen

Authorization Type: ACL
A       projects/test_project_a: CreateTable | CreateResource | CreateInstance | CreateFunction | List
A       projects/test_project_a/tables/bank_data: Download

Authorization Type: Policy
A       projects/test_project_a/tables/bak*: Download
A       projects/test_project_a/tables/sale_detail: Update
A       projects/test_project_a/tables/tb_*: Download | Drop
A       projects/test_project_a/tables/view_1: Drop
";
    assert!(r.stdout.ends_with(expected), "got:\n{}", r.stdout);
    assert_eq!(r.stdout, format!("{}{expected}", "OK\n".repeat(12)));
}

/// §9.2: bare `setproject` prints every property as `key=value`, then `OK`.
#[test]
fn bare_setproject_lists_properties_then_ok() {
    let r = run("create project prj1; use prj1; setproject odps.security.enabledownloadprivilege=true; setproject;");
    assert_eq!(
        r.stdout,
        "OK\nOK\nOK\nodps.security.enabledownloadprivilege=true\nodps.security.ip.whitelist=\nodps.security.vpc.whitelist=\nOK\n"
    );
    assert_eq!(r.code, 0);
}

/// The largest `expires` (2^63-1 days) is valid and shows as the last printable time.
#[test]
fn a_huge_acl_expiry_prints_as_the_last_printable_time() {
    let r = run(
        "create project prj1; use prj1; create table t (a string); add user RAM$bob; \
         grant Select on table t to user RAM$bob privilegeproperties(\"expires\"=\"9223372036854775807\"); \
         show grants for RAM$bob;",
    );
    assert!(
        r.stdout.ends_with(
            "A       projects/prj1/tables/t: Select\tExpires:9999-12-31T23:59:59+0000\n"
        ),
        "{}",
        r.stdout
    );
}

/// A package grant names the installed package; when it is not installed, say so.
#[test]
fn a_grant_on_a_package_that_is_not_installed_says_so() {
    let r = run("create project prj1; create project prj2; use prj2; add user RAM$bob; grant Read on package prj1.pkg to user RAM$bob;");
    assert_eq!(
        failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Package prj1.pkg is not installed in project prj2."
    );
    assert_eq!(r.code, 1);
}

/// `login` and `--user` take a real principal (`ALIYUN$acct`, `RAM$acct:user`, `RAM$user`).
#[test]
fn login_and_user_flag_refuse_a_principal_without_a_provider() {
    let r = run("create project prj1; use prj1; login nobody; whoami;");
    assert_eq!(
        failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Invalid account Name nobody"
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, "OK\nOK\n"));
    let r = run_with(&["--user", "nobody"], "whoami;");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("invalid principal 'nobody' for --user"),
        "{}",
        r.stderr
    );
    let r = run_with(&["--user", "ram$bob"], "whoami;");
    assert_eq!(
        (r.code, r.stdout.lines().next()),
        (0, Some("Name: RAM$owner:bob"))
    );
}
