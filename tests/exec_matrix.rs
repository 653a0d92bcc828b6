//! The §2.3 permission matrix: every management statement run by the project owner, a
//! Super_Administrator, an Admin and a plain member, each on a fresh tenant, with the expected
//! allow/refuse. Refusals must carry the §11.4 text (`Authorization Failed [4019], You have NO
//! privilege 'odps:<Action>' on {acs:odps:*:projects/prj/...}`) and leave the catalog unchanged.

use mcsec::catalog::model::{Column, Table};
use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};

const NOW: i64 = 1_767_225_600;
const OWNER: &str = "ALIYUN$owner";
const CALLERS: [&str; 4] = [OWNER, "RAM$owner:sa", "RAM$owner:adm", "RAM$owner:mem"];

fn run(session: &mut Session, sql: &str) -> mcsec::Result<mcsec::exec::StatementResult> {
    let stmt = mcsec::parser::parse_statement(sql, "<test>", 1, 1)?;
    session.execute(&stmt)
}

/// A tenant with projects `p` (the subject) and `prj2`, the four callers, a role, a table, a
/// package, and `prj2.pk2` allowed for `p`.
fn tenant() -> Session {
    let mut s = Session::new(
        Catalog::memory(),
        SessionOptions {
            user: OWNER.into(),
            source_ip: "127.0.0.1".into(),
            now: Some(NOW),
        },
    );
    let setup = [
        "create project prj",
        "create project prj2",
        "use prj2",
        "create package pk2",
        "allow project prj to install package pk2",
        "use prj",
        "add user RAM$owner:sa",
        "add user RAM$owner:adm",
        "add user RAM$owner:mem",
        "add user RAM$owner:target",
        "grant super_administrator to RAM$owner:sa",
        "grant admin to RAM$owner:adm",
        "create role r1",
        "create package pk",
        "add trustedproject prj2",
    ];
    for sql in setup {
        run(&mut s, sql).unwrap_or_else(|e| panic!("setup {sql}: {e}"));
    }
    let mut txn = s.catalog().begin();
    txn.put_table(
        "prj",
        &Table {
            name: "t".into(),
            columns: vec![Column {
                name: "c".into(),
                data_type: "string".into(),
                label: None,
            }],
            label: 0,
            creator: OWNER.into(),
            created_at: NOW,
        },
    )
    .unwrap();
    s.catalog().commit(txn).unwrap();
    run(&mut s, "add table t to package pk").unwrap();
    s
}

