//! The network gate (reference §9.3): `odps.security.ip.whitelist` and
//! `odps.security.vpc.whitelist` of the target project, which bind every account, the owner too.
//!
//! After `setproject odps.security.ip.whitelist=10.0.0.0/8,192.168.1.5-192.168.1.9;` a request
//! from 172.16.0.1 is refused: [`gate`] parses the list (single addresses, `a-b` ranges, CIDR,
//! IPv4 and IPv6) and finds no entry containing the address. mcsec requests carry no VPC id, so
//! they are classic/internet requests: setting only the VPC whitelist blocks them, as the
//! service blocks classic access when only the VPC list is set.

use crate::catalog::model::Project;
use ipnet::IpNet;
use std::net::IpAddr;

pub const IP_WHITELIST: &str = "odps.security.ip.whitelist";
pub const VPC_WHITELIST: &str = "odps.security.vpc.whitelist";

/// What the gate decided and why, in words `explain` prints.
#[derive(Debug, Clone, PartialEq)]
pub enum Gate {
    /// No whitelist is set.
    Open,
    /// The address matched this entry.
    Matched(String),
    /// Refused; the detail says why.
    Refused(String),
}

fn list(project: &Project, key: &str) -> Option<String> {
    let value = project.properties.get(key)?.trim();
    // `\N` is the documented way to clear a property.
    if value.is_empty() || value == "\\N" {
        None
    } else {
        Some(value.to_string())
    }
}

/// One whitelist entry: an address, an `a-b` range or a CIDR block.
pub fn entry_contains(entry: &str, ip: IpAddr) -> bool {
    let entry = entry.trim();
    if let Some((low, high)) = entry.split_once('-') {
        return match (low.trim().parse::<IpAddr>(), high.trim().parse::<IpAddr>()) {
            (Ok(IpAddr::V4(l)), Ok(IpAddr::V4(h))) => match ip {
                IpAddr::V4(a) => l <= a && a <= h,
                IpAddr::V6(_) => false,
            },
            (Ok(IpAddr::V6(l)), Ok(IpAddr::V6(h))) => match ip {
                IpAddr::V6(a) => l <= a && a <= h,
                IpAddr::V4(_) => false,
            },
            _ => false,
        };
    }
    if let Ok(net) = entry.parse::<IpNet>() {
        return net.contains(&ip);
    }
    entry.parse::<IpAddr>().is_ok_and(|single| single == ip)
}

/// The whitelist entries of the project, for `explain`'s advice.
pub fn ip_entries(project: &Project) -> Vec<String> {
    list(project, IP_WHITELIST)
        .map(|l| {
            l.split(',')
                .map(|e| e.trim().to_string())
                .filter(|e| !e.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub fn gate(project: &Project, source_ip: &str) -> Gate {
    match (list(project, IP_WHITELIST), list(project, VPC_WHITELIST)) {
        (None, None) => Gate::Open,
        (None, Some(_)) => Gate::Refused(format!(
            "only the VPC whitelist of project {} is set, so classic and internet access is blocked",
            project.name
        )),
        (Some(entries), _) => {
            let Ok(ip) = source_ip.trim().parse::<IpAddr>() else {
                return Gate::Refused(format!("{source_ip} is not an IP address"));
            };
            match entries.split(',').map(str::trim).find(|e| entry_contains(e, ip)) {
                Some(entry) => Gate::Matched(entry.to_string()),
                None => Gate::Refused(format!("{source_ip} matches no entry of the ip white list {entries}")),
            }
        }
    }
}

/// The network layer's report for `source_ip` reaching `project`, and the project's IP
/// whitelist entries (for advice) when it has any.
pub fn report(project: &Project, source_ip: &str) -> (super::LayerReport, Vec<String>) {
    use super::{DenyCode, Layer, LayerReport, Verdict};
    let passed = |verdict, detail: String, rules| LayerReport {
        layer: Layer::Network,
        verdict,
        detail: detail.into(),
        rules,
        code: None,
        message: None,
    };
    match gate(project, source_ip) {
        Gate::Open => (
            passed(
                Verdict::NotApplicable,
                "no ip or vpc whitelist is set".to_string(),
                vec![],
            ),
            Vec::new(),
        ),
        Gate::Matched(entry) => (
            passed(
                Verdict::Pass,
                format!(
                    "{source_ip} is in the ip white list of project {}",
                    project.name
                ),
                vec![super::Rule::Whitelist {
                    entry: Some(entry.to_string()),
                    project: project.name.clone(),
                }],
            ),
            ip_entries(project),
        ),
        Gate::Refused(why) => (
            LayerReport {
                layer: Layer::Network,
                verdict: Verdict::Deny,
                detail: why.into(),
                rules: vec![super::Rule::Whitelist {
                    entry: None,
                    project: project.name.clone(),
                }],
                code: Some(DenyCode::Whitelist),
                message: Some(super::texts::not_whitelisted(source_ip, &project.name)),
            },
            ip_entries(project),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn entries_cover_single_range_and_cidr_in_both_families() {
        assert!(entry_contains("10.32.180.8", ip("10.32.180.8")));
        assert!(!entry_contains("10.32.180.8", ip("10.32.180.9")));
        assert!(entry_contains(
            "10.32.180.8-10.32.180.12",
            ip("10.32.180.12")
        ));
        assert!(!entry_contains(
            "10.32.180.8-10.32.180.12",
            ip("10.32.180.13")
        ));
        assert!(entry_contains("10.32.180.0/23", ip("10.32.181.255")));
        assert!(!entry_contains("10.32.180.0/23", ip("10.32.182.0")));
        assert!(entry_contains("2001:db8::/32", ip("2001:db8::1")));
        assert!(entry_contains("2001:db8::1-2001:db8::9", ip("2001:db8::5")));
        assert!(!entry_contains("2001:db8::/32", ip("10.0.0.1")));
        assert!(!entry_contains("garbage", ip("10.0.0.1")));
        assert!(!entry_contains("10.0.0.1-2001:db8::1", ip("10.0.0.1")));
    }
}
