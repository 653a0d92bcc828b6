//! The result of `survey`: a project's or the tenant's accounts by kind, the discarded accounts
//! that still hold privileges, tasks per account, shared accounts and downloads.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survey {
    /// `project <p>` or `tenant`.
    pub scope: String,
    pub time: String,
    pub window_days: u64,
    pub addresses: u64,
    /// `<n> days` or `off`.
    pub audit_retention: String,
    pub accounts: Vec<ProjectAccounts>,
    pub discarded: Vec<Discarded>,
    pub tasks: Vec<AccountTasks>,
    pub shared: Vec<SharedAccount>,
    pub downloads: Vec<Downloads>,
}

/// The accounts of one project by kind (the owner counted as its Alibaba Cloud account).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectAccounts {
    pub project: String,
    pub owner: String,
    pub aliyun_accounts: usize,
    pub ram_users: usize,
    pub ram_roles: usize,
    pub tenant_roles: usize,
    pub p4_residues: usize,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    pub principal: String,
    /// `aliyun_account`, `ram_user`, `ram_role`, `tenant_role`, `p4_residue`.
    pub kind: &'static str,
}

/// An account that should be recycled, and what it can still do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discarded {
    pub project: String,
    pub principal: String,
    /// `p4_residue`, `not_a_user` (grants left to a removed user) or `inactive`.
    pub reason: &'static str,
    /// The newest statement of the account in the trail, if any.
    pub last_activity: Option<String>,
    pub privileges: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountTasks {
    pub principal: String,
    #[serde(rename = "SQL")]
    pub sql: u64,
    #[serde(rename = "DT")]
    pub dt: u64,
    #[serde(rename = "Management")]
    pub management: u64,
    pub total: u64,
    pub denied: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedAccount {
    pub principal: String,
    pub source_ips: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Downloads {
    pub project: String,
    pub principal: String,
    pub downloads: u64,
    pub records: u64,
}
