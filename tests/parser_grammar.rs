//! Keeps grammar/mcsec.ebnf and the parser in step.

use std::collections::BTreeSet;

use mcsec::grammar::{families, help, parsed_families, statement_variants, variant_name};
use mcsec::lexer::{keywords, split};
use mcsec::parser::{parse_statement, statement_keywords};

const CORPUS: &str = include_str!("data/parser/corpus.txt");

#[test]
fn every_statement_variant_is_named_by_exactly_one_family() {
    let mut named: Vec<&str> = parsed_families()
        .iter()
        .flat_map(|f| f.variants.clone())
        .collect();
    named.sort_unstable();
    let mut all: Vec<&str> = statement_variants().to_vec();
    all.sort_unstable();
    assert_eq!(named, all);
}

#[test]
fn every_family_has_a_corpus_example_of_each_variant_that_parses() {
    let mut by_variant = std::collections::BTreeMap::new();
    for stmt in split(CORPUS).filter(|s| !s.text.is_empty()) {
        let parsed = parse_statement(stmt.text, "corpus.sql", stmt.line, stmt.col)
            .map_err(|e| e.to_string());
        let node = parsed.as_ref().expect("corpus parses");
        let first = stmt
            .text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        by_variant
            .entry(variant_name(node))
            .or_insert_with(BTreeSet::new)
            .insert(first);
    }
    for family in parsed_families() {
        for variant in &family.variants {
            let starts = by_variant
                .get(variant)
                .unwrap_or_else(|| panic!("{variant} has no corpus example"));
            for s in starts {
                assert!(
                    family.starts.contains(&s.as_str()),
                    "{variant} starts with {s}, not in {}'s starts",
                    family.name
                );
            }
        }
    }
}

#[test]
fn start_keywords_are_exactly_the_parser_dispatch_words() {
    let from_grammar: BTreeSet<&str> = parsed_families()
        .iter()
        .flat_map(|f| f.starts.clone())
        .collect();
    let from_parser: BTreeSet<&str> = statement_keywords().into_iter().collect();
    assert_eq!(from_grammar, from_parser);
}

#[test]
fn every_quoted_terminal_is_a_keyword_or_punctuation() {
    let ebnf = mcsec::grammar::EBNF;
    let kws: BTreeSet<&str> = keywords().iter().copied().collect();
    let mut rest = ebnf;
    let mut checked = 0;
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let terminal = &after[..end];
        rest = &after[end + 1..];
        if terminal.chars().all(|c| c.is_ascii_alphabetic()) {
            assert!(
                kws.contains(terminal),
                "{terminal} is not in lexer::keywords()"
            );
            checked += 1;
        } else {
            assert!(terminal.chars().count() == 1, "odd terminal {terminal:?}");
        }
    }
    assert!(checked > 100);
}

#[test]
fn help_lists_families_and_their_productions() {
    let fams = families();
    assert_eq!(fams.len(), 34);
    assert_eq!(
        fams[0],
        ("users", "add, remove and list project users; whoami")
    );
    let grant = help("GRANT").expect("grant has help");
    assert!(grant.starts_with("-- role_grants (§2.1, §2.4): grant or revoke one or several roles"));
    for family in ["acl", "super", "label_grants"] {
        assert!(grant.contains(&format!("-- {family} (")), "{family}");
    }
    assert!(help("whoami").is_some_and(|h| h.contains("| \"whoami\" ;")));
    assert_eq!(help("frobnicate"), None);
    assert!(help("diagnose").is_some_and(|h| h.starts_with(
        "-- diagnose (sandbox (security check)): find security risks of a project or of the tenant"
    )));
    assert!(help("create").is_some_and(|h| h.contains("-- workspaces (sandbox (DataWorks)):")));
    assert!(help("show").is_some_and(|h| h.contains("outflow = \"show\" \"outflow\" \"paths\"")));
}
