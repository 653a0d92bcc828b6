//! A session on a remote `mcsec serve`: what `mcsec --server <url> --access-id --access-key`
//! runs a batch on, through the same console as a local session.
//!
//! Follow `grant r1 to RAM$bob;` in `mcsec --server http://127.0.0.1:8099/api ... -e "use demo;
//! grant r1 to RAM$bob;"`: `use demo` is answered here — `GET /projects/demo` checks access on
//! the server exactly as `use` does, and the project becomes this session's. The grant is sent
//! as the server's own canonical text of the parsed statement in a signed
//! `POST /projects/demo/authorization` with `<ResponseFormat>mcsec</ResponseFormat>`, and any
//! file the statement names (`put policy ./p.json`) is read here and sent along, so paths mean
//! what they mean to the user. The server runs it on its engine and answers with the text and
//! JSON its renderers made ([`Executed::Rendered`]), so what the console prints is what a local
//! run prints; a failure comes back with its kind, code and sub-code (`<Detail>`), from which
//! the same [`Error`] is rebuilt. The server answers a change only once it is durable, so
//! [`Executor::flush`] has nothing to do.

use crate::ast::Statement;
use crate::console::{Executed, Executor, Frontend};
use crate::error::{Code, DenyCode, Error, ErrorKind, Failure};
use crate::wire::{sign, xml};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use std::ops::DerefMut;

/// `http://host:port[/prefix]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub authority: String,
    pub prefix: String,
}

