//! The properties the fuzz targets check, one function per target, each taking the raw input
//! bytes and panicking when a property fails. The targets in `fuzz_targets/` call them under
//! libFuzzer; `tests/fuzz_regressions.rs` of the main crate includes this file and replays every
//! input saved under `fuzz/regressions/<target>/`, so a crash once found stays fixed under plain
//! `cargo test`.
//!
//! Following one input through [`script_exec`]: the bytes `create project p; use p; create
//! table t (c string); revoke Select on table t from user RAM$bob;` are cut into statements by
//! the lexer, each is parsed, and each parsed statement runs on a session of an in-memory
//! engine whose files are an in-memory map. The whole catalog is dumped after each statement
//! (the dump after one is the dump before the next); when the statement fails the dump
//! afterwards must be the same as before (a failed statement changes nothing). After every
//! statement that changed the catalog the project owner must be allowed to read every table of
//! every project (unless the IP whitelist or the project's status refuses everyone), and after
//! an ACL `revoke` no (user, table) read that was denied before may be allowed.

use mcsec::ast::Statement;
use mcsec::authz::{authorize, Decision, Request, Resource, TaskType};
use mcsec::catalog::model::Table;
use mcsec::catalog::Catalog;
use mcsec::error::DenyCode;
use mcsec::exec::{Engine, Files, SessionOptions};
use mcsec::lexer::{count_statements, highlight_tokens, is_complete, split, Lexer};
use mcsec::parser::{parse_script, parse_statement};
use mcsec::policy::{parse_condition_expr, ConditionContext, PolicyDocument, PolicyKind};
use mcsec::server::api::{Request as HttpRequest, Response as HttpResponse, Service};
use mcsec::slt::{self, files::MemoryFiles, Records};
use mcsec::wire::{sign, xml};
use sqllogictest::{Control, Record};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Inputs longer than this are cut: the targets look for wrong answers in statements, and a
/// megabyte of noise only makes each execution slower.
const MAX_INPUT: usize = 16 * 1024;

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(&data[..data.len().min(MAX_INPUT)]).ok()
}

/// Lexer and statement splitter: tokens lie inside the input on character boundaries, in
/// order, with positions that count lines and characters; statement texts are slices of the
/// input at the position they claim, numbered 1, 2, 3, ...; the counters agree with the
/// splitter.
pub fn lex_split(data: &[u8]) {
    let Some(src) = text(data) else { return };
    let mut last_end = 0u32;
    let mut positions = Positions::new(src);
    for tok in Lexer::new(src) {
        let Ok(tok) = tok else { break };
        assert!(tok.start >= last_end && tok.start < tok.end, "{tok:?}");
        assert!(src.is_char_boundary(tok.start as usize), "{tok:?}");
        assert!(src.is_char_boundary(tok.end as usize), "{tok:?}");
        assert_eq!(positions.at(tok.start as usize), (tok.line, tok.col), "{tok:?}");
        assert!(!tok.text(src).is_empty());
        last_end = tok.end;
    }
    let mut count = 0;
    let base = src.as_ptr() as usize;
    let mut positions = Positions::new(src);
    for stmt in split(src) {
        count += 1;
        assert_eq!(stmt.index, count);
        // An empty statement's text is a constant, not a slice of the input.
        if !stmt.text.is_empty() {
            let offset = (stmt.text.as_ptr() as usize)
                .checked_sub(base)
                .expect("a statement's text lies in the input");
            assert!(offset + stmt.text.len() <= src.len());
            assert_eq!(positions.at(offset), (stmt.line, stmt.col), "{stmt:?}");
            // It opens with a token: nothing the lexer skips as blank.
            let blank = |c: char| c.is_ascii_whitespace();
            assert_eq!(stmt.text, stmt.text.trim_start_matches(blank), "{stmt:?}");
        }
    }
    assert_eq!(count_statements(src), count);
    if is_complete(src) {
        // A complete buffer's last token is `;`: a word on a new line after it (past any
        // trailing line comment) is one statement more.
        let longer = format!("{src}\nx");
        assert_eq!(count_statements(&longer), count + 1, "{src:?}");
    }
    for line in src.lines() {
        let mut end = 0;
        for (range, _) in highlight_tokens(line) {
            assert!(range.start >= end && range.start < range.end && range.end <= line.len());
            assert!(line.is_char_boundary(range.start) && line.is_char_boundary(range.end));
            end = range.end;
        }
    }
}

