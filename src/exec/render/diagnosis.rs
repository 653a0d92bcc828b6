//! The text of `diagnose`: a summary line counting findings by risk, then one block per
//! finding with what was found, why it matters and its fix.

use crate::ast::RiskLevel;
use crate::exec::result::Diagnosis;

/// The text layout: a summary line, then each finding as a block.
pub fn text(d: &Diagnosis) -> String {
    let count = |level: RiskLevel| d.findings.iter().filter(|f| f.risk == level).count();
    let what = if d.scope == "tenant" {
        format!(
            "the tenant ({} project{})",
            d.projects.len(),
            if d.projects.len() == 1 { "" } else { "s" }
        )
    } else {
        d.scope.clone()
    };
    let mut out = if d.findings.is_empty() {
        format!(
            "Diagnosis of {what}: no findings at risk {} or above",
            d.min_risk.keyword()
        )
    } else {
        format!(
            "Diagnosis of {what}: {} finding{} ({} high, {} medium, {} low)",
            d.findings.len(),
            if d.findings.len() == 1 { "" } else { "s" },
            count(RiskLevel::High),
            count(RiskLevel::Medium),
            count(RiskLevel::Low)
        )
    };
    for f in &d.findings {
        out.push_str(&format!(
            "\n\n[{}] {} {}: {}\n  found: {}\n  why:   {}",
            f.risk.keyword().to_ascii_uppercase(),
            f.id,
            f.object,
            f.title,
            f.found,
            f.why
        ));
        for (i, s) in f.fix.iter().enumerate() {
            out.push_str(if i == 0 { "\n  fix:   " } else { "\n         " });
            out.push_str(s);
        }
    }
    out
}
