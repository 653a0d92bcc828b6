//! The command line: options, `odps_config.ini`, environment, and the choice between the shell,
//! the batch runner and `mcsec fmt`.
//!
//! Walk `mcsec --config=odps_config.ini --project p -e "whoami;"` through it: clap parses the
//! flags into [`Cli`] (both `--opt value` and `--opt=value`; a bad flag is clap's usage error,
//! exit 2); [`Settings::resolve`] layers the sources — command-line flag, then the config file's
//! `project_name` / `catalog` / `user`, then `$MCSEC_CATALOG` / `$MCSEC_USER`, then the built-in
//! defaults — and reads `MCSEC_NOW`; [`main`] reads the script, opens the catalog (a catalog
//! another process holds is one `FAILED:` line, exit 1) and hands the session and the `-e` text,
//! named `<cmdline>`, to the batch front end ([`crate::batch::run`]), which enters `p` (an access
//! error is exit 1) and runs the text. Without `-e`/`-f`, a terminal on stdin gets the shell
//! front end ([`crate::shell::run`]; it prints an access error and starts with no project),
//! anything else is read as a script named `<stdin>`. The front ends share one runner, the
//! [`console`]; this module is the only one that knows both.

mod audit;
mod diagnose;

use crate::batch::{self, BatchOptions, CMDLINE_FILE, STDIN_FILE};
use crate::catalog::Catalog;
use crate::console::stream::{ScriptError, ScriptFile};
use crate::console::{self, Format, Input};
use crate::exec::{Session, SessionOptions};
use crate::shell::{self, ShellOptions};
use clap::builder::PossibleValue;
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The tenant account statements run as when neither `--user`, `user=` nor `$MCSEC_USER` says.
pub const DEFAULT_USER: &str = "ALIYUN$owner";
pub const DEFAULT_SOURCE_IP: &str = "127.0.0.1";

