//! Reading an SMTP reply out of free text: the enhanced status code, the reply code, the server
//! that answered, the command it answered, and the sender's domain or IP address when the
//! receiver names them. Every pattern is a table entry, tried in order.

use std::net::IpAddr;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::dialect::{has, has_unicode_folds, literal};

/// The longest diagnostic kept, in bytes; receivers' replies are a few hundred.
const MAX_DIAGNOSTIC: usize = 2000;

fn re(pattern: &str) -> Regex {
    crate::bounce::pattern(pattern)
}

/// A reply code directly followed by an enhanced status code: the surest form. Read by
/// [`code_with_status_scan`]; the regex (Unicode `\w` and `\d`, costly to compile) only answers
/// where a non-ASCII character makes the scanner unsure.
static CODE_WITH_STATUS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:^|[^\w.])([245][0-5]\d)[ -]['\x22]?#?[245]\.\d{1,3}\.\d{1,3}"));

/// What a reply code can follow, after blank space, to count as one (ASCII case-insensitive):
/// `(?:said:?|error:?|reply:?|response:?|returned:?|was:|<<<|\(|\x22|')`. The start of the text
/// and a `smtp;` at a word boundary also introduce a code (see [`introduced_code`]).
const CODE_INTRODUCERS: [&str; 15] = [
    "said",
    "said:",
    "error",
    "error:",
    "reply",
    "reply:",
    "response",
    "response:",
    "returned",
    "returned:",
    "was:",
    "<<<",
    "(",
    "\"",
    "'",
];

/// The code of the earliest reply code introduced as one:
/// `(?i)(?:^|said:?|error:?|reply:?|response:?|returned:?|was:|<<<|\bsmtp;|\(|\x22|')\s*
/// ([245][0-5]\d)(?:[ -]|$)` (ASCII). No introducer holds a digit, so the introducer of a later
/// code starts after an earlier code: the first code introduced is the leftmost match.
fn introduced_code(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    memchr::memchr3_iter(b'2', b'4', b'5', bytes).find_map(|at| introduced_code_at(bytes, at))
}

/// The code of a reply code introduced as one (see [`introduced_code`]) at `at`.
fn introduced_code_at(bytes: &[u8], at: usize) -> Option<u16> {
    let code = reply_code_at(bytes, at)?;
    if !bytes.get(at + 3).is_none_or(|&b| b == b' ' || b == b'-') {
        return None;
    }
    let before = &bytes[..at - blank_before(bytes, at)];
    let introduced = before.is_empty()
        || CODE_INTRODUCERS.iter().any(|i| ends_with_ci(before, i))
        || (ends_with_ci(before, "smtp;")
            && (before.len() == 5 || !is_word(before[before.len() - 6])));
    introduced.then_some(code)
}

/// `[245][0-5]\d` (ASCII) at `at`: the code.
fn reply_code_at(bytes: &[u8], at: usize) -> Option<u16> {
    let code = bytes.get(at..at + 3)?;
    let ok = matches!(code[0], b'2' | b'4' | b'5')
        && matches!(code[1], b'0'..=b'5')
        && code[2].is_ascii_digit();
    ok.then(|| code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}

/// The length of the run of blank space (ASCII `\s`) that ends at `at`.
fn blank_before(bytes: &[u8], at: usize) -> usize {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|&&b| is_space(b))
        .count()
}

/// True when `bytes` ends with `literal`, ignoring ASCII case.
fn ends_with_ci(bytes: &[u8], literal: &str) -> bool {
    bytes.len() >= literal.len()
        && bytes[bytes.len() - literal.len()..].eq_ignore_ascii_case(literal.as_bytes())
}

/// The length of the run of ASCII digits from `at`, counted up to `max`.
fn digit_run(bytes: &[u8], at: usize, max: usize) -> usize {
    bytes[at.min(bytes.len())..]
        .iter()
        .take(max)
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// `\d{1,3}\.` (ASCII) from `at`: the index after the dot.
fn number_dot(bytes: &[u8], at: usize) -> Option<usize> {
    let n = digit_run(bytes, at, 4);
    ((1..=3).contains(&n) && bytes.get(at + n) == Some(&b'.')).then_some(at + n + 1)
}

/// An enhanced status code `[245]\.\d{1,3}\.\d{1,3}` (ASCII, digits taken greedily) at `at`:
/// the match's end.
fn status_at(bytes: &[u8], at: usize) -> Option<usize> {
    if !(matches!(bytes.get(at), Some(b'2' | b'4' | b'5')) && bytes.get(at + 1) == Some(&b'.')) {
        return None;
    }
    let detail = number_dot(bytes, at + 2)?;
    let n = digit_run(bytes, detail, 3);
    (n > 0).then_some(detail + n)
}

/// The spans of the enhanced status codes in `bytes`, leftmost first and not overlapping, as
/// `[245]\.\d{1,3}\.\d{1,3}` finds them; each is found by its first dot.
fn status_spans(bytes: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        loop {
            let dot = from + 1 + memchr::memchr(b'.', bytes.get(from + 1..)?)?;
            let start = dot - 1;
            if let Some(end) = status_at(bytes, start) {
                from = end;
                return Some(start..end);
            }
            from = dot;
        }
    })
}

/// The prefix `550-5.7.26 ` / `550 5.7.26 ` / `550-` at the start of a reply line:
/// `^([245]\d\d)[ -]((?:[245]\.\d{1,3}\.\d{1,3})(?:\s+|$))?` (ASCII). Gives the span of the
/// status when the prefix has one, and the prefix's end; the code is the first three bytes.
fn reply_prefix(line: &[u8]) -> Option<(Option<Range<usize>>, usize)> {
    let code = line.get(..4)?;
    let ok = matches!(code[0], b'2' | b'4' | b'5')
        && code[1].is_ascii_digit()
        && code[2].is_ascii_digit()
        && matches!(code[3], b' ' | b'-');
    if !ok {
        return None;
    }
    let status = status_at(line, 4).filter(|&end| line.get(end).is_none_or(|&b| is_space(b)));
    Some(match status {
        Some(end) => (Some(4..end), skip_space(line, end)),
        None => (None, 4),
    })
}

/// What a reply's text says about the server that gave it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub status: Option<String>,
    pub reply_code: Option<u16>,
    pub remote_host: Option<String>,
    pub remote_ip: Option<IpAddr>,
    /// One of the commands' names of [`COMMAND_WORDS`]: not copied until a recipient takes it.
    pub command: Option<&'static str>,
}

/// Unfolds a reply spread over lines: strips `>` quoting, drops the repeated `550-5.7.26 `
/// prefixes of a multi-line reply (keeping the first), and joins everything with single spaces,
/// blank space within lines collapsed too. Reading stops after the line that takes the lines
/// joined (blank space within them not yet collapsed) past [`MAX_DIAGNOSTIC`] bytes.
pub(crate) fn clean_diagnostic(text: &str) -> String {
    unfold(text, None)
}

/// Where one line of a text went in its unfolding, so that a run of lines can be taken from
/// the unfolded text instead of being unfolded again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineMark {
    /// The span of the line's words in the unfolded text (empty when it gave none).
    pub start: usize,
    pub end: usize,
    /// How many lines up to this one (itself included) began with a reply prefix: only the
    /// first of them keeps its prefix.
    pub prefixes: usize,
}

/// [`clean_diagnostic`], noting in `marks` where each line read went (one mark a line, as
/// [`super::scan::lines`] splits, up to the line reading stopped after).
pub(crate) fn clean_diagnostic_marked(text: &str, marks: &mut Vec<LineMark>) -> String {
    unfold(text, Some(marks))
}

/// [`clean_diagnostic`], with the lines' marks when asked for.
fn unfold(text: &str, mut marks: Option<&mut Vec<LineMark>>) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_DIAGNOSTIC + 1));
    let push_word = |out: &mut String, word: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    };
    // The length of the lines joined by single spaces, before blank space is collapsed.
    let mut joined_len = 0;
    let mut seen_prefix = false;
    let mut prefixes = 0;
    for line in super::scan::lines(text) {
        let before = out.len();
        let mut line = trim_start(line);
        while let Some(rest) = line.strip_prefix('>') {
            line = trim_start(rest);
        }
        let line = trim_end(line);
        // The line is trimmed already: only what follows a prefix may need it.
        let mut body = line;
        if let Some((status, whole)) = reply_prefix(line.as_bytes()) {
            prefixes += 1;
            if !seen_prefix {
                seen_prefix = true;
                for word in std::iter::once(0..3).chain(status) {
                    joined_len += usize::from(joined_len > 0) + word.len();
                    push_word(&mut out, &line[word]);
                }
            }
            body = trim(&line[whole..]);
        }
        let stop = !body.is_empty() && {
            joined_len += usize::from(joined_len > 0) + body.len();
            push_words(&mut out, body);
            joined_len > MAX_DIAGNOSTIC
        };
        if let Some(marks) = marks.as_deref_mut() {
            let start = if out.len() > before {
                before + usize::from(before > 0)
            } else {
                before
            };
            marks.push(LineMark {
                start,
                end: out.len(),
                prefixes,
            });
        }
        if stop {
            break;
        }
    }
    out.truncate(out.floor_char_boundary(MAX_DIAGNOSTIC));
    out
}

/// Appends the words of `body`, text without blank space at its ends, to `out`, each after a
/// single space (none before the first of `out`): blank space collapsed. Most lines are ASCII
/// with single spaces between words, copied whole.
fn push_words(out: &mut String, body: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    if !unusual(body.as_bytes()) {
        out.push_str(body);
    } else if body.is_ascii() {
        push_ascii_words(out, body);
    } else {
        let mut words = body.split_whitespace();
        out.push_str(words.next().unwrap_or_default());
        for word in words {
            out.push(' ');
            out.push_str(word);
        }
    }
}

/// A byte that is not ASCII, or ASCII blank space other than the space.
#[inline(always)]
fn odd(b: u8) -> bool {
    (b >= 0x80) | (b.wrapping_sub(b'\t') < 5)
}

/// Whether `b`, text without blank space at its ends, holds a byte that is not ASCII, blank
/// space other than the space, or two spaces in a row: text [`push_words`] cannot copy whole.
/// The pairs of neighbouring bytes are looked at 16 at a time without a branch among them (a
/// byte's loop runs some 6 instructions a byte, and lines run to 60 bytes and more); the last
/// 16 overlap the ones before, which a yes-or-no answer allows.
#[inline]
fn unusual(b: &[u8]) -> bool {
    let Some(&first) = b.first() else {
        return false;
    };
    if odd(first) {
        return true;
    }
    let n = b.len() - 1;
    if n < LANES {
        return b.iter().zip(&b[1..]).fold(false, |any, (&x, &y)| {
            any | odd(y) | ((x == b' ') & (y == b' '))
        });
    }
    let lanes = |at: usize| -> (&[u8; LANES], &[u8; LANES]) {
        let x = b[at..at + LANES].try_into().expect("16 bytes");
        let y = b[at + 1..at + 1 + LANES].try_into().expect("16 bytes");
        (x, y)
    };
    let mut at = 0;
    while at + LANES < n {
        let (x, y) = lanes(at);
        if pairs(x, y) {
            return true;
        }
        at += LANES;
    }
    let (x, y) = lanes(n - LANES);
    pairs(x, y)
}

/// How many pairs of bytes [`unusual`] looks at together.
const LANES: usize = 16;

/// Whether a byte of `y` is odd or a space follows a space of `x` at its place in `y`.
#[inline(always)]
fn pairs(x: &[u8; LANES], y: &[u8; LANES]) -> bool {
    let mut any = 0u8;
    for i in 0..LANES {
        any |= u8::from(odd(y[i]) | ((x[i] == b' ') & (y[i] == b' ')));
    }
    any != 0
}

/// [`unusual`] as it was: one byte at a time.
#[cfg(test)]
fn old_unusual(b: &[u8]) -> bool {
    b.first().is_some_and(|&b| odd(b))
        | b.iter().zip(b.iter().skip(1)).fold(false, |any, (&x, &y)| {
            any | odd(y) | ((x == b' ') & (y == b' '))
        })
}

/// [`push_words`] for ASCII text: blank space (ASCII `\s`, which is all the ASCII white space)
/// collapsed, by bytes.
fn push_ascii_words(out: &mut String, body: &str) {
    let bytes = body.as_bytes();
    let mut word_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if is_space(bytes[i]) {
            out.push_str(&body[word_start..i]);
            out.push(' ');
            i = skip_space(bytes, i);
            word_start = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&body[word_start..]);
}

/// [`str::trim_start`], with the ASCII white space (most of it) skipped by bytes.
#[inline]
fn trim_start(s: &str) -> &str {
    let rest = &s[skip_space(s.as_bytes(), 0)..];
    if rest.as_bytes().first().is_some_and(|&b| b >= 0x80) {
        rest.trim_start()
    } else {
        rest
    }
}

/// [`str::trim_end`], with the ASCII white space (most of it) skipped by bytes.
#[inline]
pub(crate) fn trim_end(s: &str) -> &str {
    let b = s.as_bytes();
    let end = b.len() - b.iter().rev().take_while(|&&b| is_space(b)).count();
    let rest = &s[..end];
    if end > 0 && b[end - 1] >= 0x80 {
        rest.trim_end()
    } else {
        rest
    }
}

/// [`str::trim`], with the ASCII white space (most of it) skipped by bytes.
pub(crate) fn trim(s: &str) -> &str {
    trim_end(trim_start(s))
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    s[..s.floor_char_boundary(max)].to_string()
}

/// The enhanced status codes of `text` (RFC 3463 `class.subject.detail`), in order, skipping
/// ones that are part of a longer dotted number such as an IP address or a version.
pub(crate) fn statuses(text: &str) -> Vec<String> {
    status_matches(text.as_bytes())
        .take(20)
        .map(|m| text[m].to_string())
        .collect()
}

/// True when `text` holds an enhanced status code (one [`statuses`] would list).
pub(crate) fn has_status(text: &str) -> bool {
    status_matches(text.as_bytes()).next().is_some()
}

/// The spans of the enhanced status codes [`statuses`] lists, in order.
fn status_matches(bytes: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    status_spans(bytes).filter(|m| {
        let before = m.start.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(m.end).copied();
        let after2 = bytes.get(m.end + 1).copied();
        !(before.is_some_and(|b| b.is_ascii_digit() || b == b'.' || b.is_ascii_alphabetic())
            || after.is_some_and(|b| b.is_ascii_digit() || b.is_ascii_alphabetic())
            || (after == Some(b'.') && after2.is_some_and(|b| b.is_ascii_digit())))
    })
}

/// The best status of `text`: the first specific one, else the first `x.0.0`.
pub(crate) fn best_status(text: &str) -> Option<String> {
    // Among the first 20, as [`statuses`] lists them; only the one given is copied.
    let mut first = None;
    for m in status_matches(text.as_bytes()).take(20) {
        if !text[m.clone()].ends_with(".0.0") {
            return Some(text[m].to_string());
        }
        first.get_or_insert(m);
    }
    first.map(|m| text[m].to_string())
}

