//! Data statements run through `exec::data::execute` on catalog-built tenants: what they
//! write, what they print, and that a refused statement leaves the catalog as it was.

mod authz_support;

use authz_support::*;
use mcsec::ast::{ColumnDef, Literal, ObjectName, Query, ResourceKind, Statement};
use mcsec::catalog::model::{ObjectType, Value};
use mcsec::exec::{data, ExecContext, StatementResult};
use mcsec::Result;

fn name(s: &str) -> ObjectName {
    match s.split_once('.') {
        Some((p, n)) => ObjectName {
            project: Some(p.into()),
            name: n.into(),
        },
        None => ObjectName {
            project: None,
            name: s.into(),
        },
    }
}

fn run(t: &Tenant, user: &str, project: &str, stmt: Statement) -> Result<StatementResult> {
    let ctx = ExecContext {
        user,
        project: Some(project),
        source_ip: "127.0.0.1",
        now: NOW,
        records: None,
        files: &mcsec::exec::LocalFiles,
        checks: None,
        audit: None,
    };
    let mut txn = t.catalog.begin();
    let out = data::execute(&ctx, &mut txn, &stmt)?;
    t.catalog.commit(txn)?;
    Ok(out)
}

fn create(table: &str, cols: &[&str]) -> Statement {
    Statement::CreateTable {
        table: name(table),
        columns: cols
            .iter()
            .map(|c| ColumnDef {
                name: c.to_string(),
                data_type: "string".into(),
            })
            .collect(),
        if_not_exists: false,
    }
}

fn insert(table: &str, rows: &[&[&str]]) -> Statement {
    Statement::InsertValues {
        table: name(table),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|v| Literal::String(v.to_string())).collect())
            .collect(),
    }
}

fn select(cols: Option<&[&str]>, table: &str) -> Statement {
    Statement::Select(Query {
        columns: cols.map(|c| c.iter().map(|s| s.to_string()).collect()),
        from: name(table),
    })
}

fn tenant() -> Tenant {
    let t = Tenant::new();
    t.project("prj1").project("prj2");
    t
}

#[test]
fn owner_creates_inserts_and_selects_in_odpscmd_layout() {
    let t = tenant();
    assert_eq!(
        run(&t, OWNER, "prj1", create("users", &["name", "Phone"]))
            .unwrap()
            .text(),
        "OK"
    );
    run(
        &t,
        OWNER,
        "prj1",
        insert("users", &[&["bob", "555-1234"], &["alice", "1"]]),
    )
    .unwrap();
    let out = run(&t, OWNER, "prj1", select(None, "users")).unwrap();
    assert_eq!(
        out.text(),
        "+-------+----------+\n| name  | phone    |\n+-------+----------+\n| bob   | 555-1234 |\n| alice | 1        |\n+-------+----------+"
    );
    assert_eq!(out.json()["columns"], serde_json::json!(["name", "phone"]));
    assert_eq!(out.json()["rows"][0], serde_json::json!(["bob", "555-1234"]));
    let out = run(&t, OWNER, "prj1", select(Some(&["PHONE"]), "prj1.users")).unwrap();
    assert_eq!(
        out.text(),
        "+----------+\n| phone    |\n+----------+\n| 555-1234 |\n| 1        |\n+----------+"
    );
    let txn = t.catalog.begin();
    let table = txn.table("prj1", "users").unwrap().unwrap();
    assert_eq!(table.creator, OWNER);
    // create, insert and two selects: four SQL jobs, four instances with consecutive ids
    let instances: Vec<String> = txn
        .objects("prj1", ObjectType::Instance)
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(
        instances,
        vec![
            "20260601000000001",
            "20260601000000002",
            "20260601000000003",
            "20260601000000004"
        ]
    );
}

#[test]
fn empty_select_prints_header_only() {
    let t = tenant();
    run(&t, OWNER, "prj1", create("t", &["a"])).unwrap();
    assert_eq!(
        run(&t, OWNER, "prj1", select(None, "t")).unwrap().text(),
        "+---+\n| a |\n+---+\n+---+"
    );
}

