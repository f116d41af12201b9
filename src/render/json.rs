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

/// Writes the report as one line of JSON.
pub fn write_report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &json_report(report))?;
    writeln!(out)
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
            let mut expected = serde_json::to_vec(&report_value(&report)).expect("a value");
            expected.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
            reports += 1;
        }
        assert!(reports > 400, "{reports} reports");
    }
}
