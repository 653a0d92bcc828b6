//! `explain`: the exact text and JSON of an explanation, the `for`/`from` forms, and that it
//! never writes.

mod authz_support;

use authz_support::*;
use mcsec::ast::{ExplainStmt, ObjectName, Principal, PrincipalKind, Query, Statement};
use mcsec::catalog::model::ObjectType;
use mcsec::exec::{explain, ExecContext};

fn tenant() -> Tenant {
    let t = Tenant::new();
    t.project("prj1").project("prj2");
    t.user("prj1", ALICE, &[], 0).user("prj2", ALICE, &[], 0);
    t.table("prj1", "users", &["name", "phone:2"], OWNER);
    t.grant_project(
        "prj1",
        mcsec::catalog::model::Grantee::User(ALICE.into()),
        "CreateInstance",
    );
    t.grant("prj1", "users", ALICE, "Select");
    t.setting("prj1", |s| s.label_security = true);
    t
}

fn select(columns: &[&str], table: &str) -> Box<Statement> {
    let (project, name) = match table.split_once('.') {
        Some((p, n)) => (Some(p.to_string()), n.to_string()),
        None => (None, table.to_string()),
    };
    Box::new(Statement::Select(Query {
        columns: Some(columns.iter().map(|c| c.to_string()).collect()),
        from: ObjectName { project, name },
    }))
}

fn explain_as(
    t: &Tenant,
    user: &str,
    project: &str,
    stmt: ExplainStmt,
) -> mcsec::Result<mcsec::exec::StatementResult> {
    explain_from(t, user, "127.0.0.1", project, stmt)
}

/// [`explain_as`] with the caller connected from `source_ip`.
fn explain_from(
    t: &Tenant,
    user: &str,
    source_ip: &str,
    project: &str,
    stmt: ExplainStmt,
) -> mcsec::Result<mcsec::exec::StatementResult> {
    let ctx = ExecContext {
        user,
        project: Some(project),
        source_ip,
        now: NOW,
        records: None,
        files: &mcsec::exec::LocalFiles,
        checks: None,
        audit: None,
    };
    let mut txn = t.catalog.begin();
    explain::execute(&ctx, &mut txn, &stmt)
}

#[test]
fn label_refusal_is_explained_with_layers_and_advice() {
    let t = tenant();
    let out = explain_as(
        &t,
        ALICE,
        "prj1",
        ExplainStmt {
            principal: None,
            source_ip: None,
            statement: select(&["name", "phone"], "users"),
        },
    )
    .unwrap();
    let expected = "\
Explain: select name, phone from `users`
Principal: RAM$owner:alice
Source IP: 127.0.0.1
Current project: prj1
Decision: DENY [4031]
Error: ODPS-0130013:Authorization exception - Authorization Failed [4031], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. CheckLabelSecurity failed. The sensitive label of column 'phone' is 2, but your effective label is 0.

Check 1: CreateInstance on projects/prj1 [SQL]: ALLOW
  deciding rules:
    ACL user/RAM$owner:alice: CreateInstance on projects/prj1
  layers:
    network                    n/a       no ip or vpc whitelist is set
    membership                 pass      an added user of the project
    owner/super_administrator  n/a       neither the owner nor a Super_Administrator
    policy deny                pass      no project or role policy applies
    allow sources              allow     an ACL grant
    label security             n/a       not a read of table data
    download control           n/a       not a Tunnel download
    project protection         n/a       no data leaves the project

Check 2: Select on projects/prj1/tables/users (name, phone) [SQL]: DENY [4031]
  error: ODPS-0130013:Authorization exception - Authorization Failed [4031], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. CheckLabelSecurity failed. The sensitive label of column 'phone' is 2, but your effective label is 0.
  deciding rules:
    column phone: sensitivity 2 > effective label 0 (user label 0)
  layers:
    network                    n/a       no ip or vpc whitelist is set
    membership                 pass      an added user of the project
    owner/super_administrator  n/a       neither the owner nor a Super_Administrator
    policy deny                pass      no project or role policy applies
    allow sources              allow     an ACL grant
    label security             deny      column phone has sensitivity 2, effective label is 0
    download control           n/a       not a Tunnel download
    project protection         n/a       no data leaves the project

Ways to change the outcome:
  - needs label grant >= 2 on column phone (effective label is 0; grant label 2 on table prj1.users(phone) to user RAM$owner:alice; in prj1, by the owner or an Admin of prj1)
  - or a user label >= 2, the highest sensitivity (set label 2 to user RAM$owner:alice; in prj1, by the owner or an Admin of prj1)";
    assert_eq!(out.text(), expected);
    assert_eq!(out.json()["decision"], "deny");
    assert_eq!(out.json()["code"], "4031");
    assert_eq!(
        out.json()["checks"][1]["layers"][5]["layer"],
        "label_security"
    );
    assert_eq!(out.json()["checks"][1]["layers"][5]["verdict"], "deny");
    assert_eq!(
        out.json()["checks"][1]["rules"][0],
        "column phone: sensitivity 2 > effective label 0 (user label 0)"
    );
    assert_eq!(out.json()["checks"][0]["decision"], "allow");
    assert_eq!(out.json()["advice"].as_array().map(Vec::len), Some(2));
}