/// Line and column (1-based, columns in characters) of byte offsets of `src`, asked in
/// increasing order: each question scans only from the previous one.
struct Positions<'a> {
    src: &'a str,
    offset: usize,
    line: u32,
    col: u32,
}

impl<'a> Positions<'a> {
    fn new(src: &'a str) -> Self {
        Positions { src, offset: 0, line: 1, col: 1 }
    }

    fn at(&mut self, offset: usize) -> (u32, u32) {
        assert!(offset >= self.offset, "positions asked out of order");
        for c in self.src[self.offset..offset].chars() {
            if c == '\n' {
                self.line += 1;
                self.col = 1;
            } else {
                self.col += 1;
            }
        }
        self.offset = offset;
        (self.line, self.col)
    }
}

/// Parser and canonical printer: whatever parses prints to text that parses back to the same
/// statement, and printing that again gives the same text (the canonical form is a fixed
/// point). The streaming script parser agrees with splitting and parsing one by one.
pub fn parse_roundtrip(data: &[u8]) {
    let Some(src) = text(data) else { return };
    let mut one_by_one = Vec::new();
    for stmt in split(src) {
        if stmt.text.is_empty() {
            continue;
        }
        let parsed = parse_statement(stmt.text, "f.sql", stmt.line, stmt.col);
        if let Ok(ast) = &parsed {
            let printed = ast.to_string();
            let again = match parse_statement(&printed, "printed", 1, 1) {
                Ok(again) => again,
                Err(e) => panic!("{:?} printed as {printed:?}, which fails: {e}", stmt.text),
            };
            assert_eq!(&again, ast, "{:?} printed as {printed:?}", stmt.text);
            assert_eq!(again.to_string(), printed, "canonical text is not a fixed point");
        }
        one_by_one.push(parsed.map_err(|e| e.to_string()));
    }
    let streamed: Vec<_> = parse_script(src, "f.sql")
        .map(|r| r.map(|l| l.node).map_err(|e| e.to_string()))
        .collect();
    // The streaming parser stops after an unterminated quote; up to there both agree.
    assert!(streamed.len() <= one_by_one.len());
    assert_eq!(streamed[..], one_by_one[..streamed.len()], "{src:?}");
}

/// Policy documents of each kind and ACL condition expressions: parsing never panics; a
/// document that parses prints (pretty JSON) to a document that parses to the same JSON; a
/// condition that parses evaluates without panicking against a fixed request context.
pub fn policy(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Some(src) = text(rest) else { return };
    let kind = match selector % 4 {
        0 => PolicyKind::Project,
        1 => PolicyKind::Role,
        2 => PolicyKind::Exception,
        _ => {
            if let Ok(conditions) = parse_condition_expr(src) {
                let ctx = ConditionContext {
                    source_ip: "10.0.0.7".parse().ok(),
                    current_time: 1_700_000_000,
                    task_type: "SQL",
                    instance_id: Some("20240101000000000g"),
                    secure_transport: false,
                };
                for c in &conditions {
                    let _ = c.holds(&ctx);
                }
            }
            return;
        }
    };
    if let Ok(policy) = PolicyDocument::parse(src, kind) {
        let printed = policy.to_pretty_string();
        let again = match PolicyDocument::parse(&printed, kind) {
            Ok(again) => again,
            Err(e) => panic!("{src:?} printed as {printed:?}, which fails: {e}"),
        };
        assert_eq!(again.to_json(), policy.to_json(), "{src:?} printed as {printed:?}");
    }
}

/// The files a fuzzed script can name: the policy documents of the golden tests under their
/// paths, and whatever `tunnel download` writes (kept small).
struct MemFiles(Mutex<BTreeMap<String, Vec<u8>>>);

macro_rules! golden {
    ($path:literal) => {
        (
            concat!("tests/golden/", $path),
            &include_bytes!(concat!("../../tests/golden/", $path))[..],
        )
    };
}

impl MemFiles {
    fn seeded() -> Self {
        let mut map = BTreeMap::new();
        // Under the paths the golden scripts name them by, so that those scripts, the seed
        // corpus, run here as they run in the tests.
        for (path, text) in [
            golden!("files/project_policy.json"),
            golden!("files/role_policy.json"),
            golden!("files/exception.json"),
            golden!("files/deny_add_user.json"),
            golden!("files/bad_action.json"),
            golden!("authz/files/alice_exception.json"),
            golden!("authz/files/deny_alice.json"),
        ] {
            map.insert(path.to_string(), text.to_vec());
        }
        MemFiles(Mutex::new(map))
    }
}

