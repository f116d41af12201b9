//! The parse stage: turns the bytes of a bounce (a whole message or pasted SMTP text) into a
//! [`Bounce`], the plain facts later stages reason about. Every extracted value records where it
//! came from, because a sending IP named by the receiver outweighs one guessed from a Received
//! header, and the diagnosis weighs them accordingly.

use std::net::IpAddr;

use serde::Serialize;

use headers::Headers;
use message::Ctx;

mod dialect;
mod forward;
mod gateway;
mod headers;
mod message;
mod mime;
mod returned;
mod scan;
mod smtp;

pub use smtp::is_usable_ip;

/// Compiles a built-in pattern, in ASCII mode whenever the pattern allows it: `\s`, `\d`, `\w`,
/// `\b` and case folding then cover ASCII alone. Bounce prose is matched against ASCII
/// keywords, reply codes and host names, so the Unicode classes only cost start-up time (their
/// automata are several times larger). A pattern ASCII mode cannot take (one with `.` or a
/// negated class, which could then match inside a multi-byte character) keeps Unicode mode.
pub(crate) fn pattern(pattern: &str) -> regex::Regex {
    regex::RegexBuilder::new(pattern)
        .unicode(false)
        .build()
        .or_else(|_| regex::Regex::new(pattern))
        .expect("a valid built-in pattern")
}

/// What kind of message the input turned out to be; only `Dsn`, `Ndr` and `Text` are diagnosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BounceKind {
    /// An RFC 3464 `multipart/report; report-type=delivery-status`.
    Dsn,
    /// A non-standard bounce message written by an MTA or a mail service.
    Ndr,
    /// SMTP error text pasted by a user, with no message around it.
    Text,
    /// A feedback-loop report (RFC 5965 ARF); a complaint, not a bounce.
    Feedback,
    /// An auto-reply (RFC 3834: vacation, out-of-office); not a bounce.
    Autoreply,
    /// Nothing in the input looked like a bounce.
    NotBounce,
}

/// Where a value was read from; the diagnosis trusts the receiver's own words most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The receiving server's reply text (a `Diagnostic-Code`, or the quoted SMTP error).
    DiagnosticText,
    /// A field of the `message/delivery-status` part (RFC 3464).
    DsnField,
    /// The headers of the returned original message (Return-Path, From, Received, DKIM-Signature).
    ReturnedHeaders,
    /// The bounce message's own headers (e.g. its `To:` is the original sender).
    BounceHeaders,
    /// The human-readable body of the bounce, outside the quoted SMTP reply.
    BounceBody,
    /// Derived by resolving a host name that the bounce gave (e.g. the reporting MTA).
    Resolved,
}

/// The envelope sender of the bounced message: the domain whose SPF the receiver checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sender {
    /// The full address when known (`<>` null senders are not recorded).
    pub address: Option<String>,
    /// The domain, lower-cased, without a trailing dot.
    pub domain: String,
    pub source: Source,
}

/// The IP address the receiver saw the message come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendingIp {
    pub ip: IpAddr,
    pub source: Source,
}

/// A value together with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sourced<T> {
    pub value: T,
    pub source: Source,
}

/// The DKIM-Signature tags of the returned message that the DNS checks need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DkimSignatureRef {
    /// `d=`, lower-cased.
    pub domain: String,
    /// `s=`.
    pub selector: String,
    /// `a=`, e.g. `rsa-sha256`.
    pub algorithm: Option<String>,
}

/// The server that refused (or accepted) the message for a recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemoteMta {
    pub host: Option<String>,
    pub ip: Option<IpAddr>,
}