#[test]
fn explain_for_another_principal_from_another_address() {
    let t = tenant();
    t.property("prj1", "odps.security.ip.whitelist", "10.0.0.0/8");
    // The caller itself must be admitted by prj1's whitelist to explain for another principal
    // there (it needs Admin or better in prj1, behind prj1's gates); the explained request
    // comes from the addresses named by `from`.
    let explain_as = |t: &Tenant, user: &str, project: &str, stmt: ExplainStmt| {
        explain_from(t, user, "10.0.0.1", project, stmt)
    };
    let stmt = ExplainStmt {
        principal: Some(Principal {
            kind: PrincipalKind::User,
            name: "RAM$alice".into(),
        }),
        source_ip: Some("10.1.2.3".into()),
        statement: select(&["name"], "prj1.users"),
    };
    let out = explain_as(&t, OWNER, "prj1", stmt.clone()).unwrap();
    assert_eq!(out.json()["statement"], "select name from prj1.`users`");
    assert!(out.text().starts_with("Explain: select name from prj1.`users`\nPrincipal: RAM$owner:alice\nSource IP: 10.1.2.3\nCurrent project: prj1\nDecision: ALLOW\n"), "{}", out.text());
    assert!(out.text().contains("    network                    pass      10.1.2.3 is in the ip white list of project prj1\n"));
    assert!(out
        .text()
        .ends_with("Ways to change the outcome: none needed, every check is allowed"));
    let from_outside = ExplainStmt {
        source_ip: Some("172.16.0.1".into()),
        ..stmt
    };
    let out = explain_as(&t, OWNER, "prj1", from_outside).unwrap();
    assert_eq!(out.json()["code"], "whitelist");
    assert_eq!(
        out.json()["message"],
        "ODPS-0420095: Access Denied - The request IP 172.16.0.1 is not in the ip white list of project prj1."
    );
    assert_eq!(
        out.json()["advice"][0],
        "would be allowed from an address in the ip white list of project prj1 (10.0.0.0/8), or if 172.16.0.1 were added to it"
    );
}

