//! `bouncedoc rdns IP`: the PTR names of a sending IP and whether one confirms forward (FCrDNS).

use std::io::{IsTerminal, Write};
use std::net::IpAddr;
use std::process::ExitCode;

use clap::Args;

use bouncedoc::rdns::{self, RdnsOutcome};
use bouncedoc::render::{self, text::Painter};

use super::{DnsArgs, OutputArgs, runtime, verdict};

/// Arguments of the `rdns` command.
#[derive(Debug, Clone, Args)]
pub struct RdnsArgs {
    /// The sending IP (IPv4 or IPv6).
    pub ip: IpAddr,
}

/// Runs the command: exit 0 when a PTR name resolves back to the IP, 1 otherwise.
pub fn run(args: &RdnsArgs, dns: &DnsArgs, output: &OutputArgs) -> anyhow::Result<ExitCode> {
    let resolver = dns.resolver()?;
    let check = runtime()?.block_on(rdns::check(&resolver, args.ip));
    let mut stdout = std::io::stdout().lock();
    if output.json {
        writeln!(stdout, "{}", serde_json::to_string(&check)?)?;
    } else {
        let painter = Painter::new(render::text::use_colour(
            output.color.forced(),
            std::io::stdout().is_terminal(),
        ));
        render::auth::write_rdns(&mut stdout, &check, &painter)?;
    }
    stdout.flush()?;
    Ok(verdict(matches!(check.outcome, RdnsOutcome::Ok { .. })))
}
