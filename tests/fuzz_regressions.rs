//! Every input the fuzz targets once failed on, replayed through the same checks: the files
//! under `fuzz/regressions/<target>/` go through `fuzz/src/checks.rs` (included here, so the
//! checks are the very ones libFuzzer runs) and must pass. A new crash found by
//! `cargo +nightly fuzz run <target>` is copied there when it is fixed.

#[allow(dead_code)]
#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no inputs under {}", dir.display());
    for input in inputs {
        let data = std::fs::read(&input).expect("a regression input");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails again", input.display());
    }
}

#[test]
fn lexer_and_splitter_inputs_that_once_failed() {
    replay("lex_split", checks::lex_split);
}

#[test]
fn parser_round_trip_inputs_that_once_failed() {
    replay("parse_roundtrip", checks::parse_roundtrip);
}

#[test]
fn policy_inputs_that_once_failed() {
    replay("policy", checks::policy);
}

#[test]
fn script_inputs_that_once_failed() {
    replay("script_exec", checks::script_exec);
}

#[test]
fn slt_reader_inputs_that_once_failed() {
    replay("slt_reader", checks::slt_reader);
}

#[test]
fn http_request_inputs_that_once_failed() {
    replay("http_request", checks::http_request);
}
