//! The default command: diagnose each bounce given on the command line or stdin.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use bouncedoc::bounce::{self, BounceKind};
use bouncedoc::check::{self, CheckOptions};
use bouncedoc::dns::Resolver;
use bouncedoc::input::{Input, InputError};
use bouncedoc::render::{self, Report};
use bouncedoc::{classify, diagnose, verify};

use super::{DnsArgs, OutputArgs};

/// Runs the pipeline on every input; one bad input is reported and the others still run.
pub fn run(
    files: &[String],
    offline: bool,
    max_size: u64,
    dns: &DnsArgs,
    output: &OutputArgs,
) -> anyhow::Result<ExitCode> {
    // DNS is set up once for the whole run (one cache, one query counter) and only when a
    // bounce needs it.
    let mut dns_run: Option<(tokio::runtime::Runtime, Resolver)> = None;
    let check_options = CheckOptions {
        nameserver_port: dns.ns_port,
        nameserver_timeout: dns.timeout()?,
        check_nameservers: !dns.no_network,
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let names: Vec<&str> = if files.is_empty() {
        vec!["-"]
    } else {
        files.iter().map(String::as_str).collect()
    };
    let colour = render::text::use_colour(output.color.forced(), std::io::stdout().is_terminal());
    let mut stdout = std::io::stdout().lock();
    let mut errored = false;
    let mut understood = false;
    for name in names {
        let input = match read_input(name, max_size) {
            Ok(input) => input,
            Err(err) => {
                errored = true;
                let _ = writeln!(std::io::stderr(), "bouncedoc: {name}: {err:#}");
                continue;
            }
        };
        let bounce = bounce::parse(&input);
        let classifications = classify::classify(&bounce);
        if !matches!(bounce.kind, BounceKind::NotBounce) {
            understood = true;
        }
        let wanted = check::wanted(&bounce, &classifications);
        let mut checks = None;
        let mut findings = Vec::new();
        if wanted.any() && !offline {
            if dns_run.is_none() {
                dns_run = Some((super::runtime()?, dns.resolver()?));
            }
            if let Some((runtime, resolver)) = &dns_run {
                let mut done =
                    runtime.block_on(check::run(resolver, &bounce, wanted, &check_options));
                done.requirements =
                    check::requirements::evaluate_rules(&bounce, &classifications, &done);
                findings = diagnose::diagnose(&bounce, &classifications, Some(&done));
                runtime.block_on(verify::verify(resolver, &done.subject, &mut findings));
                checks = Some(done);
            }
        } else {
            findings = diagnose::diagnose(&bounce, &classifications, None);
        }
        let report = Report {
            input: input.name.clone(),
            bounce,
            classifications,
            checks,
            findings,
        };
        if output.json {
            render::json::write_report(&mut stdout, &report)?;
        } else {
            render::text::write_report(&mut stdout, &report, colour, output.verbose)?;
        }
    }
    stdout.flush()?;
    Ok(if errored {
        ExitCode::from(2)
    } else if understood {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_input(name: &str, max_size: u64) -> anyhow::Result<Input> {
    if name == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            let _ = writeln!(
                std::io::stderr(),
                "Paste the bounce (the whole message or the error text), then press Ctrl-D on a new line."
            );
        }
        return Ok(Input::read("-", stdin.lock(), max_size)?);
    }
    let file = std::fs::File::open(name).with_context(|| format!("cannot open {name}"))?;
    match Input::read(name, file, max_size) {
        Ok(input) => Ok(input),
        Err(InputError::Io(err)) => Err(err).with_context(|| format!("cannot read {name}")),
        Err(err) => Err(err.into()),
    }
}
