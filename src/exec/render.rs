//! The two renderers of a [`StatementResult`]: [`text`], the layouts odpscmd prints (reference
//! §1.3, §2.1, §3.3, §6.3, §7.3) — `+---+` tables, `Authorization Type:` blocks with an 8-wide
//! flag column, `yyyy-MM-ddTHH:mm:ss+0000` times — and [`json`], the value itself as the
//! `result` field of `--format json`.
//!
//! `show grants for RAM$owner:bob;` returns `StatementResult::Grants` holding its rows as
//! [`GrantBlock`]s (one per authorization type, each with `[user/...]`/`[role/...]` subjects);
//! [`text`] writes `[roles]` and [`grant_blocks`], [`json`] serialises the same blocks.

use super::result::{
    Cell, Explain, ExplainCheck, GrantBlock, GrantRow, LabelGrants, Outcome, PackageDescription,
    SecurityConfiguration, StatementResult, TableDescription,
};
use crate::authz::DenyCode;
use std::fmt::Write;

mod audit;
pub mod check;
mod diagnosis;
mod effective;
mod outflow;
mod snapshots;
mod survey;

/// The odpscmd text of a result, without a final newline (`OK` when there is nothing to show).
pub fn text(result: &StatementResult) -> String {
    use StatementResult as R;
    match result {
        R::Audit { records } => audit::text(records),
        R::Survey(survey) => survey.text(),
        R::Ok => "OK".into(),
        R::Message { message } => message.clone(),
        R::Diagnosis(d) => diagnosis::text(d),
        R::OutflowPaths { paths } => outflow::text(paths),
        R::Names { names, .. } => lines_or_ok(names),
        R::Table { columns, rows, .. } => {
            let shown: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(Cell::to_string).collect())
                .collect();
            result_table(columns, &shown)
        }
        R::Download { path, records, .. } => {
            format!("{records} records downloaded to {path}\ndownload OK")
        }
        R::ProjectLeft {
            principal,
            project,
            reason,
        } => format!(
            "OK: logged in as {principal}, who may not enter project {project} ({reason}); no project is current"
        ),
        R::SessionFlag { key, value } => {
            format!("OK: session flag {key}={value} (no security setting changed)")
        }
        R::UnmodelledProperties { keys } => format!(
            "OK: project {} {} stored (mcsec does not model {})",
            if keys.len() == 1 {
                "property"
            } else {
                "properties"
            },
            keys.join(", "),
            if keys.len() == 1 { "it" } else { "them" }
        ),
        R::ResourceCreated { resource } => format!("OK: Resource '{resource}' have been created."),
        R::Whoami {
            name,
            source_ip,
            project,
            ..
        } => {
            let mut lines = vec![format!("Name: {name}"), format!("Source IP: {source_ip}")];
            if let Some(p) = project {
                lines.push(format!("Project: {p}"));
            }
            lines.join("\n")
        }
        R::SecurityConfiguration(c) => security_configuration(c),
        R::AccessKey {
            id,
            secret,
            principal,
        } => format!(
            "AccessKeyId: {id}\nAccessKeySecret: {secret}\nPrincipal: {principal}\nThe secret is shown only this once."
        ),
        R::AccessKeys { keys } => lines_or_ok(
            &keys
                .iter()
                .map(|k| format!("{}  {}  {}", k.id, k.principal, k.created))
                .collect::<Vec<_>>(),
        ),
        R::Properties { properties } => {
            // §9.2: the properties as `key=value` lines, then `OK`.
            let mut lines: Vec<String> =
                properties.iter().map(|(k, v)| format!("{k}={v}")).collect();
            lines.push("OK".into());
            lines.join("\n")
        }
        R::Grants {
            principal_type,
            roles,
            blocks,
            ..
        } => {
            let head = match (principal_type.holds_roles(), roles.is_empty()) {
                (false, _) => String::new(),
                (true, true) => "[roles]".to_string(),
                (true, false) => format!("[roles]\n{}", roles.join(", ")),
            };
            match sections(vec![head, grant_blocks(blocks)]) {
                t if t.is_empty() => "OK".to_string(),
                t => t,
            }
        }
        R::OwnerGrants { principal, project } => {
            format!("[{principal}]\nprojects/{project}: Project Owner")
        }
        R::Acl { blocks, .. } => grant_blocks(blocks),
        R::Role { users, blocks, .. } => {
            sections(vec![headed("[users]", users), grant_blocks(blocks)])
        }
        R::TenantRole {
            users,
            projects,
            blocks,
            ..
        } => sections(vec![
            headed("[users]", users),
            headed("[projects]", projects),
            grant_blocks(blocks),
        ]),
        R::Policy { policy } => policy.clone(),
        R::LabelGrants(g) => label_grants(g),
        R::TableDescription(t) => table_description(t),
        R::Packages { created, installed } => {
            let created: Vec<Vec<String>> = created
                .iter()
                .map(|p| vec![p.name.clone(), p.create_time.clone()])
                .collect();
            let installed: Vec<Vec<String>> = installed
                .iter()
                .map(|i| {
                    vec![
                        i.source_project.clone(),
                        i.name.clone(),
                        i.install_time.clone(),
                        i.status.clone(),
                    ]
                })
                .collect();
            format!(
                "Created Packages\n{}\n\nInstalled Packages\n{}",
                table(&[col("PackageName"), col("CreateTime")], &created),
                table(
                    &[
                        col("SourceProject"),
                        col("PackageName"),
                        col("InstallTime"),
                        col("Status")
                    ],
                    &installed
                )
            )
        }
        R::Package(p) => package_description(p),
        R::PackageItems { items } => {
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|i| {
                    vec![
                        i.object_type.clone(),
                        i.name.clone(),
                        i.privileges.join(","),
                        i.source_project.clone(),
                        i.package.clone(),
                    ]
                })
                .collect();
            table(
                &[
                    col("ObjectType"),
                    col("ObjectName"),
                    col("ObjectPrivileges"),
                    col("SourceProject"),
                    col("PackageName"),
                ],
                &rows,
            )
        }
        R::Explain(e) => explain(e),
        R::ExplainStatement(e) => explain_statement(e),
        R::EffectiveGrants(e) => effective::render(e),
        R::Check(c) => check::render(c),
        R::Snapshots { snapshots } => snapshots::render(snapshots),
    }
}

