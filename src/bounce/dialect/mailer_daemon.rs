//! Any other mail system's bounce (from a mailer-daemon, or with a bounce subject): the shared
//! reading of recipient blocks and replies, over the whole report.

use super::{Dialect, Found, Msg, read_report};
use crate::bounce::BounceKind;

pub(crate) const DIALECT: Dialect = Dialect {
    name: "mailer_daemon",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

fn detect(ctx: &Msg) -> bool {
    super::from_daemon(ctx) || super::bounce_subject(ctx)
}

fn parse(ctx: &Msg) -> Option<Found> {
    read_report(ctx, &ctx.body)
}
