//! `mcsec fmt [--check | --write] <file>...`: every statement in canonical form, comments and
//! blank lines kept.
//!
//! Walk this file through [`format_source`]:
//!
//! ```sql
//! -- grants for the sales team
//!
//! grant select ON sale_detail      -- the fact table
//!   TO ram$owner:bob;  -- expires never
//! ```
//!
//! The lexer yields the tokens with their byte spans; whatever lies between two tokens is blanks
//! and comments, so [`comments_in`] finds the comments there without a second grammar. The
//! first comment is before any statement: a leading comment, on its own line. The blank line
//! after it is kept (one, however many there were). `-- the fact table` lies inside the
//! statement: a statement prints on one line, so the comment moves to its own line just before
//! it, keeping its place among the comments. The tokens up to `;` are parsed
//! ([`parser::LexedParser`]) and printed through `Display`
//! (`grant Select on table sale_detail to user RAM$owner:bob;`); `-- expires never` starts on
//! the line of the `;`, so it stays at the end of that line. The result:
//!
//! ```sql
//! -- grants for the sales team
//!
//! -- the fact table
//! grant Select on table sale_detail to user RAM$owner:bob; -- expires never
//! ```
//!
//! Formatting is idempotent, and every comment of the input is in the output, in order
//! (`tests/fmt_comments.rs` checks both on random scripts). A file with a syntax error prints
//! nothing and reports `FAILED: <file>:<line>:<col>: ...`; the other files are still
//! formatted. `--check` prints a unified diff for each file that is not canonical and changes
//! nothing; `--write` rewrites such files in place (through a temporary file renamed over the
//! original). Exit code: 0 all files canonical (or formatted), 1 a syntax error or, with
//! `--check`, a file that is not canonical, 2 a file that cannot be read or written.

use std::io::{BufWriter, Write};
use std::path::Path;

use crate::lexer::{Lexer, Token};
use crate::parser;

/// What `mcsec fmt` does with each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print the canonical text on stdout.
    Print,
    /// Print a diff of each file that is not canonical; change nothing.
    Check,
    /// Rewrite each file that is not canonical.
    Write,
}

/// A comment as written, and whether a blank line came before it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Comment<'a> {
    text: &'a str,
    blank_before: bool,
    /// Starts on the line where the preceding token ends.
    same_line: bool,
}