impl Endpoint {
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let url = url.trim().trim_end_matches('/');
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!("invalid endpoint '{url}': mcsec serve speaks http://host:port/api")
        })?;
        let (authority, prefix) = match rest.find('/') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(format!("invalid endpoint '{url}': no host"));
        }
        Ok(Endpoint {
            authority: authority.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// A statement session on a server.
pub struct RemoteSession {
    endpoint: Endpoint,
    access_id: String,
    secret: String,
    project: Option<String>,
    /// The key's principal, once [`RemoteSession::identify`] asked.
    principal: String,
    runtime: tokio::runtime::Runtime,
    connection: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

fn unreachable(endpoint: &Endpoint, e: impl std::fmt::Display) -> Error {
    Error::Io(format!(
        "cannot reach mcsec serve at http://{}{}: {e}",
        endpoint.authority, endpoint.prefix
    ))
}

/// Percent-encodes a name for a path segment, as PyODPS does (no safe characters).
fn encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The paths of the local files a statement reads.
fn statement_files(stmt: &Statement) -> Vec<String> {
    let path = |p: &str| p.trim().trim_matches('\'').trim_matches('"').to_string();
    match stmt {
        Statement::PutPolicy { file, .. } | Statement::PutSecurityPolicy { file } => {
            vec![path(file)]
        }
        Statement::Set(set) => set.exception_file.iter().map(|f| path(f)).collect(),
        _ => Vec::new(),
    }
}

impl RemoteSession {
    pub fn connect(url: &str, access_id: &str, secret: &str) -> Result<RemoteSession, Error> {
        let endpoint = Endpoint::parse(url).map_err(Error::Usage)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| unreachable(&endpoint, e))?;
        Ok(RemoteSession {
            endpoint,
            access_id: access_id.to_string(),
            secret: secret.to_string(),
            project: None,
            principal: String::new(),
            runtime,
            connection: None,
        })
    }

    pub fn project(&self) -> Option<&str> {
        self.project.as_deref()
    }

    /// The key's principal (empty before [`RemoteSession::identify`]).
    pub fn principal(&self) -> &str {
        &self.principal
    }

    pub fn url(&self) -> String {
        format!("http://{}{}", self.endpoint.authority, self.endpoint.prefix)
    }

    /// Asks the server who the key is (`whoami`), which also proves key and server work.
    pub fn identify(&mut self) -> Result<&str, Error> {
        let executed = self.run(&Statement::Whoami)?;
        if let Executed::Rendered { result, .. } = executed {
            self.principal = result["DisplayName"]
                .as_str()
                .unwrap_or_default()
                .to_string();
        }
        Ok(&self.principal)
    }

    /// Catalog names for completion, through the list statements; none on any failure.
    pub fn list_names(&mut self, kind: crate::exec::NameKind) -> Vec<String> {
        use crate::exec::NameKind as K;
        let stmt = match (kind, &self.project) {
            (K::Project, _) => Statement::ListProjects,
            (K::User, Some(_)) => Statement::ListUsers,
            (K::Role, Some(_)) => Statement::ListRoles { tenant: false },
            _ => return Vec::new(),
        };
        match self.run(&stmt) {
            Ok(Executed::Rendered { result, .. }) => result["names"]
                .as_array()
                .map(|names| {
                    names
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// One signed request; the status and body.
    fn request(&mut self, method: &str, path: &str, body: String) -> Result<(u16, String), Error> {
        let target = format!("{}{path}", self.endpoint.prefix);
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        let agent = concat!("mcsec/", env!("CARGO_PKG_VERSION"));
        let content_type = if body.is_empty() {
            ""
        } else {
            "application/xml"
        };
        let mut headers = vec![("Date", date.as_str()), ("x-odps-user-agent", agent)];
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type));
        }
        let canonical = sign::canonical(method, &target, &self.endpoint.prefix, headers.clone());
        let signature = sign::sign(&sign::Scheme::V2, &self.secret, &canonical);
        let authorization = format!("ODPS {}:{signature}", self.access_id);
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(&target)
            .header("Host", &self.endpoint.authority)
            .header("Authorization", &authorization);
        for (k, v) in &headers {
            builder = builder.header(*k, *v);
        }
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Error::Usage(format!("cannot build a request for {target}: {e}")))?;
        let endpoint = self.endpoint.clone();
        let connection = self.connection.take();
        let runtime = &self.runtime;
        let (answer, connection) = runtime.block_on(async move {
            // A kept connection the server has closed is replaced by a new one.
            let kept = match connection {
                Some(mut s) => s.ready().await.is_ok().then_some(s),
                None => None,
            };
            let mut sender = match kept {
                Some(s) => s,
                None => {
                    let stream = tokio::net::TcpStream::connect(&endpoint.authority)
                        .await
                        .map_err(|e| unreachable(&endpoint, e))?;
                    let (sender, conn) =
                        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                            .await
                            .map_err(|e| unreachable(&endpoint, e))?;
                    tokio::spawn(conn);
                    sender
                }
            };
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| unreachable(&endpoint, e))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| unreachable(&endpoint, e))?
                .to_bytes();
            Ok::<_, Error>((
                (status, String::from_utf8_lossy(&body).into_owned()),
                sender,
            ))
        })?;
        self.connection = Some(connection);
        Ok(answer)
    }

    /// `use <project>`: the server checks access as `use` does.
    pub fn use_project(&mut self, project: &str) -> Result<(), Error> {
        let name = project.to_ascii_lowercase();
        let (status, body) = self.request(
            "GET",
            &format!("/projects/{}", encode(&name)),
            String::new(),
        )?;
        if status >= 400 {
            return Err(error_of(&body));
        }
        self.project = Some(name);
        Ok(())
    }

    fn run(&mut self, stmt: &Statement) -> Result<Executed, Error> {
        let mut children = vec![
            xml::element("Query", &stmt.to_string()),
            xml::element("ResponseInJsonFormat", "true"),
            xml::element("ResponseFormat", "mcsec"),
        ];
        for path in statement_files(stmt) {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| crate::exec::messages::read_file(&path, e))?;
            children.push(format!(
                r#"<File Path="{}">{}</File>"#,
                quick_xml::escape::escape(path.as_str()),
                quick_xml::escape::escape(text.as_str())
            ));
        }
        let path = match &self.project {
            Some(p) => format!("/projects/{}/authorization", encode(p)),
            None => "/authorization".to_string(),
        };
        let (status, body) = self.request(
            "POST",
            &path,
            xml::document("Authorization", &children.concat()),
        )?;
        if status >= 400 {
            return Err(error_of(&body));
        }
        let root = xml::parse(&body).map_err(|e| Error::Io(format!("unreadable answer: {e}")))?;
        let result = root.child_text("Result").unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(result)
            .map_err(|e| Error::Io(format!("unreadable answer: {e}")))?;
        let text = value["text"].as_str().unwrap_or_default().to_string();
        if let Statement::DropProject { name, .. } = stmt {
            if self.project.as_deref() == Some(name.to_ascii_lowercase().as_str()) {
                self.project = None;
            }
        }
        Ok(Executed::Rendered {
            text,
            result: value["result"].clone(),
        })
    }
}

