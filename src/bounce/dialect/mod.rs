//! The dialects a bounce can be written in, as one ordered table: RFC 3464 first, then the
//! formats of the major MTAs and services, then free text as the fallback. Each dialect says
//! whether a message is its own (`detect`) and reads it (`parse`); the first one that finds
//! recipients wins.

use std::cell::OnceCell;
use std::ops::{Deref, Range};
use std::sync::LazyLock;

use regex::Regex;

use super::message::Ctx;
use super::scan::{self, Block};
use super::{BounceKind, Recipient};
use marker::Markers;

mod amazonses;
mod arf;
mod autoreply;
mod exchange;
mod exim;
mod fml;
mod gmail;
mod mailer_daemon;
pub(crate) mod marker;
mod postfix;
mod qmail;
mod rfc3464;
mod sendmail;
pub(crate) mod text;
mod yahoo;

/// A fixed phrase's searcher, built once where it is named (a `str::contains` builds its
/// searcher on every call).
macro_rules! literal {
    ($text:literal) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($text));
        &*FINDER
    }};
}
pub(crate) use literal;

/// True when `text` holds the phrase `literal` finds.
pub(crate) fn has(text: &str, literal: &memchr::memmem::Finder<'_>) -> bool {
    literal.find(text.as_bytes()).is_some()
}

/// True when `text` holds `ſ` (U+017F) or the Kelvin sign (U+212A): in Unicode mode a
/// case-insensitive `s` and `k` also match them, which the ASCII scanners standing in for
/// patterns do not, so such a text is read by the pattern. (Searched as bytes: a `char`
/// search decodes the whole text.)
pub(crate) fn has_unicode_folds(text: &str) -> bool {
    has(text, literal!("\u{17F}")) || has(text, literal!("\u{212A}"))
}

/// A bounce as the dialects see it: its layout, and what several of them look at worked out
/// once for all (each dialect used to lower-case the From and Subject again).
pub(crate) struct Msg<'a> {
    ctx: &'a Ctx,
    /// From, a line feed, Subject, ASCII lower-cased, and the length of the From part; made
    /// when first asked for (the detectors split it often, and a header lookup per split cost
    /// more than the split).
    heads: OnceCell<(String, usize)>,
    /// The report body, ASCII lower-cased (same offsets); made when first asked for.
    body_lower: OnceCell<String>,
}

impl Deref for Msg<'_> {
    type Target = Ctx;

    fn deref(&self) -> &Ctx {
        self.ctx
    }
}

impl<'a> Msg<'a> {
    pub(crate) fn new(ctx: &'a Ctx) -> Msg<'a> {
        Msg {
            ctx,
            heads: OnceCell::new(),
            body_lower: OnceCell::new(),
        }
    }

    /// The report body ASCII lower-cased, byte for byte at the same offsets: the prose
    /// readers of the reporting MTA and of the sender search their phrases in it.
    pub(crate) fn body_lower(&self) -> &str {
        self.body_lower
            .get_or_init(|| self.ctx.body.to_ascii_lowercase())
    }

    /// The bounce's From and Subject joined by a line feed, ASCII lower-cased: what most
    /// dialects detect on.
    pub(crate) fn sender_and_subject(&self) -> &str {
        &self.heads().0
    }

    fn heads(&self) -> &(String, usize) {
        self.heads.get_or_init(|| {
            // Both fields found in one pass, joined and lower-cased in one string.
            let [from, subject] = self.ctx.headers.first_values(["from", "subject"]);
            let (from, subject) = (from.unwrap_or(""), subject.unwrap_or(""));
            let mut heads = String::with_capacity(from.len() + 1 + subject.len());
            heads.push_str(from);
            heads.push('\n');
            heads.push_str(subject);
            heads.make_ascii_lowercase();
            (heads, from.len())
        })
    }

    /// The From header, ASCII lower-cased (empty when there is none).
    pub(super) fn sender_lower(&self) -> &str {
        let (heads, from) = self.heads();
        &heads[..*from]
    }

    /// The Subject header, ASCII lower-cased (empty when there is none).
    fn subject_lower(&self) -> &str {
        let (heads, from) = self.heads();
        &heads[from + 1..]
    }
}

/// What a dialect read from a bounce.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub recipients: Vec<Recipient>,
    pub reporting_mta: Option<String>,
    pub arrival_date: Option<String>,
    /// An envelope sender the report states (e.g. Postfix's `X-Postfix-Sender`).
    pub sender: Option<String>,
    /// The kind, when the dialect's usual one does not fit (an SES complaint notification).
    pub kind: Option<BounceKind>,
}

