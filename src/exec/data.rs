//! Data statements of the sandbox (create/drop table, insert, select, CTAS, insert-select,
//! tunnel download, functions, resources), each authorized by `authz` before it runs.
//! `exec::dispatch` routes exactly these statements to [`execute`].
//!
//! Walk `create table prj2.t2 as select name from prj1.t1;` run in prj2: [`plan`] resolves the
//! source table and lists the checks in the service's order — the statement is a SQL job of
//! the current project, so `CreateInstance` on prj2; the read, `Select` on
//! `projects/prj1/tables/t1` (column `name`, outflow to prj2, so prj1's protection is
//! consulted); then `CreateTable` on prj2. [`execute`] checks what the statement needs of the
//! catalog first (prj2.t2 must not exist yet), then authorizes the plan, and only when all three
//! checks pass hands the plan to the statement's runner, which writes the table, its rows and
//! the job's instance record — into the statement's transaction, so a refusal leaves the
//! catalog untouched. No runner checks access itself. `explain` authorizes the same plan and writes nothing. `tunnel download` is a Tunnel (DT)
//! request: no instance, download control applies, and the rows go to a CSV file.

use super::result::Cell;
use super::{ExecContext, StatementResult};
use crate::ast::{ColumnDef, Literal, ObjectName, Query, ResourceKind, Statement};
use crate::authz::{self, Action, Outflow, Request, Resource, TaskType};
use crate::catalog::model::{Column, NamedObject, ObjectRef, ObjectType, Rows, Table, Value};
use crate::catalog::Txn;
use crate::error::{Error, Result};

pub fn execute(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    stmt: &Statement,
) -> Result<StatementResult> {
    // Plan, then authorize, then run: a statement that cannot run here (its table missing or
    // already there, a bad name) fails so before its checks, as the service answers it.
    let plan = plan(ctx, txn, stmt)?;
    if let Statement::CreateTable {
        if_not_exists: true,
        ..
    } = stmt
    {
        let (project, table) = plan.target()?;
        if txn.table(project, table)?.is_some() {
            plan.authorize(ctx, txn)?;
            return Ok(StatementResult::Ok);
        }
    }
    if let Statement::DropTable {
        if_exists: true, ..
    } = stmt
    {
        let (project, table) = plan.target()?;
        if txn.table(project, table)?.is_none() {
            return Ok(StatementResult::Ok);
        }
    }
    precheck(txn, &plan, stmt)?;
    plan.authorize(ctx, txn)?;
    match stmt {
        Statement::CreateTable { columns, .. } => create_table(ctx, txn, plan, columns),
        Statement::DropTable { .. } => drop_table(ctx, txn, plan),
        Statement::InsertValues { rows, .. } => insert_values(ctx, txn, plan, rows),
        Statement::Select(_) => select(ctx, txn, plan),
        Statement::CreateTableAs { .. } => create_table_as(ctx, txn, plan),
        Statement::InsertSelect { overwrite, .. } => insert_select(ctx, txn, plan, *overwrite),
        Statement::TunnelDownload { path, .. } => tunnel_download(ctx, txn, plan, path),
        Statement::CreateFunction {
            class, resources, ..
        } => create_function(ctx, txn, plan, class, resources),
        Statement::DropFunction { .. } => drop_named(txn, plan, ObjectType::Function),
        Statement::AddResource { kind, comment, .. } => {
            add_resource(ctx, txn, plan, *kind, comment.as_deref())
        }
        Statement::DropResource { .. } => drop_named(txn, plan, ObjectType::Resource),
        _ => Err(super::messages::misrouted(stmt)),
    }
}

