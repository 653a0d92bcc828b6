//! Parsing the checking statements (`crate::ast::audit`): `show audit ...`, `survey ...`,
//! `alter tenant set audit retention ...` and `drop ram user ...`. Each entry point takes the
//! tokens after the words its caller dispatched on.
//!
//! `show audit for user RAM$bob denied limit 5` reaches [`show_audit`] after `show`: it takes
//! `audit`, then each optional clause in the documented order, so a clause out of order is a
//! syntax error naming what may come next.

use super::{ident_as, integer, kw, string, user_principal, PResult, Tokens};
use crate::ast::*;
use nom::branch::alt;
use nom::combinator::{map, opt, value};
use nom::sequence::preceded;
use nom::Parser;

/// `audit [for user <u>] [in project <p>] [since '<t>'] [until '<t>'] [denied] [limit <n>]`
pub(super) fn show_audit(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("audit")(i)?;
    let (i, user) = opt(preceded(kw("for"), user_principal)).parse(i)?;
    let (i, project) = opt(preceded((kw("in"), kw("project")), ident_as("project"))).parse(i)?;
    let (i, since) = opt(preceded(kw("since"), string)).parse(i)?;
    let (i, until) = opt(preceded(kw("until"), string)).parse(i)?;
    let (i, denied) = opt(kw("denied")).parse(i)?;
    let (i, limit) = opt(preceded(kw("limit"), integer)).parse(i)?;
    Ok((
        i,
        Statement::ShowAudit(AuditQuery {
            user,
            project,
            since,
            until,
            denied: denied.is_some(),
            limit,
        }),
    ))
}

/// `survey [project <p> | tenant] [inactive <n> days] [addresses <n>]`, after `survey`.
pub(super) fn survey(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, scope) = opt(alt((
        map(
            preceded(kw("project"), ident_as("project")),
            SurveyScope::Project,
        ),
        value(SurveyScope::Tenant, kw("tenant")),
    )))
    .parse(i)?;
    let (i, inactive_days) = opt(preceded(kw("inactive"), integer)).parse(i)?;
    let (i, _) = match inactive_days {
        Some(_) => kw("days")(i)?,
        None => (i, ()),
    };
    let (i, addresses) = opt(preceded(kw("addresses"), integer)).parse(i)?;
    Ok((
        i,
        Statement::Survey(SurveyStmt {
            scope: scope.unwrap_or(SurveyScope::Current),
            inactive_days,
            addresses,
        }),
    ))
}

/// `tenant set audit retention <n> days | off`, after `alter`.
pub(super) fn alter_tenant(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = (kw("tenant"), kw("set"), kw("audit"), kw("retention")).parse(i)?;
    alt((
        map((integer, kw("days")), |(n, _)| {
            Statement::SetAuditRetention(RetentionWord::Days(n))
        }),
        value(Statement::SetAuditRetention(RetentionWord::Off), kw("off")),
    ))
    .parse(i)
}

/// `ram user <principal>`, after `drop`.
pub(super) fn drop_ram_user(i: Tokens<'_>) -> PResult<'_, Statement> {
    map(preceded(kw("ram"), user_principal), |principal| {
        Statement::DropRamUser { principal }
    })
    .parse(i)
}
