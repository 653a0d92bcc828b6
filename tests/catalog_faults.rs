//! Faults below the catalog, through the real binary: damaged files, a read-only directory,
//! processes racing for one catalog. Each must end in one clear line and never in a panic, a
//! misread, or a catalog that lost what it acknowledged.
//!
//! - `a_damaged_catalog_file_is_an_error_never_a_misread` flips a bit or cuts the file at 45
//!   places of sled's log and 15 of every other file, in catalogs written by one process (whose
//!   whole history is still in sled's log, where sled takes damage for a torn write and drops
//!   it) and by several; every run reads back exactly what was acknowledged or fails with one
//!   line, and `check-catalog` agrees.
//! - `check_catalog_*`: `mcsec check-catalog <dir>` on a sound catalog, a damaged record, a
//!   missing directory.
//! - `a_read_only_catalog_directory_is_one_clear_line`: a read-only tmpfs when run as root,
//!   permission bits otherwise (root ignores them).
//! - `processes_racing_to_open_one_catalog_each_win_or_wait_their_turn`: 8 processes at once.

#[path = "common/cli.rs"]
mod cli;

use cli::Tmpfs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn mcsec(catalog: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .env_remove("MCSEC_USER")
        .stdin(Stdio::null())
        .output()
        .expect("mcsec runs")
}

fn check_catalog(catalog: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("check-catalog")
        .arg(catalog)
        .output()
        .expect("mcsec runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A project with 300 users, each with a comment, written by `processes` runs of `mcsec -f`.
fn build_catalog(dir: &Path, processes: usize) -> PathBuf {
    build_catalog_with(dir, processes, 40)
}

/// [`build_catalog`] with comments of `comment` characters: 900 make the batch's journal pass
/// the compaction threshold, so the users are in pages and their bodies in segment files.
fn build_catalog_with(dir: &Path, processes: usize, comment: usize) -> PathBuf {
    let catalog = dir.join("catalog");
    assert!(mcsec(&catalog, &["-e", "create project prj;"]).status.success());
    let per = 300 / processes;
    for p in 0..processes {
        let mut script = String::new();
        for i in p * per..(p + 1) * per {
            script.push_str(&format!("add user RAM$u{i:03} comment '{}';\n", "c".repeat(comment)));
        }
        let file = dir.join(format!("add{p}.sql"));
        std::fs::write(&file, script).unwrap();
        let out = mcsec(&catalog, &["--project", "prj", "-f", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    catalog
}

/// A tiny deterministic generator, so that a failure names a place that stays the same.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// What a damaged copy may do: read back exactly `want`, or fail with exactly one line naming
/// the catalog (and the statement's position, when the damage is found by the statement), on
/// stderr, and nothing on stdout. A panic (exit 101), a different answer, or
/// an error without the catalog's name fails the test.
fn assert_exact_or_one_clean_line(copy: &Path, damage: &str, want: &Output, check_want: &str) {
    let got = mcsec(copy, &["--project", "prj", "-e", "list users;"]);
    let location = copy.display().to_string();
    match got.status.code() {
        Some(0) => assert_eq!(
            text(&got.stdout),
            text(&want.stdout),
            "{damage}: read back something else"
        ),
        Some(1) => {
            let err = text(&got.stderr);
            assert_eq!(text(&got.stdout), "", "{damage}");
            // A damaged page is found when the statement reads it, so its error has the
            // statement's position under it, as every statement's error does.
            let lines: Vec<&str> = err.lines().collect();
            let positioned = lines.len() == 2 && lines[1] == "  in statement 1 at <cmdline>:1:1";
            assert!(lines.len() == 1 || positioned, "{damage}: {err}");
            assert!(
                err.starts_with("FAILED: catalog error: ") && err.contains(&location),
                "{damage}: {err}"
            );
        }
        other => panic!("{damage}: exit {other:?}: {}", text(&got.stderr)),
    }
    let checked = check_catalog(copy);
    match checked.status.code() {
        Some(0) => assert_eq!(text(&checked.stdout), check_want.replace("{dir}", &location), "{damage}"),
        Some(1) => {
            let err = text(&checked.stderr);
            assert_eq!(err.lines().count(), 1, "{damage}: {err}");
            assert!(err.starts_with("FAILED: catalog error: "), "{damage}: {err}");
        }
        other => panic!("{damage}: check-catalog exit {other:?}: {}", text(&checked.stderr)),
    }
}

#[test]
fn a_damaged_catalog_file_is_an_error_never_a_misread() {
    let mut rng = Lcg(0x6d63_7365_63);
    for (processes, comment) in [(1, 40), (3, 40), (1, 900)] {
        let dir = tempfile::tempdir().unwrap();
        let catalog = build_catalog_with(dir.path(), processes, comment);
        let reference = dir.path().join("reference");
        copy_dir(&catalog, &reference);
        let want = mcsec(&reference, &["--project", "prj", "-e", "list users;"]);
        assert_eq!(text(&want.stdout).lines().count(), 300);
        let summary = text(&check_catalog(&reference).stdout);
        let check_want = summary.replace(&reference.display().to_string(), "{dir}");
        let segments = catalog.join("pages");
        let segment_files: Vec<PathBuf> = match std::fs::read_dir(&segments) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        };
        assert_eq!(
            segment_files.is_empty(),
            comment < 900,
            "only the long comments compact: {segment_files:?}"
        );
        let mut files: Vec<PathBuf> = std::fs::read_dir(&catalog)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "mcsec.lock"))
            .chain(segment_files)
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
            .collect();
        files.sort();
        let mut trial = 0;
        for file in &files {
            let name = file.strip_prefix(&catalog).unwrap().to_str().unwrap().to_string();
            let len = std::fs::metadata(file).unwrap().len() as usize;
            // sled's `db` is preallocated: damage where its log is, not in the zeroes after.
            let used = if name == "db" { len.min(40_000) } else { len };
            for n in 0..(if name == "db" { 45 } else { 15 }) {
                let copy = dir.path().join(format!("t{trial}"));
                trial += 1;
                copy_dir(&catalog, &copy);
                let target = copy.join(&name);
                let mut bytes = std::fs::read(&target).unwrap();
                let damage = if n % 3 == 2 {
                    let at = rng.below(used);
                    bytes.truncate(at);
                    format!("{name} cut at {at} of {len} bytes ({processes} writers)")
                } else {
                    let at = rng.below(used);
                    let bit = rng.below(8);
                    bytes[at] ^= 1 << bit;
                    format!("{name} bit {bit} of byte {at} flipped ({processes} writers)")
                };
                std::fs::write(&target, bytes).unwrap();
                assert_exact_or_one_clean_line(&copy, &damage, &want, &check_want);
                std::fs::remove_dir_all(&copy).unwrap();
            }
        }
    }
}

#[test]
fn a_cut_log_that_sled_would_drop_silently_is_reported_as_lost_statements() {
    let dir = tempfile::tempdir().unwrap();
    // Long comments: the batch's journal is folded into the pages when the run ends, so the
    // users are in sled's log (as the compaction's batch), and the journal is empty.
    let catalog = build_catalog_with(dir.path(), 1, 900);
    assert_eq!(std::fs::metadata(catalog.join("mcsec.journal")).unwrap().len(), 0);
    let db = catalog.join("db");
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..2048]).unwrap();
    assert_lost_statements(&catalog, 0, 3);
}

