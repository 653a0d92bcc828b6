//! `cargo run --release --example gen_script -- <out.sql> [count]`: write the benchmark script
//! (default 100 000 statements).

#[path = "../scripts/gen_script.rs"]
mod gen_script;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: gen_script <out.sql> [count]");
        std::process::exit(2);
    };
    let count = args.next().and_then(|c| c.parse().ok()).unwrap_or(100_000);
    if let Err(e) = std::fs::write(&path, gen_script::generate(count)) {
        eprintln!("FAILED: {path}: {e}");
        std::process::exit(1);
    }
}
