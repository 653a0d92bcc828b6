//! `mcsec diagnose` as a CI step: the exit code says whether a finding at or above
//! `--fail-on` exists (3) or not (0); a refused diagnosis is 1, a bad command line 2; the JSON
//! form is the `diagnosis` object on one line.

#[path = "common/cli.rs"]
mod cli;

use std::path::Path;

fn mcsec(catalog: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = cli::on_catalog(catalog, args);
    (run.code, run.stdout, run.stderr)
}

/// A tenant whose only findings are medium (download control) and low (whitelist) ones, and
/// one project `hot` with a high one (labels while LabelSecurity is off).
fn tenant(dir: &Path, with_high: bool) {
    let mut script =
        String::from("create project calm; use calm; create table t (a string); add user RAM$bob;");
    if with_high {
        script.push_str(
            "create project hot; use hot; set ProjectProtection=true; \
             set ObjectCreatorHasGrantPermission=false; create table c (phone string); \
             set label 2 to table c(phone);",
        );
    }
    let (code, _, err) = mcsec(dir, &["-e", &script]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn fail_on_sets_the_exit_code() {
    let high = tempfile::tempdir().expect("dir");
    tenant(high.path(), true);
    let calm = tempfile::tempdir().expect("dir");
    tenant(calm.path(), false);

    // Without --fail-on the findings are printed and the run succeeds.
    let (code, out, _) = mcsec(high.path(), &["diagnose"]);
    assert_eq!(code, Some(0));
    assert!(
        out.starts_with("Diagnosis of the tenant (2 projects): "),
        "{out}"
    );
    assert!(
        out.contains("[HIGH] label-security-off project hot:"),
        "{out}"
    );

    assert_eq!(
        mcsec(high.path(), &["diagnose", "--fail-on", "high"]).0,
        Some(3)
    );
    assert_eq!(
        mcsec(high.path(), &["diagnose", "--fail-on=medium"]).0,
        Some(3)
    );
    assert_eq!(
        mcsec(calm.path(), &["diagnose", "--fail-on", "high"]).0,
        Some(0)
    );
    assert_eq!(
        mcsec(calm.path(), &["diagnose", "--fail-on", "medium"]).0,
        Some(3)
    );
    assert_eq!(
        mcsec(calm.path(), &["diagnose", "--fail-on", "low"]).0,
        Some(3)
    );
    // One project only: `calm` has no high finding even in the tenant that has one.
    assert_eq!(
        mcsec(
            high.path(),
            &["diagnose", "--project", "calm", "--fail-on", "high"]
        )
        .0,
        Some(0)
    );
    // Reporting only what is high: nothing below it is printed, and the level still decides.
    let (code, out, _) = mcsec(
        calm.path(),
        &["diagnose", "--min-risk", "high", "--fail-on", "medium"],
    );
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "Diagnosis of the tenant (1 project): no findings at risk high or above\n"
    );
}

#[test]
fn json_is_the_diagnosis_object() {
    let dir = tempfile::tempdir().expect("dir");
    tenant(dir.path(), true);
    let (code, out, _) = mcsec(
        dir.path(),
        &[
            "diagnose",
            "--format",
            "json",
            "--min-risk",
            "high",
            "--fail-on",
            "high",
        ],
    );
    assert_eq!(code, Some(3));
    assert_eq!(out.lines().count(), 1);
    let d: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(d["type"], "diagnosis");
    assert_eq!(d["scope"], "tenant");
    assert_eq!(d["min_risk"], "high");
    assert_eq!(d["projects"], serde_json::json!(["calm", "hot"]));
    let ids: Vec<&str> = d["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["label-security-off"]);
    assert_eq!(
        d["findings"][0]["fix"],
        serde_json::json!(["use hot;", "set LabelSecurity=true;"])
    );
}

#[test]
fn refusals_and_bad_command_lines() {
    let dir = tempfile::tempdir().expect("dir");
    tenant(dir.path(), false);
    // A RAM user is not the tenant account.
    let (code, out, err) = mcsec(
        dir.path(),
        &["diagnose", "--user", "RAM$bob", "--fail-on", "low"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(out, "");
    assert_eq!(
        err,
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:DiagnoseTenant' on {acs:odps:*:tenants/owner/authorization/projects}.\n"
    );
    // A plain member of a project may not diagnose it.
    let (code, _, err) = mcsec(
        dir.path(),
        &["diagnose", "--user", "RAM$bob", "--project", "calm"],
    );
    assert_eq!(code, Some(1));
    assert!(err.contains("'odps:GetSecurityConfiguration'"), "{err}");
    let (code, _, err) = mcsec(dir.path(), &["diagnose", "--project", "nope"]);
    assert_eq!(code, Some(1));
    assert_eq!(err, "FAILED: ODPS-0420111: Project not found - 'nope'.\n");
    assert_eq!(
        mcsec(dir.path(), &["diagnose", "--fail-on", "severe"]).0,
        Some(2)
    );
    assert_eq!(
        mcsec(dir.path(), &["diagnose", "--format", "yaml"]).0,
        Some(2)
    );
}
