//! Sendmail without a DSN part: "----- The following addresses had permanent fatal errors -----", then the session transcript (`>>> RCPT To:<x>`, `<<< 550 ...`).

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "sendmail",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> = LazyLock::new(|| {
    Start::new(
        r"(?im)^.*(?:-+ the following addresses? had|-+ transcript of session follows|the original message was received at)",
    )
});

fn detect(ctx: &Msg) -> bool {
    has(
        &ctx.body,
        literal!("----- Transcript of session follows -----"),
    ) || has(&ctx.body, literal!("The original message was received at"))
        || has(ctx.sender_and_subject(), literal!("returned mail:"))
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
