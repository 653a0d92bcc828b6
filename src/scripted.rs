//! Front end: `mcsec test <files|dirs>...`, the runner of scripted tests.
//!
//! Walk `mcsec test scripts/lessons tests/slt/failing/wrong_rows.slt` through [`run`]: the
//! directory is searched for `*.slt` files (sorted, subdirectories included), the file is taken
//! as it is ([`collect`]). Each file runs on its own sandbox ([`crate::slt::run_file`]) and
//! gets one line, `PASS <file> (<n> records)`, or `FAIL <file>:<line>: <what differed>` with
//! the expected and actual lines after it; the report closes with `N passed, M failed` and the
//! exit code is 1 when any file failed (or a path named nothing). With `--complete` each file
//! is rewritten in place ([`crate::slt::complete_file`]) and reported as `UPDATED` or
//! `UNCHANGED`; with `--format json` every file is one JSON object per line and the closing
//! line is `{"passed": N, "failed": M}`.

use crate::console::Format;
use crate::slt::{self, Failure, FileReport};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct TestOptions {
    pub paths: Vec<PathBuf>,
    pub complete: bool,
    pub format: Format,
}

/// The `.slt` files of `paths`, or the failure of a path that names none.
pub fn collect(paths: &[PathBuf]) -> Vec<Result<PathBuf, Failure>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found);
            found.sort();
            if found.is_empty() {
                out.push(Err(Failure {
                    file: path.display().to_string(),
                    line: 0,
                    message: "no .slt files in this directory".into(),
                }));
            }
            out.extend(found.into_iter().map(Ok));
        } else if path.exists() {
            out.push(Ok(path.clone()));
        } else {
            out.push(Err(Failure {
                file: path.display().to_string(),
                line: 0,
                message: "no such file or directory".into(),
            }));
        }
    }
    out
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, found);
        } else if path.extension().is_some_and(|e| e == "slt") {
            found.push(path);
        }
    }
}

/// One file's line(s) in the text report.
pub fn text_line(report: &FileReport) -> String {
    match &report.failure {
        None => format!("PASS {} ({} records)\n", report.file, report.records),
        Some(failure) if failure.file != report.file => {
            format!("FAIL {}: in {failure}\n", report.file)
        }
        Some(failure) => format!("FAIL {failure}\n"),
    }
}

fn failure_json(failure: &Failure) -> serde_json::Value {
    json!({ "file": failure.file, "line": failure.line, "message": failure.message })
}

/// Runs (or completes) every file; returns the exit code.
pub fn run(options: &TestOptions, out: &mut dyn Write) -> i32 {
    let (mut passed, mut failed) = (0usize, 0usize);
    for item in collect(&options.paths) {
        let line = match item {
            Err(failure) => {
                failed += 1;
                match options.format {
                    Format::Text => format!("FAIL {failure}\n"),
                    Format::Json => format!(
                        "{}\n",
                        json!({ "file": failure.file, "ok": false, "records": 0, "failure": failure_json(&failure) })
                    ),
                }
            }
            Ok(path) if options.complete => {
                let name = path.display().to_string();
                let outcome = slt::complete_file(&path);
                match &outcome {
                    Ok(_) => passed += 1,
                    Err(_) => failed += 1,
                }
                match (options.format, outcome) {
                    (Format::Text, Ok(true)) => format!("UPDATED {name}\n"),
                    (Format::Text, Ok(false)) => format!("UNCHANGED {name}\n"),
                    (Format::Text, Err(failure)) => format!("FAIL {failure}\n"),
                    (Format::Json, Ok(updated)) => format!(
                        "{}\n",
                        json!({ "file": name, "ok": true, "updated": updated, "failure": null })
                    ),
                    (Format::Json, Err(failure)) => format!(
                        "{}\n",
                        json!({ "file": name, "ok": false, "updated": false, "failure": failure_json(&failure) })
                    ),
                }
            }
            Ok(path) => {
                let report = slt::run_file(&path);
                if report.failure.is_some() {
                    failed += 1;
                } else {
                    passed += 1;
                }
                match options.format {
                    Format::Text => text_line(&report),
                    Format::Json => format!(
                        "{}\n",
                        json!({
                            "file": report.file,
                            "ok": report.failure.is_none(),
                            "records": report.records,
                            "failure": report.failure.as_ref().map(failure_json),
                        })
                    ),
                }
            }
        };
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
    let summary = match options.format {
        Format::Text => format!("{passed} passed, {failed} failed\n"),
        Format::Json => format!("{}\n", json!({ "passed": passed, "failed": failed })),
    };
    let _ = out.write_all(summary.as_bytes());
    let _ = out.flush();
    i32::from(failed > 0)
}
