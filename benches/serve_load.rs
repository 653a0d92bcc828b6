//! Load on `mcsec serve`: 8 clients, each on one keep-alive connection, send 1,000 signed
//! security queries apiece to one server on a sled catalog — first `create role` (each one
//! answered only once durable), then `whoami` (reads) — and print the latency percentiles.
//! Afterwards the roles are counted: every one of the 8,000 must be there.
//!
//! `cargo bench --bench serve_load` (release build); `SERVE_LOAD_QUERIES=<n>` changes the
//! per-client count.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_mcsec");
const CLIENTS: usize = 8;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// One request on a kept-alive connection; returns the status and body.
fn exchange(stream: &mut BufReader<TcpStream>, request: &[u8]) -> (u16, String) {
    stream.get_mut().write_all(request).expect("send");
    let mut status_line = String::new();
    stream.read_line(&mut status_line).expect("status");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(": ") {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("body");
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn signed_query(addr: &str, key: &(String, String), statement: &str) -> Vec<u8> {
    let target = "/api/projects/demo/authorization?curr_project=demo";
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Authorization>\n  <Query>{statement}</Query>\n  <ResponseInJsonFormat>true</ResponseInJsonFormat>\n</Authorization>\n"
    );
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let headers = [
        ("Content-Type", "application/xml"),
        ("x-odps-user-agent", "serve_load"),
        ("Date", date.as_str()),
    ];
    let canonical = mcsec::wire::sign::canonical("POST", target, "/api", headers);
    let sig = mcsec::wire::sign::sign(&mcsec::wire::sign::Scheme::V2, &key.1, &canonical);
    let mut head = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nAuthorization: ODPS {}:{sig}\r\n",
        body.len(),
        key.0
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(&body);
    head.into_bytes()
}

fn run(
    addr: &str,
    key: &(String, String),
    per_client: usize,
    statement: fn(usize, usize) -> String,
) -> Vec<Duration> {
    let threads: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let addr = addr.to_string();
            let key = key.clone();
            std::thread::spawn(move || {
                let stream = TcpStream::connect(&addr).expect("connect");
                stream.set_nodelay(true).ok();
                let mut stream = BufReader::new(stream);
                let mut times = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let request = signed_query(&addr, &key, &statement(client, i));
                    let started = Instant::now();
                    let (status, body) = exchange(&mut stream, &request);
                    times.push(started.elapsed());
                    assert_eq!(status, 200, "{body}");
                }
                times
            })
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    all.sort();
    all
}

fn report(name: &str, times: &[Duration], wall: Duration) {
    println!(
        "{name}: {} queries in {:.2}s ({:.0}/s): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        wall.as_secs_f64(),
        times.len() as f64 / wall.as_secs_f64(),
        percentile(times, 0.50).as_secs_f64() * 1e3,
        percentile(times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is configurable from the command line.
    let per_client: usize = std::env::var("SERVE_LOAD_QUERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().expect("temp dir");
    let catalog = dir.path().join("catalog");
    let out = Command::new(BIN)
        .args([
            "--catalog",
            catalog.to_str().unwrap(),
            "-e",
            "create project demo; create accesskey;",
        ])
        .output()
        .expect("setup");
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |p: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(p))
            .expect("key")
            .to_string()
    };
    let key = (field("AccessKeyId: "), field("AccessKeySecret: "));
    let server = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--catalog",
            catalog.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("serve");
    // Stopped however main ends, so no server outlives the benchmark.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            let _ = self.0.wait();
        }
    }
    let mut server = Stop(server);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("ready");
    let addr = line
        .trim()
        .strip_prefix("mcsec serve: listening on http://")
        .and_then(|s| s.split('/').next())
        .expect("address")
        .to_string();

    let started = Instant::now();
    let writes = run(&addr, &key, per_client, |c, i| {
        format!("create role r_{c}_{i}")
    });
    report("create role (durable writes)", &writes, started.elapsed());
    let started = Instant::now();
    let reads = run(&addr, &key, per_client, |_, _| "whoami".to_string());
    report("whoami (reads)", &reads, started.elapsed());

    let mut counter = BufReader::new(TcpStream::connect(&addr).expect("connect"));
    let (_, body) = exchange(&mut counter, &signed_query(&addr, &key, "list roles"));
    // Names are JSON strings inside XML text: `&quot;r_3_17&quot;`.
    let created = body.matches("&quot;r_").count();
    println!(
        "roles counted afterwards: {created} of {}",
        CLIENTS * per_client
    );
    assert_eq!(created, CLIENTS * per_client, "queries were lost");
    drop(server);
}
