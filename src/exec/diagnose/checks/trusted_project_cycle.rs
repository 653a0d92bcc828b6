//! Projects that trust each other in a cycle form one protection domain: data of any of them
//! may reach all of them, usually more than anyone meant.
//!
//! prj1 trusting prj2 and prj2 trusting prj1: the search from prj1 walks prj1 → prj2 → prj1,
//! reports the cycle once (the same set of projects from prj2 is not reported again) and
//! removes its first edge.

use super::super::{fix_in, ident, Report, Tenant};
use std::collections::BTreeSet;

pub fn run(t: &Tenant<'_, '_>, out: &mut Vec<Report>) {
    let mut reported: BTreeSet<Vec<String>> = BTreeSet::new();
    for p in &t.projects {
        let start = p.name().to_string();
        // Depth-first over trust edges from `start`; a path back to it is a cycle.
        let mut stack: Vec<Vec<String>> = vec![vec![start.clone()]];
        // Bounded: dense trust graphs have very many simple paths, and one cycle through a
        // project is enough to report it.
        let mut budget = 10_000usize;
        while let Some(path) = stack.pop() {
            budget = budget.saturating_sub(1);
            if budget == 0 {
                break;
            }
            let Some(last) = path.last() else { continue };
            let Some(project) = t.all_projects.get(last) else {
                continue;
            };
            for next in &project.trusted_projects {
                if *next == start {
                    let mut key = path.clone();
                    key.sort();
                    if reported.insert(key) {
                        let mut cycle = path.clone();
                        cycle.push(start.clone());
                        out.push(Report {
                            object: format!("project {start}"),
                            found: format!("trust runs in a cycle: {}", cycle.join(" → ")),
                            why: "every project of the cycle may receive the data of every other, so protection of any one of them protects nothing from the rest".into(),
                            // Breaking the cycle's first edge breaks the cycle.
                            fix: fix_in(&start, [format!("remove trustedproject {}", ident(path.get(1).unwrap_or(&start)))]),
                        });
                    }
                } else if !path.contains(next) && path.len() < 16 {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push(longer);
                }
            }
        }
    }
}
