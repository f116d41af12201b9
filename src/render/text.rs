//! The text renderer: a report for a person, headline first, colour only on a terminal.

use std::io::Write;

use crate::bounce::{BounceKind, Source};
use crate::classify::{AuthCheck, Classification, Reason};

use super::{Report, sanitized as sanitize};

/// Whether to colour: `forced` (from `--color always|never`) wins; otherwise only on a
/// terminal, and not when `NO_COLOR` is set (no-color.org).
pub fn use_colour(forced: Option<bool>, stdout_is_terminal: bool) -> bool {
    forced.unwrap_or_else(|| {
        stdout_is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    })
}

/// ANSI styles, or nothing when colour is off.
#[derive(Clone, Copy)]
pub struct Painter {
    on: bool,
}

impl Painter {
    pub fn new(on: bool) -> Painter {
        Painter { on }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

fn kind_words(kind: BounceKind) -> &'static str {
    match kind {
        BounceKind::Dsn => "delivery status notification (RFC 3464)",
        BounceKind::Ndr => "non-delivery report",
        BounceKind::Text => "SMTP error text",
        BounceKind::Feedback => "feedback report (a complaint, not a bounce)",
        BounceKind::Autoreply => "auto-reply (not a bounce)",
        BounceKind::NotBounce => "not a bounce",
    }
}

/// Where a value came from, in words.
pub fn source_words(source: Source) -> &'static str {
    match source {
        Source::DiagnosticText => "named by the receiver",
        Source::DsnField => "from the delivery status fields",
        Source::ReturnedHeaders => "from the returned message's headers",
        Source::BounceHeaders => "from the bounce's own headers",
        Source::BounceBody => "from the bounce's text",
        Source::Resolved => "resolved from the reporting server's name",
    }
}

/// What a reason means, in a phrase.
pub fn reason_words(reason: Reason) -> &'static str {
    match reason {
        Reason::AuthFailure => "sender authentication (SPF/DKIM/DMARC) failed",
        Reason::BadReputation => "the sending IP or domain has a poor reputation",
        Reason::Blocked => "the sending IP or host is blocked by the receiver",
        Reason::ContentError => "the message content or headers were refused",
        Reason::Delivered => "delivered (not a failure)",
        Reason::EmailTooLarge => "the message is too large",
        Reason::Expired => "delivery gave up after retrying too long",
        Reason::FailedStartTls => "TLS (STARTTLS) failed",
        Reason::Feedback => "a feedback-loop complaint",
        Reason::Filtered => "refused by a recipient-side filter",
        Reason::HasMoved => "the recipient has moved",
        Reason::HostUnknown => "the recipient's domain does not exist or has no mail server",
        Reason::MailboxFull => "the recipient's mailbox is full",
        Reason::MailerError => "a delivery program failed at the receiver",
        Reason::NetworkError => "a DNS or network failure while reaching the receiver",
        Reason::NoRelaying => "the receiver refused to relay",
        Reason::NotAccept => "the receiving domain accepts no mail",
        Reason::NotCompliantRfc => "the message breaks the RFC rules",
        Reason::OnHold => "undecided: more evidence is needed",
        Reason::PolicyViolation => "refused under the receiver's local policy",
        Reason::RateLimited => "too many messages or connections: throttled",
        Reason::Rejected => "the sender address or domain was refused",
        Reason::RequirePtr => "the sending IP lacks valid reverse DNS",
        Reason::SecurityError => "a security or authentication refusal",
        Reason::SpamDetected => "judged to be spam",
        Reason::Suppressed => "the address is on the sending service's suppression list",
        Reason::Suspend => "the recipient's mailbox is suspended",
        Reason::SyntaxError => "an SMTP syntax error",
        Reason::SystemError => "a system error at the receiver",
        Reason::SystemFull => "the receiving system is out of space",
        Reason::Undefined => "the reason could not be told",
        Reason::UserUnknown => "the recipient address does not exist",
        Reason::Vacation => "an auto-reply (vacation)",
        Reason::VirusDetected => "a virus was detected",
    }
}

fn auth_words(checks: &[AuthCheck]) -> String {
    let names: Vec<&str> = checks
        .iter()
        .map(|c| match c {
            AuthCheck::Spf => "SPF",
            AuthCheck::Dkim => "DKIM",
            AuthCheck::Dmarc => "DMARC",
        })
        .collect();
    names.join(" and ")
}