/// One bounce format.
pub(crate) struct Dialect {
    /// The name recorded in [`super::Bounce::dialect`].
    pub name: &'static str,
    pub kind: BounceKind,
    pub detect: fn(&Msg) -> bool,
    pub parse: fn(&Msg) -> Option<Found>,
}

/// Every dialect, in the order they are tried. RFC 3464 first: most MTAs write DSNs, and the
/// fields are the surest source. Free text is last; it is the fallback for pasted errors.
pub(crate) static DIALECTS: &[Dialect] = &[
    arf::DIALECT,
    rfc3464::DIALECT,
    autoreply::DIALECT,
    amazonses::DIALECT,
    gmail::DIALECT,
    exchange::DIALECT,
    yahoo::DIALECT,
    fml::DIALECT,
    qmail::DIALECT,
    exim::DIALECT,
    postfix::DIALECT,
    sendmail::DIALECT,
    mailer_daemon::DIALECT,
    text::DIALECT,
];

/// Runs the dialects in order (skipping free text unless `allow_text`), returning the first
/// that recognises the message and finds something.
pub(crate) fn run(ctx: &Msg, allow_text: bool) -> Option<(&'static Dialect, Found)> {
    for dialect in DIALECTS {
        if dialect.name == text::DIALECT.name && !allow_text {
            continue;
        }
        if !(dialect.detect)(ctx) {
            continue;
        }
        if let Some(found) = (dialect.parse)(ctx)
            && !found.recipients.is_empty()
        {
            return Some((dialect, found));
        }
    }
    None
}

/// Where a dialect's report proper begins: a pattern `(?im)^.*(?:a|b|c)` kept as its
/// alternatives, so that an earlier alternative wins over a later one even when the later one
/// occurs first in the text. The `^.*` is not needed: the earliest line where `^.*a` matches is
/// the line holding the earliest match of `a`. The alternatives are literal phrases with a few
/// wildcards, found by a [`Markers`] table; one it cannot read is compiled as a regex.
pub(crate) struct Start {
    /// The pattern as written.
    #[cfg_attr(not(test), allow(dead_code))]
    source: &'static str,
    search: StartSearch,
}

enum StartSearch {
    Markers(Markers),
    Regexes(Vec<Regex>),
}

impl Start {
    /// Splits a built-in pattern into its alternatives (once, from a `LazyLock`).
    pub(crate) fn new(pattern: &'static str) -> Start {
        Start {
            source: pattern,
            search: StartSearch::new(pattern),
        }
    }

    /// True when any alternative occurs in the report body.
    pub(crate) fn is_match(&self, ctx: &Msg) -> bool {
        self.first_match(ctx).is_some()
    }

    /// Where the first alternative that matches the report body first matches.
    fn first_match(&self, ctx: &Msg) -> Option<usize> {
        match &self.search {
            StartSearch::Markers(m) => m.first_match(&ctx.body, ctx.body_lower()),
            StartSearch::Regexes(res) => {
                res.iter().find_map(|re| Some(re.find(&ctx.body)?.start()))
            }
        }
    }

    /// Where the first line of the report body matching the first alternative that matches
    /// begins.
    fn line_start(&self, ctx: &Msg) -> Option<usize> {
        let at = self.first_match(ctx)?;
        Some(ctx.body[..at].rfind('\n').map_or(0, |nl| nl + 1))
    }
}

