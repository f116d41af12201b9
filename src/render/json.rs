//! The JSON renderer: one object per input, one per line, with stable snake_case fields. The
//! schema is documented in the README; add fields, never rename them.

use std::io::Write;

use serde::Serialize;

use std::net::IpAddr;

use crate::bounce::{DkimSignatureRef, Sender, Source, Sourced};
use crate::classify::{AuthCheck, Evidence, Reason};
use crate::diagnose::Finding;

use super::Report;

/// The report as printed. Every object's fields are listed in byte order of their names, as a
/// `serde_json::Value` (a sorted map) would print them, so the report is written directly
/// without building a `Value` first. Nested types owned by other stages go through a `Value`
/// ([`Sorted`]) unless mirrored here.
#[derive(Serialize)]
struct JsonReport<'a> {
    arrival_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<Sorted<'a, crate::check::Checks>>,
    dialect: Option<&'a str>,
    dkim_signatures: Vec<JsonDkim<'a>>,
    findings: Vec<JsonFinding<'a>>,
    from_domain: Option<&'a str>,
    helo: Option<JsonHelo<'a>>,
    input: &'a str,
    kind: crate::bounce::BounceKind,
    recipients: Vec<JsonRecipient<'a>>,
    reporting_mta: Option<&'a str>,
    sender: Option<JsonSender<'a>>,
    sending_ip: Option<JsonSendingIp>,
    warnings: &'a [String],
}

/// Serialises a value through `serde_json::Value`, whose maps sort their keys.
struct Sorted<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Sorted<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_json::to_value(self.0)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    cause: &'a str,
    evidence: &'a [String],
    fix: Option<JsonFix<'a>>,
    summary: &'a str,
    verification: Option<Sorted<'a, crate::diagnose::Verification>>,
    verified: Option<bool>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    name: Option<&'a str>,
    steps: &'a [String],
    #[serde(rename = "type")]
    rtype: Option<&'a str>,
    value: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonHelo<'a> {
    name: &'a str,
    source: Source,
}

#[derive(Serialize)]
struct JsonSender<'a> {
    address: Option<&'a str>,
    domain: &'a str,
    source: Source,
}

#[derive(Serialize)]
struct JsonSendingIp {
    ip: IpAddr,
    source: Source,
}

#[derive(Serialize)]
struct JsonDkim<'a> {
    algorithm: Option<&'a str>,
    domain: &'a str,
    selector: &'a str,
}

#[derive(Serialize)]
struct JsonRemoteMta<'a> {
    host: Option<&'a str>,
    ip: Option<IpAddr>,
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    matched: &'a str,
    reason: Reason,
    rule: &'a str,
}

#[derive(Serialize)]
struct JsonRecipient<'a> {
    action: Option<&'a str>,
    address: Option<&'a str>,
    auth_failed: &'a [AuthCheck],
    command: Option<&'a str>,
    diagnostic: Option<&'a str>,
    evidence: Vec<JsonEvidence<'a>>,
    hard_bounce: bool,
    original_recipient: Option<&'a str>,
    reason: Reason,
    remote_mta: Option<JsonRemoteMta<'a>>,
    reply_code: Option<u16>,
    status: Option<&'a str>,
}

/// The report in its printed shape.
fn json_report(report: &Report) -> JsonReport<'_> {
    let bounce = &report.bounce;
    let recipients = bounce
        .recipients
        .iter()
        .zip(&report.classifications)
        .map(|(r, c)| JsonRecipient {
            action: r.action.as_deref(),
            address: r.address.as_deref(),
            auth_failed: &c.auth_failed,
            command: r.command.as_deref(),
            diagnostic: r.diagnostic.as_deref(),
            evidence: c.evidence.iter().map(evidence).collect(),
            hard_bounce: c.hard_bounce,
            original_recipient: r.original_recipient.as_deref(),
            reason: c.reason,
            remote_mta: r.remote_mta.as_ref().map(|m| JsonRemoteMta {
                host: m.host.as_deref(),
                ip: m.ip,
            }),
            reply_code: r.reply_code,
            status: r.status.as_deref(),
        })
        .collect();
    JsonReport {
        arrival_date: bounce.arrival_date.as_deref(),
        checks: report.checks.as_ref().map(Sorted),
        dialect: bounce.dialect.as_deref(),
        dkim_signatures: bounce.dkim_signatures.iter().map(dkim).collect(),
        findings: report.findings.iter().map(finding).collect(),
        from_domain: bounce.from_domain.as_deref(),
        helo: bounce
            .helo
            .as_ref()
            .map(|Sourced { value, source }| JsonHelo {
                name: value,
                source: *source,
            }),
        input: &report.input,
        kind: bounce.kind,
        recipients,
        reporting_mta: bounce.reporting_mta.as_deref(),
        sender: bounce.sender.as_ref().map(sender),
        sending_ip: bounce.sending_ip.as_ref().map(|s| JsonSendingIp {
            ip: s.ip,
            source: s.source,
        }),
        warnings: &bounce.warnings,
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        cause: &f.cause,
        evidence: &f.evidence,
        fix: f.fix.as_ref().map(|x| JsonFix {
            name: x.name.as_deref(),
            steps: &x.steps,
            rtype: x.rtype.as_deref(),
            value: x.value.as_deref(),
        }),
        summary: &f.summary,
        verification: f.verification.as_ref().map(Sorted),
        verified: f.verified,
    }
}

