//! Free text: an SMTP error pasted by a user, or a report no dialect claimed. Always yields at
//! least one recipient (with no address when none is named) holding the reply, its status and
//! reply code, as long as the text reads like a delivery failure at all.

use std::sync::LazyLock;

use regex::Regex;

use super::{Dialect, Found, Msg, re};
use crate::bounce::scan;
use crate::bounce::{BounceKind, smtp};

pub(crate) const DIALECT: Dialect = Dialect {
    name: "text",
    kind: BounceKind::Text,
    detect,
    parse,
};

/// Words that make text without a status or reply code still read as a delivery failure.
static FAILURE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)undeliver|not delivered|couldn.t be delivered|could not be delivered|delivery (?:has )?failed|rejected|refused|blocked|denied|bounced|blacklist|blocklist|\bspf\b|\bdkim\b|\bdmarc\b|mailbox (?:full|unavailable)|user unknown|no such user|relay",
    )
});

fn detect(ctx: &Msg) -> bool {
    let body = &ctx.body;
    smtp::has_status(body) || smtp::reply_code(body).is_some() || FAILURE_WORDS.is_match(body)
}

fn parse(ctx: &Msg) -> Option<Found> {
    let blocks = scan::blocks(&ctx.body, &[]);
    let mut recipients: Vec<_> = blocks
        .iter()
        .map(|b| scan::recipient_from_text(b.address.clone(), &b.text))
        .filter(|r| r.diagnostic.is_some())
        .collect();
    if recipients
        .iter()
        .all(|r| r.reply_code.is_none() && r.status.is_none())
    {
        // No block holds the reply: one recipient with the whole text's reply, named by the
        // first block when there was one.
        let mut r = scan::recipient_from_text(None, &ctx.body);
        r.address = blocks.first().and_then(|b| b.address.clone());
        recipients = vec![r];
    }
    Some(Found {
        recipients,
        reporting_mta: super::reporting_mta_in(ctx),
        ..Found::default()
    })
}
