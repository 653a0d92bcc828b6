//! What a script would change: `mcsec plan <script.sql>`.
//!
//! Walk `mcsec plan widen.sql`, whose one statement is `grant Select on table t to user
//! RAM$alice;` where alice held `Select` on column `a` only. The catalog is copied into a
//! throw-away in-memory catalog (`Catalog::in_memory_copy`), and [`Tenant::read`] takes the
//! before picture from it: the dump's statements (`dump::dump`, one line per definition, keyed
//! by the project they run in) and the effective grants of every principal of every project
//! (`effective::compute`, each row decided by the authorizer). The script then runs statement
//! by statement on a session over the copy, every statement whatever failed before it, each
//! failure kept with its `file:line:col`; the after picture is taken the same way. [`diff`]
//! compares them: definitions added and removed, rights gained and lost per principal, rights
//! widened or narrowed (alice's `Select` on `projects/p/tables/t` from column `a` to every
//! column), and outflow paths opened or closed (trusted projects, exception policies,
//! installed packages). The real catalog is only read.

use super::dump;
use super::effective::{self, EffectiveGrant};
use crate::catalog::Catalog;
use crate::error::Result;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One picture of a tenant: its definitions and its effective grants.
pub struct Tenant {
    /// `(project the statement runs in, statement)`.
    definitions: BTreeSet<(String, String)>,
    grants: BTreeMap<(String, String, String, String), EffectiveGrant>,
}

impl Tenant {
    pub fn read(catalog: &Catalog, source_ip: &str, now: i64) -> Result<Tenant> {
        let txn = catalog.begin();
        let script = dump::dump(&txn, None, "", now)?.script;
        let mut definitions = BTreeSet::new();
        let mut current = String::new();
        for line in script.lines() {
            if line.starts_with("--") || line.trim().is_empty() {
                continue;
            }
            if let Some(p) = line.strip_prefix("use ") {
                current = p.trim_end_matches(';').to_string();
                continue;
            }
            if line.starts_with("login ") {
                continue;
            }
            definitions.insert((current.clone(), line.trim_end_matches(';').to_string()));
        }
        let mut grants = BTreeMap::new();
        for project in txn.projects()? {
            let query = effective::Query {
                project: project.name.clone(),
                principal: None,
                object: None,
                source_ip: source_ip.to_string(),
                now,
            };
            for row in effective::compute(&txn, None, &query)? {
                grants.insert(
                    (
                        row.principal.clone(),
                        row.project.clone(),
                        row.object.clone(),
                        row.action.clone(),
                    ),
                    row,
                );
            }
        }
        Ok(Tenant {
            definitions,
            grants,
        })
    }
}

/// A statement of the script that would fail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub position: String,
    pub statement: String,
    pub error: String,
}

/// One right of one principal that changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RightChange {
    pub principal: String,
    /// The project the request is made in (another than the object's: through a package).
    pub project: String,
    /// `gained`, `lost`, `widened`, `narrowed`.
    pub change: &'static str,
    pub action: String,
    pub object: String,
    pub columns_before: Option<Vec<String>>,
    pub columns_after: Option<Vec<String>>,
    pub via: Vec<String>,
}

/// Everything `mcsec plan` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub script: String,
    pub statements: usize,
    pub failures: Vec<Failure>,
    /// Definitions (dump statements) the script adds, as `<project>: <statement>`.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub rights: Vec<RightChange>,
    /// Outflow paths opened and closed: trusted projects, exception policies, installations.
    pub outflows_opened: Vec<String>,
    pub outflows_closed: Vec<String>,
}

impl Report {
    pub fn changes_nothing(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.rights.is_empty()
    }
}

fn is_outflow(statement: &str) -> bool {
    statement.starts_with("add trustedproject ")
        || statement.starts_with("install package ")
        || statement.starts_with("set ProjectProtection=true with exception ")
        || statement.starts_with("allow project ")
}

fn words(project: &str, statement: &str) -> String {
    if project.is_empty() {
        statement.to_string()
    } else {
        format!("{project}: {statement}")
    }
}

