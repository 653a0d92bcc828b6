//! A project's status (`alter project <p> set status normal|overdue|frozen`): anything but
//! normal puts the project in access mode AllDenied, and every request to it — entering it,
//! data statements, management statements, statements from another project that reach it —
//! is refused with 4093, the owner included (reference §10 step 3). Only the owner changes the
//! status, and `normal` gives everything back as it was.

use std::path::Path;
use std::process::{Command, Output};

fn mcsec(catalog: &Path, user: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(catalog)
        .args(["--user", user])
        .args(args)
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .output()
        .expect("mcsec runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const OWNER: &str = "ALIYUN$owner";
const BOB: &str = "RAM$owner:bob";

fn all_denied(project: &str) -> String {
    format!(
        "ODPS-0420095: Access Denied - Authorization Failed [4093], You have NO privilege to do the restricted operation on {{acs:odps:*:projects/{project}}}. Access Mode is AllDenied."
    )
}

/// The first stderr line of a refused statement.
fn refusal(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    text(&out.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

fn setup(catalog: &Path) {
    let out = mcsec(
        catalog,
        OWNER,
        &[
            "-e",
            "create project prj; create project other; use prj; create table t (a string); \
             insert into t values ('x'); add user RAM$bob; grant CreateInstance on project prj to user RAM$bob; \
             grant Select on table t to user RAM$bob; use other; add user RAM$bob; \
             grant CreateInstance on project other to user RAM$bob;",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// What the owner sees of prj once it is normal again.
fn state(catalog: &Path) -> String {
    let out = mcsec(
        catalog,
        OWNER,
        &[
            "--project",
            "prj",
            "-e",
            "list users; show grants for RAM$bob; show acl for t; select * from t;",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn every_status_but_normal_refuses_everyone_with_4093_and_normal_restores() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    setup(&catalog);
    let before = state(&catalog);

    // Only the owner sets the status.
    let out = mcsec(
        &catalog,
        BOB,
        &["-e", "alter project prj set status frozen;"],
    );
    assert_eq!(
        refusal(&out),
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:SetProjectStatus' on {acs:odps:*:projects/prj}."
    );

    for status in ["frozen", "overdue"] {
        let out = mcsec(
            &catalog,
            OWNER,
            &["-e", &format!("alter project prj set status {status};")],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let denied = format!("FAILED: {}", all_denied("prj"));
        for user in [OWNER, BOB] {
            // Entering it.
            assert_eq!(refusal(&mcsec(&catalog, user, &["-e", "use prj;"])), denied);
            assert_eq!(
                refusal(&mcsec(
                    &catalog,
                    user,
                    &["--project", "prj", "-e", "whoami;"]
                )),
                format!(
                    "FAILED: Accessing project 'prj' failed: {}",
                    all_denied("prj")
                )
            );
            // Reaching it from another project: data, management, Tunnel, explain.
            for stmt in [
                "select * from prj.t;",
                "create table copy as select * from prj.t;",
                "tunnel download prj.t out.csv;",
                "grant Select on table prj.t to user RAM$owner:bob;",
                "revoke Select on table prj.t from user RAM$owner:bob;",
                "show acl for prj.t;",
            ] {
                let out = mcsec(&catalog, user, &["--project", "other", "-e", stmt]);
                let first = refusal(&out);
                assert!(
                    first.contains("Authorization Failed [4093]")
                        && first.contains("Access Mode is AllDenied."),
                    "{status} {user} {stmt}: {first}"
                );
            }
            let out = mcsec(
                &catalog,
                user,
                &["--project", "other", "-e", "explain select * from prj.t;"],
            );
            assert!(out.status.success(), "{}", text(&out.stderr));
            let explained = text(&out.stdout);
            assert!(
                explained.contains("\nDecision: DENY [4093]\n"),
                "{explained}"
            );
            assert!(
                explained.contains("    project status             deny      project prj is "),
                "{explained}"
            );
        }
        // Dropping it is refused too.
        assert_eq!(
            refusal(&mcsec(&catalog, OWNER, &["-e", "drop project prj;"])),
            denied
        );
    }

    let out = mcsec(
        &catalog,
        OWNER,
        &["-e", "alter project prj set status normal;"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        state(&catalog),
        before,
        "normal gives back the project as it was"
    );
    // The status is no project property.
    let out = mcsec(&catalog, OWNER, &["--project", "prj", "-e", "setproject;"]);
    assert!(
        !text(&out.stdout).contains("mcsec."),
        "{}",
        text(&out.stdout)
    );
    let out = mcsec(
        &catalog,
        OWNER,
        &[
            "--project",
            "prj",
            "-e",
            "setproject mcsec.project.status=frozen;",
        ],
    );
    assert_eq!(
        refusal(&out),
        "FAILED: mcsec.project.status is not a project property: the project status is set with alter project <p> set status <normal|overdue|frozen>"
    );
    let out = mcsec(
        &catalog,
        BOB,
        &["--project", "prj", "-e", "select * from t;"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn explain_of_a_management_statement_on_a_frozen_project_names_the_status_layer() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    setup(&catalog);
    let out = mcsec(
        &catalog,
        OWNER,
        &[
            "--project",
            "other",
            "-e",
            "alter project prj set status overdue; explain grant Select on table prj.t to user RAM$owner:bob;",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let explained = text(&out.stdout);
    assert!(
        explained.contains("\nDecision: DENY [4093]\n"),
        "{explained}"
    );
    assert!(
        explained.contains("\nCheck 2: access to project prj: DENY [4093]\n"),
        "{explained}"
    );
    assert!(
        explained.contains("would be allowed if project prj were normal again (alter project prj set status normal; in prj, by the owner of prj)"),
        "{explained}"
    );
}