/// The SMTP reply code of `text`, preferring one followed by an enhanced status code.
pub(crate) fn reply_code(text: &str) -> Option<u16> {
    // One pass over the digits for both readings: the first introduced code is noted while
    // the scanner looks for a code with a status.
    let bytes = text.as_bytes();
    let mut introduced = None;
    let note = |at: usize| {
        if introduced.is_none() {
            introduced = introduced_code_at(bytes, at);
        }
    };
    match code_with_status_scan(text, note) {
        Ok(Some(code)) => Some(code),
        Ok(None) => introduced,
        Err(Unsure) => CODE_WITH_STATUS
            .captures(text)
            .and_then(|c| c[1].parse().ok())
            .or_else(|| introduced_code(text)),
    }
}

/// [`reply_code`] as it was: the code with a status, else the first introduced code, each
/// found by its own pass.
#[cfg(test)]
fn old_reply_code(text: &str) -> Option<u16> {
    if let Some(code) = code_with_status(text) {
        return Some(code);
    }
    introduced_code(text)
}

/// The code of the first [`CODE_WITH_STATUS`] match, when it parses: read by
/// [`code_with_status_scan`], by the regex only where the scanner is unsure.
#[cfg(test)]
fn code_with_status(text: &str) -> Option<u16> {
    match code_with_status_scan(text, |_| ()) {
        Ok(code) => code,
        Err(Unsure) => CODE_WITH_STATUS.captures(text)?[1].parse().ok(),
    }
}

/// A scanner cannot tell without the regex: a non-ASCII character stands where the pattern's
/// Unicode `\w` or `\d` looks.
#[derive(Debug, PartialEq, Eq)]
struct Unsure;

/// [`CODE_WITH_STATUS`] by hand: the code of the first reply code at the start or after a
/// character that is neither a word character nor a dot, followed by `[ -]['"]?#?` and a status
/// code. Unsure when a non-ASCII character precedes a code that fits, or when a numeric one
/// stands where a digit could. Every other place of a `2`, `4` or `5` looked at on the way is
/// given to `passed`, in order.
fn code_with_status_scan(text: &str, mut passed: impl FnMut(usize)) -> Result<Option<u16>, Unsure> {
    let bytes = text.as_bytes();
    // `\d` at `i`, which follows an ASCII byte (so starts a character).
    let digit = |i: usize| match bytes.get(i) {
        Some(b) if b.is_ascii() => Ok(b.is_ascii_digit()),
        Some(_) if text[i..].chars().next().is_some_and(char::is_numeric) => Err(Unsure),
        _ => Ok(false),
    };
    // `\d{1,3}\.` from `i`: the index after the dot. A digit run cut by a non-ASCII digit
    // might still fit.
    let number_then_dot = |i: usize| {
        let n = digit_run(bytes, i, 4);
        if n < 4 {
            digit(i + n)?;
        }
        Ok(number_dot(bytes, i))
    };
    let fits = |q: usize| -> Result<bool, Unsure> {
        if !(matches!(bytes.get(q + 1), Some(b'0'..=b'5')) && digit(q + 2)?) {
            return Ok(false);
        }
        if !matches!(bytes.get(q + 3), Some(b' ' | b'-')) {
            return Ok(false);
        }
        let mut i = q + 4;
        if matches!(bytes.get(i), Some(b'\'' | b'"')) {
            i += 1;
        }
        if bytes.get(i) == Some(&b'#') {
            i += 1;
        }
        if !(matches!(bytes.get(i), Some(b'2' | b'4' | b'5')) && bytes.get(i + 1) == Some(&b'.')) {
            return Ok(false);
        }
        match number_then_dot(i + 2)? {
            Some(j) => digit(j),
            None => Ok(false),
        }
    };
    for q in memchr::memchr3_iter(b'2', b'4', b'5', bytes) {
        if !fits(q)? {
            passed(q);
            continue;
        }
        let after_boundary = match q.checked_sub(1).map(|p| bytes[p]) {
            None => true,
            Some(b) if b.is_ascii() => !(is_word(b) || b == b'.'),
            Some(_) => return Err(Unsure),
        };
        if after_boundary {
            return Ok(reply_code_at(bytes, q));
        }
        passed(q);
    }
    Ok(None)
}

/// Where a reply names the server that gave it: the spans of its name and of its address, each
/// when the place has it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RemoteMatch {
    host: Option<Range<usize>>,
    ip: Option<Range<usize>>,
}

/// Reads the place naming the answering server that starts at `at`, where its scanner's
/// anchor (see [`REMOTE_ANCHORS`]) is, in `text`.
type RemoteScanner = fn(text: &[u8], at: usize) -> Option<RemoteMatch>;

/// The literals (lower case) at which the places naming the answering server start. The first
/// [`PASSED_ANCHORS`] are found by the search for the commands' names (see [`command_in`]),
/// which passes over every text anyway; `[` and `by` have a search each, since one- and
/// two-byte literals would make that packed search stop at most bytes.
const REMOTE_ANCHORS: [&str; 5] = ["host", "remote ", "while talking to ", "[", "by"];

/// How many of [`REMOTE_ANCHORS`] the commands' search finds.
const PASSED_ANCHORS: usize = 3;

/// [`REMOTE_ANCHORS`] as searchers.
static REMOTE_FINDERS: LazyLock<[memchr::memmem::Finder<'static>; 5]> =
    LazyLock::new(|| REMOTE_ANCHORS.map(memchr::memmem::Finder::new));

/// Where the answering server is named, in order, each with its anchor (an index into
/// [`REMOTE_ANCHORS`]); each scanner reads an ASCII pattern at its anchor's places, and the
/// leftmost place it reads counts (see the tests for them).
const REMOTE_SCANNERS: [(RemoteScanner, usize); 6] = [
    // Postfix: "host mx.example.net[198.51.100.9] said:"
    (postfix_host, 0),
    // Exim, DragonFly, Gmail: "mx.example.net [198.51.100.9]", "by mx.example.jp. [192.0.2.1]"
    (name_before_address, 3),
    // qmail: "remote host 192.0.2.32 said:"
    (remote_host_said, 1),
    // "... the server for the recipient domain example.jp by mx.example.jp."
    (by_name, 4),
    // Sendmail: "<<< 550 ..." after "... while talking to mx.example.net.:"
    (while_talking_to, 2),
    // Office 365: "Remote Server returned '...'", "Remote server: mx.example.net"
    (remote_server_name, 1),
];

/// How many places of one anchor [`Seen`] keeps; texts rarely hold more.
const SEEN: usize = 4;

/// The places of one of the [`PASSED_ANCHORS`] that the commands' search saw: the first
/// [`SEEN`], and how many there are.
#[derive(Clone, Copy, Default)]
struct Seen {
    at: [usize; SEEN],
    count: usize,
}

impl Seen {
    fn push(&mut self, at: usize) {
        if let Some(slot) = self.at.get_mut(self.count) {
            *slot = at;
        }
        self.count += 1;
    }
}

/// Every place of anchor `anchor` in `lower`, in order: those `seen` keeps, then those searched
/// for past them (an anchor not passed is searched for from the start).
fn anchor_places<'a>(
    anchor: usize,
    seen: &'a [Seen; PASSED_ANCHORS],
    lower: &'a str,
) -> impl Iterator<Item = usize> + 'a {
    let (kept, from): (&[usize], Option<usize>) = match seen.get(anchor) {
        Some(s) => (
            &s.at[..s.count.min(SEEN)],
            (s.count > SEEN).then(|| s.at[SEEN - 1] + 1),
        ),
        None => (&[], Some(0)),
    };
    let finder = &REMOTE_FINDERS[anchor];
    kept.iter().copied().chain(
        from.into_iter()
            .flat_map(move |f| occurrences(lower, f, finder)),
    )
}

/// A byte of `[a-z0-9.-]` (case-insensitive).
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

/// A byte of `[a-z0-9-]` (case-insensitive).
fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// The end of the run of bytes `keep` accepts from `at`.
fn run_end(bytes: &[u8], at: usize, keep: fn(u8) -> bool) -> usize {
    at + bytes[at.min(bytes.len())..]
        .iter()
        .take_while(|&&b| keep(b))
        .count()
}

/// The run `bytes[start..end]` of name bytes read as `([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?`: the
/// name without its one trailing dot, when it has two labels or more and none empty.
fn dotted_name(bytes: &[u8], start: usize, end: usize) -> Option<Range<usize>> {
    let end = if end > start && bytes[end - 1] == b'.' {
        end - 1
    } else {
        end
    };
    let name = &bytes[start..end];
    let labels = name.split(|&b| b == b'.');
    let ok = name.contains(&b'.') && labels.clone().all(|l| !l.is_empty());
    ok.then_some(start..end)
}

/// `\[([0-9a-f:.]+)\]` at `at`: the address's span.
fn bracketed_address(bytes: &[u8], at: usize) -> Option<Range<usize>> {
    if bytes.get(at) != Some(&b'[') {
        return None;
    }
    let end = ip_run_end(bytes, at + 1);
    (end > at + 1 && bytes.get(end) == Some(&b']')).then_some(at + 1..end)
}

/// `(?i)\bhost\s+([a-z0-9][a-z0-9.-]*)\s*\[([0-9a-f:.]+)\]`.
fn postfix_host(bytes: &[u8], at: usize) -> Option<RemoteMatch> {
    if at > 0 && is_word(bytes[at - 1]) {
        return None;
    }
    let start = skip_space(bytes, at + 4);
    if start == at + 4 || !bytes.get(start).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let end = run_end(bytes, start, is_name_byte);
    let ip = bracketed_address(bytes, skip_space(bytes, end))?;
    Some(RemoteMatch {
        host: Some(start..end),
        ip: Some(ip),
    })
}

/// `(?i)\b([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)\.?\s*\[([0-9a-f:.]+)\]`, read at its `[`: the
/// name is the end of the run of name bytes before the blank space, starting at a word
/// boundary; matches read at later brackets start later.
fn name_before_address(bytes: &[u8], at: usize) -> Option<RemoteMatch> {
    let ip = bracketed_address(bytes, at)?;
    let end = at
        - bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| is_space(b))
            .count();
    let run = end
        - bytes[..end]
            .iter()
            .rev()
            .take_while(|&&b| is_name_byte(b))
            .count();
    let host = (run..end).find_map(|start| {
        let at_boundary = start == 0 || !is_word(bytes[start - 1]);
        let starts_name = bytes[start].is_ascii_alphanumeric();
        (at_boundary && starts_name)
            .then(|| dotted_name(bytes, start, end))
            .flatten()
    })?;
    Some(RemoteMatch {
        host: Some(host),
        ip: Some(ip),
    })
}

/// `(?i)remote (?:host|server) \[?([0-9a-f:.]+)\]? said`.
fn remote_host_said(bytes: &[u8], at: usize) -> Option<RemoteMatch> {
    let p = at + "remote ".len();
    let p = p + ["host ", "server "]
        .iter()
        .find(|w| starts_with_ci(bytes, p, w))?
        .len();
    let start = p + usize::from(bytes.get(p) == Some(&b'['));
    let end = ip_run_end(bytes, start);
    let q = end + usize::from(bytes.get(end) == Some(&b']'));
    (end > start && starts_with_ci(bytes, q, " said")).then_some(RemoteMatch {
        host: None,
        ip: Some(start..end),
    })
}

/// `(?i)\bby\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?\s`.
fn by_name(bytes: &[u8], at: usize) -> Option<RemoteMatch> {
    if at > 0 && is_word(bytes[at - 1]) {
        return None;
    }
    let start = skip_space(bytes, at + 2);
    let end = run_end(bytes, start, is_name_byte);
    if start == at + 2 || !bytes.get(end).is_some_and(|&b| is_space(b)) {
        return None;
    }
    let host = dotted_name(bytes, start, end)?;
    Some(RemoteMatch {
        host: Some(host),
        ip: None,
    })
}

/// `(?i)while talking to ([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?:`.
fn while_talking_to(bytes: &[u8], at: usize) -> Option<RemoteMatch> {
    let start = at + "while talking to ".len();
    let end = run_end(bytes, start, is_name_byte);
    if bytes.get(end) != Some(&b':') {
        return None;
    }
    let host = dotted_name(bytes, start, end)?;
    Some(RemoteMatch {
        host: Some(host),
        ip: None,
    })
}

/// `(?i)remote server:?\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)`, read at its `remote `: the name
/// runs over as many dotted labels as follow.
fn remote_server_name(bytes: &[u8], at: usize) -> Option<RemoteMatch> {
    let p = at + "remote ".len();
    if !starts_with_ci(bytes, p, "server") {
        return None;
    }
    let p = p + "server".len();
    let p = p + usize::from(bytes.get(p) == Some(&b':'));
    let start = skip_space(bytes, p);
    let mut end = run_end(bytes, start, is_label_byte);
    if start == p || end == start {
        return None;
    }
    let mut labels = 1;
    while bytes.get(end) == Some(&b'.') {
        let next = run_end(bytes, end + 1, is_label_byte);
        if next == end + 1 {
            break;
        }
        end = next;
        labels += 1;
    }
    (labels >= 2).then_some(RemoteMatch {
        host: Some(start..end),
        ip: None,
    })
}

/// The leftmost place scanner `n` of [`REMOTE_SCANNERS`] reads in `text`, its anchor searched
/// for on its own (as [`read_server_and_command`] did before the commands' search found it).
#[cfg(test)]
fn remote_scan(n: usize, text: &str, lower: &str) -> Option<RemoteMatch> {
    let (scan, anchor) = REMOTE_SCANNERS[n];
    occurrences(lower, 0, &REMOTE_FINDERS[anchor]).find_map(|at| scan(text.as_bytes(), at))
}

/// The SMTP commands as replies name them (case-insensitively, except in brackets), with the
/// command each stands for, in order of preference when two are named at the same place.
const COMMAND_WORDS: [(&[&str], &str); 7] = [
    (&["RCPT TO", "RCPT_TO", "RCPT"], "RCPT"),
    (&["MAIL FROM", "MAIL_FROM", "MAIL"], "MAIL"),
    (
        &["end of DATA", "final DATA", "end of data", "DATA"],
        "DATA",
    ),
    (&["EHLO"], "EHLO"),
    (&["HELO"], "HELO"),
    (&["STARTTLS"], "STARTTLS"),
    // Exim: "SMTP error from remote mail server after initial connection:"
    (&["initial connection"], "CONN"),
];

/// How a reply names the command it answered, in order of preference when two shapes name
/// commands at the same place; each is found by its literal (see [`COMMAND_LITERALS`]).
#[derive(Clone, Copy)]
enum CommandShape {
    /// Postfix: `in reply to RCPT TO command`.
    InReplyTo,
    /// `after RCPT TO`, from a word boundary to a word boundary.
    After,
    /// `did not like our RCPT TO`.
    DidNotLikeOur,
    /// `most progress was RCPT TO response`.
    MostProgressWas,
    /// `[RCPT TO]`, the words in their exact case.
    Bracketed,
    /// A transcript line `>>> RCPT TO:<...>`, maybe after blank space and lines.
    Transcript,
    /// `for RCPT TO response`, from a word boundary.
    ForResponse,
    /// Exim: `SMTP error from remote (mail )server after|for RCPT TO`, at the start or after
    /// blank space (which the place starts at).
    EximError,
}