impl Files for MemFiles {
    fn read(&self, path: &str) -> mcsec::Result<String> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(path) {
            Some(bytes) => String::from_utf8(bytes.clone())
                .map_err(|_| mcsec::Error::Io(format!("{path} is not UTF-8"))),
            None => Err(mcsec::Error::Io(format!("cannot read {path}: no such file"))),
        }
    }

    fn write(&self, path: &str, contents: &[u8]) -> mcsec::Result<()> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() < 16 {
            map.insert(path.to_string(), contents.to_vec());
        }
        Ok(())
    }
}

/// At most this many statements of a script run: enough for a tenant with grants, roles,
/// labels and packages, few enough that an execution stays fast.
const MAX_STATEMENTS: usize = 64;
const NOW: i64 = 1_700_000_000;

/// A whole script on an in-memory engine, checking after every statement that a failure
/// changed nothing and that the authorizer's invariants hold on the catalog it left.
pub fn script_exec(data: &[u8]) {
    let Some(src) = text(data) else { return };
    let engine = Engine::new(Catalog::memory());
    let options = SessionOptions {
        now: Some(NOW),
        ..SessionOptions::default()
    };
    let mut session = engine.session_with_files(options, Arc::new(MemFiles::seeded()));
    let statements = split(src).filter(|s| !s.text.is_empty()).take(MAX_STATEMENTS);
    let catalog = engine.catalog();
    // The catalog as the last statement left it: nothing runs between two statements, so
    // the dump after one is the dump before the next, taken once.
    let mut before = dump(catalog);
    for stmt in statements {
        let Ok(ast) = parse_statement(stmt.text, "f.sql", stmt.line, stmt.col) else {
            continue;
        };
        let reads_before = matches!(ast, Statement::Revoke(_)).then(|| table_reads(catalog));
        let outcome = session.execute(&ast);
        let after = dump(catalog);
        if let Err(e) = &outcome {
            assert!(before == after, "{:?} failed ({e}) but changed the catalog", stmt.text);
        }
        // Whether the owner may read a table depends on the catalog alone (the clock and the
        // request are fixed): a statement that left it byte-identical cannot have changed it.
        if after != before {
            owner_reads_everything(catalog, &ast);
        }
        before = after;
        if let (Some(before), Ok(_)) = (reads_before, &outcome) {
            for (read, allowed) in table_reads(catalog) {
                let was = before.get(&read).copied().unwrap_or(false);
                assert!(!allowed || was, "{:?} widened access: {read:?}", stmt.text);
            }
        }
    }
}

fn dump(catalog: &Catalog) -> Vec<(Vec<u8>, Vec<u8>)> {
    catalog.entries().unwrap_or_default()
}

/// `select *` from `table` as `principal` from the local address.
fn select(principal: &str, project: &str, table: &Table) -> Request {
    let columns = table.columns.iter().map(|c| c.name.clone()).collect();
    Request {
        principal: principal.into(),
        source_ip: "127.0.0.1".into(),
        current_project: Some(project.into()),
        action: mcsec::authz::Action::Select,
        resource: Resource::table_columns(project, &table.name, columns),
        task_type: TaskType::Sql,
        outflow: None,
        now: NOW,
    }
}

/// The owner of a project may read every table in it, whatever the ACL, policies, labels and
/// protection say, unless the IP whitelist or the project's status keeps everyone out.
fn owner_reads_everything(catalog: &Catalog, last: &Statement) {
    let txn = catalog.begin();
    let Ok(projects) = txn.projects() else { return };
    for project in projects {
        let Ok(tables) = txn.tables(&project.name) else {
            continue;
        };
        for table in tables {
            let response = authorize(&select(&project.owner, &project.name, &table), &txn);
            let excused = matches!(
                response.code,
                Some(DenyCode::Whitelist | DenyCode::ProjectStatus)
            );
            assert!(
                response.decision == Decision::Allow || excused,
                "after {last}: the owner of {} may not read {}: {:?}",
                project.name,
                table.name,
                response.message
            );
        }
    }
}

/// Whether each user of each project may read each of its tables.
fn table_reads(catalog: &Catalog) -> BTreeMap<(String, String, String), bool> {
    let txn = catalog.begin();
    let mut out = BTreeMap::new();
    let Ok(projects) = txn.projects() else {
        return out;
    };
    for project in projects {
        let (Ok(users), Ok(tables)) = (txn.users(&project.name), txn.tables(&project.name)) else {
            continue;
        };
        for user in &users {
            for table in &tables {
                let response = authorize(&select(&user.principal, &project.name, table), &txn);
                out.insert(
                    (project.name.clone(), user.principal.clone(), table.name.clone()),
                    response.decision == Decision::Allow,
                );
            }
        }
    }
    out
}

