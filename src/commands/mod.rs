//! The binary's subcommands and the options they share. Each command runs the library's stages
//! and hands the result to a renderer; errors get their context here, and nowhere else.

pub mod diagnose;
pub mod dkim;
pub mod dmarc;
pub mod rdns;
pub mod spf;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use bouncedoc::dns::{DnsOptions, Overlay, Resolver, parse_server_addr};
use clap::Args;

/// How DNS is asked, shared by every command that goes to DNS.
#[derive(Debug, Clone, Args)]
pub struct DnsArgs {
    /// Ask only this name server (ADDR or ADDR:PORT, repeatable) instead of the system's.
    #[arg(long = "nameserver", value_name = "ADDR[:PORT]", global = true)]
    pub nameservers: Vec<String>,
    /// Seconds to wait for one DNS answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, global = true)]
    pub timeout: f64,
    /// Answer with this record before asking DNS, e.g. 'example.com TXT "v=spf1 mx -all"'
    /// (repeatable): test a change before publishing it.
    #[arg(long = "assume", value_name = "'NAME TYPE VALUE'", global = true)]
    pub assumes: Vec<String>,
    /// Answer from the records of this zone file before asking DNS (repeatable).
    #[arg(long = "zone", value_name = "FILE", global = true)]
    pub zones: Vec<PathBuf>,
    /// Ask no network at all: answer only from --zone and --assume; other names do not exist.
    #[arg(long, global = true)]
    pub no_network: bool,
    /// The port to ask the sender domain's own name servers on, when comparing them (53).
    #[arg(long, value_name = "PORT", default_value_t = 53, global = true)]
    pub ns_port: u16,
}

impl DnsArgs {
    /// The resolver a command asks: the given servers (or the system's), with `--zone` and
    /// `--assume` records laid over them, or only those with `--no-network`.
    pub fn resolver(&self) -> anyhow::Result<Resolver> {
        let mut overlay = Overlay::new();
        for path in &self.zones {
            overlay
                .add_zone_file(path)
                .with_context(|| format!("cannot load zone {}", path.display()))?;
        }
        for assume in &self.assumes {
            overlay
                .add_assumption(assume)
                .with_context(|| format!("bad --assume {assume:?}"))?;
        }
        let servers = self
            .nameservers
            .iter()
            .map(|s| parse_server_addr(s).with_context(|| format!("bad --nameserver {s:?}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let options = DnsOptions {
            servers,
            timeout: self.timeout()?,
            overlay,
            zone_only: self.no_network,
            ..DnsOptions::default()
        };
        Resolver::new(options).context("cannot set up DNS")
    }

    /// `--timeout` as a duration, checked.
    pub fn timeout(&self) -> anyhow::Result<Duration> {
        if !(self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 300.0) {
            anyhow::bail!("--timeout must be a number of seconds between 0 and 300");
        }
        Ok(Duration::from_secs_f64(self.timeout))
    }
}

/// A runtime for one command's DNS work: one thread is plenty for I/O-bound checks.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Exit code 0 when the check ran and found nothing wrong, 1 when it found a problem.
pub fn verdict(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Output options shared by every command.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Print JSON (one object per line) instead of the report for a person.
    #[arg(long, global = true)]
    pub json: bool,
    /// Show the full evaluation traces.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to colour the report: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_name = "WHEN", default_value = "auto", global = true)]
    pub color: crate::ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(nameservers: &[&str], timeout: f64) -> DnsArgs {
        DnsArgs {
            nameservers: nameservers.iter().map(|s| s.to_string()).collect(),
            timeout,
            assumes: Vec::new(),
            zones: Vec::new(),
            no_network: false,
            ns_port: 53,
        }
    }

    #[test]
    fn nameserver_forms() {
        assert!(
            args(&["127.0.0.1:5353", "192.0.2.1", "[::1]:5353", "::1"], 5.0)
                .resolver()
                .is_ok()
        );
        assert!(args(&["ns.example"], 5.0).resolver().is_err());
    }

    #[test]
    fn resolver_options_are_checked() {
        assert!(args(&["127.0.0.1:5353"], 2.0).resolver().is_ok());
        for bad in [0.0, -1.0, f64::NAN, 1e9] {
            assert!(args(&["127.0.0.1"], bad).resolver().is_err(), "{bad}");
        }
        let mut a = args(&[], 1.0);
        a.no_network = true;
        a.assumes = vec!["example.com TXT \"v=spf1 -all\"".into()];
        assert!(a.resolver().unwrap().is_zone_only());
        a.assumes = vec!["example.com NOPE x".into()];
        assert!(a.resolver().is_err());
    }
}