/// The literal that starts each shape, in the order of [`CommandShape`]; qmail's `does not
/// like recipient` / `does not like sender` come after every shape and command.
const COMMAND_LITERALS: [&str; 9] = [
    "in reply to ",
    "after ",
    "did not like our ",
    "most progress was ",
    "[",
    ">>>",
    "for ",
    "smtp error from remote ",
    "does not like ",
];

const COMMAND_SHAPES: [CommandShape; 8] = [
    CommandShape::InReplyTo,
    CommandShape::After,
    CommandShape::DidNotLikeOur,
    CommandShape::MostProgressWas,
    CommandShape::Bracketed,
    CommandShape::Transcript,
    CommandShape::ForResponse,
    CommandShape::EximError,
];

/// `\s` of an ASCII regex: space, tab, line feed, vertical tab, form feed, carriage return.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `\w` of an ASCII regex.
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// True when `bytes[at..]` starts with `literal`, ignoring ASCII case.
fn starts_with_ci(bytes: &[u8], at: usize, literal: &str) -> bool {
    bytes
        .get(at..at + literal.len())
        .is_some_and(|b| b.eq_ignore_ascii_case(literal.as_bytes()))
}

/// Where a command named in `words` ends at `at`, for each way of naming it that fits.
fn command_word_ends<'a>(
    bytes: &'a [u8],
    at: usize,
    words: &'a [&'a str],
    exact_case: bool,
) -> impl Iterator<Item = usize> + 'a {
    words.iter().filter_map(move |w| {
        let fits = if exact_case {
            bytes.get(at..at + w.len()) == Some(w.as_bytes())
        } else {
            starts_with_ci(bytes, at, w)
        };
        fits.then_some(at + w.len())
    })
}

/// Where a reply in `shape` whose literal starts at `hit` begins, and the first command (index
/// into [`COMMAND_WORDS`]) it names; `None` when the text there is not that shape.
fn command_at(
    bytes: &[u8],
    shape: CommandShape,
    hit: usize,
    literal: &str,
) -> Option<(usize, usize)> {
    let after_literal = hit + literal.len();
    let boundary_before = hit == 0 || !is_word(bytes[hit - 1]);
    let (start, words_at) = match shape {
        CommandShape::After | CommandShape::ForResponse if !boundary_before => return None,
        CommandShape::Transcript => {
            let blank = blank_before(bytes, hit);
            let run = hit - blank;
            let line_start = if run == 0 {
                0
            } else {
                run + bytes[run..hit].iter().position(|&b| b == b'\n')? + 1
            };
            let blank_after = bytes[after_literal..]
                .iter()
                .take_while(|&&b| is_space(b))
                .count();
            (line_start, after_literal + blank_after)
        }
        CommandShape::EximError => {
            let start = match hit {
                0 => 0,
                _ if is_space(bytes[hit - 1]) => hit - 1,
                _ => return None,
            };
            let server = ["mail server ", "server "]
                .iter()
                .find(|s| starts_with_ci(bytes, after_literal, s))?;
            let at = after_literal + server.len();
            let verb = ["after ", "for "]
                .iter()
                .find(|v| starts_with_ci(bytes, at, v))?;
            (start, at + verb.len())
        }
        _ => (hit, after_literal),
    };
    let exact_case = matches!(shape, CommandShape::Bracketed);
    let index = COMMAND_WORDS.iter().position(|(words, _)| {
        command_word_ends(bytes, words_at, words, exact_case).any(|end| match shape {
            CommandShape::After => bytes.get(end).is_none_or(|&b| !is_word(b)),
            CommandShape::MostProgressWas | CommandShape::ForResponse => {
                starts_with_ci(bytes, end, " response")
            }
            CommandShape::Bracketed => bytes.get(end) == Some(&b']'),
            _ => true,
        })
    })?;
    Some((start, index))
}

/// The beginnings of the commands' names (lower case): `end of DATA` and `final DATA` are
/// found by their `data`. With qmail's `does not like `, every place a shape names a command
/// is found from one of these, by the literal that ends where the name begins. None of them
/// starts inside another's match but `starttls` in `starttlstarttls`, where no literal ends.
const COMMAND_STARTS: [&str; 8] = [
    "rcpt",
    "mail",
    "data",
    "ehlo",
    "helo",
    "starttls",
    "initial connection",
    "does not like ",
];

/// Where the name of the command found at `at` may begin: there, or (for `data`) where
/// `end of ` or `final ` begins before it.
fn command_name_starts(lower: &[u8], at: usize, start: usize) -> impl Iterator<Item = usize> {
    let data = COMMAND_STARTS[start] == "data";
    let before = move |p: &str| {
        let from = at.checked_sub(p.len())?;
        (data && lower[from..at] == *p.as_bytes()).then_some(from)
    };
    std::iter::once(at)
        .chain(before("end of "))
        .chain(before("final "))
}

/// Where a literal of each shape that could name a command at `at` starts: the literal that
/// ends there (for a transcript, before the blank space; for Exim, before its server and verb).
fn shape_hits(lower: &[u8], at: usize, shape: CommandShape) -> Option<usize> {
    let literal = COMMAND_LITERALS[shape as usize];
    let ends_at = |end: usize, p: &str| {
        let from = end.checked_sub(p.len())?;
        (lower[from..end] == *p.as_bytes()).then_some(from)
    };
    match shape {
        CommandShape::Transcript => {
            let blank = blank_before(lower, at);
            ends_at(at - blank, literal)
        }
        CommandShape::EximError => {
            let verb = ["after ", "for "].iter().find_map(|v| ends_at(at, v))?;
            ["mail server ", "server "]
                .iter()
                .filter_map(|s| ends_at(verb, s))
                .find_map(|server| ends_at(server, literal))
        }
        _ => ends_at(at, literal),
    }
}

/// The command the earliest command-naming shape in `text` names; at one place, the command
/// listed first in [`COMMAND_WORDS`] and then the shape listed first win, and qmail's
/// `does not like` comes last. `lower` is `text` ASCII lower-cased. Found from the commands'
/// names rather than from the shapes' literals (`for `, `[`), which stand in most texts many
/// times over. The same search notes in `seen` the places of the first [`PASSED_ANCHORS`] of
/// [`REMOTE_ANCHORS`], restarting one byte on from each: none starts inside a command's name
/// (a test holds this), so it finds them all, and it finds the same names as without them.
fn command_in(text: &str, lower: &str, seen: &mut [Seen; PASSED_ANCHORS]) -> Option<&'static str> {
    static STARTS: LazyLock<PackedLiterals> = LazyLock::new(|| {
        let passed = &REMOTE_ANCHORS[..PASSED_ANCHORS];
        let literals: Vec<&str> = COMMAND_STARTS.iter().chain(passed).copied().collect();
        PackedLiterals::new(&literals)
    });
    let bytes = text.as_bytes();
    let low = lower.as_bytes();
    let qmail_rank = COMMAND_WORDS.len() * COMMAND_SHAPES.len();
    let mut best: Option<(usize, usize, &'static str)> = None;
    let mut consider = |f: (usize, usize, &'static str)| {
        if best.is_none_or(|b| (f.0, f.1) < (b.0, b.1)) {
            best = Some(f);
        }
    };
    let mut from = 0;
    while let Some((start, at)) = STARTS.find(lower, from) {
        if let Some(anchor) = start.checked_sub(COMMAND_STARTS.len()) {
            seen[anchor].push(at);
            from = at + 1;
            continue;
        }
        from = at + COMMAND_STARTS[start].len();
        if start == COMMAND_STARTS.len() - 1 {
            if starts_with_ci(bytes, from, "recipient") {
                consider((at, qmail_rank, "RCPT"));
            } else if starts_with_ci(bytes, from, "sender") {
                consider((at, qmail_rank + 1, "MAIL"));
            }
            continue;
        }
        for name_at in command_name_starts(low, at, start) {
            for (id, &shape) in COMMAND_SHAPES.iter().enumerate() {
                let Some(hit) = shape_hits(low, name_at, shape) else {
                    continue;
                };
                if let Some((start, word)) = command_at(bytes, shape, hit, COMMAND_LITERALS[id]) {
                    consider((
                        start,
                        word * COMMAND_SHAPES.len() + id,
                        COMMAND_WORDS[word].1,
                    ));
                }
            }
        }
    }
    best.map(|(_, _, name)| name)
}

/// [`command_in`] as it was: every shape's literal found, overlapping, and read on from there.
#[cfg(test)]
fn old_command_in(text: &str) -> Option<&'static str> {
    /// [`COMMAND_LITERALS`] found case-insensitively, overlapping (a shape's literal may hold
    /// another's, as `... server for RCPT` holds `for `).
    static COMMAND_FINDER: LazyLock<aho_corasick::AhoCorasick> = LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(COMMAND_LITERALS)
            .expect("valid literals")
    });
    let bytes = text.as_bytes();
    let qmail_rank = COMMAND_WORDS.len() * COMMAND_SHAPES.len();
    let mut best: Option<(usize, usize, &'static str)> = None;
    for hit in COMMAND_FINDER.find_overlapping_iter(text) {
        let id = hit.pattern().as_usize();
        let literal = COMMAND_LITERALS[id];
        let found = match COMMAND_SHAPES.get(id) {
            Some(&shape) => command_at(bytes, shape, hit.start(), literal).map(|(start, word)| {
                let rank = word * COMMAND_SHAPES.len() + id;
                (start, rank, COMMAND_WORDS[word].1)
            }),
            None => {
                let end = hit.end();
                if starts_with_ci(bytes, end, "recipient") {
                    Some((hit.start(), qmail_rank, "RCPT"))
                } else if starts_with_ci(bytes, end, "sender") {
                    Some((hit.start(), qmail_rank + 1, "MAIL"))
                } else {
                    None
                }
            }
        };
        if let Some(f) = found
            && best.is_none_or(|b| (f.0, f.1) < (b.0, b.1))
        {
            best = Some(f);
        }
    }
    best.map(|(_, _, name)| name)
}

/// Reads status and reply code from a reply's text: the part of the test-only `read_reply`
/// that needs no search for the server or the command.
pub(crate) fn read_codes(text: &str) -> Reply {
    Reply {
        status: best_status(text),
        reply_code: reply_code(text),
        ..Reply::default()
    }
}

/// Reads status, reply code, remote server and command from a reply's text.
#[cfg(test)]
pub(crate) fn read_reply(text: &str) -> Reply {
    read_server_and_command(text, read_codes(text))
}

/// Reads the remote server and the command from a reply's text into `reply`: the part of the
/// test-only `read_reply` that a reader wanting no codes needs.
pub(crate) fn read_server_and_command(text: &str, mut reply: Reply) -> Reply {
    let lower = text.to_ascii_lowercase();
    let mut seen = [Seen::default(); PASSED_ANCHORS];
    reply.command = command_in(text, &lower, &mut seen);
    let bytes = text.as_bytes();
    let found = REMOTE_SCANNERS
        .iter()
        .map(|&(scan, anchor)| anchor_places(anchor, &seen, &lower).find_map(|at| scan(bytes, at)));
    read_remote(text, found, &mut reply);
    reply
}

/// The command a session transcript shows the first refusal answering: the last `>>> CMD`
/// line before the first `<<< 4xx` or `<<< 5xx` line, else the last `>>> CMD` line (Sendmail:
/// "... while talking to mx.example.net.:", `>>> DATA`, `<<< 550 5.1.1 User unknown`). Read
/// from the lines as written: unfolding strips their `>` marks as quoting.
pub(crate) fn transcript_command(text: &str) -> Option<&'static str> {
    memchr::memmem::find(text.as_bytes(), b">>>")?;
    let mut last = None;
    for line in super::scan::lines(text) {
        let line = trim_start(line).as_bytes();
        if let Some(sent) = line.strip_prefix(b">>>") {
            let at = skip_space(sent, 0);
            if let Some((_, command)) = COMMAND_WORDS
                .iter()
                .find(|(words, _)| words.iter().any(|w| starts_with_ci(sent, at, w)))
            {
                last = Some(*command);
            }
        } else if let Some(answer) = line.strip_prefix(b"<<<") {
            let at = skip_space(answer, 0);
            if last.is_some() && matches!(answer.get(at), Some(b'4' | b'5')) {
                break;
            }
        }
    }
    last
}

/// Puts into `reply` the first of the places `found` (one per scanner, in order) whose server
/// reads: one with an address that parses, or a name with a dot that is not an address.
fn read_remote(text: &str, found: impl Iterator<Item = Option<RemoteMatch>>, reply: &mut Reply) {
    for found in found.flatten() {
        let found_host = found.host.map(|r| &text[r]);
        let found_ip = found
            .ip
            .as_ref()
            .and_then(|r| text[r.clone()].parse::<IpAddr>().ok());
        if found.ip.is_some() && found_ip.is_none() {
            continue;
        }
        if let Some(h) = found_host {
            if h.parse::<IpAddr>().is_ok() || !h.contains('.') {
                if found_ip.is_none() {
                    continue;
                }
            } else {
                reply.remote_host = Some(h.trim_end_matches('.').to_ascii_lowercase());
            }
        }
        reply.remote_ip = found_ip;
        break;
    }
}

/// [`read_server_and_command`] as it was: each scanner's anchor and the commands' names each
/// searched for on their own.
#[cfg(test)]
fn old_read_server_and_command(text: &str, mut reply: Reply) -> Reply {
    let lower = text.to_ascii_lowercase();
    let found = (0..REMOTE_SCANNERS.len()).map(|n| remote_scan(n, text, &lower));
    read_remote(text, found, &mut reply);
    reply.command = old_command_in(text);
    reply
}

/// True for an address worth naming as the sender's: not private, loopback, link-local,
/// multicast or unspecified. Documentation ranges count as usable (examples use them).
/// The check stage applies the same rule to a resolved reporting-server address.
pub fn is_usable_ip(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.octets()[0] == 0
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_usable_ip(&IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xffc0) == 0xfe80
                || (seg[0] & 0xfe00) == 0xfc00)
        }
    }
}

/// Parses an IP address as bounces write it: bracketed, with an `IPv6:` tag, or a trailing dot.
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s
        .trim()
        .trim_matches(['[', ']', '(', ')'])
        .trim_end_matches('.');
    let s = s
        .strip_prefix("IPv6:")
        .or_else(|| s.strip_prefix("ipv6:"))
        .unwrap_or(s);
    s.parse().ok()
}

/// A match of a sender pattern: where it ends (the next search starts there) and the spans of
/// the domain and the IP address it names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SenderMatch {
    end: usize,
    domain: Option<Range<usize>>,
    ip: Option<Range<usize>>,
}

impl SenderMatch {
    /// A match naming only the sender's domain.
    fn domain(end: usize, domain: Range<usize>) -> SenderMatch {
        SenderMatch {
            end,
            domain: Some(domain),
            ip: None,
        }
    }

    /// A match naming only the sending IP.
    fn ip(end: usize, ip: Range<usize>) -> SenderMatch {
        SenderMatch {
            end,
            domain: None,
            ip: Some(ip),
        }
    }
}

/// A scanner reading a sender pattern by hand: the leftmost match at or after `from` in
/// `text`, given `lower`, the text ASCII-lower-cased.
type SenderScanner = fn(text: &str, lower: &str, from: usize) -> Option<SenderMatch>;

