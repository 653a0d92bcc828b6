//! Management requests: who may run `add user`, `grant`, `set ProjectProtection`, `create
//! package`, ... (reference §2.3, §4.4, §10).
//!
//! `grant Select on table t to user RAM$owner:carol;` run by `RAM$owner:bob` in prj1 reaches
//! the authorizer as a [`ManagementRequest`]: action [`Action::GrantPrivilege`] on
//! `projects/prj1/tables/t`, needing [`Need::Admin`]. The layers run in the order of §10, each
//! leaving a [`LayerReport`] as data requests do:
//!
//! 1. network — prj1's IP/VPC whitelist, binding the owner too;
//! 2. project status — a project that is not `normal` refuses everything, the owner included
//!    (4093, `Access Mode is AllDenied`);
//! 3. membership — owner, added user, or a tenant role added to the project (4002);
//! 4. standing — owner, Super_Administrator, Admin or plain member: the rows of the §2.3
//!    matrix;
//! 5. policy deny — the project policy's statements naming bob and the role policies of his
//!    roles (4011). The owner is bound by none; a Super_Administrator only by the project
//!    policy;
//! 6. allow sources — the standing when it is enough for the need, or, for what an Admin may
//!    do, an Allow of the project policy or of an admin-type role's policy; none → 4019.
//!
//! Like [`super::authorize`] this is a function of (request, catalog): it reads through a
//! [`Snapshot`] and never writes. `explain` renders its [`Response`]; the executor turns a
//! refusal into the error the statement fails with.

pub use super::action::Action;
use super::{
    describe_statement, network, policies, texts, Decision, DenyCode, Detail, Facts, Layer,
    LayerReport, Response, Snapshot, Verdict,
};
use crate::catalog::model::{Project, RoleType, User};
use crate::error::{Code, Result};
use crate::policy::{ConditionContext, Effect, PolicyKind};
use serde::Serialize;
use std::sync::Arc;

pub use super::rules::ManagementRule as Rule;
pub use super::standing::{Need, ProjectStatus, Standing};

/// The status key of a project's `properties`: kept with the project record, read by every
/// check of it.
pub const STATUS_PROPERTY: &str = "mcsec.project.status";

pub fn status_of(project: &Project) -> ProjectStatus {
    project
        .properties
        .get(STATUS_PROPERTY)
        .and_then(|s| ProjectStatus::from_keyword(s))
        .unwrap_or(ProjectStatus::Normal)
}

/// The project-status layer's report: `None` for a normal project, else the 4093 refusal.
pub(super) fn status_report(project: &Project) -> Option<LayerReport> {
    let status = status_of(project);
    if status == ProjectStatus::Normal {
        return None;
    }
    Some(LayerReport {
        layer: Layer::ProjectStatus,
        verdict: Verdict::Deny,
        detail: format!(
            "project {} is {}: access mode AllDenied",
            project.name,
            status.keyword()
        )
        .into(),
        rules: vec![super::rules::Rule::ProjectStatus {
            status: status.keyword(),
            project: project.name.clone(),
        }],
        code: Some(DenyCode::ProjectStatus),
        message: Some(texts::all_denied(&project.name)),
    })
}

/// One management statement's authorization question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManagementRequest {
    /// Canonical principal (`RAM$owner:bob`).
    pub principal: String,
    pub source_ip: String,
    /// The project acted on: the current one, or another (`grant ... on table prj2.t`).
    pub project: String,
    pub action: Action,
    /// The resource path after `acs:odps:*:` (`projects/prj1/authorization/users`,
    /// `projects/prj1/tables/t`).
    pub resource: String,
    pub need: Need,
    /// Unix seconds: policy conditions on `acs:CurrentTime`.
    pub now: i64,
}

impl ManagementRequest {
    pub fn arn(&self) -> String {
        format!("acs:odps:*:{}", self.resource)
    }
}


