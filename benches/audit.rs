//! The audit trail's costs:
//! - `show_audit_1m/*`: `show audit` with filters over a trail of 1,000,000 records (50
//!   principals, 20 projects, 90 days, 1% refused), run through `Session::execute` as a
//!   client would. Target < 50 ms each.
//! - `trail/100k_on`, `trail/100k_off`: the 100,000 management statements of
//!   `benches/apply.rs` applied into a fresh sled catalog, flushed every
//!   [`GROUP_COMMIT_STATEMENTS`] as `mcsec -f` flushes them, with the trail on and with `alter
//!   tenant set audit retention off`. Target: on within 15% of off.
//!
//! The trail is appended with `Catalog::append_audit` (what a refused statement's record
//! takes), so building it costs seconds, not the minutes a million statements would.

// The binary's allocator (src/main.rs), so that the figures are the ones `mcsec` gets.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use mcsec::ast::Statement;
use mcsec::catalog::audit::{AuditEntry, AuditError, Decision, TaskType};
use mcsec::catalog::model::{Column, Table};
use mcsec::catalog::Catalog;
use mcsec::console::commit::GROUP_COMMIT_STATEMENTS;
use mcsec::exec::{Session, SessionOptions};
use std::time::Duration;

const START: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const RECORDS: u64 = 1_000_000;
const SPAN: i64 = 90 * 86_400;

fn parse(sql: &str) -> Statement {
    mcsec::parser::parse_statement(sql, "<bench>", 1, 1).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn options(now: i64) -> SessionOptions {
    SessionOptions {
        user: "ALIYUN$owner".into(),
        source_ip: "127.0.0.1".into(),
        now: Some(now),
    }
}

fn entry(i: u64) -> AuditEntry {
    let denied = i.is_multiple_of(100);
    AuditEntry {
        time: START + (i as i64 * SPAN) / RECORDS as i64,
        principal: format!("RAM$owner:user{}", (i / 3) % 50),
        source_ip: format!("10.0.{}.{}", i % 7, i % 11),
        project: Some(format!("prj{}", i % 20)),
        task: if i.is_multiple_of(4) { TaskType::Sql } else { TaskType::Management },
        statement: format!("grant Select on table t{} to user RAM$owner:user{}", i % 97, i % 50),
        error: denied.then(|| AuditError {
            kind: "authorization".into(),
            code: Some("ODPS-0420095".into()),
            auth_code: Some("4019".into()),
            message: "ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:GrantPrivilege' on {acs:odps:*:projects/prj1/tables/t}.".into(),
        }),
        decision: if denied { Decision::Deny } else { Decision::Allow },
        rule: Some("allowed at layer standing".into()),
        rows_read: 0,
        bytes_read: 0,
        rows_written: 0,
        bytes_written: 0,
    }
}

fn show_audit(c: &mut Criterion) {
    let catalog = Catalog::memory();
    for i in 0..RECORDS {
        catalog.append_audit(entry(i)).unwrap();
    }
    let mut s = Session::new(catalog, options(START + SPAN));
    let queries = [
        ("user_project_week_limit100", "show audit for user RAM$owner:user7 in project prj3 since '2026-02-01' until '2026-02-08' limit 100"),
        ("user_limit100", "show audit for user RAM$owner:user7 limit 100"),
        ("project_day", "show audit in project prj3 since '2026-03-01' until '2026-03-02'"),
        ("denied_limit100", "show audit denied limit 100"),
        ("hour", "show audit since '2026-03-30T00:00:00Z' until '2026-03-30T01:00:00Z'"),
        ("user_all_90_days_limit1000", "show audit for user RAM$owner:user7 limit 1000"),
    ];
    let mut group = c.benchmark_group("show_audit_1m");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    for (name, sql) in queries {
        let stmt = parse(sql);
        let found = match s.execute(&stmt).unwrap() {
            mcsec::exec::StatementResult::Audit { records } => records.len(),
            other => panic!("{other:?}"),
        };
        assert!(found > 0, "{name} finds nothing");
        group.bench_function(name, |b| b.iter(|| s.execute(&stmt).unwrap()));
    }
    group.finish();
}

const PROJECTS: usize = 100;
const TABLES: usize = 50;

/// The statements of `benches/apply.rs`: per project `use`, 50 roles, 300 users, 300 role
/// grants, 349 table grants.
fn statements() -> Vec<Statement> {
    let mut v = Vec::new();
    for p in 0..PROJECTS {
        v.push(format!("use prj{p}"));
        for r in 0..50 {
            v.push(format!("create role role{r}"));
        }
        for u in 0..300 {
            v.push(format!("add user RAM$owner:user{u}"));
        }
        for u in 0..300 {
            v.push(format!("grant role{} to RAM$owner:user{u}", u % 50));
        }
        for g in 0..349 {
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
    }
    v.iter().map(|s| parse(s)).collect()
}

fn prepared(location: &str, trail: bool) -> Session {
    let mut s = Session::new(Catalog::open(location).unwrap(), options(START));
    if !trail {
        s.execute(&parse("alter tenant set audit retention off"))
            .unwrap();
    }
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

fn trail(c: &mut Criterion) {
    let stmts = statements();
    let mut group = c.benchmark_group("trail");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(stmts.len() as u64));
    for (name, on) in [("100k_on", true), ("100k_off", false)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let dir = tempfile::tempdir().unwrap();
                    let s = prepared(dir.path().join("c").to_str().unwrap(), on);
                    (dir, s)
                },
                |(dir, mut s)| {
                    for group in stmts.chunks(GROUP_COMMIT_STATEMENTS) {
                        for st in group {
                            s.execute(st).unwrap();
                        }
                        s.flush().unwrap();
                    }
                    (dir, s)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, show_audit, trail);
criterion_main!(benches);
