//! The line editor's helper: completion, syntax and bracket highlighting.
//!
//! Typing `grant Select on table sa<Tab>` asks [`ShellHelper::complete`] for candidates: the word
//! under the cursor is `sa`, the word before it is `table`, so the grammar expects a table name
//! there and the candidates are the current project's tables starting with `sa` (compared
//! case-insensitively, inserted as the catalog spells them), followed by any keyword starting with
//! `sa`. Highlighting colours the lexer's token classes ([`highlight_tokens`]) and, when the cursor
//! sits on or just after a bracket, the bracket and its partner.

use crate::exec::NameKind;
use crate::lexer::{highlight_tokens, TokenClass};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

const RESET: &str = "\x1b[0m";
const KEYWORD: &str = "\x1b[1;34m";
const STRING: &str = "\x1b[32m";
const NUMBER: &str = "\x1b[33m";
const COMMENT: &str = "\x1b[2m";
const BRACKET_MATCH: &str = "\x1b[1;7m";
const BRACKET_UNMATCHED: &str = "\x1b[1;31m";

pub struct ShellHelper {
    session: Rc<RefCell<dyn super::ShellSession>>,
    color: bool,
    /// The lines of an unfinished statement typed before the line being edited: completion on a
    /// continuation line (`  from cu<Tab>`) needs the statement's first words.
    pending: RefCell<String>,
}

impl ShellHelper {
    pub fn new(session: Rc<RefCell<dyn super::ShellSession>>, color: bool) -> Self {
        ShellHelper {
            session,
            color,
            pending: RefCell::new(String::new()),
        }
    }

    /// Records the unfinished statement's earlier lines (empty at a fresh prompt).
    pub fn set_pending(&self, lines: &str) {
        self.pending.replace(lines.to_string());
    }
}

/// Characters that end a word for completion (a principal such as `RAM$owner:bob` is one word).
fn is_word_boundary(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '=')
}

/// Which catalog names the grammar expects after the words typed so far.
pub fn expected_names(words_before: &[String]) -> Vec<NameKind> {
    let first = words_before.first().map(String::as_str).unwrap_or("");
    let second = words_before.get(1).map(String::as_str).unwrap_or("");
    let Some(previous) = words_before.last() else {
        return Vec::new();
    };
    match previous.as_str() {
        "use" | "project" | "trustedproject" => vec![NameKind::Project],
        "table" | "into" | "download" | "desc" | "describe" => vec![NameKind::Table],
        "user" | "login" => vec![NameKind::User],
        "role" | "principals" => vec![NameKind::Role],
        "package" => vec![NameKind::Package],
        "to" => vec![NameKind::User, NameKind::Role],
        "grant" if first == "grant" => vec![NameKind::Role],
        "for" if first == "show" && second == "acl" => vec![NameKind::Table],
        "for" => vec![NameKind::User],
        "from" => match first {
            "select" | "insert" | "create" | "explain" => vec![NameKind::Table],
            "revoke" | "purge" => vec![NameKind::User, NameKind::Role],
            _ => vec![NameKind::Project],
        },
        _ => Vec::new(),
    }
}

/// The keywords the grammar allows after `statement` that start with `prefix`
/// (case-insensitively), in the case the user is typing.
fn keyword_candidates<'a>(statement: &str, prefix: &'a str) -> impl Iterator<Item = String> + 'a {
    let lower = prefix.to_ascii_lowercase();
    let upper = !prefix.is_empty() && prefix.chars().all(|c| !c.is_ascii_lowercase());
    crate::parser::expected_words(statement)
        .into_iter()
        .filter(move |k| k.starts_with(&lower))
        .map(move |k| {
            if upper {
                k.to_ascii_uppercase()
            } else {
                (*k).to_string()
            }
        })
}

fn starts_with_ignore_case(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len()
        && name.is_char_boundary(prefix.len())
        && name[..prefix.len()].eq_ignore_ascii_case(prefix)
}

impl ShellHelper {
    /// Candidates for the word ending at `pos`: (start of the word, replacements).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = line.get(..pos).unwrap_or(line);
        let start = before.rfind(is_word_boundary).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let prefix = &before[start..];
        let context = format!("{}\n{}", self.pending.borrow(), &before[..start]);
        // The statement being typed starts after the last `;`.
        let statement_start = context.rfind(';').map_or(0, |i| i + 1);
        let words: Vec<String> = context[statement_start..]
            .split(is_word_boundary)
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect();
        let mut out: Vec<String> = Vec::new();
        if let Ok(mut session) = self.session.try_borrow_mut() {
            for kind in expected_names(&words) {
                let mut names: Vec<String> = session
                    .names(kind)
                    .into_iter()
                    .filter(|n| starts_with_ignore_case(n, prefix))
                    .collect();
                names.sort();
                for name in names {
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
        if !prefix.is_empty() || out.is_empty() {
            out.extend(keyword_candidates(&context[statement_start..], prefix));
        }
        (start, out)
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.candidates(line, pos);
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: w.clone(),
                    replacement: w,
                })
                .collect(),
        ))
    }
}

