//! `cargo run --release --example fmt -- <file>...`: the `mcsec fmt` code path without the CLI,
//! for whole-process measurements.

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code = mcsec::fmt::run(&paths, mcsec::fmt::Mode::Print, &mut stdout.lock(), &mut stderr.lock());
    std::process::exit(code);
}