impl StartSearch {
    fn new(pattern: &str) -> StartSearch {
        let Some(rest) = pattern.strip_prefix("(?im)^.*") else {
            return StartSearch::Regexes(vec![re(pattern)]);
        };
        let alternatives = rest
            .strip_prefix("(?:")
            .and_then(|p| p.strip_suffix(')'))
            .filter(|inner| balanced(inner))
            .map(split_top_level)
            .unwrap_or_else(|| vec![rest]);
        match Markers::new(&alternatives) {
            Some(markers) => StartSearch::Markers(markers),
            None => StartSearch::Regexes(
                alternatives
                    .into_iter()
                    .map(|a| re(&format!("(?im)(?:{a})")))
                    .collect(),
            ),
        }
    }
}

/// True when the parentheses of a pattern body pair up (so `(?:a)|(?:b)` is not read as one
/// group `a)|(?:b`).
fn balanced(p: &str) -> bool {
    let (mut depth, mut escaped) = (0i32, false);
    for c in p.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// The report text from the first line matching `start` (the whole body when none matches or
/// `start` is `None`). The alternatives of `start` are tried one by one, in the order written.
pub(crate) fn report_from<'a>(ctx: &'a Msg, start: Option<&Start>) -> &'a str {
    let Some(start) = start else { return &ctx.body };
    match start.line_start(ctx) {
        Some(at) => &ctx.body[at..],
        None => &ctx.body,
    }
}

/// Splits a pattern on the `|` that are not inside parentheses.
fn split_top_level(p: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut escaped) = (0i32, 0, false);
    for (i, c) in p.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                out.push(&p[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&p[start..]);
    out
}

/// The common reading of a non-standard report: one block per named recipient, else one
/// recipient (from `X-Failed-Recipients` or the returned message's `To:`) holding the reply.
pub(crate) fn read_report(ctx: &Msg, report: &str) -> Option<Found> {
    let blocks = scan::blocks(report);
    // Some reports give the reason first and list the recipients after it ("Could not be
    // delivered because of 550 5.1.1 User unknown. The following recipients were affected:").
    let body = ctx.body.as_str();
    // Read only when a block says nothing of its own (most blocks carry their reply).
    let preamble = std::cell::OnceCell::new();
    let read_preamble = || {
        blocks
            .first()
            .and_then(|b| b.address.as_deref())
            .and_then(|a| body.find(a))
            .map(|at| &body[..body[..at].rfind('\n').unwrap_or(0)])
            .and_then(scan::preamble_reply)
    };
    let mut recipients: Vec<Recipient> = blocks
        .iter()
        .map(|Block { address, text }| {
            let own = scan::recipient_from_text(address.clone(), text);
            let says_nothing = own.reply_code.is_none() && own.status.is_none();
            if !says_nothing {
                return own;
            }
            match preamble.get_or_init(read_preamble) {
                Some(p) if own.diagnostic.is_none() || p.reply_code.is_some() => Recipient {
                    address: address.clone(),
                    ..p.clone()
                },
                _ => own,
            }
        })
        .collect();
    if recipients.is_empty() {
        let failed = failed_recipients(ctx);
        let text = scan::recipient_from_text(None, report);
        if failed.is_empty() {
            recipients.push(Recipient {
                address: ctx
                    .returned_headers
                    .as_ref()
                    .and_then(|h| h.get("to"))
                    .and_then(super::returned::first_address),
                ..text
            });
        } else {
            for address in failed {
                recipients.push(Recipient {
                    address: Some(address),
                    ..text.clone()
                });
            }
        }
    }
    // A reply named once for several recipients applies to those without their own.
    // Copied only when some recipient takes it (most often none does).
    let takes = |r: &Recipient| r.diagnostic.is_none() && r.status.is_none();
    if recipients.iter().any(takes)
        && let Some(shared) = recipients.iter().find(|r| r.diagnostic.is_some())
    {
        let (diagnostic, status, reply_code) = (
            shared.diagnostic.clone(),
            shared.status.clone(),
            shared.reply_code,
        );
        for r in recipients.iter_mut().filter(|r| takes(r)) {
            r.diagnostic = diagnostic.clone();
            r.status = status.clone();
            r.reply_code = reply_code;
        }
    }
    Some(Found {
        recipients,
        reporting_mta: reporting_mta_in(ctx),
        ..Found::default()
    })
}

