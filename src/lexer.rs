//! Lexer and statement splitter.
//!
//! Walk `grant Select on table t to user RAM$owner:bob; -- done` through it: [`Lexer`] yields
//! the words `grant`, `Select`, `on`, `table`, `t`, `to`, `user`, the principal word
//! `RAM$owner:bob` (one token: a word holding a `$` or followed by `@` keeps going through
//! `@ . : / -`), then the punctuation `;`; the comment is skipped. Every token carries its byte
//! span in the source and its 1-based line and column (columns count characters, not bytes).
//! [`split`] runs the same lexer and cuts at each `;` token, so a `;` inside a quote, a backtick
//! name or a comment never splits. [`is_complete`] and [`highlight_tokens`] serve the shell.
//!
//! The lexer never allocates per token and never looks back, so a 1 MB line costs one pass.
//! A quote or comment that never closes is an error at its opening character.

use std::ops::Range;

/// What a token is. The text of a token is always `&src[start..end]`; strings and backtick
/// names are unescaped on demand by [`unescape_string`] and [`unescape_quoted_ident`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bare word: keyword, identifier, principal (`RAM$acct:user`), `tb_*`, `2f7x`.
    Word,
    /// `` `name` `` (a doubled backtick inside stands for one).
    QuotedIdent,
    /// `'text'` or `"text"`.
    Str,
    /// `12`, `3.50`.
    Number,
    /// Any other single character: `( ) , . ; = * < > : @ - /` and anything unexpected.
    Punct(char),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub col: u32,
}

impl Token {
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokenKind::Punct(c)
    }
}

/// A quote, backtick name or block comment that never closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError {
    /// The opening character: `'`, `"`, `` ` `` or `*` (for `/*`).
    pub opener: char,
    pub offset: u32,
    pub line: u32,
    pub col: u32,
}

impl LexError {
    /// The same "expected …, found …" sentence the parser writes.
    pub fn message(&self) -> String {
        match self.opener {
            '*' => "expected '*/' closing the comment, found end of input".to_string(),
            '`' => "expected '`' closing the quoted name, found end of input".to_string(),
            q => format!(
                "expected {} closing the string, found end of input",
                quote_punct(q)
            ),
        }
    }
}

/// How error messages show one punctuation character: `','`, and `"'"` for the quote itself.
pub fn quote_punct(c: char) -> String {
    if c == '\'' {
        "\"'\"".to_string()
    } else {
        format!("'{}'", c.escape_debug())
    }
}

/// Streaming tokenizer over one source text. Positions start at the given line/column so that a
/// statement cut out of a script reports absolute positions.
pub struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    col: u32,
    failed: bool,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b'$' || b >= 0x80
}

const fn is_word_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b == b'*' || b >= 0x80
}

const fn is_principal_continue(b: u8) -> bool {
    is_word_continue(b) || matches!(b, b'@' | b'.' | b':' | b'/' | b'-')
}

/// Bit of [`BYTE_CLASS`]: the byte continues a word.
const WORD: u8 = 1;
/// Bit of [`BYTE_CLASS`]: the byte continues a principal name (`RAM$acct:user`, `bob@x.com`).
const PRINCIPAL: u8 = 2;

