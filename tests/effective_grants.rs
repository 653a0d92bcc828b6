//! `show effective grants` against the authorizer: over random tenants (ACL to users and
//! roles with columns and expiry, labels, policies, creators, a package installed into a second
//! project, a tenant role), every row is allowed by `authz::authorize` exactly as listed, and
//! every candidate the authorizer allows is a row — both directions, for every principal and
//! object. Then golden rows through each kind of `via`, run through the real binary.

#[path = "common/cli.rs"]
mod cli;

mod authz_support;

use authz_support::*;
use mcsec::authz::{authorize, Action};
use mcsec::catalog::model::{AclEntry, Grantee, ObjectType};
use mcsec::exec::effective::{self, Query};
use proptest::prelude::*;

const USERS: [&str; 3] = ["RAM$owner:u0", "RAM$owner:u1", "RAM$owner:u2"];
const ROLES: [&str; 3] = ["r0", "admin", "super_administrator"];
const TABLES: [&str; 2] = ["t0", "t1"];
const ACTIONS: [&str; 5] = ["Select", "Describe", "All", "Update", "Drop"];

/// An ACL grant: to a role (else the user), user, table, action, column, expired.
type AclSpec = (Option<usize>, usize, usize, usize, Option<usize>, bool);

#[derive(Debug, Clone)]
struct Spec {
    switches: (bool, bool, bool, bool, bool),
    user_roles: Vec<Vec<usize>>,
    user_labels: Vec<u8>,
    column_labels: Vec<u8>,
    acl: Vec<AclSpec>,
    project_grants: Vec<(usize, bool)>,
    policy: Option<(usize, usize, bool)>,
    package: bool,
    tenant_role: Option<usize>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        proptest::collection::vec(proptest::collection::vec(0..ROLES.len(), 0..2), USERS.len()),
        proptest::collection::vec(0u8..3, USERS.len()),
        proptest::collection::vec(0u8..3, 4),
        proptest::collection::vec(
            (
                proptest::option::of(0..ROLES.len()),
                0..USERS.len(),
                0..TABLES.len(),
                0..ACTIONS.len(),
                proptest::option::of(0..2usize),
                any::<bool>(),
            ),
            0..10,
        ),
        proptest::collection::vec((0..USERS.len(), any::<bool>()), 0..3),
        proptest::option::of((0..USERS.len(), 0..TABLES.len(), any::<bool>())),
        any::<bool>(),
        proptest::option::of(0..TABLES.len()),
    )
        .prop_map(
            |(
                switches,
                user_roles,
                user_labels,
                column_labels,
                acl,
                project_grants,
                policy,
                package,
                tenant_role,
            )| Spec {
                switches,
                user_roles,
                user_labels,
                column_labels,
                acl,
                project_grants,
                policy,
                package,
                tenant_role,
            },
        )
}

