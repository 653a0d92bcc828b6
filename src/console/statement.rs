//! From input text to prepared statements: the lexer's splitter cuts the text at each `;`
//! outside quotes and comments, and each piece is parsed on its own.
//!
//! `use prj;\n  list usrs;` in `s.sql` becomes two [`ScriptStatement`]s: `use prj` at `s.sql:1:1`
//! (statement 1) and `list usrs` at `s.sql:2:3` (statement 2). [`prepare`] turns the first into
//! [`Prepared::Statement`]; the second fails with the parser's positioned error,
//! `s.sql:2:8: expected one of USERS, ...`, because the parser is told where the piece starts in
//! its file. Client commands (`help`, `quit`, ...) are recognised before parsing, since the
//! grammar does not know them; an empty statement (`;;`) is [`Prepared::Empty`], still counted,
//! as odpscmd counts it for `-k`.

use super::client::{self, ClientCommand};
use super::Input;
use crate::ast::Statement;
use crate::error::Error;
use crate::lexer;
use crate::parser;

/// One statement as cut from its input: text without the `;`, where it starts, its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptStatement<'a> {
    pub text: &'a str,
    pub file: &'a str,
    pub line: u32,
    pub col: u32,
    /// 1-based, empty statements counted: the number `-k` takes.
    pub index: usize,
}

/// A statement the console can run: cut from a text it borrows, or owned by a reader of a
/// script in pieces.
pub trait AsStatement {
    fn as_statement(&self) -> ScriptStatement<'_>;
}

impl AsStatement for ScriptStatement<'_> {
    fn as_statement(&self) -> ScriptStatement<'_> {
        self.clone()
    }
}

/// The statements of `input` in order, each positioned in `input.file`.
pub fn statements<'a>(input: &Input<'a>) -> impl Iterator<Item = ScriptStatement<'a>> + 'a {
    let file = input.file;
    lexer::split(input.text).map(move |piece| ScriptStatement {
        text: piece.text,
        file,
        line: piece.line,
        col: piece.col,
        index: piece.index,
    })
}

/// What a statement turned out to be once parsed.
#[derive(Debug)]
pub enum Prepared {
    /// `;;` — nothing to do, nothing printed.
    Empty,
    Client(ClientCommand),
    Statement(Statement),
}

/// Parses one statement (client commands first: they are not part of the grammar).
pub fn prepare(stmt: &ScriptStatement<'_>) -> Result<Prepared, Error> {
    if stmt.text.trim().is_empty() {
        return Ok(Prepared::Empty);
    }
    if let Some(command) = client::recognise(stmt.text) {
        return Ok(Prepared::Client(command));
    }
    parser::parse_statement(stmt.text, stmt.file, stmt.line, stmt.col).map(Prepared::Statement)
}

/// The statement as JSON records show it: canonical for parsed statements, as typed otherwise
/// (client commands, and statements that did not parse).
pub fn statement_label(prepared: Option<&Prepared>, raw: &str) -> String {
    match prepared {
        Some(Prepared::Statement(stmt)) => {
            // The canonical text is about as long as the typed one: sized up front, the
            // formatter's many small writes never regrow it.
            use std::fmt::Write;
            let mut label = String::with_capacity(raw.len() + raw.len() / 4 + 16);
            let _ = write!(label, "{stmt}");
            label
        }
        _ => raw.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_carry_their_position_in_the_file_and_parse_errors_point_into_it() {
        let input = Input {
            text: "use prj;\n  list usrs;;",
            file: "s.sql",
        };
        let pieces: Vec<_> = statements(&input).collect();
        assert_eq!(
            pieces
                .iter()
                .map(|s| (s.text, s.line, s.col, s.index))
                .collect::<Vec<_>>(),
            vec![("use prj", 1, 1, 1), ("list usrs", 2, 3, 2), ("", 2, 13, 3)]
        );
        assert!(matches!(prepare(&pieces[0]), Ok(Prepared::Statement(_))));
        let error = prepare(&pieces[1]).unwrap_err().to_string();
        assert!(
            error.starts_with("s.sql:2:8: expected one of USERS"),
            "{error}"
        );
        assert!(matches!(prepare(&pieces[2]), Ok(Prepared::Empty)));
    }

    #[test]
    fn labels_are_canonical_for_statements_and_as_typed_otherwise() {
        let stmt = ScriptStatement {
            text: "LIST   users",
            file: "f",
            line: 1,
            col: 1,
            index: 1,
        };
        let prepared = prepare(&stmt).unwrap();
        assert_eq!(statement_label(Some(&prepared), stmt.text), "list users");
        assert_eq!(statement_label(None, "  lst users "), "lst users");
        let help = Prepared::Client(ClientCommand::Help(None));
        assert_eq!(statement_label(Some(&help), " HELP "), "HELP");
    }
}
