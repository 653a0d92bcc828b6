//! The rows of `show audit` (and of `mcsec audit export`): one [`AuditRow`] per record of the
//! trail, its time already in odpscmd's layout, its codes as JSON failures name them. The
//! handler (`exec::audit`) fills them from the catalog's records; the renderer lays them out.

use serde::Serialize;

/// One record as `show audit` and `mcsec audit export` show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    pub seq: u64,
    pub time: String,
    pub principal: String,
    pub source_ip: String,
    pub project: Option<String>,
    pub task_type: &'static str,
    pub statement: String,
    pub ok: bool,
    /// `syntax`, `semantic`, `authorization`, ... as a JSON failure's `kind`.
    pub error_kind: Option<String>,
    pub error_code: Option<String>,
    pub auth_code: Option<String>,
    pub error: Option<String>,
    pub decision: &'static str,
    pub rule: Option<String>,
    pub rows_read: u64,
    pub bytes_read: u64,
    pub rows_written: u64,
    pub bytes_written: u64,
}