/// What each byte may continue, looked up once per byte: words are most of a script's bytes,
/// and a table is a load where the tests are a chain of compares.
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if is_word_continue(byte) {
            table[b] |= WORD;
        }
        if is_principal_continue(byte) {
            table[b] |= PRINCIPAL;
        }
        b += 1;
    }
    table
};

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Self::at(src, 1, 1)
    }

    pub fn at(src: &'a str, line: u32, col: u32) -> Self {
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            line,
            col,
            failed: false,
        }
    }

    pub fn source(&self) -> &'a str {
        self.src
    }

    /// Line and column of the next unread character.
    pub fn position(&self) -> (u32, u32) {
        (self.line, self.col)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) {
        if let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                self.col = self.col.saturating_add(1);
            }
        }
    }

    /// Advance over bytes that cannot be newlines (word characters), keeping the column right.
    fn bump_while(&mut self, pred: impl Fn(u8) -> bool) {
        while let Some(b) = self.peek(0) {
            if !pred(b) {
                break;
            }
            self.bump();
        }
    }

    /// Advances over the bytes whose [`BYTE_CLASS`] has `class` (none is a newline), keeping
    /// the column right; returns whether one was a `$`.
    fn bump_class(&mut self, class: u8) -> bool {
        let mut at = self.pos;
        let mut continuation = 0usize;
        let mut dollar = false;
        while let Some(&b) = self.bytes.get(at) {
            if BYTE_CLASS[usize::from(b)] & class == 0 {
                break;
            }
            continuation += usize::from(b & 0xC0 == 0x80);
            dollar |= b == b'$';
            at += 1;
        }
        let chars = at - self.pos - continuation;
        self.pos = at;
        self.col = self
            .col
            .saturating_add(u32::try_from(chars).unwrap_or(u32::MAX));
        dollar
    }

    fn skip_trivia(&mut self) -> Result<(), LexError> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(b), _) if b.is_ascii_whitespace() => self.bump(),
                (Some(b'-'), Some(b'-')) => self.bump_while(|b| b != b'\n'),
                (Some(b'/'), Some(b'*')) => {
                    let err = LexError {
                        opener: '*',
                        offset: self.pos as u32,
                        line: self.line,
                        col: self.col,
                    };
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some(b'*'), Some(b'/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(_), _) => self.bump(),
                            (None, _) => return Err(err),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Scan a quoted run closed by `quote`. Backslash escapes the next character in strings; a
    /// doubled quote stands for one quote in every kind.
    fn scan_quoted(&mut self, quote: u8, backslash: bool) -> bool {
        self.bump();
        loop {
            match self.peek(0) {
                None => return false,
                Some(b'\\') if backslash => {
                    self.bump();
                    self.bump();
                }
                Some(b) if b == quote => {
                    self.bump();
                    if self.peek(0) == Some(quote) {
                        self.bump();
                    } else {
                        return true;
                    }
                }
                Some(_) => self.bump(),
            }
        }
    }

    fn next_token(&mut self) -> Option<Result<Token, LexError>> {
        if self.failed {
            return None;
        }
        if let Err(e) = self.skip_trivia() {
            self.failed = true;
            return Some(Err(e));
        }
        let b = self.peek(0)?;
        let (start, line, col) = (self.pos, self.line, self.col);
        let kind = match b {
            b'\'' | b'"' | b'`' => {
                let kind = if b == b'`' {
                    TokenKind::QuotedIdent
                } else {
                    TokenKind::Str
                };
                if !self.scan_quoted(b, b != b'`') {
                    self.failed = true;
                    return Some(Err(LexError {
                        opener: b as char,
                        offset: start as u32,
                        line,
                        col,
                    }));
                }
                kind
            }
            b'0'..=b'9' => {
                self.bump_while(|b| b.is_ascii_digit());
                match self.peek(0) {
                    Some(n) if is_word_start(n) => {
                        let dollar = self.bump_class(WORD);
                        self.finish_word(dollar)
                    }
                    Some(b'.') if self.peek(1).is_some_and(|d| d.is_ascii_digit()) => {
                        self.bump();
                        self.bump_while(|b| b.is_ascii_digit());
                        TokenKind::Number
                    }
                    _ => TokenKind::Number,
                }
            }
            b if is_word_start(b) => {
                let dollar = self.bump_class(WORD);
                self.finish_word(dollar)
            }
            _ => {
                let c = self
                    .src
                    .get(start..)
                    .and_then(|s| s.chars().next())
                    .unwrap_or('\u{FFFD}');
                for _ in 0..c.len_utf8() {
                    self.bump();
                }
                TokenKind::Punct(c)
            }
        };
        Some(Ok(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
            line,
            col,
        }))
    }

    /// A word that holds a `$` (`RAM$acct:user`) or is followed by `@` (`bob@aliyun.com`) is a
    /// principal and runs on through `@ . : / -`.
    fn finish_word(&mut self, has_dollar: bool) -> TokenKind {
        if has_dollar || self.peek(0) == Some(b'@') {
            self.bump_class(PRINCIPAL);
        }
        TokenKind::Word
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Token, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_token()
    }
}

/// The value of a `'...'` or `"..."` token: `\n`, `\t`, `\r`, `\0` and `\<c>` escapes, and a
/// doubled quote for one quote.
pub fn unescape_string(raw: &str) -> String {
    let quote = raw.chars().next().unwrap_or('\'');
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            c if c == quote && chars.peek() == Some(&quote) => {
                chars.next();
                out.push(quote);
            }
            c => out.push(c),
        }
    }
    out
}

