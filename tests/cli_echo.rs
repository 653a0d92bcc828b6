//! `mcsec -a`/`--echo`: each statement before its result, so that a script's output reads as
//! a transcript — the same transcript the golden files hold.

#[path = "common/cli.rs"]
mod cli;

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mcsec(args: &[&str]) -> (Option<i32>, String, String) {
    let run = cli::mcsec_with(root(), &[("MCSEC_NOW", "2026-01-01T00:00:00Z")], args);
    (run.code, run.stdout, run.stderr)
}

#[test]
fn each_statement_is_echoed_before_its_result_and_a_failure_after_its_echo() {
    let (code, stdout, stderr) = mcsec(&[
        "--catalog",
        ":memory:",
        "-a",
        "-e",
        "create project prj1; -- a comment\nlist\n  projects;;use nope; list projects;",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stdout,
        "> create project prj1;\nOK\n> list\n  projects;\nprj1\n> use nope;\n"
    );
    assert_eq!(
        stderr,
        "FAILED: ODPS-0420111: Project not found - 'nope'.\n  in statement 4 at <cmdline>:3:13 ('nope' at <cmdline>:3:17)\n"
    );
    let (_, long, _) = mcsec(&["--catalog", ":memory:", "--echo", "-e", "whoami;"]);
    assert!(
        long.starts_with("> whoami;\nName: ALIYUN$owner\n"),
        "{long}"
    );
}

#[test]
fn echo_adds_nothing_to_json() {
    let (code, stdout, _) = mcsec(&[
        "--catalog",
        ":memory:",
        "-a",
        "--format",
        "json",
        "-e",
        "list projects;",
    ]);
    assert_eq!(code, Some(0));
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.starts_with('{'), "{stdout}");
}

#[test]
fn an_echoed_golden_script_prints_its_transcript() {
    let mut scripts: Vec<String> = std::fs::read_dir(root().join("tests/golden"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| format!("tests/golden/{}", e.file_name().to_string_lossy()))
        .filter(|p| p.ends_with(".sql"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 8, "{scripts:?}");
    for script in scripts.iter().map(String::as_str) {
        let (_, stdout, _) = mcsec(&["--catalog", ":memory:", "-a", "--keep-going", "-f", script]);
        let golden = std::fs::read_to_string(root().join(script).with_extension("out")).unwrap();
        let without_failures: String = golden
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("FAILED: "))
            .collect();
        assert_eq!(stdout, without_failures, "{script}");
    }
}
