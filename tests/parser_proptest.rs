//! No input makes the lexer, splitter, parser or printer panic; whatever parses also prints to
//! text that parses back to the same AST. 2 × 2048 arbitrary inputs, 2048 mutated corpus
//! statements and 2048 privilege lists of backticked keywords per run (set PROPTEST_CASES to
//! change the count).

use mcsec::lexer::{count_statements, highlight_tokens, is_complete, keywords, split};
use mcsec::parser::{parse_script, parse_statement};
use proptest::prelude::*;

const CORPUS: &str = include_str!("data/parser/corpus.txt");

fn corpus_statements() -> Vec<String> {
    split(CORPUS)
        .filter(|s| !s.text.is_empty())
        .map(|s| s.text.to_string())
        .collect()
}

/// Whatever parses must print and re-parse to the same AST.
fn check(text: &str) {
    let _ = is_complete(text);
    let _ = highlight_tokens(text);
    let _ = count_statements(text);
    for stmt in split(text) {
        if let Ok(ast) = parse_statement(stmt.text, "p.sql", stmt.line, stmt.col) {
            let printed = ast.to_string();
            let again = parse_statement(&printed, "printed", 1, 1);
            assert_eq!(
                again.as_ref().ok(),
                Some(&ast),
                "{text:?} printed as {printed:?}"
            );
        }
    }
    for located in parse_script(text, "p.sql") {
        let _ = located.map(|l| l.node.to_string());
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2048,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_unicode_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn statement_shaped_noise_never_panics(
        text in "((grant|revoke|set|show|add|label|on|table|to|user|role|privilegeproperties|with|exp|\
                   [a-z$@:.]{1,6}|`[a-z;]*`?|'[a-z;]*'?|\"[a-z]*\"?|[0-9.]{1,4}|[(),=*;<>\\-/\\[\\]]|--|/\\*|\\*/|\n) ?){0,30}"
    ) {
        check(&text);
    }

    #[test]
    fn mutated_corpus_statements_never_panic(
        index in 0usize..10_000,
        position in 0usize..10_000,
        op in 0u8..4,
        insert in "[a-z$@:.,;'`\"()*= \n-]{1,3}",
    ) {
        let statements = corpus_statements();
        let original = &statements[index % statements.len()];
        let chars: Vec<char> = original.chars().collect();
        let at = position % (chars.len() + 1);
        let mut mutated: Vec<char> = chars.clone();
        match op {
            0 => { mutated.splice(at..at, insert.chars()); }
            1 => { if at < mutated.len() { mutated.remove(at); } }
            2 => { mutated.truncate(at); }
            _ => { mutated.splice(at..(at + 3).min(mutated.len()), insert.chars()); }
        }
        let text: String = mutated.into_iter().collect();
        check(&text);
    }

    /// Privilege lists whose names are keywords, backticked so that they are names: the print
    /// must keep them names (`revoke `role` on ...` is not a role revoke).
    #[test]
    fn keyword_privilege_names_round_trip(
        names in proptest::collection::vec((0usize..1000, any::<bool>()), 1..4),
        form in 0u8..5,
    ) {
        let words = keywords();
        let privs: Vec<String> = names
            .iter()
            .map(|(n, upper)| {
                let w = words[n % words.len()];
                format!("`{}`", if *upper { w.to_ascii_uppercase() } else { w.to_string() })
            })
            .collect();
        let list = privs.join(", ");
        let text = match form {
            0 => format!("grant {list} on table t to user x"),
            1 => format!("revoke {list} on table t from role w"),
            2 => format!("grant super {list} to user x"),
            3 => format!("add table t to package p with privileges {list}"),
            _ => format!("allow project * to install package p with {list} using label 1"),
        };
        let ast = parse_statement(&text, "p.sql", 1, 1);
        prop_assert!(ast.is_ok(), "{text:?} does not parse: {:?}", ast.err().map(|e| e.to_string()));
        check(&text);
    }
}