/// Exim's and Gmail's `X-Failed-Recipients:` header.
pub(crate) fn failed_recipients(ctx: &Ctx) -> Vec<String> {
    ctx.headers
        .get_all("x-failed-recipients")
        .flat_map(|v| super::returned::addresses(v, scan::MAX_RECIPIENTS))
        .take(scan::MAX_RECIPIENTS)
        .collect()
}

/// The reporting MTA as a report's prose names it: "This is the qmail-send program at HOST",
/// "This is the mail system at host HOST", "The original message was received at DATE from
/// SENDER" followed by a line with "Reporting-MTA: dns; HOST". Phrases compare ignoring ASCII
/// case, in an ASCII lower-cased copy of the body (same offsets).
pub(crate) fn reporting_mta_in(ctx: &Msg) -> Option<String> {
    reporting_mta_in_text(&ctx.body, ctx.body_lower().as_bytes())
}

/// [`reporting_mta_in`] for `body`, given its ASCII lower-cased copy.
fn reporting_mta_in_text(body: &str, lower: &[u8]) -> Option<String> {
    let host = this_is_the_host(lower).or_else(|| sendmail_host(body, lower))?;
    Some(body[host].trim_end_matches('.').to_ascii_lowercase())
}

/// A host name's characters as the prose patterns read them: letters, digits, dots, hyphens.
fn host_len(s: &[u8]) -> usize {
    s.iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        .count()
}

/// "This is the qmail-send program at HOST" anywhere, else the first "This is the mail system
/// at host HOST": both begin with "this is the ", whose places are read in one pass.
fn this_is_the_host(lower: &[u8]) -> Option<Range<usize>> {
    let mut system = None;
    for at in literal!(b"this is the ").find_iter(lower) {
        if let Some(host) = qmail_host_at(lower, at) {
            return Some(host);
        }
        if system.is_none() {
            system = mail_system_host_at(lower, at);
        }
    }
    system
}

/// "This is the qmail-send program at HOST" at `at`.
fn qmail_host_at(lower: &[u8], at: usize) -> Option<Range<usize>> {
    const PHRASE: &[u8] = b"this is the qmail-send program at ";
    if !lower[at..].starts_with(PHRASE) {
        return None;
    }
    let start = at + PHRASE.len();
    let len = host_len(&lower[start..]);
    (len > 0).then_some(start..start + len)
}

/// "This is the mail system at host HOST" (also "mail delivery agent", "DragonFly Mail Agent
/// v1.2") at `at`; "host " is optional.
fn mail_system_host_at(lower: &[u8], at: usize) -> Option<Range<usize>> {
    const PHRASE: &[u8] = b"this is the ";
    let s = &lower[at + PHRASE.len()..];
    let agent = if let Some(rest) = s.strip_prefix(b"dragonfly mail agent v") {
        let version = rest
            .iter()
            .take_while(|&&b| b.is_ascii_digit() || b == b'.')
            .count();
        (version > 0).then_some(b"dragonfly mail agent v".len() + version)
    } else {
        [&b"mail system"[..], b"mail delivery agent"]
            .iter()
            .find(|a| s.starts_with(a))
            .map(|a| a.len())
    }?;
    let rest = s[agent..].strip_prefix(b" at ")?;
    let start = at + PHRASE.len() + agent + 4;
    // "host " is skipped when a host follows it; otherwise "host" is the host.
    if let Some(after) = rest.strip_prefix(b"host ") {
        let len = host_len(after);
        if len > 0 {
            return Some(start + 5..start + 5 + len);
        }
    }
    let len = host_len(rest);
    (len > 0).then_some(start..start + len)
}

