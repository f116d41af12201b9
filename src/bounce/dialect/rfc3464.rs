//! RFC 3464 delivery status notifications: `multipart/report; report-type=delivery-status`
//! with a `message/delivery-status` part of per-message and per-recipient fields. The prose
//! part is read as well, for recipients whose fields lack a `Diagnostic-Code`.

use std::cell::OnceCell;

use super::{Dialect, Found, Msg, reporting_mta_in};
use crate::bounce::headers::Headers;
use crate::bounce::returned::first_address;
use crate::bounce::scan::{self, MAX_RECIPIENTS};
use crate::bounce::smtp::{self, clean_diagnostic, parse_ip};
use crate::bounce::{BounceKind, Recipient, RemoteMta};

pub(crate) const DIALECT: Dialect = Dialect {
    name: "rfc3464",
    kind: BounceKind::Dsn,
    detect,
    parse,
};

fn detect(ctx: &Msg) -> bool {
    ctx.dsn.iter().any(|d| !d.trim().is_empty())
}

/// Drops an RFC 3464 type prefix: `rfc822; a@b` → `a@b`, `dns; mx.example` → `mx.example`.
fn strip_type(v: &str) -> &str {
    match v.split_once(';') {
        Some((t, rest)) if !t.contains(' ') && t.len() < 20 => rest.trim(),
        _ => v.trim(),
    }
}

fn parse(ctx: &Msg) -> Option<Found> {
    let mut found = Found::default();
    // What the prose says is read once, however many recipients consult it, and only when
    // one does.
    let readings = Readings {
        body: &ctx.body,
        blocks: OnceCell::new(),
        whole: OnceCell::new(),
    };
    for dsn in &ctx.dsn {
        for block in scan::paragraphs(dsn).take(MAX_RECIPIENTS + 1) {
            // Fields may be indented by careless generators; RFC 3464 fields are headers.
            let block = block.trim_start_matches('\n');
            let (all, _) = Headers::parse(block);
            for group in split_recipients(all) {
                let fields = Fields::read(&group);
                // A recipient's group names the recipient or its status (an `Action` alone is
                // not one).
                if fields.final_recipient.is_some()
                    || fields.original_recipient.is_some()
                    || fields.status.is_some()
                {
                    if found.recipients.len() >= MAX_RECIPIENTS {
                        break;
                    }
                    found.recipients.push(recipient(&fields, &readings));
                }
                if found.reporting_mta.is_none() {
                    found.reporting_mta = fields
                        .reporting_mta
                        .map(|v| strip_type(v).trim_end_matches('.').to_ascii_lowercase());
                }
                if found.arrival_date.is_none() {
                    found.arrival_date = fields.arrival_date.map(str::to_string);
                }
                if found.sender.is_none() {
                    found.sender = fields
                        .postfix_sender
                        .or(fields.original_sender)
                        .and_then(|v| first_address(strip_type(v)));
                }
            }
        }
    }
    if found.recipients.is_empty() {
        return None;
    }
    if found.reporting_mta.is_none() {
        found.reporting_mta = reporting_mta_in(ctx);
    }
    Some(found)
}

/// The prose part read as a recipient's text, per block and whole, each when first needed.
struct Readings<'a> {
    body: &'a str,
    blocks: OnceCell<Vec<ProseBlock>>,
    whole: OnceCell<Recipient>,
}

/// One recipient's block of the prose: read as one reply (for the server and the command) and
/// as the recipient's text, each when first needed.
struct ProseBlock {
    block: scan::Block,
    reply: OnceCell<scan::TextReply>,
    reading: OnceCell<Recipient>,
}

impl Readings<'_> {
    /// The prose split into recipient blocks.
    fn blocks(&self) -> &[ProseBlock] {
        self.blocks.get_or_init(|| {
            scan::blocks(self.body)
                .into_iter()
                .map(|block| ProseBlock {
                    block,
                    reply: OnceCell::new(),
                    reading: OnceCell::new(),
                })
                .collect()
        })
    }

    /// The block about `address` (compared ignoring ASCII case), or the only block.
    fn block_about(&self, address: Option<&str>) -> Option<&ProseBlock> {
        let blocks = self.blocks();
        blocks
            .iter()
            .find(|b| {
                address.is_some_and(|a| {
                    b.block
                        .address
                        .as_deref()
                        .is_some_and(|own| own.eq_ignore_ascii_case(a))
                })
            })
            .or(if blocks.len() == 1 {
                blocks.first()
            } else {
                None
            })
    }

    /// The prose read whole (its notices stripped).
    fn whole(&self) -> &Recipient {
        self.whole
            .get_or_init(|| scan::recipient_from_text(None, self.body))
    }
}

impl ProseBlock {
    fn reply(&self) -> &scan::TextReply {
        self.reply
            .get_or_init(|| scan::TextReply::new(&self.block.text))
    }

    fn reading(&self) -> &Recipient {
        self.reading.get_or_init(|| {
            scan::recipient_from_reply(self.block.address.clone(), &self.block.text, self.reply())
        })
    }
}

