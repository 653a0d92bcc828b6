//! What is stored stays readable: a catalog written by an earlier release (format 2, the
//! fixture in `tests/data/catalog_v2/`, made by `setup.sql` there) opens and reads back exactly
//! as that release read it (`readback.out`, its transcript of `readback.sql`), is upgraded to
//! format 5 by the first run that saves (and then checks as sound), and a catalog of a format
//! this mcsec does not know is refused with one line instead of being misread.
//!
//! The transcript is `--format json`: each record's `text` is the readback as odpscmd prints it.
//! The records are compared field by field without `result`, whose JSON form is the typed value
//! of the current release (README, "JSON schema") rather than the recording release's.

use std::path::Path;
use std::process::{Command, Output};

const FIXTURE: &str = "tests/data/catalog_v2";

fn package_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mcsec(catalog: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .current_dir(package_root())
        .arg("--catalog")
        .arg(catalog)
        .args(args)
        .env("MCSEC_NOW", "2026-01-01T00:00:00Z")
        .env_remove("MCSEC_USER")
        .output()
        .expect("mcsec runs")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_format_2_catalog_reads_back_as_the_release_that_wrote_it_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    copy_dir(&package_root().join(FIXTURE).join("catalog"), &catalog);
    let out = mcsec(
        &catalog,
        &["--format", "json", "-f", &format!("{FIXTURE}/readback.sql")],
    );
    let mut transcript = String::from_utf8(out.stdout).unwrap();
    transcript.push_str(&String::from_utf8(out.stderr).unwrap());
    let expected =
        std::fs::read_to_string(package_root().join(FIXTURE).join("readback.out")).unwrap();
    assert_eq!(out.status.code(), Some(0), "{transcript}");
    assert_eq!(
        transcript.lines().count(),
        expected.lines().count(),
        "{transcript}"
    );
    for (n, (got, want)) in transcript.lines().zip(expected.lines()).enumerate() {
        assert_eq!(
            without_result(got),
            without_result(want),
            "readback differs at line {}:\n got: {got}\nwant: {want}",
            n + 1
        );
    }
}

/// A JSON record without its `result` field; any other line as it is.
fn without_result(line: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(mut record)) => {
            record.remove("result");
            serde_json::Value::Object(record).to_string()
        }
        _ => line.to_string(),
    }
}

#[test]
fn a_catalog_of_an_unknown_format_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    assert!(mcsec(&catalog, &["-e", "create project prj;"]).status.success());
    {
        // What a later release that moved to format 6 would leave.
        let store = mcsec::catalog::storage::SledStorage::open(&catalog).unwrap();
        use mcsec::catalog::storage::Storage;
        store
            .apply(
                [(b"F".to_vec(), Some(postcard::to_stdvec(&6u32).unwrap()))]
                    .into_iter()
                    .collect(),
            )
            .unwrap();
        store.flush().unwrap();
    }
    let out = mcsec(&catalog, &["-e", "list projects;"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"");
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "FAILED: catalog error: catalog {} has format 6, this mcsec reads format 5\n",
            catalog.display()
        )
    );
}

/// The format number stored in the catalog at `dir`.
fn stored_format(dir: &Path) -> u32 {
    use mcsec::catalog::storage::Storage;
    let store = mcsec::catalog::storage::SledStorage::open(dir).unwrap();
    postcard::from_bytes(&store.get(b"F").unwrap().expect("a format key")).unwrap()
}

#[test]
fn a_format_2_catalog_is_upgraded_to_format_5_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    copy_dir(&package_root().join(FIXTURE).join("catalog"), &catalog);
    assert_eq!(stored_format(&catalog), 2);
    let out = mcsec(&catalog, &["-e", "create project upgraded;"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stored_format(&catalog), 5);
    assert!(catalog.join("mcsec.flushed").is_file());
    let out = mcsec(&catalog, &["-e", "list projects;"]);
    assert!(String::from_utf8(out.stdout).unwrap().lines().any(|l| l == "upgraded"));
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .arg("check-catalog")
        .arg(&catalog)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let summary = String::from_utf8(out.stdout).unwrap();
    assert!(
        summary.starts_with(&format!("catalog {} is sound: ", catalog.display())),
        "{summary}"
    );
}
