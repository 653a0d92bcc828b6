//! The database a `.slt` file runs against: one in-memory catalog, one engine, and a session per
//! connection name, handed to the sqllogictest runner through its `DB` trait.
//!
//! Walk `connection RAM$alice@10.0.0.5` / `statement error` / `select * from prj1.t1;` through
//! it: before the runner sees the record, the file's runner sets [`Shared::connection`] to the
//! record's connection and [`Shared::sql_line`] to the line its SQL starts on. The runner asks
//! its connection maker for the connection it has not seen yet and gets a [`Connection`], a
//! handle on the file's [`Shared`] state; `run` finds (or opens) the session for
//! `RAM$alice@10.0.0.5` — principal `RAM$owner:alice`, source address `10.0.0.5`, the file's
//! clock — cuts the SQL into statements with the console's splitter, positioned in the `.slt`
//! file so that a syntax error names `lesson.slt:12:8`, and runs them in order on that session.
//! The last result becomes rows of typed columns ([`super::rows`]) or "statement complete"; an
//! error becomes [`StatementError`] carrying exactly the text the shell prints after `FAILED: `.

use super::rows;
pub use super::rows::Column;
use crate::console::{self, ClientCommand, Input, Prepared};
use crate::error::Error;
use crate::exec::{Engine, Files, Session, SessionOptions, StatementResult};
use sqllogictest::DBOutput;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The principal of the default connection (and of `connection default`).
pub const DEFAULT_PRINCIPAL: &str = "ALIYUN$owner";
pub const DEFAULT_SOURCE_IP: &str = "127.0.0.1";
/// The clock a file starts at unless it sets one: 2025-01-01T00:00:00Z.
pub const DEFAULT_NOW: i64 = 1_735_689_600;
/// The statement that moves a file's clock: `set mcsec.now=<RFC 3339 time>`.
pub const CLOCK_KEY: &str = "mcsec.now";

/// The columns of a result match the `query` line when there are as many and each letter is
/// the same or `?`.
#[allow(clippy::ptr_arg)]
pub fn columns_match(actual: &Vec<Column>, expected: &Vec<Column>) -> bool {
    actual.len() == expected.len()
        && actual
            .iter()
            .zip(expected)
            .all(|(a, e)| a == e || *a == Column::Any || *e == Column::Any)
}

/// A statement of a record failed: the text after `FAILED: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StatementError(pub String);

impl From<Error> for StatementError {
    fn from(error: Error) -> Self {
        StatementError(error.to_string())
    }
}

/// One connection's session and the name it was opened under.
struct Client {
    session: Session,
}

/// What every connection of one file shares.
pub struct Shared {
    engine: Arc<Engine>,
    files: Arc<dyn Files>,
    /// The file the next record's SQL is in, as positions name it.
    pub file: String,
    clients: BTreeMap<String, Client>,
    /// The connection the next record runs on (`default` or `<principal>[@<ip>]`).
    pub connection: String,
    /// The 1-based line of the file the next record's SQL starts on.
    pub sql_line: u32,
    /// Unix seconds every session of the file sees.
    now: i64,
    /// What the last record's SQL printed (its last result, or its error's text), for a
    /// walker that shows it as the shell would.
    pub last: Option<Result<Option<StatementResult>, String>>,
}

impl Shared {
    pub fn new(engine: Arc<Engine>, files: Arc<dyn Files>, file: &str) -> Self {
        Shared {
            engine,
            files,
            file: file.to_string(),
            clients: BTreeMap::new(),
            connection: "default".into(),
            sql_line: 1,
            now: DEFAULT_NOW,
            last: None,
        }
    }

    /// The session of `connection`, opened on first use.
    pub fn session(&mut self, connection: &str) -> Result<&mut Session, StatementError> {
        if !self.clients.contains_key(connection) {
            let (user, source_ip) = parse_connection(connection)?;
            let session = self.engine.session_with_files(
                SessionOptions {
                    user,
                    source_ip,
                    now: Some(self.now),
                },
                self.files.clone(),
            );
            self.clients
                .insert(connection.to_string(), Client { session });
        }
        self.clients
            .get_mut(connection)
            .map(|c| &mut c.session)
            .ok_or_else(|| StatementError(format!("no connection {connection}")))
    }

    /// Runs a record's SQL on the current connection.
    pub fn run(&mut self, sql: &str) -> Result<Option<StatementResult>, StatementError> {
        if let Some(now) = clock_directive(sql)? {
            self.now = now;
            for client in self.clients.values_mut() {
                client.session.set_now(Some(now));
            }
            return Ok(None);
        }
        let connection = self.connection.clone();
        let file = self.file.clone();
        let line = self.sql_line;
        let outcome = self
            .session(&connection)
            .and_then(|session| run_statements(session, sql, &file, line));
        self.last = Some(outcome.clone().map_err(|e| e.0));
        outcome
    }
}

