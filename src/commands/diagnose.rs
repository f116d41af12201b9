//! The default command: diagnose each bounce given on the command line or stdin.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;

use std::collections::BTreeMap;
use std::sync::{Mutex, mpsc};

use bouncedoc::bounce::{self, Bounce, BounceKind};
use bouncedoc::check::{self, CheckOptions, Wanted};
use bouncedoc::classify::Classification;
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
    let style = Style {
        json: output.json,
        colour,
        verbose: output.verbose,
        offline,
    };
    // Buffered, and flushed before anything slow or anything on stderr, so the reports and
    // the error lines still appear in input order.
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let mut errored = false;
    let mut understood = false;
    let mut summary = Summary::default();
    let all = names.into_iter().flat_map(|name| inputs(name, max_size));
    let mut on_result = |outcome: Outcome| -> anyhow::Result<()> {
        let (report, rendered) = match outcome {
            Outcome::Unreadable(label, err) => {
                errored = true;
                summary.errors += 1;
                stdout.flush()?;
                let _ = writeln!(std::io::stderr(), "bouncedoc: {label}: {err:#}");
                return Ok(());
            }
            Outcome::Done(report, rendered) => (report, rendered?),
            Outcome::NeedsDns(input_name, bounce, classifications, wanted) => {
                // The live checks run here, one input at a time on the one runtime and
                // resolver, in input order.
                stdout.flush()?;
                if dns_run.is_none() {
                    dns_run = Some((super::runtime()?, dns.resolver()?));
                }
                let mut checks = None;
                let mut findings = Vec::new();
                if let Some((runtime, resolver)) = &dns_run {
                    let mut done =
                        runtime.block_on(check::run(resolver, &bounce, wanted, &check_options));
                    done.requirements =
                        check::requirements::evaluate_rules(&bounce, &classifications, &done);
                    findings = diagnose::diagnose(&bounce, &classifications, Some(&done));
                    runtime.block_on(verify::verify(resolver, &done.subject, &mut findings));
                    checks = Some(done);
                }
                let report = Report {
                    input: input_name,
                    bounce: *bounce,
                    classifications,
                    checks,
                    findings,
                };
                let rendered = style.render(&report)?;
                (Box::new(report), rendered)
            }
        };
        if !matches!(report.bounce.kind, BounceKind::NotBounce) {
            understood = true;
        }
        summary.add(&report);
        stdout.write_all(&rendered)?;
        Ok(())
    };
    run_batch(all, &style, &mut on_result)?;
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

/// How the reports are written, shared by the threads that render them.
struct Style {
    json: bool,
    colour: bool,
    verbose: bool,
    offline: bool,
}

impl Style {
    /// The report as the bytes to print, so a worker thread can render it ahead of its turn.
    fn render(&self, report: &Report) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(4096);
        if self.json {
            render::json::write_report(&mut out, report)?;
        } else {
            render::text::write_report(&mut out, report, self.colour, self.verbose)?;
        }
        Ok(out)
    }
}

/// What became of one input, handed back to the main thread to print in input order.
enum Outcome {
    /// It could not be read (or its processing failed): the label and why.
    Unreadable(String, anyhow::Error),
    /// Parsed, classified, diagnosed offline and rendered.
    Done(Box<Report>, std::io::Result<Vec<u8>>),
    /// Parsed and classified; the live DNS checks wanted still have to run (main thread).
    NeedsDns(String, Box<Bounce>, Vec<Classification>, Wanted),
}

/// The stages that need no network: parse, classify, and when no check is wanted (or
/// `--offline`), diagnose and render too.
fn process(input: Input<'_>, style: &Style) -> Outcome {
    let bounce = bounce::parse(&input);
    let classifications = classify::classify(&bounce);
    let wanted = check::wanted(&bounce, &classifications);
    if wanted.any() && !style.offline {
        return Outcome::NeedsDns(input.name, Box::new(bounce), classifications, wanted);
    }
    let report = bouncedoc::report_without_checks(input.name, bounce, classifications);
    let rendered = style.render(&report);
    Outcome::Done(Box::new(report), rendered)
}

/// `process`, with a panic turned into an error for that input alone, so one bad input
/// neither stops the batch nor leaves the main thread waiting for a result that never comes.
fn process_guarded(label: String, input: Input<'_>, style: &Style) -> Outcome {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(input, style)))
        .unwrap_or_else(|_| Outcome::Unreadable(label, anyhow::anyhow!("internal error")))
}

/// Inputs handed to a worker at a time: fewer hand-overs between threads than one by one.
const CHUNK: usize = 8;

