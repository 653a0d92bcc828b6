//! Canonical text of every AST node (`impl Display`).
//!
//! `Grant { privileges: [Select(shop_name)], object: table sale_detail, grantees: [user
//! RAM$owner:bob] }` prints as `grant Select(shop_name) on table sale_detail to user
//! RAM$owner:bob`: keywords lower-case, action names in their documented spelling, every
//! principal with its kind keyword, the optional parts only when present, no trailing `;`
//! (`fmt` adds it). Names are printed bare when the lexer would read them back as the same
//! single word and they are not keywords; otherwise they are backticked. Strings are
//! single-quoted with backslash escapes; `privilegeproperties` pairs keep the documented
//! double quotes. Raw texts the parser keeps as written (`set` values, `with locations`,
//! `setproject` values) are printed as they came, so `parse → print → parse` is the identity.

use std::fmt::{self, Display, Formatter, Write};

mod audit;

use crate::ast::*;
use crate::lexer::{is_keyword, Lexer, Token, TokenKind};

/// The tokens of `s` when it lexes cleanly, else `None`.
fn lex_all(s: &str) -> Option<Vec<Token>> {
    Lexer::new(s).collect::<Result<Vec<_>, _>>().ok()
}

/// True when `s` reads back as exactly one word (or number) covering all of it.
fn is_single_word(s: &str) -> bool {
    let mut lexer = Lexer::new(s);
    match (lexer.next(), lexer.next()) {
        (Some(Ok(t)), None) => {
            matches!(t.kind, TokenKind::Word | TokenKind::Number)
                && t.start == 0
                && t.end as usize == s.len()
        }
        _ => false,
    }
}

/// A name: bare when safe, else `` `backticked` ``.
pub struct Ident<'a>(pub &'a str);

impl Display for Ident<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if is_single_word(self.0) && !is_keyword(self.0) {
            f.write_str(self.0)
        } else {
            backticked(f, self.0)
        }
    }
}

fn backticked(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('`')?;
    f.write_str(&s.replace('`', "``"))?;
    f.write_char('`')
}

/// A name that may be the wildcard `*`.
struct NameOrStar<'a>(&'a str);

impl Display for NameOrStar<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.0 == "*" {
            f.write_char('*')
        } else {
            Ident(self.0).fmt(f)
        }
    }
}

/// A principal's name. RAM role names (`RAM$acct:role/name`) are always backticked, as the
/// documentation requires.
struct PrincipalName<'a>(&'a str);

impl Display for PrincipalName<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if !self.0.contains('/') && is_single_word(self.0) && !is_keyword(self.0) {
            f.write_str(self.0)
        } else {
            backticked(f, self.0)
        }
    }
}

/// A principal's name as a statement must spell it (backticked when it would not read back).
pub fn principal_name(name: &str) -> String {
    PrincipalName(name).to_string()
}

/// True when the parser's "touching tokens" rule reads `s` back whole: `udtf.jar`,
/// `./p/policy.json`, `fe80::1`.
fn is_glued_word(s: &str) -> bool {
    let Some(toks) = lex_all(s) else { return false };
    let (Some(first), Some(last)) = (toks.first(), toks.last()) else {
        return false;
    };
    if first.start != 0 || last.end as usize != s.len() || (toks.len() == 1 && is_keyword(s)) {
        return false;
    }
    let gluable = |t: &Token| match t.kind {
        TokenKind::Word | TokenKind::Number => true,
        TokenKind::Punct(c) => matches!(
            c,
            '.' | ':' | '/' | '-' | '@' | '$' | '*' | '~' | '\\' | '+' | '%' | '#'
        ),
        _ => false,
    };
    toks.iter().all(gluable) && toks.windows(2).all(|w| w[0].end == w[1].start)
}

/// A resource / package-object name: bare when it reads back whole, else backticked.
struct ResourceName<'a>(&'a str);

impl Display for ResourceName<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if is_glued_word(self.0) {
            f.write_str(self.0)
        } else {
            backticked(f, self.0)
        }
    }
}

/// A file path or address: bare when it reads back whole, else single-quoted.
struct PathText<'a>(&'a str);

