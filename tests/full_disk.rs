//! A catalog on a disk that fills up: the statement that could not be saved fails with one
//! clean line, nothing acknowledged before it is lost, the catalog is not damaged by processes
//! that run while the disk is full, and it opens again once there is room, with no manual step.
//!
//! The full disk is a 2 MB tmpfs, which only root can mount; elsewhere the test says it is
//! skipped and passes. sled's unfinished snapshot file, which a full disk can leave behind, is
//! also tested on its own, on any disk.

#[path = "common/cli.rs"]
mod cli;

use cli::Tmpfs;
use std::path::Path;
use std::process::{Command, Output};

fn mcsec(catalog: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .env_remove("MCSEC_USER")
        .output()
        .expect("mcsec runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn users(catalog: &Path) -> Vec<String> {
    let out = mcsec(catalog, &["--project", "alpha", "-e", "list users;"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .filter(|l| *l != "OK")
        .map(str::to_string)
        .collect()
}

#[test]
fn a_full_disk_fails_cleanly_loses_nothing_acknowledged_and_recovers_by_itself() {
    let Some(disk) = Tmpfs::mount("2m") else {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    let catalog = disk.dir.path().join("catalog");
    let out = mcsec(&catalog, &["-e", "create project alpha;"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // About 3 MB of statements into a 2 MB disk.
    let script_dir = tempfile::tempdir().unwrap();
    let script = script_dir.path().join("users.sql");
    let comment = "x".repeat(100);
    let statements = 25_000;
    std::fs::write(
        &script,
        (0..statements)
            .map(|i| format!("add user RAM$u{i} comment '{comment}';\n"))
            .collect::<String>(),
    )
    .unwrap();
    let out = mcsec(
        &catalog,
        &["--project", "alpha", "-f", script.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    let acknowledged = text(&out.stdout).lines().filter(|l| *l == "OK").count();
    assert!(acknowledged < statements);
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "one error and its position: {stderr}");
    assert_eq!(
        lines[0],
        format!(
            "FAILED: catalog error: catalog {} cannot be read or written: No space left on device",
            catalog.display()
        )
    );
    assert!(
        lines[1].starts_with("  in statement ") && lines[1].contains(" at "),
        "{}",
        lines[1]
    );

    // Processes run while the disk is still full: each fails with one line or succeeds, and
    // none leaves the catalog unopenable.
    for args in [
        vec!["-e", "list projects;"],
        vec!["--project", "alpha", "-e", "add user RAM$late;"],
        vec!["-e", "whoami;"],
    ] {
        let out = mcsec(&catalog, &args);
        let stderr = text(&out.stderr);
        assert!(stderr.lines().count() <= 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("Os {"), "{args:?}: {stderr}");
        assert!(!stderr.contains("backtrace"), "{args:?}: {stderr}");
    }

    disk.remount("size=64m");
    let present = users(&catalog);
    for i in 0..acknowledged {
        let user = format!("RAM$owner:u{i}");
        assert!(present.contains(&user), "{user} was acknowledged, then lost");
    }
    // And the catalog takes writes again.
    let out = mcsec(&catalog, &["--project", "alpha", "-e", "add user RAM$after;"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(users(&catalog).contains(&"RAM$owner:after".to_string()));
}

#[test]
fn an_unfinished_sled_snapshot_does_not_stop_the_catalog_from_opening() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let out = mcsec(
        &catalog,
        &["-e", "create project alpha; use alpha; add user RAM$bob;"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // What a snapshot write cut short by a full disk leaves: an empty `snap.<lsn>.generating`
    // sorting after the last good snapshot, which sled would read as the newest one.
    let snapshots: Vec<String> = std::fs::read_dir(&catalog)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("snap."))
        .collect();
    let newest = snapshots
        .iter()
        .max()
        .cloned()
        .unwrap_or_else(|| "snap.0000000000000000".to_string());
    let unfinished = catalog.join(format!("{newest}.generating"));
    std::fs::write(&unfinished, b"").unwrap();

    assert_eq!(users(&catalog), vec!["RAM$owner:bob".to_string()]);
    assert!(!unfinished.exists(), "the unfinished snapshot is tidied away");
}
