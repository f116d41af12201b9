//! Opens a bounce message with the MIME walker and sorts its parts into what the dialects read: the
//! human-readable report, the `message/delivery-status` fields, a feedback report, and the
//! returned original (whole, headers only, or pasted inline after a marker line).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use super::headers::Headers;
use super::mime::Body;
use super::smtp::{is_space, trim};

/// The most MIME parts looked at in one message.
const MAX_PARTS: usize = 200;
/// The most text kept from the human-readable parts, in bytes.
const MAX_BODY: usize = 512 * 1024;

/// A bounce laid out for the dialect parsers.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    /// The bounce's own headers (empty for pasted text).
    pub headers: Headers,
    /// The human-readable report, without any returned message pasted after it.
    pub body: String,
    /// The human-readable text whole, returned message included (forwarded bounces sit there),
    /// when a returned message was cut out of [`Ctx::body`]; otherwise it is the body and is
    /// not copied.
    pub full_body: Option<String>,
    /// The texts of the `message/delivery-status` parts.
    pub dsn: Vec<String>,
    /// The text of a `message/feedback-report` part.
    pub feedback: Option<String>,
    /// The `report-type` of a `multipart/report`, lower-cased.
    pub report_type: Option<String>,
    /// The exact bytes of a returned `message/rfc822` part: the first message attached whole.
    pub returned_raw: Option<Vec<u8>>,
    /// The headers of the returned message, wherever they came from.
    pub returned_headers: Option<Headers>,
    /// The messages attached whole after the first (which is [`Ctx::returned_raw`]): kept
    /// apart so that the first is not copied twice. See [`Ctx::attached`].
    pub attached_after_first: Vec<Vec<u8>>,
    pub warnings: Vec<String>,
}

impl Ctx {
    /// The human-readable text whole, returned message included (forwarded bounces sit there).
    pub fn full_body(&self) -> &str {
        self.full_body.as_deref().unwrap_or(&self.body)
    }

    /// Every message attached whole, in order (a bounce forwarded as an attachment is one of
    /// them).
    pub fn attached(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.returned_raw
            .iter()
            .chain(&self.attached_after_first)
            .map(Vec::as_slice)
    }

    /// Files a message attached whole: the first is the returned message, whose headers are
    /// read.
    fn attach(&mut self, raw: Vec<u8>, text: impl FnOnce(&[u8]) -> Headers) {
        if self.returned_raw.is_none() {
            self.returned_headers = Some(text(&raw));
            self.returned_raw = Some(raw);
        } else {
            self.attached_after_first.push(raw);
        }
    }

    /// The value of one of the bounce's own headers.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)
    }
}

/// The phrases that begin a copy of the returned message pasted into the report text, in the
/// order they are tried at a place, lower case. Where a phrase has more after it, the [`Tail`]
/// says what.
const RETURNED_PHRASES: [(&str, Tail); 17] = [
    ("this is a copy of the message", Tail::None),
    ("below this line is a copy of the message", Tail::None),
    ("original message", Tail::Dashes),
    ("original message follows", Tail::None),
    ("unsent message follows", Tail::None),
    ("message headers follow", Tail::None),
    ("the header of the original message", Tail::None),
    ("original message headers:", Tail::None),
    ("returned message follows", Tail::None),
    ("headers of the original message", Tail::None),
    ("the original message was", Tail::LineEnd),
    ("content-type: message/rfc822", Tail::None),
    ("the text you sent follows", Tail::None),
    ("original mail:", Tail::None),
    // fml: "Original mail as follows:", the message indented.
    ("original mail as follows", Tail::None),
    ("copy of the original message", Tail::None),
    ("included is a copy of the message header", Tail::None),
    // ("the header of the original message is following" is met by its prefix above.)
];

/// What must follow a returned-message phrase.
#[derive(Clone, Copy)]
enum Tail {
    None,
    /// Blanks, then one dash or more (all of them taken).
    Dashes,
    /// An optional colon, then blanks to the end of a line (the last line end in the blanks).
    LineEnd,
}

/// The bytes a marker line may begin with before its phrase (the ASCII blanks of `\s`).
fn is_lead(b: u8) -> bool {
    is_space(b) || matches!(b, b'>' | b'-')
}

/// Where a copy of the returned message pasted into the report text begins: a line that starts,
/// after blanks, `>` and dashes (which may run over lines: the match starts at the first line
/// start among them), with one of [`RETURNED_PHRASES`]; ASCII case ignored. The start of the
/// first such line and the end of its phrase.
fn returned_marker(text: &str) -> Option<(usize, usize)> {
    let s = text.as_bytes();
    let mut line = 0;
    loop {
        // The lead bytes from this line start, and the first line start among them.
        let mut at = line;
        while s.get(at).is_some_and(|&b| is_lead(b)) {
            at += 1;
        }
        if let Some(end) = phrase_at(s, at) {
            return Some((line, end));
        }
        // On to the line after the one the phrase place is on.
        let next = crate::bytes::find_near(b'\n', s.get(at..)?)?;
        line = at + next + 1;
    }
}

