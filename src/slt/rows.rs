//! Every result kind as rows of typed columns, what a `query` record compares.
//!
//! `show grants for RAM$alice;` returns `StatementResult::Grants`; [`rows`] turns it into the
//! six text columns of the grant family — kind, subject, flags, resource, actions, properties —
//! with one `Role` row per role the user holds and one row per grant:
//! `ACL role/worker A projects/prj1/tables/t1 Select NULL`. A value that is absent is `NULL`,
//! an empty string `(empty)` (sqllogictest's conventions); a list inside one value is joined
//! with `,`. `OK` (a statement with nothing to show) is no rows at all, so `statement ok` is the
//! record for it. The mapping of each family is the table in README ("Scripted tests").

use crate::exec::result::{
    Cell, ExplainStatement, GrantBlock, LabelGrants, Outcome, PackageDescription,
    SecurityConfiguration, StatementResult, TableDescription,
};
use sqllogictest::ColumnType;

const NULL: &str = "NULL";

/// The type letters of a `query` line: `T` text, `I` integer, `R` other numbers, `?` any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Text,
    Integer,
    Real,
    Any,
}

impl ColumnType for Column {
    fn from_char(value: char) -> Option<Self> {
        match value {
            'T' => Some(Column::Text),
            'I' => Some(Column::Integer),
            'R' => Some(Column::Real),
            '?' => Some(Column::Any),
            _ => None,
        }
    }

    fn to_char(&self) -> char {
        match self {
            Column::Text => 'T',
            Column::Integer => 'I',
            Column::Real => 'R',
            Column::Any => '?',
        }
    }
}

