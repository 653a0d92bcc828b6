//! Data statements of the sandbox (create/drop table, insert, select, CTAS, insert-select,
//! tunnel download, functions, resources), each authorized by `authz` before it runs.
//! Owned by issue 5 (authorizer helper).
//!
//! INTERFACE: `execute(ctx, txn, stmt)` is called by `Session::execute` for
//! `Statement::{CreateTable, CreateTableAs, DropTable, InsertValues, InsertSelect, Select,
//! TunnelDownload, CreateFunction, DropFunction, AddResource, DropResource}`.

use super::{ExecContext, Output};
use crate::ast::Statement;
use crate::catalog::Txn;
use crate::error::{Error, Result};

pub fn execute(_ctx: &ExecContext<'_>, _txn: &mut Txn<'_>, _stmt: &Statement) -> Result<Output> {
    Err(Error::invalid("data statements are being built"))
}
