//! The REST subset PyODPS speaks, answered by running statements on engine sessions.
//!
//! Follow `o.create_role("r1")`: PyODPS sends `POST /api/projects/demo/authorization` with
//! `<Query>create role r1</Query>`. [`Service::handle`] first authenticates it
//! ([`Service::authenticate`]: the `Authorization` header, the `Date` within 15 minutes, the
//! access key's secret, the signature over the canonical string of `wire::sign`); the key's principal
//! is the acting principal and the peer's address its source address. [`route`] splits the raw
//! path at `/` before decoding (`a%2Fb` is one segment) and picks [`Service::security_query`],
//! which parses the query text into a statement, opens a session on the engine as that
//! principal, enters `demo` exactly as `use demo;` does, runs the statement with
//! `Session::execute` — the authorizer, the audit trail and the retry loop are the shell's — and
//! flushes the catalog before answering when the statement wrote, so an answered mutation is
//! durable. The answer is `200 <Authorization><Result>"OK"</Result></Authorization>`; had the
//! role existed, the engine's error says so ([`Reason::Exists`]) and [`ApiError::from_engine`]
//! answers 409 `ObjectAlreadyExists` with the engine's sentence as the message.
//!
//! The other calls map onto statements too: a role's users are `describe role`, a user's roles
//! `show grants for`, the security configuration `show SecurityConfiguration` and `set`, the
//! policies `get policy` and `put policy` (the request body is the file the statement reads:
//! [`BodyFile`]; statements can read no other file through the endpoint).

use crate::ast::{Principal, PrincipalKind, SetStmt, ShowGrantsStmt, Statement};
use crate::error::{Code, Error, Reason};
use crate::exec::result::SecurityConfiguration;
use crate::exec::{Engine, Files, Session, SessionOptions, StatementResult};
use crate::wire::{sign, xml};
use std::collections::{BTreeMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How far a request's `Date` may be from the server's clock (the service's 15 minutes).
pub const MAX_SKEW_SECONDS: i64 = 900;

/// Async security-query outcomes kept for polling; the oldest go first.
const MAX_INSTANCES: usize = 10_000;

/// The name the host part of every error body carries.
pub const HOST_ID: &str = "mcsec";

/// One request, as the HTTP layer received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The raw request target: path and query exactly as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub peer: IpAddr,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    fn new(status: u16, content_type: &str, body: String) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    fn xml(status: u16, body: String) -> Response {
        Response::new(status, "application/xml", body)
    }
}