/// Writes the report for one input.
pub fn write_report(
    out: &mut impl Write,
    report: &Report,
    colour: bool,
    verbose: bool,
) -> std::io::Result<()> {
    let p = Painter::new(colour);
    let b = &report.bounce;
    let mut head = format!("{}: {}", sanitize(&report.input), kind_words(b.kind));
    if let Some(mta) = &b.reporting_mta {
        head.push_str(&format!(" from {}", sanitize(mta)));
    }
    writeln!(out, "{}", p.bold(&head))?;
    for (i, finding) in report.findings.iter().enumerate() {
        write_finding(out, &p, finding, i == 0)?;
    }
    if let Some(checks) = &report.checks {
        write_requirements(out, &p, &checks.requirements)?;
    }
    let has_facts = b.sender.is_some()
        || b.sending_ip.is_some()
        || b.helo.is_some()
        || b.from_domain.is_some()
        || !b.dkim_signatures.is_empty();
    if !report.findings.is_empty() && has_facts {
        writeln!(out)?;
    }
    if let Some(sender) = &b.sender {
        let who = match &sender.address {
            Some(address) => format!(
                "{} (domain {})",
                sanitize(address),
                sanitize(&sender.domain)
            ),
            None => sanitize(&sender.domain).into_owned(),
        };
        writeln!(out, "  sender      {who}, {}", source_words(sender.source))?;
    }
    if let Some(ip) = &b.sending_ip {
        writeln!(out, "  sending IP  {}, {}", ip.ip, source_words(ip.source))?;
    }
    if let Some(helo) = &b.helo {
        writeln!(out, "  HELO        {}", sanitize(&helo.value))?;
    }
    if let Some(from) = &b.from_domain {
        writeln!(out, "  From domain {}", sanitize(from))?;
    }
    for sig in &b.dkim_signatures {
        let alg = sig.algorithm.as_deref().map(sanitize).unwrap_or_default();
        writeln!(
            out,
            "  DKIM        d={} s={} {}",
            sanitize(&sig.domain),
            sanitize(&sig.selector),
            alg
        )?;
    }
    for (recipient, class) in b.recipients.iter().zip(&report.classifications) {
        writeln!(out)?;
        write_recipient(out, &p, recipient, class, verbose)?;
    }
    for warning in &b.warnings {
        writeln!(out, "  {} {}", p.yellow("warning:"), sanitize(warning))?;
    }
    if let Some(checks) = &report.checks {
        write_checks(out, &p, checks, verbose)?;
    }
    writeln!(out)
}

/// One finding: the cause and summary, the fix ready to copy, whether it was verified, then
/// the evidence.
fn write_finding(
    out: &mut impl Write,
    p: &Painter,
    finding: &crate::diagnose::Finding,
    headline: bool,
) -> std::io::Result<()> {
    let marker = if finding.cause == "spf_passes_now" {
        p.green("✓")
    } else if headline {
        p.red("✗")
    } else {
        p.yellow("•")
    };
    writeln!(out)?;
    writeln!(
        out,
        "  {marker} {} {}",
        p.bold(&sanitize(&finding.summary)),
        p.dim(&format!("[{}]", finding.cause))
    )?;
    if let Some(fix) = &finding.fix {
        match (&fix.name, &fix.rtype, &fix.value) {
            (Some(name), Some(rtype), Some(value)) => {
                writeln!(
                    out,
                    "    fix      publish this {} record at {}:",
                    sanitize(rtype),
                    sanitize(name)
                )?;
                writeln!(out, "               {}", p.green(&sanitize(value)))?;
                for step in &fix.steps {
                    writeln!(out, "             {}", sanitize(step))?;
                }
            }
            _ => {
                for (i, step) in fix.steps.iter().enumerate() {
                    let label = if i == 0 { "fix" } else { "" };
                    writeln!(out, "    {label:<8} {}. {}", i + 1, sanitize(step))?;
                }
            }
        }
    }
    match (&finding.verified, &finding.verification) {
        (Some(true), Some(v)) => writeln!(
            out,
            "    verified {}",
            p.green(&format!(
                "yes: with this record SPF gives {} (lookups {}/{})",
                v.result, v.lookups, v.lookup_limit
            ))
        )?,
        (Some(true), None) => {
            writeln!(out, "    verified {}", p.green("yes: the record is valid"))?
        }
        (Some(false), Some(v)) => writeln!(
            out,
            "    verified {}",
            p.red(&format!(
                "no: with this record SPF still gives {} (lookups {}/{})",
                v.result, v.lookups, v.lookup_limit
            ))
        )?,
        (Some(false), None) => writeln!(
            out,
            "    verified {}",
            p.red("no: the record is still not valid")
        )?,
        _ => {}
    }
    if !finding.evidence.is_empty() {
        writeln!(out, "    evidence")?;
        for line in &finding.evidence {
            writeln!(out, "      {}", p.dim(&sanitize(line)))?;
        }
    }
    Ok(())
}

/// Each receiver rule the bounce named, with its requirements met (✓), not met (✗) or unknown.
fn write_requirements(
    out: &mut impl Write,
    p: &Painter,
    rules: &[crate::check::requirements::RuleRequirements],
) -> std::io::Result<()> {
    use crate::check::requirements::Requirement;
    for rule in rules {
        writeln!(out)?;
        writeln!(
            out,
            "  {} {}",
            p.bold("receiver rule"),
            sanitize(&rule.rule)
        )?;
        for req in &rule.requirements {
            let mark = match req.met {
                Some(true) => p.green("✓ met    "),
                Some(false) => p.red("✗ not met"),
                None => p.yellow("? unknown"),
            };
            let what = match req.requirement {
                Requirement::SpfPass => "SPF passes",
                Requirement::DkimPass => "DKIM passes",
                Requirement::SpfOrDkimPass => "SPF or DKIM passes",
                Requirement::DmarcRecord => "DMARC record published",
                Requirement::DmarcAligned => "DMARC aligned pass",
                Requirement::ReverseDns => "reverse DNS confirms",
            };
            writeln!(
                out,
                "    {mark} {what:<23} {}",
                p.dim(&sanitize(&req.detail))
            )?;
        }
    }
    Ok(())
}

