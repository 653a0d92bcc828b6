//! A script file read in pieces: `mcsec -f apply.sql` never holds the whole file, so a script
//! of a million statements runs in the memory of a few.
//!
//! Follow `mcsec -f apply.sql -k 500000`. [`ScriptFile::open`] reads the file once from start to
//! end, in [`READ_BYTES`] blocks: it checks that every byte is UTF-8 (a file with an invalid
//! byte is refused before anything runs, located as `input::decode` locates it in a whole
//! text) and, since `-k` is given, counts the statements as `lexer::count_statements` would.
//! Then [`ScriptFile::next`] reads it again: each block is decoded and appended to the text
//! left over from the last one, the lexer's splitter cuts that text, every statement ended by
//! a `;` is handed out with its line, column and number in the whole file, and the text after
//! the last `;` — which the next block may extend — waits for it. The splitter treats the rest
//! of its input after an unterminated quote or comment as one statement without a `;`, so a
//! cut is only ever made after a `;` the whole file's split would also end a statement at.

use super::statement::{AsStatement, ScriptStatement};
use crate::input::InvalidUtf8;
use std::collections::VecDeque;
use std::io::{Read, Seek};

/// How much of the file is read at a time.
pub const READ_BYTES: usize = 1 << 20;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One statement of a [`ScriptFile`], owning its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedStatement {
    pub text: String,
    pub line: u32,
    pub col: u32,
    pub index: usize,
}

/// Why a script file cannot be run.
#[derive(Debug)]
pub enum ScriptError {
    Io(std::io::Error),
    InvalidUtf8(InvalidUtf8),
}

/// Where the text not yet cut starts in the file.
#[derive(Debug, Clone, Copy)]
struct Position {
    line: u32,
    col: u32,
    /// Statements handed out before it.
    index: usize,
}

/// The cutting state shared by the checking pass and the run.
struct Cutter {
    /// Bytes read but not yet decoded: the start of a UTF-8 sequence cut by a block's end.
    raw: Vec<u8>,
    /// Decoded text not yet cut into statements.
    text: String,
    at: Position,
    /// Bytes consumed before `raw`, for locating an invalid byte.
    offset: usize,
    /// Whether the next bytes are the file's first (a byte-order mark is dropped there).
    first: bool,
    /// The file's end was read.
    eof: bool,
    /// How many bytes a read asks for ([`READ_BYTES`]; tests cut small files often).
    block: usize,
}

impl Cutter {
    fn new(block: usize) -> Cutter {
        Cutter {
            block: block.max(1),
            raw: Vec::new(),
            text: String::new(),
            at: Position {
                line: 1,
                col: 1,
                index: 0,
            },
            offset: 0,
            first: true,
            eof: false,
        }
    }