/// The `result` field of `--format json`: the value as serde writes it. Every variant is plain
/// data (strings, numbers, maps), so serialisation cannot fail.
impl StatementResult {
    /// The odpscmd text, exactly what the shell and `-e`/`-f` print (without the final newline).
    pub fn text(&self) -> String {
        text(self)
    }

    /// The value as the `result` field of `--format json` writes it.
    pub fn json(&self) -> serde_json::Value {
        json(self)
    }
}

pub fn json(result: &StatementResult) -> serde_json::Value {
    serde_json::to_value(result).unwrap_or(serde_json::Value::Null)
}

/// `[users]` and one name per line under it.
fn headed(head: &str, names: &[String]) -> String {
    let mut lines = vec![head.to_string()];
    lines.extend(names.iter().cloned());
    lines.join("\n")
}

/// The exact lines odpscmd builds for `show SecurityConfiguration` (§9.1).
fn security_configuration(c: &SecurityConfiguration) -> String {
    let mut lines = vec![
        format!("CheckPermissionUsingAcl={}", c.check_permission_using_acl),
        format!(
            "CheckPermissionUsingPolicy={}",
            c.check_permission_using_policy
        ),
        format!(
            "ObjectCreatorHasAccessPermission={}",
            c.object_creator_has_access_permission
        ),
        format!(
            "ObjectCreatorHasGrantPermission={}",
            c.object_creator_has_grant_permission
        ),
        format!("LabelSecurity={}", c.label_security),
        format!("ProjectProtection={}", c.project_protection),
    ];
    if let (true, Some(e)) = (c.project_protection, &c.project_protection_exception) {
        lines.push(format!("ProjectProtection with Exception:{}", e.trim_end()));
    }
    lines.push(format!(
        "ExternalResourceAccessControl={}",
        c.external_resource_access_control
    ));
    if c.external_resource_access_control {
        lines.push(format!(
            "ExternalResourceLocations: {}",
            c.external_resource_locations.as_deref().unwrap_or("")
        ));
    }
    lines.push(format!(
        "EnableDownloadPrivilege={}",
        c.enable_download_privilege
    ));
    lines.join("\n")
}

