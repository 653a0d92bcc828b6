//! The tenant as a script: `mcsec dump` writes the statements that rebuild every record of the
//! catalog, in an order in which each can run.
//!
//! Walk a tenant with project `sales` (owned by `ALIYUN$owner`), user `RAM$owner:alice` in role
//! `analyst`, table `customers` with a label on `phone`, and a package installed into `crm`.
//! [`dump`] reads the catalog through one transaction and writes, tenant first: tenant users,
//! tenant roles (their members and policies), tenant groups, then every project's `create
//! project`; then per project, as its owner (`login`, `use`): account providers, users and their
//! labels, roles with their labels and policies, role memberships, groups, the switches that
//! only widen what is checked (`set CheckPermissionUsingAcl=...`, ...), the project policy and
//! security policy, project-level grants; then the objects — tables (`create table`, as their
//! creator, so that the creator's implicit rights come back), their rows, functions and
//! resources — then object grants, labels and label grants, packages with their objects and
//! allowed projects. Once every project stands: installations, grants on installed packages'
//! objects, trusted projects, tenant roles added to projects and their table grants; last the
//! settings that could lock the script out of what follows (protection, label security, the IP
//! whitelist, a project status other than normal). Policy documents and exception policies are
//! files a statement names (`put policy <file>`), so the dump returns them beside the script
//! and the script names them under the directory the caller gives.
//!
//! Times: every expiry is written as days from the dump's clock (rounded up, never below 0), so
//! under the same `MCSEC_NOW` a dump applied to an empty catalog dumps identically. Creation and
//! grant times are those of the run that applies the dump; instances (a job's record, with an
//! identifier the catalog generates) and snapshots are not part of the tenant's definition and
//! are not dumped.

use crate::catalog::model::{AclEntry, Grantee, ObjectType, Project, SecuritySettings, Value};
use crate::catalog::Txn;
use crate::error::Result;
use serde::Serialize;
use std::fmt::Write as _;

/// What `dump` produced: the script, and the files it names (path, content).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dump {
    pub script: String,
    pub files: Vec<(String, String)>,
}

/// A name as a statement reads it back: bare when it is one plain word, else backticked.
fn ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain && !crate::lexer::is_keyword(name) {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// A principal name: backticked only when it holds a `/` (RAM roles).
fn principal(name: &str) -> String {
    if name.contains('/') || name.contains(char::is_whitespace) {
        format!("`{}`", name.replace('`', "``"))
    } else {
        name.to_string()
    }
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn dquoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn days_left(expires: i64, now: i64) -> i64 {
    let left = expires - now;
    if left <= 0 {
        0
    } else {
        (left + 86_399) / 86_400
    }
}

fn grantee_words(g: &Grantee) -> String {
    match g {
        Grantee::User(u) => format!("user {}", principal(u)),
        Grantee::Role(r) => format!("role {}", ident(r)),
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.clone(),
        Value::String(s) => quoted(s),
    }
}

struct Writer<'a> {
    out: String,
    files: Vec<(String, String)>,
    dir: &'a str,
    now: i64,
    /// Who the script is logged in as, and where.
    login: String,
    current: Option<String>,
}

impl Writer<'_> {
    fn line(&mut self, statement: impl AsRef<str>) {
        self.out.push_str(statement.as_ref());
        self.out.push_str(";\n");
    }

    fn comment(&mut self, text: &str) {
        let _ = writeln!(self.out, "\n-- {text}");
    }

    fn be(&mut self, who: &str, project: Option<&str>) {
        if self.login != who {
            self.line(format!("login {}", principal(who)));
            self.login = who.to_string();
            self.current = None;
        }
        if let Some(p) = project {
            if self.current.as_deref() != Some(p) {
                self.line(format!("use {}", ident(p)));
                self.current = Some(p.to_string());
            }
        }
    }

    /// Records a file the script names and returns the path to write in the statement.
    fn file(&mut self, name: String, content: &str) -> String {
        let path = if self.dir.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", self.dir.trim_end_matches('/'))
        };
        self.files.push((path.clone(), content.to_string()));
        if path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        {
            path
        } else {
            quoted(&path)
        }
    }

    fn properties(&self, e: &AclEntry) -> String {
        let mut props = Vec::new();
        if let Some(at) = e.expires {
            props.push(format!(
                "\"expires\"={}",
                dquoted(&days_left(at, self.now).to_string())
            ));
        }
        if let Some(c) = &e.conditions {
            props.push(format!("\"conditions\"={}", dquoted(c)));
        }
        if props.is_empty() {
            String::new()
        } else {
            format!(" privilegeproperties({})", props.join(", "))
        }
    }
}

