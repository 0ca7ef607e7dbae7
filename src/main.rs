//! `basis` binary: parse the command line, run the command, exit with DESIGN.md's codes.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use basis::app::{self, exit};
use basis::cli::{Cli, Command};
use basis::settings::Globals;
use clap::Parser as _;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    init_logging(&cli);
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let code = e
                .downcast_ref::<app::AppError>()
                .map_or(exit::SOFTWARE, app::AppError::exit_code);
            eprintln!("basis: {e:#}");
            ExitCode::from(code)
        }
    }
}

/// glibc gives threads that allocate at the same time their own malloc arenas (up to 8 per
/// core); a scan parses several venues' payloads at once on tokio and blocking threads, and the
/// half-empty arenas left behind made its peak RSS vary from 54 to 72 MB between identical runs.
/// Two arenas keep it at about 41 MB with the same CPU time (`cargo bench --bench scan`).
/// `MALLOC_ARENA_MAX` in the environment still wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: `mallopt` only sets an allocator parameter; it is called first thing in
        // `main`, before any other thread exists, and a failure (return 0) changes nothing.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// The pipeline: settings -> store -> poll -> analyze -> report, per command.
fn run(cli: Cli) -> anyhow::Result<u8> {
    let globals = Globals {
        data_dir: cli.data_dir,
        config: cli.config,
        quiet: cli.quiet,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = runtime.block_on(async {
        match &cli.command {
            Command::Scan(args) => app::scan(&globals, args).await,
            Command::Poll(args) => app::poll(&globals, args).await,
            Command::Venues(args) => app::venues(&globals, args).await,
            Command::Watch(args) => app::watch(&globals, args).await,
            Command::Notify(args) => app::notify(&globals, args).await,
            Command::Config(args) => app::config(&globals, args).await,
            Command::Db(args) => app::db(&globals, args).await,
            Command::History(args) => app::history(&globals, args).await,
            Command::Backfill(args) => app::backfill(&globals, args).await,
            Command::Export(args) => app::export(&globals, args).await,
            Command::Positions(args) => app::positions::run(&globals, args).await,
            Command::Plan(args) => app::plan::run(&globals, args).await,
        }
    })?;
    // Venue tasks abandoned at the deadline must not hold the exit.
    runtime.shutdown_background();
    Ok(code)
}

fn init_logging(cli: &Cli) {
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("basis={level},sled=error,warn")));
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .init();
}