    /// Reads one block and returns the text it completes (a UTF-8 sequence cut by the block's
    /// end waits for the next block); sets `eof` at the end of the file.
    fn read_block(&mut self, file: &mut std::fs::File) -> Result<String, ScriptError> {
        let mut block = vec![0u8; self.block];
        let read = loop {
            match file.read(&mut block) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ScriptError::Io(e)),
            }
        };
        self.raw.extend_from_slice(&block[..read]);
        self.eof = read == 0;
        if self.first {
            if self.raw.len() < BOM.len() && !self.eof {
                return Ok(String::new());
            }
            self.first = false;
            if self.raw.starts_with(BOM) {
                self.raw.drain(..BOM.len());
                self.offset += BOM.len();
            }
        }
        let valid = match std::str::from_utf8(&self.raw) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() && !self.eof => e.valid_up_to(),
            Err(e) => return Err(ScriptError::InvalidUtf8(self.locate(e.valid_up_to()))),
        };
        let rest = self.raw.split_off(valid);
        let decoded = std::mem::replace(&mut self.raw, rest);
        self.offset += decoded.len();
        String::from_utf8(decoded)
            .map_err(|e| ScriptError::InvalidUtf8(self.locate(e.utf8_error().valid_up_to())))
    }

    /// Reads one block and cuts the statements it completes into `out`.
    fn step(
        &mut self,
        file: &mut std::fs::File,
        out: &mut VecDeque<OwnedStatement>,
    ) -> Result<(), ScriptError> {
        let text = self.read_block(file)?;
        self.text.push_str(&text);
        self.cut(out);
        Ok(())
    }

    /// Reads one block and checks it, keeping only the position: the check of a run without
    /// `-k`, which needs no count.
    fn check(&mut self, file: &mut std::fs::File) -> Result<(), ScriptError> {
        let text = self.read_block(file)?;
        (self.at.line, self.at.col) = advance(self.at.line, self.at.col, &text);
        Ok(())
    }

    /// Where byte `valid_up_to` of `raw` lies in the file.
    fn locate(&self, valid_up_to: usize) -> InvalidUtf8 {
        let before = std::str::from_utf8(&self.raw[..valid_up_to]).unwrap_or("");
        let whole = format!("{}{before}", self.text);
        let (line, col) = advance(self.at.line, self.at.col, &whole);
        InvalidUtf8 {
            offset: self.offset + valid_up_to,
            line: line as usize,
            column: col as usize,
        }
    }

    /// Moves every statement of `text` that a `;` ends (every statement, at the end of the
    /// file) to `out`, keeping the rest.
    fn cut(&mut self, out: &mut VecDeque<OwnedStatement>) {
        let mut cut_at = 0;
        let mut last = self.at.index;
        for piece in crate::lexer::split(&self.text) {
            if piece.ends_at.is_none() && !self.eof {
                break;
            }
            let (line, col) = if piece.line == 1 {
                (self.at.line, self.at.col + piece.col - 1)
            } else {
                (self.at.line + piece.line - 1, piece.col)
            };
            last = self.at.index + piece.index;
            out.push_back(OwnedStatement {
                text: piece.text.to_string(),
                line,
                col,
                index: last,
            });
            cut_at = piece.ends_at.unwrap_or(self.text.len());
        }
        if self.eof {
            cut_at = self.text.len();
        }
        let (line, col) = advance(self.at.line, self.at.col, &self.text[..cut_at]);
        self.at = Position {
            line,
            col,
            index: last,
        };
        self.text.drain(..cut_at);
    }
}

/// The line and column just past `text`, starting at (`line`, `col`): columns count
/// characters, as the lexer's do.
fn advance(line: u32, col: u32, text: &str) -> (u32, u32) {
    // Bytes, not chars: a newline is one byte, and a character is one byte that is not a UTF-8
    // continuation byte.
    let chars = |s: &[u8]| s.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u32;
    let bytes = text.as_bytes();
    match bytes.iter().rposition(|&b| b == b'\n') {
        Some(newline) => (
            line + bytes.iter().filter(|&&b| b == b'\n').count() as u32,
            chars(&bytes[newline + 1..]) + 1,
        ),
        None => (line, col + chars(bytes)),
    }
}

/// A script file being run statement by statement.
pub struct ScriptFile {
    file: std::fs::File,
    cutter: Cutter,
    ready: VecDeque<OwnedStatement>,
    /// The statement count, when [`ScriptFile::open`] was asked for it.
    total: Option<usize>,
    /// Why reading stopped before the end (the file changed or failed after it was checked).
    failure: Option<ScriptError>,
}

impl ScriptFile {
    /// Opens `path` and checks it from start to end: UTF-8 throughout, and, when `count` is
    /// set, how many statements it holds.
    pub fn open(path: &std::path::Path, count: bool) -> Result<ScriptFile, ScriptError> {
        Self::open_reading(path, count, READ_BYTES)
    }

    /// [`ScriptFile::open`], reading `block` bytes at a time.
    pub fn open_reading(
        path: &std::path::Path,
        count: bool,
        block: usize,
    ) -> Result<ScriptFile, ScriptError> {
        let mut file = std::fs::File::open(path).map_err(ScriptError::Io)?;
        let mut cutter = Cutter::new(block);
        let mut pieces = VecDeque::new();
        let mut total = 0;
        while !cutter.eof {
            if count {
                cutter.step(&mut file, &mut pieces)?;
                total += pieces.len();
                pieces.clear();
            } else {
                cutter.check(&mut file)?;
            }
        }
        file.rewind().map_err(ScriptError::Io)?;
        Ok(ScriptFile {
            file,
            cutter: Cutter::new(block),
            ready: VecDeque::new(),
            total: count.then_some(total),
            failure: None,
        })
    }

    pub fn total(&self) -> Option<usize> {
        self.total
    }

