//! Policy documents (reference §4.2): the JSON of `put policy`, role policies, policy-mode grants
//! and the ProjectProtection exception policy, plus the matching rules the authorizer applies.
//!
//! `put policy deny.json;` reads the file, and [`PolicyDocument::parse`] checks it the way the
//! service does (Version, Statement, Effect, `odps:` actions, `acs:odps:` resources, Principal
//! required in a project or exception policy and forbidden in a role policy), failing with
//! `failed to check policy format: ...`. The executor stores the text; the authorizer parses it
//! back and asks each [`PolicyStatement`] whether it matches a request ([`PolicyStatement::matches`])
//! with the request's [`ConditionContext`] (source address, time, task type).
//!
//! A policy-mode grant (`grant Drop on table tb_* to role r privilegeproperties("policy"="true",
//! "allow"="false")`) becomes one statement built by [`PolicyStatement::from_grant`]; its ACL-style
//! `conditions` text (`acs:SourceIp in ('10.0.0.0/8') and odps:TaskType='SQL'`) is turned into
//! the same condition blocks by [`parse_condition_expr`].

use crate::error::{Error, Result};
use ipnet::IpNet;
use serde_json::{json, Map, Value};
use std::net::IpAddr;

/// Which kind of document is being checked: it decides whether `Principal` is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Project,
    Role,
    Exception,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One condition: `<Operator>: { <key>: [values] }`. Several values of one key are OR-ed; the
/// conditions of a statement are AND-ed.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyStatement {
    pub effect: Effect,
    /// Empty in role policies. `*` means everyone.
    pub principals: Vec<String>,
    /// `odps:Select`, `odps:*`, ... as written (canonical case for known actions).
    pub actions: Vec<String>,
    pub resources: Vec<String>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    pub version: String,
    pub statements: Vec<PolicyStatement>,
}

/// What a condition is evaluated against.
#[derive(Debug, Clone)]
pub struct ConditionContext<'a> {
    pub source_ip: Option<IpAddr>,
    /// Unix seconds.
    pub current_time: i64,
    /// `SQL` for statements, `DT` for tunnel.
    pub task_type: &'a str,
    pub instance_id: Option<&'a str>,
    pub secure_transport: bool,
}

/// Object actions of §3 and management actions of §2.3/§4.1, in their documented spelling.
pub const ACTIONS: &[&str] = &[
    "Read",
    "Write",
    "List",
    "CreateTable",
    "CreateInstance",
    "CreateFunction",
    "CreateResource",
    "CreateJob",
    "CreateVolume",
    "CreateOfflineModel",
    "CreateXflow",
    "All",
    "Describe",
    "Select",
    "Alter",
    "Update",
    "Drop",
    "ShowHistory",
    "Execute",
    "Delete",
    "Download",
    "SetSecurityConfiguration",
    "GetSecurityConfiguration",
    "AddTrustedProject",
    "RemoveTrustedProject",
    "ListTrustedProjects",
    "AddUser",
    "RemoveUser",
    "ListUsers",
    "ListUserRoles",
    "CreateRole",
    "DescribeRole",
    "AlterRole",
    "DropRole",
    "ListRoles",
    "GrantRole",
    "RevokeRole",
    "ListRolePrincipals",
    "CreatePackage",
    "ShowPackages",
    "DropPackage",
    "DescribePackage",
    "InstallPackage",
    "UninstallPackage",
    "AllowInstallPackage",
    "DisallowInstallPackage",
    "AddPackageResource",
    "RemovePackageResource",
    "GrantLabel",
    "RevokeLabel",
    "ShowLabelGrants",
    "SetDataLabel",
    "ClearExpiredGrants",
    "SetPolicy",
    "GetPolicy",
    "SetRolePolicy",
    "GetRolePolicy",
    "GrantPrivilege",
    "RevokePrivilege",
    "ShowGrants",
    "ShowAcl",
    "AddAccountProvider",
    "RemoveAccountProvider",
    "ListAccountProviders",
];

const CONDITION_OPERATORS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "IpAddress",
    "NotIpAddress",
];

fn format_error(detail: impl std::fmt::Display) -> Error {
    Error::invalid(format!("failed to check policy format: {detail}"))
}

/// Every action name, in its documented spelling.
pub fn actions() -> &'static [&'static str] {
    ACTIONS
}

