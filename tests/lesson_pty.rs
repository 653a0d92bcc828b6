//! `mcsec lesson` driven through a real pseudo-terminal (tmux, as `tests/shell_pty.rs` drives
//! the shell): the list of lessons, a step typed right, a wrong answer with what the lesson
//! expected and the `explain` hint, a step run with Enter, leaving, the progress kept per
//! learner, and resuming where the learner left.

#[path = "common/cli.rs"]
mod cli;
#[path = "common/tmux.rs"]
mod tmux;

use tmux::Tmux;

#[test]
fn a_learner_walks_a_lesson_gets_a_hint_for_a_wrong_answer_and_resumes_later() {
    let t = Tmux::start(&["lesson", "01"]);
    t.wait_text("[1/15 ALIYUN$owner]>");
    let screen = t.screen();
    assert!(
        screen.starts_with("Lesson 01_members — Members and account kinds\n"),
        "{screen}"
    );
    assert!(!screen.contains("# The tenant account"), "{screen}");
    assert!(
        screen.contains("The tenant account creates a project; it becomes the project's owner."),
        "{screen}"
    );

    // A wrong answer: the name is too short, so the statement fails where the lesson expects
    // success. The learner sees why and the explain of the statement.
    t.line("create project s;");
    let screen = t.wait_text("Try again, or press Enter");
    assert!(
        screen.contains("FAILED: Invalid project name 's'"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "✗ Not what the lesson expected:\nstatement failed: Invalid project name 's'"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("Hint: explain create project s;\nExplain: create project s"),
        "{screen}"
    );
    assert!(
        screen.contains("Outcome: would fail: Invalid project name 's'"),
        "{screen}"
    );

    // The right answer passes the step.
    t.line("create project sales;");
    t.wait_text("✓ step 1 of 15");
    // Enter runs the lesson's own statement, echoed first. Keys wait for the prompt: one
    // pressed while the terminal is still in cooked mode is the line discipline's, not
    // the editor's (a Ctrl-D there is an end of file that never reaches it).
    t.wait_text("[2/15 ALIYUN$owner]>");
    t.keys(&["Enter"]);
    let screen = t.wait_text("✓ step 2 of 15");
    assert!(
        screen.contains("> use sales;\nOK\n✓ step 2 of 15"),
        "{screen}"
    );
    t.wait_text("[3/15 ALIYUN$owner]>");
    t.line("whoami;");
    let screen = t.wait_text("✓ step 3 of 15");
    assert!(
        screen.contains("Name: ALIYUN$owner\nSource IP: 127.0.0.1\nProject: sales\n✓ step 3 of 15"),
        "{screen}"
    );
    t.wait_text("[4/15 ALIYUN$owner]>");
    t.line("quit;");
    t.wait_text("Left at step 4 of 15; progress kept.");
    t.wait_exit();
    let home = t.into_home();
    let progress = std::fs::read_to_string(home.path().join(".mcsec/lessons.json")).unwrap();
    let progress: serde_json::Value = serde_json::from_str(&progress).unwrap();
    assert_eq!(progress["ALIYUN$owner"]["01_members"], 3);

    // The list shows the progress of this learner only.
    let listed = cli::mcsec(home.path(), &["lesson"]).stdout;
    assert!(
        listed.starts_with("Lessons (mcsec lesson <name>; progress of ALIYUN$owner):\n"),
        "{listed}"
    );
    let line = listed.lines().find(|l| l.contains("01_members")).unwrap();
    assert!(line.ends_with("[3/15 steps]"), "{line}");
    assert!(line.contains("Members and account kinds"), "{line}");
    let other = cli::mcsec(home.path(), &["lesson", "--user", "RAM$trainee"]).stdout;
    assert!(
        other
            .lines()
            .any(|l| l.contains("01_members") && l.ends_with("[not started]")),
        "{other}"
    );

    // Resuming replays the three steps and opens the fourth, as the owner again.
    let t = Tmux::start_in(home, &["lesson", "01_members"], &[]);
    let screen = t.wait_text("[4/15 ALIYUN$owner]>");
    assert!(screen.contains("Resuming after step 3 of 15."), "{screen}");
    // Step 4 adds alice. A statement of another kind does not pass it, even though it
    // would succeed, and is not run.
    t.line("list users;");
    let screen = t.wait_text("Try again, or press Enter to run the lesson's statement.\n[4/15 ALIYUN$owner]>");
    assert!(
        screen.contains("✗ Not what the lesson expected: this step wants a statement starting with `add user`.\nHint: explain list users;\nExplain: list users"),
        "{screen}"
    );
    // Enter runs the lesson's own: the state of steps 1-3 (the project, the current project)
    // is back, or adding a user would fail.
    t.keys(&["Enter"]);
    t.wait_text("✓ step 4 of 15");
    t.wait_text("[5/15 ALIYUN$owner]>");
    t.keys(&["C-d"]);
    t.wait_text("Left at step 5 of 15; progress kept.");
    t.wait_exit();
}

#[test]
fn an_unknown_lesson_is_refused() {
    let home = tempfile::tempdir().unwrap();
    let out = cli::mcsec(home.path(), &["lesson", "99_nothing"]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr,
        "FAILED: no lesson '99_nothing'; mcsec lesson lists them\n"
    );
}