/// Chunks per worker that may be read ahead of the one being printed: bounds the memory a
/// large mailbox takes while the workers run ahead (or wait on the main thread's DNS checks).
const CHUNKS_PER_WORKER: usize = 2;

/// Worker threads at most, whatever the machine offers.
const MAX_WORKERS: usize = 16;

/// Runs `process` on every input, on as many threads as the machine has cores when there are
/// several inputs, and hands the outcomes to `on_result` on this thread, in input order.
fn run_batch(
    inputs: impl Iterator<Item = Labelled>,
    style: &Style,
    on_result: &mut dyn FnMut(Outcome) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS);
    let mut inputs = inputs.peekable();
    let Some(first) = inputs.next() else {
        return Ok(());
    };
    let unthreaded = |(label, message): Labelled| match message.read(&label) {
        Ok(input) => process_guarded(label, input, style),
        Err(err) => Outcome::Unreadable(label, err),
    };
    if workers < 2 || inputs.peek().is_none() {
        on_result(unthreaded(first))?;
        for item in inputs {
            on_result(unthreaded(item))?;
        }
        return Ok(());
    }
    let mut inputs = std::iter::once(first).chain(inputs);
    let (job_tx, job_rx) = mpsc::channel::<(usize, Vec<Labelled>)>();
    let job_rx = Mutex::new(job_rx);
    std::thread::scope(|scope| {
        // Moved in, so every way out of this closure closes the queue and the workers stop.
        let job_tx = job_tx;
        let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<Outcome>)>();
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let job_rx = &job_rx;
            scope.spawn(move || {
                loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => break,
                    };
                    let Ok((first, chunk)) = job else {
                        break;
                    };
                    let outcomes = chunk.into_iter().map(&unthreaded).collect();
                    if done_tx.send((first, outcomes)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // Chunks by the index of their first input; they tile the inputs without gaps.
        let mut ready: BTreeMap<usize, Vec<Outcome>> = BTreeMap::new();
        let (mut chunks_out, mut read, mut printed) = (0usize, 0usize, 0usize);
        let mut exhausted = false;
        loop {
            while !exhausted && chunks_out < CHUNKS_PER_WORKER * workers {
                let chunk: Vec<Labelled> = inputs.by_ref().take(CHUNK).collect();
                exhausted = chunk.len() < CHUNK;
                if chunk.is_empty() {
                    break;
                }
                let first = read;
                read += chunk.len();
                chunks_out += 1;
                job_tx
                    .send((first, chunk))
                    .map_err(|_| anyhow::anyhow!("the worker threads stopped"))?;
            }
            if chunks_out == 0 {
                return Ok(());
            }
            let (first, outcomes) = done_rx
                .recv()
                .map_err(|_| anyhow::anyhow!("the worker threads stopped"))?;
            ready.insert(first, outcomes);
            while let Some(outcomes) = ready.remove(&printed) {
                chunks_out -= 1;
                printed += outcomes.len();
                for outcome in outcomes {
                    on_result(outcome)?;
                }
            }
        }
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
type Labelled = (String, Message);

/// One message of the batch: read already, or a file of a folder that the worker processing
/// it reads, so that a folder's files are read on all the worker threads rather than one by
/// one on the main thread.
enum Message {
    Read(anyhow::Result<Input<'static>>),
    InFolder(std::path::PathBuf, u64),
}

impl Message {
    /// The input, named `label` when it is read here.
    fn read(self, label: &str) -> anyhow::Result<Input<'static>> {
        match self {
            Message::Read(read) => read,
            Message::InFolder(path, max_size) => read_input(&path, label, max_size),
        }
    }
}

/// Streams one name's messages, so a large mailbox is never held in memory whole.
fn inputs(name: &str, max_size: u64) -> Box<dyn Iterator<Item = Labelled>> {
    let path = std::path::Path::new(name);
    if name != "-" && path.is_dir() {
        return match input::folder_messages(path) {
            Ok(files) => Box::new(files.into_iter().map(move |file| {
                (
                    file.display().to_string(),
                    Message::InFolder(file, max_size),
                )
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
                        Message::Read(read.map_err(anyhow::Error::new)),
                    )
                }),
        );
    }
    one(
        name,
        Input::read(name, reader, max_size).map_err(anyhow::Error::new),
    )
}

fn one(name: &str, read: anyhow::Result<Input<'static>>) -> Box<dyn Iterator<Item = Labelled>> {
    Box::new(std::iter::once((name.to_string(), Message::Read(read))))
}

fn read_input(path: &std::path::Path, name: &str, max_size: u64) -> anyhow::Result<Input<'static>> {
    let file = std::fs::File::open(path).context("cannot open it")?;
    Ok(Input::read(name, file, max_size)?)
}