/// What a data statement needs of the catalog before it is authorized: a table it creates
/// must not exist, one it writes or drops must; a function or resource it creates needs a valid
/// name; one it drops must exist.
fn precheck(txn: &Txn<'_>, plan: &Plan, stmt: &Statement) -> Result<()> {
    match stmt {
        Statement::CreateTable { .. } | Statement::CreateTableAs { .. } => {
            let (project, table) = plan.target()?;
            check_new_table(txn, project, table)
        }
        Statement::DropTable { .. }
        | Statement::InsertValues { .. }
        | Statement::InsertSelect { .. } => {
            let (project, table) = plan.target()?;
            existing_table(txn, project, table).map(|_| ())
        }
        Statement::CreateFunction { .. } => {
            let (_, function) = plan.target()?;
            if super::valid_object_name(function) {
                Ok(())
            } else {
                Err(super::messages::invalid_object_name("function", function))
            }
        }
        Statement::AddResource { .. } => {
            let (_, name) = plan.target()?;
            if super::valid_resource_name(name) {
                Ok(())
            } else {
                Err(super::messages::invalid_resource_name(name))
            }
        }
        Statement::DropFunction { .. } | Statement::DropResource { .. } => {
            let kind = if matches!(stmt, Statement::DropFunction { .. }) {
                ObjectType::Function
            } else {
                ObjectType::Resource
            };
            let (project, object) = plan.target()?;
            if txn.object(project, kind, object)?.is_some() {
                return Ok(());
            }
            let what = if kind == ObjectType::Function {
                "Function"
            } else {
                "Resource"
            };
            Err(Error::invalid(format!(
                "{what} not found - '{project}/{}/{object}'",
                authz::texts::collection(kind)
            )))
        }
        _ => Ok(()),
    }
}

fn current_project<'a>(ctx: &ExecContext<'a>) -> Result<&'a str> {
    ctx.project.ok_or_else(super::messages::no_project_selected)
}

/// `(project, name)` of `[p.]name`, lower-cased, the project defaulting to the current one.
fn resolve(ctx: &ExecContext<'_>, name: &ObjectName) -> Result<(String, String)> {
    let project = match &name.project {
        Some(p) => p.to_lowercase(),
        None => current_project(ctx)?.to_string(),
    };
    Ok((project, name.name.to_lowercase()))
}

/// A request of the acting principal from its address at the statement's time.
pub fn request(
    ctx: &ExecContext<'_>,
    action: Action,
    resource: Resource,
    task_type: TaskType,
    outflow: Option<Outflow>,
) -> Request {
    Request {
        principal: ctx.user.to_string(),
        source_ip: ctx.source_ip.to_string(),
        current_project: ctx.project.map(str::to_string),
        action,
        resource,
        task_type,
        outflow,
        now: ctx.now,
    }
}

/// Per project, the instance counter this process last handed out and its second. Only a hint
/// for the next `record_instance`, which checks it against the catalog before using it, so a
/// stale one (another engine, a failed statement, another process) costs the search and
/// nothing else. Bounded: past [`INSTANCE_HINTS`] projects it starts again empty.
static LAST_INSTANCE: std::sync::Mutex<std::collections::BTreeMap<String, (String, u64)>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());
const INSTANCE_HINTS: usize = 4096;

fn last_instance_hint(project: &str, stamp: &str) -> Option<u64> {
    let last = LAST_INSTANCE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match last.get(project) {
        Some((s, n)) if s == stamp => Some(*n),
        _ => None,
    }
}

fn set_last_instance_hint(project: &str, stamp: &str, n: u64) {
    let mut last = LAST_INSTANCE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if last.len() >= INSTANCE_HINTS && !last.contains_key(project) {
        last.clear();
    }
    last.insert(project.to_string(), (stamp.to_string(), n));
}