/// The bytes a phrase of [`RETURNED_PHRASES`] begins with, either case: most lines begin with
/// none of them and are passed over with one look-up.
static PHRASE_STARTS: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < RETURNED_PHRASES.len() {
        let first = RETURNED_PHRASES[i].0.as_bytes()[0];
        table[first as usize] = true;
        table[first.to_ascii_uppercase() as usize] = true;
        i += 1;
    }
    table
};

/// The end of the first of [`RETURNED_PHRASES`] at `at` with what it needs after it.
fn phrase_at(s: &[u8], at: usize) -> Option<usize> {
    let first = *s.get(at)?;
    if !PHRASE_STARTS[usize::from(first)] {
        return None;
    }
    let first = first.to_ascii_lowercase();
    RETURNED_PHRASES.iter().find_map(|&(phrase, tail)| {
        if phrase.as_bytes()[0] != first
            || !s
                .get(at..at + phrase.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(phrase.as_bytes()))
        {
            return None;
        }
        let mut end = at + phrase.len();
        match tail {
            Tail::None => Some(end),
            Tail::Dashes => {
                while s.get(end).is_some_and(|&b| is_space(b)) {
                    end += 1;
                }
                let dashes = s.get(end..)?.iter().take_while(|&&b| b == b'-').count();
                (dashes > 0).then_some(end + dashes)
            }
            Tail::LineEnd => {
                if s.get(end) == Some(&b':') {
                    end += 1;
                }
                let blanks = s.get(end..)?.iter().take_while(|&&b| is_space(b)).count();
                if end + blanks == s.len() {
                    Some(s.len())
                } else {
                    memchr::memrchr(b'\n', &s[end..end + blanks]).map(|nl| end + nl)
                }
            }
        }
    })
}

impl Ctx {
    /// Lays out pasted text: everything is report body.
    pub fn from_text(text: &str) -> Ctx {
        let mut ctx = Ctx::default();
        ctx.set_body(text.to_string());
        ctx
    }

    /// Lays out a whole message; `text` is `bytes` decoded (see [`super::lossy`]), `headers`
    /// its header block when the caller has read it already.
    pub fn from_message(bytes: &[u8], text: &str, headers: Option<Headers>) -> Ctx {
        let headers = headers.unwrap_or_else(|| {
            let rest = skip_mbox_line(text);
            Headers::parse_top(rest, text.len() - rest.len())
        });
        let top = headers.top();
        let mut ctx = Ctx {
            headers,
            ..Ctx::default()
        };
        let Some(mut message) = super::mime::walk(bytes, Some(text), top, MAX_PARTS, |ct| {
            FullType::of(ct).reads_bytes()
        }) else {
            ctx.warnings
                .push("the message could not be parsed as MIME".into());
            let body = text.split_once("\n\n").map(|(_, b)| b).unwrap_or("");
            ctx.set_body(body.to_string());
            return ctx;
        };
        if let Some(ct) = message.content_type()
            && ct.ctype().eq_ignore_ascii_case("multipart")
        {
            ctx.report_type = ct.attribute("report-type").map(|s| s.to_ascii_lowercase());
            if let Some(boundary) = ct.attribute("boundary")
                && !has_closing_boundary(text.as_bytes(), boundary.as_bytes())
            {
                ctx.warnings
                    .push("truncated MIME: the closing boundary of the message is missing".into());
            }
        }
        // The message as text when it is valid UTF-8: parts cut from it need no second check.
        let whole = Some(text).filter(|t| std::ptr::eq(t.as_bytes(), bytes));
        let mut texts: Vec<String> = Vec::new();
        // Stripped only when no text part has words (rarely): most HTML parts come beside a
        // plain one.
        let mut htmls: Vec<&str> = Vec::new();
        for (i, part) in message.parts.iter().enumerate() {
            let full = FullType::of(part.content_type.as_ref());
            let full = full.as_bytes();
            match &part.body {
                Body::Multipart => {}
                Body::Message(raw) => {
                    // Read by the walker on its way, for the first such part.
                    let read = message.attached_headers.take_if(|(at, _)| *at == i);
                    let headers = || match read {
                        Some((_, headers)) => headers,
                        None => Headers::parse(&super::mime::text_within(whole, raw)).0,
                    };
                    if holds(full, b"rfc822-headers") || holds(full, b"global-headers") {
                        ctx.returned_headers.get_or_insert_with(headers);
                    } else {
                        ctx.attach(raw.to_vec(), |_| headers());
                    }
                }
                Body::Text(s) | Body::Html(s) => {
                    ctx.add_part(
                        full,
                        s.as_bytes(),
                        || Cow::Borrowed(s),
                        part.encoding_problem,
                    );
                    if !is_special(full) {
                        if matches!(part.body, Body::Html(_)) {
                            htmls.push(s);
                        } else {
                            texts.push(s.to_string());
                        }
                    }
                }
                Body::Binary(b) => {
                    let b: &[u8] = b;
                    ctx.add_part(
                        full,
                        b,
                        || super::mime::text_within(whole, b),
                        part.encoding_problem,
                    );
                }
                // Bytes [`reads_bytes`] turned down, of a type no field is filed under; a part
                // that failed to decode comes as `Binary` and is noted above.
                Body::Undecoded => {}
            }
        }
        let mut body = if texts.iter().any(|t| !trim(t).is_empty()) {
            // One part (the usual case) is the body as it is, not copied once more.
            match <[String; 1]>::try_from(texts) {
                Ok([text]) => text,
                Err(texts) => texts.join("\n\n"),
            }
        } else {
            let htmls: Vec<String> = htmls.into_iter().map(strip_html).collect();
            htmls.join("\n\n")
        };
        if trim(&body).is_empty() && ctx.dsn.is_empty() && ctx.returned_raw.is_none() {
            // Broken MIME (an unfolded `boundary=` line) hides every part: read the raw body.
            let raw = skip_mbox_line(text)
                .split_once("\n\n")
                .map(|(_, b)| b)
                .unwrap_or("");
            if !raw.trim().is_empty() {
                ctx.warnings
                    .push("no text part could be found; the raw body was read".into());
                body = raw.to_string();
            }
        }
        ctx.set_body(body);
        ctx
    }