struct Evaluation<'a> {
    request: &'a ManagementRequest,
    snapshot: &'a Snapshot<'a, 'a>,
    project: Arc<Project>,
    user: Option<Arc<User>>,
    layers: Vec<LayerReport>,
    facts: Facts,
    /// Whether the layers' details and rules are written (for explain) or only the decision.
    explained: bool,
}

/// The membership layer for `principal` in `project` (`added`: it has a user record there).
fn membership_report(
    snapshot: &Snapshot<'_, '_>,
    project: &Project,
    principal: &str,
    added: bool,
) -> Result<LayerReport> {
    let report = |verdict, detail: String, rules| LayerReport {
        layer: Layer::Membership,
        verdict,
        detail: detail.into(),
        rules,
        code: None,
        message: None,
    };
    if project.owner == principal {
        return Ok(report(Verdict::Pass, "the project owner".into(), vec![]));
    }
    if added {
        return Ok(report(
            Verdict::Pass,
            "an added user of the project".into(),
            vec![],
        ));
    }
    let tenant_role = snapshot.tenant_roles()?.iter().find_map(|r| {
        (r.members.iter().any(|m| m == principal) && r.projects.iter().any(|p| p == &project.name))
            .then(|| r.name.clone())
    });
    Ok(match tenant_role {
        Some(role) => report(
            Verdict::Pass,
            format!("holds tenant role {role}, added to the project"),
            vec![super::rules::Rule::TenantRole {
                role,
                project: project.name.clone(),
            }],
        ),
        None => LayerReport {
            layer: Layer::Membership,
            verdict: Verdict::Deny,
            detail: "not the owner, not an added user, no tenant role of the project".into(),
            rules: vec![],
            code: Some(DenyCode::NotMember),
            message: Some(texts::not_member(&project.name)),
        },
    })
}

/// Whether `principal` may enter `project` from `source_ip` (`use <p>`, and every statement
/// run in it): the network, project-status and membership layers alone, with the principal's
/// standing there.
pub fn authorize_entry(
    principal: &str,
    source_ip: &str,
    project: &str,
    snapshot: &Snapshot<'_, '_>,
) -> Result<(Response, Standing)> {
    let project = snapshot
        .project(project)?
        .ok_or_else(|| super::project_not_found(project))?;
    let user = if project.owner == principal {
        None
    } else {
        snapshot.user(&project.name, principal)?
    };
    let (network, whitelist) = network::report(&project, source_ip);
    let mut layers = vec![network];
    layers.push(status_report(&project).unwrap_or_else(|| LayerReport {
        layer: Layer::ProjectStatus,
        verdict: Verdict::Pass,
        detail: format!("project {} is normal", project.name).into(),
        rules: vec![],
        code: None,
        message: None,
    }));
    layers.push(membership_report(
        snapshot,
        &project,
        principal,
        user.is_some(),
    )?);
    let member = layers
        .iter()
        .any(|l| l.layer == Layer::Membership && l.verdict != Verdict::Deny);
    let standing = if member {
        standing_of(&project, principal, user.as_deref())
    } else {
        Standing::NonMember
    };
    let deny = layers.iter().find(|l| l.verdict == Verdict::Deny);
    let response = Response {
        odps_code: deny.map(|_| Code::AccessDenied),
        decision: if deny.is_some() {
            Decision::Deny
        } else {
            Decision::Allow
        },
        code: deny.and_then(|l| l.code),
        message: deny.and_then(|l| l.message.clone()),
        deciding: super::Deciding { passing: false },
        facts: Facts {
            whitelist,
            ..Facts::default()
        },
        layers,
    };
    Ok((response, standing))
}

/// The built-in standing of `principal` in `project`, given its user record there.
pub fn standing_of(project: &Project, principal: &str, user: Option<&User>) -> Standing {
    let has = |role: &str| user.is_some_and(|u| u.roles.iter().any(|r| r == role));
    if project.owner == principal {
        Standing::Owner
    } else if has(super::SUPER_ADMINISTRATOR) {
        Standing::SuperAdministrator
    } else if has(super::ADMIN) {
        Standing::Admin
    } else {
        Standing::Member
    }
}