/// Records the job's instance (`yyyyMMddHHmmss` + a per-second counter) so that instance
/// grants have something to attach to; returns its id.
fn record_instance(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, detail: String) -> Result<String> {
    let project = current_project(ctx)?;
    let stamp = time::OffsetDateTime::from_unix_timestamp(ctx.now)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year][month][day][hour][minute][second]"
            ))
            .ok()
        })
        .unwrap_or_else(|| ctx.now.to_string());
    let id = |n: u64| format!("{stamp}{n:03}");
    let taken = |n: u64| -> Result<bool> {
        Ok(txn.object(project, ObjectType::Instance, &id(n))?.is_some())
    };
    // Counters are handed out in order and never freed, so the first free one is the one
    // after the last this process handed out in the same project and second, when that one is
    // taken and the next is not (two reads, whatever the number of instances); otherwise it is
    // found by doubling then bisecting, O(log n) reads.
    let hint = last_instance_hint(project, &stamp);
    let hinted = match hint {
        Some(last) => taken(last)? && !taken(last + 1)?,
        None => false,
    };
    let high = match hint {
        Some(last) if hinted => last + 1,
        _ => {
            let mut high = 1;
            while taken(high)? {
                high *= 2;
            }
            let mut low = high / 2; // taken (or 0)
            while high - low > 1 {
                let mid = (low + high) / 2;
                if taken(mid)? {
                    low = mid;
                } else {
                    high = mid;
                }
            }
            high
        }
    };
    set_last_instance_hint(project, &stamp, high);
    let name = id(high);
    txn.put_object(
        project,
        &NamedObject {
            kind: ObjectType::Instance,
            name: name.clone(),
            creator: ctx.user.to_string(),
            created_at: ctx.now,
            detail,
        },
    )?;
    Ok(name)
}

fn table_not_found(project: &str, table: &str) -> Error {
    super::messages::no_such_table(project, table)
}

fn semantic(message: String) -> Error {
    super::messages::semantic_analysis(message)
}

fn existing_project(txn: &Txn<'_>, project: &str) -> Result<()> {
    match txn.project(project)? {
        Some(_) => Ok(()),
        None => Err(authz::project_not_found(project)),
    }
}

fn existing_table(txn: &Txn<'_>, project: &str, table: &str) -> Result<Table> {
    existing_project(txn, project)?;
    txn.table(project, table)?
        .ok_or_else(|| table_not_found(project, table))
}

fn check_new_table(txn: &Txn<'_>, project: &str, table: &str) -> Result<()> {
    if !super::valid_object_name(table) {
        return Err(super::messages::invalid_object_name("table", table));
    }
    if txn.table(project, table)?.is_some() {
        return Err(semantic(format!(
            "table or view already exists - {project}.{table}"
        )).with_reason(crate::error::Reason::Exists));
    }
    Ok(())
}

/// A query's source resolved: the table, the selected columns (in select-list order) and
/// their positions.
struct Source {
    project: String,
    table: Table,
    columns: Vec<String>,
    positions: Vec<usize>,
}

fn resolve_query(ctx: &ExecContext<'_>, txn: &Txn<'_>, query: &Query) -> Result<Source> {
    let (project, name) = resolve(ctx, &query.from)?;
    let table = existing_table(txn, &project, &name)?;
    let (columns, positions) = match &query.columns {
        None => (
            table.columns.iter().map(|c| c.name.clone()).collect(),
            (0..table.columns.len()).collect(),
        ),
        Some(wanted) => {
            let mut columns = Vec::new();
            let mut positions = Vec::new();
            for w in wanted {
                let lower = w.to_lowercase();
                let at = table
                    .columns
                    .iter()
                    .position(|c| c.name == lower)
                    .ok_or_else(|| {
                        semantic(format!(
                            "column {lower} cannot be resolved in table {project}.{name}"
                        ))
                    })?;
                columns.push(lower);
                positions.push(at);
            }
            (columns, positions)
        }
    };
    Ok(Source {
        project,
        table,
        columns,
        positions,
    })
}

/// Where a read's data goes if it leaves the source project: the written table's project,
/// else the job's (current) project.
fn outflow(source: &str, target: Option<&str>, current: Option<&str>) -> Option<Outflow> {
    match (target, current) {
        (Some(t), _) if t != source => Some(Outflow::Project(t.to_string())),
        (_, Some(c)) if c != source => Some(Outflow::Project(c.to_string())),
        _ => None,
    }
}