/// `show label grants`: `User Label:` and the user's grants per table, `Sensitive Label Range:`
/// and the grants on a table per grantee, or `User Label:` and the user's grants per column.
fn label_grants(g: &LabelGrants) -> String {
    let rows = |name: &dyn Fn(&super::result::LabelGrantItem) -> String| -> Vec<Vec<String>> {
        g.grants
            .iter()
            .map(|i| vec![name(i), i.label.to_string(), i.expires.clone()])
            .collect()
    };
    let qualified = |i: &super::result::LabelGrantItem| match &i.column {
        Some(c) => format!("{}({c})", i.name),
        None => i.name.clone(),
    };
    let own = g.user_label.unwrap_or(0);
    match (&g.table, &g.user) {
        (None, _) => format!(
            "User Label: {own}\n\n{}",
            table(
                &[col("TableName"), col("GrantedLabel"), col("Expires")],
                &rows(&qualified)
            )
        ),
        (Some(_), None) => {
            let (lo, hi) = g.label_range.unwrap_or((0, 0));
            format!(
                "Sensitive Label Range: [{lo}, {hi}]\n\n{}",
                table(
                    &[col("UserName"), col("GrantedLabel"), col("Expires")],
                    &rows(&qualified)
                )
            )
        }
        (Some(_), Some(_)) => format!(
            "User Label: {own}\n{}",
            table(
                &[col("Column"), col("GrantedLabel"), col("Expires")],
                &rows(&|i| i.column.clone().unwrap_or_else(|| "*".into()))
            )
        ),
    }
}

fn boxed(key: &str, value: &str) -> String {
    format!("| {:<25} {:<56} |", key, value)
}

/// `describe <table>`: odpscmd's boxed layout with the label block of §6.3.
fn table_description(t: &TableDescription) -> String {
    let rule = format!("+{}+", "-".repeat(84));
    let lines = [
        rule.clone(),
        boxed("Owner:", &t.owner),
        boxed("Project:", &t.project),
        boxed("TableComment:", ""),
        rule.clone(),
        boxed("CreateTime:", &t.create_time),
        rule.clone(),
        boxed("TableLabel:", &t.table_label.to_string()),
        boxed("MaxLabel:", &format!("L{}", t.max_label)),
        rule.clone(),
        format!("| {:<82} |", "Native Columns:"),
    ];
    let rows: Vec<Vec<String>> = t
        .columns
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.data_type.clone(),
                c.label.map(|l| l.to_string()).unwrap_or_default(),
                String::new(),
            ]
        })
        .collect();
    let columns = table(
        &[
            Column {
                header: "Field",
                min_width: 15,
            },
            Column {
                header: "Type",
                min_width: 10,
            },
            Column {
                header: "Label",
                min_width: 5,
            },
            Column {
                header: "Comment",
                min_width: 43,
            },
        ],
        &rows,
    );
    format!("{}\n{}", lines.join("\n"), columns)
}

/// `describe package` (§7.3 layout).
fn package_description(p: &PackageDescription) -> String {
    let objects: Vec<Vec<String>> = p
        .objects
        .iter()
        .map(|o| {
            vec![
                o.object_type.clone(),
                o.name.clone(),
                o.privileges.join(","),
            ]
        })
        .collect();
    let allowed: Vec<Vec<String>> = p
        .allowed_projects
        .iter()
        .map(|a| vec![a.project.clone(), a.label.to_string()])
        .collect();
    format!(
        "CreateTime:         {}\nPackageName:        {}\nSourceProject:      {}\n\nObject List\n{}\n\nAllowed Project List\n{}",
        p.create_time,
        p.name,
        p.source_project,
        table(
            &[
                Column { header: "ObjectType", min_width: 12 },
                Column { header: "ObjectName", min_width: 40 },
                Column { header: "ObjectPrivileges", min_width: 16 },
            ],
            &objects
        ),
        table(&[Column { header: "ProjectName", min_width: 15 }, Column { header: "UserLabel", min_width: 9 }], &allowed)
    )
}

/// `ALLOW`, `DENY [4031]`, or `DENY` for a refusal without a sub-code (a catalog failure).
fn decision_words(decision: Outcome, code: Option<DenyCode>) -> String {
    match (decision, code) {
        (Outcome::Allow, _) => "ALLOW".to_string(),
        (Outcome::Deny, Some(code)) => format!("DENY [{}]", code.number()),
        (Outcome::Deny, None) => "DENY".to_string(),
    }
}

/// `Select on projects/p/tables/t (phone) [SQL], data flows to the client`.
fn describe_check(check: &ExplainCheck) -> String {
    let mut s = format!("{} on {}", check.action, check.resource);
    if let Some(columns) = &check.columns {
        let _ = write!(s, " ({})", columns.join(", "));
    }
    let _ = write!(s, " [{}]", check.task_type.code());
    match &check.outflow {
        Some(super::result::DataFlow::Project { project }) => {
            let _ = write!(s, ", data flows to project {project}");
        }
        Some(super::result::DataFlow::Client) => s.push_str(", data flows to the client"),
        None => {}
    }
    s
}

