//! The `--format json` interface, checked against its documentation. README's "JSON schema"
//! section holds the type of every line (its `schema` block) and an example of every result
//! kind; this test reads that block, checks the examples against it, then runs a statement of
//! every form (every `Statement` variant, so every grammar family) through the binary and checks
//! each line it prints — successes and failures of every error kind — against it too. A field
//! renamed, added or dropped in the code without the README, or the other way round, fails here.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

// ---- the schema notation (README, "JSON schema") ----

#[derive(Debug, Clone)]
enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    Null,
    /// Any JSON object (a policy document).
    Object,
    Literal(Value),
    Array(Box<Ty>),
    /// `{string: t}`: an object used as a map.
    Map(Box<Ty>),
    /// `{field: t, ...}`: exactly these fields.
    Struct(Vec<(String, Ty)>),
    Union(Vec<Ty>),
    Named(String),
}

struct Schema {
    named: BTreeMap<String, Ty>,
    /// Result kinds by their `type`; each struct starts with its `type` field.
    results: BTreeMap<String, Ty>,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Punct(char),
}

fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::new();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                s.push(c);
            }
            out.push(Token::Quoted(s));
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(Token::Word(s));
        } else {
            out.push(Token::Punct(c));
            chars.next();
        }
    }
    out
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Token {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t.unwrap_or_else(|| panic!("schema ends early: {:?}", self.tokens))
    }

    fn expect(&mut self, c: char) {
        let t = self.next();
        assert_eq!(
            t,
            Token::Punct(c),
            "schema: expected {c:?} in {:?}",
            self.tokens
        );
    }

    fn is(&self, c: char) -> bool {
        self.peek() == Some(&Token::Punct(c))
    }

    fn ty(&mut self) -> Ty {
        let mut alternatives = vec![self.postfix()];
        while self.is('|') {
            self.next();
            alternatives.push(self.postfix());
        }
        if alternatives.len() == 1 {
            alternatives.pop().unwrap()
        } else {
            Ty::Union(alternatives)
        }
    }

    fn postfix(&mut self) -> Ty {
        let t = self.atom();
        if self.is('?') {
            self.next();
            Ty::Union(vec![t, Ty::Null])
        } else {
            t
        }
    }

    fn atom(&mut self) -> Ty {
        match self.next() {
            Token::Punct('[') => {
                let t = self.ty();
                self.expect(']');
                Ty::Array(Box::new(t))
            }
            Token::Punct('{') => {
                if self.is('}') {
                    self.next();
                    return Ty::Struct(Vec::new());
                }
                if self.peek() == Some(&Token::Word("string".into())) {
                    self.next();
                    self.expect(':');
                    let t = self.ty();
                    self.expect('}');
                    return Ty::Map(Box::new(t));
                }
                let mut fields = Vec::new();
                loop {
                    let Token::Word(name) = self.next() else {
                        panic!("schema: a field name expected in {:?}", self.tokens)
                    };
                    self.expect(':');
                    fields.push((name, self.ty()));
                    if self.is(',') {
                        self.next();
                    } else {
                        self.expect('}');
                        return Ty::Struct(fields);
                    }
                }
            }
            Token::Quoted(s) => Ty::Literal(Value::String(s)),
            Token::Word(w) => match w.as_str() {
                "string" => Ty::String,
                "integer" => Ty::Integer,
                "number" => Ty::Number,
                "boolean" => Ty::Boolean,
                "null" => Ty::Null,
                "object" => Ty::Object,
                "true" => Ty::Literal(Value::Bool(true)),
                "false" => Ty::Literal(Value::Bool(false)),
                _ => Ty::Named(w),
            },
            other => panic!("schema: unexpected {other:?} in {:?}", self.tokens),
        }
    }
}

/// The README's "JSON schema" section.
fn section() -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let start = readme
        .find("\n## JSON schema\n")
        .expect("a JSON schema section");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 3);
    rest[..end].to_string()
}

