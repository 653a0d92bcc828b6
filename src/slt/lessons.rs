//! The course that ships inside the binary: every lesson of `scripts/lessons/` and the files
//! its statements name, embedded at build time so that `mcsec lesson` works from any directory.
//! `tests/slt_lessons.rs` checks that this list and the directory hold the same lessons.

use super::files::MemoryFiles;

/// One lesson: its name (the file name without `.slt`) and text.
pub struct Lesson {
    pub name: &'static str,
    pub text: &'static str,
}

impl Lesson {
    /// The first comment line: `# Lesson 3: ACL grants ...` → `ACL grants ...`.
    pub fn title(&self) -> &'static str {
        let first = self
            .text
            .lines()
            .find_map(|l| l.strip_prefix('#'))
            .unwrap_or_default()
            .trim();
        first
            .split_once(": ")
            .map_or(first, |(_, title)| title)
            .trim()
    }

    /// The side files, named as the lesson's statements name them (relative to the lesson).
    pub fn files(&self) -> MemoryFiles {
        MemoryFiles::new(
            FILES
                .iter()
                .map(|(name, text)| (name.to_string(), text.to_string())),
        )
    }
}

macro_rules! lessons {
    ($($name:literal),* $(,)?) => {
        /// The lessons in course order.
        pub const LESSONS: &[Lesson] = &[
            $(Lesson {
                name: $name,
                text: include_str!(concat!("../../scripts/lessons/", $name, ".slt")),
            }),*
        ];
    };
}

macro_rules! side_files {
    ($($name:literal),* $(,)?) => {
        /// The files next to the lessons that their statements read.
        pub const FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../scripts/lessons/", $name)))),*
        ];
    };
}

lessons!(
    "01_members",
    "02_roles",
    "03_acl",
    "04_policies",
    "05_labels",
    "06_packages",
    "07_protection",
    "08_trusted_exception",
    "09_whitelist_download",
    "10_explain",
    "11_project_status",
    "12_workspaces_security_check",
);
side_files!(
    "files/alice_exception.json",
    "files/alice_exception_dated.json",
    "files/allow_bob_reports.json",
    "files/deny_alice_orders.json",
);
