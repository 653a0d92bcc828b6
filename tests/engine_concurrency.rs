//! Many sessions on one engine: no statement's effect is lost, races end as a serial order
//! would end them, and nothing deadlocks.
//!
//! - `eight_sessions_of_a_thousand_statements_keep_every_effect`: 8 threads, one session each,
//!   1,000 mixed statements each over two shared projects (writes to shared records included:
//!   the same table's ACL, the project's instance counter), then every effect is checked.
//! - `two_sessions_creating_one_role_one_wins_and_the_other_gets_the_documented_error`: the
//!   same `create role r1` raced 200 times.
//! - `any_interleaving_of_two_sessions_ends_in_a_serial_state`: a property test. Two sessions
//!   run short statement lists over the same few names at once; the catalog they leave (every
//!   stored byte) must equal what one of the serial interleavings of the two lists leaves.

use mcsec::catalog::Catalog;
use mcsec::exec::{Engine, Session, SessionOptions};
use proptest::prelude::*;
use std::sync::{Arc, Barrier};

const NOW: i64 = 1_767_225_600;

fn options(user: &str) -> SessionOptions {
    SessionOptions {
        user: user.into(),
        source_ip: "127.0.0.1".into(),
        now: Some(NOW),
    }
}

fn run(session: &mut Session, sql: &str) -> mcsec::Result<String> {
    let stmt = mcsec::parser::parse_statement(sql, "<test>", 1, 1)?;
    session.execute(&stmt).map(|out| out.text())
}

