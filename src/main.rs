//! The `mcsec` binary: everything lives in the library; see `mcsec::cli`.

// A batch allocates and frees many small keys, values and strings per statement; glibc's
// allocator spent a fifth of a 100k-statement apply in malloc and free and fragmented as the
// trail's records came and went. jemalloc runs the same batch in fewer instructions and a
// smaller peak (README, "Performance").
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    std::process::exit(mcsec::cli::main());
}
