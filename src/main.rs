fn main() {
    eprintln!("mcsec: under construction");
    std::process::exit(2);
}
