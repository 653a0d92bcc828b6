//! Front end of the three one-shot commands: `mcsec check`, `mcsec plan` and `mcsec dump`.
//!
//! `mcsec check --user RAM$alice --project prj1 "select phone from users"` opens the catalog,
//! starts a session as alice, enters prj1 (a refusal there is the check's answer: `DENY
//! [4002]`), parses `check <statement>` and runs it like any statement (`exec::check`: the
//! statement is explained, never run), prints `ALLOW: <rule>` or `DENY [<code>]: <rule>` and
//! exits 0 or 3 — not 2, which is already a wrong command line. `--file checks.txt` runs one
//! check per line (or JSON Lines), compares each with the expectation written before it and
//! ends with `N passed, M failed`.
//!
//! `mcsec plan script.sql` runs the script on a throw-away in-memory copy of the catalog and
//! prints what would change (`exec::preview`); `mcsec dump` prints the tenant as a script
//! (`exec::dump`), writing the policy documents it names under `--files <dir>`.

use crate::ast::{Principal, PrincipalKind, Statement};
use crate::catalog::Catalog;
use crate::console::{self, Format, Input};
use crate::error::Error;
use crate::exec::check::CheckResult;
use crate::exec::{Session, SessionOptions, StatementResult};
use std::io::Write;

/// Exit code of a check that was denied (and of a check file with failed expectations).
pub const EXIT_DENY: i32 = 3;
/// Exit code of `mcsec plan` when the script would change nothing and nothing fails.
pub const EXIT_NO_CHANGES: i32 = 4;

/// Where the one-shot commands run: the resolved settings of the command line.
pub struct Context {
    pub catalog: String,
    pub user: String,
    pub project: Option<String>,
    pub source_ip: String,
    pub now: Option<i64>,
    pub format: Format,
}

fn failed(err: &mut dyn Write, e: &dyn std::fmt::Display) -> i32 {
    let _ = err.write_all(console::failed_line(e, false).as_bytes());
    1
}

fn open(ctx: &Context, err: &mut dyn Write) -> Result<Catalog, i32> {
    Catalog::open(&ctx.catalog).map_err(|e| failed(err, &e))
}

fn session(catalog: Catalog, ctx: &Context) -> Session {
    Session::new(
        catalog,
        SessionOptions {
            user: ctx.user.clone(),
            source_ip: ctx.source_ip.clone(),
            now: ctx.now,
        },
    )
}

/// A check's answer, or why it could not be asked.
enum Answer {
    Decided(CheckResult),
    /// Entering the project was refused: a deny with that refusal's code.
    Refused(Error),
    Failed(Error),
}

fn entry_refusal(error: &Error, principal: &str, project: &str) -> Answer {
    match error {
        Error::Denied(_) => Answer::Refused(Error::Denied(crate::error::Failure {
            code: error.code(),
            auth_code: error.auth_code(),
            message: format!("{principal} may not enter project {project}: {}", error),
            subject: None,
            reason: None,
        })),
        _ => Answer::Failed(Error::invalid(error.to_string())),
    }
}

fn ask(session: &mut Session, text: &str, file: &str, line: u32) -> Answer {
    let text = text.trim().trim_end_matches(';');
    let parsed = crate::parser::parse_statement(&format!("check {text}"), file, line, 1);
    let stmt = match parsed {
        Ok(stmt @ Statement::Check(_)) => stmt,
        Ok(_) => return Answer::Failed(Error::invalid("not a statement to check")),
        Err(e) => return Answer::Failed(e),
    };
    match session.execute(&stmt) {
        Ok(StatementResult::Check(c)) => Answer::Decided(c),
        Ok(_) => Answer::Failed(Error::invalid("check returned no decision")),
        Err(e) => Answer::Failed(e),
    }
}

fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Decided(c) => crate::exec::check::render(c),
        Answer::Refused(e) => match e.auth_code() {
            Some(code) => format!("DENY [{}]: {e}", code.number()),
            None => format!("DENY: {e}"),
        },
        Answer::Failed(e) => format!("FAILED: {e}"),
    }
}

fn answer_json(answer: &Answer) -> serde_json::Value {
    match answer {
        Answer::Decided(c) => serde_json::to_value(c).unwrap_or_default(),
        Answer::Refused(e) => serde_json::json!({
            "decision": "deny",
            "code": e.auth_code().map(|c| c.number()),
            "message": e.to_string(),
        }),
        Answer::Failed(e) => serde_json::json!({"error": e.to_string()}),
    }
}

fn allowed(answer: &Answer) -> Option<bool> {
    match answer {
        Answer::Decided(c) => Some(c.allowed()),
        Answer::Refused(_) => Some(false),
        Answer::Failed(_) => None,
    }
}

fn code_of(answer: &Answer) -> Option<String> {
    match answer {
        Answer::Decided(c) => c.code.map(|c| c.number().to_string()),
        Answer::Refused(e) => e.auth_code().map(|c| c.number().to_string()),
        Answer::Failed(_) => None,
    }
}