fn run_ok(session: &mut Session, sql: &str) -> String {
    run(session, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Two projects with a table each, made by the owner.
fn shared_engine() -> Arc<Engine> {
    let engine = Engine::new(Catalog::memory());
    let mut owner = engine.session(options("ALIYUN$owner"));
    for sql in [
        "create project prj0",
        "create project prj1",
        "use prj0",
        "create table t (c string)",
        "insert into t values ('x')",
        "use prj1",
        "create table t (c string)",
        "insert into t values ('y')",
    ] {
        run_ok(&mut owner, sql);
    }
    engine
}

/// The 1,000 statements of thread `t`: 200 rounds of five, alternating between the projects.
fn thread_statements(t: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..200 {
        let p = i % 2;
        out.push(format!("use prj{p}"));
        out.push(format!("add user RAM$t{t}u{i}"));
        out.push(format!("create role t{t}r{i}"));
        out.push(format!("grant t{t}r{i} to RAM$t{t}u{i}"));
        out.push(if i % 5 == 0 {
            // A data statement: reads the table, writes an instance record.
            "select c from t".to_string()
        } else {
            format!("grant Select on table t to user RAM$t{t}u{i}")
        });
    }
    out
}

#[test]
fn eight_sessions_of_a_thousand_statements_keep_every_effect() {
    let engine = shared_engine();
    let start = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let engine = engine.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut session = engine.session(options("ALIYUN$owner"));
                start.wait();
                for sql in thread_statements(t) {
                    run_ok(&mut session, &sql);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a session thread panicked");
    }

    let txn = engine.catalog().begin();
    let table = mcsec::catalog::model::ObjectRef {
        kind: mcsec::catalog::model::ObjectType::Table,
        name: "t".into(),
    };
    for t in 0..8 {
        for i in 0..200 {
            let project = format!("prj{}", i % 2);
            let name = format!("RAM$owner:t{t}u{i}");
            let user = txn
                .user(&project, &name)
                .unwrap()
                .unwrap_or_else(|| panic!("{name} lost in {project}"));
            assert_eq!(user.roles, vec![format!("t{t}r{i}")], "{name}");
            assert!(txn.role(&project, &format!("t{t}r{i}")).unwrap().is_some());
            let acl = txn
                .acl(
                    &project,
                    &table,
                    &mcsec::catalog::model::Grantee::User(name.clone()),
                )
                .unwrap();
            let want = usize::from(i % 5 != 0);
            assert_eq!(acl.entries.len(), want, "grant to {name}");
        }
    }
    // Every select recorded its own instance (8 threads x 20 selects per project, on top of
    // the set-up's `create table` and `insert`): none lost to a race on the instance counter.
    for project in ["prj0", "prj1"] {
        let instances = txn
            .objects(project, mcsec::catalog::model::ObjectType::Instance)
            .unwrap();
        assert_eq!(instances.len(), 2 + 8 * 20, "instances of {project}");
    }
}

#[test]
fn two_sessions_creating_one_role_one_wins_and_the_other_gets_the_documented_error() {
    for _ in 0..200 {
        let engine = shared_engine();
        let start = Arc::new(Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let engine = engine.clone();
                let start = start.clone();
                std::thread::spawn(move || {
                    let mut session = engine.session(options("ALIYUN$owner"));
                    run_ok(&mut session, "use prj0");
                    start.wait();
                    run(&mut session, "create role r1")
                })
            })
            .collect();
        let outcomes: Vec<mcsec::Result<String>> =
            racers.into_iter().map(|r| r.join().unwrap()).collect();
        let wins = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(wins, 1, "{outcomes:?}");
        let loser = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
        assert_eq!(
            loser.to_string(),
            "ODPS-0420095: Access Denied - Role r1 already exists in project prj0."
        );
    }
}

/// A small vocabulary over few names, so that the two sessions' statements touch the same
/// records: the same roles, users, role memberships and the same table's ACL.
fn statement() -> impl Strategy<Value = String> {
    let n = 0..2usize;
    prop_oneof![
        n.clone().prop_map(|i| format!("create role r{i}")),
        n.clone().prop_map(|i| format!("drop role r{i}")),
        n.clone().prop_map(|i| format!("add user RAM$u{i}")),
        n.clone().prop_map(|i| format!("remove user RAM$u{i}")),
        (n.clone(), n.clone()).prop_map(|(r, u)| format!("grant r{r} to RAM$u{u}")),
        (n.clone(), n.clone()).prop_map(|(r, u)| format!("revoke r{r} from RAM$u{u}")),
        n.clone().prop_map(|u| format!("grant Select on table t to user RAM$u{u}")),
        n.clone().prop_map(|r| format!("grant Describe on table t to role r{r}")),
        n.prop_map(|u| format!("revoke Select on table t from user RAM$u{u}")),
        Just("select c from t".to_string()),
    ]
}

/// Runs `statements` in one session in project prj0, ignoring failures (a refused statement
/// changes nothing, which is part of what is compared).
fn run_all(session: &mut Session, statements: &[String]) {
    for sql in statements {
        let _ = run(session, sql);
    }
}

/// Every way to interleave `a` and `b` keeping each one's order.
fn interleavings(a: &[String], b: &[String]) -> Vec<Vec<(usize, String)>> {
    if a.is_empty() {
        return vec![b.iter().map(|s| (1, s.clone())).collect()];
    }
    if b.is_empty() {
        return vec![a.iter().map(|s| (0, s.clone())).collect()];
    }
    let mut out = Vec::new();
    for mut rest in interleavings(&a[1..], b) {
        rest.insert(0, (0, a[0].clone()));
        out.push(rest);
    }
    for mut rest in interleavings(a, &b[1..]) {
        rest.insert(0, (1, b[0].clone()));
        out.push(rest);
    }
    out
}

fn session_in_prj0(engine: &Arc<Engine>) -> Session {
    let mut session = engine.session(options("ALIYUN$owner"));
    run_ok(&mut session, "use prj0");
    session
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_of_two_sessions_ends_in_a_serial_state(
        a in prop::collection::vec(statement(), 1..5),
        b in prop::collection::vec(statement(), 1..5),
    ) {
        let mut serial_states = std::collections::BTreeSet::new();
        for order in interleavings(&a, &b) {
            let engine = shared_engine();
            let mut sessions = [session_in_prj0(&engine), session_in_prj0(&engine)];
            for (who, sql) in order {
                let _ = run(&mut sessions[who], &sql);
            }
            serial_states.insert(engine.catalog().entries().unwrap());
        }
        // The threads interleave differently each time: several runs per case.
        for _ in 0..8 {
            let engine = shared_engine();
            let start = Arc::new(Barrier::new(2));
            let threads: Vec<_> = [a.clone(), b.clone()]
                .into_iter()
                .map(|statements| {
                    let engine = engine.clone();
                    let start = start.clone();
                    std::thread::spawn(move || {
                        let mut session = session_in_prj0(&engine);
                        start.wait();
                        run_all(&mut session, &statements);
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
            let concurrent = engine.catalog().entries().unwrap();
            prop_assert!(
                serial_states.contains(&concurrent),
                "the concurrent run of {:?} and {:?} left a catalog that none of the {} serial \
                 orders leaves",
                a, b, serial_states.len()
            );
        }
    }
}