/// Sendmail: "The original message was received at DATE from SENDER", then on the next line
/// "Reporting-MTA: dns; HOST" (white space of any kind, line ends too, before the host).
fn sendmail_host(body: &str, lower: &[u8]) -> Option<Range<usize>> {
    if has_unicode_folds(body) {
        static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
            crate::bounce::pattern(
                r"(?i)the original message was received at .*? from .*?\n.*?reporting-mta: dns;\s*([a-z0-9.-]+)",
            )
        });
        return PATTERN.captures(body)?.get(1).map(|m| m.range());
    }
    const RECEIVED: &[u8] = b"the original message was received at ";
    const FIELD: &[u8] = b"reporting-mta: dns;";
    let line_end = |from: usize| memchr::memchr(b'\n', &lower[from..]).map(|n| from + n);
    literal!(b"the original message was received at ")
        .find_iter(lower)
        .find_map(|at| {
            let from = at + RECEIVED.len();
            let end = line_end(from)?;
            literal!(b" from ").find(&lower[from..end])?;
            let next = end + 1;
            let next_end = line_end(next).unwrap_or(lower.len());
            literal!(b"reporting-mta: dns;")
                .find_iter(&lower[next..next_end])
                .find_map(|f| {
                    let after = next + f + FIELD.len();
                    let spaces: usize = body[after..]
                        .chars()
                        .take_while(|c| c.is_whitespace())
                        .map(char::len_utf8)
                        .sum();
                    let start = after + spaces;
                    let len = host_len(&lower[start..]);
                    (len > 0).then_some(start..start + len)
                })
        })
}

/// True when the bounce comes from a mail system rather than a person.
pub(crate) fn from_daemon(ctx: &Msg) -> bool {
    DAEMON_NAMES_FINDER.is_match(ctx.sender_lower())
        || ctx.header("return-path").is_some_and(|r| r.trim() == "<>")
}

/// One searcher for all of [`DAEMON_NAMES`] (a `str::contains` per name builds a searcher
/// per call).
static DAEMON_NAMES_FINDER: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| aho_corasick::AhoCorasick::new(DAEMON_NAMES).expect("valid literals"));

/// One searcher for all of [`BOUNCE_SUBJECT_WORDS`].
static BOUNCE_SUBJECT_FINDER: LazyLock<aho_corasick::AhoCorasick> =
    LazyLock::new(|| aho_corasick::AhoCorasick::new(BOUNCE_SUBJECT_WORDS).expect("valid literals"));

/// Names in a From header (lower case, anywhere in it) that mark a mail system.
const DAEMON_NAMES: &[&str] = &[
    "mailer-daemon",
    "postmaster",
    "post_master",
    "mail delivery",
    "mail-daemon",
    "maildaemon",
    "mailerdaemon",
    "delivery subsystem",
    "microsoftexchange",
    "bounce",
    "mdaemon",
    "mail administrator",
    "mail system",
    "<>",
];

/// Words of subjects that bounces use, lower case, any one anywhere in the subject
/// (case-insensitive, as ASCII).
const BOUNCE_SUBJECT_WORDS: &[&str] = &[
    "undeliver",
    "delivery status notification",
    "delivery failure",
    "delivery has failed",
    "failure notice",
    "returned mail",
    "mail delivery failed",
    "could not send",
    "delivery notification",
    "non-delivery",
    "non delivery",
    "nondelivery",
    "not delivered",
    "returned to sender",
    "mail system error",
    "delivery problem",
    "rejected",
    "permanent error",
    "failed delivery",
    "delivery failed",
    "nondeliverable",
    "warning: could not",
    "message not delivered",
    "bounce",
];

/// True when the subject reads like a bounce's.
pub(crate) fn bounce_subject(ctx: &Msg) -> bool {
    BOUNCE_SUBJECT_FINDER.is_match(ctx.subject_lower())
}

/// Compiles a built-in pattern.
pub(crate) fn re(pattern: &str) -> Regex {
    crate::bounce::pattern(pattern)
}