/// The rows of `result`, or `None` when it shows nothing (`OK`).
pub fn rows(result: &StatementResult) -> Option<(Vec<Column>, Vec<Vec<String>>)> {
    use StatementResult as R;
    let text1 = |values: Vec<String>| {
        (
            vec![Column::Text],
            values.iter().map(|v| vec![v.clone()]).collect(),
        )
    };
    let shaped = match result {
        R::Ok => return None,
        R::Message { message } => text1(message.lines().map(str::to_string).collect()),
        R::Names { names, .. } => text1(names.clone()),
        R::Table { columns, rows, .. } => select_rows(columns.len(), rows),
        R::Download {
            table,
            path,
            records,
        } => (
            vec![Column::Text, Column::Text, Column::Integer],
            vec![vec![table.clone(), path.clone(), records.to_string()]],
        ),
        R::ResourceCreated { resource } => text1(vec![resource.clone()]),
        R::ProjectLeft {
            principal,
            project,
            reason,
        } => (
            vec![Column::Text; 3],
            vec![vec![principal.clone(), project.clone(), reason.clone()]],
        ),
        R::Diagnosis(d) => (
            vec![Column::Text; 5],
            d.findings
                .iter()
                .map(|f| {
                    vec![
                        f.id.to_string(),
                        f.risk.keyword().to_string(),
                        f.object.to_string(),
                        f.found.to_string(),
                        f.fix.join(" "),
                    ]
                })
                .collect(),
        ),
        R::OutflowPaths { paths } => text1(paths.iter().map(|p| p.chain.clone()).collect()),
        R::EffectiveGrants(e) => (
            vec![Column::Text; 6],
            e.grants
                .iter()
                .map(|g| {
                    vec![
                        g.principal.clone(),
                        g.object.clone(),
                        g.action.clone(),
                        g.columns
                            .as_ref()
                            .map_or_else(|| NULL.to_string(), |c| c.join(",")),
                        g.via.join(","),
                        g.project.clone(),
                    ]
                })
                .collect(),
        ),
        R::Check(c) => (
            vec![Column::Text, Column::Text, Column::Text],
            vec![vec![
                match c.decision {
                    crate::exec::result::Outcome::Allow => "ALLOW".to_string(),
                    crate::exec::result::Outcome::Deny => "DENY".to_string(),
                },
                or_null(c.code.map(|code| code.number()).as_deref()),
                or_null(c.check.as_deref()),
            ]],
        ),
        R::Snapshots { snapshots } => (
            vec![Column::Text, Column::Text, Column::Integer],
            snapshots
                .iter()
                .map(|s| vec![s.name.clone(), s.saved_at.clone(), s.records.to_string()])
                .collect(),
        ),
        R::Audit { records } => (
            vec![
                Column::Text,
                Column::Text,
                Column::Text,
                Column::Text,
                Column::Text,
                Column::Text,
            ],
            records
                .iter()
                .map(|r| {
                    vec![
                        r.time.clone(),
                        r.principal.clone(),
                        or_null(r.project.as_deref()),
                        r.task_type.to_string(),
                        r.statement.to_string(),
                        r.error_code
                            .clone()
                            .or_else(|| r.error_kind.clone())
                            .unwrap_or_else(|| "OK".to_string()),
                    ]
                })
                .collect(),
        ),
        R::Survey(s) => (
            vec![Column::Text; 3],
            s.discarded
                .iter()
                .map(|d| vec![d.project.clone(), d.principal.clone(), d.reason.to_string()])
                .collect(),
        ),
        R::SessionFlag { key, value } => (
            vec![Column::Text; 2],
            vec![vec![key.clone(), value.clone()]],
        ),
        R::UnmodelledProperties { keys } => text1(keys.clone()),
        R::Whoami {
            name,
            source_ip,
            project,
            ..
        } => (
            vec![Column::Text; 3],
            vec![vec![
                name.clone(),
                source_ip.clone(),
                or_null(project.as_deref()),
            ]],
        ),
        R::AccessKey {
            id,
            secret,
            principal,
        } => (
            vec![Column::Text; 3],
            vec![vec![id.clone(), secret.clone(), principal.clone()]],
        ),
        R::AccessKeys { keys } => (
            vec![Column::Text; 3],
            keys.iter()
                .map(|k| vec![k.id.clone(), k.principal.clone(), k.created.clone()])
                .collect(),
        ),
        R::SecurityConfiguration(c) => (vec![Column::Text; 2], security_rows(c)),
        R::Properties { properties } => (
            vec![Column::Text; 2],
            properties
                .iter()
                .map(|(k, v)| vec![k.clone(), v.clone()])
                .collect(),
        ),
        R::Grants {
            principal,
            roles,
            blocks,
            ..
        } => {
            let mut out: Vec<Vec<String>> = roles
                .iter()
                .map(|r| grant_row("Role", principal, NULL, r, NULL, NULL))
                .collect();
            out.extend(block_rows(blocks, None));
            (vec![Column::Text; 6], out)
        }
        R::OwnerGrants { principal, project } => (
            vec![Column::Text; 6],
            vec![grant_row(
                "ProjectOwner",
                principal,
                NULL,
                &format!("projects/{project}"),
                NULL,
                NULL,
            )],
        ),
        R::Acl { blocks, .. } => (vec![Column::Text; 6], block_rows(blocks, None)),
        R::Role {
            role,
            users,
            blocks,
            ..
        } => {
            let mut out: Vec<Vec<String>> = users
                .iter()
                .map(|u| grant_row("User", u, NULL, &format!("role/{role}"), NULL, NULL))
                .collect();
            out.extend(block_rows(blocks, Some(&format!("role/{role}"))));
            (vec![Column::Text; 6], out)
        }
        R::TenantRole {
            role,
            users,
            projects,
            blocks,
        } => {
            let subject = format!("tenant_role/{role}");
            let mut out: Vec<Vec<String>> = users
                .iter()
                .map(|u| grant_row("User", u, NULL, &subject, NULL, NULL))
                .collect();
            out.extend(
                projects
                    .iter()
                    .map(|p| grant_row("Project", p, NULL, &subject, NULL, NULL)),
            );
            out.extend(block_rows(blocks, Some(&subject)));
            (vec![Column::Text; 6], out)
        }
        R::Policy { policy } => (vec![Column::Text; 5], policy_rows(policy)),
        R::LabelGrants(g) => label_rows(g),
        R::TableDescription(t) => describe_rows(t),
        R::Packages { created, installed } => {
            let mut out: Vec<Vec<String>> = created
                .iter()
                .map(|p| {
                    vec![
                        "created".into(),
                        p.name.clone(),
                        NULL.into(),
                        p.create_time.clone(),
                        NULL.into(),
                    ]
                })
                .collect();
            out.extend(installed.iter().map(|i| {
                vec![
                    "installed".into(),
                    i.name.clone(),
                    i.source_project.clone(),
                    i.install_time.clone(),
                    i.status.clone(),
                ]
            }));
            (vec![Column::Text; 5], out)
        }
        R::Package(p) => package_rows(p),
        R::PackageItems { items } => (
            vec![Column::Text; 5],
            items
                .iter()
                .map(|i| {
                    vec![
                        i.object_type.clone(),
                        i.name.clone(),
                        list(&i.privileges),
                        i.source_project.clone(),
                        i.package.clone(),
                    ]
                })
                .collect(),
        ),
        R::Explain(e) => {
            let mut out = vec![explain_row(
                "decision",
                &e.statement,
                e.decision,
                e.code.as_ref(),
            )];
            for check in &e.checks {
                let mut what = format!("{} on {}", check.action, check.resource);
                if let Some(columns) = &check.columns {
                    what.push_str(&format!(" ({})", columns.join(", ")));
                }
                out.push(explain_row(
                    "check",
                    &what,
                    check.decision,
                    check.code.as_ref(),
                ));
            }
            out.extend(e.advice.iter().map(|a| advice_row(a)));
            (vec![Column::Text; 4], out)
        }
        R::ExplainStatement(e) => (vec![Column::Text; 4], explain_statement_rows(e)),
    };
    // Whatever a cell holds (a downloaded file's path, a name, a setting's value), it must
    // read back as the same cell once `--complete` writes it: a newline would make two rows of
    // one, and an empty cell would vanish at the end of its line.
    let (types, rows) = shaped;
    let rows = rows
        .into_iter()
        .map(|row| row.into_iter().map(cell_text).collect())
        .collect();
    Some((types, rows))
}

