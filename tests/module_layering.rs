//! The front ends share one runner and know nothing of each other: the console uses no front
//! end, no front end uses another, and only `cli`, which chooses a front end, knows them all.
//! Checked on the source text, so that a stray `use crate::batch::...` fails here rather than
//! in review.

use std::path::{Path, PathBuf};

/// Every `.rs` file of `src/<module>.rs` or under `src/<module>/`.
fn sources(module: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut found = Vec::new();
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    assert!(!found.is_empty(), "no sources for {module}");
    found
}

/// The places in `module` that name any of `forbidden` as `crate::<name>`.
fn uses(module: &str, forbidden: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    for path in sources(module) {
        let text = std::fs::read_to_string(&path).expect("read source");
        for (number, line) in text.lines().enumerate() {
            for name in forbidden {
                let path_form = format!("crate::{name}");
                let at = line.find(&path_form);
                let whole_word = at.is_some_and(|at| {
                    !line[at + path_form.len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                if whole_word {
                    hits.push(format!(
                        "{}:{}: {}",
                        path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    hits
}

#[test]
fn the_console_uses_no_front_end() {
    assert_eq!(
        uses("console", &["shell", "batch", "cli"]),
        Vec::<String>::new()
    );
}

#[test]
fn no_front_end_uses_another() {
    assert_eq!(uses("shell", &["batch", "cli", "server"]), Vec::<String>::new());
    assert_eq!(uses("batch", &["shell", "cli", "server"]), Vec::<String>::new());
    assert_eq!(
        uses("server", &["shell", "batch", "cli", "console"]),
        Vec::<String>::new()
    );
    assert_eq!(uses("console", &["server", "remote"]), Vec::<String>::new());
    // The client session of `mcsec --server` shares the wire format with the server, not code.
    assert_eq!(
        uses("remote", &["server", "shell", "batch", "cli"]),
        Vec::<String>::new()
    );
    assert_eq!(
        uses("wire", &["server", "remote", "console", "exec", "shell", "batch", "cli"]),
        Vec::<String>::new()
    );
}

#[test]
fn scripted_tests_sit_below_the_front_ends() {
    // `slt` (the .slt runner the lessons and `mcsec test` share) is a library for front ends:
    // it uses none of them; `mcsec test` (`scripted`) is a front end like the others.
    assert_eq!(
        uses("slt", &["shell", "batch", "cli", "scripted"]),
        Vec::<String>::new()
    );
    assert_eq!(
        uses("scripted", &["shell", "batch", "cli"]),
        Vec::<String>::new()
    );
    assert_eq!(uses("shell", &["scripted"]), Vec::<String>::new());
    assert_eq!(uses("batch", &["scripted", "slt"]), Vec::<String>::new());
}