/// `.slt` files at most this long are also run (and completed): running is what costs, and a
/// few dozen records exercise every record kind.
const MAX_RUN_INPUT: usize = 4 * 1024;
/// At most this many records that run SQL are run.
const MAX_RUN_RECORDS: usize = 32;

/// The `.slt` reader of `mcsec test`: [`slt::load`] never panics; a malformed file is refused
/// at a line of the file; every record it reads lies on a line of the file; the records print
/// (the crate's printing, which `mcsec test --complete` writes files with) to text that reads
/// back to records printing the same, with the same SQL. A short file also runs as `mcsec
/// test` runs it (a failure names a line of the file), and is completed as `mcsec test
/// --complete` completes it: the completed text reads back, completing it again changes
/// nothing, and (unless its output is random: access keys) it then passes.
pub fn slt_reader(data: &[u8]) {
    let Some(src) = text(data) else { return };
    let lines = line_count(src);
    let records = match slt::load(src, "f.slt", None) {
        Ok(records) => records,
        Err(failure) => {
            assert_eq!(failure.file, "f.slt", "{failure}");
            assert!(failure.line >= 1 && failure.line <= lines, "{failure} of {lines} lines");
            return;
        }
    };
    for record in &records {
        if let Some(loc) = location(record) {
            assert_eq!(loc.file(), "f.slt");
            assert!(loc.line() >= 1 && loc.line() <= lines, "{record:?} of {lines} lines");
        }
    }
    let printed = print_records(&records);
    let again = match slt::load(&printed, "printed.slt", None) {
        Ok(again) => again,
        Err(failure) => panic!("{src:?} printed as {printed:?}, which fails: {failure}"),
    };
    assert_eq!(print_records(&again), printed, "{src:?}");
    assert_eq!(sql_of(&again), sql_of(&records), "{src:?} printed as {printed:?}");

    let running = records.iter().filter(|r| sql_text(r).is_some()).count();
    if src.len() > MAX_RUN_INPUT || running > MAX_RUN_RECORDS || !runnable(&records) {
        return;
    }
    let report = slt::run_records(records.clone(), Arc::new(MemoryFiles::default()), "f.slt");
    assert!(report.records <= running);
    if let Some(failure) = &report.failure {
        assert_eq!(failure.file, "f.slt", "{failure}");
        assert!(failure.line >= 1 && failure.line <= lines, "{failure} of {lines} lines");
    }
    let memory = || -> Arc<dyn mcsec::exec::Files> { Arc::new(MemoryFiles::default()) };
    let completed = match slt::complete_text(src, "f.slt", None, &memory) {
        Ok(completed) => completed,
        Err(failure) => panic!("{src:?} could not be completed: {failure}"),
    };
    let reread = match slt::load(&completed, "f.slt", None) {
        Ok(reread) => reread,
        Err(failure) => panic!("{src:?} completed as {completed:?}, which fails: {failure}"),
    };
    let twice = slt::complete_text(&completed, "f.slt", None, &memory);
    assert_eq!(twice.as_deref(), Ok(completed.as_str()), "{src:?}: completing is not idempotent");
    let random = sql_of(&records)
        .iter()
        .any(|sql| sql.to_ascii_lowercase().contains("accesskey"));
    if !random {
        let report = slt::run_records(reread, Arc::new(MemoryFiles::default()), "f.slt");
        assert_eq!(report.failure, None, "{src:?} completed as {completed:?}");
    }
}

/// Lines of `src` as the crate counts them (a last line without `\n` counts; one more for the
/// end of the file, where an unfinished record is reported).
fn line_count(src: &str) -> u32 {
    src.split('\n').count() as u32 + 1
}

fn location(record: &Record<slt::db::Column>) -> Option<&sqllogictest::Location> {
    match record {
        Record::Include { loc, .. }
        | Record::Statement { loc, .. }
        | Record::Query { loc, .. }
        | Record::System { loc, .. }
        | Record::Sleep { loc, .. }
        | Record::Subtest { loc, .. }
        | Record::Halt { loc }
        | Record::HashThreshold { loc, .. }
        | Record::Let { loc, .. } => Some(loc),
        _ => None,
    }
}

