//! The default command: diagnose each bounce given on the command line or stdin.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use bouncedoc::bounce::{self, BounceKind};
use bouncedoc::check::{self, CheckOptions};
use bouncedoc::dns::Resolver;
use bouncedoc::input::{self, Input};
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
    let mut summary = Summary::default();
    for name in names {
        for (label, read) in inputs(name, max_size) {
            let input = match read {
                Ok(input) => input,
                Err(err) => {
                    errored = true;
                    summary.errors += 1;
                    let _ = writeln!(std::io::stderr(), "bouncedoc: {label}: {err:#}");
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
            summary.add(&report);
            if output.json {
                render::json::write_report(&mut stdout, &report)?;
            } else {
                render::text::write_report(&mut stdout, &report, colour, output.verbose)?;
            }
        }
    }
    if !output.json && summary.inputs + summary.errors > 1 {
        writeln!(stdout, "{}", summary.text())?;
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

/// Counts over a batch, printed after the reports of a mailbox or several files.
#[derive(Default)]
struct Summary {
    inputs: usize,
    bounces: usize,
    errors: usize,
    reasons: std::collections::BTreeMap<String, usize>,
    causes: std::collections::BTreeMap<String, usize>,
}

impl Summary {
    fn add(&mut self, report: &Report) {
        self.inputs += 1;
        if matches!(
            report.bounce.kind,
            BounceKind::Dsn | BounceKind::Ndr | BounceKind::Text
        ) {
            self.bounces += 1;
        }
        for class in &report.classifications {
            *self.reasons.entry(class.reason.to_string()).or_default() += 1;
        }
        if let Some(headline) = report.findings.first() {
            *self.causes.entry(headline.cause.clone()).or_default() += 1;
        }
    }

    fn text(&self) -> String {
        let list = |map: &std::collections::BTreeMap<String, usize>| {
            let mut items: Vec<(&String, &usize)> = map.iter().collect();
            items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            items
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut text = format!(
            "summary: {} messages read, {} bounces, {} not bounces, {} unreadable",
            self.inputs,
            self.bounces,
            self.inputs - self.bounces,
            self.errors
        );
        if !self.reasons.is_empty() {
            text.push_str(&format!(
                "\n  reasons (per recipient): {}",
                list(&self.reasons)
            ));
        }
        if !self.causes.is_empty() {
            text.push_str(&format!(
                "\n  causes (headline per message): {}",
                list(&self.causes)
            ));
        }
        text
    }
}

/// The messages behind one command-line name: stdin (`-`), a file, an mbox (split), or a
/// folder (a Maildir's cur/ and new/, or every file in it). Each comes with the label errors
/// are reported under.
type Labelled = (String, anyhow::Result<Input>);

/// Streams one name's messages, so a large mailbox is never held in memory whole.
fn inputs(name: &str, max_size: u64) -> Box<dyn Iterator<Item = Labelled>> {
    let path = std::path::Path::new(name);
    if name != "-" && path.is_dir() {
        return match input::folder_messages(path) {
            Ok(files) => Box::new(files.into_iter().map(move |file| {
                let label = file.display().to_string();
                let read = read_input(&label, max_size);
                (label, read)
            })),
            Err(err) => one(
                name,
                Err(anyhow::Error::new(err).context("cannot list the folder")),
            ),
        };
    }
    let reader: Box<dyn BufRead> = if name == "-" {
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            let _ = writeln!(
                std::io::stderr(),
                "Paste the bounce (the whole message or the error text), then press Ctrl-D on a new line."
            );
        }
        Box::new(std::io::BufReader::new(stdin))
    } else {
        match std::fs::File::open(name) {
            Ok(file) => Box::new(std::io::BufReader::new(file)),
            Err(err) => return one(name, Err(anyhow::Error::new(err).context("cannot open it"))),
        }
    };
    let mut reader = reader;
    let is_mbox = reader
        .fill_buf()
        .map(input::looks_like_mbox)
        .unwrap_or(false);
    if is_mbox {
        let label = name.to_string();
        return Box::new(
            input::MboxReader::new(name, reader, max_size)
                .enumerate()
                .map(move |(i, read)| {
                    (
                        format!("{label}#{}", i + 1),
                        read.map_err(anyhow::Error::new),
                    )
                }),
        );
    }
    one(
        name,
        Input::read(name, reader, max_size).map_err(anyhow::Error::new),
    )
}

fn one(name: &str, read: anyhow::Result<Input>) -> Box<dyn Iterator<Item = Labelled>> {
    Box::new(std::iter::once((name.to_string(), read)))
}

fn read_input(name: &str, max_size: u64) -> anyhow::Result<Input> {
    let file = std::fs::File::open(name).context("cannot open it")?;
    Ok(Input::read(name, file, max_size)?)
}