/// (extra setup run as the owner, statement, [owner, SA, Admin, member] allowed?)
const MATRIX: &[(&str, &str, [bool; 4])] = &[
    ("", "add user RAM$owner:newbie", [true, true, true, false]),
    ("", "remove user RAM$owner:target", [true, true, true, false]),
    ("", "list users", [true, true, true, false]),
    ("", "show role grant RAM$owner:target", [true, true, true, false]),
    ("", "create role newrole", [true, true, true, false]),
    ("", "create role adminrole privilegeproperties(\"type\"=\"admin\")", [true, true, false, false]),
    ("", "describe role r1", [true, true, true, false]),
    ("", "drop role r1", [true, true, true, false]),
    ("", "list roles", [true, true, true, false]),
    ("", "grant r1 to RAM$owner:target", [true, true, true, false]),
    ("grant r1 to RAM$owner:target", "revoke r1 from RAM$owner:target", [true, true, true, false]),
    ("", "show principals r1", [true, true, true, false]),
    ("", "grant admin to RAM$owner:target", [true, false, false, false]),
    ("", "grant super_administrator to RAM$owner:target", [true, true, false, false]),
    ("", "set LabelSecurity=true", [true, true, false, false]),
    ("", "set ProjectProtection=true", [true, true, false, false]),
    ("", "set CheckPermissionUsingACL=false", [true, true, false, false]),
    ("", "show SecurityConfiguration", [true, true, true, false]),
    ("remove trustedproject prj2", "add trustedproject prj2", [true, true, false, false]),
    ("", "remove trustedproject prj2", [true, true, false, false]),
    ("", "list trustedprojects", [true, true, true, false]),
    ("", "create package pk3", [true, true, false, false]),
    ("", "show packages", [true, true, false, false]),
    ("", "drop package pk", [true, true, false, false]),
    ("", "describe package pk", [true, true, true, false]),
    ("", "remove table t from package pk", [true, true, false, false]),
    ("remove table t from package pk", "add table t to package pk", [true, true, false, false]),
    ("", "allow project prj2 to install package pk", [true, true, false, false]),
    ("", "disallow project prj2 to install package pk", [true, true, false, false]),
    ("", "install package prj2.pk2", [true, true, true, false]),
    ("install package prj2.pk2", "uninstall package prj2.pk2", [true, true, true, false]),
    ("", "grant label 2 on table t to user RAM$owner:target", [true, true, true, false]),
    ("grant label 2 on table t to user RAM$owner:target", "revoke label on table t from user RAM$owner:target", [true, true, true, false]),
    ("", "set label 2 to table t", [true, true, true, false]),
    ("", "set label 2 to user RAM$owner:target", [true, true, true, false]),
    ("", "show label grants on table t", [true, true, true, false]),
    ("", "show label grants", [true, true, true, true]),
    ("", "clear expired grants", [true, true, true, false]),
    ("", "show grants", [true, true, true, true]),
    ("", "show grants for RAM$owner:target", [true, true, true, false]),
    ("", "whoami", [true, true, true, true]),
    ("", "grant Select on table t to user RAM$owner:target", [true, true, true, false]),
    ("grant Select on table t to user RAM$owner:target", "revoke Select on table t from user RAM$owner:target", [true, true, true, false]),
    ("", "grant Select on table t to role r1 privilegeproperties(\"policy\"=\"true\", \"allow\"=\"true\")", [true, true, true, false]),
    ("", "show acl for t", [true, true, true, false]),
    ("", "put policy tests/golden/files/project_policy.json", [true, true, false, false]),
    ("", "get policy", [true, true, true, false]),
    ("", "put policy tests/golden/files/role_policy.json on role r1", [true, true, true, false]),
    ("", "get policy on role r1", [true, true, true, false]),
    ("", "setproject odps.security.enabledownloadprivilege=true", [true, true, false, false]),
    ("", "setproject odps.security.ip.whitelist=127.0.0.1", [true, false, false, false]),
    ("", "add accountprovider taobao", [true, true, false, false]),
    ("", "list accountproviders", [true, true, true, false]),
    ("create role gone; drop role gone", "purge privs from role gone", [true, true, true, false]),
    ("", "add group devs", [true, true, true, false]),
    ("", "grant super Read to user RAM$owner:target", [true, true, false, false]),
];

