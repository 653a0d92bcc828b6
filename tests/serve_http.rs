//! `mcsec serve` on the wire, without PyODPS: authentication failures and their documented
//! errors, the answers PyODPS depends on byte for byte, safe defaults (loopback only, bounded
//! bodies, SIGTERM), and faults the server must outlive (a client killed mid-request, malformed
//! XML, a 10 MB body, 1,000 idle connections).

mod serve_support;

use serve_support::{batch, demo_catalog, now_date, query, send, Server, BIN};
use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

fn started() -> (
    tempfile::TempDir,
    Server,
    (String, String),
    (String, String),
) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let (owner, guest) = demo_catalog(&catalog);
    let server = Server::start(&catalog, &[]);
    (dir, server, owner, guest)
}

fn key(k: &(String, String)) -> (&str, &str) {
    (k.0.as_str(), k.1.as_str())
}

fn assert_error(answer: &serve_support::Answer, status: u16, code: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.element("Code").as_deref(), Some(code), "{answer:?}");
    // PyODPS needs all four children to pick the class.
    assert!(answer.element("Message").is_some_and(|m| !m.is_empty()));
    assert!(answer.body.contains("<RequestId>") && answer.body.contains("<HostId>mcsec</HostId>"));
}

#[test]
fn authentication_failures_have_the_documented_errors() {
    let (_dir, server, owner, _) = started();
    let addr = server.addr.as_str();
    let target = "/api/projects/demo?curr_project=demo";

    let unsigned = send(addr, "GET", target, &[], b"", None);
    assert_error(&unsigned, 401, "AuthorizationRequired");
    assert_eq!(
        unsigned.element("Message").as_deref(),
        Some("The Authorization header is invalid or missing.")
    );
    let garbled = send(
        addr,
        "GET",
        target,
        &[("Authorization", "ODPS nocolon")],
        b"",
        None,
    );
    assert_error(&garbled, 401, "AuthorizationRequired");

    let wrong = send(
        addr,
        "GET",
        target,
        &[],
        b"",
        Some((&owner.0, "not-the-secret")),
    );
    assert_error(&wrong, 403, "SignatureNotMatch");
    let unknown = send(
        addr,
        "GET",
        target,
        &[],
        b"",
        Some(("LTAInosuchkey", &owner.1)),
    );
    // An unknown key is indistinguishable from a wrong secret.
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.element("Message"), wrong.element("Message"));

    let stale = send(
        addr,
        "GET",
        target,
        &[("Date", "Mon, 05 Jan 2026 08:00:00 GMT")],
        b"",
        Some(key(&owner)),
    );
    assert_error(&stale, 403, "RequestTimeTooSkewed");
    let message = stale.element("Message").unwrap();
    assert!(
        message.contains("max_interval_date:900000,expire_date:2026-01-05T08:15:00Z,now_date:"),
        "{message}"
    );

    // A signature over other headers than those sent does not verify.
    let date = now_date();
    let auth = serve_support::authorization(key(&owner), "GET", target, &[("Date", &date)]);
    let tampered = send(
        addr,
        "GET",
        target,
        &[
            ("Date", &date),
            ("Authorization", &auth),
            ("x-odps-extra", "1"),
        ],
        b"",
        None,
    );
    assert_error(&tampered, 403, "SignatureNotMatch");

    // v4 with the right key verifies, with any region.
    let today = httpdate::fmt_http_date(std::time::SystemTime::now());
    let day = time::OffsetDateTime::now_utc();
    let scope_date = format!(
        "{:04}{:02}{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let canonical =
        mcsec::wire::sign::canonical("GET", target, "/api", [("Date", today.as_str())]);
    let scheme = mcsec::wire::sign::Scheme::V4 {
        date: scope_date.clone(),
        region: "eu-central-1".into(),
        prefix: "aliyun_v4".into(),
    };
    let sig = mcsec::wire::sign::sign(&scheme, &owner.1, &canonical);
    let v4 = format!(
        "ODPS {}/{scope_date}/eu-central-1/odps/aliyun_v4_request:{sig}",
        owner.0
    );
    let ok = send(
        addr,
        "GET",
        target,
        &[("Date", &today), ("Authorization", &v4)],
        b"",
        None,
    );
    assert_eq!(ok.status, 200, "{ok:?}");

    let good = send(addr, "GET", target, &[], b"", Some(key(&owner)));
    assert_eq!(good.status, 200);
    let log = server.log();
    assert_eq!(log.matches(": refused ").count(), 6, "{log}");
}

