//! DataWorks workspaces of the sandbox: `create workspace <w> [mode basic|standard] [owner <p>]
//! [scheduler <p>] [comment '<c>']`.
//!
//! Walk `create workspace sales mode standard scheduler RAM$sched;` run by `ALIYUN$owner`:
//! [`create`] checks both names (`sales` and `sales_dev` must be valid, unused project names)
//! and creates the two projects exactly as `create project` does. Then, in each project and
//! acting as its owner (DataWorks sets a workspace up on the owner's behalf), it runs the
//! statements that create the `role_project_*` roles of [`ROLES`] and grant each the MaxCompute
//! permissions of its column — the development column in `sales_dev`, the production column
//! in `sales` — through the same planner, authorizer and handlers a script's statements go
//! through, in the statement's transaction. The scheduling access identity is added to the
//! production project and given `role_project_scheduler`; the [`Workspace`] record ties the
//! projects and the identity together for `diagnose`. Basic mode is one project holding the
//! development column (DataWorks does no permission management there). Any failure leaves the
//! catalog as it was: the whole statement is one transaction.

use super::{canonical_name, messages, resolve_user, ExecContext, StatementResult};
use crate::ast::{CreateProjectStmt, CreateWorkspaceStmt, PrincipalKind, WorkspaceMode};
use crate::catalog::model::{Workspace, WorkspaceMode as StoredMode};
use crate::catalog::Txn;
use crate::error::{Code, Error, Result};

/// The suffix of a standard-mode workspace's development project.
pub const DEV_SUFFIX: &str = "_dev";

/// The role the scheduling access identity holds in the production project.
pub const SCHEDULER_ROLE: &str = "role_project_scheduler";

/// The role of workspace administrators.
pub const ADMIN_ROLE: &str = "role_project_admin";

/// Grants on the project itself and wildcard grants on every object of a kind (`grant All on
/// table * to role r`).
pub struct Permissions {
    pub project: &'static [&'static str],
    pub objects: &'static [(&'static str, &'static [&'static str])],
}

const NONE: Permissions = Permissions {
    project: &[],
    objects: &[],
};

/// Everything on the project and its tables, functions, resources and instances, and `Read`
/// on packages: the development column of the administrator and developer roles.
const FULL: Permissions = Permissions {
    project: &["All"],
    objects: &[
        ("table", &["All"]),
        ("function", &["All"]),
        ("resource", &["All"]),
        ("instance", &["All"]),
        ("package", &["Read"]),
    ],
};

/// One workspace role: its name, and what it holds in the development project (or the only
/// project of a basic workspace) and in the production project.
pub struct WorkspaceRole {
    pub name: &'static str,
    pub title: &'static str,
    pub development: Permissions,
    pub production: Permissions,
}

/// The roles DataWorks creates in a workspace's projects, after the permissions-overview
/// document's mapping of workspace roles to MaxCompute permissions. In a standard workspace
/// the production column is empty for people ("no permissions by default; request them in
/// Security Center"); only the scheduling identity's role can write production.
pub const ROLES: &[WorkspaceRole] = &[
    WorkspaceRole {
        name: ADMIN_ROLE,
        title: "Workspace Administrator",
        development: FULL,
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_dev",
        title: "Development",
        development: FULL,
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_pe",
        title: "O&M",
        development: Permissions {
            project: &["All"],
            objects: &[
                ("function", &["All"]),
                ("resource", &["All"]),
                ("instance", &["All"]),
                ("package", &["Read"]),
                ("table", &["Describe", "Select"]),
            ],
        },
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_deploy",
        title: "Deploy",
        development: NONE,
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_guest",
        title: "Visitor",
        development: Permissions {
            project: &["List"],
            objects: &[("table", &["Describe"])],
        },
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_security",
        title: "Security Administrator",
        development: Permissions {
            project: &["List"],
            objects: &[("table", &["Describe"])],
        },
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_data_analyst",
        title: "Data Analyst",
        development: Permissions {
            project: &["List", "CreateInstance"],
            objects: &[("table", &["Describe", "Select"])],
        },
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_erd",
        title: "Model Designer",
        development: Permissions {
            project: &["List", "CreateTable"],
            objects: &[("table", &["Describe", "Alter"])],
        },
        production: NONE,
    },
    WorkspaceRole {
        name: "role_project_data_governance",
        title: "Data Governance Administrator",
        development: Permissions {
            project: &["List"],
            objects: &[("table", &["Describe"])],
        },
        production: NONE,
    },
    WorkspaceRole {
        name: SCHEDULER_ROLE,
        title: "Scheduling access identity",
        development: FULL,
        production: FULL,
    },
];

