//! PENDING SHIMS — stand-ins for the parser helper's `lexer`, `parser`, `grammar`, `fmt` and
//! `Display for Statement`, which are not on main yet. Deleted when they land.

use crate::ast::Statement;
use crate::error::{Error, Position, Result};
use std::io::Write;
use std::ops::Range;

pub struct StatementText<'a> {
    pub text: &'a str,
    pub line: u32,
    pub col: u32,
    pub index: usize,
}

pub fn split(src: &str) -> impl Iterator<Item = StatementText<'_>> {
    let mut out = Vec::new();
    let (mut line, mut col) = (1u32, 1u32);
    let mut start: Option<(usize, u32, u32)> = None;
    let mut index = 0;
    let mut quote: Option<char> = None;
    for (i, c) in src.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == ';' => {
                index += 1;
                let (s, l, k) = start.take().unwrap_or((i, line, col));
                out.push(StatementText { text: src[s..i].trim_end(), line: l, col: k, index });
            }
            None => {
                if c == '\'' || c == '"' || c == '`' {
                    quote = Some(c);
                }
                if start.is_none() && !c.is_whitespace() {
                    start = Some((i, line, col));
                }
            }
        }
        if c == '\n' {
            line += 1;
            col = 1;
        } else {
            col += 1;
        }
    }
    if let Some((s, l, k)) = start {
        index += 1;
        out.push(StatementText { text: src[s..].trim_end(), line: l, col: k, index });
    }
    out.into_iter()
}

pub fn is_complete(buffer: &str) -> bool {
    buffer.trim_end().ends_with(';')
}

pub fn keywords() -> &'static [&'static str] {
    &["add", "create", "drop", "grant", "list", "project", "revoke", "role", "table", "user", "users", "whoami"]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    String,
    Number,
    Comment,
    Identifier,
    Punct,
}

pub fn highlight_tokens(_line: &str) -> Vec<(Range<usize>, TokenClass)> {
    Vec::new()
}

pub fn parse_statement(_text: &str, file: &str, line: u32, col: u32) -> Result<Statement> {
    Err(Error::Syntax {
        position: Position { file: file.to_string(), line, col },
        message: "the parser is not merged yet".into(),
    })
}

pub fn canonical(_stmt: &Statement, raw: &str) -> String {
    raw.to_string()
}

pub fn families() -> Vec<(&'static str, &'static str)> {
    Vec::new()
}

pub fn help(_keyword: &str) -> Option<String> {
    None
}

pub fn fmt_run(_paths: &[String], _out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let _ = writeln!(err, "fmt is not merged yet");
    2
}
