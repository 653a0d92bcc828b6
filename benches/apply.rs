//! Batch apply and catalog open:
//! - `apply/100k`: 100,000 generated management statements across 100 projects (users, roles,
//!   role grants, table grants; the tables themselves are catalog records, as the data
//!   statements belong to another module) applied through `Session::execute` into a fresh sled
//!   catalog, then one `flush` — what `mcsec -f` does. Target ≥ 100k statements/s.
//! - `open/100k_grants`: opening a sled catalog holding 100,000 ACL grants. Target < 50 ms.
//!   `open/100k_grants_read_all` adds reading every project's grants, which opening defers to
//!   first use.
//!
//! Statements are parsed before timing: this measures the executor and the store, not the
//! parser (benches/parse.rs covers that).

// The binary's allocator (src/main.rs), so that the figures are the ones `mcsec` gets.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mcsec::ast::Statement;
use mcsec::catalog::model::{Column, Table};
use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::time::Duration;

const PROJECTS: usize = 100;
const PER_PROJECT: usize = 1_000;
const TABLES: usize = 50;

/// One project's 1,000 statements: `use`, 50 roles, 300 users, 300 role grants, 349 table
/// grants of three privileges each (to users and roles, a third column-level): 104,700 ACL
/// grants over the 100 projects.
fn project_script(p: usize) -> Vec<String> {
    let mut v = vec![format!("use prj{p}")];
    for r in 0..50 {
        v.push(format!("create role role{r}"));
    }
    for u in 0..300 {
        v.push(format!("add user RAM$owner:user{u}"));
    }
    for u in 0..300 {
        v.push(format!("grant role{} to RAM$owner:user{u}", u % 50));
    }
    // (g % 50, g / 50) and (g % 300, g / 50) never repeat for g < 349: every grant is new.
    for g in 0..(PER_PROJECT - 651) {
        let t = (g / 50) % TABLES;
        v.push(match g % 3 {
            0 => format!(
                "grant Select, Describe, Alter on table tbl{t} to role role{}",
                g % 50
            ),
            1 => format!(
                "grant Select on table tbl{t} (c1, c2, c3) to user RAM$owner:user{}",
                g % 300
            ),
            _ => format!(
                "grant Download, Describe, Select on table tbl{t} to user RAM$owner:user{}",
                g % 300
            ),
        });
    }
    v
}

fn parse(sql: &str) -> Statement {
    mcsec::parser::parse_statement(sql, "<bench>", 1, 1).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Parsed statements of the whole batch (100 × 1,000).
fn statements() -> Vec<Statement> {
    (0..PROJECTS)
        .flat_map(project_script)
        .map(|s| parse(&s))
        .collect()
}

fn options() -> SessionOptions {
    SessionOptions {
        user: "ALIYUN$owner".into(),
        source_ip: "127.0.0.1".into(),
        now: Some(1_767_225_600),
    }
}

/// A catalog at `location` with the 100 projects and their tables (not timed).
fn prepared(location: &str) -> Session {
    let mut s = Session::new(Catalog::open(location).unwrap(), options());
    for p in 0..PROJECTS {
        s.execute(&parse(&format!("create project prj{p}")))
            .unwrap();
        let mut txn = s.catalog().begin();
        for t in 0..TABLES {
            let columns = (1..=3)
                .map(|c| Column {
                    name: format!("c{c}"),
                    data_type: "string".into(),
                    label: None,
                })
                .collect();
            txn.put_table(
                &format!("prj{p}"),
                &Table {
                    name: format!("tbl{t}"),
                    columns,
                    label: 0,
                    creator: "ALIYUN$owner".into(),
                    created_at: 0,
                },
            )
            .unwrap();
        }
        s.catalog().commit(txn).unwrap();
    }
    s.flush().unwrap();
    s
}

fn apply_all(s: &mut Session, stmts: &[Statement]) {
    for st in stmts {
        s.execute(st).unwrap();
    }
    s.flush().unwrap();
}

fn bench(c: &mut Criterion) {
    let stmts = statements();
    assert_eq!(stmts.len(), PROJECTS * PER_PROJECT);

    let mut group = c.benchmark_group("apply");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(stmts.len() as u64));
    group.bench_function("100k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let s = prepared(dir.path().join("c").to_str().unwrap());
                (dir, s)
            },
            |(dir, mut s)| {
                apply_all(&mut s, &stmts);
                (dir, s)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();

    let dir = tempfile::tempdir().unwrap();
    let location = dir.path().join("c");
    let location = location.to_str().unwrap().to_string();
    {
        let mut s = prepared(&location);
        apply_all(&mut s, &stmts);
        let txn = s.catalog().begin();
        let grants: usize = (0..PROJECTS)
            .map(|p| {
                txn.all_acl(&format!("prj{p}"))
                    .unwrap()
                    .iter()
                    .map(|(_, _, g)| g.entries.len())
                    .sum::<usize>()
            })
            .sum();
        assert!(grants >= 100_000, "{grants} grants");
    }
    let mut group = c.benchmark_group("open");
    group.sample_size(20);
    group.bench_function("100k_grants", |b| {
        b.iter(|| drop(Catalog::open(&location).unwrap()))
    });
    // Partitions are read on first use: this is open plus reading every project's grants.
    group.bench_function("100k_grants_read_all", |b| {
        b.iter(|| {
            let catalog = Catalog::open(&location).unwrap();
            let txn = catalog.begin();
            let records: usize = (0..PROJECTS)
                .map(|p| txn.all_acl(&format!("prj{p}")).unwrap().len())
                .sum();
            assert!(records > 0);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
