//! Golden-script tests of the management statements: every `tests/golden/<family>.sql` is cut
//! into statements, each parsed and run through one `Session` on an in-memory catalog with the
//! clock fixed at 2026-01-01T00:00:00Z, and the transcript (`> <statement>;` then its output or
//! `FAILED: <error>`) must equal `tests/golden/<family>.out` byte for byte. Unlike `mcsec -f`, a
//! failure does not stop the script, so one file shows refusals and the state after them.
//!
//! `MCSEC_BLESS=1 cargo test --test exec_golden` rewrites the `.out` files (review the diff).
//!
//! Lines `--@ table <p>.<t> <col>:<type> ... [creator <principal>]` and
//! `--@ object <function|resource|instance> <p>.<name> [creator <principal>]` seed sandbox objects
//! straight into the catalog, so these scripts do not depend on the data statements (another
//! module); they are echoed as `>@ ...` in the transcript.

use mcsec::catalog::model::{Column, NamedObject, ObjectType, Table};
use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::path::{Path, PathBuf};

/// 2026-01-01T00:00:00Z
pub const NOW: i64 = 1_767_225_600;

fn transcript(script: &str, file: &str) -> String {
    let mut session = Session::new(
        Catalog::memory(),
        SessionOptions { user: "ALIYUN$owner".into(), source_ip: "127.0.0.1".into(), now: Some(NOW) },
    );
    let mut out = String::new();
    let mut chunk = String::new();
    let mut chunk_line = 1u32;
    for (i, line) in script.lines().enumerate() {
        if let Some(directive) = line.strip_prefix("--@ ") {
            run_chunk(&mut session, &chunk, file, chunk_line, &mut out);
            chunk.clear();
            chunk_line = i as u32 + 2;
            seed(&session, directive);
            out.push_str(&format!(">@ {directive}\n"));
        } else {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    run_chunk(&mut session, &chunk, file, chunk_line, &mut out);
    out
}

fn seed(session: &Session, directive: &str) {
    let words: Vec<&str> = directive.split_whitespace().collect();
    let creator = words.iter().position(|w| *w == "creator").map(|i| words[i + 1].to_string()).unwrap_or_else(|| "ALIYUN$owner".into());
    let cat = session.catalog();
    let mut txn = cat.begin();
    match words.as_slice() {
        ["table", name, rest @ ..] => {
            let (p, t) = name.split_once('.').unwrap();
            let columns = rest
                .iter()
                .take_while(|w| **w != "creator")
                .map(|c| {
                    let (n, ty) = c.split_once(':').unwrap();
                    Column { name: n.into(), data_type: ty.into(), label: None }
                })
                .collect();
            txn.put_table(p, &Table { name: t.into(), columns, label: 0, creator, created_at: NOW }).unwrap();
        }
        ["object", kind, name, ..] => {
            let kind = match *kind {
                "function" => ObjectType::Function,
                "resource" => ObjectType::Resource,
                "instance" => ObjectType::Instance,
                other => panic!("unknown object kind {other}"),
            };
            let (p, n) = name.split_once('.').unwrap();
            txn.put_object(p, &NamedObject { kind, name: n.into(), creator, created_at: NOW, detail: String::new() }).unwrap();
        }
        _ => panic!("bad directive {directive}"),
    }
    cat.commit(txn).unwrap();
}

fn run_chunk(session: &mut Session, chunk: &str, file: &str, first_line: u32, out: &mut String) {
    for st in mcsec::lexer::split(chunk) {
        if st.text.trim().is_empty() {
            continue;
        }
        out.push_str(&format!("> {};\n", st.text));
        let result = mcsec::parser::parse_statement(st.text, file, st.line + first_line - 1, st.col).and_then(|stmt| session.execute(&stmt));
        match result {
            Ok(o) => out.push_str(&o.text),
            Err(e) => out.push_str(&format!("FAILED: {e}")),
        }
        out.push('\n');
    }
}

fn scripts() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    files.sort();
    files
}

#[test]
fn golden_scripts_match_their_transcripts() {
    // Policy files are named relative to the package root, as a user's cwd would be.
    std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
    let bless = std::env::var_os("MCSEC_BLESS").is_some();
    let files = scripts();
    assert!(files.len() >= 8, "expected the golden scripts, found {files:?}");
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
            let first = got.lines().zip(want.lines()).position(|(a, b)| a != b).unwrap_or(got.lines().count().min(want.lines().count()));
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