    /// Files a non-body part by its content type.
    /// `as_text` gives the bytes as text (without a second UTF-8 check where they are known).
    fn add_part<'t>(
        &mut self,
        full: &[u8],
        bytes: &[u8],
        as_text: impl Fn() -> Cow<'t, str>,
        encoding_problem: bool,
    ) {
        let text = || crlf_to_lf(as_text());
        if full.ends_with(b"delivery-status") {
            self.dsn.push(text());
        } else if full == b"message/feedback-report" {
            self.feedback.get_or_insert_with(text);
        } else if holds(full, b"rfc822-headers") || full.ends_with(b"global-headers") {
            self.returned_headers
                .get_or_insert_with(|| Headers::parse(&text()).0);
        } else if full == b"message/rfc822" || full == b"message/global" {
            self.attach(bytes.to_vec(), |_| Headers::parse(&text()).0);
        }
        if encoding_problem {
            self.warnings.push(format!(
                "a {} part could not be decoded",
                String::from_utf8_lossy(full)
            ));
        }
    }

    /// Keeps the report text, moving a returned message pasted after a marker line out of it.
    /// The body is taken owned and cut in place (as [`super::smtp::truncate`] cuts it), so
    /// that the usual body, with nothing to move out, is kept without a copy.
    fn set_body(&mut self, mut body: String) {
        body.truncate(body.floor_char_boundary(MAX_BODY));
        match returned_marker(&body) {
            Some((start, end)) if start > 0 => {
                let rest = &body[end..];
                let rest = rest.split_once('\n').map(|(_, r)| r).unwrap_or("");
                if self.returned_headers.is_none() {
                    let (h, _) = Headers::parse(&dedent(rest));
                    if !h.is_empty() {
                        self.returned_headers = Some(h);
                    }
                }
                self.body = body[..start].to_string();
                self.full_body = Some(body);
            }
            _ => self.body = body,
        }
    }
}

/// A returned message pasted with every line indented (fml puts three spaces before each) as
/// it was sent: the blank lines before it dropped, and the first line's indentation taken off
/// every line that has it.
fn dedent(text: &str) -> Cow<'_, str> {
    let content = text.trim_start_matches(['\n', ' ', '\t']);
    let skipped = &text[..text.len() - content.len()];
    let indent = skipped.rfind('\n').map_or(skipped, |nl| &skipped[nl + 1..]);
    if indent.is_empty() {
        return Cow::Borrowed(content);
    }
    let block = &text[skipped.len() - indent.len()..];
    let mut out = String::with_capacity(block.len());
    for line in block.split_inclusive('\n') {
        out.push_str(line.strip_prefix(indent).unwrap_or(line));
    }
    Cow::Owned(out)
}