/// Everything a data statement must be allowed, in the order the service checks it, plus what
/// was resolved on the way. `explain` authorizes the same plan without running it.
pub struct Plan {
    pub requests: Vec<Request>,
    /// `(project, name)` of the object written or dropped.
    target: Option<(String, String)>,
    source: Option<Source>,
}

impl Plan {
    fn target(&self) -> Result<(&str, &str)> {
        self.target
            .as_ref()
            .map(|(p, n)| (p.as_str(), n.as_str()))
            .ok_or_else(|| Error::invalid("the statement names no object"))
    }

    fn source(&self) -> Result<&Source> {
        self.source
            .as_ref()
            .ok_or_else(|| Error::invalid("the statement reads no table"))
    }

    /// Authorizes every request in order through one snapshot over the session's record cache
    /// (the checks of a statement, and of the statements before it, read the same project and
    /// user records); the first refusal is the statement's error.
    fn authorize(&self, ctx: &ExecContext<'_>, txn: &Txn<'_>) -> Result<()> {
        let snapshot = authz::Snapshot::reusing(txn, ctx.records);
        self.requests.iter().try_for_each(|r| {
            let response = authz::try_authorize_in(r, &snapshot)?;
            super::audit::note_response(ctx, &response);
            response.into_result()
        })
    }
}

fn read_request(
    ctx: &ExecContext<'_>,
    source: &Source,
    task: TaskType,
    flow: Option<Outflow>,
) -> Request {
    let resource =
        Resource::table_columns(&source.project, &source.table.name, source.columns.clone());
    request(ctx, Action::Select, resource, task, flow)
}

/// The checks a data statement needs. Fails, like the statement would, when a table it reads
/// does not exist or no project is selected.
pub fn plan(ctx: &ExecContext<'_>, txn: &Txn<'_>, stmt: &Statement) -> Result<Plan> {
    let sql =
        |action: Action, resource: Resource| request(ctx, action, resource, TaskType::Sql, None);
    let job = || -> Result<Request> {
        Ok(sql(
            Action::CreateInstance,
            Resource::project(current_project(ctx)?),
        ))
    };
    let table = |p: &str, t: &str| Resource::object(p, ObjectType::Table, t);
    let plan = match stmt {
        Statement::CreateTable { table: name, .. } => {
            let (p, t) = resolve(ctx, name)?;
            existing_project(txn, &p)?;
            Plan { requests: vec![job()?, sql(Action::CreateTable, Resource::project(&p))], target: Some((p, t)), source: None }
        }
        Statement::DropTable { table: name, .. } | Statement::InsertValues { table: name, .. } => {
            let (p, t) = resolve(ctx, name)?;
            let action = if matches!(stmt, Statement::DropTable { .. }) { Action::Drop } else { Action::Update };
            Plan { requests: vec![job()?, sql(action, table(&p, &t))], target: Some((p, t)), source: None }
        }
        Statement::Select(query) => {
            let source = resolve_query(ctx, txn, query)?;
            let read = read_request(ctx, &source, TaskType::Sql, outflow(&source.project, None, ctx.project));
            Plan { requests: vec![job()?, read], target: None, source: Some(source) }
        }
        Statement::CreateTableAs { table: name, query } | Statement::InsertSelect { table: name, query, .. } => {
            let (p, t) = resolve(ctx, name)?;
            existing_project(txn, &p)?;
            let source = resolve_query(ctx, txn, query)?;
            let read = read_request(ctx, &source, TaskType::Sql, outflow(&source.project, Some(&p), ctx.project));
            let write = match stmt {
                Statement::CreateTableAs { .. } => sql(Action::CreateTable, Resource::project(&p)),
                _ => sql(Action::Update, table(&p, &t)),
            };
            Plan { requests: vec![job()?, read, write], target: Some((p, t)), source: Some(source) }
        }
        Statement::TunnelDownload { table: name, .. } => {
            let source = resolve_query(ctx, txn, &Query { columns: None, from: name.clone() })?;
            let read = read_request(ctx, &source, TaskType::Tunnel, Some(Outflow::Client));
            Plan { requests: vec![read], target: None, source: Some(source) }
        }
        Statement::CreateFunction { name, .. } => {
            let (p, f) = resolve(ctx, name)?;
            existing_project(txn, &p)?;
            Plan { requests: vec![sql(Action::CreateFunction, Resource::project(&p))], target: Some((p, f)), source: None }
        }
        Statement::AddResource { name, .. } => {
            let p = current_project(ctx)?.to_string();
            Plan { requests: vec![sql(Action::CreateResource, Resource::project(&p))], target: Some((p, resource_name(name))), source: None }
        }
        Statement::DropFunction { name } => {
            let (p, f) = resolve(ctx, name)?;
            existing_project(txn, &p)?;
            let delete = sql(Action::Delete, Resource::object(&p, ObjectType::Function, &f));
            Plan { requests: vec![delete], target: Some((p, f)), source: None }
        }
        Statement::DropResource { name } => {
            let (p, r) = (current_project(ctx)?.to_string(), resource_name(name));
            let delete = sql(Action::Delete, Resource::object(&p, ObjectType::Resource, &r));
            Plan { requests: vec![delete], target: Some((p, r)), source: None }
        }
        _ => {
            return Err(Error::invalid(
                "explain needs a data statement (select, insert, create/drop table, tunnel download, functions, resources)",
            ))
        }
    };
    Ok(plan)
}

