//! `mcsec lesson` driven through a real pseudo-terminal (tmux, as `tests/shell_pty.rs` drives
//! the shell): the list of lessons, a step typed right, a wrong answer with what the lesson
//! expected and the `explain` hint, a step run with Enter, leaving, the progress kept per
//! learner, and resuming where the learner left.

use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);
const DEADLINE: Duration = Duration::from_secs(20);

struct Tmux {
    socket: String,
    home: Option<tempfile::TempDir>,
}

impl Tmux {
    /// Starts `mcsec <args>` in a fresh tmux server, `HOME` a new temp dir.
    fn start(args: &[&str]) -> Tmux {
        Self::start_with(args, &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Tmux {
        Self::start_in(tempfile::tempdir().expect("temp home"), args, env)
    }

    /// Starts `mcsec <args>` with `HOME` = `home` (kept by the returned value).
    fn start_in(home: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Tmux {
        let socket = format!(
            "mcsec-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let mut command = vec![shell_quote(env!("CARGO_BIN_EXE_mcsec"))];
        command.extend(args.iter().map(|a| shell_quote(a)));
        let mut tmux = Command::new("tmux");
        tmux.args([
            "-L",
            &socket,
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "150",
            "-y",
            "50",
            "-s",
            "t",
        ])
        .arg(command.join(" "))
        .env("HOME", home.path())
        .env("TERM", "xterm-256color")
        .env_remove("MCSEC_CATALOG")
        .env_remove("MCSEC_USER")
        .env_remove("MCSEC_NOW")
        .env_remove("NO_COLOR")
        .env_remove("TMUX")
        .current_dir(home.path());
        for (k, v) in env {
            tmux.env(k, v);
        }
        let out = tmux.output().expect("run tmux (is it installed?)");
        assert!(
            out.status.success(),
            "tmux new-session: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let t = Tmux {
            socket,
            home: Some(home),
        };
        // Keep the pane after mcsec exits so its last screen can still be read.
        t.tmux(&["set-option", "-t", "t", "remain-on-exit", "on"]);
        t
    }

    /// Stops tmux and hands back the home directory for a next session.
    fn into_home(mut self) -> tempfile::TempDir {
        self.home.take().expect("home")
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Types `text` literally (no key names). tmux reads an argument ending in `;` as a command
    /// separator, so a final `;` is sent as its byte instead.
    fn type_text(&self, text: &str) {
        let (body, semicolon) = match text.strip_suffix(';') {
            Some(body) => (body, true),
            None => (text, false),
        };
        if !body.is_empty() {
            self.tmux(&["send-keys", "-t", "t", "-l", body]);
        }
        if semicolon {
            self.tmux(&["send-keys", "-t", "t", "-H", "3b"]);
        }
    }

    /// Presses named keys: `Enter`, `Tab`, `Up`, `C-c`, `C-d`.
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    fn line(&self, text: &str) {
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-t", "t", "-S", "-200"])
                .stdout,
        )
        .into_owned()
    }

    /// Waits until `pred(screen)` holds; panics with the screen after the deadline.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if start.elapsed() > DEADLINE {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    fn pane_dead(&self) -> bool {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    fn wait_exit(&self) {
        let start = Instant::now();
        while !self.pane_dead() {
            assert!(
                start.elapsed() < DEADLINE,
                "mcsec did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

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
    // Enter runs the lesson's own statement, echoed first.
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
    let listed = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(["lesson"])
        .env("HOME", home.path())
        .env_remove("MCSEC_USER")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.starts_with("Lessons (mcsec lesson <name>; progress of ALIYUN$owner):\n"),
        "{listed}"
    );
    let line = listed.lines().find(|l| l.contains("01_members")).unwrap();
    assert!(line.ends_with("[3/15 steps]"), "{line}");
    assert!(line.contains("Members and account kinds"), "{line}");
    let other = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(["lesson", "--user", "RAM$trainee"])
        .env("HOME", home.path())
        .output()
        .unwrap();
    let other = String::from_utf8_lossy(&other.stdout).into_owned();
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
    let screen = t.wait_text("Try again, or press Enter");
    assert!(
        screen.contains("✗ Not what the lesson expected: this step wants a statement starting with `add user`.\nHint: explain list users;\nExplain: list users"),
        "{screen}"
    );
    // Enter runs the lesson's own: the state of steps 1-3 (the project, the current project)
    // is back, or adding a user would fail.
    t.keys(&["Enter"]);
    t.wait_text("✓ step 4 of 15");
    t.keys(&["C-d"]);
    t.wait_text("Left at step 5 of 15; progress kept.");
    t.wait_exit();
}

#[test]
fn an_unknown_lesson_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcsec"))
        .args(["lesson", "99_nothing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "FAILED: no lesson '99_nothing'; mcsec lesson lists them\n"
    );
}
