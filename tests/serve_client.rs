//! `mcsec --server URL --access-id --access-key`: a batch run on a running `mcsec serve` prints
//! exactly what the same run on a local catalog prints, in text and in JSON, failures included;
//! two principals work on one tenant at once; `odps_config.ini` can name a local server.

mod serve_support;

use serve_support::{keys, Server, BIN};
use std::path::Path;
use std::process::{Command, Output};

const NOW: &str = "2026-01-01T00:00:00Z";

const SCRIPT: &str = "create project prj1 comment 'sales';
use prj1;
whoami;
add user RAM$bob;
create role analyst;
grant analyst to RAM$bob;
create table t (name string, phone string);
grant Select on table t to user RAM$bob;
show grants for RAM$bob;
describe role analyst;
list users;
set LabelSecurity=true;
set label 2 to table t(phone);
show SecurityConfiguration;
put policy @DIR@/policy.json;
get policy;
insert into t values ('a', '1');
select * from t;
explain select phone from t;
list projects;
drop role nosuch;
list roles;
";

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("MCSEC_NOW", NOW)
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_CATALOG")
        .output()
        .expect("mcsec runs")
}

/// A server on a fresh catalog with keys for the tenant account and for RAM$owner:bob.
fn server(dir: &Path) -> (Server, (String, String), (String, String)) {
    let catalog = dir.join("served");
    let out = run(
        &[
            "--catalog",
            catalog.to_str().unwrap(),
            "-e",
            "create accesskey; create accesskey for RAM$owner:bob;",
        ],
        dir,
    );
    let k = keys(&String::from_utf8_lossy(&out.stdout));
    let server = Server::start_with(&catalog, &[], &[("MCSEC_NOW", NOW)]);
    (server, k[0].clone(), k[1].clone())
}

#[test]
fn a_script_prints_the_same_on_a_server_as_on_a_catalog() {
    let dir = tempfile::tempdir().unwrap();
    // Text, JSON, and text echoing each statement (`-a`).
    for (n, (format, echo)) in [("text", false), ("json", false), ("text", true)]
        .into_iter()
        .enumerate()
    {
        let echo_flag: &[&str] = if echo { &["-a"] } else { &[] };
        // Each format on its own tenant: a fresh local catalog, a fresh server.
        let served = dir.path().join(format!("served{n}"));
        std::fs::create_dir_all(&served).unwrap();
        let (server, owner, _) = server(&served);
        let url = format!("http://{}/api", server.addr);
        let local_catalog = dir.path().join(format!("local{n}"));
        let project = format!("prj{}", n + 1);
        let text = SCRIPT
            .replace("@DIR@", &dir.path().display().to_string())
            .replace("prj1", &project);
        std::fs::write(dir.path().join(format!("s{n}.sql")), &text).unwrap();
        let this = dir.path().join(format!("s{n}.sql"));
        let this = this.to_str().unwrap();
        // The policy names the project it is put in; the client reads it from its own disk.
        std::fs::write(
            dir.path().join("policy.json"),
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Principal": "RAM$owner:bob", "Action": "odps:Describe", "Resource": "acs:odps:*:projects/PRJ/tables/t"}]}"#
                .replace("PRJ", &project),
        )
        .unwrap();
        let local = run(
            &[
                &[
                    "--catalog",
                    local_catalog.to_str().unwrap(),
                    "--format",
                    format,
                    "-f",
                    this,
                ][..],
                echo_flag,
            ]
            .concat(),
            dir.path(),
        );
        let remote = run(
            &[
                &[
                    "--server",
                    &url,
                    "--access-id",
                    &owner.0,
                    "--access-key",
                    &owner.1,
                    "--format",
                    format,
                    "-f",
                    this,
                ][..],
                echo_flag,
            ]
            .concat(),
            dir.path(),
        );
        if echo {
            assert!(
                String::from_utf8_lossy(&remote.stdout).starts_with("> "),
                "echoed"
            );
        }
        assert_eq!(local.status.code(), Some(1), "{format}");
        assert_eq!(remote.status.code(), local.status.code(), "{format}");
        assert_eq!(
            String::from_utf8_lossy(&remote.stdout),
            String::from_utf8_lossy(&local.stdout),
            "{format}"
        );
        assert_eq!(
            String::from_utf8_lossy(&remote.stderr),
            String::from_utf8_lossy(&local.stderr),
            "{format}"
        );
        assert!(String::from_utf8_lossy(&local.stderr).starts_with(
            "FAILED: ODPS-0420095: Access Denied - Principal nosuch does not exist in project"
        ));
    }
}