impl Display for PathText<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // A bare path opening with `.` after a table name would read back as the rest of the
        // name (`tunnel download t .a` is table `t.a` with no path).
        if is_glued_word(self.0) && !self.0.starts_with('.') {
            f.write_str(self.0)
        } else {
            Quoted(self.0, '\'').fmt(f)
        }
    }
}

/// A string literal in the given quote, with backslash escapes.
pub struct Quoted<'a>(pub &'a str, pub char);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char(self.1)?;
        for c in self.0.chars() {
            match c {
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                '\t' => f.write_str("\\t")?,
                '\r' => f.write_str("\\r")?,
                '\0' => f.write_str("\\0")?,
                c if c == self.1 => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char(self.1)
    }
}

fn single(s: &str) -> Quoted<'_> {
    Quoted(s, '\'')
}

/// `a, b, c` with each item printed by `item`.
fn list<T>(
    f: &mut Formatter<'_>,
    items: &[T],
    item: impl Fn(&mut Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (n, x) in items.iter().enumerate() {
        if n > 0 {
            f.write_str(", ")?;
        }
        item(f, x)?;
    }
    Ok(())
}

fn columns(f: &mut Formatter<'_>, cols: &Option<Vec<String>>) -> fmt::Result {
    if let Some(cols) = cols {
        f.write_str(" (")?;
        list(f, cols, |f, c| Ident(c).fmt(f))?;
        f.write_char(')')?;
    }
    Ok(())
}

fn principals(f: &mut Formatter<'_>, ps: &[Principal]) -> fmt::Result {
    list(f, ps, |f, p| p.fmt(f))
}

fn actions(f: &mut Formatter<'_>, names: &[String]) -> fmt::Result {
    list(f, names, |f, n| Action(n).fmt(f))
}

/// An action name: bare when it is one word and either a documented action (keywords included:
/// `Select`, `Drop`) or not a keyword, else backticked. A keyword that is not an action would
/// read back as syntax: `revoke role on ...` is a role revoke, `grant label on ...` a label
/// grant, `with using using label 1` loses the privilege.
struct Action<'a>(&'a str);

impl Display for Action<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let documented = crate::parser::ACTIONS.contains(&self.0);
        if is_single_word(self.0) && (documented || !is_keyword(self.0)) {
            f.write_str(self.0)
        } else {
            backticked(f, self.0)
        }
    }
}

fn properties(f: &mut Formatter<'_>, props: &Properties) -> fmt::Result {
    if props.is_empty() {
        return Ok(());
    }
    f.write_str(" privilegeproperties(")?;
    list(f, props, |f, (k, v)| {
        write!(f, "{}={}", Quoted(k, '"'), Quoted(v, '"'))
    })?;
    f.write_char(')')
}

fn tenant(f: &mut Formatter<'_>, tenant: bool) -> fmt::Result {
    if tenant {
        f.write_str("tenant ")?;
    }
    Ok(())
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let Some(project) = &self.project else {
            return NameOrStar(&self.name).fmt(f);
        };
        qualified(f, project, &self.name)
    }
}

/// `<project>.<name>`. The parts may each read back as one word yet fuse when joined by `.`:
/// `123.456x` lexes as a number, `a$.t` as one principal word. Then both parts are backticked.
fn qualified(f: &mut Formatter<'_>, project: &str, name: &str) -> fmt::Result {
    let bare = format!("{}.{}", NameOrStar(project), NameOrStar(name));
    if lex_all(&bare).is_some_and(|tokens| tokens.len() == 3) {
        f.write_str(&bare)
    } else {
        backticked(f, project)?;
        f.write_char('.')?;
        backticked(f, name)
    }
}

impl Display for PrincipalKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
            PrincipalKind::TenantUser => "tenant user",
            PrincipalKind::TenantRole => "tenant role",
            PrincipalKind::Group => "group",
            PrincipalKind::TenantGroup => "tenant group",
        })
    }
}

impl Display for Principal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.kind {
            PrincipalKind::User | PrincipalKind::TenantUser => {
                write!(f, "{} {}", self.kind, PrincipalName(&self.name))
            }
            _ => write!(f, "{} {}", self.kind, Ident(&self.name)),
        }
    }
}

