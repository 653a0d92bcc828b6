//! The EBNF in `grammar/mcsec.ebnf`, embedded so that `help <keyword>` prints the text the
//! grammar file holds.
//!
//! Each statement family in the file opens with an annotation comment (`family:`, `section:`,
//! `summary:`, `starts:`, `variants:`) followed by its productions. [`families`] lists them for
//! `help;`; [`help`]`("grant")` returns every family whose statements can start with `grant`
//! (role grants, ACL, super, labels), annotation summary and productions. The test
//! `tests/parser_grammar.rs` keeps file and parser in step: every family's variants occur in the
//! parsed corpus, every `Statement` variant is named by a family, every start keyword is one
//! the parser dispatches on, and every quoted terminal is a lexer keyword or punctuation.

use crate::ast::Statement;

pub const EBNF: &str = include_str!("../grammar/mcsec.ebnf");

/// One annotated family of the grammar file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub name: &'static str,
    pub section: &'static str,
    pub summary: &'static str,
    pub starts: Vec<&'static str>,
    pub variants: Vec<&'static str>,
    /// The productions as written, without the annotation.
    pub productions: &'static str,
}

fn field<'a>(annotation: &'a str, key: &str) -> &'a str {
    annotation
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
        .map(|v| v.trim().trim_end_matches("*)").trim())
        .unwrap_or("")
}

/// Every annotated family, in file order.
pub fn parsed_families() -> Vec<Family> {
    let mut out = Vec::new();
    let mut rest = EBNF;
    while let Some(start) = rest.find("(* family:") {
        let after = &rest[start..];
        let Some(close) = after.find("*)") else { break };
        let annotation: &'static str = &after[..close + 2];
        let body_and_more = &after[close + 2..];
        let body_end = body_and_more
            .find("(* family:")
            .or_else(|| body_and_more.find("(* common *)"));
        let productions = body_and_more[..body_end.unwrap_or(body_and_more.len())].trim();
        out.push(Family {
            name: field(annotation, "(* family"),
            section: field(annotation, "section"),
            summary: field(annotation, "summary"),
            starts: field(annotation, "starts").split_whitespace().collect(),
            variants: field(annotation, "variants").split_whitespace().collect(),
            productions,
        });
        rest = body_and_more;
    }
    out
}

/// `(name, one-line summary)` of every statement family, for `help;`.
pub fn families() -> Vec<(&'static str, &'static str)> {
    parsed_families()
        .into_iter()
        .map(|f| (f.name, f.summary))
        .collect()
}

