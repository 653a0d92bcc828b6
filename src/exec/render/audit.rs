//! The text of `show audit`: one `+---+` table row per [`AuditRow`], oldest first.

use crate::exec::result::AuditRow;

/// The text of `show audit`: one row per record, oldest first (`OK` when none).
pub fn text(rows: &[AuditRow]) -> String {
    if rows.is_empty() {
        return "OK".into();
    }
    let columns: Vec<String> = [
        "time",
        "principal",
        "source_ip",
        "project",
        "task",
        "outcome",
        "decision",
        "statement",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let code = r.error_code.as_ref().or(r.error_kind.as_ref());
            let outcome = match (r.ok, code, &r.auth_code) {
                (true, _, _) => "OK".to_string(),
                (false, Some(code), Some(auth)) => format!("FAILED {code} [{auth}]"),
                (false, Some(code), None) => format!("FAILED {code}"),
                (false, None, _) => "FAILED".to_string(),
            };
            let decision = match &r.rule {
                Some(rule) => format!("{}: {rule}", r.decision),
                None => r.decision.to_string(),
            };
            vec![
                r.time.clone(),
                r.principal.clone(),
                r.source_ip.clone(),
                r.project.clone().unwrap_or_else(|| "-".into()),
                r.task_type.to_string(),
                outcome,
                decision,
                r.statement.clone(),
            ]
        })
        .collect();
    super::result_table(&columns, &cells)
}