fn explain_check(index: usize, check: &ExplainCheck, out: &mut Vec<String>) {
    out.push(format!(
        "Check {index}: {}: {}",
        describe_check(check),
        decision_words(check.decision, check.code)
    ));
    check_body(&check.message, &check.rules, &check.layers, out);
}

/// `explain`: the request, the decision, every check with its rules and layers, then advice.
fn explain(e: &Explain) -> String {
    let mut text = vec![
        format!("Explain: {}", e.statement),
        format!("Principal: {}", e.principal),
        format!("Source IP: {}", e.source_ip),
        format!(
            "Current project: {}",
            e.current_project.as_deref().unwrap_or("(none)")
        ),
        format!("Decision: {}", decision_words(e.decision, e.code)),
    ];
    if let Some(message) = &e.message {
        text.push(format!("Error: {message}"));
    }
    for (i, check) in e.checks.iter().enumerate() {
        text.push(String::new());
        explain_check(i + 1, check, &mut text);
    }
    text.push(String::new());
    if e.advice.is_empty() {
        text.push("Ways to change the outcome: none needed, every check is allowed".to_string());
    } else {
        text.push("Ways to change the outcome:".to_string());
        text.extend(e.advice.iter().map(|a| format!("  - {a}")));
    }
    text.join("\n")
}

/// `explain` of a statement without a data plan: the request, the explained principal's
/// standing, the decision, every check with its rules and layers, what the statement would do,
/// then advice.
fn explain_statement(e: &super::result::ExplainStatement) -> String {
    let mut text = vec![
        format!("Explain: {}", e.statement),
        format!("Principal: {}", e.principal),
        format!("Source IP: {}", e.source_ip),
        format!(
            "Current project: {}",
            e.current_project.as_deref().unwrap_or("(none)")
        ),
    ];
    if let (Some(standing), Some(project)) = (e.standing, &e.current_project) {
        text.push(format!(
            "Standing: {} of project {project}",
            standing.words()
        ));
    }
    text.push(format!("Decision: {}", decision_words(e.decision, e.code)));
    if let Some(message) = &e.message {
        text.push(format!("Error: {message}"));
    }
    for (i, check) in e.checks.iter().enumerate() {
        text.push(String::new());
        text.push(format!(
            "Check {}: {}: {}",
            i + 1,
            check.words(),
            decision_words(check.decision, check.code)
        ));
        check_body(&check.message, &check.rules, &check.layers, &mut text);
    }
    if e.checks.is_empty() {
        text.push(String::new());
        text.push("Checks: none (the statement needs no authorization in a project)".to_string());
    }
    text.push(String::new());
    text.push(format!("Outcome: {}", e.outcome.words()));
    text.push(String::new());
    if e.advice.is_empty() && e.decision == Outcome::Deny {
        text.push("Ways to change the outcome: none found".to_string());
    } else if e.advice.is_empty() {
        text.push("Ways to change the outcome: none needed, every check is allowed".to_string());
    } else {
        text.push("Ways to change the outcome:".to_string());
        text.extend(e.advice.iter().map(|a| format!("  - {a}")));
    }
    text.join("\n")
}

/// A check's error, deciding rules and layers, under its heading.
fn check_body(
    message: &Option<String>,
    rules: &[String],
    layers: &[super::result::ExplainLayer],
    out: &mut Vec<String>,
) {
    if let Some(message) = message {
        out.push(format!("  error: {message}"));
    }
    if rules.is_empty() {
        out.push("  deciding rules: none".to_string());
    } else {
        out.push("  deciding rules:".to_string());
        out.extend(rules.iter().map(|r| format!("    {r}")));
    }
    out.push("  layers:".to_string());
    for layer in layers {
        out.push(format!(
            "    {:<26} {:<9} {}",
            layer.layer.title(),
            layer.verdict.word(),
            layer.detail
        ));
    }
}

/// The columns a terminal gives `text`: two for a CJK character or an emoji, none for a
/// combining mark, so that tables of Chinese names line up.
pub fn display_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// odpscmd's `select` layout: a `+---+` rule, the header, a rule, the rows, a closing rule.
pub fn result_table(columns: &[String], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |v| display_width(v)))
                .max()
                .unwrap_or(0)
                .max(display_width(c))
        })
        .collect();
    let rule = widths
        .iter()
        .fold(String::from("+"), |acc, w| acc + &"-".repeat(w + 2) + "+");
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::from("|");
        for (cell, w) in cells.zip(&widths) {
            s.push(' ');
            s.push_str(cell);
            s.push_str(&" ".repeat(w - display_width(cell).min(*w) + 1));
            s.push('|');
        }
        s
    };
    let mut out = vec![
        rule.clone(),
        line(&mut columns.iter().map(String::as_str)),
        rule.clone(),
    ];
    for row in rows {
        out.push(line(&mut row.iter().map(String::as_str)));
    }
    out.push(rule);
    out.join("\n")
}

