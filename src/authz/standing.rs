//! Who a caller is in a project, what a management statement needs, and a project's platform
//! status: the plain values the management authorizer decides with and its deciding rules
//! name (`rules::ManagementRule`). They sit below both, so the rules can speak of them without
//! the authorizer and the authorizer can build the rules.

use serde::Serialize;

/// The caller's built-in standing in a project, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Owner,
    SuperAdministrator,
    Admin,
    Member,
    /// Not a member of the project at all (only entering it reports this).
    NonMember,
}

impl Standing {
    pub fn words(self) -> &'static str {
        match self {
            Standing::Owner => "project owner",
            Standing::SuperAdministrator => "Super_Administrator",
            Standing::Admin => "Admin",
            Standing::Member => "plain member",
            Standing::NonMember => "non-member",
        }
    }

    /// The words with their article, as a sentence's subject.
    pub fn subject(self) -> &'static str {
        match self {
            Standing::Owner => "the project owner",
            Standing::SuperAdministrator => "a Super_Administrator",
            Standing::Admin => "an Admin",
            Standing::Member => "a plain member",
            Standing::NonMember => "a non-member",
        }
    }
}

/// The weakest standing a statement needs (a row of the §2.3 matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Member,
    Admin,
    OwnerOrSuperAdmin,
    Owner,
}

impl Need {
    pub fn words(self) -> &'static str {
        match self {
            Need::Member => "any member",
            Need::Admin => "Admin or better",
            Need::OwnerOrSuperAdmin => "the owner or a Super_Administrator",
            Need::Owner => "the owner",
        }
    }

    pub fn satisfied_by(self, standing: Standing) -> bool {
        match self {
            Need::Member => standing != Standing::NonMember,
            Need::Admin => standing <= Standing::Admin,
            Need::OwnerOrSuperAdmin => standing <= Standing::SuperAdministrator,
            Need::Owner => standing == Standing::Owner,
        }
    }
}

/// A project's status (`alter project <p> set status <s>`). Anything but `Normal` puts the
/// project in access mode AllDenied (§10 step 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Normal,
    /// Suspended for an overdue payment.
    Overdue,
    /// Frozen by the platform.
    Frozen,
}

impl ProjectStatus {
    pub fn keyword(self) -> &'static str {
        match self {
            ProjectStatus::Normal => "normal",
            ProjectStatus::Overdue => "overdue",
            ProjectStatus::Frozen => "frozen",
        }
    }

    pub fn from_keyword(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "normal" => Some(ProjectStatus::Normal),
            "overdue" => Some(ProjectStatus::Overdue),
            "frozen" => Some(ProjectStatus::Frozen),
            _ => None,
        }
    }
}

