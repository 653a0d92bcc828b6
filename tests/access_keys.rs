//! `create accesskey`, `list accesskeys`, `drop accesskey(s)`: who may, what is printed, and
//! where the secret is (only in `<catalog>/access_keys`, mode 0600, and in create's output).

#[path = "common/cli.rs"]
mod cli;

use cli::Run;
use std::path::Path;

/// `mcsec --catalog <catalog> --user <user> -e <script>` at a fixed clock.
fn mcsec(catalog: &Path, user: &str, script: &str) -> Run {
    let args = [
        "--catalog",
        catalog.to_str().unwrap(),
        "--user",
        user,
        "-e",
        script,
    ];
    cli::mcsec_with(
        workdir(catalog),
        &[("MCSEC_NOW", "2026-01-01T00:00:00Z")],
        &args,
    )
}

/// The test's directory, which holds the catalog.
fn workdir(catalog: &Path) -> &Path {
    catalog
        .parent()
        .expect("the catalog is in the test's directory")
}

/// (id, secret) of a `create accesskey` output.
fn created(out: &str) -> (String, String) {
    let field = |p: &str| {
        out.lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or_else(|| panic!("{p} in {out:?}"))
            .to_string()
    };
    (field("AccessKeyId: "), field("AccessKeySecret: "))
}

#[test]
fn keys_are_created_listed_and_dropped_by_whom_may() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("c");
    let owner = "ALIYUN$owner";
    let alice = "RAM$owner:alice";

    let out = mcsec(&catalog, owner, "create accesskey for RAM$bob;");
    assert_eq!(out.code, Some(0));
    let text = out.stdout;
    let (bob_id, bob_secret) = created(&text);
    assert_eq!(
        text,
        format!("AccessKeyId: {bob_id}\nAccessKeySecret: {bob_secret}\nPrincipal: RAM$owner:bob\nThe secret is shown only this once.\n")
    );
    assert!(bob_id.starts_with("LTAI") && bob_id.len() == 24);
    assert!(bob_secret.len() == 30 && bob_secret.chars().all(|c| c.is_ascii_alphanumeric()));

    // Anyone but the tenant account manages only its own keys.
    let out = mcsec(&catalog, alice, "create accesskey for RAM$bob;");
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr,
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:CreateAccessKey' on {acs:odps:*:accesskeys/RAM$owner:bob}.\n  in statement 1 at <cmdline>:1:1\n"
    );
    let out = mcsec(&catalog, alice, "create accesskey;");
    let (alice_id, _) = created(&out.stdout);
    let out = mcsec(&catalog, alice, "list accesskeys;");
    assert_eq!(
        out.stdout,
        format!("{alice_id}  RAM$owner:alice  2026-01-01T00:00:00+0000\n")
    );
    let out = mcsec(&catalog, alice, &format!("drop accesskey {bob_id};"));
    assert_eq!(
        out.stderr,
        format!("FAILED: Access key {bob_id} does not exist.\n  in statement 1 at <cmdline>:1:1\n")
    );

    // The tenant account sees every key, and never a secret.
    let out = mcsec(
        &catalog,
        owner,
        "list accesskeys; list accesskeys for RAM$bob;",
    );
    let listed = out.stdout;
    let mut all = [
        format!("{alice_id}  RAM$owner:alice  2026-01-01T00:00:00+0000"),
        format!("{bob_id}  RAM$owner:bob  2026-01-01T00:00:00+0000"),
    ];
    all.sort();
    assert_eq!(
        listed,
        format!(
            "{}\n{}\n{bob_id}  RAM$owner:bob  2026-01-01T00:00:00+0000\n",
            all[0], all[1]
        )
    );
    let json = cli::mcsec(
        workdir(&catalog),
        &[
            "--catalog",
            catalog.to_str().unwrap(),
            "--format",
            "json",
            "-e",
            "list accesskeys;",
        ],
    );
    assert!(!json.stdout.contains(&bob_secret));

    // The secret is in the key file only, readable by the owner alone.
    let key_file = catalog.join("access_keys");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut files = vec![catalog.clone()];
    let mut seen = 0;
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if path != key_file {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(30).any(|w| w == bob_secret.as_bytes()),
                "the secret is in {}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen > 0);

    let out = mcsec(
        &catalog,
        owner,
        "drop accesskeys for RAM$bob; list accesskeys for RAM$bob; drop accesskey nosuch;",
    );
    assert_eq!(out.stdout, "OK\nOK\n");
    assert_eq!(
        out.stderr,
        "FAILED: Access key nosuch does not exist.\n  in statement 3 at <cmdline>:1:59\n"
    );
}

#[test]
fn bad_principals_and_explain_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("c");
    let out = mcsec(&catalog, "ALIYUN$owner", "create accesskey for bogus;");
    assert_eq!(
        out.stderr,
        "FAILED: ODPS-0420095: Access Denied - Invalid account Name bogus\n  in statement 1 at <cmdline>:1:1\n"
    );
    let out = mcsec(&catalog, "ALIYUN$owner", "explain create accesskey;");
    assert_eq!(
        out.stderr,
        "FAILED: explain takes a statement that runs in the catalog, not `create`\n  in statement 1 at <cmdline>:1:1\n"
    );
    assert!(!catalog.join("access_keys").exists());
    // Syntax errors after the verbs read as before the access key statements existed.
    let out = mcsec(&catalog, "ALIYUN$owner", "list usrs;");
    assert_eq!(
        out.stderr,
        "FAILED: <cmdline>:1:6: expected one of USERS, ACCOUNTPROVIDERS, ROLES, TRUSTEDPROJECTS, PROJECTS, TENANT, GROUPS, SNAPSHOTS, found 'usrs'; did you mean 'users'?\n  in statement 1 at <cmdline>:1:1\n"
    );
}
