//! `show outflow paths` agrees with what the statements do: over the tenant of
//! `tests/golden/outflow.sql`, every (principal, table, way out) the sources cover is tried as
//! the real statement through the binary — a CTAS into the trusted project, a Tunnel download,
//! a `select` from the installing project — and the statement succeeds exactly when its path
//! is listed. Then removing the trusted project removes those paths, and the owner's CTAS is
//! refused with 4021.

#[path = "common/cli.rs"]
mod cli;

use std::path::{Path, PathBuf};

fn mcsec(catalog: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = cli::on_catalog(catalog, args);
    (run.code, run.stdout, run.stderr)
}

/// The statements of the golden script before its first `show outflow paths`.
fn setup() -> String {
    let script = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/outflow.sql"),
    )
    .expect("the golden script");
    let end = script
        .find("\nshow outflow paths")
        .expect("a show statement");
    // Without its comment lines: a `-e` value may not start with `--`.
    script[..end]
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn chains(catalog: &Path) -> Vec<String> {
    let (code, out, err) = mcsec(catalog, &["--format", "json", "-e", "show outflow paths;"]);
    assert_eq!(code, Some(0), "{err}");
    let record: serde_json::Value = serde_json::from_str(out.trim()).expect("a record");
    record["result"]["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| p["chain"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// A fresh catalog holding the tenant of the golden script: (its directory, the catalog).
fn tenant() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let catalog = dir.path().join("cat");
    let (code, _, err) = mcsec(&catalog, &["-e", &setup()]);
    assert_eq!(code, Some(0), "{err}");
    (dir, catalog)
}

#[test]
fn listed_paths_are_exactly_the_statements_that_succeed() {
    let (dir, catalog) = tenant();
    let listed = chains(&catalog);
    let principals = [
        "ALIYUN$owner",
        "RAM$owner:alice",
        "RAM$owner:bob",
        "RAM$owner:carol",
    ];
    let mut attempts = 0;
    for (n, principal) in principals.iter().enumerate() {
        for table in ["t1", "t2"] {
            let csv = dir.path().join(format!("{n}_{table}.csv"));
            let tries = [
                (
                    "prj2",
                    format!("create table prj2.c{n}_{table} as select * from prj1.{table};"),
                    format!("{principal}: Select prj1.{table} → CreateTable prj2 (prj2 is a trusted project of prj1)"),
                ),
                (
                    "prj1",
                    format!("tunnel download prj1.{table} {};", csv.display()),
                    format!("{principal}: Select prj1.{table} → Download to client ("),
                ),
                (
                    "prj3",
                    format!("select * from prj1.{table};"),
                    format!("{principal}: Select prj1.{table} → CreateInstance prj3 (package prj1.pkg is installed in prj3)"),
                ),
            ];
            for (current, statement, chain) in tries {
                let is_listed = listed.iter().any(|c| c.starts_with(&chain));
                // A principal that may not enter the project cannot run anything there.
                let (code, _, err) = mcsec(
                    &catalog,
                    &["--user", principal, "--project", current, "-e", &statement],
                );
                let succeeded = code == Some(0);
                assert_eq!(
                    succeeded, is_listed,
                    "{principal} `{statement}` in {current}: succeeded={succeeded} listed={is_listed}\n{err}\n{listed:#?}"
                );
                attempts += 1;
            }
        }
    }
    assert_eq!(attempts, 24);
    // The tunnel-download source: prj4 is neither protected nor under download control.
    assert!(listed.contains(&"ALIYUN$owner: Select prj4.t4 → Download to client (prj4 is not protected and download control is off)".to_string()), "{listed:#?}");
}

#[test]
fn removing_the_trusted_project_removes_its_paths() {
    let (_dir, catalog) = tenant();
    assert!(chains(&catalog)
        .iter()
        .any(|c| c.contains("trusted project")));
    let (code, _, err) = mcsec(
        &catalog,
        &["--project", "prj1", "-e", "remove trustedproject prj2;"],
    );
    assert_eq!(code, Some(0), "{err}");
    let after = chains(&catalog);
    assert!(
        after.iter().all(|c| !c.contains("trusted project")),
        "{after:#?}"
    );
    // alice still gets t1 into prj2: her exception statement allows SQL jobs too, and prj2,
    // no longer trusted, is now one of the other projects that source covers.
    assert!(after.iter().any(|c| c.starts_with("RAM$owner:alice: Select prj1.t1 → CreateInstance prj2 (exception policy of prj1, statement 1:")), "{after:#?}");
    let (code, _, err) = mcsec(
        &catalog,
        &[
            "--project",
            "prj2",
            "-e",
            "create table prj2.c as select * from prj1.t2;",
        ],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("Authorization Failed [4021]"), "{err}");
}