/// `2026-01-02T03:04:05+0000` (UTC), the layout every time in the reference uses.
pub fn format_time(unix: i64) -> String {
    let fmt =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// One column of a `+---+` table: its header and the width the reference's sample gives it
/// (cells are padded to at least this and at most their longest value).
pub struct Column<'a> {
    pub header: &'a str,
    pub min_width: usize,
}

pub fn col(header: &str) -> Column<'_> {
    Column {
        header,
        min_width: 0,
    }
}

/// A `+---+` table as in `describe package` and `show label grants`: every data row is
/// followed by a separator line.
pub fn table(columns: &[Column<'_>], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let longest = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|v| display_width(v))
                .max()
                .unwrap_or(0);
            display_width(c.header).max(c.min_width).max(longest)
        })
        .collect();
    let separator: String = {
        let mut s = String::from("+");
        for w in &widths {
            s.push_str(&"-".repeat(w + 2));
            s.push('+');
        }
        s
    };
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::from("|");
        for (cell, w) in cells.iter().zip(&widths) {
            let pad = w - display_width(cell).min(*w);
            s.push(' ');
            s.push_str(cell);
            s.push_str(&" ".repeat(pad + 1));
            s.push('|');
        }
        s
    };
    let mut out = vec![
        separator.clone(),
        line(columns.iter().map(|c| c.header).collect()),
        separator.clone(),
    ];
    for r in rows {
        out.push(line(r.iter().map(String::as_str).collect()));
        out.push(separator.clone());
    }
    out.join("\n")
}

impl GrantRow {
    pub fn text(&self) -> String {
        let mut s = format!("{:<8}", self.flags);
        match &self.grantee {
            Some(g) if self.resource.is_empty() => s.push_str(g),
            Some(g) => s.push_str(&format!("{g}({})", self.resource)),
            None => s.push_str(&self.resource),
        }
        s.push_str(": ");
        s.push_str(&self.actions.join(" | "));
        if let Some(c) = &self.conditions {
            s.push_str(&format!("\tConditions:{c}"));
        }
        if let Some(e) = &self.expires {
            s.push_str(&format!("\tExpires:{e}"));
        }
        s
    }
}

impl GrantBlock {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.rows.is_empty())
    }

    pub fn text(&self) -> String {
        let mut lines = vec![format!("Authorization Type: {}", self.kind)];
        for g in self.groups.iter().filter(|g| !g.rows.is_empty()) {
            if let Some(s) = &g.subject {
                lines.push(format!("[{s}]"));
            }
            lines.extend(g.rows.iter().map(GrantRow::text));
        }
        lines.join("\n")
    }
}

/// Non-empty blocks separated by one blank line.
pub fn grant_blocks(blocks: &[GrantBlock]) -> String {
    blocks
        .iter()
        .filter(|b| !b.is_empty())
        .map(GrantBlock::text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Sections joined by a blank line, skipping empty ones.
pub fn sections(parts: Vec<String>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One name per line, or `OK` for an empty list (odpscmd prints `OK` for an empty result).
pub fn lines_or_ok(items: &[String]) -> String {
    if items.is_empty() {
        "OK".into()
    } else {
        items.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_utc_with_compact_offset() {
        assert_eq!(format_time(1_641_728_607), "2022-01-09T11:43:27+0000");
    }

    #[test]
    fn table_pads_to_min_width_and_separates_rows() {
        let t = table(
            &[
                Column {
                    header: "ProjectName",
                    min_width: 15,
                },
                Column {
                    header: "UserLabel",
                    min_width: 9,
                },
            ],
            &[vec!["test_project_b".into(), "0".into()]],
        );
        assert_eq!(
            t,
            "+-----------------+-----------+\n| ProjectName     | UserLabel |\n+-----------------+-----------+\n| test_project_b  | 0         |\n+-----------------+-----------+"
        );
    }

    #[test]
    fn grant_row_flag_column_is_eight_wide() {
        let r = GrantRow {
            flags: "A".into(),
            grantee: None,
            resource: "projects/p/tables/t".into(),
            actions: vec!["Download".into(), "Select".into()],
            expires: Some("2026-01-01T00:00:00+0000".into()),
            conditions: None,
        };
        assert_eq!(
            r.text(),
            "A       projects/p/tables/t: Download | Select\tExpires:2026-01-01T00:00:00+0000"
        );
    }
}
