//! The session's record cache (`authz::RecordCache`) outlives statements but is never stale:
//! a grant, revoke, policy or setting committed between two statements decides the next check,
//! whether it was committed by a statement of the session or straight into the catalog; a
//! transaction's own pending writes decide its checks and never leak into the shared cache.

mod authz_support;

use authz_support::*;
use mcsec::authz::{authorize_in, RecordCache, Request, Resource, Snapshot, TaskType};
use mcsec::catalog::model::{AclGrants, Grantee, ObjectRef, ObjectType};
use mcsec::catalog::{Catalog, Txn};
use mcsec::exec::{data, ExecContext, StatementResult, Session, SessionOptions};

const SELECT_REFUSED: &str = "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/t1}. Deny as default for Resource.";
const CREATE_INSTANCE_REFUSED: &str = "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:CreateInstance' on {acs:odps:*:projects/prj1}. Deny as default for Resource.";

/// Adds `Select on t1` for alice to `txn`, uncommitted.
fn grant_select_to_alice(txn: &mut Txn<'_>) {
    let t1 = ObjectRef {
        kind: ObjectType::Table,
        name: "t1".into(),
    };
    let grants = AclGrants {
        entries: vec![acl_entry("Select", None)],
    };
    txn.put_acl("prj1", &t1, &Grantee::User(ALICE.into()), &grants)
        .unwrap();
}

fn run(session: &mut Session, sql: &str) -> mcsec::Result<StatementResult> {
    let stmt = mcsec::parser::parse_statement(sql, "<test>", 1, 1)?;
    session.execute(&stmt)
}