#[derive(Debug, Parser)]
#[command(
    name = "mcsec",
    version,
    about = "MaxCompute project-security sandbox: an odpscmd-like shell and batch runner over a local catalog",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true,
    after_help = "Without -e or -f, mcsec starts the interactive shell when stdin is a terminal and \
                  otherwise runs stdin as a script.\nEnvironment: MCSEC_CATALOG, MCSEC_USER, \
                  MCSEC_NOW (RFC 3339 clock for expiry), NO_COLOR."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Run these `;`-terminated statements, then exit.
    #[arg(short = 'e', value_name = "STATEMENTS", conflicts_with = "file")]
    pub execute: Option<String>,

    /// Run a script file, then exit.
    #[arg(short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Start at the n-th statement of the script (1-based, empty statements counted), as odpscmd -k.
    #[arg(short = 'k', value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub start_at: Option<u64>,

    /// Run every statement of the script even after failures (each is still reported); exit 1
    /// if any failed. Without it the first failing statement stops the run.
    #[arg(long = "keep-going")]
    pub keep_going: bool,

    /// Print each statement (`> <statement>;`) before its result, as psql -a, so that the
    /// output reads as a transcript.
    #[arg(short = 'a', long = "echo")]
    pub echo: bool,

    /// Catalog directory, or :memory: for a throw-away one [default: $MCSEC_CATALOG, else $HOME/.mcsec/catalog].
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<String>,

    /// Principal the statements run as [default: $MCSEC_USER, else ALIYUN$owner].
    #[arg(long, value_name = "PRINCIPAL")]
    pub user: Option<String>,

    /// The current project at start (like odpscmd --project=).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,

    /// Client address the IP whitelist sees [default: 127.0.0.1].
    #[arg(long = "source-ip", value_name = "IP")]
    pub source_ip: Option<IpAddr>,

    /// Output format of statement results.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// When to colour the shell (never when stdout is not a terminal; NO_COLOR is honoured by auto).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// An odpscmd-style odps_config.ini (keys project_name, catalog, user; end_point,
    /// access_id, access_key when end_point is a local mcsec serve).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the script on a running `mcsec serve` (http://host:port/api) instead of a catalog.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,

    /// The access key id requests to --server are signed with.
    #[arg(long = "access-id", value_name = "ID")]
    pub access_id: Option<String>,

    /// The access key secret requests to --server are signed with.
    #[arg(long = "access-key", value_name = "SECRET")]
    pub access_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse scripts without running them; print each statement in canonical form.
    Fmt {
        /// Change nothing; print a diff of each file that is not in canonical form (exit 1).
        #[arg(long, conflicts_with = "write")]
        check: bool,
        /// Rewrite each file that is not in canonical form, in place.
        #[arg(long)]
        write: bool,
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// Run sqllogictest (.slt) files, each on a fresh in-memory catalog; directories are
    /// searched for *.slt. Prints `N passed, M failed`; exit 1 on any failure.
    Test {
        #[arg(required = true, value_name = "FILE|DIR")]
        paths: Vec<std::path::PathBuf>,
        /// Rewrite each file's expected output in place with what its records did.
        #[arg(long)]
        complete: bool,
        /// Output format of the report.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the lessons that ship with mcsec, or walk through one in the shell.
    Lesson {
        /// The lesson's name (as listed), or its number.
        #[arg(value_name = "NAME")]
        name: Option<String>,
        /// Start the lesson from its beginning, forgetting the progress kept.
        #[arg(long)]
        restart: bool,
        /// The learner whose progress is kept [default: $MCSEC_USER, else ALIYUN$owner].
        #[arg(long, value_name = "PRINCIPAL")]
        user: Option<String>,
    },
    /// Run the security diagnosis of the tenant (or one project); exit 3 when a finding at or
    /// above --fail-on exists.
    Diagnose(diagnose::DiagnoseArgs),
    /// Ask whether a statement would be allowed: prints ALLOW or DENY [code] with the deciding
    /// rule; exit 0 allow, 3 deny (2 is a wrong command line), 1 the check could not be asked.
    Check {
        #[command(flatten)]
        common: ToolArgs,
        /// A file of checks, one per line (`[ALLOW|DENY [code]] [for <p>] [from <ip>] <stmt>`)
        /// or JSON Lines of {principal, ip, project, statement, expect, code}.
        #[arg(long, value_name = "FILE", conflicts_with = "statement")]
        file: Option<String>,
        /// The statement to check.
        #[arg(value_name = "STATEMENT", required_unless_present = "file")]
        statement: Option<String>,
    },
    /// Run a script against a throw-away copy of the catalog and print what it would change;
    /// exit 0 changes, 1 a statement would fail, 4 nothing would change.
    Plan {
        #[command(flatten)]
        common: ToolArgs,
        #[arg(value_name = "SCRIPT")]
        script: String,
    },
    /// Print the tenant as a script of statements that rebuilds it.
    Dump {
        #[command(flatten)]
        common: ToolArgs,
        /// Directory for the policy documents the script names.
        #[arg(long, value_name = "DIR")]
        files: Option<String>,
    },
    /// Serve the catalog as a local MaxCompute endpoint that PyODPS and `mcsec --server` use.
    Serve(crate::server::command::ServeArgs),
    /// Read the audit trail of a catalog.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Read a whole catalog and verify every part of it, changing nothing.
    CheckCatalog {
        #[arg(value_name = "DIR")]
        dir: String,
    },
}

/// The options `check`, `plan` and `dump` share with the main command line.
#[derive(Debug, Clone, clap::Args)]
pub struct ToolArgs {
    /// Catalog directory, or :memory: [default: $MCSEC_CATALOG, else $HOME/.mcsec/catalog].
    #[arg(long, value_name = "DIR")]
    pub catalog: Option<String>,
    /// Principal the command runs as [default: $MCSEC_USER, else ALIYUN$owner].
    #[arg(long, value_name = "PRINCIPAL")]
    pub user: Option<String>,
    /// The project to work in (dump: only this project).
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Client address the IP whitelist sees [default: 127.0.0.1].
    #[arg(long = "source-ip", value_name = "IP")]
    pub source_ip: Option<IpAddr>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Resolves a tool's options as the main command line's are.
fn tool_context(args: &ToolArgs) -> Result<crate::tools::Context, UsageError> {
    let cli = Cli {
        command: None,
        execute: Some(String::new()),
        file: None,
        start_at: None,
        keep_going: false,
        echo: false,
        catalog: args.catalog.clone(),
        user: args.user.clone(),
        project: args.project.clone(),
        source_ip: args.source_ip,
        format: args.format,
        color: ColorChoice::Never,
        config: None,
        server: None,
        access_id: None,
        access_key: None,
    };
    let s = Settings::resolve(&cli, &process_env)?;
    Ok(crate::tools::Context {
        catalog: s.catalog,
        user: s.user,
        project: s.project,
        source_ip: s.source_ip,
        now: s.now,
        format: s.format,
    })
}

/// Runs `check`, `plan` or `dump`.
fn run_tool(command: &Command) -> i32 {
    let (Command::Check { common, .. }
    | Command::Plan { common, .. }
    | Command::Dump { common, .. }) = command
    else {
        return 2;
    };
    let ctx = match tool_context(common) {
        Ok(ctx) => ctx,
        Err(UsageError(message)) => return usage_error(&message),
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let (mut out, mut err) = (stdout.lock(), stderr.lock());
    match command {
        Command::Check {
            file: Some(file), ..
        } => crate::tools::check_file(&ctx, file, &mut out, &mut err),
        Command::Check { statement, .. } => crate::tools::check(
            &ctx,
            statement.as_deref().unwrap_or_default(),
            &mut out,
            &mut err,
        ),
        Command::Plan { script, .. } => crate::tools::plan(&ctx, script, &mut out, &mut err),
        Command::Dump { files, .. } => {
            let project = ctx.project.clone();
            crate::tools::dump(
                &ctx,
                project.as_deref(),
                files.as_deref(),
                &mut out,
                &mut err,
            )
        }
        _ => 2,
    }
}

/// `--format text|json` names the console's output formats.
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[Format::Text, Format::Json]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Format::Text => "text",
            Format::Json => "json",
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Where the statements come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Shell,
    Execute(String),
    File(PathBuf),
    Stdin,
}

/// Everything the command line, the config file and the environment decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub mode: Mode,
    pub start_at: Option<usize>,
    pub keep_going: bool,
    /// `-a`/`--echo`.
    pub echo: bool,
    pub catalog: String,
    pub user: String,
    pub project: Option<String>,
    pub source_ip: String,
    /// Unix seconds from `MCSEC_NOW`.
    pub now: Option<i64>,
    pub format: Format,
    pub color: ColorChoice,
    /// Config-file complaints (unknown keys, malformed lines), printed on stderr.
    pub warnings: Vec<String>,
    /// `--server` (or a local `end_point`): statements run there, not on a catalog.
    pub server: Option<ServerSettings>,
}

/// Where and as whom `mcsec --server` runs statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub url: String,
    pub access_id: String,
    pub access_key: String,
}