/// The name inside `` `...` `` (a doubled backtick stands for one).
pub fn unescape_quoted_ident(raw: &str) -> String {
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
    inner.replace("``", "`")
}

/// One statement of a script, as [`split`] cuts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementText<'a> {
    /// From the first token to the end of the last token before `;` (no `;`, no trailing
    /// comment). Empty for an empty statement (`;;`).
    pub text: &'a str,
    /// Where `text` starts (for an empty statement: where its `;` is).
    pub line: u32,
    pub col: u32,
    /// 1-based, counting empty statements, as odpscmd counts for `-k`.
    pub index: usize,
    /// The byte offset just past the `;` that ends it; `None` for text after the last `;`
    /// (which more input could still extend), so a reader of a script in pieces knows where a
    /// piece can be cut.
    pub ends_at: Option<usize>,
}

/// Statement cutter over [`Lexer`]. After an unterminated quote or comment the rest of the input
/// is one last statement, so that parsing it reports the lexer error at the opening quote.
pub struct Splitter<'a> {
    lexer: Lexer<'a>,
    index: usize,
    done: bool,
}

impl<'a> Iterator for Splitter<'a> {
    type Item = StatementText<'a>;

    fn next(&mut self) -> Option<StatementText<'a>> {
        if self.done {
            return None;
        }
        let src = self.lexer.source();
        let mut first: Option<Token> = None;
        let mut last_end = 0u32;
        loop {
            match self.lexer.next() {
                Some(Ok(tok)) if tok.is_punct(';') => {
                    self.index += 1;
                    let (text, line, col) = match first {
                        Some(f) => (&src[f.start as usize..last_end as usize], f.line, f.col),
                        None => ("", tok.line, tok.col),
                    };
                    return Some(StatementText {
                        text,
                        line,
                        col,
                        index: self.index,
                        ends_at: Some(tok.end as usize),
                    });
                }
                Some(Ok(tok)) => {
                    if first.is_none() {
                        first = Some(tok);
                    }
                    last_end = tok.end;
                }
                Some(Err(err)) => {
                    self.done = true;
                    self.index += 1;
                    let (start, line, col) = match first {
                        Some(f) => (f.start, f.line, f.col),
                        None => (err.offset, err.line, err.col),
                    };
                    let text = &src[start as usize..];
                    return Some(StatementText {
                        text,
                        line,
                        col,
                        index: self.index,
                        ends_at: None,
                    });
                }
                None => {
                    self.done = true;
                    let f = first?;
                    self.index += 1;
                    let text = &src[f.start as usize..last_end as usize];
                    return Some(StatementText {
                        text,
                        line: f.line,
                        col: f.col,
                        index: self.index,
                        ends_at: None,
                    });
                }
            }
        }
    }
}

/// Cut a script into statements at each `;` outside quotes and comments. Text after the last
/// `;` is a statement only if it holds a token (trailing comments and blanks are not).
pub fn split(src: &str) -> Splitter<'_> {
    Splitter {
        lexer: Lexer::new(src),
        index: 0,
        done: false,
    }
}

/// How many statements `split` yields, empty ones included: the total odpscmd's `-k` checks.
pub fn count_statements(src: &str) -> usize {
    split(src).count()
}

/// True when `buffer` holds a `;` outside quotes and comments as its last token: the shell's
/// test for "this input line ends the statement". An unterminated quote or comment is never
/// complete.
pub fn is_complete(buffer: &str) -> bool {
    let mut last_is_semicolon = false;
    for tok in Lexer::new(buffer) {
        match tok {
            Ok(t) => last_is_semicolon = t.is_punct(';'),
            Err(_) => return false,
        }
    }
    last_is_semicolon
}

/// Highlighting classes for the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Keyword,
    String,
    Number,
    Comment,
    Identifier,
    Punct,
}

