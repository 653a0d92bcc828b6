//! Canonical text of the checking statements (`crate::ast::audit`): `show audit for user
//! RAM$bob in project prj1 since '2026-01-01T00:00:00Z' denied limit 5` prints each clause
//! present, in the order the parser takes them.

use super::{single, Ident, PrincipalName};
use crate::ast::*;
use std::fmt::{self, Display, Formatter};

impl Display for AuditQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("show audit")?;
        if let Some(u) = &self.user {
            write!(f, " for user {}", PrincipalName(&u.name))?;
        }
        if let Some(p) = &self.project {
            write!(f, " in project {}", Ident(p))?;
        }
        if let Some(t) = &self.since {
            write!(f, " since {}", single(t))?;
        }
        if let Some(t) = &self.until {
            write!(f, " until {}", single(t))?;
        }
        if self.denied {
            f.write_str(" denied")?;
        }
        if let Some(n) = self.limit {
            write!(f, " limit {n}")?;
        }
        Ok(())
    }
}

impl Display for SurveyStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("survey")?;
        match &self.scope {
            SurveyScope::Current => {}
            SurveyScope::Project(p) => write!(f, " project {}", Ident(p))?,
            SurveyScope::Tenant => f.write_str(" tenant")?,
        }
        if let Some(n) = self.inactive_days {
            write!(f, " inactive {n} days")?;
        }
        if let Some(n) = self.addresses {
            write!(f, " addresses {n}")?;
        }
        Ok(())
    }
}

impl Display for RetentionWord {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("alter tenant set audit retention ")?;
        match self {
            RetentionWord::Days(n) => write!(f, "{n} days"),
            RetentionWord::Off => f.write_str("off"),
        }
    }
}

/// `drop ram user <principal>`.
pub(super) fn drop_ram_user(f: &mut Formatter<'_>, principal: &Principal) -> fmt::Result {
    write!(f, "drop ram user {}", PrincipalName(&principal.name))
}
