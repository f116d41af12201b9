//! Sendmail without a DSN part: "----- The following addresses had permanent fatal errors -----", then the session transcript (`>>> RCPT To:<x>`, `<<< 550 ...`).

use super::{Dialect, Found, Start, read_report, report_from};
use crate::bounce::BounceKind;
use crate::bounce::message::Ctx;
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

fn detect(ctx: &Ctx) -> bool {
    ctx.body
        .contains("----- Transcript of session follows -----")
        || ctx.body.contains("The original message was received at")
        || ctx.sender_and_subject().contains("returned mail:")
}

fn parse(ctx: &Ctx) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)), &[])
}