/// The switches that only widen checking come first; those that restrict come last.
fn widening_switches(s: &SecuritySettings) -> Vec<String> {
    let d = SecuritySettings::default();
    let mut out = Vec::new();
    let mut flag = |name: &str, now: bool, default: bool| {
        if now != default {
            out.push(format!("set {name}={now}"));
        }
    };
    flag(
        "CheckPermissionUsingAcl",
        s.check_permission_using_acl,
        d.check_permission_using_acl,
    );
    flag(
        "CheckPermissionUsingPolicy",
        s.check_permission_using_policy,
        d.check_permission_using_policy,
    );
    flag(
        "ObjectCreatorHasAccessPermission",
        s.object_creator_has_access_permission,
        d.object_creator_has_access_permission,
    );
    flag(
        "ObjectCreatorHasGrantPermission",
        s.object_creator_has_grant_permission,
        d.object_creator_has_grant_permission,
    );
    out
}

/// The script that rebuilds the catalog as `txn` sees it (`project`: only that project and
/// the tenant-level records it needs).
pub fn dump(txn: &Txn<'_>, project: Option<&str>, dir: &str, now: i64) -> Result<Dump> {
    let tenant = super::TENANT_ACCOUNT;
    let mut w = Writer {
        out: String::from("-- mcsec dump: the statements that rebuild this tenant\n"),
        files: Vec::new(),
        dir,
        now,
        login: tenant.to_string(),
        current: None,
    };
    let projects: Vec<Project> = txn
        .projects()?
        .into_iter()
        .filter(|p| project.is_none_or(|only| only == p.name))
        .collect();
    if let Some(only) = project {
        if projects.is_empty() {
            return Err(crate::authz::project_not_found(only));
        }
    }
    let names: Vec<&str> = projects.iter().map(|p| p.name.as_str()).collect();

    // The tenant.
    let tenant_users = txn.tenant_users()?;
    let tenant_roles = txn.tenant_roles()?;
    let tenant_groups = txn.tenant_groups()?;
    if !tenant_users.is_empty() || !tenant_roles.is_empty() || !tenant_groups.is_empty() {
        w.comment("tenant");
    }
    for u in &tenant_users {
        w.line(format!("add tenant user {}", principal(&u.principal)));
    }
    for r in &tenant_roles {
        w.line(format!("create tenant role {}", ident(&r.name)));
        if let Some(policy) = &r.policy {
            let path = w.file(format!("tenant_role_{}.json", r.name), policy);
            w.line(format!(
                "put policy {path} on tenant role {}",
                ident(&r.name)
            ));
        }
        for m in &r.members {
            w.line(format!(
                "grant tenant role {} to tenant user {}",
                ident(&r.name),
                principal(m)
            ));
        }
    }
    for g in &tenant_groups {
        w.line(format!("add tenant group {}", ident(&g.name)));
    }
    if !projects.is_empty() {
        w.comment("projects");
    }
    for p in &projects {
        let mut line = format!("create project {}", ident(&p.name));
        if p.owner != tenant {
            let _ = write!(line, " owner {}", principal(&p.owner));
        }
        if let Some(c) = &p.comment {
            let _ = write!(line, " comment {}", quoted(c));
        }
        w.line(line);
    }

    for p in &projects {
        project_body(&mut w, txn, p, &names)?;
    }

    // Across projects, once every project stands.
    let mut across = Vec::new();
    for p in &projects {
        for i in txn.installed_packages(&p.name)? {
            // A dump of one project cannot install what another project provides.
            if !names.contains(&i.source_project.as_str()) {
                continue;
            }
            across.push((
                p.owner.clone(),
                p.name.clone(),
                format!(
                    "install package {}.{}",
                    ident(&i.source_project),
                    ident(&i.package)
                ),
            ));
        }
    }
    for p in &projects {
        for (object, grantee, grants) in txn.all_acl(&p.name)? {
            let source = object.name.split(['.', '/']).next().unwrap_or_default();
            let reaches_out = (object.kind == ObjectType::Package || object.name.contains('/'))
                && !names.contains(&source);
            if reaches_out {
                continue;
            }
            if object.kind == ObjectType::Package {
                let name = match object.name.split_once('.') {
                    Some((source, package)) => format!("{}.{}", ident(source), ident(package)),
                    None => ident(&object.name),
                };
                for e in &grants.entries {
                    let props = w.properties(e);
                    across.push((
                        p.owner.clone(),
                        p.name.clone(),
                        format!(
                            "grant {} on package {name} to {}{props}",
                            e.action,
                            grantee_words(&grantee),
                        ),
                    ));
                }
                continue;
            }
            let Some((package, name)) = object.name.split_once('/') else {
                continue;
            };
            let Some((source, package)) = package.split_once('.') else {
                continue;
            };
            for e in &grants.entries {
                let props = w.properties(e);
                let extra = format!(
                    "\"refobject\"=\"true\", \"refproject\"={}, \"package\"={}",
                    dquoted(source),
                    dquoted(package)
                );
                let props = if props.is_empty() {
                    format!(" privilegeproperties({extra})")
                } else {
                    props.replacen(
                        "privilegeproperties(",
                        &format!("privilegeproperties({extra}, "),
                        1,
                    )
                };
                across.push((
                    p.owner.clone(),
                    p.name.clone(),
                    format!(
                        "grant {} on {} {}{} to {}{props}",
                        e.action,
                        object.kind.keyword(),
                        ident(name),
                        e.column
                            .as_ref()
                            .map(|c| format!(" ({})", ident(c)))
                            .unwrap_or_default(),
                        grantee_words(&grantee),
                    ),
                ));
            }
        }
        for t in &p.trusted_projects {
            if names.contains(&t.as_str()) {
                across.push((
                    p.owner.clone(),
                    p.name.clone(),
                    format!("add trustedproject {}", ident(t)),
                ));
            }
        }
    }
    for r in &tenant_roles {
        for q in &r.projects {
            if names.contains(&q.as_str()) {
                across.push((
                    tenant.to_string(),
                    String::new(),
                    format!("add tenant role {} to project {}", ident(&r.name), ident(q)),
                ));
            }
        }
        for (q, table, action) in &r.grants {
            if names.contains(&q.as_str()) {
                across.push((
                    tenant.to_string(),
                    String::new(),
                    format!(
                        "grant {action} on table {}.{} to tenant role {}",
                        ident(q),
                        ident(table),
                        ident(&r.name)
                    ),
                ));
            }
        }
    }
    if !across.is_empty() {
        w.comment("across projects");
    }
    for (who, project, line) in across {
        w.be(&who, (!project.is_empty()).then_some(project.as_str()));
        w.line(line);
    }

    // The settings that restrict, last.
    let mut last = Vec::new();
    for p in &projects {
        let s = &p.settings;
        let mut lines = Vec::new();
        if s.external_resource_access_control {
            let mut line = "set ExternalResourceAccessControl=true".to_string();
            if let Some(l) = &s.external_resource_locations {
                let _ = write!(line, " with locations {l}");
            }
            lines.push(line);
        }
        if s.label_security {
            lines.push("set LabelSecurity=true".to_string());
        }
        if s.project_protection {
            match &s.protection_exception {
                Some(text) => {
                    let path = w.file(format!("exception_{}.json", p.name), text);
                    lines.push(format!("set ProjectProtection=true with exception {path}"));
                }
                None => lines.push("set ProjectProtection=true".to_string()),
            }
        }
        for (key, value) in &p.properties {
            lines.push(format!("setproject {key}={value}"));
        }
        if !lines.is_empty() {
            last.push((p.owner.clone(), p.name.clone(), lines));
        }
    }
    let statuses: Vec<(String, &'static str)> = projects
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                crate::authz::management::status_of(p).keyword(),
            )
        })
        .filter(|(_, s)| *s != "normal")
        .collect();
    if !last.is_empty() || !statuses.is_empty() {
        w.comment("settings that restrict, last");
    }
    for (who, project, lines) in last {
        w.be(&who, Some(&project));
        for line in lines {
            w.line(line);
        }
    }
    for (project, status) in statuses {
        let owner = projects
            .iter()
            .find(|p| p.name == project)
            .map(|p| p.owner.clone())
            .unwrap_or_else(|| tenant.to_string());
        w.be(&owner, None);
        w.line(format!(
            "alter project {} set status {status}",
            ident(&project)
        ));
    }
    if w.login != tenant {
        w.line(format!("login {tenant}"));
    }
    Ok(Dump {
        script: w.out,
        files: w.files,
    })
}