/// A tenant-level statement's question (§2.4): tenant users, tenant roles and their grants and
/// policies belong to the tenant's Alibaba Cloud account, whose own powers they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TenantRequest {
    pub principal: String,
    /// The tenant's account (`ALIYUN$owner`).
    pub account: String,
    pub action: Action,
    /// The resource path after `acs:odps:*:` (`tenants/owner/authorization/users`).
    pub resource: String,
}

/// Decides a tenant-level request: one standing layer, the tenant account or not.
pub fn authorize_tenant(request: &TenantRequest) -> Response {
    let allowed = request.principal == request.account;
    let layer = if allowed {
        LayerReport {
            layer: Layer::Standing,
            verdict: Verdict::Allow,
            detail: "the tenant's account".into(),
            rules: vec![super::rules::Rule::TenantAccount {
                account: request.account.clone(),
                held: true,
            }],
            code: None,
            message: None,
        }
    } else {
        LayerReport {
            layer: Layer::Standing,
            verdict: Verdict::Deny,
            detail: format!("only the tenant's account {} may run it", request.account).into(),
            rules: vec![super::rules::Rule::TenantAccount {
                account: request.account.clone(),
                held: false,
            }],
            code: Some(DenyCode::NoPrivilege),
            message: Some(texts::no_management_privilege(
                request.action.name(),
                &request.resource,
            )),
        }
    };
    Response {
        odps_code: (!allowed).then_some(Code::AccessDenied),
        decision: if allowed {
            Decision::Allow
        } else {
            Decision::Deny
        },
        code: layer.code,
        message: layer.message.clone(),
        deciding: super::Deciding { passing: false },
        layers: vec![layer],
        facts: Facts::default(),
    }
}

/// Decides a management request against the catalog the snapshot reads.
pub fn authorize_management(
    request: &ManagementRequest,
    snapshot: &Snapshot<'_, '_>,
) -> Result<Response> {
    evaluate(request, snapshot, true)
}

/// [`authorize_management`] for a statement that runs rather than is explained: the same
/// decision, code and refusal text, without the layers' details and rules (formatting them
/// would cost a statement of a long batch more than deciding it).
pub fn decide_management(
    request: &ManagementRequest,
    snapshot: &Snapshot<'_, '_>,
) -> Result<Response> {
    evaluate(request, snapshot, false)
}

fn evaluate(
    request: &ManagementRequest,
    snapshot: &Snapshot<'_, '_>,
    explained: bool,
) -> Result<Response> {
    let project = snapshot
        .project(&request.project)?
        .ok_or_else(|| super::project_not_found(&request.project))?;
    let user = if project.owner == request.principal {
        None
    } else {
        snapshot.user(&project.name, &request.principal)?
    };
    let mut evaluation = Evaluation {
        request,
        snapshot,
        project,
        user,
        layers: Vec::with_capacity(6),
        facts: Facts::default(),
        explained,
    };
    evaluation.run()?;
    Ok(evaluation.finish())
}