fn sql_text(record: &Record<slt::db::Column>) -> Option<&str> {
    match record {
        Record::Statement { sql, .. } | Record::Query { sql, .. } | Record::Let { sql, .. } => {
            Some(sql)
        }
        _ => None,
    }
}

fn sql_of(records: &Records) -> Vec<&str> {
    records.iter().filter_map(sql_text).collect()
}

/// A file as the crate writes records back: each record's text on its own line(s).
fn print_records(records: &Records) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

/// Whether running the records stays inside the sandbox and fast: no `sleep`, no retries with
/// back-off, no shell commands (refused anyway), no variable substitution (its `__TEST_DIR__`
/// makes a directory on disk).
fn runnable(records: &Records) -> bool {
    records.iter().all(|record| match record {
        Record::Sleep { .. } | Record::System { .. } => false,
        Record::Control(Control::Substitution(_)) => false,
        Record::Statement { retry, .. } | Record::Query { retry, .. } => retry.is_none(),
        _ => true,
    })
}

/// The clock of the fuzzed server: requests are signed at this time.
const SERVER_NOW: i64 = 1_767_600_000;

/// A fuzzed request and how it is signed: see [`http_request`].
struct Fuzzed {
    mode: u8,
    request: HttpRequest,
}

/// `<mode byte><METHOD> <target>\n<Name>: <value>\n...\n\n<body>`: a request as a client
/// writes it (`\r\n` taken as `\n`). `None` when the head is not UTF-8 or has no request line.
fn fuzzed_request(data: &[u8]) -> Option<Fuzzed> {
    let (&mode, rest) = data.split_first()?;
    let rest = &rest[..rest.len().min(MAX_INPUT)];
    let split = rest
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|at| (&rest[..at], &rest[at + 2..]))
        .unwrap_or((rest, &[][..]));
    let head = std::str::from_utf8(split.0).ok()?;
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let (method, target) = lines.next()?.split_once(' ')?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Fuzzed {
        mode,
        request: HttpRequest {
            method: method.to_string(),
            target: target.to_string(),
            headers,
            body: split.1.to_vec(),
            peer: std::net::IpAddr::from([127, 0, 0, 1]),
        },
    })
}

