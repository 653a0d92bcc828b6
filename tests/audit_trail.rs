//! The audit trail and the account survey, through the real binary: what a record holds for
//! allowed, refused and failed statements; `show audit` filters; retention pruning and the
//! trail switched off; `mcsec audit export`; a record survives SIGKILL exactly when its
//! statement's effect does; and the survey of the three-month tenant that
//! `scripts/gen_audit_tenant.sh` builds, against `tests/golden/audit/*.out`.
//!
//! `MCSEC_BLESS=1 cargo test --test audit_trail` rewrites the golden files (review the diff).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mcsec");

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mcsec(catalog: &Path, now: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .env("MCSEC_NOW", now)
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_CATALOG")
        .output()
        .expect("run mcsec")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Compares `actual` with the golden file, or rewrites it under `MCSEC_BLESS=1`.
fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden/audit").join(name);
    if std::env::var_os("MCSEC_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("golden dir");
        std::fs::write(&path, actual).expect("bless");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with MCSEC_BLESS=1)", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

const T0: &str = "2026-01-05T10:00:00Z";

#[test]
fn records_say_who_what_where_and_how_it_was_decided() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = dir.path().join("cat");
    let setup = "create project prj1; use prj1; create table t (name string, n bigint); \
        insert into t values ('ann', 1), ('bo', 22); add user RAM$bob; \
        grant CreateInstance on project prj1 to user RAM$bob;";
    assert_eq!(mcsec(&cat, T0, &["-e", setup]).status.code(), Some(0));
    let bob = mcsec(
        &cat,
        "2026-01-06T11:30:00Z",
        &[
            "--user",
            "RAM$bob",
            "--source-ip",
            "10.1.2.3",
            "--project",
            "prj1",
            "--keep-going",
            "-e",
            "select * from t; grant Select on table t to user RAM$bob; drop table nosuch;",
        ],
    );
    assert_eq!(bob.status.code(), Some(1), "{}", stderr(&bob));
    let out = mcsec(
        &cat,
        "2026-01-07T00:00:00Z",
        &["--format", "json", "-e", "show audit for user RAM$bob;"],
    );
    let lines = json_lines(&out);
    let records = lines[0]["result"]["records"].as_array().expect("records");
    let brief: Vec<(String, String, String, String, String)> = records
        .iter()
        .map(|r| {
            (
                r["statement"].as_str().unwrap_or("").to_string(),
                r["decision"].as_str().unwrap_or("").to_string(),
                r["rule"].as_str().unwrap_or("-").to_string(),
                r["auth_code"].as_str().unwrap_or("-").to_string(),
                r["task_type"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let s = |v: &str| v.to_string();
    assert_eq!(
        brief,
        vec![
            (
                s("select * from t"),
                s("deny"),
                s("default deny: nothing grants Select on projects/prj1/tables/t"),
                s("4019"),
                s("SQL")
            ),
            (
                s("grant Select on table t to user RAM$bob"),
                s("deny"),
                s("the statement needs Admin or better; a plain member may not run it"),
                s("4019"),
                s("Management")
            ),
            (s("drop table nosuch"), s("none"), s("-"), s("-"), s("SQL")),
        ]
    );
    for r in records {
        assert_eq!(r["principal"], "RAM$owner:bob");
        assert_eq!(r["source_ip"], "10.1.2.3");
        assert_eq!(r["project"], "prj1");
        assert_eq!(r["time"], "2026-01-06T11:30:00+0000");
        assert_eq!(r["ok"], false);
    }
    assert_eq!(records[2]["error_kind"], "semantic");

    // An allowed read records the rule that allowed it and what it read.
    let grant = "use prj1; grant Select on table t to user RAM$bob;";
    assert_eq!(mcsec(&cat, T0, &["-e", grant]).status.code(), Some(0));
    let later = "2026-01-08T00:00:00Z";
    let read = mcsec(
        &cat,
        later,
        &[
            "--user",
            "RAM$bob",
            "--project",
            "prj1",
            "-e",
            "select name from t;",
        ],
    );
    assert_eq!(read.status.code(), Some(0), "{}", stderr(&read));
    let last = json_lines(&mcsec(
        &cat,
        later,
        &[
            "--format",
            "json",
            "-e",
            "show audit for user RAM$bob limit 1;",
        ],
    ));
    let r = &last[0]["result"]["records"][0];
    assert_eq!(r["statement"], "select name from t");
    assert_eq!(r["decision"], "allow");
    assert_eq!(
        r["rule"],
        "ACL user/RAM$owner:bob: Select on projects/prj1/tables/t"
    );
    assert_eq!(
        (r["rows_read"].as_u64(), r["bytes_read"].as_u64()),
        (Some(2), Some(5))
    );
    // The insert of the setup wrote two rows of 4 bytes each (`ann` and 1, `bo` and 22).
    let owner = json_lines(&mcsec(
        &cat,
        T0,
        &[
            "--format",
            "json",
            "-e",
            "show audit for user ALIYUN$owner in project prj1 limit 4;",
        ],
    ));
    let rows = owner[0]["result"]["records"].as_array().expect("records");
    let insert = rows
        .iter()
        .find(|r| {
            r["statement"]
                .as_str()
                .is_some_and(|s| s.starts_with("insert"))
        })
        .expect("the insert");
    assert_eq!(
        (
            insert["rows_written"].as_u64(),
            insert["bytes_written"].as_u64()
        ),
        (Some(2), Some(8))
    );
}

#[test]
fn a_refused_statement_changes_nothing_but_its_record_is_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = dir.path().join("cat");
    let setup = "create project prj1; use prj1; add user RAM$bob;";
    assert_eq!(mcsec(&cat, T0, &["-e", setup]).status.code(), Some(0));
    let before = mcsec(
        &cat,
        T0,
        &[
            "--project",
            "prj1",
            "-e",
            "list roles; show grants for RAM$bob;",
        ],
    );
    // `purge` of a user by a plain member is refused after nothing; `create role` by the
    // member too. Neither leaves a trace in the catalog, only in the trail.
    let refused = mcsec(
        &cat,
        T0,
        &[
            "--user",
            "RAM$bob",
            "--project",
            "prj1",
            "--keep-going",
            "-e",
            "create role r1; purge privs from user RAM$bob;",
        ],
    );
    assert_eq!(refused.status.code(), Some(1));
    let after = mcsec(
        &cat,
        T0,
        &[
            "--project",
            "prj1",
            "-e",
            "list roles; show grants for RAM$bob;",
        ],
    );
    assert_eq!(stdout(&before), stdout(&after));
    let trail = mcsec(&cat, T0, &["-e", "show audit for user RAM$bob denied;"]);
    let text = stdout(&trail);
    assert!(text.contains("| create role r1 "), "{text}");
    assert!(text.contains("| purge privs from user RAM$bob "), "{text}");
    assert_eq!(
        text.matches("FAILED ODPS-0420095 [4019]").count(),
        2,
        "{text}"
    );
}

#[test]
fn show_audit_filters_by_time_principal_project_and_denial_and_needs_the_tenant_account() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = dir.path().join("cat");
    let days = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"];
    assert_eq!(
        mcsec(&cat, "2026-01-01T00:00:00Z", &["-e", "create project prj1; create project prj2; use prj1; add user RAM$bob; use prj2; add user RAM$bob;"]).status.code(),
        Some(0)
    );
    for (i, day) in days.iter().enumerate() {
        let project = if i % 2 == 0 { "prj1" } else { "prj2" };
        let o = mcsec(
            &cat,
            &format!("{day}T12:00:00Z"),
            &[
                "--user",
                "RAM$bob",
                "--project",
                project,
                "--keep-going",
                "-e",
                "whoami; list users;",
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "list users is refused to a member: {}",
            stderr(&o)
        );
    }
    let query = |q: &str| -> Vec<(String, String)> {
        let out = mcsec(&cat, "2026-01-10T00:00:00Z", &["--format", "json", "-e", q]);
        assert_eq!(out.status.code(), Some(0), "{q}: {}", stderr(&out));
        json_lines(&out)[0]["result"]["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|r| {
                (
                    r["time"].as_str().unwrap_or("")[..10].to_string(),
                    format!(
                        "{} {}",
                        r["project"].as_str().unwrap_or("-"),
                        r["statement"].as_str().unwrap_or("")
                    ),
                )
            })
            .collect()
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        query("show audit for user RAM$bob in project prj2 since '2026-01-02' until '2026-01-04T00:00:00Z';"),
        vec![s("2026-01-02", "prj2 whoami"), s("2026-01-02", "prj2 list users")]
    );
    assert_eq!(
        query("show audit for user RAM$bob denied limit 2;"),
        vec![
            s("2026-01-03", "prj1 list users"),
            s("2026-01-04", "prj2 list users")
        ]
    );
    assert_eq!(
        query("show audit in project prj1 since '2026-01-03' limit 10;"),
        vec![
            s("2026-01-03", "prj1 whoami"),
            s("2026-01-03", "prj1 list users")
        ]
    );
    assert_eq!(query("show audit for user RAM$nobody;"), vec![]);
    // Text mode prints OK when nothing matches.
    let none = mcsec(&cat, T0, &["-e", "show audit for user RAM$nobody;"]);
    assert_eq!(stdout(&none), "OK\n");

    let bad = mcsec(&cat, T0, &["-e", "show audit since 'yesterday';"]);
    assert_eq!(
        stderr(&bad).lines().next(),
        Some("FAILED: invalid time 'yesterday' in show audit: expected an RFC 3339 time such as 2026-01-01T00:00:00Z, or a date")
    );
    let member = mcsec(&cat, T0, &["--user", "RAM$bob", "-e", "show audit;"]);
    assert_eq!(
        stderr(&member).lines().next(),
        Some("FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:LookupAuditEvents' on {acs:odps:*:tenants/owner/authorization/audit}.")
    );
}

#[test]
fn retention_prunes_old_records_and_off_stops_the_trail() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = dir.path().join("cat");
    let o = mcsec(
        &cat,
        "2026-01-01T00:00:00Z",
        &[
            "-e",
            "create project prj1; alter tenant set audit retention 30 days;",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        mcsec(&cat, "2026-01-20T00:00:00Z", &["-e", "whoami;"])
            .status
            .code(),
        Some(0)
    );
    let count = |now: &str| -> usize {
        let out = mcsec(&cat, now, &["--format", "json", "-e", "show audit;"]);
        json_lines(&out)[0]["result"]["records"]
            .as_array()
            .map_or(0, Vec::len)
    };
    assert_eq!(count("2026-01-25T00:00:00Z"), 3);
    // Seen from 2026-02-10, the records of 2026-01-01 are past the 30-day window.
    assert_eq!(
        count("2026-02-10T00:00:00Z"),
        2,
        "whoami of 01-20 and show audit of 01-25"
    );
    let bad = mcsec(
        &cat,
        T0,
        &["-e", "alter tenant set audit retention 0 days;"],
    );
    assert_eq!(
        stderr(&bad).lines().next(),
        Some("FAILED: invalid audit retention 0 days: expected 1 to 36500 days, or off")
    );
    let off = mcsec(
        &cat,
        "2026-02-11T00:00:00Z",
        &[
            "-e",
            "alter tenant set audit retention off; whoami; whoami;",
        ],
    );
    assert_eq!(off.status.code(), Some(0));
    let export = mcsec(
        &cat,
        "2026-02-12T00:00:00Z",
        &["-e", "show audit since '2026-02-11';"],
    );
    // The statement that switched the trail off is its last record.
    let text = stdout(&export);
    assert_eq!(
        text.matches("| alter tenant set audit retention off ")
            .count(),
        1,
        "{text}"
    );
    assert!(!text.contains("whoami"), "{text}");
    // With the trail off nothing records activity, so the survey calls no user inactive.
    let idle = mcsec(
        &cat,
        "2026-02-11T00:00:00Z",
        &["-e", "use prj1; add user RAM$idle; survey;"],
    );
    assert_eq!(idle.status.code(), Some(0), "{}", stderr(&idle));
    assert!(!stdout(&idle).contains("inactive"), "{}", stdout(&idle));
    let on = mcsec(
        &cat,
        "2026-02-13T00:00:00Z",
        &["-e", "alter tenant set audit retention 365 days; whoami;"],
    );
    assert_eq!(on.status.code(), Some(0));
    let text = stdout(&mcsec(
        &cat,
        "2026-02-14T00:00:00Z",
        &["-e", "show audit since '2026-02-13';"],
    ));
    assert!(
        text.contains("| alter tenant set audit retention 365 days ") && text.contains("| whoami "),
        "{text}"
    );
    let member = mcsec(
        &cat,
        T0,
        &[
            "--user",
            "RAM$bob",
            "-e",
            "alter tenant set audit retention off;",
        ],
    );
    assert!(
        stderr(&member).contains("odps:SetAuditRetention"),
        "{}",
        stderr(&member)
    );
}

/// The three-month tenant of `scripts/gen_audit_tenant.sh`, built once per test run.
fn generated_tenant() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = dir.path().join("cat");
    let work = dir.path().join("work");
    let status = Command::new("bash")
        .arg(root().join("scripts/gen_audit_tenant.sh"))
        .arg(BIN)
        .arg(&cat)
        .arg(&work)
        .status()
        .expect("run the generator");
    assert!(status.success());
    (dir, cat)
}

#[test]
fn the_survey_of_three_months_finds_the_residue_the_idle_user_the_shared_key_and_the_downloads() {
    let (_dir, cat) = generated_tenant();
    let now = "2026-04-01T00:00:00Z";
    let text = mcsec(
        &cat,
        now,
        &[
            "-e",
            "survey tenant; survey project sales inactive 30 days addresses 4; \
             show audit for user RAM$bob denied; show audit in project sales since '2026-03-26' limit 3; \
             use sales; list users; show grants for p4_03508294776234386230;",
        ],
    );
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    golden("survey.out", &stdout(&text));
    let json = mcsec(
        &cat,
        now,
        &["--format", "json", "-e", "survey project sales;"],
    );
    let v = &json_lines(&json)[0]["result"];
    golden(
        "survey.json",
        &format!("{}\n", serde_json::to_string_pretty(v).expect("json")),
    );

    let csv = mcsec(&cat, now, &["audit", "export"]);
    assert_eq!(
        csv.status.code(),
        Some(2),
        "audit export takes --catalog itself"
    );
    let export = |format: &str| {
        Command::new(BIN)
            .args(["audit", "export", "--catalog"])
            .arg(&cat)
            .args([
                "--format",
                format,
                "--user",
                "RAM$bob",
                "--since",
                "2026-03-12",
                "--until",
                "2026-03-19T23:59:59Z",
            ])
            .env("MCSEC_NOW", now)
            .output()
            .expect("export")
    };
    let csv = export("csv");
    assert_eq!(csv.status.code(), Some(0), "{}", stderr(&csv));
    golden("export.csv", &stdout(&csv));
    let jsonl = export("jsonl");
    assert_eq!(jsonl.status.code(), Some(0), "{}", stderr(&jsonl));
    golden("export.jsonl", &stdout(&jsonl));
    let first: serde_json::Value =
        serde_json::from_str(stdout(&jsonl).lines().next().expect("a line")).expect("json");
    for field in [
        "eventTime",
        "userIdentity",
        "sourceIpAddress",
        "eventName",
        "resource",
        "errorCode",
    ] {
        assert!(first.get(field).is_some(), "{field} in {first}");
    }
}

#[test]
fn drop_ram_user_leaves_the_p4_residue_where_a_role_was_held() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cat = dir.path().join("cat");
    let script = "create project prj1; create project prj2; use prj1; create role r; add user RAM$erin; \
        grant r to RAM$erin; create table t (c string); grant Select on table t to user RAM$erin; \
        use prj2; add user RAM$erin; drop ram user RAM$erin; use prj1; list users; use prj2; list users;";
    let o = mcsec(&cat, T0, &["-e", script]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let residue = "p4_03508294776234386230";
    assert_eq!(
        stdout(&o)
            .lines()
            .filter(|l| *l != "OK")
            .collect::<Vec<_>>(),
        vec![residue],
        "the residue in prj1, nothing in prj2"
    );
    let grants = mcsec(
        &cat,
        T0,
        &[
            "--project",
            "prj1",
            "-e",
            &format!("show grants for {residue};"),
        ],
    );
    let text = stdout(&grants);
    assert!(
        text.contains("[roles]\nr\n") && text.contains("Select"),
        "{text}"
    );
    let again = mcsec(&cat, T0, &["-e", "drop ram user RAM$erin;"]);
    assert_eq!(
        stderr(&again).lines().next(),
        Some("FAILED: RAM user RAM$owner:erin is neither a tenant user nor a user of any project")
    );
    let not_ram = mcsec(&cat, T0, &["-e", "drop ram user ALIYUN$x;"]);
    assert_eq!(
        stderr(&not_ram).lines().next(),
        Some("FAILED: drop ram user needs a RAM user (RAM$<account>:<name>), not 'ALIYUN$x'")
    );
}

/// Statements of the kill test, numbered from 0: rounds of an allowed add, an allowed grant,
/// and every tenth round a grant refused to a member (run as that member).
fn kill_script(rounds: usize) -> Vec<String> {
    let mut s = vec![
        "create project prj".to_string(),
        "use prj".to_string(),
        "create table t (c string)".to_string(),
    ];
    for i in 0..rounds {
        s.push(format!("add user RAM$owner:u{i}"));
        s.push(format!("grant Select on table t to user RAM$owner:u{i}"));
        if i % 10 == 9 {
            s.push(format!("login RAM$owner:u{i}"));
            s.push(format!("grant Describe on table t to user RAM$owner:u{i}"));
            s.push("login ALIYUN$owner".to_string());
        }
    }
    s
}

#[test]
fn a_record_survives_sigkill_exactly_when_its_statement_did() {
    let rounds = 12_000;
    let script = kill_script(rounds);
    for kill_after in [1usize, 2_500, 9_000, 20_000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let cat = dir.path().join("cat");
        let file = dir.path().join("kill.sql");
        std::fs::write(
            &file,
            script.iter().map(|s| format!("{s};\n")).collect::<String>(),
        )
        .expect("script");
        let mut child = Command::new(BIN)
            .arg("--catalog")
            .arg(&cat)
            .args(["--keep-going", "-f"])
            .arg(&file)
            .env("MCSEC_NOW", T0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let out = child.stdout.take().expect("stdout");
        let mut printed = 0usize;
        for line in BufReader::new(out).lines() {
            if line.is_err() {
                break;
            }
            printed += 1;
            if printed >= kill_after {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();

        let export = Command::new(BIN)
            .args(["audit", "export", "--catalog"])
            .arg(&cat)
            .env("MCSEC_NOW", T0)
            .output()
            .expect("export");
        assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
        let events: Vec<serde_json::Value> = stdout(&export)
            .lines()
            .map(|l| serde_json::from_str(l).expect("event"))
            .collect();
        // The trail is a prefix of the script, in order, with no gap.
        let recorded: Vec<&str> = events
            .iter()
            .map(|e| e["requestParameters"]["statement"].as_str().unwrap_or(""))
            .collect();
        assert!(recorded.len() <= script.len());
        assert_eq!(
            recorded,
            script[..recorded.len()]
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        );
        // Every statement whose result was printed (a line on stdout each: refusals print
        // none there) has its record.
        let printed_statements = script
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.starts_with("grant Describe"))
            .nth(printed.saturating_sub(1))
            .map_or(0, |(i, _)| i + 1);
        assert!(
            recorded.len() >= printed_statements,
            "kill after {kill_after}: {} records, {printed_statements} printed",
            recorded.len()
        );
        // Exactly the recorded statements took effect.
        let users = Command::new(BIN)
            .arg("--catalog")
            .arg(&cat)
            .args(["--project", "prj", "-e", "list users; show acl for t;"])
            .env("MCSEC_NOW", T0)
            .output()
            .expect("readback");
        let text = stdout(&users);
        let added = recorded
            .iter()
            .filter(|s| s.starts_with("add user"))
            .count();
        let granted = recorded
            .iter()
            .filter(|s| s.starts_with("grant Select"))
            .count();
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("RAM$owner:u"))
                .count(),
            added,
            "kill after {kill_after}"
        );
        assert_eq!(
            text.matches("Select").count(),
            granted,
            "kill after {kill_after}: {text}"
        );
    }
}