impl Display for ObjectType {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl Display for ResourceKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Jar => "jar",
            ResourceKind::File => "file",
            ResourceKind::Archive => "archive",
            ResourceKind::Py => "py",
        })
    }
}

impl Display for Privilege {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Action(&self.name).fmt(f)?;
        if let Some(cols) = &self.columns {
            f.write_char('(')?;
            list(f, cols, |f, c| Ident(c).fmt(f))?;
            f.write_char(')')?;
        }
        Ok(())
    }
}

impl Display for GrantObject {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.kind)?;
        if self.kind == ObjectType::Resource && self.name.project.is_none() {
            ResourceName(&self.name.name).fmt(f)?;
        } else {
            self.name.fmt(f)?;
        }
        columns(f, &self.columns)?;
        if let Some(spec) = &self.partition {
            f.write_str(" partition (")?;
            list(f, spec, |f, (k, v)| write!(f, "{}={}", Ident(k), single(v)))?;
            f.write_char(')')?;
        }
        Ok(())
    }
}

impl Display for GrantStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("grant ")?;
        list(f, &self.privileges, |f, p| p.fmt(f))?;
        write!(f, " on {} to ", self.object)?;
        principals(f, &self.grantees)?;
        properties(f, &self.properties)?;
        if self.with_grant_option {
            f.write_str(" with grant option")?;
        }
        Ok(())
    }
}

impl Display for RevokeStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("revoke ")?;
        list(f, &self.privileges, |f, p| p.fmt(f))?;
        write!(f, " on {} from ", self.object)?;
        principals(f, &self.grantees)?;
        properties(f, &self.properties)
    }
}

/// Prints the grant form; `RevokeRoles` prints through [`role_grant`] with `from`.
impl Display for RoleGrantStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        role_grant(f, self, "grant", "to")
    }
}

fn role_grant(f: &mut Formatter<'_>, g: &RoleGrantStmt, verb: &str, prep: &str) -> fmt::Result {
    write!(f, "{verb} ")?;
    if g.tenant {
        f.write_str("tenant role ")?;
    }
    list(f, &g.roles, |f, r| Ident(r).fmt(f))?;
    write!(f, " {prep} ")?;
    principals(f, &g.principals)
}

impl Display for ShowGrantsStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("show grants")?;
        if let Some(p) = &self.principal {
            write!(f, " for {p}")?;
        }
        if let Some(t) = &self.on_type {
            write!(f, " on type {t}")?;
        }
        if let Some(o) = &self.on_object {
            write!(f, " on {o}")?;
        }
        properties(f, &self.properties)
    }
}

fn table_and_columns(
    f: &mut Formatter<'_>,
    table: &ObjectName,
    cols: &Option<Vec<String>>,
) -> fmt::Result {
    write!(f, "table {table}")?;
    columns(f, cols)
}

impl Display for LabelTarget {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            LabelTarget::User(p) => write!(f, "user {}", PrincipalName(&p.name)),
            LabelTarget::Role(r) => write!(f, "role {}", Ident(r)),
            LabelTarget::Table { table, columns } => table_and_columns(f, table, columns),
        }
    }
}

impl Display for SetLabelStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.unset {
            "unset label"
        } else {
            "set label"
        })?;
        if let Some(level) = self.level {
            write!(f, " {level}")?;
        }
        write!(f, " to {}", self.target)
    }
}

impl Display for GrantLabelStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "grant label {} on ", self.level)?;
        table_and_columns(f, &self.table, &self.columns)?;
        write!(f, " to {}", self.grantee)?;
        if let Some(days) = self.exp_days {
            write!(f, " with exp {days}")?;
        }
        Ok(())
    }
}

impl Display for RevokeLabelStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("revoke label on ")?;
        table_and_columns(f, &self.table, &self.columns)?;
        write!(f, " from {}", self.grantee)
    }
}

