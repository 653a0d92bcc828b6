//! Executor rules that the golden transcripts do not show on their own: atomic statements,
//! revoking on drop (`exec::revoke_all_on_object`), expiry against the clock, principal
//! resolution, and the JSON results.

use mcsec::catalog::model::{Column, Grantee, ObjectRef, ObjectType, Table};
use mcsec::catalog::Catalog;
use mcsec::exec::{resolve_user, revoke_all_on_object, Session, SessionOptions};
use serde_json::json;

const NOW: i64 = 1_767_225_600;
const DAY: i64 = 86_400;

fn session_at(now: i64, catalog: Catalog) -> Session {
    Session::new(
        catalog,
        SessionOptions {
            user: "ALIYUN$owner".into(),
            source_ip: "127.0.0.1".into(),
            now: Some(now),
        },
    )
}

fn run(s: &mut Session, sql: &str) -> mcsec::Result<mcsec::exec::StatementResult> {
    s.execute(&mcsec::parser::parse_statement(sql, "<test>", 1, 1)?)
}

fn ok(s: &mut Session, sql: &str) -> mcsec::exec::StatementResult {
    run(s, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn tenant() -> Session {
    let mut s = session_at(NOW, Catalog::memory());
    for sql in [
        "create project prj",
        "use prj",
        "add user RAM$bob",
        "add user RAM$amy",
        "create role worker",
    ] {
        ok(&mut s, sql);
    }
    let mut txn = s.catalog().begin();
    let table = Table {
        name: "t".into(),
        columns: vec![Column {
            name: "c".into(),
            data_type: "string".into(),
            label: None,
        }],
        label: 0,
        creator: "ALIYUN$owner".into(),
        created_at: NOW,
    };
    txn.put_table("prj", &table).unwrap();
    s.catalog().commit(txn).unwrap();
    s
}

#[test]
fn a_statement_failing_half_way_changes_nothing() {
    let mut s = tenant();
    // The first grantee is fine, the second does not exist: neither gets the role.
    let err = run(&mut s, "grant worker to RAM$bob, RAM$nobody").unwrap_err();
    assert_eq!(
        err.to_string(),
        "ODPS-0420095: Access Denied - Principal RAM$owner:nobody does not exist in project prj."
    );
    assert_eq!(ok(&mut s, "show role grant RAM$bob").text(), "OK");
    let err = run(
        &mut s,
        "grant Select on table t to user RAM$bob, user RAM$nobody",
    )
    .unwrap_err();
    assert!(err.to_string().contains("RAM$owner:nobody"));
    assert_eq!(ok(&mut s, "show grants for RAM$bob").text(), "[roles]");
}

#[test]
fn dropping_an_object_revokes_its_grants_and_a_new_one_inherits_nothing() {
    let mut s = tenant();
    ok(&mut s, "grant Select on table t to user RAM$bob");
    ok(&mut s, "grant Describe on table t to role worker");
    ok(&mut s, "grant label 2 on table t to user RAM$bob");
    ok(&mut s, "create package pk");
    ok(&mut s, "add table t to package pk");
    let table = ObjectRef {
        kind: ObjectType::Table,
        name: "t".into(),
    };
    let mut txn = s.catalog().begin();
    revoke_all_on_object(&mut txn, "prj", &table).unwrap();
    s.catalog().commit(txn).unwrap();
    let txn = s.catalog().begin();
    assert!(txn.acl_on_object("prj", &table).unwrap().is_empty());
    assert!(txn
        .acl_of_grantee("prj", &Grantee::User("RAM$owner:bob".into()))
        .unwrap()
        .is_empty());
    assert!(txn.label_grants_on_table("prj", "t").unwrap().is_empty());
    assert!(txn
        .package("prj", "pk")
        .unwrap()
        .unwrap()
        .objects
        .is_empty());
}

#[test]
fn expired_grants_are_shown_with_their_date_and_cleared_by_the_clock() {
    let catalog_dir = tempfile::tempdir().unwrap();
    let location = catalog_dir.path().join("c");
    {
        let mut s = session_at(NOW, Catalog::open(location.to_str().unwrap()).unwrap());
        for sql in ["create project prj", "use prj", "add user RAM$bob"] {
            ok(&mut s, sql);
        }
        let mut txn = s.catalog().begin();
        txn.put_table(
            "prj",
            &Table {
                name: "t".into(),
                columns: vec![],
                label: 0,
                creator: "ALIYUN$owner".into(),
                created_at: NOW,
            },
        )
        .unwrap();
        s.catalog().commit(txn).unwrap();
        ok(
            &mut s,
            "grant Select on table t to user RAM$bob privilegeproperties(\"expires\"=\"1\")",
        );
        ok(&mut s, "grant Describe on table t to user RAM$bob");
        ok(
            &mut s,
            "grant label 1 on table t to user RAM$bob with exp 2",
        );
        s.flush().unwrap();
    }
    // Three days later both timed grants have expired; they are still listed until cleared.
    let mut s = session_at(
        NOW + 3 * DAY,
        Catalog::open(location.to_str().unwrap()).unwrap(),
    );
    ok(&mut s, "use prj");
    assert_eq!(
        ok(&mut s, "show grants for RAM$bob").text(),
        "[roles]\n\nAuthorization Type: ACL\n[user/RAM$owner:bob]\nA       projects/prj/tables/t: Select\tExpires:2026-01-02T00:00:00+0000\nA       projects/prj/tables/t: Describe"
    );
    ok(&mut s, "clear expired grants");
    assert_eq!(
        ok(&mut s, "show grants for RAM$bob").text(),
        "[roles]\n\nAuthorization Type: ACL\n[user/RAM$owner:bob]\nA       projects/prj/tables/t: Describe"
    );
    assert!(ok(&mut s, "show label grants for user RAM$bob")
        .text()
        .ends_with(
            "| TableName | GrantedLabel | Expires |\n+-----------+--------------+---------+"
        ));
}

#[test]
fn ram_shorthand_resolves_to_the_callers_account() {
    assert_eq!(resolve_user("RAM$alice", "ALIYUN$owner"), "RAM$owner:alice");
    assert_eq!(resolve_user("ram$alice", "RAM$acme:root"), "RAM$acme:alice");
    assert_eq!(
        resolve_user("aliyun$x@y.com", "ALIYUN$owner"),
        "ALIYUN$x@y.com"
    );
    assert_eq!(
        resolve_user("`RAM$owner:role/etl`", "ALIYUN$owner"),
        "RAM$owner:role/etl"
    );
    let s = session_at(NOW, Catalog::memory());
    assert_eq!(s.user(), "ALIYUN$owner");
}

#[test]
fn a_ram_user_grants_only_to_ram_users_of_its_account() {
    let mut s = tenant();
    ok(&mut s, "add user ALIYUN$partner");
    ok(&mut s, "grant admin to RAM$bob");
    ok(&mut s, "login RAM$owner:bob");
    ok(&mut s, "use prj");
    assert_eq!(
        run(&mut s, "grant Select on table t to user ALIYUN$partner").unwrap_err().to_string(),
        "ODPS-0420095: Access Denied - RAM$owner:bob can grant only to RAM users of its own Alibaba Cloud account, not to ALIYUN$partner."
    );
    ok(&mut s, "grant Select on table t to user RAM$amy");
}

#[test]
fn the_object_creator_may_grant_until_the_switch_is_off() {
    let mut s = tenant();
    let mut txn = s.catalog().begin();
    txn.put_table(
        "prj",
        &Table {
            name: "mine".into(),
            columns: vec![],
            label: 0,
            creator: "RAM$owner:bob".into(),
            created_at: NOW,
        },
    )
    .unwrap();
    s.catalog().commit(txn).unwrap();
    ok(&mut s, "login RAM$bob");
    ok(&mut s, "use prj");
    ok(&mut s, "grant Select on table mine to user RAM$amy");
    assert!(run(&mut s, "grant Select on table t to user RAM$amy")
        .unwrap_err()
        .to_string()
        .contains("'odps:GrantPrivilege' on {acs:odps:*:projects/prj/tables/t}"));
    ok(&mut s, "login ALIYUN$owner");
    ok(&mut s, "use prj");
    ok(&mut s, "set ObjectCreatorHasGrantPermission=false");
    ok(&mut s, "login RAM$bob");
    ok(&mut s, "use prj");
    assert!(run(&mut s, "grant Describe on table mine to user RAM$amy").is_err());
}

#[test]
fn results_are_also_json_with_stable_fields() {
    let mut s = tenant();
    ok(&mut s, "grant worker to RAM$bob");
    ok(&mut s, "grant Select on table t to role worker");
    assert_eq!(
        ok(&mut s, "list users").json(),
        json!({ "type": "names", "of": "users", "names": ["RAM$owner:amy", "RAM$owner:bob"] })
    );
    assert_eq!(
        ok(&mut s, "list roles").json(),
        json!({ "type": "names", "of": "roles", "names": ["admin", "super_administrator", "worker"] })
    );
    assert_eq!(ok(&mut s, "add user RAM$zed").json(), json!({ "type": "ok" }));
    let grants = ok(&mut s, "show grants for RAM$bob").json();
    assert_eq!(grants["type"], "grants");
    assert_eq!(grants["principal"], "RAM$owner:bob");
    assert_eq!(grants["principal_type"], "user");
    assert_eq!(grants["roles"], json!(["worker"]));
    assert_eq!(
        grants["blocks"][0],
        json!({
            "kind": "ACL",
            "groups": [
                { "subject": "user/RAM$owner:bob", "rows": [] },
                { "subject": "role/worker", "rows": [ {
                    "flags": "A", "grantee": null, "resource": "projects/prj/tables/t",
                    "actions": ["Select"], "expires": null, "conditions": null
                } ] }
            ]
        })
    );
    let config = ok(&mut s, "show SecurityConfiguration").json();
    assert_eq!(config["type"], "security_configuration");
    assert_eq!(config["CheckPermissionUsingAcl"], true);
    assert_eq!(config["LabelSecurity"], false);
    assert_eq!(
        ok(&mut s, "whoami").json(),
        json!({ "type": "whoami", "ID": "ALIYUN$owner", "DisplayName": "ALIYUN$owner", "SourceIP": "127.0.0.1", "Project": "prj" })
    );
}

#[test]
fn session_flags_and_completion_names() {
    let mut s = tenant();
    ok(&mut s, "set odps.sql.type.system.odps2=true");
    assert_eq!(
        s.flags()
            .get("odps.sql.type.system.odps2")
            .map(String::as_str),
        Some("true")
    );
    assert_eq!(
        s.names(mcsec::exec::NameKind::Role),
        vec!["admin", "super_administrator", "worker"]
    );
    assert_eq!(s.names(mcsec::exec::NameKind::Table), vec!["t"]);
    assert_eq!(s.names(mcsec::exec::NameKind::Project), vec!["prj"]);
}
