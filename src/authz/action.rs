//! The actions every request is checked as: one typed table of names, kinds and scopes.
//!
//! `select phone from t` is a data request for [`Action::Select`] (a data action on an object:
//! `projects/p/tables/t`); `grant Select on table t to user RAM$bob` is a management request for
//! [`Action::GrantPrivilege`] on the same object; `add user RAM$bob` is [`Action::AddUser`] on
//! `projects/p/authorization/users`; `add tenant user RAM$bob` is [`Action::AddTenantUser`] on
//! the tenant. Each action's name is its `odps:<name>` in refusals and policy documents, so a
//! name is written once, here; what a stored ACL entry or a policy names is matched against
//! [`Action::name`].

use serde::Serialize;

/// Which part of the authorizer decides an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Reading or changing objects and running jobs: the data layers (§10).
    Data,
    /// Managing a project's security: the standing layer and the §2.3 matrix.
    Management,
    /// Tenant-level objects (§2.4): the tenant's account.
    Tenant,
}

/// What an action's resource path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionScope {
    /// The project itself (`projects/<p>`): creating objects, running jobs, listing.
    Project,
    /// One object of a project (`projects/<p>/tables/<t>`, `.../resources/<r>`, ...).
    Object,
    /// The project's security configuration (`projects/<p>/authorization/...`).
    Authorization,
    /// The tenant (`tenants/<account>/authorization/...`).
    Tenant,
}

