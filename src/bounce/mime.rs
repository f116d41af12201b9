//! A MIME walker giving exactly the parts mail-parser's `MessageParser::parse` would give (the
//! top-level content type, and for each part of the outer message its type, its body and whether
//! it failed to decode), while doing only the work those need: headers other than
//! `Content-Type` and `Content-Transfer-Encoding` are skipped, and a returned message that sits
//! whole in the stream is only walked to find where it ends (mail-parser parsed every header,
//! part and charset of it, though only its raw bytes are read here), and a base64 part whose
//! bytes the caller does not want is only checked, not decoded (`Body::Undecoded`). The walk is
//! mail-parser's own state machine and multipart-boundary steps, with its field parsers and
//! base64 and charset decoders behind fast paths of our own for plain Content-Type and
//! Content-Transfer-Encoding fields, and a quoted-printable loop adapted from its decoder; the
//! end of a part is found by a search for its boundary that ends where mail-parser's does. The
//! test below holds it to mail-parser over the corpus, the fixtures and many broken variants.

use std::borrow::Cow;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;
use mail_parser::{ContentType, HeaderValue};

use super::headers::{Headers, Top};

/// A part's body as mail-parser gives it.
#[derive(Debug, PartialEq)]
pub(crate) enum Body<'x> {
    /// A `multipart/*` container: its parts follow it in the list.
    Multipart,
    /// A text part other than HTML, decoded to a string.
    Text(Cow<'x, str>),
    /// A `text/html` part, decoded to a string.
    Html(Cow<'x, str>),
    /// Anything else, decoded bytes.
    Binary(Cow<'x, [u8]>),
    /// A base64 part mail-parser gives as [`Body::Binary`], whose bytes the caller said it
    /// does not read: found and checked as mail-parser decodes it, never decoded.
    Undecoded,
    /// An attached message: its raw bytes.
    Message(Cow<'x, [u8]>),
}

/// One part of the outer message.
#[derive(Debug, PartialEq)]
pub(crate) struct Part<'x> {
    /// The part's last `Content-Type` header, if it parsed.
    pub content_type: Option<ContentType<'x>>,
    pub body: Body<'x>,
    /// The body could not be decoded as declared (mail-parser's `is_encoding_problem`).
    pub encoding_problem: bool,
}

/// The parts of a message in mail-parser's order: multiparts flattened, the first part
/// carrying the message's own headers.
#[derive(Debug)]
pub(crate) struct Mime<'x> {
    pub parts: Vec<Part<'x>>,
    /// The header block of the first message attached whole at the top level (with the index
    /// of its part), read as [`Headers::parse`] reads it from the part's raw bytes while the
    /// walker reads it: the caller reads it, and the block is not read twice. Only for a block
    /// both readers read alike, within the part, of text that is the data.
    pub attached_headers: Option<(usize, Headers)>,
}

/// The parts are what mail-parser gives; the headers read on the way are the caller's.
impl PartialEq for Mime<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.parts == other.parts
    }
}

impl<'x> Mime<'x> {
    /// The message's own content type.
    pub fn content_type(&self) -> Option<&ContentType<'x>> {
        self.parts.first()?.content_type.as_ref()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum MimeType {
    MultipartAlternative,
    MultipartMixed,
    MultipartRelated,
    MultipartDigest,
    TextPlain,
    TextHtml,
    TextOther,
    Inline,
    Message,
    Other,
}

/// mail-parser's `mime_type`: (is multipart, is text, type).
fn mime_type(content_type: Option<&ContentType<'_>>, parent: MimeType) -> (bool, bool, MimeType) {
    let Some(ct) = content_type else {
        return if parent == MimeType::MultipartDigest {
            (false, false, MimeType::Message)
        } else {
            (false, true, MimeType::TextPlain)
        };
    };
    match ct.ctype() {
        "multipart" => (
            true,
            false,
            match ct.subtype() {
                Some("mixed") => MimeType::MultipartMixed,
                Some("alternative") => MimeType::MultipartAlternative,
                Some("related") => MimeType::MultipartRelated,
                Some("digest") => MimeType::MultipartDigest,
                _ => MimeType::Other,
            },
        ),
        "text" => match ct.subtype() {
            Some("plain") => (false, true, MimeType::TextPlain),
            Some("html") => (false, true, MimeType::TextHtml),
            _ => (false, true, MimeType::TextOther),
        },
        "image" | "audio" | "video" => (false, false, MimeType::Inline),
        "message" if matches!(ct.subtype(), Some("rfc822" | "global")) => {
            (false, false, MimeType::Message)
        }
        _ => (false, false, MimeType::Other),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Encoding {
    None,
    Base64,
    QuotedPrintable,
}

/// What a header block says about its part.
struct HeaderBlock<'x> {
    /// The block ended with an empty line (not with the end of the data).
    complete: bool,
    /// At least one header field was found.
    any: bool,
    content_type: Option<ContentType<'x>>,
    encoding: Encoding,
}

/// The header names mail-parser knows by at most this many bytes.
const MAX_HEADER_NAME_LEN: usize = 34;

/// The header fields the walk reads.
#[derive(Clone, Copy)]
enum Name {
    ContentType,
    TransferEncoding,
    Other,
}

/// The field a name stands for: its bytes other than blanks, ASCII case ignored (mail-parser
/// drops the blanks in a name and knows names of at most [`MAX_HEADER_NAME_LEN`] bytes).
fn name_of(raw: &[u8]) -> Name {
    if !raw.first().is_some_and(|b| b.eq_ignore_ascii_case(&b'c')) {
        return Name::Other;
    }
    // Most names are written without blanks: compared as they stand (a name with blanks
    // equals neither, and is looked at below).
    if is_named(raw, b"content-type") {
        return Name::ContentType;
    }
    if is_named(raw, b"content-transfer-encoding") {
        return Name::TransferEncoding;
    }
    if !raw.iter().any(u8::is_ascii_whitespace) {
        return Name::Other;
    }
    let mut name = [0u8; MAX_HEADER_NAME_LEN];
    let mut len = 0usize;
    for &ch in raw.iter().filter(|b| !b.is_ascii_whitespace()) {
        match name.get_mut(len) {
            Some(slot) => *slot = ch.to_ascii_lowercase(),
            None => return Name::Other,
        }
        len += 1;
    }
    match &name[..len] {
        b"content-type" => Name::ContentType,
        b"content-transfer-encoding" => Name::TransferEncoding,
        _ => Name::Other,
    }
}

/// Whether `raw` is `name` (lower-case letters and dashes), ASCII case ignored: as arrays of
/// a fixed length, compared in a few wide steps rather than byte by byte.
fn is_named<const N: usize>(raw: &[u8], name: &[u8; N]) -> bool {
    let Ok(mut folded) = <[u8; N]>::try_from(raw) else {
        return false;
    };
    // A letter matches in either case: its case bit set on both sides.
    for (b, n) in folded.iter_mut().zip(name) {
        if n.is_ascii_lowercase() {
            *b |= 0x20;
        }
    }
    folded == *name
}

/// mail-parser's `parse_header_name` byte by byte, from `*pos`: the field the name stands for,
/// and whether there is one (a line feed before a colon that follows a name byte: none).
fn read_name(data: &[u8], pos: &mut usize) -> (Name, bool) {
    let start = *pos;
    let mut first = None;
    while let Some(&ch) = data.get(*pos) {
        *pos += 1;
        match ch {
            b':' if first.is_some() => break,
            b':' => {}
            b'\n' => return (Name::Other, false),
            _ if ch.is_ascii_whitespace() => {}
            _ => {
                first.get_or_insert(*pos - 1);
            }
        }
    }
    match first {
        Some(first) => {
            let end = if data.get(*pos - 1) == Some(&b':') && *pos > start {
                *pos - 1
            } else {
                *pos
            };
            (name_of(&data[first..end]), true)
        }
        None => (Name::Other, false),
    }
}

/// Bytes mail-parser skips before a field: ASCII whitespace other than the line feed.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0c')
}

/// Where the first colon of `line` is, eight bytes at a time: names are short, and a call to
/// a vector search costs more than the search.
fn find_colon(line: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const LOW: u64 = ONES * 0x7f;
    let mut words = line.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ (ONES * u64::from(b':'));
        // The high bit of each byte that was a colon (no carries between bytes).
        let colons = !(((x & LOW) + LOW) | x | LOW);
        if colons != 0 {
            return Some(at + colons.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b':')
        .map(|p| at + p)
}

/// Reads a header block from `*pos` the way mail-parser's `parse_headers` does, leaving `*pos`
/// where it leaves its stream. A field runs to the first line feed not followed by a space or
/// tab; a name is the field's non-blank bytes up to its first colon after one of them (a line
/// with none is no field, and the next line is read as a field's start even when indented).
/// The last `Content-Type` and `Content-Transfer-Encoding` fields are the ones that count:
/// plain ones read by the fast paths here, the rest by mail-parser's own field parsers.
///
/// Each line is found once, and a name is only read when it could be one of those two.
fn read_headers<'x>(data: &'x [u8], pos: &mut usize) -> HeaderBlock<'x> {
    #[cfg(test)]
    let from = *pos;
    let mut any = false;
    let mut ct_field: Option<&'x [u8]> = None;
    let mut cte_field: Option<&'x [u8]> = None;
    let mut at = *pos;
    let complete = loop {
        // Blanks before a field; a line feed among them ends the block.
        while data.get(at).is_some_and(|&b| is_blank(b)) {
            at += 1;
        }
        let start = at;
        let Some(&first) = data.get(start) else {
            break false;
        };
        if first == b'\n' {
            at += 1;
            break true;
        }
        let rest = &data[start..];
        let line_end = crate::bytes::find_near(b'\n', rest).map(|e| start + e);
        let line = &rest[..line_end.map_or(rest.len(), |e| e - start)];
        // Whether a line is a field only matters for its name, for `any`, and when the next
        // line is indented (a field's continuation, or a field's start after a line that is
        // none): most lines need no colon search. (A name may start after colons.)
        if let Some(end) = line_end
            && any
            && first | 0x20 != b'c'
            && first != b':'
            && !matches!(data.get(end + 1), Some(b' ' | b'\t'))
        {
            at = end + 1;
            continue;
        }
        // The name, to the first colon after it; the field's value after that colon.
        let (name, value) = if first == b':' {
            // A colon before any name byte is skipped: the slow way.
            let (name, named) = read_name(data, &mut at);
            if !named {
                continue;
            }
            (name, at)
        } else {
            let colon = find_colon(line);
            let raw = &line[..colon.unwrap_or(line.len())];
            let name = if first | 0x20 == b'c' {
                name_of(raw)
            } else {
                Name::Other
            };
            match (colon, line_end) {
                (Some(colon), _) => (name, start + colon + 1),
                // A line with no colon is no field.
                (None, Some(end)) => {
                    at = end + 1;
                    continue;
                }
                // Unless it runs to the end of the data.
                (None, None) => (name, data.len()),
            }
        };
        any = true;
        // The value, to the line feed that ends the field (kept: the field parsers need it).
        at = field_end(data, line_end);
        let field = data.get(value..at).unwrap_or_default();
        match name {
            Name::ContentType => ct_field = Some(field),
            Name::TransferEncoding => cte_field = Some(field),
            Name::Other => {}
        }
    };
    *pos = at;
    let block = block_of(ct_field, cte_field, complete, any);
    #[cfg(test)]
    tests::same_as_reference(data, from, &block, *pos);
    block
}

