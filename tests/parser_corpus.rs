//! Every statement of the corpus parses, prints canonically, and re-parses to the same AST;
//! `fmt` is idempotent on the whole corpus.

use mcsec::ast::*;
use mcsec::lexer::split;
use mcsec::parser::{parse_script, parse_statement};

const CORPUS: &str = include_str!("data/parser/corpus.txt");
const FILE: &str = "corpus.sql";

fn parse(text: &str) -> Statement {
    match parse_statement(text, FILE, 1, 1) {
        Ok(s) => s,
        Err(e) => panic!("{text:?} failed: {e}"),
    }
}

fn canonical(text: &str) -> String {
    parse(text).to_string()
}

#[test]
fn every_corpus_statement_round_trips() {
    let mut count = 0;
    for stmt in split(CORPUS).filter(|s| !s.text.is_empty()) {
        let ast = match parse_statement(stmt.text, FILE, stmt.line, stmt.col) {
            Ok(ast) => ast,
            Err(e) => panic!("statement {} failed: {e}", stmt.index),
        };
        let printed = ast.to_string();
        let reparsed = match parse_statement(&printed, "printed", 1, 1) {
            Ok(ast) => ast,
            Err(e) => panic!("print of statement {} ({printed}) failed: {e}", stmt.index),
        };
        assert_eq!(reparsed, ast, "{} -> {printed}", stmt.text);
        assert_eq!(reparsed.to_string(), printed);
        count += 1;
    }
    assert!(count >= 200, "only {count} corpus statements");
}

#[test]
fn every_statement_variant_appears_in_the_corpus() {
    let mut seen = std::collections::BTreeSet::new();
    for stmt in parse_script(CORPUS, FILE) {
        let stmt = stmt.map_err(|e| e.to_string());
        let node = stmt.as_ref().map(|l| &l.node);
        seen.insert(mcsec::grammar::variant_name(node.expect("corpus parses")));
    }
    let expected = mcsec::grammar::statement_variants();
    let missing: Vec<_> = expected.iter().filter(|v| !seen.contains(*v)).collect();
    assert!(
        missing.is_empty(),
        "variants without a corpus example: {missing:?}"
    );
}

