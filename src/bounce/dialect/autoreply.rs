//! RFC 3834 auto-replies (vacation, out-of-office): not bounces, but often mistaken for them.

use super::{Dialect, Found, Msg, from_daemon, re};
use crate::bounce::returned::first_address;
use crate::bounce::smtp::{clean_diagnostic, truncate};
use crate::bounce::{BounceKind, Recipient};
use regex::Regex;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "rfc3834",
    kind: BounceKind::Autoreply,
    detect,
    parse,
};

static SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:auto(?:matic)?[ -]?(?:reply|response)|auto:|out of (?:the )?office|vacation|away from|abwesenheit|absence|autoreply|réponse automatique|自動)",
    )
});

fn detect(ctx: &Msg) -> bool {
    // Auto-replies are often sent with a null Return-Path (RFC 3834 §3.3), so only a daemon's
    // From counts against them here.
    if !ctx.dsn.is_empty() || (from_daemon(ctx) && !null_path_only(ctx)) {
        return false;
    }
    // RFC 3834 §5.1: "auto-replied" marks a reply generated automatically.
    let auto = ctx
        .header("auto-submitted")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("auto-replied"));
    auto || ctx
        .headers
        .has_any(&["x-autoreply", "x-autorespond", "x-autoresponder"])
        || ctx
            .header("precedence")
            .is_some_and(|p| p.eq_ignore_ascii_case("auto_reply"))
        || ctx.header("subject").is_some_and(|s| SUBJECT.is_match(s))
}

/// True when the only daemon-like trait of the message is its null Return-Path.
fn null_path_only(ctx: &Msg) -> bool {
    let from = ctx.sender_lower();
    !from.is_empty()
        && !["mailer-daemon", "postmaster", "mail delivery", "<>"]
            .iter()
            .any(|n| from.contains(n))
}

/// A mail client's one-click unsubscribe (RFC 2369 `List-Unsubscribe: <mailto:...>`) sends an
/// automatic message too; it is the recipient's complaint, not an absence.
fn unsubscribe_request(ctx: &Msg) -> bool {
    ctx.header("x-apple-unsubscribe")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        || ctx
            .header("subject")
            .is_some_and(|s| s.trim().eq_ignore_ascii_case("unsubscribe"))
}

/// The subject and the start of the reply: it may say the mailbox is gone rather than away.
fn reply_text(ctx: &Msg) -> String {
    let subject = ctx.header("subject").unwrap_or("");
    let body = clean_diagnostic(truncate(&ctx.body, 1000).as_str());
    format!("{subject} {body}").trim().to_string()
}

fn parse(ctx: &Msg) -> Option<Found> {
    // The auto-reply comes from the recipient the original message was sent to.
    let address = ctx.header("from").and_then(first_address);
    Some(Found {
        kind: unsubscribe_request(ctx).then_some(BounceKind::Feedback),
        recipients: vec![Recipient {
            address,
            diagnostic: Some(reply_text(ctx)),
            ..Recipient::default()
        }],
        ..Found::default()
    })
}
