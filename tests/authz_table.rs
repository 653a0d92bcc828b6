//! The authorizer, table-driven: every layer of §10 and their interactions, each case asserting
//! the decision, the code and the deciding rules (and, where it matters, the exact text).

mod authz_support;

use authz_support::*;
use mcsec::authz::{authorize, Decision, Outflow, Request, Resource, TaskType};
use mcsec::catalog::model::{AclEntry, Grantee, ObjectType};

const CAROL: &str = "RAM$owner:carol";
const DAVE: &str = "RAM$owner:dave";
const ERIN: &str = "RAM$owner:erin";
const OTHER: &str = "ALIYUN$other";

fn base() -> Tenant {
    let t = Tenant::new();
    t.project("prj1")
        .project("prj2")
        .project_owned_by("prj3", OTHER);
    t.role("prj1", "worker", 0)
        .role("prj1", "analyst", 0)
        .role("prj2", "reader", 0);
    t.user("prj1", ALICE, &[], 0)
        .user("prj1", BOB, &["worker"], 0)
        .user("prj1", DAVE, &["super_administrator", "worker"], 0)
        .user("prj1", ERIN, &["admin"], 0)
        .user("prj2", ALICE, &[], 0)
        .user("prj2", CAROL, &[], 0)
        .user("prj3", CAROL, &[], 0);
    t.table("prj1", "users", &["name", "phone:2"], OWNER)
        .table("prj1", "t1", &["a", "b"], OWNER)
        .table("prj1", "bobs", &["x"], BOB)
        .table("prj2", "t2", &["a"], OWNER);
    t.object("prj1", ObjectType::Function, "f1", OWNER)
        .object("prj1", ObjectType::Function, "f2", ALICE)
        .object("prj1", ObjectType::Instance, "20260601000000001", ALICE);
    t
}

fn select(user: &str, table: &str, columns: &[&str]) -> Request {
    Request {
        principal: user.into(),
        source_ip: "127.0.0.1".into(),
        current_project: Some("prj1".into()),
        action: mcsec::authz::Action::Select,
        resource: Resource::table_columns(
            "prj1",
            table,
            columns.iter().map(|c| c.to_string()).collect(),
        ),
        task_type: TaskType::Sql,
        outflow: None,
        now: NOW,
    }
}

fn on(user: &str, action: &str, resource: Resource) -> Request {
    Request {
        action: mcsec::authz::Action::from_name(action).expect("a known action"),
        resource,
        ..select(user, "users", &[])
    }
}

fn from(ip: &str, mut r: Request) -> Request {
    r.source_ip = ip.into();
    r
}

fn tunnel(mut r: Request) -> Request {
    r.task_type = TaskType::Tunnel;
    r.outflow = Some(Outflow::Client);
    r
}

fn flow_to(project: &str, mut r: Request) -> Request {
    r.outflow = Some(Outflow::Project(project.into()));
    r
}

fn in_project(project: &str, mut r: Request) -> Request {
    r.current_project = Some(project.into());
    r
}

fn policy(
    effect: &str,
    principal: Option<&str>,
    action: &str,
    resource: &str,
    condition: Option<&str>,
) -> String {
    let principal = principal
        .map(|p| format!(r#""Principal": "{p}","#))
        .unwrap_or_default();
    let condition = condition
        .map(|c| format!(r#","Condition": {c}"#))
        .unwrap_or_default();
    format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"{effect}",{principal}"Action":"{action}","Resource":"acs:odps:*:projects/{resource}"{condition}}}]}}"#
    )
}

fn user(u: &str) -> Grantee {
    Grantee::User(u.into())
}

fn role(r: &str) -> Grantee {
    Grantee::Role(r.into())
}

fn entry(action: &str, f: impl FnOnce(&mut AclEntry)) -> AclEntry {
    let mut e = acl_entry(action, None);
    f(&mut e);
    e
}

struct Case {
    name: &'static str,
    setup: Box<dyn Fn(&Tenant)>,
    request: Request,
    decision: Decision,
    code: &'static str,
    rules: &'static str,
    message: Option<&'static str>,
}

fn allow(
    name: &'static str,
    setup: impl Fn(&Tenant) + 'static,
    request: Request,
    rules: &'static str,
) -> Case {
    Case {
        name,
        setup: Box::new(setup),
        request,
        decision: Decision::Allow,
        code: "",
        rules,
        message: None,
    }
}

fn deny(
    name: &'static str,
    setup: impl Fn(&Tenant) + 'static,
    request: Request,
    code: &'static str,
    rules: &'static str,
) -> Case {
    Case {
        name,
        setup: Box::new(setup),
        request,
        decision: Decision::Deny,
        code,
        rules,
        message: None,
    }
}

fn with_message(mut c: Case, message: &'static str) -> Case {
    c.message = Some(message);
    c
}

const ALICE_SELECT: &str = "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users";
const OWNER_ALL: &str = "implicit project_owner/ALIYUN$owner: All on projects/prj1";

fn grant_alice(t: &Tenant) {
    t.grant("prj1", "users", ALICE, "Select");
}

fn whitelist(list: &'static str) -> impl Fn(&Tenant) {
    move |t: &Tenant| {
        grant_alice(t);
        t.property("prj1", "odps.security.ip.whitelist", list);
    }
}

