//! The interactive shell driven through a real pseudo-terminal: each test starts `mcsec` inside
//! its own tmux server (`tmux -L <socket>`), types with `send-keys` and reads the screen with
//! `capture-pane`. Waiting is by polling the screen for the expected text (with a generous
//! deadline that only guards against hangs; nothing here measures speed).

#[path = "common/tmux.rs"]
mod tmux;
mod serve_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use tmux::Tmux;

fn catalog_in(home: &Path) -> PathBuf {
    home.join("catalog")
}

/// A shell on a throw-away catalog with project `prj` created and current.
fn shell_in_project() -> Tmux {
    let t = Tmux::start(&["--catalog", ":memory:", "--color", "never"]);
    t.wait_text("Connected!");
    t.line("create project prj; use prj;");
    t.wait_text("prj>");
    t
}

#[test]
fn banner_prompt_and_statement_over_two_lines_recalled_from_history() {
    let t = Tmux::start(&["--catalog", ":memory:", "--color", "never"]);
    // The banner is drawn before the prompt: wait for the prompt, not just the banner.
    let screen = t.wait_text("to leave.\n>");
    assert!(
        screen.starts_with(concat!(
            "mcsec ",
            env!("CARGO_PKG_VERSION"),
            " - MaxCompute project-security sandbox\n"
        )),
        "{screen}"
    );
    assert!(
        screen.contains("User: ALIYUN$owner\nConnecting to :memory:\nConnected!\nType \"help;\" for help, \"quit;\" to leave.\n>"),
        "{screen}"
    );

    // Not complete without `;`: the continuation prompt asks for more.
    t.line("help");
    t.wait_text("\n->");
    t.line(";");
    t.wait_count("Statements (type \"help <keyword>;\" for an explanation, an example and the syntax):", 1);

    // Up recalls the whole two-line statement as one entry; Enter runs it again.
    t.keys(&["Up"]);
    t.wait_count("help", 3);
    t.keys(&["Enter"]);
    t.wait_count("Statements (type \"help <keyword>;\" for an explanation, an example and the syntax):", 2);

    t.line("history;");
    let screen = t.wait_text("    1  help\n       ;\n    2  history;\n");
    assert!(!screen.contains("FAILED"), "{screen}");

    // Saved on exit under $HOME/.mcsec/history.
    t.line("quit;");
    t.wait_exit();
    let history = std::fs::read_to_string(t.home().join(".mcsec/history")).expect("history file");
    assert!(history.contains("help"), "{history}");
    assert!(history.contains("history;"), "{history}");
}

#[test]
fn history_persists_across_sessions_and_ctrl_r_searches_it() {
    let t = Tmux::start(&["--catalog", ":memory:", "--color", "never"]);
    t.wait_text("Connected!");
    t.line("help grant;");
    t.wait_text("role_grants: ");
    t.line("exit;");
    t.wait_exit();
    let home = t.into_home();
    assert!(std::fs::read_to_string(home.path().join(".mcsec/history"))
        .unwrap_or_default()
        .contains("help grant;"));

    let t = Tmux::start_in(home, &["--catalog", ":memory:", "--color", "never"], &[]);
    t.wait_text("Connected!");
    t.keys(&["C-r"]);
    t.type_text("gran");
    t.wait_text("help grant;");
    t.keys(&["Enter"]);
    t.wait_text("role_grants: ");
}

#[test]
fn ctrl_c_clears_an_unfinished_statement() {
    let t = Tmux::start(&["--catalog", ":memory:", "--color", "never"]);
    t.wait_text("Connected!");
    t.line("create project");
    t.wait_text("\n->");
    t.type_text("half typed");
    t.keys(&["C-c"]);
    t.wait_for("a fresh prompt", |s| s.trim_end().ends_with('>'));
    // The next statement starts from an empty buffer: `create project help;` never runs.
    t.line("help;");
    let screen = t.wait_text("Statements (type");
    assert!(!screen.contains("FAILED"), "{screen}");
    // Ctrl-D on an empty line leaves; it waits for the prompt, as before it the terminal is
    // in cooked mode and the end of file would be the line discipline's.
    t.wait_for("the prompt after help", |s| s.trim_end().ends_with('>'));
    t.keys(&["C-d"]);
    t.wait_exit();
}