#[cfg(test)]
mod subject_tests {
    /// The word list says what the case-insensitive alternation it replaced said, on every
    /// subject line of the corpus and a few made up.
    #[test]
    fn bounce_subject_words_are_the_old_pattern() {
        let old = regex::RegexBuilder::new(
            r"(?i)undeliver|undelivered|delivery status notification|delivery failure|delivery has failed|failure notice|returned mail|mail delivery failed|could not send|delivery notification|non[- ]?delivery|not delivered|returned to sender|mail system error|delivery problem|rejected|permanent error|failed delivery|delivery failed|nondeliverable|warning: could not|message not delivered|bounce",
        )
        .unicode(false)
        .build()
        .expect("an ASCII pattern");
        let by_words = |s: &str| {
            let lower = s.to_ascii_lowercase();
            super::BOUNCE_SUBJECT_WORDS
                .iter()
                .any(|w| lower.contains(w))
        };
        let mut subjects = vec![
            "NON DELIVERY".to_string(),
            "Non-Delivery".to_string(),
            "nondelivery".to_string(),
            "non_delivery".to_string(),
            "Hello".to_string(),
        ];
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes);
            subjects.extend(
                text.lines()
                    .filter(|l| l.to_ascii_lowercase().starts_with("subject:"))
                    .map(str::to_string),
            );
        }
        let matching = subjects.iter().filter(|s| old.is_match(s)).count();
        for s in &subjects {
            assert_eq!(by_words(s), old.is_match(s), "{s}");
            let lower = s.to_ascii_lowercase();
            assert_eq!(
                super::BOUNCE_SUBJECT_FINDER.is_match(&lower),
                by_words(s),
                "{s}"
            );
        }
        assert!(matching > 200, "{matching} bounce subjects");
    }
}

#[cfg(test)]
mod daemon_tests {
    /// One searcher finds a daemon name where a `contains` per name did, on every From line of
    /// the corpus and a few made up.
    #[test]
    fn daemon_finder_is_contains_per_name() {
        let mut senders: Vec<String> = ["<>", "x <>", "bounces@x", "MAILER-DAEMON", "", "ab"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes);
            senders.extend(
                text.lines()
                    .filter(|l| l.to_ascii_lowercase().starts_with("from:"))
                    .map(str::to_string),
            );
        }
        let mut daemons = 0;
        for s in &senders {
            let lower = s.to_ascii_lowercase();
            let old = super::DAEMON_NAMES.iter().any(|n| lower.contains(n));
            assert_eq!(super::DAEMON_NAMES_FINDER.is_match(&lower), old, "{s}");
            daemons += usize::from(old);
        }
        assert!(daemons > 200, "{daemons} daemon senders");
    }
}

#[cfg(test)]
pub(crate) mod corpus_texts {
    /// Every corpus email as lossy text and as the report body the dialects read.
    pub(crate) fn texts() -> Vec<String> {
        let mut out = Vec::new();
        for bytes in crate::bounce::corpus_emails() {
            out.push(String::from_utf8_lossy(&bytes).into_owned());
            out.push(
                crate::bounce::message::Ctx::from_message(
                    &bytes,
                    &crate::bounce::lossy(&bytes),
                    None,
                )
                .body,
            );
        }
        out
    }
}

#[cfg(test)]
mod start_tests {
    use super::*;

    /// Every dialect's start pattern.
    fn starts() -> Vec<&'static Start> {
        vec![
            &amazonses::START,
            &exchange::START,
            &exim::START,
            &gmail::START,
            &postfix::START,
            &qmail::START,
            &sendmail::START,
            &yahoo::START,
        ]
    }

    /// The old search: each alternative compiled as a regex, the first that matches wins.
    fn by_regexes(source: &str) -> Vec<Regex> {
        let rest = source.strip_prefix("(?im)^.*").expect("a start pattern");
        rest.strip_prefix("(?:")
            .and_then(|p| p.strip_suffix(')'))
            .filter(|inner| balanced(inner))
            .map(split_top_level)
            .unwrap_or_else(|| vec![rest])
            .into_iter()
            .map(|a| re(&format!("(?im)(?:{a})")))
            .collect()
    }

    /// The marker tables find, per alternative, where the regexes find it, on every corpus
    /// email (raw and as its report body) and on made-up edge cases.
    #[test]
    fn start_markers_find_what_the_regexes_find() {
        let mut texts = corpus_texts::texts();
        for edge in [
            "I\u{2019}m sorry to have to inform you",
            "I\nm sorry to have to inform you",
            "your message wasn\nt delivered\nyour message couldn\nt be delivered",
            "Your message wasn\u{2019}t delivered, your message couldn\u{e9}t be delivered",
            "I\u{17F}m sorry to have to inform you\nWASN'T ABLE TO DELIVER",
            "x\u{212A} your message wasn't delivered",
            "your message wa\u{17F}n't delivered\nyour message wasn't delivered",
            "Your message couldn\u{2019}t been delivered",
            "Your message was not be delivered",
            "address(es)\n\t failed",
            "address\x0bfailed addressfailed",
            "address(es) failed",
            "---- The following addresses had\n-- the following address had",
            "- the following addresses had",
            "the following address had ---- transcript of session follows",
            "\u{e9}wasn\u{e9}t able to deliver",
            "wasn\u{1F600}t able to deliver",
            "THE FOLLOWING MESSAGE TO <",
            "",
        ] {
            texts.push(edge.to_string());
        }
        let mut hits = 0;
        for start in starts() {
            let StartSearch::Markers(markers) = &start.search else {
                panic!("{} is not read as markers", start.source);
            };
            let regexes = by_regexes(start.source);
            for text in &texts {
                let old: Vec<Option<usize>> = regexes
                    .iter()
                    .map(|r| r.find(text).map(|m| m.start()))
                    .collect();
                assert_eq!(markers.first_matches(text), old, "{}\n{text}", start.source);
                hits += old.iter().flatten().count();
            }
        }
        assert!(hits > 300, "{hits} marker hits");
    }
}

