//! `mcsec audit export --format jsonl|csv`: the trail as events for a log pipeline, with field
//! names after ActionTrail's (`eventTime`, `userIdentity`, `sourceIpAddress`, `eventName`,
//! `resource`, `errorCode`).
//!
//! The record of `grant Select on table t to user RAM$bob;` refused for `RAM$owner:bob` in prj1
//! becomes one JSON line: `eventId` 12, `eventTime` `2026-01-05T10:00:00Z`, `eventName`
//! `Grant` (the statement's form, as `mcsec fmt`'s grammar names it), `userIdentity`
//! `{"type": "ram-user", "accountId": "owner", "userName": "bob", "principal":
//! "RAM$owner:bob"}`, `resource` `acs:odps:*:projects/prj1`, `errorCode` `ODPS-0420095`, and
//! the rest under `requestParameters` and `additionalEventData`; or one CSV row under the
//! flattened header [`CSV_FIELDS`].

use super::audit::{AuditRecord, TaskType};
use serde::Serialize;
use std::io::{self, Write};

/// The CSV header, in order: nested JSON fields are flattened with a dot.
pub const CSV_FIELDS: &[&str] = &[
    "eventId",
    "eventTime",
    "eventName",
    "eventType",
    "serviceName",
    "userIdentity.type",
    "userIdentity.accountId",
    "userIdentity.userName",
    "userIdentity.principal",
    "sourceIpAddress",
    "resource",
    "errorCode",
    "errorMessage",
    "requestParameters.statement",
    "additionalEventData.taskType",
    "additionalEventData.authCode",
    "additionalEventData.decision",
    "additionalEventData.decidingRule",
    "additionalEventData.rowsRead",
    "additionalEventData.bytesRead",
    "additionalEventData.rowsWritten",
    "additionalEventData.bytesWritten",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Event<'a> {
    event_id: u64,
    event_time: String,
    event_name: &'static str,
    /// ActionTrail's kind of event: a statement run through the console or a client.
    event_type: &'static str,
    service_name: &'static str,
    user_identity: UserIdentity<'a>,
    source_ip_address: &'a str,
    resource: Option<String>,
    error_code: Option<&'a str>,
    error_message: Option<&'a str>,
    request_parameters: RequestParameters<'a>,
    additional_event_data: Additional<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    account_id: &'a str,
    user_name: &'a str,
    principal: &'a str,
}

#[derive(Serialize)]
struct RequestParameters<'a> {
    statement: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Additional<'a> {
    task_type: &'static str,
    auth_code: Option<&'a str>,
    decision: &'static str,
    deciding_rule: Option<&'a str>,
    rows_read: u64,
    bytes_read: u64,
    rows_written: u64,
    bytes_written: u64,
}

/// `ALIYUN$acct` → ("aliyun-account", acct, acct); `RAM$acct:user` → ("ram-user", acct,
/// user); `RAM$acct:role/r` → ("ram-role", acct, r); a `p4_` residue is a deleted RAM user.
fn identity(principal: &str) -> (&'static str, &str, &str) {
    if let Some(acct) = principal.strip_prefix("ALIYUN$") {
        return ("aliyun-account", acct, acct);
    }
    if let Some((acct, name)) = principal
        .strip_prefix("RAM$")
        .and_then(|r| r.split_once(':'))
    {
        return match name.strip_prefix("role/") {
            Some(role) => ("ram-role", acct, role),
            None => ("ram-user", acct, name),
        };
    }
    ("unknown", "", principal)
}

/// The statement's form, as the grammar names it (`Grant`, `Select`, `TunnelDownload`).
fn event_name(statement: &str) -> &'static str {
    crate::parser::parse_statement(statement, "<audit>", 1, 1)
        .map(|s| crate::grammar::variant_name(&s))
        .unwrap_or("Unknown")
}

fn event(r: &AuditRecord) -> Event<'_> {
    let e = &r.entry;
    let (kind, account_id, user_name) = identity(&e.principal);
    let time = time::OffsetDateTime::from_unix_timestamp(e.time)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| e.time.to_string());
    Event {
        event_id: r.seq,
        event_time: time,
        event_name: event_name(&e.statement),
        event_type: match e.task {
            TaskType::Management => "ManagementEvent",
            TaskType::Sql | TaskType::Dt => "DataEvent",
        },
        service_name: "MaxCompute",
        user_identity: UserIdentity {
            kind,
            account_id,
            user_name,
            principal: &e.principal,
        },
        source_ip_address: &e.source_ip,
        resource: e
            .project
            .as_ref()
            .map(|p| format!("acs:odps:*:projects/{p}")),
        error_code: e
            .error
            .as_ref()
            .map(|err| err.code.as_deref().unwrap_or(&err.kind)),
        error_message: e.error.as_ref().map(|err| err.message.as_str()),
        request_parameters: RequestParameters {
            statement: &e.statement,
        },
        additional_event_data: Additional {
            task_type: e.task.name(),
            auth_code: e.error.as_ref().and_then(|err| err.auth_code.as_deref()),
            decision: e.decision.name(),
            deciding_rule: e.rule.as_deref(),
            rows_read: e.rows_read,
            bytes_read: e.bytes_read,
            rows_written: e.rows_written,
            bytes_written: e.bytes_written,
        },
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Writes `records` in `format`: JSON lines, or CSV with a header row.
pub fn export(
    records: &[AuditRecord],
    format: ExportFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    match format {
        ExportFormat::Jsonl => {
            for r in records {
                serde_json::to_writer(&mut out, &event(r))?;
                out.write_all(b"\n")?;
            }
        }
        ExportFormat::Csv => {
            writeln!(out, "{}", CSV_FIELDS.join(","))?;
            for r in records {
                let e = event(r);
                let opt = |v: Option<&str>| v.map(csv_field).unwrap_or_default();
                let row = [
                    e.event_id.to_string(),
                    csv_field(&e.event_time),
                    e.event_name.to_string(),
                    e.event_type.to_string(),
                    e.service_name.to_string(),
                    e.user_identity.kind.to_string(),
                    csv_field(e.user_identity.account_id),
                    csv_field(e.user_identity.user_name),
                    csv_field(e.user_identity.principal),
                    csv_field(e.source_ip_address),
                    opt(e.resource.as_deref()),
                    opt(e.error_code),
                    opt(e.error_message),
                    csv_field(e.request_parameters.statement),
                    e.additional_event_data.task_type.to_string(),
                    opt(e.additional_event_data.auth_code),
                    e.additional_event_data.decision.to_string(),
                    opt(e.additional_event_data.deciding_rule),
                    e.additional_event_data.rows_read.to_string(),
                    e.additional_event_data.bytes_read.to_string(),
                    e.additional_event_data.rows_written.to_string(),
                    e.additional_event_data.bytes_written.to_string(),
                ];
                writeln!(out, "{}", row.join(","))?;
            }
        }
    }
    out.flush()
}
