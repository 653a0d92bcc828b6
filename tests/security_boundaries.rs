//! Security boundaries between projects, accounts and principals, driven through the real
//! binary on one on-disk catalog per test (so that a statement run from one address, as one
//! principal, in one project can be checked from another):
//!
//! - a management statement acting on another project passes that project's gates (IP
//!   whitelist, then membership) with the texts `use <p>` gives;
//! - tenant statements cannot reach a project of another account the tenant account has no
//!   standing in, and `add tenant user` refuses another account's RAM user;
//! - `explain for <other>` needs what `show grants for <other>` needs, and bare `setproject`
//!   what `show SecurityConfiguration` needs;
//! - a project-policy Deny naming a Super_Administrator binds its management statements.
//!
//! Every refusal is checked for its exact text, the exit code, and that the catalog is as
//! before (listings run afterwards as the owner, from an admitted address, are unchanged).

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The `FAILED:` line, without the `in statement` locator.
    fn failure(&self) -> &str {
        self.stderr.lines().next().unwrap_or("")
    }
}

/// Who runs a script, where from, in which project.
#[derive(Clone, Copy)]
struct As<'a> {
    user: &'a str,
    project: Option<&'a str>,
    ip: &'a str,
}

const OWNER: As<'static> = As {
    user: "ALIYUN$owner",
    project: None,
    ip: "127.0.0.1",
};

impl<'a> As<'a> {
    fn user(user: &'a str) -> Self {
        As { user, ..OWNER }
    }
    fn project(self, project: &'a str) -> Self {
        As {
            project: Some(project),
            ..self
        }
    }
    fn ip(self, ip: &'a str) -> Self {
        As { ip, ..self }
    }
}

/// A catalog directory kept for the test, and the working directory the scripts run in.
struct Tenant {
    dir: tempfile::TempDir,
}

impl Tenant {
    fn new() -> Self {
        Tenant {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path().join(name), text).expect("write file");
    }

    /// Runs `script` as a `-f` file.
    fn run(&self, who: As<'_>, script: &str) -> Run {
        self.write("case.sql", script);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mcsec"));
        cmd.current_dir(self.path())
            .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
            .env_remove("MCSEC_USER")
            .env_remove("MCSEC_CATALOG")
            .args([
                "--catalog",
                "catalog",
                "--user",
                who.user,
                "--source-ip",
                who.ip,
            ]);
        if let Some(p) = who.project {
            cmd.args(["--project", p]);
        }
        let out = cmd.args(["-f", "case.sql"]).output().expect("run mcsec");
        Run {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
        }
    }

    /// Runs `script`, which must succeed, and returns what it printed.
    fn ok(&self, who: As<'_>, script: &str) -> String {
        let r = self.run(who, script);
        assert_eq!(r.code, 0, "{script}\nstderr: {}", r.stderr);
        r.stdout
    }

    /// Runs one statement that must be refused with `want`, printing nothing on stdout.
    fn refused(&self, who: As<'_>, statement: &str, want: &str) {
        let r = self.run(who, statement);
        assert_eq!(r.code, 1, "{statement} should fail\nstdout: {}", r.stdout);
        assert_eq!(r.failure(), want, "{statement}");
        assert_eq!(r.stdout, "", "{statement}");
    }
}

fn whitelist_text(ip: &str, project: &str) -> String {
    format!(
        "FAILED: ODPS-0420095: Access Denied - The request IP {ip} is not in the ip white list of project {project}."
    )
}

fn not_member_text(project: &str) -> String {
    format!(
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project {project}."
    )
}

// ---------------------------------------------------------------------------------------------
// Cross-project management statements pass the target project's gates.