/// The documented spelling of an action name (`select` → `Select`), if it is one.
pub fn canonical_action(name: &str) -> Option<&'static str> {
    ACTIONS
        .iter()
        .copied()
        .find(|a| a.eq_ignore_ascii_case(name))
}

fn canonical_operator(name: &str) -> Option<&'static str> {
    CONDITION_OPERATORS
        .iter()
        .copied()
        .find(|o| o.eq_ignore_ascii_case(name))
}

/// A string or an array of strings, as policy fields allow.
fn string_list(value: &Value, field: &str) -> Result<Vec<String>> {
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(format_error(format!("invalid {field} value - {other}"))),
            })
            .collect(),
        other => Err(format_error(format!("invalid {field} value - {other}"))),
    }
}

/// Finds a key case-insensitively (documents in the wild write `effect`, `Effect`).
fn field<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn canonical_action_pattern(action: &str) -> Result<String> {
    let invalid = || format_error(format!("invalid Action value - {action}"));
    let (prefix, name) = action.split_once(':').ok_or_else(invalid)?;
    if !prefix.eq_ignore_ascii_case("odps") || name.is_empty() {
        return Err(invalid());
    }
    if name.contains('*') {
        return Ok(format!("odps:{name}"));
    }
    canonical_action(name)
        .map(|a| format!("odps:{a}"))
        .ok_or_else(invalid)
}

fn check_resource(resource: &str) -> Result<()> {
    let lower = resource.to_ascii_lowercase();
    if lower.starts_with("acs:odps:")
        && lower
            .splitn(4, ':')
            .nth(3)
            .is_some_and(|rest| !rest.is_empty())
    {
        Ok(())
    } else {
        Err(format_error(format!("invalid Resource value - {resource}")))
    }
}

impl PolicyDocument {
    /// Parses and checks a document. Errors read `failed to check policy format: ...`.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format_error(format!("invalid JSON - {e}")))?;
        let Value::Object(root) = value else {
            return Err(format_error("the policy must be a JSON object"));
        };
        let version = match field(&root, "Version") {
            Some(Value::String(v)) if v == "1" => v.clone(),
            Some(other) => return Err(format_error(format!("invalid Version value - {other}"))),
            None => return Err(format_error("Version is required")),
        };
        let statements = match field(&root, "Statement") {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Object(one)) => vec![Value::Object(one.clone())],
            Some(other) => return Err(format_error(format!("invalid Statement value - {other}"))),
            None => return Err(format_error("Statement is required")),
        };
        let statements = statements
            .iter()
            .map(|s| PolicyStatement::parse(s, kind))
            .collect::<Result<Vec<_>>>()?;
        Ok(PolicyDocument {
            version,
            statements,
        })
    }

    pub fn empty() -> Self {
        PolicyDocument {
            version: "1".into(),
            statements: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "Version": self.version,
            "Statement": self.statements.iter().map(PolicyStatement::to_json).collect::<Vec<_>>(),
        })
    }

    /// The text `get policy` prints for a document mcsec wrote itself (policy-mode grants).
    pub fn to_pretty_string(&self) -> String {
        serde_json::to_string_pretty(&self.to_json()).unwrap_or_default()
    }
}

impl PolicyStatement {
    fn parse(value: &Value, kind: PolicyKind) -> Result<Self> {
        let Value::Object(s) = value else {
            return Err(format_error(format!("invalid Statement value - {value}")));
        };
        let effect = match field(s, "Effect") {
            Some(Value::String(e)) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(Value::String(e)) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
            Some(other) => return Err(format_error(format!("invalid Effect value - {other}"))),
            None => return Err(format_error("Effect is required")),
        };
        let principals = match (field(s, "Principal"), kind) {
            (Some(_), PolicyKind::Role) => {
                return Err(format_error("Principal is not allowed in a role policy"))
            }
            (None, PolicyKind::Role) => Vec::new(),
            (None, _) => return Err(format_error("Principal is required")),
            (Some(p), _) => string_list(p, "Principal")?
                .iter()
                .map(|p| normalize_principal(p))
                .collect(),
        };
        let actions = string_list(
            field(s, "Action").ok_or_else(|| format_error("Action is required"))?,
            "Action",
        )?
        .iter()
        .map(|a| canonical_action_pattern(a))
        .collect::<Result<Vec<_>>>()?;
        let resources = string_list(
            field(s, "Resource").ok_or_else(|| format_error("Resource is required"))?,
            "Resource",
        )?;
        for r in &resources {
            check_resource(r)?;
        }
        let conditions = match field(s, "Condition") {
            None => Vec::new(),
            Some(Value::Object(ops)) => parse_condition_block(ops)?,
            Some(other) => return Err(format_error(format!("invalid Condition value - {other}"))),
        };
        Ok(PolicyStatement {
            effect,
            principals,
            actions,
            resources,
            conditions,
        })
    }

