//! Packages (reference §7): the provider side (`create package`, `add ... to package`,
//! `allow project ... to install package`, `show packages`, `describe package`) and the consumer
//! side (`install package`, `uninstall package`, `show package items`).
//!
//! `install package prj1.datashare;` run in `prj2` is bound (`plan`) to the Admin check in
//! `prj2` and the gate of `prj1`; the handler then finds the package in `prj1`, checks that
//! `prj2` (or `*`) is on its allowed list and that the entry has not expired — otherwise
//! `ODPS-0110061: Failed to run ddltask - Your project is not allowed to install the package` —
//! and records an [`InstalledPackage`] under `prj2`. Users of `prj2` then need `Read` on the
//! installed package (an ACL grant on the `prj1.datashare` package object of `prj2`).

use super::grants::kind_label;
use super::render::format_time;
use super::result as shown;
use super::{
    canonical_name, check_level, days_from, messages, revoke_all_on_object, ExecContext,
    StatementResult,
};
use crate::ast::{AddToPackageStmt, AllowInstallStmt};
use crate::catalog::model::{
    AllowedProject, InstalledPackage, ObjectRef, ObjectType, Package, PackageObject, Project,
};
use crate::catalog::Txn;
use crate::error::Result;

fn existing(txn: &Txn<'_>, project: &str, name: &str) -> Result<Package> {
    txn.package(project, name)?
        .ok_or_else(|| messages::package_missing(project, name))
}

pub fn create(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    name: &str,
) -> Result<StatementResult> {
    let name = canonical_name(name);
    if name.is_empty()
        || name.len() > 128
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(messages::invalid_package_name(&name));
    }
    if txn.package(&project.name, &name)?.is_some() {
        return Err(messages::package_exists(&name, &project.name));
    }
    txn.put_package(
        &project.name,
        &Package {
            name,
            created_at: ctx.now,
            objects: Vec::new(),
            allowed: Vec::new(),
        },
    )?;
    Ok(StatementResult::Ok)
}

/// Deleting a package also uninstalls it everywhere (its installations have nothing to point to).
pub fn drop(txn: &mut Txn<'_>, project: &Project, name: &str) -> Result<StatementResult> {
    let name = canonical_name(name);
    existing(txn, &project.name, &name)?;
    txn.delete_package(&project.name, &name);
    for p in txn.projects()? {
        if txn.installed(&p.name, &project.name, &name)?.is_some() {
            uninstall_records(txn, &p.name, &project.name, &name)?;
        }
    }
    Ok(StatementResult::Ok)
}

/// Default privileges of an object added without `with privileges` (§7.1: read-only).
fn default_privileges(kind: ObjectType) -> Vec<String> {
    match kind {
        ObjectType::Table => vec!["Describe".into(), "Select".into()],
        _ => vec!["Read".into()],
    }
}

pub fn add_object(
    txn: &mut Txn<'_>,
    project: &Project,
    stmt: &AddToPackageStmt,
) -> Result<StatementResult> {
    let kind = ObjectType::from(stmt.kind);
    if !matches!(
        kind,
        ObjectType::Table | ObjectType::Instance | ObjectType::Function | ObjectType::Resource
    ) {
        return Err(messages::package_object_kind(kind_label(kind)));
    }
    let name = canonical_name(&stmt.object);
    // §7.1: package objects are named without their project (`table_test`, not
    // `prj1.table_test`); resource names keep their dots (`udtf.jar`).
    if kind == ObjectType::Table {
        if let Some((_, bare)) = name.split_once('.') {
            return Err(messages::package_object_qualified(bare, &name));
        }
    }
    let exists = match kind {
        ObjectType::Table => txn.table(&project.name, &name)?.is_some(),
        other => txn.object(&project.name, other, &name)?.is_some(),
    };
    if !exists {
        return Err(messages::object_missing(
            kind_label(kind),
            &project.name,
            &name,
        ));
    }
    let package_name = canonical_name(&stmt.package);
    let mut package = existing(txn, &project.name, &package_name)?;
    if package
        .objects
        .iter()
        .any(|o| o.kind == kind && o.name == name)
    {
        return Err(messages::package_has_object(
            kind_label(kind),
            &name,
            &package_name,
        ));
    }
    let privileges = match &stmt.privileges {
        Some(ps) => ps
            .iter()
            .map(|p| {
                crate::policy::canonical_action(p)
                    .map(str::to_string)
                    .ok_or_else(|| messages::invalid_privilege(p, kind_label(kind)))
            })
            .collect::<Result<Vec<_>>>()?,
        None => default_privileges(kind),
    };
    package.objects.push(PackageObject {
        kind,
        name,
        privileges,
    });
    txn.put_package(&project.name, &package)?;
    Ok(StatementResult::Ok)
}

