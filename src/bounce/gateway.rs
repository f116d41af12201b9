//! Content-filter gateways: appliances in front of a mail server that check recipients (and
//! content) themselves and write their own bounces. Their "user unknown" is the verdict of a
//! recipient filter, not of the mailbox server, unless the status code says the address is
//! bad. The classifier uses the name; the parser only recognises the gateway, by its own
//! header marks.

use super::message::Ctx;

/// How a gateway marks the bounces it writes: `(header, needle in its value or "" for any,
/// gateway name)`. Needles are lower case.
const MARKS: &[(&str, &str, &str)] = &[
    // "X-NAI-Header: Modified by McAfee Email and Web Security Virtual Appliance"
    ("x-nai-header", "mcafee", "mcafee"),
    // "X-Mailer: m-FILTER"
    ("x-mailer", "m-filter", "mfilter"),
    // "X-SEF-Processed: 0_0_0_000__2010_04_29_23_34_45", "X-Mailer: SurfControl E-mail Filter"
    ("x-sef-processed", "", "surfcontrol"),
    ("x-mailer", "surfcontrol", "surfcontrol"),
    // Active!hunter: "X-AHMAILID: 20110429T233445+0900-0000-0000D0-AAA-FF"
    ("x-ahmailid", "", "activehunter"),
    // MX Logic: "X-MX-Bounce: mta/src/queue/bounce", or a bounce from its own hosts
    ("x-mx-bounce", "", "mxlogic"),
    ("x-mxl-notehash", "", "mxlogic"),
    ("from", "mxlogic.net>", "mxlogic"),
];

/// The gateway that wrote the bounce, when its marks are there.
pub(crate) fn detect(ctx: &Ctx) -> Option<&'static str> {
    MARKS.iter().find_map(|(header, needle, name)| {
        let value = ctx.header(header)?.to_ascii_lowercase();
        value.contains(needle).then_some(*name)
    })
}
