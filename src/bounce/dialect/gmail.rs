//! Gmail's own bounces: "Delivery to the following recipient failed permanently:", the address indented alone, "Technical details ... by mx.example.jp. \[ip\]" and "The response from the remote server was:" / "The error that the other server returned was:".

use super::{Dialect, Found, Msg, Start, has, literal, read_report, report_from};
use crate::bounce::BounceKind;
use std::sync::LazyLock;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "gmail",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

/// Where the report proper begins.
pub(super) static START: LazyLock<Start> = LazyLock::new(|| {
    Start::new(
        r"(?im)^.*(?:delivery to the following recipient|delivery to these recipients|your message wasn.t delivered|message not delivered|delivery incomplete|there was a problem delivering)",
    )
});

fn detect(ctx: &Msg) -> bool {
    let h = ctx.sender_and_subject();
    (has(h, literal!("googlemail.com")) || has(h, literal!("@google.com")))
        || has(
            &ctx.body,
            literal!("The response from the remote server was:"),
        )
        || has(
            &ctx.body,
            literal!("The error that the other server returned was:"),
        )
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, report_from(ctx, Some(&START)))
}
