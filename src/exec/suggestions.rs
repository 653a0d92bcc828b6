//! "Did you mean": completing a failure about a name that does not exist with the nearest name
//! that does.
//!
//! `grant Select on table orderz to user RAM$owner:bob;` fails in its handler with
//! `Object 'table prj.orderz' does not exist.`, an error that says it is about the table
//! `orderz` of `prj` ([`crate::error::Subject`]). [`complete`] takes the tables of `prj` and
//! appends the nearest (`crate::suggest`): `... does not exist. Did you mean 'orders'?`.
//! A suggestion shows a real name, so it is offered only to a principal who could list such
//! names: the listing statement of that kind (`list users` for tables, users and roles, which
//! needs Admin standing; `list projects` for projects; `show packages` for packages) is run as
//! the caller, on a transaction that is thrown away, and must succeed.

use super::{dispatch, ExecContext, Session};
use crate::ast::Statement;
use crate::catalog::Catalog;
use crate::error::{Error, Subject, SubjectKind};

/// `error`, with the nearest existing name appended when it is about a missing one.
pub(crate) fn complete(session: &mut Session, error: Error) -> Error {
    let Some(subject) = error.subject().cloned() else {
        return error;
    };
    let names = session.in_context(None, |ctx, catalog| candidates(ctx, catalog, &subject));
    match nearest_name(&subject.name, &names) {
        Some(name) => error.with_suggestion(name),
        None => error,
    }
}

/// The nearest of `names` to `name`, compared on what follows the account
/// (`RAM$owner:alicee` → `alicee`) among names of the same account, so that the long common
/// part does not let far names in.
fn nearest_name<'a>(name: &str, names: &'a [String]) -> Option<&'a str> {
    let (account, short) = split_account(name);
    let same_account: Vec<(&str, &'a str)> = names
        .iter()
        .map(|n| (split_account(n), n.as_str()))
        .filter(|((a, _), _)| a.eq_ignore_ascii_case(account))
        .map(|((_, s), n)| (s, n))
        .collect();
    let short_match = crate::suggest::nearest(short, same_account.iter().map(|(s, _)| *s))?;
    same_account
        .iter()
        .find(|(s, _)| *s == short_match)
        .map(|(_, n)| *n)
}

/// `RAM$owner:alice` → (`RAM$owner:`, `alice`); a name with no account is all short part.
fn split_account(name: &str) -> (&str, &str) {
    let at = name.rfind([':', '$']).map_or(0, |i| i + 1);
    name.split_at(at)
}

/// The names of `subject`'s kind the caller may list, in the project it was looked up in.
fn candidates(ctx: &ExecContext<'_>, catalog: &Catalog, subject: &Subject) -> Vec<String> {
    let project = subject.project.as_deref();
    let gate = match subject.kind {
        SubjectKind::Project => Statement::ListProjects,
        SubjectKind::Package => Statement::ShowPackages {
            properties: Vec::new(),
        },
        SubjectKind::Table | SubjectKind::Principal | SubjectKind::Role => Statement::ListUsers,
    };
    let ctx = ExecContext {
        project,
        ..ctx.clone()
    };
    let txn = &mut catalog.begin();
    if dispatch(&ctx, txn, &gate).is_err() {
        return Vec::new();
    }
    let names = match (subject.kind, project) {
        (SubjectKind::Project, _) => txn
            .projects()
            .map(|ps| ps.into_iter().map(|p| p.name).collect()),
        (SubjectKind::Table, Some(p)) => txn
            .tables(p)
            .map(|ts| ts.into_iter().map(|t| t.name).collect()),
        (SubjectKind::Role, Some(p)) => txn
            .roles(p)
            .map(|rs| rs.into_iter().map(|r| r.name).collect()),
        (SubjectKind::Principal, Some(p)) => txn.users(p).and_then(|us| {
            let mut names: Vec<String> = us.into_iter().map(|u| u.principal).collect();
            names.extend(txn.roles(p)?.into_iter().map(|r| r.name));
            Ok(names)
        }),
        (SubjectKind::Package, Some(p)) => txn
            .packages(p)
            .map(|ps| ps.into_iter().map(|k| k.name).collect()),
        (_, None) => Ok(Vec::new()),
    };
    names.unwrap_or_default()
}