fn create_table(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
    columns: &[ColumnDef],
) -> Result<StatementResult> {
    let (project, table) = plan.target()?;
    let mut seen: Vec<String> = Vec::new();
    for c in columns {
        if !super::valid_column_name(&c.name) {
            return Err(super::messages::invalid_column_name(&c.name));
        }
        let lower = c.name.to_lowercase();
        if seen.contains(&lower) {
            return Err(semantic(format!(
                "column {lower} is defined more than once in table {project}.{table}"
            )));
        }
        seen.push(lower);
    }
    let record = Table {
        name: table.to_string(),
        columns: columns
            .iter()
            .map(|c| Column {
                name: c.name.to_lowercase(),
                data_type: c.data_type.to_lowercase(),
                label: None,
            })
            .collect(),
        label: 0,
        creator: ctx.user.to_string(),
        created_at: ctx.now,
    };
    txn.put_table(project, &record)?;
    record_instance(ctx, txn, format!("create table {project}.{table}"))?;
    Ok(StatementResult::Ok)
}

fn drop_table(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, plan: Plan) -> Result<StatementResult> {
    let (project, table) = plan.target()?;
    txn.delete_table(project, table);
    super::revoke_all_on_object(
        txn,
        project,
        &ObjectRef {
            kind: ObjectType::Table,
            name: table.to_string(),
        },
    )?;
    record_instance(ctx, txn, format!("drop table {project}.{table}"))?;
    Ok(StatementResult::Ok)
}

/// The value a literal stores as in a column of `data_type`, or why it cannot.
fn cell(literal: &Literal, column: &Column) -> Result<Value> {
    let t = column.data_type.as_str();
    let integer = matches!(t, "tinyint" | "smallint" | "int" | "bigint");
    let numeric = integer || t == "float" || t == "double" || t.starts_with("decimal");
    let mismatch = |shown: &str| {
        semantic(format!(
            "cannot insert {shown} into column {} of type {t}",
            column.name
        ))
    };
    match literal {
        Literal::Null => Ok(Value::Null),
        Literal::Bool(b) if t == "boolean" => Ok(Value::Bool(*b)),
        Literal::Bool(b) => Err(mismatch(&b.to_string())),
        Literal::Number(n) if integer && (n.contains('.') || n.contains(['e', 'E'])) => {
            Err(mismatch(n))
        }
        Literal::Number(n) if numeric => Ok(Value::Number(n.clone())),
        Literal::Number(n) => Err(mismatch(n)),
        Literal::String(s) if numeric || t == "boolean" => Err(mismatch(&format!("'{s}'"))),
        Literal::String(s) => Ok(Value::String(s.clone())),
    }
}