#[test]
fn explain_of_a_protected_copy_names_the_ways_out() {
    let t = tenant();
    t.setting("prj1", |s| {
        s.project_protection = true;
        s.label_security = false;
    });
    t.grant_project(
        "prj2",
        mcsec::catalog::model::Grantee::User(ALICE.into()),
        "CreateInstance",
    );
    t.grant_project(
        "prj2",
        mcsec::catalog::model::Grantee::User(ALICE.into()),
        "CreateTable",
    );
    let ctas = Statement::CreateTableAs {
        table: ObjectName {
            project: None,
            name: "copy".into(),
        },
        query: Query {
            columns: None,
            from: ObjectName {
                project: Some("prj1".into()),
                name: "users".into(),
            },
        },
    };
    let out = explain_as(
        &t,
        ALICE,
        "prj2",
        ExplainStmt {
            principal: None,
            source_ip: None,
            statement: Box::new(ctas),
        },
    )
    .unwrap();
    assert_eq!(out.json()["code"], "4021");
    assert_eq!(out.json()["checks"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        out.json()["advice"],
        serde_json::json!([
            "would be allowed if prj2 were a trusted project of prj1 (add trustedproject prj2; in prj1, by the owner or a Super_Administrator of prj1)",
            "or with an exception policy of prj1 allowing RAM$owner:alice odps:Select on acs:odps:*:projects/prj1/tables/users (write {\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"RAM$owner:alice\",\"Action\":[\"odps:Select\"],\"Resource\":\"acs:odps:*:projects/prj1/tables/users\",\"Condition\":{\"StringEquals\":{\"odps:TaskType\":[\"SQL\"]}}}]} to exception.json, then: set ProjectProtection=true with exception exception.json; in prj1, by the owner or a Super_Administrator of prj1)",
            "or by sharing table prj1.users through a package installed in prj2",
        ])
    );
}

#[test]
fn explain_never_writes() {
    let t = tenant();
    let mut txn = t.catalog.begin();
    let ctx = ExecContext {
        user: OWNER,
        project: Some("prj1"),
        source_ip: "127.0.0.1",
        now: NOW,
        records: None,
        files: &mcsec::exec::LocalFiles,
        checks: None,
        audit: None,
    };
    let drop = ExplainStmt {
        principal: None,
        source_ip: None,
        statement: Box::new(Statement::DropTable {
            if_exists: false,
            table: ObjectName {
                project: None,
                name: "users".into(),
            },
        }),
    };
    let out = explain::execute(&ctx, &mut txn, &drop).unwrap();
    assert_eq!(out.json()["decision"], "allow");
    assert!(!txn.has_writes());
    assert!(txn.table("prj1", "users").unwrap().is_some());
    assert!(txn
        .objects("prj1", ObjectType::Instance)
        .unwrap()
        .is_empty());
}

#[test]
fn explain_needs_a_user_and_a_statement_of_the_catalog() {
    let t = tenant();
    let for_role = ExplainStmt {
        principal: Some(Principal {
            kind: PrincipalKind::Role,
            name: "worker".into(),
        }),
        source_ip: None,
        statement: select(&["name"], "users"),
    };
    assert_eq!(
        explain_as(&t, OWNER, "prj1", for_role)
            .unwrap_err()
            .to_string(),
        "explain for needs a user principal, not role worker"
    );
    let missing = ExplainStmt {
        principal: None,
        source_ip: None,
        statement: select(&["name"], "nope"),
    };
    assert_eq!(
        explain_as(&t, OWNER, "prj1", missing)
            .unwrap_err()
            .to_string(),
        "ODPS-0130131:Table not found - table prj1.nope cannot be resolved"
    );
    // A management statement is explained through its management checks.
    let management = ExplainStmt {
        principal: None,
        source_ip: None,
        statement: Box::new(Statement::ListUsers),
    };
    let out = explain_as(&t, OWNER, "prj1", management).unwrap();
    assert!(out.text().contains("\nDecision: ALLOW\n"), "{}", out.text());
    assert!(
        out.text().contains(
            "\nCheck 2: ListUsers on projects/prj1/authorization/users [management, needs Admin or better]: ALLOW\n"
        ),
        "{}",
        out.text()
    );
    // Session statements are not explained.
    let session = ExplainStmt {
        principal: None,
        source_ip: None,
        statement: Box::new(Statement::Use {
            project: "prj1".into(),
        }),
    };
    assert_eq!(
        explain_as(&t, OWNER, "prj1", session).unwrap_err().to_string(),
        "explain takes a statement that runs in the catalog, not `use`"
    );
}
