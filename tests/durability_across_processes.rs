//! Durability of a catalog that several processes write one after another.
//!
//! Everything a process knows about a sled catalog when it opens it comes from disk: the
//! partitions and the journal that earlier processes left. These tests make sure that nothing
//! one process acknowledged is lost when a later process compacts the journal, whatever mix of
//! partitions the processes wrote, whether they ended cleanly or were killed, and whether a
//! killed batch was resumed with `-k`.
//!
//! - `every_process_keeps_its_statements_when_a_later_one_compacts` runs the real binary: five
//!   processes write five projects, a sixth crosses the compaction threshold in a sixth, and
//!   every statement of every process must still be there.
//! - `interleaved_opens_match_an_in_memory_model` is a property test at the storage layer:
//!   random sequences of opens, batches over many partitions, flushes and compactions (with a
//!   low threshold, so that most runs compact several times), each open a fresh view of the
//!   disk exactly as a new process has, compared with a `BTreeMap` after every open.
//! - `a_killed_batch_resumed_with_k_keeps_everything` kills `mcsec -f` several times on one
//!   catalog and resumes it each time with `-k`, across compactions.

use mcsec::catalog::storage::{SledStorage, Storage, Tuning, WriteBatch, COMPACTION_BYTES};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The users of `project` as `list users` prints them, sorted.
fn users(catalog: &Path, project: &str) -> Vec<String> {
    let out = mcsec(catalog, &["--project", project, "-e", "list users;"]);
    assert!(
        out.status.success(),
        "list users in {project}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut users: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| *l != "OK")
        .map(str::to_string)
        .collect();
    users.sort();
    users
}

fn projects(catalog: &Path) -> Vec<String> {
    let out = mcsec(catalog, &["-e", "list projects;"]);
    assert!(out.status.success());
    stdout(&out)
        .lines()
        .filter(|l| *l != "OK")
        .map(str::to_string)
        .collect()
}

/// A script adding `count` users `RAM$<prefix><i>` with a comment of `comment_len` characters.
fn add_users(prefix: &str, count: usize, comment_len: usize) -> String {
    let comment = "c".repeat(comment_len);
    (0..count)
        .map(|i| format!("add user RAM${prefix}{i} comment '{comment}';\n"))
        .collect()
}

fn expected_users(prefix: &str, count: usize) -> Vec<String> {
    let mut users: Vec<String> = (0..count)
        .map(|i| format!("RAM$owner:{prefix}{i}"))
        .collect();
    users.sort();
    users
}

fn run_script(catalog: &Path, project: &str, script: &str) -> Output {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), script).unwrap();
    mcsec(
        catalog,
        &["--project", project, "-f", file.path().to_str().unwrap()],
    )
}

