//! The golden-script harness shared by `exec_golden` (management families, `tests/golden/`) and
//! `authz_golden` (authorization seed scenarios, `tests/golden/authz/`): every script runs
//! through the real binary, as an administrator rehearsing it would run it, and its transcript
//! must equal the `.out` file next to it byte for byte.
//!
//! Walk `tests/golden/roles.sql` through it: [`transcript`] runs
//! `mcsec --catalog :memory: --keep-going --format json -f tests/golden/roles.sql` from the
//! package root (the scripts name their policy files relative to it) with the clock fixed by
//! `MCSEC_NOW=2026-01-01T00:00:00Z` and as the default principal `ALIYUN$owner`. Each stdout
//! line is one statement's JSON record; the script is cut into statements again (only to echo
//! their source text) and the transcript is, per statement, `> <statement as written>;` then
//! the record's `text` (what text mode prints) or `FAILED: <error>`. Comment lines are not
//! echoed. Along the way the exit code (1 exactly when a statement failed) and stderr (the
//! `FAILED:` line plus `  in statement <n> at <file>:<line>:<col>` per failure) are checked
//! against the records.
//!
//! One directive remains: a line `--@ cat <path>` echoes `>@ cat <path>` and that file's content
//! (a Tunnel download's CSV) at that place in the transcript. The binary runs the whole script
//! at once, so the content is the file as the script left it; the harness deletes the file
//! before the run so that a file from an earlier run cannot pass for this one.
//!
//! `MCSEC_BLESS=1 cargo test --test exec_golden --test authz_golden` rewrites the `.out` files
//! (review the diff).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The clock every golden script runs at.
pub const NOW: &str = "2026-01-01T00:00:00Z";

const CAT_DIRECTIVE: &str = "--@ cat ";