/// `mcsec check "<statement>"`: 0 allow, 3 deny, 1 the check could not be asked.
pub fn check(ctx: &Context, statement: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let catalog = match open(ctx, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut session = session(catalog, ctx);
    let answer = match &ctx.project {
        Some(p) => match session.use_project(p) {
            Ok(()) => ask(&mut session, statement, "<cmdline>", 1),
            Err(e) => entry_refusal(&e, &ctx.user, p),
        },
        None => ask(&mut session, statement, "<cmdline>", 1),
    };
    let printed = match ctx.format {
        Format::Json => answer_json(&answer).to_string(),
        Format::Text => answer_text(&answer),
    };
    if let Answer::Failed(e) = &answer {
        if ctx.format == Format::Json {
            let _ = writeln!(out, "{printed}");
        }
        return failed(err, e);
    }
    let _ = writeln!(out, "{printed}");
    match allowed(&answer) {
        Some(true) => 0,
        _ => EXIT_DENY,
    }
}

/// One line of a check file.
struct Line {
    expect: Option<(bool, Option<String>)>,
    principal: Option<String>,
    ip: Option<String>,
    project: Option<String>,
    statement: String,
}

fn parse_line(text: &str) -> Result<Line, String> {
    let text = text.trim();
    if text.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let statement = field("statement").ok_or("a JSON check needs \"statement\"")?;
        let expect = match field("expect").map(|e| e.to_ascii_lowercase()) {
            None => None,
            Some(e) if e == "allow" => Some((true, None)),
            Some(e) if e == "deny" => Some((false, field("code"))),
            Some(e) => return Err(format!("expect must be allow or deny, not {e}")),
        };
        return Ok(Line {
            expect,
            principal: field("principal"),
            ip: field("ip"),
            project: field("project"),
            statement,
        });
    }
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let (expect, statement) = match first.to_ascii_uppercase().as_str() {
        "ALLOW" => (Some((true, None)), rest.trim()),
        "DENY" => {
            let rest = rest.trim();
            let (code, after) = match rest.split_once(char::is_whitespace) {
                Some((c, after))
                    if c.trim_matches(['[', ']'])
                        .chars()
                        .all(|d| d.is_ascii_digit())
                        && !c.trim_matches(['[', ']']).is_empty() =>
                {
                    (Some(c.trim_matches(['[', ']']).to_string()), after.trim())
                }
                _ => (None, rest),
            };
            (Some((false, code)), after)
        }
        _ => (None, text),
    };
    Ok(Line {
        expect,
        principal: None,
        ip: None,
        project: None,
        statement: statement.to_string(),
    })
}

/// `mcsec check --file <f>`: every check, `PASS`/`FAIL` against expectations, the summary.
pub fn check_file(ctx: &Context, path: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read --file {path}: {e}");
            return 2;
        }
    };
    let catalog = match open(ctx, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut session = session(catalog, ctx);
    let (mut passed, mut failed_count, mut errors, mut denied, mut expectations) = (0, 0, 0, 0, 0);
    for (number, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with("--") || trimmed.starts_with('#') {
            continue;
        }
        let position = format!("{path}:{}", number + 1);
        let line = match parse_line(trimmed) {
            Ok(l) => l,
            Err(e) => {
                errors += 1;
                failed_count += 1;
                match ctx.format {
                    Format::Json => {
                        let record = serde_json::json!({
                            "position": position, "passed": false, "answer": {"error": e},
                        });
                        let _ = writeln!(out, "{record}");
                    }
                    Format::Text => {
                        let _ = writeln!(out, "ERROR {position}: {e}");
                    }
                }
                continue;
            }
        };
        let project = line.project.clone().or_else(|| ctx.project.clone());
        let mut statement = String::new();
        if let Some(p) = &line.principal {
            statement.push_str(&format!(
                "for {} ",
                Principal {
                    kind: PrincipalKind::User,
                    name: p.clone()
                }
            ));
        }
        if let Some(ip) = &line.ip {
            statement.push_str(&format!("from '{ip}' "));
        }
        statement.push_str(&line.statement);
        let answer = match &project {
            Some(p) if session.project() != Some(p.as_str()) => match session.use_project(p) {
                Ok(()) => ask(&mut session, &statement, path, number as u32 + 1),
                Err(e) => entry_refusal(&e, session.user(), p),
            },
            _ => ask(&mut session, &statement, path, number as u32 + 1),
        };
        let decision = allowed(&answer);
        if decision == Some(false) {
            denied += 1;
        }
        if decision.is_none() {
            errors += 1;
        }
        let shown = match ctx.format {
            Format::Json => answer_json(&answer).to_string(),
            Format::Text => answer_text(&answer)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        match &line.expect {
            Some((want, code)) => {
                expectations += 1;
                let ok = decision == Some(*want)
                    && (code.is_none() || code.as_deref() == code_of(&answer).as_deref());
                if ok {
                    passed += 1;
                } else {
                    failed_count += 1;
                }
                let verdict = if ok { "PASS" } else { "FAIL" };
                match ctx.format {
                    Format::Json => {
                        let record = serde_json::json!({
                            "position": position, "passed": ok, "answer": answer_json(&answer),
                        });
                        let _ = writeln!(out, "{record}");
                    }
                    Format::Text => {
                        let _ = writeln!(out, "{verdict} {position}: {shown}");
                    }
                }
            }
            None => match ctx.format {
                Format::Json => {
                    let record = serde_json::json!({
                        "position": position, "passed": null, "answer": answer_json(&answer),
                    });
                    let _ = writeln!(out, "{record}");
                }
                Format::Text => {
                    let _ = writeln!(out, "{position}: {shown}");
                }
            },
        }
    }
    if expectations > 0 || failed_count > 0 {
        match ctx.format {
            Format::Json => {
                let summary = serde_json::json!({"passed": passed, "failed": failed_count});
                let _ = writeln!(out, "{summary}");
            }
            Format::Text => {
                let _ = writeln!(out, "{passed} passed, {failed_count} failed");
            }
        }
    }
    if errors > 0 {
        1
    } else if (expectations > 0 && failed_count > 0) || (expectations == 0 && denied > 0) {
        EXIT_DENY
    } else {
        0
    }
}

/// `mcsec plan <script>`: 0 it would change the tenant and nothing fails, 1 a statement would
/// fail, 4 nothing would change.
pub fn plan(ctx: &Context, path: &str, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(err, "error: cannot read {path}: {e}");
            return 2;
        }
    };
    let catalog = match open(ctx, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let report = match plan_report(&catalog, ctx, &text, path) {
        Ok(r) => r,
        Err(e) => return failed(err, &e),
    };
    match ctx.format {
        Format::Json => {
            let _ = writeln!(out, "{}", serde_json::to_value(&report).unwrap_or_default());
        }
        Format::Text => {
            let _ = writeln!(out, "{}", crate::exec::preview::render(&report));
        }
    }
    if !report.failures.is_empty() {
        1
    } else if report.changes_nothing() {
        EXIT_NO_CHANGES
    } else {
        0
    }
}