/// prj1 (whitelist 10.0.0.1 once set up) with tables t1, t2 and a package, prj2 installing it;
/// bob is Admin of both, carol Admin of prj2 only, alice a member of prj1 holding Select on t1.
fn whitelisted_prj1() -> Tenant {
    let t = Tenant::new();
    t.ok(
        OWNER,
        "create project prj1; create project prj2;
         use prj1;
         create table t1 (id bigint); create table t2 (id bigint);
         add user RAM$alice; add user RAM$bob; grant admin to RAM$bob;
         grant Select on table t1 to user RAM$alice;
         create package pk; add table t1 to package pk;
         allow project prj2 to install package pk;
         create package pk2; add table t2 to package pk2;
         allow project prj2 to install package pk2;
         use prj2;
         add user RAM$bob; grant admin to RAM$bob;
         add user RAM$carol; grant admin to RAM$carol;
         install package prj1.pk;
         use prj1;
         setproject odps.security.ip.whitelist=10.0.0.1;",
    );
    t
}

/// prj1's authorization state, read by its owner from the admitted address.
fn prj1_state(t: &Tenant) -> String {
    t.ok(
        OWNER.project("prj1").ip("10.0.0.1"),
        "show acl for t1; show acl for t2; show acl for prj1 on type project;
         show grants for RAM$alice; list users; list projects;",
    )
}

fn prj2_state(t: &Tenant) -> String {
    t.ok(OWNER.project("prj2"), "show packages;")
}

#[test]
fn cross_project_grants_revokes_and_listings_pass_the_target_whitelist() {
    let t = whitelisted_prj1();
    let before = prj1_state(&t);
    let want = whitelist_text("127.0.0.1", "prj1");
    // The same text `use prj1` gives from this address.
    assert_eq!(t.run(OWNER.project("prj2"), "use prj1;").failure(), want);
    for who in [OWNER, As::user("RAM$owner:bob")] {
        for statement in [
            "grant Select on table prj1.t2 to user RAM$alice;",
            "revoke Select on table prj1.t1 from user RAM$alice;",
            "grant CreateTable on project prj1 to user RAM$alice;",
            "revoke CreateTable on project prj1 from user RAM$alice;",
            "show acl for prj1.t1;",
            "show acl for prj1 on type project;",
            "show grants on table prj1.t1;",
            // An object that does not exist is not disclosed either.
            "grant Select on table prj1.nothing to user RAM$alice;",
        ] {
            t.refused(who.project("prj2"), statement, &want);
        }
    }
    assert_eq!(prj1_state(&t), before);
}

#[test]
fn cross_project_grants_need_membership_of_the_target_project() {
    let t = whitelisted_prj1();
    let before = prj1_state(&t);
    // carol is Admin of prj2 but not a member of prj1: from an admitted address the second
    // gate refuses, with the text `use prj1` gives her.
    let carol = As::user("RAM$owner:carol").project("prj2").ip("10.0.0.1");
    let want = not_member_text("prj1");
    assert_eq!(t.run(carol, "use prj1;").failure(), want);
    for statement in [
        "grant Select on table prj1.t2 to user RAM$alice;",
        "revoke Select on table prj1.t1 from user RAM$alice;",
        "show acl for prj1.t1;",
    ] {
        t.refused(carol, statement, &want);
    }
    assert_eq!(prj1_state(&t), before);
    // The same statements from the admitted address by prj1's Admin do run.
    let bob = As::user("RAM$owner:bob").project("prj2").ip("10.0.0.1");
    t.ok(bob, "grant Select on table prj1.t2 to user RAM$alice;");
    assert!(
        prj1_state(&t).contains("user/RAM$owner:alice(acs:odps:*:projects/prj1/tables/t2): Select")
    );
}