/// The fields of one group that are read: each one's first value.
struct Fields<'a> {
    final_recipient: Option<&'a str>,
    original_recipient: Option<&'a str>,
    action: Option<&'a str>,
    status: Option<&'a str>,
    diagnostic_code: Option<&'a str>,
    remote_mta: Option<&'a str>,
    reporting_mta: Option<&'a str>,
    arrival_date: Option<&'a str>,
    postfix_sender: Option<&'a str>,
    original_sender: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// Reads a group in one pass (names compared ignoring ASCII case, as [`Headers::get`]
    /// does) instead of looking up each field in turn.
    fn read(group: &'a Headers) -> Fields<'a> {
        const NAMES: [&str; 10] = [
            "final-recipient",
            "original-recipient",
            "action",
            "status",
            "diagnostic-code",
            "remote-mta",
            "reporting-mta",
            "arrival-date",
            "x-postfix-sender",
            "x-original-sender",
        ];
        let mut values: [Option<&str>; NAMES.len()] = [None; NAMES.len()];
        for (name, value) in group.fields() {
            if let Some(i) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(name)) {
                values[i].get_or_insert(value);
            }
        }
        let [
            final_recipient,
            original_recipient,
            action,
            status,
            diagnostic_code,
            remote_mta,
            reporting_mta,
            arrival_date,
            postfix_sender,
            original_sender,
        ] = values;
        Fields {
            final_recipient,
            original_recipient,
            action,
            status,
            diagnostic_code,
            remote_mta,
            reporting_mta,
            arrival_date,
            postfix_sender,
            original_sender,
        }
    }
}

/// One recipient's fields, completed from the prose part when the fields say little.
fn recipient(fields: &Fields, readings: &Readings) -> Recipient {
    let final_rcpt = fields
        .final_recipient
        .and_then(|v| first_address(strip_type(v)));
    let original = fields
        .original_recipient
        .and_then(|v| first_address(strip_type(v)));
    // The address is the final recipient's, else the original one's; the original is kept
    // apart when it differs.
    let (address, original_recipient) = match final_rcpt {
        Some(f) => {
            let differs = original.filter(|o| *o != f);
            (Some(f), differs)
        }
        None => (original.clone(), original),
    };
    // A local delivery program's exit status ("X-Unix; 255") is only meaningful with its type.
    let diagnostic = fields
        .diagnostic_code
        .map(|v| {
            let prefix = v.trim_start().get(..7);
            if prefix.is_some_and(|p| p.eq_ignore_ascii_case("x-unix;")) {
                clean_diagnostic(v)
            } else {
                clean_diagnostic(strip_type(v))
            }
        })
        .filter(|d| !d.is_empty());
    let remote = fields.remote_mta.map(strip_type).map(|v| {
        let v = v.trim_end_matches('.');
        match parse_ip(v) {
            Some(ip) => RemoteMta {
                host: None,
                ip: Some(ip),
            },
            None => RemoteMta {
                host: Some(v.to_ascii_lowercase()),
                ip: None,
            },
        }
    });
    let field_status = fields
        .status
        .and_then(|s| smtp::statuses(s).into_iter().next());
    let mut r = Recipient {
        address,
        original_recipient,
        action: fields.action.map(|a| a.trim().to_ascii_lowercase()),
        status: field_status.clone(),
        remote_mta: remote,
        diagnostic,
        ..Recipient::default()
    };
    // The prose block about this recipient (or the only one) fills what the fields lack: its
    // server and command always, its reply when the fields have none.
    let prose = OnceCell::new();
    let address = r.address.as_deref();
    let prose = || *prose.get_or_init(|| readings.block_about(address));
    let t = match &r.diagnostic {
        Some(d) => {
            let mut t = scan::reply_of_diagnostic(d);
            if t.command.is_none() {
                t.command = prose().and_then(|p| p.reply().command());
            }
            // The prose's server counts where the fields name none, or name one without
            // its address.
            if t.remote_mta.is_none() && r.remote_mta.as_ref().is_none_or(|m| m.ip.is_none()) {
                t.remote_mta = prose().and_then(|p| p.reply().remote_mta());
            }
            t
        }
        None => {
            let t = match prose() {
                Some(p) => p.reading().clone(),
                // No reply anywhere: the report's prose (its notices stripped) still says
                // what happened ("mailbox is full: retry timeout exceeded").
                None => readings.whole().clone(),
            };
            r.diagnostic = t.diagnostic.clone();
            t
        }
    };
    r.reply_code = t.reply_code;
    r.command = t.command;
    // Sendmail and others put a generic code (`5.0.0`, `4.4.7` for a timeout) in the Status
    // field while the reply names the precise one: the receiver's own code wins, as long as
    // it is of the same class.
    if t.status
        .as_ref()
        .is_some_and(|s| field_status.as_ref().is_none_or(|f| f[..1] == s[..1]))
    {
        r.status = t.status;
    }
    if r.remote_mta.is_none() {
        r.remote_mta = t.remote_mta;
    } else if let (Some(m), Some(tm)) = (r.remote_mta.as_mut(), t.remote_mta)
        && m.ip.is_none()
        && (m.host == tm.host || tm.host.is_none())
    {
        m.ip = tm.ip;
    }
    r
}