/// Whether `url` is an `http://` endpoint on this machine: the only kind of `end_point` in a
/// config file mcsec follows, so that an odpscmd config naming the real service is never used
/// to send statements there.
fn is_local_endpoint(url: &str) -> bool {
    let Ok(endpoint) = crate::remote::Endpoint::parse(url) else {
        return false;
    };
    let host = match endpoint.authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => endpoint.authority.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The keys of `odps_config.ini` mcsec reads.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub project_name: Option<String>,
    pub catalog: Option<String>,
    pub user: Option<String>,
    /// `end_point`, `access_id`, `access_key`: read only when `end_point` is local.
    pub end_point: Option<String>,
    pub access_id: Option<String>,
    pub access_key: Option<String>,
}

impl ConfigFile {
    /// Parses `key=value` lines as odpscmd's properties file does: `#` and `!` start comments,
    /// blank values mean "not set". Keys mcsec has no use for (`access_id`, `end_point`, ...) are
    /// ignored with one warning each, so an existing odpscmd config works unchanged.
    pub fn parse(text: &str, name: &str, warnings: &mut Vec<String>) -> ConfigFile {
        let mut config = ConfigFile::default();
        let local = text.lines().any(|line| {
            line.trim()
                .strip_prefix("end_point")
                .and_then(|rest| rest.trim_start().strip_prefix('='))
                .is_some_and(|url| is_local_endpoint(url.trim()))
        });
        for (number, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                warnings.push(format!(
                    "{name}:{}: ignoring line without '=': {line}",
                    number + 1
                ));
                continue;
            };
            let value = value.trim();
            let value = (!value.is_empty()).then(|| value.to_string());
            match key.trim() {
                "project_name" => config.project_name = value,
                "catalog" => config.catalog = value,
                "user" => config.user = value,
                "end_point" if local => config.end_point = value,
                "access_id" if local => config.access_id = value,
                "access_key" if local => config.access_key = value,
                other => warnings.push(format!(
                    "{name}:{}: ignoring key '{other}' (mcsec reads project_name, catalog, user)",
                    number + 1
                )),
            }
        }
        config
    }
}