#[test]
fn package_statements_reading_the_provider_pass_its_whitelist() {
    let t = whitelisted_prj1();
    let before = (prj1_state(&t), prj2_state(&t));
    let want = whitelist_text("127.0.0.1", "prj1");
    for who in [OWNER, As::user("RAM$owner:bob")] {
        for statement in [
            "install package prj1.pk2;",
            "describe package prj1.pk;",
            "show package items;",
            "show package items from prj1;",
        ] {
            t.refused(who.project("prj2"), statement, &want);
        }
    }
    assert_eq!((prj1_state(&t), prj2_state(&t)), before);
    // The provider's membership is not required: carol (Admin of prj2 only) installs from an
    // address prj1 admits, the package's allow list standing in for membership.
    let carol = As::user("RAM$owner:carol").project("prj2").ip("10.0.0.1");
    t.ok(
        carol,
        "install package prj1.pk2; describe package prj1.pk2;",
    );
}

#[test]
fn dropping_a_project_passes_its_whitelist() {
    let t = whitelisted_prj1();
    let before = prj1_state(&t);
    t.refused(
        OWNER.project("prj2"),
        "drop project prj1;",
        &whitelist_text("127.0.0.1", "prj1"),
    );
    t.refused(
        OWNER,
        "drop project prj1;",
        &whitelist_text("127.0.0.1", "prj1"),
    );
    assert_eq!(prj1_state(&t), before);
}

// ---------------------------------------------------------------------------------------------
// Tenant statements and another account's project.

/// prjm belongs to ALIYUN$mallory, who holds a row in prjm.tm; the tenant account is not a
/// member of prjm. prj1 is the tenant account's own project.
fn mallory_tenant() -> Tenant {
    let t = Tenant::new();
    t.ok(
        OWNER,
        "create project prjm owner ALIYUN$mallory; create project prj1; create tenant role trx;",
    );
    t.ok(
        As::user("ALIYUN$mallory"),
        "use prjm; create table tm (secret string); insert into tm values ('m1');",
    );
    t
}

/// What the tenant and prjm look like, read by each one's administrator.
fn tenant_state(t: &Tenant) -> (String, String) {
    (
        t.ok(
            OWNER,
            "show grants for tenant role trx; describe tenant role trx; list tenant users;",
        ),
        t.ok(
            As::user("ALIYUN$mallory").project("prjm"),
            "list users; show acl for tm;",
        ),
    )
}

#[test]
fn tenant_grants_and_tenant_roles_need_standing_in_the_target_project() {
    let t = mallory_tenant();
    let before = tenant_state(&t);
    let want = not_member_text("prjm");
    assert_eq!(t.run(OWNER, "use prjm;").failure(), want);
    for statement in [
        "grant select on table prjm.tm to tenant role trx;",
        "revoke select on table prjm.tm from tenant role trx;",
        "add tenant role trx to project prjm;",
        "remove tenant role trx from project prjm;",
    ] {
        t.refused(OWNER, statement, &want);
        t.refused(OWNER.project("prj1"), statement, &want);
    }
    assert_eq!(tenant_state(&t), before);

    // The rest of the chain then gives eve nothing in prjm.
    t.ok(
        OWNER,
        "add tenant user RAM$owner:eve; grant tenant role trx to user RAM$owner:eve;",
    );
    let eve = As::user("RAM$owner:eve");
    t.refused(eve, "use prjm;", &want);
    let r = t.run(eve.project("prjm"), "tunnel download tm out.csv;");
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.lines().next().unwrap_or(""),
        "FAILED: Accessing project 'prjm' failed: ODPS-0420095: Access Denied - Authorization Failed [4002], You don't exist in project prjm."
    );
    assert!(!t.path().join("out.csv").exists());
}

#[test]
fn tenant_statements_run_with_standing_in_the_target_project() {
    let t = mallory_tenant();
    // Its owner may add the tenant's role to prjm; once mallory makes the tenant account an
    // Admin of prjm, it may grant on prjm's tables to a tenant role.
    t.ok(
        As::user("ALIYUN$mallory"),
        "add tenant role trx to project prjm;",
    );
    t.ok(
        As::user("ALIYUN$mallory").project("prjm"),
        "add user ALIYUN$owner; grant admin to ALIYUN$owner;",
    );
    t.ok(OWNER, "grant select on table prjm.tm to tenant role trx;");
    let grants = t.ok(OWNER, "show grants for tenant role trx;");
    assert!(
        grants.contains("projects/prjm/tables/tm: Select"),
        "{grants}"
    );
}

