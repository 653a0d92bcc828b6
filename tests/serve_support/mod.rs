//! Starting a real `mcsec serve` on a fresh catalog, and talking to it with signed requests.
#![allow(dead_code)]

#[path = "../common/cli.rs"]
mod cli;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_mcsec");

/// Runs `script` as a batch on `catalog`; returns stdout, panicking on failure.
pub fn batch(catalog: &Path, user: &str, script: &str) -> String {
    let dir = catalog
        .parent()
        .expect("the catalog is in the test's directory");
    let args = [
        "--catalog",
        catalog.to_str().unwrap(),
        "--user",
        user,
        "-e",
        script,
    ];
    let out = cli::mcsec(dir, &args);
    assert_eq!(out.code, Some(0), "batch failed: {}", out.stderr);
    out.stdout
}

/// The (id, secret) pairs of `create accesskey` output, in order.
pub fn keys(output: &str) -> Vec<(String, String)> {
    let field = |prefix: &str| -> Vec<String> {
        output
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(str::to_string)
            .collect()
    };
    field("AccessKeyId: ")
        .into_iter()
        .zip(field("AccessKeySecret: "))
        .collect()
}

/// A catalog with project `demo` (owner ALIYUN$owner), RAM$owner:guest added as a plain user,
/// and one key for each: returns (owner key, guest key).
pub fn demo_catalog(dir: &Path) -> ((String, String), (String, String)) {
    let out = batch(
        dir,
        "ALIYUN$owner",
        "create project demo; use demo; add user RAM$owner:guest; create accesskey; create accesskey for RAM$owner:guest;",
    );
    let k = keys(&out);
    assert_eq!(k.len(), 2, "{out}");
    (k[0].clone(), k[1].clone())
}

pub struct Server {
    child: Option<Child>,
    /// `127.0.0.1:<port>`
    pub addr: String,
    pub stderr: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(catalog: &Path, extra: &[&str]) -> Server {
        Server::start_with(catalog, extra, &[])
    }

    /// With these environment variables set for the server.
    pub fn start_with(catalog: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--log-requests",
                "--catalog",
            ])
            .arg(catalog)
            .args(extra)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mcsec serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("listening line");
        let addr = line
            .trim()
            .strip_prefix("mcsec serve: listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Server {
            child: Some(child),
            addr,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// SIGTERM, then the exit status and everything it wrote on stderr.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().unwrap();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(50));
        (status, self.log())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A parsed answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The text of `<tag>` in the body.
    pub fn element(&self, tag: &str) -> Option<String> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        let start = self.body.find(&open)? + open.len();
        let end = self.body[start..].find(&close)? + start;
        Some(
            self.body[start..end]
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        )
    }
}

pub fn now_date() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now())
}

/// The `Authorization` value PyODPS would send (v2).
pub fn authorization(
    key: (&str, &str),
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> String {
    let canonical = mcsec::wire::sign::canonical(method, target, "/api", headers.iter().copied());
    let sig = mcsec::wire::sign::sign(&mcsec::wire::sign::Scheme::V2, key.1, &canonical);
    format!("ODPS {}:{sig}", key.0)
}

/// Sends one request over a fresh connection and reads the answer (`Connection: close`).
/// `headers` are signed with `key` when given (a `Date` is added unless one is there).
pub fn send(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    key: Option<(&str, &str)>,
) -> Answer {
    let date = now_date();
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    if !all.iter().any(|(k, _)| k.eq_ignore_ascii_case("date")) {
        all.push(("Date", &date));
    }
    let auth;
    if let Some(key) = key {
        auth = authorization(key, method, target, &all);
        all.push(("Authorization", &auth));
    }
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in &all {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) and close before the whole body is sent.
    let _ = stream.write_all(body);
    read_answer(&mut stream)
}

pub fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no answer: {text:?}"));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_string(),
    }
}

/// A signed security query as PyODPS sends it.
pub fn query(addr: &str, key: (&str, &str), project: &str, statement: &str) -> Answer {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Authorization>\n  <Query>{}</Query>\n  <ResponseInJsonFormat>true</ResponseInJsonFormat>\n</Authorization>\n",
        statement.replace('&', "&amp;").replace('<', "&lt;")
    );
    send(
        addr,
        "POST",
        &format!("/api/projects/{project}/authorization?curr_project={project}"),
        &[("Content-Type", "application/xml")],
        body.as_bytes(),
        Some(key),
    )
}