    pub fn to_json(&self) -> Value {
        let mut s = Map::new();
        s.insert(
            "Effect".into(),
            json!(if self.effect == Effect::Allow {
                "Allow"
            } else {
                "Deny"
            }),
        );
        if !self.principals.is_empty() {
            s.insert("Principal".into(), json!(self.principals));
        }
        s.insert("Action".into(), json!(self.actions));
        s.insert("Resource".into(), json!(self.resources));
        if !self.conditions.is_empty() {
            let mut ops = Map::new();
            for c in &self.conditions {
                let entry = ops
                    .entry(c.operator.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = entry {
                    keys.insert(c.key.clone(), json!(c.values));
                }
            }
            s.insert("Condition".into(), Value::Object(ops));
        }
        Value::Object(s)
    }

    /// A policy-mode grant as a statement: `actions` are canonical names (`Select`),
    /// `resource` the ARN, `conditions` the parsed `conditions` property, `expires` an absolute
    /// time (Unix seconds) turned into `DateLessThan acs:CurrentTime`.
    pub fn from_grant(
        effect: Effect,
        actions: &[String],
        resource: &str,
        conditions: Vec<Condition>,
        expires: Option<i64>,
    ) -> Self {
        let mut conditions = conditions;
        if let Some(at) = expires {
            conditions.push(Condition {
                operator: "DateLessThan".into(),
                key: "acs:CurrentTime".into(),
                values: vec![format_rfc3339(at)],
            });
        }
        PolicyStatement {
            effect,
            principals: Vec::new(),
            actions: actions.iter().map(|a| format!("odps:{a}")).collect(),
            resources: vec![resource.to_string()],
            conditions,
        }
    }

    /// The expiry recorded by [`PolicyStatement::from_grant`], if any.
    pub fn expires(&self) -> Option<i64> {
        self.conditions
            .iter()
            .find(|c| c.operator == "DateLessThan" && c.key.eq_ignore_ascii_case("acs:CurrentTime"))
            .and_then(|c| c.values.first())
            .and_then(|v| parse_time(v))
    }

    pub fn matches_principal(&self, principal: &str) -> bool {
        self.principals
            .iter()
            .any(|p| p == "*" || glob_match(p, principal))
    }

    /// `odps:*` and wildcards match any action; `odps:All` matches every object action.
    pub fn matches_action(&self, action: &str) -> bool {
        self.actions.iter().any(|pattern| {
            let name = pattern.strip_prefix("odps:").unwrap_or(pattern);
            glob_match(name, action)
                || (name.eq_ignore_ascii_case("All") && !is_management_action(action))
        })
    }

    /// Whether any Resource pattern covers `arn` (full `acs:odps:*:projects/...` form).
    /// The first resource pattern of the statement that matches `arn`, as written
    /// (`acs:odps:*:projects/prj/tables/t*`).
    pub fn matching_resource(&self, arn: &str) -> Option<&str> {
        self.resources
            .iter()
            .find(|pattern| glob_match(pattern, arn))
            .map(String::as_str)
    }

    pub fn matches_resource(&self, arn: &str) -> bool {
        self.resources
            .iter()
            .any(|pattern| glob_match(pattern, arn))
    }

    pub fn conditions_hold(&self, ctx: &ConditionContext<'_>) -> bool {
        self.conditions.iter().all(|c| c.holds(ctx))
    }

    /// Action, resource and conditions all match (principal is the caller's business: project
    /// policies match it, role policies apply to the role's members).
    pub fn matches(&self, action: &str, arn: &str, ctx: &ConditionContext<'_>) -> bool {
        self.matches_action(action) && self.matches_resource(arn) && self.conditions_hold(ctx)
    }
}

/// Management actions are not covered by `odps:All`.
pub fn is_management_action(action: &str) -> bool {
    !matches!(
        action,
        "Read"
            | "Write"
            | "List"
            | "CreateTable"
            | "CreateInstance"
            | "CreateFunction"
            | "CreateResource"
            | "CreateJob"
            | "CreateVolume"
            | "CreateOfflineModel"
            | "CreateXflow"
            | "All"
            | "Describe"
            | "Select"
            | "Alter"
            | "Update"
            | "Drop"
            | "ShowHistory"
            | "Execute"
            | "Delete"
            | "Download"
    )
}

/// Upper-cases a provider prefix (`aliyun$x` → `ALIYUN$x`), as everywhere else in mcsec.
pub fn normalize_principal(p: &str) -> String {
    match p.split_once('$') {
        Some((provider, rest)) => format!("{}${rest}", provider.to_ascii_uppercase()),
        None => p.to_string(),
    }
}

fn parse_condition_block(ops: &Map<String, Value>) -> Result<Vec<Condition>> {
    let mut out = Vec::new();
    for (op, keys) in ops {
        let operator = canonical_operator(op)
            .ok_or_else(|| format_error(format!("invalid Condition operator - {op}")))?;
        let Value::Object(keys) = keys else {
            return Err(format_error(format!("invalid Condition value - {keys}")));
        };
        for (key, values) in keys {
            let values = match values {
                Value::Bool(b) => vec![b.to_string()],
                Value::Number(n) => vec![n.to_string()],
                other => string_list(other, "Condition")?,
            };
            let condition = Condition {
                operator: operator.to_string(),
                key: key.clone(),
                values,
            };
            condition.check()?;
            out.push(condition);
        }
    }
    Ok(out)
}

impl Condition {
    /// Rejects values the operator can never compare (a malformed CIDR, a non-date).
    fn check(&self) -> Result<()> {
        let bad = |v: &str| {
            format_error(format!(
                "invalid Condition value - {v} for {}",
                self.operator
            ))
        };
        for v in &self.values {
            let ok = match self.operator.as_str() {
                "IpAddress" | "NotIpAddress" => parse_ip_pattern(v).is_some(),
                op if op.starts_with("Date") => parse_time(v).is_some(),
                op if op.starts_with("Numeric") => v.parse::<f64>().is_ok(),
                "Bool" => v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
                _ => true,
            };
            if !ok {
                return Err(bad(v));
            }
        }
        Ok(())
    }

