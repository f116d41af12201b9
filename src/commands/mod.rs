//! The binary's subcommands and the options they share. Each command runs the library's stages
//! and hands the result to a renderer; errors get their context here, and nowhere else.

pub mod diagnose;
pub mod spf;

use std::net::SocketAddr;
use std::path::PathBuf;

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
}

impl DnsArgs {
    /// `ADDR` or `ADDR:PORT` (IPv6 as `[ADDR]:PORT`), port 53 by default.
    pub fn nameserver_addrs(&self) -> anyhow::Result<Vec<SocketAddr>> {
        self.nameservers
            .iter()
            .map(|s| {
                parse_nameserver(s)
                    .ok_or_else(|| anyhow::anyhow!("--nameserver {s:?} is not ADDR or ADDR:PORT"))
            })
            .collect()
    }
}

fn parse_nameserver(s: &str) -> Option<SocketAddr> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Some(addr);
    }
    s.trim_matches(|c| c == '[' || c == ']')
        .parse::<std::net::IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, 53))
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

    #[test]
    fn nameserver_forms() {
        assert_eq!(
            parse_nameserver("127.0.0.1:5353"),
            Some("127.0.0.1:5353".parse().unwrap())
        );
        assert_eq!(
            parse_nameserver("192.0.2.1"),
            Some("192.0.2.1:53".parse().unwrap())
        );
        assert_eq!(
            parse_nameserver("[::1]:5353"),
            Some("[::1]:5353".parse().unwrap())
        );
        assert_eq!(parse_nameserver("::1"), Some("[::1]:53".parse().unwrap()));
        assert_eq!(parse_nameserver("ns.example"), None);
    }
}