/// A command line that cannot run: printed as clap prints its own usage errors, exit 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl Settings {
    /// Layers flag > config file > environment > default. `env` is the process environment in
    /// production and a map in tests.
    pub fn resolve(
        cli: &Cli,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, UsageError> {
        let mut warnings = Vec::new();
        let config = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    UsageError(format!("cannot read --config {}: {e}", path.display()))
                })?;
                ConfigFile::parse(&text, &path.display().to_string(), &mut warnings)
            }
            None => ConfigFile::default(),
        };
        let env_set = |key: &str| env(key).filter(|v| !v.is_empty());
        let server = match cli.server.clone().or(config.end_point.clone()) {
            None => None,
            Some(url) => {
                crate::remote::Endpoint::parse(&url).map_err(UsageError)?;
                match (
                    cli.access_id.clone().or(config.access_id.clone()),
                    cli.access_key.clone().or(config.access_key.clone()),
                ) {
                    (Some(access_id), Some(access_key)) => Some(ServerSettings {
                        url,
                        access_id,
                        access_key,
                    }),
                    _ => {
                        return Err(UsageError(format!(
                            "--server {url} needs --access-id and --access-key (or access_id and access_key in --config)"
                        )))
                    }
                }
            }
        };

        let catalog = match (
            cli.catalog.clone(),
            config.catalog,
            env_set("MCSEC_CATALOG"),
        ) {
            (Some(c), _, _) | (None, Some(c), _) | (None, None, Some(c)) => c,
            (None, None, None) => match env_set("HOME") {
                Some(home) => Path::new(&home)
                    .join(".mcsec")
                    .join("catalog")
                    .display()
                    .to_string(),
                None => {
                    return Err(UsageError(
                        "no catalog: set --catalog, MCSEC_CATALOG or HOME".to_string(),
                    ))
                }
            },
        };
        // sled would take an empty path as the working directory and scatter its files there.
        // Only the flag can be empty: an empty config value or variable counts as unset.
        if catalog.is_empty() {
            return Err(UsageError(
                "invalid value '' for '--catalog <DIR>': an empty path is not a directory (:memory: is a throw-away catalog)"
                    .to_string(),
            ));
        }
        let user = cli
            .user
            .clone()
            .or(config.user)
            .or_else(|| env_set("MCSEC_USER"))
            .unwrap_or_else(|| DEFAULT_USER.to_string());
        let user = crate::exec::resolve_user(&user, DEFAULT_USER);
        if !crate::exec::users::well_formed(&user) {
            // `--user RAM$alice` unquoted in a POSIX shell arrives as `RAM`: `$alice` was
            // expanded (to nothing) before mcsec saw it.
            let expanded = ["RAM", "ALIYUN"].iter().any(|kind| {
                user.eq_ignore_ascii_case(kind) || user.eq_ignore_ascii_case(&format!("{kind}$"))
            }) || user.ends_with(':');
            let hint = if expanded {
                " (did your shell expand '$...'? quote the principal: --user 'RAM$alice')"
            } else {
                ""
            };
            return Err(UsageError(format!(
                "invalid principal '{user}' for --user: expected ALIYUN$<account>, RAM$<account>:<user> or RAM$<user>{hint}"
            )));
        }
        let project = cli
            .project
            .clone()
            .or(config.project_name)
            .filter(|p| !p.is_empty());
        let now = match env_set("MCSEC_NOW") {
            Some(text) => Some(parse_now(&text)?),
            None => None,
        };

        let mode = match (&cli.execute, &cli.file) {
            (Some(stmts), _) => Mode::Execute(stmts.clone()),
            (None, Some(path)) => Mode::File(path.clone()),
            (None, None) if std::io::stdin().is_terminal() => Mode::Shell,
            (None, None) => Mode::Stdin,
        };
        if mode == Mode::Shell && cli.start_at.is_some() {
            return Err(UsageError(
                "-k needs a script: -f <file>, -e or piped stdin".to_string(),
            ));
        }
        if mode == Mode::Shell && cli.echo {
            return Err(UsageError(
                "-a/--echo needs a script: -f <file>, -e or piped stdin".to_string(),
            ));
        }
        if mode == Mode::Shell && cli.keep_going {
            return Err(UsageError(
                "--keep-going needs a script: -f <file>, -e or piped stdin".to_string(),
            ));
        }
        let start_at = match cli.start_at {
            Some(n) => {
                Some(usize::try_from(n).map_err(|_| UsageError(format!("-k {n} is too large")))?)
            }
            None => None,
        };

        Ok(Settings {
            mode,
            start_at,
            keep_going: cli.keep_going,
            echo: cli.echo,
            catalog,
            user,
            project,
            source_ip: cli
                .source_ip
                .map_or_else(|| DEFAULT_SOURCE_IP.to_string(), |ip| ip.to_string()),
            now,
            format: cli.format,
            color: cli.color,
            warnings,
            server,
        })
    }
}