#[test]
fn two_principals_on_one_tenant_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (server, owner, bob) = server(dir.path());
    let url = format!("http://{}/api", server.addr);
    let as_key = |k: &(String, String), project: Option<&str>, script: &str| {
        let mut args = vec![
            "--server",
            url.as_str(),
            "--access-id",
            &k.0,
            "--access-key",
            &k.1,
        ];
        if let Some(p) = project {
            args.extend(["--project", p]);
        }
        args.extend(["-e", script]);
        run(&args, dir.path())
    };
    let out = as_key(
        &owner,
        None,
        "create project demo; use demo; add user RAM$bob; create role r1;",
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\nOK\nOK\nOK\n");

    let bob_runs = std::thread::scope(|s| {
        let owner_side = s.spawn(|| {
            as_key(
                &owner,
                Some("demo"),
                "grant r1 to RAM$bob; grant CreateTable on project demo to role r1;",
            )
        });
        let bob_side = s.spawn(|| as_key(&bob, Some("demo"), "whoami;"));
        (owner_side.join().unwrap(), bob_side.join().unwrap())
    });
    assert_eq!(
        String::from_utf8_lossy(&bob_runs.0.stdout),
        "OK\nOK\n",
        "{}",
        String::from_utf8_lossy(&bob_runs.0.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&bob_runs.1.stdout),
        "Name: RAM$owner:bob\nSource IP: 127.0.0.1\nProject: demo\n"
    );
    let out = as_key(&bob, Some("demo"), "show grants; create role r2;");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next(),
        Some("[roles]")
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019], You have NO privilege 'odps:CreateRole' on {acs:odps:*:projects/demo/authorization/roles/resource/r2}.\n  in statement 2 at <cmdline>:1:14\n"
    );
    let out = as_key(&bob, None, "login ALIYUN$owner;");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "FAILED: login is not available with --server: the principal is the access key's (run with another --access-id)\n  in statement 1 at <cmdline>:1:1\n"
    );
    let out = as_key(&bob, Some("nope"), "whoami;");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "FAILED: Accessing project 'nope' failed: ODPS-0420111: Project not found - 'nope'.\n"
    );
    let wrong = run(
        &[
            "--server",
            &url,
            "--access-id",
            &bob.0,
            "--access-key",
            "wrong",
            "-e",
            "list projects;",
        ],
        dir.path(),
    );
    assert_eq!(
        String::from_utf8_lossy(&wrong.stderr),
        "FAILED: SignatureNotMatch: The request signature we calculated does not match the signature you provided. Check your access key and signing method.\n  in statement 1 at <cmdline>:1:1\n"
    );
}

#[test]
fn a_config_file_names_a_local_server_and_a_remote_end_point_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (server, owner, _) = server(dir.path());
    let ini = dir.path().join("odps_config.ini");
    std::fs::write(
        &ini,
        format!(
            "end_point=http://{}/api\naccess_id={}\naccess_key={}\n",
            server.addr, owner.0, owner.1
        ),
    )
    .unwrap();
    let config = format!("--config={}", ini.display());
    let out = run(
        &[&config, "-e", "create project viaini; list projects;"],
        dir.path(),
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\nviaini\n");

    // An odpscmd config naming the real service is not followed: its keys are ignored.
    let real = dir.path().join("real.ini");
    std::fs::write(
        &real,
        format!(
            "end_point=http://service.cn-hangzhou.maxcompute.aliyun.com/api\naccess_id=x\naccess_key=y\ncatalog={}\n",
            dir.path().join("local").display()
        ),
    )
    .unwrap();
    let out = run(
        &[
            &format!("--config={}", real.display()),
            "-e",
            "list projects;",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "OK\n");
    let name = real.display().to_string();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("warning: {name}:1: ignoring key 'end_point' (mcsec reads project_name, catalog, user)\nwarning: {name}:2: ignoring key 'access_id' (mcsec reads project_name, catalog, user)\nwarning: {name}:3: ignoring key 'access_key' (mcsec reads project_name, catalog, user)\n")
    );

    let out = run(
        &["--server", "http://127.0.0.1:1/api", "-e", "list projects;"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "--server http://127.0.0.1:1/api needs --access-id and --access-key (or access_id and access_key in --config)"
    ));
    let out = run(
        &[
            "--server",
            "ftp://x",
            "--access-id",
            "a",
            "--access-key",
            "b",
            "-e",
            "x;",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("invalid endpoint 'ftp://x': mcsec serve speaks http://host:port/api"));
}