/// Whether `role` is one of the workspace roles.
pub fn is_workspace_role(role: &str) -> bool {
    ROLES.iter().any(|r| r.name == role)
}

pub fn create(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &CreateWorkspaceStmt,
) -> Result<StatementResult> {
    let name = canonical_name(&stmt.name);
    if txn.workspace(&name)?.is_some() {
        return Err(Error::semantic(
            Code::AccessDenied,
            format!("Workspace {name} already exists."),
        ));
    }
    let development = (stmt.mode == WorkspaceMode::Standard).then(|| format!("{name}{DEV_SUFFIX}"));
    let owner = match &stmt.owner {
        Some(p) => resolve_user(&p.name, ctx.user),
        None => ctx.user.to_string(),
    };
    let scheduler = match &stmt.scheduler {
        Some(p) if p.kind != PrincipalKind::User => {
            return Err(messages::not_a_user_principal(&p.name))
        }
        Some(p) => {
            let s = resolve_user(&p.name, &owner);
            if !super::users::well_formed(&s) {
                return Err(messages::invalid_account(&s));
            }
            Some(s)
        }
        None => None,
    };
    // The projects first, as `create project` makes them: its checks (names, an Alibaba Cloud
    // account as owner, not already there) are the workspace's.
    let projects: Vec<(String, bool)> = match &development {
        Some(dev) => vec![(name.clone(), true), (dev.clone(), false)],
        None => vec![(name.clone(), false)],
    };
    for (project, _) in &projects {
        super::projects::create(
            ctx,
            txn,
            &CreateProjectStmt {
                name: project.clone(),
                owner: stmt.owner.clone(),
                comment: stmt.comment.clone(),
                if_not_exists: false,
            },
        )?;
    }
    for (project, production) in &projects {
        let mut script = Vec::new();
        for role in ROLES {
            script.push(format!("create role {}", role.name));
            let held = if *production {
                &role.production
            } else {
                &role.development
            };
            if !held.project.is_empty() {
                script.push(format!(
                    "grant {} on project {project} to role {}",
                    held.project.join(", "),
                    role.name
                ));
            }
            for (kind, actions) in held.objects {
                script.push(format!(
                    "grant {} on {kind} * to role {}",
                    actions.join(", "),
                    role.name
                ));
            }
        }
        // Production tasks run as the scheduling identity; in a basic workspace the one
        // project is production.
        let runs_tasks = *production || development.is_none();
        if let (Some(s), true) = (&scheduler, runs_tasks) {
            if *s != owner {
                script.push(format!("add user {}", principal_text(s)));
                script.push(format!("grant {SCHEDULER_ROLE} to {}", principal_text(s)));
            }
        }
        run_as_owner(ctx, txn, &owner, project, &script)?;
    }
    txn.put_workspace(&Workspace {
        name,
        mode: match stmt.mode {
            WorkspaceMode::Basic => StoredMode::Basic,
            WorkspaceMode::Standard => StoredMode::Standard,
        },
        production: projects[0].0.clone(),
        development,
        scheduler,
        created_at: ctx.now,
    })?;
    Ok(StatementResult::Ok)
}

/// A principal as a statement names it (RAM role principals need backticks).
fn principal_text(principal: &str) -> String {
    crate::display::principal_name(principal)
}

/// Runs the set-up statements of one project as its owner, in the statement's transaction.
fn run_as_owner(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    owner: &str,
    project: &str,
    script: &[String],
) -> Result<()> {
    let as_owner = ExecContext {
        user: owner,
        project: Some(project),
        // The workspace is set up by the platform, not from the caller's address: a later
        // whitelist is not in place yet, and DataWorks servers are exempt from it (§9.3).
        records: None,
        checks: None,
        ..ctx.clone()
    };
    for text in script {
        let stmt = crate::parser::parse_statement(text, "<workspace>", 1, 1)?;
        super::dispatch(&as_owner, txn, &stmt)?;
    }
    Ok(())
}