/// What happened for one recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// The final recipient address (RFC 3464 `Final-Recipient`, or from the text).
    pub address: Option<String>,
    /// `Original-Recipient`, when it differs.
    pub original_recipient: Option<String>,
    /// `failed`, `delayed`, `delivered`, `relayed` or `expanded`.
    pub action: Option<String>,
    /// The enhanced status code, e.g. `5.7.26`.
    pub status: Option<String>,
    /// The SMTP reply code, e.g. 550.
    pub reply_code: Option<u16>,
    pub remote_mta: Option<RemoteMta>,
    /// The receiver's reply, continuation lines unfolded and `550-5.7.26 ` prefixes collapsed.
    pub diagnostic: Option<String>,
    /// The SMTP command the reply answered (`RCPT`, `DATA`, `MAIL`, ...), when stated.
    pub command: Option<String>,
}

/// The facts of one bounce, as the parse stage found them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bounce {
    pub kind: BounceKind,
    /// Which dialect module decoded it (`rfc3464`, `postfix`, `exim`, `text`, ...).
    pub dialect: Option<String>,
    /// The content-filter gateway that wrote the bounce (`mcafee`, `mfilter`, `surfcontrol`,
    /// ...), when recognised: its "user unknown" is a filter's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    pub reporting_mta: Option<String>,
    pub arrival_date: Option<String>,
    pub sender: Option<Sender>,
    pub sending_ip: Option<SendingIp>,
    pub helo: Option<Sourced<String>>,
    /// The `From:` domain of the returned message: the identity DMARC aligns against.
    pub from_domain: Option<String>,
    pub dkim_signatures: Vec<DkimSignatureRef>,
    pub recipients: Vec<Recipient>,
    /// The returned original message, byte for byte, when it came back whole (for DKIM checks).
    #[serde(skip)]
    pub returned_message: Option<Vec<u8>>,
    /// Things the parser noticed but could not use (truncated MIME, undecodable parts, ...).
    pub warnings: Vec<String>,
}

impl Bounce {
    /// An empty result of the given kind, for parsers to fill in.
    pub fn new(kind: BounceKind) -> Self {
        Bounce {
            kind,
            dialect: None,
            gateway: None,
            reporting_mta: None,
            arrival_date: None,
            sender: None,
            sending_ip: None,
            helo: None,
            from_domain: None,
            dkim_signatures: Vec::new(),
            recipients: Vec::new(),
            returned_message: None,
            warnings: Vec::new(),
        }
    }
}

/// How deep forwarded or attached bounces are looked for.
const MAX_DEPTH: usize = 3;

/// Parses normalised input (see [`crate::input`]) into a [`Bounce`]. Never fails: input that is
/// not a bounce comes back as [`BounceKind::NotBounce`].
pub fn parse(input: &crate::input::Input<'_>) -> Bounce {
    parse_decoded(input.bytes(), &input.text(), 0)
}

/// Parses a bounce given as text (a whole message or pasted SMTP text).
pub fn parse_str(text: &str) -> Bounce {
    parse_decoded(text.as_bytes(), text, 0)
}

/// `String::from_utf8_lossy`, with the fast validation of `str::from_utf8` for the usual case
/// of valid UTF-8 (the lossy scan goes byte by byte).
pub(crate) fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The corpus texts (emails, lines, paragraphs) and near variants of a seed text, for the
/// same tests outside this module.
#[cfg(test)]
pub(crate) use smtp::tests::{corpus_texts, variants};

/// Every email of the bundled Sisimai corpus, in file-name order: what the tests that hold a
/// rewritten reader to the pattern it replaced run over.
#[cfg(test)]
pub(crate) fn corpus_emails() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus/sisimai/eml");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("the corpus")
        .map(|e| e.expect("an entry").path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("an email"))
        .collect()
}

/// Parses `bytes`, given with their text (decoded by [`lossy`] or [`crate::input::Input::text`],
/// or known to be UTF-8): the callers have it already, so the bytes are not validated twice.
fn parse_decoded(bytes: &[u8], text: &str, depth: usize) -> Bounce {
    if let Some(headers) = headers::sniff_message(text) {
        parse_message(bytes, text, headers, depth)
    } else {
        parse_text(text, depth)
    }
}