#[cfg(test)]
mod reporting_mta_tests {
    /// The prose readers name the host the three patterns they replaced named, on every corpus
    /// email (raw and as report body) and on made-up text.
    #[test]
    fn reporting_mta_is_the_old_patterns() {
        let old: Vec<regex::Regex> = [
            r"(?i)this is the qmail-send program at ([a-z0-9.-]+)",
            r"(?i)this is the (?:mail system|mail delivery agent|dragonfly mail agent v[\d.]+) at (?:host )?([a-z0-9.-]+)",
            r"(?i)the original message was received at .*? from .*?\n.*?reporting-mta: dns;\s*([a-z0-9.-]+)",
        ]
        .iter()
        .map(|p| crate::bounce::pattern(p))
        .collect();
        let by_regex = |body: &str| {
            old.iter().find_map(|re| {
                re.captures(body)
                    .and_then(|c| c.get(1))
                    .map(|m| m.as_str().trim_end_matches('.').to_ascii_lowercase())
            })
        };
        let mut texts = super::corpus_texts::texts();
        for edge in [
            "This is the qmail-send program at !\nThis is the QMAIL-SEND program at Mx.Example.",
            "This is the mail system at host  x\nthis is the mail system at host mx-1.example.",
            "This is the mail system at host .",
            "this is the this is the Mail Delivery Agent at HOST",
            "This is the DragonFly Mail Agent v0.13 at hoster.example",
            "This is the DragonFly Mail Agent v at x.example",
            "This is the DragonFly Mail Agent v1 at one.example",
            "The original message was received at Mon from x\nReporting-MTA: dns; mx.example",
            "The original message was received at Mon from x\n  Reporting-MTA: dns;\n\u{3000} Mx.Example",
            "The original message was received at Mon from x\nReporting-MTA: dns; ! reporting-mta: dns; b.example",
            "The original message was received at Mon\nfrom x\nReporting-MTA: dns; mx.example",
            "The original message was received at from x\nReporting-MTA: dns; mx.example",
            "The original message was received at  from x\r\nReporting-MTA: dns; mx.example",
            "The original message was received at Mon from x\nReporting-MTA: dns; \u{17F}mtp.example",
            "The original me\u{17F}sage was received at Mon from x\nReporting-MTA: dns; mx.example",
            "The original message was received at Mon from x",
        ] {
            texts.push(edge.to_string());
        }
        let mut found = 0;
        for text in &texts {
            let expected = by_regex(text);
            let lower = text.to_ascii_lowercase();
            assert_eq!(
                super::reporting_mta_in_text(text, lower.as_bytes()),
                expected,
                "{text}"
            );
            found += usize::from(expected.is_some());
        }
        assert!(found > 100, "{found} hosts");
    }
}