    /// Why the run stopped reading before the end, if it did.
    pub fn failure(&self) -> Option<&ScriptError> {
        self.failure.as_ref()
    }
}

impl Iterator for ScriptFile {
    type Item = OwnedStatement;

    fn next(&mut self) -> Option<OwnedStatement> {
        while self.ready.is_empty() && !self.cutter.eof && self.failure.is_none() {
            if let Err(e) = self.cutter.step(&mut self.file, &mut self.ready) {
                self.failure = Some(e);
            }
        }
        self.ready.pop_front()
    }
}

/// A statement of a script file with the file's name, as the console runs it.
pub struct InFile<'f> {
    pub stmt: OwnedStatement,
    pub file: &'f str,
}

impl AsStatement for InFile<'_> {
    fn as_statement(&self) -> ScriptStatement<'_> {
        ScriptStatement {
            text: &self.stmt.text,
            file: self.file,
            line: self.stmt.line,
            col: self.stmt.col,
            index: self.stmt.index,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The statements of `text` cut whole, as `mcsec -e` cuts them.
    fn whole(text: &str) -> Vec<OwnedStatement> {
        let text = crate::input::strip_bom(text);
        crate::lexer::split(text)
            .map(|p| OwnedStatement {
                text: p.text.to_string(),
                line: p.line,
                col: p.col,
                index: p.index,
            })
            .collect()
    }

    fn in_pieces(text: &[u8], block: usize) -> (Vec<OwnedStatement>, Option<usize>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sql");
        std::fs::write(&path, text).unwrap();
        let counted = ScriptFile::open_reading(&path, true, block)
            .unwrap()
            .total();
        let mut script = ScriptFile::open_reading(&path, false, block).unwrap();
        let got: Vec<OwnedStatement> = script.by_ref().collect();
        assert!(script.failure().is_none());
        (got, counted)
    }

    #[test]
    fn a_script_read_in_small_blocks_cuts_as_the_whole_text_does() {
        let text = "\u{feff}use p;\n  list users; -- a comment; still\n/* a; comment */ grant Select on table t to user RAM$b\u{e9}b;;\nadd user 'x;y'\n;\nwhoami";
        for block in [1, 2, 3, 5, 7, 16, 1000] {
            let (got, counted) = in_pieces(text.as_bytes(), block);
            assert_eq!(got, whole(text), "block {block}");
            assert_eq!(counted, Some(got.len()));
        }
    }

    #[test]
    fn an_unterminated_quote_keeps_the_rest_as_one_statement() {
        let text = "use p;\nadd user 'never; closed;\nlist users;";
        let (got, _) = in_pieces(text.as_bytes(), 4);
        assert_eq!(got, whole(text));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn an_invalid_byte_is_located_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sql");
        std::fs::write(&path, b"use p;\ncreate \xFFtable").unwrap();
        for block in [1, 3, 100] {
            match ScriptFile::open_reading(&path, false, block) {
                Err(ScriptError::InvalidUtf8(e)) => {
                    assert_eq!(
                        e,
                        crate::input::decode(b"use p;\ncreate \xFFtable".to_vec()).unwrap_err()
                    );
                }
                _ => panic!("refused expected"),
            }
        }
        // A sequence cut by the end of the file is invalid too.
        std::fs::write(&path, b"use p;\xE2\x82").unwrap();
        assert!(matches!(
            ScriptFile::open_reading(&path, true, 2),
            Err(ScriptError::InvalidUtf8(e)) if e.offset == 6
        ));
    }

    proptest! {
        #[test]
        fn any_script_cuts_alike_in_pieces_and_whole(
            parts in prop::collection::vec(
                prop_oneof![
                    Just("use p"), Just(";"), Just(" "), Just("\n"), Just("'a;b'"), Just("'"),
                    Just("-- c;\n"), Just("/* ; */"), Just("/*"), Just("\u{e9}"), Just("\"x;\""),
                    Just("list users"), Just("\r\n"),
                ],
                0..40,
            ),
            block in 1usize..12,
        ) {
            let text: String = parts.concat();
            let (got, counted) = in_pieces(text.as_bytes(), block);
            prop_assert_eq!(&got, &whole(&text));
            prop_assert_eq!(counted, Some(got.len()));
        }
    }
}
