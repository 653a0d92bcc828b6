//! `explain [for <principal>] [from <ip>] <data statement>`: the authorizer's full response,
//! rendered. Never writes. Owned by issue 5 (authorizer helper).
//!
//! INTERFACE: `execute(ctx, txn, stmt)` is called by `Session::execute` for `Statement::Explain`.

use super::{ExecContext, Output};
use crate::ast::ExplainStmt;
use crate::catalog::Txn;
use crate::error::{Error, Result};

pub fn execute(_ctx: &ExecContext<'_>, _txn: &Txn<'_>, _stmt: &ExplainStmt) -> Result<Output> {
    Err(Error::invalid("explain is being built"))
}
