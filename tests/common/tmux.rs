//! A shell (or `mcsec lesson`) driven through a real pseudo-terminal: each test starts `mcsec`
//! inside its own tmux server (`tmux -L <socket>`), types with `send-keys` and reads the screen
//! with `capture-pane`. Waiting is by polling the screen for the expected text (with a generous
//! deadline that only guards against hangs; nothing here measures speed). Included with
//! `#[path = "common/tmux.rs"] mod tmux;`.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static NEXT: AtomicUsize = AtomicUsize::new(0);
pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Tmux {
    socket: String,
    home: Option<tempfile::TempDir>,
}

impl Tmux {
    /// Starts `mcsec <args>` in a fresh tmux server, `HOME` a new temp dir.
    pub fn start(args: &[&str]) -> Tmux {
        Self::start_with(args, &[])
    }

    pub fn start_with(args: &[&str], env: &[(&str, &str)]) -> Tmux {
        Self::start_in(tempfile::tempdir().expect("temp home"), args, env)
    }

    /// Starts `mcsec <args>` with `HOME` = `home` (kept by the returned value).
    pub fn start_in(home: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> Tmux {
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

    pub fn home(&self) -> &Path {
        self.home
            .as_ref()
            .map(|h| h.path())
            .expect("home is kept until into_home")
    }

    /// Stops tmux and hands back the home directory for a next session.
    pub fn into_home(mut self) -> tempfile::TempDir {
        self.home.take().expect("home")
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux")
    }

    /// Types `text` literally (no key names). tmux reads an argument ending in `;` as a command
    /// separator, so a final `;` is sent as its byte instead.
    pub fn type_text(&self, text: &str) {
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
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    pub fn line(&self, text: &str) {
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-p", "-t", "t", "-S", "-200"])
                .stdout,
        )
        .into_owned()
    }

    pub fn screen_with_escapes(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-e", "-p", "-t", "t"]).stdout)
            .into_owned()
    }

    /// Waits until `pred(screen)` holds; panics with the screen after the deadline.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(text, |s| s.contains(text))
    }

    pub fn wait_count(&self, text: &str, n: usize) -> String {
        self.wait_for(&format!("{n} × {text}"), |s| s.matches(text).count() >= n)
    }

    pub fn pane_dead(&self) -> bool {
        let out = self.tmux(&["display-message", "-p", "-t", "t", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    pub fn wait_exit(&self) {
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

pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
