//! Microsoft Exchange and Office 365 non-delivery reports: "did not reach the following recipient(s)", "Delivery has failed to these recipients or groups", "Remote Server returned '550 5.7.1 ...'".

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
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

fn detect(ctx: &Msg) -> bool {
    let h = ctx.sender_and_subject();
    has(h, literal!("undeliverable"))
        || has(h, literal!("microsoftexchange"))
        || has(h, literal!("non remis"))
        || has(&ctx.body, literal!("did not reach the following recipient"))
        || has(
            &ctx.body,
            literal!("Delivery has failed to these recipients"),
        )
        || has(&ctx.body, literal!("Remote Server returned"))
        || has(&ctx.body, literal!("Your message couldn't be delivered"))
        || has(&ctx.body, literal!("Your message wasn't delivered"))
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
