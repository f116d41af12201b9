//! Content-filter gateways: appliances in front of a mail server that check recipients (and
//! content) themselves and write their own bounces. Their "user unknown" is the verdict of a
//! recipient filter, not of the mailbox server, unless the status code says the address is
//! bad. The classifier uses the name; the parser only recognises the gateway, by its own
//! header marks.

use super::message::Ctx;

/// How a gateway marks the bounces it writes: `(header, needle in its value or "" for any,
/// gateway name)`. Needles are lower case.
const MARKS: [(&str, &str, &str); 8] = [
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

/// The gateway that wrote the bounce, when its marks are there: the first mark, in the
/// order of [`MARKS`], whose header's first value holds its needle.
pub(crate) fn detect(ctx: &Ctx) -> Option<&'static str> {
    let first = ctx.headers.first_values(MARKS.map(|(header, _, _)| header));
    MARKS
        .iter()
        .zip(first)
        .find_map(|((_, needle, name), value)| {
            let value = value?;
            (needle.is_empty() || value.to_ascii_lowercase().contains(needle)).then_some(*name)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass reading names the gateway the header-by-header one named, on every corpus
    /// email and on made-up header blocks.
    #[test]
    fn one_pass_is_the_old_reading() {
        let old = |ctx: &Ctx| {
            MARKS.iter().find_map(|(header, needle, name)| {
                let value = ctx.header(header)?.to_ascii_lowercase();
                value.contains(needle).then_some(*name)
            })
        };
        let mut blocks: Vec<String> = [
            "X-Mailer: x\nX-Mailer: m-FILTER\nX-SEF-Processed: 1\n",
            "X-MAILER: M-Filter 2\nX-NAI-Header: McAfee\n",
            "x-nai-header: other\nx-nai-header: mcafee\nfrom: <a@mxlogic.net>\n",
            "From: a@MXLogic.net>\nX-MX-Bounce: x\n",
            "X-Mailer: SurfControl\nX-AHMAILID:\n",
            "X-MXL-NoteHash: 1\n",
            "Subject: none\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes);
            blocks.push(text.split("\n\n").next().unwrap_or("").to_string());
        }
        let mut found = 0;
        for block in &blocks {
            let ctx = Ctx {
                headers: crate::bounce::headers::Headers::parse(block).0,
                ..Ctx::default()
            };
            assert_eq!(detect(&ctx), old(&ctx), "{block}");
            found += usize::from(old(&ctx).is_some());
        }
        assert!(found > 10, "{found} gateways");
    }
}
