//! The registry of checks. Each check is one file with a `run(&Tenant, &mut Vec<Report>)`
//! function and is declared exactly once below with its stable id, risk level and title; the
//! macro makes the module, the [`CHECKS`] table and the link between them, so adding a check
//! is one file and one line. `diagnose` runs them in this order and sorts what they find.
//!
//! Walk `download_control_off`: its line names the module, the id `download-control-off`,
//! the level `Medium` and the title. Its `run` looks at every diagnosed project and reports
//! each one whose `odps.security.enabledownloadprivilege` is not `true`, with the `setproject`
//! that turns it on; the registry stamps each report with the declared id, level and title.
//!
//! A check sees the whole [`Tenant`], its transaction included, so a check over records kept
//! elsewhere in the catalog (an audit trail, say) is still one file reading them through
//! `Tenant::txn`, and one line here.

use super::{ProjectView, Report, Tenant};
use crate::ast::RiskLevel;
use crate::policy::{PolicyDocument, PolicyKind};

/// One declared check.
pub struct CheckInfo {
    pub id: &'static str,
    pub risk: RiskLevel,
    pub title: &'static str,
    pub run: fn(&Tenant<'_, '_>, &mut Vec<Report>),
}

macro_rules! declare_checks {
    ($($module:ident => $id:literal, $risk:ident, $title:literal;)*) => {
        $(mod $module;)*

        /// Every check, in declaration order.
        pub static CHECKS: &[CheckInfo] = &[
            $(CheckInfo { id: $id, risk: RiskLevel::$risk, title: $title, run: $module::run },)*
        ];
    };
}

declare_checks! {
    download_control_off => "download-control-off", Medium, "download control is off";
    protection_off_labelled => "protection-off-labelled", High, "project protection is off on a project holding labelled columns";
    label_security_off => "label-security-off", High, "LabelSecurity is off while labels are set";
    trusted_project => "trusted-project", Medium, "a trusted project lifts project protection for flows to it";
    trusted_project_cycle => "trusted-project-cycle", High, "projects trust each other in a cycle";
    exception_policy_broad => "exception-policy-broad", High, "an exception policy statement with a * principal or resource, or without a TaskType condition";
    exception_policy_toctou => "exception-policy-toctou", High, "a table named in an exception policy can be written by someone other than the owner";
    package_shares_labelled => "package-shares-labelled", High, "a package shares labelled columns";
    package_widely_installable => "package-widely-installable", Medium, "a package may be installed by many projects";
    no_ip_whitelist => "no-ip-whitelist", Low, "no IP whitelist is set";
    too_many_admins => "too-many-admins", Medium, "more than three workspace administrators";
    several_workspace_roles => "several-workspace-roles", Low, "a member holds several workspace roles";
    dev_prod_shared_writer => "dev-prod-shared-writer", High, "development and production projects share a member who can write production";
    super_administrator_grant => "super-administrator-grant", Medium, "Super_Administrator is granted to a user";
    creator_grant_protected => "creator-grant-protected", Medium, "ObjectCreatorHasGrantPermission is on in a protected project";
    expired_grants => "expired-grants", Low, "expired grants are not cleared";
    grants_to_removed_users => "grants-to-removed-users", Medium, "grants are left to users no longer in the project";
    role_without_members => "role-without-members", Low, "a role has no members";
    scheduler_used_interactively => "scheduler-used-interactively", High, "the scheduling identity of a workspace was used interactively";
    audit_retention_off => "audit-retention-off", Medium, "the audit trail is off";
}

/// The project's exception policy, when it has one that parses.
fn exception_policy(p: &ProjectView) -> Option<PolicyDocument> {
    let text = p.project.settings.protection_exception.as_deref()?;
    PolicyDocument::parse(text, PolicyKind::Exception).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for c in CHECKS {
            assert!(seen.insert(c.id), "{} declared twice", c.id);
            assert!(
                c.id.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{}",
                c.id
            );
        }
    }
}
