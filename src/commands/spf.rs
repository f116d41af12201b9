//! `bouncedoc spf DOMAIN [--ip IP]`: lint a domain's SPF, or evaluate it for an IP with a trace.

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use bouncedoc::dns::{DnsOptions, Overlay, Resolver};
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

/// The resolver the command asks: the given servers (or the system's), with `--assume` and
/// `--zone` records laid over them.
fn resolver(dns: &DnsArgs) -> anyhow::Result<Resolver> {
    let mut overlay = Overlay::new();
    for path in &dns.zones {
        overlay
            .add_zone_file(path)
            .with_context(|| format!("cannot load zone {}", path.display()))?;
    }
    for assume in &dns.assumes {
        overlay
            .add_assumption(assume)
            .with_context(|| format!("bad --assume {assume:?}"))?;
    }
    if !(dns.timeout.is_finite() && dns.timeout > 0.0 && dns.timeout <= 300.0) {
        anyhow::bail!("--timeout must be a number of seconds between 0 and 300");
    }
    let options = DnsOptions {
        servers: dns.nameserver_addrs()?,
        timeout: Duration::from_secs_f64(dns.timeout),
        overlay,
        zone_only: dns.no_network,
        ..DnsOptions::default()
    };
    Resolver::new(options).context("cannot set up DNS")
}

/// Runs the command.
pub fn run(args: &SpfArgs, dns: &DnsArgs, output: &OutputArgs) -> anyhow::Result<ExitCode> {
    let resolver = resolver(dns)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
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