#[test]
fn member_without_create_instance_is_refused_and_nothing_changes() {
    let t = tenant();
    t.user("prj1", ALICE, &[], 0);
    let err = run(&t, ALICE, "prj1", create("t", &["a"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:CreateInstance' on {acs:odps:*:projects/prj1}. Deny as default for Resource."
    );
    t.grant_project(
        "prj1",
        mcsec::catalog::model::Grantee::User(ALICE.into()),
        "CreateInstance",
    );
    let err = run(&t, ALICE, "prj1", create("t", &["a"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:CreateTable' on {acs:odps:*:projects/prj1}. Deny as default for Resource."
    );
    let txn = t.catalog.begin();
    assert!(txn.table("prj1", "t").unwrap().is_none());
    assert!(txn
        .objects("prj1", ObjectType::Instance)
        .unwrap()
        .is_empty());
}

#[test]
fn creator_may_insert_and_drop_and_drop_revokes_grants() {
    let t = tenant();
    t.user("prj1", ALICE, &[], 0).user("prj1", BOB, &[], 0);
    for action in ["CreateInstance", "CreateTable"] {
        t.grant_project(
            "prj1",
            mcsec::catalog::model::Grantee::User(ALICE.into()),
            action,
        );
    }
    run(&t, ALICE, "prj1", create("t", &["a"])).unwrap();
    run(&t, ALICE, "prj1", insert("t", &[&["x"]])).unwrap();
    t.grant("prj1", "t", BOB, "Select");
    t.label_grant(
        "prj1",
        "t",
        mcsec::catalog::model::Grantee::User(BOB.into()),
        None,
        3,
        NOW + DAY,
    );
    run(&t, ALICE, "prj1", Statement::DropTable { table: name("t"), if_exists: false }).unwrap();
    let txn = t.catalog.begin();
    assert!(txn.table("prj1", "t").unwrap().is_none());
    assert!(txn.rows("prj1", "t").unwrap().rows.is_empty());
    assert!(txn
        .all_acl("prj1")
        .unwrap()
        .iter()
        .all(|(o, _, _)| o.kind != ObjectType::Table));
    assert!(txn.all_label_grants("prj1").unwrap().is_empty());
    drop(txn);
    let err = run(&t, ALICE, "prj1", Statement::DropTable { table: name("t"), if_exists: false }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ODPS-0130131:Table not found - table prj1.t cannot be resolved"
    );
}

#[test]
fn insert_checks_arity_and_types() {
    let t = tenant();
    run(
        &t,
        OWNER,
        "prj1",
        Statement::CreateTable {
            table: name("n"),
            columns: vec![
                ColumnDef {
                    name: "id".into(),
                    data_type: "bigint".into(),
                },
                ColumnDef {
                    name: "ok".into(),
                    data_type: "boolean".into(),
                },
            ],
            if_not_exists: false,
        },
    )
    .unwrap();
    let err = run(
        &t,
        OWNER,
        "prj1",
        Statement::InsertValues {
            table: name("n"),
            rows: vec![vec![Literal::Number("1".into())]],
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ODPS-0130071:Semantic analysis exception - the number of values (1) does not match the number of columns (2) of table prj1.n"
    );
    let err = run(
        &t,
        OWNER,
        "prj1",
        Statement::InsertValues {
            table: name("n"),
            rows: vec![vec![Literal::Number("1.5".into()), Literal::Bool(true)]],
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "ODPS-0130071:Semantic analysis exception - cannot insert 1.5 into column id of type bigint");
    run(
        &t,
        OWNER,
        "prj1",
        Statement::InsertValues {
            table: name("n"),
            rows: vec![vec![Literal::Number("7".into()), Literal::Null]],
        },
    )
    .unwrap();
    assert_eq!(
        t.catalog.begin().rows("prj1", "n").unwrap().rows,
        vec![vec![Value::Number("7".into()), Value::Null]]
    );
    let out = run(&t, OWNER, "prj1", select(None, "n")).unwrap();
    assert_eq!(
        out.text(),
        "+----+------+\n| id | ok   |\n+----+------+\n| 7  | NULL |\n+----+------+"
    );
    assert_eq!(out.json()["rows"][0], serde_json::json!([7, null]));
}

#[test]
fn duplicate_table_and_unknown_column_are_semantic_errors() {
    let t = tenant();
    run(&t, OWNER, "prj1", create("t", &["a"])).unwrap();
    assert_eq!(
        run(&t, OWNER, "prj1", create("t", &["a"]))
            .unwrap_err()
            .to_string(),
        "ODPS-0130071:Semantic analysis exception - table or view already exists - prj1.t"
    );
    assert_eq!(
        run(&t, OWNER, "prj1", select(Some(&["b"]), "t"))
            .unwrap_err()
            .to_string(),
        "ODPS-0130071:Semantic analysis exception - column b cannot be resolved in table prj1.t"
    );
    assert_eq!(
        run(&t, OWNER, "prj1", create("nope.t", &["a"]))
            .unwrap_err()
            .to_string(),
        "ODPS-0420111: Project not found - 'nope'."
    );
}

#[test]
fn ctas_and_insert_select_copy_rows_across_projects() {
    let t = tenant();
    run(&t, OWNER, "prj1", create("t1", &["a", "b"])).unwrap();
    run(&t, OWNER, "prj1", insert("t1", &[&["1", "x"], &["2", "y"]])).unwrap();
    run(
        &t,
        OWNER,
        "prj2",
        Statement::CreateTableAs {
            table: name("t2"),
            query: Query {
                columns: Some(vec!["b".into()]),
                from: name("prj1.t1"),
            },
        },
    )
    .unwrap();
    let txn = t.catalog.begin();
    assert_eq!(txn.table("prj2", "t2").unwrap().unwrap().columns.len(), 1);
    assert_eq!(
        txn.rows("prj2", "t2").unwrap().rows,
        vec![
            vec![Value::String("x".into())],
            vec![Value::String("y".into())]
        ]
    );
    drop(txn);
    let copy = |overwrite| Statement::InsertSelect {
        overwrite,
        table: name("prj2.t2"),
        query: Query {
            columns: Some(vec!["a".into()]),
            from: name("prj1.t1"),
        },
    };
    run(&t, OWNER, "prj2", copy(false)).unwrap();
    assert_eq!(t.catalog.begin().rows("prj2", "t2").unwrap().rows.len(), 4);
    run(&t, OWNER, "prj2", copy(true)).unwrap();
    assert_eq!(
        t.catalog.begin().rows("prj2", "t2").unwrap().rows,
        vec![
            vec![Value::String("1".into())],
            vec![Value::String("2".into())]
        ]
    );
    let err = run(
        &t,
        OWNER,
        "prj2",
        Statement::InsertSelect {
            overwrite: false,
            table: name("t2"),
            query: Query {
                columns: None,
                from: name("prj1.t1"),
            },
        },
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "ODPS-0130071:Semantic analysis exception - the query selects 2 column(s) but table prj2.t2 has 1");
}

#[test]
fn protection_blocks_ctas_out_of_the_project_even_for_the_owner() {
    let t = tenant();
    run(&t, OWNER, "prj1", create("t1", &["a"])).unwrap();
    t.setting("prj1", |s| s.project_protection = true);
    let ctas = Statement::CreateTableAs {
        table: name("prj2.t2"),
        query: Query {
            columns: None,
            from: name("prj1.t1"),
        },
    };
    let err = run(&t, OWNER, "prj1", ctas.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ODPS-0130013:Authorization exception - Authorization Failed [4021], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/t1}. project 'prj1' is protected."
    );
    assert!(t.catalog.begin().table("prj2", "t2").unwrap().is_none());
    t.edit_project("prj1", |p| p.trusted_projects.push("prj2".into()));
    run(&t, OWNER, "prj1", ctas).unwrap();
}

#[test]
fn tunnel_download_writes_csv_with_header() {
    let t = tenant();
    run(&t, OWNER, "prj1", create("t", &["a", "b"])).unwrap();
    run(
        &t,
        OWNER,
        "prj1",
        insert("t", &[&["x,1", "say \"hi\""], &["plain", ""]]),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    let path = path.to_str().unwrap();
    let out = run(
        &t,
        OWNER,
        "prj1",
        Statement::TunnelDownload {
            table: name("t"),
            path: path.into(),
        },
    )
    .unwrap();
    assert_eq!(
        out.text(),
        format!("2 records downloaded to {path}\ndownload OK")
    );
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        "a,b\n\"x,1\",\"say \"\"hi\"\"\"\nplain,\n"
    );
    // Tunnel is not a SQL job: no instance beyond create + insert.
    assert_eq!(
        t.catalog
            .begin()
            .objects("prj1", ObjectType::Instance)
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn download_control_and_protection_govern_tunnel() {
    let t = tenant();
    run(&t, OWNER, "prj1", create("t", &["a"])).unwrap();
    t.user("prj1", ALICE, &[], 0)
        .grant("prj1", "t", ALICE, "Select");
    t.property("prj1", "odps.security.enabledownloadprivilege", "true");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.csv").to_str().unwrap().to_string();
    let download = Statement::TunnelDownload {
        table: name("t"),
        path: path.clone(),
    };
    assert_eq!(
        run(&t, ALICE, "prj1", download.clone()).unwrap_err().to_string(),
        "ErrorCode=NoPermission, ErrorMessage=Authorization Failed [4019], You have NO privilege 'odps:Download' on {acs:odps:*:projects/prj1/tables/t}. Deny as default for Resource."
    );
    assert!(!std::path::Path::new(&path).exists());
    t.grant("prj1", "t", ALICE, "Download");
    run(&t, ALICE, "prj1", download.clone()).unwrap();
    t.setting("prj1", |s| s.project_protection = true);
    assert_eq!(
        run(&t, OWNER, "prj1", download).unwrap_err().to_string(),
        "ErrorCode=NoPermission, ErrorMessage=Authorization Failed [4021], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/t}. project 'prj1' is protected."
    );
}

#[test]
fn functions_and_resources() {
    let t = tenant();
    let out = run(
        &t,
        OWNER,
        "prj1",
        Statement::AddResource {
            kind: ResourceKind::Jar,
            name: "/tmp/udf.jar".into(),
            comment: None,
        },
    )
    .unwrap();
    assert_eq!(out.text(), "OK: Resource 'udf.jar' have been created.");
    let f = Statement::CreateFunction {
        name: name("my_lower"),
        class: "com.x.Lower".into(),
        resources: vec!["udf.jar".into()],
    };
    run(&t, OWNER, "prj1", f.clone()).unwrap();
    assert_eq!(
        run(&t, OWNER, "prj1", f).unwrap_err().to_string(),
        "ODPS-0130071:Semantic analysis exception - function prj1.my_lower already exists"
    );
    let missing = Statement::CreateFunction {
        name: name("g"),
        class: "C".into(),
        resources: vec!["nope.jar".into()],
    };
    assert_eq!(
        run(&t, OWNER, "prj1", missing).unwrap_err().to_string(),
        "Resource not found - 'prj1/resources/nope.jar'"
    );
    t.user("prj1", ALICE, &[], 0);
    assert_eq!(
        run(&t, ALICE, "prj1", Statement::DropFunction { name: name("my_lower") }).unwrap_err().to_string(),
        "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Delete' on {acs:odps:*:projects/prj1/registration/functions/my_lower}. Deny as default for Resource."
    );
    run(
        &t,
        OWNER,
        "prj1",
        Statement::DropFunction {
            name: name("my_lower"),
        },
    )
    .unwrap();
    run(
        &t,
        OWNER,
        "prj1",
        Statement::DropResource {
            name: "udf.jar".into(),
        },
    )
    .unwrap();
    let txn = t.catalog.begin();
    assert!(txn
        .objects("prj1", ObjectType::Function)
        .unwrap()
        .is_empty());
    assert!(txn
        .objects("prj1", ObjectType::Resource)
        .unwrap()
        .is_empty());
}