/// Where a field whose first line ends at `line_end` ends: after the first line feed not
/// followed by a space or tab (the end of the data without one).
fn field_end(data: &[u8], line_end: Option<usize>) -> usize {
    let mut end = line_end;
    loop {
        match end {
            None => break data.len(),
            Some(nl) if matches!(data.get(nl + 1), Some(b' ' | b'\t')) => {
                end = data
                    .get(nl + 2..)
                    .and_then(|rest| crate::bytes::find_near(b'\n', rest))
                    .map(|e| nl + 2 + e);
            }
            Some(nl) => break nl + 1,
        }
    }
}

/// A block's `Content-Type` and `Content-Transfer-Encoding` fields (their raw values, line
/// feeds kept) read: plain ones by the fast paths here, the rest by mail-parser's parsers.
#[inline(always)]
fn block_of<'x>(
    ct_field: Option<&'x [u8]>,
    cte_field: Option<&'x [u8]>,
    complete: bool,
    any: bool,
) -> HeaderBlock<'x> {
    let content_type = ct_field.and_then(|f| {
        simple_content_type(f).or_else(|| match MessageStream::new(f).parse_content_type() {
            HeaderValue::ContentType(ct) => Some(ct),
            _ => None,
        })
    });
    let encoding = cte_field.map_or(Encoding::None, encoding_of);
    HeaderBlock {
        complete,
        any,
        content_type,
        encoding,
    }
}

/// The message's own header block as [`read_headers`] reads it, from what
/// [`Headers::parse_top`](super::headers::Headers::parse_top) noted while reading it (only
/// given for a block both read alike): each of the two fields is read to its end, the other
/// lines are not read again.
#[inline(never)]
fn top_block<'x>(data: &'x [u8], from: usize, top: Top, pos: &mut usize) -> HeaderBlock<'x> {
    let field = |value: Option<usize>| {
        let value = value?;
        let line_end = crate::bytes::find_near(b'\n', data.get(value..)?).map(|e| value + e);
        data.get(value..field_end(data, line_end))
    };
    *pos = top.body.min(data.len());
    // (Where the block starts is only checked in test builds.)
    #[cfg(not(test))]
    let _ = from;
    let block = block_of(field(top.content_type), field(top.encoding), true, true);
    #[cfg(test)]
    tests::same_as_reference(data, from, &block, *pos);
    block
}

/// The transfer encoding a `Content-Transfer-Encoding` field names, as mail-parser reads it
/// (its unstructured value, ASCII case ignored).
fn encoding_of(field: &[u8]) -> Encoding {
    let parsed;
    let value = match single_token(field) {
        Some(token) => token,
        None => {
            parsed = MessageStream::new(field).parse_unstructured();
            match &parsed {
                HeaderValue::Text(e) => e.as_bytes(),
                _ => return Encoding::None,
            }
        }
    };
    if value.eq_ignore_ascii_case(b"base64") {
        Encoding::Base64
    } else if value.eq_ignore_ascii_case(b"quoted-printable") {
        Encoding::QuotedPrintable
    } else {
        Encoding::None
    }
}

/// mail-parser's `parse_unstructured` for the one-line field most transfer encodings are: a
/// single word of letters, digits and dashes between blanks, ending with a line feed. Its
/// value is the word; `None` for anything else, which goes to mail-parser.
fn single_token(field: &[u8]) -> Option<&[u8]> {
    let body = field.strip_suffix(b"\n")?;
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r');
    let start = body.iter().position(|b| !blank(b))?;
    let end = body.iter().rposition(|b| !blank(b))? + 1;
    let token = &body[start..end];
    token
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .then_some(token)
}

/// Byte classes of the fast path: a type, subtype or parameter name byte.
const NAME: u8 = 1;
/// A byte of an unquoted parameter value (printable ASCII other than mail-parser's specials;
/// no `?`, so no `=?` encoded word can begin).
const VALUE: u8 = 2;
/// A byte inside a quoted value (a space too; no quote, backslash or `?`).
const QUOTED: u8 = 4;
/// An upper-case letter: a name with one is given lower-cased.
const UPPER: u8 = 8;

/// The classes of every byte, looked up rather than tested one condition at a time.
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let ch = b as u8;
        let mut class = 0;
        if ch.is_ascii_alphanumeric() || matches!(ch, b'-' | b'+' | b'.' | b'_') {
            class |= NAME;
        }
        if ch.is_ascii_graphic() && !matches!(ch, b'"' | b'\\' | b'(' | b')' | b';' | b'?' | b'\'')
        {
            class |= VALUE;
        }
        if (ch.is_ascii_graphic() || ch == b' ') && !matches!(ch, b'"' | b'\\' | b'?') {
            class |= QUOTED;
        }
        if ch.is_ascii_uppercase() {
            class |= UPPER;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// Where the run of bytes of `class` from `from` ends.
fn run_end(bytes: &[u8], from: usize, class: u8) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    from + rest
        .iter()
        .position(|&b| CLASSES[usize::from(b)] & class == 0)
        .unwrap_or(rest.len())
}

/// Where the run of name bytes from `from` ends, and whether an upper-case letter is among
/// them (told in the same pass, so a name in lower case is not read twice).
fn name_end(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut classes = 0;
    let mut end = from;
    while let Some(&b) = bytes.get(end) {
        let class = CLASSES[usize::from(b)];
        if class & NAME == 0 {
            break;
        }
        classes |= class;
        end += 1;
    }
    (end, classes & UPPER != 0)
}

/// A name lower-cased as mail-parser gives it: borrowed when it has no upper-case letter.
fn lower(name: &str, upper: bool) -> Cow<'_, str> {
    if upper {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// mail-parser's `parse_content_type` for the plain one-line field most messages have
/// (`type/subtype`, then `; name=value` or `; name="value"` parameters, ASCII, no comments,
/// escapes, encoded words or continuations): the same value without its state machine.
/// `None` for anything else, which goes to mail-parser.
fn simple_content_type(field: &[u8]) -> Option<ContentType<'_>> {
    let (&last, body) = field.split_last()?;
    if last != b'\n' {
        return None;
    }
    // A carriage return before the last line feed is skipped, as mail-parser skips it.
    let body = body.strip_suffix(b"\r").unwrap_or(body);
    // Every byte is read below as one of the ASCII classes or blanks: a field with other
    // bytes comes to `None` there (and the tokens, ASCII, start and end on character
    // boundaries).
    let text = std::str::from_utf8(body).ok()?;
    // Blanks, and line breaks that fold the field (a blank after them): where mail-parser
    // reads them as blanks, between the parts and around a `;`.
    let blanks = |mut at: usize| {
        loop {
            match body.get(at..).unwrap_or_default() {
                [b' ' | b'\t', ..] => at += 1,
                [b'\n', b' ' | b'\t', ..] => at += 2,
                [b'\r', b'\n', b' ' | b'\t', ..] => at += 3,
                _ => return at,
            }
        }
    };
    let token = |from: usize| {
        let (end, upper) = name_end(body, from);
        (end > from).then(|| (text.get(from..end).map(|t| lower(t, upper)), end))
    };
    let (c_type, type_end) = token(blanks(0))?;
    if body.get(type_end) != Some(&b'/') {
        return None;
    }
    let (c_subtype, mut at) = token(type_end + 1)?;
    let mut attributes = Vec::new();
    loop {
        at = blanks(at);
        match body.get(at) {
            None => break,
            Some(b';') => at = blanks(at + 1),
            Some(_) => return None,
        }
        if at == body.len() {
            break;
        }
        let (name, name_end) = token(at)?;
        if body.get(name_end) != Some(&b'=') {
            return None;
        }
        at = name_end + 1;
        let value = if body.get(at) == Some(&b'"') {
            let end = run_end(body, at + 1, QUOTED);
            if end == at + 1 || body.get(end) != Some(&b'"') {
                return None;
            }
            let value = text.get(at + 1..end);
            at = end + 1;
            value
        } else {
            let end = run_end(body, at, VALUE);
            if end == at {
                return None;
            }
            let value = text.get(at..end);
            at = end;
            value
        };
        if attributes.is_empty() {
            attributes.reserve_exact(3);
        }
        attributes.push(mail_parser::Attribute {
            name: name?,
            value: Cow::Borrowed(value?),
        });
    }
    Some(ContentType {
        c_type: c_type?,
        c_subtype: Some(c_subtype?),
        attributes: (!attributes.is_empty()).then_some(attributes),
    })
}

