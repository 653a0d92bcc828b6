//! The rows of `show outflow paths`: each [`OutflowPath`] a way data can leave a project, with
//! the opening it goes through ([`Source`]) and the chain text mode prints.

use serde::Serialize;

/// Which opening of a project a path goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    TrustedProject,
    ExceptionPolicy,
    Package,
    TunnelDownload,
}

/// One way out: `principal` reads `object` with `action`, and `step` carries it to `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutflowPath {
    pub source: Source,
    pub principal: String,
    pub action: String,
    /// `<project>.<table>`.
    pub object: String,
    /// The request that lands the data: `CreateTable prj2`, `CreateInstance prj3`,
    /// `Download to client`.
    pub step: String,
    pub to: super::DataFlow,
    /// Why the data may leave, in the authorizer's words.
    pub reason: String,
    /// The whole path as text mode prints it.
    pub chain: String,
}
