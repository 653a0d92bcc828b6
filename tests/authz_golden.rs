//! Golden scripts of the authorizer's seed scenarios (issue 5, (a)–(f)): every
//! `tests/golden/authz/<name>.sql` is cut into statements, each parsed and run through one
//! `Session` on an in-memory catalog with the clock fixed at 2026-01-01T00:00:00Z, and the
//! transcript (`> <statement>;` then its output or `FAILED: <error>`) must equal
//! `tests/golden/authz/<name>.out` byte for byte. Unlike `mcsec -f`, a failure does not stop the
//! script, so one file shows a refusal, the change that lifts it, and the success after it.
//!
//! `MCSEC_BLESS=1 cargo test --test authz_golden` rewrites the `.out` files (review the diff).
//! A line `--@ cat <path>` appends that file's content (a Tunnel download's CSV) as `>@ ...`.

use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::path::{Path, PathBuf};

/// 2026-01-01T00:00:00Z
const NOW: i64 = 1_767_225_600;

fn run_chunk(session: &mut Session, chunk: &str, file: &str, first_line: u32, out: &mut String) {
    for st in mcsec::lexer::split(chunk) {
        if st.text.trim().is_empty() {
            continue;
        }
        out.push_str(&format!("> {};\n", st.text));
        let result =
            mcsec::parser::parse_statement(st.text, file, st.line + first_line - 1, st.col)
                .and_then(|stmt| session.execute(&stmt));
        match result {
            Ok(o) => out.push_str(&o.text),
            Err(e) => out.push_str(&format!("FAILED: {e}")),
        }
        out.push('\n');
    }
}

fn transcript(script: &str, file: &str) -> String {
    let options = SessionOptions {
        user: "ALIYUN$owner".into(),
        source_ip: "127.0.0.1".into(),
        now: Some(NOW),
    };
    let mut session = Session::new(Catalog::memory(), options);
    let mut out = String::new();
    let mut chunk = String::new();
    let mut chunk_line = 1u32;
    for (i, line) in script.lines().enumerate() {
        if let Some(path) = line.strip_prefix("--@ cat ") {
            run_chunk(&mut session, &chunk, file, chunk_line, &mut out);
            chunk.clear();
            chunk_line = i as u32 + 2;
            let content = std::fs::read_to_string(path)
                .unwrap_or_else(|e| format!("(cannot read {path}: {e})\n"));
            out.push_str(&format!(">@ cat {path}\n{content}"));
        } else {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    run_chunk(&mut session, &chunk, file, chunk_line, &mut out);
    out
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/authz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    files.sort();
    files
}

#[test]
fn seed_scenarios_match_their_transcripts() {
    // Policy files and download paths are relative to the package root, as a user's cwd would be.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    std::fs::create_dir_all("target/authz-golden").unwrap();
    let bless = std::env::var_os("MCSEC_BLESS").is_some();
    let files = scripts();
    assert_eq!(
        files.len(),
        6,
        "expected the six seed scenarios, found {files:?}"
    );
    let mut failures = Vec::new();
    for sql in files {
        let script = std::fs::read_to_string(&sql).unwrap();
        let name = sql.file_name().unwrap().to_string_lossy().to_string();
        let got = transcript(&script, &name);
        let out = sql.with_extension("out");
        if bless {
            std::fs::write(&out, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&out).unwrap_or_default();
        if got != want {
            let first = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            failures.push(format!(
                "{name}: first difference at line {}:\n  got:  {:?}\n  want: {:?}",
                first + 1,
                got.lines().nth(first),
                want.lines().nth(first)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
