//! Script bytes to script text, the one way every reader of a `.sql` file decodes it.
//!
//! `mcsec -f grants.sql` reads the file's bytes; [`decode`] drops a UTF-8 byte-order mark
//! (editors on Windows save one, and it would otherwise be lexed as part of the first word:
//! `found '\u{feff}create'`), then checks the rest is UTF-8. Invalid bytes are not replaced
//! (a replacement character would run as part of a name); the file is refused as a whole,
//! before anything runs, with the byte offset and the line and column it falls on, so an
//! editor can go there: `grants.sql:3:7: invalid UTF-8 at byte offset 41`.

use std::fmt;

/// The UTF-8 encoding of U+FEFF.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Bytes that are not UTF-8, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidUtf8 {
    /// Offset of the first invalid byte in the file as read (a byte-order mark included).
    pub offset: usize,
    /// 1-based line and column (in characters) of that byte.
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for InvalidUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: invalid UTF-8 at byte offset {}",
            self.line, self.column, self.offset
        )
    }
}

impl std::error::Error for InvalidUtf8 {}

/// The text of a script file: without a leading byte-order mark, and only when every byte is
/// UTF-8.
/// Takes the bytes by value: a script of tens of megabytes becomes its text without a copy.
pub fn decode(mut bytes: Vec<u8>) -> Result<String, InvalidUtf8> {
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    bytes.drain(..skip);
    String::from_utf8(bytes).map_err(|e| {
        let valid_up_to = e.utf8_error().valid_up_to();
        locate(e.as_bytes(), valid_up_to, skip)
    })
}

/// Decodes a string a front end already holds (`-e`): only the byte-order mark to drop.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn locate(text: &[u8], valid_up_to: usize, skipped: usize) -> InvalidUtf8 {
    // The prefix before the first invalid byte is valid UTF-8 by definition.
    let before = std::str::from_utf8(&text[..valid_up_to]).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    InvalidUtf8 {
        offset: valid_up_to + skipped,
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(decode(b"\xEF\xBB\xBFuse p;".to_vec()).unwrap(), "use p;");
        assert_eq!(decode(b"use p;".to_vec()).unwrap(), "use p;");
        assert_eq!(strip_bom("\u{feff}use p;"), "use p;");
    }

    #[test]
    fn invalid_bytes_are_located() {
        let e = decode(b"use p;\ncreate \xFFtable".to_vec()).unwrap_err();
        assert_eq!((e.offset, e.line, e.column), (14, 2, 8));
        assert_eq!(e.to_string(), "2:8: invalid UTF-8 at byte offset 14");
        // The offset counts the byte-order mark; the column counts characters.
        let e = decode(b"\xEF\xBB\xBF\xE4\xB8\xAD\xC3".to_vec()).unwrap_err();
        assert_eq!((e.offset, e.line, e.column), (6, 1, 2));
    }
}
