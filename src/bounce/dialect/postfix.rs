//! Postfix without a DSN part (old versions, `notify_classes` mail): "This is the mail system at host ...", then `<address>: host mx[ip] said: ... (in reply to RCPT TO command)`.

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "postfix",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> = LazyLock::new(|| {
    Start::new(
        r"(?im)^.*(?:this is the mail system at|the postfix program at|i.m sorry to have to inform you)",
    )
});

fn detect(ctx: &Msg) -> bool {
    let h = ctx.sender_and_subject();
    has(h, literal!("undelivered mail returned to sender"))
        || has(&ctx.body, literal!("This is the mail system at host"))
        || has(&ctx.body, literal!("The Postfix program"))
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
