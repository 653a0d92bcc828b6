//! Authorization scenarios written from the reference and the contract: each drives the `mcsec` binary on
//! a throw-away catalog and asserts the exact text a learner would see.

use std::process::Command;

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

/// Runs `script` as a `-f` file (in its own directory, so relative paths land there) with the
/// clock fixed.
fn run(script: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("case.sql");
    std::fs::write(&file, script).expect("write script");
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .current_dir(dir.path())
        .env("MCSEC_NOW", "2022-01-01T00:00:00Z")
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_CATALOG")
        .args(["--catalog", ":memory:", "-f", "case.sql"])
        .output()
        .expect("run mcsec");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn first_failure(r: &Run) -> &str {
    r.stderr.lines().next().unwrap_or("")
}

const PACKAGE_SETUP: &str = "
create project test_project_a;
create project test_project_b;
use test_project_a;
create table sale_detail (shop_name string, customer_id string);
insert into sale_detail values ('s1', 'c1');
create package datashare;
add table sale_detail to package datashare;
allow project test_project_b to install package datashare;
use test_project_b;
install package test_project_a.datashare;
add user RAM$owner:bella;
grant CreateInstance on project test_project_b to user RAM$owner:bella;
";

#[test]
fn package_installed_but_not_readable_names_the_package_in_the_4002_text() {
    let r = run(&format!(
        "{PACKAGE_SETUP}login RAM$owner:bella;\nselect * from test_project_a.sale_detail;\n"
    ));
    assert_eq!(r.code, 1);
    assert_eq!(
        first_failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project test_project_a. Resource has been intalled, You Need 'odps:Read' privilege on one of following packages test_project_a.datashare"
    );
}

#[test]
fn package_read_grant_opens_the_shared_table_only() {
    let r = run(&format!(
        "{PACKAGE_SETUP}grant Read on package test_project_a.datashare to user RAM$owner:bella;
login RAM$owner:bella;
select * from test_project_a.sale_detail;
"
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.ends_with(
        "+-----------+-------------+\n| shop_name | customer_id |\n+-----------+-------------+\n| s1        | c1          |\n+-----------+-------------+\n"
    ));
}

#[test]
fn not_a_member_and_no_package_is_the_plain_4002_text() {
    let r = run("create project prj_a;\ncreate project prj_b;\nuse prj_a;\ncreate table t (c string);\nuse prj_b;\nadd user RAM$owner:bella;\ngrant CreateInstance on project prj_b to user RAM$owner:bella;\nlogin RAM$owner:bella;\nselect * from prj_a.t;\n");
    assert_eq!(r.code, 1);
    assert_eq!(
        first_failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj_a."
    );
}

#[test]
fn package_objects_are_named_unqualified() {
    let r = run("create project test_project_a;
use test_project_a;
create table sale_detail (shop_name string);
create package datashare;
add table test_project_a.sale_detail to package datashare;
");
    assert_eq!(r.code, 1);
    assert_eq!(
        first_failure(&r),
        "FAILED: ODPS-0420095: Access Denied - Object names in a package are unqualified: use 'sale_detail', not 'test_project_a.sale_detail'."
    );
    assert_eq!(r.stdout, "OK\nOK\nOK\nOK\n");
}

#[test]
fn data_statement_errors_use_the_odps_code_format_of_reference_11_1() {
    let r = run(
        "create project prj1;\nuse prj1;\ncreate table t1 (a string);\nselect * from nosuch;\n",
    );
    assert_eq!(
        first_failure(&r),
        "FAILED: ODPS-0130131:Table not found - table prj1.nosuch cannot be resolved"
    );
    let r =
        run("create project prj1;\nuse prj1;\ncreate table t1 (a string);\nselect zz from t1;\n");
    assert_eq!(
        first_failure(&r),
        "FAILED: ODPS-0130071:Semantic analysis exception - column zz cannot be resolved in table prj1.t1"
    );
    assert_eq!(r.code, 1);
}

const PROTECTED_SETUP: &str = "
create project alipay;
create project prj2;
use alipay;
create table table_test (id bigint, name string);
insert into table_test values (1, 'a');
add user ALIYUN$Alice@aliyun.com;
grant CreateInstance on project alipay to user ALIYUN$Alice@aliyun.com;
grant Select on table table_test to user ALIYUN$Alice@aliyun.com;
use prj2;
add user ALIYUN$Alice@aliyun.com;
grant CreateInstance, CreateTable on project prj2 to user ALIYUN$Alice@aliyun.com;
use alipay;
set ProjectProtection=true;
login ALIYUN$Alice@aliyun.com;
";

/// The contract fixes the 4021 reason as `project '<p>' is protected.` on both paths (the
/// service's longer advice sentence is cut off in the public captures).
#[test]
fn protection_refusals_use_the_contract_4021_reason_on_both_paths() {
    let r = run(&format!(
        "{PROTECTED_SETUP}use prj2;\ncreate table t2 as select * from alipay.table_test;\n"
    ));
    assert_eq!(r.code, 1);
    assert_eq!(
        first_failure(&r),
        "FAILED: ODPS-0130013:Authorization exception - Authorization Failed [4021], You have NO privilege 'odps:Select' on {acs:odps:*:projects/alipay/tables/table_test}. project 'alipay' is protected."
    );
    let r = run(&format!(
        "{PROTECTED_SETUP}tunnel download table_test out.csv;\n"
    ));
    assert_eq!(r.code, 1);
    assert_eq!(
        first_failure(&r),
        "FAILED: ErrorCode=NoPermission, ErrorMessage=Authorization Failed [4021], You have NO privilege 'odps:Select' on {acs:odps:*:projects/alipay/tables/table_test}. project 'alipay' is protected."
    );
}

const LABEL_SETUP: &str = "
create project prj1;
use prj1;
create table t1 (a string, b string);
insert into t1 values ('1', '2');
add user RAM$owner:alice;
grant CreateInstance on project prj1 to user RAM$owner:alice;
grant Select on table t1 to user RAM$owner:alice;
set LabelSecurity=true;
set label 2 to table t1(b);
";

#[test]
fn label_grant_with_the_largest_documented_exp_prints_a_date_and_opens_the_column() {
    let r = run(&format!(
        "{LABEL_SETUP}grant label 2 on table t1 to user RAM$owner:alice with exp 9223372036854775807;
show label grants on table t1;
login RAM$owner:alice;
select b from t1;
"
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("| RAM$owner:alice | 2            | 9999-12-31T23:59:59+0000 |\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with("+---+\n| b |\n+---+\n| 2 |\n+---+\n"));
}

#[test]
fn label_grant_beyond_the_documented_exp_range_is_refused() {
    let r = run(&format!(
        "{LABEL_SETUP}grant label 2 on table t1 to user RAM$owner:alice with exp 9223372036854775808;\n"
    ));
    assert_eq!(r.code, 1);
    assert_eq!(
        first_failure(&r),
        "FAILED: Invalid expiration 9223372036854775808: with exp takes a number of days from 0 to 9223372036854775807."
    );
}

#[test]
fn labels_of_another_projects_table_cannot_be_set_or_granted_from_here() {
    let setup = "create project prj1;
create project prj2 owner ALIYUN$other;
login ALIYUN$other;
use prj2;
create table secret (a string);
add user ALIYUN$owner;
login ALIYUN$owner;
use prj1;
add user RAM$owner:alice;
";
    let want = "FAILED: ODPS-0420095: Access Denied - Table prj2.secret belongs to project prj2: set its labels and label grants from that project (use prj2;).";
    for stmt in [
        "set label 5 to table prj2.secret;",
        "grant label 9 on table prj2.secret to user RAM$owner:alice;",
        "revoke label on table prj2.secret from user RAM$owner:alice;",
        "show label grants on table prj2.secret;",
    ] {
        let r = run(&format!("{setup}{stmt}\n"));
        assert_eq!(r.code, 1, "{stmt}");
        assert_eq!(first_failure(&r), want, "{stmt}");
    }
    let r = run(&format!(
        "{setup}create table t (a string);\nset label 2 to table prj1.t;\ndescribe t;\n"
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("| TableLabel:               2 "));
}

#[test]
fn explain_of_a_label_refusal_through_a_package_points_at_using_label() {
    let r = run(&format!(
        "{PACKAGE_SETUP}use test_project_a;
set LabelSecurity=true;
set label 3 to table sale_detail(customer_id);
allow project test_project_b to install package datashare using label 2;
use test_project_b;
grant Read on package test_project_a.datashare to user RAM$owner:bella;
login RAM$owner:bella;
explain select customer_id from test_project_a.sale_detail;
"
    ));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Decision: DENY [4031]\n"), "{}", r.stdout);
    assert!(r.stdout.ends_with(
        "Ways to change the outcome:\n  - needs package label >= 3 (allow project test_project_b to install package datashare using label 3; in test_project_a, by the owner or a Super_Administrator of test_project_a)\n"
    ), "{}", r.stdout);
}
