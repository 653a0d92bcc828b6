//! One golden test per `diagnose` check: `tests/golden/diagnose/<check id>.sql` builds a tenant
//! that triggers the check, through the real binary on a catalog directory. Then the harness
//! asks `mcsec diagnose --format json` for the findings, requires at least one of that check,
//! runs every fix statement those findings give (each must succeed — a fix that does not run is
//! a defect), and diagnoses again: the fixed tenant must not trigger the check. The transcript
//! of all of it — the script's statements and results, the fixes and their results, the
//! diagnosis after — must equal `<check id>.out` byte for byte. Every declared check has its
//! script (`every_check_has_a_golden_script`).
//!
//! `MCSEC_BLESS=1 cargo test --test diagnose_golden` rewrites the `.out` files (review the diff).

use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-01-01T00:00:00Z";
const DIR: &str = "tests/golden/diagnose";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mcsec(catalog: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(args)
        .env("MCSEC_CATALOG", catalog)
        .env("MCSEC_NOW", NOW)
        .env_remove("MCSEC_USER")
        .current_dir(root())
        .output()
        .expect("run mcsec");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a script in JSON mode and echoes each statement with what text mode prints.
fn run_script(catalog: &Path, args: &[&str], name: &str, transcript: &mut String) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = mcsec(catalog, &all);
    assert_eq!(code, Some(0), "{name}: {stderr}\n{stdout}");
    for line in stdout.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("a JSON record");
        transcript.push_str(&format!(
            "> {};\n{}\n",
            record["statement"].as_str().unwrap_or_default(),
            record["text"].as_str().unwrap_or_default()
        ));
    }
}

fn findings(catalog: &Path) -> Vec<serde_json::Value> {
    let (code, stdout, stderr) = mcsec(catalog, &["diagnose", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let d: serde_json::Value = serde_json::from_str(stdout.trim()).expect("diagnosis JSON");
    assert_eq!(d["type"], "diagnosis");
    d["findings"].as_array().cloned().unwrap_or_default()
}

fn transcript(script: &Path, id: &str) -> String {
    let catalog = std::env::temp_dir().join(format!("mcsec-diagnose-{id}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&catalog);
    let mut out = String::new();
    let script_arg = script.display().to_string();
    run_script(&catalog, &["-f", &script_arg], id, &mut out);

    let before: Vec<serde_json::Value> = findings(&catalog)
        .into_iter()
        .filter(|f| f["id"] == id)
        .collect();
    assert!(
        !before.is_empty(),
        "{id}: the script does not trigger the check"
    );
    for f in &before {
        assert!(
            f["fix"].as_array().is_some_and(|a| !a.is_empty()),
            "{id}: a finding without a fix: {f}"
        );
    }
    let fixes: Vec<String> = before
        .iter()
        .flat_map(|f| f["fix"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    out.push_str(&format!("-- the fixes of {id}\n"));
    run_script(&catalog, &["-e", &fixes.join("\n")], id, &mut out);

    let after: Vec<serde_json::Value> = findings(&catalog)
        .into_iter()
        .filter(|f| f["id"] == id)
        .collect();
    assert!(
        after.is_empty(),
        "{id}: still found after its fixes: {after:?}"
    );
    out.push_str("-- after the fixes\n");
    let (code, text, stderr) = mcsec(&catalog, &["diagnose"]);
    assert_eq!(code, Some(0), "{stderr}");
    out.push_str(&text);
    let _ = std::fs::remove_dir_all(&catalog);
    out
}

fn scripts() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join(DIR))
        .expect("list the scripts")
        .filter_map(|e| e.ok())
        .map(|e| Path::new(DIR).join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_check_has_a_golden_script() {
    let have: Vec<String> = scripts()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    for check in mcsec::exec::diagnose::CHECKS {
        assert!(
            have.contains(&check.id.to_string()),
            "no script for {}",
            check.id
        );
    }
    assert_eq!(
        have.len(),
        mcsec::exec::diagnose::CHECKS.len(),
        "a script for no check: {have:?}"
    );
}

#[test]
fn each_check_triggers_and_its_fixes_clear_it() {
    let bless = std::env::var_os("MCSEC_BLESS").is_some();
    let mut failures = Vec::new();
    for script in scripts() {
        let id = script
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let got = transcript(&script, &id);
        let out = root().join(script.with_extension("out"));
        if bless {
            std::fs::write(&out, &got).expect("write the transcript");
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got != want {
            let at = got.lines().zip(want.lines()).position(|(g, w)| g != w);
            failures.push(format!(
                "{}: differs at line {}:\n  want: {:?}\n  got:  {:?}",
                script.display(),
                at.map_or(0, |a| a + 1),
                at.and_then(|a| want.lines().nth(a)).unwrap_or("(end)"),
                at.and_then(|a| got.lines().nth(a)).unwrap_or("(end)")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "MCSEC_BLESS=1 rewrites them:\n{}",
        failures.join("\n")
    );
}