/// A whole message (`text` is `bytes` decoded by [`lossy`], `headers` its header block when
/// already read): a forwarded bounce inside it first, then the dialects.
fn parse_message(bytes: &[u8], text: &str, headers: Option<Headers>, depth: usize) -> Bounce {
    let ctx = Ctx::from_message(bytes, text, headers);
    let msg = dialect::Msg::new(&ctx);
    if depth < MAX_DEPTH && ctx.dsn.is_empty() && !dialect::from_daemon(&msg) {
        if let Some(inner) = forward::inline(ctx.full_body()) {
            let mut b = parse_decoded(inner.as_bytes(), &inner, depth + 1);
            if is_bounce(&b) {
                b.warnings
                    .insert(0, "the bounce was found inside a forwarded message".into());
                return b;
            }
        }
        if ctx.feedback.is_none() {
            for attached in ctx.attached().take(5) {
                let mut b = parse_message(attached, &lossy(attached), None, depth + 1);
                if is_bounce(&b) && b.kind != BounceKind::Text {
                    b.warnings.insert(
                        0,
                        "the bounce was found attached to a forwarding message".into(),
                    );
                    return b;
                }
            }
        }
    }
    if let Some((d, found)) = dialect::run(&msg, false) {
        let mut b = complete(&msg, d.name, found.kind.unwrap_or(d.kind), found);
        keep_whole(&mut b, ctx);
        return b;
    }
    // No dialect claims it; a reply code or status in the text still makes it a report.
    let body = &ctx.body;
    let reads_as_failure = smtp::reply_code(body).is_some()
        || smtp::has_status(body)
        || (ctx.returned_headers.is_some() && (dialect::text::DIALECT.detect)(&msg));
    if depth == 0
        && reads_as_failure
        && let Some(found) = (dialect::text::DIALECT.parse)(&msg)
    {
        let mut b = complete(&msg, "text", BounceKind::Ndr, found);
        keep_whole(&mut b, ctx);
        return b;
    }
    let mut b = Bounce::new(BounceKind::NotBounce);
    b.warnings = ctx.warnings;
    b
}

/// Pasted text: unquoted, a forwarded bounce inside it looked for, then read as free text.
fn parse_text(text: &str, depth: usize) -> Bounce {
    let unquoted = forward::unquote(text);
    if depth < MAX_DEPTH
        && let Some(inner) = forward::inline(&unquoted)
    {
        let b = parse_decoded(inner.as_bytes(), &inner, depth + 1);
        if is_bounce(&b) {
            return b;
        }
    }
    let ctx = Ctx::from_text(&unquoted);
    let msg = dialect::Msg::new(&ctx);
    if let Some((d, found)) = dialect::run(&msg, true) {
        let mut b = complete(&msg, d.name, BounceKind::Text, found);
        keep_whole(&mut b, ctx);
        return b;
    }
    Bounce::new(BounceKind::NotBounce)
}

/// Moves into `b` what it keeps of the message whole, its warnings and the returned message:
/// moved, not copied, once the dialect's reading (which borrows `ctx`) is done.
fn keep_whole(b: &mut Bounce, ctx: Ctx) {
    b.warnings = ctx.warnings;
    b.returned_message = ctx.returned_raw;
}

fn is_bounce(b: &Bounce) -> bool {
    !matches!(b.kind, BounceKind::NotBounce | BounceKind::Autoreply)
}