fn build(spec: &Spec) -> Tenant {
    let t = Tenant::new();
    t.project("prj1").project("prj2");
    t.role("prj1", "r0", 1);
    for (i, user) in USERS.iter().enumerate() {
        let roles: Vec<&str> = spec.user_roles[i].iter().map(|r| ROLES[*r]).collect();
        t.user("prj1", user, &roles, spec.user_labels[i]);
    }
    t.user("prj2", USERS[0], &[], 0);
    for (i, table) in TABLES.iter().enumerate() {
        let c0 = format!("c0:{}", spec.column_labels[i * 2]);
        let c1 = format!("c1:{}", spec.column_labels[i * 2 + 1]);
        t.table("prj1", table, &[&c0, &c1], USERS[i]);
    }
    t.object("prj1", ObjectType::Function, "f0", USERS[1]);
    let (acl_on, policy_on, labels_on, protected, creator) = spec.switches;
    t.setting("prj1", |s| {
        s.check_permission_using_acl = acl_on;
        s.check_permission_using_policy = policy_on;
        s.label_security = labels_on;
        s.project_protection = protected;
        s.object_creator_has_access_permission = creator;
    });
    for (to_role, user, table, action, column, expired) in &spec.acl {
        let grantee = match to_role {
            Some(r) => Grantee::Role(ROLES[*r].into()),
            None => Grantee::User(USERS[*user].into()),
        };
        let entry = AclEntry {
            expires: Some(if *expired { NOW - 1 } else { NOW + DAY }),
            ..acl_entry(
                ACTIONS[*action],
                column.map(|c| if c == 0 { "c0" } else { "c1" }),
            )
        };
        t.acl("prj1", ObjectType::Table, TABLES[*table], grantee, entry);
    }
    for (user, create) in &spec.project_grants {
        let action = if *create {
            "CreateTable"
        } else {
            "CreateInstance"
        };
        t.grant_project("prj1", Grantee::User(USERS[*user].into()), action);
    }
    if let Some((u, table, deny)) = spec.policy {
        let effect = if deny { "Deny" } else { "Allow" };
        t.project_policy(
            "prj1",
            &format!(
                r#"{{"Version":"1","Statement":[{{"Effect":"{effect}","Principal":"{}","Action":"odps:*","Resource":"acs:odps:*:projects/prj1/tables/{}"}}]}}"#,
                USERS[u], TABLES[table]
            ),
        );
    }
    if spec.package {
        t.package(
            "prj1",
            "pkg",
            &[(ObjectType::Table, "t0", &["Select", "Describe"])],
            &[("prj2", 0)],
        );
        t.install("prj2", "prj1", "pkg");
        t.grant_project("prj2", Grantee::User(USERS[0].into()), "CreateInstance");
        t.acl(
            "prj2",
            ObjectType::Package,
            "prj1.pkg",
            Grantee::User(USERS[0].into()),
            acl_entry("Read", None),
        );
    }
    if let Some(table) = spec.tenant_role {
        t.tenant_role(
            "tr",
            &["RAM$owner:tu"],
            &["prj1"],
            &[("prj1", TABLES[table], "Select")],
        );
    }
    t
}

fn query(project: &str) -> Query {
    Query {
        project: project.into(),
        principal: None,
        object: None,
        source_ip: "10.0.0.7".into(),
        now: NOW,
    }
}

/// Asserts both directions for every candidate of `project`.
fn agrees(t: &Tenant, project: &str) -> Result<usize, TestCaseError> {
    let txn = t.catalog.begin();
    let q = query(project);
    let rows = effective::compute(&txn, None, &q).unwrap();
    let candidates = effective::candidates(&txn, &q).unwrap();
    for c in &candidates {
        let row = rows.iter().find(|r| {
            r.principal == c.principal
                && r.action == c.action.name()
                && r.project == c.current
                && r.object
                    .ends_with(c.resource.name.as_deref().unwrap_or(&c.resource.project))
                && r.object_type == c.resource.kind.keyword()
        });
        let reads_columns = c.action == Action::Select && c.resource.kind == ObjectType::Table;
        if !reads_columns {
            let allowed = authorize(&effective::request(c, None, &q), &txn).allowed();
            prop_assert_eq!(allowed, row.is_some(), "{:?}", c);
            continue;
        }
        let whole = authorize(&effective::request(c, Some(c.columns.clone()), &q), &txn).allowed();
        match row {
            None => {
                prop_assert!(!whole, "allowed whole read without a row: {:?}", c);
                for col in &c.columns {
                    let one = authorize(&effective::request(c, Some(vec![col.clone()]), &q), &txn);
                    prop_assert!(
                        !one.allowed(),
                        "column {} allowed without a row: {:?}",
                        col,
                        c
                    );
                }
            }
            Some(r) => match &r.columns {
                None => prop_assert!(whole, "row for the whole table, authorizer denies: {:?}", c),
                Some(cols) => {
                    prop_assert!(!whole);
                    let listed = authorize(&effective::request(c, Some(cols.clone()), &q), &txn);
                    prop_assert!(listed.allowed(), "listed columns refused: {:?}", r);
                    for col in c.columns.iter().filter(|col| !cols.contains(col)) {
                        let one =
                            authorize(&effective::request(c, Some(vec![col.clone()]), &q), &txn);
                        prop_assert!(
                            !one.allowed(),
                            "column {} allowed but not listed: {:?}",
                            col,
                            r
                        );
                    }
                }
            },
        }
    }
    prop_assert!(rows.len() <= candidates.len());
    Ok(rows.len())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn rows_are_exactly_what_the_authorizer_allows(spec in spec()) {
        let t = build(&spec);
        agrees(&t, "prj1")?;
        agrees(&t, "prj2")?;
    }
}

