//! The `mcsec` binary: everything lives in the library; see `mcsec::cli`.

fn main() {
    std::process::exit(mcsec::cli::main());
}
