//! Single authorization checks on tenants holding 1k, 100k and 1M ACL grants.
//!
//! Each tenant is one project with U users and U tables and a grant of Select (plus a column
//! grant every 7th pair) for every (user, table) pair, so the grants-per-object and
//! grants-per-user counts grow with the tenant as they do in real ones. The measured checks
//! cycle through 1024 different (user, table) requests so that the same record is not hit every
//! time. Besides criterion's estimate, the bench times 200k checks one by one and prints p50 and
//! p99 (`cargo bench --bench authz`).

use criterion::{criterion_group, criterion_main, Criterion};
use mcsec::authz::{authorize, authorize_in, Request, Resource, Snapshot, TaskType};
use mcsec::catalog::model::*;
use mcsec::catalog::Catalog;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

const NOW: i64 = 1_780_272_000;

fn principal(i: usize) -> String {
    format!("RAM$owner:user{i}")
}

fn tenant(grants: usize) -> (Catalog, usize) {
    let side = (grants as f64).sqrt().ceil() as usize;
    let catalog = Catalog::memory();
    let mut txn = catalog.begin();
    txn.put_project(&Project {
        name: "prj1".into(),
        owner: "ALIYUN$owner".into(),
        comment: None,
        created_at: 0,
        settings: SecuritySettings::default(),
        properties: BTreeMap::new(),
        trusted_projects: vec![],
        account_providers: vec!["ALIYUN".into(), "RAM".into()],
        policy: None,
        security_policy: None,
    })
    .unwrap();
    for i in 0..side {
        txn.put_user("prj1", &User { principal: principal(i), comment: None, label: 0, roles: vec![], added_at: 0 }).unwrap();
        let columns = vec![
            Column { name: "a".into(), data_type: "string".into(), label: None },
            Column { name: "b".into(), data_type: "string".into(), label: None },
        ];
        txn.put_table("prj1", &Table { name: format!("t{i}"), columns, label: 0, creator: "ALIYUN$owner".into(), created_at: 0 })
            .unwrap();
    }
    catalog.commit(txn).unwrap();
    let mut made = 0;
    'outer: for t in 0..side {
        let mut txn = catalog.begin();
        for u in 0..side {
            if made == grants {
                catalog.commit(txn).unwrap();
                break 'outer;
            }
            let entry = |column: Option<&str>| AclEntry {
                action: "Select".into(),
                column: column.map(str::to_string),
                expires: None,
                conditions: None,
                grantor: "ALIYUN$owner".into(),
                granted_at: 0,
            };
            let entries = if (t + u) % 7 == 0 { vec![entry(Some("a"))] } else { vec![entry(None)] };
            let object = ObjectRef { kind: ObjectType::Table, name: format!("t{t}") };
            txn.put_acl("prj1", &object, &Grantee::User(principal(u)), &AclGrants { entries }).unwrap();
            made += 1;
        }
        catalog.commit(txn).unwrap();
    }
    (catalog, side)
}

fn requests(side: usize) -> Vec<Request> {
    // A fixed pseudo-random walk over (user, table) pairs.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state % side as u64) as usize;
            let t = ((state >> 32) % side as u64) as usize;
            Request {
                principal: principal(u),
                source_ip: "10.0.0.1".into(),
                current_project: Some("prj1".into()),
                action: "Select".into(),
                resource: Resource::table_columns("prj1", &format!("t{t}"), vec!["a".into(), "b".into()]),
                task_type: TaskType::Sql,
                outflow: None,
                now: NOW,
            }
        })
        .collect()
}

/// Times 200k checks one by one; `shared` runs them through one snapshot (records decoded
/// once), otherwise every check reads the catalog afresh.
fn percentiles(catalog: &Catalog, requests: &[Request], shared: bool) -> (u128, u128) {
    let txn = catalog.begin();
    let snapshot = Snapshot::new(&txn);
    let mut samples = Vec::with_capacity(200_000);
    for i in 0..200_000 {
        let request = &requests[i % requests.len()];
        let start = Instant::now();
        if shared {
            black_box(authorize_in(black_box(request), &snapshot));
        } else {
            black_box(authorize(black_box(request), &txn));
        }
        samples.push(start.elapsed().as_nanos());
    }
    samples.sort_unstable();
    (samples[samples.len() / 2], samples[samples.len() * 99 / 100])
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorize");
    for grants in [1_000usize, 100_000, 1_000_000] {
        let (catalog, side) = tenant(grants);
        let requests = requests(side);
        for (shared, label) in [(false, "uncached"), (true, "snapshot")] {
            let (p50, p99) = percentiles(&catalog, &requests, shared);
            println!("authorize/{label}/{grants} grants: p50 {p50} ns, p99 {p99} ns (single checks, timed one by one)");
        }
        let txn = catalog.begin();
        let mut i = 0;
        group.bench_function(format!("uncached/{grants}_grants"), |b| {
            b.iter(|| {
                i = (i + 1) % requests.len();
                black_box(authorize(black_box(&requests[i]), &txn))
            })
        });
        let snapshot = Snapshot::new(&txn);
        group.bench_function(format!("snapshot/{grants}_grants"), |b| {
            b.iter(|| {
                i = (i + 1) % requests.len();
                black_box(authorize_in(black_box(&requests[i]), &snapshot))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