/// The error an error body describes: the engine's, rebuilt from `<Detail>`, or the endpoint's
/// own (authentication) as `<Code>: <Message>`.
fn error_of(body: &str) -> Error {
    let Ok(root) = xml::parse(body) else {
        return Error::Io(format!("unreadable answer from mcsec serve: {body}"));
    };
    let message = root.child_text("Message").unwrap_or_default().to_string();
    let code = root.child_text("Code").unwrap_or_default();
    let Some(detail) = root
        .child_text("Detail")
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
    else {
        return Error::Denied(Failure::plain(format!("{code}: {message}")));
    };
    let failure = Failure {
        code: detail["code"].as_str().and_then(code_named),
        auth_code: detail["auth_code"].as_str().and_then(deny_code_named),
        message: message.clone(),
        reason: None,
        subject: None,
    };
    // The name the error is about, so that the client points at it as a local run does (the
    // suggestion is already in the message; the kind only matters where it is made).
    let failure = match detail["subject"].as_str() {
        Some(name) => failure.about(crate::error::SubjectKind::Table, name, None),
        None => failure,
    };
    match detail["kind"].as_str() {
        Some(k) if k == ErrorKind::Authorization.as_str() => Error::Denied(failure),
        Some(k) if k == ErrorKind::Semantic.as_str() || k == ErrorKind::Syntax.as_str() => {
            Error::Invalid(failure)
        }
        Some(k) if k == ErrorKind::Usage.as_str() => Error::Usage(message),
        _ => Error::Io(message),
    }
}

fn code_named(name: &str) -> Option<Code> {
    [
        Code::AuthorizationException,
        Code::AccessDenied,
        Code::MetaAuthorizationException,
        Code::ProjectNotFound,
        Code::TableNotFound,
        Code::SemanticAnalysisException,
        Code::DdlTaskFailed,
        Code::NoPermission,
    ]
    .into_iter()
    .find(|c| c.as_str() == name)
}

fn deny_code_named(name: &str) -> Option<DenyCode> {
    [
        DenyCode::Whitelist,
        DenyCode::NotMember,
        DenyCode::PolicyDeny,
        DenyCode::NoPrivilege,
        DenyCode::Protected,
        DenyCode::Label,
        DenyCode::ProjectStatus,
    ]
    .into_iter()
    .find(|c| c.number() == name)
}

impl Executor for RemoteSession {
    fn execute(&mut self, stmt: &Statement) -> Result<Executed, Error> {
        match stmt {
            Statement::Use { project } => {
                self.use_project(project)?;
                Ok(Executed::Local(crate::exec::StatementResult::Ok))
            }
            Statement::Login { .. } => Err(Error::usage(
                "login is not available with --server: the principal is the access key's (run with another --access-id)",
            )),
            Statement::TunnelDownload { .. } => Err(Error::usage(
                "tunnel download writes a file where the statement runs: run it without --server",
            )),
            other => self.run(other),
        }
    }

    fn flush(&self) -> Result<(), Error> {
        Ok(())
    }

    fn leave_project(&mut self) {
        self.project = None;
    }
}

impl Frontend for RemoteSession {
    type Executor = RemoteSession;

    fn session(&mut self) -> impl DerefMut<Target = RemoteSession> + '_ {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_http_with_an_optional_prefix() {
        assert_eq!(
            Endpoint::parse("http://127.0.0.1:8099/api/"),
            Ok(Endpoint {
                authority: "127.0.0.1:8099".into(),
                prefix: "/api".into()
            })
        );
        assert_eq!(
            Endpoint::parse("http://localhost:1").map(|e| e.prefix),
            Ok(String::new())
        );
        assert!(Endpoint::parse("https://x/api").is_err());
        assert!(Endpoint::parse("http:///api").is_err());
    }

    #[test]
    fn engine_errors_are_rebuilt_from_their_detail() {
        let body = xml::error_body(
            "NoPermission",
            "ODPS-0420095: Access Denied - Authorization Failed [4019], x",
            "r",
            "mcsec",
        )
        .replace(
            "</Error>",
            &format!(
                "{}</Error>",
                xml::element(
                    "Detail",
                    r#"{"kind":"authorization","code":"ODPS-0420095","auth_code":"4019"}"#
                )
            ),
        );
        let e = error_of(&body);
        assert_eq!(e.kind(), ErrorKind::Authorization);
        assert_eq!(e.code(), Some(Code::AccessDenied));
        assert_eq!(e.auth_code(), Some(DenyCode::NoPrivilege));
        assert_eq!(
            e.to_string(),
            "ODPS-0420095: Access Denied - Authorization Failed [4019], x"
        );
        let e = error_of(&xml::error_body("SignatureNotMatch", "bad", "r", "mcsec"));
        assert_eq!(e.to_string(), "SignatureNotMatch: bad");
    }
}
