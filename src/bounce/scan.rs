//! The engine the non-standard dialects share: finds where each failed recipient is named in a
//! report's text and reads the reply that follows it. Dialects differ in where the report starts
//! and in a few extra recipient patterns; the rest is the same everywhere.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::ops::Range;
use std::sync::LazyLock;

use super::dialect::marker::literal_variants;
use super::returned::{is_local, normalise_address};
use super::smtp::{self, clean_diagnostic, is_space};
use super::{Recipient, RemoteMta};

/// The most recipients read from one bounce.
pub(crate) const MAX_RECIPIENTS: usize = 1000;
/// The most lines of report text looked at.
const MAX_LINES: usize = 20_000;

/// Phrases that introduce a recipient anywhere in a line ("There was an error delivering your
/// mail to <user@example.org>."), lower case, in the order they are tried at one position.
const INTRODUCERS: &[&str] = &[
    "delivering your mail to",
    "message to",
    "could not be delivered to",
    "delivery to",
    "not delivered to",
    "undeliverable to",
    "sent to",
    "couldn't be delivered to",
    "wasn't delivered to",
    "failed to deliver to",
    "delivery failed for",
    "unable to deliver your message to",
    "unable to deliver to",
];

/// The introducers by the byte they begin with (either case), in the order of
/// [`INTRODUCERS`]: most bytes of a line begin none, the others one to three.
static INTRODUCERS_BY_FIRST: LazyLock<Vec<Vec<&'static [u8]>>> = LazyLock::new(|| {
    (0..=255u8)
        .map(|b| {
            INTRODUCERS
                .iter()
                .map(|i| i.as_bytes())
                .filter(|i| i[0] == b.to_ascii_lowercase())
                .collect()
        })
        .collect()
});

/// Labels of a recipient field ("Recipient address: user@example.org"), lower case, in the
/// order they are tried; an `s` may follow each.
const LABELS: &[&str] = &[
    "recipient address",
    "recipient",
    "original recipient",
    "failed recipient",
    "address",
    "rcpt",
    "e-mail address",
    "email address",
    "invalid recipient",
];

/// A line's cursor for the recipient shapes: ASCII classes as the former patterns had them.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    /// Skips ASCII `\s*`; returns how many.
    fn spaces(&mut self) -> usize {
        let n = self.s[self.at..]
            .iter()
            .take_while(|&&b| is_space(b))
            .count();
        self.at += n;
        n
    }

    /// Takes `b` when it is next.
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.at += usize::from(hit);
        hit
    }

    /// Takes `word` (lower case) when it is next, ignoring ASCII case.
    fn eat_ignore_case(&mut self, word: &[u8]) -> bool {
        let hit = starts_with_ignore_case(&self.s[self.at..], word);
        if hit {
            self.at += word.len();
        }
        hit
    }

    /// Takes `word` when it is next, case and all.
    fn eat_exact(&mut self, word: &[u8]) -> bool {
        let hit = self.s[self.at..].starts_with(word);
        if hit {
            self.at += word.len();
        }
        hit
    }

    /// Takes an address (`local@label.label...`) starting here; its range.
    fn address(&mut self) -> Option<Range<usize>> {
        let start = self.at;
        let local = self.s[start..].iter().take_while(|&&b| is_local(b)).count();
        if local == 0 || self.s.get(start + local) != Some(&b'@') {
            return None;
        }
        let mut at = start + local + 1;
        let label = |at: usize| self.s[at..].iter().take_while(|&&b| is_label(b)).count();
        let first = label(at);
        if first == 0 {
            return None;
        }
        at += first;
        let mut labels = 0;
        while self.s.get(at) == Some(&b'.') && label(at + 1) > 0 {
            at += 1 + label(at + 1);
            labels += 1;
        }
        if labels == 0 {
            return None;
        }
        self.at = at;
        Some(start..at)
    }

    fn at_end(&self) -> bool {
        self.at == self.s.len()
    }
}

/// A character of a domain label.
fn is_label(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// A named recipient: the address's range and where the recipient shape ends.
type Named = (Range<usize>, usize);

/// A reader of one recipient shape (each one former pattern).
#[cfg(test)]
type Shape = fn(&[u8]) -> Option<Named>;

/// The recipient shapes, in the order they are tried (by [`summary`] and
/// [`recipient_after_summary`], which read the address most begin with once).
#[cfg(test)]
const SHAPES: &[Shape] = &[
    summary,
    angle_bracketed,
    double_quoted,
    address_alone,
    address_then_bracket,
    bulleted,
    address_on_date,
    address_then_reason,
    labelled,
    address_then_words,
    introduced,
];

/// The recipient a line names: the first shape that reads it.
#[cfg(test)]
fn recipient_in_line(line: &str) -> Option<Named> {
    SHAPES.iter().find_map(|shape| shape(line.as_bytes()))
}

/// Sendmail's summary: "554 <user@example.org>... Service unavailable" (kept whole).
fn summary(s: &[u8]) -> Option<Named> {
    let code = s.get(..4)?;
    if !(b"245".contains(&code[0])
        && code[1].is_ascii_digit()
        && code[2].is_ascii_digit()
        && b" -".contains(&code[3]))
    {
        return None;
    }
    let mut c = Cursor { s, at: 4 };
    // An optional status and white space: "5.1.1 ".
    let status = |c: &mut Cursor| {
        let digits = |c: &mut Cursor| {
            let n = c.s[c.at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            c.at += n;
            (1..=3).contains(&n)
        };
        c.peek().is_some_and(|b| b"245".contains(&b))
            && {
                c.at += 1;
                c.eat(b'.')
            }
            && digits(c)
            && c.eat(b'.')
            && digits(c)
            && c.spaces() > 0
    };
    let before = c.at;
    if !status(&mut c) {
        c.at = before;
    }
    if !c.eat(b'<') {
        return None;
    }
    let address = c.address()?;
    (c.eat(b'>') && c.eat_exact(b"...")).then_some((address, c.at))
}

/// qmail, Yahoo, Sendmail, Postfix (old): "<user@example.org>:" alone or followed by text.
fn angle_bracketed(s: &[u8]) -> Option<Named> {
    let mut c = Cursor { s, at: 0 };
    c.spaces();
    if !c.eat(b'<') {
        return None;
    }
    let address = c.address()?;
    if !c.eat(b'>') {
        return None;
    }
    c.spaces();
    (c.eat(b':') || c.eat_exact(b"...") || c.at_end()).then_some((address, c.at))
}

/// GMX: "\"user@example.org\":"
fn double_quoted(s: &[u8]) -> Option<Named> {
    let mut c = Cursor { s, at: 0 };
    c.spaces();
    if !c.eat(b'"') {
        return None;
    }
    let address = c.address()?;
    if !c.eat(b'"') {
        return None;
    }
    c.spaces();
    c.eat(b':');
    c.spaces();
    c.at_end().then_some((address, c.at))
}

/// Exim, Gmail, Exchange: the address alone on a line (indented or not).
#[cfg(test)]
fn address_alone(s: &[u8]) -> Option<Named> {
    address_alone_after(s, leading_address(s)?)
}

/// `address_alone` (the test-only reference) given the line's [`leading_address`].
fn address_alone_after(s: &[u8], (address, at): Named) -> Option<Named> {
    let mut c = Cursor { s, at };
    c.spaces();
    c.eat(b':');
    c.spaces();
    c.at_end().then_some((address, c.at))
}

/// "user@example.org [User unknown]", Sendmail's ">>> user@example.org <user@example.org>".
#[cfg(test)]
fn address_then_bracket(s: &[u8]) -> Option<Named> {
    address_then_bracket_after(s, leading_address(s)?)
}

/// `address_then_bracket` (the test-only reference) given the line's [`leading_address`].
fn address_then_bracket_after(s: &[u8], (address, at): Named) -> Option<Named> {
    let mut c = Cursor { s, at };
    if c.spaces() == 0 {
        return None;
    }
    if c.eat(b'[') {
        return Some((address, c.at));
    }
    if !c.eat(b'<') {
        return None;
    }
    c.address()?;
    if !c.eat(b'>') {
        return None;
    }
    c.spaces();
    c.at_end().then_some((address, c.at))
}

/// A bulleted list: "  * user@example.org".
fn bulleted(s: &[u8]) -> Option<Named> {
    let mut c = Cursor { s, at: 0 };
    c.spaces();
    if !c.eat(b'*') {
        return None;
    }
    c.spaces();
    let address = c.address()?;
    c.spaces();
    c.at_end().then_some((address, c.at))
}

/// Exchange 2003: "user@example.org on Thu, 29 Apr 2010".
#[cfg(test)]
fn address_on_date(s: &[u8]) -> Option<Named> {
    address_on_date_after(s, leading_address(s)?)
}

/// `address_on_date` (the test-only reference) given the line's [`leading_address`].
fn address_on_date_after(s: &[u8], (address, at): Named) -> Option<Named> {
    let mut c = Cursor { s, at };
    if c.spaces() == 0 || !c.eat_exact(b"on") || c.spaces() == 0 {
        return None;
    }
    let word = c
        .peek()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    word.then_some((address, c.at + 1))
}

/// Exim: "  user@example.org\n    (generated from alias@example.org)"; Sendmail
/// "user@x... reason".
#[cfg(test)]
fn address_then_reason(s: &[u8]) -> Option<Named> {
    address_then_reason_after(s, leading_address(s)?)
}

/// `address_then_reason` (the test-only reference) given the line's [`leading_address`].
fn address_then_reason_after(s: &[u8], (address, at): Named) -> Option<Named> {
    let mut c = Cursor { s, at };
    c.spaces();
    let reason = c.eat(b'(')
        || c.eat_exact(b"...")
        || (c.eat(b':') && c.peek().is_some_and(is_space) && {
            c.at += 1;
            true
        });
    reason.then_some((address, c.at))
}

/// Labelled: "Recipient address: user@example.org", "Original-Recipient: rfc822;user@x".
fn labelled(s: &[u8]) -> Option<Named> {
    let mut c = Cursor { s, at: 0 };
    c.spaces();
    let after_spaces = c.at;
    LABELS.iter().find_map(|label| {
        let mut c = Cursor {
            s,
            at: after_spaces,
        };
        if !c.eat_ignore_case(label.as_bytes()) {
            return None;
        }
        c.eat_ignore_case(b"s");
        c.spaces();
        if !c.eat(b':') {
            return None;
        }
        c.spaces();
        if c.eat_ignore_case(b"rfc822;") {
            c.spaces();
        }
        c.eat(b'<');
        let address = c.address()?;
        c.eat(b'>');
        Some((address, c.at))
    })
}

/// Zoho: "user@example.org Invalid Address, ERROR_CODE :550, ...".
#[cfg(test)]
fn address_then_words(s: &[u8]) -> Option<Named> {
    address_then_words_after(s, leading_address(s)?)
}

/// `address_then_words` (the test-only reference) given the line's [`leading_address`].
fn address_then_words_after(s: &[u8], (address, at): Named) -> Option<Named> {
    let mut c = Cursor { s, at };
    if c.spaces() == 0 {
        return None;
    }
    let after_spaces = c.at;
    // "Invalid " (a capitalised word and a space), optional, then "Address,".
    let word = |c: &mut Cursor, rest: fn(u8) -> bool| {
        if !c.peek().is_some_and(|b| b.is_ascii_uppercase()) {
            return false;
        }
        c.at += 1;
        let n = c.s[c.at..].iter().take_while(|&&b| rest(b)).count();
        c.at += n;
        n > 0
    };
    let last = |c: &mut Cursor| word(c, |b| b.is_ascii_alphabetic()) && c.eat(b',');
    if word(&mut c, |b| b.is_ascii_lowercase()) && c.eat(b' ') && last(&mut c) {
        return Some((address, c.at));
    }
    c.at = after_spaces;
    last(&mut c).then_some((address, c.at))
}

/// Prose: "There was an error delivering your mail to <user@example.org>.", anywhere in the
/// line (the leftmost place that reads so).
fn introduced(s: &[u8]) -> Option<Named> {
    // The address after an introducer holds an `@`: no place from the last one on starts one.
    let last_at = memchr::memrchr(b'@', s)?;
    // Every introducer holds " to" or " for": a line without either before its last `@`
    // (most lines with an address) is not looked at place by place.
    let may_introduce = memchr::memchr_iter(b' ', &s[..last_at]).any(|space| {
        let after = &s[space + 1..];
        starts_with_ignore_case(after, b"to") || starts_with_ignore_case(after, b"for")
    });
    if !may_introduce {
        return None;
    }
    introduced_from(s, last_at)
}

/// [`introduced`] place by place, up to the last `@` at `last_at`.
fn introduced_from(s: &[u8], last_at: usize) -> Option<Named> {
    let by_first = &*INTRODUCERS_BY_FIRST;
    (0..last_at).find_map(|start| {
        by_first[usize::from(s[start])].iter().find_map(|intro| {
            let mut c = Cursor { s, at: start };
            if !c.eat_ignore_case(intro) {
                return None;
            }
            c.spaces();
            c.eat(b':');
            c.spaces();
            c.eat(b'<');
            let address = c.address()?;
            c.eat(b'>');
            Some((address, c.at))
        })
    })
}

/// The lines of `text` as [`str::lines`] gives them (split at line feeds, a carriage return
/// before one dropped), each line end found by [`crate::bytes::find_near`]: faster than the
/// standard library's search on the short lines of reports.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let (line, after) = match crate::bytes::find_near(b'\n', rest.as_bytes()) {
            Some(nl) => {
                let line = &rest[..nl];
                (line.strip_suffix('\r').unwrap_or(line), &rest[nl + 1..])
            }
            None => (rest, ""),
        };
        rest = after;
        Some(line)
    })
}