pub fn remove_object(
    txn: &mut Txn<'_>,
    project: &Project,
    kind: ObjectType,
    object: &str,
    package: &str,
) -> Result<StatementResult> {
    let name = canonical_name(object);
    let package_name = canonical_name(package);
    let mut package = existing(txn, &project.name, &package_name)?;
    let before = package.objects.len();
    package
        .objects
        .retain(|o| !(o.kind == kind && o.name == name));
    if package.objects.len() == before {
        return Err(messages::package_lacks_object(
            kind_label(kind),
            &name,
            &package_name,
        ));
    }
    txn.put_package(&project.name, &package)?;
    Ok(StatementResult::Ok)
}

pub fn allow(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    stmt: &AllowInstallStmt,
) -> Result<StatementResult> {
    let label = stmt.label.map(check_level).transpose()?.unwrap_or(0);
    let target = canonical_name(&stmt.project);
    if target != "*" && txn.project(&target)?.is_none() {
        return Err(messages::project_missing(&target));
    }
    let package_name = canonical_name(&stmt.package);
    let mut package = existing(txn, &project.name, &package_name)?;
    package.allowed.retain(|a| a.project != target);
    package.allowed.push(AllowedProject {
        project: target,
        label,
        expires: stmt.exp_days.map(|d| days_from(ctx.now, d)),
    });
    txn.put_package(&project.name, &package)?;
    Ok(StatementResult::Ok)
}

pub fn disallow(
    txn: &mut Txn<'_>,
    project: &Project,
    target: &str,
    package: &str,
) -> Result<StatementResult> {
    let target = canonical_name(target);
    let package_name = canonical_name(package);
    let mut package = existing(txn, &project.name, &package_name)?;
    package.allowed.retain(|a| a.project != target);
    txn.put_package(&project.name, &package)?;
    Ok(StatementResult::Ok)
}

/// Installs a package of `source`, whose gate the plan has passed.
pub fn install(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    project: &Project,
    source: String,
    package_name: String,
) -> Result<StatementResult> {
    let pkg = existing(txn, &source, &package_name)?;
    let allowed = pkg.allowed.iter().any(|a| {
        (a.project == project.name || a.project == "*") && a.expires.is_none_or(|t| t > ctx.now)
    });
    if !allowed {
        return Err(messages::package_not_allowed());
    }
    if txn
        .installed(&project.name, &source, &package_name)?
        .is_some()
    {
        return Err(messages::package_installed(
            &source,
            &package_name,
            &project.name,
        ));
    }
    txn.put_installed(
        &project.name,
        &InstalledPackage {
            source_project: source,
            package: package_name,
            installed_at: ctx.now,
        },
    )?;
    Ok(StatementResult::Ok)
}

/// Removes an installation and every grant made on it in the installing project (the package
/// object itself and the objects inside it).
fn uninstall_records(txn: &mut Txn<'_>, project: &str, source: &str, package: &str) -> Result<()> {
    txn.delete_installed(project, source, package);
    let name = format!("{source}.{package}");
    revoke_all_on_object(
        txn,
        project,
        &ObjectRef {
            kind: ObjectType::Package,
            name: name.clone(),
        },
    )?;
    let prefix = format!("{name}/");
    for (object, grantee, _) in txn.all_acl(project)? {
        if object.name.starts_with(&prefix) {
            txn.put_acl(project, &object, &grantee, &Default::default())?;
        }
    }
    Ok(())
}

