//! The classifier proper: one ordered list of stages, each a table lookup, run over the facts of
//! one recipient. The first stage that finds a reason decides; the others that also fired are
//! kept as evidence, so a user sees both "Gmail says SPF" and "the code 5.7.27 would have meant
//! null MX".
//!
//! Order: what kind of message it is > receiver rules > text rules > a specific status code >
//! the DSN action > a generic status code > the reply code > the SMTP command > on hold.

use crate::bounce::{Bounce, BounceKind, Recipient};

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use memchr::memmem::Finder;

use super::pattern::{NeedleIndex, NeedleInterner, Present, SCANNED};
use super::receivers::{RECEIVERS, ReceiverNeedles, Recognition};
use super::status::{self, StatusCode, Strength};
use super::text::TEXT_RULES;
use super::{AuthCheck, Classification, Evidence, Reason};

/// The longest diagnostic text looked at; real replies are a few hundred bytes, and every rule
/// is a linear search, so a hostile megabyte of text costs nothing but is not read in full.
pub const MAX_TEXT: usize = 16 * 1024;

/// The needles of the text rules and receiver tables, indexed once: each recipient's text is
/// scanned for all of them in one pass, and only rules whose needles it holds are searched.
struct Index {
    needles: NeedleIndex,
    /// Per text rule and pattern, with each rule's `unless` needles: see [`TextIndex`].
    text: TextIndex,
    /// Per receiver, parallel to [`RECEIVERS`].
    receivers: Vec<ReceiverNeedles>,
    /// Which of [`RECEIVERS`] a recipient's facts name.
    recognition: Recognition,
}

/// The most text patterns [`TextIndex`] takes: the candidates of one text are one bit each, in
/// place.
const PATTERN_WORDS: usize = 16;

/// The text patterns of every rule numbered in table order (rule, then pattern), in flat
/// arrays: the candidates of one text are a set of these numbers, tried in order.
struct TextIndex {
    /// Per pattern number: its rule, its place in the rule and the range of `ids` its needles
    /// are.
    patterns: Vec<TextPattern>,
    /// Per text rule: the range of `ids` its `unless` needles are.
    unless: Vec<(u32, u32)>,
    /// The needle ids of every pattern and `unless` list.
    ids: Vec<u32>,
    /// `key_starts[id]..key_starts[id + 1]` are the numbers, in `keys`, of the patterns
    /// that need needle `id` (each pattern listed under its longest needle only, when that is
    /// one [`Present::ids`] lists). A text holds a few dozen needles of several hundred, so
    /// only the patterns listed under those can match.
    key_starts: Vec<u16>,
    keys: Vec<u16>,
    /// One bit per needle id: set for those with patterns in `keys`.
    keyed: Vec<u64>,
    /// One bit per pattern number: the patterns listed under no needle, those that need none
    /// or only needles shorter than [`SCANNED`].
    unkeyed: [u64; PATTERN_WORDS],
    /// Per pattern number: a searcher per needle, built when the pattern is first tried and
    /// kept (a `memmem::find` builds its searcher on every call, several times the cost of a
    /// search in a short reply; building all of them up front cost a one-bounce run more than
    /// it saved).
    finders: Vec<OnceLock<Vec<Finder<'static>>>>,
}

/// One text pattern of [`TextIndex`].
struct TextPattern {
    rule: u16,
    pattern: u16,
    ids: (u32, u32),
}