/// A value as a result cell: `(empty)` for the empty string, control characters escaped so
/// that a value cannot break a result line.
fn cell_text(cell: String) -> String {
    if cell.is_empty() {
        "(empty)".into()
    } else if cell.chars().any(char::is_control) {
        cell.escape_debug().to_string()
    } else {
        cell
    }
}

fn or_null(value: Option<&str>) -> String {
    value.map_or_else(|| NULL.to_string(), str::to_string)
}


fn list(items: &[String]) -> String {
    if items.is_empty() {
        NULL.into()
    } else {
        items.join(",")
    }
}

/// `select`: a column is `I` when every value in it is an integer, `R` when every value is a
/// number and one is not an integer, `T` otherwise (`NULL`s do not decide).
fn select_rows(width: usize, rows: &[Vec<Cell>]) -> (Vec<Column>, Vec<Vec<String>>) {
    let mut types = Vec::with_capacity(width);
    for column in 0..width {
        let values: Vec<&Cell> = rows
            .iter()
            .filter_map(|r| r.get(column))
            .filter(|c| !matches!(c, Cell::Null))
            .collect();
        let numeric = !values.is_empty() && values.iter().all(|c| matches!(c, Cell::Number(_)));
        let integral = values
            .iter()
            .all(|c| matches!(c, Cell::Number(n) if n.parse::<i64>().is_ok()));
        types.push(match (numeric, integral) {
            (true, true) => Column::Integer,
            (true, false) => Column::Real,
            _ => Column::Text,
        });
    }
    let shown = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Cell::Null => NULL.to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect();
    (types, shown)
}

/// `show SecurityConfiguration`: one `(switch, value)` row per line of the text layout.
fn security_rows(c: &SecurityConfiguration) -> Vec<Vec<String>> {
    let pair = |k: &str, v: bool| vec![k.to_string(), v.to_string()];
    let mut out = vec![
        pair("CheckPermissionUsingAcl", c.check_permission_using_acl),
        pair(
            "CheckPermissionUsingPolicy",
            c.check_permission_using_policy,
        ),
        pair(
            "ObjectCreatorHasAccessPermission",
            c.object_creator_has_access_permission,
        ),
        pair(
            "ObjectCreatorHasGrantPermission",
            c.object_creator_has_grant_permission,
        ),
        pair("LabelSecurity", c.label_security),
        pair("ProjectProtection", c.project_protection),
    ];
    if let (true, Some(exception)) = (c.project_protection, &c.project_protection_exception) {
        out.push(vec![
            "ProjectProtectionException".into(),
            compact_json(exception),
        ]);
    }
    out.push(pair(
        "ExternalResourceAccessControl",
        c.external_resource_access_control,
    ));
    if c.external_resource_access_control {
        out.push(vec![
            "ExternalResourceLocations".into(),
            or_null(c.external_resource_locations.as_deref()),
        ]);
    }
    out.push(pair("EnableDownloadPrivilege", c.enable_download_privilege));
    out
}

/// A stored JSON document on one line (a damaged one as it is, escaped).
fn compact_json(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(value) => value.to_string(),
        Err(_) => text.to_string(),
    }
}