/// Where a part's body ends when `boundary` closes it: mail-parser's `mime_part` search, the
/// first `--boundary` from `start` (the line break before it is not the body's). `None` when
/// the boundary is not found; the whole rest when there is none to look for. The second value
/// is where the walk goes on (after the boundary).
fn part_end(data: &[u8], start: usize, boundary: &[u8]) -> Option<(usize, usize)> {
    if boundary.is_empty() {
        return Some((data.len(), data.len()));
    }
    let rest = data.get(start..)?;
    let mut from = 0;
    let q = loop {
        let dash = from + memchr::memchr(b'-', rest.get(from..)?)?;
        if rest.get(dash + 1) == Some(&b'-')
            && rest
                .get(dash + 2..)
                .is_some_and(|r| r.starts_with(boundary))
        {
            break start + dash;
        }
        from = dash + 1;
    };
    let end = if q > start && data.get(q - 1) == Some(&b'\n') {
        if q >= start + 2 && data.get(q - 2) == Some(&b'\r') {
            q - 2
        } else {
            q - 1
        }
    } else {
        q
    };
    Some((end, q + 2 + boundary.len()))
}

/// Whether a byte may stand before the first `--` of a base64 body that mail-parser decodes:
/// the base64 alphabet, the padding, blanks, line breaks and a lone dash.
#[inline]
fn is_base64_text(b: u8) -> bool {
    // Ranges and equalities only, no branches: the check over a body runs vectorised.
    ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'/') < 11)
        | (b == b'+')
        | (b == b'=')
        | (b == b' ')
        | (b == b'\t')
        | (b == b'\r')
        | (b == b'\n')
        | (b == b'-')
}

/// Where mail-parser's `decode_base64_mime` from `start` ends and the walk goes on, without
/// decoding: `None` where it gives up. It stops at the first `--`, which must begin the
/// boundary (then the body ends where [`part_end`] ends it), and gives up on any byte before
/// that outside [`is_base64_text`]; with no `--` it reads to the end if there is no boundary.
fn base64_extent(data: &[u8], start: usize, boundary: &[u8]) -> Option<(usize, usize)> {
    let rest = data.get(start..)?;
    let mut from = 0;
    let stop = loop {
        match memchr::memchr(b'-', rest.get(from..)?) {
            Some(dash) if rest.get(from + dash + 1) == Some(&b'-') => break Some(from + dash),
            Some(dash) => from += dash + 1,
            None => break None,
        }
    };
    let body = &rest[..stop.unwrap_or(rest.len())];
    if !body
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |ok, &b| ok & is_base64_text(b)))
    {
        return None;
    }
    match stop {
        None => boundary.is_empty().then_some((data.len(), data.len())),
        Some(dashes) if !boundary.is_empty() && rest[dashes + 2..].starts_with(boundary) => {
            part_end(data, start, boundary)
        }
        Some(_) => None,
    }
}

/// A base64 or quoted-printable body decoded by mail-parser: where it ends, where the walk goes
/// on, the bytes; `None` where the decoder gives up.
fn decoded<'x>(
    data: &'x [u8],
    pos: usize,
    boundary: &[u8],
    base64: bool,
) -> Option<(usize, usize, Cow<'x, [u8]>)> {
    if !base64 {
        return quoted_printable(data, pos, boundary).map(|(e, n, b)| (e, n, Cow::Owned(b)));
    }
    let mut stream = stream_at(data, pos);
    let (end, bytes) = stream.decode_base64_mime(boundary);
    (end != usize::MAX).then(|| (end, stream.offset(), bytes))
}

/// mail-parser's `decode_quoted_printable_mime` from `start` to `boundary`, byte for byte the
/// same (blanks before a line break dropped, a bad escape kept as it stands, an `=` inside an
/// escape giving up), with runs of plain bytes copied whole instead of one at a time: where the
/// body ends, where the walk goes on, the decoded bytes.
///
/// mail-parser stops at the second dash of the first `--boundary` ([`part_end`] finds it): with
/// none there is nothing to decode to, and no dash before it need stop a run.
fn quoted_printable(data: &[u8], start: usize, boundary: &[u8]) -> Option<(usize, usize, Vec<u8>)> {
    let limit = if boundary.is_empty() {
        data.len()
    } else {
        let (_, next) = part_end(data, start, boundary)?;
        next - boundary.len() - 1
    };
    use mail_parser::decoders::quoted_printable::HEX_MAP;
    #[derive(PartialEq)]
    enum State {
        None,
        Eq,
        Hex1,
    }
    let hex = |ch: u8| HEX_MAP.get(usize::from(ch)).copied().unwrap_or(-1);
    let mut buf: Vec<u8> = Vec::with_capacity(128);
    let mut state = State::None;
    let mut hex1 = 0i8;
    let mut last = 0u8;
    let mut before_last = 0u8;
    let mut ws_count = 0usize;
    let mut end_pos = start;
    let mut crlf: &[u8] = b"\n";
    let mut i = start;
    while i < data.len() {
        if state == State::None {
            // A run of bytes that are copied as they are, up to the boundary's second dash.
            let rest = data.get(i..limit).unwrap_or_default();
            // A third of the runs are empty (an escape or a line break right after another):
            // no call for those.
            let run = match rest.first() {
                Some(b'=' | b'\n' | b'\r') => 0,
                _ => memchr::memchr3(b'=', b'\n', b'\r', rest).unwrap_or(rest.len()),
            };
            if run > 0 {
                let bytes = &rest[..run];
                buf.extend_from_slice(bytes);
                let blanks = bytes
                    .iter()
                    .rev()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                ws_count = if blanks == run {
                    ws_count + run
                } else {
                    blanks
                };
                before_last = if run >= 2 { bytes[run - 2] } else { last };
                last = bytes[run - 1];
                i += run;
                continue;
            }
        }
        let ch = data[i];
        i += 1;
        match ch {
            b'=' => {
                if state != State::None {
                    return None;
                }
                state = State::Eq;
            }
            b'\n' => {
                end_pos = if last == b'\r' { i - 2 } else { i - 1 };
                if state == State::Eq {
                    state = State::None;
                } else {
                    if let Some(len) = buf.len().checked_sub(ws_count) {
                        buf.truncate(len);
                    }
                    buf.extend_from_slice(crlf);
                }
                ws_count = 0;
            }
            b'\r' => crlf = b"\r\n",
            b'-' if !boundary.is_empty()
                && last == b'-'
                && data.get(i..).is_some_and(|r| r.starts_with(boundary)) =>
            {
                i += boundary.len();
                // mail-parser's subtractions wrap in release builds: too short, nothing is cut.
                if before_last == b'\n' {
                    if let Some(len) = buf.len().checked_sub(crlf.len() + 1) {
                        buf.truncate(len);
                    }
                } else {
                    if let Some(len) = buf.len().checked_sub(1) {
                        buf.truncate(len);
                    }
                    end_pos = i - boundary.len() - 2;
                }
                return Some((end_pos, i, buf));
            }
            _ => match state {
                State::None => {
                    ws_count = if ch.is_ascii_whitespace() {
                        ws_count + 1
                    } else {
                        0
                    };
                    buf.push(ch);
                }
                State::Eq => {
                    hex1 = hex(ch);
                    if hex1 != -1 {
                        state = State::Hex1;
                    } else if !ch.is_ascii_whitespace() {
                        state = State::None;
                        buf.extend_from_slice(&[b'=', ch]);
                        ws_count = 0;
                    }
                }
                State::Hex1 => {
                    let hex2 = hex(ch);
                    state = State::None;
                    if hex2 != -1 {
                        buf.push(((hex1 as u8) << 4) | hex2 as u8);
                    } else {
                        buf.extend_from_slice(&[b'=', last, ch]);
                    }
                    ws_count = 0;
                }
            },
        }
        before_last = last;
        last = ch;
    }
    boundary.is_empty().then_some((data.len(), data.len(), buf))
}

/// A stream over `data` standing at `pos`.
fn stream_at(data: &[u8], pos: usize) -> MessageStream<'_> {
    let mut stream = MessageStream::new(data);
    stream.skip_bytes(pos.min(data.len()));
    stream
}

/// The walk's place in one multipart or message (mail-parser's `MessageParserState`, the
/// fields that decide structure).
struct State {
    mime_type: MimeType,
    boundary: Option<Vec<u8>>,
    /// The part (in its message) this state fills: a multipart container or an attached message.
    part_id: usize,
}

/// Where one part of a message sits; the outer message keeps its parts, an attached message
/// walked in the stream keeps only where its first part starts and ends (its raw bytes).
struct Message<'x> {
    /// The outer message's parts (empty for an attached one).
    parts: Vec<Part<'x>>,
    /// Body offsets of the parts (their ends are fixed later for containers and messages).
    offsets: Vec<(usize, usize)>,
    count: usize,
    first_header: usize,
    outer: bool,
    /// An attached message's own header block, when read as the bounce reader reads it.
    headers: Option<Headers>,
    /// The outer message's: see [`Mime::attached_headers`].
    attached_headers: Option<(usize, Headers)>,
}

impl<'x> Message<'x> {
    fn new(outer: bool) -> Self {
        Message {
            parts: Vec::new(),
            offsets: Vec::new(),
            count: 0,
            first_header: 0,
            outer,
            headers: None,
            attached_headers: None,
        }
    }

    fn push(&mut self, part: Option<Part<'x>>, header: usize, body: usize, end: usize) {
        if self.count == 0 {
            self.first_header = header;
        }
        self.count += 1;
        if self.outer {
            if let Some(part) = part {
                self.parts.push(part);
            }
            self.offsets.push((body, end));
        } else if self.offsets.is_empty() {
            self.offsets.push((body, end));
        }
    }

    fn set_end(&mut self, id: usize, end: usize) {
        if let Some(o) = self.offsets.get_mut(id) {
            o.1 = end;
        }
    }