#[test]
fn every_management_statement_follows_the_role_matrix() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let mut wrong = Vec::new();
    for (setup, sql, expected) in MATRIX {
        for (caller, allowed) in CALLERS.iter().zip(expected) {
            let mut s = tenant();
            for extra in setup.split(';').map(str::trim).filter(|x| !x.is_empty()) {
                run(&mut s, extra).unwrap_or_else(|e| panic!("setup {extra}: {e}"));
            }
            run(&mut s, &format!("login {caller}")).unwrap();
            run(&mut s, "use prj").unwrap();
            let before = dump(&s);
            match (run(&mut s, sql), allowed) {
                (Ok(_), true) => {}
                (Err(e), false) => {
                    let text = e.to_string();
                    if !text.starts_with("ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:")
                        || !text.contains("{acs:odps:*:projects/prj")
                    {
                        wrong.push(format!("{sql} as {caller}: refusal text {text:?}"));
                    }
                    if dump(&s) != before {
                        wrong.push(format!(
                            "{sql} as {caller}: refused but changed the catalog"
                        ));
                    }
                }
                (Ok(_), false) => {
                    wrong.push(format!("{sql} as {caller}: allowed, expected refusal"))
                }
                (Err(e), true) => wrong.push(format!(
                    "{sql} as {caller}: refused ({e}), expected allowed"
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} matrix cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The whole project as the owner sees it, for "nothing changed" checks.
fn dump(s: &Session) -> String {
    let txn = s.catalog().begin();
    let p = txn.project("prj").unwrap();
    format!(
        "{p:?}{:?}{:?}{:?}{:?}",
        txn.users("prj").unwrap(),
        txn.roles("prj").unwrap(),
        txn.all_acl("prj").unwrap(),
        txn.packages("prj").unwrap()
    )
}

#[test]
fn admin_cannot_grant_admin_but_owner_can_and_sa_grants_sa() {
    let mut s = tenant();
    run(&mut s, "login RAM$owner:adm").unwrap();
    run(&mut s, "use prj").unwrap();
    let err = run(&mut s, "grant admin to RAM$owner:target")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:GrantRole' on {acs:odps:*:projects/prj/authorization/roles/resource/admin}."
    );
    run(&mut s, "login RAM$owner:sa").unwrap();
    run(&mut s, "use prj").unwrap();
    run(&mut s, "grant super_administrator to RAM$owner:target").unwrap();
    assert_eq!(
        run(&mut s, "show role grant RAM$owner:target")
            .unwrap()
            .text(),
        "super_administrator"
    );
    let err = run(&mut s, "add trustedproject prj2")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Project prj2 is already a trusted project of prj."),
        "{err}"
    );
}

#[test]
fn a_policy_deny_binds_admin_but_not_the_owner() {
    let mut s = tenant();
    std::fs::write(
        std::env::temp_dir().join("mcsec_matrix_deny.json"),
        r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":"odps:AddUser","Resource":"acs:odps:*:projects/prj/authorization/users"}]}"#,
    )
    .unwrap();
    run(&mut s, "create role limited").unwrap();
    run(
        &mut s,
        &format!(
            "put policy {} on role limited",
            std::env::temp_dir()
                .join("mcsec_matrix_deny.json")
                .display()
        ),
    )
    .unwrap();
    run(&mut s, "grant limited to RAM$owner:adm").unwrap();
    run(&mut s, "login RAM$owner:adm").unwrap();
    run(&mut s, "use prj").unwrap();
    assert_eq!(
        run(&mut s, "add user RAM$owner:zed").unwrap_err().to_string(),
        "ODPS-0420095: Access Denied - Authorization Failed [4011], You have NO privilege 'odps:AddUser' on {acs:odps:*:projects/prj/authorization/users}. Explicitly denied by policy."
    );
    run(&mut s, "login ALIYUN$owner").unwrap();
    run(&mut s, "use prj").unwrap();
    run(&mut s, "add user RAM$owner:zed").unwrap();
}

#[test]
fn an_admin_role_policy_delegates_a_management_action_to_a_member() {
    let mut s = tenant();
    let file = std::env::temp_dir().join("mcsec_matrix_allow.json");
    std::fs::write(
        &file,
        r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["odps:AddUser","odps:ListUsers"],"Resource":"acs:odps:*:projects/prj/authorization/users"}]}"#,
    )
    .unwrap();
    run(
        &mut s,
        "create role useradmin privilegeproperties(\"type\"=\"admin\")",
    )
    .unwrap();
    run(
        &mut s,
        &format!("put policy {} on role useradmin", file.display()),
    )
    .unwrap();
    run(&mut s, "grant useradmin to RAM$owner:mem").unwrap();
    run(&mut s, "login RAM$owner:mem").unwrap();
    run(&mut s, "use prj").unwrap();
    run(&mut s, "add user RAM$owner:zed").unwrap();
    assert!(run(&mut s, "list users")
        .unwrap()
        .text()
        .contains("RAM$owner:zed"));
    assert!(run(&mut s, "remove user RAM$owner:zed")
        .unwrap_err()
        .to_string()
        .contains("'odps:RemoveUser'"));
}

