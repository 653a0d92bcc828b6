//! nom parser from tokens to [`ast::Statement`].
//!
//! Walk `grant Select on table sale_detail (shop_name) to user ram$owner:bob;` through it:
//! [`parse_statement`] lexes the text into a token slice and hands it to nom wrapped in
//! [`Tokens`] (nom's `Input` over `&[Token]`). [`statement`] reads the first word, `grant`, and
//! dispatches to the `grant` family; that reads the privilege list `Select`, sees `on`, parses
//! the object (`table sale_detail (shop_name)`), then `to` and the grantees (principal
//! `RAM$owner:bob`: the provider prefix is upper-cased), then optional `privilegeproperties(...)`
//! and `with grant option`. Anything left over is an error.
//!
//! Errors: every primitive that fails records what it expected at its token index in a shared
//! [`Tracker`]; the furthest index wins and ties are merged. That is what turns
//! `grant select on t to user x garbage` into
//! `expected one of ',', PRIVILEGEPROPERTIES, WITH, end of statement, found 'garbage'` even
//! though the failures happened inside `opt(...)`s that nom itself forgets. nom's own error
//! value is therefore a zero-sized marker.
//!
//! No recursion depends on input except type arguments (`array<map<...>>`), which are capped,
//! and every loop consumes a token, so parsing is linear in the statement's length.

use std::cell::RefCell;

use nom::branch::alt;
use nom::combinator::{map, opt, value};
use nom::error::{ErrorKind, ParseError};
use nom::multi::separated_list1;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Input, Needed, Parser};

mod checks;
mod audit;

use crate::ast::*;
use crate::error::{Error, Position, Result};
use crate::lexer::{
    self, quote_punct, unescape_quoted_ident, unescape_string, Lexer, Token, TokenKind,
};

/// The token slice nom walks, with the statement's source (token texts are spans of it) and
/// the shared expectation tracker.
#[derive(Clone, Copy)]
pub struct Tokens<'a> {
    toks: &'a [Token],
    src: &'a str,
    track: &'a Tracker,
}

impl<'a> Tokens<'a> {
    fn first(&self) -> Option<&'a Token> {
        self.toks.first()
    }

    fn text(&self, tok: &Token) -> &'a str {
        tok.text(self.src)
    }

    fn peek_word(&self, ahead: usize) -> Option<&'a str> {
        self.toks
            .get(ahead)
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| t.text(self.src))
    }
}

impl<'a> Input for Tokens<'a> {
    type Item = &'a Token;
    type Iter = std::slice::Iter<'a, Token>;
    type IterIndices = std::iter::Enumerate<std::slice::Iter<'a, Token>>;

    fn input_len(&self) -> usize {
        self.toks.len()
    }

    fn take(&self, index: usize) -> Self {
        Tokens {
            toks: &self.toks[..index.min(self.toks.len())],
            ..*self
        }
    }

    fn take_from(&self, index: usize) -> Self {
        Tokens {
            toks: &self.toks[index.min(self.toks.len())..],
            ..*self
        }
    }

    fn take_split(&self, index: usize) -> (Self, Self) {
        let (taken, rest) = self.toks.split_at(index.min(self.toks.len()));
        (
            Tokens {
                toks: rest,
                ..*self
            },
            Tokens {
                toks: taken,
                ..*self
            },
        )
    }

    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.toks.iter().position(predicate)
    }

    fn iter_elements(&self) -> Self::Iter {
        self.toks.iter()
    }

    fn iter_indices(&self) -> Self::IterIndices {
        self.toks.iter().enumerate()
    }

    fn slice_index(&self, count: usize) -> std::result::Result<usize, Needed> {
        if self.toks.len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.toks.len()))
        }
    }
}

/// Something the parser would have accepted at a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Expected {
    Keyword(&'static str),
    Punct(char),
    Class(&'static str),
    End,
}

impl Expected {
    fn render(&self) -> String {
        match self {
            Expected::Keyword(k) => k.to_ascii_uppercase(),
            Expected::Punct(c) => quote_punct(*c),
            Expected::Class(c) => format!("<{c}>"),
            Expected::End => "end of statement".to_string(),
        }
    }
}

/// The furthest failure seen while parsing one statement: its distance from the end (tokens
/// left, so smaller is further) and everything expected there.
pub struct Tracker {
    state: RefCell<(usize, Vec<Expected>)>,
}

impl Tracker {
    fn new() -> Self {
        Tracker {
            state: RefCell::new((usize::MAX, Vec::new())),
        }
    }

    fn reset(&self) {
        let mut st = self.state.borrow_mut();
        st.0 = usize::MAX;
        st.1.clear();
    }

    fn expect(&self, remaining: usize, what: Expected) {
        let mut st = self.state.borrow_mut();
        if remaining < st.0 {
            st.0 = remaining;
            st.1.clear();
        }
        // Duplicates are dropped when the list is read: every alternative a statement tries
        // lands here, and looking through the list each time was a twentieth of parsing.
        if remaining == st.0 {
            st.1.push(what);
        }
    }

    /// How far parsing got (tokens left) and what was expected there, each once, in the order
    /// first expected.
    fn furthest(&self) -> (usize, Vec<Expected>) {
        let st = self.state.borrow();
        let mut seen = std::collections::HashSet::new();
        let expected = st.1.iter().copied().filter(|e| seen.insert(*e)).collect();
        (st.0, expected)
    }
}

/// nom's error value; the information lives in the [`Tracker`].
#[derive(Debug, Clone, Copy)]
pub struct Fail;

impl<'a> ParseError<Tokens<'a>> for Fail {
    fn from_error_kind(_input: Tokens<'a>, _kind: ErrorKind) -> Self {
        Fail
    }

    fn append(_input: Tokens<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

type PResult<'a, T> = IResult<Tokens<'a>, T, Fail>;

fn fail<'a, T>(i: Tokens<'a>, what: Expected) -> PResult<'a, T> {
    i.track.expect(i.toks.len(), what);
    Err(nom::Err::Error(Fail))
}

fn fail_any<'a, T>(i: Tokens<'a>, what: &[Expected]) -> PResult<'a, T> {
    for w in what {
        i.track.expect(i.toks.len(), *w);
    }
    Err(nom::Err::Error(Fail))
}

// ---------------------------------------------------------------------------------------------
// Primitives

fn kw<'a>(word: &'static str) -> impl Fn(Tokens<'a>) -> PResult<'a, ()> + Copy {
    debug_assert!(
        lexer::is_keyword(word),
        "{word} missing from lexer::KEYWORDS"
    );
    move |i: Tokens<'a>| match i.first() {
        Some(t) if t.kind == TokenKind::Word && i.text(t).eq_ignore_ascii_case(word) => {
            Ok((i.take_from(1), ()))
        }
        _ => fail(i, Expected::Keyword(word)),
    }
}

/// A keyword that starts an mcsec-only form after a MaxCompute verb (`list accesskeys`): a
/// syntax error after the verb does not suggest it, so the errors of MaxCompute's own
/// statements read as they always have.
fn quiet_kw<'a>(word: &'static str) -> impl Fn(Tokens<'a>) -> PResult<'a, ()> + Copy {
    debug_assert!(
        lexer::is_keyword(word),
        "{word} missing from lexer::KEYWORDS"
    );
    move |i: Tokens<'a>| match i.first() {
        Some(t) if t.kind == TokenKind::Word && i.text(t).eq_ignore_ascii_case(word) => {
            Ok((i.take_from(1), ()))
        }
        _ => Err(nom::Err::Error(Fail)),
    }
}

fn punct<'a>(c: char) -> impl Fn(Tokens<'a>) -> PResult<'a, ()> + Copy {
    move |i: Tokens<'a>| match i.first() {
        Some(t) if t.is_punct(c) => Ok((i.take_from(1), ())),
        _ => fail(i, Expected::Punct(c)),
    }
}

fn is_name_token(t: &Token) -> bool {
    matches!(
        t.kind,
        TokenKind::Word | TokenKind::QuotedIdent | TokenKind::Number
    )
}

/// A name: bare word, `` `quoted` `` or all-digit word. Keywords are accepted as names where a
/// name is expected; the printer backticks them.
fn ident_as<'a>(class: &'static str) -> impl Fn(Tokens<'a>) -> PResult<'a, String> + Copy {
    move |i: Tokens<'a>| match i.first() {
        Some(t) if t.kind == TokenKind::QuotedIdent => {
            Ok((i.take_from(1), unescape_quoted_ident(i.text(t))))
        }
        Some(t) if is_name_token(t) => Ok((i.take_from(1), i.text(t).to_string())),
        _ => fail(i, Expected::Class(class)),
    }
}

