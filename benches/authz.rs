//! Single authorization checks on tenants holding 1k, 100k and 1M ACL grants.
//!
//! Each tenant is one project with U users and U tables and a grant of Select (plus a column
//! grant every 7th pair) for every (user, table) pair, so the grants-per-object and
//! grants-per-user counts grow with the tenant as they do in real ones. The measured checks
//! run in five modes:
//! - `repeat`: one request over and over, each check reading the catalog afresh;
//! - `spread`: 1024 different (user, table) requests in turn, reading afresh;
//! - `snapshot`: the same 1024 through one `authz::Snapshot` (one statement's cache);
//! - `cached`: the same 1024, each check a statement of its own (its own transaction and
//!   snapshot) over one long-lived `authz::RecordCache`, as a session runs them;
//! - `session`: `cached`, plus a commit after every 8th check writing an instance record (as
//!   every `select` does), so each snapshot first catches up with the catalog's commit log.
//!   The commits are not timed.
//!
//! Besides criterion's estimate, the bench times 200k checks one by one and prints p50 and p99
//! (`cargo bench --bench authz`; `AUTHZ_BENCH_GRANTS=1000` limits the sizes).

#[path = "../tests/authz_support/mod.rs"]
mod authz_support;

use authz_support::Tenant;
use criterion::{criterion_group, criterion_main, Criterion};
use mcsec::authz::{authorize, authorize_in, RecordCache, Request, Resource, Snapshot, TaskType};
use mcsec::catalog::model::*;
use mcsec::catalog::Catalog;
use std::hint::black_box;
use std::time::{Duration, Instant};

const NOW: i64 = 1_780_272_000;

fn principal(i: usize) -> String {
    format!("RAM$owner:user{i}")
}

fn tenant(grants: usize) -> (Catalog, usize) {
    let side = (grants as f64).sqrt().ceil() as usize;
    let support = Tenant::new();
    support.project("prj1");
    let catalog = support.catalog;
    let mut txn = catalog.begin();
    for i in 0..side {
        let user = User {
            principal: principal(i),
            comment: None,
            label: 0,
            roles: vec![],
            added_at: 0,
        };
        txn.put_user("prj1", &user).unwrap();
        let column = |name: &str| Column {
            name: name.into(),
            data_type: "string".into(),
            label: None,
        };
        let table = Table {
            name: format!("t{i}"),
            columns: vec![column("a"), column("b")],
            label: 0,
            creator: "ALIYUN$owner".into(),
            created_at: 0,
        };
        txn.put_table("prj1", &table).unwrap();
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
            let entries = if (t + u) % 7 == 0 {
                vec![entry(Some("a"))]
            } else {
                vec![entry(None)]
            };
            let object = ObjectRef {
                kind: ObjectType::Table,
                name: format!("t{t}"),
            };
            txn.put_acl(
                "prj1",
                &object,
                &Grantee::User(principal(u)),
                &AclGrants { entries },
            )
            .unwrap();
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
                action: mcsec::authz::Action::Select,
                resource: Resource::table_columns(
                    "prj1",
                    &format!("t{t}"),
                    vec!["a".into(), "b".into()],
                ),
                task_type: TaskType::Sql,
                outflow: None,
                now: NOW,
            }
        })
        .collect()
}

/// How the measured checks use the catalog.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The same request over and over, each check reading the catalog afresh.
    Repeat,
    /// 1024 different requests in turn, each check reading the catalog afresh.
    Spread,
    /// 1024 different requests in turn through one shared snapshot (records decoded once).
    Snapshot,
    /// 1024 different requests, each its own transaction and snapshot over a long-lived cache.
    Cached,
    /// `Cached` with a commit (an instance record) after every 8th check.
    Session,
}

const MODES: [Mode; 5] = [
    Mode::Repeat,
    Mode::Spread,
    Mode::Snapshot,
    Mode::Cached,
    Mode::Session,
];

/// Checks between the commits of `Mode::Session`.
const CHECKS_PER_COMMIT: usize = 8;

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Repeat => "repeat",
            Mode::Spread => "spread",
            Mode::Snapshot => "snapshot",
            Mode::Cached => "cached",
            Mode::Session => "session",
        }
    }
}

/// One tenant and what the modes keep between checks.
struct Bench<'c> {
    catalog: &'c Catalog,
    requests: Vec<Request>,
    cache: RecordCache,
    instances: usize,
}

impl Bench<'_> {
    /// One check, timed; `Mode::Session` commits (untimed) after every 8th.
    fn check(&mut self, mode: Mode, i: usize, snapshot: &Snapshot<'_, '_>) -> Duration {
        let request = &self.requests[i % self.requests.len()];
        let start = Instant::now();
        match mode {
            Mode::Repeat => {
                let txn = self.catalog.begin();
                black_box(authorize(black_box(&self.requests[0]), &txn));
            }
            Mode::Spread => {
                let txn = self.catalog.begin();
                black_box(authorize(black_box(request), &txn));
            }
            Mode::Snapshot => {
                black_box(authorize_in(black_box(request), snapshot));
            }
            Mode::Cached | Mode::Session => {
                let txn = self.catalog.begin();
                let statement = Snapshot::with_cache(&txn, &self.cache);
                black_box(authorize_in(black_box(request), &statement));
            }
        }
        let elapsed = start.elapsed();
        if mode == Mode::Session && i.is_multiple_of(CHECKS_PER_COMMIT) {
            self.commit_instance();
        }
        elapsed
    }

    fn commit_instance(&mut self) {
        self.instances += 1;
        let mut txn = self.catalog.begin();
        let instance = NamedObject {
            kind: ObjectType::Instance,
            name: format!("i{}", self.instances),
            creator: "ALIYUN$owner".into(),
            created_at: NOW,
            detail: "select".into(),
        };
        txn.put_object("prj1", &instance).unwrap();
        self.catalog.commit(txn).unwrap();
    }

    /// Times 200k checks one by one and returns (p50, p99) in nanoseconds.
    fn percentiles(&mut self, mode: Mode) -> (u128, u128) {
        let catalog = self.catalog;
        let txn = catalog.begin();
        let snapshot = Snapshot::new(&txn);
        let mut samples: Vec<u128> = (0..200_000)
            .map(|i| self.check(mode, i, &snapshot).as_nanos())
            .collect();
        samples.sort_unstable();
        (
            samples[samples.len() / 2],
            samples[samples.len() * 99 / 100],
        )
    }
}

/// `AUTHZ_BENCH_GRANTS=1000,100000` limits the tenant sizes (default: 1k, 100k, 1M).
fn sizes() -> Vec<usize> {
    std::env::var("AUTHZ_BENCH_GRANTS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 100_000, 1_000_000])
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("authorize");
    for grants in sizes() {
        let (catalog, side) = tenant(grants);
        let mut bench = Bench {
            catalog: &catalog,
            requests: requests(side),
            cache: RecordCache::new(),
            instances: 0,
        };
        for mode in MODES {
            let (p50, p99) = bench.percentiles(mode);
            println!("authorize/{}/{grants} grants: p50 {p50} ns, p99 {p99} ns (200k single checks, timed one by one)", mode.name());
            let txn = catalog.begin();
            let snapshot = Snapshot::new(&txn);
            let mut i = 0;
            group.bench_function(format!("{}/{grants}_grants", mode.name()), |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            i += 1;
                            bench.check(mode, i, &snapshot)
                        })
                        .sum()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
