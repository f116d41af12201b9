//! Amazon SES: its own DSN-like text (`The following message to <x> was undeliverable`) and
//! the JSON notifications it delivers by e-mail through SNS (`notificationType` Bounce,
//! Complaint or Delivery).

use serde_json::Value;

use super::{Dialect, Found, Msg, Start, has, literal, read_report};
use crate::bounce::scan::{self, MAX_RECIPIENTS};
use crate::bounce::{BounceKind, Recipient};
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "amazonses",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

pub(super) static START: LazyLock<Start> =
    LazyLock::new(|| Start::new(r"(?im)^.*the following message to <"));

fn detect(ctx: &Msg) -> bool {
    let heads = ctx.sender_and_subject();
    has(heads, literal!("amazonses"))
        || has(heads, literal!("amazon ses"))
        || has(&ctx.body, literal!("\"notificationType\""))
        || ctx
            .headers
            .first_values(["x-ses-outgoing", "x-amz-sns-message-id"])
            .iter()
            .any(Option::is_some)
        || START.is_match(ctx)
}

fn parse(ctx: &Msg) -> Option<Found> {
    if let Some(found) = parse_json(&ctx.body) {
        return Some(found);
    }
    let report = super::report_from(ctx, Some(&START));
    read_report(ctx, report)
}

/// The JSON notification, unwrapping an SNS envelope whose `Message` is JSON text.
fn parse_json(body: &str) -> Option<Found> {
    let start = body.find('{')?;
    let end = body.rfind('}')?;
    if end <= start {
        return None;
    }
    let json = &body[start..=end];
    // Mailers fold the one-line notification at 76 columns, inside strings too: unfold.
    let mut value: Value = serde_json::from_str(json)
        .or_else(|_| serde_json::from_str(&json.replace("\n ", "").replace('\n', "")))
        .ok()?;
    if let Some(inner) = value.get("Message").and_then(Value::as_str) {
        value = serde_json::from_str(inner).ok()?;
    }
    let kind = value.get("notificationType")?.as_str()?;
    let mut found = Found::default();
    let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    found.sender = value.get("mail").and_then(|m| str_of(m, "source"));
    match kind {
        "Bounce" => {
            let b = value.get("bounce")?;
            found.reporting_mta = str_of(b, "reportingMTA").map(|s| strip_type(&s));
            for r in b
                .get("bouncedRecipients")?
                .as_array()?
                .iter()
                .take(MAX_RECIPIENTS)
            {
                let diag = str_of(r, "diagnosticCode").map(|d| strip_type(&d));
                let from_text = diag
                    .as_deref()
                    .map(|d| scan::recipient_from_text(None, d))
                    .unwrap_or_default();
                found.recipients.push(Recipient {
                    address: str_of(r, "emailAddress"),
                    action: str_of(r, "action"),
                    status: str_of(r, "status").or(from_text.status),
                    reply_code: from_text.reply_code,
                    diagnostic: diag,
                    ..Recipient::default()
                });
            }
        }
        "Complaint" => {
            found.kind = Some(BounceKind::Feedback);
            let c = value.get("complaint")?;
            for r in c
                .get("complainedRecipients")?
                .as_array()?
                .iter()
                .take(MAX_RECIPIENTS)
            {
                found.recipients.push(Recipient {
                    address: str_of(r, "emailAddress"),
                    ..Recipient::default()
                });
            }
        }
        "Delivery" => {
            let d = value.get("delivery")?;
            found.reporting_mta = str_of(d, "reportingMTA");
            let response = str_of(d, "smtpResponse");
            let reply = response
                .as_deref()
                .map(|t| scan::recipient_from_text(None, t))
                .unwrap_or_default();
            for r in d.get("recipients")?.as_array()?.iter().take(MAX_RECIPIENTS) {
                found.recipients.push(Recipient {
                    address: r.as_str().map(str::to_string),
                    action: Some("delivered".into()),
                    status: reply.status.clone(),
                    reply_code: reply.reply_code,
                    diagnostic: response.clone(),
                    ..Recipient::default()
                });
            }
        }
        _ => return None,
    }
    Some(found)
}

fn strip_type(v: &str) -> String {
    match v.split_once(';') {
        Some((t, rest)) if !t.contains(' ') => rest.trim().to_string(),
        _ => v.trim().to_string(),
    }
}