fn ident(i: Tokens<'_>) -> PResult<'_, String> {
    ident_as("identifier")(i)
}

/// A name that may be the wildcard `*` (`grant ... on table *`).
fn name_or_star(i: Tokens<'_>) -> PResult<'_, String> {
    match i.first() {
        Some(t) if t.is_punct('*') => Ok((i.take_from(1), "*".to_string())),
        Some(t) if is_name_token(t) => ident(i),
        _ => fail(i, Expected::Class("identifier")),
    }
}

/// `[<project>.]<name>`
fn object_name(i: Tokens<'_>) -> PResult<'_, ObjectName> {
    let (i, first) = name_or_star(i)?;
    match opt(preceded(punct('.'), name_or_star)).parse(i)? {
        (i, Some(name)) => Ok((
            i,
            ObjectName {
                project: Some(first),
                name,
            },
        )),
        (i, None) => Ok((
            i,
            ObjectName {
                project: None,
                name: first,
            },
        )),
    }
}

fn glue_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ':' | '/' | '-' | '@' | '$' | '*' | '~' | '\\' | '+' | '%' | '#'
    )
}

/// The source text of a run of touching tokens (no blank between them), such as a bare file
/// path `./policies/p1.json`, an address `fe80::1` or a resource `udtf.jar`.
fn glued<'a>(class: &'static str) -> impl Fn(Tokens<'a>) -> PResult<'a, &'a str> + Copy {
    move |i: Tokens<'a>| {
        let gluable = |t: &Token| match t.kind {
            TokenKind::Word | TokenKind::Number => true,
            TokenKind::Punct(c) => glue_punct(c),
            _ => false,
        };
        let Some(first) = i.first().filter(|t| gluable(t)) else {
            return fail(i, Expected::Class(class));
        };
        let mut end = first.end;
        let mut n = 1;
        while let Some(t) = i.toks.get(n) {
            if t.start != end || !gluable(t) {
                break;
            }
            end = t.end;
            n += 1;
        }
        let text = i.src.get(first.start as usize..end as usize).unwrap_or("");
        Ok((i.take_from(n), text))
    }
}

