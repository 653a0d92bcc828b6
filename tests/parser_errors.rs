//! Malformed statements: the exact message and the absolute position of the offending token.
//! Every statement is parsed as if it started at line 3, column 5 of `t.sql`, so the positions
//! also check that `parse_statement` offsets them.

use mcsec::parser::{parse_script, parse_statement};
use mcsec::Error;

const CASES: &[(&str, &str)] = &[
        ("diagnose min risk extreme", "t.sql:3:23: expected <risk level (low, medium, high)>, found 'extreme'"),
        ("diagnose project", "t.sql:3:21: expected <project>, found end of statement"),
        ("diagnose tenant extra", "t.sql:3:21: expected one of MIN, end of statement, found 'extra'"),
        ("create workspace w mode pilot", "t.sql:3:29: expected <workspace mode (basic, standard)>, found 'pilot'"),
        ("show outflow", "t.sql:3:17: expected PATHS, found end of statement"),
        ("show outflow paths from prj1", "t.sql:3:29: expected PROJECT, found 'prj1'"),
        ("frobnicate users", "t.sql:3:5: expected one of ADD, ALLOW, ALTER, CHECK, CLEAR, CREATE, DELETE, DESC, DESCRIBE, DIAGNOSE, DISALLOW, DROP, EXPLAIN, GET, GRANT, INSERT, INSTALL, LIST, LOGIN, PURGE, PUT, REMOVE, REVOKE, SELECT, SET, SETPROJECT, SHOW, SNAPSHOT, SURVEY, TUNNEL, UNINSTALL, UNSET, USE, WHOAMI, found \'frobnicate\'"),
        ("", "t.sql:3:5: expected one of ADD, ALLOW, ALTER, CHECK, CLEAR, CREATE, DELETE, DESC, DESCRIBE, DIAGNOSE, DISALLOW, DROP, EXPLAIN, GET, GRANT, INSERT, INSTALL, LIST, LOGIN, PURGE, PUT, REMOVE, REVOKE, SELECT, SET, SETPROJECT, SHOW, SNAPSHOT, SURVEY, TUNNEL, UNINSTALL, UNSET, USE, WHOAMI, found end of statement"),
        ("list", "t.sql:3:9: expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found end of statement"),
        ("list user", "t.sql:3:10: expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found \'user\'; did you mean \'users\'?"),
        ("add", "t.sql:3:8: expected one of USER, ACCOUNTPROVIDER, TENANT, GROUP, TRUSTEDPROJECT, JAR, FILE, ARCHIVE, PY, <object type>, found end of statement"),
        ("add user", "t.sql:3:13: expected <principal>, found end of statement"),
        ("add user ALIYUN$x comment", "t.sql:3:30: expected <string>, found end of statement"),
        ("add user ALIYUN$x comment bob", "t.sql:3:31: expected <string>, found \'bob\'"),
        ("remove user", "t.sql:3:16: expected <principal>, found end of statement"),
        ("grant", "t.sql:3:10: expected <privilege>, found end of statement"),
        ("grant select", "t.sql:3:17: expected one of \'(\', \',\', ON, TO, found end of statement"),
        ("grant select on", "t.sql:3:20: expected one of <object type>, <identifier>, found end of statement"),
        ("grant select on table", "t.sql:3:26: expected <identifier>, found end of statement"),
        ("grant select on table t", "t.sql:3:28: expected one of \'.\', \'(\', PARTITION, TO, found end of statement"),
        ("grant select on table t to", "t.sql:3:31: expected one of TENANT, USER, ROLE, GROUP, <principal>, found end of statement"),
        ("grant select on table t to user x garbage", "t.sql:3:39: expected one of \',\', PRIVILEGEPROPERTIES, WITH, end of statement, found \'garbage\'"),
        ("grant select on table t to user x privilegeproperties", "t.sql:3:58: expected \'(\', found end of statement"),
        ("grant select on table t to user x privilegeproperties(", "t.sql:3:59: expected <string>, found end of statement"),
        ("grant select on table t to user x privilegeproperties(\"a\")", "t.sql:3:62: expected \'=\', found \')\'"),
        ("grant select on table t to user x privilegeproperties(\"a\"=\"b\"", "t.sql:3:66: expected one of \',\', \')\', found end of statement"),
        ("grant select on table t to user x with grant", "t.sql:3:49: expected OPTION, found end of statement"),
        ("grant select(c1 on table t to role r", "t.sql:3:21: expected one of \',\', \')\', found \'on\'"),
        ("grant select(c1) to role r", "t.sql:3:22: expected one of \',\', ON, found \'to\'"),
        ("grant worker to", "t.sql:3:20: expected one of TENANT, USER, ROLE, GROUP, <principal>, found end of statement"),
        ("grant label on table t to user x", "t.sql:3:17: expected <integer>, found \'on\'"),
        ("grant label 2 on t to user x", "t.sql:3:22: expected TABLE, found \'t\'"),
        ("grant label 2 on table t to user x with exp", "t.sql:3:48: expected <integer>, found end of statement"),
        ("grant label 2 on table t to user x with exp -1", "t.sql:3:49: expected <integer>, found \'-\'"),
        ("revoke select on table t to user x", "t.sql:3:30: expected one of \'.\', \'(\', PARTITION, FROM, found \'to\'"),
        ("revoke label table t from user x", "t.sql:3:18: expected ON, found \'table\'"),
        ("show", "t.sql:3:9: expected one of GRANTS, ACL, PRINCIPALS, ROLE, ROLES, LABEL, PACKAGES, PACKAGE, OUTFLOW, SECURITYCONFIGURATION, EFFECTIVE, AUDIT, found end of statement"),
        ("show grants for", "t.sql:3:20: expected one of TENANT, USER, ROLE, GROUP, <principal>, found end of statement"),
        ("show grants on type", "t.sql:3:24: expected <object type>, found end of statement"),
        ("show grants on type view", "t.sql:3:25: expected <object type>, found \'view\'"),
        ("show acl for", "t.sql:3:17: expected <identifier>, found end of statement"),
        ("show acl for t on type bogus", "t.sql:3:28: expected <object type>, found \'bogus\'"),
        ("show label grants on t", "t.sql:3:26: expected TABLE, found \'t\'"),
        ("create", "t.sql:3:11: expected one of TENANT, ROLE, PACKAGE, PROJECT, TABLE, FUNCTION, WORKSPACE, found end of statement"),
        ("create role", "t.sql:3:16: expected <role>, found end of statement"),
        ("create role r privilegeproperties(\"type\")", "t.sql:3:45: expected \'=\', found \')\'"),
        ("create table t", "t.sql:3:19: expected one of \'.\', AS, \'(\', found end of statement"),
        ("create table t (a)", "t.sql:3:22: expected <type>, found \')\'"),
        ("create table t (a string", "t.sql:3:29: expected one of \'(\', \'<\', \',\', \')\', found end of statement"),
        ("create table t (a decimal(10,", "t.sql:3:34: expected <integer>, found end of statement"),
        ("drop", "t.sql:3:9: expected one of TENANT, ROLE, PACKAGE, PROJECT, TABLE, FUNCTION, RESOURCE, RAM, found end of statement"),
        ("drop role", "t.sql:3:14: expected <role>, found end of statement"),
        ("describe", "t.sql:3:13: expected one of ROLE, PACKAGE, TENANT, <identifier>, found end of statement"),
        ("set", "t.sql:3:8: expected <setting name>, found end of statement"),
        ("set label 2 to", "t.sql:3:19: expected <principal>, found end of statement"),
        ("set label 99999999999999999999 to user x", "t.sql:3:15: expected <integer>, found \'99999999999999999999\'"),
        ("set k", "t.sql:3:10: expected \'=\', found end of statement"),
        ("set k=v with", "t.sql:3:17: expected one of EXCEPTION, LOCATIONS, found end of statement"),
        ("set ProjectProtection=true with exception", "t.sql:3:46: expected <file path>, found end of statement"),
        ("setproject a", "t.sql:3:17: expected \'=\', found end of statement"),
        ("setproject =b", "t.sql:3:16: expected <property name>, found \'=\'"),
        ("setproject a=1 b", "t.sql:3:21: expected \'=\', found end of statement"),
        ("put policy", "t.sql:3:15: expected <file path>, found end of statement"),
        ("put policy p.json on role", "t.sql:3:30: expected <role>, found end of statement"),
        ("get policy on", "t.sql:3:18: expected one of TENANT, ROLE, found end of statement"),
        ("install package p", "t.sql:3:22: expected \'.\', found end of statement"),
        ("install package p.", "t.sql:3:23: expected <package>, found end of statement"),
        ("allow project p to install", "t.sql:3:31: expected PACKAGE, found end of statement"),
        ("disallow project p", "t.sql:3:23: expected TO, found end of statement"),
        ("purge privs", "t.sql:3:16: expected FROM, found end of statement"),
        ("purge privs from", "t.sql:3:21: expected one of TENANT, USER, ROLE, GROUP, <principal>, found end of statement"),
        ("insert into t values", "t.sql:3:25: expected \'(\', found end of statement"),
        ("insert into t values (1", "t.sql:3:28: expected one of \',\', \')\', found end of statement"),
        ("insert into t values (1,)", "t.sql:3:29: expected <value>, found \')\'"),
        ("insert overwrite table t values (1)", "t.sql:3:30: expected one of \'.\', SELECT, found \'values\'"),
        ("select", "t.sql:3:11: expected one of \'*\', <column>, found end of statement"),
        ("select * from", "t.sql:3:18: expected <identifier>, found end of statement"),
        ("select a, from t", "t.sql:3:20: expected one of \',\', FROM, found \'t\'"),
        ("tunnel download t", "t.sql:3:22: expected one of \'.\', <file path>, found end of statement"),
        ("explain", "t.sql:3:12: expected one of FOR, FROM, ADD, ALLOW, ALTER, CHECK, CLEAR, CREATE, DELETE, DESC, DESCRIBE, DIAGNOSE, DISALLOW, DROP, EXPLAIN, GET, GRANT, INSERT, INSTALL, LIST, LOGIN, PURGE, PUT, REMOVE, REVOKE, SELECT, SET, SETPROJECT, SHOW, SNAPSHOT, SURVEY, TUNNEL, UNINSTALL, UNSET, USE, WHOAMI, found end of statement"),
        ("explain for x", "t.sql:3:18: expected one of FROM, ADD, ALLOW, ALTER, CHECK, CLEAR, CREATE, DELETE, DESC, DESCRIBE, DIAGNOSE, DISALLOW, DROP, EXPLAIN, GET, GRANT, INSERT, INSTALL, LIST, LOGIN, PURGE, PUT, REMOVE, REVOKE, SELECT, SET, SETPROJECT, SHOW, SNAPSHOT, SURVEY, TUNNEL, UNINSTALL, UNSET, USE, WHOAMI, found end of statement"),
        ("explain from 999.1.1.1 select * from t", "t.sql:3:18: expected <ip address>, found \'999.1\'"),
        ("explain from 10.0.0.1 frobnicate t", "t.sql:3:27: expected one of ADD, ALLOW, ALTER, CHECK, CLEAR, CREATE, DELETE, DESC, DESCRIBE, DIAGNOSE, DISALLOW, DROP, EXPLAIN, GET, GRANT, INSERT, INSTALL, LIST, LOGIN, PURGE, PUT, REMOVE, REVOKE, SELECT, SET, SETPROJECT, SHOW, SNAPSHOT, SURVEY, TUNNEL, UNINSTALL, UNSET, USE, WHOAMI, found \'frobnicate\'"),
        ("use", "t.sql:3:8: expected <project>, found end of statement"),
        ("login", "t.sql:3:10: expected <principal>, found end of statement"),
        ("clear expired", "t.sql:3:18: expected GRANTS, found end of statement"),
        ("add jar", "t.sql:3:12: expected <resource name>, found end of statement"),
        ("add table t to package", "t.sql:3:27: expected <package>, found end of statement"),
        ("create workspace crm mode pilot", "t.sql:3:31: expected <workspace mode (basic, standard)>, found \'pilot\'"),
        ("whoami now", "t.sql:3:12: expected end of statement, found \'now\'"),
        ("list users,", "t.sql:3:15: expected end of statement, found \',\'"),
        ("grant select on table t to user x;;", "t.sql:3:38: expected one of \',\', PRIVILEGEPROPERTIES, WITH, end of statement, found \';\'"),
        ("add user \'x", "t.sql:3:14: expected \"\'\" closing the string, found end of input"),
        ("add user /* open", "t.sql:3:14: expected \'*/\' closing the comment, found end of input"),
        ("add user `x", "t.sql:3:14: expected \'`\' closing the quoted name, found end of input"),
];