/// The package root: the working directory the scripts' file paths are relative to.
fn package_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.sql` scripts of `dir` (relative to the package root), sorted, as relative paths.
pub fn scripts(dir: &str) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(package_root().join(dir))
        .unwrap_or_else(|e| panic!("cannot list {dir}: {e}"));
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| Path::new(dir).join(entry.file_name()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    files
}

/// A `--@ cat <path>` line: the 1-based line it is on and the file it shows.
struct CatDirective {
    line: u32,
    path: String,
}

fn cat_directives(script: &str, name: &str) -> Vec<CatDirective> {
    let mut directives = Vec::new();
    for (number, line) in (1u32..).zip(script.lines()) {
        if let Some(path) = line.strip_prefix(CAT_DIRECTIVE) {
            directives.push(CatDirective {
                line: number,
                path: path.trim().to_string(),
            });
        } else if line.starts_with("--@") {
            panic!("{name}:{number}: unknown directive {line:?} (only `--@ cat <path>` exists)");
        }
    }
    directives
}

fn echo_cat(directive: &CatDirective, out: &mut String) {
    let content = std::fs::read_to_string(package_root().join(&directive.path))
        .unwrap_or_else(|e| format!("(cannot read {}: {e})\n", directive.path));
    out.push_str(&format!(">@ cat {}\n{content}", directive.path));
}

/// What the binary reported for one script.
struct Run {
    code: Option<i32>,
    records: Vec<serde_json::Value>,
    stderr: String,
}

fn run_binary(script: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args([
            "--catalog",
            ":memory:",
            "--keep-going",
            "--format",
            "json",
            "-f",
        ])
        .arg(script)
        .current_dir(package_root())
        .env("MCSEC_NOW", NOW)
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_CATALOG")
        .env_remove("NO_COLOR")
        .output()
        .unwrap_or_else(|e| panic!("cannot run mcsec on {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let records = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: not a JSON record ({e}): {line}", script.display()))
        })
        .collect();
    Run {
        code: output.status.code(),
        records,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn field<'a>(record: &'a serde_json::Value, key: &str) -> &'a str {
    record[key]
        .as_str()
        .unwrap_or_else(|| panic!("record without a string {key:?}: {record}"))
}

/// Runs `script` (relative to the package root) and builds its transcript.
pub fn transcript(script: &Path) -> String {
    let name = script.display().to_string();
    let source = std::fs::read_to_string(package_root().join(script))
        .unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
    let directives = cat_directives(&source, &name);
    for directive in &directives {
        let path = package_root().join(&directive.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        // Absent already is the state wanted.
        let _ = std::fs::remove_file(&path);
    }

    let mut run = run_binary(script);
    // A --keep-going run ends with its summary, which counts the records before it.
    let summary = run.records.pop().unwrap_or_default();
    let failures = run.records.iter().filter(|r| r["ok"] == false).count();
    assert_eq!(
        summary,
        serde_json::json!({"type": "summary", "statements": run.records.len(), "failed": failures}),
        "{name}: the last record sums the run up"
    );
    let by_index: HashMap<u64, &serde_json::Value> = run
        .records
        .iter()
        .map(|record| {
            let index = record["index"]
                .as_u64()
                .unwrap_or_else(|| panic!("{name}: record without an index: {record}"));
            (index, record)
        })
        .collect();

    let mut out = String::new();
    let mut expected_stderr = String::new();
    let mut pending_directives = directives.iter().peekable();
    for piece in mcsec::lexer::split(&source) {
        if piece.text.trim().is_empty() {
            continue;
        }
        while let Some(directive) = pending_directives.next_if(|d| d.line < piece.line) {
            echo_cat(directive, &mut out);
        }
        out.push_str(&format!("> {};\n", piece.text));
        let Some(record) = by_index.get(&(piece.index as u64)) else {
            out.push_str("(no record: the statement did not run)\n");
            continue;
        };
        if record["ok"] == true {
            out.push_str(field(record, "text"));
        } else {
            let error = field(record, "error");
            out.push_str(&format!("FAILED: {error}\n"));
            expected_stderr.push_str(&format!(
                "FAILED: {error}\n  in statement {} at {name}:{}:{}",
                piece.index, piece.line, piece.col
            ));
            if let (Some(subject), false) =
                (record["subject"].as_str(), record["position"].is_null())
            {
                expected_stderr.push_str(&format!(
                    " ('{subject}' at {name}:{}:{})",
                    record["line"], record["col"]
                ));
            }
            expected_stderr.push('\n');
        }
    }
    for directive in pending_directives {
        echo_cat(directive, &mut out);
    }
    let plural = if run.records.len() == 1 { "" } else { "s" };
    expected_stderr.push_str(&format!(
        "{} statement{plural}, {failures} failed\n",
        run.records.len()
    ));

    let any_failed = run.records.iter().any(|record| record["ok"] == false);
    assert_eq!(
        run.code,
        Some(i32::from(any_failed)),
        "{name}: exit code; stderr:\n{}",
        run.stderr
    );
    assert_eq!(run.stderr, expected_stderr, "{name}: stderr");
    out
}

/// Where `got` first differs from `want`, with the lines around it.
pub fn first_difference(got: &str, want: &str) -> Option<String> {
    if got == want {
        return None;
    }
    let got_lines: Vec<&str> = got.split_inclusive('\n').collect();
    let want_lines: Vec<&str> = want.split_inclusive('\n').collect();
    let at = got_lines
        .iter()
        .zip(&want_lines)
        .position(|(g, w)| g != w)
        .unwrap_or(got_lines.len().min(want_lines.len()));
    let context_start = at.saturating_sub(3);
    let mut report = format!("first difference at line {}:\n", at + 1);
    for line in &want_lines[context_start..at] {
        report.push_str(&format!("    {}", line.trim_end_matches('\n')));
        report.push('\n');
    }
    let show = |line: Option<&&str>| {
        line.map_or_else(|| "(end of file)".to_string(), |l| format!("{l:?}"))
    };
    report.push_str(&format!("  want: {}\n", show(want_lines.get(at))));
    report.push_str(&format!("  got:  {}\n", show(got_lines.get(at))));
    Some(report)
}

/// Checks (or with `MCSEC_BLESS` set, rewrites) every script's `.out` file; panics listing each
/// mismatch.
pub fn check_all(scripts: &[PathBuf]) {
    let bless = std::env::var_os("MCSEC_BLESS").is_some();
    let mut failures = Vec::new();
    for script in scripts {
        let got = transcript(script);
        let out = package_root().join(script.with_extension("out"));
        if bless {
            std::fs::write(&out, &got)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if let Some(difference) = first_difference(&got, &want) {
            failures.push(format!("{}: {difference}", script.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "transcripts differ (MCSEC_BLESS=1 rewrites them; review the diff):\n{}",
        failures.join("\n")
    );
}
