//! The `bouncedoc` command: reads bounces (files or stdin), runs the pipeline, prints a report.
//!
//! Exit codes: 0 a bounce was understood (or a check ran and found nothing wrong), 1 the input
//! is not a bounce (or a check found a problem), 2 bad usage, an I/O or DNS setup error.

mod commands;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use commands::{DnsArgs, OutputArgs};

/// mimalloc: a batch allocates many small strings per bounce, and glibc's malloc spent about
/// 5% of a corpus run's instructions on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tells you why your email bounced and exactly what to change to fix it.
///
/// Give it a bounced message (an .eml file, or piped on stdin) or paste the SMTP error text.
#[derive(Debug, Parser)]
#[command(name = "bouncedoc", version)]
struct Cli {
    /// Bounce files to read (.eml or pasted text); stdin when none or `-`.
    #[arg(value_name = "FILE")]
    files: Vec<String>,

    /// Skip every DNS check: only parse and classify the bounce.
    #[arg(long)]
    offline: bool,

    /// Refuse inputs larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = bouncedoc::input::DEFAULT_MAX_SIZE)]
    max_size: u64,

    #[command(flatten)]
    output: OutputArgs,

    #[command(flatten)]
    dns: DnsArgs,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lint a domain's SPF record, or evaluate it for a sending IP with --ip.
    Spf(commands::spf::SpfArgs),
    /// Check a DKIM key record (DOMAIN SELECTOR), or verify a message's signatures (--message).
    Dkim(commands::dkim::DkimArgs),
    /// Show a domain's DMARC policy and how SPF and DKIM domains align with it.
    Dmarc(commands::dmarc::DmarcArgs),
    /// Check an IP's reverse DNS (PTR) and its forward confirmation.
    Rdns(commands::rdns::RdnsArgs),
}

/// When to colour the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `Some(on)` when the user forced colour on or off.
    pub fn forced(self) -> Option<bool> {
        match self {
            ColorChoice::Auto => None,
            ColorChoice::Always => Some(true),
            ColorChoice::Never => Some(false),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Spf(args)) => commands::spf::run(args, &cli.dns, &cli.output),
        Some(Command::Dkim(args)) => commands::dkim::run(args, &cli.dns, &cli.output),
        Some(Command::Dmarc(args)) => commands::dmarc::run(args, &cli.dns, &cli.output),
        Some(Command::Rdns(args)) => commands::rdns::run(args, &cli.dns, &cli.output),
        None => {
            commands::diagnose::run(&cli.files, cli.offline, cli.max_size, &cli.dns, &cli.output)
        }
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "bouncedoc: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A closed stdout (`bouncedoc ... | head`) is not an error worth reporting.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
