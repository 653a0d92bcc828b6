//! `mcsec audit export [--catalog <dir>] [--format jsonl|csv] [--since <t>] [--until <t>]
//! [--user <principal>] [--project <p>]`: the trail of a catalog, for a log pipeline.
//!
//! `mcsec audit export --catalog cat --format csv --since 2026-01-01` opens the catalog (a
//! catalog in use is the usual one-line error, exit 1), asks the trail's read API for the
//! records since then within the retention window seen from `MCSEC_NOW` or the clock, and
//! writes them with `exec::audit_export`. It reads the catalog as its files' owner does, so it
//! asks no authorizer; a bad time is a usage error (exit 2).

use crate::catalog::Catalog;
use crate::exec::audit::Filter;
use crate::exec::audit_export::{export, ExportFormat};
use clap::{Subcommand, ValueEnum};
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Write the audit trail as JSON lines or CSV, with ActionTrail-like field names.
    Export {
        /// Catalog directory [default: $MCSEC_CATALOG, else $HOME/.mcsec/catalog].
        #[arg(long, value_name = "DIR")]
        catalog: Option<String>,
        /// jsonl: one JSON object per event; csv: a header row, then one row per event.
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Only events at or after this RFC 3339 time (or date).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only events at or before this RFC 3339 time (or date).
        #[arg(long, value_name = "TIME")]
        until: Option<String>,
        /// Only events of this principal (RAM$user means RAM$owner:user).
        #[arg(long, value_name = "PRINCIPAL")]
        user: Option<String>,
        /// Only events in this project.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

fn usage(err: &mut dyn Write, message: &str) -> i32 {
    let _ = writeln!(err, "error: {message}");
    2
}

/// Runs an `audit` subcommand; returns the exit code.
pub fn run(
    command: &AuditCommand,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let AuditCommand::Export {
        catalog,
        format,
        since,
        until,
        user,
        project,
    } = command;
    let env_set = |key: &str| env(key).filter(|v| !v.is_empty());
    let location = match catalog.clone().or_else(|| env_set("MCSEC_CATALOG")) {
        Some(c) if c.is_empty() => return usage(err, "an empty --catalog path is not a directory"),
        Some(c) => c,
        None => match env_set("HOME") {
            Some(home) => std::path::Path::new(&home)
                .join(".mcsec")
                .join("catalog")
                .display()
                .to_string(),
            None => return usage(err, "no catalog: set --catalog, MCSEC_CATALOG or HOME"),
        },
    };
    let time = |flag: &str, t: &Option<String>| -> Result<Option<i64>, String> {
        t.as_deref()
            .map(|text| {
                crate::policy::parse_time(text).ok_or_else(|| {
                    format!("invalid {flag} '{text}': expected an RFC 3339 time or a date")
                })
            })
            .transpose()
    };
    let (since, until) = match (time("--since", since), time("--until", until)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => return usage(err, &e),
    };
    let now = match env_set("MCSEC_NOW") {
        Some(text) => match super::parse_now(&text) {
            Ok(now) => now,
            Err(e) => return usage(err, &e.0),
        },
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    let catalog = match Catalog::open(&location) {
        Ok(c) => c,
        Err(e) => {
            let _ = write!(err, "{}", crate::console::failed_line(&e, false));
            return 1;
        }
    };
    let filter = Filter {
        principal: user
            .as_deref()
            .map(|u| crate::exec::resolve_user(u, crate::exec::TENANT_ACCOUNT)),
        project: project.as_deref().map(crate::exec::canonical_name),
        since,
        until,
        denied: false,
        limit: None,
    };
    let records = match crate::exec::audit::records(&catalog, &filter, now) {
        Ok(r) => r,
        Err(e) => {
            let _ = write!(err, "{}", crate::console::failed_line(&e, false));
            return 1;
        }
    };
    let format = match format {
        Format::Jsonl => ExportFormat::Jsonl,
        Format::Csv => ExportFormat::Csv,
    };
    match export(&records, format, out) {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(err, "FAILED: cannot write the export: {e}");
            1
        }
    }
}