impl Display for ShowLabelGrantsStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("show label")?;
        if let Some(level) = self.level {
            write!(f, " {level}")?;
        }
        f.write_str(" grants")?;
        if let Some(table) = &self.table {
            f.write_str(" on ")?;
            table_and_columns(f, table, &self.columns)?;
        }
        if let Some(p) = &self.principal {
            write!(f, " for user {}", PrincipalName(&p.name))?;
        }
        properties(f, &self.properties)
    }
}

impl Display for AddToPackageStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "add {} {} to package {}",
            self.kind,
            ResourceName(&self.object),
            Ident(&self.package)
        )?;
        if let Some(privs) = &self.privileges {
            f.write_str(" with privileges ")?;
            actions(f, privs)?;
        }
        Ok(())
    }
}

impl Display for AllowInstallStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "allow project {} to install package {}",
            NameOrStar(&self.project),
            Ident(&self.package)
        )?;
        if let Some(privs) = &self.privileges {
            f.write_str(" with ")?;
            actions(f, privs)?;
        }
        if let Some(label) = self.label {
            write!(f, " using label {label}")?;
        }
        if let Some(days) = self.exp_days {
            write!(f, " exp {days}")?;
        }
        Ok(())
    }
}

impl Display for SetStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "set {}={}", self.key, self.value)?;
        if let Some(file) = &self.exception_file {
            write!(f, " with exception {}", PathText(file))?;
        }
        if let Some(locations) = &self.locations {
            write!(f, " with locations {locations}")?;
        }
        Ok(())
    }
}

impl Display for ColumnDef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", Ident(&self.name), self.data_type)
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => f.write_str(n),
            Literal::String(s) => single(s).fmt(f),
        }
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("select ")?;
        match &self.columns {
            None => f.write_char('*')?,
            Some(cols) => list(f, cols, |f, c| Ident(c).fmt(f))?,
        }
        write!(f, " from {}", self.from)
    }
}

impl Display for CreateProjectStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let guard = if self.if_not_exists { "if not exists " } else { "" };
        write!(f, "create project {guard}{}", Ident(&self.name))?;
        if let Some(owner) = &self.owner {
            write!(f, " owner {}", PrincipalName(&owner.name))?;
        }
        if let Some(c) = &self.comment {
            write!(f, " comment {}", single(c))?;
        }
        Ok(())
    }
}

impl Display for ShowEffectiveGrantsStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("show effective grants")?;
        if let Some(p) = &self.principal {
            write!(f, " for {p}")?;
        }
        if let Some(o) = &self.object {
            write!(f, " on {o}")?;
        }
        if let Some(p) = &self.project {
            write!(f, " in project {}", Ident(p))?;
        }
        Ok(())
    }
}

impl Display for ExplainStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("explain")?;
        if let Some(p) = &self.principal {
            write!(f, " for user {}", PrincipalName(&p.name))?;
        }
        if let Some(ip) = &self.source_ip {
            write!(f, " from {}", PathText(ip))?;
        }
        write!(f, " {}", self.statement)
    }
}

/// A `setproject` value: as written when it reads back unchanged, else in double quotes.
struct SetProjectValue<'a>(&'a str);