#[test]
fn every_process_keeps_its_statements_when_a_later_one_compacts() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    for name in names {
        let out = mcsec(&catalog, &["-e", &format!("create project {name};")]);
        assert!(out.status.success());
    }
    // Five small batches, each in its own process and its own project: journal records only.
    for (n, name) in names[..5].iter().enumerate() {
        let out = run_script(&catalog, name, &add_users(&format!("u{n}_"), 40, 10));
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stdout(&out).lines().count(), 40);
    }
    // The sixth writes more than the compaction threshold into a project of its own: its
    // flush compacts, and must rewrite the partitions the earlier processes wrote too.
    let big = COMPACTION_BYTES / 400 + 1;
    let out = run_script(&catalog, "zeta", &add_users("big", big, 400));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout(&out).lines().count(), big);
    // And a process after the compaction, in the first project again.
    let out = run_script(&catalog, "alpha", &add_users("late", 5, 10));
    assert!(out.status.success());

    let mut listed = projects(&catalog);
    listed.sort();
    let mut want: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    want.sort();
    assert_eq!(listed, want, "every project survives the compaction");
    for (n, name) in names[..5].iter().enumerate() {
        let mut want = expected_users(&format!("u{n}_"), 40);
        if *name == "alpha" {
            want.extend(expected_users("late", 5));
            want.sort();
        }
        assert_eq!(users(&catalog, name), want, "users of {name}");
    }
    assert_eq!(users(&catalog, "zeta"), expected_users("big", big));

    // A project dropped and re-created under another owner starts empty: no record of the
    // first one comes back.
    let out = mcsec(
        &catalog,
        &["-e", "drop project alpha; create project alpha owner ALIYUN$other;"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(&catalog)
        .args(["--user", "ALIYUN$other", "--project", "alpha", "-e", "list users;"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "OK\n");
}

/// One step of a process's life in the property test.
#[derive(Debug, Clone)]
enum Step {
    /// Puts (`Some`) or deletes (`None`) keys, as one statement's batch.
    Apply(Vec<(Vec<u8>, Option<Vec<u8>>)>),
    Flush,
}

/// Keys of several kinds, projects and names, so that they fall into many pages; `YL` keys are
/// in the store's log range (see `Tuning::log`), written in any order: many extend its tail,
/// the others land among, or delete, keys already there.
fn key() -> impl Strategy<Value = Vec<u8>> {
    (0..5usize, 0..5usize, 0..12usize).prop_map(|(tag, project, name)| {
        match tag {
            0 => format!("U\x1fp{project}\x1fu{name}"),
            1 => format!("A\x1fp{project}\x1ftable\x1ft{name}"),
            2 => format!("P\x1fp{project}"),
            3 => format!("TU\x1fu{name}"),
            _ => format!("YL{project}{name:02}"),
        }
        .into_bytes()
    })
}

fn write() -> impl Strategy<Value = (Vec<u8>, Option<Vec<u8>>)> {
    (key(), prop::option::weighted(0.8, (0usize..600, any::<u8>())))
        .prop_map(|(k, v)| (k, v.map(|(len, byte)| vec![byte; len])))
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => prop::collection::vec(write(), 1..20).prop_map(Step::Apply),
        1 => Just(Step::Flush),
    ]
}

/// A process: its steps, then either a clean end (a last flush) or an exit without one, as a
/// crash after its last acknowledged flush leaves it.
fn process() -> impl Strategy<Value = (Vec<Step>, bool)> {
    (prop::collection::vec(step(), 0..25), any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn interleaved_opens_match_an_in_memory_model(
        processes in prop::collection::vec(process(), 1..8),
        threshold in prop_oneof![Just(2_000usize), Just(8_000), Just(COMPACTION_BYTES)],
        small_pages in any::<bool>(),
    ) {
        // Small pages and a small cache make most runs split pages, empty them and read them
        // back after they left the cache.
        let tuning = if small_pages {
            Tuning {
                compaction_bytes: threshold,
                page_bytes: 200,
                cache_bytes: 2_000,
                log: Some(b"YL"),
                log_page_bytes: 500,
                // Small segments: most runs clean some, moving live records between processes.
                segment_bytes: 3_000,
            }
        } else {
            Tuning { compaction_bytes: threshold, log: Some(b"YL"), ..Tuning::default() }
        };
        let dir = tempfile::tempdir().unwrap();
        // What is durable: what every flush so far made so.
        let mut durable: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for (steps, clean_end) in &processes {
            let store = SledStorage::open_tuned(dir.path(), tuning).unwrap();
            let all = store.scan_prefix(b"").unwrap();
            let on_disk: BTreeMap<Vec<u8>, Vec<u8>> = all.into_iter().collect();
            prop_assert_eq!(&on_disk, &durable, "a fresh open sees exactly what was flushed");
            // Point reads and narrower scans, on a store whose cache holds other pages.
            let reopened = {
                drop(store);
                SledStorage::open_tuned(dir.path(), tuning).unwrap()
            };
            for (k, v) in durable.iter().rev() {
                prop_assert_eq!(reopened.get(k).unwrap(), Some(v.clone()));
            }
            for prefix in ["U\x1fp1\x1f", "A\x1fp3", "T", "P\x1f", "Z", "YL", "YL2"] {
                let want: Vec<(Vec<u8>, Vec<u8>)> = durable
                    .iter()
                    .filter(|(k, _)| k.starts_with(prefix.as_bytes()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                prop_assert_eq!(reopened.scan_prefix(prefix.as_bytes()).unwrap(), want);
            }
            let store = reopened;
            let mut live = durable.clone();
            for step in steps {
                match step {
                    Step::Apply(writes) => {
                        let batch: WriteBatch = writes.iter().cloned().collect();
                        for (k, v) in &batch {
                            match v {
                                Some(v) => live.insert(k.clone(), v.clone()),
                                None => live.remove(k),
                            };
                        }
                        store.apply(batch).unwrap();
                    }
                    Step::Flush => {
                        store.flush().unwrap();
                        durable = live.clone();
                    }
                }
            }
            let seen: BTreeMap<Vec<u8>, Vec<u8>> =
                store.scan_prefix(b"").unwrap().into_iter().collect();
            prop_assert_eq!(&seen, &live, "a process reads its own writes");
            if *clean_end {
                store.flush().unwrap();
                durable = live;
            }
            // Without a last flush, what the process applied after its last flush is lost:
            // dropping the store without flushing is what a crash at that point leaves (sled
            // itself keeps only what `flush` handed it).
            drop(store);
        }
        let store = SledStorage::open_tuned(dir.path(), tuning).unwrap();
        let end: BTreeMap<Vec<u8>, Vec<u8>> = store.scan_prefix(b"").unwrap().into_iter().collect();
        prop_assert_eq!(end, durable);
        store.verify().unwrap();
    }
}

/// Runs `mcsec -f script -k start` and kills it once it has printed `kill_after` results,
/// returning how many it printed (each printed only after its statement was flushed; in JSON a
/// refused statement prints a line too, so the count is the statements done).
fn run_and_kill(catalog: &Path, script: &Path, start: usize, kill_after: usize) -> usize {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(catalog)
        .args(["--project", "prj", "--keep-going", "--format", "json", "-f"])
        .arg(script)
        .args(["-k", &start.to_string()])
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut printed = 0;
    for line in BufReader::new(out).lines() {
        if line.is_err() {
            break;
        }
        printed += 1;
        if printed >= kill_after {
            let _ = child.kill();
            break;
        }
    }
    child.wait().unwrap();
    printed
}

#[test]
fn a_killed_batch_resumed_with_k_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let out = mcsec(&catalog, &["-e", "create project prj;"]);
    assert!(out.status.success());
    // 9,000 statements of about 300 bytes each: the journal passes the compaction threshold
    // about twice over the run, so the processes compact each other's records.
    let total = 9_000;
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(add_users("k", total, 300).as_bytes())
        .unwrap();
    let script = file.path().to_path_buf();
    let mut start = 1;
    // A statement flushed but killed before its `OK` was printed runs again on resume and is
    // refused as a duplicate (`--keep-going` goes on); every other one runs exactly once.
    for kill_after in [1_500, 2_001, 3_000, 1_200] {
        let printed = run_and_kill(&catalog, &script, start, kill_after);
        assert!(printed > 0, "the batch printed nothing before it was killed");
        start += printed;
        let present = users(&catalog, "prj");
        for user in expected_users("k", start - 1) {
            assert!(
                present.binary_search(&user).is_ok(),
                "{user} was acknowledged, then lost (resuming at {start})"
            );
        }
    }
    // The last resume runs to the end.
    let out = mcsec(
        &catalog,
        &[
            "--project",
            "prj",
            "--keep-going",
            "-f",
            script.to_str().unwrap(),
            "-k",
            &start.to_string(),
        ],
    );
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{out:?}"
    );
    assert_eq!(users(&catalog, "prj"), expected_users("k", total));
    // Killed fresh catalogs as well: a kill in the first process of a catalog.
    for kill_after in [1, 2_000, 4_001] {
        let dir = tempfile::tempdir().unwrap();
        let catalog = dir.path().join("catalog");
        assert!(mcsec(&catalog, &["-e", "create project prj;"]).status.success());
        let printed = run_and_kill(&catalog, &script, 1, kill_after);
        let present = users(&catalog, "prj");
        let want = expected_users("k", printed);
        for user in &want {
            assert!(
                present.binary_search(user).is_ok(),
                "kill after {kill_after}: {user} lost"
            );
        }
    }
}