/// Classify the byte ranges of one input line for colouring. Comments are reported too; an
/// unterminated string or comment runs to the end of the line.
pub fn highlight_tokens(line: &str) -> Vec<(Range<usize>, TokenClass)> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut lexer = Lexer::new(line);
    loop {
        let before = lexer.pos;
        // Comments are trivia to the lexer; find them in the gap before the next token.
        let next = lexer.next();
        let gap_end = match &next {
            Some(Ok(t)) => t.start as usize,
            Some(Err(e)) => e.offset as usize,
            None => line.len(),
        };
        let mut i = before;
        while i < gap_end {
            match (bytes.get(i), bytes.get(i + 1)) {
                (Some(b'-'), Some(b'-')) => {
                    let end = line[i..gap_end].find('\n').map_or(gap_end, |n| i + n);
                    out.push((i, end, TokenClass::Comment));
                    i = end;
                }
                (Some(b'/'), Some(b'*')) => {
                    let end = line[i + 2..gap_end]
                        .find("*/")
                        .map_or(gap_end, |n| i + 2 + n + 2);
                    out.push((i, end, TokenClass::Comment));
                    i = end;
                }
                _ => i += 1,
            }
        }
        match next {
            Some(Ok(t)) => {
                let class = match t.kind {
                    TokenKind::Word if is_keyword(t.text(line)) => TokenClass::Keyword,
                    TokenKind::Word | TokenKind::QuotedIdent => TokenClass::Identifier,
                    TokenKind::Str => TokenClass::String,
                    TokenKind::Number => TokenClass::Number,
                    TokenKind::Punct(_) => TokenClass::Punct,
                };
                out.push((t.start as usize, t.end as usize, class));
            }
            Some(Err(e)) => {
                let class = if e.opener == '*' {
                    TokenClass::Comment
                } else {
                    TokenClass::String
                };
                out.push((e.offset as usize, line.len(), class));
                break;
            }
            None => break,
        }
    }
    out.into_iter().map(|(s, e, c)| (s..e, c)).collect()
}

/// Every keyword of the grammar, lower-case, sorted: for completion and highlighting, and for
/// the printer's "does this name need backticks" test.
pub fn keywords() -> &'static [&'static str] {
    KEYWORDS
}

pub fn is_keyword(word: &str) -> bool {
    // Every word of a script is asked about, so the question is a bucket by first letter and
    // length (one to three candidates) compared without copying, not a binary search of
    // lowercased copies (measured: a sixth of `mcsec fmt`'s time went there).
    let bytes = word.as_bytes();
    let Some(first) = bytes.first().map(u8::to_ascii_lowercase) else {
        return false;
    };
    if !first.is_ascii_lowercase() || bytes.len() > KEYWORD_MAX_LEN {
        return false;
    }
    keyword_buckets()[bucket(first, bytes.len())]
        .iter()
        .any(|k| k.as_bytes().eq_ignore_ascii_case(bytes))
}

const KEYWORD_MAX_LEN: usize = 32;

fn bucket(first: u8, len: usize) -> usize {
    usize::from(first - b'a') * (KEYWORD_MAX_LEN + 1) + len
}

/// [`KEYWORDS`] by first letter and length.
fn keyword_buckets() -> &'static [Vec<&'static str>] {
    static BUCKETS: std::sync::OnceLock<Vec<Vec<&'static str>>> = std::sync::OnceLock::new();
    BUCKETS.get_or_init(|| {
        let mut buckets = vec![Vec::new(); 26 * (KEYWORD_MAX_LEN + 1)];
        for k in KEYWORDS {
            if let Some(&first) = k.as_bytes().first() {
                if first.is_ascii_lowercase() && k.len() <= KEYWORD_MAX_LEN {
                    buckets[bucket(first, k.len())].push(*k);
                }
            }
        }
        buckets
    })
}

