//! `mcsec -f` killed with SIGKILL at random points of a long batch and resumed with `-k` each
//! time: every statement whose result line was printed is in the catalog, and no statement is
//! half there.
//!
//! The batch is `create table t<i> (a string, b bigint);` in one project: each statement
//! writes two records (the table and the instance that created it), so a statement cut in half
//! shows as a table without its instance or the reverse. After each kill the test opens the
//! catalog the way the next process does and checks that the tables are exactly
//! `t0 .. t(n-1)` for some `n` at least the number of printed lines, with as many instances.
//! A kill lands after a random number of printed lines plus a random pause, so it falls inside
//! statement execution, a group commit, or a compaction.
//!
//! By default 20,000 statements and 12 kills (the CI variant). `MCSEC_KILL_FULL=1` runs the
//! full variant: 1,000,000 statements and 100 kills. `MCSEC_KILL_SEED=<n>` replays another
//! sequence of kill points (the seed in use is printed).

use mcsec::catalog::storage::{SledStorage, Storage};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn table_name(i: usize) -> String {
    format!("t{i:07}")
}

/// Runs `mcsec -f script -k start`, kills it once it has printed `kill_after` lines and a
/// further `pause`, and returns how many lines it printed (each only after its statement was
/// flushed; with `--keep-going --format json` a refused statement prints a line too).
fn run_and_kill(catalog: &Path, script: &Path, start: usize, kill_after: usize, pause: Duration) -> usize {
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
        .expect("mcsec runs");
    let out = child.stdout.take().expect("piped stdout");
    let mut printed = 0;
    for line in BufReader::new(out).lines() {
        if line.is_err() {
            break;
        }
        printed += 1;
        if printed >= kill_after {
            std::thread::sleep(pause);
            break;
        }
    }
    // The lines printed during the pause are not counted: they were acknowledged, but the test
    // only needs a lower bound on what must be present.
    let _ = child.kill();
    child.wait().expect("the child ends");
    printed
}

/// The tables and instance records in the catalog, as the next process sees them.
fn present(catalog: &Path) -> (Vec<String>, usize) {
    let store = SledStorage::open(catalog).expect("the catalog opens after a kill");
    let tables: Vec<String> = store
        .scan_prefix(b"T\x1fprj\x1f")
        .expect("tables read")
        .into_iter()
        .map(|(k, _)| String::from_utf8_lossy(&k[6..]).into_owned())
        .collect();
    let instances = store
        .scan_prefix(b"O\x1fprj\x1finstance\x1f")
        .expect("instances read")
        .len();
    (tables, instances)
}

fn assert_whole_prefix(catalog: &Path, at_least: usize, when: &str) -> usize {
    let (tables, instances) = present(catalog);
    let n = tables.len();
    assert!(n >= at_least, "{when}: {at_least} acknowledged, {n} present");
    for (i, name) in tables.iter().enumerate() {
        assert_eq!(name, &table_name(i), "{when}: tables are not t0..t{}", n - 1);
    }
    assert_eq!(instances, n, "{when}: {n} tables but {instances} instances: a statement is half applied");
    n
}

#[test]
fn sigkill_at_random_points_of_a_long_batch_loses_nothing_acknowledged() {
    let full = std::env::var("MCSEC_KILL_FULL").is_ok_and(|v| v == "1");
    let (total, kills) = if full { (1_000_000, 100) } else { (20_000, 12) };
    let seed: u64 = std::env::var("MCSEC_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6b69_6c6c);
    println!("{total} statements, {kills} kills, MCSEC_KILL_SEED={seed}");
    let mut rng = Lcg(seed);
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let setup = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(&catalog)
        .args(["-e", "create project prj;"])
        .output()
        .unwrap();
    assert!(setup.status.success());
    let script = dir.path().join("tables.sql");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&script).unwrap());
    for i in 0..total {
        writeln!(file, "create table {} (a string, b bigint);", table_name(i)).unwrap();
    }
    file.flush().unwrap();
    drop(file);
    // Kill points spread over the script: each process prints up to total / kills lines, then
    // runs on for a random pause.
    let mut start = 1;
    for k in 0..kills {
        let remaining = (total + 1 - start) as u64;
        if remaining < 2 {
            break;
        }
        let spread = (total as u64 / kills as u64).min(remaining);
        let kill_after = 1 + rng.below(spread) as usize;
        // Up to about the time a group commit takes to run, so that kills fall anywhere in it.
        let pause = Duration::from_millis(rng.below(250));
        let printed = run_and_kill(&catalog, &script, start, kill_after, pause);
        assert!(printed > 0, "kill {k}: the batch printed nothing");
        start += printed;
        let when = format!("kill {k} after {kill_after} lines + {pause:?} (resuming at {start})");
        let n = assert_whole_prefix(&catalog, start - 1, &when);
        println!("{when}: {n} present");
        // Resume after what is there: a statement flushed but not printed is not run twice.
        start = start.max(n + 1);
    }
    if start > total {
        assert_eq!(assert_whole_prefix(&catalog, total, "the last kill"), total);
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("--catalog")
        .arg(&catalog)
        .args(["--project", "prj", "--keep-going", "-f"])
        .arg(&script)
        .args(["-k", &start.to_string()])
        .stdout(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(assert_whole_prefix(&catalog, total, "the last run"), total);
}
