//! fml, the mailing list manager: a notice from the list's `-admin` address (an `X-MLServer: fml`
//! header, a Message-ID with `.FML`) saying why a post was refused ("You are not a member of
//! this mailing list <list@example.org>.", "Duplicated Message-ID in <list@example.org>."),
//! then "Original mail as follows:" and the post, indented.

use super::{Dialect, Found, Msg, has, literal};
use crate::bounce::scan::{MAX_RECIPIENTS, lines};
use crate::bounce::{BounceKind, Recipient, returned};

pub(crate) const DIALECT: Dialect = Dialect {
    name: "fml",
    kind: BounceKind::Ndr,
    detect,
    parse,
};

fn detect(ctx: &Msg) -> bool {
    let [server, message_id] = ctx.headers.first_values(["x-mlserver", "message-id"]);
    server.is_some_and(|s| {
        s.trim_start()
            .get(..3)
            .is_some_and(|w| w.eq_ignore_ascii_case("fml"))
    }) && message_id.is_some_and(|id| has(id, literal!(".FML")))
}

/// Each line ending in `<address>.` names a refused recipient (most often the list itself); its
/// paragraph is the reason given.
fn parse(ctx: &Msg) -> Option<Found> {
    let body = ctx.body.as_str();
    let notice = body
        .find("Original mail as follows:")
        .map_or(body, |at| &body[..at]);
    let mut recipients: Vec<Recipient> = Vec::new();
    // Whether the line belongs to the paragraph of the last recipient found.
    let mut in_paragraph = false;
    for line in lines(notice) {
        let line = line.trim();
        if line.is_empty() {
            in_paragraph = false;
            continue;
        }
        if let Some(address) = address_ending(line)
            && recipients.len() < MAX_RECIPIENTS
        {
            recipients.push(Recipient {
                address: Some(address),
                diagnostic: Some(line.to_string()),
                ..Recipient::default()
            });
            in_paragraph = true;
        } else if in_paragraph
            && let Some(d) = recipients.last_mut().and_then(|r| r.diagnostic.as_mut())
        {
            d.push(' ');
            d.push_str(line);
        }
    }
    (!recipients.is_empty()).then(|| Found {
        recipients,
        ..Found::default()
    })
}

/// The address of a line ending in `<address>.`, normalised (its domain lower-cased).
fn address_ending(line: &str) -> Option<String> {
    let inner = line.strip_suffix(">.")?;
    let (_, address) = inner.rsplit_once('<')?;
    let (local, domain) = address.split_once('@')?;
    let plain = |s: &str| !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c == '<');
    (plain(local) && plain(domain)).then(|| returned::normalise_address(address))
}

#[cfg(test)]
mod tests {
    use super::address_ending;

    #[test]
    fn a_refused_recipient_ends_its_line() {
        for (line, want) in [
            (
                "You are not a member of this mailing list <Neko-Nyaan@Example.org>.",
                Some("Neko-Nyaan@example.org"),
            ),
            (
                "Duplicated Message-ID in <neko@example.co.jp>.",
                Some("neko@example.co.jp"),
            ),
            ("<a@b.example>", None),
            ("see <a@b.example>. then", None),
            ("no address <nobody>.", None),
            ("two words <a b@c.example>.", None),
            ("<@c.example>.", None),
            (">.", None),
        ] {
            assert_eq!(address_ending(line).as_deref(), want, "{line:?}");
        }
    }
}
