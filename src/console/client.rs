//! Client commands: statements the console answers itself, as odpscmd's console does, because
//! they are not part of the security language: `help;` / `h;`, `help <keyword>;`, `history;`,
//! and `quit;` / `q;` / `exit;`.
//!
//! `help grant;` is recognised here as `Help(Some("grant"))`, and [`help_text`] answers it with
//! the syntax the grammar module holds for statements starting with `grant` — the same source
//! the parser is checked against, so help never drifts from what parses. `history;` lists what
//! the front end remembers ([`super::Frontend::history`]) through [`history_listing`].

use crate::error::{Error, Result};
use crate::grammar;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientCommand {
    Help(Option<String>),
    History,
    Quit,
}

/// Recognises a client command in one statement's text (without `;`), case-insensitively.
pub fn recognise(text: &str) -> Option<ClientCommand> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    // Every statement of a script passes here: a first word that no client command has ends
    // it before the rest of the statement is looked at (or anything is allocated).
    let is = |word: &str| first.eq_ignore_ascii_case(word);
    if is("help") || is("h") {
        let rest: Vec<&str> = words.collect();
        return Some(ClientCommand::Help(
            (!rest.is_empty()).then(|| rest.join(" ")),
        ));
    }
    let alone = words.next().is_none();
    if is("history") {
        return alone.then_some(ClientCommand::History);
    }
    if is("quit") || is("q") || is("exit") {
        return alone.then_some(ClientCommand::Quit);
    }
    None
}

/// `help;` lists the statement families; `help <keyword>;` prints their syntax.
pub fn help_text(keyword: Option<&str>) -> Result<String> {
    match keyword {
        None => {
            let mut text = String::from(
                "Statements (type \"help <keyword>;\" for an explanation, an example and the syntax):\n",
            );
            let families = grammar::families();
            let width = families
                .iter()
                .map(|(name, _)| name.len())
                .max()
                .unwrap_or(0);
            for (name, summary) in families {
                text.push_str(&format!("  {name:<width$}  {summary}\n"));
            }
            text.push_str("Shell: help [<keyword>]; history; quit; (also q; exit;)\n");
            Ok(text)
        }
        Some(keyword) => super::help::topic_text(keyword).ok_or_else(|| {
            Error::usage(format!(
                "no statement starts with '{keyword}'; type \"help;\" for the list"
            ))
        }),
    }
}

/// `history;`: the entries oldest first, numbered from 1; a multi-line entry's later lines are
/// indented under its first.
pub fn history_listing(entries: &[String]) -> String {
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| format!("{:>5}  {}\n", i + 1, entry.replace('\n', "\n       ")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_client_commands_case_insensitively() {
        assert_eq!(recognise("HELP"), Some(ClientCommand::Help(None)));
        assert_eq!(recognise("h"), Some(ClientCommand::Help(None)));
        assert_eq!(
            recognise("help  Grant"),
            Some(ClientCommand::Help(Some("Grant".into())))
        );
        assert_eq!(recognise("Quit"), Some(ClientCommand::Quit));
        assert_eq!(recognise("q"), Some(ClientCommand::Quit));
        assert_eq!(recognise("exit"), Some(ClientCommand::Quit));
        assert_eq!(recognise("history"), Some(ClientCommand::History));
        assert_eq!(recognise("quit now"), None);
        assert_eq!(recognise("list users"), None);
        assert_eq!(recognise(""), None);
    }

    #[test]
    fn history_lists_entries_numbered_with_continuation_lines_indented() {
        let entries = vec!["list users;".to_string(), "drop role\nr;".to_string()];
        assert_eq!(
            history_listing(&entries),
            "    1  list users;\n    2  drop role\n       r;\n"
        );
        assert_eq!(history_listing(&[]), "");
    }
}