static KEYWORDS: &[&str] = &[
    "accesskey",
    "accesskeys",
    "accountprovider",
    "accountproviders",
    "acl",
    "add",
    "addresses",
    "allow",
    "alter",
    "archive",
    "as",
    "audit",
    "check",
    "clear",
    "comment",
    "create",
    "days",
    "delete",
    "denied",
    "desc",
    "describe",
    "diagnose",
    "disallow",
    "download",
    "drop",
    "effective",
    "exception",
    "exists",
    "exp",
    "expired",
    "explain",
    "false",
    "file",
    "for",
    "from",
    "function",
    "get",
    "grant",
    "grants",
    "group",
    "groups",
    "if",
    "in",
    "inactive",
    "insert",
    "install",
    "instance",
    "into",
    "items",
    "jar",
    "job",
    "label",
    "limit",
    "list",
    "locations",
    "login",
    "min",
    "mode",
    "model",
    "not",
    "null",
    "off",
    "offlinemodel",
    "on",
    "option",
    "outflow",
    "overwrite",
    "owner",
    "package",
    "packages",
    "partition",
    "paths",
    "policy",
    "principals",
    "privilegeproperties",
    "privileges",
    "privs",
    "project",
    "projects",
    "purge",
    "put",
    "py",
    "ram",
    "remove",
    "resource",
    "restore",
    "retention",
    "revoke",
    "risk",
    "role",
    "roles",
    "save",
    "scheduler",
    "security",
    "securityconfiguration",
    "select",
    "set",
    "setproject",
    "show",
    "since",
    "snapshot",
    "snapshots",
    "status",
    "super",
    "survey",
    "table",
    "tenant",
    "to",
    "true",
    "trustedproject",
    "trustedprojects",
    "tunnel",
    "type",
    "uninstall",
    "unset",
    "until",
    "use",
    "user",
    "users",
    "using",
    "values",
    "volume",
    "whoami",
    "with",
    "workspace",
    "xflow",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, String, u32, u32)> {
        Lexer::new(src)
            .map(|t| t.map(|t| (t.kind, t.text(src).to_string(), t.line, t.col)))
            .collect::<Result<_, _>>()
            .unwrap_or_default()
    }

    #[test]
    fn keyword_table_is_sorted_and_every_keyword_is_found_in_any_case() {
        let mut sorted = KEYWORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, KEYWORDS.to_vec());
        for k in KEYWORDS {
            assert!(is_keyword(k), "{k}");
            assert!(is_keyword(&k.to_ascii_uppercase()), "{k}");
            assert!(!is_keyword(&format!("{k}x")) || KEYWORDS.contains(&format!("{k}x").as_str()));
        }
        for word in ["", "x", "usersx", "Éé", "1select", &"a".repeat(40)] {
            assert!(!is_keyword(word), "{word}");
        }
    }

    #[test]
    fn principal_words_are_single_tokens() {
        for p in [
            "ALIYUN$odps_test_user@aliyun.com",
            "RAM$Bob@aliyun.com:Allen",
            "RAM$owner:alice",
            "p4_2652900",
            "bob@aliyun.com",
            "RAM$acct:role/name",
        ] {
            let toks = kinds(p);
            assert_eq!(toks, vec![(TokenKind::Word, p.to_string(), 1, 1)], "{p}");
        }
        let toks = kinds("`RAM$acct:role/name`,x");
        assert_eq!(
            toks[0],
            (
                TokenKind::QuotedIdent,
                "`RAM$acct:role/name`".to_string(),
                1,
                1
            )
        );
        assert_eq!(toks[1].0, TokenKind::Punct(','));
    }

    #[test]
    fn names_numbers_and_punctuation() {
        let toks = kinds("p1.t_* (c1,2.50) 2026abc 12");
        let got: Vec<_> = toks.iter().map(|t| (t.0, t.1.as_str(), t.3)).collect();
        assert_eq!(
            got,
            vec![
                (TokenKind::Word, "p1", 1),
                (TokenKind::Punct('.'), ".", 3),
                (TokenKind::Word, "t_*", 4),
                (TokenKind::Punct('('), "(", 8),
                (TokenKind::Word, "c1", 9),
                (TokenKind::Punct(','), ",", 11),
                (TokenKind::Number, "2.50", 12),
                (TokenKind::Punct(')'), ")", 16),
                (TokenKind::Word, "2026abc", 18),
                (TokenKind::Number, "12", 26),
            ]
        );
    }

    #[test]
    fn comments_are_skipped_and_positions_follow_lines() {
        let toks = kinds("-- intro\n  grant /* a\nb */ x\n");
        assert_eq!(toks[0], (TokenKind::Word, "grant".into(), 2, 3));
        assert_eq!(toks[1], (TokenKind::Word, "x".into(), 3, 6));
    }

    #[test]
    fn columns_count_characters() {
        let toks = kinds("'é' x");
        assert_eq!(toks[1], (TokenKind::Word, "x".into(), 1, 5));
        // Inside words and principal names too, and a `$` anywhere in a word (after digits,
        // after letters past ASCII) makes it a principal.
        let toks = kinds("表格 RAM$账户:用户@x.cn 9$a:b y");
        let got: Vec<_> = toks.iter().map(|t| (t.1.as_str(), t.3)).collect();
        assert_eq!(
            got,
            vec![("表格", 1), ("RAM$账户:用户@x.cn", 4), ("9$a:b", 19), ("y", 25)]
        );
    }

    #[test]
    fn strings_unescape() {
        assert_eq!(unescape_string(r"'it\'s'"), "it's");
        assert_eq!(unescape_string("'it''s'"), "it's");
        assert_eq!(unescape_string(r#""a\"b\n""#), "a\"b\n");
        assert_eq!(unescape_quoted_ident("`a``b`"), "a`b");
    }

    #[test]
    fn unterminated_quote_is_an_error_at_its_start() {
        let errs: Vec<_> = Lexer::new("grant\n  'abc;")
            .filter_map(|t| t.err())
            .collect();
        assert_eq!(
            errs,
            vec![LexError {
                opener: '\'',
                offset: 8,
                line: 2,
                col: 3
            }]
        );
        assert_eq!(
            errs[0].message(),
            "expected \"'\" closing the string, found end of input"
        );
        let errs: Vec<_> = Lexer::new("x /* y").filter_map(|t| t.err()).collect();
        assert_eq!(errs[0].col, 3);
        assert_eq!(
            errs[0].message(),
            "expected '*/' closing the comment, found end of input"
        );
    }

    #[test]
    fn split_ignores_semicolons_in_quotes_and_comments() {
        let src = "add user 'a;b';\n-- c;d\nlist /* ; */ users ;`x;y`;";
        let parts: Vec<_> = split(src)
            .map(|s| (s.text, s.line, s.col, s.index))
            .collect();
        assert_eq!(
            parts,
            vec![
                ("add user 'a;b'", 1, 1, 1),
                ("list /* ; */ users", 3, 1, 2),
                ("`x;y`", 3, 21, 3),
            ]
        );
    }

    #[test]
    fn split_counts_empty_statements_like_odpscmd() {
        let src = "list users;;\n ; whoami; -- tail\n";
        let parts: Vec<_> = split(src)
            .map(|s| (s.text, s.index, s.line, s.col))
            .collect();
        assert_eq!(
            parts,
            vec![
                ("list users", 1, 1, 1),
                ("", 2, 1, 12),
                ("", 3, 2, 2),
                ("whoami", 4, 2, 4)
            ]
        );
        assert_eq!(count_statements(src), 4);
        assert_eq!(count_statements("whoami; list users"), 2);
        assert_eq!(count_statements(""), 0);
    }

    #[test]
    fn split_keeps_the_rest_after_an_unterminated_quote() {
        let parts: Vec<_> = split("whoami; add user 'x; list users;")
            .map(|s| s.text)
            .collect();
        assert_eq!(parts, vec!["whoami", "add user 'x; list users;"]);
    }

    #[test]
    fn completeness() {
        assert!(is_complete("list users;"));
        assert!(is_complete("list\nusers ;  -- done"));
        assert!(!is_complete("list users"));
        assert!(!is_complete("add user 'x;"));
        assert!(!is_complete("list users; /* ;"));
        assert!(!is_complete("list users; whoami"));
    }

    #[test]
    fn highlighting_classes() {
        let line = "grant Select on t to 'x' 3 -- hi";
        let got: Vec<_> = highlight_tokens(line)
            .into_iter()
            .map(|(r, c)| (&line[r], c))
            .collect();
        assert_eq!(
            got,
            vec![
                ("grant", TokenClass::Keyword),
                ("Select", TokenClass::Keyword),
                ("on", TokenClass::Keyword),
                ("t", TokenClass::Identifier),
                ("to", TokenClass::Keyword),
                ("'x'", TokenClass::String),
                ("3", TokenClass::Number),
                ("-- hi", TokenClass::Comment),
            ]
        );
        let got: Vec<_> = highlight_tokens("x 'open").into_iter().collect();
        assert_eq!(
            got,
            vec![(0..1, TokenClass::Identifier), (2..7, TokenClass::String)]
        );
    }
}
