//! The text of `check`: `ALLOW`/`DENY [<code>]` with the deciding rules, then the decisive
//! check and, for a statement that is not a data statement, its outcome.

use crate::exec::result::{CheckResult, Outcome};

/// `ALLOW: <rules>` or `DENY [<code>]: <rules>`; the decisive check on the next line.
pub fn render(c: &CheckResult) -> String {
    let head = match (c.decision, c.code) {
        (Outcome::Allow, _) => "ALLOW".to_string(),
        (Outcome::Deny, Some(code)) => format!("DENY [{}]", code.number()),
        (Outcome::Deny, None) => "DENY".to_string(),
    };
    let reason = if c.rules.is_empty() {
        c.message.clone().unwrap_or_default()
    } else {
        c.rules.join("; ")
    };
    let mut out = if reason.is_empty() {
        head
    } else {
        format!("{head}: {reason}")
    };
    if let Some(check) = &c.check {
        out.push_str(&format!("\n  check: {check}"));
    }
    if let Some(outcome) = &c.outcome {
        out.push_str(&format!("\n  outcome: {outcome}"));
    }
    out
}
