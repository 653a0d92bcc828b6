//! `diagnose tenant` over a large tenant: 100 projects, each with 20 tables, 100 users, 10
//! roles and 1,000 ACL grants (100,000 over the tenant), plus what makes the checks work:
//! labelled columns, packages, trusted projects, exception policies naming a table that users
//! may write (some naming everyone), expired label grants, grants left to removed users,
//! administrators and Super_Administrators, unused roles, trust cycles, and five
//! standard-mode workspaces whose developers share production with several roles each.
//! Target: under 1 s. `show outflow paths` over the same tenant is measured alongside.
//!
//! The tenant is built once, through `Session::execute` as a script would build it (not timed).

use criterion::{criterion_group, criterion_main, Criterion};
use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions, StatementResult};
use std::time::Duration;

const PROJECTS: usize = 100;
const TABLES: usize = 20;
const USERS: usize = 100;
const GRANTS: usize = 1_000;

fn run(session: &mut Session, sql: &str) {
    let stmt = mcsec::parser::parse_statement(sql, "<bench>", 1, 1)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    session
        .execute(&stmt)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn tenant() -> Session {
    let mut s = Session::new(
        Catalog::memory(),
        SessionOptions {
            user: "ALIYUN$owner".into(),
            source_ip: "127.0.0.1".into(),
            now: Some(1_767_225_600),
        },
    );
    let dir = std::env::temp_dir().join(format!("mcsec-bench-diagnose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let policy = dir.join("exception.json");
    for w in 0..5 {
        run(
            &mut s,
            &format!("create workspace ws{w} mode standard scheduler RAM$sched{w}"),
        );
    }
    for p in 0..PROJECTS {
        run(&mut s, &format!("create project prj{p}"));
    }
    for p in 0..PROJECTS {
        run(&mut s, &format!("use prj{p}"));
        for t in 0..TABLES {
            run(
                &mut s,
                &format!("create table t{t} (id bigint, name string, phone string)"),
            );
        }
        run(&mut s, "set label 2 to table t0(phone)");
        for r in 0..10 {
            run(&mut s, &format!("create role r{r}"));
        }
        for u in 0..USERS {
            run(&mut s, &format!("add user RAM$u{u}"));
            run(&mut s, &format!("grant r{} to RAM$u{u}", u % 10));
        }
        // GRANTS distinct (table, user) pairs.
        for g in 0..GRANTS {
            let (t, u) = (g % TABLES, g / TABLES);
            let action = if g % 7 == 0 { "Update" } else { "Select" };
            run(
                &mut s,
                &format!("grant {action} on table t{t} to user RAM$u{u}"),
            );
        }
        run(
            &mut s,
            "grant label 1 on table t1 to user RAM$u1 with exp 0",
        );
        run(&mut s, "add user RAM$gone");
        run(&mut s, "grant Select on table t2 to user RAM$gone");
        run(&mut s, "remove user RAM$gone");
        if p % 10 == 1 {
            // Admins and a Super_Administrator, an unused role holding a grant, and trust
            // back to the project that trusts this one: a cycle.
            run(&mut s, "grant super_administrator to RAM$u0");
            for u in 1..5 {
                run(&mut s, &format!("grant admin to RAM$u{u}"));
            }
            run(&mut s, "create role unused");
            run(&mut s, "grant Select on table t3 to role unused");
            run(&mut s, &format!("add trustedproject prj{}", p - 1));
        }
        if p % 10 == 0 {
            run(&mut s, "create package pkg");
            run(&mut s, "add table t0 to package pkg");
            run(&mut s, "allow project * to install package pkg");
            let next = (p + 1) % PROJECTS;
            run(&mut s, &format!("add trustedproject prj{next}"));
            let who = if p % 20 == 0 { "*" } else { "RAM$owner:u1" };
            std::fs::write(
                &policy,
                format!(
                    r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Principal": "{who}", "Action": ["odps:Select"], "Resource": "acs:odps:*:projects/prj{p}/tables/t0", "Condition": {{"StringEquals": {{"odps:TaskType": ["DT"]}}}}}}]}}"#
                ),
            )
            .expect("policy written");
            run(
                &mut s,
                &format!(
                    "set ProjectProtection=true with exception {}",
                    policy.display()
                ),
            );
        }
    }
    for w in 0..5 {
        for env in [format!("ws{w}"), format!("ws{w}_dev")] {
            run(&mut s, &format!("use {env}"));
            run(&mut s, "add user RAM$dev");
            run(&mut s, "grant role_project_dev, role_project_pe to RAM$dev");
        }
        run(&mut s, &format!("use ws{w}"));
        run(
            &mut s,
            &format!("grant CreateTable on project ws{w} to user RAM$dev"),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    s
}

fn bench(c: &mut Criterion) {
    let mut session = tenant();
    let diagnose =
        mcsec::parser::parse_statement("diagnose tenant", "<bench>", 1, 1).expect("parses");
    // What the timed statement finds, once: every check has something to find.
    if let Ok(StatementResult::Diagnosis(d)) = session.execute(&diagnose) {
        let ids: std::collections::BTreeSet<&str> = d.findings.iter().map(|f| f.id).collect();
        eprintln!(
            "diagnose tenant: {} findings from {} checks: {ids:?}",
            d.findings.len(),
            ids.len()
        );
    }
    let mut group = c.benchmark_group("diagnose");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("tenant_100_projects_100k_grants", |b| {
        b.iter(|| session.execute(&diagnose).expect("diagnose runs"))
    });
    let outflow =
        mcsec::parser::parse_statement("show outflow paths", "<bench>", 1, 1).expect("parses");
    group.bench_function("outflow_paths_100_projects", |b| {
        b.iter(|| session.execute(&outflow).expect("outflow runs"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
