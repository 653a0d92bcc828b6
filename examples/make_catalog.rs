//! Builds a catalog for the start-up measurement: project `prj` with `TABLES` tables, `USERS`
//! RAM users and one `grant Select on table t_<i> to user RAM$owner:u_<j>` per (table, user)
//! pair — 100 × 1000 = 100,000 ACL grants by default.
//!
//! ```text
//! cargo run --release --example make_catalog -- /tmp/mcsec-100k [grants]
//! hyperfine -N --warmup 5 'target/release/mcsec --catalog /tmp/mcsec-100k --project prj -e "whoami;"'
//! ```
//!
//! The statements go through the same parser and `Session` as `mcsec -f` would run them, so the
//! catalog has exactly the records real use produces.

use mcsec::catalog::Catalog;
use mcsec::exec::{Session, SessionOptions};
use std::process::ExitCode;

const TABLES: usize = 100;

fn run(session: &mut Session, text: &str) -> Result<(), String> {
    let statement =
        mcsec::parser::parse_statement(text, "<make_catalog>", 1, 1).map_err(|e| e.to_string())?;
    session
        .execute(&statement)
        .map(|_| ())
        .map_err(|e| format!("{text}: {e}"))
}

fn build(dir: &str, grants: usize) -> Result<(), String> {
    let catalog = Catalog::open(dir).map_err(|e| e.to_string())?;
    let options = SessionOptions {
        user: "ALIYUN$owner".into(),
        source_ip: "127.0.0.1".into(),
        now: None,
    };
    let mut session = Session::new(catalog, options);
    run(&mut session, "create project prj")?;
    run(&mut session, "use prj")?;
    let users = grants.div_ceil(TABLES);
    for t in 0..TABLES {
        run(
            &mut session,
            &format!("create table t_{t} (id bigint, name string)"),
        )?;
    }
    for u in 0..users {
        run(&mut session, &format!("add user RAM$owner:u_{u}"))?;
    }
    let mut made = 0;
    'outer: for u in 0..users {
        for t in 0..TABLES {
            if made == grants {
                break 'outer;
            }
            run(
                &mut session,
                &format!("grant Select on table t_{t} to user RAM$owner:u_{u}"),
            )?;
            made += 1;
        }
    }
    session.flush().map_err(|e| e.to_string())?;
    println!("{dir}: project prj, {TABLES} tables, {users} users, {made} grants");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: make_catalog <catalog-dir> [grants (default 100000)]");
        return ExitCode::from(2);
    };
    let grants = match args.get(1).map(|g| g.parse::<usize>()) {
        None => 100_000,
        Some(Ok(g)) => g,
        Some(Err(e)) => {
            eprintln!("grants: {e}");
            return ExitCode::from(2);
        }
    };
    match build(dir, grants) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make_catalog: {e}");
            ExitCode::FAILURE
        }
    }
}