/// The paragraphs of `text` as `text.split("\n\n")` gives them, each break found by a
/// `memmem` searcher built once (the standard library's split builds a two-way searcher per
/// call and scans slower).
pub(crate) fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match crate::bounce::dialect::literal!(b"\n\n").find(r.as_bytes()) {
            Some(at) => {
                rest = Some(&r[at + 2..]);
                Some(&r[..at])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// One recipient's stretch of report text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub address: Option<String>,
    pub text: String,
}

/// Splits `report` into one block per named recipient (addresses deduplicated, their texts
/// joined). Text before the first recipient is not kept.
pub(crate) fn blocks(report: &str) -> Vec<Block> {
    let report = first_lines(report, MAX_LINES);
    let bytes = report.as_bytes();
    let mut out: Vec<Block> = Vec::new();
    let mut current: Option<usize> = None;
    // Where the lines not read yet start.
    let mut at = 0;
    while at < report.len() {
        // Every recipient pattern names an address: the lines up to the next `@` name none,
        // and go to the current block whole.
        let line_start = match memchr::memchr(b'@', &bytes[at..]) {
            Some(i) => memchr::memrchr(b'\n', &bytes[at..at + i]).map_or(at, |n| at + n + 1),
            None => report.len(),
        };
        if let Some(i) = current {
            push_lines(&mut out[i].text, &report[at..line_start]);
        }
        let Some(line) = lines(&report[line_start..]).next() else {
            break;
        };
        at = crate::bytes::find_near(b'\n', &bytes[line_start..])
            .map_or(report.len(), |n| line_start + n + 1);
        let unquoted = line.trim_start_matches(['>', ' ']);
        let summary = summary(unquoted.as_bytes());
        let found = summary
            .clone()
            .or_else(|| recipient_after_summary(unquoted));
        let summary = summary.is_some();
        if let Some((addr, whole_end)) = found.filter(|_| summary || !is_transcript(unquoted)) {
            let address = normalise_address(&unquoted[addr.clone()]);
            let rest_start = whole_end.max(addr.end);
            let rest = unquoted[rest_start..].trim();
            let rest = rest.trim_start_matches([':', '>', '.', ',']).trim();
            let rest = if summary { unquoted.trim() } else { rest };
            let idx = match out.iter().position(|b| {
                b.address
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&address))
            }) {
                Some(i) => i,
                None => {
                    if out.len() >= MAX_RECIPIENTS {
                        break;
                    }
                    out.push(Block {
                        address: Some(address),
                        // Room for a few lines of reply: most blocks grow no further.
                        text: String::with_capacity(256),
                    });
                    out.len() - 1
                }
            };
            current = Some(idx);
            if !rest.is_empty() {
                push_line(&mut out[idx].text, rest);
            }
            continue;
        }
        if let Some(i) = current {
            push_line(&mut out[i].text, line);
        }
    }
    out
}