#[test]
fn answers_pyodps_depends_on() {
    let (_dir, server, owner, guest) = started();
    let addr = server.addr.as_str();
    let o = key(&owner);

    let project = send(
        addr,
        "GET",
        "/api/projects/demo?curr_project=demo",
        &[],
        b"",
        Some(o),
    );
    assert_eq!(project.status, 200);
    assert_eq!(project.header("x-odps-owner"), Some("ALIYUN$owner"));
    let created = project.header("x-odps-creation-time").unwrap();
    assert!(httpdate::parse_http_date(created).is_ok(), "{created}");
    assert_eq!(project.header("Last-Modified"), Some(created));
    assert_eq!(project.element("Name").as_deref(), Some("demo"));
    assert!(project.header("x-odps-request-id").is_some());

    let missing = send(addr, "GET", "/api/projects/nope", &[], b"", Some(o));
    assert_error(&missing, 404, "NoSuchProject");

    let whoami = query(addr, o, "demo", "whoami");
    assert_eq!(whoami.status, 200);
    let result: serde_json::Value =
        serde_json::from_str(&whoami.element("Result").unwrap()).unwrap();
    assert_eq!(result["ID"], "ALIYUN$owner");
    assert_eq!(result["DisplayName"], "ALIYUN$owner");
    assert_eq!(result["SourceIP"], "127.0.0.1");

    let users = query(addr, o, "demo", "list users;");
    assert_eq!(
        users.element("Result").as_deref(),
        Some(r#"["RAM$owner:guest"]"#)
    );
    let created = query(addr, o, "demo", "create role r1");
    assert_eq!(
        (created.status, created.element("Result").as_deref()),
        (200, Some(r#""OK""#))
    );
    assert_error(
        &query(addr, o, "demo", "create role r1"),
        409,
        "ObjectAlreadyExists",
    );
    assert_error(
        &query(addr, o, "demo", "drop role nosuch"),
        404,
        "NoSuchObject",
    );
    let refused = query(addr, key(&guest), "demo", "create role r2");
    assert_error(&refused, 403, "NoPermission");
    assert!(refused
        .element("Message")
        .unwrap()
        .contains("Authorization Failed [4019]"));
    assert_error(
        &query(addr, o, "demo", "list usrs"),
        400,
        "InvalidParameter",
    );
    assert_error(
        &query(addr, o, "demo", "login ALIYUN$owner"),
        400,
        "InvalidParameter",
    );
    // Statements reach no server file.
    let put = query(addr, o, "demo", "put policy /etc/passwd");
    assert_error(&put, 400, "InvalidParameter");
    assert!(put
        .element("Message")
        .unwrap()
        .contains("statements reach no files through the endpoint"));

    // Odpscmd text when JSON is not asked for.
    let body = "<Authorization><Query>list roles</Query><ResponseInJsonFormat>false</ResponseInJsonFormat></Authorization>";
    let text = send(
        addr,
        "POST",
        "/api/projects/demo/authorization",
        &[("Content-Type", "application/xml")],
        body.as_bytes(),
        Some(o),
    );
    assert_eq!(
        text.element("Result").as_deref(),
        Some("admin\nr1\nsuper_administrator")
    );

    // Policies round-trip byte for byte; a role without one answers the empty document.
    let empty = send(
        addr,
        "GET",
        "/api/projects/demo/roles/r1?policy=",
        &[],
        b"",
        Some(o),
    );
    assert_eq!(empty.status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&empty.body).is_ok(),
        "{}",
        empty.body
    );
    let policy = r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["odps:Read"], "Resource": ["acs:odps:*:projects/demo/tables/*"]}]}"#;
    let put = send(
        addr,
        "PUT",
        "/api/projects/demo/roles/r1?policy=",
        &[],
        policy.as_bytes(),
        Some(o),
    );
    assert_eq!(put.status, 200, "{put:?}");
    let got = send(
        addr,
        "GET",
        "/api/projects/demo/roles/r1?policy=",
        &[],
        b"",
        Some(o),
    );
    assert_eq!(got.body, policy);
    let bad = send(
        addr,
        "PUT",
        "/api/projects/demo?policy=",
        &[],
        b"{not json",
        Some(o),
    );
    assert_error(&bad, 400, "InvalidParameter");

    // Users by name or id, roles, membership; encoded names route as one segment.
    let user = send(
        addr,
        "GET",
        "/api/projects/demo/users/RAM%24owner%3Aguest?type=displayname",
        &[],
        b"",
        Some(o),
    );
    assert_eq!(user.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><User><ID>RAM$owner:guest</ID><DisplayName>RAM$owner:guest</DisplayName></User>");
    assert_error(
        &send(
            addr,
            "GET",
            "/api/projects/demo/users/a%2Fb",
            &[],
            b"",
            Some(o),
        ),
        404,
        "NoSuchObject",
    );
    assert_eq!(
        query(addr, o, "demo", "grant r1 to RAM$owner:guest").status,
        200
    );
    let roles = send(
        addr,
        "GET",
        "/api/projects/demo/users/RAM%24owner%3Aguest?roles=&type=displayname",
        &[],
        b"",
        Some(o),
    );
    assert_eq!(
        roles.body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Roles><Role><Name>r1</Name></Role></Roles>"
    );
    let members = send(
        addr,
        "GET",
        "/api/projects/demo/roles/r1?users=",
        &[],
        b"",
        Some(o),
    );
    assert!(
        members
            .body
            .contains("<DisplayName>RAM$owner:guest</DisplayName>"),
        "{}",
        members.body
    );
    assert_error(
        &send(
            addr,
            "GET",
            "/api/projects/demo/roles/nosuch",
            &[],
            b"",
            Some(o),
        ),
        404,
        "NoSuchObject",
    );

    // Security configuration: every element; a PUT changes only what it names.
    let config = send(
        addr,
        "GET",
        "/api/projects/demo?security_configuration=",
        &[],
        b"",
        Some(o),
    );
    for element in [
        "CheckPermissionUsingAcl",
        "LabelSecurity",
        "SupportACL",
        "CreatePackageV2",
    ] {
        assert!(
            config.body.contains(&format!("<{element}>")),
            "{element}: {}",
            config.body
        );
    }
    assert!(config
        .body
        .contains(r#"<ProjectProtection Protected="false">"#));
    let put = send(
        addr,
        "PUT",
        "/api/projects/demo?security_configuration=",
        &[],
        b"<SecurityConfiguration><LabelSecurity>TRUE</LabelSecurity></SecurityConfiguration>",
        Some(o),
    );
    assert_eq!(put.status, 200, "{put:?}");
    let shown = batch_in(&server, o, "show SecurityConfiguration");
    assert!(shown.contains(r#""LabelSecurity":true"#), "{shown}");
    assert!(
        shown.contains(r#""CheckPermissionUsingAcl":true"#),
        "{shown}"
    );
    let fixed = send(
        addr,
        "PUT",
        "/api/projects/demo?security_configuration=",
        &[],
        b"<SecurityConfiguration><SupportACL>false</SupportACL></SecurityConfiguration>",
        Some(o),
    );
    assert_error(&fixed, 400, "InvalidParameter");

    // Async: an install answers 201 with an instance to poll.
    let install = query(addr, o, "demo", "install package demo.nosuch");
    assert_eq!(install.status, 201, "{install:?}");
    let id = install.element("Result").unwrap();
    let polled = send(
        addr,
        "GET",
        &format!("/api/projects/demo/authorization/{id}"),
        &[],
        b"",
        Some(o),
    );
    assert_eq!(polled.element("Status").as_deref(), Some("FAILED"));
    // Another principal cannot see it.
    let theirs = send(
        addr,
        "GET",
        &format!("/api/projects/demo/authorization/{id}"),
        &[],
        b"",
        Some(key(&guest)),
    );
    assert_error(&theirs, 404, "NoSuchObject");

    // Background requests.
    let tenants = send(addr, "GET", "/api/tenants", &[], b"", Some(o));
    assert_eq!(
        tenants.body,
        r#"{"Tenant":{"Parameters":{"odps.namespace.schema":"false"}}}"#
    );
    assert_error(
        &send(addr, "GET", "/api/logview/host", &[], b"", Some(o)),
        404,
        "NoSuchObject",
    );
    assert_eq!(
        send(addr, "PUT", "/api/projects/demo/logs", &[], b"{}", Some(o)).status,
        200
    );
    let bearer = send(
        addr,
        "POST",
        "/api/projects/demo/authorization?sign_bearer_token",
        &[("Content-Type", "application/json")],
        b"{}",
        Some(o),
    );
    assert_error(&bearer, 400, "InvalidParameter");
    assert_error(
        &send(addr, "DELETE", "/api/projects/demo", &[], b"", Some(o)),
        405,
        "MethodNotAllowed",
    );
}

/// `statement`'s JSON result through the endpoint.
fn batch_in(server: &Server, k: (&str, &str), statement: &str) -> String {
    query(&server.addr, k, "demo", statement)
        .element("Result")
        .unwrap_or_default()
}

#[test]
fn the_server_outlives_faulty_clients() {
    let (_dir, server, owner, _) = started();
    let addr = server.addr.as_str();
    let o = key(&owner);
    let alive = || {
        let a = query(addr, o, "demo", "list users");
        assert_eq!(a.status, 200, "{a:?}");
    };

    // Malformed XML.
    for body in ["<Authorization><Query>list users", "not xml", "<a></b>", ""] {
        let a = send(
            addr,
            "POST",
            "/api/projects/demo/authorization",
            &[("Content-Type", "application/xml")],
            body.as_bytes(),
            Some(o),
        );
        assert_error(&a, 400, "InvalidParameter");
    }
    alive();

    // A 10 MB body is refused: declared up front, before any of it is read; streamed in
    // chunks, once the first MiB has arrived.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        b"PUT /api/projects/demo?policy= HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n",
    )
    .unwrap();
    let a = serve_support::read_answer(&mut s);
    assert_error(&a, 413, "InvalidParameter");
    assert!(a
        .element("Message")
        .unwrap()
        .contains("larger than 1048576 bytes"));
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(
        b"PUT /api/projects/demo?policy= HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    )
    .unwrap();
    let mut writer = s.try_clone().unwrap();
    let feeding = std::thread::spawn(move || {
        let chunk = format!("{:x}\r\n{}\r\n", 65536, "x".repeat(65536));
        for _ in 0..160 {
            if writer.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
    });
    let a = serve_support::read_answer(&mut s);
    assert_error(&a, 413, "InvalidParameter");
    drop(s);
    let _ = feeding.join();
    alive();

    // Clients that vanish: after half the headers, and after half a declared body.
    for partial in [
        "POST /api/projects/demo/authorization HTTP/1.1\r\nHost: x\r\nContent-Le".to_string(),
        "POST /api/projects/demo/authorization HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n<Authorization><Query>".to_string(),
    ] {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(partial.as_bytes()).unwrap();
        drop(s);
    }
    alive();

    // 1,000 idle connections, then a request on a new one.
    let idle: Vec<TcpStream> = (0..1000)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    alive();
    drop(idle);
    alive();
    let (status, log) = server.stop();
    assert!(status.success(), "{log}");
}

#[test]
fn a_slow_client_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let (owner, _) = demo_catalog(&catalog);
    let server = Server::start(&catalog, &["--timeout", "1"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET /api/tenants HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let _ = std::io::Read::read_to_end(&mut s, &mut buf);
    // The server closed the connection instead of waiting for the rest of the headers.
    assert!(started.elapsed() < Duration::from_secs(15));
    let a = query(&server.addr, key(&owner), "demo", "whoami");
    assert_eq!(a.status, 200);
}

#[test]
fn loopback_only_unless_told_and_a_clean_shutdown() {
    let out = Command::new(BIN)
        .args(["serve", "--catalog", ":memory:", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: refusing to listen on 0.0.0.0:0: it is not a loopback address and request bodies are not signed; pass --allow-remote to serve other hosts\n"
    );
    assert!(out.stdout.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    let (owner, _) = demo_catalog(&catalog);
    let server = Server::start(&catalog, &[]);
    // A second process cannot open the catalog the server holds.
    let busy = Command::new(BIN)
        .args([
            "--catalog",
            catalog.to_str().unwrap(),
            "-e",
            "list projects;",
        ])
        .output()
        .unwrap();
    assert_eq!(busy.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&busy.stderr).contains("is in use by another mcsec process"));
    assert_eq!(
        query(&server.addr, key(&owner), "demo", "create role kept").status,
        200
    );
    let (status, log) = server.stop();
    assert!(status.success());
    assert!(
        log.ends_with("mcsec serve: shutting down\nmcsec serve: stopped; the catalog is flushed\n"),
        "{log}"
    );
    // Released and durable.
    let after = batch(&catalog, "ALIYUN$owner", "use demo; list roles;");
    assert_eq!(after, "OK\nadmin\nkept\nsuper_administrator\n");
}

#[test]
fn many_clients_at_once_lose_nothing() {
    let (_dir, server, owner, _) = started();
    let addr = server.addr.clone();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let addr = addr.clone();
            let owner = owner.clone();
            std::thread::spawn(move || {
                for i in 0..20 {
                    let a = query(
                        &addr,
                        (&owner.0, &owner.1),
                        "demo",
                        &format!("create role r_{t}_{i}"),
                    );
                    assert_eq!(a.status, 200, "{a:?}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let roles = query(&addr, key(&owner), "demo", "list roles");
    let names: Vec<String> = serde_json::from_str(&roles.element("Result").unwrap()).unwrap();
    assert_eq!(names.len(), 8 * 20 + 2);
}