/// Compares two pictures.
pub fn diff(
    script: &str,
    statements: usize,
    failures: Vec<Failure>,
    before: &Tenant,
    after: &Tenant,
) -> Report {
    let mut report = Report {
        script: script.to_string(),
        statements,
        failures,
        added: Vec::new(),
        removed: Vec::new(),
        rights: Vec::new(),
        outflows_opened: Vec::new(),
        outflows_closed: Vec::new(),
    };
    for (project, statement) in after.definitions.difference(&before.definitions) {
        report.added.push(words(project, statement));
        if is_outflow(statement) {
            report.outflows_opened.push(words(project, statement));
        }
    }
    for (project, statement) in before.definitions.difference(&after.definitions) {
        report.removed.push(words(project, statement));
        if is_outflow(statement) {
            report.outflows_closed.push(words(project, statement));
        }
    }
    let change = |row: &EffectiveGrant, change, before, after| RightChange {
        principal: row.principal.clone(),
        project: row.project.clone(),
        change,
        action: row.action.clone(),
        object: row.object.clone(),
        columns_before: before,
        columns_after: after,
        via: row.via.clone(),
    };
    for (key, row) in &after.grants {
        match before.grants.get(key) {
            None => report
                .rights
                .push(change(row, "gained", None, row.columns.clone())),
            Some(old) if old.columns != row.columns => {
                let wider = match (&old.columns, &row.columns) {
                    (Some(_), None) => true,
                    (None, Some(_)) => false,
                    (Some(a), Some(b)) => b.len() > a.len(),
                    (None, None) => false,
                };
                let kind = if wider { "widened" } else { "narrowed" };
                report
                    .rights
                    .push(change(row, kind, old.columns.clone(), row.columns.clone()));
            }
            Some(_) => {}
        }
    }
    for (key, row) in &before.grants {
        if !after.grants.contains_key(key) {
            report
                .rights
                .push(change(row, "lost", row.columns.clone(), None));
        }
    }
    report.rights.sort_by(|a, b| {
        (&a.principal, &a.project, &a.object, &a.action).cmp(&(
            &b.principal,
            &b.project,
            &b.object,
            &b.action,
        ))
    });
    report
}

fn columns(c: &Option<Vec<String>>) -> String {
    match c {
        Some(c) => format!("({})", c.join(", ")),
        None => "(all)".to_string(),
    }
}

/// The `terraform plan`-like text.
pub fn render(r: &Report) -> String {
    let mut out = Vec::new();
    out.push(format!(
        "Plan: {} ({} statements, {} would fail)",
        r.script,
        r.statements,
        r.failures.len()
    ));
    if !r.failures.is_empty() {
        out.push(String::new());
        out.push("Statements that would fail:".to_string());
        for f in &r.failures {
            out.push(format!("  ! {}: {}", f.position, f.statement));
            out.push(format!("      FAILED: {}", f.error));
        }
    }
    if !r.added.is_empty() || !r.removed.is_empty() {
        out.push(String::new());
        out.push("Objects and settings:".to_string());
        for a in &r.added {
            out.push(format!("  + {a}"));
        }
        for d in &r.removed {
            out.push(format!("  - {d}"));
        }
    }
    if !r.rights.is_empty() {
        out.push(String::new());
        out.push("Effective permissions:".to_string());
        let mut principal = "";
        for c in &r.rights {
            if c.principal != principal {
                principal = &c.principal;
                out.push(format!("  {principal}"));
            }
            let sign = match c.change {
                "gained" => "+",
                "lost" => "-",
                _ => "~",
            };
            let detail = match c.change {
                "widened" | "narrowed" => format!(
                    " {} -> {}",
                    columns(&c.columns_before),
                    columns(&c.columns_after)
                ),
                "gained" => c
                    .columns_after
                    .as_ref()
                    .map(|cs| format!(" ({})", cs.join(", ")))
                    .unwrap_or_default(),
                _ => c
                    .columns_before
                    .as_ref()
                    .map(|cs| format!(" ({})", cs.join(", ")))
                    .unwrap_or_default(),
            };
            let via = if c.via.is_empty() {
                String::new()
            } else {
                format!(" via {}", c.via.join("; "))
            };
            let from = if c.object == format!("projects/{}", c.project)
                || c.object.starts_with(&format!("projects/{}/", c.project))
            {
                String::new()
            } else {
                format!(" in {}", c.project)
            };
            out.push(format!(
                "    {sign} {} {} on {}{from}{detail}{via}",
                c.change, c.action, c.object
            ));
        }
    }
    if !r.outflows_opened.is_empty() || !r.outflows_closed.is_empty() {
        out.push(String::new());
        out.push("Outflow paths:".to_string());
        for o in &r.outflows_opened {
            out.push(format!("  + opened: {o}"));
        }
        for o in &r.outflows_closed {
            out.push(format!("  - closed: {o}"));
        }
    }
    out.push(String::new());
    if r.changes_nothing() {
        out.push("No changes.".to_string());
    } else {
        out.push(format!(
            "{} to add, {} to remove; {} rights gained, {} lost, {} changed.",
            r.added.len(),
            r.removed.len(),
            r.rights.iter().filter(|c| c.change == "gained").count(),
            r.rights.iter().filter(|c| c.change == "lost").count(),
            r.rights
                .iter()
                .filter(|c| c.change == "widened" || c.change == "narrowed")
                .count(),
        ));
    }
    out.join("\n")
}