#[test]
fn several_statements_on_one_line_run_in_order_and_stop_at_a_failure() {
    let t = shell_in_project();
    t.line("add user RAM$owner:alice; add user RAM$owner:alice; add user RAM$owner:bob;");
    t.wait_text(
        "FAILED: ODPS-0420095: Access Denied - User RAM$owner:alice already exists in project prj.",
    );
    t.line("list users;");
    let screen = t.wait_text("list users;\nRAM$owner:alice\nprj>");
    let listed = screen.rsplit("list users;").next().unwrap_or("");
    assert!(!listed.contains("RAM$owner:bob"), "{screen}");
}

#[test]
fn tab_completes_a_table_name() {
    let t = shell_in_project();
    t.line("create table sales_2024 (shop string, amount bigint);");
    t.wait_count("OK", 3);
    // Each key goes once the shell has shown what came before it: a Tab that overtook its text
    // would complete something else.
    t.type_text("desc SAL");
    t.wait_text("prj> desc SAL");
    t.keys(&["Tab"]);
    t.wait_text("prj> desc sales_2024");
    t.keys(&["C-c"]);
    t.wait_for("a fresh prompt", |s| s.trim_end().ends_with("prj>"));
    // Keywords complete too, in the case being typed.
    t.type_text("WHOA");
    t.wait_text("prj> WHOA");
    t.keys(&["Tab"]);
    t.wait_text("prj> WHOAMI");
    t.keys(&["C-c"]);
    t.wait_for("a fresh prompt", |s| s.trim_end().ends_with("prj>"));
    // On a continuation line the statement's first words, typed earlier, decide what completes.
    t.line("select shop");
    t.wait_text("prj> select shop\n");
    t.type_text("from sal");
    t.wait_text("> from sal");
    t.keys(&["Tab"]);
    t.wait_text("> from sales_2024");
}

#[test]
fn tab_completes_role_and_user_names() {
    let t = shell_in_project();
    t.line("create role analyst_team; add user RAM$owner:alice;");
    t.wait_count("OK", 4);
    t.type_text("describe role ANA");
    t.keys(&["Tab"]);
    t.wait_text("prj> describe role analyst_team");
    t.keys(&["C-c"]);
    t.type_text("grant analyst_team to RAM$owner:al");
    t.keys(&["Tab"]);
    t.wait_text("prj> grant analyst_team to RAM$owner:alice");
}

#[test]
fn drop_asks_for_confirmation_no_cancels_yes_runs() {
    let t = shell_in_project();
    t.line("create role analyst;");
    t.wait_count("OK", 3);
    t.line("drop role   analyst;");
    t.wait_text("Confirm to \"drop role   analyst\" (yes/no)?");
    t.line("no");
    t.wait_text("Cancelled.");
    t.line("list roles;");
    t.wait_text("analyst\n");
    t.line("DROP ROLE analyst;");
    t.wait_text("Confirm to \"DROP ROLE analyst\" (yes/no)?");
    t.line("yes");
    t.wait_count("OK", 4);
    t.line("list roles;");
    t.wait_for("roles listed after the drop", |s| {
        s.matches("list roles;").count() == 2 && s.trim_end().ends_with("prj>")
    });
    let screen = t.screen();
    let after = screen.rsplit("list roles;").next().unwrap_or("");
    assert!(!after.contains("analyst"), "{screen}");
}

#[test]
fn inaccessible_project_starts_with_no_project() {
    let t = Tmux::start(&[
        "--catalog",
        ":memory:",
        "--color",
        "never",
        "--project",
        "nosuch",
    ]);
    let screen =
        t.wait_text("Connecting to :memory:, project: nosuch\nAccessing project 'nosuch' failed: ");
    assert!(
        screen.trim_end().ends_with('>') && !screen.contains("nosuch>"),
        "{screen}"
    );
}

