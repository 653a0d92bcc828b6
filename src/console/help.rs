//! `help <keyword>;`: what a statement family is for, an example to type, then its grammar.
//!
//! `help grant;` finds every family whose statements can start with `grant` (role grants, ACL,
//! super privileges, label grants; `crate::grammar`), and prints for each its one-line summary,
//! a short explanation, a runnable example and the productions of `grammar/mcsec.ebnf`. The
//! explanations and examples live in [`TOPICS`], one per family; `tests/help_topics.rs` runs
//! every example on a sandbox tenant and checks that every family has one.

use crate::grammar;

/// A family's explanation and example: (family, explanation, example statements).
pub const TOPICS: &[(&str, &str, &str)] = &[
    ("users",
     "A project's members: the owner adds Alibaba Cloud accounts (ALIYUN$...) and RAM users (RAM$account:user) before they can do anything in it.",
     "add user RAM$owner:alice; list users; whoami;"),
    ("accountproviders",
     "Which kinds of account a project accepts; both Alibaba Cloud and RAM accounts are accepted from the start.",
     "list accountproviders;"),
    ("show_grants",
     "The grants a user or role holds, by authorization type (ACL, policy, implicit), optionally on one object.",
     "show grants for RAM$owner:bob;"),
    ("roles",
     "A role is a named set of privileges; admin-type roles can also manage the project.",
     "create role analyst; describe role analyst; list roles;"),
    ("role_grants",
     "Granting a role to a user gives the user every privilege of the role.",
     "grant worker to RAM$owner:bob; show grants for RAM$owner:bob;"),
    ("role_members",
     "Who holds a role, and which roles a user holds.",
     "show principals worker; show role grant user RAM$owner:bob;"),
    ("purge",
     "Grants stay behind when a role is dropped or a user removed; purge deletes them.",
     "remove user RAM$owner:bob; purge privs from user RAM$owner:bob;"),
    ("tenant",
     "Tenant users and tenant roles live above the projects; a tenant role is attached to the projects it applies in.",
     "add tenant user RAM$owner:dan; create tenant role reader; add tenant role reader to project prj; list tenant roles;"),
    ("groups",
     "Group principals are accepted by the grammar; the service documents no semantics for them.",
     "list groups;"),
    ("acl",
     "An ACL grant lets a user or role do actions (Select, Describe, CreateTable, ...) on one object, optionally on some columns or until an expiry.",
     "grant Select, Describe on table sale_detail to user RAM$owner:bob; show grants for RAM$owner:bob;"),
    ("super",
     "Super privileges apply to every object of a kind in the project.",
     "grant super Select to user RAM$owner:bob;"),
    ("show_acl",
     "Who may do what on one object.",
     "grant Select on table sale_detail to user RAM$owner:bob; show acl for sale_detail;"),
    ("policy",
     "A policy is a JSON document of Allow and Deny statements; a deny beats every allow. Read it with get policy, replace it from a file with put policy.",
     "get policy; get policy on role worker;"),
    ("labels",
     "Label security: a column's sensitivity level must not exceed the reader's access level (turn it on with set LabelSecurity=true).",
     "set LabelSecurity=true; set label 2 to table sale_detail(amount); set label 1 to user RAM$owner:bob;"),
    ("label_grants",
     "A label grant raises one user's access level on one table (or columns) for a number of days.",
     "set LabelSecurity=true; set label 2 to table sale_detail(amount); grant label 2 on table sale_detail(amount) to user RAM$owner:bob with exp 7; show label grants for user RAM$owner:bob;"),
    ("describe_table",
     "A table's owner, columns and their labels.",
     "describe sale_detail;"),
    ("packages",
     "A package shares objects of one project with other projects: create it, add objects, allow a project to install it, and install it there.",
     "create package share; add table sale_detail to package share; allow project prj2 to install package share; describe package share;"),
    ("settings",
     "Security switches (set ProjectProtection=true, set LabelSecurity=true, ...) and project properties (setproject, e.g. the IP whitelist); any dotted key is a session flag.",
     "set ObjectCreatorHasGrantPermission=false; setproject odps.security.enabledownloadprivilege=true; show SecurityConfiguration;"),
    ("trusted_projects",
     "With project protection on, data may still flow to a trusted project.",
     "add trustedproject prj2; list trustedprojects;"),
    ("projects",
     "Sandbox statements: make projects, choose the current one, act as another principal (and from another address).",
     "create project prj3; use prj3; login RAM$owner:bob from 10.0.0.5; whoami;"),
    ("tables",
     "Sandbox statements: tables to grant on and read from.",
     "create table orders (id bigint, city string); drop table orders;"),
    ("data",
     "Sandbox statements: write and read rows, copy tables, download as CSV; each is authorized as the service would.",
     "insert into sale_detail values ('s1', 10); select * from sale_detail;"),
    ("functions",
     "Functions and the resources (jars, files) they use.",
     "add jar udf.jar; create function f as 'com.example.F' using 'udf.jar';"),
    ("explain",
     "How the authorizer decides a statement, as a principal and from an address, layer by layer, with the ways to change the outcome; it changes nothing.",
     "explain for RAM$owner:bob select * from sale_detail;"),
    ("workspaces",
     "A sandbox extension modelling DataWorks: a workspace is one project (basic mode) or a production project and its _dev project (standard mode), with the role_project_* roles DataWorks creates.",
     "create workspace shop mode standard scheduler RAM$owner:sched; list roles;"),
    ("diagnose",
     "A security check of a project or of the whole tenant: each finding has a risk level, what was found, why it matters, and the statements that fix it.",
     "diagnose project prj; diagnose tenant min risk high;"),
    ("outflow",
     "Every way data of a project can leave it (trusted projects, exception policies, packages, downloads), each as a chain from a reader to where the data lands.",
     "set ProjectProtection=true; add trustedproject prj2; show outflow paths from project prj;"),
    ("effective",
     "Every right the authorizer would allow now — for a user, or on an object for everyone — each with where it comes from (a direct grant, a role, a policy, a package, Admin, the owner...).",
     "grant Select on table sale_detail to user RAM$owner:bob; show effective grants for RAM$owner:bob;"),
    ("check",
     "The authorizer's decision on a statement, as a principal and from an address, without running it: ALLOW, or DENY with the code, and the rule that decided.",
     "check for RAM$owner:bob select * from sale_detail;"),
    ("snapshots",
     "A sandbox extension: save the whole tenant under a name and restore it later, to reset a lesson in a second.",
     "snapshot save start; add user RAM$owner:amy; snapshot restore start; list snapshots;"),
    ("access_keys",
     "A sandbox extension for mcsec serve: an access key signs a client's requests as its principal. The secret is printed once, at creation.",
     "create accesskey for RAM$owner:bob; list accesskeys for RAM$owner:bob;"),
    ("audit",
     "Every statement, from any front end, leaves one record: when, who, from where, in which project, the statement, its outcome and the rule that decided. Only the tenant account reads the trail; a retention setting prunes it.",
     "add user RAM$owner:amy; show audit for user ALIYUN$owner limit 3; alter tenant set audit retention 365 days;"),
    ("survey",
     "The account survey: accounts per project by kind, discarded accounts and what they still hold, tasks per account, accounts seen from many addresses, downloads.",
     "survey project prj; survey tenant;"),
    ("project_status",
     "A project's platform status; overdue or frozen refuses every request (4093) until it is normal again.",
     "alter project prj set status frozen; alter project prj set status normal;"),
];

/// The statements `help <topic>` examples run after (`tests/help_topics.rs`): a project `prj`
/// with a table, a user and a role, and a second project `prj2`.
pub const EXAMPLE_SETUP: &str = "create project prj; create project prj2; use prj; \
    create table sale_detail (shop string, amount bigint); add user RAM$owner:bob; \
    create role worker;";

fn topic(family: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    TOPICS.iter().find(|(name, _, _)| *name == family)
}

/// The text of `help <keyword>;`, or `None` when no statement starts with `keyword`.
pub fn topic_text(keyword: &str) -> Option<String> {
    let keyword = keyword.trim().to_ascii_lowercase();
    let mut out = String::new();
    for family in grammar::parsed_families() {
        if !(family.starts.contains(&keyword.as_str()) || family.name == keyword) {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("{}: {}\n", family.name, family.summary));
        if let Some((_, explanation, example)) = topic(family.name) {
            out.push_str(&format!("  {explanation}\n  Example:\n    {example}\n"));
        }
        out.push_str("  Syntax:\n");
        for line in family.productions.lines() {
            out.push_str(&format!("    {line}\n"));
        }
    }
    (!out.is_empty()).then_some(out)
}
