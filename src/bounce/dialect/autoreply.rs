//! RFC 3834 auto-replies (vacation, out-of-office): not bounces, but often mistaken for them.

use super::{Dialect, Found, from_daemon, re};
use crate::bounce::message::Ctx;
use crate::bounce::returned::first_address;
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

fn detect(ctx: &Ctx) -> bool {
    if !ctx.dsn.is_empty() || from_daemon(ctx) {
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

fn parse(ctx: &Ctx) -> Option<Found> {
    // The auto-reply comes from the recipient the original message was sent to.
    let address = ctx.header("from").and_then(first_address);
    Some(Found {
        recipients: vec![Recipient {
            address,
            diagnostic: ctx.header("subject").map(str::to_string),
            ..Recipient::default()
        }],
        ..Found::default()
    })
}