fn grant_row(
    kind: &str,
    subject: &str,
    flags: &str,
    resource: &str,
    actions: &str,
    properties: &str,
) -> Vec<String> {
    [kind, subject, flags, resource, actions, properties]
        .iter()
        .map(|v| v.to_string())
        .collect()
}

/// The rows of `Authorization Type:` blocks: the subject is the group's (`role/worker`), else
/// the row's grantee (`show acl`), else `default_subject`.
fn block_rows(blocks: &[GrantBlock], default_subject: Option<&str>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for block in blocks {
        for group in &block.groups {
            for row in &group.rows {
                let subject = group
                    .subject
                    .as_deref()
                    .or(row.grantee.as_deref())
                    .or(default_subject)
                    .unwrap_or(NULL);
                let mut properties = Vec::new();
                if let Some(expires) = &row.expires {
                    properties.push(format!("expires={expires}"));
                }
                if let Some(conditions) = &row.conditions {
                    properties.push(format!("conditions={conditions}"));
                }
                let properties = if properties.is_empty() {
                    NULL.to_string()
                } else {
                    properties.join(";")
                };
                out.push(grant_row(
                    &block.kind,
                    subject,
                    &row.flags,
                    &row.resource,
                    &list(&row.actions),
                    &properties,
                ));
            }
        }
    }
    out
}

/// A policy document: one row per statement — effect, actions, resources, principals,
/// conditions (compact JSON) — each list joined with `,`.
fn policy_rows(policy: &str) -> Vec<Vec<String>> {
    use serde_json::Value;
    let Ok(document) = serde_json::from_str::<Value>(policy) else {
        return vec![vec![
            "(unreadable)".into(),
            policy.to_string(),
            NULL.into(),
            NULL.into(),
            NULL.into(),
        ]];
    };
    let field = |statement: &Value, key: &str| -> String {
        let value = statement
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v);
        match value {
            None | Some(Value::Null) => NULL.into(),
            Some(Value::String(s)) => s.to_string(),
            Some(Value::Array(items)) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                list(&parts)
            }
            Some(other) => other.to_string(),
        }
    };
    let statements = document
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("Statement")))
        .and_then(|(_, v)| v.as_array().cloned())
        .unwrap_or_default();
    statements
        .iter()
        .map(|s| {
            vec![
                field(s, "Effect"),
                field(s, "Action"),
                field(s, "Resource"),
                field(s, "Principal"),
                field(s, "Condition"),
            ]
        })
        .collect()
}

/// `show label grants`: `(table or grantee, column, label, expires)` per grant; the column is
/// `NULL` for a table-level grant.
fn label_rows(g: &LabelGrants) -> (Vec<Column>, Vec<Vec<String>>) {
    let out = g
        .grants
        .iter()
        .map(|i| {
            vec![
                i.name.to_string(),
                or_null(i.column.as_deref()),
                i.label.to_string(),
                i.expires.to_string(),
            ]
        })
        .collect();
    (
        vec![Column::Text, Column::Text, Column::Integer, Column::Text],
        out,
    )
}

/// `describe <table>`: `(column, type, label)`, the label being the column's own or else the
/// table's.
fn describe_rows(t: &TableDescription) -> (Vec<Column>, Vec<Vec<String>>) {
    let out = t
        .columns
        .iter()
        .map(|c| {
            vec![
                c.name.to_string(),
                c.data_type.to_string(),
                c.label.unwrap_or(t.table_label).to_string(),
            ]
        })
        .collect();
    (vec![Column::Text, Column::Text, Column::Integer], out)
}

/// `describe package`: `(object type, name, privileges, NULL)` per object, then
/// `(PROJECT, project, label, expires)` per project allowed to install it.
fn package_rows(p: &PackageDescription) -> (Vec<Column>, Vec<Vec<String>>) {
    let mut out: Vec<Vec<String>> = p
        .objects
        .iter()
        .map(|o| {
            vec![
                o.object_type.to_string(),
                o.name.to_string(),
                list(&o.privileges),
                NULL.into(),
            ]
        })
        .collect();
    out.extend(p.allowed_projects.iter().map(|a| {
        vec![
            "PROJECT".into(),
            a.project.to_string(),
            format!("label={}", a.label),
            or_null(a.expires.as_deref()),
        ]
    }));
    (vec![Column::Text; 4], out)
}

fn verdict(outcome: Outcome) -> String {
    match outcome {
        Outcome::Allow => "ALLOW".into(),
        Outcome::Deny => "DENY".into(),
    }
}