#[test]
fn a_cut_journal_is_reported_as_lost_statements() {
    let dir = tempfile::tempdir().unwrap();
    // Short comments: the project's flush and the batch's are two journal records.
    let catalog = build_catalog(dir.path(), 1);
    let journal = catalog.join("mcsec.journal");
    let bytes = std::fs::read(&journal).unwrap();
    std::fs::write(&journal, &bytes[..bytes.len() / 2]).unwrap();
    assert_lost_statements(&catalog, 1, 2);
}

/// A read of `catalog` fails with exactly the lost-statements line: the log and journal reach
/// flush `reached`, `mcsec.flushed` records `acknowledged`.
fn assert_lost_statements(catalog: &Path, reached: u64, acknowledged: u64) {
    let out = mcsec(catalog, &["--project", "prj", "-e", "list users;"]);
    let location = catalog.display();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!(
            "FAILED: catalog error: catalog {location} has lost acknowledged statements: its log {location}/db and journal {location}/mcsec.journal end at flush {reached}, but {location}/mcsec.flushed records flush {acknowledged} (their end is damaged or was cut off; restore the catalog from a copy)\n"
        )
    );
}

#[test]
fn a_damaged_flush_record_names_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = build_catalog(dir.path(), 1);
    let flushed = catalog.join("mcsec.flushed");
    let mut bytes = std::fs::read(&flushed).unwrap();
    assert_eq!(bytes.len(), 16);
    bytes[3] ^= 0x40;
    std::fs::write(&flushed, &bytes).unwrap();
    let out = mcsec(&catalog, &["-e", "list projects;"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "FAILED: catalog error: catalog file {} is damaged (16 bytes that do not record a flush); delete it to open the catalog without checking that no acknowledged statement was lost\n",
            flushed.display()
        )
    );
    // As the message says: without the file the catalog opens, and the file is written anew.
    std::fs::remove_file(&flushed).unwrap();
    let out = mcsec(&catalog, &["-e", "list projects;"]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), "prj\n".into()));
    let out = mcsec(&catalog, &["-e", "create project two;"]);
    assert!(out.status.success());
    assert_eq!(std::fs::read(&flushed).unwrap().len(), 16);
}

