//! RFC 5965 feedback reports (ARF): a complaint about a message, not a bounce. One record,
//! holding the reported recipient when the report names it.

use super::{Dialect, Found, Msg, has, literal};
use crate::bounce::returned::first_address;
use crate::bounce::{BounceKind, Recipient};

pub(crate) const DIALECT: Dialect = Dialect {
    name: "arf",
    kind: BounceKind::Feedback,
    detect,
    parse,
};

fn detect(ctx: &Msg) -> bool {
    ctx.feedback.is_some()
        || ctx.report_type.as_deref() == Some("feedback-report")
        // Hotmail's JMRP complaints: a message/rfc822 part under "complaint about message from".
        || (ctx.returned_raw.is_some()
            && has(ctx.subject_lower(), literal!(b"complaint about message from")))
}

fn parse(ctx: &Msg) -> Option<Found> {
    let (fields, _) = crate::bounce::headers::Headers::parse(ctx.feedback.as_deref().unwrap_or(""));
    // RFC 5965 §3.2: Original-Rcpt-To names the complaining recipient, one field per recipient.
    let mut recipients: Vec<Recipient> = fields
        .get_all("original-rcpt-to")
        .filter_map(first_address)
        .take(crate::bounce::scan::MAX_RECIPIENTS)
        .map(|a| Recipient {
            address: Some(a),
            ..Recipient::default()
        })
        .collect();
    if recipients.is_empty() {
        let address = fields
            .get("removal-recipient")
            .and_then(first_address)
            .or_else(|| {
                ctx.returned_headers
                    .as_ref()
                    .and_then(|h| h.get("x-hmxmroriginalrecipient"))
                    .and_then(first_address)
            })
            .or_else(|| {
                ctx.returned_headers
                    .as_ref()
                    .and_then(|h| h.get("to"))
                    .and_then(first_address)
            });
        recipients.push(Recipient {
            address,
            ..Recipient::default()
        });
    }
    Some(Found {
        recipients,
        reporting_mta: fields.get("reporting-mta").map(strip_type),
        arrival_date: fields.get("arrival-date").map(str::to_string),
        sender: fields.get("original-mail-from").and_then(first_address),
        kind: None,
    })
}

fn strip_type(v: &str) -> String {
    v.split_once(';').map_or(v, |(_, r)| r).trim().to_string()
}
