//! Golden scripts of the authorizer's seed scenarios (a)–(f): every
//! `tests/golden/authz/<name>.sql` runs through the `mcsec` binary with `--keep-going`, so one
//! file shows a refusal, the change that lifts it, and the success after it; its transcript must
//! equal `tests/golden/authz/<name>.out` byte for byte. The harness (running, transcript format,
//! `--@ cat`, blessing) is `tests/common/golden.rs`.
//!
//! `MCSEC_BLESS=1 cargo test --test authz_golden` rewrites the `.out` files (review the diff).

#[path = "common/golden.rs"]
mod golden;

#[test]
fn seed_scenarios_match_their_transcripts() {
    let scripts = golden::scripts("tests/golden/authz");
    assert_eq!(
        scripts.len(),
        6,
        "expected the six seed scenarios, found {scripts:?}"
    );
    golden::check_all(&scripts);
}