/// The productions of every family whose statements can start with `keyword`
/// (case-insensitive), each under a `-- <family> (<section>): <summary>` line; `None` when no
/// statement starts with it.
pub fn help(keyword: &str) -> Option<String> {
    let keyword = keyword.trim().to_ascii_lowercase();
    let mut out = String::new();
    for f in parsed_families() {
        if f.starts.contains(&keyword.as_str()) || f.name == keyword {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!(
                "-- {} ({}): {}\n{}\n",
                f.name, f.section, f.summary, f.productions
            ));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The name of a statement's variant, as the grammar annotations spell it.
pub fn variant_name(stmt: &Statement) -> &'static str {
    use Statement as S;
    match stmt {
        S::AddUser { .. } => "AddUser",
        S::RemoveUser { .. } => "RemoveUser",
        S::ListUsers => "ListUsers",
        S::Whoami => "Whoami",
        S::ShowGrants(_) => "ShowGrants",
        S::AddAccountProvider { .. } => "AddAccountProvider",
        S::RemoveAccountProvider { .. } => "RemoveAccountProvider",
        S::ListAccountProviders => "ListAccountProviders",
        S::CreateRole { .. } => "CreateRole",
        S::DropRole { .. } => "DropRole",
        S::DescribeRole { .. } => "DescribeRole",
        S::ListRoles { .. } => "ListRoles",
        S::GrantRoles(_) => "GrantRoles",
        S::RevokeRoles(_) => "RevokeRoles",
        S::PurgePrivs { .. } => "PurgePrivs",
        S::ShowPrincipals { .. } => "ShowPrincipals",
        S::ShowRoleGrant { .. } => "ShowRoleGrant",
        S::AddTenantUser { .. } => "AddTenantUser",
        S::RemoveTenantUser { .. } => "RemoveTenantUser",
        S::ListTenantUsers => "ListTenantUsers",
        S::AddTenantRoleToProject { .. } => "AddTenantRoleToProject",
        S::RemoveTenantRoleFromProject { .. } => "RemoveTenantRoleFromProject",
        S::AddGroup { .. } => "AddGroup",
        S::RemoveGroup { .. } => "RemoveGroup",
        S::ListGroups { .. } => "ListGroups",
        S::Grant(_) => "Grant",
        S::Revoke(_) => "Revoke",
        S::GrantSuper { .. } => "GrantSuper",
        S::RevokeSuper { .. } => "RevokeSuper",
        S::ShowAcl { .. } => "ShowAcl",
        S::GetPolicy { .. } => "GetPolicy",
        S::PutPolicy { .. } => "PutPolicy",
        S::GetSecurityPolicy => "GetSecurityPolicy",
        S::PutSecurityPolicy { .. } => "PutSecurityPolicy",
        S::SetLabel(_) => "SetLabel",
        S::GrantLabel(_) => "GrantLabel",
        S::RevokeLabel(_) => "RevokeLabel",
        S::ClearExpiredGrants => "ClearExpiredGrants",
        S::ShowLabelGrants(_) => "ShowLabelGrants",
        S::DescribeTable { .. } => "DescribeTable",
        S::CreatePackage { .. } => "CreatePackage",
        S::DropPackage { .. } => "DropPackage",
        S::AddToPackage(_) => "AddToPackage",
        S::RemoveFromPackage { .. } => "RemoveFromPackage",
        S::AllowInstall(_) => "AllowInstall",
        S::DisallowInstall { .. } => "DisallowInstall",
        S::InstallPackage { .. } => "InstallPackage",
        S::UninstallPackage { .. } => "UninstallPackage",
        S::ShowPackages { .. } => "ShowPackages",
        S::DescribePackage { .. } => "DescribePackage",
        S::ShowPackageItems { .. } => "ShowPackageItems",
        S::Set(_) => "Set",
        S::SetProject { .. } => "SetProject",
        S::ShowSecurityConfiguration => "ShowSecurityConfiguration",
        S::AddTrustedProject { .. } => "AddTrustedProject",
        S::RemoveTrustedProject { .. } => "RemoveTrustedProject",
        S::ListTrustedProjects => "ListTrustedProjects",
        S::CreateProject(_) => "CreateProject",
        S::DropProject { .. } => "DropProject",
        S::SetProjectStatus { .. } => "SetProjectStatus",
        S::ListProjects => "ListProjects",
        S::Use { .. } => "Use",
        S::Login { .. } => "Login",
        S::CreateAccessKey { .. } => "CreateAccessKey",
        S::ListAccessKeys { .. } => "ListAccessKeys",
        S::DropAccessKey { .. } => "DropAccessKey",
        S::CreateTable { .. } => "CreateTable",
        S::CreateTableAs { .. } => "CreateTableAs",
        S::DropTable { .. } => "DropTable",
        S::InsertValues { .. } => "InsertValues",
        S::InsertSelect { .. } => "InsertSelect",
        S::Select(_) => "Select",
        S::TunnelDownload { .. } => "TunnelDownload",
        S::CreateFunction { .. } => "CreateFunction",
        S::DropFunction { .. } => "DropFunction",
        S::AddResource { .. } => "AddResource",
        S::DropResource { .. } => "DropResource",
        S::Explain(_) => "Explain",
        S::CreateWorkspace(_) => "CreateWorkspace",
        S::Diagnose { .. } => "Diagnose",
        S::ShowOutflowPaths { .. } => "ShowOutflowPaths",
        S::ShowEffectiveGrants(_) => "ShowEffectiveGrants",
        S::Check(_) => "Check",
        S::Snapshot(_) => "Snapshot",
        S::ShowAudit(_) => "ShowAudit",
        S::Survey(_) => "Survey",
        S::SetAuditRetention(_) => "SetAuditRetention",
        S::DropRamUser { .. } => "DropRamUser",
    }
}

/// Every `Statement` variant name; kept next to [`variant_name`], whose exhaustive match makes a
/// new variant a compile error here.
pub fn statement_variants() -> &'static [&'static str] {
    &[
        "AddUser",
        "RemoveUser",
        "ListUsers",
        "Whoami",
        "ShowGrants",
        "AddAccountProvider",
        "RemoveAccountProvider",
        "ListAccountProviders",
        "CreateRole",
        "DropRole",
        "DescribeRole",
        "ListRoles",
        "GrantRoles",
        "RevokeRoles",
        "PurgePrivs",
        "ShowPrincipals",
        "ShowRoleGrant",
        "AddTenantUser",
        "RemoveTenantUser",
        "ListTenantUsers",
        "AddTenantRoleToProject",
        "RemoveTenantRoleFromProject",
        "AddGroup",
        "RemoveGroup",
        "ListGroups",
        "Grant",
        "Revoke",
        "GrantSuper",
        "RevokeSuper",
        "ShowAcl",
        "GetPolicy",
        "PutPolicy",
        "GetSecurityPolicy",
        "PutSecurityPolicy",
        "SetLabel",
        "GrantLabel",
        "RevokeLabel",
        "ClearExpiredGrants",
        "ShowLabelGrants",
        "DescribeTable",
        "CreatePackage",
        "DropPackage",
        "AddToPackage",
        "RemoveFromPackage",
        "AllowInstall",
        "DisallowInstall",
        "InstallPackage",
        "UninstallPackage",
        "ShowPackages",
        "DescribePackage",
        "ShowPackageItems",
        "Set",
        "SetProject",
        "ShowSecurityConfiguration",
        "SetProjectStatus",
        "AddTrustedProject",
        "RemoveTrustedProject",
        "ListTrustedProjects",
        "CreateProject",
        "DropProject",
        "ListProjects",
        "Use",
        "Login",
        "CreateAccessKey",
        "ListAccessKeys",
        "DropAccessKey",
        "CreateTable",
        "CreateTableAs",
        "DropTable",
        "InsertValues",
        "InsertSelect",
        "Select",
        "TunnelDownload",
        "CreateFunction",
        "DropFunction",
        "AddResource",
        "DropResource",
        "Explain",
        "CreateWorkspace",
        "Diagnose",
        "ShowOutflowPaths",
        "ShowEffectiveGrants",
        "Check",
        "Snapshot",
        "ShowAudit",
        "Survey",
        "SetAuditRetention",
        "DropRamUser",
    ]
}