/// The fenced blocks of `text` whose info string is `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim_end() == format!("```{lang}") => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => out.extend(current.take()),
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    out
}

fn schema() -> Schema {
    let section = section();
    let block = blocks(&section, "schema");
    assert_eq!(block.len(), 1, "one schema block");
    // An entry starts at a line that is not indented; indented lines continue it.
    let mut entries: Vec<String> = Vec::new();
    for line in block[0].lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with(' ') {
            let last = entries.last_mut().expect("a continuation after an entry");
            last.push(' ');
            last.push_str(line.trim());
        } else {
            entries.push(line.trim().to_string());
        }
    }
    let mut schema = Schema {
        named: BTreeMap::new(),
        results: BTreeMap::new(),
    };
    for entry in entries {
        let (head, body) = entry.split_once('=').expect("name = type");
        let mut parser = Parser {
            tokens: tokens(body),
            at: 0,
        };
        let ty = parser.ty();
        assert_eq!(parser.at, parser.tokens.len(), "trailing tokens in {entry}");
        let head: Vec<&str> = head.split_whitespace().collect();
        match head.as_slice() {
            ["result", kind] => {
                let Ty::Struct(mut fields) = ty else {
                    panic!("result {kind} is not an object")
                };
                fields.insert(
                    0,
                    ("type".into(), Ty::Literal(Value::String(kind.to_string()))),
                );
                let fresh = schema.results.insert(kind.to_string(), Ty::Struct(fields));
                assert!(fresh.is_none(), "result {kind} twice");
            }
            [name] => {
                let fresh = schema.named.insert(name.to_string(), ty);
                assert!(fresh.is_none(), "{name} twice");
            }
            _ => panic!("bad schema entry {entry}"),
        }
    }
    schema
}

impl Schema {
    fn check(&self, ty: &Ty, v: &Value, at: &str) -> Result<(), String> {
        let fail = |what: &str| Err(format!("{at}: expected {what}, found {v}"));
        match ty {
            Ty::String if v.is_string() => Ok(()),
            Ty::Integer if v.is_i64() || v.is_u64() => Ok(()),
            Ty::Number if v.is_number() => Ok(()),
            Ty::Boolean if v.is_boolean() => Ok(()),
            Ty::Null if v.is_null() => Ok(()),
            Ty::Object if v.is_object() => Ok(()),
            Ty::Literal(l) if v == l => Ok(()),
            Ty::Array(t) => match v.as_array() {
                Some(items) => items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, item)| self.check(t, item, &format!("{at}[{i}]"))),
                None => fail("an array"),
            },
            Ty::Map(t) => match v.as_object() {
                Some(map) => map
                    .iter()
                    .try_for_each(|(k, item)| self.check(t, item, &format!("{at}.{k}"))),
                None => fail("an object"),
            },
            Ty::Struct(fields) => {
                let Some(object) = v.as_object() else {
                    return fail("an object");
                };
                let want: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
                let got: Vec<&str> = object.keys().map(String::as_str).collect();
                if want.iter().collect::<BTreeSet<_>>() != got.iter().collect::<BTreeSet<_>>() {
                    return Err(format!("{at}: fields {got:?}, documented {want:?}"));
                }
                fields
                    .iter()
                    .try_for_each(|(f, t)| self.check(t, &object[f], &format!("{at}.{f}")))
            }
            Ty::Union(alternatives) => {
                let errors: Vec<String> = alternatives
                    .iter()
                    .filter_map(|t| self.check(t, v, at).err())
                    .collect();
                if errors.len() < alternatives.len() {
                    Ok(())
                } else {
                    Err(errors.join("; or "))
                }
            }
            Ty::Named(name) if name == "result" => {
                let kind = v["type"].as_str().unwrap_or_default();
                match self.results.get(kind) {
                    Some(t) => self.check(t, v, &format!("{at}<{kind}>")),
                    None => fail("a documented result type"),
                }
            }
            Ty::Named(name) => match self.named.get(name) {
                Some(t) => self.check(t, v, at),
                None => Err(format!("{at}: {name} is not defined in the schema")),
            },
            Ty::String => fail("a string"),
            Ty::Integer => fail("an integer"),
            Ty::Number => fail("a number"),
            Ty::Boolean => fail("a boolean"),
            Ty::Null => fail("null"),
            Ty::Object => fail("an object"),
            Ty::Literal(l) => fail(&l.to_string()),
        }
    }

    /// A line of `--format json`: a record, or a failure.
    fn check_line(&self, v: &Value) -> Result<(), String> {
        let name = if v["ok"] == Value::Bool(false) {
            "failure"
        } else {
            "record"
        };
        self.check(&Ty::Named(name.into()), v, name)
    }

    fn names_used(ty: &Ty, out: &mut BTreeSet<String>) {
        match ty {
            Ty::Array(t) | Ty::Map(t) => Self::names_used(t, out),
            Ty::Struct(fields) => fields.iter().for_each(|(_, t)| Self::names_used(t, out)),
            Ty::Union(ts) => ts.iter().for_each(|t| Self::names_used(t, out)),
            Ty::Named(n) => {
                out.insert(n.clone());
            }
            _ => {}
        }
    }
}