/// The first `n` lines of `text` (as [`lines`] splits it), their line ends kept.
fn first_lines(text: &str, n: usize) -> &str {
    // Each line takes a byte at least: a shorter text has no more lines.
    if text.len() <= n {
        return text;
    }
    match memchr::memchr_iter(b'\n', text.as_bytes()).nth(n - 1) {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// The recipient a line names, by the shapes after [`summary`] (which the caller read), in
/// the order of the `SHAPES` table: the address that five of them begin with is read once.
fn recipient_after_summary(line: &str) -> Option<Named> {
    let s = line.as_bytes();
    let lead = leading_address(s);
    let after = |shape: fn(&[u8], Named) -> Option<Named>| lead.clone().and_then(|l| shape(s, l));
    angle_bracketed(s)
        .or_else(|| double_quoted(s))
        .or_else(|| after(address_alone_after))
        .or_else(|| after(address_then_bracket_after))
        .or_else(|| bulleted(s))
        .or_else(|| after(address_on_date_after))
        .or_else(|| after(address_then_reason_after))
        .or_else(|| labelled(s))
        .or_else(|| after(address_then_words_after))
        .or_else(|| introduced(s))
}

/// The address a line begins with (after ASCII blank space): its range and where it ends.
fn leading_address(s: &[u8]) -> Option<Named> {
    let mut c = Cursor { s, at: 0 };
    c.spaces();
    let address = c.address()?;
    Some((address, c.at))
}

/// [`push_line`] for each of the lines of `chunk`, whole lines (the last may lack its line
/// feed): copied at once when that is the same.
fn push_lines(text: &mut String, chunk: &str) {
    if chunk.is_empty() {
        return;
    }
    if text.len() + chunk.len() < 64 * 1024 && memchr::memchr(b'\r', chunk.as_bytes()).is_none() {
        text.push_str(chunk);
        if !chunk.ends_with('\n') {
            text.push('\n');
        }
        return;
    }
    for line in lines(chunk) {
        push_line(text, line);
    }
}

/// [`blocks`] as it was: every line read by itself.
#[cfg(test)]
fn old_blocks(report: &str) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut current: Option<usize> = None;
    for line in lines(report).take(MAX_LINES) {
        let unquoted = line.trim_start_matches(['>', ' ']);
        let has_at = memchr::memchr(b'@', unquoted.as_bytes()).is_some();
        let found = has_at.then(|| recipient_in_line(unquoted)).flatten();
        let summary = has_at && summary(unquoted.as_bytes()).is_some();
        if let Some((addr, whole_end)) = found.filter(|_| summary || !is_transcript(unquoted)) {
            let address = normalise_address(&unquoted[addr.clone()]);
            let rest_start = whole_end.max(addr.end);
            let rest = unquoted[rest_start..].trim();
            let rest = rest.trim_start_matches([':', '>', '.', ',']).trim();
            let rest = if summary { unquoted.trim() } else { rest };
            let idx = match out.iter().position(|b| {
                b.address
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&address))
            }) {
                Some(i) => i,
                None => {
                    if out.len() >= MAX_RECIPIENTS {
                        break;
                    }
                    out.push(Block {
                        address: Some(address),
                        text: String::with_capacity(256),
                    });
                    out.len() - 1
                }
            };
            current = Some(idx);
            if !rest.is_empty() {
                push_line(&mut out[idx].text, rest);
            }
            continue;
        }
        if let Some(i) = current {
            push_line(&mut out[i].text, line);
        }
    }
    out
}

/// SMTP transcript lines (`RCPT TO:<x>`, `>>> RCPT To:<x>`) name a recipient inside a reply.
fn is_transcript(line: &str) -> bool {
    let l = line.trim_start().as_bytes();
    let starts = |p: &str| {
        l.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p.as_bytes()))
    };
    starts("rcpt to")
        || starts("mail from")
        || l.starts_with(b">>>")
        || l.starts_with(b"<<<")
        || l.first().is_some_and(|b| b.is_ascii_digit())
}

fn push_line(text: &mut String, line: &str) {
    if text.len() < 64 * 1024 {
        text.push_str(line);
        text.push('\n');
    }
}

/// Lines of a report that announce the failure rather than state it: the MTA's own notice
/// around the recipients ("The following address(es) failed:", "The original message was
/// received at ...", separator lines). They are never the receiver's reply. Whole lines,
/// case-insensitive, in the pattern syntax of [`literal_variants`].
const NOTICE_LINES: &[&str] = &[
    r"(?:its recipients|incorrectly constructed):?",
    r"(?:this is a permanent error; )?the following address(?:\(es\)|es)? failed:?",
    r"this is an automatically generated delivery status notification\.?",
    r"this is a warning message only\.?",
    r"you do not need to resend your message\.?",
    r"for the following reason:?",
    r"the following text was generated during the delivery attempt:?",
    r"delivery to the following recipients? failed(?: permanently)?[:.]?",
    r"the following recipient\(s\) could not be reached:?",
    r"the following recipients? (?:did not receive this message|were affected):?",
    r"technical details(?: of (?:permanent|temporary) failure)?:?",
];

/// Beginnings of notice lines.
const NOTICE_STARTS: &[&str] = &[
    r"this message was created automatically by mail delivery",
    r"a message that you sent (?:could not be delivered|contained one or more recipient)",
    r"(?:its )?recipients\. this is a permanent error\.",
    RECEIVED_AT,
];

/// "The original message was received at `<date>`" (a sender line may follow it).
const RECEIVED_AT: &str = "the original message was received at ";

/// Phrases of a dashed heading that is a notice ("----- Transcript of session follows -----").
const NOTICE_HEADINGS: &[&str] = &[
    "the following address had",
    "the following addresses had",
    "transcript of session",
    "delivery errors",
];

/// Beginnings of the line after which the returned message follows (after dashes and space).
const END_OF_REPORT: &[&str] = &[
    r"this is a copy of (?:the|your) message",
    r"the header of the original message is following",
    r"below this line is a copy of the message",
    r"original message follows",
];

/// The phrase tables, expanded into their literal variants (lower case).
struct Phrases {
    /// The bytes a notice phrase begins with, either case: most lines begin with none.
    notice_first: [bool; 256],
    /// The whole-line notices by their length: a line is compared with the few of its own
    /// length only.
    notice_lines_by_len: Vec<Vec<Vec<u8>>>,
    notice_starts: Vec<Vec<u8>>,
    /// The bytes an end-of-report phrase (or "returned message") begins with, either case.
    end_first: [bool; 256],
    end_of_report: Vec<Vec<u8>>,
}

static PHRASES: LazyLock<Phrases> = LazyLock::new(|| {
    let expand = |table: &[&str]| -> Vec<Vec<u8>> {
        table
            .iter()
            .flat_map(|p| literal_variants(p).expect("a literal phrase pattern"))
            .collect()
    };
    let (notice_lines, notice_starts) = (expand(NOTICE_LINES), expand(NOTICE_STARTS));
    let mut notice_first = [false; 256];
    for p in notice_lines.iter().chain(&notice_starts) {
        notice_first[usize::from(p[0])] = true;
        notice_first[usize::from(p[0].to_ascii_uppercase())] = true;
    }
    let end_of_report = expand(END_OF_REPORT);
    let mut end_first = [false; 256];
    for p in end_of_report
        .iter()
        .map(Vec::as_slice)
        .chain([&b"returned message"[..]])
    {
        end_first[usize::from(p[0])] = true;
        end_first[usize::from(p[0].to_ascii_uppercase())] = true;
    }
    let longest = notice_lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut notice_lines_by_len = vec![Vec::new(); longest + 1];
    for p in notice_lines {
        notice_lines_by_len[p.len()].push(p);
    }
    Phrases {
        notice_first,
        notice_lines_by_len,
        notice_starts,
        end_first,
        end_of_report,
    }
});

/// True when `s` begins with `prefix` (lower case), ignoring ASCII case.
fn starts_with_ignore_case(s: &[u8], prefix: &[u8]) -> bool {
    s.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// True when a trimmed line is a notice. Letters compare as ASCII, except that `ſ` (U+017F)
/// and the Kelvin sign read as `s` and `k`, as Unicode case folding has them.
fn is_notice(t: &str) -> bool {
    if !t.is_ascii() && super::dialect::has_unicode_folds(t) {
        return is_notice(&t.replace('\u{17F}', "s").replace('\u{212A}', "k"));
    }
    let l = t.as_bytes();
    let phrases = &*PHRASES;
    let Some(&first) = l.first() else {
        return false;
    };
    if !phrases.notice_first[usize::from(first)] {
        return is_separator(t);
    }
    phrases
        .notice_lines_by_len
        .get(l.len())
        .is_some_and(|same_len| same_len.iter().any(|p| p.eq_ignore_ascii_case(l)))
        || phrases
            .notice_starts
            .iter()
            .any(|p| p[0] == first | 0x20 && starts_with_ignore_case(l, p))
}

/// Separator lines: `=====` (five or more of `-=_*`), `--- Heading ---` (three dashes or more
/// around at most 40 characters without a dash), and `-- ... --` around a heading phrase.
fn is_separator(t: &str) -> bool {
    let l = t.as_bytes();
    if !l.first().is_some_and(|b| b"-=_*".contains(b)) {
        return false;
    }
    if l.len() >= 5 && l.iter().all(|b| b"-=_*".contains(b)) {
        return true;
    }
    let lead = l.iter().take_while(|&&b| b == b'-').count();
    if lead == l.len() {
        return false;
    }
    let trail = l.iter().rev().take_while(|&&b| b == b'-').count();
    let middle = &t[lead..t.len() - trail];
    if middle.contains('-') {
        return false;
    }
    (lead >= 3 && trail >= 3 && (1..=40).contains(&middle.chars().count()))
        || (lead >= 2
            && trail >= 2
            && NOTICE_HEADINGS.iter().any(|h| {
                middle
                    .as_bytes()
                    .windows(h.len())
                    .any(|w| w.eq_ignore_ascii_case(h.as_bytes()))
            }))
}

/// True when a trimmed line begins the returned message: dashes, space, then a phrase of
/// [`END_OF_REPORT`] or "returned message" closed by dashes.
fn is_end_of_report(t: &str) -> bool {
    let l = t.as_bytes();
    let l = &l[l.iter().take_while(|&&b| b == b'-').count()..];
    let l = &l[l.iter().take_while(|&&b| is_space(b)).count()..];
    if !l
        .first()
        .is_some_and(|&b| PHRASES.end_first[usize::from(b)])
    {
        return false;
    }
    if PHRASES
        .end_of_report
        .iter()
        .any(|p| p[0] == l[0] | 0x20 && starts_with_ignore_case(l, p))
    {
        return true;
    }
    let Some(rest) = l.get(b"returned message".len()..) else {
        return false;
    };
    if !starts_with_ignore_case(l, b"returned message") {
        return false;
    }
    let rest = &rest[rest.iter().take_while(|&&b| is_space(b)).count()..];
    !rest.is_empty() && rest.iter().all(|&b| b == b'-')
}

#[cfg(test)]
/// The index of the one paragraph of `text` (split as [`paragraphs`] splits, among the first
/// 200) that is not blank, when all the others are: a blank paragraph holds only white space
/// and `>` quoting, which [`clean_diagnostic`] unfolds to nothing.
fn only_paragraph(text: &str) -> Option<usize> {
    let mut only = None;
    for (i, p) in paragraphs(text).enumerate() {
        if is_blank_paragraph(p) {
            continue;
        }
        if only.is_some() || i >= 200 {
            return None;
        }
        only = Some(i);
    }
    only
}

/// True when a paragraph holds only white space and `>` quoting.
#[cfg(test)]
fn is_blank_paragraph(p: &str) -> bool {
    if p.is_ascii() {
        p.bytes().all(|b| b == b'>' || is_space(b))
    } else {
        p.chars().all(|c| c == '>' || c.is_whitespace())
    }
}

/// `text` without the notice lines (each left as an empty line, so paragraphs stay apart),
/// cut where the returned message begins. Borrowed while it is a prefix of `text` (no line
/// removed, every line ended by a bare line feed): most texts are not copied.
fn without_notices(text: &str) -> Cow<'_, str> {
    // The output is `text[..kept]` until `owned` is made.
    let mut kept = 0;
    let mut owned: Option<String> = None;
    let mut after_received_at = false;
    for line in lines(text).take(MAX_LINES) {
        let t = smtp::trim(line);
        if is_end_of_report(t) {
            break;
        }
        // "The original message was received at <date>\nfrom <sender>"
        let sender_line = after_received_at
            && t.as_bytes()
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"from "));
        after_received_at = t.as_bytes().first().is_some_and(|b| b | 0x20 == b't')
            && starts_with_ignore_case(t.as_bytes(), RECEIVED_AT.as_bytes());
        let keep = !sender_line && !is_notice(t);
        if owned.is_none() {
            // `line` starts at `kept`; it stays a prefix when kept whole with its line feed.
            let end = kept + line.len();
            if keep && text.as_bytes().get(end) == Some(&b'\n') {
                kept = end + 1;
                continue;
            }
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..kept]);
            owned = Some(out);
        }
        let out = owned.as_mut().expect("made above");
        if keep {
            out.push_str(line);
        }
        out.push('\n');
    }
    match owned {
        Some(out) => Cow::Owned(out),
        None => Cow::Borrowed(&text[..kept]),
    }
}

