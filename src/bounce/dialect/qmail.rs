//! qmail (and its descendants): "Hi. This is the qmail-send program at host." then `<address>:` blocks, the reply after "remote host ip said:", a `(#5.x.x)` status.

use super::{Dialect, Found, Start, read_report, report_from};
use crate::bounce::BounceKind;
use crate::bounce::message::Ctx;
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

fn detect(ctx: &Ctx) -> bool {
    ctx.body.contains("qmail-send program")
        || ctx
            .body
            .contains("wasn't able to deliver your message to the following addresses")
        || ctx.body.contains("(#5.")
        || ctx.body.contains("(#4.")
}

fn parse(ctx: &Ctx) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)), &[])
}