    fn body_start(&self, id: usize) -> usize {
        self.offsets.get(id).map_or(0, |o| o.0)
    }

    /// The raw bytes of an attached message, as mail-parser's `raw_message()`.
    fn raw(&self, data: &'x [u8]) -> &'x [u8] {
        let end = self.offsets.first().map_or(0, |o| o.1);
        data.get(self.first_header..end).unwrap_or_default()
    }

    /// Files the header block `inner` (the attached message of part `id`) was read with, when
    /// it ends within the message's raw bytes.
    fn take_headers(&mut self, id: usize, inner: &mut Message<'x>) {
        let end = inner.offsets.first().map_or(0, |o| o.1);
        if let Some(headers) = inner
            .headers
            .take()
            .filter(|h| h.top().is_some_and(|t| t.body <= end))
        {
            self.attached_headers = Some((id, headers));
        }
    }

    fn set_body(&mut self, id: usize, body: Body<'x>, problem: bool) {
        if let Some(part) = self.parts.get_mut(id) {
            part.body = body;
            if problem {
                part.encoding_problem = true;
            }
        }
    }
}

/// Whether mail-parser would open `bytes` as a message: a header block ends in them, or at
/// least one header field is found.
fn opens_as_message(bytes: &[u8]) -> bool {
    let mut pos = 0;
    let block = read_headers(bytes, &mut pos);
    block.complete || block.any
}

/// Charsets mail-parser decodes with a byte table that keeps ASCII as it is: ASCII text in
/// them is its own decoding, with no table to go through.
const ASCII_KEEPING: [&str; 7] = [
    "us-ascii",
    "iso-8859-1",
    "windows-1252",
    "iso-8859-15",
    "ascii",
    "cp1252",
    "latin1",
];

/// `part` as text; when it is a stretch of `whole` (the data, known to be UTF-8) cut at
/// character boundaries, taken from it without being validated a second time.
pub(crate) fn text_within<'x>(whole: Option<&'x str>, part: &'x [u8]) -> Cow<'x, str> {
    if let Some(whole) = whole {
        let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        if let Some(text) = start
            .checked_add(part.len())
            .and_then(|end| whole.get(start..end))
        {
            return Cow::Borrowed(text);
        }
    }
    super::lossy(part)
}

/// Text of a part's decoded bytes in its declared charset, as mail-parser decodes it; `whole`
/// is the data as text when it is valid UTF-8.
fn decode_text<'x>(
    bytes: Cow<'x, [u8]>,
    content_type: Option<&ContentType<'_>>,
    whole: Option<&'x str>,
) -> Cow<'x, str> {
    let charset = content_type.and_then(|ct| ct.attribute("charset"));
    if charset.is_some_and(|c| ASCII_KEEPING.iter().any(|k| c.eq_ignore_ascii_case(k)))
        && bytes.is_ascii()
    {
        return match bytes {
            Cow::Borrowed(b) => text_within(whole, b),
            Cow::Owned(v) => String::from_utf8(v)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
                .into(),
        };
    }
    let decoder = charset.and_then(|c| charset_decoder(c.as_bytes()));
    match (bytes, decoder) {
        (Cow::Owned(vec), Some(decoder)) => decoder(&vec).into(),
        (Cow::Owned(vec), None) => String::from_utf8(vec)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            .into(),
        (Cow::Borrowed(bytes), Some(decoder)) => decoder(bytes).into(),
        (Cow::Borrowed(bytes), None) => text_within(whole, bytes),
    }
}

