//! The statements of the security check: `create workspace`, `diagnose` and `show outflow
//! paths`, kept apart from the MaxCompute families so that the parser's dispatch only gains a
//! hook.
//!
//! `diagnose tenant min risk medium;` reaches [`diagnose`] after its first word: the scope
//! (`project <p>`, `tenant` or nothing), then an optional `min risk <level>` whose level is a
//! word read as a class (low, medium, high), as project statuses are, so that the levels stay
//! usable as names.

use super::*;

/// After `create workspace`: `<w> [mode basic|standard] [owner <p>] [scheduler <p>]
/// [comment '<c>']`.
pub(super) fn create_workspace(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, (_, name)) = (kw("workspace"), ident_as("workspace")).parse(i)?;
    let (i, mode) = opt(preceded(kw("mode"), workspace_mode)).parse(i)?;
    let (i, owner) = opt(preceded(kw("owner"), user_name_principal)).parse(i)?;
    let (i, scheduler) = opt(preceded(kw("scheduler"), user_name_principal)).parse(i)?;
    let (i, comment) = comment_clause(i)?;
    Ok((
        i,
        Statement::CreateWorkspace(CreateWorkspaceStmt {
            name,
            mode: mode.unwrap_or(WorkspaceMode::Basic),
            owner,
            scheduler,
            comment,
        }),
    ))
}

fn workspace_mode(i: Tokens<'_>) -> PResult<'_, WorkspaceMode> {
    let mode = match i.first() {
        Some(t) if t.kind == TokenKind::Word => match i.text(t).to_ascii_lowercase().as_str() {
            "basic" => Some(WorkspaceMode::Basic),
            "standard" => Some(WorkspaceMode::Standard),
            _ => None,
        },
        _ => None,
    };
    match mode {
        Some(mode) => Ok((i.take_from(1), mode)),
        None => fail(i, Expected::Class("workspace mode (basic, standard)")),
    }
}

/// After `diagnose`: `[project <p> | tenant] [min risk low|medium|high]`.
pub(super) fn diagnose(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, scope) = opt(alt((
        map(
            preceded(kw("project"), ident_as("project")),
            DiagnoseScope::Project,
        ),
        value(DiagnoseScope::Tenant, kw("tenant")),
    )))
    .parse(i)?;
    let (i, min_risk) = opt(preceded((kw("min"), kw("risk")), risk_level)).parse(i)?;
    Ok((
        i,
        Statement::Diagnose {
            scope: scope.unwrap_or(DiagnoseScope::Default),
            min_risk: min_risk.unwrap_or(RiskLevel::Low),
        },
    ))
}

fn risk_level(i: Tokens<'_>) -> PResult<'_, RiskLevel> {
    let level = match i.first() {
        Some(t) if t.kind == TokenKind::Word => RiskLevel::from_word(i.text(t)),
        _ => None,
    };
    match level {
        Some(level) => Ok((i.take_from(1), level)),
        None => fail(i, Expected::Class("risk level (low, medium, high)")),
    }
}

/// After `show`: `outflow paths [from project <p>]`.
pub(super) fn show_outflow_paths(i: Tokens<'_>) -> PResult<'_, Statement> {
    let (i, _) = (kw("outflow"), kw("paths")).parse(i)?;
    let (i, project) = opt(preceded((kw("from"), kw("project")), ident_as("project"))).parse(i)?;
    Ok((i, Statement::ShowOutflowPaths { project }))
}