/// A place where a receiver names the sender's domain and/or IP: the pattern, its domain and
/// IP groups, whether the lower-cased text holds a literal it cannot match without, whether it is a Unicode
/// pattern (see [`needs_unicode_regex`]) and the scanner that reads it without the regex.
struct SenderPattern {
    regex: LazyLock<Regex>,
    domain: Option<usize>,
    ip: Option<usize>,
    needed: fn(&str) -> bool,
    unicode: bool,
    scanner: Option<SenderScanner>,
    /// The [`SENDER_GATE_LITERALS`] entry every match holds lower-cased, or [`WORD_IP_GATE`], when
    /// there is one.
    gate: Option<usize>,
}

/// Literals one of which most sender patterns' matches hold (lower-cased), found all in one
/// pass so that a pattern whose literal is absent is not searched; `helo` and `ehlo`, which
/// every HELO scanner reads from, are found by the same pass (two searches of their own per
/// text before, for names few texts give). No literal starts another, so restarting past each
/// match's start finds every one.
const SENDER_GATE_LITERALS: [&str; 8] = [
    "spf",
    "send",
    "domain ",
    "client host [",
    "messages from [",
    "your ",
    "helo",
    "ehlo",
];

/// The bits of `helo` and `ehlo` in [`SENDER_GATE_LITERALS`].
const HELO_GATES: u32 = 0b11 << 6;

// The two bits above name those two literals: a reordering of the list must move them.
const _: () = assert!(
    matches!(SENDER_GATE_LITERALS[6].as_bytes(), b"helo")
        && matches!(SENDER_GATE_LITERALS[7].as_bytes(), b"ehlo")
);

/// A searcher for a few literals, leftmost-first.
enum PackedLiterals {
    /// The SIMD searcher for a few literals: a search costs a fraction of an automaton's.
    Packed(aho_corasick::packed::Searcher),
    /// Where the SIMD searcher is not available.
    Automaton(aho_corasick::AhoCorasick),
}

impl PackedLiterals {
    fn new(literals: &[&str]) -> PackedLiterals {
        let packed = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(literals)
            .build();
        match packed {
            Some(searcher) => PackedLiterals::Packed(searcher),
            None => PackedLiterals::Automaton(
                aho_corasick::AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                    .build(literals)
                    .expect("valid literals"),
            ),
        }
    }

    /// The leftmost literal in `lower[at..]`, as `(literal index, start)`.
    fn find(&self, lower: &str, at: usize) -> Option<(usize, usize)> {
        match self {
            PackedLiterals::Packed(searcher) => searcher
                .find_in(lower, aho_corasick::Span::from(at..lower.len()))
                .map(|m| (m.pattern().as_usize(), m.start())),
            PackedLiterals::Automaton(automaton) => automaton
                .find(aho_corasick::Input::new(lower).span(at..lower.len()))
                .map(|m| (m.pattern().as_usize(), m.start())),
        }
    }
}

/// [`SENDER_GATE_LITERALS`] as one searcher.
static SENDER_GATES: LazyLock<PackedLiterals> =
    LazyLock::new(|| PackedLiterals::new(&SENDER_GATE_LITERALS));

/// The gate of the patterns read from an `ip` that starts a word (`\bip`, or `ip` after blank
/// space): a bit after those of [`SENDER_GATE_LITERALS`]. Most texts hold `ip` only inside
/// words (`recipient`), and one look at each spares both patterns' scanners.
const WORD_IP_GATE: usize = SENDER_GATE_LITERALS.len();

/// Whether the lower-cased text holds an `ip` not preceded by an ASCII word byte.
fn has_word_ip(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    occurrences(lower, 0, literal!("ip")).any(|at| at == 0 || !is_word(bytes[at - 1]))
}

/// Which of [`SENDER_GATE_LITERALS`] the lower-cased text holds, one bit each, and the
/// [`WORD_IP_GATE`] bit.
#[cfg(test)]
fn sender_gates(lower: &str) -> u32 {
    literal_gates(lower) | u32::from(has_word_ip(lower)) << WORD_IP_GATE
}

/// Which of [`SENDER_GATE_LITERALS`] the lower-cased text holds, one bit each.
fn literal_gates(lower: &str) -> u32 {
    let all = (1u32 << SENDER_GATE_LITERALS.len()) - 1;
    let mut found = 0;
    let mut at = 0;
    while found & all != all
        && let Some((literal, start)) = SENDER_GATES.find(lower, at)
    {
        found |= 1 << literal;
        at = start + 1;
    }
    found
}

/// Where a receiver names the sender's domain and/or IP, in order. Each regex is compiled only
/// when its scanner cannot answer: a rare pattern without a scanner whose literals are in the
/// text, or a Unicode pattern on a text with a letter that folds to an ASCII one.
static SENDER_PATTERNS: [SenderPattern; 14] = [
    // Gmail: "SPF [example.com] with ip : [203.0.113.5] = failed"
    SenderPattern {
        regex: LazyLock::new(|| re(r"(?i)SPF\s*\[([^\]\s]+)\]\s*with ip\s*:?\s*\[([^\]\s]+)\]")),
        domain: Some(1),
        ip: Some(2),
        needed: |lower| has(lower, literal!("spf")),
        unicode: true,
        scanner: Some(spf_with_ip),
        gate: Some(0),
    },
    // Gmail: "SPF check for [example.com] did not pass with ip: [203.0.113.5]"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(r"(?i)SPF (?:check )?for \[([^\]\s]+)\][^\[]{0,40}with ip\s*:?\s*\[([^\]\s]+)\]")
        }),
        domain: Some(1),
        ip: Some(2),
        needed: |lower| {
            has(lower, literal!("spf for [")) || has(lower, literal!("spf check for ["))
        },
        unicode: true,
        scanner: Some(spf_check_for_with_ip),
        gate: Some(0),
    },
    // "203.0.113.5 is not allowed to send from <example.com> per it's SPF Record"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(
                r"(?i)\[?([0-9a-f:.]{3,})\]? is not allowed to send (?:mail )?from <?([^>\s]+?)>?[\s.,]",
            )
        }),
        domain: Some(2),
        ip: Some(1),
        needed: |lower| has(lower, literal!("is not allowed to send ")),
        unicode: true,
        scanner: Some(not_allowed_to_send),
        gate: Some(1),
    },
    // "The domain example.com does not designate 203.0.113.5 as permitted sender"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(
                r"(?i)domain (?:of (?:sender )?)?<?([^\s<>]+?)>? does not designate \[?([0-9a-f:.]{3,})\]?",
            )
        }),
        domain: Some(1),
        ip: Some(2),
        needed: |lower| has(lower, literal!("does not designate")),
        unicode: true,
        scanner: Some(domain_does_not_designate),
        gate: Some(2),
    },
    // "... is not allowed to send from <example.com>" without an IP, "send from <example.com>"
    SenderPattern {
        regex: LazyLock::new(|| re(r"(?i)send(?:ing)? (?:mail )?from <([^>\s]+)>")),
        domain: Some(1),
        ip: None,
        needed: |lower| has(lower, literal!("send")),
        unicode: true,
        scanner: Some(send_from),
        gate: Some(1),
    },
    // "MAIL FROM domain [example.com]"
    SenderPattern {
        regex: LazyLock::new(|| re(r"(?i)MAIL FROM domain \[([^\]\s]+)\]")),
        domain: Some(1),
        ip: None,
        needed: |lower| has(lower, literal!("mail from domain [")),
        unicode: true,
        scanner: Some(|text, lower, from| {
            bracketed_after(text, lower, from, literal!("mail from domain ["))
                .map(|(end, span)| SenderMatch::domain(end, span))
        }),
        gate: Some(2),
    },
    // "sender domain example.com ... SPF", "SPF check for example.com failed"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(r"(?i)\bspf (?:check )?(?:for|of) (?:domain )?<?([a-z0-9.-]+\.[a-z]{2,})>?")
        }),
        domain: Some(1),
        ip: None,
        needed: |lower| has(lower, literal!("spf ")),
        unicode: false,
        scanner: Some(spf_for_domain),
        gate: Some(0),
    },
    // Postfix/Proofpoint: "client host [203.0.113.5] blocked", "Client host [..]"
    SenderPattern {
        regex: LazyLock::new(|| re(r"(?i)client host \[([^\]\s]+)\]")),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("client host [")),
        unicode: true,
        scanner: Some(|text, lower, from| {
            bracketed_after(text, lower, from, literal!("client host ["))
                .map(|(end, span)| SenderMatch::ip(end, span))
        }),
        gate: Some(3),
    },
    // Exim/Spamhaus: "banned sending IP [203.0.113.5]"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(r"(?i)sending IP(?: address)?\s*:?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?")
        }),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("sending ip")),
        unicode: false,
        scanner: Some(sending_ip),
        gate: Some(1),
    },
    // Outlook: "messages from [203.0.113.5] weren't sent"
    SenderPattern {
        regex: LazyLock::new(|| re(r"(?i)messages from \[([^\]\s]+)\]")),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("messages from [")),
        unicode: true,
        scanner: Some(|text, lower, from| {
            bracketed_after(text, lower, from, literal!("messages from ["))
                .map(|(end, span)| SenderMatch::ip(end, span))
        }),
        gate: Some(4),
    },
    // "your IP 203.0.113.5", "Your IP address [..] is listed"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(
                r"(?i)your (?:ip|ip address|address|server)\s*(?:\(|:)?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?",
            )
        }),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("your ")),
        unicode: false,
        scanner: Some(your_ip),
        gate: Some(5),
    },
    // "[203.0.113.5] ... your IP", "IP 203.0.113.5 is listed/blocked"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(
                r"(?i)\bip(?: address)?\s*:?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?\s+(?:is|was|has been)\s+(?:listed|blocked|black|block|not)",
            )
        }),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("ip")),
        unicode: false,
        scanner: Some(ip_is_listed),
        gate: Some(WORD_IP_GATE),
    },
    SenderPattern {
        regex: LazyLock::new(|| re(r"(?i)\[([0-9a-f:.]{3,}[0-9a-f])\][^.\n]{0,40}\byour ip\b")),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("your ip")),
        unicode: true,
        scanner: None,
        gate: Some(5),
    },
    // "connection from 203.0.113.5 refused", "sender IP: 203.0.113.5"
    SenderPattern {
        regex: LazyLock::new(|| {
            re(
                r"(?i)(?:connecting|client|sender|source)\s+ip(?: address)?\s*(?:is|:|=)?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?",
            )
        }),
        domain: None,
        ip: Some(1),
        needed: |lower| has(lower, literal!("ip")),
        unicode: false,
        scanner: Some(named_source_ip),
        gate: Some(WORD_IP_GATE),
    },
];

/// True when a Unicode pattern must be searched by its regex: case-insensitively, `ſ` matches
/// `s` and the Kelvin sign `k`, which the scanners (ASCII case-insensitive) do not know.
fn needs_unicode_regex(text: &str) -> bool {
    !text.is_ascii() && has_unicode_folds(text)
}

/// The places of `literal` in `lower` at or after `from`, overlapping.
fn occurrences<'a>(
    lower: &'a str,
    from: usize,
    literal: &'static memchr::memmem::Finder<'static>,
) -> impl Iterator<Item = usize> + 'a {
    let mut at = from;
    std::iter::from_fn(move || {
        let found = at + literal.find(lower.as_bytes().get(at..)?)?;
        at = found + 1;
        Some(found)
    })
}

/// The end of `\s*` (Unicode white space) from `at`.
pub(crate) fn skip_unicode_space(text: &str, at: usize) -> usize {
    text[at..]
        .find(|c: char| !c.is_whitespace())
        .map_or(text.len(), |n| at + n)
}

/// The end of `\s*` (ASCII white space) from `at`.
fn skip_space(bytes: &[u8], at: usize) -> usize {
    at + bytes[at.min(bytes.len())..]
        .iter()
        .take_while(|&&b| is_space(b))
        .count()
}

/// A Unicode `[^C\s]+` from `at` followed by `close`: the run, when it is not empty.
fn run_until(text: &str, at: usize, close: u8) -> Option<Range<usize>> {
    let end = text[at..]
        .find(|c: char| c == char::from(close) || c.is_whitespace())
        .map_or(text.len(), |n| at + n);
    (end > at && text.as_bytes().get(end) == Some(&close)).then_some(at..end)
}

/// `LITERAL\[([^\]\s]+)\]` (Unicode), `literal` ending in `[`: the match's end and the span
/// in the brackets.
fn bracketed_after(
    text: &str,
    lower: &str,
    from: usize,
    literal: &'static memchr::memmem::Finder<'static>,
) -> Option<(usize, Range<usize>)> {
    occurrences(lower, from, literal).find_map(|at| {
        let span = run_until(text, at + literal.needle().len(), b']')?;
        Some((span.end + 1, span))
    })
}

/// A byte of `[0-9a-f:.]` (case-insensitive).
fn is_ip_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// The end of the run of `[0-9a-f:.]` from `at`.
fn ip_run_end(bytes: &[u8], at: usize) -> usize {
    at + bytes[at.min(bytes.len())..]
        .iter()
        .take_while(|&&b| is_ip_byte(b))
        .count()
}

/// `([0-9a-f:.]{3,}[0-9a-f])\]?` from `at` with nothing required after: the capture (up to the
/// last hex digit of the run that leaves three bytes before it) and the match's end.
fn ip_with_hex_end(bytes: &[u8], at: usize) -> Option<(Range<usize>, usize)> {
    let run_end = ip_run_end(bytes, at);
    let last = (at + 3..run_end)
        .rev()
        .find(|&k| bytes[k].is_ascii_hexdigit())?;
    let end = last + 1;
    Some((at..end, end + usize::from(bytes.get(end) == Some(&b']'))))
}

/// `\s*(?:INTRO|...)?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?` from `at` (ASCII): each introducer
/// present is tried in order, then none.
fn introduced_ip(bytes: &[u8], at: usize, intros: &[&str]) -> Option<(Range<usize>, usize)> {
    let at = skip_space(bytes, at);
    let tried = intros
        .iter()
        .filter(|i| starts_with_ci(bytes, at, i))
        .map(|i| at + i.len())
        .chain([at]);
    for p in tried {
        let p = skip_space(bytes, p);
        let p = p + usize::from(bytes.get(p) == Some(&b'['));
        if let Some(found) = ip_with_hex_end(bytes, p) {
            return Some(found);
        }
    }
    None
}

/// `(?: address)?` after `at`: the places to go on from, with the words first.
fn maybe_address(bytes: &[u8], at: usize) -> impl Iterator<Item = usize> {
    let with = starts_with_ci(bytes, at, " address").then_some(at + " address".len());
    with.into_iter().chain([at])
}

/// `(?i)SPF\s*\[([^\]\s]+)\]\s*with ip\s*:?\s*\[([^\]\s]+)\]`.
fn spf_with_ip(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("spf")).find_map(|at| {
        let p = skip_unicode_space(text, at + 3);
        if bytes.get(p) != Some(&b'[') {
            return None;
        }
        let domain = run_until(text, p + 1, b']')?;
        with_ip_at(text, skip_unicode_space(text, domain.end + 1), domain)
    })
}