/// Runs `text` on a throw-away copy of `catalog` and compares the two tenants.
pub fn plan_report(
    catalog: &Catalog,
    ctx: &Context,
    text: &str,
    file: &str,
) -> crate::error::Result<crate::exec::preview::Report> {
    use crate::exec::preview::{diff, Failure, Tenant};
    let copy = catalog.in_memory_copy()?;
    let mut session = session(copy, ctx);
    let now = session.now();
    let before = Tenant::read(session.catalog(), &ctx.source_ip, now)?;
    let mut failures = Vec::new();
    if let Some(p) = &ctx.project {
        if let Err(e) = session.use_project(p) {
            failures.push(Failure {
                position: "--project".to_string(),
                statement: format!("use {p}"),
                error: e.to_string(),
            });
        }
    }
    let mut count = 0;
    for piece in console::statement::statements(&Input { text, file }) {
        let prepared = console::prepare(&piece);
        let position = format!("{}:{}:{}", piece.file, piece.line, piece.col);
        let label = console::statement::statement_label(prepared.as_ref().ok(), piece.text);
        let outcome = match prepared {
            Ok(console::Prepared::Statement(stmt)) => {
                count += 1;
                session.execute(&stmt).map(|_| ())
            }
            Ok(_) => Ok(()),
            Err(e) => {
                count += 1;
                Err(e)
            }
        };
        if let Err(e) = outcome {
            failures.push(Failure {
                position,
                statement: label,
                error: e.to_string(),
            });
        }
    }
    let after = Tenant::read(session.catalog(), &ctx.source_ip, now)?;
    Ok(diff(file, count, failures, &before, &after))
}

/// `mcsec dump`: the script on stdout (or one JSON object), policy files under `files`.
pub fn dump(
    ctx: &Context,
    project: Option<&str>,
    files: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let catalog = match open(ctx, err) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let now = session(Catalog::memory(), ctx).now();
    let txn = catalog.begin();
    let project = project.map(|p| p.to_ascii_lowercase());
    let dir = files.unwrap_or("");
    if ctx.format == Format::Json {
        return match crate::exec::dump::json(&txn, project.as_deref(), dir, now) {
            Ok(v) => {
                let _ = writeln!(out, "{v}");
                0
            }
            Err(e) => failed(err, &e),
        };
    }
    let dumped = match crate::exec::dump::dump(&txn, project.as_deref(), dir, now) {
        Ok(d) => d,
        Err(e) => return failed(err, &e),
    };
    if !dumped.files.is_empty() {
        let Some(dir) = files else {
            let _ = writeln!(
                err,
                "error: the tenant holds policy documents; give --files <dir> to write them beside the script"
            );
            return 2;
        };
        if let Err(e) = std::fs::create_dir_all(dir) {
            let _ = writeln!(err, "error: cannot create --files {dir}: {e}");
            return 2;
        }
        for (path, content) in &dumped.files {
            if let Err(e) = std::fs::write(path, content) {
                let _ = writeln!(err, "error: cannot write {path}: {e}");
                return 2;
            }
        }
    }
    let _ = out.write_all(dumped.script.as_bytes());
    0
}