/// A file path: `'quoted'` or bare.
fn path(i: Tokens<'_>) -> PResult<'_, String> {
    match i.first() {
        Some(t) if t.kind == TokenKind::Str => Ok((i.take_from(1), unescape_string(i.text(t)))),
        _ => map(glued("file path"), str::to_string).parse(i),
    }
}

/// A resource or package-object name: `udtf.jar`, `` `my file.py` ``, `'a.jar'`.
fn resource_name(i: Tokens<'_>) -> PResult<'_, String> {
    match i.first() {
        Some(t) if t.kind == TokenKind::QuotedIdent => ident(i),
        Some(t) if t.kind == TokenKind::Str => Ok((i.take_from(1), unescape_string(i.text(t)))),
        _ => map(glued("resource name"), str::to_string).parse(i),
    }
}

fn string(i: Tokens<'_>) -> PResult<'_, String> {
    match i.first() {
        Some(t) if t.kind == TokenKind::Str => Ok((i.take_from(1), unescape_string(i.text(t)))),
        _ => fail(i, Expected::Class("string")),
    }
}

fn integer(i: Tokens<'_>) -> PResult<'_, u64> {
    match i.first() {
        Some(t) if t.kind == TokenKind::Number => match i.text(t).parse::<u64>() {
            Ok(n) => Ok((i.take_from(1), n)),
            Err(_) => fail(i, Expected::Class("integer")),
        },
        _ => fail(i, Expected::Class("integer")),
    }
}

fn end(i: Tokens<'_>) -> PResult<'_, ()> {
    if i.toks.is_empty() {
        Ok((i, ()))
    } else {
        fail(i, Expected::End)
    }
}

fn comma_list<'a, O, P>(item: P) -> impl Parser<Tokens<'a>, Output = Vec<O>, Error = Fail>
where
    P: Parser<Tokens<'a>, Output = O, Error = Fail>,
{
    separated_list1(punct(','), item)
}

fn columns(i: Tokens<'_>) -> PResult<'_, Vec<String>> {
    delimited(punct('('), comma_list(ident_as("column")), punct(')')).parse(i)
}

/// `privilegeproperties("k" = "v", ...)`
fn properties(i: Tokens<'_>) -> PResult<'_, Properties> {
    let pair = (string, punct('='), string).map(|(k, _, v)| (k, v));
    preceded(
        kw("privilegeproperties"),
        delimited(punct('('), comma_list(pair), punct(')')),
    )
    .parse(i)
}

fn opt_properties(i: Tokens<'_>) -> PResult<'_, Properties> {
    map(opt(properties), Option::unwrap_or_default).parse(i)
}

// ---------------------------------------------------------------------------------------------
// Principals, privileges, object types

/// Upper-case the provider prefix of `aliyun$x` / `Ram$x` (every documented output shows
/// `ALIYUN$` and `RAM$`).
pub fn normalize_principal_name(mut name: String) -> String {
    if let Some(n) = name.find('$') {
        if let Some(kind) = name.get_mut(..n) {
            if n > 0 && kind.bytes().all(|b| b.is_ascii_alphabetic()) {
                kind.make_ascii_uppercase();
            }
        }
    }
    name
}

fn principal_name(i: Tokens<'_>) -> PResult<'_, String> {
    match i.first() {
        Some(t) if t.kind == TokenKind::QuotedIdent => ident(i),
        Some(t) if matches!(t.kind, TokenKind::Word | TokenKind::Number) => {
            map(glued("principal"), str::to_string).parse(i)
        }
        _ => fail(i, Expected::Class("principal")),
    }
}

fn principal_of(kind: PrincipalKind, name: String) -> Principal {
    let name = match kind {
        PrincipalKind::User | PrincipalKind::TenantUser => normalize_principal_name(name),
        _ => name,
    };
    Principal { kind, name }
}

/// `[user] <name>`, `role <r>`, `[tenant] group <g>`, `tenant user <u>`, `tenant role <r>`.
/// A kind keyword only counts as one when a name follows it (a user may be called `user`).
fn principal(i: Tokens<'_>) -> PResult<'_, Principal> {
    let name_follows = |ahead: usize| i.toks.get(ahead).is_some_and(is_name_token);
    if let Ok((r, ())) = kw("tenant")(i) {
        if name_follows(2) {
            let (r, kind) = alt((
                value(PrincipalKind::TenantUser, kw("user")),
                value(PrincipalKind::TenantRole, kw("role")),
                value(PrincipalKind::TenantGroup, kw("group")),
            ))
            .parse(r)?;
            let (r, name) = principal_name(r)?;
            return Ok((r, principal_of(kind, name)));
        }
    }
    for (word, kind) in [
        ("user", PrincipalKind::User),
        ("role", PrincipalKind::Role),
        ("group", PrincipalKind::Group),
    ] {
        if let Ok((r, ())) = kw(word)(i) {
            if name_follows(1) {
                let (r, name) = principal_name(r)?;
                return Ok((r, principal_of(kind, name)));
            }
        }
    }
    let (r, name) = principal_name(i)?;
    Ok((r, principal_of(PrincipalKind::User, name)))
}

/// A principal that can only be a user: `[user] <name>`.
fn user_principal(i: Tokens<'_>) -> PResult<'_, Principal> {
    let (i, _) = if i.toks.get(1).is_some_and(is_name_token) {
        opt(kw("user")).parse(i)?
    } else {
        (i, None)
    };
    let (i, name) = principal_name(i)?;
    Ok((i, principal_of(PrincipalKind::User, name)))
}

/// Documented action names, for canonical spelling (`createtable` → `CreateTable`).
pub const ACTIONS: &[&str] = &[
    "All",
    "Alter",
    "CreateFunction",
    "CreateInstance",
    "CreateJob",
    "CreateOfflineModel",
    "CreateResource",
    "CreateTable",
    "CreateVolume",
    "CreateXflow",
    "Delete",
    "Describe",
    "Download",
    "Drop",
    "Execute",
    "List",
    "Read",
    "Select",
    "ShowHistory",
    "Update",
    "Write",
];

pub fn canonical_action(name: &str) -> String {
    ACTIONS
        .iter()
        .find(|a| a.eq_ignore_ascii_case(name))
        .map_or_else(|| name.to_string(), |a| a.to_string())
}

fn action(i: Tokens<'_>) -> PResult<'_, String> {
    map(ident_as("privilege"), |n| canonical_action(&n)).parse(i)
}

/// A privilege as written; [`canonical_privileges`] spells known actions once the statement
/// turns out to be an ACL grant (in `grant worker to u` the same list names roles).
fn raw_privilege(i: Tokens<'_>) -> PResult<'_, Privilege> {
    (ident_as("privilege"), opt(columns))
        .map(|(name, columns)| Privilege { name, columns })
        .parse(i)
}

fn canonical_privileges(privileges: Vec<Privilege>) -> Vec<Privilege> {
    privileges
        .into_iter()
        .map(|p| Privilege {
            name: canonical_action(&p.name),
            columns: p.columns,
        })
        .collect()
}

pub const OBJECT_TYPES: &[(&str, ObjectType)] = &[
    ("project", ObjectType::Project),
    ("table", ObjectType::Table),
    ("model", ObjectType::Model),
    ("resource", ObjectType::Resource),
    ("function", ObjectType::Function),
    ("instance", ObjectType::Instance),
    ("package", ObjectType::Package),
    ("job", ObjectType::Job),
    ("volume", ObjectType::Volume),
    ("offlinemodel", ObjectType::OfflineModel),
    ("xflow", ObjectType::Xflow),
];

fn object_type(i: Tokens<'_>) -> PResult<'_, ObjectType> {
    if let Some(t) = i.first().filter(|t| t.kind == TokenKind::Word) {
        let word = i.text(t);
        if let Some((_, ty)) = OBJECT_TYPES
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(word))
        {
            return Ok((i.take_from(1), *ty));
        }
    }
    fail(i, Expected::Class("object type"))
}

/// The name of an object of a known type; resources are file names and are never qualified.
fn typed_object_name(i: Tokens<'_>, kind: ObjectType) -> PResult<'_, ObjectName> {
    if kind == ObjectType::Resource {
        map(resource_name, |name| ObjectName {
            project: None,
            name,
        })
        .parse(i)
    } else {
        object_name(i)
    }
}

fn partition_value(i: Tokens<'_>) -> PResult<'_, String> {
    match i.first() {
        Some(t) if t.kind == TokenKind::Str => string(i),
        _ => map(glued("value"), str::to_string).parse(i),
    }
}

fn partition_spec(i: Tokens<'_>) -> PResult<'_, Vec<(String, String)>> {
    let pair = (ident_as("column"), punct('='), partition_value).map(|(k, _, v)| (k, v));
    preceded(
        kw("partition"),
        delimited(punct('('), comma_list(pair), punct(')')),
    )
    .parse(i)
}

/// `[<type>] <name> [(<cols>)] [partition (...)]` after `on`; no type means table.
fn grant_object(i: Tokens<'_>) -> PResult<'_, GrantObject> {
    let typed = i
        .toks
        .get(1)
        .is_none_or(|t| is_name_token(t) || t.is_punct('*'));
    let (i, kind) = if typed {
        opt(object_type).parse(i)?
    } else {
        (i, None)
    };
    if !typed {
        // Record that a type was possible here, for the error message.
        let _ = object_type(i);
    }
    let kind = kind.unwrap_or(ObjectType::Table);
    let (i, name) = typed_object_name(i, kind)?;
    let (i, columns) = opt(columns).parse(i)?;
    let (i, partition) = opt(partition_spec).parse(i)?;
    Ok((
        i,
        GrantObject {
            kind,
            name,
            columns,
            partition,
        },
    ))
}

fn on_type(i: Tokens<'_>) -> PResult<'_, ObjectType> {
    preceded((kw("on"), kw("type")), object_type).parse(i)
}

// ---------------------------------------------------------------------------------------------
// Statement families

const STATEMENT_STARTS: &[Expected] = &[
    Expected::Keyword("add"),
    Expected::Keyword("allow"),
    Expected::Keyword("alter"),
    Expected::Keyword("check"),
    Expected::Keyword("clear"),
    Expected::Keyword("create"),
    Expected::Keyword("delete"),
    Expected::Keyword("desc"),
    Expected::Keyword("describe"),
    Expected::Keyword("diagnose"),
    Expected::Keyword("disallow"),
    Expected::Keyword("drop"),
    Expected::Keyword("explain"),
    Expected::Keyword("get"),
    Expected::Keyword("grant"),
    Expected::Keyword("insert"),
    Expected::Keyword("install"),
    Expected::Keyword("list"),
    Expected::Keyword("login"),
    Expected::Keyword("purge"),
    Expected::Keyword("put"),
    Expected::Keyword("remove"),
    Expected::Keyword("revoke"),
    Expected::Keyword("select"),
    Expected::Keyword("set"),
    Expected::Keyword("setproject"),
    Expected::Keyword("show"),
    Expected::Keyword("snapshot"),
    Expected::Keyword("survey"),
    Expected::Keyword("tunnel"),
    Expected::Keyword("uninstall"),
    Expected::Keyword("unset"),
    Expected::Keyword("use"),
    Expected::Keyword("whoami"),
];

/// The words a statement can start with (lower-case), for `help` and completion.
pub fn statement_keywords() -> Vec<&'static str> {
    STATEMENT_STARTS
        .iter()
        .filter_map(|e| match e {
            Expected::Keyword(k) => Some(*k),
            _ => None,
        })
        .collect()
}

fn statement(i: Tokens<'_>) -> PResult<'_, Statement> {
    let Some(word) = i.peek_word(0) else {
        return fail_any(i, STATEMENT_STARTS);
    };
    let mut buf = [0u8; 12];
    let lower = if word.len() <= buf.len() {
        buf[..word.len()].copy_from_slice(word.as_bytes());
        buf[..word.len()].make_ascii_lowercase();
        std::str::from_utf8(&buf[..word.len()]).unwrap_or("")
    } else {
        ""
    };
    let rest = i.take_from(1);
    match lower {
        "add" => add(rest),
        "remove" => remove(rest),
        "list" => list(rest),
        "whoami" => Ok((rest, Statement::Whoami)),
        "show" => show(rest),
        "create" => create(rest),
        "drop" => drop(rest),
        "delete" => delete(rest),
        "describe" | "desc" => describe(rest),
        "grant" => grant(rest),
        "revoke" => revoke(rest),
        "purge" => purge(rest),
        "get" => get(rest),
        "put" => put(rest),
        "set" => set(rest),
        "unset" => unset(rest),
        "clear" => map((kw("expired"), kw("grants")), |_| {
            Statement::ClearExpiredGrants
        })
        .parse(rest),
        "allow" => allow(rest),
        "alter" => alter(rest),
        "disallow" => disallow(rest),
        "install" | "uninstall" => install(rest, lower == "install"),
        "setproject" => setproject(rest),
        "use" => map(ident_as("project"), |project| Statement::Use { project }).parse(rest),
        "login" => map(
            (user_principal, opt(preceded(kw("from"), ip_address))),
            |(principal, source_ip)| Statement::Login {
                principal,
                source_ip,
            },
        )
        .parse(rest),
        "insert" => insert(rest),
        "select" => map(query_after_select, Statement::Select).parse(rest),
        "tunnel" => tunnel(rest),
        "explain" => explain(rest),
        "diagnose" => checks::diagnose(rest),
        "check" => map(explain, |e| match e {
            Statement::Explain(e) => Statement::Check(e),
            other => other,
        })
        .parse(rest),
        "snapshot" => snapshot(rest),
        "survey" => audit::survey(rest),
        _ => fail_any(i, STATEMENT_STARTS),
    }
}

/// `alter project <p> set status <normal|overdue|frozen>`.
fn alter(i: Tokens<'_>) -> PResult<'_, Statement> {
    if i.peek_word(0).is_some_and(|w| w.eq_ignore_ascii_case("tenant")) {
        return audit::alter_tenant(i);
    }
    let (i, (_, project, _, _)) =
        (kw("project"), ident_as("project"), kw("set"), kw("status")).parse(i)?;
    let status = match i.first() {
        Some(t) if t.kind == TokenKind::Word => match i.text(t).to_ascii_lowercase().as_str() {
            "normal" => Some(ProjectStatusWord::Normal),
            "overdue" => Some(ProjectStatusWord::Overdue),
            "frozen" => Some(ProjectStatusWord::Frozen),
            _ => None,
        },
        _ => None,
    };
    match status {
        Some(status) => Ok((
            i.take_from(1),
            Statement::SetProjectStatus { project, status },
        )),
        None => fail(i, Expected::Class("project status (normal, overdue, frozen)")),
    }
}

fn tenant_flag(i: Tokens<'_>) -> PResult<'_, bool> {
    map(opt(kw("tenant")), |t| t.is_some()).parse(i)
}

fn comment_clause(i: Tokens<'_>) -> PResult<'_, Option<String>> {
    opt(preceded(kw("comment"), string)).parse(i)
}

fn resource_kind(i: Tokens<'_>) -> PResult<'_, ResourceKind> {
    alt((
        value(ResourceKind::Jar, kw("jar")),
        value(ResourceKind::File, kw("file")),
        value(ResourceKind::Archive, kw("archive")),
        value(ResourceKind::Py, kw("py")),
    ))
    .parse(i)
}

fn add(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(
            (kw("user"), user_name_principal, comment_clause),
            |(_, principal, comment)| Statement::AddUser { principal, comment },
        ),
        map(
            preceded(kw("accountprovider"), ident_as("provider")),
            |provider| Statement::AddAccountProvider { provider },
        ),
        map(
            preceded((kw("tenant"), kw("user")), user_name_principal),
            |principal| Statement::AddTenantUser { principal },
        ),
        map(
            (
                kw("tenant"),
                kw("role"),
                ident_as("role"),
                kw("to"),
                kw("project"),
                ident_as("project"),
            ),
            |(_, _, role, _, _, project)| Statement::AddTenantRoleToProject { role, project },
        ),
        map(
            (tenant_flag, kw("group"), ident_as("group")),
            |(tenant, _, name)| Statement::AddGroup { tenant, name },
        ),
        map(
            preceded(kw("trustedproject"), ident_as("project")),
            |project| Statement::AddTrustedProject { project },
        ),
        map(
            (resource_kind, resource_name, comment_clause),
            |(kind, name, comment)| Statement::AddResource {
                kind,
                name,
                comment,
            },
        ),
        map(
            (
                object_type,
                resource_name,
                kw("to"),
                kw("package"),
                ident_as("package"),
                opt(preceded((kw("with"), kw("privileges")), comma_list(action))),
            ),
            |(kind, object, _, _, package, privileges)| {
                Statement::AddToPackage(AddToPackageStmt {
                    kind,
                    object,
                    package,
                    privileges,
                })
            },
        ),
    ))
    .parse(i)
}

/// The principal of `add user` / `remove user`: a user name, no kind keyword.
fn user_name_principal(i: Tokens<'_>) -> PResult<'_, Principal> {
    map(principal_name, |name| {
        principal_of(PrincipalKind::User, name)
    })
    .parse(i)
}

fn remove(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(preceded(kw("user"), user_name_principal), |principal| {
            Statement::RemoveUser { principal }
        }),
        map(
            preceded(kw("accountprovider"), ident_as("provider")),
            |provider| Statement::RemoveAccountProvider { provider },
        ),
        map(
            preceded((kw("tenant"), kw("user")), user_name_principal),
            |principal| Statement::RemoveTenantUser { principal },
        ),
        map(
            (
                kw("tenant"),
                kw("role"),
                ident_as("role"),
                kw("from"),
                kw("project"),
                ident_as("project"),
            ),
            |(_, _, role, _, _, project)| Statement::RemoveTenantRoleFromProject { role, project },
        ),
        map(
            (tenant_flag, kw("group"), ident_as("group")),
            |(tenant, _, name)| Statement::RemoveGroup { tenant, name },
        ),
        map(
            preceded(kw("trustedproject"), ident_as("project")),
            |project| Statement::RemoveTrustedProject { project },
        ),
        map(
            (
                object_type,
                resource_name,
                kw("from"),
                kw("package"),
                ident_as("package"),
            ),
            |(kind, object, _, _, package)| Statement::RemoveFromPackage {
                kind,
                object,
                package,
            },
        ),
    ))
    .parse(i)
}

fn list(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        value(Statement::ListUsers, kw("users")),
        value(Statement::ListAccountProviders, kw("accountproviders")),
        value(Statement::ListRoles { tenant: false }, kw("roles")),
        value(Statement::ListTrustedProjects, kw("trustedprojects")),
        value(Statement::ListProjects, kw("projects")),
        map(
            preceded(quiet_kw("accesskeys"), opt(preceded(kw("for"), user_name_principal))),
            |principal| Statement::ListAccessKeys { principal },
        ),
        value(Statement::ListTenantUsers, (kw("tenant"), kw("users"))),
        value(
            Statement::ListRoles { tenant: true },
            (kw("tenant"), kw("roles")),
        ),
        map(
            (
                tenant_flag,
                kw("groups"),
                opt(preceded((kw("for"), kw("user")), user_name_principal)),
            ),
            |(tenant, _, user)| Statement::ListGroups { tenant, user },
        ),
        value(Statement::Snapshot(SnapshotStmt::List), kw("snapshots")),
    ))
    .parse(i)
}

fn show(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        show_grants,
        show_acl,
        show_principals,
        show_role_grant,
        show_label,
        show_packages,
        show_package,
        checks::show_outflow_paths,
        map(kw("securityconfiguration"), |_| {
            Statement::ShowSecurityConfiguration
        }),
        show_effective_grants,
        audit::show_audit,
    ))
    .parse(i)
}

/// `show effective grants [for <principal>] [on <object>] [in project <p>]`.
fn show_effective_grants(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = (kw("effective"), kw("grants")).parse(i)?;
    let (i, principal) = opt(preceded(kw("for"), principal)).parse(i)?;
    let (i, object) = opt(preceded(kw("on"), grant_object)).parse(i)?;
    let (i, project) = opt(preceded((kw("in"), kw("project")), ident_as("project"))).parse(i)?;
    Ok((
        i,
        Statement::ShowEffectiveGrants(ShowEffectiveGrantsStmt {
            principal,
            object,
            project,
        }),
    ))
}

/// `snapshot save <name>`, `snapshot restore <name>`.
fn snapshot(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(preceded(kw("save"), ident_as("snapshot")), |n| {
            Statement::Snapshot(SnapshotStmt::Save(n))
        }),
        map(preceded(kw("restore"), ident_as("snapshot")), |n| {
            Statement::Snapshot(SnapshotStmt::Restore(n))
        }),
    ))
    .parse(i)
}

fn show_grants(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("grants")(i)?;
    let (i, principal) = opt(preceded(kw("for"), principal)).parse(i)?;
    let type_follows = i
        .peek_word(1)
        .is_some_and(|w| w.eq_ignore_ascii_case("type"));
    let (i, on_type) = if type_follows {
        map(on_type, Some).parse(i)?
    } else {
        (i, None)
    };
    let (i, on_object) = if on_type.is_none() {
        opt(preceded(kw("on"), grant_object)).parse(i)?
    } else {
        (i, None)
    };
    let (i, properties) = opt_properties(i)?;
    Ok((
        i,
        Statement::ShowGrants(ShowGrantsStmt {
            principal,
            on_type,
            on_object,
            properties,
        }),
    ))
}

fn show_acl(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = (kw("acl"), kw("for")).parse(i)?;
    // The type comes after the name, but a resource is a file name (`udtf.jar`), never
    // `<project>.<name>`: when the statement ends with `on type resource`, read the name as
    // resources are read everywhere else.
    let words = |from: usize| (from..i.toks.len()).map(|n| i.peek_word(n));
    let resource_typed = i.toks.len() >= 4
        && words(i.toks.len() - 3)
            .zip(["on", "type", "resource"])
            .all(|(w, k)| w.is_some_and(|w| w.eq_ignore_ascii_case(k)));
    if resource_typed {
        return map((resource_name, on_type), |(name, kind)| {
            Statement::ShowAcl {
                object: ObjectName {
                    project: None,
                    name,
                },
                on_type: Some(kind),
            }
        })
        .parse(i);
    }
    map((object_name, opt(on_type)), |(object, on_type)| {
        Statement::ShowAcl { object, on_type }
    })
    .parse(i)
}

fn show_principals(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("principals")(i)?;
    let (i, _) = opt(kw("for")).parse(i)?;
    let (i, tenant) = if i
        .peek_word(0)
        .is_some_and(|w| w.eq_ignore_ascii_case("tenant"))
        && i.toks.len() > 1
    {
        tenant_flag(i)?
    } else {
        (i, false)
    };
    let (i, _) = if i.toks.len() > 1 {
        opt(kw("role")).parse(i)?
    } else {
        (i, None)
    };
    let (i, role) = ident_as("role")(i)?;
    Ok((i, Statement::ShowPrincipals { tenant, role }))
}

fn show_role_grant(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map((kw("role"), kw("grant"), principal), |(_, _, principal)| {
            Statement::ShowRoleGrant { principal }
        }),
        value(Statement::ListRoles { tenant: false }, kw("roles")),
    ))
    .parse(i)
}

fn table_with_columns(i: Tokens<'_>) -> PResult<'_, (ObjectName, Option<Vec<String>>)> {
    (object_name, opt(columns)).parse(i)
}

fn show_label(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("label")(i)?;
    let (i, level) = opt(integer).parse(i)?;
    let (i, _) = kw("grants")(i)?;
    let (i, on) = opt(preceded((kw("on"), kw("table")), table_with_columns)).parse(i)?;
    let (i, principal) = opt(preceded(kw("for"), user_principal)).parse(i)?;
    let (i, properties) = opt_properties(i)?;
    let (table, columns) = on.map_or((None, None), |(t, c)| (Some(t), c));
    Ok((
        i,
        Statement::ShowLabelGrants(ShowLabelGrantsStmt {
            level,
            table,
            columns,
            principal,
            properties,
        }),
    ))
}

fn show_packages(i: Tokens<'_>) -> PResult<'_, Statement> {
    map(preceded(kw("packages"), opt_properties), |properties| {
        Statement::ShowPackages { properties }
    })
    .parse(i)
}

fn show_package(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("package")(i)?;
    let items_follow = i
        .peek_word(0)
        .is_some_and(|w| w.eq_ignore_ascii_case("items"))
        && !i.toks.get(1).is_some_and(|t| t.is_punct('.'));
    if items_follow {
        let (i, _) = kw("items")(i)?;
        let (i, project) = opt(preceded(kw("from"), ident_as("project"))).parse(i)?;
        let (i, on_type) = opt(on_type).parse(i)?;
        return Ok((i, Statement::ShowPackageItems { project, on_type }));
    }
    map(package_name, |(project, name)| Statement::DescribePackage {
        project,
        name,
    })
    .parse(i)
}

/// `[<project>.]<package>`
fn package_name(i: Tokens<'_>) -> PResult<'_, (Option<String>, String)> {
    map(object_name, |o| (o.project, o.name)).parse(i)
}

fn create(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(
            (tenant_flag, kw("role"), ident_as("role"), opt_properties),
            |(tenant, _, name, properties)| Statement::CreateRole {
                tenant,
                name,
                properties,
            },
        ),
        map(preceded(kw("package"), ident_as("package")), |name| {
            Statement::CreatePackage { name }
        }),
        map(
            preceded(quiet_kw("accesskey"), opt(preceded(kw("for"), user_name_principal))),
            |principal| Statement::CreateAccessKey { principal },
        ),
        map(
            (
                kw("project"),
                if_not_exists,
                ident_as("project"),
                opt(preceded(kw("owner"), user_name_principal)),
                comment_clause,
            ),
            |(_, if_not_exists, name, owner, comment)| {
                Statement::CreateProject(CreateProjectStmt {
                    name,
                    if_not_exists,
                    owner,
                    comment,
                })
            },
        ),
        create_table,
        map(
            (
                kw("function"),
                object_name,
                kw("as"),
                string,
                kw("using"),
                string,
            ),
            |(_, name, _, class, _, resources)| Statement::CreateFunction {
                name,
                class,
                resources: resources
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
        ),
        checks::create_workspace,
    ))
    .parse(i)
}

/// `if exists`, the sandbox's idempotent drop.
fn if_exists(i: Tokens<'_>) -> PResult<'_, bool> {
    map(opt((kw("if"), kw("exists"))), |o| o.is_some()).parse(i)
}

/// `if not exists`, the sandbox's idempotent create.
fn if_not_exists(i: Tokens<'_>) -> PResult<'_, bool> {
    map(opt((kw("if"), kw("not"), kw("exists"))), |o| o.is_some()).parse(i)
}

fn create_table(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("table")(i)?;
    let (i, if_not_exists) = if_not_exists(i)?;
    let (i, table) = object_name(i)?;
    let (i, body) = alt((
        map(preceded((kw("as"), kw("select")), query_after_select), Ok),
        map(
            delimited(punct('('), comma_list(column_def), punct(')')),
            Err,
        ),
    ))
    .parse(i)?;
    match body {
        Ok(_) if if_not_exists => fail(i, Expected::Punct('(')),
        Ok(query) => Ok((i, Statement::CreateTableAs { table, query })),
        Err(columns) => Ok((
            i,
            Statement::CreateTable {
                table,
                columns,
                if_not_exists,
            },
        )),
    }
}

fn column_def(i: Tokens<'_>) -> PResult<'_, ColumnDef> {
    let (i, name) = ident_as("column")(i)?;
    let mut data_type = String::new();
    let (i, ()) = data_type_into(i, &mut data_type, 0)?;
    Ok((i, ColumnDef { name, data_type }))
}

const MAX_TYPE_DEPTH: usize = 16;

/// `string`, `decimal(10,2)`, `array<string>`, `map<string,bigint>`, printed lower-case into
/// `out` with no blanks.
fn data_type_into<'a>(i: Tokens<'a>, out: &mut String, depth: usize) -> PResult<'a, ()> {
    let (i, name) = match i.first() {
        Some(t) if t.kind == TokenKind::Word && depth < MAX_TYPE_DEPTH => {
            (i.take_from(1), i.text(t))
        }
        _ => return fail(i, Expected::Class("type")),
    };
    out.push_str(&name.to_ascii_lowercase());
    if let Ok((r, ())) = punct('(')(i) {
        let (r, args) = comma_list(integer).parse(r)?;
        let (r, ()) = punct(')')(r)?;
        let args: Vec<String> = args.iter().map(u64::to_string).collect();
        out.push('(');
        out.push_str(&args.join(","));
        out.push(')');
        return Ok((r, ()));
    }
    if let Ok((mut r, ())) = punct('<')(i) {
        out.push('<');
        loop {
            let (next, ()) = data_type_into(r, out, depth + 1)?;
            if let Ok((next, ())) = punct(',')(next) {
                out.push(',');
                r = next;
                continue;
            }
            let (next, ()) = punct('>')(next)?;
            out.push('>');
            return Ok((next, ()));
        }
    }
    Ok((i, ()))
}

fn drop(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(
            (tenant_flag, kw("role"), ident_as("role")),
            |(tenant, _, name)| Statement::DropRole { tenant, name },
        ),
        map(preceded(kw("package"), ident_as("package")), |name| {
            Statement::DropPackage { name }
        }),
        map(preceded(quiet_kw("accesskey"), ident_as("access key id")), |id| {
            Statement::DropAccessKey {
                target: AccessKeyTarget::Id(id),
            }
        }),
        map(
            preceded((quiet_kw("accesskeys"), kw("for")), user_name_principal),
            |p| Statement::DropAccessKey {
                target: AccessKeyTarget::Of(p),
            },
        ),
        map(
            preceded(kw("project"), (if_exists, ident_as("project"))),
            |(if_exists, name)| Statement::DropProject { name, if_exists },
        ),
        map(
            preceded(kw("table"), (if_exists, object_name)),
            |(if_exists, table)| Statement::DropTable { table, if_exists },
        ),
        map(preceded(kw("function"), object_name), |name| {
            Statement::DropFunction { name }
        }),
        map(preceded(kw("resource"), resource_name), |name| {
            Statement::DropResource { name }
        }),
        audit::drop_ram_user,
    ))
    .parse(i)
}

fn delete(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(
            (tenant_flag, kw("role"), ident_as("role")),
            |(tenant, _, name)| Statement::DropRole { tenant, name },
        ),
        map(preceded(kw("package"), ident_as("package")), |name| {
            Statement::DropPackage { name }
        }),
    ))
    .parse(i)
}

fn describe(i: Tokens<'_>) -> PResult<'_, Statement> {
    // `desc role` describes a role unless `role` is the whole statement (a table named role).
    let keyword_then_name = |w: &str, n: usize| {
        i.peek_word(0).is_some_and(|x| x.eq_ignore_ascii_case(w)) && i.toks.len() > n
    };
    if keyword_then_name("tenant", 2) || keyword_then_name("role", 1) {
        return map(
            (tenant_flag, kw("role"), ident_as("role")),
            |(tenant, _, name)| Statement::DescribeRole { tenant, name },
        )
        .parse(i);
    }
    if keyword_then_name("package", 1) {
        return map(preceded(kw("package"), package_name), |(project, name)| {
            Statement::DescribePackage { project, name }
        })
        .parse(i);
    }
    let _ = (kw("role")(i), kw("package")(i), kw("tenant")(i));
    map(object_name, |table| Statement::DescribeTable { table }).parse(i)
}

/// `grant ...`: super privileges, label grants, role grants and ACL grants.
fn grant(i: Tokens<'_>) -> PResult<'_, Statement> {
    if leads_form(i, "super") {
        let (i, (_, privileges, _, grantees)) = (
            kw("super"),
            comma_list(action),
            kw("to"),
            comma_list(principal),
        )
            .parse(i)?;
        return Ok((
            i,
            Statement::GrantSuper {
                privileges,
                grantees,
            },
        ));
    }
    if leads_form(i, "label") {
        let (i, (_, level, _, _, (table, columns), _, grantee, exp_days)) = (
            kw("label"),
            integer,
            kw("on"),
            kw("table"),
            table_with_columns,
            kw("to"),
            principal,
            opt(preceded((kw("with"), kw("exp")), integer)),
        )
            .parse(i)?;
        return Ok((
            i,
            Statement::GrantLabel(GrantLabelStmt {
                level,
                table,
                columns,
                grantee,
                exp_days,
            }),
        ));
    }
    let (i, body) = roles_or_acl(i, "to")?;
    match body {
        RolesOrAcl::Roles(g) => Ok((i, Statement::GrantRoles(g))),
        RolesOrAcl::Acl {
            privileges,
            object,
            grantees,
            properties,
        } => {
            let (i, with_grant_option) = map(opt((kw("with"), kw("grant"), kw("option"))), |o| {
                o.is_some()
            })
            .parse(i)?;
            Ok((
                i,
                Statement::Grant(GrantStmt {
                    privileges,
                    object,
                    grantees,
                    properties,
                    with_grant_option,
                }),
            ))
        }
    }
}

/// What follows `grant` / `revoke` once the super and label forms are ruled out.
enum RolesOrAcl {
    Roles(RoleGrantStmt),
    Acl {
        privileges: Vec<Privilege>,
        object: GrantObject,
        grantees: Vec<Principal>,
        properties: Properties,
    },
}

/// `[[tenant] role] r, ... <prep> principals` or `privileges on object <prep> principals [properties]`;
/// `prep` is `to` for grant, `from` for revoke.
fn roles_or_acl<'a>(i: Tokens<'a>, prep: &'static str) -> PResult<'a, RolesOrAcl> {
    if let Some((i, tenant)) = role_keyword(i) {
        let (i, (roles, _, principals)) = (
            comma_list(ident_as("role")),
            kw(prep),
            comma_list(principal),
        )
            .parse(i)?;
        return Ok((
            i,
            RolesOrAcl::Roles(RoleGrantStmt {
                tenant,
                roles,
                principals,
            }),
        ));
    }
    let (i, privileges) = comma_list(raw_privilege).parse(i)?;
    let (i, on) = opt(kw("on")).parse(i)?;
    if on.is_none() {
        if privileges.iter().any(|p| p.columns.is_some()) {
            return fail(i, Expected::Keyword("on"));
        }
        let (i, _) = kw(prep)(i)?;
        let roles = roles_from_privileges(privileges);
        let (i, principals) = comma_list(principal).parse(i)?;
        return Ok((
            i,
            RolesOrAcl::Roles(RoleGrantStmt {
                tenant: false,
                roles,
                principals,
            }),
        ));
    }
    let privileges = canonical_privileges(privileges);
    let (i, object) = grant_object(i)?;
    let (i, _) = kw(prep)(i)?;
    let (i, grantees) = comma_list(principal).parse(i)?;
    let (i, properties) = opt_properties(i)?;
    Ok((
        i,
        RolesOrAcl::Acl {
            privileges,
            object,
            grantees,
            properties,
        },
    ))
}

/// True when `grant|revoke` is followed by `word` introducing its own form (`grant super ...`,
/// `grant label 2 ...`) rather than by a role of that name (`grant super to u`).
fn leads_form(i: Tokens<'_>, word: &str) -> bool {
    i.peek_word(0).is_some_and(|w| w.eq_ignore_ascii_case(word))
        && !i.toks.get(1).is_some_and(|t| {
            t.is_punct(',') || {
                let next = i.text(t);
                t.kind == TokenKind::Word
                    && (next.eq_ignore_ascii_case("to") || next.eq_ignore_ascii_case("from"))
            }
        })
}

/// `role r` / `tenant role r` at the start of a role grant or revoke.
fn role_keyword(i: Tokens<'_>) -> Option<(Tokens<'_>, bool)> {
    let w0 = i.peek_word(0)?;
    let next_is_name = |n: usize| i.toks.get(n).is_some_and(is_name_token);
    if w0.eq_ignore_ascii_case("tenant")
        && i.peek_word(1)
            .is_some_and(|w| w.eq_ignore_ascii_case("role"))
        && next_is_name(2)
    {
        return Some((i.take_from(2), true));
    }
    if w0.eq_ignore_ascii_case("role") && next_is_name(1) {
        return Some((i.take_from(1), false));
    }
    None
}

/// In `grant worker to u` the list before `to` was read as privileges; it names roles.
fn roles_from_privileges(privileges: Vec<Privilege>) -> Vec<String> {
    privileges.into_iter().map(|p| p.name).collect()
}

fn revoke(i: Tokens<'_>) -> PResult<'_, Statement> {
    if leads_form(i, "super") {
        let (i, (_, privileges, _, grantees)) = (
            kw("super"),
            comma_list(action),
            kw("from"),
            comma_list(principal),
        )
            .parse(i)?;
        return Ok((
            i,
            Statement::RevokeSuper {
                privileges,
                grantees,
            },
        ));
    }
    if leads_form(i, "label") {
        let (i, (_, _, _, (table, columns), _, grantee)) = (
            kw("label"),
            kw("on"),
            kw("table"),
            table_with_columns,
            kw("from"),
            principal,
        )
            .parse(i)?;
        return Ok((
            i,
            Statement::RevokeLabel(RevokeLabelStmt {
                table,
                columns,
                grantee,
            }),
        ));
    }
    let (i, body) = roles_or_acl(i, "from")?;
    Ok((
        i,
        match body {
            RolesOrAcl::Roles(g) => Statement::RevokeRoles(g),
            RolesOrAcl::Acl {
                privileges,
                object,
                grantees,
                properties,
            } => Statement::Revoke(RevokeStmt {
                privileges,
                object,
                grantees,
                properties,
            }),
        },
    ))
}

fn purge(i: Tokens<'_>) -> PResult<'_, Statement> {
    map(
        (
            alt((kw("privs"), kw("privileges"))),
            kw("from"),
            comma_list(principal),
        ),
        |(_, _, principals)| Statement::PurgePrivs { principals },
    )
    .parse(i)
}

/// `on [tenant] role <r>` after `get policy` / `put policy <file>`.
fn policy_role(i: Tokens<'_>) -> PResult<'_, (Option<String>, bool)> {
    map(
        opt((kw("on"), tenant_flag, kw("role"), ident_as("role"))),
        |o| match o {
            Some((_, tenant, _, role)) => (Some(role), tenant),
            None => (None, false),
        },
    )
    .parse(i)
}

fn get(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(
            preceded(kw("policy"), policy_role),
            |(role, tenant_role)| Statement::GetPolicy { role, tenant_role },
        ),
        value(Statement::GetSecurityPolicy, (kw("security"), kw("policy"))),
    ))
    .parse(i)
}

fn put(i: Tokens<'_>) -> PResult<'_, Statement> {
    alt((
        map(
            (kw("policy"), path, policy_role),
            |(_, file, (role, tenant_role))| Statement::PutPolicy {
                file,
                role,
                tenant_role,
            },
        ),
        map((kw("security"), kw("policy"), path), |(_, _, file)| {
            Statement::PutSecurityPolicy { file }
        }),
    ))
    .parse(i)
}

fn label_target(i: Tokens<'_>) -> PResult<'_, LabelTarget> {
    let name_follows = i.toks.get(1).is_some_and(is_name_token);
    if name_follows {
        if let Ok((r, (table, columns))) = preceded(kw("table"), table_with_columns).parse(i) {
            return Ok((r, LabelTarget::Table { table, columns }));
        }
        if let Ok((r, role)) = preceded(kw("role"), ident_as("role")).parse(i) {
            return Ok((r, LabelTarget::Role(role)));
        }
    }
    map(user_principal, LabelTarget::User).parse(i)
}

fn set(i: Tokens<'_>) -> PResult<'_, Statement> {
    let label_form = i
        .peek_word(0)
        .is_some_and(|w| w.eq_ignore_ascii_case("label"))
        && i.toks.get(1).is_some_and(|t| t.kind == TokenKind::Number);
    if label_form {
        let (i, (_, level, _, target)) = (kw("label"), integer, kw("to"), label_target).parse(i)?;
        return Ok((
            i,
            Statement::SetLabel(SetLabelStmt {
                unset: false,
                level: Some(level),
                target,
            }),
        ));
    }
    let (i, key) = glued("setting name")(i)?;
    let eq_end = i.first().map(|t| t.end);
    let (i, ()) = punct('=')(i)?;
    let (i, value) = raw_until_with(i, eq_end);
    let (i, exception_file) = opt(preceded((kw("with"), kw("exception")), path)).parse(i)?;
    let (i, locations) = opt(preceded((kw("with"), kw("locations")), raw_rest)).parse(i)?;
    Ok((
        i,
        Statement::Set(SetStmt {
            key: key.to_string(),
            value: value.to_string(),
            exception_file,
            locations,
        }),
    ))
}

/// The source text of the tokens up to a blank-separated `with`, or to the end. `prev_end` is
/// where the token before them ends.
fn raw_until_with(i: Tokens<'_>, mut prev_end: Option<u32>) -> (Tokens<'_>, &str) {
    let mut n = 0;
    while let Some(t) = i.toks.get(n) {
        let detached = prev_end.is_none_or(|e| e != t.start);
        if detached && t.kind == TokenKind::Word && i.text(t).eq_ignore_ascii_case("with") {
            break;
        }
        prev_end = Some(t.end);
        n += 1;
    }
    if n == 0 {
        return (i, "");
    }
    let text = i
        .src
        .get(i.toks[0].start as usize..i.toks[n - 1].end as usize)
        .unwrap_or("");
    (i.take_from(n), text)
}

fn raw_rest(i: Tokens<'_>) -> PResult<'_, String> {
    match (i.toks.first(), i.toks.last()) {
        (Some(f), Some(l)) => Ok((
            i.take_from(i.toks.len()),
            i.src
                .get(f.start as usize..l.end as usize)
                .unwrap_or("")
                .to_string(),
        )),
        _ => fail(i, Expected::Class("locations")),
    }
}

fn unset(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, (_, level, _, target)) =
        (kw("label"), opt(integer), kw("to"), label_target).parse(i)?;
    Ok((
        i,
        Statement::SetLabel(SetLabelStmt {
            unset: true,
            level,
            target,
        }),
    ))
}

fn allow(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, (_, project, _, _, _, package)) = (
        kw("project"),
        name_or_star,
        kw("to"),
        kw("install"),
        kw("package"),
        ident_as("package"),
    )
        .parse(i)?;
    let (i, privileges) = opt(preceded(kw("with"), comma_list(action))).parse(i)?;
    let (i, label) = opt(preceded((kw("using"), kw("label")), integer)).parse(i)?;
    let (i, exp_days) = opt(preceded(kw("exp"), integer)).parse(i)?;
    Ok((
        i,
        Statement::AllowInstall(AllowInstallStmt {
            project,
            package,
            privileges,
            label,
            exp_days,
        }),
    ))
}

fn disallow(i: Tokens<'_>) -> PResult<'_, Statement> {
    map(
        (
            kw("project"),
            name_or_star,
            kw("to"),
            kw("install"),
            kw("package"),
            ident_as("package"),
        ),
        |(_, project, _, _, _, package)| Statement::DisallowInstall { project, package },
    )
    .parse(i)
}

fn install(i: Tokens<'_>, installing: bool) -> PResult<'_, Statement> {
    let (i, (_, project, _, package)) = (
        kw("package"),
        ident_as("project"),
        punct('.'),
        ident_as("package"),
    )
        .parse(i)?;
    Ok((
        i,
        if installing {
            Statement::InstallPackage { project, package }
        } else {
            Statement::UninstallPackage { project, package }
        },
    ))
}

fn setproject(i: Tokens<'_>) -> PResult<'_, Statement> {
    let mut pairs = Vec::new();
    let mut n = 0;
    let toks = i.toks;
    while n < toks.len() {
        // One `k=v` piece: touching tokens, plus anything inside brackets.
        let start = n;
        let mut depth = 0usize;
        let mut eq = None;
        n += 1;
        if toks[start].is_punct('=') {
            eq = Some(start);
        }
        if toks[start].is_punct('[') || toks[start].is_punct('(') {
            depth += 1;
        }
        while n < toks.len() && (toks[n].start == toks[n - 1].end || depth > 0) {
            let t = &toks[n];
            if t.is_punct('[') || t.is_punct('(') {
                depth += 1;
            } else if (t.is_punct(']') || t.is_punct(')')) && depth > 0 {
                depth -= 1;
            } else if t.is_punct('=') && eq.is_none() && depth == 0 {
                eq = Some(n);
            }
            n += 1;
        }
        let Some(eq) = eq else {
            return fail(i.take_from(n), Expected::Punct('='));
        };
        if eq == start {
            return fail(i.take_from(start), Expected::Class("property name"));
        }
        let text = |a: usize, b: usize| {
            i.src
                .get(toks[a].start as usize..toks[b].end as usize)
                .unwrap_or("")
        };
        let key = text(start, eq - 1).to_string();
        let value = if eq + 1 < n { text(eq + 1, n - 1) } else { "" };
        let value = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) if value.len() >= 2 => inner,
            _ => value,
        };
        pairs.push((key, value.to_string()));
    }
    Ok((i.take_from(toks.len()), Statement::SetProject { pairs }))
}

fn insert(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, overwrite) = alt((value(false, kw("into")), value(true, kw("overwrite")))).parse(i)?;
    let (i, _) = opt(kw("table")).parse(i)?;
    let (i, table) = object_name(i)?;
    if overwrite {
        let (i, query) = preceded(kw("select"), query_after_select).parse(i)?;
        return Ok((
            i,
            Statement::InsertSelect {
                overwrite,
                table,
                query,
            },
        ));
    }
    let (i, body) = alt((
        map(preceded(kw("select"), query_after_select), Ok),
        map(preceded(kw("values"), comma_list(row)), Err),
    ))
    .parse(i)?;
    Ok((
        i,
        match body {
            Ok(query) => Statement::InsertSelect {
                overwrite: false,
                table,
                query,
            },
            Err(rows) => Statement::InsertValues { table, rows },
        },
    ))
}

fn row(i: Tokens<'_>) -> PResult<'_, Vec<Literal>> {
    delimited(punct('('), comma_list(literal), punct(')')).parse(i)
}

fn literal(i: Tokens<'_>) -> PResult<'_, Literal> {
    match i.first() {
        Some(t) if t.kind == TokenKind::Str => map(string, Literal::String).parse(i),
        Some(t) if t.kind == TokenKind::Number => {
            Ok((i.take_from(1), Literal::Number(i.text(t).to_string())))
        }
        Some(t) if t.is_punct('-') => match i.toks.get(1) {
            Some(n) if n.kind == TokenKind::Number && n.start == t.end => {
                Ok((i.take_from(2), Literal::Number(format!("-{}", i.text(n)))))
            }
            _ => fail(i.take_from(1), Expected::Class("number")),
        },
        Some(t) if t.kind == TokenKind::Word => {
            let w = i.text(t);
            if w.eq_ignore_ascii_case("null") {
                Ok((i.take_from(1), Literal::Null))
            } else if w.eq_ignore_ascii_case("true") {
                Ok((i.take_from(1), Literal::Bool(true)))
            } else if w.eq_ignore_ascii_case("false") {
                Ok((i.take_from(1), Literal::Bool(false)))
            } else {
                fail(i, Expected::Class("value"))
            }
        }
        _ => fail(i, Expected::Class("value")),
    }
}

/// `<cols>|* from [<p>.]<t>` (after `select`).
fn query_after_select(i: Tokens<'_>) -> PResult<'_, Query> {
    let (i, columns) = alt((
        value(None, punct('*')),
        map(comma_list(ident_as("column")), Some),
    ))
    .parse(i)?;
    let (i, (_, from)) = (kw("from"), object_name).parse(i)?;
    Ok((i, Query { columns, from }))
}

fn tunnel(i: Tokens<'_>) -> PResult<'_, Statement> {
    map((kw("download"), object_name, path), |(_, table, path)| {
        Statement::TunnelDownload { table, path }
    })
    .parse(i)
}

fn ip_address(i: Tokens<'_>) -> PResult<'_, String> {
    let (r, text) = match i.first() {
        Some(t) if t.kind == TokenKind::Str => string(i)?,
        _ => map(glued("ip address"), str::to_string).parse(i)?,
    };
    if text.parse::<std::net::IpAddr>().is_ok() {
        Ok((r, text))
    } else {
        fail(i, Expected::Class("ip address"))
    }
}

fn explain(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, principal) = opt(preceded(kw("for"), user_principal)).parse(i)?;
    let (i, source_ip) = opt(preceded(kw("from"), ip_address)).parse(i)?;
    let (i, statement) = statement(i)?;
    Ok((
        i,
        Statement::Explain(ExplainStmt {
            principal,
            source_ip,
            statement: Box::new(statement),
        }),
    ))
}

// ---------------------------------------------------------------------------------------------
// Entry points

fn describe_found(tok: Option<&Token>, src: &str) -> String {
    let Some(t) = tok else {
        return "end of statement".to_string();
    };
    let text = t.text(src);
    let mut shown: String = text.chars().take(40).flat_map(char::escape_debug).collect();
    if text.chars().count() > 40 {
        shown.push_str("...");
    }
    match t.kind {
        TokenKind::Str => format!("string {shown}"),
        TokenKind::Punct(c) => quote_punct(c),
        _ => format!("'{shown}'"),
    }
}

/// Parse one token slice (one statement, no `;`). `end_pos` is where the statement ends, for
/// errors that find nothing more.
fn parse_tokens(
    toks: &[Token],
    src: &str,
    track: &Tracker,
    file: &str,
    end_pos: (u32, u32),
) -> Result<Statement> {
    track.reset();
    let input = Tokens { toks, src, track };
    if let Ok((rest, stmt)) = statement(input) {
        if rest.toks.is_empty() {
            return Ok(stmt);
        }
        let _ = end(rest);
    }
    let (remaining, expected) = track.furthest();
    let remaining = remaining.min(toks.len());
    let index = toks.len() - remaining;
    if let Some((at, message)) = misspelt_object_type(toks, index, src) {
        return Err(Error::Syntax {
            position: Position {
                file: file.to_string(),
                line: at.line,
                col: at.col,
            },
            message,
        });
    }
    let found = toks.get(index);
    let (line, col) = found.map_or(end_pos, |t| (t.line, t.col));
    let suggestion = found
        .filter(|t| t.kind == TokenKind::Word)
        .and_then(|t| {
            let mut words: Vec<&str> = Vec::new();
            for e in &expected {
                match e {
                    Expected::Keyword(k) => words.push(k),
                    Expected::Class("object type") => {
                        words.extend(OBJECT_TYPES.iter().map(|(k, _)| *k))
                    }
                    // An enumerated class names its words: `project status (normal, ...)`.
                    Expected::Class(class) => words.extend(enumerated(class)),
                    _ => {}
                }
            }
            crate::suggest::nearest(t.text(src), words)
        });
    let list: Vec<String> = expected.iter().map(Expected::render).collect();
    if let (Some(word), 0) = (suggestion, index) {
        // At the start of a statement the list would be every statement keyword.
        return Err(Error::Syntax {
            position: Position {
                file: file.to_string(),
                line,
                col,
            },
            message: format!(
                "expected a statement, found {}; did you mean '{word}'?",
                describe_found(found, src)
            ),
        });
    }
    let suggestion = suggestion
        .map(|word| format!("; did you mean '{word}'?"))
        .unwrap_or_default();
    let message = match list.len() {
        0 => format!("unexpected {}", describe_found(found, src)),
        1 => format!("expected {}, found {}", list[0], describe_found(found, src)),
        _ => format!(
            "expected one of {}, found {}",
            list.join(", "),
            describe_found(found, src)
        ),
    } + &suggestion;
    Err(Error::Syntax {
        position: Position {
            file: file.to_string(),
            line,
            col,
        },
        message,
    })
}

/// `on tabel t1`: a misspelt object type is read as the object's name, and the error would
/// blame the real name after it. When the word after `on` (or `on type`) is a near miss of an
/// object type and the parse failed just after it, the error is about that word.
fn misspelt_object_type(toks: &[Token], failed_at: usize, src: &str) -> Option<(Token, String)> {
    let word = *toks.get(failed_at.checked_sub(1)?)?;
    let before = toks.get(failed_at.checked_sub(2)?)?;
    let before_text = before.text(src);
    if word.kind != TokenKind::Word
        || !["on", "type", "to", "from"]
            .iter()
            .any(|k| before_text.eq_ignore_ascii_case(k))
    {
        return None;
    }
    let text = word.text(src);
    if before_text.eq_ignore_ascii_case("to") || before_text.eq_ignore_ascii_case("from") {
        // `to usr RAM$x`: the kind keyword of a principal, misspelt.
        let kind = crate::suggest::nearest(text, ["user", "role"])?;
        return Some((
            word,
            format!("expected USER or ROLE, found '{text}'; did you mean '{kind}'?"),
        ));
    }
    let kind = crate::suggest::nearest(text, OBJECT_TYPES.iter().map(|(k, _)| *k))?;
    Some((
        word,
        format!("expected an object type, found '{text}'; did you mean '{kind}'?"),
    ))
}

fn lex_error(err: lexer::LexError, file: &str) -> Error {
    Error::Syntax {
        position: Position {
            file: file.to_string(),
            line: err.line,
            col: err.col,
        },
        message: err.message(),
    }
}

/// Parse one statement's text (without its `;`). `line`/`col` are where `text` starts in
/// `file`, so that error positions are absolute.
pub fn parse_statement(text: &str, file: &str, line: u32, col: u32) -> Result<Statement> {
    let mut lexer = Lexer::at(text, line, col);
    // A statement has a token per six bytes or so (`grant Select on table t to user x`):
    // room for that up front spares the vector its regrowth on every statement.
    let mut toks = Vec::with_capacity(text.len() / 4 + 4);
    for tok in lexer.by_ref() {
        toks.push(tok.map_err(|e| lex_error(e, file))?);
    }
    let end_pos = lexer.position();
    parse_tokens(&toks, text, &Tracker::new(), file, end_pos)
}

/// The words an enumerated class lists in its name: `risk level (low, medium, high)`.
fn enumerated(class: &'static str) -> impl Iterator<Item = &'static str> {
    class
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .into_iter()
        .flat_map(|list| list.split(", "))
}

/// The words the grammar allows right after `text` (an unfinished statement): the keywords,
/// and the object types where a type may come. Empty when `text` already has a mistake
/// before its end. The shell completes from this, so `use pol<Tab>` offers no keyword.
pub fn expected_words(text: &str) -> Vec<&'static str> {
    let Ok(toks) = Lexer::new(text).collect::<std::result::Result<Vec<Token>, _>>() else {
        return Vec::new();
    };
    let track = Tracker::new();
    let _ = parse_tokens(&toks, text, &track, "", (0, 0));
    let (remaining, expected) = track.furthest();
    if remaining != 0 {
        return Vec::new();
    }
    let mut out: Vec<&'static str> = Vec::new();
    for expected in &expected {
        match expected {
            Expected::Keyword(k) => out.push(k),
            Expected::Class("object type") => out.extend(OBJECT_TYPES.iter().map(|(k, _)| *k)),
            Expected::Class(class) => out.extend(enumerated(class)),
            _ => {}
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A lexer error (an unterminated quote or comment) as the parser reports it, positioned in
/// `file`.
pub fn lex_error_at(e: crate::lexer::LexError, file: &str) -> Error {
    lex_error(e, file)
}

/// Parses statements from tokens a caller already lexed: the formatter lexes a file once,
/// keeping the comments between tokens, and parses each statement from its tokens. One parser
/// serves a whole file, so what it records about failed alternatives is allocated once.
pub struct LexedParser {
    track: Tracker,
}

impl Default for LexedParser {
    fn default() -> Self {
        LexedParser {
            track: Tracker::new(),
        }
    }
}

impl LexedParser {
    /// Parses one statement's tokens out of `src` (without its `;`); `end_pos` is where the
    /// statement ends, for "found end of statement" errors.
    pub fn parse(
        &self,
        toks: &[Token],
        src: &str,
        file: &str,
        end_pos: (u32, u32),
    ) -> Result<Statement> {
        parse_tokens(toks, src, &self.track, file, end_pos)
    }
}

/// Parse a whole script, one statement at a time: each `next()` lexes up to the next `;` and
/// parses that statement, so memory stays that of one statement. Empty statements are skipped.
/// After an unterminated quote or comment the iterator yields that error and stops.
pub fn parse_script<'a>(src: &'a str, file: &'a str) -> ScriptParser<'a> {
    ScriptParser {
        lexer: Lexer::new(src),
        file,
        toks: Vec::new(),
        track: Tracker::new(),
        done: false,
    }
}

pub struct ScriptParser<'a> {
    lexer: Lexer<'a>,
    file: &'a str,
    toks: Vec<Token>,
    track: Tracker,
    done: bool,
}

impl Iterator for ScriptParser<'_> {
    type Item = Result<Located<Statement>>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.toks.clear();
            // "found end of statement" points just past the last token, as it does when the
            // statement's text alone is parsed (`parse_statement`, what batch runs use), not
            // at the `;` that may be lines further on.
            let mut end_pos = self.lexer.position();
            loop {
                match self.lexer.next() {
                    Some(Ok(t)) if t.is_punct(';') => break,
                    Some(Ok(t)) => {
                        self.toks.push(t);
                        end_pos = self.lexer.position();
                    }
                    Some(Err(e)) => {
                        self.done = true;
                        return Some(Err(lex_error(e, self.file)));
                    }
                    None => {
                        self.done = true;
                        break;
                    }
                }
            }
            let Some(first) = self.toks.first().copied() else {
                continue;
            };
            let parsed = parse_tokens(
                &self.toks,
                self.lexer.source(),
                &self.track,
                self.file,
                end_pos,
            );
            return Some(parsed.map(|node| Located {
                node,
                line: first.line,
                col: first.col,
            }));
        }
        None
    }
}