pub fn uninstall(
    txn: &mut Txn<'_>,
    project: &Project,
    source: &str,
    package: &str,
) -> Result<StatementResult> {
    let source = canonical_name(source);
    let package_name = canonical_name(package);
    if txn
        .installed(&project.name, &source, &package_name)?
        .is_none()
    {
        return Err(messages::package_not_installed(
            &source,
            &package_name,
            &project.name,
        ));
    }
    uninstall_records(txn, &project.name, &source, &package_name)?;
    Ok(StatementResult::Ok)
}

/// `show packages` (§7.3 [inferred] layout): created packages, then installed ones.
pub fn show(txn: &mut Txn<'_>, project: &Project) -> Result<StatementResult> {
    let created = txn.packages(&project.name)?;
    let installed = txn.installed_packages(&project.name)?;
    Ok(StatementResult::Packages {
        created: created
            .iter()
            .map(|p| shown::CreatedPackage {
                name: p.name.clone(),
                create_time: format_time(p.created_at),
            })
            .collect(),
        installed: installed
            .iter()
            .map(|i| shown::InstalledPackage {
                source_project: i.source_project.clone(),
                name: i.package.clone(),
                install_time: format_time(i.installed_at),
                status: "OK".into(),
            })
            .collect(),
    })
}

fn object_type_upper(kind: ObjectType) -> String {
    kind_label(kind).to_ascii_uppercase()
}

/// `describe package [<project>.]<pkg>` (§7.3 layout). A package of another project can be
/// described from a project that installed it (its plan has checked the installation and
/// passed the provider's gate).
pub fn describe(txn: &mut Txn<'_>, source: String, name: &str) -> Result<StatementResult> {
    let pkg = existing(txn, &source, name)?;
    Ok(StatementResult::Package(shown::PackageDescription {
        name: pkg.name,
        source_project: source,
        create_time: format_time(pkg.created_at),
        objects: pkg
            .objects
            .iter()
            .map(|o| shown::PackageObject {
                object_type: object_type_upper(o.kind),
                name: o.name.clone(),
                privileges: o.privileges.clone(),
            })
            .collect(),
        allowed_projects: pkg
            .allowed
            .iter()
            .map(|a| shown::AllowedProject {
                project: a.project.clone(),
                label: a.label,
                expires: a.expires.map(format_time),
            })
            .collect(),
    }))
}

/// `show package items [from <prj>] [on type <t>]`: the objects the current project can use
/// through its installed packages ([inferred] layout in the `describe package` table style).
pub fn items(
    txn: &mut Txn<'_>,
    project: &Project,
    source: Option<&str>,
    on_type: Option<ObjectType>,
) -> Result<StatementResult> {
    let mut items = Vec::new();
    for inst in txn.installed_packages(&project.name)? {
        if source.is_some_and(|s| s != inst.source_project) {
            continue;
        }
        // An installation left behind by a dropped provider lists nothing (as a dropped
        // package does, below); the plan passed every existing provider's gate.
        if txn.project(&inst.source_project)?.is_none() {
            continue;
        }
        let Some(pkg) = txn.package(&inst.source_project, &inst.package)? else {
            continue;
        };
        for o in pkg
            .objects
            .iter()
            .filter(|o| on_type.is_none_or(|k| k == o.kind))
        {
            items.push(shown::PackageItem {
                object_type: object_type_upper(o.kind),
                name: o.name.clone(),
                privileges: o.privileges.clone(),
                source_project: inst.source_project.clone(),
                package: inst.package.clone(),
            });
        }
    }
    Ok(StatementResult::PackageItems { items })
}
