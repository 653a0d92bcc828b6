//! The text of `survey`: a heading line, then one `+---+` table per part.

use crate::exec::result::Survey;

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let columns: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    super::result_table(&columns, &rows)
}

impl Survey {
    /// The text of `survey`: a heading line, then one table per part.
    pub fn text(&self) -> String {
        let mut out = vec![format!(
            "Survey of {} at {} (activity window {} days, shared accounts: more than {} source addresses, audit retention {})",
            self.scope, self.time, self.window_days, self.addresses, self.audit_retention
        )];
        out.push("Accounts:".into());
        out.push(table(
            &[
                "project",
                "owner",
                "aliyun_accounts",
                "ram_users",
                "ram_roles",
                "tenant_roles",
                "p4_residues",
            ],
            self.accounts
                .iter()
                .map(|a| {
                    vec![
                        a.project.clone(),
                        a.owner.clone(),
                        a.aliyun_accounts.to_string(),
                        a.ram_users.to_string(),
                        a.ram_roles.to_string(),
                        a.tenant_roles.to_string(),
                        a.p4_residues.to_string(),
                    ]
                })
                .collect(),
        ));
        out.push("Discarded accounts:".into());
        out.push(table(
            &[
                "project",
                "principal",
                "reason",
                "last_activity",
                "privileges",
            ],
            self.discarded
                .iter()
                .map(|d| {
                    vec![
                        d.project.clone(),
                        d.principal.clone(),
                        d.reason.to_string(),
                        d.last_activity.clone().unwrap_or_else(|| "-".into()),
                        if d.privileges.is_empty() {
                            "-".into()
                        } else {
                            d.privileges.join(", ")
                        },
                    ]
                })
                .collect(),
        ));
        out.push(format!(
            "Tasks in the last {} days, most first:",
            self.window_days
        ));
        out.push(table(
            &["principal", "SQL", "DT", "Management", "total", "denied"],
            self.tasks
                .iter()
                .map(|t| {
                    vec![
                        t.principal.clone(),
                        t.sql.to_string(),
                        t.dt.to_string(),
                        t.management.to_string(),
                        t.total.to_string(),
                        t.denied.to_string(),
                    ]
                })
                .collect(),
        ));
        out.push(format!(
            "Accounts seen from more than {} source addresses:",
            self.addresses
        ));
        out.push(table(
            &["principal", "addresses", "source_ips"],
            self.shared
                .iter()
                .map(|s| {
                    vec![
                        s.principal.clone(),
                        s.source_ips.len().to_string(),
                        s.source_ips.join(", "),
                    ]
                })
                .collect(),
        ));
        out.push(format!("Downloads in the last {} days:", self.window_days));
        out.push(table(
            &["project", "principal", "downloads", "records"],
            self.downloads
                .iter()
                .map(|d| {
                    vec![
                        d.project.clone(),
                        d.principal.clone(),
                        d.downloads.to_string(),
                        d.records.to_string(),
                    ]
                })
                .collect(),
        ));
        out.join("\n")
    }
}
