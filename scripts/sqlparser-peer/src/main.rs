//! `sqlparser-peer <file.sql>`: parse a whole PostgreSQL script with sqlparser-rs and print
//! every statement in its canonical text, one per line (what `mcsec fmt` does for mcsec's
//! language), so that the two are timed doing the same work on the same workload.
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::io::Write;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: sqlparser-peer <file.sql>");
        std::process::exit(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("FAILED: {path}: {e}");
            std::process::exit(2);
        }
    };
    let statements = match Parser::parse_sql(&PostgreSqlDialect {}, &text) {
        Ok(statements) => statements,
        Err(e) => {
            eprintln!("FAILED: {path}: {e}");
            std::process::exit(1);
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for s in &statements {
        let _ = writeln!(out, "{s};");
    }
}
