//! Exim: "This message was created automatically by mail delivery software ... The following address(es) failed:" and indented address blocks with the "SMTP error from remote mail server after RCPT TO:" reply.

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "exim",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> = LazyLock::new(|| {
    Start::new(
        r"(?im)^.*(?:address(?:\(es\))?\s+failed|message has not yet been delivered|delivery to the following|could not be delivered to one or more|this message was created automatically)",
    )
});

fn detect(ctx: &Msg) -> bool {
    ctx.headers.has_any(&["x-failed-recipients"])
        || has(&ctx.body, literal!("by mail delivery software"))
        || has(&ctx.body, literal!("address(es) failed"))
        || has(ctx.sender_and_subject(), literal!("mail delivery failed"))
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