#[test]
fn exact_canonical_forms() {
    let cases = [
        (
            "GRANT describe,SELECT ON TABLE sale_detail(shop_name,customer_id) TO ram$Bob@aliyun.com:Allen",
            "grant Describe, Select on table sale_detail (shop_name, customer_id) to user RAM$Bob@aliyun.com:Allen",
        ),
        ("grant Select on sale_detail to RAM$x", "grant Select on table sale_detail to user RAM$x"),
        ("delete role Worker", "drop role Worker"),
        ("CREATE WORKSPACE Shop", "create workspace Shop mode basic"),
        ("create workspace s mode STANDARD scheduler RAM$sched", "create workspace s mode standard scheduler RAM$sched"),
        ("DIAGNOSE MIN RISK low", "diagnose"),
        ("diagnose project P min risk HIGH", "diagnose project P min risk high"),
        ("SHOW OUTFLOW PATHS FROM PROJECT p1", "show outflow paths from project p1"),
        ("desc role Worker", "describe role Worker"),
        ("purge privileges from role r", "purge privs from role r"),
        ("show roles", "list roles"),
        ("show principals Worker", "show principals for role Worker"),
        ("create role r privilegeproperties('type' = 'admin')", "create role r privilegeproperties(\"type\"=\"admin\")"),
        ("add user `RAM$acct:role/etl`", "add user `RAM$acct:role/etl`"),
        ("add user `ALIYUN$bob`", "add user ALIYUN$bob"),
        ("grant Select on table `select` to role `role`", "grant Select on table `select` to role `role`"),
        ("grant Select on table t partition(ds=2024) to role r", "grant Select on table t partition (ds='2024') to role r"),
        ("set label 2 to table t1(mobile,addr)", "set label 2 to table t1 (mobile, addr)"),
        ("SHOW AUDIT FOR RAM$bob IN PROJECT Prj1 SINCE '2026-01-01' DENIED LIMIT 3", "show audit for user RAM$bob in project Prj1 since '2026-01-01' denied limit 3"),
        ("Survey Tenant Inactive 30 Days", "survey tenant inactive 30 days"),
        ("ALTER TENANT SET AUDIT RETENTION OFF", "alter tenant set audit retention off"),
        ("drop ram user ram$bob", "drop ram user RAM$bob"),
        ("set label 1 to RAM$x", "set label 1 to user RAM$x"),
        ("setproject odps.security.ip.whitelist= odps.security.vpc.whitelist= ", "setproject odps.security.ip.whitelist= odps.security.vpc.whitelist="),
        ("setproject a=\"x y\" b=[1, 2]", "setproject a=\"x y\" b=[1, 2]"),
        ("set ProjectProtection=true with exception '/tmp/p.json'", "set ProjectProtection=true with exception /tmp/p.json"),
        ("put policy 'my dir/p.json' on role r", "put policy 'my dir/p.json' on role r"),
        ("insert into t values (1,'it''s',NULL,-2.5)", "insert into t values (1, 'it\\'s', null, -2.5)"),
        ("insert into table t select * from s", "insert into table t select * from s"),
        ("create table t (a STRING, b Decimal(10, 2))", "create table t (a string, b decimal(10,2))"),
        ("explain for RAM$x from '10.0.0.1' select * from t", "explain for user RAM$x from 10.0.0.1 select * from t"),
        ("create function f as 'C' using 'a.jar, b.py'", "create function f as 'C' using 'a.jar,b.py'"),
        ("add jar udtf.jar comment 'x'", "add jar udtf.jar comment 'x'"),
        ("show SecurityConfiguration", "show securityconfiguration"),
        ("allow project * to install package p with select", "allow project * to install package p with Select"),
        ("revoke `role` on table t from role w", "revoke `role` on table t from role w"),
        ("grant `label` on table t to user x", "grant `label` on table t to user x"),
        ("grant `LABEL`, `select` on t to x", "grant `LABEL`, Select on table t to user x"),
        ("grant super `user` to x", "grant super `user` to user x"),
        ("show acl for deps.tar.gz on type RESOURCE", "show acl for deps.tar.gz on type resource"),
        ("show acl for `udtf.jar` on type resource", "show acl for udtf.jar on type resource"),
        ("show acl for `my file` on type resource", "show acl for `my file` on type resource"),
        ("show acl for prj.t on type table", "show acl for prj.t on type table"),
    ];
    for (input, expected) in cases {
        assert_eq!(canonical(input), expected, "{input}");
    }
}

#[test]
fn normalisation_builds_the_documented_nodes() {
    assert_eq!(
        parse("grant Worker, auditor to ram$owner:bob, role r2"),
        Statement::GrantRoles(RoleGrantStmt {
            tenant: false,
            roles: vec!["Worker".into(), "auditor".into()],
            principals: vec![
                Principal {
                    kind: PrincipalKind::User,
                    name: "RAM$owner:bob".into()
                },
                Principal {
                    kind: PrincipalKind::Role,
                    name: "r2".into()
                },
            ],
        })
    );
    assert_eq!(parse("grant read to u"), parse("grant read to user u"));
    match parse("grant read to u") {
        Statement::GrantRoles(g) => assert_eq!(g.roles, vec!["read".to_string()]),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        parse("grant Read on resource udtf.jar to role w"),
        Statement::Grant(GrantStmt {
            privileges: vec![Privilege {
                name: "Read".into(),
                columns: None
            }],
            object: GrantObject {
                kind: ObjectType::Resource,
                name: ObjectName {
                    project: None,
                    name: "udtf.jar".into()
                },
                columns: None,
                partition: None,
            },
            grantees: vec![Principal {
                kind: PrincipalKind::Role,
                name: "w".into()
            }],
            properties: vec![],
            with_grant_option: false,
        })
    );
    // A resource is a file name: with `on type resource` the dot is part of the name.
    assert_eq!(
        parse("show acl for udtf.jar on type resource"),
        Statement::ShowAcl {
            object: ObjectName {
                project: None,
                name: "udtf.jar".into()
            },
            on_type: Some(ObjectType::Resource),
        }
    );
    assert_eq!(
        parse("show acl for prj.t on type table"),
        Statement::ShowAcl {
            object: ObjectName {
                project: Some("prj".into()),
                name: "t".into()
            },
            on_type: Some(ObjectType::Table),
        }
    );
    assert_eq!(
        parse("setproject odps.security.ip.whitelist= odps.security.vpc.whitelist= "),
        Statement::SetProject {
            pairs: vec![
                ("odps.security.ip.whitelist".into(), String::new()),
                ("odps.security.vpc.whitelist".into(), String::new()),
            ]
        }
    );
    assert_eq!(
        parse("setproject w=\"a b\" v=cn-hangzhou_vpc-a[10.0.0.0/8, 172.16.0.0/12]"),
        Statement::SetProject {
            pairs: vec![
                ("w".into(), "a b".into()),
                (
                    "v".into(),
                    "cn-hangzhou_vpc-a[10.0.0.0/8, 172.16.0.0/12]".into()
                ),
            ]
        }
    );
    assert_eq!(
        parse("set LabelSecurity=yes"),
        Statement::Set(SetStmt {
            key: "LabelSecurity".into(),
            value: "yes".into(),
            exception_file: None,
            locations: None
        })
    );
    assert_eq!(
        parse("set k= with exception e.json"),
        Statement::Set(SetStmt {
            key: "k".into(),
            value: String::new(),
            exception_file: Some("e.json".into()),
            locations: None
        })
    );
    assert_eq!(
        parse("create function f as 'C' using 'a.jar, b.py'"),
        Statement::CreateFunction {
            name: ObjectName {
                project: None,
                name: "f".into()
            },
            class: "C".into(),
            resources: vec!["a.jar".into(), "b.py".into()],
        }
    );
}