/// `MCSEC_NOW` as unix seconds.
pub fn parse_now(text: &str) -> Result<i64, UsageError> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| UsageError(format!("MCSEC_NOW='{text}' is not an RFC 3339 time ({e})")))
}

/// Whether to emit colour: never when stdout is not a terminal; `always` overrides `NO_COLOR`
/// and `TERM=dumb`, `auto` respects them.
pub fn use_color(
    choice: ColorChoice,
    stdout_is_terminal: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> bool {
    if !stdout_is_terminal {
        return false;
    }
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => {
            env("NO_COLOR").is_none_or(|v| v.is_empty()) && env("TERM").as_deref() != Some("dumb")
        }
    }
}

fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// Whether `--catalog` can be a catalog at all, before anything opens it: a regular file or a
/// directory that cannot be created is a command-line mistake (exit 2); an existing directory
/// mcsec may not write is opened read-only (`Ok(true)`).
fn check_catalog_location(location: &str) -> Result<bool, UsageError> {
    if location == ":memory:" {
        return Ok(false);
    }
    let path = Path::new(location);
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => Err(UsageError(format!(
            "--catalog {location} is a file, not a directory: give a directory (created on first use) or :memory:"
        ))),
        Ok(_) => Ok(!crate::catalog::read_only::writable(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir_all(path)
            .map(|()| false)
            .map_err(|e| UsageError(format!("cannot create --catalog {location}: {e}"))),
        Err(e) => Err(UsageError(format!("cannot use --catalog {location}: {e}"))),
    }
}

/// A script that is not UTF-8 runs no statement: `FAILED: <file>:<line>:<col>: ...`, exit 1
/// as for a syntax error.
/// A batch run's script as the command line read it: `-e` and stdin whole, `-f` checked and
/// then read in pieces as it runs.
enum ScriptSource {
    Text(String, String),
    File(ScriptFile, String),
}

impl ScriptSource {
    fn script(&mut self) -> batch::Script<'_> {
        match self {
            ScriptSource::Text(text, file) => batch::Script::Text(Input { text, file }),
            ScriptSource::File(script, file) => batch::Script::File { script, file },
        }
    }
}

fn undecodable(file: &str, e: &crate::input::InvalidUtf8) -> i32 {
    let _ = writeln!(std::io::stderr(), "FAILED: {file}:{e}");
    1
}

