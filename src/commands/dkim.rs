//! `bouncedoc dkim DOMAIN SELECTOR`: fetch and check a DKIM key record; `bouncedoc dkim
//! --message FILE`: verify every DKIM-Signature of a whole message.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::Args;

use bouncedoc::dkim::{self, Algorithm, KeyOutcome};
use bouncedoc::render::{self, text::Painter};

use super::{DnsArgs, OutputArgs, runtime, verdict};

/// The largest message `--message` reads (the default input cap).
const MAX_MESSAGE: u64 = bouncedoc::input::DEFAULT_MAX_SIZE;

/// Arguments of the `dkim` command.
#[derive(Debug, Clone, Args)]
pub struct DkimArgs {
    /// The signing domain (a signature's d=).
    #[arg(required_unless_present = "message", requires = "selector")]
    pub domain: Option<String>,
    /// The selector (a signature's s=): the key is at SELECTOR._domainkey.DOMAIN.
    pub selector: Option<String>,
    /// Check the key for this signing algorithm (rsa-sha256, rsa-sha1, ed25519-sha256): also
    /// reports a key of the wrong type or an h= that excludes the algorithm's hash.
    #[arg(long, value_name = "ALGORITHM", conflicts_with = "message")]
    pub algorithm: Option<String>,
    /// Verify every DKIM-Signature of this whole message file (.eml) instead.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["domain", "selector"])]
    pub message: Option<PathBuf>,
}

/// Runs the command: exit 0 when the key is usable (or a signature of the message verifies),
/// 1 when the check found a problem.
pub fn run(args: &DkimArgs, dns: &DnsArgs, output: &OutputArgs) -> anyhow::Result<ExitCode> {
    if let Some(alg) = &args.algorithm
        && Algorithm::from_name(alg).is_none()
    {
        anyhow::bail!("--algorithm {alg:?} is not rsa-sha256, rsa-sha1 or ed25519-sha256");
    }
    let resolver = dns.resolver()?;
    let runtime = runtime()?;
    let painter = Painter::new(render::text::use_colour(
        output.color.forced(),
        std::io::stdout().is_terminal(),
    ));
    let mut stdout = std::io::stdout().lock();
    if let Some(path) = &args.message {
        let message = read_message(path)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let v = runtime.block_on(dkim::verify_message(&resolver, &message, now));
        let input = path.display().to_string();
        if output.json {
            let mut value = serde_json::to_value(&v)?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("input".into(), input.into());
                obj.insert("pass".into(), v.any_pass().into());
            }
            writeln!(stdout, "{value}")?;
        } else {
            render::auth::write_dkim_verification(
                &mut stdout,
                &input,
                &v,
                &painter,
                output.verbose,
            )?;
        }
        stdout.flush()?;
        return Ok(verdict(v.any_pass()));
    }
    let (Some(domain), Some(selector)) = (&args.domain, &args.selector) else {
        anyhow::bail!("give DOMAIN SELECTOR, or --message FILE");
    };
    let check = runtime.block_on(dkim::check_key(
        &resolver,
        domain,
        selector,
        args.algorithm.as_deref(),
    ));
    if check.outcome == KeyOutcome::BadName {
        anyhow::bail!(
            "{}._domainkey.{} is not a valid DNS name",
            render::sanitize(selector),
            render::sanitize(domain)
        );
    }
    if output.json {
        writeln!(stdout, "{}", serde_json::to_string(&check)?)?;
    } else {
        render::auth::write_dkim_key(&mut stdout, &check, &painter)?;
    }
    stdout.flush()?;
    Ok(verdict(check.is_usable()))
}

fn read_message(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut message = Vec::new();
    file.take(MAX_MESSAGE + 1)
        .read_to_end(&mut message)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if message.len() as u64 > MAX_MESSAGE {
        anyhow::bail!(
            "{} is larger than the limit of {MAX_MESSAGE} bytes",
            path.display()
        );
    }
    Ok(message)
}