    fn context_value(&self, ctx: &ConditionContext<'_>) -> Option<String> {
        let key = self.key.to_ascii_lowercase();
        match key.as_str() {
            "acs:sourceip" => ctx.source_ip.map(|ip| ip.to_string()),
            "acs:currenttime" => Some(format_rfc3339(ctx.current_time)),
            "acs:securetransport" => Some(ctx.secure_transport.to_string()),
            "odps:tasktype" => Some(ctx.task_type.to_string()),
            "odps:instanceid" => ctx.instance_id.map(str::to_string),
            _ => None,
        }
    }

    /// A key the request does not carry never satisfies a condition, negated or not.
    pub fn holds(&self, ctx: &ConditionContext<'_>) -> bool {
        let Some(actual) = self.context_value(ctx) else {
            return false;
        };
        let any = |f: &dyn Fn(&str) -> bool| self.values.iter().any(|v| f(v));
        match self.operator.as_str() {
            "StringEquals" => any(&|v| v == actual),
            "StringNotEquals" => !any(&|v| v == actual),
            "StringEqualsIgnoreCase" => any(&|v| v.eq_ignore_ascii_case(&actual)),
            "StringNotEqualsIgnoreCase" => !any(&|v| v.eq_ignore_ascii_case(&actual)),
            "StringLike" => any(&|v| glob_match(v, &actual)),
            "StringNotLike" => !any(&|v| glob_match(v, &actual)),
            "Bool" => any(&|v| v.eq_ignore_ascii_case(&actual)),
            "IpAddress" | "NotIpAddress" => {
                let Ok(ip) = actual.parse::<IpAddr>() else {
                    return false;
                };
                let inside = any(&|v| parse_ip_pattern(v).is_some_and(|net| net.contains(&ip)));
                inside == (self.operator == "IpAddress")
            }
            op if op.starts_with("Numeric") => {
                let Ok(a) = actual.parse::<f64>() else {
                    return false;
                };
                compare_all(op.trim_start_matches("Numeric"), &self.values, |v| {
                    v.parse::<f64>().ok().map(|b| a.partial_cmp(&b))
                })
            }
            op if op.starts_with("Date") => {
                let a = ctx.current_time;
                let a = if self.key.eq_ignore_ascii_case("acs:CurrentTime") {
                    Some(a)
                } else {
                    parse_time(&actual)
                };
                let Some(a) = a else { return false };
                compare_all(op.trim_start_matches("Date"), &self.values, |v| {
                    parse_time(v).map(|b| Some(a.cmp(&b)))
                })
            }
            _ => false,
        }
    }
}

/// `Equals` / `NotEquals` / `LessThan[Equals]` / `GreaterThan[Equals]` over the values (OR).
fn compare_all(
    relation: &str,
    values: &[String],
    cmp: impl Fn(&str) -> Option<Option<std::cmp::Ordering>>,
) -> bool {
    use std::cmp::Ordering::*;
    let test = |o: std::cmp::Ordering| match relation {
        "Equals" => o == Equal,
        "NotEquals" => o != Equal,
        "LessThan" => o == Less,
        "LessThanEquals" => o != Greater,
        "GreaterThan" => o == Greater,
        "GreaterThanEquals" => o != Less,
        _ => false,
    };
    let hits = values
        .iter()
        .filter_map(|v| cmp(v).flatten())
        .map(test)
        .collect::<Vec<_>>();
    if relation == "NotEquals" {
        !hits.is_empty() && hits.iter().all(|h| *h)
    } else {
        hits.iter().any(|h| *h)
    }
}

/// A single address, an `a-b` range is not a policy form; CIDR or plain address only.
fn parse_ip_pattern(v: &str) -> Option<IpNet> {
    let v = v.trim();
    v.parse::<IpNet>()
        .ok()
        .or_else(|| v.parse::<IpAddr>().ok().map(IpNet::from))
}

/// Case-insensitive glob where `*` matches any run of characters (`tables/tb_*`, `odps:Create*`).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matcher with single-star backtracking: linear in practice, no recursion.
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// RFC 3339 / ISO 8601 time (`2026-01-01T00:00:00Z`, `...+08:00`, `...+0800`) or a bare date.
pub fn parse_time(v: &str) -> Option<i64> {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    let v = v.trim();
    if let Ok(t) = time::OffsetDateTime::parse(v, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    if let Ok(t) = time::OffsetDateTime::parse(v, &Iso8601::DEFAULT) {
        return Some(t.unix_timestamp());
    }
    let compact = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
    );
    if let Ok(t) = time::OffsetDateTime::parse(v, &compact) {
        return Some(t.unix_timestamp());
    }
    let date = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(v, &date)
        .ok()
        .map(|d| d.midnight().assume_utc().unix_timestamp())
}

pub fn format_rfc3339(unix: i64) -> String {
    use time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Parses the ACL-style condition text of `privilegeproperties("conditions"=...)`:
/// `<key> <op> <value | (v1, v2, ...)>` joined by `and`, where `<op>` is `=`, `<>`/`!=`,
/// `[not] like`, `<`, `<=`, `>`, `>=`, `[not] in`, or `<Operator>(<key>, <v1>[, ...])`.
/// Keys may be quoted. `acs:SourceIp` compares as addresses, `acs:CurrentTime` as dates.
pub fn parse_condition_expr(text: &str) -> Result<Vec<Condition>> {
    let tokens = condition_tokens(text)?;
    let mut out = Vec::new();
    let mut i = 0;
    let bad = |what: &str| Error::invalid(format!("invalid conditions '{text}': {what}"));
    loop {
        let key = tokens
            .get(i)
            .ok_or_else(|| bad("expected a condition"))?
            .clone();
        i += 1;
        // Function form: Operator(key, v1, ...)
        if tokens.get(i).map(String::as_str) == Some("(") {
            let operator =
                canonical_operator(&key).ok_or_else(|| bad(&format!("unknown operator {key}")))?;
            i += 1;
            let mut args = Vec::new();
            while let Some(t) = tokens.get(i) {
                i += 1;
                match t.as_str() {
                    ")" => break,
                    "," => {}
                    v => args.push(v.to_string()),
                }
            }
            if args.len() < 2 {
                return Err(bad("an operator needs a key and at least one value"));
            }
            let key = args.remove(0);
            out.push(Condition {
                operator: operator.to_string(),
                key,
                values: args,
            });
        } else {
            let mut op = tokens
                .get(i)
                .ok_or_else(|| bad("expected an operator"))?
                .to_ascii_lowercase();
            i += 1;
            if op == "not" {
                let next = tokens
                    .get(i)
                    .ok_or_else(|| bad("expected like or in after not"))?
                    .to_ascii_lowercase();
                i += 1;
                op = format!("not {next}");
            }
            let mut values = Vec::new();
            if tokens.get(i).map(String::as_str) == Some("(") {
                i += 1;
                while let Some(t) = tokens.get(i) {
                    i += 1;
                    match t.as_str() {
                        ")" => break,
                        "," => {}
                        v => values.push(v.to_string()),
                    }
                }
            } else {
                values.push(
                    tokens
                        .get(i)
                        .ok_or_else(|| bad("expected a value"))?
                        .clone(),
                );
                i += 1;
            }
            let is_ip = key.eq_ignore_ascii_case("acs:SourceIp");
            let is_time = key.eq_ignore_ascii_case("acs:CurrentTime");
            let operator = match (op.as_str(), is_ip, is_time) {
                ("=" | "in", true, _) => "IpAddress",
                ("<>" | "!=" | "not in", true, _) => "NotIpAddress",
                ("=" | "in", _, true) => "DateEquals",
                ("<>" | "!=" | "not in", _, true) => "DateNotEquals",
                ("=" | "in", _, _) => "StringEquals",
                ("<>" | "!=" | "not in", _, _) => "StringNotEquals",
                ("like", _, _) => "StringLike",
                ("not like", _, _) => "StringNotLike",
                ("<", _, _) => {
                    if is_time {
                        "DateLessThan"
                    } else {
                        "NumericLessThan"
                    }
                }
                ("<=", _, _) => {
                    if is_time {
                        "DateLessThanEquals"
                    } else {
                        "NumericLessThanEquals"
                    }
                }
                (">", _, _) => {
                    if is_time {
                        "DateGreaterThan"
                    } else {
                        "NumericGreaterThan"
                    }
                }
                (">=", _, _) => {
                    if is_time {
                        "DateGreaterThanEquals"
                    } else {
                        "NumericGreaterThanEquals"
                    }
                }
                (other, _, _) => return Err(bad(&format!("unknown operator {other}"))),
            };
            out.push(Condition {
                operator: operator.to_string(),
                key,
                values,
            });
        }
        match tokens.get(i) {
            None => break,
            Some(t) if t.eq_ignore_ascii_case("and") => i += 1,
            Some(t) => return Err(bad(&format!("expected and, found {t}"))),
        }
    }
    for c in &out {
        c.check().map_err(|e| bad(&e.to_string()))?;
    }
    Ok(out)
}

/// Words, quoted strings (quotes removed), operators and punctuation of a condition text.
fn condition_tokens(text: &str) -> Result<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let end = chars[i + 1..].iter().position(|&d| d == c).ok_or_else(|| {
                Error::invalid(format!("invalid conditions '{text}': unterminated quote"))
            })?;
            out.push(chars[i + 1..i + 1 + end].iter().collect());
            i += end + 2;
        } else if "(),".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if "<>=!".contains(c) {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["<>", "!=", "<=", ">="].contains(&two.as_str()) {
                out.push(two);
                i += 2;
            } else {
                out.push(c.to_string());
                i += 1;
            }
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"(),<>=!'\"".contains(chars[i]) {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(ip: &str, task: &'static str) -> ConditionContext<'static> {
        ConditionContext {
            source_ip: ip.parse().ok(),
            current_time: parse_time("2026-06-01T00:00:00Z").unwrap_or(0),
            task_type: task,
            instance_id: None,
            secure_transport: false,
        }
    }

    #[test]
    fn documented_example_parses_and_matches() {
        let doc = PolicyDocument::parse(
            r#"{ "Version": "1", "Statement": [{ "Effect": "Allow", "Principal": "aliyun$Alice@aliyun.com",
                "Action": ["odps:select"], "Resource": "acs:odps:*:projects/alipay/tables/table_test",
                "Condition": { "StringEquals": { "odps:TaskType": ["DT", "SQL"] } } }] }"#,
            PolicyKind::Exception,
        )
        .unwrap();
        let s = &doc.statements[0];
        assert_eq!(s.actions, vec!["odps:Select"]);
        assert_eq!(s.principals, vec!["ALIYUN$Alice@aliyun.com"]);
        assert!(s.matches(
            "Select",
            "acs:odps:*:projects/alipay/tables/table_test",
            &ctx("1.2.3.4", "DT")
        ));
        assert!(!s.matches(
            "Select",
            "acs:odps:*:projects/alipay/tables/table_test",
            &ctx("1.2.3.4", "MapReduce")
        ));
        assert!(!s.matches(
            "Drop",
            "acs:odps:*:projects/alipay/tables/table_test",
            &ctx("1.2.3.4", "SQL")
        ));
    }