/// A refused or failed request: its status, the `Code` PyODPS picks its exception class by,
/// and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// An engine error's kind, code and sub-code as JSON, sent as an extra `<Detail>` element
    /// for `mcsec --server` clients (PyODPS reads only the four it knows).
    pub detail: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            detail: None,
        }
    }

    fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "InvalidParameter", message)
    }

    fn no_such_object(message: impl Into<String>) -> ApiError {
        ApiError::new(404, "NoSuchObject", message)
    }

    /// The answer to an engine error: refusals are `NoPermission`, missing objects
    /// `NoSuchObject` (`NoSuchProject` for a project), existing ones `ObjectAlreadyExists`,
    /// other statements that cannot run `InvalidParameter`; a catalog that cannot be read or
    /// written is the server's fault.
    pub fn from_engine(error: &Error) -> ApiError {
        let message = error.to_string();
        let api = match error {
            Error::Denied(_) => ApiError::new(403, "NoPermission", message),
            Error::Invalid(f) => match f.reason {
                Some(Reason::Missing) if f.code == Some(Code::ProjectNotFound) => {
                    ApiError::new(404, "NoSuchProject", message)
                }
                Some(Reason::Missing) => ApiError::new(404, "NoSuchObject", message),
                Some(Reason::Exists) => ApiError::new(409, "ObjectAlreadyExists", message),
                None => ApiError::invalid(message),
            },
            Error::Syntax { .. } | Error::Usage(_) | Error::Io(_) => ApiError::invalid(message),
            Error::Storage(_) | Error::Conflict | Error::Sled { .. } | Error::Locked(_) => {
                ApiError::new(500, "InternalServerError", message)
            }
        };
        api.detailed(error)
    }

    fn response(&self, request_id: &str) -> Response {
        let mut body = xml::error_body(self.code, &self.message, request_id, HOST_ID);
        if let Some(detail) = &self.detail {
            body = body.replace(
                "</Error>",
                &format!("{}</Error>", xml::element("Detail", detail)),
            );
        }
        Response::xml(self.status, body)
    }

    /// The same error, carrying what the engine error is for an `mcsec --server` client.
    fn detailed(mut self, error: &Error) -> ApiError {
        self.detail = Some(
            serde_json::json!({
                "kind": error.kind(),
                "code": error.code(),
                "auth_code": error.auth_code(),
                "subject": error.subject().map(|s| s.name.as_str()),
            })
            .to_string(),
        );
        self
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// The only files a statement may read through the endpoint: the request body (for the
/// statements the endpoint builds), and the files an `mcsec --server` client sent with its
/// statement, under the paths the statement names.
pub struct BodyFile {
    files: Vec<(String, String)>,
}

/// The path statements built by the endpoint name the request body by.
const BODY_FILE: &str = "<request body>";

impl BodyFile {
    fn new(text: String) -> BodyFile {
        BodyFile {
            files: vec![(BODY_FILE.to_string(), text)],
        }
    }
}

fn no_files(path: &str) -> Error {
    Error::Io(format!(
        "cannot use {path}: statements reach no files through the endpoint (send a policy with PUT ...?policy)"
    ))
}

impl Files for BodyFile {
    fn read(&self, path: &str) -> crate::Result<String> {
        self.files
            .iter()
            .find(|(name, _)| name == path)
            .map(|(_, text)| text.clone())
            .ok_or_else(|| no_files(path))
    }

    fn write(&self, path: &str, _contents: &[u8]) -> crate::Result<()> {
        Err(no_files(path))
    }
}

/// An asynchronous security query's outcome.
struct Instance {
    id: String,
    project: String,
    principal: String,
    outcome: Result<String, String>,
}

/// Who a request acts as.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: String,
    pub source_ip: String,
    /// `v2` or `v4`: how the request was signed.
    pub scheme: &'static str,
}

/// What the endpoint shares across requests.
pub struct Service {
    engine: Arc<Engine>,
    prefix: String,
    /// `MCSEC_NOW` for grant expiry, as in the shell; signatures use the real clock.
    now: Option<i64>,
    clock: Box<dyn Fn() -> i64 + Send + Sync>,
    requests: AtomicU64,
    instances: Mutex<VecDeque<Instance>>,
    /// Requests refused by authentication, for the operator (and tests) to count.
    pub refused: AtomicU64,
    /// Log every answered request on stderr.
    pub log_requests: bool,
}

fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn rfc1123(seconds: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds.max(0) as u64);
    httpdate::fmt_http_date(at)
}

fn iso(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .ok()
        })
        .unwrap_or_default()
}

fn yyyymmdd(seconds: i64) -> i64 {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| {
            i64::from(t.year()) * 10_000 + i64::from(u8::from(t.month())) * 100 + i64::from(t.day())
        })
        .unwrap_or(0)
}