/// `text` with every CRLF made LF: the bytes between carriage returns copied in runs
/// (`str::replace` searches for the two-byte pattern with its general string searcher).
fn crlf_to_lf(text: std::borrow::Cow<'_, str>) -> String {
    let bytes = text.as_bytes();
    let Some(first) = memchr::memchr(b'\r', bytes) else {
        return text.into_owned();
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = first;
    loop {
        if bytes.get(at + 1) == Some(&b'\n') {
            // The run before the CR ends at a character boundary: a CR is ASCII.
            out.push_str(&text[copied..at]);
            copied = at + 1;
        }
        match crate::bytes::find_near(b'\r', &bytes[at + 1..]) {
            Some(next) => at += 1 + next,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// A part's `type/subtype`, lower-cased, on the stack: every part's type is asked for (twice
/// for the parts the walker decodes), and a heap string per part cost more than the tests on it.
struct FullType {
    buf: [u8; FullType::CAP],
    len: usize,
    /// A name longer than the buffer (none in practice).
    long: Option<String>,
}

impl FullType {
    const CAP: usize = 64;

    /// The type of a part, `text/plain` without one.
    fn of(content_type: Option<&mail_parser::ContentType<'_>>) -> FullType {
        let (ctype, subtype) = content_type.map_or(("text", "plain"), |ct| {
            (ct.ctype(), ct.subtype().unwrap_or(""))
        });
        let len = ctype.len() + 1 + subtype.len();
        let mut full = FullType {
            buf: [0; FullType::CAP],
            len,
            long: None,
        };
        if len > FullType::CAP {
            let mut long = format!("{ctype}/{subtype}");
            long.make_ascii_lowercase();
            full.long = Some(long);
            return full;
        }
        full.buf[..ctype.len()].copy_from_slice(ctype.as_bytes());
        full.buf[ctype.len()] = b'/';
        full.buf[ctype.len() + 1..len].copy_from_slice(subtype.as_bytes());
        full.buf[..len].make_ascii_lowercase();
        full
    }

    /// The name's bytes: whole strings and a `/`, ASCII lower-cased (UTF-8 still).
    fn as_bytes(&self) -> &[u8] {
        match &self.long {
            Some(long) => long.as_bytes(),
            None => &self.buf[..self.len],
        }
    }

    /// Whether [`Ctx::add_part`] reads the bytes of a part of this type (the walker need not
    /// decode the others).
    fn reads_bytes(&self) -> bool {
        let full = self.as_bytes();
        full.ends_with(b"delivery-status")
            || full == b"message/feedback-report"
            || holds(full, b"rfc822-headers")
            || full.ends_with(b"global-headers")
            || full == b"message/rfc822"
            || full == b"message/global"
    }
}

/// `str::contains` for the short type names: a `str` search builds its searcher per call.
fn holds(full: &[u8], word: &[u8]) -> bool {
    full.windows(word.len())
        .any(|w| w[0] == word[0] && w == word)
}

fn is_special(full: &[u8]) -> bool {
    full.ends_with(b"delivery-status")
        || full.ends_with(b"feedback-report")
        || holds(full, b"rfc822")
        || full.ends_with(b"global-headers")
}

/// Whether `text` holds `--boundary--`: looked for from the end, where a closing boundary
/// sits, one dash at a time (a searcher built for the one pattern cost more than the look).
fn has_closing_boundary(text: &[u8], boundary: &[u8]) -> bool {
    let len = boundary.len() + 4;
    memchr::memrchr_iter(b'-', text).any(|at| {
        text.get(at..at + len).is_some_and(|w| {
            w.starts_with(b"--") && w.ends_with(b"--") && &w[2..len - 2] == boundary
        })
    })
}

fn skip_mbox_line(text: &str) -> &str {
    if text.starts_with("From ") {
        text.split_once('\n').map(|(_, r)| r).unwrap_or("")
    } else {
        text
    }
}

/// The three HTML patterns, run only where a character outside ASCII next to a tag name could
/// decide a match (a Unicode blank after `<`, a Unicode word or digit character after the
/// name, the long s that folds to `s`): the scanners below find exactly their matches otherwise.
static BREAK: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(r"(?i)<\s*(?:br|/p|/div|/tr|/li|/h\d|p|div|tr)\b[^>]*>")
});
static DROP: LazyLock<Regex> = LazyLock::new(|| {
    crate::bounce::pattern(r"(?is)<(?:style|script|head)\b.*?</(?:style|script|head)>")
});

/// Text of an HTML part: tags dropped, block ends made line breaks, a few entities decoded.
pub(crate) fn strip_html(html: &str) -> String {
    let s = drop_blocks(html).unwrap_or_else(|| DROP.replace_all(html, "").into_owned());
    let s = break_blocks(&s).unwrap_or_else(|| BREAK.replace_all(&s, "\n").into_owned());
    let s = drop_tags(&s);
    decode_entities(s)
}

/// The entities [`strip_html`] decodes and what they stand for.
const ENTITIES: [(&str, &str); 6] = [
    ("&nbsp;", " "),
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&quot;", "\""),
    ("&#39;", "'"),
    ("&amp;", "&"),
];

/// [`ENTITIES`] decoded in one pass from `&` to `&`. The same as replacing each entity in
/// turn: every entity starts with its only `&`, so no two matches overlap, and no replacement
/// can be part of a later match (`&amp;` goes last there, so the `&` it gives stays).
fn decode_entities(s: String) -> String {
    let bytes = s.as_bytes();
    let Some(first) = memchr::memchr(b'&', bytes) else {
        return s;
    };
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut at = first;
    loop {
        let rest = &bytes[at..];
        if let Some((entity, with)) = ENTITIES
            .iter()
            .find(|(entity, _)| rest.starts_with(entity.as_bytes()))
        {
            // `&` is ASCII: the run before it ends at a character boundary.
            out.push_str(&s[copied..at]);
            out.push_str(with);
            copied = at + entity.len();
        }
        match memchr::memchr(b'&', &bytes[at + 1..]) {
            Some(next) => at += 1 + next,
            None => break,
        }
    }
    out.push_str(&s[copied..]);
    out
}

/// `s[at..]` begins with `word` (ASCII lower case), ASCII case ignored.
fn starts_with_word(s: &[u8], at: usize, word: &str) -> bool {
    s.get(at..at + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// Whether a word ending at `at` ends at a word boundary; `None` where a character outside
/// ASCII decides.
fn boundary_at(s: &[u8], at: usize) -> Option<bool> {
    match s.get(at) {
        None => Some(true),
        Some(&b) if !b.is_ascii() => None,
        Some(&b) => Some(!(b.is_ascii_alphanumeric() || b == b'_')),
    }
}

/// Replaces every match of a tag pattern in `html` by `with`: `tag_end(lt)` is where the match
/// starting at the `<` at `lt` ends (`Ok(None)`: none starts there; `Err(())`: none starts
/// there or further on; `None`: the scanner cannot tell).
fn replace_tags(
    html: &str,
    with: &str,
    mut tag_end: impl FnMut(usize) -> Option<Result<Option<usize>, ()>>,
) -> Option<String> {
    let s = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let (mut copied, mut from) = (0, 0);
    while let Some(lt) = s.get(from..).and_then(|r| memchr::memchr(b'<', r)) {
        let lt = from + lt;
        match tag_end(lt)? {
            Ok(Some(end)) => {
                out.push_str(html.get(copied..lt)?);
                out.push_str(with);
                copied = end;
                from = end;
            }
            Ok(None) => from = lt + 1,
            Err(()) => break,
        }
    }
    out.push_str(html.get(copied..)?);
    Some(out)
}

/// [`DROP`]: `<style`, `<script` or `<head` to the first `</style>`, `</script>` or `</head>`
/// after it, removed.
fn drop_blocks(html: &str) -> Option<String> {
    if html.contains('\u{17f}') {
        return None;
    }
    let s = html.as_bytes();
    let names = ["style", "script", "head"];
    replace_tags(html, "", |lt| {
        let Some(name) = names.iter().find(|n| starts_with_word(s, lt + 1, n)) else {
            return Some(Ok(None));
        };
        let after = lt + 1 + name.len();
        if !boundary_at(s, after)? {
            return Some(Ok(None));
        }
        let mut at = after;
        while let Some(close) = s.get(at..).and_then(|r| memchr::memmem::find(r, b"</")) {
            let name_at = at + close + 2;
            if let Some(n) = names.iter().find(|n| {
                starts_with_word(s, name_at, n) && s.get(name_at + n.len()) == Some(&b'>')
            }) {
                return Some(Ok(Some(name_at + n.len() + 1)));
            }
            at = name_at;
        }
        Some(Err(()))
    })
}

/// [`BREAK`]: a tag that ends a block or line (`<br>`, `</p>`, `<div ...>`, `</h2>`, ...) made
/// a line break.
fn break_blocks(html: &str) -> Option<String> {
    let s = html.as_bytes();
    let names = ["br", "/p", "/div", "/tr", "/li", "/h", "p", "div", "tr"];
    replace_tags(html, "\n", |lt| {
        let mut at = lt + 1;
        while s
            .get(at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        {
            at += 1;
        }
        if s.get(at).is_some_and(|b| !b.is_ascii()) {
            return None;
        }
        for name in names {
            if !starts_with_word(s, at, name) {
                continue;
            }
            let mut after = at + name.len();
            if name == "/h" {
                match s.get(after) {
                    Some(b) if b.is_ascii_digit() => after += 1,
                    Some(b) if !b.is_ascii() => return None,
                    _ => continue,
                }
            }
            if boundary_at(s, after)? {
                return Some(match s.get(after..).and_then(|r| memchr::memchr(b'>', r)) {
                    Some(gt) => Ok(Some(after + gt + 1)),
                    None => Err(()),
                });
            }
        }
        Some(Ok(None))
    })
}

/// Every tag, `<` to the next `>`, removed.
fn drop_tags(html: &str) -> String {
    let s = html.as_bytes();
    replace_tags(html, "", |lt| {
        Some(match s.get(lt..).and_then(|r| memchr::memchr(b'>', r)) {
            Some(gt) => Ok(Some(lt + gt + 1)),
            None => Err(()),
        })
    })
    .unwrap_or_else(|| html.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::mime::{Body, walk};

    /// The pattern [`super::drop_tags`] replaced.
    static TAG: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| crate::bounce::pattern(r"(?s)<[^>]*>"));

    /// [`super::strip_html`] as it was: the three patterns run one after the other.
    fn strip_html_by_patterns(html: &str) -> String {
        let s = super::DROP.replace_all(html, "");
        let s = super::BREAK.replace_all(&s, "\n");
        let s = TAG.replace_all(&s, "");
        entities_in_turn(&s)
    }

    /// The six entity replacements in turn, as HTML text was once decoded.
    fn entities_in_turn(s: &str) -> String {
        s.replace("&nbsp;", " ")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    }

    /// Holds each scanner to its pattern on `html`; counts the texts a scanner left to it.
    fn check_html(html: &str, left: &mut usize) {
        assert_eq!(
            super::strip_html(html),
            strip_html_by_patterns(html),
            "{html:?}"
        );
        match super::drop_blocks(html) {
            Some(s) => assert_eq!(s, super::DROP.replace_all(html, ""), "{html:?}"),
            None => *left += 1,
        }
        match super::break_blocks(html) {
            Some(s) => assert_eq!(s, super::BREAK.replace_all(html, "\n"), "{html:?}"),
            None => *left += 1,
        }
        assert_eq!(
            super::drop_tags(html),
            TAG.replace_all(html, ""),
            "{html:?}"
        );
    }

    /// The HTML and text parts of every corpus email.
    fn corpus_texts() -> Vec<String> {
        let mut texts = Vec::new();
        for bytes in crate::bounce::corpus_emails() {
            for part in walk(&bytes, None, None, 200, |_| true)
                .map(|m| m.parts)
                .unwrap_or_default()
            {
                if let Body::Html(s) | Body::Text(s) = part.body {
                    texts.push(s.into_owned());
                }
            }
        }
        texts
    }

    /// The scanners that strip HTML find what the patterns found, on the corpus parts, their
    /// lines, and changed copies of them (case, blanks, characters outside ASCII by the tags,
    /// cuts), and on every short mix of tag pieces.
    #[test]
    fn strip_html_scanners_are_the_patterns() {
        let (mut left, mut checked, mut html, mut html_left) = (0, 0, 0, 0);
        for text in corpus_texts() {
            if text.contains('<') {
                html += 1;
                check_html(&text, &mut html_left);
            }
            let lines: Vec<&str> = text.lines().collect();
            let mut variants = vec![
                text.clone(),
                text.to_uppercase(),
                text.replace('<', "< "),
                text.replace('<', "<\u{a0}"),
                text.replace('>', "\u{e9}>"),
                text.replace("</", "</\u{17f}"),
                text.replace("h1", "h\u{661}"),
                text.replace("br", "br_"),
                text.replace('>', ""),
            ];
            for k in 1..8 {
                let cut = text.len() * k / 8;
                if let Some(t) = text.get(..cut) {
                    variants.push(t.to_string());
                }
            }
            for v in variants.iter().map(String::as_str).chain(lines) {
                check_html(v, &mut left);
                checked += 1;
            }
        }
        let pieces = [
            "<", ">", "</", "style", "STYLE", "Script", "head", "br", "BR", "p", "/p", "div",
            "/h1", "/h", "h2", "tr", "li", " ", "\u{a0}", "\u{17f}", "\u{e9}", "_", "x", "\n",
            "\u{661}", "\x0b", "\t", "&nbsp;", "&amp;lt;",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for d in ["", "<", ">", "p>", "</style>"] {
                        check_html(&format!("{a}{b}{c}{d}"), &mut left);
                        checked += 1;
                    }
                }
            }
        }
        assert!(html > 50, "{html} corpus texts with tags");
        assert!(
            html_left * 50 < html,
            "{html_left} of {html} corpus texts left to the patterns"
        );
        assert!(checked > 100_000, "{checked} texts");
        assert!(
            left * 5 < checked,
            "{left} of {checked} left to the patterns"
        );
    }

    /// Lines that begin a copy of the returned message pasted into the report text, searched in
    /// the ASCII-lower-cased text: an ASCII pattern without `(?i)` finds the same places (lower-
    /// casing ASCII keeps every byte offset) and compiles in a third of the time.
    static RETURNED_MARKER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        crate::bounce::pattern(
            r"(?m)^[\s>-]*(?:-+\s*)?(?:this is a copy of the message|below this line is a copy of the message|original message\s*-+|original message follows|unsent message follows|message headers follow|the header of the original message|original message headers:|returned message follows|headers of the original message|the original message was:?\s*$|content-type: message/rfc822|the text you sent follows|original mail:|original mail as follows|copy of the original message|included is a copy of the message header|the header of the original message is following)",
        )
    });

    /// The marker scanner finds what the pattern finds in the lower-cased text, on the corpus
    /// bodies and emails, their paragraphs, and changed copies (case, CRLF, blanks and dashes
    /// before the phrases, cuts, characters outside ASCII).
    #[test]
    fn returned_marker_scanner_is_the_pattern() {
        let check = |text: &str| {
            let by_pattern = RETURNED_MARKER
                .find(&text.to_ascii_lowercase())
                .map(|m| (m.start(), m.end()));
            assert_eq!(super::returned_marker(text), by_pattern, "{text:?}");
            by_pattern.is_some()
        };
        let mut texts = corpus_texts();
        for bytes in crate::bounce::corpus_emails() {
            texts.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        let (mut found, mut checked) = (0, 0);
        for text in &texts {
            let mut variants = vec![
                text.clone(),
                text.to_uppercase(),
                text.replace('\n', "\r\n"),
                text.replace('\n', "\n> -- \n\t"),
                text.replace("message", "message:\n\n -"),
                text.replace("was", "was:  \n \n"),
                text.replace("was:", "was \t"),
                text.replace(": ", "\u{a0}"),
                text.replace("original", "\u{e9}original"),
            ];
            for k in 1..6 {
                let cut = text.len() * k / 6;
                if let Some(t) = text.get(..cut) {
                    variants.push(t.to_string());
                }
            }
            let paragraphs: Vec<String> = text.split("\n\n").map(str::to_string).collect();
            for v in variants.iter().chain(&paragraphs) {
                found += usize::from(check(v));
                checked += 1;
            }
        }
        for (phrase, _) in super::RETURNED_PHRASES {
            for lead in [
                "",
                "\n",
                "x\n",
                " > ",
                "-- ",
                "\n\n  \n--",
                "x ",
                "\x0b",
                "x\n\x0c",
            ] {
                for tail in [
                    "",
                    ":",
                    "\n",
                    " -",
                    " \n ---",
                    ":  \n\n x",
                    ": x",
                    "  ",
                    "s",
                ] {
                    found += usize::from(check(&format!("{lead}{phrase}{tail}")));
                    found += usize::from(check(&format!("{lead}{}{tail}", phrase.to_uppercase())));
                    checked += 2;
                }
            }
        }
        assert!(checked > 10_000, "{checked} texts");
        assert!(found > 1_000, "{found} markers");
    }

    /// Entities decoded in one pass are the six replacements in turn, on the corpus texts and
    /// every short mix of entity pieces.
    #[test]
    fn decode_entities_is_the_replacements_in_turn() {
        let mut texts = corpus_texts();
        let pieces = [
            "&", "&amp;", "&lt;", "&gt;", "&nbsp;", "&quot;", "&#39;", "amp;", "lt;", "nbsp", ";",
            "x", "\u{e9}", "&am", "#39;",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    texts.push(format!("{a}{b}{c}"));
                }
            }
        }
        let mut decoded = 0;
        for text in &texts {
            let ours = super::decode_entities(text.clone());
            decoded += usize::from(ours.len() != text.len());
            assert_eq!(ours, entities_in_turn(text), "{text:?}");
        }
        assert!(decoded > 1000, "{decoded} texts changed");
    }

    /// A part's type as it was built: one lower-cased heap string.
    fn full_type_string(content_type: Option<&mail_parser::ContentType<'_>>) -> String {
        let (ctype, subtype) = content_type.map_or(("text", "plain"), |ct| {
            (ct.ctype(), ct.subtype().unwrap_or(""))
        });
        format!("{ctype}/{subtype}").to_ascii_lowercase()
    }

    /// [`super::FullType::reads_bytes`] as it was, on the heap string.
    fn reads_bytes_by_contains(full: &str) -> bool {
        full.ends_with("delivery-status")
            || full == "message/feedback-report"
            || full.contains("rfc822-headers")
            || full.ends_with("global-headers")
            || full == "message/rfc822"
            || full == "message/global"
    }

    /// The stack-held type is the heap string, with the same tests, on every corpus part's
    /// type and made-up ones (case, long names, names holding the tested words anywhere).
    #[test]
    fn full_type_on_the_stack_is_the_string() {
        let mut types: Vec<mail_parser::ContentType<'static>> = Vec::new();
        for bytes in crate::bounce::corpus_emails() {
            for part in walk(&bytes, None, None, 200, |_| true)
                .map(|m| m.parts)
                .unwrap_or_default()
            {
                if let Some(ct) = part.content_type {
                    types.push(mail_parser::ContentType {
                        c_type: ct.c_type.into_owned().into(),
                        c_subtype: ct.c_subtype.map(|s| s.into_owned().into()),
                        attributes: None,
                    });
                }
            }
        }
        let corpus = types.len();
        let words = [
            "",
            "plain",
            "RFC822",
            "rfc822-headers",
            "x-rfc822-headersy",
            "Delivery-Status",
            "global-headers",
            "global-headersx",
            "feedback-report",
            "FEEDBACK-REPORT",
            "global",
            "\u{e9}t\u{e9}",
            "rfc822-head",
            "message",
            "text",
            "-",
            "/",
        ];
        let long = "x".repeat(super::FullType::CAP);
        for ctype in words.iter().copied().chain([long.as_str(), "MESSAGE"]) {
            for subtype in words.iter().copied().chain([long.as_str()]) {
                for sub in [Some(subtype), None] {
                    types.push(mail_parser::ContentType {
                        c_type: ctype.to_string().into(),
                        c_subtype: sub.map(|s| s.to_string().into()),
                        attributes: None,
                    });
                }
            }
        }
        let mut checked = 0;
        for ct in types.iter().map(Some).chain([None]) {
            let old = full_type_string(ct);
            let new = super::FullType::of(ct);
            assert_eq!(new.as_bytes(), old.as_bytes());
            assert_eq!(new.reads_bytes(), reads_bytes_by_contains(&old), "{old}");
            for word in ["rfc822", "rfc822-headers", "global-headers"] {
                assert_eq!(
                    super::holds(new.as_bytes(), word.as_bytes()),
                    old.contains(word),
                    "{old}"
                );
            }
            checked += 1;
        }
        assert!(corpus > 1000, "{corpus} corpus part types");
        assert!(checked > corpus + 500, "{checked} types");
    }

    /// The closing boundary found dash by dash is where the pattern's searcher finds one, on
    /// every corpus email with its boundaries and cut variants.
    #[test]
    fn closing_boundary_is_the_searchers() {
        let (mut checked, mut found) = (0, 0);
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let mut boundaries: Vec<String> = ["", "-", "--", "x", "=_"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            for line in text.lines() {
                if let Some(at) = line.to_ascii_lowercase().find("boundary=") {
                    boundaries.push(line[at + 9..].trim_matches(['"', ';', ' ']).to_string());
                }
            }
            let mut variants = vec![text.clone(), text.replace("--\n", "-\n")];
            for k in 1..4 {
                let cut = text.len() * k / 4;
                if let Some(t) = text.get(..cut) {
                    variants.push(t.to_string());
                }
            }
            for v in &variants {
                for b in &boundaries {
                    let old = memchr::memmem::rfind(v.as_bytes(), format!("--{b}--").as_bytes())
                        .is_some();
                    assert_eq!(super::has_closing_boundary(v.as_bytes(), b.as_bytes()), old);
                    found += usize::from(old);
                    checked += 1;
                }
            }
        }
        for (text, b) in [
            ("--b--", "b"),
            ("--b-", "b"),
            ("-b--", "b"),
            ("----", ""),
            ("---", ""),
        ] {
            let old = text.contains(&format!("--{b}--"));
            assert_eq!(
                super::has_closing_boundary(text.as_bytes(), b.as_bytes()),
                old
            );
        }
        assert!(checked > 5000, "{checked} searches");
        assert!(found > 1000, "{found} closing boundaries");
    }

    /// CRLF to LF by runs is `str::replace` on every corpus email, CRLF variants and corners.
    #[test]
    fn crlf_to_lf_is_str_replace() {
        let mut texts: Vec<String> = [
            "",
            "\r",
            "\n",
            "\r\n",
            "\r\r\n",
            "\r\n\r",
            "a\rb\r\nc\n\r",
            "\u{e9}\r\n\u{e9}\r",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            texts.push(text.replace('\n', "\r\n"));
            texts.push(text.replace('\n', "\r\r\n"));
            texts.push(text);
        }
        for text in &texts {
            let ours = super::crlf_to_lf(std::borrow::Cow::Borrowed(text));
            assert_eq!(ours, text.replace("\r\n", "\n"), "{text:?}");
        }
    }

    #[test]
    fn a_returned_message_pasted_indented_is_read_as_sent() {
        for (text, want) in [
            (
                "\n   From: a@b.example\n   Subject: x\n   \ty\n\n   body",
                "From: a@b.example\nSubject: x\n\ty\n\nbody",
            ),
            // Not indented: as it is, the blank lines before it dropped.
            (
                "\n\nFrom: a@b.example\n  folded",
                "From: a@b.example\n  folded",
            ),
            // Only the first line's indentation counts; lines without it are kept.
            ("  \n\t From: a\n\t To: b\nX: c", "From: a\nTo: b\nX: c"),
            ("", ""),
            (" \n\t", ""),
        ] {
            assert_eq!(super::dedent(text), want, "{text:?}");
        }
    }

    /// The marker found in lower-cased text is where the case-insensitive pattern finds it.
    #[test]
    fn returned_marker_on_lower_case_text_is_the_case_insensitive_pattern() {
        let insensitive = regex::RegexBuilder::new(&format!("(?i){}", RETURNED_MARKER.as_str()))
            .unicode(false)
            .build()
            .expect("an ASCII pattern");
        let mut found = 0;
        for bytes in crate::bounce::corpus_emails() {
            let text = String::from_utf8_lossy(&bytes);
            let by_lower = RETURNED_MARKER
                .find(&text.to_ascii_lowercase())
                .map(|m| m.range());
            assert_eq!(by_lower, insensitive.find(&text).map(|m| m.range()));
            found += usize::from(by_lower.is_some());
        }
        assert!(found > 100, "{found} markers");
    }
}