impl TextIndex {
    fn new(interner: &mut NeedleInterner) -> TextIndex {
        let mut ids = Vec::new();
        let range = |ids: &mut Vec<u32>, more: Vec<u32>| {
            let from = ids.len() as u32;
            ids.extend(more);
            (from, ids.len() as u32)
        };
        let mut patterns = Vec::new();
        let mut unless = Vec::new();
        for (r, rule) in (0u16..).zip(TEXT_RULES) {
            unless.push(range(&mut ids, interner.all(rule.unless)));
            for (p, pattern) in (0u16..).zip(rule.patterns) {
                let ids = range(&mut ids, interner.pattern(pattern));
                patterns.push(TextPattern {
                    rule: r,
                    pattern: p,
                    ids,
                });
            }
        }
        assert!(patterns.len() <= PATTERN_WORDS * 64, "raise PATTERN_WORDS");
        // Each pattern under the needle it needs that is longest (as the rarest), or unkeyed.
        let count = interner.count();
        let mut listed: Vec<(u32, u16)> = Vec::new();
        let mut unkeyed = [0u64; PATTERN_WORDS];
        for (k, p) in (0u16..).zip(&patterns) {
            let needles =
                TEXT_RULES[usize::from(p.rule)].patterns[usize::from(p.pattern)].needles();
            let longest = ids[p.ids.0 as usize..p.ids.1 as usize]
                .iter()
                .zip(needles)
                .filter(|(id, _)| (**id as usize) < count)
                .max_by_key(|(_, n)| n.len());
            match longest {
                Some((&id, n)) if n.len() >= SCANNED => listed.push((id, k)),
                _ => unkeyed[usize::from(k) / 64] |= 1 << (k % 64),
            }
        }
        // A stable sort: each needle's patterns stay in pattern order.
        listed.sort_by_key(|(id, _)| *id);
        let mut key_starts = vec![0u16; count + 1];
        for &(id, _) in &listed {
            key_starts[id as usize + 1] += 1;
        }
        for id in 0..count {
            key_starts[id + 1] += key_starts[id];
        }
        let mut keyed = vec![0u64; count.div_ceil(64).max(1)];
        for &(id, _) in &listed {
            keyed[id as usize / 64] |= 1 << (id % 64);
        }
        TextIndex {
            finders: patterns.iter().map(|_| OnceLock::new()).collect(),
            patterns,
            unless,
            ids,
            key_starts,
            keys: listed.into_iter().map(|(_, k)| k).collect(),
            keyed,
            unkeyed,
        }
    }

    /// The needle ids of a range of `ids`.
    fn ids(&self, (from, to): (u32, u32)) -> &[u32] {
        self.ids.get(from as usize..to as usize).unwrap_or(&[])
    }
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut interner = NeedleInterner::default();
    let text = TextIndex::new(&mut interner);
    let receivers: Vec<_> = RECEIVERS.iter().map(|r| r.needles(&mut interner)).collect();
    let recognition = Recognition::new(RECEIVERS, &receivers, interner.count());
    Index {
        text,
        recognition,
        needles: interner.build(),
        receivers,
    }
});

/// What the stages look at for one recipient.
struct Facts<'a> {
    bounce: &'a Bounce,
    recipient: &'a Recipient,
    /// The diagnostic, capped at [`MAX_TEXT`].
    text: &'a str,
    /// The needles of [`INDEX`] that `text`, ASCII-lower-cased, holds, and that lower-cased
    /// text (see [`Facts::lower`]).
    present: Present<'static>,
    status: Option<StatusCode>,
    /// The status table's row for `status`, looked up once for every stage and refinement.
    status_row: Option<&'static status::StatusRule>,
    reply: Option<u16>,
    /// The remote MTA's host name, without a trailing dot, in any case (the receivers'
    /// look-up lower-cases as it reads: a lower-cased copy cost an allocation per recipient).
    host: Option<&'a str>,
    /// The SMTP command, upper-cased (borrowed when it already is).
    command: Option<Cow<'a, str>>,
    /// The domain of the recipient address, in any case, as `host`.
    recipient_domain: Option<&'a str>,
}