#[test]
fn malformed_statements_report_what_was_expected_where() {
    assert!(CASES.len() >= 40);
    for (input, expected) in CASES {
        match parse_statement(input, "t.sql", 3, 5) {
            Ok(stmt) => panic!("{input:?} parsed as {stmt:?}"),
            Err(e) => assert_eq!(e.to_string(), *expected, "{input}"),
        }
    }
}

#[test]
fn syntax_errors_carry_a_structured_position() {
    match parse_statement("list\n  frob", "f.sql", 10, 1) {
        Err(Error::Syntax { position, message }) => {
            assert_eq!(
                (position.file.as_str(), position.line, position.col),
                ("f.sql", 11, 3)
            );
            assert_eq!(
                message,
                "expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found 'frob'"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_error_in_the_40th_statement_points_at_its_line() {
    let mut src = String::new();
    for n in 1..40 {
        src.push_str(&format!("create role r{n}; -- statement {n}\n"));
    }
    src.push_str("\n  grant Select on table t to\n    role r garbage;\nlist users;\n");
    let results: Vec<_> = parse_script(&src, "big.sql").collect();
    assert_eq!(results.len(), 41);
    assert!(results[..39].iter().all(Result::is_ok));
    assert_eq!(
        results[39].as_ref().map_err(ToString::to_string).err().as_deref(),
        Some("big.sql:42:12: expected one of ',', PRIVILEGEPROPERTIES, WITH, end of statement, found 'garbage'")
    );
    assert!(results[40].is_ok());
}

#[test]
fn unterminated_quote_in_a_script_points_at_the_quote() {
    let src = "list users;\nadd user ALIYUN$a comment 'never closed;\nlist roles;\n";
    let results: Vec<_> = parse_script(src, "q.sql")
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[1].as_ref().err().map(String::as_str),
        Some("q.sql:2:27: expected \"'\" closing the string, found end of input")
    );
}

#[test]
fn binary_junk_is_a_positioned_error() {
    let junk = String::from_utf8_lossy(&[0xff, 0x00, 0x01, b'g', 0xfe, b';']).into_owned();
    let results: Vec<_> = parse_script(&junk, "junk.bin")
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
    assert_eq!(results.len(), 1);
    let message = results[0].as_ref().err().cloned().unwrap_or_default();
    assert!(
        message.starts_with("junk.bin:1:1: expected one of ADD, "),
        "{message}"
    );
    assert!(message.ends_with("found '\u{fffd}'"), "{message}");
}

#[test]
fn a_one_megabyte_line_is_one_error_not_a_hang() {
    let mut line = String::from("grant Select on table t to user x");
    while line.len() < 1 << 20 {
        line.push_str(" x");
    }
    let err = parse_statement(&line, "long.sql", 1, 1)
        .map_err(|e| e.to_string())
        .err();
    assert_eq!(
        err.as_deref(),
        Some("long.sql:1:35: expected one of ',', PRIVILEGEPROPERTIES, WITH, end of statement, found 'x'")
    );
    let name = "a".repeat(1 << 20);
    let stmt =
        parse_statement(&format!("create role {name}"), "long.sql", 1, 1).map(|s| s.to_string());
    assert_eq!(stmt.map(|s| s.len()), Ok(12 + (1 << 20)));
}

#[test]
fn deep_nesting_is_refused_without_recursion_overflow() {
    let deep = format!(
        "create table t (a {}string{})",
        "array<".repeat(100_000),
        ">".repeat(100_000)
    );
    let err = parse_statement(&deep, "deep.sql", 1, 1)
        .map_err(|e| e.to_string())
        .err();
    assert_eq!(
        err.as_deref(),
        Some("deep.sql:1:115: expected <type>, found 'array'")
    );
    let parens = format!("grant {}", "(".repeat(100_000));
    assert!(parse_statement(&parens, "deep.sql", 1, 1).is_err());
}

#[test]
fn a_script_and_a_single_statement_point_at_the_same_end_of_statement() {
    // The `;` is a line below the last token: both report the place just past `bigint`.
    let src = "create table t1 (kd bigint\n;";
    let script: Vec<_> = parse_script(src, "f.sql")
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
    let expected = "f.sql:1:27: expected one of '(', '<', ',', ')', found end of statement";
    assert_eq!(script, vec![Err(expected.to_string())]);
    let single = parse_statement("create table t1 (kd bigint", "f.sql", 1, 1);
    assert_eq!(single.map_err(|e| e.to_string()), Err(expected.to_string()));
}