#[test]
fn script_positions_are_those_of_each_statement() {
    let src = "list users;\n\n  -- note\n  whoami;\nshow\n grants;";
    let got: Vec<_> = parse_script(src, "s.sql")
        .map(|r| r.map(|l| (l.line, l.col)))
        .collect();
    assert_eq!(got, vec![Ok((1, 1)), Ok((4, 3)), Ok((5, 1))]);
}

#[test]
fn fmt_prints_canonical_text_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("corpus.sql");
    std::fs::write(&first, CORPUS).expect("write");
    let run = |path: &std::path::Path| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = mcsec::fmt::run(&[path.display().to_string()], mcsec::fmt::Mode::Print, &mut out, &mut err);
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    };
    let (code, once, err) = run(&first);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(once.starts_with("-- Kept as written in the reference"));
    assert!(once.contains(
        "\n-- §1 users\nadd user ALIYUN$odps_test_user@aliyun.com;\nadd user ALIYUN$5527xxxxxxxx5788;\n"
    ));
    let second = dir.path().join("once.sql");
    std::fs::write(&second, &once).expect("write");
    let (code, twice, _) = run(&second);
    assert_eq!(code, 0);
    assert_eq!(twice, once);
}

#[test]
fn fmt_reports_the_first_error_with_its_position_and_prints_nothing_of_that_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.sql");
    let mut src = String::new();
    for n in 1..40 {
        src.push_str(&format!("create role r{n};\n"));
    }
    src.push_str("grant Select on table t too role r1;\nlist users;\n");
    std::fs::write(&path, &src).expect("write");
    let p = path.display().to_string();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = mcsec::fmt::run(std::slice::from_ref(&p), mcsec::fmt::Mode::Print, &mut out, &mut err);
    assert_eq!(code, 1);
    assert_eq!(String::from_utf8_lossy(&out), "");
    assert_eq!(
        String::from_utf8_lossy(&err),
        format!("FAILED: {p}:40:25: expected one of '.', '(', PARTITION, TO, found 'too'; did you mean 'to'?\n")
    );
}

#[test]
fn fmt_reports_a_missing_file() {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = mcsec::fmt::run(&["/nonexistent/x.sql".to_string()], mcsec::fmt::Mode::Print, &mut out, &mut err);
    assert_eq!(code, 2);
    assert!(String::from_utf8_lossy(&err).starts_with("error: cannot read /nonexistent/x.sql: "));
}

/// Found by the proptest: qualified names whose parts fuse when printed bare (`123.456x` lexes
/// as a number, `$.t` as one principal word).
#[test]
fn digit_led_qualified_names_round_trip() {
    let stmt = parse("show acl for 20151225091.\n340766gat07xs6 on type instance");
    assert_eq!(
        stmt.to_string(),
        "show acl for `20151225091`.`340766gat07xs6` on type instance"
    );
    assert_eq!(parse(&stmt.to_string()), stmt);
    let stmt = parse("insert into $ .sale_detail values (1)");
    assert_eq!(stmt.to_string(), "insert into `$`.`sale_detail` values (1)");
    assert_eq!(parse(&stmt.to_string()), stmt);
}