fn sender(s: &Sender) -> JsonSender<'_> {
    JsonSender {
        address: s.address.as_deref(),
        domain: &s.domain,
        source: s.source,
    }
}

fn dkim(d: &DkimSignatureRef) -> JsonDkim<'_> {
    JsonDkim {
        algorithm: d.algorithm.as_deref(),
        domain: &d.domain,
        selector: &d.selector,
    }
}

fn evidence(e: &Evidence) -> JsonEvidence<'_> {
    JsonEvidence {
        matched: &e.matched,
        reason: e.reason,
        rule: &e.rule,
    }
}

/// The report as a JSON value (what [`write_report`] prints).
pub fn report_value(report: &Report) -> serde_json::Value {
    serde_json::to_value(json_report(report)).unwrap_or(serde_json::Value::Null)
}

/// Writes the report as one line of JSON: the bytes `serde_json` would print for
/// `JsonReport`, with the fixed keys written as they are and only the strings that need it
/// escaped (the rare nested values still go through `serde_json`).
pub fn write_report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let mut w = Vec::with_capacity(2048);
    write_json_report(&mut w, &json_report(report))?;
    w.push(b'\n');
    out.write_all(&w)
}

/// A JSON string: as it is when nothing in it needs escaping, else as `serde_json` escapes it.
fn put_str(w: &mut Vec<u8>, s: &str) -> std::io::Result<()> {
    // Folded without stopping early, so that the check runs many bytes at a time.
    let needs_escape = s.bytes().fold(false, |acc, b| {
        acc | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if !needs_escape {
        w.reserve(s.len() + 2);
        w.push(b'"');
        w.extend_from_slice(s.as_bytes());
        w.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(&mut *w, s).map_err(std::io::Error::from)
    }
}

/// An optional JSON string, `null` when absent.
fn put_opt_str(w: &mut Vec<u8>, s: Option<&str>) -> std::io::Result<()> {
    match s {
        Some(s) => put_str(w, s),
        None => {
            w.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// An array of JSON strings.
fn put_strs(w: &mut Vec<u8>, items: &[String]) -> std::io::Result<()> {
    put_list(w, items, |w, s| put_str(w, s))
}

/// Anything else through `serde_json` (enums, nested values owned by other stages).
fn put_value(w: &mut Vec<u8>, v: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *w, v).map_err(std::io::Error::from)
}

/// An IP address as `serde_json` prints it: its text form in quotes (no byte of which needs
/// escaping).
fn put_ip(w: &mut Vec<u8>, ip: IpAddr) -> std::io::Result<()> {
    write!(w, "\"{ip}\"")
}

/// A list of items written by `put`.
fn put_list<T>(
    w: &mut Vec<u8>,
    items: &[T],
    put: impl Fn(&mut Vec<u8>, &T) -> std::io::Result<()>,
) -> std::io::Result<()> {
    w.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.push(b',');
        }
        put(w, item)?;
    }
    w.push(b']');
    Ok(())
}

/// [`JsonReport`] written field by field, in its order.
fn write_json_report(w: &mut Vec<u8>, r: &JsonReport) -> std::io::Result<()> {
    w.extend_from_slice(b"{\"arrival_date\":");
    put_opt_str(w, r.arrival_date)?;
    if let Some(checks) = &r.checks {
        w.extend_from_slice(b",\"checks\":");
        put_value(w, checks)?;
    }
    w.extend_from_slice(b",\"dialect\":");
    put_opt_str(w, r.dialect)?;
    w.extend_from_slice(b",\"dkim_signatures\":");
    put_list(w, &r.dkim_signatures, |w, d| {
        w.extend_from_slice(b"{\"algorithm\":");
        put_opt_str(w, d.algorithm)?;
        w.extend_from_slice(b",\"domain\":");
        put_str(w, d.domain)?;
        w.extend_from_slice(b",\"selector\":");
        put_str(w, d.selector)?;
        w.push(b'}');
        Ok(())
    })?;
    w.extend_from_slice(b",\"findings\":");
    put_list(w, &r.findings, |w, f| {
        w.extend_from_slice(b"{\"cause\":");
        put_str(w, f.cause)?;
        w.extend_from_slice(b",\"evidence\":");
        put_strs(w, f.evidence)?;
        w.extend_from_slice(b",\"fix\":");
        match &f.fix {
            Some(x) => {
                w.extend_from_slice(b"{\"name\":");
                put_opt_str(w, x.name)?;
                w.extend_from_slice(b",\"steps\":");
                put_strs(w, x.steps)?;
                w.extend_from_slice(b",\"type\":");
                put_opt_str(w, x.rtype)?;
                w.extend_from_slice(b",\"value\":");
                put_opt_str(w, x.value)?;
                w.push(b'}');
            }
            None => w.extend_from_slice(b"null"),
        }
        w.extend_from_slice(b",\"summary\":");
        put_str(w, f.summary)?;
        w.extend_from_slice(b",\"verification\":");
        put_value(w, &f.verification)?;
        w.extend_from_slice(b",\"verified\":");
        put_value(w, &f.verified)?;
        w.push(b'}');
        Ok(())
    })?;
    w.extend_from_slice(b",\"from_domain\":");
    put_opt_str(w, r.from_domain)?;
    w.extend_from_slice(b",\"helo\":");
    match &r.helo {
        Some(h) => {
            w.extend_from_slice(b"{\"name\":");
            put_str(w, h.name)?;
            w.extend_from_slice(b",\"source\":");
            put_value(w, &h.source)?;
            w.push(b'}');
        }
        None => w.extend_from_slice(b"null"),
    }
    w.extend_from_slice(b",\"input\":");
    put_str(w, r.input)?;
    w.extend_from_slice(b",\"kind\":");
    put_value(w, &r.kind)?;
    w.extend_from_slice(b",\"recipients\":");
    put_list(w, &r.recipients, write_recipient)?;
    w.extend_from_slice(b",\"reporting_mta\":");
    put_opt_str(w, r.reporting_mta)?;
    w.extend_from_slice(b",\"sender\":");
    match &r.sender {
        Some(s) => {
            w.extend_from_slice(b"{\"address\":");
            put_opt_str(w, s.address)?;
            w.extend_from_slice(b",\"domain\":");
            put_str(w, s.domain)?;
            w.extend_from_slice(b",\"source\":");
            put_value(w, &s.source)?;
            w.push(b'}');
        }
        None => w.extend_from_slice(b"null"),
    }
    w.extend_from_slice(b",\"sending_ip\":");
    match &r.sending_ip {
        Some(s) => {
            w.extend_from_slice(b"{\"ip\":");
            put_ip(w, s.ip)?;
            w.extend_from_slice(b",\"source\":");
            put_value(w, &s.source)?;
            w.push(b'}');
        }
        None => w.extend_from_slice(b"null"),
    }
    w.extend_from_slice(b",\"warnings\":");
    put_strs(w, r.warnings)?;
    w.push(b'}');
    Ok(())
}

/// [`JsonRecipient`] written field by field, in its order.
fn write_recipient(w: &mut Vec<u8>, r: &JsonRecipient) -> std::io::Result<()> {
    w.extend_from_slice(b"{\"action\":");
    put_opt_str(w, r.action)?;
    w.extend_from_slice(b",\"address\":");
    put_opt_str(w, r.address)?;
    w.extend_from_slice(b",\"auth_failed\":");
    put_value(w, &r.auth_failed)?;
    w.extend_from_slice(b",\"command\":");
    put_opt_str(w, r.command)?;
    w.extend_from_slice(b",\"diagnostic\":");
    put_opt_str(w, r.diagnostic)?;
    w.extend_from_slice(b",\"evidence\":");
    put_list(w, &r.evidence, |w, e| {
        w.extend_from_slice(b"{\"matched\":");
        put_str(w, e.matched)?;
        w.extend_from_slice(b",\"reason\":");
        put_value(w, &e.reason)?;
        w.extend_from_slice(b",\"rule\":");
        put_str(w, e.rule)?;
        w.push(b'}');
        Ok(())
    })?;
    w.extend_from_slice(if r.hard_bounce {
        b",\"hard_bounce\":true"
    } else {
        b",\"hard_bounce\":false"
    });
    w.extend_from_slice(b",\"original_recipient\":");
    put_opt_str(w, r.original_recipient)?;
    w.extend_from_slice(b",\"reason\":");
    put_value(w, &r.reason)?;
    w.extend_from_slice(b",\"remote_mta\":");
    match &r.remote_mta {
        Some(m) => {
            w.extend_from_slice(b"{\"host\":");
            put_opt_str(w, m.host)?;
            w.extend_from_slice(b",\"ip\":");
            match m.ip {
                Some(ip) => put_ip(w, ip)?,
                None => w.extend_from_slice(b"null"),
            }
            w.push(b'}');
        }
        None => w.extend_from_slice(b"null"),
    }
    w.extend_from_slice(b",\"reply_code\":");
    match r.reply_code {
        Some(c) => write!(w, "{c}")?,
        None => w.extend_from_slice(b"null"),
    }
    w.extend_from_slice(b",\"status\":");
    put_opt_str(w, r.status)?;
    w.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    mod erased {
        /// Anything serialisable, as a JSON value, behind one object-safe call.
        pub trait Value {
            fn json(&self) -> serde_json::Value;
        }
        impl<T: serde::Serialize> Value for T {
            fn json(&self) -> serde_json::Value {
                serde_json::to_value(self).expect("a value")
            }
        }
    }

    /// Written directly, every corpus report is byte for byte what its `Value` prints: the
    /// mirrored fields are in sorted order and none is missing.
    #[test]
    fn written_report_is_the_sorted_value() {
        let mut reports = 0;
        for bytes in crate::bounce::corpus_emails() {
            let Ok(input) = crate::input::Input::from_bytes("corpus", bytes) else {
                continue;
            };
            let bounce = crate::bounce::parse(&input);
            let classifications = crate::classify::classify(&bounce);
            let findings = crate::diagnose::diagnose(&bounce, &classifications, None);
            let report = Report {
                input: "corpus".to_string(),
                bounce,
                classifications,
                checks: None,
                findings,
            };
            // The mirrors carry every field of what they mirror.
            let value = |v: &dyn erased::Value| v.json();
            let b = &report.bounce;
            assert_eq!(value(&b.sender.as_ref().map(sender)), value(&b.sender));
            let ips = b.sending_ip.as_ref().map(|s| JsonSendingIp {
                ip: s.ip,
                source: s.source,
            });
            assert_eq!(value(&ips), value(&b.sending_ip));
            let sigs: Vec<_> = b.dkim_signatures.iter().map(dkim).collect();
            assert_eq!(value(&sigs), value(&b.dkim_signatures));
            for (r, c) in b.recipients.iter().zip(&report.classifications) {
                let mta = r.remote_mta.as_ref().map(|m| JsonRemoteMta {
                    host: m.host.as_deref(),
                    ip: m.ip,
                });
                assert_eq!(value(&mta), value(&r.remote_mta));
                let ev: Vec<_> = c.evidence.iter().map(evidence).collect();
                assert_eq!(value(&ev), value(&c.evidence));
            }
            for f in &report.findings {
                assert_eq!(value(&finding(f)), value(f));
            }
            let mut written = Vec::new();
            write_report(&mut written, &report).expect("written");
            // Byte for byte what serde_json prints for the same shape.
            let mut by_serde = serde_json::to_vec(&json_report(&report)).expect("a value");
            by_serde.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&by_serde)
            );
            let mut expected = serde_json::to_vec(&report_value(&report)).expect("a value");
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
            // Strings that need escaping take serde_json's path, byte for byte.
            let mut report = report;
            let odd = "q\"b\\c\u{1}\u{1f}\n\t\u{7f}é\u{2028}";
            report.bounce.warnings.push(odd.to_string());
            report.bounce.dialect = Some(odd.to_string());
            for r in &mut report.bounce.recipients {
                r.diagnostic = Some(format!("{}{odd}", r.diagnostic.as_deref().unwrap_or("")));
                r.status = r.status.as_ref().map(|s| s.to_ascii_uppercase());
            }
            for f in &mut report.findings {
                f.evidence.push(odd.to_string());
            }
            let mut written = Vec::new();
            write_report(&mut written, &report).expect("written");
            let mut by_serde = serde_json::to_vec(&json_report(&report)).expect("a value");
            by_serde.push(b'\n');
            assert_eq!(written, by_serde);
            reports += 1;
        }
        assert!(reports > 400, "{reports} reports");
    }
}