/// [`without_notices`] as it was: always a copy.
#[cfg(test)]
fn old_without_notices(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_received_at = false;
    for line in lines(text).take(MAX_LINES) {
        let t = line.trim();
        if is_end_of_report(t) {
            break;
        }
        let sender_line = after_received_at
            && t.as_bytes()
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case(b"from "));
        after_received_at = starts_with_ignore_case(t.as_bytes(), RECEIVED_AT.as_bytes());
        if !sender_line && !is_notice(t) {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Where the SMTP reply within a cleaned text starts: the first reply code (`[245][0-5]\d`
/// then a space or a hyphen) at the start or after ASCII white space, `:`, a quote, `(` or
/// `[`. What the pattern `(?:^|[\s:'\x22(\[])([245][0-5]\d[ -]...)` found, by bytes.
fn reply_start(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    memchr::memchr3_iter(b'2', b'4', b'5', bytes).find(|&q| {
        let code = matches!(bytes.get(q + 1), Some(b'0'..=b'5'))
            && bytes.get(q + 2).is_some_and(u8::is_ascii_digit)
            && matches!(bytes.get(q + 3), Some(b' ' | b'-'));
        code && (q == 0
            || matches!(
                bytes[q - 1],
                b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | b':' | b'\'' | b'"' | b'(' | b'['
            ))
    })
}

/// A text read as one reply: unfolded, and what the unfolded text says (server, command, and
/// status and code when asked for). The part of [`recipient_from_text`] that a reader wanting
/// only the server or the command needs.
pub(crate) struct TextReply {
    cleaned: String,
    /// Where each line of the text went in `cleaned`: the text's paragraphs are taken from it.
    marks: Vec<smtp::LineMark>,
    /// The server and the command; no codes.
    reply: smtp::Reply,
    /// Status and code, read when first needed: most readers of a block's reply want its
    /// server and command only, and a diagnostic's own codes often say all.
    codes: OnceCell<smtp::Reply>,
}

/// The length of text whose line marks [`TextReply::new`] makes room for at most.
const MARKS_RESERVED_FOR: usize = 64 * 1024;

impl TextReply {
    pub(crate) fn new(text: &str) -> TextReply {
        // Room for lines of 32 bytes on average: most texts' marks are not moved as they grow.
        // Capped: the unfolding stops long before the end of a large text.
        let mut marks = Vec::with_capacity(text.len().min(MARKS_RESERVED_FOR) / 32 + 4);
        let cleaned = smtp::clean_diagnostic_marked(text, &mut marks);
        let mut reply = smtp::read_server_and_command(&cleaned, smtp::Reply::default());
        if reply.command.is_none() {
            reply.command = smtp::transcript_command(text);
        }
        TextReply {
            cleaned,
            marks,
            reply,
            codes: OnceCell::new(),
        }
    }

    /// The status and the reply code of the whole text.
    fn codes(&self) -> &smtp::Reply {
        self.codes.get_or_init(|| smtp::read_codes(&self.cleaned))
    }

    /// The SMTP command the text names, as [`recipient_from_text`] gives it.
    pub(crate) fn command(&self) -> Option<String> {
        self.reply.command.map(str::to_string)
    }

    /// The server that answered, as [`recipient_from_text`] gives it.
    pub(crate) fn remote_mta(&self) -> Option<RemoteMta> {
        let reply = &self.reply;
        (reply.remote_host.is_some() || reply.remote_ip.is_some()).then(|| RemoteMta {
            host: reply.remote_host.clone(),
            ip: reply.remote_ip,
        })
    }
}

/// Builds a recipient from a block of text: reply code, status, remote server, command, and
/// the diagnostic (the paragraph with the reply, starting at its reply code).
pub(crate) fn recipient_from_text(address: Option<String>, text: &str) -> Recipient {
    recipient_from_reply(address, text, &TextReply::new(text))
}

/// [`recipient_from_text`] given the text's [`TextReply`], when it was read already.
pub(crate) fn recipient_from_reply(
    address: Option<String>,
    text: &str,
    whole: &TextReply,
) -> Recipient {
    let diagnostic = diagnostic_in(text, whole);
    // Status and code come from the reply itself when there is one, else from the whole block.
    // A diagnostic's own status is moved, not copied.
    let (status, reply_code) = match diagnostic.as_deref() {
        // The whole block is the reply paragraph: it is read once.
        Some(d) if d == whole.cleaned => {
            let codes = whole.codes();
            (codes.status.clone(), codes.reply_code)
        }
        Some(d) => {
            let codes = smtp::read_codes(d);
            (codes.status, codes.reply_code)
        }
        None => (None, None),
    };
    Recipient {
        address,
        status: status.or_else(|| whole.codes().status.clone()),
        reply_code: reply_code.or_else(|| whole.codes().reply_code),
        remote_mta: whole.remote_mta(),
        command: whole.command(),
        diagnostic,
        ..Recipient::default()
    }
}

/// [`recipient_from_text`] of `diagnostic`, a text [`clean_diagnostic`] unfolded already,
/// without the diagnostic: unfolding is idempotent, and the one line of an unfolded text is
/// its one paragraph, so the reading reduces to where the reply starts on that line. A text
/// cut to the longest diagnostic may end in a space, which unfolding again drops: it is read
/// the long way.
pub(crate) fn reply_of_diagnostic(diagnostic: &str) -> Recipient {
    let d = diagnostic;
    if d.ends_with(' ') {
        return Recipient {
            diagnostic: None,
            ..recipient_from_text(None, d)
        };
    }
    let reply = smtp::read_server_and_command(d, smtp::Reply::default());
    // The diagnostic is the line from its reply code, when the line is not a notice: its
    // own codes come first, the whole line's are read only where it lacks one.
    let own = reply_start(d)
        .filter(|&start| start > 0 && !is_end_of_report(d) && !is_notice(d))
        .map(|start| smtp::read_codes(&d[start..]))
        .unwrap_or_default();
    let remote_mta =
        (reply.remote_host.is_some() || reply.remote_ip.is_some()).then_some(RemoteMta {
            host: reply.remote_host,
            ip: reply.remote_ip,
        });
    let status = own.status.or_else(|| smtp::best_status(d));
    let reply_code = own.reply_code.or_else(|| smtp::reply_code(d));
    Recipient {
        status,
        reply_code,
        remote_mta,
        command: reply.command.map(str::to_string),
        ..Recipient::default()
    }
}

/// What the text before a recipient list says about them: its reply when it has one, else
/// its last paragraph (the one that introduces the list), notices stripped.
pub(crate) fn preamble_reply(text: &str) -> Option<Recipient> {
    let r = recipient_from_text(None, text);
    if r.reply_code.is_some() || r.status.is_some() {
        return Some(r);
    }
    let last = paragraphs(&without_notices(text))
        .take(200)
        .map(clean_diagnostic)
        .filter(|p| !p.is_empty())
        .last()?;
    Some(Recipient {
        diagnostic: Some(last),
        ..r
    })
}

/// The paragraph of `text` holding the SMTP reply (from its reply code on), else the first
/// non-empty paragraph.
#[cfg(test)]
pub(crate) fn diagnostic_of(text: &str) -> Option<String> {
    diagnostic_with(text, None)
}

/// `diagnostic_of`, given `text` unfolded whole (by [`clean_diagnostic`]) when that was
/// done already: a text that is one paragraph without notices is not unfolded again. The
/// reference for [`diagnostic_in`].
#[cfg(test)]
fn diagnostic_with(text: &str, cleaned_whole: Option<&str>) -> Option<String> {
    let original = text;
    let text = without_notices(text);
    // The whole text has one paragraph that is not blank, as it was unfolded already: blank
    // lines add nothing to an unfolding, so that paragraph unfolds to what the whole did.
    let only = cleaned_whole
        .filter(|_| *text == *original)
        .and_then(|c| Some((only_paragraph(&text)?, c)));
    // Paragraphs are unfolded one by one, as far as the one with the reply (and the next).
    let mut paragraphs = paragraphs(&text)
        .take(200)
        .enumerate()
        .map(|(i, p)| match only {
            Some((at, c)) if at == i => c.to_string(),
            Some(_) => String::new(),
            None => clean_diagnostic(p),
        })
        .filter(|p| !p.is_empty());
    let mut first = None;
    while let Some(p) = paragraphs.next() {
        if let Some(start) = reply_start(&p) {
            let mut d = match start {
                0 => p,
                _ => p[start..].to_string(),
            };
            // A reply announced at the end of a paragraph continues in the next one.
            if d.len() < 12
                && let Some(next) = paragraphs.next()
            {
                d.push(' ');
                d.push_str(&next);
            }
            return Some(d);
        }
        if smtp::has_status(&p) {
            return Some(p);
        }
        first.get_or_insert(p);
    }
    first
}

/// The paragraph of `text` holding the SMTP reply (from its reply code on), else the one with
/// a status, else the first non-empty paragraph; paragraphs are those of
/// [`without_notices`]`(text)`, unfolded. Read in one pass over the lines, as far as the reply:
/// the text without its notices is not made, and each paragraph is taken from the whole
/// text's unfolding when that is the same (see [`unfolded_paragraphs`]).
fn diagnostic_in(text: &str, whole: &TextReply) -> Option<String> {
    let mut paragraphs = unfolded_paragraphs(text, &whole.cleaned, &whole.marks)
        .take(200)
        .filter(|p| !p.is_empty());
    let mut first = None;
    while let Some(p) = paragraphs.next() {
        if let Some(start) = reply_start(&p) {
            let mut d = match p {
                Cow::Owned(p) if start == 0 => p,
                p => p[start..].to_string(),
            };
            // A reply announced at the end of a paragraph continues in the next one.
            if d.len() < 12
                && let Some(next) = paragraphs.next()
            {
                d.push(' ');
                d.push_str(&next);
            }
            return Some(d);
        }
        if smtp::has_status(&p) {
            return Some(p.into_owned());
        }
        first.get_or_insert(p);
    }
    first.map(Cow::into_owned)
}

/// The paragraphs of [`without_notices`]`(text)`, split as [`paragraphs`] splits, each
/// unfolded by [`clean_diagnostic`], read line by line as far as they are asked for.
///
/// Notice lines are left as empty lines by `without_notices`, so a paragraph is a run of kept
/// lines that are not empty, after at most one empty line (`\n\n` splits, so an empty line
/// ends a paragraph unless one just ended). Its lines are lines of `text` in a row, unfolded
/// already in `cleaned` (the whole text's unfolding, `marks` saying where each line went):
/// the paragraph's unfolding is the span of its lines there, unless the whole reading stopped
/// before its end, or a line of it lost its reply prefix to an earlier line of the text (the
/// whole keeps only the text's first prefix). Only then is it unfolded by itself.
fn unfolded_paragraphs<'a>(
    text: &'a str,
    cleaned: &'a str,
    marks: &'a [smtp::LineMark],
) -> impl Iterator<Item = Cow<'a, str>> {
    let bytes = text.as_bytes();
    // The next line's start and index.
    let mut at = 0;
    let mut index = 0;
    let mut after_received_at = false;
    let mut done = false;
    // The paragraph of lines `first..=last` (indexes), bytes `from..to` of `text`.
    let unfolded = move |first: usize, last: usize, from: usize, to: usize| -> Cow<'a, str> {
        let Some(lines) = marks.get(first..=last) else {
            return Cow::Owned(clean_diagnostic(&text[from..to]));
        };
        let before = first.checked_sub(1).map_or(0, |i| marks[i].prefixes);
        let prefixes = lines[lines.len() - 1].prefixes - before;
        let end = lines[lines.len() - 1].end;
        if (prefixes > 0 && before > 0) || end > cleaned.len() {
            return Cow::Owned(clean_diagnostic(&text[from..to]));
        }
        match lines.iter().find(|m| m.end > m.start) {
            Some(m) => Cow::Borrowed(&cleaned[m.start..end]),
            None => Cow::Borrowed(""),
        }
    };
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        // The paragraph's lines with content: (index, start) of the first, (index, end) of
        // the last.
        let mut first: Option<(usize, usize)> = None;
        let mut last = (0, 0);
        // A line feed ends what was read of the paragraph: an empty line next ends it.
        let mut line_feed = false;
        loop {
            if at >= text.len() || index >= MAX_LINES {
                done = true;
                break;
            }
            let (line, next) = match crate::bytes::find_near(b'\n', &bytes[at..]) {
                Some(nl) => {
                    let line = &text[at..at + nl];
                    (line.strip_suffix('\r').unwrap_or(line), at + nl + 1)
                }
                None => (&text[at..], text.len()),
            };
            let t = smtp::trim(line);
            if is_end_of_report(t) {
                done = true;
                break;
            }
            let sender_line = after_received_at
                && t.as_bytes()
                    .get(..5)
                    .is_some_and(|p| p.eq_ignore_ascii_case(b"from "));
            after_received_at = t.as_bytes().first().is_some_and(|b| b | 0x20 == b't')
                && starts_with_ignore_case(t.as_bytes(), RECEIVED_AT.as_bytes());
            let kept = !line.is_empty() && !sender_line && !is_notice(t);
            let (start, i) = (at, index);
            at = next;
            index += 1;
            if kept {
                first.get_or_insert((i, start));
                last = (i, start + line.len());
                line_feed = true;
            } else if line_feed {
                break;
            } else {
                line_feed = true;
            }
        }
        Some(match first {
            Some((first, from)) => unfolded(first, last.0, from, last.1),
            None => Cow::Borrowed(""),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_notice` and `is_end_of_report` compare a phrase's first byte with the line's first
    /// byte OR 0x20, which finds only phrases that start with a lower-case ASCII letter.
    #[test]
    fn phrase_starts_are_lower_case_letters() {
        let phrases = &*PHRASES;
        for p in phrases.notice_starts.iter().chain(&phrases.end_of_report) {
            assert!(
                p[0].is_ascii_lowercase(),
                "{:?}",
                String::from_utf8_lossy(p)
            );
        }
    }
    use regex::Regex;

    #[test]
    fn notices_are_not_the_reply() {
        let text = "This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  save to /var/mail/x\n    mailbox is full: retry timeout exceeded\n------ This is a copy of the message, including all the headers. ------\nSubject: 550 not this\n";
        assert_eq!(
            diagnostic_of(text).as_deref(),
            Some("save to /var/mail/x mailbox is full: retry timeout exceeded")
        );
    }

    #[test]
    fn reply_after_a_heading_is_found() {
        let text =
            "  ----- Transcript of session follows -----\n550 <a@example.net>: User unknown\n";
        assert_eq!(
            diagnostic_of(text).as_deref(),
            Some("550 <a@example.net>: User unknown")
        );
    }

    #[test]
    fn reason_before_the_list() {
        let p = preamble_reply("Could not be delivered because of\n\n550 5.1.1 User unknown\n\n")
            .unwrap();
        assert_eq!(p.reply_code, Some(550));
        let p = preamble_reply("Your message was not delivered.\nRemote host is not responding.\n\nThe following recipients did not receive this message:\n").unwrap();
        assert_eq!(
            p.diagnostic.as_deref(),
            Some("Your message was not delivered. Remote host is not responding.")
        );
    }

    #[test]
    fn bracketed_and_bulleted_recipients() {
        let b = blocks("a@example.net [User unknown]\n  * b@example.org\n");
        let found: Vec<_> = b.iter().filter_map(|b| b.address.as_deref()).collect();
        assert_eq!(found, ["a@example.net", "b@example.org"]);
    }

    #[test]
    fn qmail_blocks() {
        let text = "Hi.\n\n<a@example.net>:\nremote host 192.0.2.1 said: 550 no such user\n\n<b@example.net>:\n552 full\n";
        let b = blocks(text);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].address.as_deref(), Some("a@example.net"));
        let r = recipient_from_text(b[0].address.clone(), &b[0].text);
        assert_eq!(r.reply_code, Some(550));
        assert_eq!(r.diagnostic.as_deref(), Some("550 no such user"));
    }

    /// `without_notices` gives the text the copying version gave, on every corpus text, its
    /// recipient blocks, line-end variants and made-up texts.
    #[test]
    fn without_notices_is_the_copying_one() {
        let mut texts: Vec<String> = [
            "",
            "\n",
            "a",
            "a\n",
            "a\r\nb\n",
            "a\nb",
            "a\n\nb\n",
            "its recipients:\nx\n",
            "x\nThe original message was received at Mon\nfrom y\nz\n",
            "x\n--- Original message follows.\nSubject: y\n",
            "x\n-----\n",
            "\u{e9}\n\u{e9}\r\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            texts.extend(blocks(&text).into_iter().map(|b| b.text));
            texts.push(text.replace('\n', "\r\n"));
            texts.push(text);
        }
        let mut borrowed = 0;
        for text in &texts {
            let new = without_notices(text);
            borrowed += usize::from(matches!(new, Cow::Borrowed(_)));
            assert_eq!(*new, old_without_notices(text), "{text:?}");
        }
        assert!(borrowed > 500, "{borrowed} texts not copied");
    }

    /// The diagnostic read in one pass over the lines, paragraphs taken from the whole
    /// unfolding, is the one read from the text without notices, paragraph by paragraph: on
    /// every corpus text, its recipient blocks, line-end variants and made-up texts.
    #[test]
    fn diagnostic_in_one_pass_is_the_paragraphs_one() {
        let long = "x ".repeat(700);
        let mut texts: Vec<String> = [
            "",
            "\n",
            "\n\n\n",
            "a\n\n",
            "\n\na\n\n\n\nb",
            "\r\n\r\na\r\n\r\n",
            "its recipients:\n550 5.1.1 gone\n",
            "550-5.1.1 first\n550 5.1.1 second\n\n550-5.2.2 third\n550 5.2.2 fourth\n",
            "intro\n\n550 5.1.1 a\n550 5.1.1 b\nThe following address(es) failed:\n550 5.2.2 c\n",
            "x\nThe original message was received at Mon\nfrom y\n550 z\n",
            "x\n--- Original message follows.\nSubject: 550 y\n",
            "  \n>\n  > 550\n\nmore\n",
            "550 \n\n5.1.1 over\n",
            "\u{e9}\n\u{e9}\r\n\u{3000}550 x\u{3000}\n",
            "a\r\r\nb\r\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.push(format!("{long}\n\n{long}\n550 5.1.1 late\n"));
        texts.push(format!("a\n{long}\n{long}\n{long}\n\n550 5.1.1 late\n"));
        texts.push(format!("550 5.1.1 {long}{long}{long}\nmore\n\nnext\n"));
        texts.push("p\n\n".repeat(250) + "550 5.1.1 after two hundred\n");
        for seed in [
            "a\n\n550-5.1.1 b\n> 550 5.1.1 c\n\nthis is a warning message only\n421 d",
            "Technical details of permanent failure:\n\n  550 5.1.1  x\n",
        ] {
            texts.extend(crate::bounce::smtp::tests::variants(seed));
        }
        for text in crate::bounce::dialect::corpus_texts::texts() {
            texts.extend(blocks(&text).into_iter().map(|b| b.text));
            texts.push(text.replace('\n', "\r\n"));
            texts.push(text);
        }
        let mut found = 0;
        for text in &texts {
            let expected = diagnostic_with(text, None);
            let whole = TextReply::new(text);
            assert_eq!(diagnostic_in(text, &whole), expected, "{text:?}");
            assert_eq!(whole.cleaned, clean_diagnostic(text), "{text:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 1_000, "{found} diagnostics");
    }

    /// Every introducer holds " to" or " for", and the introduced shape finds what a search
    /// place by place finds, on every corpus line with an `@` and made-up lines.
    #[test]
    fn introduced_needs_to_or_for() {
        for intro in INTRODUCERS {
            assert!(intro.contains(" to") || intro.contains(" for"), "{intro}");
        }
        let mut lines: Vec<String> = [
            "message TO a@b.example",
            "Delivery failed FOR a@b.example",
            "sent\tto a@b.example",
            "sent to@b.example",
            "x sent to a@b.example c@d",
            "sent to\n a@b.example",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for seed in [
            "Unable to deliver to: <a@b.example>",
            "x FAILED TO DELIVER TO a@b.c",
        ] {
            lines.extend(crate::bounce::smtp::tests::variants(seed));
        }
        for text in crate::bounce::dialect::corpus_texts::texts() {
            lines.extend(text.lines().filter(|l| l.contains('@')).map(str::to_string));
        }
        // Every introducer tried at every place, without the gate or the first-byte table.
        let every_place = |s: &[u8]| {
            (0..s.len()).find_map(|start| {
                INTRODUCERS.iter().find_map(|intro| {
                    let mut c = Cursor { s, at: start };
                    if !c.eat_ignore_case(intro.as_bytes()) {
                        return None;
                    }
                    c.spaces();
                    c.eat(b':');
                    c.spaces();
                    c.eat(b'<');
                    let address = c.address()?;
                    c.eat(b'>');
                    Some((address, c.at))
                })
            })
        };
        let mut found = 0;
        for line in &lines {
            let s = line.as_bytes();
            let expected = every_place(s);
            assert_eq!(introduced(s), expected, "{line:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 50, "{found} introduced recipients");
    }

    /// The local-part table holds the bytes the symbol list it replaced held, and no others.
    #[test]
    fn local_table_is_the_old_list() {
        for b in 0..=255u8 {
            let old = b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b);
            assert_eq!(is_local(b), old, "{b}");
        }
    }

    /// The shapes after the summary, with their leading address read once, read as the table.
    #[test]
    fn shapes_after_the_summary_are_the_table() {
        let mut lines: Vec<String> = Vec::new();
        for seed in [
            " *a@b.example",
            "a@b.example on Thu",
            "a@b.example  [x] <c@d.example>",
            "a@b.example Invalid Address, x",
            "\"a@b.example\": <c@d.example>...",
            "a@b.example: sent to c@d.example",
        ] {
            lines.extend(crate::bounce::smtp::tests::variants(seed));
        }
        for text in crate::bounce::dialect::corpus_texts::texts() {
            lines.extend(text.lines().filter(|l| l.contains('@')).map(str::to_string));
        }
        let mut found = 0;
        for line in &lines {
            let expected = SHAPES[1..].iter().find_map(|shape| shape(line.as_bytes()));
            assert_eq!(recipient_after_summary(line), expected, "{line:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 1_000, "{found} recipients");
    }

    /// [`blocks`] reads as [`old_blocks`] did, line by line.
    #[test]
    fn blocks_are_the_old_blocks() {
        let mut texts: Vec<String> = crate::bounce::corpus_emails()
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect();
        texts.extend(crate::bounce::dialect::corpus_texts::texts());
        for seed in [
            "x\n<a@b.example>: no\r\n550 5.1.1 gone\r\nmore\rtext\n\nc@d.example\nend",
            "554 5.0.0 <a@b.example>... Service unavailable\nRCPT TO:<c@d.example>\n>>> x@y.example",
            "> > a@b.example\n>\n> reason\n@\nb@c.example (x)\nlast line",
        ] {
            texts.extend(crate::bounce::smtp::tests::variants(seed));
        }
        // Past the line, text and recipient limits.
        texts.push("a@b.example\n".to_string() + &"line\n".repeat(MAX_LINES + 5) + "c@d.example");
        texts.push("a@b.example\n".to_string() + &"\n".repeat(MAX_LINES) + "c@d.example x\n");
        texts.push("a@b.example\n".to_string() + &"reply text line\n".repeat(5_000));
        texts.push("a@b.example\n".to_string() + &"reply\r\n".repeat(12_000));
        texts.push(
            (0..1_100)
                .map(|n| format!("u{n}@b.example\nsaid {n}\n"))
                .collect(),
        );
        let mut named = 0;
        for text in &texts {
            let expected = old_blocks(text);
            assert_eq!(blocks(text), expected, "{text:?}");
            named += expected.len();
        }
        assert!(named > 1_000, "{named} blocks");
    }

    /// [`lines`] splits as `str::lines` does, on every corpus text, its variants and edge cases.
    #[test]
    fn lines_are_str_lines() {
        let mut texts: Vec<String> = [
            "",
            "\n",
            "\r",
            "\r\n",
            "\n\n",
            "a",
            "a\n",
            "a\r",
            "a\r\n",
            "a\r\r\n",
            "\ra\n\rb",
            "a\n\r\nb\r",
            "\u{e9}\r\n\u{e9}",
            "a\n\nb\n\n\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            texts.push(text.replace('\n', "\r\n"));
            texts.push(text.replace('\n', "\r"));
            texts.push(text);
        }
        for text in &texts {
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    /// The pattern [`reply_start`] replaced.
    static OLD_REPLY_START: LazyLock<Regex> = LazyLock::new(|| {
        crate::bounce::pattern(
            r"(?:^|[\s:'\x22(\[])([245][0-5]\d[ -]['\x22]?(?:#?[245]\.\d{1,3}\.\d{1,3})?)",
        )
    });

    /// [`diagnostic_of`] as it was: every paragraph unfolded first, the reply found by the
    /// pattern.
    fn old_diagnostic_of(text: &str) -> Option<String> {
        let text = without_notices(text);
        let paragraphs: Vec<String> = text
            .split("\n\n")
            .take(200)
            .map(clean_diagnostic)
            .filter(|p| !p.is_empty())
            .collect();
        for (i, p) in paragraphs.iter().enumerate() {
            if let Some(c) = OLD_REPLY_START.captures(p) {
                let start = c.get(1).map_or(0, |m| m.start());
                let mut d = p[start..].to_string();
                if d.len() < 12
                    && let Some(next) = paragraphs.get(i + 1)
                {
                    d.push(' ');
                    d.push_str(next);
                }
                return Some(d);
            }
            if !smtp::statuses(p).is_empty() {
                return Some(p.clone());
            }
        }
        paragraphs.into_iter().next()
    }

    /// `text` and variants of it: upper case, CRLF line ends, odd white space, non-ASCII
    /// before its characters, cut at a few places.
    fn text_variants(text: &str) -> Vec<String> {
        let mut out = vec![
            text.to_string(),
            text.to_ascii_uppercase(),
            text.replace('\n', "\r\n"),
            text.replace(' ', "\t"),
            text.replace(' ', "\u{b}"),
            text.replace(' ', "\u{a0}"),
            text.replace(' ', "\u{3000}"),
            text.replace(' ', "\u{e9}"),
            text.replace("\n\n", "\n \n"),
            text.replace('(', "\u{e9}("),
            text.replace(':', "\u{e9}"),
            text.replace('5', "\u{e9}5"),
            text.replace('-', ""),
        ];
        let cuts = text.len().min(1200) / 400 + 1;
        for n in 1..cuts {
            let mut at = text.len() * n / cuts;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            out.push(text[..at].to_string());
            out.push(text[at..].to_string());
        }
        out
    }

    /// The byte scanner finds the reply where the pattern did, and the diagnostic read
    /// paragraph by paragraph is the one read from all paragraphs, on every corpus text, its
    /// recipient blocks, their lines and paragraphs, variants of them and made-up texts.
    #[test]
    fn reply_start_and_diagnostic_are_the_old_ones() {
        let mut texts: Vec<String> = [
            "550 x",
            "550-x",
            "550",
            " 550 5.1.1 x",
            "x:550 x",
            "'550 x",
            "\"450-4.2.2\"",
            "(550 x)",
            "[550] x",
            "x550 x",
            "\u{e9}550 x",
            "\u{b}550 x",
            "\u{c}250 ok",
            "560 x 550 y",
            "5.1.1 user unknown",
            "1.2.3.4 said 550",
            "Reason:\n\n550 5.1.1 no\n\nnext",
            "error:\n\n550 y\n\nThe reply went on here",
            "x\n\n\n\n y\n\n550",
            "Error:\n\n550 5.1.1 x\n\nnext part",
            "Error:\n\n550 5.1.1 xy\n\nnext part",
            "Error:\n\n550 5.1.1\n\n\n\nnext part",
            "550 5.1.1 x\n\n \n\n> >\n\n",
            "\n\n>\n\n550-5.1.1 x\n550-5.1.1 y\n\n\u{3000}\n\n",
            "550 x\n\n\u{a0}>\n\n551 y",
            "x\n\n\u{85}\n\ny",
            "550 \n\n>\n\n",
            "550-5.1.1 \n\n550 5.1.1 z",
            "x\n\ny\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut whole = Vec::new();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            for b in blocks(&text) {
                texts.push(b.text);
            }
            whole.push(text);
        }
        // Whole emails are long: a few variants of them, all of the blocks and made-up texts.
        let whole = whole
            .into_iter()
            .flat_map(|t| [t.to_ascii_uppercase(), t.replace('\n', "\r\n"), t]);
        let (mut starts, mut diagnostics) = (0, 0);
        for v in texts.iter().flat_map(|t| text_variants(t)).chain(whole) {
            let expected = old_diagnostic_of(&v);
            assert_eq!(diagnostic_of(&v), expected, "{v:?}");
            // Given the whole text unfolded, as the recipient readers give it.
            let unfolded = clean_diagnostic(&v);
            assert_eq!(diagnostic_with(&v, Some(&unfolded)), expected, "{v:?}");
            diagnostics += usize::from(expected.is_some());
            let pieces = v
                .lines()
                .map(str::to_string)
                .chain(v.split("\n\n").map(clean_diagnostic));
            for p in pieces {
                let old = OLD_REPLY_START
                    .captures(&p)
                    .map(|c| c.get(1).map_or(0, |m| m.start()));
                assert_eq!(reply_start(&p), old, "{p:?}");
                assert_eq!(smtp::has_status(&p), !smtp::statuses(&p).is_empty());
                starts += usize::from(old.is_some());
            }
        }
        assert!(
            starts > 5000 && diagnostics > 5000,
            "{starts} reply starts, {diagnostics} diagnostics"
        );
    }

    /// An unfolded diagnostic read by [`reply_of_diagnostic`] is what [`recipient_from_text`]
    /// reads from it, but the diagnostic: on every corpus text unfolded, its lines and
    /// paragraphs unfolded, variants of them and made-up texts.
    #[test]
    fn diagnostic_reply_is_the_text_reading() {
        let mut texts: Vec<String> = [
            "550 x",
            "x 550 5.1.1 y",
            "x 550 5.1.1",
            "x: 550 y",
            "host mx.example.net[192.0.2.1] said: 550 5.1.1 <a@b>... unknown (in reply to RCPT TO command)",
            "Delivery to the following recipient failed permanently: 550 x",
            "Delivery to the following recipient failed permanently:",
            "The original message was received at 550 x",
            "------ This is a copy of the message 550 x",
            "--- 550 x ---",
            "-- transcript of session 550 x --",
            "4.4.7 x 450 y",
            "Technical details of permanent failure:",
            "x \u{17f} 550 y",
            "\u{a0}550 x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            texts.extend(text.lines().map(str::to_string));
            texts.extend(text.split("\n\n").map(str::to_string));
            for b in blocks(&text) {
                texts.push(b.text);
            }
            texts.push(text);
        }
        let seeds = texts.len();
        for i in 0..15 {
            texts.extend(text_variants(&texts[i].clone()));
        }
        let mut read = 0;
        for (i, text) in texts.iter().enumerate() {
            let d = clean_diagnostic(text);
            if d.is_empty() {
                continue;
            }
            if !d.ends_with(' ') {
                assert_eq!(clean_diagnostic(&d), d, "{text:?}");
            }
            let mut expected = recipient_from_text(None, &d);
            expected.diagnostic = None;
            assert_eq!(reply_of_diagnostic(&d), expected, "{text:?}");
            read += usize::from(i < seeds && expected.reply_code.is_some());
        }
        assert!(read > 1500, "{read} diagnostics with a reply code");
    }

    /// The notice, received-at and end-of-report tables say what the regexes they replaced
    /// said, on every trimmed line of the corpus (raw and as report bodies) and made-up lines.
    #[test]
    fn notice_tables_are_the_old_patterns() {
        const OLD_NOTICES: &[&str] = &[
            r"^this message was created automatically by mail delivery",
            r"^a message that you sent (?:could not be delivered|contained one or more recipient)",
            r"^(?:its )?recipients\. this is a permanent error\.",
            r"^(?:its recipients|incorrectly constructed):?$",
            r"^(?:this is a permanent error; )?the following address(?:\(es\)|es)? failed:?$",
            r"^the original message was received at ",
            r"^-{2,}[^-]*(?:the following addresses? had|transcript of session|delivery errors)[^-]*-{2,}$",
            r"^[-=_*]{5,}$",
            r"^-{3,}[^-]{1,40}-{3,}$",
            r"^this is an automatically generated delivery status notification\.?$",
            r"^this is a warning message only\.?$",
            r"^you do not need to resend your message\.?$",
            r"^for the following reason:?$",
            r"^the following text was generated during the delivery attempt:?$",
            r"^delivery to the following recipients? failed(?: permanently)?[:.]?$",
            r"^the following recipient\(s\) could not be reached:?$",
            r"^the following recipients? (?:did not receive this message|were affected):?$",
            r"^technical details(?: of (?:permanent|temporary) failure)?:?$",
        ];
        let alternation = OLD_NOTICES
            .iter()
            .map(|p| format!("(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        let notice = crate::bounce::pattern(&format!("(?i){alternation}"));
        let received_at = crate::bounce::pattern(&format!("(?i){}", OLD_NOTICES[5]));
        let end_of_report = crate::bounce::pattern(
            r"(?i)^-*\s*(?:this is a copy of (?:the|your) message|the header of the original message is following|below this line is a copy of the message|original message follows|returned message\s*-+$)",
        );
        let mut lines: Vec<String> = [
            "Its recipients:",
            "ITS RECIPIENTS::",
            "The following address(es) failed",
            "this is a permanent error; the following addresses failed:",
            "the following addresse failed:",
            "Delivery to the following recipients failed permanently.",
            "delivery to the following recipient failed:.",
            "Technical details of temporary failure:",
            "Technical details of failure:",
            "-- The following addresses had permanent errors --",
            "-- The following address had - errors --",
            "- transcript of session follows --",
            "----- Transcript of session follows -----",
            "-----",
            "----",
            "==_*-",
            "--- Failure Reasons ---",
            "--- Failure Reasons --",
            "---\u{e9}---",
            "------",
            "---------------------------------------------------------",
            "--- 1234567890123456789012345678901234567890 ---",
            "--- 12345678901234567890123456789012345678901 ---",
            "--- \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} ---",
            "Thi\u{17F} message was created automatically by mail delivery",
            "Technical details of temporary failure\u{212A}",
            "-- tran\u{17F}cript of \u{17F}e\u{17F}sion --",
            "The original message was received at Thu",
            "The original me\u{17F}sage was received at Thu",
            "the original message was received at",
            "---- This is a copy of your message ----",
            "-- \x0b returned message ---",
            "returned message --- x",
            "returned message",
            "Returned Message\t-",
            "--Original message follows.",
            "- - original message follows",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in [39, 40, 41] {
            lines.push(format!("---{}---", "x".repeat(n)));
            lines.push(format!("---{}---", "\u{e9}".repeat(n)));
        }
        for text in crate::bounce::dialect::corpus_texts::texts() {
            lines.extend(text.lines().map(|l| l.trim().to_string()));
        }
        let (mut notices, mut ends) = (0, 0);
        for t in &lines {
            assert_eq!(is_notice(t), notice.is_match(t), "notice: {t:?}");
            assert_eq!(
                starts_with_ignore_case(t.as_bytes(), RECEIVED_AT.as_bytes()),
                received_at.is_match(t),
                "received at: {t:?}"
            );
            assert_eq!(is_end_of_report(t), end_of_report.is_match(t), "end: {t:?}");
            notices += usize::from(notice.is_match(t));
            ends += usize::from(end_of_report.is_match(t));
        }
        assert!(notices > 500 && ends > 50, "{notices} notices, {ends} ends");
    }

    /// The recipient shapes read what the patterns they replaced read (the address and where
    /// the match ended), on every corpus line with an `@` and on made-up lines.
    #[test]
    fn recipient_shapes_are_the_old_patterns() {
        const ADDR: &str = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+";
        let old: Vec<Regex> = [
            r"^[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?<({a})>\.\.\.",
            r"^\s*<({a})>\s*(?::|\.\.\.|$)",
            r"^\s*\x22({a})\x22\s*:?\s*$",
            r"^\s*({a})\s*:?\s*$",
            r"^\s*({a})\s+(?:\[|<{a}>\s*$)",
            r"^\s*\*\s*({a})\s*$",
            r"^\s*({a})\s+on\s+\w",
            r"^\s*({a})\s*(?:\(|\.\.\.|:\s)",
            r"(?i)^\s*(?:recipient(?: address)?|original recipient|failed recipient|address|rcpt|e-?mail address|invalid recipient)s?\s*:\s*(?:rfc822;\s*)?<?({a})>?",
            r"^\s*({a})\s+(?:[A-Z][a-z]+ )?[A-Z][A-Za-z]+,",
            r"(?i)(?:delivering your mail to|message to|could not be delivered to|delivery to|not delivered to|undeliverable to|sent to|couldn't be delivered to|wasn't delivered to|failed to deliver to|delivery failed for|unable to deliver(?: your message)? to)\s*:?\s*<?({a})>?",
        ]
        .iter()
        .map(|p| crate::bounce::pattern(&p.replace("{a}", ADDR)))
        .collect();
        let by_regex = |line: &str| {
            old.iter().find_map(|re| {
                let c = re.captures(line)?;
                let addr = c.get(1)?;
                Some((addr.range(), c.get(0).map_or(addr.end(), |w| w.end())))
            })
        };
        let mut lines: Vec<String> = [
            "550 5.1.1 <a@b.example>... User unknown",
            "550-5.1.1234 <a@b.example>... User unknown",
            "550 5.1.1<a@b.example>... x",
            "450 <a@b.example>.. x",
            "  <a@b.example>",
            "<a@b.example> ...",
            "<a@b.example>  x",
            "\x0b<a@b.example>:",
            " \"a@b.example\" : ",
            "\"a@b.example\"x",
            "a@b.example:",
            "a@b.example ::",
            "a@b..example",
            "a@b.example.",
            "a@b.",
            "a@-.-",
            "a@b.example  [User unknown]",
            ">>> a@b.example <a@b.example>  ",
            "a@b.example <a@b.example> x",
            " *a@b.example",
            "a@b.example on Thu, 29 Apr 2010",
            "a@b.example on  _",
            "a@b.example On Thu",
            "a@b.example (generated from c@d.example)",
            "a@b.example...x",
            "a@b.example: x",
            "a@b.example:x",
            "Recipient Address: <a@b.example>",
            "recipients : rfc822; a@b.example",
            "Original-Recipient: rfc822;a@b.example",
            "E-mail addresses: a@b.example>",
            "email address:a@b.example",
            "addressS: a@b.example",
            "recipient address : RFC822;<a@b.example",
            "a@b.example Invalid Address, ERROR_CODE :550",
            "a@b.example Unknown, x",
            "a@b.example Mailbox Full Now, x",
            "a@b.example INVALID, x",
            "a@b.example Invalid address, x",
            "There was an error delivering your mail to <a@b.example>.",
            "Message to: a@b.example failed",
            "message to x, sent to a@b.example",
            "unable to deliver your message to a@b.example",
            "Unable to deliver to : <a@b.example>",
            "unable to deliver your message to x@@y unable to deliver to a@b.example",
            "couldn't be delivered to a@b.example",
            "DELIVERY FAILED FOR c@d.example",
            "x@y.z sent to",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            lines.extend(
                text.lines()
                    .map(|l| l.trim_start_matches(['>', ' ']).to_string())
                    .filter(|l| l.contains('@')),
            );
        }
        let summary_re = &old[0];
        let mut found = 0;
        for line in &lines {
            let expected = by_regex(line);
            assert_eq!(recipient_in_line(line), expected, "{line:?}");
            assert_eq!(
                summary(line.as_bytes()).is_some(),
                summary_re.is_match(line)
            );
            found += usize::from(expected.is_some());
        }
        assert!(found > 1000, "{found} recipient lines");
    }

    #[test]
    fn reply_start_is_the_old_pattern() {
        let old = &*OLD_REPLY_START;
        let mut texts = crate::bounce::smtp::tests::corpus_texts();
        for text in crate::bounce::dialect::corpus_texts::texts() {
            for paragraph in without_notices(&text).split("\n\n") {
                texts.push(smtp::clean_diagnostic(paragraph));
            }
        }
        for seed in [
            "550 5.1.1 user unknown",
            "said: 550-5.7.1 '#5.7.1 no",
            "x(421 4.4.2 timeout) [554 x] \"250 ok\" 5500 x552 \u{b}452-y",
            "host said:\t559 1.2.3 and 5.1.1 then\r\n450 busy",
        ] {
            texts.extend(crate::bounce::smtp::tests::variants(seed));
        }
        let mut found = 0;
        for text in &texts {
            let expected = old
                .captures(text)
                .map(|c| c.get(1).map_or(0, |m| m.start()));
            assert_eq!(reply_start(text), expected, "{text:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 5_000, "{found} texts with a reply");
    }

    /// `paragraphs` splits as `str::split("\n\n")` does, on every corpus text and on runs of
    /// line feeds and carriage returns at either end.
    #[test]
    fn paragraphs_are_str_split() {
        let mut texts = crate::bounce::dialect::corpus_texts::texts();
        for edge in [
            "",
            "\n",
            "\n\n",
            "\n\n\n",
            "\n\n\n\n\n",
            "a\n\nb",
            "a\n\n",
            "\n\na",
            "a\r\n\r\nb\n\n\nc",
            "a\n \nb",
            "\u{e9}\n\n\u{e9}",
        ] {
            texts.push(edge.to_string());
        }
        let mut breaks = 0;
        for text in &texts {
            let old: Vec<&str> = text.split("\n\n").collect();
            assert_eq!(paragraphs(text).collect::<Vec<_>>(), old, "{text:?}");
            breaks += old.len() - 1;
        }
        assert!(breaks > 5_000, "{breaks} paragraph breaks");
    }
}
