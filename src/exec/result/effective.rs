//! The result of `show effective grants`: one [`EffectiveGrant`] per allowed (principal,
//! object, action), with where the right comes from and what still restricts it.

use serde::Serialize;

/// One allowed (principal, object, action).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveGrant {
    pub principal: String,
    /// The project the request is made in.
    pub project: String,
    pub object_type: String,
    /// `projects/<p>/tables/<t>`, `projects/<p>` for the project itself.
    pub object: String,
    pub action: String,
    /// `None`: the whole object; otherwise the columns that may be read.
    pub columns: Option<Vec<String>>,
    /// Where the right comes from: `direct ACL`, `role <r>`, `policy project statement <n>`,
    /// `owner`, `Admin`, `Super_Administrator`, `object creator`, `package <k> from project
    /// <q>`, `tenant role <r>`.
    pub via: Vec<String>,
    /// The deciding rules, in the words `explain` uses.
    pub rules: Vec<String>,
    /// The earliest expiry of the grants it rests on, if any expires.
    pub expires: Option<String>,
    /// The conditions of the grants it rests on.
    pub conditions: Vec<String>,
    /// What still applies: columns label security keeps back, the answer to a tunnel download
    /// (download control, project protection), protection of flows out.
    pub restrictions: Vec<String>,
}

/// The result of `show effective grants`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectiveGrants {
    pub project: String,
    pub principal: Option<String>,
    pub object: Option<String>,
    pub grants: Vec<EffectiveGrant>,
}