/// `with ip\s*:?\s*\[([^\]\s]+)\]` at `at`, the end of a Gmail SPF phrase whose domain was read.
fn with_ip_at(text: &str, at: usize, domain: Range<usize>) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    if !starts_with_ci(bytes, at, "with ip") {
        return None;
    }
    let p = skip_unicode_space(text, at + "with ip".len());
    let p = skip_unicode_space(text, p + usize::from(bytes.get(p) == Some(&b':')));
    if bytes.get(p) != Some(&b'[') {
        return None;
    }
    let ip = run_until(text, p + 1, b']')?;
    Some(SenderMatch {
        end: ip.end + 1,
        domain: Some(domain),
        ip: Some(ip),
    })
}

/// `(?i)SPF (?:check )?for \[([^\]\s]+)\][^\[]{0,40}with ip\s*:?\s*\[([^\]\s]+)\]` (Gmail's
/// "SPF check for [example.com] did not pass with ip: [203.0.113.5]"). Every `with ip` in the
/// gap is tried; at most one can lead on to a match, since the `[` after it would stand in the
/// gap before any later one.
fn spf_check_for_with_ip(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    /// How many characters may stand between the domain's `]` and `with ip`.
    const MAX_GAP: usize = 40;
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("spf ")).find_map(|at| {
        let mut p = at + "spf ".len();
        if starts_with_ci(bytes, p, "check ") {
            p += "check ".len();
        }
        if !starts_with_ci(bytes, p, "for [") {
            return None;
        }
        let domain = run_until(text, p + "for [".len(), b']')?;
        let gap_start = domain.end + 1;
        // Each place after 0 to 40 characters other than `[`.
        let mut gap = text[gap_start..]
            .char_indices()
            .take(MAX_GAP + 1)
            .take_while(|&(_, c)| c != '[')
            .map(|(n, _)| gap_start + n);
        gap.find_map(|with| with_ip_at(text, with, domain.clone()))
    })
}

/// `(?i)\[?([0-9a-f:.]{3,})\]? is not allowed to send (?:mail )?from <?([^>\s]+?)>?[\s.,]`,
/// found by its words: the address is the whole run of its bytes before them (from `from` on),
/// the lazy domain ends at the first place `>?[\s.,]` follows it (so at its first dot), and
/// with an empty domain after `<` the `<` itself is tried as the domain.
fn not_allowed_to_send(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    let words = literal!(" is not allowed to send ");
    occurrences(lower, from, words).find_map(|at| {
        let ip_end = at - usize::from(at > from && bytes[at - 1] == b']');
        let ip_start = ip_end
            - bytes[from..ip_end]
                .iter()
                .rev()
                .take_while(|&&b| is_ip_byte(b))
                .count();
        if ip_end - ip_start < 3 {
            return None;
        }
        let mut p = at + words.needle().len();
        if starts_with_ci(bytes, p, "mail ") {
            p += 5;
        }
        if !starts_with_ci(bytes, p, "from ") {
            return None;
        }
        p += 5;
        let starts = (bytes.get(p) == Some(&b'<')).then_some(p + 1);
        let (domain, end) = starts
            .into_iter()
            .chain([p])
            .find_map(|start| lazy_domain(text, start))?;
        Some(SenderMatch {
            end,
            domain: Some(domain),
            ip: Some(ip_start..ip_end),
        })
    })
}

/// `([^>\s]+?)>?[\s.,]` (Unicode) from `start`: the domain's span and the match's end.
fn lazy_domain(text: &str, start: usize) -> Option<(Range<usize>, usize)> {
    let is_stop = |c: char| c.is_whitespace() || c == '.' || c == ',';
    let mut chars = text.get(start..)?.char_indices().peekable();
    let (_, first) = chars.next()?;
    if first == '>' || first.is_whitespace() {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        let e = start + i;
        if c == '>' {
            return chars
                .peek()
                .filter(|&&(_, next)| is_stop(next))
                .map(|&(_, next)| (start..e, e + 1 + next.len_utf8()));
        }
        if is_stop(c) {
            return Some((start..e, e + c.len_utf8()));
        }
    }
    None
}

/// `(?i)domain (?:of (?:sender )?)?<?([^\s<>]+?)>? does not designate \[?([0-9a-f:.]{3,})\]?`.
/// The lazy domain can only end where the run of its characters does (a space or `>` must
/// follow it); the optional words are tried longest first.
fn domain_does_not_designate(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("domain ")).find_map(|at| {
        let p = at + "domain ".len();
        let mut tried = Vec::with_capacity(3);
        if starts_with_ci(bytes, p, "of ") {
            if starts_with_ci(bytes, p + 3, "sender ") {
                tried.push(p + "of sender ".len());
            }
            tried.push(p + 3);
        }
        tried.push(p);
        tried.into_iter().find_map(|p| {
            let start = p + usize::from(bytes.get(p) == Some(&b'<'));
            let end = text[start..]
                .find(|c: char| c == '<' || c == '>' || c.is_whitespace())
                .map_or(text.len(), |n| start + n);
            if end == start {
                return None;
            }
            let q = end + usize::from(bytes.get(end) == Some(&b'>'));
            if !starts_with_ci(bytes, q, " does not designate ") {
                return None;
            }
            let q = q + " does not designate ".len();
            let q = q + usize::from(bytes.get(q) == Some(&b'['));
            let ip_end = ip_run_end(bytes, q);
            if ip_end - q < 3 {
                return None;
            }
            Some(SenderMatch {
                end: ip_end + usize::from(bytes.get(ip_end) == Some(&b']')),
                domain: Some(start..end),
                ip: Some(q..ip_end),
            })
        })
    })
}

/// `(?i)send(?:ing)? (?:mail )?from <([^>\s]+)>`.
fn send_from(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("send")).find_map(|at| {
        let mut p = at + 4;
        if starts_with_ci(bytes, p, "ing") {
            p += 3;
        }
        if bytes.get(p) != Some(&b' ') {
            return None;
        }
        p += 1;
        if starts_with_ci(bytes, p, "mail ") {
            p += 5;
        }
        if !starts_with_ci(bytes, p, "from <") {
            return None;
        }
        let domain = run_until(text, p + "from <".len(), b'>')?;
        Some(SenderMatch::domain(domain.end + 1, domain))
    })
}

/// `(?i)\bspf (?:check )?(?:for|of) (?:domain )?<?([a-z0-9.-]+\.[a-z]{2,})>?` (ASCII): the
/// domain runs to the last dot of its run that two letters follow, then over those letters.
fn spf_for_domain(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("spf ")).find_map(|at| {
        if at > 0 && is_word(bytes[at - 1]) {
            return None;
        }
        let mut p = at + 4;
        if starts_with_ci(bytes, p, "check ") {
            p += 6;
        }
        p += ["for ", "of "]
            .iter()
            .find(|w| starts_with_ci(bytes, p, w))?
            .len();
        if starts_with_ci(bytes, p, "domain ") {
            p += 7;
        }
        let start = p + usize::from(bytes.get(p) == Some(&b'<'));
        let is_domain_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'.' || b == b'-';
        let run_end = start
            + bytes[start..]
                .iter()
                .take_while(|&&b| is_domain_byte(b))
                .count();
        let letters = |k: usize| {
            bytes[k..run_end]
                .iter()
                .take_while(|b| b.is_ascii_alphabetic())
                .count()
        };
        let dot = (start + 1..run_end)
            .rev()
            .find(|&d| bytes[d] == b'.' && letters(d + 1) >= 2)?;
        let end = dot + 1 + letters(dot + 1);
        Some(SenderMatch::domain(
            end + usize::from(bytes.get(end) == Some(&b'>')),
            start..end,
        ))
    })
}

/// `(?i)sending IP(?: address)?\s*:?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?` (ASCII).
fn sending_ip(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("sending ip")).find_map(|at| {
        maybe_address(bytes, at + "sending ip".len())
            .find_map(|p| introduced_ip(bytes, p, &[":"]))
            .map(|(ip, end)| SenderMatch::ip(end, ip))
    })
}

/// `(?i)your (?:ip|ip address|address|server)\s*(?:\(|:)?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?`
/// (ASCII).
fn your_ip(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("your ")).find_map(|at| {
        let p = at + "your ".len();
        ["ip", "ip address", "address", "server"]
            .iter()
            .filter(|w| starts_with_ci(bytes, p, w))
            .find_map(|w| introduced_ip(bytes, p + w.len(), &["(", ":"]))
            .map(|(ip, end)| SenderMatch::ip(end, ip))
    })
}

/// `(?i)\bip(?: address)?\s*:?\s*\[?([0-9a-f:.]{3,}[0-9a-f])\]?\s+(?:is|was|has been)\s+
/// (?:listed|blocked|black|block|not)` (ASCII). With words after it, the address is its whole
/// run.
fn ip_is_listed(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    let rest = |p: usize| -> Option<(Range<usize>, usize)> {
        let start = p + usize::from(bytes.get(p) == Some(&b'['));
        let end = ip_run_end(bytes, start);
        if end - start < 4 || !bytes[end - 1].is_ascii_hexdigit() {
            return None;
        }
        let q = end + usize::from(bytes.get(end) == Some(&b']'));
        let spaced = |q: usize| (skip_space(bytes, q) > q).then(|| skip_space(bytes, q));
        let q = spaced(q)?;
        let verb = ["is", "was", "has been"]
            .iter()
            .find(|w| starts_with_ci(bytes, q, w))?;
        let q = spaced(q + verb.len())?;
        let state = ["listed", "blocked", "black", "block", "not"]
            .iter()
            .find(|w| starts_with_ci(bytes, q, w))?;
        Some((start..end, q + state.len()))
    };
    occurrences(lower, from, literal!("ip")).find_map(|at| {
        if at > 0 && is_word(bytes[at - 1]) {
            return None;
        }
        maybe_address(bytes, at + 2)
            .find_map(|p| {
                let p = skip_space(bytes, p);
                let with_colon = (bytes.get(p) == Some(&b':')).then(|| skip_space(bytes, p + 1));
                with_colon.into_iter().chain([p]).find_map(rest)
            })
            .map(|(ip, end)| SenderMatch::ip(end, ip))
    })
}

/// `(?i)(?:connecting|client|sender|source)\s+ip(?: address)?\s*(?:is|:|=)?\s*\[?([0-9a-f:.]{3,}
/// [0-9a-f])\]?` (ASCII), found by its `ip`: blank space and one of the words precede it (no
/// two of the words end alike), so the match found first by its `ip` is the leftmost.
fn named_source_ip(text: &str, lower: &str, from: usize) -> Option<SenderMatch> {
    let bytes = text.as_bytes();
    occurrences(lower, from, literal!("ip")).find_map(|at| {
        let blank = bytes[..at]
            .iter()
            .rev()
            .take_while(|&&b| is_space(b))
            .count();
        // Most `ip`s are inside a word: no blank before them, nothing more to compare.
        if blank == 0 {
            return None;
        }
        let word_end = at - blank;
        let word = ["connecting", "client", "sender", "source"]
            .iter()
            .find(|w| lower.as_bytes()[..word_end].ends_with(w.as_bytes()))?;
        if word_end - word.len() < from {
            return None;
        }
        maybe_address(bytes, at + 2)
            .find_map(|p| introduced_ip(bytes, p, &["is", ":", "="]))
            .map(|(ip, end)| SenderMatch::ip(end, ip))
    })
}

/// A receiver's text with its ASCII-lower-cased copy, in which the readers search their
/// literals: the copy is made once for all of them.
pub(crate) struct ReceiverText<'a> {
    text: &'a str,
    lower: std::borrow::Cow<'a, str>,
    /// [`literal_gates`] of `lower`, found when first asked for: the sender's and the HELO
    /// readers share the one pass.
    gates: std::cell::OnceCell<u32>,
}

impl<'a> ReceiverText<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        ReceiverText {
            text,
            lower: text.to_ascii_lowercase().into(),
            gates: std::cell::OnceCell::new(),
        }
    }

    /// A text whose ASCII-lower-cased copy was made already.
    pub(crate) fn with_lower(text: &'a str, lower: &'a str) -> Self {
        debug_assert_eq!(lower, text.to_ascii_lowercase());
        ReceiverText {
            text,
            lower: lower.into(),
            gates: std::cell::OnceCell::new(),
        }
    }

    /// Which of [`SENDER_GATE_LITERALS`] the text holds (lower-cased), one bit each.
    fn gates(&self) -> u32 {
        *self.gates.get_or_init(|| literal_gates(&self.lower))
    }
}

/// The sender's domain and the sending IP as the receiver's text names them, each when found:
/// each pattern's first five matches, in order, until both are found.
pub(crate) fn sender_in_text(receiver: &ReceiverText) -> (Option<String>, Option<IpAddr>) {
    let mut domain = None;
    let mut ip = None;
    let (text, lower) = (receiver.text, &*receiver.lower);
    let folds = needs_unicode_regex(text);
    // With a letter that folds to an ASCII one, a literal may stand in the text otherwise.
    let gates = if folds { u32::MAX } else { receiver.gates() };
    // Looked for when a pattern gated by it is reached: the search ends before most often.
    let mut word_ip = None;
    for pattern in &SENDER_PATTERNS {
        let open = match pattern.gate {
            None => true,
            Some(WORD_IP_GATE) if !folds => *word_ip.get_or_insert_with(|| has_word_ip(lower)),
            Some(g) => gates & (1 << g) != 0,
        };
        if !open {
            continue;
        }
        let by_regex = folds && pattern.unicode;
        if !by_regex && pattern.scanner.is_none() && !(pattern.needed)(lower) {
            continue;
        }
        let mut take = |d: Option<&str>, i: Option<&str>| {
            if domain.is_none()
                && let Some(d) = d
            {
                domain = clean_domain(d);
            }
            if ip.is_none()
                && let Some(i) = i
            {
                ip = parse_ip(i).filter(is_usable_ip);
            }
        };
        match pattern.scanner {
            Some(scan) if !by_regex => {
                let mut from = 0;
                for _ in 0..5 {
                    let Some(m) = scan(text, lower, from) else {
                        break;
                    };
                    take(m.domain.map(|r| &text[r]), m.ip.map(|r| &text[r]));
                    from = m.end;
                }
            }
            _ => {
                for caps in pattern.regex.captures_iter(text).take(5) {
                    let group = |g: Option<usize>| g.and_then(|g| caps.get(g)).map(|m| m.as_str());
                    take(group(pattern.domain), group(pattern.ip));
                }
            }
        }
        if domain.is_some() && ip.is_some() {
            break;
        }
    }
    (domain, ip)
}

/// A domain as named by a receiver (`example.com`, `user@example.com`, `<example.com>`),
/// lower-cased and without a trailing dot; `None` unless it looks like a domain.
pub(crate) fn clean_domain(s: &str) -> Option<String> {
    let s = s.trim().trim_matches(['<', '>', '[', ']', '\'', '"']);
    let s = s.rsplit('@').next().unwrap_or(s);
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    let ok = s.contains('.')
        && s.len() <= 253
        && s.parse::<IpAddr>().is_err()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && s.rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && !tld.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(s)
}

/// `([a-z0-9][a-z0-9.-]*[a-z0-9])` at `at` with nothing required after: up to the last letter
/// or digit of the run of name bytes, two bytes at least.
fn helo_name(bytes: &[u8], at: usize) -> Option<Range<usize>> {
    if !bytes.get(at).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let end = run_end(bytes, at, is_name_byte);
    let last = (at + 1..end)
        .rev()
        .find(|&k| bytes[k].is_ascii_alphanumeric())?;
    Some(at..last + 1)
}

