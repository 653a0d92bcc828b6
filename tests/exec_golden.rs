//! Golden-script tests of the management statements: every `tests/golden/<family>.sql` runs
//! through the `mcsec` binary with `--keep-going`, so one file shows refusals and the state
//! after them; its transcript must equal `tests/golden/<family>.out` byte for byte. The scripts
//! create the tables, resources and functions they grant on with the sandbox's own statements.
//! The harness (running, transcript format, blessing) is `tests/common/golden.rs`.
//!
//! `MCSEC_BLESS=1 cargo test --test exec_golden` rewrites the `.out` files (review the diff).

#[path = "common/golden.rs"]
mod golden;

#[test]
fn golden_scripts_match_their_transcripts() {
    let scripts = golden::scripts("tests/golden");
    assert!(
        scripts.len() >= 8,
        "expected the golden scripts, found {scripts:?}"
    );
    golden::check_all(&scripts);
}