/// The parts of `data` as mail-parser's `parse` lays them out, the first `max_parts` of the
/// outer message at most; `None` where it returns `None` (no header found).
///
/// `wants_bytes` tells, by its content type, whether the caller reads the bytes of a part that
/// mail-parser gives as binary; a base64 one it does not read comes as [`Body::Undecoded`].
///
/// `text` is `data` as text when the caller knows it is valid UTF-8: the parts' texts are cut
/// from it instead of being validated again.
///
/// `top` is what reading the message's own header block from `text` noted (see
/// [`Headers::parse_top`](super::headers::Headers::parse_top)): the block is not read again.
pub(crate) fn walk<'x>(
    data: &'x [u8],
    text: Option<&'x str>,
    top: Option<Top>,
    max_parts: usize,
    wants_bytes: fn(Option<&ContentType<'_>>) -> bool,
) -> Option<Mime<'x>> {
    // Only the very same bytes can be cut from (and offsets into the text are offsets into
    // them).
    let text = text.filter(|t| std::ptr::eq(t.as_bytes(), data));
    let mut top = top.filter(|_| text.is_some());
    // Whether the first message attached whole at the top level was met.
    let mut attached_met = false;
    let mut pos = 0usize;
    let mut message = Message::new(true);
    let mut state = State {
        mime_type: MimeType::Message,
        boundary: None,
        part_id: 0,
    };
    let mut stack: Vec<(State, Option<Message<'_>>)> = Vec::new();
    let mut last_block: Option<HeaderBlock<'_>> = None;

    'outer: loop {
        let offset_header = pos;
        let attached = !message.outer
            && message.count == 0
            && !attached_met
            && stack
                .last()
                .is_some_and(|(_, m)| m.as_ref().is_some_and(|m| m.outer));
        let block = match (top.take(), text) {
            (Some(top), _) => top_block(data, 0, top, &mut pos),
            (None, Some(text)) if attached => {
                attached_met = true;
                let headers = Headers::parse_top(text.get(pos..).unwrap_or_default(), pos);
                match headers.top() {
                    Some(top) => {
                        message.headers = Some(headers);
                        top_block(data, pos, top, &mut pos)
                    }
                    None => read_headers(data, &mut pos),
                }
            }
            _ => read_headers(data, &mut pos),
        };
        if !block.complete {
            last_block = Some(block);
            break;
        }
        let offset_body = pos;
        if message.outer && message.count >= max_parts {
            break;
        }
        let content_type = block.content_type;
        let (is_multipart, mut is_text, mut mime_type) =
            mime_type(content_type.as_ref(), state.mime_type);

        if is_multipart
            && let Some(boundary) = content_type.as_ref().and_then(|c| c.attribute("boundary"))
        {
            let mut stream = stream_at(data, pos);
            if stream.seek_next_part(boundary.as_bytes()) {
                stream.skip_crlf();
                pos = stream.offset();
                let new_state = State {
                    mime_type,
                    boundary: Some(boundary.as_bytes().to_vec()),
                    part_id: message.count,
                };
                let part = message.outer.then_some(Part {
                    content_type,
                    body: Body::Multipart,
                    encoding_problem: false,
                });
                message.push(part, offset_header, offset_body, 0);
                stack.push((std::mem::replace(&mut state, new_state), None));
                continue;
            }
            mime_type = MimeType::TextOther;
            is_text = true;
        }

        let encoding = block.encoding;
        if mime_type == MimeType::Message && encoding == Encoding::None {
            let new_state = State {
                mime_type: MimeType::Message,
                boundary: state.boundary.take(),
                part_id: message.count,
            };
            let part = message.outer.then_some(Part {
                content_type,
                body: Body::Multipart,
                encoding_problem: false,
            });
            message.push(part, offset_header, offset_body, 0);
            stack.push((
                std::mem::replace(&mut state, new_state),
                Some(std::mem::replace(&mut message, Message::new(false))),
            ));
            continue;
        }

        let boundary = state.boundary.as_deref().unwrap_or_default();
        // The body: decoded for the outer message's parts, only found for the others (where a
        // decoder that gives up reads to the same boundary as one that does not).
        // A binary part nobody reads: only found and checked.
        let undecoded = encoding == Encoding::Base64
            && message.outer
            && !is_text
            && mime_type != MimeType::Message
            && !wants_bytes(content_type.as_ref());
        let found = match (encoding, message.outer) {
            (Encoding::Base64, true) if undecoded => base64_extent(data, pos, boundary)
                .map(|(end, next)| (end, next, Cow::Borrowed(&[][..]))),
            (Encoding::Base64, true) => decoded(data, pos, boundary, true),
            (Encoding::QuotedPrintable, true) => decoded(data, pos, boundary, false),
            _ => part_end(data, pos, boundary).map(|(end, next)| {
                let bytes = if message.outer {
                    data.get(pos..end).unwrap_or_default()
                } else {
                    &[]
                };
                (end, next, Cow::Borrowed(bytes))
            }),
        };
        let mut problem = found.is_none();
        let (offset_end, bytes) = match found {
            Some((end, next, bytes)) => {
                pos = next;
                (end, bytes)
            }
            None => {
                // Read as plain text to the next boundary, or to the end when there is none.
                if mime_type != MimeType::TextPlain {
                    mime_type = MimeType::TextOther;
                }
                is_text = true;
                let (end, next) = part_end(data, pos, boundary).unwrap_or_else(|| {
                    state.boundary = None;
                    (data.len(), data.len())
                });
                pos = next;
                (
                    end,
                    Cow::Borrowed(data.get(offset_body..end).unwrap_or_default()),
                )
            }
        };

        let part = if !message.outer {
            None
        } else {
            let body = if mime_type != MimeType::Message {
                if is_text {
                    let decoded = decode_text(bytes, content_type.as_ref(), text);
                    if mime_type == MimeType::TextHtml {
                        Body::Html(decoded)
                    } else {
                        Body::Text(decoded)
                    }
                } else if undecoded && !problem {
                    Body::Undecoded
                } else {
                    Body::Binary(bytes)
                }
            } else if opens_as_message(&bytes) {
                // An encoded message: mail-parser parses the decoded bytes as a message of their
                // own (the outer level is always within its nesting limit).
                Body::Message(bytes)
            } else {
                problem = true;
                Body::Binary(bytes)
            };
            Some(Part {
                content_type,
                body,
                encoding_problem: problem,
            })
        };
        message.push(part, offset_header, offset_body, offset_end);

        if state.boundary.is_some() {
            'inner: loop {
                if state.mime_type == MimeType::Message {
                    // An attached message ends: back to the message holding it.
                    let Some((mut prev_state, Some(mut prev_message))) = stack.pop() else {
                        break 'outer;
                    };
                    let end = match &state.boundary {
                        Some(b) => {
                            let p = pos.saturating_sub(b.len() + 2);
                            match data.get(p.wrapping_sub(2)) {
                                Some(b'\r') => p.wrapping_sub(2),
                                _ => p.wrapping_sub(1),
                            }
                        }
                        None => pos,
                    };
                    let id = state.part_id;
                    prev_message.set_end(id, end);
                    if message.count == 0 {
                        let start = prev_message.body_start(id);
                        let text =
                            String::from_utf8_lossy(data.get(start..end).unwrap_or_default());
                        prev_message.set_body(id, Body::Text(text), true);
                    } else {
                        prev_message.set_body(
                            id,
                            Body::Message(Cow::Borrowed(message.raw(data))),
                            false,
                        );
                        prev_message.take_headers(id, &mut message);
                    }
                    message = prev_message;
                    prev_state.boundary = state.boundary.take();
                    state = prev_state;
                }

                let mut stream = stream_at(data, pos);
                let at_end = stream.is_multipart_end();
                pos = stream.offset();
                if !at_end {
                    break 'inner;
                }
                // A multipart ends: back to its parent, on to the parent's next boundary.
                let id = state.part_id;
                if id >= message.count {
                    break 'outer;
                }
                if let Some((prev_state, _)) = stack.pop() {
                    state = prev_state;
                    if let Some(boundary) = &state.boundary {
                        let mut stream = stream_at(data, pos);
                        if let Some(offset) = stream.seek_next_part_offset(boundary) {
                            pos = stream.offset();
                            message.set_end(id, offset);
                            continue 'inner;
                        }
                    }
                }
                message.set_end(id, pos);
                break 'outer;
            }
        } else if pos >= data.len() {
            break 'outer;
        }
    }

    // Unfinished multiparts and messages: close them where the data ends.
    while let Some((prev_state, prev_message)) = stack.pop() {
        if let Some(mut prev_message) = prev_message {
            let id = state.part_id;
            prev_message.set_end(id, pos);
            if message.count == 0 {
                let start = prev_message.body_start(id);
                let raw = data.get(start..pos);
                let text = match raw
                    .and_then(|bytes| std::str::from_utf8(bytes).ok())
                    .and_then(|text| {
                        let boundary = std::str::from_utf8(state.boundary.as_deref()?).ok()?;
                        let (text, _) = text.rsplit_once(boundary)?;
                        let text = text.strip_suffix("--")?;
                        let text = text.strip_suffix('\n').unwrap_or(text);
                        Some(text.strip_suffix('\r').unwrap_or(text))
                    }) {
                    Some(text) => Cow::Borrowed(text),
                    None => String::from_utf8_lossy(raw.unwrap_or_default()),
                };
                prev_message.set_body(id, Body::Text(text), true);
            } else {
                prev_message.set_body(id, Body::Message(Cow::Borrowed(message.raw(data))), false);
                prev_message.take_headers(id, &mut message);
            }
            message = prev_message;
        } else {
            message.set_end(state.part_id, pos);
        }
        state = prev_state;
    }

    if message.count > 0 {
        Some(Mime {
            parts: message.parts,
            attached_headers: message.attached_headers,
        })
    } else {
        match last_block {
            Some(block) if block.any => Some(Mime {
                parts: vec![Part {
                    content_type: block.content_type,
                    body: Body::Text(Cow::Borrowed("")),
                    encoding_problem: true,
                }],
                attached_headers: None,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use mail_parser::{Attribute, ContentType, MessageParser, MimeHeaders, PartType};

    use super::{Body, Mime, Part};

    const MAX_PARTS: usize = 200;

    use super::{Encoding, HeaderBlock, HeaderValue, MessageStream, Name};

    // The name readers as they were, for the reference reader.

    /// The field a name stands for: its bytes other than blanks, ASCII case ignored (mail-parser
    /// drops the blanks in a name and knows names of at most [`super::MAX_HEADER_NAME_LEN`] bytes).
    fn name_of(raw: &[u8]) -> Name {
        if !raw.first().is_some_and(|b| b.eq_ignore_ascii_case(&b'c')) {
            return Name::Other;
        }
        // Most names are written without blanks: compared as they stand (a name with blanks
        // equals neither, and is looked at below).
        if raw.eq_ignore_ascii_case(b"content-type") {
            return Name::ContentType;
        }
        if raw.eq_ignore_ascii_case(b"content-transfer-encoding") {
            return Name::TransferEncoding;
        }
        if !raw.iter().any(u8::is_ascii_whitespace) {
            return Name::Other;
        }
        let mut name = [0u8; super::MAX_HEADER_NAME_LEN];
        let mut len = 0usize;
        for &ch in raw.iter().filter(|b| !b.is_ascii_whitespace()) {
            match name.get_mut(len) {
                Some(slot) => *slot = ch.to_ascii_lowercase(),
                None => return Name::Other,
            }
            len += 1;
        }
        match &name[..len] {
            b"content-type" => Name::ContentType,
            b"content-transfer-encoding" => Name::TransferEncoding,
            _ => Name::Other,
        }
    }

    /// mail-parser's `parse_header_name` byte by byte, from `*pos`: the field the name stands for,
    /// and whether there is one (a line feed before a colon that follows a name byte: none).
    fn read_name(data: &[u8], pos: &mut usize) -> (Name, bool) {
        let start = *pos;
        let mut first = None;
        while let Some(&ch) = data.get(*pos) {
            *pos += 1;
            match ch {
                b':' if first.is_some() => break,
                b':' => {}
                b'\n' => return (Name::Other, false),
                _ if ch.is_ascii_whitespace() => {}
                _ => {
                    first.get_or_insert(*pos - 1);
                }
            }
        }
        match first {
            Some(first) => {
                let end = if data.get(*pos - 1) == Some(&b':') && *pos > start {
                    *pos - 1
                } else {
                    *pos
                };
                (name_of(&data[first..end]), true)
            }
            None => (Name::Other, false),
        }
    }

    /// The header block reader as it was before it found each line once (the reference the
    /// walker's reader is held to): reads a header block from `*pos` the way mail-parser's `parse_headers` does, leaving `*pos`
    /// where it leaves its stream. A field runs to the first line feed not followed by a space or
    /// tab; a name is the field's non-blank bytes up to its first colon after one of them. The
    /// last `Content-Type` and `Content-Transfer-Encoding` fields are the ones that count: plain
    /// ones read by the fast paths here, the rest by mail-parser's own field parsers.
    pub(super) fn read_headers_reference<'x>(data: &'x [u8], pos: &mut usize) -> HeaderBlock<'x> {
        let mut any = false;
        let mut ct_field: Option<&'x [u8]> = None;
        let mut cte_field: Option<&'x [u8]> = None;
        let complete = 'block: loop {
            // Blank bytes before a field; a line feed among them ends the block.
            loop {
                match data.get(*pos) {
                    Some(b'\n') => {
                        *pos += 1;
                        break 'block true;
                    }
                    None => break 'block false,
                    Some(ch) if !ch.is_ascii_whitespace() => break,
                    _ => *pos += 1,
                }
            }
            // The name: to the first colon after it (a line feed first: no field).
            let rest = data.get(*pos..).unwrap_or_default();
            let (name, named) = match memchr::memchr2(b':', b'\n', rest) {
                // A colon before any name byte is skipped: the slow way.
                Some(0) => read_name(data, pos),
                Some(end) if rest[end] == b'\n' => {
                    *pos += end + 1;
                    (Name::Other, false)
                }
                found => {
                    let end = found.unwrap_or(rest.len());
                    *pos += found.map_or(end, |e| e + 1);
                    (name_of(&rest[..end]), true)
                }
            };
            if !named {
                if *pos >= data.len() {
                    break 'block false;
                }
                continue;
            }
            any = true;
            // The value, to the line feed that ends the field (kept: the field parsers need it).
            let start = *pos;
            let mut end = data.len();
            let mut at = start;
            while let Some(nl) = data.get(at..).and_then(|rest| memchr::memchr(b'\n', rest)) {
                let nl = at + nl;
                if matches!(data.get(nl + 1), Some(b' ' | b'\t')) {
                    at = nl + 2;
                } else {
                    end = nl + 1;
                    break;
                }
            }
            *pos = end.min(data.len());
            let field = data.get(start..*pos).unwrap_or_default();
            match name {
                Name::ContentType => ct_field = Some(field),
                Name::TransferEncoding => cte_field = Some(field),
                Name::Other => {}
            }
        };
        // mail-parser's own parser: the fast path is held to it in its own test.
        let content_type =
            ct_field.and_then(|f| match MessageStream::new(f).parse_content_type() {
                HeaderValue::ContentType(ct) => Some(ct),
                _ => None,
            });
        let encoding = cte_field.map_or(Encoding::None, super::encoding_of);
        HeaderBlock {
            complete,
            any,
            content_type,
            encoding,
        }
    }

    /// Holds a block the walker read to the reference reader's, at every offset it reads.
    pub(super) fn same_as_reference(data: &[u8], from: usize, block: &HeaderBlock<'_>, pos: usize) {
        let mut theirs_pos = from;
        let theirs = read_headers_reference(data, &mut theirs_pos);
        let what = || format!("at {from} of {:?}", String::from_utf8_lossy(data));
        assert_eq!(
            (block.complete, block.any, block.encoding, pos),
            (theirs.complete, theirs.any, theirs.encoding, theirs_pos),
            "{}",
            what()
        );
        assert_eq!(
            block.content_type.as_ref().map(owned),
            theirs.content_type.as_ref().map(owned),
            "{}",
            what()
        );
    }

    /// The view of a message mail-parser gives, in the walker's terms.
    fn by_mail_parser(data: &[u8]) -> Option<Mime<'_>> {
        let parser = MessageParser::new()
            .with_mime_headers()
            .default_header_ignore();
        let message = parser.parse(data)?;
        let parts = message
            .parts
            .iter()
            .take(MAX_PARTS)
            .map(|p| Part {
                content_type: p.content_type().map(owned),
                body: match &p.body {
                    PartType::Multipart(_) => Body::Multipart,
                    PartType::Text(s) => Body::Text(Cow::Owned(s.to_string())),
                    PartType::Html(s) => Body::Html(Cow::Owned(s.to_string())),
                    PartType::Binary(b) | PartType::InlineBinary(b) => {
                        Body::Binary(Cow::Owned(b.to_vec()))
                    }
                    PartType::Message(m) => Body::Message(Cow::Owned(m.raw_message().to_vec())),
                },
                encoding_problem: p.is_encoding_problem,
            })
            .collect();
        Some(Mime {
            parts,
            attached_headers: None,
        })
    }

    fn owned(ct: &ContentType<'_>) -> ContentType<'static> {
        ContentType {
            c_type: Cow::Owned(ct.c_type.to_string()),
            c_subtype: ct.c_subtype.as_ref().map(|s| Cow::Owned(s.to_string())),
            attributes: ct.attributes.as_ref().map(|a| {
                a.iter()
                    .map(|a| Attribute {
                        name: Cow::Owned(a.name.to_string()),
                        value: Cow::Owned(a.value.to_string()),
                    })
                    .collect()
            }),
        }
    }

    /// Holds the walker to mail-parser on `data`. Where mail-parser's arithmetic overflows
    /// (checked in test builds, wrapping in release ones) there is nothing to compare with.
    fn check(data: &[u8], what: &str) {
        let Ok(theirs) = std::panic::catch_unwind(|| by_mail_parser(data)) else {
            return;
        };
        let ours = super::walk(data, None, None, MAX_PARTS, |_| true);
        // Texts cut from the data as text, when it is UTF-8, are the same.
        if let Ok(text) = std::str::from_utf8(data) {
            assert_eq!(
                super::walk(data, Some(text), None, MAX_PARTS, |_| true),
                ours,
                "{what}, as text: {text:?}"
            );
            // And with its own header block read as the bounce reader reads it.
            let noted = super::walk(data, Some(text), top_of(text), MAX_PARTS, |_| true);
            assert_eq!(noted, ours, "{what}, its top block noted: {text:?}");
            // The attached message's headers read on the way are those of its raw bytes.
            if let Some(Mime {
                parts,
                attached_headers: Some((at, headers)),
            }) = &noted
            {
                let Body::Message(raw) = &parts[*at].body else {
                    panic!("{what}: part {at} is no message");
                };
                let text = super::text_within(Some(text), raw);
                let theirs = crate::bounce::headers::Headers::parse(&text).0;
                assert_eq!(
                    headers.fields().collect::<Vec<_>>(),
                    theirs.fields().collect::<Vec<_>>(),
                    "{what}: {text:?}"
                );
                ATTACHED_NOTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        assert_eq!(ours, theirs, "{what}: {:?}", String::from_utf8_lossy(data));
        // With no bytes wanted, base64 binary parts come undecoded, all else the same.
        let Some(theirs) = theirs else {
            return;
        };
        let undecoded = super::walk(data, None, None, MAX_PARTS, |_| false).map(|m| {
            assert_eq!(
                m.parts.len(),
                theirs.parts.len(),
                "{what}, undecoded: parts"
            );
            m.parts
                .into_iter()
                .zip(&theirs.parts)
                .map(|(ours, theirs)| match (&ours.body, &theirs.body) {
                    (Body::Undecoded, Body::Binary(bytes)) => Part {
                        body: Body::Binary(bytes.clone()),
                        ..ours
                    },
                    _ => ours,
                })
                .collect()
        });
        assert_eq!(
            undecoded.as_ref(),
            Some(&theirs.parts),
            "{what}, undecoded: {:?}",
            String::from_utf8_lossy(data)
        );
    }

    /// What reading the message's own header block as the bounce reader does notes for the
    /// walker (after an mbox line, as the bounce reader skips it).
    fn top_of(text: &str) -> Option<super::Top> {
        let rest = match text.strip_prefix("From ") {
            Some(_) => text.split_once('\n').map_or("", |(_, r)| r),
            None => text,
        };
        crate::bounce::headers::Headers::parse_top(rest, text.len() - rest.len()).top()
    }

    /// The top block noted while the bounce's headers are read is the block the walker's
    /// reader reads (held to the reference reader in test builds), when it is noted at all:
    /// every email and header variant, behind mbox lines of every shape.
    #[test]
    fn noted_top_block_is_the_readers() {
        let (mut noted, mut not) = (0, 0);
        for email in all_emails() {
            for v in header_variants(&email) {
                for lead in [
                    &b""[..],
                    b"From x\n",
                    b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024\n",
                    b"From x\nFrom y 00:00\n",
                    b"From x\n\tcontinued\n",
                    b"From \n\n",
                    b"From x\r\n\r\n",
                ] {
                    let data = [lead, &v[..]].concat();
                    let Ok(text) = std::str::from_utf8(&data) else {
                        continue;
                    };
                    let Some(top) = top_of(text) else {
                        not += 1;
                        continue;
                    };
                    noted += 1;
                    let mut pos = 0;
                    // Checked against the reference reader inside.
                    let ours = super::top_block(&data, 0, top, &mut pos);
                    let mut their_pos = 0;
                    let theirs = super::read_headers(&data, &mut their_pos);
                    assert_eq!(pos, their_pos);
                    assert_eq!(ours.content_type, theirs.content_type, "{text:?}");
                }
            }
        }
        assert!(noted > 10_000 && not > 1_000, "{noted} noted, {not} not");
    }

    /// How many walks in the tests gave an attached message's headers.
    static ATTACHED_NOTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    /// Every corpus email and every `.eml` under fixtures.
    fn all_emails() -> Vec<Vec<u8>> {
        let mut emails = crate::bounce::corpus_emails();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        let mut paths = Vec::new();
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("a fixtures directory") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    if !path.ends_with("sisimai") {
                        dirs.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "eml") {
                    paths.push(path);
                }
            }
        }
        paths.sort();
        emails.extend(paths.iter().map(|p| std::fs::read(p).expect("an email")));
        emails
    }

    /// Every place `needle` occurs, ASCII case ignored, the first `max` of them.
    fn find_all(hay: &[u8], needle: &[u8], max: usize) -> Vec<usize> {
        hay.windows(needle.len())
            .enumerate()
            .filter(|(_, w)| w.eq_ignore_ascii_case(needle))
            .map(|(i, _)| i)
            .take(max)
            .collect()
    }

    fn splice(data: &[u8], range: std::ops::Range<usize>, with: &[u8]) -> Vec<u8> {
        let mut out = data[..range.start].to_vec();
        out.extend_from_slice(with);
        out.extend_from_slice(&data[range.end..]);
        out
    }

    fn line_end(data: &[u8], from: usize) -> usize {
        data[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |p| from + p + 1)
    }

    /// The email changed in the ways MIME goes wrong or varies.
    fn variants(data: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let lf: Vec<u8> = data.iter().copied().filter(|&b| b != b'\r').collect();
        let crlf: Vec<u8> = lf
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        out.push(lf.clone());
        out.push(crlf);
        out.push(data.to_ascii_uppercase());
        for k in 1..12 {
            out.push(data[..data.len() * k / 12].to_vec());
        }
        // Boundary lines: cut at them, dropped, doubled.
        for at in find_all(data, b"\n--", 12) {
            let end = line_end(data, at + 1);
            for cut in [at, at + 1, at + 3, at + 6, end.saturating_sub(1), end] {
                out.push(data[..cut.min(data.len())].to_vec());
            }
            out.push(splice(data, at + 1..end, b""));
            let line = data[at + 1..end].to_vec();
            out.push(splice(data, at + 1..at + 1, &line));
            out.push(splice(data, at + 1..at + 1, b"\n"));
        }
        // Content types: dropped, changed.
        for at in find_all(data, b"content-type:", 6) {
            out.push(splice(data, at..at + 1, b"X-"));
            let end = line_end(data, at);
            for ct in [
                &b"Content-Type: multipart/digest; boundary=\"zz\"\n"[..],
                b"Content-Type: message/rfc822\n",
                b"Content-Type: message/global\n",
                b"Content-Type: text/html; charset=\"iso-8859-1\"\n",
                b"Content-Type: text/plain; charset*=utf-8''%41%42\n",
                b"Content-Type: text/plain; charset=shift_jis; format=flowed\n",
                b"Content-Type: text/x-other; charset=\"koi8-r\"\n",
                b"Content-Type: image/png; name=\"a.png\"\n",
                b"Content-Type: multipart/alternative\n",
                b"Content-Type: (comment) text/plain\n",
                b"Content-Type:\n",
            ] {
                out.push(splice(data, at..end, ct));
            }
        }
        for (from, to) in [
            (&b"multipart/mixed"[..], &b"multipart/digest"[..]),
            (b"multipart/report", b"multipart/digest"),
            (b"message/delivery-status", b"message/rfc822"),
            (b"text/rfc822-headers", b"message/rfc822"),
            (b"message/rfc822", b"message/global"),
            (b"message/rfc822", b"text/plain"),
            (b"charset=", b"charset=windows-1252;x="),
            (b"charset=", b"charset=gb2312;x="),
            (b"charset=", b"charset=bogus;x="),
            (b"boundary=", b"boundary*0=\"a\";boundary*1="),
            (b"boundary=\"", b"boundary=\"x"),
        ] {
            for at in find_all(data, from, 3) {
                out.push(splice(data, at..at + from.len(), to));
            }
        }
        // Transfer encodings: changed, added.
        for at in find_all(data, b"content-transfer-encoding:", 4) {
            let end = line_end(data, at);
            for cte in [
                &b"Content-Transfer-Encoding: base64\n"[..],
                b"Content-Transfer-Encoding: Quoted-Printable\n",
                b"Content-Transfer-Encoding: 8bit\n",
                b"Content-Transfer-Encoding: =?us-ascii?q?base64?=\n",
                b"Content-Transfer-Encoding:\n base64\n",
            ] {
                out.push(splice(data, at..end, cte));
            }
        }
        for at in find_all(data, b"content-type:", 4) {
            for cte in [
                &b"Content-Transfer-Encoding: base64\n"[..],
                b"Content-Transfer-Encoding: quoted-printable\n",
            ] {
                out.push(splice(data, at..at, cte));
            }
        }
        out
    }

    /// The email wrapped as a returned message, plainly, in base64, in quoted-printable, in a
    /// digest, and nested twice.
    fn wrapped(data: &[u8]) -> Vec<Vec<u8>> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(data);
        let b64: Vec<u8> = b64
            .as_bytes()
            .chunks(76)
            .flat_map(|c| c.iter().copied().chain([b'\n']))
            .collect();
        let qp: Vec<u8> = data
            .iter()
            .flat_map(|&b| {
                if b == b'=' || b >= 0x80 {
                    format!("={b:02X}").into_bytes()
                } else {
                    vec![b]
                }
            })
            .collect();
        let head = b"From: a@b\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"OUT\"\n\n--OUT\nContent-Type: text/plain\n\nreport\n--OUT\n".to_vec();
        let mut out = Vec::new();
        for (ct, body) in [
            (&b"Content-Type: message/rfc822\n\n"[..], data),
            (
                b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n",
                &b64[..],
            ),
            (
                b"Content-Type: message/rfc822\nContent-Transfer-Encoding: quoted-printable\n\n",
                &qp[..],
            ),
            (b"\n", data),
        ] {
            let mut m = head.clone();
            m.extend_from_slice(ct);
            m.extend_from_slice(body);
            m.extend_from_slice(b"\n--OUT\nContent-Type: text/plain\n\nafter\n--OUT--\n");
            out.push(m.clone());
            // In a digest (no content type: a message), and once more inside a message.
            out.push(
                [
                    &b"Content-Type: multipart/digest; boundary=\"OUT\"\n\n--OUT\n\n"[..],
                    data,
                    b"\n--OUT\n\n",
                    data,
                    b"\n--OUT--\n",
                ]
                .concat(),
            );
            let mut twice = head.clone();
            twice.extend_from_slice(b"Content-Type: message/rfc822\n\n");
            twice.extend_from_slice(&m);
            twice.extend_from_slice(b"\n--OUT--\n");
            out.push(twice);
        }
        out
    }

    #[test]
    fn walker_is_mail_parser_on_every_email_and_variant() {
        let mut checked = 0;
        for (i, bytes) in all_emails().iter().enumerate() {
            check(bytes, &format!("email {i}"));
            for (j, v) in variants(bytes).iter().chain(&wrapped(bytes)).enumerate() {
                check(v, &format!("email {i} variant {j}"));
                checked += 1;
            }
        }
        assert!(checked > 50_000, "{checked} variants");
        let noted = ATTACHED_NOTED.load(std::sync::atomic::Ordering::Relaxed);
        assert!(noted > 10_000, "{noted} attached messages' headers");
    }

    /// Corners: no headers, no blank line, names with blanks, messages in messages.
    #[test]
    fn walker_is_mail_parser_on_corner_cases() {
        let nested = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: x\n\nbody\n--b";
        let cases = [
            String::new(),
            "\n".into(),
            "abc".into(),
            "Subject: x".into(),
            "Subject: x\n".into(),
            "Content-Type: multipart/mixed; boundary=b\n".into(),
            "Content-Type: text/plain; charset=\"iso-8859-1\"".into(),
            "Foo bar\n\nbody".into(),
            ":\n\nbody".into(),
            " Content - Type : text/html\n\n<b>x</b>".into(),
            "Content-Type: text/plain\n \n\tx\n\nbody".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b--\n".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--b\nContent-Type: message/rfc822\n\n--b--\n".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nno headers here".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: x\n\n--b--\n".into(),
            format!("{nested}--\n"),
            format!("{nested}\n\nafter\n--b--\n"),
            format!("{nested}\nContent-Type: text/plain\n\nafter\n--b--\n"),
            nested.to_string(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nin c\n--c--\n--b\n\nin b\n--b--\n".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nContent-Type: multipart/alternative; boundary=c\n\n--c\n\nin c\n--c--\n--b\n\nin b\n--b--\n".into(),
            "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\nbody\r\n--b\r\n\r\nlast\r\n--b--\r\n".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n\n!!!!\n--b\nContent-Transfer-Encoding: quoted-printable\n\na==b\n--b--\n".into(),
            "Content-Type: message/rfc822\n\nSubject: x\n\nbody".into(),
            "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoKYm9keQ==\n".into(),
            "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nYWJj\n".into(),
            // An attached message's header block cut by a boundary line that reads as a field.
            "Content-Type: multipart/mixed; boundary=\"b:\"\n\n--b:\nContent-Type: message/rfc822\n\nSubject: x\nFrom: y\n--b:\n\nlast\n--b:--\n".into(),
            "Content-Type: multipart/mixed; boundary=\"b:\"\n\n--b:\nContent-Type: message/rfc822\n\nSubject: x\n\n--b:\n\nlast\n--b:--\n".into(),
            // Attached messages that are multiparts left open.
            "Content-Type: message/rfc822\n\nSubject: x\nContent-Type: multipart/mixed; boundary=c\n\n--c\n\nx".into(),
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n\nSubject: x\nContent-Type: multipart/mixed; boundary=c\n\n--c\n\nx\n--b--\n".into(),
        ];
        for (i, case) in cases.iter().enumerate() {
            check(case.as_bytes(), &format!("case {i}"));
            for (j, v) in variants(case.as_bytes()).iter().enumerate() {
                check(v, &format!("case {i} variant {j}"));
            }
        }
    }

    /// Encoded bodies with every odd byte sequence the decoders react to, in the outer message
    /// and in a returned one, each boundary also starting with a dash.
    #[test]
    fn walker_is_mail_parser_on_odd_encoded_bodies() {
        let qp = [
            "a=\nb", "a=3D", "a==b", "a=A\nB", "a=A=B", "x=\r\nq", "a= \nb", "a=\t=", "a=G", "a=-",
            "=A-", "--x", "=\n", "=", "=A", "a=\r=", "=\x0c=", "=A\r\r=", "-\n-", "",
        ];
        let b64 = [
            "QUJD\n",
            "QU=JD",
            "QU-JD",
            "QU--JD",
            "QUJD!",
            "QUJD =\n",
            "QQ==\nQQ==",
            "-",
            "--",
            "Q\tQ\r\n",
            "QUJ",
            "=",
            "+/+/",
            "_",
            "\x0c",
            "",
            "@",
            "[`{.:",
            "\u{e9}",
            "QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD\n",
        ];
        let mut checked = 0;
        for boundary in ["b", "-b", "--"] {
            // A binary base64 part too: left undecoded when its bytes are not wanted.
            for (encoding, ctype, snippets) in [
                ("quoted-printable", "text/plain", &qp[..]),
                ("base64", "text/plain", &b64[..]),
                ("base64", "image/png", &b64[..]),
            ] {
                for one in snippets {
                    for two in snippets {
                        let part = format!(
                            "--{boundary}\nContent-Type: {ctype}\nContent-Transfer-Encoding: {encoding}\n\n{one}{two}\n--{boundary}\nContent-Type: text/plain\n\nlast\n--{boundary}--\n"
                        );
                        let inner = format!(
                            "Subject: x\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\n\n{part}"
                        );
                        let outer = format!(
                            "Content-Type: multipart/mixed; boundary=\"o{boundary}\"\n\n--o{boundary}\nContent-Type: message/rfc822\n\n{inner}\n--o{boundary}\n\nafter\n--o{boundary}--\n"
                        );
                        for m in [inner, outer] {
                            check(m.as_bytes(), "odd body");
                            check(m.replace('\n', "\r\n").as_bytes(), "odd body, CRLF");
                            let cut = format!("{}{one}", &m[..m.find(one).unwrap_or(0)]);
                            check(cut.as_bytes(), "odd body, cut");
                            checked += 3;
                        }
                    }
                }
            }
        }
        assert!(checked > 5000, "{checked}");
    }

    /// The quoted-printable decoder is mail-parser's on every short mix of the bytes it reacts
    /// to (after three plain bytes, which keep mail-parser's own subtractions from overflowing
    /// in a test build), with and without a boundary after them.
    #[test]
    fn quoted_printable_is_mail_parsers() {
        let alphabet = b"a \t=\n\r-Ab";
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        let mut last: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|w| {
                    alphabet.iter().map(move |&c| {
                        let mut w = w.clone();
                        w.push(c);
                        w
                    })
                })
                .collect();
            words.extend(last.iter().cloned());
        }
        for word in &words {
            for tail in [&b""[..], b"\n--b--\n", b"--b", b" \r\n--b"] {
                let data = [&b"xyz"[..], word, tail].concat();
                for boundary in [&b"b"[..], b""] {
                    let ours = super::quoted_printable(&data, 0, boundary);
                    let mut stream = mail_parser::parsers::MessageStream::new(&data);
                    let (end, bytes) = stream.decode_quoted_printable_mime(boundary);
                    let theirs =
                        (end != usize::MAX).then(|| (end, stream.offset(), bytes.into_owned()));
                    assert_eq!(ours, theirs, "{:?}", String::from_utf8_lossy(&data));
                }
            }
        }
    }

    /// The charsets whose ASCII text is taken as it is decode ASCII to itself in mail-parser.
    #[test]
    fn ascii_keeping_charsets_keep_ascii() {
        let ascii: Vec<u8> = (0..128).collect();
        for name in super::ASCII_KEEPING {
            let decoder = super::charset_decoder(name.as_bytes()).expect("a known charset");
            assert_eq!(decoder(&ascii).as_bytes(), &ascii[..], "{name}");
            assert_eq!(
                decoder(b"Delivery failed\r\n"),
                "Delivery failed\r\n",
                "{name}"
            );
        }
    }

    /// `data` with the shapes header blocks vary and go wrong in.
    fn header_variants(data: &[u8]) -> Vec<Vec<u8>> {
        let replace = |from: &[u8], to: &[u8]| {
            let mut out = Vec::with_capacity(data.len());
            let mut rest = data;
            while let Some(at) = memchr::memmem::find(rest, from) {
                out.extend_from_slice(&rest[..at]);
                out.extend_from_slice(to);
                rest = &rest[at + from.len()..];
            }
            out.extend_from_slice(rest);
            out
        };
        let mut out = vec![
            data.to_vec(),
            replace(b"\n", b"\r\n"),
            data.to_ascii_uppercase(),
            data.trim_ascii_end().to_vec(),
            // Folded lines, blank continuation lines, colon-less lines before indented ones.
            replace(b"; ", b";\n\t"),
            replace(b": ", b":\n "),
            replace(b"\n\n", b"\n \n\n"),
            replace(b"\n\n", b"\n\t\r\n"),
            replace(b"\nReceived:", b"\nReceived"),
            replace(b"\nContent-", b"\nno colon\n Content-"),
            replace(b"\nContent-", b"\nno colon\n \nContent-"),
            replace(b"\nContent-", b"\n\x0c\rContent-"),
            replace(b"\nContent-", b"\n::Content-"),
            replace(b"\nContent-", b"\n:\nContent-"),
            replace(b"Content-Type:", b"Content - Type :"),
            replace(b"Content-Type:", b"Content-Type"),
            replace(b"\n", b"\n\n"),
            // NUL and non-ASCII bytes, in names and values.
            replace(b":", b"\0:"),
            replace(b": ", b":\0 "),
            replace(b"a", b"\xe9"),
            replace(b"-", b"\xc3\xa9"),
        ];
        out.retain(|v| v.len() <= 300_000);
        out
    }

    /// The header reader gives the reference reader's block at the start of every email, of
    /// every line and of the byte after it, in every email and variant (the walker's own
    /// offsets are checked on every read, in every test that walks).
    #[test]
    fn header_reader_is_the_reference() {
        let mut checked = 0;
        let mut emails = all_emails();
        emails.extend(
            [
                &b""[..],
                b"\n",
                b"a",
                b":",
                b"::",
                b": a",
                b"a:",
                b" a",
                b"a\n b",
                b"a\n \n",
                b"a: b\n \n\nc",
                b"a: b\n\t\r\n\r\n",
                b"content-type",
                b"Content-Type: text/html\n \tx",
                b"\rContent-Type:text/html\r\n\r\n",
                b"\x0cContent-Type:text/html\n\n",
                b"x\n Content-Transfer-Encoding: base64\n\n",
                b"x\n \nContent-Transfer-Encoding: base64\n\n",
                b"Content-Transfer-Encoding:\n base64\n\n",
                b"Content-Transfer-Encodin: base64\n\n",
                b"Content-Transfer-Encoding : base64\n\n",
                b"Content-Typ\xc3\xa9: text/plain\n\n",
                b"Content-Type\0: text/plain\n\n",
                b"content-type: TEXT/PLAIN\ncontent-type: text/html\n\n",
            ]
            .map(<[u8]>::to_vec),
        );
        for email in &emails {
            for (i, v) in header_variants(email).iter().enumerate() {
                // The byte after a line's start too, in the email as it is.
                let after = usize::from(i == 0);
                let mut starts = vec![0, 1, 2];
                starts
                    .extend(memchr::memchr_iter(b'\n', v).flat_map(|nl| [nl + 1, nl + 1 + after]));
                starts.dedup();
                for from in starts.into_iter().filter(|&f| f <= v.len()) {
                    // Past the start, a window of the data (a read from each line of a long
                    // body would read to its end): its end cuts a block like data that ends.
                    let window = if from == 0 {
                        v
                    } else {
                        &v[..v.len().min(from + 1500)]
                    };
                    // The reader holds itself to the reference in test builds.
                    let mut pos = from;
                    super::read_headers(window, &mut pos);
                    checked += 1;
                }
            }
        }

        assert!(checked > 1_000_000, "{checked} blocks");
    }

    #[test]
    fn walker_is_mail_parser_on_the_corpus() {
        for (i, bytes) in crate::bounce::corpus_emails().iter().enumerate() {
            check(bytes, &format!("corpus email {i}"));
        }
    }

    /// The one-word fast path for transfer encodings gives mail-parser's value or none, on
    /// every such field of the corpus and the fixtures and on variants of each.
    #[test]
    fn single_token_is_mail_parsers() {
        let mut fields: Vec<Vec<u8>> = vec![b"\n".to_vec(), b" \n".to_vec(), b"a\n".to_vec()];
        for email in all_emails() {
            for at in find_all(&email, b"content-transfer-encoding:", 20) {
                let value = &email[at + 26..line_end(&email, at)];
                let text = String::from_utf8_lossy(value);
                for v in [
                    text.to_string(),
                    text.to_uppercase(),
                    text.replace('\n', "\r\n"),
                    text.replace('\n', " \t\r\n"),
                    text.replace('\n', "\n x\n"),
                    text.replace('-', " - "),
                    text.replace('e', "=?us-ascii?q?e?="),
                    text.replace('e', "\u{e9}"),
                    text.replace('e', "_"),
                    text.trim_end().to_string(),
                    format!("\r{text}"),
                ] {
                    fields.push(v.into_bytes());
                }
            }
        }
        let mut fast = 0;
        for field in &fields {
            if let Some(token) = super::single_token(field) {
                fast += 1;
                let theirs =
                    match mail_parser::parsers::MessageStream::new(field).parse_unstructured() {
                        mail_parser::HeaderValue::Text(t) => t.into_owned().into_bytes(),
                        other => panic!("{other:?} for {:?}", String::from_utf8_lossy(field)),
                    };
                assert_eq!(token, &theirs[..], "{:?}", String::from_utf8_lossy(field));
            }
        }
        assert!(fast > 500, "{fast} of {} on the fast path", fields.len());
    }

    /// The fast path for plain `Content-Type` fields gives mail-parser's value or none, on
    /// every such field of the corpus and the fixtures and on variants of each.
    #[test]
    fn simple_content_type_is_mail_parsers() {
        let parse =
            |f: &[u8]| match mail_parser::parsers::MessageStream::new(f).parse_content_type() {
                mail_parser::HeaderValue::ContentType(ct) => Some(owned(&ct)),
                _ => None,
            };
        let mut fields: Vec<Vec<u8>> = Vec::new();
        for email in all_emails() {
            let mut lines = email.split_inclusive(|&b| b == b'\n').peekable();
            while let Some(line) = lines.next() {
                let Some(value) = line
                    .get(..13)
                    .filter(|n| n.eq_ignore_ascii_case(b"content-type:"))
                    .map(|_| &line[13..])
                else {
                    continue;
                };
                let mut field = value.to_vec();
                while let Some(next) =
                    lines.next_if(|l| l.first().is_some_and(|b| *b == b' ' || *b == b'\t'))
                {
                    field.extend_from_slice(next);
                }
                fields.push(field);
            }
        }
        let variants = |f: &Vec<u8>| -> Vec<Vec<u8>> {
            let text = String::from_utf8_lossy(f).into_owned();
            let mut out = vec![
                f.clone(),
                text.to_uppercase().into_bytes(),
                text.replace('\n', "\r\n").into_bytes(),
                text.replace(';', " ;  ").into_bytes(),
                text.replace(';', ";\t").into_bytes(),
                text.replace("; ", ";").into_bytes(),
                text.replace('"', "").into_bytes(),
                text.replace('=', " = ").into_bytes(),
                text.replace('=', "=\"\"").into_bytes(),
                text.replace('=', "=?").into_bytes(),
                text.replace('/', " / ").into_bytes(),
                text.replace('-', "\u{e9}").into_bytes(),
                text.replace('e', "(e)").into_bytes(),
                text.replace("\n", ";\n").into_bytes(),
                text.replace("; ", ";\n\t").into_bytes(),
                text.replace("; ", ";\r\n ").into_bytes(),
                text.replace(';', "\n\t;").into_bytes(),
                text.replace(';', "\n\n;").into_bytes(),
                text.replace('/', "\n /").into_bytes(),
                text.replace('=', "\n =").into_bytes(),
                text.replace('"', "\n \"").into_bytes(),
                text.replace("\n", "\r\n")
                    .replace("\r\n", "\r\r\n")
                    .into_bytes(),
                text.replace("\n", "\n \n").into_bytes(),
                format!("\n {text}").into_bytes(),
                text.replace("\n", " x\n").into_bytes(),
                text.replace("\n", "\"\n").into_bytes(),
                text.replace("charset", "charset*").into_bytes(),
                format!(" \t{text}").into_bytes(),
                text.trim_end().as_bytes().to_vec(),
            ];
            for cut in [1, 3, 9, 20] {
                if let Some(head) = f.get(..f.len().saturating_sub(cut)) {
                    out.push([head, b"\n"].concat());
                }
            }
            out
        };
        let mut fast = 0;
        for field in &fields {
            for v in variants(field) {
                if let Some(ours) = super::simple_content_type(&v) {
                    fast += 1;
                    assert_eq!(
                        Some(owned(&ours)),
                        parse(&v),
                        "{:?}",
                        String::from_utf8_lossy(&v)
                    );
                }
            }
        }
        assert!(fields.len() > 1000, "{} fields", fields.len());
        assert!(
            fast > fields.len(),
            "{fast} of {} on the fast path",
            fields.len()
        );
    }
}