#[test]
fn check_catalog_reports_what_a_sound_catalog_holds() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let out = mcsec(
        &catalog,
        &[
            "-e",
            "create project prj; use prj; create table t (a string); add user RAM$bob; grant Select on table t to user RAM$bob; create role r; grant r to RAM$bob;",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = check_catalog(&catalog);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        format!(
            "catalog {} is sound: 18 records (A 1, AG 1, F 1, O 1, P 1, R 3, T 1, U 1, YB 1, YL 7)\n",
            catalog.display()
        )
    );
    // Checking changes nothing: the same summary again, and the catalog still opens.
    assert_eq!(text(&check_catalog(&catalog).stdout), text(&out.stdout));
}

#[test]
fn check_catalog_names_a_damaged_record() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    assert!(mcsec(&catalog, &["-e", "create project prj; use prj; add user RAM$bob;"])
        .status
        .success());
    {
        // A record sled stores intact but that is not a user: what a bug or a stray write
        // would leave, which sled's checksums cannot see.
        use mcsec::catalog::storage::{SledStorage, Storage};
        let store = SledStorage::open(&catalog).unwrap();
        let key = b"U\x1fprj\x1fRAM$owner:bob".to_vec();
        assert!(store.get(&key).unwrap().is_some());
        store
            .apply([(key, Some(vec![0xff, 0xff]))].into_iter().collect())
            .unwrap();
        store.flush().unwrap();
    }
    let out = check_catalog(&catalog);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "FAILED: catalog error: corrupt record U\\x1fprj\\x1fRAM$owner:bob in catalog {}: ",
            catalog.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn check_catalog_of_a_missing_directory_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = check_catalog(&missing);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "FAILED: catalog error: catalog {} does not exist or is not a directory\n",
            missing.display()
        )
    );
    assert!(!missing.exists());
}

#[test]
fn a_read_only_catalog_directory_opens_read_only_for_reads_and_check_catalog() {
    let fs = Tmpfs::mount("16m");
    let scratch = tempfile::tempdir().unwrap();
    let base = fs
        .as_ref()
        .map_or(scratch.path().to_path_buf(), |fs| fs.dir.path().to_path_buf());
    let catalog = base.join("catalog");
    let out = mcsec(&catalog, &["-e", "create project prj;"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    match &fs {
        Some(fs) => fs.remount("ro"),
        None => {
            use std::os::unix::fs::PermissionsExt;
            for entry in std::fs::read_dir(&catalog).unwrap() {
                let path = entry.unwrap().path();
                let mode = if path.is_dir() { 0o555 } else { 0o444 };
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            std::fs::set_permissions(&catalog, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
    }
    // A catalog mcsec may not write opens read-only: reads answer, changes are refused by name.
    let warning = format!(
        "warning: catalog {} is read-only: statements that would change it fail\n",
        catalog.display()
    );
    let out = mcsec(&catalog, &["-e", "list projects;"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!((text(&out.stdout), text(&out.stderr)), ("prj\n".to_string(), warning.clone()));
    let out = mcsec(&catalog, &["-e", "create project two;"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!(
            "{warning}FAILED: catalog error: catalog {} is read-only: this statement would change it\n  in statement 1 at <cmdline>:1:1\n",
            catalog.display()
        )
    );
    // check-catalog reads it as it is.
    let out = check_catalog(&catalog);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with(&format!("catalog {} is sound: ", catalog.display())),
        "{}",
        text(&out.stdout)
    );
    if fs.is_none() {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&catalog, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn processes_racing_to_open_one_catalog_each_win_or_wait_their_turn() {
    for existing in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let catalog = dir.path().join("catalog");
        if existing {
            assert!(mcsec(&catalog, &["-e", "create project base;"]).status.success());
        }
        let children: Vec<_> = (0..8)
            .map(|i| {
                Command::new(env!("CARGO_BIN_EXE_mcsec"))
                    .arg("--catalog")
                    .arg(&catalog)
                    .args(["-e", &format!("create project prj{i}; use prj{i}; add user RAM$u{i};")])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let mut won = Vec::new();
        for (i, child) in children.into_iter().enumerate() {
            let out = child.wait_with_output().unwrap();
            match out.status.code() {
                Some(0) => {
                    assert_eq!(text(&out.stdout), "OK\nOK\nOK\n");
                    won.push(format!("prj{i}"));
                }
                Some(1) => assert_eq!(
                    text(&out.stderr),
                    format!(
                        "FAILED: catalog {} is in use by another mcsec process\n",
                        catalog.display()
                    ),
                    "process {i}"
                ),
                other => panic!("process {i}: exit {other:?}: {}", text(&out.stderr)),
            }
        }
        assert!(!won.is_empty(), "no process got the catalog");
        if existing {
            won.push("base".into());
        }
        won.sort();
        let out = mcsec(&catalog, &["-e", "list projects;"]);
        let mut listed: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
        listed.sort();
        assert_eq!(listed, won, "exactly the winners' projects, whole");
        let checked = check_catalog(&catalog);
        assert_eq!(checked.status.code(), Some(0), "{}", text(&checked.stderr));
    }
}