fn labels_on(t: &Tenant) {
    t.setting("prj1", |s| s.label_security = true);
}

fn download_on(t: &Tenant) {
    t.property("prj1", "odps.security.enabledownloadprivilege", "true");
}

fn protect(t: &Tenant) {
    t.setting("prj1", |s| s.project_protection = true);
}

fn shared_t1(t: &Tenant) {
    t.package(
        "prj1",
        "pkg",
        &[
            (ObjectType::Table, "t1", &["Select"]),
            (ObjectType::Table, "users", &["Select"]),
        ],
        &[("prj2", 0), ("prj3", 0)],
    );
    t.install("prj2", "prj1", "pkg")
        .install("prj3", "prj1", "pkg");
}

fn carol_reads_package(t: &Tenant) {
    shared_t1(t);
    t.acl(
        "prj2",
        ObjectType::Package,
        "prj1.pkg",
        user(CAROL),
        acl_entry("Read", None),
    );
}

fn cases() -> Vec<Case> {
    let sel = |cols: &[&str]| select(ALICE, "users", cols);
    let name = || sel(&["name"]);
    let both = || sel(&["name", "phone"]);
    vec![
        // ---- network gate ----
        allow("whitelist single address", whitelist("10.0.0.5"), from("10.0.0.5", name()), ALICE_SELECT),
        with_message(
            deny("whitelist single address miss", whitelist("10.0.0.5"), from("10.0.0.6", name()), "whitelist", "ip white list of project prj1"),
            "ODPS-0420095: Access Denied - The request IP 10.0.0.6 is not in the ip white list of project prj1.",
        ),
        allow("whitelist range", whitelist("10.0.0.1-10.0.0.9"), from("10.0.0.9", name()), ALICE_SELECT),
        deny("whitelist range miss", whitelist("10.0.0.1-10.0.0.9"), from("10.0.0.10", name()), "whitelist", "ip white list of project prj1"),
        allow("whitelist cidr", whitelist("192.168.0.0/16"), from("192.168.44.1", name()), ALICE_SELECT),
        allow("whitelist ipv6 cidr", whitelist("2001:db8::/32"), from("2001:db8::7", name()), ALICE_SELECT),
        deny("whitelist ipv6 miss", whitelist("2001:db8::/32"), from("2001:db9::1", name()), "whitelist", "ip white list of project prj1"),
        allow("whitelist list of entries", whitelist("1.1.1.1, 10.0.0.0/8"), from("10.2.3.4", name()), ALICE_SELECT),
        allow("whitelist cleared with \\N", whitelist("\\N"), from("8.8.8.8", name()), ALICE_SELECT),
        deny("whitelist binds the owner", whitelist("10.0.0.0/8"), from("172.16.0.1", select(OWNER, "users", &["name"])), "whitelist", "ip white list of project prj1"),
        allow("owner from a whitelisted address", whitelist("10.0.0.0/8"), from("10.9.9.9", select(OWNER, "users", &["name"])), OWNER_ALL),
        deny(
            "vpc whitelist alone blocks classic access",
            |t: &Tenant| {
                grant_alice(t);
                t.property("prj1", "odps.security.vpc.whitelist", "cn-hangzhou_vpc-1[10.0.0.0/8]");
            },
            name(),
            "whitelist",
            "ip white list of project prj1",
        ),
        deny("unparsable source address", whitelist("10.0.0.0/8"), from("not-an-ip", name()), "whitelist", "ip white list of project prj1"),
        // ---- membership ----
        with_message(
            deny("non-member", |_: &Tenant| {}, select(CAROL, "users", &["name"]), "4002", "not a user of project prj1"),
            "ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj1.",
        ),
        deny(
            "grants of a removed user do not make it a member",
            |t: &Tenant| {
                t.grant("prj1", "users", CAROL, "Select");
            },
            select(CAROL, "users", &["name"]),
            "4002",
            "not a user of project prj1",
        ),
        // ---- owner and Super_Administrator ----
        allow("owner needs no grant", |_: &Tenant| {}, select(OWNER, "users", &["name", "phone"]), OWNER_ALL),
        allow(
            "owner is not bound by a project policy deny",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:*", "prj1/*", None));
            },
            select(OWNER, "users", &["name"]),
            OWNER_ALL,
        ),
        allow("super_administrator needs no grant", |_: &Tenant| {}, select(DAVE, "users", &["name"]), "implicit super_administrator/RAM$owner:dave: All on projects/prj1"),
        deny(
            "super_administrator is bound by a project policy deny naming it",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Deny", Some(DAVE), "odps:Select", "prj1/tables/users", None));
            },
            select(DAVE, "users", &["name"]),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users",
        ),
        allow(
            "super_administrator skips role policy denies",
            |t: &Tenant| {
                t.role_policy("prj1", "worker", &policy("Deny", None, "odps:Select", "prj1/tables/*", None));
            },
            select(DAVE, "users", &["name"]),
            "implicit super_administrator/RAM$owner:dave: All on projects/prj1",
        ),
        // ---- explicit policy deny ----
        with_message(
            deny(
                "project policy deny beats an ACL grant",
                |t: &Tenant| {
                    grant_alice(t);
                    t.project_policy("prj1", &policy("Deny", Some(ALICE), "odps:Select", "prj1/tables/users", None));
                },
                name(),
                "4011",
                "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users",
            ),
            "ODPS-0130013:Authorization exception - Authorization Failed [4011], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. Explicitly denied by policy.",
        ),
        deny(
            "role policy deny beats a role ACL grant",
            |t: &Tenant| {
                t.grant_role("prj1", "users", "worker", "Select");
                t.role_policy("prj1", "worker", &policy("Deny", None, "odps:Select", "prj1/tables/*", None));
            },
            select(BOB, "users", &["name"]),
            "4011",
            "policy role/worker statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/*",
        ),
        allow(
            "a deny naming someone else does not apply",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some(BOB), "odps:Select", "prj1/tables/users", None));
            },
            name(),
            ALICE_SELECT,
        ),
        allow(
            "a deny whose condition fails does not apply",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/users", Some(r#"{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)));
            },
            name(),
            ALICE_SELECT,
        ),
        deny(
            "a deny whose condition holds applies",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/users", Some(r#"{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}"#)));
            },
            from("10.1.1.1", name()),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users (with conditions)",
        ),
        deny(
            "deny with a resource wildcard",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("RAM$owner:*"), "odps:Select", "prj1/tables/us*", None));
            },
            name(),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/us*",
        ),
        allow(
            "a deny of another action does not apply",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Drop", "prj1/tables/*", None));
            },
            name(),
            ALICE_SELECT,
        ),
        allow(
            "CheckPermissionUsingPolicy=false ignores denies",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/*", None));
                t.setting("prj1", |s| s.check_permission_using_policy = false);
            },
            name(),
            ALICE_SELECT,
        ),
        deny(
            "the Admin role is bound by a deny",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Deny", Some(ERIN), "odps:Select", "prj1/tables/users", None));
            },
            select(ERIN, "users", &["name"]),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users",
        ),
        deny(
            "a column deny blocks a read of that column",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/users/phone", None));
            },
            both(),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users/phone",
        ),
        allow(
            "a column deny does not block other columns",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/users/phone", None));
            },
            name(),
            ALICE_SELECT,
        ),
        allow(
            "a DT-only deny does not block SQL",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/users", Some(r#"{"StringEquals":{"odps:TaskType":"DT"}}"#)));
            },
            name(),
            ALICE_SELECT,
        ),
        deny(
            "a DT-only deny blocks tunnel",
            |t: &Tenant| {
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some("*"), "odps:Select", "prj1/tables/users", Some(r#"{"StringEquals":{"odps:TaskType":"DT"}}"#)));
            },
            tunnel(name()),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users (with conditions)",
        ),
        // ---- allow sources ----
        with_message(
            deny("no grant at all", |_: &Tenant| {}, name(), "4019", "default deny: nothing grants Select on projects/prj1/tables/users"),
            "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. Deny as default for Resource.",
        ),
        allow("ACL grant to the user", grant_alice, name(), ALICE_SELECT),
        allow(
            "ACL grant to a role the user holds",
            |t: &Tenant| {
                t.grant_role("prj1", "users", "worker", "Select");
            },
            select(BOB, "users", &["name"]),
            "ACL role/worker: Select on projects/prj1/tables/users",
        ),
        deny(
            "ACL grant to a role the user does not hold",
            |t: &Tenant| {
                t.grant_role("prj1", "users", "analyst", "Select");
            },
            select(BOB, "users", &["name"]),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "ACL All covers Select",
            |t: &Tenant| {
                t.grant("prj1", "users", ALICE, "All");
            },
            name(),
            "ACL user/RAM$owner:alice: All on projects/prj1/tables/users",
        ),
        allow(
            "wildcard ACL grant to a role",
            |t: &Tenant| {
                t.grant_role("prj1", "us*", "worker", "Select");
            },
            select(BOB, "users", &["name"]),
            "ACL role/worker: Select on projects/prj1/tables/us*",
        ),
        allow(
            "ACL grant on table * to a role",
            |t: &Tenant| {
                t.grant_role("prj1", "*", "worker", "Select");
            },
            select(BOB, "users", &["name"]),
            "ACL role/worker: Select on projects/prj1/tables/*",
        ),
        deny(
            "wildcard that does not match",
            |t: &Tenant| {
                t.grant_role("prj1", "t*", "worker", "Select");
            },
            select(BOB, "users", &["name"]),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "download control: wildcard Download to a role",
            |t: &Tenant| {
                download_on(t);
                t.grant_role("prj1", "users", "worker", "Select");
                t.grant_role("prj1", "*", "worker", "Download");
            },
            tunnel(select(BOB, "users", &["name"])),
            "ACL role/worker: Select on projects/prj1/tables/users | ACL role/worker: Download on projects/prj1/tables/*",
        ),
        deny(
            "ACL of another action",
            |t: &Tenant| {
                t.grant("prj1", "users", ALICE, "Describe");
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        deny(
            "expired ACL grant",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), entry("Select", |e| e.expires = Some(NOW)));
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "unexpired ACL grant",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), entry("Select", |e| e.expires = Some(NOW + DAY)));
            },
            name(),
            ALICE_SELECT,
        ),
        allow(
            "ACL condition that holds",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), entry("Select", |e| e.conditions = Some("acs:SourceIp in ('127.0.0.0/8')".into())));
            },
            name(),
            ALICE_SELECT,
        ),
        deny(
            "ACL condition that fails",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), entry("Select", |e| e.conditions = Some("acs:SourceIp in ('10.0.0.0/8')".into())));
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        deny(
            "ACL condition on task type",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), entry("Select", |e| e.conditions = Some("odps:TaskType='DT'".into())));
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        deny(
            "CheckPermissionUsingACL=false ignores ACL",
            |t: &Tenant| {
                grant_alice(t);
                t.setting("prj1", |s| s.check_permission_using_acl = false);
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "CheckPermissionUsingACL=false still honours policy",
            |t: &Tenant| {
                grant_alice(t);
                t.setting("prj1", |s| s.check_permission_using_acl = false);
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", None));
            },
            name(),
            "policy project statement 1: Allow odps:Select on acs:odps:*:projects/prj1/tables/users",
        ),
        deny(
            "CheckPermissionUsingPolicy=false ignores allows",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", None));
                t.setting("prj1", |s| s.check_permission_using_policy = false);
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "column grant covering every requested column",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), acl_entry("Select", Some("name")));
            },
            name(),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users (name)",
        ),
        with_message(
            deny(
                "column grant missing a column",
                |t: &Tenant| {
                    t.acl("prj1", ObjectType::Table, "users", user(ALICE), acl_entry("Select", Some("name")));
                },
                both(),
                "4019",
                "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users (name) | default deny: nothing grants Select on projects/prj1/tables/users (phone)",
            ),
            "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. Deny as default for Resource. --->Tips: CurrentProject:prj1; Principal:RAM$owner:alice; ACL check failed. You have no permissions to access column: phone",
        ),
        allow(
            "column grants to user and role combine",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(BOB), acl_entry("Select", Some("name")));
                t.acl("prj1", ObjectType::Table, "users", role("worker"), acl_entry("Select", Some("phone")));
            },
            select(BOB, "users", &["name", "phone"]),
            "ACL user/RAM$owner:bob: Select on projects/prj1/tables/users (name) | ACL role/worker: Select on projects/prj1/tables/users (phone)",
        ),
        allow(
            "column ACL plus column policy combine",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Table, "users", user(ALICE), acl_entry("Select", Some("name")));
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users/phone", None));
            },
            both(),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users (name) | policy project statement 1: Allow odps:Select on acs:odps:*:projects/prj1/tables/users/phone",
        ),
        allow("table grant covers any columns", grant_alice, both(), ALICE_SELECT),
        allow(
            "role policy allow",
            |t: &Tenant| {
                t.role_policy("prj1", "worker", &policy("Allow", None, "odps:Select", "prj1/tables/*", None));
            },
            select(BOB, "users", &["name"]),
            "policy role/worker statement 1: Allow odps:Select on acs:odps:*:projects/prj1/tables/*",
        ),
        deny(
            "project policy allow naming someone else",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Allow", Some(BOB), "odps:Select", "prj1/tables/*", None));
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "policy allow inside its time window",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", Some(r#"{"DateLessThan":{"acs:CurrentTime":"2026-12-31T00:00:00Z"}}"#)));
            },
            name(),
            "policy project statement 1: Allow odps:Select on acs:odps:*:projects/prj1/tables/users (with conditions)",
        ),
        deny(
            "policy allow past its time window",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", Some(r#"{"DateLessThan":{"acs:CurrentTime":"2026-01-01T00:00:00Z"}}"#)));
            },
            name(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "policy allow of odps:*",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:*", "prj1/*", None));
            },
            name(),
            "policy project statement 1: Allow odps:* on acs:odps:*:projects/prj1/*",
        ),
        allow("Admin role holds every object privilege", |_: &Tenant| {}, select(ERIN, "users", &["name"]), "implicit admin/RAM$owner:erin: All on projects/prj1"),
        allow("object creator", |_: &Tenant| {}, select(BOB, "bobs", &["x"]), "implicit object_creator/RAM$owner:bob: All on projects/prj1/tables/bobs"),
        deny(
            "ObjectCreatorHasAccessPermission=false",
            |t: &Tenant| {
                t.setting("prj1", |s| s.object_creator_has_access_permission = false);
            },
            select(BOB, "bobs", &["x"]),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/bobs",
        ),
        allow(
            "creator of a function may execute it",
            |_: &Tenant| {},
            on(ALICE, "Execute", Resource::object("prj1", ObjectType::Function, "f2")),
            "implicit object_creator/RAM$owner:alice: All on projects/prj1/registration/functions/f2",
        ),
        with_message(
            deny("function of someone else", |_: &Tenant| {}, on(ALICE, "Execute", Resource::object("prj1", ObjectType::Function, "f1")), "4019", "default deny: nothing grants Execute on projects/prj1/registration/functions/f1"),
            "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:Execute' on {acs:odps:*:projects/prj1/registration/functions/f1}. Deny as default for Resource.",
        ),
        allow(
            "policy allow on a function path",
            |t: &Tenant| {
                t.project_policy("prj1", &policy("Allow", Some(ALICE), "odps:Execute", "prj1/registration/functions/f*", None));
            },
            on(ALICE, "Execute", Resource::object("prj1", ObjectType::Function, "f1")),
            "policy project statement 1: Allow odps:Execute on acs:odps:*:projects/prj1/registration/functions/f*",
        ),
        allow(
            "CreateTable granted on the project",
            |t: &Tenant| {
                t.grant_project("prj1", user(ALICE), "CreateTable");
            },
            on(ALICE, "CreateTable", Resource::project("prj1")),
            "ACL user/RAM$owner:alice: CreateTable on projects/prj1",
        ),
        allow(
            "CreateInstance granted to a role",
            |t: &Tenant| {
                t.grant_project("prj1", role("worker"), "CreateInstance");
            },
            on(BOB, "CreateInstance", Resource::project("prj1")),
            "ACL role/worker: CreateInstance on projects/prj1",
        ),
        with_message(
            deny("CreateInstance missing", |_: &Tenant| {}, on(ALICE, "CreateInstance", Resource::project("prj1")), "4019", "default deny: nothing grants CreateInstance on projects/prj1"),
            "ODPS-0130013:Authorization exception - Authorization Failed [4019], You have NO privilege 'odps:CreateInstance' on {acs:odps:*:projects/prj1}. Deny as default for Resource.",
        ),
        allow(
            "Read on an instance",
            |t: &Tenant| {
                t.acl("prj1", ObjectType::Instance, "20260601000000001", user(BOB), acl_entry("Read", None));
            },
            on(BOB, "Read", Resource::object("prj1", ObjectType::Instance, "20260601000000001")),
            "ACL user/RAM$owner:bob: Read on projects/prj1/instances/20260601000000001",
        ),
        allow(
            "tenant role added to the project with a table grant",
            |t: &Tenant| {
                t.tenant_role("analysts", &[CAROL], &["prj1"], &[("prj1", "users", "Select")]);
            },
            select(CAROL, "users", &["name"]),
            "tenant role analysts: Select on projects/prj1/tables/users",
        ),
        deny(
            "tenant role not added to the project",
            |t: &Tenant| {
                t.tenant_role("analysts", &[CAROL], &["prj2"], &[("prj1", "users", "Select")]);
            },
            select(CAROL, "users", &["name"]),
            "4002",
            "not a user of project prj1",
        ),
        deny(
            "tenant role without a grant on the table",
            |t: &Tenant| {
                t.tenant_role("analysts", &[CAROL], &["prj1"], &[("prj1", "t1", "Select")]);
            },
            select(CAROL, "users", &["name"]),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        // ---- installed packages ----
        allow(
            "package: Read on the package and the object's privilege",
            carol_reads_package,
            in_project("prj2", select(CAROL, "t1", &["a"])),
            "ACL user/RAM$owner:carol: Read on projects/prj2/packages/prj1.pkg | package prj1.pkg installed in prj2: Select on projects/prj1/tables/t1 (Select)",
        ),
        deny("package without Read on it", shared_t1, in_project("prj2", select(CAROL, "t1", &["a"])), "4002", "not a user of project prj1"),
        deny(
            "package not installed in the current project",
            |t: &Tenant| {
                t.package("prj1", "pkg", &[(ObjectType::Table, "t1", &["Select"])], &[("prj2", 0)]);
                t.acl("prj2", ObjectType::Package, "prj1.pkg", user(CAROL), acl_entry("Read", None));
            },
            in_project("prj2", select(CAROL, "t1", &["a"])),
            "4002",
            "not a user of project prj1",
        ),
        deny(
            "package no longer allowed for the project",
            |t: &Tenant| {
                t.package("prj1", "pkg", &[(ObjectType::Table, "t1", &["Select"])], &[("prj9", 0)]);
                t.install("prj2", "prj1", "pkg");
                t.acl("prj2", ObjectType::Package, "prj1.pkg", user(CAROL), acl_entry("Read", None));
            },
            in_project("prj2", select(CAROL, "t1", &["a"])),
            "4002",
            "not a user of project prj1",
        ),
        deny("object not in the package", carol_reads_package, in_project("prj2", select(CAROL, "bobs", &["x"])), "4002", "not a user of project prj1"),
        deny(
            "privilege not in the package",
            carol_reads_package,
            in_project("prj2", on(CAROL, "Update", Resource::object("prj1", ObjectType::Table, "t1"))),
            "4002",
            "not a user of project prj1",
        ),
        allow(
            "package Read through a role",
            |t: &Tenant| {
                shared_t1(t);
                t.user("prj2", CAROL, &["reader"], 0);
                t.acl("prj2", ObjectType::Package, "prj1.pkg", role("reader"), acl_entry("Read", None));
            },
            in_project("prj2", select(CAROL, "t1", &["a"])),
            "ACL role/reader: Read on projects/prj2/packages/prj1.pkg | package prj1.pkg installed in prj2: Select on projects/prj1/tables/t1 (Select)",
        ),
        allow(
            "package: an object-level grant inside the package (refobject)",
            |t: &Tenant| {
                shared_t1(t);
                t.acl("prj2", ObjectType::Table, "prj1.pkg/t1", user(CAROL), acl_entry("Select", None));
            },
            in_project("prj2", select(CAROL, "t1", &["a"])),
            "ACL user/RAM$owner:carol: Select on projects/prj2/tables/prj1.pkg/t1 | package prj1.pkg installed in prj2: Select on projects/prj1/tables/t1 (Select)",
        ),
        allow(
            "labels: the highest of several grants of one scope",
            |t: &Tenant| {
                labels_on(t);
                grant_alice(t);
                t.label_grant("prj1", "users", user(ALICE), None, 1, NOW + DAY);
                t.label_grant("prj1", "users", user(ALICE), None, 2, NOW + DAY);
            },
            both(),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | column phone: sensitivity 2 <= effective label 2 (label grant 2 to user/RAM$owner:alice)",
        ),
        allow(
            "owner of the installing project reads the package",
            shared_t1,
            in_project("prj3", select(OTHER, "t1", &["a"])),
            "implicit project_owner/ALIYUN$other: All on projects/prj3 | package prj1.pkg installed in prj3: Select on projects/prj1/tables/t1 (Select)",
        ),
        allow(
            "packages are not blocked by protection",
            |t: &Tenant| {
                carol_reads_package(t);
                protect(t);
            },
            flow_to("prj2", in_project("prj2", select(CAROL, "t1", &["a"]))),
            "ACL user/RAM$owner:carol: Read on projects/prj2/packages/prj1.pkg | package prj1.pkg installed in prj2: Select on projects/prj1/tables/t1 (Select) | package prj1.pkg shares the object",
        ),
        deny(
            "a policy deny in the source project still binds package users",
            |t: &Tenant| {
                carol_reads_package(t);
                t.project_policy("prj1", &policy("Deny", Some(CAROL), "odps:Select", "prj1/tables/*", None));
            },
            in_project("prj2", select(CAROL, "t1", &["a"])),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/*",
        ),
        // ---- label security ----
        allow(
            "labels: unlabelled column",
            |t: &Tenant| {
                labels_on(t);
                grant_alice(t);
            },
            name(),
            ALICE_SELECT,
        ),
        with_message(
            deny(
                "labels: sensitive column above the user's level",
                |t: &Tenant| {
                    labels_on(t);
                    grant_alice(t);
                },
                both(),
                "4031",
                "column phone: sensitivity 2 > effective label 0 (user label 0)",
            ),
            "ODPS-0130013:Authorization exception - Authorization Failed [4031], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. CheckLabelSecurity failed. The sensitive label of column 'phone' is 2, but your effective label is 0.",
        ),
        allow(
            "labels: user level high enough",
            |t: &Tenant| {
                labels_on(t);
                grant_alice(t);
                t.user("prj1", ALICE, &[], 2);
            },
            both(),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | column phone: sensitivity 2 <= effective label 2 (user label 2)",
        ),
        allow(
            "labels: role level counts",
            |t: &Tenant| {
                labels_on(t);
                t.grant_role("prj1", "users", "worker", "Select");
                t.role("prj1", "worker", 3);
            },
            select(BOB, "users", &["phone"]),
            "ACL role/worker: Select on projects/prj1/tables/users | column phone: sensitivity 2 <= effective label 3 (role/worker label 3)",
        ),
        allow(
            "labels: table label grant",
            |t: &Tenant| {
                labels_on(t);
                grant_alice(t);
                t.label_grant("prj1", "users", user(ALICE), None, 2, NOW + DAY);
            },
            both(),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | column phone: sensitivity 2 <= effective label 2 (label grant 2 to user/RAM$owner:alice)",
        ),
        deny(
            "labels: column grant overrides a higher table grant",
            |t: &Tenant| {
                labels_on(t);
                grant_alice(t);
                t.label_grant("prj1", "users", user(ALICE), None, 5, NOW + DAY);
                t.label_grant("prj1", "users", user(ALICE), Some("phone"), 1, NOW + DAY);
            },
            both(),
            "4031",
            "column phone: sensitivity 2 > effective label 1 (label grant 1 to user/RAM$owner:alice)",
        ),
        deny(
            "labels: expired label grant",
            |t: &Tenant| {
                labels_on(t);
                grant_alice(t);
                t.label_grant("prj1", "users", user(ALICE), Some("phone"), 2, NOW - 1);
            },
            both(),
            "4031",
            "column phone: sensitivity 2 > effective label 0 (user label 0)",
        ),
        deny(
            "labels: a label grant does not replace Select",
            |t: &Tenant| {
                labels_on(t);
                t.user("prj1", ALICE, &[], 9);
            },
            both(),
            "4019",
            "default deny: nothing grants Select on projects/prj1/tables/users",
        ),
        allow(
            "labels: the owner is not checked",
            labels_on,
            select(OWNER, "users", &["phone"]),
            OWNER_ALL,
        ),
        deny("labels: the Admin role is checked", labels_on, select(ERIN, "users", &["phone"]), "4031", "column phone: sensitivity 2 > effective label 0 (user label 0)"),
        with_message(
            deny(
                "labels: table label applies to unlabelled columns, first column in select order",
                |t: &Tenant| {
                    labels_on(t);
                    grant_alice(t);
                    t.table_label("prj1", "users", 3);
                },
                sel(&["name", "phone"]),
                "4031",
                "column name: sensitivity 3 > effective label 0 (user label 0) | column phone: sensitivity 2 > effective label 0 (user label 0)",
            ),
            "ODPS-0130013:Authorization exception - Authorization Failed [4031], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. CheckLabelSecurity failed. The sensitive label of column 'name' is 3, but your effective label is 0.",
        ),
        allow(
            "labels: package using label",
            |t: &Tenant| {
                labels_on(t);
                t.package("prj1", "pkg", &[(ObjectType::Table, "users", &["Select"])], &[("prj2", 2)]);
                t.install("prj2", "prj1", "pkg");
                t.acl("prj2", ObjectType::Package, "prj1.pkg", user(CAROL), acl_entry("Read", None));
            },
            in_project("prj2", select(CAROL, "users", &["phone"])),
            "ACL user/RAM$owner:carol: Read on projects/prj2/packages/prj1.pkg | package prj1.pkg installed in prj2: Select on projects/prj1/tables/users (Select) | column phone: sensitivity 2 <= effective label 2 (package prj1.pkg using label 2)",
        ),
        allow("labels: LabelSecurity off", grant_alice, both(), ALICE_SELECT),
        // ---- download control ----
        allow("download control off", grant_alice, tunnel(name()), ALICE_SELECT),
        with_message(
            deny(
                "download control on without Download",
                |t: &Tenant| {
                    download_on(t);
                    grant_alice(t);
                },
                tunnel(name()),
                "4019",
                "download control of prj1: nothing grants Download on projects/prj1/tables/users",
            ),
            "ErrorCode=NoPermission, ErrorMessage=Authorization Failed [4019], You have NO privilege 'odps:Download' on {acs:odps:*:projects/prj1/tables/users}. Deny as default for Resource.",
        ),
        allow(
            "download control on with Download",
            |t: &Tenant| {
                download_on(t);
                grant_alice(t);
                t.grant("prj1", "users", ALICE, "Download");
            },
            tunnel(name()),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | ACL user/RAM$owner:alice: Download on projects/prj1/tables/users",
        ),
        allow(
            "download control: Download through a role",
            |t: &Tenant| {
                download_on(t);
                t.grant_role("prj1", "users", "worker", "Select");
                t.grant_role("prj1", "users", "worker", "Download");
            },
            tunnel(select(BOB, "users", &["name"])),
            "ACL role/worker: Select on projects/prj1/tables/users | ACL role/worker: Download on projects/prj1/tables/users",
        ),
        deny(
            "download control: ACL All is not Download",
            |t: &Tenant| {
                download_on(t);
                t.grant("prj1", "users", ALICE, "All");
            },
            tunnel(name()),
            "4019",
            "download control of prj1: nothing grants Download on projects/prj1/tables/users",
        ),
        allow("download control: the owner may download", download_on, tunnel(select(OWNER, "users", &["name"])), OWNER_ALL),
        deny(
            "download control: policy deny of Download",
            |t: &Tenant| {
                download_on(t);
                grant_alice(t);
                t.grant("prj1", "users", ALICE, "Download");
                t.project_policy("prj1", &policy("Deny", Some(ALICE), "odps:Download", "prj1/tables/users", None));
            },
            tunnel(name()),
            "4011",
            "policy project statement 1: Deny odps:Download on acs:odps:*:projects/prj1/tables/users",
        ),
        allow(
            "download control does not apply to SQL",
            |t: &Tenant| {
                download_on(t);
                grant_alice(t);
            },
            name(),
            ALICE_SELECT,
        ),
        // ---- project protection ----
        with_message(
            deny(
                "protection blocks CTAS into another project",
                |t: &Tenant| {
                    protect(t);
                    grant_alice(t);
                },
                flow_to("prj2", name()),
                "4021",
                "ProjectProtection of prj1",
            ),
            "ODPS-0130013:Authorization exception - Authorization Failed [4021], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. project 'prj1' is protected.",
        ),
        allow(
            "protection lifted by a trusted project",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
                t.edit_project("prj1", |p| p.trusted_projects.push("prj2".into()));
            },
            flow_to("prj2", name()),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | trusted project prj2 of prj1",
        ),
        allow(
            "protection lifted by a matching exception policy",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
                t.setting("prj1", |s| s.protection_exception = Some(policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", None)));
            },
            flow_to("prj2", name()),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | exception policy statement 1: Allow odps:Select on acs:odps:*:projects/prj1/tables/users",
        ),
        deny(
            "exception policy for another principal",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
                t.setting("prj1", |s| s.protection_exception = Some(policy("Allow", Some(BOB), "odps:Select", "prj1/tables/users", None)));
            },
            flow_to("prj2", name()),
            "4021",
            "ProjectProtection of prj1",
        ),
        deny(
            "exception policy limited to DT does not lift SQL",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
                t.setting("prj1", |s| {
                    s.protection_exception =
                        Some(policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", Some(r#"{"StringEquals":{"odps:TaskType":["DT"]}}"#)))
                });
            },
            flow_to("prj2", name()),
            "4021",
            "ProjectProtection of prj1",
        ),
        allow(
            "exception policy limited to DT lifts tunnel",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
                t.setting("prj1", |s| {
                    s.protection_exception =
                        Some(policy("Allow", Some(ALICE), "odps:Select", "prj1/tables/users", Some(r#"{"StringEquals":{"odps:TaskType":["DT"]}}"#)))
                });
            },
            tunnel(name()),
            "ACL user/RAM$owner:alice: Select on projects/prj1/tables/users | exception policy statement 1: Allow odps:Select on acs:odps:*:projects/prj1/tables/users (with conditions)",
        ),
        deny("protection binds the owner", protect, flow_to("prj2", select(OWNER, "users", &["name"])), "4021", "ProjectProtection of prj1"),
        allow(
            "a select inside the protected project is not an outflow",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
            },
            name(),
            ALICE_SELECT,
        ),
        with_message(
            deny(
                "tunnel download to the client, trust does not help",
                |t: &Tenant| {
                    protect(t);
                    grant_alice(t);
                    t.edit_project("prj1", |p| p.trusted_projects.push("prj2".into()));
                },
                tunnel(name()),
                "4021",
                "ProjectProtection of prj1",
            ),
            "ErrorCode=NoPermission, ErrorMessage=Authorization Failed [4021], You have NO privilege 'odps:Select' on {acs:odps:*:projects/prj1/tables/users}. project 'prj1' is protected.",
        ),
        deny(
            "cross-project select from another current project",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
            },
            flow_to("prj2", in_project("prj2", name())),
            "4021",
            "ProjectProtection of prj1",
        ),
        allow("no protection, outflow allowed", grant_alice, flow_to("prj2", name()), ALICE_SELECT),
        deny(
            "policy deny is reported before protection",
            |t: &Tenant| {
                protect(t);
                grant_alice(t);
                t.project_policy("prj1", &policy("Deny", Some(ALICE), "odps:Select", "prj1/tables/users", None));
            },
            flow_to("prj2", name()),
            "4011",
            "policy project statement 1: Deny odps:Select on acs:odps:*:projects/prj1/tables/users",
        ),
        deny("missing Select is reported before protection", protect, flow_to("prj2", name()), "4019", "default deny: nothing grants Select on projects/prj1/tables/users"),
        deny(
            "whitelist is reported before everything",
            |t: &Tenant| {
                protect(t);
                t.property("prj1", "odps.security.ip.whitelist", "10.0.0.1");
            },
            flow_to("prj2", select(CAROL, "users", &["name"])),
            "whitelist",
            "ip white list of project prj1",
        ),
    ]
}

#[test]
fn authorizer_table() {
    let cases = cases();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let tenant = base();
        (case.setup)(&tenant);
        let txn = tenant.catalog.begin();
        let response = authorize(&case.request, &txn);
        let code = response.code.map(|c| c.number()).unwrap_or("");
        let rules = response.rules().iter().map(ToString::to_string).collect::<Vec<_>>().join(" | ");
        let mut problems = Vec::new();
        if response.decision != case.decision {
            problems.push(format!(
                "decision {:?}, expected {:?}",
                response.decision, case.decision
            ));
        }
        if code != case.code {
            problems.push(format!("code {code:?}, expected {:?}", case.code));
        }
        if rules != case.rules {
            problems.push(format!("rules {rules:?}, expected {:?}", case.rules));
        }
        if let Some(expected) = case.message {
            if response.message.as_deref() != Some(expected) {
                problems.push(format!(
                    "message {:?}, expected {expected:?}",
                    response.message
                ));
            }
        }
        if response.layers.len() != 8 {
            problems.push(format!(
                "{} layer reports, expected 8",
                response.layers.len()
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}", case.name, problems.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn project_access_gate_is_whitelist_then_membership() {
    let t = base();
    t.property("prj1", "odps.security.ip.whitelist", "10.0.0.0/8");
    t.tenant_role("analysts", &[CAROL], &["prj2"], &[]);
    let txn = t.catalog.begin();
    let access = |user: &str, ip: &str, project: &str| {
        mcsec::authz::check_project_access(&txn, project, user, ip).map_err(|e| e.to_string())
    };
    assert_eq!(access(ALICE, "10.1.1.1", "prj1"), Ok(()));
    assert_eq!(
        access(OWNER, "127.0.0.1", "prj1"),
        Err("ODPS-0420095: Access Denied - The request IP 127.0.0.1 is not in the ip white list of project prj1.".into())
    );
    assert_eq!(
        access(CAROL, "10.1.1.1", "prj1"),
        Err("ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj1.".into())
    );
    assert_eq!(access("RAM$owner:zed", "127.0.0.1", "prj3"), Err("ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prj3.".into()));
    assert_eq!(access(OTHER, "127.0.0.1", "prj3"), Ok(()));
    assert_eq!(
        access(OWNER, "127.0.0.1", "nope"),
        Err("ODPS-0420111: Project not found - 'nope'.".into())
    );
    drop(txn);
    t.tenant_role("analysts", &["RAM$owner:zed"], &["prj3"], &[]);
    let txn = t.catalog.begin();
    assert_eq!(
        mcsec::authz::check_project_access(&txn, "prj3", "RAM$owner:zed", "127.0.0.1")
            .map_err(|e| e.to_string()),
        Ok(())
    );
}
