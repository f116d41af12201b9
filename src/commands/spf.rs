//! `bouncedoc spf DOMAIN [--ip IP]`: lint a domain's SPF, or evaluate it for an IP with a trace.

use std::net::IpAddr;
use std::process::ExitCode;

use clap::Args;

use super::{DnsArgs, OutputArgs};

/// Arguments of the `spf` command.
#[derive(Debug, Clone, Args)]
pub struct SpfArgs {
    /// The domain whose SPF record to check.
    pub domain: String,
    /// Evaluate the record for this sending IP (check_host) instead of linting it.
    #[arg(long)]
    pub ip: Option<IpAddr>,
    /// The MAIL FROM address (for macros); postmaster@DOMAIN by default.
    #[arg(long)]
    pub sender: Option<String>,
    /// The HELO name the client gave (for macros).
    #[arg(long)]
    pub helo: Option<String>,
}

/// Runs the command.
pub fn run(args: &SpfArgs, dns: &DnsArgs, output: &OutputArgs) -> anyhow::Result<ExitCode> {
    let _ = (args, output);
    let _servers = dns.nameserver_addrs()?;
    anyhow::bail!("the spf command is not built yet")
}
