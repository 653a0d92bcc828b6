//! `mcsec diagnose [--fail-on <level>] [--format text|json] [--project <p>] ...`: the security
//! diagnosis for CI.
//!
//! Walk `mcsec diagnose --catalog ci-cat --fail-on medium`: the options are laid over the
//! defaults exactly as the main command line's are ([`super::Settings::resolve`]: flag, then
//! `$MCSEC_CATALOG`/`$MCSEC_USER`, then the defaults; `MCSEC_NOW` read the same way), the
//! catalog is opened, and one statement runs in a session as the user — `diagnose tenant`, or
//! `diagnose project <p>` with `--project` — authorized like any other. Its findings are
//! printed (the text layout, or with `--format json` the `diagnosis` result object on one
//! line), and the exit code says whether one is at or above `--fail-on`: 3 if so, else 0;
//! a refused or failed statement is 1, a bad command line 2.

use super::{usage_error, Cli, Settings, UsageError};
use crate::ast::{DiagnoseScope, RiskLevel, Statement};
use crate::catalog::Catalog;
use crate::console;
use crate::exec::{Session, SessionOptions, StatementResult};
use clap::{Args, Parser, ValueEnum};
use std::io::Write;
use std::net::IpAddr;

/// The exit code when a finding at or above `--fail-on` exists.
pub const FINDINGS_EXIT: i32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    Low,
    Medium,
    High,
}

impl From<Level> for RiskLevel {
    fn from(level: Level) -> Self {
        match level {
            Level::Low => RiskLevel::Low,
            Level::Medium => RiskLevel::Medium,
            Level::High => RiskLevel::High,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// Exit 3 when a finding at or above this risk exists (without it the exit code ignores findings).
    #[arg(long = "fail-on", value_enum, value_name = "LEVEL")]
    pub fail_on: Option<Level>,
    /// Only report findings at or above this risk.
    #[arg(long = "min-risk", value_enum, value_name = "LEVEL", default_value_t = Level::Low)]
    pub min_risk: Level,
    /// Output: the text layout, or the diagnosis as one JSON object.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Diagnose this project only (the caller needs Admin or better there); default: the tenant.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Catalog directory [default: $MCSEC_CATALOG, else $HOME/.mcsec/catalog].
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<String>,
    /// Principal the diagnosis runs as [default: $MCSEC_USER, else ALIYUN$owner].
    #[arg(long, value_name = "PRINCIPAL")]
    pub user: Option<String>,
    /// Client address the IP whitelist sees [default: 127.0.0.1].
    #[arg(long = "source-ip", value_name = "IP")]
    pub source_ip: Option<IpAddr>,
}

pub fn run(args: &DiagnoseArgs, env: &dyn Fn(&str) -> Option<String>) -> i32 {
    // The main command line's defaults, with this command's flags laid over them.
    let mut base = match Cli::try_parse_from(["mcsec"]) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e.to_string()),
    };
    base.catalog = args.catalog.clone();
    base.user = args.user.clone();
    base.source_ip = args.source_ip;
    let settings = match Settings::resolve(&base, env) {
        Ok(s) => s,
        Err(UsageError(message)) => return usage_error(&message),
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let fail = |e: &crate::Error| {
        let _ = stderr
            .lock()
            .write_all(console::failed_line(e, false).as_bytes());
        1
    };
    let catalog = match Catalog::open(&settings.catalog) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let mut session = Session::new(
        catalog,
        SessionOptions {
            user: settings.user.clone(),
            source_ip: settings.source_ip.clone(),
            now: settings.now,
        },
    );
    let stmt = Statement::Diagnose {
        scope: match &args.project {
            Some(p) => DiagnoseScope::Project(p.clone()),
            None => DiagnoseScope::Tenant,
        },
        min_risk: args.min_risk.into(),
    };
    let result = match session.execute(&stmt) {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let StatementResult::Diagnosis(diagnosis) = &result else {
        return fail(&crate::Error::invalid("diagnose returned no diagnosis"));
    };
    let mut out = stdout.lock();
    let written = match args.format {
        OutputFormat::Text => writeln!(out, "{}", result.text()),
        OutputFormat::Json => writeln!(out, "{}", result.json()),
    };
    if written.is_err() {
        return 1;
    }
    let failing = args
        .fail_on
        .map(RiskLevel::from)
        .is_some_and(|level| diagnosis.findings.iter().any(|f| f.risk >= level));
    if failing {
        FINDINGS_EXIT
    } else {
        0
    }
}