/// One project's own records, as its owner.
fn project_body(w: &mut Writer<'_>, txn: &Txn<'_>, p: &Project, names: &[&str]) -> Result<()> {
    let name = p.name.as_str();
    w.comment(&format!("project {name}"));
    w.be(&p.owner, Some(name));
    for provider in ["ALIYUN", "RAM"] {
        if !p.account_providers.iter().any(|a| a == provider) {
            w.line(format!("remove accountprovider {provider}"));
        }
    }
    for provider in &p.account_providers {
        if provider != "ALIYUN" && provider != "RAM" {
            w.line(format!("add accountprovider {}", ident(provider)));
        }
    }
    let users = txn.users(name)?;
    for u in &users {
        let mut line = format!("add user {}", principal(&u.principal));
        if let Some(c) = &u.comment {
            let _ = write!(line, " comment {}", quoted(c));
        }
        w.line(line);
        if u.label != 0 {
            w.line(format!(
                "set label {} to user {}",
                u.label,
                principal(&u.principal)
            ));
        }
    }
    for r in txn.roles(name)? {
        if !r.builtin {
            let kind = match r.role_type {
                crate::catalog::model::RoleType::Admin => {
                    " privilegeproperties(\"type\"=\"admin\")"
                }
                crate::catalog::model::RoleType::Resource => "",
            };
            w.line(format!("create role {}{kind}", ident(&r.name)));
        }
        if r.label != 0 {
            w.line(format!("set label {} to role {}", r.label, ident(&r.name)));
        }
        if let Some(policy) = txn.role_policy(name, &r.name)? {
            let path = w.file(format!("role_{name}_{}.json", r.name), &policy);
            w.line(format!("put policy {path} on role {}", ident(&r.name)));
        }
    }
    for u in &users {
        if !u.roles.is_empty() {
            let roles: Vec<String> = u.roles.iter().map(|r| ident(r)).collect();
            w.line(format!(
                "grant {} to {}",
                roles.join(", "),
                principal(&u.principal)
            ));
        }
    }
    for g in txn.groups(name)? {
        w.line(format!("add group {}", ident(&g.name)));
    }
    for line in widening_switches(&p.settings) {
        w.line(line);
    }
    if let Some(policy) = &p.policy {
        let path = w.file(format!("policy_{name}.json"), policy);
        w.line(format!("put policy {path}"));
    }
    if let Some(policy) = &p.security_policy {
        let path = w.file(format!("security_policy_{name}.json"), policy);
        w.line(format!("put security policy {path}"));
    }
    let acl = txn.all_acl(name)?;
    for (object, grantee, grants) in &acl {
        if object.kind != ObjectType::Project {
            continue;
        }
        for e in &grants.entries {
            let props = w.properties(e);
            w.line(format!(
                "grant {} on project {} to {}{props}",
                e.action,
                ident(name),
                grantee_words(grantee)
            ));
        }
    }

    // Objects, each by its creator.
    for t in txn.tables(name)? {
        w.be(&t.creator, Some(name));
        let columns: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("{} {}", ident(&c.name), c.data_type))
            .collect();
        w.line(format!(
            "create table {} ({})",
            ident(&t.name),
            columns.join(", ")
        ));
        let rows = txn.rows(name, &t.name)?;
        if !rows.rows.is_empty() {
            w.be(&p.owner, Some(name));
            for chunk in rows.rows.chunks(100) {
                let values: Vec<String> = chunk
                    .iter()
                    .map(|r| {
                        format!(
                            "({})",
                            r.iter().map(value_text).collect::<Vec<_>>().join(", ")
                        )
                    })
                    .collect();
                w.line(format!(
                    "insert into {} values {}",
                    ident(&t.name),
                    values.join(", ")
                ));
            }
        }
    }
    for r in txn.objects(name, ObjectType::Resource)? {
        w.be(&r.creator, Some(name));
        let (kind, comment) = resource_parts(&r.detail);
        let mut line = format!("add {kind} {}", resource(&r.name));
        if let Some(c) = comment {
            let _ = write!(line, " comment {}", quoted(&c));
        }
        w.line(line);
    }
    for f in txn.objects(name, ObjectType::Function)? {
        w.be(&f.creator, Some(name));
        let (class, using) = function_parts(&f.detail);
        w.line(format!(
            "create function {} as {} using {}",
            ident(&f.name),
            quoted(&class),
            quoted(&using)
        ));
    }
    w.be(&p.owner, Some(name));

    for (object, grantee, grants) in &acl {
        // Grants on installed packages need the installation, made once every project stands.
        if object.kind == ObjectType::Project
            || object.kind == ObjectType::Package
            || object.name.contains('/')
        {
            continue;
        }
        let object_name = if object.kind == ObjectType::Resource {
            resource(&object.name)
        } else if object.name.ends_with('*') {
            object.name.clone()
        } else {
            ident(&object.name)
        };
        for e in &grants.entries {
            let props = w.properties(e);
            w.line(format!(
                "grant {} on {} {object_name}{} to {}{props}",
                e.action,
                object.kind.keyword(),
                e.column
                    .as_ref()
                    .map(|c| format!(" ({})", ident(c)))
                    .unwrap_or_default(),
                grantee_words(grantee)
            ));
        }
    }
    for t in txn.tables(name)? {
        if t.label != 0 {
            w.line(format!("set label {} to table {}", t.label, ident(&t.name)));
        }
        for c in &t.columns {
            if let Some(level) = c.label {
                w.line(format!(
                    "set label {level} to table {}({})",
                    ident(&t.name),
                    ident(&c.name)
                ));
            }
        }
    }
    for (table, grantee, grants) in txn.all_label_grants(name)? {
        for g in &grants.entries {
            w.line(format!(
                "grant label {} on table {}{} to {} with exp {}",
                g.level,
                ident(&table),
                g.column
                    .as_ref()
                    .map(|c| format!("({})", ident(c)))
                    .unwrap_or_default(),
                grantee_words(&grantee),
                days_left(g.expires, w.now)
            ));
        }
    }
    for k in txn.packages(name)? {
        w.line(format!("create package {}", ident(&k.name)));
        for o in &k.objects {
            let object = if o.kind == ObjectType::Resource {
                resource(&o.name)
            } else {
                ident(&o.name)
            };
            w.line(format!(
                "add {} {object} to package {} with privileges {}",
                o.kind.keyword(),
                ident(&k.name),
                o.privileges.join(", ")
            ));
        }
        for a in &k.allowed {
            // An allowance for a project the dump does not create could not be applied.
            if a.project != "*" && !names.contains(&a.project.as_str()) {
                continue;
            }
            let target = if a.project == "*" {
                "*".to_string()
            } else {
                ident(&a.project)
            };
            let mut line = format!(
                "allow project {target} to install package {}",
                ident(&k.name)
            );
            if a.label != 0 {
                let _ = write!(line, " using label {}", a.label);
            }
            if let Some(at) = a.expires {
                let _ = write!(line, " exp {}", days_left(at, w.now));
            }
            w.line(line);
        }
    }
    Ok(())
}