/// The byte offsets of the bracket at or just before `pos` and of its partner (if any).
pub fn matching_bracket(
    line: &str,
    brackets: &[usize],
    pos: usize,
) -> Option<(usize, Option<usize>)> {
    let at = |i: usize| line.as_bytes().get(i).copied();
    let cursor = brackets
        .iter()
        .copied()
        .find(|&i| i == pos)
        .or_else(|| brackets.iter().copied().find(|&i| i + 1 == pos))?;
    let opening = at(cursor) == Some(b'(');
    let mut depth = 0i32;
    let ordered: Vec<usize> = if opening {
        brackets.iter().copied().filter(|&i| i > cursor).collect()
    } else {
        brackets
            .iter()
            .rev()
            .copied()
            .filter(|&i| i < cursor)
            .collect()
    };
    for i in ordered {
        let same_direction = (at(i) == Some(b'(')) == opening;
        if same_direction {
            depth += 1;
        } else if depth == 0 {
            return Some((cursor, Some(i)));
        } else {
            depth -= 1;
        }
    }
    Some((cursor, None))
}

/// `line` with ANSI colours for its tokens and the bracket pair around `pos`.
pub fn colorize(line: &str, pos: usize) -> String {
    let tokens = highlight_tokens(line);
    let brackets: Vec<usize> = tokens
        .iter()
        .filter(|(range, class)| {
            *class == TokenClass::Punct && matches!(line.get(range.clone()), Some("(" | ")"))
        })
        .map(|(range, _)| range.start)
        .collect();
    let pair = matching_bracket(line, &brackets, pos);
    let mut out = String::with_capacity(line.len() + 16 * tokens.len());
    let mut copied = 0;
    for (range, class) in tokens {
        let (Some(gap), Some(text)) = (line.get(copied..range.start), line.get(range.clone()))
        else {
            continue;
        };
        out.push_str(gap);
        let style = match (class, pair) {
            (TokenClass::Punct, Some((cursor, partner)))
                if range.start == cursor || Some(range.start) == partner =>
            {
                Some(if partner.is_some() {
                    BRACKET_MATCH
                } else {
                    BRACKET_UNMATCHED
                })
            }
            (TokenClass::Keyword, _) => Some(KEYWORD),
            (TokenClass::String, _) => Some(STRING),
            (TokenClass::Number, _) => Some(NUMBER),
            (TokenClass::Comment, _) => Some(COMMENT),
            _ => None,
        };
        match style {
            Some(style) => {
                out.push_str(style);
                out.push_str(text);
                out.push_str(RESET);
            }
            None => out.push_str(text),
        }
        copied = range.end;
    }
    out.push_str(line.get(copied..).unwrap_or(""));
    out
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if self.color {
            Cow::Owned(colorize(line, pos))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        // Bracket matching depends on the cursor, so every move may change the colours.
        self.color
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Validator for ShellHelper {}

impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn completions(line: &str) -> Vec<String> {
        let mut session = crate::exec::Session::new(
            crate::catalog::Catalog::memory(),
            crate::exec::SessionOptions::default(),
        );
        let create = crate::parser::parse_statement("create project policies", "t", 1, 1).unwrap();
        session.execute(&create).unwrap();
        let shared: Rc<RefCell<dyn super::super::ShellSession>> = Rc::new(RefCell::new(session));
        let helper = ShellHelper::new(shared, false);
        helper.candidates(line, line.len()).1
    }

    #[test]
    fn only_words_the_grammar_allows_at_the_cursor_are_offered() {
        // `use` takes a project name: the project, not the keyword `policy`.
        assert_eq!(completions("use pol"), vec!["policies"]);
        assert_eq!(completions("gr"), vec!["grant"]);
        assert_eq!(completions("GR"), vec!["GRANT"]);
        assert_eq!(completions("list us"), vec!["users"]);
        assert_eq!(completions("grant Select on ta"), vec!["table"]);
        assert!(completions("show ").contains(&"grants".to_string()));
        assert!(!completions("show ").contains(&"table".to_string()));
        // After a mistake nothing is offered.
        assert_eq!(completions("grnt x "), Vec::<String>::new());
    }

    #[test]
    fn names_expected_where_the_grammar_takes_them() {
        assert_eq!(expected_names(&words("use")), vec![NameKind::Project]);
        assert_eq!(
            expected_names(&words("grant select on table")),
            vec![NameKind::Table]
        );
        assert_eq!(
            expected_names(&words("grant select on table t to user")),
            vec![NameKind::User]
        );
        assert_eq!(
            expected_names(&words("grant select on table t to")),
            vec![NameKind::User, NameKind::Role]
        );
        assert_eq!(
            expected_names(&words("select * from")),
            vec![NameKind::Table]
        );
        assert_eq!(
            expected_names(&words("show package items from")),
            vec![NameKind::Project]
        );
        assert_eq!(expected_names(&words("drop role")), vec![NameKind::Role]);
        assert_eq!(
            expected_names(&words("show acl for")),
            vec![NameKind::Table]
        );
        assert_eq!(expected_names(&words("list")), Vec::<NameKind>::new());
    }

    #[test]
    fn brackets_pair_up_around_the_cursor() {
        let line = "f((a),b)";
        let brackets = [1, 2, 4, 7];
        assert_eq!(matching_bracket(line, &brackets, 1), Some((1, Some(7))));
        assert_eq!(matching_bracket(line, &brackets, 5), Some((4, Some(2))));
        assert_eq!(matching_bracket(line, &brackets, 8), Some((7, Some(1))));
        assert_eq!(matching_bracket(line, &brackets, 6), None);
        assert_eq!(matching_bracket("(a", &[0], 0), Some((0, None)));
    }
}
