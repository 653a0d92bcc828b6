//! Golden scripts of `explain` for management, tenant and sandbox statements
//! (`tests/golden/explain/*.sql`): each transcript must equal the `.out` next to it byte for
//! byte. The harness (running, transcript format, blessing) is `tests/common/golden.rs`.
//!
//! `MCSEC_BLESS=1 cargo test --test explain_golden` rewrites the `.out` files (review the diff).

#[path = "common/golden.rs"]
mod golden;

#[test]
fn explain_scripts_match_their_transcripts() {
    let scripts = golden::scripts("tests/golden/explain");
    assert!(!scripts.is_empty(), "expected the explain scripts");
    golden::check_all(&scripts);
}
