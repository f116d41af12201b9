//! `bouncedoc dmarc DOMAIN`: the DMARC policy that applies to a From domain, and how given SPF
//! and DKIM domains align with it.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;

use bouncedoc::dmarc::{self, DmarcOutcome};
use bouncedoc::render::{self, text::Painter};

use super::{DnsArgs, OutputArgs, runtime, verdict};

/// Arguments of the `dmarc` command.
#[derive(Debug, Clone, Args)]
pub struct DmarcArgs {
    /// The From domain whose policy to check.
    pub domain: String,
    /// Show whether this SPF-authenticated domain (MAIL FROM or HELO) aligns with DOMAIN.
    #[arg(long, value_name = "DOMAIN")]
    pub spf_domain: Option<String>,
    /// Show whether this DKIM signing domain (d=) aligns with DOMAIN (repeatable).
    #[arg(long = "dkim-domain", value_name = "DOMAIN")]
    pub dkim_domains: Vec<String>,
}

/// Runs the command: exit 0 when a valid record is in place (and, when identities were given,
/// at least one aligns), 1 otherwise.
pub fn run(args: &DmarcArgs, dns: &DnsArgs, output: &OutputArgs) -> anyhow::Result<ExitCode> {
    let resolver = dns.resolver()?;
    let check = runtime()?.block_on(dmarc::check(
        &resolver,
        &args.domain,
        args.spf_domain.as_deref(),
        &args.dkim_domains,
    ));
    if check.outcome == DmarcOutcome::BadDomain {
        anyhow::bail!(
            "{:?} is not a valid domain name",
            render::sanitize(&args.domain)
        );
    }
    let mut stdout = std::io::stdout().lock();
    if output.json {
        writeln!(stdout, "{}", render::auth::dmarc_json(&check))?;
    } else {
        let painter = Painter::new(render::text::use_colour(
            output.color.forced(),
            std::io::stdout().is_terminal(),
        ));
        render::auth::write_dmarc(&mut stdout, &check, &painter)?;
    }
    stdout.flush()?;
    let identities_given = check.spf.is_some() || !check.dkim.is_empty();
    let ok = check.record().is_some() && (!identities_given || check.any_aligned());
    Ok(verdict(ok))
}