/// The places of `helo` and `ehlo` in `lower` at a word boundary, in order.
fn helo_words(lower: &str) -> Vec<usize> {
    let bytes = lower.as_bytes();
    let mut at: Vec<usize> = occurrences(lower, 0, literal!("helo"))
        .chain(occurrences(lower, 0, literal!("ehlo")))
        .filter(|&at| at == 0 || !is_word(bytes[at - 1]))
        .collect();
    at.sort_unstable();
    at
}

/// Reads a HELO name from a text's bytes, given the text lower-cased and its places of
/// `helo`/`ehlo` (see [`helo_words`]): the span of the name in the leftmost match.
type HeloScanner = fn(&[u8], &str, &[usize]) -> Option<Range<usize>>;

/// Where a receiver names the HELO/EHLO name it was given, in order (ASCII patterns; see the
/// tests for them).
const HELO_SCANNERS: [HeloScanner; 3] = [
    // `(?i)<([a-z0-9][a-z0-9.-]*)>:?\s*helo command rejected`
    // The words' `helo` stands after `>`, `:` or a blank, so it is one of `words`.
    |bytes, lower, words| {
        let rejected = "helo command rejected";
        if !words.iter().any(|&at| lower[at..].starts_with(rejected)) {
            return None;
        }
        occurrences(lower, 0, literal!("<")).find_map(|at| {
            let start = at + 1;
            let end = run_end(bytes, start, is_name_byte);
            if end == start
                || !bytes[start].is_ascii_alphanumeric()
                || bytes.get(end) != Some(&b'>')
            {
                return None;
            }
            let q = end + 1;
            let q = skip_space(bytes, q + usize::from(bytes.get(q) == Some(&b':')));
            starts_with_ci(bytes, q, "helo command rejected").then_some(start..end)
        })
    },
    // `(?i)\b(?:helo|ehlo)\s*=\s*<?([a-z0-9][a-z0-9.-]*[a-z0-9])`
    |bytes, _, words| {
        words.iter().find_map(|&at| {
            let p = skip_space(bytes, at + 4);
            if bytes.get(p) != Some(&b'=') {
                return None;
            }
            let p = skip_space(bytes, p + 1);
            helo_name(bytes, p + usize::from(bytes.get(p) == Some(&b'<')))
        })
    },
    // `(?i)\b(?:helo|ehlo)(?: name| hostname| host)\s*:?\s*[\[<(]?([a-z0-9][a-z0-9.-]*[a-z0-9])`
    |bytes, _, words| {
        words.iter().find_map(|&at| {
            [" name", " hostname", " host"]
                .iter()
                .filter(|w| starts_with_ci(bytes, at + 4, w))
                .find_map(|w| {
                    let p = skip_space(bytes, at + 4 + w.len());
                    let p = skip_space(bytes, p + usize::from(bytes.get(p) == Some(&b':')));
                    let p = p + usize::from(matches!(bytes.get(p), Some(b'[' | b'<' | b'(')));
                    helo_name(bytes, p)
                })
        })
    },
];

