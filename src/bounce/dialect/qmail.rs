//! qmail (and its descendants): "Hi. This is the qmail-send program at host." then `<address>:` blocks, the reply after "remote host ip said:", a `(#5.x.x)` status.

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "qmail",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> = LazyLock::new(|| {
    Start::new(
        r"(?im)^.*(?:i.m afraid i wasn.t able to deliver|this is the qmail-send program|wasn.t able to deliver)",
    )
});

fn detect(ctx: &Msg) -> bool {
    has(&ctx.body, literal!("qmail-send program"))
        || has(
            &ctx.body,
            literal!("wasn't able to deliver your message to the following addresses"),
        )
        || has(&ctx.body, literal!("(#5."))
        || has(&ctx.body, literal!("(#4."))
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