/// Fills in the per-message facts every dialect shares: sender, sending IP, HELO, the
/// returned message's From domain and DKIM signatures. The warnings and the returned message
/// are the caller's to move in.
fn complete(ctx: &dialect::Msg, dialect: &str, kind: BounceKind, found: dialect::Found) -> Bounce {
    let mut b = Bounce::new(kind);
    b.dialect = Some(dialect.to_string());
    b.gateway = gateway::detect(ctx).map(str::to_string);
    b.reporting_mta = found.reporting_mta;
    b.arrival_date = found.arrival_date;
    b.recipients = found.recipients;
    b.recipients.truncate(scan::MAX_RECIPIENTS);

    // The receiver's own words first: its replies, then the report's prose (whose lower-cased
    // copy the dialects may have made already).
    let replies = b
        .recipients
        .iter()
        .filter_map(|r| r.diagnostic.as_deref())
        .map(smtp::ReceiverText::new);
    let prose =
        std::iter::once_with(|| smtp::ReceiverText::with_lower(&ctx.body, ctx.body_lower()));
    let mut text_domain = None;
    let mut text_ip = None;
    let mut helo = None;
    for t in replies.chain(prose).take(scan::MAX_RECIPIENTS + 1) {
        // A text is read for what is still missing only (each reading is a pure function).
        if text_domain.is_none() || text_ip.is_none() {
            let (d, ip) = smtp::sender_in_text(&t);
            text_domain = text_domain.or(d);
            text_ip = text_ip.or(ip);
        }
        helo = helo.or_else(|| smtp::helo_in_text(&t));
        if text_domain.is_some() && text_ip.is_some() && helo.is_some() {
            break;
        }
    }
    let returned::Returned {
        return_path,
        from,
        dkim,
        received_ip,
        received_helo,
    } = ctx
        .returned_headers
        .as_ref()
        .map(returned::read)
        .unwrap_or_default();
    let from_domain = from.as_deref().and_then(returned::domain_of);
    b.sender = sender(ctx, text_domain, return_path, found.sender, from);
    // A Received field's HELO describes the host at that field's address: kept only when the
    // sending IP is that address too, so the two facts speak of one host.
    let received_helo = received_helo.filter(|_| text_ip.is_none());
    b.sending_ip = text_ip
        .map(|ip| SendingIp {
            ip,
            source: Source::DiagnosticText,
        })
        .or(received_ip.map(|ip| SendingIp {
            ip,
            source: Source::ReturnedHeaders,
        }));
    b.helo = helo
        .map(|value| Sourced {
            value,
            source: Source::DiagnosticText,
        })
        .or(received_helo.map(|value| Sourced {
            value,
            source: Source::ReturnedHeaders,
        }));
    b.from_domain = from_domain;
    b.dkim_signatures = dkim;
    b
}

/// The envelope sender, from the surest source that names one (see [`Source`]): the returned
/// Return-Path, the stated sender, the returned From, then the bounce's To. The candidates are
/// taken by value, so the one picked is moved in, not copied.
fn sender(
    ctx: &Ctx,
    text_domain: Option<String>,
    return_path: Option<String>,
    stated: Option<String>,
    from: Option<String>,
) -> Option<Sender> {
    if let Some(domain) = text_domain {
        // Keep the full address when the returned message's sender is in that domain.
        let address = [return_path, stated, from]
            .into_iter()
            .flatten()
            .find(|a| returned::is_in_domain(a, &domain));
        return Some(Sender {
            address,
            domain,
            source: Source::DiagnosticText,
        });
    }
    let of = |address: String, source| {
        Some(Sender {
            domain: returned::domain_of(&address)?,
            address: Some(address),
            source,
        })
    };
    // The bounce's To header is read only when no returned or stated address has a domain.
    return_path
        .and_then(|a| of(a, Source::ReturnedHeaders))
        .or_else(|| stated.and_then(|a| of(a, Source::DsnField)))
        .or_else(|| from.and_then(|a| of(a, Source::ReturnedHeaders)))
        .or_else(|| {
            let to = ctx.header("to").and_then(returned::first_address)?;
            of(to, Source::BounceHeaders)
        })
}

#[cfg(test)]
mod sender_tests {
    use super::*;

    /// [`sender`] as it was: every candidate, the bounce's To header too, read before the
    /// first with a domain is taken.
    fn sender_eager(
        ctx: &Ctx,
        returned: &returned::Returned,
        stated: Option<String>,
    ) -> Option<Sender> {
        let candidates = [
            (returned.return_path.clone(), Source::ReturnedHeaders),
            (stated, Source::DsnField),
            (returned.from.clone(), Source::ReturnedHeaders),
            (
                ctx.header("to").and_then(returned::first_address),
                Source::BounceHeaders,
            ),
        ];
        candidates.into_iter().find_map(|(address, source)| {
            let address = address?;
            let domain = returned::domain_of(&address)?;
            Some(Sender {
                address: Some(address),
                domain,
                source,
            })
        })
    }