// ---- running the binary ----

fn package_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mcsec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .current_dir(package_root())
        .args(["--catalog", ":memory:"])
        .args(args)
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_CATALOG")
        .output()
        .expect("mcsec runs")
}

/// `LTAI` + 20 characters (an access key id) and the secret after `AccessKeySecret: `, masked.
fn mask_access_keys(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("AccessKeySecret: ") {
                return "AccessKeySecret: <secret>".to_string();
            }
            line.split(' ')
                .map(|w| {
                    if w.starts_with("LTAI") && w.len() == 24 {
                        "<id>"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .map(|l| l + "\n")
        .collect()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// One statement of every form, in an order where each succeeds; `@DIR@` is a scratch
/// directory. Policy files are the golden scripts' (paths relative to the package root).
const EVERY_STATEMENT: &str = r#"
help;
help grant;
create project prj1 comment 'sales';
create project prj2;
list projects;
use prj1;
whoami;
create accesskey for RAM$bob;
list accesskeys;
drop accesskeys for RAM$bob;
add user RAM$bob;
add user RAM$amy;
list users;
add accountprovider taobao;
remove accountprovider taobao;
list accountproviders;
create role worker;
list roles;
grant worker to RAM$bob;
show principals worker;
show role grant RAM$bob;
create table t (name string, phone string, age bigint);
insert into t values ('bob', '555-0100', 42), ('amy', NULL, 7);
select * from t;
grant Select on table t to role worker;
grant Describe on table t to user RAM$bob privilegeproperties("expires"="30");
describe role worker;
show grants for RAM$bob;
show grants for role worker;
show grants;
show acl for t;
revoke Describe on table t from user RAM$bob;
grant super Write to user RAM$amy;
revoke super Write from user RAM$amy;
get policy;
put policy tests/golden/files/project_policy.json;
get policy;
put policy tests/golden/files/role_policy.json on role worker;
get policy on role worker;
put security policy tests/golden/files/project_policy.json;
get security policy;
set LabelSecurity=true;
set label 2 to table t(phone);
grant label 2 on table t(phone) to user RAM$bob;
show label grants for user RAM$bob;
show label grants on table t;
show label grants on table t for user RAM$bob;
revoke label on table t(phone) from user RAM$bob;
clear expired grants;
describe t;
setproject odps.security.enabledownloadprivilege=false;
setproject odps.sql.allow.fullscan=true;
setproject;
show SecurityConfiguration;
set odps.sql.type.system.odps2=true;
add trustedproject prj2;
list trustedprojects;
remove trustedproject prj2;
add jar udf.jar;
create function f as 'com.example.F' using 'udf.jar';
drop function f;
create table t2 as select name from t;
insert into table t2 select name from t;
tunnel download t2 @DIR@/t2.csv;
explain select phone from t;
explain for RAM$bob from 10.0.0.1 tunnel download t @DIR@/t.csv;
explain for RAM$bob grant Select on table t to user RAM$amy;
explain add tenant user RAM$dave;
show effective grants for RAM$bob;
show effective grants on table t;
check for RAM$bob select phone from t;
check add user RAM$zed;
create table if not exists t (x string);
snapshot save s1;
list snapshots;
snapshot restore s1;
alter project prj2 set status frozen;
alter project prj2 set status normal;
create package pkg;
add table t to package pkg;
allow project prj2 to install package pkg;
show packages;
describe package pkg;
use prj2;
install package prj1.pkg;
show packages;
show package items;
describe package prj1.pkg;
show grants on table t privilegeproperties("refobject"="true", "refproject"="prj1", "package"="pkg");
uninstall package prj1.pkg;
use prj1;
disallow project prj2 to install package pkg;
remove table t from package pkg;
drop package pkg;
drop table t2;
drop resource udf.jar;
add group g1;
list groups;
remove group g1;
revoke worker from RAM$bob;
remove user RAM$amy;
purge privs from user RAM$amy;
drop role worker;
add tenant user RAM$carol;
list tenant users;
create tenant role tr;
list tenant roles;
grant tenant role tr to user RAM$carol;
show principals for tenant role tr;
grant Select on table prj1.t to tenant role tr;
put policy tests/golden/files/role_policy.json on tenant role tr;
get policy on tenant role tr;
describe tenant role tr;
show grants for tenant role tr;
show grants for tenant user RAM$carol;
add tenant role tr to project prj1;
remove tenant role tr from project prj1;
add tenant group tg;
list tenant groups;
remove tenant group tg;
revoke Select on table prj1.t from tenant role tr;
revoke tenant role tr from user RAM$carol;
drop tenant role tr;
remove tenant user RAM$carol;
login RAM$bob;
whoami;
login RAM$nobody from 10.1.2.3;
login ALIYUN$owner from 127.0.0.1;
create workspace shop mode standard scheduler RAM$sched;
diagnose project prj1;
show outflow paths from project prj1;
use prj1;
add user RAM$zed;
create role zr;
grant zr to RAM$zed;
drop ram user RAM$zed;
show audit for user RAM$zed limit 2;
survey project prj1 inactive 30 days addresses 1;
survey tenant;
alter tenant set audit retention 365 days;
drop project prj2;
"#;

#[test]
fn the_schema_is_complete_and_the_readme_examples_follow_it() {
    let schema = schema();
    let mut used = BTreeSet::new();
    for ty in schema.named.values().chain(schema.results.values()) {
        Schema::names_used(ty, &mut used);
    }
    for name in &used {
        assert!(
            name == "result" || schema.named.contains_key(name),
            "{name} is used but not defined"
        );
    }
    assert!(schema.named.contains_key("record") && schema.named.contains_key("failure"));

    let mut shown = BTreeSet::new();
    let (mut records, mut failures) = (0, 0);
    for example in blocks(&section(), "json") {
        let v: Value = serde_json::from_str(&example).unwrap_or_else(|e| panic!("{e}: {example}"));
        if v.get("ok").is_some() {
            schema
                .check_line(&v)
                .unwrap_or_else(|e| panic!("{e}\n{example}"));
            if v["ok"] == Value::Bool(true) {
                records += 1;
                shown.insert(v["result"]["type"].as_str().unwrap_or_default().to_string());
            } else {
                failures += 1;
            }
        } else {
            schema
                .check(&Ty::Named("result".into()), &v, "result")
                .unwrap_or_else(|e| panic!("{e}\n{example}"));
            shown.insert(v["type"].as_str().unwrap_or_default().to_string());
        }
    }
    assert!(
        records >= 1 && failures >= 1,
        "a record and a failure are shown"
    );
    let documented: BTreeSet<String> = schema.results.keys().cloned().collect();
    assert_eq!(shown, documented, "every result kind has an example");
}

#[test]
fn every_statement_form_prints_lines_of_the_documented_schema() {
    let schema = schema();
    let dir = tempfile::tempdir().expect("temp dir");
    let script_text = EVERY_STATEMENT.replace("@DIR@", &dir.path().display().to_string());
    let script = dir.path().join("every.sql");
    std::fs::write(&script, &script_text).expect("script written");
    let script = script.display().to_string();

    // Every form of the grammar is in the script.
    let mut variants = BTreeSet::new();
    for piece in mcsec::lexer::split(&script_text) {
        if let Ok(stmt) = mcsec::parser::parse_statement(piece.text, "every.sql", 1, 1) {
            variants.insert(mcsec::grammar::variant_name(&stmt));
        }
    }
    let all: BTreeSet<&str> = mcsec::grammar::statement_variants()
        .iter()
        .copied()
        .collect();
    let missing: Vec<_> = all.difference(&variants).collect();
    assert!(
        missing.is_empty(),
        "statement forms not covered: {missing:?}"
    );

    let json = mcsec(&["--format", "json", "-f", &script]);
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let records = lines(&json);
    assert_eq!(records.len(), mcsec::lexer::split(&script_text).count());
    let mut kinds = BTreeSet::new();
    for record in &records {
        schema
            .check_line(record)
            .unwrap_or_else(|e| panic!("{e}\n{record}"));
        kinds.insert(
            record["result"]["type"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    let documented: BTreeSet<String> = schema.results.keys().cloned().collect();
    assert_eq!(kinds, documented, "every result kind is produced");

    // `text` is exactly what text mode prints for the same statement (access keys are drawn
    // at random: their ids and secrets are masked on both sides).
    let text = mcsec(&["-f", &script]);
    assert_eq!(text.status.code(), Some(0));
    let joined: String = records
        .iter()
        .map(|r| r["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        mask_access_keys(&joined),
        mask_access_keys(&String::from_utf8_lossy(&text.stdout))
    );
}

#[test]
fn failures_say_their_kind_code_and_authorization_sub_code() {
    let schema = schema();
    let dir = tempfile::tempdir().expect("temp dir");
    let deny = dir.path().join("deny.json");
    std::fs::write(
        &deny,
        r#"{"Version": "1", "Statement": [{"Effect": "Deny", "Principal": "RAM$owner:bob",
            "Action": "odps:Describe", "Resource": "acs:odps:*:projects/prj1/tables/t"}]}"#,
    )
    .expect("policy written");
    let deny = deny.display().to_string();
    let missing_file = dir.path().join("missing.json").display().to_string();
    type Expect = Option<(&'static str, Option<&'static str>, Option<&'static str>)>;
    let steps: Vec<(String, Expect)> = vec![
        ("create project prj1".into(), None),
        ("create project prj2".into(), None),
        ("use prj1".into(), None),
        ("create table t (name string, phone string)".into(), None),
        ("add user RAM$bob".into(), None),
        (
            "grant Select, Describe on table t to user RAM$bob".into(),
            None,
        ),
        ("set LabelSecurity=true".into(), None),
        ("set label 2 to table t(phone)".into(), None),
        (format!("put policy {deny}"), None),
        ("create package pkg".into(), None),
        ("selec x".into(), Some(("syntax", None, None))),
        (
            "add user RAM$bob".into(),
            Some(("semantic", Some("ODPS-0420095"), None)),
        ),
        (
            "use nosuch".into(),
            Some(("semantic", Some("ODPS-0420111"), None)),
        ),
        // A failed `use` under --keep-going leaves no project current.
        ("use prj1".into(), None),
        (
            "describe nosuch".into(),
            Some(("semantic", Some("ODPS-0130131"), None)),
        ),
        (
            "insert into t values ('x')".into(),
            Some(("semantic", Some("ODPS-0130071"), None)),
        ),
        (
            "set label 12 to table t".into(),
            Some(("semantic", None, None)),
        ),
        (
            format!("put policy {missing_file}"),
            Some(("io", None, None)),
        ),
        ("history".into(), Some(("usage", None, None))),
        ("login RAM$bob".into(), None),
        (
            "list users".into(),
            Some(("authorization", Some("ODPS-0420095"), Some("4019"))),
        ),
        (
            "select name from t".into(),
            Some(("authorization", Some("ODPS-0130013"), Some("4019"))),
        ),
        (
            "describe t".into(),
            Some(("authorization", Some("ODPS-0130013"), Some("4011"))),
        ),
        (
            format!("tunnel download t {}/t.csv", dir.path().display()),
            Some(("authorization", Some("NoPermission"), Some("4031"))),
        ),
        (
            "use prj2".into(),
            Some(("authorization", Some("ODPS-0420095"), Some("4002"))),
        ),
        ("login ALIYUN$owner".into(), None),
        ("use prj1".into(), None),
        ("set ProjectProtection=true".into(), None),
        ("use prj2".into(), None),
        (
            "select name from prj1.t".into(),
            Some(("authorization", Some("ODPS-0130013"), Some("4021"))),
        ),
        (
            "install package prj1.pkg".into(),
            Some(("authorization", Some("ODPS-0110061"), None)),
        ),
        ("use prj1".into(), None),
        (
            "setproject odps.security.ip.whitelist=10.0.0.1".into(),
            None,
        ),
        (
            "list users".into(),
            Some(("authorization", Some("ODPS-0420095"), Some("whitelist"))),
        ),
        ("use prj2".into(), None),
        (
            "use prj1".into(),
            Some(("authorization", Some("ODPS-0420095"), Some("whitelist"))),
        ),
    ];
    let script: String = steps.iter().map(|(s, _)| format!("{s};\n")).collect();
    let file = dir.path().join("failures.sql");
    std::fs::write(&file, &script).expect("script written");
    let out = mcsec(&[
        "--format",
        "json",
        "--keep-going",
        "-f",
        &file.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let mut records = lines(&out);
    let summary = records.pop().expect("a summary line");
    schema
        .check(&Ty::Named("summary".into()), &summary, "summary")
        .unwrap_or_else(|e| panic!("{e}\n{summary}"));
    assert_eq!(summary["statements"], steps.len());
    assert_eq!(
        summary["failed"],
        steps.iter().filter(|(_, expect)| expect.is_some()).count()
    );
    assert_eq!(records.len(), steps.len(), "{records:#?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (record, (statement, expect)) in records.iter().zip(&steps) {
        schema
            .check_line(record)
            .unwrap_or_else(|e| panic!("{e}\n{record}"));
        match expect {
            None => assert_eq!(record["ok"], true, "{statement}: {record}"),
            Some((kind, code, auth_code)) => {
                assert_eq!(record["ok"], false, "{statement}: {record}");
                let got = (
                    record["kind"].as_str(),
                    record["code"].as_str(),
                    record["auth_code"].as_str(),
                );
                assert_eq!(
                    got,
                    (Some(*kind), *code, *auth_code),
                    "{statement}: {record}"
                );
                let error = record["error"].as_str().unwrap_or_default();
                assert!(stderr.contains(&format!("FAILED: {error}\n")), "{error}");
                if let Some(code) = code {
                    assert!(error.contains(code), "{error}");
                }
                if *kind == "syntax" {
                    let position = &record["position"];
                    assert_eq!(
                        error,
                        format!(
                            "{}:{}:{}: {}",
                            position["file"].as_str().unwrap_or_default(),
                            position["line"],
                            position["col"],
                            record["message"].as_str().unwrap_or_default()
                        )
                    );
                } else {
                    // A semantic error about a name points at the name.
                    assert_eq!(
                        record["position"].is_null(),
                        record["subject"].is_null(),
                        "{record}"
                    );
                    assert_eq!(record["message"], record["error"]);
                }
            }
        }
    }
}