#[test]
fn colour_follows_color_flag_and_no_color() {
    let t = Tmux::start(&["--catalog", ":memory:", "--color", "always"]);
    t.wait_text("Connected!");
    t.type_text("list users");
    t.wait_text("> list users");
    let coloured = t.screen_with_escapes();
    assert!(
        coloured.contains("\x1b[1m"),
        "no bold prompt/keyword: {coloured:?}"
    );

    let t = Tmux::start_with(&["--catalog", ":memory:"], &[("NO_COLOR", "1")]);
    t.wait_text("Connected!");
    t.type_text("list users");
    t.wait_text("> list users");
    let plain = t.screen_with_escapes();
    assert!(
        !plain.contains('\x1b'),
        "colour despite NO_COLOR: {plain:?}"
    );
}

#[test]
fn a_durable_catalog_is_shared_with_batch_runs() {
    let t = Tmux::start(&["--color", "never"]);
    t.wait_text("Connected!");
    t.line("create project shared;");
    t.wait_text("OK");
    t.line("quit;");
    t.wait_exit();
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(["-e", "list projects;"])
        .env("HOME", t.home())
        .env_remove("MCSEC_CATALOG")
        .output()
        .expect("run mcsec");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "shared\n");
    assert!(catalog_in(&t.home().join(".mcsec")).is_dir());
}

#[test]
fn json_format_in_the_shell_prints_records() {
    let t = Tmux::start(&[
        "--catalog",
        ":memory:",
        "--color",
        "never",
        "--format",
        "json",
    ]);
    t.wait_text("Connected!");
    t.line("whoami; use nosuch;");
    t.wait_text(
        "{\"statement\":\"whoami\",\"ok\":true,\"result\":{\"type\":\"whoami\",\"ID\":\"ALIYUN$owner\",\"DisplayName\":\"ALIYUN$owner\"",
    );
    let screen = t.wait_text("{\"statement\":\"use nosuch\",\"ok\":false,\"error\":");
    assert!(screen.contains("\nFAILED: "), "{screen}");
}

/// Lines that arrive faster than the shell reads them (typed ahead while a statement runs, or
/// piped in by a terminal multiplexer in one write) all run, in order: the line editor keeps
/// the bytes it read past the end of a line for the next prompt, confirmations included.
#[test]
fn lines_typed_ahead_all_run_in_order() {
    let t = Tmux::start(&["--catalog", ":memory:", "--color", "never"]);
    t.wait_text("Connected!");
    t.type_text(
        "create project prj;\ruse prj;\rcreate role r1;\rcreate role\rr2;\rdrop role r1;\ryes\rlist roles;\r",
    );
    let screen = t.wait_text("prj> list roles;\nadmin\nr2\nsuper_administrator\nprj>");
    assert!(
        screen.contains(concat!(
            "> create project prj;\nOK\n",
            "> use prj;\nOK\n",
            "prj> create role r1;\nOK\n",
            "prj> create role\n   > r2;\nOK\n",
            "prj> drop role r1;\nConfirm to \"drop role r1\" (yes/no)? yes\nOK\n",
            "prj> list roles;\nadmin\nr2\nsuper_administrator\n",
        )),
        "{screen}"
    );
    assert!(!screen.contains("FAILED"), "{screen}");
}

#[test]
fn login_keeps_the_project_when_it_may_says_why_when_not_and_restores_it() {
    let t = shell_in_project();
    t.line("add user RAM$owner:alice;");
    t.wait_count("OK", 3);
    t.line("login RAM$owner:alice;");
    t.wait_text("prj> ");
    t.line("login RAM$nobody;");
    // The pane wraps long lines: wait for the start of the sentence that says why.
    t.wait_text("OK: logged in as RAM$owner:nobody, who may not enter project prj (ODPS-0420095");
    t.wait_for("a prompt without a project", |s| s.trim_end().ends_with("\n>"));
    t.line("login ALIYUN$owner;");
    t.wait_for("the project back", |s| s.trim_end().ends_with("prj>"));
}