macro_rules! actions {
    ($($variant:ident: $kind:ident, $scope:ident;)*) => {
        /// Every action a request can be checked as.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant,)* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name after `odps:`.
            pub fn name(self) -> &'static str {
                match self { $(Action::$variant => stringify!($variant),)* }
            }

            pub fn kind(self) -> ActionKind {
                match self { $(Action::$variant => ActionKind::$kind,)* }
            }

            pub fn scope(self) -> ActionScope {
                match self { $(Action::$variant => ActionScope::$scope,)* }
            }

            /// The action of a canonical name (`Select`, `AddUser`), if it is one.
            pub fn from_name(name: &str) -> Option<Action> {
                match name { $(stringify!($variant) => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    Select: Data, Object;
    Describe: Data, Object;
    Alter: Data, Object;
    Update: Data, Object;
    Drop: Data, Object;
    Download: Data, Object;
    Read: Data, Object;
    Write: Data, Object;
    Execute: Data, Object;
    Delete: Data, Object;
    All: Data, Object;
    CreateTable: Data, Project;
    CreateInstance: Data, Project;
    CreateFunction: Data, Project;
    CreateResource: Data, Project;
    CreateJob: Data, Project;
    List: Data, Project;
    AddUser: Management, Authorization;
    RemoveUser: Management, Authorization;
    ListUsers: Management, Authorization;
    AddAccountProvider: Management, Authorization;
    RemoveAccountProvider: Management, Authorization;
    ListAccountProviders: Management, Authorization;
    ShowGrants: Management, Authorization;
    CreateRole: Management, Authorization;
    DropRole: Management, Authorization;
    DescribeRole: Management, Authorization;
    ListRoles: Management, Authorization;
    GrantRole: Management, Authorization;
    RevokeRole: Management, Authorization;
    ListRolePrincipals: Management, Authorization;
    ListUserRoles: Management, Authorization;
    PurgePrivileges: Management, Authorization;
    GrantPrivilege: Management, Object;
    RevokePrivilege: Management, Object;
    ShowAcl: Management, Object;
    GetPolicy: Management, Authorization;
    SetPolicy: Management, Authorization;
    GetRolePolicy: Management, Authorization;
    SetRolePolicy: Management, Authorization;
    GetSecurityPolicy: Management, Authorization;
    SetSecurityPolicy: Management, Authorization;
    SetDataLabel: Management, Authorization;
    GrantLabel: Management, Authorization;
    RevokeLabel: Management, Authorization;
    ShowLabelGrants: Management, Authorization;
    ClearExpiredGrants: Management, Authorization;
    CreatePackage: Management, Authorization;
    DropPackage: Management, Authorization;
    AddPackageResource: Management, Authorization;
    RemovePackageResource: Management, Authorization;
    AllowInstallPackage: Management, Authorization;
    DisallowInstallPackage: Management, Authorization;
    InstallPackage: Management, Authorization;
    UninstallPackage: Management, Authorization;
    ShowPackages: Management, Authorization;
    DescribePackage: Management, Authorization;
    SetSecurityConfiguration: Management, Authorization;
    GetSecurityConfiguration: Management, Authorization;
    SetProjectProperty: Management, Authorization;
    AddTrustedProject: Management, Authorization;
    RemoveTrustedProject: Management, Authorization;
    ListTrustedProjects: Management, Authorization;
    AddGroup: Management, Authorization;
    RemoveGroup: Management, Authorization;
    ListGroups: Management, Authorization;
    AddTenantRole: Management, Authorization;
    RemoveTenantRole: Management, Authorization;
    DropProject: Management, Authorization;
    AddTenantUser: Tenant, Tenant;
    RemoveTenantUser: Tenant, Tenant;
    GrantTenantRole: Tenant, Tenant;
    RevokeTenantRole: Tenant, Tenant;
    ListTenantUsers: Tenant, Tenant;
    CreateTenantRole: Tenant, Tenant;
    DropTenantRole: Tenant, Tenant;
    DescribeTenantRole: Tenant, Tenant;
    ListTenantRoles: Tenant, Tenant;
    ListTenantRolePrincipals: Tenant, Tenant;
    GetTenantRolePolicy: Tenant, Tenant;
    SetTenantRolePolicy: Tenant, Tenant;
    ShowTenantGrants: Tenant, Tenant;
    AddTenantGroup: Tenant, Tenant;
    RemoveTenantGroup: Tenant, Tenant;
    ListTenantGroups: Tenant, Tenant;
    DiagnoseTenant: Tenant, Tenant;
    ListTenantOutflowPaths: Tenant, Tenant;
    SaveSnapshot: Tenant, Tenant;
    RestoreSnapshot: Tenant, Tenant;
    ListSnapshots: Tenant, Tenant;
    LookupAuditEvents: Tenant, Tenant;
    SetAuditRetention: Tenant, Tenant;
    SurveyTenant: Tenant, Tenant;
    DeleteRamUser: Tenant, Tenant;
}

/// The resource a management request on a project's security is checked on — the one table of
/// those paths, each under `acs:odps:*:` (§4.1). A management request on one object (a grant on
/// a table, `show acl`) is checked on the object's own path instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Managed<'a> {
    /// `projects/<p>/authorization`: the project's whole security (trusted projects, account
    /// providers, `grant super`, clearing expired grants).
    Authorization,
    /// `.../users`: users, their roles and grants.
    Users,
    /// `.../roles`: the project's roles.
    Roles,
    /// `.../roles/resource/<role>`: one role.
    Role(&'a str),
    /// `.../groups`.
    Groups,
    /// `.../packages`.
    Packages,
    /// `.../labels`.
    Labels,
    /// `.../configurations/security_configuration`: the security switches and properties.
    SecurityConfiguration,
    /// `.../configurations/policy`: the project policy.
    Policy,
    /// `.../configurations/security_policy`.
    SecurityPolicy,
}

impl Managed<'_> {
    pub fn path(self, project: &str) -> String {
        let tail = match self {
            Managed::Authorization => return ["projects/", project, "/authorization"].concat(),
            Managed::Users => "users",
            Managed::Roles => "roles",
            Managed::Role(role) => {
                return ["projects/", project, "/authorization/roles/resource/", role].concat()
            }
            Managed::Groups => "groups",
            Managed::Packages => "packages",
            Managed::Labels => "labels",
            Managed::SecurityConfiguration => "configurations/security_configuration",
            Managed::Policy => "configurations/policy",
            Managed::SecurityPolicy => "configurations/security_policy",
        };
        // `concat` makes one exact allocation; every authorized statement builds its path.
        ["projects/", project, "/authorization/", tail].concat()
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name_and_names_are_unique() {
        let mut names = std::collections::BTreeSet::new();
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.name()), Some(*action));
            assert!(names.insert(action.name()), "{} twice", action.name());
        }
        assert_eq!(Action::from_name("Frobnicate"), None);
        assert_eq!(Action::Select.kind(), ActionKind::Data);
        assert_eq!(Action::AddUser.scope(), ActionScope::Authorization);
        assert_eq!(Action::AddTenantUser.kind(), ActionKind::Tenant);
    }
}
