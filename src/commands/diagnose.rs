//! The default command: diagnose each bounce given on the command line or stdin.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use bouncedoc::bounce::{self, BounceKind};
use bouncedoc::classify;
use bouncedoc::input::{Input, InputError};
use bouncedoc::render::{self, Report};

use super::{DnsArgs, OutputArgs};

/// Runs the pipeline on every input; one bad input is reported and the others still run.
pub fn run(
    files: &[String],
    offline: bool,
    max_size: u64,
    dns: &DnsArgs,
    output: &OutputArgs,
) -> anyhow::Result<ExitCode> {
    let _ = (offline, dns);
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
        let report = Report {
            input: input.name.clone(),
            bounce,
            classifications,
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