/// Runs every statement of `sql` (which starts on `line` of `file`) on `session`; the last
/// result is the record's.
pub fn run_statements(
    session: &mut Session,
    sql: &str,
    file: &str,
    line: u32,
) -> Result<Option<StatementResult>, StatementError> {
    let input = Input { text: sql, file };
    let mut last = None;
    for mut stmt in console::statement::statements(&input) {
        stmt.line += line.saturating_sub(1);
        match console::prepare(&stmt)? {
            Prepared::Empty => {}
            Prepared::Client(ClientCommand::Help(keyword)) => {
                let message = console::client::help_text(keyword.as_deref())?;
                last = Some(StatementResult::Message { message });
            }
            Prepared::Client(_) => {
                return Err(StatementError(format!(
                    "{file}:{}:{}: '{}' is a shell command, not a statement a test can run",
                    stmt.line,
                    stmt.col,
                    stmt.text.trim()
                )))
            }
            Prepared::Statement(statement) => last = Some(session.execute(&statement)?),
        }
    }
    Ok(last)
}

/// `default`, `<principal>` or `<principal>@<ip>` as the principal and source address of a
/// session.
pub fn parse_connection(name: &str) -> Result<(String, String), StatementError> {
    if name == "default" {
        return Ok((DEFAULT_PRINCIPAL.into(), DEFAULT_SOURCE_IP.into()));
    }
    let (principal, ip) = match name.rsplit_once('@') {
        Some((principal, ip)) => {
            let parsed: std::net::IpAddr = ip.parse().map_err(|_| {
                StatementError(format!(
                    "connection {name}: '{ip}' is not an IP address (connection <principal>[@<ip>])"
                ))
            })?;
            (principal, parsed.to_string())
        }
        None => (name, DEFAULT_SOURCE_IP.to_string()),
    };
    let user = crate::exec::resolve_user(principal, DEFAULT_PRINCIPAL);
    if !crate::exec::users::well_formed(&user) {
        return Err(StatementError(format!(
            "connection {name}: '{principal}' is not a principal (expected ALIYUN$<account>, RAM$<account>:<user> or RAM$<user>)"
        )));
    }
    Ok((user, ip))
}

/// `set mcsec.now=<RFC 3339>` (a final `;` allowed): the time, or `None` for any other SQL.
fn clock_directive(sql: &str) -> Result<Option<i64>, StatementError> {
    let text = sql.trim().trim_end_matches(';').trim();
    let Some(rest) = text
        .get(..3)
        .filter(|w| w.eq_ignore_ascii_case("set"))
        .and_then(|_| text.get(3..))
    else {
        return Ok(None);
    };
    let Some((key, value)) = rest.split_once('=') else {
        return Ok(None);
    };
    if !key.trim().eq_ignore_ascii_case(CLOCK_KEY) || !rest.starts_with(char::is_whitespace) {
        return Ok(None);
    }
    let value = value.trim();
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map(|t| Some(t.unix_timestamp()))
        .map_err(|e| {
            StatementError(format!(
                "{CLOCK_KEY}='{value}' is not an RFC 3339 time ({e})"
            ))
        })
}

/// The runner's handle on a file's shared state; the runner opens one per connection name it
/// sees, and every one of them reaches the session [`Shared::connection`] names.
pub struct Connection {
    shared: Arc<Mutex<Shared>>,
}

impl Connection {
    pub fn new(shared: Arc<Mutex<Shared>>) -> Self {
        Connection { shared }
    }
}

impl sqllogictest::DB for Connection {
    type Error = StatementError;
    type ColumnType = Column;

    fn run(&mut self, sql: &str) -> Result<DBOutput<Column>, StatementError> {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        match shared.run(sql)? {
            None => Ok(DBOutput::StatementComplete(0)),
            Some(result) => Ok(match rows::rows(&result) {
                Some((types, rows)) => DBOutput::Rows { types, rows },
                None => DBOutput::StatementComplete(0),
            }),
        }
    }

    fn engine_name(&self) -> &str {
        "mcsec"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_names_are_principals_with_an_optional_address() {
        assert_eq!(
            parse_connection("default"),
            Ok(("ALIYUN$owner".into(), "127.0.0.1".into()))
        );
        assert_eq!(
            parse_connection("RAM$alice@10.0.0.5"),
            Ok(("RAM$owner:alice".into(), "10.0.0.5".into()))
        );
        assert_eq!(
            parse_connection("ALIYUN$bob"),
            Ok(("ALIYUN$bob".into(), "127.0.0.1".into()))
        );
        assert_eq!(
            parse_connection("RAM$alice@nowhere").unwrap_err().0,
            "connection RAM$alice@nowhere: 'nowhere' is not an IP address (connection <principal>[@<ip>])"
        );
        assert!(parse_connection("alice").is_err());
    }

    #[test]
    fn the_clock_directive_takes_rfc3339_and_leaves_other_sets_alone() {
        assert_eq!(
            clock_directive("set mcsec.now=2025-01-02T00:00:00Z;"),
            Ok(Some(DEFAULT_NOW + 86_400))
        );
        assert_eq!(clock_directive("set LabelSecurity=true"), Ok(None));
        assert_eq!(clock_directive("setproject mcsec.now=1"), Ok(None));
        assert!(clock_directive("SET mcsec.now = tomorrow").is_err());
    }
}