#[test]
fn login_from_another_address_gets_past_a_whitelist_that_shut_the_shell_out() {
    let t = shell_in_project();
    t.line("setproject odps.security.ip.whitelist=10.0.0.5;");
    t.wait_count("OK", 3);
    t.line("list users;");
    t.wait_text("is not in the ip white list of project prj");
    t.line("login ALIYUN$owner from 10.0.0.5;");
    t.line("whoami;");
    t.wait_text("Source IP: 10.0.0.5");
    t.line("setproject odps.security.ip.whitelist=;");
    t.wait_count("OK", 5);
}

#[test]
fn quit_and_exit_without_a_semicolon_leave() {
    for word in ["quit", "exit", "Q"] {
        let t = Tmux::start(&["--catalog", ":memory:", "--color", "never"]);
        t.wait_text("Connected!");
        t.line(word);
        t.wait_exit();
    }
}

#[test]
fn completion_offers_only_what_the_grammar_allows() {
    let t = shell_in_project();
    t.line("create project policies;");
    t.wait_count("OK", 3);
    t.type_text("use pol");
    t.wait_text("prj> use pol");
    t.keys(&["Tab"]);
    t.wait_text("prj> use policies");
}

#[test]
fn a_statement_that_would_fail_is_not_confirmed_first() {
    let t = shell_in_project();
    t.line("remove user RAM$ghost;");
    t.wait_text("FAILED: ODPS-0420095: Access Denied - Principal RAM$owner:ghost does not exist in project prj.");
    assert!(!t.screen().contains("Confirm to"), "{}", t.screen());
}

#[test]
fn help_on_a_keyword_explains_and_gives_an_example_first() {
    let t = shell_in_project();
    t.line("help use;");
    t.wait_text("projects: create, drop and list projects; choose the current project and the acting user\n  Sandbox statements: make projects, choose the current one, act as another principal (and from another address).\n  Example:\n    create project prj3; use prj3; login RAM$owner:bob from 10.0.0.5; whoami;\n  Syntax:");
}

/// `mcsec --server`: two shells, two principals, one tenant, at the same time.
#[test]
fn two_shells_as_two_principals_share_one_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let catalog = dir.path().join("catalog");
    let (owner, guest) = serve_support::demo_catalog(&catalog);
    let server = serve_support::Server::start(&catalog, &[]);
    let url = format!("http://{}/api", server.addr);
    let shell = |key: &(String, String)| {
        Tmux::start(&[
            "--server",
            &url,
            "--access-id",
            &key.0,
            "--access-key",
            &key.1,
            "--project",
            "demo",
            "--color",
            "never",
        ])
    };
    let a = shell(&owner);
    let b = shell(&guest);
    let banner = a.wait_text("Connected!");
    assert!(banner.contains("User: ALIYUN$owner"), "{banner}");
    assert!(banner.contains(&format!("Connecting to {url}, project: demo")), "{banner}");
    let banner = b.wait_text("Connected!");
    assert!(banner.contains("User: RAM$owner:guest"), "{banner}");

    a.line("create role analysts;");
    a.wait_text("OK");
    b.line("create role mine;");
    b.wait_text("FAILED: ODPS-0420095: Access Denied - Authorization Failed [4019]");
    a.line("grant analysts to RAM$owner:guest;");
    a.wait_count("OK", 2);
    b.line("show grants;");
    b.wait_text("[roles]\nanalysts");
    // Completion asks the server for the names.
    a.type_text("describe role analy");
    a.wait_text("demo> describe role analy");
    a.keys(&["Tab"]);
    a.wait_text("demo> describe role analysts");
    a.keys(&["C-c"]);
    for t in [&a, &b] {
        t.line("quit;");
        t.wait_exit();
    }
    drop(server);
}
