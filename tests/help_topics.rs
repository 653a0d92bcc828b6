//! `help <keyword>;`: every statement family has an explanation and an example, every example
//! runs as printed on the sandbox tenant of `EXAMPLE_SETUP`, and no help text cites a section
//! of a document the user does not have.

use mcsec::console::help::{topic_text, EXAMPLE_SETUP, TOPICS};
use std::process::Command;

#[test]
fn every_family_has_a_topic_and_every_example_runs() {
    let families = mcsec::grammar::parsed_families();
    for family in &families {
        assert!(
            TOPICS.iter().any(|(name, _, _)| *name == family.name),
            "no help topic for {}",
            family.name
        );
    }
    assert_eq!(TOPICS.len(), families.len(), "a topic for a family that does not exist");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("udf.jar"), "jar").unwrap();
    for (name, _, example) in TOPICS {
        let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
            .args(["--catalog", ":memory:", "-e", &format!("{EXAMPLE_SETUP} {example}")])
            .current_dir(dir.path())
            .env("HOME", dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "help {name}: {example}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn help_explains_first_then_shows_the_grammar_without_document_sections() {
    let text = topic_text("grant").unwrap();
    assert!(text.starts_with(
        "role_grants: grant or revoke one or several roles to or from principals\n  Granting a role to a user gives the user every privilege of the role.\n  Example:\n    grant worker to RAM$owner:bob; show grants for RAM$owner:bob;\n  Syntax:\n    role_grants = \"grant\""
    ), "{text}");
    for family in mcsec::grammar::parsed_families() {
        let text = topic_text(family.name).unwrap();
        assert!(!text.contains('§'), "{}: {text}", family.name);
    }
    let listing = mcsec::console::client::help_text(None).unwrap();
    assert!(!listing.contains('§'));
    assert!(topic_text("frobnicate").is_none());
}