/// A resource name as `add jar` reads it (file names with dots need no quotes).
fn resource(name: &str) -> String {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && !crate::lexer::is_keyword(name)
    {
        name.to_string()
    } else {
        format!("`{}`", name.replace('`', "``"))
    }
}

/// `(kind keyword, comment)` of a resource's stored detail.
fn resource_parts(detail: &str) -> (String, Option<String>) {
    let (kind, comment) = match detail.split_once("; comment ") {
        Some((kind, comment)) => (kind, Some(comment.to_string())),
        None => (detail, None),
    };
    let kind = match kind {
        "jar" | "file" | "archive" | "py" => kind.to_string(),
        _ => "file".to_string(),
    };
    (kind, comment)
}

/// `(class, resources)` of a function's stored detail `class <c> using <r,...>`.
fn function_parts(detail: &str) -> (String, String) {
    let rest = detail.strip_prefix("class ").unwrap_or(detail);
    match rest.rsplit_once(" using ") {
        Some((class, using)) => (class.to_string(), using.to_string()),
        None => (rest.to_string(), String::new()),
    }
}

/// `mcsec dump --format json`: every record of the tenant, by project, as the catalog holds
/// it (the model's own field names), with the script beside it.
pub fn json(
    txn: &Txn<'_>,
    project: Option<&str>,
    dir: &str,
    now: i64,
) -> Result<serde_json::Value> {
    use serde_json::json;
    let script = dump(txn, project, dir, now)?;
    let mut projects = Vec::new();
    for p in txn.projects()? {
        if project.is_some_and(|only| only != p.name) {
            continue;
        }
        let name = p.name.clone();
        let mut roles = Vec::new();
        for r in txn.roles(&name)? {
            let policy = txn.role_policy(&name, &r.name)?;
            roles.push(json!({"role": r, "policy": policy}));
        }
        let acl: Vec<serde_json::Value> = txn
            .all_acl(&name)?
            .into_iter()
            .map(|(object, grantee, grants)| {
                json!({"object": object, "grantee": grantee_json(&grantee), "entries": grants.entries})
            })
            .collect();
        let labels: Vec<serde_json::Value> = txn
            .all_label_grants(&name)?
            .into_iter()
            .map(|(table, grantee, grants)| {
                json!({"table": table, "grantee": grantee_json(&grantee), "entries": grants.entries})
            })
            .collect();
        let mut tables = Vec::new();
        for t in txn.tables(&name)? {
            let rows = txn.rows(&name, &t.name)?;
            let rows: Vec<Vec<serde_json::Value>> = rows
                .rows
                .iter()
                .map(|r| r.iter().map(cell_json).collect())
                .collect();
            tables.push(json!({"table": t, "rows": rows}));
        }
        let mut objects = Vec::new();
        for kind in [
            ObjectType::Function,
            ObjectType::Resource,
            ObjectType::Instance,
            ObjectType::Model,
        ] {
            objects.extend(txn.objects(&name, kind)?);
        }
        projects.push(json!({
            "project": p,
            "users": txn.users(&name)?,
            "roles": roles,
            "groups": txn.groups(&name)?,
            "acl": acl,
            "label_grants": labels,
            "tables": tables,
            "objects": objects,
            "packages": txn.packages(&name)?,
            "installed": txn.installed_packages(&name)?,
        }));
    }
    Ok(json!({
        "format": crate::catalog::model::FORMAT_VERSION,
        "tenant": {
            "users": txn.tenant_users()?,
            "roles": txn.tenant_roles()?,
            "groups": txn.tenant_groups()?,
        },
        "projects": projects,
        "script": script.script,
        "files": script.files.iter().map(|(path, content)| json!({"path": path, "content": content})).collect::<Vec<_>>(),
    }))
}

fn grantee_json(g: &Grantee) -> serde_json::Value {
    match g {
        Grantee::User(u) => serde_json::json!({"user": u}),
        Grantee::Role(r) => serde_json::json!({"role": r}),
    }
}

fn cell_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::json!({"number": n}),
        Value::String(s) => serde_json::Value::String(s.clone()),
    }
}
