//! Microsoft Exchange and Office 365 non-delivery reports: "did not reach the following recipient(s)", "Delivery has failed to these recipients or groups", "Remote Server returned '550 5.7.1 ...'".

use super::{Dialect, Found, Start, read_report, report_from};
use crate::bounce::BounceKind;
use crate::bounce::message::Ctx;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "exchange",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> = LazyLock::new(|| {
    Start::new(
        r"(?im)^.*(?:did not reach the following recipient|delivery has failed to these recipients|your message (?:couldn.t|wasn.t|could not|was not) be(?:en)? delivered|diagnostic information for administrators|the following recipient|original message details)",
    )
});

fn detect(ctx: &Ctx) -> bool {
    let h = ctx.sender_and_subject();
    h.contains("undeliverable")
        || h.contains("microsoftexchange")
        || h.contains("non remis")
        || ctx.body.contains("did not reach the following recipient")
        || ctx.body.contains("Delivery has failed to these recipients")
        || ctx.body.contains("Remote Server returned")
        || ctx.body.contains("Your message couldn't be delivered")
        || ctx.body.contains("Your message wasn't delivered")
}

fn parse(ctx: &Ctx) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)), &[])
}
