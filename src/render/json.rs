//! The JSON renderer: one object per input, one per line, with stable snake_case fields. The
//! schema is documented in the README; add fields, never rename them.

use std::io::Write;

use serde::Serialize;

use crate::bounce::{DkimSignatureRef, RemoteMta, Sender, SendingIp, Sourced};
use crate::classify::{AuthCheck, Evidence, Reason};

use super::Report;

#[derive(Serialize)]
struct JsonReport<'a> {
    input: &'a str,
    kind: crate::bounce::BounceKind,
    dialect: Option<&'a str>,
    reporting_mta: Option<&'a str>,
    arrival_date: Option<&'a str>,
    sender: Option<&'a Sender>,
    sending_ip: Option<&'a SendingIp>,
    helo: Option<JsonHelo<'a>>,
    from_domain: Option<&'a str>,
    dkim_signatures: &'a [DkimSignatureRef],
    recipients: Vec<JsonRecipient<'a>>,
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<&'a crate::check::Checks>,
    findings: &'a [crate::diagnose::Finding],
}

#[derive(Serialize)]
struct JsonHelo<'a> {
    name: &'a str,
    source: crate::bounce::Source,
}

#[derive(Serialize)]
struct JsonRecipient<'a> {
    address: Option<&'a str>,
    original_recipient: Option<&'a str>,
    action: Option<&'a str>,
    status: Option<&'a str>,
    reply_code: Option<u16>,
    remote_mta: Option<&'a RemoteMta>,
    command: Option<&'a str>,
    diagnostic: Option<&'a str>,
    reason: Reason,
    auth_failed: &'a [AuthCheck],
    hard_bounce: bool,
    evidence: &'a [Evidence],
}

/// The report as a JSON value (what [`write_report`] prints).
pub fn report_value(report: &Report) -> serde_json::Value {
    let bounce = &report.bounce;
    let recipients = bounce
        .recipients
        .iter()
        .zip(&report.classifications)
        .map(|(r, c)| JsonRecipient {
            address: r.address.as_deref(),
            original_recipient: r.original_recipient.as_deref(),
            action: r.action.as_deref(),
            status: r.status.as_deref(),
            reply_code: r.reply_code,
            remote_mta: r.remote_mta.as_ref(),
            command: r.command.as_deref(),
            diagnostic: r.diagnostic.as_deref(),
            reason: c.reason,
            auth_failed: &c.auth_failed,
            hard_bounce: c.hard_bounce,
            evidence: &c.evidence,
        })
        .collect();
    let json = JsonReport {
        input: &report.input,
        kind: bounce.kind,
        dialect: bounce.dialect.as_deref(),
        reporting_mta: bounce.reporting_mta.as_deref(),
        arrival_date: bounce.arrival_date.as_deref(),
        sender: bounce.sender.as_ref(),
        sending_ip: bounce.sending_ip.as_ref(),
        helo: bounce
            .helo
            .as_ref()
            .map(|Sourced { value, source }| JsonHelo {
                name: value,
                source: *source,
            }),
        from_domain: bounce.from_domain.as_deref(),
        dkim_signatures: &bounce.dkim_signatures,
        recipients,
        warnings: &bounce.warnings,
        checks: report.checks.as_ref(),
        findings: &report.findings,
    };
    serde_json::to_value(json).unwrap_or(serde_json::Value::Null)
}

/// Writes the report as one line of JSON.
pub fn write_report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &report_value(report))?;
    writeln!(out)
}