/// A short account of the live checks; `verbose` adds the full SPF traces.
fn write_checks(
    out: &mut impl Write,
    p: &Painter,
    checks: &crate::check::Checks,
    verbose: bool,
) -> std::io::Result<()> {
    writeln!(out)?;
    if !checks.dns_reachable {
        writeln!(out, "  {} no DNS server answered", p.yellow("DNS"))?;
        return Ok(());
    }
    if let (Some(ip), Some(source)) = (checks.subject.ip, checks.subject.ip_source) {
        writeln!(out, "  checked  {ip} ({})", source_words(source))?;
    }
    for spf in &checks.spf {
        let identity = match spf.identity {
            crate::check::Identity::MailFrom => "MAIL FROM",
            crate::check::Identity::Helo => "HELO",
        };
        let used = if checks.subject.identity_used == Some(spf.identity) {
            ", the identity the receiver checked"
        } else {
            ""
        };
        writeln!(
            out,
            "  SPF      {identity} {}: {} (lookups {}/{}, void {}/{}{used})",
            sanitize(&spf.outcome.domain),
            spf.outcome.result,
            spf.outcome.lookups,
            spf.outcome.lookup_limit,
            spf.outcome.void_lookups,
            spf.outcome.void_limit
        )?;
        if verbose {
            let mut buf = Vec::new();
            super::spf::write_outcome(&mut buf, &spf.outcome, p.on)?;
            for line in String::from_utf8_lossy(&buf).lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }
    if let Some(rdns) = &checks.rdns {
        let words = match &rdns.outcome {
            crate::rdns::RdnsOutcome::Ok { name } => format!("{} (confirmed)", sanitize(name)),
            crate::rdns::RdnsOutcome::Missing { .. } => "no PTR record".to_string(),
            crate::rdns::RdnsOutcome::Mismatch { names } => {
                format!("{} (does not resolve back)", sanitize(&names.join(", ")))
            }
            crate::rdns::RdnsOutcome::DnsFailure { answer, .. } => {
                format!("DNS failed: {}", answer.summary())
            }
        };
        writeln!(out, "  PTR      {words}")?;
    }
    writeln!(out, "  DNS      {} queries sent", checks.dns_queries)
}

fn write_recipient(
    out: &mut impl Write,
    p: &Painter,
    r: &crate::bounce::Recipient,
    c: &Classification,
    verbose: bool,
) -> std::io::Result<()> {
    let address = r
        .address
        .as_deref()
        .map(sanitize)
        .unwrap_or_else(|| "(recipient not named)".into());
    let mut codes = Vec::new();
    if let Some(action) = &r.action {
        codes.push(sanitize(action).into_owned());
    }
    if let Some(reply) = r.reply_code {
        codes.push(reply.to_string());
    }
    if let Some(status) = &r.status {
        codes.push(sanitize(status).into_owned());
    }
    writeln!(out, "  {} {}", p.bold(&address), p.dim(&codes.join(" ")))?;
    let mut reason = format!("{} — {}", c.reason, reason_words(c.reason));
    if !c.auth_failed.is_empty() {
        reason.push_str(&format!(" ({} failed)", auth_words(&c.auth_failed)));
    }
    let reason = match c.reason {
        Reason::Delivered => p.green(&reason),
        _ if c.hard_bounce => p.red(&reason),
        _ => p.yellow(&reason),
    };
    let kind = if c.hard_bounce {
        "hard bounce: stop sending to this address"
    } else {
        "soft bounce: the address may work once the cause is fixed"
    };
    writeln!(out, "    reason   {reason} [{kind}]")?;
    if let Some(mta) = &r.remote_mta {
        let mut server = mta
            .host
            .as_deref()
            .map(sanitize)
            .unwrap_or_default()
            .into_owned();
        if let Some(ip) = mta.ip {
            server.push_str(&format!(" [{ip}]"));
        }
        writeln!(out, "    server   {}", server.trim())?;
    }
    if let Some(diag) = &r.diagnostic {
        writeln!(out, "    said     {}", sanitize(diag))?;
    }
    let shown = if verbose {
        c.evidence.len()
    } else {
        c.evidence.len().min(1)
    };
    for ev in &c.evidence[..shown] {
        writeln!(
            out,
            "    why      {} matched {}",
            sanitize(&ev.rule),
            p.dim(&format!("\"{}\"", sanitize(&ev.matched)))
        )?;
    }
    Ok(())
}