    #[test]
    fn format_errors_use_the_documented_wording() {
        let err = |text: &str, kind| PolicyDocument::parse(text, kind).unwrap_err().to_string();
        assert_eq!(
            err(
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"odps:X","Resource":"acs:odps:*:projects/p"}]}"#,
                PolicyKind::Role
            ),
            "failed to check policy format: invalid Action value - odps:X"
        );
        assert_eq!(
            err(
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"odps:Select","Resource":"acs:odps:*:projects/p"}]}"#,
                PolicyKind::Project
            ),
            "failed to check policy format: Principal is required"
        );
        assert_eq!(
            err(
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Principal":"*","Action":"odps:Select","Resource":"acs:odps:*:projects/p"}]}"#,
                PolicyKind::Role
            ),
            "failed to check policy format: Principal is not allowed in a role policy"
        );
        assert_eq!(
            err(
                r#"{"Version":"1","Statement":[{"Effect":"Maybe","Action":"odps:Select","Resource":"p"}]}"#,
                PolicyKind::Role
            ),
            "failed to check policy format: invalid Effect value - \"Maybe\""
        );
        assert_eq!(
            err(
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"odps:Select","Resource":"projects/p"}]}"#,
                PolicyKind::Role
            ),
            "failed to check policy format: invalid Resource value - projects/p"
        );
        assert!(err("{", PolicyKind::Role)
            .starts_with("failed to check policy format: invalid JSON - "));
        assert_eq!(
            err(r#"{"Statement":[]}"#, PolicyKind::Role),
            "failed to check policy format: Version is required"
        );
    }

    #[test]
    fn wildcards_match_case_insensitively() {
        assert!(glob_match(
            "acs:odps:*:projects/p1/tables/tb_*",
            "acs:odps:*:projects/P1/tables/tb_sales"
        ));
        assert!(!glob_match(
            "acs:odps:*:projects/p1/tables/tb_*",
            "acs:odps:*:projects/p1/tables/sales"
        ));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn acl_style_conditions_become_policy_conditions() {
        let c = parse_condition_expr(
            "acs:SourceIp in ('192.168.0.0/16','172.12.0.0/16') and 'odps:TaskType'='SQL'",
        )
        .unwrap();
        assert_eq!(c[0].operator, "IpAddress");
        assert_eq!(c[0].values, vec!["192.168.0.0/16", "172.12.0.0/16"]);
        assert_eq!(
            c[1],
            Condition {
                operator: "StringEquals".into(),
                key: "odps:TaskType".into(),
                values: vec!["SQL".into()]
            }
        );
        assert!(c.iter().all(|c| c.holds(&ctx("192.168.3.4", "SQL"))));
        assert!(!c[0].holds(&ctx("10.0.0.1", "SQL")));
        let t = parse_condition_expr("acs:CurrentTime < '2026-12-31T00:00:00Z'").unwrap();
        assert_eq!(t[0].operator, "DateLessThan");
        assert!(t[0].holds(&ctx("1.1.1.1", "SQL")));
        assert!(parse_condition_expr("acs:SourceIp = 'not-an-ip'").is_err());
        assert!(parse_condition_expr("odps:TaskType ~ 'x'").is_err());
        assert!(parse_condition_expr("").is_err());
    }

    #[test]
    fn grant_statement_records_its_expiry() {
        let at = parse_time("2026-07-01T00:00:00Z").unwrap();
        let s = PolicyStatement::from_grant(
            Effect::Deny,
            &["Drop".into()],
            "acs:odps:*:projects/p/tables/tb_*",
            vec![],
            Some(at),
        );
        assert_eq!(s.expires(), Some(at));
        assert!(s.matches(
            "Drop",
            "acs:odps:*:projects/p/tables/tb_1",
            &ctx("1.1.1.1", "SQL")
        ));
        let round = PolicyDocument::parse(
            &serde_json::to_string(
                &PolicyDocument {
                    version: "1".into(),
                    statements: vec![s.clone()],
                }
                .to_json(),
            )
            .unwrap(),
            PolicyKind::Role,
        )
        .unwrap();
        assert_eq!(round.statements[0], s);
    }
}