fn code_text(code: Option<&crate::error::DenyCode>) -> String {
    code.and_then(|c| serde_json::to_value(c).ok())
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| NULL.into())
}

fn explain_row(
    kind: &str,
    what: &str,
    outcome: Outcome,
    code: Option<&crate::error::DenyCode>,
) -> Vec<String> {
    vec![
        kind.into(),
        what.to_string(),
        verdict(outcome),
        code_text(code),
    ]
}

fn advice_row(advice: &str) -> Vec<String> {
    vec![
        "advice".into(),
        advice.to_string(),
        NULL.into(),
        NULL.into(),
    ]
}

/// `explain` of a management or sandbox statement: the decision, the standing, each check, the
/// predicted outcome, the advice.
fn explain_statement_rows(e: &ExplainStatement) -> Vec<Vec<String>> {
    let mut out = vec![explain_row(
        "decision",
        &e.statement,
        e.decision,
        e.code.as_ref(),
    )];
    if let Some(standing) = e.standing {
        out.push(vec![
            "standing".into(),
            standing.words().into(),
            NULL.into(),
            NULL.into(),
        ]);
    }
    for check in &e.checks {
        out.push(explain_row(
            "check",
            &check.words(),
            check.decision,
            check.code.as_ref(),
        ));
    }
    out.push(vec![
        "outcome".into(),
        e.outcome.words().to_string(),
        NULL.into(),
        NULL.into(),
    ]);
    out.extend(e.advice.iter().map(|a| advice_row(a)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::result::{GrantGroup, GrantRow, NameList};

    #[test]
    fn ok_has_no_rows_and_names_are_one_text_column() {
        assert_eq!(rows(&StatementResult::Ok), None);
        assert_eq!(
            rows(&StatementResult::names(
                NameList::Users,
                vec!["RAM$owner:bob".into(), String::new()]
            )),
            Some((
                vec![Column::Text],
                vec![vec!["RAM$owner:bob".into()], vec!["(empty)".into()]]
            ))
        );
    }

    #[test]
    fn select_columns_are_typed_by_their_values() {
        let table = StatementResult::Table {
            instance: "i".into(),
            columns: vec!["id".into(), "price".into(), "name".into()],
            rows: vec![
                vec![
                    Cell::Number("1".into()),
                    Cell::Number("1.5".into()),
                    Cell::String("a b".into()),
                ],
                vec![Cell::Number("2".into()), Cell::Null, Cell::Null],
            ],
        };
        let (types, shown) = rows(&table).unwrap();
        assert_eq!(types, vec![Column::Integer, Column::Real, Column::Text]);
        assert_eq!(shown[1], vec!["2", "NULL", "NULL"]);
    }

    #[test]
    fn grants_are_six_columns_with_roles_first() {
        let grants = StatementResult::Grants {
            principal: "RAM$owner:alice".into(),
            principal_type: crate::exec::result::PrincipalType::User,
            roles: vec!["worker".into()],
            blocks: vec![GrantBlock {
                kind: "ACL".into(),
                groups: vec![GrantGroup {
                    subject: Some("user/RAM$owner:alice".into()),
                    rows: vec![GrantRow {
                        flags: "A".into(),
                        grantee: None,
                        resource: "projects/p/tables/t".into(),
                        actions: vec!["Select".into(), "Describe".into()],
                        expires: Some("2025-02-01T00:00:00+0000".into()),
                        conditions: None,
                    }],
                }],
            }],
        };
        let (_, shown) = rows(&grants).unwrap();
        assert_eq!(
            shown,
            vec![
                vec!["Role", "RAM$owner:alice", "NULL", "worker", "NULL", "NULL"],
                vec![
                    "ACL",
                    "user/RAM$owner:alice",
                    "A",
                    "projects/p/tables/t",
                    "Select,Describe",
                    "expires=2025-02-01T00:00:00+0000"
                ],
            ]
        );
    }

    #[test]
    fn policies_are_one_row_per_statement() {
        let policy = StatementResult::Policy {
            policy: r#"{"Version":"1","Statement":[{"Effect":"Deny","Action":["odps:Drop"],"Resource":"acs:odps:*:projects/p/tables/*","Principal":["RAM$owner:bob"]}]}"#.into(),
        };
        let (_, shown) = rows(&policy).unwrap();
        assert_eq!(
            shown,
            vec![vec![
                "Deny",
                "odps:Drop",
                "acs:odps:*:projects/p/tables/*",
                "RAM$owner:bob",
                "NULL"
            ]]
        );
    }
}