/// The matrix again, through `explain for <caller> <statement>` run by the owner, with a
/// non-member added: each cell's decision, code and deciding rule, and that the decision is
/// what running the statement as that caller gives.
#[test]
fn the_matrix_through_explain_gives_each_standings_decision_code_and_rule() {
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let standings = [
        ("project owner", "the project owner"),
        ("Super_Administrator", "a Super_Administrator"),
        ("Admin", "an Admin"),
        ("plain member", "a plain member"),
    ];
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (setup, sql, expected) in MATRIX {
        let callers = CALLERS
            .iter()
            .copied()
            .zip(expected.iter().copied().map(Some))
            .zip(standings.iter().copied().map(Some))
            .chain(std::iter::once((("RAM$owner:outsider", None), None)));
        for ((caller, allowed), standing) in callers {
            cells += 1;
            let fresh = || {
                let mut s = tenant();
                for extra in setup.split(';').map(str::trim).filter(|x| !x.is_empty()) {
                    run(&mut s, extra).unwrap_or_else(|e| panic!("setup {extra}: {e}"));
                }
                s
            };
            let mut s = fresh();
            let before = dump(&s);
            let explained = match run(&mut s, &format!("explain for {caller} {sql}")) {
                Ok(out) => out.json(),
                Err(e) => {
                    wrong.push(format!("explain for {caller} {sql}: {e}"));
                    continue;
                }
            };
            if dump(&s) != before {
                wrong.push(format!("explain for {caller} {sql}: changed the catalog"));
            }
            let cell = format!("{sql} as {caller}");
            let decision = explained["decision"].as_str().unwrap_or_default();
            let code = explained["code"].as_str();
            let checks = explained["checks"].as_array().cloned().unwrap_or_default();
            let management: Vec<&serde_json::Value> = checks
                .iter()
                .filter(|c| c["kind"] == "management")
                .collect();
            match (allowed, standing) {
                // `whoami` enters no project: the non-member runs it like anyone.
                (None, _) if *sql == "whoami" => {
                    if decision != "allow" {
                        wrong.push(format!("{cell}: {decision}, expected allow"));
                    }
                }
                // The non-member is stopped entering the project.
                (None, _) => {
                    if decision != "deny" || code != Some("4002") {
                        wrong.push(format!("{cell}: {decision} {code:?}, expected deny 4002"));
                    }
                }
                (Some(true), Some(standing)) => {
                    if decision != "allow" {
                        wrong.push(format!("{cell}: {decision}, expected allow"));
                    }
                    for check in &management {
                        let rule = check["rules"][0].as_str().unwrap_or_default();
                        let fits = if standing.0 == "project owner" {
                            rule == "owner of project prj"
                        } else {
                            rule.starts_with(&format!("standing {}: ", standing.0))
                        };
                        if !fits {
                            wrong.push(format!("{cell}: deciding rule {rule:?}"));
                        }
                    }
                    if explained["outcome"]["status"] != "would_succeed" {
                        wrong.push(format!("{cell}: outcome {}", explained["outcome"]));
                    }
                }
                (Some(false), Some(standing)) => {
                    let denying = management.iter().find(|c| c["decision"] == "deny");
                    let rule = denying
                        .and_then(|c| c["rules"][0].as_str())
                        .unwrap_or_default();
                    if decision != "deny"
                        || code != Some("4019")
                        || !rule.starts_with("the statement needs ")
                        || !rule.ends_with(&format!("{} may not run it", standing.1))
                    {
                        wrong.push(format!("{cell}: {decision} {code:?} rule {rule:?}"));
                    }
                }
                (Some(_), None) => unreachable!(),
            }
            // What explain decided is what running it as the caller does.
            let mut real = fresh();
            run(&mut real, &format!("login {caller}")).unwrap();
            let ran = if allowed.is_some() {
                run(&mut real, "use prj").and_then(|_| run(&mut real, sql))
            } else if *sql == "whoami" {
                run(&mut real, sql)
            } else {
                run(&mut real, "use prj")
            };
            match (ran, decision) {
                (Ok(_), "allow") => {}
                (Err(e), "deny")
                    if Some(e.to_string().as_str()) == explained["message"].as_str() => {}
                (ran, _) => wrong.push(format!(
                    "{cell}: explain said {decision} ({}), running it gave {ran:?}",
                    explained["message"]
                )),
            }
        }
    }
    assert!(cells >= 5 * 56, "{cells} cells");
    assert!(
        wrong.is_empty(),
        "{} explain matrix cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