#[test]
fn add_tenant_user_refuses_another_accounts_ram_user_like_add_user() {
    let t = mallory_tenant();
    let before = tenant_state(&t);
    let want = "FAILED: ODPS-0420095: Access Denied - Invalid account Name RAM$mallory:x";
    // The text `add user` gives for the same principal in the tenant's own project.
    let add_user = t.run(OWNER.project("prj1"), "add user RAM$mallory:x;");
    assert_eq!(add_user.failure(), want);
    t.refused(OWNER, "add tenant user RAM$mallory:x;", want);
    assert_eq!(tenant_state(&t), before);
    t.ok(OWNER, "add tenant user RAM$owner:x;");
}

// ---------------------------------------------------------------------------------------------
// explain for another principal, and bare setproject.

/// prj1 with alice (Select on t1), mem (plain member), adm (Admin); prj2 where mem2 is a plain
/// member and adm2 an Admin, neither of them members of prj1. prj1 has a project policy and
/// protection, prj2 a whitelist that admits 127.0.0.1.
fn explain_tenant() -> Tenant {
    let t = Tenant::new();
    t.write(
        "deny.json",
        r#"{"Version":"1","Statement":[{"Effect":"Deny","Principal":"RAM$owner:alice","Action":"odps:Drop","Resource":"acs:odps:*:projects/prj1/tables/*"}]}"#,
    );
    t.ok(
        OWNER,
        "create project prj1; create project prj2;
         use prj1;
         create table t1 (id bigint);
         add user RAM$alice; add user RAM$mem; add user RAM$adm; grant admin to RAM$adm;
         grant Select on table t1 to user RAM$alice;
         put policy deny.json;
         set ProjectProtection=true;
         use prj2;
         add user RAM$mem2; add user RAM$adm2; grant admin to RAM$adm2;
         setproject odps.security.ip.whitelist=127.0.0.1,10.0.0.1;",
    );
    t
}

#[test]
fn explain_for_another_principal_needs_what_show_grants_for_it_needs() {
    let t = explain_tenant();
    let grants_before = t.ok(
        OWNER.project("prj1"),
        "show grants for RAM$alice; get policy;",
    );
    // A plain member of the project read, and a plain member of another project only.
    let cases = [("RAM$owner:mem", "prj1"), ("RAM$owner:mem2", "prj2")];
    for (user, project) in cases {
        let who = As::user(user).project(project);
        let show = t.run(who, "show grants for RAM$alice;");
        assert_eq!(show.code, 1);
        for statement in [
            "explain for RAM$alice select * from prj1.t1;",
            "explain for RAM$owner:alice from 10.0.0.1 select * from prj1.t1;",
            "explain for ALIYUN$owner select * from prj1.t1;",
        ] {
            t.refused(who, statement, show.failure());
        }
    }
    assert_eq!(
        t.run(As::user("RAM$owner:mem").project("prj1"), "show grants for RAM$alice;").failure(),
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:ShowGrants' on {acs:odps:*:projects/prj1/authorization/users}."
    );
    // An Admin of the current project who is no member of the project the check reads is
    // refused by that project's gate.
    t.refused(
        As::user("RAM$owner:adm2").project("prj2"),
        "explain for RAM$alice select * from prj1.t1;",
        &not_member_text("prj1"),
    );
    // Admin of every project involved may explain for others; anyone may explain for itself.
    let adm = t.ok(
        As::user("RAM$owner:adm").project("prj1"),
        "explain for RAM$alice select * from t1;",
    );
    assert!(adm.contains("Principal: RAM$owner:alice"), "{adm}");
    for (user, project) in cases {
        let own = t.ok(
            As::user(user).project(project),
            "explain select * from prj1.t1;",
        );
        assert!(own.contains(&format!("Principal: {user}")), "{own}");
    }
    assert_eq!(
        t.ok(
            OWNER.project("prj1"),
            "show grants for RAM$alice; get policy;"
        ),
        grants_before
    );
}