/// A name segment of the path: percent-decoded (PyODPS encodes `+` as `%20`).
fn segment(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// The JSON a security query's `Result` carries: a list statement's names as an array, the
/// `whoami` object with the service's field names, `"OK"` for a statement with nothing to show,
/// and otherwise the statement's `--format json` result.
pub fn result_json(result: &StatementResult) -> String {
    let value = match result {
        StatementResult::Ok => serde_json::Value::String("OK".into()),
        StatementResult::Names { names, .. } => serde_json::json!(names),
        StatementResult::Whoami { .. } => {
            let mut value = crate::exec::render::json(result);
            if let Some(object) = value.as_object_mut() {
                object.remove("type");
            }
            value
        }
        other => crate::exec::render::json(other),
    };
    value.to_string()
}

impl Service {
    pub fn new(engine: Arc<Engine>, prefix: &str, now: Option<i64>) -> Service {
        Service::with_clock(engine, prefix, now, Box::new(system_clock))
    }

    /// A service whose signature checks read `clock` (unix seconds) instead of the system's.
    pub fn with_clock(
        engine: Arc<Engine>,
        prefix: &str,
        now: Option<i64>,
        clock: Box<dyn Fn() -> i64 + Send + Sync>,
    ) -> Service {
        Service {
            engine,
            prefix: prefix.trim_end_matches('/').to_string(),
            now,
            clock,
            requests: AtomicU64::new(0),
            instances: Mutex::new(VecDeque::new()),
            refused: AtomicU64::new(0),
            log_requests: false,
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    fn request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{}{n:08}", yyyymmdd((self.clock)()))
    }

    /// Answers one request. Blocking: statements run on the calling thread.
    pub fn handle(&self, request: &Request) -> Response {
        let request_id = self.request_id();
        let mut response = match self.authenticate(request) {
            Err(error) => {
                self.refused.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "mcsec serve: refused {} {} from {}: {}",
                    request.method,
                    crate::error::Escaped(&request.target),
                    request.peer,
                    error.code
                );
                error.response(&request_id)
            }
            Ok(caller) => {
                let response = match self.route(request, &caller) {
                    Ok(response) => response,
                    Err(error) => error.response(&request_id),
                };
                if self.log_requests {
                    eprintln!(
                        "mcsec serve: {} {} {} {} {}",
                        request.method,
                        crate::error::Escaped(&request.target),
                        response.status,
                        caller.scheme,
                        caller.principal
                    );
                }
                response
            }
        };
        response
            .headers
            .push(("x-odps-request-id".into(), request_id));
        response
    }

    /// The principal a correctly signed, timely request acts as.
    pub fn authenticate(&self, request: &Request) -> ApiResult<Caller> {
        let missing = || {
            ApiError::new(
                401,
                "AuthorizationRequired",
                "The Authorization header is invalid or missing.",
            )
        };
        let credential = request
            .header("Authorization")
            .and_then(sign::parse_authorization)
            .ok_or_else(missing)?;
        let now = (self.clock)();
        let date = request
            .header("Date")
            .and_then(|d| httpdate::parse_http_date(d).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64)
            .ok_or_else(|| {
                ApiError::new(
                    401,
                    "AuthorizationRequired",
                    "The Date header is invalid or missing.",
                )
            })?;
        let skewed = || {
            ApiError::new(
                403,
                "RequestTimeTooSkewed",
                format!(
                    "The difference between the request time and the server's time is too large: max_interval_date:{},expire_date:{}Z,now_date:{}Z",
                    MAX_SKEW_SECONDS * 1000,
                    iso(date + MAX_SKEW_SECONDS),
                    iso(now)
                ),
            )
        };
        if (now - date).abs() > MAX_SKEW_SECONDS {
            return Err(skewed());
        }
        if let sign::Scheme::V4 { date: scope, .. } = &credential.scheme {
            let scope: i64 = scope.parse().unwrap_or(0);
            let near = [now - 86_400, now, now + 86_400].map(yyyymmdd);
            if !near.contains(&scope) {
                return Err(skewed());
            }
        }
        let mismatch = || {
            ApiError::new(
                403,
                "SignatureNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your access key and signing method.",
            )
        };
        let key = self
            .engine
            .access_keys()
            .lookup(&credential.access_id)
            .map_err(|e| ApiError::new(500, "InternalServerError", e.to_string()))?;
        let canonical = sign::canonical(
            &request.method,
            &request.target,
            &self.prefix,
            request
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        // An unknown key is refused exactly as a wrong signature is, after the same work.
        let (secret, principal) = match &key {
            Some(k) => (k.secret.as_str(), Some(k.principal.clone())),
            None => ("", None),
        };
        let verified = credential.verify(secret, &canonical);
        match (verified, principal) {
            (true, Some(principal)) => Ok(Caller {
                principal,
                source_ip: request.peer.to_string(),
                scheme: match credential.scheme {
                    sign::Scheme::V2 => "v2",
                    sign::Scheme::V4 { .. } => "v4",
                },
            }),
            _ => Err(mismatch()),
        }
    }

    fn session(&self, caller: &Caller, files: Arc<dyn Files>) -> Session {
        self.engine.session_with_files(
            SessionOptions {
                user: caller.principal.clone(),
                source_ip: caller.source_ip.clone(),
                now: self.now,
            },
            files,
        )
    }

    /// A session of `caller` in `project`, entered as `use` enters it.
    fn in_project(
        &self,
        caller: &Caller,
        project: &str,
        body: Option<String>,
    ) -> ApiResult<Session> {
        let files = Arc::new(BodyFile::new(body.unwrap_or_default()));
        let mut session = self.session(caller, files);
        session
            .use_project(project)
            .map_err(|e| ApiError::from_engine(&e))?;
        Ok(session)
    }

    /// Runs `stmt`; when it wrote, the catalog is flushed before the answer goes out.
    fn run(&self, session: &mut Session, stmt: &Statement) -> ApiResult<StatementResult> {
        let before = self.engine.catalog().generation();
        let result = session
            .execute(stmt)
            .map_err(|e| ApiError::from_engine(&e))?;
        if self.engine.catalog().generation() != before {
            session.flush().map_err(|e| ApiError::from_engine(&e))?;
        }
        Ok(result)
    }

    fn route(&self, request: &Request, caller: &Caller) -> ApiResult<Response> {
        let relative = sign::relative_target(&request.target, &self.prefix);
        let (path, query) = relative.split_once('?').unwrap_or((relative, ""));
        let params: BTreeMap<String, String> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let raw: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let parts: Vec<String> = raw.iter().map(|s| segment(s)).collect();
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        let method = request.method.as_str();
        let flag = |name: &str| params.contains_key(name);
        let body = || -> ApiResult<String> {
            String::from_utf8(request.body.clone())
                .map_err(|_| ApiError::invalid("the request body is not UTF-8 text"))
        };
        let not_allowed = || {
            Err(ApiError::new(
                405,
                "MethodNotAllowed",
                format!("{method} is not allowed on {path}"),
            ))
        };
        match parts.as_slice() {
            ["logview", "host"] | ["webconsole", "host"] => Err(ApiError::no_such_object(
                "mcsec serve has no logview or web console",
            )),
            ["tenants"] => match method {
                "GET" => Ok(Response::new(
                    200,
                    "application/json",
                    r#"{"Tenant":{"Parameters":{"odps.namespace.schema":"false"}}}"#.into(),
                )),
                _ => not_allowed(),
            },
            ["projects", p] => match method {
                "GET" if flag("security_configuration") => self.get_security_configuration(caller, p),
                "PUT" if flag("security_configuration") => {
                    self.put_security_configuration(caller, p, &body()?)
                }
                "GET" if flag("policy") => self.get_policy(caller, p, None),
                "PUT" if flag("policy") => self.put_policy(caller, p, None, body()?),
                "GET" => self.get_project(caller, p),
                _ => not_allowed(),
            },
            ["projects", _, "logs"] => match method {
                "PUT" => Ok(Response::new(200, "text/plain", String::new())),
                _ => not_allowed(),
            },
            ["authorization"] => match method {
                "POST" => self.security_query(caller, None, &body()?),
                _ => not_allowed(),
            },
            ["projects", p, "authorization"] => match method {
                "POST" if flag("sign_bearer_token") => Err(ApiError::invalid(
                    "bearer tokens (sign_bearer_token) are not supported by mcsec serve: sign requests with an access key",
                )),
                "POST" => self.security_query(caller, Some(p), &body()?),
                _ => not_allowed(),
            },
            ["projects", p, "authorization", id] => match method {
                "GET" => self.poll_instance(caller, p, id),
                _ => not_allowed(),
            },
            ["projects", p, "users"] => match method {
                "GET" => self.list_users(caller, p),
                _ => not_allowed(),
            },
            ["projects", p, "users", user] => match method {
                "GET" if flag("roles") => self.user_roles(caller, p, user),
                "GET" => self.get_user(caller, p, user).map(|name| {
                    Response::xml(200, xml::document("User", &user_children(&name)))
                }),
                _ => not_allowed(),
            },
            ["projects", p, "roles"] => match method {
                "GET" => self.list_roles(caller, p, params.get("name").map(String::as_str)),
                _ => not_allowed(),
            },
            ["projects", p, "roles", role] => match method {
                "GET" if flag("policy") => self.get_policy(caller, p, Some(role)),
                "PUT" if flag("policy") => self.put_policy(caller, p, Some(role), body()?),
                "GET" if flag("users") => self.role_users(caller, p, role),
                "GET" => self.get_role(caller, p, role),
                _ => not_allowed(),
            },
            _ => Err(ApiError::no_such_object(format!(
                "no such resource: {method} {}",
                crate::error::Escaped(path)
            ))),
        }
    }

    fn get_project(&self, caller: &Caller, project: &str) -> ApiResult<Response> {
        let session = self.session(caller, Arc::new(BodyFile::new(String::new())));
        let summary = session
            .project_summary(project)
            .map_err(|e| ApiError::from_engine(&e))?;
        let created = rfc1123(summary.created_at);
        let body = xml::document(
            "Project",
            &[
                xml::element("Name", &summary.name),
                xml::element("Type", "managed"),
                xml::element("Comment", summary.comment.as_deref().unwrap_or("")),
                xml::element("Owner", &summary.owner),
                xml::element("State", "AVAILABLE"),
                xml::element("CreationTime", &created),
                xml::element("LastModifiedTime", &created),
            ]
            .concat(),
        );
        let mut response = Response::xml(200, body);
        response.headers.extend([
            ("x-odps-owner".into(), summary.owner.clone()),
            ("x-odps-creation-time".into(), created.clone()),
            ("Last-Modified".into(), created),
        ]);
        Ok(response)
    }

    /// A security query; `project` is `None` for the mcsec extension `POST /authorization`,
    /// which runs a statement outside any project (`create project`, tenant statements).
    fn security_query(
        &self,
        caller: &Caller,
        project: Option<&str>,
        body: &str,
    ) -> ApiResult<Response> {
        let root = xml::parse(body).map_err(|e| ApiError::invalid(e.to_string()))?;
        let query = root
            .child_text("Query")
            .ok_or_else(|| ApiError::invalid("the request has no <Query>"))?;
        let json = match root.child_text("ResponseInJsonFormat") {
            None => false,
            Some(flag) => parse_bool(flag)
                .ok_or_else(|| ApiError::invalid("<ResponseInJsonFormat> must be true or false"))?,
        };
        // `mcsec --server` asks for its console's rendering, and sends the files its
        // statement names.
        let mcsec = root.child_text("ResponseFormat") == Some("mcsec");
        let files: Vec<(String, String)> = root
            .children
            .iter()
            .filter(|c| c.name == "File")
            .filter_map(|c| c.attribute("Path").map(|p| (p.to_string(), c.text.clone())))
            .collect();
        let text = query
            .trim()
            .trim_end_matches(|c: char| c == ';' || c.is_whitespace());
        let stmt = crate::parser::parse_statement(text, "<query>", 1, 1)
            .map_err(|e| ApiError::from_engine(&e))?;
        if matches!(stmt, Statement::Use { .. } | Statement::Login { .. }) {
            return Err(ApiError::invalid(
                "use and login are not available through the endpoint: the project is the one in the URL and the principal is the access key's",
            ));
        }
        let mut session = self.session(caller, Arc::new(BodyFile { files }));
        if let Some(project) = project {
            session
                .use_project(project)
                .map_err(|e| ApiError::from_engine(&e))?;
        }
        let render = |result: &StatementResult| {
            if mcsec {
                serde_json::json!({
                    "text": crate::exec::render::text(result),
                    "result": crate::exec::render::json(result),
                })
                .to_string()
            } else if json {
                result_json(result)
            } else {
                crate::exec::render::text(result)
            }
        };
        if matches!(
            stmt,
            Statement::InstallPackage { .. } | Statement::UninstallPackage { .. }
        ) {
            // The service answers package installs asynchronously, with an instance to poll.
            let project = project.unwrap_or_default();
            let outcome = match self.run(&mut session, &stmt) {
                Ok(result) => Ok(render(&result)),
                Err(error) if error.status >= 500 => return Err(error),
                Err(error) => Err(error.message),
            };
            let id = self.request_id();
            let mut instances = self
                .instances
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if instances.len() >= MAX_INSTANCES {
                instances.pop_front();
            }
            instances.push_back(Instance {
                id: id.clone(),
                project: project.to_ascii_lowercase(),
                principal: caller.principal.clone(),
                outcome,
            });
            return Ok(Response::xml(
                201,
                xml::document("Authorization", &xml::element("Result", &id)),
            ));
        }
        let result = self.run(&mut session, &stmt)?;
        Ok(Response::xml(
            200,
            xml::document("Authorization", &xml::element("Result", &render(&result))),
        ))
    }

    fn poll_instance(&self, caller: &Caller, project: &str, id: &str) -> ApiResult<Response> {
        let instances = self
            .instances
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let found = instances.iter().find(|i| {
            i.id == id
                && i.project == project.to_ascii_lowercase()
                && i.principal == caller.principal
        });
        let Some(instance) = found else {
            return Err(ApiError::no_such_object(format!(
                "Authorization instance {} does not exist.",
                crate::error::Escaped(id)
            )));
        };
        let (result, status) = match &instance.outcome {
            Ok(result) => (result.as_str(), "TERMINATED"),
            Err(message) => (message.as_str(), "FAILED"),
        };
        Ok(Response::xml(
            200,
            xml::document(
                "AuthorizationQuery",
                &[
                    xml::element("Result", result),
                    xml::element("Status", status),
                ]
                .concat(),
            ),
        ))
    }

    fn security_configuration(&self, session: &mut Session) -> ApiResult<SecurityConfiguration> {
        match self.run(session, &Statement::ShowSecurityConfiguration)? {
            StatementResult::SecurityConfiguration(c) => Ok(c),
            _ => Err(ApiError::new(
                500,
                "InternalServerError",
                "show SecurityConfiguration returned no configuration",
            )),
        }
    }

    fn get_security_configuration(&self, caller: &Caller, project: &str) -> ApiResult<Response> {
        let mut session = self.in_project(caller, project, None)?;
        let c = self.security_configuration(&mut session)?;
        let b = |v: bool| if v { "true" } else { "false" };
        let protection = match (&c.project_protection_exception, c.project_protection) {
            (Some(exception), true) => format!(
                r#"<ProjectProtection Protected="true">{}</ProjectProtection>"#,
                xml::element("Exceptions", exception)
            ),
            (_, protected) => format!(
                r#"<ProjectProtection Protected="{}"></ProjectProtection>"#,
                b(protected)
            ),
        };
        let mut children = vec![
            xml::element("CheckPermissionUsingAcl", b(c.check_permission_using_acl)),
            xml::element(
                "CheckPermissionUsingPolicy",
                b(c.check_permission_using_policy),
            ),
            xml::element("LabelSecurity", b(c.label_security)),
            xml::element(
                "ObjectCreatorHasAccessPermission",
                b(c.object_creator_has_access_permission),
            ),
            xml::element(
                "ObjectCreatorHasGrantPermission",
                b(c.object_creator_has_grant_permission),
            ),
            protection,
        ];
        for (name, value) in FIXED_OPTIONS {
            children.push(xml::element(name, b(*value)));
        }
        children.push(xml::element(
            "EnableDownloadPrivilege",
            b(c.enable_download_privilege),
        ));
        Ok(Response::xml(
            200,
            xml::document("SecurityConfiguration", &children.concat()),
        ))
    }

    /// A partial update: every switch the body names and that differs from the project's is
    /// set with its `set` statement, in document order; switches it does not name stay.
    fn put_security_configuration(
        &self,
        caller: &Caller,
        project: &str,
        body: &str,
    ) -> ApiResult<Response> {
        let root = xml::parse(body).map_err(|e| ApiError::invalid(e.to_string()))?;
        let protection = root.child("ProjectProtection");
        let exception = protection
            .and_then(|p| p.child_text("Exceptions"))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let mut session = self.in_project(caller, project, exception.clone())?;
        let current = self.security_configuration(&mut session)?;
        let mut statements = Vec::new();
        let set = |key: &str, value: bool, exception_file: Option<String>| {
            Statement::Set(SetStmt {
                key: key.into(),
                value: value.to_string(),
                exception_file,
                locations: None,
            })
        };
        for child in &root.children {
            let name = child.name.as_str();
            let current_value = match name {
                "CheckPermissionUsingAcl" => Some(current.check_permission_using_acl),
                "CheckPermissionUsingPolicy" => Some(current.check_permission_using_policy),
                "LabelSecurity" => Some(current.label_security),
                "ObjectCreatorHasAccessPermission" => {
                    Some(current.object_creator_has_access_permission)
                }
                "ObjectCreatorHasGrantPermission" => {
                    Some(current.object_creator_has_grant_permission)
                }
                "EnableDownloadPrivilege" => Some(current.enable_download_privilege),
                _ => None,
            };
            if name == "ProjectProtection" {
                let protected = parse_bool(child.attribute("Protected").unwrap_or("false"))
                    .ok_or_else(|| {
                        ApiError::invalid("ProjectProtection Protected must be true or false")
                    })?;
                let unchanged = protected == current.project_protection
                    && (!protected || exception == current.project_protection_exception);
                if !unchanged {
                    let file = (protected && exception.is_some()).then(|| BODY_FILE.to_string());
                    statements.push(set("ProjectProtection", protected, file));
                }
                continue;
            }
            let value = parse_bool(&child.text)
                .ok_or_else(|| ApiError::invalid(format!("{name} must be true or false")))?;
            match current_value {
                Some(now) if now != value => {
                    if name == "EnableDownloadPrivilege" {
                        statements.push(Statement::SetProject {
                            pairs: vec![(
                                "odps.security.enabledownloadprivilege".into(),
                                value.to_string(),
                            )],
                        });
                    } else {
                        statements.push(set(name, value, None));
                    }
                }
                Some(_) => {}
                None => match FIXED_OPTIONS.iter().find(|(n, _)| *n == name) {
                    Some((_, fixed)) if *fixed != value => {
                        return Err(ApiError::invalid(format!(
                            "{name} cannot be changed: it is always {fixed}"
                        )))
                    }
                    _ => {}
                },
            }
        }
        for stmt in &statements {
            self.run(&mut session, stmt)?;
        }
        Ok(Response::new(200, "application/xml", String::new()))
    }

    fn get_policy(
        &self,
        caller: &Caller,
        project: &str,
        role: Option<&str>,
    ) -> ApiResult<Response> {
        let mut session = self.in_project(caller, project, None)?;
        let stmt = Statement::GetPolicy {
            role: role.map(str::to_string),
            tenant_role: false,
        };
        match self.run(&mut session, &stmt)? {
            StatementResult::Policy { policy } => {
                Ok(Response::new(200, "application/json", policy))
            }
            _ => Err(ApiError::new(
                500,
                "InternalServerError",
                "get policy returned no policy",
            )),
        }
    }

    /// `put policy` of the body; an empty body (PyODPS's "no policy") stores the empty
    /// document.
    fn put_policy(
        &self,
        caller: &Caller,
        project: &str,
        role: Option<&str>,
        body: String,
    ) -> ApiResult<Response> {
        let body = if body.trim().is_empty() {
            crate::policy::PolicyDocument::empty().to_pretty_string()
        } else {
            body
        };
        let mut session = self.in_project(caller, project, Some(body))?;
        let stmt = Statement::PutPolicy {
            file: BODY_FILE.into(),
            role: role.map(str::to_string),
            tenant_role: false,
        };
        self.run(&mut session, &stmt)?;
        Ok(Response::new(200, "application/json", String::new()))
    }

    fn names(&self, session: &mut Session, stmt: &Statement) -> ApiResult<Vec<String>> {
        match self.run(session, stmt)? {
            StatementResult::Names { names, .. } => Ok(names),
            _ => Err(ApiError::new(
                500,
                "InternalServerError",
                "a list statement returned no names",
            )),
        }
    }

    fn list_users(&self, caller: &Caller, project: &str) -> ApiResult<Response> {
        let mut session = self.in_project(caller, project, None)?;
        let users = self.names(&mut session, &Statement::ListUsers)?;
        let children: String = users
            .iter()
            .map(|u| xml::wrap("User", &user_children(u)))
            .collect();
        Ok(Response::xml(200, xml::document("Users", &children)))
    }

    /// The canonical name of user `name` of the project (its owner included): by display name
    /// and by id alike, since a user's id is its name.
    fn get_user(&self, caller: &Caller, project: &str, name: &str) -> ApiResult<String> {
        let mut session = self.in_project(caller, project, None)?;
        let wanted = crate::exec::resolve_user(name, crate::exec::TENANT_ACCOUNT);
        let users = self.names(&mut session, &Statement::ListUsers)?;
        if users.iter().any(|u| *u == wanted) {
            return Ok(wanted);
        }
        let owner = session
            .project_summary(project)
            .map_err(|e| ApiError::from_engine(&e))?
            .owner;
        if owner == wanted {
            return Ok(wanted);
        }
        Err(ApiError::no_such_object(format!(
            "User {} does not exist in project {}.",
            crate::error::Escaped(&wanted),
            crate::error::Escaped(project)
        )))
    }

    fn user_roles(&self, caller: &Caller, project: &str, name: &str) -> ApiResult<Response> {
        let user = self.get_user(caller, project, name)?;
        let mut session = self.in_project(caller, project, None)?;
        let stmt = Statement::ShowGrants(ShowGrantsStmt {
            principal: Some(Principal {
                kind: PrincipalKind::User,
                name: user,
            }),
            on_type: None,
            on_object: None,
            properties: Vec::new(),
        });
        let roles = match self.run(&mut session, &stmt)? {
            StatementResult::Grants { roles, .. } => roles,
            // The owner holds no roles.
            _ => Vec::new(),
        };
        Ok(Response::xml(
            200,
            xml::document("Roles", &role_list(&roles)),
        ))
    }

    fn list_roles(
        &self,
        caller: &Caller,
        project: &str,
        prefix: Option<&str>,
    ) -> ApiResult<Response> {
        let mut session = self.in_project(caller, project, None)?;
        let mut roles = self.names(&mut session, &Statement::ListRoles { tenant: false })?;
        if let Some(prefix) = prefix {
            roles.retain(|r| r.starts_with(prefix));
        }
        Ok(Response::xml(
            200,
            xml::document("Roles", &role_list(&roles)),
        ))
    }

    fn describe_role(
        &self,
        caller: &Caller,
        project: &str,
        role: &str,
    ) -> ApiResult<(String, Vec<String>)> {
        let mut session = self.in_project(caller, project, None)?;
        let stmt = Statement::DescribeRole {
            tenant: false,
            name: role.to_string(),
        };
        match self.run(&mut session, &stmt)? {
            StatementResult::Role { role, users, .. } => Ok((role, users)),
            _ => Err(ApiError::new(
                500,
                "InternalServerError",
                "describe role returned no role",
            )),
        }
    }

    fn get_role(&self, caller: &Caller, project: &str, role: &str) -> ApiResult<Response> {
        let (name, _) = self.describe_role(caller, project, role)?;
        Ok(Response::xml(
            200,
            xml::document("Role", &xml::element("Name", &name)),
        ))
    }

    fn role_users(&self, caller: &Caller, project: &str, role: &str) -> ApiResult<Response> {
        let (_, users) = self.describe_role(caller, project, role)?;
        let children: String = users
            .iter()
            .map(|u| xml::wrap("User", &user_children(u)))
            .collect();
        Ok(Response::xml(200, xml::document("Users", &children)))
    }
}

/// The switches PyODPS knows that mcsec does not model: reported with these values, and a PUT
/// may only repeat them.
const FIXED_OPTIONS: &[(&str, bool)] = &[
    ("CheckPermissionUsingAclV2", false),
    ("CheckPermissionUsingPolicyV2", false),
    ("SupportACL", true),
    ("SupportPolicy", true),
    ("SupportPackage", true),
    ("SupportACLV2", false),
    ("SupportPackageV2", false),
    ("CheckPermissionUsingPackage", true),
    ("CreatePackage", true),
    ("CreatePackageV2", false),
];

fn user_children(name: &str) -> String {
    [xml::element("ID", name), xml::element("DisplayName", name)].concat()
}

fn role_list(roles: &[String]) -> String {
    roles
        .iter()
        .map(|r| xml::wrap("Role", &xml::element("Name", r)))
        .collect()
}