#[test]
fn the_owner_holds_every_candidate_and_a_stranger_none() {
    let t = Tenant::new();
    t.project("prj1");
    t.table("prj1", "t", &["a"], OWNER);
    let txn = t.catalog.begin();
    let mut q = query("prj1");
    q.principal = Some(OWNER.into());
    let rows = effective::compute(&txn, None, &q).unwrap();
    assert_eq!(rows.len(), effective::candidates(&txn, &q).unwrap().len());
    assert!(rows.iter().all(|r| r.via == vec!["owner".to_string()]));
    q.principal = Some(ALICE.into());
    assert_eq!(effective::compute(&txn, None, &q).unwrap(), vec![]);
}

/// `mcsec --catalog :memory: -e <script>` at a fixed clock; its stdout, panicking on failure.
fn mcsec(script: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--catalog", ":memory:", "-e", script];
    let out = cli::mcsec_with(dir.path(), &[("MCSEC_NOW", "2026-01-01T00:00:00Z")], &args);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out.stdout
}

/// The `Via` cell of every row of the last table printed, as `principal action object: via`.
fn vias(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Principal"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            format!(
                "{} {} {} [{}]: {}",
                cells[1], cells[4], cells[3], cells[5], cells[6]
            )
        })
        .collect()
}

#[test]
fn golden_rows_through_each_kind_of_via() {
    let setup = "create project prj1; create project prj2; use prj1; \
        create table t (a string, b string); \
        add user RAM$alice; add user RAM$bob; add user RAM$carol; add user RAM$dave; add user RAM$erin; \
        create role reader; grant reader to RAM$bob; grant Describe on table t to role reader; \
        grant Select on table t (a) to user RAM$alice privilegeproperties(\"expires\"=\"3\"); \
        grant admin to RAM$carol; grant super_administrator to RAM$dave; \
        grant CreateTable, CreateInstance on project prj1 to user RAM$erin; \
        create package pkg; add table t to package pkg with privileges Select; allow project prj2 to install package pkg; \
        use prj2; add user RAM$frank; grant CreateInstance on project prj2 to user RAM$frank; install package prj1.pkg; \
        grant Read on package prj1.pkg to user RAM$frank; \
        use prj1; login RAM$erin; create table e (x string); login ALIYUN$owner; use prj1;";
    let out = mcsec(&format!(
        "{setup} show effective grants on table t; show effective grants for RAM$erin; \
         use prj2; show effective grants for RAM$frank;"
    ));
    let got = vias(&out);
    for want in [
        "ALIYUN$owner Select projects/prj1/tables/t [*]: owner",
        "RAM$owner:alice Select projects/prj1/tables/t [a]: direct ACL",
        "RAM$owner:bob Describe projects/prj1/tables/t [*]: role reader",
        "RAM$owner:carol Select projects/prj1/tables/t [*]: Admin",
        "RAM$owner:dave Drop projects/prj1/tables/t [*]: Super_Administrator",
        "RAM$owner:erin CreateTable projects/prj1 []: direct ACL",
        "RAM$owner:erin Select projects/prj1/tables/e [*]: object creator",
        "RAM$owner:frank Select projects/prj1/tables/t [*]: direct ACL; package pkg from project prj1",
    ] {
        assert!(got.contains(&want.to_string()), "missing {want} in\n{}", got.join("\n"));
    }
    assert!(
        out.contains("2026-01-04T00:00:00+0000"),
        "alice's expiry:\n{out}"
    );
    assert!(
        !got.iter()
            .any(|g| g.starts_with("RAM$owner:erin") && g.contains("tables/t ")),
        "erin has nothing on t"
    );
}

#[test]
fn effective_grants_of_another_user_need_admin() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli::in_memory(
        dir.path(),
        &[
            "-e",
            "create project prj1; use prj1; add user RAM$alice; add user RAM$bob; login RAM$alice; use prj1; show effective grants for RAM$bob;",
        ],
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("[4019], You have NO privilege 'odps:ShowGrants' on {acs:odps:*:projects/prj1/authorization/users}"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_object_of_another_project_needs_its_gates_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli::in_memory(
        dir.path(),
        &[
            "-e",
            "create project prj1; create project prj2; use prj1; create table t (a string); \
             use prj2; add user RAM$amy; grant admin to RAM$amy; login RAM$amy; use prj2; \
             show effective grants on table prj1.t;",
        ],
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.starts_with(
            "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj1.\n"
        ),
        "{}",
        out.stderr
    );
}