#[test]
fn bare_setproject_needs_what_show_security_configuration_needs() {
    let t = explain_tenant();
    let mem2 = As::user("RAM$owner:mem2").project("prj2");
    let show = t.run(mem2, "show SecurityConfiguration;");
    assert_eq!(
        show.failure(),
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:GetSecurityConfiguration' on {acs:odps:*:projects/prj2/authorization/configurations/security_configuration}."
    );
    t.refused(mem2, "setproject;", show.failure());
    let listing = t.ok(As::user("RAM$owner:adm2").project("prj2"), "setproject;");
    assert!(
        listing.contains("odps.security.ip.whitelist=127.0.0.1,10.0.0.1\n"),
        "{listing}"
    );
    assert!(listing.ends_with("OK\n"), "{listing}");
}

// ---------------------------------------------------------------------------------------------
// Super_Administrator and a project-policy Deny.

/// prj1 with Super_Administrators sa (named by a project-policy `Deny odps:*`) and sa2, and
/// alice, a plain member. The policy also names the owner, whom no policy binds.
fn denied_super_admin() -> Tenant {
    let t = Tenant::new();
    t.write(
        "deny_sa.json",
        r#"{"Version":"1","Statement":[{"Effect":"Deny","Principal":["RAM$owner:sa","ALIYUN$owner"],"Action":"odps:*","Resource":"acs:odps:*:*"}]}"#,
    );
    t.ok(
        OWNER,
        "create project prj1; use prj1;
         create table t1 (id bigint);
         add user RAM$sa; add user RAM$sa2; add user RAM$alice;
         grant super_administrator to RAM$sa; grant super_administrator to RAM$sa2;
         set ProjectProtection=true;
         put policy deny_sa.json;",
    );
    t
}

fn prj1_management_state(t: &Tenant) -> String {
    t.ok(
        OWNER.project("prj1"),
        "list users; show SecurityConfiguration; show grants for RAM$alice; show acl for t1;
         show packages; list roles; get policy;",
    )
}

#[test]
fn a_project_policy_deny_binds_a_super_administrators_management_statements() {
    let t = denied_super_admin();
    let before = prj1_management_state(&t);
    let sa = As::user("RAM$owner:sa").project("prj1");
    let denied = |action: &str, resource: &str| {
        format!(
            "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4011], You have NO privilege 'odps:{action}' on {{acs:odps:*:projects/prj1/{resource}}}. Explicitly denied by policy."
        )
    };
    for (statement, action, resource) in [
        ("add user RAM$owner:zed;", "AddUser", "authorization/users"),
        (
            "set ProjectProtection=false;",
            "SetSecurityConfiguration",
            "authorization/configurations/security_configuration",
        ),
        (
            "grant Select on table t1 to user RAM$alice;",
            "GrantPrivilege",
            "tables/t1",
        ),
        (
            "create package pk;",
            "CreatePackage",
            "authorization/packages",
        ),
        (
            "create role r9;",
            "CreateRole",
            "authorization/roles/resource/r9",
        ),
    ] {
        t.refused(sa, statement, &denied(action, resource));
    }
    // Data statements were already refused the same way.
    let r = t.run(sa, "select * from t1;");
    assert_eq!(r.code, 1);
    assert!(r.failure().contains("[4011]"), "{}", r.failure());
    assert_eq!(prj1_management_state(&t), before);

    // A Super_Administrator the policy does not name, and the owner it does name, still run them.
    t.ok(
        As::user("RAM$owner:sa2").project("prj1"),
        "add user RAM$owner:zed; create role r9;",
    );
    t.ok(
        OWNER.project("prj1"),
        "set ProjectProtection=false; grant Select on table t1 to user RAM$alice; create package pk;",
    );
}