    /// [`sender`] as it was before it took its candidates by value: each domain compared by a
    /// lower-cased copy, the picked address copied.
    fn sender_by_copies(
        ctx: &Ctx,
        text_domain: Option<String>,
        returned: &returned::Returned,
        from_domain: Option<&str>,
        stated: Option<String>,
    ) -> Option<Sender> {
        let domain_of = |address: &str| {
            if returned.from.as_deref() == Some(address) {
                from_domain.map(str::to_string)
            } else {
                returned::domain_of(address)
            }
        };
        if let Some(domain) = text_domain {
            let address = [&returned.return_path, &stated, &returned.from]
                .into_iter()
                .flatten()
                .find(|a| domain_of(a).as_deref() == Some(domain.as_str()))
                .cloned();
            return Some(Sender {
                address,
                domain,
                source: Source::DiagnosticText,
            });
        }
        let of = |address: &str, source| {
            Some(Sender {
                domain: domain_of(address)?,
                address: Some(address.to_string()),
                source,
            })
        };
        let stated = stated.as_deref();
        returned
            .return_path
            .as_deref()
            .and_then(|a| of(a, Source::ReturnedHeaders))
            .or_else(|| stated.and_then(|a| of(a, Source::DsnField)))
            .or_else(|| {
                returned
                    .from
                    .as_deref()
                    .and_then(|a| of(a, Source::ReturnedHeaders))
            })
            .or_else(|| {
                let to = ctx.header("to").and_then(returned::first_address)?;
                of(&to, Source::BounceHeaders)
            })
    }

    /// The lazy candidate chain picks the sender the eager list picked, on every corpus email
    /// with each candidate left out in turn and with made-up stated senders.
    #[test]
    fn sender_is_the_eager_pick() {
        let (mut picked, mut kept) = (0, 0);
        for bytes in corpus_emails() {
            let ctx = Ctx::from_message(&bytes, &lossy(&bytes), None);
            let full = ctx
                .returned_headers
                .as_ref()
                .map(returned::read)
                .unwrap_or_default();
            let no_path = returned::Returned {
                return_path: None,
                ..full.clone()
            };
            let neither = returned::Returned {
                from: None,
                ..no_path.clone()
            };
            let stated = [
                None,
                Some("a@example.org".to_string()),
                Some("no-domain".to_string()),
                Some("x@1.2.3.4".to_string()),
                Some("B@EXAMPLE.org.".to_string()),
            ];
            for r in [&full, &no_path, &neither] {
                for s in &stated {
                    let old = sender_eager(&ctx, r, s.clone());
                    let new = sender(&ctx, None, r.return_path.clone(), s.clone(), r.from.clone());
                    assert_eq!(new, old);
                    picked += usize::from(old.is_some());
                    // Named by the receiver's text: the domain of each candidate (and of none),
                    // as the copying reading matched it.
                    let from_domain = r.from.as_deref().and_then(returned::domain_of);
                    let domains = [&r.return_path, s, &r.from]
                        .into_iter()
                        .flatten()
                        .filter_map(|a| returned::domain_of(a))
                        .chain(["example.org".to_string(), "4.example".to_string()]);
                    for d in domains {
                        let text_domain = Some(d);
                        let old = sender_by_copies(
                            &ctx,
                            text_domain.clone(),
                            r,
                            from_domain.as_deref(),
                            s.clone(),
                        );
                        let new = sender(
                            &ctx,
                            text_domain,
                            r.return_path.clone(),
                            s.clone(),
                            r.from.clone(),
                        );
                        assert_eq!(new, old);
                        kept += usize::from(old.is_some_and(|o| o.address.is_some()));
                    }
                }
            }
        }
        assert!(picked > 1000, "{picked} senders");
        assert!(kept > 1000, "{kept} addresses kept");
    }
}
