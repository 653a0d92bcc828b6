//! Effective permissions, dump and plan:
//! - `effective/100k_grants_one_user`: `show effective grants for RAM$owner:u_0;` through
//!   `Session::execute` on the tenant of `examples/make_catalog.rs` (project `prj`, 100 tables,
//!   1,000 users, one `Select` grant per (table, user): 100,000 grants), in memory. Target
//!   < 20 ms.
//! - `dump/100k_grants`: `exec::dump::dump` of that tenant. Target < 1 s.
//! - `plan/10k_statements`: `mcsec plan` of a 10,000-statement script (10 projects, each with
//!   20 tables, 200 users, a role and 780 grants) against an empty catalog: the copy, both
//!   pictures of the tenant (dump and every principal's effective grants), the run. Target
//!   < 2 s.

use criterion::{criterion_group, criterion_main, Criterion};
use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::time::Duration;

const NOW: i64 = 1_767_225_600;

fn options() -> SessionOptions {
    SessionOptions {
        user: "ALIYUN$owner".into(),
        source_ip: "127.0.0.1".into(),
        now: Some(NOW),
    }
}

fn run(session: &mut Session, sql: &str) {
    let statement = mcsec::parser::parse_statement(sql, "<bench>", 1, 1).unwrap();
    session.execute(&statement).unwrap();
}

fn tenant_100k() -> Session {
    let mut s = Session::new(Catalog::memory(), options());
    run(&mut s, "create project prj");
    run(&mut s, "use prj");
    for t in 0..100 {
        run(
            &mut s,
            &format!("create table t_{t} (id bigint, name string)"),
        );
    }
    for u in 0..1000 {
        run(&mut s, &format!("add user RAM$owner:u_{u}"));
    }
    for u in 0..1000 {
        for t in 0..100 {
            run(
                &mut s,
                &format!("grant Select on table t_{t} to user RAM$owner:u_{u}"),
            );
        }
    }
    s
}

fn plan_script() -> String {
    let mut lines = Vec::new();
    for p in 0..10 {
        lines.push(format!("create project plan{p};"));
        lines.push(format!("use plan{p};"));
        lines.push("create role analysts;".to_string());
        for t in 0..20 {
            lines.push(format!("create table t{t} (a string, b string);"));
        }
        for u in 0..200 {
            lines.push(format!("add user RAM$owner:user{u};"));
        }
        for g in 0..777 {
            let (t, u) = (g % 20, g % 200);
            lines.push(match g % 3 {
                0 => format!("grant Select on table t{t} to user RAM$owner:user{u};"),
                1 => format!("grant Describe on table t{t} (a) to user RAM$owner:user{u};"),
                _ => format!("grant analysts to RAM$owner:user{u};"),
            });
        }
    }
    assert_eq!(lines.len(), 10_000);
    lines.join("\n")
}

fn benches(c: &mut Criterion) {
    let mut session = tenant_100k();
    let show =
        mcsec::parser::parse_statement("show effective grants for RAM$owner:u_0", "<bench>", 1, 1)
            .unwrap();
    let mut group = c.benchmark_group("effective");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("100k_grants_one_user", |b| {
        b.iter(|| session.execute(&show).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("dump");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("100k_grants", |b| {
        b.iter(|| {
            let txn = session.catalog().begin();
            mcsec::exec::dump::dump(&txn, None, "", NOW)
                .unwrap()
                .script
                .len()
        })
    });
    group.finish();

    let script = plan_script();
    let empty = Catalog::memory();
    let ctx = mcsec::tools::Context {
        catalog: ":memory:".into(),
        user: "ALIYUN$owner".into(),
        project: None,
        source_ip: "127.0.0.1".into(),
        now: Some(NOW),
        format: mcsec::console::Format::Text,
    };
    let mut group = c.benchmark_group("plan");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("10k_statements", |b| {
        b.iter(|| {
            let report = mcsec::tools::plan_report(&empty, &ctx, &script, "plan.sql").unwrap();
            assert!(report.failures.is_empty());
            report.rights.len()
        })
    });
    group.finish();
}

criterion_group!(effective, benches);
criterion_main!(effective);
