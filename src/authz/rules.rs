//! The rules that decide a request, as typed values.
//!
//! `select name from t` allowed by a grant is decided by [`Rule::Acl`] (user `RAM$owner:bob`,
//! `Select`, `projects/p/tables/t`), which `explain` shows as `ACL user/RAM$owner:bob: Select on
//! projects/p/tables/t`; a refusal by nothing is [`Rule::DefaultDeny`]. Each layer keeps the
//! rules behind its verdict, and a response names which layers decided
//! ([`super::Response::rules`]) instead of copying their rules; the words are written only when
//! something shows them (`Display`, and JSON as the same string).

use super::standing::{Need, Standing};
use crate::catalog::model::Grantee;
use crate::policy::{Effect, PolicyStatement};
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// Where an effective label comes from (label security, §6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelSource {
    /// The user's own access level.
    User(u8),
    Role {
        role: String,
        level: u8,
    },
    /// The `using label` of the package the object is reached through.
    Package {
        package: String,
        level: u8,
    },
    /// A label grant on the table or column.
    Grant {
        level: u8,
        grantee: Grantee,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// An ACL grant of `action` on `path`, of the whole object or (`columns`) of some columns.
    Acl {
        grantee: Grantee,
        action: Cow<'static, str>,
        path: String,
        columns: Option<Vec<String>>,
    },
    /// A statement of a policy document (`policy project`, `policy role/r`, `exception policy`).
    Policy {
        source: String,
        index: usize,
        effect: Effect,
        actions: Vec<String>,
        /// The statement's resource pattern that matched.
        arn: String,
        conditions: bool,
    },
    NotAUser {
        project: String,
    },
    /// A built-in right: `project_owner`, `super_administrator`, `admin`, `object_creator`.
    Implicit {
        who: &'static str,
        principal: String,
        on: String,
    },
    /// Nothing grants the action (on the requested `columns`, when only some are missing).
    DefaultDeny {
        action: String,
        path: String,
        columns: Option<Vec<String>>,
    },
    /// A column's sensitivity against the effective label; `within` is whether it passes.
    Label {
        column: String,
        sensitivity: u8,
        effective: u8,
        source: LabelSource,
        within: bool,
    },
    DownloadControl {
        project: String,
        path: String,
    },
    TrustedProject {
        trusted: String,
        project: String,
    },
    PackageShares {
        package: String,
    },
    Protection {
        project: String,
    },
    /// The object reached through a package installed in the current project.
    InstalledPackage {
        package: String,
        current: String,
        action: String,
        path: String,
        privileges: String,
    },
    /// The IP white list: the entry that admitted the address, or the list that refused it.
    Whitelist {
        entry: Option<String>,
        project: String,
    },
    ProjectStatus {
        status: &'static str,
        project: String,
    },
    TenantRole {
        role: String,
        project: String,
    },
    /// A tenant-role table grant (§2.4).
    TenantRoleGrant {
        role: String,
        action: String,
        path: String,
    },
    /// The tenant account may run tenant statements; `held` is whether the caller is it.
    TenantAccount {
        account: String,
        held: bool,
    },
    Management(ManagementRule),
}

fn grantee_words(grantee: &Grantee) -> String {
    match grantee {
        Grantee::User(u) => format!("user/{u}"),
        Grantee::Role(r) => format!("role/{r}"),
    }
}

impl Rule {
    /// An action's name as a rule keeps it: a known action's name is borrowed, not copied (a
    /// check builds its deciding rule whether or not anything shows it).
    pub fn action_name(name: &str) -> Cow<'static, str> {
        match super::Action::from_name(name) {
            Some(action) => Cow::Borrowed(action.name()),
            None => Cow::Owned(name.to_string()),
        }
    }

    /// The rule a matching policy statement gives (`index` counts from 0), naming the
    /// statement's resource pattern that matched `arn` (`tables/t*`, not the table asked for).
    pub fn policy(source: &str, index: usize, statement: &PolicyStatement, arn: &str) -> Rule {
        Rule::Policy {
            source: source.to_string(),
            index,
            effect: statement.effect,
            actions: statement.actions.clone(),
            arn: statement.matching_resource(arn).unwrap_or(arn).to_string(),
            conditions: !statement.conditions.is_empty(),
        }
    }
}

impl From<ManagementRule> for Rule {
    fn from(rule: ManagementRule) -> Self {
        Rule::Management(rule)
    }
}