fn insert_values(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
    rows: &[Vec<Literal>],
) -> Result<StatementResult> {
    let (project, table) = plan.target()?;
    let record = existing_table(txn, project, table)?;
    let mut new_rows = Vec::with_capacity(rows.len());
    for row in rows {
        if row.len() != record.columns.len() {
            return Err(semantic(format!(
                "the number of values ({}) does not match the number of columns ({}) of table {project}.{table}",
                row.len(),
                record.columns.len()
            )));
        }
        new_rows.push(
            row.iter()
                .zip(&record.columns)
                .map(|(l, c)| cell(l, c))
                .collect::<Result<Vec<_>>>()?,
        );
    }
    super::audit::note_written(ctx, &new_rows);
    let mut stored = txn.rows(project, table)?;
    stored.rows.extend(new_rows);
    txn.put_rows(project, table, &stored)?;
    record_instance(ctx, txn, format!("insert into {project}.{table}"))?;
    Ok(StatementResult::Ok)
}

fn selected_rows(txn: &Txn<'_>, source: &Source) -> Result<Vec<Vec<Value>>> {
    Ok(txn
        .rows(&source.project, &source.table.name)?
        .rows
        .into_iter()
        .map(|row| {
            source
                .positions
                .iter()
                .map(|&i| row.get(i).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect())
}

/// A stored value as the result table holds it.
fn result_cell(value: &Value) -> Cell {
    match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(*b),
        Value::Number(n) => Cell::Number(n.clone()),
        Value::String(s) => Cell::String(s.clone()),
    }
}

fn select(ctx: &ExecContext<'_>, txn: &mut Txn<'_>, plan: Plan) -> Result<StatementResult> {
    let source = plan.source()?;
    let rows = selected_rows(txn, source)?;
    super::audit::note_read(ctx, &rows);
    let instance = record_instance(
        ctx,
        txn,
        format!("select from {}.{}", source.project, source.table.name),
    )?;
    Ok(StatementResult::Table {
        instance,
        columns: source.columns.clone(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(result_cell).collect())
            .collect(),
    })
}

fn create_table_as(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
) -> Result<StatementResult> {
    let (project, table) = plan.target()?;
    let source = plan.source()?;
    let record = Table {
        name: table.to_string(),
        columns: source
            .positions
            .iter()
            .filter_map(|&i| source.table.columns.get(i))
            .map(|c| Column {
                name: c.name.clone(),
                data_type: c.data_type.clone(),
                label: None,
            })
            .collect(),
        label: 0,
        creator: ctx.user.to_string(),
        created_at: ctx.now,
    };
    let rows = selected_rows(txn, source)?;
    super::audit::note_read(ctx, &rows);
    super::audit::note_written(ctx, &rows);
    txn.put_table(project, &record)?;
    txn.put_rows(project, table, &Rows { rows })?;
    record_instance(
        ctx,
        txn,
        format!(
            "create table {project}.{table} as select from {}.{}",
            source.project, source.table.name
        ),
    )?;
    Ok(StatementResult::Ok)
}

fn insert_select(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
    overwrite: bool,
) -> Result<StatementResult> {
    let (project, table) = plan.target()?;
    let target = existing_table(txn, project, table)?;
    let source = plan.source()?;
    if source.columns.len() != target.columns.len() {
        return Err(semantic(format!(
            "the query selects {} column(s) but table {project}.{table} has {}",
            source.columns.len(),
            target.columns.len()
        )));
    }
    let rows = selected_rows(txn, source)?;
    super::audit::note_read(ctx, &rows);
    super::audit::note_written(ctx, &rows);
    let mut stored = if overwrite {
        Rows::default()
    } else {
        txn.rows(project, table)?
    };
    stored.rows.extend(rows);
    txn.put_rows(project, table, &stored)?;
    let verb = if overwrite {
        "insert overwrite"
    } else {
        "insert into"
    };
    record_instance(
        ctx,
        txn,
        format!(
            "{verb} {project}.{table} select from {}.{}",
            source.project, source.table.name
        ),
    )?;
    Ok(StatementResult::Ok)
}

fn csv_field(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) | Value::String(n) => n.clone(),
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn tunnel_download(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
    path: &str,
) -> Result<StatementResult> {
    let source = plan.source()?;
    let rows = selected_rows(txn, source)?;
    super::audit::note_read(ctx, &rows);
    let mut csv = source.columns.join(",");
    csv.push('\n');
    for row in &rows {
        csv.push_str(&row.iter().map(csv_field).collect::<Vec<_>>().join(","));
        csv.push('\n');
    }
    ctx.files.write(path, csv.as_bytes())?;
    Ok(StatementResult::Download {
        table: format!("{}.{}", source.project, source.table.name),
        path: path.to_string(),
        records: rows.len(),
    })
}

/// `add jar /tmp/udf.jar` names the resource `udf.jar`.
fn resource_name(written: &str) -> String {
    written
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(written)
        .to_lowercase()
}

fn create_function(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
    class: &str,
    resources: &[String],
) -> Result<StatementResult> {
    let (project, function) = plan.target()?;
    if txn
        .object(project, ObjectType::Function, function)?
        .is_some()
    {
        return Err(semantic(format!(
            "function {project}.{function} already exists"
        )).with_reason(crate::error::Reason::Exists));
    }
    let mut names = Vec::new();
    for r in resources {
        let resource = resource_name(r);
        if txn
            .object(project, ObjectType::Resource, &resource)?
            .is_none()
        {
            return Err(Error::invalid(format!(
                "Resource not found - '{project}/resources/{resource}'"
            )));
        }
        names.push(resource);
    }
    let record = NamedObject {
        kind: ObjectType::Function,
        name: function.to_string(),
        creator: ctx.user.to_string(),
        created_at: ctx.now,
        detail: format!("class {class} using {}", names.join(",")),
    };
    txn.put_object(project, &record)?;
    Ok(StatementResult::Ok)
}

fn add_resource(
    ctx: &ExecContext<'_>,
    txn: &mut Txn<'_>,
    plan: Plan,
    kind: ResourceKind,
    comment: Option<&str>,
) -> Result<StatementResult> {
    let (project, name) = plan.target()?;
    if txn.object(project, ObjectType::Resource, name)?.is_some() {
        return Err(Error::invalid(format!("Resource already exists: {name}"))
            .with_reason(crate::error::Reason::Exists));
    }
    let kind_word = match kind {
        ResourceKind::Jar => "jar",
        ResourceKind::File => "file",
        ResourceKind::Archive => "archive",
        ResourceKind::Py => "py",
    };
    let detail = match comment {
        Some(c) => format!("{kind_word}; comment {c}"),
        None => kind_word.to_string(),
    };
    let record = NamedObject {
        kind: ObjectType::Resource,
        name: name.to_string(),
        creator: ctx.user.to_string(),
        created_at: ctx.now,
        detail,
    };
    txn.put_object(project, &record)?;
    Ok(StatementResult::ResourceCreated {
        resource: name.to_string(),
    })
}

fn drop_named(txn: &mut Txn<'_>, plan: Plan, kind: ObjectType) -> Result<StatementResult> {
    let (project, object) = plan.target()?;
    txn.delete_object(project, kind, object);
    super::revoke_all_on_object(
        txn,
        project,
        &ObjectRef {
            kind,
            name: object.to_string(),
        },
    )?;
    Ok(StatementResult::Ok)
}