/// The HELO name a receiver's text names, when it names one.
pub(crate) fn helo_in_text(receiver: &ReceiverText) -> Option<String> {
    let (text, lower) = (receiver.text, &*receiver.lower);
    if receiver.gates() & HELO_GATES == 0 {
        return None;
    }
    let words = helo_words(lower);
    // Every scanner reads from a `helo` or `ehlo` word.
    if words.is_empty() {
        return None;
    }
    HELO_SCANNERS.iter().find_map(|scan| {
        scan(text.as_bytes(), lower, &words)
            .map(|r| text[r].to_ascii_lowercase())
            .filter(|h| h.contains('.') || h.len() > 2)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    #[test]
    fn a_transcript_names_the_command_its_first_refusal_answered() {
        let sendmail = "... while talking to mx.example.net.:\n>>> DATA\n<<< 550 5.1.1 <a@b.example>... User unknown\n550 5.1.1 <a@b.example>... User unknown\n<<< 503 5.0.0 Need RCPT (recipient)";
        for (text, want) in [
            (sendmail, Some("DATA")),
            // The refusal answered RCPT; the DATA after it only met a 503.
            (
                ">>> RCPT To:<a@b.example>\n<<< 550 5.2.1 disabled\n>>> DATA\n<<< 503 5.5.1 RCPT first",
                Some("RCPT"),
            ),
            // Accepted steps are passed over.
            (
                "  >>> MAIL From:<s@example.org> SIZE=378\n<<< 250 ok\n>>> rcpt to:<a@b.example>\n<<<   451 try later",
                Some("RCPT"),
            ),
            // No refusal shown: the last command sent.
            (
                ">>> EHLO mx.example.org\n>>> MAIL From:<s@example.org>",
                Some("MAIL"),
            ),
            // Blank space after the marks is optional, as in the transcript shape of replies.
            (">>>DATA\n<<< 550 no", Some("DATA")),
            // Not a command word, or not a transcript mark.
            (">>> QUIT\n<<< 550 no", None),
            ("> DATA\n<<< 550 no", None),
            ("no transcript: 550 5.1.1 user unknown", None),
            ("", None),
        ] {
            assert_eq!(super::transcript_command(text), want, "{text:?}");
        }
    }

    #[test]
    fn introduced_codes_split_in_two_read_as_one_pattern() {
        let whole = super::re(
            r"(?i)(?:^|said:?|error:?|reply:?|response:?|returned:?|was:|<<<|\bsmtp;|\(|\x22|')\s*([245][0-5]\d)(?:[ -]|$)",
        );
        for text in [
            "550 unknown",
            "host said: 554 no; smtp; 550 x",
            "smtp; 552 full, then said: 550",
            "xsmtp; 550 not a word start; error: 421 later",
            "ユーザーsmtp; 550 日本語",
            "送信エラー smtp; 550 (553 bad)",
            "nothing",
            "'551 moved' and was: 450",
        ] {
            let expected = whole.captures(text).and_then(|c| c[1].parse::<u16>().ok());
            assert_eq!(super::introduced_code(text), expected, "{text}");
        }
    }

    /// Texts with reply codes, status codes and their introducers, for [`variants`].
    const REPLY_SEEDS: [&str; 10] = [
        "550-5.7.26 This mail is blocked",
        "550 5.1.1\t",
        "421 4.7.0 try 5.1.10.2 later",
        "host said: 554 no; smtp; 550 x",
        "Remote server returned: 550 5.1.10 (<<< 452-4.2.2)",
        "xsmtp; 550 not; error: 421 later; response:250 ok",
        "'551 moved' and was: 450; reply 259-x \"553",
        "v2.1.1.5 and 5.1234.5 and 4.12.345 and 5.0.0.",
        "Status: 5.1.1 (user unknown) at 25.2.2",
        "(returned 452 5.2.2 SAID 550",
    ];

    /// The reply texts of the corpus and variants of [`REPLY_SEEDS`].
    fn reply_texts() -> Vec<String> {
        let mut texts = corpus_texts();
        for seed in REPLY_SEEDS {
            texts.extend(variants(seed));
        }
        texts
    }

    #[test]
    fn status_scanner_agrees_with_the_regex() {
        let regex = super::re(r"[245]\.\d{1,3}\.\d{1,3}");
        let mut found = 0;
        for text in reply_texts() {
            let by_regex: Vec<_> = regex.find_iter(&text).map(|m| m.range()).collect();
            let by_scanner: Vec<_> = super::status_spans(text.as_bytes()).collect();
            assert_eq!(by_scanner, by_regex, "{text:?}");
            found += usize::from(!by_regex.is_empty());
        }
        assert!(found > 5_000, "{found} texts hold a status");
    }

    #[test]
    fn reply_prefix_scanner_agrees_with_the_regex() {
        let regex = super::re(r"^([245]\d\d)[ -]((?:[245]\.\d{1,3}\.\d{1,3})(?:\s+|$))?");
        let mut with_status = 0;
        let texts = reply_texts();
        let lines = texts.iter().flat_map(|t| t.lines().map(str::trim));
        for text in texts.iter().map(String::as_str).chain(lines) {
            let by_regex = regex.captures(text).map(|c| {
                let status = c.get(2).map(|m| m.as_str().trim().to_string());
                (c[1].to_string(), status, c.get(0).expect("a match").end())
            });
            let by_scanner = super::reply_prefix(text.as_bytes()).map(|(status, end)| {
                let status = status.map(|r| text[r].to_string());
                (text[..3].to_string(), status, end)
            });
            assert_eq!(by_scanner, by_regex, "{text:?}");
            with_status += usize::from(by_regex.is_some_and(|(_, s, _)| s.is_some()));
        }
        assert!(with_status > 1_000, "{with_status} prefixes with a status");
    }

    #[test]
    fn introduced_code_scanner_agrees_with_the_regexes() {
        let plain = super::re(
            r"(?i)(?:^|said:?|error:?|reply:?|response:?|returned:?|was:|<<<|\(|\x22|')\s*([245][0-5]\d)(?:[ -]|$)",
        );
        let smtp = super::re(r"(?i)\bsmtp;\s*([245][0-5]\d)(?:[ -]|$)");
        let mut found = 0;
        for text in reply_texts() {
            let first = match (plain.find(&text), smtp.find(&text)) {
                (Some(a), Some(b)) if b.start() < a.start() => Some((&smtp, b.start())),
                (Some(a), _) => Some((&plain, a.start())),
                (None, Some(b)) => Some((&smtp, b.start())),
                (None, None) => None,
            };
            let expected =
                first.and_then(|(regex, at)| regex.captures_at(&text, at)?[1].parse::<u16>().ok());
            assert_eq!(super::introduced_code(&text), expected, "{text:?}");
            found += usize::from(expected.is_some());
        }
        assert!(found > 5_000, "{found} texts introduce a code");
    }

    /// Every text of the corpus a reply is read from or could be: each email whole, each of its
    /// lines and paragraphs, and each paragraph unfolded as the readers unfold it.
    pub(crate) fn corpus_texts() -> Vec<String> {
        let mut texts = Vec::new();
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            texts.extend(text.lines().map(str::to_string));
            for paragraph in text.split("\n\n") {
                texts.push(paragraph.to_string());
                texts.push(super::clean_diagnostic(paragraph));
            }
            texts.push(text);
        }
        assert!(texts.len() > 50_000, "{} texts", texts.len());
        texts
    }

    /// The command patterns as regexes, one per shape and command: `(pattern, command)`.
    fn command_patterns() -> Vec<(String, &'static str)> {
        let cmds: &[(&str, &str)] = &[
            (r"(?:RCPT TO|RCPT_TO|RCPT)", "RCPT"),
            (r"(?:MAIL FROM|MAIL_FROM|MAIL)", "MAIL"),
            (r"(?:end of DATA|final DATA|end of data|DATA)", "DATA"),
            (r"EHLO", "EHLO"),
            (r"HELO", "HELO"),
            (r"STARTTLS", "STARTTLS"),
            (r"initial connection", "CONN"),
        ];
        let mut out = Vec::new();
        for (words, name) in cmds {
            for shape in [
                r"(?i:in reply to {w})",
                r"(?i:\bafter {w}\b)",
                r"(?i:did not like our {w})",
                r"(?i:most progress was {w} response)",
                r"\[{w}\]",
                r"(?im:^\s*>>>\s*{w})",
                r"(?i:\bfor {w} response)",
                r"(?i:(?:^|\s)smtp error from remote (?:mail )?server (?:after|for) {w})",
            ] {
                out.push((shape.replace("{w}", words), *name));
            }
        }
        out.push((r"(?i:does not like recipient)".to_string(), "RCPT"));
        out.push((r"(?i:does not like sender)".to_string(), "MAIL"));
        out
    }

    /// The command patterns as one alternation, one group each: its leftmost-first match is
    /// the earliest place any pattern matches and, there, the first listed.
    fn command_by_one_regex(regex: &regex::Regex, text: &str) -> Option<&'static str> {
        let caps = regex.captures(text)?;
        let names: Vec<_> = command_patterns().into_iter().map(|(_, n)| n).collect();
        (1..caps.len())
            .find(|&i| caps.get(i).is_some())
            .map(|i| names[i - 1])
    }

    fn command_alternation() -> regex::Regex {
        let alternation = command_patterns()
            .iter()
            .map(|(p, _)| format!("({p})"))
            .collect::<Vec<_>>()
            .join("|");
        super::re(&alternation)
    }

    #[test]
    fn one_command_search_is_the_earliest_pattern_then_the_first_listed() {
        // Every pattern searched on its own, the earliest start wins, ties go to the pattern
        // listed first.
        let texts = [
            "host mx said: 550 5.1.1 unknown (in reply to RCPT TO command)",
            "SMTP error from remote mail server after MAIL FROM:<a@b> SIZE=1: 550 after RCPT TO",
            "SMTP error from remote mail server after initial connection: 554",
            ">>> DATA\n<<< 554 rejected",
            "192.0.2.1 does not like recipient. after end of DATA",
            "[EHLO] refused, in reply to end of data",
            "nothing here",
            "most progress was RCPT TO response; after DATA",
            "送信できません after RCPT TO: 550 ユーザーが見つかりません",
            "éafter RCPT TO, then in reply to DATA",
            "for HELO response [STARTTLS]",
            "[rcpt to] [RCPT TO]",
            "[RCPT TOO] [DATA]",
            "after RCPT TOx and after RCPT_TO_ then after mail fromage",
            "xafter DATA; _after HELO; -after EHLO",
            "text\n \n\t >>>  rcpt to:<a@b>",
            "text  >>> DATA\n>>>> MAIL\n>>>HELO",
            "\n>>> end of data",
            "  >>> starttls",
            "smtp error from remote server for mail",
            "xsmtp error from remote mail server after data; \tSMTP ERROR FROM REMOTE SERVER AFTER EHLO",
            "SMTP error from remote mail server for for RCPT TO response",
            "does not like sender. does not like recipient",
            "most progress was final data response",
            "for initial connection response, in reply to initial connection",
            "did not like our MAIL_FROM",
            "after DATA\u{17f}",
            "after\u{b}DATA",
            "\u{b}>>> DATA",
            "x\u{b}smtp error from remote server after HELO",
        ];
        let one_regex = command_alternation();
        let mut named = 0;
        for text in texts {
            let mut best: Option<(usize, &str)> = None;
            for (p, name) in command_patterns() {
                if let Some(m) = super::re(&p).find(text)
                    && best.is_none_or(|(pos, _)| m.start() < pos)
                {
                    best = Some((m.start(), name));
                }
            }
            let expected = best.map(|(_, n)| n);
            assert_eq!(command_by_one_regex(&one_regex, text), expected, "{text}");
            assert_eq!(super::old_command_in(text), expected, "{text}");
            let lower = text.to_ascii_lowercase();
            assert_eq!(
                super::command_in(text, &lower, &mut Default::default()),
                expected,
                "{text}"
            );
            named += usize::from(expected.is_some());
        }
        assert!(named > 20, "{named} texts name a command");
    }

    #[test]
    fn command_table_agrees_with_the_patterns_on_the_corpus() {
        let one_regex = command_alternation();
        let mut named = 0;
        for text in corpus_texts() {
            let expected = command_by_one_regex(&one_regex, &text);
            assert_eq!(super::old_command_in(&text), expected, "{text}");
            let lower = text.to_ascii_lowercase();
            assert_eq!(
                super::command_in(&text, &lower, &mut Default::default()),
                expected,
                "{text}"
            );
            named += usize::from(expected.is_some());
        }
        assert!(named > 500, "{named} texts name a command");
    }

    /// The command found from the commands' names is the one found from the shapes' literals
    /// (the old overlapping search): on every corpus text and on variants of texts naming each
    /// command in each shape.
    #[test]
    fn command_from_names_is_the_overlapping_search() {
        let mut texts = corpus_texts();
        for seed in [
            "x in reply to MAIL FROM y",
            "x did not like our MAIL",
            "most progress was mail response",
            "x after mail;",
            "[MAIL]",
            "for MAIL response",
            "smtp error from remote server for MAIL",
            "text\n \n\t >>>  mail from:<a@b>",
            ">>>\u{b}MAIL",
            "in reply to RCPT TO; after end of DATA; [EHLO] [HELO] for STARTTLS response",
            "SMTP error from remote mail server after initial connection: 554",
            "192.0.2.1 does not like recipient. does not like sender",
            "after STARTTLSTARTTLS [STARTTLSTARTTLS] for final DATA response",
            "after end of final data; most progress was end of data response",
            "smtp error from remote mail server for end of DATA [end of DATA] >>> final data",
            "SMTP error from remote mail server after SMTP error from remote server for HELO",
        ] {
            texts.extend(variants(seed));
            texts.push(seed.to_uppercase());
        }
        let mut named = 0;
        for text in &texts {
            let command = super::old_command_in(text);
            let lower = text.to_ascii_lowercase();
            assert_eq!(
                super::command_in(text, &lower, &mut Default::default()),
                command,
                "{text:?}"
            );
            named += usize::from(command.is_some());
        }
        assert!(named > 1_000, "{named} texts name a command");
    }

    /// The commands' search restarts past each name it finds: an anchor it also finds must not
    /// start inside a name (nor two of its literals at one place), or that anchor goes unseen.
    #[test]
    fn no_passed_anchor_starts_inside_a_command_name() {
        let passed = &REMOTE_ANCHORS[..PASSED_ANCHORS];
        for name in COMMAND_STARTS {
            for anchor in passed {
                assert!(!name.starts_with(anchor) && !anchor.starts_with(name));
                for i in 1..name.len() {
                    let rest = &name[i..];
                    assert!(
                        !rest.starts_with(anchor) && !anchor.starts_with(rest),
                        "{anchor:?} in {name:?}"
                    );
                }
            }
        }
    }

    /// Server and command read with the anchors found by the commands' search are those read
    /// with each searched for on its own, also where an anchor comes more often than is kept.
    #[test]
    fn one_search_reads_server_and_command_as_the_separate_ones() {
        let mut texts = corpus_texts();
        let many = "host a host b Host c host d HOST e remote x remote y remote z remote w";
        for seed in REMOTE_SEEDS.iter().chain(&[
            "x in reply to RCPT TO command; host mx.example.net[198.51.100.9] said: 550",
            "host a host b host c host d host mx.a.b [1.2.3.4] after DATA",
            "remote a remote b remote c remote d remote host 1.2.3.4 said: for HELO response",
            "while talking to a while talking to b while talking to c while talking to d while talking to mx.a.b.: >>> MAIL",
            "remote server remote server remote server remote server: mx.a.b",
            "whost helo remote mail host remotehost starttls while talking to ehlo",
        ]) {
            texts.extend(variants(seed));
            texts.push(format!("{many} {seed}"));
        }
        let (mut servers, mut commands) = (0, 0);
        for text in &texts {
            let reply = read_server_and_command(text, Reply::default());
            assert_eq!(
                reply,
                old_read_server_and_command(text, Reply::default()),
                "{text:?}"
            );
            servers += usize::from(reply.remote_host.is_some() || reply.remote_ip.is_some());
            commands += usize::from(reply.command.is_some());
        }
        assert!(servers > 1_000 && commands > 1_000, "{servers} {commands}");
    }

    /// `seed` and its near variants: cut at each character, each character dropped, replaced by
    /// or preceded by each of a few characters that patterns care about.
    pub(crate) fn variants(seed: &str) -> Vec<String> {
        const SWAPS: [&str; 22] = [
            " ", "[", "]", "<", ">", ".", ":", "a", "Z", "1", "\n", "é", "\u{3000}", "\u{17f}",
            "-", "(", "_", "f", "=", "\u{b}", "\u{a0}", "\u{212a}",
        ];
        let mut out = vec![seed.to_string()];
        for (i, c) in seed.char_indices() {
            let (head, tail) = (&seed[..i], &seed[i + c.len_utf8()..]);
            out.push(head.to_string());
            out.push(format!("{head}{tail}"));
            for swap in SWAPS {
                out.push(format!("{head}{swap}{tail}"));
                out.push(format!("{head}{swap}{c}{tail}"));
            }
        }
        out
    }

    /// Texts that name a sender, for [`variants`].
    const SENDER_SEEDS: [&str; 21] = [
        "SPF [example.com] with ip : [203.0.113.5] = failed",
        "x SPF check for [example.com] did not pass with ip: [203.0.113.5]. To best",
        "SPF for [ex.org] with ip address: with IP\u{a0}: [1.2.3.4] and SPF check for [a.b]with ip[5]",
        // Gaps of 40 and of 41 characters, the most the pattern allows and one more.
        "spf for [x.y] 12345678901234567890123456789012345678 with ip [1.2.3.4]",
        "spf for [x.y] 123456789012345678901234567890123456789 with ip [1.2.3.4]",
        "SPF check [a.b] SPF for [c.d] e [ with ip: [1.2.3.4] SPF for [é.fr] éééé with ip: [2001:db8::1]",
        "550 5.1.0 203.0.113.5 is not allowed to send from <example.com> per it's SPF Record.",
        "[203.0.113.5] is not allowed to send mail from exa.com, then",
        "ab:c] is not allowed to send from <> 1.2.3.4 is not allowed to send from <a>b>\u{a0}",
        "The domain of sender <ex.com> does not designate [2001:db8::5] as permitted",
        "domain of sender does not designate 1.2.3.4 and domain ex.org does not designate ab:c",
        "sending mail from <a@example.com> and send from <b.org>",
        "MAIL FROM domain [example.com] and mail from domain [x y]",
        "_spf for example.com, SPF check of domain <ex.co.uk>; spf of a.b.cd-ef.1",
        "client host [203.0.113.5] blocked; Client host [ 1.2.3.4]",
        "banned sending IP address: [203.0.113.5] and sending IP:abc and sending ip 1.2.",
        "messages from [203.0.113.5] weren't sent",
        "your IP address [1.2.3.4] ... your ip:abcd, your server (2001:db8::1], your address 5.6",
        "IP 203.0.113.5 is listed; ip address: [1.2.3.4] has been  blocked; xip 1.2.3.4 was not",
        "[203.0.113.5] blocked because of your IP listing",
        "connection from source  IP address = 203.0.113.5 refused; client ip is 1.2.3.4; sender ip:ab",
    ];

    #[test]
    fn sender_scanners_agree_with_the_patterns() {
        let mut texts = corpus_texts();
        for seed in SENDER_SEEDS {
            texts.extend(variants(seed));
            texts.push(seed.to_uppercase());
            texts.push(seed.replace(' ', "\r\n"));
        }
        let mut matched = [0usize; 14];
        for text in &texts {
            let lower = text.to_ascii_lowercase();
            for (n, pattern) in SENDER_PATTERNS.iter().enumerate() {
                let Some(scan) = pattern.scanner else {
                    continue;
                };
                if pattern.unicode && needs_unicode_regex(text) {
                    continue;
                }
                let by_regex: Vec<SenderMatch> = pattern
                    .regex
                    .captures_iter(text)
                    .take(5)
                    .map(|c| SenderMatch {
                        end: c.get(0).expect("a match").end(),
                        domain: pattern.domain.map(|g| c.get(g).expect("a group").range()),
                        ip: pattern.ip.map(|g| c.get(g).expect("a group").range()),
                    })
                    .collect();
                let mut by_scanner = Vec::new();
                let mut from = 0;
                while by_scanner.len() < 5
                    && let Some(m) = scan(text, &lower, from)
                {
                    from = m.end;
                    by_scanner.push(m);
                }
                assert_eq!(by_scanner, by_regex, "pattern {n} on {text:?}");
                matched[n] += usize::from(!by_regex.is_empty());
            }
        }
        for (n, pattern) in SENDER_PATTERNS.iter().enumerate() {
            if pattern.scanner.is_some() {
                assert!(matched[n] > 20, "pattern {n} matched {} texts", matched[n]);
            }
        }
    }

    /// A pattern is skipped when its gate literal is absent: none matches without it, and the
    /// gates are found wherever they stand.
    #[test]
    fn sender_patterns_need_their_gates() {
        let mut texts = corpus_texts();
        for seed in SENDER_SEEDS {
            texts.extend(variants(seed));
            texts.push(seed.to_uppercase());
        }
        texts.push("sendomain your spf client host [messages from [".to_string());
        texts.extend(
            ["ip", "xip", "_ip", "\u{e9}ip", "a\u{a0}ip", "recipient ip"].map(String::from),
        );
        let mut gated = 0;
        for text in &texts {
            let lower = text.to_ascii_lowercase();
            let gates = sender_gates(&lower);
            for (n, literal) in SENDER_GATE_LITERALS.iter().enumerate() {
                assert_eq!(gates & (1 << n) != 0, lower.contains(literal), "{text:?}");
            }
            let word_ip = lower.match_indices("ip").any(|(at, _)| {
                at == 0
                    || !lower.as_bytes()[at - 1].is_ascii_alphanumeric()
                        && lower.as_bytes()[at - 1] != b'_'
            });
            assert_eq!(gates & (1 << WORD_IP_GATE) != 0, word_ip, "{text:?}");
            if needs_unicode_regex(text) {
                continue;
            }
            for (n, pattern) in SENDER_PATTERNS.iter().enumerate() {
                let Some(g) = pattern.gate else {
                    continue;
                };
                if pattern.regex.is_match(text) {
                    assert!(gates & (1 << g) != 0, "pattern {n} on {text:?}");
                    gated += 1;
                }
            }
        }
        assert!(gated > 100, "{gated} matches");
    }

    #[test]
    fn sender_patterns_without_a_scanner_need_their_literals() {
        let mut texts = corpus_texts();
        for seed in SENDER_SEEDS {
            texts.extend(variants(seed));
        }
        for text in &texts {
            let lower = text.to_ascii_lowercase();
            for pattern in SENDER_PATTERNS.iter() {
                if pattern.regex.is_match(text) && !(pattern.unicode && needs_unicode_regex(text)) {
                    assert!((pattern.needed)(&lower), "{text:?}");
                }
            }
        }
    }

    /// The patterns [`REMOTE_SCANNERS`] read: `(pattern, host group, ip group)`.
    const REMOTE_PATTERNS: [(&str, Option<usize>, Option<usize>); 6] = [
        (
            r"(?i)\bhost\s+([a-z0-9][a-z0-9.-]*)\s*\[([0-9a-f:.]+)\]",
            Some(1),
            Some(2),
        ),
        (
            r"(?i)\b([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)\.?\s*\[([0-9a-f:.]+)\]",
            Some(1),
            Some(2),
        ),
        (
            r"(?i)remote (?:host|server) \[?([0-9a-f:.]+)\]? said",
            None,
            Some(1),
        ),
        (
            r"(?i)\bby\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?\s",
            Some(1),
            None,
        ),
        (
            r"(?i)while talking to ([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.?:",
            Some(1),
            None,
        ),
        (
            r"(?i)remote server:?\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)",
            Some(1),
            None,
        ),
    ];

    /// The patterns [`HELO_SCANNERS`] read, each naming the HELO name in group 1.
    const HELO_PATTERNS: [&str; 3] = [
        r"(?i)<([a-z0-9][a-z0-9.-]*)>:?\s*helo command rejected",
        r"(?i)\b(?:helo|ehlo)\s*=\s*<?([a-z0-9][a-z0-9.-]*[a-z0-9])",
        r"(?i)\b(?:helo|ehlo)(?: name| hostname| host)\s*:?\s*[\[<(]?([a-z0-9][a-z0-9.-]*[a-z0-9])",
    ];

    const REMOTE_SEEDS: [&str; 8] = [
        "host mx.example.net[198.51.100.9] said: 550 (in reply to RCPT TO command)",
        "_a.b [1.2.3.4] mx-1.example.jp. [192.0.2.1] by mx..b [::1]",
        "Remote host [192.0.2.32] said: no; remote server 2001:db8::1 said",
        "the server for example.jp by mx.example.jp. and by mx.a ",
        "while talking to mx.example.net.: <<< 550, while talking to a.b..:",
        "Remote Server returned '550'; Remote server:  mx.example.net.x-y..z",
        "host\tMX_1 [1.2.3.4] and HOST a-b.c[12:ab:]",
        "remote server: a. b.c remote server a.b",
    ];

    const HELO_SEEDS: [&str; 5] = [
        "<mx.example.com>: Helo command rejected: Host not found",
        "<a-b.>:  HELO command rejected, <x> helo command rejected",
        "helo=<mx.example.com> ehlo = a.b- xhelo=ab _ehlo=a.b",
        "HELO name: [mx.example.org] and EHLO hostname (a.b.c) helo hostname:",
        "ehlo host <a1> helo name mail.example.com. helo hostnames",
    ];

    #[test]
    fn remote_and_helo_scanners_agree_with_the_patterns() {
        let remote: Vec<_> = REMOTE_PATTERNS
            .iter()
            .map(|(p, h, i)| (super::re(p), *h, *i))
            .collect();
        let helo: Vec<_> = HELO_PATTERNS.iter().map(|p| super::re(p)).collect();
        let mut texts = corpus_texts();
        for seed in REMOTE_SEEDS.iter().chain(&HELO_SEEDS) {
            texts.extend(variants(seed));
        }
        let mut matched = [0usize; 9];
        for text in &texts {
            let lower = text.to_ascii_lowercase();
            for (n, (regex, host, ip)) in remote.iter().enumerate() {
                let expected = regex.captures(text).map(|c| RemoteMatch {
                    host: host.map(|g| c.get(g).expect("a group").range()),
                    ip: ip.map(|g| c.get(g).expect("a group").range()),
                });
                matched[n] += usize::from(expected.is_some());
                assert_eq!(
                    remote_scan(n, text, &lower),
                    expected,
                    "pattern {n} on {text:?}"
                );
            }
            let words = helo_words(&lower);
            for (n, (regex, scan)) in helo.iter().zip(HELO_SCANNERS).enumerate() {
                let expected = regex
                    .captures(text)
                    .map(|c| c.get(1).expect("a group").range());
                matched[6 + n] += usize::from(expected.is_some());
                assert_eq!(
                    scan(text.as_bytes(), &lower, &words),
                    expected,
                    "HELO pattern {n} on {text:?}"
                );
            }
        }
        assert!(matched.iter().all(|&n| n > 20), "{matched:?}");
    }

    use super::*;

    #[test]
    fn multi_line_reply_collapses() {
        let text = "550-5.7.26 This mail is blocked because the sender\n550-5.7.26 is not verified.\n550 5.7.26 More text - gsmtp";
        assert_eq!(
            clean_diagnostic(text),
            "550 5.7.26 This mail is blocked because the sender is not verified. More text - gsmtp"
        );
    }

    /// [`clean_diagnostic`] as it was written first: the lines joined, then blank space
    /// collapsed by a second pass, the prefix read by its regex.
    fn clean_diagnostic_in_two_passes(prefix: &Regex, text: &str) -> String {
        let mut out = String::new();
        let mut seen_prefix = false;
        for line in text.lines() {
            let mut line = line.trim_start();
            while let Some(rest) = line.strip_prefix('>') {
                line = rest.trim_start();
            }
            let line = line.trim_end();
            if line.is_empty() {
                continue;
            }
            let mut body = line;
            if let Some(caps) = prefix.captures(line) {
                let whole = caps.get(0).map_or(0, |m| m.end());
                if !seen_prefix {
                    seen_prefix = true;
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str(&caps[1]);
                    if let Some(status) = caps.get(2) {
                        out.push(' ');
                        out.push_str(status.as_str().trim());
                    }
                }
                body = &line[whole..];
            }
            let body = body.trim();
            if body.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(body);
            if out.len() > MAX_DIAGNOSTIC {
                break;
            }
        }
        let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
        truncate(&collapsed, MAX_DIAGNOSTIC)
    }

    #[test]
    fn clean_diagnostic_agrees_with_the_two_passes() {
        let prefix = super::re(r"^([245]\d\d)[ -]((?:[245]\.\d{1,3}\.\d{1,3})(?:\s+|$))?");
        let mut texts = reply_texts();
        let seeds = [
            "> 550-5.7.1 a\n>> 550-5.7.1  b \t c\n\n 550 5.7.1 d\u{3000}e\r\n",
            "x\n550 \n550-5.1.1\n421 4.4.1 later",
            "a\x0c\x0cb \x1c c\u{85}d\x0b \u{2028}e  f\u{1680}",
        ];
        for seed in seeds {
            texts.extend(variants(seed));
        }
        // Long texts: blank space that collapses, and characters of several bytes at the cut.
        for (n, filler) in [
            "word   \t ",
            "é",
            "日本",
            "a\u{a0}\u{a0}b",
            ">  550-5.1.1  x  ",
        ]
        .iter()
        .enumerate()
        {
            for lines in [1, 150, 700] {
                let line = filler.repeat(n + 3);
                texts.push(vec![line; lines].join("\n"));
                texts.push(format!("{}{}", "x".repeat(n), filler.repeat(900)));
            }
        }
        for text in &texts {
            assert_eq!(
                clean_diagnostic(text),
                clean_diagnostic_in_two_passes(&prefix, text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn reply_code_after_text_stays_a_word() {
        assert_eq!(
            clean_diagnostic("-------server message\n550 unknown user <a@example.com>"),
            "-------server message 550 unknown user <a@example.com>"
        );
        assert_eq!(
            read_reply("192.0.2.1 does not like recipient. Remote host said: 550 5.1.1 no").command,
            Some("RCPT")
        );
    }

    #[test]
    fn statuses_skip_ip_addresses() {
        assert_eq!(statuses("host 5.1.1.1 said 550 5.7.1 no"), vec!["5.7.1"]);
        assert_eq!(best_status("5.0.0 then 5.1.1"), Some("5.1.1".into()));
    }

    #[test]
    fn code_with_status_scanner_agrees_with_the_regex() {
        let samples = [
            "said: 550 5.1.1 <a@b>",
            "550-5.7.26 x",
            "x550 5.1.1",
            "a.550 5.1.1 then (421 '#4.4.1 later",
            "_550 5.1.1; 450-\"4.2.2",
            "550 5.1234.5 and 552 5.2.2",
            "599 5.1.1 and 563 5.1.1 and 550 3.1.1 and 550 5.1.",
            "550 5.1.1",
            "5",
            "",
            "550  5.1.1 then 550 #5.1.1",
        ];
        for text in samples {
            let by_regex = CODE_WITH_STATUS
                .captures(text)
                .and_then(|c| c[1].parse::<u16>().ok());
            assert_eq!(code_with_status_scan(text, |_| ()), Ok(by_regex), "{text}");
        }
    }

    #[test]
    fn one_pass_codes_agree_with_the_old_readings() {
        let mut texts = corpus_texts();
        let seeds = [
            "said: 421 busy, then 550 5.1.1 unknown",
            "said550 5.1.1 and (452 later",
            "x550 5.1.1 y 550-5.1.1",
            "5.0.0 and 4.0.0 then 5.1.1",
            &"5.0.0 ".repeat(20),
            &format!("{}5.2.2", "4.0.0 ".repeat(19)),
            &format!("{}5.2.2", "4.0.0 ".repeat(20)),
        ];
        for seed in REPLY_SEEDS.iter().chain(&UNICODE_CODE_SEEDS).chain(&seeds) {
            texts.extend(variants(seed));
        }
        let old_best_status = |text: &str| {
            let all = statuses(text);
            all.iter()
                .find(|s| !s.ends_with(".0.0"))
                .or(all.first())
                .cloned()
        };
        let (mut codes, mut best) = (0, 0);
        for text in &texts {
            let code = old_reply_code(text);
            assert_eq!(reply_code(text), code, "{text:?}");
            let status = old_best_status(text);
            assert_eq!(best_status(text), status, "{text:?}");
            codes += usize::from(code.is_some());
            best += usize::from(status.is_some());
        }
        assert!(
            codes > 5_000 && best > 5_000,
            "{codes} codes, {best} statuses"
        );
    }

    /// The 16-pair check finds what the byte loop finds: on every line of the corpus texts,
    /// on made-up ones, and with each odd byte or pair of spaces at every place of every
    /// length around the lanes' size.
    #[test]
    fn unusual_is_the_byte_loop() {
        let mut texts = corpus_texts();
        for seed in ["a  b", "x\ty", "é", "\r\x0b\x0c", " a", "a "] {
            texts.extend(variants(seed));
        }
        let mut seen = 0;
        for text in &texts {
            for line in crate::bounce::scan::lines(text) {
                let b = line.as_bytes();
                assert_eq!(unusual(b), old_unusual(b), "{line:?}");
                seen += usize::from(old_unusual(b));
            }
        }
        assert!(seen > 100, "{seen} unusual lines");
        for len in 0..70 {
            let mut b = vec![b'a'; len];
            assert_eq!(unusual(&b), old_unusual(&b));
            for at in 0..len {
                for odd in [
                    b'\t', b'\r', 0x0b, 0x0c, b'\n', 0x80, 0xff, b' ', 0x08, 0x0e,
                ] {
                    b[at] = odd;
                    assert_eq!(unusual(&b), old_unusual(&b), "{len} {at} {odd}");
                    if at + 1 < len && odd == b' ' {
                        b[at + 1] = b' ';
                        assert!(unusual(&b), "{len} {at}");
                        assert_eq!(unusual(&b), old_unusual(&b), "{len} {at}");
                        b[at + 1] = b'a';
                    }
                    b[at] = b'a';
                }
            }
        }
    }

    #[test]
    fn byte_trims_are_the_str_trims() {
        let mut texts = corpus_texts();
        for seed in [
            " \u{a0}x\u{3000} \t",
            "\u{85} é \u{2028}",
            "\t\r\n",
            "日本 ",
            " \u{1c}a\u{1f} ",
        ] {
            texts.extend(variants(seed));
        }
        for text in &texts {
            assert_eq!(trim_start(text), text.trim_start(), "{text:?}");
            assert_eq!(trim_end(text), text.trim_end(), "{text:?}");
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    /// Non-ASCII texts where the Unicode `\w` and `\d` of [`CODE_WITH_STATUS`] matter.
    const UNICODE_CODE_SEEDS: [&str; 8] = [
        "エラー550 5.1.1 宛先不明",
        "エラー：550 5.1.1 宛先不明",
        "é550 5.1.1 then 550 5.1.1",
        "55٣ 5.1.1 and 550 5.1.1",
        "550 5.١.1 and 550 5.1.1",
        "550 5.1.١ and 421 4.1.12",
        "550 5.1١.1 then 550 ５.1.1",
        "550 5.12٣.1 then ½550 5.1.1 then (550 5.1.1",
    ];

    #[test]
    fn code_with_status_scanner_agrees_with_the_regex_on_the_corpus() {
        let mut texts = corpus_texts();
        for seed in REPLY_SEEDS.iter().chain(&UNICODE_CODE_SEEDS) {
            texts.extend(variants(seed));
        }
        let (mut sure, mut unsure) = (0, 0);
        for text in &texts {
            let by_regex = CODE_WITH_STATUS
                .captures(text)
                .and_then(|c| c[1].parse::<u16>().ok());
            assert_eq!(code_with_status(text), by_regex, "{text:?}");
            match code_with_status_scan(text, |_| ()) {
                Ok(code) => {
                    assert_eq!(code, by_regex, "{text:?}");
                    sure += usize::from(!text.is_ascii());
                }
                Err(Unsure) => {
                    assert!(!text.is_ascii(), "{text:?}");
                    unsure += 1;
                }
            }
        }
        assert!(
            sure > 1_000 && unsure > 100,
            "{sure} read by hand, {unsure} by the regex"
        );
    }

    #[test]
    fn reply_code_found() {
        assert_eq!(reply_code("said: 550 5.1.1 <a@b>"), Some(550));
        assert_eq!(reply_code("421-4.7.0 try later"), Some(421));
        assert_eq!(reply_code("no code in 2024 here"), None);
    }

    #[test]
    fn remote_and_command() {
        let r = read_reply(
            "host mx.example.net[198.51.100.9] said: 550 5.7.23 no (in reply to RCPT TO command)",
        );
        assert_eq!(r.remote_host.as_deref(), Some("mx.example.net"));
        assert_eq!(r.remote_ip, Some("198.51.100.9".parse().unwrap()));
        assert_eq!(r.command, Some("RCPT"));
        assert_eq!(r.status.as_deref(), Some("5.7.23"));
        assert_eq!(r.reply_code, Some(550));
    }

    #[test]
    fn gmail_spf_check_for() {
        let t = "DKIM checks did not pass and SPF check for [example.com] did not pass with ip: [203.0.113.5]. To best";
        let (d, ip) = sender_in_text(&ReceiverText::new(t));
        assert_eq!(d.as_deref(), Some("example.com"));
        assert_eq!(ip, Some("203.0.113.5".parse().unwrap()));
    }

    #[test]
    fn sender_named_by_receiver() {
        let (d, ip) = sender_in_text(&ReceiverText::new(
            "SPF [example.com] with ip : [203.0.113.5] = failed",
        ));
        assert_eq!(d.as_deref(), Some("example.com"));
        assert_eq!(ip, Some("203.0.113.5".parse().unwrap()));
        let (d, ip) = sender_in_text(&ReceiverText::new(
            "550 5.1.0 203.0.113.5 is not allowed to send from <example.com> per it's SPF Record.",
        ));
        assert_eq!(d.as_deref(), Some("example.com"));
        assert_eq!(ip, Some("203.0.113.5".parse().unwrap()));
        let (_, ip) = sender_in_text(&ReceiverText::new("Client host [10.0.0.1] blocked"));
        assert_eq!(ip, None);
        let (_, ip) = sender_in_text(&ReceiverText::new("banned sending IP [2001:db8::5]"));
        assert_eq!(ip, Some("2001:db8::5".parse().unwrap()));
    }

    /// [`sender_in_text`] as it was: every gate, the word `ip` too, found before the patterns.
    fn old_sender_in_text(receiver: &ReceiverText) -> (Option<String>, Option<IpAddr>) {
        let mut domain = None;
        let mut ip = None;
        let (text, lower) = (receiver.text, &*receiver.lower);
        let folds = needs_unicode_regex(text);
        let gates = if folds { u32::MAX } else { sender_gates(lower) };
        for pattern in &SENDER_PATTERNS {
            if pattern.gate.is_some_and(|g| gates & (1 << g) == 0) {
                continue;
            }
            let by_regex = folds && pattern.unicode;
            if !by_regex && pattern.scanner.is_none() && !(pattern.needed)(lower) {
                continue;
            }
            let mut take = |d: Option<&str>, i: Option<&str>| {
                if domain.is_none()
                    && let Some(d) = d
                {
                    domain = clean_domain(d);
                }
                if ip.is_none()
                    && let Some(i) = i
                {
                    ip = parse_ip(i).filter(is_usable_ip);
                }
            };
            match pattern.scanner {
                Some(scan) if !by_regex => {
                    let mut from = 0;
                    for _ in 0..5 {
                        let Some(m) = scan(text, lower, from) else {
                            break;
                        };
                        take(m.domain.map(|r| &text[r]), m.ip.map(|r| &text[r]));
                        from = m.end;
                    }
                }
                _ => {
                    for caps in pattern.regex.captures_iter(text).take(5) {
                        let group =
                            |g: Option<usize>| g.and_then(|g| caps.get(g)).map(|m| m.as_str());
                        take(group(pattern.domain), group(pattern.ip));
                    }
                }
            }
            if domain.is_some() && ip.is_some() {
                break;
            }
        }
        (domain, ip)
    }

    /// [`helo_in_text`] as it was: `helo` and `ehlo` searched for in every text.
    fn old_helo_in_text(receiver: &ReceiverText) -> Option<String> {
        let (text, lower) = (receiver.text, &*receiver.lower);
        let words = helo_words(lower);
        if words.is_empty() {
            return None;
        }
        HELO_SCANNERS.iter().find_map(|scan| {
            scan(text.as_bytes(), lower, &words)
                .map(|r| text[r].to_ascii_lowercase())
                .filter(|h| h.contains('.') || h.len() > 2)
        })
    }

    /// The sender and HELO readers, their gates shared and the word `ip` looked for last, read
    /// what they read with every gate found first, on the corpus and on variants of the seeds.
    #[test]
    fn shared_gates_read_as_the_eager_ones() {
        let mut texts = corpus_texts();
        for seed in SENDER_SEEDS.iter().chain(&HELO_SEEDS) {
            texts.extend(variants(seed));
            texts.push(seed.to_uppercase());
        }
        texts.extend(
            [
                "helo",
                "ehlo=",
                "xhelo=a.b",
                "HeLo=a.b helo",
                "\u{17f}pf helo=a.b",
                "EHLO=mx.example.net",
                "(ehlo name: [a.b.c])",
                "\u{212a} ehlo host mail.example.org",
            ]
            .map(String::from),
        );
        let (mut senders, mut helos) = (0, 0);
        for text in &texts {
            let new = ReceiverText::new(text);
            let old = ReceiverText::new(text);
            let sender = sender_in_text(&new);
            assert_eq!(sender, old_sender_in_text(&old), "{text:?}");
            senders += usize::from(sender != (None, None));
            let helo = helo_in_text(&new);
            assert_eq!(helo, old_helo_in_text(&old), "{text:?}");
            helos += usize::from(helo.is_some());
        }
        assert!(
            senders > 100 && helos > 20,
            "{senders} senders, {helos} HELO names"
        );
    }
}