impl fmt::Display for LabelSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabelSource::User(level) => write!(f, "user label {level}"),
            LabelSource::Role { role, level } => write!(f, "role/{role} label {level}"),
            LabelSource::Package { package, level } => {
                write!(f, "package {package} using label {level}")
            }
            LabelSource::Grant { level, grantee } => {
                write!(f, "label grant {level} to {}", grantee_words(grantee))
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Acl {
                grantee,
                action,
                path,
                columns,
            } => {
                write!(f, "ACL {}: {action} on {path}", grantee_words(grantee))?;
                if let Some(columns) = columns {
                    write!(f, " ({})", columns.join(", "))?;
                }
                Ok(())
            }
            Rule::Policy {
                source,
                index,
                effect,
                actions,
                arn,
                conditions,
            } => {
                let effect = if *effect == Effect::Allow {
                    "Allow"
                } else {
                    "Deny"
                };
                write!(
                    f,
                    "{source} statement {}: {effect} {} on {arn}",
                    index + 1,
                    actions.join(", ")
                )?;
                if *conditions {
                    f.write_str(" (with conditions)")?;
                }
                Ok(())
            }
            Rule::NotAUser { project } => write!(f, "not a user of project {project}"),
            Rule::Implicit { who, principal, on } => {
                write!(f, "implicit {who}/{principal}: All on {on}")
            }
            Rule::DefaultDeny {
                action,
                path,
                columns,
            } => {
                write!(f, "default deny: nothing grants {action} on {path}")?;
                if let Some(columns) = columns {
                    write!(f, " ({})", columns.join(", "))?;
                }
                Ok(())
            }
            Rule::Label {
                column,
                sensitivity,
                effective,
                source,
                within,
            } => {
                let relation = if *within { "<=" } else { ">" };
                write!(
                    f,
                    "column {column}: sensitivity {sensitivity} {relation} effective label {effective} ({source})"
                )
            }
            Rule::DownloadControl { project, path } => write!(
                f,
                "download control of {project}: nothing grants Download on {path}"
            ),
            Rule::TrustedProject { trusted, project } => {
                write!(f, "trusted project {trusted} of {project}")
            }
            Rule::PackageShares { package } => write!(f, "package {package} shares the object"),
            Rule::Protection { project } => write!(f, "ProjectProtection of {project}"),
            Rule::InstalledPackage {
                package,
                current,
                action,
                path,
                privileges,
            } => write!(
                f,
                "package {package} installed in {current}: {action} on {path} ({privileges})"
            ),
            Rule::Whitelist {
                entry: Some(entry),
                project,
            } => write!(f, "whitelist entry {entry} of project {project}"),
            Rule::Whitelist {
                entry: None,
                project,
            } => write!(f, "ip white list of project {project}"),
            Rule::ProjectStatus { status, project } => {
                write!(f, "status {status} of project {project}")
            }
            Rule::TenantRole { role, project } => {
                write!(f, "tenant role {role} added to project {project}")
            }
            Rule::TenantRoleGrant { role, action, path } => {
                write!(f, "tenant role {role}: {action} on {path}")
            }
            Rule::TenantAccount {
                account,
                held: true,
            } => write!(f, "tenant account {account}"),
            Rule::TenantAccount {
                account,
                held: false,
            } => write!(f, "tenant statements are the tenant account {account}'s"),
            Rule::Management(rule) => rule.fmt(f),
        }
    }
}

/// A rule is shown as its words, in JSON as in text.
impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// What decided a management request, rendered in `explain` as the deciding rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagementRule {
    /// The owner may run every management statement of its project.
    Owner { project: String },
    /// A built-in standing that the statement's row of the matrix admits.
    Standing { standing: Standing, need: Need },
    /// A policy Allow lifting a member to what Admin may do.
    PolicyAllow(Box<Rule>),
    /// A policy Deny naming the caller.
    PolicyDeny(Box<Rule>),
    /// The statement's row of the matrix excludes the caller's standing.
    Matrix { standing: Standing, need: Need },
}

impl std::fmt::Display for ManagementRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ManagementRule::Owner { project } => write!(f, "owner of project {project}"),
            ManagementRule::Standing { standing, need } => {
                write!(
                    f,
                    "standing {}: the statement needs {}",
                    standing.words(),
                    need.words()
                )
            }
            ManagementRule::PolicyAllow(rule) | ManagementRule::PolicyDeny(rule) => rule.fmt(f),
            ManagementRule::Matrix { standing, need } => write!(
                f,
                "the statement needs {}; {} may not run it",
                need.words(),
                standing.subject()
            ),
        }
    }
}
