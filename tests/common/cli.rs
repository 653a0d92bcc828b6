//! Running the real `mcsec` binary from a test: its exit code and both streams, in a directory
//! of the test's own with none of the `MCSEC_*` variables set; and a small tmpfs for tests of
//! disks that fill up or turn read-only (root only). Included with
//! `#[path = "common/cli.rs"] mod cli;`.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// `mcsec <args>` in `dir` (also its `HOME`) with none of the MCSEC_* variables set.
pub fn mcsec(dir: &Path, args: &[&str]) -> Run {
    mcsec_with(dir, &[], args)
}

/// [`mcsec`] with `env` set on top (`MCSEC_NOW` for a fixed clock, `MCSEC_CATALOG`).
pub fn mcsec_with(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("MCSEC_CATALOG")
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_NOW")
        .envs(env.iter().copied())
        .output()
        .expect("run mcsec");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// `mcsec <args>` from the package root on `catalog` (as `MCSEC_CATALOG`), its clock fixed at
/// 2026-01-01T00:00:00Z.
pub fn on_catalog(catalog: &Path, args: &[&str]) -> Run {
    let catalog = catalog.to_str().expect("utf-8 catalog path");
    mcsec_with(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            ("MCSEC_CATALOG", catalog),
            ("MCSEC_NOW", "2026-01-01T00:00:00Z"),
        ],
        args,
    )
}

/// `mcsec --catalog :memory: <args>`.
pub fn in_memory(dir: &Path, args: &[&str]) -> Run {
    mcsec(dir, &[&["--catalog", ":memory:"], args].concat())
}

/// A tmpfs mounted for the test and unmounted when dropped; `None` where it cannot be mounted
/// (mounting needs root).
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(Tmpfs { dir })
    }

    /// Remounts it with `options` (`size=4m`, `ro`).
    pub fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.dir.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "remount,{options}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}