fn ok(session: &mut Session, sql: &str) -> StatementResult {
    run(session, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn refusal(session: &mut Session, sql: &str) -> String {
    match run(session, sql) {
        Ok(out) => panic!("{sql} was allowed: {}", out.text()),
        Err(e) => e.to_string(),
    }
}

/// prj1 with table t1 (one row), alice a member who may run jobs but not read t1; the session
/// acts as alice in prj1.
fn session() -> Session {
    let mut s = Session::new(
        Catalog::memory(),
        SessionOptions {
            user: OWNER.into(),
            source_ip: "127.0.0.1".into(),
            now: Some(NOW),
        },
    );
    for sql in [
        "create project prj1",
        "use prj1",
        "create table t1 (id bigint)",
        "insert into t1 values (1)",
        "add user RAM$alice",
        "grant CreateInstance on project prj1 to user RAM$alice",
        "login RAM$alice",
    ] {
        ok(&mut s, sql);
    }
    s
}

fn as_owner(s: &mut Session, sql: &str) {
    ok(s, "login ALIYUN$owner");
    ok(s, sql);
    ok(s, "login RAM$alice");
}

#[test]
fn a_grant_then_a_revoke_between_statements_decide_the_next_select() {
    let mut s = session();
    assert_eq!(refusal(&mut s, "select * from t1"), SELECT_REFUSED);
    // The refusal cached the missing ACL record of (t1, alice); the grant must evict it.
    as_owner(&mut s, "grant Select on table t1 to user RAM$alice");
    let out = ok(&mut s, "select * from t1");
    assert_eq!(out.json()["rows"], serde_json::json!([[1]]));
    as_owner(&mut s, "revoke Select on table t1 from user RAM$alice");
    assert_eq!(refusal(&mut s, "select * from t1"), SELECT_REFUSED);
}

#[test]
fn a_switched_off_acl_and_a_removed_user_take_effect_at_once() {
    let mut s = session();
    as_owner(&mut s, "grant Select on table t1 to user RAM$alice");
    ok(&mut s, "select * from t1");
    as_owner(&mut s, "set CheckPermissionUsingACL=false");
    // CreateInstance, the statement's first check, was an ACL grant too.
    assert_eq!(refusal(&mut s, "select * from t1"), CREATE_INSTANCE_REFUSED);
    as_owner(&mut s, "set CheckPermissionUsingACL=true");
    ok(&mut s, "select * from t1");
    // Membership, seen by the owner explaining for alice: her user record was cached.
    ok(&mut s, "login ALIYUN$owner");
    let explain = "explain for RAM$alice select * from t1";
    assert_eq!(ok(&mut s, explain).json()["decision"], "allow");
    ok(&mut s, "remove user RAM$alice");
    let out = ok(&mut s, explain);
    assert_eq!(out.json()["decision"], "deny");
    assert_eq!(out.json()["code"], "4002");
}

#[test]
fn a_grant_committed_straight_into_the_catalog_is_seen_by_the_next_statement() {
    let mut s = session();
    refusal(&mut s, "select * from t1");
    let mut txn = s.catalog().begin();
    grant_select_to_alice(&mut txn);
    s.catalog().commit(txn).unwrap();
    ok(&mut s, "select * from t1");
}

#[test]
fn explain_reads_through_the_session_cache_and_sees_a_new_grant() {
    let mut s = session();
    let before = ok(&mut s, "explain select * from t1");
    assert_eq!(before.json()["decision"], "deny");
    as_owner(&mut s, "grant Select on table t1 to user RAM$alice");
    let after = ok(&mut s, "explain select * from t1");
    assert_eq!(after.json()["decision"], "allow");
    assert_eq!(
        after.json()["checks"][1]["rules"],
        serde_json::json!(["ACL user/RAM$owner:alice: Select on projects/prj1/tables/t1"])
    );
}

fn select_t1() -> Request {
    Request {
        principal: ALICE.into(),
        source_ip: "127.0.0.1".into(),
        current_project: Some("prj1".into()),
        action: mcsec::authz::Action::Select,
        resource: Resource::table_columns("prj1", "t1", vec!["id".into()]),
        task_type: TaskType::Sql,
        outflow: None,
        now: NOW,
    }
}

fn tenant() -> Tenant {
    let t = Tenant::new();
    t.project("prj1")
        .user("prj1", ALICE, &[], 0)
        .table("prj1", "t1", &["id"], OWNER);
    t
}

#[test]
fn a_pending_grant_decides_its_own_transaction_and_never_reaches_the_shared_cache() {
    let t = tenant();
    let cache = RecordCache::new();
    {
        let txn = t.catalog.begin();
        let snapshot = Snapshot::with_cache(&txn, &cache);
        assert!(snapshot.is_shared());
        let response = authorize_in(&select_t1(), &snapshot);
        assert_eq!(response.message.as_deref(), Some(SELECT_REFUSED));
    }
    assert!(
        !cache.is_empty(),
        "the refusal should have filled the cache"
    );
    let filled = cache.len();

    let mut txn = t.catalog.begin();
    grant_select_to_alice(&mut txn);
    {
        let snapshot = Snapshot::with_cache(&txn, &cache);
        assert!(!snapshot.is_shared());
        let response = authorize_in(&select_t1(), &snapshot);
        assert!(response.allowed(), "{:?}", response.message);
        assert_eq!(
            response.rules().iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec!["ACL user/RAM$owner:alice: Select on projects/prj1/tables/t1"]
        );
    }
    drop(txn); // rolled back
    assert_eq!(cache.len(), filled);
    let txn = t.catalog.begin();
    let snapshot = Snapshot::with_cache(&txn, &cache);
    let response = authorize_in(&select_t1(), &snapshot);
    assert_eq!(response.message.as_deref(), Some(SELECT_REFUSED));
}

#[test]
fn a_data_statement_after_its_own_pending_grant_is_allowed() {
    let t = tenant();
    t.grant_project("prj1", Grantee::User(ALICE.into()), "CreateInstance");
    let cache = RecordCache::new();
    let ctx = ExecContext {
        user: ALICE,
        project: Some("prj1"),
        source_ip: "127.0.0.1",
        now: NOW,
        records: Some(&cache),
        files: &mcsec::exec::LocalFiles,
        checks: None,
        audit: None,
    };
    let select = mcsec::parser::parse_statement("select * from t1", "<test>", 1, 1).unwrap();
    let mut txn = t.catalog.begin();
    let refused = data::execute(&ctx, &mut txn, &select).unwrap_err();
    assert_eq!(refused.to_string(), SELECT_REFUSED);
    drop(txn);

    let mut txn = t.catalog.begin();
    grant_select_to_alice(&mut txn);
    let out = data::execute(&ctx, &mut txn, &select).unwrap();
    assert_eq!(out.json()["columns"], serde_json::json!(["id"]));
}

#[test]
fn a_cache_outliving_the_commit_log_or_handed_another_catalog_starts_over() {
    let t = tenant();
    let cache = RecordCache::new();
    {
        let txn = t.catalog.begin();
        authorize_in(&select_t1(), &Snapshot::with_cache(&txn, &cache));
    }
    // Far more commits than the log keeps, the last of them the grant.
    for i in 0..1000 {
        t.object("prj1", ObjectType::Instance, &format!("i{i}"), OWNER);
    }
    t.grant("prj1", "t1", ALICE, "Select");
    {
        let txn = t.catalog.begin();
        let response = authorize_in(&select_t1(), &Snapshot::with_cache(&txn, &cache));
        assert!(response.allowed(), "{:?}", response.message);
    }
    // Another tenant at a similar generation, where alice holds no grant.
    let other = tenant();
    let txn = other.catalog.begin();
    let response = authorize_in(&select_t1(), &Snapshot::with_cache(&txn, &cache));
    assert_eq!(response.message.as_deref(), Some(SELECT_REFUSED));
}