impl Evaluation<'_> {
    /// A layer's detail, written only when the response is explained.
    fn detail(&self, text: impl FnOnce() -> String) -> Detail {
        if self.explained {
            Detail::Owned(text())
        } else {
            Detail::Borrowed("")
        }
    }

    /// A layer's rules, written only when the response is explained.
    fn rules(&self, rules: impl FnOnce() -> Vec<super::rules::Rule>) -> Vec<super::rules::Rule> {
        if self.explained {
            rules()
        } else {
            Vec::new()
        }
    }

    fn report(
        &mut self,
        layer: Layer,
        verdict: Verdict,
        detail: impl Into<Detail>,
        rules: Vec<super::rules::Rule>,
    ) {
        self.layers
            .push(LayerReport::new(layer, verdict, detail, rules));
    }

    fn refuse(
        &mut self,
        layer: Layer,
        code: DenyCode,
        message: String,
        detail: impl Into<Detail>,
        rules: Vec<super::rules::Rule>,
    ) {
        self.layers
            .push(LayerReport::refusal(layer, code, message, detail, rules));
    }

    fn roles(&self) -> &[String] {
        self.user.as_deref().map_or(&[], |u| u.roles.as_slice())
    }

    fn standing(&self) -> Standing {
        standing_of(&self.project, &self.request.principal, self.user.as_deref())
    }

    fn run(&mut self) -> Result<()> {
        if self.explained {
            let (network, whitelist) = network::report(&self.project, &self.request.source_ip);
            self.facts.whitelist = whitelist;
            self.layers.push(network);
        } else if let network::Gate::Refused(_) =
            network::gate(&self.project, &self.request.source_ip)
        {
            let message = texts::not_whitelisted(&self.request.source_ip, &self.project.name);
            self.refuse(Layer::Network, DenyCode::Whitelist, message, "", vec![]);
        }
        match status_report(&self.project) {
            Some(report) => self.layers.push(report),
            None => {
                let detail = self.detail(|| format!("project {} is normal", self.project.name));
                self.report(Layer::ProjectStatus, Verdict::Pass, detail, vec![]);
            }
        }
        self.membership()?;
        let standing = self.standing();
        let need = self.request.need;
        let detail = self.detail(|| {
            format!(
                "{} of project {}; the statement needs {}",
                standing.words(),
                self.project.name,
                need.words()
            )
        });
        self.report(
            Layer::Standing,
            if need.satisfied_by(standing) {
                Verdict::Allow
            } else {
                Verdict::Pass
            },
            detail,
            vec![],
        );
        let deny = self.policy_deny(standing)?;
        self.allow_sources(standing, deny)
    }

    fn membership(&mut self) -> Result<()> {
        let report = membership_report(
            self.snapshot,
            &self.project,
            &self.request.principal,
            self.user.is_some(),
        )?;
        self.layers.push(report);
        Ok(())
    }

    fn condition_context(&self) -> ConditionContext<'static> {
        ConditionContext {
            source_ip: self.request.source_ip.trim().parse().ok(),
            current_time: self.request.now,
            task_type: "SQL",
            instance_id: None,
            secure_transport: true,
        }
    }

    /// The first policy statement of `effect` that speaks about the caller for this request:
    /// the project policy's statements naming it, then (unless `project_only`) the role
    /// policies of its roles; for an Allow, only admin-type roles count, the only ones that
    /// carry management permissions (§2.2).
    fn policy_match(
        &self,
        effect: Effect,
        project_only: bool,
    ) -> Result<Option<super::rules::Rule>> {
        if !self.project.settings.check_permission_using_policy {
            return Ok(None);
        }
        let arn = self.request.arn();
        let action = self.request.action.name();
        let ctx = self.condition_context();
        if let Some(doc) = self
            .project
            .policy
            .as_deref()
            .and_then(|t| policies::parsed(t, PolicyKind::Project))
        {
            for (i, s) in doc.statements.iter().enumerate() {
                if s.effect == effect
                    && s.matches_principal(&self.request.principal)
                    && s.matches(action, &arn, &ctx)
                {
                    return Ok(Some(describe_statement("policy project", i, s, &arn)));
                }
            }
        }
        if project_only {
            return Ok(None);
        }
        for role in self.roles() {
            let Some(text) = self.snapshot.role_policy(&self.project.name, role)? else {
                continue;
            };
            if effect == Effect::Allow {
                let admin_type = self
                    .snapshot
                    .role(&self.project.name, role)?
                    .is_some_and(|r| r.role_type == RoleType::Admin);
                if !admin_type {
                    continue;
                }
            }
            if let Some(doc) = policies::parsed(&text, PolicyKind::Role) {
                for (i, s) in doc.statements.iter().enumerate() {
                    if s.effect == effect && s.matches(action, &arn, &ctx) {
                        return Ok(Some(describe_statement(
                            &format!("policy role/{role}"),
                            i,
                            s,
                            &arn,
                        )));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Whether a deny matched.
    fn policy_deny(&mut self, standing: Standing) -> Result<bool> {
        if standing == Standing::Owner {
            self.report(
                Layer::PolicyDeny,
                Verdict::Bypassed,
                "policies do not apply to the project owner",
                vec![],
            );
            return Ok(false);
        }
        if !self.project.settings.check_permission_using_policy {
            self.report(
                Layer::PolicyDeny,
                Verdict::NotApplicable,
                "CheckPermissionUsingPolicy=false",
                vec![],
            );
            return Ok(false);
        }
        let project_only = standing == Standing::SuperAdministrator;
        match self.policy_match(Effect::Deny, project_only)? {
            Some(rule) => {
                let message = texts::management_denied_by_policy(
                    self.request.action.name(),
                    &self.request.resource,
                );
                let rules = self.rules(|| vec![Rule::PolicyDeny(Box::new(rule)).into()]);
                self.refuse(
                    Layer::PolicyDeny,
                    DenyCode::PolicyDeny,
                    message,
                    "an explicit policy deny matches",
                    rules,
                );
                Ok(true)
            }
            None => {
                self.report(
                    Layer::PolicyDeny,
                    Verdict::Pass,
                    "no policy deny statement matches",
                    vec![],
                );
                Ok(false)
            }
        }
    }

    fn allow_sources(&mut self, standing: Standing, denied: bool) -> Result<()> {
        let need = self.request.need;
        let project = self.project.name.clone();
        if standing == Standing::Owner {
            let rules = self.rules(|| vec![Rule::Owner { project }.into()]);
            self.report(
                Layer::AllowSources,
                Verdict::Allow,
                "the owner may run every management statement",
                rules,
            );
            return Ok(());
        }
        if need.satisfied_by(standing) {
            let rules = self.rules(|| vec![Rule::Standing { standing, need }.into()]);
            let detail = self.detail(|| format!("{} may run it", standing.words()));
            self.report(
                Layer::AllowSources,
                if denied {
                    Verdict::Pass
                } else {
                    Verdict::Allow
                },
                detail,
                rules,
            );
            return Ok(());
        }
        // What only the owner (or a Super_Administrator) may do cannot be delegated by policy.
        if need == Need::Admin && standing != Standing::SuperAdministrator {
            if let Some(rule) = self.policy_match(Effect::Allow, false)? {
                self.report(
                    Layer::AllowSources,
                    if denied {
                        Verdict::Pass
                    } else {
                        Verdict::Allow
                    },
                    "a policy allow grants what an Admin may do",
                    vec![Rule::PolicyAllow(Box::new(rule)).into()],
                );
                return Ok(());
            }
        }
        let rules = self.rules(|| vec![Rule::Matrix { standing, need }.into()]);
        let message =
            texts::no_management_privilege(self.request.action.name(), &self.request.resource);
        let detail = self.detail(|| {
            format!(
                "{} may not run it and no policy allows it",
                standing.words()
            )
        });
        self.refuse(
            Layer::AllowSources,
            DenyCode::NoPrivilege,
            message,
            detail,
            rules,
        );
        Ok(())
    }

    fn finish(self) -> Response {
        let deny = self.layers.iter().find(|l| l.verdict == Verdict::Deny);
        let (decision, code, message) = match deny {
            Some(layer) => (Decision::Deny, layer.code, layer.message.clone()),
            None => (Decision::Allow, None, None),
        };
        Response {
            odps_code: (decision == Decision::Deny).then_some(Code::AccessDenied),
            decision,
            code,
            message,
            deciding: super::Deciding { passing: false },
            layers: self.layers,
            facts: self.facts,
        }
    }
}
