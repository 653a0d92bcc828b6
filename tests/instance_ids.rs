//! Instance ids stay consecutive per project and second however the statements that record
//! them interleave: the counter the last statement handed out is only a hint, checked against
//! the catalog, so two catalogs, two projects and a rolled-back statement in one process never
//! skip or reuse an id.

use mcsec::catalog::model::ObjectType;
use mcsec::catalog::Catalog;
use mcsec::exec::{Engine, Session, SessionOptions};
use mcsec::parser::parse_statement;

fn session() -> Session {
    Engine::new(Catalog::memory()).session(SessionOptions {
        now: Some(1_780_272_000), // 2026-06-01T00:00:00Z
        ..SessionOptions::default()
    })
}

fn run(s: &mut Session, sql: &str) -> mcsec::Result<()> {
    let stmt = parse_statement(sql, "t.sql", 1, 1).expect(sql);
    s.execute(&stmt).map(|_| ())
}

fn instances(s: &Session, project: &str) -> Vec<String> {
    let txn = s.catalog().begin();
    let mut names: Vec<String> = txn
        .objects(project, ObjectType::Instance)
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort_by_key(|n| (n.len(), n.clone()));
    names
}

fn ids(count: usize) -> Vec<String> {
    (1..=count).map(|n| format!("20260601000000{n:03}")).collect()
}

#[test]
fn interleaved_catalogs_and_projects_keep_their_instance_ids_consecutive() {
    let (mut a, mut b) = (session(), session());
    for s in [&mut a, &mut b] {
        for sql in ["create project prj1", "create project prj2", "use prj1"] {
            run(s, sql).unwrap();
        }
    }
    for i in 0..40 {
        run(&mut a, &format!("create table ta{i} (c string)")).unwrap();
        if i % 3 == 0 {
            run(&mut b, &format!("create table tb{i} (c string)")).unwrap();
        }
        if i % 5 == 0 {
            run(&mut a, "use prj2").unwrap();
            run(&mut a, &format!("create table tc{i} (c string)")).unwrap();
            run(&mut a, "use prj1").unwrap();
        }
        // A refused statement records no instance and leaves the counter where it was.
        assert!(run(&mut a, &format!("create table ta{i} (c string)")).is_err());
    }
    assert_eq!(instances(&a, "prj1"), ids(40));
    assert_eq!(instances(&a, "prj2"), ids(8));
    assert_eq!(instances(&b, "prj1"), ids(14));
}
