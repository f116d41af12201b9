//! Yahoo: "Sorry, we were unable to deliver your message to the following address." then `<address>:` and "Remote host said: 550 ... \[RCPT_TO\]".

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "yahoo",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> =
    LazyLock::new(|| Start::new(r"(?im)^.*sorry, we were unable to deliver your message"));

fn detect(ctx: &Msg) -> bool {
    let h = ctx.sender_and_subject();
    (has(h, literal!("yahoo")) && has(&ctx.body, literal!("Remote host said:")))
        || has(
            &ctx.body,
            literal!("Sorry, we were unable to deliver your message to the following address"),
        )
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
