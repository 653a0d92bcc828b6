//! In a protected project the owner decides who reads what; with
//! ObjectCreatorHasGrantPermission every creator of a table decides for it instead.
//!
//! `set ProjectProtection=true` with the creator switch at its default is reported with `set
//! ObjectCreatorHasGrantPermission=false;`.

use super::super::{fix_in, Report, Tenant};

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    for p in &t.projects {
        let s = &p.project.settings;
        if s.project_protection && s.object_creator_has_grant_permission {
            out.push(Report {
                object: format!("project {}", p.name()),
                found: format!("project {} is protected and ObjectCreatorHasGrantPermission is on", p.name()),
                why: "any member who creates a table may grant it to anyone without an administrator, which undercuts the control protection is meant to give".into(),
                fix: fix_in(p.name(), ["set ObjectCreatorHasGrantPermission=false".to_string()]),
            });
        }
    }
}