/// The comments in `gap`, text between two tokens (blanks and comments only, as the lexer
/// skipped them). A line comment ends before its newline, without trailing blanks.
fn comments_in(gap: &str) -> Vec<Comment<'_>> {
    let bytes = gap.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut newlines) = (0usize, 0usize);
    let mut seen_line_break = false;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'\n', _) => {
                newlines += 1;
                seen_line_break = true;
                i += 1;
            }
            (b'-', Some(b'-')) => {
                let end = gap[i..].find('\n').map_or(gap.len(), |n| i + n);
                out.push(Comment {
                    text: gap[i..end].trim_end(),
                    blank_before: newlines >= 2,
                    same_line: !seen_line_break,
                });
                newlines = 0;
                i = end;
            }
            (b'/', Some(b'*')) => {
                let end = gap[i + 2..].find("*/").map_or(gap.len(), |n| i + 2 + n + 2);
                out.push(Comment {
                    text: &gap[i..end],
                    blank_before: newlines >= 2,
                    same_line: !seen_line_break,
                });
                seen_line_break |= gap[i..end].contains('\n');
                newlines = 0;
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// The output being built: lines, with at most one blank line where the input had blank lines
/// and none at the top.
struct Lines {
    out: String,
    started: bool,
}

impl Lines {
    fn line(&mut self, blank_before: bool, text: &dyn std::fmt::Display) {
        use std::fmt::Write as _;
        if blank_before && self.started {
            self.out.push('\n');
        }
        self.started = true;
        let _ = writeln!(self.out, "{text}");
    }

    /// Appends a comment to the last line (a comment on the line of a `;`).
    fn append(&mut self, text: &str) {
        if self.out.ends_with('\n') {
            self.out.pop();
        }
        self.out.push(' ');
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// The pending comments, each on its own line, then the statement and its `;`.
    fn statement(&mut self, pending: &mut Vec<Comment<'_>>, blank: bool, stmt: &crate::ast::Statement) {
        for comment in pending.drain(..) {
            self.line(comment.blank_before, &comment.text);
        }
        self.line(blank, &format_args!("{stmt};"));
    }
}

/// The canonical text of a whole script, or the first syntax error in it.
pub fn format_source(src: &str, file: &str) -> crate::Result<String> {
    let mut lines = Lines {
        out: String::with_capacity(src.len() + src.len() / 8),
        started: false,
    };
    let mut toks: Vec<Token> = Vec::new();
    // Comments waiting for the next statement, and whether it starts after a blank line.
    let mut pending: Vec<Comment<'_>> = Vec::new();
    let mut statement_blank = false;
    let mut prev_end = 0usize;
    let mut after_semicolon = false;
    let mut lexer = Lexer::new(src);
    let parser = parser::LexedParser::default();
    loop {
        let next = match lexer.next() {
            Some(Ok(tok)) => Some(tok),
            Some(Err(e)) => return Err(parser::lex_error_at(e, file)),
            None => None,
        };
        let gap_end = next.map_or(src.len(), |t| t.start as usize);
        let gap = &src[prev_end..gap_end];
        // Between tokens there are only blanks and comments, and a comment starts with `-` or
        // `/`: most gaps are a space or a line break, with nothing to look for.
        let comments = if gap.bytes().any(|b| b == b'-' || b == b'/') {
            comments_in(gap)
        } else {
            Vec::new()
        };
        // Where the blanks after the gap's last comment start (all of it without comments).
        let tail = comments
            .last()
            .map_or(0, |c| c.text.as_ptr() as usize - gap.as_ptr() as usize + c.text.len());
        for comment in comments {
            if after_semicolon && comment.same_line && pending.is_empty() {
                // A comment on the line of the previous `;` stays at the end of that line.
                lines.append(comment.text);
                continue;
            }
            // A comment inside a statement moves before it, and takes the statement's blank
            // line with it (the first such comment); it has none of its own.
            let blank_before = if toks.is_empty() {
                comment.blank_before
            } else {
                std::mem::take(&mut statement_blank)
            };
            pending.push(Comment {
                blank_before,
                ..comment
            });
        }
        if toks.is_empty() && next.is_some_and(|t| !t.is_punct(';')) {
            let blanks = if pending.is_empty() { gap } else { &gap[tail..] };
            statement_blank = blanks.bytes().filter(|&b| b == b'\n').nth(1).is_some();
        }
        let Some(tok) = next else { break };
        prev_end = tok.end as usize;
        if tok.is_punct(';') {
            if toks.is_empty() {
                // An empty statement prints nothing; a comment after it is not trailing.
                after_semicolon = false;
            } else {
                let stmt = parser.parse(&toks, src, file, (tok.line, tok.col))?;
                lines.statement(&mut pending, statement_blank, &stmt);
                toks.clear();
                after_semicolon = true;
            }
            continue;
        }
        after_semicolon = false;
        toks.push(tok);
    }
    if !toks.is_empty() {
        let stmt = parser.parse(&toks, src, file, lexer.position())?;
        lines.statement(&mut pending, statement_blank, &stmt);
    }
    for comment in pending.drain(..) {
        lines.line(comment.blank_before, &comment.text);
    }
    Ok(lines.out)
}

/// How one file went.
enum FileOutcome {
    Canonical,
    Changed,
    SyntaxError,
    Unreadable,
}

/// Format every file in order, each on its own: a file that fails does not stop the others.
/// Returns the exit code (see the module doc).
pub fn run(paths: &[String], mode: Mode, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut code = 0;
    for path in paths {
        let outcome = one_file(path, mode, &mut out, err);
        code = code.max(match outcome {
            FileOutcome::Canonical => 0,
            FileOutcome::Changed if mode == Mode::Check => 1,
            FileOutcome::Changed => 0,
            FileOutcome::SyntaxError => 1,
            FileOutcome::Unreadable => 2,
        });
    }
    match out.flush() {
        Ok(()) => code,
        Err(_) => code.max(1),
    }
}

fn one_file(path: &str, mode: Mode, out: &mut dyn Write, err: &mut dyn Write) -> FileOutcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "error: cannot read {path}: {e}");
            return FileOutcome::Unreadable;
        }
    };
    // A byte-order mark is not canonical: `--check` reports the file, `--write` drops it.
    let had_bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let text = match crate::input::decode(bytes) {
        Ok(text) => text,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "FAILED: {path}:{e}");
            return FileOutcome::SyntaxError;
        }
    };
    let formatted = match format_source(&text, path) {
        Ok(formatted) => formatted,
        Err(e) => {
            let _ = out.flush();
            let _ = writeln!(err, "FAILED: {e}");
            return FileOutcome::SyntaxError;
        }
    };
    let canonical = !had_bom && formatted == text;
    match mode {
        Mode::Print => {
            let _ = out.write_all(formatted.as_bytes());
        }
        Mode::Check if !canonical => {
            let diff = similar::TextDiff::from_lines(text.as_str(), formatted.as_str());
            let _ = write!(
                out,
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header(path, &format!("{path} (formatted)"))
            );
        }
        Mode::Write if !canonical => {
            if let Err(e) = replace(Path::new(path), formatted.as_bytes()) {
                let _ = writeln!(err, "error: cannot write {path}: {e}");
                return FileOutcome::Unreadable;
            }
        }
        Mode::Check | Mode::Write => {}
    }
    if canonical {
        FileOutcome::Canonical
    } else {
        FileOutcome::Changed
    }
}

