//! `mcsec fmt <file>...`: parse each script and print every statement in canonical form.
//!
//! For `grant select ON sale_detail TO ram$owner:bob;` the file is read into memory, then
//! `parser::parse_script` yields one statement at a time; each is printed through `Display`
//! (`grant Select on table sale_detail to user RAM$owner:bob`) plus `;\n` into a buffered
//! writer. Only one AST is alive at a time, so memory is the file plus one statement. The first
//! syntax error stops everything: `FAILED: <file>:<line>:<col>: ...` on stderr, exit code 1.
//! Printing is idempotent: formatting the output again gives the same bytes.

use std::io::{BufWriter, Write};

use crate::parser::parse_script;

/// Format every file in order. Returns the process exit code: 0 when all parsed, 1 at the first
/// unreadable file or syntax error.
pub fn run(paths: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    for path in paths {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                let _ = out.flush();
                let _ = writeln!(err, "FAILED: {path}: {e}");
                return 1;
            }
        };
        let text = match crate::input::decode(&bytes) {
            Ok(text) => text,
            Err(e) => {
                let _ = out.flush();
                let _ = writeln!(err, "FAILED: {path}:{e}");
                return 1;
            }
        };
        for stmt in parse_script(&text, path) {
            match stmt {
                Ok(located) => {
                    if writeln!(out, "{};", located.node).is_err() {
                        return 1;
                    }
                }
                Err(e) => {
                    let _ = out.flush();
                    let _ = writeln!(err, "FAILED: {e}");
                    return 1;
                }
            }
        }
    }
    match out.flush() {
        Ok(()) => 0,
        Err(_) => 1,
    }
}