impl<'a> Facts<'a> {
    fn new(bounce: &'a Bounce, recipient: &'a Recipient) -> Facts<'a> {
        let full = recipient.diagnostic.as_deref().unwrap_or("");
        let text = cap(full, MAX_TEXT);
        let status = recipient.status.as_deref().and_then(StatusCode::parse);
        Facts {
            bounce,
            recipient,
            text,
            present: INDEX.needles.scan(text.to_ascii_lowercase()),
            status,
            status_row: status.and_then(status::lookup),
            reply: recipient.reply_code.filter(|c| (200..600).contains(c)),
            host: recipient
                .remote_mta
                .as_ref()
                .and_then(|m| m.host.as_deref())
                .map(|h| h.trim_end_matches('.')),
            command: recipient.command.as_deref().map(|c| {
                let c = c.trim();
                if c.bytes().any(|b| b.is_ascii_lowercase()) {
                    Cow::Owned(c.to_ascii_uppercase())
                } else {
                    Cow::Borrowed(c)
                }
            }),
            recipient_domain: recipient.address.as_deref().and_then(|a| {
                // Searched as a byte: a `char` search from the end decodes backwards.
                let at = memchr::memrchr(b'@', a.as_bytes())?;
                Some(a[at + 1..].trim_end_matches(['>', '.']))
            }),
        }
    }

    /// `text`, ASCII-lower-cased (same byte offsets).
    fn lower(&self) -> &str {
        self.present.text()
    }

    /// Whether the failure is permanent: the status class, else the reply code.
    fn permanent(&self) -> bool {
        match (self.status, self.reply) {
            (Some(s), _) => s.is_permanent(),
            (None, Some(r)) => r >= 500,
            (None, None) => false,
        }
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// What one stage found.
struct Finding {
    reason: Reason,
    auth: &'static [AuthCheck],
    rule: String,
    matched: String,
}

type Stage = fn(&Facts) -> Option<Finding>;

/// The stages, in order of authority.
const STAGES: &[Stage] = &[
    by_kind,
    by_action_delivered,
    by_receiver,
    by_text,
    by_specific_status,
    by_action_delayed,
    by_generic_status,
    by_reply_code,
    by_command,
];

/// Reasons an auto-reply can state that outrank its being an auto-reply.
const MAILBOX_GONE: &[Reason] = &[Reason::Suspend, Reason::HasMoved, Reason::UserUnknown];

/// Feedback reports and auto-replies are not bounces; the parser already said which they are.
fn by_kind(f: &Facts) -> Option<Finding> {
    let (reason, name) = match f.bounce.kind {
        BounceKind::Feedback => (Reason::Feedback, "feedback"),
        // An automatic reply that says the mailbox is gone is a bounce in all but form.
        BounceKind::Autoreply if by_text(f).is_some_and(|t| MAILBOX_GONE.contains(&t.reason)) => {
            return None;
        }
        BounceKind::Autoreply => (Reason::Vacation, "autoreply"),
        _ => return None,
    };
    Some(Finding {
        reason,
        auth: &[],
        rule: ["kind:", name].concat(),
        matched: name.to_string(),
    })
}

/// RFC 3464 `Action: delivered` (or relayed / expanded), or a 2.x.x status: not a failure.
fn by_action_delivered(f: &Facts) -> Option<Finding> {
    // Lower-cased only when it is used: most recipients were not delivered.
    let action = f.recipient.action.as_deref();
    let delivered = action.is_some_and(|a| {
        ["delivered", "relayed", "expanded"]
            .iter()
            .any(|d| a.eq_ignore_ascii_case(d))
    }) || f.status.is_some_and(|s| s.class == 2);
    delivered.then(|| Finding {
        reason: Reason::Delivered,
        auth: &[],
        rule: "action:delivered".to_string(),
        matched: action
            .map(str::to_ascii_lowercase)
            .or_else(|| f.status.map(|s| s.to_string()))
            .unwrap_or_default(),
    })
}

/// The refusing provider's own table, when the provider is recognised.
fn by_receiver(f: &Facts) -> Option<Finding> {
    let recognised =
        INDEX
            .recognition
            .recognised(&f.present, f.host, f.recipient_domain, f.lower());
    RECEIVERS
        .iter()
        .zip(&INDEX.receivers)
        .enumerate()
        .filter(|(n, _)| recognised & (1 << n) != 0)
        .map(|(_, receiver)| receiver)
        .find_map(|(receiver, needles)| {
            receiver.indexed_rules(needles).find_map(|(rule, ids)| {
                let (s, e) = rule.holds_indexed(ids, &f.present, f.status, f.lower())?;
                let matched = match f.text.get(s..e) {
                    Some(t) if !t.is_empty() => t.to_string(),
                    _ => f.status.map(|s| s.to_string()).unwrap_or_default(),
                };
                Some(Finding {
                    reason: rule.reason,
                    auth: rule.auth,
                    rule: [receiver.name, ":", rule.id].concat(),
                    matched,
                })
            })
        })
}

/// The generic phrase tables: the first rule, in table order, with a pattern that matches (the
/// first such pattern) and no `unless` needle. Only the patterns listed under the needles the
/// text holds are tried; the test-only `by_text_every_rule` is the same over every pattern.
fn by_text(f: &Facts) -> Option<Finding> {
    if f.lower().is_empty() {
        return None;
    }
    let index = &INDEX.text;
    let mut candidates = index.unkeyed;
    for id in f.present.ids_among(&index.keyed) {
        let id = id as usize;
        let (Some(&from), Some(&to)) = (index.key_starts.get(id), index.key_starts.get(id + 1))
        else {
            continue;
        };
        for &k in index
            .keys
            .get(usize::from(from)..usize::from(to))
            .unwrap_or(&[])
        {
            if let Some(w) = candidates.get_mut(usize::from(k) / 64) {
                *w |= 1 << (k % 64);
            }
        }
    }
    // In pattern order: the lowest bit of the lowest word first.
    (0..).zip(candidates).find_map(|(w, mut bits)| {
        while bits != 0 {
            let k = w * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if let Some(found) = try_text_pattern(f, index, k) {
                return Some(found);
            }
        }
        None
    })
}

/// The finding of text pattern number `k`, when it and its rule hold.
fn try_text_pattern(f: &Facts, index: &TextIndex, k: usize) -> Option<Finding> {
    let p = index.patterns.get(k)?;
    let rule = TEXT_RULES.get(usize::from(p.rule))?;
    let unless = index.ids(*index.unless.get(usize::from(p.rule))?);
    if f.present.any(unless) || !f.present.all(index.ids(p.ids)) {
        return None;
    }
    let pattern = rule.patterns.get(usize::from(p.pattern))?;
    let finders = index
        .finders
        .get(k)?
        .get_or_init(|| pattern.needles().iter().map(Finder::new).collect());
    let (s, e) = find_in_order(finders, f.lower())?;
    let matched = f.text.get(s..e)?;
    Some(Finding {
        reason: rule.reason,
        auth: rule.auth,
        rule: ["text:", rule.id].concat(),
        matched: matched.to_string(),
    })
}

/// [`Pattern::find`](super::pattern::Pattern::find) with the pattern's needles as prebuilt
/// searchers: where all of them occur, each after the end of the previous one.
fn find_in_order(finders: &[Finder], lower: &str) -> Option<(usize, usize)> {
    let (first, rest) = finders.split_first()?;
    let start = first.find(lower.as_bytes())?;
    let mut end = start + first.needle().len();
    for finder in rest {
        let at = finder.find(lower.as_bytes().get(end..)?)?;
        end += at + finder.needle().len();
    }
    Some((start, end))
}

/// [`by_text`] by the rules' definition, independent of the index: every rule in table order,
/// its `unless` needles and patterns searched for in the lower-cased text directly.
#[cfg(test)]
fn by_text_every_rule(f: &Facts) -> Option<Finding> {
    let lower = f.lower();
    if lower.is_empty() {
        return None;
    }
    TEXT_RULES.iter().find_map(|rule| {
        if rule.unless.iter().any(|u| lower.contains(u)) {
            return None;
        }
        let matched = rule.patterns.iter().find_map(|p| {
            let (s, e) = p.find(lower)?;
            f.text.get(s..e)
        })?;
        Some(Finding {
            reason: rule.reason,
            auth: rule.auth,
            rule: format!("text:{}", rule.id),
            matched: matched.to_string(),
        })
    })
}

fn by_status(f: &Facts, strength: Strength) -> Option<Finding> {
    let code = f.status?;
    let row = f.status_row?;
    if row.strength != strength {
        return None;
    }
    let reason = row.reason?;
    // Built by hand: the formatting machinery costs several times more for these few pieces.
    let mut matched = String::with_capacity(row.meaning.len() + 14);
    for (n, part) in [u16::from(code.class), code.subject, code.detail]
        .into_iter()
        .enumerate()
    {
        if n > 0 {
            matched.push('.');
        }
        push_number(&mut matched, part);
    }
    matched.push_str(" (");
    matched.push_str(row.meaning);
    matched.push(')');
    Some(Finding {
        reason,
        auth: &[],
        rule: ["status:", row.code].concat(),
        matched,
    })
}

/// Appends `n` in decimal.
fn push_number(out: &mut String, n: u16) {
    let mut digits = [0u8; 5];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// A status code that names the problem.
fn by_specific_status(f: &Facts) -> Option<Finding> {
    by_status(f, Strength::Specific)
}

/// A status code that only names a family.
fn by_generic_status(f: &Facts) -> Option<Finding> {
    by_status(f, Strength::Generic)
}

/// RFC 3464 `Action: delayed` with nothing more specific: still queued, or given up.
fn by_action_delayed(f: &Facts) -> Option<Finding> {
    let action = f.recipient.action.as_deref()?;
    let delayed = action.eq_ignore_ascii_case("delayed") || action.eq_ignore_ascii_case("expired");
    delayed.then(|| Finding {
        reason: Reason::Expired,
        auth: &[],
        rule: "action:delayed".to_string(),
        matched: action.to_string(),
    })
}

/// Basic reply codes that say something on their own (RFC 5321 §4.2.3, RFC 7504 for 521/556).
const REPLY_RULES: &[(u16, Reason, &str)] = &[
    (
        421,
        Reason::SystemError,
        "Service not available, closing transmission channel",
    ),
    (
        452,
        Reason::SystemFull,
        "Requested action not taken: insufficient system storage",
    ),
    (
        500,
        Reason::SyntaxError,
        "Syntax error, command unrecognized",
    ),
    (
        501,
        Reason::SyntaxError,
        "Syntax error in parameters or arguments",
    ),
    (502, Reason::SyntaxError, "Command not implemented"),
    (503, Reason::SyntaxError, "Bad sequence of commands"),
    (
        504,
        Reason::SyntaxError,
        "Command parameter not implemented",
    ),
    (
        521,
        Reason::NotAccept,
        "Host does not accept mail (RFC 7504)",
    ),
    (525, Reason::Suspend, "User account disabled"),
    (530, Reason::SecurityError, "Authentication required"),
    (
        534,
        Reason::SecurityError,
        "Authentication mechanism is too weak",
    ),
    (
        535,
        Reason::SecurityError,
        "Authentication credentials invalid",
    ),
    (
        538,
        Reason::SecurityError,
        "Encryption required for requested authentication mechanism",
    ),
    (
        551,
        Reason::HasMoved,
        "User not local; please try <forward-path>",
    ),
    (
        552,
        Reason::MailboxFull,
        "Requested mail action aborted: exceeded storage allocation",
    ),
    (
        553,
        Reason::UserUnknown,
        "Requested action not taken: mailbox name not allowed",
    ),
    (
        556,
        Reason::NotAccept,
        "Domain does not accept mail (RFC 7504)",
    ),
];

fn by_reply_code(f: &Facts) -> Option<Finding> {
    let code = f.reply?;
    let (_, reason, meaning) = REPLY_RULES.iter().find(|(c, _, _)| *c == code)?;
    // Built by hand, as in `by_status`: the formatting machinery is cold code at every bounce.
    let mut rule = String::with_capacity(9);
    rule.push_str("reply:");
    push_number(&mut rule, code);
    let mut matched = String::with_capacity(meaning.len() + 6);
    push_number(&mut matched, code);
    matched.push_str(" (");
    matched.push_str(meaning);
    matched.push(')');
    Some(Finding {
        reason: *reason,
        auth: &[],
        rule,
        matched,
    })
}

/// A refusal at the greeting or HELO is about the connecting host, not the message.
const COMMAND_RULES: &[(&str, Reason)] = &[
    ("CONN", Reason::Blocked),
    ("EHLO", Reason::Blocked),
    ("HELO", Reason::Blocked),
];

fn by_command(f: &Facts) -> Option<Finding> {
    let command = f.command.as_deref()?;
    let (name, reason) = COMMAND_RULES.iter().find(|(c, _)| *c == command)?;
    Some(Finding {
        reason: *reason,
        auth: &[],
        rule: ["command:", name].concat(),
        matched: command.to_string(),
    })
}

/// When a refinement applies.
#[derive(Debug, Clone, Copy)]
enum When {
    /// The status table gives this reason.
    StatusSays(Reason),
    /// The status table gives this reason and the reply did not answer `RCPT TO` (a
    /// recipient refused at `RCPT` is an address problem whatever the code).
    StatusSaysBeyondRcpt(Reason),
    /// The reply answered this SMTP command.
    CommandIs(&'static str),
    /// A "user unknown" said after the message was sent (`DATA`), under a code that does not
    /// name the address: a recipient-side filter.
    AfterDataNotAddressCode,
    /// A content-filter gateway wrote the bounce and no status code names the address as bad.
    GatewayNotAddressCode,
}

/// Adjustments after the decision, as data: a reason found by a text rule, the condition, and
/// the reason it becomes.
const REFINEMENTS: &[(Reason, When, Reason, &str)] = &[
    // 550 5.2.0 <a>: User unknown (a mailbox-status code: the filter of the recipient)
    (
        Reason::UserUnknown,
        When::StatusSaysBeyondRcpt(Reason::Filtered),
        Reason::Filtered,
        "refine:userunknown-under-mailbox-status",
    ),
    (
        Reason::UserUnknown,
        When::AfterDataNotAddressCode,
        Reason::Filtered,
        "refine:userunknown-after-data",
    ),
    // A filter appliance's "550 Unknown user" with no 5.1.x: its recipient filter refused
    (
        Reason::UserUnknown,
        When::GatewayNotAddressCode,
        Reason::Filtered,
        "refine:userunknown-by-filter-gateway",
    ),
    // 550 5.1.7 No such domain neko.example.com (in reply to MAIL FROM): the sender's domain
    (
        Reason::HostUnknown,
        When::CommandIs("MAIL"),
        Reason::Rejected,
        "refine:hostunknown-at-mail-from",
    ),
    (
        Reason::UserUnknown,
        When::CommandIs("MAIL"),
        Reason::Rejected,
        "refine:userunknown-at-mail-from",
    ),
    (
        Reason::HostUnknown,
        When::StatusSays(Reason::Rejected),
        Reason::Rejected,
        "refine:hostunknown-sender-status",
    ),
];

impl When {
    fn holds(self, f: &Facts) -> bool {
        let status_reason = f.status_row.and_then(|row| row.reason);
        match self {
            When::StatusSays(r) => status_reason == Some(r),
            When::StatusSaysBeyondRcpt(r) => {
                status_reason == Some(r) && f.command.as_deref() != Some("RCPT")
            }
            When::CommandIs(c) => f.command.as_deref() == Some(c),
            When::GatewayNotAddressCode => {
                f.bounce.gateway.is_some() && status_reason != Some(Reason::UserUnknown)
            }
            When::AfterDataNotAddressCode => {
                status_reason != Some(Reason::UserUnknown) && f.command.as_deref() == Some("DATA")
            }
        }
    }
}

/// Whether a reason means the address itself is bad: the Sisimai notion of a hard bounce.
#[derive(Debug, Clone, Copy)]
enum Hardness {
    Always,
    /// Hard when the failure was permanent (5xx).
    IfPermanent,
}

const HARD_REASONS: &[(Reason, Hardness)] = &[
    (Reason::UserUnknown, Hardness::Always),
    (Reason::HostUnknown, Hardness::Always),
    (Reason::HasMoved, Hardness::Always),
    (Reason::NotAccept, Hardness::IfPermanent),
];

/// Classifies one recipient of `bounce`.
pub fn classify_recipient(bounce: &Bounce, recipient: &Recipient) -> Classification {
    let facts = Facts::new(bounce, recipient);
    // The findings go straight into the evidence (a list of findings moved into a second
    // list cost an allocation per recipient); what decided is kept aside.
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut first: Option<(Reason, &'static [AuthCheck], bool)> = None;
    for stage in STAGES {
        if let Some(f) = stage(&facts) {
            first.get_or_insert((f.reason, f.auth, f.rule.starts_with("text:")));
            evidence.push(Evidence {
                rule: f.rule,
                matched: f.matched,
                reason: f.reason,
            });
        }
    }

    let (mut reason, mut auth) = match first {
        Some((reason, auth, _)) => (reason, auth.to_vec()),
        None if !facts.text.trim().is_empty() => {
            evidence.push(Evidence {
                rule: "fallback:onhold".to_string(),
                matched: cap(facts.text, 200).to_string(),
                reason: Reason::OnHold,
            });
            (Reason::OnHold, Vec::new())
        }
        None => (Reason::Undefined, Vec::new()),
    };

    if first.is_some_and(|(_, _, by_text)| by_text) {
        // One pass, in table order; bounded by the table. Each refinement goes before the
        // findings, after those before it.
        let mut at = 0;
        for (from, when, to, name) in REFINEMENTS {
            if reason == *from && when.holds(&facts) {
                reason = *to;
                evidence.insert(
                    at,
                    Evidence {
                        rule: name.to_string(),
                        matched: refinement_evidence(&facts),
                        reason: *to,
                    },
                );
                at += 1;
            }
        }
    }

    if reason == Reason::AuthFailure {
        // Results the receiver spelled out beat what a rule assumes (Microsoft's 5.7.515
        // appends "Spf= Fail , Dkim= Pass , DMARC= Pass").
        let (stated, mentioned) = auth_from_text(facts.lower());
        if !stated.is_empty() {
            auth = stated;
        }
        if auth.is_empty() {
            auth = mentioned;
        }
        if auth.is_empty() {
            auth = auth_from_status(facts.status).to_vec();
        }
        auth.sort();
        auth.dedup();
    } else {
        auth.clear();
    }

    let hard_bounce =
        HARD_REASONS
            .iter()
            .find(|(r, _)| *r == reason)
            .is_some_and(|(_, h)| match h {
                Hardness::Always => true,
                Hardness::IfPermanent => facts.permanent(),
            });

    Classification {
        reason,
        auth_failed: auth,
        hard_bounce,
        evidence,
    }
}

/// The names under which receivers mention each check.
const AUTH_NAMES: &[(&str, AuthCheck)] = &[
    ("spf", AuthCheck::Spf),
    ("dkim", AuthCheck::Dkim),
    ("domainkeys", AuthCheck::Dkim),
    ("dmarc", AuthCheck::Dmarc),
];

/// Results that count as a pass when a receiver spells them out (`DKIM = pass`).
const PASS_WORDS: &[&str] = &["pass"];
/// Results that are not a pass, checked first (`= did not pass`).
const FAIL_WORDS: &[&str] = &[
    "did not pass",
    "not pass",
    "fail",
    "none",
    "neutral",
    "temperror",
    "permerror",
];

/// Which checks the text says failed: first those whose result the receiver spelled out as not
/// passing (`Authentication results: DKIM = did not pass SPF [d] with ip: [ip] = did not
/// pass`), second every check the text names at all.
fn auth_from_text(lower: &str) -> (Vec<AuthCheck>, Vec<AuthCheck>) {
    // Every word-bounded mention, in text order; bounded by the text length.
    let mut mentions: Vec<(usize, usize, AuthCheck)> = Vec::new();
    for (name, check) in AUTH_NAMES {
        let mut from = 0;
        while let Some(at) = lower.get(from..).and_then(|t| t.find(name)) {
            let start = from + at;
            let end = start + name.len();
            let before = lower[..start].chars().next_back();
            let after = lower[end..].chars().next();
            let bounded = |c: Option<char>| !c.is_some_and(|c| c.is_ascii_alphanumeric());
            if bounded(before) && bounded(after) {
                mentions.push((start, end, *check));
            }
            from = end;
        }
    }
    mentions.sort_by_key(|m| m.0);

    let mut stated: Vec<(AuthCheck, bool)> = Vec::new();
    for (i, (_, end, check)) in mentions.iter().enumerate() {
        let next = mentions.get(i + 1).map_or(lower.len(), |m| m.0);
        let segment = lower.get(*end..next).unwrap_or("");
        let Some(eq) = segment.find('=') else {
            continue;
        };
        let result = segment[eq + 1..].trim_start();
        if FAIL_WORDS.iter().any(|w| result.starts_with(w)) {
            stated.push((*check, false));
        } else if PASS_WORDS.iter().any(|w| result.starts_with(w)) {
            stated.push((*check, true));
        }
    }
    let failed = stated
        .into_iter()
        .filter(|(_, passed)| !passed)
        .map(|(c, _)| c)
        .collect();
    (failed, mentions.into_iter().map(|m| m.2).collect())
}

/// What a refinement looked at: the status code, the command and the gateway.
fn refinement_evidence(f: &Facts) -> String {
    let status = f.status.map(|s| s.to_string());
    [
        status.as_deref(),
        f.command.as_deref(),
        f.bounce.gateway.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

/// RFC 7372's codes name the check when the text does not.
fn auth_from_status(status: Option<StatusCode>) -> &'static [AuthCheck] {
    match status {
        Some(StatusCode {
            subject: 7,
            detail: 20..=22,
            ..
        }) => &[AuthCheck::Dkim],
        Some(StatusCode {
            subject: 7,
            detail: 23 | 24,
            ..
        }) => &[AuthCheck::Spf],
        Some(StatusCode {
            subject: 7,
            detail: 26,
            ..
        }) => &[AuthCheck::Spf, AuthCheck::Dkim],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The status evidence built by hand reads as the formatted strings it replaced, for
    /// every code of every class the parser accepts.
    #[test]
    fn status_evidence_is_the_formatted_text() {
        let mut n = 0;
        for number in (0..=u16::MAX)
            .step_by(7)
            .chain([0, 9, 10, 99, 100, 999, u16::MAX])
        {
            let mut s = String::from("x");
            push_number(&mut s, number);
            assert_eq!(s, format!("x{number}"));
        }
        let bounce = Bounce::new(BounceKind::Ndr);
        for class in [2, 4, 5] {
            for subject in 0..=9 {
                for detail in (0..=40).chain([100, 999]) {
                    let code = format!("{class}.{subject}.{detail}");
                    let recipient = Recipient {
                        status: Some(format!(" {class}.{subject:02}.{detail} ")),
                        ..Recipient::default()
                    };
                    let f = Facts::new(&bounce, &recipient);
                    let row = status::lookup(StatusCode::parse(&code).expect("a code"));
                    for strength in [Strength::Specific, Strength::Generic] {
                        let found = by_status(&f, strength).map(|x| (x.reason, x.rule, x.matched));
                        let want = row.filter(|r| r.strength == strength).and_then(|r| {
                            Some((
                                r.reason?,
                                format!("status:{}", r.code),
                                format!("{code} ({})", r.meaning),
                            ))
                        });
                        n += usize::from(want.is_some());
                        assert_eq!(found, want, "{code}");
                    }
                }
            }
        }
        assert!(n > 50, "{n} status findings");
    }

    #[test]
    fn spelled_out_results_pick_the_failed_checks() {
        let t = "authenticate with either spf or dkim. authentication results: dkim = did not pass spf [mail.example.com] with ip: [192.0.2.1] = did not pass";
        assert_eq!(auth_from_text(t).0, vec![AuthCheck::Dkim, AuthCheck::Spf]);
        let t = "authentication results: dkim = pass spf [example.com] with ip: [192.0.2.1] = fail";
        assert_eq!(auth_from_text(t).0, vec![AuthCheck::Spf]);
        let t =
            "doesn't meet the required authentication level. spf= fail , dkim= pass , dmarc= pass";
        assert_eq!(auth_from_text(t).0, vec![AuthCheck::Spf]);
    }

    #[test]
    fn mentions_count_when_no_results_are_given() {
        let (stated, mentioned) = auth_from_text("550 dmarc check failed");
        assert!(stated.is_empty());
        assert_eq!(mentioned, vec![AuthCheck::Dmarc]);
        assert!(auth_from_text("spfcheck dkimsig").1.is_empty());
    }

    /// A finding as compared: everything but the (static) auth list.
    fn key(f: Option<Finding>) -> Option<(Reason, String, String)> {
        f.map(|f| (f.reason, f.rule, f.matched))
    }

    #[test]
    fn text_rules_by_needle_agree_with_every_rule_in_order() {
        let mut bounces: Vec<Bounce> = crate::bounce::corpus_emails()
            .iter()
            .map(|e| crate::bounce::parse_str(&String::from_utf8_lossy(e)))
            .collect();
        let mut texts = crate::bounce::corpus_texts();
        for rule in TEXT_RULES {
            for p in rule.patterns {
                texts.push(p.needles().concat());
                texts.push(p.needles().join(" x "));
            }
            texts.push(format!("{} {}", rule.unless.concat(), rule.id));
        }
        for seed in [
            "550 5.1.1 User Unknown; mailbox FULL, over quota",
            "554 rejected: SPF check failed; recipient address rejected",
        ] {
            texts.extend(crate::bounce::variants(seed));
        }
        let template = crate::bounce::parse_str("550 5.1.1 user unknown");
        for text in texts {
            let mut b = template.clone();
            if let Some(r) = b.recipients.first_mut() {
                r.diagnostic = Some(text);
            }
            bounces.push(b);
        }
        let mut found = 0;
        for b in &bounces {
            for r in &b.recipients {
                let facts = Facts::new(b, r);
                let expected = key(by_text_every_rule(&facts));
                found += usize::from(expected.is_some());
                assert_eq!(key(by_text(&facts)), expected, "{:?}", r.diagnostic);
            }
        }
        assert!(found > 5_000, "{found} texts matched a rule");
    }

    #[test]
    fn cap_respects_char_boundaries() {
        assert_eq!(cap("aé", 2), "a");
        assert_eq!(cap("abc", 10), "abc");
    }
}