/// Writes `contents` beside `path` and renames it over `path`, so that a failed write leaves
/// the original as it was.
fn replace(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.mcsec-fmt"));
    std::fs::write(&temporary, contents)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temporary, meta.permissions());
    }
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        format_source(src, "t.sql").unwrap()
    }

    #[test]
    fn the_walkthrough_of_the_module_doc() {
        let src = "-- grants for the sales team\n\n\ngrant select ON sale_detail      -- the fact table\n  TO ram$owner:bob;  -- expires never\n";
        assert_eq!(
            fmt(src),
            "-- grants for the sales team\n\n-- the fact table\ngrant Select on table sale_detail to user RAM$owner:bob; -- expires never\n"
        );
        assert_eq!(fmt(&fmt(src)), fmt(src));
    }

    #[test]
    fn blank_lines_between_statements_are_kept_once() {
        assert_eq!(
            fmt("use p;\n\n\n\nwhoami;\nwhoami;"),
            "use p;\n\nwhoami;\nwhoami;\n"
        );
        assert_eq!(fmt("\n\n  use p;;;\n"), "use p;\n");
    }

    #[test]
    fn block_comments_and_trailing_comments_keep_their_order() {
        let src = "/* a */ use p; /* b */ -- c\n/* d\n e */\nwhoami /* f */;\n-- g\n";
        assert_eq!(
            fmt(src),
            "/* a */\nuse p; /* b */ -- c\n/* d\n e */\n/* f */\nwhoami;\n-- g\n"
        );
        assert_eq!(fmt(&fmt(src)), fmt(src));
    }

    #[test]
    fn syntax_errors_are_positioned() {
        let e = format_source("use p;\n-- x\nlist usrs;", "t.sql").unwrap_err();
        assert!(e.to_string().starts_with("t.sql:3:6: expected one of "), "{e}");
        let e = format_source("use 'p;", "t.sql").unwrap_err();
        assert!(e.to_string().starts_with("t.sql:1:5: "), "{e}");
    }
}