/// `mcsec serve`: the catalog from `--catalog`, `$MCSEC_CATALOG` or `$HOME`, and `MCSEC_NOW`.
fn serve(args: &crate::server::command::ServeArgs) -> i32 {
    let env_set = |key: &str| process_env(key).filter(|v| !v.is_empty());
    let default_catalog = env_set("MCSEC_CATALOG").or_else(|| {
        env_set("HOME").map(|home| {
            Path::new(&home)
                .join(".mcsec")
                .join("catalog")
                .display()
                .to_string()
        })
    });
    let now = match env_set("MCSEC_NOW").map(|t| parse_now(&t)) {
        Some(Err(UsageError(message))) => return usage_error(&message),
        Some(Ok(now)) => Some(now),
        None => None,
    };
    crate::server::command::main(args, default_catalog, now)
}

fn usage_error(message: &str) -> i32 {
    let err = Cli::command().error(ErrorKind::ValueValidation, message);
    // Printing the usage error can only fail when stderr is gone; the exit code still tells.
    let _ = err.print();
    err.exit_code()
}

/// The whole program; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return err.exit_code();
        }
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    match &cli.command {
        Some(Command::Fmt {
            files,
            check,
            write,
        }) => {
            let mode = match (check, write) {
                (true, _) => crate::fmt::Mode::Check,
                (_, true) => crate::fmt::Mode::Write,
                _ => crate::fmt::Mode::Print,
            };
            return crate::fmt::run(files, mode, &mut stdout.lock(), &mut stderr.lock());
        }
        Some(Command::Test {
            paths,
            complete,
            format,
        }) => {
            let options = crate::scripted::TestOptions {
                paths: paths.clone(),
                complete: *complete,
                format: *format,
            };
            return crate::scripted::run(&options, &mut stdout.lock());
        }
        Some(Command::Lesson {
            name,
            restart,
            user,
        }) => {
            let learner = user
                .clone()
                .or_else(|| process_env("MCSEC_USER").filter(|u| !u.is_empty()))
                .unwrap_or_else(|| DEFAULT_USER.to_string());
            let options = crate::shell::lesson::LessonOptions {
                name: name.clone(),
                restart: *restart,
                learner: crate::exec::resolve_user(&learner, DEFAULT_USER),
                progress: crate::shell::lesson::progress_path(),
            };
            return crate::shell::lesson::run(&options);
        }
        Some(Command::Diagnose(args)) => return diagnose::run(args, &process_env),
        Some(command @ (Command::Check { .. } | Command::Plan { .. } | Command::Dump { .. })) => {
            return run_tool(command)
        }
        Some(Command::Serve(args)) => return serve(args),
        Some(Command::Audit { command }) => {
            return audit::run(
                command,
                &process_env,
                &mut stdout.lock(),
                &mut stderr.lock(),
            )
        }
        Some(Command::CheckCatalog { dir }) => {
            return crate::catalog::check::run(dir, &mut stdout.lock(), &mut stderr.lock())
        }
        None => {}
    }
    let settings = match Settings::resolve(&cli, &process_env) {
        Ok(settings) => settings,
        Err(UsageError(message)) => return usage_error(&message),
    };
    let mut err = stderr.lock();
    for warning in &settings.warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
    drop(err);

    // Read the script before opening the catalog: a missing file is a command-line error and
    // must not touch (or lock) the catalog.
    let script = match &settings.mode {
        Mode::Shell => None,
        Mode::Execute(text) => Some(ScriptSource::Text(
            crate::input::strip_bom(text).to_string(),
            CMDLINE_FILE.to_string(),
        )),
        // A pipe (`-f <(gen.sh)`, `-f /dev/stdin`) can be read only once: it is read whole, as
        // stdin is; a regular file is checked, then read in pieces as it runs.
        Mode::File(path) if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) => {
            match std::fs::read(path) {
                Ok(bytes) => match crate::input::decode(bytes) {
                    Ok(text) => Some(ScriptSource::Text(text, path.display().to_string())),
                    Err(e) => return undecodable(&path.display().to_string(), &e),
                },
                Err(e) => return usage_error(&format!("cannot read -f {}: {e}", path.display())),
            }
        }
        Mode::File(path) => {
            let file = path.display().to_string();
            match ScriptFile::open(path, settings.start_at.is_some()) {
                Ok(script) => Some(ScriptSource::File(script, file)),
                Err(ScriptError::InvalidUtf8(e)) => return undecodable(&file, &e),
                Err(ScriptError::Io(e)) => {
                    return usage_error(&format!("cannot read -f {}: {e}", path.display()))
                }
            }
        }
        Mode::Stdin => {
            let mut bytes = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
                return usage_error(&format!("cannot read the script from stdin: {e}"));
            }
            match crate::input::decode(bytes) {
                Ok(text) => Some(ScriptSource::Text(text, STDIN_FILE.to_string())),
                Err(e) => return undecodable(STDIN_FILE, &e),
            }
        }
    };

    if let Some(server) = &settings.server {
        let mut remote = match crate::remote::RemoteSession::connect(
            &server.url,
            &server.access_id,
            &server.access_key,
        ) {
            Ok(remote) => remote,
            Err(e) => return usage_error(&e.to_string()),
        };
        let Some(mut source) = script else {
            // The shell's banner names the principal: ask the server, which also checks the key.
            if let Err(e) = remote.identify() {
                let _ = stderr
                    .lock()
                    .write_all(console::failed_line(&e, false).as_bytes());
                return 1;
            }
            let options = ShellOptions {
                project: settings.project.clone(),
                format: settings.format,
                color: use_color(settings.color, stdout.is_terminal(), &process_env),
            };
            return shell::run(remote, &options);
        };
        let options = BatchOptions {
            format: settings.format,
            project: settings.project.clone(),
            start_at: settings.start_at,
            keep_going: settings.keep_going,
            echo: settings.echo,
        };
        return batch::run_remote(
            remote,
            &mut source.script(),
            &options,
            &mut stdout.lock(),
            &mut stderr.lock(),
        );
    }

    let read_only = match check_catalog_location(&settings.catalog) {
        Ok(read_only) => read_only,
        Err(UsageError(message)) => return usage_error(&message),
    };
    let opened = if read_only {
        let _ = writeln!(
            stderr.lock(),
            "warning: catalog {} is read-only: statements that would change it fail",
            settings.catalog
        );
        Catalog::open_read_only(&settings.catalog)
    } else {
        Catalog::open(&settings.catalog)
    };
    let catalog = match opened {
        Ok(catalog) => catalog,
        Err(e) => {
            let _ = stderr
                .lock()
                .write_all(console::failed_line(&e, false).as_bytes());
            return 1;
        }
    };
    let session = Session::new(
        catalog,
        SessionOptions {
            user: settings.user.clone(),
            source_ip: settings.source_ip.clone(),
            now: settings.now,
        },
    );

    match script {
        Some(mut source) => {
            let options = BatchOptions {
                format: settings.format,
                project: settings.project.clone(),
                start_at: settings.start_at,
                keep_going: settings.keep_going,
                echo: settings.echo,
            };
            batch::run(
                session,
                &mut source.script(),
                &options,
                &mut stdout.lock(),
                &mut stderr.lock(),
            )
        }
        None => {
            let options = ShellOptions {
                project: settings.project.clone(),
                format: settings.format,
                color: use_color(settings.color, stdout.is_terminal(), &process_env),
            };
            shell::run(session, &options)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["mcsec"];
        all.extend_from_slice(args);
        Cli::try_parse_from(all).unwrap()
    }

    #[test]
    fn defaults_come_from_home_then_environment() {
        let s = Settings::resolve(&cli(&["-e", "x;"]), &env_of(&[("HOME", "/h")])).unwrap();
        assert_eq!(s.catalog, "/h/.mcsec/catalog");
        assert_eq!(s.user, "ALIYUN$owner");
        assert_eq!(s.source_ip, "127.0.0.1");
        assert_eq!(s.project, None);
        assert_eq!(s.mode, Mode::Execute("x;".into()));

        let env = env_of(&[
            ("HOME", "/h"),
            ("MCSEC_CATALOG", "/c"),
            ("MCSEC_USER", "RAM$owner:bob"),
        ]);
        let s = Settings::resolve(&cli(&["-e", "x;"]), &env).unwrap();
        assert_eq!(
            (s.catalog.as_str(), s.user.as_str()),
            ("/c", "RAM$owner:bob")
        );
    }

    #[test]
    fn flags_beat_config_which_beats_environment() {
        let dir = tempfile::tempdir().unwrap();
        let ini = dir.path().join("odps_config.ini");
        std::fs::write(
            &ini,
            "project_name=cp\ncatalog=/cfg\nuser=RAM$owner:cfg\naccess_id=xx\n# c\nend_point\n",
        )
        .unwrap();
        let ini_arg = format!("--config={}", ini.display());
        let env = env_of(&[
            ("HOME", "/h"),
            ("MCSEC_CATALOG", "/env"),
            ("MCSEC_USER", "RAM$owner:env"),
        ]);

        let s = Settings::resolve(&cli(&[&ini_arg, "-e", "x;"]), &env).unwrap();
        assert_eq!(
            (s.catalog.as_str(), s.user.as_str(), s.project.as_deref()),
            ("/cfg", "RAM$owner:cfg", Some("cp"))
        );
        let name = ini.display().to_string();
        assert_eq!(
            s.warnings,
            vec![
                format!(
                    "{name}:4: ignoring key 'access_id' (mcsec reads project_name, catalog, user)"
                ),
                format!("{name}:6: ignoring line without '=': end_point"),
            ]
        );

        let s = Settings::resolve(
            &cli(&[
                &ini_arg,
                "--catalog",
                "/flag",
                "--user=RAM$owner:flag",
                "--project",
                "fp",
                "-e",
                "x;",
            ]),
            &env,
        )
        .unwrap();
        assert_eq!(
            (s.catalog.as_str(), s.user.as_str(), s.project.as_deref()),
            ("/flag", "RAM$owner:flag", Some("fp"))
        );
    }

    #[test]
    fn missing_config_file_is_a_usage_error() {
        let err = Settings::resolve(
            &cli(&["--config", "/nonexistent/odps.ini", "-e", "x;"]),
            &env_of(&[("HOME", "/h")]),
        )
        .unwrap_err();
        assert!(
            err.0
                .starts_with("cannot read --config /nonexistent/odps.ini: "),
            "{}",
            err.0
        );
    }

    #[test]
    fn mcsec_now_is_rfc3339() {
        assert_eq!(parse_now("2024-01-01T00:00:00Z"), Ok(1_704_067_200));
        assert_eq!(parse_now("2024-01-01T08:00:00+08:00"), Ok(1_704_067_200));
        let err = parse_now("yesterday").unwrap_err();
        assert!(
            err.0
                .starts_with("MCSEC_NOW='yesterday' is not an RFC 3339 time ("),
            "{}",
            err.0
        );
        let env = env_of(&[("HOME", "/h"), ("MCSEC_NOW", "2024-13-01T00:00:00Z")]);
        assert!(Settings::resolve(&cli(&["-e", "x;"]), &env).is_err());
    }

    #[test]
    fn both_option_spellings_and_bad_values() {
        let s = Settings::resolve(
            &cli(&["--source-ip=10.0.0.1", "--format", "json", "-e", "x;"]),
            &env_of(&[("HOME", "/h")]),
        )
        .unwrap();
        assert_eq!((s.source_ip.as_str(), s.format), ("10.0.0.1", Format::Json));
        for bad in [
            &["--source-ip", "nope"][..],
            &["--format=xml"],
            &["--color", "sometimes"],
            &["-e", "x;", "-f", "a.sql"],
            &["-k", "0", "-f", "a.sql"],
            &["--bogus"],
        ] {
            let mut args = vec!["mcsec"];
            args.extend_from_slice(bad);
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn colour_only_on_a_terminal() {
        let none = env_of(&[]);
        let no_color = env_of(&[("NO_COLOR", "1")]);
        assert!(!use_color(ColorChoice::Always, false, &none));
        assert!(use_color(ColorChoice::Auto, true, &none));
        assert!(!use_color(ColorChoice::Auto, true, &no_color));
        assert!(use_color(ColorChoice::Always, true, &no_color));
        assert!(!use_color(ColorChoice::Never, true, &none));
        assert!(!use_color(
            ColorChoice::Auto,
            true,
            &env_of(&[("TERM", "dumb")])
        ));
    }
}