/// Splits a block where a recipient's fields start again without the blank line RFC 3464
/// requires (seen from AOL): a second `Final-Recipient` opens a new group.
fn split_recipients(all: Headers) -> impl Iterator<Item = Headers> {
    // A block kept whole is not put in a vector of its own.
    let (whole, groups) = if splits(&all) {
        (None, group_by_recipient(&all))
    } else {
        (Some(all), Vec::new())
    };
    whole.into_iter().chain(groups)
}

/// The groups, every field copied into its own: a second `Final-Recipient` (or an
/// `Original-Recipient` after one or after a `Status`) opens the next.
fn group_by_recipient(all: &Headers) -> Vec<Headers> {
    let mut groups: Vec<Headers> = vec![Headers::default()];
    for (name, value) in all.fields() {
        let lower = name.to_ascii_lowercase();
        let current = groups.last_mut().expect("never empty");
        let repeats = match lower.as_str() {
            "final-recipient" => current.get("final-recipient").is_some(),
            "original-recipient" => {
                current.get("original-recipient").is_some() || current.get("status").is_some()
            }
            _ => false,
        };
        if repeats && groups.len() <= MAX_RECIPIENTS {
            groups.push(Headers::default());
        }
        groups.last_mut().expect("never empty").push(name, value);
    }
    groups
}

/// True when [`split_recipients`] would open a second group: a `Final-Recipient` after one,
/// or an `Original-Recipient` after one or after a `Status`, in the same group. Most blocks
/// hold one recipient and are kept whole.
fn splits(all: &Headers) -> bool {
    let (mut final_rcpt, mut original, mut status) = (false, false, false);
    for (name, _) in all.fields() {
        if name.eq_ignore_ascii_case("final-recipient") {
            if final_rcpt {
                return true;
            }
            final_rcpt = true;
        } else if name.eq_ignore_ascii_case("original-recipient") {
            if original || status {
                return true;
            }
            original = true;
        } else if name.eq_ignore_ascii_case("status") {
            status = true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounce::message::Ctx;

    fn fields_of(h: &Headers) -> Vec<(String, String)> {
        h.fields()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    /// A block is kept whole exactly when grouping it makes one group, so keeping it whole
    /// loses nothing; on every DSN block of the corpus and on made-up blocks.
    #[test]
    fn groups_are_the_copied_ones() {
        let mut blocks: Vec<String> = [
            "Final-Recipient: rfc822; a@x\nStatus: 5.0.0\nFinal-Recipient: rfc822; b@x\n",
            "Original-Recipient: rfc822; a@x\nSTATUS: 5.0.0\nORIGINAL-recipient: rfc822; b@x\n",
            "Original-Recipient: a\nOriginal-Recipient: b\nFinal-Recipient: c\n",
            "Status: 5.0.0\nFinal-Recipient: a\nAction: failed\n",
            "Action: failed\n",
            "STATUS: 5.1.1\nstatus: 4.0.0\nX-Postfix-Sender: rfc822; a@x\nDiagnostic-CODE: smtp; 550\n",
            "Final-Recipient: a\nStatus: 5.0.0\nOriginal-Recipient: b\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for bytes in crate::bounce::corpus_emails() {
            let ctx = Ctx::from_message(&bytes, &crate::bounce::lossy(&bytes), None);
            for dsn in &ctx.dsn {
                blocks.extend(
                    dsn.split("\n\n")
                        .map(|b| b.trim_start_matches('\n').to_string()),
                );
            }
        }
        let mut split = 0;
        for block in &blocks {
            let (all, _) = Headers::parse(block);
            let old: Vec<_> = group_by_recipient(&all).iter().map(fields_of).collect();
            assert_eq!(splits(&all), old.len() > 1, "{block}");
            let groups: Vec<_> = split_recipients(all).collect();
            let new: Vec<_> = groups.iter().map(fields_of).collect();
            assert_eq!(new, old, "{block}");
            // Read in one pass, a group's fields are the ones looked up one by one.
            for g in &groups {
                let f = Fields::read(g);
                let read = [
                    f.final_recipient,
                    f.original_recipient,
                    f.action,
                    f.status,
                    f.diagnostic_code,
                    f.remote_mta,
                    f.reporting_mta,
                    f.arrival_date,
                    f.postfix_sender,
                    f.original_sender,
                ];
                let looked_up = [
                    "final-recipient",
                    "original-recipient",
                    "action",
                    "status",
                    "diagnostic-code",
                    "remote-mta",
                    "reporting-mta",
                    "arrival-date",
                    "x-postfix-sender",
                    "x-original-sender",
                ]
                .map(|n| g.get(n));
                assert_eq!(read, looked_up, "{block}");
            }
            split += usize::from(old.len() > 1);
        }
        assert!(split >= 3, "{split} blocks split");
    }
}