/// The server's request handling below hyper, on an in-memory engine with project `demo`, its
/// owner `ALIYUN$owner` and a plain user `RAM$owner:guest`, each with an access key. The mode
/// byte says how the fuzzed request is signed: as it came (its own `Authorization`, which
/// names no key the server has), correctly (v2 or v4) as the owner or the guest, with a wrong
/// secret, or correctly but with a `Date` outside the allowed skew. Checked: the signing
/// pieces hold their own laws (an `Authorization` that parses prints back to itself; a
/// signature verifies for its canonical string and secret only; the relative target is a tail
/// of the target); `Service::handle` never panics; a request not correctly signed is refused
/// (401 or 403) and changes nothing in the catalog; any refused or failed request (4xx)
/// changes nothing; every answer has a status in range and a request id, and an XML answer
/// parses with `wire::xml::parse` (an error's with its `Code` and `Message`), a JSON one as
/// JSON.
pub fn http_request(data: &[u8]) {
    let Some(Fuzzed { mode, mut request }) = fuzzed_request(data) else {
        return;
    };
    for (name, value) in &request.headers {
        if name.eq_ignore_ascii_case("authorization") {
            authorization_laws(value);
        }
    }
    let relative = sign::relative_target(&request.target, "/api");
    assert!(request.target.ends_with(relative));
    if let Ok(text) = std::str::from_utf8(&request.body) {
        let _ = xml::parse(text);
    }

    let engine = Engine::new(Catalog::memory());
    let mut admin = engine.session(SessionOptions {
        now: Some(NOW),
        ..SessionOptions::default()
    });
    for stmt in ["create project demo", "use demo", "add user RAM$owner:guest"] {
        let ast = parse_statement(stmt, "setup", 1, 1).expect("the setup parses");
        admin.execute(&ast).expect("the setup runs");
    }
    let keys = engine.access_keys();
    let owner = keys.create("ALIYUN$owner", NOW).expect("an access key");
    let guest = keys.create("RAM$owner:guest", NOW).expect("an access key");
    let service = Service::with_clock(engine.clone(), "/api", Some(NOW), Box::new(|| SERVER_NOW));

    let v4 = sign::Scheme::V4 {
        date: "20260105".into(),
        region: "cn-hangzhou".into(),
        prefix: "aliyun_v4".into(),
    };
    // (key, secret, scheme, date) the request is signed with, or None to send it as it came.
    let (key, secret, scheme, date) = match mode % 8 {
        0 => (None, "", sign::Scheme::V2, SERVER_NOW),
        1 | 2 => (Some(&owner), owner.secret.as_str(), sign::Scheme::V2, SERVER_NOW),
        3 => (Some(&owner), owner.secret.as_str(), v4.clone(), SERVER_NOW),
        4 => (Some(&guest), guest.secret.as_str(), sign::Scheme::V2, SERVER_NOW),
        5 => (Some(&guest), guest.secret.as_str(), v4.clone(), SERVER_NOW),
        6 => (Some(&owner), "not-the-secret", sign::Scheme::V2, SERVER_NOW),
        _ => (Some(&owner), owner.secret.as_str(), sign::Scheme::V2, SERVER_NOW - 3600),
    };
    let signed_correctly = key.is_some() && matches!(mode % 8, 1..=5);
    if let Some(key) = key {
        request.headers.retain(|(k, _)| {
            !k.eq_ignore_ascii_case("authorization") && !k.eq_ignore_ascii_case("date")
        });
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(date as u64);
        request.headers.push(("Date".into(), httpdate::fmt_http_date(at)));
        let canonical = sign::canonical(
            &request.method,
            &request.target,
            "/api",
            request.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let signature = sign::sign(&scheme, secret, &canonical);
        let credential = match &scheme {
            sign::Scheme::V2 => key.id.clone(),
            sign::Scheme::V4 { date, region, prefix } => {
                format!("{}/{date}/{region}/odps/{prefix}_request", key.id)
            }
        };
        let header = format!("ODPS {credential}:{signature}");
        authorization_laws(&header);
        request.headers.push(("Authorization".into(), header));
    }

    let catalog = engine.catalog();
    let before = catalog.entries().expect("the catalog reads");
    let generation = catalog.generation();
    let response = service.handle(&request);
    well_formed(&response);
    if !signed_correctly {
        assert!(
            matches!(response.status, 401 | 403),
            "mode {mode}: {request:?} was not refused: {response:?}"
        );
        assert_eq!(service.refused.load(std::sync::atomic::Ordering::Relaxed), 1);
    }
    if response.status >= 400 || catalog.generation() == generation {
        let after = catalog.entries().expect("the catalog reads");
        assert!(before == after, "{request:?} answered {response:?} but changed the catalog");
    }
}

/// An `Authorization` value that parses prints back to itself; its signature verifies only
/// for the canonical string and secret it was made with.
fn authorization_laws(header: &str) {
    let Some(credential) = sign::parse_authorization(header) else {
        return;
    };
    let printed = match &credential.scheme {
        sign::Scheme::V2 => format!("ODPS {}:{}", credential.access_id, credential.signature),
        sign::Scheme::V4 { date, region, prefix } => format!(
            "ODPS {}/{date}/{region}/odps/{prefix}_request:{}",
            credential.access_id, credential.signature
        ),
    };
    assert_eq!(sign::parse_authorization(&printed).as_ref(), Some(&credential), "{header:?}");
    let signature = sign::sign(&credential.scheme, "secret", header);
    let ours = sign::Credential { signature, ..credential };
    assert!(ours.verify("secret", header));
    assert!(!ours.verify("other", header));
    assert!(!ours.verify("secret", &format!("{header}\n")));
}

/// Every answer has a status in range and a request id; an XML body parses, and an error's
/// carries `Code` and `Message`; a JSON body is JSON (an empty body, as `PUT ...?policy`
/// answers, is no document of either).
fn well_formed(response: &HttpResponse) {
    assert!((100..600).contains(&response.status), "{response:?}");
    let header = |name: &str| {
        response
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    assert!(header("x-odps-request-id").is_some_and(|id| !id.is_empty()), "{response:?}");
    match header("Content-Type") {
        Some("application/xml") if !response.body.is_empty() => {
            let root = match xml::parse(&response.body) {
                Ok(root) => root,
                Err(e) => panic!("{response:?} is not XML: {e}"),
            };
            if response.status >= 400 {
                assert_eq!(root.name, "Error", "{response:?}");
                assert!(root.child_text("Code").is_some_and(|c| !c.is_empty()), "{response:?}");
                assert!(root.child("Message").is_some(), "{response:?}");
            }
        }
        Some("application/json") if !response.body.is_empty() => {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&response.body);
            assert!(parsed.is_ok(), "{response:?} is not JSON");
        }
        _ => {}
    }
}
