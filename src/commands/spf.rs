//! `bouncedoc spf DOMAIN [--ip IP]`: lint a domain's SPF, or evaluate it for an IP with a trace.

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use clap::Args;

use bouncedoc::render;
use bouncedoc::spf::{self, CheckHost, EvalOptions};

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
    let resolver = dns.resolver()?;
    let runtime = super::runtime()?;
    let colour = render::text::use_colour(output.color.forced(), std::io::stdout().is_terminal());
    let mut stdout = std::io::stdout().lock();
    let domain = args.domain.trim_end_matches('.').to_string();
    match args.ip {
        Some(ip) => {
            let check = CheckHost {
                ip,
                domain: domain.clone(),
                sender: args
                    .sender
                    .clone()
                    .unwrap_or_else(|| format!("postmaster@{domain}")),
                helo: args.helo.clone().unwrap_or_else(|| domain.clone()),
            };
            let outcome =
                runtime.block_on(spf::check_host(&resolver, &check, &EvalOptions::default()));
            if output.json {
                serde_json::to_writer(&mut stdout, &outcome)?;
                writeln!(stdout)?;
            } else {
                render::spf::write_outcome(&mut stdout, &outcome, colour)?;
            }
        }
        None => {
            let report = runtime.block_on(spf::lint_domain(&resolver, &domain));
            if output.json {
                serde_json::to_writer(&mut stdout, &report)?;
                writeln!(stdout)?;
            } else {
                render::spf::write_lint(&mut stdout, &report, colour)?;
            }
        }
    }
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}