impl Display for SetProjectValue<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let probe = format!("setproject k={}", self.0);
        let reads_back = matches!(
            crate::parser::parse_statement(&probe, "", 1, 1),
            Ok(Statement::SetProject { pairs }) if pairs.len() == 1 && pairs[0].1 == self.0
        );
        if reads_back {
            f.write_str(self.0)
        } else {
            write!(f, "\"{}\"", self.0)
        }
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use Statement as S;
        match self {
            S::AddUser { principal, comment } => {
                write!(f, "add user {}", PrincipalName(&principal.name))?;
                if let Some(c) = comment {
                    write!(f, " comment {}", single(c))?;
                }
                Ok(())
            }
            S::RemoveUser { principal } => {
                write!(f, "remove user {}", PrincipalName(&principal.name))
            }
            S::ListUsers => f.write_str("list users"),
            S::Whoami => f.write_str("whoami"),
            S::ShowGrants(s) => s.fmt(f),
            S::AddAccountProvider { provider } => {
                write!(f, "add accountprovider {}", Ident(provider))
            }
            S::RemoveAccountProvider { provider } => {
                write!(f, "remove accountprovider {}", Ident(provider))
            }
            S::ListAccountProviders => f.write_str("list accountproviders"),
            S::CreateRole {
                tenant: t,
                name,
                properties: props,
            } => {
                f.write_str("create ")?;
                tenant(f, *t)?;
                write!(f, "role {}", Ident(name))?;
                properties(f, props)
            }
            S::DropRole { tenant: t, name } => {
                f.write_str("drop ")?;
                tenant(f, *t)?;
                write!(f, "role {}", Ident(name))
            }
            S::DescribeRole { tenant: t, name } => {
                f.write_str("describe ")?;
                tenant(f, *t)?;
                write!(f, "role {}", Ident(name))
            }
            S::ListRoles { tenant: t } => {
                f.write_str("list ")?;
                tenant(f, *t)?;
                f.write_str("roles")
            }
            S::GrantRoles(g) => role_grant(f, g, "grant", "to"),
            S::RevokeRoles(g) => role_grant(f, g, "revoke", "from"),
            S::PurgePrivs { principals: ps } => {
                f.write_str("purge privs from ")?;
                principals(f, ps)
            }
            S::ShowPrincipals { tenant: t, role } => {
                f.write_str("show principals for ")?;
                tenant(f, *t)?;
                write!(f, "role {}", Ident(role))
            }
            S::ShowRoleGrant { principal } => write!(f, "show role grant {principal}"),
            S::AddTenantUser { principal } => {
                write!(f, "add tenant user {}", PrincipalName(&principal.name))
            }
            S::RemoveTenantUser { principal } => {
                write!(f, "remove tenant user {}", PrincipalName(&principal.name))
            }
            S::ListTenantUsers => f.write_str("list tenant users"),
            S::AddTenantRoleToProject { role, project } => {
                write!(
                    f,
                    "add tenant role {} to project {}",
                    Ident(role),
                    Ident(project)
                )
            }
            S::RemoveTenantRoleFromProject { role, project } => {
                write!(
                    f,
                    "remove tenant role {} from project {}",
                    Ident(role),
                    Ident(project)
                )
            }
            S::AddGroup { tenant: t, name } => {
                f.write_str("add ")?;
                tenant(f, *t)?;
                write!(f, "group {}", Ident(name))
            }
            S::RemoveGroup { tenant: t, name } => {
                f.write_str("remove ")?;
                tenant(f, *t)?;
                write!(f, "group {}", Ident(name))
            }
            S::ListGroups { tenant: t, user } => {
                f.write_str("list ")?;
                tenant(f, *t)?;
                f.write_str("groups")?;
                if let Some(u) = user {
                    write!(f, " for user {}", PrincipalName(&u.name))?;
                }
                Ok(())
            }
            S::Grant(g) => g.fmt(f),
            S::Revoke(r) => r.fmt(f),
            S::GrantSuper {
                privileges,
                grantees,
            } => {
                f.write_str("grant super ")?;
                actions(f, privileges)?;
                f.write_str(" to ")?;
                principals(f, grantees)
            }
            S::RevokeSuper {
                privileges,
                grantees,
            } => {
                f.write_str("revoke super ")?;
                actions(f, privileges)?;
                f.write_str(" from ")?;
                principals(f, grantees)
            }
            S::ShowAcl { object, on_type } => {
                match (&object.project, on_type) {
                    (None, Some(ObjectType::Resource)) => {
                        write!(f, "show acl for {}", ResourceName(&object.name))?
                    }
                    _ => write!(f, "show acl for {object}")?,
                }
                if let Some(t) = on_type {
                    write!(f, " on type {t}")?;
                }
                Ok(())
            }
            S::GetPolicy { role, tenant_role } => {
                f.write_str("get policy")?;
                policy_role(f, role, *tenant_role)
            }
            S::PutPolicy {
                file,
                role,
                tenant_role,
            } => {
                write!(f, "put policy {}", PathText(file))?;
                policy_role(f, role, *tenant_role)
            }
            S::GetSecurityPolicy => f.write_str("get security policy"),
            S::PutSecurityPolicy { file } => write!(f, "put security policy {}", PathText(file)),
            S::SetLabel(s) => s.fmt(f),
            S::GrantLabel(g) => g.fmt(f),
            S::RevokeLabel(r) => r.fmt(f),
            S::ClearExpiredGrants => f.write_str("clear expired grants"),
            S::ShowLabelGrants(s) => s.fmt(f),
            S::DescribeTable { table } => write!(f, "describe {table}"),
            S::CreatePackage { name } => write!(f, "create package {}", Ident(name)),
            S::DropPackage { name } => write!(f, "drop package {}", Ident(name)),
            S::AddToPackage(a) => a.fmt(f),
            S::RemoveFromPackage {
                kind,
                object,
                package,
            } => {
                write!(
                    f,
                    "remove {kind} {} from package {}",
                    ResourceName(object),
                    Ident(package)
                )
            }
            S::AllowInstall(a) => a.fmt(f),
            S::DisallowInstall { project, package } => {
                write!(
                    f,
                    "disallow project {} to install package {}",
                    NameOrStar(project),
                    Ident(package)
                )
            }
            S::InstallPackage { project, package } => {
                f.write_str("install package ")?;
                qualified(f, project, package)
            }
            S::UninstallPackage { project, package } => {
                f.write_str("uninstall package ")?;
                qualified(f, project, package)
            }
            S::ShowPackages { properties: props } => {
                f.write_str("show packages")?;
                properties(f, props)
            }
            S::DescribePackage { project, name } => {
                f.write_str("describe package ")?;
                if let Some(p) = project {
                    write!(f, "{}.", Ident(p))?;
                }
                Ident(name).fmt(f)
            }
            S::ShowPackageItems { project, on_type } => {
                f.write_str("show package items")?;
                if let Some(p) = project {
                    write!(f, " from {}", Ident(p))?;
                }
                if let Some(t) = on_type {
                    write!(f, " on type {t}")?;
                }
                Ok(())
            }
            S::Set(s) => s.fmt(f),
            S::SetProject { pairs } => {
                f.write_str("setproject")?;
                for (k, v) in pairs {
                    write!(f, " {k}={}", SetProjectValue(v))?;
                }
                Ok(())
            }
            S::ShowSecurityConfiguration => f.write_str("show securityconfiguration"),
            S::AddTrustedProject { project } => write!(f, "add trustedproject {}", Ident(project)),
            S::RemoveTrustedProject { project } => {
                write!(f, "remove trustedproject {}", Ident(project))
            }
            S::ListTrustedProjects => f.write_str("list trustedprojects"),
            S::CreateProject(c) => c.fmt(f),
            S::DropProject { name, if_exists } => {
                let guard = if *if_exists { "if exists " } else { "" };
                write!(f, "drop project {guard}{}", Ident(name))
            }
            S::SetProjectStatus { project, status } => write!(
                f,
                "alter project {} set status {}",
                Ident(project),
                status.keyword()
            ),
            S::ListProjects => f.write_str("list projects"),
            S::Use { project } => write!(f, "use {}", Ident(project)),
            S::Login {
                principal,
                source_ip,
            } => {
                write!(f, "login {}", PrincipalName(&principal.name))?;
                if let Some(ip) = source_ip {
                    write!(f, " from {}", PathText(ip))?;
                }
                Ok(())
            }
            S::CreateAccessKey { principal } | S::ListAccessKeys { principal } => {
                f.write_str(if matches!(self, S::CreateAccessKey { .. }) {
                    "create accesskey"
                } else {
                    "list accesskeys"
                })?;
                match principal {
                    Some(p) => write!(f, " for {}", PrincipalName(&p.name)),
                    None => Ok(()),
                }
            }
            S::DropAccessKey { target } => match target {
                crate::ast::AccessKeyTarget::Id(id) => write!(f, "drop accesskey {}", Ident(id)),
                crate::ast::AccessKeyTarget::Of(p) => {
                    write!(f, "drop accesskeys for {}", PrincipalName(&p.name))
                }
            },
            S::CreateTable {
                table,
                columns: cols,
                if_not_exists,
            } => {
                let guard = if *if_not_exists { "if not exists " } else { "" };
                write!(f, "create table {guard}{table} (")?;
                list(f, cols, |f, c| c.fmt(f))?;
                f.write_char(')')
            }
            S::CreateTableAs { table, query } => write!(f, "create table {table} as {query}"),
            S::DropTable { table, if_exists } => {
                let guard = if *if_exists { "if exists " } else { "" };
                write!(f, "drop table {guard}{table}")
            }
            S::InsertValues { table, rows } => {
                write!(f, "insert into {table} values ")?;
                list(f, rows, |f, row| {
                    f.write_char('(')?;
                    list(f, row, |f, v| v.fmt(f))?;
                    f.write_char(')')
                })
            }
            S::InsertSelect {
                overwrite,
                table,
                query,
            } => {
                let verb = if *overwrite { "overwrite" } else { "into" };
                write!(f, "insert {verb} table {table} {query}")
            }
            S::Select(q) => q.fmt(f),
            S::TunnelDownload { table, path } => {
                write!(f, "tunnel download {table} {}", PathText(path))
            }
            S::CreateFunction {
                name,
                class,
                resources,
            } => {
                write!(
                    f,
                    "create function {name} as {} using {}",
                    single(class),
                    single(&resources.join(","))
                )
            }
            S::DropFunction { name } => write!(f, "drop function {name}"),
            S::AddResource {
                kind,
                name,
                comment,
            } => {
                write!(f, "add {kind} {}", ResourceName(name))?;
                if let Some(c) = comment {
                    write!(f, " comment {}", single(c))?;
                }
                Ok(())
            }
            S::DropResource { name } => write!(f, "drop resource {}", ResourceName(name)),
            S::Explain(e) => e.fmt(f),
            S::CreateWorkspace(w) => w.fmt(f),
            S::Diagnose { scope, min_risk } => {
                f.write_str("diagnose")?;
                match scope {
                    DiagnoseScope::Default => {}
                    DiagnoseScope::Project(p) => write!(f, " project {}", Ident(p))?,
                    DiagnoseScope::Tenant => f.write_str(" tenant")?,
                }
                if *min_risk != RiskLevel::Low {
                    write!(f, " min risk {}", min_risk.keyword())?;
                }
                Ok(())
            }
            S::ShowOutflowPaths { project } => {
                f.write_str("show outflow paths")?;
                if let Some(p) = project {
                    write!(f, " from project {}", Ident(p))?;
                }
                Ok(())
            }
            S::ShowEffectiveGrants(e) => e.fmt(f),
            S::Check(e) => {
                let explained = e.to_string();
                write!(f, "check{}", explained.strip_prefix("explain").unwrap_or(&explained))
            }
            S::Snapshot(SnapshotStmt::Save(name)) => write!(f, "snapshot save {}", Ident(name)),
            S::Snapshot(SnapshotStmt::Restore(name)) => {
                write!(f, "snapshot restore {}", Ident(name))
            }
            S::Snapshot(SnapshotStmt::List) => f.write_str("list snapshots"),
            S::ShowAudit(q) => q.fmt(f),
            S::Survey(s) => s.fmt(f),
            S::SetAuditRetention(r) => r.fmt(f),
            S::DropRamUser { principal } => audit::drop_ram_user(f, principal),
        }
    }
}

impl Display for CreateWorkspaceStmt {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "create workspace {} mode {}", Ident(&self.name), self.mode.keyword())?;
        if let Some(owner) = &self.owner {
            write!(f, " owner {}", PrincipalName(&owner.name))?;
        }
        if let Some(s) = &self.scheduler {
            write!(f, " scheduler {}", PrincipalName(&s.name))?;
        }
        if let Some(c) = &self.comment {
            write!(f, " comment {}", single(c))?;
        }
        Ok(())
    }
}

fn policy_role(f: &mut Formatter<'_>, role: &Option<String>, tenant_role: bool) -> fmt::Result {
    if let Some(r) = role {
        f.write_str(" on ")?;
        tenant(f, tenant_role)?;
        write!(f, "role {}", Ident(r))?;
    }
    Ok(())
}
